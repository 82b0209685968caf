/**
 * The test kit's flaky ChainBackend (test/support/flaky-backend.ts) over the
 * embedded node: planned calls fail with CHAIN_BACKEND 'timeout' at once,
 * after a wait, or after the node did the work; the others reach the node.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { ChannelError, ErrorCode, p2wpkhScript } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { spendP2wpkh } from './support/adversarial';
import { flaky } from './support/flaky-backend';
import { testKey } from './support/keys';

async function failure(p: Promise<unknown>): Promise<{ code: ErrorCode | 'no error'; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    const err = e as ChannelError;
    return { code: err.code, ...(err.details ? { details: err.details } : {}) };
  }
  return { code: 'no error' };
}

describe('test kit: flaky chain backend', function () {
  this.timeout(30_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  it('fails the listed calls of each method without reaching the node, and passes the others through', async () => {
    const b = flaky(node, { getTip: [2, 3], getBlockHash: (call) => call % 2 === 0 });
    const tip = await node.getTip();
    expect(await b.getTip()).to.deep.equal(tip);
    for (const call of [2, 3]) {
      const f = await failure(b.getTip());
      expect(f.code).to.equal('CHAIN_BACKEND');
      expect(f.details).to.deep.include({ method: 'getTip', call, fault: 'fail' });
    }
    expect(await b.getTip()).to.deep.equal(tip);
    expect(await b.getBlockHash(tip.height)).to.equal(tip.hash);
    expect((await failure(b.getBlockHash(tip.height))).code).to.equal('CHAIN_BACKEND');
    expect(await b.getBlockHash(tip.height)).to.equal(tip.hash);
    expect(b.calls.getTip).to.equal(4);
    expect(b.calls.getBlockHash).to.equal(3);
    expect(b.faults.map((f) => `${f.method}#${f.call}`)).to.deep.equal(['getTip#2', 'getTip#3', 'getBlockHash#2']);
    // Every method is there, the optional ones because the node has them.
    for (const m of ['getTransaction', 'getBlock', 'getSpender', 'getConfirmations', 'getMempoolTxids'] as const) expect(b[m], m).to.be.a('function');
    // Argument checks are the node's, reached as before.
    expect((await failure(b.getBlock(-1))).code).to.equal('INVALID_ARGUMENT');
  });

  it('a failed broadcast never reached the mempool; a lost one did, though its caller saw the error', async () => {
    const key = testKey('flaky backend spec');
    const script = p2wpkhScript(key.pub);
    const dest = p2wpkhScript(testKey('flaky backend destination').pub);
    const coin = await node.fund(script, 50_000n);
    const b = flaky(node, { broadcast: { fail: [1], lost: [2] } });
    const tx = spendP2wpkh(Transaction.fromBuffer(coin.tx), coin.vout, key.priv, dest, 1000n);
    expect((await failure(b.broadcast(tx.toBuffer()))).code).to.equal('CHAIN_BACKEND');
    expect(node.mempoolHas(tx.getId()), 'failed: not sent').to.equal(false);
    const lost = await failure(b.broadcast(tx.toBuffer()));
    expect(lost.code).to.equal('CHAIN_BACKEND');
    expect(lost.details?.fault).to.equal('lost');
    expect(node.mempoolHas(tx.getId()), 'lost: sent, answer dropped').to.equal(true);
    // Broadcasting again is how a caller finds out: the node says it has it.
    expect(await b.broadcast(tx.toBuffer())).to.equal(tx.getId());
    await node.mine(1);
  });

  it('a hanging call fails after the wait, without reaching the node', async () => {
    const b = flaky(node, { getMempoolTxids: { hang: [1] } }, { hangMs: 120 });
    const t0 = Date.now();
    const f = await failure(b.getMempoolTxids!());
    expect(Date.now() - t0).to.be.at.least(100);
    expect(f.code).to.equal('CHAIN_BACKEND');
    expect(f.details?.fault).to.equal('hang');
    expect(await b.getMempoolTxids!()).to.be.an('array');
  });

  it('leaves out the optional methods the wrapped backend does not have', () => {
    const bare = flaky({
      getTip: () => node.getTip(), broadcast: (raw) => node.broadcast(raw), getTransaction: (t) => node.getTransaction(t),
      getBlock: (h) => node.getBlock(h), getBlockHash: (h) => node.getBlockHash(h), getSpender: (o) => node.getSpender(o),
    }, {});
    expect(bare.getMempoolTxids).to.equal(undefined);
    expect(bare.getConfirmations).to.equal(undefined);
  });
});
