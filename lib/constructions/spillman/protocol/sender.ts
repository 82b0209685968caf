/**
 * The sender's (payer's, the seeds' client's) side of a Spillman channel. It
 * proposes the terms, builds and signs the funding itself and broadcasts it
 * itself (bitcoinj#830: a funding someone else broadcasts can be re-encoded,
 * and in Form S the refund would then spend nothing); in Form S only once
 * it holds the receiver's checked signature of its refund. It pays by signing
 * payment T3_i with more for the receiver each time. Every handler checks
 * everything before it changes anything.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import { fail } from '../../../core/errors';
import { bytesEqual, fromHex } from '../../../core/hash';
import {
  AbsoluteLock, FeeRate, PrivateKey, absoluteLockValue, asPrivateKey, checkAmount, checkRelayFeeRate, derivePublicKey,
} from '../../../core/types';
import { ChainView, checkChainView, expectMessage, savedField } from '../../../protocol/party';
import { Json } from '../../../protocol/wire';
import { createFundingPsbt, createScriptFundingPsbt } from '../../../psbt/from-plan';
import { FundingInput, FundingPlan, fundingOutpoint, planFunding, planScriptFunding } from '../../../tx/funding';
import { SpillmanContext, SpillmanForm } from '../params';
import { compileSpillmanCltvScript } from '../templates';
import { SpillmanSigner } from '../tx/signer';
import { SpillmanChildPaysForParent, spillmanChildPaysForParent } from '../tx/cpfp';
import {
  SpillmanAccept, SpillmanCloseOffer, SpillmanCloseSigned, SpillmanFundingCreated, SpillmanOpen, SpillmanPay, SpillmanPayAck, SpillmanRefundSigned,
} from './messages';
import {
  SpillmanSenderPhase, SpillmanSenderState, readSenderState, senderStateToJson, verifySenderState,
} from './sender-state';
import { SpillmanTerms, channelIdOf, contextOf, spillmanCutoffReached } from './terms';

export { SpillmanSenderPhase, SpillmanChildPaysForParent };

/** The sender's keys: never part of its saved state, handed in at open and at every restore. */
export interface SpillmanSenderSecrets {
  /** The private key of the sender's funding key. */
  readonly fundingKey: PrivateKey;
  /** The private key of the sender's payout key (its change and its refund). */
  readonly payoutKey: PrivateKey;
}

/** What the sender proposes in spillman_open. */
export interface SpillmanOpenOptions {
  /** `S` or `C`. */
  readonly form: SpillmanForm;
  /** The deposit: the funding output's value, in satoshis. */
  readonly capacity: bigint;
  /** L: from it the sender can take the deposit back. */
  readonly lockTime: AbsoluteLock;
  /** The payments' and refund's fee rate, sat/kw, at least {@link MIN_FEE_RATE}. */
  readonly feeRate: FeeRate;
  /** The sender's keys. */
  readonly secrets: SpillmanSenderSecrets;
  /** The temporary channel id; unless given, a hash of the sender's funding key (one key per channel). */
  readonly tempChannelId?: Uint8Array;
}

function checkSecrets(secrets: SpillmanSenderSecrets): void {
  if (secrets === null || typeof secrets !== 'object') fail('INVALID_ARGUMENT', 'secrets must be {fundingKey, payoutKey}');
  asPrivateKey(secrets.fundingKey, 'fundingKey');
  asPrivateKey(secrets.payoutKey, 'payoutKey');
}

/**
 * The sender of a Spillman channel.
 *
 * @example
 * ```ts
 * const { sender, message: open } = SpillmanSender.open({ form: 'S', capacity: 1_000_000n, lockTime: { height: tip + 1000 }, feeRate: 1000n, secrets });
 * sender.onAccept(accept);
 * const { psbt, message: created } = sender.createFunding({ inputs: [coin], changeScript, feeRate: 1000n });
 * sender.onRefundSigned(refundSigned); // Form S: only now may the wallet sign psbt; broadcast it yourself
 * const pay = sender.pay(1_000n, chain);
 * ```
 */
export class SpillmanSender {
  private s: SpillmanSenderState;
  private readonly secrets: SpillmanSenderSecrets;
  private signerMemo: { ctx: SpillmanContext; signer: SpillmanSigner } | undefined;

  private constructor(s: SpillmanSenderState, secrets: SpillmanSenderSecrets) {
    this.s = s;
    this.secrets = secrets;
  }

