/**
 * One view of a PSBT or a transaction, so the rest of inspect asks the same
 * questions of both: what each input spends (when known), which witness
 * script it reveals, which signatures it carries, and what each output pays.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fail } from '../core/errors';
import { matchTemplate } from '../script/match';
import { bytesEqual, hashToTxid, sha256 } from '../core/hash';
import { TxOut } from '../tx/outputs';

/** A PSBT input's partial signature. */
export interface PartialSignature {
  /** The key it is of. */
  readonly pubkey: Uint8Array;
  /** The DER signature with its sighash byte. */
  readonly signature: Uint8Array;
}

/** One input, as much of it as the PSBT or transaction shows. */
export interface InputView {
  /** Its index. */
  readonly index: number;
  /** The txid of the output it spends. */
  readonly txid: string;
  /** That output's index. */
  readonly vout: number;
  /** Its nSequence. */
  readonly sequence: number;
  /** The output this input spends, when a PSBT carries it. */
  readonly prevout?: TxOut;
  /** Whether a PSBT input carries witnessUtxo. */
  readonly hasWitnessUtxo: boolean;
  /** Whether a PSBT input carries nonWitnessUtxo. */
  readonly hasNonWitnessUtxo: boolean;
  /** The whole previous transaction (PSBT nonWitnessUtxo), when it parses. */
  readonly parent?: Transaction;
  /** Why the nonWitnessUtxo cannot be trusted, if it cannot. */
  readonly parentProblem?: string;
  /** The witness script: a PSBT's field, or the last item of a final witness when it is a registered template's script. */
  readonly witnessScript?: Uint8Array;
  /** A PSBT input's redeemScript. */
  readonly redeemScript?: Uint8Array;
  /** A PSBT input's partial signatures. */
  readonly partialSigs: readonly PartialSignature[];
  /** Taproot key-path signature of a PSBT input. */
  readonly hasTapKeySig: boolean;
  /** The final witness (a signed transaction's, or a PSBT's finalScriptWitness). */
  readonly witness?: readonly Uint8Array[];
  /** The final scriptSig, when not empty. */
  readonly scriptSig?: Uint8Array;
  /** The sighash type a PSBT input asks for. */
  readonly sighashType?: number;
  /** Keys a PSBT's bip32Derivation lists for this input. */
  readonly derivationKeys: readonly Uint8Array[];
}

/** One output. */
export interface OutputView {
  /** Its index. */
  readonly index: number;
  /** Its output script. */
  readonly script: Uint8Array;
  /** Its value in satoshis. */
  readonly value: bigint;
  /** A PSBT output's witnessScript. */
  readonly witnessScript?: Uint8Array;
}

/** A PSBT or a transaction, asked the same questions: what inspect and each construction's inspector read. */
export interface TxView {
  /** Which of the two it is. */
  readonly source: 'psbt' | 'transaction';
  /** The transaction: unsigned for a PSBT unless every input is final. */
  readonly tx: Transaction;
  /** True when every input carries its final witness or scriptSig. */
  readonly final: boolean;
  /** Every input. */
  readonly inputs: readonly InputView[];
  /** Every output. */
  readonly outputs: readonly OutputView[];
  /** The PSBT, when it is one (to check partial signatures against its sighash). */
  readonly psbt?: Psbt;
}

/** A serialized witness stack (PSBT finalScriptWitness), or undefined if it does not decode. */
export function decodeWitnessStack(bytes: Uint8Array): Uint8Array[] | undefined {
  let at = 0;
  const varint = (): number | undefined => {
    const b = bytes[at];
    if (b === undefined) return undefined;
    at += 1;
    if (b < 0xfd) return b;
    if (b === 0xfd && at + 2 <= bytes.length) {
      const v = bytes[at]! | (bytes[at + 1]! << 8);
      at += 2;
      return v;
    }
    return undefined;
  };
  const n = varint();
  if (n === undefined) return undefined;
  const items: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const len = varint();
    if (len === undefined || at + len > bytes.length) return undefined;
    items.push(bytes.subarray(at, at + len));
    at += len;
  }
  return at === bytes.length ? items : undefined;
}

/** The last witness item, if it is a channel template's script (the witness script of a P2WSH spend). */
function revealedScript(witness: readonly Uint8Array[] | undefined): Uint8Array | undefined {
  if (witness === undefined || witness.length < 2) return undefined;
  const last = witness[witness.length - 1]!;
  return matchTemplate(last) !== undefined ? last : undefined;
}

