/**
 * Fuzzing: every decoder and every entry point that parses outside bytes runs
 * against random inputs and mutations of valid encodings (bit flips,
 * truncation, splicing, duplicated fields, huge numbers, unicode, deep
 * nesting), with a fixed seed. Each call must return or throw a ChannelError;
 * any other exception (TypeError, RangeError, a bitcoinjs or bip174 error)
 * fails the test with the input that caused it, shrunk by fast-check. Calls
 * that are refused must also leave what they were given unchanged.
 *
 * REVCHAN_FUZZ_ITERATIONS sets the inputs per target (default 2000; the
 * PSBT and raw-transaction builder targets, which sign or build, take a half
 * or a quarter of it; `npm run fuzz:long` runs 200000), REVCHAN_FUZZ_SEED
 * another seed.
 */
import { expect } from 'chai';
import { BIP32Interface } from 'bip32';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { pointFromScalar } from 'tiny-secp256k1';
import {
  ChannelError, MESSAGE_TYPES, MessageType, PrivateKey, PublicKey, REVOCABLE_MESSAGES, Receiver, RevocationStore, Sender,
  addPartialSignature, buildCpfpTx, buildPenaltyTx, buildTimeoutTx, channelWitness, classifyFundingSpend, combinePsbts, compileFundingScript,
  compileRevocableScript, createPenaltyPsbt, createTimeoutPsbt, decodeMessage, decodeMessageOf, decodeSignature, decodeStateNumber,
  decoders, encodeMessage, encodeStateNumber, explainInput, explanationToJson, renderExplanation, extractTransaction, finalizePsbt, matchTemplate, parseChannelSpend, partialSignatures, registeredTemplates,
  signPsbtInput, signPsbtWithKey, signPsbtWithMaster, verifyPsbtMatches, verifyPsbtTransaction, verifySighashSignature,
} from '../lib';
import {
  expectFields, expectObject, hexField, intField, keyField, literalField, satsField, sigField, variantField,
} from '../lib/protocol/wire';
import { codecOf } from '../lib/protocol/codec';
import { FieldKind } from '../lib/protocol/fields';
import { JsonText } from './support/bad-inputs-codec';
import { badSpellings, withMember } from './kit/corpus/spellings';
import {
  destination, messageBases, partyMessages, psbtBases, revocationStores, savedStates, secrets, transactions,
} from './support/fuzz-bases';
import { anyValue, canonicalJson, fc, mutatedBytes, mutatedJson, oddNumber } from './support/fuzz-mutations';
import { CHAIN, policy } from './support/parties';
import { RUNS, SEED, fuzz, typed } from './support/fuzz-harness';

// ---------------------------------------------------------------------------

