/**
 * Crash safety of saved channel state: a child process that keeps both parties
 * of a channel in a FileChannelStore and pays in a loop is killed with SIGKILL
 * many times, at random moments and at chosen points inside a save; after each
 * kill the store holds, for each party, exactly the last state the child
 * reported durable or the one it was writing, never a torn or older one, and
 * the restarted child finishes the interrupted payment through the protocol's
 * resends and carries on. A process kill leaves the page cache intact, so this
 * proves atomicity against crashes of the process, not against power loss.
 *
 * REVCHAN_CRASH_ITERATIONS (default 60) sets the number of kills,
 * REVCHAN_CRASH_SEED the seed of the kill schedule.
 */
import { expect } from 'chai';
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { ChannelError, MemoryChannelStore, Receiver, Sender } from '../lib';
import { FileChannelStore } from '../lib/node';
import { CRASH_INCREMENT, KILL_POINTS, KillPoint } from './support/crash-child';
import { openChannel, receiverSecrets, senderSecrets, wire } from './support/parties';
import { VARIANTS } from './support/channel';
import { verifyInputs } from './support/verify';

const CHILD = path.join(__dirname, 'support', 'crash-child.js');
const KEYS = ['receiver', 'sender'] as const;
type Key = (typeof KEYS)[number];

const ITERATIONS = Number(process.env.REVCHAN_CRASH_ITERATIONS ?? 60);
const SEED = Number(process.env.REVCHAN_CRASH_SEED ?? 0x5eed);

/**
 * mulberry32: a small seeded PRNG, so a failing schedule (which runs are
 * killed how, after which delay) can be replayed; where a timed kill lands
 * also depends on the machine's speed.
 */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

type Kill = { afterSpawnMs: number } | { afterReadyMs: number } | undefined;

