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

/** A template's arguments by parameter name: keys, locks, and 32-byte hashes for `sha256` parameters. */
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
 *
 * @param t - The template (registered or not; checked either way).
 * @param args - Its arguments: one per parameter, no others.
 * @returns Placeholder name -> key or hash bytes, or lock number.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template, or `args` is not an object, names an unknown parameter or misses one.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if the template's ASM has an unknown opcode or a bad literal, or a branch a bad witness item.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if a lock is out of range.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if a hash is not 32 bytes.
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
 * A template's script with these arguments: minimal pushes, at most `maxLength` bytes.
 *
 * @param t - The template (registered or not; checked either way).
 * @param args - Its arguments by parameter name.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template, or `args` is not an object, names an unknown parameter or misses one.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if a lock is out of range.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if a hash is not 32 bytes.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if the template's ASM has an unknown opcode or a bad literal, or a branch a bad witness item.
 * @throws {@link ChannelError} `SCRIPT_TOO_LONG` if the script exceeds the template's `maxLength`.
 *
 * @example
 * ```ts
 * const script = compileTemplate(REVOCABLE_CSV_TEMPLATE, { R_r, K_i, S_p, D: { blocks: 144 } });
 * ```
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

/** The funding output's two keys. */
export interface FundingKeys {
  /** The sender's funding key. */
  readonly senderFundingKey: PublicKey;
  /** The receiver's funding key. */
  readonly receiverFundingKey: PublicKey;
}

/**
 * The funding output's 2-of-2 witness script, keys sorted.
 *
 * @param k - The two funding keys.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `k` is not an object or a key is missing.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key, or the two are equal.
 */
export function compileFundingScript(k: FundingKeys): Uint8Array {
  if (k === null || typeof k !== 'object') fail('TEMPLATE_ARGUMENT', 'funding keys must be an object');
  if (k.senderFundingKey !== undefined && k.receiverFundingKey !== undefined
    && compareBytes(k.senderFundingKey, k.receiverFundingKey) === 0) {
    fail('INVALID_KEY', 'sender and receiver funding keys must differ');
  }
  return compileTemplate(FUNDING_TEMPLATE, { S_f: k.senderFundingKey, R_f: k.receiverFundingKey });
}

/** The keys and timeout of one state's revocable output. */
export interface RevocableKeys {
  /** The receiver's revocation key R_r. */
  readonly receiverRevocationKey: PublicKey;
  /** K_i, the state's update key. */
  readonly updateKey: PublicKey;
  /** The sender's payout key S_p. */
  readonly senderPayoutKey: PublicKey;
  /** The channel's timeout. */
  readonly variant: Variant;
}

/**
 * The revocable template of a variant.
 *
 * @param variant - The channel's timeout.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `variant` is malformed or its lock out of range.
 */
export function revocableTemplate(variant: Variant): ScriptTemplate {
  checkVariant(variant);
  return variant.kind === 'cltv' ? REVOCABLE_CLTV_TEMPLATE : REVOCABLE_CSV_TEMPLATE;
}

/**
 * A state's revocable witness script.
 *
 * @param k - R_r, K_i, S_p and the variant.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `k` is not an object or a key is missing.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the variant is malformed or its lock out of range.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 */
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

/**
 * The funding template's keys in script order, for the multisig witness.
 *
 * @param k - The two funding keys.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `k` is not an object or a key is not 33 bytes.
 */
export function sortedFundingKeys(k: FundingKeys): [PublicKey, PublicKey] {
  expectObject(k, 'funding keys');
  expectBytes(k.senderFundingKey, 'senderFundingKey', 33);
  expectBytes(k.receiverFundingKey, 'receiverFundingKey', 33);
  return compareBytes(k.senderFundingKey, k.receiverFundingKey) < 0
    ? [k.senderFundingKey, k.receiverFundingKey]
    : [k.receiverFundingKey, k.senderFundingKey];
}
