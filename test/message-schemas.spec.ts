/**
 * Message schemas (lib/protocol): every registered schema round-trips a valid
 * message byte for byte and refuses a bad spelling of each of its fields with
 * the code and `details.field` the wire has always given; the registry
 * refuses a type twice and changes nothing then; the kinds no channel message
 * uses yet (literal, optional, array, nested object) behave on a schema of
 * their own; and a declaration that drifts from its interface fails to
 * compile.
 */
import { expect } from 'chai';
import { ChannelError, Offer, REVOCABLE_MESSAGES, decodeMessage, decodeMessageOf, encodeMessage } from '../lib';
import {
  Field, array, bytes, int, literal, object, oneKey, optional, pubkey, sats, signature, union,
} from '../lib/protocol/fields';
import { MessageRegistry, messageRegistry, registerMessages } from '../lib/protocol/registry';
import { MessageOf, PROTOCOL_VERSION, defineMessage } from '../lib/protocol/schema';
import { JsonText } from './support/bad-inputs-codec';
import { messageBases } from './support/fuzz-bases';
import { badSpellings, withMember } from './kit/corpus/spellings';

type Json = Record<string, unknown>;

function refusal(f: () => unknown): { code: string; field?: unknown } {
  try {
    f();
  } catch (e) {
    if (!(e instanceof ChannelError)) throw e;
    return e.details?.field === undefined ? { code: e.code } : { code: e.code, field: e.details.field };
  }
  return { code: 'no error' };
}

const bases = messageBases() as Record<string, Json>;
const offer = bases.offer!;
const open = bases.open_channel!;
const openCltv = bases.open_channel_cltv!;

