/**
 * The Spillman watchers: a policy of chain/policy.ts over the generic engine,
 * following blocks from a height and reading the mempool on every poll. The
 * receiver's closes each watched channel with its latest payment from the
 * cutoff L - margin; the sender's refunds each watched channel from L if its
 * funding output is still unspent. Events go to `'event'` and to their own
 * kind.
 */
import { ChainBackend, ChainTip } from '../../../chain/backend';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { errorFields } from '../../../chain/watch-policy';
import { checkChainBackend, countOption } from '../../../chain/watcher-options';
import { fail } from '../../../core/errors';
import { toHex } from '../../../core/hash';
import { SpillmanReceiver } from '../protocol/receiver';
import { SpillmanSender } from '../protocol/sender';
import {
  SpillmanReceiverPolicy, SpillmanSenderPolicy, SpillmanSpendNote, SpillmanWatchEvent, SpillmanWatched, lockOpen,
} from './policy';

export { SpillmanWatchEvent, SpillmanSpendNote };

/** How a Spillman watcher reads the chain. */
export interface SpillmanWatcherOptions {
  /** The party's own node. */
  readonly backend: ChainBackend;
  /** The first block to read: at most the funding's height. */
  readonly fromHeight: number;
  /** A spend this many blocks deep settles the channel (default 6). */
  readonly finalDepth?: number;
}

abstract class SpillmanWatcher extends IsolatedEmitter<SpillmanWatchEvent> {
  protected readonly engine: OutpointWatcher<SpillmanWatched, 'funding', SpillmanSpendNote>;
  private readonly channels = new Map<string, SpillmanWatched>();

  protected constructor(opts: SpillmanWatcherOptions, policy: SpillmanReceiverPolicy | SpillmanSenderPolicy, emit: (e: SpillmanWatchEvent) => void) {
    super();
    const finalDepth = countOption(opts.finalDepth, 6, 'finalDepth');
    const fromHeight = countOption(opts.fromHeight, 0, 'fromHeight', 0);
    this.engine = new OutpointWatcher({
      backend: opts.backend, policy, finalDepth,
      follow: { fromHeight, remember: 144, checkMempool: true },
      events: { error: (e, w) => emit({ kind: 'error', ...(w !== undefined ? { channelId: w.channelId } : {}), ...errorFields(e) }) },
    });
    policy.engine = this.engine;
  }

  protected send(e: SpillmanWatchEvent): void {
    this.emit('event', e);
    if (e.kind !== 'error') this.emit(e.kind, e);
  }

  protected addChannel(party: SpillmanSender | SpillmanReceiver, due: (tip: ChainTip) => boolean): void {
    const f = party.funding;
    if (f === undefined) fail('UNEXPECTED_MESSAGE', 'the channel is not funded yet');
    const channelId = toHex(party.channelId);
    if (this.channels.has(channelId)) fail('CHANNEL_ALREADY_WATCHED', `channel ${channelId} is watched already`);
    const w: SpillmanWatched = { channelId, party };
    w.funding = this.engine.watch({ txid: f.txid, vout: f.vout }, w, 'funding');
    w.trigger = this.engine.at(w, due);
    this.channels.set(channelId, w);
  }

  /**
   * Read new blocks and the mempool, record spends of the watched funding outputs, and step the duties due.
   * It does not reject: a failed call is an `'error'` event, and the next poll tries again.
   */
  async poll(): Promise<void> {
    await this.engine.poll();
  }
}

/**
 * The receiver's (payee's) watcher: from each channel's cutoff L - margin, its
 * latest payment is broadcast and kept in the mempool until mined.
 *
 * @example
 * ```ts
 * const watcher = new SpillmanReceiverWatcher({ backend, fromHeight: fundingHeight });
 * watcher.watch(receiver);
 * watcher.on('duty', (e) => log(`closing ${e.channelId} with ${e.txid}`));
 * setInterval(() => void watcher.poll(), 30_000);
 * ```
 */
export class SpillmanReceiverWatcher extends SpillmanWatcher {
  /**
   * @param opts - The backend, the first height to read and the final depth.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, the backend lacks a method, or a height or depth is not a count.
   */
  constructor(opts: SpillmanWatcherOptions) {
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
    checkChainBackend(opts.backend);
    let self: SpillmanReceiverWatcher | undefined;
    const emit = (e: SpillmanWatchEvent): void => self?.send(e);
    super(opts, new SpillmanReceiverPolicy(emit, countOption(opts.finalDepth, 6, 'finalDepth')), emit);
    self = this;
  }

  /**
   * Watch a funded receiver's channel; the receiver is read, never changed.
   *
   * @param receiver - The channel's receiver.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `receiver` is not a SpillmanReceiver.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if it is watched already.
   */
  watch(receiver: SpillmanReceiver): void {
    if (!(receiver instanceof SpillmanReceiver)) fail('INVALID_ARGUMENT', 'receiver must be a SpillmanReceiver');
    this.addChannel(receiver, (tip) => receiver.cutoffReached(tip));
  }
}

/**
 * The sender's (payer's) watcher: from each channel's L, if its funding
 * output is still unspent (the receiver vanished), the refund is broadcast
 * and kept in the mempool until mined.
 *
 * @example
 * ```ts
 * const watcher = new SpillmanSenderWatcher({ backend, fromHeight: fundingHeight });
 * watcher.watch(sender);
 * setInterval(() => void watcher.poll(), 30_000);
 * ```
 */
export class SpillmanSenderWatcher extends SpillmanWatcher {
  /**
   * @param opts - The backend, the first height to read and the final depth.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, the backend lacks a method, or a height or depth is not a count.
   */
  constructor(opts: SpillmanWatcherOptions) {
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
    checkChainBackend(opts.backend);
    let self: SpillmanSenderWatcher | undefined;
    const emit = (e: SpillmanWatchEvent): void => self?.send(e);
    super(opts, new SpillmanSenderPolicy(emit, countOption(opts.finalDepth, 6, 'finalDepth')), emit);
    self = this;
  }

  /**
   * Watch a funded sender's channel; the sender is read, never changed.
   *
   * @param sender - The channel's sender, with its refund signed (Form S) or signable (Form C).
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sender` is not a SpillmanSender.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet, or (Form S) its refund is not signed.
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if it is watched already.
   */
  watch(sender: SpillmanSender): void {
    if (!(sender instanceof SpillmanSender)) fail('INVALID_ARGUMENT', 'sender must be a SpillmanSender');
    sender.refundTransaction();
    this.addChannel(sender, (tip) => lockOpen(sender.lockTime, tip));
  }
}
