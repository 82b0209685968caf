/**
 * A hub's one watcher: which funded channels it covers (all, or the
 * outpoints a fleet assigned to this process), the copy of each it works
 * from (the one last loaded or saved here), and what its events mean for
 * the stored channels: a spend of a funding output saves the channel
 * closed, from the state as stored, so secrets another process saved are
 * used to classify the spend again.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail, isChannelError } from '../core/errors';
import { toHex, txidToHash } from '../core/hash';
import { ChainBackend } from '../chain/backend';
import { outpointKey } from '../chain/spend-scan';
import { deriveChannelId } from '../protocol/party';
import { Receiver } from '../constructions/revocable/protocol/receiver';
import { ReceiverWatcher, WatcherEvent } from '../constructions/revocable/chain/receiver-watcher';
import { HubChannels, Loaded, expectChannelId } from './hub-channels';
import { Followed, FundingFollow, FundingState } from './hub-funding';
import { FundingOutpoint, HubEvent, ReceiverHubOptions } from './hub-types';

export function outpointKeyOf(f: FundingOutpoint): string {
  return outpointKey(txidToHash(f.txid), f.vout);
}

function checkOutpoints(list: unknown, what: string): FundingOutpoint[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail('INVALID_ARGUMENT', `${what} must be a list of {txid, vout}`);
  return list.map((o: unknown) => {
    if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', `${what}: each must be {txid, vout}`);
    const { txid, vout } = o as FundingOutpoint;
    deriveChannelId(txid, vout); // checks both
    return { txid, vout };
  });
}

/** The watcher of one hub process; see the module's description. */
export class HubWatch {
  private readonly watcher: ReceiverWatcher;
  /** Outpoint keys to watch, once watchOnly restricted the watch; undefined: every funded channel. */
  private only?: Set<string>;
  /** What the watcher was given here, by outpoint key. */
  private readonly watched = new Map<string, FundingOutpoint>();
  /**
   * Channels outside this process's share that it closed cooperatively: it
   * keeps its close going until the close is buried, whoever else watches them
   * (another process's copy may predate the close), and no change of share drops them.
   */
  private readonly kept = new Set<string>();
  /** Whether each watched channel's funding is still deep. */
  private readonly funding: FundingFollow;
  /** Work the watcher's events started (saving a channel closed); poll waits for it. */
  private readonly background = new Set<Promise<void>>();

  constructor(
    o: ReceiverHubOptions['watcher'], backend: ChainBackend, fromHeight: number, watchAll: boolean,
    private readonly chans: () => HubChannels,
    private readonly emit: (e: HubEvent) => void,
  ) {
    if (!watchAll) this.only = new Set();
    this.watcher = new ReceiverWatcher({ ...o, backend, fromHeight, onCutoff: (r) => this.latestAtCutoff(r) });
    this.watcher.onEvent((e: WatcherEvent) => this.fromWatcher(e));
    this.funding = new FundingFollow(backend, (f, state, spentBy) => this.fundingChanged(f, state, spentBy));
  }

  /** How many channels the watcher covers. */
  get size(): number {
    return this.watcher.size;
  }

  /**
   * Point the watcher at the channel as just loaded or saved; watch it if it
   * is funded and this hub's to watch, or if this process just saved its
   * cooperative close.
   */
  sync(c: Loaded, saved: boolean): void {
    const f = c.receiver.funding;
    if (!f) return;
    try {
      if (this.watcher.isWatching(f)) this.watcher.update(c.receiver);
      else if (this.mayWatch(f)) {
        this.watcher.watch(c.receiver);
        this.watched.set(outpointKeyOf(f), { txid: f.txid, vout: f.vout });
      } else if (saved && c.receiver.phase === 'closed' && c.receiver.closeTransaction() !== undefined) {
        this.watcher.watch(c.receiver);
        this.kept.add(outpointKeyOf(f));
      }
      const k = outpointKeyOf(f);
      if (this.watched.has(k)) {
        const r = c.receiver;
        this.funding.follow(k, {
          id: toHex(r.channelId), txid: f.txid, depth: r.fundingDepth, deep: r.fundingConfirmed, closed: r.phase === 'closed',
          ...(c.fundingLost !== undefined ? { lost: c.fundingLost } : {}),
        });
      }
    } catch (e) {
      // A record whose funding_created lost to another on the same outpoint is never watched through.
      if (!isChannelError(e, 'WRONG_CHANNEL')) this.report(e, toHex(c.receiver.channelId));
    }
  }

  /** Stop watching a channel that was deleted (never funded). */
  forget(f: FundingOutpoint): void {
    const k = outpointKeyOf(f);
    this.watched.delete(k);
    this.kept.delete(k);
    this.funding.forget(k);
    this.watcher.unwatch(f);
  }

  private mayWatch(f: FundingOutpoint): boolean {
    return this.only === undefined || this.only.has(outpointKeyOf(f));
  }

  /**
   * Read new blocks and the mempool, and work every duty (penalty claims,
   * CLTV cutoff closes, children of stuck closes). Call it after each block
   * or on a timer; failures are reported as `'error'` events.
   *
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if the backend's tip lacks a height or medianTimePast while a CLTV channel is watched.
   */
  async poll(): Promise<void> {
    await this.watcher.poll();
    // What the poll saw is saved before it returns (a channel closed on chain, classified again from the store).
    while (this.background.size > 0) await Promise.all([...this.background]);
    // A reorg this poll saw, or a funding out of the chain: is each funding deep still (again)?
    await this.funding.check((e, id) => this.report(e, id));
  }

