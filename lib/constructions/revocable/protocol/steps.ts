/**
 * One entry per party for whatever message arrives, returning the effects in
 * the order they must happen (lib/protocol/step.ts): a server routes a decoded
 * message here, saves, then sends. The party methods stay the primitives;
 * these only dispatch and package what each method already returns.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { FeeRate } from '../../../core/types';
import { Json } from '../../../protocol/wire';
import { CloseOffer, Message, Offer } from './messages';
import { Step } from '../../../protocol/step';
import { ChainView, expectMessage } from '../../../protocol/party';
import { Sender } from './sender';
import { PaymentReceived, Receiver } from './receiver';

/** A revocable party's step: its saved state and the answer, if any. */
export interface PartyStep extends Step<Json, Message> {
  /** A close both parties signed, for the caller to broadcast (after saving). */
  readonly closeTx?: Transaction;
}

/** The receiver's step; a revoke also reports the payment it made final. */
export interface ReceiverStep extends PartyStep {
  /** Set when a revoke made a payment final: deliver what it pays for only now, after saving. */
  readonly paid?: PaymentReceived;
}

/** What {@link handleReceiverMessage} needs besides the message. */
export interface ReceiverHandleOptions {
  /** The chain tip, for offers in a CLTV channel (the payment cutoff). */
  readonly chain?: ChainView;
}

/** The sender's step; a fulfill also gives the preimage it brought. */
export interface SenderStep extends PartyStep {
  /** Set for a fulfill: the HTLC's preimage, checked (settle with {@link Sender.settleHtlc}, or upstream). */
  readonly preimage?: Uint8Array;
}

/** What {@link handleSenderMessage} needs besides the message. */
export interface SenderHandleOptions {
  /** The highest fee rate (sat/kw) at which the sender signs a close the receiver proposes; without it a close_offer is refused. */
  readonly maxCloseFeeRate?: FeeRate;
}

function unexpected(m: Message, role: string): never {
  return fail('UNEXPECTED_MESSAGE', `a ${role} does not handle ${String(m.type)} here`, { type: m.type });
}

/**
 * Applies one message to a receiver and says what to save and send.
 * open_channel is not handled here: it creates the receiver (`Receiver.accept`).
 *
 * @param receiver - The channel's receiver, as restored from its store.
 * @param m - A decoded message for this channel.
 * @param opts - The chain tip for CLTV channels.
 * @returns The receiver's new state to save, then the answer to send: funding_signed, accept or close_signed; nothing for a revoke (whose `paid` says what became final) or a close_signed (whose `closeTx` is the signed close).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if the party is not one, or `opts` is not an object.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` for a type a receiver does not handle here, or one its state does not expect.
 * @throws {@link ChannelError} `WRONG_CHANNEL`, `UPDATE_INDEX_MISMATCH`, `UPDATE_NOT_MONOTONIC`, `AMOUNT_EXCEEDS_CAPACITY`, `INVALID_SIGNATURE`, `INVALID_KEY`, `UPDATE_KEY_REUSED`, `CHANNEL_EXPIRED`, `PAYMENT_PENDING`, `FUNDING_NOT_CONFIRMED`, `REVOKED_SECRET_MISMATCH`, `SECRET_STORE_INCONSISTENT`, `CHANNEL_CLOSED`, `FEE_RATE_REFUSED`, `FEE_EXCEEDS_OUTPUT`, `INVALID_FEE_RATE`: as the receiver's method for the type gives them (`Receiver.onOffer`, `onRevoke`, `onFundingCreated`, `onCloseOffer`, `onCloseSigned`); the receiver is then unchanged.
 * @throws {@link ChannelError} `HTLC_NOT_NEGOTIATED`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `HTLC_EXPIRY_TOO_SOON`, `HTLC_EXPIRY_PAST_CHANNEL`, `HTLC_TOO_MANY`, `HTLC_DUST_EXPOSURE`, `HTLC_UNKNOWN`, `HTLC_PREIMAGE_MISMATCH`, `HTLC_NOT_EXPIRED`: as `Receiver.onOffer` refuses an HTLC change; the receiver is then unchanged.
 * @example
 * ```ts
 * const step = handleReceiverMessage(receiver, decodeMessage(json), { chain });
 * await performStep(step, { save: (s) => store.save(id, s), send: (m) => transport.send(m) });
 * if (step.paid) deliver(step.paid.increment);
 * ```
 */
export function handleReceiverMessage(receiver: Receiver, m: Message, opts: ReceiverHandleOptions = {}): ReceiverStep {
  if (!(receiver instanceof Receiver)) fail('INVALID_ARGUMENT', 'receiver must be a Receiver');
  if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
  expectMessage(m, 'message');
  switch (m.type) {
    case 'funding_created': {
      const send = receiver.onFundingCreated(m);
      return { save: receiver.toJSON(), send };
    }
    case 'offer': {
      const send = receiver.onOffer(m, opts.chain);
      return { save: receiver.toJSON(), send };
    }
    case 'revoke': {
      const paid = receiver.onRevoke(m);
      return { save: receiver.toJSON(), paid };
    }
    case 'close_offer': {
      const { message, tx } = receiver.onCloseOffer(m);
      return { save: receiver.toJSON(), send: message, closeTx: tx };
    }
    case 'close_signed': {
      const tx = receiver.onCloseSigned(m);
      return { save: receiver.toJSON(), closeTx: tx };
    }
    default:
      return unexpected(m, 'receiver');
  }
}

