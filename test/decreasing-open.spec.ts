/**
 * The decreasing-lock channel's opening handshake and its update tie-break:
 * decreasing_open and decreasing_open_ack with state 0 signed by a first,
 * b's refusals of bad terms (each leaving nothing behind), the funding
 * checked on each party's own node before any update (the regtest node for
 * a funding that does not exist or pays another script or amount), replayed
 * and foreign acknowledgements, both parties proposing at once, and the
 * saved state's format 2 beside format 1.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, DecreasingOpen, DecreasingParty, DecreasingUpdate, FUNDING_OUTPUT_INDEX, PublicKey, confirmFunding, createFundingPsbt, extractTransaction,
  decreasingPayStep, finalizePsbt, handleDecreasingMessage, p2wpkhScript, planFunding, signPsbtWithKey, verifyDecreasingParams,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import {
  CAPACITY, CHAIN, ChannelOptions, FEE_RATE, STEP, decreasingKeys, handshakeDecreasing, openDecreasing, paramsFor, payDecreasing, syntheticFunding, wire,
} from './constructions/decreasing/kit';
import { readConfirmed, rejectionOf } from './support/e2e';
import { thrownCode } from './support/errors';

/** a's open of a fresh locktime-form channel (or kickoff form), a's party and the keys. */
function proposed(label: string, form: 'locktime' | 'kickoff' = 'locktime', o: ChannelOptions = {}) {
  const keys = decreasingKeys(label);
  const { tx, params } = syntheticFunding(keys, form, o);
  const ctx = verifyDecreasingParams(params);
  const { party, message } = DecreasingParty.propose(ctx, keys.aFunding.priv);
  return { keys, ctx, a: party, open: wire(message), fundingTx: tx };
}

