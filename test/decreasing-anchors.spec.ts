/**
 * The decreasing-lock channel's anchors and the child that pays through one
 * (issue 16, seed 004's question): an anchor of each party on every state and
 * on the kickoff, even where a balance is 0; the child's fee to the satoshi;
 * and on the embedded node the newest state, stuck below what a congested
 * miner takes, confirmed by its anchor's child before the older state's lock
 * opens, by hand and by the watcher.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ANCHOR_VALUE, DecreasingParty, DecreasingWatchEvent, DecreasingWatcher, buildDecreasingAnchorChildTx, buildDecreasingStateTx,
  compileAnchorScript, anchorChildWeight, decreasingPackageRate, decreasingWeights, explainTransaction, feeForWeight, p2wpkhScript,
  p2wshScript, signDecreasingAnchorChildTx, toHex, verifyDecreasingParams,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { CAPACITY, CHAIN, FEE_RATE, STEP, decreasingKeys, openDecreasing, paramsFor, payDecreasing, wire } from './constructions/decreasing/kit';
import { openDecreasingOnChain } from './constructions/decreasing/on-chain';
import { mineTo, rejectionOf } from './support/e2e';
import { codeOf } from './support/errors';
import { testKey } from './support/keys';
import { verifyInputs } from './support/verify';

const L0 = CHAIN.height + 100;
const wallet = testKey('decreasing anchors wallet');
const walletScript = p2wpkhScript(wallet.pub);
const coin = { txid: 'ab'.repeat(32), vout: 1, value: 50_000n, key: wallet.pub };

/** a pays b everything it has: a's balance is 0 in the newest state, and only its anchor is left to it. */
function emptied(form: 'locktime' | 'kickoff', label: string) {
  const c = openDecreasing(form, { label, initialLock: L0, updates: 4 });
  payDecreasing(c.a, c.b, c.a.balance - c.ctx.minFeeStep);
  expect(c.a.balance).to.equal(0n);
  return c;
}

