/**
 * A Spillman channel's terms, as both parties hold them: what spillman_open
 * proposed and spillman_accept added (everything but the funding outpoint),
 * the parameters and context they make once funded, and their saved JSON
 * form. Internal to the construction.
 */
import { fail } from '../../../core/errors';
import { AbsoluteLock, FeeRate, PublicKey, absoluteLockValue } from '../../../core/types';
import {
  ChainView, cltvCutoffReached, deriveChannelId, readBig, readHex, readInt, readKey, readObject, stateError,
} from '../../../protocol/party';
import { Json, hex } from '../../../protocol/wire';
import { SpillmanContext, SpillmanForm, SpillmanParams, verifySpillmanParams } from '../params';

export interface SpillmanTerms {
  readonly tempChannelId: Uint8Array;
  readonly form: SpillmanForm;
  readonly capacity: bigint;
  readonly lockTime: AbsoluteLock;
  readonly feeRate: FeeRate;
  readonly senderFundingKey: PublicKey;
  readonly senderPayoutKey: PublicKey;
  /** The receiver's, once accepted. */
  readonly receiverFundingKey?: PublicKey;
  readonly receiverPayoutKey?: PublicKey;
  readonly margin?: number;
}

/**
 * Whether payments have stopped: the next block is within the receiver's
 * margin of L. The one rule both parties ask: the receiver refuses a payment
 * past it, and the sender never signs one it would refuse.
 */
export function spillmanCutoffReached(lockTime: AbsoluteLock, margin: number, chain: ChainView): boolean {
  return cltvCutoffReached({ kind: 'cltv', expiry: lockTime }, margin, chain);
}

export interface Outpoint {
  readonly txid: string;
  readonly vout: number;
}

export function spillmanParamsOf(t: SpillmanTerms, funding: Outpoint): SpillmanParams {
  if (!t.receiverFundingKey || !t.receiverPayoutKey) fail('STATE_INVALID', 'receiver keys unknown');
  return {
    form: t.form,
    fundingOutpoint: { txid: funding.txid, vout: funding.vout },
    capacity: t.capacity,
    senderFundingKey: t.senderFundingKey,
    receiverFundingKey: t.receiverFundingKey,
    senderPayoutKey: t.senderPayoutKey,
    receiverPayoutKey: t.receiverPayoutKey,
    lockTime: t.lockTime,
    feeRate: t.feeRate,
  };
}

/** The id once funded (BOLT 2's, from the outpoint); the temporary id before. */
export function channelIdOf(t: SpillmanTerms, funding: Outpoint | undefined): Uint8Array {
  return funding ? deriveChannelId(funding.txid, funding.vout) : t.tempChannelId;
}

/** Contexts by terms object and outpoint: the terms of a party are replaced, never changed, so one context serves every payment. */
const contexts = new WeakMap<SpillmanTerms, { key: string; ctx: SpillmanContext }>();

export function contextOf(t: SpillmanTerms, funding: Outpoint | undefined): SpillmanContext {
  if (!funding) fail('UNEXPECTED_MESSAGE', 'the channel is not funded yet');
  const key = `${funding.txid}:${funding.vout}`;
  const cached = contexts.get(t);
  if (cached?.key === key) return cached.ctx;
  const ctx = verifySpillmanParams(spillmanParamsOf(t, funding));
  contexts.set(t, { key, ctx });
  return ctx;
}

export function lockTimeToJson(l: AbsoluteLock): Json {
  return 'height' in l ? { height: l.height } : { time: l.time };
}

export function lockTimeFromJson(j: unknown): AbsoluteLock {
  const o = readObject(j, 'lockTime');
  const keys = Object.keys(o);
  if (keys.length !== 1 || (keys[0] !== 'height' && keys[0] !== 'time')) stateError('lockTime must be {height} or {time}');
  const lock: AbsoluteLock = keys[0] === 'height' ? { height: readInt(o, 'height') } : { time: readInt(o, 'time') };
  try {
    absoluteLockValue(lock);
  } catch {
    stateError('lockTime out of range');
  }
  return lock;
}

export function termsToJson(t: SpillmanTerms): Json {
  return {
    tempChannelId: hex(t.tempChannelId),
    form: t.form,
    capacity: t.capacity.toString(),
    lockTime: lockTimeToJson(t.lockTime),
    feeRate: t.feeRate.toString(),
    senderFundingKey: hex(t.senderFundingKey),
    senderPayoutKey: hex(t.senderPayoutKey),
    receiverFundingKey: t.receiverFundingKey ? hex(t.receiverFundingKey) : null,
    receiverPayoutKey: t.receiverPayoutKey ? hex(t.receiverPayoutKey) : null,
    margin: t.margin ?? null,
  };
}

export function termsFromJson(j: unknown): SpillmanTerms {
  const o = readObject(j, 'terms');
  if (o.form !== 'S' && o.form !== 'C') stateError('terms.form');
  const optKey = (f: string) => (o[f] === null ? undefined : readKey(o, f));
  const rf = optKey('receiverFundingKey');
  const rp = optKey('receiverPayoutKey');
  const margin = o.margin === null ? undefined : readInt(o, 'margin');
  // spillman_accept brings them together: a party knows all of them or none.
  if ((rf === undefined) !== (rp === undefined) || (rf === undefined) !== (margin === undefined)) stateError('terms: some of the receiver\'s terms but not all');
  return {
    tempChannelId: readHex(o, 'tempChannelId', 32),
    form: o.form,
    capacity: readBig(o, 'capacity'),
    lockTime: lockTimeFromJson(o.lockTime),
    feeRate: readBig(o, 'feeRate'),
    senderFundingKey: readKey(o, 'senderFundingKey'),
    senderPayoutKey: readKey(o, 'senderPayoutKey'),
    ...(rf ? { receiverFundingKey: rf } : {}),
    ...(rp ? { receiverPayoutKey: rp } : {}),
    ...(margin !== undefined ? { margin } : {}),
  };
}