  /**
   * Start a channel: the returned spillman_open goes to the receiver.
   *
   * @param o - The form, deposit, L, fee rate and the sender's keys.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `o` or `o.secrets` is not an object, `form` is not `S` or `C`, or `tempChannelId` is not 32 bytes.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` is not in [1, MAX_MONEY].
   * @throws {@link ChannelError} `INVALID_TIMELOCK` if `lockTime` is malformed or out of range.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE}.
   * @throws {@link ChannelError} `INVALID_KEY` if a secret is not a valid private key.
   */
  static open(o: SpillmanOpenOptions): {
    /** The new sender, in phase `opening`. */
    sender: SpillmanSender;
    /** The spillman_open to send. */
    message: SpillmanOpen;
  } {
    if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', 'open options must be an object');
    if (o.form !== 'S' && o.form !== 'C') fail('INVALID_ARGUMENT', 'form must be S or C');
    checkAmount(o.capacity, 'capacity', 1n);
    const value = absoluteLockValue(o.lockTime);
    checkRelayFeeRate(o.feeRate, 'channel fee rate');
    checkSecrets(o.secrets);
    const senderFundingKey = derivePublicKey(o.secrets.fundingKey);
    const tempChannelId = o.tempChannelId ?? sha256.create().update(utf8ToBytes('revchan/spillman-temp-channel-id')).update(senderFundingKey).digest();
    if (!(tempChannelId instanceof Uint8Array) || tempChannelId.length !== 32) fail('INVALID_ARGUMENT', 'tempChannelId must be 32 bytes');
    const terms: SpillmanTerms = {
      tempChannelId: Uint8Array.from(tempChannelId),
      form: o.form,
      capacity: o.capacity,
      lockTime: 'height' in o.lockTime ? { height: value } : { time: value },
      feeRate: o.feeRate,
      senderFundingKey,
      senderPayoutKey: derivePublicKey(o.secrets.payoutKey),
    };
    const sender = new SpillmanSender({ phase: 'opening', terms, index: 0, amount: 0n, acked: 0 }, o.secrets);
    const { form, capacity, lockTime, feeRate, senderPayoutKey } = terms;
    return { sender, message: { type: 'spillman_open', tempChannelId: Uint8Array.from(terms.tempChannelId), form, capacity, lockTime, feeRate, senderFundingKey, senderPayoutKey } };
  }

  // ---- views

  /** Where the sender is in the channel's life. */
  get phase(): SpillmanSenderPhase { return this.s.phase; }
  /** The channel's form. */
  get form(): SpillmanForm { return this.s.terms.form; }
  /** The receiver's total in the last payment signed. */
  get amount(): bigint { return this.s.amount; }
  /** The last payment's index. */
  get index(): number { return this.s.index; }
  /** The last payment the receiver acknowledged. */
  get acked(): number { return this.s.acked; }
  /** L. */
  get lockTime(): AbsoluteLock { return this.s.terms.lockTime; }
  /** The receiver's margin before L, once accepted. */
  get margin(): number | undefined { return this.s.terms.margin; }
  /** The funding outpoint, once created. */
  get funding(): {
    /** The funding txid. */
    txid: string;
    /** The funding output's index. */
    vout: number;
  } | undefined { return this.s.funding ? { ...this.s.funding } : undefined; }
  /** The channel id: the temporary one before funding (a copy). */
  get channelId(): Uint8Array { return Uint8Array.from(channelIdOf(this.s.terms, this.s.funding)); }

  /**
   * The checked channel parameters, once the funding is created.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   */
  get context(): SpillmanContext {
    return contextOf(this.s.terms, this.s.funding);
  }

  private get signer(): SpillmanSigner {
    const ctx = this.context;
    if (this.signerMemo?.ctx !== ctx) this.signerMemo = { ctx, signer: new SpillmanSigner(ctx, 'sender', this.secrets.fundingKey) };
    return this.signerMemo.signer;
  }

  // ---- opening

