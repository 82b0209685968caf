/**
 * Hash-time-locked outputs as any construction's funding spend carries them:
 * an HTLC is an amount, a SHA-256 hash and an absolute expiry. This module
 * decides, for every construction alike, how many a transaction may hold,
 * which are too small to be outputs (trimmed: their amount goes to the fee,
 * within a bounded total), and the order of the rest, so both parties build
 * the same bytes. The scripts are the construction's.
 */
import { expectArray, expectObject } from '../core/arguments';
import { fail } from '../core/errors';
import { AbsoluteLock, DUST_P2WSH, MAX_MONEY, absoluteLockValue, checkAmount } from '../core/types';
import { p2wshScript } from './outputs';

/** One HTLC: the amount it locks, the hash whose preimage releases it, and the expiry from which it returns. */
export interface Htlc {
  /** Satoshis, in [1, MAX_MONEY]. */
  readonly amount: bigint;
  /** H = SHA256(P), 32 bytes. */
  readonly hash: Uint8Array;
  /** E, from which the offerer may take it back. */
  readonly expiry: AbsoluteLock;
}

/** The most HTLC outputs one transaction carries (Lightning's 483): a version with every one still fits the standard weight. */
export const MAX_HTLCS = 483;
/** HTLCs below this become fee instead of outputs: the P2WSH dust limit. */
export const HTLC_DUST_LIMIT = DUST_P2WSH;
/** An HTLC output's weight: 8-byte value, a one-byte length and a 34-byte P2WSH script, times four. */
export const HTLC_OUTPUT_WEIGHT = (8 + 1 + 34) * 4;

/** One HTLC as an output of a transaction. */
export interface HtlcOutput {
  /** Its position in the list the caller gave. */
  readonly htlc: number;
  /** Its amount. */
  readonly value: bigint;
  /** Its witness script. */
  readonly witnessScript: Uint8Array;
  /** Its P2WSH output script. */
  readonly script: Uint8Array;
}

/** The HTLCs of one transaction, arranged. */
export interface HtlcArrangement {
  /** The outputs, in their order: amount, then output script, then the caller's order. */
  readonly outputs: readonly HtlcOutput[];
  /** The positions of the HTLCs too small to be outputs. */
  readonly trimmed: readonly number[];
  /** What every HTLC locks, trimmed ones included. */
  readonly total: bigint;
  /** What the trimmed ones add to the fee. */
  readonly trimmedTotal: bigint;
}

/**
 * Check a list of HTLCs: at most {@link MAX_HTLCS}, each amount in [1, MAX_MONEY],
 * each hash 32 bytes, each expiry a valid absolute lock.
 *
 * @param htlcs - The HTLCs.
 * @returns `htlcs`, unchanged.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `htlcs` is not an array, an entry not an object or a hash not 32 bytes.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if there are more than {@link MAX_HTLCS}.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an amount is not in [1, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an expiry is not a valid absolute lock.
 */
export function checkHtlcs(htlcs: readonly Htlc[]): readonly Htlc[] {
  expectArray(htlcs, 'htlcs');
  if (htlcs.length > MAX_HTLCS) fail('HTLC_TOO_MANY', `${htlcs.length} HTLCs: a transaction carries at most ${MAX_HTLCS}`, { count: htlcs.length, limit: MAX_HTLCS });
  let total = 0n;
  for (const h of htlcs) {
    expectObject(h, 'htlc');
    checkAmount(h.amount, 'HTLC amount', 1n);
    if (!(h.hash instanceof Uint8Array) || h.hash.length !== 32) fail('INVALID_ARGUMENT', 'an HTLC hash must be 32 bytes');
    absoluteLockValue(h.expiry);
    total += h.amount;
  }
  if (total > MAX_MONEY) fail('INVALID_AMOUNT', 'the HTLCs lock more than MAX_MONEY');
  return htlcs;
}

/**
 * Whether an HTLC of this amount is an output (else it is trimmed to the fee).
 *
 * @param amount - The HTLC's amount.
 */
export function isHtlcOutput(amount: bigint): boolean {
  return amount >= HTLC_DUST_LIMIT;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The HTLC outputs of one transaction: dust HTLCs trimmed (their total
 * bounded), the rest ordered by amount, then output script, then the
 * caller's order. HTLCs must be checked already ({@link checkHtlcs}).
 *
 * @param p - The checked HTLCs, the witness script of each, and the most the trimmed ones may add to the fee.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object or `scriptOf` not a function.
 * @throws {@link ChannelError} `HTLC_DUST_EXPOSURE` if the trimmed HTLCs together exceed `maxDustExposure`.
 */
export function arrangeHtlcOutputs(p: {
  /** The HTLCs, checked. */
  readonly htlcs: readonly Htlc[];
  /** The witness script of the HTLC at position `i`. */
  readonly scriptOf: (h: Htlc, i: number) => Uint8Array;
  /** The most the trimmed HTLCs may add to the fee together. */
  readonly maxDustExposure: bigint;
}): HtlcArrangement {
  expectObject(p, 'htlc arrangement');
  if (typeof p.scriptOf !== 'function') fail('INVALID_ARGUMENT', 'scriptOf must be a function');
  const outputs: HtlcOutput[] = [];
  const trimmed: number[] = [];
  let total = 0n;
  let trimmedTotal = 0n;
  p.htlcs.forEach((h, i) => {
    total += h.amount;
    if (!isHtlcOutput(h.amount)) {
      trimmed.push(i);
      trimmedTotal += h.amount;
      return;
    }
    const witnessScript = p.scriptOf(h, i);
    outputs.push({ htlc: i, value: h.amount, witnessScript, script: p2wshScript(witnessScript) });
  });
  if (trimmedTotal > p.maxDustExposure) {
    fail('HTLC_DUST_EXPOSURE', `trimmed HTLCs total ${trimmedTotal} sat, over the channel's bound of ${p.maxDustExposure}`, {
      exposure: trimmedTotal.toString(), limit: p.maxDustExposure.toString(),
    });
  }
  outputs.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : compareBytes(a.script, b.script) || a.htlc - b.htlc));
  return { outputs, trimmed, total, trimmedTotal };
}
