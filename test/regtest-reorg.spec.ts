/**
 * RegtestNode#reorg: bcoin's own reorganisation onto a longer branch mined on
 * an older block, with what the branch holds, what returns to the mempool and
 * what vanishes (drop) read back through the ChainBackend methods a watcher
 * uses.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { ChannelError, type ErrorCode } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { Coin, spendKey } from './support/spend-key';

const { key, SCRIPT, SCRIPT_CODE } = spendKey('revchan regtest-reorg spec');

/** A signed one-in one-out P2WPKH spend of `prev` back to SCRIPT. */
function spend(prev: Coin, o: { fee?: bigint; locktime?: number } = {}): bitcoin.Transaction {
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  tx.locktime = o.locktime ?? 0;
  tx.addInput(Buffer.from(prev.txid, 'hex').reverse(), prev.vout, o.locktime === undefined ? 0xffffffff : 0xfffffffe);
  tx.addOutput(SCRIPT, prev.value - (o.fee ?? 1_000n));
  const sighash = tx.hashForWitnessV0(0, SCRIPT_CODE, prev.value, bitcoin.Transaction.SIGHASH_ALL);
  tx.setWitness(0, [bitcoin.script.signature.encode(key.sign(sighash), bitcoin.Transaction.SIGHASH_ALL), key.publicKey]);
  return tx;
}

const outOf = (tx: bitcoin.Transaction): Coin => ({ txid: tx.getId(), vout: 0, value: tx.outs[0]!.value });

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'no error'> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return (e as ChannelError).code;
  }
  return 'no error';
}

