/**
 * What a spend of a channel's funding output is, from the receiver's point of
 * view. The obscured index in nLockTime/nSequence tells which state it is in
 * O(1); the sender's version is told from the receiver's by an output paying
 * that state's revocable script, or one of its HTLCs' sender's-version
 * scripts, recomputed from its K_i (both versions may carry P2WSH HTLC
 * outputs, so a P2WSH output alone tells nothing, and a sender's balance
 * below dust leaves no revocable output). A transaction that does not spend
 * the funding output is INVALID_TRANSACTION.
 */
import { Transaction } from 'bitcoinjs-lib';
import { Receiver } from '../protocol/receiver';
import { fail } from '../../../core/errors';
import { CLOSE_LOCKTIME } from '../tx/close';
import { bytesEqual, txidToHash } from '../../../core/hash';
import { htlcBookOf } from './htlc-book';
import { onlyReceiverVersionScripts, paymentVersionOf } from './htlc-schedule';

/**
 * What a spend of the funding output is: the sender's latest version, a
 * receiver's version, the cooperative close, a revoked sender's version (to
 * punish), or none of these.
 */
export type SpendClassification =
  | 'latest-sender-version'
  | 'receiver-version'
  | 'cooperative-close'
  | 'revoked-sender-version'
  | 'unknown';

/**
 * What a spend of the channel's funding output is, to the receiver.
 *
 * @param receiver - The channel's receiver.
 * @param tx - A transaction spending the funding output.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `receiver` is not a Receiver.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction or does not spend the funding output.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the receiver has no funding outpoint yet.
 */
export function classifyFundingSpend(receiver: Receiver, tx: Transaction): {
  /** What the spend is. */
  classification: SpendClassification;
  /** The index it encodes, for a payment version. */
  index?: number;
  /** @deprecated The old name of `index`, the same value. */
  state?: number;
} {
  if (!(receiver instanceof Receiver)) fail('INVALID_ARGUMENT', 'classifyFundingSpend takes a Receiver');
  if (!(tx instanceof Transaction)) fail('INVALID_TRANSACTION', 'classifyFundingSpend takes a parsed Transaction');
  // Anything with nLockTime 0 would pass for a cooperative close: only a spend of the funding output is classified.
  const f = receiver.funding;
  if (!f) fail('UNEXPECTED_MESSAGE', 'the receiver has no funding outpoint yet');
  const fundingHash = txidToHash(f.txid);
  if (!tx.ins.some((i) => i.index === f.vout && bytesEqual(i.hash, fundingHash))) {
    fail('INVALID_TRANSACTION', `the transaction does not spend the funding output ${f.txid}:${f.vout}`);
  }
  const index = receiver.indexOf(tx);
  if (index === undefined) {
    return { classification: tx.locktime === CLOSE_LOCKTIME ? 'cooperative-close' : 'unknown' };
  }
  const n = Number(index);
  const updateKey = receiver.updateKeyAt(n);
  const htlcs = htlcBookOf(receiver)?.htlcsAt(n) ?? [];
  if (updateKey === undefined) {
    // No key for the state: never seen, or a pending one the receiver let go of when the channel closed (markClosed). With no
    // script-hash output but the state's receiver's-version HTLC outputs it can only be the receiver's own version (every
    // sender's version pays a revocable P2WSH unless dust, and its HTLC outputs other scripts); anything else cannot be told
    // without the key.
    const plain = onlyReceiverVersionScripts(receiver.context, tx, htlcs);
    return { classification: plain ? 'receiver-version' : 'unknown', index: n, state: n };
  }
  if (paymentVersionOf(receiver.context, tx, { updateKey, htlcs }) === 'receiver') return { classification: 'receiver-version', index: n, state: n };
  return { classification: receiver.isRevoked(n) ? 'revoked-sender-version' : 'latest-sender-version', index: n, state: n };
}
