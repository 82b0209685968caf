/**
 * The watchers' schedule of a published payment version's HTLC outputs:
 * which output is which HTLC (by its recomputed script, never by a position
 * someone reports), from which block each party's claim can be mined, and
 * from which block the other party's competing branch opens (the claim's
 * deadline). Pure: a function of the channel, the version, the HTLCs its
 * state carries and the tip.
 *
 * Heights, for a version confirmed at h (unconfirmed: at the earliest in the
 * next block), E an HTLC's expiry and D the channel's HTLC delay:
 *
 * | version  | receiver's success      | sender's timeout          |
 * |----------|-------------------------|---------------------------|
 * | sender's | from h, before the timeout | from max(E + 1, h + D) |
 * | receiver's | from h + D, before E + 1 | from E + 1             |
 *
 * A revoked sender's version is the receiver's penalty's: every HTLC output
 * is taken through its penalty branch before the sender's timeout opens.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectBytes, expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual, sha256, toHex } from '../../../core/hash';
import { AbsoluteLock, PublicKey, absoluteLockValue, relativeLockValue } from '../../../core/types';
import { ChainTip } from '../../../chain/backend';
import { Htlc, checkHtlcs, isHtlcOutput } from '../../../tx/htlcs';
import { p2wshScript } from '../../../tx/outputs';
import { extractPreimage } from '../../../tx/preimage-reveal';
import { expectContext } from '../context';
import { ChannelContext, revocableScriptFor } from '../params';
import { htlcWitnessScript } from '../tx/htlc-version';
import { PaymentVersion } from '../tx/payment';

function expectTx(tx: Transaction, what: string): Transaction {
  if (!(tx instanceof Transaction)) fail('INVALID_TRANSACTION', `${what} must be a parsed Transaction`);
  return tx;
}

function expectTip(tip: ChainTip): ChainTip {
  expectObject(tip, 'tip');
  if (!Number.isSafeInteger(tip.height) || tip.height < 0) fail('INVALID_ARGUMENT', 'tip.height must be a non-negative integer');
  if (!Number.isSafeInteger(tip.medianTimePast)) fail('INVALID_ARGUMENT', 'tip.medianTimePast must be an integer');
  return tip;
}

function expectVersion(v: PublishedVersion): PublishedVersion {
  expectObject(v, 'published version');
  if (v.version !== 'sender' && v.version !== 'receiver') fail('INVALID_ARGUMENT', 'version must be sender or receiver');
  expectTx(v.tx, 'the version');
  if (v.confirmedHeight !== undefined && (!Number.isSafeInteger(v.confirmedHeight) || v.confirmedHeight < 0)) {
    fail('INVALID_ARGUMENT', 'confirmedHeight must be a non-negative integer');
  }
  return v;
}

/** D, of a channel with HTLC terms. */
function delayOf(ctx: ChannelContext): number {
  const terms = ctx.params.htlc ?? fail('INVALID_ARGUMENT', 'the channel has no HTLC terms (ChannelParams.htlc)');
  return relativeLockValue(terms.delay);
}

/** A published payment version, as the watchers know it. */
export interface PublishedVersion {
  /** Whose version. */
  readonly version: PaymentVersion;
  /** The version as seen on chain. */
  readonly tx: Transaction;
  /** K_i of its state: the sender's version's scripts hold it. */
  readonly updateKey?: PublicKey;
  /** The height of its block; absent while unconfirmed. */
  readonly confirmedHeight?: number;
}

/** One HTLC output of a published version. */
export interface HtlcOutputOnChain<H extends Htlc = Htlc> {
  /** The HTLC, as the caller gave it. */
  readonly htlc: H;
  /** Its output index in the version. */
  readonly vout: number;
  /** Its value. */
  readonly value: bigint;
  /** Its witness script. */
  readonly witnessScript: Uint8Array;
}

/** When one party's claim of an HTLC output can be mined. */
export interface ClaimWindow {
  /** The first block the claim can be in; absent while it waits for the version to confirm. */
  readonly from?: number;
  /**
   * The first block the other party's branch can be in: the claim must be
   * mined below it. Absent: no deadline (the other party's branch is open
   * already, or only a claim of ours competes).
   */
  readonly deadline?: number;
  /** The claim may enter the next block. */
  readonly due: boolean;
}

