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
 *
 * Requests go through the runtime's fetch (http:// or https://, certificates
 * checked against the runtime's trust store). Node only (package entry
 * revchan/node): the cookie file is read from disk, and a browser page could
 * not call a node's RPC port anyway (it sends no CORS headers).
 */
import { promises as fs } from 'node:fs';
import { Block, Transaction } from 'bitcoinjs-lib';
import { fromUtf8, toBase64 } from 'uint8array-tools';
import { ChannelError, fail, isChannelError } from '../errors';
import { bytesEqual, fromHex, toHex } from '../tx/hash';
import { checkTxid, checkVout } from '../types';
import type { ChainBackend, ChainTip, SpendInfo } from './backend';

/** Where a {@link CoreRpcBackend} finds the node, and how it asks. */
export interface CoreRpcOptions {
  /** http(s)://host:port[/path]; credentials in the URL are used when username/password are not given. */
  url: string;
  /** bcoin ignores the username and checks only the password (its API key). */
  username?: string;
  /** The RPC password (bcoin: its API key); taken from the URL when absent. */
  password?: string;
  /**
   * Bitcoin Core's cookie file (`<datadir>/.cookie`, `__cookie__:<password>`),
   * instead of username/password: read at the first call, and again when the
   * node answers 401 (it writes a new cookie each time it starts).
   */
  cookieFile?: string;
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
/** Heights the chain scan asks for per request: one batch of getblockhash, then one of getblock (a few MB per block on mainnet). */
const SCAN_WINDOW = 8;

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
  return tx.ins.findIndex((i) => i.index === vout && bytesEqual(i.hash, prevHash));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The result of one JSON-RPC answer; an error answer or a malformed one is CHAIN_BACKEND. */
function resultOf(method: string, status: number, answer: unknown): unknown {
  if (answer === null || typeof answer !== 'object') fail('CHAIN_BACKEND', `${method}: malformed JSON-RPC answer`, { method, status });
  const json = answer as { result?: unknown; error?: { code?: unknown; message?: unknown } | null };
  // Core reports RPC errors with HTTP 404/500 and bcoin with 200, both with this body.
  if (json.error != null) {
    const rpcMessage = String(json.error.message);
    fail('CHAIN_BACKEND', `${method}: ${rpcMessage}`, { method, status, rpcCode: json.error.code, rpcMessage });
  }
  if (status !== 200) fail('CHAIN_BACKEND', `${method}: HTTP ${status}`, { method, status });
  return json.result;
}

function basicAuth(user: string, pass: string): string {
  return 'Basic ' + toBase64(fromUtf8(`${user}:${pass}`));
}

/** What a failed fetch says, with the cause node's fetch hides behind 'fetch failed'. */
function failureText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  return cause instanceof Error && cause.message !== '' ? `${m}: ${cause.message}` : m;
}

/**
 * A {@link revchan!ChainBackend} over the JSON-RPC that Bitcoin Core and bcoin serve alike.
 *
 * @example
 * ```ts
 * import { ReceiverWatcher } from 'revchan';
 * import { CoreRpcBackend } from 'revchan/node';
 *
 * const backend = new CoreRpcBackend({ url: 'http://127.0.0.1:8332', cookieFile: '/var/lib/bitcoind/.cookie' });
 * const tip = await backend.getTip();
 * const watcher = new ReceiverWatcher({ backend, feeRate: 2000n, destinationScript: wallet, fromHeight: tip.height });
 * ```
 */
export class CoreRpcBackend implements ChainBackend {
  private readonly endpoint: string;
  /** Fixed credentials; undefined with none or with a cookie file. */
  private readonly auth: string | undefined;
  private readonly cookieFile: string | undefined;
  /** The cookie file's credentials as last read. */
  private cookie: Promise<string> | undefined;
  private readonly scanFromHeight: number;
  private readonly timeoutMs: number;
  private readonly mempoolWaitMs: number;
  private readonly inFlight = new Set<AbortController>();
  private nextId = 0;
  /** undefined until the node has been asked once. */
  private hasSpendingPrevout: boolean | undefined;

