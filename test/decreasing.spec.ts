/**
 * The decreasing-lock channel without a chain: the builders' locks, the
 * update rules as typed errors on both sides (and the party unchanged after
 * each refusal), saved state and its restore checks, the steps, and the close.
 */
import { expect } from 'chai';
import {
  DECREASING_SEQUENCE, DecreasingParty, classifyDecreasingSpend, createDecreasingClosePsbt, createDecreasingKickoffPsbt, createDecreasingStatePsbt,
  explainTransaction, extractTransaction, finalizePsbt, signPsbtWithKey, INCREMENTAL_RELAY_FEE_RATE, buildDecreasingKickoffTx, buildDecreasingStateTx, decreasingBudget,
  toHex, decreasingCloseStep, decreasingIndexOfLockTime, decreasingPayStep, decreasingWeights, feeForWeight, handleDecreasingMessage, p2wpkhScript,
  verifyDecreasingParams,
} from '../lib';
import { CAPACITY, CHAIN, STEP, decreasingKeys, openDecreasing, paramsFor, payDecreasing, wire } from './constructions/decreasing/kit';
import { codeOf, thrownCode } from './support/errors';

const L0 = CHAIN.height + 100;

describe('decreasing-lock channel: parameters and builders', () => {
  const keys = decreasingKeys('params');

  it('state k spends the funding with nLockTime L_0 - kΔ and a non-final nSequence', () => {
    const ctx = verifyDecreasingParams(paramsFor('locktime', keys, { initialLock: L0 }));
    for (const k of [0, 1, 5, 10]) {
      const tx = buildDecreasingStateTx({ ctx, index: k, aBalance: 400_000n, bBalance: ctx.stateCapacity - 400_000n - 2000n, fee: 2000n });
      expect(tx.locktime).to.equal(L0 - k * STEP);
      expect(tx.ins[0]!.sequence).to.equal(DECREASING_SEQUENCE);
      expect(decreasingIndexOfLockTime(ctx, tx.locktime)).to.equal(k);
    }
    expect(decreasingIndexOfLockTime(ctx, L0 - 5)).to.equal(undefined);
    expect(decreasingIndexOfLockTime(ctx, L0 + STEP)).to.equal(undefined);
  });

  it('classifyDecreasingSpend reads a state from its own lock, and refuses what is not a one-input transaction', () => {
    const ctx = verifyDecreasingParams(paramsFor('locktime', keys, { initialLock: L0 }));
    const s7 = buildDecreasingStateTx({ ctx, index: 7, aBalance: 400_000n, bBalance: ctx.stateCapacity - 402_000n, fee: 2000n });
    expect(classifyDecreasingSpend(ctx, s7)).to.deep.equal({ kind: 'decreasing-state', index: 7 });
    s7.locktime = L0 - 3;
    expect(classifyDecreasingSpend(ctx, s7)).to.deep.equal({ kind: 'unknown' });
    expect(codeOf(() => classifyDecreasingSpend(ctx, {} as never))).to.equal('INVALID_TRANSACTION');
    const kctx = verifyDecreasingParams(paramsFor('kickoff', keys, { updates: 6 }));
    expect(classifyDecreasingSpend(kctx, buildDecreasingKickoffTx({ ctx: kctx }))).to.deep.equal({ kind: 'decreasing-kickoff' });
    const k4 = buildDecreasingStateTx({ ctx: kctx, index: 4, aBalance: 400_000n, bBalance: kctx.stateCapacity - 402_000n, fee: 2000n });
    expect(classifyDecreasingSpend(kctx, k4)).to.deep.equal({ kind: 'decreasing-state', index: 4 });
  });

  it('the budget is N = floor((L_0 - tip)/Δ) less the updates made', () => {
    const ctx = verifyDecreasingParams(paramsFor('locktime', keys, { initialLock: L0 }));
    expect(decreasingBudget(ctx, 0, CHAIN.height)).to.equal(10);
    expect(decreasingBudget(ctx, 3, CHAIN.height + 9)).to.equal(6);
    expect(decreasingBudget(ctx, 3, CHAIN.height + 10)).to.equal(6);
    expect(decreasingBudget(ctx, 3, CHAIN.height + 11)).to.equal(5);
    expect(decreasingBudget(ctx, 11, CHAIN.height)).to.equal(0);
  });

  it('kickoff form: the kickoff pays a 2-of-2 of the same keys; state k has nLockTime 0 and nSequence (N-k)Δ', () => {
    const ctx = verifyDecreasingParams(paramsFor('kickoff', keys, { updates: 6 }));
    const k = buildDecreasingKickoffTx({ ctx });
    expect(k.outs[0]!.script).to.deep.equal(ctx.funding.fundingScriptPubKey);
    expect(BigInt(k.outs[0]!.value)).to.equal(ctx.stateInput);
    // An anchor of each party's funding key on the kickoff too, paid from the capacity: the states divide what is left after theirs.
    expect(k.outs.slice(1).map((o) => [toHex(o.script), BigInt(o.value)])).to.deep.equal([[toHex(ctx.anchors!.aScript), 330n], [toHex(ctx.anchors!.bScript), 330n]]);
    expect(ctx.stateCapacity).to.equal(ctx.stateInput - 660n);
    expect(ctx.stateInput).to.equal(CAPACITY - ctx.kickoffFee! - 660n);
    const fee = 2000n;
    for (const i of [0, 3, 6]) {
      const s = buildDecreasingStateTx({ ctx, index: i, aBalance: 400_000n, bBalance: ctx.stateCapacity - 400_000n - fee, fee });
      expect(s.locktime).to.equal(0);
      expect(s.ins[0]!.sequence).to.equal((6 - i) * STEP);
      expect(Buffer.from(s.ins[0]!.hash).reverse().toString('hex')).to.equal(k.getId());
    }
    expect(codeOf(() => buildDecreasingStateTx({ ctx, index: 7, aBalance: 400_000n, bBalance: ctx.stateCapacity - 400_000n - fee, fee }))).to.equal('INVALID_ARGUMENT');
    expect(decreasingBudget(ctx, 2, 999_999)).to.equal(4);
  });

  it('refuses time locks, a kickoff form past BIP 68, and divisions that are not exact', () => {
    const p = paramsFor('locktime', keys, { initialLock: L0 });
    expect(codeOf(() => verifyDecreasingParams({ ...p, initialLock: { time: 1_700_000_000 } as never }))).to.equal('INVALID_TIMELOCK');
    expect(codeOf(() => verifyDecreasingParams({ ...p, initialLock: { height: 600_000_000 } }))).to.equal('INVALID_TIMELOCK');
    expect(codeOf(() => verifyDecreasingParams({ ...paramsFor('kickoff', keys), step: 144, updates: 456 }))).to.equal('INVALID_TIMELOCK');
    expect(codeOf(() => verifyDecreasingParams({ ...p, aBalance: CAPACITY }))).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(codeOf(() => verifyDecreasingParams({ ...p, aBalance: 100n }))).to.equal('AMOUNT_BELOW_DUST');
    expect(codeOf(() => verifyDecreasingParams({ ...p, feeRate: 100n }))).to.equal('FEE_RATE_REFUSED');
    const ctx = verifyDecreasingParams(p);
    const ok = { ctx, index: 1, aBalance: 400_000n, bBalance: ctx.stateCapacity - 400_000n - 2000n, fee: 2000n };
    expect(codeOf(() => buildDecreasingStateTx({ ...ok, aBalance: -1n }))).to.equal('INVALID_AMOUNT');
    expect(codeOf(() => buildDecreasingStateTx({ ...ok, fee: 2001n }))).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(codeOf(() => buildDecreasingStateTx({ ...ok, aBalance: 100n, bBalance: ok.bBalance + 399_900n }))).to.equal('AMOUNT_BELOW_DUST');
  });
});

