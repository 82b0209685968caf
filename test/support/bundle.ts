/**
 * esbuild bundles for the browser, as a user's bundler would make them: no
 * Node polyfills, no Node built-ins. tiny-secp256k1 v2 loads its WASM with an
 * ES-module WASM import (`import * as wasm from './secp256k1.wasm'`), which
 * esbuild cannot bundle, so the bundle takes @bitcoinerlab/secp256k1 (the
 * same interface in pure JS, on @noble/curves) in its place.
 */
import * as esbuild from 'esbuild';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

export const ECC_ALIAS: Readonly<Record<string, string>> = { 'tiny-secp256k1': '@bitcoinerlab/secp256k1' };

export interface Bundle {
  /** The bundle's text; empty when esbuild failed. */
  readonly text: string;
  /** esbuild's errors, one line each (an unresolved Node built-in is one). */
  readonly errors: string[];
  /** Package directories and files the bundle took in (relative to the repository). */
  readonly inputs: string[];
}

export async function bundleForBrowser(
  entry: string,
  o: { format: 'esm' | 'iife'; minify?: boolean; alias?: Record<string, string>; external?: string[] } = { format: 'esm' },
): Promise<Bundle> {
  try {
    const r = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [path.resolve(ROOT, entry)],
      bundle: true,
      platform: 'browser',
      format: o.format,
      target: 'es2022',
      minify: o.minify ?? true,
      alias: o.alias ?? { ...ECC_ALIAS },
      external: o.external ?? [],
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    return { text: r.outputFiles[0]!.text, errors: [], inputs: Object.keys(r.metafile.inputs) };
  } catch (e) {
    const failure = e as esbuild.BuildFailure;
    if (!Array.isArray(failure.errors)) throw e;
    return {
      text: '', inputs: [],
      errors: failure.errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`),
    };
  }
}