  /**
   * The receiver's keys and margin.
   *
   * @param m - The receiver's spillman_accept.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if it is in another phase than `opening`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another temporary id.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `margin` is not in [0, 65535].
   * @throws {@link ChannelError} `INVALID_KEY` if a key is not valid, or one of the sender's own.
   */
  onAccept(m: SpillmanAccept): void {
    expectMessage(m, 'spillman_accept');
    this.expectPhase('opening', m.type);
    if (!(m.tempChannelId instanceof Uint8Array) || !bytesEqual(m.tempChannelId, this.s.terms.tempChannelId)) fail('WRONG_CHANNEL', 'spillman_accept for another channel');
    if (!Number.isSafeInteger(m.margin) || m.margin < 0 || m.margin > 0xffff) fail('INVALID_ARGUMENT', 'margin must be in [0, 65535]');
    const t = this.s.terms;
    for (const k of [m.receiverFundingKey, m.receiverPayoutKey]) {
      if (!(k instanceof Uint8Array) || k.length !== 33) fail('INVALID_KEY', 'receiver keys must be 33-byte keys');
      if (bytesEqual(k, t.senderFundingKey) || bytesEqual(k, t.senderPayoutKey)) fail('INVALID_KEY', 'the receiver uses one of our keys');
    }
    const terms: SpillmanTerms = { ...t, receiverFundingKey: m.receiverFundingKey, receiverPayoutKey: m.receiverPayoutKey, margin: m.margin };
    // The keys are checked as the builders will use them: with a placeholder outpoint, the whole context once.
    contextOf(terms, { txid: '00'.repeat(32), vout: 0 });
    this.s = { ...this.s, phase: 'accepted', terms };
  }

  /**
   * Build the funding transaction from the wallet's coins (every one segwit)
   * and name its outpoint to the receiver. Form S: do not let the wallet
   * sign `psbt` before {@link SpillmanSender.onRefundSigned} accepted the
   * refund's signature. Form C: the refund needs no one, so the funding may
   * be signed and broadcast at once. Either way the sender broadcasts it.
   *
   * @param f - The wallet's coins, the change script and the funding fee rate.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if it is in another phase than `accepted`.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `f` is not an object, or as {@link planFunding} for the coins.
   * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION` or `INSUFFICIENT_FUNDS` if {@link planFunding} refuses the coins, change script or fee rate.
   */
  createFunding(f: {
    /** The wallet's coins, each segwit. */
    readonly inputs: readonly FundingInput[];
    /** Where the wallet's change goes. */
    readonly changeScript: Uint8Array;
    /** The funding transaction's fee rate, sat/kw. */
    readonly feeRate: FeeRate;
  }): {
    /** The funding transaction, its fee and change. */
    plan: FundingPlan;
    /** The funding transaction as a PSBT, for the wallet to sign. */
    psbt: Psbt;
    /** The spillman_funding_created to send. */
    message: SpillmanFundingCreated;
  } {
    this.expectPhase('accepted', 'createFunding');
    if (f === null || typeof f !== 'object') fail('INVALID_ARGUMENT', 'funding options must be an object');
    const t = this.s.terms;
    const common = { inputs: f.inputs, changeScript: f.changeScript, feeRate: f.feeRate, capacity: t.capacity };
    let plan: FundingPlan;
    let psbt: Psbt;
    if (t.form === 'S') {
      const p = { ...common, senderFundingKey: t.senderFundingKey, receiverFundingKey: t.receiverFundingKey! };
      plan = planFunding(p);
      psbt = createFundingPsbt(p);
    } else {
      const fundingScript = compileSpillmanCltvScript({ senderFundingKey: t.senderFundingKey, receiverFundingKey: t.receiverFundingKey!, lockTime: t.lockTime });
      const p = { ...common, fundingScript };
      plan = planScriptFunding(p);
      psbt = createScriptFundingPsbt(p);
    }
    const funding = fundingOutpoint(plan.tx);
    this.s = { ...this.s, phase: t.form === 'S' ? 'funding_created' : 'open', funding };
    const message: SpillmanFundingCreated = {
      type: 'spillman_funding_created', tempChannelId: Uint8Array.from(t.tempChannelId), fundingTxid: fromHex(funding.txid), fundingVout: funding.vout,
    };
    return { plan, psbt, message };
  }

  /**
   * Form S: the receiver's signature of the refund, checked on the refund the
   * sender builds itself. Only after this may the funding be signed.
   *
   * @param m - The receiver's spillman_refund_signed.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if it is in another phase than `funding_created`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the refund.
   */
  onRefundSigned(m: SpillmanRefundSigned): void {
    expectMessage(m, 'spillman_refund_signed');
    this.expectPhase('funding_created', m.type);
    this.expectChannel(m.channelId);
    const signer = this.signer;
    if (!(m.sig instanceof Uint8Array) || !signer.verifyCounterparty(signer.refundHash(), m.sig)) fail('INVALID_SIGNATURE', 'the signature does not sign our refund');
    this.s = { ...this.s, phase: 'open', refundSig: Uint8Array.from(m.sig) };
  }

