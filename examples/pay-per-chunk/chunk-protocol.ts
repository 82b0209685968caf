/**
 * The example's own messages, sent on the same WebSocket as revchan's: the
 * seller's terms, a request for chunk n, the chunk's bytes, and a refusal.
 * Their types all start with `chunk.`, which no revchan message type does, so
 * one look at `type` says which decoder a text goes to. As in revchan's wire,
 * satoshis travel as decimal strings and bytes as lowercase hex; the decoder
 * takes exactly the fields it knows, each in its one spelling, and anything
 * else is a ChannelError with a stable code.
 */
import { ChannelError, ErrorAction, Json, fail, fromHex, toHex } from '../../lib';

/** The version every chunk message carries; another one is refused. */
export const CHUNK_PROTOCOL_VERSION = 1;
/** The largest chunk the protocol carries (hex doubles it on the wire). */
export const MAX_CHUNK_SIZE = 256 * 1024;
/** The most chunks a file may have: the terms list a hash for each. */
export const MAX_CHUNKS = 4096;

/** Seller to buyer, first on every connection: what is for sale and at what price. */
export interface ChunkTerms {
  /** The message's type. */
  readonly type: 'chunk.terms';
  /** The file's name, for people. */
  readonly name: string;
  /** The file's length in bytes. */
  readonly size: number;
  /** Bytes per chunk; the last chunk may be shorter. */
  readonly chunkSize: number;
  /** Satoshis per chunk. */
  readonly price: bigint;
  /** sha256 of each chunk, in order: the buyer checks every chunk against its hash. */
  readonly chunkHashes: readonly Uint8Array[];
  /** sha256 of the whole file. */
  readonly fileHash: Uint8Array;
}

/** Buyer to seller: send chunk `index` (0-based), which the final payments on this connection's channel cover. */
export interface ChunkRequest {
  /** The message's type. */
  readonly type: 'chunk.request';
  /** The chunk's number, from 0. */
  readonly index: number;
}

/** Seller to buyer: a chunk's bytes. */
export interface ChunkData {
  /** The message's type. */
  readonly type: 'chunk.data';
  /** The chunk's number, from 0. */
  readonly index: number;
  /** Its bytes. */
  readonly data: Uint8Array;
}

/** Why a seller refused a chunk request, besides a ChannelError code for a refused channel message. */
export type ChunkRefusal = 'NOT_PAID' | 'NO_SUCH_CHUNK' | 'NO_CHANNEL';

/** Seller to buyer: a message was refused, and nothing changed because of it. */
export interface ChunkError {
  /** The message's type. */
  readonly type: 'chunk.error';
  /** The refused message's type (`chunk.request`, `offer`, ...), or `message` for text that was no message. */
  readonly refused: string;
  /** A {@link ChunkRefusal}, or the ChannelError code the channel gave. */
  readonly code: string;
  /** What the buyer should do: the ChannelError's action. */
  readonly action: ErrorAction;
  /** The refusal in words, for people. */
  readonly message: string;
  /** The chunk a refused request asked for. */
  readonly index?: number;
}

/** Any chunk message. */
export type ChunkMessage = ChunkTerms | ChunkRequest | ChunkData | ChunkError;

const TYPES: readonly ChunkMessage['type'][] = ['chunk.terms', 'chunk.request', 'chunk.data', 'chunk.error'];
const ACTIONS: readonly ErrorAction[] = ['ignore', 'retry', 'close'];
const HEX = /^(?:[0-9a-f]{2})*$/;
const SATS = /^(?:0|[1-9][0-9]{0,15})$/;
const CODE = /^[A-Z][A-Z_]{0,39}$/;
const MAX_TEXT = 1000;

/**
 * Whether a parsed JSON value is meant as a chunk message (its type starts
 * with `chunk.`); anything else on the socket is one of revchan's.
 *
 * @param json - A parsed JSON value.
 * @returns True if it should go to {@link decodeChunkMessage}.
 */
export function isChunkMessage(json: unknown): boolean {
  return json !== null && typeof json === 'object' && typeof (json as Json).type === 'string' && ((json as Json).type as string).startsWith('chunk.');
}

/**
 * A chunk message as JSON, ready for `JSON.stringify`.
 *
 * @param m - The message.
 * @returns Its wire form.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not an object or a field is not of its kind.
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if `m.type` is not a chunk message type.
 */
export function encodeChunkMessage(m: ChunkMessage): Json {
  if (m === null || typeof m !== 'object') fail('MESSAGE_INVALID', 'a chunk message must be an object');
  // Encoding what the decoder would refuse would only move the failure to the other side.
  const base = { type: m.type, version: CHUNK_PROTOCOL_VERSION };
  let json: Json;
  switch (m.type) {
    case 'chunk.terms':
      json = {
        ...base, name: m.name, size: m.size, chunkSize: m.chunkSize, price: sats(m.price, 'price'),
        chunkHashes: hexList(m.chunkHashes, 'chunkHashes'), fileHash: hex(m.fileHash, 'fileHash'),
      };
      break;
    case 'chunk.request':
      json = { ...base, index: m.index };
      break;
    case 'chunk.data':
      json = { ...base, index: m.index, data: hex(m.data, 'data') };
      break;
    case 'chunk.error':
      json = { ...base, refused: m.refused, code: m.code, action: m.action, message: m.message, ...(m.index !== undefined ? { index: m.index } : {}) };
      break;
    default:
      return fail('MESSAGE_UNKNOWN_TYPE', 'not a chunk message type', { type: (m as { type?: unknown }).type });
  }
  decodeChunkMessage(json);
  return json;
}

