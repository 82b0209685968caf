/**
 * Checks of what the watchers are constructed with, shared by the receiver's
 * and the sender's. A bad option must be refused at construction: accepted,
 * it would only surface on later polls, as a failure reported again and
 * again while a deadline passes. Not exported from the package.
 */
import { fail } from '../core/errors';
import { FeeRate, MAX_FEE_RATE, checkFeeRate, checkRelayFeeRate } from '../core/types';
import { ChainBackend } from './backend';

/** Every method a ChainBackend must have. */
export const BACKEND_METHODS = ['getTip', 'broadcast', 'getTransaction', 'getBlock', 'getBlockHash', 'getSpender'] as const;
const OPTIONAL_METHODS = ['getConfirmations', 'getMempoolTxids'] as const;

/** `b` has each of `required` as a function, and an optional method it has is a function too. */
export function checkChainBackend(b: unknown, required: readonly (keyof ChainBackend)[] = BACKEND_METHODS): ChainBackend {
  if (b === null || typeof b !== 'object') fail('INVALID_ARGUMENT', 'backend must be a ChainBackend');
  const o = b as Record<string, unknown>;
  for (const m of required) if (typeof o[m] !== 'function') fail('INVALID_ARGUMENT', `backend must be a ChainBackend: it has no ${m}()`);
  for (const m of OPTIONAL_METHODS) {
    if (o[m] !== undefined && typeof o[m] !== 'function') fail('INVALID_ARGUMENT', `backend.${m} must be a function when present`);
  }
  return b as ChainBackend;
}

/**
 * A watcher's first rate and its ceiling. The first rate must relay: the
 * schedule only doubles it, so a rate of 0 would stay 0 until the burn (and a
 * node refusing it for its fee would be asked again at 0 without end). The
 * default ceiling is 32 times the first rate, at most MAX_FEE_RATE; a ceiling
 * below the first rate cannot be honoured.
 */
export function watcherFeeRates(feeRate: FeeRate, maxFeeRate: FeeRate | undefined): { feeRate: FeeRate; maxFeeRate: FeeRate } {
  checkRelayFeeRate(feeRate, 'feeRate');
  if (maxFeeRate === undefined) return { feeRate, maxFeeRate: feeRate * 32n < MAX_FEE_RATE ? feeRate * 32n : MAX_FEE_RATE };
  checkFeeRate(maxFeeRate);
  if (maxFeeRate < feeRate) fail('INVALID_FEE_RATE', `maxFeeRate ${maxFeeRate} sat/kw is below feeRate ${feeRate} sat/kw`);
  return { feeRate, maxFeeRate };
}

/** A block count option: `fallback` when absent, else an integer of at least `min`. */
export function countOption(v: number | undefined, fallback: number, what: string, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < min) fail('INVALID_ARGUMENT', `${what} must be an integer of at least ${min}`);
  return v;
}
