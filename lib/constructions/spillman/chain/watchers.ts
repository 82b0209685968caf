/**
 * The Spillman watchers: a policy of chain/policy.ts over the generic engine,
 * following blocks from a height and reading the mempool on every poll. The
 * receiver's closes each watched channel with its latest payment from the
 * cutoff L - margin; the sender's refunds each watched channel from L if its
 * funding output is still unspent. Neither lets its transaction sit at a
 * fee frozen when it was signed: a child through the party's own output, or
 * (Form C's refund) a re-signed refund, raises it on a rising schedule.
 * Events go to `'event'` and to their own kind.
 */
import { ChainBackend, ChainTip } from '../../../chain/backend';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { errorFields } from '../../../chain/watch-policy';
import { checkChainBackend, countOption, watcherFeeRates } from '../../../chain/watcher-options';
import { FeeRate, checkFeeRate } from '../../../core/types';
import { checkDestinationScript } from '../../../tx/outputs';
import { fail } from '../../../core/errors';
import { toHex } from '../../../core/hash';
import { SpillmanReceiver } from '../protocol/receiver';
import { SpillmanSender } from '../protocol/sender';
import {
  SpillmanReceiverPolicy, SpillmanScheduleSettings, SpillmanSenderPolicy, SpillmanSpendNote, SpillmanWatchEvent, SpillmanWatched, lockOpen,
} from './policy';

export { SpillmanWatchEvent, SpillmanSpendNote };

/** How a Spillman watcher reads the chain, and what it pays to get its duties mined. */
export interface SpillmanWatcherOptions {
  /** The party's own node. */
  readonly backend: ChainBackend;
  /** The first block to read: at most the funding's height. */
  readonly fromHeight: number;
  /** A spend this many blocks deep settles the channel (default 6). */
  readonly finalDepth?: number;
  /** Where a child paying for a stuck close or refund sends the party's output: default, the party's own payout script. */
  readonly destinationScript?: Uint8Array;
  /** The first package rate of a child, and Form C's first refund rate, sat/kw: default, each channel's fee rate; at least MIN_FEE_RATE. */
  readonly feeRate?: FeeRate;
  /** The ceiling of the ordinary schedule, sat/kw (default 32 times the first rate); the receiver's last-blocks burn goes above it. */
  readonly maxFeeRate?: FeeRate;
  /** The rate doubles every this many blocks unmined (default 2). */
  readonly bumpAfterBlocks?: number;
  /** With this many blocks left before L, the receiver's close pays maxFeeRate at once (default 6). */
  readonly urgentWithin?: number;
  /** With this many blocks left before L, the receiver's close gives all of its output but dust to fees (default 2). */
  readonly burnWithin?: number;
  /** A close or pre-signed refund waits this many blocks unmined before a child pays for it (default 2). */
  readonly cpfpAfterBlocks?: number;
}

interface FeeOptions {
  readonly destinationScript: Uint8Array | undefined;
  readonly feeRate: FeeRate | undefined;
  readonly maxFeeRate: FeeRate | undefined;
}

/** The schedule's counts and the fee options, checked when the watcher is made: a bad one must not surface as errors poll after poll. */
function readFeeOptions(opts: SpillmanWatcherOptions): { schedule: SpillmanScheduleSettings; fees: FeeOptions } {
  const schedule: SpillmanScheduleSettings = {
    bumpAfterBlocks: countOption(opts.bumpAfterBlocks, 2, 'bumpAfterBlocks'),
    urgentWithin: countOption(opts.urgentWithin, 6, 'urgentWithin', 0),
    burnWithin: countOption(opts.burnWithin, 2, 'burnWithin', 0),
    cpfpAfterBlocks: countOption(opts.cpfpAfterBlocks, 2, 'cpfpAfterBlocks'),
  };
  if (opts.destinationScript !== undefined) checkDestinationScript(opts.destinationScript);
  if (opts.feeRate !== undefined) watcherFeeRates(opts.feeRate, opts.maxFeeRate);
  else if (opts.maxFeeRate !== undefined) checkFeeRate(opts.maxFeeRate);
  return {
    schedule,
    fees: {
      destinationScript: opts.destinationScript === undefined ? undefined : Uint8Array.from(opts.destinationScript),
      feeRate: opts.feeRate, maxFeeRate: opts.maxFeeRate,
    },
  };
}

