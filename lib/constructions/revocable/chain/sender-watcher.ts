/**
 * The sender's watcher, one per channel: the revocable channel's sender
 * policy (sender-policy.ts) over the generic engine
 * (lib/chain/outpoint-watcher.ts), asking the node. It asks the chain who
 * spent the funding output and keeps asking until the answer is buried
 * `finalDepth` blocks deep: a spend that leaves the mempool unmined, or
 * whose block is replaced, is looked up again. After its own version
 * confirmed it sweeps the revocable output through the timeout branch as
 * soon as the lock allows (CLTV: the tip has reached T; CSV: the version has
 * D confirmations), and keeps the sweep going (re-broadcast when it falls
 * out of the mempool, a higher fee when it waits, at once when refused for
 * its fee) until it is buried too. A close that pays the sender and sits
 * unmined gets a CPFP child through the sender's output. Each HTLC output of
 * the version that closed the channel is watched: a success claim reveals
 * its preimage (an `'htlc-preimage'` event, to settle upstream), and an
 * output still unclaimed once its timeout opens is taken back the same way
 * as the sweep, its outcome reported once buried.
 */
import { fail } from '../../../core/errors';
import { Sender } from '../protocol/sender';
import { checkDestinationScript } from '../../../tx/outputs';
import { FeeRate } from '../../../core/types';
import { ChainBackend } from '../../../chain/backend';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { errorFields } from '../../../chain/watch-policy';
import { checkChainBackend, countOption, watcherFeeRates } from '../../../chain/watcher-options';
import { Channel, SenderNote, SenderPolicy, SenderTag } from './sender-policy';

export { timeoutOpen } from './sender-policy';

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
    /**
     * A spend of an HTLC output revealed its preimage (the receiver's success
     * claim, seen in the mempool or a block), checked to hash to the HTLC's
     * hash: settle the upstream HTLC with it.
     */
    kind: 'htlc-preimage';
    /** The HTLC's id. */
    id: number;
    /** Its hash H, hex. */
    hash: string;
    /** The preimage P, hex. */
    preimage: string;
    /** The spend's txid. */
    txid: string;
  }
  | {
    /** Our timeout claim of an HTLC output was broadcast, first or at a higher fee rate. */
    kind: 'htlc-timeout-broadcast';
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
    /** Our timeout claim of an HTLC output is buried finalDepth blocks deep: the HTLC is dead (an upstream HTLC may be failed). */
    kind: 'htlc-timeout-confirmed';
    /** The HTLC's id. */
    id: number;
    /** The claim's txid. */
    txid: string;
    /** Its block's height. */
    height: number;
  }
  | {
    /** Someone else's spend of an HTLC output is buried finalDepth blocks deep (the receiver's success, or its penalty of a revoked version). */
    kind: 'htlc-timeout-lost';
    /** The HTLC's id. */
    id: number;
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
 * Watches one sender's channel: it sees who spent the funding output, sweeps
 * the sender's revocable output through the timeout branch once the lock
 * allows, reads preimages from the receiver's HTLC claims and takes back
 * HTLC outputs after their expiry, and hurries a stuck close with a child. Call
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
  private readonly chan: Channel = {};
  private readonly engine: OutpointWatcher<Channel, SenderTag, SenderNote>;

  /**
   * @param sender - The channel's sender; the watcher signs sweeps and children through it.
   * @param opts - The backend, the destination, the fee rates and the schedule's settings.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sender` is not a Sender, `opts` is not an object, `backend` lacks a ChainBackend method, or a count is not a positive integer.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` or `maxFeeRate` is not a valid fee rate, or `maxFeeRate` is below `feeRate`.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE}.
   */
  constructor(private readonly sender: Sender, opts: SenderWatcherOptions) {
    super();
    if (!(sender instanceof Sender)) fail('INVALID_ARGUMENT', 'SenderWatcher takes a Sender');
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'watcher options must be an object');
    const backend = checkChainBackend(opts.backend);
    // A sweep to a script no node relays, or no wallet can spend, would fail on every poll.
    const destinationScript = checkDestinationScript(opts.destinationScript, 'destinationScript');
    const { feeRate, maxFeeRate } = watcherFeeRates(opts.feeRate, opts.maxFeeRate);
    const bumpAfterBlocks = countOption(opts.bumpAfterBlocks, 2, 'bumpAfterBlocks');
    const finalDepth = countOption(opts.finalDepth, 6, 'finalDepth');
    const cpfpAfterBlocks = countOption(opts.cpfpAfterBlocks, 2, 'cpfpAfterBlocks');
    const policy = new SenderPolicy(sender, { backend, destinationScript, feeRate, maxFeeRate, bumpAfterBlocks, finalDepth, cpfpAfterBlocks }, (e) => this.emitEvent(e));
    this.engine = new OutpointWatcher<Channel, SenderTag, SenderNote>({
      backend, policy, finalDepth, events: { error: (e) => this.emitEvent({ kind: 'error', ...errorFields(e) }) },
    });
    policy.engine = this.engine;
  }

  private emitEvent(e: SenderWatcherEvent): void {
    this.emit('event', e);
    if (e.kind !== 'error') this.emit(e.kind, e);
  }

  /** One look at the chain and one step of every duty. A failed call is reported (an `'error'` event) and retried on the next poll; the promise never rejects. */
  async poll(): Promise<void> {
    if (this.engine.isResolved(this.chan) || !this.sender.funding) return;
    try {
      if (!this.chan.funding) this.chan.funding = this.engine.watch(this.sender.funding, this.chan, 'funding');
      await this.engine.poll();
    } catch (e) {
      this.emitEvent({ kind: 'error', ...errorFields(e) });
    }
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
    /** The HTLC outputs of the version that closed the channel. */
    htlcs?: {
      /** The HTLC's id. */
      id: number;
      /** Its output index. */
      vout: number;
      /** Our latest timeout claim's txid, once broadcast. */
      timeout?: string;
      /** The spend of the output, once seen. */
      spent?: {
        /** Its txid. */
        txid: string;
        /** It is our timeout claim. */
        own: boolean;
        /** Its block's height; absent while in the mempool. */
        height?: number;
      };
    }[];
    /** The outcome is final: nothing more to do. */
    resolved: boolean;
  } {
    const c = this.chan.funding?.spend;
    const h = this.chan.htlcs;
    const d = this.chan.sweep;
    const mined = d?.confirmed;
    const s = mined ? d.attempts.find((a) => a.txid === mined.txid) : d?.live;
    return {
      ...(c ? { closing: { txid: c.txid, own: c.note.own, ...(c.height !== undefined ? { height: c.height } : {}) } } : {}),
      ...(s ? { sweep: { txid: s.txid, feeRate: s.rate, ...(mined ? { height: mined.height } : {}) } } : {}),
      ...(h ? {
        htlcs: h.outputs.map((o) => {
          const sp = h.watches.get(o.vout)?.spend;
          const timeout = h.duties.get(o.vout)?.live?.txid;
          return {
            id: o.htlc.id, vout: o.vout, ...(timeout !== undefined ? { timeout } : {}),
            ...(sp ? { spent: { txid: sp.txid, own: sp.note.own, ...(sp.height !== undefined ? { height: sp.height } : {}) } } : {}),
          };
        }),
      } : {}),
      resolved: this.engine.isResolved(this.chan),
    };
  }
}
