/**
 * One compiler for every template: check typed arguments, substitute them into
 * the ASM, emit minimal pushes, enforce the template's maximum length.
 * Miniscript is used only in tests, to prove the ASM equals the policy.
 */
import { fail } from '../errors';
import {
  AbsoluteLock, PublicKey, RelativeLock, Variant,
  absoluteLockValue, asPublicKey, checkVariant, relativeLockValue,
} from '../types';
import { expectBytes, expectObject } from '../arguments';
import { FUNDING_TEMPLATE, ScriptTemplate } from './templates';
import { REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE } from './revocable-templates';
import { parseTemplate } from './template-check';
import { pushData, pushNumber } from './chunks';

export { encodeScriptNumber } from './chunks';

/** Arguments by parameter name: keys, locks, and 32-byte hashes for `sha256` parameters. */
export type TemplateArgs = Readonly<Record<string, PublicKey | AbsoluteLock | RelativeLock | Uint8Array>>;

/** A checked argument: key or hash bytes, or a lock's number. */
export type TemplateValue = Uint8Array | number;

function checkedArgument(t: ScriptTemplate, name: string, value: unknown): TemplateValue {
  const kind = t.params[name];
  if (kind === undefined) fail('TEMPLATE_ARGUMENT', `${t.name}: unknown parameter ${name}`);
  if (value === undefined) fail('TEMPLATE_ARGUMENT', `${t.name}: missing parameter ${name}`);
  switch (kind) {
    case 'pubkey': return asPublicKey(value as Uint8Array, `${t.name}.${name}`);
    case 'absolute_locktime': return absoluteLockValue(value as AbsoluteLock);
    case 'relative_locktime': return relativeLockValue(value as RelativeLock);
    case 'sha256': return expectBytes(value, `${t.name}.${name} (a SHA-256 hash)`, 32);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Values by placeholder name, after checking and (for sortedmulti) sorting.
 * @param t - a template (registered or not; checked either way)
 * @param args - one argument per parameter, no others
 * @returns placeholder name -> key or hash bytes, or lock number
 * @throws ChannelError `TEMPLATE_ARGUMENT` for a malformed template or a missing
 *   or unknown argument; `INVALID_SCRIPT` for a bad token or witness item;
 *   `INVALID_KEY`, `INVALID_TIMELOCK` or `INVALID_ARGUMENT` (hash not 32 bytes)
 *   for a bad value
 */
export function templateValues(t: ScriptTemplate, args: TemplateArgs): Map<string, TemplateValue> {
  parseTemplate(t);
  if (args === null || typeof args !== 'object') fail('TEMPLATE_ARGUMENT', `${t.name}: arguments must be an object`);
  // Own names only: `in` finds inherited ones, so an argument named constructor would pass unused.
  for (const name of Object.keys(args)) {
    if (!Object.hasOwn(t.params, name)) fail('TEMPLATE_ARGUMENT', `${t.name}: unknown parameter ${name}`);
  }
  const values = new Map<string, TemplateValue>();
  for (const name of Object.keys(t.params)) values.set(name, checkedArgument(t, name, Object.hasOwn(args, name) ? args[name] : undefined));
  if (t.sorted) {
    const keys = t.sorted.from.map((n) => values.get(n) as PublicKey).sort(compareBytes);
    t.sorted.into.forEach((n, i) => values.set(n, keys[i]!));
  }
  return values;
}

/**
 * The script a template gives for these arguments.
 * @param t - a template (registered or not; checked either way)
 * @param args - one argument per parameter, no others
 * @returns the script, pushes minimal
 * @throws ChannelError as templateValues, and `SCRIPT_TOO_LONG` above the template's maxLength
 */
export function compileTemplate(t: ScriptTemplate, args: TemplateArgs): Uint8Array {
  const values = templateValues(t, args);
  const out: number[] = [];
  for (const token of parseTemplate(t).tokens) {
    if (token.type === 'op') out.push(token.op);
    else if (token.type === 'number') pushNumber(token.value, out);
    else {
      const v = values.get(token.name)!;
      if (typeof v === 'number') pushNumber(v, out);
      else pushData(v, out);
    }
  }
  if (out.length > t.maxLength) fail('SCRIPT_TOO_LONG', `${t.name}: ${out.length} > ${t.maxLength} bytes`);
  return Uint8Array.from(out);
}

export interface FundingKeys {
  readonly senderFundingKey: PublicKey;
  readonly receiverFundingKey: PublicKey;
}

export function compileFundingScript(k: FundingKeys): Uint8Array {
  if (k === null || typeof k !== 'object') fail('TEMPLATE_ARGUMENT', 'funding keys must be an object');
  if (k.senderFundingKey !== undefined && k.receiverFundingKey !== undefined
    && compareBytes(k.senderFundingKey, k.receiverFundingKey) === 0) {
    fail('INVALID_KEY', 'sender and receiver funding keys must differ');
  }
  return compileTemplate(FUNDING_TEMPLATE, { S_f: k.senderFundingKey, R_f: k.receiverFundingKey });
}

export interface RevocableKeys {
  readonly receiverRevocationKey: PublicKey;
  readonly updateKey: PublicKey;
  readonly senderPayoutKey: PublicKey;
  readonly variant: Variant;
}

export function revocableTemplate(variant: Variant): ScriptTemplate {
  checkVariant(variant);
  return variant.kind === 'cltv' ? REVOCABLE_CLTV_TEMPLATE : REVOCABLE_CSV_TEMPLATE;
}

export function compileRevocableScript(k: RevocableKeys): Uint8Array {
  if (k === null || typeof k !== 'object') fail('TEMPLATE_ARGUMENT', 'revocable keys must be an object');
  const v = k.variant;
  if (v === null || typeof v !== 'object' || (v.kind !== 'cltv' && v.kind !== 'csv')) {
    fail('INVALID_TIMELOCK', 'variant kind must be cltv or csv');
  }
  const base = { R_r: k.receiverRevocationKey, K_i: k.updateKey, S_p: k.senderPayoutKey };
  return v.kind === 'cltv'
    ? compileTemplate(REVOCABLE_CLTV_TEMPLATE, { ...base, T: v.expiry })
    : compileTemplate(REVOCABLE_CSV_TEMPLATE, { ...base, D: v.delay });
}

/** The funding template's keys in script order, for the multisig witness. */
export function sortedFundingKeys(k: FundingKeys): [PublicKey, PublicKey] {
  expectObject(k, 'funding keys');
  expectBytes(k.senderFundingKey, 'senderFundingKey', 33);
  expectBytes(k.receiverFundingKey, 'receiverFundingKey', 33);
  return compareBytes(k.senderFundingKey, k.receiverFundingKey) < 0
    ? [k.senderFundingKey, k.receiverFundingKey]
    : [k.receiverFundingKey, k.senderFundingKey];
}
