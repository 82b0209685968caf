/**
 * The revocable channel's terms: what open_channel proposed and
 * accept_channel added, everything but the funding outpoint; the channel
 * parameters and context they make once funded; and their saved JSON form.
 */
import { fail } from '../../../core/errors';
import { PublicKey, Variant } from '../../../core/types';
import { deriveChannelId, readBig, readHex, readInt, readKey, readObject, stateError } from '../../../protocol/party';
import { Json, hex, variantField } from '../../../protocol/wire';
import { ChannelContext, ChannelParams, verifyChannelParams } from '../params';
import { OpenChannel } from './messages';

/** Parameters known before funding: what open_channel proposed, the receiver's keys once accepted; everything but the outpoint. */
export interface OpenTerms extends Omit<OpenChannel, 'type'> {
  readonly receiverFundingKey?: PublicKey;
  readonly receiverPayoutKey?: PublicKey;
  readonly receiverRevocationKey?: PublicKey;
}

export function channelParamsOf(t: OpenTerms, funding: { txid: string; vout: number }): ChannelParams {
  if (!t.receiverFundingKey || !t.receiverPayoutKey || !t.receiverRevocationKey) fail('STATE_INVALID', 'receiver keys unknown');
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
  };
}
