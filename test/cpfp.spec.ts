/**
 * Child pays for parent (lib/tx/cpfp.ts): the fee arithmetic to the satoshi,
 * the child proved by bcoin's interpreter, and on the embedded node a parent
 * too cheap for a congested miner confirmed by its child.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  CPFP_MIN_FEE_RATE, ChannelError, CpfpParams, maxCpfpPackageFeeRate, DUST_P2WPKH, RBF_SEQUENCE, buildCpfpTx, cpfpMaxWeight, decodeSignature, feeForWeight,
  p2wpkhScript, p2wshScript, signCpfpTx,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { spendP2wpkh } from './support/adversarial';
import { testKey } from './support/keys';
import { verifyInputs } from './support/verify';

const owner = testKey('cpfp output');
const stranger = testKey('cpfp stranger');
const ownScript = p2wpkhScript(owner.pub);
const dest = p2wpkhScript(testKey('cpfp destination').pub);

/** A signed-looking parent: one segwit input, a P2WSH output and 50 000 sat to wpkh(owner) at vout 1. */
function syntheticParent(): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(new Uint8Array(32).fill(7), 0, 0xfffffffd);
  tx.setWitness(0, [new Uint8Array(72).fill(1), new Uint8Array(33).fill(2)]);
  tx.addOutput(p2wshScript(Uint8Array.of(0x51)), 100_000n);
  tx.addOutput(ownScript, 50_000n);
  return tx;
}

const parent = syntheticParent();
const base: CpfpParams = { parent: parent.toBuffer(), vout: 1, outputKey: owner.pub, parentFee: 150n, packageFeeRate: 2000n, destinationScript: dest };
const childFee = (child: Transaction, value = 50_000n): bigint => value - child.outs[0]!.value;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return (e as ChannelError).code;
  }
  return 'no error';
}

