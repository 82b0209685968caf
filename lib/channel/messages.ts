/**
 * Protocol messages of the revocable channel. In memory they carry bytes and
 * bigints, so the payment hot path never touches hex; on the wire they are
 * JSON with a type and a version, satoshis as decimal strings and bytes as
 * lowercase hex. Each message is declared once, as a schema
 * (lib/protocol/schema.ts) checked against its interface; the encoder, the
 * strict decoder and the bad-input corpus all read that declaration.
 */
import { fail } from '../errors';
import { bytes, int, pubkey, sats, signature } from '../protocol/fields';
import { messageRegistry, registerMessages } from '../protocol/registry';
import { MessageOf, defineMessage, preview } from '../protocol/schema';
import { FeeRate, PublicKey, Variant } from '../types';
import { Json, VARIANT } from './wire';

export { PROTOCOL_VERSION } from '../protocol/schema';
const MAX_INDEX = 2 ** 48 - 1;
const MAX_FEE_RATE = 100_000_000n;

/** Sender to receiver: the channel's terms and the sender's keys. */
export interface OpenChannel {
  /** The message's type. */
  readonly type: 'open_channel';
  /** The channel's temporary id, until it is funded. */
  readonly tempChannelId: Uint8Array;
  /** The funding output's value in satoshis. */
  readonly capacity: bigint;
  /** The timeout of the sender's revocable output. */
  readonly variant: Variant;
  /** CLTV only: blocks before expiry at which the receiver stops accepting payments. */
  readonly margin: number;
  /** The payment transactions' fee rate, sat/kw. */
  readonly feeRate: FeeRate;
  /** The sender's key in the funding 2-of-2. */
  readonly senderFundingKey: PublicKey;
  /** The sender's payout key. */
  readonly senderPayoutKey: PublicKey;
}

/** Receiver to sender: the receiver's keys; the terms are accepted. */
export interface AcceptChannel {
  /** The message's type. */
  readonly type: 'accept_channel';
  /** The channel's temporary id, until it is funded. */
  readonly tempChannelId: Uint8Array;
  /** The receiver's key in the funding 2-of-2. */
  readonly receiverFundingKey: PublicKey;
  /** The receiver's payout key. */
  readonly receiverPayoutKey: PublicKey;
  /** The receiver's revocation key R_r. */
  readonly receiverRevocationKey: PublicKey;
}

/** Sender to receiver: the funding outpoint and K_0; asks for the signature on the sender's refund. */
export interface FundingCreated {
  /** The message's type. */
  readonly type: 'funding_created';
  /** The channel's temporary id, until it is funded. */
  readonly tempChannelId: Uint8Array;
  /** The funding txid's 32 bytes, in display order. */
  readonly fundingTxid: Uint8Array;
  /** The funding output's index. */
  readonly fundingVout: number;
  /** K_0: the update key of state 0 (the sender's refund). */
  readonly updateKey: PublicKey;
}

/** Receiver to sender: the signature on the sender's refund (state 0). */
export interface FundingSigned {
  /** The message's type. */
  readonly type: 'funding_signed';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** Receiver's signature on the sender's version of state 0. */
  readonly sig: Uint8Array;
}

/** Sender to receiver: a payment, as the next state. */
export interface Offer {
  /** The message's type. */
  readonly type: 'offer';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The new state's number. */
  readonly index: number;
  /** The receiver's total in it, in satoshis. */
  readonly amount: bigint;
  /** K_index, the sender's update key of the new state. */
  readonly updateKey: PublicKey;
  /** Sender's signature on the receiver's version of state `index`. */
  readonly sig: Uint8Array;
}

/** Receiver to sender: the signature on the sender's version of the offered state. */
export interface Accept {
  /** The message's type. */
  readonly type: 'accept';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The accepted state's number. */
  readonly index: number;
  /** Receiver's signature on the sender's version of state `index`. */
  readonly sig: Uint8Array;
}

/** Sender to receiver: the secret of the state before the accepted one, revoking it. */
export interface Revoke {
  /** The message's type. */
  readonly type: 'revoke';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The state being revoked. */
  readonly index: number;
  /** k_index, 32 bytes. */
  readonly secret: Uint8Array;
}

/** Either party: a cooperative close of the last final amount, signed. */
export interface CloseOffer {
  /** The message's type. */
  readonly type: 'close_offer';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The receiver's final total, in satoshis. */
  readonly amount: bigint;
  /** The close's fee rate, sat/kw. */
  readonly feeRate: FeeRate;
  /** The proposer's signature on the close. */
  readonly sig: Uint8Array;
}

/** The answer to a close_offer: the other signature; the close is complete. */
export interface CloseSigned {
  /** The message's type. */
  readonly type: 'close_signed';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The signature on the proposed close. */
  readonly sig: Uint8Array;
}

/** Any protocol message. */
export type Message =
  | OpenChannel | AcceptChannel | FundingCreated | FundingSigned | Offer | Accept | Revoke | CloseOffer | CloseSigned;

/** The `type` of a message. */
export type MessageType = Message['type'];

const CHANNEL_ID = bytes(32);
const INDEX = int(1, MAX_INDEX);

