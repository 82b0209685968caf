/**
 * ECDSA over a precomputed sighash. Signatures are RFC 6979 deterministic and
 * low-S (the ECC library in use, lib/ecc.ts), DER-encoded with the SIGHASH_ALL
 * byte. Verification is strict: DER (BIP 66), SIGHASH_ALL only, low-S.
 */
import { expectBytes } from '../arguments';
import { ecc } from '../ecc';
import { fail } from '../errors';
import { PrivateKey, PublicKey } from '../types';
import { fromHex } from './hash';
import { SIGHASH_ALL } from './sighash';

function checkSighash(hash: Uint8Array): void {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) fail('INVALID_ARGUMENT', 'sighash must be 32 bytes');
}

/** Where the DER integer of the 32-byte big-endian scalar at `from` starts: leading zero bytes dropped, the last one kept. */
function derStart(compact: Uint8Array, from: number): number {
  let start = from;
  while (start < from + 31 && compact[start] === 0) start++;
  return start;
}

/**
 * Strict DER (BIP 66) of a 64-byte r||s with the sighash byte appended. Written
 * out because the general encoder, with its argument schema checks, costs
 * about a tenth of the signature itself.
 *
 * @param compact - 64 bytes r||s.
 * @param hashType - The sighash byte to append (SIGHASH_ALL by default).
 * @returns The DER signature with its sighash byte, as a witness carries it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `compact` is not 64 bytes or `hashType` not a byte.
 */
export function encodeSignature(compact: Uint8Array, hashType = SIGHASH_ALL): Uint8Array {
  expectBytes(compact, 'compact signature', 64);
  if (!Number.isInteger(hashType) || hashType < 0 || hashType > 0xff) fail('INVALID_ARGUMENT', 'hashType must be a byte');
  const rStart = derStart(compact, 0);
  const sStart = derStart(compact, 32);
  // A 0x00 in front where the top bit is set, so the integer is not negative.
  const rLen = 32 - rStart + (compact[rStart]! >= 0x80 ? 1 : 0);
  const sLen = 64 - sStart + (compact[sStart]! >= 0x80 ? 1 : 0);
  const out = new Uint8Array(7 + rLen + sLen);
  out[0] = 0x30;
  out[1] = 4 + rLen + sLen;
  out[2] = 0x02;
  out[3] = rLen;
  // Each integer ends where its length says; a pad byte before it stays 0.
  const rEnd = 4 + rLen;
  for (let i = rStart; i < 32; i++) out[rEnd - 32 + i] = compact[i]!;
  out[rEnd] = 0x02;
  out[rEnd + 1] = sLen;
  const sEnd = rEnd + 2 + sLen;
  for (let i = sStart; i < 64; i++) out[sEnd - 64 + i] = compact[i]!;
  out[sEnd] = hashType;
  return out;
}

/**
 * Sign a 32-byte sighash: RFC 6979, low-S, DER with SIGHASH_ALL.
 *
 * @param hash - The sighash.
 * @param key - The private key.
 * @returns The signature as a witness carries it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
 * @throws {@link ChannelError} `INVALID_KEY` if the ECC library refuses `key`.
 */
export function signSighash(hash: Uint8Array, key: PrivateKey): Uint8Array {
  checkSighash(hash);
  let compact: Uint8Array;
  try {
    compact = ecc().sign(hash, key);
  } catch {
    // The hash is checked above: what the ECC library refuses is the key.
    return fail('INVALID_KEY', 'private key must be a 32-byte scalar in [1, n-1]');
  }
  return encodeSignature(compact);
}

/** r and s of a compact signature are both in [1, n-1]; the ECC library may throw rather than answer false otherwise. */
const N = fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
function scalarInRange(b: Uint8Array, at: number): boolean {
  let zero = true;
  for (let i = 0; i < 32; i++) {
    if (b[at + i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return false;
  for (let i = 0; i < 32; i++) if (b[at + i] !== N[i]) return b[at + i]! < N[i]!;
  return false;
}

/** A strict DER integer of `len` bytes at `at` into 32 bytes of `out` at `to`: false if its value needs more than 32. */
function readScalar(sig: Uint8Array, at: number, len: number, out: Uint8Array, to: number): boolean {
  if (sig[at] === 0) {
    at++;
    len--;
  }
  if (len > 32) return false;
  for (let i = 0; i < len; i++) out[to + 32 - len + i] = sig[at + i]!;
  return true;
}

/**
 * The 64-byte compact signature inside a strict DER (BIP 66) SIGHASH_ALL
 * signature, or undefined. Written out, as the encoder is: bitcoinjs's
 * decoder gives the same answers (test/hot-path.spec.ts), but its byte
 * copies and allocations cost about 3% of a payment with the native backend.
 *
 * @param sig - A DER signature with its sighash byte, as a witness carries it.
 * @returns 64 bytes r||s, or undefined if `sig` is not strict DER, not SIGHASH_ALL, or r or s is out of range.
 */
export function decodeSignature(sig: Uint8Array): Uint8Array | undefined {
  if (!(sig instanceof Uint8Array) || sig.length < 9 || sig.length > 73) return undefined;
  const n = sig.length - 1;
  if (sig[n] !== SIGHASH_ALL) return undefined;
  if (sig[0] !== 0x30 || sig[1] !== n - 2 || sig[2] !== 0x02) return undefined;
  const lenR = sig[3]!;
  if (lenR === 0 || 5 + lenR >= n || sig[4 + lenR] !== 0x02) return undefined;
  const lenS = sig[5 + lenR]!;
  if (lenS === 0 || 6 + lenR + lenS !== n) return undefined;
  // Negative, or padded with a zero byte the next one does not need.
  if (sig[4]! & 0x80 || (lenR > 1 && sig[4] === 0 && !(sig[5]! & 0x80))) return undefined;
  if (sig[6 + lenR]! & 0x80 || (lenS > 1 && sig[6 + lenR] === 0 && !(sig[7 + lenR]! & 0x80))) return undefined;
  const compact = new Uint8Array(64);
  if (!readScalar(sig, 4, lenR, compact, 0) || !readScalar(sig, 6 + lenR, lenS, compact, 32)) return undefined;
  if (!scalarInRange(compact, 0) || !scalarInRange(compact, 32)) return undefined;
  return compact;
}

/**
 * Check a signature over a 32-byte sighash, strictly: DER, SIGHASH_ALL only, low-S.
 *
 * @param hash - The sighash.
 * @param key - The signer's public key.
 * @param sig - The signature with its sighash byte.
 * @returns Whether `sig` is a valid signature of `hash` by `key`; false for any malformed signature.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
 * @throws {@link ChannelError} `INVALID_KEY` if the ECC library refuses `key`.
 */
export function verifySighashSignature(hash: Uint8Array, key: PublicKey, sig: Uint8Array): boolean {
  checkSighash(hash);
  const compact = decodeSignature(sig);
  if (compact === undefined) return false;
  try {
    // strict = true refuses high-S, which standard relay refuses too.
    return ecc().verify(hash, key, compact, true);
  } catch {
    // The hash and the signature are checked above: what the ECC library refuses is the key.
    return fail('INVALID_KEY', 'public key must be a 33-byte compressed point');
  }
}