describe('child pays for parent', () => {
  describe('maxCpfpPackageFeeRate', () => {
    it('is the highest package rate whose child still leaves the destination dust: one sat/kw more eats it', () => {
      const reach = { parent: parent.toBuffer(), vout: 1, parentFee: 150n, destinationScript: dest };
      const most = maxCpfpPackageFeeRate(reach);
      const child = buildCpfpTx({ ...base, packageFeeRate: most });
      expect(child.outs[0]!.value >= DUST_P2WPKH).to.equal(true);
      expect(codeOf(() => buildCpfpTx({ ...base, packageFeeRate: most + 2n }))).to.equal('FEE_EXCEEDS_OUTPUT');
      // A parent paying more leaves more of the package to it: the reach grows.
      expect(maxCpfpPackageFeeRate({ ...reach, parentFee: 10_000n }) > most).to.equal(true);
      // An output of dust or less pays for no child at all.
      const poor = syntheticParent();
      poor.outs[1]!.value = DUST_P2WPKH;
      expect(maxCpfpPackageFeeRate({ ...reach, parent: poor.toBuffer() })).to.equal(0n);
    });
  });

  describe('buildCpfpTx and signCpfpTx', () => {
    it('spends the output with RBF signalled, version 2, nLockTime 0, to the destination', () => {
      const child = buildCpfpTx(base);
      expect(child.version).to.equal(2);
      expect(child.locktime).to.equal(0);
      expect(child.ins).to.have.length(1);
      expect(Buffer.from(child.ins[0]!.hash).equals(Buffer.from(parent.getHash()))).to.equal(true);
      expect(child.ins[0]!.index).to.equal(1);
      expect(child.ins[0]!.sequence).to.equal(RBF_SEQUENCE);
      expect(child.outs).to.have.length(1);
      expect(Buffer.from(child.outs[0]!.script).equals(Buffer.from(dest))).to.equal(true);
    });

    it('pays exactly what lifts parent + child (at its largest) to the package rate', () => {
      const maxWeight = cpfpMaxWeight(dest.length);
      for (const rate of [1000n, 2000n, 2500n, 12_345n]) {
        const child = buildCpfpTx({ ...base, packageFeeRate: rate });
        const total = base.parentFee + childFee(child);
        expect(total, `${rate}`).to.equal(feeForWeight(parent.weight() + maxWeight, rate));
        // Reached, and not exceeded by a whole satoshi: total - rate * weight / 1000 is in [0, 1).
        const excess = total * 1000n - rate * BigInt(parent.weight() + maxWeight);
        expect(excess >= 0n && excess < 1000n, `${rate}: excess ${excess}/1000 sat`).to.equal(true);
        // The signed child is at most that heavy, so the real package pays at least the rate.
        const signed = signCpfpTx({ ...base, packageFeeRate: rate }, owner.priv);
        expect(signed.weight()).to.be.at.most(maxWeight);
        expect(total * 1000n >= rate * BigInt(parent.weight() + signed.weight())).to.equal(true);
      }
    });

    it('never lets the child alone pay below its floor, whatever the parent paid', () => {
      const maxWeight = cpfpMaxWeight(dest.length);
      const rich = buildCpfpTx({ ...base, parentFee: 40_000n });
      expect(childFee(rich)).to.equal(feeForWeight(maxWeight, CPFP_MIN_FEE_RATE));
      const own = buildCpfpTx({ ...base, parentFee: 40_000n, minFeeRate: 1000n });
      expect(childFee(own)).to.equal(feeForWeight(maxWeight, 1000n));
      // The floor relays: at least 1 sat per vbyte of the child as signed, rounded up.
      const signed = signCpfpTx({ ...base, parentFee: 40_000n }, owner.priv);
      expect(childFee(signed) >= BigInt(Math.ceil(signed.weight() / 4))).to.equal(true);
    });

    it('signs with the output\'s key: the same transaction, a low-S signature, and bcoin\'s interpreter accepts it', () => {
      const unsigned = buildCpfpTx(base);
      const signed = signCpfpTx(base, owner.priv);
      expect(signed.getId()).to.equal(unsigned.getId());
      const [sig, pub] = signed.ins[0]!.witness;
      expect(decodeSignature(sig!)).to.not.equal(undefined);
      expect(Buffer.from(pub!).equals(Buffer.from(owner.pub))).to.equal(true);
      expect(() => verifyInputs(signed.toBuffer(), [{ script: ownScript, value: 50_000n }])).to.not.throw();
      // BIP 143 commits to the amount: the same signature over another value fails.
      expect(() => verifyInputs(signed.toBuffer(), [{ script: ownScript, value: 50_001n }])).to.throw(/NULLFAIL/);
    });

    it('leaves its parameters as they were', () => {
      const p = { ...base, parent: Uint8Array.from(base.parent), destinationScript: Uint8Array.from(dest) };
      const before = JSON.stringify({ ...p, parentFee: String(p.parentFee), packageFeeRate: String(p.packageFeeRate) });
      signCpfpTx(p, owner.priv);
      expect(codeOf(() => buildCpfpTx({ ...p, packageFeeRate: 100_000_000n }))).to.equal('FEE_EXCEEDS_OUTPUT');
      expect(JSON.stringify({ ...p, parentFee: String(p.parentFee), packageFeeRate: String(p.packageFeeRate) })).to.equal(before);
    });

    it('refuses bad parameters with typed codes', () => {
      const maxWeight = cpfpMaxWeight(dest.length);
      // parentFee that leaves `left` sat to the destination at 400 000 sat/kw.
      const leaving = (left: bigint) => feeForWeight(parent.weight() + maxWeight, 400_000n) - (50_000n - left);
      const rows: [string, () => unknown, string][] = [
        ['null parameters', () => buildCpfpTx(null as unknown as CpfpParams), 'INVALID_ARGUMENT'],
        ['an output of another key', () => buildCpfpTx({ ...base, outputKey: stranger.pub }), 'INVALID_SCRIPT'],
        ['the P2WSH output', () => buildCpfpTx({ ...base, vout: 0 }), 'INVALID_SCRIPT'],
        ['an output the parent does not have', () => buildCpfpTx({ ...base, vout: 2 }), 'INVALID_ARGUMENT'],
        ['a parent that does not parse', () => buildCpfpTx({ ...base, parent: Uint8Array.of(1, 2, 3) }), 'INVALID_TRANSACTION'],
        ['a zero parent fee', () => buildCpfpTx({ ...base, parentFee: 0n }), 'INVALID_AMOUNT'],
        ['a package rate as a number', () => buildCpfpTx({ ...base, packageFeeRate: 2000 as unknown as bigint }), 'INVALID_FEE_RATE'],
        ['an OP_RETURN destination', () => buildCpfpTx({ ...base, destinationScript: Uint8Array.of(0x6a, 1, 1) }), 'INVALID_SCRIPT'],
        ['a fee leaving dust', () => buildCpfpTx({ ...base, packageFeeRate: 400_000n, parentFee: leaving(DUST_P2WPKH - 1n) }), 'FEE_EXCEEDS_OUTPUT'],
        ['a fee leaving exactly the dust limit', () => buildCpfpTx({ ...base, packageFeeRate: 400_000n, parentFee: leaving(DUST_P2WPKH) }), 'no error'],
        ['signed with another key', () => signCpfpTx(base, stranger.priv), 'INVALID_KEY'],
      ];
      for (const [name, f, code] of rows) expect(codeOf(f), name).to.equal(code);
    });
  });

  describe('on the embedded node', function () {
    this.timeout(30_000);
    let node: RegtestNode;
    const wallet = testKey('cpfp wallet');
    const walletScript = p2wpkhScript(wallet.pub);

    before(async () => {
      node = await RegtestNode.start();
    });

    after(async () => {
      await node?.stop();
    });

    /** A parent paying `rate` (at its largest signature) from a fresh wallet coin to wpkh(owner), broadcast. */
    async function stuckParent(rate: bigint): Promise<{ tx: Transaction; fee: bigint }> {
      const coin = await node.fund(walletScript, 100_000n);
      const tx = spendP2wpkh(Transaction.fromBuffer(coin.tx), coin.vout, wallet.priv, ownScript, rate);
      await node.broadcast(tx.toBuffer());
      return { tx, fee: coin.value - tx.outs[0]!.value };
    }

    it('a parent at 300 sat/kw waits under a 2000 sat/kw miner; its child at 2000 for the package confirms both in the next block', async () => {
      const p = await stuckParent(300n);
      await node.mineAboveFeeRate(2, 2000n);
      expect(node.mempoolHas(p.tx.getId()), 'parent still waiting').to.equal(true);

      const child = signCpfpTx({
        parent: p.tx.toBuffer(), vout: 0, outputKey: owner.pub, parentFee: p.fee, packageFeeRate: 2000n, destinationScript: dest,
      }, owner.priv);
      expect(() => verifyInputs(child.toBuffer(), [{ script: ownScript, value: p.tx.outs[0]!.value }])).to.not.throw();
      expect(await node.broadcast(child.toBuffer())).to.equal(child.getId());

      const [hash] = await node.mineAboveFeeRate(1, 2000n);
      const tip = await node.getTip();
      expect(tip.hash).to.equal(hash);
      for (const tx of [p.tx, child]) expect((await node.getTransaction(tx.getId()))?.blockHeight, tx.getId()).to.equal(tip.height);
      expect(await node.getSpender({ txid: p.tx.getId(), vout: 0 })).to.deep.include({ txid: child.getId(), blockHeight: tip.height });
    });

    it('a child that lifts the package to 1900 sat/kw leaves both waiting under a 2000 sat/kw miner', async () => {
      const p = await stuckParent(300n);
      const child = signCpfpTx({
        parent: p.tx.toBuffer(), vout: 0, outputKey: owner.pub, parentFee: p.fee, packageFeeRate: 1900n, destinationScript: dest,
      }, owner.priv);
      await node.broadcast(child.toBuffer());
      await node.mineAboveFeeRate(1, 2000n);
      expect(node.mempoolHas(p.tx.getId())).to.equal(true);
      expect(node.mempoolHas(child.getId())).to.equal(true);
      await node.mineAboveFeeRate(1, 1900n);
      expect(node.mempoolHas(p.tx.getId())).to.equal(false);
      expect(node.mempoolHas(child.getId())).to.equal(false);
    });
  });
});
