/**
 * A party of a duplex channel: both fund it, both pay and are paid, so one
 * class serves both roles. Its state is plain data with a JSON form
 * ({@link DuplexParty.toJSON}); every handler checks the whole message
 * against its own state before changing anything, and the transactions it
 * signs are rebuilt from its own terms, never taken from the counterparty.
 *
 * Accounting is conservative on both sides: a payment counts against its
 * payer once signed (the payee may hold it) and for its payee once its
 * signature is checked. A reset or a close is accepted only if it leaves
 * this party at least what its own accounting says, so an acknowledgement
 * lost in flight never costs the party that counted it.
 *
 * A reset is three messages (messages.ts says why): whoever holds a new
 * branch's first changed node signed by both always holds every node below
 * it too. Until the last message arrives, the party that acknowledged keeps
 * the reset (`acked`), and a party keeps any other branch it signed further
 * than it holds it (`exposed`): the counterparty could publish those, and
 * {@link DuplexParty.exit} hands them to the watcher, which follows such a
 * branch on chain and takes this party's refund at its leaf.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { DUST_P2WPKH, MIN_FEE_RATE, PrivateKey, feeForWeight } from '../../../core/types';
import { deriveChannelId, expectMessage, savedField } from '../../../protocol/party';
import { Json } from '../../../protocol/wire';
import { buildFundingSpendTx } from '../../../tx/funding-spend';
import { counterExhausted, firstChangedLevel } from '../../../tx/invalidation-counter';
import { DuplexExit, DuplexOtherBranch } from '../chain/exit';
import { duplexWeights } from '../tx/weights';
import { DuplexContext, DuplexLeafBalances, expectDuplexContext, verifyDuplexParams } from '../params';
import { DuplexSigner, DuplexRole } from '../tx/signer';
import { SimplexChannel, SimplexDirection, simplexChannel, simplexPaymentSpend } from '../tx/simplex';
import { checkLeafBalances, duplexBranch, duplexCloseSpend, duplexKickoffSpend } from '../tx/tree';
import {
  DuplexClose, DuplexCloseAck, DuplexPay, DuplexPayAck, DuplexReset, DuplexResetAck, DuplexResetDone, DuplexTreeSigned,
} from './messages';
import { DuplexPhase, DuplexResetTerms, DuplexSaved, readSaved, savedToJson } from './saved';

/** What {@link DuplexParty.onPay} gives. */
export interface DuplexPaymentReceived {
  /** The acknowledgement to send once saved. */
  readonly message: DuplexPayAck;
  /** What this payment added. */
  readonly amount: bigint;
}

/** What {@link DuplexParty.onClose} gives. */
export interface DuplexCloseAccepted {
  /** The acknowledgement to send. */
  readonly message: DuplexCloseAck;
  /** The close with both signatures, to broadcast once saved. */
  readonly tx: Transaction;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function sameBalances(x: DuplexLeafBalances, y: DuplexLeafBalances): boolean {
  return x.a === y.a && x.b === y.b;
}

function outgoing(role: DuplexRole): SimplexDirection {
  return role === 'a' ? 'ab' : 'ba';
}

function incoming(role: DuplexRole): SimplexDirection {
  return role === 'a' ? 'ba' : 'ab';
}

/**
 * One party of a duplex channel.
 *
 * @example
 * ```ts
 * const a = DuplexParty.open(ctx, 'a', aFundingKey);
 * const b = DuplexParty.open(ctx, 'b', bFundingKey);
 * b.onTreeSigned(a.treeSigned());
 * a.onTreeSigned(b.treeSigned()); // both hold the whole tree: now each signs its own setup inputs
 * b.onPayAck(a.onPay(b.pay(5_000n)).message);
 * a.onResetAck(b.onReset(a.proposeReset()));
 * ```
 */
export class DuplexParty {
  /** The channel. */
  readonly ctx: DuplexContext;
  /** The channel's id, from the setup outpoint. */
  readonly channelId: Uint8Array;
  /** This party's signer (its funding key): for the children that pay through its anchors. */
  readonly signer: DuplexSigner;
  private s: DuplexSaved;
  private channels?: { readonly index: number; readonly balances: DuplexLeafBalances; readonly ab?: SimplexChannel; readonly ba?: SimplexChannel };

  private constructor(ctx: DuplexContext, signer: DuplexSigner, s: DuplexSaved) {
    this.ctx = ctx;
    this.signer = signer;
    this.s = s;
    this.channelId = deriveChannelId(ctx.params.fundingOutpoint.txid, ctx.params.fundingOutpoint.vout);
  }

  /**
   * A party at state 0, before the tree's signatures are exchanged.
   *
   * @param ctx - From {@link verifyDuplexParams}.
   * @param role - `a` or `b`.
   * @param fundingKey - The role's private funding key; never saved.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `role` is neither.
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is not the role's funding key.
   */
  static open(ctx: DuplexContext, role: DuplexRole, fundingKey: PrivateKey): DuplexParty {
    const c = expectDuplexContext(ctx);
    const signer = new DuplexSigner(c, role, fundingKey);
    return new DuplexParty(c, signer, { role, phase: 'opening', params: c.params, index: 0, balances: c.initialBalances, branchSigs: [], paidOut: 0n, paidIn: 0n, exposed: [] });
  }

