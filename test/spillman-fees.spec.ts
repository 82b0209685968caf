/**
 * The Spillman watchers' fees on the embedded regtest node. Every fee of the
 * channel is frozen when it is signed, and the receiver's close must be
 * mined before L (after it the sender's refund takes the whole deposit
 * back): a close stuck under congestion gets a child through the receiver's
 * own output, its package rate doubling and then, as L nears, jumping to the
 * ceiling and to the burn of all of that output but dust. The sender's
 * refund: Form S's pre-signed one gets a child; Form C's is signed again at
 * a higher rate, and where the node keeps the first (bcoin never replaces:
 * first seen wins) a child pays what the replacement would have. A watcher
 * restarted over a close or refund it broadcast before adds nothing.
 *
 * bcoin keeps the first of two conflicting transactions, so where a node
 * that replaces (BIP 125) would take a higher child in place of the last,
 * these tests evict the last first.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, SpillmanForm, SpillmanReceiver, SpillmanReceiverWatcher, SpillmanSender, SpillmanSenderWatcher, SpillmanWatchEvent,
  feeForWeight, maxCpfpPackageFeeRate, p2wpkhScript, spillmanWeights,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { CAPACITY, MARGIN, OpenedSpillman, openSpillman, paySpillman, spillmanKeys, wire } from './constructions/spillman/kit';
import { broadcastAndConfirm, mineTo, readConfirmed, sumOuts, valueTo } from './support/e2e';
import { codeOf } from './support/errors';

const FINAL_DEPTH = 2;
const LOCK_AHEAD = 30;
/** The channel's fee rate (the kit's): what the close and the refund were signed at. */
const CHANNEL_RATE = 1000n;

type Event<K extends SpillmanWatchEvent['kind']> = Extract<SpillmanWatchEvent, { kind: K }>;

