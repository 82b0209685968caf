/**
 * A state's index (the state counter, `index` on the wire) rides in nLockTime
 * and nSequence exactly as BOLT 3 commitment numbers do, obscured so that
 * outsiders cannot count a channel's payments, while a watcher that knows
 * the factor maps a spend to its state in O(1).
 */
import { expectBytes } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { PublicKey } from '../../../core/types';
import { sha256 } from '../../../core/hash';

/** The largest state index, 2^48-1: 24 bits ride in nLockTime and 24 in nSequence. */
export const MAX_INDEX = (1n << 48n) - 1n;
/** @deprecated The old name of {@link MAX_INDEX}. */
export const MAX_STATE = MAX_INDEX;
const MASK_24 = 0xffffffn;

/**
 * The channel's obscuring factor, XORed into every state index.
 *
 * Lower 48 bits of SHA256(opener's key || other key); the sender opens.
 *
 * @param senderKey - The sender's funding key.
 * @param receiverKey - The receiver's funding key.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if either key is not 33 bytes.
 */
export function deriveObscuringFactor(senderKey: PublicKey, receiverKey: PublicKey): bigint {
  expectBytes(senderKey, 'senderKey', 33);
  expectBytes(receiverKey, 'receiverKey', 33);
  const keys = new Uint8Array(66);
  keys.set(senderKey, 0);
  keys.set(receiverKey, 33);
  const h = sha256(keys);
  let v = 0n;
  for (let i = 26; i < 32; i++) v = (v << 8n) | BigInt(h[i]!);
  return v;
}

/**
 * Check a state index.
 *
 * @param index - The state index.
 * @returns `index`, unchanged.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not a bigint in [0, 2^48-1].
 */
export function checkIndex(index: bigint): bigint {
  if (typeof index !== 'bigint' || index < 0n || index > MAX_INDEX) fail('INVALID_ARGUMENT', 'state number must be a bigint in [0, 2^48-1]');
  return index;
}

/**
 * The old name of {@link checkIndex}.
 *
 * @deprecated Use {@link checkIndex}.
 * @param index - The state index.
 * @returns `index`, unchanged.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not a bigint in [0, 2^48-1].
 */
export const checkState: (index: bigint) => bigint = checkIndex;

function checkFactor(factor: bigint): bigint {
  if (typeof factor !== 'bigint' || factor < 0n || factor > MAX_INDEX) fail('INVALID_ARGUMENT', 'obscuring factor must be a bigint in [0, 2^48-1]');
  return factor;
}

function isUint32(n: number): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** A state index as a payment transaction carries it. */
export interface EncodedIndex {
  /** nLockTime: 0x20 in the top byte, the obscured index's lower 24 bits below. */
  readonly locktime: number;
  /** The funding input's nSequence: 0x80 in the top byte, the obscured index's upper 24 bits below. */
  readonly sequence: number;
}

/** @deprecated The old name of {@link EncodedIndex}. */
export type EncodedState = EncodedIndex;

/**
 * The nLockTime and nSequence that carry a state index.
 *
 * @param index - The state index, in [0, 2^48-1].
 * @param obscuringFactor - From {@link deriveObscuringFactor}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` or `obscuringFactor` is not a bigint in [0, 2^48-1].
 */
export function encodeObscuredIndex(index: bigint, obscuringFactor: bigint): EncodedIndex {
  checkIndex(index);
  const obscured = index ^ checkFactor(obscuringFactor);
  return {
    locktime: Number((0x20n << 24n) | (obscured & MASK_24)),
    sequence: Number((0x80n << 24n) | ((obscured >> 24n) & MASK_24)),
  };
}

/**
 * The old name of {@link encodeObscuredIndex}.
 *
 * @deprecated Use {@link encodeObscuredIndex}.
 * @param index - The state index, in [0, 2^48-1].
 * @param obscuringFactor - From {@link deriveObscuringFactor}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` or `obscuringFactor` is not a bigint in [0, 2^48-1].
 */
export const encodeStateNumber: (index: bigint, obscuringFactor: bigint) => EncodedIndex = encodeObscuredIndex;

/**
 * The state index a payment transaction encodes, or undefined if it does not look like one.
 *
 * @param locktime - The transaction's nLockTime.
 * @param sequence - The funding input's nSequence.
 * @param obscuringFactor - From {@link deriveObscuringFactor}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `locktime` or `sequence` is not a uint32, or `obscuringFactor` not in [0, 2^48-1].
 */
export function decodeObscuredIndex(locktime: number, sequence: number, obscuringFactor: bigint): bigint | undefined {
  // Out-of-range numbers would wrap in >>> and could pass for a payment's fields.
  if (!isUint32(locktime) || !isUint32(sequence)) fail('INVALID_ARGUMENT', 'nLockTime and nSequence must be integers in [0, 2^32-1]');
  checkFactor(obscuringFactor);
  if ((locktime >>> 24) !== 0x20 || (sequence >>> 24) !== 0x80) return undefined;
  const obscured = (BigInt(sequence & 0xffffff) << 24n) | BigInt(locktime & 0xffffff);
  return obscured ^ obscuringFactor;
}

/**
 * The old name of {@link decodeObscuredIndex}.
 *
 * @deprecated Use {@link decodeObscuredIndex}.
 * @param locktime - The transaction's nLockTime.
 * @param sequence - The funding input's nSequence.
 * @param obscuringFactor - From {@link deriveObscuringFactor}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `locktime` or `sequence` is not a uint32, or `obscuringFactor` not in [0, 2^48-1].
 */
export const decodeStateNumber: (locktime: number, sequence: number, obscuringFactor: bigint) => bigint | undefined = decodeObscuredIndex;
