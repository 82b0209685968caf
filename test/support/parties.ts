/** Two parties that have opened a channel with each other, for protocol tests. */
import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, DEFAULT_FUNDING_DEPTH, Receiver, ReceiverSecrets, Sender, SenderSecrets, Variant, decodeMessage, encodeMessage, Message,
} from '../../lib';
import { keys, testKey } from './keys';
import { walletCoin, walletScript } from './channel';

export const senderSecrets: SenderSecrets = {
  fundingKey: keys.senderFunding.priv,
  payoutKey: keys.senderPayout.priv,
  updateSeed: createHash('sha256').update('revchan test update seed').digest(),
};

export const receiverSecrets: ReceiverSecrets = {
  fundingKey: keys.receiverFunding.priv,
  payoutKey: keys.receiverPayout.priv,
  revocationKey: keys.receiverRevocation.priv,
};

export const CHAIN: ChainView = { height: 500, medianTimePast: 1_700_000_000 };
export const policy = { minCsvDelay: 1, minMargin: 1 };

/** Every message crosses a JSON wire, as it would between two processes. */
export function wire<T extends Message>(m: T): T {
  return decodeMessage(JSON.parse(JSON.stringify(encodeMessage(m)))) as T;
}

export interface OpenChannel {
  sender: Sender;
  receiver: Receiver;
  fundingTx: Transaction;
}

export function openChannel(variant: Variant, capacity = 1_000_000n, feeRate = 1000n, margin = 10): OpenChannel {
  const { sender, message: open } = Sender.open({ capacity, variant, feeRate, margin, secrets: senderSecrets });
  const { receiver, message: acc } = Receiver.accept(wire(open), receiverSecrets, policy, CHAIN);
  sender.onAcceptChannel(wire(acc));
  const { plan, message: created } = sender.createFunding({ inputs: [walletCoin(capacity + 50_000n)], changeScript: walletScript, feeRate });
  const signed = receiver.onFundingCreated(wire(created));
  sender.onFundingSigned(wire(signed));
  // Off-chain tests: the unsigned funding transaction has the signed one's txid (every input is segwit).
  receiver.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: DEFAULT_FUNDING_DEPTH });
  return { sender, receiver, fundingTx: plan.tx };
}

/** One payment through the wire: offer -> accept -> revoke. */
export function pay(c: { sender: Sender; receiver: Receiver }, increment: bigint, chain: ChainView = CHAIN) {
  const offer = c.sender.pay(increment);
  const accept = c.receiver.onOffer(wire(offer), chain);
  const revoke = c.sender.onAccept(wire(accept));
  return c.receiver.onRevoke(wire(revoke));
}

export const destination = walletScript;
export const other = testKey('someone else');
