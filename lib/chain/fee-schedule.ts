/**
 * How much a watcher pays to get a transaction mined before a deadline. A
 * claim that is not mined in time is worth nothing (after the deadline the
 * cheater's timeout branch opens and the race is lost), so the rate rises as
 * blocks pass, jumps to the ceiling when the deadline is near, and in the
 * last blocks gives everything but a dust output to the miners: better to
 * burn the money than to let the cheater take it.
 */
import { fail } from '../errors';
import { FeeRate, MAX_FEE_RATE, checkFeeRate } from '../types';

/** A deadline fee schedule, and where a transaction is in it. */
export interface DeadlineFeeParams {
  /** Rate of the first attempt, sat/kw. */
  readonly startRate: FeeRate;
  /** Ceiling of the ordinary schedule (the burn may go above it). */
  readonly maxRate: FeeRate;
  /** The rate doubles every this many blocks without confirmation. */
  readonly bumpAfterBlocks: number;
  /** Blocks mined since the first attempt. */
  readonly blocksWaited: number;
  /**
   * Blocks that can still confirm the transaction before the deadline block
   * (0 or less: the deadline is here). Undefined when there is no deadline.
   */
  readonly blocksLeft?: number;
  /** With this many blocks left or fewer, pay maxRate at once. */
  readonly urgentWithin: number;
  /** With this many blocks left or fewer, pay burnRate. */
  readonly burnWithin: number;
  /** The rate that leaves only dust: no attempt ever pays more. Undefined: no burn (a CPFP child spends our own money). */
  readonly burnRate?: FeeRate;
}

function checkBlocks(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) fail('INVALID_ARGUMENT', `${what} must be a non-negative integer`);
}

/**
 * The rate for the next attempt at a transaction that must be mined before a
 * deadline: doubling every `bumpAfterBlocks`, up to `maxRate`; `maxRate` at
 * once within `urgentWithin` blocks of the deadline; `burnRate` within
 * `burnWithin`.
 *
 * @param p - The schedule and where the transaction is in it.
 * @returns The rate in sat/kw, never above `burnRate` when there is one.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, or a block count is not a non-negative integer (`bumpAfterBlocks` at least 1).
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if a rate is not a valid fee rate.
 *
 * @example
 * ```ts
 * deadlineFeeRate({ startRate: 1000n, maxRate: 32_000n, bumpAfterBlocks: 2, blocksWaited: 4, blocksLeft: 50, urgentWithin: 6, burnWithin: 2 });
 * // 4000n: two doublings
 * ```
 */
export function deadlineFeeRate(p: DeadlineFeeParams): FeeRate {
  if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'fee schedule parameters must be an object');
  checkFeeRate(p.startRate);
  checkFeeRate(p.maxRate);
  if (p.bumpAfterBlocks < 1) fail('INVALID_ARGUMENT', 'bumpAfterBlocks must be at least 1');
  checkBlocks(p.bumpAfterBlocks, 'bumpAfterBlocks');
  checkBlocks(p.blocksWaited, 'blocksWaited');
  checkBlocks(p.urgentWithin, 'urgentWithin');
  checkBlocks(p.burnWithin, 'burnWithin');
  if (p.blocksLeft !== undefined && !Number.isSafeInteger(p.blocksLeft)) fail('INVALID_ARGUMENT', 'blocksLeft must be an integer');
  if (p.burnRate !== undefined) checkFeeRate(p.burnRate);
  const ceiling = p.maxRate > p.startRate ? p.maxRate : p.startRate;
  // Past ~40 doublings every rate is far above the ceiling; the shift stays small.
  const doublings = Math.min(Math.floor(p.blocksWaited / p.bumpAfterBlocks), 40);
  let rate = p.startRate << BigInt(doublings);
  if (rate > ceiling) rate = ceiling;
  if (p.blocksLeft !== undefined) {
    if (p.burnRate !== undefined && p.blocksLeft <= p.burnWithin) return p.burnRate;
    if (p.blocksLeft <= p.urgentWithin) rate = ceiling;
  }
  if (p.burnRate !== undefined && rate > p.burnRate) rate = p.burnRate;
  return rate;
}

/**
 * The largest rate at which a transaction of `weight` spending `value` still
 * leaves `keep` (a dust output) to its owner, and never above MAX_FEE_RATE
 * (400,000 sat/vB: past any fee a miner could be offered elsewhere).
 *
 * @param value - What the transaction spends, in satoshis.
 * @param keep - What must be left to its output, in satoshis.
 * @param weight - The transaction's weight.
 * @returns The rate in sat/kw; 0 when `value` does not exceed `keep`.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `value` or `keep` is not a non-negative bigint.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `weight` is not a positive integer.
 */
export function burnFeeRate(value: bigint, keep: bigint, weight: number): FeeRate {
  if (typeof value !== 'bigint' || value < 0n) fail('INVALID_AMOUNT', 'value must be a non-negative bigint');
  if (typeof keep !== 'bigint' || keep < 0n) fail('INVALID_AMOUNT', 'keep must be a non-negative bigint');
  if (!Number.isSafeInteger(weight) || weight <= 0) fail('INVALID_ARGUMENT', 'weight must be a positive integer');
  if (value <= keep) return 0n;
  const rate = ((value - keep) * 1000n) / BigInt(weight);
  return rate > MAX_FEE_RATE ? MAX_FEE_RATE : rate;
}
