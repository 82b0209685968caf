/**
 * What the penalty claim and the timeout sweep share: locating the revocable
 * output of a sender's version by recomputing its script (never trusting an
 * output index someone reports), and checking that the transaction spends
 * this channel's funding output.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { expectContext } from '../context';
import { FeeRate, PublicKey, asPublicKey, checkFeeRate } from '../../../core/types';
import { bytesEqual } from '../../../core/hash';
import { ChannelContext, revocableScriptFor } from '../params';
import { spendsFundingOutputAlone } from '../../../tx/funding-spend';
import { checkDestinationScript, p2wshScript } from '../../../tx/outputs';

/** The revocable output of a sender's version, found by its script. */
export interface RevocableOutput {
  /** Its index in the transaction. */
  readonly vout: number;
  /** Its value in satoshis. */
  readonly value: bigint;
  /** The revocable script it pays to. */
  readonly witnessScript: Uint8Array;
}

/**
 * Parse a transaction and check that it spends this channel's funding output, and only that.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param raw - The transaction, serialized or parsed.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `raw` does not parse or is not a one-input spend of the funding output.
 */
export function parseChannelSpend(ctx: ChannelContext, raw: Uint8Array | Transaction): Transaction {
  expectContext(ctx);
  let tx: Transaction;
  try {
    tx = raw instanceof Transaction ? raw : Transaction.fromBuffer(raw);
  } catch {
    return fail('INVALID_TRANSACTION', 'cannot parse transaction');
  }
  if (!spendsFundingOutputAlone(ctx.funding, tx)) {
    fail('INVALID_TRANSACTION', 'transaction does not spend this channel\'s funding output alone');
  }
  return tx;
}

/**
 * The output of `tx` that pays the revocable script of `updateKey`, found by recomputing the script.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param tx - A sender's version of some state.
 * @param updateKey - K_i of the state, already checked.
 * @returns The output, or undefined if `tx` has none for this key.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `updateKey` is not 33 bytes.
 */
export function findRevocableOutput(ctx: ChannelContext, tx: Transaction, updateKey: PublicKey): RevocableOutput | undefined {
  if (!(tx instanceof Transaction)) fail('INVALID_TRANSACTION', 'findRevocableOutput needs a Transaction');
  const witnessScript = revocableScriptFor(ctx, updateKey);
  const spk = p2wshScript(witnessScript);
  const vout = tx.outs.findIndex((o) => bytesEqual(o.script, spk));
  if (vout < 0) return undefined;
  return { vout, value: tx.outs[vout]!.value, witnessScript };
}

/**
 * The checks a spend of a revocable output starts with, the penalty claim's
 * and the timeout sweep's alike: the arguments, and the transaction holding
 * the output this update key's script pays.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param raw - The serialized sender's version.
 * @param p - The update key K_i, the claim's destination and its fee rate.
 * @returns The parsed transaction and its revocable output.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `p` is not an object.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `raw` does not parse or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if the transaction has no output paying this update key's revocable script.
 */
export function revocableSpendOf(
  ctx: ChannelContext, raw: Uint8Array, p: {
    /** K_i of the state whose output is spent. */
    updateKey: PublicKey;
    /** Where the spend pays. */
    destinationScript: Uint8Array;
    /** The spend's fee rate, sat/kw. */
    feeRate: FeeRate;
  },
): {
  /** The parsed sender's version. */
  tx: Transaction;
  /** Its revocable output. */
  output: RevocableOutput;
} {
  expectContext(ctx);
  expectObject(p, 'spend params');
  asPublicKey(p.updateKey, 'updateKey');
  checkDestinationScript(p.destinationScript);
  checkFeeRate(p.feeRate);
  const tx = parseChannelSpend(ctx, raw);
  const output = findRevocableOutput(ctx, tx, p.updateKey);
  if (output === undefined) fail('NOTHING_TO_CLAIM', 'no revocable output for this update key');
  return { tx, output };
}
