/**
 * End-to-end helpers over the embedded bcoin regtest node: a channel funded
 * with a real coin from the node, payments through a JSON wire, and reading
 * confirmed transactions back from the chain.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, ChannelError, FeeRate, FundingInput, Message, PaymentReceived, Receiver, ReceiverPolicy, ReceiverSecrets, Sender,
  SenderSecrets, Variant, confirmFunding, createFundingPsbt, verifyPsbtMatches, decodeMessage, encodeMessage, extractTransaction, finalizePsbt, p2wpkhScript,
  signPsbtWithKey,
} from '../../lib';
import type { RegtestNode } from '../kit/regtest-node';
import { TestKey, testKey } from './keys';

/** 1000 sat/kw = 4 sat/vB, above bcoin's 1 sat/vB minimum relay fee. */
export const E2E_FEE_RATE: FeeRate = 1000n;
/** Short delays, and funding taken at one confirmation, so that CLTV tests keep their blocks for the cutoff (test/funding-check.spec.ts uses the default depth). */
export const E2E_POLICY: ReceiverPolicy = { minCsvDelay: 1, minMargin: 1, fundingDepth: 1 };
export const CLTV_MARGIN = 10;
export const CLTV_EXPIRY_AHEAD = 60;
export const CSV_DELAY = 10;

export type VariantName = 'CLTV' | 'CSV';
export const E2E_VARIANTS: readonly VariantName[] = ['CLTV', 'CSV'];

/** Every message crosses a JSON wire, as it would between two processes. */
export function wire<T extends Message>(m: T): T {
  return decodeMessage(JSON.parse(JSON.stringify(encodeMessage(m)))) as T;
}

export async function chainView(node: RegtestNode): Promise<ChainView> {
  const tip = await node.getTip();
  return { height: tip.height, medianTimePast: tip.medianTimePast };
}

/** CLTV by height a bit above the current tip, or CSV with a short delay. */
export async function variantFor(node: RegtestNode, name: VariantName): Promise<Variant> {
  if (name === 'CSV') return { kind: 'csv', delay: { blocks: CSV_DELAY } };
  const tip = await node.getTip();
  return { kind: 'cltv', expiry: { height: tip.height + CLTV_EXPIRY_AHEAD } };
}

export interface FundedChannel {
  readonly node: RegtestNode;
  readonly sender: Sender;
  readonly receiver: Receiver;
  readonly variant: Variant;
  readonly capacity: bigint;
  /** The signed funding transaction as broadcast and confirmed. */
  readonly fundingTx: Transaction;
  readonly fundingHeight: number;
  /** The sender's wallet key and its P2WPKH script (funding input, change, sweep destination). */
  readonly wallet: TestKey;
  readonly walletScript: Uint8Array;
  /** A receiver-owned script distinct from its channel payout script (penalty destination). */
  readonly receiverDest: Uint8Array;
}

let channelCounter = 0;

/** Distinct keys and seed per channel, so no two channels of a run share a script. */
function partiesFor(label: string): { sender: SenderSecrets; receiver: ReceiverSecrets; wallet: TestKey; receiverDest: TestKey } {
  const k = (what: string) => testKey(`e2e ${label} ${what}`);
  return {
    sender: {
      fundingKey: k('sender funding').priv,
      payoutKey: k('sender payout').priv,
      updateSeed: Uint8Array.from(createHash('sha256').update(`revchan e2e update seed ${label}`).digest()),
    },
    receiver: {
      fundingKey: k('receiver funding').priv,
      payoutKey: k('receiver payout').priv,
      revocationKey: k('receiver revocation').priv,
    },
    wallet: k('sender wallet'),
    receiverDest: k('receiver destination'),
  };
}

/**
 * Opens a channel funded by a real coin: the node pays the sender's wallet,
 * the parties exchange the opening messages over JSON, the wallet signs the
 * funding PSBT, which is broadcast only once the sender holds the receiver's
 * signature on state 0, and confirmed by one block.
 */
export async function openFundedChannel(node: RegtestNode, name: VariantName, capacity = 1_000_000n): Promise<FundedChannel> {
  const label = `${name}-${++channelCounter}`;
  const secrets = partiesFor(label);
  const walletScript = p2wpkhScript(secrets.wallet.pub);
  const variant = await variantFor(node, name);

  const coin = await node.fund(walletScript, capacity + 100_000n);
  const input: FundingInput = { txid: coin.txid, vout: coin.vout, value: coin.value, script: walletScript, prevTx: coin.tx };

  const margin = variant.kind === 'cltv' ? CLTV_MARGIN : undefined;
  const { sender, message: open } = Sender.open({
    capacity, variant, feeRate: E2E_FEE_RATE, secrets: secrets.sender, ...(margin !== undefined ? { margin } : {}),
  });
  const { receiver, message: acc } = Receiver.accept(wire(open), secrets.receiver, E2E_POLICY, await chainView(node));
  sender.onAcceptChannel(wire(acc));

  const changeScript = walletScript;
  const { plan, psbt, message: created } = sender.createFunding({ inputs: [input], changeScript, feeRate: E2E_FEE_RATE });
  const params = sender.context.params;
  // The PSBT handed to the wallet is byte-equal to what an independent rebuild gives.
  verifyPsbtMatches(psbt, createFundingPsbt({
    inputs: [input], capacity: params.capacity, senderFundingKey: params.senderFundingKey, receiverFundingKey: params.receiverFundingKey,
    changeScript, feeRate: E2E_FEE_RATE,
  }));
  expect(signPsbtWithKey(psbt, secrets.wallet.priv)).to.equal(1);
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  expect(fundingTx.getId()).to.equal(sender.funding!.txid);
  expect(fundingTx.getId()).to.equal(plan.tx.getId());
  expect(fundingTx.outs[sender.funding!.vout]!.value).to.equal(capacity);
  expect(fundingTx.outs[sender.funding!.vout]!.script).to.deep.equal(sender.context.fundingScriptPubKey);

  const fundingSigned = receiver.onFundingCreated(wire(created));
  expect(node.mempoolHas(fundingTx.getId())).to.equal(false);
  // Not before this point: the sender's refund (state 0) is now signed and checked.
  sender.onFundingSigned(wire(fundingSigned));
  expect(sender.phase).to.equal('open');

  const txid = await node.broadcast(fundingTx.toBuffer());
  expect(txid).to.equal(sender.funding!.txid);
  await node.mine(1);
  expect(await node.getConfirmations(txid)).to.equal(1);
  const fundingHeight = (await node.getTransaction(txid))!.blockHeight!;
  // The receiver reads the funding from the node itself, not from the sender.
  expect(await confirmFunding(receiver, node)).to.deep.equal({ confirmations: 1, deep: true });
  expect(receiver.phase).to.equal('open');

  return {
    node, sender, receiver, variant, capacity, fundingTx, fundingHeight, wallet: secrets.wallet, walletScript,
    receiverDest: p2wpkhScript(secrets.receiverDest.pub),
  };
}

