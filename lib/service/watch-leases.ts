/**
 * Watch duty split across server processes by funding outpoint. Channels'
 * funding outpoints are registered in the database; each process (an owner)
 * heartbeats in a table of owners and holds its fair share of the outpoints,
 * ceil(outpoints / live owners), so a fleet watches 10^6 channels without
 * each process following all of them. An owner that stops renewing expires
 * after the TTL, measured in database time (now()), whatever the processes'
 * clocks say; the next renewal of a live owner frees its outpoints and the
 * live owners take them over.
 *
 * Every step is a constant number of set-based statements, whatever the
 * number of outpoints: acquisition picks rows with FOR UPDATE SKIP LOCKED, so
 * owners acquiring at once never wait for, or take, each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { fail } from '../core/errors';
import { expectArray, expectObject } from '../core/arguments';
import { OutPoint, checkTxid, checkVout } from '../core/types';
import { SqlClient, checkSqlClient, checkTableName, countFrom, runQuery } from './sql-client';

/** Who this process is, and how long its leases last. */
export interface WatchLeasesOptions {
  /**
   * This process's owner id, unique in the fleet and stable across its
   * renewals: 1-128 characters of [A-Za-z0-9_-]. Two live processes given one
   * id would hold one set of leases and each drop what the other took; the
   * second is refused (STORE_CONFLICT) until the first stops renewing.
   */
  readonly owner: string;
  /** How long a heartbeat keeps the owner's leases, in milliseconds (default 30,000; at least 100). Renew every third of it. */
  readonly ttlMs?: number;
  /** The tables' prefix (`<prefix>_outpoints`, `<prefix>_owners`): 1-40 characters of [a-z0-9_]. Default `revchan_watch`. */
  readonly prefix?: string;
}

/** What a renewal changed in the outpoints this owner holds. */
export interface LeaseChanges {
  /** Outpoints this owner holds now and did not before: start watching them (check first whether they were spent meanwhile). */
  readonly added: readonly OutPoint[];
  /** Outpoints it held and no longer does (released to a newcomer, taken over after a lapse, unregistered): stop watching them. */
  readonly removed: readonly OutPoint[];
  /** How many outpoints it holds now. */
  readonly held: number;
  /** The live owners counted, this one included. */
  readonly owners: number;
  /** Its fair share: ceil(registered outpoints / live owners). */
  readonly share: number;
}

const DEFAULT_TTL_MS = 30_000;
const DEFAULT_PREFIX = 'revchan_watch';
/** Outpoints per registering statement: big enough that 10^6 take a few statements, small enough for one message. */
const REGISTER_CHUNK = 100_000;
/** Outpoints taken or given back per statement: one such statement lasts well under a TTL. */
const MOVE_CHUNK = 25_000;

const key = (o: OutPoint): string => `${o.txid}:${o.vout}`;

function outpointOf(k: string): OutPoint {
  const i = k.indexOf(':');
  return { txid: k.slice(0, i), vout: Number(k.slice(i + 1)) };
}

function checkOutpoints(outpoints: readonly OutPoint[]): string[] {
  expectArray(outpoints, 'outpoints');
  return outpoints.map((o) => {
    expectObject(o, 'outpoint');
    checkVout(o.vout);
    return key({ txid: checkTxid(o.txid), vout: o.vout });
  });
}

/**
 * This process's share of the watch duty, leased by funding outpoint in the
 * database.
 *
 * @example
 * ```ts
 * const leases = await WatchLeases.create(pool, { owner: `server-${process.pid}` });
 * await leases.register([{ txid: fundingTxid, vout: 0 }]);
 * setInterval(async () => {
 *   const { added, removed } = await leases.renew();
 *   for (const o of added) watcher.watch(channelOf(o));
 *   for (const o of removed) watcher.unwatch(channelOf(o));
 * }, 10_000);
 * ```
 */
export class WatchLeases {
  private readonly mine = new Set<string>();
  /** Held outpoints this process unregistered, reported at the next renewal. */
  private unregistered: string[] = [];
  /** Renewals and the release run one at a time: each reads what the one before changed. */
  private turn: Promise<unknown> = Promise.resolve();
  private readonly outpoints: string;
  private readonly owners: string;
  /** Tells this object from another process given the same owner id. */
  private readonly instance = randomBytes(16).toString('hex');

  private constructor(
    private readonly client: SqlClient,
    /** This process's owner id. */
    readonly owner: string,
    /** How long a heartbeat lasts, in milliseconds. */
    readonly ttlMs: number,
    prefix: string,
  ) {
    this.outpoints = `${prefix}_outpoints`;
    this.owners = `${prefix}_owners`;
  }

