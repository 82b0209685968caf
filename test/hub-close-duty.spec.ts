/**
 * A cooperative close the hub saved is a duty of its watcher, on the embedded
 * regtest node: a broadcast the node refused, a close evicted from the
 * mempool, a hub restarted before the close went out, and a process that
 * closed a channel outside its share of the watch all end with the close
 * mined; once buried, nothing is broadcast again.
 */
import { expect } from 'chai';
import { MemoryChannelStore, decodeMessage, handleSenderMessage } from '../lib';
import { HubEvent, ReceiverHub } from '../lib/node';
import { RegtestNode } from './kit/regtest-node';
import { Deliver, HubSender, openThroughHub, payThroughHub, startHub, toWire, walletCoins } from './support/hub';
import { flaky } from './support/flaky-backend';
import { readConfirmed } from './support/e2e';
import { testKey } from './support/keys';

const CAPACITY = 300_000n;
/** The watcher's default: a spend this deep is final. */
const FINAL_DEPTH = 6;

function errorsOf(hub: ReceiverHub): Extract<HubEvent, { kind: 'error' }>[] {
  const got: Extract<HubEvent, { kind: 'error' }>[] = [];
  hub.onEvent((e) => { if (e.kind === 'error') got.push(e); });
  return got;
}

describe('ReceiverHub: a cooperative close is broadcast until it is buried', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node.stop(); });

  async function funded(deliver: Deliver, label: string): Promise<HubSender> {
    const wallet = testKey(`hub close duty ${label} wallet`);
    const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
    const s = await openThroughHub(node, deliver, wallet, coin!, `close duty ${label}`, CAPACITY);
    await node.mine(1);
    expect((await payThroughHub(s, 5000n, deliver)).paid?.amount).to.equal(5000n);
    return s;
  }

  /** The sender proposes, the hub signs, saves and tries to broadcast; the close's txid. */
  async function closeThrough(hub: ReceiverHub, s: HubSender): Promise<string> {
    const signed = await hub.handle(toWire(s.sender.proposeClose(2000n)));
    const close = handleSenderMessage(s.sender, decodeMessage(signed.reply)).closeTx!;
    expect(signed.closeTxid).to.equal(close.getId());
    return close.getId();
  }

  it('refused broadcasts and an eviction: broadcast again on the next polls, and never again once buried', async () => {
    const backend = flaky(node, { broadcast: [1, 2] });
    const hub = await startHub(node, new MemoryChannelStore(), 'close duty refused', { backend });
    const errors = errorsOf(hub);
    const s = await funded((w) => hub.handle(w), 'refused');
    const txid = await closeThrough(hub, s);
    // The hub's own broadcast was refused: the close is saved, and reported, but not in the mempool.
    expect(node.mempoolHas(txid)).to.equal(false);
    expect(errors.map((e) => [e.channelId, e.code])).to.deep.equal([[s.channelId, 'CHAIN_BACKEND']]);
    await hub.poll();
    expect(node.mempoolHas(txid)).to.equal(false);
    await hub.poll();
    expect(node.mempoolHas(txid)).to.equal(true);
    expect(backend.calls.broadcast).to.equal(3);

    // Evicted (a full mempool): the next poll puts it back.
    expect(node.evict(txid)).to.equal(true);
    await hub.poll();
    expect(node.mempoolHas(txid)).to.equal(true);

    await node.mine(1);
    await hub.poll();
    const { tx } = await readConfirmed(node, txid);
    expect(tx.outs.map((o) => o.value)).to.include(5000n);
    await node.mine(FINAL_DEPTH);
    await hub.poll();
    const sent = backend.calls.broadcast;
    await hub.poll();
    await hub.poll();
    expect(backend.calls.broadcast).to.equal(sent);
    expect((await hub.balance(s.channelId)).phase).to.equal('closed');
  });

  it('a hub restarted after saving a close it could not broadcast broadcasts it from the saved channel', async () => {
    const store = new MemoryChannelStore();
    const down = flaky(node, { broadcast: () => true });
    const first = await startHub(node, store, 'close duty restart a', { backend: down });
    const s = await funded((w) => first.handle(w), 'restart');
    const txid = await closeThrough(first, s);
    await first.poll();
    expect(node.mempoolHas(txid)).to.equal(false);
    expect(down.faults.filter((f) => f.method === 'broadcast').length).to.equal(2);

    // The process is gone; another starts on the same database, from the tip.
    const backend = flaky(node, {});
    const second = await startHub(node, store, 'close duty restart b', { backend });
    expect(second.watching).to.equal(1);
    await second.poll();
    expect(node.mempoolHas(txid)).to.equal(true);
    await node.mine(1);
    await second.poll();
    expect((await readConfirmed(node, txid)).tx.getId()).to.equal(txid);
  });

  it('a restarted hub finds a close mined before its first block on chain: nothing broadcast, resolved once deep', async () => {
    const store = new MemoryChannelStore();
    const first = await startHub(node, store, 'close duty mined a');
    const s = await funded((w) => first.handle(w), 'mined');
    const txid = await closeThrough(first, s);
    expect(node.mempoolHas(txid)).to.equal(true);
    await node.mine(2);

    const backend = flaky(node, {});
    const second = await startHub(node, store, 'close duty mined b', { backend });
    const errors = errorsOf(second);
    await second.poll();
    await node.mine(FINAL_DEPTH);
    await second.poll();
    expect(backend.calls.getTransaction).to.be.greaterThan(0);
    // Resolved: no longer asked about.
    const asked = backend.calls.getTransaction;
    await second.poll();
    expect(backend.calls.getTransaction).to.equal(asked);
    expect(backend.calls.broadcast).to.equal(0);
    expect(errors).to.deep.equal([]);
  });

  it('a process that closes a channel outside its share of the watch keeps the close going itself', async () => {
    const store = new MemoryChannelStore();
    const backend = flaky(node, { broadcast: [1] });
    // watchAll false and no share given: this process watches nothing of its own.
    const hub = await startHub(node, store, 'close duty share', { backend, watchAll: false });
    const s = await funded((w) => hub.handle(w), 'share');
    expect(hub.watching).to.equal(0);
    const txid = await closeThrough(hub, s);
    expect(node.mempoolHas(txid)).to.equal(false);
    expect(hub.watching).to.equal(1);
    // A change of share does not drop it.
    await hub.watchOnly({ remove: [s.sender.funding!] });
    expect(hub.watching).to.equal(1);
    await hub.poll();
    expect(node.mempoolHas(txid)).to.equal(true);
    await node.mine(1);
    await hub.poll();
    expect((await readConfirmed(node, txid)).tx.getId()).to.equal(txid);
  });
});
