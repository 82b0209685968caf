/**
 * The only place witnesses are assembled: from a template branch's witness
 * pattern, the signatures by key name, and the script. The hot path and the
 * PSBT finalizers both call it.
 */
import { fail } from '../errors';
import { ScriptTemplate, TemplateBranch } from './templates';

/** A branch by name: own properties only, so `__proto__` or `constructor` is no branch. */
function branchOf(t: ScriptTemplate, branch: string): TemplateBranch {
  const b = Object.hasOwn(t.branches, branch) ? t.branches[branch] : undefined;
  if (b === undefined) fail('TEMPLATE_ARGUMENT', `${t.name}: no branch ${branch}`);
  return b;
}

export function assembleWitness(
  t: ScriptTemplate,
  branch: string,
  sigs: Readonly<Record<string, Uint8Array>>,
  script: Uint8Array,
): Uint8Array[] {
  const b = branchOf(t, branch);
  const items = b.witness.map((item) => {
    if (item === '') return new Uint8Array(0);
    const m = /^<sig (\w+)>$/.exec(item);
    if (!m) fail('INVALID_SCRIPT', `${t.name}: bad witness item ${item}`);
    const sig = sigs[m[1]!];
    if (sig === undefined) fail('PSBT_INCOMPLETE', `${t.name}.${branch}: missing signature of ${m[1]}`);
    return sig;
  });
  items.push(script);
  return items;
}

/** Largest serialized witness for a branch: DER signatures at their 73-byte maximum. */
export function maxWitnessSize(t: ScriptTemplate, branch: string): number {
  const b = branchOf(t, branch);
  let size = 1; // item count
  for (const item of b.witness) size += item === '' ? 1 : 1 + 73;
  return size + 1 + t.maxLength;
}

/** Signer names a branch needs, in witness order. */
export function branchSigners(t: ScriptTemplate, branch: string): string[] {
  const b = branchOf(t, branch);
  return b.witness.filter((w) => w !== '').map((w) => w.slice(5, -1));
}
