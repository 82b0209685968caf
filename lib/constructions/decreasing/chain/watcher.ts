/**
 * The decreasing-lock watcher: the policy of policy.ts over the generic
 * engine, following blocks from a height and reading the mempool on every
 * poll. For each watched channel it broadcasts the party's newest state the
 * block its lock opens (kickoff form: counted from the kickoff's block; the
 * kickoff goes out when {@link DecreasingWatcher.close} asks, and is kept in
 * the mempool until buried) and keeps it in the mempool until a spend is
 * mined, a child through the party's anchor paying for it as the deadline
 * nears; it reports every spend with the state its lock says. Events go to
 * `'event'` and to their own kind.
 */
import { ChainBackend } from '../../../chain/backend';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { errorFields } from '../../../chain/watch-policy';
import { checkChainBackend, countOption } from '../../../chain/watcher-options';
import { expectArray } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual, toHex } from '../../../core/hash';
import { FeeRate, PrivateKey, asPrivateKey, asPublicKey, derivePublicKey } from '../../../core/types';
import { checkDestinationScript } from '../../../tx/outputs';
import { watcherFeeRates } from '../../../chain/watcher-options';
import { FeeCoin } from '../../../tx/anchor-child';
import { DecreasingParty } from '../protocol/party';
import { DecreasingBump, DecreasingPolicy, DecreasingTag, DecreasingWatchEvent, DecreasingWatched, newestLockOpen } from './policy';
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
  /** Blocks a broadcast state or kickoff waits unmined before a child pays for it (default 1). */
  readonly cpfpAfterBlocks?: number;
  /** The child's package rate doubles every this many blocks (default 2). */
  readonly bumpAfterBlocks?: number;
  /** With this many blocks left before the next older state can be mined, the child pays its maximum at once (default 3). */
  readonly urgentWithin?: number;
}

/** How a party pays for its waiting state or kickoff: a child through its anchor and these wallet coins. */
export interface DecreasingBumpOptions {
  /** P2WPKH wallet coins the child spends beside the anchor (an anchor's 330 sat pay no fee on their own). */
  readonly feeCoins: readonly FeeCoin[];
  /** Their private keys, in the same order. */
  readonly coinKeys: readonly PrivateKey[];
  /** Where the child's change goes. */
  readonly destinationScript: Uint8Array;
  /** The first child's package rate, sat/kw (default twice the channel's). */
  readonly feeRate?: FeeRate;
  /** The most a child pays, sat/kw (default 32 times feeRate). */
  readonly maxFeeRate?: FeeRate;
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
  private readonly policy: DecreasingPolicy;

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
    const policy = new DecreasingPolicy(emit, finalDepth, {
      cpfpAfterBlocks: countOption(opts.cpfpAfterBlocks, 1, 'cpfpAfterBlocks'),
      bumpAfterBlocks: countOption(opts.bumpAfterBlocks, 2, 'bumpAfterBlocks'),
      urgentWithin: countOption(opts.urgentWithin, 3, 'urgentWithin', 0),
    });
    this.engine = new OutpointWatcher({
      backend: opts.backend, policy, finalDepth,
      follow: { fromHeight, remember: 144, checkMempool: true },
      events: { error: (e, w) => emit({ kind: 'error', ...(w !== undefined ? { channelId: w.channelId } : {}), ...errorFields(e) }) },
    });
    policy.engine = this.engine;
    this.policy = policy;
  }

  /**
   * Watch an open channel of either form; the party is read, never changed,
   * so updates it takes after this are what the scheduler broadcasts.
   *
   * @param party - The channel's party.
   * @param bump - Wallet coins and keys for a child through the party's anchor; without them (or without anchors) nothing pays for a waiting state.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `party` is not a DecreasingParty, or `bump` is malformed (coins and keys not lists of one length, no coin).
   * @throws {@link ChannelError} `INVALID_KEY` if a coin key is malformed or not its coin's.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `bump.destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` or `FEE_RATE_REFUSED` if a bump rate is malformed, below the relay floor, or `maxFeeRate` below `feeRate`.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the counterparty has not signed state 0.
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if it is watched already.
   */
  watch(party: DecreasingParty, bump?: DecreasingBumpOptions): void {
    if (!(party instanceof DecreasingParty)) fail('INVALID_ARGUMENT', 'party must be a DecreasingParty');
    party.latestStateTx();
    const channelId = toHex(party.channelId);
    if (this.channels.has(channelId)) fail('CHANNEL_ALREADY_WATCHED', `channel ${channelId} is watched already`);
    const w: DecreasingWatched = { channelId, party, ...(bump !== undefined ? { bump: readBump(bump, party) } : {}) };
    const f = party.ctx.params.fundingOutpoint;
    w.funding = this.engine.watch({ txid: f.txid, vout: f.vout }, w, 'funding');
    const k = party.ctx.kickoff?.params.fundingOutpoint;
    if (k !== undefined) w.kickoff = this.engine.watch({ txid: k.txid, vout: k.vout }, w, 'kickoff');
    w.trigger = this.engine.at(w, (tip) => newestLockOpen(w, tip));
    this.channels.set(channelId, w);
  }

  /**
   * Close a watched channel alone. Kickoff form: the kickoff is broadcast on
   * the next poll and kept in the mempool until buried (again after an
   * eviction or a reorg); the newest state follows when its relative lock
   * opens. Locktime form: nothing to send early, the newest state goes out
   * at its lock as always.
   *
   * @param party - A watched channel's party.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `party` is not a DecreasingParty or its channel is not watched.
   */
  close(party: DecreasingParty): void {
    if (!(party instanceof DecreasingParty)) fail('INVALID_ARGUMENT', 'party must be a DecreasingParty');
    const w = this.channels.get(toHex(party.channelId));
    if (w === undefined) fail('INVALID_ARGUMENT', 'the channel is not watched');
    this.policy.close(w);
  }

  /**
   * Read new blocks and the mempool, record spends of the watched funding outputs, and step the duties due.
   * It does not reject: a failed call is an `'error'` event, and the next poll tries again.
   */
  async poll(): Promise<void> {
    await this.engine.poll();
  }
}

function readBump(b: DecreasingBumpOptions, party: DecreasingParty): DecreasingBump {
  if (b === null || typeof b !== 'object') fail('INVALID_ARGUMENT', 'bump must be an object');
  expectArray(b.feeCoins, 'feeCoins');
  expectArray(b.coinKeys, 'coinKeys');
  if (b.feeCoins.length === 0 || b.feeCoins.length !== b.coinKeys.length) fail('INVALID_ARGUMENT', 'bump needs at least one fee coin and one key per coin');
  b.feeCoins.forEach((c, i) => {
    if (c === null || typeof c !== 'object' || !bytesEqual(derivePublicKey(asPrivateKey(b.coinKeys[i]!, 'coin key')), asPublicKey(c.key, 'fee coin key'))) {
      fail('INVALID_KEY', `coin key ${i} is not the key of fee coin ${i}`);
    }
  });
  checkDestinationScript(b.destinationScript);
  const rates = watcherFeeRates(b.feeRate ?? party.ctx.params.feeRate * 2n, b.maxFeeRate);
  return { feeCoins: [...b.feeCoins], coinKeys: [...b.coinKeys], destinationScript: b.destinationScript, feeRate: rates.feeRate, maxFeeRate: rates.maxFeeRate };
}
