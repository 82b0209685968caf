/**
 * One template against one script, for the matcher and for the witness
 * assembler's check of a preimage against the hash in the script. Not part
 * of the package entry.
 */
import { chunkValue, pushNumber, scriptChunks } from './chunks';
import { parseTemplate } from './template-check';
import type { ScriptTemplate } from './templates';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The values of one template's placeholders in a script, or undefined if the
 * compiler could not have written it from that template: every opcode and
 * number in place, every push of its placeholder's kind and minimal, a
 * placeholder used twice holding the same value twice.
 */
export function matchOne(t: ScriptTemplate, script: Uint8Array): Map<string, Uint8Array | number> | undefined {
  const tokens = parseTemplate(t).tokens;
  const chunks = script instanceof Uint8Array ? scriptChunks(script) : undefined;
  if (chunks === undefined || chunks.length !== tokens.length) return undefined;
  const values = new Map<string, Uint8Array | number>();
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const c = chunks[i]!;
    if (tok.type === 'op') {
      if (c.data !== undefined || c.op !== tok.op) return undefined;
    } else if (tok.type === 'number') {
      const out: number[] = [];
      pushNumber(tok.value, out);
      if (!sameBytes(c.raw, Uint8Array.from(out))) return undefined;
    } else {
      const v = chunkValue(tok.kind, c);
      if (v === undefined) return undefined;
      const seen = values.get(tok.name);
      if (seen !== undefined && (typeof v === 'number' ? seen !== v : typeof seen === 'number' || !sameBytes(seen, v))) return undefined;
      values.set(tok.name, v);
    }
  }
  return values;
}
