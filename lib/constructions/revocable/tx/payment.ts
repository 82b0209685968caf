/**
 * Payment transactions of state i. Both versions spend the funding output with
 * the same amounts; they differ only in the sender's output: revocable (P2WSH
 * with K_i) in the sender's version, plain P2WPKH in the receiver's.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectBytes, expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { expectContext } from '../context';
import { DUST_P2WPKH, DUST_P2WSH, PublicKey, asPublicKey, checkAmount } from '../../../core/types';
import { ChannelContext, ChannelParams, verifyChannelParams } from '../params';
import { TxOut } from '../../../tx/outputs';
import { buildFundingSpendTx, setFundingSpendWitness } from '../../../tx/funding-spend';
import { sha256PartsInto } from '../../../core/sha256';
import { encodeObscuredIndex } from './state-number';
import { paymentIndex } from './index-param';
import { Htlc } from '../../../tx/htlcs';
import { paymentVersionOutputs } from './htlc-version';

/** Whose version of a state's payment transaction: the sender's has the revocable output, the receiver's a plain one. */
export type PaymentVersion = 'sender' | 'receiver';

/** What fixes the receiver's version of a payment transaction. */
export interface ReceiverPaymentParams {
  /** The channel's parameters, checked on each call. */
  readonly channel: ChannelParams;
  /** The state's index i, in [0, 2^48-1]. */
  readonly index: bigint;
  /** Total paid to the receiver so far, a_i. */
  readonly amount: bigint;
  /** The HTLCs the sender offered that are pending in this state (none if absent); they need the channel's `htlc` terms. */
  readonly htlcs?: readonly Htlc[];
}

/**
 * Payment params with the index under its old name, `state`, as before the
 * rename; the builders and PSBT creators still take them.
 *
 * @deprecated Spell the field `index`; the next release takes only that.
 */
export type WithStateSpelling<P extends ReceiverPaymentParams> = Omit<P, 'index'> & {
  /** @deprecated The old name of `index`. */
  readonly state: bigint;
};

/** What fixes the sender's version of a payment transaction. */
export interface SenderPaymentParams extends ReceiverPaymentParams {
  /** K_i, the sender's per-update key of this state. */
  readonly updateKey: PublicKey;
}

/**
 * The sender's balance in state i after fees; refuses amounts the channel cannot pay.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param amount - Total paid to the receiver so far.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not a bigint in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity.
 */
export function senderBalance(ctx: ChannelContext, amount: bigint): bigint {
  expectContext(ctx);
  if (typeof amount !== 'bigint' || amount < 0n || amount > ctx.params.capacity) {
    fail('INVALID_AMOUNT', 'amount must be a bigint in [0, capacity]');
  }
  const rest = ctx.params.capacity - amount - ctx.paymentFee;
  if (rest < 0n) fail('FEE_EXCEEDS_OUTPUT', 'amount plus the payment fee exceeds the capacity', { amount: amount.toString() });
  return rest;
}

/**
 * A payment's outputs. In a fixed order (receiver, then sender); dust outputs are left out and go to fees.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param amount - Total paid to the receiver so far.
 * @param senderScript - The sender's output script in this version.
 * @param senderDust - The dust limit of `senderScript`'s type.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `senderScript` not bytes.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity] or `senderDust` is not an amount.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the fee exceeds the capacity, or every output would be dust.
 */
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

/**
 * The outputs of the sender's version of a state: the receiver's P2WPKH, the sender's revocable P2WSH.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param amount - Total paid to the receiver so far.
 * @param updateKey - K_i, already checked.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `updateKey` is not 33 bytes.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the fee exceeds the capacity, or every output would be dust.
 */
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

/**
 * The outputs of the receiver's version of a state: the receiver's P2WPKH, the sender's P2WPKH.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param amount - Total paid to the receiver so far.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the fee exceeds the capacity, or every output would be dust.
 */
export function receiverPaymentOutputs(ctx: ChannelContext, amount: bigint): TxOut[] {
  expectContext(ctx);
  return paymentOutputs(ctx, amount, ctx.senderPayoutScript, DUST_P2WPKH);
}

/**
 * BIP 143 hash both parties sign for a payment version, from the channel's cached pieces.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param index - The state's index.
 * @param outputs - The version's outputs.
 * @returns The 32-byte sighash of the funding input.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context, `index` is out of range or `outputs` is not an array.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
 */
export function paymentSighash(ctx: ChannelContext, index: bigint, outputs: readonly TxOut[]): Uint8Array {
  expectContext(ctx);
  const { locktime, sequence } = encodeObscuredIndex(index, ctx.obscuringFactor);
  return ctx.sighash.hash(sequence, locktime, outputs);
}

