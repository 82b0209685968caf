/**
 * The receiver's watcher. It follows the best chain by block hash, reads
 * each block once and looks every input up in a map of watched outpoints, so
 * its cost follows the blocks' inputs, not the number of channels.
 *
 * Nothing it sees is final at first sight. What it reads from blocks and the
 * mempool only records where each spend stands (a block by hash, or the
 * mempool); a reorg moves a spend back to unconfirmed, and a spend that
 * leaves the mempool without being mined puts the channel back under watch.
 * What it must do (a penalty claim, a close at the CLTV cutoff, a child that
 * pays for a stuck close) is a duty recorded before the first attempt and
 * checked on every poll until its outcome is buried `finalDepth` blocks deep:
 * a failed call, a refused broadcast or an evicted transaction only means
 * the next poll tries again, at a rate that rises as the deadline comes.
 *
 * A restarted watcher that reads the same blocks again finds its own claims
 * there (they spend the revoked outputs and pay only its destination) and
 * broadcasts nothing twice.
 */
import { Block, Transaction } from 'bitcoinjs-lib';
import { fail, isChannelError } from '../errors';
import { maxPackageFeeRate } from '../channel/cpfp';
import { checkFundingEvidence } from '../channel/funding-evidence';
import { Receiver } from '../channel/receiver';
import { cltvCutoffReached } from '../channel/state';
import { bytesEqual, toHex, txidToHash } from '../tx/hash';
import { checkDestinationScript, dustLimit } from '../tx/outputs';
import { penaltyWeight } from '../tx/weights';
import { FeeRate, relativeLockValue } from '../types';
import { ChainBackend, ChainTip } from './backend';
import { checkChainBackend, watcherFeeRates } from './watcher-options';
import { BlockFollower, BlockRef } from './block-follower';
import { SpendClassification, classifyFundingSpend } from './classify';
import { burnFeeRate, deadlineFeeRate } from './fee-schedule';
import { broadcastRaising } from './broadcast';
import { IsolatedEmitter } from './isolated-emitter';
import { blockFromBackend, spenderOf, txFromBackend } from './parse';

/**
 * What a {@link ReceiverWatcher} reports, on `'event'` and on the event's own
 * `kind` (except `'error'`, which travels on `'event'` only).
 */
export type WatcherEvent =
  | {
    /** A block was read. */
    kind: 'block';
    /** Its height. */
    height: number;
    /** Its hash. */
    hash: string;
  }
  | {
    /** A block read before is no longer on the best chain: what it held is unconfirmed again. */
    kind: 'reorg';
    /** Its height. */
    height: number;
    /** Its hash. */
    hash: string;
  }
  | {
    /** A spend of a watched funding output was seen. */
    kind: 'spend';
    /** The channel's id, hex. */
    channelId: string;
    /** The spend's txid. */
    txid: string;
    /** What the spend is. */
    classification: SpendClassification;
    /** The state it encodes, for a payment version. */
    state?: number;
    /** Its block's height; absent while in the mempool. */
    height?: number;
  }
  | {
    /** A spend seen only in the mempool left it unmined (evicted, replaced, reorged out): the channel is watched as before. */
    kind: 'spend-vanished';
    /** The channel's id, hex. */
    channelId: string;
    /** The spend's txid. */
    txid: string;
  }
  | {
    /** A penalty claim was broadcast, first or at a higher fee rate. */
    kind: 'penalty-broadcast';
    /** The channel's id, hex. */
    channelId: string;
    /** The claim's txid. */
    txid: string;
    /** Its fee rate, sat/kw. */
    feeRate: FeeRate;
    /** The txid of the claim it replaces, if any. */
    replaces?: string;
  }
  | {
    /** Our penalty claim is in a block. */
    kind: 'penalty-confirmed';
    /** The channel's id, hex. */
    channelId: string;
    /** The claim's txid. */
    txid: string;
    /** Its block's height. */
    height: number;
  }
  | {
    /** Someone else's spend of the revoked version's revocable output confirmed first (the sender's sweep after the lock): nothing left to claim. */
    kind: 'penalty-lost';
    /** The channel's id, hex. */
    channelId: string;
    /** That spend's txid. */
    txid: string;
    /** Its block's height. */
    height: number;
  }
  | {
    /** A CLTV channel reached its payment cutoff and is being closed. */
    kind: 'cutoff';
    /** The channel's id, hex. */
    channelId: string;
    /** The close's txid; absent when the receiver holds nothing to close with. */
    txid?: string;
  }
  | {
    /** A child spending the receiver's own output of a stuck close (ours, or past a CLTV cutoff any spend paying us), paying for both. */
    kind: 'cpfp-broadcast';
    /** The channel's id, hex. */
    channelId: string;
    /** The child's txid. */
    txid: string;
    /** The stuck parent's txid. */
    parent: string;
    /** The rate parent and child reach together, sat/kw. */
    packageFeeRate: FeeRate;
  }
  | {
    /** The channel's outcome is buried finalDepth blocks deep: the watcher has nothing more to do for it. */
    kind: 'resolved';
    /** The channel's id, hex. */
    channelId: string;
    /** What spent the funding output. */
    outcome: SpendClassification;
    /** That spend's txid. */
    txid: string;
    /** The height of the block that made it final. */
    height: number;
    /** Our penalty claim's txid, when there was one. */
    claim?: string;
  }
  | {
    /** A call that failed (a refused broadcast, a backend that did not answer); the duty is retried on later polls. */
    kind: 'error';
    /** The channel concerned, if any. */
    channelId?: string;
    /** The ChannelError's code, or `'UNKNOWN'`. */
    code: string;
    /** The error's message. */
    message: string;
    /** A refused broadcast's reason, as the node gave it. */
    reason?: string;
  };

