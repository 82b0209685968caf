/**
 * Before signing a PSBT that came from elsewhere, rebuild the PSBT from our own
 * state and check that the parts a signature commits to, and the parts a wallet
 * shows its user, are what we expect.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { bytesEqual } from '../tx/hash';
import { expectPsbt } from './copy';

function unsignedTx(psbt: Psbt): Uint8Array {
  return psbt.data.globalMap.unsignedTx.toBuffer();
}

/** Strip scriptSigs: a P2SH-wrapped input's builder output carries one; a PSBT's unsigned tx never does. */
function withoutScriptSigs(tx: Transaction): Uint8Array {
  const t = tx.clone();
  t.ins.forEach((_, i) => t.setInputScript(i, new Uint8Array(0)));
  for (let i = 0; i < t.ins.length; i++) t.setWitness(i, []);
  return t.toBuffer();
}

/**
 * Check that the PSBT's unsigned transaction is byte-equal to `expected` (what we would build).
 *
 * @param psbt - The PSBT that came from elsewhere.
 * @param expected - The transaction built from our own state.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `expected` is not a Transaction.
 * @throws {@link ChannelError} `PSBT_MISMATCH` if the transactions differ (scriptSigs and witnesses aside).
 */
export function verifyPsbtTransaction(psbt: Psbt, expected: Transaction): void {
  expectPsbt(psbt);
  if (!(expected instanceof Transaction)) fail('INVALID_TRANSACTION', 'expected must be a Transaction');
  if (!bytesEqual(unsignedTx(psbt), withoutScriptSigs(expected))) fail('PSBT_MISMATCH', 'unsigned transaction differs from the one we would build');
}

/** A nonWitnessUtxo must be the transaction the input spends, paying what witnessUtxo says. */
function prevTxMatches(psbt: Psbt, index: number, prevTx: Uint8Array, utxo: { script: Uint8Array; value: bigint }): boolean {
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(prevTx);
  } catch {
    return false;
  }
  const input = psbt.txInputs[index]!;
  const out = tx.outs[input.index];
  return bytesEqual(tx.getHash(), input.hash) && out !== undefined && out.value === utxo.value && bytesEqual(out.script, utxo.script);
}

/**
 * Check a PSBT from elsewhere against our own PSBT of the same thing: transaction, prevout amounts and scripts, and witness scripts must all match.
 *
 * @param psbt - The PSBT that came from elsewhere.
 * @param expected - Our own PSBT, from the create functions.
 * @throws {@link ChannelError} `PSBT_INVALID` if either is not a bitcoinjs Psbt.
 * @throws {@link ChannelError} `PSBT_MISMATCH` if the unsigned transactions differ, or an input's witnessUtxo, nonWitnessUtxo, witnessScript or sighash type is not what we expect.
 *
 * @example
 * ```ts
 * verifyPsbtMatches(theirs, createSenderPaymentPsbt(p)); // throws PSBT_MISMATCH if anything a signature commits to differs
 * signPsbtWithKey(theirs, fundingKey);
 * ```
 */
export function verifyPsbtMatches(psbt: Psbt, expected: Psbt): void {
  expectPsbt(psbt);
  expectPsbt(expected, 'expected');
  if (!bytesEqual(unsignedTx(psbt), unsignedTx(expected))) fail('PSBT_MISMATCH', 'unsigned transaction differs');
  expected.data.inputs.forEach((e, i) => {
    const got = psbt.data.inputs[i]!;
    const wu = got.witnessUtxo;
    if (!wu || !e.witnessUtxo || wu.value !== e.witnessUtxo.value || !bytesEqual(wu.script, e.witnessUtxo.script)) {
      fail('PSBT_MISMATCH', `input ${i}: witnessUtxo differs`);
    }
    // Wallets that sign segwit inputs from nonWitnessUtxo take the amount from it.
    if (got.nonWitnessUtxo !== undefined && !prevTxMatches(psbt, i, got.nonWitnessUtxo, wu)) {
      fail('PSBT_MISMATCH', `input ${i}: nonWitnessUtxo is not the transaction the input spends`);
    }
    if ((e.witnessScript === undefined) !== (got.witnessScript === undefined)
      || (e.witnessScript && got.witnessScript && !bytesEqual(e.witnessScript, got.witnessScript))) {
      fail('PSBT_MISMATCH', `input ${i}: witnessScript differs`);
    }
    if (got.sighashType !== undefined && got.sighashType !== Transaction.SIGHASH_ALL) fail('PSBT_MISMATCH', `input ${i}: sighash type is not ALL`);
  });
}
