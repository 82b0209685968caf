/**
 * The outputs of a payment version that carries HTLCs the sender offered:
 * the receiver's balance, the sender's balance (revocable in the sender's
 * version), then one output per HTLC large enough to be one, in the shared
 * order (lib/tx/htlcs.ts). Both versions trim the same HTLCs, so they have
 * as many outputs of each size and pay the same fee; the fee is computed
 * from the real weight, each HTLC output adding its own.
 */
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { DUST_P2WPKH, DUST_P2WSH, FeeRate, PublicKey, asPublicKey, checkAmount, feeForWeight } from '../../../core/types';
import { Htlc, HtlcOutput, MAX_HTLCS, arrangeHtlcOutputs, checkHtlcs } from '../../../tx/htlcs';
import { TxOut, p2wshScript } from '../../../tx/outputs';
import { FUNDING_SPEND_INPUT, segwitTxWeight } from '../../../tx/weights';
import { expectContext } from '../context';
import { ChannelContext, HtlcTerms, revocableScriptFor } from '../params';
import { compileHtlcReceiverScript, compileHtlcSenderScript } from '../templates';
import type { PaymentVersion } from './payment';

const P2WPKH_LEN = 22;
const P2WSH_LEN = 34;

/**
 * The weight of a payment version with `htlcOutputs` HTLC outputs, at its
 * largest (the sender's output counted as P2WSH in both versions, so both pay
 * one fee); with none it is PAYMENT_WEIGHT.
 *
 * @param htlcOutputs - How many HTLC outputs the version has, in [0, MAX_HTLCS].
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `htlcOutputs` is not an integer in [0, MAX_HTLCS].
 */
export function paymentWeightWithHtlcs(htlcOutputs: number): number {
  if (!Number.isSafeInteger(htlcOutputs) || htlcOutputs < 0 || htlcOutputs > MAX_HTLCS) {
    fail('INVALID_ARGUMENT', `the HTLC output count must be an integer in [0, ${MAX_HTLCS}]`);
  }
  return segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN, P2WSH_LEN, ...new Array<number>(htlcOutputs).fill(P2WSH_LEN)]);
}

/**
 * The fee of a payment version with `htlcOutputs` HTLC outputs at the channel's rate.
 *
 * @param feeRate - The channel's payment fee rate.
 * @param htlcOutputs - How many HTLC outputs.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `htlcOutputs` is not an integer in [0, MAX_HTLCS].
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 */
export function paymentFeeWithHtlcs(feeRate: FeeRate, htlcOutputs: number): bigint {
  return feeForWeight(paymentWeightWithHtlcs(htlcOutputs), feeRate);
}

/** What fixes one version's outputs. */
export interface PaymentVersionParams {
  /** Whose version. */
  readonly version: PaymentVersion;
  /** Total paid to the receiver so far, settled HTLCs included. */
  readonly amount: bigint;
  /** K_i of the state: needed for the sender's version. */
  readonly updateKey?: PublicKey;
  /** The HTLCs pending in this state, offered by the sender; empty for none. */
  readonly htlcs: readonly Htlc[];
}

/** One HTLC output of a payment version, with its index in the transaction. */
export interface PlacedHtlcOutput extends HtlcOutput {
  /** Its output index. */
  readonly vout: number;
}

/** A payment version's outputs and how they were arrived at. */
export interface PaymentVersionOutputs {
  /** The outputs, in order. */
  readonly outputs: readonly TxOut[];
  /** The HTLC outputs among them. */
  readonly htlcOutputs: readonly PlacedHtlcOutput[];
  /** The positions (in the given list) of HTLCs trimmed to the fee. */
  readonly trimmed: readonly number[];
  /** The fee from the weight, trimmed HTLCs not counted. */
  readonly fee: bigint;
  /** The sender's balance: capacity less the amount, every HTLC and the fee (an output only from its dust limit). */
  readonly senderBalance: bigint;
}

function termsOf(ctx: ChannelContext): HtlcTerms {
  return ctx.params.htlc ?? fail('INVALID_ARGUMENT', 'the channel has no HTLC terms (ChannelParams.htlc): it carries no HTLCs');
}

