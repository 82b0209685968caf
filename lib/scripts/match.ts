/**
 * The inverse of the compiler: recognise which template a script was compiled
 * from and recover its arguments. Used by the PSBT finalizers (to map partial
 * signatures to the keys a branch needs) and by `revchan inspect`.
 */
import { fail } from '../errors';
import { matchOne } from './match-one';
import { registeredTemplates } from './registry';
import { parseTemplate } from './template-check';
import type { ScriptTemplate } from './templates';

export interface TemplateMatch {
  readonly template: ScriptTemplate;
  /** Placeholder name -> key or hash bytes, or lock number. */
  readonly values: ReadonlyMap<string, Uint8Array | number>;
}

/**
 * The template a script was compiled from, and its values.
 * @param script - a witness script; anything that is not bytes matches nothing
 * @param templates - the templates to try; the registry's by default, where at most one can match
 * @returns the first template that matches, with its values, or undefined
 * @throws ChannelError `TEMPLATE_ARGUMENT` if `templates` is not an array of templates
 */
export function matchTemplate(script: Uint8Array, templates: readonly ScriptTemplate[] = registeredTemplates()): TemplateMatch | undefined {
  if (!Array.isArray(templates as unknown)) fail('TEMPLATE_ARGUMENT', 'templates must be an array');
  templates.forEach(parseTemplate);
  for (const t of templates) {
    const values = matchOne(t, script);
    if (values !== undefined) return { template: t, values };
  }
  return undefined;
}
