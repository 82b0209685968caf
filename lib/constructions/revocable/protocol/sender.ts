/**
 * The sender's side of a channel. Every handler checks the whole message
 * against its own state first and changes nothing until all checks pass; the
 * state is then replaced in one assignment. The sender reveals k_i only from
 * onAccept, that is, only once it holds the receiver's valid signature on its
 * version of state i+1. Save the state (toJSON) before sending that revoke.
 */
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { SecretSchedule, deriveUpdateSecret, updateKeyOf } from '../../../keys/shachain';
import { verifyChannelParams } from '../params';
import { FundingParams, FundingPlan, fundingOutpoint, planFunding } from '../../../tx/funding';
import { createFundingPsbt } from '../../../psbt/from-plan';
import { bytesEqual, fromHex } from '../../../core/hash';
import { senderBalance } from '../tx/payment';
import { decodeObscuredIndex } from '../tx/state-number';
import { TimeoutParams, signTimeoutTx } from '../tx/timeout';
import { HtlcClaimParams, signHtlcTimeoutTx } from '../tx/htlc-claims';
import {
  FeeRate, PrivateKey, PublicKey, Variant, asPrivateKey, asPublicKey, checkAmount, checkRelayFeeRate, derivePublicKey,
} from '../../../core/types';
import {
  Accept, AcceptChannel, CloseOffer, CloseSigned, Fail, Fulfill, FundingCreated, FundingSigned, HtlcOpenTerms, MAX_HTLC_DELAY, Offer, OfferChange,
  OpenChannel, Revoke,
} from './messages';
import { ChildPaysForParent, childPaysForParent } from './cpfp';
import { ChainView, DEFAULT_MARGIN, copyVariant, expectMessage, savedField } from '../../../protocol/party';
import { OpenTerms, channelParamsOf } from './terms';
import { SenderPhase, SenderState, readSenderState, senderStateToJson, verifySenderState } from './sender-state';
import { ClosingParty, answerClose, checkCloseFeeBound, completeClose, proposeClose } from './close-flow';
import { ChannelParty } from './channel-party';
import { Json } from '../../../protocol/wire';
import { HtlcRecord, changeAt, copyRecord, htlcOf, htlcsAt, opens, recordOf, stateHtlcs, withRecord } from './htlc-table';
import { applyHtlcChange, checkFailReason, checkMayFail, liveRecord } from './htlc-changes';
import {
  DEFAULT_HTLC_DEAD_MARGIN, checkHtlcExpiry, checkStateFits, htlcDeadHeight, receiverVersionHash, senderVersionHash,
} from './htlc-rules';
import { paymentVersionOutputs } from '../tx/htlc-version';

export { SenderPhase };

/** The sender's long-lived secrets: never part of its saved state, handed in at open and at every restore. */
export interface SenderSecrets {
  /** The private key of the sender's funding key in the 2-of-2. */
  readonly fundingKey: PrivateKey;
  /** The private key of the sender's payout key: its close output and the revocable output's timeout branch. */
  readonly payoutKey: PrivateKey;
  /** Per-channel shachain seed (see deriveChannelSeed). */
  readonly updateSeed: Uint8Array;
}

/** What the sender proposes in open_channel. */
export interface SenderOpenOptions {
  /** The funding output's value in satoshis. */
  readonly capacity: bigint;
  /** The timeout of the sender's revocable output: a CLTV expiry or a CSV delay. */
  readonly variant: Variant;
  /** The payment transactions' fee rate, sat/kw; at least {@link MIN_FEE_RATE}. */
  readonly feeRate: FeeRate;
  /** CLTV: blocks before expiry at which the receiver stops taking payments, in [0, 65535] ({@link DEFAULT_MARGIN} by default). */
  readonly margin?: number;
  /** HTLC terms to propose: D and the dust bound. Without them the channel carries no HTLCs. */
  readonly htlc?: HtlcOpenTerms;
  /** The sender's keys and update seed. */
  readonly secrets: SenderSecrets;
}

/** An HTLC the sender offers: its amount, hash and expiry height. */
export interface NewHtlc {
  /** The satoshis it locks, from the sender's balance. */
  readonly amount: bigint;
  /** H = SHA256(P), 32 bytes. */
  readonly hash: Uint8Array;
  /** E, a block height. */
  readonly expiry: number;
}

function copyHtlcTerms(h: HtlcOpenTerms): HtlcOpenTerms {
  if (h === null || typeof h !== 'object') fail('INVALID_ARGUMENT', 'htlc terms must be {delay, maxDustExposure}');
  if (!Number.isSafeInteger(h.delay) || h.delay < 1 || h.delay > MAX_HTLC_DELAY) fail('INVALID_TIMELOCK', `the HTLC delay D must be in [1, ${MAX_HTLC_DELAY}] blocks`);
  checkAmount(h.maxDustExposure, 'maxDustExposure');
  return { delay: h.delay, maxDustExposure: h.maxDustExposure };
}

