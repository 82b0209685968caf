/**
 * The receiver's (payee's, the seeds' server's) side of a Spillman channel.
 * It signs only what it builds from its own state: the refund from the
 * agreed terms, and a close of the latest total it holds. It takes a payment
 * only if its index is the next, its total strictly above the last and above
 * dust, the channel is before its cutoff L - margin, and the sender's
 * signature signs the payment it rebuilt. Its funding must come from its own
 * node, every input segwit. Every handler checks everything before it
 * changes anything.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import {
  AbsoluteLock, DUST_P2WPKH, FeeRate, PrivateKey, PublicKey, absoluteLockValue, asPrivateKey, asPublicKey, checkAmount, checkRelayFeeRate, derivePublicKey,
} from '../../../core/types';
import { FundingEvidence, FundingStatus, checkFundingEvidence, fundingPolicyOf } from '../../../protocol/funding-evidence';
import {
  ChainView, DEFAULT_MARGIN, checkChainView, expectMessage, savedField,
} from '../../../protocol/party';
import { Json } from '../../../protocol/wire';
import { SpillmanContext, SpillmanForm } from '../params';
import { SpillmanSigner } from '../tx/signer';
import { SpillmanChildPaysForParent, spillmanChildPaysForParent } from '../tx/cpfp';
import {
  SpillmanAccept, SpillmanCloseOffer, SpillmanCloseSigned, SpillmanFundingCreated, SpillmanOpen, SpillmanPay, SpillmanPayAck, SpillmanRefundSigned,
} from './messages';
import {
  SpillmanReceiverPhase, SpillmanReceiverState, readReceiverState, receiverStateToJson, verifyReceiverState,
} from './receiver-state';
import { SpillmanTerms, channelIdOf, contextOf, spillmanCutoffReached } from './terms';
import { toHex } from '../../../core/hash';

export { SpillmanReceiverPhase };

/** The receiver's keys: never part of its saved state. */
export interface SpillmanReceiverSecrets {
  /** The private key of the receiver's funding key. */
  readonly fundingKey: PrivateKey;
  /** The private key of the receiver's payout key. */
  readonly payoutKey: PrivateKey;
}

/** What a receiver agrees to at open. */
export interface SpillmanReceiverPolicy {
  /** The smallest deposit accepted. */
  readonly minCapacity?: bigint;
  /** The largest deposit accepted. */
  readonly maxCapacity?: bigint;
  /** The lowest payment fee rate accepted, sat/kw. */
  readonly minFeeRate?: FeeRate;
  /** The highest payment fee rate accepted, sat/kw. */
  readonly maxFeeRate?: FeeRate;
  /** Blocks before L from which it takes no payment and closes ({@link DEFAULT_MARGIN} by default, at least 1). */
  readonly margin?: number;
  /** Blocks of payments it wants at least: L must be beyond tip + margin + this (default 144). */
  readonly minWindow?: number;
  /** Confirmations of the funding before payments are taken (default 3). */
  readonly fundingDepth?: number;
  /** Zero-conf, opted into: payments on shallower funding up to this total. */
  readonly zeroConf?: {
    /** The most the receiver's total may reach before the funding is deep. */
    readonly budget: bigint;
  };
}

/** A payment the receiver took. */
export interface SpillmanPaymentReceived {
  /** Its index. */
  readonly index: number;
  /** The receiver's total after it. */
  readonly amount: bigint;
  /** What it added. */
  readonly increment: bigint;
}

const DEFAULT_MIN_WINDOW = 144;

function checkSecrets(secrets: SpillmanReceiverSecrets): void {
  if (secrets === null || typeof secrets !== 'object') fail('INVALID_ARGUMENT', 'secrets must be {fundingKey, payoutKey}');
  asPrivateKey(secrets.fundingKey, 'fundingKey');
  asPrivateKey(secrets.payoutKey, 'payoutKey');
}

