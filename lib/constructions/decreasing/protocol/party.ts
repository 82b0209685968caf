/**
 * A party of a decreasing-lock channel: both sides pay and are paid, so one
 * class serves both roles. Its state is plain data with a JSON form
 * ({@link DecreasingParty.toJSON}); every handler checks the whole message
 * against its own state before changing anything, and the transactions it
 * signs are rebuilt from its own terms, never taken from the counterparty.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { PrivateKey } from '../../../core/types';
import { DEFAULT_FUNDING_DEPTH, FundingEvidence, FundingStatus, checkFundingDepth, checkFundingEvidence } from '../../../protocol/funding-evidence';
import { ChainView, checkChainView, deriveChannelId, expectMessage, savedField } from '../../../protocol/party';
import { Json } from '../../../protocol/wire';
import { DecreasingContext, decreasingBudget, expectDecreasingContext, verifyDecreasingParams } from '../params';
import { DecreasingBalances } from '../tx/states';
import { DecreasingRole, DecreasingSigner, DecreasingState } from '../tx/signer';
import {
  DecreasingClose, DecreasingCloseAck, DecreasingInitialSigned, DecreasingOpen, DecreasingOpenAck, DecreasingUpdate, DecreasingUpdateAck,
} from './messages';
import { balanceOf, checkUpdate, stateLock, winsTies } from './rules';
import { DecreasingAcceptPolicy, checkAcceptPolicy, openTerms, termsHash, verifyOpenTerms } from './terms';
import { DecreasingPhase, DecreasingSaved, readSaved, savedToJson } from './saved';

/** What {@link DecreasingParty.pay} gives: the update to send and the updates left after it. */
export interface DecreasingPayment {
  /** The update, signed by this party (the payer). */
  readonly message: DecreasingUpdate;
  /** Updates left after this one at the tip given. */
  readonly budget: number;
}

/** What {@link DecreasingParty.onUpdate} gives: the acknowledgement and what was received. */
export interface DecreasingReceived {
  /** The acknowledgement to send. */
  readonly message: DecreasingUpdateAck;
  /** The amount this update pays this party. */
  readonly amount: bigint;
  /**
   * What is final now, to deliver for once saved: `amount`, unless the update
   * crossed this party's own (`dropped`; it is then held), plus an amount
   * held since a crossing, which this later state makes final.
   */
  readonly final: bigint;
  /** Updates left after this one at the tip given. */
  readonly budget: number;
  /**
   * Set when this party's own update crossed the counterparty's and lost the
   * tie-break: the state it proposed, now dropped. Offer its payment again
   * on top of the new state. Until a later state is signed the counterparty
   * also holds this party's signature of the dropped state, at the same lock
   * as the new one, so `amount` is held: a later state's `final` (or
   * {@link DecreasingParty.onUpdateAck}'s) includes it.
   */
  readonly dropped?: DecreasingState;
}

/** What {@link DecreasingParty.propose} gives: a's party, awaiting b's acknowledgement, and the open to send. */
export interface DecreasingProposed {
  /** a's party, in phase `opening`. */
  readonly party: DecreasingParty;
  /** The decreasing_open to send. */
  readonly message: DecreasingOpen;
}

/** What {@link DecreasingParty.accept} gives: b's party, waiting for the funding, and the acknowledgement to send. */
export interface DecreasingAccepted {
  /** b's party, in phase `funding`. */
  readonly party: DecreasingParty;
  /** The decreasing_open_ack to send. */
  readonly message: DecreasingOpenAck;
}

/** What {@link DecreasingParty.onClose} gives. */
export interface DecreasingCloseAccepted {
  /** The acknowledgement to send. */
  readonly message: DecreasingCloseAck;
  /** The close with both signatures, to broadcast once saved. */
  readonly tx: Transaction;
}

function other(r: DecreasingRole): DecreasingRole {
  return r === 'a' ? 'b' : 'a';
}

