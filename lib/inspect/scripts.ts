/**
 * Scripts as a person checks them before signing: the channel templates'
 * scripts in ASM with their values filled in and as the miniscript they
 * equal; any other script in plain ASM with its standard type.
 */
import { script as bscript } from 'bitcoinjs-lib';
import { matchTemplate } from '../scripts/match';
import { ScriptTemplate } from '../scripts/templates';
import { toHex } from '../tx/hash';
import { ScriptType, classifyScript } from '../tx/outputs';

/** What each key or lock name in the templates stands for. */
export const TEMPLATE_VALUE_ROLES: Readonly<Record<string, string>> = {
  key_1: 'funding key, first in sorted order',
  key_2: 'funding key, second in sorted order',
  S_f: 'sender\'s funding key',
  R_f: 'receiver\'s funding key',
  R_r: 'receiver\'s revocation key',
  K_i: 'sender\'s per-update key of the state',
  S_p: 'sender\'s payout key',
  R_p: 'receiver\'s payout key',
  T: 'channel expiry (CLTV)',
  D: 'sender\'s delay in blocks (CSV)',
};

/** A script as a person checks it: bytes, ASM, and for a channel template its miniscript and values. */
export interface ExplainedScript {
  /** The script's bytes, hex. */
  readonly hex: string;
  /** Its standard output type, or `'witness-script'` for a P2WSH witness script. */
  readonly type: ScriptType | 'witness-script';
  /** The script in ASM; a template's with its values filled in. */
  readonly asm: string;
  /** Name of the channel template the script was compiled from. */
  readonly template?: string;
  /** The template's miniscript with its keys and locks filled in. */
  readonly miniscript?: string;
  /** The template's miniscript with its placeholders' names, as a policy to read. */
  readonly templateMiniscript?: string;
  /** `wsh(miniscript)` of a template's script. */
  readonly descriptor?: string;
  /** Template placeholder -> key (hex) or lock (number). */
  readonly values?: Readonly<Record<string, string | number>>;
}

function plainAsm(script: Uint8Array): string {
  try {
    return bscript.toASM(script);
  } catch {
    return `(does not decode) ${toHex(script)}`;
  }
}

function fill(text: string, values: ReadonlyMap<string, string>, around: (v: string) => string): string {
  let out = text;
  for (const [name, v] of values) out = out.replace(new RegExp(`\\b${name}\\b`, 'g'), around(v));
  return out;
}

/** A script a template produced, with the template's own ASM and miniscript filled in. */
export function explainTemplateScript(script: Uint8Array, template: ScriptTemplate, raw: ReadonlyMap<string, Uint8Array | number>): ExplainedScript {
  const values = new Map<string, string>();
  const record: Record<string, string | number> = {};
  // In the template's parameter order (R_r, K_i, S_p, T), not the script's.
  const names = [...Object.keys(template.params), ...(template.sorted?.into ?? [])].filter((n) => raw.has(n));
  for (const name of names) {
    const v = raw.get(name)!;
    values.set(name, typeof v === 'number' ? String(v) : toHex(v));
    record[name] = typeof v === 'number' ? v : toHex(v);
  }
  const asm = template.asm.split(' ').map((tok) => (tok.startsWith('<') ? values.get(tok.slice(1, -1)) ?? tok : tok)).join(' ');
  const miniscript = fill(template.miniscript, values, (v) => v);
  return {
    hex: toHex(script),
    type: 'witness-script',
    asm,
    template: template.name,
    miniscript,
    templateMiniscript: template.miniscript,
    descriptor: `wsh(${miniscript})`,
    values: record,
  };
}

/** A P2WSH witness script: a channel template's if it matches one, else plain ASM. */
export function explainWitnessScript(script: Uint8Array): ExplainedScript {
  const m = matchTemplate(script);
  if (m !== undefined) return explainTemplateScript(script, m.template, m.values);
  return { hex: toHex(script), type: 'witness-script', asm: plainAsm(script) };
}

/** An output script (scriptPubKey). */
export function explainOutputScript(script: Uint8Array): ExplainedScript {
  return { hex: toHex(script), type: classifyScript(script), asm: plainAsm(script) };
}
