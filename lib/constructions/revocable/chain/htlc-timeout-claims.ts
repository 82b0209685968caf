/**
 * The sender's side of the HTLC outputs of a published version (its own or
 * the receiver's): each output is watched from the moment the version is
 * seen, so a success claim by the receiver gives up its preimage at once
 * (checked to hash to H); an output still unclaimed once its timeout opens
 * (E + 1 on the receiver's version; on the sender's own, also D blocks after
 * it confirmed) is taken back by a timeout claim, a duty kept going until it
 * is buried. Each output's outcome is reported once it is buried: our
 * timeout (the HTLC is dead: an upstream HTLC may be failed), or someone
 * else's spend (the receiver's success, or its penalty of a revoked version).
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesEqual, toHex } from '../../../core/hash';
import { FeeRate, MIN_FEE_RATE, PublicKey } from '../../../core/types';
import { ChainTip } from '../../../chain/backend';
import { Duty, Outpoint, ReplaceableDuty } from '../../../chain/duty';
import { burnFeeRate } from '../../../chain/fee-schedule';
import { Watch, depthOf } from '../../../chain/watch-policy';
import { dustLimit } from '../../../tx/outputs';
import { ChannelContext } from '../params';
import { htlcClaimWeight } from '../tx/htlc-claims';
import { PaymentVersion } from '../tx/payment';
import { HtlcBook, HtlcEntry } from './htlc-book';
import { HtlcOutputOnChain, PublishedVersion, htlcOutputsOf, revealedPreimage, timeoutWindow } from './htlc-schedule';

/** What a spend of a watched HTLC output is to the sender. */
export interface HtlcSpendNote {
  /** Our timeout claim (it pays only our destination). */
  readonly own: boolean;
  /** The preimage its witness reveals (the receiver's success claim). */
  readonly preimage?: Uint8Array;
}

/** The tag of a watched HTLC output. */
export interface HtlcOutputTag {
  /** The output. */
  readonly output: HtlcOutputOnChain<HtlcEntry>;
  /** The version's txid as transactions carry it. */
  readonly versionHash: Uint8Array;
}

/** One published version's HTLC outputs, as the sender watches and claims them. */
export interface TimeoutClaims {
  /** The version's txid. */
  readonly txid: string;
  /** Whose version. */
  readonly version: PaymentVersion;
  /** The version. */
  readonly tx: Transaction;
  /** K_i, for the sender's own version. */
  readonly updateKey?: PublicKey;
  /** Its HTLC outputs. */
  readonly outputs: readonly HtlcOutputOnChain<HtlcEntry>[];
  /** Each output's watch, by output index. */
  readonly watches: Map<number, Watch<HtlcSpendNote>>;
  /** Our timeout claim of each output, by output index, once started. */
  readonly duties: Map<number, ReplaceableDuty>;
  /** Outputs whose outcome was reported buried, and HTLCs whose preimage was reported. */
  readonly reported: { readonly buried: Set<number>; readonly preimages: Set<number> };
  /** The version's block height when last worked; absent while unconfirmed. */
  height?: number;
  /** The sender when last worked. */
  claimant?: TimeoutClaimant;
}

/** What signs a timeout claim: the sender. */
export interface TimeoutClaimant {
  /** The channel. */
  readonly context: ChannelContext;
  /** The signed timeout claim of one HTLC output. */
  htlcTimeoutTx(p: {
    /** Whose version holds the output. */
    readonly version: PaymentVersion;
    /** The version, serialized. */
    readonly versionTx: Uint8Array;
    /** K_i, for the sender's version. */
    readonly updateKey?: PublicKey;
    /** The HTLC. */
    readonly htlc: HtlcEntry;
    /** Where the claim pays. */
    readonly destinationScript: Uint8Array;
    /** The claim's rate. */
    readonly feeRate: FeeRate;
  }): Transaction;
}

