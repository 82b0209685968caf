/**
 * Cost as the channel grows: time per payment in a window at the start and in
 * a window ending at each checkpoint, and the receiver's stored revocation
 * secrets there. Each window has its own channel, brought untimed to the
 * window's first payment; then the windows take turns, slice by slice (as the
 * throughput cases do), so a burst of load elsewhere on the machine lands on
 * all of them and cannot read as growth. The largest run drives the sender's
 * key schedule and the receiver's RevocationStore alone: a million real
 * payments would take longer than the whole benchmark may.
 */
import { RevocationStore } from '../lib/keys/revocation-store';
import { SecretSchedule } from '../lib/keys/shachain';
import { Case, alternate, median } from './measure';
import { Channel, VARIANTS, openChannel, payOnce, senderSecrets } from './parties';
import { Row } from './report';

export interface GrowthOptions {
  /** Payment counts at which to report, with real parties; increasing. */
  readonly checkpoints: readonly number[];
  /** Payments per timing window. */
  readonly window: number;
  /** Key schedule + store alone: steps in all, reporting at each power of ten on the way. */
  readonly scheduleSteps: number;
  readonly scheduleWindow: number;
}

const MAX_ENTRIES = 49;
/** Each window is timed in this many slices; the windows take turns within each slice. */
const SLICES = 10;
/** Payments a window really times: whole slices. */
const timed = (window: number) => Math.max(1, Math.floor(window / SLICES)) * SLICES;
const label = (n: number) => (Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : n.toLocaleString('en-US'));

/** Per-slice microseconds per step of each case, the cases' windows taking turns; and per-slice ratios to the first case. */
function interleaved(cases: readonly Case[], window: number): { us: Map<string, number>; ratio: Map<string, number> } {
  const perSlice = Math.max(1, Math.floor(window / SLICES));
  const t = alternate(cases, SLICES, perSlice, Math.min(10, perSlice)).cpu;
  const first = t.get(cases[0]!.name)!;
  const us = new Map(cases.map((c) => [c.name, median(t.get(c.name)!) * 1000]));
  const ratio = new Map(cases.map((c) => [c.name, median(t.get(c.name)!.map((x, i) => x / first[i]!))]));
  return { us, ratio };
}

export function runGrowth(o: GrowthOptions): Row[] {
  if (o.checkpoints.some((n) => n < 2 * o.window)) throw new Error('each checkpoint needs room for a window after the start window');
  // The schedule alone first: after 10^5 real payments, collecting their garbage would land in its windows.
  const alone = scheduleGrowth(o);
  return [...realGrowth(o), ...alone];
}

const turnsDetail = (window: number) => `the windows take turns in ${SLICES} slices of ${Math.max(1, Math.floor(window / SLICES))} payments (batches of 10, rotating order); time per payment is the median over slices, the ratio the median of the per-slice ratios to the start window`;

