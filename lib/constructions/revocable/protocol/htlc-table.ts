/**
 * The HTLC table both parties keep: one record per HTLC the sender ever
 * offered, never deleted, with the first state index that carries it and
 * the first that no longer does. Every state's HTLCs follow from it
 * ({@link htlcsAt}), revoked states' too: a penalty and a watcher need the
 * exact outputs of any old version, and each state changes at most one
 * record, so the table is the whole history. Pure functions of plain data.
 */
import { expectArray, expectBytes, expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual, sha256 } from '../../../core/hash';
import { LOCKTIME_THRESHOLD, MAX_MONEY } from '../../../core/types';
import { Htlc, MAX_HTLCS } from '../../../tx/htlcs';
import { fieldError, hexOrNull, readBig, readHex, readInt, stateError } from '../../../protocol/party';
import { Json, hex } from '../../../protocol/wire';
import { OfferChange } from './messages';

/** One HTLC the sender offered, as both parties record it. */
export interface HtlcRecord {
  /** Its id: the sender's, from 0, each one the previous + 1. */
  readonly id: number;
  /** The satoshis it locks. */
  readonly amount: bigint;
  /** H = SHA256(P), 32 bytes. */
  readonly hash: Uint8Array;
  /** E, the block height from which the sender may take it back. */
  readonly expiry: number;
  /** The first state index that carries it. */
  readonly addedAt: number;
  /** The first state index that no longer carries it; absent while every later state carries it. */
  readonly removedAt?: number;
  /** How it ended or is ending: `fulfilled` once the preimage is known, `failed` once the receiver gave it up or it was removed unpaid. */
  readonly outcome?: 'fulfilled' | 'failed';
  /** P, once known: from the receiver's fulfill (sender) or the receiver's own (receiver). */
  readonly preimage?: Uint8Array;
}

const OUTCOMES = ['fulfilled', 'failed'] as const;

/**
 * The HTLCs state `index` carries, in id order: those added at or before it
 * and not removed by it. Pure; any index, revoked ones included.
 *
 * @param table - A party's HTLC table (`htlcTable` of a Sender or a Receiver).
 * @param index - A state's index.
 * @returns The records of that state's HTLCs (the table's own objects: read them, do not change them).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `table` is not an array of records or `index` is not a non-negative integer.
 */
export function htlcsAt(table: readonly HtlcRecord[], index: number): HtlcRecord[] {
  expectArray(table, 'HTLC table');
  if (!Number.isSafeInteger(index) || index < 0) fail('INVALID_ARGUMENT', 'index must be a non-negative integer');
  for (const r of table) expectObject(r, 'HTLC record');
  return scan(table, index);
}

function scan(table: readonly HtlcRecord[], index: number): HtlcRecord[] {
  const out: HtlcRecord[] = [];
  for (const r of table) if (r.addedAt <= index && (r.removedAt === undefined || r.removedAt > index)) out.push(r);
  return out;
}

const EMPTY: readonly HtlcRecord[] = Object.freeze([]);
/** Per table (tables are replaced, never changed): the last state it changes and the HTLCs never removed. */
const tails = new WeakMap<readonly HtlcRecord[], { last: number; unremoved: readonly HtlcRecord[] }>();

/**
 * {@link htlcsAt} for a party's own table, which is never changed in place:
 * from the last state the table changes on, every state carries the same
 * HTLCs, so a payment on a channel with HTLCs long settled costs no scan.
 * The array is shared: read it only.
 */
export function stateHtlcs(table: readonly HtlcRecord[], index: number): readonly HtlcRecord[] {
  if (table.length === 0) return EMPTY;
  let tail = tails.get(table);
  if (tail === undefined) {
    let last = 0;
    for (const r of table) last = Math.max(last, r.addedAt, r.removedAt ?? 0);
    tail = { last, unremoved: table.filter((r) => r.removedAt === undefined) };
    tails.set(table, tail);
  }
  return index >= tail.last ? tail.unremoved : scan(table, index);
}

/**
 * A record as the transaction layer takes an HTLC: its amount, hash and expiry height.
 *
 * @param r - A record.
 * @returns `{amount, hash, expiry: {height}}`, the hash a copy.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `r` is not an object or its hash not bytes.
 */
export function htlcOf(r: HtlcRecord): Htlc {
  expectObject(r, 'HTLC record');
  expectBytes(r.hash, 'hash');
  return { amount: r.amount, hash: Uint8Array.from(r.hash), expiry: { height: r.expiry } };
}

