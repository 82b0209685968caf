import * as v8 from 'node:v8';
import * as vm from 'node:vm';
/**
 * Timing helpers. Times are the process's CPU time (user + system), not wall
 * time: pinned to one core on a machine shared with other work, CPU time counts
 * what this process did and not the time it spent waiting for the core. On an
 * idle machine the two agree. Only ratios within one run mean much.
 */

/** CPU milliseconds used by this process so far. */
export function now(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Wall-clock milliseconds, for what waits on the disk. */
export function wallNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** CPU milliseconds taken by `f`. */
export function timeMs(f: () => void): number {
  const t = now();
  f();
  return now() - t;
}

/** CPU milliseconds taken by `f`, awaited. */
export async function timeMsAsync(f: () => Promise<void>): Promise<number> {
  const t = now();
  await f();
  return now() - t;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Deterministic bytes for synthetic data: xorshift32, so every run builds the same blocks. */
export class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 1;
  }

  next(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.next() % (hi - lo + 1));
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

export interface Case {
  readonly name: string;
  /** Runs `n` operations. */
  run(n: number): void;
}

/** Milliseconds per operation of each case, one figure per round, in CPU time and in wall time. */
export interface Alternated {
  readonly cpu: Map<string, number[]>;
  readonly wall: Map<string, number[]>;
}

/**
 * Runs the cases in rounds. Within a round they take turns in batches of
 * `batch` operations, in an order that rotates, so a burst of load from
 * elsewhere on the machine lands on all of them.
 */
export function alternate(cases: readonly Case[], rounds: number, perRound: number, batch: number): Alternated {
  const cpu = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const wall = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    const cpuTotal = new Map<string, number>(cases.map((c) => [c.name, 0]));
    const wallTotal = new Map<string, number>(cases.map((c) => [c.name, 0]));
    for (let done = 0, turn = 0; done < perRound; done += batch, turn++) {
      const n = Math.min(batch, perRound - done);
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(turn + k) % cases.length]!;
        const w = wallNow();
        const t = now();
        c.run(n);
        cpuTotal.set(c.name, cpuTotal.get(c.name)! + now() - t);
        wallTotal.set(c.name, wallTotal.get(c.name)! + wallNow() - w);
      }
    }
    for (const c of cases) {
      cpu.get(c.name)!.push(cpuTotal.get(c.name)! / perRound);
      wall.get(c.name)!.push(wallTotal.get(c.name)! / perRound);
    }
  }
  return { cpu, wall };
}

const gc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as (o?: { type: 'minor' | 'major' }) => void;
})();

/**
 * Two young-generation collections: what setting up a measurement just made
 * (10^5 registered channels, say) is promoted to the old generation, where a
 * long-running process would hold it, instead of being copied inside the timed
 * part. A full collection would shrink the young generation and slow what follows.
 */
export function settleHeap(): void {
  gc({ type: 'minor' });
  gc({ type: 'minor' });
}

/**
 * A full collection, to start a section without what earlier sections left
 * behind (then warm up: it shrinks the young generation). gc() without
 * options: given `{type: 'major'}`, Node 20's gc collects next to nothing.
 */
export function collectAll(): void {
  gc();
}