describe(`fuzz (seed ${SEED}, ${RUNS} inputs per target)`, () => {
  describe('message decoders, one target per schema of the revocable construction', () => {
    const bases = messageBases();
    const messages = mutatedJson(Object.values(bases));

    for (const schema of REVOCABLE_MESSAGES) {
      const type = schema.type as MessageType;
      fuzz(`decoders.${type}`, messages, (x) => {
        const own = typed(() => decoders[type](x));
        const any = typed(() => decodeMessage(x));
        // The type's decoder agrees with decodeMessage, except that it refuses other types.
        if ('value' in any) {
          if (any.value.type === type) expect(own).to.deep.equal(any);
          else expect(own).to.deep.equal({ code: 'UNEXPECTED_MESSAGE' });
          // One encoding per message: what decodes is exactly what encoding the result gives.
          expect(canonicalJson(encodeMessage(any.value))).to.equal(canonicalJson(x));
        } else {
          expect(own).to.deep.equal(any);
        }
        // The schema's own decoder answers as decodeMessage for a message of its type.
        if (x !== null && typeof x === 'object' && (x as { type?: unknown }).type === type) expect(typed(() => schema.decode(x))).to.deep.equal(any);
      });

      // Each field of each valid message of the type, respelt as its kind must refuse, with the members in any order.
      const samples = Object.values(bases).filter((b) => (b as { type?: unknown }).type === type) as Record<string, unknown>[];
      const respelt = samples.flatMap((good) => Object.entries(schema.fields).flatMap(([f, kind]) =>
        badSpellings(kind, good[f]).map(([name, value, code]) => ({ f, kind, name, message: withMember(good, f, value), code }))));
      fuzz(`${type}: one field respelt (${respelt.length} spellings)`, fc.tuple(fc.constantFrom(...respelt), fc.array(fc.nat(), { maxLength: 12 })), ([c, order]) => {
        const x = c.message instanceof JsonText ? JSON.parse(c.message.text) as unknown : reordered(c.message as Record<string, unknown>, order);
        for (const decode of [decodeMessage, decoders[type], (y: unknown) => schema.decode(y)]) {
          let error: unknown;
          try {
            decode(x);
          } catch (e) {
            error = e;
          }
          expect(error, `${c.f}: ${c.name}`).to.be.instanceOf(ChannelError);
          const { code, details } = error as ChannelError;
          expect(code, `${c.f}: ${c.name}`).to.equal(c.code);
          // The error names the field respelt, or a member inside it.
          expect(namesField(details?.field, c.f, c.kind), `${c.f}: ${c.name}: details.field ${String(details?.field)}`).to.equal(true);
        }
      }, Math.max(1, Math.round(RUNS / 4)));
    }

    fuzz('decodeMessageOf with any type argument', fc.tuple(messages, fc.oneof(fc.constantFrom(...MESSAGE_TYPES), anyValue)), ([x, t]) => {
      typed(() => decodeMessageOf(x, t as MessageType));
    });

    fuzz('decodeMessage on arbitrary values', anyValue, (x) => {
      typed(() => decodeMessage(x));
    });
  });

  describe('wire field codecs', () => {
    fuzz('hexField, sigField, keyField, satsField, intField, literalField, variantField, expectObject, expectFields', anyValue, (v) => {
      const o = { f: v };
      typed(() => hexField(o, 'f', 32));
      typed(() => sigField(o, 'f'));
      typed(() => keyField(o, 'f'));
      typed(() => satsField(o, 'f'));
      typed(() => intField(o, 'f', 0, 0xffff));
      typed(() => literalField(o, 'f', ['csv', 'cltv']));
      typed(() => variantField(o, 'f'));
      typed(() => expectObject(v, 'f'));
      if (v !== null && typeof v === 'object') typed(() => expectFields(v as Record<string, unknown>, ['type', 'version'], 'f'));
    });

    // Every kind the revocable construction's schemas use, nested ones too: a value decodes or is refused with a ChannelError, and what decodes encodes back to itself.
    const byShape = new Map<string, FieldKind>();
    for (const k of REVOCABLE_MESSAGES.flatMap((s) => Object.values(s.fields).flatMap(kindsIn))) {
      byShape.set(JSON.stringify(k, (_n, v: unknown) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'function' ? v.name : v)), k);
    }
    const kinds = [...byShape.values()];
    const values = fc.oneof(anyValue, mutatedJson(Object.values(messageBases()).flatMap((b) => Object.values(b as Record<string, unknown>))));
    fuzz(`the codecs of the ${kinds.length} field kinds the schemas use`, values, (v) => {
      for (const kind of kinds) {
        const codec = codecOf(kind);
        const r = typed(() => codec.decode(v, 'f', 'f'));
        if ('value' in r) expect(canonicalJson(codec.encode(r.value, 'f'))).to.equal(canonicalJson(v));
      }
    });
  });

  describe('saved-state decoders', () => {
    const states = savedStates();
    const { sender: senderSecrets, receiver: receiverSecrets } = secrets();
    const of = (role: string) => Object.values(states).filter((s) => s.role === role).map((s) => s.state);

    fuzz('Sender.restore', mutatedJson(of('sender')), (x) => {
      const r = typed(() => Sender.restore(x, senderSecrets));
      if ('value' in r && isJson(x)) {
        // What restores, saves and restores to the same thing.
        const saved = JSON.stringify(r.value.toJSON());
        expect(JSON.stringify(Sender.restore(JSON.parse(saved), senderSecrets).toJSON())).to.equal(saved);
      }
    });
    fuzz('Receiver.restore', mutatedJson(of('receiver')), (x) => {
      const r = typed(() => Receiver.restore(x, receiverSecrets));
      if ('value' in r && isJson(x)) {
        const saved = JSON.stringify(r.value.toJSON());
        expect(JSON.stringify(Receiver.restore(JSON.parse(saved), receiverSecrets).toJSON())).to.equal(saved);
      }
    });
    fuzz('RevocationStore.fromJSON', mutatedJson(revocationStores()), (x) => {
      const r = typed(() => RevocationStore.fromJSON(x));
      if ('value' in r) expect(canonicalJson(RevocationStore.fromJSON(r.value.toJSON()).toJSON())).to.equal(canonicalJson(r.value.toJSON()));
    });
  });

  describe('restored parties', () => {
    const states = savedStates();
    const { sender: senderSecrets, receiver: receiverSecrets } = secrets();
    const msgs = partyMessages() as Record<string, never>;
    const of = (role: string) => Object.values(states).filter((s) => s.role === role).map((s) => s.state);
    // Restore refuses a state whose phase and parts disagree, so a restored party never reads a part it lacks.
    fuzz('a restored sender answers every call with a result or a ChannelError', mutatedJson(of('sender')), (x) => {
      const r = typed(() => Sender.restore(x, senderSecrets));
      if (!('value' in r)) return;
      const s = r.value;
      for (const call of [() => s.latestTransaction() as unknown, () => s.balance(), () => s.pendingOffer(), () => s.lastRevoke(), () => s.pay(500n),
        () => s.onAccept(msgs.accept), () => s.onCloseSigned(msgs.closeSigned), () => s.onCloseOffer(msgs.receiverCloseOffer, 5000n), () => s.proposeClose(1000n)]) {
        typed(call);
      }
    });
    const fundingTx = transactions().fundingTx!;
    fuzz('a restored receiver answers every call with a result or a ChannelError', mutatedJson(of('receiver')), (x) => {
      const r = typed(() => Receiver.restore(x, receiverSecrets));
      if (!('value' in r)) return;
      const p = r.value;
      for (const call of [() => p.latestTransaction() as unknown, () => p.onOffer(msgs.offer, CHAIN), () => p.onRevoke(msgs.revoke), () => p.onCloseOffer(msgs.closeOffer),
        () => p.onCloseSigned(msgs.senderCloseSigned), () => p.proposeClose(1000n), () => p.markFundingConfirmed({ tx: fundingTx, confirmations: 3 })]) {
        typed(call);
      }
    });
  });

  describe('state numbers, scripts, signatures', () => {
    const uint32 = fc.oneof(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffff }).map((n) => 0x20000000 + n), fc.nat({ max: 0xffffff }).map((n) => 0x80000000 + n));
    const factor = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }), fc.bigInt(), fc.constantFrom(0n, (1n << 48n) - 1n, 1n << 48n, -1n));
    fuzz('decodeStateNumber', fc.oneof(
      { weight: 4, arbitrary: fc.tuple(uint32, uint32, factor) },
      { weight: 1, arbitrary: fc.tuple(fc.oneof(uint32, oddNumber, anyValue), fc.oneof(uint32, oddNumber, anyValue), fc.oneof(factor, anyValue)) },
    ), ([locktime, sequence, f]) => {
      const r = typed(() => decodeStateNumber(locktime as number, sequence as number, f as bigint));
      if ('value' in r && r.value !== undefined) {
        expect(r.value >= 0n && r.value < 1n << 48n).to.equal(true);
        expect(encodeStateNumber(r.value, f as bigint)).to.deep.equal({ locktime, sequence });
      }
    });

    const scripts = [
      compileFundingScript({ senderFundingKey: validKey(1), receiverFundingKey: validKey(2) }),
      ...[{ kind: 'csv' as const, delay: { blocks: 144 } }, { kind: 'cltv' as const, expiry: { height: 1000 } }, { kind: 'cltv' as const, expiry: { time: 1_800_000_000 } }].map((variant) =>
        compileRevocableScript({ receiverRevocationKey: validKey(3), updateKey: validKey(4), senderPayoutKey: validKey(5), variant })),
    ];
    fuzz('matchTemplate', mutatedBytes(scripts, 3, 2), (script) => {
      const m = matchTemplate(script);
      if (m === undefined) return;
      expect(registeredTemplates()).to.include(m.template);
      for (const [, v] of m.values) {
        if (v instanceof Uint8Array) expect(v.length).to.equal(33);
        else expect(Number.isSafeInteger(v) && v > 16).to.equal(true);
      }
    });
    fuzz('matchTemplate on values that are not bytes', anyValue, (v) => {
      expect(() => matchTemplate(v as Uint8Array)).to.not.throw();
    });

    const hash = new Uint8Array(32).fill(7);
    const sig = Uint8Array.from(Buffer.from('3045022100e881b3345b6cba71842631c335edbd773cf453e401463fe965576a74fa56d83802207391bf00d03c3c5f75ab95e6d6009131c31afbca138d136b94052bedc5d7ff0801', 'hex'));
    fuzz('decodeSignature and verifySighashSignature', fc.tuple(mutatedBytes([sig], 3), fc.oneof({ weight: 5, arbitrary: fc.constant(validKey(1) as unknown) }, { weight: 1, arbitrary: anyValue })), ([s, key]) => {
      const compact = decodeSignature(s);
      if (compact !== undefined) expect(compact.length).to.equal(64);
      const r = typed(() => verifySighashSignature(hash, key as PublicKey, s));
      if ('value' in r) expect(typeof r.value).to.equal('boolean');
    });
  });

  describe('raw transactions', () => {
    const states = savedStates();
    const { sender: senderSecrets, receiver: receiverSecrets } = secrets();
    const txs = transactions();
    const dest = destination();
    const receiverState = states.receiverOpen3!.state;
    const senderState = states.senderOpen3!.state;
    const receiver = Receiver.restore(receiverState, receiverSecrets);
    const sender = Sender.restore(senderState, senderSecrets);
    const channel = receiver.context.params;
    const updateKey = sender.updateKey(3);
    // Payment-looking transactions: any state number in nLockTime/nSequence, so the state lookups are reached.
    const paymentLike = fc.tuple(fc.constantFrom(...Object.values(txs)), fc.nat({ max: 0xffffff }), fc.nat({ max: 0xffffff })).map(([raw, lo, hi]) => {
      const t = Transaction.fromBuffer(raw);
      t.locktime = 0x20000000 + lo;
      if (t.ins[0]) t.ins[0].sequence = 0x80000000 + hi;
      return t.toBuffer();
    });
    const raws = fc.oneof({ weight: 4, arbitrary: mutatedBytes(Object.values(txs)) }, { weight: 1, arbitrary: paymentLike });
    const rawOrAny = fc.oneof({ weight: 9, arbitrary: raws as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyValue });

    fuzz('Receiver.penaltyTx', rawOrAny, (raw) => {
      const before = JSON.stringify(receiver.toJSON());
      typed(() => receiver.penaltyTx(raw as Uint8Array, dest, 1000n));
      expect(JSON.stringify(receiver.toJSON())).to.equal(before);
    });
    fuzz('Sender.timeoutSweep', rawOrAny, (raw) => {
      const before = JSON.stringify(sender.toJSON());
      typed(() => sender.timeoutSweep(raw as Uint8Array, dest, 1000n));
      expect(JSON.stringify(sender.toJSON())).to.equal(before);
    });
    fuzz('Receiver.stateOf and classifyFundingSpend on the transactions that parse', raws, (raw) => {
      let tx: Transaction;
      try {
        tx = Transaction.fromBuffer(raw);
      } catch {
        return; // bitcoinjs's parser, not ours: the entry points above wrap it.
      }
      typed(() => receiver.stateOf(tx));
      typed(() => classifyFundingSpend(receiver, tx));
    });
    fuzz('parseChannelSpend, buildPenaltyTx, buildTimeoutTx, createPenaltyPsbt, createTimeoutPsbt', rawOrAny, (raw) => {
      const r = raw as Uint8Array;
      typed(() => parseChannelSpend(receiver.context, r));
      typed(() => buildPenaltyTx({ channel, revokedTx: r, updateKey, destinationScript: dest, feeRate: 1000n }));
      typed(() => createPenaltyPsbt({ channel, revokedTx: r, updateKey, destinationScript: dest, feeRate: 1000n }));
      typed(() => buildTimeoutTx({ channel, senderTx: r, updateKey, destinationScript: dest, feeRate: 1000n }));
      typed(() => createTimeoutPsbt({ channel, senderTx: r, updateKey, destinationScript: dest, feeRate: 1000n }));
    }, Math.max(1, Math.round(RUNS / 2)));
    fuzz('buildCpfpTx on the receiver\'s output of any parent', fc.tuple(rawOrAny, fc.nat({ max: 2 })), ([raw, vout]) => {
      const p = { parent: raw as Uint8Array, vout, outputKey: channel.receiverPayoutKey, parentFee: 1000n, packageFeeRate: 2000n, destinationScript: dest };
      const before = JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
      typed(() => buildCpfpTx(p));
      expect(JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).to.equal(before);
    }, Math.max(1, Math.round(RUNS / 2)));
  });

  describe('revchan inspect', () => {
    const txs = Object.values(transactions());
    const psbtBytes = psbtBases().map((b) => b.ours.toBuffer());
    const bytes = mutatedBytes([...txs, ...psbtBytes]);
    // As a person would paste them: hex, base64, or raw bytes, also with the text itself mutated.
    const text = fc.tuple(bytes, fc.constantFrom('hex' as const, 'base64' as const)).map(([b, enc]) => Buffer.from(b).toString(enc));
    const input = fc.oneof(bytes as fc.Arbitrary<unknown>, text, mutatedBytes([...txs, ...psbtBytes].map((b) => Buffer.from(Buffer.from(b).toString('hex')))), anyValue);
    fuzz('explainInput (parseInspectInput, explainPsbt, explainTransaction, renderExplanation)', input, (x) => {
      const r = typed(() => explainInput(x as string));
      if ('value' in r) {
        renderExplanation(r.value);
        JSON.stringify(explanationToJson(r.value));
      }
    }, Math.max(1, Math.round(RUNS / 2)));
  });

  describe('PSBT entry points', () => {
    const bases = psbtBases();
    const psbts = mutatedPsbts(bases);
    // A PSBT call costs about a millisecond (signing several): fewer inputs keep the spec's time in bounds.
    const runs = Math.max(1, Math.round(RUNS / 2));

    /** `f` on a copy of the PSBT (on the PSBT itself when it cannot be copied): a ChannelError must leave it as it was. */
    const onCopy = (p: Psbt, f: (q: Psbt) => unknown) => {
      let q = p;
      try {
        q = Psbt.fromBase64(p.toBase64());
      } catch {
        // bip174 parsed it but cannot parse its own encoding of it (a non-minimal key length, say).
      }
      const before = q.toBase64();
      const r = typed(() => f(q));
      if ('code' in r) expect(q.toBase64(), `refused with ${r.code} but changed`).to.equal(before);
    };

    fuzz('verifyPsbtMatches, verifyPsbtTransaction, combinePsbts', psbts, ({ base, psbt }) => {
      onCopy(psbt, (q) => verifyPsbtMatches(q, base.ours));
      onCopy(psbt, (q) => verifyPsbtMatches(base.ours.clone(), q));
      onCopy(psbt, (q) => verifyPsbtTransaction(q, base.expectedTx));
      onCopy(psbt, (q) => combinePsbts(base.ours.clone(), q));
      onCopy(psbt, (q) => combinePsbts(q, base.ours.clone()));
    }, runs);
    fuzz('signPsbtInput, signPsbtWithKey, signPsbtWithMaster, addPartialSignature', psbts, ({ base, psbt, index }) => {
      const i = index % Math.max(1, psbt.inputCount);
      onCopy(psbt, (q) => signPsbtInput(q, i, base.ownKey as PrivateKey));
      onCopy(psbt, (q) => signPsbtWithKey(q, base.ownKey as PrivateKey));
      onCopy(psbt, (q) => signPsbtWithMaster(q, base.senderMaster as BIP32Interface));
      if (base.counterparty) onCopy(psbt, (q) => addPartialSignature(q, i, base.counterparty!.pub as PublicKey, base.counterparty!.sig));
    }, Math.max(1, Math.round(RUNS / 4)));
    fuzz('finalizePsbt, extractTransaction, channelWitness, partialSignatures', psbts, ({ psbt, index }) => {
      const i = index % Math.max(1, psbt.inputCount);
      onCopy(psbt, (q) => finalizePsbt(q));
      onCopy(psbt, (q) => extractTransaction(q));
      onCopy(psbt, (q) => channelWitness(q, i));
      onCopy(psbt, (q) => partialSignatures(q, i));
    }, runs);
  });

  describe('party handlers through the wire', () => {
    const states = savedStates();
    const { sender: senderSecrets, receiver: receiverSecrets } = secrets();
    const wire = Object.values(partyMessages()).map((m) => encodeMessage(m as never));
    // Which party, in which saved state, takes a message of each type.
    const routes: Record<MessageType, [party: string, call: (p: Sender | Receiver, m: never) => unknown][]> = {
      open_channel: [],
      accept_channel: [['senderOpening', (p, m) => (p as Sender).onAcceptChannel(m)]],
      funding_created: [['receiverAccepted', (p, m) => (p as Receiver).onFundingCreated(m)]],
      funding_signed: [['senderFundingCreated', (p, m) => (p as Sender).onFundingSigned(m)]],
      offer: [['receiverOpen', (p, m) => (p as Receiver).onOffer(m, CHAIN)]],
      accept: [['senderPending', (p, m) => (p as Sender).onAccept(m)]],
      revoke: [['receiverPending', (p, m) => (p as Receiver).onRevoke(m)]],
      close_offer: [['receiverOpen3', (p, m) => (p as Receiver).onCloseOffer(m)], ['senderOpen3', (p, m) => (p as Sender).onCloseOffer(m, 5000n)]],
      close_signed: [['senderClosing', (p, m) => (p as Sender).onCloseSigned(m)], ['receiverClosing', (p, m) => (p as Receiver).onCloseSigned(m)]],
      // A plain channel has no HTLC: the HTLC fuzz spec drives these in channels with HTLCs.
      fulfill: [['senderOpen3', (p, m) => (p as Sender).onFulfill(m)]],
      fail: [['senderOpen3', (p, m) => (p as Sender).onFail(m)]],
    };
    const restore = (name: string) => {
      const s = states[name]!;
      return s.role === 'sender' ? Sender.restore(s.state, senderSecrets) : Receiver.restore(s.state, receiverSecrets);
    };

    fuzz('decodeMessage, then the party that expects the message', mutatedJson(wire), (x) => {
      const d = typed(() => decodeMessage(x));
      if (!('value' in d)) return;
      const m = d.value;
      if (m.type === 'open_channel') {
        typed(() => Receiver.accept(m, receiverSecrets, policy, CHAIN));
        return;
      }
      for (const [name, call] of routes[m.type]) {
        const party = restore(name);
        const before = JSON.stringify(party.toJSON());
        const r = typed(() => call(party, m as never));
        if ('code' in r) expect(JSON.stringify(party.toJSON()), `${name} refused with ${r.code} but changed`).to.equal(before);
      }
    });
  });
});

