/**
 * What a sender can make the hub keep without paying anything: channels
 * opened and never funded, or funded on a transaction that never existed.
 * The hub holds a bounded number of them (LIMIT_REACHED beyond it, nothing
 * saved), refuses to fund one past its time, and its poll deletes those,
 * alias and watch included, unless the node shows the funding.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { PGlite } from '@electric-sql/pglite';
import { ChannelError, Json, MemoryChannelStore, Sender, VersionedChannelStore, decodeMessage, handleSenderMessage, p2wpkhScript } from '../lib';
import { PostgresChannelStore, ReceiverHub, ReceiverHubOptions } from '../lib/node';
import { RegtestNode } from './kit/regtest-node';
import { HUB_FEE_RATE, HUB_VARIANT, openThroughHub, payThroughHub, senderSecretsFor, startHub, toWire, walletCoins } from './support/hub';
import { testKey } from './support/keys';

const CAPACITY = 200_000n;
const TTL_MS = 1000;

async function refusal(p: Promise<unknown>): Promise<ChannelError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e, 'a refusal').to.be.instanceOf(ChannelError);
  return e as ChannelError;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An open_channel of its own temporary id. */
function opening(label: string): { sender: Sender; open: Json } {
  const { sender, message } = Sender.open({ capacity: CAPACITY, variant: HUB_VARIANT, feeRate: HUB_FEE_RATE, secrets: senderSecretsFor(`limits ${label}`) });
  return { sender, open: toWire(message) };
}

/** A funding_created naming a transaction that was never broadcast: it costs the sender nothing. */
function fakeFunding(sender: Sender, label: string): Json {
  const wallet = testKey(`limits ${label} wallet`);
  const txid = createHash('sha256').update(`limits ${label} coin`).digest('hex');
  const coin = { txid, vout: 0, value: CAPACITY + 20_000n, script: p2wpkhScript(wallet.pub) };
  return toWire(sender.createFunding({ inputs: [coin], changeScript: coin.script, feeRate: HUB_FEE_RATE }).message);
}

describe('ReceiverHub: channels that cost their senders nothing are bounded and expire', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  let db: PGlite;
  let store: VersionedChannelStore;
  let tables = 0;
  before(async () => {
    node = await RegtestNode.start();
    db = await PGlite.create();
  });
  after(async () => {
    await node.stop();
    await db.close();
  });
  // One database, a table of its own for each test.
  beforeEach(async () => { store = await PostgresChannelStore.create(db, { table: `hub_limits_${tables++}` }); });

  const limited = (label: string, extra: Partial<ReceiverHubOptions> = {}): Promise<ReceiverHub> =>
    startHub(node, store as MemoryChannelStore, label, { maxUnfunded: 3, unfundedTtlMs: TTL_MS, ...extra });

  it('beyond maxUnfunded an open is refused (LIMIT_REACHED, retry) and nothing is saved; a fake funding still counts', async () => {
    const hub = await limited('bound');
    const a = opening('a');
    handleSenderMessage(a.sender, decodeMessage((await hub.handle(a.open)).reply));
    await hub.handle(opening('b').open);
    // Funded on a transaction the node never saw: as free as an open.
    const funded = await hub.handle(fakeFunding(a.sender, 'a'));
    expect(decodeMessage(funded.reply).type).to.equal('funding_signed');
    await hub.handle(opening('c').open);
    expect(hub.unfundedCount).to.equal(3);
    const keys = await store.keys();
    const e = await refusal(hub.handle(opening('d').open));
    expect([e.code, e.action, e.details]).to.deep.equal(['LIMIT_REACHED', 'retry', { limit: 'maxUnfunded', max: 3 }]);
    expect(await store.keys()).to.deep.equal(keys);
    // A restarted process counts what the store holds.
    const again = await limited('bound again');
    expect(again.unfundedCount).to.equal(3);
    expect((await refusal(again.handle(opening('d').open))).code).to.equal('LIMIT_REACHED');
  });

  it('past its time a channel is refused funding, and the poll deletes it with its alias and its watch; then opens are taken again', async () => {
    const hub = await limited('expiry');
    const a = opening('ea');
    handleSenderMessage(a.sender, decodeMessage((await hub.handle(a.open)).reply));
    const b = opening('eb');
    handleSenderMessage(b.sender, decodeMessage((await hub.handle(b.open)).reply));
    handleSenderMessage(b.sender, decodeMessage((await hub.handle(fakeFunding(b.sender, 'eb'))).reply));
    expect(hub.watching).to.equal(1);
    expect(await store.keys()).to.have.length(3); // two records and b's alias
    await sleep(TTL_MS + 100);

    const before = JSON.stringify(await Promise.all((await store.keys()).map((k) => store.loadVersioned(k))));
    const late = await refusal(hub.handle(fakeFunding(a.sender, 'ea')));
    expect([late.code, late.action, late.details?.expired]).to.deep.equal(['NOT_FOUND', 'ignore', true]);
    expect(JSON.stringify(await Promise.all((await store.keys()).map((k) => store.loadVersioned(k))))).to.equal(before);

    await hub.poll();
    expect(await store.keys()).to.deep.equal([]);
    expect([hub.unfundedCount, hub.watching]).to.deep.equal([0, 0]);
    const gone = await refusal(hub.handle(toWire(b.sender.pay(1000n))));
    expect([gone.code, gone.action]).to.deep.equal(['NOT_FOUND', 'ignore']);
    for (const l of ['n1', 'n2', 'n3']) await hub.handle(opening(l).open);
    expect(hub.unfundedCount).to.equal(3);
  });

  it('a channel whose funding the node shows is kept past its time, no longer counted, and takes payments', async () => {
    const hub = await limited('real');
    const wallet = testKey('limits real wallet');
    const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
    const s = await openThroughHub(node, (w) => hub.handle(w), wallet, coin!, 'limits real', CAPACITY);
    expect(hub.unfundedCount).to.equal(1);
    await sleep(TTL_MS + 100);
    await hub.poll();
    expect(hub.unfundedCount).to.equal(0);
    expect(await store.keys()).to.have.length(2);
    await node.mine(1);
    expect((await payThroughHub(s, 2500n, (w) => hub.handle(w))).paid?.amount).to.equal(2500n);
    await hub.poll();
    expect((await hub.balance(s.channelId)).amount).to.equal(2500n);
  });

  it('refuses malformed bounds: INVALID_ARGUMENT', async () => {
    for (const extra of [{ maxUnfunded: 0 }, { maxUnfunded: 1.5 }, { unfundedTtlMs: 10 }, { unfundedTtlMs: '1000' as never }]) {
      expect((await refusal(limited('bad', extra))).code, JSON.stringify(extra)).to.equal('INVALID_ARGUMENT');
    }
  });
});
