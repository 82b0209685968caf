/**
 * The opening handshake's terms: the parameters a decreasing_open carries,
 * the checks b makes of them before it signs anything, and the hash both
 * sides compute of them so an acknowledgement is tied to one set of terms.
 * Internal to the construction.
 */
import { fail } from '../../../core/errors';
import { bytesEqual, fromHex, sha256, toHex } from '../../../core/hash';
import { PublicKey } from '../../../core/types';
import { ChainView, deriveChannelId } from '../../../protocol/party';
import { DecreasingContext, DecreasingParams, decreasingBudget, verifyDecreasingParams } from '../params';
import { DecreasingOpen } from './messages';
import { paramsToJson } from './saved';

/** What b asks of terms besides their being a channel: its own keys and how much room it wants. */
export interface DecreasingAcceptPolicy {
  /** b's payout key; the open must name it. */
  readonly payoutKey?: PublicKey;
  /** The least Δ b takes, in blocks (1 unless set). */
  readonly minStep?: number;
  /** The fewest updates the locktime form must allow at the tip (1 unless set). */
  readonly minBudget?: number;
  /** Confirmations of the funding before updates are taken (3 unless set). */
  readonly fundingDepth?: number;
}

/**
 * SHA-256 of the terms' saved JSON form: the same bytes on both sides, since
 * each computes it from parameters it checked itself.
 */
export function termsHash(ctx: DecreasingContext): Uint8Array {
  return sha256(new TextEncoder().encode(JSON.stringify(paramsToJson(ctx.params))));
}

/** The parameters a decreasing_open names, before any check. */
export function paramsOfOpen(m: DecreasingOpen): DecreasingParams {
  const lock = m.initialLock;
  if (lock !== undefined && (lock === null || typeof lock !== 'object')) fail('INVALID_TIMELOCK', 'initialLock must be {height}', { field: 'initialLock' });
  if (lock !== undefined && !('height' in lock)) fail('INVALID_TIMELOCK', 'L_0 must be a height: time locks drift with median time past', { field: 'initialLock' });
  if (!(m.fundingTxid instanceof Uint8Array) || m.fundingTxid.length !== 32) fail('MESSAGE_INVALID', 'fundingTxid must be 32 bytes', { field: 'fundingTxid' });
  return {
    form: m.form,
    fundingOutpoint: { txid: toHex(m.fundingTxid), vout: m.fundingVout },
    capacity: m.capacity,
    aFundingKey: m.aFundingKey, bFundingKey: m.bFundingKey, aPayoutKey: m.aPayoutKey, bPayoutKey: m.bPayoutKey,
    step: m.step,
    ...(lock !== undefined ? { initialLock: { height: lock.height } } : {}),
    ...(m.updates !== undefined ? { updates: m.updates } : {}),
    aBalance: m.aBalance,
    feeRate: m.feeRate,
  };
}

/** The terms' part of a decreasing_open, from a checked context. */
export function openTerms(ctx: DecreasingContext, channelId: Uint8Array): Omit<DecreasingOpen, 'sig' | 'kickoffSig'> {
  const p = ctx.params;
  return {
    type: 'decreasing_open', channelId,
    form: p.form,
    fundingTxid: fromHex(p.fundingOutpoint.txid), fundingVout: p.fundingOutpoint.vout,
    capacity: p.capacity,
    aFundingKey: p.aFundingKey, bFundingKey: p.bFundingKey, aPayoutKey: p.aPayoutKey, bPayoutKey: p.bPayoutKey,
    step: p.step,
    ...(p.initialLock ? { initialLock: { height: p.initialLock.height } } : {}),
    ...(p.updates !== undefined ? { updates: p.updates } : {}),
    aBalance: p.aBalance,
    bBalance: ctx.stateCapacity - ctx.initialFee - p.aBalance,
    feeRate: p.feeRate,
    feeStep: ctx.minFeeStep,
  };
}