/**
 * The HTLC outputs of a published version: each HTLC's output found by its
 * recomputed script and its amount, each output matched once (two HTLCs with
 * one hash, expiry and amount have two equal outputs). HTLCs trimmed to the
 * fee, or that the version does not carry, have none.
 *
 * @param ctx - From {@link verifyChannelParams}, with HTLC terms.
 * @param v - The version (K_i for the sender's).
 * @param htlcs - The HTLCs its state carries.
 * @returns The HTLC outputs found, by output index.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or has no HTLC terms, `v` or an HTLC is malformed, or K_i is missing for the sender's version.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `v.tx` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an HTLC's amount is out of range.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if there are more than MAX_HTLCS HTLCs.
 */
export function htlcOutputsOf<H extends Htlc>(ctx: ChannelContext, v: Pick<PublishedVersion, 'version' | 'tx' | 'updateKey'>, htlcs: readonly H[]): HtlcOutputOnChain<H>[] {
  expectContext(ctx);
  expectObject(v, 'published version');
  expectTx(v.tx, 'the version');
  checkHtlcs(htlcs);
  const found: HtlcOutputOnChain<H>[] = [];
  const used = new Set<number>();
  for (const htlc of htlcs) {
    if (!isHtlcOutput(htlc.amount)) continue;
    const witnessScript = htlcWitnessScript(ctx, v.version, htlc, v.updateKey);
    const script = p2wshScript(witnessScript);
    const vout = v.tx.outs.findIndex((o, i) => !used.has(i) && o.value === htlc.amount && bytesEqual(o.script, script));
    if (vout < 0) continue;
    used.add(vout);
    found.push({ htlc, vout, value: htlc.amount, witnessScript });
  }
  return found.sort((a, b) => a.vout - b.vout);
}

/**
 * Whose version a payment transaction of state i is: the sender's when it
 * pays that state's revocable script or one of its HTLCs' sender's-version
 * scripts (a sender's balance below dust has no revocable output), the
 * receiver's otherwise. The two versions' HTLC scripts differ, so an HTLC
 * output alone tells them apart.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param tx - A payment transaction of state i.
 * @param state - K_i and the HTLCs state i carries.
 * @returns `'sender'` or `'receiver'`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context, `state` or an HTLC is malformed.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an HTLC's amount is out of range.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if there are more than MAX_HTLCS HTLCs.
 */
export function paymentVersionOf(ctx: ChannelContext, tx: Transaction, state: {
  /** K_i. */
  readonly updateKey: PublicKey;
  /** The HTLCs of state i. */
  readonly htlcs: readonly Htlc[];
}): PaymentVersion {
  expectContext(ctx);
  expectTx(tx, 'the transaction');
  expectObject(state, 'state');
  checkHtlcs(state.htlcs);
  const revocable = p2wshScript(revocableScriptFor(ctx, state.updateKey));
  if (tx.outs.some((o) => bytesEqual(o.script, revocable))) return 'sender';
  if (ctx.params.htlc === undefined) return 'receiver';
  const scripts = new Set<string>();
  for (const h of state.htlcs) if (isHtlcOutput(h.amount)) scripts.add(toHex(p2wshScript(htlcWitnessScript(ctx, 'sender', h, state.updateKey))));
  return tx.outs.some((o) => o.script.length === 34 && scripts.has(toHex(o.script))) ? 'sender' : 'receiver';
}

/**
 * Whether a payment transaction pays no script hash but the receiver's-version
 * HTLC outputs of its state: then it can only be the receiver's version,
 * without K_i to tell.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param tx - A payment transaction of state i.
 * @param htlcs - The HTLCs of state i.
 * @returns True when every P2WSH output is one of those.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or an HTLC is malformed.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an HTLC's amount is out of range.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if there are more than MAX_HTLCS HTLCs.
 */
export function onlyReceiverVersionScripts(ctx: ChannelContext, tx: Transaction, htlcs: readonly Htlc[]): boolean {
  expectContext(ctx);
  expectTx(tx, 'the transaction');
  checkHtlcs(htlcs);
  const isP2wsh = (s: Uint8Array) => s.length === 34 && s[0] === 0 && s[1] === 32;
  if (!tx.outs.some((o) => isP2wsh(o.script))) return true;
  if (ctx.params.htlc === undefined) return false;
  const scripts = new Set<string>();
  for (const h of htlcs) if (isHtlcOutput(h.amount)) scripts.add(toHex(p2wshScript(htlcWitnessScript(ctx, 'receiver', h))));
  return tx.outs.every((o) => !isP2wsh(o.script) || scripts.has(toHex(o.script)));
}

