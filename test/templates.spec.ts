import { expect } from 'chai';
import {
  AbsoluteLock, ChannelError, FUNDING_TEMPLATE, REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE, RelativeLock,
  TEMPLATES, compileFundingScript, compileRevocableScript, compileTemplate, matchTemplate, revocableScriptFor, toHex,
  verifyChannelParams,
} from '../lib';
import { VARIANTS, channelParams } from './support/channel';
import { testKey } from './support/keys';
import { miniscriptWitnessScript } from './support/descriptor-script';

/** Compile a miniscript with our key names replaced by hex keys, through an independent implementation. */
function miniscriptBytes(ms: string, subst: Record<string, string>): Uint8Array {
  let expr = ms;
  for (const [name, v] of Object.entries(subst)) expr = expr.replace(new RegExp(`\\b${name}\\b`, 'g'), v);
  return miniscriptWitnessScript(expr);
}

const HEIGHTS = [1, 16, 17, 127, 128, 255, 256, 32767, 32768, 0xffff, 0x10000, 8388607, 8388608, 499999999];
const TIMES = [500000000, 1700000000, 2147483646, 2147483647];
const DELAYS = [1, 2, 16, 17, 127, 128, 144, 255, 256, 4032, 32767, 32768, 0xffff];

describe('script templates', () => {
  it('every template miniscript is sane and the ASM compiles to the same bytes as the miniscript', () => {
    for (let n = 0; n < 24; n++) {
      const a = testKey(`tpl a ${n}`).pub;
      const b = testKey(`tpl b ${n}`).pub;
      const c = testKey(`tpl c ${n}`).pub;
      const ours = compileFundingScript({ senderFundingKey: a, receiverFundingKey: b });
      const [k1, k2] = [toHex(a), toHex(b)].sort();
      expect(toHex(ours)).to.equal(toHex(miniscriptBytes(FUNDING_TEMPLATE.miniscript, { key_1: k1!, key_2: k2! })));
      for (const h of HEIGHTS) {
        const s = compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'cltv', expiry: { height: h } } });
        expect(toHex(s), `height ${h}`).to.equal(toHex(miniscriptBytes(REVOCABLE_CLTV_TEMPLATE.miniscript, { R_r: toHex(a), K_i: toHex(b), S_p: toHex(c), T: String(h) })));
        expect(s.length).to.be.at.most(REVOCABLE_CLTV_TEMPLATE.maxLength);
      }
      for (const t of TIMES) {
        const s = compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'cltv', expiry: { time: t } } });
        expect(toHex(s), `time ${t}`).to.equal(toHex(miniscriptBytes(REVOCABLE_CLTV_TEMPLATE.miniscript, { R_r: toHex(a), K_i: toHex(b), S_p: toHex(c), T: String(t) })));
        expect(s.length).to.be.at.most(REVOCABLE_CLTV_TEMPLATE.maxLength);
      }
      for (const d of DELAYS) {
        const s = compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'csv', delay: { blocks: d } } });
        expect(toHex(s), `delay ${d}`).to.equal(toHex(miniscriptBytes(REVOCABLE_CSV_TEMPLATE.miniscript, { R_r: toHex(a), K_i: toHex(b), S_p: toHex(c), D: String(d) })));
        expect(s.length).to.be.at.most(REVOCABLE_CSV_TEMPLATE.maxLength);
      }
    }
  });

  it('the maximum lengths are reached exactly by the largest arguments', () => {
    const [a, b, c] = [testKey('x').pub, testKey('y').pub, testKey('z').pub];
    expect(compileFundingScript({ senderFundingKey: a, receiverFundingKey: b }).length).to.equal(FUNDING_TEMPLATE.maxLength);
    expect(compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'cltv', expiry: { time: 0x7fffffff } } }).length)
      .to.equal(REVOCABLE_CLTV_TEMPLATE.maxLength);
    expect(compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'csv', delay: { blocks: 0xffff } } }).length)
      .to.equal(REVOCABLE_CSV_TEMPLATE.maxLength);
  });

  it('funding keys are sorted: argument order does not change the script', () => {
    const [a, b] = [testKey('p').pub, testKey('q').pub];
    expect(toHex(compileFundingScript({ senderFundingKey: a, receiverFundingKey: b })))
      .to.equal(toHex(compileFundingScript({ senderFundingKey: b, receiverFundingKey: a })));
  });

  it('matchTemplate recovers every template and its arguments', () => {
    const [a, b, c] = [testKey('m1').pub, testKey('m2').pub, testKey('m3').pub];
    for (const variant of [{ kind: 'cltv', expiry: { height: 17 } }, { kind: 'cltv', expiry: { time: 500000000 } }, { kind: 'csv', delay: { blocks: 16 } }] as const) {
      const s = compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant });
      const m = matchTemplate(s)!;
      expect(m.template.name).to.equal(variant.kind === 'cltv' ? 'revocable-cltv' : 'revocable-csv');
      expect(toHex(m.values.get('K_i') as Uint8Array)).to.equal(toHex(b));
      const lock = variant.kind === 'cltv' ? Object.values(variant.expiry)[0] : variant.delay.blocks;
      expect(m.values.get(variant.kind === 'cltv' ? 'T' : 'D')).to.equal(lock);
    }
    expect(matchTemplate(Uint8Array.from([0x51]))).to.equal(undefined);
    expect(TEMPLATES.map((t) => t.name)).to.deep.equal(['funding', 'revocable-cltv', 'revocable-csv']);
  });

  const bad: { description: string; run: () => unknown; code: string }[] = [
    { description: 'height 0', run: () => compileTemplate(REVOCABLE_CLTV_TEMPLATE, { R_r: testKey('a').pub, K_i: testKey('b').pub, S_p: testKey('c').pub, T: { height: 0 } }), code: 'INVALID_TIMELOCK' },
    { description: 'height at the time threshold', run: () => compileRevocableScript({ receiverRevocationKey: testKey('a').pub, updateKey: testKey('b').pub, senderPayoutKey: testKey('c').pub, variant: { kind: 'cltv', expiry: { height: 500000000 } } }), code: 'INVALID_TIMELOCK' },
    { description: 'time below the threshold', run: () => compileRevocableScript({ receiverRevocationKey: testKey('a').pub, updateKey: testKey('b').pub, senderPayoutKey: testKey('c').pub, variant: { kind: 'cltv', expiry: { time: 499999999 } } }), code: 'INVALID_TIMELOCK' },
    { description: 'time above 2^31-1 (beyond miniscript after())', run: () => compileRevocableScript({ receiverRevocationKey: testKey('a').pub, updateKey: testKey('b').pub, senderPayoutKey: testKey('c').pub, variant: { kind: 'cltv', expiry: { time: 2 ** 31 } } }), code: 'INVALID_TIMELOCK' },
    { description: 'delay 0', run: () => compileRevocableScript({ receiverRevocationKey: testKey('a').pub, updateKey: testKey('b').pub, senderPayoutKey: testKey('c').pub, variant: { kind: 'csv', delay: { blocks: 0 } } }), code: 'INVALID_TIMELOCK' },
    { description: 'delay above 0xffff', run: () => compileRevocableScript({ receiverRevocationKey: testKey('a').pub, updateKey: testKey('b').pub, senderPayoutKey: testKey('c').pub, variant: { kind: 'csv', delay: { blocks: 0x10000 } } }), code: 'INVALID_TIMELOCK' },
    { description: 'fractional delay', run: () => compileRevocableScript({ receiverRevocationKey: testKey('a').pub, updateKey: testKey('b').pub, senderPayoutKey: testKey('c').pub, variant: { kind: 'csv', delay: { blocks: 1.5 } } }), code: 'INVALID_TIMELOCK' },
    { description: 'a height where a delay belongs', run: () => compileTemplate(REVOCABLE_CSV_TEMPLATE, { R_r: testKey('a').pub, K_i: testKey('b').pub, S_p: testKey('c').pub, D: { height: 10 } as unknown as RelativeLock }), code: 'INVALID_TIMELOCK' },
    { description: 'a delay where an absolute lock belongs', run: () => compileTemplate(REVOCABLE_CLTV_TEMPLATE, { R_r: testKey('a').pub, K_i: testKey('b').pub, S_p: testKey('c').pub, T: { blocks: 10 } as unknown as AbsoluteLock }), code: 'INVALID_TIMELOCK' },
    { description: 'uncompressed key', run: () => compileFundingScript({ senderFundingKey: new Uint8Array(65).fill(4) as never, receiverFundingKey: testKey('b').pub }), code: 'INVALID_KEY' },
    { description: 'off-curve key', run: () => compileFundingScript({ senderFundingKey: Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]) as never, receiverFundingKey: testKey('b').pub }), code: 'INVALID_KEY' },
    { description: 'same key twice in the 2-of-2', run: () => compileFundingScript({ senderFundingKey: testKey('a').pub, receiverFundingKey: testKey('a').pub }), code: 'INVALID_KEY' },
    { description: 'missing parameter', run: () => compileTemplate(FUNDING_TEMPLATE, { S_f: testKey('a').pub }), code: 'TEMPLATE_ARGUMENT' },
    { description: 'unknown parameter', run: () => compileTemplate(FUNDING_TEMPLATE, { S_f: testKey('a').pub, R_f: testKey('b').pub, X: testKey('c').pub }), code: 'TEMPLATE_ARGUMENT' },
    { description: 'unknown variant', run: () => compileRevocableScript({ receiverRevocationKey: testKey('a').pub, updateKey: testKey('b').pub, senderPayoutKey: testKey('c').pub, variant: { kind: 'htlc' } as never }), code: 'INVALID_TIMELOCK' },
  ];
  for (const b of bad) {
    it(`refuses ${b.description} with ${b.code}`, () => {
      expect(b.run).to.throw(ChannelError).with.property('code', b.code);
    });
  }
});

describe('revocable script per state (hot path)', () => {
  it('filling K_i into the channel\'s cached script gives the compiler\'s bytes, in every variant', () => {
    for (const { variant } of VARIANTS) {
      const ctx = verifyChannelParams(channelParams(variant).channel);
      for (let i = 0; i < 50; i++) {
        const k = testKey(`fill ${i}`).pub;
        const expected = compileRevocableScript({ receiverRevocationKey: ctx.params.receiverRevocationKey, updateKey: k, senderPayoutKey: ctx.params.senderPayoutKey, variant });
        expect(toHex(revocableScriptFor(ctx, k))).to.equal(toHex(expected));
      }
    }
  });
});