/**
 * The witness script of each HTLC's output in a version.
 *
 * @param ctx - From {@link verifyChannelParams}, with HTLC terms.
 * @param version - Whose version.
 * @param htlc - The HTLC, checked.
 * @param updateKey - K_i, for the sender's version.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or has no HTLC terms, or `updateKey` is missing for the sender's version.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_TIMELOCK` or `TEMPLATE_ARGUMENT` if the HTLC's values are refused by the template.
 */
export function htlcWitnessScript(ctx: ChannelContext, version: PaymentVersion, htlc: Htlc, updateKey?: PublicKey): Uint8Array {
  expectContext(ctx);
  const t = termsOf(ctx);
  expectObject(htlc, 'htlc');
  const args = { receiverHtlcKey: t.receiverHtlcKey, senderPayoutKey: ctx.params.senderPayoutKey, hash: htlc.hash, expiry: htlc.expiry, delay: t.delay };
  if (version === 'receiver') return compileHtlcReceiverScript(args);
  if (version !== 'sender') fail('INVALID_ARGUMENT', 'version must be sender or receiver');
  if (updateKey === undefined) fail('INVALID_ARGUMENT', 'the sender\'s version needs its update key');
  return compileHtlcSenderScript({ ...args, receiverRevocationKey: ctx.params.receiverRevocationKey, updateKey });
}

/**
 * The outputs of one payment version with HTLCs: the receiver's P2WPKH, the
 * sender's output (revocable in the sender's version), then the HTLC outputs
 * by amount and script; HTLCs below the P2WSH dust limit go to the fee.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param p - The version, the amount, K_i for the sender's version and the HTLCs.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context, `p` is not an object, `htlcs` is malformed, the channel has no HTLC terms while `htlcs` is not empty, or K_i is missing for the sender's version.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` or an HTLC's amount is out of range.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if there are more than MAX_HTLCS HTLCs.
 * @throws {@link ChannelError} `HTLC_DUST_EXPOSURE` if the trimmed HTLCs exceed the channel's `maxDustExposure`.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the amount, the HTLCs and the fee exceed the capacity, or every output would be dust.
 */
export function paymentVersionOutputs(ctx: ChannelContext, p: PaymentVersionParams): PaymentVersionOutputs {
  expectContext(ctx);
  expectObject(p, 'payment version params');
  checkAmount(p.amount, 'amount', 0n, ctx.params.capacity);
  const htlcs = checkHtlcs(p.htlcs);
  if (p.version !== 'sender' && p.version !== 'receiver') fail('INVALID_ARGUMENT', 'version must be sender or receiver');
  let updateKey: PublicKey | undefined;
  if (p.version === 'sender') {
    if (p.updateKey === undefined) fail('INVALID_ARGUMENT', 'the sender\'s version needs its update key');
    updateKey = asPublicKey(p.updateKey, 'updateKey');
  }
  const maxDustExposure = htlcs.length === 0 ? 0n : termsOf(ctx).maxDustExposure;
  const arranged = arrangeHtlcOutputs({
    htlcs, maxDustExposure, scriptOf: (h) => htlcWitnessScript(ctx, p.version, h, updateKey),
  });
  const fee = paymentFeeWithHtlcs(ctx.params.feeRate, arranged.outputs.length);
  const senderBalance = ctx.params.capacity - p.amount - arranged.total - fee;
  if (senderBalance < 0n) {
    fail('FEE_EXCEEDS_OUTPUT', 'the amount, the HTLCs and the payment fee exceed the capacity', {
      amount: p.amount.toString(), htlcs: arranged.total.toString(), fee: fee.toString(),
    });
  }
  const outputs: TxOut[] = [];
  if (p.amount >= DUST_P2WPKH) outputs.push({ script: ctx.receiverPayoutScript, value: p.amount });
  if (p.version === 'sender') {
    if (senderBalance >= DUST_P2WSH) outputs.push({ script: p2wshScript(revocableScriptFor(ctx, updateKey!)), value: senderBalance });
  } else if (senderBalance >= DUST_P2WPKH) {
    outputs.push({ script: ctx.senderPayoutScript, value: senderBalance });
  }
  const htlcOutputs = arranged.outputs.map((o) => {
    outputs.push({ script: o.script, value: o.value });
    return { ...o, vout: outputs.length - 1 };
  });
  if (outputs.length === 0) fail('FEE_EXCEEDS_OUTPUT', 'every output would be dust: the transaction would have none', { amount: p.amount.toString() });
  return { outputs, htlcOutputs, trimmed: arranged.trimmed, fee, senderBalance };
}
