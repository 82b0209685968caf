/**
 * Tagged JSON for the bad-input corpus (fixtures/bad-inputs/). Plain JSON
 * stands for itself; values JSON has no form for are one-key objects whose
 * key starts with "$":
 *
 *   {"$bigint": "-1"}            a bigint, in decimal
 *   {"$bytes": "00ff"}           a Uint8Array, in lowercase hex
 *   {"$undefined": true}         undefined (the key is present)
 *   {"$delete": true}            inside "$with" only: the key is removed
 *   {"$number": "NaN"}           NaN, Infinity, -Infinity or -0
 *   {"$json": "<text>"}          JSON.parse of the text: duplicate keys, "__proto__" keys, 1e400
 *   {"$nested": {"depth": n, "leaf": v}}   v inside n nested arrays
 *   {"$object": {...}}           an object whose own keys may start with "$"
 *   {"$tx": "<hex>"}             a bitcoinjs Transaction
 *   {"$psbt": "<base64>"}        a bitcoinjs Psbt
 *   {"$bip32": "<xprv|xpub>"}    a BIP32 node (tprv/tpub: testnet)
 *   {"$ref": "name", "$with": {...}}   a fresh copy of the file's baseline `name`,
 *                                       with the listed keys replaced (or deleted)
 *   {"$party": "name"}           in a call's arguments only: the file's party `name`,
 *                                restored from its saved state (the case's own party
 *                                when the case names it; one object per name in a call)
 *
 * Every decode builds fresh objects, so a case can check its arguments were
 * not changed without another case seeing the change.
 */
import { BIP32Factory, BIP32Interface } from 'bip32';
import { Psbt, Transaction, networks } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { Receiver, RevocationStore, Sender } from '../../lib';

export type Tagged = null | boolean | number | string | Tagged[] | { [key: string]: Tagged };

const bip32 = BIP32Factory(ecc);

/** A reference to a baseline, as the generator writes it: encodes to {"$ref", "$with"}. */
export class Ref {
  constructor(readonly name: string, readonly changes: Readonly<Record<string, unknown>> = {}) {}
}
/** A party of the corpus file, passed as an argument: encodes to {"$party": name}. */
export class PartyRef {
  constructor(readonly name: string) {}
}
/** Marks a key for deletion inside Ref changes. */
export const DELETE: unique symbol = Symbol('delete');
/** JSON text to be parsed as it is (for inputs no JSON value can carry). */
export class JsonText {
  constructor(readonly text: string) {}
}
/** PSBT bytes to parse as they are (encode() of a Psbt object writes its re-encoding, which may differ). */
export class RawPsbt {
  constructor(readonly bytes: Uint8Array) {}
}
/** `leaf` inside `depth` nested arrays, built without recursion. */
export class Nested {
  constructor(readonly depth: number, readonly leaf: unknown) {}
}

