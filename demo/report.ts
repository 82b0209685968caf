/** The summary: aligned plain-text tables, or one JSON object with satoshis as decimal strings. */
import type { WatcherEvent } from '../lib';
import { Broadcast } from './ledger';
import { ChannelSummary, Refusal } from './scenario';
import { TwoHopSummary } from './channel-two-hop';

export interface DemoResult {
  readonly startHeight: number;
  readonly endHeight: number;
  readonly seconds: number;
  readonly transactions: readonly Broadcast[];
  readonly channels: readonly ChannelSummary[];
  readonly events: readonly WatcherEvent[];
  /** Transactions the node refused, as the scenarios meant it to. */
  readonly refusals: readonly Refusal[];
  /** The two-hop payment A -> B -> C. */
  readonly twoHop?: TwoHopSummary;
}

/** Columns padded to their widest cell; numbers (right: true) aligned right. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const rate = (c: ChannelSummary) => c.payments.perSecond.toFixed(0);

export function renderText(r: DemoResult): string {
  const txs = table(
    ['kind', 'chan', 'variant', 'broadcast by', 'txid', 'weight', 'fee sat', 'height'],
    r.transactions.map((t) => [t.kind, t.channel, t.variant, t.by, t.txid, String(t.weight), t.fee.toString(), String(t.blockHeight ?? '-')]),
    [false, false, false, false, false, true, true, true],
  );
  const balances = table(
    ['chan', 'variant', 'state', 'receiver (agreed)', 'sender (agreed)', 'settled by', 'receiver on chain', 'sender on chain', 'fees'],
    r.channels.map((c) => [
      c.name, c.variant, String(c.agreed.index), c.agreed.receiver.toString(), c.agreed.sender.toString(),
      c.settled.by, c.settled.receiver.toString(), c.settled.sender.toString(), c.settled.fees.toString(),
    ]),
    [false, false, true, true, true, false, true, true, true],
  );
  const speed = table(
    ['chan', 'payments', 'sat each', 'seconds', 'payments/s', 'JSON messages', 'JSON bytes'],
    r.channels.map((c) => [
      c.name, String(c.payments.count), c.payments.increment.toString(), c.payments.seconds.toFixed(3), rate(c),
      String(c.wire.messages), String(c.wire.bytes),
    ]),
    [false, true, true, true, true, true, true],
  );
  return [
    `Transactions (each accepted by the node's mempool and confirmed; fee = node's input values - outputs)`,
    txs, '',
    'Balances in satoshis (agreed = latest off-chain state, after the payment fee)',
    balances, '',
    'Payments (revocable: offer -> accept -> revoke; Spillman: pay -> ack; decreasing-lock: update -> ack; every message through JSON)',
    speed, '',
    `Chain: regtest heights ${r.startHeight} -> ${r.endHeight}; whole demo ${r.seconds.toFixed(2)} s`,
  ].join('\n');
}

function eventJson(e: WatcherEvent): Record<string, unknown> {
  return JSON.parse(JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

export function renderJson(r: DemoResult): string {
  const out = {
    network: 'regtest',
    startHeight: r.startHeight,
    endHeight: r.endHeight,
    seconds: Number(r.seconds.toFixed(3)),
    transactions: r.transactions.map((t) => ({
      kind: t.kind, channel: t.channel, variant: t.variant, broadcastBy: t.by, txid: t.txid, hex: t.hex,
      weight: t.weight, fee: t.fee.toString(), blockHeight: t.blockHeight ?? null,
    })),
    channels: r.channels.map((c) => ({
      name: c.name, variant: c.variant, capacity: c.capacity.toString(), feeRate: c.feeRate.toString(), fundingTxid: c.fundingTxid,
      agreed: { state: c.agreed.index, receiver: c.agreed.receiver.toString(), sender: c.agreed.sender.toString() },
      settled: { by: c.settled.by, receiver: c.settled.receiver.toString(), sender: c.settled.sender.toString(), fees: c.settled.fees.toString() },
      payments: {
        count: c.payments.count, amountEach: c.payments.increment.toString(), seconds: Number(c.payments.seconds.toFixed(4)),
        perSecond: Number(c.payments.perSecond.toFixed(1)), jsonMessages: c.wire.messages, jsonBytes: c.wire.bytes,
      },
    })),
    paymentsPerSecond: Object.fromEntries(r.channels.map((c) => [c.name, Number(c.payments.perSecond.toFixed(1))])),
    watcherEvents: r.events.map(eventJson),
    refusals: r.refusals,
    ...(r.twoHop === undefined ? {} : { twoHop: {
      hash: r.twoHop.hash, preimage: r.twoHop.preimage, fee: r.twoHop.fee.toString(),
      steps: r.twoHop.steps.map((x) => ({ kind: x.kind, channel: x.channel, id: x.id, ...(x.amount !== undefined ? { amount: x.amount.toString() } : {}), ...(x.expiry !== undefined ? { expiry: x.expiry } : {}) })),
      closes: r.twoHop.closes.map((x) => ({ channel: x.channel, txid: x.txid, receiver: x.receiver.toString(), sender: x.sender.toString(), fee: x.fee.toString() })),
    } }),
  };
  return JSON.stringify(out, null, 2);
}
