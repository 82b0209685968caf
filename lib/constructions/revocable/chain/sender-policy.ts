/**
 * The revocable channel's watch policy for the sender: whose version spent
 * the funding output, and what the sender must get mined after it. Its own
 * version's revocable output is swept through the timeout branch once the
 * lock opens (a replaceable duty without a deadline: the receiver's claim is
 * the only other spend, and only of a revoked version); a close that pays
 * the sender and sits unmined gets a child (a fixed duty we do not
 * broadcast ourselves). The engine asks the node, so a watcher started late
 * still finds a close made before it.
 */
import { Transaction } from 'bitcoinjs-lib';
import { maxPackageFeeRate } from '../protocol/cpfp';
import { Sender } from '../protocol/sender';
import { bytesEqual } from '../../../core/hash';
import { findRevocableOutput } from '../tx/revocable-spend';
import { decodeObscuredIndex } from '../tx/state-number';
import { ChainBackend, ChainTip } from '../../../chain/backend';
import { Duty, FixedDuty, ReplaceableDuty } from '../../../chain/duty';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { SpendRecord, Watch, WatchPolicy, depthOf } from '../../../chain/watch-policy';
import { FeeRate, absoluteLockValue, relativeLockValue } from '../../../core/types';
import type { SenderWatcherEvent } from './sender-watcher';

/** What the spend of the funding output is to the sender. */
export interface ClosingNote {
  /** It is the sender's own version, whose revocable output the sender sweeps. */
  readonly own: boolean;
}

/** The sender's one channel, as the engine watches it. */
export interface Channel {
  funding?: Watch<ClosingNote>;
  /** Tip height when the current spend was first seen. */
  seenAt?: number;
  /** The timeout sweep of our own version, once its lock opened. */
  sweep?: ReplaceableDuty;
  /** A child paying for a close that pays us. */
  cpfp?: FixedDuty;
}

/** The options once checked, defaults filled in. */
export interface SenderSettings {
  readonly backend: ChainBackend;
  readonly destinationScript: Uint8Array;
  readonly feeRate: FeeRate;
  readonly maxFeeRate: FeeRate;
  readonly bumpAfterBlocks: number;
  readonly finalDepth: number;
  readonly cpfpAfterBlocks: number;
}

/**
 * Whether a timeout spend of an output confirmed at `confirmedHeight` may enter the next block.
 *
 * @param sender - The channel's sender (for its variant).
 * @param confirmedHeight - The height of the block holding the sender's version.
 * @param tip - The chain tip.
 */
export function timeoutOpen(sender: Sender, confirmedHeight: number, tip: ChainTip): boolean {
  const v = sender.variant;
  if (v.kind === 'csv') return tip.height + 1 - confirmedHeight >= relativeLockValue(v.delay);
  const t = absoluteLockValue(v.expiry);
  // nLockTime T is final in block tip+1 when T < tip+1 (heights) or T < median time past (times).
  return 'height' in v.expiry ? t <= tip.height : t < tip.medianTimePast;
}

/** The sender's policy over the engine; see the module's description. */
export class SenderPolicy implements WatchPolicy<Channel, 'funding', ClosingNote> {
  engine!: OutpointWatcher<Channel, 'funding', ClosingNote>;

  constructor(private readonly sender: Sender, private readonly o: SenderSettings, private readonly emit: (e: SenderWatcherEvent) => void) {}

  private indexOf(tx: Transaction): bigint | undefined {
    return decodeObscuredIndex(tx.locktime, tx.ins[0]?.sequence ?? 0, this.sender.context.obscuringFactor);
  }

  describe(_c: Channel, _tag: 'funding', tx: Transaction): ClosingNote {
    const index = this.indexOf(tx);
    return { own: index !== undefined && findRevocableOutput(this.sender.context, tx, this.sender.updateKey(Number(index))) !== undefined };
  }

  spent(c: Channel, _tag: 'funding', spend: SpendRecord<ClosingNote>): void {
    c.seenAt = this.engine.tip!.height;
    this.dropDuties(c);
    if (this.sender.phase !== 'closed') this.sender.markClosed();
    this.emit({ kind: 'closed', txid: spend.txid, own: spend.note.own, ...(spend.height !== undefined ? { height: spend.height } : {}) });
  }

  vanished(c: Channel, _tag: 'funding', txid: string): void {
    this.dropDuties(c);
    this.emit({ kind: 'spend-vanished', txid });
  }

