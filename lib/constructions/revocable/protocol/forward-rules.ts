/**
 * The forwarder's rules, each a pure function of plain data
 * (CONSTRUCTIONS.md 4b-4c): what an incoming HTLC may be forwarded as (R2,
 * the fee), and when a forwarded HTLC is dead downstream so the incoming
 * one may be failed (R3, or a buried timeout).
 */
import { fail } from '../../../core/errors';
import { checkAmount } from '../../../core/types';
import { expectObject } from '../../../core/arguments';
import { DEFAULT_HTLC_CLAIM_MARGIN, DEFAULT_HTLC_DEAD_MARGIN, DEFAULT_HTLC_MIN_EXPIRY_DELTA } from './htlc-rules';

/** R2's least G: blocks for the forwarder's upstream claim to confirm after it learns the preimage. */
export const MIN_FORWARD_CLAIM_MARGIN = 12;
/** Confirmations of a downstream timeout claim before the incoming HTLC is failed. */
export const DEFAULT_TIMEOUT_BURY_DEPTH = 6;

/** A forwarder's terms, fixed when it is made and saved with it. */
export interface ForwardTerms {
  /** The fee kept from each forwarded HTLC, in satoshis: the outgoing amount is the incoming one less this. */
  readonly fee: bigint;
  /** G in R2, at least {@link MIN_FORWARD_CLAIM_MARGIN} blocks. */
  readonly claimMargin: number;
  /** M in R3: blocks past `E_out - D_out` before a failed downstream HTLC is dead. */
  readonly deadMargin: number;
  /** The least number of blocks from the tip to E_out (the downstream receiver's R1). */
  readonly minOutgoingDelta: number;
  /** Confirmations of a downstream timeout before it counts as buried. */
  readonly buryDepth: number;
}

/** Terms as a caller gives them: the fee, and any margin to set. */
export interface ForwardTermsInput extends Partial<ForwardTerms> {
  /** The fee kept from each forwarded HTLC, in satoshis. */
  readonly fee: bigint;
}

/** What a forward is built from: the incoming HTLC, the incoming channel's D, the tip. */
export interface ForwardInput {
  /** The incoming HTLC's amount. */
  readonly amount: bigint;
  /** E_in. */
  readonly expiry: number;
  /** D of the incoming channel: the forwarder's success claim upstream waits that long. */
  readonly delayIn: number;
  /** The tip's height. */
  readonly height: number;
}

/** The outgoing HTLC an incoming one is forwarded as (the hash is the same). */
export interface ForwardPlan {
  /** The incoming amount less the fee. */
  readonly amount: bigint;
  /** E_out = E_in - D_in - G, the latest R2 allows. */
  readonly expiry: number;
}

/**
 * Terms with their defaults, checked.
 *
 * @param t - The caller's terms; `fee` is required.
 * @returns The terms, every member set.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if the fee is not a non-negative bigint.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if a margin, delta or depth is not a non-negative integer, G is below 12, or the depth is 0.
 */
export function forwardTerms(t: ForwardTermsInput): ForwardTerms {
  if (t === null || typeof t !== 'object') fail('INVALID_ARGUMENT', 'forwarder terms must be an object');
  checkAmount(t.fee, 'forwarding fee', 0n);
  const terms: ForwardTerms = {
    fee: t.fee,
    claimMargin: t.claimMargin ?? DEFAULT_HTLC_CLAIM_MARGIN,
    deadMargin: t.deadMargin ?? DEFAULT_HTLC_DEAD_MARGIN,
    minOutgoingDelta: t.minOutgoingDelta ?? DEFAULT_HTLC_MIN_EXPIRY_DELTA,
    buryDepth: t.buryDepth ?? DEFAULT_TIMEOUT_BURY_DEPTH,
  };
  for (const k of ['claimMargin', 'deadMargin', 'minOutgoingDelta', 'buryDepth'] as const) {
    const v = terms[k];
    if (!Number.isSafeInteger(v) || v < 0 || v > 0xffff) fail('INVALID_ARGUMENT', `${k} must be an integer in [0, 65535]`, { field: k });
  }
  if (terms.claimMargin < MIN_FORWARD_CLAIM_MARGIN) fail('INVALID_ARGUMENT', `claimMargin must be at least ${MIN_FORWARD_CLAIM_MARGIN} blocks`, { field: 'claimMargin' });
  if (terms.buryDepth < 1) fail('INVALID_ARGUMENT', 'buryDepth must be at least 1', { field: 'buryDepth' });
  return terms;
}