const SCHEMAS = [
  defineMessage<OpenChannel>({
    type: 'open_channel',
    fields: {
      tempChannelId: CHANNEL_ID, capacity: sats(), variant: VARIANT, margin: int(0, 0xffff), feeRate: sats(MAX_FEE_RATE),
      senderFundingKey: pubkey(), senderPayoutKey: pubkey(),
    },
  }),
  defineMessage<AcceptChannel>({
    type: 'accept_channel',
    fields: { tempChannelId: CHANNEL_ID, receiverFundingKey: pubkey(), receiverPayoutKey: pubkey(), receiverRevocationKey: pubkey() },
  }),
  defineMessage<FundingCreated>({
    type: 'funding_created',
    fields: { tempChannelId: CHANNEL_ID, fundingTxid: bytes(32), fundingVout: int(0, 0xffff), updateKey: pubkey() },
  }),
  defineMessage<FundingSigned>({ type: 'funding_signed', fields: { channelId: CHANNEL_ID, sig: signature() } }),
  defineMessage<Offer>({ type: 'offer', fields: { channelId: CHANNEL_ID, index: INDEX, amount: sats(), updateKey: pubkey(), sig: signature() } }),
  defineMessage<Accept>({ type: 'accept', fields: { channelId: CHANNEL_ID, index: INDEX, sig: signature() } }),
  // The state being revoked is one below the offer's.
  defineMessage<Revoke>({ type: 'revoke', fields: { channelId: CHANNEL_ID, index: int(0, MAX_INDEX - 1), secret: bytes(32) } }),
  defineMessage<CloseOffer>({ type: 'close_offer', fields: { channelId: CHANNEL_ID, amount: sats(), feeRate: sats(MAX_FEE_RATE), sig: signature() } }),
  defineMessage<CloseSigned>({ type: 'close_signed', fields: { channelId: CHANNEL_ID, sig: signature() } }),
] as const;

/** Every message type has its schema and every schema is a Message: a message added to one and not the other fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasCoverMessages: Same<MessageOf<(typeof SCHEMAS)[number]>, Message> = true;
void schemasCoverMessages;

registerMessages(SCHEMAS);

/** Every message type. */
export const MESSAGE_TYPES: readonly MessageType[] = SCHEMAS.map((s) => s.type);

/**
 * The JSON form of a message. A message built in memory by other code than
 * the parties' may hold anything: each field must be of its kind (bytes,
 * bigint, integer), or MESSAGE_INVALID names it; lengths and points are the
 * decoder's to check, on the other side.
 *
 * @param m - The message.
 * @returns A JSON object, ready for `JSON.stringify`.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not an object or a field is not of its kind (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if `m.type` is not a message type.
 */
export function encodeMessage(m: Message): Json {
  return messageRegistry.encode(m);
}

/**
 * Decode and validate any message; throws a ChannelError with a stable code for anything off.
 *
 * @param json - The parsed JSON of a message.
 * @returns The message, with bytes and bigints.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `json` is not an object, a field is missing, unexpected or not in its one canonical form (`details.field` names it).
 * @throws {@link ChannelError} `MESSAGE_UNKNOWN_TYPE` if its `type` is not a message type.
 * @throws {@link ChannelError} `MESSAGE_UNSUPPORTED_VERSION` if its `version` is not {@link PROTOCOL_VERSION}.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid compressed point.
 * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature is not 9 to 73 bytes of hex.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the variant's lock is out of range.
 *
 * @example
 * ```ts
 * const m = decodeMessage(JSON.parse(text));
 * if (m.type === 'offer') send(encodeMessage(receiver.onOffer(m)));
 * ```
 */
export function decodeMessage(json: unknown): Message {
  return messageRegistry.decode(json) as Message;
}

/**
 * Decode a message that must be of one type.
 *
 * @param json - The parsed JSON of a message.
 * @param type - The type it must be.
 * @returns The message, typed as that type.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `type` is not a message type.
 * @throws {@link ChannelError} `MESSAGE_INVALID`, `MESSAGE_UNKNOWN_TYPE`, `MESSAGE_UNSUPPORTED_VERSION`, `INVALID_KEY`, `INVALID_SIGNATURE` or `INVALID_TIMELOCK` as {@link decodeMessage}.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if it is a message of another type.
 *
 * @example
 * ```ts
 * const accept = decodeMessageOf(JSON.parse(text), 'accept'); // Accept
 * const revoke = sender.onAccept(accept);
 * ```
 */
export function decodeMessageOf<T extends MessageType>(json: unknown, type: T): Extract<Message, {
  /** The message's type. */
  type: T;
}> {
  if (!MESSAGE_TYPES.includes(type)) fail('INVALID_ARGUMENT', `no message type ${preview(type)} to expect`);
  return messageRegistry.decodeOf(json, type) as Extract<Message, { type: T }>;
}

/** One decoder per message type, for callers who route by type. */
export const decoders: {
  [T in MessageType]: (json: unknown) => Extract<Message, {
    /** The message's type. */
    type: T;
  }>
} = Object.fromEntries(
  MESSAGE_TYPES.map((t) => [t, (json: unknown) => decodeMessageOf(json, t)]),
) as never;
