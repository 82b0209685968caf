/**
 * The receiver's side of many channels, as a server runs it: wire messages
 * in, answers out, every change saved with compare-and-set before anything
 * leaves. Several processes may share one store (behind any load balancer):
 * a copy of a channel that another process has moved on is never trusted
 * with an answer or a refusal. An answer leaves only after the save that
 * produced it succeeded against the version it was computed from, and a
 * refusal only once the store shows the copy that refused is current; a
 * conflict means reload and apply again.
 *
 * One watcher covers every funded channel the hub holds, and sees each
 * channel as last saved here; a spend of a funding output reloads the
 * channel from the store first, so secrets another process saved are used.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail, isChannelError } from '../core/errors';
import { fromHex, toHex } from '../core/hash';
import { FeeRate } from '../core/types';
import { ChainBackend } from '../chain/backend';
import { confirmFunding } from '../chain/funding-check';
import { IsolatedEmitter } from '../chain/isolated-emitter';
import { checkChainBackend } from '../chain/watcher-options';
import { ChainView, deriveChannelId } from '../protocol/party';
import { isVersionedStore } from '../protocol/versioned-store';
import { Json } from '../protocol/wire';
import { Message, decodeMessage, encodeMessage } from '../constructions/revocable/protocol/messages';
import { Receiver, ReceiverPolicy } from '../constructions/revocable/protocol/receiver';
import { handleReceiverMessage, proposeCloseStep } from '../constructions/revocable/protocol/steps';
import { HubKeySource } from './hub-keys';
import { Change, HubChannels, expectChannelId, typed } from './hub-channels';
import { HubWatch } from './hub-watch';
import { RECORD_PREFIX, recordKeyOf } from './hub-records';
import { ChannelBalance, FundingOutpoint, HubEvent, HubReply, ReceiverHubOptions } from './hub-types';
import { UnfundedChannels, costsNothing } from './hub-unfunded';
import type { FundingLost } from './hub-funding';

/** Default bound on channels that cost their senders nothing yet, per hub process. */
const DEFAULT_MAX_UNFUNDED = 10_000;
/** Default time such a channel has to get funded: 30 minutes. */
const DEFAULT_UNFUNDED_TTL_MS = 30 * 60_000;

const HEX32 = /^[0-9a-f]{64}$/;
/**
 * The longest message text handle parses. revchan's largest message is under
 * 1 KB; parsing is the one cost a sender imposes before anything is checked,
 * and a WebSocket server takes up to 100 MiB a frame unless told otherwise.
 */
export const MAX_WIRE_TEXT = 64 * 1024;

/** A channel id as given: 32 bytes, or their hex. */
function channelIdHex(id: Uint8Array | string): string {
  if (typeof id === 'string' && HEX32.test(id)) return id;
  if (id instanceof Uint8Array && id.length === 32) return toHex(id);
  return fail('INVALID_ARGUMENT', 'channel id must be 32 bytes or 64 lowercase hex characters');
}

/**
 * The receiver's side of many channels of the revocable construction.
 * {@link ReceiverHub.handle} takes each wire message as it arrives, routes it
 * to its channel, applies it to the channel as stored, saves, and answers.
 * Messages for one channel are applied one at a time in arrival order;
 * different channels go on at once.
 *
 * @example
 * ```ts
 * const hub = await ReceiverHub.start({ store, backend, keys: seedKeySource(seed), watcher: { feeRate: 2000n, destinationScript } });
 * hub.on('payment', (e) => deliver(e.channelId, e.increment));
 * socket.on('message', async (text) => {
 *   try {
 *     const { reply } = await hub.handle(text);
 *     if (reply) socket.send(JSON.stringify(reply));
 *   } catch (e) {
 *     if (isChannelError(e) && e.action === 'close') stopServing(socket);
 *   }
 * });
 * setInterval(() => void hub.poll(), 30_000);
 * ```
 */
