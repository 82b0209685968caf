/**
 * The pay-per-chunk example's buyer in a real browser: examples/pay-per-chunk/
 * browser-client.ts, bundled by esbuild from the package entry alone for
 * platform=browser (test/support/bundle.ts), runs in headless Chromium
 * (Debian's chromium driven by playwright-core; nothing downloaded). The page
 * holds a test key and a mined coin; it builds and signs the funding PSBT
 * itself and pays the Node server over the browser's WebSocket. The page's
 * chain is two functions the test exposes: broadcast to the regtest node, and
 * mine a block. Node then checks the bytes, both balances and the close.
 */
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { fromHex, toHex } from '../lib';
import type { BrowserBought, BrowserPurchase } from '../examples/pay-per-chunk/browser-client';
import { RegtestNode } from './kit/regtest-node';
import { bundleForBrowser } from './support/bundle';
import {
  CAPACITY, CHUNKS, FILE_BYTES, PRICE, Seller, buyerKeys, checkCloseOnChain, sellerDatabase, startSeller, walletCoin,
} from './support/pay-per-chunk';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Serves the page and its script on 127.0.0.1. */
async function servePage(script: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><meta charset="utf-8"><title>pay per chunk</title><link rel="icon" href="data:,"><script src="/buyer.js"></script></head><body></body></html>');
    } else if (req.url === '/buyer.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(script);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('pay-per-chunk example: the buyer in a browser (headless Chromium)', function () {
  this.timeout(90_000);
  let node: RegtestNode | undefined;
  let seller: Seller | undefined;
  let database: Awaited<ReturnType<typeof sellerDatabase>> | undefined;
  let browser: Browser | undefined;
  let page: { url: string; close: () => Promise<void> } | undefined;

  after(async () => {
    await browser?.close();
    await page?.close();
    await seller?.stop();
    await database?.close();
    await node?.stop();
  });

  it('pays the Node server over WebSocket for every chunk, gets the file, and both sides hold the amount paid', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package`).to.equal(true);
    const started = Promise.all([RegtestNode.start(), sellerDatabase()]);
    const bundle = await bundleForBrowser('examples/pay-per-chunk/browser-client.ts', { format: 'iife' });
    [node, database] = await started;
    expect(bundle.errors, 'esbuild errors').to.deep.equal([]);
    // Only the package entry's own modules and browser-safe packages: nothing of revchan/node or ws.
    expect(bundle.inputs.filter((i) => /lib\/node\.ts|lib\/service\/|node_modules\/ws\//.test(i))).to.deep.equal([]);

    seller = await startSeller(node, database.store);
    page = await servePage(bundle.text);
    const keys = buyerKeys('browser');
    const coin = await walletCoin(node, keys);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const tab = await browser.newPage();
    const pageErrors: string[] = [];
    tab.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    const chain = node;
    let broadcasts = 0;
    await tab.exposeFunction('regtestBroadcast', async (hex: string) => { broadcasts++; return chain.broadcast(fromHex(hex)); });
    await tab.exposeFunction('regtestMine', async () => { await chain.mine(1); });
    expect((await tab.goto(page.url))?.status()).to.equal(200);
    await tab.waitForFunction(() => 'payPerChunk' in globalThis, undefined, { timeout: 30_000 });

    const purchase: Omit<BrowserPurchase, 'broadcast' | 'waitForBlock'> = {
      url: seller.server.url, capacity: CAPACITY.toString(), maxPrice: PRICE.toString(),
      keys: {
        funding: toHex(keys.secrets.fundingKey), payout: toHex(keys.secrets.payoutKey), updateSeed: toHex(keys.secrets.updateSeed), wallet: toHex(keys.wallet.priv),
      },
      coin: { txid: coin.txid, vout: coin.vout, value: coin.value.toString() },
    };
    const r = await tab.evaluate(async (p) => {
      const g = globalThis as unknown as {
        payPerChunk: { buyFile: (p: BrowserPurchase) => Promise<BrowserBought> };
        regtestBroadcast: (hex: string) => Promise<string>;
        regtestMine: () => Promise<void>;
      };
      return g.payPerChunk.buyFile({ ...p, broadcast: (hex) => g.regtestBroadcast(hex), waitForBlock: () => g.regtestMine() });
    }, purchase);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);

    // The bytes the page received, every chunk checked there against its hash.
    expect(r.chunks).to.equal(CHUNKS);
    expect(r.fileHex).to.equal(toHex(FILE_BYTES));
    // Both balances: the page's final total, and the hub's as stored.
    const paid = PRICE * BigInt(CHUNKS);
    expect(r.paid).to.equal(paid.toString());
    const channelId = seller.events.find((e) => e.kind === 'payment')!.channelId;
    expect((await seller.hub.balance(channelId)).amount).to.equal(paid);
    expect(broadcasts).to.equal(2);
    await checkCloseOnChain(node, { closeTxid: r.closeTxid, fundingTxid: r.fundingTxid, paid, buyerPayout: keys.payout });
    expect(r.closeHex).to.equal(toHex((await node.getTransaction(r.closeTxid))!.tx));
  });
});
