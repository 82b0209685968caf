/**
 * Deterministic keys for the demo.
 *
 * DEMO ONLY: every private key below is sha256 of a public label, so anyone
 * can recompute it. That makes every run print the same keys and scripts,
 * which is what a demo wants and exactly what real money must never use:
 * real wallets use BIP32 nodes from a random seed (and deriveChannelSeed for
 * the per-channel update seed).
 */
import { createHash } from 'node:crypto';
import {
  PrivateKey, PublicKey, ReceiverSecrets, SenderSecrets, asPrivateKey, derivePublicKey, p2wpkhScript,
} from '../lib';

function labelHash(label: string): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(`revchan demo ${label}`).digest());
}

export interface DemoKey {
  readonly priv: PrivateKey;
  readonly pub: PublicKey;
  /** P2WPKH scriptPubKey of the key. */
  readonly script: Uint8Array;
}

export function demoKey(label: string): DemoKey {
  const priv = asPrivateKey(labelHash(label), label);
  const pub = derivePublicKey(priv);
  return { priv, pub, script: p2wpkhScript(pub) };
}

/** The sender's on-chain wallet: its coin funds the channels and takes the funding change. */
export const senderWallet = demoKey('sender wallet');
/** Where the receiver's watcher sends penalty claims. */
export const receiverWallet = demoKey('receiver wallet');

const senderFunding = demoKey('sender funding');
const senderPayout = demoKey('sender payout');
const receiverFunding = demoKey('receiver funding');
const receiverPayout = demoKey('receiver payout');
const receiverRevocation = demoKey('receiver revocation');

/** The sender's keys, with a per-channel update seed (each channel needs its own shachain). */
export function senderSecrets(channel: string): SenderSecrets {
  return {
    fundingKey: senderFunding.priv,
    payoutKey: senderPayout.priv,
    updateSeed: labelHash(`update seed of channel ${channel}`),
  };
}

export const receiverSecrets: ReceiverSecrets = {
  fundingKey: receiverFunding.priv,
  payoutKey: receiverPayout.priv,
  revocationKey: receiverRevocation.priv,
};
