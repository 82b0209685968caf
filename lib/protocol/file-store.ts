/**
 * A ChannelStore of one JSON file per key in a directory (Node only: package
 * entry revchan/node). It never leaves a half-written file: it writes a
 * temporary file, fsyncs it, renames it over the old one, and fsyncs the
 * directory, so after a crash at any point the file holds either the old
 * state or the new one. Saves of one key run in call order, each through its
 * own temporary file, so when several are in flight the last call's state is
 * the one left on disk.
 *
 * Versioned saves (compare-and-set) hold for one process: the versions live
 * in its memory, counted from 1 for a file found on disk, and a load waits
 * for the saves of its key already queued. Several processes sharing
 * channels need the database store (PostgresChannelStore).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../core/errors';
import { checkStoreKey } from './store';
import type { VersionedChannelStore, VersionedState } from './versioned-store';
import { checkDeletedVersion, checkExpectedVersion, stateText, storeConflict } from './versioned-store';

/** `<key>.json.<pid>.<hex>.tmp`: what save() writes before the rename. */
const TEMPORARY = /^[A-Za-z0-9_-]{1,128}\.json\.(\d+)\.[0-9a-f]+\.tmp$/;

/** False only when the process is known to be gone (a pid we may not signal is alive). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * A {@link revchan!ChannelStore} of one JSON file per key in a directory, written
 * so that a crash leaves either the old state or the new one. Its versioned
 * saves ({@link revchan!VersionedChannelStore}) are checked within one
 * process: one process only may use the directory.
 *
 * @example
 * ```ts
 * import { Sender } from 'revchan';
 * import { FileChannelStore } from 'revchan/node';
 *
 * const store = new FileChannelStore('/var/lib/myapp/channels');
 * await store.save('alice', sender.toJSON()); // before sending what the transition returned
 * const restored = Sender.restore(await store.load('alice'), secrets);
 * ```
 */
export class FileChannelStore implements VersionedChannelStore {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Each key's version as this process counts it; a key not yet seen is 1 if its file exists. */
  private readonly versions = new Map<string, number>();
  private swept?: Promise<void>;

  /**
   * @param dir - The directory; created at the first save.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `dir` is not a non-empty string.
   */
  constructor(readonly dir: string) {
    if (typeof dir !== 'string' || dir === '') fail('INVALID_ARGUMENT', 'dir must be a directory path');
  }

  private file(key: string): string {
    return path.join(this.dir, `${checkStoreKey(key)}.json`);
  }

  /**
   * The state saved under `key`, or undefined if there is none.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-], the file's name without `.json`.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form.
   * @throws {@link revchan!ChannelError} `STATE_INVALID` (the promise rejects) if the file is not JSON; other file system errors reject as they are.
   */
  async load(key: string): Promise<unknown | undefined> {
    return this.read(key, this.file(key));
  }

  private async read(key: string, file: string): Promise<unknown | undefined> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
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

  /**
   * The state saved under `key` and its version in this process, once the
   * saves of `key` already queued are done; or undefined if there is none.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form.
   * @throws {@link revchan!ChannelError} `STATE_INVALID` (the promise rejects) if the file is not JSON; other file system errors reject as they are.
   */
  async loadVersioned(key: string): Promise<VersionedState | undefined> {
    const target = this.file(key);
    return this.inOrder(key, async () => {
      const state = await this.read(key, target);
      if (state === undefined) return undefined;
      return { state, version: await this.versionOf(key, target) };
    });
  }

  /**
   * Save `state` under `key` if the version this process holds for it is
   * `expected` (0: no file); resolved with the new version once the file
   * and the directory are synced.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value (a party's `toJSON()`), serialized at the call.
   * @param expected - The version loaded, or 0 for a new key.
   * @returns The new version.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` or `expected` is malformed or `state` is no JSON value.
   * @throws {@link revchan!ChannelError} `STORE_CONFLICT` (the promise rejects) if the version is not `expected`; nothing is written. File system errors reject as they are.
   */
  async saveVersioned(key: string, state: unknown, expected: number): Promise<number> {
    const target = this.file(key);
    checkExpectedVersion(expected);
    const data = stateText(state);
    return this.inOrder(key, async () => {
      const found = await this.versionOf(key, target);
      if (found !== expected) storeConflict(key, expected, found);
      await this.write(target, data);
      this.versions.set(key, found + 1);
      return found + 1;
    });
  }

  /**
   * Delete the file of `key` if the version this process holds for it is
   * `expected`; resolved once the directory is synced.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param expected - The version loaded, at least 1.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` or `expected` is malformed.
   * @throws {@link revchan!ChannelError} `STORE_CONFLICT` (the promise rejects) if the version is not `expected`; nothing is deleted. File system errors reject as they are.
   */
  async deleteVersioned(key: string, expected: number): Promise<void> {
    const target = this.file(key);
    checkDeletedVersion(expected);
    return this.inOrder(key, async () => {
      const found = await this.versionOf(key, target);
      if (found !== expected) storeConflict(key, expected, found);
      await fs.rm(target, { force: true });
      this.versions.set(key, 0);
      const dh = await fs.open(this.dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    });
  }

  private async versionOf(key: string, target: string): Promise<number> {
    const known = this.versions.get(key);
    if (known !== undefined) return known;
    const exists = await fs.access(target).then(() => true, () => false);
    return exists ? 1 : 0;
  }

  /**
   * Save `state` under `key`: resolved once the file and the directory are synced.
   *
   * @param key - 1-128 characters of [A-Za-z0-9_-].
   * @param state - A JSON value (a party's `toJSON()`), serialized at the call.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `key` is not of that form or `state` is no JSON value; file system errors reject as they are.
   */
  async save(key: string, state: unknown): Promise<void> {
    const target = this.file(key);
    const data = stateText(state);
    return this.inOrder(key, async () => {
      const found = await this.versionOf(key, target);
      await this.write(target, data);
      this.versions.set(key, found + 1);
    });
  }

  /** Runs `step` after the steps of `key` queued before it, whether they succeeded or not. */
  private inOrder<T>(key: string, step: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(step);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  private async write(target: string, data: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    // Best effort: a directory we cannot list must not stop saves.
    this.swept ??= this.removeStaleTemporaryFiles().catch(() => undefined);
    await this.swept;
    // A name no other save can have: two saves in the same millisecond once shared one file and tore it.
    const tmp = `${target}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
    const fh = await fs.open(tmp, 'wx', 0o600);
    try {
      try {
        await fh.writeFile(data, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
    const dh = await fs.open(this.dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  /**
   * Temporary files left by a process that died mid-save are never read (only
   * `<key>.json` is), but would pile up with every crash: remove those whose
   * process is gone, once per store, before its first save.
   */
  private async removeStaleTemporaryFiles(): Promise<void> {
    for (const name of await fs.readdir(this.dir)) {
      const m = TEMPORARY.exec(name);
      if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) {
        await fs.rm(path.join(this.dir, name), { force: true });
      }
    }
  }

  /** Every key with a saved file, sorted; none if the directory does not exist. */
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
