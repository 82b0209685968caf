/**
 * A save the store refuses leaves nothing of the change anywhere: the hub's
 * balance, the copy its watcher works from and the store agree on the state
 * saved before it, and the next message applies to that state.
 */
import { expect } from 'chai';
import { ChannelError, MemoryChannelStore, Receiver, decodeMessage, handleSenderMessage } from '../lib';
import { ReceiverHub } from '../lib/node';
import { RegtestNode } from './kit/regtest-node';
import { HubSender, openThroughHub, payThroughHub, startHub, toWire, walletCoins } from './support/hub';
import { testKey } from './support/keys';

const CAPACITY = 300_000n;

/** A memory store that refuses the next save (armed by the test) the way a database does: a conflict, or a lost connection before commit. */
class RefusingStore extends MemoryChannelStore {
  refuse?: 'conflict' | 'unavailable';
  /** Loads of channel records to fail from now on, as a database still unreachable after the failed save. */
  failLoads = 0;
  override async loadVersioned(key: string): Promise<{ state: unknown; version: number } | undefined> {
    if (this.failLoads > 0 && key.startsWith('rt-')) {
      this.failLoads--;
      throw new Error('connection lost');
    }
    return super.loadVersioned(key);
  }

  override async saveVersioned(key: string, state: unknown, expected: number): Promise<number> {
    const how = this.refuse;
    if (how !== undefined && key.startsWith('rt-')) {
      this.refuse = undefined;
      if (how === 'conflict') throw new ChannelError('STORE_CONFLICT', 'another writer saved first', { key });
      throw new Error('connection lost');
    }
    return super.saveVersioned(key, state, expected);
  }
}

/**
 * The receiver the hub's watcher works from. Nothing public shows it (the
 * watcher is the hub's own), so the test reads it where the hub keeps it.
 */
function watcherCopy(hub: ReceiverHub, channelId: string): Receiver {
  const byFunding = (hub as unknown as { watch: { watcher: { policy: { byFunding: Map<string, { channelId: string; receiver: Receiver }> } } } })
    .watch.watcher.policy.byFunding;
  const w = [...byFunding.values()].find((x) => x.channelId === channelId);
  expect(w, 'the channel is watched').to.not.equal(undefined);
  return w!.receiver;
}

describe('ReceiverHub after a failed save', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node.stop(); });

  for (const how of ['unavailable', 'conflict'] as const) {
    it(`a save refused (${how}) leaves the balance, the watcher's copy and the store in agreement; the next message works`, async () => {
      const store = new RefusingStore();
      // One attempt: a conflict is passed on instead of applied again to the stored state.
      const hub = await startHub(node, store, `failed save ${how}`, { maxAttempts: 1 });
      const wallet = testKey(`hub failed save ${how} wallet`);
      const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
      const s: HubSender = await openThroughHub(node, (w) => hub.handle(w), wallet, coin!, `failed save ${how}`, CAPACITY);
      await node.mine(1);
      await payThroughHub(s, 2000n, (w) => hub.handle(w));

      const { tempChannelId: tempId } = await hub.balance(s.channelId);
      const offer = s.sender.pay(700n);
      store.refuse = how;
      const e = await hub.handle(toWire(offer)).then(() => undefined, (x: unknown) => x as ChannelError);
      expect(e?.code).to.equal(how === 'conflict' ? 'STORE_CONFLICT' : 'STORE_UNAVAILABLE');

      // The watcher's copy first: anything that loads the channel (balance does) would point the watcher at the store again.
      const watched = watcherCopy(hub, s.channelId);
      const record = (await store.loadVersioned(`rt-${tempId}`))!.state as { receiver: { pending: unknown; current: { amount: string } } };
      const balance = await hub.balance(s.channelId);
      expect(record.receiver.pending).to.equal(null);
      expect(record.receiver.current.amount).to.equal('2000');
      expect([balance.amount, balance.pendingAmount]).to.deep.equal([2000n, undefined]);
      expect([watched.amount, watched.pendingAmount, watched.index]).to.deep.equal([2000n, undefined, balance.index]);
      expect(watched.toJSON()).to.deep.equal(record.receiver);

      // The sender sends the offer again: applied to the stored state, saved, and the watcher follows.
      const accepted = await hub.handle(toWire(offer));
      const revoke = handleSenderMessage(s.sender, decodeMessage(accepted.reply)).send!;
      expect((await hub.handle(toWire(revoke))).paid?.amount).to.equal(2700n);
      const after = watcherCopy(hub, s.channelId);
      expect([after.amount, after.pendingAmount]).to.deep.equal([2700n, undefined]);
      expect(after.toJSON()).to.deep.equal(((await store.loadVersioned(`rt-${tempId}`))!.state as { receiver: unknown }).receiver);
    });
  }

  it('a save refused while the store cannot be read back either: the watcher works from the stored copy from the next poll on', async () => {
    const store = new RefusingStore();
    const hub = await startHub(node, store, 'failed save unreadable');
    const wallet = testKey('hub failed save unreadable wallet');
    const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
    const s = await openThroughHub(node, (w) => hub.handle(w), wallet, coin!, 'failed save unreadable', CAPACITY);
    await node.mine(1);
    await payThroughHub(s, 1500n, (w) => hub.handle(w));
    const { tempChannelId: tempId } = await hub.balance(s.channelId);
    const offer = s.sender.pay(500n);
    store.refuse = 'unavailable';
    store.failLoads = 1;
    expect((await hub.handle(toWire(offer)).then(() => undefined, (x: unknown) => x as ChannelError))?.code).to.equal('STORE_UNAVAILABLE');
    await hub.poll();
    const watched = watcherCopy(hub, s.channelId);
    expect([watched.amount, watched.pendingAmount]).to.deep.equal([1500n, undefined]);
    expect(watched.toJSON()).to.deep.equal(((await store.loadVersioned(`rt-${tempId}`))!.state as { receiver: unknown }).receiver);
    const accepted = await hub.handle(toWire(offer));
    const revoke = handleSenderMessage(s.sender, decodeMessage(accepted.reply)).send!;
    expect((await hub.handle(toWire(revoke))).paid?.amount).to.equal(2000n);
  });
});
