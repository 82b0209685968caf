/**
 * The revocable channel's watch policy for the receiver: what a spend of the
 * funding output is, and what the receiver must get mined for each. A
 * revoked sender's version is answered by a penalty claim (a replaceable
 * duty against the sender's timeout of its balance and of each HTLC output);
 * the HTLC outputs of any other version are claimed with the preimages the
 * receiver knows (htlc-success-claims.ts); a CLTV channel is closed at its
 * cutoff, and any channel once an HTLC whose preimage is known nears its
 * expiry unsettled (R4), by a fixed duty with a child when stuck; a spend
 * that pays us but that we did not make is hurried past the cutoff like our
 * own close. The engine (lib/chain/outpoint-watcher.ts) reads the chain and
 * runs the duties.
 */
import { Transaction } from 'bitcoinjs-lib';
import { isChannelError } from '../../../core/errors';
import { maxPackageFeeRate } from '../protocol/cpfp';
import { checkFundingEvidence } from '../../../protocol/funding-evidence';
import { Receiver } from '../protocol/receiver';
import { cltvCutoffReached } from '../../../protocol/party';
import { bytesEqual, txidToHash } from '../../../core/hash';
import { dustLimit } from '../../../tx/outputs';
import { penaltyWeight } from '../tx/weights';
import { FeeRate, relativeLockValue } from '../../../core/types';
import { ChainTip } from '../../../chain/backend';
import { Attempt, ChildPlan, Duty, DutyFees, FixedDuty, ReplaceableDuty } from '../../../chain/duty';
import { burnFeeRate } from '../../../chain/fee-schedule';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { SpendRecord, Trigger, Watch, WatchPolicy, depthOf, errorFields } from '../../../chain/watch-policy';
import { outpointKey } from '../../../chain/spend-scan';
import { txFromBackend } from '../../../chain/parse';
import { SpendClassification, classifyFundingSpend } from './classify';
import { HtlcEntry, htlcBookOf } from './htlc-book';
import { HtlcOutputOnChain, htlcCloseDue, htlcOutputsOf, penaltyDeadline } from './htlc-schedule';
import { SuccessClaimer, SuccessClaims, successClaimsOf } from './htlc-success-claims';
import { htlcPenaltyWeight } from '../tx/penalty';
import { revocableScriptFor } from '../params';
import { p2wshScript } from '../../../tx/outputs';
import { isHtlcOutput } from '../../../tx/htlcs';
import type { ReceiverWatcherOptions, WatcherEvent } from './receiver-watcher';

/** What a spend of the funding output is. */
export interface FundingSpendNote {
  readonly classification: SpendClassification;
  readonly index?: number;
}

/** The claim of a revoked sender's version: every output it can take. */
export interface Penalty {
  readonly revokedTxid: string;
  readonly revokedTx: Uint8Array;
  readonly revokedHash: Uint8Array;
  /** Output of the revoked version paying the receiver's payout key, or -1. */
  readonly ownVout: number;
  /** The revocable output, or -1 (the sender's balance was dust). */
  readonly revocableVout: number;
  readonly revocableValue: bigint;
  /** The HTLCs of the revoked state, and their outputs: each is contested like the revocable one. */
  readonly htlcs: readonly HtlcEntry[];
  readonly htlcOutputs: readonly HtlcOutputOnChain<HtlcEntry>[];
  /** False once something else spent our own output (our wallet may): claim the contested outputs alone. */
  sweepOwn: boolean;
  readonly duty: ReplaceableDuty;
}

