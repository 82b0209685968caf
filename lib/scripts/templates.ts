/**
 * Script templates are data (scripts-templates/<construction>/*.json; the
 * grammar is in scripts-templates/README.md). This module describes their
 * shape and registers the core's own template, the funding 2-of-2; each
 * construction registers its own templates (lib/scripts/registry.ts).
 */
import fundingJson from '../../scripts-templates/core/funding.json';
import { registerTemplate } from './registry';

/**
 * What a placeholder stands for: a 33-byte compressed key, a CLTV lock
 * (`{height}` or `{time}`), a CSV lock (`{blocks}`), or a 32-byte SHA-256
 * hash whose preimage a branch reveals.
 */
export type ParamKind = 'pubkey' | 'absolute_locktime' | 'relative_locktime' | 'sha256';

/**
 * The transaction fields a branch needs, each naming the parameter it must
 * reach: `nLockTime` an `absolute_locktime` (the transaction's nLockTime at
 * least that value, of the same kind, height or time, and the input's
 * nSequence not final); `nSequence` a `relative_locktime` (transaction
 * version 2 and the input's nSequence a block delay of at least that value).
 * `{}` for a branch that can be taken at any time.
 */
export interface BranchLocks {
  readonly nLockTime?: string;
  readonly nSequence?: string;
}

export interface TemplateBranch {
  readonly description: string;
  /**
   * Witness items below the script, bottom first: `''` an empty push,
   * `<sig X>` a signature by key X, `<preimage H>` the 32-byte preimage of
   * the sha256 parameter H, lowercase hex a constant push (`01` takes an OP_IF).
   */
  readonly witness: readonly string[];
  readonly locks: BranchLocks;
}

export interface ScriptTemplate {
  readonly name: string;
  readonly description: string;
  readonly descriptor: string;
  readonly miniscript: string;
  /**
   * Opcodes (`OP_CHECKSIG`), placeholders (`<S_p>`) and literal numbers in
   * decimal (`32`), separated by single spaces; numbers and locks compile to
   * minimal pushes.
   */
  readonly asm: string;
  readonly params: Readonly<Record<string, ParamKind>>;
  /** Parameters whose values are sorted (lexicographically) before substitution, as sortedmulti does. */
  readonly sorted?: { readonly from: readonly string[]; readonly into: readonly string[] };
  readonly branches: Readonly<Record<string, TemplateBranch>>;
  /** The longest script the template compiles to, in bytes; the compiler refuses anything longer. */
  readonly maxLength: number;
}

/** The funding output, 2-of-2 over sorted keys: the one template every construction shares. */
export const FUNDING_TEMPLATE: ScriptTemplate = registerTemplate(fundingJson as ScriptTemplate);
