/**
 * Writes the bad-input corpus, fixtures/bad-inputs/*.json, from fixed valid
 * baselines (a deterministic channel run, fixed test keys) and mutations of
 * them. The output is deterministic: running it again gives the same bytes.
 *
 *   npx tsc -p tsconfig.json && node dist/test/kit/corpus/generate-bad-inputs.js          write the files
 *   npx tsc -p tsconfig.json && node dist/test/kit/corpus/generate-bad-inputs.js --check  exit 1 if they are stale
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { FileSpec, renderFile } from './format';
import { BUILDER_BASELINES, Collector, transactionBuilderCases } from './builders';
import { CHECK_BASELINES, checkCases } from './checks';
import { ANCHOR_CHILD_BASELINES, anchorChildCases } from './anchor-child';
import { CPFP_BASELINES, cpfpCases } from './cpfp';
import { chainFiles } from './chain';
import { constructionCorpora } from './constructions';
import { messageFiles } from './messages';
import { partyFiles } from './parties';
import { psbtFiles } from './psbt';

function builderFiles(): FileSpec[] {
  const col = new Collector();
  transactionBuilderCases(col);
  cpfpCases(col);
  anchorChildCases(col);
  checkCases(col);
  return col.files('builders', (t) => `${t}: bad arguments refused with a typed code, the arguments left as they were`, { ...BUILDER_BASELINES, ...CPFP_BASELINES, ...ANCHOR_CHILD_BASELINES, ...CHECK_BASELINES });
}

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const OUT = path.join(ROOT, 'fixtures', 'bad-inputs');

function allFiles(): FileSpec[] {
  const files = [
    ...messageFiles(), ...builderFiles(), ...psbtFiles(), ...partyFiles(), ...chainFiles(),
    ...constructionCorpora().flatMap((c) => c.files?.() ?? []),
  ];
  const names = new Set<string>();
  for (const f of files) {
    if (names.has(f.file)) throw new Error(`two specs write ${f.file}`);
    names.add(f.file);
  }
  return files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function main(): void {
  const check = process.argv.includes('--check');
  const files = allFiles();
  const rendered = new Map(files.map((f) => [f.file, renderFile(f)]));
  const existing = existsSync(OUT) ? readdirSync(OUT).filter((n) => n.endsWith('.json')) : [];
  const stale = existing.filter((n) => !rendered.has(n));
  const changed = [...rendered].filter(([n, text]) => !existsSync(path.join(OUT, n)) || readFileSync(path.join(OUT, n), 'utf8') !== text).map(([n]) => n);

  const perTarget = new Map<string, number>();
  for (const f of files) for (const c of f.cases) perTarget.set(c.target, (perTarget.get(c.target) ?? 0) + 1);
  const total = files.reduce((s, f) => s + f.cases.length, 0);

  if (check) {
    if (stale.length + changed.length > 0) {
      console.error(`fixtures/bad-inputs is stale: ${[...changed, ...stale.map((s) => `${s} (not generated)`)].join(', ')}`);
      process.exit(1);
    }
    console.log(`fixtures/bad-inputs is up to date: ${files.length} files, ${total} cases`);
    return;
  }
  mkdirSync(OUT, { recursive: true });
  for (const n of stale) unlinkSync(path.join(OUT, n));
  for (const [n, text] of rendered) writeFileSync(path.join(OUT, n), text);
  for (const [t, n] of [...perTarget].sort()) console.log(`${String(n).padStart(6)}  ${t}`);
  console.log(`${files.length} files, ${total} cases (${changed.length} files written, ${stale.length} removed)`);
}

main();
