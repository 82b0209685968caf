import { expectArray } from '../core/arguments';
import { fail } from '../core/errors';
import { checkAmount } from '../core/types';
import { TxOut } from './outputs';

/** Outputs a caller hands to a serializer or a transaction: scripts under 253 bytes (one length byte), values in [0, MAX_MONEY]. */
export function checkTxOuts(outputs: readonly TxOut[]): readonly TxOut[] {
  expectArray(outputs, 'outputs');
  for (const o of outputs) {
    if (o === null || typeof o !== 'object' || !(o.script instanceof Uint8Array) || o.script.length > 252) fail('INVALID_SCRIPT', 'each output needs a script of at most 252 bytes');
    checkAmount(o.value, 'output value');
  }
  return outputs;
}