function copyState(s: DecreasingState): DecreasingState {
  return { index: s.index, aBalance: s.aBalance, bBalance: s.bBalance, fee: s.fee };
}

/**
 * One party of a decreasing-lock channel.
 *
 * @example
 * ```ts
 * const a = DecreasingParty.open(ctx, 'a', aFundingKey);
 * const b = DecreasingParty.open(ctx, 'b', bFundingKey);
 * b.onInitialSigned(a.initialSigned());
 * a.onInitialSigned(b.initialSigned()); // now a may sign and broadcast the funding
 * const { message } = a.pay(10_000n, chain);
 * a.onUpdateAck(b.onUpdate(message, chain).message);
 * ```
 */
export class DecreasingParty {
  /** The channel. */
  readonly ctx: DecreasingContext;
  /** This party's signer. */
  readonly signer: DecreasingSigner;
  /** The channel's id, from the funding outpoint. */
  readonly channelId: Uint8Array;
  private s: DecreasingSaved;

  private constructor(ctx: DecreasingContext, signer: DecreasingSigner, s: DecreasingSaved) {
    this.ctx = ctx;
    this.signer = signer;
    this.s = s;
    this.channelId = deriveChannelId(ctx.params.fundingOutpoint.txid, ctx.params.fundingOutpoint.vout);
  }

  /**
   * A party at state 0, before either signature of it is exchanged.
   *
   * @param ctx - From {@link verifyDecreasingParams}.
   * @param role - `a` (funds the channel) or `b`.
   * @param fundingKey - The role's private funding key; never saved.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `role` is neither.
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is not the role's funding key.
   */
  static open(ctx: DecreasingContext, role: DecreasingRole, fundingKey: PrivateKey): DecreasingParty {
    const c = expectDecreasingContext(ctx);
    const signer = new DecreasingSigner(c, role, fundingKey);
    const latest: DecreasingState = { index: 0, aBalance: c.params.aBalance, bBalance: c.stateCapacity - c.initialFee - c.params.aBalance, fee: c.initialFee };
    return new DecreasingParty(c, signer, { role, phase: 'opening', params: c.params, latest });
  }

  /**
   * a opens a channel through the protocol: the terms and a's signatures of
   * state 0 (and the kickoff) go to b in a decreasing_open. a funds only once
   * {@link DecreasingParty.onOpenAck} has b's signatures, and takes updates
   * only once {@link DecreasingParty.markFundingConfirmed} has seen the
   * funding deep enough.
   *
   * @param ctx - From {@link verifyDecreasingParams}; a is the party that funds.
   * @param fundingKey - a's private funding key; never saved.
   * @param fundingDepth - Confirmations of the funding before updates are taken (default 3).
   * @returns a's party and the open to send.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `fundingDepth` not an integer in [1, 2016].
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is not a's funding key.
   */
  static propose(ctx: DecreasingContext, fundingKey: PrivateKey, fundingDepth: number = DEFAULT_FUNDING_DEPTH): DecreasingProposed {
    const depth = checkFundingDepth(fundingDepth);
    const party = DecreasingParty.open(ctx, 'a', fundingKey);
    party.s = { ...party.s, fundingCheck: { depth } };
    const signed = party.initialSigned();
    return { party, message: { ...openTerms(party.ctx, party.channelId), sig: signed.sig, ...(signed.kickoffSig ? { kickoffSig: signed.kickoffSig } : {}) } };
  }