describe('decreasing-lock channel: opening handshake', () => {
  for (const form of ['locktime', 'kickoff'] as const) {
    it(`${form} form: a signs state 0 first, b checks and countersigns, neither takes an update before the funding is deep enough`, () => {
      const p = proposed(`open ${form}`, form);
      expect(p.a.phase).to.equal('opening');
      const { party: b, message: ack } = DecreasingParty.accept(p.open, p.keys.bFunding.priv, CHAIN, { payoutKey: p.keys.bPayout.pub });
      expect(b.phase).to.equal('funding');
      expect(thrownCode(() => p.a.pay(1000n, CHAIN))).to.equal('UNEXPECTED_MESSAGE');
      handleDecreasingMessage(p.a, wire(ack));
      expect(p.a.phase).to.equal('funding');
      expect(p.a.latestStateTx().toHex()).to.equal(b.latestStateTx().toHex());
      if (form === 'kickoff') expect(p.a.kickoffTx().toHex()).to.equal(b.kickoffTx().toHex());
      for (const party of [p.a, b]) {
        const before = JSON.stringify(party.toJSON());
        expect(thrownCode(() => party.pay(1000n, CHAIN))).to.equal('FUNDING_NOT_CONFIRMED');
        expect(thrownCode(() => party.markFundingConfirmed({ tx: p.fundingTx.toBuffer(), confirmations: 2 }))).to.equal('FUNDING_NOT_CONFIRMED');
        expect(JSON.stringify(party.toJSON())).to.equal(before);
        // Saved while waiting, restored, then confirmed.
        const restored = DecreasingParty.restore(JSON.parse(before), party.role === 'a' ? p.keys.aFunding.priv : p.keys.bFunding.priv);
        expect(JSON.stringify(restored.toJSON())).to.equal(before);
        expect(party.markFundingConfirmed({ tx: p.fundingTx.toBuffer(), confirmations: 3 }).deep).to.equal(true);
        expect(party.phase).to.equal('open');
      }
      payDecreasing(p.a, b, 4000n);
      payDecreasing(b, p.a, 1000n);
      expect(p.a.latest).to.deep.equal(b.latest);
    });
  }

  describe('b refuses bad terms with a typed code, and nothing is made', () => {
    const p = proposed('open refusals');
    const kick = proposed('open refusals kickoff', 'kickoff');
    const other = decreasingKeys('someone else');
    const m = p.open;
    const refuse = (open: unknown, code: string, o: { chain?: ChainView; policy?: object; key?: Uint8Array } = {}) => {
      const aBefore = JSON.stringify(p.a.toJSON());
      expect(thrownCode(() => DecreasingParty.accept(open as DecreasingOpen, (o.key ?? p.keys.bFunding.priv) as never, o.chain ?? CHAIN, { payoutKey: p.keys.bPayout.pub, ...o.policy }))).to.equal(code);
      expect(JSON.stringify(p.a.toJSON())).to.equal(aBefore);
    };
    const cases: [string, () => void][] = [
      ['Δ of 0 blocks', () => refuse({ ...m, step: 0 }, 'INVALID_TIMELOCK')],
      ['Δ below b\'s least', () => refuse(m, 'INVALID_TIMELOCK', { policy: { minStep: STEP + 1 } })],
      ['L_0 a time', () => refuse({ ...m, initialLock: { time: 1_800_000_000 } }, 'INVALID_TIMELOCK')],
      ['L_0 behind the tip', () => refuse(m, 'INVALID_TIMELOCK', { chain: { height: (m.initialLock as { height: number }).height + 1, medianTimePast: 0 } })],
      ['L_0 behind tip + Δ: a budget of 0', () => refuse(m, 'CHANNEL_EXPIRED', { chain: { height: (m.initialLock as { height: number }).height - STEP + 1, medianTimePast: 0 } })],
      ['fewer updates than b wants', () => refuse(m, 'CHANNEL_EXPIRED', { policy: { minBudget: 11 } })],
      ['balances not adding up to the funding less the fee', () => refuse({ ...m, bBalance: m.bBalance + 1n }, 'AMOUNT_EXCEEDS_CAPACITY')],
      ['a balance dust', () => refuse({ ...m, aBalance: 100n, bBalance: m.bBalance + m.aBalance - 100n }, 'AMOUNT_BELOW_DUST')],
      ['another fee step', () => refuse({ ...m, feeStep: m.feeStep - 1n }, 'FEE_RATE_REFUSED')],
      ['a fee rate below the relay floor', () => refuse({ ...m, feeRate: 100n }, 'FEE_RATE_REFUSED')],
      ['equal funding keys', () => refuse({ ...m, aFundingKey: m.bFundingKey }, 'INVALID_KEY')],
      ['equal payout keys', () => refuse({ ...m, aPayoutKey: m.bPayoutKey }, 'INVALID_KEY')],
      ['a key that is no point', () => refuse({ ...m, aPayoutKey: Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]) as PublicKey }, 'INVALID_KEY')],
      ['b\'s payout key not b\'s', () => refuse({ ...m, bPayoutKey: other.bPayout.pub }, 'INVALID_KEY')],
      ['b\'s funding key not b\'s', () => refuse({ ...m, bFundingKey: other.bFunding.pub }, 'INVALID_KEY')],
      ['a channel id not the outpoint\'s', () => refuse({ ...m, channelId: new Uint8Array(32).fill(1) }, 'WRONG_CHANNEL')],
      ['a\'s signature of another state 0', () => refuse({ ...m, sig: kick.open.sig }, 'INVALID_SIGNATURE')],
      ['kickoff form without the kickoff\'s signature', () => refuse({ ...kick.open, kickoffSig: undefined }, 'INVALID_SIGNATURE', { key: kick.keys.bFunding.priv, policy: { payoutKey: kick.keys.bPayout.pub } })],
      ['kickoff form with no N', () => refuse({ ...kick.open, updates: undefined }, 'INVALID_ARGUMENT', { key: kick.keys.bFunding.priv, policy: { payoutKey: kick.keys.bPayout.pub } })],
      ['not a message', () => refuse('open', 'MESSAGE_INVALID')],
      ['a malformed policy', () => refuse(m, 'INVALID_ARGUMENT', { policy: { minStep: 0 } })],
    ];
    for (const [name, run] of cases) it(name, run);
  });

  describe('attacks', () => {
    it('a replayed decreasing_open_ack is refused and changes nothing, while waiting for the funding and once open', () => {
      const p = proposed('replayed ack');
      const { message: ack } = DecreasingParty.accept(p.open, p.keys.bFunding.priv, CHAIN);
      p.a.onOpenAck(wire(ack));
      for (const phase of ['funding', 'open']) {
        if (phase === 'open') p.a.markFundingConfirmed({ tx: p.fundingTx.toBuffer(), confirmations: 3 });
        const before = JSON.stringify(p.a.toJSON());
        expect(thrownCode(() => p.a.onOpenAck(wire(ack)))).to.equal('UNEXPECTED_MESSAGE');
        expect(JSON.stringify(p.a.toJSON())).to.equal(before);
      }
    });

    it('a decreasing_open_ack of other terms, of another channel or signing another state 0 is refused, and a unchanged', () => {
      const p = proposed('foreign ack');
      const before = JSON.stringify(p.a.toJSON());
      // b signs terms of its own choosing on the same funding: a's aBalance lowered.
      const aBalance = p.open.aBalance - 50_000n;
      const skewed = { ...p.open, aBalance, bBalance: p.open.bBalance + 50_000n };
      const forged = DecreasingParty.propose(verifyDecreasingParams({ ...p.ctx.params, aBalance }), p.keys.aFunding.priv).message;
      const { message: otherTerms } = DecreasingParty.accept({ ...skewed, sig: forged.sig }, p.keys.bFunding.priv, CHAIN);
      expect(thrownCode(() => p.a.onOpenAck(wire(otherTerms)))).to.equal('WRONG_CHANNEL');
      // The hash of a's terms pasted on: the signature still signs the other state 0.
      const { message: honest } = DecreasingParty.accept(p.open, p.keys.bFunding.priv, CHAIN);
      expect(thrownCode(() => p.a.onOpenAck(wire({ ...otherTerms, termsHash: honest.termsHash })))).to.equal('INVALID_SIGNATURE');
      // An acknowledgement of another channel of the same keys.
      const q = proposed('foreign ack', 'locktime', { capacity: CAPACITY - 1000n });
      const { message: elsewhere } = DecreasingParty.accept(q.open, q.keys.bFunding.priv, CHAIN);
      expect(thrownCode(() => p.a.onOpenAck(wire(elsewhere)))).to.equal('WRONG_CHANNEL');
      expect(thrownCode(() => p.a.onOpenAck(wire({ ...elsewhere, channelId: honest.channelId })))).to.equal('WRONG_CHANNEL');
      expect(JSON.stringify(p.a.toJSON())).to.equal(before);
      p.a.onOpenAck(wire(honest));
      expect(p.a.phase).to.equal('funding');
    });

    it('evidence of a funding that pays another amount, another script, or is another transaction is refused; b stays waiting', () => {
      const p = proposed('bad evidence');
      const { party: b } = DecreasingParty.accept(p.open, p.keys.bFunding.priv, CHAIN);
      const before = JSON.stringify(b.toJSON());
      const variant = (edit: (t: Transaction) => void) => {
        const t = p.fundingTx.clone();
        edit(t);
        return t.toBuffer();
      };
      const cases: [Uint8Array, string][] = [
        [variant((t) => { t.outs[0]!.value = CAPACITY - 1n; }), 'FUNDING_MISMATCH'],
        [variant((t) => { t.outs[0]!.script = p2wpkhScript(p.keys.wallet.pub); }), 'FUNDING_MISMATCH'],
        [variant((t) => { t.locktime = 1; }), 'FUNDING_MISMATCH'],
        [new Uint8Array([1, 2, 3]), 'INVALID_TRANSACTION'],
      ];
      for (const [tx, code] of cases) {
        expect(thrownCode(() => b.markFundingConfirmed({ tx, confirmations: 6 }))).to.equal(code);
        expect(JSON.stringify(b.toJSON())).to.equal(before);
      }
      expect(thrownCode(() => b.pay(1000n, CHAIN))).to.equal('FUNDING_NOT_CONFIRMED');
    });
  });
});

