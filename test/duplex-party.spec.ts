/**
 * The duplex channel's protocol between two parties over a JSON wire, no
 * chain: the opt-in order (each holds the whole tree before it may sign its
 * setup inputs), payments both ways, resets that re-sign only the changed
 * levels up to the counter's last state and a typed refusal after it, the
 * tie-break of crossing resets, the cooperative close, saved state, and the
 * attacks a counterparty could try with each message.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  DuplexMessage, DuplexParty, DuplexReset, decodeDuplexMessage, encodeDuplexMessage, firstChangedLevel,
} from '../lib';
import { duplexKeys, duplexPair, openedParties } from './constructions/duplex/kit';
import { thrownCode } from './support/errors';

function wire<T extends DuplexMessage>(m: T): T {
  return decodeDuplexMessage(JSON.parse(JSON.stringify(encodeDuplexMessage(m)))) as T;
}

const keys = duplexKeys('party');

function opened(): { a: DuplexParty; b: DuplexParty } {
  const { a, b } = openedParties('party');
  expect([a.phase, b.phase]).to.deep.equal(['open', 'open']);
  return { a, b };
}

/** A reset already proposed (`m`), taken by `to` and completed. */
function reset2(from: DuplexParty, to: DuplexParty, m: DuplexReset): void {
  to.onResetDone(wire(from.onResetAck(wire(to.onReset(m)))));
}

function pay(from: DuplexParty, to: DuplexParty, amount: bigint): void {
  from.onPayAck(wire(to.onPay(wire(from.pay(amount))).message));
}

/** A reset through its three messages; the number of levels re-signed. */
function reset(from: DuplexParty, to: DuplexParty): number {
  const ack = wire(to.onReset(wire(from.proposeReset())));
  to.onResetDone(wire(from.onResetAck(ack)));
  return ack.sigs.length;
}

/** Every message leaves both parties in states that save and restore to the same JSON. */
function roundTrip(p: DuplexParty, key: 'a' | 'b'): DuplexParty {
  const json = JSON.parse(JSON.stringify(p.toJSON()));
  const q = DuplexParty.restore(json, key === 'a' ? keys.aFunding.priv : keys.bFunding.priv);
  expect(q.toJSON()).to.deep.equal(p.toJSON());
  return q;
}