function checkSecretsObject(secrets: SenderSecrets): void {
  if (secrets === null || typeof secrets !== 'object') fail('INVALID_ARGUMENT', 'secrets must be {fundingKey, payoutKey, updateSeed}');
}

/**
 * The sender's side of a channel: it opens and funds the channel, pays by
 * offers, revokes old states once the receiver has signed the new one, and
 * closes. Each handler takes the receiver's message, checks all of it, and
 * either throws a {@link ChannelError} leaving the sender as it was, or moves
 * to the next state and returns what to send. Save {@link Sender.toJSON}
 * before sending what a handler returned.
 *
 * @example
 * ```ts
 * const { sender, message: open } = Sender.open({
 *   capacity: 1_000_000n, variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n, secrets: senderSecrets,
 * });
 * // send open, receive accept_channel
 * sender.onAcceptChannel(decodeMessageOf(acceptJson, 'accept_channel'));
 * const { psbt, message: created } = sender.createFunding({ inputs: [coin], changeScript: wallet, feeRate: 1000n });
 * sender.onFundingSigned(decodeMessageOf(signedJson, 'funding_signed'));
 * // the wallet signs psbt; broadcast the funding transaction
 * const offer = sender.pay(1_000n);
 * const revoke = sender.onAccept(decodeMessageOf(acceptJson2, 'accept'));
 * await store.save('channel-1', sender.toJSON()); // then send revoke
 * ```
 */
export class Sender extends ChannelParty {
  private s: SenderState;
  private readonly secrets: SenderSecrets;
  private readonly schedule: SecretSchedule;
  private readonly keyMemo: { index: number; secret: PrivateKey; key: PublicKey }[] = [];

  private constructor(s: SenderState, secrets: SenderSecrets) {
    asPrivateKey(secrets.fundingKey, 'fundingKey');
    asPrivateKey(secrets.payoutKey, 'payoutKey');
    if (!(secrets.updateSeed instanceof Uint8Array) || secrets.updateSeed.length !== 32) fail('INVALID_ARGUMENT', 'updateSeed must be 32 bytes');
    super('sender', secrets.fundingKey);
    this.s = s;
    this.secrets = secrets;
    this.schedule = new SecretSchedule(secrets.updateSeed);
  }

  /**
   * Start a channel: the returned open_channel goes to the receiver.
   *
   * @param o - Capacity, variant, payment fee rate, CLTV margin and the sender's secrets.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `o` or `o.secrets` is not an object, `margin` is not in [0, 65535], or `updateSeed` is not 32 bytes.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` is not in [1, MAX_MONEY].
   * @throws {@link ChannelError} `INVALID_TIMELOCK` if `variant` is malformed or its lock out of range.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE}.
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` or `payoutKey` is not a valid private key.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `htlc` is not an object; `INVALID_TIMELOCK` if its delay is not in [1, 65535]; `INVALID_AMOUNT` if its dust bound is not an amount.
   */
  static open(o: SenderOpenOptions): {
    /** The new sender, in phase `opening`. */
    sender: Sender;
    /** The open_channel to send. */
    message: OpenChannel;
  } {
    if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', 'open options must be {capacity, variant, feeRate, margin?, secrets}');
    checkSecretsObject(o.secrets);
    checkAmount(o.capacity, 'capacity', 1n);
    const variant = copyVariant(o.variant);
    checkRelayFeeRate(o.feeRate, 'channel fee rate');
    const margin = o.margin ?? DEFAULT_MARGIN;
    if (!Number.isSafeInteger(margin) || margin < 0 || margin > 0xffff) fail('INVALID_ARGUMENT', 'margin must be in [0, 65535] blocks');
    const htlc = o.htlc === undefined ? undefined : copyHtlcTerms(o.htlc);
    const fundingKey = derivePublicKey(asPrivateKey(o.secrets.fundingKey, 'fundingKey'));
    const payoutKey = derivePublicKey(asPrivateKey(o.secrets.payoutKey, 'payoutKey'));
    // A temporary id that needs no randomness: unique because the seed is unique per channel.
    const tempChannelId = sha256.create().update(utf8ToBytes('revchan/temp-channel-id')).update(derivePublicKey(deriveUpdateSecret(o.secrets.updateSeed, 0n))).digest();
    const terms: OpenTerms = {
      tempChannelId: Uint8Array.from(tempChannelId), capacity: o.capacity, variant, margin, feeRate: o.feeRate,
      senderFundingKey: fundingKey, senderPayoutKey: payoutKey, ...(htlc ? { htlc } : {}),
    };
    const sender = new Sender({ phase: 'opening', terms, index: 0, amount: 0n, htlcs: [] }, o.secrets);
    const message: OpenChannel = {
      type: 'open_channel', tempChannelId: terms.tempChannelId, capacity: o.capacity, variant, margin,
      feeRate: o.feeRate, senderFundingKey: fundingKey, senderPayoutKey: payoutKey, ...(htlc ? { htlc: { ...htlc } } : {}),
    };
    return { sender, message };
  }

  // ---- views

