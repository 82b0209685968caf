/**
 * Property-based runs of the watchers on the embedded regtest node (see
 * test/support/watcher-run.ts for the generator, the rules that keep a run
 * winnable and how each invariant is read from the confirmed chain):
 *   1. a revoked sender's version on the final chain has its revocable
 *      output spent by a claim paying only the watcher's destination;
 *   2. a CLTV channel's funding output is spent below its expiry (or by a
 *      revoked version claimed as in 1);
 *   3. the receiver holds at least what it was owed, less the fees its
 *      watcher paid;
 *   4. poll() never throws, and every error event carries a ChannelError's code;
 *   5. a sweep the sender's watcher reports confirmed pays the sender (only
 *      counted by default: see the pending case at the end);
 *   6. every 'resolved' either watcher reported names the final chain's
 *      funding spend (and, for a revoked version, its claim).
 * Every run must also settle: with faults stopped and normal blocks, both
 * parties' watchers resolve every channel within 200 blocks.
 *
 * CI runs a fixed seed; REVCHAN_WATCHER_SEED and REVCHAN_WATCHER_RUNS change it
 * (`npm run property:watcher` runs 200). A failure prints the seed and the
 * path; REVCHAN_WATCHER_PATH with the same seed replays just that run,
 * REVCHAN_WATCHER_TRACE=1 prints each run's steps and events, and
 * REVCHAN_WATCHER_SHRINK=1 lets fast-check shrink a failure (each run starts
 * a node: slow).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { RegtestNode } from './kit/regtest-node';
import { openAdversarialChannel, receiverWatcher, senderWatcher } from './support/adversarial';
import { CSV_DELAY, payMany } from './support/e2e';
import { RunStats } from './support/protocol-invariants';
import { PlantedFault, RunOptions, Scenario, WATCHER_RATE, WatcherViolation, runWatcherScenario, watcherScenarioArb } from './support/watcher-run';

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer`);
  return n;
}

const SEED = envInt('REVCHAN_WATCHER_SEED', 20240611);
const RUNS = envInt('REVCHAN_WATCHER_RUNS', 12);
/** The path fast-check prints with a counterexample: with the same seed it replays that run alone. */
const PATH = process.env.REVCHAN_WATCHER_PATH;
const SHRINK = process.env.REVCHAN_WATCHER_SHRINK === '1';
const SENDER_REPORTS = process.env.REVCHAN_WATCHER_SENDER_REPORTS !== '0';
const replay = PATH ? { path: PATH } : {};
const onTrace = process.env.REVCHAN_WATCHER_TRACE === '1'
  ? (t: readonly string[]) => console.log(`      run:\n        ${t.join('\n        ')}`)
  : undefined;

type Details = fc.RunDetails<[Scenario]>;

async function check(opts: RunOptions, params: fc.Parameters<[Scenario]>): Promise<Details> {
  return fc.check(fc.asyncProperty(watcherScenarioArb(), (sc) => runWatcherScenario(sc, { ...opts, ...(onTrace ? { onTrace } : {}) })), params);
}

function report(details: Details): string {
  const e = details.errorInstance;
  return `replay with REVCHAN_WATCHER_SEED=${details.seed} REVCHAN_WATCHER_PATH=${details.counterexamplePath}\n`
    + `scenario: ${fc.stringify(details.counterexample)}\n${e instanceof Error ? e.message : String(e)}`;
}

