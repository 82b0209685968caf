/**
 * The `secp256k1` package (v5, an optional dependency) behind EccLib: Bitcoin
 * Core's libsecp256k1 as a prebuilt Node addon, several times faster than the
 * WASM default. Node only, and never imported by the package entry, so a
 * browser bundle does not see it:
 *
 *   useEcc(loadNativeEcc());
 *
 * It gives the same bytes as tiny-secp256k1, which compiles the same C library
 * to WASM: RFC 6979 nonces, low-S signatures (test/ecc.spec.ts).
 */
import type { EccLib } from './ecc';
import { fail } from './errors';

/** The part of secp256k1 v5's API the adapter calls (the package ships no types). */
interface Secp256k1Api {
  privateKeyVerify(d: Uint8Array): boolean;
  publicKeyVerify(p: Uint8Array): boolean;
  publicKeyCreate(d: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(h: Uint8Array, d: Uint8Array): { signature: Uint8Array };
  ecdsaVerify(sig: Uint8Array, h: Uint8Array, p: Uint8Array): boolean;
  signatureNormalize(sig: Uint8Array): Uint8Array;
}

/**
 * EccLib over secp256k1 v5's API. Its argument checks throw where
 * tiny-secp256k1's would (a key, hash or signature of the wrong size, a
 * point that does not parse); the wrappers below answer false where
 * tiny-secp256k1 answers false for a wrong size.
 */
function adapt(s: Secp256k1Api): EccLib {
  return {
    isPoint: (p) => p instanceof Uint8Array && (p.length === 33 || p.length === 65) && s.publicKeyVerify(p),
    isPrivate: (d) => d instanceof Uint8Array && d.length === 32 && s.privateKeyVerify(d),
    pointFromScalar: (d, compressed = true) => s.publicKeyCreate(d, compressed),
    sign: (h, d) => s.ecdsaSign(h, d).signature,
    // libsecp256k1 always refuses high-S; tiny-secp256k1's non-strict verify normalises first.
    verify: (h, Q, sig, strict = false) => s.ecdsaVerify(strict ? sig : s.signatureNormalize(Uint8Array.from(sig)), h, Q),
  };
}

let loaded: EccLib | undefined;

/**
 * The native secp256k1 as an EccLib, to pass to `useEcc`. Loads the addon
 * itself (`secp256k1/bindings`), not the package's main file, which would
 * silently fall back to pure-JS elliptic. INVALID_ECC_LIB if the package is
 * not installed or its prebuilt binary does not load on this platform.
 * The same object on every call.
 *
 * @returns The native library as an {@link revchan!EccLib}.
 * @throws {@link revchan!ChannelError} `INVALID_ECC_LIB` if the `secp256k1` package or its binary does not load.
 *
 * @example
 * ```ts
 * import { useEcc } from 'revchan';
 * import { loadNativeEcc } from 'revchan/node';
 *
 * useEcc(loadNativeEcc());
 * ```
 */
export function loadNativeEcc(): EccLib {
  if (loaded !== undefined) return loaded;
  let api: Secp256k1Api;
  try {
    api = require('secp256k1/bindings') as Secp256k1Api;
  } catch (e) {
    return fail('INVALID_ECC_LIB', `the native secp256k1 addon does not load (npm install secp256k1@5): ${(e as Error).message}`);
  }
  loaded = adapt(api);
  return loaded;
}
