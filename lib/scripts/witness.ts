/**
 * The only place witnesses are assembled: from a template branch's witness
 * pattern, the signatures by key name, the preimages by hash name, and the
 * script. The hot path and the PSBT finalizers both call it.
 */
import { sha256 } from '@noble/hashes/sha2';
import { fail } from '../errors';
import { expectBytes } from '../arguments';
import { ScriptTemplate } from './templates';
import { ParsedBranch, parseTemplate } from './template-check';
import { matchOne } from './match-one';

/** A branch by name: own names only, so `__proto__` or `constructor` is no branch. */
function branchOf(t: ScriptTemplate, branch: string): ParsedBranch {
  const parsed = parseTemplate(t);
  const b = typeof branch === 'string' ? parsed.branches.get(branch) : undefined;
  if (b === undefined) fail('TEMPLATE_ARGUMENT', `${t.name}: no branch ${String(branch)}`);
  return b;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The witness of a branch: its items bottom first (signatures, preimages and
 * constants filled in), then the script.
 *
 * @param t - The template the script was compiled from.
 * @param branch - The branch's name.
 * @param sigs - Signatures by the template's key names (DER with the sighash byte).
 * @param script - The witness script.
 * @param preimages - Preimages by the template's sha256 parameter names, for a branch that reveals one.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template or has no such branch.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sigs` or `preimages` is not an object, or `script` or a preimage not bytes.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if the branch has a witness item it cannot fill, or reveals a preimage and `script` is not the template's.
 * @throws {@link ChannelError} `PSBT_INCOMPLETE` if a signature or preimage the branch needs is missing.
 * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature is not bytes.
 * @throws {@link ChannelError} `PREIMAGE_MISMATCH` if a preimage is not 32 bytes or does not hash to the script's value.
 */
export function assembleWitness(
  t: ScriptTemplate,
  branch: string,
  sigs: Readonly<Record<string, Uint8Array>>,
  script: Uint8Array,
  preimages: Readonly<Record<string, Uint8Array>> = {},
): Uint8Array[] {
  const b = branchOf(t, branch);
  if (sigs === null || typeof sigs !== 'object') fail('INVALID_ARGUMENT', 'signatures must be an object of key name to bytes');
  if (preimages === null || typeof preimages !== 'object') fail('INVALID_ARGUMENT', 'preimages must be an object of hash name to bytes');
  expectBytes(script, 'script');
  let values: ReadonlyMap<string, Uint8Array | number> | undefined;
  const items = b.items.map((item) => {
    switch (item.type) {
      case 'bytes': return Uint8Array.from(item.bytes);
      case 'sig': {
        const sig = Object.hasOwn(sigs, item.key) ? sigs[item.key] : undefined;
        if (sig === undefined) fail('PSBT_INCOMPLETE', `${t.name}.${branch}: missing signature of ${item.key}`);
        if (!(sig instanceof Uint8Array)) fail('INVALID_SIGNATURE', `${t.name}.${branch}: the signature of ${item.key} is not bytes`);
        return sig;
      }
      case 'preimage': {
        const p = Object.hasOwn(preimages, item.hash) ? preimages[item.hash] : undefined;
        if (p === undefined) fail('PSBT_INCOMPLETE', `${t.name}.${branch}: missing preimage of ${item.hash}`);
        expectBytes(p, `preimage of ${item.hash}`);
        // The script checks SIZE 32 before hashing; anything else would only fail on chain.
        if (p.length !== 32) fail('PREIMAGE_MISMATCH', `${t.name}.${branch}: the preimage of ${item.hash} is ${p.length} bytes, not 32`);
        values ??= matchOne(t, script) ?? fail('INVALID_SCRIPT', `${t.name}.${branch}: the script is not this template's`);
        if (!sameBytes(sha256(p), values.get(item.hash) as Uint8Array)) fail('PREIMAGE_MISMATCH', `${t.name}.${branch}: the preimage does not hash to ${item.hash}`);
        return p;
      }
    }
  });
  items.push(script);
  return items;
}

function varintSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

/**
 * Largest serialized witness for a branch: DER signatures at their 73-byte maximum.
 *
 * @param t - The template.
 * @param branch - The branch's name.
 * @returns Bytes, the item count included.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template or has no such branch.
 */
export function maxWitnessSize(t: ScriptTemplate, branch: string): number {
  const b = branchOf(t, branch);
  let size = varintSize(b.items.length + 1);
  for (const item of b.items) {
    const len = item.type === 'sig' ? 73 : item.type === 'preimage' ? 32 : item.bytes.length;
    size += varintSize(len) + len;
  }
  return size + varintSize(t.maxLength) + t.maxLength;
}

/**
 * Signer names a branch needs, in witness order.
 *
 * @param t - The template.
 * @param branch - The branch's name.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template or has no such branch.
 */
export function branchSigners(t: ScriptTemplate, branch: string): string[] {
  return branchOf(t, branch).items.flatMap((i) => (i.type === 'sig' ? [i.key] : []));
}

/**
 * The sha256 parameters whose preimages a branch reveals, in witness order.
 *
 * @param t - The template.
 * @param branch - The branch's name.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template or has no such branch.
 */
export function branchPreimages(t: ScriptTemplate, branch: string): string[] {
  return branchOf(t, branch).items.flatMap((i) => (i.type === 'preimage' ? [i.hash] : []));
}
