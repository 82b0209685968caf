/**
 * Duplex channels (CONSTRUCTIONS.md section 3; d = 2, b = 3, Δ = 5, Dc = 10).
 * Channel XU: both parties fund the setup through the opt-in (the kickoff and
 * state 0's branch signed both ways before either wallet signs its setup
 * coin), payments flow both ways, a few resets re-fund the leaf from the net
 * balances, then a closes alone from a middle state: both parties'
 * DuplexWatchers publish the kickoff, the newest node the block its lock
 * opens (a stale sibling from an earlier state is refused, first as
 * non-final, then as spent), the leaf, each party's latest payment and, Dc
 * blocks later, the refund of the channel nobody paid on. Channel XC: a
 * second channel, a few payments, closed cooperatively from the setup
 * output. Every message crosses JSON; every transaction is checked with the
 * node and named by inspect.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelError, DuplexContext, DuplexExit, DuplexMessage, DuplexParty, DuplexWatchEvent, DuplexWatcher, bytesEqual, combinePsbts, createDuplexSetupPsbt,
  decodeDuplexMessage, encodeDuplexMessage, explainTransaction, extractTransaction, finalizePsbt, planDuplexSetup, signPsbtWithKey, verifyDuplexParams,
} from '../lib';
import { demoKey } from './keys';
import { DemoFailure } from './ledger';
import { ChannelSummary, DemoContext } from './scenario';

const DEPOSIT = 500_000n;
const FEE_RATE = 1000n;
const INCREMENT = 100n;
const TERMS = { levels: 2, values: 3, step: 5, simplexDelay: 10 } as const;

/** The JSON wire for duplex messages, counting what crosses it. */
class DuplexWire {
  messages = 0;
  bytes = 0;

  send<T extends DuplexMessage>(m: T): T {
    const text = JSON.stringify(encodeDuplexMessage(m));
    this.messages++;
    this.bytes += Buffer.byteLength(text);
    return decodeDuplexMessage(JSON.parse(text)) as T;
  }
}

interface Opened {
  readonly name: string;
  readonly label: string;
  readonly ctx: DuplexContext;
  readonly a: DuplexParty;
  readonly b: DuplexParty;
  readonly wire: DuplexWire;
  readonly setupTx: Transaction;
  readonly setupHeight: number;
  payments: number;
}

/** Inspect must name each transaction as the demo records it (the kickoff and close by the shape both constructions share). */
const INSPECT_KIND: Record<string, string> = {
  'duplex-kickoff': 'decreasing-kickoff', 'duplex-close': 'decreasing-close', 'duplex-node': 'duplex-node', 'duplex-leaf': 'duplex-leaf',
  'duplex-simplex-payment': 'duplex-simplex-payment', 'duplex-simplex-refund': 'duplex-simplex-refund',
};

function checkNamed(kind: string, tx: Transaction): void {
  const named = explainTransaction(tx).kind;
  if (INSPECT_KIND[kind] !== undefined && named !== INSPECT_KIND[kind]) throw new DemoFailure(`inspect names ${tx.getId()} ${named}, not ${INSPECT_KIND[kind]}`);
}