describe('decreasing-lock channel: updates', () => {
  it('five updates alternating direction: balances both ways, fees rising by the incremental relay fee, budget reported', () => {
    const { ctx, a, b } = openDecreasing('locktime', { initialLock: L0 });
    const step = feeForWeight(decreasingWeights().state, INCREMENTAL_RELAY_FEE_RATE);
    expect(ctx.minFeeStep).to.equal(step);
    const start = { a: a.balance, b: b.balance, fee: a.latest.fee };
    const budgets: number[] = [];
    for (let i = 1; i <= 5; i++) budgets.push(i % 2 === 1 ? payDecreasing(a, b, 10_000n) : payDecreasing(b, a, 3_000n));
    expect(budgets).to.deep.equal([9, 8, 7, 6, 5]);
    expect(a.latest.index).to.equal(5);
    expect(a.latest.fee).to.equal(start.fee + 5n * step);
    // a paid 3 x 10,000 and received 2 x 3,000; each payer paid its update's fee rise.
    expect(a.balance).to.equal(start.a - 30_000n + 6_000n - 3n * step);
    expect(b.balance).to.equal(start.b + 30_000n - 6_000n - 2n * step);
    expect(a.latestStateTx().locktime).to.equal(L0 - 5 * STEP);
    expect(a.latestStateTx().toHex()).to.equal(b.latestStateTx().toHex());
  });

  it('refuses an update whose lock would be behind the tip, with budget 0, on both sides', () => {
    const { a, b } = openDecreasing('locktime', { initialLock: L0 });
    payDecreasing(a, b, 1000n);
    const late = { height: L0 - 2 * STEP + 1, medianTimePast: 0 };
    const before = a.toJSON();
    expect(thrownCode(() => a.pay(1000n, late))).to.equal('CHANNEL_EXPIRED');
    expect(a.toJSON()).to.deep.equal(before);
    // A payer that ignores the rule: the payee refuses it at its own tip.
    const { message } = a.pay(1000n, CHAIN);
    try {
      b.onUpdate(wire(message), late);
      expect.fail('accepted');
    } catch (e) {
      expect((e as { code: string; details: { budget: number } }).code).to.equal('CHANNEL_EXPIRED');
      expect((e as { details: { budget: number } }).details.budget).to.equal(0);
    }
    expect(b.latest.index).to.equal(1);
    // At the tip L_2 the update is still allowed: S_2 is valid in the next block, S_1 Δ blocks later.
    const atLock = { height: L0 - 2 * STEP, medianTimePast: 0 };
    expect(b.onUpdate(wire(message), atLock).budget).to.equal(0);
  });

  it('the payee refuses a lower fee, a wrong lock, a wrong index, a state that pays it less, and a bad signature; nothing changes', () => {
    const { a, b, keys } = openDecreasing('locktime', { initialLock: L0, label: 'attacks' });
    const { message: m } = a.pay(5000n, CHAIN);
    const before = b.toJSON();
    const forged = (over: object) => wire({ ...m, ...over });
    expect(thrownCode(() => b.onUpdate(forged({ fee: m.fee - 1n, aBalance: m.aBalance + 1n }), CHAIN))).to.equal('UPDATE_NOT_MONOTONIC');
    expect(thrownCode(() => b.onUpdate(forged({ lock: m.lock + 1 }), CHAIN))).to.equal('INVALID_TIMELOCK');
    expect(thrownCode(() => b.onUpdate(forged({ index: 2 }), CHAIN))).to.equal('UPDATE_INDEX_MISMATCH');
    expect(thrownCode(() => b.onUpdate(forged({ aBalance: m.aBalance + 6000n, bBalance: m.bBalance - 6000n }), CHAIN))).to.equal('UPDATE_NOT_MONOTONIC');
    expect(thrownCode(() => b.onUpdate(forged({ aBalance: m.aBalance + 1n }), CHAIN))).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(thrownCode(() => b.onUpdate(forged({ bBalance: m.bBalance + 5000n, aBalance: m.aBalance - 5000n }), CHAIN))).to.equal('INVALID_SIGNATURE');
    expect(thrownCode(() => b.onUpdate(forged({ channelId: new Uint8Array(32) }), CHAIN))).to.equal('WRONG_CHANNEL');
    // b's own signature replayed as a's.
    const own = DecreasingParty.restore(b.toJSON(), keys.bFunding.priv);
    expect(thrownCode(() => b.onUpdate(forged({ sig: own.signer.sign(own.signer.stateHash({ index: 1, aBalance: m.aBalance, bBalance: m.bBalance, fee: m.fee })) }), CHAIN))).to.equal('INVALID_SIGNATURE');
    expect(b.toJSON()).to.deep.equal(before);
    b.onUpdate(wire(m), CHAIN);
    expect(b.latest.index).to.equal(1);
  });

  it('the payer cannot pay more than its balance, nor pay while its update is unacknowledged; the payee cannot be asked to pay', () => {
    const { a, b } = openDecreasing('locktime', { initialLock: L0, label: 'payer' });
    expect(thrownCode(() => a.pay(a.balance, CHAIN))).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(thrownCode(() => a.pay(0n, CHAIN))).to.equal('INVALID_AMOUNT');
    expect(thrownCode(() => a.pay(1000n, CHAIN, a.latest.fee))).to.equal('UPDATE_NOT_MONOTONIC');
    const { message } = a.pay(1000n, CHAIN);
    expect(thrownCode(() => a.pay(1000n, CHAIN))).to.equal('PAYMENT_PENDING');
    // b proposing at the same time: the tie-break's winner refuses the other's, the loser takes the winner's (test/decreasing-open.spec.ts).
    const { message: crossing } = b.pay(500n, CHAIN);
    const [winner, loser, lost, won] = a.winsTies ? [a, b, crossing, message] : [b, a, message, crossing];
    expect(thrownCode(() => winner.onUpdate(wire(lost), CHAIN))).to.equal('PAYMENT_PENDING');
    expect(loser.onUpdate(wire(won), CHAIN).dropped?.index).to.equal(1);
  });

  it('kickoff form: N updates, then CHANNEL_EXPIRED whatever the tip', () => {
    const { a, b } = openDecreasing('kickoff', { updates: 3 });
    for (let i = 0; i < 3; i++) payDecreasing(a, b, 1000n, { height: 10_000_000, medianTimePast: 0 });
    expect(a.latestStateTx().ins[0]!.sequence).to.equal(0);
    expect(thrownCode(() => a.pay(1000n, CHAIN))).to.equal('CHANNEL_EXPIRED');
    expect(a.kickoffTx().getId()).to.equal(b.kickoffTx().getId());
  });
});

