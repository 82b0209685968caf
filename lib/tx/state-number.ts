/**
 * State numbers ride in nLockTime and nSequence exactly as BOLT 3 commitment
 * numbers do, obscured so that outsiders cannot count a channel's payments,
 * while a watcher that knows the factor maps a spend to its state in O(1).
 */
import { expectBytes } from '../arguments';
import { fail } from '../errors';
import { PublicKey } from '../types';
import { sha256 } from './hash';

export const MAX_STATE = (1n << 48n) - 1n;
const MASK_24 = 0xffffffn;

/** Lower 48 bits of SHA256(opener's key || other key); the sender opens. */
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

export interface EncodedState {
  readonly locktime: number;
  readonly sequence: number;
}

export function encodeStateNumber(state: bigint, obscuringFactor: bigint): EncodedState {
  checkState(state);
  const obscured = state ^ checkFactor(obscuringFactor);
  return {
    locktime: Number((0x20n << 24n) | (obscured & MASK_24)),
    sequence: Number((0x80n << 24n) | ((obscured >> 24n) & MASK_24)),
  };
}

/** The state a payment transaction encodes, or undefined if it does not look like one. */
export function decodeStateNumber(locktime: number, sequence: number, obscuringFactor: bigint): bigint | undefined {
  // Out-of-range numbers would wrap in >>> and could pass for a payment's fields.
  if (!isUint32(locktime) || !isUint32(sequence)) fail('INVALID_ARGUMENT', 'nLockTime and nSequence must be integers in [0, 2^32-1]');
  checkFactor(obscuringFactor);
  if ((locktime >>> 24) !== 0x20 || (sequence >>> 24) !== 0x80) return undefined;
  const obscured = (BigInt(sequence & 0xffffff) << 24n) | BigInt(locktime & 0xffffff);
  return obscured ^ obscuringFactor;
}
