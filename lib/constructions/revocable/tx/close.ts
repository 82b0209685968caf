/**
 * Cooperative close: plain outputs at a fee rate agreed at close time,
 * nLockTime 0 and a final sequence, so it is distinguishable from every
 * payment version by its fields alone.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { expectContext } from '../context';
import { DUST_P2WPKH, FeeRate, checkFeeRate, feeForWeight } from '../../../core/types';
import { ChannelContext, ChannelParams, verifyChannelParams } from '../params';
import { TxOut } from '../../../tx/outputs';
import { buildFundingSpendTx } from '../../../tx/funding-spend';
import { CLOSE_WEIGHT } from './weights';

/** The close's nLockTime: 0, which no payment version has (theirs carry 0x20 in the top byte). */
export const CLOSE_LOCKTIME = 0;
/** The close's nSequence: final, which no payment version has. */
export const CLOSE_SEQUENCE = 0xffffffff;

/** What fixes the cooperative close. */
export interface CloseParams {
  /** The channel's parameters, checked on each call. */
  readonly channel: ChannelParams;
  /** Final amount paid to the receiver. */
  readonly amount: bigint;
  /** The close's fee rate, sat/kw, paid from the sender's balance. */
  readonly feeRate: FeeRate;
}

/**
 * The close's outputs: the receiver's amount and the sender's balance less the fee, each left out if dust.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param amount - Final amount paid to the receiver.
 * @param feeRate - The close's fee rate, sat/kw.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not a bigint in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
 */
export function closeOutputs(ctx: ChannelContext, amount: bigint, feeRate: FeeRate): TxOut[] {
  expectContext(ctx);
  checkFeeRate(feeRate);
  const cap = ctx.params.capacity;
  if (typeof amount !== 'bigint' || amount < 0n || amount > cap) fail('INVALID_AMOUNT', 'amount must be a bigint in [0, capacity]');
  const fee = feeForWeight(CLOSE_WEIGHT, feeRate);
  const rest = cap - amount - fee;
  if (rest < 0n) fail('FEE_EXCEEDS_OUTPUT', 'close fee exceeds the sender balance', { fee: fee.toString() });
  const outs: TxOut[] = [];
  if (amount >= DUST_P2WPKH) outs.push({ script: ctx.receiverPayoutScript, value: amount });
  if (rest >= DUST_P2WPKH) outs.push({ script: ctx.senderPayoutScript, value: rest });
  if (outs.length === 0) fail('FEE_EXCEEDS_OUTPUT', 'every output would be dust: the transaction would have none', { fee: fee.toString() });
  return outs;
}

/**
 * The BIP 143 hash both parties sign for the close.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param outputs - From {@link closeOutputs}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `outputs` not an array.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
 */
export function closeSighash(ctx: ChannelContext, outputs: readonly TxOut[]): Uint8Array {
  expectContext(ctx);
  return ctx.sighash.hash(CLOSE_SEQUENCE, CLOSE_LOCKTIME, outputs);
}

/**
 * The unsigned close with these outputs.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param outputs - From {@link closeOutputs}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `outputs` not an array.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
 */
export function closeTx(ctx: ChannelContext, outputs: readonly TxOut[]): Transaction {
  expectContext(ctx);
  return buildFundingSpendTx({ funding: ctx.funding, locktime: CLOSE_LOCKTIME, sequence: CLOSE_SEQUENCE, outputs });
}

/**
 * The unsigned cooperative close: plain outputs, nLockTime 0, a final sequence.
 *
 * @param p - The channel, the final amount and the close's fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
 *
 * @example
 * ```ts
 * const tx = buildCooperativeCloseTx({ channel: params, amount: 30_000n, feeRate: 1000n });
 * ```
 */
export function buildCooperativeCloseTx(p: CloseParams): Transaction {
  expectObject(p, 'close params');
  const ctx = verifyChannelParams(p.channel);
  return closeTx(ctx, closeOutputs(ctx, p.amount, p.feeRate));
}