  /**
   * b takes a decreasing_open: every term checked against b's key, its
   * policy and the tip, then a's signatures of state 0 (and the kickoff),
   * before b signs the same. b then waits for the funding
   * ({@link DecreasingParty.markFundingConfirmed}); nothing is relied on before.
   *
   * @param m - a's decreasing_open.
   * @param fundingKey - b's private funding key; never saved.
   * @param chain - The chain tip: L_0 must leave room for updates.
   * @param policy - b's payout key, its least Δ and update budget, and the funding depth it wants.
   * @returns b's party, in phase `funding`, and the acknowledgement to send.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is not a chain view, `policy` is malformed, or the terms are not a channel's (form, outpoint).
   * @throws {@link ChannelError} `INVALID_TIMELOCK` if Δ is not a positive height or below `policy.minStep`, L_0 is a time, not a height, or behind the tip, or the kickoff form's N·Δ is past BIP 68.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED` if the locktime form leaves fewer updates at the tip than `policy.minBudget` (L_0 behind tip + Δ: none).
   * @throws {@link ChannelError} `INVALID_KEY` if a key is invalid, the funding or payout keys are equal, `fundingKey` is not bFundingKey's, or bPayoutKey is not `policy.payoutKey`.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if the channel id is not the funding outpoint's.
   * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST` if the balances are not the capacity less state 0's fee, or one is dust.
   * @throws {@link ChannelError} `INVALID_FEE_RATE`, `FEE_RATE_REFUSED` if the fee rate is malformed or below the relay floor, or the fee step is not the incremental relay fee's.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if a's signature of state 0 or of the kickoff is missing or does not sign it.
   */
  static accept(m: DecreasingOpen, fundingKey: PrivateKey, chain: ChainView, policy: DecreasingAcceptPolicy = {}): DecreasingAccepted {
    expectMessage(m, 'decreasing_open');
    if (m.type !== 'decreasing_open') fail('UNEXPECTED_MESSAGE', 'expected decreasing_open', { type: m.type });
    checkChainView(chain, 'opening a decreasing-lock channel');
    const p = checkAcceptPolicy(policy);
    const ctx = verifyOpenTerms(m, p, chain);
    const party = DecreasingParty.open(ctx, 'b', fundingKey);
    party.takeInitialSigs(m.sig, m.kickoffSig);
    const signed = party.initialSigned();
    party.s = { ...party.s, phase: 'funding', fundingCheck: { depth: p.fundingDepth ?? DEFAULT_FUNDING_DEPTH } };
    return {
      party,
      message: {
        type: 'decreasing_open_ack', channelId: party.channelId, termsHash: termsHash(ctx), sig: signed.sig,
        ...(signed.kickoffSig ? { kickoffSig: signed.kickoffSig } : {}),
      },
    };
  }

  /**
   * A party from its saved state, every signature checked against the
   * transactions rebuilt from the saved terms.
   *
   * @param json - What {@link DecreasingParty.toJSON} gave.
   * @param fundingKey - The role's private funding key.
   * @throws {@link ChannelError} `STATE_INVALID` if the state is damaged: a field missing or malformed, parts that disagree with the phase, terms that do not verify, or a signature that does not sign its transaction (`details.field` names it).
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is not the saved role's funding key.
   */
  static restore(json: unknown, fundingKey: PrivateKey): DecreasingParty {
    const s = readSaved(json);
    const ctx = savedField('params', () => verifyDecreasingParams(s.params));
    if (s.fundingCheck !== undefined && s.role === 'b' && s.phase === 'opening') savedField('phase', () => fail('STATE_INVALID', 'b opened by the handshake is never opening'));
    const signer = new DecreasingSigner(ctx, s.role, fundingKey);
    const p = new DecreasingParty(ctx, signer, s);
    savedField('latest', () => signer.stateHash(s.latest));
    if (s.latestSig !== undefined && !signer.verifyCounterparty(signer.stateHash(s.latest), s.latestSig)) {
      savedField('latestSig', () => fail('INVALID_SIGNATURE', 'does not sign the latest state'));
    }
    if (s.kickoffSig !== undefined && !signer.verifyCounterparty(signer.kickoffHash(), s.kickoffSig)) {
      savedField('kickoffSig', () => fail('INVALID_SIGNATURE', 'does not sign the kickoff'));
    }
    if (s.pending !== undefined) savedField('pending', () => checkUpdate(ctx, s.latest, s.pending!, s.role, 0));
    const c = s.close;
    if (c !== undefined) {
      savedField('close', () => p.checkCloseTerms(c, c.proposer));
      if (c.sig !== undefined && !signer.verifyCounterparty(signer.closeHash(c), c.sig)) savedField('close.sig', () => fail('INVALID_SIGNATURE', 'does not sign the close'));
    }
    return p;
  }