describe('decreasing-lock channel: update tie-break', () => {
  /** Channels under several labels, so both a winning and b winning are seen. */
  const channels = ['tie 0', 'tie 1', 'tie 2', 'tie 3', 'tie 4', 'tie 5'].map((label) => handshakeDecreasing('locktime', { label, initialLock: CHAIN.height + 100 }));

  it('both roles win under some keys, and both parties compute the same winner', () => {
    const winners = new Set(channels.map((c) => (c.a.winsTies ? 'a' : 'b')));
    expect([...winners].sort()).to.deep.equal(['a', 'b']);
    for (const c of channels) expect(c.a.winsTies).to.equal(!c.b.winsTies);
  });

  it('both propose at once, the messages cross: both end at k+1 with the winner\'s balances, and the loser\'s proposal then goes through as k+2', () => {
    const crossing = channels.filter((_, i) => i !== 4);
    expect(new Set(crossing.map((c) => c.a.winsTies)).size, 'a wins under some keys here, b under others').to.equal(2);
    for (const c of crossing) {
      payDecreasing(c.a, c.b, 2000n);
      const k = c.a.latest.index;
      const fromA = c.a.pay(3000n, CHAIN).message;
      const fromB = c.b.pay(700n, CHAIN).message;
      const [winner, loser, won, lost] = c.a.winsTies ? [c.a, c.b, fromA, fromB] : [c.b, c.a, fromB, fromA];
      const winnerBefore = JSON.stringify(winner.toJSON());
      // The winner refuses the loser's update and keeps its own pending.
      expect(thrownCode(() => handleDecreasingMessage(winner, wire(lost), { chain: CHAIN }))).to.equal('PAYMENT_PENDING');
      expect(JSON.stringify(winner.toJSON())).to.equal(winnerBefore);
      // The loser checks the winner's whole, drops its own and countersigns.
      const step = handleDecreasingMessage(loser, wire(won), { chain: CHAIN });
      expect(step.dropped).to.deep.include({ index: k + 1 });
      // The winner also holds the loser's signature of the dropped state at the same lock: what it paid is held, not final.
      const paid = won === fromA ? 3000n : 700n;
      expect(step.received).to.equal(0n);
      expect(loser.held).to.equal(paid);
      expect(DecreasingParty.restore(JSON.parse(JSON.stringify(step.save)), loser === c.a ? c.keys.aFunding.priv : c.keys.bFunding.priv).held).to.equal(paid);
      handleDecreasingMessage(winner, wire(step.send as never));
      expect(winner.latest).to.deep.equal(loser.latest);
      expect(winner.latest).to.deep.equal({ index: k + 1, aBalance: won.aBalance, bBalance: won.bBalance, fee: won.fee });
      // The loser offers its payment again; signed as k+2, it makes the held amount final.
      const again = loser === c.a ? 3000n : 700n;
      const re = decreasingPayStep(loser, again, CHAIN);
      const taken = handleDecreasingMessage(winner, wire(re.send!), { chain: CHAIN });
      expect(taken.received).to.equal(again);
      expect(handleDecreasingMessage(loser, wire(taken.send as never)).received).to.equal(paid);
      expect(loser.held).to.equal(0n);
      expect(loser.latest.index).to.equal(k + 2);
      // Saved and restored, both agree.
      expect(DecreasingParty.restore(JSON.parse(JSON.stringify(c.a.toJSON())), c.keys.aFunding.priv).latest).to.deep.equal(c.b.latest);
    }
  });

  it('a held amount is also made final by the winner\'s next update', () => {
    const c = channels[5]!;
    const fromA = c.a.pay(3000n, CHAIN).message;
    const fromB = c.b.pay(700n, CHAIN).message;
    const [winner, loser, won] = c.a.winsTies ? [c.a, c.b, fromA] : [c.b, c.a, fromB];
    const paid = won === fromA ? 3000n : 700n;
    winner.onUpdateAck(wire(loser.onUpdate(wire(won), CHAIN).message));
    expect(loser.held).to.equal(paid);
    const next = winner.pay(100n, CHAIN).message;
    const r = loser.onUpdate(wire(next), CHAIN);
    expect([r.amount, r.final, loser.held]).to.deep.equal([100n, 100n + paid, 0n]);
    winner.onUpdateAck(wire(r.message));
    const j = loser.toJSON() as Record<string, unknown>;
    expect(j.held).to.equal(null);
    for (const held of [{ index: 0, amount: '5' }, { index: loser.latest.index + 1, amount: '5' }, { index: 1, amount: '0' }]) {
      expect(thrownCode(() => DecreasingParty.restore({ ...j, held }, loser === c.a ? c.keys.aFunding.priv : c.keys.bFunding.priv))).to.equal('STATE_INVALID');
    }
  });

  it('a crafted update cannot make either side drop a state it signed: the loser keeps its pending until the winner\'s update passes every check', () => {
    const c = channels[4]!;
    payDecreasing(c.a, c.b, 2000n);
    const fromA = c.a.pay(3000n, CHAIN).message;
    const fromB = c.b.pay(700n, CHAIN).message;
    const [winner, loser, won] = c.a.winsTies ? [c.a, c.b, fromA] : [c.b, c.a, fromB];
    const loserBefore = JSON.stringify(loser.toJSON());
    const winnerBefore = JSON.stringify(winner.toJSON());
    const latest = loser.latest;
    const crafted: [string, DecreasingUpdate, string][] = [
      ['the signed latest index again', { ...won, index: latest.index }, 'UPDATE_INDEX_MISMATCH'],
      ['a state past the pending one', { ...won, index: latest.index + 2 }, 'UPDATE_INDEX_MISMATCH'],
      ['balances the winner did not sign', { ...won, aBalance: won.aBalance + 1000n, bBalance: won.bBalance - 1000n }, 'INVALID_SIGNATURE'],
      ['the fee not raised', { ...won, fee: latest.fee, aBalance: won.aBalance + won.fee - latest.fee }, 'UPDATE_NOT_MONOTONIC'],
      ['the loser\'s own signature sent back', { ...won, sig: (loser === c.a ? fromA : fromB).sig }, 'INVALID_SIGNATURE'],
      ['another channel', { ...won, channelId: new Uint8Array(32).fill(9) }, 'WRONG_CHANNEL'],
    ];
    for (const [name, m, code] of crafted) {
      expect(thrownCode(() => loser.onUpdate(wire(m), CHAIN)), name).to.equal(code);
      expect(JSON.stringify(loser.toJSON()), name).to.equal(loserBefore);
    }
    // The loser's own update replayed at the winner, or dressed up as the winner's, is refused there: the winner never drops.
    for (const m of [fromA, fromB]) {
      expect(thrownCode(() => winner.onUpdate(wire(m), CHAIN))).to.be.oneOf(['PAYMENT_PENDING', 'INVALID_SIGNATURE']);
      expect(JSON.stringify(winner.toJSON())).to.equal(winnerBefore);
    }
    // An acknowledgement of the dropped proposal is refused once the loser holds none.
    loser.onUpdate(wire(won), CHAIN);
    const forgedAck = { type: 'decreasing_update_ack' as const, channelId: loser.channelId, index: latest.index + 1, sig: won.sig };
    const after = JSON.stringify(loser.toJSON());
    expect(thrownCode(() => loser.onUpdateAck(wire(forgedAck)))).to.equal('UNEXPECTED_MESSAGE');
    expect(JSON.stringify(loser.toJSON())).to.equal(after);
  });
});