/**
 * A one-input spend of the funding output.
 *
 * @deprecated Use `buildFundingSpendTx({ funding: ctx.funding, locktime, sequence, outputs })`, which any construction's funding spend is built with; this will be removed in the next release.
 * @param ctx - From {@link verifyChannelParams}.
 * @param locktime - The transaction's nLockTime.
 * @param sequence - The funding input's nSequence.
 * @param outputs - The outputs, in order.
 * @returns The unsigned transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `locktime`/`sequence` is not a uint32.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
 */
export function fundingSpendTx(ctx: ChannelContext, locktime: number, sequence: number, outputs: readonly TxOut[]): Transaction {
  expectContext(ctx);
  return buildFundingSpendTx({ funding: ctx.funding, locktime, sequence, outputs });
}

/**
 * The unsigned payment transaction of a state, with its obscured index in nLockTime and nSequence.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param index - The state's index.
 * @param outputs - From {@link senderPaymentOutputs} or {@link receiverPaymentOutputs}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `index` is out of range.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
 */
export function paymentTx(ctx: ChannelContext, index: bigint, outputs: readonly TxOut[]): Transaction {
  expectContext(ctx);
  const { locktime, sequence } = encodeObscuredIndex(index, ctx.obscuringFactor);
  return buildFundingSpendTx({ funding: ctx.funding, locktime, sequence, outputs });
}

/**
 * Fills in the 2-of-2 witness: signatures go in the script's sorted key order.
 *
 * @deprecated Use `setFundingSpendWitness(ctx.funding, tx, { senderSig, receiverSig })`, which any construction's funding spend is completed with; this will be removed in the next release.
 * @param ctx - From {@link verifyChannelParams}.
 * @param tx - A one-input spend of the funding output; changed in place.
 * @param senderSig - The sender's signature, with its sighash byte.
 * @param receiverSig - The receiver's signature, with its sighash byte.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or a signature is not bytes.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction that spends the funding output alone.
 */
export function setFundingWitness(ctx: ChannelContext, tx: Transaction, senderSig: Uint8Array, receiverSig: Uint8Array): void {
  expectContext(ctx);
  setFundingSpendWitness(ctx.funding, tx, { senderSig, receiverSig });
}

/**
 * The sender's version of state i, unsigned: the receiver's P2WPKH, the sender's revocable output with K_i, and an output per pending HTLC above dust.
 *
 * @param p - The channel, the state's index, the amount paid so far and K_i (`state` for `index` is the deprecated spelling).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, or `index` is not in [0, 2^48-1] or disagrees with `state`.
@throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `htlcs` is malformed, or given non-empty on a channel without HTLC terms.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if there are more than MAX_HTLCS HTLCs.
 * @throws {@link ChannelError} `HTLC_DUST_EXPOSURE` if the trimmed HTLCs exceed the channel's `maxDustExposure`.
 *
 * @example
 * ```ts
 * const tx = buildSenderPaymentTx({ channel: params, index: 3n, amount: 30_000n, updateKey: deriveUpdateKey(seed, 3n) });
 * ```
 */
export function buildSenderPaymentTx(p: SenderPaymentParams | WithStateSpelling<SenderPaymentParams>): Transaction {
  expectObject(p, 'payment params');
  const ctx = verifyChannelParams(p.channel);
  const index = paymentIndex(p);
  asPublicKey(p.updateKey, 'updateKey');
  if (p.htlcs === undefined) return paymentTx(ctx, index, senderPaymentOutputs(ctx, p.amount, p.updateKey));
  return paymentTx(ctx, index, paymentVersionOutputs(ctx, { version: 'sender', amount: p.amount, updateKey: p.updateKey, htlcs: p.htlcs }).outputs);
}

/**
 * The receiver's version of state i, unsigned: both balances plain P2WPKH, and an output per pending HTLC above dust.
 *
 * @param p - The channel, the state's index and the amount paid so far (`state` for `index` is the deprecated spelling).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, or `index` is not in [0, 2^48-1] or disagrees with `state`.
@throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `htlcs` is malformed, or given non-empty on a channel without HTLC terms.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if there are more than MAX_HTLCS HTLCs.
 * @throws {@link ChannelError} `HTLC_DUST_EXPOSURE` if the trimmed HTLCs exceed the channel's `maxDustExposure`.
 *
 * @example
 * ```ts
 * const tx = buildReceiverPaymentTx({ channel: params, index: 3n, amount: 30_000n });
 * ```
 */
export function buildReceiverPaymentTx(p: ReceiverPaymentParams | WithStateSpelling<ReceiverPaymentParams>): Transaction {
  expectObject(p, 'payment params');
  const ctx = verifyChannelParams(p.channel);
  const index = paymentIndex(p);
  if (p.htlcs === undefined) return paymentTx(ctx, index, receiverPaymentOutputs(ctx, p.amount));
  return paymentTx(ctx, index, paymentVersionOutputs(ctx, { version: 'receiver', amount: p.amount, htlcs: p.htlcs }).outputs);
}