function checkPolicyInt(v: unknown, what: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > max) fail('INVALID_ARGUMENT', `${what} must be an integer in [1, ${max}]`);
  return v as number;
}

/** The policy, checked; its limits are b's own, so a bad one is the caller's mistake (INVALID_ARGUMENT). */
export function checkAcceptPolicy(p: DecreasingAcceptPolicy): { payoutKey?: PublicKey; minStep: number; minBudget: number; fundingDepth?: number } {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) fail('INVALID_ARGUMENT', 'policy must be an object');
  if (p.payoutKey !== undefined && !(p.payoutKey instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'payoutKey must be bytes');
  const fundingDepth = checkPolicyInt(p.fundingDepth, 'fundingDepth', 2016);
  return {
    ...(p.payoutKey !== undefined ? { payoutKey: p.payoutKey } : {}),
    minStep: checkPolicyInt(p.minStep, 'minStep', 0xffff) ?? 1,
    minBudget: checkPolicyInt(p.minBudget, 'minBudget', 0xffff) ?? 1,
    ...(fundingDepth !== undefined ? { fundingDepth } : {}),
  };
}

/**
 * b's checks of an open, every one before it signs: the terms make a
 * channel, it is b's, Δ is a positive height, L_0 leaves room for updates at
 * this tip, the balances and the fee schedule are the ones the terms give.
 */
export function verifyOpenTerms(m: DecreasingOpen, policy: ReturnType<typeof checkAcceptPolicy>, chain: ChainView): DecreasingContext {
  if (!Number.isSafeInteger(m.step) || m.step < 1) fail('INVALID_TIMELOCK', 'Δ must be a positive number of blocks', { field: 'step' });
  if (m.step < policy.minStep) fail('INVALID_TIMELOCK', `Δ of ${m.step} blocks is below the ${policy.minStep} this party takes`, { field: 'step', min: policy.minStep });
  const ctx = verifyDecreasingParams(paramsOfOpen(m));
  if (!(m.channelId instanceof Uint8Array) || !bytesEqual(m.channelId, deriveChannelId(ctx.params.fundingOutpoint.txid, ctx.params.fundingOutpoint.vout))) {
    fail('WRONG_CHANNEL', 'the channel id is not the funding outpoint\'s', { field: 'channelId' });
  }
  if (policy.payoutKey !== undefined && !bytesEqual(policy.payoutKey, ctx.params.bPayoutKey)) fail('INVALID_KEY', 'bPayoutKey is not this party\'s payout key', { field: 'bPayoutKey' });
  if (bytesEqual(ctx.params.aFundingKey, ctx.params.bFundingKey)) fail('INVALID_KEY', 'a\'s and b\'s funding keys must differ', { field: 'bFundingKey' });
  const expected = openTerms(ctx, m.channelId);
  if (m.bBalance !== expected.bBalance) {
    fail('AMOUNT_EXCEEDS_CAPACITY', `the balances must add up to the funding less state 0's fee: b's is ${expected.bBalance}`, {
      field: 'bBalance', expected: expected.bBalance.toString(), got: m.bBalance.toString(),
    });
  }
  if (m.feeStep !== expected.feeStep) {
    fail('FEE_RATE_REFUSED', `each state's fee rises by ${expected.feeStep} sat (the incremental relay fee for its weight)`, { field: 'feeStep', expected: expected.feeStep.toString() });
  }
  const l0 = ctx.params.initialLock?.height;
  if (l0 !== undefined && l0 < chain.height) fail('INVALID_TIMELOCK', `L_0 ${l0} is behind the tip ${chain.height}: state 0 would be valid at once`, { field: 'initialLock', tip: chain.height });
  const budget = decreasingBudget(ctx, 0, chain.height);
  if (budget < policy.minBudget) {
    fail('CHANNEL_EXPIRED', `L_0 leaves ${budget} updates at the tip ${chain.height}, fewer than ${policy.minBudget}: L_0 must be at least tip + Δ per update`, {
      field: 'initialLock', budget, tip: chain.height,
    });
  }
  return ctx;
}
