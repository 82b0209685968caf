/**
 * A hub's channels in the store and in memory: each change runs in its
 * channel's queue, on the cached copy or the stored one, and is saved with
 * compare-and-set on the version it was computed from. A conflicting save,
 * or a refusal from a cached copy the store has moved past, loads the stored
 * channel and applies the change again; nothing computed from a stale copy
 * is ever handed back.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ChannelError, fail, isChannelError } from '../core/errors';
import { toHex } from '../core/hash';
import { VersionedChannelStore } from '../protocol/versioned-store';
import { Receiver } from '../constructions/revocable/protocol/receiver';
import { HubKeySource } from './hub-keys';
import {
  ChannelRecord, StoredAnswer, aliasKeyOf, aliasToJson, readAlias, readRecord, readReply, recordToJson, replyToJson,
} from './hub-records';
import type { HubReply } from './hub-types';
import { KeyedQueue } from './keyed-queue';
import type { FundingLost } from './hub-funding';

/** A channel as loaded: its receiver, the version it was loaded or saved at, and where its keys are. */
export interface Loaded {
  /** Its record's key. */
  readonly key: string;
  readonly receiver: Receiver;
  version: number;
  readonly keyId: string;
  /** When it was opened, ms since 1970 (absent in records saved before it was kept). */
  readonly openedAt?: number;
  /** Loaded from the store in this attempt (a refusal from it needs no second look). */
  fresh: boolean;
  /** The funding, deep once, is out of the chain or double-spent: no offers (saved with the record). */
  fundingLost?: FundingLost;
  /** The answer to the last sender message saved on it (saved with the record). */
  answer?: StoredAnswer;
}

/** What applying something to a loaded channel came to. */
export interface Change<T> {
  /** Save the receiver (compare-and-set on the loaded version). */
  readonly save: boolean;
  readonly result?: T;
  /** Thrown after the save: a refusal that still changed something worth keeping (a funding check). */
  readonly error?: unknown;
  /** Runs once the save is durable (events, broadcasts). */
  readonly after?: () => Promise<void> | void;
}

/**
 * A save whose outcome is unknown: the store failed after it may have
 * committed (the connection dropped on the way back). Its answer and what
 * was to follow it (events, a broadcast) are held until the record is read
 * back: the stored version it would have made, carrying its save id, means it
 * committed.
 */
interface UncertainSave {
  readonly version: number;
  readonly saveId: string;
  /** The message it applied, canonical: the sender's retry of it gets the held answer. */
  readonly replay?: string;
  readonly result: unknown;
  readonly error?: unknown;
  readonly after?: () => Promise<void> | void;
  /** Read back and found committed; the answer waits for the sender's retry. */
  committed: boolean;
}

/** How a message is known again in a stored answer: SHA-256 of its canonical text. */
function digestOf(replay: string): string {
  return createHash('sha256').update(replay).digest('hex');
}

/** A new save id: 16 random hex characters. */
function newSaveId(): string {
  return randomBytes(8).toString('hex');
}

/** A store's failure that is not already typed: nothing was saved. */
export function storeFailure(e: unknown): ChannelError {
  if (e instanceof ChannelError) return e;
  return new ChannelError('STORE_UNAVAILABLE', `store failed: ${e instanceof Error ? e.message : String(e)}`);
}

/** The caller's code (a key source, a backend) may throw anything: it becomes a ChannelError of `code`. */
export async function typed<T>(code: 'CHAIN_BACKEND' | 'STORE_UNAVAILABLE' | 'INVALID_KEY', call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ChannelError) throw e;
    return fail(code, e instanceof Error ? e.message : String(e));
  }
}

/** The record of a loaded channel, as saved. */
function recordOf(c: Loaded, saveId: string): ReturnType<typeof recordToJson> {
  return recordToJson({
    keyId: c.keyId, receiver: c.receiver.toJSON(), saveId,
    ...(c.openedAt !== undefined ? { openedAt: c.openedAt } : {}), ...(c.fundingLost !== undefined ? { fundingLost: c.fundingLost } : {}),
    ...(c.answer !== undefined ? { answer: c.answer } : {}),
  });
}

/** NOT_FOUND unless `c` is the channel `id` names (an alias left by a funding_created that lost names a record of another outpoint). */
export function expectChannelId(c: Loaded, id: string): void {
  if (toHex(c.receiver.channelId) !== id) fail('NOT_FOUND', 'no channel has this id', { channelId: id }, { action: 'ignore' });
}