  /**
   * A party from its saved state, every signature checked against the transactions rebuilt from the saved terms.
   *
   * @param json - What {@link DuplexParty.toJSON} gave.
   * @param fundingKey - The role's private funding key.
   * @throws {@link ChannelError} `STATE_INVALID` if the state is damaged: a field missing or malformed, parts that disagree with the phase, terms that do not verify, or a signature that does not sign its transaction (`details.field` names it).
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is not the saved role's funding key.
   */
  static restore(json: unknown, fundingKey: PrivateKey): DuplexParty {
    const s = readSaved(json);
    const ctx = savedField('params', () => verifyDuplexParams(s.params));
    const signer = new DuplexSigner(ctx, s.role, fundingKey);
    const p = new DuplexParty(ctx, signer, s);
    savedField('balances', () => checkLeafBalances(ctx, s.balances));
    savedField('index', () => duplexBranch(ctx, s.index, s.balances));
    if (s.kickoffSig !== undefined && !signer.verifyCounterparty(signer.hash(duplexKickoffSpend(ctx)), s.kickoffSig)) {
      savedField('kickoffSig', () => fail('INVALID_SIGNATURE', 'does not sign the kickoff'));
    }
    if (s.phase !== 'opening') savedField('branchSigs', () => p.checkBranchSigs(s.index, s.balances, 0, s.branchSigs));
    if (s.inSig !== undefined) savedField('inSig', () => signer.completeSimplexPayment(p.channel(incoming(s.role))!, s.paidIn, s.inSig!));
    if (s.paidOut > 0n) savedField('paidOut', () => signer.signSimplexPayment(p.channel(outgoing(s.role))!, s.paidOut));
    if (s.reset !== undefined) savedField('reset', () => checkLeafBalances(ctx, s.reset!.balances));
    const acked = s.acked;
    if (acked !== undefined) {
      savedField('acked', () => {
        checkLeafBalances(ctx, acked.balances);
        p.checkDeeperSigs(acked, acked.sigs);
      });
    }
    s.exposed.forEach((e, i) => savedField(`exposed.${i}`, () => checkLeafBalances(ctx, e.balances)));
    const c = s.close;
    if (c !== undefined) {
      savedField('close', () => p.checkCloseTerms(c, c.proposer));
      if (c.sig !== undefined && !signer.verifyCounterparty(signer.hash(duplexCloseSpend(ctx, c)), c.sig)) savedField('close.sig', () => fail('INVALID_SIGNATURE', 'does not sign the close'));
    }
    return p;
  }

  /** The saved form: plain JSON, no key. */
  toJSON(): Json {
    return savedToJson(this.s);
  }

  /** This party's role. */
  get role(): DuplexRole {
    return this.s.role;
  }

  /** Where the channel stands. */
  get phase(): DuplexPhase {
    return this.s.phase;
  }

  /** The tree state both parties hold signed. */
  get index(): number {
    return this.s.index;
  }

  /** The state's leaf balances. */
  get leafBalances(): DuplexLeafBalances {
    return { ...this.s.balances };
  }

  /** What this party has paid on its simplex channel in this state, and what it has been paid on the other. */
  get paid(): {
    /** Paid on this party's simplex channel (counted once signed). */
    readonly out: bigint;
    /** Paid to it on the other (counted once its signature is checked). */
    readonly in: bigint;
  } {
    return { out: this.s.paidOut, in: this.s.paidIn };
  }

  /** Whether this party holds the counterparty's signatures of the whole tree, so it may sign its own setup inputs (the opt-in). */
  get readyToSignSetup(): boolean {
    return this.s.phase !== 'opening';
  }

  /**
   * The setup is confirmed as deep as this party wants (its own node says
   * so): payments and resets may start. Before, a payment would rest on a
   * setup the counterparty could still double-spend.
   *
   * @param setupTx - The setup transaction as the node returned it.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not waiting for its setup.
   * @throws {@link ChannelError} `FUNDING_MISMATCH` if `setupTx` is not the agreed setup or does not pay the agreed output.
   */
  markSetupConfirmed(setupTx: Transaction): void {
    if (this.s.phase !== 'funding') fail('UNEXPECTED_MESSAGE', `the setup is not awaited in phase ${this.s.phase}`);
    const f = this.ctx.params.fundingOutpoint;
    const out = setupTx instanceof Transaction ? setupTx.outs[f.vout] : undefined;
    if (!(setupTx instanceof Transaction) || setupTx.getId() !== f.txid || out === undefined
      || out.value !== this.ctx.params.capacity || !bytesEqual(out.script, this.ctx.funding.fundingScriptPubKey)) {
      fail('FUNDING_MISMATCH', 'not the agreed setup paying the agreed 2-of-2');
    }
    this.update({ phase: 'open' });
  }

  /**
   * The kickoff is out (in a block or the mempool; the watcher calls this):
   * the tree is what pays now, so no payment, reset or close is taken any
   * more. What the party holds stays what exit() gives.
   */
  kickoffSeen(): void {
    if (this.s.phase === 'opening' || this.s.phase === 'closed' || this.s.phase === 'exiting') return;
    this.update({ phase: 'exiting' });
  }

