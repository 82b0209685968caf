/**
 * Two parties with a channel that carries HTLCs, for the HTLC protocol
 * specs, the corpus and the fuzz targets: the plain test parties' keys and
 * seed, the receiver's HTLC key R_h, and an HTLC round trip through the JSON
 * wire (offer -> accept -> revoke).
 */
import {
  ChainView, DEFAULT_FUNDING_DEPTH, HtlcOpenTerms, Offer, PaymentReceived, Receiver, ReceiverPolicy, ReceiverSecrets, Sender, Variant,
} from '../../lib';
import { walletCoin, walletScript } from './channel';
import { receiverHtlc } from './htlc';
import { CHAIN, receiverSecrets, senderSecrets, wire } from './parties';
import { testPreimage } from './test-templates';

export const htlcReceiverSecrets: ReceiverSecrets = { ...receiverSecrets, htlcKey: receiverHtlc.priv };
/** D = 6 blocks, dust bound 5,000 sat. */
export const HTLC_TERMS: HtlcOpenTerms = { delay: 6, maxDustExposure: 5_000n };
/** R1's delta 20 (D + G + 1 = 19 with G = 12), so from the test tip of 500 an HTLC expires at 520 or later. */
export const htlcPolicy: ReceiverPolicy = { minCsvDelay: 1, minMargin: 1, htlc: { minDelay: 1, minExpiryDelta: 20, claimMargin: 12 } };
export const CSV: Variant = { kind: 'csv', delay: { blocks: 144 } };
/** Expiry at height 1000, margin 10: HTLCs up to E + D + G <= 990. */
export const CLTV: Variant = { kind: 'cltv', expiry: { height: 1000 } };
/** An expiry R1 takes at the test tip. */
export const E = CHAIN.height + 100;

export interface HtlcChannel {
  sender: Sender;
  receiver: Receiver;
}

export function openHtlcChannel(variant: Variant = CSV, opts: { capacity?: bigint; terms?: HtlcOpenTerms; policy?: ReceiverPolicy } = {}): HtlcChannel {
  const capacity = opts.capacity ?? 1_000_000n;
  const { sender, message: open } = Sender.open({ capacity, variant, feeRate: 1000n, margin: 10, secrets: senderSecrets, htlc: opts.terms ?? HTLC_TERMS });
  const { receiver, message: acc } = Receiver.accept(wire(open), htlcReceiverSecrets, opts.policy ?? htlcPolicy, CHAIN);
  sender.onAcceptChannel(wire(acc));
  const { plan, message: created } = sender.createFunding({ inputs: [walletCoin(capacity + 50_000n)], changeScript: walletScript, feeRate: 1000n });
  sender.onFundingSigned(wire(receiver.onFundingCreated(wire(created))));
  receiver.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: DEFAULT_FUNDING_DEPTH });
  return { sender, receiver };
}

/** A preimage and its hash from a label. */
export function payment(label: string): { preimage: Uint8Array; hash: Uint8Array } {
  return testPreimage(`htlc protocol ${label}`);
}

/** An offer through the wire to its end: accept, revoke. */
export function complete(c: HtlcChannel, offer: Offer, chain: ChainView = CHAIN): PaymentReceived {
  const accept = c.receiver.onOffer(wire(offer), chain);
  return c.receiver.onRevoke(wire(c.sender.onAccept(wire(accept))));
}

export function addHtlc(c: HtlcChannel, amount: bigint, hash: Uint8Array, expiry = E, chain: ChainView = CHAIN): PaymentReceived {
  return complete(c, c.sender.addHtlc({ amount, hash, expiry }, chain), chain);
}

/** The receiver fulfills, the sender settles. */
export function fulfillAndSettle(c: HtlcChannel, id: number, preimage: Uint8Array): PaymentReceived {
  c.sender.onFulfill(wire(c.receiver.fulfill(id, preimage)));
  return complete(c, c.sender.settleHtlc(id));
}

/** The receiver fails, the sender removes it. */
export function failAndRemove(c: HtlcChannel, id: number): PaymentReceived {
  c.sender.onFail(wire(c.receiver.fail(id, 'unknown-hash')));
  return complete(c, c.sender.failHtlc(id));
}