describe('duplex channel: the protocol', () => {
  it('pays both ways; resets re-fund the leaf with the net balances, re-signing from the first changed level; 8 resets reach (2, 2), the 9th is refused', () => {
    let { a, b } = opened();
    const total = a.balance + b.balance;
    const start = a.balance;
    for (let n = 0; n < 8; n++) {
      pay(a, b, 20_000n);
      pay(b, a, 5_000n);
      pay(a, b, 1_000n);
      expect(a.balance).to.equal(start - BigInt(n + 1) * 16_000n);
      expect(a.balance + b.balance).to.equal(total);
      const changed = a.ctx.params.levels - firstChangedLevel(a.ctx.counter, n, n + 1);
      expect(reset(n % 2 === 0 ? a : b, n % 2 === 0 ? b : a)).to.equal(changed);
      expect([a.index, b.index]).to.deep.equal([n + 1, n + 1]);
      expect(a.leafBalances).to.deep.equal(b.leafBalances);
      expect(a.leafBalances.a).to.equal(a.balance);
      a = roundTrip(a, 'a');
      b = roundTrip(b, 'b');
    }
    expect(a.index).to.equal(8);
    expect(thrownCode(() => a.proposeReset())).to.equal('CHANNEL_EXPIRED');
    // Payments go on after the last reset; only resets are bounded.
    pay(b, a, 3_000n);
    expect(a.balance + b.balance).to.equal(total);
  });

  it('crossing resets: a\'s wins, b drops its own and takes a\'s', () => {
    const { a, b } = opened();
    pay(a, b, 10_000n);
    const fromA = wire(a.proposeReset());
    const fromB = wire(b.proposeReset());
    expect(thrownCode(() => a.onReset(fromB))).to.equal('PAYMENT_PENDING');
    const ack = wire(b.onReset(fromA));
    b.onResetDone(wire(a.onResetAck(ack)));
    expect([a.index, b.index]).to.deep.equal([1, 1]);
    expect(a.toJSON()).to.not.have.nested.property('reset.index');
    // b's dropped proposal is answered by nothing; b pays and resets again as usual.
    pay(b, a, 2_000n);
    expect(reset(b, a)).to.be.at.least(1);
  });

  it('a lost payment or acknowledgement costs nothing the party counted: a reset or close must leave each its own accounting', () => {
    const { a, b } = opened();
    a.pay(7_000n); // lost on the way: b never sees it, a counts it paid
    expect(a.balance + b.balance).to.equal(a.ctx.leafCapacity - 7_000n);
    // b proposes from its view, which gives a more than a counts: a takes it.
    expect(reset(b, a)).to.be.at.least(1);
    expect(a.balance + b.balance).to.equal(a.ctx.leafCapacity);

    // A reset that takes from the other side is refused and changes nothing.
    pay(a, b, 10_000n);
    const honest = wire(b.proposeReset());
    const greedy = { ...honest, a: honest.a - 5_000n, b: honest.b + 5_000n };
    const before = JSON.stringify(a.toJSON());
    expect(thrownCode(() => a.onReset(greedy))).to.equal('INVALID_AMOUNT');
    expect(JSON.stringify(a.toJSON())).to.equal(before);
  });

  it('refuses what a counterparty could try, changing nothing', () => {
    const { a, b } = opened();
    const m = wire(a.pay(10_000n));
    const before = JSON.stringify(b.toJSON());
    const tries: [string, () => unknown][] = [
      ['INVALID_SIGNATURE', () => b.onPay({ ...m, paid: m.paid + 1_000n })],
      ['UPDATE_INDEX_MISMATCH', () => b.onPay({ ...m, index: 1 })],
      ['WRONG_CHANNEL', () => b.onPay({ ...m, channelId: new Uint8Array(32) })],
      ['UNEXPECTED_MESSAGE', () => b.onPay({ ...m, type: 'duplex_pay_ack' } as never)],
      ['MESSAGE_INVALID', () => b.onPay(null as never)],
      ['UNEXPECTED_MESSAGE', () => b.onResetAck({ type: 'duplex_reset_ack', channelId: b.channelId, index: 1, sigs: [] })],
      ['UNEXPECTED_MESSAGE', () => b.onTreeSigned(a.treeSigned())],
      ['UNEXPECTED_MESSAGE', () => b.onCloseAck({ type: 'duplex_close_ack', channelId: b.channelId, sig: m.sig })],
    ];
    for (const [code, run] of tries) expect(thrownCode(run), code).to.equal(code);
    expect(JSON.stringify(b.toJSON())).to.equal(before);
    b.onPay(m);
    expect(thrownCode(() => b.onPay(m))).to.equal('UPDATE_NOT_MONOTONIC');
    // A reset of the leaf alone carries no signature (the leaf's comes last): one given is refused.
    const r = wire(a.proposeReset());
    expect(r.sigs).to.deep.equal([]);
    expect(thrownCode(() => b.onReset({ ...r, sigs: [m.sig] }))).to.equal('INVALID_SIGNATURE');
    expect(thrownCode(() => b.onReset({ ...r, index: 2 }))).to.equal('UPDATE_INDEX_MISMATCH');
    // While a's reset is out, a neither pays nor takes a payment.
    expect(thrownCode(() => a.pay(1_000n))).to.equal('PAYMENT_PENDING');
  });

  it('the tree\'s signatures are checked at opening: one for the wrong transaction is refused', () => {
    const { ctx } = duplexPair(keys);
    const a = DuplexParty.open(ctx, 'a', keys.aFunding.priv);
    const b = DuplexParty.open(ctx, 'b', keys.bFunding.priv);
    const t = a.treeSigned();
    expect(thrownCode(() => b.onTreeSigned({ ...t, kickoffSig: t.sigs[0]! }))).to.equal('INVALID_SIGNATURE');
    expect(thrownCode(() => b.onTreeSigned({ ...t, sigs: [t.sigs[1]!, t.sigs[0]!] }))).to.equal('INVALID_SIGNATURE');
    expect(thrownCode(() => b.onTreeSigned({ ...t, sigs: t.sigs.slice(1) }))).to.equal('INVALID_SIGNATURE');
    expect(b.readyToSignSetup).to.equal(false);
    expect(thrownCode(() => b.pay(1_000n))).to.equal('UNEXPECTED_MESSAGE');
    expect(thrownCode(() => b.exit())).to.equal('UNEXPECTED_MESSAGE');
    // With the whole tree held, b may sign its setup inputs, but takes no payment before the setup is confirmed, and only the agreed one.
    b.onTreeSigned(wire(t));
    expect([b.readyToSignSetup, b.phase]).to.deep.equal([true, 'funding']);
    expect(thrownCode(() => b.onPay({ type: 'duplex_pay', channelId: b.channelId, index: 0, paid: 1_000n, sig: t.sigs[0]! }))).to.equal('UNEXPECTED_MESSAGE');
    expect(thrownCode(() => b.markSetupConfirmed(new Transaction()))).to.equal('FUNDING_MISMATCH');
    expect(b.phase).to.equal('funding');
  });

  it('closes cooperatively: each gets its balance and its half of the tree\'s fees back, the proposer pays the fee', () => {
    const { a, b } = opened();
    pay(a, b, 50_000n);
    pay(b, a, 10_000n);
    const aDue = a.balance + a.ctx.aTreeCost;
    const bDue = b.balance + (b.ctx.treeCost - b.ctx.aTreeCost);
    const m = wire(b.proposeClose(700n));
    expect(thrownCode(() => a.onClose({ ...m, a: m.a - 1n, b: m.b + 1n }))).to.equal('INVALID_AMOUNT');
    expect(thrownCode(() => a.onClose({ ...m, a: m.a + 1n, b: m.b - 1n }))).to.equal('INVALID_SIGNATURE');
    const { message, tx } = a.onClose(m);
    const fromB = b.onCloseAck(wire(message));
    expect(fromB.toHex()).to.equal(tx.toHex());
    expect(tx.outs.map((o) => o.value)).to.deep.equal([aDue, bDue - 700n]);
    expect([a.phase, b.phase]).to.deep.equal(['closed', 'closed']);
  });

  it('refuses damaged saved state: a signature of another transaction, a balance off by one', () => {
    const { a, b } = opened();
    pay(a, b, 10_000n);
    const saved = JSON.parse(JSON.stringify(b.toJSON()));
    const other = JSON.parse(JSON.stringify(a.toJSON()));
    expect(thrownCode(() => DuplexParty.restore({ ...saved, inSig: saved.branchSigs[0] }, keys.bFunding.priv))).to.equal('STATE_INVALID');
    expect(thrownCode(() => DuplexParty.restore({ ...saved, paidIn: '10001' }, keys.bFunding.priv))).to.equal('STATE_INVALID');
    expect(thrownCode(() => DuplexParty.restore({ ...saved, branchSigs: [saved.branchSigs[1], saved.branchSigs[0]] }, keys.bFunding.priv))).to.equal('STATE_INVALID');
    expect(thrownCode(() => DuplexParty.restore({ ...saved, balances: { a: saved.balances.a, b: String(BigInt(saved.balances.b) + 1n) } }, keys.bFunding.priv))).to.equal('STATE_INVALID');
    expect(thrownCode(() => DuplexParty.restore(saved, keys.aFunding.priv))).to.equal('INVALID_KEY');
    expect(DuplexParty.restore(other, keys.aFunding.priv).balance).to.equal(a.balance);
  });

  it('crossing resets of the leaf alone: neither signed the other\'s leaf, so payments go on at once', () => {
    const { a, b } = opened();
    pay(a, b, 10_000n);
    const fromA = wire(a.proposeReset());
    // b pays in flight; a, whose reset is out, refuses it, so the two now count b's balance 3,000 apart.
    const inFlight = wire(b.pay(3_000n));
    expect(thrownCode(() => a.onPay(inFlight))).to.equal('PAYMENT_PENDING');
    const fromB = wire(b.proposeReset());
    expect([fromA.a, fromA.b]).to.not.deep.equal([fromB.a, fromB.b]);
    expect([fromA.sigs, fromB.sigs]).to.deep.equal([[], []]);
    expect(thrownCode(() => a.onReset(fromB))).to.equal('PAYMENT_PENDING');
    reset2(a, b, fromA);
    expect([a.index, b.index]).to.deep.equal([1, 1]);
    expect(b.exit().others).to.equal(undefined);
    pay(a, b, 1_000n);
    pay(b, a, 1_000n);
  });

  it('crossing resets below the first level: b\'s dropped branch stays exposed (a could complete it), no payment on that state until the next reset', () => {
    const { a, b } = opened();
    // State 2 is digits (0, 2): the reset to 3 = (1, 0) changes level 0, so each proposal signs the leaf below it.
    reset(a, b);
    reset(b, a);
    pay(a, b, 10_000n);
    const fromA = wire(a.proposeReset());
    const inFlight = wire(b.pay(3_000n));
    expect(thrownCode(() => a.onPay(inFlight))).to.equal('PAYMENT_PENDING');
    const fromB = wire(b.proposeReset());
    expect([fromA.sigs.length, fromB.sigs.length]).to.deep.equal([1, 1]);
    expect(thrownCode(() => a.onReset(fromB))).to.equal('PAYMENT_PENDING');
    reset2(a, b, fromA);
    expect([a.index, b.index]).to.deep.equal([3, 3]);
    // a holds b's signatures of b's own leaf of state 3 and of the level-0 node both leaves hang from: it could publish b's leaf.
    const others = b.exit().others!;
    expect(others.map((o) => [o.index, o.balances.b, o.signed])).to.deep.equal([[3, fromB.b, [true, false]]]);
    expect(others[0]!.branch[0]!.getId()).to.equal(b.exit().branch[0]!.getId());
    expect(Object.keys(others[0]!.refunds)).to.deep.equal(['ba']);
    expect(thrownCode(() => a.pay(1_000n))).to.equal('PAYMENT_PENDING');
    expect(thrownCode(() => b.pay(1_000n))).to.equal('PAYMENT_PENDING');
    const restoredB = DuplexParty.restore(JSON.parse(JSON.stringify(b.toJSON())), keys.bFunding.priv);
    expect(restoredB.toJSON()).to.deep.equal(b.toJSON());
    // The next reset makes both leaves stale: b lets its dropped one go.
    expect(reset(b, a)).to.be.at.least(1);
    expect(b.exit().others).to.equal(undefined);
    pay(a, b, 1_000n);
    pay(b, a, 1_000n);
    const restored = DuplexParty.restore(JSON.parse(JSON.stringify(a.toJSON())), keys.aFunding.priv);
    expect(restored.toJSON()).to.deep.equal(a.toJSON());
  });

  it('a lost reset acknowledgement: the reset sent again gets the same acknowledgement, nothing taken twice', () => {
    const { a, b } = opened();
    pay(a, b, 10_000n);
    const m = wire(a.proposeReset());
    const ack = b.onReset(m);
    const again = b.onReset(m);
    expect(encodeDuplexMessage(again)).to.deep.equal(encodeDuplexMessage(ack));
    const done = wire(a.onResetAck(wire(again)));
    // The completion lost in turn: b asks again with its acknowledgement, and a answers with the same completion.
    expect(encodeDuplexMessage(b.repeatResetAck())).to.deep.equal(encodeDuplexMessage(ack));
    expect(encodeDuplexMessage(a.onResetAck(wire(b.repeatResetAck())))).to.deep.equal(encodeDuplexMessage(done));
    b.onResetDone(done);
    b.onResetDone(done);
    expect([a.index, b.index]).to.deep.equal([1, 1]);
  });

  it('a lost completion then a new reset: the acknowledgement sent again is answered while the new reset waits, and both go on', () => {
    const { a, b } = opened();
    pay(a, b, 10_000n);
    const ack = wire(b.onReset(wire(a.proposeReset())));
    const done = wire(a.onResetAck(ack));
    // The completion is lost and a proposes the next reset: b, still awaiting the completion, refuses it.
    const second = wire(a.proposeReset());
    expect(thrownCode(() => b.onReset(second))).to.equal('PAYMENT_PENDING');
    // b asks again; a answers with the same completion though its own new reset waits.
    const again = wire(a.onResetAck(wire(b.repeatResetAck())));
    expect(encodeDuplexMessage(again)).to.deep.equal(encodeDuplexMessage(done));
    b.onResetDone(again);
    expect(b.index).to.equal(1);
    // a's new reset, sent again unchanged, now goes through.
    expect(encodeDuplexMessage(a.repeatReset())).to.deep.equal(encodeDuplexMessage(second));
    b.onResetDone(wire(a.onResetAck(wire(b.onReset(wire(a.repeatReset()))))));
    expect([a.index, b.index]).to.deep.equal([2, 2]);
    expect(thrownCode(() => a.repeatReset())).to.equal('UNEXPECTED_MESSAGE');
  });

  it('a reset is three messages: neither party signs the first changed node before it holds the other\'s signatures of every node below it', () => {
    const { a, b } = opened();
    reset(a, b);
    reset(b, a);
    pay(a, b, 10_000n);
    // State 2 is digits (0, 2); the reset to 3 = (1, 0) changes level 0, and the proposal signs only the leaf below it.
    const m = wire(a.proposeReset());
    expect(m.sigs).to.have.length(1);
    const ack = wire(b.onReset(m));
    expect(ack.sigs).to.have.length(2);
    // a now holds state 3 whole; b has signed it whole and awaits a's last signature, taking no payment, reset or close meanwhile.
    expect(b.index).to.equal(2);
    for (const run of [() => b.pay(1_000n), () => b.proposeReset(), () => b.proposeClose(700n)]) expect(thrownCode(run)).to.equal('PAYMENT_PENDING');
    // b's exit: state 2's branch, and state 3's, whose level-0 node only a can complete, and whose leaf b can once that node is on chain.
    const other = b.exit().others![0]!;
    expect([other.index, other.signed]).to.deep.equal([3, [false, true]]);
    expect(other.branch[1]!.ins[0]!.hash).to.deep.equal(other.branch[0]!.getHash());
    expect(Object.keys(other.refunds)).to.deep.equal(['ba']);
    const saved = roundTrip(b, 'b');
    const aBefore = JSON.stringify(a.toJSON());
    expect(thrownCode(() => a.onResetAck({ ...ack, sigs: [ack.sigs[1]!, ack.sigs[0]!] }))).to.equal('INVALID_SIGNATURE');
    expect(thrownCode(() => a.onResetAck({ ...ack, sigs: ack.sigs.slice(1) }))).to.equal('INVALID_SIGNATURE');
    expect(JSON.stringify(a.toJSON())).to.equal(aBefore);
    const done = wire(a.onResetAck(ack));
    expect(a.index).to.equal(3);
    // A forged completion changes nothing; the real one completes the reset, for b and for b restored from its saved state alike.
    const bBefore = JSON.stringify(b.toJSON());
    expect(thrownCode(() => b.onResetDone({ ...done, sig: ack.sigs[0]! }))).to.equal('INVALID_SIGNATURE');
    expect(thrownCode(() => b.onResetDone({ ...done, index: 4 }))).to.equal('UPDATE_INDEX_MISMATCH');
    expect(JSON.stringify(b.toJSON())).to.equal(bBefore);
    saved.onResetDone(done);
    b.onResetDone(done);
    expect([b.index, b.exit().others]).to.deep.equal([3, undefined]);
    expect(b.toJSON()).to.deep.equal(saved.toJSON());
    expect(thrownCode(() => b.onResetDone({ ...done, sig: ack.sigs[0]! }))).to.equal('UNEXPECTED_MESSAGE');
    pay(b, a, 2_000n);
  });

  it('saved state of format 1, whose resets carried every signature at once, restores: a proposal it had sent stays exposed until acknowledged', () => {
    // Format 1 was saved before the tree had anchors.
    const { a, b } = openedParties('party v1', { anchors: false });
    pay(a, b, 10_000n);
    const m = wire(a.proposeReset());
    const json = JSON.parse(JSON.stringify(a.toJSON()));
    expect(json.format).to.equal('revchan-duplex-party/2');
    const v1Keys = duplexKeys('party v1');
    const { acked: _acked, exposed: _exposed, ...v1 } = { ...json, format: 'revchan-duplex-party/1' };
    expect(v1.params.anchors).to.equal(false);
    delete v1.params.anchors;
    const old = DuplexParty.restore(v1, v1Keys.aFunding.priv);
    // b may hold state 1's leaf signed by a: a keeps it, to take its refund there.
    expect(old.exit().others!.map((o) => [o.index, o.signed])).to.deep.equal([[1, [true, false]]]);
    expect(JSON.parse(JSON.stringify(old.toJSON())).format).to.equal('revchan-duplex-party/2');
    b.onResetDone(wire(old.onResetAck(wire(b.onReset(m)))));
    expect([old.index, old.exit().others]).to.deep.equal([1, undefined]);
    for (const bad of [
      { ...json, exposed: null }, { ...json, exposed: [{ index: 5, balances: json.balances }] }, { ...json, acked: { index: 1, balances: json.balances, sigs: [] } },
      // Format 2 names its anchors; format 1 has none to name; either changed, state 0's signatures no longer sign what is rebuilt.
      { ...json, params: { ...json.params, anchors: undefined } }, { ...v1, params: { ...v1.params, anchors: false } }, { ...json, params: { ...json.params, anchors: true } },
    ]) {
      expect(thrownCode(() => DuplexParty.restore(bad, v1Keys.aFunding.priv))).to.equal('STATE_INVALID');
    }
  });

  it('no payment leaves a balance no reset could re-fund; no close below the relay floor; crossing closes: a\'s wins', () => {
    const { a, b } = opened();
    const { simplexFee } = a.ctx;
    expect(thrownCode(() => a.pay(a.balance - simplexFee - 100n))).to.equal('AMOUNT_BELOW_DUST');
    expect(a.paid.out).to.equal(0n);
    expect(thrownCode(() => a.proposeClose(10n))).to.equal('FEE_RATE_REFUSED');
    const fromA = wire(a.proposeClose(700n));
    const fromB = wire(b.proposeClose(800n));
    expect(thrownCode(() => a.onClose(fromB))).to.equal('UNEXPECTED_MESSAGE');
    const { message, tx } = b.onClose(fromA);
    expect(a.onCloseAck(wire(message)).toHex()).to.equal(tx.toHex());
  });

  it('once the kickoff is seen, nothing changes off-chain: no payment, reset or close', () => {
    const { a, b } = opened();
    pay(a, b, 10_000n);
    const m = wire(a.pay(1_000n));
    b.kickoffSeen();
    expect(b.phase).to.equal('exiting');
    expect(thrownCode(() => b.onPay(m))).to.equal('UNEXPECTED_MESSAGE');
    expect(thrownCode(() => b.proposeReset())).to.equal('UNEXPECTED_MESSAGE');
    expect(thrownCode(() => b.onReset(wire(a.proposeReset())))).to.equal('UNEXPECTED_MESSAGE');
    expect(b.exit().payments.ab).to.not.equal(undefined);
    const restored = DuplexParty.restore(JSON.parse(JSON.stringify(b.toJSON())), keys.bFunding.priv);
    expect(restored.phase).to.equal('exiting');
  });

  it('a reset under way when the kickoff is seen stays as it is: the chain may already hold the old branch, so neither side moves to the new state', () => {
    const { a, b } = opened();
    pay(a, b, 10_000n);
    const ack = wire(b.onReset(wire(a.proposeReset())));
    a.kickoffSeen();
    b.kickoffSeen();
    expect(thrownCode(() => a.onResetAck(ack))).to.equal('UNEXPECTED_MESSAGE');
    expect(a.index).to.equal(0);
    // b keeps the reset it acknowledged among its other branches: a cannot complete it either (it never took the acknowledgement).
    const { a: a2, b: b2 } = opened();
    pay(a2, b2, 10_000n);
    const done = wire(a2.onResetAck(wire(b2.onReset(wire(a2.proposeReset())))));
    b2.kickoffSeen();
    expect(thrownCode(() => b2.onResetDone(done))).to.equal('UNEXPECTED_MESSAGE');
    expect([b2.index, b2.exit().others!.map((o) => o.index)]).to.deep.equal([0, [1]]);
  });
});
