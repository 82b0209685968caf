/**
 * The embedded node under fee pressure: a mempool floor set through bcoin's
 * own option (RegtestNode#setMinFeeRate) and a miner that takes only packages
 * paying a rate (RegtestNode#mineAboveFeeRate), so that a low-fee transaction
 * stays unconfirmed until a child pays for it.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { ChannelError, type ErrorCode, feeForWeight, isFeeRejection } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { Coin, spendKey } from './support/spend-key';
import { rejectedCode, rejectionOf } from './support/errors';

const { key, SCRIPT, SCRIPT_CODE } = spendKey('revchan regtest-fees spec');

function signed(prev: Coin, fee: bigint, locktime = 0): bitcoin.Transaction {
  const tx = new bitcoin.Transaction();
  tx.version = 2;
  // With a final nSequence the lock time is not enforced: it only varies the signature.
  tx.locktime = locktime;
  tx.addInput(Buffer.from(prev.txid, 'hex').reverse(), prev.vout, 0xffffffff);
  tx.addOutput(SCRIPT, prev.value - fee);
  const sighash = tx.hashForWitnessV0(0, SCRIPT_CODE, prev.value, bitcoin.Transaction.SIGHASH_ALL);
  tx.setWitness(0, [bitcoin.script.signature.encode(key.sign(sighash, true), bitcoin.Transaction.SIGHASH_ALL), key.publicKey]);
  return tx;
}

/**
 * A one-in one-out spend of `prev` whose fee is `feeFor` its own weight. The
 * signature's length, and so the weight, can change with the fee; signatures
 * are ground to a low R (ECPair's lowR), so they seldom do, and another lock
 * time gives other signatures when they do.
 */
function spendWithFee(prev: Coin, feeFor: (weight: number) => bigint): bitcoin.Transaction {
  for (let locktime = 0; locktime < 64; locktime++) {
    const fee = feeFor(signed(prev, 1000n, locktime).weight());
    const tx = signed(prev, fee, locktime);
    if (feeFor(tx.weight()) === fee) return tx;
  }
  throw new Error('no fee agrees with the weight it gives');
}

const spendAt = (prev: Coin, satPerKw: bigint): bitcoin.Transaction => spendWithFee(prev, (w) => feeForWeight(w, satPerKw));
const vsize = (weight: number): bigint => BigInt(Math.ceil(weight / 4));

const outOf = (tx: bitcoin.Transaction): Coin => ({ txid: tx.getId(), vout: 0, value: tx.outs[0]!.value });
const feeOf = (tx: bitcoin.Transaction, prev: Coin): bigint => prev.value - tx.outs[0]!.value;

const rejection = rejectionOf;
const codeOf = rejectedCode;

