/**
 * Mutations of valid encodings for the fuzz spec, as fast-check arbitraries
 * so a failure shrinks to a small reproduction: byte strings (bit flips,
 * truncation, insertion, deletion, duplication, splicing, length-prefix
 * bytes), JSON values (fields removed, added, retyped, swapped, nested deep,
 * strings and numbers bent, unicode inserted, the JSON text itself damaged
 * and parsed again) and odd in-memory values (bigints, typed arrays,
 * null-prototype objects, NaN, -0, undefined).
 */
import fc from 'fast-check';

// ---------------------------------------------------------------------------
// Bytes.

type ByteOp =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number }
  | { op: 'truncate'; len: number }
  | { op: 'duplicate'; at: number; len: number; to: number }
  | { op: 'splice'; from: number; at: number; len: number; to: number }
  | { op: 'varint'; at: number; byte: number };

const byteOp: fc.Arbitrary<ByteOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x01, 0x20, 0x21, 0x4b, 0x4c, 0x7f, 0x80, 0xfd, 0xfe, 0xff) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), len: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('splice' as const), from: fc.nat(), at: fc.nat(), len: fc.integer({ min: 1, max: 120 }), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('varint' as const), at: fc.nat(), byte: fc.constantFrom(0xfd, 0xfe, 0xff) }) },
);

function applyByteOp(b: Uint8Array, o: ByteOp, bases: readonly Uint8Array[]): Uint8Array {
  const n = b.length;
  const at = (x: number) => (n === 0 ? 0 : x % (n + 1));
  switch (o.op) {
    case 'flip': {
      if (n === 0) return b;
      const c = Uint8Array.from(b);
      c[o.at % n] ^= 1 << o.bit;
      return c;
    }
    case 'set':
    case 'varint': {
      if (n === 0) return b;
      const c = Uint8Array.from(b);
      c[o.at % n] = o.byte;
      return c;
    }
    case 'insert': {
      const i = at(o.at);
      return Uint8Array.from([...b.subarray(0, i), ...o.bytes, ...b.subarray(i)]);
    }
    case 'delete': {
      const i = at(o.at);
      return Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + o.len)]);
    }
    case 'truncate':
      return b.subarray(0, n === 0 ? 0 : o.len % n);
    case 'duplicate': {
      const i = at(o.at);
      const seg = b.subarray(i, i + o.len);
      const j = at(o.to);
      return Uint8Array.from([...b.subarray(0, j), ...seg, ...b.subarray(j)]);
    }
    case 'splice': {
      const src = bases[o.from % bases.length]!;
      const i = src.length === 0 ? 0 : o.at % src.length;
      const seg = src.subarray(i, i + o.len);
      const j = at(o.to);
      return Uint8Array.from([...b.subarray(0, j), ...seg, ...b.subarray(j + seg.length)]);
    }
  }
}

/** Valid byte strings mutated 1 to `maxOps` times, mixed with wholly random ones. */
export function mutatedBytes(bases: readonly Uint8Array[], maxOps = 4, randomWeight = 1): fc.Arbitrary<Uint8Array> {
  const mutated = fc.tuple(fc.nat(bases.length - 1), fc.array(byteOp, { minLength: 1, maxLength: maxOps }))
    .map(([i, ops]) => ops.reduce((b, o) => applyByteOp(b, o, bases), bases[i]!));
  return fc.oneof(
    { weight: 8, arbitrary: mutated },
    { weight: randomWeight, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.constantFrom(...bases) },
  );
}

// ---------------------------------------------------------------------------
// Values.

/** Strings a decoder might choke on: hex-like, decimal-like, unicode, very long. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...'0123456789+-.eExn '), maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('', '__proto__', 'constructor', 'toString', 'offer', 'csv', 'cltv', '\u0000', '\ufeff', '\ud800', 'x'.repeat(5000)),
);

/** Numbers at the edges: huge, negative, fractional, unsafe, -0, and the special values (in memory only). */
export const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 32 - 1, 2 ** 48, 2 ** 48 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, NaN, Infinity, -Infinity, Number.MIN_VALUE),
);

/** Anything at all, JSON or not. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3, withBigInt: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: true, withDate: true }),
  oddString,
  oddNumber,
  fc.bigInt(),
  fc.uint8Array({ maxLength: 80 }),
);

// ---------------------------------------------------------------------------
// JSON values.

type Path = (string | number)[];

function paths(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 0) out.push(prefix);
  if (prefix.length > 6 || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

function getAt(v: unknown, p: Path): unknown {
  return p.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], v);
}

/** A copy of `v` with the value at `p` replaced by `f(old)`, or removed when f returns REMOVE. */
const REMOVE = Symbol('remove');
function setAt(v: unknown, p: Path, f: (old: unknown) => unknown): unknown {
  if (p.length === 0) return f(v);
  const [k, ...rest] = p;
  if (Array.isArray(v)) {
    const c = [...v];
    const r = setAt(c[k as number], rest, f);
    if (r === REMOVE) c.splice(k as number, 1);
    else c[k as number] = r;
    return c;
  }
  const c: Record<string, unknown> = {};
  for (const key of Object.keys(v as object)) {
    if (key !== k) Object.defineProperty(c, key, { value: (v as Record<string, unknown>)[key], enumerable: true, writable: true, configurable: true });
    else {
      const r = setAt((v as Record<string, unknown>)[key], rest, f);
      if (r !== REMOVE) Object.defineProperty(c, key, { value: r, enumerable: true, writable: true, configurable: true });
    }
  }
  return c;
}