  /**
   * Restrict the watch to a set of funding outpoints, as a fleet splits
   * watching between processes: the first call makes the set empty (every
   * channel watched so far and not added is dropped), then each call adds and
   * removes. A channel added is loaded from the store and watched as stored.
   *
   * @param change - Outpoints to start watching, and outpoints to stop watching.
   * @returns How many channels are watched now, and the added outpoints no channel in the store is funded on.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects, as for every code here) if `change` is not `{add?, remove?}` lists of `{txid, vout}`.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` if the store cannot be read; `STATE_INVALID` if a stored channel is damaged.
   */
  async watchOnly(change: {
    /** Outpoints to watch from now on. */
    readonly add?: readonly FundingOutpoint[];
    /** Outpoints to stop watching. */
    readonly remove?: readonly FundingOutpoint[];
  }): Promise<{
    /** Channels watched now. */
    watching: number;
    /** Added outpoints that no stored channel is funded on. */
    missing: FundingOutpoint[];
  }> {
    if (change === null || typeof change !== 'object' || Array.isArray(change) || ArrayBuffer.isView(change)) fail('INVALID_ARGUMENT', 'change must be {add?, remove?}');
    const add = checkOutpoints(change.add, 'add');
    const remove = checkOutpoints(change.remove, 'remove');
    if (this.only === undefined) {
      this.only = new Set();
      for (const [k, o] of this.watched) {
        this.watcher.unwatch(o);
        this.funding.forget(k);
      }
      this.watched.clear();
    }
    for (const o of remove) {
      this.only.delete(outpointKeyOf(o));
      this.watched.delete(outpointKeyOf(o));
      this.funding.forget(outpointKeyOf(o));
      if (!this.kept.has(outpointKeyOf(o))) this.watcher.unwatch(o);
    }
    const missing: FundingOutpoint[] = [];
    for (const o of add) {
      this.only.add(outpointKeyOf(o));
      if (this.watcher.isWatching(o)) continue;
      try {
        const id = toHex(deriveChannelId(o.txid, o.vout));
        await this.chans().update(await this.chans().routeOf(id), (c) => {
          expectChannelId(c, id);
          return { save: false };
        });
      } catch (e) {
        if (!isChannelError(e, 'NOT_FOUND')) throw e;
        missing.push(o);
      }
    }
    return { watching: this.watcher.size, missing };
  }

  /** At a CLTV cutoff: the channel as stored now (another process may hold a later state), its latest version to close with. */
  private async latestAtCutoff(r: Receiver): Promise<Transaction | undefined> {
    const id = toHex(r.channelId);
    const latest = await this.chans().update(await this.chans().routeOf(id), (c) => ({ save: false, result: c.receiver }), { fresh: true });
    return latest.latestTransaction();
  }

  private fromWatcher(e: WatcherEvent): void {
    switch (e.kind) {
      case 'spend':
        this.inBackground(this.settleOnChain(e.channelId, e.classification, e.txid));
        return;
      case 'cutoff':
        this.inBackground(this.settleOnChain(e.channelId, 'cutoff', e.txid));
        return;
      case 'reorg':
        this.funding.disconnected(e.height);
        return;
      case 'penalty-broadcast':
        this.emit({ kind: 'penalty', channelId: e.channelId, stage: 'broadcast', txid: e.txid, feeRate: e.feeRate });
        return;
      case 'penalty-confirmed':
        this.emit({ kind: 'penalty', channelId: e.channelId, stage: 'confirmed', txid: e.txid, height: e.height });
        return;
      case 'error':
        this.emit({ kind: 'error', ...(e.channelId !== undefined ? { channelId: e.channelId } : {}), code: e.code, message: e.message });
        return;
      default:
    }
  }

  private inBackground(p: Promise<void>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /**
   * The chain ended a channel: save it closed, from the stored state (which
   * may hold secrets another process saved; the watcher, pointed at it,
   * classifies the spend again), and report it if this save closed it.
   */
  private async settleOnChain(id: string, how: Extract<HubEvent, { kind: 'closed' }>['how'], txid: string | undefined): Promise<void> {
    try {
      await this.chans().update(await this.chans().routeOf(id), (c) => {
        if (c.receiver.phase === 'closed') return { save: false };
        c.receiver.markClosed();
        return { save: true, after: () => this.emit({ kind: 'closed', channelId: id, how, ...(txid !== undefined ? { txid } : {}) }) };
      }, { fresh: true });
    } catch (e) {
      this.report(e, id);
    }
  }

  /** Save what the funding follow concluded on the stored channel, and report it if this save made it so. */
  private async fundingChanged(f: Followed, state: FundingState, spentBy: string | undefined): Promise<void> {
    const chans = this.chans();
    await chans.update(await chans.routeOf(f.id), (c) => {
      expectChannelId(c, f.id);
      const lost = state === 'deep' ? undefined : state;
      // Failed is final: a later reorg that brings the funding back does not revive a channel its sender was told is over.
      if (c.fundingLost === lost || c.fundingLost === 'double-spent') return { save: false };
      if (lost === undefined) delete c.fundingLost;
      else c.fundingLost = lost;
      return { save: true, after: () => this.emit({ kind: 'funding', channelId: f.id, state, txid: f.txid, ...(spentBy !== undefined ? { spentBy } : {}) }) };
    }, { fresh: true });
  }

  private report(e: unknown, channelId?: string): void {
    this.emit({
      kind: 'error', ...(channelId !== undefined ? { channelId } : {}),
      code: isChannelError(e) ? e.code : 'UNKNOWN', message: e instanceof Error ? e.message : String(e),
    });
  }
}
