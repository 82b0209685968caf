/**
 * Fuzzing the decreasing-lock construction, as test/spillman-fuzz.spec.ts
 * does Spillman's and with the shared mutations: its message decoder over
 * every message (the handshake's too), its party's restore over saved states
 * of every phase (format 1 among them) and every call of what restores, and
 * each handler taking mutated messages of its type: every call returns or
 * throws a ChannelError, and a refused one leaves the party as it was.
 * REVCHAN_FUZZ_ITERATIONS and REVCHAN_FUZZ_SEED as for test/fuzz.spec.ts.
 *
 * Then random walks of a decreasing-lock channel (a deterministic generator, so
 * every run sees the same ones): payments both ways with amounts that are
 * sometimes too large or zero, fees raised by random amounts, and each
 * update's message tampered with at random before the honest one is sent.
 * Every refusal is a ChannelError that leaves both parties' saved state as
 * it was; after every step both hold the same latest state, its parts add
 * up to the capacity, and a restored copy of each is the same party.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  ChannelError, DECREASING_MESSAGES, DecreasingParty, DecreasingUpdate, decodeDecreasingMessage, encodeDecreasingMessage, handleDecreasingMessage, verifyDecreasingParams,
} from '../lib';
import { CAPACITY, CHAIN, handshakeDecreasing, openDecreasing, payDecreasing, syntheticFunding, decreasingKeys, wire } from './constructions/decreasing/kit';
import { canonicalJson, fc, mutatedBytes, mutatedJson } from './support/fuzz-mutations';
import { JsonText } from './support/bad-inputs-codec';
import { badSpellings, withMember } from './kit/corpus/spellings';
import { RUNS, SEED, fuzz, typed } from './support/fuzz-harness';

describe(`decreasing-lock fuzz (seed ${SEED}, ${RUNS} inputs per target)`, () => {
  // A channel of each form opened by the handshake and updated both ways; saved states at every phase.
  const l = handshakeDecreasing('locktime', { label: 'fuzz handshake locktime' });
  const k = handshakeDecreasing('kickoff', { label: 'fuzz handshake kickoff', updates: 6 });
  payDecreasing(l.a, l.b, 4000n);
  payDecreasing(k.b, k.a, 2000n);
  const keysOf = (c: typeof l) => ({ a: c.keys.aFunding.priv, b: c.keys.bFunding.priv });
  const hk = decreasingKeys('fuzz opening');
  const hf = syntheticFunding(hk, 'locktime');
  const opening = verifyDecreasingParams(hf.params);
  const { party: aOpening, message: open } = DecreasingParty.propose(opening, hk.aFunding.priv);
  const { party: bFunding, message: openAck } = DecreasingParty.accept(wire(open), hk.bFunding.priv, CHAIN);
  const update = l.a.pay(1000n, CHAIN).message;
  const updateAck = l.b.onUpdate(update, CHAIN).message;
  l.a.onUpdateAck(updateAck);
  const pendingA = JSON.stringify(l.a.toJSON());
  const nextUpdate = l.a.pay(1500n, CHAIN).message;
  const openB = JSON.stringify(l.b.toJSON());
  const closeOffer = k.a.proposeClose(500n);
  const closingA = JSON.stringify(k.a.toJSON());
  const closeAck = k.b.onClose(closeOffer).message;
  const closedB = JSON.stringify(k.b.toJSON());
  // A crossing: the loser holds what the winner's update paid it.
  const x = handshakeDecreasing('locktime', { label: 'fuzz crossing' });
  const [xw, xl] = x.a.winsTies ? [x.a, x.b] : [x.b, x.a];
  const xwon = xw.pay(900n, CHAIN).message;
  xl.pay(400n, CHAIN);
  xw.onUpdateAck(xl.onUpdate(xwon, CHAIN).message);
  const holding = JSON.stringify(xl.toJSON());
  const holdingKey = xl === x.a ? x.keys.aFunding.priv : x.keys.bFunding.priv;
  const oob = openDecreasing('locktime', { label: 'fuzz out of band' });
  const format1 = { ...(oob.a.toJSON() as Record<string, unknown>), format: 'revchan-decreasing-party/1' };
  delete (format1 as Record<string, unknown>).fundingCheck;
  const messages = [open, openAck, oob.a.initialSigned(), update, updateAck, closeOffer, closeAck].map((m) => encodeDecreasingMessage(m));
  const states: [string, unknown, Uint8Array[]][] = [
    ['a opening', aOpening.toJSON(), [hk.aFunding.priv]], ['b funding', bFunding.toJSON(), [hk.bFunding.priv]],
    ['a pending', JSON.parse(pendingA), [keysOf(l).a]], ['b open', JSON.parse(openB), [keysOf(l).b]],
    ['a closing', JSON.parse(closingA), [keysOf(k).a]], ['b closed', JSON.parse(closedB), [keysOf(k).b]], ['format 1', format1, [oob.keys.aFunding.priv]],
    ['loser holding', JSON.parse(holding), [holdingKey]],
  ];
  const evidence = [hf.tx.toBuffer(), l.fundingTx.toBuffer(), k.fundingTx.toBuffer()];

  fuzz('decodeDecreasingMessage', mutatedJson(messages), (x) => {
    const r = typed(() => decodeDecreasingMessage(x));
    // What decodes is in its one spelling: encoded again, it is the input (key order aside), and decodes to itself.
    if ('value' in r) {
      expect(canonicalJson(encodeDecreasingMessage(r.value))).to.equal(canonicalJson(x));
      expect(decodeDecreasingMessage(JSON.parse(JSON.stringify(encodeDecreasingMessage(r.value))))).to.deep.equal(r.value);
    }
  });

  // One target per schema, as test/fuzz.spec.ts has for the revocable construction's: each field respelt as its kind must refuse.
  for (const schema of DECREASING_MESSAGES) {
    const good = messages.find((m) => (m as { type?: unknown }).type === schema.type) as Record<string, unknown> | undefined;
    it(`${schema.type} has a valid sample`, () => expect(good).to.not.equal(undefined));
    if (good === undefined) continue;
    const respelt = Object.entries(schema.fields).flatMap(([f, kind]) => badSpellings(kind, good[f]).map(([name, value, code]) => ({ f, name, message: withMember(good, f, value), code })));
    fuzz(`${schema.type}: one field respelt (${respelt.length} spellings)`, fc.tuple(fc.constantFrom(...respelt), fc.array(fc.nat(), { maxLength: 12 })), ([c, order]) => {
      const x = c.message instanceof JsonText ? JSON.parse(c.message.text) as unknown : reordered(c.message as Record<string, unknown>, order);
      for (const decode of [decodeDecreasingMessage, (y: unknown) => schema.decode(y)]) {
        const r = typed(() => decode(x));
        expect('code' in r ? r.code : 'decoded', `${c.f}: ${c.name}`).to.equal(c.code);
      }
    }, Math.max(1, Math.round(RUNS / 4)));
  }

  fuzz('DecreasingParty.restore, and every call of what restores', mutatedJson(states.map(([, st]) => st)), (x) => {
    for (const [, , keys] of states) {
      const r = typed(() => DecreasingParty.restore(x, keys[0] as never));
      if (!('value' in r)) continue;
      const p = r.value;
      const saved = JSON.stringify(p.toJSON());
      expect(JSON.stringify(DecreasingParty.restore(JSON.parse(saved), keys[0] as never).toJSON())).to.equal(saved);
      for (const call of [
        () => p.latestStateTx() as unknown, () => p.kickoffTx(), () => p.closeTx(), () => p.budget(CHAIN), () => p.initialSigned(), () => p.pay(100n, CHAIN),
        () => p.proposeClose(300n), () => p.onUpdate(nextUpdate, CHAIN), () => p.onUpdateAck(updateAck), () => p.onOpenAck(openAck), () => p.onClose(closeOffer),
        () => p.onCloseAck(closeAck), () => p.markFundingConfirmed({ tx: evidence[0]!, confirmations: 3 }),
      ]) typed(call);
    }
  }, Math.max(1, Math.round(RUNS / 2)));

  fuzz('decodeDecreasingMessage, then the party in each saved state: taken, or refused with the party unchanged', mutatedJson(messages, 3), (x) => {
    const d = typed(() => decodeDecreasingMessage(x));
    if (!('value' in d)) return;
    const m = d.value;
    if (m.type === 'decreasing_open') {
      typed(() => DecreasingParty.accept(m, hk.bFunding.priv, CHAIN));
      return;
    }
    for (const [name, st, keys] of states) {
      const party = DecreasingParty.restore(JSON.parse(JSON.stringify(st)), keys[0] as never);
      const before = JSON.stringify(party.toJSON());
      const r = typed(() => handleDecreasingMessage(party, m, { chain: CHAIN }));
      if ('code' in r) expect(JSON.stringify(party.toJSON()), `${name} refused with ${r.code} but changed`).to.equal(before);
    }
  }, Math.max(1, Math.round(RUNS / 2)));

  fuzz('DecreasingParty.accept of a mutated open: a party, or a typed refusal', mutatedJson([encodeDecreasingMessage(open)], 3), (x) => {
    const m = typed(() => decodeDecreasingMessage(x));
    const r = typed(() => DecreasingParty.accept(('value' in m ? m.value : x) as never, hk.bFunding.priv, CHAIN));
    if ('value' in r) expect(r.value.party.phase).to.equal('funding');
  }, Math.max(1, Math.round(RUNS / 4)));

  fuzz('onUpdate of a mutated update by a party with its own update pending (the tie-break\'s loser or winner)', mutatedJson([encodeDecreasingMessage(nextUpdate)], 3), (x) => {
    const m = typed(() => decodeDecreasingMessage(x));
    for (const [st, key] of [[openB, keysOf(l).b], [pendingA, keysOf(l).a]] as const) {
      const party = DecreasingParty.restore(JSON.parse(st), key);
      if (st === openB) party.pay(700n, CHAIN);
      const before = JSON.stringify(party.toJSON());
      const r = typed(() => party.onUpdate(('value' in m ? m.value : x) as never, CHAIN));
      if ('code' in r) expect(JSON.stringify(party.toJSON())).to.equal(before);
    }
  }, Math.max(1, Math.round(RUNS / 4)));

  const bFundingState = JSON.stringify(bFunding.toJSON());
  fuzz('markFundingConfirmed with mutated funding transactions: refused with the party unchanged, or the agreed one', fc.tuple(mutatedBytes(evidence, 3), fc.integer({ min: -2, max: 10 })), ([tx, confirmations]) => {
    const party = DecreasingParty.restore(JSON.parse(bFundingState), hk.bFunding.priv);
    const r = typed(() => party.markFundingConfirmed({ tx, confirmations }));
    if ('code' in r) expect(JSON.stringify(party.toJSON())).to.equal(bFundingState);
  }, Math.max(1, Math.round(RUNS / 2)));
});

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

/** The same members in another order: a decoder must not depend on it. */
function reordered(o: Record<string, unknown>, order: readonly number[]): Record<string, unknown> {
  const keys = Object.keys(o);
  for (let i = 0; i < order.length && keys.length > 1; i++) {
    const a = i % keys.length;
    const b = order[i]! % keys.length;
    [keys[a], keys[b]] = [keys[b]!, keys[a]!];
  }
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
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
