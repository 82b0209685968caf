/**
 * `npm run demo [-- --json]`: two revchan channels on an embedded bcoin
 * regtest node. Channel A (CSV) streams 1,000 payments and then its sender
 * cheats with a revoked state, which the receiver's watcher punishes; channel
 * B (CLTV) takes 50 payments and closes cooperatively. Two Spillman channels
 * follow: Form S, closed by the receiver's watcher at L - margin with its
 * latest payment, and Form C, refunded at L by the sender's watcher when the
 * receiver vanished. Three decreasing-lock channels follow: the locktime
 * form and the kickoff form, each closed alone by its newest state at its
 * lock while the stale one is refused, and a cooperative close. Two duplex
 * channels end it: XU, dual-funded through the opt-in, paid both ways and
 * reset, closed alone through the level publisher (a stale sibling
 * refused), and XC, closed together. A two-hop payment A -> B -> C over
 * two channels with HTLC terms, B forwarding, ends the run. Every transaction is checked with the
 * node: accepted, then confirmed. Any failure exits non-zero.
 */
import { RegtestNode } from '../test/kit/regtest-node';
import { ReceiverWatcher, WatcherEvent } from '../lib';
import { runChannelA } from './channel-a';
import { runChannelB } from './channel-b';
import { runDecreasingClose, runDecreasingKickoff, runDecreasingLocktime } from './channel-decreasing';
import { runSpillmanC, runSpillmanS } from './channel-spillman';
import { runDuplexCooperative, runDuplexUnilateral } from './channel-duplex';
import { runTwoHop } from './channel-two-hop';
import { receiverWallet } from './keys';
import { Ledger } from './ledger';
import { DemoResult, renderJson, renderText } from './report';
import { DemoContext } from './scenario';

const PENALTY_FEE_RATE = 2000n;

function describe(e: WatcherEvent): string | undefined {
  switch (e.kind) {
    case 'spend': return `  watcher: funding spent by ${e.txid}: ${e.classification}${e.index !== undefined ? ` (state ${e.index})` : ''}`;
    case 'penalty-broadcast': return `  watcher: penalty ${e.txid} broadcast at ${e.feeRate} sat/kw${e.replaces ? `, replacing ${e.replaces}` : ''}`;
    case 'penalty-confirmed': return `  watcher: penalty ${e.txid} confirmed at height ${e.height}`;
    case 'cutoff': return `  watcher: payment cutoff reached${e.txid ? `, closed with ${e.txid}` : ''}`;
    case 'error': return `  watcher: error ${e.code}: ${e.message}`;
    default: return undefined;
  }
}

async function run(json: boolean): Promise<DemoResult> {
  const started = performance.now();
  const say = json ? () => undefined : (line: string) => process.stdout.write(`${line}\n`);
  const node = await RegtestNode.start();
  try {
    const startHeight = (await node.getTip()).height;
    say(`revchan demo on an embedded bcoin regtest node, tip at height ${startHeight}`);
    const events: WatcherEvent[] = [];
    const watcher = new ReceiverWatcher({
      backend: node, feeRate: PENALTY_FEE_RATE, destinationScript: receiverWallet.script, fromHeight: startHeight,
    });
    watcher.on('event', (e: WatcherEvent) => {
      if (e.kind === 'block') return;
      events.push(e);
      const line = describe(e);
      if (line) say(line);
    });
    const ctx: DemoContext = { node, ledger: new Ledger(node), watcher, events, say, progress: !json, refusals: [] };
    const channels = [await runChannelA(ctx)];
    say('');
    channels.push(await runChannelB(ctx));
    say('');
    channels.push(await runSpillmanS(ctx));
    say('');
    channels.push(await runSpillmanC(ctx));
    say('');
    channels.push(await runDecreasingLocktime(ctx));
    say('');
    channels.push(await runDecreasingKickoff(ctx));
    say('');
    channels.push(await runDecreasingClose(ctx));
    say('');
    channels.push(await runDuplexUnilateral(ctx));
    say('');
    channels.push(await runDuplexCooperative(ctx));
    say('');
    const twoHop = await runTwoHop(ctx);
    say('');
    const endHeight = (await node.getTip()).height;
    return { startHeight, endHeight, seconds: (performance.now() - started) / 1000, transactions: ctx.ledger.records, channels, events, refusals: ctx.refusals, twoHop };
  } finally {
    await node.stop();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`usage: npm run demo [-- --json]   (unknown argument ${unknown[0]})\n`);
    process.exitCode = 2;
    return;
  }
  const json = args.includes('--json');
  try {
    const result = await run(json);
    process.stdout.write(`${json ? renderJson(result) : renderText(result)}\n`);
  } catch (e) {
    const err = e as Error & { details?: unknown };
    process.stderr.write(`\ndemo failed: ${err.message}\n`);
    if (err.details !== undefined) process.stderr.write(`details: ${JSON.stringify(err.details)}\n`);
    process.exitCode = 1;
  }
}

void main();
