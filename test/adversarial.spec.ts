/**
 * Counterparties that cheat or stall, on the embedded bcoin regtest node: a
 * sender that withholds its revoke or broadcasts revoked states, a receiver
 * that withholds its accept or broadcasts an old version of its own. In each,
 * the honest party, with its watcher, ends with at least what it is owed,
 * read from the confirmed transactions. CLTV channels are opened a few blocks
 * before their cutoff and misbehave on its eve. One node for the whole file.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { CLOSE_WEIGHT, cltvCutoffReached, feeForWeight, penaltyWeight, timeoutWeight } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import {
  CLTV_MARGIN, CSV_DELAY, Confirmed, E2E_VARIANTS, broadcastAndConfirm, chainView, mineTo, payMany, readConfirmed, sumIns, sumOuts,
  syncRejectionOf, valueTo, wire,
} from './support/e2e';
import {
  AdversarialChannel, P2WPKH_SPEND_WEIGHT, expectRefused, flakyBroadcasts, openAdversarialChannel, outputTo, receiverWatcher, senderWatcher, spendP2wpkh, receiverHolds } from './support/adversarial';

const INCREMENT = 7_000n;
const PENALTY_RATE = 2000n;
const SWEEP_RATE = 1000n;
const CLOSE_RATE = 2000n;
/** The funding output is spent by a confirmed transaction. */
const SPENT = 'bad-txns-inputs-missingorspent';
/** The funding output is spent by a transaction in the mempool (bcoin 1.0.2 replaces nothing). */
const CONFLICT = 'bad-txns-inputs-spent';

/** The fee a confirmed spend of the funding output paid: the capacity minus its outputs. */
function fundingSpendFee(c: AdversarialChannel, tx: Transaction): bigint {
  expect(tx.ins.length).to.equal(1);
  expect(Buffer.from(tx.ins[0]!.hash).reverse().toString('hex')).to.equal(c.sender.funding!.txid);
  return c.capacity - sumOuts(tx);
}

/** CLTV: mine to the last tip at which the receiver still takes a payment; the next block is the cutoff. */
async function toCutoffEve(c: AdversarialChannel): Promise<void> {
  if (c.variant.kind !== 'cltv') return;
  await mineTo(c.node, c.expiry! - CLTV_MARGIN - 2);
  const view = await chainView(c.node);
  expect(view.height).to.equal(c.expiry! - CLTV_MARGIN - 2);
  expect(cltvCutoffReached(c.variant, CLTV_MARGIN, view)).to.equal(false);
  expect(cltvCutoffReached(c.variant, CLTV_MARGIN, { ...view, height: view.height + 1 })).to.equal(true);
}

/** The receiver's claim took every output of the revoked version: it ends with the capacity less the two fees. */
function expectPenaltyTookAll(c: AdversarialChannel, revoked: Confirmed, penalty: Confirmed): void {
  const ctx = c.receiver.context;
  expect(fundingSpendFee(c, revoked.tx)).to.equal(ctx.paymentFee);
  expect(revoked.fee).to.equal(ctx.paymentFee);
  const spent = penalty.tx.ins.map((i) => `${Buffer.from(i.hash).reverse().toString('hex')}:${i.index}`).sort();
  expect(spent).to.deep.equal(revoked.tx.outs.map((_, v) => `${revoked.tx.getId()}:${v}`).sort());
  expect(penalty.fee).to.equal(feeForWeight(penaltyWeight(ctx.revocableTemplate, true, c.receiverDest.length), PENALTY_RATE));
  expect(penalty.tx.outs).to.have.length(1);
  expect(valueTo(penalty.tx, c.receiverDest)).to.equal(c.capacity - revoked.fee - penalty.fee);
}

