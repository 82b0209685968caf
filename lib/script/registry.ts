/**
 * The template registry: every script template the loaded code knows, the
 * list matchTemplate (and through it the PSBT finalizer and inspect) tries.
 * The core registers the funding template (templates.ts); a construction
 * defines its own with defineTemplate and registerConstruction registers
 * them (lib/constructions/registry.ts).
 *
 * A template is refused if it could match a script that a registered one
 * also matches, so no answer of the matcher depends on registration order.
 * Two templates can match the same script exactly when their ASM has as
 * many tokens and at each position the same opcode or number, or a
 * placeholder that can push it, or two placeholders whose kinds share a
 * push (keys with keys, hashes with hashes, any lock with any lock).
 */
import { fail } from '../core/errors';
import { ScriptChunk, chunkValue, kindsOverlap, maxPushLength, pushNumber, scriptChunks } from './chunks';
import { TemplateToken, parseTemplate, sealTemplate } from './template-check';
import type { ScriptTemplate } from './templates';

/** Replaced, never changed, on each registration: callers may keep the list they were given. */
let registered: readonly ScriptTemplate[] = Object.freeze([]);

/** The single chunk a literal token compiles to. */
function literalChunk(tok: Extract<TemplateToken, { type: 'op' | 'number' }>): ScriptChunk {
  const out: number[] = [];
  if (tok.type === 'op') out.push(tok.op);
  else pushNumber(tok.value, out);
  return scriptChunks(Uint8Array.from(out))![0]!;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function tokensOverlap(a: TemplateToken, b: TemplateToken): boolean {
  if (a.type === 'param' && b.type === 'param') return kindsOverlap(a.kind, b.kind);
  if (a.type === 'param') return chunkValue(a.kind, literalChunk(b as Exclude<TemplateToken, { type: 'param' }>)) !== undefined;
  if (b.type === 'param') return tokensOverlap(b, a);
  return sameBytes(literalChunk(a).raw, literalChunk(b).raw);
}

/** Whether some script could match both templates (repeated placeholders aside, which only narrow a template). */
function templatesOverlap(a: ScriptTemplate, b: ScriptTemplate): boolean {
  const ta = parseTemplate(a).tokens;
  const tb = parseTemplate(b).tokens;
  return ta.length === tb.length && ta.every((tok, i) => tokensOverlap(tok, tb[i]!));
}

/** The longest script a template compiles to: every lock at the top of its range. */
function longestScript(t: ScriptTemplate): number {
  return parseTemplate(t).tokens.reduce((n, tok) => n + (tok.type === 'param' ? maxPushLength(tok.kind) : literalChunk(tok).raw.length), 0);
}

/** Templates defineTemplate made: checked, sealed, and registered as they are. */
const defined = new WeakSet<ScriptTemplate>();

/**
 * A template checked and sealed but not registered: what a construction
 * declares, so its code holds the very object registerConstruction later
 * registers (compare templates by this object).
 *
 * @param t - The template as data (scripts-templates/README.md).
 * @returns The sealed template (frozen); the same object if `t` is one already.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if the template is malformed or its `maxLength` is not the longest script it compiles to.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if its ASM has an unknown opcode or a bad literal, or a branch a bad witness item.
 *
 * @example
 * ```ts
 * export const SPILLMAN_CLTV_TEMPLATE = defineTemplate(spillmanCltvJson as ScriptTemplate);
 * ```
 */
export function defineTemplate(t: ScriptTemplate): ScriptTemplate {
  if (defined.has(t)) return t;
  const sealed = sealTemplate(t);
  const longest = longestScript(sealed);
  if (sealed.maxLength !== longest) {
    fail('TEMPLATE_ARGUMENT', `${sealed.name}: maxLength is ${sealed.maxLength}, the longest script it compiles to is ${longest} bytes`);
  }
  defined.add(sealed);
  return sealed;
}

/**
 * Adds a template to the registry and returns the registered template
 * (frozen; compare templates by this object): `t` itself if defineTemplate
 * made it, else a sealed copy. A refused template leaves the registry as it was.
 *
 * @param t - The template as data (scripts-templates/README.md), or from {@link defineTemplate}.
 * @returns The registered template.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if the template is malformed or its `maxLength` is not the longest script it compiles to.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if its ASM has an unknown opcode or a bad literal, or a branch a bad witness item.
 * @throws {@link ChannelError} `TEMPLATE_DUPLICATE` if a template of that name is registered.
 * @throws {@link ChannelError} `TEMPLATE_AMBIGUOUS` if some script could match both it and a registered template (`details.conflictsWith`).
 *
 * @example
 * ```ts
 * const hashlock = registerTemplate(hashlockJson as ScriptTemplate);
 * ```
 */
export function registerTemplate(t: ScriptTemplate): ScriptTemplate {
  return registerTemplates([t])[0]!;
}

/**
 * Templates as registerTemplate would register them one after another, all or
 * none; nothing is registered yet. registerConstruction checks a
 * construction's templates with this before it registers anything.
 */
export function checkNewTemplates(ts: readonly ScriptTemplate[]): ScriptTemplate[] {
  const accepted: ScriptTemplate[] = [];
  for (const t of ts) {
    const sealed = defineTemplate(t);
    if (templateByName(sealed.name) !== undefined || accepted.some((a) => a.name === sealed.name)) {
      fail('TEMPLATE_DUPLICATE', `a template named ${sealed.name} is registered`, { name: sealed.name });
    }
    const other = [...registered, ...accepted].find((r) => templatesOverlap(r, sealed));
    if (other !== undefined) {
      fail('TEMPLATE_AMBIGUOUS', `${sealed.name} could match the same scripts as ${other.name}`, { name: sealed.name, conflictsWith: other.name });
    }
    accepted.push(sealed);
  }
  return accepted;
}

/** Register templates, all or none (as {@link checkNewTemplates} refuses them); returns the registered ones in order. */
export function registerTemplates(ts: readonly ScriptTemplate[]): readonly ScriptTemplate[] {
  const accepted = checkNewTemplates(ts);
  registered = Object.freeze([...registered, ...accepted]);
  return accepted;
}

/**
 * A registered template by name.
 *
 * @param name - The template's `name`.
 * @returns The registered template, or undefined if none has that name.
 */
export function templateByName(name: string): ScriptTemplate | undefined {
  return registered.find((t) => t.name === name);
}

/**
 * Every registered template, in registration order (which no match depends on).
 *
 * @returns A frozen list, as it stands now.
 */
export function registeredTemplates(): readonly ScriptTemplate[] {
  return registered;
}
