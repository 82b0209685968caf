/**
 * The sender's watcher, one per channel. It asks the chain who spent the
 * funding output and keeps asking until the answer is buried `finalDepth`
 * blocks deep: a spend that leaves the mempool unmined, or whose block is
 * replaced, is looked up again. After its own version confirmed it sweeps
 * the revocable output through the timeout branch as soon as the lock allows
 * (CLTV: the tip has reached T; CSV: the version has D confirmations), and
 * keeps the sweep going (re-broadcast when it falls out of the mempool, a
 * higher fee when it waits, at once when refused for its fee) until it is
 * buried too. A close that pays the sender and sits unmined gets a CPFP
 * child through the sender's output.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail, isChannelError } from '../errors';
import { maxPackageFeeRate } from '../channel/cpfp';
import { Sender } from '../channel/sender';
import { bytesEqual } from '../tx/hash';
import { checkDestinationScript } from '../tx/outputs';
import { findRevocableOutput } from '../tx/revocable-spend';
import { decodeStateNumber } from '../tx/state-number';
import { FeeRate, absoluteLockValue, relativeLockValue } from '../types';
import { ChainBackend, ChainTip } from './backend';
import { checkChainBackend, watcherFeeRates } from './watcher-options';
import { deadlineFeeRate } from './fee-schedule';
import { broadcastRaising } from './broadcast';
import { IsolatedEmitter } from './isolated-emitter';
import { spenderOf } from './parse';

/**
 * What a {@link SenderWatcher} reports, on `'event'` and on the event's own
 * `kind` (except `'error'`, which travels on `'event'` only).
 */
export type SenderWatcherEvent =
  | {
    /** The funding output was spent (or the spend moved: into a block, or to another one). */
    kind: 'closed';
    /** The spend's txid. */
    txid: string;
    /** It is the sender's own version, whose revocable output the watcher sweeps. */
    own: boolean;
    /** Its block's height; absent while in the mempool. */
    height?: number;
  }
  | {
    /** The spend seen before is neither in the mempool nor on the best chain any more: the channel is watched as before. */
    kind: 'spend-vanished';
    /** The spend's txid. */
    txid: string;
  }
  | {
    /** The timeout sweep was broadcast, first or at a higher fee rate. */
    kind: 'sweep-broadcast';
    /** The sweep's txid. */
    txid: string;
    /** Its fee rate, sat/kw. */
    feeRate: FeeRate;
    /** The txid of the sweep it replaces, if any. */
    replaces?: string;
  }
  | {
    /** The sweep is in a block. */
    kind: 'sweep-confirmed';
    /** The sweep's txid. */
    txid: string;
    /** Its block's height. */
    height: number;
  }
  | {
    /** A child spending the sender's output of a stuck close, paying for both. */
    kind: 'cpfp-broadcast';
    /** The child's txid. */
    txid: string;
    /** The stuck parent's txid. */
    parent: string;
    /** The rate parent and child reach together, sat/kw. */
    packageFeeRate: FeeRate;
  }
  | {
    /** Someone else's spend of our version's revocable output confirmed (the receiver's claim: the version was revoked). */
    kind: 'sweep-lost';
    /** That spend's txid. */
    txid: string;
    /** Its block's height. */
    height: number;
  }
  | {
    /** The outcome is buried finalDepth blocks deep: nothing more to do. */
    kind: 'resolved';
    /** The spend of the funding output. */
    txid: string;
    /** It was the sender's own version. */
    own: boolean;
    /** Our sweep's txid, when it settled the revocable output. */
    sweep?: string;
    /** The other spend's txid, when someone else took the revocable output. */
    lost?: string;
  }
  | {
    /** A call that failed (a refused broadcast, a backend that did not answer); retried on later polls. */
    kind: 'error';
    /** The ChannelError's code, or `'UNKNOWN'`. */
    code: string;
    /** The error's message. */
    message: string;
    /** A refused broadcast's reason, as the node gave it. */
    reason?: string;
  };

