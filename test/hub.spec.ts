/**
 * The receiver hub: many channels over one store, message by message as a
 * server gets them; two hubs over one store as two processes over one
 * database; failed saves; and a sender attacking through the wire.
 */
import { expect } from 'chai';
import { ChannelError, MemoryChannelStore, Receiver, ReceiverWatcher, Sender, decodeMessage, handleSenderMessage, p2wpkhScript } from '../lib';
import { openChannel, receiverSecrets } from './support/parties';
import { HubEvent, HubReply, ReceiverHub } from '../lib/node';
import { RegtestNode } from './kit/regtest-node';
import {
  Deliver, HUB_FEE_RATE, HUB_VARIANT, HubSender, openThroughHub, payThroughHub, senderSecretsFor, startHub, toWire, walletCoins,
} from './support/hub';
import { testKey } from './support/keys';

const CAPACITY = 500_000n;

function payments(...hubs: ReceiverHub[]): Payment[] {
  const got: Payment[] = [];
  for (const hub of hubs) hub.on('payment', (e: Payment) => got.push(e));
  return got;
}

/** Open `n` channels through `deliver`, fund them and mine their funding. */
async function openMany(node: RegtestNode, deliver: Deliver, label: string, n: number): Promise<HubSender[]> {
  const wallet = testKey(`hub ${label} wallet`);
  const coins = await walletCoins(node, wallet, n, CAPACITY + 20_000n);
  const senders = await Promise.all(coins.map((coin, i) => openThroughHub(node, deliver, wallet, coin, `${label} ${i}`, CAPACITY)));
  await node.mine(1);
  return senders;
}

type Payment = Extract<HubEvent, { kind: 'payment' }>;

/** The refusal a promise rejects with (fails the test if it resolves or rejects with anything else). */
async function refusal(p: Promise<unknown>): Promise<ChannelError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e, 'a refusal').to.be.instanceOf(ChannelError);
  return e as ChannelError;
}

/** Delivers each message to every hub at once; answers with the first hub that took it, and checks the others refused with a typed error or gave the same answer. */
function toAll(hubs: readonly ReceiverHub[]): Deliver {
  return async (w) => {
    const got = await Promise.allSettled(hubs.map((h) => h.handle(w)));
    const ok = got.flatMap((g) => (g.status === 'fulfilled' ? [g.value] : []));
    for (const g of got) if (g.status === 'rejected') expect(g.reason).to.be.instanceOf(ChannelError);
    expect(ok.length, `someone took ${String((w as { type?: unknown }).type)}`).to.be.at.least(1);
    for (const r of ok) expect(r.reply).to.deep.equal(ok[0]!.reply);
    // A duplicate answered from the saved answer repeats its payment, marked again: made final once.
    expect(ok.filter((r) => r.paid !== undefined && r.again === undefined).length).to.be.at.most(1);
    return ok.find((r) => r.paid !== undefined && r.again === undefined) ?? ok[0]!;
  };
}

/** Delivers to the hubs in turn. */
function inTurn(hubs: readonly ReceiverHub[]): Deliver {
  let n = 0;
  return (w) => hubs[n++ % hubs.length]!.handle(w);
}

/** A memory store that counts the saves it refused for a stale version. */
class CountingStore extends MemoryChannelStore {
  conflicts = 0;
  override async saveVersioned(key: string, state: unknown, expected: number): Promise<number> {
    try {
      return await super.saveVersioned(key, state, expected);
    } catch (e) {
      if ((e as ChannelError).code === 'STORE_CONFLICT') this.conflicts++;
      throw e;
    }
  }
}

/** A store whose next saves fail, as a database that drops the connection. */
class FailingStore extends MemoryChannelStore {
  failNext = 0;
  override async saveVersioned(key: string, state: unknown, expected: number): Promise<number> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connection lost');
    }
    return super.saveVersioned(key, state, expected);
  }
}

