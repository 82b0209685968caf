/**
 * The decreasing-lock channel's messages, each declared once
 * (lib/protocol/schema.ts): the encoder, the strict decoder, the bad-input
 * corpus and the fuzz targets read the declarations. Types are prefixed
 * `decreasing_`, so none is another construction's.
 *
 * Opening, in the protocol: a (who funds) sends `decreasing_open`, every
 * term and its own signature of state 0 (the initiator signs first); b checks
 * the terms against its own keys and the tip and answers
 * `decreasing_open_ack`, its signature of the same state 0 and a hash of the
 * terms it signed under. a funds only once it holds b's signature, and
 * neither party takes an update until it has checked the funding against its
 * own node. Opening with the terms agreed out of band: each party sends
 * `decreasing_initial_signed`, its signature of state 0 (and of the kickoff
 * in the kickoff form); a funds only once it holds b's.
 * Updating: the payer signs first, `decreasing_update` (state k+1, its lock,
 * balances and fee), and the payee answers `decreasing_update_ack` with its
 * signature. Closing: `decreasing_close` (balances and fee, no lock) and
 * `decreasing_close_ack`.
 */
import { fail } from '../../../core/errors';
import { MAX_FEE_RATE, PublicKey } from '../../../core/types';
import { bytes, int, literal, oneKey, optional, pubkey, sats, signature } from '../../../protocol/fields';
import { messageRegistry } from '../../../protocol/registry';
import { MessageOf, MessageSchema, defineMessage } from '../../../protocol/schema';
import { Json } from '../../../protocol/wire';

/** L_0 as a decreasing_open carries it: a height, or a time that b refuses. */
export type DecreasingOpenLock = {
  /** A block height. */
  readonly height: number;
} | {
  /** Unix seconds: refused, time locks drift with median time past. */
  readonly time: number;
};

/** a to b: the channel's terms, and a's signatures of state 0 (and the kickoff) under them. */
export interface DecreasingOpen {
  /** The message's type. */
  readonly type: 'decreasing_open';
  /** The channel's id, from the funding outpoint. */
  readonly channelId: Uint8Array;
  /** `locktime` or `kickoff`. */
  readonly form: 'locktime' | 'kickoff';
  /** The funding txid's 32 bytes, display order. */
  readonly fundingTxid: Uint8Array;
  /** The funding output's index. */
  readonly fundingVout: number;
  /** The funding output's value. */
  readonly capacity: bigint;
  /** a's funding key. */
  readonly aFundingKey: PublicKey;
  /** b's funding key, as a was told it. */
  readonly bFundingKey: PublicKey;
  /** a's payout key. */
  readonly aPayoutKey: PublicKey;
  /** b's payout key, as a was told it. */
  readonly bPayoutKey: PublicKey;
  /** Δ in blocks. */
  readonly step: number;
  /** Locktime form: L_0. A `time` is carried so that it can be refused by name. */
  readonly initialLock?: DecreasingOpenLock;
  /** Kickoff form: N. */
  readonly updates?: number;
  /** a's balance in state 0. */
  readonly aBalance: bigint;
  /** b's balance in state 0: the capacity less a's and state 0's fee. */
  readonly bBalance: bigint;
  /** State 0's fee rate, sat/kw. */
  readonly feeRate: bigint;
  /** The least rise of the fee from one state to the next, in satoshis. */
  readonly feeStep: bigint;
  /** a's signature of state 0. */
  readonly sig: Uint8Array;
  /** Kickoff form: a's signature of the kickoff. */
  readonly kickoffSig?: Uint8Array;
}

/** b to a: the terms accepted, and b's signatures of state 0 (and the kickoff). */
export interface DecreasingOpenAck {
  /** The message's type. */
  readonly type: 'decreasing_open_ack';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** SHA-256 of the terms b accepted, so an acknowledgement of other terms is refused by name. */
  readonly termsHash: Uint8Array;
  /** b's signature of state 0. */
  readonly sig: Uint8Array;
  /** Kickoff form: b's signature of the kickoff. */
  readonly kickoffSig?: Uint8Array;
}

/** Either party to the other at opening: its signatures of state 0 and, kickoff form, of the kickoff. */
export interface DecreasingInitialSigned {
  /** The message's type. */
  readonly type: 'decreasing_initial_signed';
  /** The channel's id (from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The sender's signature of state 0. */
  readonly sig: Uint8Array;
  /** Kickoff form: the sender's signature of the kickoff. */
  readonly kickoffSig?: Uint8Array;
}

/** Payer to payee: state k+1, signed by the payer. */
export interface DecreasingUpdate {
  /** The message's type. */
  readonly type: 'decreasing_update';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** k+1. */
  readonly index: number;
  /** The state's lock as the payer computed it: nLockTime L_0 - (k+1)Δ, or the kickoff form's nSequence (N-k-1)Δ. */
  readonly lock: number;
  /** a's balance. */
  readonly aBalance: bigint;
  /** b's balance. */
  readonly bBalance: bigint;
  /** The state's fee. */
  readonly fee: bigint;
  /** The payer's signature of the state. */
  readonly sig: Uint8Array;
}

/** Payee to payer: its signature of state k+1. */
export interface DecreasingUpdateAck {
  /** The message's type. */
  readonly type: 'decreasing_update_ack';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** k+1. */
  readonly index: number;
  /** The payee's signature of the state. */
  readonly sig: Uint8Array;
}

