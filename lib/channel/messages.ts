/**
 * Protocol messages. In memory they carry bytes and bigints, so the payment
 * hot path never touches hex; on the wire they are JSON with a type and a
 * version, satoshis as decimal strings and bytes as lowercase hex. There is
 * one strict decoder per message type.
 */
import { fail } from '../errors';
import { toHex } from '../tx/hash';
import { FeeRate, PublicKey, Variant, checkVariant } from '../types';
import {
  Json, bad, expectFields, expectObject, hexField, intField, keyField, satsField, sigField,
  variantField,
} from './wire';

/** The wire format's version, in every message's `version` field. */
export const PROTOCOL_VERSION = 1;
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

/** Every message type. */
export const MESSAGE_TYPES: readonly MessageType[] = [
  'open_channel', 'accept_channel', 'funding_created', 'funding_signed', 'offer', 'accept', 'revoke', 'close_offer', 'close_signed',
];

function variantJson(v: Variant): Json {
  return v.kind === 'cltv' ? { kind: 'cltv', expiry: { ...v.expiry } } : { kind: 'csv', delay: { blocks: v.delay.blocks } };
}

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
  if (m === null || typeof m !== 'object' || Array.isArray(m)) bad('message', 'must be an object');
  if (!MESSAGE_TYPES.includes(m.type)) fail('MESSAGE_UNKNOWN_TYPE', `unknown message type ${preview(m.type)}`);
  const o = m as unknown as Json;
  const bytes = (f: string): string => {
    const v = o[f];
    if (!(v instanceof Uint8Array)) bad(f, 'must be bytes');
    return toHex(v);
  };
  const sats = (f: string): string => {
    const v = o[f];
    if (typeof v !== 'bigint') bad(f, 'must be a bigint');
    return v.toString(10);
  };
  const int = (f: string): number => {
    const v = o[f];
    if (!Number.isSafeInteger(v)) bad(f, 'must be an integer');
    return v as number;
  };
  const head = { type: m.type, version: PROTOCOL_VERSION };
  switch (m.type) {
    case 'open_channel': {
      let variant: Json;
      try {
        variant = variantJson(checkVariant(m.variant));
      } catch {
        return bad('variant', 'must be {kind: cltv, expiry} or {kind: csv, delay}');
      }
      return { ...head, tempChannelId: bytes('tempChannelId'), capacity: sats('capacity'), variant, margin: int('margin'), feeRate: sats('feeRate'), senderFundingKey: bytes('senderFundingKey'), senderPayoutKey: bytes('senderPayoutKey') };
    }
    case 'accept_channel':
      return { ...head, tempChannelId: bytes('tempChannelId'), receiverFundingKey: bytes('receiverFundingKey'), receiverPayoutKey: bytes('receiverPayoutKey'), receiverRevocationKey: bytes('receiverRevocationKey') };
    case 'funding_created':
      return { ...head, tempChannelId: bytes('tempChannelId'), fundingTxid: bytes('fundingTxid'), fundingVout: int('fundingVout'), updateKey: bytes('updateKey') };
    case 'funding_signed':
      return { ...head, channelId: bytes('channelId'), sig: bytes('sig') };
    case 'offer':
      return { ...head, channelId: bytes('channelId'), index: int('index'), amount: sats('amount'), updateKey: bytes('updateKey'), sig: bytes('sig') };
    case 'accept':
      return { ...head, channelId: bytes('channelId'), index: int('index'), sig: bytes('sig') };
    case 'revoke':
      return { ...head, channelId: bytes('channelId'), index: int('index'), secret: bytes('secret') };
    case 'close_offer':
      return { ...head, channelId: bytes('channelId'), amount: sats('amount'), feeRate: sats('feeRate'), sig: bytes('sig') };
    case 'close_signed':
      return { ...head, channelId: bytes('channelId'), sig: bytes('sig') };
  }
}

