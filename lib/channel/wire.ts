/**
 * Field codecs for the JSON wire format: satoshis and other big numbers as
 * decimal strings, bytes as lowercase hex of an exact length. Each refuses
 * anything but the one canonical spelling, so a message has one encoding.
 */
import { ErrorCode, fail } from '../errors';
import { fromHex, toHex } from '../tx/hash';
import { AbsoluteLock, PublicKey, RelativeLock, Variant, asPublicKey, checkVariant } from '../types';

/** A message or saved state in JSON form: an object of JSON values. */
export type Json = Record<string, unknown>;

export function bad(field: string, why: string, code: ErrorCode = 'MESSAGE_INVALID'): never {
  return fail(code, `${field}: ${why}`, { field });
}

export function expectObject(v: unknown, field: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(field, 'must be an object');
  return v as Json;
}

/** Exactly these fields, no more, no fewer. */
export function expectFields(o: Json, fields: readonly string[], where: string): void {
  for (const f of fields) if (!(f in o)) bad(`${where}.${f}`, 'missing');
  for (const k of Object.keys(o)) if (!fields.includes(k)) bad(`${where}.${k}`, 'unexpected field');
}

export function hexField(o: Json, f: string, length: number): Uint8Array {
  const v = o[f];
  if (typeof v !== 'string') bad(f, 'must be a hex string');
  if (v.length !== length * 2 || !/^[0-9a-f]*$/.test(v)) bad(f, `must be ${length} bytes of lowercase hex`);
  return fromHex(v);
}

/** A DER signature with its sighash byte: 9 to 73 bytes. Its validity is checked by the party, over its own bytes. */
export function sigField(o: Json, f: string): Uint8Array {
  const v = o[f];
  if (typeof v !== 'string' || v.length < 18 || v.length > 146 || v.length % 2 !== 0 || !/^[0-9a-f]*$/.test(v)) {
    bad(f, 'must be a 9..73-byte signature in lowercase hex', 'INVALID_SIGNATURE');
  }
  return fromHex(v);
}

export function keyField(o: Json, f: string): PublicKey {
  const bytes = hexField(o, f, 33);
  try {
    return asPublicKey(bytes, f);
  } catch {
    return bad(f, 'not a valid compressed point', 'INVALID_KEY');
  }
}

export function satsField(o: Json, f: string, max = 21_000_000n * 100_000_000n): bigint {
  const v = o[f];
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(v)) bad(f, 'must be a canonical decimal string');
  const n = BigInt(v);
  if (n > max) bad(f, `must be at most ${max}`);
  return n;
}

export function intField(o: Json, f: string, min: number, max: number): number {
  const v = o[f];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(f, `must be an integer in [${min}, ${max}]`);
  return v;
}

export function literalField<T extends string>(o: Json, f: string, values: readonly T[]): T {
  const v = o[f];
  if (typeof v !== 'string' || !values.includes(v as T)) bad(f, `must be one of ${values.join(', ')}`);
  return v as T;
}

export function variantField(o: Json, f: string): Variant {
  const v = expectObject(o[f], f);
  const kind = literalField(v, 'kind', ['cltv', 'csv'] as const);
  let variant: Variant;
  if (kind === 'cltv') {
    expectFields(v, ['kind', 'expiry'], f);
    const e = expectObject(v.expiry, `${f}.expiry`);
    const key = Object.keys(e).length === 1 ? Object.keys(e)[0] : undefined;
    if (key !== 'height' && key !== 'time') bad(`${f}.expiry`, 'must be {height} or {time}');
    const expiry = (key === 'height' ? { height: intField(e, 'height', 0, 0xffffffff) } : { time: intField(e, 'time', 0, 0xffffffff) }) as AbsoluteLock;
    variant = { kind, expiry };
  } else {
    expectFields(v, ['kind', 'delay'], f);
    const d = expectObject(v.delay, `${f}.delay`);
    expectFields(d, ['blocks'], `${f}.delay`);
    variant = { kind, delay: { blocks: intField(d, 'blocks', 0, 0xffffffff) } as RelativeLock };
  }
  try {
    return checkVariant(variant);
  } catch {
    return bad(f, 'timelock out of range', 'INVALID_TIMELOCK');
  }
}

export const hex = toHex;
export const dec = (n: bigint): string => n.toString(10);
