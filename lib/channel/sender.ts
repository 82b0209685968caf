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
import { fail } from '../errors';
import { SecretSchedule, deriveUpdateSecret, updateKeyOf } from '../keys/shachain';
import { ChannelContext, verifyChannelParams } from '../tx/channel-params';
import { FundingParams, FundingPlan, fundingOutpoint, planFunding } from '../tx/funding';
import { createFundingPsbt } from '../psbt/create';
import { bytesEqual, fromHex, toHex } from '../tx/hash';
import { PaymentSigner } from '../tx/payment-signer';
import { senderBalance } from '../tx/payment';
import { decodeStateNumber } from '../tx/state-number';
import { TimeoutParams, signTimeoutTx } from '../tx/timeout';
import {
  FeeRate, PrivateKey, PublicKey, Variant, asPrivateKey, asPublicKey, checkAmount, checkRelayFeeRate, derivePublicKey,
} from '../types';
import { Accept, CloseOffer, CloseSigned, FundingCreated, FundingSigned, OpenChannel, AcceptChannel, Offer, Revoke } from './messages';
import { ChildPaysForParent, childPaysForParent } from './cpfp';
import { DEFAULT_MARGIN, OpenTerms, channelParamsOf, copyVariant, expectMessage, savedField } from './state';
import { SenderPhase, SenderState, readSenderState, senderStateToJson, verifySenderState } from './sender-state';
import { ClosingParty, answerClose, checkCloseFeeBound, completeClose, proposeClose } from './close-flow';
import { DerivedChannel } from './derived';
import { Json } from './wire';

export { SenderPhase };

export interface SenderSecrets {
  readonly fundingKey: PrivateKey;
  readonly payoutKey: PrivateKey;
  /** Per-channel shachain seed (see deriveChannelSeed). */
  readonly updateSeed: Uint8Array;
}

export interface SenderOpenOptions {
  readonly capacity: bigint;
  readonly variant: Variant;
  readonly feeRate: FeeRate;
  readonly margin?: number;
  readonly secrets: SenderSecrets;
}

function checkSecretsObject(secrets: SenderSecrets): void {
  if (secrets === null || typeof secrets !== 'object') fail('INVALID_ARGUMENT', 'secrets must be {fundingKey, payoutKey, updateSeed}');
}

export class Sender {
  private s: SenderState;
  private readonly secrets: SenderSecrets;
  private readonly derived: DerivedChannel;
  private readonly schedule: SecretSchedule;
  private readonly keyMemo: { state: number; secret: PrivateKey; key: PublicKey }[] = [];

  private constructor(s: SenderState, secrets: SenderSecrets) {
    asPrivateKey(secrets.fundingKey, 'fundingKey');
    asPrivateKey(secrets.payoutKey, 'payoutKey');
    if (!(secrets.updateSeed instanceof Uint8Array) || secrets.updateSeed.length !== 32) fail('INVALID_ARGUMENT', 'updateSeed must be 32 bytes');
    this.s = s;
    this.secrets = secrets;
    this.derived = new DerivedChannel('sender', secrets.fundingKey);
    this.schedule = new SecretSchedule(secrets.updateSeed);
  }

