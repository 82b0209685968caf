/**
 * The duplex watcher: the level publisher of policy.ts over the generic
 * engine, following blocks from a height and reading the mempool on every
 * poll. Events go to `'event'` and to their own kind.
 */
import { ChainBackend } from '../../../chain/backend';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { errorFields } from '../../../chain/watch-policy';
import { checkChainBackend, countOption } from '../../../chain/watcher-options';
import { fail } from '../../../core/errors';
import { DuplexParty } from '../protocol/party';
import { DuplexExit, checkDuplexExit } from './exit';
import { DuplexPolicy, DuplexSpendNote, DuplexTag, DuplexWatchEvent, DuplexWatched } from './policy';

export { DuplexWatchEvent };

/** How a duplex watcher reads the chain. */
export interface DuplexWatcherOptions {
  /** The party's own node. */
  readonly backend: ChainBackend;
  /** The first block to read: at most the setup's height. */
  readonly fromHeight: number;
  /** A spend this many blocks deep settles the channel (default 6). */
  readonly finalDepth?: number;
}

/**
 * One party's watcher and level publisher.
 *
 * @example
 * ```ts
 * const watcher = new DuplexWatcher({ backend, fromHeight: setupHeight });
 * watcher.watch(party);
 * watcher.close(channelId); // to leave alone: the kickoff, then the tree level by level
 * setInterval(() => void watcher.poll(), 30_000);
 * ```
 */
export class DuplexWatcher extends IsolatedEmitter<DuplexWatchEvent> {
  private readonly engine: OutpointWatcher<DuplexWatched, DuplexTag, DuplexSpendNote>;
  private readonly channels = new Map<string, DuplexWatched>();

  /**
   * @param opts - The backend, the first height to read and the final depth.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, the backend lacks a method, or a height or depth is not a count.
   */
  constructor(opts: DuplexWatcherOptions) {
    super();
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
    checkChainBackend(opts.backend);
    const finalDepth = countOption(opts.finalDepth, 6, 'finalDepth');
    const fromHeight = countOption(opts.fromHeight, 0, 'fromHeight', 0);
    const emit = (e: DuplexWatchEvent): void => {
      this.emit('event', e);
      if (e.kind !== 'error') this.emit(e.kind, e);
    };
    const policy = new DuplexPolicy(emit, finalDepth);
    this.engine = new OutpointWatcher({
      backend: opts.backend, policy, finalDepth,
      follow: { fromHeight, remember: 144, checkMempool: true },
      events: { error: (e, w) => emit({ kind: 'error', ...(w !== undefined ? { channelId: w.channelId } : {}), ...errorFields(e) }) },
    });
    policy.engine = this.engine;
  }

  /**
   * Watch a channel: its setup output, and from the kickoff on its newest branch and simplex channels.
   *
   * @param source - The party (its exit read on every poll, so a reset it takes is followed; told when the kickoff is out, after which it takes no update), or a function giving an exit.
   * @returns The channel's id: the setup outpoint, `txid:vout`.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `source` is neither, or does not give an exit of its channel.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the party does not hold the whole tree yet.
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if it is watched already.
   */
  watch(source: DuplexParty | (() => DuplexExit)): string {
    const party = source instanceof DuplexParty ? source : undefined;
    if (party === undefined && typeof source !== 'function') fail('INVALID_ARGUMENT', 'source must be a DuplexParty or a function giving an exit');
    const exit = party !== undefined ? () => party.exit() : source as () => DuplexExit;
    const e = checkDuplexExit(exit());
    const f = e.ctx.params.fundingOutpoint;
    const channelId = `${f.txid}:${f.vout}`;
    if (this.channels.has(channelId)) fail('CHANNEL_ALREADY_WATCHED', `channel ${channelId} is watched already`);
    const w: DuplexWatched = {
      channelId, exit: () => checkDuplexExit(exit()), closing: false, watches: new Map(), duties: new Map(), followed: new Set(),
      ...(party !== undefined ? { onKickoff: () => party.kickoffSeen() } : {}),
    };
    w.watches.set('setup', this.engine.watch({ txid: f.txid, vout: f.vout }, w, 'setup'));
    // Worked on every poll once there is a tree to publish: the locks open with blocks, not with spends.
    this.engine.at(w, () => w.closing || w.watches.get('setup')?.spend?.note.ours === true);
    this.channels.set(channelId, w);
    return channelId;
  }

  /**
   * Close a watched channel alone: the kickoff goes out on the next poll, then the tree level by level.
   *
   * @param channelId - From {@link DuplexWatcher.watch}.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if the channel is not watched.
   */
  close(channelId: string): void {
    const w = this.channels.get(channelId);
    if (w === undefined) fail('INVALID_ARGUMENT', `channel ${String(channelId)} is not watched`);
    w.closing = true;
    this.engine.activate(w);
  }

  /**
   * Read new blocks and the mempool, record spends, and broadcast what is due.
   * It does not reject: a failed call is an `'error'` event, and the next poll tries again.
   */
  async poll(): Promise<void> {
    await this.engine.poll();
  }
}