  /**
   * The signed refund: in Form S with the receiver's signature, in Form C the
   * sender's alone. It is valid from L on; before, nodes refuse it (`non-final`).
   * Form C only: at `feeRate`, and replaceable (BIP 125) by one at a higher
   * rate; Form S's refund was signed by the receiver at the channel's rate,
   * and only a child ({@link SpillmanSender.childPaysForParent}) raises it.
   *
   * @param feeRate - Form C: the refund's fee rate, sat/kw; omitted, the channel's (and the refund signals no replacement).
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded, or (Form S) the refund is not signed yet.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `feeRate` is given in Form S.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee at `feeRate` leaves a dust output.
   */
  refundTransaction(feeRate?: FeeRate): Transaction {
    if (this.s.funding === undefined) fail('UNEXPECTED_MESSAGE', 'the channel is not funded yet');
    if (feeRate !== undefined) return this.signer.completeRefundAt(feeRate);
    if (this.s.terms.form === 'S' && this.s.refundSig === undefined) fail('UNEXPECTED_MESSAGE', 'the receiver has not signed the refund yet');
    return this.signer.completeRefund(this.s.refundSig);
  }

  /**
   * A child through the sender's output of its unconfirmed refund (or any
   * spend of the funding output paying it), lifting the pair to
   * `packageFeeRate`: the only way to raise a Form S refund's fee.
   *
   * @param p - The parent, the package rate and where the child pays.
   * @returns The signed child, to broadcast after the parent.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parent` does not parse or does not spend the funding output alone.
   * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if the parent pays the sender nothing.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the child's fee leaves a dust output.
   */
  childPaysForParent(p: SpillmanChildPaysForParent): Transaction {
    const ctx = this.context;
    return spillmanChildPaysForParent(ctx, p, ctx.senderPayoutScript, this.s.terms.senderPayoutKey, this.secrets.payoutKey);
  }

  // ---- paying

  /**
   * Pay `increment` more: sign the next payment. Past the receiver's cutoff
   * L - margin nothing is signed: the receiver would refuse the payment
   * (CHANNEL_EXPIRED), and a payment it cannot close with before L is worth
   * nothing to it.
   *
   * @param increment - Satoshis to add to the receiver's total.
   * @param chain - The chain tip as the sender's node sees it, for the cutoff L - margin.
   * @returns The spillman_pay to send (after saving).
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if the last payment is not acknowledged yet (resend it with {@link SpillmanSender.pendingPay}).
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `increment` is not a positive bigint.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is malformed.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED` if the cutoff L - margin is reached: the channel only closes now.
   * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if the receiver's total would be below the dust limit.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the total and the fee would exceed the deposit.
   */
  pay(increment: bigint, chain: ChainView): SpillmanPay {
    this.expectPhase('open', 'pay');
    if (this.s.acked !== this.s.index) fail('PAYMENT_PENDING', `payment ${this.s.index} is not acknowledged yet`);
    checkAmount(increment, 'increment', 1n);
    checkChainView(chain, 'a payment');
    // The margin is the receiver's, agreed in spillman_accept: an open sender always holds it.
    if (spillmanCutoffReached(this.s.terms.lockTime, this.s.terms.margin!, chain)) {
      fail('CHANNEL_EXPIRED', 'past the payment cutoff L - margin: the receiver would refuse the payment');
    }
    const index = this.s.index + 1;
    const amount = this.s.amount + increment;
    const sig = this.signer.sign(this.signer.paymentHash(index, amount));
    this.s = { ...this.s, index, amount };
    return { type: 'spillman_pay', channelId: this.channelId, index, amount, sig };
  }

  /**
   * The last payment again, for a resend after a lost message or a restart:
   * the same deterministic signature.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no payment awaits its acknowledgement.
   */
  pendingPay(): SpillmanPay {
    if (this.s.acked === this.s.index || this.s.funding === undefined) fail('UNEXPECTED_MESSAGE', 'no payment awaits its acknowledgement');
    const { index, amount } = this.s;
    return { type: 'spillman_pay', channelId: this.channelId, index, amount, sig: this.signer.sign(this.signer.paymentHash(index, amount)) };
  }

  /**
   * The receiver took the last payment.
   *
   * @param m - The receiver's spillman_pay_ack.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if it acknowledges another payment than the last.
   */
  onPayAck(m: SpillmanPayAck): void {
    expectMessage(m, 'spillman_pay_ack');
    if (this.s.funding === undefined) fail('UNEXPECTED_MESSAGE', 'the channel is not funded yet');
    this.expectChannel(m.channelId);
    if (m.index !== this.s.index) fail('UPDATE_INDEX_MISMATCH', `acknowledges payment ${String(m.index)}, the last is ${this.s.index}`);
    this.s = { ...this.s, acked: m.index };
  }

