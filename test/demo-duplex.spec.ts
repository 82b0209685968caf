/**
 * The demo's duplex channels (demo/channel-duplex.ts) on the embedded regtest
 * node, as `npm run demo -- --json` runs them: every transaction the ledger
 * records is checked by the node, and the JSON lists the construction's own
 * kinds: the setup, the kickoff, the tree node, the leaf, the simplex
 * payments and refund, and the close.
 */
import { expect } from 'chai';
import { ReceiverWatcher, WatcherEvent } from '../lib';
import { runDuplexCooperative, runDuplexUnilateral } from '../demo/channel-duplex';
import { Ledger } from '../demo/ledger';
import { renderJson } from '../demo/report';
import { DemoContext } from '../demo/scenario';
import { receiverWallet } from '../demo/keys';
import { RegtestNode } from './kit/regtest-node';

describe('demo: the duplex channels', function () {
  this.timeout(180_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  it('dual-funded setups, payments both ways, resets, a unilateral close through the watchers (stale sibling refused) and a cooperative close; the JSON names each kind', async () => {
    const startHeight = (await node.getTip()).height;
    const lines: string[] = [];
    const events: WatcherEvent[] = [];
    const watcher = new ReceiverWatcher({ backend: node, feeRate: 2000n, destinationScript: receiverWallet.script, fromHeight: startHeight });
    const ctx: DemoContext = { node, ledger: new Ledger(node), watcher, events, say: (l) => lines.push(l), progress: false, refusals: [] };
    const channels = [await runDuplexUnilateral(ctx), await runDuplexCooperative(ctx)];
    const json = JSON.parse(renderJson({ startHeight, endHeight: (await node.getTip()).height, seconds: 1, transactions: ctx.ledger.records, channels, events, refusals: ctx.refusals })) as {
      transactions: { kind: string; channel: string; blockHeight: number | null }[];
      channels: { name: string; settled: { by: string } }[];
    };
    const kinds = (ch: string) => json.transactions.filter((t) => t.channel === ch).map((t) => t.kind);
    // b paid nothing since the last reset: a's channel closes by b's latest payment from a, b's by its refund after Dc.
    expect(kinds('XU')).to.deep.equal(['duplex-setup', 'duplex-kickoff', 'duplex-node', 'duplex-leaf', 'duplex-simplex-payment', 'duplex-simplex-refund']);
    expect(kinds('XC')).to.deep.equal(['duplex-setup', 'duplex-close']);
    expect(json.transactions.every((t) => t.blockHeight !== null)).to.equal(true);
    expect(json.channels.map((c) => c.name)).to.deep.equal(['XU', 'XC']);
    expect(lines.some((l) => /stale level-0 node .*non-BIP68-final/.test(l))).to.equal(true);
    expect(ctx.refusals.map((x) => `${x.channel} ${x.kind} ${x.reason}`)).to.deep.equal(['XU duplex-node non-BIP68-final', 'XU duplex-node bad-txns-inputs-missingorspent']);
  });
});
