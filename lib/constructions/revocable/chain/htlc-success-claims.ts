/**
 * The receiver's success claims of the HTLC outputs of a published version
 * that is not revoked (the sender's latest, or the receiver's own), one duty
 * per output whose preimage the receiver knows: on the sender's version at
 * once, on the receiver's D blocks after it confirmed, each before the
 * sender's timeout of that output opens. A preimage learned after the
 * version was published (a downstream payee settling late) starts its claim
 * on the next poll. A claim too small to pay its own fee is not made.
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesEqual } from '../../../core/hash';
import { FeeRate, MIN_FEE_RATE, PublicKey } from '../../../core/types';
import { ChainTip } from '../../../chain/backend';
import { Duty, DutyFees, ReplaceableDuty } from '../../../chain/duty';
import { burnFeeRate } from '../../../chain/fee-schedule';
import { depthOf } from '../../../chain/watch-policy';
import { dustLimit } from '../../../tx/outputs';
import { ChannelContext } from '../params';
import { htlcClaimWeight } from '../tx/htlc-claims';
import { PaymentVersion } from '../tx/payment';
import { HtlcBook, HtlcEntry } from './htlc-book';
import { HtlcOutputOnChain, PublishedVersion, htlcOutputsOf, successWindow } from './htlc-schedule';

/** One published version's HTLC outputs, and the success claims of them. */
export interface SuccessClaims {
  /** The version's txid. */
  readonly txid: string;
  /** Whose version. */
  readonly version: PaymentVersion;
  /** The version. */
  readonly tx: Transaction;
  /** K_i, for the sender's version. */
  readonly updateKey?: PublicKey;
  /** Its HTLC outputs. */
  readonly outputs: readonly HtlcOutputOnChain<HtlcEntry>[];
  /** The claim of each output, by output index, once started. */
  readonly duties: Map<number, ReplaceableDuty>;
  /** The version's block height when last worked; absent while unconfirmed. */
  height?: number;
  /** The receiver when last worked (its owner may hand the watcher a newer copy). */
  claimant?: SuccessClaimant;
}

/** What signs a success claim: the receiver. */
export interface SuccessClaimant {
  /** The channel. */
  readonly context: ChannelContext;
  /** The signed success claim of one HTLC output with its preimage. */
  htlcSuccessTx(p: {
    /** Whose version holds the output. */
    readonly version: PaymentVersion;
    /** The version, serialized. */
    readonly versionTx: Uint8Array;
    /** K_i, for the sender's version. */
    readonly updateKey?: PublicKey;
    /** The HTLC. */
    readonly htlc: HtlcEntry;
    /** Its preimage. */
    readonly preimage: Uint8Array;
    /** Where the claim pays. */
    readonly destinationScript: Uint8Array;
    /** The claim's rate. */
    readonly feeRate: FeeRate;
  }): Transaction;
}

/** What the claims are told of the watcher's settings. */
export interface SuccessClaimSettings {
  readonly destinationScript: Uint8Array;
  readonly feeRate: FeeRate;
  readonly maxFeeRate: FeeRate;
  readonly bumpAfterBlocks: number;
  readonly urgentWithin: number;
  readonly burnWithin: number;
  readonly finalDepth: number;
}

/** What a success claim reports. */
export type SuccessClaimEvent =
  | { kind: 'htlc-claim-broadcast'; id: number; txid: string; feeRate: FeeRate; replaces?: string }
  | { kind: 'htlc-claim-confirmed'; id: number; txid: string; height: number }
  | { kind: 'htlc-claim-lost'; id: number; txid: string; height: number };

/** Where the duties are held: the engine. */
export interface DutyHolder<S> {
  hold<D extends Duty>(subject: S, duty: D): D;
  drop(duty: Duty | undefined): void;
}

/**
 * The HTLC outputs of a published version that is not revoked, or undefined
 * when it has none (no HTLC terms, no HTLCs in its state, all trimmed).
 */
export function successClaimsOf(ctx: ChannelContext, book: HtlcBook | undefined, v: {
  readonly version: PaymentVersion;
  readonly tx: Transaction;
  readonly index: number;
  readonly updateKey?: PublicKey;
}): SuccessClaims | undefined {
  const htlcs = book?.htlcsAt(v.index) ?? [];
  if (htlcs.length === 0) return undefined;
  const outputs = htlcOutputsOf(ctx, v, htlcs);
  if (outputs.length === 0) return undefined;
  return { txid: v.tx.getId(), version: v.version, tx: v.tx, ...(v.updateKey ? { updateKey: v.updateKey } : {}), outputs, duties: new Map() };
}

/** Runs the success claims of a subject's published version; see the module's description. */
export class SuccessClaimer<S> {
  constructor(
    private readonly o: SuccessClaimSettings,
    private readonly engine: DutyHolder<S>,
    private readonly emit: (subject: S, e: SuccessClaimEvent) => void,
  ) {}

