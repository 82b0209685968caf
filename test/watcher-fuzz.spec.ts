/**
 * The watchers against a backend that serves whatever fast-check makes: a
 * chain of linked blocks holding the channels' real transactions, mutations
 * of them and junk spending the watched outputs, reorganised at random; a
 * mempool of the same; and answers that do not parse, name the wrong
 * transaction, or fail. Whatever it serves, poll() never throws, every
 * failure it reports carries a ChannelError code, and the parties stay
 * savable and restorable.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Block, Transaction } from 'bitcoinjs-lib';
import {
  ChainBackend, ChainTip, ChannelError, ErrorCode, Receiver, ReceiverWatcher, Sender, SenderWatcher, SpendInfo, WatcherEvent,
  SenderWatcherEvent,
} from '../lib';
import { destination, openChannel, pay, receiverSecrets, senderSecrets } from './support/parties';

const RUNS = Number(process.env.REVCHAN_FUZZ_WATCHER_RUNS ?? 150);
const SEED = Number(process.env.REVCHAN_FUZZ_SEED ?? 20261202);
const BASE_HEIGHT = 600;

/** Every code lib/core/errors.ts defines: a reported failure must carry one of them. */
const CODES: readonly ErrorCode[] = [
  'INVALID_ARGUMENT', 'INVALID_KEY', 'INVALID_AMOUNT', 'INVALID_TIMELOCK', 'INVALID_FEE_RATE', 'INVALID_SCRIPT', 'INVALID_SIGNATURE',
  'INVALID_TRANSACTION', 'NON_SEGWIT_INPUT', 'FEE_EXCEEDS_OUTPUT', 'INSUFFICIENT_FUNDS', 'SCRIPT_TOO_LONG', 'TEMPLATE_ARGUMENT',
  'NOTHING_TO_CLAIM', 'NOT_A_CHANNEL_TX', 'PSBT_MISMATCH', 'PSBT_INVALID', 'PSBT_INCOMPLETE', 'SECRET_INDEX_OUT_OF_RANGE',
  'REVOKED_SECRET_MISMATCH', 'SECRET_STORE_INCONSISTENT', 'MESSAGE_INVALID', 'MESSAGE_UNKNOWN_TYPE', 'MESSAGE_UNSUPPORTED_VERSION',
  'WRONG_CHANNEL', 'UNEXPECTED_MESSAGE', 'UPDATE_INDEX_MISMATCH', 'UPDATE_NOT_MONOTONIC', 'AMOUNT_EXCEEDS_CAPACITY', 'UPDATE_KEY_REUSED',
  'CHANNEL_CLOSED', 'CHANNEL_EXPIRED', 'PAYMENT_PENDING', 'FUNDING_NOT_CONFIRMED', 'FUNDING_MISMATCH', 'CHANNEL_ALREADY_WATCHED',
  'FEE_RATE_REFUSED', 'STATE_INVALID', 'BROADCAST_REJECTED', 'CHAIN_BACKEND', 'NOT_FOUND',
];

interface Channel {
  readonly sender: Sender;
  readonly receiver: Receiver;
  /** Spends of the funding output: every sender's version (revoked ones too), the receiver's, a close. */
  readonly spends: Transaction[];
}

function channels(): Channel[] {
  return [{ kind: 'csv' as const, delay: { blocks: 144 } }, { kind: 'cltv' as const, expiry: { height: BASE_HEIGHT + 40 } }].map((variant, k) => {
    const c = openChannel(variant, 1_000_000n + BigInt(k) * 7n);
    const spends = [c.sender.latestTransaction()];
    for (let i = 0; i < 3; i++) {
      pay(c, 10_000n);
      spends.push(c.sender.latestTransaction());
    }
    spends.push(c.receiver.latestTransaction()!);
    const claim = c.receiver.penaltyTx(spends[1]!.toBuffer(), destination, 2000n);
    spends.push(claim);
    return { sender: c.sender, receiver: c.receiver, spends };
  });
}

/** What one served transaction is: a real one, a mutation of it, or junk spending one of its outputs or the funding. */
type TxPick = { pool: number; mutate?: { at: number; xor: number }; junkFrom?: number };

const txPick = fc.record({
  pool: fc.nat(),
  mutate: fc.option(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { nil: undefined }),
  junkFrom: fc.option(fc.nat(), { nil: undefined }),
}, { requiredKeys: ['pool'] });

type Fault = 'none' | 'throw' | 'junk' | 'wrong' | 'undefined';
const fault = fc.constantFrom<Fault>('none', 'none', 'none', 'throw', 'junk', 'wrong', 'undefined');

