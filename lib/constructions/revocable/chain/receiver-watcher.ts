/**
 * The receiver's watcher: the revocable channel's receiver policy
 * (receiver-policy.ts) over the generic engine (lib/chain/outpoint-watcher.ts).
 * It follows the best chain by block hash, reads each block once and looks
 * every input up in a map of watched outpoints, so its cost follows the
 * blocks' inputs, not the number of channels.
 *
 * Nothing it sees is final at first sight. What it reads from blocks and the
 * mempool only records where each spend stands (a block by hash, or the
 * mempool); a reorg moves a spend back to unconfirmed, and a spend that
 * leaves the mempool without being mined puts the channel back under watch.
 * What it must do (a penalty claim, an HTLC success claim, a close at the
 * CLTV cutoff or before an HTLC's expiry, a child that pays for a stuck
 * close) is a duty recorded before the first attempt and
 * checked on every poll until its outcome is buried `finalDepth` blocks deep:
 * a failed call, a refused broadcast or an evicted transaction only means
 * the next poll tries again, at a rate that rises as the deadline comes.
 *
 * A restarted watcher that reads the same blocks again finds its own claims
 * there (they spend the revoked outputs and pay only its destination) and
 * broadcasts nothing twice.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { Receiver } from '../protocol/receiver';
import { cltvCutoffReached } from '../../../protocol/party';
import { bytesEqual, toHex, txidToHash } from '../../../core/hash';
import { checkDestinationScript } from '../../../tx/outputs';
import { FeeRate, checkTxid, checkVout } from '../../../core/types';
import { ChainBackend } from '../../../chain/backend';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { errorFields } from '../../../chain/watch-policy';
import { outpointKey } from '../../../chain/spend-scan';
import { checkChainBackend, countOption, watcherFeeRates } from '../../../chain/watcher-options';
import { SpendClassification } from './classify';
import { FundingSpendNote, ReceiverPolicy, Watched, checkFundingOutput } from './receiver-policy';

/** The engine's key of a funding outpoint given by a caller, checked. */
function fundingKeyOf(funding: { readonly txid: string; readonly vout: number }): string {
  if (funding === null || typeof funding !== 'object') fail('INVALID_ARGUMENT', 'funding must be {txid, vout}');
  return outpointKey(txidToHash(checkTxid(funding.txid)), checkVout(funding.vout));
}

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
    /** The index it encodes, for a payment version. */
    index?: number;
    /** @deprecated The old name of `index`, the same value. */
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
    /** A success claim of an HTLC output with its preimage was broadcast, first or at a higher fee rate (the sender's latest version at once, our own version D blocks after it confirmed). */
    kind: 'htlc-claim-broadcast';
    /** The channel's id, hex. */
    channelId: string;
    /** The HTLC's id. */
    id: number;
    /** The claim's txid. */
    txid: string;
    /** Its fee rate, sat/kw. */
    feeRate: FeeRate;
    /** The txid of the claim it replaces, if any. */
    replaces?: string;
  }
  | {
    /** Our success claim of an HTLC output is in a block. */
    kind: 'htlc-claim-confirmed';
    /** The channel's id, hex. */
    channelId: string;
    /** The HTLC's id. */
    id: number;
    /** The claim's txid. */
    txid: string;
    /** Its block's height. */
    height: number;
  }
  | {
    /** Someone else's spend of the HTLC output confirmed first (the sender's timeout): the HTLC is not ours. */
    kind: 'htlc-claim-lost';
    /** The channel's id, hex. */
    channelId: string;
    /** The HTLC's id. */
    id: number;
    /** That spend's txid. */
    txid: string;
    /** Its block's height. */
    height: number;
  }
  | {
    /** HTLCs whose preimage we know were still not settled off chain at E - D - G: the channel is being closed with our latest version, to claim them on chain. */
    kind: 'htlc-close';
    /** The channel's id, hex. */
    channelId: string;
    /** The close's txid. */
    txid: string;
    /** The ids of those HTLCs. */
    ids: number[];
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
  /**
   * G: an HTLC whose preimage we know and that the sender has not settled
   * off chain by E - D - G is claimed on chain, the channel closed with our
   * own version (default 12, at least 12): the blocks left for that close to
   * confirm before its D blocks run. The receiver's own `claimMargin` counts
   * when it is larger (`Receiver.htlcClaimDeadline`).
   */
  readonly htlcGraceBlocks?: number;
}

