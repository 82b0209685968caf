/**
 * The parameters both parties of a decreasing-lock channel agree on
 * (CONSTRUCTIONS.md section 2), and the checked view its builders trust.
 * Parties are `a` (who funds) and `b`; payments go both ways. State k is a
 * spend both parties hold fully signed, paying each its balance; its lock
 * shortens by Δ blocks with each update, so the newest state is valid first:
 *
 * - `locktime` form: S_k spends the funding 2-of-2 with nLockTime
 *   L_k = L_0 - kΔ. The channel expires: an update needs L_{k+1} >= tip.
 * - `kickoff` form (one level of a Decker-Wattenhofer tree): the funding goes
 *   to a kickoff K (no lock) with a 2-of-2 of the same keys, and S_k spends
 *   it with nSequence (N - k)Δ: no expiry, N updates, the close delay counted
 *   from K's confirmation.
 *
 * Heights only: a time lock drifts with median time past, and Δ is a margin
 * in blocks for the newest state to confirm.
 */
import { fail } from '../../core/errors';
import { bytesEqual } from '../../core/hash';
import {
  DUST_P2WPKH, FeeRate, LOCKTIME_THRESHOLD, PublicKey, asPublicKey, checkAmount, checkRelayFeeRate, feeForWeight,
} from '../../core/types';
import { contextKind } from '../../tx/context';
import {
  FundingLocation, FundingOutputContext, FundingSpendParams, buildFundingSpendTx, verifyFundingOutputParams,
} from '../../tx/funding-spend';
import { InvalidationCounter, verifyInvalidationCounter } from '../../tx/invalidation-counter';
import { p2wpkhScript } from '../../tx/outputs';
import { AnchorPair, anchorOutputs, anchorPair } from '../../tx/anchor';
import { decreasingWeights } from './tx/weights';

/** `locktime`: states with decreasing nLockTime on the funding; `kickoff`: a kickoff, then states with decreasing nSequence. */
export type DecreasingForm = 'locktime' | 'kickoff';

/** A state's nSequence in the locktime form: not final, so nLockTime applies; no replacement signal. */
export const DECREASING_SEQUENCE = 0xfffffffe;

/**
 * BIP 125's incremental relay fee rate, 1 sat/vB as sat/kw: each state pays
 * at least this much more than the last for its weight, so an older state
 * can never replace a newer one in a replacing mempool on its own fee.
 */
export const INCREMENTAL_RELAY_FEE_RATE: FeeRate = 250n;

/** Everything both parties agree on. */
export interface DecreasingParams extends FundingLocation {
  /** Which form the channel takes. */
  readonly form: DecreasingForm;
  /** a's key in the funding 2-of-2 (a funds the channel). */
  readonly aFundingKey: PublicKey;
  /** b's key in the funding 2-of-2. */
  readonly bFundingKey: PublicKey;
  /** The key of a's P2WPKH output in every state. */
  readonly aPayoutKey: PublicKey;
  /** The key of b's P2WPKH output in every state. */
  readonly bPayoutKey: PublicKey;
  /** Δ in blocks: how much earlier each state's lock opens than the one before. */
  readonly step: number;
  /** Locktime form: L_0, state 0's nLockTime, as a height. */
  readonly initialLock?: {
    /** L_0's block height, below 500,000,000. */
    readonly height: number;
  };
  /** Kickoff form: N, the number of updates (state N has nSequence 0). */
  readonly updates?: number;
  /** a's balance in state 0; b's is the rest less state 0's fee. */
  readonly aBalance: bigint;
  /** State 0's (and, kickoff form, the kickoff's) fee rate, sat/kw. */
  readonly feeRate: FeeRate;
  /**
   * Whether every state (and the kickoff) carries an anchor output per party
   * for a child to pay for it (default true: without one, a state stuck at
   * its frozen fee may still be unconfirmed when the older state's lock
   * opens). Their 2 x 330 sat (4 x in the kickoff form) come out of state 0
   * as its fee does, from b's rest.
   */
  readonly anchors?: boolean;
}

