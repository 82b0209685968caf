/**
 * `npm run fixtures`: writes fixtures/psbt/<name>.json for every case in
 * test/support/psbt-fixture-params.ts and fixtures/htlc/<name>.json for every
 * HTLC case (test/support/htlc-fixtures.ts), and removes files of cases that no
 * longer exist. test/psbt-fixtures.spec.ts compares the committed files with
 * what the same code builds, so run this only for an intended change, and
 * review the diff.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCase, serializeCase } from '../test/support/psbt-cases';
import { FIXTURE_CASES } from '../test/support/psbt-fixture-params';
import { FIXTURE_DIR } from '../test/support/psbt-fixture-files';
import { HTLC_FIXTURE_DIR, buildHtlcFixtures, serializeHtlcFixture } from '../test/support/htlc-fixtures';

mkdirSync(FIXTURE_DIR, { recursive: true });
const names = new Set(FIXTURE_CASES.map((c) => `${c.name}.json`));
for (const f of readdirSync(FIXTURE_DIR)) {
  if (f.endsWith('.json') && !names.has(f)) {
    unlinkSync(join(FIXTURE_DIR, f));
    console.log(`removed  ${f}`);
  }
}
let unchanged = 0;
for (const c of FIXTURE_CASES) {
  const file = join(FIXTURE_DIR, `${c.name}.json`);
  const text = serializeCase(buildCase(c.name, c.parameters));
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (before === text) {
    unchanged++;
    continue;
  }
  writeFileSync(file, text);
  console.log(`${before === undefined ? 'created' : 'updated'}  ${c.name}.json`);
}
console.log(`${FIXTURE_CASES.length} PSBT fixtures in fixtures/psbt/, ${unchanged} unchanged`);

mkdirSync(HTLC_FIXTURE_DIR, { recursive: true });
const htlcCases = buildHtlcFixtures();
for (const f of readdirSync(HTLC_FIXTURE_DIR)) {
  if (f.endsWith('.json') && !(f.slice(0, -5) in htlcCases)) {
    unlinkSync(join(HTLC_FIXTURE_DIR, f));
    console.log(`removed  htlc/${f}`);
  }
}
let htlcUnchanged = 0;
for (const [name, c] of Object.entries(htlcCases)) {
  const file = join(HTLC_FIXTURE_DIR, `${name}.json`);
  const text = serializeHtlcFixture(c);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (before === text) {
    htlcUnchanged++;
    continue;
  }
  writeFileSync(file, text);
  console.log(`${before === undefined ? 'created' : 'updated'}  htlc/${name}.json`);
}
console.log(`${Object.keys(htlcCases).length} HTLC fixtures in fixtures/htlc/, ${htlcUnchanged} unchanged`);