/** How a {@link SenderWatcher} reads the chain and what it pays. */
export interface SenderWatcherOptions {
  /** The sender's own node. */
  readonly backend: ChainBackend;
  /** Where the sweep and CPFP children pay: a standard script (checkDestinationScript). */
  readonly destinationScript: Uint8Array;
  /** Rate of the first sweep and of a CPFP child's first package, sat/kw; at least the relay floor (MIN_FEE_RATE). */
  readonly feeRate: FeeRate;
  /** Ceiling of the bumps, not below feeRate (default 32 times feeRate, at most MAX_FEE_RATE). */
  readonly maxFeeRate?: FeeRate;
  /** The rate doubles after this many blocks without confirmation (default 2). */
  readonly bumpAfterBlocks?: number;
  /** An outcome is final this many blocks deep (default 6). */
  readonly finalDepth?: number;
  /** A close paying the sender still unmined after this many blocks gets a CPFP child (default 2). */
  readonly cpfpAfterBlocks?: number;
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

interface Seen {
  readonly txid: string;
  readonly tx: Uint8Array;
  height?: number;
  hash?: string;
}

interface Closing extends Seen {
  readonly own: boolean;
  /** Tip height when first seen unconfirmed. */
  seenAt: number;
  cpfp?: { txid: string; raw: Uint8Array; packageFeeRate: FeeRate };
  /** A confirmed spend of the revocable output that is not our sweep. */
  lost?: Seen;
}

interface Sweep extends Seen {
  readonly raw: Uint8Array;
  readonly feeRate: FeeRate;
  readonly startHeight: number;
}

function positiveInt(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < 1) fail('INVALID_ARGUMENT', `${what} must be a positive integer`);
  return v;
}

/**
 * Watches one sender's channel: it sees who spent the funding output, sweeps
 * the sender's revocable output through the timeout branch once the lock
 * allows, and hurries a stuck close with a child. Call
 * {@link SenderWatcher.poll} after each block (or on a timer).
 *
 * @example
 * ```ts
 * const watcher = new SenderWatcher(sender, { backend, destinationScript: wallet, feeRate: 1000n });
 * watcher.on('sweep-confirmed', (e) => console.log('swept', e.txid));
 * setInterval(() => void watcher.poll(), 30_000);
 * ```
 */
export class SenderWatcher extends IsolatedEmitter<SenderWatcherEvent> {
  private closing?: Closing;
  private sweep?: Sweep;
  private resolved = false;
  private readonly feeRate: FeeRate;
  private readonly maxFeeRate: FeeRate;
  private readonly bumpAfterBlocks: number;
  private readonly finalDepth: number;
  private readonly cpfpAfterBlocks: number;