  /** This party's balance by its own (conservative) accounting: its leaf balance, less what it signed away, plus what it holds signed. */
  get balance(): bigint {
    return this.own(this.s.balances) - this.s.paidOut + this.s.paidIn;
  }

  /**
   * This party's signatures of the kickoff and of state 0's branch.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` once the channel is open.
   */
  treeSigned(): DuplexTreeSigned {
    if (this.s.phase !== 'opening' && this.s.phase !== 'funding') fail('UNEXPECTED_MESSAGE', `no tree to sign in phase ${this.s.phase}`);
    return {
      type: 'duplex_tree_signed', channelId: this.channelId,
      kickoffSig: this.signer.sign(this.signer.hash(duplexKickoffSpend(this.ctx))),
      sigs: duplexBranch(this.ctx, 0, this.ctx.initialBalances).map((t) => this.signer.sign(this.signer.hash(t.spend))),
    };
  }

  /**
   * Take the counterparty's signatures of the kickoff and of state 0's branch, each checked.
   *
   * @param m - The counterparty's `duplex_tree_signed`.
   * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
   * @throws {@link ChannelError} `WRONG_CHANNEL` if it is another channel's.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not opening.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature does not sign its transaction, or their number is not the tree's levels.
   */
  onTreeSigned(m: DuplexTreeSigned): void {
    this.expect(m, 'duplex_tree_signed');
    if (this.s.phase !== 'opening') fail('UNEXPECTED_MESSAGE', `duplex_tree_signed in phase ${this.s.phase}`);
    if (!this.signer.verifyCounterparty(this.signer.hash(duplexKickoffSpend(this.ctx)), m.kickoffSig)) fail('INVALID_SIGNATURE', 'the kickoff signature does not sign the kickoff');
    this.checkBranchSigs(0, this.ctx.initialBalances, 0, m.sigs);
    this.update({ phase: 'funding', kickoffSig: m.kickoffSig, branchSigs: [...m.sigs] });
  }

  /**
   * Pay the counterparty `amount` on this party's simplex channel: the payer signs first.
   *
   * @param amount - Satoshis to add to what this state's channel has paid.
   * @returns The payment to send; it counts against this party from now on.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` while a reset is under way (this party's unanswered, or the counterparty's not completed).
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not a positive bigint.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the channel cannot pay it (its fee included): reset first.
   * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if the total would be below the dust limit, or would leave either side a balance no reset could re-fund (neither 0 nor a refund's fee above dust).
   * @throws {@link ChannelError} `PAYMENT_PENDING` also after crossing resets of different balances, until the next reset.
   */
  pay(amount: bigint): DuplexPay {
    this.expectOpen();
    this.expectNoReset();
    this.expectUncontested();
    if (typeof amount !== 'bigint' || amount <= 0n) fail('INVALID_AMOUNT', 'amount must be a positive bigint');
    const ch = this.channel(outgoing(this.s.role));
    if (ch === undefined) fail('AMOUNT_EXCEEDS_CAPACITY', 'this party has nothing at the leaf to pay from: reset first');
    const paid = this.s.paidOut + amount;
    const sig = this.signer.signSimplexPayment(ch, paid);
    this.expectResettable(this.balance - amount);
    this.expectResettable(this.ctx.leafCapacity - this.balance + amount);
    this.update({ paidOut: paid });
    return { type: 'duplex_pay', channelId: this.channelId, index: this.s.index, paid, sig };
  }

  /**
   * Take a payment on the counterparty's simplex channel, its signature checked.
   *
   * @param m - The counterparty's `duplex_pay`.
   * @returns The acknowledgement and what the payment added.
   * @throws {@link ChannelError} `MESSAGE_INVALID`, `WRONG_CHANNEL` as {@link DuplexParty.onTreeSigned}.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if it is for another tree state.
   * @throws {@link ChannelError} `PAYMENT_PENDING` while a reset is under way (the payer pays again after it).
   * @throws {@link ChannelError} `UPDATE_NOT_MONOTONIC` if its total is not above the last.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` or `AMOUNT_BELOW_DUST` if the channel cannot pay that total.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if the signature does not sign the payment.
   * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if it would leave either side a balance no reset could re-fund.
   */
  onPay(m: DuplexPay): DuplexPaymentReceived {
    this.expect(m, 'duplex_pay');
    this.expectOpen();
    if (m.index !== this.s.index) fail('UPDATE_INDEX_MISMATCH', `payment for state ${m.index}, the channel is at ${this.s.index}`);
    this.expectNoReset();
    this.expectUncontested();
    if (typeof m.paid !== 'bigint' || m.paid <= this.s.paidIn) fail('UPDATE_NOT_MONOTONIC', 'the total paid must grow', { paid: String(m.paid), last: this.s.paidIn.toString() });
    const ch = this.channel(incoming(this.s.role));
    if (ch === undefined) fail('AMOUNT_EXCEEDS_CAPACITY', 'the payer has nothing at the leaf');
    // Checked only: the payee signs its side when it publishes (exit), not on every payment.
    if (!this.signer.verifyCounterparty(this.signer.hash(simplexPaymentSpend(this.ctx, ch, m.paid)), m.sig)) fail('INVALID_SIGNATURE', 'the payer\'s signature does not sign this payment');
    const amount = m.paid - this.s.paidIn;
    // Both sides' balances after it, as this party counts them, must be ones the next reset can re-fund.
    this.expectResettable(this.balance + amount);
    this.expectResettable(this.ctx.leafCapacity - this.balance - amount);
    this.update({ paidIn: m.paid, inSig: m.sig });
    return { message: { type: 'duplex_pay_ack', channelId: this.channelId, index: this.s.index, paid: m.paid }, amount };
  }

