/**
 * The Spillman channel's messages, each declared once (lib/protocol/schema.ts):
 * the encoder, the strict decoder, the bad-input corpus and the fuzz targets
 * read the declarations. Types are prefixed `spillman_`, so none is another
 * construction's. In memory bytes and bigints, on the wire JSON.
 *
 * Opening: the sender's `spillman_open`, the receiver's `spillman_accept`,
 * the sender's `spillman_funding_created` (the outpoint), and in Form S the
 * receiver's `spillman_refund_signed` before the sender signs the funding.
 * Paying: `spillman_pay` (the sender's signature of T3_i) and
 * `spillman_pay_ack`. Closing: the sender's `spillman_close_offer` at a fresh
 * fee rate and the receiver's `spillman_close_signed`.
 */
import { fail } from '../../../core/errors';
import { AbsoluteLock, FeeRate, MAX_FEE_RATE, PublicKey, absoluteLockValue } from '../../../core/types';
import { Field, bytes, checked, int, literal, oneKey, pubkey, sats, signature } from '../../../protocol/fields';
import { messageRegistry } from '../../../protocol/registry';
import { MessageOf, MessageSchema, defineMessage } from '../../../protocol/schema';
import { Json } from '../../../protocol/wire';
import { MAX_SPILLMAN_INDEX, SpillmanForm } from '../params';

/** Sender to receiver: the terms and the sender's keys. */
export interface SpillmanOpen {
  /** The message's type. */
  readonly type: 'spillman_open';
  /** The channel's temporary id, until it is funded. */
  readonly tempChannelId: Uint8Array;
  /** The channel's form. */
  readonly form: SpillmanForm;
  /** The funding output's value in satoshis. */
  readonly capacity: bigint;
  /** L, the refund's lock. */
  readonly lockTime: AbsoluteLock;
  /** The payments' and refund's fee rate, sat/kw. */
  readonly feeRate: FeeRate;
  /** The sender's funding key. */
  readonly senderFundingKey: PublicKey;
  /** The sender's payout key. */
  readonly senderPayoutKey: PublicKey;
}

/** Receiver to sender: the receiver's keys and its payment cutoff; the terms are accepted. */
export interface SpillmanAccept {
  /** The message's type. */
  readonly type: 'spillman_accept';
  /** The channel's temporary id. */
  readonly tempChannelId: Uint8Array;
  /** The receiver's funding key. */
  readonly receiverFundingKey: PublicKey;
  /** The receiver's payout key. */
  readonly receiverPayoutKey: PublicKey;
  /** Blocks before L from which the receiver takes no payment and closes. */
  readonly margin: number;
}

/** Sender to receiver: the funding outpoint. In Form S it asks for the refund's signature. */
export interface SpillmanFundingCreated {
  /** The message's type. */
  readonly type: 'spillman_funding_created';
  /** The channel's temporary id. */
  readonly tempChannelId: Uint8Array;
  /** The funding txid's 32 bytes, display order. */
  readonly fundingTxid: Uint8Array;
  /** The funding output's index. */
  readonly fundingVout: number;
}

/** Receiver to sender, Form S: its signature of the refund it built itself. */
export interface SpillmanRefundSigned {
  /** The message's type. */
  readonly type: 'spillman_refund_signed';
  /** The channel's id (from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The receiver's signature of the refund. */
  readonly sig: Uint8Array;
}

/** Sender to receiver: payment T3_index, signed. */
export interface SpillmanPay {
  /** The message's type. */
  readonly type: 'spillman_pay';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** The payment's index, one more than the last. */
  readonly index: number;
  /** The receiver's total after it, in satoshis. */
  readonly amount: bigint;
  /** The sender's signature of T3_index. */
  readonly sig: Uint8Array;
}

/** Receiver to sender: the payment is taken. */
export interface SpillmanPayAck {
  /** The message's type. */
  readonly type: 'spillman_pay_ack';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** The payment taken. */
  readonly index: number;
}

/** Sender to receiver: a close of the last total at a fresh fee rate, signed. */
export interface SpillmanCloseOffer {
  /** The message's type. */
  readonly type: 'spillman_close_offer';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** The receiver's final total. */
  readonly amount: bigint;
  /** The close's fee rate, sat/kw. */
  readonly feeRate: FeeRate;
  /** The sender's signature of the close. */
  readonly sig: Uint8Array;
}

/** Receiver to sender: its signature of the close; the close is complete. */
export interface SpillmanCloseSigned {
  /** The message's type. */
  readonly type: 'spillman_close_signed';
  /** The channel's id. */
  readonly channelId: Uint8Array;
  /** The receiver's signature of the close. */
  readonly sig: Uint8Array;
}

