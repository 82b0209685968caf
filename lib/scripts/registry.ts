/**
 * The template registry: every script template the loaded code knows, the
 * list matchTemplate (and through it the PSBT finalizer and inspect) tries.
 * The core registers the funding template (templates.ts); each construction
 * registers its own on load, so adding one is a folder and a registration.
 *
 * A template is refused if it could match a script that a registered one
 * also matches, so no answer of the matcher depends on registration order.
 * Two templates can match the same script exactly when their ASM has as
 * many tokens and at each position the same opcode or number, or a
 * placeholder that can push it, or two placeholders whose kinds share a
 * push (keys with keys, hashes with hashes, any lock with any lock).
 */
import { fail } from '../errors';
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

/**
 * Adds a template to the registry and returns the registered copy (frozen;
 * compare templates by this object). A refused template leaves the registry
 * as it was.
 *
 * @param t - The template as data (scripts-templates/README.md).
 * @returns The registered template.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if the template is malformed or its `maxLength` is not the longest script it compiles to.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if its ASM has an unknown opcode or a bad literal, or a branch a bad witness item.
 * @throws {@link ChannelError} `TEMPLATE_DUPLICATE` if a template of that name is registered.
 * @throws {@link ChannelError} `TEMPLATE_AMBIGUOUS` if some script could match both it and a registered template (`details.conflictsWith`).
 *
 * @example
 * ```ts
 * export const SPILLMAN_CLTV_TEMPLATE = registerTemplate(spillmanCltvJson as ScriptTemplate);
 * ```
 */
export function registerTemplate(t: ScriptTemplate): ScriptTemplate {
  const sealed = sealTemplate(t);
  const longest = longestScript(sealed);
  if (sealed.maxLength !== longest) {
    fail('TEMPLATE_ARGUMENT', `${sealed.name}: maxLength is ${sealed.maxLength}, the longest script it compiles to is ${longest} bytes`);
  }
  if (templateByName(sealed.name) !== undefined) fail('TEMPLATE_DUPLICATE', `a template named ${sealed.name} is registered`, { name: sealed.name });
  const other = registered.find((r) => templatesOverlap(r, sealed));
  if (other !== undefined) {
    fail('TEMPLATE_AMBIGUOUS', `${sealed.name} could match the same scripts as ${other.name}`, { name: sealed.name, conflictsWith: other.name });
  }
  registered = Object.freeze([...registered, sealed]);
  return sealed;
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