/** What the claims are told of the watcher's settings. */
export interface TimeoutClaimSettings {
  readonly destinationScript: Uint8Array;
  readonly feeRate: FeeRate;
  readonly maxFeeRate: FeeRate;
  readonly bumpAfterBlocks: number;
  readonly finalDepth: number;
}

/** What the sender's HTLC watch reports. */
export type TimeoutClaimEvent =
  | { kind: 'htlc-preimage'; id: number; hash: string; preimage: string; txid: string }
  | { kind: 'htlc-timeout-broadcast'; id: number; txid: string; feeRate: FeeRate; replaces?: string }
  | { kind: 'htlc-timeout-confirmed'; id: number; txid: string; height: number }
  | { kind: 'htlc-timeout-lost'; id: number; txid: string; height: number };

/** What the claims need of the engine. */
export interface HtlcWatchHost<S> {
  watch(outpoint: Outpoint, subject: S, tag: HtlcOutputTag): Watch<HtlcSpendNote>;
  unwatch(w: Watch<HtlcSpendNote>): void;
  hold<D extends Duty>(subject: S, duty: D): D;
  drop(duty: Duty | undefined): void;
}

/** Runs the sender's watch of a subject's published HTLC outputs; see the module's description. */
export class TimeoutClaimer<S> {
  constructor(
    private readonly o: TimeoutClaimSettings,
    private readonly engine: HtlcWatchHost<S>,
    private readonly emit: (subject: S, e: TimeoutClaimEvent) => void,
  ) {}

  /** Start watching the HTLC outputs of a version seen spending the funding output; undefined when it has none. */
  open(subject: S, ctx: ChannelContext, book: HtlcBook | undefined, v: {
    readonly version: PaymentVersion;
    readonly tx: Transaction;
    readonly index: number;
    readonly updateKey?: PublicKey;
  }): TimeoutClaims | undefined {
    const htlcs = book?.htlcsAt(v.index) ?? [];
    if (htlcs.length === 0) return undefined;
    const outputs = htlcOutputsOf(ctx, v, htlcs);
    if (outputs.length === 0) return undefined;
    const txid = v.tx.getId();
    const versionHash = v.tx.getHash();
    const watches = new Map<number, Watch<HtlcSpendNote>>();
    for (const output of outputs) watches.set(output.vout, this.engine.watch({ txid, vout: output.vout }, subject, { output, versionHash }));
    return {
      txid, version: v.version, tx: v.tx, ...(v.updateKey ? { updateKey: v.updateKey } : {}), outputs, watches, duties: new Map(),
      reported: { buried: new Set(), preimages: new Set() },
    };
  }

