/**
 * What every construction's parties share: the chain view they are handed,
 * the channel id, the CLTV cutoff, and the readers of saved state. A party's
 * state is plain data with a JSON form; long-lived private keys and update
 * seeds are never part of it: they are handed to a party when it is created
 * or restored, so a saved state file reveals no key.
 */
import { fail, isChannelError } from '../core/errors';
import { fromHex, hashToTxid, toHex, txidToHash } from '../core/hash';
import { AbsoluteLock, PublicKey, Variant, asPublicKey, checkTxid, checkVariant, checkVout } from '../core/types';
import { Json } from './wire';

/** What the caller knows of the chain when it asks a party to act. */
export interface ChainView {
  /** The tip's height. */
  readonly height: number;
  /** The tip's median time past (BIP 113), unix seconds: what CLTV time locks are compared with. */
  readonly medianTimePast: number;
}

/** A CLTV channel's default margin: 288 blocks, two days, before expiry it stops taking payments. */
export const DEFAULT_MARGIN = 288;
const SECONDS_PER_BLOCK = 600;

/**
 * BOLT 2's channel id: the funding txid (internal order) with the output index XORed into its last two bytes.
 *
 * @param txid - The funding txid, display order.
 * @param vout - The funding output's index.
 * @returns The 32-byte channel id.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `txid` is not 64 lowercase hex characters or `vout` is out of range.
 */
export function deriveChannelId(txid: string, vout: number): Uint8Array {
  // A malformed txid would give a short id that matches no message.
  checkTxid(txid);
  checkVout(vout);
  const id = txidToHash(txid);
  id[30]! ^= (vout >> 8) & 0xff;
  id[31]! ^= vout & 0xff;
  return id;
}

/**
 * Handlers take typed messages, but a caller in plain JavaScript can hand
 * them anything: refuse what is not an object before reading any field.
 */
export function expectMessage(m: unknown, type: string): void {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('MESSAGE_INVALID', `${type}: not a message object`);
}

/**
 * Whether a CLTV channel has stopped taking payments.
 *
 * CLTV channels stop taking payments `margin` blocks before expiry, leaving
 * time for the receiver's close to confirm before the sender's timeout opens.
 *
 * @param variant - The channel's variant; a CSV channel has no cutoff.
 * @param margin - Blocks before expiry (for a time lock, 600 seconds each).
 * @param chain - The chain tip as the caller's node sees it.
 * @returns True once the next block is within `margin` of the expiry; always false for CSV.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `variant` is malformed.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `margin` is not a non-negative integer, or `chain` lacks a height or medianTimePast.
 */
export function cltvCutoffReached(variant: Variant, margin: number, chain: ChainView): boolean {
  checkVariant(variant);
  if (variant.kind !== 'cltv') return false;
  if (!isCount(margin)) fail('INVALID_ARGUMENT', 'margin must be a non-negative integer');
  checkChainView(chain, 'the CLTV cutoff');
  const e: AbsoluteLock = variant.expiry;
  if ('height' in e) return chain.height + 1 >= e.height - margin;
  return chain.medianTimePast >= e.time - margin * SECONDS_PER_BLOCK;
}

/**
 * The chain view a caller passes to a CLTV check. Both fields must be
 * numbers: a missing height is NaN in the comparison, which says the cutoff
 * is never reached.
 */
export function checkChainView(chain: ChainView | undefined, what: string): ChainView {
  if (chain === null || typeof chain !== 'object' || !isCount(chain.height) || !isCount(chain.medianTimePast)) {
    fail('INVALID_ARGUMENT', `${what} needs the chain tip: {height, medianTimePast} as non-negative integers`);
  }
  return chain;
}

function isCount(n: unknown): boolean {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

/**
 * A variant with exactly its fields, in a new object: a caller's object may
 * carry more, which would be saved with the state and refused on restore.
 */
export function copyVariant(v: Variant): Variant {
  checkVariant(v);
  if (v.kind === 'csv') return { kind: 'csv', delay: { blocks: v.delay.blocks } };
  return { kind: 'cltv', expiry: 'height' in v.expiry ? { height: v.expiry.height } : { time: v.expiry.time } };
}

// ---- JSON helpers for saved state. Saved state is our own data, but a file can be damaged: check it all.

export function stateError(what: string): never {
  return fail('STATE_INVALID', `saved state: ${what}`);
}

/** Damage found by re-deriving what the state claims: STATE_INVALID naming the field in details.field. */
export function fieldError(field: string, why: string): never {
  return fail('STATE_INVALID', `saved state: ${field}: ${why}`, { field });
}

/** Run a check of saved data; any refusal of it is damage to `field`. */
export function savedField<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (isChannelError(e, 'STATE_INVALID')) throw e;
    return fieldError(field, e instanceof Error ? e.message : String(e));
  }
}

