/**
 * The revocable channel's terms: what open_channel proposed and
 * accept_channel added, everything but the funding outpoint; the channel
 * parameters and context they make once funded; and their saved JSON form.
 */
import { fail } from '../../../core/errors';
import { MAX_MONEY, PublicKey, Variant } from '../../../core/types';
import { deriveChannelId, readBig, readHex, readInt, readKey, readObject, stateError } from '../../../protocol/party';
import { Json, hex, variantField } from '../../../protocol/wire';
import { ChannelContext, ChannelParams, verifyChannelParams } from '../params';
import { HtlcOpenTerms, MAX_HTLC_DELAY, OpenChannel } from './messages';

/** Parameters known before funding: what open_channel proposed, the receiver's keys once accepted; everything but the outpoint. */
export interface OpenTerms extends Omit<OpenChannel, 'type'> {
  readonly receiverFundingKey?: PublicKey;
  readonly receiverPayoutKey?: PublicKey;
  readonly receiverRevocationKey?: PublicKey;
  /** R_h: known with the receiver's other keys when the channel has HTLC terms. */
  readonly receiverHtlcKey?: PublicKey;
}

export function channelParamsOf(t: OpenTerms, funding: { txid: string; vout: number }): ChannelParams {
  if (!t.receiverFundingKey || !t.receiverPayoutKey || !t.receiverRevocationKey) fail('STATE_INVALID', 'receiver keys unknown');
  if (t.htlc && !t.receiverHtlcKey) fail('STATE_INVALID', 'receiver HTLC key unknown');
  return {
    fundingOutpoint: funding,
    capacity: t.capacity,
    senderFundingKey: t.senderFundingKey,
    receiverFundingKey: t.receiverFundingKey,
    senderPayoutKey: t.senderPayoutKey,
    receiverPayoutKey: t.receiverPayoutKey,
    receiverRevocationKey: t.receiverRevocationKey,
    variant: t.variant,
    feeRate: t.feeRate,
    ...(t.htlc ? { htlc: { receiverHtlcKey: t.receiverHtlcKey!, delay: { blocks: t.htlc.delay }, maxDustExposure: t.htlc.maxDustExposure } } : {}),
  };
}

/** BOLT 2 id once funded; the temporary id before. */
export function channelIdFor(t: OpenTerms, funding: { txid: string; vout: number } | undefined): Uint8Array {
  return funding ? deriveChannelId(funding.txid, funding.vout) : t.tempChannelId;
}

/** The checked parameters of a funded channel. */
export function channelContextFor(t: OpenTerms, funding: { txid: string; vout: number } | undefined): ChannelContext {
  if (!funding) fail('UNEXPECTED_MESSAGE', 'channel is not funded yet');
  return verifyChannelParams(channelParamsOf(t, funding));
}

export function termsToJson(t: OpenTerms): Json {
  return {
    tempChannelId: hex(t.tempChannelId),
    capacity: t.capacity.toString(),
    variant: t.variant.kind === 'cltv' ? { kind: 'cltv', expiry: { ...t.variant.expiry } } : { kind: 'csv', delay: { blocks: t.variant.delay.blocks } },
    margin: t.margin,
    feeRate: t.feeRate.toString(),
    senderFundingKey: hex(t.senderFundingKey),
    senderPayoutKey: hex(t.senderPayoutKey),
    receiverFundingKey: t.receiverFundingKey ? hex(t.receiverFundingKey) : null,
    receiverPayoutKey: t.receiverPayoutKey ? hex(t.receiverPayoutKey) : null,
    receiverRevocationKey: t.receiverRevocationKey ? hex(t.receiverRevocationKey) : null,
    // Only a channel with HTLC terms has these members: a plain channel's terms keep their saved form.
    ...(t.htlc ? {
      htlc: { delay: t.htlc.delay, maxDustExposure: t.htlc.maxDustExposure.toString() },
      receiverHtlcKey: t.receiverHtlcKey ? hex(t.receiverHtlcKey) : null,
    } : {}),
  };
}

export function termsFromJson(j: unknown): OpenTerms {
  const o = readObject(j, 'terms');
  let variant: Variant;
  try {
    // The wire's reader: exactly the variant's fields, into a new object, so nothing else is kept and saved again.
    variant = variantField(o, 'variant');
  } catch {
    return stateError('variant');
  }
  const optKey = (f: string) => (o[f] === null ? undefined : readKey(o, f));
  const rf = optKey('receiverFundingKey');
  const rp = optKey('receiverPayoutKey');
  const rr = optKey('receiverRevocationKey');
  // accept_channel brings the three together: a party knows all of them or none.
  if ((rf === undefined) !== (rp === undefined) || (rf === undefined) !== (rr === undefined)) stateError('terms: some of the receiver\'s keys but not all');
  const htlc = htlcTermsFromJson(o);
  const rh = htlc ? optKey('receiverHtlcKey') : undefined;
  // R_h comes with the receiver's other keys, in the same accept_channel.
  if (htlc && (rh === undefined) !== (rf === undefined)) stateError('terms: the receiver\'s HTLC key without its other keys, or the other way round');
  return {
    tempChannelId: readHex(o, 'tempChannelId', 32),
    capacity: readBig(o, 'capacity'),
    variant,
    margin: readInt(o, 'margin'),
    feeRate: readBig(o, 'feeRate'),
    senderFundingKey: readKey(o, 'senderFundingKey'),
    senderPayoutKey: readKey(o, 'senderPayoutKey'),
    ...(rf ? { receiverFundingKey: rf } : {}),
    ...(rp ? { receiverPayoutKey: rp } : {}),
    ...(rr ? { receiverRevocationKey: rr } : {}),
    ...(htlc ? { htlc } : {}),
    ...(rh ? { receiverHtlcKey: rh } : {}),
  };
}

/** The saved HTLC terms, if the terms have them (both members, or neither). */
function htlcTermsFromJson(o: Json): HtlcOpenTerms | undefined {
  if (!('htlc' in o) && !('receiverHtlcKey' in o)) return undefined;
  if (!('htlc' in o) || !('receiverHtlcKey' in o)) stateError('terms: htlc and receiverHtlcKey go together');
  const h = readObject(o.htlc, 'terms.htlc');
  if (Object.keys(h).length !== 2) stateError('terms.htlc: exactly delay and maxDustExposure');
  const delay = readInt(h, 'delay');
  if (delay < 1 || delay > MAX_HTLC_DELAY) stateError('terms.htlc.delay');
  const maxDustExposure = readBig(h, 'maxDustExposure');
  if (maxDustExposure > MAX_MONEY) stateError('terms.htlc.maxDustExposure');
  return { delay, maxDustExposure };
}
