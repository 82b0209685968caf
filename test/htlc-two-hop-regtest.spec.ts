/**
 * A pays C through B on the embedded bcoin regtest node (past height 1351,
 * so blocks enforce CLTV): two channels A-B and B-C funded on one node, B
 * joining them with a Forwarder, every message through the JSON wire and
 * the chain duties done by the real watchers:
 * (1) the HTLC forwarded and settled both ways, then cooperative closes
 *     paying B the incoming amount and C the outgoing one;
 * (2) B stalls after C's fulfill: C claims on its own version with P,
 *     refused non-BIP68-final before D and confirmed after; B's sender
 *     watcher reads P from the witness and B settles with A off-chain;
 * (3) A silent too: B's receiver watcher closes A-B (R4) and claims the
 *     HTLC on chain in a block before E_in;
 * (4) C silent: B's timeout on B-C is refused non-final before E_out and
 *     non-BIP68-final before D, confirmed after; A hears the failure only
 *     once the timeout is buried;
 * (5) A publishes a revoked A-B version carrying the HTLC: one penalty
 *     sweeps its balance and HTLC outputs, and A's timeout is refused;
 * (6) every revealed script is its template's, every preimage hashes to H.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  Forwarder, HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE, ScriptTemplate, extractPreimage, matchTemplate, sha256, toHex,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { AdversarialChannel, Watched, expectRefused, openAdversarialChannel, receiverHolds, receiverWatcher, senderWatcher } from './support/adversarial';
import { chainView, readConfirmed, sumOuts, valueTo, wire } from './support/e2e';
import { testPreimage } from './support/test-templates';
import { TwoHop } from './support/two-hop';
import { aAdds, pump } from './support/two-hop-pump';

const D = 5;
const G = 12;
const RATE = 1000n;
const FEE = 1_000n;
const AMOUNT_IN = 51_000n;
const AMOUNT_OUT = AMOUNT_IN - FEE;
const FINAL_DEPTH = 6;
let labels = 0;

interface Net extends TwoHop {
  ab: AdversarialChannel;
  bc: AdversarialChannel;
}

/** The claim's revealed script is `template`'s with H; a revealed preimage hashes to H. */
function expectRevealed(claim: Transaction, template: ScriptTemplate, hash: Uint8Array, preimage?: Uint8Array): void {
  const ws = claim.ins[0]!.witness.at(-1)!;
  const m = matchTemplate(ws)!;
  expect(m.template).to.equal(template);
  expect(toHex(m.values.get('H') as Uint8Array)).to.equal(toHex(hash));
  const revealed = extractPreimage(claim, ws);
  if (preimage === undefined) {
    expect(revealed).to.equal(undefined);
    return;
  }
  expect(toHex(revealed!.preimage)).to.equal(toHex(preimage));
  expect(toHex(sha256(revealed!.preimage))).to.equal(toHex(hash));
}

