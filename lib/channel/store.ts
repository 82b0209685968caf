/**
 * Where parties keep their state between messages and across restarts: the
 * interface, and the in-memory store. The file store, which needs Node, is in
 * file-store.ts (package entry revchan/node).
 */
import { fail } from '../errors';

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

/** In-memory store (keeps JSON text, so what comes back is a copy, as from a file). */
export class MemoryChannelStore implements ChannelStore {
  private readonly m = new Map<string, string>();

  /**
   * The value saved under `key`, a fresh copy, or undefined.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form.
   */
  async load(key: string): Promise<unknown | undefined> {
    const v = this.m.get(checkStoreKey(key));
    return v === undefined ? undefined : JSON.parse(v);
  }

  /**
   * Save `state` under `key` as JSON text.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form.
   */
  async save(key: string, state: unknown): Promise<void> {
    this.m.set(checkStoreKey(key), JSON.stringify(state));
  }

  /** Every key with a saved value, sorted. */
  async keys(): Promise<string[]> {
    return [...this.m.keys()].sort();
  }
}
