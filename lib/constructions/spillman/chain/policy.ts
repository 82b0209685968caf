/**
 * The Spillman construction's watch policies over the generic engine
 * (lib/chain/outpoint-watcher.ts). One duty each, at one time:
 *
 * - the receiver's: from the cutoff L - margin, while the funding output is
 *   unspent, its latest payment (signed by both) is a duty the engine keeps
 *   in the mempool until mined; after L the sender could refund and erase
 *   every payment;
 * - the sender's: from L, while the funding output is unspent (the receiver
 *   vanished), its refund is the duty.
 *
 * Each records what spent the funding output (a payment, the close, the
 * refund, or something it cannot read) and resolves the channel once that
 * spend is buried. Internal: the watchers (watchers.ts) are the API.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ChainTip } from '../../../chain/backend';
import { Duty, FixedDuty } from '../../../chain/duty';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { SpendRecord, Trigger, Watch, WatchPolicy, depthOf } from '../../../chain/watch-policy';
import { AbsoluteLock } from '../../../core/types';
import { SpillmanTxKind } from '../kinds';
import { SPILLMAN_CLOSE_LOCKTIME, spillmanIndexOf } from '../params';
import { SpillmanReceiver } from '../protocol/receiver';
import { SpillmanSender } from '../protocol/sender';

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

/** One watched channel. */
export interface SpillmanWatched {
  readonly channelId: string;
  readonly party: SpillmanSender | SpillmanReceiver;
  funding?: Watch<SpillmanSpendNote>;
  trigger?: Trigger;
  duty?: FixedDuty;
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

type Emit = (e: SpillmanWatchEvent) => void;

/** What both roles' policies share: the spend records, the settling. */
abstract class SpillmanPolicy implements WatchPolicy<SpillmanWatched, 'funding', SpillmanSpendNote> {
  engine!: OutpointWatcher<SpillmanWatched, 'funding', SpillmanSpendNote>;

  constructor(protected readonly emit: Emit, private readonly finalDepth: number) {}

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

  /** The duty, kept until the funding output's spend is in a block (ours or not: either ends the channel). */
  protected keep(w: SpillmanWatched): readonly Duty[] {
    const s = w.funding?.spend;
    if (w.duty === undefined || (s !== undefined && (s.hash !== undefined || s.txid !== w.duty.txid))) return [];
    return [w.duty];
  }

  settle(w: SpillmanWatched, tip: ChainTip): void {
    const s = w.funding?.spend;
    if (!s || depthOf(s, tip) < this.finalDepth) return;
    this.engine.resolve(w);
    this.emit({ kind: 'resolved', channelId: w.channelId, txid: s.txid, spendKind: s.note.kind });
  }
}

/** The receiver's policy: close with the latest payment from L - margin. */
export class SpillmanReceiverPolicy extends SpillmanPolicy {
  work(w: SpillmanWatched, tip: ChainTip): readonly Duty[] {
    const r = w.party as SpillmanReceiver;
    if (w.funding?.spend === undefined && w.duty === undefined && !w.idle && r.cutoffReached(tip)) {
      const tx = r.latestPaymentTransaction();
      this.engine.cancel(w.trigger);
      if (tx === undefined) {
        w.idle = true;
        this.emit({ kind: 'nothing-to-close', channelId: w.channelId });
        return [];
      }
      // Held before its first broadcast: a failed call only means the next poll tries again.
      w.duty = this.engine.hold(w, new FixedDuty({ tx, rebroadcast: true }));
      this.emit({ kind: 'duty', channelId: w.channelId, txid: w.duty.txid, duty: 'close' });
    }
    return this.keep(w);
  }
}

/** The sender's policy: refund from L if the funding output is still unspent. */
export class SpillmanSenderPolicy extends SpillmanPolicy {
  work(w: SpillmanWatched, tip: ChainTip): readonly Duty[] {
    const s = w.party as SpillmanSender;
    if (w.funding?.spend === undefined && w.duty === undefined && lockOpen(s.lockTime, tip)) {
      this.engine.cancel(w.trigger);
      w.duty = this.engine.hold(w, new FixedDuty({ tx: s.refundTransaction(), rebroadcast: true }));
      this.emit({ kind: 'duty', channelId: w.channelId, txid: w.duty.txid, duty: 'refund' });
    }
    return this.keep(w);
  }
}