type Step =
  | { kind: 'block'; txs: TxPick[] }
  | { kind: 'reorg'; depth: number; txs: TxPick[] }
  | { kind: 'mempool'; txs: TxPick[] }
  | { kind: 'faults'; tip: Fault; block: Fault; hash: Fault; tx: Fault; spender: Fault; mempool: Fault; broadcast: Fault }
  | { kind: 'poll' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('block' as const), txs: fc.array(txPick, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 3 }), txs: fc.array(txPick, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('mempool' as const), txs: fc.array(txPick, { maxLength: 4 }) }),
  fc.record({
    kind: fc.constant('faults' as const), tip: fault, block: fault, hash: fault, tx: fault, spender: fault, mempool: fault, broadcast: fault,
  }),
  fc.constant({ kind: 'poll' as const }),
  fc.constant({ kind: 'poll' as const }),
);

function junkSpending(hash: Uint8Array, vout: number, tag: number): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = (tag * 2654435761) >>> 0;
  tx.addInput(hash, vout, (tag * 40503) >>> 0);
  tx.setWitness(0, [Uint8Array.from([tag & 0xff])]);
  tx.addOutput(destination, BigInt(tag % 100_000));
  return tx;
}

/** A chain served from memory, its blocks linked by hash, with the faults of the last 'faults' step. */
class FuzzChain implements ChainBackend {
  blocks: Block[] = [];
  mempool: Transaction[] = [];
  faults: Omit<Extract<Step, { kind: 'faults' }>, 'kind'> = { tip: 'none', block: 'none', hash: 'none', tx: 'none', spender: 'none', mempool: 'none', broadcast: 'none' };

  constructor() {
    for (let h = 0; h <= BASE_HEIGHT; h++) {
      if (h < BASE_HEIGHT - 2) this.blocks.push(undefined as unknown as Block); // never read below the watchers' start
      else this.blocks.push(this.make([]));
    }
  }

  make(txs: Transaction[]): Block {
    const parent = this.blocks[this.blocks.length - 1];
    const coinbase = new Transaction();
    coinbase.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, Uint8Array.from([4, this.blocks.length & 0xff, this.blocks.length >> 8, 7, 7]));
    coinbase.addOutput(Uint8Array.from([0x51]), 0n);
    const b = new Block();
    b.version = 0x20000000;
    b.prevHash = parent ? parent.getHash() : new Uint8Array(32);
    b.timestamp = 1_700_000_000 + this.blocks.length * 600;
    b.bits = 0x207fffff;
    b.nonce = Math.floor(Math.random() * 0xffffffff) >>> 0;
    b.transactions = [coinbase, ...txs];
    b.merkleRoot = Block.calculateMerkleRoot(b.transactions);
    return b;
  }

  private apply(f: Fault): void {
    if (f === 'throw') throw new ChannelError('CHAIN_BACKEND', 'fuzzed failure');
  }

  async getTip(): Promise<ChainTip> {
    this.apply(this.faults.tip);
    const h = this.blocks.length - 1;
    return { height: h, medianTimePast: 1_700_000_000 + (h - 6) * 600, hash: this.blocks[h]!.getId() };
  }
  async getBlock(height: number): Promise<Uint8Array> {
    this.apply(this.faults.block);
    const b = this.blocks[height];
    if (!b) throw new ChannelError('NOT_FOUND', `no block ${height}`);
    if (this.faults.block === 'junk') return Uint8Array.from([1, 2, 3]);
    if (this.faults.block === 'wrong') return this.blocks[Math.max(BASE_HEIGHT - 2, height - 1)]!.toBuffer();
    return b.toBuffer();
  }
  async getBlockHash(height: number): Promise<string | undefined> {
    this.apply(this.faults.hash);
    if (this.faults.hash === 'undefined' || this.faults.hash === 'junk') return undefined;
    if (this.faults.hash === 'wrong') return '00'.repeat(32);
    return this.blocks[height]?.getId();
  }
  async getTransaction(txid: string): Promise<{ tx: Uint8Array; blockHeight?: number } | undefined> {
    this.apply(this.faults.tx);
    if (this.faults.tx === 'undefined') return undefined;
    if (this.faults.tx === 'junk') return { tx: Uint8Array.from([9, 9]) };
    const pool = [...this.mempool, ...this.blocks.flatMap((b) => b?.transactions?.slice(1) ?? [])];
    const tx = this.faults.tx === 'wrong' ? pool[0] : pool.find((t) => t.getId() === txid);
    if (!tx) return undefined;
    const height = this.blocks.findIndex((b) => b?.transactions?.some((t) => t.getId() === tx.getId()));
    return { tx: tx.toBuffer(), ...(height >= 0 ? { blockHeight: height } : {}) };
  }
  async getSpender(o: { txid: string; vout: number }): Promise<SpendInfo | undefined> {
    this.apply(this.faults.spender);
    if (this.faults.spender === 'undefined') return undefined;
    if (this.faults.spender === 'junk') return { txid: '11'.repeat(32), tx: Uint8Array.from([1]), inputIndex: 0 };
    const hashHex = Buffer.from(o.txid, 'hex').reverse().toString('hex');
    const find = (t: Transaction) => t.ins.findIndex((i) => i.index === o.vout && Buffer.from(i.hash).toString('hex') === hashHex);
    for (const t of this.mempool) {
      const i = find(t);
      if (i >= 0 || this.faults.spender === 'wrong') return { txid: t.getId(), tx: t.toBuffer(), inputIndex: Math.max(i, 0) };
    }
    for (let h = BASE_HEIGHT - 2; h < this.blocks.length; h++) {
      for (const t of this.blocks[h]!.transactions!.slice(1)) {
        const i = find(t);
        if (i >= 0) return { txid: t.getId(), tx: t.toBuffer(), inputIndex: i, blockHeight: h };
      }
    }
    return undefined;
  }
  async getMempoolTxids(): Promise<string[]> {
    this.apply(this.faults.mempool);
    if (this.faults.mempool === 'junk') return ['not a txid'] as string[];
    return this.mempool.map((t) => t.getId());
  }
  async broadcast(raw: Uint8Array): Promise<string> {
    this.apply(this.faults.broadcast);
    if (this.faults.broadcast === 'junk') throw new ChannelError('BROADCAST_REJECTED', 'fuzzed refusal', { reason: 'mempool min fee not met' });
    const tx = Transaction.fromBuffer(raw);
    if (!this.mempool.some((t) => t.getId() === tx.getId())) this.mempool.push(tx);
    return tx.getId();
  }
}