/** One payment through the wire (offer -> accept -> revoke), at the node's current tip. */
export async function payOnce(c: FundedChannel, increment: bigint): Promise<PaymentReceived> {
  const offer = c.sender.pay(increment);
  const accept = c.receiver.onOffer(wire(offer), await chainView(c.node));
  const revoke = c.sender.onAccept(wire(accept));
  return c.receiver.onRevoke(wire(revoke));
}

/**
 * `count` payments of 1000..1006 sat each (never dust); calls `afterEach`
 * with the sender's latest transaction after each one. Returns the total.
 */
export async function payMany(c: FundedChannel, count: number, afterEach?: (senderTx: Transaction, index: number) => void): Promise<bigint> {
  const chain = await chainView(c.node);
  let total = c.receiver.amount;
  for (let i = 1; i <= count; i++) {
    const inc = BigInt(1000 + (i % 7));
    const offer = c.sender.pay(inc);
    const accept = c.receiver.onOffer(wire(offer), chain);
    const revoke = c.sender.onAccept(wire(accept));
    const got = c.receiver.onRevoke(wire(revoke));
    total += inc;
    expect(got.amount).to.equal(total);
    afterEach?.(c.sender.latestTransaction(), got.index);
  }
  expect(c.sender.amount).to.equal(total);
  expect(c.receiver.amount).to.equal(total);
  return total;
}

export interface Confirmed {
  readonly tx: Transaction;
  /** Height of the block that holds it. */
  readonly height: number;
  /** What it paid in fees: its inputs (read from their confirmed parents) minus its outputs. */
  readonly fee: bigint;
}

/** Broadcast, mine one block, and read the transaction back from the chain. */
export async function broadcastAndConfirm(node: RegtestNode, tx: Transaction): Promise<Confirmed> {
  const txid = await node.broadcast(tx.toBuffer());
  expect(txid).to.equal(tx.getId());
  expect(node.mempoolHas(txid)).to.equal(true);
  await node.mine(1);
  return readConfirmed(node, txid);
}

/** A transaction read back from a block (fails the test if it is unknown or only in the mempool). */
export async function readConfirmed(node: RegtestNode, txid: string): Promise<Confirmed> {
  expect(node.mempoolHas(txid)).to.equal(false);
  expect(await node.getConfirmations(txid)).to.be.at.least(1);
  const got = await node.getTransaction(txid);
  expect(got, `tx ${txid} on chain`).to.not.equal(undefined);
  expect(got!.blockHeight, `tx ${txid} confirmed`).to.be.a('number');
  const tx = Transaction.fromBuffer(got!.tx);
  expect(tx.getId()).to.equal(txid);
  const fee = (await sumIns(node, tx)) - sumOuts(tx);
  expect(fee > 0n, 'a positive fee').to.equal(true);
  return { tx, height: got!.blockHeight!, fee };
}

/** Value of the output paying `script` (exactly one such output). */
export function valueTo(tx: Transaction, script: Uint8Array): bigint {
  const outs = tx.outs.filter((o) => Buffer.from(o.script).equals(Buffer.from(script)));
  expect(outs.length, 'outputs paying the script').to.equal(1);
  return outs[0]!.value;
}

export function sumOuts(tx: Transaction): bigint {
  return tx.outs.reduce((s, o) => s + o.value, 0n);
}

/** Sum of the values a confirmed tx spends, read from its confirmed parents. */
export async function sumIns(node: RegtestNode, tx: Transaction): Promise<bigint> {
  let total = 0n;
  for (const input of tx.ins) {
    const parentId = Buffer.from(input.hash).reverse().toString('hex');
    const parent = await node.getTransaction(parentId);
    expect(parent, `parent ${parentId}`).to.not.equal(undefined);
    total += Transaction.fromBuffer(parent!.tx).outs[input.index]!.value;
  }
  return total;
}

export { rejectionOf } from './errors';

export function syncRejectionOf(fn: () => unknown): ChannelError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return e as ChannelError;
  }
  throw new Error('expected a ChannelError');
}

/** Mine until the tip reaches `height` (no-op if already there). */
export async function mineTo(node: RegtestNode, height: number): Promise<void> {
  const tip = await node.getTip();
  if (tip.height < height) await node.mine(height - tip.height);
  expect((await node.getTip()).height).to.be.at.least(height);
}
