/**
 * One watcher process of the split rows (bench/watch-split.ts): it holds its
 * share of the funding outpoints through WatchLeases over the PostgreSQL
 * server, watches those channels (synthetic ones, and the real ones whose
 * outpoints it holds), and polls the block when told, reporting CPU time.
 * Commands come one at a time over the IPC channel; each gets one answer.
 */
import { Pool } from 'pg';
import { Receiver, txidToHash } from '../lib';
import { WatchLeases } from '../lib/node';
import { wallNow } from './measure';
import { BlockRounds, pollRounds, syntheticReceiver } from './watch-block';

export type WorkerCommand =
  | { cmd: 'init'; connectionString: string; owner: string; prefix: string; rawsHex: string[]; real: BlockRounds['real'] }
  | { cmd: 'renew' }
  | { cmd: 'poll' }
  | { cmd: 'exit' };

export type WorkerAnswer =
  | { ok: true; held?: number; share?: number; owners?: number; added?: number; ms?: number; polls?: number[]; real?: number }
  | { ok: false; error: string };

let pool: Pool | undefined;
let leases: WatchLeases | undefined;
let rounds: BlockRounds = { raws: [], real: [] };
/** The synthetic channels of the outpoints held, and the held outpoints of real ones; rebuilt when a renewal changed them. */
let watched: { synthetic: Receiver[]; real: Set<string> } | undefined;
let warm = false;

async function run(c: WorkerCommand): Promise<WorkerAnswer> {
  switch (c.cmd) {
    case 'init':
      pool = new Pool({ connectionString: c.connectionString, max: 1 });
      pool.on('error', () => undefined);
      leases = await WatchLeases.create(pool, { owner: c.owner, prefix: c.prefix, ttlMs: 600_000 });
      rounds = { raws: c.rawsHex.map((h) => Uint8Array.from(Buffer.from(h, 'hex'))), real: c.real };
      return { ok: true };
    case 'renew': {
      const t = wallNow();
      const ch = await leases!.renew();
      const ms = wallNow() - t;
      if (ch.added.length > 0 || ch.removed.length > 0) watched = undefined;
      return { ok: true, held: ch.held, share: ch.share, owners: ch.owners, added: ch.added.length, ms };
    }
    case 'poll': {
      if (watched === undefined) {
        const real = new Set(rounds.real.flat().map((r) => `${r.txid}:${r.vout}`));
        const mine = { synthetic: [] as Receiver[], real: new Set<string>() };
        for (const o of leases!.held()) {
          const k = `${o.txid}:${o.vout}`;
          if (real.has(k)) mine.real.add(k);
          else mine.synthetic.push(syntheticReceiver(o, txidToHash(o.txid)));
        }
        watched = mine;
      }
      const keep = (r: { txid: string; vout: number }) => watched!.real.has(`${r.txid}:${r.vout}`);
      // The first poll in this process compiles the watcher's code: once untimed, on a few of the channels.
      if (!warm) {
        await pollRounds(rounds, watched.synthetic.slice(0, 1000), keep);
        warm = true;
      }
      const { ms, real } = await pollRounds(rounds, watched.synthetic, keep);
      return { ok: true, polls: ms, held: watched.synthetic.length + watched.real.size, real };
    }
    case 'exit':
      await pool?.end();
      setImmediate(() => process.exit(0));
      return { ok: true };
    default:
      return { ok: false, error: 'unknown command' };
  }
}

process.on('message', (c: WorkerCommand) => {
  run(c).then(
    (a) => process.send!(a),
    (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
  );
});
