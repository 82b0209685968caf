/**
 * Opening a channel on the regtest chain: the messages cross the JSON wire,
 * the sender's wallet signs the funding PSBT, and the funding transaction is
 * broadcast only once the sender holds the receiver's signature on its refund.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, FeeRate, FundingInput, HtlcOpenTerms, Receiver, ReceiverSecrets, Sender, SenderSecrets, Variant, confirmFunding, createFundingPsbt, extractTransaction, finalizePsbt,
  signPsbtWithKey,
} from '../lib';
import type { RegtestNode } from '../test/kit/regtest-node';
import { receiverSecrets, senderSecrets, senderWallet } from './keys';
import { DemoFailure, Ledger } from './ledger';
import { Wire } from './wire';

export interface OpenedChannel {
  readonly name: string;
  readonly label: string;
  readonly sender: Sender;
  readonly receiver: Receiver;
  readonly wire: Wire;
  readonly capacity: bigint;
  readonly fundingTx: Transaction;
}

export interface OpenOptions {
  readonly name: string;
  readonly label: string;
  readonly capacity: bigint;
  readonly variant: Variant;
  readonly feeRate: FeeRate;
  readonly margin?: number;
  /** HTLC terms, for a channel that carries HTLCs (the receiver then needs `receiver` with an HTLC key). */
  readonly htlc?: HtlcOpenTerms;
  /** The sender's keys, when not the demo sender's. */
  readonly sender?: SenderSecrets;
  /** The receiver's keys, when not the demo receiver's. */
  readonly receiver?: ReceiverSecrets;
}

async function chainView(node: RegtestNode): Promise<ChainView> {
  const { height, medianTimePast } = await node.getTip();
  return { height, medianTimePast };
}

export async function openChannel(node: RegtestNode, ledger: Ledger, o: OpenOptions): Promise<OpenedChannel> {
  const wire = new Wire();
  const { sender, message: open } = Sender.open({
    capacity: o.capacity, variant: o.variant, feeRate: o.feeRate, secrets: o.sender ?? senderSecrets(o.name),
    ...(o.margin !== undefined ? { margin: o.margin } : {}), ...(o.htlc !== undefined ? { htlc: o.htlc } : {}),
  });
  const { receiver, message: accepted } = Receiver.accept(wire.send(open), o.receiver ?? receiverSecrets, {}, await chainView(node));
  sender.onAcceptChannel(wire.send(accepted));

  // A confirmed wallet coin, from the regtest miner.
  const coin = await node.fund(senderWallet.script, o.capacity + 20_000n);
  const inputs: FundingInput[] = [{ txid: coin.txid, vout: coin.vout, value: coin.value, script: senderWallet.script, prevTx: coin.tx }];
  const fundingFeeRate = o.feeRate;
  const { plan, message: created } = sender.createFunding({ inputs, changeScript: senderWallet.script, feeRate: fundingFeeRate });

  // The wallet signs a PSBT of the same transaction (as a hardware wallet would).
  const p = sender.context.params;
  const psbt = createFundingPsbt({
    inputs, capacity: p.capacity, senderFundingKey: p.senderFundingKey, receiverFundingKey: p.receiverFundingKey,
    changeScript: senderWallet.script, feeRate: fundingFeeRate,
  });
  if (signPsbtWithKey(psbt, senderWallet.priv) !== inputs.length) throw new DemoFailure('wallet key did not sign every funding input');
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  if (fundingTx.getId() !== sender.funding?.txid || fundingTx.getId() !== plan.tx.getId()) {
    throw new DemoFailure(`signed funding ${fundingTx.getId()} is not the announced ${sender.funding?.txid}`);
  }

  const signed = receiver.onFundingCreated(wire.send(created));
  sender.onFundingSigned(wire.send(signed));
  // Only now, holding its refund (state 0 signed by the receiver), may the sender broadcast.
  if (sender.phase !== 'open') throw new DemoFailure(`sender in phase ${sender.phase} before funding broadcast`);
  await ledger.broadcast('funding', o.name, o.label, fundingTx, 'sender wallet');
  await ledger.mine(1);
  await node.mine(receiver.fundingDepth - 1);

  // The receiver checks the chain itself before taking payments: the funding pays the capacity to the 2-of-2, deep enough.
  const status = await confirmFunding(receiver, node);
  if (!status.deep) throw new DemoFailure(`funding ${receiver.funding?.txid} has ${status.confirmations} confirmations`);
  return { name: o.name, label: o.label, sender, receiver, wire, capacity: o.capacity, fundingTx };
}

export { chainView };
