import { expect } from 'chai';
import { analyzeMiniscript, satisfier } from '@bitcoinerlab/miniscript';
import {
  AbsoluteLock, ChannelError, FUNDING_TEMPLATE, REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE, RelativeLock, ScriptTemplate,
  assembleWitness, branchPreimages, branchSigners, compileFundingScript, compileRevocableScript, compileTemplate, describeLocks,
  fromHex, matchTemplate, maxWitnessSize, registerTemplate, registeredTemplates, revocableScriptFor, templateByName, templateValues,
  templateDescriptor, toHex, unmetLocks, verifyChannelParams,
} from '../lib';
import { VARIANTS, channelParams } from './support/channel';
import { testKey } from './support/keys';
import { descriptorScripts, miniscriptWitnessScript } from './support/descriptor-script';
import { codeOf } from './support/errors';
import { SampleLocks, registerTestTemplates, sampleArgs, testPreimage, testTemplate, testTemplateData } from './support/test-templates';

/** Compile a miniscript with our placeholder names replaced by values, through an independent implementation. */
function substitute(ms: string, values: ReadonlyMap<string, Uint8Array | number>): string {
  let expr = ms;
  for (const [name, v] of values) expr = expr.replace(new RegExp(`\\b${name}\\b`, 'g'), typeof v === 'number' ? String(v) : toHex(v));
  return expr;
}

/** A branch's witness pattern and locks as @bitcoinerlab/miniscript's satisfier writes a satisfaction. */
function satisfaction(t: ScriptTemplate, branch: string, values: ReadonlyMap<string, Uint8Array | number>): string {
  const hex = (n: string) => toHex(values.get(n) as Uint8Array);
  const asm = t.branches[branch]!.witness.map((item) => {
    if (item === '') return '0';
    if (item === '01') return '1';
    const m = /^<(sig|preimage) (\w+)>$/.exec(item)!;
    return m[1] === 'sig' ? `<sig(${hex(m[2]!)})>` : `<sha256_preimage(${hex(m[2]!)})>`;
  }).join(' ');
  const { nLockTime, nSequence } = t.branches[branch]!.locks;
  return JSON.stringify({ asm, nLockTime: nLockTime && values.get(nLockTime), nSequence: nSequence && values.get(nSequence) });
}

const LOCK_SETS: readonly SampleLocks[] = [
  { absolute: { height: 1 }, relative: { blocks: 1 } },
  { absolute: { height: 16 }, relative: { blocks: 16 } },
  { absolute: { height: 17 }, relative: { blocks: 17 } },
  { absolute: { height: 127 }, relative: { blocks: 127 } },
  { absolute: { height: 128 }, relative: { blocks: 128 } },
  { absolute: { height: 32768 }, relative: { blocks: 144 } },
  { absolute: { height: 0xffff }, relative: { blocks: 0xffff } },
  { absolute: { height: 8388608 }, relative: { blocks: 32768 } },
  { absolute: { height: 499999999 }, relative: { blocks: 4032 } },
  { absolute: { time: 500000000 }, relative: { blocks: 255 } },
  { absolute: { time: 1700000000 }, relative: { blocks: 256 } },
  { absolute: { time: 2147483647 }, relative: { blocks: 2 } },
];

const HEIGHTS = [1, 16, 17, 127, 128, 255, 256, 32767, 32768, 0xffff, 0x10000, 8388607, 8388608, 499999999];
const TIMES = [500000000, 1700000000, 2147483646, 2147483647];
const DELAYS = [1, 2, 16, 17, 127, 128, 144, 255, 256, 4032, 32767, 32768, 0xffff];

/** A template of one literal token and no parameters. */
function literalTemplate(asm: string): ScriptTemplate {
  return { name: 'literal', description: '', descriptor: '', miniscript: '', asm, params: {}, branches: { only: { description: '', witness: [], locks: {} } }, maxLength: 10 };
}

