/// <reference path="../../types/bcoin.d.ts" />
/**
 * An in-process bcoin regtest full node for tests and the demo. bcoin is a
 * devDependency, so this module is deliberately not re-exported from the
 * package entry: import it by path.
 */
import { randomBytes } from 'node:crypto';
import bcoin from 'bcoin';
import { ChannelError, fail } from '../../lib/core/errors';
import { FeeRate, checkFeeRate, checkTxid, checkVout } from '../../lib/core/types';
import type { ChainBackend, ChainTip, SpendInfo } from '../../lib/chain/backend';
import { coinsAtFork, emptyTemplate, fillAboveFeeRate, fillFromFork } from './regtest-templates';

/**
 * Segwit and CSV activate at 432 on bcoin's regtest, but BIP 66 and BIP 65
 * only at heights 1251 and 1351. Going past all of them means blocks enforce
 * DERSIG and CLTV as consensus, as on Core's regtest, instead of CLTV being a
 * mempool-only rule. 1400 blocks take well under a second in memory.
 */
const START_HEIGHT = 1400;
/** sat/kvB for fund(): above bcoin's 1000 minimum relay so the tx would also relay. */
const FUND_FEE_RATE = 10_000;

/** bcoin's (and Core's) default relay floor, 1000 sat/kvB, in sat/kw. */
const DEFAULT_MIN_FEE_RATE: FeeRate = 250n;

/** Fixed so that the miner's coins and scripts are the same in every run. */
const MINER_KEY = Buffer.from('7265766368616e2072656774657374206d696e6572206b657920762e31000001', 'hex');

export interface RegtestNodeOptions {
  /**
   * Serve bcoin's JSON-RPC on 127.0.0.1 with HTTP basic auth (any username,
   * password = apiKey). Port 0 picks a free port; read it back from rpcUrl.
   */
  rpc?: { port: number; apiKey: string };
}

export interface ReorgOptions {
  /**
   * Txids, each confirmed in a replaced block or waiting in the mempool, that
   * are in neither the new branch nor the mempool afterwards (nor is anything
   * spending them): a confirmed spend that vanishes.
   */
  readonly drop?: readonly string[];
  /** Blocks beyond `depth` in the new branch (default 1): it must have more work to win. */
  readonly extra?: number;
  /** Mine the new branch with coinbases only. */
  readonly empty?: boolean;
}

export interface FundedOutput {
  txid: string;
  vout: number;
  value: bigint;
  tx: Uint8Array;
}

function revHex(hex: string): string {
  return Buffer.from(hex, 'hex').reverse().toString('hex');
}

function toBytes(b: Buffer): Uint8Array {
  return Uint8Array.from(b);
}

function checkBlockCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) fail('INVALID_ARGUMENT', 'block count must be a non-negative integer');
}

function checkBytes(b: Uint8Array, what: string): void {
  if (!(b instanceof Uint8Array)) fail('INVALID_ARGUMENT', `${what} must be a Uint8Array`);
}

export class RegtestNode implements ChainBackend {
  /** The height the node starts at; reorg cannot go below it. */
  static readonly START_HEIGHT = START_HEIGHT;
  /** The mempool's relay floor before any setMinFeeRate, sat/kw. */
  static readonly DEFAULT_MIN_FEE_RATE: FeeRate = DEFAULT_MIN_FEE_RATE;

