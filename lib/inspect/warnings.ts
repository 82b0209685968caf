/**
 * Warnings for a person about to sign or broadcast: what would make the
 * transaction fail, be malleable, or commit to less than it seems to.
 */
import { classifyScript } from '../tx/outputs';
import { SIGHASH_ALL } from '../tx/sighash';
import { Classification } from './classify';
import { InputSignatures } from './signatures';
import { InputView, TxView } from './view';

/**
 * What an {@link InspectWarning} is about: a non-segwit funding input, a
 * funding input without its parent transaction, a parent that does not match,
 * a dust output, a fee too high or negative, a sighash type other than ALL,
 * a signature that does not verify.
 */
export type InspectWarningCode =
  | 'NON_SEGWIT_INPUT'
  | 'MISSING_NON_WITNESS_UTXO'
  | 'UTXO_MISMATCH'
  | 'DUST_OUTPUT'
  | 'FEE_TOO_HIGH'
  | 'NEGATIVE_FEE'
  | 'SIGHASH_NOT_ALL'
  | 'INVALID_SIGNATURE';

/** Something a person should know before signing or broadcasting. */
export interface InspectWarning {
  /** What it is about. */
  readonly code: InspectWarningCode;
  /** It in words. */
  readonly message: string;
  /** The input concerned, if any. */
  readonly input?: number;
  /** The output concerned, if any. */
  readonly output?: number;
}

function isWitnessProgram(s: Uint8Array): boolean {
  return s.length >= 4 && s.length <= 42 && (s[0] === 0x00 || (s[0]! >= 0x51 && s[0]! <= 0x60)) && s[1] === s.length - 2;
}

function segwitProblem(i: InputView, source: TxView['source']): string | undefined {
  if (source === 'transaction') {
    if (i.witness === undefined && i.scriptSig !== undefined) return 'is signed with a scriptSig and no witness';
    return undefined;
  }
  if (!i.hasWitnessUtxo) return 'has no witnessUtxo';
  const s = i.prevout!.script;
  const type = classifyScript(s);
  if (type === 'p2sh') return i.redeemScript && isWitnessProgram(i.redeemScript) ? undefined : 'is P2SH without a segwit redeemScript';
  return isWitnessProgram(s) ? undefined : 'spends a non-witness output';
}

/** Problems with the inputs (segwit, parent transactions, sighash types) and their signatures. */
export function inputWarnings(view: TxView, c: Classification, inputs: readonly { index: number; signatures: InputSignatures }[]): InspectWarning[] {
  const warnings: InspectWarning[] = [];
  for (const i of view.inputs) {
    if (i.parentProblem !== undefined) warnings.push({ code: 'UTXO_MISMATCH', input: i.index, message: `input ${i.index}: ${i.parentProblem}` });
    if (c.kind === 'funding') {
      const problem = segwitProblem(i, view.source);
      if (problem !== undefined) {
        warnings.push({ code: 'NON_SEGWIT_INPUT', input: i.index, message: `funding input ${i.index} ${problem}: the funding txid could change and the signed refund would be lost` });
      }
      // Taproot signatures commit to every input's amount; segwit v0 ones do not, so wallets want the parent.
      const taproot = i.prevout !== undefined && classifyScript(i.prevout.script) === 'p2tr';
      if (view.source === 'psbt' && !i.hasNonWitnessUtxo && !taproot) {
        warnings.push({ code: 'MISSING_NON_WITNESS_UTXO', input: i.index, message: `funding input ${i.index} has no nonWitnessUtxo: hardware wallets refuse to sign segwit v0 inputs without the previous transaction` });
      }
    }
    if (i.sighashType !== undefined && i.sighashType !== SIGHASH_ALL) {
      warnings.push({ code: 'SIGHASH_NOT_ALL', input: i.index, message: `input ${i.index} asks for sighash type 0x${i.sighashType.toString(16)}, not ALL: the signature would not commit to the whole transaction` });
    }
  }
  for (const input of inputs) {
    for (const s of input.signatures.present) {
      const who = `${s.name}${s.pubkey ? ` (${s.pubkey})` : ''}`;
      if (s.sighashType !== undefined && s.sighashType !== SIGHASH_ALL && s.sighashType !== 0) {
        warnings.push({ code: 'SIGHASH_NOT_ALL', input: input.index, message: `input ${input.index}: the signature of ${who} has sighash type 0x${s.sighashType.toString(16)}, not ALL` });
      }
      if (s.valid === false) {
        warnings.push({ code: 'INVALID_SIGNATURE', input: input.index, message: `input ${input.index}: the signature of ${who} does not verify for this transaction` });
      }
    }
  }
  return warnings;
}