/**
 * The receiver of a Spillman channel.
 *
 * @example
 * ```ts
 * const { receiver, message: accept } = SpillmanReceiver.accept(open, secrets, { margin: 288 }, chain);
 * const refundSigned = receiver.onFundingCreated(created); // Form S; undefined in Form C
 * receiver.markFundingConfirmed({ tx, confirmations }); // from the receiver's own node
 * const { message: ack, paid } = receiver.onPay(pay, chain);
 * // by L - margin: broadcast receiver.latestPaymentTransaction()
 * ```
 */
export class SpillmanReceiver {
  private s: SpillmanReceiverState;
  private readonly secrets: SpillmanReceiverSecrets;
  private signerMemo: { ctx: SpillmanContext; signer: SpillmanSigner } | undefined;

  private constructor(s: SpillmanReceiverState, secrets: SpillmanReceiverSecrets) {
    this.s = s;
    this.secrets = secrets;
  }

  /**
   * Answer a spillman_open: the terms against the policy and the chain (L far enough).
   *
   * @param m - The sender's spillman_open.
   * @param secrets - The receiver's keys.
   * @param policy - Deposit and fee bounds, margin, payment window, funding depth, zero-conf.
   * @param chain - The chain tip.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secrets`, `policy` or `chain` is malformed, `form` is not `S` or `C`, `tempChannelId` is not 32 bytes, or `margin`/`minWindow`/`fundingDepth`/`zeroConf` is out of range.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` is not a valid amount or is outside the policy.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `feeRate` is below {@link MIN_FEE_RATE} or outside the policy.
   * @throws {@link ChannelError} `INVALID_TIMELOCK` if `lockTime` is malformed, or so soon that fewer than `minWindow` blocks would remain before L - margin.
   * @throws {@link ChannelError} `INVALID_KEY` if a sender key is malformed or one of the receiver's, or a secret is not a valid private key.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the deposit does not cover the fees plus a non-dust output.
   */
  static accept(m: SpillmanOpen, secrets: SpillmanReceiverSecrets, policy: SpillmanReceiverPolicy = {}, chain?: ChainView): {
    /** The new receiver, in phase `accepted`. */
    receiver: SpillmanReceiver;
    /** The spillman_accept to send. */
    message: SpillmanAccept;
  } {
    expectMessage(m, 'spillman_open');
    checkSecrets(secrets);
    if (policy === null || typeof policy !== 'object') fail('INVALID_ARGUMENT', 'policy must be an object');
    checkChainView(chain, 'opening a Spillman channel');
    if (m.form !== 'S' && m.form !== 'C') fail('INVALID_ARGUMENT', 'form must be S or C');
    if (!(m.tempChannelId instanceof Uint8Array) || m.tempChannelId.length !== 32) fail('INVALID_ARGUMENT', 'tempChannelId must be 32 bytes');
    checkAmount(m.capacity, 'capacity', 1n);
    checkRelayFeeRate(m.feeRate, 'channel fee rate');
    const value = absoluteLockValue(m.lockTime);
    asPublicKey(m.senderFundingKey, 'senderFundingKey');
    asPublicKey(m.senderPayoutKey, 'senderPayoutKey');
    const margin = policy.margin ?? DEFAULT_MARGIN;
    if (!Number.isSafeInteger(margin) || margin < 1 || margin > 0xffff) fail('INVALID_ARGUMENT', 'margin must be in [1, 65535] blocks');
    const minWindow = policy.minWindow ?? DEFAULT_MIN_WINDOW;
    if (!Number.isSafeInteger(minWindow) || minWindow < 0 || margin + minWindow > 0xffff) fail('INVALID_ARGUMENT', 'minWindow must be a non-negative integer, with margin at most 65535');
    const fundingPolicy = fundingPolicyOf(policy);
    if (policy.minCapacity !== undefined && m.capacity < policy.minCapacity) fail('INVALID_AMOUNT', 'capacity below policy');
    if (policy.maxCapacity !== undefined && m.capacity > policy.maxCapacity) fail('INVALID_AMOUNT', 'capacity above policy');
    if (policy.minFeeRate !== undefined && m.feeRate < policy.minFeeRate) fail('FEE_RATE_REFUSED', 'fee rate below policy');
    if (policy.maxFeeRate !== undefined && m.feeRate > policy.maxFeeRate) fail('FEE_RATE_REFUSED', 'fee rate above policy');
    const lockTime: AbsoluteLock = 'height' in m.lockTime ? { height: value } : { time: value };
    // L too soon: the receiver could take payments for fewer than minWindow blocks before it must close.
    if (spillmanCutoffReached(lockTime, margin + minWindow, chain!)) {
      fail('INVALID_TIMELOCK', `L leaves fewer than ${minWindow} blocks of payments before its cutoff ${margin} blocks ahead of it`, { reason: 'too-soon', margin, minWindow });
    }
    const receiverFundingKey = derivePublicKey(secrets.fundingKey);
    const receiverPayoutKey = derivePublicKey(secrets.payoutKey);
    for (const k of [receiverFundingKey, receiverPayoutKey]) {
      if (bytesEqual(k, m.senderFundingKey) || bytesEqual(k, m.senderPayoutKey)) fail('INVALID_KEY', 'the sender uses one of our keys');
    }
    const terms: SpillmanTerms = {
      tempChannelId: Uint8Array.from(m.tempChannelId), form: m.form, capacity: m.capacity, lockTime, feeRate: m.feeRate,
      senderFundingKey: m.senderFundingKey, senderPayoutKey: m.senderPayoutKey, receiverFundingKey, receiverPayoutKey, margin,
    };
    // Every key and fee is checked as the builders will use them, with a placeholder outpoint.
    contextOf(terms, { txid: '00'.repeat(32), vout: 0 });
    const receiver = new SpillmanReceiver({ phase: 'accepted', terms, fundingPolicy, fundingConfirmed: false }, secrets);
    return {
      receiver,
      message: { type: 'spillman_accept', tempChannelId: Uint8Array.from(m.tempChannelId), receiverFundingKey, receiverPayoutKey, margin },
    };
  }

