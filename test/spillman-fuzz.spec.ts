/**
 * Fuzzing the Spillman construction's entry points that take outside input,
 * as test/fuzz.spec.ts does the revocable one's and with its mutations: its
 * message decoder, its parties' restore and every call of a restored party,
 * a receiver taking mutated payments (a refused one changes nothing), and
 * inspect over mutated Spillman transactions and PSBTs. Each call must return
 * or throw a ChannelError. REVCHAN_FUZZ_ITERATIONS and REVCHAN_FUZZ_SEED as
 * for test/fuzz.spec.ts.
 */
import { expect } from 'chai';
import { Psbt } from 'bitcoinjs-lib';
import {
  SpillmanReceiver, SpillmanSender, decodeSpillmanMessage, encodeSpillmanMessage, explainInput, explanationToJson,
  renderExplanation,
} from '../lib';
import { SPILLMAN_FIXTURE_CASES, buildSpillmanCase } from './constructions/spillman/fixtures';
import { CHAIN, openConfirmed, paySpillman } from './constructions/spillman/kit';
import { canonicalJson, fc, mutatedBytes, mutatedJson } from './support/fuzz-mutations';
import { RUNS, SEED, fuzz, typed } from './support/fuzz-harness';

describe(`Spillman fuzz (seed ${SEED}, ${RUNS} inputs per target)`, () => {
  // Both forms, every message of a channel's life, and saved states at several phases.
  const s = openConfirmed('S', { label: 'fuzz S' });
  const c = openConfirmed('C', { label: 'fuzz C' });
  paySpillman(s, 4000n);
  paySpillman(c, 4000n);
  const pay = s.sender.pay(1000n, CHAIN);
  const messages = [encodeSpillmanMessage(pay), encodeSpillmanMessage(c.sender.pay(500n, CHAIN))];
  const { message: ack } = c.receiver.onPay(c.sender.pendingPay(), CHAIN);
  messages.push(encodeSpillmanMessage(ack));
  const senderStates = [s.sender.toJSON(), c.sender.toJSON()];
  const receiverStates = [s.receiver.toJSON(), c.receiver.toJSON()];

  fuzz('decodeSpillmanMessage', mutatedJson(messages), (x) => {
    const r = typed(() => decodeSpillmanMessage(x));
    // What decodes is in its one spelling: encoded again, it is the input (key order aside), and decodes to itself.
    if ('value' in r) {
      expect(canonicalJson(encodeSpillmanMessage(r.value))).to.equal(canonicalJson(x));
      expect(decodeSpillmanMessage(JSON.parse(JSON.stringify(encodeSpillmanMessage(r.value))))).to.deep.equal(r.value);
    }
  });

  fuzz('SpillmanSender.restore, and every call of what restores', mutatedJson(senderStates), (x) => {
    const r = typed(() => SpillmanSender.restore(x, s.keys.sender));
    const r2 = typed(() => SpillmanSender.restore(x, c.keys.sender));
    for (const got of [r, r2]) {
      if (!('value' in got)) continue;
      const p = got.value;
      const saved = JSON.stringify(p.toJSON());
      expect(JSON.stringify(SpillmanSender.restore(JSON.parse(saved), p.form === 'S' ? s.keys.sender : c.keys.sender).toJSON())).to.equal(saved);
      for (const call of [() => p.refundTransaction() as unknown, () => p.pay(100n, CHAIN), () => p.pendingPay(), () => p.onPayAck(ack), () => p.proposeClose(1000n)]) typed(call);
    }
  });

  fuzz('SpillmanReceiver.restore, and every call of what restores', mutatedJson(receiverStates), (x) => {
    for (const keys of [s.keys.receiver, c.keys.receiver]) {
      const r = typed(() => SpillmanReceiver.restore(x, keys));
      if (!('value' in r)) continue;
      const p = r.value;
      for (const call of [() => p.latestPaymentTransaction() as unknown, () => p.onPay(pay, CHAIN), () => p.cutoffReached(CHAIN),
        () => p.markFundingConfirmed({ tx: s.fundingTx.toBuffer(), confirmations: 3 })]) typed(call);
    }
  });

  const receiverState = JSON.stringify(s.receiver.toJSON());
  fuzz('SpillmanReceiver.onPay of a mutated payment: taken, or refused with the receiver unchanged', mutatedJson([encodeSpillmanMessage(pay)], 3), (x) => {
    const m = typed(() => decodeSpillmanMessage(x));
    const receiver = SpillmanReceiver.restore(JSON.parse(receiverState), s.keys.receiver);
    const msg = 'value' in m ? m.value : x;
    const r = typed(() => receiver.onPay(msg as never, CHAIN));
    if (!('value' in r)) expect(JSON.stringify(receiver.toJSON())).to.equal(receiverState);
  }, Math.max(1, Math.round(RUNS / 2)));

  const fixtures = SPILLMAN_FIXTURE_CASES.map((f) => buildSpillmanCase(f.name, f.parameters));
  const bytes = [...fixtures.map((f) => Uint8Array.from(Buffer.from(f.transaction.hex, 'hex'))), ...fixtures.map((f) => Psbt.fromBase64(f.unsignedPsbt).toBuffer())];
  fuzz('explainInput over mutated Spillman transactions and PSBTs', mutatedBytes(bytes, 3), (x) => {
    const r = typed(() => explainInput(x));
    if ('value' in r) {
      renderExplanation(r.value);
      JSON.stringify(explanationToJson(r.value));
    }
  }, Math.max(1, Math.round(RUNS / 2)));
});