  /** bcoin objects are untyped (see types/bcoin.d.ts); they stay private. */
  private readonly node: any;
  private readonly ring: any;
  private readonly minerAddress: any;
  private readonly rpcEnabled: boolean;
  private stopped = false;
  /** Serialises everything that extends the chain, so two callers never mine on the same tip. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(node: any, rpcEnabled: boolean) {
    this.node = node;
    this.rpcEnabled = rpcEnabled;
    this.ring = bcoin.KeyRing.fromPrivate(MINER_KEY, true);
    this.ring.witness = true;
    this.minerAddress = this.ring.getAddress();
  }

  static async start(opts: RegtestNodeOptions = {}): Promise<RegtestNode> {
    const rpc = opts.rpc;
    if (rpc !== undefined) {
      if (!Number.isInteger(rpc.port) || rpc.port < 0 || rpc.port > 0xffff) fail('INVALID_ARGUMENT', 'rpc.port must be in [0, 65535]');
      if (typeof rpc.apiKey !== 'string' || rpc.apiKey.length === 0 || rpc.apiKey.length > 255) {
        fail('INVALID_ARGUMENT', 'rpc.apiKey must be a non-empty string of at most 255 characters');
      }
    }
    const node = new bcoin.FullNode({
      network: 'regtest',
      memory: true,
      workers: false,
      logLevel: 'none',
      // getTransaction and fund() read the tx and address indexes.
      indexTX: true,
      indexAddress: true,
      // bcoin otherwise rejects every tx whose nSequence signals RBF, which
      // includes every CSV spend (nSequence = the relative delay).
      replaceByFee: true,
      // bcoin always opens its HTTP server. Without rpc it gets an ephemeral
      // loopback port and a random key nobody knows, so it serves no one.
      httpHost: '127.0.0.1',
      httpPort: rpc?.port ?? 0,
      apiKey: rpc?.apiKey ?? randomBytes(32).toString('hex'),
    });
    try {
      await node.open();
    } catch (e) {
      // open() fails part-way (e.g. the RPC port is taken) with the chain and mempool already open.
      await node.close().catch(() => undefined);
      fail('CHAIN_BACKEND', `cannot start bcoin: ${(e as Error).message}`);
    }
    const self = new RegtestNode(node, rpc !== undefined);
    try {
      await self.mine(START_HEIGHT - node.chain.height);
    } catch (e) {
      await self.stop();
      throw e;
    }
    return self;
  }

  /** The JSON-RPC endpoint, when started with `rpc`. */
  get rpcUrl(): string | undefined {
    if (!this.rpcEnabled) return undefined;
    const addr = this.node.http.address();
    return `http://127.0.0.1:${addr.port}`;
  }

  /** The P2WPKH script that receives coinbases by default and funds fund(). */
  get minerScript(): Uint8Array {
    return toBytes(bcoin.Script.fromAddress(this.minerAddress).toRaw());
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.queue.catch(() => undefined);
    // A tx the mempool rejected is still handed to the (peerless) pool for
    // broadcast, which arms a 60 s timer that Pool#close does not clear and
    // that would keep the process alive.
    for (const item of [...this.node.pool.invMap.values()]) item.resolve();
    await this.node.close();
  }

  /** Mines n blocks (to the miner unless toScript is given); returns their hashes. */
  async mine(n: number, toScript?: Uint8Array): Promise<string[]> {
    checkBlockCount(n);
    const address = toScript === undefined ? this.minerAddress : this.addressFor(toScript);
    return this.exclusive(async () => {
      const hashes: string[] = [];
      for (let i = 0; i < n; i++) {
        const block = await this.node.miner.mineBlock(this.node.chain.tip, address);
        await this.node.chain.add(block);
        hashes.push(block.rhash());
      }
      return hashes;
    });
  }

  /**
   * Mines n blocks that include nothing from the mempool, as when the mempool
   * is congested: a transaction that paid too little stays unconfirmed.
   */
  async mineEmpty(n: number): Promise<string[]> {
    checkBlockCount(n);
    return this.exclusive(async () => {
      const hashes: string[] = [];
      for (let i = 0; i < n; i++) hashes.push((await this.mineOn(this.node.chain.tip, () => undefined)).hash);
      return hashes;
    });
  }

