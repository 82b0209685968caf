/**
 * State numbers ride in nLockTime and nSequence exactly as BOLT 3 commitment
 * numbers do, obscured so that outsiders cannot count a channel's payments,
 * while a watcher that knows the factor maps a spend to its state in O(1).
 */
import { expectBytes } from '../arguments';
import { fail } from '../errors';
import { PublicKey } from '../types';
import { sha256 } from './hash';

/** The largest state number, 2^48-1: 24 bits ride in nLockTime and 24 in nSequence. */
export const MAX_STATE = (1n << 48n) - 1n;
const MASK_24 = 0xffffffn;

/**
 * The channel's obscuring factor, XORed into every state number.
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
 * Check a state number.
 *
 * @param state - The state number.
 * @returns `state`, unchanged.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `state` is not a bigint in [0, 2^48-1].
 */
export function checkState(state: bigint): bigint {
  if (typeof state !== 'bigint' || state < 0n || state > MAX_STATE) fail('INVALID_ARGUMENT', 'state number must be a bigint in [0, 2^48-1]');
  return state;
}

function checkFactor(factor: bigint): bigint {
  if (typeof factor !== 'bigint' || factor < 0n || factor > MAX_STATE) fail('INVALID_ARGUMENT', 'obscuring factor must be a bigint in [0, 2^48-1]');
  return factor;
}

function isUint32(n: number): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** A state number as a payment transaction carries it. */
export interface EncodedState {
  /** nLockTime: 0x20 in the top byte, the obscured state's lower 24 bits below. */
  readonly locktime: number;
  /** The funding input's nSequence: 0x80 in the top byte, the obscured state's upper 24 bits below. */
  readonly sequence: number;
}

/**
 * The nLockTime and nSequence that carry a state number.
 *
 * @param state - The state number, in [0, 2^48-1].
 * @param obscuringFactor - From {@link deriveObscuringFactor}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `state` or `obscuringFactor` is not a bigint in [0, 2^48-1].
 */
export function encodeStateNumber(state: bigint, obscuringFactor: bigint): EncodedState {
  checkState(state);
  const obscured = state ^ checkFactor(obscuringFactor);
  return {
    locktime: Number((0x20n << 24n) | (obscured & MASK_24)),
    sequence: Number((0x80n << 24n) | ((obscured >> 24n) & MASK_24)),
  };
}

/**
 * The state a payment transaction encodes, or undefined if it does not look like one.
 *
 * @param locktime - The transaction's nLockTime.
 * @param sequence - The funding input's nSequence.
 * @param obscuringFactor - From {@link deriveObscuringFactor}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `locktime` or `sequence` is not a uint32, or `obscuringFactor` not in [0, 2^48-1].
 */
export function decodeStateNumber(locktime: number, sequence: number, obscuringFactor: bigint): bigint | undefined {
  // Out-of-range numbers would wrap in >>> and could pass for a payment's fields.
  if (!isUint32(locktime) || !isUint32(sequence)) fail('INVALID_ARGUMENT', 'nLockTime and nSequence must be integers in [0, 2^32-1]');
  checkFactor(obscuringFactor);
  if ((locktime >>> 24) !== 0x20 || (sequence >>> 24) !== 0x80) return undefined;
  const obscured = (BigInt(sequence & 0xffffff) << 24n) | BigInt(locktime & 0xffffff);
  return obscured ^ obscuringFactor;
}
