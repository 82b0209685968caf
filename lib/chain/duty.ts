/**
 * Duties: transactions a watcher must get mined, kept as data the engine
 * steps on every poll until their outcome is settled. Two shapes:
 *
 * - a replaceable duty is a builder of one transaction at any fee rate (a
 *   penalty claim, a timeout sweep): each attempt is kept, the live one is
 *   broadcast again whenever it is not known to be in the mempool, and a
 *   higher rate from the schedule rebuilds it. Spends of the outpoints it
 *   takes are handed to it: one of ours is adopted (a claim broadcast before
 *   a restart), someone else's confirmed spend of a contested outpoint loses
 *   it.
 * - a fixed duty is a transaction whose bytes cannot change (a pre-signed
 *   close): it is kept in the mempool, and once it has waited long enough a
 *   child through an output of ours pays for it, the child rebuilt at higher
 *   rates as the schedule asks.
 *
 * What a duty decides is here; what it does to the chain (broadcasts, block
 * positions, reorgs) is the engine's, in outpoint-watcher.ts.
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesEqual, txidToHash } from '../core/hash';
import { FeeRate } from '../core/types';
import { ChainTip } from './backend';
import { BlockRef } from './block-follower';
import { DeadlineFeeParams } from './fee-schedule';

/** An output, by txid (display order) and index. */
export interface Outpoint {
  /** The txid of the transaction holding it. */
  readonly txid: string;
  /** Its index among that transaction's outputs. */
  readonly vout: number;
}

/** A transaction of a duty: broadcast by the watcher, or found on chain as its own. */
export interface Attempt {
  /** Its txid. */
  readonly txid: string;
  /** Its bytes. */
  readonly raw: Uint8Array;
  /** The same, parsed. */
  readonly tx: Transaction;
  /** Its fee rate (a child: the rate of the package), sat/kw. */
  readonly rate: FeeRate;
}

/** A transaction in a block. */
export interface Mined {
  /** Its txid. */
  readonly txid: string;
  /** The block's height. */
  readonly height: number;
  /** The block's hash. */
  readonly hash: string;
}

/**
 * The fee schedule of one step: what deadlineFeeRate takes, less the blocks
 * waited (the engine counts them), and the most any attempt may pay.
 */
export type DutyFees = Omit<DeadlineFeeParams, 'blocksWaited'> & {
  /** No attempt, first or raised after a refusal, pays more than this. */
  readonly ceiling: FeeRate;
};

/** What a construction's policy says of a replaceable duty. */
export interface ReplaceablePlan {
  /**
   * The outpoints its transaction spends, asked about in this order before a
   * first attempt (with a following engine) or on every step (without). A
   * confirmed spend of a contested outpoint that is not ours ends the duty.
   */
  readonly spends: readonly {
    /** An outpoint the duty's transaction spends. */
    readonly outpoint: Outpoint;
    /**
     * Whether someone else's confirmed spend of it is a loss (the duty is lost
     * once every contested outpoint is taken), rather than only changing what
     * to build.
     */
    readonly contested: boolean;
  }[];
  /** The rate an attempt found on chain is taken to pay until one is broadcast, sat/kw. */
  readonly rate: FeeRate;
  /** A transaction spending one of its outpoints is one of ours. */
  isOurs(tx: Transaction): boolean;
  /** The signed transaction at `rate`. */
  build(rate: FeeRate): Uint8Array;
  /** The schedule at this tip. */
  fees(tip: ChainTip): DutyFees;
  /** Whether an attempt can still be mined (default: always); one that cannot is rebuilt at once. */
  usable?(a: Attempt): boolean;
  /** A dropped connection is retried within the step, not on the next poll: for a duty that cannot lose a poll's interval. */
  readonly retryAtOnce?: boolean;
  /** An attempt the node took; `replaces` is the live attempt before it. */
  onBroadcast?(a: Attempt, replaces: string | undefined): void;
  /** One of ours is in a block. */
  onConfirmed?(m: Mined): void;
  /** Someone else's spends of every contested outpoint are in blocks: `m` is the last of them. */
  onLost?(m: Mined): void;
  /** Someone else's spend of contested outpoint `index` is in a block while others are still to claim. */
  onTaken?(index: number, m: Mined): void;
  /** Someone else spent an outpoint that is not contested (the policy may build differently from now on). */
  onOtherSpend?(index: number, tx: Transaction, at: BlockRef | undefined): void;
}

/** A builder of one transaction at any rate, until one of its attempts (or someone else's spend) is settled. */
export class ReplaceableDuty {
  /** Every attempt, oldest first, broadcast or found. */
  readonly attempts: Attempt[] = [];
  /** The last attempt the node took, or found unconfirmed. */
  live?: Attempt;
  /** The latest rate. */
  rate: FeeRate;
  /** Tip height at the first step: the schedule counts blocks waited from here. */
  startHeight?: number;
  /** One of ours, in a block. */
  confirmed?: Mined;
  /** Someone else's spend of the last contested outpoint still to claim, in a block. */
  lost?: Mined;
  /**
   * Someone else's spends of contested outpoints, in blocks, by index in
   * `plan.spends`. A transaction that spends one of them cannot be mined.
   */
  readonly taken = new Map<number, Mined>();
  /** The chain was asked once whether its outpoints are spent already. */
  checked = false;

