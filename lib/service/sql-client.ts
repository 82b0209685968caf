/**
 * The one thing the database stores need from a PostgreSQL driver: run a
 * statement with positional parameters and give back its rows. A `pg.Pool`,
 * a `pg.Client` and a PGlite instance have this method as they are, so the
 * library imports neither driver: the application brings its own.
 */
import { ChannelError, fail } from '../core/errors';

/** The rows a statement returned. */
export interface SqlResult {
  /** One object per row, keyed by column name. */
  readonly rows: unknown[];
}

/**
 * A PostgreSQL connection or pool: `pg.Pool`, `pg.Client` or PGlite.
 *
 * @example
 * ```ts
 * import { Pool } from 'pg';
 * import { PostgresChannelStore } from 'revchan/node';
 *
 * const pool = new Pool({ connectionString: process.env.DATABASE_URL });
 * pool.on('error', () => undefined); // an idle connection the server closed: the pool replaces it
 * const store = await PostgresChannelStore.create(pool);
 * ```
 */
export interface SqlClient {
  /**
   * Run one statement.
   *
   * @param text - The statement, parameters as $1, $2, ...
   * @param params - The parameters' values.
   */
  query(text: string, params?: unknown[]): Promise<SqlResult>;
}

/** Throws INVALID_ARGUMENT unless `client` has a query method. */
export function checkSqlClient(client: SqlClient): SqlClient {
  if (client === null || typeof client !== 'object' || typeof (client as Partial<SqlClient>).query !== 'function') {
    fail('INVALID_ARGUMENT', 'client must have a query(text, params) method (a pg Pool or Client, or PGlite)');
  }
  return client;
}

/**
 * A table name we put into statements ourselves: lowercase, so it needs no
 * quoting, and short enough that the names derived from it fit PostgreSQL's 63.
 */
export function checkTableName(name: string, what: string, max = 48): string {
  if (typeof name !== 'string' || name.length > max || !/^[a-z_][a-z0-9_]*$/.test(name)) {
    fail('INVALID_ARGUMENT', `${what} must be 1-${max} characters of [a-z0-9_], not starting with a digit`);
  }
  return name;
}

/** The SQLSTATE of a driver's error (pg and PGlite both carry it as `code`), if it has one. */
export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A deadlock or serialization failure from {@link runQuery}: the statement was rolled back whole and may simply run again. */
export function isTransient(e: unknown): boolean {
  if (!(e instanceof ChannelError) || e.code !== 'STORE_UNAVAILABLE') return false;
  const s = e.details?.sqlstate;
  return s === '40P01' || s === '40001';
}

/**
 * Run a statement; its rows, or STORE_UNAVAILABLE (details.sqlstate when the
 * server answered) for anything the driver throws or a result without rows.
 */
export async function runQuery(client: SqlClient, text: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
  let result: SqlResult;
  try {
    result = await client.query(text, params);
  } catch (e) {
    if (e instanceof ChannelError) throw e;
    const sqlstate = sqlState(e);
    return fail('STORE_UNAVAILABLE', `database: ${e instanceof Error ? e.message : String(e)}`, {
      ...(sqlstate === undefined ? {} : { sqlstate }),
      cause: e,
    });
  }
  const rows = (result as Partial<SqlResult> | null)?.rows;
  if (!Array.isArray(rows)) fail('STORE_UNAVAILABLE', 'database: the client returned no rows array');
  return rows as Record<string, unknown>[];
}

/** A count or version the database sent as text or a number: a safe non-negative integer, or STORE_UNAVAILABLE. */
export function countFrom(v: unknown, what: string): number {
  const n = typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) fail('STORE_UNAVAILABLE', `database: ${what} is not a count`);
  return n;
}
