/**
 * One deterministic channel run whose messages and saved party states are the
 * baselines of the message and party corpus files. Signatures are RFC 6979 and
 * keys come from fixed labels, so every run gives the same bytes.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  Accept, AcceptChannel, CloseOffer, DEFAULT_FUNDING_DEPTH, CloseSigned, FundingCreated, FundingSigned, Offer, OpenChannel, Receiver,
  Revoke, Sender, Variant,
} from '../../../lib';
import { walletCoin, walletScript } from '../../support/channel';
import { CHAIN, policy, receiverSecrets, senderSecrets } from '../../support/parties';

type Json = Record<string, unknown>;

export const CSV: Variant = { kind: 'csv', delay: { blocks: 144 } };
export const CLTV: Variant = { kind: 'cltv', expiry: { height: 1000 } };
export const CAPACITY = 1_000_000n;
export const FEE_RATE = 1000n;
export const MARGIN = 10;

export interface Scenario {
  readonly variant: Variant;
  readonly messages: {
    readonly open: OpenChannel;
    readonly acceptChannel: AcceptChannel;
    readonly fundingCreated: FundingCreated;
    readonly fundingSigned: FundingSigned;
    /** offer/accept of state 3, revoke of state 2. */
    readonly offer: Offer;
    readonly accept: Accept;
    readonly revoke: Revoke;
    /** Earlier messages of the run, for replays. */
    readonly offer2: Offer;
    readonly accept2: Accept;
    readonly revoke1: Revoke;
    /** The sender proposes to close state 3 at 2000 sat/kw; the receiver signs. */
    readonly closeOffer: CloseOffer;
    readonly closeSigned: CloseSigned;
    /** The receiver proposes to close state 3 at 1500 sat/kw; the sender signs. */
    readonly receiverCloseOffer: CloseOffer;
    readonly senderCloseSigned: CloseSigned;
  };
  /** toJSON() of each party at each step. */
  readonly states: Readonly<Record<string, Json>>;
  readonly txs: {
    readonly fundingTx: Transaction;
    /** The sender's versions of state 1 (revoked by state 2) and state 2 (latest before the offer of 3). */
    readonly senderVersion1: Transaction;
    readonly senderVersion2: Transaction;
    /** The sender's version of state 3, the latest agreed state once the run is over. */
    readonly senderVersion3: Transaction;
    readonly receiverVersion2: Transaction;
    readonly closeTx: Transaction;
  };
}

const snap = (p: Sender | Receiver): Json => JSON.parse(JSON.stringify(p.toJSON())) as Json;
const restoreSender = (j: Json) => Sender.restore(j, senderSecrets);
const restoreReceiver = (j: Json) => Receiver.restore(j, receiverSecrets);

export function runScenario(variant: Variant): Scenario {
  const states: Record<string, Json> = {};
  const { sender, message: open } = Sender.open({ capacity: CAPACITY, variant, feeRate: FEE_RATE, margin: MARGIN, secrets: senderSecrets });
  states.senderOpening = snap(sender);
  const { receiver, message: acceptChannel } = Receiver.accept(open, receiverSecrets, policy, CHAIN);
  states.receiverAccepted = snap(receiver);
  sender.onAcceptChannel(acceptChannel);
  states.senderAccepted = snap(sender);
  const { plan, message: fundingCreated } = sender.createFunding({ inputs: [walletCoin(CAPACITY + 50_000n)], changeScript: walletScript, feeRate: FEE_RATE });
  states.senderFundingCreated = snap(sender);
  const fundingSigned = receiver.onFundingCreated(fundingCreated);
  states.receiverFunded = snap(receiver);
  sender.onFundingSigned(fundingSigned);
  states.senderOpen0 = snap(sender);
  receiver.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: DEFAULT_FUNDING_DEPTH });

  const step = (amount: bigint) => {
    const offer = sender.pay(amount);
    const accept = receiver.onOffer(offer, CHAIN);
    const revoke = sender.onAccept(accept);
    receiver.onRevoke(revoke);
    return { offer, accept, revoke };
  };
  step(1000n);
  const senderVersion1 = sender.latestTransaction();
  const { offer: offer2, accept: accept2, revoke: revoke1 } = step(1000n);
  const senderVersion2 = sender.latestTransaction();
  const receiverVersion2 = receiver.latestTransaction()!;
  states.senderOpen = snap(sender);
  states.receiverOpen = snap(receiver);

  const offer = sender.pay(500n);
  states.senderPending = snap(sender);
  const accept = receiver.onOffer(offer, CHAIN);
  states.receiverPending = snap(receiver);
  const revoke = sender.onAccept(accept);
  receiver.onRevoke(revoke);
  states.senderOpen3 = snap(sender);
  states.receiverOpen3 = snap(receiver);
  const senderVersion3 = sender.latestTransaction();

  // The sender closes: from copies, so the receiver-proposed close can start from the same state.
  const s1 = restoreSender(states.senderOpen3!);
  const r1 = restoreReceiver(states.receiverOpen3!);
  const closeOffer = s1.proposeClose(2000n);
  states.senderClosing = snap(s1);
  const { message: closeSigned, tx: closeTx } = r1.onCloseOffer(closeOffer);
  states.receiverClosed = snap(r1);
  s1.onCloseSigned(closeSigned);
  states.senderClosed = snap(s1);

  const s2 = restoreSender(states.senderOpen3!);
  const r2 = restoreReceiver(states.receiverOpen3!);
  const receiverCloseOffer = r2.proposeClose(1500n);
  states.receiverClosing = snap(r2);
  const { message: senderCloseSigned } = s2.onCloseOffer(receiverCloseOffer, 5000n);

  return {
    variant,
    messages: {
      open, acceptChannel, fundingCreated, fundingSigned, offer, accept, revoke, offer2, accept2, revoke1,
      closeOffer, closeSigned, receiverCloseOffer, senderCloseSigned,
    },
    states,
    txs: { fundingTx: plan.tx, senderVersion1, senderVersion2, senderVersion3, receiverVersion2, closeTx },
  };
}