/** Real parties: one channel per window, each brought to its window's first payment, then the windows timed taking turns. */
function realGrowth(o: GrowthOptions): Row[] {
  // Warm the payment path on another channel, so the first slices time the channels, not the compiler.
  const warm = openChannel(VARIANTS[0]!.variant, 71);
  for (let i = 0; i < Math.min(200, o.window); i++) payOnce(warm, 100n);
  const start = openChannel(VARIANTS[0]!.variant, 70);
  const at: { n: number; c: Channel }[] = o.checkpoints.map((n, k) => ({ n, c: openChannel(VARIANTS[0]!.variant, 72 + k) }));
  for (const { n, c } of at) for (let i = 0; i < n - timed(o.window); i++) payOnce(c, 100n);
  const pays = (c: Channel) => (k: number) => { for (let i = 0; i < k; i++) payOnce(c, 100n); };
  const cases: Case[] = [{ name: 'start', run: pays(start) }, ...at.map(({ n, c }) => ({ name: String(n), run: pays(c) }))];
  const { us, ratio } = interleaved(cases, o.window);
  const startUs = us.get('start')!;
  const rows: Row[] = [{
    section: 'growth', name: `payments 1..${timed(o.window).toLocaleString('en-US')}: time per payment`, value: startUs, unit: 'us',
    note: 'real Sender + Receiver, csv, in memory',
    detail: `a fresh channel, 100 sat per payment; ${turnsDetail(o.window)}`,
  }];
  for (const { n, c } of at) {
    const store = c.receiver.revocationStore;
    const stateBytes = JSON.stringify(c.receiver.toJSON()).length;
    rows.push({
      section: 'growth', name: `after ${label(n)} payments: time per payment`, value: us.get(String(n))!, unit: 'us', ratio: ratio.get(String(n))!, ratioOf: 'of start',
      note: `payments ${(n - timed(o.window) + 1).toLocaleString('en-US')}..${n.toLocaleString('en-US')}, turns with the start`,
      detail: `its own channel, brought untimed to payment ${(n - timed(o.window)).toLocaleString('en-US')}; ${turnsDetail(o.window)}`,
    });
    rows.push({
      section: 'growth', name: `after ${label(n)} payments: receiver's stored secrets`, value: store.storedBytes(), unit: 'bytes',
      target: `<= ${MAX_ENTRIES} secrets`, pass: store.size() <= MAX_ENTRIES,
      note: `${store.size()} secrets; saved receiver JSON ${stateBytes} bytes`,
      detail: 'RevocationStore.storedBytes(): 32-byte secret + 8-byte index per entry; the whole Receiver.toJSON() is given for scale',
      data: { secrets: store.size(), stateJsonBytes: stateBytes },
    });
  }
  return rows;
}

/** The sender's key schedule and the receiver's store alone, to more steps than real payments could reach here. */
function scheduleGrowth(o: GrowthOptions): Row[] {
  const w = o.scheduleWindow;
  const pair = () => ({ schedule: new SecretSchedule(senderSecrets.updateSeed), store: new RevocationStore(), i: 0 });
  const warm = pair();
  const first = pair();
  const last = pair();
  const step = (p: ReturnType<typeof pair>) => (k: number) => {
    for (let j = 0; j < k; j++, p.i++) p.store.insertState(BigInt(p.i), p.schedule.deriveUpdateSecret(BigInt(p.i)));
  };
  step(warm)(w);
  // The long one to its last window, untimed, noting the most secrets its store held on the way.
  let maxEntries = 0;
  for (; last.i < o.scheduleSteps - timed(w); last.i++) {
    last.store.insertState(BigInt(last.i), last.schedule.deriveUpdateSecret(BigInt(last.i)));
    if (last.store.size() > maxEntries) maxEntries = last.store.size();
  }
  const { us, ratio } = interleaved([{ name: 'first', run: step(first) }, { name: 'last', run: step(last) }], w);
  maxEntries = Math.max(maxEntries, last.store.size(), first.store.size());
  const detail = `no parties and no signatures: SecretSchedule.deriveUpdateSecret (the sender's key schedule) and RevocationStore.insertState (which checks every stored secret the new one covers), what a long channel adds per payment beyond the fixed work; ${turnsDetail(w)}`;
  return [
    {
      section: 'growth', name: `key schedule + store, steps 1..${timed(w).toLocaleString('en-US')}`, value: us.get('first')!, unit: 'us',
      note: 'alone: derive k_i, store it', detail,
    },
    {
      section: 'growth', name: `key schedule + store, steps ${(o.scheduleSteps - timed(w) + 1).toLocaleString('en-US')}..${label(o.scheduleSteps)}`, value: us.get('last')!, unit: 'us',
      ratio: ratio.get('last')!, ratioOf: 'of start', note: 'the last window, turns with the first', detail,
    },
    {
      section: 'growth', name: `key schedule + store: stored secrets, at most, over ${label(o.scheduleSteps)} steps`, value: maxEntries * 40, unit: 'bytes',
      target: `<= ${MAX_ENTRIES} secrets`, pass: maxEntries <= MAX_ENTRIES,
      note: `${maxEntries} secrets at most`,
      data: { secrets: maxEntries, secretsAtEnd: last.store.size() },
    },
  ];
}