/** The checked view of {@link DecreasingParams}; made only by {@link verifyDecreasingParams}. */
export interface DecreasingContext {
  /** The parameters it was made from. */
  readonly params: DecreasingParams;
  /** The funding 2-of-2 (a as its sender, b as its receiver). */
  readonly funding: FundingOutputContext;
  /** Kickoff form: the kickoff's 2-of-2 output the states spend. */
  readonly kickoff?: FundingOutputContext;
  /** Kickoff form: the kickoff's fee. */
  readonly kickoffFee?: bigint;
  /** Kickoff form: the counter whose one level's lock is each state's nSequence. */
  readonly counter?: InvalidationCounter;
  /** What the states divide: the capacity, less the kickoff's fee in the kickoff form, less the anchors. */
  readonly stateCapacity: bigint;
  /** The value of the output the states spend: the capacity, or the kickoff's 2-of-2 output. */
  readonly stateInput: bigint;
  /** The anchors, when the channel has them. */
  readonly anchors?: AnchorPair;
  /** State 0's fee. */
  readonly initialFee: bigint;
  /** The least by which each state's fee exceeds the last's. */
  readonly minFeeStep: bigint;
  /** a's P2WPKH output script. */
  readonly aPayoutScript: Uint8Array;
  /** b's P2WPKH output script. */
  readonly bPayoutScript: Uint8Array;
}

const CONTEXT = contextKind<DecreasingContext>('decreasing-lock channel context', 'verifyDecreasingParams');

/** Refuse what is not a context from {@link verifyDecreasingParams}. */
export const expectDecreasingContext = CONTEXT.expect;

function checkInt(v: unknown, what: string, min: number, max: number, code: 'INVALID_ARGUMENT' | 'INVALID_TIMELOCK'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(code, `${what} must be an integer in [${min}, ${max}]`, { field: what });
  return v;
}

/**
 * Check every parameter once and derive what the builders need.
 *
 * @param p - The channel's parameters.
 * @returns A frozen context the builders and signers accept without checking again.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `form` is neither, the funding outpoint is malformed, `step` is not a positive integer, or the kickoff form's `updates` is not a positive integer, or `anchors` is given and not a boolean.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` is not in [1, MAX_MONEY] or `aBalance` is not a non-negative bigint.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key, the funding keys are equal, or the payout keys are.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the locktime form's `initialLock` is not `{height}` below 500,000,000 with L_0 >= Δ, or the kickoff form's N·Δ exceeds BIP 68's 65,535 blocks.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` or `FEE_RATE_REFUSED` if `feeRate` is malformed or below the relay floor.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if `aBalance` plus the fees exceeds the capacity.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if a balance of state 0 is neither 0 nor at least the P2WPKH dust limit.
 *
 * @example
 * ```ts
 * const ctx = verifyDecreasingParams({
 *   form: 'locktime', fundingOutpoint: { txid, vout: 0 }, capacity: 1_000_000n,
 *   aFundingKey, bFundingKey, aPayoutKey, bPayoutKey,
 *   step: 144, initialLock: { height: 900_000 }, aBalance: 500_000n, feeRate: 1000n,
 * });
 * ```
 */
