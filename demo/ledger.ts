/**
 * Every transaction the demo puts on chain goes through the Ledger, which
 * checks it with the node (the proof): accepted into the mempool, then
 * confirmed by the next block. The fee is computed from the node's own copies
 * of the previous transactions, not from the builder's arithmetic.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ChannelError, hashToTxid, toHex } from '../lib';
import type { RegtestNode } from '../test/kit/regtest-node';

export class DemoFailure extends Error {
  override readonly name = 'DemoFailure';
}

export interface Broadcast {
  readonly kind: string;
  readonly channel: string;
  readonly variant: string;
  readonly txid: string;
  readonly hex: string;
  readonly weight: number;
  /** Sum of the inputs' previous outputs (as the node stores them) minus the outputs. */
  readonly fee: bigint;
  /** Who broadcast it. */
  readonly by: string;
  blockHeight?: number;
}

/** Why the node refused a transaction, from a BROADCAST_REJECTED error's details. */
function rejection(e: unknown): string {
  if (e instanceof ChannelError) {
    const d = e.details ?? {};
    const extra = [d.scriptError && `script error ${String(d.scriptError)}`, d.inputIndex !== undefined && `input ${String(d.inputIndex)}`]
      .filter(Boolean).join(', ');
    return `${String(d.reason ?? e.message)}${extra ? ` (${extra})` : ''}`;
  }
  return (e as Error).message;
}

export class Ledger {
  readonly records: Broadcast[] = [];

  constructor(private readonly node: RegtestNode) {}

  /** Broadcast through the node; throws DemoFailure with the node's reason if refused. */
  async broadcast(kind: string, channel: string, variant: string, tx: Transaction, by: string): Promise<Broadcast> {
    const txid = tx.getId();
    try {
      const got = await this.node.broadcast(tx.toBuffer());
      if (got !== txid) throw new DemoFailure(`node reports txid ${got} for ${kind} ${txid}`);
    } catch (e) {
      if (e instanceof DemoFailure) throw e;
      throw new DemoFailure(`node rejected ${kind} ${txid}: ${rejection(e)}`);
    }
    return this.record(kind, channel, variant, txid, by);
  }

  /** Record a transaction somebody else broadcast (the watcher's penalty): it must be in the node already. */
  async record(kind: string, channel: string, variant: string, txid: string, by: string): Promise<Broadcast> {
    const known = await this.node.getTransaction(txid);
    if (known === undefined) throw new DemoFailure(`${kind} ${txid} is unknown to the node`);
    if (known.blockHeight === undefined && !this.node.mempoolHas(txid)) throw new DemoFailure(`${kind} ${txid} is not in the mempool`);
    const tx = Transaction.fromBuffer(known.tx);
    const r: Broadcast = {
      kind, channel, variant, txid, by, hex: toHex(known.tx), weight: tx.weight(), fee: await this.feeOf(tx),
      ...(known.blockHeight !== undefined ? { blockHeight: known.blockHeight } : {}),
    };
    this.records.push(r);
    return r;
  }

  /** Mine n blocks; every recorded transaction must then be confirmed. */
  async mine(n = 1): Promise<number> {
    await this.node.mine(n);
    const tip = await this.node.getTip();
    for (const r of this.records) {
      if (r.blockHeight !== undefined) continue;
      const known = await this.node.getTransaction(r.txid);
      if (known?.blockHeight === undefined) {
        const why = known === undefined ? 'dropped by the node' : 'still in the mempool';
        throw new DemoFailure(`${r.kind} ${r.txid} not confirmed at height ${tip.height}: ${why}`);
      }
      r.blockHeight = known.blockHeight;
    }
    return tip.height;
  }

  async feeOf(tx: Transaction): Promise<bigint> {
    let inputs = 0n;
    for (const input of tx.ins) {
      const prevTxid = hashToTxid(input.hash);
      const prev = await this.node.getTransaction(prevTxid);
      if (prev === undefined) throw new DemoFailure(`node does not know ${prevTxid}, spent by ${tx.getId()}`);
      const out = Transaction.fromBuffer(prev.tx).outs[input.index];
      if (out === undefined) throw new DemoFailure(`${prevTxid} has no output ${input.index}`);
      inputs += out.value;
    }
    return inputs - tx.outs.reduce((s, o) => s + o.value, 0n);
  }
}
