/**
 * An EventEmitter whose listeners cannot stop the emitter's own work: each
 * listener is called on its own, and one that throws is counted, not
 * propagated. A watcher's penalty must not wait on a caller's logging bug.
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: any[]) => void;

/**
 * The listener methods of Node's EventEmitter that the watchers offer, typed
 * here so that the package's declarations need no @types/node.
 */
export interface WatcherEmitter {
  on(name: string | symbol, listener: Listener): this;
  addListener(name: string | symbol, listener: Listener): this;
  once(name: string | symbol, listener: Listener): this;
  off(name: string | symbol, listener: Listener): this;
  removeListener(name: string | symbol, listener: Listener): this;
  removeAllListeners(name?: string | symbol): this;
  listenerCount(name: string | symbol): number;
  emit(name: string | symbol, ...args: unknown[]): boolean;
}

const EmitterBase: new () => WatcherEmitter = EventEmitter;

export class IsolatedEmitter<E> extends EmitterBase {
  private failures = 0;
  private lastFailure: unknown;

  /** How many times a listener threw, and the last thing it threw. */
  get listenerFailures(): { count: number; last?: unknown } {
    return { count: this.failures, ...(this.failures > 0 ? { last: this.lastFailure } : {}) };
  }

  override emit(name: string | symbol, ...args: unknown[]): boolean {
    const listeners = (this as unknown as EventEmitter).rawListeners(name) as ((...a: unknown[]) => unknown)[];
    for (const l of listeners) {
      try {
        l.apply(this, args);
      } catch (e) {
        this.failures++;
        this.lastFailure = e;
      }
    }
    return listeners.length > 0;
  }

  /** Typed subscription to every event. */
  onEvent(listener: (e: E) => void): this {
    return this.on('event', listener as (...a: unknown[]) => void);
  }
}