/** One watched channel. */
export interface Watched {
  /** The channel's receiver; replaced by ReceiverWatcher.update when its owner saved a newer state. */
  receiver: Receiver;
  readonly channelId: string;
  /** The funding output, as the engine watches it. */
  funding: Watch<FundingSpendNote>;
  penalty?: Penalty;
  /** A close of our own: at the CLTV cutoff, asked for with closeUnilaterally, or the cooperative close the receiver holds. */
  close?: FixedDuty;
  /**
   * The close was taken from the receiver (a cooperative close it saved), not
   * made here: it may have been mined before the first block this watcher
   * reads, which the engine would never show, so the node is asked first.
   */
  closeUnchecked?: boolean;
  /**
   * CLTV: a spend that pays us but that we did not broadcast (the sender's
   * latest version, a close it broadcast), unmined past the cutoff: hurried
   * like a close of ours, since it too must confirm before the expiry.
   */
  hurry?: FixedDuty;
  /** CLTV: the cutoff was handled (a close broadcast, or nothing to close with). */
  cutoffDone: boolean;
  /** The cutoff close was tried once (a cooperative close is asked for only then). */
  cutoffAttempted: boolean;
  /** CLTV: works the channel from its cutoff on. */
  cutoffTrigger?: Trigger;
  /** The funding output on chain was compared with the channel's (once; a node without a tx index cannot show it). */
  fundingChecked: boolean;
  /** The HTLC outputs of the spend (a version not revoked) and our success claims of them. */
  htlcClaims?: SuccessClaims;
  /** HTLC terms: works the channel while an HTLC whose preimage we know is live past E - D - G (R4). */
  htlcTrigger?: Trigger;
  /** R4's G for this channel: the receiver's claim margin or the watcher's grace, the larger. */
  htlcGrace?: number;
}

/** The options once checked, defaults filled in. */
export type ReceiverSettings = Required<Omit<ReceiverWatcherOptions, 'onCutoff' | 'fromHeight' | 'checkMempool'>> & Pick<ReceiverWatcherOptions, 'onCutoff'>;

/**
 * The funding transaction pays the channel's capacity to the 2-of-2 of its
 * keys at its outpoint. A receiver restored from a damaged file, or handed
 * another channel's outpoint, fails here instead of when a penalty is due.
 */
export function checkFundingOutput(receiver: Receiver, raw: Uint8Array): void {
  // The receiver's own check of its funding evidence, depth aside: the watcher only asks which output this is.
  checkFundingEvidence(receiver.context, { tx: raw, confirmations: 0 }, { depth: 0 });
}

/** `p`'s value, or undefined if it has not settled within `ms`. */
async function settleWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms); });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The receiver's policy over the engine; see the module's description. */
export class ReceiverPolicy implements WatchPolicy<Watched, 'funding', FundingSpendNote> {
  /** Channels, by funding outpoint key, in the order watched. */
  readonly byFunding = new Map<string, Watched>();
  /** Channels whose funding output was not compared with the chain yet. */
  readonly unchecked = new Set<Watched>();
  engine!: OutpointWatcher<Watched, 'funding', FundingSpendNote>;
  private readonly claimer: SuccessClaimer<Watched>;

  constructor(private readonly o: ReceiverSettings, private readonly emit: (e: WatcherEvent) => void) {
    this.claimer = new SuccessClaimer<Watched>(o, { hold: (w, d) => this.engine.hold(w, d), drop: (d) => this.engine.drop(d) }, (w, e) => this.emit({ ...e, channelId: w.channelId }));
  }

  // ---- what the chain shows: recorded, never acted on here

  describe(w: Watched, _tag: 'funding', tx: Transaction): FundingSpendNote {
    const { classification, index } = classifyFundingSpend(w.receiver, tx);
    return index === undefined ? { classification } : { classification, index };
  }

  spent(w: Watched, _tag: 'funding', spend: SpendRecord<FundingSpendNote>): void {
    // Payments stop at the first sight of a close; whether it sticks is the duties' business.
    if (w.receiver.phase !== 'closed') w.receiver.markClosed();
    const { classification, index } = spend.note;
    this.emit({
      kind: 'spend', channelId: w.channelId, txid: spend.txid, classification, ...(index !== undefined ? { index, state: index } : {}),
      ...(spend.height !== undefined ? { height: spend.height } : {}),
    });
    if (classification === 'revoked-sender-version') {
      this.dropClaims(w);
      this.recordPenalty(w, spend.tx, index!);
    } else {
      this.dropPenalty(w);
      this.recordClaims(w, spend.tx, classification, index);
    }
  }

  vanished(w: Watched, _tag: 'funding', txid: string): void {
    this.dropPenalty(w);
    this.dropClaims(w);
    delete w.hurry;
    this.emit({ kind: 'spend-vanished', channelId: w.channelId, txid });
  }

  private dropClaims(w: Watched): void {
    this.claimer.drop(w.htlcClaims);
    delete w.htlcClaims;
  }

