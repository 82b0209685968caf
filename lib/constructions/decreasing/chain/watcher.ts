/**
 * The decreasing-lock watcher: the policy of policy.ts over the generic
 * engine, following blocks from a height and reading the mempool on every
 * poll. For each watched channel it broadcasts the party's newest state the
 * block its lock opens (kickoff form: counted from the kickoff's block, the
 * kickoff being the party's to broadcast) and keeps it in the mempool until
 * a spend is mined; it reports every spend with the state its lock says. Events go to `'event'` and to their own kind.
 */
import { ChainBackend } from '../../../chain/backend';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { errorFields } from '../../../chain/watch-policy';
import { checkChainBackend, countOption } from '../../../chain/watcher-options';
import { fail } from '../../../core/errors';
import { toHex } from '../../../core/hash';
import { DecreasingParty } from '../protocol/party';
import { DecreasingPolicy, DecreasingTag, DecreasingWatchEvent, DecreasingWatched, newestLockOpen } from './policy';
import { DecreasingSpendNote } from './classify';

export { DecreasingWatchEvent };

/** How a decreasing-lock watcher reads the chain. */
export interface DecreasingWatcherOptions {
  /** The party's own node. */
  readonly backend: ChainBackend;
  /** The first block to read: at most the funding's height. */
  readonly fromHeight: number;
  /** A spend this many blocks deep settles the channel (default 6). */
  readonly finalDepth?: number;
}

/**
 * One party's watcher and scheduler.
 *
 * @example
 * ```ts
 * const watcher = new DecreasingWatcher({ backend, fromHeight: fundingHeight });
 * watcher.watch(party);
 * watcher.on('duty', (e) => log(`state ${e.index} broadcast: ${e.txid}`));
 * setInterval(() => void watcher.poll(), 30_000);
 * ```
 */
export class DecreasingWatcher extends IsolatedEmitter<DecreasingWatchEvent> {
  private readonly engine: OutpointWatcher<DecreasingWatched, DecreasingTag, DecreasingSpendNote>;
  private readonly channels = new Map<string, DecreasingWatched>();

  /**
   * @param opts - The backend, the first height to read and the final depth.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, the backend lacks a method, or a height or depth is not a count.
   */
  constructor(opts: DecreasingWatcherOptions) {
    super();
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
    checkChainBackend(opts.backend);
    const finalDepth = countOption(opts.finalDepth, 6, 'finalDepth');
    const fromHeight = countOption(opts.fromHeight, 0, 'fromHeight', 0);
    const emit = (e: DecreasingWatchEvent): void => {
      this.emit('event', e);
      if (e.kind !== 'error') this.emit(e.kind, e);
    };
    const policy = new DecreasingPolicy(emit, finalDepth);
    this.engine = new OutpointWatcher({
      backend: opts.backend, policy, finalDepth,
      follow: { fromHeight, remember: 144, checkMempool: true },
      events: { error: (e, w) => emit({ kind: 'error', ...(w !== undefined ? { channelId: w.channelId } : {}), ...errorFields(e) }) },
    });
    policy.engine = this.engine;
  }

  /**
   * Watch an open channel of either form; the party is read, never changed,
   * so updates it takes after this are what the scheduler broadcasts.
   *
   * @param party - The channel's party.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `party` is not a DecreasingParty.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the counterparty has not signed state 0.
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if it is watched already.
   */
  watch(party: DecreasingParty): void {
    if (!(party instanceof DecreasingParty)) fail('INVALID_ARGUMENT', 'party must be a DecreasingParty');
    party.latestStateTx();
    const channelId = toHex(party.channelId);
    if (this.channels.has(channelId)) fail('CHANNEL_ALREADY_WATCHED', `channel ${channelId} is watched already`);
    const w: DecreasingWatched = { channelId, party };
    const f = party.ctx.params.fundingOutpoint;
    w.funding = this.engine.watch({ txid: f.txid, vout: f.vout }, w, 'funding');
    const k = party.ctx.kickoff?.params.fundingOutpoint;
    if (k !== undefined) w.kickoff = this.engine.watch({ txid: k.txid, vout: k.vout }, w, 'kickoff');
    w.trigger = this.engine.at(w, (tip) => newestLockOpen(w, tip));
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