/** A part of a saved state that must be an object: STATE_INVALID, as for any other damage (the wire codec says MESSAGE_INVALID). */
export function readObject(v: unknown, f: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) stateError(`${f} must be an object`);
  return v as Json;
}

export function readHex(o: Json, f: string, len?: number): Uint8Array {
  const v = o[f];
  if (typeof v !== 'string' || !/^([0-9a-f]{2})*$/.test(v) || (len !== undefined && v.length !== len * 2)) stateError(`${f} must be hex`);
  return fromHex(v);
}

export function readKey(o: Json, f: string): PublicKey {
  try {
    return asPublicKey(readHex(o, f, 33), f);
  } catch {
    return stateError(`${f} is not a valid key`);
  }
}

export function readBig(o: Json, f: string): bigint {
  const v = o[f];
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) stateError(`${f} must be a decimal string`);
  return BigInt(v);
}

export function readInt(o: Json, f: string): number {
  const v = o[f];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) stateError(`${f} must be a non-negative integer`);
  return v;
}

export function readOptional<T>(o: Json, f: string, read: (x: Json) => T): T | undefined {
  return o[f] === undefined || o[f] === null ? undefined : read(readObject(o[f], f));
}

/** Optional bytes as saved: hex, or null when absent. */
export function hexOrNull(b: Uint8Array | undefined): string | null {
  return b ? toHex(b) : null;
}

/** Optional saved bytes, to spread into what is read: `{}` for null, `{ [f]: bytes }` for hex (anything else is damage). */
export function readHexOrNull<K extends string>(o: Json, f: K): { [k in K]?: Uint8Array } {
  return (o[f] === null ? {} : { [f]: readHex(o, f) }) as { [k in K]?: Uint8Array };
}

/**
 * A saved counterparty signature, checked against the hash its saved fields
 * give again: fields that give no hash are damage to `hashField`, a signature
 * that does not verify is damage to `sigField`.
 */
export function checkSavedSignature(p: {
  readonly hashField: string;
  readonly hash: () => Uint8Array;
  readonly sigField: string;
  readonly sig: Uint8Array;
  readonly verify: (hash: Uint8Array, sig: Uint8Array) => boolean;
  /** What the signature should sign, for the error. */
  readonly what: string;
}): void {
  const hash = savedField(p.hashField, p.hash);
  if (!p.verify(hash, p.sig)) fieldError(p.sigField, `does not sign ${p.what}`);
}

/** Whether a part of a saved state must be there in a phase, must not be, or may be. */
export type Presence = 'required' | 'absent' | 'either';

/** What a saved state of each phase holds: for each phase, each part's presence. */
export type PhaseParts<Phase extends string, Part extends string> = Readonly<Record<Phase, Readonly<Record<Part, Presence>>>>;

/**
 * Refuse a saved state whose parts disagree with its phase: the handlers of a
 * phase rely on its parts (an open party pays from its funding, a closing one
 * completes its close), and would fail on a missing one with a TypeError.
 */
export function checkPhaseParts(phase: string, rules: Readonly<Record<string, Presence>>, parts: Readonly<Record<string, unknown>>): void {
  for (const [part, rule] of Object.entries(rules)) {
    const present = parts[part] !== undefined;
    if (rule === 'required' && !present) stateError(`phase ${phase} without ${part}`);
    if (rule === 'absent' && present) stateError(`phase ${phase} with ${part}`);
  }
}

export function outpointToJson(o: { txid: string; vout: number } | undefined): Json | null {
  return o ? { txid: o.txid, vout: o.vout } : null;
}

export function outpointFromJson(j: unknown): { txid: string; vout: number } | undefined {
  if (j === null || j === undefined) return undefined;
  const o = readObject(j, 'funding');
  const txid = o.txid;
  if (typeof txid !== 'string' || !/^[0-9a-f]{64}$/.test(txid)) stateError('funding.txid');
  return { txid, vout: readInt(o, 'vout') };
}

export { hashToTxid, toHex };