  /** Where the sender is in the channel's life. */
  get phase(): SenderPhase { return this.s.phase; }
  /** Receiver's total in the latest agreed state. */
  get amount(): bigint { return this.s.amount; }
  /** The latest agreed state's number. */
  get index(): number { return this.s.index; }
  /** The payment offered and not yet accepted, if any. */
  get pending(): {
    /** The offered state's number. */
    index: number;
    /** The receiver's total in it. */
    amount: bigint;
  } | undefined { return this.s.pending; }
  /** The saved state, whose terms and funding outpoint ChannelParty reads. */
  protected get saved(): SenderState { return this.s; }

  /**
   * K_index. The two most recent are kept: each payment needs K_{i+1} twice (offer, accept).
   *
   * @param index - The state's index.
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a non-negative integer below 2^48.
   */
  updateKey(index: number): PublicKey {
    return this.updateSecretAndKey(index).key;
  }

  /**
   * k_index and K_index, for the two most recent indices asked for. A payment
   * derives k_{i+1} for K_{i+1} in its offer and reveals k_i in its revoke:
   * k_i is the secret the previous payment derived, so it comes from here.
   */
  private updateSecretAndKey(index: number): { secret: PrivateKey; key: PublicKey } {
    if (!Number.isSafeInteger(index) || index < 0) fail('SECRET_INDEX_OUT_OF_RANGE', 'index must be a non-negative integer');
    const memo = this.keyMemo;
    const hit = memo.find((e) => e.index === index);
    if (hit) return hit;
    const secret = this.schedule.deriveUpdateSecret(BigInt(index));
    // deriveUpdateSecret has checked the scalar: no second check per payment.
    const entry = { index, secret, key: updateKeyOf(secret) };
    memo.unshift(entry);
    memo.length = Math.min(memo.length, 2);
    return entry;
  }

  // ---- opening

  /**
   * The receiver's keys: the channel's terms are complete.
   *
   * @param m - The receiver's accept_channel.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `opening`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `INVALID_KEY` if a receiver key is not a valid public key, reuses one of the sender's keys, or the revocation key equals the sender's payout key; or if R_h is missing though HTLC terms were proposed, present though none were, or equal to another of the channel's keys.
   */
  onAcceptChannel(m: AcceptChannel): void {
    expectMessage(m, 'accept_channel');
    this.expectPhase('opening', m.type);
    if (!(m.tempChannelId instanceof Uint8Array) || !bytesEqual(m.tempChannelId, this.s.terms.tempChannelId)) fail('WRONG_CHANNEL', 'accept_channel for another channel');
    const t = this.s.terms;
    // The decoder checks these points, but a message may come from memory; once per channel, so checked here too.
    for (const [k, what] of [[m.receiverFundingKey, 'receiverFundingKey'], [m.receiverPayoutKey, 'receiverPayoutKey'], [m.receiverRevocationKey, 'receiverRevocationKey']] as const) {
      asPublicKey(k, what);
    }
    for (const k of [m.receiverFundingKey, m.receiverPayoutKey, m.receiverRevocationKey]) {
      if ([t.senderFundingKey, t.senderPayoutKey].some((own) => bytesEqual(own, k))) fail('INVALID_KEY', 'receiver reused one of the sender\'s keys');
    }
    if (bytesEqual(m.receiverRevocationKey, t.senderPayoutKey)) fail('INVALID_KEY', 'revocation key equals the sender payout key');
    const rh = m.receiverHtlcKey;
    if (t.htlc === undefined && rh !== undefined) fail('INVALID_KEY', 'an HTLC key for a channel without HTLC terms');
    if (t.htlc !== undefined) {
      if (rh === undefined) fail('INVALID_KEY', 'accept_channel without the receiver\'s HTLC key R_h, though HTLC terms were proposed');
      asPublicKey(rh, 'receiverHtlcKey');
      const others = [t.senderFundingKey, t.senderPayoutKey, m.receiverFundingKey, m.receiverPayoutKey, m.receiverRevocationKey];
      if (others.some((k) => bytesEqual(k, rh))) fail('INVALID_KEY', 'the receiver\'s HTLC key must differ from the channel\'s other keys');
    }
    this.s = {
      ...this.s, phase: 'accepted',
      terms: {
        ...t, receiverFundingKey: m.receiverFundingKey, receiverPayoutKey: m.receiverPayoutKey, receiverRevocationKey: m.receiverRevocationKey,
        ...(rh !== undefined ? { receiverHtlcKey: Uint8Array.from(rh) as PublicKey } : {}),
      },
    };
  }