  /** Start a channel: the returned open_channel goes to the receiver. */
  static open(o: SenderOpenOptions): { sender: Sender; message: OpenChannel } {
    if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', 'open options must be {capacity, variant, feeRate, margin?, secrets}');
    checkSecretsObject(o.secrets);
    checkAmount(o.capacity, 'capacity', 1n);
    const variant = copyVariant(o.variant);
    checkRelayFeeRate(o.feeRate, 'channel fee rate');
    const margin = o.margin ?? DEFAULT_MARGIN;
    if (!Number.isSafeInteger(margin) || margin < 0 || margin > 0xffff) fail('INVALID_ARGUMENT', 'margin must be in [0, 65535] blocks');
    const fundingKey = derivePublicKey(asPrivateKey(o.secrets.fundingKey, 'fundingKey'));
    const payoutKey = derivePublicKey(asPrivateKey(o.secrets.payoutKey, 'payoutKey'));
    // A temporary id that needs no randomness: unique because the seed is unique per channel.
    const tempChannelId = sha256.create().update(utf8ToBytes('revchan/temp-channel-id')).update(derivePublicKey(deriveUpdateSecret(o.secrets.updateSeed, 0n))).digest();
    const terms: OpenTerms = {
      tempChannelId: Uint8Array.from(tempChannelId), capacity: o.capacity, variant, margin, feeRate: o.feeRate,
      senderFundingKey: fundingKey, senderPayoutKey: payoutKey,
    };
    const sender = new Sender({ phase: 'opening', terms, index: 0, amount: 0n }, o.secrets);
    const message: OpenChannel = {
      type: 'open_channel', tempChannelId: terms.tempChannelId, capacity: o.capacity, variant, margin,
      feeRate: o.feeRate, senderFundingKey: fundingKey, senderPayoutKey: payoutKey,
    };
    return { sender, message };
  }

  // ---- views

  get phase(): SenderPhase { return this.s.phase; }
  /** Receiver's total in the latest agreed state. */
  get amount(): bigint { return this.s.amount; }
  get index(): number { return this.s.index; }
  get pending(): { index: number; amount: bigint } | undefined { return this.s.pending; }
  get funding(): { txid: string; vout: number } | undefined { return this.s.funding; }
  get variant(): Variant { return this.s.terms.variant; }
  /** CLTV: blocks before expiry at which the receiver stops taking payments. */
  get margin(): number { return this.s.terms.margin; }
  get channelId(): Uint8Array {
    return Uint8Array.from(this.id);
  }

  /** The channel id, computed once per funding outpoint; callers get copies of it. */
  private get id(): Uint8Array {
    return this.derived.channelId(this.s.terms, this.s.funding);
  }

  /** The checked channel parameters (after funding_created). */
  get context(): ChannelContext {
    return this.derived.context(this.s.terms, this.s.funding);
  }

  private get signer(): PaymentSigner {
    return this.derived.signer(this.s.terms, this.s.funding);
  }

  /** K_state. The two most recent are kept: each payment needs K_{i+1} twice (offer, accept). */
  updateKey(state: number): PublicKey {
    return this.updateSecretAndKey(state).key;
  }

  /**
   * k_state and K_state, for the two most recent states asked for. A payment
   * derives k_{i+1} for K_{i+1} in its offer and reveals k_i in its revoke:
   * k_i is the secret the previous payment derived, so it comes from here.
   */
  private updateSecretAndKey(state: number): { secret: PrivateKey; key: PublicKey } {
    if (!Number.isSafeInteger(state) || state < 0) fail('SECRET_INDEX_OUT_OF_RANGE', 'state must be a non-negative integer');
    const memo = this.keyMemo;
    const hit = memo.find((e) => e.state === state);
    if (hit) return hit;
    const secret = this.schedule.deriveUpdateSecret(BigInt(state));
    // deriveUpdateSecret has checked the scalar: no second check per payment.
    const entry = { state, secret, key: updateKeyOf(secret) };
    memo.unshift(entry);
    memo.length = Math.min(memo.length, 2);
    return entry;
  }

