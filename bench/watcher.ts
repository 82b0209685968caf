/**
 * Watcher scale: one block of 3,000 transactions read by a ReceiverWatcher
 * that watches 10^3..10^5 channels. A few of the channels are real (a Receiver
 * restored from its saved state, with their spends in the block: the
 * receiver's version, the sender's latest version, a cooperative close and a
 * revoked version that gets a penalty); the rest are synthetic records with
 * only what the watcher reads of a channel nothing spends: funding outpoint,
 * id and variant. The scan does the same map lookup for either kind.
 */
import { Block, Transaction } from 'bitcoinjs-lib';
import { ChainBackend, ChainTip, Receiver, ReceiverWatcher, SpendInfo, WatcherEvent, outpointKey, spendsIn, toHex, txidToHash } from '../lib';
import { Rng, collectAll, median, settleHeap, timeMs, timeMsAsync } from './measure';
import { VARIANTS, openChannel, payOnce, receiverSecrets, walletScript } from './parties';
import { Row } from './report';

export interface WatcherOptions {
  readonly channels: readonly number[];
  readonly blockTxs: number;
  readonly rounds: number;
}

const HEIGHT = 800_001;
const TARGET_MS = 50;

/** Serves one block and takes broadcasts; answers "nothing" to everything else. */
class OneBlockBackend implements ChainBackend {
  readonly broadcasts: Uint8Array[] = [];
  /** Until set, the tip is the block before: a first poll does what a watcher does once per channel (its funding check). */
  released = false;
  constructor(private readonly raw: Uint8Array) {}
  async getTip(): Promise<ChainTip> {
    return { height: this.released ? HEIGHT : HEIGHT - 1, medianTimePast: 1_700_000_000, hash: '00'.repeat(32) };
  }
  async broadcast(tx: Uint8Array): Promise<string> {
    this.broadcasts.push(tx);
    return Transaction.fromBuffer(tx).getId();
  }
  async getTransaction(): Promise<undefined> {
    return undefined;
  }
  async getBlock(height: number): Promise<Uint8Array> {
    if (height !== HEIGHT) throw new Error(`no block ${height}`);
    return this.raw;
  }
  async getBlockHash(height: number): Promise<string | undefined> {
    return height === HEIGHT ? Block.fromBuffer(this.raw).getId() : undefined;
  }
  async getSpender(): Promise<SpendInfo | undefined> {
    return undefined;
  }
}

interface RealChannel {
  readonly saved: unknown;
  readonly spend: Transaction;
}

/** Four funded channels with a few payments each, and the transaction that spends each one's funding output. */
function realChannels(): RealChannel[] {
  const out: RealChannel[] = [];
  for (let k = 0; k < 4; k++) {
    const c = openChannel(VARIANTS[0]!.variant, 100 + k);
    payOnce(c, 10_000n);
    const revoked = c.sender.latestTransaction();
    payOnce(c, 10_000n);
    payOnce(c, 10_000n);
    const saved = c.receiver.toJSON();
    const spend = [
      () => c.receiver.latestTransaction()!,
      () => c.sender.latestTransaction(),
      () => c.receiver.onCloseOffer(c.sender.proposeClose(1000n)).tx,
      () => revoked,
    ][k]!();
    out.push({ saved, spend });
  }
  return out;
}

/** A block of `n` transactions: a coinbase, the given spends at fixed random places, the rest with 1-3 inputs of random prevouts. */
export function syntheticBlock(n: number, spends: readonly Transaction[], rng: Rng): Block {
  const txs: Transaction[] = [];
  const coinbase = new Transaction();
  coinbase.version = 2;
  coinbase.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, Uint8Array.from([3, 0x41, 0x35, 0x0c]));
  coinbase.addOutput(walletScript, 312_500_000n);
  txs.push(coinbase);
  const places = new Map<number, Transaction>();
  for (const s of spends) {
    let at: number;
    do at = rng.int(1, n - 1); while (places.has(at));
    places.set(at, s);
  }
  for (let i = 1; i < n; i++) {
    const hit = places.get(i);
    if (hit) {
      txs.push(hit);
      continue;
    }
    const tx = new Transaction();
    tx.version = 2;
    const ins = rng.int(1, 3);
    for (let j = 0; j < ins; j++) {
      tx.addInput(rng.bytes(32), rng.int(0, 3), 0xfffffffd);
      tx.setWitness(j, [rng.bytes(71 + rng.int(0, 1)), Uint8Array.from([2, ...rng.bytes(32)])]);
    }
    const outs = rng.int(1, 3);
    for (let j = 0; j < outs; j++) tx.addOutput(Uint8Array.from([0, 20, ...rng.bytes(20)]), BigInt(rng.int(1000, 10_000_000)));
    txs.push(tx);
  }
  const block = new Block();
  block.version = 0x20000000;
  block.prevHash = rng.bytes(32);
  block.timestamp = 1_700_000_600;
  block.bits = 0x207fffff;
  block.nonce = 0;
  block.transactions = txs;
  block.merkleRoot = Block.calculateMerkleRoot(txs);
  return block;
}