  /**
   * Build the funding transaction from the sender's wallet coins. It must not be
   * broadcast before onFundingSigned has accepted the receiver's signature on state 0.
   *
   * @param f - The wallet's coins, the change script and the funding fee rate (the rest comes from the channel's terms).
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `accepted`.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION` or `INSUFFICIENT_FUNDS` if {@link planFunding} refuses the coins, change script or fee rate.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the capacity does not cover the payment fee plus a non-dust refund.
   */
  createFunding(f: Omit<FundingParams, 'capacity' | 'senderFundingKey' | 'receiverFundingKey'>): {
    /** The funding transaction, its fee and change. */
    plan: FundingPlan;
    /** The funding transaction as a PSBT, for the wallet to sign. */
    psbt: Psbt;
    /** The funding_created to send. */
    message: FundingCreated;
  } {
    this.expectPhase('accepted', 'createFunding');
    const t = this.s.terms;
    const params: FundingParams = { ...f, capacity: t.capacity, senderFundingKey: t.senderFundingKey, receiverFundingKey: t.receiverFundingKey! };
    const plan = planFunding(params);
    // The wallet signs this PSBT; it is built from the same parameters, so its txid is the one funding_created names.
    const psbt = createFundingPsbt(params);
    const message = this.fundingCreatedFor(fundingOutpoint(plan.tx));
    return { plan, psbt, message };
  }

  /**
   * For a funding transaction built elsewhere: its outpoint must pay the capacity to the 2-of-2, all inputs segwit.
   *
   * @param outpoint - The funding output.
   * @returns The funding_created to send.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `accepted`.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `outpoint` is missing or its txid or vout malformed.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the capacity does not cover the payment fee plus a non-dust refund.
   */
  fundingCreated(outpoint: { txid: string; vout: number }): FundingCreated {
    this.expectPhase('accepted', 'fundingCreated');
    return this.fundingCreatedFor(outpoint);
  }

  private fundingCreatedFor(outpoint: { txid: string; vout: number }): FundingCreated {
    const terms = this.s.terms;
    // Checks capacity against fees and every key before committing.
    const ctx = verifyChannelParams(channelParamsOf(terms, outpoint));
    this.s = { ...this.s, phase: 'funding_created', funding: outpoint };
    this.derived.funded(ctx);
    return { type: 'funding_created', tempChannelId: terms.tempChannelId, fundingTxid: fromHex(outpoint.txid), fundingVout: outpoint.vout, updateKey: this.updateKey(0) };
  }

  /**
   * The receiver's signature on state 0, our refund. After this the funding transaction may be broadcast.
   *
   * @param m - The receiver's funding_signed.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `funding_created`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the sender's version of state 0.
   */
  onFundingSigned(m: FundingSigned): void {
    expectMessage(m, 'funding_signed');
    this.expectPhase('funding_created', m.type);
    this.expectChannel(m.channelId);
    const hash = this.signer.senderVersionHash(0n, 0n, this.updateKey(0));
    if (!this.signer.verifyCounterparty(hash, m.sig)) fail('INVALID_SIGNATURE', 'funding_signed does not sign our refund');
    this.s = { ...this.s, phase: 'open', receiverSig: Uint8Array.from(m.sig) };
  }

  // ---- payments

  /**
   * Offer to pay `increment` more. The receiver's version of the new state is signed here.
   *
   * @param increment - Satoshis to add to the receiver's total, more than 0.
   * @returns The offer to send.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an offer is already in flight.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `increment` is not a positive bigint.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the new total, the HTLCs in flight and the payment fee exceed the capacity.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if every output of the new state would be dust.
   */
  pay(increment: bigint): Offer {
    this.expectPhase('open', 'pay');
    if (this.s.pending) fail('PAYMENT_PENDING', 'a payment is already in flight');
    if (typeof increment !== 'bigint' || increment <= 0n) fail('INVALID_AMOUNT', 'increment must be a positive bigint');
    const amount = this.s.amount + increment;
    if (amount > this.s.terms.capacity) fail('AMOUNT_EXCEEDS_CAPACITY', 'payment exceeds the channel');
    return this.offerState({ table: this.s.htlcs, amount });
  }

  /**
   * Sign the receiver's version of the next state and put it in flight: the
   * one way every change leaves the sender, after the one capacity rule.
   */
  private offerState(next: { table: readonly HtlcRecord[]; amount: bigint }, change?: Exclude<OfferChange, { kind: 'pay' }>): Offer {
    const index = this.s.index + 1;
    const htlcs = stateHtlcs(next.table, index);
    checkStateFits(this.context, next.amount, htlcs);
    const sig = this.signer.sign(receiverVersionHash(this.signer, index, next.amount, htlcs));
    this.s = { ...this.s, pending: { index, amount: next.amount }, htlcs: next.table };
    return this.offerOf(index, next.amount, sig, change);
  }

  private offerOf(index: number, amount: bigint, sig: Uint8Array, change: OfferChange | undefined): Offer {
    return { type: 'offer', channelId: this.channelId, index, amount, updateKey: this.updateKey(index), sig, ...(change ? { change } : {}) };
  }

  /**
   * The offer in flight again (identical bytes: signatures are deterministic), for a resend.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no offer is in flight.
   */
  pendingOffer(): Offer {
    const p = this.s.pending;
    if (!p) fail('UNEXPECTED_MESSAGE', 'no payment in flight');
    const sig = this.signer.sign(receiverVersionHash(this.signer, p.index, p.amount, stateHtlcs(this.s.htlcs, p.index)));
    return this.offerOf(p.index, p.amount, sig, changeAt(this.s.htlcs, p.index));
  }