  // ---- opening

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
    this.s = {
      ...this.s, phase: 'accepted',
      terms: { ...t, receiverFundingKey: m.receiverFundingKey, receiverPayoutKey: m.receiverPayoutKey, receiverRevocationKey: m.receiverRevocationKey },
    };
  }

  /**
   * Build the funding transaction from the sender's wallet coins. It must not be
   * broadcast before onFundingSigned has accepted the receiver's signature on state 0.
   */
  createFunding(f: Omit<FundingParams, 'capacity' | 'senderFundingKey' | 'receiverFundingKey'>): { plan: FundingPlan; psbt: Psbt; message: FundingCreated } {
    this.expectPhase('accepted', 'createFunding');
    const t = this.s.terms;
    const params: FundingParams = { ...f, capacity: t.capacity, senderFundingKey: t.senderFundingKey, receiverFundingKey: t.receiverFundingKey! };
    const plan = planFunding(params);
    // The wallet signs this PSBT; it is built from the same parameters, so its txid is the one funding_created names.
    const psbt = createFundingPsbt(params);
    const message = this.fundingCreatedFor(fundingOutpoint(plan.tx));
    return { plan, psbt, message };
  }

  /** For a funding transaction built elsewhere: its outpoint must pay the capacity to the 2-of-2, all inputs segwit. */
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

  /** The receiver's signature on state 0, our refund. After this the funding transaction may be broadcast. */
  onFundingSigned(m: FundingSigned): void {
    expectMessage(m, 'funding_signed');
    this.expectPhase('funding_created', m.type);
    this.expectChannel(m.channelId);
    const hash = this.signer.senderVersionHash(0n, 0n, this.updateKey(0));
    if (!this.signer.verifyCounterparty(hash, m.sig)) fail('INVALID_SIGNATURE', 'funding_signed does not sign our refund');
    this.s = { ...this.s, phase: 'open', receiverSig: Uint8Array.from(m.sig) };
  }

  // ---- payments

  /** Offer to pay `increment` more. The receiver's version of the new state is signed here. */
  pay(increment: bigint): Offer {
    this.expectPhase('open', 'pay');
    if (this.s.pending) fail('PAYMENT_PENDING', 'a payment is already in flight');
    if (typeof increment !== 'bigint' || increment <= 0n) fail('INVALID_AMOUNT', 'increment must be a positive bigint');
    const amount = this.s.amount + increment;
    if (amount > this.s.terms.capacity) fail('AMOUNT_EXCEEDS_CAPACITY', 'payment exceeds the channel');
    const ctx = this.context;
    if (ctx.params.capacity - amount - ctx.paymentFee < 0n) fail('AMOUNT_EXCEEDS_CAPACITY', 'payment exceeds what the sender has after fees');
    const index = this.s.index + 1;
    const sig = this.signer.sign(this.signer.receiverVersionHash(BigInt(index), amount));
    this.s = { ...this.s, pending: { index, amount } };
    return { type: 'offer', channelId: this.channelId, index, amount, updateKey: this.updateKey(index), sig };
  }

  /** The offer in flight again (identical bytes: signatures are deterministic), for a resend. */
  pendingOffer(): Offer {
    const p = this.s.pending;
    if (!p) fail('UNEXPECTED_MESSAGE', 'no payment in flight');
    const sig = this.signer.sign(this.signer.receiverVersionHash(BigInt(p.index), p.amount));
    return { type: 'offer', channelId: this.channelId, index: p.index, amount: p.amount, updateKey: this.updateKey(p.index), sig };
  }

  /** The receiver signed our version of the new state: it is safe now to revoke the old one. */
  onAccept(m: Accept): Revoke {
    expectMessage(m, 'accept');
    this.expectPhase('open', m.type);
    this.expectChannel(m.channelId);
    const p = this.s.pending;
    if (!p) fail('UNEXPECTED_MESSAGE', 'accept without an offer in flight');
    if (m.index !== p.index) fail('UPDATE_INDEX_MISMATCH', `accept for state ${m.index}, expected ${p.index}`);
    // K_{i+1} is derived from our own seed, so it needs no point check.
    const hash = this.signer.trustedSenderVersionHash(BigInt(p.index), p.amount, this.updateKey(p.index));
    if (!this.signer.verifyCounterparty(hash, m.sig)) fail('INVALID_SIGNATURE', 'accept does not sign our version of the new state');
    const revoked = this.s.index;
    this.s = { ...this.s, index: p.index, amount: p.amount, receiverSig: Uint8Array.from(m.sig), pending: undefined };
    return this.revokeFor(revoked);
  }

  /** The last revoke again, for a resend after a lost message. */
  lastRevoke(): Revoke {
    if (this.s.index === 0) fail('UNEXPECTED_MESSAGE', 'nothing revoked yet');
    return this.revokeFor(this.s.index - 1);
  }

  private revokeFor(index: number): Revoke {
    // A copy: the message is the caller's, the memo's secret is not.
    return { type: 'revoke', channelId: this.channelId, index, secret: Uint8Array.from(this.updateSecretAndKey(index).secret) };
  }

  // ---- closing

  /**
   * Propose a cooperative close of the latest agreed state at `feeRate` (paid
   * from the sender's side); again at another rate while no close is signed.
   */
  proposeClose(feeRate: FeeRate): CloseOffer {
    const { close, message } = proposeClose(this.closing(true), feeRate);
    this.s = { ...this.s, phase: 'closing', close };
    return message;
  }

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
   */
  onCloseOffer(m: CloseOffer, maxFeeRate: FeeRate): { message: CloseSigned; tx: Transaction } {
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
    return { phase: this.s.phase, close: this.s.close, paymentPending, amount: this.s.amount, signer: this.signer, channelId: this.channelId };
  }

  /** The chain settled the channel some other way (unilateral close seen by a watcher). */
  markClosed(): void {
    this.s = { ...this.s, phase: 'closed', pending: undefined };
  }

  // ---- what the sender can broadcast

  /** Our version of the latest agreed state, fully signed. */
  latestTransaction(): Transaction {
    if (!this.s.receiverSig) fail('UNEXPECTED_MESSAGE', 'no signed state yet');
    return this.signer.completeSenderVersion(BigInt(this.s.index), this.s.amount, this.updateKey(this.s.index), this.s.receiverSig);
  }

  closeTransaction(): Transaction | undefined {
    const tx = this.s.close?.tx;
    return tx ? Transaction.fromBuffer(tx) : undefined;
  }

  /**
   * A child spending the sender's plain output of an unconfirmed spend of the
   * funding output (a cooperative close, a receiver's version) so that the
   * pair reaches `packageFeeRate`.
   */
  childPaysForParent(p: ChildPaysForParent): Transaction {
    return childPaysForParent(this.context, p, this.context.params.senderPayoutKey, this.secrets.payoutKey);
  }

  /** Sweep our output of a confirmed sender's version through the timeout branch. */
  timeoutSweep(senderTx: Uint8Array, destinationScript: Uint8Array, feeRate: FeeRate): Transaction {
    const ctx = this.context;
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(senderTx);
    } catch {
      return fail('INVALID_TRANSACTION', 'cannot parse the sender transaction');
    }
    const state = decodeStateNumber(tx.locktime, tx.ins[0]?.sequence ?? 0, ctx.obscuringFactor);
    if (state === undefined) fail('INVALID_TRANSACTION', 'not a payment transaction of this channel');
    const p: TimeoutParams = { channel: ctx.params, senderTx, updateKey: this.updateKey(Number(state)), destinationScript, feeRate };
    return signTimeoutTx(p, this.secrets.payoutKey);
  }

  /** What the sender has left in the latest agreed state, after the payment fee. */
  balance(): bigint {
    return senderBalance(this.context, this.s.amount);
  }

  // ---- saving and restoring

  toJSON(): Json {
    return senderStateToJson(this.s);
  }

  /**
   * A sender from its saved state. Damage is STATE_INVALID (details.field
   * names what re-deriving found wrong when it is not the shape); secrets of
   * another channel are INVALID_KEY.
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

  // ---- checks

  private expectPhase(phase: SenderPhase, what: string): void {
    if (this.s.phase === phase) return;
    if (this.s.phase === 'closed' || this.s.phase === 'closing') fail('CHANNEL_CLOSED', `${what}: channel is ${this.s.phase}`);
    fail('UNEXPECTED_MESSAGE', `${what} in phase ${this.s.phase}`);
  }

  private expectChannel(id: Uint8Array): void {
    // An in-memory message may hold anything here; bytesEqual and toHex need bytes.
    if (!(id instanceof Uint8Array)) fail('WRONG_CHANNEL', 'channel id is not bytes');
    if (!bytesEqual(id, this.id)) fail('WRONG_CHANNEL', `message for channel ${toHex(id)}`);
  }
}


