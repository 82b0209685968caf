/**
 * What the watcher rows share between the benchmark and its watcher
 * processes: one synthetic block holding the spends of four real channels,
 * synthetic channels nothing spends, and one timed poll of the block.
 */
import { Block, Transaction } from 'bitcoinjs-lib';
import { ChainBackend, ChainTip, Receiver, ReceiverWatcher, SpendInfo } from '../lib';
import { Rng, settleHeap, timeMsAsync } from './measure';
import { VARIANTS, openChannel, payOnce, receiverSecrets, walletScript } from './parties';

export const HEIGHT = 800_001;

/** Serves a chain of blocks from HEIGHT on, up to the tip set; takes broadcasts; answers "nothing" to everything else. */
export class BlocksBackend implements ChainBackend {
  readonly broadcasts: Uint8Array[] = [];
  /** The tip's height: HEIGHT - 1 until the first block is released. */
  tip = HEIGHT - 1;
  private readonly ids: string[];
  constructor(private readonly raws: readonly Uint8Array[]) {
    this.ids = raws.map((r) => Block.fromBuffer(r).getId());
  }
  async getTip(): Promise<ChainTip> {
    return { height: this.tip, medianTimePast: 1_700_000_000, hash: this.tip >= HEIGHT ? this.ids[this.tip - HEIGHT]! : '00'.repeat(32) };
  }
  async broadcast(tx: Uint8Array): Promise<string> {
    this.broadcasts.push(tx);
    return Transaction.fromBuffer(tx).getId();
  }
  async getTransaction(): Promise<undefined> {
    return undefined;
  }
  async getBlock(height: number): Promise<Uint8Array> {
    const raw = height <= this.tip ? this.raws[height - HEIGHT] : undefined;
    if (raw === undefined) throw new Error(`no block ${height}`);
    return raw;
  }
  async getBlockHash(height: number): Promise<string | undefined> {
    return height <= this.tip ? this.ids[height - HEIGHT] : undefined;
  }
  async getSpender(): Promise<SpendInfo | undefined> {
    return undefined;
  }
}

/** A real channel's saved receiver, its funding, and whether the spend in its block is a revoked version (penalised). */
export interface RealChannel {
  readonly saved: unknown;
  readonly txid: string;
  readonly vout: number;
  readonly fundingTxHex: string;
  readonly revoked: boolean;
}

/** Four funded channels with a few payments each (`first` makes their outpoints distinct), and the transaction that spends each one's funding output. */
export function realChannels(first: number): { channels: RealChannel[]; spends: Transaction[] } {
  const channels: RealChannel[] = [];
  const spends: Transaction[] = [];
  for (let k = 0; k < 4; k++) {
    const c = openChannel(VARIANTS[0]!.variant, first + k);
    payOnce(c, 10_000n);
    const revoked = c.sender.latestTransaction();
    payOnce(c, 10_000n);
    payOnce(c, 10_000n);
    const saved = c.receiver.toJSON();
    spends.push([
      () => c.receiver.latestTransaction()!,
      () => c.sender.latestTransaction(),
      () => c.receiver.onCloseOffer(c.sender.proposeClose(1000n)).tx,
      () => revoked,
    ][k]!());
    const f = c.receiver.funding!;
    channels.push({ saved, txid: f.txid, vout: f.vout, fundingTxHex: c.fundingTx.toHex(), revoked: k === 3 });
  }
  return { channels, spends };
}

/** A chain of blocks, one per round, each spending four real channels of its own (`real[r]`). */
export interface BlockRounds {
  readonly raws: Uint8Array[];
  readonly real: RealChannel[][];
}

/** `rounds` linked blocks of `blockTxs` transactions each. */
export function blockRounds(rounds: number, blockTxs: number, rng: Rng): BlockRounds {
  const raws: Uint8Array[] = [];
  const real: RealChannel[][] = [];
  let prevHash = rng.bytes(32);
  for (let r = 0; r < rounds; r++) {
    const { channels, spends } = realChannels(100 + 4 * r);
    const block = syntheticBlock(blockTxs, spends, rng, prevHash);
    prevHash = block.getHash();
    raws.push(block.toBuffer());
    real.push(channels);
  }
  return { raws, real };
}