  /**
   * The receiver signed our version of the new state: it is safe now to revoke the old one.
   *
   * @param m - The receiver's accept.
   * @returns The revoke to send, once the sender's state is saved.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no offer is in flight.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if `m` accepts another state than the one offered.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the sender's version of the offered state.
   */
  onAccept(m: Accept): Revoke {
    expectMessage(m, 'accept');
    this.expectPhase('open', m.type);
    this.expectChannel(m.channelId);
    const p = this.s.pending;
    if (!p) fail('UNEXPECTED_MESSAGE', 'accept without an offer in flight');
    if (m.index !== p.index) fail('UPDATE_INDEX_MISMATCH', `accept for state ${m.index}, expected ${p.index}`);
    // K_{i+1} is derived from our own seed, so it needs no point check.
    const hash = senderVersionHash(this.signer, p.index, p.amount, this.updateKey(p.index), stateHtlcs(this.s.htlcs, p.index));
    if (!this.signer.verifyCounterparty(hash, m.sig)) fail('INVALID_SIGNATURE', 'accept does not sign our version of the new state');
    const revoked = this.s.index;
    this.s = { ...this.s, index: p.index, amount: p.amount, receiverSig: Uint8Array.from(m.sig), pending: undefined };
    return this.revokeFor(revoked);
  }

  /**
   * The last revoke again, for a resend after a lost message.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if nothing is revoked yet.
   */
  lastRevoke(): Revoke {
    if (this.s.index === 0) fail('UNEXPECTED_MESSAGE', 'nothing revoked yet');
    return this.revokeFor(this.s.index - 1);
  }

  private revokeFor(index: number): Revoke {
    // A copy: the message is the caller's, the memo's secret is not.
    return { type: 'revoke', channelId: this.channelId, index, secret: Uint8Array.from(this.updateSecretAndKey(index).secret) };
  }

  // ---- HTLCs

  /**
   * Offer a new HTLC, locked from the sender's balance: the next state
   * carries it, the receiver's total unchanged. Its id is the previous
   * HTLC's + 1. The sender checks only that E is above the tip (and, in a
   * CLTV channel, that E + D comes before the cutoff); the receiver holds it
   * to its own margins.
   *
   * @param h - The HTLC's amount, hash and expiry height.
   * @param chain - The chain tip.
   * @returns The offer to send, once the sender's state is saved.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an offer is already in flight.
   * @throws {@link ChannelError} `HTLC_NOT_NEGOTIATED` if the channel has no HTLC terms.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `h` is not an object.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if the amount is not in [1, MAX_MONEY]; `INVALID_ARGUMENT` if the hash is not 32 bytes or `chain` is not a chain view; `INVALID_TIMELOCK` if the expiry is not a block height.
   * @throws {@link ChannelError} `HTLC_EXPIRY_TOO_SOON` if E is not above the tip; `HTLC_EXPIRY_PAST_CHANNEL` if E + D passes a CLTV channel's cutoff.
   * @throws {@link ChannelError} `HTLC_TOO_MANY`, `HTLC_DUST_EXPOSURE` or `AMOUNT_EXCEEDS_CAPACITY` if the state it makes does not fit the channel.
   */
  addHtlc(h: NewHtlc, chain: ChainView): Offer {
    this.expectPhase('open', 'addHtlc');
    if (this.s.pending) fail('PAYMENT_PENDING', 'a payment is already in flight');
    if (h === null || typeof h !== 'object') fail('MESSAGE_INVALID', 'the HTLC must be {amount, hash, expiry}');
    const t = this.s.terms;
    const change = { kind: 'addHtlc' as const, id: this.s.htlcs.length, amount: h.amount, hash: h.hash, expiry: h.expiry };
    const next = applyHtlcChange({
      table: this.s.htlcs, index: this.s.index, amount: this.s.amount, ...(t.htlc ? { terms: t.htlc } : {}), chain,
      checkExpiry: (expiry, c) => checkHtlcExpiry({ expiry, delay: t.htlc!.delay, variant: t.variant, margin: t.margin, minExpiryDelta: 1, claimMargin: 0 }, c),
    }, change);
    return this.offerState(next, { ...change, hash: Uint8Array.from(h.hash) });
  }

