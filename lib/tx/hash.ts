/**
 * Hashes and hex, portable: SHA-256 of our own (./sha256, for the short
 * messages of the payment path), RIPEMD-160 from @noble/hashes, hex from
 * uint8array-tools (bitcoinjs's own), so the package entry needs neither
 * node:crypto nor Buffer.
 */
import { ripemd160 } from '@noble/hashes/legacy';
import * as tools from 'uint8array-tools';
import { expectBytes } from '../arguments';
import { fail } from '../errors';
import { sha256Bytes } from './sha256';

export function sha256(data: Uint8Array): Uint8Array {
  expectBytes(data, 'data');
  return sha256Bytes(data);
}

export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

export function hash160(data: Uint8Array): Uint8Array {
  expectBytes(data, 'data');
  return ripemd160(sha256Bytes(data));
}

export function toHex(b: Uint8Array): string {
  expectBytes(b, 'bytes');
  return tools.toHex(b);
}

/** Lenient: decodes up to the first pair that is not hex, and drops an odd last digit. Decoders that must refuse bad hex check it first. */
export function fromHex(h: string): Uint8Array {
  if (typeof h !== 'string') fail('INVALID_ARGUMENT', 'hex must be a string');
  return tools.fromHex(h);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  expectBytes(a, 'a');
  expectBytes(b, 'b');
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Display-order txid <-> the little-endian hash used inside transactions. */
export function txidToHash(txid: string): Uint8Array {
  return fromHex(txid).reverse();
}

export function hashToTxid(hash: Uint8Array): string {
  expectBytes(hash, 'hash', 32);
  return toHex(Uint8Array.from(hash).reverse());
}
