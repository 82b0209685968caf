/**
 * Cooperative close, the same for both parties: the amount is always the last
 * final one and the sender pays the fee. The rules keep a close live over a
 * lossy link without loosening safety:
 *
 * - The proposer may propose again (say at another fee rate) until a close is
 *   signed: every close it has signed pays the same amount, so whichever one
 *   the other side completes is fine. It never returns to paying: a receiver's
 *   signed close pays it the amount of that moment, and later payments would
 *   turn it into a stale state the sender could broadcast.
 * - Proposals that cross: the sender's wins. The receiver signs it; the sender
 *   refuses the receiver's and waits for the receiver's signature on its own.
 * - Once a close is complete, a close_offer of the same amount is answered
 *   still: the same one again for a lost reply (signatures are
 *   deterministic, so the same close_signed), another rate as a new close.
 * - Every close either party proposes or signs has a fee rate between the
 *   relay floor (MIN_FEE_RATE) and a bound: a close that cannot relay is
 *   signed money neither side can move. The sender pays, so it names its
 *   bound; the receiver's is MAX_FEE_RATE (a fee the sender's side cannot
 *   carry is refused when the close is built).
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { PaymentSigner } from '../tx/payment-signer';
import { FeeRate, MAX_FEE_RATE, checkFeeRate, checkRelayFeeRate } from '../../../core/types';
import { bytesEqual } from '../../../core/hash';
import { CloseOffer, CloseSigned } from './messages';
import { fieldError, hexOrNull, readBig, readHexOrNull, readOptional, savedField } from '../../../protocol/party';
import { Json } from '../../../protocol/wire';

export interface CloseRecord {
  readonly amount: bigint;
  readonly feeRate: FeeRate;
  /** Set once both signatures are held. */
  readonly tx?: Uint8Array;
}

/** A close record as saved: the amount and fee rate as decimal strings, the transaction as hex or null. */
export function closeToJson(c: CloseRecord | undefined): Json | null {
  return c ? { amount: c.amount.toString(), feeRate: c.feeRate.toString(), tx: hexOrNull(c.tx) } : null;
}

/** The saved close record of a state, to spread into what is read: `{}` without one. Its checks against the channel are {@link checkSavedClose}'s. */
export function readCloseRecord(o: Json): { close?: CloseRecord } {
  const close = readOptional(o, 'close', (c) => ({ amount: readBig(c, 'amount'), feeRate: readBig(c, 'feeRate'), ...readHexOrNull(c, 'tx') }));
  return close ? { close } : {};
}

/** What the close flow reads of a party; the party checks phase and channel id first. */
export interface ClosingParty {
  readonly phase: string;
  readonly close?: CloseRecord;
  readonly paymentPending: boolean;
  /** HTLCs the latest agreed state carries: a close would pay each to the sender unresolved. */
  readonly htlcsInFlight: number;
  /** The last final amount. */
  readonly amount: bigint;
  readonly signer: PaymentSigner;
  readonly channelId: Uint8Array;
}

/** May `p` propose (or propose again)? Only before any close is complete. */
export function checkMayPropose(p: ClosingParty): void {
  if (p.phase === 'closing' && p.close?.tx === undefined) return;
  if (p.phase === 'closed' || p.phase === 'closing') fail('CHANNEL_CLOSED', `proposeClose: channel is ${p.phase}`);
  if (p.phase !== 'open') fail('UNEXPECTED_MESSAGE', `proposeClose in phase ${p.phase}`);
  if (p.paymentPending) fail('PAYMENT_PENDING', 'finish the payment in flight first');
  checkNoHtlcs(p);
}

/** A close pays the receiver its total and the sender the rest: HTLCs in flight must be settled or failed first. */
function checkNoHtlcs(p: ClosingParty): void {
  if (p.htlcsInFlight > 0) fail('PAYMENT_PENDING', `${p.htlcsInFlight} HTLCs in flight: settle or fail them first`, { htlcs: p.htlcsInFlight });
}

/** The highest close fee rate a party signs: a valid rate, never absent (undefined would mean no bound at all). */
export function checkCloseFeeBound(maxFeeRate: FeeRate): FeeRate {
  if (typeof maxFeeRate !== 'bigint') fail('INVALID_FEE_RATE', 'the highest close fee rate to sign must be given, as a bigint sat/kw');
  return checkFeeRate(maxFeeRate);
}

