/**
 * One server process of the service demo's fleet (run by fleet.ts with its
 * settings as the one argument): a seller on a ReceiverHub over a
 * PostgresChannelStore on the shared PostgreSQL server, the regtest node
 * over JSON-RPC, and its share of the watch duty leased in the same
 * database. The hub watches only the outpoints this process holds; an
 * outpoint it takes over (from a server that died) is reloaded from the
 * store before it is watched, since the channel may have moved on
 * elsewhere. It may be killed at any moment: everything it answered is
 * saved first.
 */
import { Pool } from 'pg';
import { ChainBackend, ChainTip, SpendInfo, fromHex, isChannelError, toHex, useEcc } from '../../lib';
import { CoreRpcBackend, PostgresChannelStore, ReceiverHub, WatchLeases, loadNativeEcc, seedKeySource } from '../../lib/node';
import { ServerCommand, ServerConfig, ServerReport, fileOf } from './config';
import { startServiceSeller } from './seller';
import { resumeKeyOf } from './resume-protocol';
import { WatchDuty } from './watch-duty';

function report(r: ServerReport): void {
  process.send?.(r);
}

/** The node over RPC, reporting every transaction this process broadcasts (the parent lists them all). */
class ReportingBackend implements ChainBackend {
  constructor(private readonly rpc: CoreRpcBackend) {}
  getTip(): Promise<ChainTip> { return this.rpc.getTip(); }
  async broadcast(tx: Uint8Array): Promise<string> {
    const txid = await this.rpc.broadcast(tx);
    report({ type: 'broadcast', txid, hex: toHex(tx) });
    return txid;
  }
  getTransaction(txid: string): ReturnType<ChainBackend['getTransaction']> { return this.rpc.getTransaction(txid); }
  getBlock(height: number): Promise<Uint8Array> { return this.rpc.getBlock(height); }
  getBlockHash(height: number): Promise<string | undefined> { return this.rpc.getBlockHash(height); }
  getSpender(o: { txid: string; vout: number }): Promise<SpendInfo | undefined> { return this.rpc.getSpender(o); }
  getConfirmations(txid: string): Promise<number> { return this.rpc.getConfirmations(txid); }
  getMempoolTxids(): Promise<string[]> { return this.rpc.getMempoolTxids(); }
}

function errorReport(e: unknown): ServerReport {
  return { type: 'error', code: isChannelError(e) ? e.code : 'UNKNOWN', message: e instanceof Error ? e.message : String(e) };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '') as ServerConfig;
  try {
    useEcc(loadNativeEcc());
  } catch {
    // The native addon is optional: the portable one does the same, slower.
  }
  const seed = fromHex(cfg.fleetSeed);
  const pool = new Pool({ connectionString: cfg.databaseUrl, max: 6, application_name: `revchan-demo-${cfg.name}` });
  // A connection the server closed (pg_terminate_backend, a restart) while idle: the pool replaces it.
  pool.on('error', () => undefined);
  const owner = `${cfg.name}-${process.pid}`;
  const store = await PostgresChannelStore.create(pool);
  const leases = await WatchLeases.create(pool, { owner, ttlMs: cfg.leaseTtlMs });
  // bcoin answers sendrawtransaction before its mempool has looked at the transaction; a busy node takes its time.
  const rpc = new CoreRpcBackend({ url: cfg.rpcUrl, password: cfg.rpcKey, mempoolWaitMs: 10_000 });
  const hub = await ReceiverHub.start({
    store, backend: new ReportingBackend(rpc), keys: seedKeySource(seed),
    policy: { fundingDepth: 1 },
    watcher: { feeRate: 1000n, destinationScript: fromHex(cfg.destinationScript) },
    watchAll: false, resume: false,
  });
  const duty = new WatchDuty(leases, hub);
  hub.on('event', (e) => {
    if (e.kind === 'payment') report({ type: 'payment' });
    else if (e.kind === 'error') report({ type: 'error', code: e.code, message: e.message });
    else if (e.kind === 'closed') {
      // Nothing left to watch once the funding is spent; a failure leaves the lease in place, which only costs a row.
      void hub.balance(e.channelId).then((b) => (b.funding ? duty.unregister(b.funding) : 0)).catch(() => undefined);
    }
  });

  const seller = await startServiceSeller({
    file: fileOf(cfg.file), hub, resumeKey: resumeKeyOf(seed), port: cfg.port, beforeFunding: (o) => duty.register(o),
  });

  const renew = async () => {
    try {
      const r = await duty.renew();
      void r?.applied.then(
        (a) => { if (a.added + a.removed > 0 || a.held > 0) report({ type: 'leases', ...a }); },
        (e: unknown) => report(errorReport(e)),
      );
    } catch (e) {
      // The database went away for a moment: the leases last until the TTL after the last renewal that worked.
      report(errorReport(e));
    }
  };
  await renew();
  const renewTimer = setInterval(() => void renew(), Math.max(50, Math.floor(cfg.leaseTtlMs / 3)));
  const pollTimer = setInterval(() => void hub.poll().catch((e: unknown) => report(errorReport(e))), cfg.pollMs);
  report({ type: 'ready', url: seller.url, owner });

  process.on('message', (m: ServerCommand) => {
    if (m?.type !== 'stop') return;
    clearInterval(renewTimer);
    clearInterval(pollTimer);
    void (async () => {
      await seller.close();
      await duty.release().catch(() => undefined);
      rpc.close();
      await pool.end().catch(() => undefined);
      process.exit(0);
    })();
  });
  // The parent died: nothing else would stop this process.
  process.on('disconnect', () => process.exit(0));
}

main().catch((e: unknown) => {
  report(errorReport(e));
  process.stderr.write(`server failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
