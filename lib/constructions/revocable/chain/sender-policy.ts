/**
 * The revocable channel's watch policy for the sender: whose version spent
 * the funding output, and what the sender must get mined after it. Its own
 * version's revocable output is swept through the timeout branch once the
 * lock opens (a replaceable duty without a deadline: the receiver's claim is
 * the only other spend, and only of a revoked version); the HTLC outputs of
 * either version are watched for the preimage and taken back once their
 * timeout opens (htlc-timeout-claims.ts); a close that pays the sender and
 * sits unmined gets a child (a fixed duty we do not broadcast ourselves).
 * The engine asks the node, so a watcher started late still finds a close
 * made before it.
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
import { htlcBookOf } from './htlc-book';
import { paymentVersionOf } from './htlc-schedule';
import { HtlcOutputTag, HtlcSpendNote, TimeoutClaimer, TimeoutClaims } from './htlc-timeout-claims';
import type { SenderWatcherEvent } from './sender-watcher';

/** What the spend of the funding output is to the sender. */
export interface ClosingNote {
  /** It is the sender's own version (whose revocable output, unless its balance was dust, the sender sweeps). */
  readonly own: boolean;
}

/**
 * What a spend of an output the sender watches is: of the funding output, a
 * {@link ClosingNote}; of an HTLC output, whether it is our timeout and the
 * preimage it reveals.
 */
export type SenderNote = ClosingNote & Partial<Pick<HtlcSpendNote, 'preimage'>>;

/** What an outpoint the sender watches is: the funding output, or an HTLC output of the version that spent it. */
export type SenderTag = 'funding' | HtlcOutputTag;

/** The sender's one channel, as the engine watches it. */
export interface Channel {
  funding?: Watch<SenderNote>;
  /** Tip height when the current spend was first seen. */
  seenAt?: number;
  /** The timeout sweep of our own version, once its lock opened. */
  sweep?: ReplaceableDuty;
  /** A child paying for a close that pays us. */
  cpfp?: FixedDuty;
  /** The HTLC outputs of the version that spent the funding output, watched, and our timeout claims of them. */
  htlcs?: TimeoutClaims;
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
export class SenderPolicy implements WatchPolicy<Channel, SenderTag, SenderNote> {
  engine!: OutpointWatcher<Channel, SenderTag, SenderNote>;
  private readonly htlcClaims: TimeoutClaimer<Channel>;

  constructor(private readonly sender: Sender, private readonly o: SenderSettings, private readonly emit: (e: SenderWatcherEvent) => void) {
    this.htlcClaims = new TimeoutClaimer<Channel>(o, {
      watch: (outpoint, c, tag) => this.engine.watch(outpoint, c, tag) as Watch<HtlcSpendNote>,
      unwatch: (w) => this.engine.unwatch(w as Watch<SenderNote>),
      hold: (c, d) => this.engine.hold(c, d),
      drop: (d) => this.engine.drop(d),
    }, (_c, e) => this.emit(e));
  }

  private indexOf(tx: Transaction): bigint | undefined {
    return decodeObscuredIndex(tx.locktime, tx.ins[0]?.sequence ?? 0, this.sender.context.obscuringFactor);
  }

  describe(_c: Channel, tag: SenderTag, tx: Transaction): SenderNote {
    if (tag !== 'funding') return this.htlcClaims.describe(tag, tx);
    const index = this.indexOf(tx);
    if (index === undefined) return { own: false };
    const n = Number(index);
    // A sender's balance below dust leaves no revocable output: its HTLC outputs' scripts tell the version then.
    const htlcs = htlcBookOf(this.sender)?.htlcsAt(n) ?? [];
    return { own: paymentVersionOf(this.sender.context, tx, { updateKey: this.sender.updateKey(n), htlcs }) === 'sender' };
  }