/**
 * Watches receivers' channels on the chain and acts for them: it claims
 * everything of a revoked sender's version the sender broadcasts (its HTLC
 * outputs too), claims the HTLC outputs of any other version with the
 * preimages the receiver knows, closes a CLTV channel at its cutoff and any
 * channel whose HTLC nears its expiry unsettled, and hurries a stuck close
 * with a child, raising fees as deadlines come. Call {@link ReceiverWatcher.poll} after
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
  private readonly policy: ReceiverPolicy;
  private readonly engine: OutpointWatcher<Watched, 'funding', FundingSpendNote>;

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
    const backend = checkChainBackend(opts.backend);
    // A claim to a script no node relays, or no wallet can spend, would fail on every poll until the deadline.
    const destinationScript = Uint8Array.from(checkDestinationScript(opts.destinationScript, 'destinationScript'));
    const { feeRate, maxFeeRate } = watcherFeeRates(opts.feeRate, opts.maxFeeRate);
    const bumpAfterBlocks = countOption(opts.bumpAfterBlocks, 2, 'bumpAfterBlocks');
    const finalDepth = countOption(opts.finalDepth, 6, 'finalDepth');
    const urgentWithin = countOption(opts.urgentWithin, 6, 'urgentWithin', 0);
    const burnWithin = countOption(opts.burnWithin, 2, 'burnWithin', 0);
    const cpfpAfterBlocks = countOption(opts.cpfpAfterBlocks, 2, 'cpfpAfterBlocks');
    if (opts.checkMempool !== undefined && typeof opts.checkMempool !== 'boolean') fail('INVALID_ARGUMENT', 'checkMempool must be a boolean');
    if (opts.onCutoff !== undefined && typeof opts.onCutoff !== 'function') fail('INVALID_ARGUMENT', 'onCutoff must be a function');
    const onCutoffTimeoutMs = countOption(opts.onCutoffTimeoutMs, 30_000, 'onCutoffTimeoutMs');
    const htlcGraceBlocks = countOption(opts.htlcGraceBlocks, 12, 'htlcGraceBlocks', 12);
    this.policy = new ReceiverPolicy({
      backend, feeRate, maxFeeRate, destinationScript, bumpAfterBlocks, finalDepth, urgentWithin, burnWithin, cpfpAfterBlocks, onCutoffTimeoutMs, htlcGraceBlocks,
      ...(opts.onCutoff !== undefined ? { onCutoff: opts.onCutoff } : {}),
    }, (e) => this.emitEvent(e));
    this.engine = new OutpointWatcher<Watched, 'funding', FundingSpendNote>({
      backend, policy: this.policy, finalDepth,
      follow: { fromHeight: opts.fromHeight, remember: Math.max(144, finalDepth * 4), checkMempool: opts.checkMempool ?? true },
      events: {
        block: (ref) => this.emitEvent({ kind: 'block', height: ref.height, hash: ref.hash }),
        reorg: (ref) => this.emitEvent({ kind: 'reorg', height: ref.height, hash: ref.hash }),
        error: (e, w) => this.emitEvent({ kind: 'error', ...(w !== undefined ? { channelId: w.channelId } : {}), ...errorFields(e) }),
      },
    });
    this.policy.engine = this.engine;
  }

  /** Height of the last block read. */
  get height(): number {
    return this.engine.height;
  }

  /**
   * Watch a funded channel. Refused: a receiver without a funding outpoint,
   * a second channel on an outpoint already watched. The funding output
   * itself is checked against the chain on the next poll. A cooperative
   * close the receiver holds (both signed it) is kept going from the next
   * poll until it is buried: broadcast whenever it is not in the mempool,
   * with a child when stuck.
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
    if (this.policy.byFunding.has(k)) fail('CHANNEL_ALREADY_WATCHED', `funding output ${f.txid}:${f.vout} is already watched`);
    if (opts.fundingTx !== undefined) checkFundingOutput(receiver, opts.fundingTx);
    const w = {
      receiver, channelId: toHex(receiver.channelId), cutoffDone: false, cutoffAttempted: false, fundingChecked: opts.fundingTx !== undefined,
    } as Watched;
    w.funding = this.engine.watch({ txid: f.txid, vout: f.vout }, w, 'funding');
    this.policy.byFunding.set(k, w);
    if (!w.fundingChecked) this.policy.unchecked.add(w);
    // Most channels have nothing due: a CLTV cutoff is one comparison per poll, without an await.
    if (receiver.variant.kind === 'cltv') {
      w.cutoffTrigger = this.engine.at(w, (tip) => !w.funding.spend && cltvCutoffReached(w.receiver.variant, w.receiver.margin, tip));
    }
    // Only a channel with HTLC terms can hold an HTLC: a look at its live ones per poll, none for the others.
    if (receiver.context.params.htlc !== undefined) {
      w.htlcTrigger = this.engine.at(w, (tip) => {
        if (w.funding.spend || w.close) return false;
        try {
          return this.policy.htlcsForcingClose(w, tip).length > 0;
        } catch {
          return true; // worked, the failure is reported as an 'error' event
        }
      });
    }
    this.policy.adoptClose(w);
  }

  /**
   * Watch the channel through a newer copy of its receiver: the one its owner
   * restored from a later saved state, holding secrets revealed since. A
   * spend already seen is classified again with it, so an old version that
   * looked like the latest when it was seen is punished once the copy that
   * knows its secret arrives. A cooperative close it holds is kept going as
   * {@link ReceiverWatcher.watch} says (call it with the same object too,
   * after the object completed a close).
   *
   * @param receiver - A receiver of a channel watched here (same funding outpoint).
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `receiver` is not a Receiver.
   * @throws {@link ChannelError} `NOT_FOUND` if its funding output is not watched here.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if it is another channel on that outpoint (other keys or terms).
   */
  update(receiver: Receiver): void {
    if (!(receiver instanceof Receiver)) fail('INVALID_ARGUMENT', 'update takes a Receiver');
    const f = receiver.funding;
    const w = f && this.policy.byFunding.get(outpointKey(txidToHash(f.txid), f.vout));
    if (!w) fail('NOT_FOUND', 'this channel is not watched here', undefined, { action: 'ignore' });
    if (w.receiver !== receiver) {
      if (toHex(receiver.channelId) !== w.channelId || !bytesEqual(receiver.context.fundingScriptPubKey, w.receiver.context.fundingScriptPubKey)) {
        fail('WRONG_CHANNEL', 'another channel on the watched funding output');
      }
      w.receiver = receiver;
      this.engine.redescribe(w.funding, (a, b) => a.classification === b.classification && a.index === b.index);
    }
    // The same object may have changed since it was given (a close both signed, saved by its owner).
    this.policy.adoptClose(w);
  }

  /**
   * Stop watching a channel: its funding output, and any claim in progress
   * for it. Another process is to watch it from now on.
   *
   * @param funding - The channel's funding outpoint.
   * @returns Whether it was watched here.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `funding` is not `{txid, vout}` with a valid txid and output index.
   */
  unwatch(funding: {
    /** The funding txid. */
    readonly txid: string;
    /** The funding output's index. */
    readonly vout: number;
  }): boolean {
    const k = fundingKeyOf(funding);
    const w = this.policy.byFunding.get(k);
    if (!w) return false;
    this.policy.byFunding.delete(k);
    this.policy.unchecked.delete(w);
    this.policy.forgetDuties(w);
    this.engine.forget(w);
    return true;
  }

  /**
   * Whether a funding outpoint is watched here.
   *
   * @param funding - The channel's funding outpoint.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `funding` is not `{txid, vout}` with a valid txid and output index.
   */
  isWatching(funding: {
    /** The funding txid. */
    readonly txid: string;
    /** The funding output's index. */
    readonly vout: number;
  }): boolean {
    return this.policy.byFunding.has(fundingKeyOf(funding));
  }

  /** How many channels are watched here. */
  get size(): number {
    return this.policy.byFunding.size;
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
    w.close = this.policy.closeDuty(w, tx);
    this.policy.cutoffDone(w);
    this.engine.activate(w);
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
    await this.engine.poll();
  }

  private watchedOf(receiver: Receiver): Watched {
    if (!(receiver instanceof Receiver)) fail('INVALID_ARGUMENT', 'expected a Receiver');
    const f = receiver.funding;
    const w = f && this.policy.byFunding.get(outpointKey(txidToHash(f.txid), f.vout));
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
    /** Our success claims of HTLC outputs, if any. */
    htlcClaims?: {
      /** The HTLC's id. */
      id: number;
      /** Every claim broadcast, oldest first. */
      txids: string[];
      /** The height of the block holding our claim. */
      confirmedHeight?: number;
      /** The txid of the sender's timeout that took the output instead. */
      lostTo?: string;
    }[];
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
    return [...this.policy.byFunding.values()].map((w) => {
      const s = w.funding.spend;
      const d = w.penalty?.duty;
      return {
        channelId: w.channelId,
        ...(s ? { spend: { txid: s.txid, classification: s.note.classification, ...(s.height !== undefined ? { height: s.height } : {}) } } : {}),
        ...(d ? {
          penalty: {
            txids: d.attempts.map((c) => c.txid), feeRate: d.rate.toString(),
            ...(d.confirmed?.height !== undefined ? { confirmedHeight: d.confirmed.height } : {}),
          },
        } : {}),
        ...(w.htlcClaims && w.htlcClaims.duties.size > 0 ? {
          htlcClaims: w.htlcClaims.outputs.filter((o) => w.htlcClaims!.duties.has(o.vout)).map((o) => {
            const c = w.htlcClaims!.duties.get(o.vout)!;
            return {
              id: o.htlc.id, txids: c.attempts.map((a) => a.txid),
              ...(c.confirmed ? { confirmedHeight: c.confirmed.height } : {}), ...(c.lost ? { lostTo: c.lost.txid } : {}),
            };
          }),
        } : {}),
        ...(w.close ? { close: { txid: w.close.txid, ...(w.close.child ? { cpfp: w.close.child.txid } : {}) } } : {}),
        resolved: this.engine.isResolved(w),
      };
    });
  }
}