  // ---- views

  /** Where the receiver is. */
  get phase(): SpillmanReceiverPhase { return this.s.phase; }
  /** The channel's form. */
  get form(): SpillmanForm { return this.s.terms.form; }
  /** The receiver's total in the latest payment it holds. */
  get amount(): bigint { return this.s.latest?.amount ?? 0n; }
  /** The latest payment's index (0 before any). */
  get index(): number { return this.s.latest?.index ?? 0; }
  /** L. */
  get lockTime(): AbsoluteLock { return this.s.terms.lockTime; }
  /** Blocks before L from which no payment is taken and the receiver closes. */
  get margin(): number { return this.s.terms.margin!; }
  /** The funding was seen at the policy depth. */
  get fundingConfirmed(): boolean { return this.s.fundingConfirmed; }
  /** The funding outpoint, once named. */
  get funding(): {
    /** The funding txid. */
    txid: string;
    /** The funding output's index. */
    vout: number;
  } | undefined { return this.s.funding ? { ...this.s.funding } : undefined; }
  /** The channel id (a copy). */
  get channelId(): Uint8Array { return Uint8Array.from(channelIdOf(this.s.terms, this.s.funding)); }

  /**
   * The checked channel parameters, once funded.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   */
  get context(): SpillmanContext {
    return contextOf(this.s.terms, this.s.funding);
  }

  private get signer(): SpillmanSigner {
    const ctx = this.context;
    if (this.signerMemo?.ctx !== ctx) this.signerMemo = { ctx, signer: new SpillmanSigner(ctx, 'receiver', this.secrets.fundingKey) };
    return this.signerMemo.signer;
  }

  /**
   * Whether payments have stopped: the next block is within the margin of L.
   *
   * @param chain - The chain tip.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is malformed.
   */
  cutoffReached(chain: ChainView): boolean {
    return spillmanCutoffReached(this.s.terms.lockTime, this.margin, checkChainView(chain, 'the payment cutoff'));
  }

  // ---- opening

