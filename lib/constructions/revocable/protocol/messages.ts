/**
 * Protocol messages of the revocable channel. In memory they carry bytes and
 * bigints, so the payment hot path never touches hex; on the wire they are
 * JSON with a type and a version, satoshis as decimal strings and bytes as
 * lowercase hex. Each message is declared once, as a schema
 * (lib/protocol/schema.ts) checked against its interface; the encoder, the
 * strict decoder and the bad-input corpus all read that declaration.
 */
import { bytes, int, literal, object, optional, pubkey, sats, signature, union } from '../../../protocol/fields';
import { messageRegistry } from '../../../protocol/registry';
import { MessageOf, MessageSchema, defineMessage } from '../../../protocol/schema';
import { FeeRate, LOCKTIME_THRESHOLD, PublicKey, Variant } from '../../../core/types';
import { Json, VARIANT } from '../../../protocol/wire';

export { PROTOCOL_VERSION } from '../../../protocol/schema';
const MAX_INDEX = 2 ** 48 - 1;
const MAX_FEE_RATE = 100_000_000n;

/** The most blocks an HTLC's claim delay D may be: a relative lock's range. */
export const MAX_HTLC_DELAY = 0xffff;

/**
 * Why a receiver fails an HTLC, as the `fail` message carries it: a fixed
 * list, so the message has a bounded size and says nothing the sender did
 * not choose to hear.
 */
export const HTLC_FAIL_REASONS = ['unknown-hash', 'amount-mismatch', 'expiry-too-soon', 'downstream-failed', 'temporary', 'other'] as const;

/** One of {@link HTLC_FAIL_REASONS}. */
export type HtlcFailReason = (typeof HTLC_FAIL_REASONS)[number];

/** The HTLC terms the sender proposes in open_channel; the receiver adds its key R_h in accept_channel. */
export interface HtlcOpenTerms {
  /** D, in blocks: how long the sender's timeout (sender's version) and the receiver's success (receiver's version) wait after the version confirms. */
  readonly delay: number;
  /** The most that HTLCs too small to be outputs may add to a version's fee together, in satoshis. */
  readonly maxDustExposure: bigint;
}

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
  /** The HTLC terms, for a channel that carries HTLCs; absent, it carries none. */
  readonly htlc?: HtlcOpenTerms;
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
  /** R_h, the receiver's key in every HTLC's success branch: present exactly when open_channel proposed HTLC terms. */
  readonly receiverHtlcKey?: PublicKey;
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

/** A plain payment: the receiver's total grows; the same as an offer without a change. */
export interface PayChange {
  /** The change's kind. */
  readonly kind: 'pay';
}

/** A new HTLC, locked from the sender's balance; the receiver's total stays as it was. */
export interface AddHtlcChange {
  /** The change's kind. */
  readonly kind: 'addHtlc';
  /** The HTLC's id: the previous HTLC's id + 1, from 0. */
  readonly id: number;
  /** The satoshis it locks. */
  readonly amount: bigint;
  /** H = SHA256(P), 32 bytes. */
  readonly hash: Uint8Array;
  /** E, the block height from which the sender may take it back. */
  readonly expiry: number;
}

/** An HTLC paid: removed, its amount added to the receiver's total. */
export interface SettleHtlcChange {
  /** The change's kind. */
  readonly kind: 'settleHtlc';
  /** The HTLC's id. */
  readonly id: number;
  /** P, 32 bytes, with SHA256(P) = H. */
  readonly preimage: Uint8Array;
}

/** An HTLC failed: removed, its amount back in the sender's balance; the receiver's total stays as it was. */
export interface FailHtlcChange {
  /** The change's kind. */
  readonly kind: 'failHtlc';
  /** The HTLC's id. */
  readonly id: number;
}

/** What an offer's new state changes. */
export type OfferChange = PayChange | AddHtlcChange | SettleHtlcChange | FailHtlcChange;

