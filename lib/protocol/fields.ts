/**
 * Field kinds of the JSON wire format, as data. A message schema lists its
 * fields by kind; the encoder, the strict decoder, the bad-input corpus and
 * the fuzz targets all read the same list, so a field is declared once.
 *
 * On the wire: satoshis as decimal strings, bytes as lowercase hex of an exact
 * length, integers as JSON numbers. Each decoder refuses anything but the one
 * canonical spelling, so a message has one encoding. Value errors name the
 * field (`details.field` is its bare name); structural errors (missing,
 * unexpected, not an object) name its path (`variant.delay`).
 */
import { ErrorCode, fail } from '../core/errors';
import { fromHex, toHex } from '../core/hash';
import { MAX_MONEY, PublicKey, asPublicKey } from '../core/types';

/** A message or saved state in JSON form: an object of JSON values (as it arrives, any member may hold anything). */
export type Json = Record<string, unknown>;

declare const valueType: unique symbol;

/**
 * The in-memory type a field decodes to, carried by the type only. A function
 * type both takes and gives `T`, so a field of another type does not fit
 * (a signature where the interface says PublicKey fails to compile).
 */
export interface Typed<T> {
  readonly [valueType]?: (v: T) => T;
}

/** Exactly `length` bytes, as `2 * length` lowercase hex digits. */
export interface BytesKind { readonly kind: 'bytes'; readonly length: number }
/** A 33-byte compressed secp256k1 point on the curve (INVALID_KEY when off it). */
export interface PubkeyKind { readonly kind: 'pubkey' }
/** A DER signature with its sighash byte, `minLength..maxLength` bytes (INVALID_SIGNATURE otherwise). */
export interface SignatureKind { readonly kind: 'signature'; readonly minLength: number; readonly maxLength: number }
/** Satoshis (or another non-negative bigint) as a canonical decimal string, at most `max`. */
export interface SatsKind { readonly kind: 'sats'; readonly max: bigint }
/** A safe integer in `[min, max]`, as a JSON number. */
export interface IntKind { readonly kind: 'int'; readonly min: number; readonly max: number }
/** One of a fixed set of strings. */
export interface LiteralKind { readonly kind: 'literal'; readonly values: readonly string[] }
/** An object with exactly these fields. */
export interface ObjectKind { readonly kind: 'object'; readonly fields: FieldTable }
/** An object whose `tag` member picks the set of the other fields (`{kind: 'csv', delay}`). */
export interface UnionKind { readonly kind: 'union'; readonly tag: string; readonly cases: Readonly<Record<string, FieldTable>> }
/** An object with exactly one member, whose name picks its kind (`{height} | {time}`). */
export interface OneKeyKind { readonly kind: 'oneKey'; readonly options: FieldTable }
/** A member that may be absent; when present it is of kind `of`. */
export interface OptionalKind { readonly kind: 'optional'; readonly of: FieldKind }
/** A JSON array of at most `maxLength` elements of kind `of`. */
export interface ArrayKind { readonly kind: 'array'; readonly of: FieldKind; readonly maxLength: number }
/**
 * A value of kind `of` that must also pass `check`, a rule no spelling shows
 * (a timelock in range): refused with `code`, named by `name` in the corpus.
 */
export interface CheckedKind {
  readonly kind: 'checked';
  readonly of: FieldKind;
  readonly name: string;
  readonly code: ErrorCode;
  readonly why: string;
  readonly check: (v: never) => unknown;
}

/** Every field kind. */
export type FieldKind =
  | BytesKind | PubkeyKind | SignatureKind | SatsKind | IntKind | LiteralKind
  | ObjectKind | UnionKind | OneKeyKind | OptionalKind | ArrayKind | CheckedKind;

/** A field kind that decodes to `T`. */
export type Field<T> = FieldKind & Typed<T>;

/** Fields by name, in wire order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FieldTable = Readonly<Record<string, Field<any>>>;

/** The in-memory type of a field. */
export type ValueOf<F> = F extends Typed<infer T> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & unknown;
type OptionalKeys<F> = { [K in keyof F]: F[K] extends OptionalKind ? K : never }[keyof F];