describe('decreasing-lock channel: inspect', () => {
  it('a signed state, kickoff and close are recognised by the 2-of-2 their witness reveals and by their locks', () => {
    const l = openDecreasing('locktime', { initialLock: L0, label: 'inspect' });
    payDecreasing(l.a, l.b, 1000n);
    const state = explainTransaction(l.a.latestStateTx());
    expect([state.kind, state.certain]).to.deep.equal(['decreasing-state', true]);
    const k = openDecreasing('kickoff', { label: 'inspect kickoff', updates: 4 });
    expect(explainTransaction(k.a.kickoffTx()).kind).to.equal('decreasing-kickoff');
    expect(explainTransaction(k.b.latestStateTx()).kind).to.equal('decreasing-state');
    const offer = l.a.proposeClose(400n);
    expect(explainTransaction(l.b.onClose(wire(offer)).tx).kind).to.equal('decreasing-close');
  });
});

describe('decreasing-lock channel: PSBTs', () => {
  it('each party signs the PSBT of a state, the kickoff and the close; the generic finalizer gives the parties\' own transactions', () => {
    for (const form of ['locktime', 'kickoff'] as const) {
      const c = openDecreasing(form, { initialLock: L0, updates: 4, label: `psbt ${form}` });
      payDecreasing(c.a, c.b, 3000n);
      const signBoth = (psbt: ReturnType<typeof createDecreasingStatePsbt>) => {
        expect(signPsbtWithKey(psbt, c.keys.aFunding.priv)).to.equal(1);
        expect(signPsbtWithKey(psbt, c.keys.bFunding.priv)).to.equal(1);
        return extractTransaction(finalizePsbt(psbt)).toHex();
      };
      expect(signBoth(createDecreasingStatePsbt({ ctx: c.ctx, ...c.a.latest }))).to.equal(c.a.latestStateTx().toHex());
      if (form === 'kickoff') expect(signBoth(createDecreasingKickoffPsbt({ ctx: c.ctx }))).to.equal(c.a.kickoffTx().toHex());
      const offer = c.a.proposeClose(400n);
      expect(signBoth(createDecreasingClosePsbt({ ctx: c.ctx, aBalance: offer.aBalance, bBalance: offer.bBalance, fee: offer.fee }))).to.equal(c.b.onClose(wire(offer)).tx.toHex());
    }
  });
});

