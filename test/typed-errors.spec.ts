/**
 * Only typed errors: every function the package entry exports (constructors
 * with `new`, static methods, the `decoders`, and the methods of instances
 * of its classes) is called with null, undefined, {}, [], 0 and '' in each
 * argument position, the others taken from a valid call of the bad-input
 * corpus where it has one; also with every argument bad at once. Whatever
 * it throws, or a promise it returns rejects with, must be a ChannelError.
 * The watchers and the funding-spend classifier need a chain: their bad
 * arguments are in the bad-input corpus (over a stub backend) and
 * test/watcher-safety.spec.ts, and what a backend may answer them in
 * test/watcher-fuzz.spec.ts; the file
 * store and the RPC backend do I/O, so only their constructors are called;
 * the database store and the watch leases only through their static create
 * (their methods' refusals are in test/postgres-store.spec.ts and
 * test/watch-leases.spec.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import * as lib from '../lib';
import * as nodeEntry from '../lib/node';
import * as classify from '../lib/constructions/revocable/chain/classify';
import * as watcher from '../lib/constructions/revocable/chain/receiver-watcher';
import * as senderWatcher from '../lib/constructions/revocable/chain/sender-watcher';
import * as spendScan from '../lib/chain/spend-scan';
import { ChannelError } from '../lib';
import { Baselines, Tagged, decode } from './support/bad-inputs-codec';
import { restoreParty } from './support/bad-inputs-targets';

type Fn = (...a: unknown[]) => unknown;

const BAD: readonly [string, () => unknown][] = [
  ['null', () => null], ['undefined', () => undefined], ['{}', () => ({})], ['[]', () => []], ['0', () => 0], ["''", () => ''],
];
const OTHER_MODULES = new Set([...Object.keys(classify), ...Object.keys(watcher), ...Object.keys(senderWatcher), ...Object.keys(spendScan)]);
const IO_CLASSES = new Set(['FileChannelStore', 'CoreRpcBackend', 'PostgresChannelStore', 'WatchLeases']);
/** Both package entries: revchan and revchan/node. */
const ENTRIES: Record<string, unknown> = { ...lib, ...nodeEntry };

const DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'bad-inputs');
interface CorpusFile {
  readonly baselines: Baselines;
  readonly parties: Record<string, Tagged>;
  readonly valid: readonly { readonly target: string; readonly input: Tagged; readonly party?: string }[];
}
const corpus: CorpusFile[] = readdirSync(DIR).filter((n) => n.endsWith('.json')).sort()
  .map((n) => JSON.parse(readFileSync(path.join(DIR, n), 'utf8')) as CorpusFile);

/** Valid calls by corpus target name (at most two each), kept encoded: each use decodes fresh arguments. */
const validCalls = new Map<string, { input: Tagged; baselines: Baselines }[]>();
for (const f of corpus) {
  for (const v of f.valid) {
    if (v.party !== undefined) continue;
    const list = validCalls.get(v.target) ?? [];
    if (list.length < 2) list.push({ input: v.input, baselines: f.baselines });
    validCalls.set(v.target, list);
  }
}

/** Fresh valid argument lists of `target`. */
function validArgs(target: string): unknown[][] {
  return (validCalls.get(target) ?? []).map((c) => decode(c.input, c.baselines) as unknown[]);
}

/** Instances to call methods on, made fresh for every call: restored corpus parties, and a signer and a store built from valid arguments. */
function instances(cls: string): (() => object)[] {
  const parties: (() => object)[] = [];
  const roles: Record<string, string> = { Sender: 'sender', Receiver: 'receiver', RevocationStore: 'revocation-store' };
  const wanted = new Set(['senderOpen', 'senderPending', 'senderClosed', 'receiverFunded', 'receiverPending', 'receiverOpen3', 'receiverZeroConf', 'receiverClosed', 'store']);
  const seen = new Set<string>();
  for (const f of corpus) {
    for (const [name, t] of Object.entries(f.parties ?? {})) {
      if (!wanted.has(name) || seen.has(name)) continue;
      const spec = decode(t, f.baselines) as { role: string; state: unknown; secrets: unknown };
      if (spec.role !== roles[cls]) continue;
      seen.add(name);
      parties.push(() => {
        const fresh = decode(t, f.baselines) as { role: string; state: unknown; secrets: unknown };
        return restoreParty(fresh.role, fresh.state, fresh.secrets);
      });
    }
  }
  if (cls === 'PaymentSigner') return validArgs('PaymentSigner').map((a) => () => new lib.PaymentSigner(...(a as [never, never, never])));
  if (cls === 'MemoryChannelStore') return [() => new lib.MemoryChannelStore()];
  if (cls === 'FundingSighash') {
    return [() => {
      const ctx = lib.verifyChannelParams(validArgs('verifyChannelParams')[0]![0] as lib.ChannelParams);
      return ctx.sighash;
    }];
  }
  return parties;
}

