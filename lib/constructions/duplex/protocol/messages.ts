/**
 * The duplex channel's messages, each declared once (lib/protocol/schema.ts):
 * the encoder, the strict decoder, the bad-input corpus and the fuzz targets
 * read the declarations. Types are prefixed `duplex_`.
 *
 * Opening, the atomic opt-in (terms and the setup agreed, its txid fixed):
 * each party sends `duplex_tree_signed`, its signatures of the kickoff and
 * of state 0's branch; only when it holds the other's does a party sign its
 * own setup inputs (its wallet, on the setup PSBT). Paying: the payer signs
 * its simplex channel's payment of a growing total, `duplex_pay`, and the
 * payee acknowledges, `duplex_pay_ack`. Resetting takes three messages, so
 * that neither party ever gives away a signature of a new branch's first
 * changed node before it holds the other's signatures of every node below
 * it (else the other could publish that node and stop, and nothing below it
 * could be completed: both parties' funds locked for as long as it likes):
 * `duplex_reset` carries state n+1's leaf balances (the net of both simplex
 * channels) and the proposer's signatures of the levels below the first
 * changed one; `duplex_reset_ack` the other's signatures of every changed
 * level; `duplex_reset_done` the proposer's signature of the first changed
 * level, which completes the branch for both. Closing: `duplex_close`,
 * `duplex_close_ack`.
 */
import { fail } from '../../../core/errors';
import { array, bytes, int, sats, signature } from '../../../protocol/fields';
import { messageRegistry } from '../../../protocol/registry';
import { MessageOf, MessageSchema, defineMessage } from '../../../protocol/schema';
import { Json } from '../../../protocol/wire';

/** The most levels a tree has (verifyDuplexParams), so the most signatures a reset carries. */
const MAX_LEVELS = 32;

/** Either party at opening: its signatures of the kickoff and of state 0's branch, level 0 first. */
export interface DuplexTreeSigned {
  /** The message's type. */
  readonly type: 'duplex_tree_signed';
  /** The channel's id (from the setup outpoint). */
  readonly channelId: Uint8Array;
  /** The sender's signature of the kickoff. */
  readonly kickoffSig: Uint8Array;
  /** Its signatures of state 0's branch, one per level. */
  readonly sigs: readonly Uint8Array[];
}

/** Payer to payee: a payment on the payer's simplex channel in state `index`, its total so far. */
export interface DuplexPay {
  /** The message's type. */
  readonly type: 'duplex_pay';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** The tree state whose leaf holds the simplex channel. */
  readonly index: number;
  /** Everything paid on this simplex channel in this state. */
  readonly paid: bigint;
  /** The payer's signature of the payment. */
  readonly sig: Uint8Array;
}

/** Payee to payer: the payment is held. */
export interface DuplexPayAck {
  /** The message's type. */
  readonly type: 'duplex_pay_ack';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** The state. */
  readonly index: number;
  /** The total acknowledged. */
  readonly paid: bigint;
}

/** Either party: state n+1, its leaf balances and the proposer's signatures of the levels below the first changed one. */
export interface DuplexReset {
  /** The message's type. */
  readonly type: 'duplex_reset';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** n+1. */
  readonly index: number;
  /** a's leaf balance in state n+1. */
  readonly a: bigint;
  /** b's leaf balance in state n+1. */
  readonly b: bigint;
  /** The proposer's signatures of the new branch's transactions below its first changed level, shallowest first (none when only the leaf changes). */
  readonly sigs: readonly Uint8Array[];
}

/** The other party's signatures of every changed level of the new branch: the proposer holds it whole. */
export interface DuplexResetAck {
  /** The message's type. */
  readonly type: 'duplex_reset_ack';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** n+1. */
  readonly index: number;
  /** Its signatures, shallowest first. */
  readonly sigs: readonly Uint8Array[];
}

/** The proposer's signature of the new branch's first changed level: the other party holds it whole too, and the reset is complete. */
export interface DuplexResetDone {
  /** The message's type. */
  readonly type: 'duplex_reset_done';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** n+1. */
  readonly index: number;
  /** The proposer's signature of the first changed level's transaction. */
  readonly sig: Uint8Array;
}

