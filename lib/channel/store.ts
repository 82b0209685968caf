/**
 * Where parties keep their state between messages and across restarts: the
 * interface, and the in-memory store. The file store, which needs Node, is in
 * file-store.ts (package entry revchan/node).
 */
import { fail } from '../errors';

export interface ChannelStore {
  load(key: string): Promise<unknown | undefined>;
  save(key: string, state: unknown): Promise<void>;
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

  async load(key: string): Promise<unknown | undefined> {
    const v = this.m.get(checkStoreKey(key));
    return v === undefined ? undefined : JSON.parse(v);
  }

  async save(key: string, state: unknown): Promise<void> {
    this.m.set(checkStoreKey(key), JSON.stringify(state));
  }

  async keys(): Promise<string[]> {
    return [...this.m.keys()].sort();
  }
}
