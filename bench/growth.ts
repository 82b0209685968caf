/**
 * Cost as the channel grows: time per payment in a window at the start and in
 * a window ending at each checkpoint, and the receiver's stored revocation
 * secrets there. The largest run drives the sender's key schedule and the
 * receiver's RevocationStore alone: a million real payments would take longer
 * than the whole benchmark may.
 */
import { RevocationStore } from '../lib/keys/revocation-store';
import { SecretSchedule } from '../lib/keys/shachain';
import { median, now } from './measure';
import { VARIANTS, openChannel, payOnce, senderSecrets } from './parties';
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
const label = (n: number) => (Number.isInteger(Math.log10(n)) ? `10^${Math.log10(n)}` : n.toLocaleString('en-US'));

/** Microseconds per step of `step` over [from, to), in slices so the median resists bursts of load elsewhere. */
function windowUs(from: number, to: number, step: (i: number) => void): number {
  const slices: number[] = [];
  const slice = Math.max(1, Math.floor((to - from) / 10));
  for (let a = from; a < to; a += slice) {
    const b = Math.min(to, a + slice);
    const t = now();
    for (let i = a; i < b; i++) step(i);
    slices.push(((now() - t) * 1000) / (b - a));
  }
  return median(slices);
}

export function runGrowth(o: GrowthOptions): Row[] {
  if (o.checkpoints.some((n) => n < 2 * o.window)) throw new Error('each checkpoint needs room for a window after the start window');
  // The schedule alone first: after 10^5 real payments, collecting their garbage would land in its start window.
  const alone = scheduleGrowth(o);
  return [...realGrowth(o), ...alone];
}

/** Real parties: time per payment at the start and before each checkpoint, and the receiver's store there. */
function realGrowth(o: GrowthOptions): Row[] {
  const rows: Row[] = [];
  // Warm the payment path on another channel, so the start window times the channel, not the compiler.
  const warm = openChannel(VARIANTS[0]!.variant, 71);
  for (let i = 0; i < Math.min(200, o.window); i++) payOnce(warm, 100n);
  const c = openChannel(VARIANTS[0]!.variant, 70);
  const pay = () => payOnce(c, 100n);
  const startUs = windowUs(0, o.window, pay);
  let done = o.window;
  rows.push({
    section: 'growth', name: `payments 1..${o.window.toLocaleString('en-US')}: time per payment`, value: startUs, unit: 'us',
    note: 'real Sender + Receiver, csv, in memory',
    detail: 'one channel, 100 sat per payment; time per payment is the median over ten slices of the window',
  });
  for (const n of o.checkpoints) {
    const windowStart = Math.max(done, n - o.window);
    for (; done < windowStart; done++) pay();
    const us = windowUs(done, n, pay);
    done = n;
    const store = c.receiver.revocationStore;
    const stateBytes = JSON.stringify(c.receiver.toJSON()).length;
    rows.push({
      section: 'growth', name: `after ${label(n)} payments: time per payment`, value: us, unit: 'us', ratio: us / startUs, ratioOf: 'of start',
      note: `payments ${(windowStart + 1).toLocaleString('en-US')}..${n.toLocaleString('en-US')}`,
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
  const rows: Row[] = [];
  const warmSchedule = new SecretSchedule(senderSecrets.updateSeed);
  const warmStore = new RevocationStore();
  for (let k = 0; k < o.scheduleWindow; k++) warmStore.insertState(BigInt(k), warmSchedule.deriveUpdateSecret(BigInt(k)));
  const schedule = new SecretSchedule(senderSecrets.updateSeed);
  const store = new RevocationStore();
  const step = (i: number) => store.insertState(BigInt(i), schedule.deriveUpdateSecret(BigInt(i)));
  const w = o.scheduleWindow;
  const first = windowUs(0, w, step);
  let i = w;
  let maxEntries = store.size();
  rows.push({
    section: 'growth', name: `key schedule + store, steps 1..${w.toLocaleString('en-US')}`, value: first, unit: 'us',
    note: 'alone: derive k_i, store it',
    detail: 'no parties and no signatures: SecretSchedule.deriveUpdateSecret (the sender\'s key schedule) and RevocationStore.insertState (which checks every stored secret the new one covers), what a long channel adds per payment beyond the fixed work',
  });
  for (let p = 10; p <= o.scheduleSteps; p *= 10) {
    if (p <= w) continue;
    const timed = p === o.scheduleSteps;
    const until = timed ? p - w : p;
    for (; i < until; i++) {
      step(i);
      if (store.size() > maxEntries) maxEntries = store.size();
    }
    if (timed) {
      const us = windowUs(i, p, step);
      i = p;
      rows.push({
        section: 'growth', name: `key schedule + store, steps ${(p - w + 1).toLocaleString('en-US')}..${label(p)}`, value: us, unit: 'us', ratio: us / first, ratioOf: 'of start',
        note: 'the last window',
      });
    }
  }
  rows.push({
    section: 'growth', name: `key schedule + store: stored secrets, at most, over ${label(o.scheduleSteps)} steps`, value: maxEntries * 40, unit: 'bytes',
    target: `<= ${MAX_ENTRIES} secrets`, pass: maxEntries <= MAX_ENTRIES,
    note: `${maxEntries} secrets at most`,
    data: { secrets: maxEntries, secretsAtEnd: store.size() },
  });
  return rows;
}
