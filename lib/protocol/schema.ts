/**
 * Message schemas: a message type and its fields, declared once as data. The
 * encoder, the strict decoder, and the field table the bad-input corpus and
 * the fuzz targets read all come from the declaration.
 *
 * On the wire a message is a JSON object: `type`, `version`, then its fields
 * in declared order.
 */
import { fail } from '../errors';
import { TableCodec, compileTable, decodeTable, encodeTable } from './codec';
import { Field, FieldTable, Json, bad, expectFields, expectObject } from './fields';

/** The wire format's version, in every message's `version` field. */
export const PROTOCOL_VERSION = 1;

/** What every message has in memory: its type. */
export interface MessageBase {
  readonly type: string;
}

/**
 * The field table a message interface calls for: one field per member but
 * `type`, each decoding to exactly that member's type, optional members by
 * `optional(...)`. A table that lacks a member, has another, or gives one a
 * kind of another type fails to compile.
 */
export type MessageFields<M extends MessageBase> = { readonly [K in Exclude<keyof M, 'type'>]: Field<M[K]> };

/** A message type declared once. */
export interface MessageSchema<M extends MessageBase = MessageBase> {
  readonly type: M['type'];
  /** The fields by name, in wire order: the kinds the decoder checks, as data. */
  readonly fields: FieldTable;
  /**
   * The JSON form of a message built in memory. Each field must be of its kind
   * (bytes, bigint, integer...); lengths and points are the decoder's to check,
   * on the other side.
   * @param m - the message
   * @throws {@link ChannelError} `MESSAGE_INVALID` naming the first field not of its kind
   *   (`details.field`); `UNEXPECTED_MESSAGE` if `m` is of another type
   */
  encode(m: M): Json;
  /**
   * Decode a message of this type, strictly: exactly its fields, each in its
   * one spelling.
   * @param json - the parsed JSON
   * @throws {@link ChannelError} `MESSAGE_INVALID` (not an object, a field missing,
   *   unexpected or misspelt: `details.field`), `MESSAGE_UNKNOWN_TYPE` (no type
   *   string), `UNEXPECTED_MESSAGE` (another type), `MESSAGE_UNSUPPORTED_VERSION`,
   *   `INVALID_KEY`, `INVALID_SIGNATURE`, or a checked field's own code
   */
  decode(json: unknown): M;
  /**
   * The members after the envelope, for a registry that has matched `type`
   * and `version` already.
   * @param o - the message object
   * @throws {@link ChannelError} `MESSAGE_INVALID`, `INVALID_KEY`, `INVALID_SIGNATURE` or a checked field's code, as `decode`
   */
  decodeBody(o: Json): M;
  /**
   * The JSON form, for a registry that has matched `m.type` already.
   * @param m - the message
   * @throws {@link ChannelError} `MESSAGE_INVALID` as `encode`
   */
  encodeBody(m: M): Json;
}

/** The in-memory type of a schema's messages. */
export type MessageOf<S> = S extends MessageSchema<infer M> ? M : never;

/**
 * A short description of an untrusted value for an error message;
 * JSON.stringify would throw on bigints, cycles and deep nesting.
 * @param v - anything
 */
export function preview(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

/**
 * Declare a message type. Give the message interface as the type argument:
 * the field table is then checked against it member by member.
 *
 *   const OFFER = defineMessage<Offer>({ type: 'offer', fields: { channelId: bytes(32), index: int(1, MAX) } });
 *
 * @param spec - `type`, the string on the wire; `fields`, its members in wire order
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `type` is empty, or a field is
 *   named `type`, `version` or `__proto__`
 */
export function defineMessage<M extends MessageBase>(spec: { readonly type: M['type']; readonly fields: MessageFields<M> }): MessageSchema<M> {
  const type: string = spec.type;
  if (typeof type !== 'string' || type === '') fail('INVALID_ARGUMENT', 'a message type must be a non-empty string');
  const fields = spec.fields as unknown as FieldTable;
  for (const n of Object.keys(fields)) {
    if (n === 'type' || n === 'version') fail('INVALID_ARGUMENT', `${type}: ${n} is the envelope's, not a field`);
  }
  const t: TableCodec = compileTable(fields);
  const required = ['type', 'version', ...t.required];

  const decodeBody = (o: Json): M => {
    expectFields(o, required, type, t.optional);
    const out: Json = { type };
    decodeTable(t, o, out, '');
    return out as unknown as M;
  };
  const encodeBody = (m: M): Json => {
    const out: Json = { type, version: PROTOCOL_VERSION };
    encodeTable(t, m as unknown as Json, out);
    return out;
  };
  return Object.freeze({
    type: spec.type,
    fields,
    decodeBody,
    encodeBody,
    decode(json: unknown): M {
      const o = expectObject(json, 'message');
      if (o.type !== type) {
        if (typeof o.type !== 'string') fail('MESSAGE_UNKNOWN_TYPE', `unknown message type ${preview(o.type)}`);
        fail('UNEXPECTED_MESSAGE', `expected ${type}, got ${preview(o.type)}`);
      }
      if (o.version !== PROTOCOL_VERSION) fail('MESSAGE_UNSUPPORTED_VERSION', `unsupported version ${preview(o.version)}`);
      return decodeBody(o);
    },
    encode(m: M): Json {
      if (m === null || typeof m !== 'object' || Array.isArray(m)) bad('message', 'must be an object');
      if (m.type !== type) fail('UNEXPECTED_MESSAGE', `expected ${type}, got ${preview(m.type)}`);
      return encodeBody(m);
    },
  });
}
