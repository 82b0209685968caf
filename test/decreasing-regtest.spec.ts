/**
 * The decreasing-lock channel on the embedded bcoin regtest node, as issue 16
 * and CONSTRUCTIONS.md 2d list. Locktime form, Δ = 10 blocks, five updates
 * alternating direction: S_5 is rejected `non-final` at tip L_5 - 1, and the
 * sixth update is refused (its lock would be behind the tip); S_5 is accepted
 * at tip L_5; with S_5 in the mempool S_4, final from L_4, is refused as a
 * double spend; S_5 is mined and S_4 is then refused (its input spent); a
 * second channel closes cooperatively at once. Kickoff form: the kickoff
 * confirms, a stale state is `non-BIP68-final` while the newest confirms.
 * nLockTime finality is consensus at every height; no script lock is used.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { ChainView, DecreasingForm, DecreasingWatchEvent, DecreasingWatcher, classifyDecreasingSpend } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { STEP, payDecreasing, wire } from './constructions/decreasing/kit';
import { openDecreasingOnChain } from './constructions/decreasing/on-chain';
import { broadcastAndConfirm, mineTo, rejectionOf } from './support/e2e';
import { thrownCode } from './support/errors';

describe('decreasing-lock channel on a regtest node', function () {
  this.timeout(120_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  async function chain(): Promise<ChainView> {
    const tip = await node.getTip();
    return { height: tip.height, medianTimePast: tip.medianTimePast };
  }

  const openOnChain = (form: DecreasingForm, label: string, o: { initialLock?: number; updates?: number } = {}) => openDecreasingOnChain(node, form, label, o);

  it('locktime form: S_5 non-final at L_5 - 1, the sixth update refused, S_5 accepted at L_5, S_4 refused beside it and after it is mined', async () => {
    const tip0 = (await chain()).height;
    const l0 = tip0 + 7 * STEP;
    const c = await openOnChain('locktime', 'regtest locktime', { initialLock: l0 });
    const view = await chain();
    const states: Transaction[] = [c.a.latestStateTx()];
    for (let i = 1; i <= 5; i++) {
      if (i % 2 === 1) payDecreasing(c.a, c.b, 20_000n, view);
      else payDecreasing(c.b, c.a, 5_000n, view);
      // Either party holds every state fully signed: the older ones are what the locks must defeat.
      states.push(i % 2 === 1 ? c.a.latestStateTx() : c.b.latestStateTx());
    }
    const l = (k: number) => l0 - k * STEP;
    expect(states.map((s) => s.locktime)).to.deep.equal([0, 1, 2, 3, 4, 5].map(l));
    const s5 = c.b.latestStateTx();
    const s4 = states[4]!;
    expect(s5.toHex()).to.equal(states[5]!.toHex());

    await mineTo(node, l(5) - 1);
    expect((await chain()).height).to.equal(l(5) - 1);
    expect((await rejectionOf(node.broadcast(s5.toBuffer()))).details).to.include({ reason: 'non-final' });
    // L_6 = L_5 - Δ is behind the tip: the sixth update is refused before anything is signed, with nothing left of the budget.
    expect(c.a.budget(await chain())).to.equal(0);
    expect(thrownCode(() => c.a.pay(1000n, { height: l(5) - 1, medianTimePast: 0 }))).to.equal('CHANNEL_EXPIRED');
    expect(c.a.latest.index).to.equal(5);

    await node.mine(1);
    expect((await chain()).height).to.equal(l(5));
    expect(await node.broadcast(s5.toBuffer())).to.equal(s5.getId());
    // Blocks that leave the mempool alone until S_4 is final: it is refused as a spend of an input S_5 already spends.
    await node.mineEmpty(STEP);
    expect((await chain()).height).to.equal(l(4));
    expect(node.mempoolHas(s5.getId())).to.equal(true);
    const beside = await rejectionOf(node.broadcast(s4.toBuffer()));
    expect(beside.code).to.equal('BROADCAST_REJECTED');
    expect(beside.details).to.include({ reason: 'bad-txns-inputs-spent' });

    await node.mine(1);
    expect(await node.getConfirmations(s5.getId())).to.equal(1);
    const after = await rejectionOf(node.broadcast(s4.toBuffer()));
    expect(after.code).to.equal('BROADCAST_REJECTED');
    expect(String(after.details?.reason)).to.match(/inputs-(spent|missingorspent)/);
    // S_5 pays both parties their latest balances, and an anchor to each.
    expect(s5.outs.map((o) => BigInt(o.value))).to.deep.equal([c.a.latest.aBalance, c.a.latest.bBalance, 330n, 330n]);
  });

  it('cooperative close: no lock, confirmed at once, far before L_0', async () => {
    const tip = (await chain()).height;
    const c = await openOnChain('locktime', 'regtest close', { initialLock: tip + 1000 });
    const view = await chain();
    payDecreasing(c.a, c.b, 30_000n, view);
    payDecreasing(c.b, c.a, 10_000n, view);
    const { message: ack, tx } = c.a.onClose(wire(c.b.proposeClose(600n)));
    const close = c.b.onCloseAck(wire(ack));
    expect(close.toHex()).to.equal(tx.toHex());
    expect(close.locktime).to.equal(0);
    const confirmed = await broadcastAndConfirm(node, close);
    expect(confirmed.tx.getId()).to.equal(close.getId());
    // The stale states are refused now: their input is spent.
    await mineTo(node, tip + 1000);
    expect((await rejectionOf(node.broadcast(c.a.latestStateTx().toBuffer()))).details?.reason).to.match(/inputs-(spent|missingorspent)/);
  });

  it('kickoff form: the kickoff confirms; a stale state is non-BIP68-final while the newest confirms first', async () => {
    const c = await openOnChain('kickoff', 'regtest kickoff', { updates: 3 });
    const view = await chain();
    const held: Transaction[] = [c.a.latestStateTx()];
    for (let i = 1; i <= 3; i++) {
      payDecreasing(i === 2 ? c.b : c.a, i === 2 ? c.a : c.b, 10_000n, view);
      held.push(c.a.latestStateTx());
    }
    expect(held.map((s) => s.ins[0]!.sequence)).to.deep.equal([30, 20, 10, 0]);
    const kickoff = c.b.kickoffTx();
    await broadcastAndConfirm(node, kickoff);
    // One block after the kickoff: state 2 waits Δ more, state 3 none.
    const stale = await rejectionOf(node.broadcast(held[2]!.toBuffer()));
    expect(stale.details).to.include({ reason: 'non-BIP68-final' });
    const newest = await broadcastAndConfirm(node, held[3]!);
    expect(newest.tx.getId()).to.equal(held[3]!.getId());
    await node.mine(STEP);
    expect((await rejectionOf(node.broadcast(held[2]!.toBuffer()))).details?.reason).to.match(/inputs-(spent|missingorspent)/);
  });

  it('the scheduler broadcasts the newest state the block its lock opens; the watcher reads each spend\'s state from its lock', async () => {
    const tip0 = (await chain()).height;
    const l0 = tip0 + 5 * STEP;
    const c = await openOnChain('locktime', 'regtest watch', { initialLock: l0 });
    const fundingHeight = (await chain()).height;
    const watcher = new DecreasingWatcher({ backend: node, fromHeight: fundingHeight, finalDepth: 3 });
    const events: DecreasingWatchEvent[] = [];
    watcher.on('event', (e) => events.push(e));
    watcher.watch(c.b);
    const view = await chain();
    const held: Transaction[] = [];
    for (let i = 1; i <= 3; i++) {
      payDecreasing(i === 2 ? c.b : c.a, i === 2 ? c.a : c.b, 4_000n, view);
      held.push(c.a.latestStateTx());
    }
    const l3 = l0 - 3 * STEP;
    await mineTo(node, l3 - 1);
    await watcher.poll();
    expect(events.filter((e) => e.kind === 'duty' || e.kind === 'error')).to.deep.equal([]);
    await node.mine(1);
    await watcher.poll();
    const s3 = c.b.latestStateTx();
    expect(events.find((e) => e.kind === 'duty')).to.deep.include({ txid: s3.getId(), index: 3 });
    expect(node.mempoolHas(s3.getId())).to.equal(true);
    await node.mine(1);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'spend')).to.deep.include({ txid: s3.getId(), spendKind: 'decreasing-state', index: 3, stale: false, height: l3 + 1 });
    await node.mine(2);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'resolved')).to.deep.include({ txid: s3.getId(), index: 3 });
    // An older state is read as what it is, from its own nLockTime.
    expect(classifyDecreasingSpend(c.ctx, held[0]!)).to.deep.equal({ kind: 'decreasing-state', index: 1 });
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
  });

  it('kickoff form: once the kickoff is in a block, the scheduler broadcasts the newest state when its relative lock opens', async () => {
    const c = await openOnChain('kickoff', 'regtest kickoff watch', { updates: 3 });
    const watcher = new DecreasingWatcher({ backend: node, fromHeight: (await chain()).height, finalDepth: 3 });
    const events: DecreasingWatchEvent[] = [];
    watcher.on('event', (e) => events.push(e));
    watcher.watch(c.a);
    const view = await chain();
    payDecreasing(c.a, c.b, 10_000n, view);
    payDecreasing(c.b, c.a, 2_000n, view);
    const s2 = c.a.latestStateTx();
    expect(s2.ins[0]!.sequence).to.equal(STEP);
    await watcher.poll();
    expect(events.filter((e) => e.kind === 'duty')).to.deep.equal([]);
    const kickoff = await broadcastAndConfirm(node, c.b.kickoffTx());
    const h = kickoff.height;
    await watcher.poll();
    expect(events.find((e) => e.kind === 'spend')).to.deep.include({ spendKind: 'decreasing-kickoff', height: h });
    await mineTo(node, h + STEP - 2);
    await watcher.poll();
    expect(events.filter((e) => e.kind === 'duty' || e.kind === 'error')).to.deep.equal([]);
    await node.mine(1);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'duty')).to.deep.include({ txid: s2.getId(), index: 2 });
    expect(node.mempoolHas(s2.getId())).to.equal(true);
    await node.mine(1);
    await watcher.poll();
    expect(events.filter((e) => e.kind === 'spend').map((e) => (e as { spendKind: string; index?: number }).index)).to.deep.equal([undefined, 2]);
    await node.mine(2);
    await watcher.poll();
    expect(events.find((e) => e.kind === 'resolved')).to.deep.include({ txid: s2.getId(), index: 2 });
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
  });
});