  /**
   * Take the acknowledgement of a payment.
   *
   * @param m - The counterparty's `duplex_pay_ack`.
   * @throws {@link ChannelError} `MESSAGE_INVALID`, `WRONG_CHANNEL` as {@link DuplexParty.onTreeSigned}.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if it acknowledges another state or a total this party never signed.
   */
  onPayAck(m: DuplexPayAck): void {
    this.expect(m, 'duplex_pay_ack');
    if (m.index !== this.s.index || typeof m.paid !== 'bigint' || m.paid > this.s.paidOut || m.paid <= 0n) {
      fail('UPDATE_INDEX_MISMATCH', 'the acknowledgement is of no payment this party signed');
    }
  }

  /**
   * Propose the next tree state: the leaf re-funds both simplex channels with
   * the net balances. The proposal carries this party's signatures of the
   * new branch below its first changed level only; its signature of that
   * level goes out last ({@link DuplexParty.onResetAck}), once it holds the
   * counterparty's signatures of the whole branch.
   *
   * @returns The reset to send.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if a reset is already under way.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED` at the counter's last state (b^d): close and reopen.
   * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if a net balance is neither 0 nor enough for a simplex refund.
   */
  proposeReset(): DuplexReset {
    this.expectOpen();
    this.expectNoReset();
    this.expectNotExhausted();
    const index = this.s.index + 1;
    const balances = this.netBalances();
    checkLeafBalances(this.ctx, balances);
    const sigs = this.deeperSigs({ index, balances });
    this.update({ reset: { index, balances } });
    return { type: 'duplex_reset', channelId: this.channelId, index, a: balances.a, b: balances.b, sigs };
  }

  /**
   * Take a reset: checked against this party's own accounting and the new
   * branch rebuilt here, the proposer's signatures of the levels below the
   * first changed one checked, this party's signatures of every changed
   * level given. The channel moves to the new state when the proposer's
   * last signature arrives ({@link DuplexParty.onResetDone}); until then
   * this party neither pays nor is paid. When both proposed at once, a's
   * proposal wins: b drops its own and takes a's.
   *
   * @param m - The counterparty's `duplex_reset`.
   * @returns The acknowledgement with this party's signatures.
   * @throws {@link ChannelError} `MESSAGE_INVALID`, `WRONG_CHANNEL` as {@link DuplexParty.onTreeSigned}.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if it is not the state after this one.
   * @throws {@link ChannelError} `PAYMENT_PENDING` if this party is a and has proposed a reset of its own (b takes a's), or it awaits the completion of another reset.
   * @throws {@link ChannelError} `CHANNEL_EXPIRED` at the counter's last state.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY`, `INVALID_AMOUNT` or `AMOUNT_BELOW_DUST` if the balances are not a leaf's, or leave this party less than its own accounting.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature does not sign its transaction, or their number is not the levels below the first changed one.
   */
  onReset(m: DuplexReset): DuplexResetAck {
    this.expect(m, 'duplex_reset');
    const terms = { index: m.index, balances: { a: m.a, b: m.b } };
    // The reset this party took last, sent again (its acknowledgement lost): the same acknowledgement, nothing changed.
    const acked = this.s.acked;
    if (acked !== undefined && acked.index === m.index && sameBalances(acked.balances, terms.balances)) {
      this.checkDeeperSigs(acked, m.sigs);
      return this.ackOf(acked);
    }
    if (this.s.index > 0 && m.index === this.s.index && sameBalances(this.s.balances, terms.balances) && this.s.paidOut === 0n && this.s.paidIn === 0n) {
      this.checkDeeperSigs(terms, m.sigs);
      return this.ackOf(terms);
    }
    this.expectOpen();
    if (acked !== undefined) fail('PAYMENT_PENDING', `the reset to state ${acked.index} awaits its completion (duplex_reset_done)`, { awaiting: acked.index });
    if (m.index !== this.s.index + 1) fail('UPDATE_INDEX_MISMATCH', `reset to state ${m.index}, the channel is at ${this.s.index}`);
    this.expectNotExhausted();
    checkLeafBalances(this.ctx, terms.balances);
    const pending = this.s.reset;
    if (pending !== undefined && this.s.role === 'a') {
      this.checkDeeperSigs(terms, m.sigs);
      // Once b completes a's reset, a holds b's signatures of b's own branch too (sigs below the first changed level): nothing may be paid on either leaf.
      if (this.exposes(pending, terms)) this.update({ contested: m.index });
      return fail('PAYMENT_PENDING', 'a\'s own reset is awaiting its acknowledgement: b takes a\'s', { crossing: true });
    }
    if (this.own(terms.balances) < this.balance) {
      fail('INVALID_AMOUNT', 'the reset leaves this party less than its own accounting', { offered: this.own(terms.balances).toString(), expected: this.balance.toString() });
    }
    this.checkDeeperSigs(terms, m.sigs);
    const ack = this.ackOf(terms);
    const { reset: _dropped, ...rest } = this.s;
    // b's own proposal, dropped: a may complete it with this acknowledgement's signature of the first changed level.
    const exposed = pending !== undefined && this.exposes(pending, terms) ? [...this.s.exposed, pending] : this.s.exposed;
    this.s = { ...rest, acked: { ...terms, sigs: [...m.sigs] }, exposed, ...(exposed !== this.s.exposed ? { contested: m.index } : {}) };
    return ack;
  }