  /**
   * Leases for owner `options.owner`, creating the tables if they are missing.
   *
   * @param client - A `pg.Pool`, a `pg.Client` or a PGlite instance.
   * @param options - The owner id, the TTL and the tables' prefix.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `client` has no query method or an option is malformed.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot be reached or refuses the schema.
   */
  static async create(client: SqlClient, options: WatchLeasesOptions): Promise<WatchLeases> {
    checkSqlClient(client);
    expectObject(options, 'options');
    const { owner } = options;
    if (typeof owner !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(owner)) fail('INVALID_ARGUMENT', 'options.owner must be 1-128 characters of [A-Za-z0-9_-]');
    const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 100 || ttlMs > 86_400_000) fail('INVALID_ARGUMENT', 'options.ttlMs must be an integer in [100, 86400000]');
    const prefix = checkTableName(options.prefix ?? DEFAULT_PREFIX, 'options.prefix', 40);
    await runQuery(client, `DO $$ BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('revchan schema ${prefix}'));
  CREATE TABLE IF NOT EXISTS ${prefix}_owners (owner text PRIMARY KEY, expires timestamptz NOT NULL);
  ALTER TABLE ${prefix}_owners ADD COLUMN IF NOT EXISTS instance text;
  CREATE TABLE IF NOT EXISTS ${prefix}_outpoints (outpoint text PRIMARY KEY, owner text);
  CREATE INDEX IF NOT EXISTS ${prefix}_outpoints_owner ON ${prefix}_outpoints (owner);
END $$`);
    return new WatchLeases(client, owner, ttlMs, prefix);
  }

  /**
   * Add outpoints to the duty (already registered ones are left as they are).
   *
   * @param outpoints - Funding outpoints of channels to watch.
   * @returns How many were new.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if an outpoint's txid or vout is malformed; none is registered then.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer.
   */
  async register(outpoints: readonly OutPoint[]): Promise<number> {
    const keys = checkOutpoints(outpoints);
    let added = 0;
    for (let i = 0; i < keys.length; i += REGISTER_CHUNK) {
      const rows = await runQuery(this.client, `WITH ins AS (
  INSERT INTO ${this.outpoints} (outpoint) SELECT unnest($1::text[]) ON CONFLICT (outpoint) DO NOTHING RETURNING 1
) SELECT count(*)::text AS n FROM ins`, [keys.slice(i, i + REGISTER_CHUNK)]);
      added += countFrom(rows[0]?.n, 'the registered count');
    }
    return added;
  }

  /**
   * Remove outpoints from the duty (closed channels), whoever holds them.
   *
   * @param outpoints - Funding outpoints no longer to watch.
   * @returns How many were registered.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if an outpoint's txid or vout is malformed.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer.
   */
  async unregister(outpoints: readonly OutPoint[]): Promise<number> {
    const keys = checkOutpoints(outpoints);
    const rows = await runQuery(this.client, `DELETE FROM ${this.outpoints} WHERE outpoint = ANY($1::text[]) RETURNING outpoint`, [keys]);
    for (const r of rows) {
      const k = String(r.outpoint);
      if (this.mine.delete(k)) this.unregistered.push(k);
    }
    return rows.length;
  }

  /**
   * Heartbeat, then hold the fair share: free the outpoints of owners whose
   * heartbeat expired, take free ones up to the share, or give back those
   * beyond it. An owner's first renewal only announces it, so that owners
   * starting together share from their second renewal on instead of the
   * first one taking everything. Outpoints move 25,000 per statement with a
   * heartbeat between, so a long takeover does not outlast the lease. Renew
   * at least every third of the TTL.
   *
   * @returns What changed in the outpoints this owner holds.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer; renew again (the leases last until the TTL after the last renewal that succeeded).
   * @throws {@link revchan!ChannelError} `STORE_CONFLICT` (the promise rejects, `details.owner`) if another live process renews with this owner id; nothing is taken, and this one holds nothing until that one's heartbeat expires.
   */
  async renew(): Promise<LeaseChanges> {
    return this.inTurn(() => this.renewNow());
  }

  private inTurn<T>(run: () => Promise<T>): Promise<T> {
    const next = this.turn.then(run, run);
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async renewNow(): Promise<LeaseChanges> {
    // The heartbeat commits on its own first: a statement that both renewed this owner and
    // locked another's expired row could wait for an owner doing the same the other way round.
    const known = await this.beat();
    const [state] = await runQuery(this.client, `WITH dead AS (
  -- SKIP LOCKED: a row another owner is renewing right now is alive; never wait for it.
  DELETE FROM ${this.owners} WHERE owner IN (
    SELECT owner FROM ${this.owners} WHERE expires < now() AND owner <> $1 FOR UPDATE SKIP LOCKED
  ) RETURNING owner
), freed AS (
  UPDATE ${this.outpoints} SET owner = NULL WHERE owner IN (SELECT owner FROM dead)
)
-- The counts are of the rows as they were before this statement (its snapshot); the CTEs above run regardless.
SELECT (SELECT count(*) FROM ${this.outpoints})::text AS total,
  (SELECT count(*) FROM ${this.outpoints} WHERE owner = $1)::text AS held,
  (SELECT count(*) FROM ${this.owners} WHERE owner <> $1 AND expires > now())::text AS others`, [this.owner]);
    if (state === undefined) return fail('STORE_UNAVAILABLE', 'database: the renewal returned no row');
    const total = countFrom(state.total, 'the outpoint count');
    const owners = countFrom(state.others, 'the owner count') + 1;
    const share = Math.ceil(total / owners);
    const added: string[] = [];
    const removed = this.unregistered;
    this.unregistered = [];

    // Only this process changes its rows, except another owner freeing them after a lapse: a count that differs says so.
    if (countFrom(state.held, 'the held count') !== this.mine.size) await this.reread(added, removed);

    // A newcomer, or an owner whose lapse let another free its rows, only announces itself this time.
    if (known) {
      // In chunks, each followed by a heartbeat: taking 250,000 outpoints takes longer than a TTL.
      for (let want = share - this.mine.size; want > 0;) {
        const ask = Math.min(want, MOVE_CHUNK);
        const got = await this.move('take', ask);
        for (const k of got) {
          this.mine.add(k);
          added.push(k);
        }
        want -= got.length;
        if (got.length < ask || (want > 0 && !(await this.beat()))) break;
      }
      for (let excess = this.mine.size - share; excess > 0;) {
        const ask = Math.min(excess, MOVE_CHUNK);
        const gave = await this.move('give', ask);
        for (const k of gave) {
          this.mine.delete(k);
          removed.push(k);
        }
        excess -= gave.length;
        if (gave.length < ask || (excess > 0 && !(await this.beat()))) break;
      }
    }
    return { added: added.map(outpointOf), removed: removed.map(outpointOf), held: this.mine.size, owners, share };
  }

  /**
   * Heartbeat: this owner is live until now() + TTL. True if it was known
   * before (its row existed). The row is this object's, or one whose
   * heartbeat expired (this id's process before a restart); a live one of
   * another process given the same id is left alone and refused.
   */
  private async beat(): Promise<boolean> {
    const rows = await runQuery(this.client, `INSERT INTO ${this.owners} AS o (owner, expires, instance) VALUES ($1, now() + $2::int * interval '1 millisecond', $3)
ON CONFLICT (owner) DO UPDATE SET expires = excluded.expires, instance = excluded.instance
  WHERE o.instance IS NULL OR o.instance = excluded.instance OR o.expires < now()
RETURNING o.xmax::text <> '0' AS known`, [this.owner, this.ttlMs, this.instance]);
    const row = rows[0];
    if (row === undefined) {
      fail('STORE_CONFLICT', `owner id ${this.owner} is in use by another live process: give each process its own`, { owner: this.owner });
    }
    // xmax is set on the row version an ON CONFLICT update wrote, and 0 on a fresh insert.
    return row.known === true || row.known === 't';
  }

  /**
   * Leave the fleet: delete this owner's heartbeat and free every outpoint it
   * holds, for the others to take at their next renewal.
   *
   * @returns The outpoints it held, all removed.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer; its leases then expire after the TTL.
   */
  async release(): Promise<LeaseChanges> {
    return this.inTurn(() => this.releaseNow());
  }

  private async releaseNow(): Promise<LeaseChanges> {
    // The heartbeat first, on its own: no outpoint row is locked while it may wait for an owner freeing them.
    // Only this object's: the leases of another process given the same id are not this one's to free.
    const gone = await runQuery(this.client, `DELETE FROM ${this.owners} WHERE owner = $1 AND (instance IS NULL OR instance = $2) RETURNING 1`, [this.owner, this.instance]);
    if (gone.length > 0) await runQuery(this.client, `UPDATE ${this.outpoints} SET owner = NULL WHERE owner = $1`, [this.owner]);
    const removed = [...this.mine, ...this.unregistered].map(outpointOf);
    this.mine.clear();
    this.unregistered = [];
    return { added: [], removed, held: 0, owners: 0, share: 0 };
  }

  /** The outpoints this owner holds, as of its last renewal. */
  held(): OutPoint[] {
    return [...this.mine].map(outpointOf);
  }

  /** Compare what this process believes it holds with the table, noting the difference. */
  private async reread(added: string[], removed: string[]): Promise<void> {
    const rows = await runQuery(this.client, `SELECT outpoint FROM ${this.outpoints} WHERE owner = $1`, [this.owner]);
    const now = new Set(rows.map((r) => String(r.outpoint)));
    for (const k of this.mine) {
      if (!now.has(k)) {
        this.mine.delete(k);
        removed.push(k);
      }
    }
    for (const k of now) {
      if (!this.mine.has(k)) {
        this.mine.add(k);
        added.push(k);
      }
    }
  }

  /**
   * Take up to `n` free outpoints, or give back up to `n` of this owner's,
   * skipping rows another owner's statement holds; the outpoints moved.
   */
  private async move(way: 'take' | 'give', n: number): Promise<string[]> {
    const [from, to] = way === 'take' ? ['owner IS NULL', '$1'] : ['owner = $1', 'NULL'];
    const rows = await runQuery(this.client, `WITH pick AS (
  SELECT outpoint FROM ${this.outpoints} WHERE ${from} LIMIT $2 FOR UPDATE SKIP LOCKED
)
UPDATE ${this.outpoints} p SET owner = ${to} FROM pick WHERE p.outpoint = pick.outpoint RETURNING p.outpoint`, [this.owner, n]);
    return rows.map((r) => String(r.outpoint));
  }
}
