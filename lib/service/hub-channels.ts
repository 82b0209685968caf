/**
 * A hub's channels in the store and in memory: each change runs in its
 * channel's queue, on the cached copy or the stored one, and is saved with
 * compare-and-set on the version it was computed from. A conflicting save,
 * or a refusal from a cached copy the store has moved past, loads the stored
 * channel and applies the change again; nothing computed from a stale copy
 * is ever handed back.
 */
import { ChannelError, fail, isChannelError } from '../core/errors';
import { toHex } from '../core/hash';
import { VersionedChannelStore } from '../protocol/versioned-store';
import { Receiver } from '../constructions/revocable/protocol/receiver';
import { HubKeySource } from './hub-keys';
import { ChannelRecord, aliasKeyOf, aliasToJson, readAlias, readRecord, recordToJson } from './hub-records';
import { KeyedQueue } from './keyed-queue';

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
function recordOf(c: Loaded): ReturnType<typeof recordToJson> {
  return recordToJson({ keyId: c.keyId, receiver: c.receiver.toJSON(), ...(c.openedAt !== undefined ? { openedAt: c.openedAt } : {}) });
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

  /** Whether a record is stored under `key` (call from its queue). */
  async exists(key: string): Promise<boolean> {
    return this.cache.has(key) || (await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(key))) !== undefined;
  }

  /** Save a new channel's first record (call from its queue); false if another process saved one under `key` first. */
  async create(key: string, record: ChannelRecord): Promise<boolean> {
    try {
      await this.store.saveVersioned(key, recordToJson(record), 0);
      return true;
    } catch (e) {
      if (isChannelError(e, 'STORE_CONFLICT')) return false;
      throw storeFailure(e);
    }
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
  } = {}): Promise<T> {
    return this.queue.run(key, async () => {
      const cached = this.cache.get(key);
      if (cached && (opts.fresh || (opts.revalidate && (await this.storedVersion(key)) !== cached.version))) this.cache.delete(key);
      for (let attempt = 1; ; attempt++) {
        const c = await this.load(key);
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
          try {
            c.version = await this.store.saveVersioned(key, recordOf(c), c.version);
          } catch (e) {
            // The copy is ahead of the store now: the next attempt (or message) starts from the store.
            this.cache.delete(key);
            if (isChannelError(e, 'STORE_CONFLICT') && attempt < this.maxAttempts) continue;
            throw storeFailure(e);
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
      ...(rec.openedAt !== undefined ? { openedAt: rec.openedAt } : {}),
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

  /** Write the alias of a channel being funded; one already there must name the same record. */
  async claimAlias(id: string, key: string): Promise<void> {
    try {
      await this.store.saveVersioned(aliasKeyOf(id), aliasToJson(key), 0);
    } catch (e) {
      if (!isChannelError(e, 'STORE_CONFLICT')) throw storeFailure(e);
      const v = await typed('STORE_UNAVAILABLE', () => this.store.loadVersioned(aliasKeyOf(id)));
      if (v === undefined || readAlias(v.state) !== key) {
        fail('FUNDING_MISMATCH', 'another channel was funded on this outpoint', { field: 'txid', channelId: id }, { action: 'ignore' });
      }
    }
  }
}
