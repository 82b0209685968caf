/**
 * Checked contexts: a checked view that only its verify* function makes. The
 * functions that take one trust its fields without checking them again; an
 * object that merely looks like one (from plain JavaScript, or a context
 * edited after the fact) is refused instead of failing somewhere inside with
 * a TypeError. Each kind of context has its own set, so one kind is never
 * taken for another.
 */
import { fail } from '../core/errors';

/** The register/recognise/expect triple of one kind of checked context. */
export interface ContextKind<T extends object> {
  /** Freeze `ctx` and remember it as made by the kind's verify* function. */
  register(ctx: T): T;
  /** True if `v` was made by {@link ContextKind.register}. */
  is(v: unknown): v is T;
  /** `v` itself if it is one; otherwise `INVALID_ARGUMENT`. */
  expect(v: T): T;
}

/** A kind of checked context; `what` and `maker` name it and its verify* function in the refusal. */
export function contextKind<T extends object>(what: string, maker: string): ContextKind<T> {
  const made = new WeakSet<object>();
  const is = (v: unknown): v is T => typeof v === 'object' && v !== null && made.has(v);
  return {
    register(ctx: T): T {
      made.add(Object.freeze(ctx));
      return ctx;
    },
    is,
    expect(v: T): T {
      if (!is(v)) fail('INVALID_ARGUMENT', `not a ${what}: make one with ${maker}`);
      return v;
    },
  };
}
