/**
 * The bad-input corpus (fixtures/bad-inputs/*.json, written by
 * test/kit/corpus/generate-bad-inputs.ts) as one table test. Every case must throw a
 * ChannelError with exactly the expected code (and the details it names, if
 * any) and change nothing: its arguments are deep-equal before and after (a
 * party among them saves the same state), and a party's saved state is
 * byte-equal and the party still takes the next valid message. Each file also
 * lists valid calls, the baselines its cases change one thing of, which must
 * succeed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import * as lib from '../lib';
import * as nodeEntry from '../lib/node';
import { ChannelError, MESSAGE_TYPES, decodeMessage, decodeMessageOf, decoders } from '../lib';
import { Baselines, Tagged, decode, snapshot } from './support/bad-inputs-codec';
import { BUILDER_OR_DECODER, NOT_TARGETS } from './support/bad-inputs-exports';
import { Party, TARGETS, partyState, restoreParty } from './support/bad-inputs-targets';

const DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'bad-inputs');

interface Call {
  readonly name: string;
  readonly target: string;
  readonly input: Tagged;
  readonly party?: string;
}
interface Case extends Call {
  readonly expect: string;
  /** A known defect outside this corpus's reach: the case runs as pending, with the reason. */
  readonly pending?: string;
  /** What the error's details must hold besides its code. */
  readonly details?: Tagged;
}
interface CorpusFile {
  readonly description: string;
  readonly count: number;
  readonly baselines: Baselines;
  readonly parties: Readonly<Record<string, Tagged>>;
  readonly valid: readonly Call[];
  readonly cases: readonly Case[];
}
interface PartySpec {
  readonly role: string;
  readonly secrets: unknown;
  readonly state: unknown;
  readonly next: { readonly call: string; readonly input: unknown[] };
}

const files: [string, CorpusFile][] = readdirSync(DIR)
  .filter((n) => n.endsWith('.json'))
  .sort()
  .map((n) => [n, JSON.parse(readFileSync(path.join(DIR, n), 'utf8')) as CorpusFile]);
const total = files.reduce((s, [, f]) => s + f.cases.length, 0);

/** What `run` throws, or what the promise it returns rejects with (confirmFunding is async). */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  return undefined;
}

function codeOf(e: unknown): string {
  if (e === undefined) return 'no error';
  return e instanceof ChannelError ? e.code : `not a ChannelError: ${String(e).slice(0, 200)}`;
}

function restoreNamed(file: CorpusFile, call: Call, name: string): { party: Party; spec: PartySpec } {
  const t = file.parties[name];
  if (t === undefined) throw new Error(`${call.name}: unknown party ${name}`);
  const spec = decode(t, file.baselines) as PartySpec;
  return { party: restoreParty(spec.role, spec.state, spec.secrets), spec };
}

/** The call's arguments; a {"$party": name} among them is the case's own party when it names it, else restored once per name. */
function argsOf(file: CorpusFile, call: Call, own?: Party): unknown[] {
  const restored = new Map<string, Party>();
  if (own !== undefined && call.party !== undefined) restored.set(call.party, own);
  const party = (name: string): Party => {
    if (!restored.has(name)) restored.set(name, restoreNamed(file, call, name).party);
    return restored.get(name)!;
  };
  const args = decode(call.input, file.baselines, party);
  if (!Array.isArray(args)) throw new Error(`${call.name}: input must be an argument list`);
  return args;
}

function partyOf(file: CorpusFile, call: Call): { party: Party; spec: PartySpec } | undefined {
  return call.party === undefined ? undefined : restoreNamed(file, call, call.party);
}

function runNext(party: Party, spec: PartySpec): unknown {
  const f = (party as unknown as Record<string, (...a: unknown[]) => unknown>)[spec.next.call];
  if (typeof f !== 'function') throw new Error(`no method ${spec.next.call}`);
  return f.apply(party, spec.next.input);
}

async function runCase(file: CorpusFile, c: Case): Promise<void> {
  const target = TARGETS.get(c.target);
  if (target === undefined) throw new Error(`unknown target ${c.target}`);
  const p = partyOf(file, c);
  const args = argsOf(file, c, p?.party);
  if (target.kind === 'party' && p === undefined) throw new Error(`${c.target} needs a party`);
  const before = snapshot(args);
  const stateBefore = p ? partyState(p.party) : undefined;

  const e = await thrown(() => target.run(args, p?.party));
  expect(codeOf(e), 'code').to.equal(c.expect);
  if (c.details !== undefined) expect((e as ChannelError).details, 'details').to.deep.include(decode(c.details) as object);
  expect(snapshot(args), 'arguments unchanged').to.equal(before);
  if (p) {
    expect(partyState(p.party), 'party state unchanged').to.equal(stateBefore);
    const next = await thrown(() => runNext(p.party, p.spec));
    expect(codeOf(next), `the party still takes ${p.spec.next.call}`).to.equal('no error');
  }
  // A type's decoder, decodeMessageOf and decodeMessage answer alike (a message of another type is only wrong for the first two).
  const m = /^decoders\.(\w+)$/.exec(c.target);
  if (m) {
    expect(codeOf(await thrown(() => decodeMessageOf(argsOf(file, c)[0], m[1] as lib.MessageType))), 'decodeMessageOf').to.equal(c.expect);
    const viaAny = codeOf(await thrown(() => decodeMessage(argsOf(file, c)[0])));
    if (c.expect === 'UNEXPECTED_MESSAGE') expect(viaAny, 'decodeMessage').to.equal('no error');
    else expect(viaAny, 'decodeMessage').to.equal(c.expect);
  }
}