  /**
   * Mines n blocks holding only the mempool's packages (a transaction with its
   * unconfirmed ancestors) that pay at least `satPerKw` over their weight, as
   * miners fill blocks when the mempool is congested: a child that pays for
   * its parent brings the parent in, and the rest stays in the mempool.
   */
  async mineAboveFeeRate(n: number, satPerKw: FeeRate): Promise<string[]> {
    checkBlockCount(n);
    checkFeeRate(satPerKw);
    return this.exclusive(async () => {
      const { mempool, miner } = this.node;
      const hashes: string[] = [];
      for (let i = 0; i < n; i++) {
        const mined = await this.mineOn(this.node.chain.tip, (attempt) => {
          fillAboveFeeRate(attempt, mempool, satPerKw, miner.options.maxWeight, miner.options.maxSigops);
        });
        hashes.push(mined.hash);
      }
      return hashes;
    });
  }

  /**
   * Sets the fee rate, sat/kw (1 sat/vB = 250), below which the mempool
   * refuses transactions, as a congested node raises its floor. It is bcoin's
   * own minRelay (sat/kvB = 4 x sat/kw), checked against the fee over the
   * virtual size rounded up; a refusal says 'insufficient priority' (Core:
   * 'mempool min fee not met'). Like Core before 0.15, bcoin still lets in a
   * transaction below the floor whose coins are old and large enough to relay
   * free (coin-age priority); coins a test funds are neither.
   * DEFAULT_MIN_FEE_RATE restores the default. A floor below it is refused:
   * bcoin's absurd-fee limit is 10000 times the same floor, so it would start
   * refusing ordinary fees.
   */
  setMinFeeRate(satPerKw: FeeRate): void {
    checkFeeRate(satPerKw);
    if (satPerKw < DEFAULT_MIN_FEE_RATE) {
      fail('INVALID_FEE_RATE', `the floor cannot go below the default ${DEFAULT_MIN_FEE_RATE} sat/kw`, { satPerKw: satPerKw.toString() });
    }
    this.node.mempool.options.minRelay = Number(satPerKw * 4n);
  }

