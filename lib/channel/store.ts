/**
 * Where parties keep their state between messages and across restarts. The
 * file store never leaves a half-written file: it writes a temporary file,
 * fsyncs it, renames it over the old one, and fsyncs the directory, so after a
 * crash at any point the file holds either the old state or the new one.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors';

export interface ChannelStore {
  load(key: string): Promise<unknown | undefined>;
  save(key: string, state: unknown): Promise<void>;
  keys(): Promise<string[]>;
}

const KEY = /^[A-Za-z0-9_-]{1,128}$/;

function checkKey(key: string): string {
  if (typeof key !== 'string' || !KEY.test(key)) fail('INVALID_ARGUMENT', 'store key must be 1-128 characters of [A-Za-z0-9_-]');
  return key;
}

export class FileChannelStore implements ChannelStore {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${checkKey(key)}.json`);
  }

  async load(key: string): Promise<unknown | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file(key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      return JSON.parse(text);
    } catch {
      return fail('STATE_INVALID', `stored state ${key} is not JSON`);
    }
  }

  async save(key: string, state: unknown): Promise<void> {
    const target = this.file(key);
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    const data = JSON.stringify(state);
    const fh = await fs.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, target);
    const dh = await fs.open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)).sort();
  }
}

/** In-memory store (keeps JSON text, so what comes back is a copy, as from a file). */
export class MemoryChannelStore implements ChannelStore {
  private readonly m = new Map<string, string>();

  async load(key: string): Promise<unknown | undefined> {
    const v = this.m.get(checkKey(key));
    return v === undefined ? undefined : JSON.parse(v);
  }

  async save(key: string, state: unknown): Promise<void> {
    this.m.set(checkKey(key), JSON.stringify(state));
  }

  async keys(): Promise<string[]> {
    return [...this.m.keys()].sort();
  }
}
