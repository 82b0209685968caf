/**
 * Where a key comes from, as PSBTs record it (BIP 174 bip32Derivation):
 * the master key's fingerprint and the derivation path. Per-update keys are
 * never BIP32 keys (see lib/keys/seed.ts), so they never carry an origin.
 */
import type { BIP32Interface } from 'bip32';
import { fail } from '../core/errors';
import { PublicKey, asPublicKey } from '../core/types';

/** A public key with the BIP32 origin a wallet needs to sign for it. */
export interface KeyOrigin {
  /** The key itself. */
  readonly pubkey: PublicKey;
  /** The first 4 bytes of hash160 of the master public key. */
  readonly masterFingerprint: Uint8Array;
  /** The derivation path from the master, such as `m/84'/0'/0'/0/5`. */
  readonly path: string;
}

const PATH = /^m(\/\d+'?)*$/;

/**
 * Check a derivation path's form: `m`, then `/n` or `/n'` steps.
 *
 * @param path - The path.
 * @returns `path`, unchanged.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `path` is not a string of that form.
 */
export function checkPath(path: string): string {
  if (typeof path !== 'string' || !PATH.test(path)) fail('INVALID_ARGUMENT', `bad derivation path ${String(path)}`);
  return path;
}

/**
 * The origin of the key at `path` below a master node (private or public).
 *
 * @param root - The master node, built with the caller's BIP32 factory.
 * @param path - The derivation path from it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `path` is malformed.
 * @throws {@link ChannelError} `INVALID_KEY` if the node cannot derive `path` (a hardened step below a public node) or gives an invalid key.
 *
 * @example
 * ```ts
 * const master = BIP32Factory(ecc).fromSeed(seed);
 * const origins = { senderFunding: keyOrigin(master, "m/1017'/0'/0'/0/0") };
 * const psbt = createSenderPaymentPsbt(params, { origins });
 * ```
 */
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

/**
 * Key origins by role (a construction names its roles: the revocable
 * channel's are `ChannelKeyOrigins`), or as a plain list. Roles are read in
 * the object's own key order.
 */
export type KeyOrigins = Readonly<Record<string, KeyOrigin | undefined>> | readonly KeyOrigin[];

/**
 * Key origins as a list, whichever form they were given in.
 *
 * @param o - By role, as a list, or undefined (none).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `o` is neither an array nor an object, or a role holds no key origin.
 */
export function originList(o: KeyOrigins | undefined): KeyOrigin[] {
  if (o === undefined) return [];
  if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', 'key origins must be an array or an object by role');
  if (Array.isArray(o)) return [...o];
  const out: KeyOrigin[] = [];
  for (const [role, k] of Object.entries(o as Readonly<Record<string, KeyOrigin | undefined>>)) {
    if (k === undefined) continue;
    if (k === null || typeof k !== 'object' || !(k.pubkey instanceof Uint8Array)) fail('INVALID_ARGUMENT', `key origin ${role} must be a KeyOrigin`, { field: role });
    out.push(k);
  }
  return out;
}
