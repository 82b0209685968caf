/**
 * The Spillman construction's watch policies over the generic engine
 * (lib/chain/outpoint-watcher.ts). One duty each, at one time:
 *
 * - the receiver's: from the cutoff L - margin, while the funding output is
 *   unspent, its latest payment (signed by both) is a duty the engine keeps
 *   in the mempool until mined; after L the sender could refund and erase
 *   every payment, so once it has waited a child through the receiver's own
 *   output pays for it, at a rate rising as L nears and, in the last blocks,
 *   all of that output but dust (better burnt than refunded);
 * - the sender's: from L, while the funding output is unspent (the receiver
 *   vanished), its refund is the duty. Form S's refund is pre-signed: a child
 *   through the sender's output pays for it when it waits. Form C's the
 *   sender signs alone: it is signed again at each higher rate, replacing
 *   the last (BIP 125); where the node keeps the first (no replacement), a
 *   child through the live refund's output pays what the replacement would.
 *
 * Each records what spent the funding output (a payment, the close, the
 * refund, or something it cannot read) and resolves the channel once that
 * spend is buried. Internal: the watchers (watchers.ts) are the API.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ChainTip } from '../../../chain/backend';
import { Attempt, ChildPlan, Duty, DutyFees, FixedDuty, ReplaceableDuty } from '../../../chain/duty';
import { burnFeeRate, deadlineFeeRate } from '../../../chain/fee-schedule';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { SpendRecord, Trigger, Watch, WatchPolicy, depthOf } from '../../../chain/watch-policy';
import { bytesEqual, txidToHash } from '../../../core/hash';
import { AbsoluteLock, DUST_P2WPKH, FeeRate } from '../../../core/types';
import { SpillmanTxKind } from '../kinds';
import { SPILLMAN_CLOSE_LOCKTIME, SpillmanContext, spillmanIndexOf } from '../params';
import { SpillmanReceiver } from '../protocol/receiver';
import { SpillmanSender } from '../protocol/sender';
import { spillmanMaxPackageFeeRate } from '../tx/cpfp';
import { spillmanWeights } from '../tx/weights';

/** Seconds a block takes, on average: a time lock's distance in blocks. */
const SECONDS_PER_BLOCK = 600;
/** The median time past runs about this many blocks behind the tip. */
const MEDIAN_TIME_LAG = 6;

/** What a spend of the funding output is, read from its nLockTime. */
export interface SpillmanSpendNote {
  /** A payment, the close, the refund; `unknown` for anything else (it still ends the channel). */
  readonly kind: Exclude<SpillmanTxKind, 'spillman-funding'> | 'unknown';
  /** A payment's index. */
  readonly index?: number;
}

/** What a Spillman watcher reports. */
export type SpillmanWatchEvent =
  | {
    /** The funding output was spent. */
    kind: 'spend';
    /** The channel's id, hex. */
    channelId: string;
    /** The spender. */
    txid: string;
    /** What it is. */
    spendKind: SpillmanSpendNote['kind'];
    /** A payment's index. */
    index?: number;
    /** Its block's height; absent in the mempool. */
    height?: number;
  }
  | {
    /** The duty fell due and its transaction is now kept in the mempool until mined: the receiver's close at L - margin, or the sender's refund at L. */
    kind: 'duty';
    /** The channel's id, hex. */
    channelId: string;
    /** The close or the refund. */
    txid: string;
    /** Which. */
    duty: 'close' | 'refund';
  }
  | {
    /** A child through the party's own output was broadcast to pay for its stuck close or refund. */
    kind: 'cpfp';
    /** The channel's id, hex. */
    channelId: string;
    /** The child. */
    txid: string;
    /** The close or refund it pays for. */
    parent: string;
    /** The rate, sat/kw, parent and child reach together. */
    packageFeeRate: FeeRate;
  }
  | {
    /** Form C: the refund was signed again at a higher rate, and the node took it in place of the last. */
    kind: 'replaced';
    /** The channel's id, hex. */
    channelId: string;
    /** The new refund. */
    txid: string;
    /** The refund it replaced. */
    replaces: string;
    /** Its fee rate, sat/kw. */
    feeRate: FeeRate;
  }
  | {
    /** The cutoff came and the receiver held no payment: nothing to close. */
    kind: 'nothing-to-close';
    /** The channel's id, hex. */
    channelId: string;
  }
  | {
    /** The spend of the funding output is buried: the channel is settled. */
    kind: 'resolved';
    /** The channel's id, hex. */
    channelId: string;
    /** The spender. */
    txid: string;
    /** What it is. */
    spendKind: SpillmanSpendNote['kind'];
  }
  | {
    /** A call failed; the next poll tries again. */
    kind: 'error';
    /** The channel's id, hex, when the failure was one channel's. */
    channelId?: string;
    /** The ChannelError code, or UNKNOWN. */
    code: string;
    /** What went wrong. */
    message: string;
  };