  /**
   * @param opts - The node's URL, credentials or cookie file, and the timeouts.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `url` is not an http(s) URL, both a cookie file and credentials are given, `cookieFile` is empty, or a number option is out of range.
   */
  constructor(opts: CoreRpcOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      fail('INVALID_ARGUMENT', 'url is not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('INVALID_ARGUMENT', 'url must be http:// or https://');
    const user = opts.username ?? decodeURIComponent(url.username);
    const pass = opts.password ?? decodeURIComponent(url.password);
    // fetch refuses a URL with credentials: they travel in the header.
    url.username = '';
    url.password = '';
    this.endpoint = url.href;
    if (opts.cookieFile !== undefined) {
      if (typeof opts.cookieFile !== 'string' || opts.cookieFile === '') fail('INVALID_ARGUMENT', 'cookieFile must be a file path');
      if (user !== '' || pass !== '') fail('INVALID_ARGUMENT', 'give a cookie file or credentials, not both');
      this.cookieFile = opts.cookieFile;
    } else if (user !== '' || pass !== '') {
      this.auth = basicAuth(user, pass);
    }

    this.scanFromHeight = opts.scanFromHeight ?? 0;
    if (!Number.isSafeInteger(this.scanFromHeight) || this.scanFromHeight < 0) fail('INVALID_ARGUMENT', 'scanFromHeight must be a non-negative integer');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0)) fail('INVALID_ARGUMENT', 'timeoutMs must be positive');
    this.mempoolWaitMs = opts.mempoolWaitMs ?? 1_000;
    if (!(this.mempoolWaitMs >= 0)) fail('INVALID_ARGUMENT', 'mempoolWaitMs must be non-negative');
  }

  /**
   * Aborts the calls in flight (they fail with CHAIN_BACKEND). The backend
   * stays usable; idle connections belong to the runtime's fetch, which
   * closes them after a few seconds.
   */
  close(): void {
    for (const c of this.inFlight) c.abort(new Error('backend closed'));
  }

  /**
   * One JSON-RPC call. Any failure, including an error answer from the node,
   * is 'CHAIN_BACKEND' with details { method, status?, rpcCode?, rpcMessage? }.
   *
   * @param method - The RPC method.
   * @param params - Its parameters.
   * @returns The answer's `result`.
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
   */
  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const { status, json } = await this.exchange(method, { jsonrpc: '1.0', id: ++this.nextId, method, params });
    return resultOf(method, status, json) as T;
  }

  /**
   * Calls of one method in one JSON-RPC batch request (Core and bcoin both
   * take them): each answer is its result or the CHAIN_BACKEND error the call
   * alone would have thrown, in call order.
   */
  private async batch(method: string, paramsList: readonly unknown[][]): Promise<({ result: unknown } | { error: ChannelError })[]> {
    const calls = paramsList.map((params) => ({ jsonrpc: '1.0', id: ++this.nextId, method, params }));
    const { status, json } = await this.exchange(method, calls);
    if (!Array.isArray(json) || json.length !== calls.length) fail('CHAIN_BACKEND', `${method}: malformed JSON-RPC batch answer`, { method, status });
    const byId = new Map<unknown, unknown>(json.map((a: unknown) => [a !== null && typeof a === 'object' ? (a as { id?: unknown }).id : undefined, a]));
    return calls.map(({ id }) => {
      try {
        return { result: resultOf(method, status, byId.get(id)) };
      } catch (e) {
        if (isChannelError(e)) return { error: e };
        throw e;
      }
    });
  }

  /** One request: the answer's HTTP status and parsed JSON. A 401 with a cookie file reads the file again and, if it changed, asks again. */
  private async exchange(method: string, payload: unknown): Promise<{ status: number; json: unknown }> {
    const body = JSON.stringify(payload);
    const sent = await this.authorization(method, false);
    let res = await this.post(method, body, sent);
    if (res.status === 401 && this.cookieFile !== undefined) {
      // The node restarted and wrote a new cookie.
      const fresh = await this.authorization(method, true);
      if (fresh !== sent) res = await this.post(method, body, fresh);
    }
    const { status, text } = res;
    if (status === 401 || status === 403) fail('CHAIN_BACKEND', `${method}: authentication failed (HTTP ${status})`, { method, status });
    try {
      return { status, json: JSON.parse(text) };
    } catch {
      return fail('CHAIN_BACKEND', `${method}: HTTP ${status} without a JSON body`, { method, status });
    }
  }

  /**
   * The node's best block.
   *
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
   */
  async getTip(): Promise<ChainTip> {
    const hash = await this.call<string>('getbestblockhash');
    const header = await this.header(hash);
    return { height: header.height, medianTimePast: header.mediantime, hash };
  }

  /**
   * Send a transaction; resolves with its txid once it is in the node's mempool or already confirmed.
   *
   * @param raw - The serialized signed transaction.
   * @throws {@link revchan!ChannelError} `INVALID_TRANSACTION` (the promise rejects) if `raw` does not parse.
   * @throws {@link revchan!ChannelError} `BROADCAST_REJECTED` (the promise rejects) if the node refuses it (`details.reason`), or accepts it and then has not got it in its mempool.
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
   */
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

  /**
   * A transaction the node knows (without a transaction index: only mempool ones), or undefined.
   *
   * @param txid - The transaction's id.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `txid` is not 64 lowercase hex characters.
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
   */
  async getTransaction(txid: string): Promise<{
    /** The serialized transaction. */
    tx: Uint8Array;
    /** The height of its block; absent while in the mempool. */
    blockHeight?: number;
  } | undefined> {
    checkTxid(txid);
    const v = await this.verboseTx(txid);
    if (v === undefined) return undefined;
    const out: { tx: Uint8Array; blockHeight?: number } = { tx: fromHex(v.hex) };
    // A mempool tx has no blockhash in Core and blockhash: null in bcoin.
    if (typeof v.blockhash === 'string' && v.blockhash !== '') out.blockHeight = (await this.header(v.blockhash)).height;
    return out;
  }

  /**
   * The txids in the node's mempool.
   *
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
   */
  async getMempoolTxids(): Promise<string[]> {
    const txids = await this.call<unknown>('getrawmempool', [false]);
    if (!Array.isArray(txids) || !txids.every((t) => typeof t === 'string' && TXID.test(t))) fail('CHAIN_BACKEND', 'getrawmempool: expected an array of txids');
    return txids as string[];
  }

  /**
   * A transaction's confirmations, 0 in the mempool.
   *
   * @param txid - The transaction's id.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `txid` is not 64 lowercase hex characters.
   * @throws {@link revchan!ChannelError} `NOT_FOUND` (the promise rejects) if the node does not know the transaction.
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
   */
  async getConfirmations(txid: string): Promise<number> {
    checkTxid(txid);
    const v = await this.verboseTx(txid);
    if (v === undefined) fail('NOT_FOUND', `node does not know transaction ${txid}`);
    // Core omits the field for mempool transactions; bcoin sends 0.
    return typeof v.confirmations === 'number' && v.confirmations > 0 ? v.confirmations : 0;
  }

  /**
   * The raw block at `height` on the active chain.
   *
   * @param height - The block's height.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `height` is not a non-negative integer.
   * @throws {@link revchan!ChannelError} `NOT_FOUND` (the promise rejects) if `height` is above the tip.
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
   */
  async getBlock(height: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(height) || height < 0) fail('INVALID_ARGUMENT', 'height must be a non-negative integer');
    const hash = await this.blockHash(height);
    if (hash === undefined) fail('NOT_FOUND', `no block at height ${height}`, { height });
    return this.rawBlock(hash);
  }

  /**
   * The hash of the block at `height` on the active chain, undefined above the tip.
   *
   * @param height - The block's height.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `height` is not a non-negative integer.
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
   */
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
   *     (known with a tx index) or from scanFromHeight, up to the tip: one
   *     full block download and parse per height, asked for SCAN_WINDOW
   *     heights at a time (two batch requests).
   *
   * @param outpoint - The output asked about.
   * @returns The spender, or undefined if the output is unspent.
   * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if the outpoint's txid or vout is malformed.
   * @throws {@link revchan!ChannelError} `CHAIN_BACKEND` (the promise rejects) if the node cannot be reached, refuses the credentials, answers an error or nonsense, or the call times out.
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
    const tipHeight = await this.call<unknown>('getblockcount');
    if (typeof tipHeight !== 'number' || !Number.isSafeInteger(tipHeight)) fail('CHAIN_BACKEND', 'getblockcount: expected a height');
    for (let h = from; h <= tipHeight; h += SCAN_WINDOW) {
      const heights = Array.from({ length: Math.min(SCAN_WINDOW, tipHeight - h + 1) }, (_, i) => [h + i]);
      const hashes: string[] = [];
      for (const a of await this.batch('getblockhash', heights)) {
        if ('error' in a) {
          if (rpcCode(a.error) === RPC_INVALID_PARAMETER) break; // reorganised shorter meanwhile
          throw a.error;
        }
        if (typeof a.result !== 'string' || !TXID.test(a.result)) fail('CHAIN_BACKEND', 'getblockhash: expected a block hash');
        hashes.push(a.result);
      }
      const blocks = hashes.length === 0 ? [] : await this.batch('getblock', hashes.map((hash) => [hash, 0]));
      for (const [i, a] of blocks.entries()) {
        if ('error' in a) throw a.error;
        if (!isHex(a.result)) fail('CHAIN_BACKEND', 'getblock: expected hex');
        let block: Block;
        try {
          block = Block.fromBuffer(fromHex(a.result));
        } catch (e) {
          return fail('CHAIN_BACKEND', `getblock: block ${hashes[i]} does not parse: ${(e as Error).message}`);
        }
        for (const tx of block.transactions ?? []) {
          const inputIndex = spends(tx, prevHash, outpoint.vout);
          if (inputIndex >= 0) return { txid: tx.getId(), tx: Uint8Array.from(tx.toBuffer()), inputIndex, blockHeight: h + i };
        }
      }
      if (hashes.length < heights.length) break;
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

  /** The Authorization header: fixed credentials, or the cookie file's (read again when `reread`). */
  private async authorization(method: string, reread: boolean): Promise<string | undefined> {
    const file = this.cookieFile;
    if (file === undefined) return this.auth;
    if (reread || this.cookie === undefined) {
      const reading = fs.readFile(file, 'utf8').then((text) => {
        const line = text.replace(/\r?\n$/, '');
        const colon = line.indexOf(':');
        if (colon < 0) throw new Error('it is not user:password');
        return basicAuth(line.slice(0, colon), line.slice(colon + 1));
      });
      this.cookie = reading;
      // A failed read is not kept: the next call reads again (the node may be starting).
      reading.catch(() => {
        if (this.cookie === reading) this.cookie = undefined;
      });
    }
    try {
      return await this.cookie;
    } catch (e) {
      return fail('CHAIN_BACKEND', `${method}: cannot read the cookie file ${file}: ${failureText(e)}`, { method, cookieFile: file });
    }
  }

  /** One POST, connect to last byte within timeoutMs; transport failures are CHAIN_BACKEND. */
  private async post(method: string, body: string, authorization: string | undefined): Promise<{ status: number; text: string }> {
    const abort = new AbortController();
    this.inFlight.add(abort);
    const timer = setTimeout(() => abort.abort(new Error(`no complete answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    try {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (authorization !== undefined) headers.Authorization = authorization;
      const res = await fetch(this.endpoint, { method: 'POST', headers, body, signal: abort.signal, redirect: 'error' });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      const why = abort.signal.aborted ? failureText(abort.signal.reason) : failureText(e);
      return fail('CHAIN_BACKEND', `${method}: ${why}`, { method });
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(abort);
    }
  }
}