describe('message schemas', () => {
  describe('every schema of the revocable construction', () => {
    const schemas = REVOCABLE_MESSAGES;

    it('declares the eleven channel messages, in protocol order, and the registry holds them', () => {
      expect(schemas.map((s) => s.type)).to.deep.equal([
        'open_channel', 'accept_channel', 'funding_created', 'funding_signed', 'offer', 'accept', 'revoke', 'close_offer', 'close_signed', 'fulfill', 'fail',
      ]);
      for (const s of schemas) expect(messageRegistry.schema(s.type), s.type).to.equal(s);
    });

    for (const schema of schemas) {
      const samples = Object.entries(bases).filter(([, b]) => b.type === schema.type);

      it(`${schema.type}: decodes a valid message and encodes it back to the same JSON text`, () => {
        expect(samples.length).to.be.greaterThan(0);
        for (const [name, good] of samples) {
          const text = JSON.stringify(good);
          const m = decodeMessage(JSON.parse(text));
          expect(JSON.stringify(encodeMessage(m)), name).to.equal(text);
          expect(JSON.stringify(schema.encode(schema.decode(JSON.parse(text)))), name).to.equal(text);
          expect(schema.decode(JSON.parse(text)), name).to.deep.equal(m);
        }
      });

      it(`${schema.type}: refuses a bad spelling of each field, naming it`, () => {
        for (const [f, kind] of Object.entries(schema.fields)) {
          // The first sample that has the field: an optional one is absent from some.
          const good = samples.map(([, b]) => b).find((b) => b[f] !== undefined);
          if (good === undefined) expect.fail(`no sample of ${schema.type} has ${f}`);
          // The first string spelling of each kind (an object's, which has none at its top, null): a JSON text can carry it.
          const spellings = badSpellings(kind, good[f]);
          const [name, value, code] = spellings.find(([, v]) => typeof v === 'string') ?? spellings.find(([, v]) => v === null)!;
          const bad = withMember(good, f, value);
          const x = bad instanceof JsonText ? JSON.parse(bad.text) : JSON.parse(JSON.stringify(bad));
          const got = refusal(() => decodeMessage(x));
          expect(got.code, `${f}: ${name}`).to.equal(code);
          expect(got.field === f || String(got.field).startsWith(`${f}.`) || ['kind'].includes(String(got.field)), `${f}: ${name}: ${String(got.field)}`).to.equal(true);
          expect(refusal(() => schema.decode(x)), `${f}: ${name}`).to.deep.equal(got);
        }
      });
    }
  });

  describe('refusals name the field as they always have', () => {
    const cases: [string, Json, string, string][] = [
      ['a missing field', { ...offer, sig: undefined }, 'MESSAGE_INVALID', 'offer.sig'],
      ['an unexpected field', { ...offer, memo: 'hi' }, 'MESSAGE_INVALID', 'offer.memo'],
      ['bytes in uppercase', { ...offer, channelId: String(offer.channelId).toUpperCase() }, 'MESSAGE_INVALID', 'channelId'],
      ['satoshis with a leading zero', { ...offer, amount: '02500' }, 'MESSAGE_INVALID', 'amount'],
      ['an index of 0 in an offer', { ...offer, index: 0 }, 'MESSAGE_INVALID', 'index'],
      ['a key off the curve', { ...offer, updateKey: `02${'00'.repeat(32)}` }, 'INVALID_KEY', 'updateKey'],
      ['a signature of 8 bytes', { ...offer, sig: '30'.repeat(8) }, 'INVALID_SIGNATURE', 'sig'],
      ['a fee rate above its maximum', { ...open, feeRate: '100000001' }, 'MESSAGE_INVALID', 'feeRate'],
      ['a variant that is not an object', { ...open, variant: 'csv' }, 'MESSAGE_INVALID', 'variant'],
      ['a variant kind in capitals', { ...open, variant: { kind: 'CSV', delay: { blocks: 144 } } }, 'MESSAGE_INVALID', 'kind'],
      ['a variant with an extra member', { ...open, variant: { kind: 'csv', delay: { blocks: 144 }, margin: 1 } }, 'MESSAGE_INVALID', 'variant.margin'],
      ['a delay without blocks', { ...open, variant: { kind: 'csv', delay: {} } }, 'MESSAGE_INVALID', 'variant.delay.blocks'],
      ['a delay that is not an object', { ...open, variant: { kind: 'csv', delay: 144 } }, 'MESSAGE_INVALID', 'variant.delay'],
      ['blocks as a string', { ...open, variant: { kind: 'csv', delay: { blocks: '144' } } }, 'MESSAGE_INVALID', 'blocks'],
      ['a delay of 0 blocks', { ...open, variant: { kind: 'csv', delay: { blocks: 0 } } }, 'INVALID_TIMELOCK', 'variant'],
      ['an expiry with both height and time', { ...openCltv, variant: { kind: 'cltv', expiry: { height: 1000, time: 1_800_000_000 } } }, 'MESSAGE_INVALID', 'variant.expiry'],
      ['a height as a string', { ...openCltv, variant: { kind: 'cltv', expiry: { height: '1000' } } }, 'MESSAGE_INVALID', 'height'],
      ['a height at the time threshold', { ...openCltv, variant: { kind: 'cltv', expiry: { height: 500_000_000 } } }, 'INVALID_TIMELOCK', 'variant'],
    ];
    for (const [name, m, code, field] of cases) {
      it(`${name}: ${code} naming ${field}`, () => {
        const x = JSON.parse(JSON.stringify(m));
        expect(refusal(() => decodeMessage(x))).to.deep.equal({ code, field });
      });
    }

    it('the envelope: not an object, an unknown type, another version', () => {
      expect(refusal(() => decodeMessage([]))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'message' });
      expect(refusal(() => decodeMessage({ ...offer, type: 'pay' })).code).to.equal('MESSAGE_UNKNOWN_TYPE');
      expect(refusal(() => decodeMessage({ ...offer, type: 'toString' })).code).to.equal('MESSAGE_UNKNOWN_TYPE');
      expect(refusal(() => decodeMessage({ ...offer, version: 2 })).code).to.equal('MESSAGE_UNSUPPORTED_VERSION');
      expect(refusal(() => decodeMessageOf(offer, 'accept')).code).to.equal('UNEXPECTED_MESSAGE');
    });

    it('the encoder names the first field not of its kind', () => {
      const m = decodeMessage(offer) as Offer;
      expect(refusal(() => encodeMessage({ ...m, amount: 2500 as unknown as bigint }))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'amount' });
      expect(refusal(() => encodeMessage({ ...m, sig: 'ab' as unknown as Uint8Array }))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'sig' });
      expect(refusal(() => encodeMessage({ ...m, type: 'pay' } as never)).code).to.equal('MESSAGE_UNKNOWN_TYPE');
      const o = decodeMessage(open);
      expect(refusal(() => encodeMessage({ ...o, variant: { kind: 'csv', delay: { blocks: 0 } } } as never))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'variant' });
      // Both locks at once: the decoder refuses it, so the encoder does not write it.
      expect(refusal(() => encodeMessage({ ...o, variant: { kind: 'cltv', expiry: { height: 1000, time: 1_800_000_000 } } } as never))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'variant' });
    });
  });

  describe('the registry', () => {
    const ping = defineMessage<{ readonly type: 'ping'; readonly n: number }>({ type: 'ping', fields: { n: int(0, 9) } });

    it('refuses a type registered already, and changes nothing', () => {
      const before = messageRegistry.schemas();
      const offerSchema = messageRegistry.schema('offer')!;
      const again = defineMessage<Offer>({ type: 'offer', fields: offerSchema.fields as never });
      expect(refusal(() => registerMessages([again])).code).to.equal('INVALID_ARGUMENT');
      // With a new type beside it: neither is added.
      expect(refusal(() => registerMessages([ping, again])).code).to.equal('INVALID_ARGUMENT');
      expect(messageRegistry.schemas()).to.deep.equal(before);
      expect(messageRegistry.schema('offer')).to.equal(offerSchema);
      expect(messageRegistry.schema('ping')).to.equal(undefined);
      expect(refusal(() => decodeMessage({ type: 'ping', version: 1, n: 1 })).code).to.equal('MESSAGE_UNKNOWN_TYPE');
    });

    it('refuses a type given twice in one call, and what is not a schema', () => {
      const r = new MessageRegistry();
      expect(refusal(() => r.register([ping, ping])).code).to.equal('INVALID_ARGUMENT');
      expect(r.schemas()).to.deep.equal([]);
      expect(refusal(() => r.register([{ type: 'x' } as never])).code).to.equal('INVALID_ARGUMENT');
      expect(refusal(() => r.register(null as never)).code).to.equal('INVALID_ARGUMENT');
      r.register([ping]);
      expect(refusal(() => r.register([ping])).code).to.equal('INVALID_ARGUMENT');
      expect(r.decode({ type: 'ping', version: PROTOCOL_VERSION, n: 3 })).to.deep.equal({ type: 'ping', n: 3 });
      expect(r.encode({ type: 'ping', n: 3 } as never)).to.deep.equal({ type: 'ping', version: PROTOCOL_VERSION, n: 3 });
      expect(refusal(() => r.decode(offer)).code, 'a registry knows only its own types').to.equal('MESSAGE_UNKNOWN_TYPE');
      expect(refusal(() => r.decodeOf({ type: 'ping', version: 1, n: 3 }, 'pong')).code).to.equal('INVALID_ARGUMENT');
    });

    it('a schema on its own refuses another type, and a type that is not a string', () => {
      const s = messageRegistry.schema('accept')!;
      expect(refusal(() => s.decode(offer)).code).to.equal('UNEXPECTED_MESSAGE');
      expect(refusal(() => s.decode({ ...offer, type: 7 })).code).to.equal('MESSAGE_UNKNOWN_TYPE');
      expect(refusal(() => s.encode(decodeMessage(offer))).code).to.equal('UNEXPECTED_MESSAGE');
    });

    it('defineMessage refuses an empty type and fields named like the envelope', () => {
      expect(refusal(() => defineMessage({ type: '', fields: {} } as never)).code).to.equal('INVALID_ARGUMENT');
      expect(refusal(() => defineMessage({ type: 'x', fields: { version: int(0, 1) } } as never)).code).to.equal('INVALID_ARGUMENT');
      expect(refusal(() => defineMessage({ type: 'x', fields: JSON.parse('{"__proto__": {"kind": "pubkey"}}') } as never)).code).to.equal('INVALID_ARGUMENT');
    });
  });

  describe('the kinds a later construction will need', () => {
    // An HTLC-like message: nested object, union, literal, optional member, bounded list.
    const fields = {
      id: int(0, 1000),
      direction: literal('offered', 'received'),
      hashes: array(bytes(32), 3),
      expiry: oneKey({ height: int(0, 0xffffffff), time: int(0, 0xffffffff) }),
      amounts: object({ value: sats(), fee: optional(sats(1000n)) }),
      reason: optional(union('code', { timeout: {}, other: { text: literal('a', 'b') } })),
      key: pubkey(),
      sig: signature(),
    };
    type Htlc = { readonly type: 'htlc_test' } & { readonly [K in keyof typeof fields]: (typeof fields)[K] extends Field<infer T> ? T : never };
    const htlc = defineMessage<Htlc>({ type: 'htlc_test', fields });
    const registry = new MessageRegistry();
    registry.register([htlc]);
    const good: Json = {
      type: 'htlc_test', version: 1, id: 7, direction: 'offered', hashes: ['ab'.repeat(32), '22'.repeat(32)], expiry: { height: 800_000 },
      amounts: { value: '5000' }, key: String(offer.updateKey), sig: String(offer.sig),
    };
    // The optional members present, in declared order.
    const { key, sig, ...head } = good;
    const full: Json = { ...head, amounts: { value: '5000', fee: '12' }, reason: { code: 'other', text: 'b' }, key, sig };

    it('round-trips, leaving optional members out when absent and in when present', () => {
      for (const m of [good, full, { ...full, hashes: [], reason: { code: 'timeout' } }]) {
        const text = JSON.stringify(m);
        const d = registry.decode(JSON.parse(text));
        expect(JSON.stringify(registry.encode(d)), text).to.equal(text);
      }
      const d = htlc.decode(good) as MessageOf<typeof htlc>;
      expect(d.amounts.value).to.equal(5000n);
      expect('fee' in d.amounts).to.equal(false);
      expect(d.hashes[0]).to.deep.equal(new Uint8Array(32).fill(0xab));
    });

    it('refuses every bad spelling of every field with the code its kind gives', () => {
      let n = 0;
      for (const [f, kind] of Object.entries(htlc.fields)) {
        for (const [name, value, code] of badSpellings(kind, full[f])) {
          const bad = withMember(full, f, value);
          const x = bad instanceof JsonText ? JSON.parse(bad.text) : bad;
          expect(refusal(() => registry.decode(x)).code, `${f}: ${name}`).to.equal(code);
          n++;
        }
      }
      expect(n).to.be.greaterThan(150);
    });

    it('refuses a list too long, an element misspelt, and a union member of another case', () => {
      expect(refusal(() => htlc.decode({ ...good, hashes: Array(4).fill('ab'.repeat(32)) }))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'hashes' });
      expect(refusal(() => htlc.decode({ ...good, hashes: ['ab'.repeat(32), 'zz'] }))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'hashes[1]' });
      expect(refusal(() => htlc.decode({ ...good, reason: { code: 'timeout', text: 'a' } }))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'reason.text' });
      expect(refusal(() => htlc.decode({ ...good, amounts: { fee: '1' } }))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'amounts.value' });
      expect(refusal(() => htlc.decode({ ...good, amounts: { value: '1', fee: '1001' } }))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'fee' });
      expect(refusal(() => htlc.decode({ ...good, reason: undefined }))).to.deep.equal({ code: 'MESSAGE_INVALID', field: 'reason' });
    });
  });
});