/**
 * Applies one message to a sender and says what to save and send.
 *
 * @param sender - The channel's sender, as restored from its store.
 * @param m - A decoded message for this channel.
 * @param opts - The close fee bound for a receiver's close_offer.
 * @returns The sender's new state to save, then the answer to send: a revoke for an accept, close_signed for a close_offer; nothing for accept_channel, funding_signed, close_signed (whose `closeTx` is the signed close), fulfill (whose `preimage` is the HTLC's) or fail.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if the party is not one, or `opts` is not an object.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` for a type a sender does not handle, or one its state does not expect.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` for a close_offer without `opts.maxCloseFeeRate`.
 * @throws {@link ChannelError} `WRONG_CHANNEL`, `UPDATE_INDEX_MISMATCH`, `INVALID_SIGNATURE`, `INVALID_KEY`, `CHANNEL_CLOSED`, `UPDATE_NOT_MONOTONIC`, `FEE_RATE_REFUSED`, `FEE_EXCEEDS_OUTPUT`, `INVALID_FEE_RATE`, `PAYMENT_PENDING`, `HTLC_UNKNOWN`, `HTLC_PREIMAGE_MISMATCH`: as the sender's method for the type gives them (`Sender.onAcceptChannel`, `onFundingSigned`, `onAccept`, `onCloseOffer`, `onCloseSigned`, `onFulfill`, `onFail`); the sender is then unchanged.
 * @example
 * ```ts
 * const step = handleSenderMessage(sender, decodeMessage(json));
 * await performStep(step, { save: (s) => store.save(id, s), send: (m) => transport.send(m) });
 * ```
 */
export function handleSenderMessage(sender: Sender, m: Message, opts: SenderHandleOptions = {}): SenderStep {
  if (!(sender instanceof Sender)) fail('INVALID_ARGUMENT', 'sender must be a Sender');
  if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
  expectMessage(m, 'message');
  switch (m.type) {
    case 'accept_channel':
      sender.onAcceptChannel(m);
      return { save: sender.toJSON() };
    case 'funding_signed':
      sender.onFundingSigned(m);
      return { save: sender.toJSON() };
    case 'accept': {
      const send = sender.onAccept(m);
      return { save: sender.toJSON(), send };
    }
    case 'close_offer': {
      if (opts.maxCloseFeeRate === undefined) fail('INVALID_ARGUMENT', 'maxCloseFeeRate is needed to answer a close_offer');
      const { message, tx } = sender.onCloseOffer(m, opts.maxCloseFeeRate);
      return { save: sender.toJSON(), send: message, closeTx: tx };
    }
    case 'close_signed': {
      const tx = sender.onCloseSigned(m);
      return { save: sender.toJSON(), closeTx: tx };
    }
    case 'fulfill': {
      const preimage = sender.onFulfill(m);
      return { save: sender.toJSON(), preimage };
    }
    case 'fail':
      sender.onFail(m);
      return { save: sender.toJSON() };
    default:
      return unexpected(m, 'sender');
  }
}

/**
 * A payment as a step: the offer must not leave before the sender's state
 * holding it is saved, or a restarted sender could sign another offer for
 * the same index and the receiver would hold two.
 *
 * @param sender - An open sender with no payment in flight.
 * @param increment - Satoshis to add to the receiver's total.
 * @returns The sender's state to save, then the offer to send.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sender` is not a Sender.
 * @throws {@link ChannelError} `PAYMENT_PENDING`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `FEE_EXCEEDS_OUTPUT`, `UNEXPECTED_MESSAGE`, `CHANNEL_CLOSED`: as `Sender.pay` gives them; the sender is then unchanged.
 */
export function payStep(sender: Sender, increment: bigint): Step<Json, Offer> {
  if (!(sender instanceof Sender)) fail('INVALID_ARGUMENT', 'sender must be a Sender');
  const send = sender.pay(increment);
  return { save: sender.toJSON(), send };
}

/**
 * A cooperative close proposal as a step, for either party: saved first, so
 * a restarted party knows it signed this close.
 *
 * @param party - The sender or the receiver.
 * @param feeRate - The close's fee rate, sat/kw.
 * @returns The party's state to save, then the close_offer to send.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `party` is neither a Sender nor a Receiver.
 * @throws {@link ChannelError} `PAYMENT_PENDING`, `INVALID_FEE_RATE`, `FEE_RATE_REFUSED`, `FEE_EXCEEDS_OUTPUT`, `UNEXPECTED_MESSAGE`, `CHANNEL_CLOSED`: as the party's `proposeClose` gives them; the party is then unchanged.
 */
export function proposeCloseStep(party: Sender | Receiver, feeRate: FeeRate): Step<Json, CloseOffer> {
  if (!(party instanceof Sender) && !(party instanceof Receiver)) fail('INVALID_ARGUMENT', 'party must be a Sender or a Receiver');
  const send = party.proposeClose(feeRate);
  return { save: party.toJSON(), send };
}
