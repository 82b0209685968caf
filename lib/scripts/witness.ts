/**
 * The only place witnesses are assembled: from a template branch's witness
 * pattern, the signatures by key name, and the script. The hot path and the
 * PSBT finalizers both call it.
 */
import { fail } from '../errors';
import { expectBytes } from '../arguments';
import { ScriptTemplate, TemplateBranch } from './templates';
import { checkTemplate } from './template-check';

/** A branch by name: own properties only, so `__proto__` or `constructor` is no branch. */
function branchOf(t: ScriptTemplate, branch: string): TemplateBranch {
  checkTemplate(t);
  const b = typeof branch === 'string' && Object.hasOwn(t.branches, branch) ? t.branches[branch] : undefined;
  if (b === undefined || b === null || typeof b !== 'object' || !Array.isArray(b.witness) || !b.witness.every((w) => typeof w === 'string')) {
    fail('TEMPLATE_ARGUMENT', `${t.name}: no branch ${String(branch)}`);
  }
  return b;
}

/**
 * The witness of a branch: its items with the signatures filled in, then the script.
 *
 * @param t - The template.
 * @param branch - The branch's name.
 * @param sigs - Signatures by the template's key names.
 * @param script - The witness script.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template or has no such branch.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sigs` is not an object or `script` not bytes.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if the branch has a witness item it cannot fill.
 * @throws {@link ChannelError} `PSBT_INCOMPLETE` if a signature the branch needs is missing.
 * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature is not bytes.
 */
export function assembleWitness(
  t: ScriptTemplate,
  branch: string,
  sigs: Readonly<Record<string, Uint8Array>>,
  script: Uint8Array,
): Uint8Array[] {
  const b = branchOf(t, branch);
  if (sigs === null || typeof sigs !== 'object') fail('INVALID_ARGUMENT', 'signatures must be an object of key name to bytes');
  expectBytes(script, 'script');
  const items = b.witness.map((item) => {
    if (item === '') return new Uint8Array(0);
    const m = /^<sig (\w+)>$/.exec(item);
    if (!m) fail('INVALID_SCRIPT', `${t.name}: bad witness item ${item}`);
    const sig = sigs[m[1]!];
    if (sig === undefined) fail('PSBT_INCOMPLETE', `${t.name}.${branch}: missing signature of ${m[1]}`);
    if (!(sig instanceof Uint8Array)) fail('INVALID_SIGNATURE', `${t.name}.${branch}: the signature of ${m[1]} is not bytes`);
    return sig;
  });
  items.push(script);
  return items;
}

/**
 * Largest serialized witness for a branch: DER signatures at their 73-byte maximum.
 *
 * @param t - The template.
 * @param branch - The branch's name.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template or has no such branch.
 */
export function maxWitnessSize(t: ScriptTemplate, branch: string): number {
  const b = branchOf(t, branch);
  let size = 1; // item count
  for (const item of b.witness) size += item === '' ? 1 : 1 + 73;
  return size + 1 + t.maxLength;
}

/**
 * Signer names a branch needs, in witness order.
 *
 * @param t - The template.
 * @param branch - The branch's name.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template or has no such branch.
 */
export function branchSigners(t: ScriptTemplate, branch: string): string[] {
  const b = branchOf(t, branch);
  return b.witness.filter((w) => w !== '').map((w) => w.slice(5, -1));
}