  /**
   * The receiver's preimage of an HTLC: checked against its hash and kept.
   * A repeat is answered again; a preimage of an HTLC already removed is
   * kept too (a forwarder may still settle upstream with it).
   *
   * @param m - The receiver's fulfill.
   * @returns P, a copy.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no HTLC has `m.id`.
   * @throws {@link ChannelError} `HTLC_PREIMAGE_MISMATCH` if `m.preimage` does not hash to the HTLC's hash.
   */
  onFulfill(m: Fulfill): Uint8Array {
    expectMessage(m, 'fulfill');
    if (!this.s.funding) fail('UNEXPECTED_MESSAGE', 'fulfill before funding');
    this.expectChannel(m.channelId);
    const r = recordOf(this.s.htlcs, m.id);
    if (!opens(m.preimage, r.hash)) fail('HTLC_PREIMAGE_MISMATCH', `the preimage does not open HTLC ${r.id}`, { id: r.id });
    if (r.preimage === undefined) {
      this.s = { ...this.s, htlcs: withRecord(this.s.htlcs, r.id, { preimage: Uint8Array.from(m.preimage), ...(r.removedAt === undefined ? { outcome: 'fulfilled' as const } : {}) }) };
    }
    return Uint8Array.from(m.preimage);
  }

  /**
   * The receiver gives up an HTLC: from now on the sender may fail it
   * ({@link Sender.failHtlc}) before its expiry. A repeat changes nothing.
   *
   * @param m - The receiver's fail.
   * @returns The HTLC's record.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object or its reason is not one of HTLC_FAIL_REASONS.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet, or the receiver already gave the HTLC's preimage or it was settled.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no HTLC has `m.id`.
   */
  onFail(m: Fail): HtlcRecord {
    expectMessage(m, 'fail');
    if (!this.s.funding) fail('UNEXPECTED_MESSAGE', 'fail before funding');
    this.expectChannel(m.channelId);
    checkFailReason(m.reason);
    const r = recordOf(this.s.htlcs, m.id);
    if (r.outcome === 'failed') return copyRecord(r);
    if (r.preimage !== undefined) fail('UNEXPECTED_MESSAGE', `fail of HTLC ${r.id}, whose preimage the receiver gave`, { id: r.id });
    const next = withRecord(this.s.htlcs, r.id, { outcome: 'failed' });
    this.s = { ...this.s, htlcs: next };
    return copyRecord(next[r.id]!);
  }

  /**
   * Settle an HTLC whose preimage the receiver gave: the next state adds its
   * amount to the receiver's total and no longer carries it.
   *
   * @param id - The HTLC's id.
   * @returns The offer to send, once the sender's state is saved.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an offer is already in flight.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no HTLC `id` is in flight.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the receiver has not given its preimage.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the state it makes does not fit the channel.
   */
  settleHtlc(id: number): Offer {
    this.expectPhase('open', 'settleHtlc');
    if (this.s.pending) fail('PAYMENT_PENDING', 'a payment is already in flight');
    const r = liveRecord(this.s.htlcs, this.s.index, id);
    if (r.preimage === undefined) fail('UNEXPECTED_MESSAGE', `no preimage for HTLC ${r.id} yet: the receiver's fulfill brings it`, { id: r.id });
    const change = { kind: 'settleHtlc' as const, id: r.id, preimage: Uint8Array.from(r.preimage) };
    return this.offerState(this.applyOwn(change), change);
  }

  /**
   * Fail an HTLC: the next state no longer carries it and its amount is the
   * sender's again. Only once the receiver has failed it, or from its
   * expiry (see {@link Sender.htlcDeadAt} for when a failed HTLC is safe to
   * count as lost to the receiver).
   *
   * @param id - The HTLC's id.
   * @param chain - The chain tip: needed unless the receiver failed it.
   * @returns The offer to send, once the sender's state is saved.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is in another phase than `open`.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an offer is already in flight.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no HTLC `id` is in flight.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if the receiver has not failed it and `chain` is not a chain view.
   * @throws {@link ChannelError} `HTLC_NOT_EXPIRED` if the receiver has not failed it and the tip is below its expiry.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the state it makes does not fit the channel.
   */
  failHtlc(id: number, chain?: ChainView): Offer {
    this.expectPhase('open', 'failHtlc');
    if (this.s.pending) fail('PAYMENT_PENDING', 'a payment is already in flight');
    const r = liveRecord(this.s.htlcs, this.s.index, id);
    checkMayFail(r, chain);
    const change = { kind: 'failHtlc' as const, id: r.id };
    return this.offerState(this.applyOwn(change, chain), change);
  }

  private applyOwn(change: Exclude<OfferChange, { kind: 'pay' | 'addHtlc' }>, chain?: ChainView) {
    const t = this.s.terms;
    return applyHtlcChange({
      table: this.s.htlcs, index: this.s.index, amount: this.s.amount, ...(t.htlc ? { terms: t.htlc } : {}), ...(chain ? { chain } : {}),
      checkExpiry: () => undefined,
    }, change);
  }


  /** The HTLCs of the latest agreed state (copies); an HTLC on its way in or out in the offer in flight is in its state before. */
  get htlcs(): HtlcRecord[] {
    return htlcsAt(this.s.htlcs, this.s.index).map(copyRecord);
  }


