/**
 * What a construction gives the watcher engine (outpoint-watcher.ts): its
 * watch policy, and the records the engine keeps for it. A policy records
 * what spends of its outpoints are (`describe`, `spent`), and on each poll
 * says which duties its subjects hold (`work`) and when a subject's outcome
 * is buried (`settle`). It never reads the chain itself.
 */
import { Transaction } from 'bitcoinjs-lib';
import { isChannelError } from '../core/errors';
import { ChainTip } from './backend';
import { BlockRef } from './block-follower';
import { Duty, Outpoint } from './duty';

/** Where a transaction stands: in a block (by hash), or unconfirmed. */
export interface Position {
  /** Its block's height; absent while unconfirmed. */
  height?: number;
  /** Its block's hash; absent while unconfirmed. */
  hash?: string;
}

/** The spend of a watched outpoint, as the engine last saw it. */
export interface SpendRecord<N> extends Position {
  /** The spender's txid. */
  readonly txid: string;
  /** The spender. */
  readonly tx: Transaction;
  /** What the policy made of it when it was first seen. */
  readonly note: N;
}

/** A watched outpoint: what the policy holds to read where its spend stands. */
export interface Watch<N> {
  /** The outpoint. */
  readonly outpoint: Outpoint;
  /** Its spend, once seen; moved and dropped by the engine. */
  readonly spend?: SpendRecord<N>;
}

/** A condition on the tip; while it holds, its subject is worked on every poll. */
export interface Trigger {
  /** Whether the tip has reached it; may throw on a tip that cannot be read. */
  readonly due: (tip: ChainTip) => boolean;
}

/**
 * What a construction tells the engine. Subjects are the policy's own
 * objects (one per channel, say); tags say what an outpoint is to it.
 */
export interface WatchPolicy<S, T, N> {
  /** What a new spend of a watched outpoint is (kept with its record). */
  describe(subject: S, tag: T, tx: Transaction): N;
  /** A new spend of a watched outpoint, in a block or the mempool; record, do not act (acting is for work). */
  spent(subject: S, tag: T, spend: SpendRecord<N>): void;
  /** A spend seen unconfirmed is neither in the mempool nor in a block any more (the record is gone). */
  vanished?(subject: S, tag: T, txid: string): void;
  /** A spend moved: into a block, or (asking the node) out of one. */
  moved?(subject: S, tag: T, spend: SpendRecord<N>): void;
  /** A block that held something of the subject is gone; the engine has unconfirmed it already. */
  disconnected?(subject: S, ref: BlockRef): void;
  /** Once per poll, after the chain was read and before any subject is worked. */
  beforeWork?(tip: ChainTip): Promise<void>;
  /** The subject's work at this tip (time-based decisions, duties started or dropped); returns the duties to step now, in order. */
  work(subject: S, tip: ChainTip): readonly Duty[] | Promise<readonly Duty[]>;
  /** After its duties stepped: resolve the subject (engine.resolve) if its outcome is buried. */
  settle(subject: S, tip: ChainTip): void;
}

/** Blocks a transaction at `p` has in the chain up to `tip` (0 while unconfirmed). */
export function depthOf(p: Position | undefined, tip: { readonly height: number }): number {
  return p?.height === undefined ? 0 : tip.height - p.height + 1;
}

/** The fields of an `'error'` event, from anything caught. */
export function errorFields(e: unknown): { code: string; message: string; reason?: string } {
  const reason = isChannelError(e) ? (e.details?.reason as string | undefined) : undefined;
  return { code: isChannelError(e) ? e.code : 'UNKNOWN', message: e instanceof Error ? e.message : String(e), ...(reason !== undefined ? { reason } : {}) };
}

