/**
 * The receiver's side of a channel. A payment is final for the receiver only
 * when the sender's revoke for the previous state has been checked and stored:
 * `onOffer` returns an accept but reports nothing paid; `onRevoke` reports the
 * payment. Every handler checks everything before it changes anything.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ecc } from '../../../core/ecc';
import { fail } from '../../../core/errors';
import { RevocationStore } from '../../../keys/revocation-store';
import { updateKeyOf } from '../../../keys/shachain';
import { verifyChannelParams } from '../params';
import { bytesEqual, toHex } from '../../../core/hash';
import { PaymentSigner } from '../tx/payment-signer';
import { PenaltyParams, signPenaltyTx } from '../tx/penalty';
import { HtlcClaimParams, signHtlcSuccessTx } from '../tx/htlc-claims';
import { decodeObscuredIndex } from '../tx/state-number';
import {
  DUST_P2WSH, FeeRate, MAX_FEE_RATE, PrivateKey, PublicKey, asPrivateKey, asPublicKey, checkAmount, checkRelayFeeRate, derivePublicKey, feeForWeight,
} from '../../../core/types';
import { PAYMENT_WEIGHT } from '../tx/weights';
import {
  Accept, AcceptChannel, CloseOffer, CloseSigned, Fail, Fulfill, FundingCreated, FundingSigned, HTLC_FAIL_REASONS, HtlcFailReason, HtlcOpenTerms,
  MAX_HTLC_DELAY, OpenChannel, Offer, OfferChange, Revoke,
} from './messages';
import { ChainView, checkChainView, cltvCutoffReached, copyVariant, expectMessage, fieldError, savedField } from '../../../protocol/party';
import { OpenTerms, channelParamsOf } from './terms';
import {
  HtlcMargins, ReceiverPhase, ReceiverState, SignedState, readReceiverState, receiverStateToJson, verifyReceiverState,
} from './receiver-state';
import {
  HtlcRecord, changeAt, copyRecord, htlcOf, htlcsAt, lockedTotal, opens, recordOf, sameChange, stateHtlcs, withRecord,
} from './htlc-table';
import { applyHtlcChange } from './htlc-changes';
import {
  DEFAULT_HTLC_CLAIM_MARGIN, DEFAULT_HTLC_MIN_EXPIRY_DELTA, checkHtlcExpiry, checkStateFits, receiverVersionHash, senderVersionHash,
} from './htlc-rules';
import { ClosingParty, answerClose, completeClose, proposeClose } from './close-flow';
import { ChildPaysForParent, childPaysForParent } from './cpfp';
import {
  FundingEvidence, FundingStatus, checkFundingEvidence, fundingPolicyOf,
} from '../../../protocol/funding-evidence';
import { ChannelParty } from './channel-party';
import { Json } from '../../../protocol/wire';

export { ReceiverPhase };

/** Whether an offer's change is a plain payment (absent, or `pay`). */
function isPay(c: unknown): boolean {
  return c === undefined || (c !== null && typeof c === 'object' && (c as { kind?: unknown }).kind === 'pay');
}

/** The receiver's long-lived keys: never part of its saved state, handed in at accept and at every restore. */
export interface ReceiverSecrets {
  /** The private key of the receiver's funding key in the 2-of-2. */
  readonly fundingKey: PrivateKey;
  /** The private key of the receiver's payout key: its output in every payment and the close. */
  readonly payoutKey: PrivateKey;
  /** The private key of the receiver's revocation key R_r, which signs penalty claims. */
  readonly revocationKey: PrivateKey;
  /** The private key of the receiver's HTLC key R_h (`ChannelParams.htlc`), which signs HTLC success claims; never revealed. */
  readonly htlcKey?: PrivateKey;
}

/** What a receiver agrees to at open. */
export interface ReceiverPolicy {
  /** The smallest capacity accepted, in satoshis. */
  readonly minCapacity?: bigint;
  /** The largest capacity accepted, in satoshis. */
  readonly maxCapacity?: bigint;
  /** The lowest payment fee rate accepted, sat/kw (never below {@link MIN_FEE_RATE}). */
  readonly minFeeRate?: FeeRate;
  /** The highest payment fee rate accepted, sat/kw. */
  readonly maxFeeRate?: FeeRate;
  /** CSV: the smallest delay the receiver can watch within (default 144 blocks). */
  readonly minCsvDelay?: number;
  /** CLTV: the smallest margin before expiry at which it stops taking payments (default 144). */
  readonly minMargin?: number;
  /** Confirmations of the funding transaction before payments are taken (default 3). */
  readonly fundingDepth?: number;
  /**
   * Zero-conf, opted into: the channel opens on shallower evidence (the
   * mempool included), and until the depth is reached accepts no payment that
   * would bring the receiver's total above `budget`, which is what it risks
   * if the funding never confirms.
   */
  readonly zeroConf?: {
    /** The most the receiver's total may reach before the funding is deep, in satoshis. */
    readonly budget: bigint;
  };
  /** What the receiver agrees to in a channel with HTLC terms (it needs `secrets.htlcKey` for one). */
  readonly htlc?: ReceiverHtlcPolicy;
}

/** The receiver's bounds on a channel's HTLC terms and on each HTLC. */
export interface ReceiverHtlcPolicy {
  /** The smallest D accepted, in blocks: the time the receiver has to claim on a sender's version published at E (default 12). */
  readonly minDelay?: number;
  /** The largest D accepted, in blocks (default 2016). */
  readonly maxDelay?: number;
  /** The largest dust bound accepted, in satoshis (default 50,000). */
  readonly maxDustExposure?: bigint;
  /** R1: a new HTLC's expiry at least this many blocks above the tip ({@link DEFAULT_HTLC_MIN_EXPIRY_DELTA} by default; never below D + G + 1). */
  readonly minExpiryDelta?: number;
  /** G: blocks for a claim to confirm ({@link DEFAULT_HTLC_CLAIM_MARGIN} by default); a CLTV channel takes only HTLCs with E + D + G before its cutoff. */
  readonly claimMargin?: number;
}

/** A payment that became final with a revoke. */
export interface PaymentReceived {
  /** The state the payment made current. */
  readonly index: number;
  /** Receiver's final total. */
  readonly amount: bigint;
  /** What this payment added to the total. */
  readonly increment: bigint;
  /** For a state that changed an HTLC: which change, and the HTLC's record as it is now. Absent for a plain payment. */
  readonly htlc?: HtlcFinal;
}

