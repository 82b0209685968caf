/**
 * Channel states in a PostgreSQL table (key, state jsonb, version), shared by
 * any number of server processes: every save is compare-and-set on the
 * version, so a process holding a stale state gets STORE_CONFLICT and writes
 * nothing. Concurrent saves of different channels commit together as one
 * statement (group commit), so durability costs one commit per batch rather
 * than one per payment.
 */
import { ChannelError, fail } from '../core/errors';
import { expectObject } from '../core/arguments';
import { checkStoreKey } from '../protocol/store';
import type { VersionedChannelStore, VersionedState } from '../protocol/versioned-store';
import { checkDeletedVersion, checkExpectedVersion, stateText, storeConflict } from '../protocol/versioned-store';
import { BatchOutcome, GroupCommit } from './group-commit';
import { SqlClient, checkSqlClient, checkTableName, countFrom, isTransient, runQuery } from './sql-client';

/** How a {@link PostgresChannelStore} names its table and batches its saves. */
export interface PostgresChannelStoreOptions {
  /** The table, created if missing: 1-48 characters of [a-z0-9_]. Default `revchan_channels`. */
  readonly table?: string;
  /**
   * Gather saves that arrive while a batch commits into the next batch, one
   * statement each (default true). False: every save is its own statement.
   */
  readonly groupCommit?: boolean;
  /** The most saves in one statement (default 500, at most 10,000). */
  readonly maxBatch?: number;
}

interface Save {
  readonly key: string;
  readonly text: string;
  readonly expected: number;
}

const DEFAULT_TABLE = 'revchan_channels';
const DEFAULT_MAX_BATCH = 500;
/** A batch a deadlock rolled back is run again this many times before its saves fail. */
const TRANSIENT_RETRIES = 3;

/**
 * A JSON value's text as jsonb will take it: jsonb refuses NUL and lone
 * surrogates, and one such state must not fail the batch it would share.
 */
function jsonText(state: unknown): string {
  const text = stateText(state);
  // JSON.stringify writes \u escapes only for control characters and lone surrogates.
  if (/(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f])/.test(text)) fail('INVALID_ARGUMENT', 'state must not hold a NUL character or a lone surrogate');
  return text;
}

/** A ChannelError as a value, for one save of a batch to be rejected with. */
function conflict(key: string, expected: number, found: number): ChannelError {
  try {
    return storeConflict(key, expected, found);
  } catch (e) {
    return e as ChannelError;
  }
}

/**
 * A {@link revchan!VersionedChannelStore} in PostgreSQL, over any
 * {@link SqlClient} (`pg.Pool`, `pg.Client`, PGlite).
 *
 * Each batch of saves is one statement, hence one transaction: a save whose
 * version check fails is refused alone (STORE_CONFLICT) while the others
 * commit; a statement that fails or a connection that drops rejects every
 * save of the batch with STORE_UNAVAILABLE (action retry), and none of them
 * is half-written. When the connection dropped without the server's answer
 * the commit itself may have happened: the caller's retry, which loads the
 * stored state again, finds the version either way.
 *
 * @example
 * ```ts
 * const store = await PostgresChannelStore.create(pool);
 * const loaded = await store.loadVersioned(channelId);
 * // ... apply the message to the restored party ...
 * await store.saveVersioned(channelId, receiver.toJSON(), loaded?.version ?? 0); // STORE_CONFLICT: load again, apply again
 * ```
 */
export class PostgresChannelStore implements VersionedChannelStore {
  private readonly batches?: GroupCommit<Save, number>;
  private readonly saveSql: string;