describe('A -> B -> C on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node?.stop(); });

  const tip = async () => (await node.getTip()).height;

  async function openNet(): Promise<Net> {
    const ab = await openAdversarialChannel(node, 'CSV', 1_000_000n, { delay: D, claimMargin: G });
    const bc = await openAdversarialChannel(node, 'CSV', 1_000_000n, { delay: D, claimMargin: G });
    const b = Forwarder.join({ incoming: ab.receiver, outgoing: bc.sender, terms: { fee: FEE, claimMargin: G, minOutgoingDelta: 20 } });
    return { ab, bc, a: ab.sender, b, c: bc.receiver };
  }

  /** A adds an HTLC expiring `ahead` blocks above the tip; B forwards it; C takes it. */
  async function send(n: Net, ahead = 60): Promise<{ preimage: Uint8Array; hash: Uint8Array; expiry: number; outExpiry: number }> {
    const p = testPreimage(`two-hop regtest ${++labels}`);
    const expiry = (await tip()) + ahead;
    const seen = aAdds(n, { amount: AMOUNT_IN, hash: p.hash, expiry }, await chainView(node));
    const fwd = seen.events.find((e) => e.kind === 'htlc-forward')!;
    expect(fwd).to.deep.include({ amount: AMOUNT_OUT, expiry: expiry - D - G });
    expect(n.c.htlcs.map((r) => [r.amount, toHex(r.hash)])).to.deep.equal([[AMOUNT_OUT, toHex(p.hash)]]);
    return { ...p, expiry, outExpiry: fwd.expiry! };
  }

  async function mineAndPoll(count: number, ...watchers: { poll(): Promise<void> }[]): Promise<void> {
    for (let i = 0; i < count; i++) {
      await node.mine(1);
      for (const w of watchers) await w.poll();
    }
  }

  async function cooperativeClose(c: AdversarialChannel): Promise<{ tx: Transaction; fee: bigint }> {
    const { message, tx } = c.receiver.onCloseOffer(wire(c.sender.proposeClose(RATE)));
    const senderTx = c.sender.onCloseSigned(wire(message));
    expect(senderTx.getId()).to.equal(tx.getId());
    await node.broadcast(tx.toBuffer());
    await node.mine(1);
    return readConfirmed(node, tx.getId());
  }

  it('(1) A pays C through B; the cooperative closes pay B the incoming amount and C the outgoing one', async () => {
    const n = await openNet();
    const h = await send(n);
    const chain = await chainView(node);
    const done = pump(n, n.b.onDownstream(wire(n.c.fulfill(0, h.preimage)), chain), chain);
    expect(done.events.map((e) => e.kind)).to.include.members(['htlc-fulfill', 'htlc-settle']);
    expect([n.a.htlcs, n.b.incoming.htlcs, n.b.outgoing.htlcs, n.c.htlcs]).to.deep.equal([[], [], [], []]);
    const abClose = await cooperativeClose(n.ab);
    const bcClose = await cooperativeClose(n.bc);
    expect(valueTo(abClose.tx, n.ab.receiver.context.receiverPayoutScript)).to.equal(AMOUNT_IN);
    expect(valueTo(bcClose.tx, n.bc.receiver.context.receiverPayoutScript)).to.equal(AMOUNT_OUT);
    // The senders keep the rest, less the close's fee: A paid the incoming amount, B the outgoing one.
    expect(valueTo(abClose.tx, n.ab.sender.context.senderPayoutScript)).to.equal(n.ab.capacity - AMOUNT_IN - abClose.fee);
    expect(valueTo(bcClose.tx, n.bc.sender.context.senderPayoutScript)).to.equal(n.bc.capacity - AMOUNT_OUT - bcClose.fee);
  });

  it('(2) B stalls after C\'s fulfill: C claims on chain after D, B reads P from the witness and settles with A off-chain', async () => {
    const n = await openNet();
    const h = await send(n);
    const sw = senderWatcher(n.bc, RATE);
    n.c.fulfill(0, h.preimage); // the message never reaches B
    const version = n.c.latestTransaction()!;
    await node.broadcast(version.toBuffer());
    await mineAndPoll(1, sw);
    const at = (await readConfirmed(node, version.getId())).height;
    const htlc = { amount: AMOUNT_OUT, hash: h.hash, expiry: { height: h.outExpiry } };
    const claim = n.c.htlcSuccessTx({ version: 'receiver', versionTx: version.toBuffer(), htlc, preimage: h.preimage, destinationScript: n.bc.receiverDest, feeRate: RATE });
    await expectRefused(node, claim, 'non-BIP68-final');
    while ((await tip()) < at + D - 2) await mineAndPoll(1, sw);
    await expectRefused(node, claim, 'non-BIP68-final');
    await mineAndPoll(1, sw);
    await node.broadcast(claim.toBuffer());
    await sw.poll();
    const [seen] = sw.of('htlc-preimage');
    expect(seen).to.deep.include({ id: 0, preimage: toHex(h.preimage), txid: claim.getId() });
    await mineAndPoll(1, sw);
    const confirmed = await readConfirmed(node, claim.getId());
    expect(confirmed.height).to.equal(at + D);
    expect(confirmed.height).to.be.at.most(h.outExpiry);
    expectRevealed(confirmed.tx, HTLC_RECEIVER_TEMPLATE, h.hash, h.preimage);

    const chain = await chainView(node);
    const step = n.b.onChain(seen!, chain);
    expect(step.events).to.deep.equal([{ kind: 'htlc-fulfill', in: 0, source: 'chain', sent: true }]);
    pump(n, step, chain);
    expect(n.a.htlcs).to.deep.equal([]);
    expect(n.b.incoming.amount).to.equal(AMOUNT_IN);
  });

  it('(3) A silent too: B closes A-B at E_in - D - G and claims the HTLC with P in a block before E_in', async () => {
    const n = await openNet();
    const h = await send(n);
    const rw = await receiverWatcher(n.ab, RATE);
    // C's fulfill reaches B, which passes P to A; A never settles.
    const chain = await chainView(node);
    const step = n.b.onDownstream(wire(n.c.fulfill(0, h.preimage)), chain);
    const seen = pump(n, step, chain, { aSilent: true });
    expect(seen.upstream.map((m) => m.type)).to.deep.equal(['fulfill']);
    expect(n.b.incoming.htlcs.map((r) => r.outcome)).to.deep.equal(['fulfilled']);
    const closeAt = h.expiry - D - G;
    while ((await tip()) < closeAt - 1) await mineAndPoll(1, rw);
    expect(rw.of('htlc-close')).to.deep.equal([]);
    await mineAndPoll(1, rw);
    const [close] = rw.of('htlc-close');
    expect(close).to.deep.include({ ids: [0] });
    while (rw.of('htlc-claim-broadcast').length === 0 && (await tip()) < h.expiry) await mineAndPoll(1, rw);
    const [claimed] = rw.of('htlc-claim-broadcast');
    await mineAndPoll(1, rw);
    const confirmed = await readConfirmed(node, claimed!.txid);
    expect(confirmed.height).to.be.at.most(h.expiry);
    expectRevealed(confirmed.tx, HTLC_RECEIVER_TEMPLATE, h.hash, h.preimage);
    expect(valueTo(confirmed.tx, n.ab.receiverDest)).to.equal(AMOUNT_IN - confirmed.fee);
  });

  it('(4) C silent: B\'s timeout on B-C is refused before E_out and before D, confirms after; A hears the failure only once it is buried', async () => {
    const n = await openNet();
    const h = await send(n, 50);
    const sw: Watched<import('../lib').SenderWatcherEvent> = senderWatcher(n.bc, RATE);
    const version = n.bc.sender.latestTransaction();
    const updateKey = n.bc.sender.updateKey(n.bc.sender.index);
    const htlc = { amount: AMOUNT_OUT, hash: h.hash, expiry: { height: h.outExpiry } };
    const timeoutOf = () => n.bc.sender.htlcTimeoutTx({ version: 'sender', versionTx: version.toBuffer(), updateKey, htlc, destinationScript: n.bc.walletScript, feeRate: RATE });
    const failsUpstream = async () => n.b.onHeight(await chainView(node)).upstream;
    // B publishes its version two blocks before E_out, so D after it ends after E_out.
    while ((await tip()) < h.outExpiry - 2) await mineAndPoll(1, sw);
    await node.broadcast(version.toBuffer());
    await mineAndPoll(1, sw);
    const at = (await readConfirmed(node, version.getId())).height;
    await expectRefused(node, timeoutOf(), 'non-final');
    while ((await tip()) < h.outExpiry) await mineAndPoll(1, sw);
    await expectRefused(node, timeoutOf(), 'non-BIP68-final');
    expect(await failsUpstream()).to.deep.equal([]);
    while (sw.of('htlc-timeout-broadcast').length === 0) await mineAndPoll(1, sw);
    const [sent] = sw.of('htlc-timeout-broadcast');
    await mineAndPoll(1, sw);
    const confirmed = await readConfirmed(node, sent!.txid);
    expect(confirmed.height).to.equal(at + D);
    expectRevealed(confirmed.tx, HTLC_SENDER_TEMPLATE, h.hash);
    expect(await failsUpstream()).to.deep.equal([]);
    while (sw.of('htlc-timeout-confirmed').length === 0) {
      await mineAndPoll(1, sw);
      expect(await failsUpstream()).to.deep.equal([]);
    }
    const [buried] = sw.of('htlc-timeout-confirmed');
    const chain = await chainView(node);
    expect(chain.height - buried!.height + 1).to.be.at.least(FINAL_DEPTH);
    const step = n.b.onChain(buried!, chain);
    expect(step.events.map((e) => e.kind)).to.deep.equal(['htlc-fail']);
    expect(chain.height).to.be.below(h.expiry);
    pump(n, step, chain);
    expect(n.a.htlcs).to.deep.equal([]);
    expect(n.b.incoming.amount).to.equal(0n);
  });

  it('(5) A publishes a revoked A-B version carrying the HTLC: one penalty sweeps everything, A\'s timeout is refused', async () => {
    const n = await openNet();
    const h = await send(n, 40);
    const revoked = n.a.latestTransaction();
    const index = n.a.index;
    const chain = await chainView(node);
    pump(n, n.b.onDownstream(wire(n.c.fulfill(0, h.preimage)), chain), chain);
    expect(n.b.incoming.amount).to.equal(AMOUNT_IN);
    const rw = await receiverWatcher(n.ab, RATE);
    await node.broadcast(revoked.toBuffer());
    await rw.poll();
    expect(rw.of('spend')[0]).to.include({ classification: 'revoked-sender-version' });
    const [penalty] = rw.of('penalty-broadcast');
    await mineAndPoll(1, rw);
    const swept = await readConfirmed(node, penalty!.txid);
    const names = swept.tx.ins.map((i) => matchTemplate(i.witness.at(-1)!)?.template.name).sort();
    expect(names).to.deep.equal(['htlc-offered-sender', 'revocable-csv']);
    expect(swept.tx.outs).to.have.length(1);
    // B held nothing before the HTLC: the revoked version is A's balance and the HTLC, both swept.
    expect(revoked.outs).to.have.length(2);
    expect(swept.tx.outs[0]!.value + swept.fee).to.equal(sumOuts(revoked));
    const at = (await readConfirmed(node, revoked.getId())).height;
    while ((await tip()) < Math.max(h.expiry, at + D)) await mineAndPoll(1, rw);
    const timeout = n.a.htlcTimeoutTx({
      version: 'sender', versionTx: revoked.toBuffer(), updateKey: n.a.updateKey(index),
      htlc: { amount: AMOUNT_IN, hash: h.hash, expiry: { height: h.expiry } }, destinationScript: n.ab.walletScript, feeRate: RATE,
    });
    await expectRefused(node, timeout, 'bad-txns-inputs-missingorspent');
    expect(await receiverHolds(n.ab)).to.equal(sumOuts(revoked) - swept.fee);
  });
});