describe('decreasing-lock channel: saved state and steps', () => {
  it('restores from JSON at every phase and refuses damage', () => {
    const { a, b, keys } = openDecreasing('locktime', { initialLock: L0, label: 'saved' });
    payDecreasing(a, b, 7000n);
    const pending = decreasingPayStep(a, 1000n, CHAIN);
    const restored = DecreasingParty.restore(JSON.parse(JSON.stringify(pending.save)), keys.aFunding.priv);
    expect(restored.toJSON()).to.deep.equal(a.toJSON());
    restored.onUpdateAck(wire(b.onUpdate(wire(pending.send!), CHAIN).message));
    expect(restored.latest).to.deep.equal(b.latest);
    const j = b.toJSON() as Record<string, unknown>;
    expect(codeOf(() => DecreasingParty.restore(j, keys.aFunding.priv))).to.equal('INVALID_KEY');
    const bad = (patch: Record<string, unknown>) => codeOf(() => DecreasingParty.restore({ ...j, ...patch }, keys.bFunding.priv));
    expect(bad({ latest: { ...(j.latest as object), aBalance: '1' } })).to.equal('STATE_INVALID');
    expect(bad({ latestSig: (j.latestSig as string).replace(/^30/, '31') })).to.equal('STATE_INVALID');
    expect(bad({ latest: { ...(j.latest as object), index: 0 } })).to.equal('STATE_INVALID');
    expect(bad({ phase: 'closed' })).to.equal('STATE_INVALID');
    expect(bad({ format: 'x' })).to.equal('STATE_INVALID');
  });

  it('handleDecreasingMessage dispatches every message; a cooperative close has no lock and pays the non-proposer its latest balance', () => {
    const { a, b, keys } = openDecreasing('locktime', { initialLock: L0, label: 'close' });
    const p = decreasingPayStep(b, 2000n, CHAIN);
    const r = handleDecreasingMessage(a, wire(p.send!), { chain: CHAIN });
    expect(r.received).to.equal(2000n);
    handleDecreasingMessage(b, wire(r.send as never));
    const offer = decreasingCloseStep(a, 500n);
    const bBefore = b.balance;
    const got = handleDecreasingMessage(b, wire(offer.send!));
    const done = handleDecreasingMessage(a, wire(got.send as never));
    expect(done.closeTx!.toHex()).to.equal(got.closeTx!.toHex());
    expect(done.closeTx!.locktime).to.equal(0);
    const bOut = done.closeTx!.outs.find((o) => Buffer.from(o.script).equals(Buffer.from(p2wpkhScript(keys.bPayout.pub))));
    expect(BigInt(bOut!.value)).to.equal(bBefore);
    expect(done.closeTx!.outs.reduce((s, o) => s + BigInt(o.value), 0n)).to.equal(CAPACITY - 500n);
    expect(DecreasingParty.restore(a.toJSON(), keys.aFunding.priv).closeTx().toHex()).to.equal(done.closeTx!.toHex());
    expect(thrownCode(() => a.pay(1n, CHAIN))).to.equal('UNEXPECTED_MESSAGE');
  });

  it('a close that takes from the non-proposer is refused', () => {
    const { a, b } = openDecreasing('locktime', { initialLock: L0, label: 'close2' });
    const offer = a.proposeClose(500n);
    const greedy = wire({ ...offer, aBalance: offer.aBalance + 1000n, bBalance: offer.bBalance - 1000n });
    expect(thrownCode(() => b.onClose(greedy))).to.equal('UPDATE_NOT_MONOTONIC');
    expect(b.phase).to.equal('open');
  });
});
