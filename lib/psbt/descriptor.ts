/**
 * Output descriptors (BIP 380) for every script revchan produces, with key
 * origins, so a descriptor or miniscript wallet can recognise, watch and sign
 * channel outputs. The script expressions come from the templates' own
 * `descriptor` field (scripts-templates/*.json): the same data the compiler
 * turns into bytes, so a descriptor and its script cannot drift apart.
 *
 * Keys with a BIP32 origin are written `[fingerprint/path]hex`; per-update
 * keys K_i are never BIP32 keys (lib/keys/seed.ts) and are written bare.
 */
import { expectBytes, expectObject } from '../arguments';
import { fail } from '../errors';
import { revocableTemplate } from '../scripts/compile';
import { FUNDING_TEMPLATE, ScriptTemplate } from '../scripts/templates';
import { checkTemplate } from '../scripts/template-check';
import { ChannelParams, verifyChannelParams } from '../tx/channel-params';
import { bytesEqual, toHex } from '../tx/hash';
import {
  AbsoluteLock, PublicKey, RelativeLock, Variant, absoluteLockValue, asPublicKey, checkVariant, relativeLockValue,
} from '../types';
import { ChannelKeyOrigins, KeyOrigin, checkPath } from './key-origin';

/** A key as a descriptor names it: with its BIP32 origin, or bare (per-update keys). */
export type DescriptorKey = PublicKey | KeyOrigin;

/** A template descriptor's arguments by placeholder name: keys (bare or with their origin), timelocks, and 32-byte hashes for `sha256` parameters. */
export type DescriptorArgs = Readonly<Record<string, DescriptorKey | AbsoluteLock | RelativeLock | Uint8Array>>;

// BIP 380 "Checksum": the character set in three groups of 32, and the BCH code's generator.
const INPUT_CHARSET = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn];

function polymod(symbols: readonly number[]): bigint {
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) if ((top >> BigInt(i)) & 1n) chk ^= GENERATOR[i]!;
  }
  return chk;
}

/** Each character is its position within its group; every third character adds a symbol for the three groups. */
function expand(s: string): number[] {
  const symbols: number[] = [];
  let groups: number[] = [];
  for (const c of s) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v < 0) fail('INVALID_ARGUMENT', `descriptor has a character outside the BIP 380 set: ${JSON.stringify(c)}`);
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push(groups[0]! * 9 + groups[1]! * 3 + groups[2]!);
      groups = [];
    }
  }
  if (groups.length === 1) symbols.push(groups[0]!);
  else if (groups.length === 2) symbols.push(groups[0]! * 3 + groups[1]!);
  return symbols;
}

/**
 * The 8-character BIP 380 checksum of a descriptor given without one.
 *
 * @param descriptor - The descriptor, without `#`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `descriptor` is not a string or has a character outside the BIP 380 set.
 */