  /** The saved form: plain JSON, no key. */
  toJSON(): Json {
    return savedToJson(this.s);
  }

  /** This party's role. */
  get role(): DecreasingRole {
    return this.s.role;
  }

  /** Where the channel is. */
  get phase(): DecreasingPhase {
    return this.s.phase;
  }

  /** The latest state both parties signed. */
  get latest(): DecreasingState {
    return copyState(this.s.latest);
  }

  /** Received in a crossing and not final yet (0 if none): final once a later state is signed. */
  get held(): bigint {
    return this.s.held?.amount ?? 0n;
  }

  /** This party's balance in the latest state. */
  get balance(): bigint {
    return balanceOf(this.s.latest, this.s.role);
  }

  /**
   * How many updates are left after the latest state at this tip (N - k, N = floor((L_0 - tip)/Δ) in the locktime form).
   *
   * @param chain - The chain tip.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is not a chain view.
   */
  budget(chain: ChainView): number {
    checkChainView(chain, 'the update budget');
    return decreasingBudget(this.ctx, this.s.latest.index, chain.height);
  }

  /**
   * This party's signatures of state 0 (and the kickoff), for the counterparty.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is past opening.
   */
  initialSigned(): DecreasingInitialSigned {
    if (this.s.phase !== 'opening' && this.s.phase !== 'open') fail('UNEXPECTED_MESSAGE', 'the channel is past opening');
    if (this.s.latest.index !== 0) fail('UNEXPECTED_MESSAGE', 'state 0 has been replaced');
    const sig = this.signer.sign(this.signer.stateHash(this.s.latest));
    return {
      type: 'decreasing_initial_signed', channelId: this.channelId, sig,
      ...(this.ctx.kickoff ? { kickoffSig: this.signer.sign(this.signer.kickoffHash()) } : {}),
    };
  }

  /**
   * Take the counterparty's signatures of state 0 (and the kickoff): the
   * channel is open. a signs the funding only after this.
   *
   * @param m - The counterparty's decreasing_initial_signed.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if it is another channel's.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not opening.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature does not sign its transaction, or the kickoff's is missing in the kickoff form.
   */
  onInitialSigned(m: DecreasingInitialSigned): void {
    this.expectFor(m, 'decreasing_initial_signed');
    if (this.s.phase !== 'opening' || this.s.fundingCheck !== undefined) fail('UNEXPECTED_MESSAGE', 'the channel is not opening out of band');
    this.takeInitialSigs(m.sig, m.kickoffSig);
    this.s = { ...this.s, phase: 'open' };
  }

  /**
   * a takes b's acknowledgement of its open: the terms b accepted must be
   * a's own and b's signatures must sign a's state 0 (and kickoff). a may
   * then sign and broadcast the funding; updates wait for
   * {@link DecreasingParty.markFundingConfirmed}.
   *
   * @param m - b's decreasing_open_ack.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if it is another channel's, or acknowledges other terms (`details.field` termsHash).
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no open of this party awaits it (a replayed acknowledgement).
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature does not sign its transaction, or the kickoff's is missing in the kickoff form.
   */
  onOpenAck(m: DecreasingOpenAck): void {
    this.expectFor(m, 'decreasing_open_ack');
    if (this.s.phase !== 'opening' || this.s.fundingCheck === undefined) fail('UNEXPECTED_MESSAGE', 'no open of this party awaits an acknowledgement');
    if (!(m.termsHash instanceof Uint8Array) || !bytesEqual(m.termsHash, termsHash(this.ctx))) fail('WRONG_CHANNEL', 'the acknowledgement is of other terms', { field: 'termsHash' });
    this.takeInitialSigs(m.sig, m.kickoffSig);
    this.s = { ...this.s, phase: 'funding' };
  }

