/**
 * ChainBackend over the JSON-RPC interface shared by Bitcoin Core and bcoin.
 *
 * Only calls and answer fields that both nodes serve identically are used:
 * getbestblockhash, getblockheader (verbose: height, mediantime),
 * getblockcount, getblockhash, getblock with verbosity 0, getrawtransaction
 * (verbose for hex/blockhash/confirmations, plain for hex), gettxout with
 * include_mempool=false, getmempoolentry, getrawmempool, sendrawtransaction.
 * gettxspendingprevout (Core 24+) is tried and, when the node does not have
 * it, replaced by a mempool scan.
 *
 * Node requirements: getTransaction/getConfirmations need a transaction index
 * for confirmed transactions (Core: -txindex=1; bcoin: index-tx). Without one
 * they only see mempool transactions.
 */
import * as http from 'node:http';
import { Block, Transaction } from 'bitcoinjs-lib';
import { ChannelError, fail, isChannelError } from '../errors';
import { checkTxid, checkVout } from '../types';
import type { ChainBackend, ChainTip, SpendInfo } from './backend';

export interface CoreRpcOptions {
  /** http://host:port[/path]; credentials in the URL are used when username/password are not given. */
  url: string;
  /** bcoin ignores the username and checks only the password (its API key). */
  username?: string;
  password?: string;
  /**
   * Lowest block height getSpender scans when the node cannot tell where the
   * spent output was confirmed (no tx index). Default 0, i.e. the whole chain.
   */
  scanFromHeight?: number;
  /** Per-request deadline, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /**
   * How long broadcast waits for an accepted transaction to appear in the
   * mempool before calling it rejected. Core adds it before answering; bcoin
   * answers first and validates afterwards. Default 1 s.
   */
  mempoolWaitMs?: number;
}

/** JSON-RPC error codes shared by Core and bcoin (bitcoin/src/rpc/protocol.h). */
const RPC_MISC_ERROR = -1;
const RPC_INVALID_ADDRESS_OR_KEY = -5;
const RPC_INVALID_PARAMETER = -8;
const RPC_DESERIALIZATION_ERROR = -22;
const RPC_VERIFY_ERROR = -25;
const RPC_VERIFY_REJECTED = -26;
const RPC_VERIFY_ALREADY_IN_CHAIN = -27;
const RPC_METHOD_NOT_FOUND = -32601;
const TXID = /^[0-9a-f]{64}$/;

