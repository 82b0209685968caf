/**
 * The message types the library speaks, by type: decodeMessage and
 * encodeMessage dispatch here, and each construction adds its messages with
 * one `registerMessages` call. The registry never lists types itself.
 */
import { fail } from '../errors';
import { Json, bad, expectObject } from './fields';
import { MessageBase, MessageSchema, PROTOCOL_VERSION, preview } from './schema';

/** Message schemas by type. */
export class MessageRegistry {
  private readonly byType = new Map<string, MessageSchema>();

  /**
   * Add schemas; all or none.
   * @param schemas - schemas of types not registered yet
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if a type is registered already or
   *   given twice, or an element is not a schema; nothing is added then
   */
  register(schemas: readonly MessageSchema[]): void {
    if (!Array.isArray(schemas)) fail('INVALID_ARGUMENT', 'schemas must be an array');
    const seen = new Set<string>();
    for (const s of schemas) {
      if (s === null || typeof s !== 'object' || typeof s.type !== 'string' || typeof s.decodeBody !== 'function' || typeof s.encodeBody !== 'function') {
        fail('INVALID_ARGUMENT', 'not a message schema (defineMessage makes them)');
      }
      if (this.byType.has(s.type) || seen.has(s.type)) fail('INVALID_ARGUMENT', `message type ${preview(s.type)} is registered already`, { type: s.type });
      seen.add(s.type);
    }
    for (const s of schemas) this.byType.set(s.type, s);
  }

  /**
   * The schema of a type, if registered.
   * @param type - any value; only a registered type string finds one
   */
  schema(type: unknown): MessageSchema | undefined {
    return typeof type === 'string' ? this.byType.get(type) : undefined;
  }

  /** Every registered schema, in the order registered. */
  schemas(): readonly MessageSchema[] {
    return [...this.byType.values()];
  }

  /**
   * Decode a message of any registered type.
   * @param json - the parsed JSON
   * @throws {@link ChannelError} `MESSAGE_INVALID` (not an object; a field missing,
   *   unexpected or misspelt: `details.field`), `MESSAGE_UNKNOWN_TYPE`,
   *   `MESSAGE_UNSUPPORTED_VERSION`, `INVALID_KEY`, `INVALID_SIGNATURE`, or a checked
   *   field's own code (`INVALID_TIMELOCK`)
   */
  decode(json: unknown): MessageBase {
    const o = expectObject(json, 'message');
    const s = this.schema(o.type);
    if (s === undefined) fail('MESSAGE_UNKNOWN_TYPE', `unknown message type ${preview(o.type)}`);
    if (o.version !== PROTOCOL_VERSION) fail('MESSAGE_UNSUPPORTED_VERSION', `unsupported version ${preview(o.version)}`);
    return s.decodeBody(o);
  }

  /**
   * Decode a message that must be of one type. The message is decoded first,
   * so a malformed message of another type is refused for what is wrong in it.
   * @param json - the parsed JSON
   * @param type - the type expected
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `type` is not registered;
   *   `UNEXPECTED_MESSAGE` for a valid message of another type; else as `decode`
   */
  decodeOf(json: unknown, type: string): MessageBase {
    if (this.schema(type) === undefined) fail('INVALID_ARGUMENT', `no message type ${preview(type)} to expect`);
    const m = this.decode(json);
    if (m.type !== type) fail('UNEXPECTED_MESSAGE', `expected ${type}, got ${m.type}`);
    return m;
  }

  /**
   * The JSON form of a message of any registered type.
   * @param m - the message, built in memory
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not an object or a field is
   *   not of its kind (`details.field`); `MESSAGE_UNKNOWN_TYPE`
   */
  encode(m: MessageBase): Json {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) bad('message', 'must be an object');
    const s = this.schema(m.type);
    if (s === undefined) fail('MESSAGE_UNKNOWN_TYPE', `unknown message type ${preview(m.type)}`);
    return s.encodeBody(m);
  }
}

/** The registry decodeMessage and encodeMessage use. */
export const messageRegistry = new MessageRegistry();

/**
 * Add a construction's messages to the registry decodeMessage dispatches on.
 * @param schemas - the construction's schemas (defineMessage)
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if a type is registered already; nothing is added then
 */
export function registerMessages(schemas: readonly MessageSchema[]): void {
  messageRegistry.register(schemas);
}
