/**
 * The package entry in a real browser: test/support/browser-page.ts, bundled
 * by esbuild for platform=browser (no Node polyfills; tiny-secp256k1 aliased
 * to @bitcoinerlab/secp256k1, see test/support/bundle.ts), is served from
 * 127.0.0.1 and run in headless Chromium (Debian's chromium, driven by
 * playwright-core; no browser is downloaded). The page opens a channel, makes
 * 100 payments through the JSON wire and closes cooperatively; Node then
 * checks the close it made: both sides paid their final balances, and its
 * signatures valid under bcoin's script interpreter.
 *
 * Prints the bundle's size and the payments per second in the browser
 * (README, "In the browser").
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Transaction } from 'bitcoinjs-lib';
import { chromium, type Browser } from 'playwright-core';
import { CLOSE_WEIGHT, derivePublicKey, feeForWeight, fromHex, p2wpkhScript, toHex } from '../lib';
import { PageRun, pageKey } from './support/browser-page';
import { bundleForBrowser } from './support/bundle';
import { verifyInputs } from './support/verify';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const PAYMENTS = 100;

/** Serves the page and its script on 127.0.0.1, on a port the system picks. */
async function serve(script: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><meta charset="utf-8"><title>revchan</title><link rel="icon" href="data:,"><script src="/page.js"></script></head><body></body></html>');
    } else if (req.url === '/page.js') {
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

describe('in a browser (headless Chromium)', function () {
  this.timeout(180_000);
  let browser: Browser | undefined;
  let server: { url: string; close: () => Promise<void> } | undefined;

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it(`opens a channel, makes ${PAYMENTS} payments through the JSON wire and closes; the close pays both sides their final balances`, async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does when it is absent)`).to.equal(true);
    const bundle = await bundleForBrowser('test/support/browser-page.ts', { format: 'iife' });
    expect(bundle.errors, 'esbuild errors').to.deep.equal([]);
    server = await serve(bundle.text);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    const response = await page.goto(server.url);
    expect(response?.status()).to.equal(200);
    await page.waitForFunction(() => 'revchanPage' in globalThis, undefined, { timeout: 30_000 });
    const json = await page.evaluate((n) => {
      const api = (globalThis as unknown as { revchanPage: { runChannel: (payments: number) => unknown } }).revchanPage;
      return JSON.stringify(api.runChannel(n));
    }, PAYMENTS);
    expect(pageErrors, 'errors in the page').to.deep.equal([]);
    const r = JSON.parse(json) as PageRun;

    expect(r.userAgent).to.match(/HeadlessChrome|Chrome/);
    expect(r.payments).to.equal(PAYMENTS);
    expect(r.wireMessages).to.equal(4 + 3 * PAYMENTS + 2);
    const capacity = BigInt(r.capacity);
    const paid = BigInt(r.increment) * BigInt(PAYMENTS);
    expect(r.receiverAmount).to.equal(paid.toString());
    expect(r.senderAmount).to.equal(paid.toString());

    // The close, read again in Node: the receiver gets what it was paid, the sender the rest less the close's fee.
    const close = Transaction.fromHex(r.closeHex);
    expect(close.getId()).to.equal(r.closeTxid);
    const fee = feeForWeight(CLOSE_WEIGHT, BigInt(r.closeFeeRate));
    const outputs = close.outs.map((o) => ({ script: toHex(o.script), value: o.value }));
    expect(outputs).to.deep.equal([
      { script: toHex(p2wpkhScript(derivePublicKey(pageKey('receiver payout')))), value: paid },
      { script: toHex(p2wpkhScript(derivePublicKey(pageKey('sender payout')))), value: capacity - paid - fee },
    ]);
    // Signed by both funding keys, valid under an interpreter other than the one that signed.
    expect(() => verifyInputs(close.toBuffer(), [{ script: fromHex(r.fundingScript), value: capacity }])).to.not.throw();

    const version = browser.version();
    console.log(`      Chromium ${version}: ${PAYMENTS} payments in ${r.seconds.toFixed(3)} s = ${Math.round(r.paymentsPerSecond)} payments/s `
      + `(${r.wireMessages} JSON messages, ${r.wireBytes} bytes)`);
    console.log(`      page bundle (package entry + page, esbuild --minify): ${bundle.text.length} bytes, ${gzipSync(bundle.text).length} gzipped`);
  });
});
