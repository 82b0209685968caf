/**
 * The decreasing-lock channel (CONSTRUCTIONS.md section 2), both forms, on
 * the embedded node with Δ = 10 blocks. Channel DL (locktime form): five
 * updates alternating direction; S_5 is refused `non-final` one block before
 * L_5, then b's watcher broadcasts it at L_5 and it is mined; S_4, final from
 * L_4, is refused (its input spent). Channel DK (kickoff form, N = 6): five
 * updates; b's watcher, asked to close, broadcasts the kickoff; S_5 is
 * refused `non-BIP68-final` one block before its relative lock opens, S_4
 * too, then the watcher broadcasts S_5 and it is mined, and S_4 is refused.
 * Channel DC: two updates and a cooperative close with no lock. Every
 * message crosses JSON; every transaction is checked with the node and named
 * by inspect in the construction's kinds.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelError, DecreasingForm, DecreasingMessage, DecreasingParty, DecreasingWatchEvent, DecreasingWatcher, FUNDING_OUTPUT_INDEX, bytesEqual,
  createFundingPsbt, decodeDecreasingMessage, encodeDecreasingMessage, explainTransaction, extractTransaction, finalizePsbt, planFunding,
  signPsbtWithKey, verifyDecreasingParams,
} from '../lib';
import { demoKey, senderWallet } from './keys';
import { DemoFailure } from './ledger';
import { chainView } from './open';
import { ChannelSummary, DemoContext } from './scenario';

const CAPACITY = 500_000n;
const FEE_RATE = 1000n;
const STEP = 10;
const A_PAYS = 20_000n;
const B_PAYS = 5_000n;

/** The JSON wire for decreasing-lock messages, counting what crosses it. */
class DecreasingWire {
  messages = 0;
  bytes = 0;

  send<T extends DecreasingMessage>(m: T): T {
    const text = JSON.stringify(encodeDecreasingMessage(m));
    this.messages++;
    this.bytes += Buffer.byteLength(text);
    return decodeDecreasingMessage(JSON.parse(text)) as T;
  }
}

interface Opened {
  readonly name: string;
  readonly label: string;
  readonly a: DecreasingParty;
  readonly b: DecreasingParty;
  readonly wire: DecreasingWire;
  readonly fundingTx: Transaction;
  readonly fundingHeight: number;
  /** Every state as b held it, fully signed: the old ones are what the locks must defeat. */
  readonly held: Transaction[];
}

/** a funds; both sign state 0 (and the kickoff) before a's wallet signs the funding. */
async function open(ctx: DemoContext, name: string, form: DecreasingForm, terms: { initialLock?: { height: number }; updates?: number }): Promise<Opened> {
  const { node, ledger } = ctx;
  const key = (who: string) => demoKey(`decreasing ${name} ${who}`);
  const coin = await node.fund(senderWallet.script, CAPACITY + 20_000n);
  const funding = {
    inputs: [{ txid: coin.txid, vout: coin.vout, value: coin.value, script: senderWallet.script, prevTx: coin.tx }],
    capacity: CAPACITY, senderFundingKey: key('a funding').pub, receiverFundingKey: key('b funding').pub, changeScript: senderWallet.script, feeRate: FEE_RATE,
  };
  const params = verifyDecreasingParams({
    form, fundingOutpoint: { txid: planFunding(funding).tx.getId(), vout: FUNDING_OUTPUT_INDEX }, capacity: CAPACITY,
    aFundingKey: key('a funding').pub, bFundingKey: key('b funding').pub, aPayoutKey: key('a payout').pub, bPayoutKey: key('b payout').pub,
    step: STEP, ...terms, aBalance: CAPACITY / 2n, feeRate: FEE_RATE,
  });
  const wire = new DecreasingWire();
  const a = DecreasingParty.open(params, 'a', key('a funding').priv);
  const b = DecreasingParty.open(params, 'b', key('b funding').priv);
  b.onInitialSigned(wire.send(a.initialSigned()));
  a.onInitialSigned(wire.send(b.initialSigned()));
  const psbt = createFundingPsbt(funding);
  if (signPsbtWithKey(psbt, senderWallet.priv) !== 1) throw new DemoFailure('wallet key did not sign the funding input');
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  const label = form === 'locktime' ? `decreasing-locktime L0=h${terms.initialLock!.height} Δ=${STEP}` : `decreasing-kickoff N=${terms.updates} Δ=${STEP}`;
  await ledger.broadcast('decreasing-funding', name, label, fundingTx, 'a wallet');
  const fundingHeight = await ledger.mine(1);
  return { name, label, a, b, wire, fundingTx, fundingHeight, held: [b.latestStateTx()] };
}

