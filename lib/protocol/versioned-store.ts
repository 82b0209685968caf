/**
 * A store several processes may share: every saved value carries a version,
 * and a save names the version it replaces (compare-and-set). A process that
 * loaded a channel, handled a message and saves it after another process
 * saved the same channel gets STORE_CONFLICT and nothing is written; it loads
 * the stored state and handles the message again. No payment is lost or
 * counted twice, whichever server a message reaches.
 */
import { fail } from '../core/errors';
import type { ChannelStore } from './store';

/** A saved value and its version (1 for the first save, then one more per save). */
export interface VersionedState {
  /** The saved JSON value. */
  readonly state: unknown;
  /** Its version: 1 after the first save of the key, one more after each save. */
  readonly version: number;
}

/** A {@link ChannelStore} whose saves are compare-and-set on a version. */
export interface VersionedChannelStore extends ChannelStore {
  /**
   * The value saved under `key` and its version, or undefined if there is none.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   */
  loadVersioned(key: string): Promise<VersionedState | undefined>;
  /**
   * Save `state` under `key` if the stored version is still `expected` (0:
   * the key must have no value yet). Resolves with the new version once the
   * value is durable; rejects with STORE_CONFLICT, writing nothing, if
   * another save came first.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value (a party's `toJSON()`).
   * @param expected - The version loaded, or 0 for a new key.
   */
  saveVersioned(key: string, state: unknown, expected: number): Promise<number>;
  /**
   * Delete the value under `key` if the stored version is still `expected`;
   * rejects with STORE_CONFLICT, deleting nothing, if another save came
   * first. Optional: a service over a store without it keeps what it would
   * have cleaned up (a hub's channels that were never funded).
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param expected - The version loaded, at least 1.
   */
  deleteVersioned?(key: string, expected: number): Promise<void>;
}

/** A version a caller can expect: a non-negative safe integer. INVALID_ARGUMENT otherwise. */
export function checkExpectedVersion(expected: number): number {
  if (!Number.isSafeInteger(expected) || expected < 0) fail('INVALID_ARGUMENT', 'expected version must be a non-negative integer');
  return expected;
}

/** The version a delete names: a positive safe integer (a key with no value has nothing to delete). INVALID_ARGUMENT otherwise. */
export function checkDeletedVersion(expected: number): number {
  if (!Number.isSafeInteger(expected) || expected < 1) fail('INVALID_ARGUMENT', 'the version to delete must be a positive integer');
  return expected;
}

/**
 * A state's JSON text, taken at the call (the caller may change its object
 * before the save is done); INVALID_ARGUMENT for what JSON cannot hold.
 */
export function stateText(state: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(state);
  } catch {
    return fail('INVALID_ARGUMENT', 'state must be a JSON value (no bigint, no cycle)');
  }
  if (typeof text !== 'string') fail('INVALID_ARGUMENT', 'state must be a JSON value');
  return text;
}

/** STORE_CONFLICT for `key`: the stored version is `found` (0: none), not `expected`. */
export function storeConflict(key: string, expected: number, found: number): never {
  return fail('STORE_CONFLICT', `${key}: expected version ${expected}, the store holds ${found}`, { key, expected, found });
}

/**
 * Whether a store has the versioned methods.
 *
 * @param s - Any channel store.
 * @returns True if `s` is a {@link VersionedChannelStore}.
 */
export function isVersionedStore(s: ChannelStore): s is VersionedChannelStore {
  if (s === null || typeof s !== 'object') return false;
  const v = s as Partial<VersionedChannelStore>;
  return typeof v.loadVersioned === 'function' && typeof v.saveVersioned === 'function';
}
