/**
 * Child pays for parent from a party's own output of a spend of a Spillman
 * funding output: the receiver's through its output of its close, the
 * sender's through its refund. Every fee of the channel is frozen when it is
 * signed, and a fixed transaction stuck below what miners take before L is
 * only got in by a child. The parent's fee is what the funding output lost
 * to it (capacity less its outputs), so no caller names an amount it could
 * get wrong. Internal: the parties' childPaysForParent is the API.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual, txidToHash } from '../../../core/hash';
import { FeeRate, PrivateKey, PublicKey } from '../../../core/types';
import { maxCpfpPackageFeeRate, signCpfpTx } from '../../../tx/cpfp';
import { SpillmanContext } from '../params';

/** What a party asks for when its spend of the funding output is stuck. */
export interface SpillmanChildPaysForParent {
  /** The unconfirmed spend of the funding output, as broadcast. */
  readonly parent: Transaction | Uint8Array;
  /** The rate, sat/kw, the parent and child must reach together. */
  readonly packageFeeRate: FeeRate;
  /** Where the child pays: a standard output script of the party's wallet. */
  readonly destinationScript: Uint8Array;
}

interface OwnOutput {
  readonly parent: Transaction;
  readonly vout: number;
  readonly parentFee: bigint;
}

/** The parent, read as a spend of this channel's funding output alone, and the output in it paying `script`. */
export function spillmanOwnOutput(ctx: SpillmanContext, raw: unknown, script: Uint8Array): OwnOutput {
  let parent: Transaction;
  try {
    parent = raw instanceof Transaction ? raw : Transaction.fromBuffer(raw as Uint8Array);
  } catch {
    return fail('INVALID_TRANSACTION', 'parent must be a transaction');
  }
  const f = ctx.params.fundingOutpoint;
  const input = parent.ins[0];
  if (parent.ins.length !== 1 || input === undefined || input.index !== f.vout || !bytesEqual(input.hash, txidToHash(f.txid))) {
    fail('INVALID_TRANSACTION', 'the parent does not spend the funding output alone');
  }
  const vout = parent.outs.findIndex((o) => bytesEqual(o.script, script));
  if (vout < 0) fail('NOTHING_TO_CLAIM', 'the parent pays this party nothing');
  const paid = parent.outs.reduce((s, o) => s + o.value, 0n);
  if (paid > ctx.params.capacity) fail('INVALID_TRANSACTION', 'the parent pays out more than the funding output holds');
  return { parent, vout, parentFee: ctx.params.capacity - paid };
}

/** The highest package rate a child through the output paying `script` reaches, leaving dust to `destinationScript`. */
export function spillmanMaxPackageFeeRate(ctx: SpillmanContext, parent: Transaction, script: Uint8Array, destinationScript: Uint8Array): FeeRate {
  const own = spillmanOwnOutput(ctx, parent, script);
  return maxCpfpPackageFeeRate({ parent: own.parent.toBuffer(), vout: own.vout, parentFee: own.parentFee, destinationScript });
}

/** The signed child through the output paying wpkh(outputKey), `key` being its private key. */
export function spillmanChildPaysForParent(ctx: SpillmanContext, p: SpillmanChildPaysForParent, script: Uint8Array, outputKey: PublicKey, key: PrivateKey): Transaction {
  if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'CPFP parameters must be an object');
  const { parent, vout, parentFee } = spillmanOwnOutput(ctx, p.parent, script);
  return signCpfpTx({
    parent: parent.toBuffer(), vout, outputKey, parentFee, packageFeeRate: p.packageFeeRate, destinationScript: p.destinationScript,
  }, key);
}
