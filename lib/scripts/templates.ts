/**
 * Script templates are data (scripts-templates/*.json). This module loads them
 * and describes their shape; lib/scripts/compile.ts turns one into bytes.
 */
import fundingJson from '../../scripts-templates/funding.json';
import revocableCltvJson from '../../scripts-templates/revocable-cltv.json';
import revocableCsvJson from '../../scripts-templates/revocable-csv.json';

/** What a template parameter takes: a public key, a CLTV lock or a CSV delay. */
export type ParamKind = 'pubkey' | 'absolute_locktime' | 'relative_locktime';

/** One way to spend a template's script. */
export interface TemplateBranch {
  /** What taking it means. */
  readonly description: string;
  /** Witness items below the script, bottom first: '' is an empty push, '<sig X>' a signature by key X. */
  readonly witness: readonly string[];
  /** The timelocks it needs, in words. */
  readonly locks: string;
}

/** A script template as data: its ASM with named placeholders, the miniscript and descriptor it equals, its parameters and branches. */
export interface ScriptTemplate {
  /** Its name, such as `revocable-csv`. */
  readonly name: string;
  /** What the script is for. */
  readonly description: string;
  /** The output descriptor, with `@name` for each parameter. */
  readonly descriptor: string;
  /** The miniscript the script equals, with the parameters' names. */
  readonly miniscript: string;
  /** The script in ASM, with `<name>` for each parameter. */
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
  /** The longest script it may compile to, in bytes. */
  readonly maxLength: number;
}

/** The funding output: `sortedmulti(2, S_f, R_f)`. */
export const FUNDING_TEMPLATE = fundingJson as ScriptTemplate;
/** The sender's revocable output, CLTV variant: the receiver with R_r and K_i, or the sender after T. */
export const REVOCABLE_CLTV_TEMPLATE = revocableCltvJson as ScriptTemplate;
/** The sender's revocable output, CSV variant: the receiver with R_r and K_i, or the sender D blocks after confirmation. */
export const REVOCABLE_CSV_TEMPLATE = revocableCsvJson as ScriptTemplate;

/** Every template of the package, as {@link matchTemplate} tries them. */
export const TEMPLATES: readonly ScriptTemplate[] = [FUNDING_TEMPLATE, REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE];
