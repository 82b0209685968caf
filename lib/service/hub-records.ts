/**
 * How a hub lays its channels out in a store. Each channel has one record,
 * under a key made from its temporary id, from open to close: every change
 * to a channel is one compare-and-set on that key, whichever process makes
 * it. Once funded, an alias under the channel id names that record, so any
 * process can route the channel's later messages; an alias never changes.
 */
import { toHex } from '../core/hash';
import { readObject, stateError } from '../protocol/party';
import { Json } from '../protocol/wire';
import { checkKeyId } from './hub-keys';
import type { FundingLost } from './hub-funding';
import type { HubReply } from './hub-types';

const RECORD_FORMAT = 'revchan-hub-channel/1';
const ALIAS_FORMAT = 'revchan-hub-alias/1';
/** Prefix of channel records: `rt-` and the temporary id, hex. */
export const RECORD_PREFIX = 'rt-';
/** Prefix of aliases: `rc-` and the channel id, hex. */
export const ALIAS_PREFIX = 'rc-';
const HEX32 = /^[0-9a-f]{64}$/;
const SAVE_ID = /^[0-9a-f]{16,64}$/;

/** What a channel's record holds: the receiver's state, where its keys are found, and when it was opened. */
export interface ChannelRecord {
  readonly keyId: string;
  readonly receiver: Json;
  /** When the open_channel was taken, ms since 1970 (absent in records saved before it was kept). */
  readonly openedAt?: number;
  /** The id of the save that wrote it: a process whose save failed without an answer reads it back to learn whether the save committed. */
  readonly saveId?: string;
  /** The funding, deep once, left the chain or was double-spent: the channel takes no offers (see FundingFollow). */
  readonly fundingLost?: FundingLost;
  /** The answer to the last sender message a save applied: its resend is answered the same by any process. */
  readonly answer?: StoredAnswer;
}

/** A sender message's answer, kept with the state it produced. */
export interface StoredAnswer {
  /** SHA-256 of the message as canonical JSON text, hex. */
  readonly replay: string;
  /** The answer as wire JSON (amounts as decimal strings). */
  readonly result: Json;
}

/** The record key of the channel opened with `tempChannelId`. */
export function recordKeyOf(tempChannelId: Uint8Array): string {
  return RECORD_PREFIX + toHex(tempChannelId);
}

/** The alias key of a funded channel. */
export function aliasKeyOf(channelIdHex: string): string {
  return ALIAS_PREFIX + channelIdHex;
}

export function recordToJson(r: ChannelRecord): Json {
  return {
    format: RECORD_FORMAT, keyId: r.keyId, receiver: r.receiver,
    ...(r.openedAt !== undefined ? { openedAt: r.openedAt } : {}), ...(r.saveId !== undefined ? { saveId: r.saveId } : {}),
    ...(r.fundingLost !== undefined ? { fundingLost: r.fundingLost } : {}),
    ...(r.answer !== undefined ? { answer: { replay: r.answer.replay, result: r.answer.result } } : {}),
  };
}

/** A record as loaded; damage is STATE_INVALID. The receiver's state is read by Receiver.restore. */
export function readRecord(json: unknown): ChannelRecord {
  const o = readObject(json, 'record');
  if (o.format !== RECORD_FORMAT) stateError('not a hub channel record');
  let keyId: string;
  try {
    keyId = checkKeyId(o.keyId);
  } catch {
    return stateError('keyId');
  }
  const openedAt = o.openedAt;
  if (openedAt !== undefined && (typeof openedAt !== 'number' || !Number.isSafeInteger(openedAt) || openedAt < 0)) stateError('openedAt');
  const saveId = o.saveId;
  if (saveId !== undefined && (typeof saveId !== 'string' || !SAVE_ID.test(saveId))) stateError('saveId');
  const fundingLost = o.fundingLost;
  if (fundingLost !== undefined && fundingLost !== 'reorged' && fundingLost !== 'double-spent') stateError('fundingLost');
  let answer: StoredAnswer | undefined;
  if (o.answer !== undefined) {
    const a = readObject(o.answer, 'answer');
    if (typeof a.replay !== 'string' || !HEX32.test(a.replay)) stateError('answer.replay');
    answer = { replay: a.replay, result: readObject(a.result, 'answer.result') };
  }
  return {
    keyId, receiver: readObject(o.receiver, 'receiver'), ...(openedAt !== undefined ? { openedAt } : {}), ...(saveId !== undefined ? { saveId } : {}),
    ...(fundingLost !== undefined ? { fundingLost } : {}), ...(answer !== undefined ? { answer } : {}),
  };
}

export function aliasToJson(recordKey: string): Json {
  return { format: ALIAS_FORMAT, record: recordKey };
}

/** The record key an alias names; damage is STATE_INVALID. */
export function readAlias(json: unknown): string {
  const o = readObject(json, 'alias');
  if (o.format !== ALIAS_FORMAT) stateError('not a hub alias');
  const record = o.record;
  if (typeof record !== 'string' || !record.startsWith(RECORD_PREFIX) || !HEX32.test(record.slice(RECORD_PREFIX.length))) stateError('alias.record');
  return record;
}

/** An answer as stored with its channel. */
export function replyToJson(r: HubReply): Json {
  return {
    channelId: r.channelId, ...(r.reply !== undefined ? { reply: r.reply } : {}),
    ...(r.paid !== undefined ? { paid: { index: r.paid.index, amount: r.paid.amount.toString(), increment: r.paid.increment.toString() } } : {}),
    ...(r.closeTxid !== undefined ? { closeTxid: r.closeTxid } : {}),
  };
}

/** A stored answer, read back as the answer to a resend; damage is STATE_INVALID. */
export function readReply(json: Json): HubReply {
  const { channelId, reply, paid, closeTxid } = json;
  if (typeof channelId !== 'string' || !HEX32.test(channelId)) stateError('answer.channelId');
  if (reply !== undefined) readObject(reply, 'answer.reply');
  if (closeTxid !== undefined && (typeof closeTxid !== 'string' || !HEX32.test(closeTxid))) stateError('answer.closeTxid');
  let p: HubReply['paid'];
  if (paid !== undefined) {
    const o = readObject(paid, 'answer.paid');
    const amount = decimal(o.amount, 'amount');
    const increment = decimal(o.increment, 'increment');
    if (!Number.isSafeInteger(o.index) || (o.index as number) < 0) stateError('answer.paid.index');
    p = { index: o.index as number, amount, increment };
  }
  return {
    channelId, ...(reply !== undefined ? { reply: reply as Json } : {}), ...(p !== undefined ? { paid: p } : {}), ...(closeTxid !== undefined ? { closeTxid } : {}),
    again: true,
  };
}

function decimal(v: unknown, f: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,17})$/.test(v)) stateError(`answer.paid.${f}`);
  return BigInt(v);
}