/** Runs the child to its end: its own exit, its own SIGKILL, or ours after the delay. */
function runChild(dir: string, args: string[], kill: Kill): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    const timers: NodeJS.Timeout[] = [];
    const killIn = (ms: number) => timers.push(setTimeout(() => child.kill('SIGKILL'), ms));
    if (kill && 'afterSpawnMs' in kill) killIn(kill.afterSpawnMs);
    // A child that neither finishes nor dies is a failure, not a hang.
    timers.push(setTimeout(() => { stderr += '[killed: no progress in 20 s]'; child.kill('SIGKILL'); }, 20_000));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('ready ') && kill && 'afterReadyMs' in kill) killIn(kill.afterReadyMs);
    });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      timers.forEach(clearTimeout);
      resolve({ lines, code, signal, stderr });
    });
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function readStored(dir: string, key: Key): Promise<string | undefined> {
  try {
    return await fs.readFile(path.join(dir, `${key}.json`), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function temporaryFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.tmp')).sort();
}

/**
 * What the store must hold after a run: per key, the last state reported
 * durable (`saved`) or, if the child died during a save, the state of that
 * save (`intent`); nothing else.
 */
class Ledger {
  readonly durable = new Map<Key, string>();

  /** Takes what the store holds now as acknowledged (a copied directory). */
  async adopt(dir: string): Promise<void> {
    for (const key of KEYS) {
      const text = await readStored(dir, key);
      if (text !== undefined) this.durable.set(key, sha256(text));
    }
  }

  /** Checks the store against the run's lines; returns the state each key holds, now the baseline. */
  async check(dir: string, run: Run): Promise<{ inFlight: Map<Key, string>; held: Map<Key, 'old' | 'new'> }> {
    const inFlight = new Map<Key, string>();
    for (const line of run.lines) {
      const [what, key, hash] = line.split(' ') as [string, Key, string];
      if (what === 'intent') inFlight.set(key, hash);
      if (what === 'saved') {
        expect(hash, `saved ${key} reports the state announced`).to.equal(inFlight.get(key));
        inFlight.delete(key);
        this.durable.set(key, hash);
      }
    }
    const held = new Map<Key, 'old' | 'new'>();
    for (const key of KEYS) {
      const text = await readStored(dir, key);
      const acked = this.durable.get(key);
      if (text === undefined) {
        expect(acked, `${key}.json vanished after it was saved`).to.equal(undefined);
        held.set(key, 'old'); // never saved yet
        continue;
      }
      expect(() => JSON.parse(text), `${key}.json parses`).to.not.throw();
      const h = sha256(text);
      const allowed = [acked, inFlight.get(key)].filter((x) => x !== undefined);
      expect(allowed, `${key}.json is the acknowledged state or the one being saved`).to.include(h);
      held.set(key, h === acked ? 'old' : 'new');
      this.durable.set(key, h);
    }
    return { inFlight, held };
  }
}

/** Both parties as stored, restored with their secrets (throws if either is damaged). */
async function restoreBoth(dir: string): Promise<{ sender: Sender; receiver: Receiver }> {
  const store = new FileChannelStore(dir);
  return {
    sender: Sender.restore(await store.load('sender'), senderSecrets),
    receiver: Receiver.restore(await store.load('receiver'), receiverSecrets),
  };
}

function readyLine(run: Run): { recovery: string; senderIndex: number; receiverIndex: number } | undefined {
  const line = run.lines.find((l) => l.startsWith('ready '));
  if (!line) return undefined;
  const [, recovery, s, r] = line.split(' ');
  return { recovery: recovery!, senderIndex: Number(s), receiverIndex: Number(r) };
}

function expectKilled(run: Run): void {
  expect(run.stderr, 'child stderr').to.equal('');
  expect(run.signal, `child ended by SIGKILL (exit code ${run.code})`).to.equal('SIGKILL');
}

/** Everything final agrees, every old state is revoked, and both parties' transactions pass bcoin's interpreter. */
async function expectSettledPair(dir: string): Promise<number> {
  const { sender, receiver } = await restoreBoth(dir);
  expect(sender.pending).to.equal(undefined);
  expect(receiver.pendingAmount).to.equal(undefined);
  expect(sender.index).to.equal(receiver.index);
  expect(sender.amount).to.equal(CRASH_INCREMENT * BigInt(sender.index));
  expect(receiver.amount).to.equal(sender.amount);
  for (let i = 0; i < receiver.index; i++) expect(receiver.isRevoked(i), `state ${i} revoked`).to.equal(true);
  expect(receiver.isRevoked(receiver.index)).to.equal(false);
  const funding = [{ script: sender.context.fundingScriptPubKey, value: sender.context.params.capacity }];
  verifyInputs(sender.latestTransaction().toBuffer(), funding);
  verifyInputs(receiver.latestTransaction()!.toBuffer(), funding);
  return receiver.index;
}

describe('crash safety of saved channel state', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-crash-')); });
  afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('a crash after each of the four saves of a payment is recovered by resending the lost message', async () => {
    const base = path.join(dir, 'base');
    const first = await runChild(base, ['--payments', '1'], undefined);
    expect(first.code, first.stderr).to.equal(0);
    // Saves of a payment: sender after its offer, receiver after accepting, sender after the accept, receiver after the revoke.
    const expected = ['resent-offer', 'accept-resent', 'resent-revoke', 'none'];
    for (let k = 1; k <= 4; k++) {
      const d = path.join(dir, `after-save-${k}`);
      await fs.cp(base, d, { recursive: true });
      const ledger = new Ledger();
      await ledger.adopt(d);
      const killed = await runChild(d, ['--kill-at', `after-rename:${k}`], undefined);
      expectKilled(killed);
      const { held } = await ledger.check(d, killed);
      expect([...held.values()].filter((v) => v === 'new')).to.have.length(1);
      const again = await runChild(d, ['--payments', '1'], undefined);
      expect(again.code, again.stderr).to.equal(0);
      expect(readyLine(again)!.recovery, `recovery after save ${k}`).to.equal(expected[k - 1]);
      await ledger.check(d, again);
      // The interrupted payment and the new one are both final.
      expect(await expectSettledPair(d)).to.equal(3);
    }
  });

  it(`survives ${ITERATIONS} SIGKILLs at random moments and inside saves, and the pair carries on paying`, async () => {
    const random = prng(SEED);
    const ledger = new Ledger();
    const stats = { randomKills: 0, insideSave: 0, injected: 0, leftovers: 0, recoveries: new Map<string, number>() };
    let leftover: string[] = [];
    let lastIndex = 0;
    let injectedRuns = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const r = random();
      let args: string[] = [];
      let kill: Kill;
      let point: KillPoint | undefined;
      if (r < 0.3) {
        point = KILL_POINTS[injectedRuns % KILL_POINTS.length]!;
        const nth = 1 + Math.floor(random() * 10);
        args = ['--kill-at', `${point}:${nth}`];
        injectedRuns++;
      } else if (r < 0.45) {
        kill = { afterSpawnMs: Math.floor(random() * 250) }; // anywhere in start-up, restore and recovery
      } else {
        kill = { afterReadyMs: Math.floor(random() * 30) };
      }
      const run = await runChild(dir, args, kill);
      const where = `iteration ${i} (seed ${SEED}, ${args.join(' ') || JSON.stringify(kill)})`;
      expect(run.stderr, where).to.equal('');
      expect(run.signal, `${where}: exit code ${run.code}`).to.equal('SIGKILL');

      const ready = readyLine(run);
      if (ready) {
        stats.recoveries.set(ready.recovery, (stats.recoveries.get(ready.recovery) ?? 0) + 1);
        // Restored no earlier than the last payment known final, and the sender never behind the receiver.
        expect(ready.receiverIndex, where).to.be.at.least(lastIndex);
        expect(ready.senderIndex, where).to.equal(ready.receiverIndex);
        // The previous crash's temporary files belong to a dead process: gone once this run has saved.
        if (run.lines.some((l) => l.startsWith('saved '))) {
          for (const name of leftover) expect(await temporaryFiles(dir), `${where}: stale ${name}`).to.not.include(name);
        }
      }
      const { inFlight, held } = await ledger.check(dir, run);
      if (point !== undefined) {
        stats.injected++;
        // The child died inside a save: before the rename the old state is whole, after it the new one.
        expect(inFlight.size, where).to.equal(1);
        const [key] = [...inFlight.keys()];
        expect(held.get(key!), where).to.equal(point === 'after-rename' ? 'new' : 'old');
      } else {
        stats.randomKills++;
        if (inFlight.size > 0) stats.insideSave++;
      }

      leftover = await temporaryFiles(dir);
      stats.leftovers += leftover.length; // counted again if the next run dies before it saves
      if (point !== undefined && point !== 'after-rename') expect(leftover, `${where}: the interrupted save's temporary file`).to.have.length(1);
      if (point === 'mid-write') {
        const torn = await fs.readFile(path.join(dir, leftover[0]!), 'utf8');
        expect(() => JSON.parse(torn), 'a half-written temporary file').to.throw();
      }
      // Temporary files are not keys.
      const keys = await new FileChannelStore(dir).keys();
      expect(keys.filter((k) => !(KEYS as readonly string[]).includes(k)), where).to.deep.equal([]);
      if (keys.length === 2) {
        const { receiver } = await restoreBoth(dir);
        lastIndex = receiver.index;
      }
    }

    const last = await runChild(dir, ['--payments', '20'], undefined);
    expect(last.code, last.stderr).to.equal(0);
    await ledger.check(dir, last);
    expect(await temporaryFiles(dir), 'every stale temporary file removed').to.deep.equal([]);
    const index = await expectSettledPair(dir);
    expect(index).to.be.at.least(lastIndex + 20);
    expect(stats.injected).to.be.at.least(Math.min(KILL_POINTS.length, Math.floor(ITERATIONS * 0.15)));
    // eslint-disable-next-line no-console
    console.log(`      ${ITERATIONS} kills (seed ${SEED}): ${stats.injected} inside a save by injection, ${stats.randomKills} at random moments `
      + `(${stats.insideSave} of them during a save), ${stats.leftovers} temporary files seen after a kill; `
      + `recoveries ${JSON.stringify(Object.fromEntries(stats.recoveries))}; ${index} payments final`);
  });
});

