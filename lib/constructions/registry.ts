/**
 * The construction registry. A construction (lib/constructions/<name>/)
 * describes itself once, as data and functions, and one call registers
 * everything the generic layers look up: its script templates (the matcher,
 * the PSBT finalizer and inspect find scripts through them), its message
 * schemas (decodeMessage and encodeMessage dispatch on them), its inspector
 * (inspect asks it whether a transaction is its own) and its watch policy.
 * The generic layers never name a construction.
 */
import { fail } from '../core/errors';
import type { WatchPolicy } from '../chain/watch-policy';
import { TxInspector, checkNewInspector, registerInspector } from '../inspect/inspector';
import { messageRegistry } from '../protocol/registry';
import { MessageSchema } from '../protocol/schema';
import { checkNewTemplates, registerTemplates } from '../script/registry';
import { ScriptTemplate } from '../script/templates';

/** What a construction brings to the generic layers. */
export interface Construction {
  /** Its name, the name of its folder: unique among registered constructions. */
  readonly name: string;
  /** Its script templates (defineTemplate), each registered under its own name. */
  readonly templates: readonly ScriptTemplate[];
  /** Its message schemas (defineMessage), each registered under its type. */
  readonly messages: readonly MessageSchema[];
  /** What inspect asks it: whether a transaction is its own, and the kind-specific answers. */
  readonly inspector: TxInspector;
  /**
   * Its watch policies by role (the party whose money they guard), each a
   * class the chain's watcher engine (lib/chain/outpoint-watcher.ts) runs:
   * what a spend of a watched outpoint is, and what to do about it. The
   * construction's watcher classes build them with their settings. The
   * engine is internal to the package for now, so this is too.
   * @internal
   */
  readonly watchPolicies?: Readonly<Record<string, abstract new (...args: never[]) => WatchPolicy<unknown, unknown, unknown>>>;
}

/** Replaced, never changed, on each registration. */
let constructions: readonly Construction[] = Object.freeze([]);

/**
 * Register a construction: its templates, messages and inspector, all or
 * none. Inspect asks constructions in the order registered.
 *
 * @param c - The construction's description.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `c` is not a construction, its name or its inspector's is taken, a message type is registered already, or a kind is another construction's.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT`, `INVALID_SCRIPT`, `TEMPLATE_DUPLICATE` or `TEMPLATE_AMBIGUOUS` if a template is refused as by {@link registerTemplate}.
 *
 * @example
 * ```ts
 * // lib/constructions/spillman/index.ts, after describing SPILLMAN; the folder's line in lib/constructions/index.ts loads it
 * registerConstruction(SPILLMAN);
 * ```
 */
export function registerConstruction(c: Construction): void {
  if (c === null || typeof c !== 'object' || typeof c.name !== 'string' || c.name === ''
    || !Array.isArray(c.templates) || !Array.isArray(c.messages)) {
    fail('INVALID_ARGUMENT', 'not a construction: {name, templates, messages, inspector, watchPolicies?}');
  }
  if (constructionByName(c.name) !== undefined) fail('INVALID_ARGUMENT', `a construction named ${c.name} is registered`, { name: c.name });
  // Everything is checked before anything is registered, so a refusal leaves every registry as it was.
  checkNewInspector(c.inspector);
  messageRegistry.check(c.messages);
  checkNewTemplates(c.templates);
  registerTemplates(c.templates);
  messageRegistry.register(c.messages);
  registerInspector(c.inspector);
  constructions = Object.freeze([...constructions, c]);
}

/**
 * Every registered construction, in registration order.
 *
 * @returns A frozen list, as it stands now.
 */
export function registeredConstructions(): readonly Construction[] {
  return constructions;
}

/**
 * A registered construction by name.
 *
 * @param name - Its name.
 * @returns The construction, or undefined if none has that name.
 */
export function constructionByName(name: string): Construction | undefined {
  return constructions.find((c) => c.name === name);
}