/** A saved state is JSON: values JSON has no form for (a bigint inside a variant, say) are kept by restore and cannot be saved. */
function isJson(x: unknown): boolean {
  try {
    return canonicalJson(JSON.parse(JSON.stringify(x))) === canonicalJson(x);
  } catch {
    return false;
  }
}

/** i*G: a deterministic valid point. */
function validKey(i: number): PublicKey {
  return pointFromScalar(Uint8Array.from([...new Uint8Array(31), i]), true) as PublicKey;
}

// ---------------------------------------------------------------------------
// PSBT mutations: byte-level on the serialization, and field-level on inputs and outputs.

interface MutatedPsbt {
  readonly base: ReturnType<typeof psbtBases>[number];
  readonly psbt: Psbt;
  readonly index: number;
}

type FieldOp = { where: 'input' | 'output'; index: number; field: number; value: unknown };

const INPUT_FIELDS = ['witnessUtxo', 'witnessScript', 'nonWitnessUtxo', 'sighashType', 'partialSig', 'bip32Derivation', 'redeemScript', 'finalScriptWitness', 'finalScriptSig', 'tapInternalKey'];
const OUTPUT_FIELDS = ['witnessScript', 'redeemScript', 'bip32Derivation'];

function fieldValue(bases: ReturnType<typeof psbtBases>): fc.Arbitrary<unknown> {
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(...bases.flatMap((b) => b.ours.data.inputs.flatMap((i) => [i.witnessScript, i.nonWitnessUtxo].filter((x): x is Uint8Array => x !== undefined)))));
  const key = fc.oneof(fc.uint8Array({ minLength: 33, maxLength: 33 }).map((k) => { k[0] = 2 + (k[0]! & 1); return k; }), fc.constantFrom(...bases.map((b) => b.counterparty?.pub ?? b.ownKey)));
  const path = fc.array(fc.oneof(fc.nat({ max: 100 }).map(String), fc.nat({ max: 100 }).map((n) => `${n}'`), fc.constantFrom('2147483647', '4294967295')), { maxLength: 6 }).map((p) => ['m', ...p].join('/'));
  const fingerprint = fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.constant(Uint8Array.from((bases[0]!.senderMaster as BIP32Interface).fingerprint)));
  return fc.oneof(
    bytes,
    fc.record({ script: bytes, value: fc.oneof(fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), fc.constantFrom(0n, 1_000_000n)) }),
    fc.oneof(fc.nat({ max: 0xff }), fc.constantFrom(1, 2, 3, 0x81, 0x83, 0)),
    fc.array(fc.record({ pubkey: key, signature: mutatedBytes(bases.flatMap((b) => (b.counterparty ? [b.counterparty.sig] : [])), 2) }), { minLength: 1, maxLength: 2 }),
    fc.array(fc.record({ masterFingerprint: fingerprint, pubkey: key, path }), { minLength: 1, maxLength: 3 }),
    fc.constant(undefined),
  );
}

