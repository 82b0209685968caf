/**
 * One entry for whatever message arrives at a decreasing-lock party,
 * returning the effects in the order they must happen (lib/protocol/step.ts):
 * save, then send. The party methods stay the primitives; these dispatch and
 * package.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { ChainView, expectMessage } from '../../../protocol/party';
import { Step } from '../../../protocol/step';
import { Json } from '../../../protocol/wire';
import { DecreasingClose, DecreasingMessage, DecreasingUpdate } from './messages';
import { DecreasingParty } from './party';
import { DecreasingState } from '../tx/signer';

/** A decreasing-lock party's step: its saved state, the answer if any, and what was received or a close to broadcast. */
export interface DecreasingStep extends Step<Json, DecreasingMessage> {
  /** A close both parties signed, to broadcast once saved. */
  readonly closeTx?: Transaction;
  /**
   * What is final for this party, to deliver for once saved: an update's
   * amount (unless it crossed this party's own, see `dropped`; then it is
   * held) plus an amount held since a crossing that this state makes final.
   */
  readonly received?: bigint;
  /** Updates left after an update, at the tip given. */
  readonly budget?: number;
  /** This party's own update, dropped because the counterparty's crossed it and won the tie-break: offer it again. */
  readonly dropped?: DecreasingState;
}

/** A payment as a step, with the updates left after it. */
export interface DecreasingPayStep extends Step<Json, DecreasingUpdate> {
  /** Updates left after this one at the tip given. */
  readonly budget: number;
}

/** What {@link handleDecreasingMessage} needs besides the message. */
export interface DecreasingHandleOptions {
  /** The chain tip: an update is refused once its lock would be behind it. */
  readonly chain?: ChainView;
}

/**
 * Apply one message to a decreasing-lock party.
 *
 * @param party - The party, as restored from its store.
 * @param m - A decoded message for this channel.
 * @param opts - The chain tip, for updates.
 * @returns The state to save, then the answer if any.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `party` is not a DecreasingParty, `opts` is not an object, or an update comes without `opts.chain`.
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `m` is not a message object.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` for a type the party does not expect.
 * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` for an update or close before the handshake's funding is deep enough.
 * @throws {@link ChannelError} `WRONG_CHANNEL`, `PAYMENT_PENDING`, `UPDATE_INDEX_MISMATCH`, `INVALID_TIMELOCK`, `CHANNEL_EXPIRED`, `UPDATE_NOT_MONOTONIC`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT`, `INVALID_SIGNATURE`: as the party's method gives them; the party is then unchanged.
 */
export function handleDecreasingMessage(party: DecreasingParty, m: DecreasingMessage, opts: DecreasingHandleOptions = {}): DecreasingStep {
  if (!(party instanceof DecreasingParty)) fail('INVALID_ARGUMENT', 'party must be a DecreasingParty');
  if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
  expectMessage(m, 'message');
  switch (m.type) {
    case 'decreasing_open':
      return fail('UNEXPECTED_MESSAGE', 'a decreasing_open makes a new party: DecreasingParty.accept takes it');
    case 'decreasing_open_ack':
      party.onOpenAck(m);
      return { save: party.toJSON() };
    case 'decreasing_initial_signed':
      party.onInitialSigned(m);
      return { save: party.toJSON() };
    case 'decreasing_update': {
      if (opts.chain === undefined) fail('INVALID_ARGUMENT', 'an update needs the chain tip (opts.chain)');
      const r = party.onUpdate(m, opts.chain);
      return { save: party.toJSON(), send: r.message, received: r.final, budget: r.budget, ...(r.dropped ? { dropped: r.dropped } : {}) };
    }
    case 'decreasing_update_ack': {
      const released = party.onUpdateAck(m);
      return { save: party.toJSON(), ...(released > 0n ? { received: released } : {}) };
    }
    case 'decreasing_close': {
      const r = party.onClose(m);
      return { save: party.toJSON(), send: r.message, closeTx: r.tx };
    }
    case 'decreasing_close_ack':
      return { save: party.toJSON(), closeTx: party.onCloseAck(m) };
    default:
      return fail('UNEXPECTED_MESSAGE', `a decreasing-lock party does not handle ${String((m as { type: unknown }).type)}`);
  }
}

/**
 * A payment as a step: the update must not leave before the state holding
 * it is saved, or a restarted payer could sign another division at that index.
 *
 * @param party - An open party with no update pending.
 * @param amount - Satoshis to pay.
 * @param chain - The chain tip.
 * @returns The state to save, then the decreasing_update to send, and the updates left.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `party` is not a DecreasingParty or `chain` not a chain view.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `UNEXPECTED_MESSAGE`, `PAYMENT_PENDING`, `CHANNEL_EXPIRED`, `UPDATE_NOT_MONOTONIC`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`: as {@link DecreasingParty.pay}.
 */
export function decreasingPayStep(party: DecreasingParty, amount: bigint, chain: ChainView): DecreasingPayStep {
  if (!(party instanceof DecreasingParty)) fail('INVALID_ARGUMENT', 'party must be a DecreasingParty');
  const r = party.pay(amount, chain);
  return { save: party.toJSON(), send: r.message, budget: r.budget };
}

/**
 * A close offer as a step, saved first so a restarted party knows it signed it.
 *
 * @param party - An open party with no update pending.
 * @param fee - The close's fee.
 * @returns The state to save, then the decreasing_close to send.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `party` is not a DecreasingParty.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE`, `PAYMENT_PENDING`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT`: as {@link DecreasingParty.proposeClose}.
 */
export function decreasingCloseStep(party: DecreasingParty, fee: bigint): Step<Json, DecreasingClose> {
  if (!(party instanceof DecreasingParty)) fail('INVALID_ARGUMENT', 'party must be a DecreasingParty');
  const send = party.proposeClose(fee);
  return { save: party.toJSON(), send };
}
