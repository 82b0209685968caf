/**
 * Finalizing channel PSBTs through the templates' branches: the witness
 * script is matched to a registered template, partial signatures and
 * PSBT_IN_SHA256 preimages are mapped to the template's placeholder names,
 * and the branch the transaction can take is assembled by the one witness
 * assembler. A branch is taken only when its signatures and preimages are
 * present and the transaction meets its locks; where several could be, the
 * caller names one. Wallet inputs (P2WPKH and P2SH-P2WPKH) use bitcoinjs'
 * standard finalizer.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { bytesEqual } from '../tx/hash';
import { TemplateMatch, matchTemplate } from '../scripts/match';
import { assembleWitness, branchPreimages, branchSigners } from '../scripts/witness';
import { unmetLocks } from '../scripts/locks';
import { expectArray, expectBytes, expectObject } from '../arguments';
import { copyPsbt, expectPsbt } from './copy';
import { clearPreimages, inputPreimages } from './preimage';

/**
 * A witness stack serialized as a PSBT's finalScriptWitness holds it.
 *
 * @param items - The witness items, bottom first.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `items` is not an array of byte arrays.
 */
export function serializeWitness(items: readonly Uint8Array[]): Uint8Array {
  expectArray(items, 'witness items');
  for (const it of items) expectBytes(it, 'witness item');
  const parts: number[] = [];
  const varint = (n: number) => {
    if (n < 0xfd) parts.push(n);
    else parts.push(0xfd, n & 0xff, n >> 8);
  };
  varint(items.length);
  for (const it of items) {
    varint(it.length);
    for (const b of it) parts.push(b);
  }
  return Uint8Array.from(parts);
}

/** Branch names by input index, for inputs whose script has more than one branch the PSBT can take. */
export type BranchChoice = Readonly<Record<number, string>>;

/** Options of {@link finalizePsbt}. */
export interface FinalizeOptions {
  /** The branch each listed input takes; required where more than one branch is satisfiable, checked where given. */
  readonly branches?: BranchChoice;
}

interface BranchState {
  readonly name: string;
  /** Signatures and preimages the PSBT lacks. */
  readonly missing: readonly string[];
  /** Lock conditions the transaction does not meet. */
  readonly unmet: readonly string[];
}

/** The input's signatures by key placeholder name and verified preimages by hash placeholder name. */
function inputMaterial(psbt: Psbt, index: number, m: TemplateMatch): { sigs: Record<string, Uint8Array>; preimages: Record<string, Uint8Array> } {
  const input = psbt.data.inputs[index]!;
  const kinds = new Map<string, string>([...Object.entries(m.template.params), ...(m.template.sorted?.into ?? []).map((n) => [n, 'pubkey'] as const)]);
  const sigs: Record<string, Uint8Array> = {};
  const preimages: Record<string, Uint8Array> = {};
  const records = inputPreimages(psbt, index);
  for (const [name, v] of m.values) {
    if (!(v instanceof Uint8Array)) continue;
    if (kinds.get(name) === 'pubkey') {
      const ps = (input.partialSig ?? []).find((p) => bytesEqual(p.pubkey, v));
      if (ps !== undefined) sigs[name] = ps.signature;
    } else {
      const r = records.find((p) => bytesEqual(p.hash, v));
      if (r !== undefined) preimages[name] = r.preimage;
    }
  }
  return { sigs, preimages };
}

function branchState(psbt: Psbt, index: number, m: TemplateMatch, name: string, have: ReturnType<typeof inputMaterial>): BranchState {
  const missing = [
    ...branchSigners(m.template, name).filter((s) => have.sigs[s] === undefined).map((s) => `signature of ${s}`),
    ...branchPreimages(m.template, name).filter((h) => have.preimages[h] === undefined).map((h) => `preimage of ${h}`),
  ];
  const fields = { version: psbt.version, locktime: psbt.locktime, sequence: psbt.txInputs[index]!.sequence! };
  return { name, missing, unmet: unmetLocks(m.template.branches[name]!.locks, m.values, fields) };
}

