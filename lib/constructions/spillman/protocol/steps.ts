/**
 * One entry per Spillman party for whatever message arrives, returning the
 * effects in the order they must happen (lib/protocol/step.ts): save, then
 * send. The party methods stay the primitives; these dispatch and package.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { FeeRate } from '../../../core/types';
import { ChainView, expectMessage } from '../../../protocol/party';
import { Step } from '../../../protocol/step';
import { Json } from '../../../protocol/wire';
import { SpillmanCloseOffer, SpillmanMessage, SpillmanPay } from './messages';
import { SpillmanPaymentReceived, SpillmanReceiver } from './receiver';
import { SpillmanSender } from './sender';

/** A Spillman party's step: its saved state, the answer if any, and a transaction to broadcast after saving. */
export interface SpillmanStep extends Step<Json, SpillmanMessage> {
  /** A close both parties signed, to broadcast once saved. */
  readonly closeTx?: Transaction;
  /** Set when a payment was taken: deliver what it pays for once saved. */
  readonly paid?: SpillmanPaymentReceived;
}

/** What {@link handleSpillmanReceiverMessage} needs besides the message. */
export interface SpillmanReceiverHandleOptions {
  /** The chain tip: payments are refused from the cutoff L - margin. */
  readonly chain?: ChainView;
  /** The highest close fee rate the receiver signs; without it a close offer is refused. */
  readonly maxCloseFeeRate?: FeeRate;
}

function unexpected(m: SpillmanMessage, role: string): never {
  return fail('UNEXPECTED_MESSAGE', `a Spillman ${role} does not handle ${String(m.type)} here`, { type: m.type });
}

/**
 * Apply one message to a Spillman receiver. spillman_open is not handled
 * here: it creates the receiver ({@link SpillmanReceiver.accept}).
 *
 * @param receiver - The channel's receiver, as restored from its store.
 * @param m - A decoded message for this channel.
 * @param opts - The chain tip for payments, the close fee bound for close offers.
 * @returns The state to save, then the answer: spillman_refund_signed (Form S), spillman_pay_ack, spillman_close_signed.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `receiver` is not a SpillmanReceiver, `opts` is not an object, a payment comes without `opts.chain` or a close offer without `opts.maxCloseFeeRate`.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` for a type a receiver does not handle here, or one its state does not expect.
 * @throws {@link ChannelError} `WRONG_CHANNEL`, `UPDATE_INDEX_MISMATCH`, `UPDATE_NOT_MONOTONIC`, `AMOUNT_BELOW_DUST`, `AMOUNT_EXCEEDS_CAPACITY`, `CHANNEL_EXPIRED`, `INVALID_SIGNATURE`, `FUNDING_NOT_CONFIRMED`, `CHANNEL_CLOSED`, `FEE_RATE_REFUSED`, `FEE_EXCEEDS_OUTPUT`, `INVALID_FEE_RATE`: as the receiver's method gives them; the receiver is then unchanged.
 */
export function handleSpillmanReceiverMessage(receiver: SpillmanReceiver, m: SpillmanMessage, opts: SpillmanReceiverHandleOptions = {}): SpillmanStep {
  if (!(receiver instanceof SpillmanReceiver)) fail('INVALID_ARGUMENT', 'receiver must be a SpillmanReceiver');
  if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
  expectMessage(m, 'message');
  switch (m.type) {
    case 'spillman_funding_created': {
      const send = receiver.onFundingCreated(m);
      return { save: receiver.toJSON(), ...(send ? { send } : {}) };
    }
    case 'spillman_pay': {
      if (opts.chain === undefined) fail('INVALID_ARGUMENT', 'a payment needs the chain tip (opts.chain)');
      const { message, paid } = receiver.onPay(m, opts.chain);
      return { save: receiver.toJSON(), send: message, paid };
    }
    case 'spillman_close_offer': {
      if (opts.maxCloseFeeRate === undefined) fail('INVALID_ARGUMENT', 'maxCloseFeeRate is needed to answer a close offer');
      const { message, tx } = receiver.onCloseOffer(m, opts.maxCloseFeeRate);
      return { save: receiver.toJSON(), send: message, closeTx: tx };
    }
    default:
      return unexpected(m, 'receiver');
  }
}

