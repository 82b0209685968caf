/**
 * The duplex tree's anchors and the children that pay through them: an
 * anchor of each party on the kickoff, every node and the leaf, even where
 * a balance is 0; their cost in the parameters (half each, out of the
 * deposits); the child's fee to the satoshi, the parent's fee read from the
 * channel; inspect; and on the embedded node a tree node stuck at its fee
 * under a miner that takes only 5,000 sat/kw and up, mined with the
 * watcher's child before its stale sibling's lock opens (the deadline near:
 * the child pays its maximum at once), then the leaf, which has no older
 * sibling, paid for at the first rate. And when another transaction is
 * mined in place of one the watcher holds (the stale sibling, or a newer
 * branch of the counterparty's, as a miner that replaces takes them;
 * played here by an eviction, since bcoin never replaces), the lost one is
 * not broadcast again and its child's fee coin pays for what comes next;
 * also when a reorganisation undoes the counterparty's node and the
 * party's own is mined instead, with a leaf held below the undone one.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ANCHOR_VALUE, DuplexWatchEvent, DuplexWatcher, anchorChildWeight, buildDuplexAnchorChildTx, compileAnchorScript, duplexBranch, duplexCloseSpend,
  duplexKickoffSpend, duplexPackageRate, duplexWeights, explainTransaction, feeForWeight, p2wpkhScript, p2wshScript, signDuplexAnchorChildTx,
  toHex, verifyDuplexParams,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { duplexKeys, duplexPair, duplexParamsFor, openedParties, signedBranch, signedKickoff } from './constructions/duplex/kit';
import { openDuplexOnChain, payDuplex, resetDuplex, wire } from './constructions/duplex/on-chain';
import { rejectionOf } from './support/e2e';
import { thrownCode } from './support/errors';
import { testKey } from './support/keys';
import { verifyInputs } from './support/verify';

const wallet = testKey('duplex anchors wallet');
const walletScript = p2wpkhScript(wallet.pub);
const coin = { txid: 'ab'.repeat(32), vout: 1, value: 50_000n, key: wallet.pub };

describe('duplex anchors', () => {
  const keys = duplexKeys('anchors');

  it('the kickoff, every node and the leaf carry a\'s then b\'s anchor, 330 sat each, also when a balance is 0; the close has none', () => {
    // a deposits just its half of the tree's fees and anchors: nothing of a's reaches the leaf.
    const { aTreeCost } = verifyDuplexParams(duplexParamsFor(keys));
    const { a, b } = openedParties('anchors', { aAmount: aTreeCost });
    expect(a.balance).to.equal(0n);
    payDuplex(b, a, 5_000n);
    const ctx = a.ctx;
    const anchors = [[toHex(ctx.anchors!.aScript), 330n], [toHex(ctx.anchors!.bScript), 330n]];
    expect(toHex(ctx.anchors!.aScript)).to.equal(toHex(p2wshScript(compileAnchorScript(keys.aFunding.pub))));
    const e = a.exit();
    expect(e.balances.a).to.equal(0n);
    for (const tx of [e.kickoff, ...e.branch]) expect(tx.outs.slice(-2).map((o) => [toHex(o.script), BigInt(o.value)])).to.deep.equal(anchors);
    // The leaf holds b's channel only, then both anchors: a, with nothing there, may still pay for it.
    expect(e.branch[1]!.outs).to.have.length(3);
    const close = duplexCloseSpend(ctx, { a: 0n, b: ctx.params.capacity - 700n, fee: 700n });
    expect(close.outputs).to.have.length(1);
  });

  it('fees and anchors come out of the deposits half each; the weights count the anchors; anchors: false leaves them out', () => {
    const w = duplexWeights();
    const bare = duplexWeights(false);
    // Two P2WSH outputs of 43 bytes each, at 4 weight units a byte.
    expect([w.node - bare.node, w.leaf - bare.leaf, w.close - bare.close]).to.deep.equal([344, 344, 0]);
    expect(w.anchorChild).to.equal(anchorChildWeight(1, 22));
    const on = verifyDuplexParams(duplexParamsFor(keys));
    const off = verifyDuplexParams(duplexParamsFor(keys, { anchors: false }));
    expect(off.anchors).to.equal(undefined);
    expect([off.anchorsValue, off.exitChildren, on.exitChildren]).to.deep.equal([0n, 0, 3]);
    // Per level: the node's fee at the channel's rate, and 660 sat in its anchors.
    expect(on.nodeFee).to.equal(feeForWeight(w.node, on.params.feeRate));
    expect(on.treeCost - off.treeCost).to.equal(3n * 660n + 3n * (on.nodeFee - off.nodeFee));
    expect(on.initialBalances.a + on.initialBalances.b).to.equal(on.params.capacity - on.treeCost);
    expect(duplexKickoffSpend(off).outputs).to.have.length(1);
    expect(duplexBranch(off, 0, off.initialBalances).map((t) => t.spend.outputs.length)).to.deep.equal([1, 2]);
    // A deposit must cover its half of the fees and the anchors.
    expect(thrownCode(() => verifyDuplexParams(duplexParamsFor(keys, { aAmount: on.aTreeCost - 1n })))).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(thrownCode(() => verifyDuplexParams({ ...duplexParamsFor(keys), anchors: 'yes' as never }))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => duplexWeights('no' as never))).to.equal('INVALID_ARGUMENT');
  });

  it('inspect: the node and the leaf with their anchors, certain; the kickoff is the decreasing-lock shape, never certain; a forged anchor is no channel\'s', () => {
    const p = duplexPair(keys);
    const [node, leaf] = signedBranch(p, 4, p.ctx.initialBalances);
    for (const [tx, kind] of [[node!, 'duplex-node'], [leaf!, 'duplex-leaf']] as const) {
      const x = explainTransaction(tx);
      expect([x.kind, x.certain]).to.deep.equal([kind, kind === 'duplex-node']);
      expect(x.outputs.slice(-2).every((o) => o.role.startsWith('anchor'))).to.equal(true);
    }
    const k = explainTransaction(signedKickoff(p));
    expect([k.kind, k.certain]).to.deep.equal(['decreasing-kickoff', false]);
    const forged = node!.clone();
    forged.outs[forged.outs.length - 1]!.script = p2wshScript(compileAnchorScript(duplexKeys('stranger').aFunding.pub));
    expect(thrownCode(() => explainTransaction(forged))).to.equal('NOT_A_CHANNEL_TX');
  });

  describe('the child through an anchor', () => {
    const p = duplexPair(keys);
    const kickoff = signedKickoff(p);
    const [node, leaf] = signedBranch(p, 3, p.ctx.initialBalances);
    const base = { ctx: p.ctx, parent: node!.toBuffer(), role: 'a' as const, feeCoins: [coin], packageFeeRate: 5000n, destinationScript: walletScript };

    it('pays exactly what lifts parent + child to the package rate; the parent\'s fee is the channel\'s: the node\'s, the kickoff\'s, the leaf\'s', () => {
      for (const [parent, fee] of [[node!, p.ctx.nodeFee], [kickoff, p.ctx.nodeFee], [leaf!, p.ctx.leafFee]] as const) {
        for (const rate of [1000n, 5000n, 12_345n]) {
          const q = { ...base, parent: parent.toBuffer(), packageFeeRate: rate };
          const child = signDuplexAnchorChildTx(q, { fundingKey: keys.aFunding.priv, coinKeys: [wallet.priv] });
          const childFee = ANCHOR_VALUE + coin.value - BigInt(child.outs[0]!.value);
          expect(fee + childFee).to.equal(feeForWeight(parent.weight() + anchorChildWeight(1, 22), rate));
          expect(duplexPackageRate(q, child).parentFee).to.equal(fee);
          expect(child.ins[0]!.index).to.equal(parent.outs.length - 2);
          // bcoin's interpreter: the anchor's bump branch and the P2WPKH coin.
          expect(() => verifyInputs(child.toBuffer(), [{ script: p.ctx.anchors!.aScript, value: 330n }, { script: walletScript, value: coin.value }])).to.not.throw();
        }
      }
      const bChild = p.b.signAnchorChild({ parent: base.parent, feeCoins: [coin], packageFeeRate: 5000n, destinationScript: walletScript }, [wallet.priv]);
      expect(bChild.ins[0]!.index).to.equal(node!.outs.length - 1);
    });

    it('refuses what is not a tree transaction of the channel, and what it cannot build, with typed codes', () => {
      const other = duplexPair(duplexKeys('anchors other'));
      const off = verifyDuplexParams(duplexParamsFor(keys, { anchors: false }));
      const close = p.a.completeTwoOfTwo(duplexCloseSpend(p.ctx, { a: 400_000n, b: p.ctx.params.capacity - 400_700n, fee: 700n }), p.b.sign(p.b.hash(duplexCloseSpend(p.ctx, { a: 400_000n, b: p.ctx.params.capacity - 400_700n, fee: 700n }))));
      const shifted = node!.clone();
      shifted.outs[0]!.value -= 1n;
      const rows: [string, () => unknown, string][] = [
        ['null', () => buildDuplexAnchorChildTx(null as never), 'INVALID_ARGUMENT'],
        ['a channel without anchors', () => buildDuplexAnchorChildTx({ ...base, ctx: off }), 'INVALID_ARGUMENT'],
        ['a role that is neither', () => buildDuplexAnchorChildTx({ ...base, role: 'c' as never }), 'INVALID_ARGUMENT'],
        ['another channel\'s node', () => buildDuplexAnchorChildTx({ ...base, parent: signedBranch(other, 3, other.ctx.initialBalances)[0]!.toBuffer() }), 'INVALID_TRANSACTION'],
        ['the close', () => buildDuplexAnchorChildTx({ ...base, parent: close.toBuffer() }), 'INVALID_TRANSACTION'],
        ['a node paying one satoshi less than its level', () => buildDuplexAnchorChildTx({ ...base, parent: shifted.toBuffer() }), 'INVALID_TRANSACTION'],
        ['bytes that do not parse', () => buildDuplexAnchorChildTx({ ...base, parent: Uint8Array.of(1, 2) }), 'INVALID_TRANSACTION'],
        ['no fee coin', () => buildDuplexAnchorChildTx({ ...base, feeCoins: [] }), 'INVALID_ARGUMENT'],
        ['a coin too small for the fee', () => buildDuplexAnchorChildTx({ ...base, feeCoins: [{ ...coin, value: 500n }] }), 'FEE_EXCEEDS_OUTPUT'],
        ['b\'s key for a\'s anchor', () => signDuplexAnchorChildTx(base, { fundingKey: keys.bFunding.priv, coinKeys: [wallet.priv] }), 'INVALID_KEY'],
        ['one key short', () => signDuplexAnchorChildTx(base, { fundingKey: keys.aFunding.priv, coinKeys: [] }), 'INVALID_ARGUMENT'],
      ];
      for (const [name, f, code] of rows) expect(thrownCode(f), name).to.equal(code);
    });
  });
});

describe('duplex anchors on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  const tip = async () => (await node.getTip()).height;

  /** A channel at state 2 whose reset to state 3 a completed for itself and withheld from b: b holds state 3's level-0 node unsigned, its leaf signed. */
  const withheldReset = async (label: string) => {
    const opened = await openDuplexOnChain(node, label);
    const { a, b } = opened;
    resetDuplex(a, b);
    resetDuplex(b, a);
    payDuplex(a, b, 10_000n);
    a.onResetAck(wire(b.onReset(wire(a.proposeReset()))));
    return opened;
  };

  /** Blocks of a miner that takes only 5,000 sat/kw and up, the watcher polling after each. */
  const congestion = (watcher: DuplexWatcher) => async (blocks: number) => {
    for (let i = 0; i < blocks; i++) {
      await node.mineAboveFeeRate(1, 5000n);
      await watcher.poll();
    }
  };

  it('the newest level-0 node, stuck at its fee under a 5,000 sat/kw miner, is mined with the watcher\'s child before its stale sibling\'s lock opens; the leaf after it too', async () => {
    const { a, b, setupHeight } = await openDuplexOnChain(node, 'anchors cpfp');
    resetDuplex(a, b);
    resetDuplex(b, a);
    const stale = b.exit().branch[0]!; // state 2's level-0 node: digit 0, lock 10
    resetDuplex(a, b); // state 3 = (1, 0): a newer level-0 node, lock 5
    payDuplex(a, b, 10_000n);
    payDuplex(b, a, 2_000n);
    const e = b.exit();
    const [n0, leaf] = e.branch;
    expect([n0!.ins[0]!.sequence, leaf!.ins[0]!.sequence, stale.ins[0]!.sequence]).to.deep.equal([5, 10, 10]);
    const nodeRate = (b.ctx.nodeFee * 1000n) / BigInt(n0!.weight());
    expect(nodeRate < 5000n, `node at ${nodeRate} sat/kw`).to.equal(true);

    const coins = [await node.fund(walletScript, 40_000n), await node.fund(walletScript, 40_000n)];
    const watcher = new DuplexWatcher({ backend: node, fromHeight: setupHeight, finalDepth: 2, cpfpAfterBlocks: 1, urgentWithin: 4 });
    const events: DuplexWatchEvent[] = [];
    watcher.on('event', (x) => events.push(x));
    const id = watcher.watch(b, {
      feeCoins: coins.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, key: wallet.pub })), coinKeys: [wallet.priv, wallet.priv],
      destinationScript: walletScript, feeRate: 6000n, maxFeeRate: 20_000n,
    });
    watcher.close(id);
    await watcher.poll();
    await node.mine(1);
    await watcher.poll();
    const kh = (await node.getTransaction(e.kickoff.getId()))!.blockHeight!;
    const congested = congestion(watcher);
    await congested(4);
    expect(node.mempoolHas(n0!.getId()), 'broadcast the block before its lock opens').to.equal(true);
    // The miner leaves it; one block on, 4 blocks before the stale sibling can enter one (kh + 10), the child pays the most at once.
    await congested(1);
    expect(node.mempoolHas(n0!.getId())).to.equal(true);
    const first = events.find((x) => x.kind === 'cpfp') as Extract<DuplexWatchEvent, { kind: 'cpfp' }> | undefined;
    expect(first, JSON.stringify(events.filter((x) => x.kind === 'error'))).to.deep.include({ parent: n0!.getId(), packageFeeRate: 20_000n });
    await congested(1);
    const nh = (await node.getTransaction(n0!.getId()))?.blockHeight;
    expect(nh, 'the node mined with its child').to.equal(kh + 6);
    expect((await node.getTransaction(first!.txid))?.blockHeight).to.equal(nh);
    const child = Transaction.fromBuffer((await node.getTransaction(first!.txid))!.tx);
    const childFee = ANCHOR_VALUE + coins[0]!.value - BigInt(child.outs[0]!.value);
    const rate = ((b.ctx.nodeFee + childFee) * 1000n) / BigInt(n0!.weight() + child.weight());
    expect(rate >= 5000n, `package at ${rate} sat/kw`).to.equal(true);
    expect(nh! < kh + 10).to.equal(true);
    expect(String((await rejectionOf(node.broadcast(stale.toBuffer()))).details?.reason)).to.match(/inputs-(spent|missingorspent)/);

    // The leaf (digit 0) has no older sibling under this node: no deadline, its child pays the first rate, from the second coin.
    await congested(9);
    expect(node.mempoolHas(leaf!.getId())).to.equal(true);
    await congested(1);
    const second = events.filter((x) => x.kind === 'cpfp')[1] as Extract<DuplexWatchEvent, { kind: 'cpfp' }> | undefined;
    expect(second).to.deep.include({ parent: leaf!.getId(), packageFeeRate: 6000n });
    await congested(1);
    expect((await node.getTransaction(leaf!.getId()))?.blockHeight).to.equal(nh! + 11);
    // Each child spent its own coin: neither could double-spend the other.
    const coinOf = async (txid: string) => {
      const i = Transaction.fromBuffer((await node.getTransaction(txid))!.tx).ins[1]!;
      return `${toHex(Uint8Array.from(i.hash).reverse())}:${i.index}`;
    };
    expect([await coinOf(first!.txid), await coinOf(second!.txid)]).to.deep.equal(coins.map((c) => `${c.txid}:${c.vout}`));
    // The simplex payment pays its own fee at the channel's rate: an ordinary miner takes it.
    await node.mine(1);
    await watcher.poll();
    expect(await node.getConfirmations(e.payments.ab!.getId())).to.equal(1);
    expect(events.filter((x) => x.kind === 'error' || x.kind === 'stale')).to.deep.equal([]);
    expect(await tip()).to.equal(nh! + 12);
  });

  it('a\'s newest level-0 node, which b holds unsigned (a withheld its completion), broadcast by a and left at its fee under a 5,000 sat/kw miner: b\'s watcher pays for it through b\'s anchor before the stale sibling\'s lock opens', async () => {
    // The reset to state 3 = (1, 0): b acknowledges, a's completion never comes. a holds state 3 whole; b holds its level-0 node signed by itself alone.
    const { a, b, setupHeight } = await withheldReset('anchors counterparty node');
    expect([a.index, b.index]).to.deep.equal([3, 2]);
    const other = b.exit().others![0]!;
    expect([other.index, other.signed]).to.deep.equal([3, [false, true]]);
    const stale = b.exit().branch[0]!; // state 2's level-0 node: digit 0, lock 10
    const [n0, leaf] = a.exit().branch;
    expect(n0!.getId()).to.equal(other.branch[0]!.getId());
    expect([n0!.ins[0]!.sequence, stale.ins[0]!.sequence]).to.deep.equal([5, 10]);

    const coins = [await node.fund(walletScript, 40_000n), await node.fund(walletScript, 40_000n)];
    const watcher = new DuplexWatcher({ backend: node, fromHeight: setupHeight, finalDepth: 2, cpfpAfterBlocks: 1, urgentWithin: 4 });
    const events: DuplexWatchEvent[] = [];
    watcher.on('event', (x) => events.push(x));
    watcher.watch(b, {
      feeCoins: coins.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, key: wallet.pub })), coinKeys: [wallet.priv, wallet.priv],
      destinationScript: walletScript, feeRate: 6000n, maxFeeRate: 20_000n,
    });
    await node.broadcast(a.exit().kickoff.toBuffer());
    await node.mine(1);
    await watcher.poll();
    const kh = (await node.getTransaction(a.exit().kickoff.getId()))!.blockHeight!;
    const congested = congestion(watcher);
    await congested(4);
    // a broadcasts its node the block before its lock opens, and stops.
    await node.broadcast(n0!.toBuffer());
    await watcher.poll();
    expect(events.find((x) => x.kind === 'duty' && x.what === 'node')).to.deep.include({ txid: n0!.getId(), level: 0 });
    await congested(1);
    expect(node.mempoolHas(n0!.getId())).to.equal(true);
    const first = events.find((x) => x.kind === 'cpfp') as Extract<DuplexWatchEvent, { kind: 'cpfp' }> | undefined;
    expect(first, JSON.stringify(events.filter((x) => x.kind === 'error'))).to.deep.include({ parent: n0!.getId(), packageFeeRate: 20_000n });
    await congested(1);
    const nh = (await node.getTransaction(n0!.getId()))?.blockHeight;
    expect(nh, 'the node mined with b\'s child').to.equal(kh + 6);
    const child = Transaction.fromBuffer((await node.getTransaction(first!.txid))!.tx);
    expect(child.ins[0]!.index, 'b\'s anchor, the last output').to.equal(n0!.outs.length - 1);
    expect(events.find((x) => x.kind === 'branch')).to.deep.include({ level: 0, index: 3, txid: n0!.getId() });
    expect(String((await rejectionOf(node.broadcast(stale.toBuffer()))).details?.reason)).to.match(/inputs-(spent|missingorspent)/);
    // Below it b holds state 3 signed from the reset: its leaf goes out when its lock opens, paid for from b's second coin.
    await congested(10);
    expect(events.filter((x) => x.kind === 'cpfp').map((x) => (x as { parent: string }).parent)).to.deep.equal([n0!.getId(), leaf!.getId()]);
    await congested(1);
    expect((await node.getTransaction(leaf!.getId()))?.blockHeight).to.equal(nh! + 11);
    expect(events.filter((x) => x.kind === 'error' || x.kind === 'stale')).to.deep.equal([]);
  });

  // finalDepth 12: the coin comes back only once a's node is 12 deep, a block after the leaf's child was first due.
  for (const [finalDepth, late] of [[2, 0], [12, 1]] as const) it(`b's newest node waits with its child when a's newer branch, which b holds unsigned at that level, is mined instead (a miner that replaces, played by an eviction): b drops the lost node, takes its coin back once a's node is ${finalDepth} deep and pays for the new branch's leaf with it`, async () => {
    const { a, b, setupHeight } = await withheldReset(`anchors lost node ${finalDepth}`);
    expect([a.index, b.index]).to.deep.equal([3, 2]);
    const [x0] = b.exit().branch; // state 2's level-0 node, lock 10: b's newest
    const [y0, yLeaf] = a.exit().branch; // state 3's, lock 5: b holds its leaf signed, the node not
    expect(b.exit().others![0]!.signed).to.deep.equal([false, true]);
    expect([x0!.ins[0]!.sequence, y0!.ins[0]!.sequence, yLeaf!.ins[0]!.sequence]).to.deep.equal([10, 5, 10]);

    // One fee coin only: the new leaf's child can have it only if the lost node's child gives it back.
    const coin = await node.fund(walletScript, 40_000n);
    const watcher = new DuplexWatcher({ backend: node, fromHeight: setupHeight, finalDepth, cpfpAfterBlocks: 1, urgentWithin: 4 });
    const events: DuplexWatchEvent[] = [];
    watcher.on('event', (x) => events.push(x));
    const id = watcher.watch(b, {
      feeCoins: [{ txid: coin.txid, vout: coin.vout, value: coin.value, key: wallet.pub }], coinKeys: [wallet.priv],
      destinationScript: walletScript, feeRate: 6000n, maxFeeRate: 20_000n,
    });
    watcher.close(id);
    await watcher.poll();
    await node.mine(1);
    await watcher.poll();
    const kh = (await node.getTransaction(b.exit().kickoff.getId()))!.blockHeight!;
    const congested = congestion(watcher);
    await congested(10);
    const lostChild = events.find((x) => x.kind === 'cpfp') as Extract<DuplexWatchEvent, { kind: 'cpfp' }> | undefined;
    expect(lostChild, JSON.stringify(events.filter((x) => x.kind === 'error'))).to.deep.include({ parent: x0!.getId(), packageFeeRate: 6000n });
    expect(node.mempoolHas(lostChild!.txid)).to.equal(true);
    // A miner that replaces takes a's node over b's and its child; bcoin never replaces, so both leave by eviction.
    expect(node.evict(x0!.getId())).to.equal(true);
    expect(node.mempoolHas(lostChild!.txid)).to.equal(false);
    await node.broadcast(y0!.toBuffer());
    await node.mine(1);
    const yh = (await node.getTransaction(y0!.getId()))!.blockHeight!;
    expect(yh).to.equal(kh + 11);
    await watcher.poll();
    expect(events.find((x) => x.kind === 'branch')).to.deep.include({ level: 0, index: 3, txid: y0!.getId() });
    // The lost node is not broadcast again: no refusal comes back.
    await congested(1);
    expect(events.filter((x) => x.kind === 'error')).to.deep.equal([]);
    // The new branch's leaf goes out the block before its lock opens and is paid for with the coin the lost child held.
    await congested(8);
    expect(node.mempoolHas(yLeaf!.getId())).to.equal(true);
    await congested(1);
    const leafChild = () => events.filter((x) => x.kind === 'cpfp')[1] as Extract<DuplexWatchEvent, { kind: 'cpfp' }> | undefined;
    if (late > 0) {
      expect(leafChild(), 'no coin while a\'s node is less than finalDepth deep').to.equal(undefined);
      await congested(late);
    }
    expect(leafChild()).to.deep.include({ parent: yLeaf!.getId(), packageFeeRate: 6000n });
    await congested(1);
    expect((await node.getTransaction(yLeaf!.getId()))?.blockHeight).to.equal(yh + 11 + late);
    const spent = Transaction.fromBuffer((await node.getTransaction(leafChild()!.txid))!.tx).ins[1]!;
    expect(`${toHex(Uint8Array.from(spent.hash).reverse())}:${spent.index}`).to.equal(`${coin.txid}:${coin.vout}`);
    expect(events.filter((x) => x.kind === 'error' || x.kind === 'stale')).to.deep.equal([]);
  });

  it('a reorganisation undoes a\'s node while b\'s new-branch leaf waits with its child, and b\'s own node is mined instead: the leaf below the undone node is dropped, and its coin, once that is buried, pays for b\'s own leaf before its stale sibling opens', async () => {
    const { a, b, setupHeight } = await withheldReset('anchors reorg lost leaf');
    const [x0, xLeaf] = b.exit().branch; // state 2 = (0, 2): the node's lock 10, the leaf's 0 (its older siblings' 5 and 10)
    const [y0, yLeaf] = a.exit().branch;
    expect([x0!.ins[0]!.sequence, xLeaf!.ins[0]!.sequence]).to.deep.equal([10, 0]);
    const coin = await node.fund(walletScript, 40_000n);
    const watcher = new DuplexWatcher({ backend: node, fromHeight: setupHeight, finalDepth: 2, cpfpAfterBlocks: 1, urgentWithin: 4 });
    const events: DuplexWatchEvent[] = [];
    watcher.on('event', (x) => events.push(x));
    watcher.watch(b, {
      feeCoins: [{ txid: coin.txid, vout: coin.vout, value: coin.value, key: wallet.pub }], coinKeys: [wallet.priv],
      destinationScript: walletScript, feeRate: 6000n, maxFeeRate: 20_000n,
    });
    const congested = congestion(watcher);
    // a publishes its branch's node; b follows it and pays for its leaf there.
    await node.broadcast(a.exit().kickoff.toBuffer());
    await node.mine(1);
    await watcher.poll();
    await congested(4);
    await node.broadcast(y0!.toBuffer());
    await node.mine(1);
    const yh = (await node.getTransaction(y0!.getId()))!.blockHeight!;
    await watcher.poll();
    await congested(9);
    expect(node.mempoolHas(yLeaf!.getId())).to.equal(true);
    await congested(1);
    const yChild = events.find((x) => x.kind === 'cpfp') as Extract<DuplexWatchEvent, { kind: 'cpfp' }> | undefined;
    expect(yChild).to.deep.include({ parent: yLeaf!.getId() });
    // A reorganisation from y0's block on, without a's node and what hangs below it; b's own node goes out again and is mined.
    const tipBefore = (await node.getTip()).height;
    await node.reorg(tipBefore - yh + 1, { drop: [y0!.getId(), yLeaf!.getId(), yChild!.txid] });
    expect(await node.getTransaction(y0!.getId())).to.equal(undefined);
    await watcher.poll();
    expect(node.mempoolHas(x0!.getId()), 'b\'s node held again').to.equal(true);
    await node.mine(1);
    const xh = (await node.getTransaction(x0!.getId()))!.blockHeight!;
    await watcher.poll();
    const errors = events.filter((x) => x.kind === 'error').length;
    // b's leaf (lock 0) waits at its fee under the 5,000 sat/kw miner; the only coin is the dropped leaf's child's, given back once x0 is 2 deep.
    await congested(2);
    expect(events.filter((x) => x.kind === 'error').length, 'the dropped leaf is not broadcast again').to.equal(errors);
    const xChild = events.filter((x) => x.kind === 'cpfp')[1] as Extract<DuplexWatchEvent, { kind: 'cpfp' }> | undefined;
    expect(xChild, JSON.stringify(events.slice(-6), (_, v) => (typeof v === 'bigint' ? String(v) : v))).to.deep.include({ parent: xLeaf!.getId() });
    await congested(1);
    const lh = (await node.getTransaction(xLeaf!.getId()))?.blockHeight;
    expect(lh !== undefined && lh < xh + 5, `b's leaf mined at ${lh}, before its stale sibling's lock opens at ${xh + 5}`).to.equal(true);
    const spent = Transaction.fromBuffer((await node.getTransaction(xChild!.txid))!.tx).ins[1]!;
    expect(`${toHex(Uint8Array.from(spent.hash).reverse())}:${spent.index}`).to.equal(`${coin.txid}:${coin.vout}`);
  });

  it('the newest node still waiting when its stale sibling is mined (a miner that replaces, played by an eviction): reported stale once, and the lost node is not broadcast again', async () => {
    const { a, b, setupHeight } = await openDuplexOnChain(node, 'anchors stale mined');
    resetDuplex(a, b);
    resetDuplex(b, a);
    const stale = b.exit().branch[0]!; // state 2's level-0 node: lock 10
    resetDuplex(a, b); // state 3's: lock 5
    const n0 = b.exit().branch[0]!;
    const watcher = new DuplexWatcher({ backend: node, fromHeight: setupHeight, finalDepth: 2 });
    const events: DuplexWatchEvent[] = [];
    watcher.on('event', (x) => events.push(x));
    const id = watcher.watch(b);
    watcher.close(id);
    await watcher.poll();
    await node.mine(1);
    await watcher.poll();
    for (let i = 0; i < 9; i++) {
      await node.mineAboveFeeRate(1, 5000n);
      await watcher.poll();
    }
    expect(node.mempoolHas(n0.getId())).to.equal(true);
    expect(node.evict(n0.getId())).to.equal(true);
    await node.broadcast(stale.toBuffer());
    await node.mine(1);
    for (let i = 0; i < 3; i++) {
      await watcher.poll();
      await node.mine(1);
    }
    expect(events.filter((x) => x.kind === 'stale')).to.deep.equal([{ kind: 'stale', channelId: id, level: 0, txid: stale.getId() }]);
    expect(events.filter((x) => x.kind === 'error')).to.deep.equal([]);
  });
});