  /**
   * Take the acknowledgement of this party's reset: the counterparty's
   * signatures of every changed level checked, the channel moves to the new
   * state. The acknowledgement of a reset already complete (the
   * counterparty's `duplex_reset_done` was lost) gets the same answer again.
   *
   * @param m - The counterparty's `duplex_reset_ack`.
   * @returns This party's signature of the first changed level, to send: it completes the reset for the counterparty.
   * @throws {@link ChannelError} `MESSAGE_INVALID`, `WRONG_CHANNEL` as {@link DuplexParty.onTreeSigned}.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no reset of this party awaits it, or the kickoff is out.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if it is of another state.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if a signature does not sign its transaction.
   */
  onResetAck(m: DuplexResetAck): DuplexResetDone {
    this.expect(m, 'duplex_reset_ack');
    this.expectNotExiting();
    const r = this.s.reset;
    // The acknowledgement of the reset that made the current state, again: its completion was lost. It is answered even while
    // a newer reset of this party waits, or the counterparty, still awaiting that completion, could take neither.
    if (r === undefined || (this.s.index > 0 && m.index === this.s.index)) {
      if (this.s.index === 0 || m.index !== this.s.index) fail('UNEXPECTED_MESSAGE', 'no reset awaits an acknowledgement');
      const current = { index: this.s.index, balances: this.s.balances };
      this.checkBranchSigs(current.index, current.balances, this.fromLevel(current.index), m.sigs);
      return this.doneOf(current);
    }
    if (m.index !== r.index) fail('UPDATE_INDEX_MISMATCH', `acknowledgement of state ${m.index}, the reset is to ${r.index}`);
    const from = this.fromLevel(r.index);
    this.checkBranchSigs(r.index, r.balances, from, m.sigs);
    this.advance(r, from, m.sigs);
    return this.doneOf(r);
  }

  /**
   * Take the proposer's signature of the first changed level: the reset this
   * party acknowledged is complete, and the channel moves to its state. The
   * same message again changes nothing.
   *
   * @param m - The counterparty's `duplex_reset_done`.
   * @throws {@link ChannelError} `MESSAGE_INVALID`, `WRONG_CHANNEL` as {@link DuplexParty.onTreeSigned}.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no reset this party acknowledged awaits it, or the kickoff is out.
   * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if it is of another state.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if the signature does not sign the first changed level's transaction.
   */
  onResetDone(m: DuplexResetDone): void {
    this.expect(m, 'duplex_reset_done');
    this.expectNotExiting();
    const r = this.s.acked;
    if (r === undefined) {
      const from = this.s.index > 0 ? this.fromLevel(this.s.index) : 0;
      if (this.s.index === 0 || m.index !== this.s.index || !(m.sig instanceof Uint8Array) || !bytesEqual(m.sig, this.s.branchSigs[from]!)) {
        fail('UNEXPECTED_MESSAGE', 'no acknowledged reset awaits its completion');
      }
      return;
    }
    if (m.index !== r.index) fail('UPDATE_INDEX_MISMATCH', `completion of state ${m.index}, the acknowledged reset is to ${r.index}`);
    const from = this.fromLevel(r.index);
    const [first] = duplexBranch(this.ctx, r.index, r.balances, from);
    if (!this.signer.verifyCounterparty(this.signer.hash(first!.spend), m.sig)) fail('INVALID_SIGNATURE', `the signature of level ${from} does not sign it`, { level: from });
    this.advance(r, from, [m.sig, ...r.sigs]);
  }

  /**
   * This party's reset in flight again, for a resend after a lost message or
   * a restart: the same terms and the same deterministic signatures, nothing
   * new signed.
   *
   * @returns The `duplex_reset` to send again.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no reset of this party awaits its acknowledgement.
   */
  repeatReset(): DuplexReset {
    const r = this.s.reset;
    if (r === undefined) fail('UNEXPECTED_MESSAGE', 'no reset of this party awaits its acknowledgement');
    return { type: 'duplex_reset', channelId: this.channelId, index: r.index, a: r.balances.a, b: r.balances.b, sigs: this.deeperSigs(r) };
  }

  /**
   * The acknowledgement of the reset awaiting its completion, again: to send
   * when the proposer's `duplex_reset_done` is overdue (it answers a repeated
   * acknowledgement with the same completion).
   *
   * @returns The same `duplex_reset_ack` as {@link DuplexParty.onReset} gave.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no acknowledged reset awaits its completion.
   */
  repeatResetAck(): DuplexResetAck {
    const r = this.s.acked;
    if (r === undefined) fail('UNEXPECTED_MESSAGE', 'no acknowledged reset awaits its completion');
    return this.ackOf(r);
  }

