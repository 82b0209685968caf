/**
 * `npm run demo:service -- --clients 20 --json` as a user runs it (the built
 * script, in its own process): its JSON says nothing was lost or counted
 * twice, and every transaction it lists is on the chain of the node it ran,
 * read back over that node's RPC while the demo holds it (`--hold`) and
 * compared byte for byte.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { toHex } from '../lib';
import { CoreRpcBackend } from '../lib/node';

const MAIN = path.join(__dirname, '..', 'demo', 'service', 'main.js');
const RPC_KEY = 'service-demo-spec';

interface DemoJson {
  clients: number;
  paymentsMade: number;
  paymentsAcknowledged: number;
  paymentsFinal: number;
  paymentsLost: number;
  paymentsDoubleCounted: number;
  closesOnChain: number;
  watchAfterFunding: { registered: number; held: number };
  bytesDelivered: number;
  faults: { kind: string }[];
  node: { rpcUrl: string; height: number };
  transactions: { kind: string; txid: string; hex: string }[];
}

describe('npm run demo:service -- --clients 20 --json', function () {
  this.timeout(180_000);

  it('reports no payment lost or counted twice, and every transaction it lists is on the node\'s chain', async () => {
    const child = spawn(process.execPath, [MAIN, '--clients', '20', '--chunks', '10', '--json', '--seed', 'service demo spec', '--hold', '--rpc-key', RPC_KEY], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // The JSON is one line; the demo then holds its node until stdin closes.
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        void exited.then((code) => reject(new Error(`the demo exited (${code}) before its summary:\n${stderr}`)));
      });
      const r = JSON.parse(line) as DemoJson;
      expect(r.clients).to.equal(20);
      expect(r.paymentsLost).to.equal(0);
      expect(r.paymentsDoubleCounted).to.equal(0);
      expect(r.paymentsFinal).to.equal(200);
      expect(r.paymentsAcknowledged).to.equal(200);
      expect(r.paymentsMade).to.equal(200);
      expect(r.closesOnChain).to.equal(20);
      expect(r.watchAfterFunding).to.deep.equal({ registered: 20, held: 20 });
      expect(r.bytesDelivered).to.equal(200 * 1024);
      expect(r.faults.map((f) => f.kind)).to.deep.equal(['SIGKILL', 'restart']);

      const kinds = r.transactions.map((t) => t.kind);
      expect(kinds.filter((k) => k === 'funding')).to.have.length(20);
      expect(kinds.filter((k) => k === 'close')).to.have.length(20);
      const node = new CoreRpcBackend({ url: r.node.rpcUrl, password: RPC_KEY });
      try {
        for (const t of r.transactions) {
          expect(Transaction.fromHex(t.hex).getId(), `${t.kind} ${t.txid}: its hex`).to.equal(t.txid);
          const got = await node.getTransaction(t.txid);
          expect(got, `${t.kind} ${t.txid} known to the node`).to.not.equal(undefined);
          expect(got!.blockHeight, `${t.kind} ${t.txid} in a block`).to.be.a('number');
          expect(toHex(got!.tx)).to.equal(t.hex);
          expect(await node.getConfirmations(t.txid)).to.be.at.least(1);
        }
      } finally {
        node.close();
      }
    } finally {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      expect(code, stderr).to.equal(0);
    }
  });
});
