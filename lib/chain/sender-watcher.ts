/**
 * The sender's watcher: after its own version of the channel confirmed, sweep
 * the revocable output through the timeout branch as soon as the lock allows
 * (CLTV: the tip has reached T; CSV: the version has D confirmations). It
 * broadcasts each sweep once, and asks the chain first whether the output is
 * already spent, so a restart does nothing twice.
 */
import { EventEmitter } from 'node:events';
import { Transaction } from 'bitcoinjs-lib';
import { isChannelError } from '../errors';
import { Sender } from '../channel/sender';
import { findRevocableOutput } from '../tx/revocable-spend';
import { decodeStateNumber } from '../tx/state-number';
import { FeeRate, absoluteLockValue, relativeLockValue } from '../types';
import { ChainBackend, ChainTip } from './backend';

export type SenderWatcherEvent =
  | { kind: 'closed'; txid: string; own: boolean; height?: number }
  | { kind: 'sweep-broadcast'; txid: string }
  | { kind: 'sweep-confirmed'; txid: string; height: number }
  | { kind: 'error'; code: string; message: string };

export interface SenderWatcherOptions {
  readonly backend: ChainBackend;
  readonly destinationScript: Uint8Array;
  readonly feeRate: FeeRate;
}

/** Whether a timeout spend of an output confirmed at `confirmedHeight` may enter the next block. */
export function timeoutOpen(sender: Sender, confirmedHeight: number, tip: ChainTip): boolean {
  const v = sender.variant;
  if (v.kind === 'csv') return tip.height + 1 - confirmedHeight >= relativeLockValue(v.delay);
  const t = absoluteLockValue(v.expiry);
  // nLockTime T is final in block tip+1 when T < tip+1 (heights) or T < median time past (times).
  return 'height' in v.expiry ? t <= tip.height : t < tip.medianTimePast;
}

export class SenderWatcher extends EventEmitter {
  private closing?: { txid: string; tx: Uint8Array; own: boolean; height?: number };
  private sweep?: { txid: string; confirmedHeight?: number };

  constructor(private readonly sender: Sender, private readonly opts: SenderWatcherOptions) {
    super();
  }

  private emitEvent(e: SenderWatcherEvent): void {
    this.emit('event', e);
    if (e.kind !== 'error') this.emit(e.kind, e);
  }

  async poll(): Promise<void> {
    const b = this.opts.backend;
    const f = this.sender.funding;
    if (!f) return;
    if (!this.closing || this.closing.height === undefined) {
      const s = await b.getSpender(f);
      if (!s) return;
      const tx = Transaction.fromBuffer(s.tx);
      const ctx = this.sender.context;
      const state = decodeStateNumber(tx.locktime, tx.ins[0]?.sequence ?? 0, ctx.obscuringFactor);
      const own = state !== undefined && findRevocableOutput(ctx, tx, this.sender.updateKey(Number(state))) !== undefined;
      const first = !this.closing;
      this.closing = { txid: s.txid, tx: s.tx, own, ...(s.blockHeight !== undefined ? { height: s.blockHeight } : {}) };
      if (first) {
        if (this.sender.phase !== 'closed') this.sender.markClosed();
        this.emitEvent({ kind: 'closed', txid: s.txid, own, ...(s.blockHeight !== undefined ? { height: s.blockHeight } : {}) });
      }
    }
    const c = this.closing;
    if (!c.own || c.height === undefined) return;
    if (this.sweep) {
      if (this.sweep.confirmedHeight === undefined && b.getConfirmations) {
        const n = await b.getConfirmations(this.sweep.txid).catch(() => 0);
        if (n > 0) {
          const tip = await b.getTip();
          this.sweep.confirmedHeight = tip.height - n + 1;
          this.emitEvent({ kind: 'sweep-confirmed', txid: this.sweep.txid, height: this.sweep.confirmedHeight });
        }
      }
      return;
    }
    const tip = await b.getTip();
    if (!timeoutOpen(this.sender, c.height, tip)) return;
    try {
      const tx = this.sender.timeoutSweep(c.tx, this.opts.destinationScript, this.opts.feeRate);
      const spent = await b.getSpender({ txid: c.txid, vout: tx.ins[0]!.index });
      const txid = spent ? spent.txid : await b.broadcast(tx.toBuffer());
      this.sweep = { txid };
      if (!spent) this.emitEvent({ kind: 'sweep-broadcast', txid });
    } catch (e) {
      this.emitEvent({ kind: 'error', code: isChannelError(e) ? e.code : 'UNKNOWN', message: (e as Error).message });
    }
  }
}
