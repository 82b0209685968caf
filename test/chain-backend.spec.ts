import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { ChannelError, type ErrorCode } from '../lib/core/errors';
import type { ChainBackend } from '../lib/chain/backend';
import { CoreRpcBackend } from '../lib/node';
import { RegtestNode, type FundedOutput } from './kit/regtest-node';
import { checkInputError, verifyInputs } from './support/verify';
import { rejectedCode, rejectionOf } from './support/errors';

const ECPair = ECPairFactory(ecc);
const key = ECPair.fromPrivateKey(createHash('sha256').update('revchan chain-backend spec').digest());
const payment = bitcoin.payments.p2wpkh({ pubkey: key.publicKey });
const SCRIPT = payment.output!;
/** BIP 143 script code for P2WPKH. */
const SCRIPT_CODE = bitcoin.payments.p2pkh({ hash: payment.hash! }).output!;
const API_KEY = 'revchan-chain-backend-spec';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const txidOf = (raw: Uint8Array): string => bitcoin.Transaction.fromBuffer(raw).getId();

/** A signed one-in one-out P2WPKH spend of `prev` back to SCRIPT. */
function spend(prev: FundedOutput, o: { fee?: bigint; locktime?: number; sequence?: number } = {}): Uint8Array {
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  tx.locktime = o.locktime ?? 0;
  tx.addInput(Buffer.from(prev.txid, 'hex').reverse(), prev.vout, o.sequence ?? 0xffffffff);
  tx.addOutput(SCRIPT, prev.value - (o.fee ?? 1_000n));
  const sighash = tx.hashForWitnessV0(0, SCRIPT_CODE, prev.value, bitcoin.Transaction.SIGHASH_ALL);
  tx.setWitness(0, [bitcoin.script.signature.encode(key.sign(sighash), bitcoin.Transaction.SIGHASH_ALL), key.publicKey]);
  return tx.toBuffer();
}

/** Same tx with one byte inside the signature's r flipped: still strict DER, no longer valid. */
function corruptSignature(raw: Uint8Array): Uint8Array {
  const tx = bitcoin.Transaction.fromBuffer(raw);
  const sig = Uint8Array.from(tx.ins[0].witness[0]);
  sig[10] ^= 0x01;
  tx.setWitness(0, [sig, tx.ins[0].witness[1]]);
  return tx.toBuffer();
}

const rejection = rejectionOf;
const codeOf = rejectedCode;

