/**
 * Which objects are checked channel contexts. Only verifyChannelParams makes
 * one, and the functions that take a context trust its fields without
 * checking them again; an object that merely looks like one (from plain
 * JavaScript, or a context edited after the fact) is refused instead of
 * failing somewhere inside with a TypeError.
 */
import { fail } from '../core/errors';

const made = new WeakSet<object>();

export function registerContext<T extends object>(ctx: T): T {
  made.add(Object.freeze(ctx));
  return ctx;
}

export function isContext(v: unknown): boolean {
  return typeof v === 'object' && v !== null && made.has(v);
}

export function expectContext<T>(ctx: T): T {
  if (!isContext(ctx)) fail('INVALID_ARGUMENT', 'not a channel context: make one with verifyChannelParams');
  return ctx;
}
