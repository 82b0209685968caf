/**
 * The hub's memory per open channel, measured in a process of its own so
 * nothing else the benchmark holds (other hubs, PGlite, pools) moves the
 * heap: `node hub-memory-worker.js <file>` reads the channels' records and
 * the senders' states from the file, and prints one JSON line with the
 * bytes per channel of a hub that took one payment on each, and of a
 * restored Receiver alone.
 */
import * as fs from 'node:fs';
import { MemoryChannelStore, Receiver } from '../lib';
import type { ReceiverHub } from '../lib/node';
import { ConfirmedFundings, payThroughHub, receiverOfRecord, restoreSenders, startHub } from './hub-parties';
import { collectAll } from './measure';

export interface MemoryInput {
  readonly records: [string, unknown][];
  readonly senders: unknown[];
}

export interface MemoryOutput {
  readonly channels: number;
  readonly perChannel: number;
  readonly perReceiver: number;
  readonly loaded: number;
  readonly watching: number;
}

/** Heap used plus external memory (buffers outside the heap) after a full collection. */
function heapBytes(): number {
  collectAll();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function seeded(records: readonly [string, unknown][]): Promise<MemoryChannelStore> {
  const store = new MemoryChannelStore();
  for (const [k, v] of records) await store.saveVersioned(k, v, 0);
  return store;
}

async function main(): Promise<void> {
  const input = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as MemoryInput;
  const backend = new ConfirmedFundings();
  // Compile the payment path first, on a copy of a few channels, so the code it makes is not counted per channel.
  const few = input.senders.slice(0, 20);
  const warmHub = await startHub(await seeded(input.records), backend);
  const warmSenders = restoreSenders(few);
  for (let i = 0; i < 5; i++) await Promise.all(warmSenders.map((s) => payThroughHub(warmHub, s, 100n)));

  // What the hub holds is what dropping it frees: the senders and the store, which change a little with the payment, stay out of it.
  const store = await seeded(input.records);
  const senders = restoreSenders(input.senders);
  let hub: ReceiverHub | undefined = await startHub(store, backend);
  await Promise.all(senders.map((s) => payThroughHub(hub!, s, 100n)));
  const { loaded, watching } = hub;
  const withHub = heapBytes();
  hub = undefined;
  const perChannel = (withHub - heapBytes()) / senders.length;

  const stored = input.records.filter(([k]) => k.startsWith('rt-')).map(([, v]) => v);
  let receivers: Receiver[] | undefined = stored.map(receiverOfRecord);
  const count = receivers.length;
  const withReceivers = heapBytes();
  receivers = undefined;
  const perReceiver = (withReceivers - heapBytes()) / count;
  const out: MemoryOutput = { channels: senders.length, perChannel, perReceiver, loaded, watching };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
