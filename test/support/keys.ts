/** Deterministic test keys: sha256 of a label, so every run and every machine sees the same bytes. */
import { createHash } from 'node:crypto';
import { PrivateKey, PublicKey, asPrivateKey, derivePublicKey } from '../../lib';

export interface TestKey {
  readonly priv: PrivateKey;
  readonly pub: PublicKey;
}

export function testKey(label: string): TestKey {
  const priv = asPrivateKey(createHash('sha256').update(`revchan test key ${label}`).digest());
  return { priv, pub: derivePublicKey(priv) };
}

export const keys = {
  senderFunding: testKey('sender funding'),
  receiverFunding: testKey('receiver funding'),
  senderPayout: testKey('sender payout'),
  receiverPayout: testKey('receiver payout'),
  receiverRevocation: testKey('receiver revocation'),
  update: (i: number) => testKey(`update ${i}`),
};