describe('decreasing-lock channel: saved state format 2', () => {
  it('a format 1 state (opened out of band) still restores, and is saved again as format 2', () => {
    const { a, b, keys } = openDecreasing('locktime', { label: 'format 1' });
    payDecreasing(a, b, 1000n);
    const v2 = a.toJSON() as Record<string, unknown>;
    expect(v2.format).to.equal('revchan-decreasing-party/2');
    const { fundingCheck, ...rest } = v2;
    expect(fundingCheck).to.equal(null);
    const v1 = { ...rest, format: 'revchan-decreasing-party/1' };
    expect(DecreasingParty.restore(v1, keys.aFunding.priv).toJSON()).to.deep.equal(v2);
    // Format 1 knows no handshake: a fundingCheck in it is ignored, a funding phase refused.
    expect(DecreasingParty.restore({ ...v1, fundingCheck: { depth: 3, confirmations: 3 } }, keys.aFunding.priv).toJSON()).to.deep.equal(v2);
    expect(thrownCode(() => DecreasingParty.restore({ ...v1, phase: 'funding' }, keys.aFunding.priv))).to.equal('STATE_INVALID');
  });

  it('a handshake state carries its funding check; damage to it is refused', () => {
    const c = handshakeDecreasing('kickoff', { label: 'format 2', updates: 5 });
    const j = c.b.toJSON() as Record<string, unknown>;
    expect(j.fundingCheck).to.deep.equal({ depth: 3, confirmations: 3 });
    expect(DecreasingParty.restore(JSON.parse(JSON.stringify(j)), c.keys.bFunding.priv).toJSON()).to.deep.equal(j);
    for (const patch of [
      { fundingCheck: { depth: 3, confirmations: null } }, { fundingCheck: { depth: 0, confirmations: 3 } }, { phase: 'funding' }, { fundingCheck: { depth: 'x' } },
      { phase: 'opening', latestSig: null, fundingCheck: { depth: 3, confirmations: null } },
    ]) {
      expect(thrownCode(() => DecreasingParty.restore({ ...j, ...patch }, c.keys.bFunding.priv)), JSON.stringify(patch)).to.equal('STATE_INVALID');
    }
    expect(thrownCode(() => DecreasingParty.restore({ ...j, phase: 'funding', fundingCheck: null }, c.keys.bFunding.priv))).to.equal('STATE_INVALID');
  });
});

