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

export const PROTOCOL_VERSION = 1;
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

/** Decode and validate any message; throws a ChannelError with a stable code for anything off. */
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

/** Decode a message that must be of one type. */
export function decodeMessageOf<T extends MessageType>(json: unknown, type: T): Extract<Message, { type: T }> {
  if (!MESSAGE_TYPES.includes(type)) fail('INVALID_ARGUMENT', `no message type ${preview(type)} to expect`);
  const m = decodeMessage(json);
  if (m.type !== type) fail('UNEXPECTED_MESSAGE', `expected ${type}, got ${m.type}`);
  return m as Extract<Message, { type: T }>;
}

/** One decoder per message type, for callers who route by type. */
export const decoders: { [T in MessageType]: (json: unknown) => Extract<Message, { type: T }> } = Object.fromEntries(
  MESSAGE_TYPES.map((t) => [t, (json: unknown) => decodeMessageOf(json, t)]),
) as never;


