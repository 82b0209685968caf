/**
 * What a spend of a decreasing-lock channel's output is, read from its own
 * lock: a state's index is k = (L_0 - nLockTime)/Δ in the locktime form and
 * the counter's inverse of its nSequence in the kickoff form. The BOLT 3
 * obscured number the revocable construction hides in these fields cannot be
 * used here: nLockTime and nSequence are the locks.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { counterIndexOfLocks } from '../../../tx/invalidation-counter';
import { DecreasingContext, decreasingIndexOfLockTime, expectDecreasingContext } from '../params';
import { DecreasingTxKind } from '../kinds';
import { buildDecreasingKickoffTx, DECREASING_CLOSE_LOCKTIME } from '../tx/states';

/** What a spend of the funding (or the kickoff's) output is. */
export interface DecreasingSpendNote {
  /** A state, the close, the kickoff; `unknown` for anything else (it still ends the channel). */
  readonly kind: DecreasingTxKind | 'unknown';
  /** A state's index, read from its lock. */
  readonly index?: number;
}

/**
 * Classify a spend of the channel's funding output or, kickoff form, of the kickoff's.
 *
 * @param ctx - From {@link verifyDecreasingParams}.
 * @param tx - The spender.
 * @returns Its kind and, for a state, its index.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a one-input Transaction.
 */
export function classifyDecreasingSpend(ctx: DecreasingContext, tx: Transaction): DecreasingSpendNote {
  const c = expectDecreasingContext(ctx);
  if (!(tx instanceof Transaction) || tx.ins.length !== 1) fail('INVALID_TRANSACTION', 'a one-input transaction is needed');
  if (c.counter !== undefined) {
    if (tx.getId() === buildDecreasingKickoffTx({ ctx: c }).getId()) return { kind: 'decreasing-kickoff' };
    if (tx.locktime === DECREASING_CLOSE_LOCKTIME && tx.ins[0]!.index === c.params.fundingOutpoint.vout
      && bytesEqual(tx.ins[0]!.hash, c.funding.fundingHash)) return { kind: 'decreasing-close' };
    const index = counterIndexOfLocks(c.counter, [tx.ins[0]!.sequence]);
    return index === undefined ? { kind: 'unknown' } : { kind: 'decreasing-state', index };
  }
  if (tx.locktime === DECREASING_CLOSE_LOCKTIME) return { kind: 'decreasing-close' };
  const index = decreasingIndexOfLockTime(c, tx.locktime);
  return index === undefined ? { kind: 'unknown' } : { kind: 'decreasing-state', index };
}
