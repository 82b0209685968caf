/**
 * The watchers against the embedded regtest node: a sender that broadcasts a
 * revoked state loses everything to a penalty the watcher broadcasts at once
 * (and re-broadcasts with a higher fee while it is not mined); a restarted
 * watcher does nothing twice; CLTV channels close at the cutoff; the sender
 * sweeps its own unilateral close when the lock opens.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { ChainBackend, ReceiverWatcher, SenderWatcher, WatcherEvent, feeForWeight, penaltyWeight, toHex } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { E2E_VARIANTS, FundedChannel, openFundedChannel, payMany, readConfirmed, sumOuts, valueTo } from './support/e2e';

function collect(w: ReceiverWatcher): WatcherEvent[] {
  const events: WatcherEvent[] = [];
  w.on('event', (e: WatcherEvent) => { if (e.kind !== 'block') events.push(e); });
  return events;
}

describe('watchers on the embedded regtest node', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node.stop(); });

  async function watcherFor(c: FundedChannel, feeRate = 2000n): Promise<ReceiverWatcher> {
    const w = new ReceiverWatcher({ backend: node, feeRate, destinationScript: c.receiverDest, fromHeight: c.fundingHeight });
    w.watch(c.receiver);
    await w.poll();
    return w;
  }

  for (const name of E2E_VARIANTS) {
    for (const [label, pick] of [['early (state 0)', 0], ['middle', 10], ['last-but-one', 19]] as const) {
      it(`${name}: a revoked sender version, ${label}, is punished at once and the receiver ends with everything minus fees`, async () => {
        const c = await openFundedChannel(node, name);
        const versions: Transaction[] = [c.sender.latestTransaction()];
        await payMany(c, 20, (tx) => versions.push(tx));
        const w = await watcherFor(c);
        const events = collect(w);
        const revoked = versions[pick]!;
        await node.broadcast(revoked.toBuffer());
        await w.poll(); // sees it in the mempool
        const spend = events.find((e) => e.kind === 'spend');
        expect(spend).to.include({ classification: 'revoked-sender-version', index: pick });
        const broadcast = events.find((e) => e.kind === 'penalty-broadcast') as Extract<WatcherEvent, { kind: 'penalty-broadcast' }>;
        expect(broadcast, 'penalty broadcast').to.not.equal(undefined);
        expect(node.mempoolHas(broadcast.txid)).to.equal(true);
        await node.mine(1);
        await w.poll();
        expect(events.find((e) => e.kind === 'penalty-confirmed')).to.include({ txid: broadcast.txid });
        const penalty = await readConfirmed(node, broadcast.txid);
        // Everything the revoked version paid out is now the receiver's, less the penalty's own fee.
        // The fee is the one computed from the claim's maximum weight at the watcher's rate, nothing more.
        const sweepsOwnOutput = penalty.tx.ins.length === 2;
        expect(sweepsOwnOutput).to.equal(pick !== 0); // state 0 pays the receiver nothing
        const fee = feeForWeight(penaltyWeight(c.receiver.context.revocableTemplate, sweepsOwnOutput, c.receiverDest.length), 2000n);
        expect(valueTo(penalty.tx, c.receiverDest)).to.equal(sumOuts(revoked) - fee);
        expect(Number(fee) * 1000 / penalty.tx.weight()).to.be.within(2000, 2100);
        expect(sumOuts(revoked)).to.equal(c.capacity - c.sender.context.paymentFee);
        expect(c.receiver.phase).to.equal('closed');
      });
    }
  }

  it('re-broadcasts an unmined penalty with a higher fee, signed by the receiver alone, until it confirms', async () => {
    const c = await openFundedChannel(node, 'CSV');
    const old = c.sender.latestTransaction();
    await payMany(c, 5);
    const w = new ReceiverWatcher({ backend: node, feeRate: 1000n, destinationScript: c.receiverDest, fromHeight: c.fundingHeight, bumpAfterBlocks: 2 });
    w.watch(c.receiver);
    const events = collect(w);
    await node.broadcast(old.toBuffer());
    await node.mine(1); // the revoked version confirms
    await w.poll();
    const claims = () => events.filter((e) => e.kind === 'penalty-broadcast') as Extract<WatcherEvent, { kind: 'penalty-broadcast' }>[];
    expect(claims()).to.have.length(1);
    const first = claims()[0]!;
    await node.mineEmpty(2); // congestion: the claim is not mined
    await w.poll();
    // bcoin 1.0.2 never replaces a mempool transaction; Bitcoin Core would take the bump here (BIP 125).
    const refused = events.filter((e) => e.kind === 'error');
    expect(refused).to.have.length(1);
    expect(refused[0]).to.include({ code: 'BROADCAST_REJECTED', reason: 'bad-txns-inputs-spent' });
    expect(node.mempoolHas(first.txid)).to.equal(true);
    // The low-fee claim falls out of a full mempool; the next poll's bump goes through.
    expect(node.evict(first.txid)).to.equal(true);
    await w.poll();
    expect(claims()).to.have.length(2);
    expect(claims()[1]!.replaces).to.equal(first.txid);
    expect(claims()[1]!.feeRate).to.equal(2000n);
    expect(node.mempoolHas(claims()[1]!.txid)).to.equal(true);
    await node.mine(1);
    await w.poll();
    expect(events.find((e) => e.kind === 'penalty-confirmed')).to.include({ txid: claims()[1]!.txid });
  });

  it('a restarted watcher that sees the same blocks again broadcasts nothing twice', async () => {
    const c = await openFundedChannel(node, 'CLTV');
    const old = c.sender.latestTransaction();
    await payMany(c, 3);
    const w1 = await watcherFor(c);
    await node.broadcast(old.toBuffer());
    await w1.poll();
    await node.mine(1);
    await w1.poll();
    const penaltyTxid = w1.records()[0]!.penalty!.txids[0]!;
    const w2 = new ReceiverWatcher({ backend: node, feeRate: 2000n, destinationScript: c.receiverDest, fromHeight: c.fundingHeight });
    w2.watch(c.receiver);
    const events = collect(w2);
    await w2.poll();
    expect(events.filter((e) => e.kind === 'penalty-broadcast')).to.have.length(0);
    expect(w2.records()[0]!.penalty!.txids).to.deep.equal([penaltyTxid]);
    expect(events.find((e) => e.kind === 'spend')).to.include({ classification: 'revoked-sender-version' });
  });

  it('reads the mempool with one listing per poll and fetches each new transaction once, whatever the number of channels', async () => {
    const channels = [await openFundedChannel(node, 'CSV'), await openFundedChannel(node, 'CSV'), await openFundedChannel(node, 'CSV')];
    for (const c of channels) await payMany(c, 2);
    const calls = { getSpender: 0, getTransaction: 0, getMempoolTxids: 0 };
    const counted: ChainBackend = {
      getTip: () => node.getTip(), getBlock: (h) => node.getBlock(h), getBlockHash: (h) => node.getBlockHash(h), broadcast: (raw) => node.broadcast(raw),
      getSpender: (o) => { calls.getSpender++; return node.getSpender(o); },
      getTransaction: (t) => { calls.getTransaction++; return node.getTransaction(t); },
      getMempoolTxids: () => { calls.getMempoolTxids++; return node.getMempoolTxids(); },
    };
    const w = new ReceiverWatcher({ backend: counted, feeRate: 2000n, destinationScript: channels[0]!.receiverDest, fromHeight: channels[0]!.fundingHeight });
    // With the funding transaction in hand the watcher checks it at once and need not fetch it.
    for (const c of channels) w.watch(c.receiver, { fundingTx: c.fundingTx.toBuffer() });
    const events = collect(w);
    await w.poll();
    await w.poll();
    expect(calls).to.deep.equal({ getSpender: 0, getTransaction: 0, getMempoolTxids: 2 });
    // An honest close of one channel enters the mempool: fetched once, seen as a spend at once, then again from its block.
    const close = channels[1]!.receiver.onCloseOffer(channels[1]!.sender.proposeClose(1000n)).tx;
    await node.broadcast(close.toBuffer());
    await w.poll();
    await w.poll();
    expect(calls).to.deep.equal({ getSpender: 0, getTransaction: 1, getMempoolTxids: 4 });
    expect(events).to.deep.equal([{ kind: 'spend', channelId: toHex(channels[1]!.receiver.channelId), txid: close.getId(), classification: 'cooperative-close' }]);
    await node.mine(1);
    await w.poll();
    expect(events.map((e) => e.kind)).to.deep.equal(['spend']);
    expect(w.records()[1]!.spend).to.include({ txid: close.getId(), height: (await node.getTip()).height });
  });

  it('without a mempool listing it asks for the spender of each open channel on every poll', async () => {
    const c = await openFundedChannel(node, 'CSV');
    let asked = 0;
    const plain: ChainBackend = {
      getTip: () => node.getTip(), getBlock: (h) => node.getBlock(h), getBlockHash: (h) => node.getBlockHash(h), broadcast: (raw) => node.broadcast(raw),
      getTransaction: (t) => node.getTransaction(t), getSpender: (o) => { asked++; return node.getSpender(o); },
    };
    const w = new ReceiverWatcher({ backend: plain, feeRate: 2000n, destinationScript: c.receiverDest, fromHeight: c.fundingHeight });
    w.watch(c.receiver);
    const events = collect(w);
    await w.poll();
    await w.poll();
    expect(asked).to.equal(2);
    const old = c.sender.latestTransaction();
    await payMany(c, 2);
    await node.broadcast(old.toBuffer());
    await w.poll();
    expect(events.map((e) => e.kind)).to.deep.equal(['spend', 'penalty-broadcast']);
  });

  it('classifies honest closes without acting: latest sender version, receiver version, cooperative close', async () => {
    for (const [kind, make] of [
      ['latest-sender-version', (c: FundedChannel) => c.sender.latestTransaction()],
      ['receiver-version', (c: FundedChannel) => c.receiver.latestTransaction()!],
      ['cooperative-close', (c: FundedChannel) => c.receiver.onCloseOffer(c.sender.proposeClose(1000n)).tx],
    ] as const) {
      const c = await openFundedChannel(node, 'CSV');
      await payMany(c, 3);
      const w = await watcherFor(c);
      const events = collect(w);
      await node.broadcast(make(c).toBuffer());
      await node.mine(1);
      await w.poll();
      expect(events.map((e) => e.kind)).to.deep.equal(['spend']);
      expect(events[0]).to.include({ classification: kind });
    }
  });

  it('CLTV: at the cutoff the watcher closes, and the close confirms before the expiry', async () => {
    const c = await openFundedChannel(node, 'CLTV');
    await payMany(c, 4);
    const w = await watcherFor(c);
    const events = collect(w);
    const expiry = (c.variant as { expiry: { height: number } }).expiry.height;
    while (!events.some((e) => e.kind === 'cutoff')) {
      await node.mine(1);
      await w.poll();
    }
    const cutoff = events.find((e) => e.kind === 'cutoff') as Extract<WatcherEvent, { kind: 'cutoff' }>;
    await node.mine(1);
    const confirmed = await readConfirmed(node, cutoff.txid!);
    expect(confirmed.height).to.be.below(expiry);
    expect(valueTo(confirmed.tx, c.receiver.context.receiverPayoutScript)).to.equal(c.receiver.amount);
  });

  for (const name of E2E_VARIANTS) {
    it(`${name}: the sender's watcher sweeps its own unilateral close when the lock opens, not before`, async () => {
      const c = await openFundedChannel(node, name);
      await payMany(c, 3);
      const sw = new SenderWatcher(c.sender, { backend: node, destinationScript: c.walletScript, feeRate: 1000n });
      const events: string[] = [];
      sw.on('event', (e: { kind: string }) => events.push(e.kind));
      await node.broadcast(c.sender.latestTransaction().toBuffer());
      await node.mine(1);
      await sw.poll();
      expect(events).to.deep.equal(['closed']);
      for (let i = 0; i < 200 && !events.includes('sweep-broadcast'); i++) {
        await node.mine(1);
        await sw.poll();
        expect(events.filter((e) => e === 'error')).to.have.length(0);
      }
      expect(events).to.include('sweep-broadcast');
      await node.mine(1);
      await sw.poll();
      expect(events).to.include('sweep-confirmed');
    });
  }
});
