/**
 * The Spillman construction's spends of the funding output, as pure builders
 * of one params object each: the refund T2 (nLockTime L), payment T3_i
 * (receiver's total a_i, the rest to the sender less the fee) and the
 * cooperative close (a payment at a fee rate chosen at close time). Each is a
 * generic funding spend (lib/tx/funding-spend.ts) whose nLockTime, nSequence
 * and outputs this file decides; `*Spend` gives the fields a sighash is
 * computed from, `build*Tx` the unsigned transaction.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { DUST_P2WPKH, FeeRate, checkFeeRate, feeForWeight } from '../../../core/types';
import { FundingSpendParams, buildFundingSpendTx } from '../../../tx/funding-spend';
import { TxOut } from '../../../tx/outputs';
import {
  MAX_SPILLMAN_INDEX, SPILLMAN_CLOSE_LOCKTIME, SPILLMAN_SEQUENCE, SpillmanContext, expectSpillmanContext,
} from '../params';
import { spillmanWeights } from './weights';
import { LOCKTIME_THRESHOLD } from '../../../core/types';

/** A final nSequence: with it on every input a transaction's nLockTime is ignored. */
const SEQUENCE_FINAL = 0xffffffff;

/** What fixes the refund. */
export interface SpillmanRefundParams {
  /** From {@link verifySpillmanParams}. */
  readonly ctx: SpillmanContext;
  /**
   * The funding input's nSequence: {@link SPILLMAN_SEQUENCE} unless given.
   * A final one (0xffffffff) is refused: it would void the lock L.
   */
  readonly sequence?: number;
  /**
   * The refund's fee rate, sat/kw: the channel's unless given. Only a Form C
   * refund, which the sender signs alone, can be signed again at another.
   */
  readonly feeRate?: FeeRate;
}

/** What fixes payment T3_i. */
export interface SpillmanPaymentParams {
  /** From {@link verifySpillmanParams}. */
  readonly ctx: SpillmanContext;
  /** i, from 1: each payment's is one more than the last. */
  readonly index: number;
  /** a_i, the receiver's total after it, in satoshis. */
  readonly amount: bigint;
}

/** What fixes the cooperative close. */
export interface SpillmanCloseParams {
  /** From {@link verifySpillmanParams}. */
  readonly ctx: SpillmanContext;
  /** The receiver's final total: the last payment's. */
  readonly amount: bigint;
  /** The close's fee rate, sat/kw, paid from the sender's side. */
  readonly feeRate: FeeRate;
}

/**
 * The refund's fields: L, a non-final nSequence, the capacity less the fee to the sender.
 *
 * @param p - The channel and, optionally, the nSequence and the fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context, or `sequence` not a uint32.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `sequence` is final, which voids the lock.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee at `feeRate` leaves the sender a dust output.
 */
export function spillmanRefundSpend(p: SpillmanRefundParams): FundingSpendParams {
  expectObject(p, 'refund params');
  const ctx = expectSpillmanContext(p.ctx);
  const sequence = p.sequence ?? SPILLMAN_SEQUENCE;
  if (!Number.isSafeInteger(sequence) || sequence < 0 || sequence > SEQUENCE_FINAL) fail('INVALID_ARGUMENT', 'sequence must be a uint32');
  if (sequence === SEQUENCE_FINAL) fail('INVALID_TIMELOCK', 'a final nSequence makes the refund\'s nLockTime void: it could be broadcast at once', { sequence });
  let fee = ctx.refundFee;
  if (p.feeRate !== undefined) {
    checkFeeRate(p.feeRate);
    fee = feeForWeight(spillmanWeights(ctx.params.form).refund, p.feeRate);
    if (ctx.params.capacity - fee < DUST_P2WPKH) fail('FEE_EXCEEDS_OUTPUT', 'the refund\'s fee leaves a dust output', { fee: fee.toString() });
  }
  return {
    funding: ctx.funding,
    locktime: ctx.lockTimeValue,
    sequence,
    outputs: [{ script: ctx.senderPayoutScript, value: ctx.params.capacity - fee }],
  };
}

/**
 * The unsigned refund T2.
 *
 * @param p - The channel and, optionally, the nSequence and the fee rate.
 * @returns A version-2 transaction with nLockTime L.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context, or `sequence` not a uint32.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `sequence` is final, which voids the lock.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee at `feeRate` leaves the sender a dust output.
 *
 * @example
 * ```ts
 * const refund = buildSpillmanRefundTx({ ctx });
 * ```
 */
export function buildSpillmanRefundTx(p: SpillmanRefundParams): Transaction {
  return buildFundingSpendTx(spillmanRefundSpend(p));
}

function checkIndex(index: number): number {
  if (!Number.isSafeInteger(index) || index < 1 || index > MAX_SPILLMAN_INDEX) fail('INVALID_ARGUMENT', `payment index must be an integer in [1, ${MAX_SPILLMAN_INDEX}]`);
  return index;
}