/** Synthetic channels: the fields a watcher reads of a channel that nothing spends. */
function syntheticChannels(n: number, rng: Rng): Receiver[] {
  const out: Receiver[] = [];
  for (let i = 0; i < n; i++) {
    // Own properties shadow the Receiver's getters: a Receiver to the watcher, with nothing behind it.
    const fields = { funding: { txid: toHex(rng.bytes(32)), vout: rng.int(0, 1) }, channelId: rng.bytes(32), variant: VARIANTS[0]!.variant, phase: 'open', fundingConfirmed: true, closeTransaction: () => undefined };
    out.push(Object.create(Receiver.prototype, Object.fromEntries(Object.entries(fields).map(([k, value]) => [k, { value }]))) as Receiver);
  }
  return out;
}

export async function runWatcher(o: WatcherOptions): Promise<Row[]> {
  collectAll();
  const rng = new Rng(0x5eed);
  const real = realChannels();
  const block = syntheticBlock(o.blockTxs, real.map((r) => r.spend), rng);
  const raw = block.toBuffer();
  const inputs = block.transactions!.reduce((s, t) => s + t.ins.length, 0);
  const destination = walletScript;
  const rows: Row[] = [];
  const parseMs: number[] = [];
  const maxN = Math.max(...o.channels);
  const allSynthetic = syntheticChannels(maxN - real.length, rng);

  // One untimed pass at the smallest size first: the first poll also compiles the watcher's code.
  for (const [pass, n] of [[0, Math.min(...o.channels)] as const, ...o.channels.map((n) => [1, n] as const)]) {
    const synthetic = allSynthetic.slice(0, n - real.length);
    const scanMs: number[] = [];
    const pollMs: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const receivers = real.map((c) => Receiver.restore(c.saved, receiverSecrets));
      const backend = new OneBlockBackend(raw);
      // Mempool off: with it on, every poll asks the backend about each unspent channel, which is per channel, not per block.
      const watcher = new ReceiverWatcher({ backend, feeRate: 2000n, destinationScript: destination, fromHeight: HEIGHT, checkMempool: false });
      for (const s of synthetic) watcher.watch(s);
      for (const rc of receivers) watcher.watch(rc);
      const events: WatcherEvent[] = [];
      watcher.on('event', (e: WatcherEvent) => events.push(e));
      await watcher.poll();
      backend.released = true;
      settleHeap();
      pollMs.push(await timeMsAsync(() => watcher.poll()));
      const spends = events.filter((e) => e.kind === 'spend').length;
      if (spends !== real.length || backend.broadcasts.length !== 1) throw new Error(`watcher saw ${spends} spends and sent ${backend.broadcasts.length} penalties`);

      // The scan alone: the same function over a map of the same size and keys, on the block already parsed.
      const map = new Map<string, Receiver>();
      for (const rc of [...synthetic, ...receivers]) map.set(outpointKey(txidToHash(rc.funding!.txid), rc.funding!.vout), rc);
      let hits = 0;
      settleHeap();
      scanMs.push(timeMs(() => { for (const _ of spendsIn(block.transactions!, map)) hits++; }));
      if (hits !== real.length) throw new Error(`scan found ${hits} spends`);
      settleHeap();
      const parse = timeMs(() => Block.fromBuffer(raw));
      if (pass === 1) parseMs.push(parse);
    }
    if (pass === 0) continue;
    const label = Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : n.toLocaleString('en-US');
    const scan = median(scanMs);
    const poll = median(pollMs);
    rows.push({
      section: 'watcher', name: `${label} channels: scan of one block`, value: scan, unit: 'ms', ratio: (scan * 1000) / inputs, ratioOf: 'us per input',
      note: `${inputs.toLocaleString('en-US')} inputs, ${n.toLocaleString('en-US')} outpoints watched`,
      detail: `spendsIn, the watcher's scan, over the parsed block (${o.blockTxs.toLocaleString('en-US')} transactions, 1-3 inputs of random prevouts each) and a map of ${n.toLocaleString('en-US')} funding outpoints keyed as the watcher keys them; median of ${o.rounds}`,
    });
    rows.push({
      section: 'watcher', name: `${label} channels: whole poll of that block`, value: poll, unit: 'ms',
      target: `< ${TARGET_MS} ms`, pass: poll < TARGET_MS,
      note: `${real.length} real channels spent (1 penalty), rest synthetic`,
      detail: `ReceiverWatcher.poll() reading that block from an in-memory backend: Block.fromBuffer, the scan, ${real.length} spends classified (receiver version, latest sender version, cooperative close, a revoked version whose penalty is built, signed and broadcast), and the per-channel cutoff/penalty checks. ${real.length} channels are Receivers restored from saved state; ${(n - real.length).toLocaleString('en-US')} are synthetic records holding what the watcher reads of a channel nothing spends (funding outpoint, id, variant). Mempool checks off (they ask the backend once per unspent channel). The heap is settled (two young-generation collections) after registering, as it would be in a long-running watcher; median of ${o.rounds}`,
    });
  }
  rows.push({
    section: 'watcher', name: 'block parse alone (Block.fromBuffer)', value: median(parseMs), unit: 'ms',
    note: `${(raw.length / 1e6).toFixed(2)} MB; part of each poll`,
  });
  return rows;
}