/** The in-memory object a field table decodes to; optional fields become optional members. */
export type ValuesOf<F extends FieldTable> = Simplify<
  { readonly [K in Exclude<keyof F, OptionalKeys<F>>]: ValueOf<F[K]> } & { readonly [K in OptionalKeys<F>]?: Exclude<ValueOf<F[K]>, undefined> }
>;

// ---------------------------------------------------------------------------
// Declaring fields.

/**
 * Bytes of a fixed length.
 * @param length - the number of bytes (the hex has twice as many digits)
 */
export function bytes(length: number): Field<Uint8Array> {
  return { kind: 'bytes', length };
}

/** A compressed public key, checked to be on the curve. */
export function pubkey(): Field<PublicKey> {
  return { kind: 'pubkey' };
}

/**
 * A DER signature with its sighash byte. Only its length and spelling are the
 * decoder's to check; whether it signs anything is the party's.
 * @param minLength - fewest bytes (9: the shortest DER signature and its sighash byte)
 * @param maxLength - most bytes (73)
 */
export function signature(minLength = 9, maxLength = 73): Field<Uint8Array> {
  return { kind: 'signature', minLength, maxLength };
}

/**
 * Satoshis as a canonical decimal string (at most 16 digits).
 * @param max - the largest value accepted (default: 21 million bitcoin)
 */
export function sats(max: bigint = MAX_MONEY): Field<bigint> {
  return { kind: 'sats', max };
}

/**
 * A safe integer in a range.
 * @param min - the smallest value accepted
 * @param max - the largest value accepted
 */
export function int(min: number, max: number): Field<number> {
  return { kind: 'int', min, max };
}

/**
 * One of a fixed set of strings.
 * @param values - the strings accepted, in their one spelling
 */
export function literal<const V extends string>(...values: V[]): Field<V> {
  return { kind: 'literal', values };
}

/**
 * A nested object with exactly these fields.
 * @param fields - the members, by name, in wire order
 */
export function object<const F extends FieldTable>(fields: F): Field<ValuesOf<F>> {
  return { kind: 'object', fields };
}

type UnionOf<Tag extends string, C extends Readonly<Record<string, FieldTable>>> = {
  [K in keyof C & string]: Simplify<{ readonly [P in Tag]: K } & ValuesOf<C[K]>>
}[keyof C & string];

/**
 * An object whose `tag` member names its case, and each case its other members.
 * @param tag - the name of the member holding the case
 * @param cases - each case's other members, in wire order (the tag comes first)
 */
export function union<const Tag extends string, const C extends Readonly<Record<string, FieldTable>>>(tag: Tag, cases: C): Field<UnionOf<Tag, C>> {
  return { kind: 'union', tag, cases };
}

type OneKeyOf<O extends FieldTable> = { [K in keyof O & string]: { readonly [P in K]: ValueOf<O[K]> } }[keyof O & string];

/**
 * An object with exactly one of these members.
 * @param options - the members it may have, by name
 */
export function oneKey<const O extends FieldTable>(options: O): Field<OneKeyOf<O>> {
  return { kind: 'oneKey', options };
}

/**
 * A member that may be absent (the encoder omits it when undefined).
 * @param of - its kind when present
 */
export function optional<T>(of: Field<T>): Field<T | undefined> & OptionalKind {
  return { kind: 'optional', of };
}

/**
 * A list of at most `maxLength` elements.
 * @param of - the kind of each element
 * @param maxLength - the most elements accepted
 */
export function array<T>(of: Field<T>, maxLength: number): Field<readonly T[]> {
  return { kind: 'array', of, maxLength };
}

/**
 * A field of kind `of` that must also pass `check`.
 * @param of - its spelling
 * @param rule - `check` returns the value (or a normalised copy) or throws; a
 *   throw is reported as `code` with `details.field` the field's name; `name`
 *   names the rule for the bad-input corpus; `why` explains it to people
 */
export function checked<T>(of: Field<T>, rule: { name: string; code: ErrorCode; why: string; check: (v: T) => T }): Field<T> {
  return { kind: 'checked', of, ...rule, check: rule.check as (v: never) => unknown };
}

// ---------------------------------------------------------------------------
// Checking values.

