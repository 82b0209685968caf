/**
 * One step of a duty, run by the engine on every poll that works its
 * subject. A step never throws for a refused broadcast: it reports it and
 * leaves the duty as it was, for the next poll.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ChainBackend, ChainTip } from './backend';
import { broadcastRaising } from './broadcast';
import { Attempt, FixedDuty, ReplaceableDuty } from './duty';
import { deadlineFeeRate } from './fee-schedule';

/** What a step may use of the engine. */
export interface DutyHost {
  /** The node. */
  readonly backend: Pick<ChainBackend, 'broadcast'>;
  /** The mempool was listed this poll: absence from it means the transaction left. */
  readonly listed: boolean;
  /** Whether a transaction is known to be in the mempool now. */
  knownInMempool(txid: string): boolean;
  /** A failed call, reported with the duty's subject. */
  report(e: unknown): void;
}

async function rebroadcast(host: DutyHost, raw: Uint8Array): Promise<boolean> {
  try {
    await host.backend.broadcast(raw);
    return true;
  } catch (e) {
    host.report(e);
    return false;
  }
}

/**
 * One step of a replaceable duty whose outpoints were read: keep the live
 * attempt while the schedule asks no more of it (broadcast again when it is
 * not known to be in the mempool), else rebuild it at the schedule's rate; a
 * node that refuses a rate for its fee gets a higher one at once, up to the
 * ceiling.
 */
export async function stepReplaceable(host: DutyHost, d: ReplaceableDuty, tip: ChainTip): Promise<void> {
  if (d.settled) return;
  d.startHeight ??= tip.height;
  const fees = d.plan.fees(tip);
  // A tip below the one of the first attempt (a reorg to a shorter chain, a lagging node) has waited nothing.
  const target = deadlineFeeRate({ ...fees, blocksWaited: Math.max(0, tip.height - d.startHeight) });
  const live = d.usableLive();
  if (live && target <= live.rate) {
    // Evicted, reorged out, or nothing to tell: the same bytes again (a node that holds them says so at once).
    if (!host.knownInMempool(live.txid)) await rebroadcast(host, live.raw);
    return;
  }
  try {
    const sent = await broadcastRaising(host.backend, (r) => d.plan.build(r), target, {
      ceiling: fees.ceiling, ...(d.plan.retryAtOnce ? { onTransient: (e: unknown) => host.report(e) } : {}),
    });
    const replaces = d.live?.txid;
    const a: Attempt = { txid: sent.txid, raw: sent.raw, tx: Transaction.fromBuffer(sent.raw), rate: sent.rate };
    d.took(a);
    d.plan.onBroadcast?.(a, replaces !== undefined && replaces !== a.txid ? replaces : undefined);
  } catch (e) {
    host.report(e);
    // A node without replacement refuses the bump: the live attempt stays, broadcast again if it left.
    const kept = d.usableLive();
    if (kept && !host.knownInMempool(kept.txid)) await rebroadcast(host, kept.raw);
  }
}

/**
 * One step of a fixed duty: broadcast again when it is not known to be in
 * the mempool; once it has waited its child's blocks, a child paying for
 * both at the schedule's rate.
 */
export async function stepFixed(host: DutyHost, d: FixedDuty, tip: ChainTip): Promise<void> {
  if (d.plan.rebroadcast && !host.knownInMempool(d.txid)) {
    if (!(await rebroadcast(host, d.raw))) return;
    // Known to have left (the listing lacks it): back after an eviction or a reorg, its rate was enough before,
    // so it waits its turn again before a child pays. Without a listing nothing is known, and the wait goes on.
    if (host.listed || d.startHeight === undefined) d.startHeight = tip.height;
  }
  d.startHeight ??= tip.height;
  const waited = tip.height - d.startHeight;
  const plan = d.plan.child;
  if (!plan || waited < plan.afterBlocks) return;
  const fees = plan.fees(tip);
  if (!fees) return;
  const target = deadlineFeeRate({ ...fees, blocksWaited: waited - plan.afterBlocks });
  const child = d.child;
  if (child && child.rate >= target) {
    if (!host.knownInMempool(child.txid)) await rebroadcast(host, child.raw);
    return;
  }
  try {
    const sent = await broadcastRaising(host.backend, (r) => plan.build(r), target, { ceiling: fees.ceiling });
    d.child = { txid: sent.txid, raw: sent.raw, tx: Transaction.fromBuffer(sent.raw), rate: sent.rate };
    plan.onBroadcast?.(d.child);
  } catch (e) {
    host.report(e); // refused, or our output cannot pay for a child at all
  }
}