/** How a {@link ReceiverWatcher} reads the chain and what it pays. */
export interface ReceiverWatcherOptions {
  /** The receiver's own node. */
  readonly backend: ChainBackend;
  /** Fee rate of the first penalty claim and of a CPFP child's first package, sat/kw; at least the relay floor (MIN_FEE_RATE). */
  readonly feeRate: FeeRate;
  /** Where penalty claims and CPFP children pay: a standard script (checkDestinationScript). */
  readonly destinationScript: Uint8Array;
  /** First block height to read. */
  readonly fromHeight: number;
  /** The rate doubles after this many blocks without confirmation (default 2). */
  readonly bumpAfterBlocks?: number;
  /** Ceiling of the ordinary schedule, not below feeRate (default 32 times feeRate, at most MAX_FEE_RATE); only the last-blocks burn goes above it. */
  readonly maxFeeRate?: FeeRate;
  /** A spend's outcome is final this many blocks deep (default 6). */
  readonly finalDepth?: number;
  /** With this many blocks left before the sender's timeout opens, pay maxFeeRate at once (default 6). */
  readonly urgentWithin?: number;
  /** With this many blocks left, give the whole revocable output but dust to fees (default 2). */
  readonly burnWithin?: number;
  /** A close of ours still unmined after this many blocks gets a CPFP child (default 2). */
  readonly cpfpAfterBlocks?: number;
  /** At a CLTV cutoff: try a cooperative close first; return the signed close, or undefined to close unilaterally. */
  readonly onCutoff?: (receiver: Receiver) => Promise<Transaction | undefined>;
  /**
   * How long onCutoff may take, ms (default 30,000); past it the watcher closes
   * with our own version. The sender is at the other end of a cooperative close:
   * one that never answers must not hold the watcher until the expiry.
   */
  readonly onCutoffTimeoutMs?: number;
  /** Also look for spends in the mempool on every poll (default true). */
  readonly checkMempool?: boolean;
}

/** Where a transaction stands: in a block (by hash), or unconfirmed. */
interface Position {
  height?: number;
  hash?: string;
}

interface Spend extends Position {
  readonly txid: string;
  readonly tx: Transaction;
  readonly classification: SpendClassification;
  readonly state?: number;
}

interface Claim {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly feeRate: FeeRate;
  /** It spends the receiver's own output of the revoked version too. */
  readonly spendsOwn: boolean;
}

interface PenaltyDuty {
  readonly revokedTxid: string;
  readonly revokedTx: Uint8Array;
  readonly revokedHash: Uint8Array;
  /** Output of the revoked version paying the receiver's payout key, or -1. */
  readonly ownVout: number;
  readonly revocableVout: number;
  readonly revocableValue: bigint;
  /** False once something else spent our own output (our wallet may): claim the revocable output alone. */
  sweepOwn: boolean;
  /** Every claim broadcast, oldest first; the last one the node took is `live`. */
  readonly claims: Claim[];
  live?: Claim;
  feeRate: FeeRate;
  /** Tip height when the first claim was attempted. */
  startHeight?: number;
  /** Our claim, in a block. */
  confirmed?: Position & { txid: string };
  /** Someone else's spend of the revocable output, in a block. */
  lost?: Position & { txid: string };
  /** The chain was asked once whether the outputs are spent already (a watcher restarted after its claim). */
  checkedChain: boolean;
}

/** A close of our own: at the CLTV cutoff, or asked for with closeUnilaterally. */
interface CloseDuty {
  readonly tx: Transaction;
  readonly txid: string;
  /** Tip height when it was first broadcast. */
  startHeight?: number;
  cpfp?: { txid: string; raw: Uint8Array; packageFeeRate: FeeRate; startHeight: number };
}

interface Watched {
  readonly receiver: Receiver;
  readonly channelId: string;
  spend?: Spend;
  penalty?: PenaltyDuty;
  close?: CloseDuty;
  /**
   * CLTV: a spend that pays us but that we did not broadcast (the sender's
   * latest version, a close it broadcast), unmined past the cutoff: hurried
   * like a close of ours, since it too must confirm before the expiry.
   */
  hurry?: CloseDuty;
  /** CLTV: the cutoff was handled (a close broadcast, or nothing to close with). */
  cutoffDone: boolean;
  /** The cutoff close was tried once (a cooperative close is asked for only then). */
  cutoffAttempted: boolean;
  resolved?: { height: number };
  /** The funding output on chain was compared with the channel's (once; a node without a tx index cannot show it). */
  fundingChecked: boolean;
}

/**
 * The funding transaction pays the channel's capacity to the 2-of-2 of its
 * keys at its outpoint. A receiver restored from a damaged file, or handed
 * another channel's outpoint, fails here instead of when a penalty is due.
 */
function checkFundingOutput(receiver: Receiver, raw: Uint8Array): void {
  // The receiver's own check of its funding evidence, depth aside: the watcher only asks which output this is.
  checkFundingEvidence(receiver.context, { tx: raw, confirmations: 0 }, { depth: 0 });
}

/**
 * The watcher's key for an outpoint: the txid in the byte order transactions
 * carry it (not the reversed display order), so a block's inputs need no copy.
 *
 * @param hash - The txid as transactions carry it.
 * @param vout - The output's index.
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
 *
 * @param txs - A block's transactions, in order.
 * @param watched - Entries by {@link outpointKey}.
 */
export function* spendsIn<T>(txs: readonly Transaction[], watched: ReadonlyMap<string, T>): Generator<{
  /** The spending transaction. */
  tx: Transaction;
  /** The entry of the outpoint it spends. */
  entry: T;
}> {
  for (const tx of txs) {
    for (const input of tx.ins) {
      const entry = watched.get(outpointKey(input.hash, input.index));
      if (entry !== undefined) yield { tx, entry };
    }
  }
}

