/**
 * Copying a PSBT goes through its serialization, and a PSBT parsed from
 * bytes need not survive that: bip174 reads a key length written as a
 * non-minimal varint 0 as an empty key, then writes it back as the byte 0,
 * which ends the map. Such a PSBT is refused as PSBT_INVALID.
 */
import { Psbt } from 'bitcoinjs-lib';
import { fail } from '../core/errors';

/** A bitcoinjs Psbt object, as every PSBT function takes (parse bytes or base64 with Psbt.fromBuffer / fromBase64 first). */
export function expectPsbt(psbt: Psbt, what = 'psbt'): Psbt {
  if (!(psbt instanceof Psbt)) fail('PSBT_INVALID', `${what} must be a bitcoinjs Psbt`);
  return psbt;
}

export function copyPsbt(psbt: Psbt): Psbt {
  expectPsbt(psbt);
  try {
    return psbt.clone();
  } catch (e) {
    return fail('PSBT_INVALID', `PSBT does not survive its own encoding: ${(e as Error).message}`);
  }
}
