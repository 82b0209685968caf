/**
 * The receiver's watcher. It reads each block once and looks every input up
 * in a map of watched outpoints, so its cost follows the block's inputs, not
 * the number of channels. On a spend of a funding output it classifies the
 * spend; a revoked sender's version gets a penalty claim at once, replaced
 * with a higher fee every few blocks until it confirms. In CLTV channels it
 * closes at the payment cutoff. What it has done is kept as records, and
 * before broadcasting it asks the chain whether the output is already spent,
 * so a restarted watcher that sees the same blocks again does nothing twice.
 */
import { EventEmitter } from 'node:events';
import { Block, Transaction } from 'bitcoinjs-lib';
import { isChannelError } from '../errors';
import { Receiver } from '../channel/receiver';
import { cltvCutoffReached } from '../channel/state';
import { bytesEqual, toHex, txidToHash } from '../tx/hash';
import { FeeRate } from '../types';
import { ChainBackend, ChainTip } from './backend';
import { SpendClassification, classifyFundingSpend } from './classify';

export type WatcherEvent =
  | { kind: 'block'; height: number }
  | { kind: 'spend'; channelId: string; txid: string; classification: SpendClassification; state?: number; height?: number }
  | { kind: 'penalty-broadcast'; channelId: string; txid: string; feeRate: FeeRate; replaces?: string }
  | { kind: 'penalty-confirmed'; channelId: string; txid: string; height: number }
  /** Someone else's spend of the revoked version's revocable output confirmed first (the sender's sweep after the lock): nothing left to claim. */
  | { kind: 'penalty-lost'; channelId: string; txid: string; height: number }
  | { kind: 'cutoff'; channelId: string; txid?: string }
  /** A broadcast the node refused; the watcher retries on later polls. */
  | { kind: 'error'; channelId: string; code: string; message: string; reason?: string };

export interface ReceiverWatcherOptions {
  readonly backend: ChainBackend;
  /** Fee rate of the first penalty claim, sat/kw. */
  readonly feeRate: FeeRate;
  /** Where penalty claims pay. */
  readonly destinationScript: Uint8Array;
  /** First block height to read. */
  readonly fromHeight: number;
  /** Replace an unconfirmed penalty after this many blocks (default 2). */
  readonly bumpAfterBlocks?: number;
  /** Never bump past this rate (default 32 times the first). */
  readonly maxFeeRate?: FeeRate;
  /** At a CLTV cutoff: try a cooperative close first; return the signed close, or undefined to close unilaterally. */
  readonly onCutoff?: (receiver: Receiver) => Promise<Transaction | undefined>;
  /** Also look for spends in the mempool on every poll (default true). */
  readonly checkMempool?: boolean;
}

interface PenaltyRecord {
  revokedTxid: string;
  revokedTx: Uint8Array;
  /** Every version broadcast, oldest first; the last is the live one. */
  txids: string[];
  feeRate: FeeRate;
  broadcastHeight: number;
  confirmedHeight?: number;
  readonly revokedHash: Uint8Array;
  /** Output of the revoked version paying the receiver's payout key, or -1. */
  readonly ownVout: number;
  readonly revocableVout: number;
  /** False once something else spent that output (the receiver's own wallet may): claim the revocable output alone. */
  sweepOwn: boolean;
  lost?: { txid: string; height: number };
}

interface Watched {
  readonly receiver: Receiver;
  readonly channelId: string;
  spend?: { txid: string; classification: SpendClassification; height?: number };
  penalty?: PenaltyRecord;
  cutoffDone: boolean;
  /** The cutoff close was tried once (a cooperative close is asked for only then). */
  cutoffAttempted?: boolean;
}

/**
 * The watcher's key for an outpoint: the txid in the byte order transactions
 * carry it (not the reversed display order), so a block's inputs need no copy.
 */
export function outpointKey(hash: Uint8Array, vout: number): string {
  return `${toHex(hash)}:${vout}`;
}

/**
 * The entries of `watched` (keyed by outpointKey) that `txs` spend, in block
 * order, each with its spending transaction: one key and one map lookup per
 * input, so the cost follows the block's inputs, not the number of entries.
 * Lazy: an entry added while the caller handles one hit is found later in the
 * same block (a penalty claim mined together with the revoked version).
 */
