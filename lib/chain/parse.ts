/**
 * Bytes a backend returns are the node's, not ours: one that does not parse
 * is the backend's failure (CHAIN_BACKEND), reported like a timeout, never a
 * parser's own error escaping from a watcher.
 */
import { Block, Transaction } from 'bitcoinjs-lib';
import { fail } from '../core/errors';
import { txidToHash, bytesEqual } from '../core/hash';
import { SpendInfo } from './backend';

export function txFromBackend(raw: unknown, what: string, txid?: string): Transaction {
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(raw as Uint8Array);
  } catch {
    return fail('CHAIN_BACKEND', `${what}: the backend returned a transaction that does not parse`);
  }
  if (txid !== undefined && tx.getId() !== txid) fail('CHAIN_BACKEND', `${what}: the backend returned ${tx.getId()} for ${txid}`);
  return tx;
}

export function blockFromBackend(raw: unknown, height: number): Block {
  try {
    return Block.fromBuffer(raw as Uint8Array);
  } catch {
    return fail('CHAIN_BACKEND', `the backend returned a block at height ${height} that does not parse`);
  }
}

/** The spender a backend names must spend the outpoint asked about. */
export function spenderOf(s: SpendInfo, outpoint: { txid: string; vout: number }): Transaction {
  const tx = txFromBackend(s.tx, 'getSpender', s.txid);
  const hash = txidToHash(outpoint.txid);
  if (!tx.ins.some((i) => i.index === outpoint.vout && bytesEqual(i.hash, hash))) fail('CHAIN_BACKEND', `getSpender: ${s.txid} does not spend ${outpoint.txid}:${outpoint.vout}`);
  return tx;
}