/**
 * Apply one message to a Spillman sender.
 *
 * @param sender - The channel's sender, as restored from its store.
 * @param m - A decoded message for this channel.
 * @returns The state to save; nothing to send (a close_signed's `closeTx` is the signed close).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sender` is not a SpillmanSender.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` for a type a sender does not handle, or one its state does not expect.
 * @throws {@link ChannelError} `WRONG_CHANNEL`, `INVALID_KEY`, `INVALID_SIGNATURE`, `UPDATE_INDEX_MISMATCH`, `CHANNEL_CLOSED`: as the sender's method gives them; the sender is then unchanged.
 */
export function handleSpillmanSenderMessage(sender: SpillmanSender, m: SpillmanMessage): SpillmanStep {
  if (!(sender instanceof SpillmanSender)) fail('INVALID_ARGUMENT', 'sender must be a SpillmanSender');
  expectMessage(m, 'message');
  switch (m.type) {
    case 'spillman_accept':
      sender.onAccept(m);
      return { save: sender.toJSON() };
    case 'spillman_refund_signed':
      sender.onRefundSigned(m);
      return { save: sender.toJSON() };
    case 'spillman_pay_ack':
      sender.onPayAck(m);
      return { save: sender.toJSON() };
    case 'spillman_close_signed': {
      const tx = sender.onCloseSigned(m);
      return { save: sender.toJSON(), closeTx: tx };
    }
    default:
      return unexpected(m, 'sender');
  }
}

/**
 * A payment as a step: the pay must not leave before the state holding it
 * is saved, or a restarted sender could sign another total at that index.
 *
 * @param sender - An open sender whose last payment is acknowledged.
 * @param increment - Satoshis to add to the receiver's total.
 * @param chain - The chain tip, for the cutoff L - margin.
 * @returns The state to save, then the spillman_pay to send.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sender` is not a SpillmanSender, or `chain` is malformed.
 * @throws {@link ChannelError} `PAYMENT_PENDING`, `INVALID_AMOUNT`, `CHANNEL_EXPIRED`, `AMOUNT_BELOW_DUST`, `AMOUNT_EXCEEDS_CAPACITY`, `UNEXPECTED_MESSAGE`, `CHANNEL_CLOSED`: as {@link SpillmanSender.pay}.
 */
export function spillmanPayStep(sender: SpillmanSender, increment: bigint, chain: ChainView): Step<Json, SpillmanPay> {
  if (!(sender instanceof SpillmanSender)) fail('INVALID_ARGUMENT', 'sender must be a SpillmanSender');
  const send = sender.pay(increment, chain);
  return { save: sender.toJSON(), send };
}

/**
 * A close offer as a step, saved first so a restarted sender knows it signed it.
 *
 * @param sender - An open sender whose last payment is acknowledged.
 * @param feeRate - The close's fee rate, sat/kw.
 * @returns The state to save, then the spillman_close_offer to send.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sender` is not a SpillmanSender.
 * @throws {@link ChannelError} `PAYMENT_PENDING`, `INVALID_FEE_RATE`, `FEE_RATE_REFUSED`, `AMOUNT_EXCEEDS_CAPACITY`, `FEE_EXCEEDS_OUTPUT`, `UNEXPECTED_MESSAGE`, `CHANNEL_CLOSED`: as {@link SpillmanSender.proposeClose}.
 */
export function spillmanCloseStep(sender: SpillmanSender, feeRate: FeeRate): Step<Json, SpillmanCloseOffer> {
  if (!(sender instanceof SpillmanSender)) fail('INVALID_ARGUMENT', 'sender must be a SpillmanSender');
  const send = sender.proposeClose(feeRate);
  return { save: sender.toJSON(), send };
}