  /**
   * Offer to close: the setup output straight to both, each its own
   * accounting's balance plus its half of the tree's fees and anchors (which a close
   * does not pay), this party paying `fee`.
   *
   * @param fee - The close's fee, from this party's side.
   * @returns The close to send.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` while a reset is under way.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `fee` is not a non-negative bigint.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST` or `FEE_EXCEEDS_OUTPUT` if the fee leaves an output negative or dust.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if the fee is below the relay floor for the close's weight.
   */
  proposeClose(fee: bigint): DuplexClose {
    this.expectOpen();
    this.expectNoReset();
    if (typeof fee !== 'bigint' || fee < 0n) fail('INVALID_AMOUNT', 'fee must be a non-negative bigint');
    this.expectRelayableCloseFee(fee);
    const mine = this.balance + this.treeShare(this.s.role) - fee;
    if (mine < 0n) fail('AMOUNT_EXCEEDS_CAPACITY', 'the fee exceeds this party\'s balance');
    const theirs = this.ctx.params.capacity - fee - mine;
    const c = this.s.role === 'a' ? { a: mine, b: theirs, fee } : { a: theirs, b: mine, fee };
    const sig = this.signer.sign(this.signer.hash(duplexCloseSpend(this.ctx, c)));
    this.update({ phase: 'closing', close: { ...c, proposer: this.s.role } });
    return { type: 'duplex_close', channelId: this.channelId, a: c.a, b: c.b, fee, sig };
  }

  /**
   * Take a close: it must give this party at least its own accounting's balance plus its half of the tree's fees and anchors.
   *
   * @param m - The counterparty's `duplex_close`.
   * @returns The acknowledgement and the complete close.
   * @throws {@link ChannelError} `MESSAGE_INVALID`, `WRONG_CHANNEL` as {@link DuplexParty.onTreeSigned}.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not open.
   * @throws {@link ChannelError} `PAYMENT_PENDING` while a reset is under way.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if it leaves this party less than its due.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST` or `FEE_EXCEEDS_OUTPUT` if its amounts are not a close's.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if the signature does not sign the close.
   * @throws {@link ChannelError} `FEE_RATE_REFUSED` if its fee is below the relay floor for the close's weight (it would never confirm).
   */
  onClose(m: DuplexClose): DuplexCloseAccepted {
    this.expect(m, 'duplex_close');
    // Crossing closes: a's wins, as a's reset does; b drops its own offer and takes a's.
    const crossing = this.s.phase === 'closing' && this.s.close?.proposer === this.s.role && this.s.close.sig === undefined && this.s.role === 'b';
    if (!crossing) this.expectOpen();
    this.expectNoReset();
    const c = { a: m.a, b: m.b, fee: m.fee };
    const proposer = this.s.role === 'a' ? 'b' : 'a';
    this.checkCloseTerms(c, proposer);
    this.expectRelayableCloseFee(c.fee);
    const spend = duplexCloseSpend(this.ctx, c);
    const tx = this.signer.completeTwoOfTwo(spend, m.sig);
    const sig = this.signer.sign(this.signer.hash(spend));
    this.update({ phase: 'closed', close: { ...c, proposer, sig: m.sig } });
    return { message: { type: 'duplex_close_ack', channelId: this.channelId, sig }, tx };
  }

  /**
   * Take the acknowledgement of this party's close.
   *
   * @param m - The counterparty's `duplex_close_ack`.
   * @returns The complete close, to broadcast once saved.
   * @throws {@link ChannelError} `MESSAGE_INVALID`, `WRONG_CHANNEL` as {@link DuplexParty.onTreeSigned}.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if no close of this party awaits it.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if the signature does not sign the close.
   */
  onCloseAck(m: DuplexCloseAck): Transaction {
    this.expect(m, 'duplex_close_ack');
    const c = this.s.close;
    if (this.s.phase !== 'closing' || c === undefined || c.proposer !== this.s.role) fail('UNEXPECTED_MESSAGE', 'no close of this party awaits an acknowledgement');
    const tx = this.signer.completeTwoOfTwo(duplexCloseSpend(this.ctx, c), m.sig);
    this.update({ phase: 'closed', close: { ...c, sig: m.sig } });
    return tx;
  }

  /**
   * What this party holds to close alone, for the watcher: the kickoff and
   * the state's branch completed, its latest received payment completed, its
   * refund signed; and each other branch the counterparty could publish (a
   * reset this party acknowledged and has not seen completed, one it signed
   * and dropped), with what it can complete of it and its refund at its leaf.
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` while the tree is not signed by both.
   */
  exit(): DuplexExit {
    if (this.s.kickoffSig === undefined) fail('UNEXPECTED_MESSAGE', 'the tree is not signed by both yet');
    const kickoff = this.signer.completeTwoOfTwo(duplexKickoffSpend(this.ctx), this.s.kickoffSig);
    const branch = duplexBranch(this.ctx, this.s.index, this.s.balances).map((t, j) => this.signer.completeTwoOfTwo(t.spend, this.s.branchSigs[j]!));
    const inDir = incoming(this.s.role);
    const outDir = outgoing(this.s.role);
    const inCh = this.channel(inDir);
    const outCh = this.channel(outDir);
    const acked = this.s.acked;
    const others = [
      ...(acked !== undefined ? [this.otherBranch(acked, branch, this.fromLevel(acked.index), acked.sigs)] : []),
      ...this.s.exposed.map((e) => this.otherBranch(e, branch)),
    ];
    return {
      ctx: this.ctx, kickoff, branch, balances: { ...this.s.balances },
      payments: inCh !== undefined && this.s.inSig !== undefined ? { [inDir]: this.signer.completeSimplexPayment(inCh, this.s.paidIn, this.s.inSig) } : {},
      refunds: outCh !== undefined ? { [outDir]: this.signer.simplexRefund(outCh) } : {},
      ...(others.length > 0 ? { others } : {}),
    };
  }