/** The channels of one hub process; see the module's description. */
export class HubChannels {
  private readonly queue = new KeyedQueue();
  /** Funded channels by record key, as last loaded or saved here. */
  private readonly cache = new Map<string, Loaded>();
  /** Record keys by channel id, hex: an alias never changes once written. */
  private readonly aliases = new Map<string, string>();
  /** Saves whose outcome is unknown, by record key. */
  private readonly uncertain = new Map<string, UncertainSave>();
  /** Record keys whose last save failed and whose stored copy could not be read back: the watcher's copy may be ahead. */
  private readonly stale = new Set<string>();

  /**
   * @param store - The shared store.
   * @param keys - Where each channel's keys are found from its key id.
   * @param maxAttempts - How many times a change is applied before a conflict or a stale refusal is passed on.
   * @param onCurrent - Called with every copy just loaded or saved (`saved` true when this process saved it), and with one that refused unchanged (the watcher follows them).
   */
  constructor(
    private readonly store: VersionedChannelStore,
    private readonly keys: HubKeySource,
    private readonly maxAttempts: number,
    private readonly onCurrent: (c: Loaded, saved: boolean) => void,
  ) {}

  /** Funded channels held in memory. */
  get size(): number {
    return this.cache.size;
  }

  /** Runs `job` in the queue of `key`, after every change queued before it. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    return this.queue.run(key, job);
  }

  /**
   * Save a new channel's first record (call from its queue); false if another
   * process saved one under `key` first. A failure that may have committed
   * holds `result` for the sender's retry of `replay` (see {@link HubChannels.settle}).
   */
  async create(key: string, record: ChannelRecord, held: { result: HubReply; replay: string }): Promise<boolean> {
    const saveId = newSaveId();
    const answer = { replay: digestOf(held.replay), result: replyToJson(held.result) };
    try {
      await this.store.saveVersioned(key, recordToJson({ ...record, saveId, answer }), 0);
      return true;
    } catch (e) {
      if (isChannelError(e, 'STORE_CONFLICT')) return false;
      const err = storeFailure(e);
      if (err.code === 'STORE_UNAVAILABLE') this.uncertain.set(key, { version: 1, saveId, ...held, committed: false });
      throw err;
    }
  }