  // ---- closing

  /**
   * Offer a close of the last total at a fresh fee rate, paid from the sender's side.
   *
   * @param feeRate - The close's fee rate, sat/kw.
   * @returns The spillman_close_offer to send.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed, `UNEXPECTED_MESSAGE` if it is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if the last payment is not acknowledged.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE}.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` or `FEE_EXCEEDS_OUTPUT` if the fee does not fit beside the total.
   */
  proposeClose(feeRate: FeeRate): SpillmanCloseOffer {
    this.expectPhase('open', 'proposeClose');
    if (this.s.acked !== this.s.index) fail('PAYMENT_PENDING', `payment ${this.s.index} is not acknowledged yet`);
    checkRelayFeeRate(feeRate, 'close fee rate');
    const sig = this.signer.sign(this.signer.closeHash(this.s.amount, feeRate));
    this.s = { ...this.s, phase: 'closing', close: { amount: this.s.amount, feeRate } };
    return { type: 'spillman_close_offer', channelId: this.channelId, amount: this.s.amount, feeRate, sig };
  }

  /**
   * The receiver's signature of the close: the close is complete.
   *
   * @param m - The receiver's spillman_close_signed.
   * @returns The signed close, to broadcast.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if no close is offered.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the close.
   */
  onCloseSigned(m: SpillmanCloseSigned): Transaction {
    expectMessage(m, 'spillman_close_signed');
    this.expectPhase('closing', m.type);
    this.expectChannel(m.channelId);
    const c = this.s.close!;
    if (!(m.sig instanceof Uint8Array)) fail('INVALID_SIGNATURE', 'sig must be bytes');
    const tx = this.signer.completeClose(c.amount, c.feeRate, m.sig);
    this.s = { ...this.s, phase: 'closed', close: { ...c, tx: tx.toBuffer() } };
    return tx;
  }

  /** The signed close, once complete. */
  closeTransaction(): Transaction | undefined {
    const tx = this.s.close?.tx;
    return tx ? Transaction.fromBuffer(tx) : undefined;
  }

  /** The chain settled the channel (a payment, the close or the refund confirmed). */
  markClosed(): void {
    this.s = { ...this.s, phase: 'closed' };
  }

  // ---- saving and restoring

  /** The sender's state as JSON (no private key), for {@link SpillmanSender.restore}. */
  toJSON(): Json {
    return senderStateToJson(this.s);
  }

  /**
   * A sender from its saved state; damage is STATE_INVALID (details.field
   * names what re-deriving found wrong), keys of another channel INVALID_KEY.
   *
   * @param json - What {@link SpillmanSender.toJSON} gave, parsed.
   * @param secrets - The sender's keys.
   * @throws {@link ChannelError} `STATE_INVALID` if `json` is damaged: malformed, its parts disagree, or the refund signature does not verify.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secrets` is not an object.
   * @throws {@link ChannelError} `INVALID_KEY` if a secret is malformed or not this channel's.
   */
  static restore(json: unknown, secrets: SpillmanSenderSecrets): SpillmanSender {
    const state = readSenderState(json);
    checkSecrets(secrets);
    const t = state.terms;
    if (!bytesEqual(derivePublicKey(secrets.fundingKey), t.senderFundingKey) || !bytesEqual(derivePublicKey(secrets.payoutKey), t.senderPayoutKey)) {
      fail('INVALID_KEY', 'secrets do not belong to this channel');
    }
    const sender = new SpillmanSender(state, secrets);
    if (state.funding) {
      savedField('terms', () => sender.context);
      verifySenderState(state, sender.signer);
    }
    return sender;
  }

  // ---- checks

  private expectPhase(phase: SpillmanSenderPhase, what: string): void {
    if (this.s.phase === phase) return;
    if (this.s.phase === 'closed' || this.s.phase === 'closing') fail('CHANNEL_CLOSED', `${what}: the channel is ${this.s.phase}`);
    fail('UNEXPECTED_MESSAGE', `${what} in phase ${this.s.phase}`);
  }

  private expectChannel(id: Uint8Array): void {
    if (!(id instanceof Uint8Array) || !bytesEqual(id, channelIdOf(this.s.terms, this.s.funding))) fail('WRONG_CHANNEL', 'a message for another channel');
  }
}