  // ---- internals

  private own(b: DuplexLeafBalances): bigint {
    return this.s.role === 'a' ? b.a : b.b;
  }

  private treeShare(role: DuplexRole): bigint {
    return role === 'a' ? this.ctx.aTreeCost : this.ctx.treeCost - this.ctx.aTreeCost;
  }

  /** The leaf balances of the next state: this party's by its own accounting, the counterparty's the rest. */
  private netBalances(): DuplexLeafBalances {
    const mine = this.balance;
    const theirs = this.ctx.leafCapacity - mine;
    return this.s.role === 'a' ? { a: mine, b: theirs } : { a: theirs, b: mine };
  }

  /**
   * The state's simplex channels, built once per state: the leaf's txid takes
   * the whole branch, and each channel caches its sighash pieces, which the
   * payment hot path reuses.
   */
  private channel(dir: SimplexDirection): SimplexChannel | undefined {
    const { index, balances } = this.s;
    let c = this.channels;
    if (c === undefined || c.index !== index || !sameBalances(c.balances, balances)) {
      const branch = duplexBranch(this.ctx, index, balances, this.ctx.params.levels - 1);
      const leafTxid = buildFundingSpendTx(branch[0]!.spend).getId();
      c = { index, balances, ab: simplexChannel(this.ctx, leafTxid, balances, 'ab'), ba: simplexChannel(this.ctx, leafTxid, balances, 'ba') };
      this.channels = c;
    }
    return c[dir];
  }

  private checkBranchSigs(index: number, balances: DuplexLeafBalances, from: number, sigs: readonly Uint8Array[]): void {
    const spends = duplexBranch(this.ctx, index, balances, from);
    if (!Array.isArray(sigs) || sigs.length !== spends.length) fail('INVALID_SIGNATURE', `${spends.length} signatures are needed, one per changed level`);
    spends.forEach((t, i) => {
      if (!this.signer.verifyCounterparty(this.signer.hash(t.spend), sigs[i]!)) fail('INVALID_SIGNATURE', `the signature of level ${t.level} does not sign it`, { level: t.level });
    });
  }

  private checkCloseTerms(c: { a: bigint; b: bigint; fee: bigint }, proposer: DuplexRole): void {
    duplexCloseSpend(this.ctx, c);
    if (proposer === this.s.role) return;
    const mine = this.s.role === 'a' ? c.a : c.b;
    const due = this.balance + this.treeShare(this.s.role);
    if (mine < due) fail('INVALID_AMOUNT', 'the close leaves this party less than its due', { offered: mine.toString(), due: due.toString() });
  }

  /** Move to a complete state; a branch exposed before stays only while no newer state is complete (then it is merely stale). */
  private advance(to: DuplexResetTerms, from: number, sigs: readonly Uint8Array[]): void {
    const { reset: _dropped, acked: _done, inSig: _old, ...rest } = this.s;
    const exposed = this.s.exposed.filter((e) => e.index > to.index || (e.index === to.index && !sameBalances(e.balances, to.balances)));
    this.s = { ...rest, index: to.index, balances: to.balances, branchSigs: [...this.s.branchSigs.slice(0, from), ...sigs], paidOut: 0n, paidIn: 0n, exposed };
  }

  private ownSigs(index: number, balances: DuplexLeafBalances, from: number): Uint8Array[] {
    return duplexBranch(this.ctx, index, balances, from).map((t) => this.signer.sign(this.signer.hash(t.spend)));
  }

  /** The first level a reset to `index` changes: the levels above are the previous state's. */
  private fromLevel(index: number): number {
    return firstChangedLevel(this.ctx.counter, index - 1, index);
  }

  /** This party's signatures of a reset's branch below its first changed level (none when only the leaf changes). */
  private deeperSigs(t: DuplexResetTerms): Uint8Array[] {
    const from = this.fromLevel(t.index);
    return from + 1 < this.ctx.params.levels ? this.ownSigs(t.index, t.balances, from + 1) : [];
  }

  private checkDeeperSigs(t: DuplexResetTerms, sigs: readonly Uint8Array[]): void {
    const from = this.fromLevel(t.index);
    if (from + 1 < this.ctx.params.levels) return this.checkBranchSigs(t.index, t.balances, from + 1, sigs);
    if (!Array.isArray(sigs) || sigs.length !== 0) fail('INVALID_SIGNATURE', 'a reset of the leaf alone carries no signature: the leaf\'s comes last');
  }

