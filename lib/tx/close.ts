/**
 * Cooperative close: plain outputs at a fee rate agreed at close time,
 * nLockTime 0 and a final sequence, so it is distinguishable from every
 * payment version by its fields alone.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../arguments';
import { fail } from '../errors';
import { expectContext } from './context';
import { DUST_P2WPKH, FeeRate, checkFeeRate, feeForWeight } from '../types';
import { ChannelContext, ChannelParams, verifyChannelParams } from './channel-params';
import { TxOut } from './outputs';
import { fundingSpendTx } from './payment';
import { CLOSE_WEIGHT } from './weights';

export const CLOSE_LOCKTIME = 0;
export const CLOSE_SEQUENCE = 0xffffffff;

export interface CloseParams {
  readonly channel: ChannelParams;
  /** Final amount paid to the receiver. */
  readonly amount: bigint;
  readonly feeRate: FeeRate;
}

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

export function closeSighash(ctx: ChannelContext, outputs: readonly TxOut[]): Uint8Array {
  expectContext(ctx);
  return ctx.sighash.hash(CLOSE_SEQUENCE, CLOSE_LOCKTIME, outputs);
}

export function closeTx(ctx: ChannelContext, outputs: readonly TxOut[]): Transaction {
  return fundingSpendTx(ctx, CLOSE_LOCKTIME, CLOSE_SEQUENCE, outputs);
}

export function buildCooperativeCloseTx(p: CloseParams): Transaction {
  expectObject(p, 'close params');
  const ctx = verifyChannelParams(p.channel);
  return closeTx(ctx, closeOutputs(ctx, p.amount, p.feeRate));
}
