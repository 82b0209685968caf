/**
 * The channel's wire vocabulary: the timelock variant as a field kind, and
 * by-name readers over the generic field codecs (lib/protocol/fields.ts) for
 * the saved-state decoders, which read the same spellings as the wire.
 */
import { codecOf } from '../protocol/codec';
import {
  Field, Json, checked, decodeHex, decodeInt, decodeLiteral, decodePubkey, decodeSats, decodeSignatureHex, int, object, oneKey, union,
} from '../protocol/fields';
import { toHex } from '../tx/hash';
import { PublicKey, Variant, checkVariant } from '../types';

export { Json, bad, expectFields, expectObject } from '../protocol/fields';

/**
 * `{kind: 'cltv', expiry: {height} | {time}}` or `{kind: 'csv', delay: {blocks}}`,
 * whose lock must also be one the scripts can carry (INVALID_TIMELOCK).
 */
export const VARIANT: Field<Variant> = checked(
  union('kind', {
    cltv: { expiry: oneKey({ height: int(0, 0xffffffff), time: int(0, 0xffffffff) }) },
    csv: { delay: object({ blocks: int(0, 0xffffffff) }) },
  }),
  { name: 'timelock variant', code: 'INVALID_TIMELOCK', why: 'timelock out of range', check: checkVariant },
);

const variantCodec = codecOf(VARIANT);

/**
 * @param o - the object
 * @param f - the member
 * @param length - its number of bytes
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless `length` bytes of lowercase hex
 */
export function hexField(o: Json, f: string, length: number): Uint8Array {
  return decodeHex(o[f], f, length);
}

/**
 * A DER signature with its sighash byte: 9 to 73 bytes. Its validity is checked by the party, over its own bytes.
 * @param o - the object
 * @param f - the member
 * @throws {@link ChannelError} `INVALID_SIGNATURE` unless 9..73 bytes of lowercase hex
 */
export function sigField(o: Json, f: string): Uint8Array {
  return decodeSignatureHex(o[f], f);
}

/**
 * @param o - the object
 * @param f - the member
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless 33 bytes of lowercase hex; `INVALID_KEY` unless a point on the curve
 */
export function keyField(o: Json, f: string): PublicKey {
  return decodePubkey(o[f], f);
}

/**
 * @param o - the object
 * @param f - the member
 * @param max - the largest value accepted (default: 21 million bitcoin)
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless a canonical decimal string, at most `max`
 */
export function satsField(o: Json, f: string, max?: bigint): bigint {
  return decodeSats(o[f], f, max);
}

/**
 * @param o - the object
 * @param f - the member
 * @param min - the smallest value accepted
 * @param max - the largest value accepted
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless a safe integer in `[min, max]`
 */
export function intField(o: Json, f: string, min: number, max: number): number {
  return decodeInt(o[f], f, min, max);
}

/**
 * @param o - the object
 * @param f - the member
 * @param values - the strings accepted
 * @throws {@link ChannelError} `MESSAGE_INVALID` unless one of `values`
 */
export function literalField<T extends string>(o: Json, f: string, values: readonly T[]): T {
  return decodeLiteral(o[f], f, values);
}

/**
 * The timelock variant in its wire form, into a new object (nothing else of the input is kept).
 * @param o - the object
 * @param f - the member
 * @throws {@link ChannelError} `MESSAGE_INVALID` for a misspelt variant; `INVALID_TIMELOCK` for a lock out of range
 */
export function variantField(o: Json, f: string): Variant {
  return variantCodec.decode(o[f], f, f) as Variant;
}

export const hex = toHex;
export const dec = (n: bigint): string => n.toString(10);