/** The one rule for a close's fee rate, for proposals and answers alike. */
function checkCloseFeeRate(feeRate: FeeRate, maxFeeRate: FeeRate): void {
  checkRelayFeeRate(feeRate, 'close fee rate');
  if (feeRate > maxFeeRate) fail('FEE_RATE_REFUSED', 'close fee rate above our bound', { feeRate: feeRate.toString(), max: maxFeeRate.toString() });
}

export function proposeClose(p: ClosingParty, feeRate: FeeRate): { close: CloseRecord; message: CloseOffer } {
  checkMayPropose(p);
  checkCloseFeeRate(feeRate, MAX_FEE_RATE);
  const amount = p.amount;
  const sig = p.signer.sign(p.signer.closeHash(amount, feeRate));
  return { close: { amount, feeRate }, message: { type: 'close_offer', channelId: p.channelId, amount, feeRate, sig } };
}

/** The counterparty's signature on our proposal. */
export function completeClose(p: ClosingParty, m: CloseSigned): { close: CloseRecord; tx: Transaction } {
  const c = p.close;
  if (p.phase === 'closed') fail('CHANNEL_CLOSED', 'close_signed: channel is closed');
  if (p.phase !== 'closing' || c === undefined || c.tx !== undefined) fail('UNEXPECTED_MESSAGE', `close_signed in phase ${p.phase}`);
  const tx = p.signer.completeClose(c.amount, c.feeRate, m.sig);
  return { close: { ...c, tx: tx.toBuffer() }, tx };
}

/**
 * Sign the counterparty's proposal. `mayAnswerOwn` says whether a proposal of
 * ours may be outstanding (the receiver yields to the sender's); `maxFeeRate`
 * is the highest rate we sign (checked by checkCloseFeeBound). Once a close is complete, a
 * proposal of the same amount is still answered (the proposer lost our reply,
 * or asks again at another rate): every such close pays each side the same
 * but for the sender's fee. `close` is undefined when nothing changes.
 */
export function answerClose(
  p: ClosingParty, m: CloseOffer, opts: { mayAnswerOwn: boolean; maxFeeRate: FeeRate },
): { close?: CloseRecord; message: CloseSigned; tx: Transaction } {
  const done = p.close?.tx !== undefined ? p.close : undefined;
  const answering = p.phase === 'open' || (opts.mayAnswerOwn && p.phase === 'closing') || (p.phase === 'closed' && done !== undefined);
  if (!answering) {
    if (p.phase === 'closed' || p.phase === 'closing') fail('CHANNEL_CLOSED', `close_offer: channel is ${p.phase}`);
    fail('UNEXPECTED_MESSAGE', `close_offer in phase ${p.phase}`);
  }
  if (p.paymentPending) fail('PAYMENT_PENDING', 'a payment is in flight');
  checkNoHtlcs(p);
  if (m.amount !== (done?.amount ?? p.amount)) fail('UPDATE_NOT_MONOTONIC', 'close amount differs from the last final amount');
  checkCloseFeeRate(m.feeRate, opts.maxFeeRate);
  const tx = p.signer.completeClose(m.amount, m.feeRate, m.sig);
  const message: CloseSigned = { type: 'close_signed', channelId: p.channelId, sig: p.signer.sign(p.signer.closeHash(m.amount, m.feeRate)) };
  if (done !== undefined && done.feeRate === m.feeRate) return { message, tx };
  return { close: { amount: m.amount, feeRate: m.feeRate, tx: tx.toBuffer() }, message, tx };
}

/**
 * A close record read from a saved state: of the party's last final amount,
 * at a rate the close can carry, and if complete, exactly the close this
 * state describes signed by both funding keys (our own signature is
 * deterministic, so the saved bytes must be what completing it gives now).
 */
export function checkSavedClose(signer: PaymentSigner, c: CloseRecord, amount: bigint): void {
  if (c.amount !== amount) fieldError('close.amount', 'not the last final amount');
  savedField('close.feeRate', () => signer.closeHash(c.amount, checkFeeRate(c.feeRate)));
  const saved = c.tx;
  if (saved === undefined) return;
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(saved);
  } catch {
    return fieldError('close.tx', 'does not parse');
  }
  const signed = (tx.ins.length === 1 ? tx.ins[0]!.witness : []).some((sig) => {
    try {
      return bytesEqual(signer.completeClose(c.amount, c.feeRate, sig).toBuffer(), saved);
    } catch {
      return false;
    }
  });
  if (!signed) fieldError('close.tx', 'not the close of this state signed by both funding keys');
}
