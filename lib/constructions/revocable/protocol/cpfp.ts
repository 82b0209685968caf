/**
 * Child pays for parent from a party's own output of a spend of the funding
 * output. The parent's fee is what the funding output lost to it (capacity
 * less its outputs), so the caller names no amount it could get wrong.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { ChannelContext } from '../params';
import { maxCpfpPackageFeeRate, signCpfpTx } from '../../../tx/cpfp';
import { bytesEqual } from '../../../core/hash';
import { parseChannelSpend } from '../tx/revocable-spend';
import { FeeRate, PrivateKey, PublicKey } from '../../../core/types';

/** What a party asks for when its spend of the funding output is stuck: the parent, the rate to reach, and where the child pays. */
export interface ChildPaysForParent {
  /** The unconfirmed spend of the funding output, as broadcast. */
  readonly parent: Transaction | Uint8Array;
  /** The rate, sat/kw, the parent and child must reach together. */
  readonly packageFeeRate: FeeRate;
  /** Where the child pays: a standard output script of the party's wallet. */
  readonly destinationScript: Uint8Array;
}

function ownOutput(ctx: ChannelContext, raw: Transaction | Uint8Array, script: Uint8Array): { parent: Transaction; vout: number; parentFee: bigint } {
  if (!(raw instanceof Transaction) && !(raw instanceof Uint8Array)) fail('INVALID_TRANSACTION', 'parent must be a transaction');
  const parent = parseChannelSpend(ctx, raw);
  const vout = parent.outs.findIndex((o) => bytesEqual(o.script, script));
  if (vout < 0) fail('NOTHING_TO_CLAIM', 'the parent pays this party nothing');
  return { parent, vout, parentFee: ctx.params.capacity - parent.outs.reduce((s, o) => s + o.value, 0n) };
}

/**
 * The highest package rate a child spending the output paying `script` can
 * reach while leaving a dust output to `destinationScript`: everything the
 * output holds goes to fees at that rate. 0 when the output cannot pay for
 * the child at all. A destination that is not a standard script is
 * INVALID_SCRIPT, as for the child itself.
 *
 * @param ctx - The channel's context (a party's `context()`).
 * @param parentTx - The unconfirmed spend of the funding output.
 * @param script - The output script of the party's own output in it.
 * @param destinationScript - Where the child would pay.
 * @returns The rate in sat/kw, at most {@link MAX_FEE_RATE}.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parentTx` is not a transaction, does not parse, or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if the parent has no output paying `script`.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context.
 */
export function maxPackageFeeRate(ctx: ChannelContext, parentTx: Transaction | Uint8Array, script: Uint8Array, destinationScript: Uint8Array): FeeRate {
  const { parent, vout, parentFee } = ownOutput(ctx, parentTx, script);
  return maxCpfpPackageFeeRate({ parent: parent.toBuffer(), vout, parentFee, destinationScript });
}

export function childPaysForParent(ctx: ChannelContext, p: ChildPaysForParent, outputKey: PublicKey, key: PrivateKey): Transaction {
  if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'CPFP parameters must be an object');
  const script = outputKey === ctx.params.receiverPayoutKey ? ctx.receiverPayoutScript : ctx.senderPayoutScript;
  const { parent, vout, parentFee } = ownOutput(ctx, p.parent, script);
  return signCpfpTx({
    parent: parent.toBuffer(), vout, outputKey, parentFee, packageFeeRate: p.packageFeeRate, destinationScript: p.destinationScript,
  }, key);
}
