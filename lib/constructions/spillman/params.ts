/**
 * The parameters both parties of a Spillman channel agree on, and the checked
 * view every builder of the construction works from. The sender (the payer,
 * the seeds' client) funds and pays; the receiver (the payee, the server) is
 * paid. Two forms:
 *
 * - Form S: the funding output is the core's 2-of-2; the receiver signs the
 *   sender's refund (nLockTime L, a non-final nSequence) before the funding
 *   is signed.
 * - Form C: the funding output is `spillman-cltv`; the sender alone spends it
 *   from L, so nothing is signed in advance.
 *
 * Payments and the cooperative close are spends of the funding output signed
 * by both. Every spend's nLockTime says which it is: the refund's is L, a
 * payment's is LOCKTIME_THRESHOLD + its index and the close's
 * LOCKTIME_THRESHOLD, times in 1985 that every chain has passed, so neither
 * delays them, and no other construction's spends carry them.
 */
import { fail } from '../../core/errors';
import { bytesEqual } from '../../core/hash';
import {
  AbsoluteLock, DUST_P2WPKH, FeeRate, LOCKTIME_THRESHOLD, PublicKey, absoluteLockValue, asPublicKey, checkFeeRate, feeForWeight,
} from '../../core/types';
import { contextKind } from '../../tx/context';
import {
  FundingLocation, FundingOutputContext, FundingScriptContext, verifyFundingOutputParams, verifyFundingScriptParams,
} from '../../tx/funding-spend';
import { p2wpkhScript } from '../../tx/outputs';
import { compileSpillmanCltvScript } from './templates';
import { spillmanWeights } from './tx/weights';

/** `S`: the 2-of-2 and a refund the receiver signs first; `C`: the `spillman-cltv` script, the sender's refund by itself after L. */
export type SpillmanForm = 'S' | 'C';

/** Every spend's nSequence: not final, so nLockTime applies (the refund's L), and not signalling replacement. */
export const SPILLMAN_SEQUENCE = 0xfffffffe;
/** The close's nLockTime: a time every chain has passed. */
export const SPILLMAN_CLOSE_LOCKTIME = LOCKTIME_THRESHOLD;
/** The largest payment index: payment i's nLockTime, LOCKTIME_THRESHOLD + i, stays below the revocable construction's state numbers (0x20000000 and up). */
export const MAX_SPILLMAN_INDEX = 0xffffff;

/** Everything both parties agree on: the funding output, the payout keys, the refund lock L and the payments' fee rate. */
export interface SpillmanParams extends FundingLocation {
  /** Which form the channel takes. */
  readonly form: SpillmanForm;
  /** The sender's (payer's) key in the funding output. */
  readonly senderFundingKey: PublicKey;
  /** The receiver's (payee's) key in the funding output. */
  readonly receiverFundingKey: PublicKey;
  /** The key of the sender's P2WPKH output: its change in each payment, its refund. */
  readonly senderPayoutKey: PublicKey;
  /** The key of the receiver's P2WPKH output in each payment. */
  readonly receiverPayoutKey: PublicKey;
  /** L: from it the sender can take the deposit back; the receiver must close before. */
  readonly lockTime: AbsoluteLock;
  /** Fee rate of the payments and the refund, sat per 1000 weight units, paid by the sender. */
  readonly feeRate: FeeRate;
}

/** The checked view of {@link SpillmanParams}; made only by {@link verifySpillmanParams}. */
export interface SpillmanContext {
  /** The parameters it was made from. */
  readonly params: SpillmanParams;
  /** The funding output's checked view: every spend is built from it. */
  readonly funding: FundingScriptContext;
  /** Form S: the same context as the 2-of-2's, for its sorted witness. */
  readonly multisig?: FundingOutputContext;
  /** L as the number in nLockTime (and, in Form C, the script). */
  readonly lockTimeValue: number;
  /** The sender's P2WPKH output script. */
  readonly senderPayoutScript: Uint8Array;
  /** The receiver's P2WPKH output script. */
  readonly receiverPayoutScript: Uint8Array;
  /** Every payment's fee, from its largest weight: the same for all, so only the amounts change. */
  readonly paymentFee: bigint;
  /** The refund's fee. */
  readonly refundFee: bigint;
  /** The most the receiver's total can reach: the capacity less the payment fee. */
  readonly maxAmount: bigint;
}

const SPILLMAN_CONTEXT = contextKind<SpillmanContext>('Spillman channel context', 'verifySpillmanParams');

