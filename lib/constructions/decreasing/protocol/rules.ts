/**
 * The one place that decides whether state k+1 may follow state k: both the
 * payer (before it signs) and the payee (before it countersigns) ask it, so
 * the rule cannot differ between them. Internal to the construction.
 */
import { fail } from '../../../core/errors';
import { counterLocks } from '../../../tx/invalidation-counter';
import { DecreasingContext, decreasingBudget, decreasingLockTime } from '../params';
import { decreasingStateSpend } from '../tx/states';
import { DecreasingRole, DecreasingState } from '../tx/signer';

/** A state's lock: nLockTime L_k (locktime form) or nSequence (N-k)Δ (kickoff form); undefined when there is no state k. */
export function stateLock(ctx: DecreasingContext, index: number): number | undefined {
  if (ctx.counter !== undefined) return index < ctx.counter.states ? counterLocks(ctx.counter, index)[0] : undefined;
  return decreasingLockTime(ctx, index);
}

/** The balance of a role in a state. */
export function balanceOf(s: DecreasingState, role: DecreasingRole): bigint {
  return role === 'a' ? s.aBalance : s.bBalance;
}

/**
 * Refuse `next` as the successor of `latest` paid by `payer` at this tip;
 * return the updates left after it.
 *
 * - Its index is one more (UPDATE_INDEX_MISMATCH).
 * - Its lock is not behind the tip: L_{k+1} >= tip, or k+1 <= N in the
 *   kickoff form (CHANNEL_EXPIRED, details.budget 0: close instead).
 * - Its balances and fee divide what it spends, none negative or dust.
 * - Its fee exceeds the last by the incremental relay fee at least
 *   (UPDATE_NOT_MONOTONIC, details.field fee): an older state can then never
 *   replace it in a replacing mempool on its fee.
 * - The payee's balance grows (UPDATE_NOT_MONOTONIC, details.field balance):
 *   the payer signs first, and only a state that helps the payee is offered.
 */
export function checkUpdate(ctx: DecreasingContext, latest: DecreasingState, next: DecreasingState, payer: DecreasingRole, tip: number): number {
  if (next.index !== latest.index + 1) fail('UPDATE_INDEX_MISMATCH', `the next state is ${latest.index + 1}`, { expected: latest.index + 1, got: next.index });
  const lock = stateLock(ctx, next.index);
  if (lock === undefined || (ctx.counter === undefined && lock < tip)) {
    fail('CHANNEL_EXPIRED', ctx.counter === undefined
      ? `state ${next.index}'s lock ${lock ?? '(none)'} is behind the tip ${tip}: no more updates, close the channel`
      : `the kickoff form's ${ctx.counter.states - 1} updates are spent: close the channel`,
    { index: next.index, lock: lock ?? null, tip, budget: 0 });
  }
  decreasingStateSpend({ ctx, ...next });
  if (next.fee < latest.fee + ctx.minFeeStep) {
    fail('UPDATE_NOT_MONOTONIC', `the fee must be at least ${latest.fee + ctx.minFeeStep} (the last state's plus the incremental relay fee)`, {
      field: 'fee', min: (latest.fee + ctx.minFeeStep).toString(), fee: next.fee.toString(),
    });
  }
  const payee: DecreasingRole = payer === 'a' ? 'b' : 'a';
  if (balanceOf(next, payee) <= balanceOf(latest, payee)) {
    fail('UPDATE_NOT_MONOTONIC', `an update ${payer} signs first must pay ${payee} more`, { field: 'balance', payee });
  }
  return decreasingBudget(ctx, next.index, tip);
}

/**
 * The tie-break when both parties propose an update at once: the party whose
 * funding key sorts lower (bytewise) wins. Both compute it from the terms
 * alone, so nothing a message says can change who wins.
 */
export function winsTies(ctx: DecreasingContext, role: DecreasingRole): boolean {
  const [own, theirs] = role === 'a' ? [ctx.params.aFundingKey, ctx.params.bFundingKey] : [ctx.params.bFundingKey, ctx.params.aFundingKey];
  for (let i = 0; i < own.length; i++) if (own[i] !== theirs[i]) return own[i]! < theirs[i]!;
  return false;
}