  /**
   * The funding outpoint, for {@link confirmFunding}.
   */
  get funding(): {
    /** The funding txid. */
    txid: string;
    /** The funding output's index. */
    vout: number;
  } {
    return { ...this.ctx.params.fundingOutpoint };
  }

  /**
   * Check the funding on this party's own node (see {@link confirmFunding}):
   * the agreed transaction, paying the capacity to the channel's 2-of-2 at
   * the agreed index, at least the depth asked. Then updates are taken.
   *
   * @param evidence - The raw funding transaction and its confirmations.
   * @returns The confirmations and whether they are deep enough.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel was not opened by the handshake, or is not past its acknowledgement.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `evidence` is not `{tx, confirmations}`.
   * @throws {@link ChannelError} `INVALID_TRANSACTION` if the transaction does not parse.
   * @throws {@link ChannelError} `FUNDING_MISMATCH` if it is not the agreed funding (`details.field`: txid, vout, value or script).
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if it is not deep enough yet; the party is then unchanged.
   */
  markFundingConfirmed(evidence: FundingEvidence): FundingStatus {
    const check = this.s.fundingCheck;
    if (check === undefined) fail('UNEXPECTED_MESSAGE', 'the channel was opened out of band: its funding is the caller\'s to check');
    if (this.s.phase === 'opening') fail('UNEXPECTED_MESSAGE', 'state 0 is not signed by both yet');
    const status = checkFundingEvidence(this.ctx.funding, evidence, { depth: check.depth }, check.confirmations !== undefined);
    if (this.s.phase === 'funding') this.s = { ...this.s, phase: 'open', fundingCheck: { depth: check.depth, confirmations: status.confirmations } };
    return status;
  }

  /** Whether this party's update goes through when both propose at once: the one whose funding key sorts lower. */
  get winsTies(): boolean {
    return winsTies(this.ctx, this.s.role);
  }

  private takeInitialSigs(sig: Uint8Array, kickoffSig: Uint8Array | undefined): void {
    if (!this.signer.verifyCounterparty(this.signer.stateHash(this.s.latest), sig)) fail('INVALID_SIGNATURE', 'the signature does not sign state 0');
    if (this.ctx.kickoff && (kickoffSig === undefined || !this.signer.verifyCounterparty(this.signer.kickoffHash(), kickoffSig))) {
      fail('INVALID_SIGNATURE', 'the kickoff\'s signature is missing or does not sign it');
    }
    this.s = { ...this.s, latestSig: sig, ...(this.ctx.kickoff ? { kickoffSig } : {}) };
  }