/** Refuse what is not a context from {@link verifySpillmanParams}. */
export const expectSpillmanContext = SPILLMAN_CONTEXT.expect;

/**
 * Check every parameter once and derive what the builders need.
 *
 * @param p - The channel's parameters.
 * @returns A frozen context that the builders and signers accept without checking again.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `form` is not `S` or `C`, or the funding outpoint's txid or vout is malformed.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` is not in [1, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key, the funding keys are equal, or the payout keys are.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `lockTime` is malformed or out of range.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `capacity` does not cover the payment fee plus a non-dust payment, or the refund fee plus a non-dust refund.
 *
 * @example
 * ```ts
 * const ctx = verifySpillmanParams({
 *   form: 'C', fundingOutpoint: { txid, vout: 0 }, capacity: 1_000_000n,
 *   senderFundingKey, receiverFundingKey, senderPayoutKey, receiverPayoutKey,
 *   lockTime: { height: 900_000 }, feeRate: 1000n,
 * });
 * const refund = buildSpillmanRefundTx({ ctx });
 * ```
 */
export function verifySpillmanParams(p: SpillmanParams): SpillmanContext {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) fail('INVALID_ARGUMENT', 'Spillman parameters must be an object');
  if (p.form !== 'S' && p.form !== 'C') fail('INVALID_ARGUMENT', 'form must be S or C');
  asPublicKey(p.senderFundingKey, 'senderFundingKey');
  asPublicKey(p.receiverFundingKey, 'receiverFundingKey');
  asPublicKey(p.senderPayoutKey, 'senderPayoutKey');
  asPublicKey(p.receiverPayoutKey, 'receiverPayoutKey');
  // Equal payout keys would make the two outputs of a payment one party's, and inspect could not tell them apart.
  if (bytesEqual(p.senderPayoutKey, p.receiverPayoutKey)) fail('INVALID_KEY', 'sender and receiver payout keys must differ');
  const lockTimeValue = absoluteLockValue(p.lockTime);
  checkFeeRate(p.feeRate);
  const params: SpillmanParams = {
    form: p.form,
    fundingOutpoint: { txid: p.fundingOutpoint?.txid, vout: p.fundingOutpoint?.vout },
    capacity: p.capacity,
    senderFundingKey: p.senderFundingKey,
    receiverFundingKey: p.receiverFundingKey,
    senderPayoutKey: p.senderPayoutKey,
    receiverPayoutKey: p.receiverPayoutKey,
    lockTime: 'height' in p.lockTime ? { height: lockTimeValue } : { time: lockTimeValue },
    feeRate: p.feeRate,
  };
  if (p.fundingOutpoint === null || typeof p.fundingOutpoint !== 'object') fail('INVALID_ARGUMENT', 'fundingOutpoint missing');
  let funding: FundingScriptContext;
  let multisig: FundingOutputContext | undefined;
  if (p.form === 'S') {
    multisig = verifyFundingOutputParams(params);
    funding = multisig;
  } else {
    funding = verifyFundingScriptParams({ ...params, fundingScript: compileSpillmanCltvScript(params) });
  }
  const w = spillmanWeights(p.form);
  const paymentFee = feeForWeight(w.payment, p.feeRate);
  const refundFee = feeForWeight(w.refund, p.feeRate);
  if (p.capacity < paymentFee + DUST_P2WPKH || p.capacity < refundFee + DUST_P2WPKH) {
    fail('FEE_EXCEEDS_OUTPUT', 'capacity does not cover the fees plus a non-dust output', {
      capacity: p.capacity.toString(), paymentFee: paymentFee.toString(), refundFee: refundFee.toString(),
    });
  }
  return SPILLMAN_CONTEXT.register({
    params,
    funding,
    ...(multisig ? { multisig } : {}),
    lockTimeValue,
    senderPayoutScript: p2wpkhScript(p.senderPayoutKey),
    receiverPayoutScript: p2wpkhScript(p.receiverPayoutKey),
    paymentFee,
    refundFee,
    maxAmount: p.capacity - paymentFee,
  });
}

/**
 * The payment index a Spillman payment's nLockTime carries.
 *
 * @param locktime - A transaction's nLockTime.
 * @returns The index, or undefined if `locktime` is not a payment's (the close's, a refund's, anything else).
 */
export function spillmanIndexOf(locktime: number): number | undefined {
  const i = locktime - LOCKTIME_THRESHOLD;
  return Number.isSafeInteger(i) && i >= 1 && i <= MAX_SPILLMAN_INDEX ? i : undefined;
}
