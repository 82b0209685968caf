/**
 * The inverse of the compiler: recognise which template a script was compiled
 * from and recover its arguments. Used by the PSBT finalizers (to map partial
 * signatures to the keys a branch needs) and by `revchan inspect`.
 */
import { opcodes, script as bscript } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { ScriptTemplate, TEMPLATES } from './templates';
import { checkTemplate } from './template-check';

/** A script recognised as a template's, with the values of its placeholders. */
export interface TemplateMatch {
  /** The template it was compiled from. */
  readonly template: ScriptTemplate;
  /** Placeholder name -> key bytes or lock number. */
  readonly values: ReadonlyMap<string, Uint8Array | number>;
}

const OPS = opcodes as unknown as Record<string, number>;

function decodeNumber(chunk: number | Uint8Array): number | undefined {
  if (typeof chunk === 'number') {
    return chunk >= OPS.OP_1! && chunk <= OPS.OP_16! ? chunk - OPS.OP_1! + 1 : undefined;
  }
  if (chunk.length === 0 || chunk.length > 5) return undefined;
  // Positive, minimally encoded numbers only: that is all the compiler emits.
  if ((chunk[chunk.length - 1]! & 0x80) !== 0) return undefined;
  if (chunk[chunk.length - 1] === 0 && (chunk.length === 1 || (chunk[chunk.length - 2]! & 0x80) === 0)) return undefined;
  let n = 0;
  for (let i = chunk.length - 1; i >= 0; i--) n = n * 256 + chunk[i]!;
  return n > 16 ? n : undefined;
}

/**
 * Which template `script` was compiled from, and with what arguments.
 *
 * @param script - A witness script.
 * @param templates - The templates to try ({@link TEMPLATES} by default).
 * @returns The match, or undefined if the script is none of them.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `templates` is not an array of templates.
 *
 * @example
 * ```ts
 * const m = matchTemplate(witnessScript);
 * if (m?.template.name === 'revocable-csv') console.log('delay', m.values.get('D'));
 * ```
 */
export function matchTemplate(script: Uint8Array, templates: readonly ScriptTemplate[] = TEMPLATES): TemplateMatch | undefined {
  if (!Array.isArray(templates as unknown)) fail('TEMPLATE_ARGUMENT', 'templates must be an array');
  templates.forEach(checkTemplate);
  let chunks: (number | Uint8Array)[] | null;
  try {
    chunks = bscript.decompile(script);
  } catch {
    return undefined;
  }
  if (chunks === null) return undefined;
  for (const t of templates) {
    const tokens = t.asm.split(' ');
    if (tokens.length !== chunks.length) continue;
    const values = new Map<string, Uint8Array | number>();
    const ok = tokens.every((tok, i) => {
      const c = chunks![i]!;
      if (!tok.startsWith('<')) return c === OPS[tok];
      const name = tok.slice(1, -1);
      const kind = t.params[name] ?? (t.sorted?.into.includes(name) ? 'pubkey' : undefined);
      if (kind === 'pubkey') {
        if (typeof c === 'number' || c.length !== 33) return false;
        values.set(name, c);
        return true;
      }
      const n = decodeNumber(c);
      if (n === undefined) return false;
      values.set(name, n);
      return true;
    });
    if (ok) return { template: t, values };
  }
  return undefined;
}