/** Members a class declares private (TypeScript keeps them callable at run time, but they are no API): read from the declaration files. */
function privateMembers(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []));
  for (const file of walk(path.resolve(__dirname, '..', 'lib'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/export declare class (\w+)[^{]*\{([\s\S]*?)\n\}/g)) {
      const names = out.get(m[1]!) ?? new Set<string>();
      for (const p of m[2]!.matchAll(/^\s+private (?:readonly )?(?:get )?(\w+)/gm)) names.add(p[1]!);
      out.set(m[1]!, names);
    }
  }
  return out;
}
const PRIVATE = privateMembers();

const isClass = (f: unknown): f is new (...a: unknown[]) => unknown => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));

function describeThrown(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message.slice(0, 160)}` : String(e);
}

/** Runs one call; a ChannelError (thrown or rejected) is an answer, anything else is returned as a failure. */
async function answer(run: () => unknown): Promise<string | undefined> {
  try {
    const r = run();
    if (r instanceof Promise) await r;
  } catch (e) {
    if (e instanceof ChannelError) return undefined;
    return describeThrown(e);
  }
  return undefined;
}

/** Every argument list to try: all bad at once, and each position bad with the others from a valid call of `target` (or undefined). */
function argLists(arity: number, target: string | undefined): { label: string; args: () => unknown[] }[] {
  const n = Math.max(arity, 1) + 1;
  const bases = target === undefined ? 0 : (validCalls.get(target) ?? []).length;
  const out: { label: string; args: () => unknown[] }[] = [];
  for (const [name, v] of BAD) {
    out.push({ label: `(${Array(n).fill(name).join(', ')})`, args: () => Array.from({ length: n }, v) });
    for (let p = 0; p < n; p++) {
      for (let b = 0; b < Math.max(bases, 1); b++) {
        out.push({
          label: `argument ${p} ${name}${bases > 0 ? ` (others from valid call ${b})` : ''}`,
          args: () => {
            const base = bases > 0 ? validArgs(target!)[b]! : [];
            const args = Array.from({ length: Math.max(n, base.length) }, (_, i) => base[i]);
            args[p] = v();
            return args;
          },
        });
      }
    }
  }
  return out;
}

interface Subject {
  readonly name: string;
  readonly arity: number;
  /** The corpus target whose valid calls give the other arguments. */
  readonly target?: string;
  readonly call: (args: unknown[]) => unknown;
}

function subjects(): Subject[] {
  const out: Subject[] = [];
  for (const [name, value] of Object.entries(ENTRIES).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (OTHER_MODULES.has(name)) continue;
    if (name === 'decoders') {
      for (const [t, d] of Object.entries(value as Record<string, Fn>)) out.push({ name: `decoders.${t}`, arity: d.length, call: (a) => d(...a) });
      continue;
    }
    if (typeof value !== 'function') continue;
    if (isClass(value)) {
      const cls = value as unknown as new (...a: unknown[]) => unknown;
      // A private constructor is no API: Sender.open, Receiver.accept and restore make parties.
      if (!PRIVATE.get(name)?.has('constructor')) out.push({ name: `new ${name}`, arity: cls.length, target: name, call: (a) => new cls(...a) });
      for (const key of Object.getOwnPropertyNames(cls)) {
        const m = (cls as unknown as Record<string, unknown>)[key];
        if (typeof m !== 'function' || ['length', 'name', 'prototype'].includes(key)) continue;
        out.push({ name: `${name}.${key}`, arity: (m as Fn).length, target: `${name}.${key}`, call: (a) => (m as Fn).apply(cls, a) });
      }
      if (IO_CLASSES.has(name)) continue;
      const proto = cls.prototype as object;
      for (const key of Object.getOwnPropertyNames(proto)) {
        const desc = Object.getOwnPropertyDescriptor(proto, key)!;
        if (key === 'constructor' || typeof desc.value !== 'function' || PRIVATE.get(name)?.has(key)) continue;
        instances(name).forEach((make, i) => {
          out.push({ name: `${name}#${key} (instance ${i})`, arity: (desc.value as Fn).length, call: (a) => (desc.value as Fn).apply(make(), a) });
        });
      }
      continue;
    }
    const f = value as Fn;
    out.push({ name, arity: f.length, target: name, call: (a) => f(...a) });
  }
  return out;
}

describe('only typed errors: every export called with null, undefined, {}, [], 0 and \'\'', function () {
  this.timeout(120_000);
  const all = subjects();

  it('covers the entry: every exported function, class and decoder outside the watchers is called', () => {
    const names = new Set(all.map((s) => s.name.replace(/^new /, '').replace(/[.#].*$/, '')));
    const exported = Object.entries(ENTRIES).filter(([n, v]) => (typeof v === 'function' || n === 'decoders') && !OTHER_MODULES.has(n)).map(([n]) => n);
    expect(exported.filter((n) => !names.has(n))).to.deep.equal([]);
    expect(all.length).to.be.greaterThan(200);
    expect(PRIVATE.get('Receiver')?.has('acceptAgain'), 'private members read from the declarations').to.equal(true);
  });

  for (const s of all) {
    it(s.name, async () => {
      const failures: string[] = [];
      for (const { label, args } of argLists(s.arity, s.target)) {
        const f = await answer(() => s.call(args()));
        if (f !== undefined) failures.push(`${label}: ${f}`);
      }
      expect(failures, `${s.name} threw something other than a ChannelError`).to.deep.equal([]);
    });
  }
});
