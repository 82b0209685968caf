/**
 * The rules of HTLCs in the revocable channel's protocol, each decided here
 * once for both parties (CONSTRUCTIONS.md 4b): whether a state with its
 * HTLCs fits the channel, R1 and the CLTV channel's bound on a new HTLC's
 * expiry, when an HTLC has expired (the sender may then fail it alone), and
 * R3's height from which a failed HTLC is dead. Also the version sighashes
 * of a state with HTLCs, which fall back to the plain payment's cached path
 * when a state carries none, so plain payments cost what they did.
 */
import { fail } from '../../../core/errors';
import { PublicKey, Variant } from '../../../core/types';
import { MAX_HTLCS, isHtlcOutput } from '../../../tx/htlcs';
import { ChainView, checkChainView } from '../../../protocol/party';
import { ChannelContext } from '../params';
import { paymentFeeWithHtlcs } from '../tx/htlc-version';
import { PaymentSigner } from '../tx/payment-signer';
import { HtlcRecord, htlcOf } from './htlc-table';

/** R1's default: a new HTLC's expiry at least this many blocks above the tip. */
export const DEFAULT_HTLC_MIN_EXPIRY_DELTA = 40;
/** G's default: blocks for a claim to confirm, between an HTLC's resolution and a deadline after it. */
export const DEFAULT_HTLC_CLAIM_MARGIN = 12;
/** M's default in R3: blocks past `E - D` before a failed HTLC counts as dead. */
export const DEFAULT_HTLC_DEAD_MARGIN = 6;
const SECONDS_PER_BLOCK = 600;

/** What bounds a new HTLC's expiry: the channel's terms and the receiver's margins. */
export interface HtlcExpiryRule {
  /** E, a block height. */
  readonly expiry: number;
  /** D, in blocks. */
  readonly delay: number;
  /** The channel's variant: a CLTV channel's expiry bounds the HTLC's. */
  readonly variant: Variant;
  /** The channel's CLTV margin: payments stop that many blocks before its expiry. */
  readonly margin: number;
  /** R1: the least number of blocks from the tip to E. */
  readonly minExpiryDelta: number;
  /** G: blocks left between the HTLC's last claim (E + D) and the channel's cutoff. */
  readonly claimMargin: number;
}

/**
 * R1, `E >= tip + minExpiryDelta`; in a CLTV channel also
 * `E + D + G <= T - margin`, so the HTLC resolves on chain before the
 * channel's payment cutoff (a time lock's T counted at 600 seconds a block
 * from the tip's median time past, as the cutoff is).
 *
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is not a chain view.
 * @throws {@link ChannelError} `HTLC_EXPIRY_TOO_SOON` or `HTLC_EXPIRY_PAST_CHANNEL`.
 */
export function checkHtlcExpiry(r: HtlcExpiryRule, chain: ChainView | undefined): void {
  const tip = checkChainView(chain, 'an HTLC');
  if (r.expiry < tip.height + r.minExpiryDelta) {
    fail('HTLC_EXPIRY_TOO_SOON', `expiry ${r.expiry} is less than ${r.minExpiryDelta} blocks above the tip ${tip.height}`, {
      expiry: r.expiry, height: tip.height, minDelta: r.minExpiryDelta,
    });
  }
  if (r.variant.kind !== 'cltv') return;
  const e = r.variant.expiry;
  const last = 'height' in e ? e.height - r.margin : tip.height + Math.floor((e.time - r.margin * SECONDS_PER_BLOCK - tip.medianTimePast) / SECONDS_PER_BLOCK);
  if (r.expiry + r.delay + r.claimMargin > last) {
    fail('HTLC_EXPIRY_PAST_CHANNEL', `expiry ${r.expiry} + D ${r.delay} + ${r.claimMargin} passes the channel's cutoff at ${last}`, {
      expiry: r.expiry, cutoff: last,
    });
  }
}

/**
 * Whether an HTLC has expired: from a tip at E, its timeout can be mined in
 * the next block, so either party may remove it unpaid.
 *
 * @param expiry - E.
 * @param chain - The tip.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is not a chain view.
 */
export function htlcExpired(expiry: number, chain: ChainView | undefined): boolean {
  return checkChainView(chain, 'an HTLC\'s expiry').height >= expiry;
}

/**
 * R3: the height from which a failed HTLC is dead, `E - D + M`. Before it a
 * receiver's version still carrying the HTLC could confirm early enough for
 * the receiver's success (D blocks after it) to come before the sender's
 * timeout (from E); from it the timeout comes at least M blocks first.
 */
export function htlcDeadHeight(expiry: number, delay: number, margin: number): number {
  return expiry - delay + margin;
}

/**
 * The protocol's one capacity rule: a state pays the receiver `amount`,
 * locks every HTLC, and pays the fee from its real weight (each HTLC output
 * adds its own; HTLCs below dust add theirs to the fee, within the
 * channel's bound), all from the capacity.
 *
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if the state carries more than MAX_HTLCS.
 * @throws {@link ChannelError} `HTLC_DUST_EXPOSURE` if its trimmed HTLCs exceed the channel's bound.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the amount, the HTLCs and the fee exceed the capacity.
 */
export function checkStateFits(ctx: ChannelContext, amount: bigint, htlcs: readonly HtlcRecord[]): void {
  const capacity = ctx.params.capacity;
  if (htlcs.length === 0) {
    if (amount > capacity - ctx.paymentFee) fail('AMOUNT_EXCEEDS_CAPACITY', 'amount exceeds what the sender has after fees');
    return;
  }
  if (htlcs.length > MAX_HTLCS) fail('HTLC_TOO_MANY', `${htlcs.length} HTLCs: a state carries at most ${MAX_HTLCS}`, { count: htlcs.length, limit: MAX_HTLCS });
  let locked = 0n;
  let trimmed = 0n;
  let outputs = 0;
  for (const h of htlcs) {
    locked += h.amount;
    if (isHtlcOutput(h.amount)) outputs++;
    else trimmed += h.amount;
  }
  const limit = ctx.params.htlc?.maxDustExposure ?? 0n;
  if (trimmed > limit) {
    fail('HTLC_DUST_EXPOSURE', `trimmed HTLCs total ${trimmed} sat, over the channel's bound of ${limit}`, { exposure: trimmed.toString(), limit: limit.toString() });
  }
  const fee = paymentFeeWithHtlcs(ctx.params.feeRate, outputs);
  if (amount + locked + fee > capacity) {
    fail('AMOUNT_EXCEEDS_CAPACITY', 'the amount, the HTLCs and the fee exceed the capacity', {
      amount: amount.toString(), htlcs: locked.toString(), fee: fee.toString(),
    });
  }
}

/** The sighash of the receiver's version of a state: the plain payment's cached path when it carries no HTLC. */
export function receiverVersionHash(signer: PaymentSigner, index: number, amount: bigint, htlcs: readonly HtlcRecord[]): Uint8Array {
  if (htlcs.length === 0) return signer.receiverVersionHash(BigInt(index), amount);
  return signer.versionHash(BigInt(index), { version: 'receiver', amount, htlcs: htlcs.map(htlcOf) });
}

/** The sighash of the sender's version of a state, for an update key already checked. */
export function senderVersionHash(signer: PaymentSigner, index: number, amount: bigint, updateKey: PublicKey, htlcs: readonly HtlcRecord[]): Uint8Array {
  if (htlcs.length === 0) return signer.trustedSenderVersionHash(BigInt(index), amount, updateKey);
  return signer.versionHash(BigInt(index), { version: 'sender', amount, updateKey, htlcs: htlcs.map(htlcOf) });
}