describe('RegtestNode#reorg', function () {
  this.timeout(30_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
    await node.mine(5);
  });

  after(async () => {
    await node?.stop();
  });

  async function hashesAt(from: number, to: number): Promise<(string | undefined)[]> {
    const out: (string | undefined)[] = [];
    for (let h = from; h <= to; h++) out.push(await node.getBlockHash(h));
    return out;
  }

  it('replaces the last blocks by a longer branch that holds their transactions, at the new heights', async () => {
    const f = await node.fund(SCRIPT, 50_000n);
    const h0 = (await node.getTip()).height;
    const s = spend(f);
    await node.broadcast(s.toBuffer());
    await node.mine(1);
    const before = await hashesAt(h0, h0 + 1);
    expect((await node.getSpender(f))?.blockHeight).to.equal(h0 + 1);

    const branch = await node.reorg(2);
    expect(branch).to.have.length(3);
    const tip = await node.getTip();
    expect(tip.height).to.equal(h0 + 2);
    expect(tip.hash).to.equal(branch[2]);
    const after = await hashesAt(h0, h0 + 2);
    expect(after).to.deep.equal(branch);
    expect(after[0]).to.not.equal(before[0]);
    expect(after[1]).to.not.equal(before[1]);
    expect(await node.getBlockHash(h0 - 1), 'the fork block stays').to.be.a('string');

    // A miner on the fork block had both in its mempool: they go in its first block.
    const first = bitcoin.Block.fromBuffer(await node.getBlock(h0));
    expect(first.getId()).to.equal(branch[0]);
    expect(first.transactions!.map((t) => t.getId())).to.include.members([f.txid, s.getId()]);
    expect((await node.getTransaction(f.txid))?.blockHeight).to.equal(h0);
    expect((await node.getTransaction(s.getId()))?.blockHeight).to.equal(h0);
    expect(await node.getSpender(f)).to.deep.equal({ txid: s.getId(), tx: Uint8Array.from(s.toBuffer()), inputIndex: 0, blockHeight: h0 });
    expect(await node.getConfirmations(s.getId())).to.equal(3);
    expect(await node.getMempoolTxids()).to.not.include(s.getId());
  });

  it('puts a transaction in the first block of the branch where its lock time lets it in', async () => {
    const f = await node.fund(SCRIPT, 50_000n);
    const g = await node.fund(SCRIPT, 50_000n);
    const h0 = (await node.getTip()).height - 1;
    // Final from height h0 + 2 on, so the replaced block h0 + 2 held it, and so does the branch's block there.
    const locked = spend(g, { locktime: h0 + 1 });
    const plain = spend(f);
    await node.broadcast(locked.toBuffer());
    await node.broadcast(plain.toBuffer());
    await node.mine(1);

    await node.reorg(3);
    expect((await node.getTransaction(plain.getId()))?.blockHeight).to.equal(h0);
    expect((await node.getTransaction(locked.getId()))?.blockHeight).to.equal(h0 + 2);
  });

  it('empty: the branch holds coinbases only, and the replaced blocks\' transactions are back in the mempool', async () => {
    const f = await node.fund(SCRIPT, 50_000n);
    const s = spend(f);
    await node.broadcast(s.toBuffer());
    await node.mine(1);
    const tip = await node.getTip();
    // bcoin gives nothing back to a mempool that is empty when a block is disconnected; the node must anyway.
    expect(await node.getMempoolTxids()).to.deep.equal([]);

    const branch = await node.reorg(2, { empty: true });
    for (const h of [tip.height - 1, tip.height, tip.height + 1]) {
      expect(bitcoin.Block.fromBuffer(await node.getBlock(h)).transactions, `block ${h}`).to.have.length(1);
    }
    expect(branch).to.have.length(3);
    expect((await node.getMempoolTxids()).sort()).to.deep.equal([f.txid, s.getId()].sort());
    expect(await node.getTransaction(f.txid)).to.have.keys(['tx']);
    expect(await node.getSpender(f)).to.deep.equal({ txid: s.getId(), tx: Uint8Array.from(s.toBuffer()), inputIndex: 0 });
    expect(await node.getConfirmations(s.getId())).to.equal(0);

    await node.mine(1);
    expect((await node.getSpender(f))?.blockHeight).to.equal(tip.height + 2);
  });

  it('empty: a child waiting in the mempool for a replaced transaction is back behind its parent', async () => {
    const f = await node.fund(SCRIPT, 50_000n);
    const s = spend(f);
    await node.broadcast(s.toBuffer());
    await node.mine(1);
    const child = spend(outOf(s));
    await node.broadcast(child.toBuffer());

    await node.reorg(2, { empty: true });
    for (const txid of [f.txid, s.getId(), child.getId()]) expect(node.mempoolHas(txid), txid).to.equal(true);
    await node.mine(1);
    const tip = await node.getTip();
    for (const txid of [f.txid, s.getId(), child.getId()]) expect((await node.getTransaction(txid))?.blockHeight, txid).to.equal(tip.height);
  });

  it('drop: a confirmed spend and what spends it vanish from the chain and the mempool', async () => {
    const f = await node.fund(SCRIPT, 50_000n);
    const fundedAt = (await node.getTip()).height;
    const s = spend(f);
    const child = spend(outOf(s));
    await node.broadcast(s.toBuffer());
    await node.broadcast(child.toBuffer());
    const other = await node.fund(SCRIPT, 40_000n);
    await node.mine(1);
    expect((await node.getSpender(f))?.blockHeight).to.equal(fundedAt + 2);
    // Waiting in the mempool meanwhile: the branch's miner has it too.
    const bystander = spend(other);
    await node.broadcast(bystander.toBuffer());

    await node.reorg(1, { drop: [s.getId()] });
    for (const txid of [s.getId(), child.getId()]) {
      expect(await node.getTransaction(txid), txid).to.equal(undefined);
      expect(node.mempoolHas(txid)).to.equal(false);
    }
    expect(await node.getSpender(f)).to.equal(undefined);
    expect(await node.getSpender(outOf(s))).to.equal(undefined);
    expect((await node.getTransaction(f.txid))?.blockHeight, 'the funding below the fork stays').to.equal(fundedAt);
    expect((await node.getTransaction(bystander.getId()))?.blockHeight, 'mined in the branch').to.equal((await node.getTip()).height - 1);

    // The output is unspent again: another spend of it is accepted and confirms.
    const again = spend(f, { fee: 2_000n });
    await node.broadcast(again.toBuffer());
    await node.mine(1);
    expect((await node.getSpender(f))?.txid).to.equal(again.getId());
  });

  it('drop also takes a transaction waiting in the mempool; the rest of the mempool is mined in the branch', async () => {
    const f = await node.fund(SCRIPT, 50_000n);
    const g = await node.fund(SCRIPT, 50_000n);
    const gone = spend(f);
    const kept = spend(g);
    await node.broadcast(gone.toBuffer());
    await node.broadcast(kept.toBuffer());
    const branch = await node.reorg(1, { drop: [gone.getId()] });
    expect(node.mempoolHas(gone.getId())).to.equal(false);
    expect(await node.getTransaction(gone.getId())).to.equal(undefined);
    expect(await node.getSpender(f)).to.equal(undefined);
    const tip = await node.getTip();
    expect(tip.hash).to.equal(branch[1]);
    expect((await node.getTransaction(kept.getId()))?.blockHeight).to.equal(tip.height - 1);
  });

  it('extra lengthens the branch; reorgs queue behind mining like every call that extends the chain', async () => {
    const start = (await node.getTip()).height;
    const long = await node.reorg(1, { extra: 3 });
    expect(long).to.have.length(4);
    expect((await node.getTip()).height).to.equal(start + 3);

    const [a, r, b] = await Promise.all([node.mine(1), node.reorg(2), node.mine(1)]);
    const tip = await node.getTip();
    expect(tip.height).to.equal(start + 3 + 3);
    expect(tip.hash).to.equal(b[0]);
    expect(await node.getBlockHash(start + 3 + 2)).to.equal(r[2]);
    expect(r).to.not.include(a[0]);
    expect(await node.getBlockHash(start + 3 + 1)).to.equal(r[1]);
  });

  it('refuses bad arguments with typed errors and leaves the chain as it was', async () => {
    const tip = await node.getTip();
    const deepest = tip.height - RegtestNode.START_HEIGHT;
    const f = await node.fund(SCRIPT, 30_000n);
    const buried = await node.getTip();
    await node.mine(1);
    const cases: [string, () => Promise<unknown>][] = [
      ['depth 0', () => node.reorg(0)],
      ['negative depth', () => node.reorg(-1)],
      ['fractional depth', () => node.reorg(1.5)],
      ['depth as a bigint', () => node.reorg(1n as unknown as number)],
      ['deeper than the blocks mined since the start', () => node.reorg(deepest + 3)],
      ['extra 0 (no more work than the active chain)', () => node.reorg(1, { extra: 0 })],
      ['negative extra', () => node.reorg(1, { extra: -2 })],
      ['drop not an array', () => node.reorg(1, { drop: f.txid as unknown as string[] })],
      ['drop with an uppercase txid', () => node.reorg(1, { drop: [f.txid.toUpperCase()] })],
      ['drop of a transaction below the fork', () => node.reorg(1, { drop: [f.txid] })],
      ['drop of an unknown transaction', () => node.reorg(1, { drop: ['00'.repeat(32)] })],
      ['empty not a boolean', () => node.reorg(1, { empty: 'yes' as unknown as boolean })],
      ['null options', () => node.reorg(1, null as unknown as object)],
    ];
    for (const [name, call] of cases) expect(await codeOf(call()), name).to.equal('INVALID_ARGUMENT');
    const now = await node.getTip();
    expect(now.height).to.equal(buried.height + 1);
    expect((await node.getTransaction(f.txid))?.blockHeight).to.equal(buried.height);
  });
});
