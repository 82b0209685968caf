/**
 * Channel A (CSV): 1,000 payments, then the sender cheats with its version of
 * state 500 and the receiver's watcher takes everything with a penalty claim.
 */
import { Transaction } from 'bitcoinjs-lib';
import type { WatcherEvent } from '../lib';
import { receiverWallet } from './keys';
import { DemoFailure } from './ledger';
import { openChannel } from './open';
import { streamPayments } from './payments';
import { Progress } from './progress';
import { ChannelSummary, DemoContext } from './scenario';

const CAPACITY = 1_000_000n;
const FEE_RATE = 1000n;
const DELAY = 144;
const PAYMENTS = 1000;
const INCREMENT = 100n;
const CHEAT_STATE = 500;

function eventsSince<K extends WatcherEvent['kind']>(ctx: DemoContext, from: number, kind: K): Extract<WatcherEvent, { kind: K }>[] {
  return ctx.events.slice(from).filter((e): e is Extract<WatcherEvent, { kind: K }> => e.kind === kind);
}

async function pollWatcher(ctx: DemoContext): Promise<number> {
  const from = ctx.events.length;
  await ctx.watcher.poll();
  const err = eventsSince(ctx, from, 'error')[0];
  if (err) throw new DemoFailure(`watcher error ${err.code}: ${err.message}`);
  return from;
}

export async function runChannelA(ctx: DemoContext): Promise<ChannelSummary> {
  const { node, ledger, say } = ctx;
  const label = `csv ${DELAY}`;
  const c = await openChannel(node, ledger, { name: 'A', label, capacity: CAPACITY, variant: { kind: 'csv', delay: { blocks: DELAY } }, feeRate: FEE_RATE });
  say(`Channel A (${label}): capacity ${CAPACITY} sat at ${FEE_RATE} sat/kw, funding ${c.fundingTx.getId()} confirmed`);
  ctx.watcher.watch(c.receiver);
  await pollWatcher(ctx);

  let oldSenderTx: Transaction | undefined;
  const payments = await streamPayments(c, {
    count: PAYMENTS, increment: INCREMENT, progress: new Progress('channel A', PAYMENTS, ctx.progress),
    // The sender keeps its signed version of state 500, to try to cheat with it later.
    after: (index) => { if (index === CHEAT_STATE) oldSenderTx = c.sender.latestTransaction(); },
  });
  say(`  ${PAYMENTS} payments of ${INCREMENT} sat in ${payments.seconds.toFixed(2)} s: ${payments.perSecond.toFixed(0)} payments/s`
    + ` (${c.wire.messages} JSON messages, ${(c.wire.bytes / 1e6).toFixed(2)} MB)`);
  const agreed = { index: c.sender.index, receiver: c.receiver.amount, sender: c.sender.balance() };
  await pollWatcher(ctx);

  // The cheat: state 500 paid the receiver only 50,000 sat.
  if (!oldSenderTx) throw new DemoFailure('state 500 was never kept');
  const revoked = await ledger.broadcast('revoked-sender-version', 'A', label, oldSenderTx, 'sender (cheating)');
  say(`  sender broadcasts its revoked version of state ${CHEAT_STATE}: ${revoked.txid}`);
  await ledger.mine(1);

  const from = await pollWatcher(ctx);
  const spend = eventsSince(ctx, from, 'spend').find((e) => e.txid === revoked.txid);
  if (spend?.classification !== 'revoked-sender-version' || spend.index !== CHEAT_STATE) {
    throw new DemoFailure(`watcher did not see the revoked state ${CHEAT_STATE}: ${JSON.stringify(spend ?? null)}`);
  }
  const broadcast = eventsSince(ctx, from, 'penalty-broadcast');
  if (broadcast.length !== 1) throw new DemoFailure(`expected one penalty broadcast, the watcher made ${broadcast.length}`);
  const penalty = await ledger.record('penalty', 'A', label, broadcast[0]!.txid, 'receiver watcher');
  await ledger.mine(1);
  const from2 = await pollWatcher(ctx);
  if (!eventsSince(ctx, from2, 'penalty-confirmed').some((e) => e.txid === penalty.txid)) {
    throw new DemoFailure(`watcher did not report penalty ${penalty.txid} confirmed`);
  }

  // Every output of the revoked version went to the penalty, which pays the receiver's wallet alone.
  const penaltyTx = Transaction.fromHex(penalty.hex);
  for (let vout = 0; vout < oldSenderTx.outs.length; vout++) {
    const s = await node.getSpender({ txid: revoked.txid, vout });
    if (s?.txid !== penalty.txid || s.blockHeight === undefined) throw new DemoFailure(`output ${vout} of the revoked version is not claimed by the confirmed penalty`);
  }
  if (penaltyTx.outs.length !== 1 || !Buffer.from(penaltyTx.outs[0]!.script).equals(receiverWallet.script)) {
    throw new DemoFailure('penalty does not pay the receiver wallet alone');
  }
  const receiverGot = penaltyTx.outs[0]!.value;
  const fees = revoked.fee + penalty.fee;
  if (receiverGot !== CAPACITY - fees) throw new DemoFailure(`receiver got ${receiverGot}, expected ${CAPACITY - fees}`);
  say(`  receiver got ${receiverGot} sat = capacity ${CAPACITY} - revoked version fee ${revoked.fee} - penalty fee ${penalty.fee}; sender got 0`);
  c.sender.markClosed();

  return {
    name: 'A', variant: label, capacity: CAPACITY, feeRate: FEE_RATE, fundingTxid: c.fundingTx.getId(), payments,
    wire: { messages: c.wire.messages, bytes: c.wire.bytes }, agreed,
    settled: { by: 'penalty', receiver: receiverGot, sender: 0n, fees },
  };
}