export class ReceiverHub extends IsolatedEmitter<HubEvent> {
  private readonly backend: ChainBackend;
  private readonly keys: HubKeySource;
  private readonly policy: ReceiverPolicy;
  private readonly tipMaxAgeMs: number;
  private readonly chans: HubChannels;
  private readonly watch: HubWatch;
  private readonly unfunded: UnfundedChannels;
  private readonly canDelete: boolean;
  private sweeping?: Promise<void>;
  private tip?: { view: ChainView; at: number };

  private constructor(o: ReceiverHubOptions, fromHeight: number) {
    super();
    this.backend = o.backend;
    this.keys = o.keys;
    this.policy = o.policy ?? {};
    this.tipMaxAgeMs = o.tipMaxAgeMs ?? 1000;
    this.unfunded = new UnfundedChannels(o.maxUnfunded ?? DEFAULT_MAX_UNFUNDED, o.unfundedTtlMs ?? DEFAULT_UNFUNDED_TTL_MS);
    this.canDelete = typeof o.store.deleteVersioned === 'function';
    this.watch = new HubWatch(o.watcher, o.backend, fromHeight, o.watchAll !== false, () => this.chans, (e) => this.emitEvent(e));
    this.chans = new HubChannels(o.store, o.keys, o.maxAttempts ?? 5, (c, saved) => {
      this.watch.sync(c, saved);
      this.unfunded.follow(c.key, c.receiver, c.openedAt ?? Date.now());
    });
  }