export function viewTransaction(tx: Transaction): TxView {
  const inputs = tx.ins.map((inp, index): InputView => {
    const witness = inp.witness.length > 0 ? inp.witness : undefined;
    const ws = revealedScript(witness);
    return {
      index,
      txid: hashToTxid(inp.hash),
      vout: inp.index,
      sequence: inp.sequence,
      hasWitnessUtxo: false,
      hasNonWitnessUtxo: false,
      partialSigs: [],
      hasTapKeySig: false,
      derivationKeys: [],
      ...(witness ? { witness } : {}),
      ...(inp.script.length > 0 ? { scriptSig: inp.script } : {}),
      ...(ws ? { witnessScript: ws } : {}),
    };
  });
  const outputs = tx.outs.map((o, index): OutputView => ({ index, script: o.script, value: o.value }));
  const final = inputs.every((i) => i.witness !== undefined || i.scriptSig !== undefined);
  return { source: 'transaction', tx, final, inputs, outputs };
}

function parentOf(raw: Uint8Array, hash: Uint8Array, vout: number): { parent?: Transaction; problem?: string } {
  let parent: Transaction;
  try {
    parent = Transaction.fromBuffer(raw);
  } catch {
    return { problem: 'nonWitnessUtxo does not parse as a transaction' };
  }
  if (!bytesEqual(parent.getHash(), hash)) return { parent, problem: 'nonWitnessUtxo is not the transaction this input spends (txid differs)' };
  if (parent.outs[vout] === undefined) return { parent, problem: `nonWitnessUtxo has no output ${vout}` };
  return { parent };
}

export function viewPsbt(psbt: Psbt): TxView {
  const unsigned = Transaction.fromBuffer(psbt.data.globalMap.unsignedTx.toBuffer());
  const inputs = psbt.data.inputs.map((d, index): InputView => {
    const txIn = unsigned.ins[index]!;
    const { parent, problem } = d.nonWitnessUtxo ? parentOf(d.nonWitnessUtxo, txIn.hash, txIn.index) : { parent: undefined, problem: undefined };
    let prevout: TxOut | undefined;
    let parentProblem = problem;
    if (d.witnessUtxo) {
      prevout = { script: d.witnessUtxo.script, value: d.witnessUtxo.value };
      const fromParent = parent?.outs[txIn.index];
      if (parentProblem === undefined && fromParent
        && (fromParent.value !== prevout.value || !bytesEqual(fromParent.script, prevout.script))) {
        parentProblem = 'witnessUtxo differs from the output nonWitnessUtxo shows';
      }
    } else if (parent && parentProblem === undefined) {
      const o = parent.outs[txIn.index]!;
      prevout = { script: o.script, value: o.value };
    }
    let witness: Uint8Array[] | undefined;
    if (d.finalScriptWitness) {
      witness = decodeWitnessStack(d.finalScriptWitness);
      if (witness === undefined) fail('PSBT_INVALID', `input ${index}: finalScriptWitness does not decode`);
    }
    const ws = d.witnessScript ?? revealedScript(witness);
    if (ws && prevout && prevout.script.length === 34 && prevout.script[0] === 0x00 && prevout.script[1] === 0x20
      && !bytesEqual(prevout.script.subarray(2), sha256(ws))) {
      fail('PSBT_INVALID', `input ${index}: witnessScript does not hash to the P2WSH output it spends`);
    }
    return {
      index,
      txid: hashToTxid(txIn.hash),
      vout: txIn.index,
      sequence: txIn.sequence,
      hasWitnessUtxo: d.witnessUtxo !== undefined,
      hasNonWitnessUtxo: d.nonWitnessUtxo !== undefined,
      partialSigs: (d.partialSig ?? []).map((p) => ({ pubkey: p.pubkey, signature: p.signature })),
      hasTapKeySig: d.tapKeySig !== undefined,
      derivationKeys: (d.bip32Derivation ?? []).map((b) => b.pubkey),
      ...(prevout ? { prevout } : {}),
      ...(parent ? { parent } : {}),
      ...(parentProblem ? { parentProblem } : {}),
      ...(ws ? { witnessScript: ws } : {}),
      ...(d.redeemScript ? { redeemScript: d.redeemScript } : {}),
      ...(witness ? { witness } : {}),
      ...(d.finalScriptSig && d.finalScriptSig.length > 0 ? { scriptSig: d.finalScriptSig } : {}),
      ...(d.sighashType !== undefined ? { sighashType: d.sighashType } : {}),
    };
  });
  const outputs = unsigned.outs.map((o, index): OutputView => {
    const ws = psbt.data.outputs[index]?.witnessScript;
    return { index, script: o.script, value: o.value, ...(ws ? { witnessScript: ws } : {}) };
  });
  const final = inputs.every((i) => i.witness !== undefined || i.scriptSig !== undefined);
  let tx = unsigned;
  if (final) {
    try {
      // The fee check is inspect's own (with its own bound), so bitcoinjs' is turned off here.
      tx = psbt.extractTransaction(true);
    } catch {
      tx = unsigned;
    }
  }
  return { source: 'psbt', tx, final, inputs, outputs, psbt };
}
