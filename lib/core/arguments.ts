/**
 * Shape checks at a public boundary, for callers in plain JavaScript: a value
 * that is not even the right kind of thing is INVALID_ARGUMENT here, instead
 * of a TypeError from deep inside bitcoinjs or Buffer. Not exported from the
 * package: each function names its own arguments.
 */
import { fail } from './errors';

export function expectBytes(v: unknown, what: string, length?: number): Uint8Array {
  if (!(v instanceof Uint8Array)) fail('INVALID_ARGUMENT', `${what} must be a Uint8Array`);
  if (length !== undefined && v.length !== length) fail('INVALID_ARGUMENT', `${what} must be ${length} bytes`);
  return v;
}

/** A parameters object: not null, not an array. */
export function expectObject<T>(v: T, what: string): T {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('INVALID_ARGUMENT', `${what} must be an object`);
  return v;
}

export function expectArray<T>(v: readonly T[], what: string): readonly T[] {
  if (!Array.isArray(v)) fail('INVALID_ARGUMENT', `${what} must be an array`);
  return v;
}

export function expectUint32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail('INVALID_ARGUMENT', `${what} must be an integer in [0, 2^32-1]`);
  return v;
}

export function expectCount(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) fail('INVALID_ARGUMENT', `${what} must be a non-negative integer`);
  return v;
}
