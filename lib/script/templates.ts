/**
 * Script templates are data (scripts-templates/<construction>/*.json; the
 * grammar is in scripts-templates/README.md). This module describes their
 * shape and registers the core's own templates, the funding 2-of-2 and the
 * anchor that constructions with pre-signed 2-of-2 spends share; each
 * construction defines its own (defineTemplate, registry.ts) and
 * registerConstruction registers them.
 */
import anchorJson from '../../scripts-templates/core/anchor.json';
import fundingJson from '../../scripts-templates/core/funding.json';
import { registerTemplate } from './registry';

/**
 * What a template parameter takes: a public key (33 bytes, compressed), a
 * CLTV lock (`{height}` or `{time}`), a CSV delay (`{blocks}`), or a 32-byte
 * SHA-256 hash whose preimage a branch reveals.
 */
export type ParamKind = 'pubkey' | 'absolute_locktime' | 'relative_locktime' | 'sha256';

/**
 * The transaction fields a branch needs, each naming the parameter it must
 * reach; `{}` for a branch that can be taken at any time.
 */
export interface BranchLocks {
  /**
   * An `absolute_locktime` parameter: the transaction's nLockTime at least its
   * value, of the same kind (height or time), and the input's nSequence not final.
   */
  readonly nLockTime?: string;
  /**
   * A `relative_locktime` parameter: transaction version 2 and the input's
   * nSequence a block delay of at least its value.
   */
  readonly nSequence?: string;
}

/** One way to spend a template's script. */
export interface TemplateBranch {
  /** What taking it means. */
  readonly description: string;
  /**
   * Witness items below the script, bottom first: `''` an empty push,
   * `<sig X>` a signature by key X, `<preimage H>` the 32-byte preimage of
   * the sha256 parameter H, lowercase hex a constant push (`01` takes an OP_IF).
   */
  readonly witness: readonly string[];
  /** The locks it needs, as data ({@link describeLocks} puts them in words). */
  readonly locks: BranchLocks;
}

/** A script template as data: its ASM with named placeholders, the miniscript and descriptor it equals, its parameters and branches. */
export interface ScriptTemplate {
  /** Its name, such as `revocable-csv`; unique in the registry. */
  readonly name: string;
  /** What the script is for. */
  readonly description: string;
  /** The output descriptor, with `@name` for each parameter. */
  readonly descriptor: string;
  /** The miniscript the script equals, with the parameters' names. */
  readonly miniscript: string;
  /**
   * The script in ASM: opcodes (`OP_CHECKSIG`), `<name>` for each placeholder
   * and literal numbers in decimal (`32`), separated by single spaces; numbers
   * and locks compile to minimal pushes.
   */
  readonly asm: string;
  /** Each parameter's kind, by name. */
  readonly params: Readonly<Record<string, ParamKind>>;
  /** Parameters whose values are sorted (lexicographically) before substitution, as sortedmulti does. */
  readonly sorted?: {
    /** The parameters given. */
    readonly from: readonly string[];
    /** The placeholders their sorted values fill, in order. */
    readonly into: readonly string[];
  };
  /** The ways to spend it, by name. */
  readonly branches: Readonly<Record<string, TemplateBranch>>;
  /** The longest script it compiles to, in bytes (the registry checks it is exactly that); the compiler refuses anything longer. */
  readonly maxLength: number;
}

/** The funding output, `sortedmulti(2, S_f, R_f)`: the one template every construction shares. */
export const FUNDING_TEMPLATE: ScriptTemplate = registerTemplate(fundingJson as ScriptTemplate);

/** `or_d(pk(K_f),older(D))`: an anchor, its party at once (bump), anyone after D blocks (sweep); lib/tx/anchor.ts writes it. */
export const ANCHOR_TEMPLATE: ScriptTemplate = registerTemplate(anchorJson as ScriptTemplate);