describe('decreasing-lock anchors', () => {
  it('every state and the kickoff carry a\'s then b\'s anchor, 330 sat each, even when a balance is 0; the states divide what is left', () => {
    for (const form of ['locktime', 'kickoff'] as const) {
      const c = emptied(form, `anchors ${form}`);
      const anchors = c.ctx.anchors!;
      expect(toHex(anchors.aScript)).to.equal(toHex(p2wshScript(compileAnchorScript(c.keys.aFunding.pub))));
      const s = c.a.latestStateTx();
      expect(s.outs.map((o) => [toHex(o.script), BigInt(o.value)])).to.deep.equal([
        [toHex(p2wpkhScript(c.keys.bPayout.pub)), c.b.balance], [toHex(anchors.aScript), 330n], [toHex(anchors.bScript), 330n],
      ]);
      expect(c.ctx.stateCapacity).to.equal(c.ctx.stateInput - 2n * ANCHOR_VALUE);
      if (form === 'kickoff') expect(c.a.kickoffTx().outs.slice(1).map((o) => toHex(o.script))).to.deep.equal([toHex(anchors.aScript), toHex(anchors.bScript)]);
      // The close has no anchors: both parties agree its fee, and the anchors' value goes back to the balances.
      const close = c.b.onClose(wire(c.a.proposeClose(500n))).tx;
      expect(close.outs).to.have.length(2);
      expect(close.outs.reduce((t, o) => t + BigInt(o.value), 0n)).to.equal(CAPACITY - 500n);
    }
  });

  it('the Lightning anchor script, 40 bytes: <K_f> CHECKSIG IFDUP NOTIF 16 CSV ENDIF', () => {
    const k = decreasingKeys('script').aFunding.pub;
    expect(toHex(compileAnchorScript(k))).to.equal(`21${toHex(k)}ac736460b268`);
    expect(compileAnchorScript(k)).to.have.length(40);
  });

  it('weights and fees count the anchors; anchors: false gives states of two outputs', () => {
    const keys = decreasingKeys('weights');
    const w = decreasingWeights();
    const bare = decreasingWeights(false);
    // Two P2WSH outputs of 43 bytes each, at 4 weight units a byte.
    expect(w.state - bare.state).to.equal(2 * 43 * 4);
    expect(w.kickoff - bare.kickoff).to.equal(2 * 43 * 4);
    expect(w.close).to.equal(bare.state);
    expect(w.anchorChild).to.equal(anchorChildWeight(1, 22));
    const ctx = verifyDecreasingParams(paramsFor('locktime', keys, { initialLock: L0 }));
    expect(ctx.initialFee).to.equal(feeForWeight(w.state, FEE_RATE));
    const off = verifyDecreasingParams({ ...paramsFor('locktime', keys, { initialLock: L0 }), anchors: false });
    expect(off.anchors).to.equal(undefined);
    expect(off.initialFee).to.equal(feeForWeight(bare.state, FEE_RATE));
    expect(buildDecreasingStateTx({ ctx: off, index: 1, aBalance: 400_000n, bBalance: off.stateCapacity - 402_000n, fee: 2000n }).outs).to.have.length(2);
    expect(codeOf(() => verifyDecreasingParams({ ...paramsFor('locktime', keys), anchors: 'yes' as never }))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => decreasingWeights('no' as never))).to.equal('INVALID_ARGUMENT');
  });

  it('saved state keeps the choice; a saved channel without the field (from before anchors) restores without anchors', () => {
    const keys = decreasingKeys('saved anchors');
    const off = verifyDecreasingParams({ ...paramsFor('locktime', keys, { initialLock: L0 }), anchors: false });
    const a = DecreasingParty.open(off, 'a', keys.aFunding.priv);
    const b = DecreasingParty.open(off, 'b', keys.bFunding.priv);
    a.onInitialSigned(wire(b.initialSigned()));
    const saved = JSON.parse(JSON.stringify(a.toJSON()));
    expect(saved.params.anchors).to.equal(false);
    delete saved.params.anchors;
    expect(DecreasingParty.restore(saved, keys.aFunding.priv).latestStateTx().toHex()).to.equal(a.latestStateTx().toHex());
    const on = emptied('locktime', 'saved anchors on');
    const json = JSON.parse(JSON.stringify(on.a.toJSON()));
    expect(DecreasingParty.restore(json, on.keys.aFunding.priv).latestStateTx().toHex()).to.equal(on.a.latestStateTx().toHex());
    expect(codeOf(() => DecreasingParty.restore({ ...json, params: { ...json.params, anchors: 1 } }, on.keys.aFunding.priv))).to.equal('STATE_INVALID');
    // Anchors dropped from a saved channel that had them: state 0's signature no longer signs what is rebuilt.
    delete json.params.anchors;
    expect(codeOf(() => DecreasingParty.restore(json, on.keys.aFunding.priv))).to.equal('STATE_INVALID');
  });

  it('inspect names the anchors by the 2-of-2\'s keys (the kickoff, a duplex kickoff\'s shape too, never certain), and refuses an output posing as one', () => {
    const c = emptied('kickoff', 'inspect anchors');
    for (const tx of [c.a.latestStateTx(), c.a.kickoffTx()]) {
      const e = explainTransaction(tx);
      // A duplex channel's kickoff has the same shape, anchors and all: only the state is certain.
      expect(e.kind).to.be.oneOf(['decreasing-state', 'decreasing-kickoff']);
      expect(e.certain).to.equal(e.kind === 'decreasing-state');
      expect(e.outputs.slice(-2).every((o) => o.role.startsWith('anchor'))).to.equal(true);
    }
    const forged = c.a.latestStateTx();
    forged.outs[forged.outs.length - 1]!.script = p2wshScript(compileAnchorScript(decreasingKeys('stranger').aFunding.pub));
    expect(codeOf(() => explainTransaction(forged))).to.equal('NOT_A_CHANNEL_TX');
  });

  describe('the child through an anchor', () => {
    const c = emptied('locktime', 'child');
    const parent = c.a.latestStateTx();
    const base = { ctx: c.ctx, parent: parent.toBuffer(), role: 'a' as const, feeCoins: [coin], packageFeeRate: 5000n, destinationScript: walletScript };
    const parentFee = c.a.latest.fee;

    it('pays exactly what lifts parent + child (at its largest) to the package rate, spending the anchor and the coin', () => {
      for (const rate of [1000n, 5000n, 12_345n]) {
        const child = signDecreasingAnchorChildTx({ ...base, packageFeeRate: rate }, { fundingKey: c.keys.aFunding.priv, coinKeys: [wallet.priv] });
        const childFee = 330n + coin.value - BigInt(child.outs[0]!.value);
        expect(parentFee + childFee).to.equal(feeForWeight(parent.weight() + anchorChildWeight(1, 22), rate));
        expect(child.weight()).to.be.at.most(anchorChildWeight(1, 22));
        const r = decreasingPackageRate({ ...base, packageFeeRate: rate }, child);
        expect(r.parentFee).to.equal(parentFee);
        expect(r.rate >= rate).to.equal(true);
        expect(toHex(child.ins[0]!.hash)).to.equal(toHex(parent.getHash()));
        expect(child.ins[0]!.index).to.equal(parent.outs.length - 2);
        // bcoin's interpreter: the anchor's bump branch and the P2WPKH coin.
        expect(() => verifyInputs(child.toBuffer(), [{ script: c.ctx.anchors!.aScript, value: 330n }, { script: walletScript, value: coin.value }])).to.not.throw();
      }
      // b's anchor is the other one, signed with b's funding key.
      const bChild = signDecreasingAnchorChildTx({ ...base, role: 'b' }, { fundingKey: c.keys.bFunding.priv, coinKeys: [wallet.priv] });
      expect(bChild.ins[0]!.index).to.equal(parent.outs.length - 1);
      expect(toHex(c.a.signer.signAnchorChild({ parent: base.parent, feeCoins: [coin], packageFeeRate: 5000n, destinationScript: walletScript }, [wallet.priv]).toBuffer()))
        .to.equal(toHex(signDecreasingAnchorChildTx(base, { fundingKey: c.keys.aFunding.priv, coinKeys: [wallet.priv] }).toBuffer()));
    });

    it('pays for the kickoff through its anchors too, the kickoff\'s fee read from the channel', () => {
      const k = emptied('kickoff', 'child kickoff');
      const kickoff = k.a.kickoffTx();
      const p = { ...base, ctx: k.ctx, parent: kickoff.toBuffer(), role: 'b' as const };
      const child = signDecreasingAnchorChildTx(p, { fundingKey: k.keys.bFunding.priv, coinKeys: [wallet.priv] });
      expect(decreasingPackageRate(p, child).parentFee).to.equal(k.ctx.kickoffFee);
      expect(child.ins[0]!.index).to.equal(2);
      expect(() => verifyInputs(child.toBuffer(), [{ script: k.ctx.anchors!.bScript, value: 330n }, { script: walletScript, value: coin.value }])).to.not.throw();
    });

    it('refuses what it cannot build with typed codes', () => {
      const off = verifyDecreasingParams({ ...paramsFor('locktime', decreasingKeys('child off'), { initialLock: L0 }), anchors: false });
      const other = emptied('locktime', 'child other').a.latestStateTx();
      const rows: [string, () => unknown, string][] = [
        ['null', () => buildDecreasingAnchorChildTx(null as never), 'INVALID_ARGUMENT'],
        ['a channel without anchors', () => buildDecreasingAnchorChildTx({ ...base, ctx: off }), 'INVALID_ARGUMENT'],
        ['another channel\'s state', () => buildDecreasingAnchorChildTx({ ...base, parent: other.toBuffer() }), 'INVALID_TRANSACTION'],
        ['bytes that do not parse', () => buildDecreasingAnchorChildTx({ ...base, parent: Uint8Array.of(1, 2) }), 'INVALID_TRANSACTION'],
        ['no fee coin', () => buildDecreasingAnchorChildTx({ ...base, feeCoins: [] }), 'INVALID_ARGUMENT'],
        ['a coin too small for the fee', () => buildDecreasingAnchorChildTx({ ...base, feeCoins: [{ ...coin, value: 500n }] }), 'FEE_EXCEEDS_OUTPUT'],
        ['a role that is neither', () => buildDecreasingAnchorChildTx({ ...base, role: 'c' as never }), 'INVALID_ARGUMENT'],
        ['b\'s key for a\'s anchor', () => signDecreasingAnchorChildTx(base, { fundingKey: c.keys.bFunding.priv, coinKeys: [wallet.priv] }), 'INVALID_KEY'],
        ['a coin key that is not the coin\'s', () => signDecreasingAnchorChildTx(base, { fundingKey: c.keys.aFunding.priv, coinKeys: [c.keys.aFunding.priv] }), 'INVALID_KEY'],
        ['one key short', () => signDecreasingAnchorChildTx(base, { fundingKey: c.keys.aFunding.priv, coinKeys: [] }), 'INVALID_ARGUMENT'],
      ];
      for (const [name, f, code] of rows) expect(codeOf(f), name).to.equal(code);
    });
  });
});