/** Sender to receiver: a payment, as the next state. */
export interface Offer {
  /** The message's type. */
  readonly type: 'offer';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The new state's number. */
  readonly index: number;
  /** The receiver's total in it (its balance output, HTLCs not counted), in satoshis. */
  readonly amount: bigint;
  /** K_index, the sender's update key of the new state. */
  readonly updateKey: PublicKey;
  /** Sender's signature on the receiver's version of state `index`. */
  readonly sig: Uint8Array;
  /** What the new state changes; absent, a plain payment (as `pay`). */
  readonly change?: OfferChange;
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

/** Receiver to sender: the preimage of an HTLC, asking the sender to settle it. */
export interface Fulfill {
  /** The message's type. */
  readonly type: 'fulfill';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The HTLC's id. */
  readonly id: number;
  /** P, 32 bytes, with SHA256(P) = H. */
  readonly preimage: Uint8Array;
}

/** Receiver to sender: the receiver gives up an HTLC; the sender may fail it at once. */
export interface Fail {
  /** The message's type. */
  readonly type: 'fail';
  /** The channel's id (BOLT 2's, from the funding outpoint). */
  readonly channelId: Uint8Array;
  /** The HTLC's id. */
  readonly id: number;
  /** Why, from {@link HTLC_FAIL_REASONS}. */
  readonly reason: HtlcFailReason;
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
  | OpenChannel | AcceptChannel | FundingCreated | FundingSigned | Offer | Accept | Revoke | CloseOffer | CloseSigned | Fulfill | Fail;

/** The `type` of a message. */
export type MessageType = Message['type'];

const CHANNEL_ID = bytes(32);
const INDEX = int(1, MAX_INDEX);
const HTLC_ID = int(0, MAX_INDEX);
// A block height: the protocol's HTLC expiries are heights, whose rules (R1, R3) count blocks.
const HTLC_EXPIRY = int(1, LOCKTIME_THRESHOLD - 1);
const HASH = bytes(32);
const PREIMAGE = bytes(32);
const OFFER_CHANGE = union('kind', {
  pay: {},
  addHtlc: { id: HTLC_ID, amount: sats(), hash: HASH, expiry: HTLC_EXPIRY },
  settleHtlc: { id: HTLC_ID, preimage: PREIMAGE },
  failHtlc: { id: HTLC_ID },
});

const SCHEMAS = [
  defineMessage<OpenChannel>({
    type: 'open_channel',
    fields: {
      tempChannelId: CHANNEL_ID, capacity: sats(), variant: VARIANT, margin: int(0, 0xffff), feeRate: sats(MAX_FEE_RATE),
      senderFundingKey: pubkey(), senderPayoutKey: pubkey(), htlc: optional(object({ delay: int(1, MAX_HTLC_DELAY), maxDustExposure: sats() })),
    },
  }),
  defineMessage<AcceptChannel>({
    type: 'accept_channel',
    fields: {
      tempChannelId: CHANNEL_ID, receiverFundingKey: pubkey(), receiverPayoutKey: pubkey(), receiverRevocationKey: pubkey(), receiverHtlcKey: optional(pubkey()),
    },
  }),
  defineMessage<FundingCreated>({
    type: 'funding_created',
    fields: { tempChannelId: CHANNEL_ID, fundingTxid: bytes(32), fundingVout: int(0, 0xffff), updateKey: pubkey() },
  }),
  defineMessage<FundingSigned>({ type: 'funding_signed', fields: { channelId: CHANNEL_ID, sig: signature() } }),
  defineMessage<Offer>({
    type: 'offer', fields: { channelId: CHANNEL_ID, index: INDEX, amount: sats(), updateKey: pubkey(), sig: signature(), change: optional(OFFER_CHANGE) },
  }),
  defineMessage<Accept>({ type: 'accept', fields: { channelId: CHANNEL_ID, index: INDEX, sig: signature() } }),
  // The state being revoked is one below the offer's.
  defineMessage<Revoke>({ type: 'revoke', fields: { channelId: CHANNEL_ID, index: int(0, MAX_INDEX - 1), secret: bytes(32) } }),
  defineMessage<CloseOffer>({ type: 'close_offer', fields: { channelId: CHANNEL_ID, amount: sats(), feeRate: sats(MAX_FEE_RATE), sig: signature() } }),
  defineMessage<CloseSigned>({ type: 'close_signed', fields: { channelId: CHANNEL_ID, sig: signature() } }),
  defineMessage<Fulfill>({ type: 'fulfill', fields: { channelId: CHANNEL_ID, id: HTLC_ID, preimage: PREIMAGE } }),
  defineMessage<Fail>({ type: 'fail', fields: { channelId: CHANNEL_ID, id: HTLC_ID, reason: literal(...HTLC_FAIL_REASONS) } }),
] as const;

/** Every message type has its schema and every schema is a Message: a message added to one and not the other fails to compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasCoverMessages: Same<MessageOf<(typeof SCHEMAS)[number]>, Message> = true;
void schemasCoverMessages;

/** The construction's message schemas, in protocol order; registerConstruction registers them. */
export const REVOCABLE_MESSAGES: readonly MessageSchema[] = SCHEMAS;

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