/** Either party: a close of the latest state's balances, signed; the proposer's balance takes the fee's change. */
export interface DecreasingClose {
  /** The message's type. */
  readonly type: 'decreasing_close';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** a's balance. */
  readonly aBalance: bigint;
  /** b's balance. */
  readonly bBalance: bigint;
  /** The close's fee. */
  readonly fee: bigint;
  /** The proposer's signature of the close. */
  readonly sig: Uint8Array;
}

/** The other party's signature of the close; the close is complete. */
export interface DecreasingCloseAck {
  /** The message's type. */
  readonly type: 'decreasing_close_ack';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** Its signature of the close. */
  readonly sig: Uint8Array;
}

/** Any decreasing-lock channel message. */
export type DecreasingMessage = DecreasingOpen | DecreasingOpenAck | DecreasingInitialSigned | DecreasingUpdate | DecreasingUpdateAck | DecreasingClose | DecreasingCloseAck;

/** The `type` of a decreasing-lock channel message. */
export type DecreasingMessageType = DecreasingMessage['type'];

const CHANNEL_ID = bytes(32);
const INDEX = int(1, 0xffffffff);

const SCHEMAS = [
  defineMessage<DecreasingOpen>({
    type: 'decreasing_open',
    fields: {
      channelId: CHANNEL_ID, form: literal('locktime', 'kickoff'), fundingTxid: bytes(32), fundingVout: int(0, 0xffff), capacity: sats(),
      aFundingKey: pubkey(), bFundingKey: pubkey(), aPayoutKey: pubkey(), bPayoutKey: pubkey(), step: int(0, 0xffff),
      initialLock: optional(oneKey({ height: int(0, 0xffffffff), time: int(0, 0xffffffff) })), updates: optional(int(0, 0xffff)),
      aBalance: sats(), bBalance: sats(), feeRate: sats(MAX_FEE_RATE), feeStep: sats(), sig: signature(), kickoffSig: optional(signature()),
    },
  }),
  defineMessage<DecreasingOpenAck>({
    type: 'decreasing_open_ack', fields: { channelId: CHANNEL_ID, termsHash: bytes(32), sig: signature(), kickoffSig: optional(signature()) },
  }),
  defineMessage<DecreasingInitialSigned>({
    type: 'decreasing_initial_signed', fields: { channelId: CHANNEL_ID, sig: signature(), kickoffSig: optional(signature()) },
  }),
  defineMessage<DecreasingUpdate>({
    type: 'decreasing_update',
    fields: { channelId: CHANNEL_ID, index: INDEX, lock: int(0, 0xffffffff), aBalance: sats(), bBalance: sats(), fee: sats(), sig: signature() },
  }),
  defineMessage<DecreasingUpdateAck>({ type: 'decreasing_update_ack', fields: { channelId: CHANNEL_ID, index: INDEX, sig: signature() } }),
  defineMessage<DecreasingClose>({
    type: 'decreasing_close', fields: { channelId: CHANNEL_ID, aBalance: sats(), bBalance: sats(), fee: sats(), sig: signature() },
  }),
  defineMessage<DecreasingCloseAck>({ type: 'decreasing_close_ack', fields: { channelId: CHANNEL_ID, sig: signature() } }),
] as const;

/** Every message type has its schema and every schema is a message: one added to one and not the other fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasCoverMessages: Same<MessageOf<(typeof SCHEMAS)[number]>, DecreasingMessage> = true;
void schemasCoverMessages;

/** The construction's message schemas, in protocol order; registerConstruction registers them. */
export const DECREASING_MESSAGES: readonly MessageSchema[] = SCHEMAS;

/** Every decreasing-lock channel message type. */
export const DECREASING_MESSAGE_TYPES: readonly DecreasingMessageType[] = SCHEMAS.map((s) => s.type);

/**
 * Decode a decreasing-lock channel message, strictly; any other registered type is refused.
 *
 * @param json - The parsed JSON of a message.
 * @returns The message, with bytes and bigints.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `json` is not an object, a field is missing, unexpected or not in its one canonical form (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if its `type` is not a registered message type.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if it is another construction's message.
 * @throws {@link ChannelError} `MESSAGE_UNSUPPORTED_VERSION` if its `version` is not the protocol's.
 * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature is not 9 to 73 bytes of hex.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid compressed point.
 *
 * @example
 * ```ts
 * const m = decodeDecreasingMessage(JSON.parse(text));
 * const step = handleDecreasingMessage(party, m, { chain });
 * ```
 */
export function decodeDecreasingMessage(json: unknown): DecreasingMessage {
  const m = messageRegistry.decode(json);
  if (!(DECREASING_MESSAGE_TYPES as readonly string[]).includes(m.type)) fail('UNEXPECTED_MESSAGE', `${m.type} is not a decreasing-lock channel message`, { type: m.type });
  return m as DecreasingMessage;
}

/**
 * The JSON form of a decreasing-lock channel message.
 *
 * @param m - The message.
 * @returns A JSON object, ready for `JSON.stringify`.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not an object or a field is not of its kind (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if `m.type` is not a message type.
 */
export function encodeDecreasingMessage(m: DecreasingMessage): Json {
  return messageRegistry.encode(m);
}