function applyField(p: Psbt, op: FieldOp): Psbt {
  const list = op.where === 'input' ? p.data.inputs : p.data.outputs;
  if (list.length === 0) return p;
  const target = list[op.index % list.length] as Record<string, unknown>;
  const fields = op.where === 'input' ? INPUT_FIELDS : OUTPUT_FIELDS;
  const field = fields[op.field % fields.length]!;
  if (op.value === undefined) delete target[field];
  else target[field] = op.value;
  return p;
}

function mutatedPsbts(bases: ReturnType<typeof psbtBases>): fc.Arbitrary<MutatedPsbt> {
  const fieldOp: fc.Arbitrary<FieldOp> = fc.record({ where: fc.constantFrom('input' as const, 'output' as const), index: fc.nat(), field: fc.nat(), value: fieldValue(bases) });
  const byBytes = fc.tuple(fc.nat(bases.length - 1), mutatedBytes(bases.map((b) => b.ours.toBuffer()), 3, 0)).map(([i, raw]) => {
    try {
      return { base: bases[i]!, psbt: Psbt.fromBuffer(raw) };
    } catch {
      return { base: bases[i]!, psbt: bases[i]!.ours }; // bip174's parser refused it: nothing of ours to reach
    }
  });
  const byFields = fc.tuple(fc.nat(bases.length - 1), fc.array(fieldOp, { minLength: 1, maxLength: 3 })).map(([i, ops]) => {
    const base = bases[i]!;
    // Fields are set directly, then the PSBT goes through bip174's encoder and parser, as one from elsewhere would.
    try {
      const p = ops.reduce(applyField, Psbt.fromBase64(base.ours.toBase64()));
      return { base, psbt: Psbt.fromBuffer(p.toBuffer()) };
    } catch {
      return { base, psbt: base.ours };
    }
  });
  return fc.tuple(fc.oneof(byBytes, byFields), fc.nat()).map(([m, index]) => ({ ...m, index }));
}