describe('watcher properties on the embedded regtest node', function () {
  // Each run starts its own node; the long run is unbounded (--timeout 0).
  this.timeout(0);

  it(`keeps every invariant over ${RUNS} random runs (seed ${SEED})`, async () => {
    const stats = new RunStats();
    const started = Date.now();
    // Invariant 5 (the sender's watcher reports only its own sweeps) is checked; REVCHAN_WATCHER_SENDER_REPORTS=0 only counts it,
    // as it did before the fix of the bug below.
    const details = await check({ stats, checkSenderReports: SENDER_REPORTS }, { seed: SEED, numRuns: RUNS, endOnFailure: !SHRINK, ...replay });
    console.log(`      ${details.numRuns} runs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`      ${stats.summary()}`);
    if (details.failed) throw new Error(`watcher property failed: ${report(details)}`);
    // The runs exercise what the invariants speak of.
    const exercised = [
      'final: revoked versions claimed', 'final: receiver version', 'event cutoff', 'event penalty-confirmed', 'reorgs of depth 1', 'restarts',
      'faults fail', 'throwing listeners', 'action mine congested', 'action mine empty', 'fair blocks',
    ];
    if (RUNS >= 10 && !PATH) for (const what of exercised) expect(stats.get(what), what).to.be.greaterThan(0);
  });

  describe('the checker finds planted faults', () => {
    const cases: { fault: PlantedFault; invariants: string[] }[] = [
      { fault: 'claims-dropped-after-reorg', invariants: ['claim', 'owed'] },
      { fault: 'receiver-offline', invariants: ['claim', 'expiry', 'owed'] },
      { fault: 'restart-from-tip', invariants: ['claim', 'expiry', 'owed', 'settled'] },
    ];
    for (const { fault, invariants } of cases) {
      it(`${fault} -> ${invariants.join(' or ')}`, async () => {
        const details = await check({ fault, settleBlocks: 40, checkSenderReports: false }, { seed: SEED, numRuns: 20, endOnFailure: true });
        expect(details.failed, 'the property fails').to.equal(true);
        const e = details.errorInstance;
        expect(e, report(details)).to.be.instanceOf(WatcherViolation);
        expect(invariants, report(details)).to.include((e as WatcherViolation).invariant);
        console.log(`      caught at run ${details.numRuns}: ${(e as WatcherViolation).detail.split('\n')[0]}`);
      });
    }
  });
});

// Found by these runs, and fixed: the sender's watcher tells its own sweep from
// the receiver's claim (REVCHAN_WATCHER_SENDER_REPORTS=0 only counts it).
describe('found by the watcher property runs', function () {
  this.timeout(120_000);

  // SenderWatcher.workSweep followed "whatever spent" the revocable output of
  // the sender's version as its own sweep. When that version was revoked, the
  // spender is the receiver's penalty claim, and the sender's watcher reported
  // it as 'sweep-confirmed' and 'resolved' with sweep = the claim: a sender
  // restored from an old backup was told it swept the money the receiver took.
  // Now it reports 'sweep-lost' and resolves with lost = the claim.
  // Property counterexample: REVCHAN_WATCHER_SEED=20240611 with the sender
  // reports checked (checkSenderReports: true), path "0".
  it('the sender\'s watcher does not report the receiver\'s claim of a revoked version as its own sweep', async () => {
    const node = await RegtestNode.start();
    try {
      const c = await openAdversarialChannel(node, 'CSV');
      const revoked = c.sender.latestTransaction();
      await payMany(c, 2);
      const w = await receiverWatcher(c, WATCHER_RATE);
      const sw = senderWatcher(c, WATCHER_RATE);
      await node.broadcast(revoked.toBuffer());
      await w.poll();
      for (let i = 0; i < CSV_DELAY + 8; i++) {
        await node.mine(1);
        await w.poll();
        await sw.poll();
      }
      const [claim] = w.of('penalty-confirmed').map((e) => e.txid);
      expect(claim, 'the receiver\'s claim confirmed').to.be.a('string');
      expect(sw.of('closed')[0]).to.include({ txid: revoked.getId(), own: true });
      expect(sw.of('sweep-confirmed').map((e) => e.txid), 'sweeps the sender\'s watcher reports').to.not.include(claim);
      expect(sw.of('resolved').map((e) => e.sweep)).to.not.include(claim);
      expect(sw.of('sweep-lost').map((e) => e.txid)).to.deep.equal([claim]);
      expect(sw.of('resolved').map((e) => e.lost)).to.deep.equal([claim]);
    } finally {
      await node.stop();
    }
  });
});
