/**
 * `node dist/tools/measure-store.js [--saves N]`: compare-and-set saves per
 * second when N (default 10,000) channels save at once, each its own key, on
 * the memory store, PGlite (in memory and on disk) and a real PostgreSQL
 * server, with and without group commit; and the size of a revocable
 * receiver's state, as JSON and as stored. The state saved is a real
 * Receiver's after a few payments. The store alone, beside `npm run bench`,
 * whose hub rows time whole payments through a ReceiverHub on each store.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { MemoryChannelStore, VersionedChannelStore } from '../lib';
import { PostgresChannelStore, SqlClient } from '../lib/node';
import { start } from '../test/kit/postgres-server';
import { VARIANTS } from '../test/support/channel';
import { openChannel, pay } from '../test/support/parties';

const arg = process.argv.indexOf('--saves');
const SAVES = arg > 0 ? Number(process.argv[arg + 1]) : 10_000;

/** A receiver's state after `payments` payments. */
function receiverState(payments: number): unknown {
  const c = openChannel(VARIANTS[2]!.variant, 100_000_000n);
  for (let i = 0; i < payments; i++) pay(c, 1000n);
  return c.receiver.toJSON();
}

/** Saves/s for SAVES concurrent CAS saves of distinct keys (created beforehand), best of two runs. */
async function rate(store: VersionedChannelStore, state: unknown): Promise<number> {
  const keys = Array.from({ length: SAVES }, (_, i) => `ch${i}`);
  await Promise.all(keys.map((k) => store.saveVersioned(k, state, 0)));
  let best = 0;
  for (let run = 1; run <= 2; run++) {
    const t0 = process.hrtime.bigint();
    await Promise.all(keys.map((k) => store.saveVersioned(k, state, run)));
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, SAVES / s);
  }
  return best;
}

let tables = 0;

async function main(): Promise<void> {
  const state = receiverState(10);
  const rows: [string, string][] = [];
  rows.push(['memory store', (await rate(new MemoryChannelStore(), state)).toFixed(0)]);

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-measure-'));
  const server = await start();
  const pool = new Pool({ connectionString: server.connectionString, max: 10 });
  pool.on('error', () => undefined);
  try {
    const backends: [string, () => Promise<{ client: SqlClient; close(): Promise<void> }>][] = [
      ['PGlite in memory', async () => { const db = await PGlite.create(); return { client: db, close: () => db.close() }; }],
      ['PGlite on disk', async () => {
        const db = await PGlite.create(path.join(dir, `lite${++tables}`));
        return { client: db, close: () => db.close() };
      }],
      ['PostgreSQL server (pool of 10)', async () => ({ client: pool, close: async () => undefined })],
    ];
    for (const [name, open] of backends) {
      for (const groupCommit of [true, false]) {
        const { client, close } = await open();
        const store = await PostgresChannelStore.create(client, { table: `measure_${++tables}`, groupCommit });
        rows.push([`${name}, group commit ${groupCommit ? 'on' : 'off'}`, (await rate(store, state)).toFixed(0)]);
        await close();
      }
    }

    console.log(`${SAVES} concurrent compare-and-set saves, one key each, of a receiver's state (saves/s, best of 2):`);
    for (const [k, v] of rows) console.log(`  ${k.padEnd(44)} ${v.padStart(8)}`);

    console.log('receiver state per channel (bytes): JSON text | jsonb as stored | table+index per row');
    for (const payments of [0, 10, 1000]) {
      const s = receiverState(payments);
      const store = await PostgresChannelStore.create(pool, { table: `size_${++tables}` });
      const n = 1000;
      await Promise.all(Array.from({ length: n }, (_, i) => store.saveVersioned(`ch${i}`, s, 0)));
      await pool.query(`VACUUM ${store.table}`);
      const r = await pool.query(`SELECT avg(pg_column_size(state))::int AS jsonb, pg_total_relation_size('${store.table}') AS total FROM ${store.table}`);
      console.log(`  after ${String(payments).padStart(4)} payments: ${JSON.stringify(s).length} | ${r.rows[0].jsonb} | ${Math.round(Number(r.rows[0].total) / n)}`);
    }
  } finally {
    await pool.end();
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
