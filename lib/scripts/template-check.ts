/**
 * The one reading of a template: its ASM as tokens, each placeholder's kind,
 * each branch's witness items and locks, all checked. A template a caller
 * hands in is read on every use; a registered one (frozen) is read once.
 */
import { opcodes } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { MAX_LITERAL } from './chunks';
import type { BranchLocks, ParamKind, ScriptTemplate } from './templates';

export type TemplateToken =
  | { readonly type: 'op'; readonly op: number }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'param'; readonly name: string; readonly kind: ParamKind };

export type WitnessItem =
  | { readonly type: 'sig'; readonly key: string }
  | { readonly type: 'preimage'; readonly hash: string }
  | { readonly type: 'bytes'; readonly bytes: Uint8Array };

export interface ParsedBranch {
  readonly items: readonly WitnessItem[];
  readonly locks: BranchLocks;
}

export interface ParsedTemplate {
  readonly tokens: readonly TemplateToken[];
  /** Every placeholder's kind: the parameters and the sorted targets (keys). */
  readonly kinds: ReadonlyMap<string, ParamKind>;
  readonly branches: ReadonlyMap<string, ParsedBranch>;
}

const OPS = opcodes as unknown as Record<string, number>;
const KINDS: readonly ParamKind[] = ['pubkey', 'absolute_locktime', 'relative_locktime', 'sha256'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOCK_KIND: Readonly<Record<keyof BranchLocks, ParamKind>> = { nLockTime: 'absolute_locktime', nSequence: 'relative_locktime' };
/** Policy's limit on a P2WSH witness item (MAX_STANDARD_P2WSH_STACK_ITEM_SIZE). */
const MAX_CONSTANT_ITEM = 80;

const parsed = new WeakMap<ScriptTemplate, ParsedTemplate>();

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function shape(t: ScriptTemplate): void {
  if (!isRecord(t) || typeof t.name !== 'string' || t.name === '' || typeof t.asm !== 'string' || !isRecord(t.params) || !isRecord(t.branches)
    || typeof t.description !== 'string' || typeof t.descriptor !== 'string' || typeof t.miniscript !== 'string'
    || !Number.isSafeInteger(t.maxLength) || t.maxLength < 1
    || (t.sorted !== undefined && (!isRecord(t.sorted) || !isStringArray(t.sorted.from) || !isStringArray(t.sorted.into)))) {
    fail('TEMPLATE_ARGUMENT', 'not a script template: {name, description, descriptor, miniscript, asm, params, branches, maxLength}');
  }
}

function placeholderKinds(t: ScriptTemplate): Map<string, ParamKind> {
  const kinds = new Map<string, ParamKind>();
  for (const [name, kind] of Object.entries(t.params)) {
    if (!NAME.test(name)) fail('TEMPLATE_ARGUMENT', `${t.name}: parameter name ${name} is not an identifier`);
    if (!KINDS.includes(kind)) fail('TEMPLATE_ARGUMENT', `${t.name}: parameter ${name} has unknown kind ${String(kind)}`);
    kinds.set(name, kind);
  }
  if (t.sorted) {
    const { from, into } = t.sorted;
    if (from.length !== into.length || from.length === 0) fail('TEMPLATE_ARGUMENT', `${t.name}: sorted.from and sorted.into must name as many keys`);
    for (const n of from) if (kinds.get(n) !== 'pubkey') fail('TEMPLATE_ARGUMENT', `${t.name}: sorted.from names ${n}, not a pubkey parameter`);
    for (const n of into) {
      if (!NAME.test(n) || kinds.has(n)) fail('TEMPLATE_ARGUMENT', `${t.name}: sorted.into names ${n}, which must be a new identifier`);
      kinds.set(n, 'pubkey');
    }
  }
  return kinds;
}

function parseToken(t: ScriptTemplate, token: string, kinds: ReadonlyMap<string, ParamKind>): TemplateToken {
  const placeholder = /^<(.*)>$/.exec(token);
  if (placeholder) {
    const name = placeholder[1]!;
    if (/^\d+$/.test(name)) fail('INVALID_SCRIPT', `${t.name}: ${token}: numbers are written bare, in decimal (${name})`);
    const kind = kinds.get(name);
    if (kind === undefined) fail('TEMPLATE_ARGUMENT', `${t.name}: no parameter fills ${token}`);
    return { type: 'param', name, kind };
  }
  if (/^(0|[1-9]\d*)$/.test(token)) {
    const value = Number(token);
    if (value > MAX_LITERAL) fail('INVALID_SCRIPT', `${t.name}: literal ${token} is above ${MAX_LITERAL}`);
    return { type: 'number', value };
  }
  if (!token.startsWith('OP_') || !Object.hasOwn(OPS, token)) fail('INVALID_SCRIPT', `${t.name}: unknown opcode ${token}`);
  return { type: 'op', op: OPS[token]! };
}

function parseItem(t: ScriptTemplate, branch: string, item: string, kinds: ReadonlyMap<string, ParamKind>): WitnessItem {
  const bad = (why: string): never => fail('INVALID_SCRIPT', `${t.name}.${branch}: bad witness item ${JSON.stringify(item)}: ${why}`);
  if (item === '') return { type: 'bytes', bytes: new Uint8Array(0) };
  const m = /^<(sig|preimage) (\w+)>$/.exec(item);
  if (m) {
    const [, what, name] = m as unknown as [string, 'sig' | 'preimage', string];
    const want: ParamKind = what === 'sig' ? 'pubkey' : 'sha256';
    if (kinds.get(name) !== want) bad(`${name} is not a ${want} placeholder`);
    return what === 'sig' ? { type: 'sig', key: name } : { type: 'preimage', hash: name };
  }
  if (/^([0-9a-f]{2})+$/.test(item)) {
    if (item.length / 2 > MAX_CONSTANT_ITEM) bad(`constants are at most ${MAX_CONSTANT_ITEM} bytes`);
    return { type: 'bytes', bytes: Uint8Array.from(item.match(/../g)!.map((h) => parseInt(h, 16))) };
  }
  return bad('expected \'\', <sig KEY>, <preimage HASH> or lowercase hex');
}

function parseLocks(t: ScriptTemplate, branch: string, locks: unknown): BranchLocks {
  if (!isRecord(locks)) fail('TEMPLATE_ARGUMENT', `${t.name}.${branch}: locks must be an object such as {} or {"nLockTime": "T"}`);
  for (const [field, param] of Object.entries(locks)) {
    const want = Object.hasOwn(LOCK_KIND, field) ? LOCK_KIND[field as keyof BranchLocks] : undefined;
    if (want === undefined) fail('TEMPLATE_ARGUMENT', `${t.name}.${branch}: unknown lock ${field} (nLockTime or nSequence)`);
    if (typeof param !== 'string' || !Object.hasOwn(t.params, param) || t.params[param] !== want) {
      fail('TEMPLATE_ARGUMENT', `${t.name}.${branch}: lock ${field} must name a ${want} parameter`);
    }
  }
  return locks as BranchLocks;
}

function parse(t: ScriptTemplate): ParsedTemplate {
  shape(t);
  const kinds = placeholderKinds(t);
  const tokens = t.asm.split(' ').map((tok) => parseToken(t, tok, kinds));
  const used = new Set(tokens.flatMap((k) => (k.type === 'param' ? [k.name] : [])));
  for (const n of t.sorted?.into ?? []) if (!used.has(n)) fail('TEMPLATE_ARGUMENT', `${t.name}: sorted key ${n} does not appear in the script`);
  for (const n of t.sorted?.from ?? []) used.add(n);
  for (const n of Object.keys(t.params)) if (!used.has(n)) fail('TEMPLATE_ARGUMENT', `${t.name}: parameter ${n} does not appear in the script`);
  const branches = new Map<string, ParsedBranch>();
  for (const [name, b] of Object.entries(t.branches)) {
    if (!isRecord(b) || typeof b.description !== 'string' || !isStringArray(b.witness)) {
      fail('TEMPLATE_ARGUMENT', `${t.name}: branch ${name} must be {description, witness, locks}`);
    }
    const items = b.witness.map((item) => parseItem(t, name, item, kinds));
    branches.set(name, { items, locks: parseLocks(t, name, b.locks) });
  }
  if (branches.size === 0) fail('TEMPLATE_ARGUMENT', `${t.name}: no branches`);
  return { tokens, kinds, branches };
}

/** The template read and checked: bad shape or references TEMPLATE_ARGUMENT, a bad opcode, literal or witness item INVALID_SCRIPT. */
export function parseTemplate(t: ScriptTemplate): ParsedTemplate {
  return parsed.get(t) ?? parse(t);
}

/** A template a caller hands in: checked as parseTemplate does, returned as given. */
export function checkTemplate(t: ScriptTemplate): ScriptTemplate {
  parseTemplate(t);
  return t;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * A frozen copy of a checked template, read once: what the registry holds.
 * The copy is plain data, so a caller's later change to its own object
 * cannot reach a registered template.
 */
export function sealTemplate(t: ScriptTemplate): ScriptTemplate {
  checkTemplate(t);
  const copy = deepFreeze(JSON.parse(JSON.stringify(t)) as ScriptTemplate);
  parsed.set(copy, parse(copy));
  return copy;
}