  /**
   * A hub over a store: checks the options, starts the watcher at the tip
   * (or `watcher.fromHeight`), and unless `resume` is false loads every
   * channel in the store to watch it.
   *
   * @param opts - The store, the node, the key source, the policy and the watcher's settings.
   * @returns The hub, watching.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects, as for every code here) if `opts` is not an object, the store is not a VersionedChannelStore, the backend lacks a ChainBackend method, `keys` lacks newKeys or secretsOf, or a count or flag is malformed.
   * @throws {@link revchan!ChannelError} `INVALID_SCRIPT`, `INVALID_FEE_RATE` or `FEE_RATE_REFUSED` if the watcher's destination or fee rates are refused (as ReceiverWatcher's constructor).
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` if the node cannot give its tip.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` if the store cannot be read; `STATE_INVALID` if a stored channel is damaged.
   */
  static async start(opts: ReceiverHubOptions): Promise<ReceiverHub> {
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'hub options must be an object');
    if (opts.store === null || typeof opts.store !== 'object' || !isVersionedStore(opts.store)) fail('INVALID_ARGUMENT', 'store must be a VersionedChannelStore');
    const backend = checkChainBackend(opts.backend);
    const k = opts.keys as Partial<HubKeySource> | null;
    if (k === null || typeof k !== 'object' || typeof k.newKeys !== 'function' || typeof k.secretsOf !== 'function') fail('INVALID_ARGUMENT', 'keys must be a HubKeySource');
    if (opts.policy !== undefined && (opts.policy === null || typeof opts.policy !== 'object')) fail('INVALID_ARGUMENT', 'policy must be an object');
    if (opts.watcher === null || typeof opts.watcher !== 'object') fail('INVALID_ARGUMENT', 'watcher must be an object');
    for (const [name, v, min] of [
      ['maxAttempts', opts.maxAttempts, 1], ['tipMaxAgeMs', opts.tipMaxAgeMs, 0], ['maxUnfunded', opts.maxUnfunded, 1], ['unfundedTtlMs', opts.unfundedTtlMs, 1000],
    ] as const) {
      if (v !== undefined && (!Number.isSafeInteger(v) || v < min)) fail('INVALID_ARGUMENT', `${name} must be an integer of at least ${min}`);
    }
    for (const [name, v] of [['watchAll', opts.watchAll], ['resume', opts.resume]] as const) {
      if (v !== undefined && typeof v !== 'boolean') fail('INVALID_ARGUMENT', `${name} must be a boolean`);
    }
    const fromHeight = opts.watcher.fromHeight ?? (await typed('CHAIN_BACKEND', () => backend.getTip())).height;
    const hub = new ReceiverHub(opts, fromHeight);
    if (opts.resume !== false) await hub.resume();
    return hub;
  }

  // ---- messages

  /**
   * Handle one wire message from a sender: decode it strictly, route it to
   * its channel (open_channel and funding_created by their temporary id,
   * the rest by channel id), apply it to the channel as stored, save, and
   * answer. An offer on a channel whose funding is not confirmed yet first
   * asks the hub's own node (the policy depth; zero-conf only if the policy
   * opts in). A refused message changes nothing and rejects with a typed
   * error whose `action` says what to do; nothing of it is saved.
   *
   * @param wire - The message as JSON text (at most {@link MAX_WIRE_TEXT} characters), or parsed.
   * @returns Once saved: the answer to send, and what became final; for a resend of the message last saved on its channel, the answer saved with it (`again`), whichever process saved it.
   * @throws {@link revchan!ChannelError} `MESSAGE_INVALID`, `MESSAGE_UNKNOWN_TYPE`, `MESSAGE_UNSUPPORTED_VERSION`, `INVALID_KEY`, `INVALID_SIGNATURE` or `INVALID_TIMELOCK` (the promise rejects, as for every code here) if the message does not decode; `MESSAGE_INVALID` (not parsed) if its text is longer than {@link MAX_WIRE_TEXT}.
   * @throws {@link revchan!ChannelError} `UNEXPECTED_MESSAGE` for a type a receiver does not take, an open_channel whose temporary id is in use, or a message its channel's state does not expect.
   * @throws {@link revchan!ChannelError} `LIMIT_REACHED` (action retry) for an open_channel while `maxUnfunded` channels wait for their funding (`details.limit` is `'maxUnfunded'`); nothing is saved.
   * @throws {@link revchan!ChannelError} `NOT_FOUND` (action ignore) if no channel has its id, or (a funding_created, `details.expired`) its channel was not funded within `unfundedTtlMs`.
   * @throws {@link revchan!ChannelError} `FUNDING_MISMATCH` if the funding is not the agreed one, or (action ignore) its outpoint is another channel's.
   * @throws {@link revchan!ChannelError} `FUNDING_NOT_CONFIRMED`, `CHAIN_BACKEND` if the funding cannot be seen at the policy depth on the hub's node; `FUNDING_NOT_CONFIRMED` (action retry, `details.reorged`) for an offer while a reorg has a funding that was deep out of the chain (until it is deep again).
   * @throws {@link revchan!ChannelError} `FUNDING_DOUBLE_SPENT` (action close) for an offer on a channel whose funding a confirmed transaction double-spent: the channel failed.
   * @throws {@link revchan!ChannelError} `WRONG_CHANNEL`, `UPDATE_INDEX_MISMATCH`, `UPDATE_NOT_MONOTONIC`, `AMOUNT_EXCEEDS_CAPACITY`, `INVALID_AMOUNT`, `UPDATE_KEY_REUSED`, `CHANNEL_EXPIRED`, `PAYMENT_PENDING`, `REVOKED_SECRET_MISMATCH`, `SECRET_STORE_INCONSISTENT`, `CHANNEL_CLOSED`, `FEE_RATE_REFUSED`, `FEE_EXCEEDS_OUTPUT`, `INVALID_FEE_RATE`, `INVALID_ARGUMENT`: the receiver's refusals (Receiver.accept and handleReceiverMessage).
   * @throws {@link revchan!ChannelError} `STORE_CONFLICT` if other processes kept saving first `maxAttempts` times; `STORE_UNAVAILABLE` if a save failed (nothing is sent; the next attempt starts from the store); `STATE_INVALID` if the stored channel is damaged.
   */
  async handle(wire: unknown): Promise<HubReply> {
    let json = wire;
    if (typeof wire === 'string') {
      if (wire.length > MAX_WIRE_TEXT) fail('MESSAGE_INVALID', `a message is at most ${MAX_WIRE_TEXT} characters`, { length: wire.length });
      try {
        json = JSON.parse(wire);
      } catch {
        fail('MESSAGE_INVALID', 'not JSON');
      }
    }
    const m = decodeMessage(json);
    switch (m.type) {
      case 'open_channel':
        return this.open(m);
      case 'funding_created':
        return this.fundingCreated(m);
      case 'offer':
      case 'revoke':
      case 'close_offer':
      case 'close_signed': {
        const id = toHex(m.channelId);
        return this.apply(await this.chans.routeOf(id), id, m);
      }
      default:
        return fail('UNEXPECTED_MESSAGE', `a receiver does not take ${m.type}`, { type: m.type });
    }
  }

  /**
   * Propose a cooperative close of a channel's final amount (again at another
   * rate while the sender has not signed): saved first, then the close_offer
   * to send. The sender's close_signed, handled, completes and broadcasts it.
   *
   * @param channelId - The channel's id, bytes or hex.
   * @param feeRate - The close's fee rate, sat/kw, paid from the sender's side.
   * @returns The close_offer, as wire JSON.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects, as for every code here) if `channelId` is malformed.
   * @throws {@link revchan!ChannelError} `NOT_FOUND` if no channel has this id.
   * @throws {@link revchan!ChannelError} `PAYMENT_PENDING`, `INVALID_FEE_RATE`, `FEE_RATE_REFUSED`, `FEE_EXCEEDS_OUTPUT`, `UNEXPECTED_MESSAGE`, `CHANNEL_CLOSED`: as Receiver.proposeClose.
   * @throws {@link revchan!ChannelError} `STORE_CONFLICT`, `STORE_UNAVAILABLE`, `STATE_INVALID`: as {@link ReceiverHub.handle}.
   */
  async proposeClose(channelId: Uint8Array | string, feeRate: FeeRate): Promise<Json> {
    const id = channelIdHex(channelId);
    return this.chans.update(await this.chans.routeOf(id), (c) => {
      expectChannelId(c, id);
      const step = proposeCloseStep(c.receiver, feeRate);
      return { save: true, result: encodeMessage(step.send!) };
    });
  }

  private async open(m: Extract<Message, { type: 'open_channel' }>): Promise<HubReply> {
    const key = recordKeyOf(m.tempChannelId);
    const inUse = (): never => fail('UNEXPECTED_MESSAGE', 'an open_channel for a temporary id already in use', { tempChannelId: toHex(m.tempChannelId) });
    const replay = canonical(m);
    return this.chans.run(key, async () => {
      // The sender's retry of an open whose save failed without an answer: the answer it missed, if the save committed.
      const held = await this.chans.settle(key, () => replay);
      if (held !== undefined) return held.result as HubReply;
      // Its retry after another process (or this one, before a restart) saved it: the answer stored with it.
      const stored = await this.chans.answered(key, replay);
      if (stored.answer !== undefined) return stored.answer;
      if (stored.stored) inUse();
      // Each open writes a record and costs the sender nothing: at the bound, expired ones make room, or the open is refused.
      if (!this.unfunded.reserve()) {
        await this.expireUnfunded();
        if (!this.unfunded.reserve()) {
          fail('LIMIT_REACHED', 'too many channels wait for their funding', { limit: 'maxUnfunded', max: this.unfunded.max });
        }
      }
      const openedAt = Date.now();
      let saved = false;
      try {
        const chain = m.variant.kind === 'cltv' ? await this.chainView() : undefined;
        const { keyId, secrets } = await typed('INVALID_KEY', () => this.keys.newKeys(m));
        const { receiver, message } = Receiver.accept(m, secrets, this.policy, chain);
        // Another process may take the id between our look and our save: its answer is the one the sender gets.
        const result: HubReply = { channelId: toHex(m.tempChannelId), reply: encodeMessage(message) };
        if (!(await this.chans.create(key, { keyId, receiver: receiver.toJSON(), openedAt }, { result, replay }))) inUse();
        saved = true;
        // Not cached: an open costs the sender nothing, so unfunded channels stay in the store only.
        return result;
      } finally {
        if (saved) this.unfunded.settle(key, openedAt);
        else this.unfunded.settle();
      }
    });
  }

  private fundingCreated(m: Extract<Message, { type: 'funding_created' }>): Promise<HubReply> {
    const key = recordKeyOf(m.tempChannelId);
    // The message is decoded: its txid is 32 bytes and its vout in range.
    const id = toHex(deriveChannelId(toHex(m.fundingTxid), m.fundingVout));
    /** This call wrote the alias (in an earlier attempt): it goes if the channel ends up funded elsewhere. */
    let wrote = false;
    return this.chans.update(key, async (c) => {
      if (c.receiver.phase !== 'accepted') {
        // Lost to another process's funding_created on another outpoint: the alias written for this one goes.
        if (wrote && toHex(c.receiver.channelId) !== id) await this.chans.dropAlias(id, key);
        // A repeat, refused before any alias is written: one naming a new outpoint each time would leave an alias per try.
        handleReceiverMessage(c.receiver, m);
        fail('UNEXPECTED_MESSAGE', `funding_created in phase ${c.receiver.phase}`);
      }
      // Past its time the channel is as good as deleted (the next clean-up deletes it): no funding is signed for it.
      const openedAt = c.openedAt ?? this.unfunded.openedAtOf(key);
      if (openedAt !== undefined && this.unfunded.expired(openedAt, Date.now())) {
        fail('NOT_FOUND', 'the channel was not funded in time', { tempChannelId: toHex(m.tempChannelId), expired: true }, { action: 'ignore' });
      }
      // The alias before the receiver changes: an outpoint another channel was funded on is refused with this one untouched.
      wrote = (await this.chans.claimAlias(id, key)) || wrote;
      let step;
      try {
        step = handleReceiverMessage(c.receiver, m);
      } catch (e) {
        if (wrote) await this.chans.dropAlias(id, key);
        throw e;
      }
      return { save: true, result: { channelId: id, reply: encodeMessage(step.send!) }, after: () => { this.chans.remember(id, key); } };
    }, { replay: () => canonical(m) });
  }

  private apply(key: string, id: string, m: Extract<Message, { type: 'offer' | 'revoke' | 'close_offer' | 'close_signed' }>): Promise<HubReply> {
    const replay = () => canonical(m);
    return this.chans.update(key, async (c): Promise<Change<HubReply>> => {
      expectChannelId(c, id);
      if (m.type === 'offer' && c.fundingLost !== undefined) refuseLostFunding(c.fundingLost, id);
      const r = c.receiver;
      const was = { phase: r.phase, deep: r.fundingConfirmed };
      if (m.type === 'offer' && this.mustCheckFunding(r, m.amount)) {
        try {
          await confirmFunding(r, this.backend);
        } catch (e) {
          // Zero-conf: shallow funding still opens the channel within its budget, which the offer is held to.
          if (r.phase === 'funded' || !isChannelError(e, 'FUNDING_NOT_CONFIRMED')) throw e;
        }
      }
      const fundingChanged = r.phase !== was.phase || r.fundingConfirmed !== was.deep;
      const chain = m.type === 'offer' && r.variant.kind === 'cltv' ? await this.chainView() : undefined;
      let step;
      try {
        step = handleReceiverMessage(r, m, chain ? { chain } : {});
      } catch (e) {
        if (fundingChanged) return { save: true, error: e };
        throw e;
      }
      const closeTx = step.closeTx;
      const result: HubReply = {
        channelId: id, ...(step.send ? { reply: encodeMessage(step.send) } : {}), ...(step.paid ? { paid: step.paid } : {}),
        ...(closeTx ? { closeTxid: closeTx.getId() } : {}),
      };
      return {
        save: true, result,
        after: async () => {
          if (step.paid) this.emitEvent({ kind: 'payment', channelId: id, ...step.paid });
          if (closeTx) await this.closed(id, closeTx, was.phase);
        },
      };
    }, { replay });
  }

  /** Before an offer: the funding is not confirmed, or (zero-conf) the offer goes past the budget and the depth may lift it. */
  private mustCheckFunding(r: Receiver, amount: bigint): boolean {
    if (r.phase === 'funded') return true;
    const budget = r.zeroConfBudget;
    return r.phase === 'open' && budget !== undefined && amount > budget;
  }

  /** A cooperative close is saved: broadcast it, and report the channel closed if this save closed it. */
  private async closed(id: string, tx: Transaction, phaseBefore: string): Promise<void> {
    try {
      await this.backend.broadcast(tx.toBuffer());
    } catch (e) {
      this.report(e, id);
    }
    if (phaseBefore !== 'closed') this.emitEvent({ kind: 'closed', channelId: id, how: 'cooperative', txid: tx.getId() });
  }

  // ---- the tip, and resuming

  private async chainView(): Promise<ChainView> {
    const now = Date.now();
    if (this.tip && now - this.tip.at <= this.tipMaxAgeMs) return this.tip.view;
    const t = await typed('CHAIN_BACKEND', () => this.backend.getTip());
    if (t === null || typeof t !== 'object' || !Number.isSafeInteger(t.height) || !Number.isSafeInteger(t.medianTimePast)) fail('CHAIN_BACKEND', 'the backend gave no tip');
    this.tip = { view: { height: t.height, medianTimePast: t.medianTimePast }, at: now };
    return this.tip.view;
  }

  /**
   * Delete the channels that cost their senders nothing and are past their
   * time: never funded, or claimed funded on a transaction the node does not
   * know. One clean-up at a time; failures are reported as `'error'` events.
   */
  private expireUnfunded(): Promise<void> {
    this.sweeping ??= this.sweep().finally(() => { this.sweeping = undefined; });
    return this.sweeping;
  }

  private async sweep(): Promise<void> {
    for (const key of this.unfunded.due(Date.now())) {
      // A store that cannot delete keeps the record; the funding check refuses it all the same.
      if (!this.canDelete) {
        this.unfunded.forget(key);
        continue;
      }
      let funding: FundingOutpoint | undefined;
      try {
        const gone = await this.chans.delete(key, async (c) => {
          funding = c.receiver.funding;
          if (!costsNothing(c.receiver)) return false;
          if (funding === undefined) return true;
          const f = funding;
          // The node knows the funding: real money on chain, kept whatever the sender does next.
          if ((await typed('CHAIN_BACKEND', () => this.backend.getTransaction(f.txid))) === undefined) return true;
          this.unfunded.forget(key, true);
          return false;
        });
        if (gone) {
          this.unfunded.forget(key);
          if (funding !== undefined) this.watch.forget(funding);
        }
      } catch (e) {
        this.report(e);
      }
    }
  }

  /** Load every channel in the store, to watch the funded ones. */
  private async resume(): Promise<void> {
    for (const key of await this.chans.recordKeys(RECORD_PREFIX)) await this.chans.update(key, () => ({ save: false }));
  }

  // ---- the chain

  /**
   * Read new blocks and the mempool, and work every duty (penalty claims,
   * CLTV cutoff closes, children of stuck closes); what the poll saw is
   * saved before it returns (a channel closed on chain). Before, read back
   * the saves that failed without an answer (a dropped connection): one that
   * committed sends its events then. After, look up again each deep funding
   * a reorg may have moved (see {@link ReceiverHub.handle}'s
   * FUNDING_NOT_CONFIRMED and FUNDING_DOUBLE_SPENT), and delete the channels
   * not funded in time (`unfundedTtlMs`). Call it after each
   * block or on a timer; failures are reported as `'error'` events.
   *
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if the backend's tip lacks a height or medianTimePast while a CLTV channel is watched.
   */
  async poll(): Promise<void> {
    this.tip = undefined;
    // Saves that failed without an answer: read back, their events sent if they committed.
    for (const key of this.chans.uncertainKeys) await this.chans.run(key, () => this.chans.settle(key)).catch((e: unknown) => this.report(e));
    // Channels whose save failed while the store could not be read: the watcher works from the stored copy.
    for (const key of this.chans.staleKeys) await this.chans.refresh(key);
    await this.watch.poll();
    await this.expireUnfunded();
  }

  /** How many channels that cost their senders nothing yet (never funded, or funding the node has not shown) this process counts. */
  get unfundedCount(): number {
    return this.unfunded.size;
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
  watchOnly(change: {
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
    return this.watch.watchOnly(change);
  }

  // ---- views

  /**
   * A channel's balance as stored now (loaded again if another process saved it since).
   *
   * @param channelId - The channel's id (or, before funding, its temporary id), bytes or hex.
   * @returns Its phase, final amount, pending amount, funding.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects, as for every code here) if `channelId` is malformed.
   * @throws {@link revchan!ChannelError} `NOT_FOUND` if no channel has this id.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` if the store cannot be read; `STATE_INVALID` if the stored channel is damaged.
   */
  async balance(channelId: Uint8Array | string): Promise<ChannelBalance> {
    const id = channelIdHex(channelId);
    try {
      const b = await this.balanceOf(await this.chans.routeOf(id));
      // An alias left by a funding that lost names a record funded on another outpoint: not this channel.
      if (b.channelId === id) return b;
    } catch (e) {
      if (!isChannelError(e, 'NOT_FOUND')) throw e;
    }
    return this.balanceOf(recordKeyOf(fromHex(id))); // not funded: the temporary id names the record
  }

  /**
   * Every channel in the store, as {@link ReceiverHub.balance} gives each.
   *
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the store cannot be read; `STATE_INVALID` if a stored channel is damaged.
   */
  async channels(): Promise<ChannelBalance[]> {
    const out: ChannelBalance[] = [];
    for (const key of await this.chans.recordKeys(RECORD_PREFIX)) out.push(await this.balanceOf(key));
    return out;
  }

  private async balanceOf(key: string): Promise<ChannelBalance> {
    // A copy another process has moved past is replaced by the stored one.
    const c = await this.chans.update(key, (l) => ({ save: false, result: { receiver: l.receiver, fundingLost: l.fundingLost } }), { revalidate: true });
    return balanceOfReceiver(key, c.receiver, c.fundingLost);
  }

  /** How many channels the watcher covers. */
  get watching(): number {
    return this.watch.size;
  }

  /** How many funded channels this process holds in memory. */
  get loaded(): number {
    return this.chans.size;
  }

  // ---- events

  private report(e: unknown, channelId?: string): void {
    this.emitEvent({
      kind: 'error', ...(channelId !== undefined ? { channelId } : {}),
      code: isChannelError(e) ? e.code : 'UNKNOWN', message: e instanceof Error ? e.message : String(e),
    });
  }

  private emitEvent(e: HubEvent): void {
    this.emit('event', e);
    // 'error' is special to EventEmitter users (it throws without a listener): failures travel on 'event' only.
    if (e.kind !== 'error') this.emit(e.kind, e);
  }
}

/** A message as one text, to know the sender's retry of it. */
function canonical(m: Message): string {
  return JSON.stringify(encodeMessage(m));
}

/** An offer on a channel whose funding, deep once, moved (see FundingFollow). */
function refuseLostFunding(lost: FundingLost, id: string): never {
  if (lost === 'double-spent') fail('FUNDING_DOUBLE_SPENT', 'the funding was double-spent: the channel failed', { channelId: id });
  return fail('FUNDING_NOT_CONFIRMED', 'a reorg took the funding out of the chain: offers wait until it is deep again', { channelId: id, reorged: true });
}

function balanceOfReceiver(key: string, r: Receiver, fundingLost: FundingLost | undefined): ChannelBalance {
  const funding = r.funding;
  return {
    channelId: toHex(r.channelId), tempChannelId: key.slice(RECORD_PREFIX.length), phase: r.phase, amount: r.amount, index: r.index,
    ...(r.pendingAmount !== undefined ? { pendingAmount: r.pendingAmount } : {}),
    ...(funding ? { capacity: r.context.params.capacity, funding: { txid: funding.txid, vout: funding.vout } } : {}),
    fundingConfirmed: r.fundingConfirmed, ...(fundingLost !== undefined ? { fundingLost } : {}),
  };
}
