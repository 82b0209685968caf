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

export interface OpenChannel {
  readonly type: 'open_channel';
  readonly tempChannelId: Uint8Array;
  readonly capacity: bigint;
  readonly variant: Variant;
  /** CLTV only: blocks before expiry at which the receiver stops accepting payments. */
  readonly margin: number;
  readonly feeRate: FeeRate;
  readonly senderFundingKey: PublicKey;
  readonly senderPayoutKey: PublicKey;
}

export interface AcceptChannel {
  readonly type: 'accept_channel';
  readonly tempChannelId: Uint8Array;
  readonly receiverFundingKey: PublicKey;
  readonly receiverPayoutKey: PublicKey;
  readonly receiverRevocationKey: PublicKey;
}

export interface FundingCreated {
  readonly type: 'funding_created';
  readonly tempChannelId: Uint8Array;
  readonly fundingTxid: Uint8Array; // display order
  readonly fundingVout: number;
  /** K_0: the update key of state 0 (the sender's refund). */
  readonly updateKey: PublicKey;
}

export interface FundingSigned {
  readonly type: 'funding_signed';
  readonly channelId: Uint8Array;
  /** Receiver's signature on the sender's version of state 0. */
  readonly sig: Uint8Array;
}

export interface Offer {
  readonly type: 'offer';
  readonly channelId: Uint8Array;
  readonly index: number;
  readonly amount: bigint;
  readonly updateKey: PublicKey;
  /** Sender's signature on the receiver's version of state `index`. */
  readonly sig: Uint8Array;
}

export interface Accept {
  readonly type: 'accept';
  readonly channelId: Uint8Array;
  readonly index: number;
  /** Receiver's signature on the sender's version of state `index`. */
  readonly sig: Uint8Array;
}

export interface Revoke {
  readonly type: 'revoke';
  readonly channelId: Uint8Array;
  /** The state being revoked. */
  readonly index: number;
  readonly secret: Uint8Array;
}

export interface CloseOffer {
  readonly type: 'close_offer';
  readonly channelId: Uint8Array;
  readonly amount: bigint;
  readonly feeRate: FeeRate;
  readonly sig: Uint8Array;
}

export interface CloseSigned {
  readonly type: 'close_signed';
  readonly channelId: Uint8Array;
  readonly sig: Uint8Array;
}

export type Message =
  | OpenChannel | AcceptChannel | FundingCreated | FundingSigned | Offer | Accept | Revoke | CloseOffer | CloseSigned;

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

export const MESSAGE_TYPES: readonly MessageType[] = SCHEMAS.map((s) => s.type);

/**
 * The JSON form of a message. A message built in memory by other code than
 * the parties' may hold anything: each field must be of its kind (bytes,
 * bigint, integer), or MESSAGE_INVALID names it; lengths and points are the
 * decoder's to check, on the other side.
 * @param m - the message
 * @throws ChannelError MESSAGE_INVALID (`details.field` names the field), MESSAGE_UNKNOWN_TYPE
 */
export function encodeMessage(m: Message): Json {
  return messageRegistry.encode(m);
}

/**
 * Decode and validate any message; throws a ChannelError with a stable code for anything off.
 * @param json - the parsed JSON
 * @throws ChannelError MESSAGE_INVALID (`details.field` names the field), MESSAGE_UNKNOWN_TYPE,
 *   MESSAGE_UNSUPPORTED_VERSION, INVALID_KEY, INVALID_SIGNATURE, INVALID_TIMELOCK
 */
export function decodeMessage(json: unknown): Message {
  return messageRegistry.decode(json) as Message;
}

/**
 * Decode a message that must be of one type.
 * @param json - the parsed JSON
 * @param type - the type expected
 * @throws ChannelError INVALID_ARGUMENT for a type no schema declares; UNEXPECTED_MESSAGE for a valid
 *   message of another type; else as decodeMessage
 */
export function decodeMessageOf<T extends MessageType>(json: unknown, type: T): Extract<Message, { type: T }> {
  if (!MESSAGE_TYPES.includes(type)) fail('INVALID_ARGUMENT', `no message type ${preview(type)} to expect`);
  return messageRegistry.decodeOf(json, type) as Extract<Message, { type: T }>;
}

/** One decoder per message type, for callers who route by type. */
export const decoders: { [T in MessageType]: (json: unknown) => Extract<Message, { type: T }> } = Object.fromEntries(
  MESSAGE_TYPES.map((t) => [t, (json: unknown) => decodeMessageOf(json, t)]),
) as never;
