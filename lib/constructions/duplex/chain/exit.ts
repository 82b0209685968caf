/**
 * What a party holds to leave a duplex channel alone, and the rules of when
 * each piece may enter a block. Pure: the watch policy (policy.ts) applies
 * them to what the chain shows. The kickoff starts the clocks; node j may
 * enter the block `sequence_j` after its parent's; at the leaf the payee of
 * each simplex channel publishes its latest payment at once, and the payer
 * may take its refund Dc blocks after the leaf if the payee has not.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { DuplexContext, DuplexLeafBalances, expectDuplexContext } from '../params';
import { SimplexDirection } from '../tx/simplex';

/**
 * A branch other than the newest that the counterparty may complete and
 * publish: a reset this party acknowledged before its completion arrived,
 * or one it signed and dropped. The watcher recognises its transactions on
 * chain by txid, publishes those this party holds signed by both once the
 * chain has taken that branch, and takes this party's refund at its leaf.
 */
export interface DuplexOtherBranch {
  /** Its tree state. */
  readonly index: number;
  /** Its leaf's balances. */
  readonly balances: DuplexLeafBalances;
  /** Its d transactions, level 0 to the leaf: completed where `signed` says so, else unsigned (the txid is the same). */
  readonly branch: readonly Transaction[];
  /** For each level, whether this party holds it signed by both and may publish it. */
  readonly signed: readonly boolean[];
  /** This party's signed refund of its simplex channel at this branch's leaf. */
  readonly refunds: Readonly<Partial<Record<SimplexDirection, Transaction>>>;
}

/** Everything a party needs to close alone, fully signed, as it stands now. */
export interface DuplexExit {
  /** The channel. */
  readonly ctx: DuplexContext;
  /** The kickoff, completed. */
  readonly kickoff: Transaction;
  /** The newest state's branch, completed, level 0 (under the kickoff) to the leaf. */
  readonly branch: readonly Transaction[];
  /** The newest leaf's balances, which place the simplex outputs. */
  readonly balances: DuplexLeafBalances;
  /** The latest payment on each simplex channel this party is paid on, completed. */
  readonly payments: Readonly<Partial<Record<SimplexDirection, Transaction>>>;
  /** This party's signed refund of each simplex channel it pays on. */
  readonly refunds: Readonly<Partial<Record<SimplexDirection, Transaction>>>;
  /** Other branches the counterparty could publish, which the watcher follows if the chain takes one. */
  readonly others?: readonly DuplexOtherBranch[];
}

/**
 * Check an exit's shape against its channel: the branch has one transaction
 * per level, each spending the one before it, the first the kickoff's.
 *
 * @param e - The exit.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `e` is not an exit of its channel.
 */
export function checkDuplexExit(e: DuplexExit): DuplexExit {
  if (e === null || typeof e !== 'object') fail('INVALID_ARGUMENT', 'exit must be an object');
  const ctx = expectDuplexContext(e.ctx);
  if (!(e.kickoff instanceof Transaction) || !Array.isArray(e.branch) || e.branch.length !== ctx.params.levels) {
    fail('INVALID_ARGUMENT', `an exit has the kickoff and ${ctx.params.levels} tree transactions`);
  }
  let parent = e.kickoff;
  for (const [j, t] of e.branch.entries()) {
    const i = t instanceof Transaction ? t.ins[0] : undefined;
    if (i === undefined || t.ins.length !== 1 || i.index !== 0 || !bytesEqual(i.hash, parent.getHash())) {
      fail('INVALID_ARGUMENT', `tree transaction ${j} does not spend its parent's output 0`);
    }
    parent = t;
  }
  if (e.payments === null || typeof e.payments !== 'object' || e.refunds === null || typeof e.refunds !== 'object') fail('INVALID_ARGUMENT', 'payments and refunds must be objects');
  if (e.others !== undefined) {
    if (!Array.isArray(e.others)) fail('INVALID_ARGUMENT', 'others must be an array');
    for (const o of e.others) {
      if (o === null || typeof o !== 'object' || !Array.isArray(o.branch) || o.branch.length !== ctx.params.levels || !o.branch.every((t: unknown) => t instanceof Transaction)
        || !Array.isArray(o.signed) || o.signed.length !== o.branch.length || o.refunds === null || typeof o.refunds !== 'object') {
        fail('INVALID_ARGUMENT', `another branch has ${ctx.params.levels} transactions, which of them are signed, and refunds`);
      }
    }
  }
  return e;
}

/** The first block a relative lock of `sequence` blocks lets a spend of an output confirmed at `parentHeight` into. */
export function firstBlockFor(parentHeight: number, sequence: number): number {
  return parentHeight + sequence;
}
