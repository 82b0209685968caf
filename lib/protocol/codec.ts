/**
 * Field kinds compiled into encoders and strict decoders, once per kind
 * object: the per-message work is a loop over an array of closures, with no
 * look-up of the kind on the hot path.
 */
import { fail } from '../errors';
import { toHex } from '../tx/hash';
import {
  FieldKind, FieldTable, Json, bad, decodeHex, decodeInt, decodeLiteral, decodePubkey, decodeSats, decodeSignatureHex, expectFields,
  expectObject,
} from './fields';

/** One field's encoder and strict decoder. */
export interface FieldCodec {
  /**
   * @param v - the member's value as it arrived
   * @param name - the member's name: value errors give it as `details.field`
   * @param path - its path from the message: structural errors (missing, unexpected, not an object) give it
   */
  decode(v: unknown, name: string, path: string): unknown;
  /**
   * @param v - the in-memory value
   * @param name - the member's name, for the error
   * @returns its JSON form
   */
  encode(v: unknown, name: string): unknown;
}

/** A field table compiled: names in wire order, which are optional, and their codecs. */
export interface TableCodec {
  readonly names: readonly string[];
  readonly required: readonly string[];
  readonly optional: readonly string[];
  readonly isOptional: readonly boolean[];
  readonly codecs: readonly FieldCodec[];
}

const compiled = new WeakMap<FieldKind, FieldCodec>();

/**
 * The codec of a field kind (compiled once per kind object).
 * @param f - the kind
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if the kind is not one this module knows, or a table names a member `__proto__`
 */
export function codecOf(f: FieldKind): FieldCodec {
  let c = compiled.get(f);
  if (c === undefined) {
    c = compile(f);
    compiled.set(f, c);
  }
  return c;
}

/**
 * Compile a field table.
 * @param table - the members, by name, in wire order
 * @throws {@link ChannelError} `INVALID_ARGUMENT` for a member named `__proto__` or of an unknown kind
 */
export function compileTable(table: FieldTable): TableCodec {
  const names = Object.keys(table);
  for (const n of names) if (n === '__proto__') fail('INVALID_ARGUMENT', 'a field may not be named __proto__');
  const kinds = names.map((n) => table[n]!);
  const isOptional = kinds.map((k) => k.kind === 'optional');
  return {
    names,
    required: names.filter((_, i) => !isOptional[i]),
    optional: names.filter((_, i) => isOptional[i]),
    isOptional,
    codecs: kinds.map((k) => codecOf(k.kind === 'optional' ? k.of : k)),
  };
}

/**
 * Decode the members of `o` that `t` names into `out`; the caller has checked
 * that `o` has exactly those members.
 * @param t - the compiled table
 * @param o - the object as it arrived
 * @param out - the object being built
 * @param prefix - the table's path and a dot (`variant.`), or '' for a message's own fields
 * @throws {@link ChannelError} as each member's kind refuses (`MESSAGE_INVALID`, `INVALID_KEY`, `INVALID_SIGNATURE`, a checked kind's code)
 */
export function decodeTable(t: TableCodec, o: Json, out: Json, prefix: string): void {
  const { names, codecs, isOptional } = t;
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    if (isOptional[i] && !(k in o)) continue;
    out[k] = codecs[i]!.decode(o[k], k, prefix === '' ? k : prefix + k);
  }
}

/**
 * Encode the members of `m` that `t` names into `out`, leaving out optional members that are undefined.
 * @param t - the compiled table
 * @param m - the in-memory object
 * @param out - the JSON object being built
 * @throws {@link ChannelError} `MESSAGE_INVALID` naming the first member not of its kind
 */
export function encodeTable(t: TableCodec, m: Json, out: Json): void {
  const { names, codecs, isOptional } = t;
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    const v = m[k];
    if (isOptional[i] && v === undefined) continue;
    out[k] = codecs[i]!.encode(v, k);
  }
}