/** A record handed out: its bytes copied, so a caller cannot change the table through it. */
export function copyRecord(r: HtlcRecord): HtlcRecord {
  return { ...r, hash: Uint8Array.from(r.hash), ...(r.preimage ? { preimage: Uint8Array.from(r.preimage) } : {}) };
}

/** The change state `index` made, read back from the table; undefined for a plain payment (or a state the table knows nothing of). */
export function changeAt(table: readonly HtlcRecord[], index: number): Exclude<OfferChange, { kind: 'pay' }> | undefined {
  for (const r of table) {
    if (r.addedAt === index) return { kind: 'addHtlc', id: r.id, amount: r.amount, hash: Uint8Array.from(r.hash), expiry: r.expiry };
    if (r.removedAt === index) {
      if (r.outcome === 'fulfilled' && r.preimage) return { kind: 'settleHtlc', id: r.id, preimage: Uint8Array.from(r.preimage) };
      return { kind: 'failHtlc', id: r.id };
    }
  }
  return undefined;
}

/** Whether two changes are the same (a resent offer's against the one accepted). */
export function sameChange(a: OfferChange | undefined, b: OfferChange | undefined): boolean {
  const x = a?.kind === 'pay' ? undefined : a;
  const y = b?.kind === 'pay' ? undefined : b;
  if (x === undefined || y === undefined) return x === y;
  // One of them may come from memory and hold anything.
  if (x === null || typeof x !== 'object' || y === null || typeof y !== 'object') return false;
  if (x.kind !== y.kind || x.id !== y.id) return false;
  if (x.kind === 'addHtlc' && y.kind === 'addHtlc') {
    return x.amount === y.amount && x.expiry === y.expiry && y.hash instanceof Uint8Array && bytesEqual(x.hash, y.hash);
  }
  if (x.kind === 'settleHtlc' && y.kind === 'settleHtlc') return y.preimage instanceof Uint8Array && bytesEqual(x.preimage, y.preimage);
  return true;
}

/** The table with record `id` replaced by `patch` applied to it. */
export function withRecord(table: readonly HtlcRecord[], id: number, patch: Partial<Omit<HtlcRecord, 'id'>>): HtlcRecord[] {
  return table.map((r) => (r.id === id ? { ...r, ...patch } : r));
}

/** The total the HTLCs lock. */
export function lockedTotal(htlcs: readonly HtlcRecord[]): bigint {
  let total = 0n;
  for (const r of htlcs) total += r.amount;
  return total;
}

/**
 * The rule an offer's amount follows from its change, for both parties and
 * for saved states: a payment raises the receiver's total, a settle raises
 * it by exactly the HTLC's amount, an add or a fail leaves it.
 *
 * @param before - The receiver's total in the state before.
 * @param change - The change (undefined for a plain payment).
 * @param table - The table holding the change's HTLC.
 * @returns Whether `after` is the total the change gives.
 */
export function amountFollows(before: bigint, after: bigint, change: OfferChange | undefined, table: readonly HtlcRecord[]): boolean {
  if (change === undefined || change.kind === 'pay') return after > before;
  if (change.kind === 'settleHtlc') {
    const r = table[change.id];
    return r !== undefined && after === before + r.amount;
  }
  return after === before;
}

/**
 * Whether a preimage opens a hash: 32 bytes whose SHA-256 is the hash.
 *
 * @param preimage - The candidate, as it arrived.
 * @param hash - H.
 */
export function opens(preimage: unknown, hash: Uint8Array): boolean {
  return preimage instanceof Uint8Array && preimage.length === 32 && bytesEqual(sha256(preimage), hash);
}

// ---- saved form

export function htlcTableToJson(table: readonly HtlcRecord[]): Json[] {
  return table.map((r) => ({
    id: r.id, amount: r.amount.toString(), hash: hex(r.hash), expiry: r.expiry, addedAt: r.addedAt,
    removedAt: r.removedAt ?? null, outcome: r.outcome ?? null, preimage: hexOrNull(r.preimage),
  }));
}

const RECORD_FIELDS = ['id', 'amount', 'hash', 'expiry', 'addedAt', 'removedAt', 'outcome', 'preimage'];

/**
 * A saved table, checked on its own: ids 0, 1, 2... in order, each amount,
 * hash, expiry and preimage well formed (a preimage opens its hash), each
 * HTLC added before it is removed, at most one change per state, added in
 * id order, and never more than MAX_HTLCS in one state. That the table
 * agrees with the party's states is the signatures' to show (their
 * versions are rebuilt from it on restore).
 *
 * @param v - The saved `htlcs` member.
 * @param lastIndex - The highest state index a record may name.
 */