  private ackOf(t: DuplexResetTerms): DuplexResetAck {
    return { type: 'duplex_reset_ack', channelId: this.channelId, index: t.index, sigs: this.ownSigs(t.index, t.balances, this.fromLevel(t.index)) };
  }

  private doneOf(t: DuplexResetTerms): DuplexResetDone {
    const [first] = duplexBranch(this.ctx, t.index, t.balances, this.fromLevel(t.index));
    return { type: 'duplex_reset_done', channelId: this.channelId, index: t.index, sig: this.signer.sign(this.signer.hash(first!.spend)) };
  }

  /**
   * Whether the proposal `mine`, crossed by `theirs` of the same state and
   * dropped or refused, leaves a branch the counterparty may complete: it
   * carried signatures below the first changed level, and its leaf differs.
   */
  private exposes(mine: DuplexResetTerms, theirs: DuplexResetTerms): boolean {
    return mine.index === theirs.index && !sameBalances(mine.balances, theirs.balances) && this.fromLevel(mine.index) + 1 < this.ctx.params.levels;
  }

  /**
   * Another branch, for the watcher: each level's transaction, completed
   * where this party holds both signatures (a node shared with the state's
   * branch, or one below `from` signed in `deeper`), else unsigned (its txid,
   * which segwit fixes without witnesses, is what the chain shows).
   */
  private otherBranch(t: DuplexResetTerms, current: readonly Transaction[], from?: number, deeper?: readonly Uint8Array[]): DuplexOtherBranch {
    const txs = duplexBranch(this.ctx, t.index, t.balances);
    const nodes = txs.map((x, j) => {
      const tx = buildFundingSpendTx(x.spend);
      if (current[j]?.getId() === tx.getId()) return { tx: current[j]!, signed: true };
      if (from !== undefined && deeper !== undefined && j > from) return { tx: this.signer.completeTwoOfTwo(x.spend, deeper[j - from - 1]!), signed: true };
      return { tx, signed: false };
    });
    const leafTxid = nodes[nodes.length - 1]!.tx.getId();
    const out = simplexChannel(this.ctx, leafTxid, t.balances, outgoing(this.s.role));
    return {
      index: t.index, balances: { ...t.balances },
      branch: nodes.map((n) => n.tx), signed: nodes.map((n) => n.signed),
      refunds: out !== undefined ? { [out.direction]: this.signer.simplexRefund(out) } : {},
    };
  }

  /** A balance the next reset's leaf can hold: 0, or a simplex refund's fee above dust. */
  private expectResettable(v: bigint): void {
    if (v !== 0n && v < this.ctx.simplexFee + DUST_P2WPKH) {
      fail('AMOUNT_BELOW_DUST', `it would leave a balance of ${v} sat, which no reset can re-fund (0 or at least ${this.ctx.simplexFee + DUST_P2WPKH})`, { balance: v.toString() });
    }
  }

  /**
   * Once the kickoff is out the chain may already hold the old branch below
   * the reset's first changed level: moving to the new state would drop the
   * old one from what the watcher follows. The party keeps what it holds
   * (an acknowledged reset stays one of its other branches).
   */
  private expectNotExiting(): void {
    if (this.s.phase === 'exiting') fail('UNEXPECTED_MESSAGE', 'the kickoff is out: the tree is what pays, and the state stays as it is');
  }

  private expectNoReset(): void {
    if (this.s.reset !== undefined) fail('PAYMENT_PENDING', 'a reset is awaiting its acknowledgement');
    if (this.s.acked !== undefined) fail('PAYMENT_PENDING', `the reset to state ${this.s.acked.index} awaits its completion (duplex_reset_done)`, { awaiting: this.s.acked.index });
  }

  private expectUncontested(): void {
    if (this.s.contested === this.s.index) fail('PAYMENT_PENDING', 'resets crossed with different balances: reset again before paying');
  }

  private expectRelayableCloseFee(fee: bigint): void {
    const least = feeForWeight(duplexWeights().close, MIN_FEE_RATE);
    if (fee < least) fail('FEE_RATE_REFUSED', `a close fee of ${fee} sat is below the relay floor (${least} sat for its weight)`, { fee: fee.toString() });
  }

  private expectNotExhausted(): void {
    if (counterExhausted(this.ctx.counter, this.s.index)) {
      fail('CHANNEL_EXPIRED', `state ${this.s.index} is the tree's last (b^d = ${this.ctx.counter.states}): close and reopen`, { index: this.s.index });
    }
  }

  private expectOpen(): void {
    if (this.s.phase !== 'open') fail('UNEXPECTED_MESSAGE', `the channel is ${this.s.phase}`);
  }

  private expect(m: { type: string; channelId: Uint8Array }, type: string): void {
    expectMessage(m, type);
    if (m.type !== type) fail('UNEXPECTED_MESSAGE', `expected ${type}, got ${String(m.type)}`);
    if (!(m.channelId instanceof Uint8Array) || !bytesEqual(m.channelId, this.channelId)) fail('WRONG_CHANNEL', 'the message is another channel\'s');
  }

  private update(patch: Partial<Mutable<DuplexSaved>>): void {
    this.s = { ...this.s, ...patch };
  }
}
