/**
 * Fuzzing the duplex construction through the shared mutations, as
 * test/decreasing-fuzz.spec.ts does the decreasing-lock one: its message
 * decoder over every message, one target per schema with each field respelt
 * as its kind must refuse, its party's restore over saved states of every
 * phase and every call of what restores, and the handlers taking mutated
 * messages in each saved state. Every call returns or throws a ChannelError,
 * and a refused one leaves the party as it was.
 * REVCHAN_FUZZ_ITERATIONS and REVCHAN_FUZZ_SEED as for test/fuzz.spec.ts.
 */
import { expect } from 'chai';
import {
  DUPLEX_MESSAGES, DuplexMessage, DuplexParty, decodeDuplexMessage, encodeDuplexMessage,
} from '../lib';
import { openedParties } from './constructions/duplex/kit';
import { canonicalJson, fc, mutatedJson } from './support/fuzz-mutations';
import { JsonText } from './support/bad-inputs-codec';
import { badSpellings, withMember } from './kit/corpus/spellings';
import { RUNS, SEED, fuzz, typed } from './support/fuzz-harness';

function wire<T extends DuplexMessage>(m: T): T {
  return decodeDuplexMessage(JSON.parse(JSON.stringify(encodeDuplexMessage(m)))) as T;
}

/** The message's handler in a party, as the application dispatches it. */
function handle(p: DuplexParty, m: DuplexMessage): unknown {
  switch (m.type) {
    case 'duplex_tree_signed': return p.onTreeSigned(m);
    case 'duplex_pay': return p.onPay(m);
    case 'duplex_pay_ack': return p.onPayAck(m);
    case 'duplex_reset': return p.onReset(m);
    case 'duplex_reset_ack': return p.onResetAck(m);
    case 'duplex_reset_done': return p.onResetDone(m);
    case 'duplex_close': return p.onClose(m);
    case 'duplex_close_ack': return p.onCloseAck(m);
  }
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

describe(`duplex fuzz (seed ${SEED}, ${RUNS} inputs per target)`, () => {
  // A channel on a setup of made-up coins; the parties below start over from its terms to show every phase.
  const base = openedParties('fuzz');
  const keys = base.keys;
  const ctx = base.a.ctx;
  const keyOf = { a: keys.aFunding.priv, b: keys.bFunding.priv };
  const a = DuplexParty.open(ctx, 'a', keyOf.a);
  const b = DuplexParty.open(ctx, 'b', keyOf.b);
  const aOptIn = JSON.stringify(a.toJSON());
  const treeA = a.treeSigned();
  const treeB = b.treeSigned();
  b.onTreeSigned(wire(treeA));
  const bHalf = JSON.stringify(b.toJSON());
  a.onTreeSigned(wire(treeB));
  const aFunding = JSON.stringify(a.toJSON());
  a.markSetupConfirmed(base.setup);
  b.markSetupConfirmed(base.setup);
  const pay = a.pay(20_000n);
  const aPaying = JSON.stringify(a.toJSON());
  const payAck = b.onPay(wire(pay)).message;
  a.onPayAck(wire(payAck));
  b.onPayAck(wire(a.onPay(wire(b.pay(5_000n))).message));
  const openA = JSON.stringify(a.toJSON());
  const openB = JSON.stringify(b.toJSON());
  const nextPay = a.pay(1_000n);
  a.onPayAck(wire(b.onPay(wire(nextPay)).message));
  const reset = a.proposeReset();
  const aResetting = JSON.stringify(a.toJSON());
  const resetAck = b.onReset(wire(reset));
  const bAcked = JSON.stringify(b.toJSON());
  const resetDone = a.onResetAck(wire(resetAck));
  b.onResetDone(wire(resetDone));
  const resetA = JSON.stringify(a.toJSON());
  const resetB = JSON.stringify(b.toJSON());
  const close = a.proposeClose(1_000n);
  const aClosing = JSON.stringify(a.toJSON());
  const closeAck = b.onClose(wire(close)).message;
  const bClosed = JSON.stringify(b.toJSON());

  const all: DuplexMessage[] = [treeA, treeB, pay, payAck, nextPay, reset, resetAck, resetDone, close, closeAck];
  const messages = all.map((m) => encodeDuplexMessage(m));
  const states: [string, string, Uint8Array][] = [
    ['a opting in', aOptIn, keyOf.a], ['b holding a\'s tree', bHalf, keyOf.b], ['a awaiting the setup', aFunding, keyOf.a], ['a paying', aPaying, keyOf.a], ['a open', openA, keyOf.a],
    ['b open', openB, keyOf.b], ['a resetting', aResetting, keyOf.a], ['b awaiting the reset\'s completion', bAcked, keyOf.b], ['a after a reset', resetA, keyOf.a], ['b after a reset', resetB, keyOf.b],
    ['a closing', aClosing, keyOf.a], ['b closed', bClosed, keyOf.b],
  ];

  it('every saved state restores to itself', () => {
    for (const [name, st, key] of states) expect(JSON.stringify(DuplexParty.restore(JSON.parse(st), key as never).toJSON()), name).to.equal(st);
  });

  it('a state index spelt -0 decodes as 0, so the message equals its own round trip', () => {
    const m = decodeDuplexMessage({ ...(messages[2] as Record<string, unknown>), index: -0 }) as { index: number };
    expect(Object.is(m.index, 0)).to.equal(true);
  });

  fuzz('decodeDuplexMessage', mutatedJson(messages), (x) => {
    const r = typed(() => decodeDuplexMessage(x));
    // What decodes is in its one spelling: encoded again, it is the input (key order aside), and decodes to itself.
    if ('value' in r) {
      expect(canonicalJson(encodeDuplexMessage(r.value))).to.equal(canonicalJson(x));
      expect(decodeDuplexMessage(JSON.parse(JSON.stringify(encodeDuplexMessage(r.value))))).to.deep.equal(r.value);
    }
  });

  for (const schema of DUPLEX_MESSAGES) {
    const good = messages.find((m) => (m as { type?: unknown }).type === schema.type) as Record<string, unknown> | undefined;
    it(`${schema.type} has a valid sample`, () => expect(good).to.not.equal(undefined));
    if (good === undefined) continue;
    const respelt = Object.entries(schema.fields).flatMap(([f, kind]) => badSpellings(kind, good[f]).map(([name, value, code]) => ({ f, name, message: withMember(good, f, value), code })));
    fuzz(`${schema.type}: one field respelt (${respelt.length} spellings)`, fc.tuple(fc.constantFrom(...respelt), fc.array(fc.nat(), { maxLength: 12 })), ([c, order]) => {
      const x = c.message instanceof JsonText ? JSON.parse(c.message.text) as unknown : reordered(c.message as Record<string, unknown>, order);
      for (const decode of [decodeDuplexMessage, (y: unknown) => schema.decode(y)]) {
        const r = typed(() => decode(x));
        expect('code' in r ? r.code : 'decoded', `${c.f}: ${c.name}`).to.equal(c.code);
      }
    }, Math.max(1, Math.round(RUNS / 4)));
  }

  fuzz('DuplexParty.restore, and every call of what restores', mutatedJson(states.map(([, st]) => JSON.parse(st) as unknown)), (x) => {
    for (const key of [keyOf.a, keyOf.b]) {
      const r = typed(() => DuplexParty.restore(x, key as never));
      if (!('value' in r)) continue;
      const p = r.value;
      const saved = JSON.stringify(p.toJSON());
      expect(JSON.stringify(DuplexParty.restore(JSON.parse(saved), key as never).toJSON())).to.equal(saved);
      for (const call of [
        () => p.treeSigned() as unknown, () => p.pay(500n), () => p.proposeReset(), () => p.repeatResetAck(), () => p.proposeClose(1_000n), () => p.exit(),
        () => p.balance, () => p.leafBalances, () => p.paid, () => p.readyToSignSetup, () => p.markSetupConfirmed(base.setup), () => p.kickoffSeen(),
        ...all.map((m) => () => handle(p, m)),
      ]) typed(call);
    }
  }, Math.max(1, Math.round(RUNS / 4)));

  fuzz('decodeDuplexMessage, then the party in each saved state: taken, or refused with the party unchanged', mutatedJson(messages, 3), (x) => {
    const d = typed(() => decodeDuplexMessage(x));
    if (!('value' in d)) return;
    for (const [name, st, key] of states) {
      const party = DuplexParty.restore(JSON.parse(st), key as never);
      const r = typed(() => handle(party, d.value));
      if ('code' in r) expect(JSON.stringify(party.toJSON()), `${name} refused ${d.value.type} with ${r.code} but changed`).to.equal(st);
    }
  }, Math.max(1, Math.round(RUNS / 2)));

  fuzz('mutated messages of every type straight to the handlers (not decoded): typed refusals, the party unchanged', mutatedJson(all as unknown[], 3), (x) => {
    for (const [name, st, key] of states) {
      const party = DuplexParty.restore(JSON.parse(st), key as never);
      let before = st;
      for (const h of [party.onTreeSigned, party.onPay, party.onPayAck, party.onReset, party.onResetAck, party.onResetDone, party.onClose, party.onCloseAck]) {
        const r = typed(() => h.call(party, x as never));
        if ('code' in r) expect(JSON.stringify(party.toJSON()), `${name} refused with ${r.code} but changed`).to.equal(before);
        else before = JSON.stringify(party.toJSON());
      }
    }
  }, Math.max(1, Math.round(RUNS / 8)));
});