describe('RegtestNode under fee pressure', function () {
  this.timeout(30_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  afterEach(() => node.setMinFeeRate(RegtestNode.DEFAULT_MIN_FEE_RATE));

  after(async () => {
    await node?.stop();
  });

  describe('setMinFeeRate', () => {
    it('refuses a transaction below the floor with bcoin\'s reason, accepts one above, and the default restores', async () => {
      const a = await node.fund(SCRIPT, 100_000n);
      const b = await node.fund(SCRIPT, 100_000n);
      const low = spendAt(a, 1000n);
      const high = spendAt(b, 2100n);
      node.setMinFeeRate(2000n);

      const err = await rejection(node.broadcast(low.toBuffer()));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      expect(err.details?.reason).to.equal('insufficient priority');
      expect(err.details?.rejectCode).to.equal('insufficientfee');
      expect(isFeeRejection(err)).to.equal(true);
      expect(node.mempoolHas(low.getId())).to.equal(false);
      expect(await node.broadcast(high.toBuffer())).to.equal(high.getId());

      node.setMinFeeRate(RegtestNode.DEFAULT_MIN_FEE_RATE);
      expect(await node.broadcast(low.toBuffer())).to.equal(low.getId());
      await node.mine(1);
    });

    it('compares the fee with the floor over the virtual size rounded up, as bcoin does', async () => {
      // 2000 sat/kw is 8000 sat/kvB: the fee must reach 8 sat per vbyte of ceil(weight / 4).
      const c = await node.fund(SCRIPT, 100_000n);
      const below = spendWithFee(c, (w) => 8n * vsize(w) - 1n);
      const at = spendWithFee(c, (w) => 8n * vsize(w));
      node.setMinFeeRate(2000n);
      expect((await rejection(node.broadcast(below.toBuffer()))).details?.reason).to.equal('insufficient priority');
      expect(await node.broadcast(at.toBuffer())).to.equal(at.getId());
      await node.mine(1);
    });

    it('refuses a floor below the default or not a bigint sat/kw', async () => {
      for (const r of [249n, 0n, -1n, 100_000_001n, 1000 as unknown as bigint]) {
        expect(() => node.setMinFeeRate(r), String(r)).to.throw(ChannelError).with.property('code', 'INVALID_FEE_RATE');
      }
    });
  });

  describe('mineAboveFeeRate', () => {
    it('leaves a parent paying 300 sat/kw in the mempool until a child pays for the package; then both confirm', async () => {
      const f = await node.fund(SCRIPT, 100_000n);
      const parent = spendAt(f, 300n);
      await node.broadcast(parent.toBuffer());
      await node.mineAboveFeeRate(2, 2000n);
      expect(node.mempoolHas(parent.getId()), 'parent still waiting').to.equal(true);

      // The child's fee lifts parent + child to 2000 sat/kw over both weights.
      const parentFee = feeOf(parent, f);
      const child = spendWithFee(outOf(parent), (w) => feeForWeight(parent.weight() + w, 2000n) - parentFee);
      const packageFee = parentFee + feeOf(child, outOf(parent));
      expect(packageFee * 1000n >= 2000n * BigInt(parent.weight() + child.weight()), 'package reaches the rate').to.equal(true);
      await node.broadcast(child.toBuffer());

      const [hash] = await node.mineAboveFeeRate(1, 2000n);
      const tip = await node.getTip();
      expect(tip.hash).to.equal(hash);
      for (const tx of [parent, child]) {
        expect((await node.getTransaction(tx.getId()))?.blockHeight, tx.getId()).to.equal(tip.height);
        expect(node.mempoolHas(tx.getId())).to.equal(false);
      }
    });

    it('takes a package exactly at the rate and leaves it one sat/kw below; other packages are judged apart', async () => {
      const f = await node.fund(SCRIPT, 100_000n);
      const g = await node.fund(SCRIPT, 100_000n);
      const cheap = spendAt(f, 500n);
      const rich = spendAt(g, 5000n);
      await node.broadcast(cheap.toBuffer());
      await node.broadcast(rich.toBuffer());
      // The rate the cheap one reaches exactly: fee * 1000 / weight, rounded down.
      const exact = (feeOf(cheap, f) * 1000n) / BigInt(cheap.weight());

      await node.mineAboveFeeRate(1, exact + 1n);
      expect(node.mempoolHas(cheap.getId())).to.equal(true);
      expect(node.mempoolHas(rich.getId())).to.equal(false);
      await node.mineAboveFeeRate(1, exact);
      expect(node.mempoolHas(cheap.getId())).to.equal(false);
    });

    it('a child too poor for the package leaves both waiting; mine() still takes everything', async () => {
      const f = await node.fund(SCRIPT, 100_000n);
      const parent = spendAt(f, 300n);
      const child = spendAt(outOf(parent), 2500n);
      await node.broadcast(parent.toBuffer());
      await node.broadcast(child.toBuffer());
      // The child alone pays 2500 sat/kw, but the package falls below 2000: neither is taken.
      await node.mineAboveFeeRate(1, 2000n);
      expect(node.mempoolHas(parent.getId())).to.equal(true);
      expect(node.mempoolHas(child.getId())).to.equal(true);
      expect(await node.mineAboveFeeRate(0, 2000n)).to.deep.equal([]);

      await node.mine(1);
      expect(await node.getMempoolTxids()).to.deep.equal([]);
    });

    it('refuses bad arguments with typed errors', async () => {
      expect(await codeOf(node.mineAboveFeeRate(-1, 1000n))).to.equal('INVALID_ARGUMENT');
      expect(await codeOf(node.mineAboveFeeRate(1.5, 1000n))).to.equal('INVALID_ARGUMENT');
      expect(await codeOf(node.mineAboveFeeRate(1, -1n))).to.equal('INVALID_FEE_RATE');
      expect(await codeOf(node.mineAboveFeeRate(1, 1000 as unknown as bigint))).to.equal('INVALID_FEE_RATE');
    });
  });
});
