/**
 * A ChainBackend whose calls fail the way a node's do now and then: at once
 * (connection refused), after a while (a node that does not answer until the
 * client gives up), or after the node did the work (the answer lost on the
 * way back: a broadcast that reached the mempool although the caller saw an
 * error). A watcher has to come through all three. Every failure is the
 * ChannelError('CHAIN_BACKEND', 'timeout') a real backend throws.
 */
import { ChainBackend, ChannelError } from '../../lib';

/** Every method a ChainBackend can have; the check below fails to compile when one is added and not listed. */
const METHODS = ['getTip', 'broadcast', 'getTransaction', 'getBlock', 'getBlockHash', 'getSpender', 'getConfirmations', 'getMempoolTxids'] as const;
export type BackendMethod = (typeof METHODS)[number];
const EVERY_METHOD_LISTED: Exclude<keyof ChainBackend, BackendMethod> extends never ? true : false = true;

/**
 * - 'fail': throws without reaching the node;
 * - 'hang': waits `hangMs`, then throws without reaching the node;
 * - 'lost': reaches the node, waits for its answer, then throws instead of returning it.
 */
export type Fault = 'fail' | 'hang' | 'lost';

/**
 * Which calls of one method fail, counted from 1 per method: a list of call
 * numbers that fail at once, lists per fault, or a function of the call
 * number (true for 'fail').
 */
export type MethodPlan =
  | readonly number[]
  | { readonly [F in Fault]?: readonly number[] }
  | ((call: number) => Fault | boolean | undefined);

export type FlakyPlan = { readonly [M in BackendMethod]?: MethodPlan };

export interface FlakyOptions {
  /** How long a 'hang' waits before it fails (default 50 ms). */
  readonly hangMs?: number;
}

export interface FlakyBackend extends ChainBackend {
  /** Calls made so far, per method, failed ones included. */
  readonly calls: Readonly<Record<BackendMethod, number>>;
  /** The calls that failed, in order. */
  readonly faults: readonly { readonly method: BackendMethod; readonly call: number; readonly fault: Fault }[];
}

function faultOf(plan: MethodPlan | undefined, call: number): Fault | undefined {
  if (plan === undefined) return undefined;
  if (typeof plan === 'function') {
    const f = plan(call);
    return f === true ? 'fail' : f === false ? undefined : f;
  }
  if (Array.isArray(plan)) return (plan as readonly number[]).includes(call) ? 'fail' : undefined;
  const byFault = plan as { readonly [F in Fault]?: readonly number[] };
  return (['fail', 'hang', 'lost'] as const).find((f) => byFault[f]?.includes(call));
}

/** `backend` with the failures of `plan`; methods the backend lacks stay absent. */
export function flaky(backend: ChainBackend, plan: FlakyPlan, opts: FlakyOptions = {}): FlakyBackend {
  void EVERY_METHOD_LISTED;
  const hangMs = opts.hangMs ?? 50;
  const calls = Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<BackendMethod, number>;
  const faults: { method: BackendMethod; call: number; fault: Fault }[] = [];
  const out: Record<string, unknown> = { calls, faults };
  for (const method of METHODS) {
    const real = backend[method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof real !== 'function') continue;
    out[method] = async (...args: unknown[]): Promise<unknown> => {
      const call = ++calls[method];
      const fault = faultOf(plan[method], call);
      if (fault === undefined) return real.apply(backend, args);
      faults.push({ method, call, fault });
      if (fault === 'hang') await new Promise((r) => setTimeout(r, hangMs));
      if (fault === 'lost') await real.apply(backend, args).catch(() => undefined);
      throw new ChannelError('CHAIN_BACKEND', 'timeout', { method, call, fault });
    };
  }
  return out as unknown as FlakyBackend;
}
