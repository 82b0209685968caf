/**
 * State numbers are encoded as BOLT #3 commitment numbers. The obscuring
 * factor and commitment 42's locktime/sequence come from BOLT #3's
 * Appendix C example (fixtures/bolt3/per-commitment-secrets.json).
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import {
  ChannelError, MAX_STATE, asPublicKey, checkState, decodeStateNumber, deriveObscuringFactor, encodeStateNumber, fromHex,
} from '../lib';

interface ObscuredVector {
  opener: string;
  local_payment_basepoint: string;
  remote_payment_basepoint: string;
  obscuring_factor_hex: string;
  obscuring_factor: string;
  commitment_number: string;
}

const vector: ObscuredVector = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/bolt3/per-commitment-secrets.json'), 'utf8'),
).obscuredCommitmentNumber;

const MASK_24 = (1n << 24n) - 1n;

/** Deterministic "random" 48-bit values: sha256 of a label, so every run sees the same ones. */
function pseudoRandom48(label: string): bigint {
  const h = createHash('sha256').update(`revchan state-number ${label}`).digest();
  return BigInt('0x' + h.subarray(0, 6).toString('hex'));
}

describe('state number (BOLT #3 obscured commitment number)', () => {
  const opener = asPublicKey(fromHex(vector.local_payment_basepoint));
  const other = asPublicKey(fromHex(vector.remote_payment_basepoint));
  const factor = BigInt(vector.obscuring_factor);

  it('the fixture is the Appendix C example with the local side as opener', () => {
    expect(vector.opener).to.equal('local');
    expect(BigInt(vector.obscuring_factor_hex)).to.equal(factor);
    expect(factor).to.equal(0x2bb038521914n);
  });

  it('deriveObscuringFactor(opener, other) is BOLT #3\'s obscuring factor', () => {
    expect(deriveObscuringFactor(opener, other)).to.equal(factor);
  });

  it('the opener\'s key goes first: swapping the keys gives another factor', () => {
    expect(deriveObscuringFactor(other, opener)).to.not.equal(factor);
  });

  it('encodes commitment 42 as BOLT #3\'s locktime and sequence', () => {
    const n = BigInt(vector.commitment_number);
    const obscured = n ^ factor;
    const expected = {
      locktime: Number((0x20n << 24n) | (obscured & MASK_24)),
      sequence: Number((0x80n << 24n) | ((obscured >> 24n) & MASK_24)),
    };
    expect(encodeStateNumber(n, factor)).to.deep.equal(expected);
    // The values of the Appendix C commitment transaction itself.
    expect(expected).to.deep.equal({ locktime: 542251326, sequence: 2150346808 });
    expect(decodeStateNumber(expected.locktime, expected.sequence, factor)).to.equal(n);
  });

  const states: bigint[] = [
    0n, 1n, 2n, (1n << 24n) - 1n, 1n << 24n, (1n << 24n) + 1n, MAX_STATE - 1n, MAX_STATE,
    ...Array.from({ length: 32 }, (_, i) => pseudoRandom48(`state ${i}`)),
  ];
  const factors: bigint[] = [0n, factor, MAX_STATE, ...Array.from({ length: 4 }, (_, i) => pseudoRandom48(`factor ${i}`))];

  it('MAX_STATE is 2^48-1', () => {
    expect(MAX_STATE).to.equal((1n << 48n) - 1n);
  });

  it('decodeStateNumber round-trips 0, 1, 2^24-1, 2^24, 2^48-1 and pseudo-random states under several factors', () => {
    for (const f of factors) {
      for (const s of states) {
        const { locktime, sequence } = encodeStateNumber(s, f);
        expect(locktime >>> 24, `locktime top byte ${s}`).to.equal(0x20);
        expect(sequence >>> 24, `sequence top byte ${s}`).to.equal(0x80);
        expect(Number.isSafeInteger(locktime) && locktime >= 0 && locktime <= 0xffffffff).to.equal(true);
        expect(Number.isSafeInteger(sequence) && sequence >= 0 && sequence <= 0xffffffff).to.equal(true);
        expect(decodeStateNumber(locktime, sequence, f), `state ${s} factor ${f}`).to.equal(s);
      }
    }
  });

  it('encoded locktimes are past timestamps and sequences have the relative-lock disable bit', () => {
    for (const s of states) {
      const { locktime, sequence } = encodeStateNumber(s, factor);
      expect(locktime).to.be.at.least(500_000_000);
      expect(locktime).to.be.below(1_000_000_000);
      expect((sequence & 0x80000000) !== 0).to.equal(true);
    }
  });

  it('different states give different encodings', () => {
    const seen = new Set(states.map((s) => {
      const e = encodeStateNumber(s, factor);
      return `${e.locktime}:${e.sequence}`;
    }));
    expect(seen.size).to.equal(new Set(states).size);
  });

  it('returns undefined for transactions that are not payment versions', () => {
    const { locktime, sequence } = encodeStateNumber(42n, factor);
    const notPayments: [number, number][] = [
      [0, 0xffffffff], // cooperative close
      [0, sequence],
      [locktime, 0xffffffff],
      [0, 0xfffffffe],
      [(0x21 << 24) | (locktime & 0xffffff), sequence],
      [(0x1f << 24) | (locktime & 0xffffff), sequence],
      [locktime, ((0x81 << 24) | (sequence & 0xffffff)) >>> 0],
      [locktime, (0x7f << 24) | (sequence & 0xffffff)],
      [locktime & 0xffffff, sequence],
      [locktime, sequence & 0xffffff],
      [sequence, locktime], // swapped
    ];
    for (const [l, s] of notPayments) {
      expect(decodeStateNumber(l, s, factor), `${l.toString(16)}/${s.toString(16)}`).to.equal(undefined);
    }
  });

  it('checkState accepts [0, 2^48-1] and refuses the rest with INVALID_ARGUMENT', () => {
    expect(checkState(0n)).to.equal(0n);
    expect(checkState(MAX_STATE)).to.equal(MAX_STATE);
    for (const bad of [-1n, MAX_STATE + 1n, 1n << 64n, 1 as unknown as bigint, '1' as unknown as bigint]) {
      expect(() => checkState(bad)).to.throw(ChannelError).with.property('code', 'INVALID_ARGUMENT');
    }
  });
});