export function verifyDecreasingParams(p: DecreasingParams): DecreasingContext {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) fail('INVALID_ARGUMENT', 'decreasing-lock channel parameters must be an object');
  if (p.form !== 'locktime' && p.form !== 'kickoff') fail('INVALID_ARGUMENT', 'form must be locktime or kickoff', { field: 'form' });
  for (const k of ['aFundingKey', 'bFundingKey', 'aPayoutKey', 'bPayoutKey'] as const) asPublicKey(p[k], k);
  if (bytesEqual(p.aPayoutKey, p.bPayoutKey)) fail('INVALID_KEY', 'a\'s and b\'s payout keys must differ');
  const step = checkInt(p.step, 'step', 1, 0xffff, 'INVALID_ARGUMENT');
  let initialLock: { height: number } | undefined;
  let counter: InvalidationCounter | undefined;
  if (p.form === 'locktime') {
    const l = p.initialLock;
    if (l === null || typeof l !== 'object' || Object.keys(l).join() !== 'height') fail('INVALID_TIMELOCK', 'initialLock must be {height}: time locks drift with median time past');
    initialLock = { height: checkInt(l.height, 'initialLock.height', step, LOCKTIME_THRESHOLD - 1, 'INVALID_TIMELOCK') };
    if (p.updates !== undefined) fail('INVALID_ARGUMENT', 'the locktime form\'s budget is set by L_0 and the tip, not by updates', { field: 'updates' });
  } else {
    const n = checkInt(p.updates, 'updates', 1, 0xffff, 'INVALID_ARGUMENT');
    counter = verifyInvalidationCounter({ levels: 1, values: n + 1, step, lock: 'relative' });
    if (p.initialLock !== undefined) fail('INVALID_ARGUMENT', 'the kickoff form has no expiry: initialLock is the locktime form\'s', { field: 'initialLock' });
  }
  checkRelayFeeRate(p.feeRate);
  checkAmount(p.aBalance, 'aBalance');
  if (p.anchors !== undefined && typeof p.anchors !== 'boolean') fail('INVALID_ARGUMENT', 'anchors must be a boolean', { field: 'anchors' });
  const withAnchors = p.anchors ?? true;
  const params: DecreasingParams = {
    form: p.form,
    fundingOutpoint: { txid: p.fundingOutpoint?.txid, vout: p.fundingOutpoint?.vout },
    capacity: p.capacity,
    aFundingKey: p.aFundingKey, bFundingKey: p.bFundingKey, aPayoutKey: p.aPayoutKey, bPayoutKey: p.bPayoutKey,
    step,
    ...(initialLock ? { initialLock } : {}),
    ...(p.form === 'kickoff' ? { updates: p.updates } : {}),
    aBalance: p.aBalance,
    feeRate: p.feeRate,
    anchors: withAnchors,
  };
  if (p.fundingOutpoint === null || typeof p.fundingOutpoint !== 'object') fail('INVALID_ARGUMENT', 'fundingOutpoint missing');
  const funding = verifyFundingOutputParams({ ...params, senderFundingKey: p.aFundingKey, receiverFundingKey: p.bFundingKey });
  const w = decreasingWeights(withAnchors);
  const anchors = withAnchors ? anchorPair(p.aFundingKey, p.bFundingKey) : undefined;
  const anchorsValue = anchors ? 2n * anchors.value : 0n;
  let stateInput = p.capacity;
  let kickoff: FundingOutputContext | undefined;
  let kickoffFee: bigint | undefined;
  if (p.form === 'kickoff') {
    kickoffFee = feeForWeight(w.kickoff, p.feeRate);
    stateInput = p.capacity - kickoffFee - anchorsValue;
    if (stateInput - anchorsValue < DUST_P2WPKH) fail('AMOUNT_EXCEEDS_CAPACITY', 'the capacity does not cover the kickoff\'s fee and the anchors');
    kickoff = verifyFundingOutputParams({
      fundingOutpoint: { txid: kickoffTxid(funding, stateInput, anchors), vout: 0 }, capacity: stateInput,
      senderFundingKey: p.aFundingKey, receiverFundingKey: p.bFundingKey,
    });
  }
  const stateCapacity = stateInput - anchorsValue;
  const initialFee = feeForWeight(w.state, p.feeRate);
  const bBalance = stateCapacity - initialFee - p.aBalance;
  if (bBalance < 0n) fail('AMOUNT_EXCEEDS_CAPACITY', 'aBalance and state 0\'s fee exceed the capacity', { aBalance: p.aBalance.toString(), fee: initialFee.toString() });
  checkBalance(p.aBalance, 'aBalance');
  checkBalance(bBalance, 'bBalance');
  return CONTEXT.register({
    params,
    funding,
    ...(kickoff ? { kickoff, kickoffFee, counter } : {}),
    stateCapacity,
    stateInput,
    ...(anchors ? { anchors } : {}),
    initialFee,
    minFeeStep: feeForWeight(w.state, INCREMENTAL_RELAY_FEE_RATE),
    aPayoutScript: p2wpkhScript(p.aPayoutKey),
    bPayoutScript: p2wpkhScript(p.bPayoutKey),
  });
}

