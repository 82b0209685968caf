/** Channel B (CLTV by height): 50 payments, then a cooperative close at a fee rate agreed at close time. */
import { bytesEqual } from '../lib';
import { DemoFailure } from './ledger';
import { chainView, openChannel } from './open';
import { streamPayments } from './payments';
import { Progress } from './progress';
import { ChannelSummary, DemoContext } from './scenario';

const CAPACITY = 1_000_000n;
const FEE_RATE = 1000n;
const LIFETIME = 1000;
const MARGIN = 288;
const PAYMENTS = 50;
const INCREMENT = 100n;
const CLOSE_FEE_RATE = 2000n;

export async function runChannelB(ctx: DemoContext): Promise<ChannelSummary> {
  const { node, ledger, say } = ctx;
  const expiry = (await node.getTip()).height + LIFETIME;
  const label = `cltv h${expiry}`;
  const c = await openChannel(node, ledger, {
    name: 'B', label, capacity: CAPACITY, variant: { kind: 'cltv', expiry: { height: expiry } }, feeRate: FEE_RATE, margin: MARGIN,
  });
  say(`Channel B (${label}, margin ${MARGIN}): capacity ${CAPACITY} sat at ${FEE_RATE} sat/kw, funding ${c.fundingTx.getId()} confirmed`);
  ctx.watcher.watch(c.receiver);

  const payments = await streamPayments(c, {
    count: PAYMENTS, increment: INCREMENT, progress: new Progress('channel B', PAYMENTS, ctx.progress),
    // The receiver checks every offer against the tip: no payment past expiry - margin.
    chain: () => chainView(node),
  });
  say(`  ${PAYMENTS} payments of ${INCREMENT} sat in ${payments.seconds.toFixed(3)} s: ${payments.perSecond.toFixed(0)} payments/s`);
  const agreed = { index: c.sender.index, receiver: c.receiver.amount, sender: c.sender.balance() };

  // Cooperative close: the sender proposes the rate (it pays the fee), the receiver signs.
  const offer = c.sender.proposeClose(CLOSE_FEE_RATE);
  const { message, tx: receiverCopy } = c.receiver.onCloseOffer(c.wire.send(offer));
  const closeTx = c.sender.onCloseSigned(c.wire.send(message));
  if (!bytesEqual(closeTx.toBuffer(), receiverCopy.toBuffer())) throw new DemoFailure('the parties hold different close transactions');
  const close = await ledger.broadcast('cooperative-close', 'B', label, closeTx, 'sender');
  say(`  cooperative close at ${CLOSE_FEE_RATE} sat/kw: ${close.txid}`);
  await ledger.mine(1);
  const from = ctx.events.length;
  await ctx.watcher.poll();
  const seen = ctx.events.slice(from).find((e) => e.kind === 'spend' && e.txid === close.txid);
  if (seen?.kind !== 'spend' || seen.classification !== 'cooperative-close') {
    throw new DemoFailure(`watcher did not classify the close as cooperative: ${JSON.stringify(seen ?? null)}`);
  }

  const rc = c.receiver.context;
  const paid = (script: Uint8Array) => closeTx.outs.filter((o) => bytesEqual(o.script, script)).reduce((s, o) => s + o.value, 0n);
  const settled = { by: 'cooperative-close', receiver: paid(rc.receiverPayoutScript), sender: paid(rc.senderPayoutScript), fees: close.fee };
  if (settled.receiver !== agreed.receiver || settled.receiver + settled.sender + settled.fees !== CAPACITY) {
    throw new DemoFailure(`close pays ${settled.receiver}/${settled.sender} with fee ${settled.fees}, agreed ${agreed.receiver}`);
  }
  return {
    name: 'B', variant: label, capacity: CAPACITY, feeRate: FEE_RATE, fundingTxid: c.fundingTx.getId(), payments,
    wire: { messages: c.wire.messages, bytes: c.wire.bytes }, agreed, settled,
  };
}