function encodeBytes(v: unknown, name: string): string {
  if (!(v instanceof Uint8Array)) bad(name, 'must be bytes');
  return toHex(v);
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function compile(f: FieldKind): FieldCodec {
  switch (f.kind) {
    case 'bytes': {
      const { length } = f;
      return { decode: (v, name) => decodeHex(v, name, length), encode: encodeBytes };
    }
    case 'pubkey':
      return { decode: (v, name) => decodePubkey(v, name), encode: encodeBytes };
    case 'signature': {
      const { minLength, maxLength } = f;
      return { decode: (v, name) => decodeSignatureHex(v, name, minLength, maxLength), encode: encodeBytes };
    }
    case 'sats': {
      const { max } = f;
      return {
        decode: (v, name) => decodeSats(v, name, max),
        encode: (v, name) => {
          if (typeof v !== 'bigint') bad(name, 'must be a bigint');
          return v.toString(10);
        },
      };
    }
    case 'int': {
      const { min, max } = f;
      return {
        decode: (v, name) => decodeInt(v, name, min, max),
        encode: (v, name) => {
          if (!Number.isSafeInteger(v)) bad(name, 'must be an integer');
          return v;
        },
      };
    }
    case 'literal': {
      const { values } = f;
      return { decode: (v, name) => decodeLiteral(v, name, values), encode: (v, name) => decodeLiteral(v, name, values) };
    }
    case 'object': {
      const t = compileTable(f.fields);
      return {
        decode: (v, _name, path) => {
          const o = expectObject(v, path);
          expectFields(o, t.required, path, t.optional);
          const out: Json = {};
          decodeTable(t, o, out, `${path}.`);
          return out;
        },
        encode: (v, name) => {
          if (!isObject(v)) bad(name, 'must be an object');
          const out: Json = {};
          encodeTable(t, v, out);
          return out;
        },
      };
    }
    case 'union': {
      const { tag } = f;
      const tags = Object.keys(f.cases);
      const cases = new Map(tags.map((c) => {
        const t = compileTable(f.cases[c]!);
        return [c, { t, required: [tag, ...t.required] }] as const;
      }));
      return {
        decode: (v, _name, path) => {
          const o = expectObject(v, path);
          // The tag first: an unknown case is reported as such, not as the fields it lacks.
          const which = decodeLiteral(o[tag], tag, tags);
          const c = cases.get(which)!;
          expectFields(o, c.required, path, c.t.optional);
          const out: Json = { [tag]: which };
          decodeTable(c.t, o, out, `${path}.`);
          return out;
        },
        encode: (v, name) => {
          if (!isObject(v)) bad(name, 'must be an object');
          const which = decodeLiteral(v[tag], tag, tags);
          const out: Json = { [tag]: which };
          encodeTable(cases.get(which)!.t, v, out);
          return out;
        },
      };
    }
    case 'oneKey': {
      const t = compileTable(f.options);
      const codecs = new Map(t.names.map((n, i) => [n, t.codecs[i]!]));
      const why = `must be {${t.names.join('} or {')}}`;
      return {
        decode: (v, _name, path) => {
          const o = expectObject(v, path);
          const keys = Object.keys(o);
          const key = keys.length === 1 ? keys[0]! : undefined;
          const c = key === undefined ? undefined : codecs.get(key);
          if (c === undefined) return bad(path, why);
          return { [key!]: c.decode(o[key!], key!, `${path}.${key}`) };
        },
        encode: (v, name) => {
          if (!isObject(v)) bad(name, 'must be an object');
          const present = t.names.filter((n) => v[n] !== undefined);
          if (present.length !== 1) bad(name, why);
          const key = present[0]!;
          return { [key]: codecs.get(key)!.encode(v[key], key) };
        },
      };
    }
    case 'optional': {
      // Inside a table the table skips an absent member; elsewhere undefined is the inner kind's to refuse.
      const inner = codecOf(f.of);
      return { decode: (v, name, path) => inner.decode(v, name, path), encode: (v, name) => (v === undefined ? undefined : inner.encode(v, name)) };
    }
    case 'array': {
      const inner = codecOf(f.of);
      const { maxLength } = f;
      return {
        decode: (v, name, path) => {
          if (!Array.isArray(v)) bad(name, 'must be an array');
          if (v.length > maxLength) bad(name, `must have at most ${maxLength} elements`);
          const out = new Array<unknown>(v.length);
          for (let i = 0; i < v.length; i++) out[i] = inner.decode(v[i], `${name}[${i}]`, `${path}[${i}]`);
          return out;
        },
        encode: (v, name) => {
          if (!Array.isArray(v)) bad(name, 'must be an array');
          return v.map((x, i) => inner.encode(x, `${name}[${i}]`));
        },
      };
    }
    case 'checked': {
      const inner = codecOf(f.of);
      const { code, why } = f;
      const check = f.check as (v: unknown) => unknown;
      return {
        decode: (v, name, path) => {
          const x = inner.decode(v, name, path);
          try {
            return check(x);
          } catch {
            return bad(name, why, code);
          }
        },
        // The encoder speaks one code for a value it cannot write, MESSAGE_INVALID, whatever the rule.
        encode: (v, name) => {
          try {
            return inner.encode(check(v), name);
          } catch {
            return bad(name, why);
          }
        },
      };
    }
    default:
      return fail('INVALID_ARGUMENT', `unknown field kind ${String((f as { kind?: unknown }).kind)}`);
  }
}