abstract class SpillmanWatcher extends IsolatedEmitter<SpillmanWatchEvent> {
  protected readonly engine: OutpointWatcher<SpillmanWatched, 'funding', SpillmanSpendNote>;
  private readonly channels = new Map<string, SpillmanWatched>();
  private readonly feeOptions: FeeOptions;

  protected constructor(opts: SpillmanWatcherOptions, fees: FeeOptions, policy: SpillmanReceiverPolicy | SpillmanSenderPolicy, emit: (e: SpillmanWatchEvent) => void) {
    super();
    this.feeOptions = fees;
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
    const ctx = party.context;
    const o = this.feeOptions;
    // The channel's own rate relays (the parties checked it at open); a ceiling below it is refused here, before anything is watched.
    const { feeRate, maxFeeRate } = watcherFeeRates(o.feeRate ?? ctx.params.feeRate, o.maxFeeRate);
    const destinationScript = o.destinationScript ?? (party instanceof SpillmanSender ? ctx.senderPayoutScript : ctx.receiverPayoutScript);
    const w: SpillmanWatched = { channelId, party, fees: { destinationScript, feeRate, maxFeeRate } };
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
   * @param opts - The backend, the first height to read, the final depth, and the fee schedule of the duties.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, the backend lacks a method, or a height, depth or block count is not a count.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` or `maxFeeRate` is not a valid fee rate, or `maxFeeRate` is below `feeRate`.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below MIN_FEE_RATE.
   */
  constructor(opts: SpillmanWatcherOptions) {
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
    checkChainBackend(opts.backend);
    const { schedule, fees } = readFeeOptions(opts);
    let self: SpillmanReceiverWatcher | undefined;
    const emit = (e: SpillmanWatchEvent): void => self?.send(e);
    super(opts, fees, new SpillmanReceiverPolicy(emit, countOption(opts.finalDepth, 6, 'finalDepth'), schedule), emit);
    self = this;
  }

  /**
   * Watch a funded receiver's channel; the receiver is read, never changed.
   *
   * @param receiver - The channel's receiver.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `receiver` is not a SpillmanReceiver.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if the watcher's `maxFeeRate` is below the channel's fee rate (no `feeRate` given).
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
   * @param opts - The backend, the first height to read, the final depth, and the fee schedule of the duties.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, the backend lacks a method, or a height, depth or block count is not a count.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` or `maxFeeRate` is not a valid fee rate, or `maxFeeRate` is below `feeRate`.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below MIN_FEE_RATE.
   */
  constructor(opts: SpillmanWatcherOptions) {
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
    checkChainBackend(opts.backend);
    const { schedule, fees } = readFeeOptions(opts);
    let self: SpillmanSenderWatcher | undefined;
    const emit = (e: SpillmanWatchEvent): void => self?.send(e);
    super(opts, fees, new SpillmanSenderPolicy(emit, countOption(opts.finalDepth, 6, 'finalDepth'), schedule), emit);
    self = this;
  }

  /**
   * Watch a funded sender's channel; the sender is read, never changed.
   *
   * @param sender - The channel's sender, with its refund signed (Form S) or signable (Form C).
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sender` is not a SpillmanSender.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet, or (Form S) its refund is not signed.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if the watcher's `maxFeeRate` is below the channel's fee rate (no `feeRate` given).
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if it is watched already.
   */
  watch(sender: SpillmanSender): void {
    if (!(sender instanceof SpillmanSender)) fail('INVALID_ARGUMENT', 'sender must be a SpillmanSender');
    sender.refundTransaction();
    this.addChannel(sender, (tip) => lockOpen(sender.lockTime, tip));
  }
}
