/**
 * Per-update secrets, generated as in BOLT #3 "Per-commitment Secret
 * Requirements". Secrets form a binary tree over 48-bit indices: the secret at
 * an index with B trailing zero bits lets anyone derive the 2^B - 1 secrets at
 * the indices just above it. Revealing secrets in decreasing index order is
 * therefore what lets the receiver keep only O(log n) of them.
 *
 * Two numbers are called index here, and the names keep them apart: an
 * update's `index` is the channel's state counter n (0, 1, 2, ...: the
 * `index` of the messages and of saved state); a secret index is BOLT 3's
 * position in the tree, 2^48-1-n ({@link secretIndexOf}). The update
 * functions (deriveUpdateSecret, RevocationStore.insertUpdateSecret, ...)
 * take an update's index; deriveSecret and RevocationStore.insert/get take a
 * secret index.
 */
import { ecc } from '../core/ecc';
import { fail } from '../core/errors';
import { sha256Into } from '../core/sha256';
import { asPrivateKey, type PrivateKey, type PublicKey } from '../core/types';

/** Number of index bits; indices live in [0, 2^48 - 1]. */
export const SECRET_INDEX_BITS = 48;
/** The largest secret index, which is also the largest update index. */
export const MAX_SECRET_INDEX: bigint = (1n << 48n) - 1n;

/** @deprecated The old name of {@link MAX_SECRET_INDEX} (the same value as the largest update index, MAX_INDEX). */
export const MAX_UPDATE_STATE: bigint = MAX_SECRET_INDEX;
const TWO_32 = 2 ** 32;

/**
 * Throws unless `index` is a bigint in [0, 2^48 - 1]. Returns it as a number,
 * which holds 48 bits exactly and keeps bigint arithmetic off the hot paths.
 *
 * @param index - The index.
 * @param what - The name of the value in the error message.
 * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
 */
export function checkSecretIndex(index: bigint, what = 'secret index'): number {
  if (typeof index !== 'bigint' || index < 0n || index > MAX_SECRET_INDEX) {
    fail('SECRET_INDEX_OUT_OF_RANGE', `${what} must be a bigint in [0, 2^48-1]`, {
      value: typeof index === 'bigint' ? index.toString() : typeof index,
    });
  }
  return Number(index);
}

/** @internal Bit `bit` (0..47) of an index held as a number. */
export function indexBit(index: number, bit: number): number {
  // `>>>` only sees the low 32 bits, so the top 16 need a division first.
  return bit < 32 ? (index >>> bit) & 1 : (Math.floor(index / TWO_32) >>> (bit - 32)) & 1;
}

/**
 * @internal BOLT 3 where_to_put_secret: the number of trailing zero bits, and 48 for
 * index 0 (the seed itself, which derives every other secret).
 */
export function trailingZeros(index: number): number {
  const lo = index >>> 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Math.floor(index / TWO_32);
  if (hi === 0) return SECRET_INDEX_BITS;
  return 32 + 31 - Math.clz32(hi & -hi);
}

/**
 * @internal BOLT 3 derive_secret(base, bits, I): walk bits `bits-1` down to 0 of I,
 * flipping and hashing for each set bit. Callers have validated their inputs;
 * `base` is never written to.
 */
export function deriveFromBase(base: Uint8Array, bits: number, index: number): Uint8Array {
  // One copy, so callers get neither the caller's seed nor a Buffer; every flip and hash then happens in it.
  const value = new Uint8Array(base);
  for (let b = bits - 1; b >= 0; b--) {
    if (indexBit(index, b) === 0) continue;
    value[b >> 3] ^= 1 << (b & 7);
    sha256Into(value, 32, value, 0);
  }
  return value;
}

function checkSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) fail('INVALID_ARGUMENT', 'shachain seed must be 32 bytes');
}

/**
 * BOLT 3 generate_from_seed(seed, index).
 *
 * @param seed - The 32-byte shachain seed.
 * @param index - The secret's index, in [0, 2^48-1].
 * @returns The 32-byte secret.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `seed` is not 32 bytes.
 * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
 */
export function deriveSecret(seed: Uint8Array, index: bigint): Uint8Array {
  checkSeed(seed);
  const i = checkSecretIndex(index);
  return deriveFromBase(seed, SECRET_INDEX_BITS, i);
}

/**
 * The secret index of an update. Update 0 uses the highest secret index so that each later update's secret can derive all earlier ones.
 *
 * @param index - The update's index (the state counter).
 * @returns The secret index, 2^48-1 - index.
 * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
 */
export function secretIndexOf(index: bigint): bigint {
  checkSecretIndex(index, 'update index');
  return MAX_SECRET_INDEX - index;
}

