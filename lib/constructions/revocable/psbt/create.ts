/**
 * The revocable construction's transactions as PSBTs, for hardware wallets
 * and interop. Each is a wrapper around the same builder the hot path uses,
 * described as a plan (lib/tx/plan.ts) for the generic PSBT maker, so a
 * PSBT's unsigned transaction is byte-equal to what revchan signs without PSBT.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { asPublicKey } from '../../../core/types';
import { KeyOrigin } from '../../../psbt/key-origin';
import { ChannelKeyOrigins, channelOriginList } from './key-origins';
import { psbtFromPlan } from '../../../psbt/from-plan';
import { planFundingSpend } from '../../../tx/funding-spend';
import { ChannelContext, revocableScriptFor, verifyChannelParams } from '../params';
import { CloseParams, closeOutputs, closeTx } from '../tx/close';
import {
  ReceiverPaymentParams, SenderPaymentParams, WithStateSpelling, paymentTx, receiverPaymentOutputs, senderPaymentOutputs,
} from '../tx/payment';
import { PenaltyParams, planPenalty } from '../tx/penalty';
import { TimeoutParams, planTimeout } from '../tx/timeout';
import { paymentIndex } from '../tx/index-param';
import { paymentVersionOutputs } from '../tx/htlc-version';
import { HtlcClaimParams, planHtlcClaim } from '../tx/htlc-claims';

/** Options are optional, but an options argument that is given must be an object. */
function optionsOf<T>(opts: T): T {
  return expectObject(opts, 'options');
}

function fundingSpendPsbt(ctx: ChannelContext, tx: Transaction, origins: readonly KeyOrigin[], fundingTx: Uint8Array | undefined, witnessScripts: readonly Uint8Array[]): Psbt {
  return psbtFromPlan(planFundingSpend(ctx.funding, tx, { fundingTx, outputWitnessScripts: witnessScripts }), origins);
}

/** What a PSBT of a funding spend carries beyond the transaction. */
export interface ChannelPsbtOptions {
  /** Origins of the channel's keys, as bip32Derivation of the inputs and outputs they appear in. */
  readonly origins?: ChannelKeyOrigins | readonly KeyOrigin[];
  /** The funding transaction, added as nonWitnessUtxo for wallets that insist on it. */
  readonly fundingTx?: Uint8Array;
}

/**
 * The sender's version of a state as a PSBT of the funding input.
 *
 * @param p - As {@link buildSenderPaymentTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, `opts.origins` is neither an array nor an object by role, or `index` is not in [0, 2^48-1] or disagrees with `state`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createSenderPaymentPsbt(p: SenderPaymentParams | WithStateSpelling<SenderPaymentParams>, opts: ChannelPsbtOptions = {}): Psbt {
  expectObject(p, 'payment params');
  optionsOf(opts);
  const ctx = verifyChannelParams(p.channel);
  const index = paymentIndex(p);
  asPublicKey(p.updateKey, 'updateKey');
  if (p.htlcs === undefined) {
    const tx = paymentTx(ctx, index, senderPaymentOutputs(ctx, p.amount, p.updateKey));
    return fundingSpendPsbt(ctx, tx, channelOriginList(opts.origins), opts.fundingTx, [revocableScriptFor(ctx, p.updateKey)]);
  }
  const v = paymentVersionOutputs(ctx, { version: 'sender', amount: p.amount, updateKey: p.updateKey, htlcs: p.htlcs });
  const scripts = [revocableScriptFor(ctx, p.updateKey), ...v.htlcOutputs.map((o) => o.witnessScript)];
  return fundingSpendPsbt(ctx, paymentTx(ctx, index, v.outputs), channelOriginList(opts.origins), opts.fundingTx, scripts);
}

/**
 * The receiver's version of a state as a PSBT of the funding input.
 *
 * @param p - As {@link buildReceiverPaymentTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, `opts.origins` is neither an array nor an object by role, or `index` is not in [0, 2^48-1] or disagrees with `state`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createReceiverPaymentPsbt(p: ReceiverPaymentParams | WithStateSpelling<ReceiverPaymentParams>, opts: ChannelPsbtOptions = {}): Psbt {
  expectObject(p, 'payment params');
  optionsOf(opts);
  const ctx = verifyChannelParams(p.channel);
  if (p.htlcs === undefined) {
    const tx = paymentTx(ctx, paymentIndex(p), receiverPaymentOutputs(ctx, p.amount));
    return fundingSpendPsbt(ctx, tx, channelOriginList(opts.origins), opts.fundingTx, []);
  }
  const v = paymentVersionOutputs(ctx, { version: 'receiver', amount: p.amount, htlcs: p.htlcs });
  return fundingSpendPsbt(ctx, paymentTx(ctx, paymentIndex(p), v.outputs), channelOriginList(opts.origins), opts.fundingTx, v.htlcOutputs.map((o) => o.witnessScript));
}

/**
 * The cooperative close as a PSBT of the funding input.
 *
 * @param p - As {@link buildCooperativeCloseTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createClosePsbt(p: CloseParams, opts: ChannelPsbtOptions = {}): Psbt {
  expectObject(p, 'close params');
  optionsOf(opts);
  const ctx = verifyChannelParams(p.channel);
  const tx = closeTx(ctx, closeOutputs(ctx, p.amount, p.feeRate));
  return fundingSpendPsbt(ctx, tx, channelOriginList(opts.origins), opts.fundingTx, []);
}

function revocableSpendPsbt(tx: Transaction, spent: Uint8Array, scripts: readonly (Uint8Array | undefined)[], origins: readonly KeyOrigin[]): Psbt {
  const prev = Transaction.fromBuffer(spent);
  const inputs = tx.ins.map((input, i) => {
    const out = prev.outs[input.index]!;
    const ws = scripts[i];
    return { prevout: { script: out.script, value: out.value }, prevTx: spent, ...(ws ? { witnessScript: ws } : {}) };
  });
  return psbtFromPlan({ tx, inputs, outputWitnessScripts: [] }, origins);
}

/**
 * The penalty claim as a PSBT, with the revoked transaction as each input's nonWitnessUtxo.
 *
 * @param p - As {@link buildPenaltyTx}.
 * @param opts - Key origins.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_SCRIPT`, `INVALID_FEE_RATE`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM` or `FEE_EXCEEDS_OUTPUT` as {@link planPenalty}.
 */
