/**
 * The decreasing-lock channel's transactions as pure builders of one params
 * object each: state S_k (each party's balance, its fee, its lock), the
 * kickoff (kickoff form) and the cooperative close (no lock). Each is a
 * generic funding spend (lib/tx/funding-spend.ts) whose nLockTime, nSequence
 * and outputs this file decides; `*Spend` gives the fields a sighash is
 * computed from, `build*Tx` the unsigned transaction.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { FundingOutputContext, FundingSpendParams, buildFundingSpendTx } from '../../../tx/funding-spend';
import { counterLocks } from '../../../tx/invalidation-counter';
import { anchorOutputs } from '../../../tx/anchor';
import { TxOut } from '../../../tx/outputs';
import {
  DECREASING_SEQUENCE, DecreasingContext, checkBalance, decreasingLockTime, expectDecreasingContext, kickoffSpend,
} from '../params';

/** The close's nLockTime: none, so it confirms at once. */
export const DECREASING_CLOSE_LOCKTIME = 0;

/** How a state or the close divides the funds: each party's balance and the fee, which add up to what is spent. */
export interface DecreasingBalances {
  /** a's balance in satoshis: 0 (no output) or at least the P2WPKH dust limit. */
  readonly aBalance: bigint;
  /** b's balance in satoshis, likewise. */
  readonly bBalance: bigint;
  /** The fee in satoshis. */
  readonly fee: bigint;
}

/** What fixes state S_k. */
export interface DecreasingStateParams extends DecreasingBalances {
  /** From {@link verifyDecreasingParams}. */
  readonly ctx: DecreasingContext;
  /** k, from 0: each update's is one more than the last. */
  readonly index: number;
}

/** What fixes the cooperative close. */
export interface DecreasingCloseParams extends DecreasingBalances {
  /** From {@link verifyDecreasingParams}. */
  readonly ctx: DecreasingContext;
}

/** What fixes the kickoff. */
export interface DecreasingKickoffParams {
  /** From {@link verifyDecreasingParams}, of the kickoff form. */
  readonly ctx: DecreasingContext;
}

function isBig(v: unknown): v is bigint {
  return typeof v === 'bigint';
}

/**
 * The one check of a division of `total`: no negative part, the balances paid
 * or absent (never dust), and the parts adding up exactly.
 */
export function checkDivision(b: DecreasingBalances, total: bigint): void {
  if (!isBig(b.aBalance) || !isBig(b.bBalance) || !isBig(b.fee)) fail('INVALID_AMOUNT', 'aBalance, bBalance and fee must be bigints');
  if (b.aBalance < 0n || b.bBalance < 0n || b.fee < 0n) fail('INVALID_AMOUNT', 'a balance or the fee is negative', { aBalance: b.aBalance.toString(), bBalance: b.bBalance.toString(), fee: b.fee.toString() });
  if (b.aBalance + b.bBalance + b.fee !== total) {
    fail('AMOUNT_EXCEEDS_CAPACITY', `the balances and the fee must add up to ${total}`, { total: total.toString(), sum: (b.aBalance + b.bBalance + b.fee).toString() });
  }
  checkBalance(b.aBalance, 'aBalance');
  checkBalance(b.bBalance, 'bBalance');
  if (b.aBalance === 0n && b.bBalance === 0n) fail('FEE_EXCEEDS_OUTPUT', 'every output would be empty');
}

function outputs(ctx: DecreasingContext, b: DecreasingBalances): TxOut[] {
  const out: TxOut[] = [];
  if (b.aBalance > 0n) out.push({ script: ctx.aPayoutScript, value: b.aBalance });
  if (b.bBalance > 0n) out.push({ script: ctx.bPayoutScript, value: b.bBalance });
  return out;
}

/** A state's outputs: the balances, then the anchors, which stay even when a balance is 0 (its party may still need to bump). */
function stateOutputs(ctx: DecreasingContext, b: DecreasingBalances): TxOut[] {
  return [...outputs(ctx, b), ...anchorOutputs(ctx.anchors)];
}

/**
 * The output S_k spends: the funding (locktime form) or the kickoff's (kickoff form).
 *
 * @param ctx - From {@link verifyDecreasingParams}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context.
 */
export function decreasingStateInput(ctx: DecreasingContext): FundingOutputContext {
  const c = expectDecreasingContext(ctx);
  return c.kickoff ?? c.funding;
}