type JsonOp =
  | { op: 'delete'; pick: number }
  | { op: 'set'; pick: number; value: unknown }
  | { op: 'add'; pick: number; key: string; value: unknown }
  | { op: 'swap'; pick: number; other: number }
  | { op: 'nest'; pick: number; depth: number }
  | { op: 'string'; pick: number; how: number; at: number; s: string }
  | { op: 'number'; pick: number; value: number }
  | { op: 'text'; bytes: ByteOp[] };

const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: oddString },
  { weight: 2, arbitrary: oddNumber },
  { weight: 1, arbitrary: anyValue },
);

const jsonOp: fc.Arbitrary<JsonOp> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), pick: fc.nat(), value: jsonLeaf }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), pick: fc.nat(), key: oddString, value: jsonLeaf }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swap' as const), pick: fc.nat(), other: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), pick: fc.nat(), depth: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(1000, 100_000)) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('string' as const), pick: fc.nat(), how: fc.nat(7), at: fc.nat(), s: oddString }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('number' as const), pick: fc.nat(), value: oddNumber }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('text' as const), bytes: fc.array(byteOp, { minLength: 1, maxLength: 3 }) }) },
);

function bendString(old: string, how: number, at: number, s: string): string {
  const i = old.length === 0 ? 0 : at % (old.length + 1);
  switch (how) {
    case 0: return old.slice(0, i) + s + old.slice(i);
    case 1: return old.slice(0, i);
    case 2: return old.toUpperCase();
    case 3: return old.slice(0, i) + old.slice(i + 1);
    case 4: return old.length === 0 ? s : old.slice(0, i) + String.fromCharCode(old.charCodeAt(i % old.length) ^ 1) + old.slice(i + 1);
    case 5: return ['0', '-', '+', ' ', '0x'][at % 5] + old;
    case 6: return old + old;
    default: return s;
  }
}

function applyJsonOp(v: unknown, o: JsonOp, text: (x: unknown) => string): unknown {
  if (o.op === 'text') {
    const bytes = new TextEncoder().encode(text(v));
    const bent = o.bytes.reduce<Uint8Array>((b, op) => applyByteOp(b, op, [bytes]), bytes);
    try {
      return JSON.parse(new TextDecoder().decode(bent));
    } catch {
      return v;
    }
  }
  const ps = paths(v);
  if (ps.length === 0) return o.op === 'set' ? o.value : v;
  const p = ps[o.pick % ps.length]!;
  switch (o.op) {
    case 'delete': return setAt(v, p, () => REMOVE);
    case 'set': return setAt(v, p, () => o.value);
    case 'add': {
      const parent = p.slice(0, -1);
      return setAt(v, parent, (obj) => {
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return obj;
        const c = { ...(obj as object) };
        Object.defineProperty(c, o.key, { value: o.value, enumerable: true, writable: true, configurable: true });
        return c;
      });
    }
    case 'swap': return setAt(v, p, () => getAt(v, ps[o.other % ps.length]!));
    case 'nest': return setAt(v, p, (old) => {
      let x = old;
      for (let i = 0; i < o.depth; i++) x = [x];
      return x;
    });
    case 'string': return setAt(v, p, (old) => (typeof old === 'string' ? bendString(old, o.how, o.at, o.s) : o.s));
    case 'number': return setAt(v, p, (old) => (typeof old === 'number' ? (o.pick % 2 === 0 ? old + Math.trunc(o.value % 1000) : o.value) : o.value));
  }
}

/** JSON's text, or a stand-in when the value has none (bigints, cycles); text mutations then work on the stand-in. */
function safeText(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return 'null';
  }
}

/** Valid JSON values mutated 1 to `maxOps` times, mixed with arbitrary JSON and arbitrary values. */
export function mutatedJson(bases: readonly unknown[], maxOps = 4): fc.Arbitrary<unknown> {
  const mutated = fc.tuple(fc.nat(bases.length - 1), fc.array(jsonOp, { minLength: 1, maxLength: maxOps }))
    .map(([i, ops]) => ops.reduce((v, o) => applyJsonOp(v, o, safeText), bases[i]));
  return fc.oneof(
    { weight: 12, arbitrary: mutated },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: anyValue },
    { weight: 1, arbitrary: fc.constantFrom(...bases) },
  );
}

/** JSON with object keys sorted, to compare two values whose keys came in another order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    return Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]));
  });
}

export { fc };
