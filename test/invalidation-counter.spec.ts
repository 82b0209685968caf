/**
 * The invalidation counter (lib/tx/invalidation-counter.ts), table-driven from
 * fixtures/decreasing/invalidation-counter.json, plus round trips over every
 * index of small counters.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ChannelError, InvalidationCounterParams, counterDigits, counterExhausted, counterIndex, counterIndexOfLocks, counterLocks,
  firstChangedLevel, verifyInvalidationCounter,
} from '../lib';

interface Valid {
  description: string;
  counter: InvalidationCounterParams;
  expected: { states: number; maxLock: number };
  indices: { index: number; digits: number[]; locks: number[]; exhausted: boolean }[];
  changes: { from: number; to: number; level: number }[];
}
interface Invalid { description: string; counter: InvalidationCounterParams; code: string }

const table: { valid: Valid[]; invalid: Invalid[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/decreasing/invalidation-counter.json'), 'utf8'),
);

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return (e as ChannelError).code;
  }
  throw new Error('did not throw');
}

describe('invalidation counter', () => {
  for (const v of table.valid) {
    describe(v.description, () => {
      const c = verifyInvalidationCounter(v.counter);
      it('states and longest lock', () => {
        expect(c.states).to.equal(v.expected.states);
        expect(c.maxLock).to.equal(v.expected.maxLock);
      });
      for (const x of v.indices) {
        it(`index ${x.index}: digits, locks, exhaustion and back`, () => {
          expect(counterDigits(c, x.index)).to.deep.equal(x.digits);
          expect(counterLocks(c, x.index)).to.deep.equal(x.locks);
          expect(counterExhausted(c, x.index)).to.equal(x.exhausted);
          expect(counterIndex(c, x.digits)).to.equal(x.index);
          expect(counterIndexOfLocks(c, x.locks)).to.equal(x.index);
        });
      }
      for (const ch of v.changes) {
        it(`${ch.from} -> ${ch.to} first changes level ${ch.level}`, () => {
          expect(firstChangedLevel(c, ch.from, ch.to)).to.equal(ch.level);
        });
      }
    });
  }

  for (const v of table.invalid) {
    it(`refuses: ${v.description}`, () => {
      expect(code(() => verifyInvalidationCounter(v.counter))).to.equal(v.code);
    });
  }

  it('every index of a 3-level, 3-value counter round-trips, and newer states never have a longer lock at the first changed level', () => {
    const c = verifyInvalidationCounter({ levels: 3, values: 3, step: 5, lock: 'relative' });
    for (let i = 0; i < c.states; i++) {
      expect(counterIndex(c, counterDigits(c, i))).to.equal(i);
      expect(counterIndexOfLocks(c, counterLocks(c, i))).to.equal(i);
      if (i + 1 < c.states) {
        const level = firstChangedLevel(c, i, i + 1);
        expect(counterLocks(c, i + 1)[level]).to.equal(counterLocks(c, i)[level]! - c.step);
        // The levels above keep their locks: their transactions are reused.
        expect(counterLocks(c, i + 1).slice(0, level)).to.deep.equal(counterLocks(c, i).slice(0, level));
      }
    }
  });

  it('refuses indices, digits and locks that are no state of the counter', () => {
    const c = verifyInvalidationCounter({ levels: 2, values: 4, step: 10, lock: 'relative' });
    expect(code(() => counterDigits(c, 16))).to.equal('INVALID_ARGUMENT');
    expect(code(() => counterDigits(c, -1))).to.equal('INVALID_ARGUMENT');
    expect(code(() => counterIndex(c, [4, 0]))).to.equal('INVALID_ARGUMENT');
    expect(code(() => counterIndex(c, [0]))).to.equal('INVALID_ARGUMENT');
    expect(code(() => firstChangedLevel(c, 3, 3))).to.equal('INVALID_ARGUMENT');
    expect(code(() => firstChangedLevel(c, 4, 3))).to.equal('INVALID_ARGUMENT');
    expect(counterIndexOfLocks(c, [15, 0])).to.equal(undefined);
    expect(counterIndexOfLocks(c, [40, 0])).to.equal(undefined);
    expect(code(() => counterIndexOfLocks(c, [0]))).to.equal('INVALID_ARGUMENT');
    // A hand-made counter is checked again, not trusted.
    expect(code(() => counterDigits({ ...c, values: 1 }, 0))).to.equal('INVALID_ARGUMENT');
  });
});
