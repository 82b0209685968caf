/**
 * A branch's locks against a transaction: what consensus checks when the
 * script runs OP_CHECKLOCKTIMEVERIFY (BIP 65) or OP_CHECKSEQUENCEVERIFY
 * (BIP 112), decided before signing or finalizing instead of at broadcast.
 */
import { expectObject, expectUint32 } from '../arguments';
import { fail } from '../errors';
import { LOCKTIME_THRESHOLD } from '../types';
import type { BranchLocks } from './templates';

const SEQUENCE_FINAL = 0xffffffff;
/** BIP 68: bit 31 set turns the relative lock off, bit 22 makes it time-based, the low 16 bits are the value. */
const SEQUENCE_DISABLE = 0x80000000;
const SEQUENCE_TYPE_TIME = 0x00400000;
const SEQUENCE_MASK = 0x0000ffff;

/** The fields of a spending transaction that locks read. */
export interface LockFields {
  /** The transaction's version (signed, as bitcoinjs reads it, or unsigned). */
  readonly version: number;
  /** The transaction's nLockTime. */
  readonly locktime: number;
  /** The spending input's nSequence. */
  readonly sequence: number;
}

/**
 * The locks as people read them, as `revchan inspect` prints them.
 *
 * @param locks - A branch's locks.
 * @returns For example `nLockTime >= T`, `nSequence >= D (blocks), version 2`, or `none`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `locks` is not an object.
 */
export function describeLocks(locks: BranchLocks): string {
  expectObject(locks, 'locks');
  const parts: string[] = [];
  if (locks.nLockTime !== undefined) parts.push(`nLockTime >= ${locks.nLockTime}`);
  if (locks.nSequence !== undefined) parts.push(`nSequence >= ${locks.nSequence} (blocks), version 2`);
  return parts.length > 0 ? parts.join('; ') : 'none';
}

/**
 * What the transaction lacks for a branch's locks, in words; empty when they
 * are met. The same checks as OP_CHECKLOCKTIMEVERIFY and
 * OP_CHECKSEQUENCEVERIFY make of the spending transaction; whether the chain
 * has reached the lock is the node's to say.
 *
 * @param locks - The branch's locks.
 * @param values - The script's values, as {@link matchTemplate} gives them (lock parameters as numbers).
 * @param tx - The spending transaction's version and nLockTime, and the input's nSequence.
 * @returns One sentence per unmet condition.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if the locks, values or fields are not of their kinds, or a lock names no number among the values.
 */
export function unmetLocks(locks: BranchLocks, values: ReadonlyMap<string, Uint8Array | number>, tx: LockFields): string[] {
  expectObject(locks, 'locks');
  if (!(values instanceof Map)) fail('INVALID_ARGUMENT', 'values must be a Map of placeholder name to value');
  expectObject(tx, 'transaction fields');
  // bitcoinjs reads the version as signed; BIP 68 compares it unsigned, as Bitcoin Core does.
  if (!Number.isInteger(tx.version) || tx.version < -0x80000000 || tx.version > 0xffffffff) fail('INVALID_ARGUMENT', 'version must be a 32-bit integer');
  const version = tx.version >>> 0;
  expectUint32(tx.locktime, 'locktime');
  expectUint32(tx.sequence, 'sequence');
  const lockValue = (name: string | undefined): number => {
    const v = typeof name === 'string' ? values.get(name) : undefined;
    if (typeof v !== 'number') fail('INVALID_ARGUMENT', `lock ${String(name)} names no number among the values`);
    return v;
  };
  const unmet: string[] = [];
  if (locks.nLockTime !== undefined) {
    const want = lockValue(locks.nLockTime);
    const sameKind = (want < LOCKTIME_THRESHOLD) === (tx.locktime < LOCKTIME_THRESHOLD);
    if (!sameKind) unmet.push(`nLockTime ${tx.locktime} is not a ${want < LOCKTIME_THRESHOLD ? 'height' : 'time'} like ${locks.nLockTime} = ${want}`);
    else if (tx.locktime < want) unmet.push(`nLockTime ${tx.locktime} is below ${locks.nLockTime} = ${want}`);
    // A final input turns nLockTime off, and CHECKLOCKTIMEVERIFY fails on it.
    if (tx.sequence === SEQUENCE_FINAL) unmet.push('the input\'s nSequence is final, which turns nLockTime off');
  }
  if (locks.nSequence !== undefined) {
    const want = lockValue(locks.nSequence);
    if (version < 2) unmet.push(`version ${version} has no relative locks (BIP 68 needs 2)`);
    if ((tx.sequence & SEQUENCE_DISABLE) !== 0) unmet.push('the input\'s nSequence has its relative lock turned off');
    else if ((tx.sequence & SEQUENCE_TYPE_TIME) !== 0) unmet.push(`the input's nSequence is a time, ${locks.nSequence} = ${want} is blocks`);
    else if ((tx.sequence & SEQUENCE_MASK) < want) unmet.push(`the input's nSequence delay ${tx.sequence & SEQUENCE_MASK} is below ${locks.nSequence} = ${want}`);
  }
  return unmet;
}
