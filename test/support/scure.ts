/**
 * Loads @scure/btc-signer, an ESM-only package. Node 20 before 20.19 cannot
 * require() ES modules, and under CommonJS output TypeScript rewrites import()
 * into require(), so the dynamic import is built where TypeScript cannot see it.
 */
export type Scure = typeof import('@scure/btc-signer');

const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

export async function loadScure(): Promise<Scure> {
  return (await importModule('@scure/btc-signer')) as Scure;
}