  /**
   * Pay the counterparty: sign state k+1 first (the payer always does) and
   * offer it. The fee rises by the incremental relay fee unless `fee` asks
   * for more; the rise is the payer's.
   *
   * @param amount - Satoshis to pay, above 0.
   * @param chain - The chain tip: state k+1's lock must not be behind it.
   * @param fee - State k+1's fee, at least the last state's plus the incremental relay fee.
   * @returns The update to send and the updates left after it.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is not a chain view.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not a positive bigint or `fee` not a bigint.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if the handshake's funding has not been seen deep enough yet.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an update of this party awaits its acknowledgement.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED` if state k+1's lock would be behind the tip, or the kickoff form's N updates are spent: close the channel.
   * @throws {@link ChannelError} `UPDATE_NOT_MONOTONIC` if `fee` is below the last state's plus the incremental relay fee.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the payer's balance does not cover the amount and the fee's rise.
   * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if a balance would be neither 0 nor at least the dust limit.
   */
  pay(amount: bigint, chain: ChainView, fee?: bigint): DecreasingPayment {
    checkChainView(chain, 'an update');
    if (typeof amount !== 'bigint' || amount <= 0n) fail('INVALID_AMOUNT', 'amount must be a positive bigint');
    if (fee !== undefined && typeof fee !== 'bigint') fail('INVALID_AMOUNT', 'fee must be a bigint');
    this.expectOpen();
    if (this.s.pending !== undefined) fail('PAYMENT_PENDING', `update ${this.s.pending.index} awaits its acknowledgement`);
    const l = this.s.latest;
    const nextFee = fee ?? l.fee + this.ctx.minFeeStep;
    const payerBalance = balanceOf(l, this.s.role) - amount - (nextFee - l.fee);
    if (payerBalance < 0n) fail('AMOUNT_EXCEEDS_CAPACITY', 'the balance does not cover the amount and the fee\'s rise', { balance: balanceOf(l, this.s.role).toString() });
    const payeeBalance = balanceOf(l, other(this.s.role)) + amount;
    const next: DecreasingState = {
      index: l.index + 1, fee: nextFee,
      aBalance: this.s.role === 'a' ? payerBalance : payeeBalance,
      bBalance: this.s.role === 'b' ? payerBalance : payeeBalance,
    };
    const budget = checkUpdate(this.ctx, l, next, this.s.role, chain.height);
    const sig = this.signer.sign(this.signer.stateHash(next));
    this.s = { ...this.s, pending: next };
    return {
      message: { type: 'decreasing_update', channelId: this.channelId, index: next.index, lock: stateLock(this.ctx, next.index)!, aBalance: next.aBalance, bBalance: next.bBalance, fee: next.fee, sig },
      budget,
    };
  }

  /**
   * Take the counterparty's update: check it whole, countersign, and hold
   * state k+1 fully signed.
   *
   * @param m - The payer's decreasing_update.
   * @param chain - The chain tip.
   * @returns The acknowledgement, the amount received and the updates left.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is not a chain view.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if it is another channel's.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if the handshake's funding has not been seen deep enough yet.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an update of this party awaits its acknowledgement and wins the tie-break (`details.tieBreak` won): the counterparty drops its own. When this party loses, its pending update is dropped once the counterparty's passes every check (`dropped` says so).
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if its index is not k+1.
   * @throws {@link ChannelError} `INVALID_TIMELOCK` if its lock is not state k+1's.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED`, `UPDATE_NOT_MONOTONIC`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as the update rules give them.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if its signature does not sign state k+1.
   */
  onUpdate(m: DecreasingUpdate, chain: ChainView): DecreasingReceived {
    checkChainView(chain, 'an update');
    this.expectFor(m, 'decreasing_update');
    this.expectOpen();
    // Both proposed at once: the rule both compute alike picks one; the other drops its own after checking the winner's whole.
    if (this.s.pending !== undefined && this.winsTies) {
      fail('PAYMENT_PENDING', `update ${this.s.pending.index} of this party awaits its acknowledgement and wins the tie-break`, { tieBreak: 'won' });
    }
    const next: DecreasingState = { index: m.index, aBalance: m.aBalance, bBalance: m.bBalance, fee: m.fee };
    const l = this.s.latest;
    if (next.index !== l.index + 1) fail('UPDATE_INDEX_MISMATCH', `the next state is ${l.index + 1}`, { expected: l.index + 1, got: m.index });
    const lock = stateLock(this.ctx, next.index);
    if (lock !== undefined && m.lock !== lock) fail('INVALID_TIMELOCK', `state ${next.index}'s lock is ${lock}`, { expected: lock, got: m.lock });
    const budget = checkUpdate(this.ctx, l, next, other(this.s.role), chain.height);
    const hash = this.signer.stateHash(next);
    if (!this.signer.verifyCounterparty(hash, m.sig)) fail('INVALID_SIGNATURE', `the signature does not sign state ${next.index}`);
    const amount = balanceOf(next, this.s.role) - balanceOf(l, this.s.role);
    const { pending: dropped, held, ...rest } = this.s;
    const released = held !== undefined && next.index > held.index ? held.amount : 0n;
    const nowHeld = dropped !== undefined ? { index: next.index, amount } : released > 0n ? undefined : held;
    this.s = { ...rest, latest: next, latestSig: m.sig, ...(nowHeld ? { held: nowHeld } : {}) };
    const message: DecreasingUpdateAck = { type: 'decreasing_update_ack', channelId: this.channelId, index: next.index, sig: this.signer.sign(hash) };
    return { message, amount, final: (dropped !== undefined ? 0n : amount) + released, budget, ...(dropped ? { dropped: copyState(dropped) } : {}) };
  }

