/**
 * The watchers never take one look at the chain as final, on the embedded
 * regtest node: blocks replaced by a reorg, transactions evicted from the
 * mempool, a backend or a listener that fails once, a mempool that refuses a
 * claim for its fee, congestion up to the deadline, and a stuck close that a
 * child must pay for. Each test asserts what the honest party holds on chain
 * in the end.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { ReceiverWatcher, SenderWatcher, WatcherEvent, SenderWatcherEvent, classifyFundingSpend, dustLimit, feeForWeight, penaltyWeight } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { CSV_DELAY, chainView, mineTo, payMany, payOnce, readConfirmed, sumOuts, valueTo, wire } from './support/e2e';
import { AdversarialChannel, openAdversarialChannel, outputTo, receiverWatcher, receiverHolds } from './support/adversarial';
import { flaky } from './support/flaky-backend';

const RATE = 1000n;

describe('watchers against reorgs, evictions, failures and fees on the embedded regtest node', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  beforeEach(async () => { node = await RegtestNode.start(); });
  afterEach(async () => { await node?.stop(); });

  const open = (name: 'CLTV' | 'CSV') => openAdversarialChannel(node, name);

  async function revokedAndLatest(c: AdversarialChannel): Promise<Transaction[]> {
    const versions = [c.sender.latestTransaction()];
    await payMany(c, 3, (tx) => versions.push(tx));
    return versions;
  }


  async function mineAndPoll(n: number, ...watchers: { poll(): Promise<void> }[]): Promise<void> {
    for (let i = 0; i < n; i++) {
      await node.mine(1);
      for (const w of watchers) await w.poll();
    }
  }

  describe('reorgs', () => {
    it('a penalty claim reorged out of the chain is broadcast again and confirms on the new branch', async () => {
      const c = await open('CSV');
      const versions = await revokedAndLatest(c);
      const w = await receiverWatcher(c, RATE);
      await node.broadcast(versions[1]!.toBuffer());
      await mineAndPoll(1, w);
      const [first] = w.of('penalty-broadcast');
      await mineAndPoll(1, w);
      expect(w.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal([first!.txid]);
      // The claim's block is replaced by a branch without it, and it is gone from the mempool too.
      await node.reorg(1, { drop: [first!.txid] });
      expect(await node.getTransaction(first!.txid)).to.equal(undefined);
      await w.poll();
      expect(w.of('reorg')).to.have.length(1);
      const again = w.of('penalty-broadcast').slice(1);
      expect(again, 'a claim broadcast again').to.have.length(1);
      expect(node.mempoolHas(again[0]!.txid)).to.equal(true);
      await mineAndPoll(1, w);
      expect(w.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal([first!.txid, again[0]!.txid]);
      const claim = await readConfirmed(node, again[0]!.txid);
      expect(await receiverHolds(c)).to.equal(sumOuts(versions[1]!) - claim.fee);
      await mineAndPoll(6, w);
      expect(w.of('resolved')).to.deep.include({
        kind: 'resolved', channelId: w.of('spend')[0]!.channelId, outcome: 'revoked-sender-version', txid: versions[1]!.getId(),
        height: (await readConfirmed(node, versions[1]!.getId())).height, claim: again[0]!.txid,
      });
    });

    it('a revoked version reorged out and mined again on the new branch is still punished', async () => {
      const c = await open('CSV');
      const versions = await revokedAndLatest(c);
      const w = await receiverWatcher(c, RATE, { checkMempool: false });
      await node.broadcast(versions[0]!.toBuffer());
      await mineAndPoll(1, w);
      const [claim] = w.of('penalty-broadcast');
      // Both fall back to the mempool; the new branch is empty, so the claim must survive there or be sent again.
      await node.reorg(1, { empty: true });
      await w.poll();
      await mineAndPoll(1, w);
      const confirmed = w.of('penalty-confirmed');
      expect(confirmed.length, 'claim confirmed on the new branch').to.be.at.least(1);
      expect(confirmed.at(-1)!.txid).to.equal(claim!.txid);
      expect(await receiverHolds(c)).to.equal(sumOuts(versions[0]!) - (await readConfirmed(node, claim!.txid)).fee);
    });

    it('CLTV: a cutoff close reorged out and dropped is broadcast again and confirms before the expiry', async () => {
      const c = await open('CLTV');
      await payMany(c, 3);
      const final = c.receiver.amount;
      const w = await receiverWatcher(c, RATE);
      while (w.of('cutoff').length === 0) await mineAndPoll(1, w);
      const close = w.of('cutoff')[0]!.txid!;
      await mineAndPoll(1, w);
      expect((await node.getTransaction(close))?.blockHeight, 'the close mined').to.be.a('number');
      await node.reorg(1, { drop: [close] });
      await w.poll();
      expect(w.of('spend-vanished').map((e) => e.txid)).to.deep.equal([close]);
      expect(node.mempoolHas(close)).to.equal(true);
      await mineAndPoll(1, w);
      const confirmed = await readConfirmed(node, close);
      expect(confirmed.height).to.be.below(c.expiry!);
      expect(await receiverHolds(c)).to.equal(final);
    });

    it('the sender\'s watcher: its version reorged out and dropped is looked up again, and it sweeps only the version on the best chain', async () => {
      const c = await open('CSV');
      await payMany(c, 2);
      const sw = new SenderWatcher(c.sender, { backend: node, destinationScript: c.walletScript, feeRate: RATE });
      const events: SenderWatcherEvent[] = [];
      sw.on('event', (e: SenderWatcherEvent) => events.push(e));
      const own = c.sender.latestTransaction();
      await node.broadcast(own.toBuffer());
      await mineAndPoll(1, sw);
      expect(events.map((e) => e.kind)).to.deep.equal(['closed']);
      await node.reorg(1, { drop: [own.getId()] });
      await sw.poll();
      expect(events.map((e) => e.kind)).to.deep.equal(['closed', 'spend-vanished']);
      await node.broadcast(own.toBuffer());
      await mineAndPoll(CSV_DELAY + 8, sw);
      const kinds = events.map((e) => e.kind);
      expect(kinds.filter((k) => k === 'sweep-broadcast')).to.have.length(1);
      expect(kinds).to.include('sweep-confirmed');
      expect(kinds.at(-1)).to.equal('resolved');
    });
  });

  describe('evictions', () => {
    it('CLTV: a sender\'s version evicted from the mempool puts the channel back under watch, and the cutoff close still comes before the expiry', async () => {
      const c = await open('CLTV');
      const versions = await revokedAndLatest(c);
      const final = c.receiver.amount;
      const w = await receiverWatcher(c, RATE);
      const latest = versions.at(-1)!;
      await node.broadcast(latest.toBuffer());
      await w.poll();
      expect(w.of('spend')[0]).to.include({ classification: 'latest-sender-version', txid: latest.getId() });
      expect(node.evict(latest.getId())).to.equal(true);
      await w.poll();
      expect(w.of('spend-vanished').map((e) => e.txid)).to.deep.equal([latest.getId()]);
      while ((await node.getTip()).height < c.expiry! - 1) await mineAndPoll(1, w);
      const [cutoff] = w.of('cutoff');
      expect(cutoff?.txid, 'a close at the cutoff').to.be.a('string');
      const closed = await readConfirmed(node, cutoff!.txid!);
      expect(closed.height).to.be.below(c.expiry!);
      expect(await receiverHolds(c)).to.equal(final);
    });

    it('a penalty claim evicted from the mempool is broadcast again until it confirms', async () => {
      const c = await open('CSV');
      const versions = await revokedAndLatest(c);
      const w = await receiverWatcher(c, RATE);
      await node.broadcast(versions[2]!.toBuffer());
      await mineAndPoll(1, w);
      const [claim] = w.of('penalty-broadcast');
      expect(node.evict(claim!.txid)).to.equal(true);
      await w.poll();
      expect(node.mempoolHas(claim!.txid), 'the same claim again').to.equal(true);
      await mineAndPoll(1, w);
      expect(w.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal([claim!.txid]);
      expect(await receiverHolds(c)).to.equal(sumOuts(versions[2]!) - (await readConfirmed(node, claim!.txid)).fee);
    });
  });

  describe('transient failures', () => {
    it('a backend that fails while the revoked version is first seen never stops the penalty', async () => {
      const c = await open('CSV');
      const versions = await revokedAndLatest(c);
      const backend = flaky(node, { getSpender: [1], getTransaction: [2] });
      const w = await receiverWatcher(c, RATE, { backend });
      await node.broadcast(versions[1]!.toBuffer());
      // The mempool read fails, then the first look at the revoked outputs: each costs one poll, none the claim.
      await w.poll();
      expect(w.of('spend')).to.have.length(0);
      await w.poll();
      expect(w.of('spend')).to.have.length(1);
      expect(w.of('penalty-broadcast')).to.have.length(0);
      await w.poll();
      expect(w.of('penalty-broadcast')).to.have.length(1);
      await mineAndPoll(1, w);
      const claims = w.of('penalty-confirmed');
      expect(claims, 'a claim confirmed').to.have.length(1);
      expect(w.of('error').map((e) => e.code)).to.deep.equal(['CHAIN_BACKEND', 'CHAIN_BACKEND']);
      expect(backend.faults.map((f) => f.method)).to.deep.equal(['getTransaction', 'getSpender']);
      expect(await receiverHolds(c)).to.equal(sumOuts(versions[1]!) - (await readConfirmed(node, claims[0]!.txid)).fee);
    });

    it('a block read that fails is read again on the next poll', async () => {
      const c = await open('CSV');
      const versions = await revokedAndLatest(c);
      const w = await receiverWatcher(c, RATE, { backend: flaky(node, { getBlock: [1], getTip: [2] }), checkMempool: false });
      await node.broadcast(versions[1]!.toBuffer());
      await node.mine(1);
      await w.poll(); // getBlock fails
      await w.poll(); // getTip fails
      await w.poll();
      expect(w.of('error').map((e) => e.code)).to.deep.equal(['CHAIN_BACKEND', 'CHAIN_BACKEND']);
      expect(w.of('penalty-broadcast')).to.have.length(1);
      await mineAndPoll(1, w);
      expect(w.of('penalty-confirmed')).to.have.length(1);
    });

    it('a listener that throws changes nothing the watcher does', async () => {
      const c = await open('CSV');
      const versions = await revokedAndLatest(c);
      const watcher = new ReceiverWatcher({ backend: node, feeRate: RATE, destinationScript: c.receiverDest, fromHeight: c.fundingHeight });
      watcher.watch(c.receiver);
      watcher.on('spend', () => { throw new Error('a caller\'s bug'); });
      const events: WatcherEvent[] = [];
      watcher.on('event', (e: WatcherEvent) => events.push(e));
      await node.broadcast(versions[1]!.toBuffer());
      await watcher.poll();
      await node.mine(1);
      await watcher.poll();
      expect(events.map((e) => e.kind).filter((k) => k !== 'block')).to.deep.equal(['spend', 'penalty-broadcast', 'penalty-confirmed']);
      expect(watcher.listenerFailures.count).to.equal(1);
    });
  });

  describe('fees', () => {
    it('a claim the mempool refuses for its fee is rebuilt at a higher rate at once', async () => {
      const c = await open('CSV');
      const versions = await revokedAndLatest(c);
      const w = await receiverWatcher(c, RATE);
      await node.broadcast(versions[1]!.toBuffer());
      await node.mine(1);
      // 20 sat/vB = 5000 sat/kw: 1000, 2000 and 4000 are refused, 8000 goes.
      node.setMinFeeRate(5000n);
      await w.poll();
      expect(w.of('error')).to.deep.equal([]);
      const claims = w.of('penalty-broadcast');
      expect(claims.map((e) => e.feeRate)).to.deep.equal([8000n]);
      node.setMinFeeRate(250n);
      await mineAndPoll(1, w);
      const claim = await readConfirmed(node, claims[0]!.txid);
      expect(claim.fee).to.equal(feeForWeight(penaltyWeight(c.receiver.context.revocableTemplate, true, c.receiverDest.length), 8000n));
      expect(await receiverHolds(c)).to.equal(sumOuts(versions[1]!) - claim.fee);
    });

    it('CSV: with every block full above the ordinary rates, the claim burns the revocable output in the last blocks and still beats the sender\'s timeout', async () => {
      const c = await open('CSV');
      const versions = await revokedAndLatest(c);
      const watcher = new ReceiverWatcher({
        backend: node, feeRate: RATE, maxFeeRate: 4n * RATE, destinationScript: c.receiverDest, fromHeight: c.fundingHeight, burnWithin: 2,
      });
      watcher.watch(c.receiver);
      const events: WatcherEvent[] = [];
      watcher.on('event', (e: WatcherEvent) => events.push(e));
      const revoked = versions[2]!;
      await node.broadcast(revoked.toBuffer());
      await node.mine(1);
      const revokedHeight = (await readConfirmed(node, revoked.getId())).height;
      const congestion = 20n * RATE; // above the ordinary ceiling, below the burn
      const claims = () => events.filter((e) => e.kind === 'penalty-broadcast') as Extract<WatcherEvent, { kind: 'penalty-broadcast' }>[];
      for (let i = 0; i < CSV_DELAY && !events.some((e) => e.kind === 'penalty-confirmed'); i++) {
        // A replacing mempool (Bitcoin Core, BIP 125) would take each bump; here the older claim leaves first.
        for (const e of claims()) node.evict(e.txid);
        await watcher.poll();
        await node.mineAboveFeeRate(1, congestion);
      }
      await watcher.poll();
      const confirmed = events.find((e) => e.kind === 'penalty-confirmed') as Extract<WatcherEvent, { kind: 'penalty-confirmed' }>;
      expect(confirmed, 'the claim confirmed').to.not.equal(undefined);
      expect(confirmed.height).to.be.below(revokedHeight + CSV_DELAY);
      const claim = await readConfirmed(node, confirmed.txid);
      // The burn takes the revocable output alone and leaves the destination a dust output.
      expect(claim.tx.ins).to.have.length(1);
      expect(valueTo(claim.tx, c.receiverDest) <= dustLimit(c.receiverDest) + 10n, 'only dust left').to.equal(true);
      const rates = claims().map((e) => e.feeRate);
      expect(rates[0]).to.equal(RATE);
      expect(rates.slice(0, -1).every((r) => r <= 4n * RATE)).to.equal(true);
      // The sender's timeout sweep finds the output gone.
      await mineTo(node, revokedHeight + CSV_DELAY);
      const sweep = c.sender.timeoutSweep(revoked.toBuffer(), c.walletScript, RATE);
      expect(await node.broadcast(sweep.toBuffer()).then(() => 'accepted', (e) => e.code)).to.equal('BROADCAST_REJECTED');
      // The receiver keeps its own output of the revoked version: what it was owed at that state.
      const own = outputTo(revoked, c.receiver.context.receiverPayoutScript);
      expect(await node.getSpender({ txid: revoked.getId(), vout: own })).to.equal(undefined);
    });

    it('CLTV: a cutoff close stuck under congestion gets a child through the receiver\'s output and confirms before the expiry', async () => {
      const c = await open('CLTV');
      await payOnce(c, 200_000n);
      const final = c.receiver.amount;
      const w = await receiverWatcher(c, 2n * RATE, { cpfpAfterBlocks: 1, bumpAfterBlocks: 1 });
      const congestion = 6n * RATE;
      while ((await node.getTip()).height < c.expiry! - 1 && !(await node.getTransaction(w.of('cutoff')[0]?.txid ?? '00'.repeat(32)))?.blockHeight) {
        // A replacing mempool (BIP 125) would take each new child; here the older one leaves first.
        for (const e of w.of('cpfp-broadcast')) node.evict(e.txid);
        await w.poll();
        await node.mineAboveFeeRate(1, congestion);
      }
      await w.poll();
      const [cutoff] = w.of('cutoff');
      expect(cutoff?.txid).to.be.a('string');
      expect(w.of('cpfp-broadcast').map((e) => e.packageFeeRate)).to.deep.equal([2000n, 4000n, 8000n]);
      const closed = await readConfirmed(node, cutoff!.txid!);
      expect(closed.height).to.be.below(c.expiry!);
      const child = w.of('cpfp-broadcast').at(-1)!;
      expect(child.parent).to.equal(cutoff!.txid);
      const paid = await readConfirmed(node, child.txid);
      const vout = outputTo(closed.tx, c.receiver.context.receiverPayoutScript);
      expect(valueTo(paid.tx, c.receiverDest)).to.equal(closed.tx.outs[vout]!.value - paid.fee);
      expect(closed.tx.outs[vout]!.value).to.equal(final);
      // The package reaches the congestion rate.
      expect((closed.fee + paid.fee) * 1000n / BigInt(closed.tx.weight() + paid.tx.weight()) >= congestion - 1n, 'package rate').to.equal(true);
    });

    it('the sender\'s watcher: a sweep refused for its fee is rebuilt higher at once, and a close paying it that waits gets a child', async () => {
      const c = await open('CSV');
      await payMany(c, 2);
      const sw = new SenderWatcher(c.sender, { backend: node, destinationScript: c.walletScript, feeRate: RATE, cpfpAfterBlocks: 1 });
      const events: SenderWatcherEvent[] = [];
      sw.on('event', (e: SenderWatcherEvent) => events.push(e));
      await node.broadcast(c.sender.latestTransaction().toBuffer());
      await mineAndPoll(CSV_DELAY - 2, sw);
      node.setMinFeeRate(3000n);
      await mineAndPoll(2, sw);
      node.setMinFeeRate(250n);
      const sweeps = events.filter((e) => e.kind === 'sweep-broadcast') as Extract<SenderWatcherEvent, { kind: 'sweep-broadcast' }>[];
      expect(sweeps.map((e) => e.feeRate)).to.deep.equal([4000n]);
      expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);

      const d = await open('CSV');
      await payMany(d, 2);
      const dw = new SenderWatcher(d.sender, { backend: node, destinationScript: d.walletScript, feeRate: 4n * RATE, cpfpAfterBlocks: 1 });
      const dEvents: SenderWatcherEvent[] = [];
      dw.on('event', (e: SenderWatcherEvent) => dEvents.push(e));
      const close = d.receiver.onCloseOffer(wire(d.sender.proposeClose(RATE))).tx;
      await node.broadcast(close.toBuffer());
      for (let i = 0; i < 4 && !(await node.getTransaction(close.getId()))?.blockHeight; i++) {
        await node.mineAboveFeeRate(1, 3n * RATE);
        await dw.poll();
      }
      const child = dEvents.find((e) => e.kind === 'cpfp-broadcast') as Extract<SenderWatcherEvent, { kind: 'cpfp-broadcast' }>;
      expect(child?.parent).to.equal(close.getId());
      await readConfirmed(node, close.getId());
      const paid = await readConfirmed(node, child.txid);
      const vout = outputTo(close, d.sender.context.senderPayoutScript);
      expect(valueTo(paid.tx, d.walletScript)).to.equal(close.outs[vout]!.value - paid.fee);
      void chainView;
    });
  });

  describe('funding', () => {
    it('refuses a second channel on a watched outpoint and a funding transaction that does not pay the channel', async () => {
      const c = await open('CSV');
      const w = new ReceiverWatcher({ backend: node, feeRate: RATE, destinationScript: c.receiverDest, fromHeight: c.fundingHeight });
      const wrong = Transaction.fromBuffer(c.fundingTx.toBuffer());
      wrong.outs[c.receiver.funding!.vout]!.value -= 1n;
      expect(codeOf(() => w.watch(c.receiver, { fundingTx: wrong.toBuffer() }))).to.equal('FUNDING_MISMATCH');
      expect(codeOf(() => w.watch(c.receiver, { fundingTx: new Uint8Array([1, 2, 3]) }))).to.equal('INVALID_TRANSACTION');
      w.watch(c.receiver, { fundingTx: c.fundingTx.toBuffer() });
      expect(codeOf(() => w.watch(c.receiver))).to.equal('CHANNEL_ALREADY_WATCHED');
      for (const bad of [null, undefined, {}, 'receiver']) expect(codeOf(() => w.watch(bad as never))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => new ReceiverWatcher(null as never))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => new ReceiverWatcher({ backend: node, feeRate: RATE, destinationScript: c.receiverDest, fromHeight: -1 }))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => new SenderWatcher({} as never, { backend: node, destinationScript: c.walletScript, feeRate: RATE }))).to.equal('INVALID_ARGUMENT');
      for (const bad of [null, undefined, 0, '', [], {}]) {
        expect(codeOf(() => new SenderWatcher(c.sender, bad as never))).to.equal('INVALID_ARGUMENT');
        expect(codeOf(() => w.closeUnilaterally(bad as never))).to.equal('INVALID_ARGUMENT');
        expect(codeOf(() => classifyFundingSpend(bad as never, c.fundingTx))).to.equal('INVALID_ARGUMENT');
        expect(codeOf(() => classifyFundingSpend(c.receiver, bad as never))).to.equal('INVALID_TRANSACTION');
        expect(codeOf(() => w.watch(c.receiver, bad as never)), `watch options ${JSON.stringify(bad)}`).to.be.oneOf(['INVALID_ARGUMENT', 'CHANNEL_ALREADY_WATCHED']);
      }
      for (const [field, bad] of [['feeRate', 1], ['maxFeeRate', -1n], ['finalDepth', 0], ['bumpAfterBlocks', 1.5], ['destinationScript', 'hex'], ['backend', null]] as const) {
        const opts = { backend: node, feeRate: RATE, destinationScript: c.receiverDest, fromHeight: 1, [field]: bad };
        expect(codeOf(() => new ReceiverWatcher(opts as never)), field).to.be.oneOf(['INVALID_ARGUMENT', 'INVALID_FEE_RATE', 'INVALID_SCRIPT']);
      }
      // A receiver this watcher does not watch: nothing to close here.
      const other = await open('CSV');
      await payMany(other, 1);
      expect(codeOf(() => w.closeUnilaterally(other.receiver))).to.equal('NOT_FOUND');
    });
  });
});

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? 'NOT_A_CHANNEL_ERROR';
  }
  return undefined;
}