/** Both parties' coins, the opt-in, each wallet signing its own coin on its own copy, the setup on chain. */
async function open(ctx: DemoContext, name: string): Promise<Opened> {
  const { node, ledger } = ctx;
  const key = (who: string) => demoKey(`duplex ${name} ${who}`);
  const [aWallet, bWallet] = [key('a wallet'), key('b wallet')];
  const aCoin = await node.fund(aWallet.script, DEPOSIT + 20_000n);
  const bCoin = await node.fund(bWallet.script, DEPOSIT + 20_000n);
  const setupParams = {
    aFundingKey: key('a funding').pub, bFundingKey: key('b funding').pub, feeRate: FEE_RATE,
    a: { inputs: [{ txid: aCoin.txid, vout: aCoin.vout, value: aCoin.value, script: aWallet.script, prevTx: aCoin.tx }], amount: DEPOSIT, changeScript: aWallet.script },
    b: { inputs: [{ txid: bCoin.txid, vout: bCoin.vout, value: bCoin.value, script: bWallet.script, prevTx: bCoin.tx }], amount: DEPOSIT, changeScript: bWallet.script },
  };
  const setup = planDuplexSetup(setupParams);
  const dctx = verifyDuplexParams({
    fundingOutpoint: setup.fundingOutpoint, capacity: setup.capacity, aFundingKey: key('a funding').pub, bFundingKey: key('b funding').pub,
    aPayoutKey: key('a payout').pub, bPayoutKey: key('b payout').pub, ...TERMS, aAmount: DEPOSIT, feeRate: FEE_RATE,
  });
  const a = DuplexParty.open(dctx, 'a', key('a funding').priv);
  const b = DuplexParty.open(dctx, 'b', key('b funding').priv);
  const wire = new DuplexWire();
  b.onTreeSigned(wire.send(a.treeSigned()));
  a.onTreeSigned(wire.send(b.treeSigned()));
  // The opt-in: only now, each holding the whole tree signed, does either wallet sign its setup coin.
  if (!a.readyToSignSetup || !b.readyToSignSetup) throw new DemoFailure('a party signs its setup coin before it holds the tree');
  const aCopy = createDuplexSetupPsbt(setupParams);
  const bCopy = createDuplexSetupPsbt(setupParams);
  if (signPsbtWithKey(aCopy, aWallet.priv) !== 1 || signPsbtWithKey(bCopy, bWallet.priv) !== 1) throw new DemoFailure('each wallet must sign exactly its own coin');
  const setupTx = extractTransaction(finalizePsbt(combinePsbts(aCopy, bCopy)));
  const label = `duplex d=${TERMS.levels} b=${TERMS.values} Δ=${TERMS.step} Dc=${TERMS.simplexDelay}`;
  await ledger.broadcast('duplex-setup', name, label, setupTx, 'a and b wallets');
  const setupHeight = await ledger.mine(1);
  // Each party reads the setup from its own node before it takes a payment.
  const confirmed = await node.getTransaction(setupTx.getId());
  if (confirmed?.blockHeight === undefined) throw new DemoFailure('the setup is not confirmed');
  a.markSetupConfirmed(Transaction.fromBuffer(confirmed.tx));
  b.markSetupConfirmed(Transaction.fromBuffer(confirmed.tx));
  return { name, label, ctx: dctx, a, b, wire, setupTx, setupHeight, payments: 0 };
}

function pay(c: Opened, from: 'a' | 'b', count: number): void {
  const [payer, payee] = from === 'a' ? [c.a, c.b] : [c.b, c.a];
  for (let n = 0; n < count; n++) {
    // What a simplex channel has paid is one output: the first payment after a reset must clear dust.
    const amount = payer.paid.out === 0n ? 1_000n : INCREMENT;
    const got = payee.onPay(c.wire.send(payer.pay(amount)));
    payer.onPayAck(c.wire.send(got.message));
    if (got.amount !== amount) throw new DemoFailure(`duplex payment: ${got.amount} received, ${amount} sent`);
    c.payments++;
  }
}

function reset(c: Opened, from: 'a' | 'b'): number {
  const [p, q] = from === 'a' ? [c.a, c.b] : [c.b, c.a];
  const ack = c.wire.send(q.onReset(c.wire.send(p.proposeReset())));
  q.onResetDone(c.wire.send(p.onResetAck(ack)));
  if (c.a.index !== c.b.index) throw new DemoFailure('duplex reset: the parties disagree on the state');
  return ack.sigs.length;
}

const paidTo = (txs: readonly Transaction[], script: Uint8Array) => txs.flatMap((t) => t.outs).filter((o) => bytesEqual(o.script, script)).reduce((s, o) => s + o.value, 0n);

