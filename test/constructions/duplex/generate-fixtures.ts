/**
 * Writes fixtures/duplex/psbts.json. test/duplex-psbt.spec.ts compares the
 * committed file with what the same code builds: run this only for an
 * intended change, and review the diff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDuplexFixtures, serializeDuplexFixtures } from './fixtures';

/** The repository's fixtures/duplex/psbts.json, seen from the compiled dist/test/constructions/duplex. */
export const DUPLEX_PSBT_FIXTURE = join(__dirname, '..', '..', '..', '..', 'fixtures', 'duplex', 'psbts.json');

if (require.main === module) {
  writeFileSync(DUPLEX_PSBT_FIXTURE, serializeDuplexFixtures(buildDuplexFixtures()));
  console.log(`wrote ${DUPLEX_PSBT_FIXTURE}`);
}