describe('ReceiverHub', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node.stop(); });

  it('200 channels x 20 payments at once: every payment final once, every balance exact', async () => {
    const store = new MemoryChannelStore();
    const hub = await startHub(node, store, 'many');
    const paid = payments(hub);
    const deliver: Deliver = (w) => hub.handle(w);
    const senders = await openMany(node, deliver, 'many', 200);
    const inc = (c: number, i: number) => BigInt(1000 + ((c * 7 + i) % 13));
    await Promise.all(senders.map(async (s, c) => {
      for (let i = 0; i < 20; i++) {
        const r = await payThroughHub(s, inc(c, i), deliver);
        expect(r.paid?.index).to.equal(i + 1);
      }
    }));
    expect(paid).to.have.length(4000);
    for (const [c, s] of senders.entries()) {
      let total = 0n;
      for (let i = 0; i < 20; i++) total += inc(c, i);
      const b = await hub.balance(s.channelId);
      expect([b.amount, b.index, b.phase]).to.deep.equal([total, 20, 'open']);
      expect(s.sender.amount).to.equal(total);
      expect(paid.filter((e) => e.channelId === s.channelId).reduce((a, e) => a + e.increment, 0n)).to.equal(total);
    }
    expect(hub.watching).to.equal(200);
  });

  describe('two hubs over one store, as two processes over one database', () => {
    async function run(label: string, deliver: (hubs: ReceiverHub[]) => Deliver) {
      const store = new CountingStore();
      const hubs = [await startHub(node, store, `${label} a`), await startHub(node, store, `${label} b`)];
      const paid = payments(...hubs);
      const d = deliver(hubs);
      const senders = await openMany(node, d, label, 8);
      const inc = (c: number, i: number) => BigInt(2000 + c * 10 + i);
      await Promise.all(senders.map(async (s, c) => {
        for (let i = 0; i < 12; i++) {
          const r = await payThroughHub(s, inc(c, i), d);
          expect([r.paid?.index, r.paid?.increment]).to.deep.equal([i + 1, inc(c, i)]);
        }
      }));
      // Each payment final exactly once across both processes, with its own increment.
      expect(paid).to.have.length(8 * 12);
      for (const [c, s] of senders.entries()) {
        const mine = paid.filter((e) => e.channelId === s.channelId).sort((a, b) => a.index - b.index);
        expect(mine.map((e) => [e.index, e.increment])).to.deep.equal(Array.from({ length: 12 }, (_, i) => [i + 1, inc(c, i)]));
        for (const hub of hubs) {
          const b = await hub.balance(s.channelId);
          expect([b.amount, b.index, b.pendingAmount]).to.deep.equal([s.sender.amount, 12, undefined]);
        }
      }
      return store;
    }

    it('every message delivered to both at once: one answer counts, each payment is final once', async () => {
      // The hubs got in each other's way: saves from stale copies were refused by the store and applied again.
      expect((await run('both', toAll)).conflicts).to.be.greaterThan(0);
    });

    it('messages alternating between the two: each one applies to what the other saved', async () => {
      await run('turns', inTurn);
    });

    it('the same open reaching both at once opens one channel', async () => {
      const store = new MemoryChannelStore();
      const hubs = [await startHub(node, store, 'race a'), await startHub(node, store, 'race b')];
      const { message: open } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('race') });
      const got = await Promise.allSettled(hubs.map((h) => h.handle(toWire(open))));
      expect(got.filter((g) => g.status === 'fulfilled')).to.have.length(1);
      const lost = got.find((g) => g.status === 'rejected') as PromiseRejectedResult;
      expect([lost.reason.code, lost.reason.action]).to.deep.equal(['UNEXPECTED_MESSAGE', 'ignore']);
      expect(await store.keys()).to.have.length(1);
    });
  });

  it('a save that fails sends nothing and reports nothing; the next attempt works', async () => {
    const store = new FailingStore();
    const hub = await startHub(node, store, 'failing');
    const paid = payments(hub);
    const [s] = await openMany(node, (w) => hub.handle(w), 'failing', 1);
    await payThroughHub(s!, 1000n, (w) => hub.handle(w));

    const offer = s!.sender.pay(500n);
    store.failNext = 1;
    const e1 = await refusal(hub.handle(toWire(offer)));
    expect([e1.code, e1.action]).to.deep.equal(['STORE_UNAVAILABLE', 'retry']);
    expect((await hub.balance(s!.channelId)).pendingAmount).to.equal(undefined);
    const accepted = await hub.handle(toWire(s!.sender.pendingOffer()));
    const revoke = handleSenderMessage(s!.sender, decodeMessage(accepted.reply)).send!;
    store.failNext = 1;
    const e2 = await refusal(hub.handle(toWire(revoke)));
    expect(e2.code).to.equal('STORE_UNAVAILABLE');
    expect(paid).to.have.length(1);
    expect((await hub.balance(s!.channelId)).amount).to.equal(1000n);
    const done = await hub.handle(toWire(revoke));
    expect(done.paid).to.deep.equal({ index: 2, amount: 1500n, increment: 500n });
    expect(paid.map((e) => e.amount)).to.deep.equal([1000n, 1500n]);
  });

  describe('a sender attacking through the wire gets a typed refusal and changes nothing', () => {
    let hub: ReceiverHub;
    let store: MemoryChannelStore;
    let paid: Payment[];
    let a: HubSender;
    let b: HubSender;
    const deliver: Deliver = (w) => hub.handle(w);
    before(async () => {
      store = new MemoryChannelStore();
      hub = await startHub(node, store, 'attacks');
      paid = payments(hub);
      [a, b] = await openMany(node, deliver, 'attacks', 2) as [HubSender, HubSender];
    });

    /** What the store holds, to compare before and after a refusal. */
    async function snapshot(): Promise<string> {
      const out: Record<string, unknown> = {};
      for (const k of await store.keys()) out[k] = await store.loadVersioned(k);
      return JSON.stringify(out);
    }

    /** The accept for an offer, and the revoke the sender answers it with. */
    async function offered(s: HubSender, increment: bigint) {
      const accepted = await hub.handle(toWire(s.sender.pay(increment)));
      return handleSenderMessage(s.sender, decodeMessage(accepted.reply)).send!;
    }

    it('every public method refuses garbage with a typed error', async () => {
      const before = await snapshot();
      for (const bad of [null, undefined, 'xyz', new Uint8Array(3), 7, {}]) {
        expect((await refusal(hub.balance(bad as never))).code).to.equal('INVALID_ARGUMENT');
        expect((await refusal(hub.proposeClose(bad as never, 2000n))).code).to.equal('INVALID_ARGUMENT');
        // {} is a change that adds and removes nothing (and would restrict the watch): not garbage.
        if (!(bad instanceof Object && Object.keys(bad).length === 0 && !ArrayBuffer.isView(bad))) {
          expect((await refusal(hub.watchOnly(bad as never))).code).to.equal('INVALID_ARGUMENT');
        }
        expect((await refusal(hub.watchOnly({ add: [bad as never] }))).code).to.equal('INVALID_ARGUMENT');
      }
      for (const bad of [null, 0n, -1n, 1.5, '2000']) {
        expect((await refusal(hub.proposeClose(a.channelId, bad as never))).code).to.be.oneOf(['INVALID_FEE_RATE', 'FEE_RATE_REFUSED', 'UNEXPECTED_MESSAGE']);
      }
      expect((await refusal(hub.balance('00'.repeat(32)))).code).to.equal('NOT_FOUND');
      expect(() => hub.on('payment', 5 as never)).to.throw(ChannelError);
      for (const bad of [null, {}, { store }, { store: {}, backend: node }]) {
        expect((await refusal(ReceiverHub.start(bad as never))).code).to.equal('INVALID_ARGUMENT');
      }
      expect(await snapshot()).to.equal(before);
      expect(hub.watching).to.equal(2);
    });

    it('a message for no channel: NOT_FOUND, ignore', async () => {
      const offer = toWire(a.sender.pay(100n));
      const before = await snapshot();
      const e = await refusal(hub.handle({ ...offer, channelId: 'ab'.repeat(32) }));
      expect([e.code, e.action]).to.deep.equal(['NOT_FOUND', 'ignore']);
      expect(await snapshot()).to.equal(before);
      const accepted = await hub.handle(offer);
      const done = await hub.handle(toWire(handleSenderMessage(a.sender, decodeMessage(accepted.reply)).send!));
      expect(done.paid?.amount).to.equal(100n);
    });

    it('garbage, and messages a receiver does not take: typed, ignore, nothing changes', async () => {
      const before = await snapshot();
      for (const bad of ['{', 'null', null, [], 7, {}, { type: 'offer' }, { type: 'accept', version: 1, channelId: a.channelId, index: 1, sig: '30'.repeat(9) }]) {
        const e = await refusal(hub.handle(bad));
        expect(e.action, JSON.stringify(bad)).to.equal('ignore');
      }
      expect(await snapshot()).to.equal(before);
    });

    it('a replayed open gets its answer again, another open reusing its temporary id is refused: no second channel on the same keys', async () => {
      const { message: open } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('reuse 1') });
      const answer = await hub.handle(toWire(open));
      const first = decodeMessage(answer.reply) as { receiverFundingKey: Uint8Array; receiverRevocationKey: Uint8Array };
      const before = await snapshot();
      expect(await hub.handle(toWire(open))).to.deep.equal({ ...answer, again: true });
      const reuse = { ...toWire(Sender.open({ capacity: 2n * CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('reuse 2') }).message), tempChannelId: toWire(open).tempChannelId };
      const e = await refusal(hub.handle(reuse));
      expect([e.code, e.action]).to.deep.equal(['UNEXPECTED_MESSAGE', 'ignore']);
      expect(await snapshot()).to.equal(before);
      // A new temporary id gets a channel, on keys of its own.
      const { message: other } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('reuse 3') });
      const second = decodeMessage((await hub.handle(toWire(other))).reply) as typeof first;
      expect(second.receiverFundingKey).to.not.deep.equal(first.receiverFundingKey);
      expect(second.receiverRevocationKey).to.not.deep.equal(first.receiverRevocationKey);
    });

    it('a funding_created again, or naming an outpoint another channel is funded on, is refused', async () => {
      const before = await snapshot();
      const f = a.sender.funding!;
      const again = await refusal(hub.handle({
        type: 'funding_created', version: 1, tempChannelId: (await hub.balance(a.channelId)).tempChannelId, fundingTxid: f.txid, fundingVout: f.vout,
        updateKey: toWire({ type: 'offer', channelId: new Uint8Array(32), index: 1, amount: 1n, updateKey: a.sender.updateKey(0), sig: new Uint8Array(9) }).updateKey,
      }));
      expect([again.code, again.action]).to.deep.equal(['UNEXPECTED_MESSAGE', 'ignore']);
      expect(await snapshot()).to.equal(before);
      const { sender, message: open } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor('squatter') });
      handleSenderMessage(sender, decodeMessage((await hub.handle(toWire(open))).reply));
      const opened = await snapshot();
      const taken = await refusal(hub.handle(toWire(sender.fundingCreated(b.sender.funding!))));
      expect([taken.code, taken.action]).to.deep.equal(['FUNDING_MISMATCH', 'ignore']);
      expect(await snapshot()).to.equal(opened);
    });

    it('a revoke for another channel, or with a forged secret, is refused (forged: close) and pays nothing', async () => {
      const revokeA = await offered(a, 300n);
      const revokeB = await offered(b, 400n);
      const before = await snapshot();
      const count = paid.length;
      const crossed = await refusal(hub.handle({ ...toWire(revokeA), channelId: b.channelId }));
      expect(crossed.code).to.be.oneOf(['UPDATE_INDEX_MISMATCH', 'REVOKED_SECRET_MISMATCH']);
      const forged = await refusal(hub.handle({ ...toWire(revokeB), secret: '07'.repeat(32) }));
      expect([forged.code, forged.action]).to.deep.equal(['REVOKED_SECRET_MISMATCH', 'close']);
      expect(await snapshot()).to.equal(before);
      expect(paid.length).to.equal(count);
      expect((await hub.handle(toWire(revokeA))).paid?.amount).to.equal(400n);
      expect((await hub.handle(toWire(revokeB))).paid?.amount).to.equal(400n);
    });

    it('a message racing its own duplicate: the same answer twice, the payment final once', async () => {
      const offer = toWire(a.sender.pay(50n));
      const [r1, r2] = await Promise.all([hub.handle(offer), hub.handle(offer)]);
      expect(r1.reply).to.deep.equal(r2.reply);
      const revoke = toWire(handleSenderMessage(a.sender, decodeMessage(r1.reply)).send!);
      const count = paid.length;
      const got = await Promise.all([hub.handle(revoke), hub.handle(revoke)]);
      // The duplicate is answered from the answer saved with the first: the same payment, marked again, applied and reported once.
      expect(got.map((r) => [r.paid?.amount, r.again])).to.deep.equal([[450n, undefined], [450n, true]]);
      expect(got[1]).to.deep.equal({ ...got[0], again: true });
      expect(paid.length).to.equal(count + 1);
    });

    it('an offer before the funding is confirmed on the hub\'s own node is refused (retry), and taken once it is', async () => {
      const wallet = testKey('hub unconfirmed wallet');
      const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
      const c = await openThroughHub(node, deliver, wallet, coin!, 'unconfirmed', CAPACITY);
      const offer = toWire(c.sender.pay(700n));
      const e = await refusal(hub.handle(offer));
      expect([e.code, e.action]).to.deep.equal(['FUNDING_NOT_CONFIRMED', 'retry']);
      expect((await hub.balance(c.channelId)).phase).to.equal('funded');
      await node.mine(1);
      const accepted = await hub.handle(offer);
      expect(decodeMessage(accepted.reply).type).to.equal('accept');
      expect((await hub.balance(c.channelId))).to.include({ phase: 'open', fundingConfirmed: true, pendingAmount: 700n });
    });
  });

  it('ReceiverWatcher follows a newer copy of a watched channel, and stops watching one on request', () => {
    const c = openChannel(HUB_VARIANT);
    const other = openChannel(HUB_VARIANT, 900_000n);
    const watcher = new ReceiverWatcher({ backend: node, feeRate: 1000n, destinationScript: p2wpkhScript(testKey('w').pub), fromHeight: 0 });
    watcher.watch(c.receiver);
    const code = (run: () => unknown) => { try { run(); } catch (e) { return (e as ChannelError).code; } return undefined; };
    expect(code(() => watcher.update(Receiver.restore(c.receiver.toJSON(), receiverSecrets)))).to.equal(undefined);
    expect(code(() => watcher.update(other.receiver))).to.equal('NOT_FOUND');
    for (const bad of [null, {}, 'x']) {
      expect(code(() => watcher.update(bad as never))).to.equal('INVALID_ARGUMENT');
      expect(code(() => watcher.unwatch(bad as never))).to.equal('INVALID_ARGUMENT');
      expect(code(() => watcher.isWatching(bad as never))).to.equal('INVALID_ARGUMENT');
    }
    expect([watcher.size, watcher.isWatching(c.receiver.funding!), watcher.isWatching(other.receiver.funding!)]).to.deep.equal([1, true, false]);
    expect(watcher.unwatch(c.receiver.funding!)).to.equal(true);
    expect(watcher.unwatch(c.receiver.funding!)).to.equal(false);
    expect([watcher.size, watcher.records()]).to.deep.equal([0, []]);
    watcher.watch(c.receiver);
    expect(watcher.size).to.equal(1);
  });
});
