/**
 * HTLCs in a CLTV channel on the embedded bcoin regtest node (past height
 * 1351, so blocks enforce CLTV). The other HTLC regtest specs run CSV
 * channels; here the sender's output in its version is spendable by the
 * sender from the channel's expiry T, not D blocks after confirmation:
 * - the receiver takes the largest HTLC expiry the channel's cutoff allows
 *   (E + D + G = T - margin) and refuses one block more with
 *   HTLC_EXPIRY_PAST_CHANNEL; fulfilled and never settled, that HTLC closes
 *   the channel by R4 and its success claim confirms before the cutoff;
 * - the sender's latest version with two HTLCs: the receiver claims the one
 *   it holds the preimage of, the sender reads P from the claim, takes the
 *   other back from E, and sweeps its balance only from T;
 * - a revoked sender's version carrying HTLCs: one penalty sweeps the
 *   revocable-cltv balance and every HTLC output, and the sender's timeout
 *   is then refused.
 */
import { expect } from 'chai';
import {
  HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE, SenderWatcherEvent, WatcherEvent, extractPreimage, matchTemplate, sha256, toHex,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { AdversarialChannel, Watched, expectRefused, openAdversarialChannel, receiverHolds, receiverWatcher, senderWatcher } from './support/adversarial';
import { CLTV_MARGIN, chainView, payOnce, readConfirmed, sumOuts, valueTo, wire } from './support/e2e';
import { thrownCode } from './support/errors';
import { testPreimage } from './support/test-templates';

const D = 5;
const G = 12;
const RATE = 1000n;
const FINAL_DEPTH = 6;
/** Blocks from opening to T: room for an HTLC 20 blocks out, with D, G and the margin. */
const AHEAD = 60;
let labels = 0;

interface Added {
  readonly id: number;
  readonly amount: bigint;
  readonly hash: Uint8Array;
  readonly preimage: Uint8Array;
  readonly expiry: number;
}

describe('HTLCs in a CLTV channel on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;
  beforeEach(async () => { node = await RegtestNode.start(); });
  afterEach(async () => { await node?.stop(); });

  const open = async () => {
    const c = await openAdversarialChannel(node, 'CLTV', 1_000_000n, { delay: D, claimMargin: G, expiryAhead: AHEAD });
    expect(c.variant.kind).to.equal('cltv');
    return c;
  };
  const tipHeight = async () => (await node.getTip()).height;

  function offer(c: AdversarialChannel, amount: bigint, expiry: number, chain: Awaited<ReturnType<typeof chainView>>) {
    const { preimage, hash } = testPreimage(`htlc cltv ${++labels}`);
    return { preimage, hash, message: c.sender.addHtlc({ amount, hash, expiry }, chain) };
  }

  async function addHtlc(c: AdversarialChannel, amount: bigint, expiry: number): Promise<Added> {
    const chain = await chainView(node);
    const { preimage, hash, message } = offer(c, amount, expiry, chain);
    const got = c.receiver.onRevoke(wire(c.sender.onAccept(wire(c.receiver.onOffer(wire(message), chain)))));
    return { id: got.htlc!.record.id, amount, hash, preimage, expiry };
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

  it('the latest expiry the cutoff allows is taken, one block more refused; fulfilled and never settled, it closes the channel by R4 and is claimed before the cutoff', async () => {
    const c = await open();
    await payOnce(c, 100_000n);
    const cutoff = c.expiry! - CLTV_MARGIN;
    const chain = await chainView(node);
    // One block past E + D + G = T - margin: refused, and the receiver unchanged.
    const before = JSON.stringify(c.receiver.toJSON());
    const late = offer(c, 50_000n, cutoff - D - G + 1, chain);
    expect(thrownCode(() => c.receiver.onOffer(wire(late.message), chain))).to.equal('HTLC_EXPIRY_PAST_CHANNEL');
    expect(JSON.stringify(c.receiver.toJSON())).to.equal(before);
    // A refused offer stays the sender's pending one (it cannot be withdrawn): the rest runs on a second channel.
    const c2 = await open();
    await payOnce(c2, 100_000n);
    const last = c2.expiry! - CLTV_MARGIN - D - G;
    const a = await addHtlc(c2, 50_000n, last);
    c2.sender.onFulfill(wire(c2.receiver.fulfill(a.id, a.preimage)));
    const owed = c2.receiver.amount;
    const rw = await receiverWatcher(c2, RATE);
    const sw = senderWatcher(c2, RATE);
    await sw.poll();

    await mineToAndPoll(a.expiry - D - G - 1, rw, sw);
    expect(rw.of('htlc-close')).to.deep.equal([]);
    await mineAndPoll(1, rw, sw);
    const [close] = rw.of('htlc-close');
    expect(close).to.deep.include({ ids: [a.id] });
    await mineAndPoll(1, rw, sw);
    const closed = await readConfirmed(node, close!.txid);
    expect(rw.of('spend').at(-1)).to.include({ classification: 'receiver-version', txid: close!.txid });
    const early = c2.receiver.htlcSuccessTx({
      version: 'receiver', versionTx: closed.tx.toBuffer(), htlc: htlcOf(a), preimage: a.preimage, destinationScript: c2.receiverDest, feeRate: RATE,
    });
    await expectRefused(node, early, 'non-BIP68-final');
    await mineToAndPoll(closed.height + D, rw, sw);
    const [claim] = rw.of('htlc-claim-broadcast');
    expect(claim).to.include({ id: a.id });
    const claimed = await readConfirmed(node, claim!.txid);
    expect(claimed.height).to.equal(closed.height + D);
    expect(claimed.height, 'before the channel\'s cutoff').to.be.below(cutoff);
    expect(matchTemplate(claimed.tx.ins[0]!.witness.at(-1)!)!.template).to.equal(HTLC_RECEIVER_TEMPLATE);
    await mineAndPoll(FINAL_DEPTH, rw, sw);
    expect(rw.of('resolved')).to.have.length(1);
    expect(await receiverHolds(c2)).to.equal(owed + a.amount - claimed.fee);
    expect([...errors(rw), ...errors(sw)]).to.deep.equal([]);
  });

  it('the sender\'s latest version with two HTLCs: the receiver claims one at once, the sender reads P, takes the other back from E and its balance only from T', async () => {
    const c = await open();
    await payOnce(c, 100_000n);
    const a = await addHtlc(c, 60_000n, (await tipHeight()) + 20);
    const b = await addHtlc(c, 30_000n, a.expiry);
    c.sender.onFulfill(wire(c.receiver.fulfill(a.id, a.preimage)));
    const rw = await receiverWatcher(c, RATE);
    const sw = senderWatcher(c, RATE);
    await sw.poll();

    const version = c.sender.latestTransaction();
    expect(version.outs, 'receiver, revocable, two HTLCs').to.have.length(4);
    await node.broadcast(version.toBuffer());
    await rw.poll();
    expect(rw.of('spend')[0]).to.include({ classification: 'latest-sender-version', txid: version.getId() });
    const claims = rw.of('htlc-claim-broadcast');
    expect(claims.map((e) => e.id)).to.deep.equal([a.id]);
    await sw.poll();
    await sw.poll();
    expect(sw.of('htlc-preimage').map((e) => [e.id, e.preimage])).to.deep.equal([[a.id, toHex(a.preimage)]]);
    await mineAndPoll(1, rw, sw);
    const h = (await readConfirmed(node, version.getId())).height;
    const claim = await readConfirmed(node, claims[0]!.txid);
    expect(claim.height).to.equal(h);
    const ws = claim.tx.ins[0]!.witness.at(-1)!;
    expect(matchTemplate(ws)!.template).to.equal(HTLC_SENDER_TEMPLATE);
    expect(toHex(sha256(extractPreimage(claim.tx, ws)!.preimage))).to.equal(toHex(a.hash));

    // b's timeout from E + 1 (the node refuses it before), well before T.
    const early = c.sender.htlcTimeoutTx({
      version: 'sender', versionTx: version.toBuffer(), updateKey: c.sender.updateKey(c.sender.index), htlc: htlcOf(b), destinationScript: c.walletScript, feeRate: RATE,
    });
    await expectRefused(node, early, 'non-final');
    await mineToAndPoll(b.expiry + 1, rw, sw);
    const [timeout] = sw.of('htlc-timeout-broadcast');
    expect(timeout).to.include({ id: b.id });
    await mineAndPoll(1, rw, sw);
    const taken = await readConfirmed(node, timeout!.txid);
    expect(taken.height).to.equal(b.expiry + 1);
    expect(valueTo(taken.tx, c.walletScript)).to.equal(b.amount - taken.fee);

    // The balance in the sender's own version waits for T: nothing before, its sweep in the first block that may hold it.
    expect(taken.height).to.be.below(c.expiry!);
    await mineToAndPoll(c.expiry! - 1, rw, sw);
    expect(sw.of('sweep-broadcast')).to.deep.equal([]);
    await mineAndPoll(2, rw, sw);
    const [sweep] = sw.of('sweep-confirmed');
    expect(sweep, JSON.stringify(sw.events.filter((e) => e.kind.startsWith('sweep')), (_, v) => (typeof v === 'bigint' ? String(v) : v))).to.not.equal(undefined);
    expect(sweep!.height).to.equal(c.expiry! + 1);
    const swept = await readConfirmed(node, sweep!.txid);
    expect(matchTemplate(swept.tx.ins[0]!.witness.at(-1)!)!.template.name).to.equal('revocable-cltv');
    await mineAndPoll(FINAL_DEPTH, rw, sw);
    expect(sw.of('htlc-timeout-confirmed').map((e) => e.id)).to.deep.equal([b.id]);
    expect(sw.of('resolved')).to.have.length(1);
    expect(rw.of('resolved')).to.have.length(1);
    expect([...errors(rw), ...errors(sw)]).to.deep.equal([]);
  });

  it('a revoked sender\'s version with two HTLCs: one penalty sweeps the revocable-cltv balance and both HTLC outputs; the sender\'s timeout is then refused', async () => {
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
    expect(swept.tx.outs[0]!.value + swept.fee).to.equal(sumOuts(revoked));
    const names = swept.tx.ins.map((i) => matchTemplate(i.witness.at(-1)!)?.template.name ?? 'p2wpkh').sort();
    expect(names).to.deep.equal(['htlc-offered-sender', 'htlc-offered-sender', 'p2wpkh', 'revocable-cltv']);
    const h = (await readConfirmed(node, revoked.getId())).height;
    await mineToAndPoll(Math.max(a.expiry, h + D), rw, sw);
    const timeout = c.sender.htlcTimeoutTx({
      version: 'sender', versionTx: revoked.toBuffer(), updateKey: c.sender.updateKey(Number(c.receiver.indexOf(revoked))), htlc: htlcOf(b), destinationScript: c.walletScript, feeRate: RATE,
    });
    await expectRefused(node, timeout, 'bad-txns-inputs-missingorspent');
    await mineAndPoll(FINAL_DEPTH, rw, sw);
    expect(rw.of('resolved')).to.have.length(1);
    expect(await receiverHolds(c)).to.equal(sumOuts(revoked) - swept.fee);
    expect([...errors(rw), ...errors(sw)]).to.deep.equal([]);
  });
});