describe('decreasing-lock anchors on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  const tip = async () => (await node.getTip()).height;

  it('the newest state, stuck at its fee under a 5000 sat/kw miner, is confirmed through a\'s anchor (a\'s balance 0) before the older state\'s lock', async () => {
    const l0 = (await tip()) + 4 * STEP;
    const c = await openDecreasingOnChain(node, 'locktime', 'regtest anchor cpfp', { initialLock: l0 });
    const view = { height: await tip(), medianTimePast: 0 };
    payDecreasing(c.b, c.a, 30_000n, view);
    const older = c.a.latestStateTx();
    payDecreasing(c.a, c.b, c.a.balance - c.ctx.minFeeStep, view);
    expect(c.a.balance).to.equal(0n);
    const newest = c.a.latestStateTx();
    const l2 = l0 - 2 * STEP;
    await mineTo(node, l2);
    expect(await node.broadcast(newest.toBuffer())).to.equal(newest.getId());
    const stateRate = (c.a.latest.fee * 1000n) / BigInt(newest.weight());
    expect(stateRate < 5000n, `state at ${stateRate} sat/kw`).to.equal(true);
    await node.mineAboveFeeRate(3, 5000n);
    expect(node.mempoolHas(newest.getId()), 'the state waits').to.equal(true);

    const funded = await node.fund(walletScript, 40_000n);
    const params = {
      ctx: c.ctx, parent: newest.toBuffer(), role: 'a' as const, packageFeeRate: 5000n, destinationScript: walletScript,
      feeCoins: [{ txid: funded.txid, vout: funded.vout, value: funded.value, key: wallet.pub }],
    };
    const child = c.a.signer.signAnchorChild(params, [wallet.priv]);
    const pkg = decreasingPackageRate(params, child);
    expect(await node.broadcast(child.toBuffer())).to.equal(child.getId());
    await node.mineAboveFeeRate(1, 5000n);
    const h = await tip();
    expect((await node.getTransaction(newest.getId()))?.blockHeight).to.equal(h);
    expect((await node.getTransaction(child.getId()))?.blockHeight).to.equal(h);
    // The package rate from the mined transactions: both fees over both weights.
    const mined = Transaction.fromBuffer((await node.getTransaction(child.getId()))!.tx);
    const childFee = 330n + funded.value - BigInt(mined.outs[0]!.value);
    const rate = ((c.a.latest.fee + childFee) * 1000n) / BigInt(newest.weight() + mined.weight());
    expect(rate).to.equal(pkg.rate);
    expect(rate >= 5000n, `package at ${rate} sat/kw`).to.equal(true);
    // Before the older state could enter a block (L_1 + 1); it is refused once its lock opens.
    expect(h <= l0 - STEP).to.equal(true);
    await mineTo(node, l0 - STEP);
    expect(String((await rejectionOf(node.broadcast(older.toBuffer()))).details?.reason)).to.match(/inputs-(spent|missingorspent)/);
  });

  it('kickoff form, by the watcher: close() sends the kickoff, an evicted or reorged-out kickoff goes out again, the stale state is non-BIP68-final, the newest is paid for through the anchor', async () => {
    const c = await openDecreasingOnChain(node, 'kickoff', 'regtest anchor watcher', { updates: 3 });
    const funded = await node.fund(walletScript, 40_000n);
    const watcher = new DecreasingWatcher({ backend: node, fromHeight: await tip(), finalDepth: 3, cpfpAfterBlocks: 1, urgentWithin: 2 });
    const events: DecreasingWatchEvent[] = [];
    watcher.on('event', (e) => events.push(e));
    watcher.watch(c.b, {
      feeCoins: [{ txid: funded.txid, vout: funded.vout, value: funded.value, key: wallet.pub }], coinKeys: [wallet.priv],
      destinationScript: walletScript, feeRate: 6000n, maxFeeRate: 20_000n,
    });
    const view = { height: await tip(), medianTimePast: 0 };
    const held = [c.b.latestStateTx()];
    payDecreasing(c.a, c.b, 10_000n, view);
    held.push(c.b.latestStateTx());
    payDecreasing(c.b, c.a, 2_000n, view);
    held.push(c.b.latestStateTx());
    const kickoff = c.b.kickoffTx();

    await watcher.poll();
    expect(node.mempoolHas(kickoff.getId()), 'no kickoff before close()').to.equal(false);
    watcher.close(c.b);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'duty')).to.deep.include({ duty: 'kickoff', txid: kickoff.getId() });
    expect(node.mempoolHas(kickoff.getId())).to.equal(true);
    // Evicted (a full mempool drops it): the next poll broadcasts it again.
    expect(node.evict(kickoff.getId())).to.equal(true);
    await watcher.poll();
    expect(node.mempoolHas(kickoff.getId()), 'rebroadcast after eviction').to.equal(true);
    await node.mine(1);
    await watcher.poll();
    // Reorged out and not mined again: the watcher sends it once more, and it is mined on the new branch.
    await node.reorg(1, { drop: [kickoff.getId()] });
    expect(node.mempoolHas(kickoff.getId())).to.equal(false);
    await watcher.poll();
    expect(node.mempoolHas(kickoff.getId()), 'rebroadcast after reorg').to.equal(true);
    await node.mine(1);
    const kh = (await node.getTransaction(kickoff.getId()))!.blockHeight!;
    await watcher.poll();

    // N = 3: state 2, the newest, may enter block kh + Δ; state 1 only kh + 2Δ.
    expect(held[2]!.ins[0]!.sequence).to.equal(STEP);
    expect((await rejectionOf(node.broadcast(held[1]!.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    await mineTo(node, kh + STEP - 2);
    await watcher.poll();
    expect(events.filter((e) => e.kind === 'duty' && e.duty === 'state')).to.deep.equal([]);
    expect((await rejectionOf(node.broadcast(held[1]!.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    await node.mine(1);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'duty' && e.duty === 'state')).to.deep.include({ txid: held[2]!.getId(), index: 2 });
    expect(node.mempoolHas(held[2]!.getId())).to.equal(true);
    // With the newest in the mempool the stale state is a conflict, refused first seen (a replacing node takes the newest's higher fee).
    expect((await rejectionOf(node.broadcast(held[1]!.toBuffer()))).details).to.include({ reason: 'bad-txns-inputs-spent' });
    // A congested miner leaves the state; after a block the watcher's child pays for it through b's anchor.
    await node.mineAboveFeeRate(1, 5000n);
    expect(node.mempoolHas(held[2]!.getId())).to.equal(true);
    await watcher.poll();
    const cpfp = events.find((e) => e.kind === 'cpfp') as Extract<DecreasingWatchEvent, { kind: 'cpfp' }> | undefined;
    expect(cpfp, JSON.stringify(events.filter((e) => e.kind === 'error'))).to.not.equal(undefined);
    expect(cpfp!.parent).to.equal(held[2]!.getId());
    expect(cpfp!.packageFeeRate >= 6000n).to.equal(true);
    await node.mineAboveFeeRate(1, 5000n);
    const sh = (await node.getTransaction(held[2]!.getId()))?.blockHeight;
    expect(sh, 'the newest state mined with its child').to.equal(await tip());
    // Before state 1 could enter a block (kh + 2Δ).
    expect(sh! < kh + 2 * STEP).to.equal(true);
    await watcher.poll();
    await node.mine(2);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'resolved')).to.deep.include({ txid: held[2]!.getId(), index: 2 });
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
  });
});
