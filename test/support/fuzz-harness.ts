/**
 * The fuzz specs' shared harness: the run count and seed (REVCHAN_FUZZ_ITERATIONS,
 * REVCHAN_FUZZ_SEED), a seed per target so each replays alone, a property
 * per target, and the one verdict every call must give: a value or a
 * ChannelError, never anything else.
 */
import { ChannelError } from '../../lib';
import { fc } from './fuzz-mutations';

export const RUNS = Number(process.env.REVCHAN_FUZZ_ITERATIONS ?? 2000);
export const SEED = Number(process.env.REVCHAN_FUZZ_SEED ?? 1017);

export function seedOf(name: string): number {
  let h = SEED | 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return h;
}

/** Run `f`; a ChannelError is an answer, anything else escapes to fail the property. */
export function typed<T>(f: () => T): { value: T } | { code: string } {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof ChannelError) return { code: e.code };
    throw e;
  }
}

/** One property test of `runs` inputs, seeded by its name. */
export function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (x: T) => void, runs = RUNS): void {
  it(`${name}: ${runs} inputs`, () => {
    fc.assert(fc.property(arb, (x) => {
      check(x);
    }), { seed: seedOf(name), numRuns: runs });
  });
}
