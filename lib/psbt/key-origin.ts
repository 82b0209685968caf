/**
 * Where a key comes from, as PSBTs record it (BIP 174 bip32Derivation):
 * the master key's fingerprint and the derivation path. Per-update keys are
 * never BIP32 keys (see lib/keys/seed.ts), so they never carry an origin.
 */
import type { BIP32Interface } from 'bip32';
import { fail } from '../errors';
import { PublicKey, asPublicKey } from '../types';

export interface KeyOrigin {
  readonly pubkey: PublicKey;
  readonly masterFingerprint: Uint8Array;
  readonly path: string;
}

const PATH = /^m(\/\d+'?)*$/;

export function checkPath(path: string): string {
  if (typeof path !== 'string' || !PATH.test(path)) fail('INVALID_ARGUMENT', `bad derivation path ${String(path)}`);
  return path;
}

/** The origin of the key at `path` below a master node (private or public). */
export function keyOrigin(root: BIP32Interface, path: string): KeyOrigin {
  checkPath(path);
  let node: BIP32Interface;
  try {
    node = root.derivePath(path);
  } catch (e) {
    return fail('INVALID_KEY', `cannot derive ${path}: ${(e as Error).message}`);
  }
  return { pubkey: asPublicKey(node.publicKey), masterFingerprint: Uint8Array.from(root.fingerprint), path };
}

/** Roles' key origins, as many as the caller knows; unknown roles are simply not annotated. */
export interface ChannelKeyOrigins {
  readonly senderFunding?: KeyOrigin;
  readonly receiverFunding?: KeyOrigin;
  readonly senderPayout?: KeyOrigin;
  readonly receiverPayout?: KeyOrigin;
  readonly receiverRevocation?: KeyOrigin;
}

export type KeyOrigins = ChannelKeyOrigins | readonly KeyOrigin[];

export function originList(o: KeyOrigins | undefined): KeyOrigin[] {
  if (o === undefined) return [];
  if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', 'key origins must be an array or an object by role');
  if (Array.isArray(o)) return [...o];
  o = o as ChannelKeyOrigins;
  return [o.senderFunding, o.receiverFunding, o.senderPayout, o.receiverPayout, o.receiverRevocation]
    .filter((k): k is KeyOrigin => k !== undefined);
}
