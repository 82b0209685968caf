/**
 * The pay-per-chunk example's seller and buyers on the embedded regtest
 * node, for test/pay-per-chunk.spec.ts and test/pay-per-chunk-browser.spec.ts:
 * a hub over a store, the WebSocket server selling one file, and buyers
 * whose wallets hold a mined coin.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { CLOSE_WEIGHT, FundingInput, MemoryChannelStore, SenderSecrets, VersionedChannelStore, feeForWeight, p2wpkhScript, signPsbtWithKey } from '../../lib';
import { PGlite } from '@electric-sql/pglite';
import { HubEvent, PostgresChannelStore, ReceiverHub, seedKeySource } from '../../lib/node';
import { BuyerOptions } from '../../examples/pay-per-chunk/buyer';
import { FileForSale, offerFile } from '../../examples/pay-per-chunk/file-for-sale';
import { ChunkServer, startChunkServer } from '../../examples/pay-per-chunk/server';
import type { RegtestNode } from '../kit/regtest-node';
import { TestKey, testKey } from './keys';

export const PRICE = 1_000n;
export const CHUNK_SIZE = 1024;
/** 12 chunks, the last one shorter. */
export const FILE_BYTES = Uint8Array.from({ length: 11 * CHUNK_SIZE + 300 }, (_, i) => (i * 31 + (i >> 8)) % 256);
export const CHUNKS = Math.ceil(FILE_BYTES.length / CHUNK_SIZE);
export const CAPACITY = 100_000n;
export const CLOSE_FEE_RATE = 1000n;
export const FEE_RATE = 1000n;

/** The seller: a hub over a store, and the server in front of it. */
export interface Seller {
  readonly hub: ReceiverHub;
  readonly server: ChunkServer;
  readonly file: FileForSale;
  /** Everything the hub reported, in order. */
  readonly events: HubEvent[];
  /** Where the hub's watcher sends penalty claims. */
  readonly destination: Uint8Array;
  stop(): Promise<void>;
}

/** The seller's database: PostgreSQL in-process (PGlite, in memory), as the example runs by default. */
export async function sellerDatabase(): Promise<{ store: VersionedChannelStore; close(): Promise<void> }> {
  const db = await PGlite.create();
  return { store: await PostgresChannelStore.create(db), close: () => db.close() };
}

/** The hub over `store`, on `node`, and the server selling {@link FILE_BYTES} in front of it. */
export async function startSeller(node: RegtestNode, store: VersionedChannelStore): Promise<Seller> {
  const destination = p2wpkhScript(testKey('pay-per-chunk seller destination').pub);
  const hub = await ReceiverHub.start({
    store,
    backend: node,
    keys: seedKeySource(createHash('sha256').update('pay-per-chunk hub seed').digest()),
    // One confirmation keeps the tests short; the default is 3.
    policy: { fundingDepth: 1 },
    watcher: { feeRate: FEE_RATE, destinationScript: destination },
  });
  const events: HubEvent[] = [];
  hub.on('event', (e: HubEvent) => { events.push(e); });
  const file = offerFile({ name: 'chunks.bin', bytes: FILE_BYTES, chunkSize: CHUNK_SIZE, price: PRICE });
  const server = await startChunkServer({ file, hub });
  return {
    hub, server, file, events, destination,
    stop: async () => {
      await server.close();
      },
  };
}

/** A buyer's keys: the channel's, and its wallet's. */
export interface BuyerKeys {
  readonly secrets: SenderSecrets;
  readonly wallet: TestKey;
  readonly payout: Uint8Array;
}

export function buyerKeys(label: string): BuyerKeys {
  const k = (what: string) => testKey(`pay-per-chunk ${label} ${what}`);
  return {
    secrets: {
      fundingKey: k('funding').priv, payoutKey: k('payout').priv,
      updateSeed: Uint8Array.from(createHash('sha256').update(`pay-per-chunk ${label} update seed`).digest()),
    },
    wallet: k('wallet'),
    payout: p2wpkhScript(k('payout').pub),
  };
}

/** A mined coin of the buyer's wallet. */
export async function walletCoin(node: RegtestNode, keys: BuyerKeys, value = CAPACITY + 20_000n): Promise<FundingInput> {
  const script = p2wpkhScript(keys.wallet.pub);
  const coin = await node.fund(script, value);
  return { txid: coin.txid, vout: coin.vout, value: coin.value, script, prevTx: coin.tx };
}

/** A Node buyer's options: its store, its wallet, and the node for broadcasting and mining. */
export function buyerOptions(node: RegtestNode, keys: BuyerKeys, coin: FundingInput, store = new MemoryChannelStore()): Omit<BuyerOptions, 'transport'> {
  return {
    store, storeKey: 'buyer', secrets: keys.secrets,
    wallet: { coin, changeScript: p2wpkhScript(keys.wallet.pub), signFunding: (psbt) => { signPsbtWithKey(psbt, keys.wallet.priv); } },
    broadcast: (tx) => node.broadcast(tx),
    waitForFunding: async () => { await node.mine(1); },
    capacity: CAPACITY, maxPrice: PRICE, feeRate: FEE_RATE, closeFeeRate: CLOSE_FEE_RATE,
  };
}

/**
 * The close, mined and read back: it spends the funding and pays the seller
 * what it was paid and the buyer the rest less the close's fee.
 */
export async function checkCloseOnChain(node: RegtestNode, o: { closeTxid: string; fundingTxid: string; paid: bigint; buyerPayout: Uint8Array }): Promise<Transaction> {
  await node.mine(1);
  const got = await node.getTransaction(o.closeTxid);
  expect(got?.blockHeight, 'the close is mined').to.be.a('number');
  const tx = Transaction.fromBuffer(got!.tx);
  expect(tx.ins).to.have.length(1);
  expect(Buffer.from(tx.ins[0]!.hash).reverse().toString('hex')).to.equal(o.fundingTxid);
  expect(tx.outs.map((x) => x.value)).to.deep.equal([o.paid, CAPACITY - o.paid - feeForWeight(CLOSE_WEIGHT, CLOSE_FEE_RATE)]);
  expect(tx.outs[1]!.script).to.deep.equal(o.buyerPayout);
  return tx;
}
