/**
 * Finalizing channel PSBTs through the templates' branches: the witness
 * script is matched to its template, partial signatures are mapped to the
 * template's key names, and the first branch whose signers are all present
 * is assembled by the one witness assembler. Wallet inputs (P2WPKH and
 * P2SH-P2WPKH) use bitcoinjs' standard finalizer.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { bytesEqual } from '../tx/hash';
import { matchTemplate } from '../scripts/match';
import { assembleWitness, branchSigners } from '../scripts/witness';
import { expectArray, expectBytes } from '../arguments';
import { copyPsbt, expectPsbt } from './copy';

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

/**
 * The channel witness for one input, or undefined if the input is not a channel script.
 *
 * @param psbt - The PSBT.
 * @param index - The input's index.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt.
 * @throws {@link ChannelError} `PSBT_INCOMPLETE` if no branch of the input's template has all its signatures.
 */
export function channelWitness(psbt: Psbt, index: number): {
  /** The branch taken. */
  branch: string;
  /** Its witness items, the script last. */
  witness: Uint8Array[];
} | undefined {
  expectPsbt(psbt);
  if (!Number.isInteger(index)) return undefined;
  const input = psbt.data.inputs[index];
  if (!input?.witnessScript) return undefined;
  const m = matchTemplate(input.witnessScript);
  if (m === undefined) return undefined;
  const sigs: Record<string, Uint8Array> = {};
  for (const ps of input.partialSig ?? []) {
    for (const [name, v] of m.values) if (v instanceof Uint8Array && bytesEqual(v, ps.pubkey)) sigs[name] = ps.signature;
  }
  for (const branch of Object.keys(m.template.branches)) {
    if (branchSigners(m.template, branch).every((s) => sigs[s] !== undefined)) {
      return { branch, witness: assembleWitness(m.template, branch, sigs, input.witnessScript) };
    }
  }
  return fail('PSBT_INCOMPLETE', `input ${index}: no branch of ${m.template.name} has all its signatures`);
}

function isFinalized(psbt: Psbt, index: number): boolean {
  const input = psbt.data.inputs[index]!;
  return input.finalScriptWitness !== undefined || input.finalScriptSig !== undefined;
}

function finalizeInputs(psbt: Psbt): void {
  for (let i = 0; i < psbt.inputCount; i++) {
    if (isFinalized(psbt, i)) continue;
    const w = channelWitness(psbt, i);
    try {
      if (w === undefined) psbt.finalizeInput(i);
      else psbt.finalizeInput(i, () => ({ finalScriptSig: undefined, finalScriptWitness: serializeWitness(w.witness) }));
    } catch (e) {
      fail('PSBT_INCOMPLETE', `input ${i}: ${(e as Error).message}`);
    }
  }
}

/**
 * Finalizes every input, or none: finalizing clears an input's partial
 * signatures, so a failure on a later input must not leave earlier ones
 * finalized. Inputs that are already final are kept.
 *
 * @param psbt - The PSBT; finalized in place.
 * @returns `psbt`.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt or does not survive its own encoding.
 * @throws {@link ChannelError} `PSBT_INCOMPLETE` if an input lacks a signature it needs; then no input is finalized.
 *
 * @example
 * ```ts
 * const combined = combinePsbts(ours, theirs);
 * const tx = extractTransaction(finalizePsbt(combined));
 * ```
 */
export function finalizePsbt(psbt: Psbt): Psbt {
  finalizeInputs(copyPsbt(psbt));
  finalizeInputs(psbt);
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
