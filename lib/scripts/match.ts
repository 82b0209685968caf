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

/** A script recognised as a template's, with the values of its placeholders. */
export interface TemplateMatch {
  /** The template it was compiled from. */
  readonly template: ScriptTemplate;
  /** Placeholder name -> key or hash bytes, or lock number. */
  readonly values: ReadonlyMap<string, Uint8Array | number>;
}

/**
 * Which template `script` was compiled from, and with what arguments: the
 * compiler's exact pushes (minimal, locks in their kind's range), a
 * placeholder used twice holding one value.
 *
 * @param script - A witness script; anything that is not bytes matches nothing.
 * @param templates - The templates to try: by default the registry's ({@link registeredTemplates}), of which at most one can match.
 * @returns The first match, or undefined if the script is none of them.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `templates` is not an array of templates.
 *
 * @example
 * ```ts
 * const m = matchTemplate(witnessScript);
 * if (m?.template.name === 'revocable-csv') console.log('delay', m.values.get('D'));
 * ```
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
