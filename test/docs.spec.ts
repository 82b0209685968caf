/**
 * The API reference builds as `npm run docs` builds it (typedoc.json: every
 * export documented, every link resolving, warnings fatal), and what it says
 * of errors is true of the package: every code a `@throws` names is one the
 * package has, so the reference cannot promise a code that no longer exists.
 * TypeDoc runs once, writing its JSON model to a temporary file instead of
 * the HTML site.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { ERROR_ACTIONS } from '../lib';

const ROOT = path.join(__dirname, '..', '..');
// The package's own bin, as npm run docs runs it (its exports map names package.json, not the bin).
const TYPEDOC = path.join(path.dirname(require.resolve('typedoc/package.json', { paths: [ROOT] })), 'bin', 'typedoc');

/** The parts of TypeDoc's JSON model read here. */
interface Part {
  readonly kind?: string;
  readonly text?: string;
  readonly tag?: string;
}
interface Comment {
  readonly summary?: readonly Part[];
  readonly blockTags?: readonly { readonly tag: string; readonly content: readonly Part[] }[];
}
interface SomeType {
  readonly type?: string;
  readonly value?: unknown;
  readonly types?: readonly SomeType[];
  readonly declaration?: Reflection;
}
interface Reflection {
  readonly name: string;
  readonly variant?: string;
  readonly kind?: number;
  readonly comment?: Comment;
  readonly children?: readonly Reflection[];
  readonly signatures?: readonly Reflection[];
  readonly getSignature?: Reflection;
  readonly setSignature?: Reflection;
  readonly indexSignatures?: readonly Reflection[];
  readonly parameters?: readonly Reflection[];
  readonly type?: SomeType;
  readonly inheritedFrom?: unknown;
}

/** Every reflection under `r`, with the path of names that leads to it. */
function* walk(r: Reflection, at: string): Generator<{ r: Reflection; at: string }> {
  yield { r, at };
  const below: Reflection[] = [
    ...(r.children ?? []), ...(r.signatures ?? []), ...(r.indexSignatures ?? []),
    ...(r.getSignature ? [r.getSignature] : []), ...(r.setSignature ? [r.setSignature] : []),
    ...(r.parameters ?? []),
  ];
  for (const b of below) yield* walk(b, `${at}.${b.name}`);
  yield* walkType(r.type, at);
}

function* walkType(t: SomeType | undefined, at: string): Generator<{ r: Reflection; at: string }> {
  if (t === undefined) return;
  if (t.declaration) yield* walk(t.declaration, at);
  for (const u of t.types ?? []) yield* walkType(u, at);
}

function text(parts: readonly Part[] | undefined): string {
  return (parts ?? []).map((p) => p.text ?? '').join('');
}

/** The string literals of a union type alias (ErrorCode). */
function literals(t: SomeType | undefined): string[] {
  if (t === undefined) return [];
  if (t.type === 'literal' && typeof t.value === 'string') return [t.value];
  return (t.types ?? []).flatMap(literals);
}

describe('API reference (npm run docs)', function () {
  this.timeout(180_000);
  let dir: string;
  let run: ReturnType<typeof spawnSync>;
  let model: Reflection;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'revchan-docs-'));
    const json = path.join(dir, 'api.json');
    // The configuration npm run docs uses (typedoc.json), with the JSON model as the only output.
    run = spawnSync(process.execPath, [TYPEDOC, '--json', json], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    if (fs.existsSync(json)) model = JSON.parse(fs.readFileSync(json, 'utf8')) as Reflection;
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds with no warning and no error (every export documented, every link resolved)', function () {
    const out = `${run.stdout}\n${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
    const problems = out.split('\n').filter((l) => /\[(warning|error)\]/i.test(l));
    expect(problems, problems.join('\n')).to.deep.equal([]);
    expect(run.status, out).to.equal(0);
    expect(model, 'the JSON model was written').to.be.an('object');
  });

  it('documents both entries, revchan and revchan/node', function () {
    const modules = (model.children ?? []).map((c) => c.name).sort();
    expect(modules).to.deep.equal(['revchan', 'revchan/node']);
    const node = model.children!.find((c) => c.name === 'revchan/node')!;
    expect((node.children ?? []).map((c) => c.name)).to.include.members(['CoreRpcBackend', 'FileChannelStore', 'loadNativeEcc', 'PostgresChannelStore', 'WatchLeases', 'SqlClient']);
  });

  it('names in @throws only codes the package has, each with its ChannelError', function () {
    const main = model.children!.find((c) => c.name === 'revchan')!;
    const errorCode = (main.children ?? []).find((c) => c.name === 'ErrorCode');
    const known = new Set(literals(errorCode?.type));
    // The documented union is the package's list: the codes ChannelError.action has an answer for.
    expect([...known].sort()).to.deep.equal(Object.keys(ERROR_ACTIONS).sort());
    const unknown: string[] = [];
    const bare: string[] = [];
    let tags = 0;
    for (const { r, at } of walk(model, '')) {
      for (const t of r.comment?.blockTags ?? []) {
        if (t.tag !== '@throws') continue;
        tags++;
        const body = text(t.content);
        const codes = [...body.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);
        const linksError = t.content.some((p) => p.kind === 'inline-tag' && p.tag === '@link' && /ChannelError$/.test(p.text ?? ''));
        if (codes.length === 0 || !linksError) bare.push(`${at}: ${body}`);
        for (const c of codes) if (!known.has(c)) unknown.push(`${at}: ${c}`);
      }
    }
    expect(tags, '@throws tags found').to.be.greaterThan(100);
    expect(unknown, 'codes not in ErrorCode').to.deep.equal([]);
    expect(bare, '@throws without {@link ChannelError} and a code').to.deep.equal([]);
  });

  it('describes every parameter of every function, method and constructor', function () {
    const undocumented: string[] = [];
    for (const { r, at } of walk(model, '')) {
      if (r.variant !== 'signature' || r.inheritedFrom !== undefined) continue;
      // A signature inside a type (a callback's type) is described by the property that holds it.
      if (/__type/.test(at) || r.name === '__type') continue;
      for (const p of r.parameters ?? []) {
        if (text(p.comment?.summary).trim() === '') undocumented.push(`${at}(${p.name})`);
      }
    }
    expect(undocumented).to.deep.equal([]);
  });
});
