/**
 * Writes fixtures/decreasing/psbts.json. test/decreasing-psbt.spec.ts
 * compares the committed file with what the same code builds: run this only
 * for an intended change, and review the diff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDecreasingFixtures, serializeDecreasingFixtures } from './fixtures';

/** The repository's fixtures/decreasing/psbts.json, seen from the compiled dist/test/constructions/decreasing. */
export const DECREASING_PSBT_FIXTURE = join(__dirname, '..', '..', '..', '..', 'fixtures', 'decreasing', 'psbts.json');

if (require.main === module) {
  writeFileSync(DECREASING_PSBT_FIXTURE, serializeDecreasingFixtures(buildDecreasingFixtures()));
  console.log(`wrote ${DECREASING_PSBT_FIXTURE}`);
}
