/**
 * Where parties keep their state between messages and across restarts: the
 * interface, and the in-memory store. The file store, which needs Node, is in
 * file-store.ts (package entry revchan/node).
 */
import { fail } from '../core/errors';
import type { VersionedChannelStore, VersionedState } from './versioned-store';
import { checkDeletedVersion, checkExpectedVersion, stateText, storeConflict } from './versioned-store';

/**
 * Where a party's saved state lives: any key-value store of JSON values.
 * {@link MemoryChannelStore} here, FileChannelStore in `revchan/node`.
 */
export interface ChannelStore {
  /**
   * The value saved under `key`, or undefined if there is none.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   */
  load(key: string): Promise<unknown | undefined>;
  /**
   * Save `state` under `key`, replacing what was there; resolved once it is kept.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value (a party's `toJSON()`).
   */
  save(key: string, state: unknown): Promise<void>;
  /** Every key with a saved value. */
  keys(): Promise<string[]>;
}

const KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** A key every store accepts (a file name on any system); INVALID_ARGUMENT otherwise. */
export function checkStoreKey(key: string): string {
  if (typeof key !== 'string' || !KEY.test(key)) fail('INVALID_ARGUMENT', 'store key must be 1-128 characters of [A-Za-z0-9_-]');
  return key;
}

/**
 * In-memory store (keeps JSON text, so what comes back is a copy, as from a
 * file). Versioned: saves can be compare-and-set, as in the database store.
 */
export class MemoryChannelStore implements VersionedChannelStore {
  private readonly m = new Map<string, { text: string; version: number }>();

  /**
   * The value saved under `key`, a fresh copy, or undefined.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form.
   */
  async load(key: string): Promise<unknown | undefined> {
    return (await this.loadVersioned(key))?.state;
  }

  /**
   * The value saved under `key`, a fresh copy, and its version; or undefined.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form.
   */
  async loadVersioned(key: string): Promise<VersionedState | undefined> {
    const v = this.m.get(checkStoreKey(key));
    return v === undefined ? undefined : { state: JSON.parse(v.text), version: v.version };
  }

  /**
   * Save `state` under `key` as JSON text, whatever version is stored.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form or `state` is no JSON value.
   */
  async save(key: string, state: unknown): Promise<void> {
    const text = stateText(state);
    this.m.set(checkStoreKey(key), { text, version: (this.m.get(key)?.version ?? 0) + 1 });
  }

  /**
   * Save `state` under `key` if the stored version is `expected` (0: none).
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value.
   * @param expected - The version loaded, or 0 for a new key.
   * @returns The new version.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` or `expected` is malformed or `state` is no JSON value.
   * @throws {@link ChannelError} `STORE_CONFLICT` (the promise rejects) if the stored version is not `expected`; nothing is written.
   */
  async saveVersioned(key: string, state: unknown, expected: number): Promise<number> {
    checkStoreKey(key);
    checkExpectedVersion(expected);
    const text = stateText(state);
    const found = this.m.get(key)?.version ?? 0;
    if (found !== expected) storeConflict(key, expected, found);
    this.m.set(key, { text, version: found + 1 });
    return found + 1;
  }

  /**
   * Delete the value under `key` if the stored version is `expected`.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param expected - The version loaded, at least 1.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` or `expected` is malformed.
   * @throws {@link ChannelError} `STORE_CONFLICT` (the promise rejects) if the stored version is not `expected` (none: 0); nothing is deleted.
   */
  async deleteVersioned(key: string, expected: number): Promise<void> {
    checkStoreKey(key);
    checkDeletedVersion(expected);
    const found = this.m.get(key)?.version ?? 0;
    if (found !== expected) storeConflict(key, expected, found);
    this.m.delete(key);
  }

  /** Every key with a saved value, sorted. */
  async keys(): Promise<string[]> {
    return [...this.m.keys()].sort();
  }
}