describe('chain backends over an in-process bcoin regtest node', function () {
  this.timeout(30_000);

  let node: RegtestNode;
  let rpc: CoreRpcBackend;

  before(async () => {
    node = await RegtestNode.start({ rpc: { port: 0, apiKey: API_KEY } });
    rpc = new CoreRpcBackend({ url: node.rpcUrl!, password: API_KEY, mempoolWaitMs: 300 });
  });

  after(async () => {
    rpc?.close();
    await node?.stop();
  });

  describe('RegtestNode', () => {
    it('starts past segwit/CSV/CLTV activation and reports the tip and its median time past', async () => {
      const tip = await node.getTip();
      expect(tip.height).to.be.at.least(1351);
      const last = bitcoin.Block.fromBuffer(await node.getBlock(tip.height));
      expect(last.getId()).to.equal(tip.hash);
      const times: number[] = [];
      for (let h = tip.height - 10; h <= tip.height; h++) times.push(bitcoin.Block.fromBuffer(await node.getBlock(h)).timestamp);
      times.sort((a, b) => a - b);
      expect(tip.medianTimePast).to.equal(times[5]);
    });

    it('funds a script with a confirmed output of exactly the value and finds it in the raw block', async () => {
      const f = await node.fund(SCRIPT, 123_456n);
      const tip = await node.getTip();
      const out = bitcoin.Transaction.fromBuffer(f.tx).outs[f.vout];
      expect(out.value).to.equal(123_456n);
      expect(hex(out.script)).to.equal(hex(SCRIPT));
      expect(txidOf(f.tx)).to.equal(f.txid);

      const got = await node.getTransaction(f.txid);
      expect(got?.blockHeight).to.equal(tip.height);
      expect(hex(got!.tx)).to.equal(hex(f.tx));
      expect(await node.getConfirmations(f.txid)).to.equal(1);
      expect(node.mempoolHas(f.txid)).to.equal(false);

      const block = bitcoin.Block.fromBuffer(await node.getBlock(tip.height));
      const inBlock = block.transactions!.find((t) => t.getId() === f.txid);
      expect(inBlock, 'funding tx in its block').to.not.equal(undefined);
      // The miner's coins are P2WPKH, so the block must carry witnesses.
      expect(inBlock!.hasWitnesses()).to.equal(true);
      expect(hex(inBlock!.toBuffer())).to.equal(hex(f.tx));
    });

    it('getSpender finds a spend in the mempool, then in its block; fund() leaves the mempool alone', async () => {
      const f = await node.fund(SCRIPT, 50_000n);
      expect(await node.getSpender(f)).to.equal(undefined);

      const s = spend(f);
      const txid = await node.broadcast(s);
      expect(txid).to.equal(txidOf(s));
      expect(node.mempoolHas(txid)).to.equal(true);
      expect(await node.getConfirmations(txid)).to.equal(0);
      const pending = await node.getSpender(f);
      expect(pending).to.deep.equal({ txid, tx: Uint8Array.from(s), inputIndex: 0 });

      await node.fund(SCRIPT, 10_000n);
      expect(node.mempoolHas(txid), 'spend still pending after fund()').to.equal(true);

      const [hash] = await node.mine(1);
      const tip = await node.getTip();
      expect(hash).to.equal(tip.hash);
      expect(node.mempoolHas(txid)).to.equal(false);
      expect(await node.getSpender(f)).to.deep.equal({ txid, tx: Uint8Array.from(s), inputIndex: 0, blockHeight: tip.height });
      expect(await node.getConfirmations(txid)).to.equal(1);
      expect((await node.getTransaction(txid))?.blockHeight).to.equal(tip.height);
    });

    it('rejects double spends with the node reason and accepts re-broadcasts of accepted txs', async () => {
      const f = await node.fund(SCRIPT, 50_000n);
      const a = spend(f, { fee: 1_000n });
      const b = spend(f, { fee: 2_000n });
      await node.broadcast(a);
      expect(await node.broadcast(a), 'again while pending').to.equal(txidOf(a));

      let err = await rejection(node.broadcast(b));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      expect(err.details?.reason).to.equal('bad-txns-inputs-spent');

      await node.mine(1);
      expect(await node.broadcast(a), 'again once confirmed').to.equal(txidOf(a));
      err = await rejection(node.broadcast(b));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      expect(err.details?.reason).to.equal('bad-txns-inputs-missingorspent');
      expect(node.mempoolHas(txidOf(b))).to.equal(false);
    });

    it('enforces nLockTime and BIP 68 relative locks, and rejects bad signatures', async () => {
      const f = await node.fund(SCRIPT, 50_000n);
      const tip = await node.getTip();

      let err = await rejection(node.broadcast(spend(f, { locktime: tip.height + 10, sequence: 0xfffffffe })));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      expect(err.details?.reason).to.equal('non-final');

      err = await rejection(node.broadcast(corruptSignature(spend(f))));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      // bcoin's wording; Core says 'mandatory-script-verify-flag-failed (Signature must be zero ...)'.
      expect(err.details?.reason).to.equal('non-mandatory-script-verify-flag');
      expect(err.details?.scriptError).to.equal('NULLFAIL');
      expect(err.details?.inputIndex).to.equal(0);

      // Confirmed at tip.height, so a 5-block relative lock first fits block tip.height + 5.
      const csv = spend(f, { sequence: 5 });
      err = await rejection(node.broadcast(csv));
      expect(err.details?.reason).to.equal('non-BIP68-final');
      await node.mine(3);
      expect((await rejection(node.broadcast(csv))).details?.reason).to.equal('non-BIP68-final');
      await node.mine(1);
      expect(await node.broadcast(csv)).to.equal(txidOf(csv));
      await node.mine(1);
    });

    it('mines coinbases to a given script and refuses scripts without an address', async () => {
      const [hash] = await node.mine(1, SCRIPT);
      const tip = await node.getTip();
      expect(tip.hash).to.equal(hash);
      const coinbase = bitcoin.Block.fromBuffer(await node.getBlock(tip.height)).transactions![0];
      expect(hex(coinbase.outs[0].script)).to.equal(hex(SCRIPT));
      expect(await codeOf(node.mine(1, Uint8Array.of(0x51)))).to.equal('INVALID_ARGUMENT');
      expect(await codeOf(node.mine(-1))).to.equal('INVALID_ARGUMENT');
    });

    it('validates arguments and reports unknown things', async () => {
      const tip = await node.getTip();
      expect(await codeOf(node.getBlock(tip.height + 1))).to.equal('NOT_FOUND');
      expect(await codeOf(node.getBlock(-1))).to.equal('INVALID_ARGUMENT');
      expect(await node.getTransaction('00'.repeat(32))).to.equal(undefined);
      expect(await node.getSpender({ txid: '00'.repeat(32), vout: 0 })).to.equal(undefined);
      expect(await codeOf(node.getConfirmations('00'.repeat(32)))).to.equal('NOT_FOUND');
      expect(await codeOf(node.getTransaction('XYZ'))).to.equal('INVALID_ARGUMENT');
      expect(await codeOf(node.broadcast(Uint8Array.of(1, 2, 3)))).to.equal('INVALID_TRANSACTION');
      expect(await codeOf(node.fund(SCRIPT, 0n))).to.equal('INVALID_AMOUNT');
    });
  });

  describe('CoreRpcBackend against the node\'s own JSON-RPC server', () => {
    it('agrees with the node on the tip and on raw blocks', async () => {
      expect(await rpc.getTip()).to.deep.equal(await node.getTip());
      const tip = await node.getTip();
      for (const h of [0, tip.height - 1, tip.height]) expect(hex(await rpc.getBlock(h))).to.equal(hex(await node.getBlock(h)));
      for (const h of [0, tip.height]) {
        const hash = await rpc.getBlockHash(h);
        expect(hash).to.equal(await node.getBlockHash(h));
        expect(hash).to.equal(bitcoin.Block.fromBuffer(await node.getBlock(h)).getId());
      }
      expect(await rpc.getBlockHash(tip.height)).to.equal(tip.hash);
      expect(await rpc.getBlockHash(tip.height + 1)).to.equal(undefined);
      expect(await node.getBlockHash(tip.height + 1)).to.equal(undefined);
      expect(await codeOf(rpc.getBlockHash(-1))).to.equal('INVALID_ARGUMENT');
      expect(await codeOf(node.getBlockHash(1.5))).to.equal('INVALID_ARGUMENT');
      expect(await codeOf(rpc.getBlock(tip.height + 1))).to.equal('NOT_FOUND');
    });

    it('reads transactions, confirmations and spenders from the mempool and the chain', async () => {
      const f = await node.fund(SCRIPT, 60_000n);
      const tip = await node.getTip();
      expect(await rpc.getTransaction(f.txid)).to.deep.equal({ tx: f.tx, blockHeight: tip.height });
      expect(await rpc.getConfirmations(f.txid)).to.equal(1);
      expect(await rpc.getSpender(f), 'unspent').to.equal(undefined);

      const s = spend(f);
      const txid = await rpc.broadcast(s);
      expect(txid).to.equal(txidOf(s));
      expect(node.mempoolHas(txid)).to.equal(true);
      expect(await rpc.getTransaction(txid)).to.deep.equal({ tx: Uint8Array.from(s) });
      expect(await rpc.getConfirmations(txid)).to.equal(0);
      expect(await rpc.getMempoolTxids()).to.include(txid);
      expect((await rpc.getMempoolTxids()).sort()).to.deep.equal((await node.getMempoolTxids()).sort());
      const pending = await rpc.getSpender(f);
      expect(pending).to.deep.equal({ txid, tx: Uint8Array.from(s), inputIndex: 0 });
      expect(pending).to.deep.equal(await node.getSpender(f));

      await node.mine(2);
      const mined = await rpc.getSpender(f);
      expect(mined).to.deep.equal({ txid, tx: Uint8Array.from(s), inputIndex: 0, blockHeight: tip.height + 1 });
      expect(mined).to.deep.equal(await node.getSpender(f));
      expect(await rpc.getConfirmations(txid)).to.equal(2);

      expect(await rpc.getMempoolTxids()).to.not.include(txid); // mined
      expect(await rpc.getTransaction('00'.repeat(32))).to.equal(undefined);
      expect(await rpc.getSpender({ txid: '00'.repeat(32), vout: 0 })).to.equal(undefined);
      expect(await codeOf(rpc.getConfirmations('00'.repeat(32)))).to.equal('NOT_FOUND');
    });

    it('scans from scanFromHeight when given one, finding nothing below it', async () => {
      const f = await node.fund(SCRIPT, 40_000n);
      await node.broadcast(spend(f));
      await node.mine(1);
      const tip = await node.getTip();
      const late = new CoreRpcBackend({ url: node.rpcUrl!, password: API_KEY, scanFromHeight: tip.height + 1 });
      const early = new CoreRpcBackend({ url: node.rpcUrl!, password: API_KEY, scanFromHeight: 0 });
      try {
        // The funding tx's own height (from the tx index) bounds the scan from below; scanFromHeight can only raise it.
        expect(await late.getSpender(f)).to.equal(undefined);
        expect((await early.getSpender(f))?.blockHeight).to.equal(tip.height);
      } finally {
        late.close();
        early.close();
      }
    });

    it('turns bcoin\'s silent drops into BROADCAST_REJECTED with reason unknown', async () => {
      const f = await node.fund(SCRIPT, 50_000n);
      const a = spend(f, { fee: 1_000n });
      await rpc.broadcast(a);
      expect(await rpc.broadcast(a), 'again while pending').to.equal(txidOf(a));

      let err = await rejection(rpc.broadcast(spend(f, { fee: 2_000n })));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      expect(err.details?.reason).to.equal('unknown');

      const tip = await node.getTip();
      const g = await node.fund(SCRIPT, 50_000n);
      err = await rejection(rpc.broadcast(spend(g, { locktime: tip.height + 20, sequence: 0xfffffffe })));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      expect(err.details?.reason).to.equal('unknown');

      await node.mine(1);
      expect(await rpc.broadcast(a), 'again once confirmed').to.equal(txidOf(a));
      expect(await codeOf(rpc.broadcast(Uint8Array.of(1, 2, 3)))).to.equal('INVALID_TRANSACTION');
    });

    it('reports transport and auth failures as CHAIN_BACKEND', async () => {
      const wrong = new CoreRpcBackend({ url: node.rpcUrl!, username: 'bitcoinrpc', password: 'not-the-key' });
      const err = await rejection(wrong.getTip());
      wrong.close();
      expect(err.code).to.equal('CHAIN_BACKEND');
      expect(err.details?.status).to.equal(401);

      const userIgnored = new CoreRpcBackend({ url: node.rpcUrl!, username: 'anyone', password: API_KEY });
      expect((await userIgnored.getTip()).height).to.be.a('number');
      userIgnored.close();

      // A server that accepts and never answers.
      const silent = http.createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const port = (silent.address() as AddressInfo).port;
      const slow = new CoreRpcBackend({ url: `http://127.0.0.1:${port}`, timeoutMs: 200 });
      try {
        expect(await codeOf(slow.getTip())).to.equal('CHAIN_BACKEND');
      } finally {
        slow.close();
        silent.closeAllConnections();
        await new Promise<void>((r) => silent.close(() => r()));
      }
      // Nothing listens there any more.
      const refused = new CoreRpcBackend({ url: `http://127.0.0.1:${port}` });
      expect(await codeOf(refused.getTip())).to.equal('CHAIN_BACKEND');
      refused.close();

      expect(() => new CoreRpcBackend({ url: 'ftp://127.0.0.1:1' })).to.throw(ChannelError);
    });

    it('authenticates with a cookie file (bcoin checks only the password, its API key)', async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-cookie-'));
      try {
        const cookieFile = path.join(dir, '.cookie');
        await fs.writeFile(cookieFile, `__cookie__:${API_KEY}`);
        const cookie = new CoreRpcBackend({ url: node.rpcUrl!, cookieFile });
        expect(await cookie.getTip()).to.deep.equal(await node.getTip());
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });

    it('refuses a mempool listing that is not a list of txids', async () => {
      for (const result of [null, 'abc', ['AB'.repeat(32)], ['00'.repeat(31)], [42]]) {
        const liar = http.createServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ result, error: null, id: 1 }));
        });
        await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
        const b = new CoreRpcBackend({ url: `http://127.0.0.1:${(liar.address() as AddressInfo).port}` });
        try {
          expect(await codeOf(b.getMempoolTxids()), JSON.stringify(result)).to.equal('CHAIN_BACKEND');
        } finally {
          b.close();
          liar.closeAllConnections();
          await new Promise<void>((r) => liar.close(() => r()));
        }
      }
    });

    it('is a ChainBackend', () => {
      const backends: ChainBackend[] = [node, rpc];
      expect(backends).to.have.length(2);
    });
  });

  describe('test/support/verify', () => {
    it('accepts a valid P2WPKH spend and names the failing input of a corrupted one', async () => {
      const f = await node.fund(SCRIPT, 30_000n);
      const prevouts = [{ script: SCRIPT, value: f.value }];
      const good = spend(f);
      expect(() => verifyInputs(good, prevouts)).to.not.throw();
      expect(checkInputError(good, prevouts, 0)).to.equal(undefined);

      const bad = corruptSignature(good);
      expect(checkInputError(bad, prevouts, 0)).to.equal('NULLFAIL');
      expect(() => verifyInputs(bad, prevouts)).to.throw(/input 0.*NULLFAIL/);

      // BIP 143 signs the amount: the right signature over the wrong value fails too.
      expect(checkInputError(good, [{ script: SCRIPT, value: f.value + 1n }], 0)).to.equal('NULLFAIL');
      expect(() => verifyInputs(good, [])).to.throw(/prevouts/);
    });
  });
});
