/**
 * Watch leases by funding outpoint, on PGlite and on a real PostgreSQL
 * server (one pool per owner there, so owners really run at once): an even
 * split across four owners, takeover after an owner stops renewing, a
 * newcomer and a leaver, and 10^5 outpoints shared in a constant number of
 * statements.
 */
import { PGlite } from '@electric-sql/pglite';
import { expect } from 'chai';
import { Pool } from 'pg';
import { OutPoint } from '../lib';
import { LeaseChanges, SqlClient, WatchLeases } from '../lib/node';
import { start, PostgresServer } from './kit/postgres-server';
import { rejectionOf } from './support/errors';

/** Counts statements, to show a renewal costs the same few whatever the number of outpoints. */
class CountingClient implements SqlClient {
  statements = 0;
  constructor(private readonly inner: SqlClient) {}
  query(text: string, params?: unknown[]) {
    this.statements++;
    return this.inner.query(text, params);
  }
}

/** `n` distinct outpoints: txids from a counter. */
function outpoints(n: number, salt = 0): OutPoint[] {
  return Array.from({ length: n }, (_, i) => ({ txid: (salt * 1e9 + i).toString(16).padStart(64, '0'), vout: i % 3 }));
}

const key = (o: OutPoint) => `${o.txid}:${o.vout}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each owner's holding, checked against what its renewals reported. */
class Tracker {
  readonly seen = new Map<string, Set<string>>();
  apply(owner: string, c: LeaseChanges): void {
    const s = this.seen.get(owner) ?? new Set<string>();
    for (const o of c.removed) expect(s.delete(key(o)), `${owner} removed one it did not hold`).to.equal(true);
    for (const o of c.added) {
      expect(s.has(key(o)), `${owner} added one it held`).to.equal(false);
      s.add(key(o));
    }
    expect(s.size).to.equal(c.held);
    this.seen.set(owner, s);
  }
}

let prefixes = 0;

describe('watch leases by funding outpoint', function () {
  this.timeout(60_000);
  let server: PostgresServer;
  let lite: PGlite;
  const pools: Pool[] = [];

  before(async () => {
    [server, lite] = await Promise.all([start(), PGlite.create()]);
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await lite?.close();
    await server?.stop();
  });

  const backends: { name: string; client: () => SqlClient }[] = [
    { name: 'PGlite', client: () => lite },
    {
      name: 'PostgreSQL server',
      client: () => {
        const p = new Pool({ connectionString: server.connectionString, max: 2 });
        p.on('error', () => undefined);
        pools.push(p);
        return p;
      },
    },
  ];

  for (const b of backends) {
    describe(b.name, () => {
      async function fleet(n: number, ttlMs = 30_000): Promise<{ owners: WatchLeases[]; prefix: string }> {
        const prefix = `lease_${process.pid}_${++prefixes}`;
        const owners = await Promise.all(Array.from({ length: n }, (_, i) => WatchLeases.create(b.client(), { owner: `server-${i}`, ttlMs, prefix })));
        return { owners, prefix };
      }

      /** Every owner renews, all at once; the tracker checks their reports. */
      async function round(owners: WatchLeases[], t: Tracker): Promise<LeaseChanges[]> {
        const changes = await Promise.all(owners.map((o) => o.renew()));
        changes.forEach((c, i) => t.apply(owners[i]!.owner, c));
        return changes;
      }

      /** Held sets are disjoint, cover every registered outpoint, and match each owner's held(). */
      function checkCover(owners: WatchLeases[], t: Tracker, all: OutPoint[]): void {
        const union = new Set<string>();
        for (const o of owners) {
          const held = t.seen.get(o.owner) ?? new Set();
          expect(new Set(o.held().map(key))).to.deep.equal(held);
          for (const k of held) {
            expect(union.has(k), `${k} held twice`).to.equal(false);
            union.add(k);
          }
        }
        expect(union.size).to.equal(all.length);
        for (const o of all) expect(union.has(key(o))).to.equal(true);
      }

      it('four owners split 1001 outpoints evenly: ceil(1001/4) each but the last, disjoint, covering all', async () => {
        const { owners } = await fleet(4);
        const all = outpoints(1001);
        expect(await owners[0]!.register(all)).to.equal(1001);
        expect(await owners[1]!.register(all.slice(0, 10))).to.equal(0);
        const t = new Tracker();
        // The first renewal announces each owner; none takes anything yet.
        for (const c of await round(owners, t)) expect(c.added).to.deep.equal([]);
        const second = await round(owners, t);
        for (const c of second) {
          expect(c.owners).to.equal(4);
          expect(c.share).to.equal(251);
        }
        expect(second.map((c) => c.held).sort()).to.deep.equal([248, 251, 251, 251]);
        checkCover(owners, t, all);
        // A steady fleet changes nothing.
        for (const c of await round(owners, t)) expect([c.added.length, c.removed.length]).to.deep.equal([0, 0]);
      });

      it('an owner that stops renewing is taken over after the TTL (database time); back, it learns what it lost and gets its share again', async () => {
        const ttlMs = 600;
        const { owners } = await fleet(4, ttlMs);
        const all = outpoints(400, 1);
        await owners[0]!.register(all);
        const t = new Tracker();
        await round(owners, t);
        await round(owners, t);
        checkCover(owners, t, all);
        const [a, bb, c, d] = owners as [WatchLeases, WatchLeases, WatchLeases, WatchLeases];
        // d stops renewing; the others keep renewing within the TTL and, once d expires, take its outpoints.
        const live = [a, bb, c];
        for (let i = 0; i < 4; i++) {
          await sleep(ttlMs / 3);
          await round(live, t);
        }
        expect(live.map((o) => t.seen.get(o.owner)!.size).reduce((x, y) => x + y)).to.equal(400);
        for (const o of live) expect(t.seen.get(o.owner)!.size).to.be.within(132, 134); // ceil(400/3) each, the last the rest
        // d still thinks it holds 100: its next renewal tells it they are gone.
        expect(d.held()).to.have.length(100);
        const back = await d.renew();
        t.apply(d.owner, back);
        expect(back.removed).to.have.length(100);
        expect(back.held).to.equal(0);
        // Within a few renewals the four share evenly again.
        for (let i = 0; i < 3; i++) await round(owners, t);
        expect(owners.map((o) => t.seen.get(o.owner)!.size)).to.deep.equal([100, 100, 100, 100]);
        checkCover(owners, t, all);
      });

      it('an owner that leaves frees its outpoints at once; unregistered outpoints are reported removed', async () => {
        const { owners } = await fleet(2);
        const all = outpoints(100, 2);
        await owners[0]!.register(all);
        const t = new Tracker();
        await round(owners, t);
        await round(owners, t);
        const mine = owners[1]!.held();
        expect(mine).to.have.length(50);
        // Closed channels leave the duty, whoever holds them.
        expect(await owners[0]!.unregister(mine.slice(0, 10))).to.equal(10);
        const after = await round(owners, t);
        expect(after[1]!.removed.map(key).sort()).to.deep.equal(mine.slice(0, 10).map(key).sort());
        const left = await owners[1]!.release();
        expect(left.removed.map(key).sort()).to.deep.equal([...t.seen.get(owners[1]!.owner)!].sort());
        t.seen.set(owners[1]!.owner, new Set());
        const rest = await owners[0]!.renew();
        t.apply(owners[0]!.owner, rest);
        expect(rest.held).to.equal(90);
        checkCover([owners[0]!], t, all.filter((o) => !mine.slice(0, 10).map(key).includes(key(o))));
      });

      it('a second live process given the same owner id is refused (STORE_CONFLICT) and frees nothing; once the first stops, it takes over', async () => {
        const ttlMs = 600;
        const prefix = `lease_${process.pid}_${++prefixes}`;
        const first = await WatchLeases.create(b.client(), { owner: 'server-1', ttlMs, prefix });
        const other = await WatchLeases.create(b.client(), { owner: 'server-2', ttlMs, prefix });
        const all = outpoints(60, 3);
        await first.register(all);
        const t = new Tracker();
        await round([first, other], t);
        await round([first, other], t);
        expect(first.held()).to.have.length(30);
        // Another process with the same id (a copied configuration, `server-${pid}` in containers).
        const twin = await WatchLeases.create(b.client(), { owner: 'server-1', ttlMs, prefix });
        const e = await rejectionOf(twin.renew());
        expect([e.code, e.action, e.details]).to.deep.equal(['STORE_CONFLICT', 'retry', { owner: 'server-1' }]);
        expect(twin.held()).to.deep.equal([]);
        await twin.release();
        // The first keeps its leases: nothing was freed or counted twice.
        const steady = await first.renew();
        expect([steady.added.length, steady.removed.length, steady.held, steady.owners]).to.deep.equal([0, 0, 30, 2]);
        checkCover([first, other], t, all);
        // The first stops (a crash) while the other renews: after the TTL the id is the twin's, and the two share again.
        for (let i = 0; i < 4; i++) {
          await sleep(ttlMs / 3);
          t.apply(other.owner, await other.renew());
        }
        t.seen.set(twin.owner, new Set()); // the same id: the tracker follows the twin from here
        for (let i = 0; i < 3; i++) await round([twin, other], t);
        expect([twin.held().length, other.held().length]).to.deep.equal([30, 30]);
        checkCover([twin, other], t, all);
        expect((await rejectionOf(first.renew())).code).to.equal('STORE_CONFLICT');
      });

      it('refuses malformed options and outpoints: INVALID_ARGUMENT, nothing registered', async () => {
        for (const client of [null, {}, 'x']) {
          expect((await rejectionOf(WatchLeases.create(client as SqlClient, { owner: 'a' }))).code).to.equal('INVALID_ARGUMENT');
        }
        for (const options of [null, undefined, {}, { owner: '' }, { owner: 'a b' }, { owner: 'x'.repeat(129) }, { owner: 'a', ttlMs: 10 },
          { owner: 'a', ttlMs: 1.5 }, { owner: 'a', prefix: 'Bad' }, { owner: 'a', prefix: 'a'.repeat(41) }]) {
          expect((await rejectionOf(WatchLeases.create(b.client(), options as never))).code, JSON.stringify(options)).to.equal('INVALID_ARGUMENT');
        }
        const { owners: [o] } = await fleet(1);
        const good = outpoints(1)[0]!;
        for (const bad of [null, {}, [null], [{}], [{ txid: 'AB'.repeat(32), vout: 0 }], [{ txid: good.txid, vout: -1 }], [{ txid: good.txid, vout: 2 ** 32 }], [good, { txid: 'x', vout: 0 }]]) {
          expect((await rejectionOf(o!.register(bad as never))).code, JSON.stringify(bad)).to.equal('INVALID_ARGUMENT');
          expect((await rejectionOf(o!.unregister(bad as never))).code).to.equal('INVALID_ARGUMENT');
        }
        await o!.renew();
        expect((await o!.renew()).share).to.equal(0);
      });
    });
  }

  it('10^5 outpoints over four owners on the server: each renewal a constant few statements, set-based', async () => {
    const prefix = `lease_${process.pid}_${++prefixes}`;
    const clients = Array.from({ length: 4 }, () => {
      const p = new Pool({ connectionString: server.connectionString, max: 2 });
      p.on('error', () => undefined);
      pools.push(p);
      return new CountingClient(p);
    });
    const owners = await Promise.all(clients.map((c, i) => WatchLeases.create(c, { owner: `big-${i}`, prefix })));
    const all = outpoints(100_000, 3);
    const t0 = Date.now();
    expect(await owners[0]!.register(all)).to.equal(100_000);
    const registered = Date.now() - t0;
    expect(clients[0]!.statements).to.equal(2); // the schema, then one insert
    const t = new Tracker();
    await Promise.all(owners.map((o) => o.renew()));
    const t1 = Date.now();
    const changes = await Promise.all(owners.map((o) => o.renew()));
    const acquired = Date.now() - t1;
    changes.forEach((c, i) => t.apply(owners[i]!.owner, c));
    expect(changes.map((c) => c.held)).to.deep.equal([25_000, 25_000, 25_000, 25_000]);
    // The schema, two renewals: each a heartbeat and a survey, the second also one acquisition.
    for (const c of clients.slice(1)) expect(c.statements).to.equal(6);
    // Loose: per-row round trips would take minutes here.
    expect(registered + acquired).to.be.below(20_000);
    const t2 = Date.now();
    await Promise.all(owners.map((o) => o.renew()));
    expect(Date.now() - t2).to.be.below(10_000);
    for (const c of clients.slice(1)) expect(c.statements).to.equal(8);
  });
});