  spent(c: Channel, tag: SenderTag, spend: SpendRecord<SenderNote>): void {
    if (tag !== 'funding') {
      this.htlcClaims.spent(c, c.htlcs, tag, spend.txid, spend.note);
      return;
    }
    c.seenAt = this.engine.tip!.height;
    this.dropDuties(c);
    if (this.sender.phase !== 'closed') this.sender.markClosed();
    this.emit({ kind: 'closed', txid: spend.txid, own: spend.note.own, ...(spend.height !== undefined ? { height: spend.height } : {}) });
    this.watchHtlcs(c, spend);
  }

  /** The version's HTLC outputs are watched from now on: the receiver may claim one at once. */
  private watchHtlcs(c: Channel, spend: SpendRecord<SenderNote>): void {
    const index = this.indexOf(spend.tx);
    const book = htlcBookOf(this.sender);
    if (index === undefined || book === undefined) return;
    const n = Number(index);
    const version = spend.note.own ? 'sender' : 'receiver';
    const v = { version, tx: spend.tx, index: n, ...(version === 'sender' ? { updateKey: this.sender.updateKey(n) } : {}) } as const;
    const claims = this.htlcClaims.open(c, this.sender.context, book, v);
    if (claims) c.htlcs = claims;
  }

  vanished(c: Channel, tag: SenderTag, txid: string): void {
    if (tag !== 'funding') return;
    this.dropDuties(c);
    this.emit({ kind: 'spend-vanished', txid });
  }

  moved(c: Channel, tag: SenderTag, spend: SpendRecord<SenderNote>): void {
    // Our version left its block: a sweep built on its old confirmation height is checked again once it is back.
    if (tag === 'funding' && spend.height === undefined && c.sweep) {
      this.engine.drop(c.sweep);
      delete c.sweep;
    }
  }

  private dropDuties(c: Channel): void {
    this.engine.drop(c.sweep);
    delete c.sweep;
    delete c.cpfp;
    this.htlcClaims.close(c.htlcs);
    delete c.htlcs;
  }

  /** The revocable output of our version, if its balance was not dust. */
  private revocableOf(s: SpendRecord<SenderNote>): number | undefined {
    return findRevocableOutput(this.sender.context, s.tx, this.sender.updateKey(Number(this.indexOf(s.tx))))?.vout;
  }

  work(c: Channel, tip: ChainTip): readonly Duty[] {
    const s = c.funding?.spend;
    if (!s) return [];
    const htlcDuties = c.htlcs ? this.htlcClaims.work(c, this.sender, c.htlcs, s.height, tip) : [];
    if (s.note.own) {
      if (s.height === undefined || !timeoutOpen(this.sender, s.height, tip) || this.revocableOf(s) === undefined) return htlcDuties;
      c.sweep ??= this.engine.hold(c, this.sweepDuty(s));
      return [c.sweep, ...htlcDuties];
    }
    if (s.height !== undefined) return htlcDuties;
    c.cpfp ??= this.cpfpDuty(s, c.seenAt ?? tip.height);
    return [c.cpfp, ...htlcDuties];
  }

  /** The timeout sweep of our version's revocable output: no deadline, the rate doubling as it waits. */
  private sweepDuty(s: SpendRecord<SenderNote>): ReplaceableDuty {
    const raw = s.tx.toBuffer();
    const vout = this.revocableOf(s)!;
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
  private cpfpDuty(s: SpendRecord<SenderNote>, since: number): FixedDuty {
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
    if (c.htlcs && !this.htlcClaims.done(c.htlcs)) return;
    const d = c.sweep;
    const swept = s.note.own && this.revocableOf(s) !== undefined;
    const end = swept ? d?.lost ?? d?.confirmed : undefined;
    if (swept && (!end || depthOf(end, tip) < this.o.finalDepth)) return;
    this.engine.resolve(c);
    this.emit({ kind: 'resolved', txid: s.txid, own: s.note.own, ...(end ? (end === d?.lost ? { lost: end.txid } : { sweep: end.txid }) : {}) });
  }
}