export function descriptorChecksum(descriptor: string): string {
  if (typeof descriptor !== 'string') fail('INVALID_ARGUMENT', 'descriptor must be a string');
  const c = polymod([...expand(descriptor), 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  let out = '';
  for (let i = 0; i < 8; i++) out += CHECKSUM_CHARSET[Number((c >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}

/**
 * `descriptor#checksum`.
 *
 * @param descriptor - The descriptor, without `#`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `descriptor` is not a string or has a character outside the BIP 380 set.
 */
export function addDescriptorChecksum(descriptor: string): string {
  return `${descriptor}#${descriptorChecksum(descriptor)}`;
}

/**
 * True when `s` is `SCRIPT#CHECKSUM` with a valid checksum; false for anything else, never an error.
 *
 * @param s - The descriptor with its checksum.
 */
export function hasValidDescriptorChecksum(s: string): boolean {
  if (typeof s !== 'string' || s.length < 9 || s[s.length - 9] !== '#') return false;
  const body = s.slice(0, -9);
  const sum = s.slice(-8);
  if ([...sum].some((c) => !CHECKSUM_CHARSET.includes(c))) return false;
  if ([...body].some((c) => !INPUT_CHARSET.includes(c))) return false;
  return polymod([...expand(body), ...[...sum].map((c) => CHECKSUM_CHARSET.indexOf(c))]) === 1n;
}

function isOrigin(k: DescriptorKey): k is KeyOrigin {
  return !(k instanceof Uint8Array) && k !== null && typeof k === 'object' && 'pubkey' in k;
}

/**
 * BIP 380 key expression: `[fingerprint/path]hex` for a key with an origin, bare hex otherwise.
 *
 * @param k - The key, or the key with its origin.
 * @param what - The name of the value in the error message.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if an origin's fingerprint is not 4 bytes or its path is malformed.
 */
export function keyExpression(k: DescriptorKey, what = 'key'): string {
  if (!isOrigin(k)) return toHex(asPublicKey(k as Uint8Array, what));
  const pub = toHex(asPublicKey(k.pubkey, `${what}.pubkey`));
  const fp = k.masterFingerprint;
  if (!(fp instanceof Uint8Array) || fp.length !== 4) fail('INVALID_ARGUMENT', `${what}: master fingerprint must be 4 bytes`);
  // A key origin's steps follow the fingerprint; the 'm' of the path is the fingerprint's node.
  return `[${toHex(fp)}${checkPath(k.path).slice(1)}]${pub}`;
}

function argumentText(t: ScriptTemplate, name: string, value: unknown): string {
  const kind = t.params[name];
  if (kind === undefined) return fail('TEMPLATE_ARGUMENT', `${t.name}: unknown parameter ${name}`);
  if (value === undefined) return fail('TEMPLATE_ARGUMENT', `${t.name}: missing parameter ${name}`);
  switch (kind) {
    case 'pubkey': return keyExpression(value as DescriptorKey, `${t.name}.${name}`);
    case 'absolute_locktime': return String(absoluteLockValue(value as AbsoluteLock));
    case 'relative_locktime': return String(relativeLockValue(value as RelativeLock));
    case 'sha256': return toHex(expectBytes(value, `${t.name}.${name} (a SHA-256 hash)`, 32));
  }
}

/**
 * A template's descriptor with its placeholders filled in, checksum appended.
 *
 * @param t - The template; it must have a `descriptor`.
 * @param args - Its arguments by placeholder name.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a template or has no descriptor, or `args` is not an object, names an unknown parameter or misses one.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if an origin's fingerprint is not 4 bytes or its path is malformed.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if a timelock is out of range.
 */
export function templateDescriptor(t: ScriptTemplate, args: DescriptorArgs): string {
  checkTemplate(t);
  if (typeof t.descriptor !== 'string') fail('TEMPLATE_ARGUMENT', `${t.name}: no descriptor`);
  if (args === null || typeof args !== 'object') fail('TEMPLATE_ARGUMENT', `${t.name}: arguments must be an object`);
  for (const name of Object.keys(args)) {
    if (!(name in t.params)) fail('TEMPLATE_ARGUMENT', `${t.name}: unknown parameter ${name}`);
  }
  const text = t.descriptor.replace(/@(\w+)/g, (_, name: string) => argumentText(t, name, args[name]));
  return addDescriptorChecksum(text);
}

/** The funding output's two keys, with or without origins. */
export interface FundingDescriptorKeys {
  /** The sender's funding key. */
  readonly senderFundingKey: DescriptorKey;
  /** The receiver's funding key. */
  readonly receiverFundingKey: DescriptorKey;
}

/**
 * `wsh(sortedmulti(2,S_f,R_f))`: the funding output and every spend of it.
 *
 * @param k - The two funding keys, with or without origins.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `k` is not an object, or an origin's fingerprint or path is malformed.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if a key is missing.
 */
export function fundingDescriptor(k: FundingDescriptorKeys): string {
  expectObject(k, 'funding keys');
  return templateDescriptor(FUNDING_TEMPLATE, { S_f: k.senderFundingKey, R_f: k.receiverFundingKey });
}

/** The keys and timeout of one state's revocable output. */
export interface RevocableDescriptorKeys {
  /** The receiver's revocation key R_r. */
  readonly receiverRevocationKey: DescriptorKey;
  /** K_i: bare, it has no BIP32 origin. */
  readonly updateKey: DescriptorKey;
  /** The sender's payout key S_p. */
  readonly senderPayoutKey: DescriptorKey;
  /** The channel's timeout. */
  readonly variant: Variant;
}

/**
 * The sender's revocable output of one state: `wsh(andor(pk(R_r),pk(K_i),and_v(v:pk(S_p),after(T)|older(D))))`.
 *
 * @param k - The revocation key, K_i, the sender's payout key and the variant.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `k` is not an object, or an origin's fingerprint or path is malformed.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `variant` is malformed or its lock out of range.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if a key is missing.
 */
export function revocableDescriptor(k: RevocableDescriptorKeys): string {
  expectObject(k, 'revocable keys');
  const v = checkVariant(k.variant);
  const keys = { R_r: k.receiverRevocationKey, K_i: k.updateKey, S_p: k.senderPayoutKey };
  return v.kind === 'cltv'
    ? templateDescriptor(revocableTemplate(v), { ...keys, T: v.expiry })
    : templateDescriptor(revocableTemplate(v), { ...keys, D: v.delay });
}

/**
 * `wpkh(key)`: payout outputs, wallet coins and change.
 *
 * @param key - The key, with or without its origin.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if an origin's fingerprint is not 4 bytes or its path is malformed.
 */
export function p2wpkhDescriptor(key: DescriptorKey): string {
  return addDescriptorChecksum(`wpkh(${keyExpression(key)})`);
}

/** Descriptors of every script of one channel; `revocable` for the K_i of a state. */
export interface ChannelDescriptors {
  /** `wsh(sortedmulti(2,...))` of the funding output. */
  readonly funding: string;
  /** `wpkh(...)` of the receiver's payout key. */
  readonly receiverPayout: string;
  /** `wpkh(...)` of the sender's payout key (the close's output). */
  readonly senderPayout: string;
  /**
   * The revocable output of the state whose update key is K_i.
   *
   * @param updateKey - K_i.
   * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
   */
  revocable(updateKey: PublicKey): string;
}

/**
 * The channel's descriptors, each key with its origin where `origins` gives
 * one (a party usually knows only its own). An origin must be of the key the
 * channel uses in that role.
 *
 * @param p - The channel's parameters.
 * @param origins - Origins of the keys this party knows, by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `p` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `origins` is not an object, or an origin's fingerprint or path is malformed.
 * @throws {@link ChannelError} `INVALID_KEY` if an origin is of another key than the channel's in that role.
 *
 * @example
 * ```ts
 * const d = channelDescriptors(params, { receiverPayout: keyOrigin(master, "m/84'/0'/0'/0/7") });
 * d.receiverPayout; // "wpkh([d34db33f/84'/0'/0'/0/7]02...)#checksum"
 * d.revocable(updateKey);
 * ```
 */
export function channelDescriptors(p: ChannelParams, origins: ChannelKeyOrigins = {}): ChannelDescriptors {
  const ctx = verifyChannelParams(p);
  expectObject(origins, 'origins');
  const withOrigin = (key: PublicKey, origin: KeyOrigin | undefined, role: string): DescriptorKey => {
    if (origin === undefined) return key;
    if (!(origin.pubkey instanceof Uint8Array) || !bytesEqual(origin.pubkey, key)) fail('INVALID_KEY', `origin given for ${role} is of another key`);
    return origin;
  };
  const R_r = withOrigin(p.receiverRevocationKey, origins.receiverRevocation, 'receiverRevocation');
  const S_p = withOrigin(p.senderPayoutKey, origins.senderPayout, 'senderPayout');
  return {
    funding: fundingDescriptor({
      senderFundingKey: withOrigin(p.senderFundingKey, origins.senderFunding, 'senderFunding'),
      receiverFundingKey: withOrigin(p.receiverFundingKey, origins.receiverFunding, 'receiverFunding'),
    }),
    receiverPayout: p2wpkhDescriptor(withOrigin(p.receiverPayoutKey, origins.receiverPayout, 'receiverPayout')),
    senderPayout: p2wpkhDescriptor(S_p),
    revocable: (updateKey) => revocableDescriptor({ receiverRevocationKey: R_r, updateKey, senderPayoutKey: S_p, variant: ctx.params.variant }),
  };
}
