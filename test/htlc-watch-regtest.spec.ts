/**
 * The watchers' HTLC duties on the embedded bcoin regtest node (past height
 * 1351, so CLTV is enforced), with channels whose HTLCs were added, fulfilled
 * and failed through the parties' own messages:
 * - the receiver claims, with the preimage it holds, an HTLC output of the
 *   sender's latest version at once, and the sender's watcher reads P from
 *   that claim; the HTLC it holds no preimage of goes back to the sender by
 *   its timeout (refused non-final before E, and non-BIP68-final before D
 *   on a sender's version published late);
 * - R4: an HTLC the receiver fulfilled and the sender never settled makes
 *   the receiver close with its own version at E - D - G; its success claim
 *   is refused non-BIP68-final before D and confirms after, below E + 1;
 * - a revoked sender's version carrying HTLCs is swept, balance and HTLC
 *   outputs, by one penalty (also when the sender's balance was dust, which
 *   the classifier now tells by the HTLC outputs' scripts); an output the
 *   sender took first by its timeout is left out and the rest still claimed;
 * - every claim is kept going: one dropped by a reorg or evicted from the
 *   mempool is broadcast again and confirms.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  HTLC_RECEIVER_TEMPLATE, Receiver, HTLC_SENDER_TEMPLATE, SenderWatcherEvent, WatcherEvent, classifyFundingSpend, extractPreimage, matchTemplate, paymentFeeWithHtlcs,
  sha256, toHex,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { AdversarialChannel, Watched, expectRefused, openAdversarialChannel, receiverHolds, receiverWatcher, senderWatcher } from './support/adversarial';
import { CSV_DELAY, chainView, mineTo, payOnce, readConfirmed, sumOuts, valueTo, wire } from './support/e2e';
import { testPreimage } from './support/test-templates';

/** D, the channel's HTLC delay; G, the receiver's margin (and its watcher's default). */
const D = 5;
const G = 12;
const RATE = 1000n;
const FINAL_DEPTH = 6;
let labels = 0;

interface Added {
  readonly id: number;
  readonly amount: bigint;
  readonly hash: Uint8Array;
  readonly preimage: Uint8Array;
  readonly expiry: number;
}