  /**
   * The funding outpoint. Form S: the receiver signs the refund it builds
   * from the terms (it sees only the outpoint, as the wiki's server saw only
   * T1's hash, and risks nothing: the refund pays the deposit back to the
   * sender, from L). Form C: nothing to sign.
   *
   * @param m - The sender's spillman_funding_created.
   * @returns Form S: the spillman_refund_signed to send; Form C: undefined.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if it is in another phase than `accepted`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another temporary id.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if the funding txid or vout is malformed.
   */
  onFundingCreated(m: SpillmanFundingCreated): SpillmanRefundSigned | undefined {
    expectMessage(m, 'spillman_funding_created');
    this.expectPhase('accepted', m.type);
    if (!(m.tempChannelId instanceof Uint8Array) || !bytesEqual(m.tempChannelId, this.s.terms.tempChannelId)) fail('WRONG_CHANNEL', 'spillman_funding_created for another channel');
    if (!(m.fundingTxid instanceof Uint8Array) || m.fundingTxid.length !== 32) fail('INVALID_ARGUMENT', 'fundingTxid must be 32 bytes');
    const funding = { txid: toHex(m.fundingTxid), vout: m.fundingVout };
    const ctx = contextOf(this.s.terms, funding);
    let answer: SpillmanRefundSigned | undefined;
    if (ctx.params.form === 'S') {
      const signer = new SpillmanSigner(ctx, 'receiver', this.secrets.fundingKey);
      answer = { type: 'spillman_refund_signed', channelId: Uint8Array.from(channelIdOf(this.s.terms, funding)), sig: signer.sign(signer.refundHash()) };
    }
    this.s = { ...this.s, phase: 'funded', funding };
    return answer;
  }

  /**
   * Open the channel on the receiver's own node's evidence: the funding
   * transaction (the agreed txid, paying the capacity to the channel's
   * script, every input segwit) at the policy depth, or shallower within
   * the zero-conf budget. Again on an open channel, it checks again and
   * lifts the budget once deep.
   *
   * @param evidence - The raw funding transaction and its confirmations.
   * @returns The confirmations and whether the policy depth is reached.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if it is not funded or open.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `evidence` is not `{tx, confirmations}` of the right kinds.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `evidence.tx` does not parse.
   * @throws {@link ChannelError} `FUNDING_MISMATCH` if it is not the agreed transaction paying the capacity to the channel's script (`details.field`).
   * @throws {@link ChannelError} `NON_SEGWIT_INPUT` if an input of the funding has no witness: its txid could have changed, and with it every transaction spending it.
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if it is not deep enough and zero-conf is off.
   */
  markFundingConfirmed(evidence: FundingEvidence): FundingStatus {
    if (this.s.phase !== 'open') this.expectPhase('funded', 'markFundingConfirmed');
    const status = checkFundingEvidence(this.context.funding, evidence, this.s.fundingPolicy, this.s.fundingConfirmed);
    const tx = Transaction.fromBuffer(evidence.tx);
    if (tx.ins.some((i) => i.witness.length === 0)) fail('NON_SEGWIT_INPUT', 'a funding input has no witness: the channel takes segwit funding only');
    if (this.s.phase === 'funded' || status.deep !== this.s.fundingConfirmed) this.s = { ...this.s, phase: 'open', fundingConfirmed: status.deep };
    return status;
  }

  // ---- payments