export function* spendsIn<T>(txs: readonly Transaction[], watched: ReadonlyMap<string, T>): Generator<{ tx: Transaction; entry: T }> {
  for (const tx of txs) {
    for (const input of tx.ins) {
      const entry = watched.get(outpointKey(input.hash, input.index));
      if (entry !== undefined) yield { tx, entry };
    }
  }
}

type Entry = { readonly kind: 'funding'; readonly w: Watched } | { readonly kind: 'revoked'; readonly w: Watched; readonly vout: number };

function failure(w: Watched, e: unknown): WatcherEvent {
  const reason = isChannelError(e) ? (e.details?.reason as string | undefined) : undefined;
  return {
    kind: 'error', channelId: w.channelId, code: isChannelError(e) ? e.code : 'UNKNOWN', message: (e as Error).message,
    ...(reason !== undefined ? { reason } : {}),
  };
}

export class ReceiverWatcher extends EventEmitter {
  private readonly opts: ReceiverWatcherOptions;
  private readonly byFunding = new Map<string, Watched>();
  /** Funding outputs, and the outputs of revoked versions we have claimed (to see our claim, or anything else, spend them). */
  private readonly byOutpoint = new Map<string, Entry>();
  private nextHeight: number;
  /** Mempool transactions already fetched, by txid. */
  private mempool = new Map<string, Transaction>();

  constructor(opts: ReceiverWatcherOptions) {
    super();
    this.opts = opts;
    this.nextHeight = opts.fromHeight;
  }

  get height(): number {
    return this.nextHeight - 1;
  }

  watch(receiver: Receiver): void {
    const f = receiver.funding;
    if (!f) throw new Error('receiver has no funding outpoint yet');
    const k = outpointKey(txidToHash(f.txid), f.vout);
    const w: Watched = { receiver, channelId: toHex(receiver.channelId), cutoffDone: false };
    this.byFunding.set(k, w);
    this.byOutpoint.set(k, { kind: 'funding', w });
  }

  private emitEvent(e: WatcherEvent): void {
    this.emit('event', e);
    // 'error' is special to EventEmitter (it throws without a listener): failures travel on 'event' only.
    if (e.kind !== 'error') this.emit(e.kind, e);
  }

  /** Read every new block up to the tip, then the mempool; then act on cutoffs and stuck penalties. */
  async poll(): Promise<void> {
    const tip = await this.opts.backend.getTip();
    while (this.nextHeight <= tip.height) {
      const h = this.nextHeight;
      await this.scanBlock(Block.fromBuffer(await this.opts.backend.getBlock(h)), h);
      this.nextHeight = h + 1;
      this.emitEvent({ kind: 'block', height: h });
    }
    if (this.opts.checkMempool ?? true) await this.scanMempool();
    // Most channels have nothing due: check that without an await each, which would cost more than the block's scan.
    for (const w of this.byFunding.values()) {
      if (!w.cutoffDone && !w.spend && w.receiver.variant.kind === 'cltv') await this.checkCutoff(w, tip);
      if (w.penalty) await this.bumpPenalty(w, tip);
    }
  }

  private async scanBlock(block: Block, height: number): Promise<void> {
    for (const { tx, entry } of spendsIn(block.transactions ?? [], this.byOutpoint)) {
      if (entry.kind === 'funding') await this.onFundingSpend(entry.w, tx, height);
      else if (entry.w.penalty) await this.onRevokedOutputSpend(entry.w, entry.vout, tx, height);
    }
  }

  private async scanMempool(): Promise<void> {
    if (this.opts.backend.getMempoolTxids) return this.scanMempoolOnce(this.opts.backend.getMempoolTxids.bind(this.opts.backend));
    // A backend that cannot list its mempool: ask for each channel still open.
    for (const w of this.byFunding.values()) {
      if (w.spend) continue;
      const s = await this.opts.backend.getSpender(w.receiver.funding!);
      if (s) await this.onFundingSpend(w, Transaction.fromBuffer(s.tx), s.blockHeight);
    }
  }

  /**
   * One listing per poll, and a fetch only for transactions not seen before:
   * the cost follows the mempool's new transactions, not the number of
   * channels. Those still in the mempool are scanned again each poll, in
   * memory, since a channel may be watched or a claim registered since.
   */
  private async scanMempoolOnce(list: () => Promise<string[]>): Promise<void> {
    const txids = await list();
    const live = new Map<string, Transaction>();
    for (const txid of txids) {
      let tx = this.mempool.get(txid);
      if (tx === undefined) {
        const got = await this.opts.backend.getTransaction(txid);
        if (got === undefined || got.blockHeight !== undefined) continue; // mined or gone meanwhile: blocks will show it
        tx = Transaction.fromBuffer(got.tx);
      }
      live.set(txid, tx);
    }
    this.mempool = live;
    for (const { tx, entry } of spendsIn([...live.values()], this.byOutpoint)) {
      if (entry.kind === 'funding') await this.onFundingSpend(entry.w, tx, undefined);
    }
  }

