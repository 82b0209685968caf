/**
 * The receiver hub on the embedded regtest node: channels funded and paid
 * through it, closed cooperatively either way with the close broadcast by
 * the hub, and a sender that broadcasts a revoked version punished by the
 * hub's one watcher, also when the payments went through another process.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { MemoryChannelStore, decodeMessage, handleSenderMessage, p2wpkhScript } from '../lib';
import { HubEvent, ReceiverHub } from '../lib/node';
import { RegtestNode } from './kit/regtest-node';
import { Deliver, HubSender, openThroughHub, payThroughHub, startHub, toWire, walletCoins } from './support/hub';
import { readConfirmed } from './support/e2e';
import { testKey } from './support/keys';

const CAPACITY = 400_000n;
const DESTINATION = p2wpkhScript(testKey('hub penalty destination').pub);

function collect(hub: ReceiverHub): HubEvent[] {
  const got: HubEvent[] = [];
  hub.onEvent((e) => got.push(e));
  return got;
}

describe('ReceiverHub on the embedded regtest node', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node.stop(); });

  async function fund(deliver: Deliver, label: string, n: number): Promise<HubSender[]> {
    const wallet = testKey(`hub regtest ${label} wallet`);
    const coins = await walletCoins(node, wallet, n, CAPACITY + 20_000n);
    const out: HubSender[] = [];
    for (const [i, coin] of coins.entries()) out.push(await openThroughHub(node, deliver, wallet, coin, `regtest ${label} ${i}`, CAPACITY));
    await node.mine(1);
    return out;
  }

  async function payN(s: HubSender, n: number, deliver: Deliver): Promise<void> {
    for (let i = 0; i < n; i++) expect((await payThroughHub(s, 3000n, deliver)).paid?.increment).to.equal(3000n);
  }

  it('funds channels, takes payments, closes cooperatively either way, and punishes a revoked version with its watcher', async () => {
    const store = new MemoryChannelStore();
    const hub = await startHub(node, store, 'regtest');
    const events = collect(hub);
    const deliver: Deliver = (w) => hub.handle(w);
    const [a, b, c] = await fund(deliver, 'main', 3) as [HubSender, HubSender, HubSender];
    for (const s of [a, b, c]) await payN(s, 4, deliver);
    expect(events.filter((e) => e.kind === 'payment')).to.have.length(12);
    expect(hub.watching).to.equal(3);

    // The sender closes: the hub signs, saves, broadcasts.
    const offer = a.sender.proposeClose(2000n);
    const signed = await hub.handle(toWire(offer));
    const senderClose = handleSenderMessage(a.sender, decodeMessage(signed.reply)).closeTx!;
    expect(signed.closeTxid).to.equal(senderClose.getId());
    expect(node.mempoolHas(signed.closeTxid!)).to.equal(true);

    // The hub closes: its close_offer, the sender's close_signed, and the hub broadcasts.
    const proposal = await hub.proposeClose(b.channelId, 2000n);
    const answered = handleSenderMessage(b.sender, decodeMessage(proposal), { maxCloseFeeRate: 5000n });
    const done = await hub.handle(toWire(answered.send!));
    expect(done.closeTxid).to.equal(answered.closeTx!.getId());
    expect(node.mempoolHas(done.closeTxid!)).to.equal(true);

    await node.mine(1);
    await hub.poll();
    for (const [s, txid] of [[a, signed.closeTxid!], [b, done.closeTxid!]] as const) {
      const { tx } = await readConfirmed(node, txid);
      // The receiver's output is its final total.
      expect(tx.outs.map((o) => o.value)).to.include(12_000n);
      expect((await hub.balance(s.channelId)).phase).to.equal('closed');
    }
    // Reported once each, by the save that closed it, though the watcher saw the closes too.
    const closed = events.filter((e): e is Extract<HubEvent, { kind: 'closed' }> => e.kind === 'closed');
    expect(closed.map((e) => [e.channelId, e.how, e.txid])).to.deep.equal([
      [a.channelId, 'cooperative', signed.closeTxid], [b.channelId, 'cooperative', done.closeTxid],
    ]);

    // A cheating sender broadcasts a version it revoked.
    const revoked = c.sender.latestTransaction();
    await payN(c, 2, deliver);
    await node.broadcast(revoked.toBuffer());
    await node.mine(1);
    await hub.poll();
    const penalty = events.filter((e): e is Extract<HubEvent, { kind: 'penalty' }> => e.kind === 'penalty');
    expect(penalty.map((e) => [e.channelId, e.stage])).to.deep.equal([[c.channelId, 'broadcast']]);
    expect(events.filter((e) => e.kind === 'closed').at(-1)).to.deep.include({ channelId: c.channelId, how: 'revoked-sender-version', txid: revoked.getId() });
    await node.mine(1);
    await hub.poll();
    expect(penalty.length).to.equal(1);
    const confirmed = events.filter((e): e is Extract<HubEvent, { kind: 'penalty' }> => e.kind === 'penalty').at(-1)!;
    expect([confirmed.stage, confirmed.txid]).to.deep.equal(['confirmed', penalty[0]!.txid]);
    const claim = await readConfirmed(node, confirmed.txid);
    expect(claim.tx.outs.every((o) => Buffer.from(o.script).equals(Buffer.from(DESTINATION)))).to.equal(true);
    expect((await hub.balance(c.channelId)).phase).to.equal('closed');
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);
  });

  it('a watcher whose copy is stale (payments went through another process) reloads the channel when it sees the spend, and punishes', async () => {
    const store = new MemoryChannelStore();
    const watching = await startHub(node, store, 'stale a');
    // The other process watches nothing: only the first one's stale copy can catch the cheat.
    const serving = await startHub(node, store, 'stale b', { watchAll: false });
    const events = collect(watching);
    const [s] = await fund((w) => watching.handle(w), 'stale', 1) as [HubSender];
    await payN(s, 1, (w) => serving.handle(w));
    const revoked = s.sender.latestTransaction();
    await payN(s, 2, (w) => serving.handle(w));
    expect(serving.watching).to.equal(0);
    expect((await serving.balance(s.channelId)).amount).to.equal(9000n);

    await node.broadcast(revoked.toBuffer());
    await node.mine(1);
    await watching.poll();
    expect(events.filter((e) => e.kind === 'penalty').map((e) => (e as { stage: string }).stage)).to.deep.equal(['broadcast']);
    await node.mine(1);
    await watching.poll();
    const last = events.filter((e): e is Extract<HubEvent, { kind: 'penalty' }> => e.kind === 'penalty').at(-1)!;
    expect(last.stage).to.equal('confirmed');
    const claim = Transaction.fromBuffer((await node.getTransaction(last.txid))!.tx);
    expect(claim.ins.some((i) => Buffer.from(i.hash).reverse().toString('hex') === revoked.getId())).to.equal(true);
    expect(await watching.balance(s.channelId)).to.deep.include({ amount: 9000n, phase: 'closed' });
  });

  it('watchOnly restricts the watch to the outpoints given, loading each channel from the store', async () => {
    const store = new MemoryChannelStore();
    const opener = await startHub(node, store, 'only a', { watchAll: false });
    const [s, t] = await fund((w) => opener.handle(w), 'only', 2) as [HubSender, HubSender];
    const hub = await startHub(node, store, 'only b');
    expect(hub.watching).to.equal(2);
    const unknown = { txid: 'cd'.repeat(32), vout: 1 };
    expect(await hub.watchOnly({ add: [s.sender.funding!, unknown] })).to.deep.equal({ watching: 1, missing: [unknown] });
    expect(await hub.watchOnly({ add: [t.sender.funding!], remove: [s.sender.funding!] })).to.deep.equal({ watching: 1, missing: [] });
    // A channel saved here later is watched only if its outpoint is in the set.
    await payN(s, 1, (w) => hub.handle(w));
    expect(hub.watching).to.equal(1);
    expect((await hub.watchOnly({ remove: [t.sender.funding!] })).watching).to.equal(0);
  });

  it('CLTV: offers are checked against the hub\'s tip; past the cutoff they are refused (close) and the watcher closes with the latest state', async () => {
    const store = new MemoryChannelStore();
    const hub = await startHub(node, store, 'cltv', { tipMaxAgeMs: 0 });
    const events = collect(hub);
    const deliver: Deliver = (w) => hub.handle(w);
    const wallet = testKey('hub regtest cltv wallet');
    const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
    const expiry = (await node.getTip()).height + 20;
    const s = await openThroughHub(node, deliver, wallet, coin!, 'regtest cltv', CAPACITY, { variant: { kind: 'cltv', expiry: { height: expiry } }, margin: 10 });
    await node.mine(1);
    await payN(s, 2, deliver);
    await node.mine(12);
    const late = await hub.handle(toWire(s.sender.pay(1000n))).then(() => undefined, (e: { code: string; action: string }) => [e.code, e.action]);
    expect(late).to.deep.equal(['CHANNEL_EXPIRED', 'close']);
    expect((await hub.balance(s.channelId)).pendingAmount).to.equal(undefined);
    await hub.poll();
    const closed = events.find((e): e is Extract<HubEvent, { kind: 'closed' }> => e.kind === 'closed');
    expect(closed).to.deep.include({ channelId: s.channelId, how: 'cutoff' });
    await node.mine(1);
    // The receiver's own latest version, paying its final total.
    const { tx } = await readConfirmed(node, closed!.txid!);
    expect(tx.outs.map((o) => o.value)).to.include(6000n);
    expect((await hub.balance(s.channelId)).phase).to.equal('closed');
  });

  it('zero-conf, opted into: payments within the budget before the funding confirms, more once it is deep', async () => {
    const store = new MemoryChannelStore();
    const hub = await startHub(node, store, 'zero', { policy: { minCsvDelay: 1, fundingDepth: 2, zeroConf: { budget: 5000n } } });
    const deliver: Deliver = (w) => hub.handle(w);
    const wallet = testKey('hub regtest zero wallet');
    const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
    const s = await openThroughHub(node, deliver, wallet, coin!, 'regtest zero', CAPACITY);
    expect(node.mempoolHas(s.fundingTx.getId())).to.equal(true);
    await payN(s, 1, deliver);
    const over = toWire(s.sender.pay(3000n));
    const e = await hub.handle(over).then(() => undefined, (x: { code: string; action: string }) => [x.code, x.action]);
    expect(e).to.deep.equal(['FUNDING_NOT_CONFIRMED', 'retry']);
    await node.mine(2);
    const accepted = await hub.handle(over);
    const done = await deliver(toWire(handleSenderMessage(s.sender, decodeMessage(accepted.reply)).send!));
    expect(done.paid?.amount).to.equal(6000n);
    expect((await hub.balance(s.channelId)).fundingConfirmed).to.equal(true);
  });
});