/** What a watcher pays for one channel's duty. */
export interface SpillmanChannelFees {
  /** Where children pay. */
  readonly destinationScript: Uint8Array;
  /** The first rate, sat/kw: of a child's package, or of Form C's refund. */
  readonly feeRate: FeeRate;
  /** The ceiling of the ordinary schedule. */
  readonly maxFeeRate: FeeRate;
}

/** The fee schedule's block counts, one set per watcher. */
export interface SpillmanScheduleSettings {
  /** The rate doubles every this many blocks without confirmation. */
  readonly bumpAfterBlocks: number;
  /** With this many blocks left before L, the close pays maxFeeRate at once. */
  readonly urgentWithin: number;
  /** With this many blocks left before L, the close's child gives all of the receiver's output but dust. */
  readonly burnWithin: number;
  /** A fixed close or refund waits this many blocks unmined before a child pays for it. */
  readonly cpfpAfterBlocks: number;
}

/** One watched channel. */
export interface SpillmanWatched {
  readonly channelId: string;
  readonly party: SpillmanSender | SpillmanReceiver;
  readonly fees: SpillmanChannelFees;
  funding?: Watch<SpillmanSpendNote>;
  trigger?: Trigger;
  duty?: FixedDuty | ReplaceableDuty;
  /** Form C: a child for the live refund, where the node kept it over a higher-fee one. */
  fallback?: FixedDuty;
  /** The duty's time came and went with nothing to do. */
  idle?: boolean;
}

/** What a spend of a Spillman funding output is: its nLockTime says. */
export function spillmanSpendNote(tx: Transaction): SpillmanSpendNote {
  const index = spillmanIndexOf(tx.locktime);
  if (index !== undefined) return { kind: 'spillman-payment', index };
  if (tx.locktime === SPILLMAN_CLOSE_LOCKTIME) return { kind: 'spillman-close' };
  // A refund's nLockTime is L; nothing else of the channel has a height lock or a time before 1985.
  if (tx.locktime !== 0 && tx.outs.length === 1) return { kind: 'spillman-refund' };
  return { kind: 'unknown' };
}

/** Whether a transaction with nLockTime `lock` can enter the block after `tip` (BIP 113: time locks against the median time past). */
export function lockOpen(lock: AbsoluteLock, tip: ChainTip): boolean {
  return 'height' in lock ? tip.height + 1 > lock.height : tip.medianTimePast > lock.time;
}

/**
 * Blocks that can still confirm a child before the first block the refund
 * can enter (L's, by BIP 113 for a time lock, estimated from the median time
 * past), one held back: the close must be mined in them.
 */
export function blocksBeforeRefund(lock: AbsoluteLock, tip: ChainTip): number {
  if ('height' in lock) return lock.height - tip.height - 1;
  return Math.max(0, Math.floor((lock.time - tip.medianTimePast) / SECONDS_PER_BLOCK) - MEDIAN_TIME_LAG) - 1;
}