  private async onFundingSpend(w: Watched, tx: Transaction, height: number | undefined): Promise<void> {
    const txid = tx.getId();
    if (w.spend?.txid === txid) {
      if (height !== undefined && w.spend.height === undefined) w.spend.height = height;
      return;
    }
    const { classification, state } = classifyFundingSpend(w.receiver, tx);
    w.spend = { txid, classification, ...(height !== undefined ? { height } : {}) };
    if (w.receiver.phase !== 'closed') w.receiver.markClosed();
    this.emitEvent({ kind: 'spend', channelId: w.channelId, txid, classification, ...(state !== undefined ? { state } : {}), ...(height !== undefined ? { height } : {}) });
    if (classification === 'revoked-sender-version') await this.punish(w, tx);
  }

  /**
   * Our claims spend the revocable output and pay only our destination (so a
   * restarted watcher recognises one it broadcast before); anything else
   * spending a revoked output is someone else's, our own wallet's included.
   */
  private isOurClaim(tx: Transaction, p: PenaltyRecord): boolean {
    const spendsRevocable = tx.ins.some((i) => i.index === p.revocableVout && bytesEqual(i.hash, p.revokedHash));
    return spendsRevocable && tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, this.opts.destinationScript));
  }

  private async punish(w: Watched, revoked: Transaction): Promise<void> {
    const revokedTxid = revoked.getId();
    const raw = revoked.toBuffer();
    const tip = await this.opts.backend.getTip();
    // Outputs of the revoked version: register them first, so our own claim is recognised when it confirms.
    const revokedHash = revoked.getHash();
    for (let vout = 0; vout < revoked.outs.length; vout++) this.byOutpoint.set(outpointKey(revokedHash, vout), { kind: 'revoked', w, vout });
    const ownVout = revoked.outs.findIndex((o) => bytesEqual(o.script, w.receiver.context.receiverPayoutScript));
    // A sender's version has the receiver's output (unless dust) and the sender's revocable one.
    const revocableVout = revoked.outs.findIndex((_, vout) => vout !== ownVout);
    const record: PenaltyRecord = {
      revokedTxid, revokedHash, revokedTx: raw, txids: [], feeRate: this.opts.feeRate, broadcastHeight: tip.height, ownVout, revocableVout, sweepOwn: true,
    };
    w.penalty = record;
    // Already spent? Our claim (a restarted watcher seeing the same blocks) is only recorded; anyone else's is contested.
    for (let vout = 0; vout < revoked.outs.length; vout++) {
      const s = await this.opts.backend.getSpender({ txid: revokedTxid, vout });
      if (!s) continue;
      if (record.txids.includes(s.txid) || this.isOurClaim(Transaction.fromBuffer(s.tx), record)) {
        if (!record.txids.includes(s.txid)) record.txids.push(s.txid);
        if (s.blockHeight !== undefined) record.confirmedHeight = s.blockHeight;
        return;
      }
      this.onForeignSpend(w, record, vout, s.txid, s.blockHeight);
    }
    if (record.lost) return;
    await this.broadcastPenalty(w, record, this.opts.feeRate);
  }

  /**
   * A spend of a revoked output that is not our claim. Of our own output it
   * only shrinks the claim; of the revocable output, confirmed, it ends the
   * claim; unconfirmed, our claim is broadcast anyway, since a node with
   * replacement takes the higher fee.
   */
  private onForeignSpend(w: Watched, p: PenaltyRecord, vout: number, txid: string, height: number | undefined): void {
    if (vout === p.ownVout) {
      p.sweepOwn = false;
      return;
    }
    if (height === undefined || p.lost) return;
    p.lost = { txid, height };
    this.emitEvent({ kind: 'penalty-lost', channelId: w.channelId, txid, height });
  }

  private async broadcastPenalty(w: Watched, record: PenaltyRecord, feeRate: FeeRate): Promise<void> {
    let txid: string;
    try {
      const claim = w.receiver.penaltyTx(record.revokedTx, this.opts.destinationScript, feeRate, { sweepReceiverOutput: record.sweepOwn });
      txid = await this.opts.backend.broadcast(claim.toBuffer());
    } catch (e) {
      // A node without replacement (or a full mempool) can refuse the bump: the live claim stays, and the next poll tries again.
      this.emitEvent(failure(w, e));
      return;
    }
    const replaces = record.txids[record.txids.length - 1];
    record.txids.push(txid);
    record.feeRate = feeRate;
    record.broadcastHeight = (await this.opts.backend.getTip()).height;
    this.emitEvent({ kind: 'penalty-broadcast', channelId: w.channelId, txid, feeRate, ...(replaces ? { replaces } : {}) });
  }

  private async onRevokedOutputSpend(w: Watched, vout: number, tx: Transaction, height: number): Promise<void> {
    const p = w.penalty!;
    const txid = tx.getId();
    if (p.confirmedHeight !== undefined || p.lost) return;
    if (p.txids.includes(txid) || this.isOurClaim(tx, p)) {
      p.confirmedHeight = height;
      if (!p.txids.includes(txid)) p.txids.push(txid);
      this.emitEvent({ kind: 'penalty-confirmed', channelId: w.channelId, txid, height });
      return;
    }
    const sweptOwn = p.sweepOwn;
    this.onForeignSpend(w, p, vout, txid, height);
    // Our live claim spent the output that just went elsewhere: it can never confirm, so claim the rest now.
    if (sweptOwn && !p.sweepOwn && !p.lost) await this.broadcastPenalty(w, p, p.feeRate);
  }

  private async bumpPenalty(w: Watched, tip: ChainTip): Promise<void> {
    const p = w.penalty;
    if (!p || p.confirmedHeight !== undefined || p.lost) return;
    // Never broadcast (the node or the connection refused): try again at the same rate on every poll.
    if (p.txids.length === 0) return this.broadcastPenalty(w, p, p.feeRate);
    if (tip.height - p.broadcastHeight < (this.opts.bumpAfterBlocks ?? 2)) return;
    const cap = this.opts.maxFeeRate ?? this.opts.feeRate * 32n;
    const next = p.feeRate * 2n > cap ? cap : p.feeRate * 2n;
    if (next <= p.feeRate) return;
    await this.broadcastPenalty(w, p, next);
  }

  /**
   * At the cutoff: close before the sender's timeout branch opens. Done only
   * once a close is broadcast (or there is nothing to close with); a failed
   * broadcast is tried again on every poll, with our own latest version after
   * a cooperative close failed once.
   */
  private async checkCutoff(w: Watched, tip: ChainTip): Promise<void> {
    const r = w.receiver;
    if (w.cutoffDone || w.spend || r.variant.kind !== 'cltv') return;
    if (!cltvCutoffReached(r.variant, r.margin, tip)) return;
    let tx: Transaction | undefined;
    if (this.opts.onCutoff && !w.cutoffAttempted) {
      try {
        tx = await this.opts.onCutoff(r);
      } catch {
        tx = undefined; // fall back to our own version
      }
    }
    w.cutoffAttempted = true;
    tx ??= r.latestTransaction();
    if (!tx) {
      w.cutoffDone = true;
      if (r.phase !== 'closed') r.markClosed();
      this.emitEvent({ kind: 'cutoff', channelId: w.channelId });
      return;
    }
    let txid: string;
    try {
      txid = await this.opts.backend.broadcast(tx.toBuffer());
    } catch (e) {
      this.emitEvent(failure(w, e));
      return;
    }
    w.cutoffDone = true;
    if (r.phase !== 'closed') r.markClosed();
    this.emitEvent({ kind: 'cutoff', channelId: w.channelId, txid });
  }

  /** What the watcher has done, per channel, for callers and tests. */
  records(): { channelId: string; spend?: Watched['spend']; penalty?: { txids: string[]; feeRate: string; confirmedHeight?: number } }[] {
    return [...this.byFunding.values()].map((w) => ({
      channelId: w.channelId,
      ...(w.spend ? { spend: { ...w.spend } } : {}),
      ...(w.penalty ? { penalty: { txids: [...w.penalty.txids], feeRate: w.penalty.feeRate.toString(), ...(w.penalty.confirmedHeight !== undefined ? { confirmedHeight: w.penalty.confirmedHeight } : {}) } } : {}),
    }));
  }
}