/** A block of `n` transactions: a coinbase, the given spends at fixed random places, the rest with 1-3 inputs of random prevouts. */
export function syntheticBlock(n: number, spends: readonly Transaction[], rng: Rng, prevHash: Uint8Array): Block {
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
  block.prevHash = prevHash;
  block.timestamp = 1_700_000_600;
  block.bits = 0x207fffff;
  block.nonce = 0;
  block.transactions = txs;
  block.merkleRoot = Block.calculateMerkleRoot(txs);
  return block;
}

/**
 * What a synthetic channel shows the watcher: its funding outpoint and id, as
 * own fields, and the rest shared. Getters on this prototype shadow the
 * Receiver's: a Receiver to the watcher, with nothing behind it.
 */
const SYNTHETIC = Object.create(Receiver.prototype, {
  funding: { get(this: { syntheticFunding: unknown }) { return this.syntheticFunding; } },
  channelId: { get(this: { syntheticId: unknown }) { return this.syntheticId; } },
  variant: { value: VARIANTS[0]!.variant },
  // A channel without HTLC terms: the watcher asks only whether it has them.
  context: { value: { params: {} } },
  phase: { value: 'open' },
  fundingConfirmed: { value: true },
  // No cooperative close held: the watcher adopts a held close as a duty.
  closeTransaction: { value: () => undefined },
}) as Receiver;

/** A synthetic channel: the fields a watcher reads of a channel that nothing spends. */
export function syntheticReceiver(funding: { txid: string; vout: number }, channelId: Uint8Array): Receiver {
  const r = Object.create(SYNTHETIC) as { syntheticFunding: unknown; syntheticId: unknown };
  r.syntheticFunding = funding;
  r.syntheticId = channelId;
  return r as unknown as Receiver;
}

/**
 * One watcher over `synthetic` reading the blocks one round at a time: a
 * first poll at the block before (each channel's funding check, once), then
 * each block, timed in CPU milliseconds once the heap is settled (as in a
 * long-running watcher). Before each block the real channels it spends are
 * watched (those `keep` accepts), and the last block's are dropped. Checks
 * each poll saw every real spend and punished the revoked one.
 */
export async function pollRounds(b: BlockRounds, synthetic: readonly Receiver[], keep: (c: RealChannel) => boolean = () => true): Promise<{ ms: number[]; real: number }> {
  const backend = new BlocksBackend(b.raws);
  // Mempool off: with it on, every poll asks the backend about each unspent channel, which is per channel, not per block.
  const watcher = new ReceiverWatcher({ backend, feeRate: 2000n, destinationScript: walletScript, fromHeight: HEIGHT, checkMempool: false });
  for (const s of synthetic) watcher.watch(s);
  let spends = 0;
  watcher.on('spend', () => { spends++; });
  await watcher.poll();
  const ms: number[] = [];
  let before: RealChannel[] = [];
  let real = 0;
  for (let r = 0; r < b.raws.length; r++) {
    for (const c of before) watcher.unwatch(c);
    before = b.real[r]!.filter(keep);
    real += before.length;
    for (const c of before) watcher.watch(Receiver.restore(c.saved, receiverSecrets), { fundingTx: Uint8Array.from(Buffer.from(c.fundingTxHex, 'hex')) });
    spends = 0;
    const broadcasts = backend.broadcasts.length;
    backend.tip = HEIGHT + r;
    settleHeap();
    ms.push(await timeMsAsync(() => watcher.poll()));
    const penalties = backend.broadcasts.length - broadcasts;
    if (spends !== before.length || penalties !== before.filter((c) => c.revoked).length) throw new Error(`watcher saw ${spends} spends and sent ${penalties} penalties`);
  }
  return { ms, real };
}