/** The tip at which a fixed duty fell due, when the lock is by height: a restarted watcher's child waits from there, not anew. */
function dueSince(lock: AbsoluteLock, before: number): number | undefined {
  return 'height' in lock ? lock.height - before : undefined;
}

function lower(a: FeeRate, b: FeeRate): FeeRate {
  return a < b ? a : b;
}

type Emit = (e: SpillmanWatchEvent) => void;

/** What both roles' policies share: the spend records, the settling. */
abstract class SpillmanPolicy implements WatchPolicy<SpillmanWatched, 'funding', SpillmanSpendNote> {
  engine!: OutpointWatcher<SpillmanWatched, 'funding', SpillmanSpendNote>;

  constructor(protected readonly emit: Emit, private readonly finalDepth: number, protected readonly schedule: SpillmanScheduleSettings) {}

  describe(_w: SpillmanWatched, _tag: 'funding', tx: Transaction): SpillmanSpendNote {
    return spillmanSpendNote(tx);
  }

  spent(w: SpillmanWatched, _tag: 'funding', s: SpendRecord<SpillmanSpendNote>): void {
    this.emit({
      kind: 'spend', channelId: w.channelId, txid: s.txid, spendKind: s.note.kind,
      ...(s.note.index !== undefined ? { index: s.note.index } : {}), ...(s.height !== undefined ? { height: s.height } : {}),
    });
  }

  abstract work(w: SpillmanWatched, tip: ChainTip): readonly Duty[];

  /**
   * The duty, kept until the funding output's spend is in a block (ours or
   * not: either ends the channel) or someone else's spend is in the mempool.
   */
  protected keep(w: SpillmanWatched, tip: ChainTip): readonly Duty[] {
    const s = w.funding?.spend;
    const d = w.duty;
    if (d === undefined) return [];
    if (s !== undefined) {
      const ours = d instanceof FixedDuty ? s.txid === d.txid : d.plan.isOurs(s.tx);
      if (s.hash !== undefined || !ours) return [];
    }
    if (d instanceof FixedDuty) return [d];
    const fallback = this.fallbackFor(w, d, tip);
    return fallback ? [d, fallback] : [d];
  }

  /**
   * Whether the duty is still to take up: the funding output is unspent, or
   * spent in the mempool by the duty's own transaction (a watcher restarted
   * after broadcasting it: it must still be kept and paid for until mined).
   */
  protected free(w: SpillmanWatched, ours: (spender: Transaction) => boolean): boolean {
    const s = w.funding?.spend;
    return s === undefined || (s.hash === undefined && ours(s.tx));
  }

  /** Form C's child for a refund the node kept over a higher-fee one; none for a fixed duty. */
  protected fallbackFor(_w: SpillmanWatched, _d: ReplaceableDuty, _tip: ChainTip): FixedDuty | undefined {
    return undefined;
  }

  /** A child through the party's own output of `parent`, on the schedule `fees` gives. */
  protected child(w: SpillmanWatched, parent: Transaction, afterBlocks: number, fees: (tip: ChainTip) => DutyFees | undefined): ChildPlan {
    const party = w.party;
    return {
      afterBlocks,
      fees,
      build: (rate) => party.childPaysForParent({ parent, destinationScript: w.fees.destinationScript, packageFeeRate: rate }).toBuffer(),
      onBroadcast: (a: Attempt) => this.emit({ kind: 'cpfp', channelId: w.channelId, txid: a.txid, parent: parent.getId(), packageFeeRate: a.rate }),
    };
  }

  settle(w: SpillmanWatched, tip: ChainTip): void {
    const s = w.funding?.spend;
    if (!s || depthOf(s, tip) < this.finalDepth) return;
    this.engine.resolve(w);
    this.emit({ kind: 'resolved', channelId: w.channelId, txid: s.txid, spendKind: s.note.kind });
  }
}