  private constructor(
    private readonly client: SqlClient,
    /** The table's name. */
    readonly table: string,
    groupCommit: boolean,
    maxBatch: number,
  ) {
    const t = table;
    // The batch is one JSON array parameter: every driver sends text as it is, with no escaping per
    // element. Each state travels inside a one-element array, as jsonb_to_recordset reads a JSON
    // null as SQL NULL: a null state would break the batch's NOT NULL; state->0 is jsonb 'null'.
    // cur locks the batch's existing rows in key order (two processes' batches cannot deadlock on
    // them) and reads their latest versions; the update checks the version again on the row it
    // changes. The update reads its values from cur alone: with b joined in as well, the planner
    // (which cannot estimate either) picks a nested loop over both, quadratic in the batch.
    this.saveSql = `WITH b AS (
  SELECT key, state->0 AS state, expected FROM jsonb_to_recordset($1::text::jsonb) AS r(key text, state jsonb, expected bigint)
), cur AS (
  SELECT t.key, t.version, b.state, b.expected FROM ${t} t JOIN b ON t.key = b.key ORDER BY t.key FOR UPDATE OF t
), upd AS (
  UPDATE ${t} t SET state = cur.state, version = t.version + 1
  FROM cur
  WHERE t.key = cur.key AND cur.expected > 0 AND t.version = cur.expected
  RETURNING t.key, t.version
), ins AS (
  INSERT INTO ${t} (key, state, version)
  SELECT key, state, 1 FROM b WHERE expected = 0 ORDER BY key
  ON CONFLICT (key) DO NOTHING
  RETURNING key, version
)
SELECT b.key, coalesce(upd.version, ins.version)::text AS written, cur.version::text AS found
FROM b LEFT JOIN upd ON upd.key = b.key LEFT JOIN ins ON ins.key = b.key LEFT JOIN cur ON cur.key = b.key`;
    if (groupCommit) this.batches = new GroupCommit((batch) => this.commit(batch), maxBatch);
  }

