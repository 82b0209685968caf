/**
 * The byte-level grammar the compiler, the matcher and the registry's
 * ambiguity check share: how a number or a placeholder value is pushed, and
 * which pushes each parameter kind can produce. The matcher accepts exactly
 * what the compiler emits (minimal pushes, locks in their kind's range), so
 * "could two templates match the same script" is a question about these
 * shapes alone.
 */
import { fail } from '../core/errors';
import type { ParamKind } from './templates';

/** One opcode of a script with its pushed data, if it is a push; `raw` is its bytes in the script. */
export interface ScriptChunk {
  readonly op: number;
  readonly data?: Uint8Array;
  readonly raw: Uint8Array;
}

const OP_PUSHDATA1 = 0x4c;
const OP_PUSHDATA4 = 0x4e;
const OP_1 = 0x51;
const OP_16 = 0x60;

/** Value ranges of the lock kinds, as the compiler accepts them (lib/core/types.ts). */
const LOCK_RANGE: Readonly<Partial<Record<ParamKind, readonly [number, number]>>> = {
  absolute_locktime: [1, 0x7fffffff],
  relative_locktime: [1, 0xffff],
};

/** The largest literal number a template may write: CLTV reads at most 5 bytes, arithmetic 4. */
export const MAX_LITERAL = 0x7fffffff;

/**
 * Bitcoin script number encoding (little-endian, sign bit in the top byte).
 *
 * @param n - The number.
 */
export function encodeScriptNumber(n: number): Uint8Array {
  if (n === 0) return new Uint8Array(0);
  const out: number[] = [];
  let abs = Math.abs(n);
  while (abs > 0) {
    out.push(abs & 0xff);
    abs = Math.floor(abs / 256);
  }
  if (out[out.length - 1]! & 0x80) out.push(n < 0 ? 0x80 : 0);
  else if (n < 0) out[out.length - 1]! |= 0x80;
  return Uint8Array.from(out);
}

/** A direct push of up to 75 bytes, the only kind these templates emit. */
export function pushData(data: Uint8Array, out: number[]): void {
  if (data.length > 75) fail('INVALID_SCRIPT', 'push longer than 75 bytes');
  out.push(data.length);
  for (const b of data) out.push(b);
}

/** A non-negative number as MINIMALDATA wants it: 0 and 1..16 as opcodes, anything else as its shortest encoding. */
export function pushNumber(n: number, out: number[]): void {
  if (n >= 1 && n <= 16) out.push(OP_1 + n - 1);
  else pushData(encodeScriptNumber(n), out);
}

/** The script split into opcodes and pushes, or undefined if a push runs past the end. */
export function scriptChunks(script: Uint8Array): ScriptChunk[] | undefined {
  const chunks: ScriptChunk[] = [];
  let i = 0;
  while (i < script.length) {
    const op = script[i]!;
    let start = i + 1;
    let len = 0;
    if (op >= 1 && op < OP_PUSHDATA1) len = op;
    else if (op >= OP_PUSHDATA1 && op <= OP_PUSHDATA4) {
      const width = op === OP_PUSHDATA1 ? 1 : op === OP_PUSHDATA1 + 1 ? 2 : 4;
      if (start + width > script.length) return undefined;
      for (let k = width - 1; k >= 0; k--) len = len * 256 + script[start + k]!;
      start += width;
    } else {
      chunks.push({ op, raw: script.subarray(i, i + 1) });
      i += 1;
      continue;
    }
    if (start + len > script.length) return undefined;
    chunks.push({ op, data: script.subarray(start, start + len), raw: script.subarray(i, start + len) });
    i = start + len;
  }
  return chunks;
}

/** The number a minimal push of a positive value holds, or undefined. */
function positiveNumber(c: ScriptChunk): number | undefined {
  if (c.data === undefined) return c.op >= OP_1 && c.op <= OP_16 ? c.op - OP_1 + 1 : undefined;
  // Only direct pushes of 1..5 bytes, minimal, positive and above 16: what pushNumber emits.
  const d = c.data;
  if (c.op !== d.length || d.length === 0 || d.length > 5) return undefined;
  if ((d[d.length - 1]! & 0x80) !== 0) return undefined;
  if (d[d.length - 1] === 0 && (d.length === 1 || (d[d.length - 2]! & 0x80) === 0)) return undefined;
  let n = 0;
  for (let i = d.length - 1; i >= 0; i--) n = n * 256 + d[i]!;
  return n > 16 ? n : undefined;
}

/**
 * The value a chunk gives a placeholder of this kind, if the compiler could
 * have emitted it: a direct push of 33 bytes for a key, of 32 for a hash, a
 * minimal number in the kind's range for a lock.
 */
export function chunkValue(kind: ParamKind, c: ScriptChunk): Uint8Array | number | undefined {
  switch (kind) {
    case 'pubkey': return c.op === 33 && c.data !== undefined ? c.data : undefined;
    case 'sha256': return c.op === 32 && c.data !== undefined ? c.data : undefined;
    case 'absolute_locktime':
    case 'relative_locktime': {
      const n = positiveNumber(c);
      const [lo, hi] = LOCK_RANGE[kind]!;
      return n !== undefined && n >= lo && n <= hi ? n : undefined;
    }
  }
}

/** Whether some push is a value of both kinds: keys only with keys, hashes with hashes, any lock with any lock (both take 1..16 and short pushes). */
export function kindsOverlap(a: ParamKind, b: ParamKind): boolean {
  return a === b || (LOCK_RANGE[a] !== undefined && LOCK_RANGE[b] !== undefined);
}

/** The longest push of a value of this kind, in script bytes. */
export function maxPushLength(kind: ParamKind): number {
  switch (kind) {
    case 'pubkey': return 34;
    case 'sha256': return 33;
    case 'absolute_locktime': return 1 + encodeScriptNumber(LOCK_RANGE.absolute_locktime![1]).length;
    case 'relative_locktime': return 1 + encodeScriptNumber(LOCK_RANGE.relative_locktime![1]).length;
  }
}