/** Either party: a close of the setup output, signed. */
export interface DuplexClose {
  /** The message's type. */
  readonly type: 'duplex_close';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** a's output. */
  readonly a: bigint;
  /** b's output. */
  readonly b: bigint;
  /** The close's fee. */
  readonly fee: bigint;
  /** The proposer's signature. */
  readonly sig: Uint8Array;
}

/** The other party's signature of the close. */
export interface DuplexCloseAck {
  /** The message's type. */
  readonly type: 'duplex_close_ack';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** Its signature. */
  readonly sig: Uint8Array;
}

/** Any duplex channel message. */
export type DuplexMessage = DuplexTreeSigned | DuplexPay | DuplexPayAck | DuplexReset | DuplexResetAck | DuplexResetDone | DuplexClose | DuplexCloseAck;

/** The `type` of a duplex channel message. */
export type DuplexMessageType = DuplexMessage['type'];

const CHANNEL_ID = bytes(32);
const STATE = int(0, 0xffffffff);
const SIGS = array(signature(), MAX_LEVELS);

const SCHEMAS = [
  defineMessage<DuplexTreeSigned>({ type: 'duplex_tree_signed', fields: { channelId: CHANNEL_ID, kickoffSig: signature(), sigs: SIGS } }),
  defineMessage<DuplexPay>({ type: 'duplex_pay', fields: { channelId: CHANNEL_ID, index: STATE, paid: sats(), sig: signature() } }),
  defineMessage<DuplexPayAck>({ type: 'duplex_pay_ack', fields: { channelId: CHANNEL_ID, index: STATE, paid: sats() } }),
  defineMessage<DuplexReset>({ type: 'duplex_reset', fields: { channelId: CHANNEL_ID, index: STATE, a: sats(), b: sats(), sigs: SIGS } }),
  defineMessage<DuplexResetAck>({ type: 'duplex_reset_ack', fields: { channelId: CHANNEL_ID, index: STATE, sigs: SIGS } }),
  defineMessage<DuplexResetDone>({ type: 'duplex_reset_done', fields: { channelId: CHANNEL_ID, index: STATE, sig: signature() } }),
  defineMessage<DuplexClose>({ type: 'duplex_close', fields: { channelId: CHANNEL_ID, a: sats(), b: sats(), fee: sats(), sig: signature() } }),
  defineMessage<DuplexCloseAck>({ type: 'duplex_close_ack', fields: { channelId: CHANNEL_ID, sig: signature() } }),
] as const;

/** Every message type has its schema and every schema is a message. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasCoverMessages: Same<MessageOf<(typeof SCHEMAS)[number]>, DuplexMessage> = true;
void schemasCoverMessages;

/** The construction's message schemas, in protocol order; registerConstruction registers them. */
export const DUPLEX_MESSAGES: readonly MessageSchema[] = SCHEMAS;

/** Every duplex channel message type. */
export const DUPLEX_MESSAGE_TYPES: readonly DuplexMessageType[] = SCHEMAS.map((s) => s.type);

/**
 * Decode a duplex channel message, strictly; any other registered type is refused.
 *
 * @param json - The parsed JSON of a message.
 * @returns The message, with bytes and bigints.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `json` is not an object, a field is missing, unexpected or not in its one canonical form (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if its `type` is not a registered message type.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if it is another construction's message.
 * @throws {@link ChannelError} `MESSAGE_UNSUPPORTED_VERSION` if its `version` is not the protocol's.
 * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature is not 9 to 73 bytes of hex.
 */
export function decodeDuplexMessage(json: unknown): DuplexMessage {
  const m = messageRegistry.decode(json);
  if (!(DUPLEX_MESSAGE_TYPES as readonly string[]).includes(m.type)) fail('UNEXPECTED_MESSAGE', `${m.type} is not a duplex channel message`, { type: m.type });
  return m as DuplexMessage;
}

/**
 * The JSON form of a duplex channel message.
 *
 * @param m - The message.
 * @returns A JSON object, ready for `JSON.stringify`.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not an object or a field is not of its kind (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if `m.type` is not a message type.
 */
export function encodeDuplexMessage(m: DuplexMessage): Json {
  return messageRegistry.encode(m);
}
