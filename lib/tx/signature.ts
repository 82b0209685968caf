/**
 * ECDSA over a precomputed sighash. Signatures are RFC 6979 deterministic and
 * low-S (tiny-secp256k1), DER-encoded with the SIGHASH_ALL byte. Verification
 * is strict: DER (BIP 66), SIGHASH_ALL only, low-S.
 */
import { script as bscript } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { fail } from '../errors';
import { PrivateKey, PublicKey } from '../types';
import { SIGHASH_ALL } from './sighash';

function checkSighash(hash: Uint8Array): void {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) fail('INVALID_ARGUMENT', 'sighash must be 32 bytes');
}

export function signSighash(hash: Uint8Array, key: PrivateKey): Uint8Array {
  checkSighash(hash);
  return bscript.signature.encode(ecc.sign(hash, key), SIGHASH_ALL);
}

/** The 64-byte compact signature inside a strict DER SIGHASH_ALL signature, or undefined. */
export function decodeSignature(sig: Uint8Array): Uint8Array | undefined {
  if (!(sig instanceof Uint8Array) || sig.length < 9 || sig.length > 73) return undefined;
  try {
    const d = bscript.signature.decode(sig);
    return d.hashType === SIGHASH_ALL ? d.signature : undefined;
  } catch {
    return undefined;
  }
}

export function verifySighashSignature(hash: Uint8Array, key: PublicKey, sig: Uint8Array): boolean {
  checkSighash(hash);
  const compact = decodeSignature(sig);
  if (compact === undefined) return false;
  // strict = true refuses high-S, which standard relay refuses too.
  return ecc.verify(hash, key, compact, true);
}