describe('HTLC watchers on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;
  beforeEach(async () => { node = await RegtestNode.start(); });
  afterEach(async () => { await node?.stop(); });

  const open = (capacity = 1_000_000n) => openAdversarialChannel(node, 'CSV', capacity, { delay: D, claimMargin: G });
  const tipHeight = async () => (await node.getTip()).height;

  /** An HTLC added through the wire (offer -> accept -> revoke), E blocks ahead. */
  async function addHtlc(c: AdversarialChannel, amount: bigint, expiry: number): Promise<Added> {
    const { preimage, hash } = testPreimage(`htlc watch ${++labels}`);
    const chain = await chainView(node);
    const offer = c.sender.addHtlc({ amount, hash, expiry }, chain);
    const got = c.receiver.onRevoke(wire(c.sender.onAccept(wire(c.receiver.onOffer(wire(offer), chain)))));
    return { id: got.htlc!.record.id, amount, hash, preimage, expiry };
  }

  /** The receiver gives the preimage; the sender takes it and then stalls: it never settles. */
  function fulfillOnly(c: AdversarialChannel, h: Added): void {
    c.sender.onFulfill(wire(c.receiver.fulfill(h.id, h.preimage)));
  }

  async function mineAndPoll(n: number, ...watchers: { poll(): Promise<void> }[]): Promise<void> {
    for (let i = 0; i < n; i++) {
      await node.mine(1);
      for (const w of watchers) await w.poll();
    }
  }

  async function mineToAndPoll(height: number, ...watchers: { poll(): Promise<void> }[]): Promise<void> {
    while ((await tipHeight()) < height) await mineAndPoll(1, ...watchers);
  }

  const htlcOf = (h: Added) => ({ amount: h.amount, hash: h.hash, expiry: { height: h.expiry } });
  const errors = (w: Watched<WatcherEvent> | Watched<SenderWatcherEvent>) => w.events.filter((e) => e.kind === 'error');

  describe('the sender\'s latest version', () => {
    it('the receiver claims the HTLC it holds the preimage of at once, the sender reads P from that claim and takes the other back from E', async () => {
      const c = await open();
      await payOnce(c, 100_000n);
      const a = await addHtlc(c, 60_000n, (await tipHeight()) + 20);
      const b = await addHtlc(c, 30_000n, a.expiry);
      fulfillOnly(c, a);
      const rw = await receiverWatcher(c, RATE);
      const sw = senderWatcher(c, RATE);
      await sw.poll();

      const version = c.sender.latestTransaction();
      expect(version.outs, 'receiver, revocable, two HTLCs').to.have.length(4);
      await node.broadcast(version.toBuffer());
      await rw.poll();
      expect(rw.of('spend')[0]).to.include({ classification: 'latest-sender-version', txid: version.getId() });
      const claims = rw.of('htlc-claim-broadcast');
      expect(claims.map((e) => e.id), 'a claim for the HTLC whose preimage it holds, none for the other').to.deep.equal([a.id]);
      expect(node.mempoolHas(claims[0]!.txid)).to.equal(true);

      // The sender's watcher sees its version, then the claim spending the HTLC output, unconfirmed.
      await sw.poll();
      await sw.poll();
      expect(sw.of('htlc-preimage')).to.deep.equal([{ kind: 'htlc-preimage', id: a.id, hash: toHex(a.hash), preimage: toHex(a.preimage), txid: claims[0]!.txid }]);

      await mineAndPoll(1, rw, sw);
      const h = (await readConfirmed(node, version.getId())).height;
      const claim = await readConfirmed(node, claims[0]!.txid);
      expect(claim.height, 'in the version\'s own block').to.equal(h);
      expect(rw.of('htlc-claim-confirmed')).to.deep.equal([{ kind: 'htlc-claim-confirmed', channelId: rw.of('spend')[0]!.channelId, id: a.id, txid: claim.tx.getId(), height: h }]);
      expect(valueTo(claim.tx, c.receiverDest)).to.equal(a.amount - claim.fee);
      const ws = claim.tx.ins[0]!.witness.at(-1)!;
      expect(matchTemplate(ws)!.template).to.equal(HTLC_SENDER_TEMPLATE);
      expect(toHex(sha256(extractPreimage(claim.tx, ws)!.preimage))).to.equal(toHex(a.hash));

      // b: E + 1 comes after h + D here; the node refuses the sender's timeout until then, and the watcher sends none before.
      expect(a.expiry + 1).to.be.above(h + D);
      const early = c.sender.htlcTimeoutTx({
        version: 'sender', versionTx: version.toBuffer(), updateKey: c.sender.updateKey(c.sender.index), htlc: htlcOf(b), destinationScript: c.walletScript, feeRate: RATE,
      });
      await expectRefused(node, early, 'non-final');
      await mineToAndPoll(b.expiry - 1, rw, sw);
      expect(sw.of('htlc-timeout-broadcast')).to.deep.equal([]);
      await mineAndPoll(1, rw, sw);
      const [timeout] = sw.of('htlc-timeout-broadcast');
      expect(timeout).to.include({ id: b.id });
      await mineAndPoll(1, rw, sw);
      const taken = await readConfirmed(node, timeout!.txid);
      expect(taken.height).to.equal(b.expiry + 1);
      expect(valueTo(taken.tx, c.walletScript)).to.equal(b.amount - taken.fee);
      expect(extractPreimage(taken.tx, taken.tx.ins[0]!.witness.at(-1)!)).to.equal(undefined);
      // The receiver, who never had b's preimage, lost nothing it could claim.
      expect(rw.of('htlc-claim-lost')).to.deep.equal([]);

      await mineAndPoll(FINAL_DEPTH, rw, sw);
      expect(sw.of('htlc-timeout-confirmed')).to.deep.equal([{ kind: 'htlc-timeout-confirmed', id: b.id, txid: timeout!.txid, height: b.expiry + 1 }]);
      expect(sw.of('htlc-timeout-lost').map((e) => [e.id, e.txid])).to.deep.equal([[a.id, claim.tx.getId()]]);
      expect(sw.of('sweep-confirmed'), 'its balance swept after the CSV delay').to.have.length(1);
      expect(sw.of('resolved')).to.have.length(1);
      expect(rw.of('resolved')).to.have.length(1);
      expect([...errors(rw), ...errors(sw)]).to.deep.equal([]);
    });

    it('its version of a state the receiver accepted and the sender never revoked the one before: the receiver still claims the HTLC it fulfilled, and keeps the key through a restore', async () => {
      const c = await open();
      await payOnce(c, 100_000n);
      const a = await addHtlc(c, 60_000n, (await tipHeight()) + 20);
      fulfillOnly(c, a);
      const rw = await receiverWatcher(c, RATE);
      // The next state, accepted; the sender keeps its revoke and broadcasts its version of that state, which still carries a.
      c.sender.onAccept(wire(c.receiver.onOffer(wire(c.sender.pay(1_000n)), await chainView(node))));
      const version = c.sender.latestTransaction();
      await node.broadcast(version.toBuffer());
      await rw.poll();
      expect(rw.of('spend')[0]).to.include({ classification: 'latest-sender-version', txid: version.getId() });
      const claims = rw.of('htlc-claim-broadcast');
      expect(claims.map((e) => e.id)).to.deep.equal([a.id]);
      await mineAndPoll(1, rw);
      const claim = await readConfirmed(node, claims[0]!.txid);
      expect(valueTo(claim.tx, c.receiverDest)).to.equal(a.amount - claim.fee);
      // Closed, the receiver saved and restored still holds the key of the state it let go of.
      const restored = Receiver.restore(JSON.parse(JSON.stringify(c.receiver.toJSON())), c.receiverSecrets);
      expect(restored.phase).to.equal('closed');
      expect(toHex(restored.updateKeyAt(c.receiver.index + 1)!)).to.equal(toHex(c.sender.updateKey(c.sender.index)));
      expect(errors(rw)).to.deep.equal([]);
    });

    it('an HTLC too small to be an output forces no close at E - D - G: it is fee in every version', async () => {
      const c = await open();
      await payOnce(c, 100_000n);
      const dust = await addHtlc(c, 200n, (await tipHeight()) + 20);
      fulfillOnly(c, dust);
      const rw = await receiverWatcher(c, RATE);
      await mineToAndPoll(dust.expiry, rw);
      expect(rw.of('htlc-close')).to.deep.equal([]);
      expect(c.receiver.phase).to.equal('open');
    });

    it('published after E - D: the sender\'s timeout is refused non-final before E, non-BIP68-final before D, and the watcher\'s confirms at h + D', async () => {
      const c = await open();
      await payOnce(c, 50_000n);
      const x = await addHtlc(c, 40_000n, (await tipHeight()) + 20);
      const rw = await receiverWatcher(c, RATE);
      const sw = senderWatcher(c, RATE);
      await mineToAndPoll(x.expiry - 2, rw, sw);
      const version = c.sender.latestTransaction();
      await node.broadcast(version.toBuffer());
      await mineAndPoll(1, rw, sw);
      const h = (await readConfirmed(node, version.getId())).height;
      expect(h).to.equal(x.expiry - 1);
      const own = c.sender.htlcTimeoutTx({
        version: 'sender', versionTx: version.toBuffer(), updateKey: c.sender.updateKey(c.sender.index), htlc: htlcOf(x), destinationScript: c.walletScript, feeRate: RATE,
      });
      await expectRefused(node, own, 'non-final');
      await mineToAndPoll(x.expiry, rw, sw);
      await expectRefused(node, own, 'non-BIP68-final');
      await mineToAndPoll(h + D - 2, rw, sw);
      await expectRefused(node, own, 'non-BIP68-final');
      expect(sw.of('htlc-timeout-broadcast')).to.deep.equal([]);
      await mineAndPoll(1, rw, sw);
      const [timeout] = sw.of('htlc-timeout-broadcast');
      expect(timeout, 'broadcast once D has passed').to.include({ id: x.id });
      await mineAndPoll(1, rw, sw);
      expect((await readConfirmed(node, timeout!.txid)).height).to.equal(h + D);
      // The receiver had no preimage: it made no claim and no close.
      expect(rw.of('htlc-claim-broadcast')).to.deep.equal([]);
      expect([...errors(rw), ...errors(sw)]).to.deep.equal([]);
    });
  });

  describe('R4: the receiver\'s own version', () => {
    it('an HTLC fulfilled but never settled closes the channel at E - D - G; the success claim is refused before D, confirms after and below E + 1; the sender reads P and takes back the other HTLC from E', async () => {
      const c = await open();
      await payOnce(c, 100_000n);
      const a = await addHtlc(c, 70_000n, (await tipHeight()) + 30);
      const b = await addHtlc(c, 25_000n, a.expiry);
      fulfillOnly(c, a);
      const owed = c.receiver.amount;
      const rw = await receiverWatcher(c, RATE);
      const sw = senderWatcher(c, RATE);
      await sw.poll();

      await mineToAndPoll(a.expiry - D - G - 1, rw, sw);
      expect(rw.of('htlc-close')).to.deep.equal([]);
      await mineAndPoll(1, rw, sw);
      const [close] = rw.of('htlc-close');
      expect(close).to.deep.include({ ids: [a.id] });
      expect(close!.txid).to.equal(c.receiver.latestTransaction()!.getId());
      expect(node.mempoolHas(close!.txid)).to.equal(true);
      await mineAndPoll(1, rw, sw);
      const closed = await readConfirmed(node, close!.txid);
      const h = closed.height;
      expect(rw.of('spend').at(-1)).to.include({ classification: 'receiver-version', txid: close!.txid });
      expect(valueTo(closed.tx, c.receiver.context.receiverPayoutScript)).to.equal(owed);

      // The success branch of the receiver's version waits D blocks: the node refuses it before, the watcher sends none.
      const early = c.receiver.htlcSuccessTx({
        version: 'receiver', versionTx: closed.tx.toBuffer(), htlc: htlcOf(a), preimage: a.preimage, destinationScript: c.receiverDest, feeRate: RATE,
      });
      await expectRefused(node, early, 'non-BIP68-final');
      await mineToAndPoll(h + D - 2, rw, sw);
      await expectRefused(node, early, 'non-BIP68-final');
      expect(rw.of('htlc-claim-broadcast')).to.deep.equal([]);
      await mineAndPoll(1, rw, sw);
      const [claim] = rw.of('htlc-claim-broadcast');
      expect(claim).to.include({ id: a.id });
      await mineAndPoll(1, rw, sw);
      const claimed = await readConfirmed(node, claim!.txid);
      expect(claimed.height).to.equal(h + D);
      expect(claimed.height, 'before the sender\'s timeout opens').to.be.at.most(a.expiry);
      expect(matchTemplate(claimed.tx.ins[0]!.witness.at(-1)!)!.template).to.equal(HTLC_RECEIVER_TEMPLATE);
      await sw.poll();
      expect(sw.of('htlc-preimage').map((e) => [e.id, e.preimage, e.txid])).to.deep.equal([[a.id, toHex(a.preimage), claim!.txid]]);

      // b, whose preimage the receiver never had: the sender's timeout on the receiver's version from E + 1.
      const own = c.sender.htlcTimeoutTx({ version: 'receiver', versionTx: closed.tx.toBuffer(), htlc: htlcOf(b), destinationScript: c.walletScript, feeRate: RATE });
      await expectRefused(node, own, 'non-final');
      await mineToAndPoll(b.expiry - 1, rw, sw);
      expect(sw.of('htlc-timeout-broadcast')).to.deep.equal([]);
      await mineAndPoll(2, rw, sw);
      const [timeout] = sw.of('htlc-timeout-broadcast');
      expect((await readConfirmed(node, timeout!.txid)).height).to.equal(b.expiry + 1);
      await mineAndPoll(FINAL_DEPTH, rw, sw);
      expect(sw.of('htlc-timeout-confirmed').map((e) => e.id)).to.deep.equal([b.id]);
      expect(rw.of('resolved')).to.have.length(1);
      expect(sw.of('resolved')).to.have.length(1);
      expect(await receiverHolds(c)).to.equal(owed + a.amount - claimed.fee);
      expect([...errors(rw), ...errors(sw)]).to.deep.equal([]);
    });

    it('a watcher grace larger than the receiver\'s claim margin closes that much earlier', async () => {
      const c = await open();
      await payOnce(c, 10_000n);
      const a = await addHtlc(c, 20_000n, (await tipHeight()) + 30);
      fulfillOnly(c, a);
      expect(c.receiver.htlcClaimDeadline(a.id)).to.equal(a.expiry - D - G);
      const rw = await receiverWatcher(c, RATE, { htlcGraceBlocks: G + 3 });
      await mineToAndPoll(a.expiry - D - G - 4, rw);
      expect(rw.of('htlc-close')).to.deep.equal([]);
      await mineAndPoll(1, rw);
      expect(rw.of('htlc-close').map((e) => e.ids)).to.deep.equal([[a.id]]);
    });

    it('nothing happens while the sender settles in time: a settled HTLC forces no close', async () => {
      const c = await open();
      await payOnce(c, 10_000n);
      const a = await addHtlc(c, 20_000n, (await tipHeight()) + 20);
      fulfillOnly(c, a);
      const chain = await chainView(node);
      const settle = c.sender.settleHtlc(a.id);
      c.receiver.onRevoke(wire(c.sender.onAccept(wire(c.receiver.onOffer(wire(settle), chain)))));
      const rw = await receiverWatcher(c, RATE);
      await mineToAndPoll(a.expiry + 2, rw);
      expect(rw.of('htlc-close')).to.deep.equal([]);
      expect(rw.of('spend')).to.deep.equal([]);
    });
  });

  describe('a revoked sender\'s version carrying HTLCs', () => {
    it('one penalty sweeps the balance, every HTLC output and the receiver\'s own; the sender\'s timeout is then refused', async () => {
      const c = await open();
      await payOnce(c, 80_000n);
      const a = await addHtlc(c, 50_000n, (await tipHeight()) + 20);
      const b = await addHtlc(c, 35_000n, a.expiry);
      const revoked = c.sender.latestTransaction();
      await payOnce(c, 1_000n);
      const rw = await receiverWatcher(c, RATE);
      const sw = senderWatcher(c, RATE);
      await node.broadcast(revoked.toBuffer());
      await rw.poll();
      expect(rw.of('spend')[0]).to.include({ classification: 'revoked-sender-version' });
      const [penalty] = rw.of('penalty-broadcast');
      await mineAndPoll(1, rw, sw);
      const swept = await readConfirmed(node, penalty!.txid);
      expect(swept.tx.ins).to.have.length(4);
      expect(swept.tx.outs[0]!.value + swept.fee).to.equal(sumOuts(revoked));
      const names = swept.tx.ins.map((i) => matchTemplate(i.witness.at(-1)!)?.template.name ?? 'p2wpkh').sort();
      expect(names).to.deep.equal(['htlc-offered-sender', 'htlc-offered-sender', 'p2wpkh', 'revocable-csv']);
      const h = (await readConfirmed(node, revoked.getId())).height;
      await mineToAndPoll(Math.max(a.expiry, h + D), rw, sw);
      const timeout = c.sender.htlcTimeoutTx({
        version: 'sender', versionTx: revoked.toBuffer(), updateKey: c.sender.updateKey(Number(c.receiver.indexOf(revoked))), htlc: htlcOf(b), destinationScript: c.walletScript, feeRate: RATE,
      });
      await expectRefused(node, timeout, 'bad-txns-inputs-missingorspent');
      await mineAndPoll(FINAL_DEPTH, rw, sw);
      expect(rw.of('resolved')).to.deep.include({
        kind: 'resolved', channelId: rw.of('spend')[0]!.channelId, outcome: 'revoked-sender-version', txid: revoked.getId(), height: h, claim: penalty!.txid,
      });
      expect(sw.of('htlc-timeout-lost').map((e) => e.txid)).to.deep.equal([penalty!.txid, penalty!.txid]);
      expect(sw.of('htlc-timeout-broadcast')).to.deep.equal([]);
      expect(await receiverHolds(c)).to.equal(sumOuts(revoked) - swept.fee);
    });

    it('with the sender\'s balance below dust (no revocable output) it is still the revoked sender\'s version, told by its HTLC outputs, and swept', async () => {
      const capacity = 400_000n;
      const c = await open(capacity);
      const htlcAmount = 50_000n;
      // After the HTLC the sender keeps 200 sat: below the P2WSH dust limit, so its version has no revocable output.
      await payOnce(c, capacity - htlcAmount - paymentFeeWithHtlcs(RATE, 1) - 200n);
      const x = await addHtlc(c, htlcAmount, (await tipHeight()) + 20);
      const revoked = c.sender.latestTransaction();
      expect(revoked.outs.map((o) => o.value)).to.deep.equal([c.receiver.amount, htlcAmount]);
      expect(classifyFundingSpend(c.receiver, revoked).classification).to.equal('latest-sender-version');
      // The receiver fails it, the sender removes it: the state with the HTLC is revoked.
      c.sender.onFail(wire(c.receiver.fail(x.id, 'unknown-hash')));
      const chain = await chainView(node);
      c.receiver.onRevoke(wire(c.sender.onAccept(wire(c.receiver.onOffer(wire(c.sender.failHtlc(x.id, chain)), chain)))));
      expect(classifyFundingSpend(c.receiver, revoked).classification).to.equal('revoked-sender-version');

      const rw = await receiverWatcher(c, RATE);
      const sw = senderWatcher(c, RATE);
      await node.broadcast(revoked.toBuffer());
      await rw.poll();
      await sw.poll();
      expect(sw.of('closed')[0]).to.include({ own: true });
      const [penalty] = rw.of('penalty-broadcast');
      expect(penalty, 'a penalty for the HTLC output').to.not.equal(undefined);
      await mineAndPoll(1, rw, sw);
      const swept = await readConfirmed(node, penalty!.txid);
      expect(swept.tx.ins.map((i) => matchTemplate(i.witness.at(-1)!)?.template.name ?? 'p2wpkh').sort()).to.deep.equal(['htlc-offered-sender', 'p2wpkh']);
      await mineAndPoll(FINAL_DEPTH, rw, sw);
      expect(rw.of('resolved')).to.have.length(1);
      expect(sw.of('resolved')).to.have.length(1);
      expect(await receiverHolds(c)).to.equal(sumOuts(revoked) - swept.fee);
    });

    it('an HTLC output the sender took first by its timeout is left out; the penalty still takes the balance and the other HTLC', async () => {
      const c = await open();
      await payOnce(c, 60_000n);
      const base = await tipHeight();
      const first = await addHtlc(c, 40_000n, base + 19);
      const later = await addHtlc(c, 45_000n, base + 60);
      const revoked = c.sender.latestTransaction();
      await payOnce(c, 1_000n);
      // The sender publishes the revoked version after E - D of the first HTLC, and takes it at h + D, while the receiver's watcher is away.
      await mineTo(node, first.expiry - 2);
      await node.broadcast(revoked.toBuffer());
      await node.mine(1);
      const h = (await readConfirmed(node, revoked.getId())).height;
      await mineTo(node, h + D - 1);
      const taken = c.sender.htlcTimeoutTx({
        version: 'sender', versionTx: revoked.toBuffer(), updateKey: c.sender.updateKey(Number(c.receiver.indexOf(revoked))), htlc: htlcOf(first), destinationScript: c.walletScript, feeRate: RATE,
      });
      await node.broadcast(taken.toBuffer());
      await node.mine(1);
      expect(h + CSV_DELAY, 'the balance is still to claim').to.be.above(await tipHeight());

      const rw = await receiverWatcher(c, RATE);
      const [penalty] = rw.of('penalty-broadcast');
      expect(penalty, 'a penalty without the taken output').to.not.equal(undefined);
      expect(rw.of('penalty-lost')).to.deep.equal([]);
      await mineAndPoll(1, rw);
      const swept = await readConfirmed(node, penalty!.txid);
      expect(swept.tx.ins.some((i) => i.index === Transaction.fromBuffer(taken.toBuffer()).ins[0]!.index)).to.equal(false);
      expect(swept.tx.ins.map((i) => matchTemplate(i.witness.at(-1)!)?.template.name ?? 'p2wpkh').sort()).to.deep.equal(['htlc-offered-sender', 'p2wpkh', 'revocable-csv']);
      expect(swept.tx.outs[0]!.value + swept.fee).to.equal(sumOuts(revoked) - first.amount);
      expect(rw.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal([penalty!.txid]);
      void later;
    });
  });

  describe('claims kept going', () => {
    it('a success claim dropped by a reorg is broadcast again and confirms; one evicted from the mempool is broadcast again', async () => {
      const c = await open();
      await payOnce(c, 30_000n);
      const a = await addHtlc(c, 45_000n, (await tipHeight()) + 25);
      fulfillOnly(c, a);
      const rw = await receiverWatcher(c, RATE);
      const version = c.sender.latestTransaction();
      await node.broadcast(version.toBuffer());
      await rw.poll();
      const [first] = rw.of('htlc-claim-broadcast');
      expect(node.evict(first!.txid)).to.equal(true);
      await rw.poll();
      expect(node.mempoolHas(first!.txid), 'the same claim again').to.equal(true);
      await mineAndPoll(1, rw);
      expect(rw.of('htlc-claim-confirmed').map((e) => e.txid)).to.deep.equal([first!.txid]);
      await node.reorg(1, { drop: [first!.txid] });
      expect(await node.getTransaction(first!.txid)).to.equal(undefined);
      await rw.poll();
      // Broadcast again, at the rate the schedule has reached since the first attempt.
      const again = rw.of('htlc-claim-broadcast').slice(1);
      expect(again, 'a claim broadcast again after the reorg').to.have.length(1);
      expect(again[0]).to.include({ id: a.id, replaces: first!.txid });
      expect(node.mempoolHas(again[0]!.txid)).to.equal(true);
      await mineAndPoll(1, rw);
      expect(rw.of('htlc-claim-confirmed').map((e) => e.txid)).to.deep.equal([first!.txid, again[0]!.txid]);
      const claimed = await readConfirmed(node, again[0]!.txid);
      expect(valueTo(claimed.tx, c.receiverDest)).to.equal(a.amount - claimed.fee);
    });

    it('a timeout claim evicted, then dropped by a reorg, is broadcast again until buried', async () => {
      const c = await open();
      await payOnce(c, 30_000n);
      const x = await addHtlc(c, 45_000n, (await tipHeight()) + 20);
      const rw = await receiverWatcher(c, RATE);
      const sw = senderWatcher(c, RATE);
      // The receiver publishes its version (it stopped answering); nobody knows the preimage on chain.
      const version = c.receiver.latestTransaction()!;
      await node.broadcast(version.toBuffer());
      await mineToAndPoll(x.expiry, rw, sw);
      const [timeout] = sw.of('htlc-timeout-broadcast');
      expect(timeout).to.include({ id: x.id });
      expect(node.evict(timeout!.txid)).to.equal(true);
      await sw.poll();
      expect(node.mempoolHas(timeout!.txid), 'the same timeout again').to.equal(true);
      await mineAndPoll(1, sw);
      expect((await readConfirmed(node, timeout!.txid)).height).to.equal(x.expiry + 1);
      await node.reorg(1, { drop: [timeout!.txid] });
      const afterReorg = await tipHeight();
      await sw.poll();
      const again = sw.of('htlc-timeout-broadcast').slice(1);
      expect(again, 'a timeout broadcast again after the reorg').to.have.length(1);
      expect(node.mempoolHas(again[0]!.txid)).to.equal(true);
      await mineAndPoll(FINAL_DEPTH + 1, rw, sw);
      expect(sw.of('htlc-timeout-confirmed').map((e) => e.txid)).to.deep.equal([again[0]!.txid]);
      expect((await readConfirmed(node, again[0]!.txid)).height).to.equal(afterReorg + 1);
      expect(sw.of('resolved')).to.have.length(1);
    });

    it('a penalty over HTLC outputs evicted is broadcast again', async () => {
      const c = await open();
      await payOnce(c, 30_000n);
      await addHtlc(c, 45_000n, (await tipHeight()) + 20);
      const revoked = c.sender.latestTransaction();
      await payOnce(c, 1_000n);
      const rw = await receiverWatcher(c, RATE);
      await node.broadcast(revoked.toBuffer());
      await rw.poll();
      const [penalty] = rw.of('penalty-broadcast');
      expect(node.evict(penalty!.txid)).to.equal(true);
      await rw.poll();
      expect(node.mempoolHas(penalty!.txid)).to.equal(true);
      await mineAndPoll(1, rw);
      expect(rw.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal([penalty!.txid]);
      expect((await readConfirmed(node, penalty!.txid)).tx.ins).to.have.length(3);
    });
  });
});