describe('adversarial counterparties on the embedded regtest node', function () {
  this.timeout(60_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node?.stop(); });

  const open = (name: 'CLTV' | 'CSV') => openAdversarialChannel(node, name);

  for (const name of E2E_VARIANTS) {
    const eve = name === 'CLTV' ? ' on the eve of the cutoff' : '';

    describe(`${name}: a sender that withholds its revoke${eve}`, () => {
      /** Five final payments, then a sixth the receiver accepted and the sender never revoked the fifth for. */
      async function withheldRevoke(c: AdversarialChannel): Promise<{ final: bigint; unrevoked: Transaction; pendingVersion: Transaction }> {
        await toCutoffEve(c);
        const final = await payMany(c, 5);
        const unrevoked = c.sender.latestTransaction();
        const offer = c.sender.pay(INCREMENT);
        c.sender.onAccept(wire(c.receiver.onOffer(wire(offer), await chainView(node)))); // its revoke is never sent
        expect(c.receiver.amount).to.equal(final);
        expect(c.receiver.pendingAmount).to.equal(final + INCREMENT);
        expect(c.receiver.isRevoked(5)).to.equal(false);
        // Nothing more happens off-chain: no cooperative close with a payment awaiting its revoke.
        expect(syncRejectionOf(() => c.receiver.proposeClose(CLOSE_RATE)).code).to.equal('PAYMENT_PENDING');
        const pendingVersion = c.receiver.latestTransaction()!;
        expect(c.receiver.indexOf(pendingVersion)).to.equal(6n);
        return { final, unrevoked, pendingVersion };
      }

      const who = name === 'CLTV' ? 'its watcher closes at the cutoff' : 'it closes';
      it(`the receiver is paid the pending state the sender signed: ${who} with its version of it`, async () => {
        const c = await open(name);
        const { final, unrevoked, pendingVersion } = await withheldRevoke(c);
        const w = await receiverWatcher(c, PENALTY_RATE);
        if (name === 'CLTV') {
          await node.mine(1);
          await w.poll();
          expect(w.of('cutoff').map((e) => e.txid)).to.deep.equal([pendingVersion.getId()]);
        } else {
          await node.broadcast(pendingVersion.toBuffer());
        }
        await node.mine(1);
        await w.poll();
        const closed = await readConfirmed(node, pendingVersion.getId());
        if (name === 'CLTV') expect(closed.height).to.be.below(c.expiry!);
        expect(w.of('spend')).to.have.length(1);
        expect(w.of('spend')[0]).to.include({ classification: 'receiver-version', index: 6, txid: pendingVersion.getId() });
        expect(w.of('penalty-broadcast')).to.have.length(0);
        const ctx = c.receiver.context;
        expect(fundingSpendFee(c, closed.tx)).to.equal(ctx.paymentFee);
        expect(valueTo(closed.tx, ctx.receiverPayoutScript)).to.equal(final + INCREMENT);
        expect(valueTo(closed.tx, ctx.senderPayoutScript)).to.equal(c.capacity - final - INCREMENT - ctx.paymentFee);
        for (const tx of [unrevoked, c.sender.latestTransaction()]) await expectRefused(node, tx, SPENT);
      });

      it('it broadcasts its unrevoked version of the last final state instead: no penalty is due, the receiver gets its final amount', async () => {
        const c = await open(name);
        const { final, unrevoked, pendingVersion } = await withheldRevoke(c);
        const w = await receiverWatcher(c, PENALTY_RATE);
        await node.broadcast(unrevoked.toBuffer());
        await w.poll(); // seen in the mempool
        expect(w.of('spend')[0]).to.include({ classification: 'latest-sender-version', index: 5 });
        await expectRefused(node, pendingVersion, CONFLICT);
        await node.mine(1); // CLTV: this block is the cutoff, and the channel is already closing
        await w.poll();
        expect(w.events.map((e) => e.kind)).to.deep.equal(['spend']);
        const closed = await readConfirmed(node, unrevoked.getId());
        expect(fundingSpendFee(c, closed.tx)).to.equal(c.receiver.context.paymentFee);
        expect(valueTo(closed.tx, c.receiver.context.receiverPayoutScript)).to.equal(final);
      });
    });

    describe(`${name}: a sender that broadcasts its revoked versions`, () => {
      async function withHistory(c: AdversarialChannel): Promise<Transaction[]> {
        const versions = [c.sender.latestTransaction()];
        await payMany(c, 8, (tx, index) => {
          expect(index).to.equal(versions.length);
          versions.push(tx);
        });
        return versions;
      }

      it('all at once: the mempool keeps one, the watcher claims all of it, and no other version or sweep ever confirms', async () => {
        const c = await open(name);
        const versions = await withHistory(c);
        const w = await receiverWatcher(c, PENALTY_RATE);
        const [first, ...others] = [5, 0, 7, 3, 1, 6, 2, 4].map((i) => versions[i]!);
        await node.broadcast(first!.toBuffer());
        for (const tx of [...others, versions[8]!]) await expectRefused(node, tx, CONFLICT);
        await w.poll();
        expect(w.of('spend')[0]).to.include({ classification: 'revoked-sender-version', index: 5 });
        expect(w.of('penalty-broadcast')).to.have.length(1);
        // The sender races the claim with a timeout sweep of the revoked version's output.
        const sweep = c.sender.timeoutSweep(first!.toBuffer(), c.walletScript, SWEEP_RATE);
        await expectRefused(node, sweep, name === 'CLTV' ? 'non-final' : CONFLICT);
        await node.mine(1);
        await w.poll();
        const claim = w.of('penalty-broadcast')[0]!.txid;
        expect(w.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal([claim]);
        const revoked = await readConfirmed(node, first!.getId());
        const penalty = await readConfirmed(node, claim);
        expect(penalty.height).to.equal(revoked.height);
        expectPenaltyTookAll(c, revoked, penalty);
        for (const tx of [...others, versions[8]!]) await expectRefused(node, tx, SPENT);
        await expectRefused(node, sweep, name === 'CLTV' ? 'non-final' : SPENT); // bcoin checks nLockTime before inputs
      });

      it(`one mined before the watcher looks${eve}; then others block after block, and its sweep once the lock opens: all refused`, async () => {
        const c = await open(name);
        await toCutoffEve(c);
        const versions = await withHistory(c);
        const w = await receiverWatcher(c, PENALTY_RATE);
        const revokedTx = versions[3]!;
        await node.broadcast(revokedTx.toBuffer());
        await node.mine(1); // CLTV: the cutoff block
        await expectRefused(node, versions[6]!, SPENT);
        await w.poll();
        const revoked = await readConfirmed(node, revokedTx.getId());
        expect(w.of('spend')[0]).to.include({ classification: 'revoked-sender-version', index: 3, height: revoked.height });
        expect(w.of('cutoff')).to.have.length(0);
        const claim = w.of('penalty-broadcast')[0]!.txid;
        await expectRefused(node, versions[0]!, SPENT);
        await node.mine(1);
        await w.poll();
        expect(w.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal([claim]);
        const penalty = await readConfirmed(node, claim);
        expect(penalty.height).to.equal(revoked.height + 1);
        for (const [i, tx] of versions.entries()) if (i !== 3) await expectRefused(node, tx, SPENT);
        // The first block in which the sweep's lock would let it in finds the output already claimed.
        await mineTo(node, name === 'CLTV' ? c.expiry! : revoked.height + CSV_DELAY - 1);
        await expectRefused(node, c.sender.timeoutSweep(revokedTx.toBuffer(), c.walletScript, SWEEP_RATE), SPENT);
        await w.poll();
        // Buried six deep by now: nothing more to do.
        expect(w.events.map((e) => e.kind)).to.deep.equal(['spend', 'penalty-broadcast', 'penalty-confirmed', 'resolved']);
        expectPenaltyTookAll(c, revoked, penalty);
      });
    });

    describe(`${name}: a receiver that withholds its accept${eve}`, () => {
      it('the sender closes with its version of the last agreed state and sweeps in the first block the lock allows', async () => {
        const c = await open(name);
        await toCutoffEve(c);
        const final = await payMany(c, 5);
        c.receiver.onOffer(wire(c.sender.pay(INCREMENT)), await chainView(node)); // the accept is kept back
        expect(c.sender.pending).to.deep.equal({ index: 6, amount: final + INCREMENT });
        expect(syncRejectionOf(() => c.sender.pay(1000n)).code).to.equal('PAYMENT_PENDING');
        expect(syncRejectionOf(() => c.sender.proposeClose(CLOSE_RATE)).code).to.equal('PAYMENT_PENDING');
        const offered = c.receiver.latestTransaction()!;
        const own = c.sender.latestTransaction();
        expect(c.receiver.indexOf(own)).to.equal(5n);

        const w = await receiverWatcher(c, PENALTY_RATE);
        const sw = senderWatcher(c, SWEEP_RATE);
        const closed = await broadcastAndConfirm(node, own);
        await w.poll();
        expect(w.events.map((e) => e.kind)).to.deep.equal(['spend']);
        expect(w.of('spend')[0]).to.include({ classification: 'latest-sender-version', index: 5 });
        await expectRefused(node, offered, SPENT);

        // CLTV: final in the block after the tip reaches T; CSV: once the close has D confirmations.
        const opensAt = name === 'CLTV' ? c.expiry! : closed.height + CSV_DELAY - 1;
        for (let tip = closed.height; ; tip++) {
          expect((await node.getTip()).height).to.equal(tip);
          await sw.poll();
          if (tip === opensAt) break;
          expect(w.of('cutoff')).to.have.length(0);
          expect(sw.events.map((e) => e.kind), `tip ${tip}`).to.deep.equal(['closed']);
          await node.mine(1);
        }
        expect(sw.of('closed')[0]).to.include({ own: true, txid: own.getId(), height: closed.height });
        expect(sw.of('sweep-broadcast')).to.have.length(1);
        await node.mine(1);
        await sw.poll();
        expect(sw.events.map((e) => e.kind)).to.deep.equal(['closed', 'sweep-broadcast', 'sweep-confirmed']);
        const sweep = await readConfirmed(node, sw.of('sweep-broadcast')[0]!.txid);
        expect(sweep.height).to.equal(opensAt + 1);

        const ctx = c.sender.context;
        expect(fundingSpendFee(c, closed.tx)).to.equal(ctx.paymentFee);
        expect(valueTo(closed.tx, ctx.receiverPayoutScript)).to.equal(final);
        expect(await sumIns(node, sweep.tx)).to.equal(c.capacity - final - ctx.paymentFee);
        expect(sweep.fee).to.equal(feeForWeight(timeoutWeight(ctx.revocableTemplate, c.walletScript.length), SWEEP_RATE));
        expect(valueTo(sweep.tx, c.walletScript)).to.equal(c.capacity - final - ctx.paymentFee - sweep.fee);
      });
    });

    describe(`${name}: a receiver that broadcasts a version of its own other than the last${eve}`, () => {
      for (const which of ['an old one', 'the offered state it never accepted'] as const) {
        it(`${which}: the sender's plain output holds at least what it is owed and it spends it in the next block`, async () => {
          const c = await open(name);
          await toCutoffEve(c);
          const own: { tx: Transaction; amount: bigint }[] = [];
          const final = await payMany(c, 8, () => own.push({ tx: c.receiver.latestTransaction()!, amount: c.receiver.amount }));
          const owed = c.sender.balance();
          let pick: { tx: Transaction; amount: bigint; state: number };
          if (which === 'an old one') {
            pick = { ...own[2]!, state: 3 };
          } else {
            c.receiver.onOffer(wire(c.sender.pay(INCREMENT)), await chainView(node)); // not answered
            pick = { tx: c.receiver.latestTransaction()!, amount: final + INCREMENT, state: 9 };
          }
          expect(c.receiver.indexOf(pick.tx)).to.equal(BigInt(pick.state));

          const w = await receiverWatcher(c, PENALTY_RATE);
          const sw = senderWatcher(c, SWEEP_RATE);
          const closed = await broadcastAndConfirm(node, pick.tx);
          await w.poll();
          await sw.poll();
          expect(w.events.map((e) => e.kind)).to.deep.equal(['spend']);
          expect(w.of('spend')[0]).to.include({ classification: 'receiver-version', index: pick.state });
          // Not the sender's own version: nothing to sweep, nothing locked.
          expect(sw.events).to.deep.equal([{ kind: 'closed', txid: pick.tx.getId(), own: false, height: closed.height }]);

          const ctx = c.sender.context;
          expect(fundingSpendFee(c, closed.tx)).to.equal(ctx.paymentFee);
          expect(valueTo(closed.tx, ctx.receiverPayoutScript)).to.equal(pick.amount);
          const vout = outputTo(closed.tx, ctx.senderPayoutScript);
          const senderValue = closed.tx.outs[vout]!.value;
          expect(senderValue).to.equal(c.capacity - pick.amount - ctx.paymentFee);
          if (which === 'an old one') expect(senderValue - owed).to.equal(final - pick.amount);
          else expect(owed - senderValue).to.equal(INCREMENT); // what it offered, and no more
          await expectRefused(node, c.sender.latestTransaction(), SPENT);

          const spent = await broadcastAndConfirm(node, spendP2wpkh(closed.tx, vout, c.senderSecrets.payoutKey, c.walletScript, SWEEP_RATE));
          expect(spent.height).to.equal(closed.height + 1);
          expect(spent.fee).to.equal(feeForWeight(P2WPKH_SPEND_WEIGHT, SWEEP_RATE));
          expect(valueTo(spent.tx, c.walletScript)).to.equal(senderValue - spent.fee);
        });
      }
    });
  }

  it('CLTV: offers are refused from the cutoff on, the watcher closes cooperatively though an offer is in flight, and at the expiry the sender\'s versions and sweep find the channel gone', async () => {
    const c = await open('CLTV');
    const expiry = c.expiry!;
    const cooperative: string[] = [];
    const w = await receiverWatcher(c, PENALTY_RATE, {
      // The receiver asks for a cooperative close first.
      onCutoff: async (r) => {
        const offer = r.proposeClose(CLOSE_RATE);
        try {
          const { message } = c.sender.onCloseOffer(wire(offer), 10_000n);
          return r.onCloseSigned(wire(message));
        } catch (e) {
          cooperative.push((e as { code: string }).code);
          throw e;
        }
      },
    });
    await toCutoffEve(c);
    const versions = [c.sender.latestTransaction()];
    const final = await payMany(c, 3, (tx) => versions.push(tx)); // the last payments the receiver takes
    await w.poll();
    expect(w.events).to.deep.equal([]);

    await node.mine(1);
    const view = await chainView(node);
    expect(view.height).to.equal(expiry - CLTV_MARGIN - 1);
    const late = c.sender.pay(INCREMENT);
    expect(syncRejectionOf(() => c.receiver.onOffer(wire(late), view)).code).to.equal('CHANNEL_EXPIRED');
    expect(c.receiver.amount).to.equal(final);
    expect(c.receiver.pendingAmount).to.equal(undefined);

    await w.poll();
    // The sender's refused offer is still in flight, yet it signs a close of the last agreed amount (dropping the offer).
    expect(cooperative).to.deep.equal([]);
    expect(c.sender.pending).to.equal(undefined);
    const [cutoff] = w.of('cutoff');
    expect(cutoff?.txid).to.be.a('string');
    await node.mine(1);
    const closed = await readConfirmed(node, cutoff!.txid!);
    expect(closed.height).to.equal(expiry - CLTV_MARGIN);
    expect(c.receiver.indexOf(closed.tx)).to.equal(undefined);
    expect(closed.tx.getId()).to.equal(c.sender.closeTransaction()!.getId());
    const ctx = c.receiver.context;
    expect(valueTo(closed.tx, ctx.receiverPayoutScript)).to.equal(final);
    const vout = outputTo(closed.tx, ctx.senderPayoutScript);
    expect(closed.tx.outs[vout]!.value).to.equal(c.capacity - final - feeForWeight(CLOSE_WEIGHT, CLOSE_RATE));

    await mineTo(node, expiry); // anything locked to T may enter the next block
    const sweep = c.sender.timeoutSweep(c.sender.latestTransaction().toBuffer(), c.walletScript, SWEEP_RATE);
    expect(sweep.locktime).to.equal(expiry);
    for (const tx of [...versions, sweep]) await expectRefused(node, tx, SPENT);
    const sw = senderWatcher(c, SWEEP_RATE);
    await sw.poll();
    await node.mine(1);
    await sw.poll();
    // Buried more than six blocks deep by now: resolved at the first look.
    expect(sw.events).to.deep.equal([
      { kind: 'closed', txid: closed.tx.getId(), own: false, height: closed.height }, { kind: 'resolved', txid: closed.tx.getId(), own: false },
    ]);
    const spent = await broadcastAndConfirm(node, spendP2wpkh(closed.tx, vout, c.senderSecrets.payoutKey, c.walletScript, SWEEP_RATE));
    expect(valueTo(spent.tx, c.walletScript)).to.equal(c.capacity - final - feeForWeight(CLOSE_WEIGHT, CLOSE_RATE) - spent.fee);
  });
  /**
   * The sender's attack once a CLTV channel has passed its expiry unclosed: a
   * revoked version (paying the receiver an old, smaller amount) and, at once,
   * the timeout sweep of its revocable output, both in the mempool before the
   * receiver's claim.
   */
  async function attackAfterExpiry(c: AdversarialChannel, revoked: Transaction): Promise<{ sweep: Transaction }> {
    await mineTo(node, c.expiry!);
    await node.broadcast(revoked.toBuffer());
    const sweep = c.sender.timeoutSweep(revoked.toBuffer(), c.walletScript, SWEEP_RATE);
    await node.broadcast(sweep.toBuffer());
    return { sweep };
  }


  // A dropped connection at the cutoff must not leave the channel open past
  // its expiry, where the sender could broadcast a revoked version and sweep it.
  it('CSV: a penalty the connection failed to broadcast is tried again and confirms', async () => {
    const c = await open('CSV');
    const versions = [c.sender.latestTransaction()];
    await payMany(c, 3, (tx) => versions.push(tx));
    const w = await receiverWatcher(c, PENALTY_RATE, { backend: flakyBroadcasts(node, 1) });
    await node.broadcast(versions[1]!.toBuffer());
    await w.poll();
    // Refused once, then tried again (in the same poll's pass over due work) and accepted.
    expect(w.events.map((e) => e.kind)).to.deep.equal(['spend', 'error', 'penalty-broadcast']);
    expect(w.of('error').map((e) => e.code)).to.deep.equal(['CHAIN_BACKEND']);
    const claim = w.of('penalty-broadcast').map((e) => e.txid);
    expect(claim).to.have.length(1);
    await node.mine(1);
    await w.poll();
    expect(w.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal(claim);
    expectPenaltyTookAll(c, await readConfirmed(node, versions[1]!.getId()), await readConfirmed(node, claim[0]!));
  });

  it('CSV: when the receiver\'s own output of a revoked version is spent first, the claim takes the revocable output alone', async () => {
    const c = await open('CSV');
    const versions = [c.sender.latestTransaction()];
    await payMany(c, 3, (tx) => versions.push(tx));
    const revoked = versions[2]!;
    await node.broadcast(revoked.toBuffer());
    await node.mine(1);
    // The receiver's wallet sweeps its own output before the watcher looks, to
    // the very destination the watcher's claims pay: still not a claim.
    const own = outputTo(revoked, c.receiver.context.receiverPayoutScript);
    const walletSpend = spendP2wpkh(revoked, own, c.receiverSecrets.payoutKey, c.receiverDest, PENALTY_RATE);
    await node.broadcast(walletSpend.toBuffer());
    const w = await receiverWatcher(c, PENALTY_RATE);
    await node.mine(1);
    await w.poll();
    const claim = w.of('penalty-broadcast').map((e) => e.txid);
    expect(claim).to.have.length(1);
    expect(w.of('penalty-confirmed').map((e) => e.txid)).to.deep.equal(claim);
    const penalty = await readConfirmed(node, claim[0]!);
    expect(penalty.tx.ins.map((i) => i.index)).to.deep.equal([1 - own]);
    const ctx = c.receiver.context;
    expect(penalty.fee).to.equal(feeForWeight(penaltyWeight(ctx.revocableTemplate, false, c.receiverDest.length), PENALTY_RATE));
    expect(valueTo(penalty.tx, c.receiverDest)).to.equal(revoked.outs[1 - own]!.value - penalty.fee);
  });

  it('CLTV: a broadcast that fails at the cutoff is tried again, so the receiver keeps its final amount', async () => {
    const c = await open('CLTV');
    await toCutoffEve(c);
    const versions = [c.sender.latestTransaction()];
    const final = await payMany(c, 3, (tx) => versions.push(tx));
    const w = await receiverWatcher(c, PENALTY_RATE, { backend: flakyBroadcasts(node, 1) });
    while ((await node.getTip()).height < c.expiry! - 1) {
      await node.mine(1);
      await w.poll();
    }
    expect(w.of('error').map((e) => e.code)).to.deep.equal(['CHAIN_BACKEND']);
    await attackAfterExpiry(c, versions[1]!).catch(() => undefined); // refused if the channel was closed in time
    await w.poll();
    await node.mine(1);
    await w.poll();
    const holds = await receiverHolds(c);
    expect(holds >= final, `receiver holds ${holds}, final amount ${final}`).to.equal(true);
  });

  // After the expiry the sender's sweep races the claim for the revocable
  // output: the watcher must not take the sweep for its own claim, must try to
  // claim while the sweep is unconfirmed (a node with replacement, BIP 125,
  // takes the higher fee; bcoin 1.0.2 refuses), and must say so when it lost.
  it('CLTV: a revoked version swept at once after the expiry is not mistaken for the watcher\'s own claim', async () => {
    const c = await open('CLTV');
    const versions = [c.sender.latestTransaction()];
    await payMany(c, 3, (tx) => versions.push(tx));
    // The receiver was offline through the cutoff and starts watching after the attack.
    const { sweep } = await attackAfterExpiry(c, versions[1]!);
    const w = await receiverWatcher(c, PENALTY_RATE);
    await node.mine(1);
    await w.poll();
    expect(w.of('spend')[0]).to.include({ classification: 'revoked-sender-version', index: 1 });
    expect(w.of('penalty-confirmed').map((e) => e.txid)).to.not.include(sweep.getId());
    // It tried to claim: a broadcast, or the node's refusal of one.
    expect(w.of('penalty-broadcast').length + w.of('error').length).to.be.at.least(1);
    expect(w.of('penalty-lost').map((e) => e.txid)).to.deep.equal([sweep.getId()]);
    // Lost is final: later blocks bring no more attempts.
    const attempts = w.of('penalty-broadcast').length + w.of('error').length;
    await node.mine(3);
    await w.poll();
    expect(w.of('penalty-broadcast').length + w.of('error').length).to.equal(attempts);
  });
});