  /**
   * R3: the height from which a failed HTLC is dead, `E - D + M`. Until
   * then a receiver's version still carrying it could confirm early enough
   * for the receiver's success to beat the sender's timeout; a forwarder
   * fails the HTLC upstream only from this height.
   *
   * @param id - The HTLC's id.
   * @param margin - M, in blocks ({@link DEFAULT_HTLC_DEAD_MARGIN} by default).
   * @returns The height.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no HTLC has `id`.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `margin` is not a non-negative integer.
   */
  htlcDeadAt(id: number, margin: number = DEFAULT_HTLC_DEAD_MARGIN): number {
    if (!Number.isSafeInteger(margin) || margin < 0) fail('INVALID_ARGUMENT', 'margin must be a non-negative integer');
    const r = recordOf(this.s.htlcs, id);
    return htlcDeadHeight(r.expiry, this.s.terms.htlc!.delay, margin);
  }

  // ---- closing

  /**
   * Propose a cooperative close of the latest agreed state at `feeRate` (paid
   * from the sender's side); again at another rate while no close is signed.
   *
   * @param feeRate - The close's fee rate, sat/kw.
   * @returns The close_offer to send.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if a close is complete or the channel closed, `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an offer is in flight, or the latest agreed state carries HTLCs (`details.htlcs`): settle or fail them first.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE}.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
   */
  proposeClose(feeRate: FeeRate): CloseOffer {
    const { close, message } = proposeClose(this.closing(true), feeRate);
    this.s = { ...this.s, phase: 'closing', close };
    return message;
  }

  /**
   * The receiver's signature on our close proposal: the close is complete.
   *
   * @param m - The receiver's close_signed.
   * @returns The signed close, to broadcast.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if no proposal is outstanding.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the proposed close.
   */
  onCloseSigned(m: CloseSigned): Transaction {
    expectMessage(m, 'close_signed');
    this.expectChannel(m.channelId);
    const { close, tx } = completeClose(this.closing(true), m);
    this.s = { ...this.s, phase: 'closed', close };
    return tx;
  }

  /**
   * The receiver proposes to close; the sender pays the fee, so it bounds the
   * rate. While its own proposal is out the sender refuses (the receiver signs
   * the sender's); a repeat of the close already signed is answered again.
   *
   * @param m - The receiver's close_offer.
   * @param maxFeeRate - The highest close fee rate the sender signs, sat/kw.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `maxFeeRate` is not a valid fee rate, or `m.feeRate` is not one.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the sender's own proposal is out or the channel closed another way, `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if the latest agreed state carries HTLCs (`details.htlcs`).
   * @throws {@link ChannelError} `UPDATE_NOT_MONOTONIC` if the close's amount is not the last final amount.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `m.feeRate` is below {@link MIN_FEE_RATE} or above `maxFeeRate`.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the close.
   */
  onCloseOffer(m: CloseOffer, maxFeeRate: FeeRate): {
    /** The close_signed to send. */
    message: CloseSigned;
    /** The signed close, to broadcast. */
    tx: Transaction;
  } {
    expectMessage(m, 'close_offer');
    checkCloseFeeBound(maxFeeRate);
    this.expectChannel(m.channelId);
    const { close, message, tx } = answerClose(this.closing(false), m, { mayAnswerOwn: false, maxFeeRate });
    if (close) this.s = { ...this.s, phase: 'closed', close, pending: undefined };
    return { message, tx };
  }

  /**
   * The sender proposes a close only with no offer in flight (the offer must
   * be answered first), but answers the receiver's proposal even with one: a
   * receiver that proposed a close never accepts a payment again, so the
   * offer is dead and is dropped, its k_i never revealed. The receiver may
   * hold our signature on its version of the offered state; that risk the
   * offer already took, and the close adds none. Without this, an offer the
   * receiver refused for good (past the CLTV cutoff, say) would leave only a
   * unilateral close.
   */
  private closing(offerBlocks: boolean): ClosingParty {
    const paymentPending = offerBlocks && this.s.pending !== undefined;
    return {
      phase: this.s.phase, close: this.s.close, paymentPending, htlcsInFlight: stateHtlcs(this.s.htlcs, this.s.index).length,
      amount: this.s.amount, signer: this.signer, channelId: this.channelId,
    };
  }

  /** The chain settled the channel some other way (unilateral close seen by a watcher). */
  markClosed(): void {
    this.s = { ...this.s, phase: 'closed', pending: undefined };
  }

  // ---- what the sender can broadcast

  /**
   * Our version of the latest agreed state, fully signed: what to broadcast to close alone.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no state is signed yet.
   */
  latestTransaction(): Transaction {
    if (!this.s.receiverSig) fail('UNEXPECTED_MESSAGE', 'no signed state yet');
    const htlcs = stateHtlcs(this.s.htlcs, this.s.index);
    const updateKey = this.updateKey(this.s.index);
    if (htlcs.length === 0) return this.signer.completeSenderVersion(BigInt(this.s.index), this.s.amount, updateKey, this.s.receiverSig);
    return this.signer.completeVersion(BigInt(this.s.index), { version: 'sender', amount: this.s.amount, updateKey, htlcs: htlcs.map(htlcOf) }, this.s.receiverSig);
  }