export function readHtlcTable(v: unknown, lastIndex: number): HtlcRecord[] {
  if (!Array.isArray(v)) stateError('htlcs must be an array');
  const table: HtlcRecord[] = [];
  const changed = new Set<number>();
  v.forEach((x: unknown, i) => {
    const at = `htlcs[${i}]`;
    if (x === null || typeof x !== 'object' || Array.isArray(x)) fieldError(at, 'must be an object');
    const o = x as Json;
    for (const k of Object.keys(o)) if (!RECORD_FIELDS.includes(k)) fieldError(`${at}.${k}`, 'unexpected field');
    for (const k of RECORD_FIELDS) if (!(k in o)) fieldError(`${at}.${k}`, 'missing');
    const r = readRecord(o, at);
    if (r.id !== i) fieldError(`${at}.id`, 'ids run 0, 1, 2... in order');
    if (r.addedAt < 1 || r.addedAt > lastIndex) fieldError(`${at}.addedAt`, `not a state from 1 to ${lastIndex}`);
    if (i > 0 && r.addedAt <= table[i - 1]!.addedAt) fieldError(`${at}.addedAt`, 'added before the HTLC with the id before it');
    if (r.removedAt !== undefined && (r.removedAt <= r.addedAt || r.removedAt > lastIndex)) fieldError(`${at}.removedAt`, 'not a state after it was added');
    if (r.removedAt !== undefined && r.outcome === undefined) fieldError(`${at}.outcome`, 'a removed HTLC without its outcome');
    if (r.outcome === 'fulfilled' && r.preimage === undefined) fieldError(`${at}.preimage`, 'fulfilled without its preimage');
    if (r.preimage !== undefined && !opens(r.preimage, r.hash)) fieldError(`${at}.preimage`, 'does not hash to the HTLC\'s hash');
    for (const s of [r.addedAt, r.removedAt]) {
      if (s === undefined) continue;
      if (changed.has(s)) fieldError(at, `a second change in state ${s}`);
      changed.add(s);
    }
    table.push(r);
  });
  // One change per state: walking the states that change, in order, counts what each carries.
  const steps = table.flatMap((r) => [[r.addedAt, 1], ...(r.removedAt === undefined ? [] : [[r.removedAt, -1]])] as [number, number][]);
  steps.sort((a, b) => a[0] - b[0]);
  let carried = 0;
  for (const [at, d] of steps) {
    carried += d;
    if (carried > MAX_HTLCS) fieldError('htlcs', `more than ${MAX_HTLCS} HTLCs in state ${at}`);
  }
  return table;
}

function readRecord(o: Json, at: string): HtlcRecord {
  const read = <T>(f: string, run: () => T): T => {
    try {
      return run();
    } catch {
      return fieldError(`${at}.${f}`, 'malformed');
    }
  };
  const amount = read('amount', () => readBig(o, 'amount'));
  if (amount < 1n || amount > MAX_MONEY) fieldError(`${at}.amount`, 'not an HTLC amount');
  const expiry = read('expiry', () => readInt(o, 'expiry'));
  if (expiry < 1 || expiry >= LOCKTIME_THRESHOLD) fieldError(`${at}.expiry`, 'not a block height');
  const outcome = o.outcome;
  if (outcome !== null && !OUTCOMES.includes(outcome as never)) fieldError(`${at}.outcome`, 'neither fulfilled nor failed');
  return {
    id: read('id', () => readInt(o, 'id')),
    amount,
    hash: read('hash', () => readHex(o, 'hash', 32)),
    expiry,
    addedAt: read('addedAt', () => readInt(o, 'addedAt')),
    ...(o.removedAt === null ? {} : { removedAt: read('removedAt', () => readInt(o, 'removedAt')) }),
    ...(outcome === null ? {} : { outcome: outcome as HtlcRecord['outcome'] }),
    ...(o.preimage === null ? {} : { preimage: read('preimage', () => readHex(o, 'preimage', 32)) }),
  };
}

/** The id the next added HTLC must have. */
export function nextHtlcId(table: readonly HtlcRecord[]): number {
  return table.length;
}

/** The record of `id`, or HTLC_UNKNOWN. */
export function recordOf(table: readonly HtlcRecord[], id: unknown): HtlcRecord {
  const r = Number.isSafeInteger(id) ? table[id as number] : undefined;
  if (r === undefined) fail('HTLC_UNKNOWN', `no HTLC ${String(id)}`, { id });
  return r;
}