  /**
   * Take the payee's signature of the pending update: state k+1 is the latest.
   *
   * @param m - The payee's decreasing_update_ack.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if it is another channel's.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no update awaits it.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if it acknowledges another index.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if its signature does not sign the pending state.
   * @returns An amount received in a crossing and held until now, final with this state (0 if none).
   */
  onUpdateAck(m: DecreasingUpdateAck): bigint {
    this.expectFor(m, 'decreasing_update_ack');
    const p = this.s.pending;
    if (p === undefined || this.s.phase !== 'open') fail('UNEXPECTED_MESSAGE', 'no update awaits an acknowledgement');
    if (m.index !== p.index) fail('UPDATE_INDEX_MISMATCH', `the pending update is ${p.index}`, { expected: p.index, got: m.index });
    if (!this.signer.verifyCounterparty(this.signer.stateHash(p), m.sig)) fail('INVALID_SIGNATURE', `the signature does not sign state ${p.index}`);
    const { pending: _, held, ...rest } = this.s;
    this.s = { ...rest, latest: p, latestSig: m.sig };
    return held?.amount ?? 0n;
  }

  /**
   * The latest state with both signatures: what this party broadcasts at its lock.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the counterparty has not signed state 0 yet.
   */
  latestStateTx(): Transaction {
    if (this.s.latestSig === undefined) fail('UNEXPECTED_MESSAGE', 'the counterparty has not signed state 0');
    return this.signer.completeState(this.s.latest, this.s.latestSig);
  }

  /**
   * The kickoff with both signatures (kickoff form).
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is of the locktime form or the kickoff's signature is not held.
   */
  kickoffTx(): Transaction {
    if (this.s.kickoffSig === undefined) fail('UNEXPECTED_MESSAGE', 'no kickoff signature is held');
    return this.signer.completeKickoff(this.s.kickoffSig);
  }

  /**
   * Offer a cooperative close of the latest state: the counterparty's
   * balance as it is, this party's taking the change from the state's fee to
   * `fee`.
   *
   * @param fee - The close's fee.
   * @returns The close, signed by this party.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if the handshake's funding has not been seen deep enough yet.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an update of this party awaits its acknowledgement.
   * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` if the fee does not leave valid balances.
   */
  proposeClose(fee: bigint): DecreasingClose {
    this.expectOpen();
    if (this.s.pending !== undefined) fail('PAYMENT_PENDING', `update ${this.s.pending.index} awaits its acknowledgement`);
    if (typeof fee !== 'bigint' || fee < 0n) fail('INVALID_AMOUNT', 'fee must be a non-negative bigint');
    const b = this.closeBalances(fee);
    this.checkCloseTerms(b, this.s.role);
    const sig = this.signer.sign(this.signer.closeHash(b));
    this.s = { ...this.s, phase: 'closing', close: { ...b, proposer: this.s.role } };
    return { type: 'decreasing_close', channelId: this.channelId, ...b, sig };
  }