/** An HTLC change made final by a revoke. */
export interface HtlcFinal {
  /** The change: an HTLC added (now irrevocably committed: safe to forward), settled or failed. */
  readonly change: 'addHtlc' | 'settleHtlc' | 'failHtlc';
  /** The HTLC's record (a copy). */
  readonly record: HtlcRecord;
}

const MIN_HTLC_DELAY = 12;
const MAX_HTLC_DELAY_ACCEPTED = 2016;
const MAX_DUST_EXPOSURE_ACCEPTED = 50_000n;

/** The receiver's margins for a channel's HTLCs, from its policy and the channel's D. */
function htlcMarginsOf(policy: ReceiverHtlcPolicy, delay: number): HtlcMargins {
  const count = (v: unknown, what: string) => {
    if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > 0xffff)) fail('INVALID_ARGUMENT', `policy.htlc.${what} must be an integer in [0, 65535]`);
    return v as number | undefined;
  };
  const claimMargin = count(policy.claimMargin, 'claimMargin') ?? DEFAULT_HTLC_CLAIM_MARGIN;
  // An HTLC arriving within D + G of its expiry would have to go on chain at once (R4).
  const minExpiryDelta = Math.max(count(policy.minExpiryDelta, 'minExpiryDelta') ?? DEFAULT_HTLC_MIN_EXPIRY_DELTA, delay + claimMargin + 1);
  return { minExpiryDelta, claimMargin };
}

/** The HTLC terms an open_channel proposes, held to the receiver's policy, with R_h and the receiver's margins. */
function acceptHtlcTerms(m: OpenChannel, secrets: ReceiverSecrets, policy: ReceiverHtlcPolicy, others: readonly PublicKey[]): {
  terms: HtlcOpenTerms; key: PublicKey; margins: HtlcMargins;
} {
  const h = m.htlc!;
  if (h === null || typeof h !== 'object') fail('INVALID_ARGUMENT', 'htlc terms must be {delay, maxDustExposure}');
  if (policy === null || typeof policy !== 'object') fail('INVALID_ARGUMENT', 'policy.htlc must be an object');
  if (!Number.isSafeInteger(h.delay) || h.delay < 1 || h.delay > MAX_HTLC_DELAY) fail('INVALID_TIMELOCK', `the HTLC delay D must be in [1, ${MAX_HTLC_DELAY}] blocks`);
  if (h.delay < (policy.minDelay ?? MIN_HTLC_DELAY)) fail('INVALID_TIMELOCK', 'HTLC delay D too short to claim within');
  if (h.delay > (policy.maxDelay ?? MAX_HTLC_DELAY_ACCEPTED)) fail('INVALID_TIMELOCK', 'HTLC delay D longer than the policy takes');
  checkAmount(h.maxDustExposure, 'maxDustExposure');
  if (h.maxDustExposure > (policy.maxDustExposure ?? MAX_DUST_EXPOSURE_ACCEPTED)) fail('INVALID_AMOUNT', 'HTLC dust bound above policy');
  if (secrets.htlcKey === undefined) fail('INVALID_KEY', 'a channel with HTLC terms needs secrets.htlcKey');
  const key = derivePublicKey(asPrivateKey(secrets.htlcKey, 'htlcKey'));
  if (others.some((k) => bytesEqual(k, key))) fail('INVALID_KEY', 'the HTLC key must differ from the channel\'s other keys');
  return { terms: { delay: h.delay, maxDustExposure: h.maxDustExposure }, key, margins: htlcMarginsOf(policy, h.delay) };
}

function checkSecretsObject(secrets: ReceiverSecrets): void {
  if (secrets === null || typeof secrets !== 'object') fail('INVALID_ARGUMENT', 'secrets must be {fundingKey, payoutKey, revocationKey}');
}

/**
 * The receiver's side of a channel: it accepts the sender's terms, signs its
 * refund, waits for the funding to confirm on its own node, accepts offers,
 * and counts a payment only once the sender has revoked the state before it.
 * It keeps the sender's revealed secrets, so it can claim everything of a
 * revoked state the sender broadcasts ({@link Receiver.penaltyTx}, or a
 * {@link ReceiverWatcher}). Each handler either throws a {@link ChannelError}
 * leaving the receiver as it was, or moves on and returns what to send.
 *
 * @example
 * ```ts
 * const { receiver, message: accept } = Receiver.accept(decodeMessageOf(openJson, 'open_channel'), receiverSecrets);
 * const signed = receiver.onFundingCreated(decodeMessageOf(createdJson, 'funding_created'));
 * await confirmFunding(receiver, backend); // the funding, from the receiver's own node
 * const acc = receiver.onOffer(decodeMessageOf(offerJson, 'offer'));
 * const paid = receiver.onRevoke(decodeMessageOf(revokeJson, 'revoke')); // { index, amount, increment }
 * await store.save('channel-1', receiver.toJSON());
 * ```
 */
export class Receiver extends ChannelParty {
  private s: ReceiverState;
  private store: RevocationStore;
  private readonly secrets: ReceiverSecrets;

  private constructor(s: ReceiverState, store: RevocationStore, secrets: ReceiverSecrets) {
    asPrivateKey(secrets.fundingKey, 'fundingKey');
    asPrivateKey(secrets.payoutKey, 'payoutKey');
    asPrivateKey(secrets.revocationKey, 'revocationKey');
    super('receiver', secrets.fundingKey);
    this.s = s;
    this.store = store;
    this.secrets = secrets;
  }