  private published(c: SuccessClaims): PublishedVersion {
    return { version: c.version, tx: c.tx, ...(c.updateKey ? { updateKey: c.updateKey } : {}), ...(c.height !== undefined ? { confirmedHeight: c.height } : {}) };
  }

  /**
   * The claims to step at this tip: one started for each output whose
   * preimage is known and whose claim may enter the next block; those of a
   * receiver's version only while it is confirmed (reorged out, its claims
   * would be refused until it is back).
   */
  work(subject: S, claimant: SuccessClaimant, book: HtlcBook, c: SuccessClaims, height: number | undefined, tip: ChainTip): Duty[] {
    c.claimant = claimant;
    if (height === undefined) delete c.height;
    else c.height = height;
    const v = this.published(c);
    const due: Duty[] = [];
    for (const out of c.outputs) {
      let d = c.duties.get(out.vout);
      const window = successWindow(claimant.context, v, out.htlc, tip);
      if (d === undefined) {
        if (!window.due) continue;
        const preimage = book.preimageFor(out.htlc.hash);
        if (preimage === undefined || this.burnRate(c, out) < MIN_FEE_RATE) continue;
        d = this.engine.hold(subject, this.duty(subject, c, out, preimage));
        c.duties.set(out.vout, d);
      }
      if (window.due && !d.settled) due.push(d);
    }
    return due;
  }

  /** Every claim of these outputs is dropped (the version left the chain, or another spend replaced it). */
  drop(c: SuccessClaims | undefined): void {
    for (const d of c?.duties.values() ?? []) this.engine.drop(d);
  }

  /**
   * Nothing more to do: each output's claim (ours, or the sender's timeout
   * that beat it) is buried, or, with no claim made, the sender's timeout
   * has opened (the preimage came too late, or never).
   */
  done(ctx: ChannelContext, c: SuccessClaims, tip: ChainTip): boolean {
    const v = this.published(c);
    return c.outputs.every((out) => {
      const d = c.duties.get(out.vout);
      if (d === undefined) return tip.height + 1 >= successWindow(ctx, v, out.htlc, tip).deadline!;
      const end = d.confirmed ?? d.lost;
      return end !== undefined && depthOf(end, tip) >= this.o.finalDepth;
    });
  }

  /** The rate that leaves the claim a dust output: the most it ever pays. */
  private burnRate(c: SuccessClaims, out: HtlcOutputOnChain): FeeRate {
    const dest = this.o.destinationScript;
    return burnFeeRate(out.value, dustLimit(dest), htlcClaimWeight(c.version, 'success', dest.length));
  }

  private fees(c: SuccessClaims, out: HtlcOutputOnChain<HtlcEntry>, tip: ChainTip): DutyFees {
    const burnRate = this.burnRate(c, out);
    const deadline = successWindow(c.claimant!.context, this.published(c), out.htlc, tip).deadline!;
    return {
      startRate: this.o.feeRate, maxRate: this.o.maxFeeRate, bumpAfterBlocks: this.o.bumpAfterBlocks, blocksLeft: deadline - (tip.height + 1),
      urgentWithin: this.o.urgentWithin, burnWithin: this.o.burnWithin, burnRate, ceiling: burnRate,
    };
  }

  private duty(subject: S, c: SuccessClaims, out: HtlcOutputOnChain<HtlcEntry>, preimage: Uint8Array): ReplaceableDuty {
    const dest = this.o.destinationScript;
    const raw = c.tx.toBuffer();
    const id = out.htlc.id;
    return new ReplaceableDuty({
      spends: [{ outpoint: { txid: c.txid, vout: out.vout }, contested: true }],
      rate: this.o.feeRate, retryAtOnce: true,
      // Ours pay only our destination; the sender's timeout pays its own wallet.
      isOurs: (tx) => tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, dest)),
      build: (rate) => c.claimant!.htlcSuccessTx({
        version: c.version, versionTx: raw, ...(c.updateKey ? { updateKey: c.updateKey } : {}), htlc: out.htlc, preimage, destinationScript: dest, feeRate: rate,
      }).toBuffer(),
      fees: (tip) => this.fees(c, out, tip),
      onBroadcast: (a, replaces) => this.emit(subject, { kind: 'htlc-claim-broadcast', id, txid: a.txid, feeRate: a.rate, ...(replaces !== undefined ? { replaces } : {}) }),
      onConfirmed: (m) => this.emit(subject, { kind: 'htlc-claim-confirmed', id, txid: m.txid, height: m.height }),
      onLost: (m) => this.emit(subject, { kind: 'htlc-claim-lost', id, txid: m.txid, height: m.height }),
    });
  }
}