function isBip32(v: unknown): v is BIP32Interface {
  return v !== null && typeof v === 'object' && typeof (v as BIP32Interface).toBase58 === 'function'
    && typeof (v as BIP32Interface).derivePath === 'function';
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

// ---------------------------------------------------------------------------
// Encoding (the generator).

export function encode(v: unknown): Tagged {
  if (v === undefined) return { $undefined: true };
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return { $bigint: v.toString(10) };
  if (typeof v === 'number') {
    if (Number.isNaN(v) || !Number.isFinite(v) || Object.is(v, -0)) return { $number: Object.is(v, -0) ? '-0' : String(v) };
    return v;
  }
  if (v instanceof Uint8Array) return { $bytes: hex(v) };
  if (v instanceof Ref) {
    const changes: Record<string, Tagged> = {};
    for (const [k, c] of Object.entries(v.changes)) changes[k] = c === DELETE ? { $delete: true } : encode(c);
    return Object.keys(changes).length === 0 ? { $ref: v.name } : { $ref: v.name, $with: changes };
  }
  if (v instanceof PartyRef) return { $party: v.name };
  if (v instanceof JsonText) return { $json: v.text };
  if (v instanceof RawPsbt) return { $psbt: Buffer.from(v.bytes).toString('base64') };
  if (v instanceof Nested) return { $nested: { depth: v.depth, leaf: encode(v.leaf) } };
  if (v instanceof Transaction) return { $tx: v.toHex() };
  if (v instanceof Psbt) return { $psbt: v.toBase64() };
  if (isBip32(v)) return { $bip32: v.toBase58() };
  if (Array.isArray(v)) return v.map(encode);
  if (typeof v === 'object') {
    const out: Record<string, Tagged> = {};
    let escaped = false;
    for (const k of Object.keys(v)) {
      if (k.startsWith('$')) escaped = true;
      Object.defineProperty(out, k, { value: encode((v as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    }
    return escaped ? { $object: out } : out;
  }
  throw new Error(`cannot encode a ${typeof v} in the corpus`);
}

// ---------------------------------------------------------------------------
// Decoding (the spec).

export type Baselines = Readonly<Record<string, Tagged>>;

function tagOf(o: Record<string, Tagged>): string | undefined {
  const keys = Object.keys(o);
  if (keys.length === 0 || !keys[0]!.startsWith('$')) return undefined;
  if (keys.length === 2 && keys.includes('$ref') && keys.includes('$with')) return '$ref';
  if (keys.length !== 1) throw new Error(`malformed tag ${JSON.stringify(o).slice(0, 80)}`);
  return keys[0];
}

function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  // defineProperty, not assignment: a key named __proto__ stays an own data property, as JSON.parse makes it.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** The party object a {"$party": name} stands for (the spec restores it). */
export type PartyResolver = (name: string) => unknown;

export function decode(t: Tagged, baselines: Baselines = {}, parties?: PartyResolver): unknown {
  return decodeAt(t, baselines, parties, 0);
}

function decodeAt(t: Tagged, baselines: Baselines, parties: PartyResolver | undefined, depth: number): unknown {
  if (depth > 64) throw new Error('baseline references nest too deep (a cycle?)');
  if (t === null || typeof t !== 'object') return t;
  if (Array.isArray(t)) return t.map((x) => decodeAt(x, baselines, parties, depth));
  const tag = tagOf(t);
  const arg = tag === undefined ? undefined : t[tag]!;
  switch (tag) {
    case undefined: {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(t)) setOwn(out, k, decodeAt(t[k]!, baselines, parties, depth));
      return out;
    }
    case '$bigint': return BigInt(arg as string);
    case '$bytes': {
      if (typeof arg !== 'string' || !/^([0-9a-f]{2})*$/.test(arg)) throw new Error(`bad $bytes ${String(arg).slice(0, 40)}`);
      return Uint8Array.from(Buffer.from(arg, 'hex'));
    }
    case '$undefined': return undefined;
    case '$number': return arg === '-0' ? -0 : Number(arg);
    case '$json': return JSON.parse(arg as string);
    case '$nested': {
      const { depth: n, leaf } = arg as { depth: number; leaf: Tagged };
      let v = decodeAt(leaf, baselines, parties, depth);
      for (let i = 0; i < n; i++) v = [v];
      return v;
    }
    case '$object': {
      const out: Record<string, unknown> = {};
      const o = arg as Record<string, Tagged>;
      for (const k of Object.keys(o)) setOwn(out, k, decodeAt(o[k]!, baselines, parties, depth));
      return out;
    }
    case '$party': {
      if (parties === undefined) throw new Error(`{"$party": ${JSON.stringify(arg)}} outside a call's arguments`);
      return parties(arg as string);
    }
    case '$tx': return Transaction.fromHex(arg as string);
    case '$psbt': return Psbt.fromBase64(arg as string);
    case '$bip32': return bip32.fromBase58(arg as string, (arg as string).startsWith('t') ? networks.testnet : networks.bitcoin);
    case '$ref': {
      const name = arg as string;
      if (!(name in baselines)) throw new Error(`unknown baseline ${name}`);
      const base = decodeAt(baselines[name]!, baselines, parties, depth + 1);
      const changes = (t.$with ?? {}) as Record<string, Tagged>;
      if (Object.keys(changes).length === 0) return base;
      if (base === null || typeof base !== 'object' || Array.isArray(base)) throw new Error(`$with on baseline ${name}, which is not an object`);
      const out = base as Record<string, unknown>;
      for (const k of Object.keys(changes)) {
        const c = changes[k]!;
        if (c !== null && typeof c === 'object' && !Array.isArray(c) && tagOf(c) === '$delete') delete out[k];
        else setOwn(out, k, decodeAt(c, baselines, parties, depth));
      }
      return out;
    }
    default: throw new Error(`unknown tag ${tag}`);
  }
}

// ---------------------------------------------------------------------------
// Snapshots: an exact picture of a value, to compare arguments before and after a call.

export function snapshot(v: unknown): string {
  const seen = new Set<object>();
  const walk = (x: unknown): string => {
    if (x === undefined) return 'undefined';
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return JSON.stringify(x);
    if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
    if (typeof x === 'bigint') return `${x}n`;
    if (typeof x !== 'object') return `<${typeof x}>`;
    if (seen.has(x)) return '<cycle>';
    if (x instanceof Uint8Array) return `bytes:${hex(x)}`;
    if (x instanceof Transaction) return `tx:${x.toHex()}`;
    if (x instanceof Psbt) return `psbt:${x.toBase64()}`;
    if (isBip32(x)) return `bip32:${x.toBase58()}`;
    // A party passed as an argument: what it would save.
    if (x instanceof Sender || x instanceof Receiver || x instanceof RevocationStore) return `${x.constructor.name}:${JSON.stringify(x.toJSON())}`;
    seen.add(x);
    let out: string;
    if (Array.isArray(x)) {
      // Deep nesting is built iteratively; walk a long chain of one-element arrays without recursion.
      let depth = 0;
      let inner: unknown = x;
      while (Array.isArray(inner) && inner.length === 1 && Array.isArray(inner[0]) && depth < 1e7) {
        inner = inner[0];
        depth++;
      }
      out = depth > 16 ? `nested(${depth}):${walk(inner)}` : `[${x.map(walk).join(',')}]`;
    } else {
      out = `{${Object.keys(x).map((k) => `${JSON.stringify(k)}:${walk((x as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    seen.delete(x);
    return out;
  };
  return walk(v);
}