/**
 * S_k's fields. Locktime form: nLockTime L_0 - kΔ and a non-final
 * nSequence on the funding. Kickoff form: nLockTime 0 and nSequence (N-k)Δ,
 * a BIP 68 lock in blocks, on the kickoff's output.
 *
 * @param p - The channel, k, the balances and the fee.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context, or `index` not a state's (below 0, L_k below 0, or above N).
 * @throws {@link ChannelError} `INVALID_AMOUNT` if a balance or the fee is not a non-negative bigint.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if they do not add up to what the state spends.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if a balance is neither 0 nor at least the dust limit.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if both balances are 0.
 */
export function decreasingStateSpend(p: DecreasingStateParams): FundingSpendParams {
  expectObject(p, 'state params');
  const ctx = expectDecreasingContext(p.ctx);
  if (typeof p.index !== 'number' || !Number.isSafeInteger(p.index) || p.index < 0) fail('INVALID_ARGUMENT', 'index must be a non-negative integer');
  checkDivision(p, ctx.stateCapacity);
  if (ctx.counter !== undefined) {
    if (p.index >= ctx.counter.states) fail('INVALID_ARGUMENT', `index must be at most N = ${ctx.counter.states - 1}`, { index: p.index });
    return { funding: ctx.kickoff!, locktime: 0, sequence: counterLocks(ctx.counter, p.index)[0]!, outputs: stateOutputs(ctx, p) };
  }
  const locktime = decreasingLockTime(ctx, p.index);
  if (locktime === undefined) fail('INVALID_ARGUMENT', 'L_0 - kΔ is below 0: no such state', { index: p.index });
  return { funding: ctx.funding, locktime, sequence: DECREASING_SEQUENCE, outputs: stateOutputs(ctx, p) };
}

/**
 * The unsigned state S_k.
 *
 * @param p - The channel, k, the balances and the fee.
 * @returns A version-2 transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link decreasingStateSpend}.
 *
 * @example
 * ```ts
 * const s3 = buildDecreasingStateTx({ ctx, index: 3, aBalance: 400_000n, bBalance: 599_000n, fee: 1_000n });
 * ```
 */
export function buildDecreasingStateTx(p: DecreasingStateParams): Transaction {
  return buildFundingSpendTx(decreasingStateSpend(p));
}

/**
 * The close's fields: nLockTime 0 on the funding, the balances and the fee.
 *
 * @param p - The channel, the balances and the fee.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object or `ctx` not a checked context.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link decreasingStateSpend}, against the capacity.
 */
export function decreasingCloseSpend(p: DecreasingCloseParams): FundingSpendParams {
  expectObject(p, 'close params');
  const ctx = expectDecreasingContext(p.ctx);
  checkDivision(p, ctx.params.capacity);
  return { funding: ctx.funding, locktime: DECREASING_CLOSE_LOCKTIME, sequence: DECREASING_SEQUENCE, outputs: outputs(ctx, p) };
}

/**
 * The unsigned cooperative close.
 *
 * @param p - The channel, the balances and the fee.
 * @returns A version-2 transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link decreasingCloseSpend}.
 */
export function buildDecreasingCloseTx(p: DecreasingCloseParams): Transaction {
  return buildFundingSpendTx(decreasingCloseSpend(p));
}

/**
 * The kickoff's fields: the funding to a 2-of-2 of the same keys, no lock.
 *
 * @param p - A kickoff-form channel.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context or not of the kickoff form.
 */
export function decreasingKickoffSpend(p: DecreasingKickoffParams): FundingSpendParams {
  expectObject(p, 'kickoff params');
  const ctx = expectDecreasingContext(p.ctx);
  if (ctx.kickoff === undefined) fail('INVALID_ARGUMENT', 'the locktime form has no kickoff');
  return kickoffSpend(ctx.funding, ctx.stateInput, ctx.anchors);
}

/**
 * The unsigned kickoff.
 *
 * @param p - A kickoff-form channel.
 * @returns A version-2 transaction whose output 0 the states spend.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` as {@link decreasingKickoffSpend}.
 */
export function buildDecreasingKickoffTx(p: DecreasingKickoffParams): Transaction {
  return buildFundingSpendTx(decreasingKickoffSpend(p));
}
