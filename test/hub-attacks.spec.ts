/**
 * The hub against senders who know its store layout and its failure modes:
 * funding_created repeated on new outpoints (an alias each), two processes
 * funding one channel on two outpoints at once, a temporary id equal to a
 * live channel's id, oversized and deeply nested text, every message of a
 * channel replayed after its close, and a database connection that drops
 * while a batch of payments commits (with the answer lost, or before the
 * commit): no payment is acknowledged unless it is saved, and each saved one
 * is reported exactly once.
 */
import { expect } from 'chai';
import { PGlite } from '@electric-sql/pglite';
import {
  ChannelError, Json, MemoryChannelStore, Sender, VersionedChannelStore, decodeMessage, deriveChannelId, handleSenderMessage, p2wpkhScript, toHex,
} from '../lib';
import { HubEvent, HubReply, MAX_WIRE_TEXT, PostgresChannelStore, ReceiverHub, SqlClient } from '../lib/node';
import { RegtestNode } from './kit/regtest-node';
import {
  Deliver, HUB_FEE_RATE, HUB_VARIANT, HubSender, openThroughHub, payThroughHub, senderSecretsFor, startHub, toWire, walletCoins,
} from './support/hub';
import { testKey } from './support/keys';

const CAPACITY = 300_000n;

async function refusal(p: Promise<unknown>): Promise<ChannelError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e, 'a refusal').to.be.instanceOf(ChannelError);
  return e as ChannelError;
}

/** Everything in the store, to compare before and after. */
async function snapshot(store: VersionedChannelStore): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const k of await store.keys()) out[k] = await store.loadVersioned(k);
  return JSON.stringify(out);
}

type Payment = Extract<HubEvent, { kind: 'payment' }>;

function paymentsOf(hub: ReceiverHub): Payment[] {
  const got: Payment[] = [];
  hub.on('payment', (e: Payment) => got.push(e));
  return got;
}

/**
 * PGlite behind a connection that drops on the batch statement of saves when
 * told: before the server runs it, or after it committed (the answer lost on
 * the way back, as when a connection is cut during the reply).
 */
class DroppingClient implements SqlClient {
  dropBefore = 0;
  dropAfter = 0;
  constructor(private readonly db: PGlite) {}
  async query(text: string, params?: unknown[]) {
    if (text.startsWith('WITH b AS')) {
      if (this.dropBefore > 0) {
        this.dropBefore--;
        throw new Error('connection terminated');
      }
      if (this.dropAfter > 0) {
        this.dropAfter--;
        await this.db.query(text, params);
        throw new Error('connection terminated while reading the answer');
      }
    }
    return this.db.query(text, params);
  }
}

