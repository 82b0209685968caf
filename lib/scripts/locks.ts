/**
 * A branch's locks against a transaction: what consensus checks when the
 * script runs OP_CHECKLOCKTIMEVERIFY (BIP 65) or OP_CHECKSEQUENCEVERIFY
 * (BIP 112), decided before signing or finalizing instead of at broadcast.
 */
import { LOCKTIME_THRESHOLD } from '../types';
import type { BranchLocks } from './templates';

const SEQUENCE_FINAL = 0xffffffff;
/** BIP 68: bit 31 set turns the relative lock off, bit 22 makes it time-based, the low 16 bits are the value. */
const SEQUENCE_DISABLE = 0x80000000;
const SEQUENCE_TYPE_TIME = 0x00400000;
const SEQUENCE_MASK = 0x0000ffff;

/** The fields of a spending transaction that locks read. */
export interface LockFields {
  readonly version: number;
  readonly locktime: number;
  /** The spending input's nSequence. */
  readonly sequence: number;
}

/**
 * The locks as people read them, as `revchan inspect` prints them.
 * @param locks - a branch's locks
 * @returns e.g. `nLockTime >= T`, `nSequence >= D (blocks), version 2`, or `none`
 */
export function describeLocks(locks: BranchLocks): string {
  const parts: string[] = [];
  if (locks.nLockTime !== undefined) parts.push(`nLockTime >= ${locks.nLockTime}`);
  if (locks.nSequence !== undefined) parts.push(`nSequence >= ${locks.nSequence} (blocks), version 2`);
  return parts.length > 0 ? parts.join('; ') : 'none';
}

/**
 * What the transaction lacks for a branch's locks, in words; empty when they are met.
 * @param locks - the branch's locks
 * @param values - the script's values (lock parameters as numbers)
 * @param tx - the spending transaction's version and nLockTime, and the input's nSequence
 * @returns one sentence per unmet condition
 */
export function unmetLocks(locks: BranchLocks, values: ReadonlyMap<string, Uint8Array | number>, tx: LockFields): string[] {
  const unmet: string[] = [];
  if (locks.nLockTime !== undefined) {
    const want = values.get(locks.nLockTime) as number;
    const sameKind = (want < LOCKTIME_THRESHOLD) === (tx.locktime < LOCKTIME_THRESHOLD);
    if (!sameKind) unmet.push(`nLockTime ${tx.locktime} is not a ${want < LOCKTIME_THRESHOLD ? 'height' : 'time'} like ${locks.nLockTime} = ${want}`);
    else if (tx.locktime < want) unmet.push(`nLockTime ${tx.locktime} is below ${locks.nLockTime} = ${want}`);
    // A final input turns nLockTime off, and CHECKLOCKTIMEVERIFY fails on it.
    if (tx.sequence === SEQUENCE_FINAL) unmet.push('the input\'s nSequence is final, which turns nLockTime off');
  }
  if (locks.nSequence !== undefined) {
    const want = values.get(locks.nSequence) as number;
    if (tx.version < 2) unmet.push(`version ${tx.version} has no relative locks (BIP 68 needs 2)`);
    if ((tx.sequence & SEQUENCE_DISABLE) !== 0) unmet.push('the input\'s nSequence has its relative lock turned off');
    else if ((tx.sequence & SEQUENCE_TYPE_TIME) !== 0) unmet.push(`the input's nSequence is a time, ${locks.nSequence} = ${want} is blocks`);
    else if ((tx.sequence & SEQUENCE_MASK) < want) unmet.push(`the input's nSequence delay ${tx.sequence & SEQUENCE_MASK} is below ${locks.nSequence} = ${want}`);
  }
  return unmet;
}