/**
 * The old name of {@link secretIndexOf}.
 *
 * @deprecated Use {@link secretIndexOf}.
 * @param index - The update's index (the state counter).
 * @returns The secret index, 2^48-1 - index.
 * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
 */
export const updateIndex: (index: bigint) => bigint = secretIndexOf;

/**
 * The secret of update `index`, usable as a secp256k1 private key: k_i.
 *
 * @param seed - The channel's 32-byte shachain seed ({@link deriveChannelSeed}).
 * @param index - The update's index (the state counter), not a secret index.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `seed` is not 32 bytes.
 * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
 * @throws {@link ChannelError} `INVALID_KEY` if the secret is not a valid private key (probability about 2^-128).
 */
export function deriveUpdateSecret(seed: Uint8Array, index: bigint): PrivateKey {
  const secret = deriveSecret(seed, secretIndexOf(index));
  // A hash output is >= n or zero with probability ~2^-128, but an invalid scalar must never reach signing code.
  return asPrivateKey(secret, `update secret for index ${index}`);
}

/**
 * The public key whose private key is revealed when update `index` is revoked: K_i.
 *
 * @param seed - The channel's 32-byte shachain seed ({@link deriveChannelSeed}).
 * @param index - The update's index (the state counter), not a secret index.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `seed` is not 32 bytes.
 * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
 * @throws {@link ChannelError} `INVALID_KEY` if the secret is not a valid private key (probability about 2^-128).
 *
 * @example
 * ```ts
 * const seed = deriveChannelSeed(master, 0);
 * const K_1 = deriveUpdateKey(seed, 1n); // goes in the offer of index 1
 * const k_1 = deriveUpdateSecret(seed, 1n); // revealed by the revoke of index 1
 * ```
 */
export function deriveUpdateKey(seed: Uint8Array, index: bigint): PublicKey {
  return updateKeyOf(deriveUpdateSecret(seed, index));
}

/**
 * @internal K_i of a secret the caller has just checked (asPrivateKey, or
 * ecc().isPrivate on a revoke): derivePublicKey would check it a second time,
 * once per payment on each side. Not exported from the package.
 */
export function updateKeyOf(secret: PrivateKey): PublicKey {
  const pub = ecc().pointFromScalar(secret, true);
  if (pub === null) fail('INVALID_KEY', 'update secret has no public key');
  return pub as PublicKey;
}

/**
 * A sender's secrets for consecutive states, at about one hash each instead of
 * up to 48. It keeps the value reached after each bit of the last index it
 * derived; the next index shares every bit above the highest one where the two
 * differ, so only the bits below need hashing again. Consecutive states are
 * consecutive indices, which mostly differ in their lowest bits. The kept
 * values are secrets of later states: nothing the seed does not already give,
 * and like the seed they are never part of saved state.
 */
export class SecretSchedule {
  /** after[b]: the value once bits 47..b of `last` are applied; after[48] is the seed. Entries are never written to. */
  private readonly after: Uint8Array[];
  private last: number | undefined = undefined;

  constructor(seed: Uint8Array) {
    checkSeed(seed);
    this.after = new Array<Uint8Array>(SECRET_INDEX_BITS + 1);
    this.after[SECRET_INDEX_BITS] = new Uint8Array(seed);
  }

  /** The same as deriveSecret(seed, index). */
  deriveSecret(index: bigint): Uint8Array {
    const i = checkSecretIndex(index);
    const top = this.last === undefined ? SECRET_INDEX_BITS - 1 : highestDifferingBit(this.last, i);
    const after = this.after;
    for (let b = top; b >= 0; b--) {
      const above = after[b + 1]!;
      if (indexBit(i, b) === 0) {
        after[b] = above;
        continue;
      }
      const next = new Uint8Array(above);
      next[b >> 3] ^= 1 << (b & 7);
      sha256Into(next, 32, next, 0);
      after[b] = next;
    }
    this.last = i;
    return new Uint8Array(after[0]!);
  }

  /** The same as deriveUpdateSecret(seed, index). */
  deriveUpdateSecret(index: bigint): PrivateKey {
    return asPrivateKey(this.deriveSecret(secretIndexOf(index)), `update secret for index ${index}`);
  }
}

/** Highest bit where two 48-bit indices differ, or -1 if they are equal. */
function highestDifferingBit(a: number, b: number): number {
  const hi = (Math.floor(a / TWO_32) ^ Math.floor(b / TWO_32)) >>> 0;
  if (hi !== 0) return 63 - Math.clz32(hi);
  const lo = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return lo === 0 ? -1 : 31 - Math.clz32(lo);
}
