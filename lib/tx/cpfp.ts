/**
 * Child pays for parent: when a transaction is stuck below what miners take
 * (a payment version signed at an old fee rate, a claim in a congested
 * mempool), its owner spends one of its P2WPKH outputs in a child whose fee
 * lifts the pair. Miners select by ancestor package, so what counts is
 * (parent fee + child fee) / (parent weight + child weight).
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../core/errors';
import {
  FeeRate, MAX_FEE_RATE, PrivateKey, PublicKey, asPrivateKey, asPublicKey, checkAmount, checkFeeRate, checkVout, derivePublicKey, feeForWeight,
} from '../core/types';
import { TX_VERSION } from './spend';
import { bytesEqual } from '../core/hash';
import { checkDestinationScript, dustLimit, p2wpkhScript } from './outputs';
import { RBF_SEQUENCE, p2wpkhScriptCode } from './spend';
import { SIGHASH_ALL } from './sighash';
import { signSighash } from './signature';
import { P2WPKH_INPUT, segwitTxWeight } from './weights';

/**
 * The floor under the child's own fee rate. Nodes charge the 1 sat/vB relay
 * minimum on vsize rounded up, which 250 sat/kw on the weight can miss by a
 * satoshi; 253 sat/kw relays at every weight (LDK's floor, for the same reason).
 */
export const CPFP_MIN_FEE_RATE: FeeRate = 253n;

/** What fixes the child that pays for a stuck parent. */
export interface CpfpParams {
  /** The unconfirmed parent as it is broadcast (signed, with its witnesses). */
  readonly parent: Uint8Array;
  /** The parent's output the child spends; it must pay wpkh(outputKey). */
  readonly vout: number;
  /** The key whose wpkh() script the spent output pays. */
  readonly outputKey: PublicKey;
  /** The parent's own fee, which only the caller knows (it knows the parent's input values). */
  readonly parentFee: bigint;
  /** The rate, sat/kw, the parent and child together must reach. */
  readonly packageFeeRate: FeeRate;
  /** Where the child pays: a standard output script. */
  readonly destinationScript: Uint8Array;
  /** The child's own rate is never below this (default CPFP_MIN_FEE_RATE), so it relays by itself. */
  readonly minFeeRate?: FeeRate;
}

/**
 * The child at its largest (a 73-byte signature), from which its fee is computed.
 *
 * @param destinationLength - The length of the child's output script.
 * @returns The weight in weight units.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `destinationLength` is not a non-negative integer.
 */
export function cpfpMaxWeight(destinationLength: number): number {
  return segwitTxWeight([P2WPKH_INPUT], [destinationLength]);
}

interface CpfpPlan {
  readonly tx: Transaction;
  readonly value: bigint;
  readonly scriptCode: Uint8Array;
}

function parseParent(raw: unknown): Transaction {
  if (!(raw instanceof Uint8Array)) fail('INVALID_TRANSACTION', 'parent must be the serialized transaction');
  try {
    return Transaction.fromBuffer(raw);
  } catch {
    return fail('INVALID_TRANSACTION', 'cannot parse the parent transaction');
  }
}

function planCpfp(p: CpfpParams): CpfpPlan {
  if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'CPFP parameters must be an object');
  const parent = parseParent(p.parent);
  checkVout(p.vout);
  asPublicKey(p.outputKey, 'outputKey');
  checkAmount(p.parentFee, 'parentFee', 1n);
  checkFeeRate(p.packageFeeRate);
  const minFeeRate = p.minFeeRate ?? CPFP_MIN_FEE_RATE;
  checkFeeRate(minFeeRate);
  checkDestinationScript(p.destinationScript);

  const out = parent.outs[p.vout];
  if (out === undefined) fail('INVALID_ARGUMENT', `the parent has no output ${p.vout}`, { outputs: parent.outs.length });
  const script = p2wpkhScript(p.outputKey);
  if (!bytesEqual(out.script, script)) fail('INVALID_SCRIPT', 'the output does not pay wpkh(outputKey)');

  const childWeight = cpfpMaxWeight(p.destinationScript.length);
  const forPackage = feeForWeight(parent.weight() + childWeight, p.packageFeeRate) - p.parentFee;
  const forItself = feeForWeight(childWeight, minFeeRate);
  const fee = forPackage > forItself ? forPackage : forItself;
  if (out.value - fee < dustLimit(p.destinationScript)) {
    fail('FEE_EXCEEDS_OUTPUT', 'the child fee leaves a dust output', { fee: fee.toString(), value: out.value.toString() });
  }

  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = 0;
  tx.addInput(parent.getHash(), p.vout, RBF_SEQUENCE);
  tx.addOutput(p.destinationScript, out.value - fee);
  return { tx, value: out.value, scriptCode: p2wpkhScriptCode(script) };
}

