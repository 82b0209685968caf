/**
 * Script templates are data (scripts-templates/*.json). This module loads them
 * and describes their shape; lib/scripts/compile.ts turns one into bytes.
 */
import fundingJson from '../../scripts-templates/funding.json';
import revocableCltvJson from '../../scripts-templates/revocable-cltv.json';
import revocableCsvJson from '../../scripts-templates/revocable-csv.json';

export type ParamKind = 'pubkey' | 'absolute_locktime' | 'relative_locktime';

export interface TemplateBranch {
  readonly description: string;
  /** Witness items below the script, bottom first: '' is an empty push, '<sig X>' a signature by key X. */
  readonly witness: readonly string[];
  readonly locks: string;
}

export interface ScriptTemplate {
  readonly name: string;
  readonly description: string;
  readonly descriptor: string;
  readonly miniscript: string;
  readonly asm: string;
  readonly params: Readonly<Record<string, ParamKind>>;
  /** Parameters whose values are sorted (lexicographically) before substitution, as sortedmulti does. */
  readonly sorted?: { readonly from: readonly string[]; readonly into: readonly string[] };
  readonly branches: Readonly<Record<string, TemplateBranch>>;
  readonly maxLength: number;
}

export const FUNDING_TEMPLATE = fundingJson as ScriptTemplate;
export const REVOCABLE_CLTV_TEMPLATE = revocableCltvJson as ScriptTemplate;
export const REVOCABLE_CSV_TEMPLATE = revocableCsvJson as ScriptTemplate;

export const TEMPLATES: readonly ScriptTemplate[] = [FUNDING_TEMPLATE, REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE];
