import { expectBytes } from '../arguments';
import { fail } from '../errors';
import { DUST_P2WPKH, DUST_P2WSH, PublicKey } from '../types';
import { hash160, sha256 } from './hash';

/** A transaction output. */
export interface TxOut {
  /** The output script (scriptPubKey). */
  readonly script: Uint8Array;
  /** The amount in satoshis. */
  readonly value: bigint;
}

/**
 * The P2WPKH output script of a key: `OP_0 <hash160(pub)>`.
 *
 * @param pub - The compressed public key.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `pub` is not a Uint8Array.
 */
export function p2wpkhScript(pub: PublicKey): Uint8Array {
  expectBytes(pub, 'public key');
  const out = new Uint8Array(22);
  out[0] = 0x00;
  out[1] = 0x14;
  out.set(hash160(pub), 2);
  return out;
}

/**
 * The P2WSH output script of a witness script: `OP_0 <sha256(script)>`.
 *
 * @param witnessScript - The script the output commits to.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `witnessScript` is not a Uint8Array.
 */
export function p2wshScript(witnessScript: Uint8Array): Uint8Array {
  expectBytes(witnessScript, 'witness script');
  const out = new Uint8Array(34);
  out[0] = 0x00;
  out[1] = 0x20;
  out.set(sha256(witnessScript), 2);
  return out;
}

/** The standard output types revchan tells apart, and `'other'` for the rest. */
export type ScriptType = 'p2wpkh' | 'p2wsh' | 'p2tr' | 'p2sh' | 'p2pkh' | 'other';

/**
 * The standard type of an output script.
 *
 * 'other' for anything, bytes or not, that is none of the standard output types.
 *
 * @param s - The output script.
 */
export function classifyScript(s: Uint8Array): ScriptType {
  if (!(s instanceof Uint8Array)) return 'other';
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return 'p2wpkh';
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return 'p2wsh';
  if (s.length === 34 && s[0] === 0x51 && s[1] === 0x20) return 'p2tr';
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return 'p2sh';
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) return 'p2pkh';
  return 'other';
}

/**
 * Bitcoin Core's default dust thresholds (3 sat/vB discard rate) for each output type.
 *
 * @param script - The output script.
 * @returns The smallest value in satoshis an output with this script may have and still relay.
 */
export function dustLimit(script: Uint8Array): bigint {
  switch (classifyScript(script)) {
    case 'p2wpkh': return DUST_P2WPKH;
    case 'p2wsh': case 'p2tr': return DUST_P2WSH;
    case 'p2sh': return 540n;
    default: return 546n;
  }
}

/**
 * Check a destination the caller names: standard and spendable by a wallet.
 *
 * @param s - The output script.
 * @param what - The name of the value in the error message.
 * @returns `s`, unchanged.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `s` is not bytes or not P2WPKH, P2WSH, P2TR, P2SH or P2PKH.
 */
export function checkDestinationScript(s: Uint8Array, what = 'destination script'): Uint8Array {
  if (!(s instanceof Uint8Array)) fail('INVALID_SCRIPT', `${what} must be bytes`);
  if (classifyScript(s) === 'other') fail('INVALID_SCRIPT', `${what} must be P2WPKH, P2WSH, P2TR, P2SH or P2PKH`);
  return s;
}
