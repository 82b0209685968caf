/**
 * The receiver's side of a channel. A payment is final for the receiver only
 * when the sender's revoke for the previous state has been checked and stored:
 * `onOffer` returns an accept but reports nothing paid; `onRevoke` reports the
 * payment. Every handler checks everything before it changes anything.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ecc } from '../ecc';
import { fail } from '../errors';
import { RevocationStore } from '../keys/revocation-store';
import { updateKeyOf } from '../keys/shachain';
import { ChannelContext, verifyChannelParams } from '../tx/channel-params';
import { bytesEqual, toHex } from '../tx/hash';
import { PaymentSigner } from '../tx/payment-signer';
import { PenaltyParams, signPenaltyTx } from '../tx/penalty';
import { decodeStateNumber } from '../tx/state-number';
import {
  DUST_P2WSH, FeeRate, MAX_FEE_RATE, PrivateKey, PublicKey, Variant, asPrivateKey, asPublicKey, checkAmount, checkRelayFeeRate, derivePublicKey, feeForWeight,
} from '../types';
import { PAYMENT_WEIGHT } from '../tx/weights';
import {
  Accept, AcceptChannel, CloseOffer, CloseSigned, FundingCreated, FundingSigned, OpenChannel, Offer, Revoke,
} from './messages';
import {
  ChainView, OpenTerms, channelParamsOf, checkChainView, cltvCutoffReached, copyVariant, expectMessage, fieldError, savedField,
} from './state';
import {
  ReceiverPhase, ReceiverState, SignedState, readReceiverState, receiverStateToJson, verifyReceiverState,
} from './receiver-state';
import { ClosingParty, answerClose, completeClose, proposeClose } from './close-flow';
import { ChildPaysForParent, childPaysForParent } from './cpfp';
import {
  FundingEvidence, FundingStatus, checkFundingEvidence, fundingPolicyOf,
} from './funding-evidence';
import { DerivedChannel } from './derived';
import { Json } from './wire';

export { ReceiverPhase };

export interface ReceiverSecrets {
  readonly fundingKey: PrivateKey;
  readonly payoutKey: PrivateKey;
  readonly revocationKey: PrivateKey;
}

/** What a receiver agrees to at open. */
export interface ReceiverPolicy {
  readonly minCapacity?: bigint;
  readonly maxCapacity?: bigint;
  readonly minFeeRate?: FeeRate;
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
  readonly zeroConf?: { readonly budget: bigint };
}

export interface PaymentReceived {
  readonly index: number;
  /** Receiver's final total. */
  readonly amount: bigint;
  readonly increment: bigint;
}

function checkSecretsObject(secrets: ReceiverSecrets): void {
  if (secrets === null || typeof secrets !== 'object') fail('INVALID_ARGUMENT', 'secrets must be {fundingKey, payoutKey, revocationKey}');
}

export class Receiver {
  private s: ReceiverState;
  private store: RevocationStore;
  private readonly secrets: ReceiverSecrets;
  private readonly derived: DerivedChannel;

  private constructor(s: ReceiverState, store: RevocationStore, secrets: ReceiverSecrets) {
    asPrivateKey(secrets.fundingKey, 'fundingKey');
    asPrivateKey(secrets.payoutKey, 'payoutKey');
    asPrivateKey(secrets.revocationKey, 'revocationKey');
    this.s = s;
    this.store = store;
    this.secrets = secrets;
    this.derived = new DerivedChannel('receiver', secrets.fundingKey);
  }