  moved(c: Channel, _tag: 'funding', spend: SpendRecord<ClosingNote>): void {
    // Our version left its block: a sweep built on its old confirmation height is checked again once it is back.
    if (spend.height === undefined && c.sweep) {
      this.engine.drop(c.sweep);
      delete c.sweep;
    }
  }

  private dropDuties(c: Channel): void {
    this.engine.drop(c.sweep);
    delete c.sweep;
    delete c.cpfp;
  }

  work(c: Channel, tip: ChainTip): readonly Duty[] {
    const s = c.funding?.spend;
    if (!s) return [];
    if (s.note.own) {
      if (s.height === undefined || !timeoutOpen(this.sender, s.height, tip)) return [];
      c.sweep ??= this.engine.hold(c, this.sweepDuty(s));
      return [c.sweep];
    }
    if (s.height !== undefined) return [];
    c.cpfp ??= this.cpfpDuty(s, c.seenAt ?? tip.height);
    return [c.cpfp];
  }

  /** The timeout sweep of our version's revocable output: no deadline, the rate doubling as it waits. */
  private sweepDuty(s: SpendRecord<ClosingNote>): ReplaceableDuty {
    const raw = s.tx.toBuffer();
    const vout = findRevocableOutput(this.sender.context, s.tx, this.sender.updateKey(Number(this.indexOf(s.tx))))!.vout;
    const dest = this.o.destinationScript;
    return new ReplaceableDuty({
      spends: [{ outpoint: { txid: s.txid, vout }, contested: true }],
      rate: this.o.feeRate,
      // Our sweeps pay only our destination; anything else spending the output is the receiver's claim.
      isOurs: (tx) => tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, dest)),
      build: (rate) => this.sender.timeoutSweep(raw, dest, rate).toBuffer(),
      fees: () => ({
        startRate: this.o.feeRate, maxRate: this.o.maxFeeRate, bumpAfterBlocks: this.o.bumpAfterBlocks, urgentWithin: 0, burnWithin: 0, ceiling: this.o.maxFeeRate,
      }),
      onBroadcast: (a, replaces) => this.emit({ kind: 'sweep-broadcast', txid: a.txid, feeRate: a.rate, ...(replaces !== undefined ? { replaces } : {}) }),
      onConfirmed: (m) => this.emit({ kind: 'sweep-confirmed', txid: m.txid, height: m.height }),
      // Not ours: the receiver's claim (this version was revoked: the state was an old one).
      onLost: (m) => this.emit({ kind: 'sweep-lost', txid: m.txid, height: m.height }),
    });
  }

  /** A close that pays us, unmined for cpfpAfterBlocks blocks: a child through our output pays for both. */
  private cpfpDuty(s: SpendRecord<ClosingNote>, since: number): FixedDuty {
    const parent = s.tx;
    const dest = this.o.destinationScript;
    return new FixedDuty({
      tx: parent, rebroadcast: false, since,
      child: {
        afterBlocks: this.o.cpfpAfterBlocks,
        fees: () => {
          const ctx = this.sender.context;
          if (!parent.outs.some((o) => bytesEqual(o.script, ctx.senderPayoutScript))) return undefined;
          // No deadline here: the sender's money waits safely in the close. The child never spends more than our output holds.
          const most = maxPackageFeeRate(ctx, parent, ctx.senderPayoutScript, dest);
          const ceiling = most < this.o.maxFeeRate ? most : this.o.maxFeeRate;
          return { startRate: this.o.feeRate, maxRate: this.o.maxFeeRate, bumpAfterBlocks: this.o.bumpAfterBlocks, urgentWithin: 0, burnWithin: 0, burnRate: ceiling, ceiling };
        },
        build: (rate) => this.sender.childPaysForParent({ parent, destinationScript: dest, packageFeeRate: rate }).toBuffer(),
        onBroadcast: (a) => this.emit({ kind: 'cpfp-broadcast', txid: a.txid, parent: s.txid, packageFeeRate: a.rate }),
      },
    });
  }

  settle(c: Channel, tip: ChainTip): void {
    const s = c.funding?.spend;
    if (!s || s.height === undefined || depthOf(s, tip) < this.o.finalDepth) return;
    const d = c.sweep;
    const end = s.note.own ? d?.lost ?? d?.confirmed : undefined;
    if (s.note.own && (!end || depthOf(end, tip) < this.o.finalDepth)) return;
    this.engine.resolve(c);
    this.emit({ kind: 'resolved', txid: s.txid, own: s.note.own, ...(end ? (end === d?.lost ? { lost: end.txid } : { sweep: end.txid }) : {}) });
  }
}