  /**
   * Take the counterparty's close offer: this party's balance must be the
   * latest state's; countersign it.
   *
   * @param m - The counterparty's decreasing_close.
   * @returns The acknowledgement and the close with both signatures, to broadcast once saved.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if it is another channel's.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if the handshake's funding has not been seen deep enough yet.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if an update of this party awaits its acknowledgement.
   * @throws {@link ChannelError} `UPDATE_NOT_MONOTONIC` if this party's balance is not the latest state's.
   * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` if the balances and fee are not a division of the capacity.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if its signature does not sign the close.
   */
  onClose(m: DecreasingClose): DecreasingCloseAccepted {
    this.expectFor(m, 'decreasing_close');
    this.expectOpen();
    if (this.s.pending !== undefined) fail('PAYMENT_PENDING', `update ${this.s.pending.index} awaits its acknowledgement`);
    const b: DecreasingBalances = { aBalance: m.aBalance, bBalance: m.bBalance, fee: m.fee };
    const proposer = other(this.s.role);
    this.checkCloseTerms(b, proposer);
    const tx = this.signer.completeClose(b, m.sig);
    this.s = { ...this.s, phase: 'closed', close: { ...b, proposer, sig: m.sig } };
    return { message: { type: 'decreasing_close_ack', channelId: this.channelId, sig: this.signer.sign(this.signer.closeHash(b)) }, tx };
  }

  /**
   * Take the counterparty's signature of the close this party offered.
   *
   * @param m - The counterparty's decreasing_close_ack.
   * @returns The close with both signatures, to broadcast once saved.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if it is another channel's.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no close of this party awaits it.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if its signature does not sign the close.
   */
  onCloseAck(m: DecreasingCloseAck): Transaction {
    this.expectFor(m, 'decreasing_close_ack');
    const c = this.s.close;
    if (this.s.phase !== 'closing' || c === undefined || c.proposer !== this.s.role) fail('UNEXPECTED_MESSAGE', 'no close of this party awaits a signature');
    const tx = this.signer.completeClose(c, m.sig);
    this.s = { ...this.s, phase: 'closed', close: { ...c, sig: m.sig } };
    return tx;
  }

  /**
   * The agreed close with both signatures, once closed.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the close is not complete.
   */
  closeTx(): Transaction {
    const c = this.s.close;
    if (this.s.phase !== 'closed' || c?.sig === undefined) fail('UNEXPECTED_MESSAGE', 'the close is not complete');
    return this.signer.completeClose(c, c.sig);
  }

  /** The close's balances for a proposer at `fee`: the other's unchanged, the proposer's taking the fee's change. */
  private closeBalances(fee: bigint): DecreasingBalances {
    const l = this.s.latest;
    // The kickoff form's states divide the capacity less the kickoff's fee; the close spends the funding itself, so that fee is freed too.
    const own = balanceOf(l, this.s.role) + l.fee + (this.ctx.params.capacity - this.ctx.stateCapacity) - fee;
    return this.s.role === 'a' ? { aBalance: own, bBalance: l.bBalance, fee } : { aBalance: l.aBalance, bBalance: own, fee };
  }

  /** The close rule: the non-proposer's balance is the latest state's exactly; the rest a division of the capacity. */
  private checkCloseTerms(b: DecreasingBalances, proposer: DecreasingRole): void {
    const keeper = other(proposer);
    if (balanceOf(b as DecreasingState, keeper) !== balanceOf(this.s.latest, keeper)) {
      fail('UPDATE_NOT_MONOTONIC', `a close must pay ${keeper} its latest balance`, { field: 'balance' });
    }
    this.signer.closeHash(b);
  }

  private expectOpen(): void {
    if (this.s.phase === 'funding') fail('FUNDING_NOT_CONFIRMED', 'the funding has not been seen deep enough on this party\'s node (markFundingConfirmed)');
    if (this.s.phase !== 'open') fail('UNEXPECTED_MESSAGE', `the channel is ${this.s.phase}`);
  }

  private expectFor(m: { type: string; channelId: Uint8Array }, type: string): void {
    expectMessage(m, type);
    if (m.type !== type) fail('UNEXPECTED_MESSAGE', `expected ${type}`, { type: m.type });
    if (!(m.channelId instanceof Uint8Array) || !bytesEqual(m.channelId, this.channelId)) fail('WRONG_CHANNEL', 'the message is for another channel');
  }
}
