/**
 * What revchan needs from a chain: enough to broadcast, to see whether a
 * channel output has been spent (and by what), and to read blocks for a
 * watcher. Kept small so it can be served honestly by Bitcoin Core's RPC
 * without a spent-index, as well as by an in-process test node.
 *
 * All txids and block hashes are in the usual display (big-endian hex) order.
 * Every failure is a ChannelError:
 *   - 'BROADCAST_REJECTED' when the node refused a transaction
 *     (details.reason is the node's reason string, or 'unknown' when the node
 *     gave none);
 *   - 'CHAIN_BACKEND' when the node could not be asked (transport, auth,
 *     timeout, unexpected answer);
 *   - 'NOT_FOUND' for a block height above the tip or an unknown txid where
 *     the method cannot answer "absent";
 *   - 'INVALID_ARGUMENT' / 'INVALID_TRANSACTION' for bad inputs, before the
 *     node is contacted.
 */

/** The node's best block. */
export interface ChainTip {
  /** Its height. */
  height: number;
  /** BIP 113 median time past of the tip itself (the 11 blocks ending at it). */
  medianTimePast: number;
  /** Its hash. */
  hash: string;
}

/** The transaction that spends an outpoint. */
export interface SpendInfo {
  /** The spender's txid. */
  txid: string;
  /** The spender, serialized with its witnesses. */
  tx: Uint8Array;
  /** Which of its inputs spends the outpoint. */
  inputIndex: number;
  /** Absent while the spender is only in the mempool. */
  blockHeight?: number;
}

/**
 * What the watchers and {@link confirmFunding} need from a node. Implement it
 * over any source of blocks and transactions; `CoreRpcBackend` in
 * `revchan/node` serves it from Bitcoin Core or bcoin JSON-RPC. Failures are
 * {@link ChannelError}s with the codes listed in this module's description.
 */
export interface ChainBackend {
  /** The node's best block. */
  getTip(): Promise<ChainTip>;
  /**
   * Resolves with the txid once the transaction is in the node's mempool or
   * already confirmed, so re-broadcasting (e.g. a penalty) is idempotent.
   *
   * @param tx - The serialized signed transaction.
   */
  broadcast(tx: Uint8Array): Promise<string>;
  /**
   * undefined when the node does not know the txid. A backend without a
   * transaction index (Core without -txindex) only knows mempool transactions.
   *
   * @param txid - The transaction's id.
   */
  getTransaction(txid: string): Promise<{
    /** The serialized transaction. */
    tx: Uint8Array;
    /** The height of its block; absent while in the mempool. */
    blockHeight?: number;
  } | undefined>;
  /**
   * Raw serialized block at `height` on the active chain, with witnesses.
   *
   * @param height - The block's height.
   */
  getBlock(height: number): Promise<Uint8Array>;
  /**
   * Hash of the block at `height` on the active chain, undefined above the
   * tip. A watcher compares it with the hash it read there before: a
   * difference is a reorg.
   *
   * @param height - The block's height.
   */
  getBlockHash(height: number): Promise<string | undefined>;
  /**
   * The transaction spending `outpoint`, in the mempool or on the active chain.
   *
   * @param outpoint - The output asked about.
   */
  getSpender(outpoint: { txid: string; vout: number }): Promise<SpendInfo | undefined>;
  /**
   * A transaction's confirmations: 0 while in the mempool; throws 'NOT_FOUND' when the node does not know the txid.
   *
   * @param txid - The transaction's id.
   */
  getConfirmations?(txid: string): Promise<number>;
  /**
   * The txids in the node's mempool. With it a watcher reads the mempool once
   * per poll (and fetches only transactions it has not seen), instead of
   * asking for the spender of every watched output.
   */
  getMempoolTxids?(): Promise<string[]>;
}