  /** A version that is not revoked, with HTLC outputs: they are ours to claim with the preimages we know. */
  private recordClaims(w: Watched, tx: Transaction, classification: SpendClassification, index: number | undefined): void {
    if (w.htlcClaims?.txid === tx.getId()) return;
    this.dropClaims(w);
    if (index === undefined || (classification !== 'latest-sender-version' && classification !== 'receiver-version')) return;
    const book = htlcBookOf(w.receiver);
    if (book === undefined) return;
    const version = classification === 'receiver-version' ? 'receiver' : 'sender';
    const updateKey = version === 'sender' ? w.receiver.updateKeyAt(index) : undefined;
    const claims = successClaimsOf(w.receiver.context, book, { version, tx, index, ...(updateKey ? { updateKey } : {}) });
    if (claims) w.htlcClaims = claims;
  }

  private dropPenalty(w: Watched): void {
    if (!w.penalty) return;
    this.engine.drop(w.penalty.duty);
    delete w.penalty;
  }

  /** The duty is recorded before anything is attempted; the revoked outputs are watched from now on. */
  private recordPenalty(w: Watched, revoked: Transaction, index: number): void {
    const revokedTxid = revoked.getId();
    if (w.penalty?.revokedTxid === revokedTxid) return;
    this.dropPenalty(w);
    const ctx = w.receiver.context;
    const revokedHash = revoked.getHash();
    const ownVout = revoked.outs.findIndex((o) => bytesEqual(o.script, ctx.receiverPayoutScript));
    const htlcs = htlcBookOf(w.receiver)?.htlcsAt(index) ?? [];
    const updateKey = w.receiver.updateKeyAt(index)!;
    let revocableVout: number;
    let htlcOutputs: HtlcOutputOnChain<HtlcEntry>[] = [];
    if (htlcs.length === 0) {
      // Without HTLCs a sender's version has the receiver's output (unless dust) and the sender's revocable one.
      revocableVout = revoked.outs.findIndex((_, vout) => vout !== ownVout);
    } else {
      const revocable = p2wshScript(revocableScriptFor(ctx, updateKey));
      revocableVout = revoked.outs.findIndex((o) => bytesEqual(o.script, revocable));
      htlcOutputs = htlcOutputsOf(ctx, { version: 'sender', tx: revoked, updateKey }, htlcs);
    }
    // Every output the sender could take back is contested: the duty is lost only once the sender took them all.
    const spends = [
      ...(revocableVout >= 0 ? [{ outpoint: { txid: revokedTxid, vout: revocableVout }, contested: true }] : []),
      ...htlcOutputs.map((o) => ({ outpoint: { txid: revokedTxid, vout: o.vout }, contested: true })),
      ...(ownVout >= 0 ? [{ outpoint: { txid: revokedTxid, vout: ownVout }, contested: false }] : []),
    ];
    const p: Penalty = {
      revokedTxid, revokedHash, revokedTx: revoked.toBuffer(), ownVout, revocableVout, revocableValue: revoked.outs[revocableVout]?.value ?? 0n,
      htlcs, htlcOutputs, sweepOwn: true,
      duty: new ReplaceableDuty({
        spends, rate: this.o.feeRate, retryAtOnce: true,
        isOurs: (tx) => this.isOurClaim(tx, p),
        build: (rate) => this.buildClaim(w, p, rate),
        fees: (tip) => this.penaltyFees(w, p, tip),
        usable: (a) => !(this.spendsOwn(a.tx, p) && !p.sweepOwn),
        onBroadcast: (a, replaces) => this.emit({ kind: 'penalty-broadcast', channelId: w.channelId, txid: a.txid, feeRate: a.rate, ...(replaces !== undefined ? { replaces } : {}) }),
        onConfirmed: (m) => this.emit({ kind: 'penalty-confirmed', channelId: w.channelId, txid: m.txid, height: m.height }),
        onLost: (m) => this.emit({ kind: 'penalty-lost', channelId: w.channelId, txid: m.txid, height: m.height }),
        // Our own output went elsewhere (our wallet): the claim takes the revocable output alone from now on.
        onOtherSpend: () => { p.sweepOwn = false; },
      }),
    };
    w.penalty = p;
    this.engine.hold(w, p.duty);
  }

