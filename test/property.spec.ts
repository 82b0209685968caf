/**
 * Property-based protocol runs: random payments over a network that loses,
 * repeats, reorders, corrupts and replays messages, parties restarted from
 * saved state or crashing before a save, resends and closes, with the
 * invariants of test/support/protocol-model.ts checked after every step.
 *
 * CI runs a fixed seed; REVCHAN_PROPERTY_SEED and REVCHAN_PROPERTY_RUNS change
 * it (`npm run property:long` runs 5000). A failure prints the seed, the
 * shrunk scenario and the invariant it broke.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Fault, runScenario } from './support/protocol-model';
import { ModelViolation, RunStats } from './support/protocol-invariants';
import { scenarioArb } from './support/protocol-arbitraries';

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer`);
  return n;
}

const SEED = envInt('REVCHAN_PROPERTY_SEED', 20240607);
const RUNS = envInt('REVCHAN_PROPERTY_RUNS', 250);

describe('protocol properties', () => {
  it(`keeps every invariant over ${RUNS} random runs (seed ${SEED})`, () => {
    const stats = new RunStats();
    fc.assert(fc.property(scenarioArb(), (sc) => { runScenario(sc, { stats }); }), { seed: SEED, numRuns: RUNS });
    console.log(`      ${stats.summary()}`);
    // The runs exercise what the property speaks of.
    if (RUNS >= 100) {
      for (const what of [
        'payments final', 'offers accepted', 'revokes sent', 'transactions verified by the interpreter', 'penalties verified',
        'closes completed by the sender', 'closes completed by the receiver', 'sender crashed before saving', 'receiver crashed before saving',
        'tampered packets delivered', 'delivered out of order', 'packets overtaken', 'runs settled', 'action restart',
      ]) {
        expect(stats.get(what), what).to.be.greaterThan(0);
      }
    }
  });

  describe('the checker finds planted faults', () => {
    const cases: { fault: Fault; invariants: string[] }[] = [
      { fault: 'early-reveal', invariants: ['secrets'] },
      { fault: 'forget-on-reject', invariants: ['rejection'] },
      { fault: 'save-before-accept', invariants: ['secrets', 'agreement'] },
    ];
    for (const { fault, invariants } of cases) {
      it(`${fault} -> ${invariants.join(' or ')}`, () => {
        const details = fc.check(fc.property(scenarioArb(), (sc) => { runScenario(sc, { fault }); }), {
          seed: SEED, numRuns: 300, endOnFailure: true,
        });
        expect(details.failed, 'the property fails').to.equal(true);
        const e = details.errorInstance;
        expect(e).to.be.instanceOf(ModelViolation);
        expect(invariants).to.include((e as ModelViolation).invariant);
      });
    }
  });
});