  /**
   * Answer an open_channel: checks the terms against the policy and the chain (CLTV expiry far enough).
   *
   * @param m - The sender's open_channel.
   * @param secrets - The receiver's keys.
   * @param policy - What the receiver agrees to: capacity and fee bounds, timeouts, funding depth, zero-conf.
   * @param chain - The chain tip; required for a CLTV channel.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secrets` or `policy` is not an object, `tempChannelId` is not 32 bytes, `margin` is not in [0, 65535], `fundingDepth` or `zeroConf` is malformed, or a CLTV channel comes without `chain`.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` or the zero-conf budget is not a valid amount, or `capacity` is outside the policy.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE} or outside the policy.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the capacity does not cover the payment fee plus a non-dust refund.
   * @throws {@link ChannelError} `INVALID_TIMELOCK` if `variant` is malformed, a CSV delay is below `minCsvDelay`, or a CLTV margin below `minMargin`.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED` if a CLTV channel's cutoff is already reached.
   * @throws {@link ChannelError} `INVALID_KEY` if a sender key or a receiver secret is malformed, or the sender uses one of the receiver's keys.
   * @throws {@link ChannelError} `INVALID_KEY` if `m` proposes HTLC terms and `secrets.htlcKey` is missing, malformed or one of the channel's other keys.
   * @throws {@link ChannelError} `INVALID_TIMELOCK` if the HTLC delay D is outside `policy.htlc`; `INVALID_AMOUNT` if its dust bound is above it or not an amount; `INVALID_ARGUMENT` if `policy.htlc` is malformed.
   */
  static accept(m: OpenChannel, secrets: ReceiverSecrets, policy: ReceiverPolicy = {}, chain?: ChainView): {
    /** The new receiver, in phase `accepted`. */
    receiver: Receiver;
    /** The accept_channel to send. */
    message: AcceptChannel;
  } {
    expectMessage(m, 'open_channel');
    checkSecretsObject(secrets);
    // The decoder checks all of these, but a message may come from memory; once per channel, so checked here too.
    if (!(m.tempChannelId instanceof Uint8Array) || m.tempChannelId.length !== 32) fail('INVALID_ARGUMENT', 'tempChannelId must be 32 bytes');
    checkAmount(m.capacity, 'capacity', 1n);
    checkRelayFeeRate(m.feeRate, 'channel fee rate');
    const variant = copyVariant(m.variant);
    if (!Number.isSafeInteger(m.margin) || m.margin < 0 || m.margin > 0xffff) fail('INVALID_ARGUMENT', 'margin must be in [0, 65535] blocks');
    asPublicKey(m.senderFundingKey, 'senderFundingKey');
    asPublicKey(m.senderPayoutKey, 'senderPayoutKey');
    if (policy === null || typeof policy !== 'object') fail('INVALID_ARGUMENT', 'policy must be an object');
    const fundingPolicy = fundingPolicyOf(policy);
    if (policy.minCapacity !== undefined && m.capacity < policy.minCapacity) fail('INVALID_AMOUNT', 'capacity below policy');
    if (policy.maxCapacity !== undefined && m.capacity > policy.maxCapacity) fail('INVALID_AMOUNT', 'capacity above policy');
    if (policy.minFeeRate !== undefined && m.feeRate < policy.minFeeRate) fail('FEE_RATE_REFUSED', 'fee rate below policy');
    if (policy.maxFeeRate !== undefined && m.feeRate > policy.maxFeeRate) fail('FEE_RATE_REFUSED', 'fee rate above policy');
    if (m.capacity < feeForWeight(PAYMENT_WEIGHT, m.feeRate) + DUST_P2WSH) fail('FEE_EXCEEDS_OUTPUT', 'capacity does not cover fees');
    if (variant.kind === 'csv' && variant.delay.blocks < (policy.minCsvDelay ?? 144)) fail('INVALID_TIMELOCK', 'CSV delay too short to watch');
    if (variant.kind === 'cltv') {
      if (m.margin < (policy.minMargin ?? 144)) fail('INVALID_TIMELOCK', 'margin too small');
      if (cltvCutoffReached(variant, m.margin, checkChainView(chain, 'a CLTV channel'))) fail('CHANNEL_EXPIRED', 'expiry is too close', undefined, { action: 'ignore' }); // refuses the open: no channel to close
    }
    const own = {
      receiverFundingKey: derivePublicKey(asPrivateKey(secrets.fundingKey, 'fundingKey')),
      receiverPayoutKey: derivePublicKey(asPrivateKey(secrets.payoutKey, 'payoutKey')),
      receiverRevocationKey: derivePublicKey(asPrivateKey(secrets.revocationKey, 'revocationKey')),
    };
    for (const k of Object.values(own)) {
      if (bytesEqual(k, m.senderFundingKey) || bytesEqual(k, m.senderPayoutKey)) fail('INVALID_KEY', 'sender uses one of our keys');
    }
    const htlc = m.htlc === undefined ? undefined : acceptHtlcTerms(m, secrets, policy.htlc ?? {}, [...Object.values(own), m.senderFundingKey, m.senderPayoutKey]);
    const terms: OpenTerms = {
      tempChannelId: m.tempChannelId, capacity: m.capacity, variant, margin: m.margin, feeRate: m.feeRate,
      senderFundingKey: m.senderFundingKey, senderPayoutKey: m.senderPayoutKey, ...own,
      ...(htlc ? { htlc: htlc.terms, receiverHtlcKey: htlc.key } : {}),
    };
    const state: ReceiverState = {
      phase: 'accepted', terms, fundingPolicy, fundingConfirmed: false, htlcs: [], ...(htlc ? { htlcPolicy: htlc.margins } : {}),
    };
    const receiver = new Receiver(state, new RevocationStore(), secrets);
    return { receiver, message: { type: 'accept_channel', tempChannelId: m.tempChannelId, ...own, ...(htlc ? { receiverHtlcKey: htlc.key } : {}) } };
  }

  // ---- views

  /** Where the receiver is in the channel's life. */
  get phase(): ReceiverPhase { return this.s.phase; }
  /** Final total received: only states whose predecessor is revoked count. */
  get amount(): bigint { return this.s.current?.amount ?? 0n; }
  /** The current state's number: the latest whose predecessor is revoked. */
  get index(): number { return this.s.current?.index ?? 0; }
  /** The receiver's total in the accepted offer awaiting its revoke, if any. */
  get pendingAmount(): bigint | undefined { return this.s.pending?.amount; }
  /** The funding was seen at the policy depth. */
  get fundingConfirmed(): boolean { return this.s.fundingConfirmed; }
  /** The confirmations the receiver's policy wants. */
  get fundingDepth(): number { return this.s.fundingPolicy.depth; }
  /** While the funding is not deep: the most the receiver's total may reach (zero-conf); undefined once deep or without zero-conf. */
  get zeroConfBudget(): bigint | undefined { return this.s.fundingConfirmed ? undefined : this.s.fundingPolicy.zeroConfBudget; }
  /** The sender's revealed secrets. */
  get revocationStore(): RevocationStore { return this.store; }