  /** Answer an open_channel: checks the terms against the policy and the chain (CLTV expiry far enough). */
  static accept(m: OpenChannel, secrets: ReceiverSecrets, policy: ReceiverPolicy = {}, chain?: ChainView): { receiver: Receiver; message: AcceptChannel } {
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
      if (cltvCutoffReached(variant, m.margin, checkChainView(chain, 'a CLTV channel'))) fail('CHANNEL_EXPIRED', 'expiry is too close');
    }
    const own = {
      receiverFundingKey: derivePublicKey(asPrivateKey(secrets.fundingKey, 'fundingKey')),
      receiverPayoutKey: derivePublicKey(asPrivateKey(secrets.payoutKey, 'payoutKey')),
      receiverRevocationKey: derivePublicKey(asPrivateKey(secrets.revocationKey, 'revocationKey')),
    };
    for (const k of Object.values(own)) {
      if (bytesEqual(k, m.senderFundingKey) || bytesEqual(k, m.senderPayoutKey)) fail('INVALID_KEY', 'sender uses one of our keys');
    }
    const terms: OpenTerms = {
      tempChannelId: m.tempChannelId, capacity: m.capacity, variant, margin: m.margin, feeRate: m.feeRate,
      senderFundingKey: m.senderFundingKey, senderPayoutKey: m.senderPayoutKey, ...own,
    };
    const receiver = new Receiver({ phase: 'accepted', terms, fundingPolicy, fundingConfirmed: false }, new RevocationStore(), secrets);
    return { receiver, message: { type: 'accept_channel', tempChannelId: m.tempChannelId, ...own } };
  }

  // ---- views

  get phase(): ReceiverPhase { return this.s.phase; }
  /** Final total received: only states whose predecessor is revoked count. */
  get amount(): bigint { return this.s.current?.amount ?? 0n; }
  get index(): number { return this.s.current?.index ?? 0; }
  get pendingAmount(): bigint | undefined { return this.s.pending?.amount; }
  get funding(): { txid: string; vout: number } | undefined { return this.s.funding; }
  /** The funding was seen at the policy depth. */
  get fundingConfirmed(): boolean { return this.s.fundingConfirmed; }
  get fundingDepth(): number { return this.s.fundingPolicy.depth; }
  /** While the funding is not deep: the most the receiver's total may reach (zero-conf); undefined once deep or without zero-conf. */
  get zeroConfBudget(): bigint | undefined { return this.s.fundingConfirmed ? undefined : this.s.fundingPolicy.zeroConfBudget; }
  get variant(): Variant { return this.s.terms.variant; }
  get margin(): number { return this.s.terms.margin; }
  get revocationStore(): RevocationStore { return this.store; }
  get channelId(): Uint8Array {
    return Uint8Array.from(this.id);
  }

  /** The channel id, computed once per funding outpoint; callers get copies of it. */
  private get id(): Uint8Array {
    return this.derived.channelId(this.s.terms, this.s.funding);
  }

  get context(): ChannelContext {
    return this.derived.context(this.s.terms, this.s.funding);
  }

  private get signer(): PaymentSigner {
    return this.derived.signer(this.s.terms, this.s.funding);
  }

  // ---- opening

  /** Sign the sender's refund (state 0). The sender broadcasts funding only after it has this. */
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
   */
  markFundingConfirmed(evidence: FundingEvidence): FundingStatus {
    if (this.s.phase !== 'open') this.expectPhase('funded', 'markFundingConfirmed');
    const status = checkFundingEvidence(this.context, evidence, this.s.fundingPolicy, this.s.fundingConfirmed);
    if (this.s.phase === 'funded' || status.deep !== this.s.fundingConfirmed) this.s = { ...this.s, phase: 'open', fundingConfirmed: status.deep };
    return status;
  }

  // ---- payments

  /** Check an offer and sign the sender's version of the new state. Nothing is final yet. */
  onOffer(m: Offer, chain?: ChainView): Accept {
    expectMessage(m, 'offer');
    if (this.s.phase === 'funded') fail('FUNDING_NOT_CONFIRMED', 'funding is not confirmed yet');
    this.expectPhase('open', m.type);
    this.expectChannel(m.channelId);
    const cur = this.s.current!;
    if (this.s.pending) return this.acceptAgain(this.s.pending, m);
    if (m.index !== cur.index + 1) fail('UPDATE_INDEX_MISMATCH', `offer for state ${m.index}, expected ${cur.index + 1}`);
    if (typeof m.amount !== 'bigint' || m.amount <= cur.amount) fail('UPDATE_NOT_MONOTONIC', 'amount must increase');
    const ctx = this.context;
    if (m.amount > ctx.params.capacity - ctx.paymentFee) fail('AMOUNT_EXCEEDS_CAPACITY', 'amount exceeds what the sender has after fees');
    const budget = this.zeroConfBudget;
    if (budget !== undefined && m.amount > budget) {
      fail('FUNDING_NOT_CONFIRMED', 'the funding is not deep enough for a total above the zero-conf budget', { amount: m.amount.toString(), budget: budget.toString() });
    }
    if (!(m.updateKey instanceof Uint8Array) || m.updateKey.length !== 33 || !ecc().isPoint(m.updateKey)) fail('INVALID_KEY', 'update key is not a valid point');
    if (bytesEqual(m.updateKey, cur.updateKey)) fail('UPDATE_KEY_REUSED', 'update key equals the current one');
    if (this.s.terms.variant.kind === 'cltv') {
      if (cltvCutoffReached(this.s.terms.variant, this.s.terms.margin, checkChainView(chain, 'a payment in a CLTV channel'))) fail('CHANNEL_EXPIRED', 'past the payment cutoff');
    }
    const signer = this.signer;
    if (!signer.verifyCounterparty(signer.receiverVersionHash(BigInt(m.index), m.amount), m.sig)) {
      fail('INVALID_SIGNATURE', 'offer signature does not sign our version of the new state');
    }
    // m.updateKey passed the point check above; a second check would cost as much as a signature hash does.
    const updateKey = Uint8Array.from(m.updateKey) as PublicKey;
    const sig = signer.sign(signer.trustedSenderVersionHash(BigInt(m.index), m.amount, updateKey));
    this.s = { ...this.s, pending: { index: m.index, amount: m.amount, updateKey, senderSig: Uint8Array.from(m.sig) } };
    return { type: 'accept', channelId: this.channelId, index: m.index, sig };
  }

  /**
   * The accept of the offer in flight again, for a resend after a lost
   * message or a restart. It signs nothing new: the same state, the same
   * deterministic signature.
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
    const same = m.index === p.index && m.amount === p.amount && m.updateKey instanceof Uint8Array && bytesEqual(m.updateKey, p.updateKey);
    if (!same) fail('PAYMENT_PENDING', `an offer for state ${p.index} is already accepted and awaits its revoke`);
    const signer = this.signer;
    if (!signer.verifyCounterparty(signer.receiverVersionHash(BigInt(m.index), m.amount), m.sig)) {
      fail('INVALID_SIGNATURE', 'offer signature does not sign our version of the new state');
    }
    return this.acceptOf(p);
  }

  private acceptOf(p: SignedState): Accept {
    const signer = this.signer;
    return { type: 'accept', channelId: this.channelId, index: p.index, sig: signer.sign(signer.trustedSenderVersionHash(BigInt(p.index), p.amount, p.updateKey)) };
  }

  /** The sender revealed k_i: the pending payment is now final. */
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
    this.store.insertState(BigInt(m.index), m.secret);
    this.s = { ...this.s, current: pending, pending: undefined };
    return { index: pending.index, amount: pending.amount, increment: pending.amount - cur.amount };
  }

  // ---- closing

  /** Propose a cooperative close of the final amount; again at another rate while no close is signed. */
  proposeClose(feeRate: FeeRate): CloseOffer {
    const { close, message } = proposeClose(this.closing, feeRate);
    this.s = { ...this.s, phase: 'closing', close };
    return message;
  }

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
   */
  onCloseOffer(m: CloseOffer): { message: CloseSigned; tx: Transaction } {
    expectMessage(m, 'close_offer');
    this.expectChannel(m.channelId);
    const { close, message, tx } = answerClose(this.closing, m, { mayAnswerOwn: true, maxFeeRate: MAX_FEE_RATE });
    if (close) this.s = { ...this.s, phase: 'closed', close };
    return { message, tx };
  }

  private get closing(): ClosingParty {
    return { phase: this.s.phase, close: this.s.close, paymentPending: this.s.pending !== undefined, amount: this.amount, signer: this.signer, channelId: this.channelId };
  }

  markClosed(): void {
    this.s = { ...this.s, phase: 'closed', pending: undefined };
  }

  // ---- what the receiver can broadcast

  /**
   * Our best version: the pending state if the sender has signed one (it pays
   * us more), else the latest final one. Undefined while we are owed nothing.
   */
  latestTransaction(): Transaction | undefined {
    const st = this.s.pending ?? this.s.current;
    if (!st?.senderSig) return undefined;
    return this.signer.completeReceiverVersion(BigInt(st.index), st.amount, st.senderSig);
  }

  closeTransaction(): Transaction | undefined {
    const tx = this.s.close?.tx;
    return tx ? Transaction.fromBuffer(tx) : undefined;
  }

  /**
   * A child spending the receiver's own output of an unconfirmed spend of the
   * funding output (a close, our version), so that the pair reaches
   * `packageFeeRate`: the way to hurry a close signed at an older, lower rate.
   */
  childPaysForParent(p: ChildPaysForParent): Transaction {
    return childPaysForParent(this.context, p, this.context.params.receiverPayoutKey, this.secrets.payoutKey);
  }

  /** The state a spend of the funding output encodes, if it is a payment transaction of this channel. */
  stateOf(tx: Transaction): bigint | undefined {
    if (!(tx instanceof Transaction)) fail('INVALID_TRANSACTION', 'stateOf needs a Transaction');
    return decodeStateNumber(tx.locktime, tx.ins[0]?.sequence ?? 0, this.context.obscuringFactor);
  }

  /** True if state `index` has been revoked (its secret is in our store). */
  isRevoked(index: number): boolean {
    // BigInt throws a RangeError for a fraction; the store checks the range.
    if (!Number.isSafeInteger(index)) fail('INVALID_ARGUMENT', 'index must be an integer');
    return this.store.getState(BigInt(index)) !== undefined;
  }

  /** Penalty claim against a revoked sender's version, from the broadcast transaction alone. */
  penaltyTx(revokedTx: Uint8Array, destinationScript: Uint8Array, feeRate: FeeRate, opts: { sweepReceiverOutput?: boolean } = {}): Transaction {
    let tx: Transaction;
    try {
      tx = Transaction.fromBuffer(revokedTx);
    } catch {
      return fail('INVALID_TRANSACTION', 'cannot parse transaction');
    }
    const state = this.stateOf(tx);
    if (state === undefined) fail('NOTHING_TO_CLAIM', 'not a payment transaction of this channel');
    const secret = this.store.getState(state);
    if (secret === undefined) fail('NOTHING_TO_CLAIM', `state ${state} is not revoked`);
    const updateKey = derivePublicKey(secret as PrivateKey);
    const p: PenaltyParams = { channel: this.context.params, revokedTx, updateKey, destinationScript, feeRate, ...(opts.sweepReceiverOutput === false ? { sweepReceiverOutput: false } : {}) };
    return signPenaltyTx(p, { updateSecret: secret as PrivateKey, revocationKey: this.secrets.revocationKey, receiverPayoutKey: this.secrets.payoutKey });
  }

  // ---- saving and restoring

  toJSON(): Json {
    return receiverStateToJson(this.s, this.store);
  }

  /**
   * A receiver from its saved state. Damage is STATE_INVALID (details.field
   * names what re-deriving found wrong when it is not the shape); secrets of
   * another channel are INVALID_KEY.
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
    for (const [priv, pub] of own) {
      if (!pub || !bytesEqual(derivePublicKey(priv), pub)) fail('INVALID_KEY', 'secrets do not belong to this channel');
    }
    if (state.funding) {
      savedField('terms', () => r.context);
      verifyReceiverState(state, store, r.signer);
    } else if (store.size() !== 0) {
      fieldError('revocations', 'secrets before funding');
    }
    return r;
  }

  // ---- checks

  private expectPhase(phase: ReceiverPhase, what: string): void {
    if (this.s.phase === phase) return;
    if (this.s.phase === 'closed' || this.s.phase === 'closing') fail('CHANNEL_CLOSED', `${what}: channel is ${this.s.phase}`);
    fail('UNEXPECTED_MESSAGE', `${what} in phase ${this.s.phase}`);
  }

  private expectChannel(id: Uint8Array): void {
    if (!(id instanceof Uint8Array) || !bytesEqual(id, this.id)) fail('WRONG_CHANNEL', 'message for another channel');
  }
}