function explain(b: BranchState): string {
  return `${b.name} (${[...b.missing.map((x) => `no ${x}`), ...b.unmet].join('; ')})`;
}

/**
 * The branch an input takes: the one named, if it is satisfiable, else the
 * only satisfiable one. A branch is satisfiable when the PSBT holds its
 * signatures and preimages and the transaction meets its locks; never the
 * first of several in the template's order.
 */
function chooseBranch(index: number, m: TemplateMatch, states: readonly BranchState[], chosen: string | undefined): string {
  const ok = states.filter((b) => b.missing.length === 0 && b.unmet.length === 0);
  if (chosen !== undefined) {
    const b = states.find((s) => s.name === chosen);
    if (b === undefined) fail('TEMPLATE_ARGUMENT', `input ${index}: ${m.template.name} has no branch ${chosen}`);
    if (b.missing.length > 0) fail('PSBT_INCOMPLETE', `input ${index}: branch ${explain(b)}`, { index, branch: chosen });
    if (b.unmet.length > 0) fail('LOCK_NOT_MET', `input ${index}: branch ${explain(b)}`, { index, branch: chosen });
    return chosen;
  }
  if (ok.length === 1) return ok[0]!.name;
  if (ok.length > 1) {
    fail('BRANCH_AMBIGUOUS', `input ${index}: branches ${ok.map((b) => b.name).join(', ')} of ${m.template.name} are all satisfiable; name one in options.branches`,
      { index, branches: ok.map((b) => b.name) });
  }
  const locked = states.filter((b) => b.missing.length === 0);
  if (locked.length > 0) fail('LOCK_NOT_MET', `input ${index}: ${locked.map(explain).join(', ')}`, { index, branches: locked.map((b) => b.name) });
  return fail('PSBT_INCOMPLETE', `input ${index}: no branch of ${m.template.name} is complete: ${states.map(explain).join(', ')}`, { index });
}

function channelWitnessOf(psbt: Psbt, index: number, chosen: string | undefined): { branch: string; witness: Uint8Array[] } | undefined {
  const input = psbt.data.inputs[index];
  if (!input?.witnessScript) return undefined;
  const m = matchTemplate(input.witnessScript);
  if (m === undefined) return undefined;
  const have = inputMaterial(psbt, index, m);
  const states = Object.keys(m.template.branches).map((name) => branchState(psbt, index, m, name, have));
  const branch = chooseBranch(index, m, states, chosen);
  return { branch, witness: assembleWitness(m.template, branch, have.sigs, input.witnessScript, have.preimages) };
}

/**
 * The channel witness for one input, or undefined if the input is not a registered template's script.
 *
 * @param psbt - The PSBT.
 * @param index - The input's index.
 * @param branch - The branch to take; by default the only satisfiable one.
 * @returns The branch taken and its witness items, the script last.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `branch` is not a string.
 * @throws {@link ChannelError} `PSBT_INCOMPLETE` if no branch (or the named one) has its signatures and preimages.
 * @throws {@link ChannelError} `LOCK_NOT_MET` if those that have them are locked for this transaction.
 * @throws {@link ChannelError} `BRANCH_AMBIGUOUS` if several are satisfiable and none is named.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if the named branch is not the template's.
 * @throws {@link ChannelError} `PREIMAGE_MISMATCH` if a PSBT_IN_SHA256 record does not hold the preimage of its hash.
 */
export function channelWitness(psbt: Psbt, index: number, branch?: string): {
  /** The branch taken. */
  branch: string;
  /** Its witness items, the script last. */
  witness: Uint8Array[];
} | undefined {
  expectPsbt(psbt);
  if (!Number.isInteger(index)) return undefined;
  if (branch !== undefined && typeof branch !== 'string') fail('INVALID_ARGUMENT', 'branch must be a string');
  return channelWitnessOf(psbt, index, branch);
}

