/**
 * The secp256k1 library revchan uses, injected as bitcoinjs does it
 * (`initEccLib`): tiny-secp256k1 unless the caller passes another with
 * `useEcc`. Every ECC call in lib/ goes through `ecc()`, which only reads a
 * module variable, so the payment path pays nothing for the choice.
 */
import * as tinySecp256k1 from 'tiny-secp256k1';
import { fail } from './errors';

/**
 * Exactly the functions revchan calls, with tiny-secp256k1's signatures and
 * behaviour; @bitcoinerlab/secp256k1 and tiny-secp256k1 itself are EccLibs as
 * they are, and `loadNativeEcc` (Node only) adapts the native `secp256k1`.
 * Argument checks are revchan's: it hands these functions 32-byte hashes and
 * keys, 33-byte compressed points and 64-byte r||s signatures with r and s in
 * [1, n-1]. A function may throw on anything else.
 */
export interface EccLib {
  /**
   * Whether `p` is a point on the curve, 33 (compressed) or 65 bytes.
   *
   * @param p - The encoded point.
   */
  isPoint(p: Uint8Array): boolean;
  /**
   * Whether `d` is a 32-byte scalar in [1, n-1].
   *
   * @param d - The candidate private key.
   */
  isPrivate(d: Uint8Array): boolean;
  /**
   * d·G, 33 bytes when `compressed` (revchan always asks for compressed).
   *
   * @param d - A private key.
   * @param compressed - Whether to give the 33-byte encoding.
   * @returns The public key, or null if `d` has none.
   */
  pointFromScalar(d: Uint8Array, compressed?: boolean): Uint8Array | null;
  /**
   * ECDSA, RFC 6979 nonce with no extra entropy, low-S; 64 bytes r||s.
   *
   * @param h - The 32-byte message hash.
   * @param d - The private key.
   */
  sign(h: Uint8Array, d: Uint8Array): Uint8Array;
  /**
   * ECDSA verification; `strict` refuses a high-S signature.
   *
   * @param h - The 32-byte message hash.
   * @param Q - The public key.
   * @param signature - 64 bytes r||s.
   * @param strict - Refuse a high-S signature.
   */
  verify(h: Uint8Array, Q: Uint8Array, signature: Uint8Array, strict?: boolean): boolean;
}

/** The names of EccLib's functions, in one place for the check at injection. */
export const ECC_FUNCTIONS: readonly (keyof EccLib)[] = ['isPoint', 'isPrivate', 'pointFromScalar', 'sign', 'verify'];

let current: EccLib = tinySecp256k1;
/** Libraries that passed the check, so that switching back to one costs nothing. */
const checked = new WeakSet<object>([tinySecp256k1]);

/** @internal The library in use. Not exported from the package: callers go through revchan's own functions. */
export function ecc(): EccLib {
  return current;
}

/**
 * The secp256k1 library revchan uses now (tiny-secp256k1 unless `useEcc` chose another).
 *
 * @returns The library last given to {@link useEcc}, or tiny-secp256k1.
 */
export function currentEcc(): EccLib {
  return current;
}

/**
 * Use `lib` for every secp256k1 operation from now on, in the whole package
 * (as bitcoinjs's `initEccLib`). It must have every EccLib function and give
 * tiny-secp256k1's answers on known vectors (an RFC 6979 low-S signature whose
 * raw s is high, a high-S signature refused when strict, scalars 0 and n,
 * a point off the curve); otherwise nothing changes and the error is
 * INVALID_ECC_LIB, with `details.missing` naming absent functions or
 * `details.check` the vector that failed. Each library object is checked once.
 *
 * @param lib - The library, an object with EccLib's five functions.
 * @throws {@link ChannelError} `INVALID_ECC_LIB` if `lib` is not an object, lacks a function, or gives another answer on a known vector.
 *
 * @example
 * ```ts
 * import * as noble from '@bitcoinerlab/secp256k1';
 * import { useEcc } from 'revchan';
 *
 * useEcc(noble); // pure JS, for a platform without WASM
 * ```
 */
export function useEcc(lib: EccLib): void {
  if (lib === null || (typeof lib !== 'object' && typeof lib !== 'function')) fail('INVALID_ECC_LIB', 'the ECC library must be an object with EccLib\'s functions');
  if (!checked.has(lib)) {
    const missing = ECC_FUNCTIONS.filter((name) => typeof (lib as unknown as Record<string, unknown>)[name] !== 'function');
    if (missing.length > 0) fail('INVALID_ECC_LIB', `the ECC library lacks ${missing.join(', ')}`, { missing });
    checkKnownAnswers(lib);
    checked.add(lib);
  }
  current = lib;
}

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function equal(a: unknown, b: Uint8Array): boolean {
  return a instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
}

// d = sha256("revchan ecc check key"), h = sha256("revchan ecc check message 2"): RFC 6979 gives a high s here,
// so only a library that normalises to low-S signs these bytes.
const KEY = hex('3a966f7620940f020996fda4cbd0a2b12c10f174c7c6a27c987a45705aa55a80');
const HASH = hex('f7a217e52e58d254a572bacb50152a51ed4744ed0838820472b77c0146bff5dc');
const PUB = hex('034f303c1033df0094b49f9129642596e877c92015971a72ed2ede18b78f9e1951');
const SIG = hex('8c6f1571c53afbc7118f2331ab24d2e1bad0726ca5c7a33c5f64677b0028af4d09259efcc9f44f5a73ac71262ba5552041609a6bcbd93fa7ed320f58ac6fc8cb');
/** The same r with s' = n - s. */
const HIGH_S = hex('8c6f1571c53afbc7118f2331ab24d2e1bad0726ca5c7a33c5f64677b0028af4df6da6103360bb0a58c538ed9d45aaade794e427ae36f6093d2a04f3423c67876');
const N = hex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
/** x = 5 is not the x of a point: 5^3 + 7 = 132 is no square mod p. */
const OFF_CURVE = hex('020000000000000000000000000000000000000000000000000000000000000005');

function checkKnownAnswers(lib: EccLib): void {
  const checks: [string, () => boolean][] = [
    ['isPrivate accepts a key', () => lib.isPrivate(KEY) === true],
    ['isPrivate refuses 0', () => lib.isPrivate(new Uint8Array(32)) === false],
    ['isPrivate refuses n', () => lib.isPrivate(N) === false],
    ['isPoint accepts a point', () => lib.isPoint(PUB) === true],
    ['isPoint refuses a point off the curve', () => lib.isPoint(OFF_CURVE) === false],
    ['pointFromScalar gives the compressed point', () => equal(lib.pointFromScalar(KEY, true), PUB)],
    ['sign gives the RFC 6979 low-S signature', () => equal(lib.sign(HASH, KEY), SIG)],
    ['verify accepts the signature, strict', () => lib.verify(HASH, PUB, SIG, true) === true],
    ['verify refuses its high-S twin, strict', () => lib.verify(HASH, PUB, HIGH_S, true) === false],
    ['verify accepts its high-S twin, not strict', () => lib.verify(HASH, PUB, HIGH_S, false) === true],
    ['verify refuses another message', () => lib.verify(KEY, PUB, SIG, true) === false],
  ];
  for (const [check, run] of checks) {
    let ok = false;
    let thrown = '';
    try {
      ok = run();
    } catch (e) {
      thrown = ` (threw: ${e instanceof Error ? e.message : String(e)})`;
    }
    if (!ok) fail('INVALID_ECC_LIB', `the ECC library fails a known answer: ${check}${thrown}`, { check });
  }
}