  /** The saved state, whose terms and funding outpoint ChannelParty reads. */
  protected get saved(): ReceiverState { return this.s; }

  // ---- opening

  /**
   * Sign the sender's refund (state 0). The sender broadcasts funding only after it has this.
   *
   * @param m - The sender's funding_created.
   * @returns The funding_signed to send.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `accepted`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel's temporary id.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if the funding txid or vout is malformed.
   * @throws {@link ChannelError} `INVALID_KEY` if `m.updateKey` is not a valid public key.
   */
  onFundingCreated(m: FundingCreated): FundingSigned {
    expectMessage(m, 'funding_created');
    this.expectPhase('accepted', m.type);
    if (!(m.tempChannelId instanceof Uint8Array) || !bytesEqual(m.tempChannelId, this.s.terms.tempChannelId)) fail('WRONG_CHANNEL', 'funding_created for another channel');
    if (!(m.fundingTxid instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'fundingTxid must be bytes');
    const funding = { txid: toHex(m.fundingTxid), vout: m.fundingVout };
    const ctx = verifyChannelParams(channelParamsOf(this.s.terms, funding));
    const signer = new PaymentSigner(ctx, 'receiver', this.secrets.fundingKey);
    const sig = signer.sign(signer.senderVersionHash(0n, 0n, m.updateKey));
    this.s = { ...this.s, phase: 'funded', funding, current: { index: 0, amount: 0n, updateKey: m.updateKey } };
    this.derived.funded(ctx, signer);
    return { type: 'funding_signed', channelId: this.channelId, sig };
  }

  /**
   * Open the channel on evidence the receiver's own node gave: the funding
   * transaction and its confirmations (see confirmFunding). It must be the
   * agreed transaction paying the capacity to the 2-of-2 (FUNDING_MISMATCH)
   * at the policy depth (FUNDING_NOT_CONFIRMED); with zero-conf, shallower
   * evidence opens the channel within the budget, and deep evidence later
   * lifts the budget; on an open channel it is checked again and changes
   * nothing else (a caller may ask after every block). Payments are refused before: until then the sender
   * could double-spend its funding inputs, or have named an output that
   * pays less or pays someone else.
   *
   * @param evidence - The raw funding transaction and its confirmations, from the receiver's own node.
   * @returns The confirmations and whether the policy depth is reached.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is not funded or open.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `evidence` is not `{tx, confirmations}` of the right kinds.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `evidence.tx` does not parse.
   * @throws {@link ChannelError} `FUNDING_MISMATCH` if it is not the agreed transaction paying the capacity to the 2-of-2 (`details.field`: txid, vout, value or script).
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if it is not deep enough and zero-conf is off.
   * @throws {@link ChannelError} `NON_SEGWIT_INPUT` if zero-conf evidence is unconfirmed with an input that has no witness.
   */
  markFundingConfirmed(evidence: FundingEvidence): FundingStatus {
    if (this.s.phase !== 'open') this.expectPhase('funded', 'markFundingConfirmed');
    const status = checkFundingEvidence(this.context, evidence, this.s.fundingPolicy, this.s.fundingConfirmed);
    if (this.s.phase === 'funded' || status.deep !== this.s.fundingConfirmed) this.s = { ...this.s, phase: 'open', fundingConfirmed: status.deep };
    return status;
  }

  // ---- payments

  /**
   * Check an offer and sign the sender's version of the new state. Nothing is final yet.
   * An offer with an HTLC change is applied to the receiver's own table, and
   * both versions are rebuilt from it: the sender's bytes are never signed.
   *
   * @param m - The sender's offer.
   * @param chain - The chain tip; required in a CLTV channel, and for an HTLC added or failed without the receiver's fail.
   * @returns The accept to send.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if the funding is not confirmed yet, or the new total is above the zero-conf budget.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if another offer is accepted and awaits its revoke (the same offer again is answered again).
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if `m.index` is not the next state.
   * @throws {@link ChannelError} `UPDATE_NOT_MONOTONIC` if the amount does not increase.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the amount exceeds what the sender has after fees.
   * @throws {@link ChannelError} `INVALID_KEY` if `m.updateKey` is not a valid point.
   * @throws {@link ChannelError} `UPDATE_KEY_REUSED` if `m.updateKey` is the current state's.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if a CLTV channel's offer comes without `chain`.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED` if a CLTV channel is past its payment cutoff.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if every output of the new state would be dust.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the receiver's version of the new state.
   * @throws {@link ChannelError} `HTLC_NOT_NEGOTIATED` if `m.change` changes an HTLC in a channel without HTLC terms; `MESSAGE_INVALID` if it is no change.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `m.amount` is not the receiver's total the change gives (an add or a fail leaves it, a settle adds the HTLC's amount), or an added HTLC's amount is not in [1, MAX_MONEY].
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if an added HTLC's id is not the next one; `INVALID_ARGUMENT` if its hash is not 32 bytes; `INVALID_TIMELOCK` if its expiry is not a block height.
   * @throws {@link ChannelError} `HTLC_EXPIRY_TOO_SOON` if an added HTLC expires less than the policy's delta above the tip; `HTLC_EXPIRY_PAST_CHANNEL` if, in a CLTV channel, its E + D + G passes the cutoff; `INVALID_ARGUMENT` if an add, or a fail the receiver did not send, comes without `chain`.
   * @throws {@link ChannelError} `HTLC_TOO_MANY`, `HTLC_DUST_EXPOSURE` or `AMOUNT_EXCEEDS_CAPACITY` if the new state with its HTLCs does not fit the channel.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if a settled or failed HTLC is not in flight; `HTLC_PREIMAGE_MISMATCH` if a settle's preimage does not open it.
   * @throws {@link ChannelError} `HTLC_NOT_EXPIRED` if a failed HTLC was not failed by the receiver and the tip is below its expiry.
   */
  onOffer(m: Offer, chain?: ChainView): Accept {
    expectMessage(m, 'offer');
    if (this.s.phase === 'funded') fail('FUNDING_NOT_CONFIRMED', 'funding is not confirmed yet');
    this.expectPhase('open', m.type);
    this.expectChannel(m.channelId);
    const cur = this.s.current!;
    if (this.s.pending) return this.acceptAgain(this.s.pending, m);
    if (m.index !== cur.index + 1) fail('UPDATE_INDEX_MISMATCH', `offer for state ${m.index}, expected ${cur.index + 1}`);
    const change = isPay(m.change) ? undefined : m.change as Exclude<OfferChange, { kind: 'pay' }>;
    let table = this.s.htlcs;
    if (change === undefined) {
      if (typeof m.amount !== 'bigint' || m.amount <= cur.amount) fail('UPDATE_NOT_MONOTONIC', 'amount must increase');
    } else {
      const next = this.applyChange(cur, change, chain);
      if (m.amount !== next.amount) fail('INVALID_AMOUNT', 'the amount is not the receiver\'s total the change gives', { expected: next.amount.toString() });
      table = next.table;
    }
    const ctx = this.context;
    const htlcs = stateHtlcs(table, m.index);
    checkStateFits(ctx, m.amount, htlcs);
    const budget = this.zeroConfBudget;
    // What the receiver stands to lose if the funding never confirms: its total and the HTLCs it would forward.
    const exposure = htlcs.length === 0 ? m.amount : m.amount + lockedTotal(htlcs);
    if (budget !== undefined && exposure > budget) {
      fail('FUNDING_NOT_CONFIRMED', 'the funding is not deep enough for a total above the zero-conf budget', { amount: exposure.toString(), budget: budget.toString() });
    }
    if (!(m.updateKey instanceof Uint8Array) || m.updateKey.length !== 33 || !ecc().isPoint(m.updateKey)) fail('INVALID_KEY', 'update key is not a valid point');
    if (bytesEqual(m.updateKey, cur.updateKey)) fail('UPDATE_KEY_REUSED', 'update key equals the current one');
    if (this.s.terms.variant.kind === 'cltv') {
      if (cltvCutoffReached(this.s.terms.variant, this.s.terms.margin, checkChainView(chain, 'a payment in a CLTV channel'))) fail('CHANNEL_EXPIRED', 'past the payment cutoff');
    }
    const signer = this.signer;
    // Our version rebuilt from our own state and the checked change; the sender's bytes are never signed.
    if (!signer.verifyCounterparty(receiverVersionHash(signer, m.index, m.amount, htlcs), m.sig)) {
      fail('INVALID_SIGNATURE', 'offer signature does not sign our version of the new state');
    }
    // m.updateKey passed the point check above; a second check would cost as much as a signature hash does.
    const updateKey = Uint8Array.from(m.updateKey) as PublicKey;
    const sig = signer.sign(senderVersionHash(signer, m.index, m.amount, updateKey, htlcs));
    this.s = { ...this.s, pending: { index: m.index, amount: m.amount, updateKey, senderSig: Uint8Array.from(m.sig) }, htlcs: table };
    return { type: 'accept', channelId: this.channelId, index: m.index, sig };
  }

  private applyChange(cur: SignedState, change: Exclude<OfferChange, { kind: 'pay' }>, chain: ChainView | undefined) {
    const t = this.s.terms;
    const margins = this.s.htlcPolicy;
    return applyHtlcChange({
      table: this.s.htlcs, index: cur.index, amount: cur.amount, ...(t.htlc ? { terms: t.htlc } : {}), ...(chain !== undefined ? { chain } : {}),
      checkExpiry: (expiry, c) => checkHtlcExpiry({
        expiry, delay: t.htlc!.delay, variant: t.variant, margin: t.margin, minExpiryDelta: margins!.minExpiryDelta, claimMargin: margins!.claimMargin,
      }, c),
    }, change);
  }

  /**
   * The accept of the offer in flight again, for a resend after a lost
   * message or a restart. It signs nothing new: the same state, the same
   * deterministic signature.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no accepted offer awaits its revoke.
   */
  pendingAccept(): Accept {
    const p = this.s.pending;
    if (!p) fail('UNEXPECTED_MESSAGE', 'no accepted offer awaits its revoke');
    return this.acceptOf(p);
  }

  /**
   * An offer while one is accepted: the same one again (its accept was lost)
   * is answered again; any other is refused. In particular the sender's
   * version of this state is never signed with a second update key, since a
   * version whose key is never revoked could be broadcast unpunished later.
   */
  private acceptAgain(p: SignedState, m: Offer): Accept {
    const same = m.index === p.index && m.amount === p.amount && m.updateKey instanceof Uint8Array && bytesEqual(m.updateKey, p.updateKey)
      && sameChange(changeAt(this.s.htlcs, p.index), m.change);
    if (!same) fail('PAYMENT_PENDING', `an offer for state ${p.index} is already accepted and awaits its revoke`);
    const signer = this.signer;
    if (!signer.verifyCounterparty(receiverVersionHash(signer, p.index, p.amount, stateHtlcs(this.s.htlcs, p.index)), m.sig)) {
      fail('INVALID_SIGNATURE', 'offer signature does not sign our version of the new state');
    }
    return this.acceptOf(p);
  }

  private acceptOf(p: SignedState): Accept {
    const signer = this.signer;
    const sig = signer.sign(senderVersionHash(signer, p.index, p.amount, p.updateKey, stateHtlcs(this.s.htlcs, p.index)));
    return { type: 'accept', channelId: this.channelId, index: p.index, sig };
  }

  /**
   * The sender revealed k_i: the pending payment is now final.
   *
   * @param m - The sender's revoke.
   * @returns The payment that became final.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no offer is accepted.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if `m.index` is not the current state's.
   * @throws {@link ChannelError} `REVOKED_SECRET_MISMATCH` if `m.secret` is not a valid key or not the secret of the current state's update key.
   * @throws {@link ChannelError} `SECRET_STORE_INCONSISTENT` if the secret does not derive the secrets revealed before it.
   */
  onRevoke(m: Revoke): PaymentReceived {
    expectMessage(m, 'revoke');
    this.expectPhase('open', m.type);
    this.expectChannel(m.channelId);
    const cur = this.s.current!;
    const pending = this.s.pending;
    if (!pending) fail('UNEXPECTED_MESSAGE', 'revoke without an accepted offer');
    if (m.index !== cur.index) fail('UPDATE_INDEX_MISMATCH', `revoke of state ${m.index}, expected ${cur.index}`);
    if (!(m.secret instanceof Uint8Array) || m.secret.length !== 32 || !ecc().isPrivate(m.secret)) fail('REVOKED_SECRET_MISMATCH', 'secret is not a valid key');
    // Checked to be a scalar just above: updateKeyOf does not check it again.
    if (!bytesEqual(updateKeyOf(m.secret as PrivateKey), cur.updateKey)) fail('REVOKED_SECRET_MISMATCH', 'secret does not match K_i');
    // The store refuses a secret inconsistent with earlier ones and is left unchanged when it does; it keeps a copy.
    this.store.insertUpdateSecret(BigInt(m.index), m.secret);
    this.s = { ...this.s, current: pending, pending: undefined };
    const change = changeAt(this.s.htlcs, pending.index);
    const paid = { index: pending.index, amount: pending.amount, increment: pending.amount - cur.amount };
    return change === undefined ? paid : { ...paid, htlc: { change: change.kind, record: copyRecord(this.s.htlcs[change.id]!) } };
  }

  // ---- HTLCs

  /**
   * Give the sender an HTLC's preimage, asking it to settle. Only for an
   * HTLC whose add is final (the sender revoked the state before it), so
   * the receiver can claim it on chain if the sender does not settle. A
   * repeat gives the same message again.
   *
   * @param id - The HTLC's id.
   * @param preimage - P, 32 bytes.
   * @returns The fulfill to send, once the receiver's state is saved.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no HTLC `id` is in flight.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if its add awaits the sender's revoke.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the receiver already failed it.
   * @throws {@link ChannelError} `HTLC_PREIMAGE_MISMATCH` if `preimage` does not hash to its hash.
   */
  fulfill(id: number, preimage: Uint8Array): Fulfill {
    const r = this.ownRecord(id, 'fulfill');
    if (r.outcome === 'failed') fail('UNEXPECTED_MESSAGE', `HTLC ${r.id} was failed`, { id: r.id });
    if (!opens(preimage, r.hash)) fail('HTLC_PREIMAGE_MISMATCH', `the preimage does not open HTLC ${r.id}`, { id: r.id });
    if (r.preimage === undefined) this.s = { ...this.s, htlcs: withRecord(this.s.htlcs, r.id, { preimage: Uint8Array.from(preimage), outcome: 'fulfilled' }) };
    return { type: 'fulfill', channelId: this.channelId, id: r.id, preimage: Uint8Array.from(preimage) };
  }

  /**
   * Keep a preimage learned elsewhere (downstream, or from a witness on
   * chain) in every HTLC of its hash, in any phase: once the channel is
   * closing or closed no `fulfill` can go to the sender, but the watcher
   * still claims on chain with what the table holds. Sends nothing.
   *
   * @param preimage - P, 32 bytes.
   * @returns The ids of the HTLCs it opens that did not hold it yet.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `preimage` is not 32 bytes.
   */
  learnPreimage(preimage: Uint8Array): number[] {
    if (!(preimage instanceof Uint8Array) || preimage.length !== 32) fail('INVALID_ARGUMENT', 'a preimage is 32 bytes');
    const ids = this.s.htlcs.filter((r) => r.preimage === undefined && opens(preimage, r.hash)).map((r) => r.id);
    let htlcs = this.s.htlcs;
    for (const id of ids) htlcs = withRecord(htlcs, id, { preimage: Uint8Array.from(preimage) });
    if (ids.length > 0) this.s = { ...this.s, htlcs };
    return ids;
  }

  /**
   * Give up an HTLC: the sender may then fail it before its expiry. Only
   * for an HTLC whose add is final and whose preimage the receiver has not
   * given. A repeat gives the message again.
   *
   * @param id - The HTLC's id.
   * @param reason - Why, one of {@link HTLC_FAIL_REASONS}.
   * @returns The fail to send, once the receiver's state is saved.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `reason` is not one of HTLC_FAIL_REASONS.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no HTLC `id` is in flight.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if its add awaits the sender's revoke.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the receiver already gave its preimage.
   */
  fail(id: number, reason: HtlcFailReason): Fail {
    if (!(HTLC_FAIL_REASONS as readonly unknown[]).includes(reason)) fail('INVALID_ARGUMENT', `reason must be one of ${HTLC_FAIL_REASONS.join(', ')}`);
    const r = this.ownRecord(id, 'fail');
    if (r.outcome === 'fulfilled') fail('UNEXPECTED_MESSAGE', `HTLC ${r.id}: its preimage was given`, { id: r.id });
    if (r.outcome === undefined) this.s = { ...this.s, htlcs: withRecord(this.s.htlcs, r.id, { outcome: 'failed' }) };
    return { type: 'fail', channelId: this.channelId, id: r.id, reason };
  }

  /** An HTLC of the current state, its add final, not on its way out. */
  private ownRecord(id: number, what: string): HtlcRecord {
    this.expectPhase('open', what);
    const cur = this.s.current!;
    const r = recordOf(this.s.htlcs, id);
    if (r.removedAt !== undefined) fail('HTLC_UNKNOWN', `HTLC ${r.id} is settled or failed`, { id: r.id });
    if (r.addedAt > cur.index) fail('PAYMENT_PENDING', `HTLC ${r.id}: its add awaits the sender's revoke`, { id: r.id });
    return r;
  }


  /** The HTLCs of the current state, irrevocably committed (copies): those a forwarder may pass on. */
  get htlcs(): HtlcRecord[] {
    return this.s.current ? htlcsAt(this.s.htlcs, this.s.current.index).map(copyRecord) : [];
  }


  /**
   * R4: the height by which the receiver goes on chain for an HTLC it holds
   * the preimage of and the sender has not settled, `E - D - G`: its own
   * version's success waits D blocks, and must confirm before the sender's
   * timeout opens at E.
   *
   * @param id - The HTLC's id.
   * @returns The height.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no HTLC has `id`.
   */
  htlcClaimDeadline(id: number): number {
    const r = recordOf(this.s.htlcs, id);
    return r.expiry - this.s.terms.htlc!.delay - this.s.htlcPolicy!.claimMargin;
  }

  // ---- closing

  /**
   * Propose a cooperative close of the final amount; again at another rate while no close is signed.
   *
   * @param feeRate - The close's fee rate, sat/kw, paid from the sender's side.
   * @returns The close_offer to send.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if a close is complete or the channel closed, `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an accepted offer awaits its revoke, or the current state carries HTLCs (`details.htlcs`).
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE}.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
   */
  proposeClose(feeRate: FeeRate): CloseOffer {
    const { close, message } = proposeClose(this.closing, feeRate);
    this.s = { ...this.s, phase: 'closing', close };
    return message;
  }

  /**
   * The sender's signature on our close proposal: the close is complete.
   *
   * @param m - The sender's close_signed.
   * @returns The signed close, to broadcast.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if no proposal is outstanding.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the proposed close.
   */
  onCloseSigned(m: CloseSigned): Transaction {
    expectMessage(m, 'close_signed');
    this.expectChannel(m.channelId);
    const { close, tx } = completeClose(this.closing, m);
    this.s = { ...this.s, phase: 'closed', close };
    return tx;
  }

  /**
   * The sender proposes to close. Its fee comes from the sender's side, so any
   * rate from the relay floor up that the tx can carry is fine. It wins over a
   * proposal of ours; a repeat of the close already signed is answered again.
   *
   * @param m - The sender's close_offer.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel closed another way, `UNEXPECTED_MESSAGE` if it is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an accepted offer awaits its revoke, or the current state carries HTLCs (`details.htlcs`).
   * @throws {@link ChannelError} `UPDATE_NOT_MONOTONIC` if the close's amount is not the last final amount.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `m.feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `m.feeRate` is below {@link MIN_FEE_RATE}.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the close.
   */
  onCloseOffer(m: CloseOffer): {
    /** The close_signed to send. */
    message: CloseSigned;
    /** The signed close, to broadcast. */
    tx: Transaction;
  } {
    expectMessage(m, 'close_offer');
    this.expectChannel(m.channelId);
    const { close, message, tx } = answerClose(this.closing, m, { mayAnswerOwn: true, maxFeeRate: MAX_FEE_RATE });
    if (close) this.s = { ...this.s, phase: 'closed', close };
    return { message, tx };
  }

  private get closing(): ClosingParty {
    return {
      phase: this.s.phase, close: this.s.close, paymentPending: this.s.pending !== undefined, htlcsInFlight: stateHtlcs(this.s.htlcs, this.index).length,
      amount: this.amount, signer: this.signer, channelId: this.channelId,
    };
  }

  /** The chain settled the channel some other way (a unilateral close seen by a watcher). */
  markClosed(): void {
    const p = this.s.pending;
    // The sender may still broadcast its version of the offer we accepted; in a channel with HTLCs we must claim its HTLC outputs, which name its key.
    const released = p !== undefined && this.s.terms.htlc !== undefined ? { released: { index: p.index, updateKey: p.updateKey } } : {};
    this.s = { ...this.s, phase: 'closed', pending: undefined, ...released };
  }

  // ---- what the receiver can broadcast

  /**
   * Our best version: the pending state if the sender has signed one (it pays
   * us more), else the latest final one. Undefined while we are owed nothing.
   */
  latestTransaction(): Transaction | undefined {
    const st = this.s.pending ?? this.s.current;
    if (!st?.senderSig) return undefined;
    const htlcs = stateHtlcs(this.s.htlcs, st.index);
    if (htlcs.length === 0) return this.signer.completeReceiverVersion(BigInt(st.index), st.amount, st.senderSig);
    return this.signer.completeVersion(BigInt(st.index), { version: 'receiver', amount: st.amount, htlcs: htlcs.map(htlcOf) }, st.senderSig);
  }

  /** The signed cooperative close, once both signatures are held. */
  closeTransaction(): Transaction | undefined {
    const tx = this.s.close?.tx;
    return tx ? Transaction.fromBuffer(tx) : undefined;
  }

  /**
   * A child spending the receiver's own output of an unconfirmed spend of the
   * funding output (a close, our version), so that the pair reaches
   * `packageFeeRate`: the way to hurry a close signed at an older, lower rate.
   *
   * @param p - The parent, the package rate to reach and the child's destination.
   * @returns The signed child.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if the parent does not parse or does not spend the funding output alone.
   * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if the parent pays the receiver nothing.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if the parent pays no fee.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the child's fee leaves a dust output.
   */
  childPaysForParent(p: ChildPaysForParent): Transaction {
    return childPaysForParent(this.context, p, this.context.params.receiverPayoutKey, this.secrets.payoutKey);
  }

  /**
   * The index a spend of the funding output encodes, if it is a payment transaction of this channel.
   *
   * @param tx - A spend of the funding output.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   */
  indexOf(tx: Transaction): bigint | undefined {
    if (!(tx instanceof Transaction)) fail('INVALID_TRANSACTION', 'indexOf needs a Transaction');
    return decodeObscuredIndex(tx.locktime, tx.ins[0]?.sequence ?? 0, this.context.obscuringFactor);
  }

  /**
   * The old name of {@link Receiver.indexOf}.
   *
   * @deprecated Use {@link Receiver.indexOf}.
   * @param tx - A spend of the funding output.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   */
  stateOf(tx: Transaction): bigint | undefined {
    return this.indexOf(tx);
  }

  /**
   * True if state `index` has been revoked (its secret is in our store).
   *
   * @param index - The state's index.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not an integer.
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not in [0, 2^48-1].
   */
  isRevoked(index: number): boolean {
    // BigInt throws a RangeError for a fraction; the store checks the range.
    if (!Number.isSafeInteger(index)) fail('INVALID_ARGUMENT', 'index must be an integer');
    return this.store.getUpdateSecret(BigInt(index)) !== undefined;
  }

  /**
   * K_i of a state the receiver knows: a revoked one (from its revealed
   * secret), the current one or the one in flight (from the sender's offer).
   *
   * @param index - The state's index.
   * @returns K_i, or undefined for a state the receiver has not seen.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not an integer.
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not in [0, 2^48-1].
   */
  updateKeyAt(index: number): PublicKey | undefined {
    if (!Number.isSafeInteger(index)) fail('INVALID_ARGUMENT', 'index must be an integer');
    for (const st of [this.s.current, this.s.pending, this.s.released]) if (st !== undefined && st.index === index) return st.updateKey;
    const secret = this.store.getUpdateSecret(BigInt(index));
    return secret === undefined ? undefined : updateKeyOf(secret as PrivateKey);
  }

  /**
   * Penalty claim against a revoked sender's version, from the broadcast transaction alone.
   *
   * @param revokedTx - The sender's version seen on chain, serialized.
   * @param destinationScript - Where the claim pays.
   * @param feeRate - The claim's fee rate, sat/kw.
   * @param opts - Whether to sweep the receiver's own output of that version too (by default it does), and outputs someone else took (left out). Every HTLC output of the revoked state is swept too.
   * @returns The signed claim, to broadcast.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `revokedTx` does not parse or does not spend the funding output alone.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if it is not a payment transaction of this channel, its state is not revoked, or it has no revocable output (the receiver's version).
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `leaveOut` is not a list of output indexes.
   */
  penaltyTx(revokedTx: Uint8Array, destinationScript: Uint8Array, feeRate: FeeRate, opts: {
    /** Also spend the receiver's own output of the revoked version (default true). */
    sweepReceiverOutput?: boolean;
    /** Outputs of the revoked version not to spend: someone else's confirmed spend took them. */
    leaveOut?: readonly number[];
  } = {}): Transaction {
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(revokedTx);
    } catch {
      return fail('INVALID_TRANSACTION', 'cannot parse transaction');
    }
    const index = this.indexOf(tx);
    if (index === undefined) fail('NOTHING_TO_CLAIM', 'not a payment transaction of this channel');
    const secret = this.store.getUpdateSecret(index);
    if (secret === undefined) fail('NOTHING_TO_CLAIM', `state ${index} is not revoked`);
    const updateKey = derivePublicKey(secret as PrivateKey);
    // The revoked state's HTLC outputs go too: the table gives them for any index.
    const htlcs = index <= BigInt(Number.MAX_SAFE_INTEGER) ? htlcsAt(this.s.htlcs, Number(index)) : [];
    const p: PenaltyParams = {
      channel: this.context.params, revokedTx, updateKey, destinationScript, feeRate, ...(opts.sweepReceiverOutput === false ? { sweepReceiverOutput: false } : {}),
      ...(htlcs.length > 0 ? { htlcs: htlcs.map(htlcOf) } : {}), ...(opts.leaveOut !== undefined ? { leaveOut: opts.leaveOut } : {}),
    };
    return signPenaltyTx(p, { updateSecret: secret as PrivateKey, revocationKey: this.secrets.revocationKey, receiverPayoutKey: this.secrets.payoutKey });
  }