function isFinalized(psbt: Psbt, index: number): boolean {
  const input = psbt.data.inputs[index]!;
  return input.finalScriptWitness !== undefined || input.finalScriptSig !== undefined;
}

function finalizeInputs(psbt: Psbt, choice: BranchChoice): void {
  for (let i = 0; i < psbt.inputCount; i++) {
    if (isFinalized(psbt, i)) continue;
    const w = channelWitnessOf(psbt, i, Object.hasOwn(choice, i) ? choice[i] : undefined);
    try {
      if (w === undefined) psbt.finalizeInput(i);
      else psbt.finalizeInput(i, () => ({ finalScriptSig: undefined, finalScriptWitness: serializeWitness(w.witness) }));
    } catch (e) {
      fail('PSBT_INCOMPLETE', `input ${i}: ${(e as Error).message}`);
    }
    clearPreimages(psbt, i);
  }
}

function checkChoice(psbt: Psbt, opts: FinalizeOptions): BranchChoice {
  expectObject(opts, 'options');
  const choice = opts.branches ?? {};
  expectObject(choice, 'options.branches');
  for (const [key, name] of Object.entries(choice)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= psbt.inputCount || String(i) !== key) fail('INVALID_ARGUMENT', `options.branches: no input ${key}`);
    if (typeof name !== 'string') fail('INVALID_ARGUMENT', `options.branches[${key}] must be a branch name`);
    const ws = psbt.data.inputs[i]!.witnessScript;
    if (ws === undefined || matchTemplate(ws) === undefined) fail('INVALID_ARGUMENT', `options.branches: input ${key} is not a template's script`);
  }
  return choice;
}

/**
 * Finalizes every input, or none: finalizing clears an input's partial
 * signatures, so a failure on a later input must not leave earlier ones
 * finalized. Inputs that are already final are kept. A template input takes
 * the branch named in `opts.branches`, else its only satisfiable branch
 * (signatures and preimages present, locks met by this transaction).
 *
 * @param psbt - The PSBT; finalized in place.
 * @param opts - `branches`: the branch to take, by input index.
 * @returns `psbt`.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt or does not survive its own encoding.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object or names an input that is not a template's script.
 * @throws {@link ChannelError} `PSBT_INCOMPLETE` if an input lacks a signature or preimage it needs; then no input is finalized.
 * @throws {@link ChannelError} `LOCK_NOT_MET` if the branches an input has everything for are locked for this transaction.
 * @throws {@link ChannelError} `BRANCH_AMBIGUOUS` if several branches of an input are satisfiable and `opts.branches` names none.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `opts.branches` names a branch the input's template lacks.
 * @throws {@link ChannelError} `PREIMAGE_MISMATCH` if a PSBT_IN_SHA256 record does not hold the preimage of its hash.
 *
 * @example
 * ```ts
 * const combined = combinePsbts(ours, theirs);
 * const tx = extractTransaction(finalizePsbt(combined));
 * // A hashlock whose success and timeout branches both have their signatures:
 * finalizePsbt(htlcClaim, { branches: { 0: 'success' } });
 * ```
 */
export function finalizePsbt(psbt: Psbt, opts: FinalizeOptions = {}): Psbt {
  const choice = checkChoice(expectPsbt(psbt), opts);
  finalizeInputs(copyPsbt(psbt), choice);
  finalizeInputs(psbt, choice);
  return psbt;
}

/**
 * The signed transaction of a finalized PSBT.
 *
 * @param psbt - A PSBT whose every input is final.
 * @throws {@link ChannelError} `PSBT_INCOMPLETE` if an input is not finalized (or bitcoinjs refuses the extraction, such as for a fee rate it finds too high).
 */
export function extractTransaction(psbt: Psbt): Transaction {
  try {
    return psbt.extractTransaction();
  } catch (e) {
    return fail('PSBT_INCOMPLETE', (e as Error).message);
  }
}
