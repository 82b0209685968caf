/**
 * The deadline fee schedule as a table: doubling while blocks pass, the
 * ceiling near the deadline, the burn in the last blocks, and never more than
 * the burn rate (what leaves a dust output).
 */
import { expect } from 'chai';
import { DeadlineFeeParams, MAX_FEE_RATE, burnFeeRate, deadlineFeeRate } from '../lib';
import { thrownCode } from './support/errors';

const BASE: DeadlineFeeParams = {
  startRate: 1000n, maxRate: 32_000n, bumpAfterBlocks: 2, blocksWaited: 0, urgentWithin: 6, burnWithin: 2, burnRate: 500_000n,
};

describe('deadline fee schedule', () => {
  const rows: [string, Partial<DeadlineFeeParams>, bigint][] = [
    ['first attempt', {}, 1000n],
    ['one block: not yet a bump', { blocksWaited: 1 }, 1000n],
    ['two blocks: doubled', { blocksWaited: 2 }, 2000n],
    ['seven blocks: three doublings', { blocksWaited: 7 }, 8000n],
    ['long wait: the ceiling', { blocksWaited: 40 }, 32_000n],
    ['absurd wait: still the ceiling', { blocksWaited: 1_000_000 }, 32_000n],
    ['far from the deadline: the doubling schedule', { blocksLeft: 100, blocksWaited: 2 }, 2000n],
    ['urgent: the ceiling at once', { blocksLeft: 6 }, 32_000n],
    ['last blocks: the burn', { blocksLeft: 2 }, 500_000n],
    ['deadline passed: the burn', { blocksLeft: -3 }, 500_000n],
    ['no burn rate (own money): the ceiling in the last blocks', { blocksLeft: 1, burnRate: undefined }, 32_000n],
    ['burn rate below the schedule caps it', { blocksWaited: 20, burnRate: 5000n }, 5000n],
    ['a ceiling below the start rate: the start rate', { maxRate: 10n }, 1000n],
  ];
  for (const [what, p, rate] of rows) {
    it(what, () => {
      const params = { ...BASE, ...p };
      if ('burnRate' in p && p.burnRate === undefined) delete (params as { burnRate?: bigint }).burnRate;
      expect(deadlineFeeRate(params)).to.equal(rate);
    });
  }

  it('refuses bad parameters with typed errors', () => {
    expect(thrownCode(() => deadlineFeeRate(null as never))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => deadlineFeeRate({ ...BASE, startRate: 1 as never }))).to.equal('INVALID_FEE_RATE');
    expect(thrownCode(() => deadlineFeeRate({ ...BASE, bumpAfterBlocks: 0 }))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => deadlineFeeRate({ ...BASE, blocksWaited: -1 }))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => deadlineFeeRate({ ...BASE, blocksLeft: 1.5 }))).to.equal('INVALID_ARGUMENT');
  });

  it('the burn rate leaves exactly what it must keep, and stops at the highest rate anything accepts', () => {
    const weight = 600;
    const rate = burnFeeRate(100_000n, 294n, weight);
    const fee = (BigInt(weight) * rate + 999n) / 1000n;
    expect(100_000n - fee >= 294n).to.equal(true);
    expect(100_000n - (BigInt(weight) * (rate + 1n) + 999n) / 1000n < 294n).to.equal(true);
    expect(burnFeeRate(294n, 294n, weight)).to.equal(0n);
    expect(burnFeeRate(21_000_000n * 100_000_000n, 294n, weight)).to.equal(MAX_FEE_RATE);
  });
});