/** Updates alternating direction, a paying first; each message crosses the wire, the payer signing first. */
async function update(ctx: DemoContext, c: Opened, count: number): Promise<{ seconds: number; perSecond: number }> {
  const view = await chainView(ctx.node);
  const start = performance.now();
  for (let n = 1; n <= count; n++) {
    const [payer, payee, amount] = n % 2 === 1 ? [c.a, c.b, A_PAYS] : [c.b, c.a, B_PAYS];
    const { message } = payer.pay(amount, view);
    payer.onUpdateAck(c.wire.send(payee.onUpdate(c.wire.send(message), view).message));
    c.held.push(c.b.latestStateTx());
  }
  const seconds = (performance.now() - start) / 1000;
  if (c.a.latest.index !== count || c.b.latest.index !== count) throw new DemoFailure(`${c.name}: parties at states ${c.a.latest.index} and ${c.b.latest.index}`);
  return { seconds, perSecond: count / seconds };
}

/** The node's refusal reason for `tx`, which must be refused; recorded for the report. */
async function refusal(ctx: DemoContext, c: Opened, tx: Transaction, what: string): Promise<string> {
  const height = (await ctx.node.getTip()).height;
  try {
    await ctx.node.broadcast(tx.toBuffer());
  } catch (e) {
    if (!(e instanceof ChannelError) || e.code !== 'BROADCAST_REJECTED') throw e;
    const reason = String(e.details?.reason);
    ctx.refusals.push({ channel: c.name, what, kind: explainTransaction(tx).kind, txid: tx.getId(), height, reason });
    return reason;
  }
  throw new DemoFailure(`${c.name}: ${what} ${tx.getId()} was accepted at height ${height}`);
}

function expectReason(got: string, want: RegExp, what: string): void {
  if (!want.test(got)) throw new DemoFailure(`${what} refused with ${got}, expected ${want}`);
}

/** The duty the watcher announced, checked with inspect and recorded with the node under its kind. */
async function duty(ctx: DemoContext, c: Opened, log: DecreasingWatchEvent[], which: 'kickoff' | 'state', kind: string): Promise<string> {
  const d = log.find((e) => e.kind === 'duty' && e.duty === which);
  if (d?.kind !== 'duty') throw new DemoFailure(`${c.name}: the watcher broadcast no ${which}: ${JSON.stringify(log)}`);
  await named(ctx, c, d.txid, kind, 'b watcher');
  return d.txid;
}

async function named(ctx: DemoContext, c: Opened, txid: string, kind: string, by: string): Promise<void> {
  const known = await ctx.node.getTransaction(txid);
  if (!known) throw new DemoFailure(`${c.name}: ${txid} unknown to the node`);
  const got = explainTransaction(Transaction.fromBuffer(known.tx)).kind;
  if (got !== kind) throw new DemoFailure(`${c.name}: inspect names ${txid} ${got}, not ${kind}`);
  await ctx.ledger.record(kind, c.name, c.label, txid, by);
}

function watcherOf(ctx: DemoContext, c: Opened): { watcher: DecreasingWatcher; log: DecreasingWatchEvent[] } {
  const watcher = new DecreasingWatcher({ backend: ctx.node, fromHeight: c.fundingHeight, finalDepth: 1 });
  const log: DecreasingWatchEvent[] = [];
  watcher.on('event', (e: DecreasingWatchEvent) => log.push(e));
  watcher.watch(c.b);
  return { watcher, log };
}

const paidTo = (tx: Transaction, script: Uint8Array) => tx.outs.filter((o) => bytesEqual(o.script, script)).reduce((s, o) => s + o.value, 0n);

function summary(c: Opened, count: number, speed: { seconds: number; perSecond: number }, by: string, tx: Transaction): ChannelSummary {
  const ctx = c.a.ctx;
  const receiver = paidTo(tx, ctx.bPayoutScript);
  const sender = paidTo(tx, ctx.aPayoutScript);
  if (receiver !== c.b.balance && by !== 'decreasing-close') throw new DemoFailure(`${c.name}: b settled ${receiver}, agreed ${c.b.balance}`);
  return {
    name: c.name, variant: c.label, capacity: CAPACITY, feeRate: FEE_RATE, fundingTxid: c.fundingTx.getId(),
    payments: { count, increment: A_PAYS, ...speed }, wire: { messages: c.wire.messages, bytes: c.wire.bytes },
    agreed: { index: c.a.latest.index, receiver: c.b.balance, sender: c.a.balance },
    // What is neither balance: the fees, and the anchors (330 sat each) left for anyone to sweep.
    settled: { by, receiver, sender, fees: CAPACITY - receiver - sender },
  };
}

