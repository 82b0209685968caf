/**
 * Random walks of a decreasing-lock channel (a deterministic generator, so
 * every run sees the same ones): payments both ways with amounts that are
 * sometimes too large or zero, fees raised by random amounts, and each
 * update's message tampered with at random before the honest one is sent.
 * Every refusal is a ChannelError that leaves both parties' saved state as
 * it was; after every step both hold the same latest state, its parts add
 * up to the capacity, and a restored copy of each is the same party.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { ChannelError, DecreasingParty, DecreasingUpdate } from '../lib';
import { CAPACITY, CHAIN, openDecreasing, wire } from './constructions/decreasing/kit';

function generator(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest();
  let i = 0;
  return () => {
    if (i + 4 > state.length) {
      state = createHash('sha256').update(state).digest();
      i = 0;
    }
    const v = state.readUInt32BE(i);
    i += 4;
    return v / 2 ** 32;
  };
}

const TAMPER: ((m: DecreasingUpdate, r: () => number) => DecreasingUpdate)[] = [
  (m, r) => ({ ...m, index: m.index + 1 + Math.floor(r() * 3) }),
  (m) => ({ ...m, lock: m.lock - 1 }),
  (m) => ({ ...m, fee: m.fee - 1n, aBalance: m.aBalance + 1n }),
  (m, r) => ({ ...m, aBalance: m.aBalance + BigInt(1 + Math.floor(r() * 1000)) }),
  (m) => ({ ...m, aBalance: m.bBalance, bBalance: m.aBalance }),
  (m) => ({ ...m, sig: Uint8Array.from(m.sig.map((b, j) => (j === 10 ? b ^ 1 : b))) }),
  (m) => ({ ...m, channelId: new Uint8Array(32).fill(7) }),
];

function refused(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return (e as ChannelError).code;
  }
  return 'accepted';
}

describe('decreasing-lock channel: random walks', () => {
  for (const form of ['locktime', 'kickoff'] as const) {
    it(`${form} form: 150 steps of payments, oversized payments and tampered updates`, () => {
      const r = generator(`decreasing fuzz ${form}`);
      const c = openDecreasing(form, { initialLock: CHAIN.height + 10_000, updates: 1000, step: 1, label: `fuzz ${form}` });
      let accepted = 0;
      for (let step = 0; step < 150; step++) {
        const [payer, payee] = r() < 0.5 ? [c.a, c.b] : [c.b, c.a];
        const before = [JSON.stringify(c.a.toJSON()), JSON.stringify(c.b.toJSON())];
        const roll = r();
        const amount = roll < 0.1 ? 0n : roll < 0.2 ? payer.balance + 1n : BigInt(1 + Math.floor(r() * 5000));
        const fee = r() < 0.3 ? payer.latest.fee + c.ctx.minFeeStep + BigInt(Math.floor(r() * 500)) : undefined;
        let message: DecreasingUpdate;
        try {
          message = payer.pay(amount, CHAIN, fee).message;
        } catch (e) {
          expect(e).to.be.instanceOf(ChannelError);
          expect([JSON.stringify(c.a.toJSON()), JSON.stringify(c.b.toJSON())]).to.deep.equal(before);
          continue;
        }
        const bad = TAMPER[Math.floor(r() * TAMPER.length)]!(message, r);
        const payeeBefore = JSON.stringify(payee.toJSON());
        expect(refused(() => payee.onUpdate(bad, CHAIN))).to.not.equal('accepted');
        expect(JSON.stringify(payee.toJSON())).to.equal(payeeBefore);
        payer.onUpdateAck(wire(payee.onUpdate(wire(message), CHAIN).message));
        accepted++;
        const l = c.a.latest;
        expect(c.b.latest).to.deep.equal(l);
        expect(l.aBalance + l.bBalance + l.fee).to.equal(c.ctx.stateCapacity);
        expect(l.fee >= c.ctx.initialFee + BigInt(l.index) * c.ctx.minFeeStep).to.equal(true);
      }
      expect(accepted).to.be.greaterThan(80);
      expect(c.a.latestStateTx().toHex()).to.equal(c.b.latestStateTx().toHex());
      expect(DecreasingParty.restore(JSON.parse(JSON.stringify(c.a.toJSON())), c.keys.aFunding.priv).toJSON()).to.deep.equal(c.a.toJSON());
      expect(DecreasingParty.restore(JSON.parse(JSON.stringify(c.b.toJSON())), c.keys.bFunding.priv).toJSON()).to.deep.equal(c.b.toJSON());
      expect(c.ctx.stateCapacity <= CAPACITY).to.equal(true);
    });
  }
});