  /** @param plan - What to build, when it is ours, and its fee schedule. */
  constructor(readonly plan: ReplaceablePlan) {
    this.rate = plan.rate;
  }

  /** Its outcome is on chain (ours or someone else's): nothing to broadcast while it stays there. */
  get settled(): boolean {
    return this.confirmed !== undefined || this.lost !== undefined;
  }

  /** The attempt to keep going, if it can still be mined. */
  usableLive(): Attempt | undefined {
    const live = this.live;
    if (live === undefined || (this.taken.size > 0 && this.spendsTaken(live.tx))) return undefined;
    return (this.plan.usable?.(live) ?? true) ? live : undefined;
  }

  /** Whether `tx` spends an outpoint someone else's confirmed spend took. */
  spendsTaken(tx: Transaction): boolean {
    for (const index of this.taken.keys()) {
      const { txid, vout } = this.plan.spends[index]!.outpoint;
      const hash = txidToHash(txid);
      if (tx.ins.some((i) => i.index === vout && bytesEqual(i.hash, hash))) return true;
    }
    return false;
  }

  /** Every contested outpoint is taken. */
  allTaken(): boolean {
    return this.plan.spends.every((s, index) => !s.contested || this.taken.has(index));
  }

  /**
   * A spend of its outpoint `index`, unconfirmed (`at` undefined) or in a
   * block. Says what changed: `'confirmed'` (ours, newly in a block),
   * `'taken'` (someone else's, newly in a block, on a contested outpoint
   * while others are still to claim), `'lost'` (the same on the last one),
   * `'other'` (not ours, on an uncontested outpoint).
   */
  saw(index: number, tx: Transaction, at: BlockRef | undefined): 'confirmed' | 'taken' | 'lost' | 'other' | undefined {
    const txid = tx.getId();
    if (this.plan.isOurs(tx)) {
      if (!this.attempts.some((a) => a.txid === txid)) this.attempts.push({ txid, raw: tx.toBuffer(), tx, rate: this.rate });
      if (!at) {
        this.live = this.attempts.find((a) => a.txid === txid);
        return undefined;
      }
      // A transaction spending two of its outpoints is met once per input.
      if (this.confirmed?.txid === txid && this.confirmed.hash === at.hash) return undefined;
      this.confirmed = { txid, height: at.height, hash: at.hash };
      return 'confirmed';
    }
    if (!this.plan.spends[index]!.contested) return 'other';
    // Unconfirmed, ours outbids it; confirmed, that outpoint is lost, and the duty with the last one.
    if (!at || this.lost) return undefined;
    const before = this.taken.get(index);
    if (before?.txid === txid && before.hash === at.hash) return undefined;
    const m = { txid, height: at.height, hash: at.hash };
    this.taken.set(index, m);
    if (!this.allTaken()) return 'taken';
    this.lost = m;
    return 'lost';
  }

  /** A block that held someone else's spend of outpoint `index` is gone: that outpoint is to claim again. */
  untake(index: number, m: Mined): void {
    if (this.taken.get(index)?.hash !== m.hash) return;
    this.taken.delete(index);
    delete this.lost;
  }

  /** Record an attempt the node took. */
  took(a: Attempt): void {
    if (!this.attempts.some((x) => x.txid === a.txid)) this.attempts.push(a);
    this.live = a;
    this.rate = a.rate;
  }
}

/** What a construction's policy says of the child that pays for a fixed duty. */
export interface ChildPlan {
  /** The parent waits this many blocks unmined before a child pays for it. */
  readonly afterBlocks: number;
  /** The signed child, the package at `rate`. */
  build(rate: FeeRate): Uint8Array;
  /** The schedule at this tip; undefined when no output of ours can pay for a child. */
  fees(tip: ChainTip): DutyFees | undefined;
  /** A child the node took. */
  onBroadcast?(a: Attempt): void;
}

/** What a construction's policy says of a fixed duty. */
export interface FixedPlan {
  /** The transaction. */
  readonly tx: Transaction;
  /** Broadcast it again whenever it is not known to be in the mempool: false for someone else's transaction that we only pay for. */
  readonly rebroadcast: boolean;
  /** Tip height from which it has waited (default: its first step). */
  readonly since?: number;
  /** A child that pays for it once it has waited. */
  readonly child?: ChildPlan;
}

/** A transaction whose bytes are fixed, kept in the mempool and paid for by a child when stuck. */
export class FixedDuty {
  /** Its txid. */
  readonly txid: string;
  /** Its bytes. */
  readonly raw: Uint8Array;
  /** Tip height from which it has waited; restarted when it is known to have left the mempool and comes back. */
  startHeight?: number;
  /** The last child the node took. */
  child?: Attempt;

  /** @param plan - The transaction, its re-broadcast rule and the child that may pay for it. */
  constructor(readonly plan: FixedPlan) {
    this.txid = plan.tx.getId();
    this.raw = plan.tx.toBuffer();
    if (plan.since !== undefined) this.startHeight = plan.since;
  }
}

/** A duty of either shape. */
export type Duty = ReplaceableDuty | FixedDuty;
