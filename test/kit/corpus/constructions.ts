/**
 * A construction's own bad-input cases, kept beside its tests: a test folder
 * test/constructions/<name>/ with a corpus.ts exporting CORPUS adds its
 * targets, its reasons for exports without cases, and its corpus files to
 * the generator and to test/bad-inputs.spec.ts, with no edit of the shared
 * kit. The revocable construction's cases predate this and are the kit's own
 * (builders.ts, psbt.ts, parties.ts and the rest).
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Target } from '../../support/bad-inputs-targets';
import type { FileSpec } from './format';

export interface ConstructionCorpus {
  /** Targets by the name its files use. */
  readonly targets?: ReadonlyMap<string, Target>;
  /** Its exports that have no cases, each with the reason. */
  readonly notTargets?: Readonly<Record<string, string>>;
  /** Its corpus files (fixtures/bad-inputs/<file>). */
  readonly files?: () => FileSpec[];
}

const DIR = path.resolve(__dirname, '..', '..', 'constructions');

/** Every construction test folder's CORPUS, in folder order. */
export function constructionCorpora(): ConstructionCorpus[] {
  if (!existsSync(DIR)) return [];
  return readdirSync(DIR).sort()
    .map((name) => path.join(DIR, name, 'corpus.js'))
    .filter((file) => existsSync(file))
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .map((file) => (require(file) as { CORPUS: ConstructionCorpus }).CORPUS);
}