/**
 * A chunk message from its parsed JSON, checked strictly.
 *
 * @param json - A parsed JSON value.
 * @returns The message, with bytes and bigints.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `json` is not an object, or a field is missing, unexpected or not in its one spelling (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if its type is not a chunk message type.
 * @throws {@link ChannelError} `MESSAGE_UNSUPPORTED_VERSION` if its version is not {@link CHUNK_PROTOCOL_VERSION}.
 */
export function decodeChunkMessage(json: unknown): ChunkMessage {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('MESSAGE_INVALID', 'a chunk message must be a JSON object');
  const o = json as Json;
  const type = o.type;
  if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
    fail('MESSAGE_UNKNOWN_TYPE', 'not a chunk message type', { type: typeof type === 'string' ? type.slice(0, 40) : typeof type });
  }
  if (o.version !== CHUNK_PROTOCOL_VERSION) fail('MESSAGE_UNSUPPORTED_VERSION', `chunk protocol version ${CHUNK_PROTOCOL_VERSION} only`, { field: 'version' });
  switch (type as ChunkMessage['type']) {
    case 'chunk.terms': {
      fields(o, ['name', 'size', 'chunkSize', 'price', 'chunkHashes', 'fileHash']);
      const size = int(o, 'size', 1, MAX_CHUNK_SIZE * MAX_CHUNKS);
      const chunkSize = int(o, 'chunkSize', 1, MAX_CHUNK_SIZE);
      if (!Array.isArray(o.chunkHashes) || o.chunkHashes.length !== Math.ceil(size / chunkSize)) {
        bad('chunkHashes', 'one hash per chunk of the file');
      }
      return {
        type: 'chunk.terms', name: text(o, 'name'), size, chunkSize, price: priceOf(o),
        chunkHashes: (o.chunkHashes as unknown[]).map((h, i) => bytesOf(h, `chunkHashes[${i}]`, 32)), fileHash: bytesOf(o.fileHash, 'fileHash', 32),
      };
    }
    case 'chunk.request':
      fields(o, ['index']);
      return { type: 'chunk.request', index: int(o, 'index', 0, MAX_CHUNKS - 1) };
    case 'chunk.data':
      fields(o, ['index', 'data']);
      return { type: 'chunk.data', index: int(o, 'index', 0, MAX_CHUNKS - 1), data: bytesOf(o.data, 'data') };
    case 'chunk.error': {
      fields(o, ['refused', 'code', 'action', 'message'], ['index']);
      if (typeof o.code !== 'string' || !CODE.test(o.code)) bad('code', 'upper-case letters and underscores');
      if (!(ACTIONS as readonly unknown[]).includes(o.action)) bad('action', 'ignore, retry or close');
      return {
        type: 'chunk.error', refused: text(o, 'refused'), code: o.code as string, action: o.action as ErrorAction, message: text(o, 'message'),
        ...(o.index !== undefined ? { index: int(o, 'index', 0, MAX_CHUNKS - 1) } : {}),
      };
    }
  }
}

function bad(field: string, why: string): never {
  return fail('MESSAGE_INVALID', `${field}: ${why}`, { field });
}

function fields(o: Json, required: readonly string[], optional: readonly string[] = []): void {
  for (const f of required) if (!(f in o)) bad(f, 'missing');
  for (const f of Object.keys(o)) if (f !== 'type' && f !== 'version' && !required.includes(f) && !optional.includes(f)) bad(f, 'unexpected');
}

function int(o: Json, f: string, min: number, max: number): number {
  const v = o[f];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(f, `an integer in [${min}, ${max}]`);
  return v as number;
}

function text(o: Json, f: string): string {
  const v = o[f];
  if (typeof v !== 'string' || v.length > MAX_TEXT) bad(f, `a string of at most ${MAX_TEXT} characters`);
  return v as string;
}

function priceOf(o: Json): bigint {
  const v = o.price;
  if (typeof v !== 'string' || !SATS.test(v) || v === '0') bad('price', 'a positive number of satoshis as a decimal string');
  return BigInt(v as string);
}

function bytesOf(v: unknown, f: string, length?: number): Uint8Array {
  if (typeof v !== 'string' || !HEX.test(v) || v.length > 2 * MAX_CHUNK_SIZE) bad(f, 'lowercase hex');
  const b = fromHex(v as string);
  if (length !== undefined && b.length !== length) bad(f, `${length} bytes`);
  return b;
}

function sats(v: bigint, f: string): string {
  if (typeof v !== 'bigint' || v < 0n) bad(f, 'a bigint of satoshis');
  return v.toString();
}

function hex(v: Uint8Array, f: string): string {
  if (!(v instanceof Uint8Array)) bad(f, 'bytes');
  return toHex(v);
}

function hexList(v: readonly Uint8Array[], f: string): string[] {
  if (!Array.isArray(v)) bad(f, 'a list of bytes');
  return v.map((b, i) => hex(b, `${f}[${i}]`));
}

/**
 * The chunk.error that tells the peer why its message was refused.
 *
 * @param refused - The refused message's type, or `message` for text that was none.
 * @param e - What refused it: a ChannelError, or a {@link ChunkRefusal} with its words.
 * @param index - The chunk a refused request asked for.
 * @returns The error message to send.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `e` is neither.
 */
export function refusal(refused: string, e: ChannelError | { code: ChunkRefusal; message: string; action: ErrorAction }, index?: number): ChunkError {
  if (e === null || typeof e !== 'object' || typeof e.code !== 'string') fail('INVALID_ARGUMENT', 'a refusal needs a ChannelError or a code');
  return {
    type: 'chunk.error', refused: String(refused).slice(0, 100), code: e.code, action: e.action, message: String(e.message).slice(0, MAX_TEXT),
    ...(index !== undefined ? { index } : {}),
  };
}
