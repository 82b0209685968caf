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

/**
 * SHA-256.
 *
 * @param data - The bytes to hash.
 * @returns The 32-byte digest.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `data` is not a Uint8Array.
 */
export function sha256(data: Uint8Array): Uint8Array {
  expectBytes(data, 'data');
  return sha256Bytes(data);
}

/**
 * SHA-256 applied twice, Bitcoin's hash for txids and sighashes.
 *
 * @param data - The bytes to hash.
 * @returns The 32-byte digest.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `data` is not a Uint8Array.
 */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/**
 * RIPEMD-160 of SHA-256, the hash in P2WPKH and P2PKH outputs.
 *
 * @param data - The bytes to hash.
 * @returns The 20-byte digest.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `data` is not a Uint8Array.
 */
export function hash160(data: Uint8Array): Uint8Array {
  expectBytes(data, 'data');
  return ripemd160(sha256Bytes(data));
}

/**
 * Bytes as lowercase hex.
 *
 * @param b - The bytes.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `b` is not a Uint8Array.
 */
export function toHex(b: Uint8Array): string {
  expectBytes(b, 'bytes');
  return tools.toHex(b);
}

/**
 * Hex to bytes.
 *
 * Lenient: decodes up to the first pair that is not hex, and drops an odd last digit. Decoders that must refuse bad hex check it first.
 *
 * @param h - The hex string.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `h` is not a string.
 */
export function fromHex(h: string): Uint8Array {
  if (typeof h !== 'string') fail('INVALID_ARGUMENT', 'hex must be a string');
  return tools.fromHex(h);
}

/**
 * Whether two byte arrays hold the same bytes.
 *
 * @param a - The first array.
 * @param b - The second array.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if either is not a Uint8Array.
 */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  expectBytes(a, 'a');
  expectBytes(b, 'b');
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Display-order txid <-> the little-endian hash used inside transactions.
 *
 * @param txid - The txid in display order, hex; not checked (see {@link fromHex}).
 * @returns The 32-byte hash in transaction order.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `txid` is not a string.
 */
export function txidToHash(txid: string): Uint8Array {
  return fromHex(txid).reverse();
}

/**
 * The display-order txid of a transaction hash as it appears inside transactions.
 *
 * @param hash - 32 bytes, little-endian.
 * @returns 64 lowercase hex characters.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
 */
export function hashToTxid(hash: Uint8Array): string {
  expectBytes(hash, 'hash', 32);
  return toHex(Uint8Array.from(hash).reverse());
}