async function runValid(file: CorpusFile, v: Call): Promise<void> {
  const target = TARGETS.get(v.target);
  if (target === undefined) throw new Error(`unknown target ${v.target}`);
  const p = partyOf(file, v);
  const args = argsOf(file, v, p?.party);
  const before = snapshot(args);
  expect(codeOf(await thrown(() => target.run(args, p?.party))), 'code').to.equal('no error');
  if (!target.mutates) expect(snapshot(args), 'arguments unchanged').to.equal(before);
}

describe(`bad-input corpus: ${total} cases in ${files.length} files`, () => {
  for (const [name, file] of files) {
    describe(name, () => {
      it('its count is the number of its cases', () => {
        expect(file.cases.length).to.equal(file.count);
      });
      for (const v of file.valid) {
        it(`valid: ${v.target}${v.party ? ` on ${v.party}` : ''}: ${v.name}`, () => runValid(file, v));
      }
      for (const [p, t] of Object.entries(file.parties)) {
        it(`valid: party ${p} restores to its saved state and takes its next call`, async () => {
          const spec = decode(t, file.baselines) as PartySpec;
          const party = restoreParty(spec.role, spec.state, spec.secrets);
          expect(partyState(party)).to.equal(JSON.stringify(spec.state));
          expect(codeOf(await thrown(() => runNext(party, spec)))).to.equal('no error');
        });
      }
      for (const c of file.cases) {
        const title = `${c.target}${c.party ? ` on ${c.party}` : ''}: ${c.name} -> ${c.expect}`;
        // REVCHAN_RUN_PENDING=1 runs the pending cases too, to see which known defects are fixed.
        if (c.pending !== undefined && process.env.REVCHAN_RUN_PENDING !== '1') it.skip(`${title} (pending: ${c.pending})`, () => runCase(file, c));
        else it(title, () => runCase(file, c));
      }
    });
  }

  describe('coverage', () => {
    const casesByTarget = new Map<string, number>();
    for (const [, f] of files) for (const c of f.cases) casesByTarget.set(c.target, (casesByTarget.get(c.target) ?? 0) + 1);

    it('every case and valid call names a known target; every target a file refuses, it also shows accepting', () => {
      for (const [name, f] of files) {
        const validTargets = new Set(f.valid.map((v) => v.target));
        for (const c of [...f.valid, ...f.cases]) expect(TARGETS.has(c.target), `${name}: ${c.target}`).to.equal(true);
        // Party cases show a valid call through the party's next call instead.
        for (const c of f.cases.filter((x) => x.party === undefined)) {
          expect(validTargets.has(c.target), `${name}: no valid call of ${c.target}`).to.equal(true);
        }
      }
    });

    it('every decoder in `decoders` has its corpus file, with cases for every field of its message', () => {
      expect(Object.keys(decoders).sort()).to.deep.equal([...MESSAGE_TYPES].sort());
      for (const type of Object.keys(decoders)) {
        const entry = files.find(([n]) => n === `messages-${type.replace(/_/g, '-')}.json`);
        expect(entry, `fixtures/bad-inputs/messages-${type.replace(/_/g, '-')}.json`).to.not.equal(undefined);
        const file = entry![1];
        const own = file.cases.filter((c) => c.target === `decoders.${type}`);
        expect(own.length, type).to.be.greaterThan(20);
        const valid = decode(file.baselines[type]!, file.baselines) as Record<string, unknown>;
        for (const field of Object.keys(valid)) {
          if (field === 'type' || field === 'version') continue;
          expect(own.some((c) => c.name === `${field} missing`), `${type}.${field} missing`).to.equal(true);
          expect(own.filter((c) => c.name.startsWith(`${field}: `)).length, `${type}.${field} mutations`).to.be.greaterThan(5);
        }
      }
    });

    // Both package entries: revchan and revchan/node.
    const exported = Object.keys({ ...lib, ...nodeEntry }).sort();
    const coveredBy = new Map<string, string[]>();
    for (const [t, target] of TARGETS) for (const e of target.exports) coveredBy.set(e, [...(coveredBy.get(e) ?? []), t]);

    it('every export that builds, checks or decodes is a target or says why it is not', () => {
      const missing = exported.filter((e) => BUILDER_OR_DECODER.test(e) && !coveredBy.has(e) && !(e in NOT_TARGETS));
      expect(missing, 'exports without cases or a reason').to.deep.equal([]);
      expect(Object.keys(NOT_TARGETS).filter((e) => !exported.includes(e)), 'reasons for exports that no longer exist').to.deep.equal([]);
      for (const e of Object.keys(NOT_TARGETS)) expect(coveredBy.has(e), `${e} has cases and a reason`).to.equal(false);
    });

    for (const e of exported.filter((x) => coveredBy.has(x))) {
      const targets = coveredBy.get(e)!;
      const n = targets.reduce((s, t) => s + (casesByTarget.get(t) ?? 0), 0);
      it(`${e}: ${n} cases (${targets.filter((t) => casesByTarget.has(t)).length} of ${targets.length} targets)`, () => {
        expect(n, e).to.be.greaterThan(0);
        for (const t of targets) expect(casesByTarget.get(t) ?? 0, t).to.be.greaterThan(0);
      });
    }
  });
});
