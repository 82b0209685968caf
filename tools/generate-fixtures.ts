/**
 * `npm run fixtures`: writes fixtures/psbt/<name>.json for every case in
 * test/support/psbt-fixture-params.ts and removes files of cases that no
 * longer exist. The regression test compares the committed files with what
 * the same code builds, so run this only when a change is intended.
 */
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_CASES } from '../test/support/psbt-fixture-params';
import { buildCase, serializeCase } from '../test/support/psbt-cases';

const dir = join(__dirname, '..', '..', 'fixtures', 'psbt');
mkdirSync(dir, { recursive: true });
const names = new Set(FIXTURE_CASES.map((c) => `${c.name}.json`));
for (const f of readdirSync(dir)) {
  if (f.endsWith('.json') && !names.has(f)) {
    unlinkSync(join(dir, f));
    console.log(`removed ${f}`);
  }
}
for (const c of FIXTURE_CASES) {
  const file = join(dir, `${c.name}.json`);
  writeFileSync(file, serializeCase(buildCase(c.name, c.parameters)));
}
console.log(`wrote ${FIXTURE_CASES.length} fixtures to fixtures/psbt/`);