function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function fromHex(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

function isHex(v: unknown): v is string {
  return typeof v === 'string' && v.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(v);
}

function rpcCode(e: unknown): number | undefined {
  if (!isChannelError(e, 'CHAIN_BACKEND')) return undefined;
  const c = e.details?.rpcCode;
  return typeof c === 'number' ? c : undefined;
}

/**
 * Core answers -5 for an unknown txid; bcoin answers -1 ('Transaction not
 * found.' / 'Transaction not in mempool.').
 */
function isNotFound(e: unknown): boolean {
  const c = rpcCode(e);
  return c === RPC_INVALID_ADDRESS_OR_KEY || c === RPC_MISC_ERROR;
}

function spends(tx: Transaction, prevHash: Uint8Array, vout: number): number {
  return tx.ins.findIndex((i) => i.index === vout && Buffer.compare(i.hash, prevHash) === 0);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class CoreRpcBackend implements ChainBackend {
  private readonly target: { hostname: string; port: number; path: string };
  private readonly auth: string | undefined;
  private readonly scanFromHeight: number;
  private readonly timeoutMs: number;
  private readonly mempoolWaitMs: number;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private nextId = 0;
  /** undefined until the node has been asked once. */
  private hasSpendingPrevout: boolean | undefined;

  constructor(opts: CoreRpcOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      fail('INVALID_ARGUMENT', 'url is not a valid URL');
    }
    if (url.protocol !== 'http:') fail('INVALID_ARGUMENT', 'url must be http:// (node:http only)');
    this.target = {
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? 80 : Number(url.port),
      path: url.pathname + url.search,
    };
    const user = opts.username ?? decodeURIComponent(url.username);
    const pass = opts.password ?? decodeURIComponent(url.password);
    if (user !== '' || pass !== '') this.auth = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

    this.scanFromHeight = opts.scanFromHeight ?? 0;
    if (!Number.isSafeInteger(this.scanFromHeight) || this.scanFromHeight < 0) fail('INVALID_ARGUMENT', 'scanFromHeight must be a non-negative integer');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0)) fail('INVALID_ARGUMENT', 'timeoutMs must be positive');
    this.mempoolWaitMs = opts.mempoolWaitMs ?? 1_000;
    if (!(this.mempoolWaitMs >= 0)) fail('INVALID_ARGUMENT', 'mempoolWaitMs must be non-negative');
  }

  /** Drops idle keep-alive connections. The backend stays usable. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * One JSON-RPC call. Any failure, including an error answer from the node,
   * is 'CHAIN_BACKEND' with details { method, status?, rpcCode?, rpcMessage? }.
   */
  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const body = JSON.stringify({ jsonrpc: '1.0', id: ++this.nextId, method, params });
    let res: { status: number; text: string };
    try {
      res = await this.post(body);
    } catch (e) {
      fail('CHAIN_BACKEND', `${method}: ${(e as Error).message}`, { method });
    }
    const { status, text } = res;
    if (status === 401 || status === 403) fail('CHAIN_BACKEND', `${method}: authentication failed (HTTP ${status})`, { method, status });
    let json: { result?: unknown; error?: { code?: unknown; message?: unknown } | null };
    try {
      json = JSON.parse(text);
    } catch {
      fail('CHAIN_BACKEND', `${method}: HTTP ${status} without a JSON body`, { method, status });
    }
    if (json === null || typeof json !== 'object') fail('CHAIN_BACKEND', `${method}: malformed JSON-RPC answer`, { method, status });
    // Core reports RPC errors with HTTP 404/500 and bcoin with 200, both with this body.
    if (json.error != null) {
      const rpcMessage = String(json.error.message);
      fail('CHAIN_BACKEND', `${method}: ${rpcMessage}`, { method, status, rpcCode: json.error.code, rpcMessage });
    }
    if (status !== 200) fail('CHAIN_BACKEND', `${method}: HTTP ${status}`, { method, status });
    return json.result as T;
  }

  async getTip(): Promise<ChainTip> {
    const hash = await this.call<string>('getbestblockhash');
    const header = await this.header(hash);
    return { height: header.height, medianTimePast: header.mediantime, hash };
  }

  async broadcast(raw: Uint8Array): Promise<string> {
    let txid: string;
    try {
      txid = Transaction.fromBuffer(raw).getId();
    } catch (e) {
      fail('INVALID_TRANSACTION', `cannot decode tx: ${(e as Error).message}`);
    }
    try {
      await this.call('sendrawtransaction', [toHex(raw)]);
    } catch (e) {
      const code = rpcCode(e);
      if (code === RPC_VERIFY_ALREADY_IN_CHAIN) return txid;
      if (code === RPC_VERIFY_REJECTED || code === RPC_VERIFY_ERROR || code === RPC_DESERIALIZATION_ERROR) {
        const reason = (e as ChannelError).details?.rpcMessage;
        fail('BROADCAST_REJECTED', `node rejected ${txid}: ${reason}`, { txid, reason, rpcCode: code });
      }
      throw e;
    }
    // bcoin returns the txid before (and whatever) its mempool decides, so the
    // answer alone proves nothing.
    if (await this.waitForMempool(txid)) return txid;
    const known = await this.getTransaction(txid);
    if (known?.blockHeight !== undefined) return txid;
    // bcoin has no testmempoolaccept and does not say why it dropped the tx.
    fail('BROADCAST_REJECTED', `node accepted ${txid} over RPC but it is not in its mempool`, { txid, reason: 'unknown' });
  }

  async getTransaction(txid: string): Promise<{ tx: Uint8Array; blockHeight?: number } | undefined> {
    checkTxid(txid);
    const v = await this.verboseTx(txid);
    if (v === undefined) return undefined;
    const out: { tx: Uint8Array; blockHeight?: number } = { tx: fromHex(v.hex) };
    // A mempool tx has no blockhash in Core and blockhash: null in bcoin.
    if (typeof v.blockhash === 'string' && v.blockhash !== '') out.blockHeight = (await this.header(v.blockhash)).height;
    return out;
  }

  async getMempoolTxids(): Promise<string[]> {
    const txids = await this.call<unknown>('getrawmempool', [false]);
    if (!Array.isArray(txids) || !txids.every((t) => typeof t === 'string' && TXID.test(t))) fail('CHAIN_BACKEND', 'getrawmempool: expected an array of txids');
    return txids as string[];
  }

  async getConfirmations(txid: string): Promise<number> {
    checkTxid(txid);
    const v = await this.verboseTx(txid);
    if (v === undefined) fail('NOT_FOUND', `node does not know transaction ${txid}`);
    // Core omits the field for mempool transactions; bcoin sends 0.
    return typeof v.confirmations === 'number' && v.confirmations > 0 ? v.confirmations : 0;
  }

  async getBlock(height: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(height) || height < 0) fail('INVALID_ARGUMENT', 'height must be a non-negative integer');
    const hash = await this.blockHash(height);
    if (hash === undefined) fail('NOT_FOUND', `no block at height ${height}`, { height });
    return this.rawBlock(hash);
  }

  async getBlockHash(height: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(height) || height < 0) fail('INVALID_ARGUMENT', 'height must be a non-negative integer');
    const hash = await this.blockHash(height);
    if (hash !== undefined && !TXID.test(hash)) fail('CHAIN_BACKEND', 'getblockhash: expected a block hash');
    return hash;
  }

  /**
   * Core keeps no spent-index, so this costs, in order:
   *  1. mempool: one gettxspendingprevout (Core 24+); on nodes without it
   *     (older Core, bcoin) a getrawmempool plus one getrawtransaction per
   *     mempool entry;
   *  2. one gettxout: an output still in the UTXO set has no confirmed spender;
   *  3. otherwise a linear scan from the block that confirmed the output
   *     (known with a tx index) or from scanFromHeight, up to the tip: two
   *     calls and one full block download and parse per height.
   */
  async getSpender(outpoint: { txid: string; vout: number }): Promise<SpendInfo | undefined> {
    checkTxid(outpoint.txid);
    checkVout(outpoint.vout);
    const prevHash = fromHex(outpoint.txid).reverse();

    const pending = await this.mempoolSpender(outpoint, prevHash);
    if (pending !== undefined) return pending;

    // include_mempool=false on purpose: bcoin's mempool view does not hide
    // coins spent by mempool transactions, Core's does; the chain view agrees.
    const utxo = await this.call<unknown>('gettxout', [outpoint.txid, outpoint.vout, false]);
    if (utxo !== null) return undefined;

    let from = this.scanFromHeight;
    const funding = await this.getTransaction(outpoint.txid);
    if (funding !== undefined) {
      // Still unconfirmed: no block can hold its spender yet.
      if (funding.blockHeight === undefined) return undefined;
      from = Math.max(from, funding.blockHeight);
    }
    const tipHeight = await this.call<number>('getblockcount');
    for (let h = from; h <= tipHeight; h++) {
      const hash = await this.blockHash(h);
      if (hash === undefined) break; // reorganised shorter meanwhile
      const block = Block.fromBuffer(await this.rawBlock(hash));
      for (const tx of block.transactions ?? []) {
        const inputIndex = spends(tx, prevHash, outpoint.vout);
        if (inputIndex >= 0) return { txid: tx.getId(), tx: Uint8Array.from(tx.toBuffer()), inputIndex, blockHeight: h };
      }
    }
    return undefined;
  }

  private async mempoolSpender(outpoint: { txid: string; vout: number }, prevHash: Uint8Array): Promise<SpendInfo | undefined> {
    if (this.hasSpendingPrevout !== false) {
      try {
        const r = await this.call<Array<{ spendingtxid?: string }>>('gettxspendingprevout', [[{ txid: outpoint.txid, vout: outpoint.vout }]]);
        this.hasSpendingPrevout = true;
        const spender = Array.isArray(r) ? r[0]?.spendingtxid : undefined;
        if (typeof spender !== 'string') return undefined;
        // Mined between the two calls: the chain scan will find it.
        return await this.mempoolSpend(spender, prevHash, outpoint.vout);
      } catch (e) {
        if (rpcCode(e) !== RPC_METHOD_NOT_FOUND) throw e;
        this.hasSpendingPrevout = false;
      }
    }
    const txids = await this.call<string[]>('getrawmempool', [false]);
    if (!Array.isArray(txids)) fail('CHAIN_BACKEND', 'getrawmempool: expected an array of txids');
    for (const id of txids) {
      const info = await this.mempoolSpend(id, prevHash, outpoint.vout);
      if (info !== undefined) return info;
    }
    return undefined;
  }

  private async mempoolSpend(txid: string, prevHash: Uint8Array, vout: number): Promise<SpendInfo | undefined> {
    let hex: unknown;
    try {
      hex = await this.call('getrawtransaction', [txid, false]);
    } catch (e) {
      if (isNotFound(e)) return undefined; // left the mempool meanwhile
      throw e;
    }
    if (!isHex(hex)) fail('CHAIN_BACKEND', 'getrawtransaction: expected hex');
    const tx = Transaction.fromHex(hex);
    const inputIndex = spends(tx, prevHash, vout);
    return inputIndex < 0 ? undefined : { txid: tx.getId(), tx: fromHex(hex), inputIndex };
  }

  private async waitForMempool(txid: string): Promise<boolean> {
    const deadline = Date.now() + this.mempoolWaitMs;
    for (let pause = 25; ; pause *= 2) {
      try {
        await this.call('getmempoolentry', [txid]);
        return true;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(pause, left));
    }
  }

  private async verboseTx(txid: string): Promise<{ hex: string; blockhash?: unknown; confirmations?: unknown } | undefined> {
    let v: { hex?: unknown; blockhash?: unknown; confirmations?: unknown } | null;
    try {
      v = await this.call('getrawtransaction', [txid, true]);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    if (v === null || typeof v !== 'object' || !isHex(v.hex)) fail('CHAIN_BACKEND', 'getrawtransaction: answer has no hex');
    return { ...v, hex: v.hex };
  }

  private async header(hash: string): Promise<{ height: number; mediantime: number }> {
    const h = await this.call<{ height?: unknown; mediantime?: unknown } | null>('getblockheader', [hash, true]);
    if (h === null || typeof h !== 'object' || typeof h.height !== 'number' || typeof h.mediantime !== 'number') {
      fail('CHAIN_BACKEND', 'getblockheader: answer lacks height or mediantime');
    }
    return { height: h.height, mediantime: h.mediantime };
  }

  private async blockHash(height: number): Promise<string | undefined> {
    try {
      return await this.call<string>('getblockhash', [height]);
    } catch (e) {
      if (rpcCode(e) === RPC_INVALID_PARAMETER) return undefined;
      throw e;
    }
  }

  private async rawBlock(hash: string): Promise<Uint8Array> {
    // Verbosity 0 is raw hex on both; bcoin reads the number as verbose=false.
    const hex = await this.call<unknown>('getblock', [hash, 0]);
    if (!isHex(hex)) fail('CHAIN_BACKEND', 'getblock: expected hex');
    return fromHex(hex);
  }

  private post(body: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, value?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value!);
      };
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      };
      if (this.auth !== undefined) headers.Authorization = this.auth;
      const req = http.request(
        { ...this.target, method: 'POST', agent: this.agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => finish(e));
          res.on('aborted', () => finish(new Error('connection closed mid-answer')));
        },
      );
      const timer = setTimeout(() => {
        finish(new Error(`no complete answer within ${this.timeoutMs} ms`));
        req.destroy();
      }, this.timeoutMs);
      req.on('error', (e) => finish(e));
      req.end(body);
    });
  }
}