/**
 * R2 and the fee: the outgoing HTLC an incoming one becomes, with
 * `E_in >= E_out + D_in + G` and E_out at least `minOutgoingDelta` above
 * the tip, and something left after the fee.
 *
 * @param i - The incoming HTLC, its channel's D and the tip.
 * @param t - The forwarder's terms.
 * @returns The outgoing amount and expiry.
 * @throws {@link ChannelError} `HTLC_EXPIRY_TOO_SOON` if E_in leaves no E_out R2 and the downstream R1 both allow (details: `rule: 'R2'`).
 * @throws {@link ChannelError} `INVALID_AMOUNT` if the incoming amount does not exceed the fee.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `i` or `t` is not an object or a height, expiry or delay is not a non-negative integer.
 */
export function planForward(i: ForwardInput, t: ForwardTerms): ForwardPlan {
  expectObject(i, 'forward input');
  const terms = forwardTerms(t);
  for (const k of ['expiry', 'delayIn', 'height'] as const) count(i[k], k);
  checkAmount(i.amount, 'HTLC amount', 1n);
  const expiry = i.expiry - i.delayIn - terms.claimMargin;
  if (expiry < i.height + terms.minOutgoingDelta) {
    fail('HTLC_EXPIRY_TOO_SOON', `E_in ${i.expiry} leaves E_out ${expiry}, less than ${terms.minOutgoingDelta} blocks above the tip ${i.height}`, {
      rule: 'R2', expiry: i.expiry, outgoingExpiry: expiry, height: i.height,
    });
  }
  if (i.amount <= terms.fee) fail('INVALID_AMOUNT', `the HTLC's ${i.amount} sat do not exceed the fee of ${terms.fee}`, { amount: i.amount.toString(), fee: terms.fee.toString() });
  return { amount: i.amount - terms.fee, expiry };
}

function count(v: unknown, what: string): void {
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail('INVALID_ARGUMENT', `${what} must be a non-negative integer`, { field: what });
}

/** What is known of a forwarded HTLC downstream, for {@link downstreamDead}. */
export interface DownstreamView {
  /** The receiver gave it up (its `fail`). */
  readonly failed: boolean;
  /** The state that removed it is the sender's latest agreed one or older (the sender revoked every state carrying it). */
  readonly removalFinal: boolean;
  /** R3's height for it, `E_out - D_out + M`. */
  readonly deadAt: number;
  /** The height its timeout claim confirmed at, if it did. */
  readonly timeoutConfirmedAt?: number;
  /** Whether its preimage is known by any means. */
  readonly preimageKnown: boolean;
}

/**
 * Whether a forwarded HTLC can no longer be paid downstream, so its
 * incoming HTLC may be failed: never once its preimage is known; after the
 * receiver's fail, once its removal is final and the tip has reached R3's
 * height (an old receiver's version could be claimed before that); or once
 * its timeout claim is buried.
 *
 * @param d - The downstream HTLC as known.
 * @param height - The tip's height.
 * @param buryDepth - Confirmations that bury a timeout claim.
 * @returns Whether it is dead.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `d` is not an object or `height` or `buryDepth` is not a non-negative integer.
 */
export function downstreamDead(d: DownstreamView, height: number, buryDepth: number): boolean {
  expectObject(d, 'downstream view');
  count(height, 'height');
  count(buryDepth, 'buryDepth');
  if (d.preimageKnown) return false;
  if (d.timeoutConfirmedAt !== undefined && height - d.timeoutConfirmedAt + 1 >= buryDepth) return true;
  return d.failed && d.removalFinal && height >= d.deadAt;
}