/** The receiver's policy: close with the latest payment from L - margin, a child paying for it when it waits. */
export class SpillmanReceiverPolicy extends SpillmanPolicy {
  work(w: SpillmanWatched, tip: ChainTip): readonly Duty[] {
    const r = w.party as SpillmanReceiver;
    if (w.duty === undefined && !w.idle && r.cutoffReached(tip)) {
      const spend = w.funding?.spend;
      const paysUs = (t: Transaction): boolean => t.outs.some((o) => bytesEqual(o.script, r.context.receiverPayoutScript));
      // Unmined and paying us (our close from before a restart, or a cooperative close the sender broadcast at its own
      // low rate): it must be mined before L as much as our own close, and the latest payment could not replace it.
      if (spend !== undefined && !(spend.hash === undefined && paysUs(spend.tx))) return this.keep(w, tip);
      const tx = spend?.tx ?? r.latestPaymentTransaction();
      this.engine.cancel(w.trigger);
      if (tx === undefined) {
        w.idle = true;
        this.emit({ kind: 'nothing-to-close', channelId: w.channelId });
        return [];
      }
      // Held before its first broadcast: a failed call only means the next poll tries again.
      w.duty = this.engine.hold(w, this.closeDuty(w, r, tx));
      this.emit({ kind: 'duty', channelId: w.channelId, txid: w.duty.txid, duty: 'close' });
    }
    return this.keep(w, tip);
  }

  private closeDuty(w: SpillmanWatched, r: SpillmanReceiver, tx: Transaction): FixedDuty {
    const ctx = r.context;
    const lock = r.lockTime;
    const since = dueSince(lock, r.margin + 1);
    const { bumpAfterBlocks, urgentWithin, burnWithin } = this.schedule;
    const child = this.child(w, tx, this.schedule.cpfpAfterBlocks, (tip) => {
      // After L the sender's refund takes the whole deposit back: in the last blocks all of our output but dust is the fee.
      const most = spillmanMaxPackageFeeRate(ctx, tx, ctx.receiverPayoutScript, w.fees.destinationScript);
      return {
        startRate: w.fees.feeRate, maxRate: w.fees.maxFeeRate, bumpAfterBlocks, blocksLeft: blocksBeforeRefund(lock, tip),
        urgentWithin, burnWithin, burnRate: most, ceiling: most,
      };
    });
    return new FixedDuty({ tx, rebroadcast: true, child, ...(since !== undefined ? { since } : {}) });
  }
}

/** The sender's policy: refund from L if the funding output is still unspent, its fee raised while it waits. */
export class SpillmanSenderPolicy extends SpillmanPolicy {
  work(w: SpillmanWatched, tip: ChainTip): readonly Duty[] {
    const s = w.party as SpillmanSender;
    if (w.duty === undefined && lockOpen(s.lockTime, tip)) {
      const ctx = s.context;
      const ours = (spender: Transaction): boolean => (s.form === 'S' ? spender.getId() === s.refundTransaction().getId() : isRefundOf(ctx, spender));
      if (!this.free(w, ours)) return [];
      this.engine.cancel(w.trigger);
      if (s.form === 'S') {
        const d = this.engine.hold(w, this.presignedRefundDuty(w, s));
        w.duty = d;
        this.emit({ kind: 'duty', channelId: w.channelId, txid: d.txid, duty: 'refund' });
      } else {
        // Its txid is known at its first broadcast, when the duty event goes out.
        w.duty = this.engine.hold(w, this.refundDuty(w, s));
      }
    }
    return this.keep(w, tip);
  }

  /**
   * The refund has no deadline of its own (a payment the receiver broadcasts
   * late only pays what the sender owes), so the schedule doubles up to
   * maxFeeRate and never burns.
   */
  private refundFees(w: SpillmanWatched, most: FeeRate): DutyFees {
    const ceiling = lower(most, w.fees.maxFeeRate);
    return {
      startRate: w.fees.feeRate, maxRate: w.fees.maxFeeRate, bumpAfterBlocks: this.schedule.bumpAfterBlocks, urgentWithin: 0, burnWithin: 0,
      burnRate: ceiling, ceiling,
    };
  }

