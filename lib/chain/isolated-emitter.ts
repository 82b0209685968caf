/**
 * A small event emitter whose listeners cannot stop the emitter's own work:
 * each listener is called on its own, and one that throws is counted, not
 * propagated. A watcher's penalty must not wait on a caller's logging bug.
 *
 * Portable (no node:events): the listener methods of Node's EventEmitter that
 * callers use, with its order and removal rules: listeners run in the order
 * added, a listener removed or added during an emit does not change that
 * emit, `once` listeners are removed before they run, and off() removes the
 * most recently added registration of the function. 'error' is not special.
 */
import { fail } from '../core/errors';

/** A function called with an event's arguments. */
export type Listener = (...args: any[]) => void;

interface Registration {
  readonly listener: Listener;
  readonly once: boolean;
}

/** An event emitter whose listeners' errors never reach the emitter: the base of the watchers. */
export class IsolatedEmitter<E> {
  private readonly registrations = new Map<string | symbol, Registration[]>();
  private failures = 0;
  private lastFailure: unknown;

  /** How many times a listener threw, and the last thing it threw. */
  get listenerFailures(): {
    /** How many listener calls threw. */
    count: number;
    /** What the last one threw. */
    last?: unknown;
  } {
    return { count: this.failures, ...(this.failures > 0 ? { last: this.lastFailure } : {}) };
  }

  /**
   * Call `listener` on every emit of `name`.
   *
   * @param name - The event's name: one of the emitter's event kinds, or `'event'` for all.
   * @param listener - Called with the event.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `listener` is not a function.
   */
  on(name: string | symbol, listener: Listener): this {
    return this.add(name, listener, false);
  }

  /**
   * The same as `on`.
   *
   * @param name - The event's name.
   * @param listener - Called with the event.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `listener` is not a function.
   */
  addListener(name: string | symbol, listener: Listener): this {
    return this.add(name, listener, false);
  }

  /**
   * Call `listener` on the next emit of `name` only: removed before it runs.
   *
   * @param name - The event's name.
   * @param listener - Called with the event.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `listener` is not a function.
   */
  once(name: string | symbol, listener: Listener): this {
    return this.add(name, listener, true);
  }

  /**
   * Remove the most recent registration of `listener` for `name`.
   *
   * @param name - The event's name.
   * @param listener - The function registered.
   */
  off(name: string | symbol, listener: Listener): this {
    const list = this.registrations.get(name) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.listener === listener) return this.remove(name, list[i]!);
    }
    return this;
  }

  /**
   * The same as `off`.
   *
   * @param name - The event's name.
   * @param listener - The function registered.
   */
  removeListener(name: string | symbol, listener: Listener): this {
    return this.off(name, listener);
  }

  /**
   * Remove every listener of `name`, or of every event.
   *
   * @param name - The event's name; all events if absent.
   */
  removeAllListeners(name?: string | symbol): this {
    if (name === undefined) this.registrations.clear();
    else this.registrations.delete(name);
    return this;
  }

  /**
   * The listeners of an event, in call order (a copy).
   *
   * @param name - The event's name.
   */
  listeners(name: string | symbol): Listener[] {
    return (this.registrations.get(name) ?? []).map((r) => r.listener);
  }

  /**
   * How many listeners `name` has.
   *
   * @param name - The event's name.
   */
  listenerCount(name: string | symbol): number {
    return this.registrations.get(name)?.length ?? 0;
  }

  /**
   * Calls every listener of `name`; one that throws is counted in listenerFailures and the others still run.
   *
   * @param name - The event's name.
   * @param args - The listeners' arguments.
   * @returns Whether `name` had listeners.
   */
  emit(name: string | symbol, ...args: unknown[]): boolean {
    const list = this.registrations.get(name);
    if (list === undefined) return false;
    for (const r of list) {
      if (r.once) this.remove(name, r);
      try {
        r.listener.apply(this, args);
      } catch (e) {
        this.failures++;
        this.lastFailure = e;
      }
    }
    return true;
  }

  /**
   * Typed subscription to every event.
   *
   * @param listener - Called with each event.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `listener` is not a function.
   */
  onEvent(listener: (e: E) => void): this {
    return this.on('event', listener);
  }

  private add(name: string | symbol, listener: Listener, once: boolean): this {
    if (typeof listener !== 'function') fail('INVALID_ARGUMENT', 'listener must be a function');
    this.registrations.set(name, [...(this.registrations.get(name) ?? []), { listener, once }]);
    return this;
  }

  private remove(name: string | symbol, r: Registration): this {
    // A new array: an emit in progress keeps iterating the old one.
    const rest = (this.registrations.get(name) ?? []).filter((x) => x !== r);
    if (rest.length === 0) this.registrations.delete(name);
    else this.registrations.set(name, rest);
    return this;
  }
}
