/**
 * The hub follows the chain under its channels: a reorg that takes a deep
 * funding out of the chain stops the channel's offers (in every process
 * sharing the store) until the funding is deep again, and a funding
 * double-spent meanwhile fails the channel. On the embedded regtest node,
 * with its reorg helper dropping the funding from the new branch.
 */
import { expect } from 'chai';
import { Psbt } from 'bitcoinjs-lib';
import {
  ChannelError, MemoryChannelStore, decodeMessage, extractTransaction, finalizePsbt, handleSenderMessage, p2wpkhScript, signPsbtWithKey,
} from '../lib';
import { HubEvent, ReceiverHub } from '../lib/node';
import { RegtestNode } from './kit/regtest-node';
import { Deliver, HubSender, openThroughHub, payThroughHub, startHub, toWire, walletCoins } from './support/hub';
import { testKey } from './support/keys';

const CAPACITY = 300_000n;

function fundingEvents(hub: ReceiverHub): Extract<HubEvent, { kind: 'funding' }>[] {
  const got: Extract<HubEvent, { kind: 'funding' }>[] = [];
  hub.on('funding', (e: Extract<HubEvent, { kind: 'funding' }>) => got.push(e));
  return got;
}

async function refused(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return e as ChannelError;
  }
  return expect.fail('expected a refusal');
}

describe('ReceiverHub follows its channels\' funding through reorgs (regtest)', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node.stop(); });

  it('refuses offers while a reorg has the funding out of the chain, in every process, and takes them once it is deep again', async () => {
    const store = new MemoryChannelStore();
    const hub = await startHub(node, store, 'reorg out');
    const other = await startHub(node, store, 'reorg out other', { watchAll: false });
    const events = fundingEvents(hub);
    const deliver: Deliver = (w) => hub.handle(w);
    const wallet = testKey('hub reorg out wallet');
    const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
    const s: HubSender = await openThroughHub(node, deliver, wallet, coin!, 'reorg out', CAPACITY);
    await node.mine(1);
    expect((await payThroughHub(s, 4000n, deliver)).paid?.increment).to.equal(4000n);
    await hub.poll();
    expect(events).to.deep.equal([]);

    // The block holding the funding is replaced by a branch without it.
    const fundingTxid = s.fundingTx.getId();
    await node.reorg(1, { drop: [fundingTxid] });
    expect(await node.getTransaction(fundingTxid)).to.equal(undefined);
    await hub.poll();
    expect(events.map((e) => [e.channelId, e.state, e.txid])).to.deep.equal([[s.channelId, 'reorged', fundingTxid]]);
    expect(await hub.balance(s.channelId)).to.deep.include({ fundingLost: 'reorged', amount: 4000n });

    const offer = s.sender.pay(3000n);
    for (const h of [hub, other]) {
      const e = await refused(h.handle(toWire(offer)));
      expect([e.code, e.action, e.details?.reorged]).to.deep.equal(['FUNDING_NOT_CONFIRMED', 'retry', true]);
    }
    // Still out after another block: the funding is looked up after every poll until deep again.
    await node.mine(1);
    await hub.poll();
    expect(events).to.have.length(1);
    expect((await refused(hub.handle(toWire(offer)))).code).to.equal('FUNDING_NOT_CONFIRMED');

    // The funding is mined again: deep at the policy depth (1), offers are taken again.
    await node.broadcast(s.fundingTx.toBuffer());
    await node.mine(1);
    await hub.poll();
    expect(events.map((e) => e.state)).to.deep.equal(['reorged', 'deep']);
    const balance = await other.balance(s.channelId);
    expect(balance.fundingLost).to.equal(undefined);
    const accepted = await other.handle(toWire(offer));
    expect(accepted.reply).to.not.equal(undefined);
    const revoke = handleSenderMessage(s.sender, decodeMessage(accepted.reply)).send!;
    expect((await other.handle(toWire(revoke))).paid?.amount).to.equal(7000n);
    expect((await hub.balance(s.channelId)).amount).to.equal(7000n);
  });

  it('fails a channel whose funding, reorged out, is double-spent by a confirmed transaction', async () => {
    const store = new MemoryChannelStore();
    const hub = await startHub(node, store, 'reorg conflict');
    const events = fundingEvents(hub);
    const deliver: Deliver = (w) => hub.handle(w);
    const wallet = testKey('hub reorg conflict wallet');
    const [coin] = await walletCoins(node, wallet, 1, CAPACITY + 20_000n);
    const s = await openThroughHub(node, deliver, wallet, coin!, 'reorg conflict', CAPACITY);
    await node.mine(1);
    await payThroughHub(s, 5000n, deliver);
    await hub.poll();

    await node.reorg(1, { drop: [s.fundingTx.getId()] });
    // The sender spends the funding's input back to itself, and it confirms.
    const psbt = new Psbt();
    psbt.addInput({ hash: coin!.txid, index: coin!.vout, witnessUtxo: { script: coin!.script, value: coin!.value } });
    psbt.addOutput({ script: p2wpkhScript(wallet.pub), value: coin!.value - 5_000n });
    expect(signPsbtWithKey(psbt, wallet.priv)).to.equal(1);
    const conflict = extractTransaction(finalizePsbt(psbt));
    await node.broadcast(conflict.toBuffer());
    await node.mine(1);
    await hub.poll();

    expect(events.map((e) => [e.state, e.txid, e.spentBy])).to.deep.equal([['double-spent', s.fundingTx.getId(), conflict.getId()]]);
    expect(await hub.balance(s.channelId)).to.deep.include({ fundingLost: 'double-spent' });
    const e = await refused(hub.handle(toWire(s.sender.pay(1000n))));
    expect([e.code, e.action]).to.deep.equal(['FUNDING_DOUBLE_SPENT', 'close']);
    // Failed stays failed, whatever later polls see.
    await node.mine(1);
    await hub.poll();
    expect(events).to.have.length(1);
  });
});