  /** Form S: the receiver's pre-signed refund, its bytes fixed; a child through our output pays for it when it waits. */
  private presignedRefundDuty(w: SpillmanWatched, s: SpillmanSender): FixedDuty {
    const tx = s.refundTransaction();
    const ctx = s.context;
    const child = this.child(w, tx, this.schedule.cpfpAfterBlocks, () => this.refundFees(w, spillmanMaxPackageFeeRate(ctx, tx, ctx.senderPayoutScript, w.fees.destinationScript)));
    const since = dueSince(s.lockTime, 0);
    return new FixedDuty({ tx, rebroadcast: true, child, ...(since !== undefined ? { since } : {}) });
  }

  /** Form C: the refund signed again at each rate the schedule asks, each replacing the last where the node replaces. */
  private refundDuty(w: SpillmanWatched, s: SpillmanSender): ReplaceableDuty {
    const ctx = s.context;
    const f = ctx.params.fundingOutpoint;
    // At this rate the refund leaves the sender only dust.
    const most = burnFeeRate(ctx.params.capacity, DUST_P2WPKH, spillmanWeights('C').refund);
    return new ReplaceableDuty({
      spends: [{ outpoint: { txid: f.txid, vout: f.vout }, contested: true }],
      rate: w.fees.feeRate,
      isOurs: (tx) => isRefundOf(ctx, tx),
      build: (rate) => s.refundTransaction(rate).toBuffer(),
      fees: () => this.refundFees(w, most),
      onBroadcast: (a, replaces) => this.emit(replaces === undefined
        ? { kind: 'duty', channelId: w.channelId, txid: a.txid, duty: 'refund' }
        : { kind: 'replaced', channelId: w.channelId, txid: a.txid, replaces, feeRate: a.rate }),
    });
  }

  /**
   * A node that replaces takes each higher refund, and this pays for
   * nothing. One that keeps the first (bcoin; Core without BIP 125 for it)
   * refuses them: then a child through the live refund's output lifts it to
   * the rate the refused replacement offered.
   */
  protected override fallbackFor(w: SpillmanWatched, d: ReplaceableDuty, _tip: ChainTip): FixedDuty | undefined {
    const live = d.live;
    if (live === undefined) return undefined;
    if (w.fallback?.txid === live.txid) return w.fallback;
    const s = w.party as SpillmanSender;
    const ctx = s.context;
    const child = this.child(w, live.tx, 0, (tip) => {
      if (d.live?.txid !== live.txid) return undefined; // replaced since: the new refund gets its own
      const fees = d.plan.fees(tip);
      const want = deadlineFeeRate({ ...fees, blocksWaited: Math.max(0, tip.height - (d.startHeight ?? tip.height)) });
      if (want <= live.rate) return undefined;
      const ceiling = lower(spillmanMaxPackageFeeRate(ctx, live.tx, ctx.senderPayoutScript, w.fees.destinationScript), w.fees.maxFeeRate);
      return { startRate: want, maxRate: want, bumpAfterBlocks: 1, urgentWithin: 0, burnWithin: 0, burnRate: ceiling, ceiling };
    });
    w.fallback = new FixedDuty({ tx: live.tx, rebroadcast: false, child });
    return w.fallback;
  }
}

/** A Form C refund of this channel: spends the funding output alone, nLockTime L, one output to the sender. */
function isRefundOf(ctx: SpillmanContext, tx: Transaction): boolean {
  const f = ctx.params.fundingOutpoint;
  const input = tx.ins[0];
  return tx.ins.length === 1 && input !== undefined && input.index === f.vout && bytesEqual(input.hash, txidToHash(f.txid))
    && tx.locktime === ctx.lockTimeValue && tx.outs.length === 1 && bytesEqual(tx.outs[0]!.script, ctx.senderPayoutScript);
}