describe('Spillman watchers raise the fees of the close and the refund on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node?.stop(); });

  async function chain(): Promise<ChainView> {
    const tip = await node.getTip();
    return { height: tip.height, medianTimePast: tip.medianTimePast };
  }

  async function open(form: SpillmanForm, label: string): Promise<OpenedSpillman & { l: number; fundingHeight: number }> {
    const keys = spillmanKeys(label);
    const walletScript = p2wpkhScript(keys.wallet.pub);
    const coin = await node.fund(walletScript, CAPACITY + 100_000n);
    const view = await chain();
    const l = view.height + LOCK_AHEAD;
    const c = openSpillman(form, { label, lockTime: { height: l }, chain: view, coin: { txid: coin.txid, vout: coin.vout, value: coin.value, script: walletScript, prevTx: coin.tx } });
    const confirmed = await broadcastAndConfirm(node, c.fundingTx);
    c.receiver.markFundingConfirmed({ tx: c.fundingTx.toBuffer(), confirmations: 1 });
    return { ...c, l, fundingHeight: confirmed.height };
  }

  function recorder(w: SpillmanReceiverWatcher | SpillmanSenderWatcher): { log: SpillmanWatchEvent[]; of: <K extends SpillmanWatchEvent['kind']>(k: K) => Event<K>[] } {
    const log: SpillmanWatchEvent[] = [];
    w.on('event', (e: SpillmanWatchEvent) => log.push(e));
    return { log, of: <K extends SpillmanWatchEvent['kind']>(k: K) => log.filter((e): e is Event<K> => e.kind === k) };
  }

  async function confirmedHeight(txid: string): Promise<number | undefined> {
    return (await node.getTransaction(txid))?.blockHeight;
  }

  /** Every mempool transaction spending an output of `txid`. */
  async function spendersInMempool(txid: string): Promise<string[]> {
    const out: string[] = [];
    for (const id of await node.getMempoolTxids()) {
      const tx = Transaction.fromBuffer((await node.getTransaction(id))!.tx);
      if (tx.ins.some((i) => Buffer.from(i.hash).reverse().toString('hex') === txid)) out.push(id);
    }
    return out;
  }

  for (const form of ['S', 'C'] as const) {
    it(`Form ${form}: a close stuck under congestion gets a child whose rate doubles, jumps to the ceiling near L, then burns, and is mined before L`, async () => {
      const c = await open(form, `fees close ${form}`);
      const total = paySpillman(c, 200_000n, await chain());
      const dest = p2wpkhScript(spillmanKeys(`fees close ${form} dest`).wallet.pub);
      const w = new SpillmanReceiverWatcher({
        backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH, destinationScript: dest,
        feeRate: 2000n, maxFeeRate: 16_000n, bumpAfterBlocks: 1, cpfpAfterBlocks: 1, urgentWithin: 4, burnWithin: 2,
      });
      w.watch(c.receiver);
      const r = recorder(w);
      const close = c.receiver.latestPaymentTransaction()!;
      // Far above the close's own rate, above the schedule's ceiling: only the burn of the receiver's output gets it in.
      const congestion = 100_000n;
      const cutoff = c.l - MARGIN - 1;
      await mineTo(node, cutoff);
      const heights: number[] = [];
      while ((await node.getTip()).height < c.l && (await confirmedHeight(close.getId())) === undefined) {
        for (const e of r.of('cpfp')) node.evict(e.txid);
        const before = r.of('cpfp').length;
        await w.poll();
        if (r.of('cpfp').length > before) heights.push((await node.getTip()).height);
        await node.mineAboveFeeRate(1, congestion);
      }
      expect(r.of('duty')).to.deep.equal([{ kind: 'duty', channelId: r.of('duty')[0]!.channelId, txid: close.getId(), duty: 'close' }]);
      const closed = await readConfirmed(node, close.getId());
      // Mined in a block the refund cannot enter: its first is L + 1.
      expect(closed.height).to.be.at.most(c.l);
      const children = r.of('cpfp');
      expect(children.every((e) => e.parent === close.getId())).to.equal(true);
      const vout = closed.tx.outs.findIndex((o) => Buffer.from(o.script).equals(Buffer.from(c.receiver.context.receiverPayoutScript)));
      expect(closed.tx.outs[vout]!.value).to.equal(total);
      const burn = maxCpfpPackageFeeRate({ parent: close.toBuffer(), vout, parentFee: CAPACITY - sumOuts(close), destinationScript: dest });
      // One block after the cutoff (cpfpAfterBlocks), then doubling each block up to the ceiling, then the burn within burnWithin blocks of L.
      expect(children.map((e) => e.packageFeeRate)).to.deep.equal([2000n, 4000n, 8000n, 16_000n, burn]);
      expect(heights).to.deep.equal([cutoff + 1, cutoff + 2, cutoff + 3, cutoff + 4, c.l - 3]);
      const last = children.at(-1)!;
      const paid = await readConfirmed(node, last.txid);
      expect(valueTo(paid.tx, dest)).to.equal(total - paid.fee);
      expect((closed.fee + paid.fee) * 1000n / BigInt(closed.tx.weight() + paid.tx.weight()) >= congestion, 'the package beats the congestion').to.equal(true);
      expect(r.of('error')).to.deep.equal([]);
      // The sender's refund finds its input spent at L.
      await mineTo(node, c.l);
      expect(await node.broadcast(c.sender.refundTransaction().toBuffer()).then(() => 'accepted', (e: { code: string }) => e.code)).to.equal('BROADCAST_REJECTED');
    });
  }

  it('a cooperative close the sender broadcast at a low rate is hurried from the cutoff like the receiver\'s own close', async () => {
    const c = await open('C', 'fees cooperative close');
    const total = paySpillman(c, 100_000n, await chain());
    const { message } = c.receiver.onCloseOffer(wire(c.sender.proposeClose(253n)), 253n);
    const coop = c.sender.onCloseSigned(wire(message));
    await node.broadcast(coop.toBuffer());
    const w = new SpillmanReceiverWatcher({ backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH, feeRate: 2000n, bumpAfterBlocks: 1, cpfpAfterBlocks: 1 });
    w.watch(c.receiver);
    const r = recorder(w);
    const congestion = 3000n;
    const cutoff = c.l - MARGIN - 1;
    while ((await node.getTip()).height < c.l && (await confirmedHeight(coop.getId())) === undefined) {
      for (const e of r.of('cpfp')) node.evict(e.txid);
      await w.poll();
      await node.mineAboveFeeRate(1, congestion);
    }
    expect(r.of('spend')[0]).to.include({ txid: coop.getId(), spendKind: 'spillman-close' });
    // Nothing before the cutoff: until then the receiver could still close with its own payment if the sender's close left.
    expect(r.of('duty')).to.have.length(1);
    expect(r.of('duty')[0]).to.include({ txid: coop.getId(), duty: 'close' });
    expect(r.of('cpfp').map((e) => [e.parent, e.packageFeeRate])).to.deep.equal([[coop.getId(), 2000n], [coop.getId(), 4000n]]);
    const closed = await readConfirmed(node, coop.getId());
    expect(closed.height).to.equal(cutoff + 3);
    expect(valueTo(closed.tx, c.receiver.context.receiverPayoutScript)).to.equal(total);
    expect(r.of('error')).to.deep.equal([]);
  });

  it('a receiver\'s watcher restarted over its close and child broadcasts nothing new, and both watchers settle the channel', async () => {
    const c = await open('S', 'fees restart');
    paySpillman(c, 50_000n, await chain());
    const opts = { backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH, feeRate: 2000n, bumpAfterBlocks: 1, cpfpAfterBlocks: 1 };
    const first = new SpillmanReceiverWatcher(opts);
    first.watch(c.receiver);
    const r1 = recorder(first);
    const cutoff = c.l - MARGIN - 1;
    await mineTo(node, cutoff);
    await first.poll();
    await node.mineAboveFeeRate(1, 3000n);
    await first.poll();
    const close = c.receiver.latestPaymentTransaction()!;
    const [child] = r1.of('cpfp');
    expect(child?.parent).to.equal(close.getId());
    const mempool = (await node.getMempoolTxids()).sort();
    expect(mempool).to.include.members([close.getId(), child!.txid]);

    // The process restarts: the receiver from its saved state, a new watcher from the funding's height.
    const restored = SpillmanReceiver.restore(JSON.parse(JSON.stringify(c.receiver.toJSON())), c.keys.receiver);
    const second = new SpillmanReceiverWatcher(opts);
    second.watch(restored);
    const r2 = recorder(second);
    await second.poll();
    expect((await node.getMempoolTxids()).sort()).to.deep.equal(mempool);
    expect(await spendersInMempool(close.getId())).to.deep.equal([child!.txid]);
    // Its child is the first one's, to the byte: the schedule counts from the cutoff, not from the restart.
    expect(r2.of('cpfp').map((e) => e.txid)).to.deep.equal([child!.txid]);
    expect(r2.of('error')).to.deep.equal([]);
    // The restarted watcher carries on with the schedule: the next child, at double the rate, gets the close in.
    node.evict(child!.txid);
    await node.mineAboveFeeRate(1, 3000n);
    expect(await confirmedHeight(close.getId())).to.equal(undefined);
    await second.poll();
    expect(r2.of('cpfp').map((e) => e.packageFeeRate)).to.deep.equal([2000n, 4000n]);
    await node.mineAboveFeeRate(1, 3000n);
    expect(await confirmedHeight(close.getId())).to.be.a('number');
    await node.mine(FINAL_DEPTH);
    await second.poll();
    expect(r2.of('resolved')).to.have.length(1);
    expect(r2.of('resolved')[0]).to.include({ txid: close.getId(), spendKind: 'spillman-payment' });
  });

  it('Form S: the pre-signed refund stuck under congestion gets a child through the sender\'s output; a restarted watcher adds nothing', async () => {
    const c = await open('S', 'fees refund S');
    const opts = { backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH, feeRate: 2000n, bumpAfterBlocks: 1, cpfpAfterBlocks: 1 };
    const w = new SpillmanSenderWatcher(opts);
    w.watch(c.sender);
    const s = recorder(w);
    const refund = c.sender.refundTransaction();
    const congestion = 3000n;
    await mineTo(node, c.l);
    await w.poll();
    expect(s.of('duty')).to.have.length(1);
    expect(s.of('duty')[0]).to.include({ txid: refund.getId(), duty: 'refund' });
    await node.mineAboveFeeRate(1, congestion);
    await w.poll();
    // Restarted now: the refund and the first child are in the mempool; the new watcher builds the same child.
    const restored = SpillmanSender.restore(JSON.parse(JSON.stringify(c.sender.toJSON())), c.keys.sender);
    const again = new SpillmanSenderWatcher(opts);
    again.watch(restored);
    const a = recorder(again);
    const mempool = (await node.getMempoolTxids()).sort();
    await again.poll();
    expect((await node.getMempoolTxids()).sort()).to.deep.equal(mempool);
    expect(a.of('cpfp').map((e) => e.txid)).to.deep.equal(s.of('cpfp').map((e) => e.txid));
    for (let i = 0; i < 4 && (await confirmedHeight(refund.getId())) === undefined; i++) {
      for (const e of s.of('cpfp')) node.evict(e.txid);
      await w.poll();
      await node.mineAboveFeeRate(1, congestion);
    }
    const refunded = await readConfirmed(node, refund.getId());
    expect(s.of('cpfp').map((e) => e.packageFeeRate)).to.deep.equal([2000n, 4000n]);
    const child = s.of('cpfp').at(-1)!;
    expect(child.parent).to.equal(refund.getId());
    const paid = await readConfirmed(node, child.txid);
    // The child pays the sender's own payout script (no destination given): the refund less the child's fee.
    expect(valueTo(paid.tx, c.sender.context.senderPayoutScript)).to.equal(refunded.tx.outs[0]!.value - paid.fee);
    expect(refunded.tx.outs[0]!.value).to.equal(CAPACITY - c.sender.context.refundFee);
  });

  it('Form C: the refund is signed again at a higher rate; bcoin keeps the first, so a child pays for it; one that left the mempool is replaced', async () => {
    const c = await open('C', 'fees refund C');
    const w = new SpillmanSenderWatcher({ backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH, feeRate: 2000n, bumpAfterBlocks: 1, cpfpAfterBlocks: 1 });
    w.watch(c.sender);
    const s = recorder(w);
    const congestion = 3000n;
    await mineTo(node, c.l);
    await w.poll();
    const first = c.sender.refundTransaction(2000n);
    expect(s.of('duty').map((e) => e.txid)).to.deep.equal([first.getId()]);
    // Replaceable (BIP 125) and still locked to L.
    expect(first.ins[0]!.sequence).to.equal(0xfffffffd);
    expect(first.locktime).to.equal(c.l);
    // Restarted now: the new watcher finds the refund in the mempool, takes it as its own attempt and sends nothing.
    const again = new SpillmanSenderWatcher({ backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH, feeRate: 2000n, bumpAfterBlocks: 1, cpfpAfterBlocks: 1 });
    again.watch(SpillmanSender.restore(JSON.parse(JSON.stringify(c.sender.toJSON())), c.keys.sender));
    const a = recorder(again);
    const mempool = (await node.getMempoolTxids()).sort();
    await again.poll();
    expect((await node.getMempoolTxids()).sort()).to.deep.equal(mempool);
    expect(a.log.filter((e) => e.kind !== 'spend')).to.deep.equal([]);
    await node.mineAboveFeeRate(1, congestion);
    await w.poll();
    // The schedule asks 4000: bcoin refuses the replacement (first seen wins), keeps the first, and a child lifts it to 4000.
    expect(s.of('replaced')).to.deep.equal([]);
    expect(s.of('error').map((e) => e.code)).to.include('BROADCAST_REJECTED');
    expect(s.of('cpfp').map((e) => [e.parent, e.packageFeeRate])).to.deep.equal([[first.getId(), 4000n]]);
    await node.mineAboveFeeRate(1, congestion);
    const refunded = await readConfirmed(node, first.getId());
    await readConfirmed(node, s.of('cpfp')[0]!.txid);
    expect(refunded.fee).to.equal(feeForWeight(spillmanWeights('C').refund, 2000n));

    // Another channel: its first refund falls out of the mempool; the next attempt is the refund at the schedule's rate, in its place.
    const d = await open('C', 'fees refund C evicted');
    const dw = new SpillmanSenderWatcher({ backend: node, fromHeight: d.fundingHeight, finalDepth: FINAL_DEPTH, feeRate: 2000n, bumpAfterBlocks: 1, cpfpAfterBlocks: 1 });
    dw.watch(d.sender);
    const ds = recorder(dw);
    await mineTo(node, d.l);
    await dw.poll();
    const dFirst = ds.of('duty')[0]!.txid;
    expect(node.evict(dFirst)).to.equal(true);
    await node.mineAboveFeeRate(1, congestion);
    await dw.poll();
    const second = d.sender.refundTransaction(4000n);
    expect(ds.of('replaced')).to.deep.equal([{ kind: 'replaced', channelId: ds.of('duty')[0]!.channelId, txid: second.getId(), replaces: dFirst, feeRate: 4000n }]);
    await node.mineAboveFeeRate(1, congestion);
    await readConfirmed(node, second.getId());
    await node.mine(FINAL_DEPTH);
    await dw.poll();
    expect(ds.of('resolved')[0]).to.include({ txid: second.getId(), spendKind: 'spillman-refund' });
    expect(ds.of('cpfp')).to.deep.equal([]);
  });

  it('refuses fee options it could not honour, when made', () => {
    const base = { backend: node, fromHeight: 0 };
    expect(codeOf(() => new SpillmanReceiverWatcher({ ...base, feeRate: 100n }))).to.equal('FEE_RATE_REFUSED');
    expect(codeOf(() => new SpillmanReceiverWatcher({ ...base, feeRate: 2000n, maxFeeRate: 1000n }))).to.equal('INVALID_FEE_RATE');
    expect(codeOf(() => new SpillmanSenderWatcher({ ...base, destinationScript: Uint8Array.of(1, 2, 3) }))).to.equal('INVALID_SCRIPT');
    expect(codeOf(() => new SpillmanSenderWatcher({ ...base, cpfpAfterBlocks: 0 }))).to.equal('INVALID_ARGUMENT');
    // A ceiling below the channel's own rate is refused when the channel is watched, before anything is.
    const low = new SpillmanSenderWatcher({ ...base, maxFeeRate: CHANNEL_RATE - 1n });
    expect(codeOf(() => low.watch(openSpillman('S', { label: 'fees low ceiling' }).sender))).to.equal('INVALID_FEE_RATE');
  });
});
