/**
 * The buyer in a browser: the shared buyer (buyer.ts) over the browser's own
 * WebSocket, bundled from the package entry alone (no Node built-ins). A page
 * calls `payPerChunk.buyFile(...)` with its keys, its wallet coin and two
 * functions of its own for the chain: one that broadcasts, one that resolves
 * at the next block. The page signs the funding PSBT itself.
 */
import {
  MemoryChannelStore, asPrivateKey, derivePublicKey, fail, fromHex, p2wpkhScript, signPsbtWithKey, toHex,
} from '../../lib';
import { ChunkBuyer } from './buyer';
import { WebSocketLike, socketTransport } from './transport';

/** A purchase as a page describes it: plain JSON values, and its chain functions. */
export interface BrowserPurchase {
  /** The seller's WebSocket address. */
  readonly url: string;
  /** The channel's capacity in satoshis, as a decimal string. */
  readonly capacity: string;
  /** The most the buyer pays per chunk, as a decimal string. */
  readonly maxPrice: string;
  /** Hex private keys: the funding and payout keys, the 32-byte update seed, and the wallet coin's key. */
  readonly keys: {
    /** The sender's funding key. */
    readonly funding: string;
    /** The sender's payout key. */
    readonly payout: string;
    /** The channel's update seed. */
    readonly updateSeed: string;
    /** The key of the wallet coin (a P2WPKH coin); its change returns there too. */
    readonly wallet: string;
  };
  /** The wallet coin: a confirmed P2WPKH output of `keys.wallet`. */
  readonly coin: {
    /** Its txid. */
    readonly txid: string;
    /** Its output index. */
    readonly vout: number;
    /** Its value in satoshis, as a decimal string. */
    readonly value: string;
  };
  /**
   * Broadcasts a transaction.
   * @param hex - The transaction, hex.
   */
  broadcast(hex: string): Promise<string>;
  /** Resolves at the next block. */
  waitForBlock(): Promise<void>;
}

/** What the page gets back: the file and the chain's view of the purchase, as JSON values. */
export interface BrowserBought {
  /** The file, hex. */
  readonly fileHex: string;
  /** Chunks bought. */
  readonly chunks: number;
  /** Satoshis paid, as a decimal string. */
  readonly paid: string;
  /** The funding's txid. */
  readonly fundingTxid: string;
  /** The close's txid. */
  readonly closeTxid: string;
  /** The close, hex. */
  readonly closeHex: string;
}

function satsOf(v: string, what: string): bigint {
  if (typeof v !== 'string' || !/^(?:0|[1-9][0-9]{0,15})$/.test(v)) fail('INVALID_AMOUNT', `${what} must be satoshis as a decimal string`);
  return BigInt(v);
}

/**
 * Buys a file over the browser's WebSocket.
 *
 * @param p - The seller, the limits, the keys, the coin and the chain functions.
 * @returns The file and the purchase's transactions.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects, as for every code here) if there is no WebSocket or `p` is malformed.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity`, `maxPrice` or the coin's value is not a decimal string of satoshis.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid private key.
 * @throws {@link ChannelError} any code of the buyer (buyer.ts, `ChunkBuyer.buyFile`).
 */
export async function buyFile(p: BrowserPurchase): Promise<BrowserBought> {
  const WebSocketClass = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (WebSocketClass === undefined) fail('INVALID_ARGUMENT', 'this page has no WebSocket');
  if (p === null || typeof p !== 'object' || p.keys === null || typeof p.keys !== 'object' || p.coin === null || typeof p.coin !== 'object') {
    fail('INVALID_ARGUMENT', 'a purchase needs url, capacity, maxPrice, keys and coin');
  }
  const key = (hex: string, what: string) => asPrivateKey(fromHex(hex), what);
  const walletKey = key(p.keys.wallet, 'wallet key');
  const walletScript = p2wpkhScript(derivePublicKey(walletKey));
  const transport = await socketTransport(new WebSocketClass(p.url));
  try {
    const buyer = await ChunkBuyer.connect({
      transport,
      // A page that must survive a reload keeps this in IndexedDB; the example keeps it for the page's life.
      store: new MemoryChannelStore(),
      storeKey: 'buyer',
      secrets: { fundingKey: key(p.keys.funding, 'funding key'), payoutKey: key(p.keys.payout, 'payout key'), updateSeed: fromHex(p.keys.updateSeed) },
      wallet: {
        coin: { txid: p.coin.txid, vout: p.coin.vout, value: satsOf(p.coin.value, 'coin.value'), script: walletScript },
        changeScript: walletScript,
        signFunding: (psbt) => { signPsbtWithKey(psbt, walletKey); },
      },
      broadcast: (tx) => p.broadcast(toHex(tx)),
      waitForFunding: () => p.waitForBlock(),
      capacity: satsOf(p.capacity, 'capacity'),
      maxPrice: satsOf(p.maxPrice, 'maxPrice'),
    });
    const r = await buyer.buyFile();
    return {
      fileHex: toHex(r.bytes), chunks: r.chunks, paid: r.paid.toString(), fundingTxid: r.fundingTxid,
      closeTxid: r.closeTxid, closeHex: toHex(r.closeTx),
    };
  } finally {
    transport.close();
  }
}

(globalThis as { payPerChunk?: unknown }).payPerChunk = { buyFile };
