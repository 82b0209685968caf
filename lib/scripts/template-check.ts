/** The shape check of a template a caller hands in (the package's own templates pass it by construction). */
import { fail } from '../errors';
import { ScriptTemplate } from './templates';

const isRecord = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A template a caller hands in: the fields the compiler and the witness assembler read, of the right kinds. */
export function checkTemplate(t: ScriptTemplate): ScriptTemplate {
  if (!isRecord(t) || typeof t.name !== 'string' || typeof t.asm !== 'string' || !isRecord(t.params) || !isRecord(t.branches)
    || !Number.isSafeInteger(t.maxLength) || (t.sorted !== undefined && (!isRecord(t.sorted) || !Array.isArray(t.sorted.from) || !Array.isArray(t.sorted.into)))) {
    fail('TEMPLATE_ARGUMENT', 'not a script template: {name, asm, params, branches, maxLength}');
  }
  return t;
}