/** A kind and every kind nested in it. */
function kindsIn(k: FieldKind): FieldKind[] {
  switch (k.kind) {
    case 'object': return [k, ...Object.values(k.fields).flatMap(kindsIn)];
    case 'union': return [k, ...Object.values(k.cases).flatMap((t) => Object.values(t).flatMap(kindsIn))];
    case 'oneKey': return [k, ...Object.values(k.options).flatMap(kindsIn)];
    case 'optional': case 'array': case 'checked': return [k, ...kindsIn(k.of)];
    default: return [k];
  }
}

/** Whether a refusal of field `f` names it: `f`, a path under it (structural errors), or a member inside it (value errors name the member alone). */
function namesField(field: unknown, f: string, k: FieldKind): boolean {
  const inner = (x: FieldKind): string[] => {
    switch (x.kind) {
      case 'object': return Object.entries(x.fields).flatMap(([n, y]) => [n, ...inner(y)]);
      case 'union': return [x.tag, ...Object.values(x.cases).flatMap((t) => Object.entries(t).flatMap(([n, y]) => [n, ...inner(y)]))];
      case 'oneKey': return Object.entries(x.options).flatMap(([n, y]) => [n, ...inner(y)]);
      case 'optional': case 'array': case 'checked': return inner(x.of);
      default: return [];
    }
  };
  return typeof field === 'string' && (field === f || field.startsWith(`${f}.`) || field.startsWith(`${f}[`) || inner(k).includes(field));
}

/** The same members, in an order `order` picks. */
function reordered(o: Record<string, unknown>, order: readonly number[]): Record<string, unknown> {
  const keys = Object.keys(o);
  for (let i = 0; i < order.length && keys.length > 1; i++) {
    const a = i % keys.length;
    const b = order[i]! % keys.length;
    [keys[a], keys[b]] = [keys[b]!, keys[a]!];
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) Object.defineProperty(out, k, { value: o[k], enumerable: true, writable: true, configurable: true });
  return out;
}