/**
 * Whether a transaction with nLockTime `lock` may enter the block after `tip`:
 * a height below that block's, or a time below the median time past.
 *
 * @param lock - The lock.
 * @param tip - The chain tip.
 * @returns True when the lock no longer holds the transaction back.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `lock` is not a valid absolute lock.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `tip` is not a tip.
 */
export function absoluteLockOpen(lock: AbsoluteLock, tip: ChainTip): boolean {
  const t = absoluteLockValue(lock);
  expectTip(tip);
  return 'height' in lock ? t <= tip.height : t < tip.medianTimePast;
}

/**
 * The first block a transaction with nLockTime `lock` can be in: exact for a
 * height; for a time, an early estimate from the median time past (which
 * runs about an hour behind the tip), so a deadline drawn from it comes
 * early rather than late.
 *
 * @param lock - The lock.
 * @param tip - The chain tip.
 * @returns A block height.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `lock` is not a valid absolute lock.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `tip` is not a tip.
 */
export function absoluteLockOpensAt(lock: AbsoluteLock, tip: ChainTip): number {
  const t = absoluteLockValue(lock);
  expectTip(tip);
  if ('height' in lock) return t + 1;
  if (t < tip.medianTimePast) return tip.height + 1;
  return tip.height + Math.max(1, Math.floor((t - tip.medianTimePast) / 600) - 6);
}

function checkWindowArgs(ctx: ChannelContext, v: PublishedVersion, htlc: Htlc, tip: ChainTip): void {
  expectContext(ctx);
  delayOf(ctx);
  expectVersion(v);
  expectObject(htlc, 'htlc');
  absoluteLockValue(htlc.expiry);
  expectTip(tip);
}

/** The version's height, or (unconfirmed) the next block: the earliest it can confirm. */
function heightOf(v: PublishedVersion, tip: ChainTip): number {
  return v.confirmedHeight ?? tip.height + 1;
}

/** The first block the sender's timeout of `htlc` on `v` can be in. */
function timeoutOpensAt(ctx: ChannelContext, v: PublishedVersion, htlc: Htlc, tip: ChainTip): number {
  const e = absoluteLockOpensAt(htlc.expiry, tip);
  return v.version === 'sender' ? Math.max(e, heightOf(v, tip) + delayOf(ctx)) : e;
}

/**
 * The receiver's success claim of an HTLC output: on the sender's version at
 * once, before the sender's timeout opens (E + 1 and D after the version's
 * block); on the receiver's version D blocks after its block, before E + 1.
 *
 * @param ctx - From {@link verifyChannelParams}, with HTLC terms.
 * @param v - The published version, not a revoked one (that one is the penalty's).
 * @param htlc - The HTLC whose output is claimed.
 * @param tip - The chain tip.
 * @returns When the claim can be mined, and its deadline.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or has no HTLC terms, or `v` or `tip` is malformed.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `v.tx` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the HTLC's expiry is not a valid absolute lock.
 */
export function successWindow(ctx: ChannelContext, v: PublishedVersion, htlc: Htlc, tip: ChainTip): ClaimWindow {
  checkWindowArgs(ctx, v, htlc, tip);
  const deadline = timeoutOpensAt(ctx, v, htlc, tip);
  if (v.version === 'sender') return { from: heightOf(v, tip), deadline, due: true };
  if (v.confirmedHeight === undefined) return { deadline, due: false };
  const from = v.confirmedHeight + delayOf(ctx);
  return { from, deadline, due: tip.height + 1 >= from };
}

/**
 * The sender's timeout claim of an HTLC output: from E + 1 on the receiver's
 * version; on the sender's version also D blocks after its block. No
 * deadline: the receiver's success may come at any time, and then reveals
 * the preimage.
 *
 * @param ctx - From {@link verifyChannelParams}, with HTLC terms.
 * @param v - The published version.
 * @param htlc - The HTLC whose output is claimed.
 * @param tip - The chain tip.
 * @returns When the claim can be mined (no deadline).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or has no HTLC terms, or `v` or `tip` is malformed.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `v.tx` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the HTLC's expiry is not a valid absolute lock.
 */