  /**
   * Replaces the last `depth` blocks with a branch of `depth + extra` blocks
   * mined on the block below them; bcoin switches to it when its last block
   * gives it more work, as on a real reorganisation. The branch holds what a
   * miner on that older block would have had in its mempool: the replaced
   * blocks' transactions, then the mempool's, each in the first block where
   * it is valid (`empty`: none of them). Those of them not in the branch
   * and valid at the new tip are in the mempool afterwards, as on Core.
   * Returns the new branch's block hashes.
   */
  async reorg(depth: number, opts: ReorgOptions = {}): Promise<string[]> {
    if (!Number.isSafeInteger(depth) || depth < 1) fail('INVALID_ARGUMENT', 'depth must be a positive integer');
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'reorg options must be an object');
    const extra = opts.extra ?? 1;
    // A branch only as long as the active chain has no more work, and bcoin keeps the chain it saw first.
    if (!Number.isSafeInteger(extra) || extra < 1) fail('INVALID_ARGUMENT', 'extra must be a positive integer');
    const drop = opts.drop ?? [];
    if (!Array.isArray(drop)) fail('INVALID_ARGUMENT', 'drop must be an array of txids');
    for (const txid of drop) checkTxid(txid, 'a dropped txid');
    if (opts.empty !== undefined && typeof opts.empty !== 'boolean') fail('INVALID_ARGUMENT', 'empty must be a boolean');
    return this.exclusive(async () => {
      const { chain, mempool } = this.node;
      // The blocks below START_HEIGHT activate the soft forks every test relies on.
      if (depth > chain.height - START_HEIGHT) {
        fail('INVALID_ARGUMENT', `depth must be at most ${chain.height - START_HEIGHT}, the blocks mined since the start`, { depth });
      }
      const fork = await chain.getEntryByHeight(chain.height - depth);
      const replaced: any[] = [];
      for (let h = fork.height + 1; h <= chain.height; h++) replaced.push(await chain.getBlock(h));
      const confirmed: any[] = replaced.flatMap((b) => b.txs.slice(1));
      const waiting: any[] = mempool.getSnapshot().map((h: string) => mempool.getTX(h));
      const dropped = new Set(drop.map(revHex));
      for (const h of dropped) {
        if (!confirmed.some((tx) => tx.hash('hex') === h) && !mempool.hasEntry(h)) {
          fail('INVALID_ARGUMENT', 'a dropped txid is neither in a replaced block nor in the mempool', { txid: revHex(h) });
        }
      }

      const pending = opts.empty ? [] : [...confirmed, ...waiting].filter((tx) => !dropped.has(tx.hash('hex')));
      const forkCoins = await coinsAtFork(chain, fork, replaced);
      // bcoin gives a disconnected block's transactions back only to a
      // mempool that is not empty (Mempool#_removeBlock), puts a parent back
      // after its children, which its address index cannot take, and then
      // evicts whatever has a relative lock or spends a coinbase
      // (Mempool#_handleReorg). So the mempool is emptied for the switch and
      // refilled after it, as Core would leave it: what of the replaced blocks
      // and of the old mempool is valid at the new tip and not in the branch.
      await mempool.reset();
      const hashes: string[] = [];
      let switched = false;
      try {
        const view = new bcoin.CoinView();
        let prev = fork;
        for (let i = 0; i < depth + extra; i++) {
          const base = prev;
          const mined = await this.mineOn(base, (attempt) => fillFromFork(chain, base, attempt, view, forkCoins, pending));
          hashes.push(mined.hash);
          prev = mined.entry;
        }
        switched = chain.tip.hash === prev.hash;
        if (!switched) fail('CHAIN_BACKEND', 'bcoin did not switch to the new branch', { tip: chain.tip.rhash() });
      } finally {
        // Had the switch failed, the dropped ones would still be where they were.
        await this.refill([...confirmed, ...waiting].filter((tx) => !switched || !dropped.has(tx.hash('hex'))));
      }
      return hashes;
    });
  }

  /**
   * Pays exactly `value` to `script` from the miner's mature coins and mines
   * one block holding only that transaction, so whatever tests left in the
   * mempool stays there. Policy (dust, standardness) is not applied: the
   * block's consensus checks are.
   */
  async fund(script: Uint8Array, value: bigint): Promise<FundedOutput> {
    checkBytes(script, 'script');
    if (typeof value !== 'bigint' || value <= 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
      fail('INVALID_AMOUNT', 'value must be a positive bigint below 2^53');
    }
    const outScript = bcoin.Script.fromRaw(Buffer.from(script));
    return this.exclusive(async () => {
      const chain = this.node.chain;
      const coins = await this.node.getCoinsByAddress([this.minerAddress]);
      const mtx = new bcoin.MTX();
      mtx.addOutput(outScript, Number(value));
      try {
        await mtx.fund(coins, {
          changeAddress: this.minerAddress,
          rate: FUND_FEE_RATE,
          // Coinbases need 100 blocks before they can be spent in the next block;
          // depth 1 leaves out change still in the mempool.
          height: chain.height,
          depth: 1,
        });
      } catch (e) {
        fail('INSUFFICIENT_FUNDS', `miner cannot fund ${value} sat: ${(e as Error).message}`);
      }
      mtx.sign(this.ring);
      const tx = mtx.toTX();

      await this.mineOn(chain.tip, (attempt) => {
        if (!attempt.addTX(tx, mtx.view)) fail('CHAIN_BACKEND', 'funding tx does not fit the block template');
      });

      const vout = tx.outputs.findIndex((o: any) => o.value === Number(value) && o.script.equals(outScript));
      return { txid: tx.txid(), vout, value, tx: toBytes(tx.toRaw()) };
    });
  }

  /**
   * Drops a transaction (and its descendants) from the mempool, as a node
   * does when its mempool fills and a low-fee transaction falls out of it.
   */
  evict(txid: string): boolean {
    checkTxid(txid);
    const entry = this.node.mempool.getEntry(revHex(txid));
    if (!entry) return false;
    this.node.mempool.evictEntry(entry);
    return true;
  }

  mempoolHas(txid: string): boolean {
    checkTxid(txid);
    return this.node.mempool.hasEntry(revHex(txid));
  }

  async getTip(): Promise<ChainTip> {
    const tip = this.node.chain.tip;
    const medianTimePast: number = await this.node.chain.getMedianTime(tip);
    return { height: tip.height, medianTimePast, hash: tip.rhash() };
  }

  async broadcast(raw: Uint8Array): Promise<string> {
    checkBytes(raw, 'tx');
    let tx: any;
    try {
      tx = bcoin.TX.fromRaw(Buffer.from(raw));
    } catch (e) {
      fail('INVALID_TRANSACTION', `cannot decode tx: ${(e as Error).message}`);
    }
    const txid: string = tx.txid();
    let missing: unknown;
    try {
      missing = await this.node.mempool.addTX(tx);
    } catch (e) {
      const err = e as { type?: string; reason?: string; code?: string; message?: string };
      if (err.type !== 'VerifyError') {
        throw new ChannelError('CHAIN_BACKEND', `mempool failed: ${err.message}`, { txid });
      }
      // Already accepted or already confirmed: the caller's goal is met.
      if (err.reason === 'txn-already-in-mempool' || err.reason === 'txn-already-known') return txid;
      const details: Record<string, unknown> = { txid, reason: err.reason, rejectCode: err.code };
      if (err.reason?.endsWith('script-verify-flag')) Object.assign(details, await this.scriptFailure(tx));
      fail('BROADCAST_REJECTED', `node rejected ${txid}: ${err.reason}`, details);
    }
    // A non-null answer lists missing parents: bcoin parks the tx as an orphan
    // (or drops it). Core refuses such a tx outright, and so do we.
    if (missing != null) {
      const hash = tx.hash('hex');
      if (this.node.mempool.hasOrphan(hash)) this.node.mempool.removeOrphan(hash);
      fail('BROADCAST_REJECTED', `node rejected ${txid}: inputs missing or spent`, { txid, reason: 'bad-txns-inputs-missingorspent' });
    }
    return txid;
  }

  async getTransaction(txid: string): Promise<{ tx: Uint8Array; blockHeight?: number } | undefined> {
    checkTxid(txid);
    const meta = await this.node.getMeta(revHex(txid));
    if (!meta) return undefined;
    const out: { tx: Uint8Array; blockHeight?: number } = { tx: toBytes(meta.tx.toRaw()) };
    if (meta.height >= 0) out.blockHeight = meta.height;
    return out;
  }

  async getMempoolTxids(): Promise<string[]> {
    // bcoin 1.0.2 keys its mempool by hex hashes in internal byte order.
    return this.node.mempool.getSnapshot().map((hash: string) => revHex(hash));
  }

  async getConfirmations(txid: string): Promise<number> {
    checkTxid(txid);
    const meta = await this.node.getMeta(revHex(txid));
    if (!meta) fail('NOT_FOUND', `unknown transaction ${txid}`);
    return meta.height < 0 ? 0 : this.node.chain.height - meta.height + 1;
  }

  async getBlock(height: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(height) || height < 0) fail('INVALID_ARGUMENT', 'height must be a non-negative integer');
    if (height > this.node.chain.height) fail('NOT_FOUND', `no block at height ${height}`, { height });
    const raw: Buffer | null = await this.node.chain.getRawBlock(height);
    if (!raw) fail('NOT_FOUND', `no block at height ${height}`, { height });
    return toBytes(raw);
  }

  async getBlockHash(height: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(height) || height < 0) fail('INVALID_ARGUMENT', 'height must be a non-negative integer');
    if (height > this.node.chain.height) return undefined;
    // bcoin 1.0.2 answers a hex hash in internal byte order.
    const hash: string | null = await this.node.chain.getHash(height);
    return hash ? revHex(hash) : undefined;
  }

  async getSpender(outpoint: { txid: string; vout: number }): Promise<SpendInfo | undefined> {
    checkTxid(outpoint.txid);
    checkVout(outpoint.vout);
    const hash = revHex(outpoint.txid);
    const pending = this.node.mempool.getSpentTX(hash, outpoint.vout);
    if (pending) return this.spendInfo(pending, hash, outpoint.vout);

    const chain = this.node.chain;
    if (await chain.getCoin(hash, outpoint.vout)) return undefined;
    // No spent-index in bcoin 1.0.2: scan forward from the block that created
    // the output, which the tx index tells us. Regtest chains are short.
    const meta = await chain.getMeta(hash);
    if (!meta || meta.height < 0) return undefined;
    for (let h = meta.height; h <= chain.height; h++) {
      const block = await chain.getBlock(h);
      if (!block) break;
      for (const tx of block.txs) {
        const info = this.spendInfo(tx, hash, outpoint.vout, h);
        if (info) return info;
      }
    }
    return undefined;
  }

  /**
   * bcoin's mempool says only '(non-)mandatory-script-verify-flag', without
   * the interpreter's reason (and calls a bad segwit signature non-mandatory,
   * as its mandatory set is P2SH alone), so re-run the inputs to find it.
   */
  private async scriptFailure(tx: any): Promise<{ inputIndex?: number; scriptError?: string }> {
    const view = await this.node.mempool.getCoinView(tx);
    const flags = bcoin.Script.flags.STANDARD_VERIFY_FLAGS;
    for (let i = 0; i < tx.inputs.length; i++) {
      const coin = view.getOutputFor(tx.inputs[i]);
      if (!coin) continue;
      try {
        tx.checkInput(i, coin, flags);
      } catch (e) {
        const err = e as { type?: string; code?: string };
        if (err.type === 'ScriptError') return { inputIndex: i, scriptError: err.code };
        throw e;
      }
    }
    return {};
  }

  private spendInfo(tx: any, hash: string, vout: number, blockHeight?: number): SpendInfo | undefined {
    const inputIndex = tx.inputs.findIndex((i: any) => i.prevout.hash === hash && i.prevout.index === vout);
    if (inputIndex < 0) return undefined;
    const info: SpendInfo = { txid: tx.txid(), tx: toBytes(tx.toRaw()), inputIndex };
    if (blockHeight !== undefined) info.blockHeight = blockHeight;
    return info;
  }

  /**
   * Mines one block on `prev` holding what `fill` puts in its template (which
   * the miner filled from the whole mempool; it is emptied first) and adds it
   * to the chain.
   */
  private async mineOn(prev: any, fill: (attempt: any) => void | Promise<void>): Promise<{ hash: string; entry: any }> {
    const miner = this.node.miner;
    const job = await miner.createJob(prev, this.minerAddress);
    emptyTemplate(job.attempt, miner);
    await fill(job.attempt);
    job.refresh();
    const block = await job.mineAsync();
    const entry = await this.node.chain.add(block);
    return { hash: block.rhash(), entry };
  }

  /**
   * Offers the mempool each of `txs` not on the chain, parents before
   * children whatever the order given; one it refuses, or would park as an
   * orphan, stays out.
   */
  private async refill(txs: readonly any[]): Promise<void> {
    const { chain, mempool } = this.node;
    let left = txs;
    for (let progress = true; progress && left.length > 0;) {
      progress = false;
      const next: any[] = [];
      for (const tx of left) {
        const hash = tx.hash('hex');
        if (mempool.hasEntry(hash) || await chain.hasTX(hash)) continue;
        try {
          await mempool.addTX(tx);
        } catch (e) {
          if ((e as { type?: string }).type !== 'VerifyError') throw e;
        }
        if (mempool.hasOrphan(hash)) mempool.removeOrphan(hash);
        if (mempool.hasEntry(hash)) progress = true;
        else next.push(tx);
      }
      left = next;
    }
  }

  private addressFor(script: Uint8Array): any {
    checkBytes(script, 'script');
    const address = bcoin.Address.fromScript(bcoin.Script.fromRaw(Buffer.from(script)));
    // The miner builds coinbase outputs from an address, so only scripts that
    // have one (P2PKH, P2SH, witness programs) can be mined to.
    if (!address) fail('INVALID_ARGUMENT', 'coinbase script must be P2PKH, P2SH or a witness program');
    return address;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.stopped) fail('STATE_INVALID', 'regtest node is stopped');
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