describe('decreasing-lock channel: the handshake\'s funding on a regtest node', function () {
  this.timeout(120_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  it('b waits while the funding is unknown or shallow, refuses an outpoint paying another script or amount, and opens at depth 3', async () => {
    const keys = decreasingKeys('regtest handshake');
    const walletScript = p2wpkhScript(keys.wallet.pub);
    const coin = await node.fund(walletScript, CAPACITY + 100_000n);
    const funding = {
      inputs: [{ txid: coin.txid, vout: coin.vout, value: coin.value, script: walletScript, prevTx: coin.tx }],
      capacity: CAPACITY, senderFundingKey: keys.aFunding.pub, receiverFundingKey: keys.bFunding.pub, changeScript: walletScript, feeRate: FEE_RATE,
    };
    const txid = planFunding(funding).tx.getId();
    const tip = await node.getTip();
    const chain = { height: tip.height, medianTimePast: tip.medianTimePast };
    const open = (outpoint: { txid: string; vout: number }, label = 'regtest handshake') => {
      const k = decreasingKeys(label);
      const ctx = verifyDecreasingParams(paramsFor('locktime', k, { funding: outpoint, initialLock: chain.height + 100 }));
      const { party: a, message } = DecreasingParty.propose(ctx, k.aFunding.priv);
      const { party: b, message: ack } = DecreasingParty.accept(wire(message), k.bFunding.priv, chain);
      a.onOpenAck(wire(ack));
      return { a, b };
    };
    const c = open({ txid, vout: FUNDING_OUTPUT_INDEX });
    // Not broadcast: the node does not know it.
    expect((await rejectionOf(confirmFunding(c.b, node))).code).to.equal('FUNDING_NOT_CONFIRMED');
    // An open naming the wallet's coin: a real output, paying another script and amount.
    const wrongScript = open({ txid: coin.txid, vout: coin.vout }, 'regtest handshake wrong');
    const e = await rejectionOf(confirmFunding(wrongScript.b, node));
    expect([e.code, e.details?.field]).to.deep.equal(['FUNDING_MISMATCH', 'value']);
    expect(wrongScript.b.phase).to.equal('funding');
    expect(thrownCode(() => wrongScript.b.pay(1000n, chain))).to.equal('FUNDING_NOT_CONFIRMED');
    // The real funding, signed only now that a holds b's signature of state 0.
    const psbt = createFundingPsbt(funding);
    expect(signPsbtWithKey(psbt, keys.wallet.priv)).to.equal(1);
    const fundingTx = extractTransaction(finalizePsbt(psbt));
    await node.broadcast(fundingTx.toBuffer());
    // In the mempool: seen, not deep.
    expect((await rejectionOf(confirmFunding(c.b, node))).code).to.equal('FUNDING_NOT_CONFIRMED');
    await node.mine(1);
    await readConfirmed(node, txid);
    expect((await rejectionOf(confirmFunding(c.b, node))).code).to.equal('FUNDING_NOT_CONFIRMED');
    await node.mine(2);
    expect(await confirmFunding(c.b, node)).to.deep.equal({ confirmations: 3, deep: true });
    expect(await confirmFunding(c.a, node)).to.deep.equal({ confirmations: 3, deep: true });
    payDecreasing(c.a, c.b, 5000n, chain);
  });
});