  /**
   * Take a payment: T3_index rebuilt from the terms and the message's total, the sender's signature checked on it.
   *
   * @param m - The sender's spillman_pay.
   * @param chain - The chain tip, for the cutoff L - margin.
   * @returns The spillman_pay_ack to send (after saving) and what the payment added.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is malformed.
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if the funding is not confirmed yet, or the total is above the zero-conf budget.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if it is not open.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if `m.index` is not the next payment's.
   * @throws {@link ChannelError} `UPDATE_NOT_MONOTONIC` if the total is not strictly above the last.
   * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if the total is below the dust limit.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the total and the fee exceed the deposit.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED` if the cutoff L - margin is reached: close now.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the payment.
   */
  onPay(m: SpillmanPay, chain: ChainView): {
    /** The spillman_pay_ack to send. */
    message: SpillmanPayAck;
    /** What the payment added; 0 for the last payment again (its ack was lost). */
    paid: SpillmanPaymentReceived;
  } {
    expectMessage(m, 'spillman_pay');
    checkChainView(chain, 'a payment');
    if (this.s.phase === 'funded') fail('FUNDING_NOT_CONFIRMED', 'the funding is not confirmed yet');
    this.expectPhase('open', m.type);
    this.expectChannel(m.channelId);
    const last = this.s.latest;
    const lastIndex = last?.index ?? 0;
    const lastAmount = last?.amount ?? 0n;
    if (last && m.index === last.index && m.amount === last.amount && m.sig instanceof Uint8Array && bytesEqual(m.sig, last.senderSig)) {
      return { message: this.ack(last.index), paid: { index: last.index, amount: last.amount, increment: 0n } };
    }
    if (m.index !== lastIndex + 1) fail('UPDATE_INDEX_MISMATCH', `payment ${String(m.index)}, expected ${lastIndex + 1}`);
    if (typeof m.amount !== 'bigint' || m.amount <= lastAmount) fail('UPDATE_NOT_MONOTONIC', 'a payment must pay strictly more than the last', { last: lastAmount.toString() });
    if (m.amount < DUST_P2WPKH) fail('AMOUNT_BELOW_DUST', `a total below the dust limit ${DUST_P2WPKH}`, { amount: m.amount.toString() });
    const ctx = this.context;
    if (m.amount > ctx.maxAmount) fail('AMOUNT_EXCEEDS_CAPACITY', 'the total and the fee exceed the deposit', { max: ctx.maxAmount.toString() });
    const budget = this.s.fundingConfirmed ? undefined : this.s.fundingPolicy.zeroConfBudget;
    if (budget !== undefined && m.amount > budget) fail('FUNDING_NOT_CONFIRMED', 'a total above the zero-conf budget before the funding is deep', { budget: budget.toString() });
    if (this.cutoffReached(chain)) fail('CHANNEL_EXPIRED', 'past the payment cutoff L - margin: close with the latest payment');
    const signer = this.signer;
    if (!(m.sig instanceof Uint8Array) || !signer.verifyCounterparty(signer.paymentHash(m.index, m.amount), m.sig)) {
      fail('INVALID_SIGNATURE', 'the signature does not sign our rebuild of the payment');
    }
    this.s = { ...this.s, latest: { index: m.index, amount: m.amount, senderSig: Uint8Array.from(m.sig) } };
    return { message: this.ack(m.index), paid: { index: m.index, amount: m.amount, increment: m.amount - lastAmount } };
  }

  private ack(index: number): SpillmanPayAck {
    return { type: 'spillman_pay_ack', channelId: this.channelId, index };
  }

  /**
   * The latest payment with both signatures: what the receiver broadcasts to close, by L - margin.
   *
   * @returns The signed payment, or undefined before any payment.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded.
   */
  latestPaymentTransaction(): Transaction | undefined {
    const l = this.s.latest;
    if (!l) return undefined;
    return this.signer.completePayment(l.index, l.amount, l.senderSig);
  }

  /**
   * A child through the receiver's output of its unconfirmed close (its
   * latest payment, or any spend of the funding output paying it), lifting
   * the pair to `packageFeeRate`: the payment's fee was frozen when the
   * sender signed it, and it must be mined before L.
   *
   * @param p - The parent, the package rate and where the child pays.
   * @returns The signed child, to broadcast after the parent.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parent` does not parse or does not spend the funding output alone.
   * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if the parent pays the receiver nothing.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the child's fee leaves a dust output.
   */
  childPaysForParent(p: SpillmanChildPaysForParent): Transaction {
    const ctx = this.context;
    return spillmanChildPaysForParent(ctx, p, ctx.receiverPayoutScript, ctx.params.receiverPayoutKey, this.secrets.payoutKey);
  }

  // ---- closing