  /**
   * Our claims spend a contested output (the revocable one or an HTLC's) and
   * pay only our destination (so a restarted watcher recognises one it
   * broadcast before); anything else spending a revoked output is someone
   * else's, our own wallet's included.
   */
  private isOurClaim(tx: Transaction, p: Penalty): boolean {
    const contested = (vout: number) => vout === p.revocableVout || p.htlcOutputs.some((o) => o.vout === vout);
    const spendsContested = tx.ins.some((i) => contested(i.index) && bytesEqual(i.hash, p.revokedHash));
    return spendsContested && tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, this.o.destinationScript));
  }

  /** The contested outputs someone else's confirmed spend has not taken yet, with their values. */
  private untaken(p: Penalty): { revocable: boolean; htlcs: HtlcOutputOnChain<HtlcEntry>[]; value: bigint; leaveOut: number[] } {
    const taken = new Set([...p.duty.taken.keys()].map((i) => p.duty.plan.spends[i]!.outpoint.vout));
    const revocable = p.revocableVout >= 0 && !taken.has(p.revocableVout);
    const htlcs = p.htlcOutputs.filter((o) => !taken.has(o.vout));
    const value = (revocable ? p.revocableValue : 0n) + htlcs.reduce((a, o) => a + o.value, 0n);
    return { revocable, htlcs, value, leaveOut: [...taken] };
  }

  private spendsOwn(tx: Transaction, p: Penalty): boolean {
    return p.ownVout >= 0 && tx.ins.some((i) => i.index === p.ownVout && bytesEqual(i.hash, p.revokedHash));
  }

  /** The claim's weight taking what is left of the contested outputs, with or without our own output. */
  private penaltyWeightOf(w: Watched, p: Penalty, own: boolean): number {
    const t = w.receiver.context.revocableTemplate;
    const dest = this.o.destinationScript.length;
    if (p.htlcOutputs.length === 0) return penaltyWeight(t, own, dest);
    const left = this.untaken(p);
    return htlcPenaltyWeight(t, { revocable: left.revocable, htlcOutputs: left.htlcs.length, receiverOutput: own }, dest);
  }

  private burnRateOf(w: Watched, p: Penalty): FeeRate {
    // Burning takes the contested outputs alone: our own output is ours and under no deadline.
    return burnFeeRate(this.untaken(p).value, dustLimit(this.o.destinationScript), this.penaltyWeightOf(w, p, false));
  }

  private penaltyFees(w: Watched, p: Penalty, tip: ChainTip): DutyFees {
    const burnRate = this.burnRateOf(w, p);
    return {
      startRate: this.o.feeRate, maxRate: this.o.maxFeeRate, bumpAfterBlocks: this.o.bumpAfterBlocks,
      blocksLeft: this.penaltyDeadlineOf(w, p, tip) - (tip.height + 1), urgentWithin: this.o.urgentWithin, burnWithin: this.o.burnWithin, burnRate, ceiling: burnRate,
    };
  }

  /** The first block the sender can take back an output still to claim: its balance's timeout, or an HTLC's. */
  private penaltyDeadlineOf(w: Watched, p: Penalty, tip: ChainTip): number {
    if (p.htlcOutputs.length === 0) return this.deadlineOf(w, tip);
    const left = this.untaken(p);
    const s = w.funding.spend;
    const v = { version: 'sender' as const, tx: s!.tx, ...(s?.height !== undefined ? { confirmedHeight: s.height } : {}) };
    let deadline = left.revocable ? this.deadlineOf(w, tip) : Infinity;
    for (const o of left.htlcs) deadline = Math.min(deadline, penaltyDeadline(w.receiver.context, v, o.htlc, tip));
    return Number.isFinite(deadline) ? deadline : this.deadlineOf(w, tip);
  }

  /** The claim at `rate`; a node that refuses it for its fee gets one at a higher rate at once, up to the burn rate. */
  private buildClaim(w: Watched, p: Penalty, rate: FeeRate): Uint8Array {
    // Our own output is under no deadline: it rides along only while the contested outputs alone pay the whole fee
    // (never at the burn rate), so no rate the deadline asks for is paid out of it.
    const sweepOwnUpTo = burnFeeRate(this.untaken(p).value, dustLimit(this.o.destinationScript), this.penaltyWeightOf(w, p, true));
    const sweepReceiverOutput = p.sweepOwn && rate < this.burnRateOf(w, p) && rate <= sweepOwnUpTo;
    if (p.htlcOutputs.length === 0) return w.receiver.penaltyTx(p.revokedTx, this.o.destinationScript, rate, { sweepReceiverOutput }).toBuffer();
    const { leaveOut } = this.untaken(p);
    return w.receiver.penaltyTx(p.revokedTx, this.o.destinationScript, rate, { sweepReceiverOutput, leaveOut }).toBuffer();
  }

  /**
   * The block from which the sender's timeout branch of the revoked version
   * can be mined: the claim must confirm before it. CSV: confirmation + D
   * (unconfirmed: at least the next block + D). CLTV: the block after T; for
   * a time lock, estimated from the median time past, which runs about an
   * hour behind the tip.
   */
  private deadlineOf(w: Watched, tip: ChainTip): number {
    const v = w.receiver.variant;
    if (v.kind === 'csv') return (w.funding.spend?.height ?? tip.height + 1) + relativeLockValue(v.delay);
    if ('height' in v.expiry) return v.expiry.height + 1;
    return tip.height + Math.max(0, Math.floor((v.expiry.time - tip.medianTimePast) / 600) - 6);
  }

  // ---- the work of each tip

  /**
   * Once per channel: a mismatching funding output is dropped from the watch;
   * one the node cannot show is kept. An answer that is not the funding
   * transaction (bytes that do not parse, or another txid) is the backend's
   * failure, not evidence: the channel stays watched and is checked again.
   */
  async beforeWork(): Promise<void> {
    for (const w of [...this.unchecked]) await this.checkFunding(w);
  }

  private async checkFunding(w: Watched): Promise<void> {
    const f = w.receiver.funding!;
    try {
      const got = await this.o.backend.getTransaction(f.txid);
      if (got !== undefined) txFromBackend(got.tx, 'funding', f.txid);
      w.fundingChecked = true;
      this.unchecked.delete(w);
      if (got === undefined) return;
      checkFundingOutput(w.receiver, got.tx);
    } catch (e) {
      this.emit({ kind: 'error', channelId: w.channelId, ...errorFields(e) });
      if (!isChannelError(e, 'FUNDING_MISMATCH')) return;
      this.byFunding.delete(outpointKey(txidToHash(f.txid), f.vout));
      this.engine.unwatch(w.funding);
      this.engine.cancel(w.cutoffTrigger);
      this.engine.deactivate(w);
    }
  }

  async work(w: Watched, tip: ChainTip): Promise<readonly Duty[]> {
    const duties: Duty[] = [];
    const s = w.funding.spend;
    if (s?.note.classification === 'revoked-sender-version' && w.penalty) duties.push(w.penalty.duty);
    else if (!s && !w.cutoffDone && w.receiver.variant.kind === 'cltv') await this.cutoff(w, tip);
    if (!s && !w.close && w.htlcTrigger) this.htlcClose(w, tip);
    const book = s && w.htlcClaims ? htlcBookOf(w.receiver) : undefined;
    if (book) duties.push(...this.claimer.work(w, w.receiver, book, w.htlcClaims!, s!.height, tip));
    if (w.close && !s && w.closeUnchecked && (await this.minedBeforeWatch(w, w.close.txid, tip))) return duties;
    if (w.close && (!s || s.txid === w.close.txid)) {
      if (s?.hash === undefined) duties.push(w.close); // mined (ours, or another spend that ended the channel): done
    } else if (s && this.mustHurry(w, s, tip)) {
      if (w.hurry?.txid !== s.txid) w.hurry = this.closeDuty(w, s.tx);
      duties.push(w.hurry);
    }
    return duties;
  }

  /**
   * A CLTV channel past its cutoff whose funding output is spent, unmined, by
   * a transaction that pays us and is not a revoked version: it must confirm
   * before the expiry like our own close, or once it leaves the mempool the
   * sender broadcasts an old version and sweeps it at once. A child through
   * our output pays for it.
   */
  private mustHurry(w: Watched, s: SpendRecord<FundingSpendNote>, tip: ChainTip): boolean {
    const v = w.receiver.variant;
    if (s.hash !== undefined || s.note.classification === 'revoked-sender-version' || v.kind !== 'cltv') return false;
    if (!cltvCutoffReached(v, w.receiver.margin, tip)) return false;
    const ours = w.receiver.context.receiverPayoutScript;
    return s.tx.outs.some((o) => bytesEqual(o.script, ours));
  }

  /**
   * At the cutoff: close before the sender's timeout branch opens. A
   * cooperative close is asked for once; our own latest version otherwise.
   * The close is recorded as a duty before it is broadcast.
   */
  private async cutoff(w: Watched, tip: ChainTip): Promise<void> {
    const r = w.receiver;
    if (!cltvCutoffReached(r.variant, r.margin, tip)) return;
    let tx: Transaction | undefined;
    if (this.o.onCutoff && !w.cutoffAttempted) {
      w.cutoffAttempted = true;
      try {
        tx = await settleWithin(this.o.onCutoff(r), this.o.onCutoffTimeoutMs);
      } catch {
        tx = undefined; // fall back to our own version
      }
    }
    w.cutoffAttempted = true;
    tx ??= r.latestTransaction();
    this.cutoffDone(w);
    if (r.phase !== 'closed') r.markClosed();
    if (!tx) {
      this.engine.deactivate(w);
      this.emit({ kind: 'cutoff', channelId: w.channelId });
      return;
    }
    w.close = this.closeDuty(w, tx);
    this.emit({ kind: 'cutoff', channelId: w.channelId, txid: w.close.txid });
  }

  /**
   * The cooperative close the receiver holds, once both signed it, becomes the
   * channel's close duty: broadcast on every poll that does not find it in the
   * mempool, with a child when stuck, until it (or another spend) is buried.
   * Whoever saved it broadcast it once; a refused broadcast, an eviction or a
   * restart must not leave it unmined while the channel's deadlines run.
   */
  adoptClose(w: Watched): void {
    const tx = w.receiver.closeTransaction();
    if (tx === undefined || w.close?.txid === tx.getId()) return;
    w.close = this.closeDuty(w, tx);
    w.closeUnchecked = true;
    // The close answers the CLTV cutoff: no other close is made for it.
    this.cutoffDone(w);
    this.engine.activate(w);
  }

  /**
   * Whether an adopted close is in a block the engine will not show (mined
   * before the first block it read): nothing to broadcast then, and once it
   * is finalDepth deep the channel is resolved. Not mined (or in a block still
   * to read): the duty goes on, and the engine sees what happens from here.
   */
  private async minedBeforeWatch(w: Watched, txid: string, tip: ChainTip): Promise<boolean> {
    const got = await this.o.backend.getTransaction(txid);
    const height = got?.blockHeight;
    if (height === undefined) {
      w.closeUnchecked = false;
      return false;
    }
    // In a block the engine has not read yet (its read failed): it will show it.
    if (height > this.engine.height) return true;
    if (tip.height - height + 1 >= this.o.finalDepth) {
      this.engine.resolve(w);
      this.emit({ kind: 'resolved', channelId: w.channelId, outcome: 'cooperative-close', txid, height });
    }
    return true;
  }

  /**
   * R4, the HTLCs whose preimage we know and that are still live (the sender
   * has not settled them off chain) from E - D - G on (G the receiver's
   * claim margin, or the watcher's grace when larger): our own latest version
   * goes on chain now, so that our success claims, D blocks after it
   * confirms, are mined before the sender's timeout opens at E + 1.
   */
  htlcsForcingClose(w: Watched, tip: ChainTip): readonly number[] {
    const r = w.receiver;
    const ctx = r.context;
    if (ctx.params.htlc === undefined) return [];
    // Run on every poll for every channel with HTLC terms: the records as they are, the preimage looked up only when due.
    const due: number[] = [];
    for (const h of r.htlcs) {
      // A trimmed HTLC is fee in every version: going on chain for it gains nothing, and a sender could force closes with dust.
      if (!isHtlcOutput(h.amount)) continue;
      // The receiver's own G (its policy's claim margin, read once from its R4 height), or the watcher's when larger.
      w.htlcGrace ??= Math.max(this.o.htlcGraceBlocks, h.expiry - relativeLockValue(ctx.params.htlc.delay) - r.htlcClaimDeadline(h.id));
      if (!htlcCloseDue(ctx, { amount: h.amount, hash: h.hash, expiry: { height: h.expiry } }, w.htlcGrace, tip)) continue;
      if ((h.preimage ?? r.preimageFor(h.hash)) !== undefined) due.push(h.id);
    }
    return due;
  }

  private htlcClose(w: Watched, tip: ChainTip): void {
    const due = this.htlcsForcingClose(w, tip);
    if (due.length === 0) return;
    const tx = w.receiver.latestTransaction();
    if (!tx) return;
    if (w.receiver.phase !== 'closed') w.receiver.markClosed();
    w.close = this.closeDuty(w, tx);
    this.cutoffDone(w);
    this.engine.cancel(w.htlcTrigger);
    delete w.htlcTrigger;
    this.emit({ kind: 'htlc-close', channelId: w.channelId, txid: w.close.txid, ids: [...due] });
  }

  /** What unwatch drops besides the funding output: the duties and triggers of the channel. */
  forgetDuties(w: Watched): void {
    if (w.penalty) this.engine.drop(w.penalty.duty);
    this.dropClaims(w);
    this.engine.cancel(w.cutoffTrigger);
    this.engine.cancel(w.htlcTrigger);
  }

  cutoffDone(w: Watched): void {
    w.cutoffDone = true;
    this.engine.cancel(w.cutoffTrigger);
    delete w.cutoffTrigger;
  }

  /**
   * A close (ours, or one that pays us) until it is mined: broadcast, again
   * whenever it is not in the mempool, and with a CPFP child through our own
   * output once it has waited cpfpAfterBlocks blocks; the child's package
   * rate rises as the deadline (CLTV: the expiry) comes.
   */
  closeDuty(w: Watched, tx: Transaction): FixedDuty {
    const child: ChildPlan = {
      afterBlocks: this.o.cpfpAfterBlocks,
      fees: (tip) => {
        const v = w.receiver.variant;
        // CLTV: mined at the latest in the block before the first one the sender's timeout branch can enter, by height
        // or (a time lock) as estimated from the median time past, the same deadline the penalty claims follow.
        const blocksLeft = v.kind === 'cltv' ? this.deadlineOf(w, tip) - (tip.height + 2) : undefined;
        const ctx = w.receiver.context;
        // A close that pays us nothing (we were owed nothing) has no output of ours to pay for it: nothing to do.
        if (!tx.outs.some((o) => bytesEqual(o.script, ctx.receiverPayoutScript))) return undefined;
        // Past the expiry the sender may race an old version: in the last blocks the close is worth all of our output.
        const most = maxPackageFeeRate(ctx, tx, ctx.receiverPayoutScript, this.o.destinationScript);
        return {
          startRate: this.o.feeRate, maxRate: this.o.maxFeeRate, bumpAfterBlocks: this.o.bumpAfterBlocks, ...(blocksLeft !== undefined ? { blocksLeft } : {}),
          urgentWithin: this.o.urgentWithin, burnWithin: this.o.burnWithin, burnRate: most, ceiling: most,
        };
      },
      build: (rate) => w.receiver.childPaysForParent({ parent: tx, destinationScript: this.o.destinationScript, packageFeeRate: rate }).toBuffer(),
      onBroadcast: (a: Attempt) => this.emit({ kind: 'cpfp-broadcast', channelId: w.channelId, txid: a.txid, parent: tx.getId(), packageFeeRate: a.rate }),
    };
    return new FixedDuty({ tx, rebroadcast: true, child });
  }

  settle(w: Watched, tip: ChainTip): void {
    const s = w.funding.spend;
    if (!s || depthOf(s, tip) < this.o.finalDepth) return;
    let claim: string | undefined;
    if (s.note.classification === 'revoked-sender-version') {
      const d = w.penalty?.duty;
      const end = d?.confirmed ?? d?.lost;
      if (!end || depthOf(end, tip) < this.o.finalDepth) return;
      claim = end.txid;
    }
    if (w.htlcClaims && !this.claimer.done(w.receiver.context, w.htlcClaims, tip)) return;
    this.engine.resolve(w);
    this.emit({
      kind: 'resolved', channelId: w.channelId, outcome: s.note.classification, txid: s.txid, height: s.height!, ...(claim !== undefined ? { claim } : {}),
    });
  }
}
