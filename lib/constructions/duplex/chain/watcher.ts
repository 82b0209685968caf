/**
 * The duplex watcher: the level publisher of policy.ts over the generic
 * engine, following blocks from a height and reading the mempool on every
 * poll; given wallet coins, it pays for a waiting tree transaction with a
 * child through the party's anchor. Events go to `'event'` and to their own
 * kind.
 */
import { ChainBackend } from '../../../chain/backend';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { errorFields } from '../../../chain/watch-policy';
import { checkChainBackend, countOption, watcherFeeRates } from '../../../chain/watcher-options';
import { expectArray } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { FeeRate, PrivateKey, asPrivateKey, asPublicKey, derivePublicKey } from '../../../core/types';
import { FeeCoin } from '../../../tx/anchor-child';
import { checkDestinationScript } from '../../../tx/outputs';
import { DuplexParty } from '../protocol/party';
import { DuplexSigner } from '../tx/signer';
import { DuplexExit, checkDuplexExit } from './exit';
import { DuplexBump, DuplexPolicy, DuplexSpendNote, DuplexTag, DuplexWatchEvent, DuplexWatched } from './policy';

export { DuplexWatchEvent };

/** How a duplex watcher reads the chain. */
export interface DuplexWatcherOptions {
  /** The party's own node. */
  readonly backend: ChainBackend;
  /** The first block to read: at most the setup's height. */
  readonly fromHeight: number;
  /** A spend this many blocks deep settles the channel (default 6). */
  readonly finalDepth?: number;
  /** Blocks a broadcast tree transaction waits unmined before a child pays for it (default 1). */
  readonly cpfpAfterBlocks?: number;
  /** The child's package rate doubles every this many blocks (default 2). */
  readonly bumpAfterBlocks?: number;
  /** With this many blocks left before the stale sibling can be mined, the child pays its maximum at once (default 2). */
  readonly urgentWithin?: number;
}

/** How a party pays for its waiting tree transactions: a child through its anchor and one of these wallet coins each. */
export interface DuplexBumpOptions {
  /** P2WPKH wallet coins, one per child (an anchor's 330 sat pay no fee on their own): d + 1 pay for every tree transaction. */
  readonly feeCoins: readonly FeeCoin[];
  /** Their private keys, in the same order. */
  readonly coinKeys: readonly PrivateKey[];
  /** Where the children's change goes. */
  readonly destinationScript: Uint8Array;
  /** A child's first package rate, sat/kw (default twice the channel's). */
  readonly feeRate?: FeeRate;
  /** The most a child pays, sat/kw (default 32 times feeRate). */
  readonly maxFeeRate?: FeeRate;
  /** The party's signer, whose anchor the children spend: needed when the watcher is given an exit rather than the party. */
  readonly signer?: DuplexSigner;
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
    const policy = new DuplexPolicy(emit, finalDepth, {
      cpfpAfterBlocks: countOption(opts.cpfpAfterBlocks, 1, 'cpfpAfterBlocks'),
      bumpAfterBlocks: countOption(opts.bumpAfterBlocks, 2, 'bumpAfterBlocks'),
      urgentWithin: countOption(opts.urgentWithin, 2, 'urgentWithin', 0),
    });
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
   * @param bump - Wallet coins and keys for children through the party's anchors; without them (or without anchors) nothing pays for a waiting tree transaction.
   * @returns The channel's id: the setup outpoint, `txid:vout`.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `source` is neither, or does not give an exit of its channel; or `bump` is malformed (coins and keys not lists of one length, no coin, no signer with an exit, a signer of another channel).
   * @throws {@link ChannelError} `INVALID_KEY` if a coin key is malformed or not its coin's.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `bump.destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` or `FEE_RATE_REFUSED` if a bump rate is malformed, below the relay floor, or `maxFeeRate` below `feeRate`.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the party does not hold the whole tree yet.
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if it is watched already.
   */
  watch(source: DuplexParty | (() => DuplexExit), bump?: DuplexBumpOptions): string {
    const party = source instanceof DuplexParty ? source : undefined;
    if (party === undefined && typeof source !== 'function') fail('INVALID_ARGUMENT', 'source must be a DuplexParty or a function giving an exit');
    const exit = party !== undefined ? () => party.exit() : source as () => DuplexExit;
    const e = checkDuplexExit(exit());
    const f = e.ctx.params.fundingOutpoint;
    const channelId = `${f.txid}:${f.vout}`;
    if (this.channels.has(channelId)) fail('CHANNEL_ALREADY_WATCHED', `channel ${channelId} is watched already`);
    const checked = bump !== undefined ? readBump(bump, party?.signer, e) : undefined;
    const w: DuplexWatched = {
      channelId, exit: () => checkDuplexExit(exit()), closing: false, watches: new Map(), duties: new Map(), followed: new Set(), coinFor: new Map(), parked: new Map(),
      ...(party !== undefined ? { onKickoff: () => party.kickoffSeen() } : {}),
      ...(checked !== undefined ? { bump: checked } : {}),
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

function readBump(b: DuplexBumpOptions, own: DuplexSigner | undefined, e: DuplexExit): DuplexBump {
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
  const signer = own ?? b.signer;
  if (!(signer instanceof DuplexSigner)) fail('INVALID_ARGUMENT', 'bump needs the party\'s signer when the watcher is given an exit');
  const [x, y] = [signer.ctx.params, e.ctx.params];
  if (x.fundingOutpoint.txid !== y.fundingOutpoint.txid || x.fundingOutpoint.vout !== y.fundingOutpoint.vout || !bytesEqual(x.aFundingKey, y.aFundingKey)
    || !bytesEqual(x.bFundingKey, y.bFundingKey) || x.anchors !== y.anchors) {
    fail('INVALID_ARGUMENT', 'the signer is of another channel');
  }
  const rates = watcherFeeRates(b.feeRate ?? e.ctx.params.feeRate * 2n, b.maxFeeRate);
  return { feeCoins: [...b.feeCoins], coinKeys: [...b.coinKeys], destinationScript: b.destinationScript, feeRate: rates.feeRate, maxFeeRate: rates.maxFeeRate, signer };
}
