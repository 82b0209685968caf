/**
 * An invalidation counter: the states of a channel whose newer states carry
 * shorter locks (Decker-Wattenhofer's invalidation tree, a decreasing-lock
 * channel), numbered by an index written as `levels` digits of `values`
 * values each, the most significant first. A digit v at a level means the
 * lock `(values - 1 - v) * step` there: each step of a digit shortens that
 * level's lock by `step`, so the newer state becomes valid first. Moving to
 * the next index changes the digits from its first changed level down; the
 * levels above keep their transactions. Pure arithmetic on plain numbers, so
 * a construction of either lock (nLockTime from a base, nSequence as is) and
 * any depth of tree reuses it.
 */
import { expectObject } from '../core/arguments';
import { fail } from '../core/errors';

/** BIP 68: a relative lock in blocks is the low 16 bits of nSequence. */
export const MAX_RELATIVE_LOCK_BLOCKS = 0xffff;

/** The most states a counter may number: every index fits a uint32. */
export const MAX_COUNTER_STATES = 2 ** 32;

/** What fixes a counter. */
export interface InvalidationCounterParams {
  /** d, the number of levels (1 for a single decreasing lock). */
  readonly levels: number;
  /** b, the values each level's digit takes (at least 2). */
  readonly values: number;
  /** Δ, blocks between the locks of two consecutive digit values. */
  readonly step: number;
  /**
   * `relative`: the locks are BIP 68 nSequence values, so the longest,
   * `(values - 1) * step`, must fit 16 bits. `absolute`: they are offsets
   * from a base the caller adds (an nLockTime), with no such cap.
   */
  readonly lock: 'relative' | 'absolute';
}

/** A checked counter; made only by {@link verifyInvalidationCounter}. */
export interface InvalidationCounter extends InvalidationCounterParams {
  /** b^d: the number of states, indices 0 to states - 1. */
  readonly states: number;
  /** The longest lock, the first state's at every level: `(values - 1) * step`. */
  readonly maxLock: number;
}

function positiveInt(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail('INVALID_ARGUMENT', `${what} must be an integer of at least ${min}`, { field: what });
  return v;
}

/**
 * Check a counter's parameters once.
 *
 * @param p - Levels, values per level, step and lock type.
 * @returns A frozen counter with its number of states and longest lock.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `levels` or `step` is not a positive integer, `values` is not an integer of at least 2, `lock` is neither type, or b^d exceeds {@link MAX_COUNTER_STATES}.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if a relative counter's longest lock exceeds {@link MAX_RELATIVE_LOCK_BLOCKS}.
 *
 * @example
 * ```ts
 * const c = verifyInvalidationCounter({ levels: 2, values: 4, step: 144, lock: 'relative' });
 * counterLocks(c, 5); // [288, 288]: digits [1, 1]
 * ```
 */
export function verifyInvalidationCounter(p: InvalidationCounterParams): InvalidationCounter {
  expectObject(p, 'counter params');
  const levels = positiveInt(p.levels, 'levels', 1);
  const values = positiveInt(p.values, 'values', 2);
  const step = positiveInt(p.step, 'step', 1);
  if (p.lock !== 'relative' && p.lock !== 'absolute') fail('INVALID_ARGUMENT', 'lock must be relative or absolute', { field: 'lock' });
  const states = values ** levels;
  if (!Number.isSafeInteger(states) || states > MAX_COUNTER_STATES) {
    fail('INVALID_ARGUMENT', `values^levels must be at most ${MAX_COUNTER_STATES}`, { field: 'levels' });
  }
  const maxLock = (values - 1) * step;
  // A longer relative lock would spill into nSequence's flag bits and mean something else (or nothing).
  if (p.lock === 'relative' && maxLock > MAX_RELATIVE_LOCK_BLOCKS) {
    fail('INVALID_TIMELOCK', `(values - 1) * step = ${maxLock} exceeds BIP 68's ${MAX_RELATIVE_LOCK_BLOCKS} blocks`, { maxLock });
  }
  return Object.freeze({ levels, values, step, lock: p.lock, states, maxLock });
}

function expectCounter(c: InvalidationCounter): InvalidationCounter {
  expectObject(c, 'counter');
  // Re-derived rather than trusted: a hand-made object with a wrong `states` would number states wrongly.
  return verifyInvalidationCounter(c);
}

function expectIndex(c: InvalidationCounter, index: number, what = 'index'): number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index >= c.states) {
    fail('INVALID_ARGUMENT', `${what} must be an integer in [0, ${c.states - 1}]`, { field: what, states: c.states });
  }
  return index;
}