/** The receiver's amount and the sender's rest less `fee`, the rest left out when dust. */
function splitOutputs(ctx: SpillmanContext, amount: bigint, fee: bigint, receiverMayBeEmpty: boolean): TxOut[] {
  if (typeof amount !== 'bigint') fail('INVALID_AMOUNT', 'amount must be a bigint');
  if (amount < 0n) fail('INVALID_AMOUNT', 'amount must not be negative');
  if (!(receiverMayBeEmpty && amount === 0n) && amount < DUST_P2WPKH) {
    fail('AMOUNT_BELOW_DUST', `the receiver's output of ${amount} sat is below the dust limit ${DUST_P2WPKH}`, { amount: amount.toString(), dust: DUST_P2WPKH.toString() });
  }
  const rest = ctx.params.capacity - amount - fee;
  if (rest < 0n) {
    fail('AMOUNT_EXCEEDS_CAPACITY', 'the amount and the fee exceed the capacity', { amount: amount.toString(), fee: fee.toString() });
  }
  const outputs: TxOut[] = [];
  if (amount > 0n) outputs.push({ script: ctx.receiverPayoutScript, value: amount });
  // A dust change goes to the fee: the transaction would not relay with it.
  if (rest >= DUST_P2WPKH) outputs.push({ script: ctx.senderPayoutScript, value: rest });
  if (outputs.length === 0) fail('FEE_EXCEEDS_OUTPUT', 'every output would be dust');
  return outputs;
}

/**
 * Payment T3_i's fields: nLockTime LOCKTIME_THRESHOLD + i, a non-final
 * nSequence, the receiver's total, the rest to the sender less the payment fee.
 *
 * @param p - The channel, the index and the receiver's total.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context, or `index` not in [1, MAX_SPILLMAN_INDEX].
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not a non-negative bigint.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if `amount` is below the P2WPKH dust limit.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if `amount` plus the fee exceeds the capacity.
 */
export function spillmanPaymentSpend(p: SpillmanPaymentParams): FundingSpendParams {
  expectObject(p, 'payment params');
  const ctx = expectSpillmanContext(p.ctx);
  const index = checkIndex(p.index);
  return {
    funding: ctx.funding,
    locktime: LOCKTIME_THRESHOLD + index,
    sequence: SPILLMAN_SEQUENCE,
    outputs: splitOutputs(ctx, p.amount, ctx.paymentFee, false),
  };
}

/**
 * The unsigned payment T3_i.
 *
 * @param p - The channel, the index and the receiver's total.
 * @returns A version-2 transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context, or `index` not in [1, MAX_SPILLMAN_INDEX].
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not a non-negative bigint.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if `amount` is below the P2WPKH dust limit.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if `amount` plus the fee exceeds the capacity.
 *
 * @example
 * ```ts
 * const t3 = buildSpillmanPaymentTx({ ctx, index: 7, amount: 70_000n });
 * ```
 */
export function buildSpillmanPaymentTx(p: SpillmanPaymentParams): Transaction {
  return buildFundingSpendTx(spillmanPaymentSpend(p));
}

/**
 * The close's fields: nLockTime {@link SPILLMAN_CLOSE_LOCKTIME}, a non-final
 * nSequence, the receiver's total (none if 0), the rest to the sender less
 * the fee at `feeRate`.
 *
 * @param p - The channel, the receiver's total and the fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object or `ctx` not a checked context.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not a non-negative bigint.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if `amount` is neither 0 nor at least the P2WPKH dust limit.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if `amount` plus the fee exceeds the capacity.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if every output would be dust.
 */
export function spillmanCloseSpend(p: SpillmanCloseParams): FundingSpendParams {
  expectObject(p, 'close params');
  const ctx = expectSpillmanContext(p.ctx);
  checkFeeRate(p.feeRate);
  const fee = feeForWeight(spillmanWeights(ctx.params.form).payment, p.feeRate);
  return {
    funding: ctx.funding,
    locktime: SPILLMAN_CLOSE_LOCKTIME,
    sequence: SPILLMAN_SEQUENCE,
    outputs: splitOutputs(ctx, p.amount, fee, true),
  };
}

/**
 * The unsigned cooperative close.
 *
 * @param p - The channel, the receiver's total and the fee rate.
 * @returns A version-2 transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object or `ctx` not a checked context.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not a non-negative bigint.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if `amount` is neither 0 nor at least the P2WPKH dust limit.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if `amount` plus the fee exceeds the capacity.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if every output would be dust.
 *
 * @example
 * ```ts
 * const close = buildSpillmanCloseTx({ ctx, amount: 70_000n, feeRate: 2000n });
 * ```
 */
export function buildSpillmanCloseTx(p: SpillmanCloseParams): Transaction {
  return buildFundingSpendTx(spillmanCloseSpend(p));
}
