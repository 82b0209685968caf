/**
 * The block scanner: which watched outpoints a list of transactions spends.
 * Each input is one key and one map lookup, so a block costs its inputs,
 * whatever the number of outpoints watched.
 */
import { Transaction } from 'bitcoinjs-lib';
import { toHex } from '../core/hash';

/**
 * The watcher's key for an outpoint: the txid in the byte order transactions
 * carry it (not the reversed display order), so a block's inputs need no copy.
 *
 * @param hash - The txid as transactions carry it.
 * @param vout - The output's index.
 */
export function outpointKey(hash: Uint8Array, vout: number): string {
  return `${toHex(hash)}:${vout}`;
}

/**
 * The entries of `watched` (keyed by outpointKey) that `txs` spend, in block
 * order, each with its spending transaction: one key and one map lookup per
 * input, so the cost follows the block's inputs, not the number of entries.
 * Lazy: an entry added while the caller handles one hit is found later in the
 * same block (a penalty claim mined together with the revoked version).
 *
 * @param txs - A block's transactions, in order.
 * @param watched - Entries by {@link outpointKey}.
 */
export function* spendsIn<T>(txs: readonly Transaction[], watched: ReadonlyMap<string, T>): Generator<{
  /** The spending transaction. */
  tx: Transaction;
  /** The entry of the outpoint it spends. */
  entry: T;
}> {
  for (const tx of txs) {
    for (const input of tx.ins) {
      const entry = watched.get(outpointKey(input.hash, input.index));
      if (entry !== undefined) yield { tx, entry };
    }
  }
}