describe('ReceiverHub against a sender who knows its store and its failures', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node.stop(); });

  async function openMany(deliver: Deliver, label: string, n: number): Promise<HubSender[]> {
    const wallet = testKey(`hub attacks ${label} wallet`);
    const coins = await walletCoins(node, wallet, n, CAPACITY + 20_000n);
    const out: HubSender[] = [];
    for (const [i, coin] of coins.entries()) out.push(await openThroughHub(node, deliver, wallet, coin, `attacks ${label} ${i}`, CAPACITY));
    await node.mine(1);
    return out;
  }

  /** The accept for an offer of `increment`, and the revoke the sender answers it with, as wire JSON. */
  async function offered(hub: ReceiverHub, s: HubSender, increment: bigint): Promise<Json> {
    const accepted = await hub.handle(toWire(s.sender.pay(increment)));
    return toWire(handleSenderMessage(s.sender, decodeMessage(accepted.reply)).send!);
  }

  describe('store keys a sender can make the hub write', () => {
    it('a funding_created repeated with a new outpoint each time writes nothing (no alias per try)', async () => {
      const store = new MemoryChannelStore();
      const hub = await startHub(node, store, 'attacks realias');
      const [s] = await openMany((w) => hub.handle(w), 'realias', 1) as [HubSender];
      const { tempChannelId } = await hub.balance(s.channelId);
      const before = await snapshot(store);
      const updateKey = toWire({ type: 'offer', channelId: new Uint8Array(32), index: 1, amount: 1n, updateKey: s.sender.updateKey(0), sig: new Uint8Array(9) }).updateKey;
      for (let i = 0; i < 5; i++) {
        const e = await refusal(hub.handle({
          type: 'funding_created', version: 1, tempChannelId, fundingTxid: toHex(Uint8Array.from({ length: 32 }, (_, j) => (i * 37 + j) % 256)), fundingVout: i, updateKey,
        }));
        expect([e.code, e.action]).to.deep.equal(['UNEXPECTED_MESSAGE', 'ignore']);
      }
      expect(await snapshot(store)).to.equal(before);
    });

    /** A store that cannot delete: aliases of lost fundings stay, and must route nowhere. */
    class KeepingStore implements VersionedChannelStore {
      private readonly m = new MemoryChannelStore();
      load(k: string) { return this.m.load(k); }
      loadVersioned(k: string) { return this.m.loadVersioned(k); }
      save(k: string, s: unknown) { return this.m.save(k, s); }
      saveVersioned(k: string, s: unknown, v: number) { return this.m.saveVersioned(k, s, v); }
      keys() { return this.m.keys(); }
    }

    for (const keeps of [false, true]) {
    it(`two processes funding one channel on two outpoints at once: one funding wins${keeps ? ', and a lost alias a store cannot delete routes nowhere' : ', and only its alias is left'}`, async () => {
      const store = (keeps ? new KeepingStore() : new MemoryChannelStore()) as MemoryChannelStore;
      const hubs = [await startHub(node, store, 'attacks race a'), await startHub(node, store, 'attacks race b')];
      let wins = 0;
      for (let i = 0; i < 8; i++) {
        const { sender, message: open } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor(`race ${i}`) });
        handleSenderMessage(sender, decodeMessage((await hubs[0]!.handle(toWire(open))).reply));
        const coin = { txid: toHex(Uint8Array.from({ length: 32 }, (_, j) => (i * 11 + j) % 256)), vout: 0, value: CAPACITY + 20_000n, script: p2wpkhScript(testKey('race wallet').pub) };
        const created = toWire(sender.createFunding({ inputs: [coin], changeScript: coin.script, feeRate: HUB_FEE_RATE }).message);
        const other: Json = { ...created, fundingTxid: 'ee'.repeat(31) + toHex(Uint8Array.of(i)) };
        const got = await Promise.allSettled([hubs[0]!.handle(created), hubs[1]!.handle(other)]);
        const ok = got.filter((g): g is PromiseFulfilledResult<HubReply> => g.status === 'fulfilled');
        expect(ok).to.have.length(1);
        for (const g of got) if (g.status === 'rejected') expect(g.reason).to.be.instanceOf(ChannelError);
        wins += ok.length;
        const lost = got[0]!.status === 'fulfilled' ? other : created;
        const lostId = toHex(deriveChannelId(String(lost.fundingTxid), Number(lost.fundingVout)));
        for (const hub of hubs) expect((await refusal(hub.balance(lostId))).code).to.be.oneOf(['NOT_FOUND']);
      }
      const keys = await store.keys();
      expect(keys.filter((k) => k.startsWith('rt-'))).to.have.length(8);
      if (keeps) expect(keys.filter((k) => k.startsWith('rc-')).length).to.be.greaterThan(wins);
      else expect(keys.filter((k) => k.startsWith('rc-'))).to.have.length(wins);
    });
    }

    it('a temporary id equal to a funded channel\'s id is another record: the channel is routed as before', async () => {
      const store = new MemoryChannelStore();
      const hub = await startHub(node, store, 'attacks shadow');
      const deliver: Deliver = (w) => hub.handle(w);
      const [s] = await openMany(deliver, 'shadow', 1) as [HubSender];
      await payThroughHub(s, 1000n, deliver);
      const { message } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('shadow squatter') });
      const squat = await hub.handle({ ...toWire(message), tempChannelId: s.channelId });
      expect(squat.channelId).to.equal(s.channelId);
      expect(await hub.balance(s.channelId)).to.deep.include({ amount: 1000n, phase: 'open' });
      expect((await payThroughHub(s, 500n, deliver)).paid?.amount).to.equal(1500n);
      expect((await hub.channels()).map((c) => c.phase).sort()).to.deep.equal(['accepted', 'open']);
    });
  });

  describe('text on the wire', () => {
    it('a message longer than MAX_WIRE_TEXT is refused before it is parsed, and deep nesting is a typed refusal', async () => {
      const store = new MemoryChannelStore();
      const hub = await startHub(node, store, 'attacks text');
      const { message } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('text') });
      // A valid open, padded with whitespace past the bound: parsed, it would open a channel.
      const padded = JSON.stringify(toWire(message)) + ' '.repeat(MAX_WIRE_TEXT);
      const e = await refusal(hub.handle(padded));
      expect([e.code, e.action]).to.deep.equal(['MESSAGE_INVALID', 'ignore']);
      expect(await store.keys()).to.deep.equal([]);
      const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
      for (const text of [`{"type":"offer","version":1,"channelId":${deep}}`, '['.repeat(20_000) + ']'.repeat(20_000)]) {
        expect((await refusal(hub.handle(text))).code).to.equal('MESSAGE_INVALID');
      }
      expect((await hub.handle(JSON.stringify(toWire(message)))).reply).to.not.equal(undefined);
    });
  });

  it('every message of a channel replayed after its cooperative close: refused or answered the same, nothing paid, nothing reported', async () => {
    const store = new MemoryChannelStore();
    const hub = await startHub(node, store, 'attacks replay');
    const events: HubEvent[] = [];
    hub.onEvent((e) => events.push(e));
    const sent: Json[] = [];
    const deliver: Deliver = (w) => { sent.push(w); return hub.handle(w); };
    const [s] = await openMany(deliver, 'replay', 1) as [HubSender];
    for (let i = 0; i < 3; i++) await payThroughHub(s, 2000n, deliver);
    const closeOffer = toWire(s.sender.proposeClose(2000n));
    const signed = await deliver(closeOffer);
    expect(signed.closeTxid).to.match(/^[0-9a-f]{64}$/);
    const before = await snapshot(store);
    const seen = events.length;
    for (const w of sent) {
      const got = await hub.handle(w).then((r) => r, (e: unknown) => e);
      if (got instanceof ChannelError) {
        expect(got.code, String(w.type)).to.be.oneOf(['UNEXPECTED_MESSAGE', 'CHANNEL_CLOSED', 'UPDATE_INDEX_MISMATCH']);
        continue;
      }
      // Only the close offer is answered again, with the close already signed.
      expect(w.type).to.equal('close_offer');
      expect((got as HubReply).reply).to.deep.equal(signed.reply);
      expect((got as HubReply).paid).to.equal(undefined);
    }
    expect(events.slice(seen).filter((e) => e.kind !== 'error')).to.deep.equal([]);
    expect(await hub.balance(s.channelId)).to.deep.include({ amount: 6000n, phase: 'closed' });
    const after = JSON.parse(await snapshot(store)) as Record<string, { state: unknown }>;
    const was = JSON.parse(before) as Record<string, { state: unknown }>;
    expect(Object.keys(after)).to.deep.equal(Object.keys(was));
    for (const k of Object.keys(was)) {
      const strip = (v: unknown) => JSON.stringify({ ...(v as object), saveId: undefined });
      expect(strip(after[k]!.state), k).to.equal(strip(was[k]!.state));
    }
  });

  it('a funding whose block a reorg took away is not confirmed: offers refused (retry) and nothing saved, until it is mined again', async () => {
    const store = new MemoryChannelStore();
    const hub = await startHub(node, store, 'attacks reorg');
    const wallet = testKey('hub attacks reorg wallet');
    const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
    const s = await openThroughHub(node, (w) => hub.handle(w), wallet, coin!, 'attacks reorg', CAPACITY);
    const txid = s.fundingTx.getId();
    await node.mine(1);
    // The block goes, and the funding with it (double-spent, or dropped): the right outpoint, in no block and no mempool.
    await node.reorg(1, { drop: [txid] });
    expect(await node.getTransaction(txid)).to.equal(undefined);
    const offer = toWire(s.sender.pay(900n));
    const before = await snapshot(store);
    const e = await refusal(hub.handle(offer));
    expect([e.code, e.action]).to.deep.equal(['FUNDING_NOT_CONFIRMED', 'retry']);
    expect(await snapshot(store)).to.equal(before);
    // Back in the mempool only: still not confirmed.
    await node.broadcast(s.fundingTx.toBuffer());
    expect((await refusal(hub.handle(offer))).code).to.equal('FUNDING_NOT_CONFIRMED');
    expect(await snapshot(store)).to.equal(before);
    await node.mine(1);
    const accepted = await hub.handle(offer);
    const done = await hub.handle(toWire(handleSenderMessage(s.sender, decodeMessage(accepted.reply)).send!));
    expect(done.paid?.amount).to.equal(900n);
  });

  describe('the database connection drops while a batch of payments commits', () => {
    let db: PGlite;
    let client: DroppingClient;
    let tables = 0;
    before(async () => { db = await PGlite.create(); });
    after(async () => { await db.close(); });

    async function hubOnDb(label: string): Promise<{ hub: ReceiverHub; store: PostgresChannelStore; paid: Payment[]; senders: HubSender[] }> {
      client = new DroppingClient(db);
      const store = await PostgresChannelStore.create(client, { table: `hub_attacks_${tables++}` });
      const hub = await startHub(node, store as unknown as MemoryChannelStore, `attacks drop ${label}`);
      const paid = paymentsOf(hub);
      const senders = await openMany((w) => hub.handle(w), `drop ${label}`, 3);
      for (const s of senders) await payThroughHub(s, 1000n, (w) => hub.handle(w));
      return { hub, store, paid, senders };
    }

    it('the answer lost after the commit: nothing acknowledged; each sender\'s retry gets its payment, reported once', async () => {
      const { hub, store, paid, senders } = await hubOnDb('after');
      const revokes = await Promise.all(senders.map((s) => offered(hub, s, 700n)));
      const count = paid.length;
      client.dropAfter = 1;
      // Sent together: one batch, one statement, committed, its answer lost.
      const failed = await Promise.all(revokes.map((r) => refusal(hub.handle(r))));
      expect(failed.map((e) => [e.code, e.action])).to.deep.equal(senders.map(() => ['STORE_UNAVAILABLE', 'retry']));
      expect(paid.length).to.equal(count);
      // The database holds them, as another process sees: the retries are answered with what the save made, and reported then, once.
      const other = await startHub(node, store as unknown as MemoryChannelStore, 'attacks drop after, another process', { watchAll: false });
      for (const s of senders) expect(await other.balance(s.channelId)).to.deep.include({ amount: 1700n, index: 2 });
      const retried = await Promise.all(revokes.map((r) => hub.handle(r)));
      expect(retried.map((r) => r.paid)).to.deep.equal(senders.map(() => ({ index: 2, amount: 1700n, increment: 700n })));
      expect(paid.slice(count).map((e) => [e.channelId, e.amount])).to.have.deep.members(senders.map((s) => [s.channelId, 1700n]));
      // Once more: answered again from the answer saved with it, reported no more.
      expect(await hub.handle(revokes[0]!)).to.deep.equal({ ...retried[0], again: true });
      expect(paid.length).to.equal(count + 3);
      for (const s of senders) expect((await payThroughHub(s, 300n, (w) => hub.handle(w))).paid?.amount).to.equal(2000n);
    });

    it('the answer lost, then a poll: the payments are reported by the poll, and the retries still get their answers, reported no more', async () => {
      const { hub, paid, senders } = await hubOnDb('poll');
      const revokes = await Promise.all(senders.map((s) => offered(hub, s, 400n)));
      const count = paid.length;
      client.dropAfter = 1;
      await Promise.all(revokes.map((r) => refusal(hub.handle(r))));
      await hub.poll();
      expect(paid.slice(count).map((e) => e.amount)).to.deep.equal([1400n, 1400n, 1400n]);
      const retried = await Promise.all(revokes.map((r) => hub.handle(r)));
      expect(retried.map((r) => r.paid?.amount)).to.deep.equal([1400n, 1400n, 1400n]);
      expect(paid.length).to.equal(count + 3);
    });

    it('dropped before the commit: nothing saved, nothing acknowledged; the retries are applied, once', async () => {
      const { hub, paid, senders } = await hubOnDb('before');
      const revokes = await Promise.all(senders.map((s) => offered(hub, s, 250n)));
      const count = paid.length;
      client.dropBefore = 1;
      await Promise.all(revokes.map((r) => refusal(hub.handle(r))));
      for (const s of senders) expect(await hub.balance(s.channelId)).to.deep.include({ amount: 1000n, pendingAmount: 1250n });
      expect(paid.length).to.equal(count);
      const retried = await Promise.all(revokes.map((r) => hub.handle(r)));
      expect(retried.map((r) => r.paid?.amount)).to.deep.equal([1250n, 1250n, 1250n]);
      expect(paid.length).to.equal(count + 3);
    });

    it('an open whose save lost its answer: the retry gets the same accept_channel, and one channel is kept', async () => {
      const { hub, store } = await hubOnDb('open');
      const keys = (await store.keys()).length;
      const { message } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('drop open') });
      client.dropAfter = 1;
      expect((await refusal(hub.handle(toWire(message)))).code).to.equal('STORE_UNAVAILABLE');
      const again = await hub.handle(toWire(message));
      expect(decodeMessage(again.reply).type).to.equal('accept_channel');
      expect((await store.keys()).length).to.equal(keys + 1);
      expect(await hub.handle(toWire(message))).to.deep.equal({ ...again, again: true });
      expect((await store.keys()).length).to.equal(keys + 1);
    });

    it('the answer lost after the commit and the process gone: another process, and the restarted one, answer the resends the same, once', async () => {
      const { hub, store, paid, senders } = await hubOnDb('gone');
      const revokes = await Promise.all(senders.map((s) => offered(hub, s, 600n)));
      const { message: open } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('drop gone open') });
      const count = paid.length;
      client.dropAfter = 1;
      await Promise.all(revokes.map((r) => refusal(hub.handle(r))));
      client.dropAfter = 1;
      expect((await refusal(hub.handle(toWire(open)))).code).to.equal('STORE_UNAVAILABLE');
      // The process that saved is gone before it read its saves back: its memory of them with it.
      hub.removeAllListeners();
      const others = [
        await startHub(node, store as unknown as MemoryChannelStore, 'attacks drop gone, another process', { watchAll: false }),
        await startHub(node, store as unknown as MemoryChannelStore, 'attacks drop gone, restarted'),
      ];
      const seen: Payment[] = [];
      for (const h of others) h.on('payment', (e: Payment) => seen.push(e));
      for (const h of others) {
        const answers = await Promise.all(revokes.map((r) => h.handle(r)));
        expect(answers.map((a) => [a.paid, a.again])).to.deep.equal(senders.map(() => [{ index: 2, amount: 1600n, increment: 600n }, true]));
        const opened = await h.handle(toWire(open));
        expect([decodeMessage(opened.reply).type, opened.again]).to.deep.equal(['accept_channel', true]);
        await h.poll();
      }
      // Applied once: nothing of it again, in any process.
      expect(paid.length).to.equal(count);
      expect(seen).to.deep.equal([]);
      for (const s of senders) expect(await others[0]!.balance(s.channelId)).to.deep.include({ amount: 1600n, index: 2 });
      for (const s of senders) expect((await payThroughHub(s, 100n, (w) => others[1]!.handle(w))).paid?.amount).to.equal(1700n);
    });
  });
});