type Entry = { readonly kind: 'funding'; readonly w: Watched } | { readonly kind: 'revoked'; readonly w: Watched; readonly vout: number };

function failure(e: unknown, channelId?: string): WatcherEvent {
  const reason = isChannelError(e) ? (e.details?.reason as string | undefined) : undefined;
  return {
    kind: 'error', ...(channelId !== undefined ? { channelId } : {}), code: isChannelError(e) ? e.code : 'UNKNOWN',
    message: e instanceof Error ? e.message : String(e), ...(reason !== undefined ? { reason } : {}),
  };
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

function positiveInt(v: number | undefined, fallback: number, what: string, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < min) fail('INVALID_ARGUMENT', `${what} must be an integer of at least ${min}`);
  return v;
}

/**
 * Watches receivers' channels on the chain and acts for them: it claims
 * everything of a revoked sender's version the sender broadcasts, closes a
 * CLTV channel at its cutoff, and hurries a stuck close with a child,
 * raising fees as deadlines come. Call {@link ReceiverWatcher.poll} after
 * each block (or on a timer); what it sees and does is reported as
 * {@link WatcherEvent}s.
 *
 * @example
 * ```ts
 * const watcher = new ReceiverWatcher({ backend, feeRate: 2000n, destinationScript: wallet, fromHeight: tip.height });
 * watcher.watch(receiver);
 * watcher.onEvent((e) => console.log(e.kind, e));
 * watcher.on('penalty-broadcast', (e) => alert(`claimed ${e.txid}`));
 * setInterval(() => void watcher.poll(), 30_000);
 * ```
 */
export class ReceiverWatcher extends IsolatedEmitter<WatcherEvent> {
  private readonly backend: ChainBackend;
  private readonly feeRate: FeeRate;
  private readonly maxFeeRate: FeeRate;
  private readonly destinationScript: Uint8Array;
  private readonly bumpAfterBlocks: number;
  private readonly finalDepth: number;
  private readonly urgentWithin: number;
  private readonly burnWithin: number;
  private readonly cpfpAfterBlocks: number;
  private readonly checkMempool: boolean;
  private readonly onCutoff?: (receiver: Receiver) => Promise<Transaction | undefined>;
  private readonly onCutoffTimeoutMs: number;
  private readonly follower: BlockFollower;
  private readonly byFunding = new Map<string, Watched>();
  /** Funding outputs, and the outputs of revoked versions (to see our claim, or anything else, spend them). */
  private readonly byOutpoint = new Map<string, Entry>();
  /** Channels something was recorded for in a block, by block hash: what a reorg of that block touches. */
  private readonly byBlock = new Map<string, Set<Watched>>();
  /** Channels whose funding output was not compared with the chain yet. */
  private readonly unchecked = new Set<Watched>();
  /** Channels with a spend or a duty that is not resolved yet. */
  private readonly active = new Set<Watched>();
  /** Mempool transactions already fetched, by txid. */
  private mempool = new Map<string, Transaction>();
  /** Whether the last poll read the mempool: only then does absence from it mean anything. */
  private mempoolRead = false;
  private tip?: ChainTip;

