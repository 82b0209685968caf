/**
 * Three parties A, B and C with two channels A-B and B-C carrying HTLCs,
 * B joining them with a Forwarder: each party's keys its own, every message
 * through the JSON wire. Off-chain channels here (their funding marked
 * confirmed); the regtest spec funds them on the node instead.
 */
import { createHash } from 'node:crypto';
import {
  ChainView, DEFAULT_FUNDING_DEPTH, ForwardStep, Forwarder, FundingInput, HtlcOpenTerms, Message, Receiver, ReceiverPolicy, ReceiverSecrets, Sender,
  SenderSecrets, Variant,
} from '../../lib';
import { walletCoin, walletScript } from './channel';
import { testKey } from './keys';
import { wire } from './parties';

/** A party's keys on one side of a channel, each from its own label. */
export function senderSecretsOf(label: string): SenderSecrets {
  return {
    fundingKey: testKey(`${label} funding`).priv, payoutKey: testKey(`${label} payout`).priv,
    updateSeed: createHash('sha256').update(`revchan two-hop seed ${label}`).digest(),
  };
}

export function receiverSecretsOf(label: string): ReceiverSecrets {
  return {
    fundingKey: testKey(`${label} funding`).priv, payoutKey: testKey(`${label} payout`).priv,
    revocationKey: testKey(`${label} revocation`).priv, htlcKey: testKey(`${label} htlc`).priv,
  };
}

export const A_AB = senderSecretsOf('A on AB');
export const B_AB = receiverSecretsOf('B on AB');
export const B_BC = senderSecretsOf('B on BC');
export const C_BC = receiverSecretsOf('C on BC');

/** D = 6 on both channels. */
export const TWO_HOP_TERMS: HtlcOpenTerms = { delay: 6, maxDustExposure: 5_000n };
export const TWO_HOP_POLICY: ReceiverPolicy = { minCsvDelay: 1, minMargin: 1, htlc: { minDelay: 1, minExpiryDelta: 20, claimMargin: 12 } };
export const CSV_144: Variant = { kind: 'csv', delay: { blocks: 144 } };

export interface Pair {
  sender: Sender;
  receiver: Receiver;
}

/** Open a channel up to the funding: the caller brings the coin (a test coin or the node's). */
export function openPair(o: {
  sender: SenderSecrets; receiver: ReceiverSecrets; capacity: bigint; chain: ChainView; variant?: Variant;
  coin?: FundingInput; feeRate?: bigint;
}): Pair & { fundingTx: Uint8Array } {
  const feeRate = o.feeRate ?? 1000n;
  const { sender, message: open } = Sender.open({ capacity: o.capacity, variant: o.variant ?? CSV_144, feeRate, margin: 10, secrets: o.sender, htlc: TWO_HOP_TERMS });
  const { receiver, message: acc } = Receiver.accept(wire(open), o.receiver, TWO_HOP_POLICY, o.chain);
  sender.onAcceptChannel(wire(acc));
  const coin = o.coin ?? walletCoin(o.capacity + 50_000n, `coin ${o.sender.payoutKey[0]}`);
  const { plan, message: created } = sender.createFunding({ inputs: [coin], changeScript: walletScript, feeRate });
  sender.onFundingSigned(wire(receiver.onFundingCreated(wire(created))));
  return { sender, receiver, fundingTx: plan.tx.toBuffer() };
}

export interface TwoHop {
  /** A, the sender on A-B. */
  a: Sender;
  /** B's forwarder: the receiver on A-B and the sender on B-C. */
  b: Forwarder;
  /** C, the receiver on B-C. */
  c: Receiver;
}

/** Two off-chain channels joined by B with the given forwarding fee. */
export function openTwoHop(chain: ChainView, fee = 1_000n, capacity = 1_000_000n): TwoHop {
  const ab = openPair({ sender: A_AB, receiver: B_AB, capacity, chain });
  const bc = openPair({ sender: B_BC, receiver: C_BC, capacity, chain });
  ab.receiver.markFundingConfirmed({ tx: ab.fundingTx, confirmations: DEFAULT_FUNDING_DEPTH });
  bc.receiver.markFundingConfirmed({ tx: bc.fundingTx, confirmations: DEFAULT_FUNDING_DEPTH });
  return { a: ab.sender, b: Forwarder.join({ incoming: ab.receiver, outgoing: bc.sender, terms: { fee } }), c: bc.receiver };
}

/** Every message of a step through the wire, as a copy. */
export function wired(step: ForwardStep): ForwardStep {
  return { upstream: step.upstream.map((m) => wire(m as Message) as never), downstream: step.downstream.map((m) => wire(m as Message) as never), events: step.events };
}