export function createPenaltyPsbt(p: PenaltyParams, opts: {
  /** Origins of the channel's and the wallet's keys. */
  origins?: ChannelKeyOrigins | readonly KeyOrigin[];
} = {}): Psbt {
  expectObject(p, 'penalty params');
  optionsOf(opts);
  const plan = planPenalty(verifyChannelParams(p.channel), p);
  const scripts = plan.inputs.map((i) => (i.kind === 'receiver' ? undefined : i.scriptCode));
  return revocableSpendPsbt(plan.tx, p.revokedTx, scripts, channelOriginList(opts.origins));
}

/**
 * The timeout sweep as a PSBT, with the sender's version as its input's nonWitnessUtxo.
 *
 * @param p - As {@link buildTimeoutTx}.
 * @param opts - Key origins.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_SCRIPT`, `INVALID_FEE_RATE`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM` or `FEE_EXCEEDS_OUTPUT` as {@link planTimeout}.
 */
export function createTimeoutPsbt(p: TimeoutParams, opts: {
  /** Origins of the channel's and the wallet's keys. */
  origins?: ChannelKeyOrigins | readonly KeyOrigin[];
} = {}): Psbt {
  expectObject(p, 'timeout params');
  optionsOf(opts);
  const plan = planTimeout(verifyChannelParams(p.channel), p);
  return revocableSpendPsbt(plan.tx, p.senderTx, [plan.revocable.witnessScript], channelOriginList(opts.origins));
}

/**
 * The success claim of an HTLC output as a PSBT, the version as its input's
 * nonWitnessUtxo; add the preimage with `addPreimage` (a PSBT_IN_SHA256
 * record) and finalize with the branch named: `finalizePsbt(psbt, { branches: { 0: 'success' } })`.
 *
 * @param p - As {@link buildHtlcSuccessTx}.
 * @param opts - Key origins.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM`, `INVALID_SCRIPT`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` as {@link planHtlcClaim}.
 *
 * @example
 * ```ts
 * const psbt = createHtlcSuccessPsbt({ channel, version: 'receiver', versionTx, htlc, destinationScript, feeRate });
 * addPreimage(psbt, 0, preimage);
 * ```
 */
export function createHtlcSuccessPsbt(p: HtlcClaimParams, opts: {
  /** Origins of the channel's and the wallet's keys. */
  origins?: ChannelKeyOrigins | readonly KeyOrigin[];
} = {}): Psbt {
  expectObject(p, 'htlc claim params');
  optionsOf(opts);
  const plan = planHtlcClaim(verifyChannelParams(p.channel), 'success', p);
  return revocableSpendPsbt(plan.tx, p.versionTx, [plan.output.witnessScript], channelOriginList(opts.origins));
}

/**
 * The timeout claim of an HTLC output as a PSBT, the version as its input's
 * nonWitnessUtxo; finalize with `finalizePsbt(psbt, { branches: { 0: 'timeout' } })`.
 *
 * @param p - As {@link buildHtlcTimeoutTx}.
 * @param opts - Key origins.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM`, `INVALID_SCRIPT`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` as {@link planHtlcClaim}.
 */
export function createHtlcTimeoutPsbt(p: HtlcClaimParams, opts: {
  /** Origins of the channel's and the wallet's keys. */
  origins?: ChannelKeyOrigins | readonly KeyOrigin[];
} = {}): Psbt {
  expectObject(p, 'htlc claim params');
  optionsOf(opts);
  const plan = planHtlcClaim(verifyChannelParams(p.channel), 'timeout', p);
  return revocableSpendPsbt(plan.tx, p.versionTx, [plan.output.witnessScript], channelOriginList(opts.origins));
}