/** A balance is paid as an output or not at all: one below dust would not relay. */
export function checkBalance(v: bigint, what: string): void {
  if (v !== 0n && v < DUST_P2WPKH) {
    fail('AMOUNT_BELOW_DUST', `${what} of ${v} sat is neither 0 nor at least the dust limit ${DUST_P2WPKH}`, { field: what, amount: v.toString() });
  }
}

/** The kickoff's nLockTime: none, so it can be broadcast at any time. */
export const KICKOFF_LOCKTIME = 0;

function kickoffTxid(funding: FundingOutputContext, value: bigint, anchors: AnchorPair | undefined): string {
  return buildFundingSpendTx(kickoffSpend(funding, value, anchors)).getId();
}

/** The kickoff's fields: the funding output to a 2-of-2 of the same keys (and the anchors), less its fee. Trusts its arguments: the builders call it with checked ones. */
export function kickoffSpend(funding: FundingOutputContext, value: bigint, anchors: AnchorPair | undefined): FundingSpendParams {
  return {
    funding, locktime: KICKOFF_LOCKTIME, sequence: DECREASING_SEQUENCE,
    outputs: [{ script: funding.fundingScriptPubKey, value }, ...anchorOutputs(anchors)],
  };
}

/**
 * The locktime form's state lock L_k = L_0 - kΔ.
 *
 * @param ctx - A locktime-form context.
 * @param index - k.
 * @returns L_k, or undefined when it would be below 0 (no such state).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a locktime-form context or `index` not a non-negative integer.
 */
export function decreasingLockTime(ctx: DecreasingContext, index: number): number | undefined {
  const c = expectDecreasingContext(ctx);
  if (c.params.initialLock === undefined) fail('INVALID_ARGUMENT', 'the kickoff form has no nLockTime locks');
  if (!Number.isSafeInteger(index) || index < 0) fail('INVALID_ARGUMENT', 'index must be a non-negative integer');
  const l = c.params.initialLock.height - index * c.params.step;
  return l >= 0 ? l : undefined;
}

/**
 * The state a locktime-form nLockTime is the lock of: k = (L_0 - nLockTime)/Δ.
 *
 * @param ctx - A locktime-form context.
 * @param lockTime - A transaction's nLockTime.
 * @returns k, or undefined if `lockTime` is no state's lock.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a locktime-form context.
 */
export function decreasingIndexOfLockTime(ctx: DecreasingContext, lockTime: number): number | undefined {
  const c = expectDecreasingContext(ctx);
  if (c.params.initialLock === undefined) fail('INVALID_ARGUMENT', 'the kickoff form has no nLockTime locks');
  const d = c.params.initialLock.height - lockTime;
  return Number.isSafeInteger(lockTime) && d >= 0 && d % c.params.step === 0 ? d / c.params.step : undefined;
}

/**
 * How many more updates the locktime form allows at this tip after state
 * `index`: N - index with N = floor((L_0 - tip)/Δ), none below 0. The
 * kickoff form's budget does not depend on the tip: N - index.
 *
 * @param ctx - From {@link verifyDecreasingParams}.
 * @param index - The latest state.
 * @param tip - The chain tip's height.
 * @returns The updates left.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a context, or `index` or `tip` is not a non-negative integer.
 */
export function decreasingBudget(ctx: DecreasingContext, index: number, tip: number): number {
  const c = expectDecreasingContext(ctx);
  if (!Number.isSafeInteger(index) || index < 0) fail('INVALID_ARGUMENT', 'index must be a non-negative integer');
  if (!Number.isSafeInteger(tip) || tip < 0) fail('INVALID_ARGUMENT', 'tip must be a non-negative integer');
  const n = c.params.initialLock !== undefined ? Math.floor((c.params.initialLock.height - tip) / c.params.step) : c.params.updates!;
  return Math.max(0, n - index);
}