/** Channel DL, the locktime form: S_5 at L_5, S_4 refused. */
export async function runDecreasingLocktime(ctx: DemoContext): Promise<ChannelSummary> {
  const l0 = (await ctx.node.getTip()).height + 8 * STEP;
  const c = await open(ctx, 'DL', 'locktime', { initialLock: { height: l0 } });
  const l = (k: number) => l0 - k * STEP;
  ctx.say(`Channel DL (decreasing-lock, locktime form, L_0 = height ${l0}, Δ = ${STEP}): ${CAPACITY} sat, funding ${c.fundingTx.getId()}`);
  const speed = await update(ctx, c, 5);
  ctx.say(`  5 updates alternating direction: a ${c.a.balance} sat, b ${c.b.balance} sat; S_5's nLockTime is L_5 = ${l(5)}, an anchor for each party`);
  const { watcher, log } = watcherOf(ctx, c);
  const s5 = c.b.latestStateTx();
  await ctx.node.mine(l(5) - 1 - (await ctx.node.getTip()).height);
  await watcher.poll();
  if (log.some((e) => e.kind === 'duty')) throw new DemoFailure('DL: S_5 went out before its lock');
  const early = await refusal(ctx, c, s5, 'S_5');
  expectReason(early, /^non-final$/, 'S_5 at L_5 - 1');
  ctx.say(`  at height ${l(5) - 1} S_5 is refused: ${early}`);
  await ctx.node.mine(1);
  await watcher.poll();
  const txid = await duty(ctx, c, log, 'state', 'decreasing-state');
  ctx.say(`  at L_5 = ${l(5)} b's watcher broadcast S_5: ${txid}`);
  await ctx.ledger.mine(1);
  await ctx.node.mine(l(4) - (await ctx.node.getTip()).height);
  const stale = await refusal(ctx, c, c.held[4]!, 'S_4');
  expectReason(stale, /inputs-(spent|missingorspent)/, 'S_4 at L_4');
  ctx.say(`  at L_4 = ${l(4)} the stale S_4 is refused: ${stale}`);
  await watcher.poll();
  return summary(c, 5, speed, 'decreasing-state', s5);
}

/** Channel DK, the kickoff form: the kickoff on request, S_5 at its relative lock, S_4 refused. */
export async function runDecreasingKickoff(ctx: DemoContext): Promise<ChannelSummary> {
  const c = await open(ctx, 'DK', 'kickoff', { updates: 6 });
  ctx.say(`Channel DK (decreasing-lock, kickoff form, N = 6, Δ = ${STEP}): ${CAPACITY} sat, no expiry; funding ${c.fundingTx.getId()}`);
  const speed = await update(ctx, c, 5);
  const s5 = c.b.latestStateTx();
  const s4 = c.held[4]!;
  ctx.say(`  5 updates alternating direction; S_5's nSequence is ${s5.ins[0]!.sequence}, S_4's ${s4.ins[0]!.sequence}`);
  const { watcher, log } = watcherOf(ctx, c);
  watcher.close(c.b);
  await watcher.poll();
  const kickoff = await duty(ctx, c, log, 'kickoff', 'decreasing-kickoff');
  const kh = await ctx.ledger.mine(1);
  ctx.say(`  b asked to close alone: its watcher broadcast the kickoff ${kickoff}, mined at height ${kh}`);
  await ctx.node.mine(kh + STEP - 2 - (await ctx.node.getTip()).height);
  await watcher.poll();
  const early = await refusal(ctx, c, s5, 'S_5');
  expectReason(early, /^non-BIP68-final$/, 'S_5 a block early');
  const staleEarly = await refusal(ctx, c, s4, 'S_4');
  expectReason(staleEarly, /^non-BIP68-final$/, 'S_4');
  ctx.say(`  at height ${kh + STEP - 2} S_5 is refused (${early}), and the stale S_4 too (${staleEarly})`);
  await ctx.node.mine(1);
  await watcher.poll();
  const txid = await duty(ctx, c, log, 'state', 'decreasing-state');
  ctx.say(`  Δ after the kickoff b's watcher broadcast S_5: ${txid}`);
  await ctx.ledger.mine(1);
  const stale = await refusal(ctx, c, s4, 'S_4');
  expectReason(stale, /inputs-(spent|missingorspent)/, 'S_4 after S_5');
  ctx.say(`  the stale S_4 is refused: ${stale}`);
  await watcher.poll();
  return summary(c, 5, speed, 'decreasing-state', s5);
}

/** Channel DC: two updates, then a cooperative close with no lock (the kickoff never goes out). */
export async function runDecreasingClose(ctx: DemoContext): Promise<ChannelSummary> {
  const c = await open(ctx, 'DC', 'kickoff', { updates: 6 });
  ctx.say(`Channel DC (decreasing-lock, kickoff form): ${CAPACITY} sat, funding ${c.fundingTx.getId()}`);
  const speed = await update(ctx, c, 2);
  const { message, tx } = c.b.onClose(c.wire.send(c.a.proposeClose(500n)));
  const close = c.a.onCloseAck(c.wire.send(message));
  if (close.getId() !== tx.getId()) throw new DemoFailure('DC: the parties hold different closes');
  await ctx.ledger.broadcast('decreasing-close', c.name, c.label, close, 'a');
  if (explainTransaction(close).kind !== 'decreasing-close') throw new DemoFailure('DC: inspect does not name the close');
  const h = await ctx.ledger.mine(1);
  ctx.say(`  after 2 updates a proposed a close at 500 sat, b countersigned: ${close.getId()}, mined at height ${h}, no lock, no kickoff`);
  return summary(c, 2, speed, 'decreasing-close', close);
}
