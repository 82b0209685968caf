/**
 * One run of the service: the regtest node (its JSON-RPC open to the
 * servers), a PostgreSQL server, the fleet of server processes, and the
 * buyers, spread over the servers. The buyers open and fund their channels
 * (two blocks fund them all: the wallet's split, then every funding),
 * stream payments chunk by chunk while the faults the caller plans happen,
 * close cooperatively, and the closes are mined; then the buyers are
 * compared with the database and the chain (audit.ts).
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Transaction } from 'bitcoinjs-lib';
import { DUST_P2WSH, PAYMENT_WEIGHT, derivePublicKey, feeForWeight, p2wpkhScript, toHex, useEcc } from '../../lib';
import { loadNativeEcc } from '../../lib/node';
import { RegtestNode } from '../../test/kit/regtest-node';
import { start as startPostgres, PostgresServer } from '../../test/kit/postgres-server';
import { Progress } from '../progress';
import { Audit, audit, readStoredChannels } from './audit';
import { ServiceBuyer } from './buyer';
import { FileSpec, ServerConfig, fileOf } from './config';
import { ServerFleet, freePort } from './fleet';
import { buyerSecrets, bytesOf, keyOf, splitCoins } from './wallet';

/** What a run does. */
export interface ServiceRunOptions {
  readonly clients: number;
  /** Chunks each buyer buys (one payment each). */
  readonly chunks: number;
  readonly chunkSize: number;
  /** Satoshis per chunk. */
  readonly price: bigint;
  readonly servers: number;
  /** Draws every key, the file and the fleet's seed: the same seed, the same channels. */
  readonly seed: string;
  readonly leaseTtlMs: number;
  /** The node's RPC password (default: random). */
  readonly rpcKey?: string;
  /** Draw a progress bar on stderr (when it is a terminal). */
  readonly progress: boolean;
  /** Lines for people, as the run goes. */
  readonly log: (line: string) => void;
  /** Runs while the buyers stream: kills, restarts, dropped connections. */
  readonly faults: (ctl: FaultControl) => Promise<void>;
  /** The least time between two payments of one buyer, ms. */
  readonly paceMs?: number;
  /** Whether buyer `client` delivers payment `n` to two servers at once. */
  readonly twin?: (client: number, n: number) => boolean;
  /** Called with the result while everything still runs (a test reads the chain through the node's RPC meanwhile). */
  readonly hold?: (r: ServiceResult) => Promise<void>;
}

/** What faults may do while the buyers stream. */
export interface FaultControl {
  readonly fleet: ServerFleet;
  /** Payments in the run. */
  readonly total: number;
  /** Payments acknowledged so far. */
  acked(): number;
  /** Resolves once `n` payments are acknowledged, or the streaming is over. */
  untilAcked(n: number): Promise<void>;
  /** Ends every database connection the servers hold (pg_terminate_backend); how many. */
  terminateDatabaseConnections(): Promise<number>;
  /** Record a fault in the result. */
  note(kind: string, detail: string): void;
}

/** A transaction the run put on chain. */
export interface Broadcast {
  readonly kind: string;
  readonly txid: string;
  readonly hex: string;
}

/** What a run reports. */
export interface ServiceResult extends Audit {
  readonly clients: number;
  readonly servers: number;
  readonly chunksPerClient: number;
  readonly price: bigint;
  readonly throughputPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  readonly bytesDelivered: number;
  readonly channels: number;
  readonly reconnects: number;
  readonly retries: number;
  readonly twins: number;
  readonly faults: readonly { readonly kind: string; readonly detail: string; readonly atPayment: number }[];
  /** Funding outpoints registered for watching once every channel was funded, and how many a server held. */
  readonly watchAfterFunding: { readonly registered: number; readonly held: number };
  readonly leases: ReturnType<ServerFleet['leases']>;
  /** Failures the servers reported of their own work (a dropped database connection), by code: how many, and the first. */
  readonly serverErrors: Readonly<Record<string, { readonly count: number; readonly sample: string }>>;
  readonly seconds: { readonly setup: number; readonly streaming: number; readonly closing: number; readonly total: number };
  readonly node: { readonly rpcUrl: string; readonly height: number };
  readonly transactions: readonly Broadcast[];
}

const CLOSE_FEE_RATE = 1000n;
/** Opens at once: enough to keep both servers busy, few enough not to queue for seconds. */
const OPEN_CONCURRENCY = 50;
/**
 * Closes at once. Each server broadcasts the close it signs before it answers, and bcoin takes a
 * transaction in over RPC before its mempool (in this process, behind the buyers) looks at it: a
 * few hundred at once queue there for longer than the servers wait to see them.
 */
