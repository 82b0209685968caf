/**
 * The shape of a bad-input corpus file and how the generator writes it: one
 * file per target group, baselines first, then one case per line so that a
 * regenerated corpus diffs line by line.
 */
import { ErrorCode } from '../../../lib';
import { Ref, Tagged, encode } from '../../support/bad-inputs-codec';

export interface CaseSpec {
  readonly name: string;
  readonly target: string;
  /** The arguments, in order. */
  readonly input: readonly unknown[];
  readonly expect: ErrorCode;
  /** Party targets: the name of the party the method is called on. */
  readonly party?: string;
  /** A known defect in a module this corpus does not own: the spec runs the case as pending, with this reason. */
  readonly pending?: string;
  /** What the error's details must hold besides its code (FUNDING_MISMATCH: the field that differs). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ValidSpec {
  readonly name: string;
  readonly target: string;
  readonly input: readonly unknown[];
  readonly party?: string;
}

export interface PartySpec {
  readonly role: 'sender' | 'receiver' | 'revocation-store';
  /** toJSON() of the party. */
  readonly state: unknown;
  readonly secrets: unknown;
  /** A valid call that must still succeed after every refused one. */
  readonly next: { readonly call: string; readonly input: readonly unknown[] };
}

export interface FileSpec {
  readonly file: string;
  readonly description: string;
  readonly baselines?: Readonly<Record<string, unknown>>;
  readonly parties?: Readonly<Record<string, PartySpec>>;
  /** Calls that must succeed: the baselines the cases change one thing of. */
  readonly valid: readonly ValidSpec[];
  readonly cases: readonly CaseSpec[];
}

/** Names of baselines a tagged value refers to. */
function refsIn(t: Tagged, out: Set<string>): void {
  if (t === null || typeof t !== 'object') return;
  if (Array.isArray(t)) {
    for (const x of t) refsIn(x, out);
    return;
  }
  if (typeof t.$ref === 'string') out.add(t.$ref);
  for (const v of Object.values(t)) refsIn(v, out);
}

/** Names of the parties ({"$party"}) passed as arguments. */
function partyRefsIn(t: Tagged, out: Set<string>): void {
  if (t === null || typeof t !== 'object') return;
  if (Array.isArray(t)) {
    for (const x of t) partyRefsIn(x, out);
    return;
  }
  if (typeof t.$party === 'string') out.add(t.$party);
  for (const v of Object.values(t)) partyRefsIn(v, out);
}

function line(v: unknown): string {
  return JSON.stringify(v);
}

/**
 * Serialize a file. Only the baselines the file refers to (directly or through
 * other baselines) are written, so every file stands alone.
 */
export function renderFile(spec: FileSpec): string {
  const valid = spec.valid.map((v) => ({ name: v.name, target: v.target, ...(v.party ? { party: v.party } : {}), input: encode(v.input) }));
  const cases = spec.cases.map((c) => ({
    name: c.name, target: c.target, ...(c.party ? { party: c.party } : {}), input: encode(c.input), expect: c.expect,
    ...(c.details ? { details: encode(c.details) } : {}), ...(c.pending ? { pending: c.pending } : {}),
  }));
  const parties: Record<string, Tagged> = {};
  for (const [name, p] of Object.entries(spec.parties ?? {})) {
    parties[name] = encode({ role: p.role, secrets: p.secrets, state: p.state, next: p.next }) as Tagged;
  }
  const partyNames = new Set<string>();
  for (const t of [...valid.map((v) => v.input), ...cases.map((c) => c.input)]) partyRefsIn(t, partyNames);
  for (const n of partyNames) if (!(n in parties)) throw new Error(`${spec.file}: an argument names party ${n}, which the file does not hold`);
  const all = spec.baselines ?? {};
  const needed = new Set<string>();
  const pending: Tagged[] = [...valid.map((v) => v.input), ...cases.map((c) => c.input), ...Object.values(parties)];
  for (const t of pending) refsIn(t, needed);
  // Baselines may refer to one another: close over them.
  for (let grew = true; grew;) {
    grew = false;
    for (const n of [...needed]) {
      if (!(n in all)) throw new Error(`${spec.file}: unknown baseline ${n}`);
      const before = needed.size;
      refsIn(encode(all[n]), needed);
      if (needed.size > before) grew = true;
    }
  }
  const baselines: Record<string, Tagged> = {};
  for (const n of [...needed].sort()) baselines[n] = encode(all[n]);

  const out: string[] = ['{'];
  out.push(`  "description": ${line(spec.description)},`);
  out.push('  "generator": "test/kit/corpus/generate-bad-inputs.ts",');
  out.push(`  "count": ${cases.length},`);
  const block = (key: string, obj: Record<string, Tagged>, last = false) => {
    const names = Object.keys(obj);
    if (names.length === 0) {
      out.push(`  ${line(key)}: {}${last ? '' : ','}`);
      return;
    }
    out.push(`  ${line(key)}: {`);
    names.forEach((n, i) => out.push(`    ${line(n)}: ${line(obj[n])}${i < names.length - 1 ? ',' : ''}`));
    out.push(`  }${last ? '' : ','}`);
  };
  block('baselines', baselines);
  block('parties', parties);
  const list = (key: string, items: unknown[], last = false) => {
    out.push(`  ${line(key)}: [`);
    items.forEach((it, i) => out.push(`    ${line(it)}${i < items.length - 1 ? ',' : ''}`));
    out.push(`  ]${last ? '' : ','}`);
  };
  list('valid', valid);
  list('cases', cases, true);
  out.push('}');
  return out.join('\n') + '\n';
}

export { Ref };
