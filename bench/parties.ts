/**
 * A funded channel between a real Sender and a real Receiver in one process,
 * from deterministic keys, so every run measures the same bytes.
 */
import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, DEFAULT_FUNDING_DEPTH, PrivateKey, Receiver, ReceiverSecrets, Sender, SenderSecrets, Variant, asPrivateKey, derivePublicKey,
  fundingOutpoint, p2wpkhScript,
} from '../lib';

export function benchKey(label: string): PrivateKey {
  return asPrivateKey(createHash('sha256').update(`revchan bench key ${label}`).digest());
}

export const senderSecrets: SenderSecrets = {
  fundingKey: benchKey('sender funding'),
  payoutKey: benchKey('sender payout'),
  updateSeed: createHash('sha256').update('revchan bench update seed').digest(),
};

export const receiverSecrets: ReceiverSecrets = {
  fundingKey: benchKey('receiver funding'),
  payoutKey: benchKey('receiver payout'),
  revocationKey: benchKey('receiver revocation'),
};

export const CHAIN: ChainView = { height: 800_000, medianTimePast: 1_700_000_000 };

export const VARIANTS: readonly { name: string; variant: Variant }[] = [
  { name: 'csv', variant: { kind: 'csv', delay: { blocks: 144 } } },
  { name: 'cltv', variant: { kind: 'cltv', expiry: { height: 900_000 } } },
];

export const walletKey = benchKey('sender wallet');
export const walletScript = p2wpkhScript(derivePublicKey(walletKey));
/** What the wallet coin holds beyond the capacity, for the funding fee and change. */
export const WALLET_EXTRA = 100_000n;

export interface Channel {
  readonly sender: Sender;
  readonly receiver: Receiver;
  readonly fundingTx: Transaction;
  readonly chain: ChainView;
}

/** Open and fund a channel; messages go in memory, as on the payment path. `n` makes the funding outpoint distinct. */
export function openChannel(variant: Variant, n = 0, capacity = 10_000_000_000n, feeRate = 1000n): Channel {
  const { sender, message: open } = Sender.open({ capacity, variant, feeRate, secrets: senderSecrets });
  const { receiver, message: acc } = Receiver.accept(open, receiverSecrets, {}, CHAIN);
  sender.onAcceptChannel(acc);
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(new Uint8Array(32).fill(7), n);
  prev.addOutput(walletScript, capacity + WALLET_EXTRA);
  const coin = { txid: prev.getId(), vout: 0, value: capacity + WALLET_EXTRA, script: walletScript, prevTx: prev.toBuffer() };
  const { plan, message: created } = sender.createFunding({ inputs: [coin], changeScript: walletScript, feeRate });
  sender.onFundingSigned(receiver.onFundingCreated(created));
  receiver.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: DEFAULT_FUNDING_DEPTH });
  if (fundingOutpoint(plan.tx).txid !== sender.funding!.txid) throw new Error('funding outpoint mismatch');
  return { sender, receiver, fundingTx: plan.tx, chain: CHAIN };
}

/** One payment, offer -> accept -> revoke, all messages in memory. */
export function payOnce(c: Channel, increment: bigint): void {
  const offer = c.sender.pay(increment);
  const accept = c.receiver.onOffer(offer, c.chain);
  const revoke = c.sender.onAccept(accept);
  c.receiver.onRevoke(revoke);
}
