/**
 * The duplex level publisher on the embedded regtest node (d = 2, b = 3,
 * Δ = 5, Dc = 10), the channel at state 4 with payments both ways. When a
 * publishes the kickoff and then tries its stale state-1 node, b's watcher
 * publishes the newest node the block its lock opens, then the leaf, then
 * b's latest payment, and a's stale node is refused. When a closes alone
 * with b silent, a's watcher publishes the kickoff and the branch, its
 * payment from b at once, and its refund of its own channel once Dc blocks
 * have passed. Every poll follows blocks by hash; duties stay until mined.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  DuplexExit, DuplexLeafBalances, DuplexParty, DuplexWatchEvent, DuplexWatcher, combinePsbts, createDuplexSetupPsbt, extractTransaction, finalizePsbt,
  p2wpkhScript, planDuplexSetup, signPsbtWithKey, simplexChannel,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { DEPOSIT, DuplexPair, FEE_RATE, duplexKeys, duplexPair, signedBranch, signedKickoff } from './constructions/duplex/kit';

import { broadcastAndConfirm, rejectionOf } from './support/e2e';
import { thrownCode } from './support/errors';

describe('duplex watcher: the level publisher on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  interface Channel {
    readonly pair: DuplexPair;
    readonly kickoff: Transaction;
    readonly branches: Map<number, Transaction[]>;
    readonly balances: DuplexLeafBalances;
    readonly setupHeight: number;
    readonly setupTx: Transaction;
  }

  /** A channel on real coins, moved to state 4 off-chain (every branch on the way fully signed). */
  async function open(label: string): Promise<Channel> {
    const keys = duplexKeys(label);
    const aScript = p2wpkhScript(keys.aWallet.pub);
    const bScript = p2wpkhScript(keys.bWallet.pub);
    const aCoin = await node.fund(aScript, DEPOSIT + 50_000n);
    const bCoin = await node.fund(bScript, DEPOSIT + 50_000n);
    const params = {
      aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, feeRate: FEE_RATE,
      a: { inputs: [{ txid: aCoin.txid, vout: aCoin.vout, value: aCoin.value, script: aScript, prevTx: aCoin.tx }], amount: DEPOSIT, changeScript: aScript },
      b: { inputs: [{ txid: bCoin.txid, vout: bCoin.vout, value: bCoin.value, script: bScript, prevTx: bCoin.tx }], amount: DEPOSIT, changeScript: bScript },
    };
    const setup = planDuplexSetup(params);
    const pair = duplexPair(keys, { funding: setup.fundingOutpoint, capacity: setup.capacity });
    const kickoff = signedKickoff(pair);
    let balances = pair.ctx.initialBalances;
    const branches = new Map<number, Transaction[]>([[0, signedBranch(pair, 0, balances)]]);
    for (let n = 1; n <= 4; n++) {
      balances = { a: balances.a - 20_000n + 5_000n, b: balances.b - 5_000n + 20_000n };
      branches.set(n, signedBranch(pair, n, balances));
    }
    const psbt = createDuplexSetupPsbt(params);
    signPsbtWithKey(psbt, keys.aWallet.priv);
    signPsbtWithKey(psbt, keys.bWallet.priv);
    const got = await broadcastAndConfirm(node, extractTransaction(finalizePsbt(psbt)));
    return { pair, kickoff, branches, balances, setupHeight: got.height, setupTx: got.tx };
  }

  /** What each party holds at state 4: a paid b 30,000 on a -> b, b paid a 7,000 on b -> a. */
  function exitOf(c: Channel, who: 'a' | 'b'): DuplexExit {
    const branch = c.branches.get(4)!;
    const leafId = branch[1]!.getId();
    const ab = simplexChannel(c.pair.ctx, leafId, c.balances, 'ab')!;
    const ba = simplexChannel(c.pair.ctx, leafId, c.balances, 'ba')!;
    const { a, b } = c.pair;
    return who === 'b'
      ? { ctx: c.pair.ctx, kickoff: c.kickoff, branch, balances: c.balances, payments: { ab: b.completeSimplexPayment(ab, 30_000n, a.signSimplexPayment(ab, 30_000n)) }, refunds: { ba: b.simplexRefund(ba) } }
      : { ctx: c.pair.ctx, kickoff: c.kickoff, branch, balances: c.balances, payments: { ba: a.completeSimplexPayment(ba, 7_000n, b.signSimplexPayment(ba, 7_000n)) }, refunds: { ab: a.simplexRefund(ab) } };
  }

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

  it('answers a\'s kickoff and stale node with the newest branch and b\'s latest payment', async () => {
    const c = await open('answer');
    const watcher = new DuplexWatcher({ backend: node, fromHeight: c.setupHeight, finalDepth: 3 });
    const events = record(watcher);
    watcher.watch(() => exitOf(c, 'b'));
    await watcher.poll();
    expect(events.filter((e) => e.kind === 'duty')).to.deep.equal([]);

    const kicked = await broadcastAndConfirm(node, c.kickoff);
    const staleNode = c.branches.get(1)![0]!; // digit 0: lock 10
    const newest = c.branches.get(4)!;
    await watcher.poll();
    // Four blocks on, the newest level-0 node (lock 5) may enter the next block: the watcher broadcasts it.
    await mineAndPoll(watcher, 4);
    const duty0 = events.find((e) => e.kind === 'duty' && e.what === 'node');
    expect(duty0).to.include({ txid: newest[0]!.getId(), level: 0 });
    expect(node.mempoolHas(newest[0]!.getId())).to.equal(true);
    // The newest is in the mempool first, so a's stale node is refused as a double spend (it would not be final for 5 more blocks anyway).
    expect((await rejectionOf(node.broadcast(staleNode.toBuffer()))).details).to.include({ reason: 'bad-txns-inputs-spent' });
    await mineAndPoll(watcher, 1);
    expect(await node.getConfirmations(newest[0]!.getId())).to.equal(1);
    expect((await node.getTip()).height).to.equal(kicked.height + 5);

    // The leaf's lock (5) counts from the level-0 node's block: broadcast after the 4th block, mined in the 5th; b's payment goes out that poll.
    await mineAndPoll(watcher, 4);
    expect(events.find((e) => e.kind === 'duty' && e.what === 'leaf')).to.include({ txid: newest[1]!.getId(), level: 1 });
    expect(node.mempoolHas(newest[1]!.getId())).to.equal(true);
    await mineAndPoll(watcher, 1);
    expect(await node.getConfirmations(newest[1]!.getId())).to.equal(1);
    const payment = exitOf(c, 'b').payments.ab!;
    expect(events.find((e) => e.kind === 'duty' && e.what === 'payment')).to.include({ txid: payment.getId() });
    expect(String((await rejectionOf(node.broadcast(staleNode.toBuffer()))).details?.reason)).to.match(/inputs-(spent|missingorspent)/);
    await mineAndPoll(watcher, 1);
    expect(await node.getConfirmations(payment.getId())).to.equal(1);
    // b pays nothing it was not asked to: its refund of b -> a waits for Dc, and a's payment on it is a's to publish.
    expect(events.some((e) => e.kind === 'duty' && e.what === 'refund')).to.equal(false);
    expect(events.filter((e) => e.kind === 'stale')).to.deep.equal([]);
  });

  it('closes alone with b silent: the kickoff and the branch, a\'s payment from b at once, its refund after Dc', async () => {
    const c = await open('alone');
    const watcher = new DuplexWatcher({ backend: node, fromHeight: c.setupHeight, finalDepth: 2 });
    const events = record(watcher);
    const id = watcher.watch(() => exitOf(c, 'a'));
    watcher.close(id);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'duty')).to.include({ what: 'kickoff', txid: c.kickoff.getId() });
    await mineAndPoll(watcher, 1 + 5 + 5 + 1);
    const exit = exitOf(c, 'a');
    for (const t of [c.kickoff, ...exit.branch, exit.payments.ba!]) expect(await node.getConfirmations(t.getId()), t.getId()).to.be.at.least(1);
    const refund = exit.refunds.ab!;
    expect(events.some((e) => e.kind === 'duty' && e.what === 'refund')).to.equal(false);
    await mineAndPoll(watcher, 10);
    expect(events.find((e) => e.kind === 'duty' && e.what === 'refund')).to.include({ txid: refund.getId() });
    await mineAndPoll(watcher, 2);
    expect(await node.getConfirmations(refund.getId())).to.be.at.least(1);
    expect(events.some((e) => e.kind === 'resolved')).to.equal(true);
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
  });

  it('a\'s refund waiting in the mempool when b\'s payment on the same output is mined (a miner that replaces, played by an eviction): the refund is not broadcast again and the channel resolves', async () => {
    const c = await open('refund lost');
    const watcher = new DuplexWatcher({ backend: node, fromHeight: c.setupHeight, finalDepth: 2 });
    const events = record(watcher);
    watcher.close(watcher.watch(() => exitOf(c, 'a')));
    await watcher.poll();
    const refund = exitOf(c, 'a').refunds.ab!;
    // Dc after the leaf, the refund goes out: caught in the mempool before any block.
    for (let i = 0; i < 30 && !events.some((e) => e.kind === 'duty' && e.what === 'refund'); i++) await mineAndPoll(watcher, 1);
    expect(node.mempoolHas(refund.getId())).to.equal(true);
    const payment = exitOf(c, 'b').payments.ab!;
    expect(node.evict(refund.getId())).to.equal(true);
    await node.broadcast(payment.toBuffer());
    await mineAndPoll(watcher, 3);
    expect(await node.getConfirmations(payment.getId())).to.equal(3);
    expect(node.mempoolHas(refund.getId())).to.equal(false);
    expect(events.find((e) => e.kind === 'spend' && e.output === 'ab')).to.include({ txid: payment.getId(), ours: false });
    expect(events.some((e) => e.kind === 'resolved')).to.equal(true);
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
  });

  it('follows blocks by hash: a level-0 node reorged out of the chain is broadcast again and the branch goes on', async () => {
    const c = await open('reorg');
    const watcher = new DuplexWatcher({ backend: node, fromHeight: c.setupHeight, finalDepth: 3 });
    const events = record(watcher);
    watcher.close(watcher.watch(() => exitOf(c, 'b')));
    await watcher.poll();
    await mineAndPoll(watcher, 1 + 5);
    const n0 = c.branches.get(4)![0]!;
    expect(await node.getConfirmations(n0.getId())).to.equal(1);
    // The block holding it is replaced by a longer branch without it (and it is dropped from the mempool, as if never seen).
    await node.reorg(1, { drop: [n0.getId()] });
    expect(node.mempoolHas(n0.getId())).to.equal(false);
    expect((await node.getTransaction(n0.getId()))?.blockHeight).to.equal(undefined);
    await watcher.poll();
    expect(node.mempoolHas(n0.getId())).to.equal(true);
    await mineAndPoll(watcher, 1 + 5 + 1);
    for (const t of [n0, c.branches.get(4)![1]!, exitOf(c, 'b').payments.ab!]) expect(await node.getConfirmations(t.getId())).to.be.at.least(1);
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
  });

  it('two parties through the protocol: opt-in, payments and 4 resets, then b closes alone from its party\'s exit; the chain pays what each party counted, less fees', async () => {
    const keys = duplexKeys('parties');
    const aScript = p2wpkhScript(keys.aWallet.pub);
    const bScript = p2wpkhScript(keys.bWallet.pub);
    const aCoin = await node.fund(aScript, DEPOSIT + 50_000n);
    const bCoin = await node.fund(bScript, DEPOSIT + 50_000n);
    const params = {
      aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, feeRate: FEE_RATE,
      a: { inputs: [{ txid: aCoin.txid, vout: aCoin.vout, value: aCoin.value, script: aScript, prevTx: aCoin.tx }], amount: DEPOSIT, changeScript: aScript },
      b: { inputs: [{ txid: bCoin.txid, vout: bCoin.vout, value: bCoin.value, script: bScript, prevTx: bCoin.tx }], amount: DEPOSIT, changeScript: bScript },
    };
    const setup = planDuplexSetup(params);
    const { ctx } = duplexPair(keys, { funding: setup.fundingOutpoint, capacity: setup.capacity });
    const a = DuplexParty.open(ctx, 'a', keys.aFunding.priv);
    const b = DuplexParty.open(ctx, 'b', keys.bFunding.priv);
    b.onTreeSigned(a.treeSigned());
    a.onTreeSigned(b.treeSigned());
    // The opt-in: each signs its own setup input only now, on its own copy of the PSBT.
    expect([a.readyToSignSetup, b.readyToSignSetup]).to.deep.equal([true, true]);
    const aPsbt = createDuplexSetupPsbt(params);
    const bPsbt = createDuplexSetupPsbt(params);
    expect(signPsbtWithKey(aPsbt, keys.aWallet.priv)).to.equal(1);
    expect(signPsbtWithKey(bPsbt, keys.bWallet.priv)).to.equal(1);
    const got = await broadcastAndConfirm(node, extractTransaction(finalizePsbt(combinePsbts(aPsbt, bPsbt))));
    a.markSetupConfirmed(got.tx);
    b.markSetupConfirmed(got.tx);

    for (let n = 0; n < 4; n++) {
      b.onPayAck(a.onPay(b.pay(3_000n)).message);
      a.onPayAck(b.onPay(a.pay(12_000n)).message);
      b.onResetDone(a.onResetAck(b.onReset(a.proposeReset())));
    }
    a.onPayAck(b.onPay(a.pay(9_000n)).message);
    b.onPayAck(a.onPay(b.pay(2_000n)).message);
    expect(b.index).to.equal(4);

    const watcher = new DuplexWatcher({ backend: node, fromHeight: got.height, finalDepth: 2 });
    const events = record(watcher);
    watcher.close(watcher.watch(b));
    await watcher.poll();
    // Closing alone, b takes no more updates: a's payment now is refused.
    expect(b.phase).to.equal('exiting');
    expect(thrownCode(() => b.onPay(a.pay(1_000n)))).to.equal('UNEXPECTED_MESSAGE');
    await mineAndPoll(watcher, 1 + 5 + 5 + 1 + 10 + 2);
    const exit = b.exit();
    const paidTo = (key: Uint8Array) => async (tx: Transaction) => tx.outs.filter((o) => Buffer.from(o.script).equals(Buffer.from(p2wpkhScript(key as never)))).reduce((x, o) => x + o.value, 0n);
    const txs = [exit.payments.ab!, exit.refunds.ba!];
    for (const t of txs) expect(await node.getConfirmations(t.getId()), t.getId()).to.be.at.least(1);
    const aGot = (await paidTo(keys.aPayout.pub)(txs[0]!)) + (await paidTo(keys.aPayout.pub)(txs[1]!));
    const bGot = (await paidTo(keys.bPayout.pub)(txs[0]!)) + (await paidTo(keys.bPayout.pub)(txs[1]!));
    // a's 2,000 from b on b -> a was never published by a (silent), so b's refund took it back: a gets its a -> b change only.
    expect(aGot).to.equal(a.leafBalances.a - 9_000n - ctx.simplexFee);
    expect(bGot).to.equal(b.balance + 2_000n - ctx.simplexFee);
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
  });

  it('follows a reset that crosses the kickoff: the newest branch is what it publishes', async () => {
    const c = await open('crossing');
    const { pair } = c;
    const a = DuplexParty.open(pair.ctx, 'a', duplexKeys('crossing').aFunding.priv);
    const b = DuplexParty.open(pair.ctx, 'b', duplexKeys('crossing').bFunding.priv);
    b.onTreeSigned(a.treeSigned());
    a.onTreeSigned(b.treeSigned());
    a.markSetupConfirmed(c.setupTx);
    b.markSetupConfirmed(c.setupTx);
    b.onPayAck(a.onPay(b.pay(4_000n)).message);
    const watcher = new DuplexWatcher({ backend: node, fromHeight: c.setupHeight, finalDepth: 2 });
    const events = record(watcher);
    watcher.watch(() => a.exit());
    // b publishes the kickoff; a and b, not yet aware, reset twice (state 2 changes the leaf only).
    await broadcastAndConfirm(node, c.kickoff);
    await watcher.poll();
    const first = a.exit().branch.map((t) => t.getId());
    b.onResetDone(a.onResetAck(b.onReset(a.proposeReset())));
    b.onResetDone(a.onResetAck(b.onReset(a.proposeReset())));
    expect(a.index).to.equal(2);
    const newest = a.exit().branch;
    expect(newest[0]!.getId()).to.equal(first[0]);
    expect(newest[1]!.getId()).to.not.equal(first[1]);
    await mineAndPoll(watcher, 4 + 1 + 4 + 1 + 1);
    for (const t of newest) expect(await node.getConfirmations(t.getId())).to.be.at.least(1);
    expect((await node.getTransaction(first[1]!))?.blockHeight).to.equal(undefined);
    const payment = a.exit().payments.ba;
    expect(payment).to.equal(undefined); // the 4,000 b paid a moved into a's leaf balance at the reset
    expect(events.filter((e) => e.kind === 'duty' && e.what === 'leaf').map((e) => (e as { txid: string }).txid)).to.deep.equal([newest[1]!.getId()]);
  });
});
