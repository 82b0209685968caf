/**
 * Writes fixtures/spillman/<name>.json for every case in fixtures.ts and
 * removes files of cases that no longer exist. test/spillman-psbt.spec.ts
 * compares the committed files with what the same code builds: run this only
 * for an intended change, and review the diff.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPILLMAN_FIXTURE_CASES, buildSpillmanCase, serializeSpillmanCase } from './fixtures';

/** The repository's fixtures/spillman, seen from the compiled dist/test/constructions/spillman. */
export const SPILLMAN_FIXTURE_DIR = join(__dirname, '..', '..', '..', '..', 'fixtures', 'spillman');

if (require.main === module) {
  mkdirSync(SPILLMAN_FIXTURE_DIR, { recursive: true });
  const names = new Set(SPILLMAN_FIXTURE_CASES.map((c) => `${c.name}.json`));
  for (const f of readdirSync(SPILLMAN_FIXTURE_DIR)) {
    if (f.endsWith('.json') && !names.has(f)) unlinkSync(join(SPILLMAN_FIXTURE_DIR, f));
  }
  let unchanged = 0;
  for (const c of SPILLMAN_FIXTURE_CASES) {
    const file = join(SPILLMAN_FIXTURE_DIR, `${c.name}.json`);
    const text = serializeSpillmanCase(buildSpillmanCase(c.name, c.parameters));
    const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (before === text) {
      unchanged++;
      continue;
    }
    writeFileSync(file, text);
    console.log(`${before === undefined ? 'created' : 'updated'}  ${c.name}.json`);
  }
  console.log(`${SPILLMAN_FIXTURE_CASES.length} Spillman PSBT fixtures, ${unchanged} unchanged`);
}
