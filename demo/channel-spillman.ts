/**
 * The Spillman channels (CONSTRUCTIONS.md section 1), one form each:
 * channel S (Form S: the 2-of-2, the refund signed by the receiver before the
 * funding) streams payments and its receiver's watcher closes with the latest
 * one at the cutoff L - margin; channel C (Form C: BIP 65's script) takes a
 * few payments, then its receiver vanishes and the sender's watcher refunds
 * the whole deposit at L. Every message crosses JSON; every transaction is
 * checked with the node and named by inspect in the construction's kinds.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  SpillmanForm, SpillmanMessage, SpillmanReceiver, SpillmanReceiverWatcher, SpillmanSender, SpillmanSenderWatcher, SpillmanWatchEvent,
  bytesEqual, confirmFunding, decodeSpillmanMessage, encodeSpillmanMessage, explainTransaction, extractTransaction, finalizePsbt, signPsbtWithKey,
} from '../lib';
import { demoKey, senderWallet } from './keys';
import { DemoFailure } from './ledger';
import { chainView } from './open';
import { Progress } from './progress';
import { ChannelSummary, DemoContext } from './scenario';

const CAPACITY = 500_000n;
const FEE_RATE = 1000n;
const MARGIN = 6;
const INCREMENT = 100n;

/** The JSON wire for Spillman messages, counting what crosses it. */
class SpillmanWire {
  messages = 0;
  bytes = 0;

  send<T extends SpillmanMessage>(m: T): T {
    const text = JSON.stringify(encodeSpillmanMessage(m));
    this.messages++;
    this.bytes += Buffer.byteLength(text);
    return decodeSpillmanMessage(JSON.parse(text)) as T;
  }
}

interface Opened {
  readonly label: string;
  readonly sender: SpillmanSender;
  readonly receiver: SpillmanReceiver;
  readonly wire: SpillmanWire;
  readonly fundingTx: Transaction;
  readonly fundingHeight: number;
  readonly lock: number;
}

async function open(ctx: DemoContext, name: string, form: SpillmanForm, lockAhead: number): Promise<Opened> {
  const { node, ledger } = ctx;
  const wire = new SpillmanWire();
  const lock = (await node.getTip()).height + lockAhead;
  const label = `spillman-${form} L=h${lock}`;
  const secrets = (who: string) => ({ fundingKey: demoKey(`spillman ${name} ${who} funding`).priv, payoutKey: demoKey(`spillman ${name} ${who} payout`).priv });
  const { sender, message: openMsg } = SpillmanSender.open({ form, capacity: CAPACITY, lockTime: { height: lock }, feeRate: FEE_RATE, secrets: secrets('sender') });
  const { receiver, message: accept } = SpillmanReceiver.accept(wire.send(openMsg), secrets('receiver'), { margin: MARGIN, minWindow: 5, fundingDepth: 1 }, await chainView(node));
  sender.onAccept(wire.send(accept));
  const coin = await node.fund(senderWallet.script, CAPACITY + 20_000n);
  const { psbt, message: created } = sender.createFunding({
    inputs: [{ txid: coin.txid, vout: coin.vout, value: coin.value, script: senderWallet.script, prevTx: coin.tx }], changeScript: senderWallet.script, feeRate: FEE_RATE,
  });
  const refundSigned = receiver.onFundingCreated(wire.send(created));
  // Form S: the wallet signs only once the sender holds the receiver's checked signature on its refund.
  if (refundSigned) sender.onRefundSigned(wire.send(refundSigned));
  if (sender.phase !== 'open') throw new DemoFailure(`Spillman sender in phase ${sender.phase} before funding`);
  if (signPsbtWithKey(psbt, senderWallet.priv) !== 1) throw new DemoFailure('wallet key did not sign the funding input');
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  // The sender broadcasts its funding itself (bitcoinj#830).
  await ledger.broadcast('spillman-funding', name, label, fundingTx, 'sender wallet');
  const fundingHeight = await ledger.mine(1);
  const status = await confirmFunding(receiver, node);
  if (!status.deep) throw new DemoFailure(`Spillman funding has ${status.confirmations} confirmations`);
  return { label, sender, receiver, wire, fundingTx, fundingHeight, lock };
}

async function pay(ctx: DemoContext, c: Opened, count: number, label: string): Promise<{ seconds: number; perSecond: number }> {
  const progress = new Progress(label, count, ctx.progress);
  const view = await chainView(ctx.node);
  const start = performance.now();
  // The first payment must be above dust.
  for (let n = 1; n <= count; n++) {
    const inc = n === 1 ? 1000n : INCREMENT;
    const { message, paid } = c.receiver.onPay(c.wire.send(c.sender.pay(inc, view)), view);
    c.sender.onPayAck(c.wire.send(message));
    if (paid.amount !== c.sender.amount) throw new DemoFailure(`Spillman payment ${n}: receiver has ${paid.amount}, sender thinks ${c.sender.amount}`);
    progress.update(n);
  }
  progress.finish();
  const seconds = (performance.now() - start) / 1000;
  return { seconds, perSecond: count / seconds };
}

