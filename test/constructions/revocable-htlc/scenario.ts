/**
 * One deterministic run of a channel with HTLC terms, whose messages and
 * saved party states are the baselines of the HTLC protocol's corpus files:
 * a payment (state 1), HTLC 0 added (2), HTLC 1 added (3), HTLC 0 fulfilled
 * and settled (4), HTLC 1 failed by the receiver and removed (5). Keys,
 * seeds and preimages come from fixed labels, signatures are RFC 6979.
 */
import {
  Accept, AcceptChannel, ChainView, Fail, Fulfill, Offer, OpenChannel, Receiver, Revoke, Sender, Variant,
} from '../../../lib';
import { CHAIN, senderSecrets, wire } from '../../support/parties';
import { htlcReceiverSecrets, openHtlcChannel, payment } from '../../support/htlc-parties';

type Json = Record<string, unknown>;

export const P0 = payment('corpus 0');
export const P1 = payment('corpus 1');
export const P2 = payment('corpus 2');
/** The HTLCs' expiry: R1 takes it at the test tip (500 + 20 and up). */
export const EXPIRY = 600;

export interface HtlcScenario {
  readonly messages: {
    readonly open: OpenChannel;
    readonly acceptChannel: AcceptChannel;
    /** The pay of state 1, the add of HTLC 0 (state 2) with its accept and revoke. */
    readonly offerPay: Offer;
    readonly offerAdd: Offer;
    readonly acceptAdd: Accept;
    readonly revokeAdd: Revoke;
    readonly fulfill: Fulfill;
    readonly offerSettle: Offer;
    readonly fail: Fail;
    readonly offerFail: Offer;
  };
  /** toJSON() of each party at each step. */
  readonly states: Readonly<Record<string, Json>>;
}

const snap = (p: Sender | Receiver): Json => JSON.parse(JSON.stringify(p.toJSON())) as Json;

export function runHtlcScenario(variant: Variant = { kind: 'csv', delay: { blocks: 144 } }, chain: ChainView = CHAIN): HtlcScenario {
  const states: Record<string, Json> = {};
  const { sender, message: open } = Sender.open({
    capacity: 1_000_000n, variant, feeRate: 1000n, margin: 10, secrets: senderSecrets, htlc: { delay: 6, maxDustExposure: 5_000n },
  });
  states.senderOpening = snap(sender);
  const c = openHtlcChannel(variant);
  const acceptChannel = Receiver.accept(open, htlcReceiverSecrets, { minCsvDelay: 1, minMargin: 1, htlc: { minDelay: 1, minExpiryDelta: 20, claimMargin: 12 } }, chain).message;
  const step = (offer: Offer) => {
    const accept = c.receiver.onOffer(wire(offer), chain);
    const revoke = c.sender.onAccept(wire(accept));
    c.receiver.onRevoke(wire(revoke));
    return { accept, revoke };
  };
  const offerPay = c.sender.pay(10_000n);
  step(offerPay);
  const offerAdd = c.sender.addHtlc({ amount: 50_000n, hash: P0.hash, expiry: EXPIRY }, chain);
  states.senderAddPending = snap(c.sender);
  const acceptAdd = c.receiver.onOffer(wire(offerAdd), chain);
  states.receiverAddPending = snap(c.receiver);
  const revokeAdd = c.sender.onAccept(wire(acceptAdd));
  c.receiver.onRevoke(wire(revokeAdd));
  step(c.sender.addHtlc({ amount: 20_000n, hash: P1.hash, expiry: EXPIRY }, chain));
  states.senderLive = snap(c.sender);
  states.receiverLive = snap(c.receiver);
  const fulfill = c.receiver.fulfill(0, P0.preimage);
  states.receiverFulfilled = snap(c.receiver);
  c.sender.onFulfill(wire(fulfill));
  states.senderFulfilled = snap(c.sender);
  const offerSettle = c.sender.settleHtlc(0);
  step(offerSettle);
  const fail = c.receiver.fail(1, 'downstream-failed');
  states.receiverFailed = snap(c.receiver);
  c.sender.onFail(wire(fail));
  states.senderFailed = snap(c.sender);
  const offerFail = c.sender.failHtlc(1);
  step(offerFail);
  states.senderDone = snap(c.sender);
  states.receiverDone = snap(c.receiver);
  return { messages: { open, acceptChannel, offerPay, offerAdd, acceptAdd, revokeAdd, fulfill, offerSettle, fail, offerFail }, states };
}