/**
 * An index's digits, the most significant (the root level) first.
 *
 * @param c - From {@link verifyInvalidationCounter}.
 * @param index - In [0, states - 1].
 * @returns `levels` digits, each in [0, values - 1].
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `c` is not a counter or `index` is out of range.
 */
export function counterDigits(c: InvalidationCounter, index: number): number[] {
  const k = expectCounter(c);
  let rest = expectIndex(k, index);
  const digits = new Array<number>(k.levels);
  for (let level = k.levels - 1; level >= 0; level--) {
    digits[level] = rest % k.values;
    rest = Math.floor(rest / k.values);
  }
  return digits;
}

/**
 * The index of a list of digits.
 *
 * @param c - From {@link verifyInvalidationCounter}.
 * @param digits - `levels` digits, the most significant first.
 * @returns The index.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `c` is not a counter, or `digits` is not `levels` integers in [0, values - 1].
 */
export function counterIndex(c: InvalidationCounter, digits: readonly number[]): number {
  const k = expectCounter(c);
  if (!Array.isArray(digits) || digits.length !== k.levels) fail('INVALID_ARGUMENT', `digits must be ${k.levels} numbers`, { field: 'digits' });
  let index = 0;
  for (const d of digits) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0 || d >= k.values) {
      fail('INVALID_ARGUMENT', `every digit must be an integer in [0, ${k.values - 1}]`, { field: 'digits' });
    }
    index = index * k.values + d;
  }
  return index;
}

/**
 * The lock of each level for a state: `(values - 1 - digit) * step`, the
 * root level first. A relative counter's are nSequence values in blocks; an
 * absolute counter's are added to its base.
 *
 * @param c - From {@link verifyInvalidationCounter}.
 * @param index - The state.
 * @returns `levels` locks, each in [0, maxLock].
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `c` is not a counter or `index` is out of range.
 */
export function counterLocks(c: InvalidationCounter, index: number): number[] {
  const k = expectCounter(c);
  return counterDigits(k, index).map((d) => (k.values - 1 - d) * k.step);
}

/**
 * The state whose locks these are: the inverse of {@link counterLocks}, for
 * a watcher that reads a state off the transactions it sees.
 *
 * @param c - From {@link verifyInvalidationCounter}.
 * @param locks - `levels` locks, the root level first.
 * @returns The index, or undefined if a lock is not a multiple of `step` in [0, maxLock] (no state of this counter).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `c` is not a counter or `locks` is not an array of `levels` numbers.
 */
export function counterIndexOfLocks(c: InvalidationCounter, locks: readonly number[]): number | undefined {
  const k = expectCounter(c);
  if (!Array.isArray(locks) || locks.length !== k.levels || locks.some((l) => typeof l !== 'number')) {
    fail('INVALID_ARGUMENT', `locks must be ${k.levels} numbers`, { field: 'locks' });
  }
  const digits: number[] = [];
  for (const l of locks) {
    if (!Number.isSafeInteger(l) || l < 0 || l > k.maxLock || l % k.step !== 0) return undefined;
    digits.push(k.values - 1 - l / k.step);
  }
  return counterIndex(k, digits);
}

/**
 * The shallowest level whose digit differs between two states: the
 * transactions above it are kept, those from it down are re-signed.
 *
 * @param c - From {@link verifyInvalidationCounter}.
 * @param from - The old state.
 * @param to - A newer state, greater than `from`.
 * @returns The level, 0 for the root.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `c` is not a counter, either index is out of range, or `to` is not greater than `from`.
 */
export function firstChangedLevel(c: InvalidationCounter, from: number, to: number): number {
  const k = expectCounter(c);
  expectIndex(k, from, 'from');
  expectIndex(k, to, 'to');
  if (to <= from) fail('INVALID_ARGUMENT', 'to must be a newer state than from', { from, to });
  const a = counterDigits(k, from);
  const b = counterDigits(k, to);
  return a.findIndex((d, i) => d !== b[i]);
}

/**
 * Whether a state is the counter's last: no newer state can invalidate it.
 *
 * @param c - From {@link verifyInvalidationCounter}.
 * @param index - The state.
 * @returns True when `index` is `states - 1`, every lock at 0.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `c` is not a counter or `index` is out of range.
 */
export function counterExhausted(c: InvalidationCounter, index: number): boolean {
  const k = expectCounter(c);
  return expectIndex(k, index) === k.states - 1;
}