  /**
   * @param sender - The channel's sender; the watcher signs sweeps and children through it.
   * @param opts - The backend, the destination, the fee rates and the schedule's settings.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sender` is not a Sender, `opts` is not an object, `backend` lacks a ChainBackend method, or a count is not a positive integer.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` or `maxFeeRate` is not a valid fee rate, or `maxFeeRate` is below `feeRate`.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE}.
   */
  constructor(private readonly sender: Sender, private readonly opts: SenderWatcherOptions) {
    super();
    if (!(sender instanceof Sender)) fail('INVALID_ARGUMENT', 'SenderWatcher takes a Sender');
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'watcher options must be an object');
    checkChainBackend(opts.backend);
    // A sweep to a script no node relays, or no wallet can spend, would fail on every poll.
    checkDestinationScript(opts.destinationScript, 'destinationScript');
    ({ feeRate: this.feeRate, maxFeeRate: this.maxFeeRate } = watcherFeeRates(opts.feeRate, opts.maxFeeRate));
    this.bumpAfterBlocks = positiveInt(opts.bumpAfterBlocks, 2, 'bumpAfterBlocks');
    this.finalDepth = positiveInt(opts.finalDepth, 6, 'finalDepth');
    this.cpfpAfterBlocks = positiveInt(opts.cpfpAfterBlocks, 2, 'cpfpAfterBlocks');
  }

  private emitEvent(e: SenderWatcherEvent): void {
    this.emit('event', e);
    if (e.kind !== 'error') this.emit(e.kind, e);
  }

  private report(e: unknown): void {
    const reason = isChannelError(e) ? (e.details?.reason as string | undefined) : undefined;
    this.emitEvent({
      kind: 'error', code: isChannelError(e) ? e.code : 'UNKNOWN', message: e instanceof Error ? e.message : String(e), ...(reason !== undefined ? { reason } : {}),
    });
  }

  /** One look at the chain and one step of every duty. A failed call is reported (an `'error'` event) and retried on the next poll; the promise never rejects. */
  async poll(): Promise<void> {
    if (this.resolved || !this.sender.funding) return;
    try {
      const tip = await this.opts.backend.getTip();
      await this.follow(tip);
      const c = this.closing;
      if (!c) return;
      if (c.own) await this.workSweep(c, tip);
      else if (c.height === undefined) await this.workCpfp(c, tip);
      this.checkResolved(tip);
    } catch (e) {
      this.report(e);
    }
  }

  /** A position is still on the best chain when the block at its height has the hash it had. */
  private async stillThere(s: Seen): Promise<boolean> {
    if (s.height === undefined) return true;
    return (await this.opts.backend.getBlockHash(s.height)) === s.hash;
  }

  private async locate(outpoint: { txid: string; vout: number }): Promise<Seen | undefined> {
    const s = await this.opts.backend.getSpender(outpoint);
    if (!s) return undefined;
    spenderOf(s, outpoint); // the node's answer must spend what we asked about
    const seen: Seen = { txid: s.txid, tx: s.tx };
    if (s.blockHeight !== undefined) {
      const hash = await this.opts.backend.getBlockHash(s.blockHeight);
      if (hash !== undefined) Object.assign(seen, { height: s.blockHeight, hash });
    }
    return seen;
  }

  /** Who spent the funding output, asked again until the answer is buried. */
  private async follow(tip: ChainTip): Promise<void> {
    const c = this.closing;
    if (c && c.height !== undefined && tip.height - c.height + 1 >= this.finalDepth && (await this.stillThere(c))) return;
    const s = await this.locate(this.sender.funding!);
    if (!s) {
      if (c) {
        this.closing = undefined;
        this.sweep = undefined;
        this.emitEvent({ kind: 'spend-vanished', txid: c.txid });
      }
      return;
    }
    if (c && c.txid === s.txid) {
      if (c.height !== s.height) {
        if (s.height === undefined) {
          delete c.height;
          delete c.hash;
        } else Object.assign(c, { height: s.height, hash: s.hash });
        // Our version moved: a sweep built on its old confirmation height is checked again below.
        if (this.sweep && c.height === undefined) this.sweep = undefined;
      }
      return;
    }
    const tx = Transaction.fromBuffer(s.tx);
    const ctx = this.sender.context;
    const state = decodeStateNumber(tx.locktime, tx.ins[0]?.sequence ?? 0, ctx.obscuringFactor);
    const own = state !== undefined && findRevocableOutput(ctx, tx, this.sender.updateKey(Number(state))) !== undefined;
    this.closing = { ...s, own, seenAt: tip.height };
    this.sweep = undefined;
    if (this.sender.phase !== 'closed') this.sender.markClosed();
    this.emitEvent({ kind: 'closed', txid: s.txid, own, ...(s.height !== undefined ? { height: s.height } : {}) });
  }

  private async workSweep(c: Closing, tip: ChainTip): Promise<void> {
    if (c.height === undefined || !timeoutOpen(this.sender, c.height, tip)) return;
    const b = this.opts.backend;
    const vout = findRevocableOutput(this.sender.context, Transaction.fromBuffer(c.tx), this.sender.updateKey(this.stateOf(c)))!.vout;
    const spent = await this.locate({ txid: c.txid, vout });
    if (spent && !this.isOurSweep(spent)) {
      // Not ours: the receiver's claim (this version was revoked: the state was an old one). Confirmed, nothing is left to sweep.
      if (spent.height !== undefined) {
        if (c.lost?.txid !== spent.txid || c.lost.height === undefined) this.emitEvent({ kind: 'sweep-lost', txid: spent.txid, height: spent.height });
        c.lost = spent;
        return;
      }
    } else if (c.lost) delete c.lost;
    const sw = this.sweep;
    if (spent && this.isOurSweep(spent) && (!sw || spent.txid !== sw.txid)) {
      // A sweep of ours from before a restart, or our bump the node took: follow whatever spent it.
      const feeRate = sw?.txid === spent.txid ? sw.feeRate : this.feeRate;
      this.sweep = { ...spent, raw: spent.tx, feeRate, startHeight: sw?.startHeight ?? tip.height };
      if (spent.height !== undefined) this.emitEvent({ kind: 'sweep-confirmed', txid: spent.txid, height: spent.height });
      return;
    }
    if (spent && sw && spent.txid === sw.txid) {
      if (spent.height !== undefined && sw.height === undefined) this.emitEvent({ kind: 'sweep-confirmed', txid: spent.txid, height: spent.height });
      Object.assign(sw, { height: spent.height, hash: spent.hash });
      if (spent.height !== undefined) return;
    }
    const rate = deadlineFeeRate({
      startRate: this.feeRate, maxRate: this.maxFeeRate, bumpAfterBlocks: this.bumpAfterBlocks, blocksWaited: sw ? Math.max(0, tip.height - sw.startHeight) : 0,
      urgentWithin: 0, burnWithin: 0,
    });
    if (sw && rate <= sw.feeRate) {
      if (!spent || spent.txid !== sw.txid) await b.broadcast(sw.raw).catch((e) => this.report(e)); // evicted or reorged out: the same bytes again
      return;
    }
    await this.broadcastSweep(c, rate, tip, sw);
  }

  /** Our sweeps pay only our destination. */
  private isOurSweep(s: Seen): boolean {
    const tx = Transaction.fromBuffer(s.tx);
    return tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, this.opts.destinationScript));
  }

  private stateOf(c: Seen): number {
    const tx = Transaction.fromBuffer(c.tx);
    return Number(decodeStateNumber(tx.locktime, tx.ins[0]?.sequence ?? 0, this.sender.context.obscuringFactor));
  }

  private async broadcastSweep(c: Closing, rate: FeeRate, tip: ChainTip, previous: Sweep | undefined): Promise<void> {
    const build = (r: FeeRate) => this.sender.timeoutSweep(c.tx, this.opts.destinationScript, r).toBuffer();
    try {
      const sent = await broadcastRaising(this.opts.backend, build, rate, { ceiling: this.maxFeeRate });
      this.sweep = { txid: sent.txid, tx: sent.raw, raw: sent.raw, feeRate: sent.rate, startHeight: previous?.startHeight ?? tip.height };
      this.emitEvent({ kind: 'sweep-broadcast', txid: sent.txid, feeRate: sent.rate, ...(previous && previous.txid !== sent.txid ? { replaces: previous.txid } : {}) });
    } catch (e) {
      // A node without replacement refuses the bump while the first sweep waits: keep that one going.
      this.report(e);
      if (previous) await this.opts.backend.broadcast(previous.raw).catch(() => undefined);
    }
  }

  /** A close that pays us, unmined for cpfpAfterBlocks blocks: a child through our output pays for both. */
  private async workCpfp(c: Closing, tip: ChainTip): Promise<void> {
    const waited = tip.height - c.seenAt;
    if (waited < this.cpfpAfterBlocks) return;
    const ctx = this.sender.context;
    const parent = Transaction.fromBuffer(c.tx);
    if (!parent.outs.some((o) => bytesEqual(o.script, ctx.senderPayoutScript))) return;
    // No deadline here: the sender's money waits safely in the close. The child never spends more than our output holds.
    const most = maxPackageFeeRate(ctx, parent, ctx.senderPayoutScript, this.opts.destinationScript);
    const ceiling = most < this.maxFeeRate ? most : this.maxFeeRate;
    const rate = deadlineFeeRate({
      startRate: this.feeRate, maxRate: this.maxFeeRate, bumpAfterBlocks: this.bumpAfterBlocks, blocksWaited: waited - this.cpfpAfterBlocks,
      urgentWithin: 0, burnWithin: 0, burnRate: ceiling,
    });
    if (c.cpfp && c.cpfp.packageFeeRate >= rate) {
      await this.opts.backend.broadcast(c.cpfp.raw).catch((e) => this.report(e));
      return;
    }
    const build = (r: FeeRate) => this.sender.childPaysForParent({ parent, destinationScript: this.opts.destinationScript, packageFeeRate: r }).toBuffer();
    try {
      const sent = await broadcastRaising(this.opts.backend, build, rate, { ceiling });
      c.cpfp = { txid: sent.txid, raw: sent.raw, packageFeeRate: sent.rate };
      this.emitEvent({ kind: 'cpfp-broadcast', txid: sent.txid, parent: c.txid, packageFeeRate: sent.rate });
    } catch (e) {
      this.report(e);
    }
  }

  private checkResolved(tip: ChainTip): void {
    const c = this.closing;
    if (!c || c.height === undefined || tip.height - c.height + 1 < this.finalDepth) return;
    const end = c.own ? c.lost ?? this.sweep : undefined;
    if (c.own && (!end || end.height === undefined || tip.height - end.height + 1 < this.finalDepth)) return;
    this.resolved = true;
    this.emitEvent({ kind: 'resolved', txid: c.txid, own: c.own, ...(end ? (end === c.lost ? { lost: end.txid } : { sweep: end.txid }) : {}) });
  }

  /** What the watcher knows, for callers and tests. */
  get status(): {
    /** The spend of the funding output, once seen. */
    closing?: {
      /** Its txid. */
      txid: string;
      /** It is the sender's own version. */
      own: boolean;
      /** Its block's height; absent while in the mempool. */
      height?: number;
    };
    /** The latest timeout sweep, once broadcast. */
    sweep?: {
      /** Its txid. */
      txid: string;
      /** Its block's height; absent while unconfirmed. */
      height?: number;
      /** Its fee rate, sat/kw. */
      feeRate: FeeRate;
    };
    /** The outcome is final: nothing more to do. */
    resolved: boolean;
  } {
    const c = this.closing;
    const s = this.sweep;
    return {
      ...(c ? { closing: { txid: c.txid, own: c.own, ...(c.height !== undefined ? { height: c.height } : {}) } } : {}),
      ...(s ? { sweep: { txid: s.txid, feeRate: s.feeRate, ...(s.height !== undefined ? { height: s.height } : {}) } } : {}),
      resolved: this.resolved,
    };
  }
}