  /**
   * The success claim of an HTLC output of a published payment version (the
   * sender's, or the receiver's own once D blocks have passed), signed with
   * the receiver's HTLC key; the output is found by its recomputed script.
   *
   * @param p - The version and its transaction, K_i for the sender's version, the HTLC and its preimage, the destination and the fee rate.
   * @returns The signed claim.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `INVALID_KEY` if the receiver was given no HTLC key, or it is not the channel's.
   * @throws {@link ChannelError} `HTLC_PREIMAGE_MISMATCH` if `preimage` does not hash to the HTLC's hash.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE`, `FEE_EXCEEDS_OUTPUT`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM` or `INVALID_SCRIPT` as {@link signHtlcSuccessTx}.
   */
  htlcSuccessTx(p: Omit<HtlcClaimParams, 'channel'> & {
    /** P, with SHA256(P) the HTLC's hash. */
    readonly preimage: Uint8Array;
  }): Transaction {
    if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'htlcSuccessTx takes {version, versionTx, htlc, preimage, destinationScript, feeRate}');
    const receiverHtlcKey = this.secrets.htlcKey ?? fail('INVALID_KEY', 'the receiver holds no HTLC key (ReceiverSecrets.htlcKey)');
    const { preimage, ...claim } = p;
    return signHtlcSuccessTx({ ...claim, channel: this.context.params }, { preimage, receiverHtlcKey });
  }

  // ---- saving and restoring

  /** The receiver's state and revocation store as JSON (no private key), for {@link Receiver.restore}. */
  toJSON(): Json {
    return receiverStateToJson(this.s, this.store);
  }

  /**
   * A receiver from its saved state. Damage is STATE_INVALID (details.field
   * names what re-deriving found wrong when it is not the shape); secrets of
   * another channel are INVALID_KEY.
   *
   * @param json - What {@link Receiver.toJSON} gave, parsed.
   * @param secrets - The receiver's keys.
   * @throws {@link ChannelError} `STATE_INVALID` if `json` is damaged: malformed, its parts disagree, a signature does not verify, or the revealed secrets are not those of exactly the states below the current one.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secrets` is not an object.
   * @throws {@link ChannelError} `INVALID_KEY` if a secret key is malformed or not this channel's.
   *
   * @example
   * ```ts
   * const receiver = Receiver.restore(await store.load('channel-1'), receiverSecrets);
   * ```
   */
  static restore(json: unknown, secrets: ReceiverSecrets): Receiver {
    const { state, store } = readReceiverState(json);
    checkSecretsObject(secrets);
    const r = new Receiver(state, store, secrets);
    const t = state.terms;
    // Every key the receiver signs or claims with: a wrong one would surface only when a penalty is due.
    const own: [PrivateKey, PublicKey | undefined][] = [
      [secrets.fundingKey, t.receiverFundingKey], [secrets.payoutKey, t.receiverPayoutKey], [secrets.revocationKey, t.receiverRevocationKey],
    ];
    if (t.htlc) own.push([secrets.htlcKey ?? fail('INVALID_KEY', 'a channel with HTLC terms needs secrets.htlcKey'), t.receiverHtlcKey]);
    for (const [priv, pub] of own) {
      if (!pub || !bytesEqual(derivePublicKey(asPrivateKey(priv, 'secret key')), pub)) fail('INVALID_KEY', 'secrets do not belong to this channel');
    }
    if (state.funding) {
      savedField('terms', () => r.context);
      verifyReceiverState(state, store, r.signer);
    } else if (store.size() !== 0) {
      fieldError('revocations', 'secrets before funding');
    }
    return r;
  }
}
