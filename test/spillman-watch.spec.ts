/**
 * The Spillman watchers on the embedded regtest node, both forms, over the
 * generic watcher engine: the receiver's watcher closes with the latest
 * payment at the cutoff L - margin (not a block before), the sender's
 * watcher then sees its funding spent by that payment and never broadcasts
 * its refund; when the receiver vanished, the sender's watcher broadcasts
 * the refund at L (not a block before) and both settle once the spend is
 * buried.
 */
import { expect } from 'chai';
import { ChainView, SpillmanForm, SpillmanSender, SpillmanReceiverWatcher, SpillmanSenderWatcher, SpillmanWatchEvent, p2wpkhScript } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { CAPACITY, FEE_RATE, MARGIN, OpenedSpillman, openSpillman, paySpillman, spillmanKeys } from './constructions/spillman/kit';
import { broadcastAndConfirm, mineTo } from './support/e2e';
import { codeOf } from './support/errors';

const FINAL_DEPTH = 2;
const LOCK_AHEAD = 30;

describe('Spillman watchers on a regtest node', function () {
  this.timeout(120_000);
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

  function record(w: SpillmanReceiverWatcher | SpillmanSenderWatcher): SpillmanWatchEvent[] {
    const log: SpillmanWatchEvent[] = [];
    w.on('event', (e: SpillmanWatchEvent) => log.push(e));
    return log;
  }

  for (const form of ['S', 'C'] as const) {
    it(`Form ${form}: the receiver's watcher closes at L - margin with the latest payment; the sender's sees it and never refunds`, async () => {
      const c = await open(form, `watch close ${form}`);
      const view = await chain();
      for (let i = 0; i < 5; i++) paySpillman(c, 1000n, view);
      const rw = new SpillmanReceiverWatcher({ backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH });
      const sw = new SpillmanSenderWatcher({ backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH });
      rw.watch(c.receiver);
      sw.watch(c.sender);
      expect(codeOf(() => rw.watch(c.receiver))).to.equal('CHANNEL_ALREADY_WATCHED');
      const rlog = record(rw);
      const slog = record(sw);
      const cutoff = c.l - MARGIN - 1;
      await mineTo(node, cutoff - 1);
      await rw.poll();
      expect(rlog.filter((e) => e.kind === 'duty')).to.deep.equal([]);
      await mineTo(node, cutoff);
      await rw.poll();
      const duty = rlog.find((e) => e.kind === 'duty');
      expect(duty).to.include({ duty: 'close', txid: c.receiver.latestPaymentTransaction()!.getId() });
      expect(node.mempoolHas(duty!.kind === 'duty' ? duty!.txid : '')).to.equal(true);
      await node.mine(1);
      await mineTo(node, c.l + FINAL_DEPTH);
      await rw.poll();
      await sw.poll();
      expect(rlog.filter((e) => e.kind === 'resolved')).to.have.length(1);
      expect(rlog.find((e) => e.kind === 'resolved')).to.include({ spendKind: 'spillman-payment' });
      expect(slog.find((e) => e.kind === 'spend')).to.include({ spendKind: 'spillman-payment', index: 5 });
      expect(slog.filter((e) => e.kind === 'duty')).to.deep.equal([]);
      expect(slog.filter((e) => e.kind === 'resolved')).to.have.length(1);
    });

    it(`Form ${form}: the receiver vanished: the sender's watcher refunds at L, not a block before`, async () => {
      const c = await open(form, `watch refund ${form}`);
      paySpillman(c, 3000n, await chain());
      const sw = new SpillmanSenderWatcher({ backend: node, fromHeight: c.fundingHeight, finalDepth: FINAL_DEPTH });
      sw.watch(c.sender);
      const slog = record(sw);
      await mineTo(node, c.l - 1);
      await sw.poll();
      expect(slog.filter((e) => e.kind === 'duty' || e.kind === 'error')).to.deep.equal([]);
      await mineTo(node, c.l);
      await sw.poll();
      const duty = slog.find((e) => e.kind === 'duty');
      // Form S: the receiver's pre-signed refund; Form C: signed by the watcher at its first rate (the channel's), replaceable.
      const refund = form === 'S' ? c.sender.refundTransaction() : c.sender.refundTransaction(FEE_RATE);
      expect(duty).to.include({ duty: 'refund', txid: refund.getId() });
      await node.mine(FINAL_DEPTH);
      await sw.poll();
      expect(slog.find((e) => e.kind === 'spend')).to.include({ spendKind: 'spillman-refund' });
      expect(slog.find((e) => e.kind === 'resolved')).to.include({ spendKind: 'spillman-refund', txid: refund.getId() });
      expect(slog.filter((e) => e.kind === 'error')).to.deep.equal([]);
    });
  }

  it('refuses what it cannot watch', () => {
    expect(codeOf(() => new SpillmanReceiverWatcher(null as never))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => new SpillmanSenderWatcher({ backend: {} as never, fromHeight: 0 }))).to.equal('INVALID_ARGUMENT');
    const w = new SpillmanReceiverWatcher({ backend: node, fromHeight: 0 });
    expect(codeOf(() => w.watch({} as never))).to.equal('INVALID_ARGUMENT');
    const { sender } = SpillmanSender.open({ form: 'S', capacity: CAPACITY, lockTime: { height: 5000 }, feeRate: 1000n, secrets: spillmanKeys('watch unfunded').sender });
    expect(codeOf(() => new SpillmanSenderWatcher({ backend: node, fromHeight: 0 }).watch(sender))).to.equal('UNEXPECTED_MESSAGE');
  });
});