  /**
   * What a spend of a watched HTLC output is: one revealing the preimage (a
   * success claim, whatever it pays: one paying our wallet must not hide P),
   * or else ours when it pays only our destination.
   */
  describe(tag: HtlcOutputTag, tx: Transaction): HtlcSpendNote {
    const preimage = revealedPreimage(tx, { ...tag.output, versionHash: tag.versionHash });
    if (preimage !== undefined) return { own: false, preimage };
    return { own: tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, this.o.destinationScript)) };
  }

  /** A spend of a watched HTLC output was seen (mempool or block): a revealed preimage is reported at once, once per HTLC. */
  spent(subject: S, c: TimeoutClaims | undefined, tag: HtlcOutputTag, txid: string, note: HtlcSpendNote): void {
    const p = note.preimage;
    if (p === undefined || c === undefined || c.reported.preimages.has(tag.output.vout)) return;
    c.reported.preimages.add(tag.output.vout);
    const h = tag.output.htlc;
    this.emit(subject, { kind: 'htlc-preimage', id: h.id, hash: toHex(h.hash), preimage: toHex(p), txid });
  }

  /** The version left the chain, or another spend replaced it: its outputs are no longer watched, its claims dropped. */
  close(c: TimeoutClaims | undefined): void {
    if (c === undefined) return;
    for (const w of c.watches.values()) this.engine.unwatch(w);
    for (const d of c.duties.values()) this.engine.drop(d);
  }

  private published(c: TimeoutClaims): PublishedVersion {
    return { version: c.version, tx: c.tx, ...(c.updateKey ? { updateKey: c.updateKey } : {}), ...(c.height !== undefined ? { confirmedHeight: c.height } : {}) };
  }

  /**
   * The claims to step at this tip: one started for each output nobody has
   * spent in a block once its timeout may enter the next block; buried
   * outcomes reported.
   */
  work(subject: S, claimant: TimeoutClaimant, c: TimeoutClaims, height: number | undefined, tip: ChainTip): Duty[] {
    c.claimant = claimant;
    if (height === undefined) delete c.height;
    else c.height = height;
    const v = this.published(c);
    const due: Duty[] = [];
    for (const out of c.outputs) {
      const spend = c.watches.get(out.vout)?.spend;
      if (spend?.height !== undefined) {
        this.reportBuried(subject, c, out, tip);
        continue;
      }
      const window = timeoutWindow(claimant.context, v, out.htlc, tip);
      if (!window.due) continue;
      let d = c.duties.get(out.vout);
      if (d === undefined) {
        if (this.ceiling(c, out) < MIN_FEE_RATE) continue;
        d = this.engine.hold(subject, this.duty(subject, c, out));
        c.duties.set(out.vout, d);
      }
      if (!d.settled) due.push(d);
    }
    return due;
  }

  private reportBuried(subject: S, c: TimeoutClaims, out: HtlcOutputOnChain<HtlcEntry>, tip: ChainTip): void {
    const spend = c.watches.get(out.vout)!.spend!;
    if (c.reported.buried.has(out.vout) || depthOf(spend, tip) < this.o.finalDepth) return;
    c.reported.buried.add(out.vout);
    const e = { id: out.htlc.id, txid: spend.txid, height: spend.height! };
    this.emit(subject, spend.note.own ? { kind: 'htlc-timeout-confirmed', ...e } : { kind: 'htlc-timeout-lost', ...e });
  }

  /** Every output's outcome is buried, or is one no claim of ours can pay for. */
  done(c: TimeoutClaims): boolean {
    return c.outputs.every((out) => c.reported.buried.has(out.vout) || this.ceiling(c, out) < MIN_FEE_RATE);
  }

  /** The most a claim pays: the schedule's ceiling, or what leaves it a dust output. */
  private ceiling(c: TimeoutClaims, out: HtlcOutputOnChain): FeeRate {
    const dest = this.o.destinationScript;
    const burn = burnFeeRate(out.value, dustLimit(dest), htlcClaimWeight(c.version, 'timeout', dest.length));
    return burn < this.o.maxFeeRate ? burn : this.o.maxFeeRate;
  }

  /** No deadline: the rate doubles as it waits, never above what leaves the claim a dust output. */
  private duty(subject: S, c: TimeoutClaims, out: HtlcOutputOnChain<HtlcEntry>): ReplaceableDuty {
    const dest = this.o.destinationScript;
    const raw = c.tx.toBuffer();
    const id = out.htlc.id;
    const ceiling = this.ceiling(c, out);
    return new ReplaceableDuty({
      spends: [{ outpoint: { txid: c.txid, vout: out.vout }, contested: true }],
      rate: this.o.feeRate,
      isOurs: (tx) => tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, dest)),
      build: (rate) => c.claimant!.htlcTimeoutTx({
        version: c.version, versionTx: raw, ...(c.updateKey ? { updateKey: c.updateKey } : {}), htlc: out.htlc, destinationScript: dest, feeRate: rate,
      }).toBuffer(),
      fees: () => ({
        startRate: this.o.feeRate < ceiling ? this.o.feeRate : ceiling, maxRate: ceiling, bumpAfterBlocks: this.o.bumpAfterBlocks, urgentWithin: 0, burnWithin: 0, ceiling,
      }),
      onBroadcast: (a, replaces) => this.emit(subject, { kind: 'htlc-timeout-broadcast', id, txid: a.txid, feeRate: a.rate, ...(replaces !== undefined ? { replaces } : {}) }),
    });
  }
}
