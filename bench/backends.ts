/**
 * The secp256k1 libraries the benchmark compares, each an EccLib passed to
 * useEcc: the default tiny-secp256k1 (libsecp256k1 compiled to WASM),
 * @bitcoinerlab/secp256k1 (pure JS over noble-curves) and the native
 * secp256k1 addon through loadNativeEcc, when its prebuilt binary loads here.
 */
import * as tiny from 'tiny-secp256k1';
import * as bitcoinerlab from '@bitcoinerlab/secp256k1';
import { EccLib } from '../lib';
import { loadNativeEcc } from '../lib/node';

export interface Backend {
  readonly key: 'wasm' | 'native' | 'bitcoinerlab';
  readonly label: string;
  readonly lib: EccLib;
}

export const WASM: Backend = { key: 'wasm', label: 'tiny-secp256k1 (WASM)', lib: tiny };
export const BITCOINERLAB: Backend = { key: 'bitcoinerlab', label: '@bitcoinerlab/secp256k1', lib: bitcoinerlab };

/** The native backend, or why it is missing (the package is optional, its binary prebuilt for a few platforms). */
export function nativeBackend(): Backend | { readonly missing: string } {
  try {
    return { key: 'native', label: 'native secp256k1', lib: loadNativeEcc() };
  } catch (e) {
    return { missing: (e as Error).message };
  }
}