/**
 * Type-level: a declaration that drifts from its interface does not compile.
 * Each @ts-expect-error fails the build if the line below it compiles.
 */
export function driftFailsToCompile(): void {
  // The offer as it was before its optional change: every member required.
  type PlainOffer = Omit<Offer, 'change'>;
  const base = { channelId: bytes(32), index: int(1, 9), amount: sats(), updateKey: pubkey(), sig: signature() };
  defineMessage<PlainOffer>({ type: 'offer', fields: base });
  const { sig: _sig, ...noSig } = base;
  // @ts-expect-error a member of the interface without a field
  defineMessage<PlainOffer>({ type: 'offer', fields: noSig });
  // @ts-expect-error a field the interface does not have
  defineMessage<PlainOffer>({ type: 'offer', fields: { ...base, memo: bytes(1) } });
  // @ts-expect-error plain bytes where the interface says PublicKey
  defineMessage<PlainOffer>({ type: 'offer', fields: { ...base, updateKey: bytes(33) } });
  // @ts-expect-error satoshis where the interface says number
  defineMessage<PlainOffer>({ type: 'offer', fields: { ...base, index: sats() } });
  // @ts-expect-error an optional field for a required member
  defineMessage<PlainOffer>({ type: 'offer', fields: { ...base, amount: optional(sats()) } });
  // @ts-expect-error another type string
  defineMessage<PlainOffer>({ type: 'accept', fields: base });
  type WithNote = { readonly type: 'note'; readonly note?: number };
  defineMessage<WithNote>({ type: 'note', fields: { note: optional(int(0, 1)) } });
  // @ts-expect-error a required field for an optional member
  defineMessage<WithNote>({ type: 'note', fields: { note: int(0, 1) } });
}