  /**
   * The sender offers a close of the latest total at a fresh fee rate: the
   * receiver signs the close it builds itself.
   *
   * @param m - The sender's spillman_close_offer.
   * @param maxFeeRate - The highest close fee rate the receiver signs (the fee is the sender's, but a high one could delay the close).
   * @returns The spillman_close_signed to send and the signed close to broadcast.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closed, `UNEXPECTED_MESSAGE` if it is not open.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if `m` is for another channel.
   * @throws {@link ChannelError} `UPDATE_NOT_MONOTONIC` if the close pays another total than the latest payment.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `m.feeRate` or `maxFeeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `m.feeRate` is below {@link MIN_FEE_RATE} or above `maxFeeRate`.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` or `FEE_EXCEEDS_OUTPUT` if the fee does not fit beside the total.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `m.sig` does not sign the close.
   */
  onCloseOffer(m: SpillmanCloseOffer, maxFeeRate: FeeRate): {
    /** The spillman_close_signed to send. */
    message: SpillmanCloseSigned;
    /** The signed close, to broadcast. */
    tx: Transaction;
  } {
    expectMessage(m, 'spillman_close_offer');
    checkRelayFeeRate(maxFeeRate, 'maxFeeRate');
    this.expectPhase('open', m.type);
    this.expectChannel(m.channelId);
    if (m.amount !== this.amount) fail('UPDATE_NOT_MONOTONIC', 'the close must pay the latest total', { latest: this.amount.toString() });
    checkRelayFeeRate(m.feeRate, 'close fee rate');
    if (m.feeRate > maxFeeRate) fail('FEE_RATE_REFUSED', 'close fee rate above our bound');
    const signer = this.signer;
    if (!(m.sig instanceof Uint8Array)) fail('INVALID_SIGNATURE', 'sig must be bytes');
    const tx = signer.completeClose(m.amount, m.feeRate, m.sig);
    const sig = signer.sign(signer.closeHash(m.amount, m.feeRate));
    this.s = { ...this.s, phase: 'closed', close: { amount: m.amount, feeRate: m.feeRate, tx: tx.toBuffer() } };
    return { message: { type: 'spillman_close_signed', channelId: this.channelId, sig }, tx };
  }

  /** The signed cooperative close, once made. */
  closeTransaction(): Transaction | undefined {
    const tx = this.s.close?.tx;
    return tx ? Transaction.fromBuffer(tx) : undefined;
  }

  /** The chain settled the channel (a payment, the close or the refund confirmed). */
  markClosed(): void {
    this.s = { ...this.s, phase: 'closed' };
  }

  // ---- saving and restoring

  /** The receiver's state as JSON (no private key), for {@link SpillmanReceiver.restore}. */
  toJSON(): Json {
    return receiverStateToJson(this.s);
  }

  /**
   * A receiver from its saved state; damage is STATE_INVALID (details.field
   * names what re-deriving found wrong), keys of another channel INVALID_KEY.
   *
   * @param json - What {@link SpillmanReceiver.toJSON} gave, parsed.
   * @param secrets - The receiver's keys.
   * @throws {@link ChannelError} `STATE_INVALID` if `json` is damaged: malformed, its parts disagree, or the latest payment's signature does not verify.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secrets` is not an object.
   * @throws {@link ChannelError} `INVALID_KEY` if a secret is malformed or not this channel's.
   */
  static restore(json: unknown, secrets: SpillmanReceiverSecrets): SpillmanReceiver {
    const state = readReceiverState(json);
    checkSecrets(secrets);
    const t = state.terms;
    const own: [PrivateKey, PublicKey | undefined][] = [[secrets.fundingKey, t.receiverFundingKey], [secrets.payoutKey, t.receiverPayoutKey]];
    for (const [priv, pub] of own) {
      if (!pub || !bytesEqual(derivePublicKey(priv), pub)) fail('INVALID_KEY', 'secrets do not belong to this channel');
    }
    const r = new SpillmanReceiver(state, secrets);
    if (state.funding) {
      savedField('terms', () => r.context);
      verifyReceiverState(state, r.signer);
    }
    return r;
  }

  // ---- checks

  private expectPhase(phase: SpillmanReceiverPhase, what: string): void {
    if (this.s.phase === phase) return;
    if (this.s.phase === 'closed') fail('CHANNEL_CLOSED', `${what}: the channel is closed`);
    fail('UNEXPECTED_MESSAGE', `${what} in phase ${this.s.phase}`);
  }

  private expectChannel(id: Uint8Array): void {
    if (!(id instanceof Uint8Array) || !bytesEqual(id, channelIdOf(this.s.terms, this.s.funding))) fail('WRONG_CHANNEL', 'a message for another channel');
  }
}