function summary(c: Opened, settled: ChannelSummary['settled'], speed: { seconds: number }): ChannelSummary {
  return {
    name: c.name, variant: `${c.label} (sender = a, receiver = b)`, capacity: c.ctx.params.capacity, feeRate: FEE_RATE, fundingTxid: c.setupTx.getId(),
    payments: { count: c.payments, increment: INCREMENT, seconds: speed.seconds, perSecond: c.payments / Math.max(speed.seconds, 1e-9) },
    wire: { messages: c.wire.messages, bytes: c.wire.bytes },
    agreed: { index: c.a.index, receiver: c.b.balance, sender: c.a.balance },
    settled,
  };
}

const DUTY_KIND = { kickoff: 'duplex-kickoff', node: 'duplex-node', leaf: 'duplex-leaf', payment: 'duplex-simplex-payment', refund: 'duplex-simplex-refund' } as const;

/** Channel XU: payments both ways and resets, then a closes alone from state 3 of 9 through the watchers; a stale sibling is refused. */
export async function runDuplexUnilateral(ctx: DemoContext): Promise<ChannelSummary> {
  const c = await open(ctx, 'XU');
  ctx.say(`Channel XU (${c.label}: ${c.ctx.counter.states} states, worst exit ${c.ctx.worstExitBlocks} blocks): dual-funded setup ${c.setupTx.getId()}, tree signed both ways first`);
  const start = performance.now();
  pay(c, 'a', 30);
  pay(c, 'b', 10);
  let stale: DuplexExit | undefined;
  for (let n = 1; n <= 3; n++) {
    const changed = reset(c, n % 2 === 1 ? 'a' : 'b');
    ctx.say(`  reset to state ${c.a.index}: ${changed} tree transaction(s) re-signed; leaf a ${c.a.leafBalances.a}, b ${c.a.leafBalances.b}`);
    if (n === 1) stale = c.a.exit();
    pay(c, 'a', 20);
    if (n < 3) pay(c, 'b', 5);
  }
  const speed = { seconds: (performance.now() - start) / 1000 };
  ctx.say(`  ${c.payments} payments both ways; at state ${c.a.index}: a holds ${c.a.balance}, b ${c.b.balance}; b paid nothing since the last reset`);

  const log: DuplexWatchEvent[] = [];
  const watchers = (['a', 'b'] as const).map((who) => {
    const party = who === 'a' ? c.a : c.b;
    const w = new DuplexWatcher({ backend: ctx.node, fromHeight: c.setupHeight, finalDepth: 2 });
    w.on('event', (e: DuplexWatchEvent) => log.push(e));
    return { who, w, id: w.watch(party) };
  });
  watchers[0]!.w.close(watchers[0]!.id);
  const recorded = new Set<string>();
  const staleNode = stale!.branch[0]!;
  let staleRefusals: string[] = [];
  const tryStale = async (): Promise<void> => {
    const height = (await ctx.node.getTip()).height;
    try {
      await ctx.node.broadcast(staleNode.toBuffer());
    } catch (e) {
      if (!(e instanceof ChannelError) || e.code !== 'BROADCAST_REJECTED') throw e;
      const reason = String(e.details?.reason);
      staleRefusals = [...staleRefusals, reason];
      ctx.refusals.push({ channel: c.name, what: 'level-0 node of state 1', kind: explainTransaction(staleNode).kind, txid: staleNode.getId(), height, reason });
      return;
    }
    throw new DemoFailure('the stale level-0 node was accepted');
  };
  for (let round = 0; round < 40 && !log.some((e) => e.kind === 'resolved'); round++) {
    for (const { w } of watchers) await w.poll();
    for (const e of log) {
      if (e.kind !== 'duty' || recorded.has(e.txid)) continue;
      recorded.add(e.txid);
      const known = await ctx.node.getTransaction(e.txid);
      if (known === undefined) throw new DemoFailure(`${e.what} ${e.txid} unknown to the node`);
      checkNamed(DUTY_KIND[e.what], Transaction.fromBuffer(known.tx));
      await ctx.ledger.record(DUTY_KIND[e.what], c.name, c.label, e.txid, 'duplex watchers');
      ctx.say(`  watchers: ${e.what}${e.level !== undefined ? ` (level ${e.level})` : ''} ${e.txid}`);
      if (e.what === 'kickoff') {
        await ctx.ledger.mine(1);
        // The stale node's lock (10 blocks) is longer than the newest's (5): not yet final.
        await tryStale();
      }
    }
    await ctx.ledger.mine(1);
  }
  if (!log.some((e) => e.kind === 'resolved')) throw new DemoFailure(`channel XU did not settle: ${JSON.stringify(log.filter((e) => e.kind !== 'spend'))}`);
  await tryStale();
  if (!/non-BIP68-final/.test(staleRefusals[0] ?? '') || !/inputs-(spent|missingorspent)/.test(staleRefusals[1] ?? '')) {
    throw new DemoFailure(`the stale node should be non-final, then spent: ${staleRefusals.join(', ')}`);
  }
  ctx.say(`  a's stale level-0 node from state 1 (lock 10 blocks): refused ${staleRefusals[0]}, then ${staleRefusals[1]}`);
  const exitA = c.a.exit();
  const exitB = c.b.exit();
  const simplexTxs = [...Object.values(exitB.payments), ...Object.values(exitA.payments), ...Object.values(exitB.refunds)].filter((t): t is Transaction => t !== undefined);
  // The tree's anchors (330 sat each, two per tree transaction) stay on chain for anyone to sweep after 16 blocks: counted with the fees.
  const fees = c.ctx.treeCost + c.ctx.simplexFee * BigInt(simplexTxs.length);
  const settled = { by: 'duplex-simplex-payment', receiver: paidTo(simplexTxs, c.ctx.bPayoutScript), sender: paidTo(simplexTxs, c.ctx.aPayoutScript), fees };
  if (settled.receiver + settled.sender + fees !== c.ctx.params.capacity) throw new DemoFailure('channel XU: the exit does not add up to the capacity');
  if (settled.sender !== c.a.balance - c.ctx.simplexFee || settled.receiver !== c.b.balance - c.ctx.simplexFee) {
    throw new DemoFailure(`channel XU settled a ${settled.sender}, b ${settled.receiver}; agreed a ${c.a.balance}, b ${c.b.balance}, less a simplex fee each`);
  }
  ctx.say(`  settled on chain: a ${settled.sender}, b ${settled.receiver} (each its off-chain balance less its simplex transaction's fee); the tree's fees and anchors: ${c.ctx.treeFee} + ${c.ctx.treeCost - c.ctx.treeFee} sat`);
  return summary(c, settled, speed);
}