export function timeoutWindow(ctx: ChannelContext, v: PublishedVersion, htlc: Htlc, tip: ChainTip): ClaimWindow {
  checkWindowArgs(ctx, v, htlc, tip);
  const lockOpen = absoluteLockOpen(htlc.expiry, tip);
  if (v.version === 'receiver') return { from: absoluteLockOpensAt(htlc.expiry, tip), due: lockOpen };
  if (v.confirmedHeight === undefined) return { due: false };
  const from = Math.max(absoluteLockOpensAt(htlc.expiry, tip), v.confirmedHeight + delayOf(ctx));
  return { from, due: lockOpen && tip.height + 1 - v.confirmedHeight >= delayOf(ctx) };
}

/**
 * The first block the sender's timeout of an HTLC output of a revoked
 * sender's version can be in: the penalty must be mined below it.
 *
 * @param ctx - From {@link verifyChannelParams}, with HTLC terms.
 * @param v - The revoked sender's version.
 * @param htlc - The HTLC of its output.
 * @param tip - The chain tip.
 * @returns A block height.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or has no HTLC terms, or `v` or `tip` is malformed.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `v.tx` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the HTLC's expiry is not a valid absolute lock.
 */
export function penaltyDeadline(ctx: ChannelContext, v: PublishedVersion, htlc: Htlc, tip: ChainTip): number {
  checkWindowArgs(ctx, v, htlc, tip);
  return timeoutOpensAt(ctx, { ...v, version: 'sender' }, htlc, tip);
}

/**
 * R4: the receiver knows the preimage of a live HTLC, and the tip has
 * reached E - D - G: time to close with its own version so that its success
 * claim, D blocks after that version confirms, is mined before E + 1. G
 * blocks are left for the close to confirm. For an expiry by time, the
 * median time past (about an hour behind the tip) is counted D + G blocks of
 * ten minutes and an hour early.
 *
 * @param ctx - From {@link verifyChannelParams}, with HTLC terms.
 * @param htlc - The live HTLC.
 * @param grace - G, in blocks.
 * @param tip - The chain tip.
 * @returns True from E - D - G on.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or has no HTLC terms, `grace` is not a non-negative integer, or `tip` is malformed.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the HTLC's expiry is not a valid absolute lock.
 */
export function htlcCloseDue(ctx: ChannelContext, htlc: Htlc, grace: number, tip: ChainTip): boolean {
  expectContext(ctx);
  expectObject(htlc, 'htlc');
  if (!Number.isSafeInteger(grace) || grace < 0) fail('INVALID_ARGUMENT', 'grace must be a non-negative integer');
  expectTip(tip);
  const t = absoluteLockValue(htlc.expiry);
  const lead = delayOf(ctx) + grace;
  if ('height' in htlc.expiry) return tip.height >= t - lead;
  return tip.medianTimePast + (lead + 6) * 600 >= t;
}

/**
 * The preimage a spend of an HTLC output reveals: the spending input's
 * witness holds a 32-byte item whose SHA-256 is the HTLC's hash (a success
 * claim). Undefined for a timeout or a penalty, or a transaction that does
 * not spend the output.
 *
 * @param spend - A transaction spending the output.
 * @param output - The HTLC output, with the outpoint's txid as transactions carry it.
 * @returns P, 32 bytes hashing to the HTLC's H, or undefined.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `spend` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `output` is malformed.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if the witness script is no registered hashlock template's.
 */
export function revealedPreimage(spend: Transaction, output: HtlcOutputOnChain & {
  /** The version's txid as transactions carry it. */
  readonly versionHash: Uint8Array;
}): Uint8Array | undefined {
  expectTx(spend, 'the spend');
  expectObject(output, 'htlc output');
  expectObject(output.htlc, 'htlc');
  expectBytes(output.versionHash, 'versionHash', 32);
  if (!spend.ins.some((i) => i.index === output.vout && bytesEqual(i.hash, output.versionHash))) return undefined;
  const revealed = extractPreimage(spend, output.witnessScript);
  // Another input with the same script (an HTLC of the same hash and expiry) reveals the same P: any P hashing to H will do.
  if (revealed === undefined || !bytesEqual(sha256(revealed.preimage), output.htlc.hash)) return undefined;
  return revealed.preimage;
}
