/**
 * A reset whose last message never arrives, on the embedded regtest node
 * (d = 2, b = 3, Δ = 5, Dc = 10), each party's DuplexWatcher over its own
 * party. A reset is three messages, so that whoever holds a new branch's
 * first changed node signed by both also holds every node below it: a
 * counterparty that publishes that node and stops cannot lock anyone's
 * funds. When the proposer's completion is withheld, the proposer holds the
 * new branch whole and the other party does not: the proposer publishes the
 * new level-0 node and stops, and the other party's watcher follows that
 * branch, publishes its leaf (it holds the proposer's signature of it from
 * the reset) and takes its refund after Dc. When the acknowledgement is
 * lost instead, the acknowledging party cannot publish the new branch at
 * all; it publishes an older leaf, and the proposer answers with the newest
 * it holds, its latest payment and its refund.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { DuplexWatchEvent, DuplexWatcher, counterDigits, p2wpkhScript } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { openDuplexOnChain, payDuplex, resetDuplex, wire } from './constructions/duplex/on-chain';
import { broadcastAndConfirm, rejectionOf } from './support/e2e';

describe('duplex channel: a reset\'s last message withheld, on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  function record(w: DuplexWatcher): DuplexWatchEvent[] {
    const events: DuplexWatchEvent[] = [];
    w.on('event', (e) => events.push(e));
    return events;
  }

  async function mineAndPoll(w: DuplexWatcher, blocks: number): Promise<void> {
    for (let i = 0; i < blocks; i++) {
      await node.mine(1);
      await w.poll();
    }
  }

  const paidTo = (tx: Transaction, script: Uint8Array) => tx.outs.filter((o) => Buffer.from(o.script).equals(Buffer.from(script))).reduce((s, o) => s + o.value, 0n);

  it('the completion withheld: a publishes state 3\'s first node and stops; b\'s watcher follows that branch, publishes its leaf and takes b\'s refund', async () => {
    const { a, b, keys, setupHeight } = await openDuplexOnChain(node, 'done withheld');
    resetDuplex(a, b);
    resetDuplex(b, a);
    payDuplex(a, b, 12_000n);
    payDuplex(b, a, 3_000n);
    const bDue = b.balance;
    // State 2 is digits (0, 2); the reset to 3 = (1, 0) re-creates the level-0 node. b acknowledges; a's completion never comes.
    expect(counterDigits(a.ctx.counter, 3)).to.deep.equal([1, 0]);
    const ack = wire(b.onReset(wire(a.proposeReset())));
    a.onResetAck(ack);
    expect([a.index, b.index]).to.deep.equal([3, 2]);
    const aExit = a.exit();

    const watcher = new DuplexWatcher({ backend: node, fromHeight: setupHeight, finalDepth: 2 });
    const events = record(watcher);
    watcher.watch(b);
    const kicked = await broadcastAndConfirm(node, aExit.kickoff);
    await watcher.poll();
    expect(b.phase).to.equal('exiting');
    await mineAndPoll(watcher, 4);
    // b's newest complete node (state 2, digit 0) waits 10 blocks; a's state-3 node (digit 1) only 5.
    const staleNode = b.exit().branch[0]!;
    expect((await rejectionOf(node.broadcast(staleNode.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    const n0 = await broadcastAndConfirm(node, aExit.branch[0]!);
    expect(n0.height).to.equal(kicked.height + 5);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'branch')).to.deep.include({ level: 0, index: 3, txid: n0.tx.getId() });
    // a publishes nothing more. State 3's leaf (digit 0) may enter the block 10 after its parent's: b holds a's signature of it from the reset.
    const leaf = aExit.branch[1]!;
    await mineAndPoll(watcher, 8);
    expect(node.mempoolHas(leaf.getId())).to.equal(false);
    await mineAndPoll(watcher, 1);
    expect(events.find((e) => e.kind === 'duty' && e.what === 'leaf')).to.deep.include({ txid: leaf.getId(), level: 1 });
    await mineAndPoll(watcher, 1);
    const leafHeight = (await node.getTransaction(leaf.getId()))!.blockHeight!;
    expect(leafHeight).to.equal(n0.height + 10);
    expect(String((await rejectionOf(node.broadcast(staleNode.toBuffer()))).details?.reason)).to.match(/inputs-(spent|missingorspent)/);
    // b's refund of its channel at state 3's leaf, Dc = 10 blocks on: b's whole balance as b counted it, less the refund's fee.
    await mineAndPoll(watcher, 8);
    expect(events.some((e) => e.kind === 'duty' && e.what === 'refund')).to.equal(false);
    await mineAndPoll(watcher, 2);
    const refund = events.find((e) => e.kind === 'duty' && e.what === 'refund') as { txid: string } | undefined;
    expect(refund).to.not.equal(undefined);
    const got = await node.getTransaction(refund!.txid);
    expect(got?.blockHeight).to.equal(leafHeight + 10);
    expect(paidTo(Transaction.fromBuffer(got!.tx), p2wpkhScript(keys.bPayout.pub))).to.equal(bDue - b.ctx.simplexFee);
    expect(events.filter((e) => e.kind === 'error' || e.kind === 'stale')).to.deep.equal([]);
  });

  it('the acknowledgement lost: b cannot publish state 3; it publishes state 1\'s stale leaf, and a\'s watcher answers with state 2\'s, a\'s payment from b and a\'s refund', async () => {
    const { a, b, keys, setupHeight } = await openDuplexOnChain(node, 'ack lost');
    resetDuplex(a, b);
    payDuplex(a, b, 5_000n);
    const old = b.exit(); // state 1 = (0, 1), with a's payment of 5,000: b keeps it to publish later
    resetDuplex(b, a);
    payDuplex(a, b, 12_000n);
    payDuplex(b, a, 3_000n);
    const leaf2 = a.leafBalances;
    b.onReset(wire(a.proposeReset())); // the acknowledgement is lost: a stays at state 2, its reset unanswered
    expect([a.index, b.index]).to.deep.equal([2, 2]);
    // b holds state 3 signed by itself alone at level 0: the node refuses it.
    const other = b.exit().others![0]!;
    expect([other.index, other.signed]).to.deep.equal([3, [false, true]]);
    expect((await rejectionOf(node.broadcast(other.branch[0]!.toBuffer()))).code).to.equal('BROADCAST_REJECTED');

    const watcher = new DuplexWatcher({ backend: node, fromHeight: setupHeight, finalDepth: 2 });
    const events = record(watcher);
    watcher.watch(a);
    await broadcastAndConfirm(node, old.kickoff);
    await watcher.poll();
    expect(a.phase).to.equal('exiting');
    // Level 0 is the same node in states 1 and 2 (digit 0): a's watcher publishes it when its lock (10) opens.
    await mineAndPoll(watcher, 9);
    const n0 = old.branch[0]!;
    expect(node.mempoolHas(n0.getId())).to.equal(true);
    await node.mine(1);
    expect(await node.getConfirmations(n0.getId())).to.equal(1);
    // b tries state 1's leaf (digit 1, lock 5): not final yet; a's state-2 leaf (digit 2, lock 0) goes out on a's next poll.
    expect((await rejectionOf(node.broadcast(old.branch[1]!.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    await watcher.poll();
    const newest = a.exit().branch[1]!;
    expect(node.mempoolHas(newest.getId())).to.equal(true);
    await mineAndPoll(watcher, 1);
    const leafHeight = (await node.getTransaction(newest.getId()))!.blockHeight!;
    await mineAndPoll(watcher, 4);
    expect(String((await rejectionOf(node.broadcast(old.branch[1]!.toBuffer()))).details?.reason)).to.match(/inputs-(spent|missingorspent)/);
    // a's latest payment from b (3,000) went out with the leaf; its refund of a -> b after Dc, b having published nothing.
    const payment = a.exit().payments.ba!;
    expect(await node.getConfirmations(payment.getId())).to.be.at.least(1);
    await mineAndPoll(watcher, 6);
    const refund = a.exit().refunds.ab!;
    expect((await node.getTransaction(refund.getId()))?.blockHeight).to.equal(leafHeight + 10);
    const aScript = p2wpkhScript(keys.aPayout.pub);
    expect(paidTo(payment, aScript) + paidTo(refund, aScript)).to.equal(leaf2.a - a.ctx.simplexFee + 3_000n);
    expect(events.filter((e) => e.kind === 'error' || e.kind === 'stale' || e.kind === 'branch')).to.deep.equal([]);
  });
});