describe('script templates', () => {
  before(registerTestTemplates);

  describe('every registered template against @bitcoinerlab/miniscript', () => {
    it('the registry holds the core, the revocable construction and the test templates', () => {
      expect(registeredTemplates().map((t) => t.name)).to.include.members(['funding', 'revocable-cltv', 'revocable-csv', 'test-hashlock', 'htlc-offered-receiver', 'htlc-offered-sender']);
      expect(templateByName('funding')).to.equal(FUNDING_TEMPLATE);
      expect(templateByName('revocable-csv')).to.equal(REVOCABLE_CSV_TEMPLATE);
      expect(templateByName('no-such-template')).to.equal(undefined);
    });

    it('each is sane and non-malleable, compiles to the miniscript\'s bytes, matches back, and its branches are the miniscript\'s satisfactions', () => {
      let checked = 0;
      for (const t of registeredTemplates()) {
        for (let n = 0; n < 4; n++) {
          for (const locks of LOCK_SETS) {
            const args = sampleArgs(t, `loop ${n}`, locks);
            const values = templateValues(t, args);
            const ms = substitute(t.miniscript, values);
            const analysis = analyzeMiniscript(ms);
            // A keyless branch by design (an anchor anyone sweeps after D blocks) is the one insanity allowed:
            // miniscript calls a branch without a signature insane, and its satisfier refuses such a script.
            const keyless = Object.values(t.branches).some((br) => !br.witness.some((w) => w.startsWith('<sig ')));
            if (keyless) expect(analysis, `${t.name}: ${ms}`).to.deep.include({ valid: true, nonMalleable: true, error: 'sane: signature required in every branch.' });
            else expect(analysis.issane && analysis.nonMalleable, `${t.name}: ${ms}`).to.equal(true);
            const script = compileTemplate(t, args);
            expect(toHex(script), `${t.name} ${JSON.stringify(locks)}`).to.equal(toHex(miniscriptWitnessScript(ms)));
            expect(script.length).to.be.at.most(t.maxLength);
            const m = matchTemplate(script)!;
            expect(m.template).to.equal(t);
            // Every placeholder of the script, with the value it was compiled from (sorted keys by their sorted names).
            const inScript = [...values].filter(([k]) => t.asm.includes(`<${k}>`));
            expect([...m.values].map(([k, v]) => [k, typeof v === 'number' ? v : toHex(v)]))
              .to.have.deep.members(inScript.map(([k, v]) => [k, typeof v === 'number' ? v : toHex(v)]));
            if (n > 0 || keyless) continue;
            const sats = satisfier(ms).nonMalleableSats.map((s) => JSON.stringify({ asm: s.asm, nLockTime: s.nLockTime, nSequence: s.nSequence }));
            const ours = Object.keys(t.branches).map((b) => satisfaction(t, b, values));
            expect(ours, t.name).to.have.members(sats);
            checked++;
          }
        }
      }
      expect(checked).to.be.at.least(6 * LOCK_SETS.length);
    });

    it('each maxLength is reached exactly by the largest arguments', () => {
      for (const t of registeredTemplates()) {
        const args = sampleArgs(t, 'longest', { absolute: { time: 0x7fffffff }, relative: { blocks: 0xffff } });
        expect(compileTemplate(t, args).length, t.name).to.equal(t.maxLength);
      }
    });

    it('each descriptor field describes the compiled script (read by an independent descriptor parser)', () => {
      for (const t of registeredTemplates()) {
        for (const locks of [LOCK_SETS[0]!, LOCK_SETS[10]!]) {
          const args = sampleArgs(t, 'descriptor', locks);
          const d = descriptorScripts(templateDescriptor(t, args));
          expect(toHex(d.witnessScript!), t.name).to.equal(toHex(compileTemplate(t, args)));
        }
      }
    });

    it('every registered template is frozen', () => {
      for (const t of registeredTemplates()) {
        expect(Object.isFrozen(t) && Object.isFrozen(t.branches) && Object.isFrozen(Object.values(t.branches)[0]!.witness), t.name).to.equal(true);
      }
    });
  });

  describe('the revocable and funding templates', () => {
    it('compile to the miniscript\'s bytes for every key and lock', () => {
      for (let n = 0; n < 24; n++) {
        const a = testKey(`tpl a ${n}`).pub;
        const b = testKey(`tpl b ${n}`).pub;
        const c = testKey(`tpl c ${n}`).pub;
        const ours = compileFundingScript({ senderFundingKey: a, receiverFundingKey: b });
        const [k1, k2] = [a, b].sort((x, y) => toHex(x).localeCompare(toHex(y)));
        expect(toHex(ours)).to.equal(toHex(miniscriptWitnessScript(substitute(FUNDING_TEMPLATE.miniscript, new Map([['key_1', k1!], ['key_2', k2!]])))));
        const keys = (lock: string, v: number) => new Map<string, Uint8Array | number>([['R_r', a], ['K_i', b], ['S_p', c], [lock, v]]);
        for (const h of HEIGHTS) {
          const s = compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'cltv', expiry: { height: h } } });
          expect(toHex(s), `height ${h}`).to.equal(toHex(miniscriptWitnessScript(substitute(REVOCABLE_CLTV_TEMPLATE.miniscript, keys('T', h)))));
        }
        for (const t of TIMES) {
          const s = compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'cltv', expiry: { time: t } } });
          expect(toHex(s), `time ${t}`).to.equal(toHex(miniscriptWitnessScript(substitute(REVOCABLE_CLTV_TEMPLATE.miniscript, keys('T', t)))));
        }
        for (const d of DELAYS) {
          const s = compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'csv', delay: { blocks: d } } });
          expect(toHex(s), `delay ${d}`).to.equal(toHex(miniscriptWitnessScript(substitute(REVOCABLE_CSV_TEMPLATE.miniscript, keys('D', d)))));
        }
      }
    });

    it('funding keys are sorted: argument order does not change the script', () => {
      const [a, b] = [testKey('p').pub, testKey('q').pub];
      expect(toHex(compileFundingScript({ senderFundingKey: a, receiverFundingKey: b })))
        .to.equal(toHex(compileFundingScript({ senderFundingKey: b, receiverFundingKey: a })));
    });

    it('matchTemplate recovers the revocable template and its arguments', () => {
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
    });

    it('the locks read as before', () => {
      expect(describeLocks(FUNDING_TEMPLATE.branches.multisig!.locks)).to.equal('none');
      expect(describeLocks(REVOCABLE_CLTV_TEMPLATE.branches.timeout!.locks)).to.equal('nLockTime >= T');
      expect(describeLocks(REVOCABLE_CSV_TEMPLATE.branches.timeout!.locks)).to.equal('nSequence >= D (blocks), version 2');
      expect(describeLocks(testTemplate('htlc-offered-sender').branches.timeout!.locks)).to.equal('nLockTime >= E; nSequence >= D (blocks), version 2');
    });

    const k = (l: string) => testKey(l).pub;
    const bad: { description: string; run: () => unknown; code: string }[] = [
      { description: 'height 0', run: () => compileTemplate(REVOCABLE_CLTV_TEMPLATE, { R_r: k('a'), K_i: k('b'), S_p: k('c'), T: { height: 0 } }), code: 'INVALID_TIMELOCK' },
      { description: 'height at the time threshold', run: () => compileRevocableScript({ receiverRevocationKey: k('a'), updateKey: k('b'), senderPayoutKey: k('c'), variant: { kind: 'cltv', expiry: { height: 500000000 } } }), code: 'INVALID_TIMELOCK' },
      { description: 'time below the threshold', run: () => compileRevocableScript({ receiverRevocationKey: k('a'), updateKey: k('b'), senderPayoutKey: k('c'), variant: { kind: 'cltv', expiry: { time: 499999999 } } }), code: 'INVALID_TIMELOCK' },
      { description: 'time above 2^31-1 (beyond miniscript after())', run: () => compileRevocableScript({ receiverRevocationKey: k('a'), updateKey: k('b'), senderPayoutKey: k('c'), variant: { kind: 'cltv', expiry: { time: 2 ** 31 } } }), code: 'INVALID_TIMELOCK' },
      { description: 'delay 0', run: () => compileRevocableScript({ receiverRevocationKey: k('a'), updateKey: k('b'), senderPayoutKey: k('c'), variant: { kind: 'csv', delay: { blocks: 0 } } }), code: 'INVALID_TIMELOCK' },
      { description: 'delay above 0xffff', run: () => compileRevocableScript({ receiverRevocationKey: k('a'), updateKey: k('b'), senderPayoutKey: k('c'), variant: { kind: 'csv', delay: { blocks: 0x10000 } } }), code: 'INVALID_TIMELOCK' },
      { description: 'fractional delay', run: () => compileRevocableScript({ receiverRevocationKey: k('a'), updateKey: k('b'), senderPayoutKey: k('c'), variant: { kind: 'csv', delay: { blocks: 1.5 } } }), code: 'INVALID_TIMELOCK' },
      { description: 'a height where a delay belongs', run: () => compileTemplate(REVOCABLE_CSV_TEMPLATE, { R_r: k('a'), K_i: k('b'), S_p: k('c'), D: { height: 10 } as unknown as RelativeLock }), code: 'INVALID_TIMELOCK' },
      { description: 'a delay where an absolute lock belongs', run: () => compileTemplate(REVOCABLE_CLTV_TEMPLATE, { R_r: k('a'), K_i: k('b'), S_p: k('c'), T: { blocks: 10 } as unknown as AbsoluteLock }), code: 'INVALID_TIMELOCK' },
      { description: 'uncompressed key', run: () => compileFundingScript({ senderFundingKey: new Uint8Array(65).fill(4) as never, receiverFundingKey: k('b') }), code: 'INVALID_KEY' },
      { description: 'off-curve key', run: () => compileFundingScript({ senderFundingKey: Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]) as never, receiverFundingKey: k('b') }), code: 'INVALID_KEY' },
      { description: 'same key twice in the 2-of-2', run: () => compileFundingScript({ senderFundingKey: k('a'), receiverFundingKey: k('a') }), code: 'INVALID_KEY' },
      { description: 'missing parameter', run: () => compileTemplate(FUNDING_TEMPLATE, { S_f: k('a') }), code: 'TEMPLATE_ARGUMENT' },
      { description: 'unknown parameter', run: () => compileTemplate(FUNDING_TEMPLATE, { S_f: k('a'), R_f: k('b'), X: k('c') }), code: 'TEMPLATE_ARGUMENT' },
      { description: 'unknown variant', run: () => compileRevocableScript({ receiverRevocationKey: k('a'), updateKey: k('b'), senderPayoutKey: k('c'), variant: { kind: 'htlc' } as never }), code: 'INVALID_TIMELOCK' },
      { description: 'a 31-byte hash', run: () => compileTemplate(testTemplate('test-hashlock'), { A: k('a'), B: k('b'), T: { height: 100 }, H: new Uint8Array(31) }), code: 'INVALID_ARGUMENT' },
      { description: 'a key where a hash belongs', run: () => compileTemplate(testTemplate('test-hashlock'), { A: k('a'), B: k('b'), T: { height: 100 }, H: k('c') }), code: 'INVALID_ARGUMENT' },
      { description: 'a hash as hex text', run: () => compileTemplate(testTemplate('test-hashlock'), { A: k('a'), B: k('b'), T: { height: 100 }, H: '00'.repeat(32) as never }), code: 'INVALID_ARGUMENT' },
    ];
    for (const b of bad) {
      it(`refuses ${b.description} with ${b.code}`, () => {
        expect(b.run).to.throw(ChannelError).with.property('code', b.code);
      });
    }
  });

  describe('the grammar: literal numbers, hashes, witness items, locks', () => {
    const literals: [string, string][] = [
      ['0', '00'], ['1', '51'], ['16', '60'], ['17', '0111'], ['32', '0120'], ['127', '017f'], ['128', '028000'],
      ['255', '02ff00'], ['256', '020001'], ['32768', '03008000'], ['2147483647', '04ffffff7f'],
    ];
    for (const [lit, hex] of literals) {
      it(`literal ${lit} compiles to the minimal push ${hex}, and only that push matches it`, () => {
        const t = literalTemplate(lit);
        expect(toHex(compileTemplate(t, {}))).to.equal(hex);
        expect(matchTemplate(fromHex(hex), [t])?.template).to.equal(t);
        // The same number pushed with PUSHDATA1: valid script, not what the compiler writes.
        const n = fromHex(hex);
        const data = n[0]! >= 1 && n[0]! <= 75 ? n.subarray(1) : undefined;
        if (data !== undefined) expect(matchTemplate(Uint8Array.from([0x4c, data.length, ...data]), [t])).to.equal(undefined);
      });
    }

    for (const [asm, code] of [['<32>', 'INVALID_SCRIPT'], ['-1', 'INVALID_SCRIPT'], ['032', 'INVALID_SCRIPT'], ['2147483648', 'INVALID_SCRIPT'], ['OP_NOPE', 'INVALID_SCRIPT'], ['<X>', 'TEMPLATE_ARGUMENT']] as const) {
      it(`refuses the token ${asm} with ${code}`, () => {
        expect(codeOf(() => compileTemplate(literalTemplate(asm), {}))).to.equal(code);
      });
    }

    it('a lock pushed non-minimally or beyond its kind\'s range matches nothing', () => {
      const [a, b, c] = [testKey('r1').pub, testKey('r2').pub, testKey('r3').pub];
      const s = compileRevocableScript({ receiverRevocationKey: a, updateKey: b, senderPayoutKey: c, variant: { kind: 'csv', delay: { blocks: 5 } } });
      const at = 34 + 2 + 34 + 1; // after <R_r> CHECKSIG NOTIF <S_p> CHECKSIGVERIFY
      expect(s[at]).to.equal(0x55); // OP_5
      const splice = (push: number[]) => Uint8Array.from([...s.subarray(0, at), ...push, ...s.subarray(at + 1)]);
      expect(matchTemplate(splice([0x55]))?.template).to.equal(REVOCABLE_CSV_TEMPLATE);
      expect(matchTemplate(splice([0x01, 0x05]))).to.equal(undefined);
      expect(matchTemplate(splice([0x03, 0x00, 0x00, 0x01]))).to.equal(undefined); // 65536 blocks
      expect(matchTemplate(splice([0x03, 0xff, 0xff, 0x00]))!.values.get('D')).to.equal(0xffff);
    });

    it('a placeholder used twice must hold one value twice', () => {
      const t: ScriptTemplate = { ...literalTemplate('<A> OP_DROP <A> OP_CHECKSIG'), params: { A: 'pubkey' }, branches: { only: { description: '', witness: ['<sig A>'], locks: {} } }, maxLength: 70 };
      const s = compileTemplate(t, { A: testKey('twice').pub });
      expect(matchTemplate(s, [t])?.values.get('A')).to.deep.equal(testKey('twice').pub);
      const other = Uint8Array.from(s);
      other.set(testKey('other').pub, 36);
      expect(matchTemplate(other, [t])).to.equal(undefined);
    });

    it('a sha256 parameter is a 32-byte push', () => {
      const t = testTemplate('test-hashlock');
      const { hash } = testPreimage('push');
      const s = compileTemplate(t, { A: testKey('a').pub, B: testKey('b').pub, T: { height: 1500 }, H: hash });
      expect(toHex(s)).to.contain(`82012088a820${toHex(hash)}87`); // SIZE 32 EQUALVERIFY SHA256 <H> EQUAL
      expect(toHex(matchTemplate(s)!.values.get('H') as Uint8Array)).to.equal(toHex(hash));
    });

    describe('witness items', () => {
      const t = testTemplate('htlc-offered-receiver');
      const { preimage, hash } = testPreimage('witness');
      const script = compileTemplate(t, { R_h: testKey('rh').pub, S_p: testKey('sp').pub, H: hash, D: { blocks: 10 }, E: { height: 1500 } });
      const sig = fromHex('30'.padEnd(142, '1') + '01');

      it('a preimage, a signature and a constant, bottom first, then the script', () => {
        const w = assembleWitness(t, 'success', { R_h: sig }, script, { H: preimage });
        expect(w.map(toHex)).to.deep.equal([toHex(preimage), toHex(sig), '01', toHex(script)]);
        expect(assembleWitness(t, 'timeout', { S_p: sig }, script).map(toHex)).to.deep.equal([toHex(sig), '', toHex(script)]);
        expect(branchSigners(t, 'success')).to.deep.equal(['R_h']);
        expect(branchPreimages(t, 'success')).to.deep.equal(['H']);
        expect(branchPreimages(t, 'timeout')).to.deep.equal([]);
        expect(maxWitnessSize(t, 'success')).to.equal(1 + 33 + 74 + 2 + 1 + t.maxLength);
      });

      const refusals: [string, () => unknown, string][] = [
        ['a preimage missing', () => assembleWitness(t, 'success', { R_h: sig }, script), 'PSBT_INCOMPLETE'],
        ['a preimage of another hash', () => assembleWitness(t, 'success', { R_h: sig }, script, { H: testPreimage('other').preimage }), 'PREIMAGE_MISMATCH'],
        ['a 33-byte preimage', () => assembleWitness(t, 'success', { R_h: sig }, script, { H: Uint8Array.from([...preimage, 0]) }), 'PREIMAGE_MISMATCH'],
        ['a preimage that is not bytes', () => assembleWitness(t, 'success', { R_h: sig }, script, { H: toHex(preimage) as never }), 'INVALID_ARGUMENT'],
        ['a script of another template', () => assembleWitness(t, 'success', { R_h: sig }, compileFundingScript({ senderFundingKey: testKey('x').pub, receiverFundingKey: testKey('y').pub }), { H: preimage }), 'INVALID_SCRIPT'],
      ];
      for (const [what, run, code] of refusals) it(`refuses ${what} with ${code}`, () => expect(codeOf(run)).to.equal(code));
    });

    describe('locks against a transaction', () => {
      const values = new Map<string, number | Uint8Array>([['T', 1500], ['U', 1_700_000_000], ['D', 10]]);
      const cases: [string, object, { version: number; locktime: number; sequence: number }, number][] = [
        ['height reached', { nLockTime: 'T' }, { version: 2, locktime: 1500, sequence: 0xfffffffe }, 0],
        ['height not reached', { nLockTime: 'T' }, { version: 2, locktime: 1499, sequence: 0xfffffffe }, 1],
        ['a time where a height is due', { nLockTime: 'T' }, { version: 2, locktime: 1_700_000_000, sequence: 0xfffffffe }, 1],
        ['a height where a time is due', { nLockTime: 'U' }, { version: 2, locktime: 1500, sequence: 0 }, 1],
        ['time reached', { nLockTime: 'U' }, { version: 1, locktime: 1_700_000_001, sequence: 0 }, 0],
        ['a final input', { nLockTime: 'T' }, { version: 2, locktime: 1500, sequence: 0xffffffff }, 1],
        ['delay reached', { nSequence: 'D' }, { version: 2, locktime: 0, sequence: 10 }, 0],
        ['delay with other bits set', { nSequence: 'D' }, { version: 2, locktime: 0, sequence: 0x00010010 }, 0],
        ['delay not reached', { nSequence: 'D' }, { version: 2, locktime: 0, sequence: 9 }, 1],
        ['version 1', { nSequence: 'D' }, { version: 1, locktime: 0, sequence: 10 }, 1],
        ['version -1, which BIP 68 reads as 2^32-1', { nSequence: 'D' }, { version: -1, locktime: 0, sequence: 10 }, 0],
        ['relative lock turned off', { nSequence: 'D' }, { version: 2, locktime: 0, sequence: 0x80000010 }, 1],
        ['a time-based relative lock', { nSequence: 'D' }, { version: 2, locktime: 0, sequence: 0x00400010 }, 1],
        ['both, met', { nLockTime: 'T', nSequence: 'D' }, { version: 2, locktime: 1600, sequence: 10 }, 0],
        ['both, the delay not', { nLockTime: 'T', nSequence: 'D' }, { version: 2, locktime: 1600, sequence: 3 }, 1],
        ['none', {}, { version: 1, locktime: 0, sequence: 0xffffffff }, 0],
      ];
      for (const [what, locks, tx, n] of cases) {
        it(`${what}: ${n === 0 ? 'met' : 'unmet'}`, () => expect(unmetLocks(locks, values, tx)).to.have.length(n));
      }
    });
  });

  describe('the registry refuses', () => {
    const refusals: [string, () => ScriptTemplate, string][] = [
      ['a second template of a registered name', () => ({ ...testTemplateData('test-hashlock'), asm: testTemplateData('test-hashlock').asm.replace('OP_EQUAL OP_ENDIF', 'OP_EQUAL OP_NOP OP_ENDIF'), maxLength: 119 }), 'TEMPLATE_DUPLICATE'],
      ['a copy of the funding template under another name', () => ({ ...FUNDING_TEMPLATE, name: 'funding-again' }), 'TEMPLATE_AMBIGUOUS'],
      ['a copy of an HTLC template under another name', () => ({ ...testTemplateData('htlc-offered-sender'), name: 'htlc-again' }), 'TEMPLATE_AMBIGUOUS'],
      ['the CLTV template with its lock called relative', () => ({ ...REVOCABLE_CLTV_TEMPLATE, name: 'cltv-relative', params: { ...REVOCABLE_CLTV_TEMPLATE.params, T: 'relative_locktime' }, branches: { penalty: REVOCABLE_CLTV_TEMPLATE.branches.penalty! }, maxLength: 113 }), 'TEMPLATE_AMBIGUOUS'],
      ['the CSV template with a fixed delay of 144', () => ({ ...REVOCABLE_CSV_TEMPLATE, name: 'csv-144', asm: REVOCABLE_CSV_TEMPLATE.asm.replace('<D>', '144'), params: { R_r: 'pubkey', K_i: 'pubkey', S_p: 'pubkey' }, branches: { penalty: REVOCABLE_CSV_TEMPLATE.branches.penalty! }, maxLength: 112 }), 'TEMPLATE_AMBIGUOUS'],
      ['a maxLength that is not the longest script', () => ({ ...testTemplateData('test-hashlock'), name: 'short', maxLength: 117 }), 'TEMPLATE_ARGUMENT'],
      ['locks as prose', () => ({ ...testTemplateData('test-hashlock'), name: 'prose', branches: { timeout: { ...testTemplateData('test-hashlock').branches.timeout!, locks: 'nLockTime >= T' as never } } }), 'TEMPLATE_ARGUMENT'],
      ['an nSequence lock on an absolute lock', () => ({ ...testTemplateData('test-hashlock'), name: 'wrong-lock', branches: { timeout: { ...testTemplateData('test-hashlock').branches.timeout!, locks: { nSequence: 'T' } } } }), 'TEMPLATE_ARGUMENT'],
      ['an unknown lock field', () => ({ ...testTemplateData('test-hashlock'), name: 'odd-lock', branches: { timeout: { ...testTemplateData('test-hashlock').branches.timeout!, locks: { nVersion: 'T' } as never } } }), 'TEMPLATE_ARGUMENT'],
      ['a signature by a hash', () => ({ ...testTemplateData('test-hashlock'), name: 'sig-by-hash', branches: { success: { description: '', witness: ['<sig H>', '<sig A>'], locks: {} } } }), 'INVALID_SCRIPT'],
      ['a preimage of a key', () => ({ ...testTemplateData('test-hashlock'), name: 'preimage-of-key', branches: { success: { description: '', witness: ['<preimage A>', '<sig A>'], locks: {} } } }), 'INVALID_SCRIPT'],
      ['an uppercase hex constant', () => ({ ...testTemplateData('test-hashlock'), name: 'hex-case', branches: { success: { description: '', witness: ['<preimage H>', '<sig A>', 'AB'], locks: {} } } }), 'INVALID_SCRIPT'],
      ['a parameter the script never uses', () => ({ ...testTemplateData('test-hashlock'), name: 'unused', params: { ...testTemplateData('test-hashlock').params, Z: 'pubkey' } }), 'TEMPLATE_ARGUMENT'],
      ['an unknown parameter kind', () => ({ ...testTemplateData('test-hashlock'), name: 'kind', params: { ...testTemplateData('test-hashlock').params, H: 'ripemd160' as never } }), 'TEMPLATE_ARGUMENT'],
      ['no branches', () => ({ ...testTemplateData('test-hashlock'), name: 'branchless', branches: {} }), 'TEMPLATE_ARGUMENT'],
      ['no miniscript', () => ({ ...testTemplateData('test-hashlock'), name: 'no-miniscript', miniscript: undefined as never }), 'TEMPLATE_ARGUMENT'],
    ];
    for (const [what, make, code] of refusals) {
      it(`${what}, with ${code}, leaving the registry as it was`, () => {
        const before = registeredTemplates();
        const e = (() => { try { registerTemplate(make()); } catch (x) { return x; } return undefined; })();
        expect(e).to.be.instanceOf(ChannelError);
        expect((e as ChannelError).code).to.equal(code);
        expect(registeredTemplates()).to.equal(before);
      });
    }

    it('names what a refused template conflicts with', () => {
      try {
        registerTemplate({ ...REVOCABLE_CSV_TEMPLATE, name: 'csv-again' });
        expect.fail('registered');
      } catch (e) {
        expect((e as ChannelError).details).to.deep.equal({ name: 'csv-again', conflictsWith: 'revocable-csv' });
      }
    });

    it('a caller\'s later change to its object does not reach the registered copy', () => {
      const data = testTemplateData('test-hashlock');
      const registered = testTemplate('test-hashlock');
      expect(registered).to.not.equal(data);
      (data.branches.success!.witness as string[]).push('01');
      expect(registered.branches.success!.witness).to.have.length(2);
      expect(() => (registered.branches.success!.witness as string[]).push('01')).to.throw(TypeError);
    });
  });
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
