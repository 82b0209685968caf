/**
 * Watcher scale: one block of 3,000 transactions read by a ReceiverWatcher
 * that watches 10^3..10^6 channels. A few of the channels are real (a Receiver
 * restored from its saved state, with their spends in the block: the
 * receiver's version, the sender's latest version, a cooperative close and a
 * revoked version that gets a penalty); the rest are synthetic records with
 * only what the watcher reads of a channel nothing spends: funding outpoint,
 * id and variant. The scan does the same map lookup for either kind. Then the
 * largest set split over several processes by WatchLeases (bench/watch-split.ts).
 */
import { Block } from 'bitcoinjs-lib';
import { Receiver, outpointKey, spendsIn, toHex, txidToHash } from '../lib';
import type { PostgresServer } from '../test/kit/postgres-server';
import { Rng, collectAll, median, settleHeap, timeMs } from './measure';
import { Row } from './report';
import { blockRounds, pollRounds, syntheticReceiver } from './watch-block';
import { runWatchSplit } from './watch-split';

export interface WatcherOptions {
  readonly channels: readonly number[];
  readonly blockTxs: number;
  readonly rounds: number;
  /** Processes the largest set is split over by WatchLeases; 0: no split rows. */
  readonly processes: number;
}

export const WATCHER_TARGET_MS = 50;

export const sizeLabel = (n: number): string => (Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : n.toLocaleString('en-US'));

export async function runWatcher(o: WatcherOptions, server?: PostgresServer, progress: (what: string) => void = () => {}): Promise<Row[]> {
  collectAll();
  const rng = new Rng(0x5eed);
  const rounds = blockRounds(o.rounds, o.blockTxs, rng);
  const blocks = rounds.raws.map((raw) => Block.fromBuffer(raw));
  const inputs = blocks[0]!.transactions!.reduce((s, t) => s + t.ins.length, 0);
  const realPerBlock = rounds.real[0]!.length;
  const rows: Row[] = [];
  const parseMs: number[] = [];
  const maxN = Math.max(...o.channels);
  const allSynthetic: Receiver[] = [];
  for (let i = 0; i < maxN - realPerBlock; i++) allSynthetic.push(syntheticReceiver({ txid: toHex(rng.bytes(32)), vout: rng.int(0, 1) }, rng.bytes(32)));
  const polls = new Map<number, number>();
  const blockDetail = `${o.rounds} linked blocks of ${o.blockTxs.toLocaleString('en-US')} transactions (1-3 inputs of random prevouts each), each spending ${realPerBlock} real channels`;

  // One untimed pass at the smallest size first: the first poll also compiles the watcher's code.
  for (const [pass, n] of [[0, Math.min(...o.channels)] as const, ...o.channels.map((n) => [1, n] as const)]) {
    if (pass === 1) progress(`watcher: ${sizeLabel(n)} channels`);
    const synthetic = allSynthetic.slice(0, n - realPerBlock);
    const pollMs = (await pollRounds(rounds, synthetic)).ms;
    // The scan alone: the same function over a map of the same size and keys, on each block already parsed.
    const scanMs: number[] = [];
    const map = new Map<string, Receiver>();
    for (const rc of synthetic) map.set(outpointKey(txidToHash(rc.funding!.txid), rc.funding!.vout), rc);
    for (const [r, block] of blocks.entries()) {
      const real = rounds.real[r]!.map((c) => [outpointKey(txidToHash(c.txid), c.vout), c] as const);
      for (const [k] of real) map.set(k, synthetic[0]!);
      let hits = 0;
      settleHeap();
      scanMs.push(timeMs(() => { for (const _ of spendsIn(block.transactions!, map)) hits++; }));
      if (hits !== real.length) throw new Error(`scan found ${hits} spends`);
      for (const [k] of real) map.delete(k);
      settleHeap();
      const parse = timeMs(() => Block.fromBuffer(rounds.raws[r]!));
      if (pass === 1) parseMs.push(parse);
    }
    if (pass === 0) continue;
    const scan = median(scanMs);
    const poll = median(pollMs);
    polls.set(n, poll);
    rows.push({
      section: 'watcher', name: `${sizeLabel(n)} channels: scan of one block`, value: scan, unit: 'ms', ratio: (scan * 1000) / inputs, ratioOf: 'us per input',
      note: `${inputs.toLocaleString('en-US')} inputs, ${n.toLocaleString('en-US')} outpoints watched`,
      detail: `spendsIn, the watcher's scan, over each parsed block (${blockDetail}) and a map of ${n.toLocaleString('en-US')} funding outpoints keyed as the watcher keys them; median over the blocks`,
    });
    rows.push({
      section: 'watcher', name: `${sizeLabel(n)} channels: whole poll of a block`, value: poll, unit: 'ms',
      ...(n === o.channels[0] ? {} : { ratio: poll / polls.get(o.channels[0]!)!, ratioOf: `of ${sizeLabel(o.channels[0]!)}` }),
      target: `< ${WATCHER_TARGET_MS} ms`, pass: poll < WATCHER_TARGET_MS,
      note: `${realPerBlock} real channels spent per block (1 penalty), rest synthetic`,
      detail: `ReceiverWatcher.poll() reading the next block from an in-memory backend, ${blockDetail}: Block.fromBuffer, the scan, ${realPerBlock} spends classified (receiver version, latest sender version, cooperative close, a revoked version whose penalty is built, signed and broadcast), and the per-channel cutoff/penalty checks. One watcher reads the blocks in turn; before each, the ${realPerBlock} channels it spends are watched (Receivers restored from saved state) and the last block's dropped; ${(n - realPerBlock).toLocaleString('en-US')} are synthetic records holding what the watcher reads of a channel nothing spends (funding outpoint, id, variant). Mempool checks off (they ask the backend once per unspent channel). The heap is settled (two young-generation collections) before each block, as it would be in a long-running watcher; CPU time, median over the blocks`,
    });
  }
  rows.push({
    section: 'watcher', name: 'block parse alone (Block.fromBuffer)', value: median(parseMs), unit: 'ms',
    note: `${(rounds.raws[0]!.length / 1e6).toFixed(2)} MB; part of each poll`,
  });
  if (o.processes > 0) {
    if (server === undefined) throw new Error('the split rows need a PostgreSQL server');
    const real = rounds.real.flat();
    const outpoints = [...allSynthetic.slice(0, maxN - realPerBlock).map((s) => s.funding!), ...real.map((c) => ({ txid: c.txid, vout: c.vout }))];
    allSynthetic.length = 0;
    collectAll();
    rows.push(...(await runWatchSplit({ processes: o.processes, rounds, channels: maxN, outpoints, wholePollMs: polls.get(maxN)! }, server, progress)));
  }
  return rows;
}
