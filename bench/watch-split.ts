/**
 * The watch duty split over several processes by WatchLeases: the funding
 * outpoints of the largest watcher row registered in a PostgreSQL server,
 * each process (bench/watch-worker.ts, forked) taking its fair share through
 * its renewals, then polling the same block with only its share watched.
 * The processes poll one at a time, so they do not share the core while
 * timed; the per-process poll is compared with one process watching all.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { Pool } from 'pg';
import { OutPoint } from '../lib';
import { WatchLeases } from '../lib/node';
import type { PostgresServer } from '../test/kit/postgres-server';
import { median, wallNow } from './measure';
import { Row } from './report';
import type { BlockRounds } from './watch-block';
import type { WorkerAnswer, WorkerCommand } from './watch-worker';

export interface SplitInput {
  readonly processes: number;
  /** The blocks, and the real channels each spends. */
  readonly rounds: BlockRounds;
  /** The channels one process watches in the row compared with. */
  readonly channels: number;
  /** Every funding outpoint, the real channels' of every block included. */
  readonly outpoints: readonly OutPoint[];
  /** One process watching all of them: its poll of the block, CPU ms, from the same run. */
  readonly wholePollMs: number;
}

const PREFIX = 'bench_watch';

type Ok = Extract<WorkerAnswer, { ok: true }>;

/** A forked watcher process, one command at a time. */
class Worker {
  private readonly child: ChildProcess;
  private waiting?: { resolve: (a: Ok) => void; reject: (e: Error) => void };

  constructor() {
    this.child = fork(path.join(__dirname, 'watch-worker.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (a: WorkerAnswer) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (a.ok) w?.resolve(a);
      else w?.reject(new Error(`watcher process: ${a.error}`));
    });
    this.child.on('exit', (code) => {
      this.waiting?.reject(new Error(`watcher process exited (${code})`));
      this.waiting = undefined;
    });
  }

  ask(c: WorkerCommand): Promise<Ok> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.send(c);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.ask({ cmd: 'exit' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export async function runWatchSplit(s: SplitInput, server: PostgresServer, progress: (what: string) => void = () => {}): Promise<Row[]> {
  const n = s.outpoints.length;
  const label = Number.isInteger(Math.log10(s.channels)) ? `10^${Math.log10(s.channels)}` : s.channels.toLocaleString('en-US');
  const realCount = s.rounds.real.flat().length;
  const pool = new Pool({ connectionString: server.connectionString, max: 2 });
  pool.on('error', () => undefined);
  const workers: Worker[] = [];
  try {
    progress(`watcher: registering ${n.toLocaleString('en-US')} outpoints for ${s.processes} processes`);
    const registrar = await WatchLeases.create(pool, { owner: 'bench-registrar', prefix: PREFIX });
    let t = wallNow();
    if ((await registrar.register(s.outpoints)) !== n) throw new Error('outpoints registered twice');
    const registerMs = wallNow() - t;
    for (let k = 0; k < s.processes; k++) workers.push(new Worker());
    const rawsHex = s.rounds.raws.map((r) => Buffer.from(r).toString('hex'));
    for (const [k, w] of workers.entries()) {
      await w.ask({ cmd: 'init', connectionString: server.connectionString, owner: `bench-watcher-${k}`, prefix: PREFIX, rawsHex, real: s.rounds.real });
    }
    // The first renewal announces each process; the second takes its share (every owner is live by then); the third moves nothing.
    for (const w of workers) await w.ask({ cmd: 'renew' });
    progress(`watcher: ${s.processes} processes taking their shares`);
    const takes: Ok[] = [];
    for (const w of workers) takes.push(await w.ask({ cmd: 'renew' }));
    const steady: Ok[] = [];
    for (const w of workers) steady.push(await w.ask({ cmd: 'renew' }));
    const held = steady.map((a) => a.held!);
    const share = Math.ceil(n / s.processes);
    if (held.reduce((a, b) => a + b, 0) !== n || held.some((h) => h > share) || steady.some((a) => a.added !== 0)) {
      throw new Error(`the shares do not cover the outpoints once: ${held.join(', ')}`);
    }
    progress(`watcher: each process polls the block`);
    const polls: number[][] = [];
    let realSeen = 0;
    for (const w of workers) {
      const a = await w.ask({ cmd: 'poll' });
      polls.push(a.polls!);
      realSeen += a.real!;
    }
    if (realSeen !== realCount) throw new Error(`the processes watched ${realSeen} of the ${realCount} real channels`);
    const perProcess = polls.map((p) => median(p));
    const slowest = Math.max(...perProcess);
    const typical = median(perProcess);
    t = median(takes.map((a) => a.ms!));
    const over = `${label} channels over ${s.processes} processes (WatchLeases)`;
    return [
      {
        section: 'watcher', name: `${over}: whole poll, per process`, value: typical, unit: 'ms', ratio: typical / s.wholePollMs, ratioOf: 'of one process watching all',
        note: `each holds ${Math.min(...held).toLocaleString('en-US')}-${Math.max(...held).toLocaleString('en-US')}; the slowest ${slowest.toFixed(1)} ms`,
        detail: `${s.processes} forked processes, each a WatchLeases owner over the PostgreSQL server; after their renewals each holds its fair share and watches those channels (synthetic, and the real ones among them: ${realCount} in all, ${realCount / s.rounds.raws.length} spent in each block). Each reads the same ${s.rounds.raws.length} blocks as the row of one process watching ${s.channels.toLocaleString('en-US')} channels, the same way (one watcher, its first poll at the block before, the heap settled before each block, each block timed in CPU time); one process at a time, after an untimed warm-up; each process's figure is its median over the blocks; the value is the median over the processes (the slowest in the note), the ratio to the single-process poll of this run`,
        data: { perProcessMs: perProcess.map((x) => x.toFixed(2)).join(' '), held: held.join(' ') },
      },
      {
        section: 'watcher', name: `${over}: taking a share`, value: t, unit: 'ms',
        note: `${share.toLocaleString('en-US')} outpoints per renewal, in statements of 25,000`,
        detail: 'WatchLeases.renew() of a process that finds its share free: wall time, the server included; median over the processes',
        data: { perProcessMs: takes.map((a) => a.ms!.toFixed(1)).join(' ') },
      },
      {
        section: 'watcher', name: `${over}: lease renewal, nothing to move`, value: median(steady.map((a) => a.ms!)), unit: 'ms',
        note: 'the heartbeat and the counts; every TTL/3',
        detail: 'WatchLeases.renew() once every process holds its share: wall time, the server included; median over the processes',
      },
      {
        section: 'watcher', name: `${over}: registering the outpoints`, value: registerMs, unit: 'ms',
        note: `${n.toLocaleString('en-US')} outpoints, once`, detail: 'WatchLeases.register() of every funding outpoint, statements of 100,000: wall time, the server included',
      },
    ];
  } finally {
    for (const w of workers) await w.stop();
    await pool.query(`DROP TABLE IF EXISTS ${PREFIX}_outpoints, ${PREFIX}_owners`).catch(() => undefined);
    await pool.end();
  }
}