/** Channel XC: a second channel, a few payments both ways, closed together from the setup output. */
export async function runDuplexCooperative(ctx: DemoContext): Promise<ChannelSummary> {
  const c = await open(ctx, 'XC');
  ctx.say(`Channel XC (${c.label}): setup ${c.setupTx.getId()}`);
  const start = performance.now();
  pay(c, 'a', 15);
  pay(c, 'b', 8);
  const speed = { seconds: (performance.now() - start) / 1000 };
  const fee = 1_000n;
  const offer = c.wire.send(c.a.proposeClose(fee));
  const accepted = c.b.onClose(offer);
  const tx = c.a.onCloseAck(c.wire.send(accepted.message));
  if (tx.getId() !== accepted.tx.getId()) throw new DemoFailure('channel XC: the parties hold different closes');
  checkNamed('duplex-close', tx);
  await ctx.ledger.broadcast('duplex-close', c.name, c.label, tx, 'a');
  await ctx.ledger.mine(1);
  const settled = { by: 'duplex-close', receiver: paidTo([tx], c.ctx.bPayoutScript), sender: paidTo([tx], c.ctx.aPayoutScript), fees: c.ctx.params.capacity - paidTo([tx], c.ctx.aPayoutScript) - paidTo([tx], c.ctx.bPayoutScript) };
  ctx.say(`  ${c.payments} payments, then the cooperative close ${tx.getId()}: a ${settled.sender}, b ${settled.receiver} (the tree's fees returned, ${fee} sat shared)`);
  return summary(c, settled, speed);
}
