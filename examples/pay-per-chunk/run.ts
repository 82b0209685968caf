/**
 * The whole example in one process: the embedded regtest node, the hub over
 * its store, the server selling a file, and one Node buyer that buys it
 * whole and closes. `node dist/examples/pay-per-chunk/run.js`
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asPrivateKey, derivePublicKey, p2wpkhScript, sha256, signPsbtWithKey, toHex } from '../../lib';
import { PGlite } from '@electric-sql/pglite';
import { FileChannelStore, HubEvent, PostgresChannelStore, ReceiverHub, seedKeySource } from '../../lib/node';
import { RegtestNode } from '../../test/kit/regtest-node';
import { offerFile } from './file-for-sale';
import { connectBuyer } from './node-client';
import { startChunkServer } from './server';

const key = () => asPrivateKey(randomBytes(32));

async function main(): Promise<void> {
  // The seller's database: PostgreSQL in-process (PGlite, in memory here; PGlite.create('./seller-db') keeps it
  // on disk). For a fleet of server processes, a pg.Pool on a PostgreSQL server goes in its place.
  const [node, db] = await Promise.all([RegtestNode.start(), PGlite.create()]);
  try {
    // The seller: one hub seed for every channel's keys, a destination for penalty claims.
    const hub = await ReceiverHub.start({
      store: await PostgresChannelStore.create(db),
      backend: node,
      keys: seedKeySource(randomBytes(32)),
      policy: { fundingDepth: 1 },
      watcher: { feeRate: 1000n, destinationScript: p2wpkhScript(derivePublicKey(key())) },
    });
    // The watcher reads new blocks only when polled: a service polls on a timer (it is what punishes a cheater).
    const watching = setInterval(() => void hub.poll(), 5_000);
    watching.unref();
    hub.on('event', (e: HubEvent) => { if (e.kind === 'error' || e.kind === 'penalty') console.log(`  hub: ${e.kind} ${JSON.stringify(e, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`); });
    if (process.stdout.isTTY) hub.on('payment', (e: { index: number; amount: bigint }) => process.stdout.write(`\r  payment ${e.index} final: seller holds ${e.amount} sat`));
    const bytes = Uint8Array.from(randomBytes(20_000));
    const file = offerFile({ name: 'random.bin', bytes, chunkSize: 1024, price: 1_000n });
    const server = await startChunkServer({ file, hub });
    console.log(`seller at ${server.url}: ${file.terms.name}, ${bytes.length} bytes in ${file.terms.chunkHashes.length} chunks at ${file.terms.price} sat`);

    // The buyer: its channel keys, and a wallet coin the node mines.
    const wallet = key();
    const walletScript = p2wpkhScript(derivePublicKey(wallet));
    const coin = await node.fund(walletScript, 120_000n);
    // The buyer's state on disk: a buyer that restarts mid-purchase must find the secrets it gave away.
    const buyerDir = mkdtempSync(join(tmpdir(), 'pay-per-chunk-buyer-'));
    const buyer = await connectBuyer(server.url, {
      store: new FileChannelStore(buyerDir), storeKey: 'buyer',
      secrets: { fundingKey: key(), payoutKey: key(), updateSeed: randomBytes(32) },
      wallet: {
        coin: { txid: coin.txid, vout: coin.vout, value: coin.value, script: walletScript, prevTx: coin.tx },
        changeScript: walletScript,
        signFunding: (psbt) => { signPsbtWithKey(psbt, wallet); },
      },
      broadcast: (tx) => node.broadcast(tx),
      waitForFunding: async () => { await node.mine(1); },
      capacity: 100_000n, maxPrice: 1_000n,
    });
    const r = await buyer.buyFile();
    if (process.stdout.isTTY) console.log();
    await node.mine(1);
    const seller = await hub.balance(buyer.channelId!);
    console.log(`buyer got ${r.bytes.length} bytes, sha256 ${toHex(sha256(r.bytes))} (${toHex(sha256(bytes)) === toHex(sha256(r.bytes)) ? 'the file' : 'NOT the file'})`);
    console.log(`paid: buyer says ${r.paid} sat, seller holds ${seller.amount} sat`);
    console.log(`funding ${r.fundingTxid}`);
    console.log(`close   ${r.closeTxid}, ${await node.getConfirmations(r.closeTxid)} confirmation(s)`);
    clearInterval(watching);
    await server.close();
    rmSync(buyerDir, { recursive: true, force: true });
  } finally {
    await db.close();
    await node.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