/**
 * Refuse a field.
 * @param field - the field's name or path, given as `details.field`
 * @param why - for people
 * @param code - the error code (default MESSAGE_INVALID)
 * @throws {@link ChannelError} always, with `code` and `details.field`
 */
export function bad(field: string, why: string, code: ErrorCode = 'MESSAGE_INVALID'): never {
  return fail(code, `${field}: ${why}`, { field });
}

/**
 * A JSON object: not null, not an array.
 * @param v - the value
 * @param field - its name, for the error
 * @throws {@link ChannelError} `MESSAGE_INVALID` otherwise
 */
export function expectObject(v: unknown, field: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(field, 'must be an object');
  return v as Json;
}

/**
 * Exactly these fields, no more, no fewer.
 * @param o - the object
 * @param fields - the members it must have, in the order missing ones are reported
 * @param where - its path: errors name `${where}.${member}`
 * @param optional - members it may also have
 * @throws {@link ChannelError} `MESSAGE_INVALID` for the first missing member, then the first unexpected one
 */
export function expectFields(o: Json, fields: readonly string[], where: string, optional: readonly string[] = []): void {
  for (const f of fields) if (!(f in o)) bad(`${where}.${f}`, 'missing');
  for (const k of Object.keys(o)) if (!fields.includes(k) && !optional.includes(k)) bad(`${where}.${k}`, 'unexpected field');
}

const LOWER_HEX = /^[0-9a-f]*$/;
const CANONICAL_DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * @param v - the value
 * @param name - its name, for the error
 * @param length - the number of bytes
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless `v` is `length` bytes of lowercase hex
 */
export function decodeHex(v: unknown, name: string, length: number): Uint8Array {
  if (typeof v !== 'string') bad(name, 'must be a hex string');
  if (v.length !== length * 2 || !LOWER_HEX.test(v)) bad(name, `must be ${length} bytes of lowercase hex`);
  return fromHex(v);
}

/**
 * @param v - the value
 * @param name - its name, for the error
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless 33 bytes of lowercase hex; `INVALID_KEY` unless a compressed point on the curve
 */
export function decodePubkey(v: unknown, name: string): PublicKey {
  const b = decodeHex(v, name, 33);
  try {
    return asPublicKey(b, name);
  } catch {
    return bad(name, 'not a valid compressed point', 'INVALID_KEY');
  }
}

/**
 * @param v - the value
 * @param name - its name, for the error
 * @param minLength - fewest bytes
 * @param maxLength - most bytes
 * @throws {@link ChannelError} `INVALID_SIGNATURE` unless `minLength..maxLength` bytes of lowercase hex
 */
export function decodeSignatureHex(v: unknown, name: string, minLength = 9, maxLength = 73): Uint8Array {
  if (typeof v !== 'string' || v.length < minLength * 2 || v.length > maxLength * 2 || v.length % 2 !== 0 || !LOWER_HEX.test(v)) {
    bad(name, `must be a ${minLength}..${maxLength}-byte signature in lowercase hex`, 'INVALID_SIGNATURE');
  }
  return fromHex(v);
}

/**
 * @param v - the value
 * @param name - its name, for the error
 * @param max - the largest value accepted
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless a canonical decimal string of at most 16 digits, at most `max`
 */
export function decodeSats(v: unknown, name: string, max: bigint = MAX_MONEY): bigint {
  if (typeof v !== 'string' || !CANONICAL_DECIMAL.test(v)) bad(name, 'must be a canonical decimal string');
  const n = BigInt(v);
  if (n > max) bad(name, `must be at most ${max}`);
  return n;
}

/**
 * @param v - the value
 * @param name - its name, for the error
 * @param min - the smallest value accepted
 * @param max - the largest value accepted
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless a safe integer in `[min, max]`
 */
export function decodeInt(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(name, `must be an integer in [${min}, ${max}]`);
  // JSON's -0 is 0 on the wire (it encodes as 0); held as -0 a decoded message would differ from its own round trip.
  return v === 0 ? 0 : v;
}

/**
 * @param v - the value
 * @param name - its name, for the error
 * @param values - the strings accepted
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless one of `values`
 */
export function decodeLiteral<T extends string>(v: unknown, name: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !values.includes(v as T)) bad(name, `must be one of ${values.join(', ')}`);
  return v as T;
}