describe('FileChannelStore under concurrent saves and failures', () => {
  let dir: string;
  beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-store-')); });
  afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('saves of one key issued together leave the last call\'s state, whole, and no temporary file', async () => {
    const store = new FileChannelStore(dir);
    for (let round = 0; round < 30; round++) {
      // Sizes alternate so that two writers sharing a file would leave a mix of both.
      const states = Array.from({ length: 6 }, (_, n) => ({ round, n, pad: 'x'.repeat(n % 2 === 0 ? 50_000 : 10) }));
      await Promise.all(states.map((s) => store.save('k', s)));
      expect(await store.load('k')).to.deep.equal(states[states.length - 1]);
    }
    expect(await fs.readdir(dir)).to.deep.equal(['k.json']);
  });

  it('a save that fails leaves the old state and no temporary file; the next save of the key still runs', async () => {
    const store = new FileChannelStore(dir);
    await store.save('a', { n: 1 });
    await fs.mkdir(path.join(dir, 'b.json')); // rename over a directory fails
    let err: unknown;
    try { await store.save('b', { n: 1 }); } catch (e) { err = e; }
    expect((err as NodeJS.ErrnoException).code).to.be.oneOf(['EISDIR', 'ENOTEMPTY', 'EEXIST']);
    expect(await temporaryFiles(dir)).to.deep.equal([]);
    await fs.rmdir(path.join(dir, 'b.json'));
    await store.save('b', { n: 2 });
    expect(await store.load('b')).to.deep.equal({ n: 2 });
    expect(await store.load('a')).to.deep.equal({ n: 1 });
  });

  it('temporary files of a dead process are never read and are removed by the next save; a live process\'s are kept', async () => {
    const gone = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => gone.on('exit', () => resolve(gone.pid!)));
    const store = new FileChannelStore(dir);
    await store.save('a', { n: 1 });
    const stale = `a.json.${deadPid}.0123456789abcdef.tmp`;
    const live = `a.json.${process.ppid}.0123456789abcdef.tmp`;
    await fs.writeFile(path.join(dir, stale), '{"n": 2, "to');
    await fs.writeFile(path.join(dir, live), '{"n": 3}');
    const restarted = new FileChannelStore(dir);
    expect(await restarted.keys()).to.deep.equal(['a']);
    expect(await restarted.load('a')).to.deep.equal({ n: 1 });
    await restarted.save('b', { n: 4 });
    expect(await temporaryFiles(dir)).to.deep.equal([live]);
    expect(await restarted.load('a')).to.deep.equal({ n: 1 });
  });

  // After the accept is lost (in transit, or with a process that saved its
  // pending state and died), the sender's resent offer gets the same accept.
  it('a receiver that saved its accepted offer answers the resent offer with the same accept', async () => {
    const store = new MemoryChannelStore();
    const c = openChannel(VARIANTS[2]!.variant);
    const offer = c.sender.pay(1000n);
    const accept = c.receiver.onOffer(wire(offer));
    await store.save('r', c.receiver.toJSON());
    const receiver = Receiver.restore(await store.load('r'), receiverSecrets); // the accept was lost
    let again: unknown;
    try {
      again = receiver.onOffer(wire(c.sender.pendingOffer()));
    } catch (e) {
      expect.fail(`resent offer refused: ${(e as ChannelError).code}`);
    }
    expect(again).to.deep.equal(accept);
    c.receiver = receiver;
    c.receiver.onRevoke(wire(c.sender.onAccept(wire(again as typeof accept))));
    expect(c.receiver.amount).to.equal(1000n);
  });
});