/** Any Spillman message. */
export type SpillmanMessage =
  | SpillmanOpen | SpillmanAccept | SpillmanFundingCreated | SpillmanRefundSigned | SpillmanPay | SpillmanPayAck | SpillmanCloseOffer | SpillmanCloseSigned;

/** The `type` of a Spillman message. */
export type SpillmanMessageType = SpillmanMessage['type'];

const CHANNEL_ID = bytes(32);
const INDEX = int(1, MAX_SPILLMAN_INDEX);

/** `{height}` or `{time}`, in the range a CLTV script can carry (INVALID_TIMELOCK). */
const LOCK_TIME: Field<AbsoluteLock> = checked(oneKey({ height: int(0, 0xffffffff), time: int(0, 0xffffffff) }), {
  name: 'refund lock', code: 'INVALID_TIMELOCK', why: 'lock out of range', check: (l) => {
    absoluteLockValue(l);
    return l;
  },
});

const SCHEMAS = [
  defineMessage<SpillmanOpen>({
    type: 'spillman_open',
    fields: {
      tempChannelId: CHANNEL_ID, form: literal('S', 'C'), capacity: sats(), lockTime: LOCK_TIME, feeRate: sats(MAX_FEE_RATE),
      senderFundingKey: pubkey(), senderPayoutKey: pubkey(),
    },
  }),
  defineMessage<SpillmanAccept>({
    type: 'spillman_accept',
    fields: { tempChannelId: CHANNEL_ID, receiverFundingKey: pubkey(), receiverPayoutKey: pubkey(), margin: int(0, 0xffff) },
  }),
  defineMessage<SpillmanFundingCreated>({
    type: 'spillman_funding_created',
    fields: { tempChannelId: CHANNEL_ID, fundingTxid: bytes(32), fundingVout: int(0, 0xffff) },
  }),
  defineMessage<SpillmanRefundSigned>({ type: 'spillman_refund_signed', fields: { channelId: CHANNEL_ID, sig: signature() } }),
  defineMessage<SpillmanPay>({ type: 'spillman_pay', fields: { channelId: CHANNEL_ID, index: INDEX, amount: sats(), sig: signature() } }),
  defineMessage<SpillmanPayAck>({ type: 'spillman_pay_ack', fields: { channelId: CHANNEL_ID, index: INDEX } }),
  defineMessage<SpillmanCloseOffer>({
    type: 'spillman_close_offer', fields: { channelId: CHANNEL_ID, amount: sats(), feeRate: sats(MAX_FEE_RATE), sig: signature() },
  }),
  defineMessage<SpillmanCloseSigned>({ type: 'spillman_close_signed', fields: { channelId: CHANNEL_ID, sig: signature() } }),
] as const;

/** Every message type has its schema and every schema is a message: one added to one and not the other fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasCoverMessages: Same<MessageOf<(typeof SCHEMAS)[number]>, SpillmanMessage> = true;
void schemasCoverMessages;

/** The construction's message schemas, in protocol order; registerConstruction registers them. */
export const SPILLMAN_MESSAGES: readonly MessageSchema[] = SCHEMAS;

/** Every Spillman message type. */
export const SPILLMAN_MESSAGE_TYPES: readonly SpillmanMessageType[] = SCHEMAS.map((s) => s.type);

/**
 * Decode a Spillman message, strictly; any other registered type is refused.
 *
 * @param json - The parsed JSON of a message.
 * @returns The message, with bytes and bigints.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `json` is not an object, a field is missing, unexpected or not in its one canonical form (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if its `type` is not a registered message type.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if it is another construction's message.
 * @throws {@link ChannelError} `MESSAGE_UNSUPPORTED_VERSION` if its `version` is not the protocol's.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid compressed point.
 * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature is not 9 to 73 bytes of hex.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the refund lock is out of range.
 *
 * @example
 * ```ts
 * const m = decodeSpillmanMessage(JSON.parse(text));
 * const step = handleSpillmanReceiverMessage(receiver, m, { chain });
 * ```
 */
export function decodeSpillmanMessage(json: unknown): SpillmanMessage {
  const m = messageRegistry.decode(json);
  if (!(SPILLMAN_MESSAGE_TYPES as readonly string[]).includes(m.type)) fail('UNEXPECTED_MESSAGE', `${m.type} is not a Spillman message`, { type: m.type });
  return m as SpillmanMessage;
}

/**
 * The JSON form of a Spillman message.
 *
 * @param m - The message.
 * @returns A JSON object, ready for `JSON.stringify`.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not an object or a field is not of its kind (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if `m.type` is not a message type.
 */
export function encodeSpillmanMessage(m: SpillmanMessage): Json {
  return messageRegistry.encode(m);
}