/**
 * The unsigned child: it spends one P2WPKH output of the parent, with the fee that lifts the pair to `packageFeeRate`.
 *
 * @param p - The parent, the output and its key, the parent's fee, the package rate and the destination.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `vout` is out of range or the parent has no output `vout`.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parent` is not bytes or does not parse.
 * @throws {@link ChannelError} `INVALID_KEY` if `outputKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `parentFee` is not in [1, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` or `minFeeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination, or the output does not pay wpkh(outputKey).
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the child's fee leaves a dust output.
 *
 * @example
 * ```ts
 * const child = buildCpfpTx({
 *   parent: stuck.toBuffer(), vout: 0, outputKey: receiverPayoutKey,
 *   parentFee: 500n, packageFeeRate: 5000n, destinationScript,
 * });
 * ```
 */
export function buildCpfpTx(p: CpfpParams): Transaction {
  return planCpfp(p).tx;
}

/**
 * Builds the child and signs its one input with `key`, which must be outputKey's.
 *
 * @param p - The parent, the output and its key, the parent's fee, the package rate and the destination.
 * @param key - The private key of `outputKey`.
 * @returns The signed child, to broadcast after (or with) the parent.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `vout` is out of range or the parent has no output `vout`.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parent` is not bytes or does not parse.
 * @throws {@link ChannelError} `INVALID_KEY` if `outputKey` is not a valid public key, or `key` is malformed or not outputKey's.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `parentFee` is not in [1, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` or `minFeeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination, or the output does not pay wpkh(outputKey).
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the child's fee leaves a dust output.
 */
export function signCpfpTx(p: CpfpParams, key: PrivateKey): Transaction {
  const { tx, value, scriptCode } = planCpfp(p);
  asPrivateKey(key, 'key');
  const pub = derivePublicKey(key);
  if (!bytesEqual(pub, p.outputKey)) fail('INVALID_KEY', 'key is not the private key of outputKey');
  const hash = tx.hashForWitnessV0(0, scriptCode, value, SIGHASH_ALL);
  tx.setWitness(0, [signSighash(hash, key), pub]);
  return tx;
}

/** What bounds the package rate a child can reach: the parent, the output it spends, the parent's fee and where the child pays. */
export interface CpfpReachParams {
  /** The unconfirmed parent as it is broadcast. */
  readonly parent: Uint8Array;
  /** The parent's output the child would spend. */
  readonly vout: number;
  /** The parent's own fee. */
  readonly parentFee: bigint;
  /** Where the child would pay: a standard output script. */
  readonly destinationScript: Uint8Array;
}

/**
 * The highest package rate a child spending output `vout` of the parent can
 * reach while leaving a dust output to `destinationScript`: everything the
 * output holds but dust goes to fees at that rate. 0 when the output cannot
 * pay for a child at all. A watcher burns at this rate when a deadline is
 * about to take the whole output anyway.
 *
 * @param p - The parent, the output, the parent's fee and the destination.
 * @returns The rate in sat/kw, at most {@link MAX_FEE_RATE}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `vout` is out of range or the parent has no output `vout`.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parent` is not bytes or does not parse.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `parentFee` is not in [0, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 */
export function maxCpfpPackageFeeRate(p: CpfpReachParams): FeeRate {
  if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'CPFP parameters must be an object');
  const parent = parseParent(p.parent);
  checkVout(p.vout);
  checkAmount(p.parentFee, 'parentFee', 0n);
  checkDestinationScript(p.destinationScript);
  const out = parent.outs[p.vout];
  if (out === undefined) fail('INVALID_ARGUMENT', `the parent has no output ${p.vout}`, { outputs: parent.outs.length });
  const spendable = out.value - dustLimit(p.destinationScript);
  if (spendable <= 0n) return 0n;
  // fee = ceil(weight * rate / 1000) must not pass what is there: round the rate down, then one lower for the ceiling.
  const rate = ((p.parentFee + spendable) * 1000n) / BigInt(parent.weight() + cpfpMaxWeight(p.destinationScript.length)) - 1n;
  return rate <= 0n ? 0n : rate > MAX_FEE_RATE ? MAX_FEE_RATE : rate;
}
