/** The service demo's summary: a table for people, or one JSON object (satoshis as decimal strings). */
import { table } from '../report';
import type { ServiceResult } from './session';

const int = (n: number) => n.toLocaleString('en-US');

/** Whether the run kept every promise: nothing lost or counted twice, every channel closed on chain as stored. */
export function runHeld(r: ServiceResult): boolean {
  return r.paymentsLost === 0 && r.paymentsDoubleCounted === 0 && r.closesOnChain === r.channels && r.closesMatchingDatabase === r.channels
    && r.paymentsFinal === r.paymentsAcknowledged && r.problems.length === 0
    && r.watchAfterFunding.registered === r.channels && r.watchAfterFunding.held === r.channels;
}

/**
 * The summary as aligned text.
 *
 * @param r - The run's result.
 */
export function renderServiceText(r: ServiceResult): string {
  const rows: [string, string][] = [
    ['clients / servers', `${r.clients} / ${r.servers}`],
    ['payments made', int(r.paymentsMade)],
    ['payments acknowledged', int(r.paymentsAcknowledged)],
    ['payments final (database)', int(r.paymentsFinal)],
    ['payments lost', int(r.paymentsLost)],
    ['double-counted', int(r.paymentsDoubleCounted)],
    ['throughput', `${r.throughputPerSecond.toFixed(0)} payments/s`],
    ['latency p50 / p99', `${r.latencyMs.p50.toFixed(1)} ms / ${r.latencyMs.p99.toFixed(1)} ms`],
    ['bytes delivered', int(r.bytesDelivered)],
    ['closes on chain', `${r.closesOnChain} / ${r.channels} (${r.closesMatchingDatabase} paying the stored amount)`],
    ['faults', r.faults.length === 0 ? 'none' : r.faults.map((f) => `${f.kind} ${f.detail} at payment ${f.atPayment}`).join('; ')],
    ['reconnects / retries / twins', `${r.reconnects} / ${r.retries} / ${r.twins}`],
    ['watched after funding', `${r.watchAfterFunding.held} of ${r.watchAfterFunding.registered} funding outpoints leased to a server`],
    ['watch leases taken', r.leases.map((l) => `${l.server} ${l.taken}${l.starts > 1 ? ` (${l.takenAfterRestart} after its restart)` : ''}, ${l.held} held at the end`).join('; ')],
    ['server errors', Object.entries(r.serverErrors).map(([code, e]) => `${code} x${e.count}`).join(', ') || 'none'],
    ['seconds', `setup ${r.seconds.setup.toFixed(1)}, streaming ${r.seconds.streaming.toFixed(1)}, closing ${r.seconds.closing.toFixed(1)}, total ${r.seconds.total.toFixed(1)}`],
    ['transactions on chain', `${r.transactions.length} (node height ${r.node.height})`],
  ];
  const text = table(['', 'value'], rows);
  const problems = r.problems.length === 0 ? '' : `\nproblems:\n${r.problems.map((p) => `  ${p}`).join('\n')}`;
  return `${text}${problems}\n${runHeld(r) ? 'every acknowledged payment is final in the database exactly once' : 'THE RUN FAILED ITS CHECKS'}`;
}

/**
 * The summary as one JSON object.
 *
 * @param r - The run's result.
 */
export function renderServiceJson(r: ServiceResult): string {
  return JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