const CLOSE_CONCURRENCY = 25;

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
}

async function inBatches<T, R>(items: readonly T[], size: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  }));
  return out;
}

/**
 * Run the service once, start to finish; everything started is stopped again.
 *
 * @param o - Sizes, seed, faults and reporting.
 */
export async function runService(o: ServiceRunOptions): Promise<ServiceResult> {
  try {
    useEcc(loadNativeEcc());
  } catch {
    // The portable secp256k1 does the same, slower.
  }
  const t0 = performance.now();
  const rpcKey = o.rpcKey ?? randomBytes(16).toString('hex');
  const [node, pg] = await Promise.all([RegtestNode.start({ rpc: { port: 0, apiKey: rpcKey } }), startPostgres()]);
  let fleet: ServerFleet | undefined;
  try {
    const file: FileSpec = { seed: o.seed, chunks: o.chunks, chunkSize: o.chunkSize, price: o.price.toString() };
    const forSale = fileOf(file);
    const ports = await Promise.all(Array.from({ length: o.servers }, () => freePort()));
    const configs: ServerConfig[] = ports.map((port, i) => ({
      name: `server-${i}`, port, databaseUrl: pg.connectionString, rpcUrl: node.rpcUrl!, rpcKey,
      fleetSeed: toHex(bytesOf(o.seed, 'fleet')), destinationScript: toHex(p2wpkhScript(derivePublicKey(keyOf(o.seed, 'seller penalty destination')))),
      leaseTtlMs: o.leaseTtlMs, pollMs: 1000, file,
    }));
    const serverErrors = new Map<string, { count: number; sample: string }>();
    fleet = await ServerFleet.start(configs, {
      onError: (i, code, message) => {
        const seen = serverErrors.get(code);
        if (seen) seen.count++;
        else serverErrors.set(code, { count: 1, sample: `server-${i}: ${message}` });
      },
    });
    const since = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;
    o.log(`node at height ${(await node.getTip()).height}, PostgreSQL on port ${pg.port}, ${o.servers} servers: ${fleet.urls.join(' ')} (${since(t0)})`);

    // Funding: one split for every buyer's coin, then every funding in one block.
    const capacity = o.price * BigInt(o.chunks) + feeForWeight(PAYMENT_WEIGHT, 1000n) + DUST_P2WSH + 10_000n;
    const tWallet = performance.now();
    const wallet = await splitCoins(node, keyOf(o.seed, 'wallet'), o.clients, capacity + 2_000n);
    o.log(`${o.clients} wallet coins in ${since(tWallet)}`);
    const transactions: Broadcast[] = wallet.transactions.map(({ kind, tx }) => ({ kind, txid: tx.getId(), hex: tx.toHex() }));
    let acked = 0;
    let bytes = 0;
    const latencies: number[] = [];
    const waiters: { n: number; resolve: () => void }[] = [];
    const bar = new Progress('streaming', o.clients * o.chunks, o.progress);
    const buyers = wallet.coins.map((coin, i) => new ServiceBuyer({
      urls: fleet!.urls, first: i % o.servers, secrets: buyerSecrets(o.seed, i), walletKey: wallet.key, coin, changeScript: wallet.script,
      capacity, maxPrice: o.price, fileHash: forSale.terms.fileHash,
      ...(o.twin ? { twin: (n: number) => o.twin!(i, n) } : {}),
      ...(o.paceMs !== undefined ? { paceMs: o.paceMs } : {}),
      onAck: (ms, size) => {
        acked++;
        bytes += size;
        latencies.push(ms);
        bar.update(acked);
        for (let w = waiters.length - 1; w >= 0; w--) {
          if (acked >= waiters[w]!.n) waiters.splice(w, 1)[0]!.resolve();
        }
      },
    }));
    const tOpen = performance.now();
    const fundings = await inBatches(buyers, OPEN_CONCURRENCY, (b) => b.open());
    o.log(`${o.clients} channels opened in ${since(tOpen)}`);
    for (const tx of fundings) {
      await node.broadcast(tx.toBuffer());
      transactions.push({ kind: 'funding', txid: tx.getId(), hex: tx.toHex() });
    }
    o.log(`fundings broadcast in ${since(tOpen)}`);
    await node.mine(1);
    const watch = await watchCoverage(pg, o.clients, 15_000);
    o.log(`watch duty: ${watch.held} of ${watch.registered} funding outpoints leased to a server`);
    const setupSeconds = (performance.now() - t0) / 1000;
    o.log(`${o.clients} channels funded in ${setupSeconds.toFixed(1)} s; streaming ${o.clients * o.chunks} payments`);

    // Streaming, with the faults alongside.
    const faults: { kind: string; detail: string; atPayment: number }[] = [];
    let streaming = true;
    const ctl: FaultControl = {
      fleet, total: o.clients * o.chunks, acked: () => acked,
      untilAcked: (n) => (!streaming || acked >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
      terminateDatabaseConnections: () => terminateServerConnections(pg),
      note: (kind, detail) => {
        faults.push({ kind, detail, atPayment: acked });
        o.log(`\n  fault at payment ${acked}: ${kind} ${detail}`);
      },
    };
    const t1 = performance.now();
    const faultsDone = o.faults(ctl);
    try {
      await Promise.all(buyers.map((b) => b.buy(o.chunks)));
    } finally {
      streaming = false;
      for (const w of waiters.splice(0)) w.resolve();
      bar.finish();
    }
    await faultsDone;
    const streamSeconds = (performance.now() - t1) / 1000;

    // Closing: each buyer's close, broadcast (the hub broadcast it too), all mined in one block.
    const t2 = performance.now();
    const closeTxs = await inBatches(buyers, CLOSE_CONCURRENCY, (b) => b.close(CLOSE_FEE_RATE));
    o.log(`${o.clients} closes signed in ${since(t2)}`);
    const closes = new Map<string, Transaction>();
    for (const [i, tx] of closeTxs.entries()) {
      await node.broadcast(tx.toBuffer());
      closes.set(buyers[i]!.channelId!, tx);
      transactions.push({ kind: 'close', txid: tx.getId(), hex: tx.toHex() });
    }
    await node.mine(1);
    const closeSeconds = (performance.now() - t2) / 1000;
    const listed = new Set(transactions.map((t) => t.txid));
    for (const [txid, hex] of fleet.broadcasts) if (!listed.has(txid)) transactions.push({ kind: 'server', txid, hex });

    const found = await audit({ buyers, closes, stored: await readStoredChannels(pg.connectionString), price: o.price, confirmations: (txid) => node.getConfirmations(txid) });
    const sorted = [...latencies].sort((a, b) => a - b);
    const result: ServiceResult = {
      ...found,
      clients: o.clients, servers: o.servers, chunksPerClient: o.chunks, price: o.price,
      throughputPerSecond: found.paymentsAcknowledged / streamSeconds,
      latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) },
      bytesDelivered: bytes, channels: buyers.length,
      reconnects: buyers.reduce((s, b) => s + b.reconnects, 0), retries: buyers.reduce((s, b) => s + b.retries, 0), twins: buyers.reduce((s, b) => s + b.twins, 0),
      faults, watchAfterFunding: watch, leases: fleet.leases(), serverErrors: Object.fromEntries(serverErrors),
      seconds: { setup: setupSeconds, streaming: streamSeconds, closing: closeSeconds, total: (performance.now() - t0) / 1000 },
      node: { rpcUrl: node.rpcUrl!, height: (await node.getTip()).height },
      transactions,
    };
    if (o.hold) await o.hold(result);
    return result;
  } finally {
    await fleet?.stop();
    await pg.stop();
    await node.stop();
  }
}

/** Registered funding outpoints and how many a server holds, once all `expected` are held or `waitMs` passed. */
async function watchCoverage(pg: PostgresServer, expected: number, waitMs: number): Promise<{ registered: number; held: number }> {
  const db = new Client({ connectionString: pg.connectionString });
  await db.connect();
  try {
    const until = performance.now() + waitMs;
    for (;;) {
      const { rows } = await db.query<{ registered: string; held: string }>(
        'SELECT count(*)::text AS registered, count(owner)::text AS held FROM revchan_watch_outpoints',
      );
      const got = { registered: Number(rows[0]!.registered), held: Number(rows[0]!.held) };
      if ((got.registered >= expected && got.held >= got.registered) || performance.now() > until) return got;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await db.end();
  }
}

/** End every connection the fleet's servers hold (they name themselves revchan-demo-server-*). */
async function terminateServerConnections(pg: PostgresServer): Promise<number> {
  const db = new Client({ connectionString: pg.connectionString });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity WHERE application_name LIKE 'revchan-demo-server-%'`,
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await db.end();
  }
}
