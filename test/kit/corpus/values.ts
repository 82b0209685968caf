/** Bad keys, signatures and scripts the corpus reuses across targets. */
import { script as bscript } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { SIGHASH_ALL, fromHex, hash160, p2wpkhScript, toHex } from '../../../lib';
import { testKey } from '../../support/keys';

export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
export const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

export const validPub = testKey('bad key base').pub;

/** 33 bytes with a valid prefix whose x (< p) has no point on the curve. */
export function offCurveKey(): Uint8Array {
  for (let x = 1; ; x++) {
    const k = new Uint8Array(33);
    k[0] = 2;
    k[32] = x;
    if (!ecc.isPoint(k)) return k;
  }
}

export const be32 = (n: bigint): Uint8Array => fromHex(n.toString(16).padStart(64, '0'));

export const BAD_KEYS: readonly { name: string; key: unknown }[] = [
  { name: 'uncompressed 65-byte key', key: ecc.pointCompress(validPub, false) },
  { name: '33 bytes off the curve', key: offCurveKey() },
  { name: '33 bytes with x >= p', key: Uint8Array.from([3, ...new Uint8Array(32).fill(0xff)]) },
  { name: '32-byte x-only key', key: validPub.subarray(1) },
  { name: 'prefix 0x04 on 33 bytes', key: Uint8Array.from([4, ...validPub.subarray(1)]) },
  { name: 'hex string instead of bytes', key: toHex(validPub) },
];

export const BAD_PRIVATE_KEYS: readonly { name: string; key: Uint8Array }[] = [
  { name: 'zero private key', key: new Uint8Array(32) },
  { name: 'private key = n', key: be32(N) },
  { name: '31-byte private key', key: new Uint8Array(31).fill(1) },
];

export const p2pkhScript = (pub: Uint8Array): Uint8Array => Uint8Array.from([0x76, 0xa9, 0x14, ...hash160(pub), 0x88, 0xac]);
export const p2shScript = (redeem: Uint8Array): Uint8Array => Uint8Array.from([0xa9, 0x14, ...hash160(redeem), 0x87]);

export const BAD_DESTINATIONS: readonly { name: string; script: unknown }[] = [
  { name: 'OP_RETURN', script: Uint8Array.from([0x6a, 0x04, 1, 2, 3, 4]) },
  { name: 'empty script', script: new Uint8Array(0) },
  { name: 'bare OP_TRUE', script: Uint8Array.from([0x51]) },
  { name: 'bare multisig', script: Uint8Array.from([0x51, 0x21, ...validPub, 0x51, 0xae]) },
  { name: 'witness v0 program of 25 bytes', script: Uint8Array.from([0x00, 0x19, ...new Uint8Array(25)]) },
  { name: 'hex string', script: toHex(p2wpkhScript(validPub)) },
];

export function derToCompact(sig: Uint8Array): Uint8Array {
  return bscript.signature.decode(sig).signature;
}

/** The same signature with s replaced by n - s: valid ECDSA, refused by standard policy (BIP 146 LOW_S). */
export function highS(sig: Uint8Array): Uint8Array {
  const c = derToCompact(sig);
  const s = BigInt('0x' + toHex(c.subarray(32)));
  return bscript.signature.encode(Uint8Array.from([...c.subarray(0, 32), ...be32(N - s)]), SIGHASH_ALL);
}

/** BER, not DER: r padded with a superfluous zero byte (BIP 66 refuses it). */
export function paddedR(sig: Uint8Array): Uint8Array {
  const rLen = sig[3]!;
  const body = [2, rLen + 1, 0, ...sig.subarray(4, 4 + rLen), ...sig.subarray(4 + rLen, sig.length - 1)];
  return Uint8Array.from([0x30, body.length, ...body, sig[sig.length - 1]!]);
}

/** Signatures that are wrong in form, for a good DER signature `good`; each must be refused as INVALID_SIGNATURE. */
export function malformedSignatures(good: Uint8Array): { name: string; sig: unknown }[] {
  return [
    { name: 'a high-S signature', sig: highS(good) },
    { name: 'a non-DER signature (padded r)', sig: paddedR(good) },
    { name: 'a non-DER signature (wrong length byte)', sig: Uint8Array.from([good[0]!, good[1]! + 1, ...good.subarray(2)]) },
    { name: 'a non-DER signature (wrong sequence tag)', sig: Uint8Array.from([0x31, ...good.subarray(1)]) },
    { name: 'a truncated signature', sig: good.subarray(0, good.length - 5) },
    { name: 'a signature with a trailing byte', sig: Uint8Array.from([...good.subarray(0, -1), 0, good[good.length - 1]!]) },
    { name: 'a compact 64-byte signature with a sighash byte', sig: Uint8Array.from([...derToCompact(good), SIGHASH_ALL]) },
    { name: 'a SIGHASH_NONE signature', sig: Uint8Array.from([...good.subarray(0, -1), 2]) },
    { name: 'a SIGHASH_SINGLE signature', sig: Uint8Array.from([...good.subarray(0, -1), 3]) },
    { name: 'a SIGHASH_ALL|ANYONECANPAY signature', sig: Uint8Array.from([...good.subarray(0, -1), 0x81]) },
    { name: 'a signature without its sighash byte', sig: good.subarray(0, -1) },
    { name: 'r = 0', sig: bscript.signature.encode(Uint8Array.from([...new Uint8Array(32), ...derToCompact(good).subarray(32)]), SIGHASH_ALL) },
    { name: '72 bytes of 0x01', sig: new Uint8Array(72).fill(1) },
    { name: 'an empty signature', sig: new Uint8Array(0) },
    { name: 'a hex string', sig: toHex(good) },
  ];
}