describe('watchers against a fuzzed chain backend', function () {
  this.timeout(300_000);

  it(`poll() never throws and reports only typed failures (${RUNS} runs, seed ${SEED})`, async () => {
    const base = channels();
    const saved = base.map((c) => ({ s: c.sender.toJSON(), r: c.receiver.toJSON(), spends: c.spends.map((t) => t.toBuffer()) }));
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
      const chain = new FuzzChain();
      const cs = saved.map((x) => ({
        sender: Sender.restore(x.s, senderSecrets), receiver: Receiver.restore(x.r, receiverSecrets), spends: x.spends.map((b) => Transaction.fromBuffer(b)),
      }));
      const pool = cs.flatMap((c) => c.spends);
      const pick = (p: TxPick): Transaction | undefined => {
        const real = pool[p.pool % pool.length]!;
        if (p.junkFrom !== undefined) {
          const from = pool[p.junkFrom % pool.length]!;
          return junkSpending(p.junkFrom % 3 === 0 ? from.ins[0]!.hash : from.getHash(), p.junkFrom % 3 === 0 ? from.ins[0]!.index : p.junkFrom % 2, p.junkFrom);
        }
        if (!p.mutate) return real;
        const raw = Uint8Array.from(real.toBuffer());
        raw[p.mutate.at % raw.length]! ^= p.mutate.xor;
        try {
          return Transaction.fromBuffer(raw);
        } catch {
          return undefined;
        }
      };
      const watcher = new ReceiverWatcher({ backend: chain, feeRate: 2000n, destinationScript: destination, fromHeight: BASE_HEIGHT - 1, finalDepth: 3 });
      for (const c of cs) watcher.watch(c.receiver);
      const senders = cs.map((c) => new SenderWatcher(c.sender, { backend: chain, destinationScript: destination, feeRate: 1000n, finalDepth: 3 }));
      const codes: string[] = [];
      watcher.on('event', (e: WatcherEvent) => { if (e.kind === 'error') codes.push(e.code); });
      for (const s of senders) s.on('event', (e: SenderWatcherEvent) => { if (e.kind === 'error') codes.push(e.code); });
      const poll = async () => {
        await watcher.poll();
        for (const s of senders) await s.poll();
      };
      for (const st of steps) {
        if (st.kind === 'block') chain.blocks.push(chain.make(st.txs.map(pick).filter((t): t is Transaction => t !== undefined)));
        else if (st.kind === 'reorg') {
          chain.blocks.length -= Math.min(st.depth, chain.blocks.length - (BASE_HEIGHT - 1));
          for (let i = 0; i <= st.depth; i++) chain.blocks.push(chain.make(i === 0 ? st.txs.map(pick).filter((t): t is Transaction => t !== undefined) : []));
        } else if (st.kind === 'mempool') chain.mempool = st.txs.map(pick).filter((t): t is Transaction => t !== undefined);
        else if (st.kind === 'faults') chain.faults = st;
        else await poll();
      }
      chain.faults = { tip: 'none', block: 'none', hash: 'none', tx: 'none', spender: 'none', mempool: 'none', broadcast: 'none' };
      await poll();
      for (const code of codes) expect(CODES, `reported code ${code}`).to.include(code);
      // The parties the watchers acted on still save and restore.
      for (const c of cs) {
        Receiver.restore(JSON.parse(JSON.stringify(c.receiver.toJSON())), receiverSecrets);
        Sender.restore(JSON.parse(JSON.stringify(c.sender.toJSON())), senderSecrets);
      }
    }), { numRuns: RUNS, seed: SEED });
  });
});