  /**
   * A store over `client`, creating its table if it is missing (safe to call
   * from several processes at once).
   *
   * @param client - A `pg.Pool` (recommended: it replaces dropped connections), a `pg.Client` or a PGlite instance.
   * @param options - The table's name and batching.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `client` has no query method or an option is malformed.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot be reached or refuses the schema.
   */
  static async create(client: SqlClient, options: PostgresChannelStoreOptions = {}): Promise<PostgresChannelStore> {
    checkSqlClient(client);
    expectObject(options, 'options');
    const table = checkTableName(options.table ?? DEFAULT_TABLE, 'options.table');
    const groupCommit = options.groupCommit ?? true;
    if (typeof groupCommit !== 'boolean') fail('INVALID_ARGUMENT', 'options.groupCommit must be a boolean');
    const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1 || maxBatch > 10_000) fail('INVALID_ARGUMENT', 'options.maxBatch must be an integer in [1, 10000]');
    // One statement, so one transaction: the advisory lock keeps two processes from creating the table at once.
    // Half-full pages leave room for each row's next version beside it (a HOT update, no index
    // change, the dead version pruned with the page), so a channel saved after every payment does
    // not bloat the table. PGlite runs no autovacuum: with full pages, 10,000 channels of 2 KB
    // states saved six times each took 14 KB per channel; half-full, 4 KB, and it stays there.
    await runQuery(client, `DO $$ BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('revchan schema ${table}'));
  CREATE TABLE IF NOT EXISTS ${table} (
    key text PRIMARY KEY CHECK (key ~ '^[A-Za-z0-9_-]{1,128}$'),
    state jsonb NOT NULL,
    version bigint NOT NULL CHECK (version > 0)
  ) WITH (fillfactor = 50);
END $$`);
    return new PostgresChannelStore(client, table, groupCommit, maxBatch);
  }

  /**
   * The state saved under `key`, or undefined if there is none.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer.
   */
  async load(key: string): Promise<unknown | undefined> {
    return (await this.loadVersioned(key))?.state;
  }

  /**
   * The state saved under `key` and its version, or undefined if there is none.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer.
   * @throws {@link revchan!ChannelError} `STATE_INVALID` (the promise rejects) if the stored row is not a JSON state and a version.
   */
  async loadVersioned(key: string): Promise<VersionedState | undefined> {
    checkStoreKey(key);
    const rows = await runQuery(this.client, `SELECT state::text AS state, version::text AS version FROM ${this.table} WHERE key = $1`, [key]);
    const row = rows[0];
    if (row === undefined) return undefined;
    let state: unknown;
    try {
      state = JSON.parse(String(row.state));
    } catch {
      return fail('STATE_INVALID', `stored state ${key} is not JSON`);
    }
    const version = Number(row.version);
    if (!Number.isSafeInteger(version) || version < 1) fail('STATE_INVALID', `stored state ${key} has no valid version`);
    return { state, version };
  }

  /**
   * Save `state` under `key` whatever version is stored (one more than it).
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value (a party's `toJSON()`), serialized at the call.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form or `state` is no JSON value jsonb can hold.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer; nothing was written.
   */
  async save(key: string, state: unknown): Promise<void> {
    checkStoreKey(key);
    const text = jsonText(state);
    await runQuery(this.client, `INSERT INTO ${this.table} AS t (key, state, version) VALUES ($1, $2::jsonb, 1)
ON CONFLICT (key) DO UPDATE SET state = excluded.state, version = t.version + 1`, [key, text]);
  }

  /**
   * Save `state` under `key` if the stored version is `expected` (0: none);
   * resolved once committed, in a batch with the saves of other keys that
   * arrived meanwhile.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value (a party's `toJSON()`), serialized at the call.
   * @param expected - The version loaded, or 0 for a new key.
   * @returns The new version.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` or `expected` is malformed or `state` is no JSON value jsonb can hold.
   * @throws {@link revchan!ChannelError} `STORE_CONFLICT` (the promise rejects) if the stored version is not `expected` (details.found); nothing is written.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the batch's statement failed or its connection dropped; no save of the batch is half-written.
   */
  async saveVersioned(key: string, state: unknown, expected: number): Promise<number> {
    checkStoreKey(key);
    checkExpectedVersion(expected);
    const save: Save = { key, text: jsonText(state), expected };
    if (this.batches !== undefined) return this.batches.submit(save);
    const [outcome] = await this.commit([save]);
    if (outcome!.ok) return outcome!.value;
    throw outcome!.error;
  }

  /**
   * Delete the state under `key` if the stored version is `expected` (not
   * batched: deletes are rare, a hub's clean-up of channels never funded).
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param expected - The version loaded, at least 1.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` or `expected` is malformed.
   * @throws {@link revchan!ChannelError} `STORE_CONFLICT` (the promise rejects) if the stored version is not `expected` (details.found); nothing is deleted.
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer.
   */
  async deleteVersioned(key: string, expected: number): Promise<void> {
    checkStoreKey(key);
    checkDeletedVersion(expected);
    const rows = await runQuery(this.client, `WITH del AS (
  DELETE FROM ${this.table} WHERE key = $1 AND version = $2 RETURNING 1
) SELECT (SELECT count(*) FROM del)::text AS deleted, (SELECT version::text FROM ${this.table} WHERE key = $1) AS found`, [key, expected]);
    const row = rows[0];
    if (row === undefined) fail('STORE_UNAVAILABLE', 'database: the delete returned no row');
    if (countFrom(row.deleted, 'the deleted count') === 1) return;
    storeConflict(key, expected, row.found === null || row.found === undefined ? 0 : countFrom(row.found, 'the stored version'));
  }

  /**
   * Every key with a saved state, sorted.
   *
   * @throws {@link revchan!ChannelError} `STORE_UNAVAILABLE` (the promise rejects) if the database cannot answer.
   */
  async keys(): Promise<string[]> {
    const rows = await runQuery(this.client, `SELECT key FROM ${this.table}`);
    return rows.map((r) => String(r.key)).sort();
  }

  /** One statement for the batch (distinct keys); run again if a deadlock rolled it back. */
  private async commit(batch: readonly Save[]): Promise<BatchOutcome<number>[]> {
    // Keys are [A-Za-z0-9_-] and versions integers: nothing to escape; the states are JSON texts already.
    const params = [`[${batch.map((s) => `{"key":"${s.key}","expected":${s.expected},"state":[${s.text}]}`).join(',')}]`];
    let rows: Record<string, unknown>[];
    for (let attempt = 0; ; attempt++) {
      try {
        rows = await runQuery(this.client, this.saveSql, params);
        break;
      } catch (e) {
        if (attempt >= TRANSIENT_RETRIES || !isTransient(e)) throw e;
      }
    }
    const byKey = new Map(rows.map((r) => [String(r.key), r]));
    return batch.map((s): BatchOutcome<number> => {
      const r = byKey.get(s.key);
      if (r === undefined) return { ok: false, error: new ChannelError('STORE_UNAVAILABLE', 'database: no answer for this save') };
      if (r.written !== null && r.written !== undefined) return { ok: true, value: countFrom(r.written, 'the new version') };
      // No row locked: the key was absent, or (a refused new key) another process inserted it after this statement began.
      const found = r.found !== null && r.found !== undefined ? countFrom(r.found, 'the stored version') : s.expected === 0 ? 1 : 0;
      return { ok: false, error: conflict(s.key, s.expected, found) };
    });
  }
}