  /**
   * @param opts - The backend, the claims' fee rates and destination, the first height, and the schedule's settings.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, `backend` lacks a ChainBackend method, or a count, `checkMempool`, `onCutoff` or `fromHeight` is of the wrong kind.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` or `maxFeeRate` is not a valid fee rate, or `maxFeeRate` is below `feeRate`.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE}.
   */
  constructor(opts: ReceiverWatcherOptions) {
    super();
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'watcher options must be an object');
    this.backend = checkChainBackend(opts.backend);
    // A claim to a script no node relays, or no wallet can spend, would fail on every poll until the deadline.
    this.destinationScript = Uint8Array.from(checkDestinationScript(opts.destinationScript, 'destinationScript'));
    ({ feeRate: this.feeRate, maxFeeRate: this.maxFeeRate } = watcherFeeRates(opts.feeRate, opts.maxFeeRate));
    this.bumpAfterBlocks = positiveInt(opts.bumpAfterBlocks, 2, 'bumpAfterBlocks');
    this.finalDepth = positiveInt(opts.finalDepth, 6, 'finalDepth');
    this.urgentWithin = positiveInt(opts.urgentWithin, 6, 'urgentWithin', 0);
    this.burnWithin = positiveInt(opts.burnWithin, 2, 'burnWithin', 0);
    this.cpfpAfterBlocks = positiveInt(opts.cpfpAfterBlocks, 2, 'cpfpAfterBlocks');
    if (opts.checkMempool !== undefined && typeof opts.checkMempool !== 'boolean') fail('INVALID_ARGUMENT', 'checkMempool must be a boolean');
    this.checkMempool = opts.checkMempool ?? true;
    if (opts.onCutoff !== undefined && typeof opts.onCutoff !== 'function') fail('INVALID_ARGUMENT', 'onCutoff must be a function');
    if (opts.onCutoff !== undefined) this.onCutoff = opts.onCutoff;
    this.onCutoffTimeoutMs = positiveInt(opts.onCutoffTimeoutMs, 30_000, 'onCutoffTimeoutMs');
    this.follower = new BlockFollower(this.backend, opts.fromHeight, Math.max(144, this.finalDepth * 4));
  }

  /** Height of the last block read. */
  get height(): number {
    return this.follower.height;
  }

  /**
   * Watch a funded channel. Refused: a receiver without a funding outpoint,
   * a second channel on an outpoint already watched. The funding output
   * itself is checked against the chain on the next poll.
   *
   * @param receiver - A receiver with a funding outpoint; the watcher acts through it (penalties, closes).
   * @param opts - The funding transaction, to check the funding output now instead of on the next poll.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `receiver` is not a Receiver, `opts` is not an object, or `fundingTx` is not bytes.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the receiver has no funding outpoint yet.
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if its funding output is already watched.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `fundingTx` does not parse.
   * @throws {@link ChannelError} `FUNDING_MISMATCH` if `fundingTx` is not the channel's funding (`details.field` says how).
   */
  watch(receiver: Receiver, opts: {
    /** The serialized funding transaction. */
    fundingTx?: Uint8Array;
  } = {}): void {
    if (!(receiver instanceof Receiver)) fail('INVALID_ARGUMENT', 'watch takes a Receiver');
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'watch options must be an object');
    const f = receiver.funding;
    if (!f) fail('UNEXPECTED_MESSAGE', 'receiver has no funding outpoint yet');
    const k = outpointKey(txidToHash(f.txid), f.vout);
    if (this.byFunding.has(k)) fail('CHANNEL_ALREADY_WATCHED', `funding output ${f.txid}:${f.vout} is already watched`);
    if (opts.fundingTx !== undefined) checkFundingOutput(receiver, opts.fundingTx);
    const w: Watched = {
      receiver, channelId: toHex(receiver.channelId), cutoffDone: false, cutoffAttempted: false, fundingChecked: opts.fundingTx !== undefined,
    };
    this.byFunding.set(k, w);
    this.byOutpoint.set(k, { kind: 'funding', w });
    if (!w.fundingChecked) this.unchecked.add(w);
  }

  /**
   * Close a channel with the receiver's latest version now (the sender
   * stopped answering). The close is a duty like the cutoff's: broadcast on
   * the next poll, re-broadcast while unmined, and given a CPFP child when
   * stuck.
   *
   * @param receiver - A receiver this watcher watches.
   * @returns The txid of the close.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `receiver` is not a Receiver.
   * @throws {@link ChannelError} `NOT_FOUND` if it is not watched here.
   * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if it holds no signed version that pays it.
   */
  closeUnilaterally(receiver: Receiver): string {
    const w = this.watchedOf(receiver);
    const tx = receiver.latestTransaction();
    if (!tx) fail('NOTHING_TO_CLAIM', 'the receiver holds no signed version that pays it');
    if (receiver.phase !== 'closed') receiver.markClosed();
    w.close = { tx, txid: tx.getId() };
    w.cutoffDone = true;
    this.active.add(w);
    return w.close.txid;
  }

  /**
   * Read every new block up to the tip (undoing any the node dropped), then
   * the mempool, then work on every duty. A backend that fails is reported
   * as an 'error' event and the poll goes on with what it knows: duties are
   * never skipped because a read failed.
   *
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if the backend's tip lacks a height or medianTimePast while a CLTV channel is watched; every other failure is an `'error'` event.
   */
  async poll(): Promise<void> {
    try {
      this.tip = await this.follower.sync({
        disconnect: (ref) => this.disconnect(ref),
        connect: async (block, ref) => this.connect(block, ref),
      });
    } catch (e) {
      this.emitEvent(failure(e));
    }
    this.mempoolRead = false;
    if (this.checkMempool) {
      try {
        await this.scanMempool();
      } catch (e) {
        this.emitEvent(failure(e));
      }
    }
    const tip = this.tip;
    if (tip === undefined) return;
    for (const w of [...this.unchecked]) await this.checkFunding(w);
    // Most channels have nothing due: a CLTV cutoff is one comparison, without an await.
    for (const w of this.byFunding.values()) {
      if (!w.cutoffDone && !w.spend && w.receiver.variant.kind === 'cltv' && cltvCutoffReached(w.receiver.variant, w.receiver.margin, tip)) this.active.add(w);
    }
    for (const w of [...this.active]) {
      try {
        await this.work(w, tip);
      } catch (e) {
        this.emitEvent(failure(e, w.channelId));
      }
    }
  }

  /**
   * Once per channel: a mismatching funding output is dropped from the watch;
   * one the node cannot show is kept. An answer that is not the funding
   * transaction (bytes that do not parse, or another txid) is the backend's
   * failure, not evidence: the channel stays watched and is checked again.
   */
  private async checkFunding(w: Watched): Promise<void> {
    const f = w.receiver.funding!;
    try {
      const got = await this.backend.getTransaction(f.txid);
      if (got !== undefined) txFromBackend(got.tx, 'funding', f.txid);
      w.fundingChecked = true;
      this.unchecked.delete(w);
      if (got === undefined) return;
      checkFundingOutput(w.receiver, got.tx);
    } catch (e) {
      this.emitEvent(failure(e, w.channelId));
      if (!isChannelError(e, 'FUNDING_MISMATCH')) return;
      const k = outpointKey(txidToHash(f.txid), f.vout);
      this.byFunding.delete(k);
      this.byOutpoint.delete(k);
      this.active.delete(w);
    }
  }

  // ---- reading the chain: records where things stand, never acts

  private connect(block: Block, ref: BlockRef): void {
    for (const { tx, entry } of spendsIn(block.transactions ?? [], this.byOutpoint)) {
      if (entry.kind === 'funding') this.seeFundingSpend(entry.w, tx, ref);
      else this.seeRevokedOutputSpend(entry.w, entry.vout, tx, ref);
    }
    this.emitEvent({ kind: 'block', height: ref.height, hash: ref.hash });
  }

  private disconnect(ref: BlockRef): void {
    this.emitEvent({ kind: 'reorg', height: ref.height, hash: ref.hash });
    const touched = this.byBlock.get(ref.hash);
    if (!touched) return;
    this.byBlock.delete(ref.hash);
    for (const w of touched) {
      const unconfirm = (p: Position | undefined) => {
        if (p?.hash !== ref.hash) return;
        delete p.height;
        delete p.hash;
      };
      unconfirm(w.spend);
      if (w.penalty?.confirmed?.hash === ref.hash) delete w.penalty.confirmed;
      if (w.penalty?.lost?.hash === ref.hash) delete w.penalty.lost;
      if (w.resolved) delete w.resolved;
      this.active.add(w);
    }
  }

  private markBlock(w: Watched, ref: BlockRef): void {
    let set = this.byBlock.get(ref.hash);
    if (!set) this.byBlock.set(ref.hash, (set = new Set()));
    set.add(w);
  }

  private seeFundingSpend(w: Watched, tx: Transaction, ref: BlockRef | undefined): void {
    const txid = tx.getId();
    if (w.spend?.txid === txid) {
      if (ref) {
        w.spend.height = ref.height;
        w.spend.hash = ref.hash;
        this.markBlock(w, ref);
      }
      return;
    }
    // A different spend can replace one only while that one is unconfirmed (a conflict in the mempool, a reorg).
    if (w.spend?.hash !== undefined && !ref) return;
    const { classification, state } = classifyFundingSpend(w.receiver, tx);
    w.spend = { txid, tx, classification, ...(state !== undefined ? { state } : {}), ...(ref ? { height: ref.height, hash: ref.hash } : {}) };
    if (ref) this.markBlock(w, ref);
    delete w.resolved;
    this.active.add(w);
    // Payments stop at the first sight of a close; whether it sticks is the duties' business.
    if (w.receiver.phase !== 'closed') w.receiver.markClosed();
    this.emitEvent({ kind: 'spend', channelId: w.channelId, txid, classification, ...(state !== undefined ? { state } : {}), ...(ref ? { height: ref.height } : {}) });
    if (classification === 'revoked-sender-version') this.recordPenalty(w, tx);
    else if (w.penalty) delete w.penalty;
  }

  /** The duty is recorded before anything is attempted; the revoked outputs are watched from now on. */
  private recordPenalty(w: Watched, revoked: Transaction): void {
    const revokedTxid = revoked.getId();
    if (w.penalty?.revokedTxid === revokedTxid) return;
    const revokedHash = revoked.getHash();
    for (let vout = 0; vout < revoked.outs.length; vout++) this.byOutpoint.set(outpointKey(revokedHash, vout), { kind: 'revoked', w, vout });
    const ownVout = revoked.outs.findIndex((o) => bytesEqual(o.script, w.receiver.context.receiverPayoutScript));
    // A sender's version has the receiver's output (unless dust) and the sender's revocable one.
    const revocableVout = revoked.outs.findIndex((_, vout) => vout !== ownVout);
    w.penalty = {
      revokedTxid, revokedHash, revokedTx: revoked.toBuffer(), ownVout, revocableVout, revocableValue: revoked.outs[revocableVout]?.value ?? 0n,
      sweepOwn: true, claims: [], feeRate: this.feeRate, checkedChain: false,
    };
  }

  /**
   * Our claims spend the revocable output and pay only our destination (so a
   * restarted watcher recognises one it broadcast before); anything else
   * spending a revoked output is someone else's, our own wallet's included.
   */
  private isOurClaim(tx: Transaction, p: PenaltyDuty): boolean {
    const spendsRevocable = tx.ins.some((i) => i.index === p.revocableVout && bytesEqual(i.hash, p.revokedHash));
    return spendsRevocable && tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, this.destinationScript));
  }

  private spendsOwn(tx: Transaction, p: PenaltyDuty): boolean {
    return p.ownVout >= 0 && tx.ins.some((i) => i.index === p.ownVout && bytesEqual(i.hash, p.revokedHash));
  }

  /**
   * The claim to keep going: the last one the node took, unless it also
   * spends our own output and something else has spent that since (our
   * wallet): those bytes can never be mined again.
   */
  private liveClaim(p: PenaltyDuty): Claim | undefined {
    return p.live && !(p.live.spendsOwn && !p.sweepOwn) ? p.live : undefined;
  }

  private seeRevokedOutputSpend(w: Watched, vout: number, tx: Transaction, ref: BlockRef | undefined): void {
    const p = w.penalty;
    if (!p || !tx.ins.some((i) => bytesEqual(i.hash, p.revokedHash))) return;
    const txid = tx.getId();
    if (this.isOurClaim(tx, p)) {
      if (!p.claims.some((c) => c.txid === txid)) p.claims.push({ txid, raw: tx.toBuffer(), feeRate: p.feeRate, spendsOwn: this.spendsOwn(tx, p) });
      if (!ref) {
        p.live = p.claims.find((c) => c.txid === txid);
        return;
      }
      // A claim spending both outputs is met once per input.
      if (p.confirmed?.txid === txid && p.confirmed.hash === ref.hash) return;
      p.confirmed = { txid, height: ref.height, hash: ref.hash };
      this.markBlock(w, ref);
      this.emitEvent({ kind: 'penalty-confirmed', channelId: w.channelId, txid, height: ref.height });
      return;
    }
    if (vout === p.ownVout) {
      // Our own output went elsewhere (our wallet): the claim takes the revocable output alone from now on.
      p.sweepOwn = false;
      return;
    }
    // Someone else's spend of the revocable output: unconfirmed, our claim outbids it; confirmed, the claim is lost.
    if (!ref || p.lost) return;
    p.lost = { txid, height: ref.height, hash: ref.hash };
    this.markBlock(w, ref);
    this.emitEvent({ kind: 'penalty-lost', channelId: w.channelId, txid, height: ref.height });
  }

  private async scanMempool(): Promise<void> {
    const list = this.backend.getMempoolTxids?.bind(this.backend);
    if (list) {
      await this.scanMempoolOnce(list);
      this.mempoolRead = true;
      return;
    }
    // A backend that cannot list its mempool: ask for each channel still open or closing unconfirmed.
    for (const w of this.byFunding.values()) {
      if (w.resolved || w.spend?.hash !== undefined) continue;
      const s = await this.backend.getSpender(w.receiver.funding!);
      if (s === undefined) {
        if (w.spend) this.vanished(w);
        continue;
      }
      if (s.blockHeight === undefined) this.seeFundingSpend(w, spenderOf(s, w.receiver.funding!), undefined);
      // A confirmed spender the blocks have not shown yet: the next block read records it with its hash.
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
        const got = await this.backend.getTransaction(txid);
        if (got === undefined || got.blockHeight !== undefined) continue; // mined or gone meanwhile: blocks will show it
        tx = txFromBackend(got.tx, 'mempool', txid);
      }
      live.set(txid, tx);
    }
    this.mempool = live;
    for (const { tx, entry } of spendsIn([...live.values()], this.byOutpoint)) {
      if (entry.kind === 'funding') this.seeFundingSpend(entry.w, tx, undefined);
      else this.seeRevokedOutputSpend(entry.w, entry.vout, tx, undefined);
    }
    // An unconfirmed spend that is neither in a block nor in the mempool any more is gone, unless it was mined in a
    // block not read yet (after this poll's blocks, or in one whose read failed): the next block read records it.
    for (const w of [...this.active]) {
      if (!w.spend || w.spend.hash !== undefined || live.has(w.spend.txid)) continue;
      const txid = w.spend.txid;
      const got = await this.backend.getTransaction(txid);
      if (got?.blockHeight !== undefined && got.blockHeight > this.follower.height) continue;
      if (w.spend?.txid === txid && w.spend.hash === undefined) this.vanished(w);
    }
  }

  private vanished(w: Watched): void {
    const txid = w.spend!.txid;
    delete w.spend;
    delete w.penalty;
    delete w.hurry;
    this.emitEvent({ kind: 'spend-vanished', channelId: w.channelId, txid });
  }

  // ---- duties

  private async work(w: Watched, tip: ChainTip): Promise<void> {
    if (w.resolved) {
      this.active.delete(w);
      return;
    }
    if (w.spend?.classification === 'revoked-sender-version' && w.penalty) await this.workPenalty(w, w.penalty, tip);
    else if (!w.spend && !w.cutoffDone && w.receiver.variant.kind === 'cltv') await this.cutoff(w, tip);
    if (w.close && (!w.spend || w.spend.txid === w.close.txid)) await this.workClose(w, w.close, tip);
    else if (this.mustHurry(w, tip)) {
      const s = w.spend!;
      if (w.hurry?.txid !== s.txid) w.hurry = { tx: s.tx, txid: s.txid };
      await this.workClose(w, w.hurry, tip);
    }
    this.checkResolved(w, tip);
  }

  /**
   * A CLTV channel past its cutoff whose funding output is spent, unmined, by
   * a transaction that pays us and is not a revoked version: it must confirm
   * before the expiry like our own close, or once it leaves the mempool the
   * sender broadcasts an old version and sweeps it at once. A child through
   * our output pays for it.
   */
  private mustHurry(w: Watched, tip: ChainTip): boolean {
    const s = w.spend;
    const v = w.receiver.variant;
    if (!s || s.hash !== undefined || s.classification === 'revoked-sender-version' || v.kind !== 'cltv') return false;
    if (!cltvCutoffReached(v, w.receiver.margin, tip)) return false;
    const ours = w.receiver.context.receiverPayoutScript;
    return s.tx.outs.some((o) => bytesEqual(o.script, ours));
  }

  private depth(p: Position | undefined, tip: ChainTip): number {
    return p?.height === undefined ? 0 : tip.height - p.height + 1;
  }

  private checkResolved(w: Watched, tip: ChainTip): void {
    const s = w.spend;
    if (!s || this.depth(s, tip) < this.finalDepth) return;
    let claim: string | undefined;
    if (s.classification === 'revoked-sender-version') {
      const p = w.penalty;
      const end = p?.confirmed ?? p?.lost;
      if (!end || this.depth(end, tip) < this.finalDepth) return;
      claim = end.txid;
    }
    w.resolved = { height: tip.height };
    this.active.delete(w);
    this.emitEvent({
      kind: 'resolved', channelId: w.channelId, outcome: s.classification, txid: s.txid, height: s.height!, ...(claim !== undefined ? { claim } : {}),
    });
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
    if (v.kind === 'csv') return (w.spend?.height ?? tip.height + 1) + relativeLockValue(v.delay);
    if ('height' in v.expiry) return v.expiry.height + 1;
    return tip.height + Math.max(0, Math.floor((v.expiry.time - tip.medianTimePast) / 600) - 6);
  }

  private async workPenalty(w: Watched, p: PenaltyDuty, tip: ChainTip): Promise<void> {
    if (p.confirmed || p.lost) return;
    if (!p.checkedChain) await this.adoptEarlierClaim(w, p);
    if (p.confirmed || p.lost) return;
    p.startHeight ??= tip.height;
    const blocksLeft = this.deadlineOf(w, tip) - (tip.height + 1);
    const target = this.penaltyRate(w, p, tip, blocksLeft);
    const live = this.liveClaim(p);
    // The live claim is in the mempool: keep it unless the schedule asks for more.
    if (live && target <= live.feeRate && this.mempoolRead && this.mempool.has(live.txid)) return;
    if (live && target <= live.feeRate) {
      // Evicted, reorged out, or no listing to tell: the same bytes again (a node that holds them says so at once).
      await this.rebroadcast(w, live.raw);
      return;
    }
    await this.broadcastClaim(w, p, target, this.burnRateOf(w, p));
  }

  private burnRateOf(w: Watched, p: PenaltyDuty): FeeRate {
    // Burning takes the revocable output alone: our own output is ours and under no deadline.
    const weight = penaltyWeight(w.receiver.context.revocableTemplate, false, this.destinationScript.length);
    return burnFeeRate(p.revocableValue, dustLimit(this.destinationScript), weight);
  }

  private penaltyRate(w: Watched, p: PenaltyDuty, tip: ChainTip, blocksLeft: number): FeeRate {
    return deadlineFeeRate({
      startRate: this.feeRate, maxRate: this.maxFeeRate, bumpAfterBlocks: this.bumpAfterBlocks,
      // A tip below the one of the first attempt (a reorg to a shorter chain, a lagging node) has waited nothing.
      blocksWaited: Math.max(0, tip.height - p.startHeight!),
      blocksLeft, urgentWithin: this.urgentWithin, burnWithin: this.burnWithin, burnRate: this.burnRateOf(w, p),
    });
  }

  /**
   * Before the first claim: is a revoked output spent already? Our own claim
   * (broadcast before a restart, by a watcher that started reading later) is
   * adopted; a confirmed foreign spend ends the claim.
   */
  private async adoptEarlierClaim(w: Watched, p: PenaltyDuty): Promise<void> {
    for (const vout of [p.revocableVout, p.ownVout]) {
      if (vout < 0) continue;
      const s = await this.backend.getSpender({ txid: p.revokedTxid, vout });
      if (!s) continue;
      const tx = spenderOf(s, { txid: p.revokedTxid, vout });
      if (s.blockHeight === undefined) {
        this.seeRevokedOutputSpend(w, vout, tx, undefined);
        continue;
      }
      // A confirmed spend the blocks did not show (read from a later height): its block hash makes it reorg-safe.
      const hash = await this.backend.getBlockHash(s.blockHeight);
      if (hash === undefined) continue;
      // Only if that block holds it: a spender found in a block replaced since (or a wrong answer) would otherwise
      // end the claim for good, as no reorg of the block now there will ever undo it.
      const block = blockFromBackend(await this.backend.getBlock(s.blockHeight), s.blockHeight);
      if (block.getId() !== hash || !(block.transactions ?? []).some((t) => t.getId() === s.txid)) continue;
      this.seeRevokedOutputSpend(w, vout, tx, { height: s.blockHeight, hash });
    }
    p.checkedChain = true;
  }

  /**
   * Sign and broadcast a claim at `rate`; a node that refuses it for its fee
   * gets one at a higher rate at once, up to the burn rate.
   */
  private async broadcastClaim(w: Watched, p: PenaltyDuty, rate: FeeRate, burnRate: FeeRate): Promise<void> {
    // Our own output is under no deadline: it rides along only while the revocable output alone pays the whole fee
    // (never at the burn rate), so no rate the deadline asks for is paid out of it.
    const bothWeight = penaltyWeight(w.receiver.context.revocableTemplate, true, this.destinationScript.length);
    const sweepOwnUpTo = burnFeeRate(p.revocableValue, dustLimit(this.destinationScript), bothWeight);
    const build = (r: FeeRate) => w.receiver.penaltyTx(p.revokedTx, this.destinationScript, r, {
      sweepReceiverOutput: p.sweepOwn && r < burnRate && r <= sweepOwnUpTo,
    }).toBuffer();
    try {
      // A dropped connection is tried again at once: the claim cannot wait for the next poll's interval.
      const sent = await broadcastRaising(this.backend, build, rate, { ceiling: burnRate, onTransient: (e) => this.emitEvent(failure(e, w.channelId)) });
      const replaces = p.live?.txid;
      const c: Claim = { txid: sent.txid, raw: sent.raw, feeRate: sent.rate, spendsOwn: this.spendsOwn(Transaction.fromBuffer(sent.raw), p) };
      if (!p.claims.some((x) => x.txid === c.txid)) p.claims.push(c);
      p.live = c;
      p.feeRate = c.feeRate;
      this.emitEvent({ kind: 'penalty-broadcast', channelId: w.channelId, txid: c.txid, feeRate: c.feeRate, ...(replaces && replaces !== c.txid ? { replaces } : {}) });
    } catch (e) {
      this.emitEvent(failure(e, w.channelId));
      // A node without replacement refuses the bump: the live claim stays, the next poll tries again.
      const live = this.liveClaim(p);
      if (live && (!this.mempoolRead || !this.mempool.has(live.txid))) await this.rebroadcast(w, live.raw);
    }
  }

  private async rebroadcast(w: Watched, raw: Uint8Array): Promise<boolean> {
    try {
      await this.backend.broadcast(raw);
      return true;
    } catch (e) {
      this.emitEvent(failure(e, w.channelId));
      return false;
    }
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
    if (this.onCutoff && !w.cutoffAttempted) {
      w.cutoffAttempted = true;
      try {
        tx = await settleWithin(this.onCutoff(r), this.onCutoffTimeoutMs);
      } catch {
        tx = undefined; // fall back to our own version
      }
    }
    w.cutoffAttempted = true;
    tx ??= r.latestTransaction();
    w.cutoffDone = true;
    if (r.phase !== 'closed') r.markClosed();
    if (!tx) {
      this.active.delete(w);
      this.emitEvent({ kind: 'cutoff', channelId: w.channelId });
      return;
    }
    w.close = { tx, txid: tx.getId() };
    this.emitEvent({ kind: 'cutoff', channelId: w.channelId, txid: w.close.txid });
  }

  /**
   * Our close until it is mined: broadcast, again whenever it is not in the
   * mempool, and with a CPFP child through our own output once it has waited
   * cpfpAfterBlocks blocks; the child's package rate rises as the deadline
   * (CLTV: the expiry) comes.
   */
  private async workClose(w: Watched, c: CloseDuty, tip: ChainTip): Promise<void> {
    if (w.spend?.hash !== undefined) return; // mined (ours, or another spend that ended the channel)
    if (!w.spend || !(this.mempoolRead && this.mempool.has(c.txid))) {
      // Not known to be in the mempool (never seen there, evicted, reorged out, or no listing to tell): the same bytes again.
      if (!(await this.rebroadcast(w, c.tx.toBuffer()))) return;
      // Known to have left it (the listing lacks it): back after an eviction or a reorg, its rate was enough before,
      // so it waits its turn again before a child pays. Without a listing nothing is known, and the wait goes on.
      if (this.mempoolRead || c.startHeight === undefined) c.startHeight = tip.height;
    }
    c.startHeight ??= tip.height;
    const waited = tip.height - c.startHeight;
    if (waited < this.cpfpAfterBlocks) return;
    const v = w.receiver.variant;
    // CLTV: mined at the latest in the block before the first one the sender's timeout branch can enter, by height
    // or (a time lock) as estimated from the median time past, the same deadline the penalty claims follow.
    const blocksLeft = v.kind === 'cltv' ? this.deadlineOf(w, tip) - (tip.height + 2) : undefined;
    // Past the expiry the sender may race an old version: in the last blocks the close is worth all of our output.
    const ctx = w.receiver.context;
    // A close that pays us nothing (we were owed nothing) has no output of ours to pay for it: nothing to do.
    if (!c.tx.outs.some((o) => bytesEqual(o.script, ctx.receiverPayoutScript))) return;
    const most = maxPackageFeeRate(ctx, c.tx, ctx.receiverPayoutScript, this.destinationScript);
    const target = deadlineFeeRate({
      startRate: this.feeRate, maxRate: this.maxFeeRate, bumpAfterBlocks: this.bumpAfterBlocks, blocksWaited: waited - this.cpfpAfterBlocks,
      ...(blocksLeft !== undefined ? { blocksLeft } : {}), urgentWithin: this.urgentWithin, burnWithin: this.burnWithin, burnRate: most,
    });
    const child = c.cpfp;
    if (child && child.packageFeeRate >= target) {
      if (!(this.mempoolRead && this.mempool.has(child.txid))) await this.rebroadcast(w, child.raw);
      return;
    }
    const build = (rate: FeeRate) => w.receiver.childPaysForParent({ parent: c.tx, destinationScript: this.destinationScript, packageFeeRate: rate }).toBuffer();
    try {
      const sent = await broadcastRaising(this.backend, build, target, { ceiling: most });
      c.cpfp = { txid: sent.txid, raw: sent.raw, packageFeeRate: sent.rate, startHeight: tip.height };
      this.emitEvent({ kind: 'cpfp-broadcast', channelId: w.channelId, txid: sent.txid, parent: c.txid, packageFeeRate: sent.rate });
    } catch (e) {
      this.emitEvent(failure(e, w.channelId)); // refused, or our output cannot pay for a child at all
    }
  }

  private watchedOf(receiver: Receiver): Watched {
    if (!(receiver instanceof Receiver)) fail('INVALID_ARGUMENT', 'expected a Receiver');
    const f = receiver.funding;
    const w = f && this.byFunding.get(outpointKey(txidToHash(f.txid), f.vout));
    if (!w || w.receiver !== receiver) fail('NOT_FOUND', 'this receiver is not watched here', undefined, { action: 'ignore' });
    return w;
  }

  private emitEvent(e: WatcherEvent): void {
    this.emit('event', e);
    // 'error' is special to EventEmitter (it throws without a listener): failures travel on 'event' only.
    if (e.kind !== 'error') this.emit(e.kind, e);
  }

  /** What the watcher has done, per channel, for callers and tests. */
  records(): {
    /** The channel's id, hex. */
    channelId: string;
    /** The spend of its funding output, if one was seen. */
    spend?: {
      /** The spend's txid. */
      txid: string;
      /** What it is. */
      classification: SpendClassification;
      /** Its block's height; absent while in the mempool. */
      height?: number;
    };
    /** The penalty claims made, if any. */
    penalty?: {
      /** Every claim broadcast, oldest first. */
      txids: string[];
      /** The latest rate, sat/kw, as a decimal string. */
      feeRate: string;
      /** The height of the block holding our claim. */
      confirmedHeight?: number;
    };
    /** The watcher's own close, if it made one. */
    close?: {
      /** The close's txid. */
      txid: string;
      /** Its CPFP child's txid. */
      cpfp?: string;
    };
    /** The outcome is final: nothing more to do. */
    resolved: boolean;
  }[] {
    return [...this.byFunding.values()].map((w) => ({
      channelId: w.channelId,
      ...(w.spend ? { spend: { txid: w.spend.txid, classification: w.spend.classification, ...(w.spend.height !== undefined ? { height: w.spend.height } : {}) } } : {}),
      ...(w.penalty ? {
        penalty: {
          txids: w.penalty.claims.map((c) => c.txid), feeRate: w.penalty.feeRate.toString(),
          ...(w.penalty.confirmed?.height !== undefined ? { confirmedHeight: w.penalty.confirmed.height } : {}),
        },
      } : {}),
      ...(w.close ? { close: { txid: w.close.txid, ...(w.close.cpfp ? { cpfp: w.close.cpfp.txid } : {}) } } : {}),
      resolved: w.resolved !== undefined,
    }));
  }
}