  /** The signed cooperative close, once both signatures are held. */
  closeTransaction(): Transaction | undefined {
    const tx = this.s.close?.tx;
    return tx ? Transaction.fromBuffer(tx) : undefined;
  }

  /**
   * A child spending the sender's plain output of an unconfirmed spend of the
   * funding output (a cooperative close, a receiver's version) so that the
   * pair reaches `packageFeeRate`.
   *
   * @param p - The parent, the package rate to reach and the child's destination.
   * @returns The signed child.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if the parent does not parse or does not spend the funding output alone.
   * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if the parent pays the sender nothing.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if the parent pays no fee.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the child's fee leaves a dust output.
   */
  childPaysForParent(p: ChildPaysForParent): Transaction {
    return childPaysForParent(this.context, p, this.context.params.senderPayoutKey, this.secrets.payoutKey);
  }

  /**
   * Sweep our output of a confirmed sender's version through the timeout branch.
   *
   * @param senderTx - The sender's version that confirmed, serialized.
   * @param destinationScript - Where the sweep pays.
   * @param feeRate - The sweep's fee rate, sat/kw.
   * @returns The signed sweep; the node takes it once the timeout has passed.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `senderTx` does not parse, is not a payment transaction of this channel, or does not spend the funding output alone.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if `senderTx` has no revocable output of the sender's (the receiver's version).
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
   */
  timeoutSweep(senderTx: Uint8Array, destinationScript: Uint8Array, feeRate: FeeRate): Transaction {
    const ctx = this.context;
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(senderTx);
    } catch {
      return fail('INVALID_TRANSACTION', 'cannot parse the sender transaction');
    }
    const index = decodeObscuredIndex(tx.locktime, tx.ins[0]?.sequence ?? 0, ctx.obscuringFactor);
    if (index === undefined) fail('INVALID_TRANSACTION', 'not a payment transaction of this channel');
    const p: TimeoutParams = { channel: ctx.params, senderTx, updateKey: this.updateKey(Number(index)), destinationScript, feeRate };
    return signTimeoutTx(p, this.secrets.payoutKey);
  }

  /**
   * The timeout claim of an HTLC output of a published payment version (the
   * receiver's, from E; the sender's own, from E and D blocks after it
   * confirmed), signed with the sender's payout key; the output is found by
   * its recomputed script.
   *
   * @param p - The version and its transaction, K_i for the sender's version, the HTLC, the destination and the fee rate.
   * @returns The signed claim.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_KEY`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE`, `FEE_EXCEEDS_OUTPUT`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM` or `INVALID_SCRIPT` as {@link signHtlcTimeoutTx}.
   */
  htlcTimeoutTx(p: Omit<HtlcClaimParams, 'channel'>): Transaction {
    if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'htlcTimeoutTx takes {version, versionTx, htlc, destinationScript, feeRate}');
    return signHtlcTimeoutTx({ ...p, channel: this.context.params }, this.secrets.payoutKey);
  }

  /**
   * What the sender has left in the latest agreed state, after the HTLCs it locks and the payment fee.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   */
  balance(): bigint {
    const htlcs = stateHtlcs(this.s.htlcs, this.s.index);
    if (htlcs.length === 0) return senderBalance(this.context, this.s.amount);
    return paymentVersionOutputs(this.context, { version: 'receiver', amount: this.s.amount, htlcs: htlcs.map(htlcOf) }).senderBalance;
  }

  // ---- saving and restoring

  /** The sender's state as JSON (no private key or seed), for {@link Sender.restore}. */
  toJSON(): Json {
    return senderStateToJson(this.s);
  }

  /**
   * A sender from its saved state. Damage is STATE_INVALID (details.field
   * names what re-deriving found wrong when it is not the shape); secrets of
   * another channel are INVALID_KEY.
   *
   * @param json - What {@link Sender.toJSON} gave, parsed.
   * @param secrets - The sender's keys and update seed.
   * @throws {@link ChannelError} `STATE_INVALID` if `json` is damaged: malformed, its parts disagree, or a signature it holds does not verify.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secrets` is not an object or `updateSeed` is not 32 bytes.
   * @throws {@link ChannelError} `INVALID_KEY` if a secret key is malformed or not this channel's.
   *
   * @example
   * ```ts
   * const sender = Sender.restore(await store.load('channel-1'), senderSecrets);
   * ```
   */
  static restore(json: unknown, secrets: SenderSecrets): Sender {
    const s = readSenderState(json);
    checkSecretsObject(secrets);
    const sender = new Sender(s, secrets);
    if (!bytesEqual(derivePublicKey(secrets.fundingKey), s.terms.senderFundingKey) || !bytesEqual(derivePublicKey(secrets.payoutKey), s.terms.senderPayoutKey)) {
      fail('INVALID_KEY', 'secrets do not belong to this channel');
    }
    if (s.funding) {
      savedField('terms', () => sender.context);
      verifySenderState(s, sender.signer, (i) => sender.updateKey(i));
    }
    return sender;
  }
}
