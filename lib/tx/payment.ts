/**
 * Payment transactions of state i. Both versions spend the funding output with
 * the same amounts; they differ only in the sender's output: revocable (P2WSH
 * with K_i) in the sender's version, plain P2WPKH in the receiver's.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectBytes, expectObject, expectUint32 } from '../arguments';
import { fail } from '../errors';
import { expectContext } from './context';
import { FUNDING_TEMPLATE } from '../scripts/templates';
import { assembleWitness } from '../scripts/witness';
import { sortedFundingKeys } from '../scripts/compile';
import { DUST_P2WPKH, DUST_P2WSH, PublicKey, asPublicKey, checkAmount } from '../types';
import { bytesEqual } from './hash';
import { ChannelContext, ChannelParams, TX_VERSION, verifyChannelParams } from './channel-params';
import { TxOut } from './outputs';
import { sha256PartsInto } from './sha256';
import { checkTxOuts } from './check-outputs';
import { checkState, encodeStateNumber } from './state-number';

export type PaymentVersion = 'sender' | 'receiver';

export interface ReceiverPaymentParams {
  readonly channel: ChannelParams;
  readonly state: bigint;
  /** Total paid to the receiver so far, a_i. */
  readonly amount: bigint;
}

export interface SenderPaymentParams extends ReceiverPaymentParams {
  /** K_i, the sender's per-update key of this state. */
  readonly updateKey: PublicKey;
}

/** The sender's balance in state i after fees; refuses amounts the channel cannot pay. */
export function senderBalance(ctx: ChannelContext, amount: bigint): bigint {
  expectContext(ctx);
  if (typeof amount !== 'bigint' || amount < 0n || amount > ctx.params.capacity) {
    fail('INVALID_AMOUNT', 'amount must be a bigint in [0, capacity]');
  }
  const rest = ctx.params.capacity - amount - ctx.paymentFee;
  if (rest < 0n) fail('FEE_EXCEEDS_OUTPUT', 'amount plus the payment fee exceeds the capacity', { amount: amount.toString() });
  return rest;
}

/** Outputs in a fixed order (receiver, then sender); dust outputs are left out and go to fees. */
export function paymentOutputs(ctx: ChannelContext, amount: bigint, senderScript: Uint8Array, senderDust: bigint): TxOut[] {
  expectContext(ctx);
  expectBytes(senderScript, 'sender script');
  checkAmount(senderDust, 'sender dust limit');
  const rest = senderBalance(ctx, amount);
  const outs: TxOut[] = [];
  if (amount >= DUST_P2WPKH) outs.push({ script: ctx.receiverPayoutScript, value: amount });
  if (rest >= senderDust) outs.push({ script: senderScript, value: rest });
  if (outs.length === 0) fail('FEE_EXCEEDS_OUTPUT', 'every output would be dust: the transaction would have none', { amount: amount.toString() });
  return outs;
}

export function senderPaymentOutputs(ctx: ChannelContext, amount: bigint, updateKey: PublicKey): TxOut[] {
  expectContext(ctx);
  return paymentOutputs(ctx, amount, revocableOutputScript(ctx, updateKey), DUST_P2WSH);
}

/**
 * p2wshScript(revocableScriptFor(ctx, updateKey)), hashed from the channel's
 * fixed parts around K_i instead of joining them first: each party does this
 * once per payment, and the joined script is needed only to spend the output.
 */
function revocableOutputScript(ctx: ChannelContext, updateKey: PublicKey): Uint8Array {
  expectBytes(updateKey, 'updateKey', 33);
  const { before, after } = ctx.revocableParts;
  const out = new Uint8Array(34);
  out[1] = 0x20;
  sha256PartsInto([before, updateKey, after], out, 2);
  return out;
}

export function receiverPaymentOutputs(ctx: ChannelContext, amount: bigint): TxOut[] {
  expectContext(ctx);
  return paymentOutputs(ctx, amount, ctx.senderPayoutScript, DUST_P2WPKH);
}

/** BIP 143 hash both parties sign for a payment version, from the channel's cached pieces. */
export function paymentSighash(ctx: ChannelContext, state: bigint, outputs: readonly TxOut[]): Uint8Array {
  expectContext(ctx);
  const { locktime, sequence } = encodeStateNumber(state, ctx.obscuringFactor);
  return ctx.sighash.hash(sequence, locktime, outputs);
}

/** A one-input spend of the funding output. */
export function fundingSpendTx(ctx: ChannelContext, locktime: number, sequence: number, outputs: readonly TxOut[]): Transaction {
  expectContext(ctx);
  expectUint32(locktime, 'locktime');
  expectUint32(sequence, 'sequence');
  checkTxOuts(outputs);
  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = locktime;
  tx.addInput(ctx.fundingHash, ctx.params.fundingOutpoint.vout, sequence);
  for (const o of outputs) tx.addOutput(o.script, o.value);
  return tx;
}

export function paymentTx(ctx: ChannelContext, state: bigint, outputs: readonly TxOut[]): Transaction {
  expectContext(ctx);
  const { locktime, sequence } = encodeStateNumber(state, ctx.obscuringFactor);
  return fundingSpendTx(ctx, locktime, sequence, outputs);
}

/** Fills in the 2-of-2 witness: signatures go in the script's sorted key order. */
export function setFundingWitness(ctx: ChannelContext, tx: Transaction, senderSig: Uint8Array, receiverSig: Uint8Array): void {
  expectContext(ctx);
  if (!(tx instanceof Transaction) || tx.ins.length !== 1) fail('INVALID_TRANSACTION', 'a one-input spend of the funding output is needed');
  expectBytes(senderSig, 'senderSig');
  expectBytes(receiverSig, 'receiverSig');
  const [first] = sortedFundingKeys(ctx.params);
  const senderFirst = bytesEqual(first, ctx.params.senderFundingKey);
  const sigs = senderFirst ? { key_1: senderSig, key_2: receiverSig } : { key_1: receiverSig, key_2: senderSig };
  tx.setWitness(0, assembleWitness(FUNDING_TEMPLATE, 'multisig', sigs, ctx.fundingScript));
}

export function buildSenderPaymentTx(p: SenderPaymentParams): Transaction {
  expectObject(p, 'payment params');
  const ctx = verifyChannelParams(p.channel);
  checkState(p.state);
  asPublicKey(p.updateKey, 'updateKey');
  return paymentTx(ctx, p.state, senderPaymentOutputs(ctx, p.amount, p.updateKey));
}

export function buildReceiverPaymentTx(p: ReceiverPaymentParams): Transaction {
  expectObject(p, 'payment params');
  const ctx = verifyChannelParams(p.channel);
  checkState(p.state);
  return paymentTx(ctx, p.state, receiverPaymentOutputs(ctx, p.amount));
}