  /**
   * Whether a record is stored under `key`, and its stored answer to
   * `replay` (the message, canonical) if the last message saved there was
   * this one: any process answers a resend the same, whichever saved it
   * (call from its queue). Its events are not sent again: the process that
   * saved sends them.
   */
  async answered(key: string, replay: string): Promise<{ stored: boolean; answer?: HubReply }> {
    const cached = this.cache.get(key);
    const v = cached === undefined ? await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(key)) : undefined;
    if (cached === undefined && v === undefined) return { stored: false };
    const a = cached !== undefined ? cached.answer : readRecord(v!.state).answer;
    return a !== undefined && a.replay === digestOf(replay) ? { stored: true, answer: readReply(a.result) } : { stored: true };
  }

  /** Record keys of saves whose outcome is unknown. */
  get uncertainKeys(): string[] {
    return [...this.uncertain].filter(([, u]) => !u.committed).map(([k]) => k);
  }

  /**
   * Learn whether a save of `key` that failed without an answer committed
   * (call from its queue): if so, what was to follow it happens now, once.
   * With `replay` (the message being handled, canonical), the held answer if
   * it is a retry of the message that save applied; any other message drops it.
   */
  async settle(key: string, replay?: () => string): Promise<{ result: unknown; error?: unknown } | undefined> {
    const u = this.uncertain.get(key);
    if (u === undefined) return undefined;
    if (!u.committed) {
      const v = await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(key));
      let saveId: string | undefined;
      try {
        saveId = v === undefined ? undefined : readRecord(v.state).saveId;
      } catch {
        saveId = undefined;
      }
      // Moved on since (another process saved on top of it) cannot be told apart from lost: its events are not sent.
      if (v === undefined || v.version !== u.version || saveId !== u.saveId) {
        this.uncertain.delete(key);
        return undefined;
      }
      u.committed = true;
      this.cache.delete(key);
      const c = await this.load(key);
      c.fresh = false;
      if (c.receiver.funding) this.cache.set(key, c);
      this.onCurrent(c, true);
      await u.after?.();
    }
    if (replay === undefined) return undefined;
    this.uncertain.delete(key);
    return u.replay !== undefined && u.replay === replay() ? { result: u.result, ...(u.error !== undefined ? { error: u.error } : {}) } : undefined;
  }

  /** Every record key in the store. */
  async recordKeys(prefix: string): Promise<string[]> {
    return (await typed('STORE_UNAVAILABLE', () => this.store.keys())).filter((k) => k.startsWith(prefix));
  }

  /** Remember the record of a channel id, once its alias is saved. */
  remember(id: string, key: string): void {
    this.aliases.set(id, key);
  }

  /**
   * Runs `change` on the channel under `key` in its queue: loaded (from the
   * cache, or the store), changed, saved with compare-and-set. A conflicting
   * save, or a refusal from a cached copy the store has moved past, loads
   * the stored channel and runs `change` again, up to maxAttempts times.
   */
  update<T>(key: string, change: (c: Loaded) => Promise<Change<T>> | Change<T>, opts: {
    /** Load from the store, whatever is cached. */
    fresh?: boolean;
    /** Load from the store if it holds another version than the cached one. */
    revalidate?: boolean;
    /** The message applied, canonical: a save of it that fails without an answer holds the answer for its retry. */
    replay?: () => string;
  } = {}): Promise<T> {
    return this.queue.run(key, async () => {
      const held = await this.settle(key, opts.replay);
      if (held !== undefined) {
        if (held.error !== undefined) throw held.error;
        return held.result as T;
      }
      const cached = this.cache.get(key);
      if (cached && (opts.fresh || (opts.revalidate && (await this.storedVersion(key)) !== cached.version))) this.cache.delete(key);
      let digest: string | undefined;
      for (let attempt = 1; ; attempt++) {
        const c = await this.load(key);
        if (opts.replay !== undefined) {
          digest ??= digestOf(opts.replay());
          // The sender's resend of the message last saved here, by this process or another: the same answer, nothing applied again.
          if (c.answer?.replay === digest) return readReply(c.answer.result) as T;
        }
        let ch: Change<T>;
        try {
          ch = await change(c);
        } catch (e) {
          // Refused, and the receiver unchanged (a party changes nothing when it refuses). From a cached copy the
          // store has moved past, the refusal means nothing: try the stored channel. A store that cannot answer
          // leaves the refusal standing, which changes nothing either.
          this.cache.delete(key);
          if (!c.fresh && attempt < this.maxAttempts && (await this.storedVersion(key).catch(() => c.version)) !== c.version) continue;
          this.onCurrent(c, false);
          throw e;
        }
        if (ch.save) {
          if (digest !== undefined) {
            // A message refused (a save that only kept a funding check) has no answer to give again.
            if (ch.error === undefined && ch.result !== undefined) c.answer = { replay: digest, result: replyToJson(ch.result as HubReply) };
            else delete c.answer;
          }
          const saveId = newSaveId();
          try {
            c.version = await this.store.saveVersioned(key, recordOf(c, saveId), c.version);
          } catch (e) {
            // The copy is ahead of the store now: the stored one replaces it, in the cache and for the watcher.
            await this.reload(key);
            if (isChannelError(e, 'STORE_CONFLICT') && attempt < this.maxAttempts) continue;
            const err = storeFailure(e);
            if (err.code === 'STORE_UNAVAILABLE') {
              this.uncertain.set(key, {
                version: c.version + 1, saveId, result: ch.result, committed: false,
                ...(opts.replay !== undefined ? { replay: opts.replay() } : {}), ...(ch.error !== undefined ? { error: ch.error } : {}), ...(ch.after ? { after: ch.after } : {}),
              });
            }
            throw err;
          }
        }
        c.fresh = false;
        if (c.receiver.funding) this.cache.set(key, c);
        this.onCurrent(c, ch.save);
        await ch.after?.();
        if (ch.error !== undefined) throw ch.error;
        return ch.result as T;
      }
    });
  }

  /**
   * After a failed save (call from the queue of `key`): the copy the change
   * was applied to is ahead of the store, and the watcher holds that copy. It
   * is dropped, and the stored channel takes its place in the cache and in the
   * watcher; a store that cannot be read now leaves `key` stale, reloaded
   * before the watcher's next poll ({@link HubChannels.refresh}).
   */
  private async reload(key: string): Promise<void> {
    this.cache.delete(key);
    let c: Loaded;
    try {
      c = await this.load(key);
    } catch {
      this.stale.add(key);
      return;
    }
    this.stale.delete(key);
    if (c.receiver.funding) this.cache.set(key, c);
    this.onCurrent(c, false);
  }

  /** Record keys whose watched copy may be ahead of the store (a failed save, then a store that could not be read). */
  get staleKeys(): string[] {
    return [...this.stale];
  }

  /** Reload a stale channel, in its queue (see {@link HubChannels.staleKeys}). */
  refresh(key: string): Promise<void> {
    return this.queue.run(key, async () => {
      if (this.stale.has(key)) await this.reload(key);
    });
  }

  /** The channel under `key`: the cached copy, or the stored one restored with its keys. */
  async load(key: string): Promise<Loaded> {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const v = await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(key));
    if (v === undefined) fail('NOT_FOUND', 'no channel has this id', { key }, { action: 'ignore' });
    const rec = readRecord(v.state);
    const secrets = await typed('INVALID_KEY', () => this.keys.secretsOf(rec.keyId));
    return {
      key, receiver: Receiver.restore(rec.receiver, secrets), version: v.version, keyId: rec.keyId, fresh: true,
      ...(rec.openedAt !== undefined ? { openedAt: rec.openedAt } : {}), ...(rec.fundingLost !== undefined ? { fundingLost: rec.fundingLost } : {}),
      ...(rec.answer !== undefined ? { answer: rec.answer } : {}),
    };
  }

  async storedVersion(key: string): Promise<number> {
    return (await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(key)))?.version ?? 0;
  }

  /** The record key of a funded channel, through its alias. */
  async routeOf(id: string): Promise<string> {
    const known = this.aliases.get(id);
    if (known) return known;
    const v = await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(aliasKeyOf(id)));
    if (v === undefined) fail('NOT_FOUND', 'no channel has this id', { channelId: id }, { action: 'ignore' });
    const key = readAlias(v.state);
    this.aliases.set(id, key);
    return key;
  }

  /**
   * Delete the channel under `key` (call it only for a channel that was never
   * funded: nothing is owed on it) if `doomed` says so of the stored copy: the
   * record by compare-and-set, then its alias if it names this record. A
   * record another process changed meanwhile is kept: `doomed` is asked again
   * on the next clean-up.
   *
   * @returns Whether it is gone (deleted, or not in the store any more).
   */
  delete(key: string, doomed: (c: Loaded) => Promise<boolean>): Promise<boolean> {
    const del = this.store.deleteVersioned?.bind(this.store);
    if (del === undefined) return Promise.resolve(false);
    return this.queue.run(key, async () => {
      this.cache.delete(key);
      let c: Loaded;
      try {
        c = await this.load(key);
      } catch (e) {
        if (isChannelError(e, 'NOT_FOUND')) return true;
        throw e;
      }
      if (!(await doomed(c))) return false;
      try {
        await del(key, c.version);
      } catch (e) {
        if (isChannelError(e, 'STORE_CONFLICT')) return false;
        throw storeFailure(e);
      }
      const f = c.receiver.funding;
      if (f === undefined) return true;
      const id = toHex(c.receiver.channelId);
      this.aliases.delete(id);
      // The alias goes after its record: an alias without a record routes to NOT_FOUND; the other way round a live channel could not be reached.
      const alias = await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(aliasKeyOf(id)));
      if (alias !== undefined && readAlias(alias.state) === key) {
        await typed('STORE_UNAVAILABLE', () => del(aliasKeyOf(id), alias.version)).catch((e: unknown) => {
          if (!isChannelError(e, 'STORE_CONFLICT')) throw e;
        });
      }
      return true;
    });
  }

  /**
   * Write the alias of a channel being funded; one already there must name
   * the same record. True if this call wrote it.
   */
  async claimAlias(id: string, key: string): Promise<boolean> {
    try {
      await this.store.saveVersioned(aliasKeyOf(id), aliasToJson(key), 0);
      return true;
    } catch (e) {
      if (!isChannelError(e, 'STORE_CONFLICT')) throw storeFailure(e);
      const v = await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(aliasKeyOf(id)));
      if (v === undefined || readAlias(v.state) !== key) {
        fail('FUNDING_MISMATCH', 'another channel was funded on this outpoint', { field: 'txid', channelId: id }, { action: 'ignore' });
      }
      return false;
    }
  }

  /**
   * Delete the alias `id` if it still names `key` and the store can delete:
   * one written for a funding that did not happen (refused, or lost to
   * another). Best effort: one left behind routes to NOT_FOUND.
   */
  async dropAlias(id: string, key: string): Promise<void> {
    const del = this.store.deleteVersioned?.bind(this.store);
    if (del === undefined) return;
    try {
      const v = await this.store.loadVersioned(aliasKeyOf(id));
      if (v !== undefined && readAlias(v.state) === key) await del(aliasKeyOf(id), v.version);
    } catch {
      // Left behind: it names a record funded on another outpoint, which routing refuses.
    }
  }
}