const FIELDS: Record<MessageType, readonly string[]> = {
  open_channel: ['tempChannelId', 'capacity', 'variant', 'margin', 'feeRate', 'senderFundingKey', 'senderPayoutKey'],
  accept_channel: ['tempChannelId', 'receiverFundingKey', 'receiverPayoutKey', 'receiverRevocationKey'],
  funding_created: ['tempChannelId', 'fundingTxid', 'fundingVout', 'updateKey'],
  funding_signed: ['channelId', 'sig'],
  offer: ['channelId', 'index', 'amount', 'updateKey', 'sig'],
  accept: ['channelId', 'index', 'sig'],
  revoke: ['channelId', 'index', 'secret'],
  close_offer: ['channelId', 'amount', 'feeRate', 'sig'],
  close_signed: ['channelId', 'sig'],
};

/** A short description of an untrusted value for an error message; JSON.stringify would throw on bigints, cycles and deep nesting. */
function preview(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

function head(json: unknown): { o: Json; type: MessageType } {
  const o = expectObject(json, 'message');
  const type = o.type;
  if (typeof type !== 'string' || !MESSAGE_TYPES.includes(type as MessageType)) {
    fail('MESSAGE_UNKNOWN_TYPE', `unknown message type ${preview(type)}`);
  }
  if (o.version !== PROTOCOL_VERSION) fail('MESSAGE_UNSUPPORTED_VERSION', `unsupported version ${preview(o.version)}`);
  expectFields(o, ['type', 'version', ...FIELDS[type as MessageType]], type as string);
  return { o, type: type as MessageType };
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
  const { o, type } = head(json);
  switch (type) {
    case 'open_channel':
      return {
        type, tempChannelId: hexField(o, 'tempChannelId', 32), capacity: satsField(o, 'capacity'), variant: variantField(o, 'variant'),
        margin: intField(o, 'margin', 0, 0xffff), feeRate: satsField(o, 'feeRate', MAX_FEE_RATE),
        senderFundingKey: keyField(o, 'senderFundingKey'), senderPayoutKey: keyField(o, 'senderPayoutKey'),
      };
    case 'accept_channel':
      return {
        type, tempChannelId: hexField(o, 'tempChannelId', 32), receiverFundingKey: keyField(o, 'receiverFundingKey'),
        receiverPayoutKey: keyField(o, 'receiverPayoutKey'), receiverRevocationKey: keyField(o, 'receiverRevocationKey'),
      };
    case 'funding_created':
      return {
        type, tempChannelId: hexField(o, 'tempChannelId', 32), fundingTxid: hexField(o, 'fundingTxid', 32),
        fundingVout: intField(o, 'fundingVout', 0, 0xffff), updateKey: keyField(o, 'updateKey'),
      };
    case 'funding_signed':
      return { type, channelId: hexField(o, 'channelId', 32), sig: sigField(o, 'sig') };
    case 'offer':
      return {
        type, channelId: hexField(o, 'channelId', 32), index: intField(o, 'index', 1, MAX_INDEX), amount: satsField(o, 'amount'),
        updateKey: keyField(o, 'updateKey'), sig: sigField(o, 'sig'),
      };
    case 'accept':
      return { type, channelId: hexField(o, 'channelId', 32), index: intField(o, 'index', 1, MAX_INDEX), sig: sigField(o, 'sig') };
    case 'revoke':
      return { type, channelId: hexField(o, 'channelId', 32), index: intField(o, 'index', 0, MAX_INDEX - 1), secret: hexField(o, 'secret', 32) };
    case 'close_offer':
      return {
        type, channelId: hexField(o, 'channelId', 32), amount: satsField(o, 'amount'), feeRate: satsField(o, 'feeRate', MAX_FEE_RATE),
        sig: sigField(o, 'sig'),
      };
    case 'close_signed':
      return { type, channelId: hexField(o, 'channelId', 32), sig: sigField(o, 'sig') };
  }
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
  const m = decodeMessage(json);
  if (m.type !== type) fail('UNEXPECTED_MESSAGE', `expected ${type}, got ${m.type}`);
  return m as Extract<Message, { type: T }>;
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