/** The watcher's duty transaction once it fell due, recorded with the node under the kind inspect names. */
async function dutyOf(ctx: DemoContext, log: SpillmanWatchEvent[], name: string, label: string, by: string, kind: string): Promise<string> {
  const duty = log.find((e) => e.kind === 'duty');
  if (duty?.kind !== 'duty') throw new DemoFailure(`${name}: the watcher broadcast nothing: ${JSON.stringify(log)}`);
  const known = await ctx.node.getTransaction(duty.txid);
  if (!known) throw new DemoFailure(`${name}: ${duty.txid} unknown to the node`);
  const named = explainTransaction(Transaction.fromBuffer(known.tx)).kind;
  if (named !== kind) throw new DemoFailure(`${name}: inspect names ${duty.txid} ${named}, not ${kind}`);
  await ctx.ledger.record(kind, name, label, duty.txid, by);
  return duty.txid;
}

function summary(name: string, label: string, c: Opened, count: number, speed: { seconds: number; perSecond: number }, settled: ChannelSummary['settled'], payments: bigint): ChannelSummary {
  return {
    name, variant: label, capacity: CAPACITY, feeRate: FEE_RATE, fundingTxid: c.fundingTx.getId(),
    payments: { count, increment: INCREMENT, ...speed }, wire: { messages: c.wire.messages, bytes: c.wire.bytes },
    agreed: { index: c.sender.index, receiver: payments, sender: CAPACITY - payments - c.sender.context.paymentFee },
    settled,
  };
}

const paidTo = (tx: Transaction, script: Uint8Array) => tx.outs.filter((o) => bytesEqual(o.script, script)).reduce((s, o) => s + o.value, 0n);

/** Channel S: payments, then the receiver's watcher closes with the latest at L - margin. */
export async function runSpillmanS(ctx: DemoContext): Promise<ChannelSummary> {
  const name = 'S';
  const count = 200;
  const c = await open(ctx, name, 'S', 30);
  const label = c.label;
  ctx.say(`Channel S (Spillman Form S, L = height ${c.lock}, margin ${MARGIN}): ${CAPACITY} sat, refund signed by the receiver before funding ${c.fundingTx.getId()}`);
  const speed = await pay(ctx, c, count, 'channel S');
  ctx.say(`  ${count} payments in ${speed.seconds.toFixed(3)} s: ${speed.perSecond.toFixed(0)} payments/s (pay -> ack through JSON)`);
  const watcher = new SpillmanReceiverWatcher({ backend: ctx.node, fromHeight: c.fundingHeight, finalDepth: 1 });
  const log: SpillmanWatchEvent[] = [];
  watcher.on('event', (e: SpillmanWatchEvent) => log.push(e));
  watcher.watch(c.receiver);
  const cutoff = c.lock - MARGIN - 1;
  await ctx.node.mine(cutoff - (await ctx.node.getTip()).height);
  await watcher.poll();
  const txid = await dutyOf(ctx, log, name, label, 'receiver watcher', 'spillman-payment');
  ctx.say(`  the receiver's watcher closed at the cutoff (height ${cutoff}) with payment ${c.receiver.index}: ${txid}`);
  await ctx.ledger.mine(1);
  await watcher.poll();
  const tx = c.receiver.latestPaymentTransaction()!;
  const rc = c.receiver.context;
  const settled = { by: 'spillman-payment', receiver: paidTo(tx, rc.receiverPayoutScript), sender: paidTo(tx, rc.senderPayoutScript), fees: rc.paymentFee };
  if (settled.receiver !== c.receiver.amount || !log.some((e) => e.kind === 'resolved')) throw new DemoFailure(`channel S settled ${settled.receiver}, agreed ${c.receiver.amount}`);
  return summary(name, label, c, count, speed, settled, c.receiver.amount);
}

/** Channel C: a few payments, the receiver vanishes, the sender's watcher refunds at L. */
export async function runSpillmanC(ctx: DemoContext): Promise<ChannelSummary> {
  const name = 'C';
  const count = 20;
  const c = await open(ctx, name, 'C', 20);
  const label = c.label;
  ctx.say(`Channel C (Spillman Form C, and_v(v:pk(S_f),or_d(pk(R_f),after(${c.lock})))): ${CAPACITY} sat, nothing signed in advance; funding ${c.fundingTx.getId()}`);
  const speed = await pay(ctx, c, count, 'channel C');
  const agreed = c.receiver.amount;
  ctx.say(`  ${count} payments; then the receiver vanishes without closing`);
  const watcher = new SpillmanSenderWatcher({ backend: ctx.node, fromHeight: c.fundingHeight, finalDepth: 1 });
  const log: SpillmanWatchEvent[] = [];
  watcher.on('event', (e: SpillmanWatchEvent) => log.push(e));
  watcher.watch(c.sender);
  await ctx.node.mine(c.lock - 1 - (await ctx.node.getTip()).height);
  await watcher.poll();
  if (log.some((e) => e.kind === 'duty')) throw new DemoFailure('channel C: the refund went out before L');
  await ctx.node.mine(1);
  await watcher.poll();
  const txid = await dutyOf(ctx, log, name, label, 'sender watcher', 'spillman-refund');
  ctx.say(`  at L (height ${c.lock}) the sender's watcher refunded the deposit on the CLTV branch, signed by the sender alone: ${txid}`);
  await ctx.ledger.mine(1);
  await watcher.poll();
  const refund = c.sender.refundTransaction();
  const sc = c.sender.context;
  const settled = { by: 'spillman-refund', receiver: 0n, sender: paidTo(refund, sc.senderPayoutScript), fees: sc.refundFee };
  if (settled.sender !== CAPACITY - sc.refundFee || !log.some((e) => e.kind === 'resolved')) throw new DemoFailure('channel C: the refund did not settle the deposit');
  return summary(name, label, c, count, speed, settled, agreed);
}
