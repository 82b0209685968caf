/**
 * One random run of the receiver's watcher on the embedded regtest node, for
 * test/watcher-property.spec.ts: channels opened during the run, a sender
 * that keeps every version and broadcasts old ones, blocks mined normally,
 * empty or under congestion, reorganisations (some dropping a channel
 * transaction), evictions, backend faults, listeners that throw, watcher
 * restarts and polls in any order. Then the run settles (no more faults,
 * normal blocks) and the invariants are read from the confirmed chain, not
 * from the watcher's records.
 *
 * Two rules keep the runs to what a watcher can be asked to win (the
 * README's security model):
 * - the receiver is online: at most RECEIVER_ONLINE_BLOCKS blocks are mined
 *   between two receiver polls (a poll is forced before a step that would
 *   break it);
 * - miners are eventually fair: among any `fairEvery` consecutive heights
 *   there is a fair block, mined normally right after a receiver poll without
 *   faults, and never reorganised away. Without it a congested mempool that
 *   never takes the claim, or a miner that reorganises every claim away,
 *   beats any watcher (bcoin 1.0.2 never replaces a mempool transaction, so
 *   a claim stuck below the congestion rate cannot even be bumped).
 * The first bound is well below the CSV delay (10) and the CLTV margin (10);
 * the second leaves a claim at least one block before the sender's sweep
 * can enter, and a close at the CLTV cutoff at least one before the expiry.
 */
import { Block, Transaction } from 'bitcoinjs-lib';
import fc from 'fast-check';
import {
  ChainBackend, FeeRate, ReceiverWatcher, ReceiverWatcherOptions, SenderWatcher, SenderWatcherEvent, WatcherEvent, isChannelError, p2wpkhScript, toHex,
} from '../../lib';
import { RegtestNode } from '../kit/regtest-node';
import { AdversarialChannel, openAdversarialChannel } from './adversarial';
import { payOnce, wire } from './e2e';
import { BackendMethod, Fault, FlakyPlan, flaky } from './flaky-backend';
import { testKey } from './keys';
import { RunStats } from './protocol-invariants';

// ---- the scenario

export type VariantName = 'CSV' | 'CLTV';

export interface ChannelPlan {
  readonly variant: VariantName;
  readonly capacity: bigint;
  /** Payments made right after the channel opens (each revokes the version before it). */
  readonly payments: readonly bigint[];
  /** Index of the action before which the channel opens (the first channel opens before any). */
  readonly openAt: number;
  /** A CSV channel still open when the run settles: closed by the receiver's watcher, or by the sender with its latest version. */
  readonly settleBy: 'receiver' | 'sender';
}

export type Action =
  | { readonly kind: 'mine'; readonly n: 1 | 2; readonly how: 'normal' | 'empty' | 'congested'; readonly rate: FeeRate }
  /** drop-spend: a spend of a funding output vanishes; drop-watcher: one of the watcher's own (claim, CPFP child, close). */
  | { readonly kind: 'reorg'; readonly depth: number; readonly mode: 'plain' | 'empty' | 'drop-spend' | 'drop-watcher'; readonly pick: number }
  | { readonly kind: 'evict'; readonly pick: number }
  /** The sender broadcasts one of its versions: a revoked one (its pick among them) or its latest. */
  | { readonly kind: 'cheat'; readonly channel: number; readonly which: 'revoked' | 'latest'; readonly pick: number }
  /** The sender's timeout sweep of every version it broadcast, at a rate of its choice. */
  | { readonly kind: 'sweep'; readonly channel: number; readonly rate: FeeRate }
  | { readonly kind: 'pay'; readonly channel: number; readonly amount: bigint }
  | { readonly kind: 'close'; readonly channel: number }
  /** The next calls of one backend method fail: `skip` calls pass, then `count` fail. */
  | { readonly kind: 'faults'; readonly target: 'receiver' | 'sender'; readonly method: BackendMethod; readonly fault: Fault; readonly skip: number; readonly count: number }
  | { readonly kind: 'listener'; readonly event: string }
  | { readonly kind: 'restart'; readonly withFundingTx: boolean }
  | { readonly kind: 'poll'; readonly who: 'receiver' | 'senders' | 'both' };

export interface Scenario {
  readonly channels: readonly ChannelPlan[];
  readonly actions: readonly Action[];
  /** At a CLTV cutoff the watcher first asks the sender for a cooperative close (onCutoff); otherwise it closes with its own version. */
  readonly cooperativeCutoff: boolean;
  /** A fair block among any this many consecutive heights. */
  readonly fairEvery: (typeof FAIR_EVERY_CHOICES)[number];
}

// ---- rules and rates

/** At most this many blocks between two receiver polls. */
export const RECEIVER_ONLINE_BLOCKS = 3;
/**
 * A fair block among any this many consecutive heights, chosen per run. With
 * 8 a claim may wait until one block before the sender's CSV sweep can enter
 * (D = 10), its rate rising on the way.
 */
export const FAIR_EVERY_CHOICES = [3, 5, 8] as const;
/** Settling gives up (and fails) after this many blocks. */
export const SETTLE_BLOCKS = 200;
/** The watchers' first rate (sat/kw), as in the other on-chain specs. */
export const WATCHER_RATE: FeeRate = 1000n;
/** Rate of a cooperative close at the CLTV cutoff. */
const CLOSE_RATE: FeeRate = 2000n;
/** The cheating sender's sweep rate when it sweeps as soon as the lock opens. */
const CHEAT_SWEEP_RATE: FeeRate = 2000n;

const BACKEND_METHODS: readonly BackendMethod[] = ['getTip', 'broadcast', 'getTransaction', 'getBlock', 'getBlockHash', 'getSpender', 'getConfirmations', 'getMempoolTxids'];
export const WATCHER_EVENT_KINDS = ['event', 'block', 'reorg', 'spend', 'spend-vanished', 'penalty-broadcast', 'penalty-confirmed', 'cutoff', 'cpfp-broadcast', 'resolved'] as const;

/**
 * Faults planted in the watcher's surroundings (never in lib/), each of
 * which must make some run break an invariant:
 * - 'claims-dropped-after-reorg': after the first reorganisation the
 *   receiver's backend answers every broadcast of a watcher transaction (a
 *   claim, a CPFP child: all outputs to the watcher's destination) with its
 *   txid and never sends it;
 * - 'receiver-offline': the receiver's watcher skips every poll for 14 blocks
 *   from 3 blocks after it starts (longer than the CSV delay and the CLTV
 *   margin), breaking the receiver-online rule;
 * - 'restart-from-tip': a restarted watcher reads from the tip instead of
 *   the channels' funding heights, so it never sees spends confirmed before.
 */
export type PlantedFault = 'claims-dropped-after-reorg' | 'receiver-offline' | 'restart-from-tip';

export class WatcherViolation extends Error {
  constructor(readonly invariant: string, readonly detail: string, readonly trace: readonly string[] = []) {
    super(`[${invariant}] ${detail}`);
    this.name = 'WatcherViolation';
  }
}

// ---- helpers

const txidOfInput = (hash: Uint8Array): string => Buffer.from(hash).reverse().toString('hex');
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const isP2wsh = (script: Uint8Array): boolean => script.length === 34 && script[0] === 0x00 && script[1] === 0x20;

/** The next calls of each method fail as planned; cleared when faults stop. */
class FaultQueue {
  private readonly next = new Map<BackendMethod, (Fault | undefined)[]>();
  plan(method: BackendMethod, fault: Fault, skip: number, count: number): void {
    this.next.set(method, [...Array<undefined>(skip).fill(undefined), ...Array<Fault>(count).fill(fault)]);
  }
  clear(): void {
    this.next.clear();
  }
  flakyPlan(): FlakyPlan {
    return Object.fromEntries(BACKEND_METHODS.map((m) => [m, () => this.next.get(m)?.shift()])) as FlakyPlan;
  }
}

/** Every method of `base`, with broadcast replaced. */
function withBroadcast(base: ChainBackend, broadcast: (raw: Uint8Array) => Promise<string>): ChainBackend {
  const b: ChainBackend = {
    getTip: () => base.getTip(),
    broadcast,
    getTransaction: (txid) => base.getTransaction(txid),
    getBlock: (h) => base.getBlock(h),
    getBlockHash: (h) => base.getBlockHash(h),
    getSpender: (o) => base.getSpender(o),
  };
  if (base.getMempoolTxids) Object.assign(b, { getMempoolTxids: () => base.getMempoolTxids!() });
  if (base.getConfirmations) Object.assign(b, { getConfirmations: (txid: string) => base.getConfirmations!(txid) });
  return b;
}

/** A watcher that skips its polls while `offline()` says so (planted 'receiver-offline'). */
class OfflineWatcher extends ReceiverWatcher {
  constructor(opts: ReceiverWatcherOptions, private readonly offline: () => Promise<boolean>) {
    super(opts);
  }
  override async poll(): Promise<void> {
    if (await this.offline()) return;
    await super.poll();
  }
}

interface Chan {
  readonly index: number;
  readonly plan: ChannelPlan;
  readonly c: AdversarialChannel;
  /** The sender's versions, by state: versions[0] is the refund. */
  readonly versions: Transaction[];
  /** States the sender broadcast (the node took them). */
  readonly broadcast: Set<number>;
  readonly senderWatcher: SenderWatcher;
}

/** A mempool or block transaction of a channel: the spend of its funding output (level 0) or a spend of one of that spend's outputs (level 1). */
interface ChannelTx {
  readonly txid: string;
  readonly channel: number;
  readonly level: 0 | 1;
  readonly vout: number;
  readonly what: string;
}

export interface RunOptions {
  readonly stats?: RunStats;
  readonly fault?: PlantedFault;
  readonly settleBlocks?: number;
  /** Invariant 5 (the sender's watcher reports only its own sweeps); false: count violations, do not fail. */
  readonly checkSenderReports?: boolean;
  /** Called with the run's trace when it ends, failed or not. */
  readonly onTrace?: (trace: readonly string[]) => void;
}

/** Runs one scenario on a fresh node; throws a WatcherViolation when an invariant breaks. */
export async function runWatcherScenario(sc: Scenario, opts: RunOptions = {}): Promise<void> {
  const node = await RegtestNode.start();
  const run = new WatcherRun(node, sc, opts);
  try {
    await run.run();
  } catch (e) {
    if (e instanceof WatcherViolation) throw new WatcherViolation(e.invariant, `${e.detail}\n    trace (last steps):\n      ${run.trace.slice(-80).join('\n      ')}`, run.trace);
    throw e;
  } finally {
    opts.onTrace?.(run.trace);
    await node.stop();
  }
}

class WatcherRun {
  readonly trace: string[] = [];
  private readonly stats: RunStats;
  private readonly chans: Chan[] = [];
  private readonly receiverFaults = new FaultQueue();
  private readonly senderFaults = new FaultQueue();
  private readonly receiverBackend: ChainBackend;
  private readonly senderBackend: ChainBackend;
  /** The watcher's one destination, for every channel's claims and children. */
  private readonly destination = p2wpkhScript(testKey('watcher property destination').pub);
  private watcher?: ReceiverWatcher;
  private readonly throwing: string[] = [];
  /** Failures seen inside listeners (which cannot throw out of the watcher). */
  private readonly violations: WatcherViolation[] = [];
  private readonly pendingSweepReports: { index: number; txid: string; walletScript: Uint8Array }[] = [];
  /** Every 'resolved' the watchers reported, by any watcher instance of the run. */
  private readonly resolvedReports: Extract<WatcherEvent, { kind: 'resolved' }>[] = [];
  private readonly senderResolved: { index: number; txid: string }[] = [];
  private lastPollHeight = 0;
  private lastFairHeight = 0;
  /** No reorganisation replaces a block at or below this height (fair blocks, funding blocks). */
  private floorHeight = 0;
  private reorged = false;
  private watcherStart = 0;

  constructor(private readonly node: RegtestNode, private readonly sc: Scenario, private readonly opts: RunOptions) {
    this.stats = opts.stats ?? new RunStats();
    const receiverFlaky = flaky(node, this.receiverFaults.flakyPlan(), { hangMs: 2 });
    this.receiverBackend = opts.fault === 'claims-dropped-after-reorg'
      ? withBroadcast(receiverFlaky, async (raw) => {
        const tx = Transaction.fromBuffer(raw);
        if (this.reorged && this.isWatcherTx(tx)) {
          this.stats.add('planted: broadcast dropped');
          return tx.getId();
        }
        return receiverFlaky.broadcast(raw);
      })
      : receiverFlaky;
    this.senderBackend = flaky(node, this.senderFaults.flakyPlan(), { hangMs: 2 });
  }

  private log(line: string): void {
    this.trace.push(line);
  }

  private violate(invariant: string, message: string): never {
    throw new WatcherViolation(invariant, message);
  }

  private async tip(): Promise<number> {
    return (await this.node.getTip()).height;
  }

  private isWatcherTx(tx: Transaction): boolean {
    return tx.outs.length > 0 && tx.outs.every((o) => sameBytes(o.script, this.destination));
  }

  // ---- the run

  async run(): Promise<void> {
    const { channels, actions } = this.sc;
    for (const [i, plan] of channels.entries()) if (i === 0 || plan.openAt === 0) await this.open(i);
    await this.startWatcher();
    this.lastFairHeight = this.floorHeight = await this.tip();
    for (const [step, action] of actions.entries()) {
      for (const [i, plan] of channels.entries()) if (i > 0 && step > 0 && plan.openAt === step) await this.openDuringRun(i);
      await this.act(step, action);
      this.checkListenerViolations();
      await this.checkSweepReports();
    }
    for (const i of channels.keys()) if (!this.chans.some((c) => c.index === i)) await this.openDuringRun(i);
    const resolved = await this.settle();
    await this.checkChain();
    if (!resolved) {
      const open = [
        ...this.watcher!.records().filter((r) => !r.resolved).map((r) => `receiver ${JSON.stringify(r)}`),
        ...this.chans.filter((ch) => !ch.senderWatcher.status.resolved).map((ch) => `sender #${ch.index} ${describe(ch.senderWatcher.status as never)}`),
      ];
      this.violate('settled', `channels not resolved after ${this.opts.settleBlocks ?? SETTLE_BLOCKS} settling blocks: ${open.join('; ')}`);
    }
    this.checkListenerViolations();
  }

  private checkListenerViolations(): void {
    if (this.violations.length > 0) throw this.violations[0]!;
  }

  private async open(i: number): Promise<void> {
    const plan = this.sc.channels[i]!;
    const c = await openAdversarialChannel(this.node, plan.variant, plan.capacity);
    const versions = [c.sender.latestTransaction()];
    for (const amount of plan.payments) {
      await payOnce(c, amount);
      versions.push(c.sender.latestTransaction());
    }
    const senderWatcher = new SenderWatcher(c.sender, { backend: this.senderBackend, destinationScript: c.walletScript, feeRate: WATCHER_RATE });
    this.attachSender(senderWatcher, i, c.walletScript);
    const chan: Chan = { index: i, plan, c, versions, broadcast: new Set(), senderWatcher };
    this.chans.push(chan);
    this.watcher?.watch(c.receiver);
    this.floorHeight = Math.max(this.floorHeight, await this.tip());
    this.stats.add(`channels ${plan.variant}`);
    this.log(`open #${i} ${plan.variant} capacity ${plan.capacity} funded at ${c.fundingHeight}${c.expiry !== undefined ? ` expiry ${c.expiry}` : ''}, ${plan.payments.length} payments, receiver owed ${c.receiver.amount}`);
  }

  /** Opening mines two blocks (the coin, the funding): within the rules like any other mining. */
  private async openDuringRun(i: number): Promise<void> {
    await this.beforeBlocks(2);
    await this.open(i);
    await this.cheaterSweeps();
  }

  private watcherOptions(fromHeight: number): ReceiverWatcherOptions {
    const opts: ReceiverWatcherOptions = { backend: this.receiverBackend, feeRate: WATCHER_RATE, destinationScript: this.destination, fromHeight };
    if (!this.sc.cooperativeCutoff) return opts;
    // The sender signs a close of the last agreed amount unless it is closed already (its watcher saw a spend): then it throws, and the watcher closes alone.
    return {
      ...opts,
      onCutoff: async (receiver) => {
        const ch = this.chans.find((x) => x.c.receiver === receiver)!;
        const { message } = ch.c.sender.onCloseOffer(wire(receiver.proposeClose(CLOSE_RATE)), 10n * CLOSE_RATE);
        this.stats.add('cooperative closes at the cutoff');
        return receiver.onCloseSigned(wire(message));
      },
    };
  }

  private async startWatcher(fromTip = false, withFundingTx = false): Promise<void> {
    const fromHeight = fromTip ? (await this.tip()) + 1 : Math.min(...this.chans.map((c) => c.c.fundingHeight));
    const opts = this.watcherOptions(fromHeight);
    if (this.opts.fault === 'receiver-offline') {
      if (this.watcher === undefined) this.watcherStart = await this.tip();
      const from = this.watcherStart + 3;
      this.watcher = new OfflineWatcher(opts, async () => {
        const h = await this.tip();
        const off = h >= from && h < from + 14;
        if (off) this.stats.add('planted: poll skipped');
        return off;
      });
    } else {
      this.watcher = new ReceiverWatcher(opts);
    }
    this.attachReceiver(this.watcher);
    for (const ch of this.chans) this.watcher.watch(ch.c.receiver, withFundingTx ? { fundingTx: ch.c.fundingTx.toBuffer() } : {});
    await this.pollReceiver();
  }

  private attachReceiver(w: ReceiverWatcher): void {
    w.onEvent((e: WatcherEvent) => {
      if (e.kind !== 'block') this.log(`  receiver watcher: ${describe(e)}`);
      this.stats.add(`event ${e.kind}`);
      if (e.kind === 'error') this.checkError('receiver watcher', e);
      if (e.kind === 'resolved') this.resolvedReports.push(e);
      if (e.kind === 'penalty-broadcast' && e.feeRate > WATCHER_RATE) this.stats.add('claims above the first rate');
    });
    for (const kind of this.throwing) w.on(kind, thrower);
  }

  private attachSender(w: SenderWatcher, index: number, walletScript: Uint8Array): void {
    w.onEvent((e: SenderWatcherEvent) => {
      this.log(`  sender watcher #${index}: ${describe(e)}`);
      this.stats.add(`sender event ${e.kind}`);
      if (e.kind === 'error') this.checkError('sender watcher', e);
      if (e.kind === 'sweep-confirmed') this.pendingSweepReports.push({ index, txid: e.txid, walletScript });
      if (e.kind === 'resolved') this.senderResolved.push({ index, txid: e.txid });
    });
  }

  /**
   * Invariant 5: a sweep the sender's watcher reports confirmed is the
   * sender's: it pays the sender's destination (the cheater's own sweeps do
   * too). Checked after each step, since listeners cannot await the node.
   */
  private async checkSweepReports(): Promise<void> {
    for (const r of this.pendingSweepReports.splice(0)) {
      const got = await this.node.getTransaction(r.txid);
      const tx = got && Transaction.fromBuffer(got.tx);
      if (!tx || tx.outs.some((o) => sameBytes(o.script, r.walletScript))) continue;
      this.stats.add('sender watcher: sweep-confirmed of a transaction not paying the sender');
      if (this.opts.checkSenderReports !== false) {
        this.violate('sender-report', `the sender's watcher of #${r.index} reported sweep-confirmed for ${r.txid}, which pays nothing to the sender${this.isWatcherTx(tx) ? ' (it is the receiver\'s claim)' : ''}`);
      }
    }
  }

  /** Invariant 4: an error event has a code, and the code is a ChannelError's (UNKNOWN: something else was thrown inside the watcher). */
  private checkError(who: string, e: { code: unknown; message: string }): void {
    this.stats.add(`error ${String(e.code)}`);
    if (typeof e.code !== 'string' || e.code === '') {
      this.violations.push(new WatcherViolation('errors', `${who} reported an error without a code: ${JSON.stringify(e)}`));
    } else if (e.code === 'UNKNOWN') {
      this.violations.push(new WatcherViolation('errors', `${who} reported a failure that is not a ChannelError: ${e.message}`));
    }
  }

  // ---- polls (invariant 4: never thrown)

  private async pollReceiver(): Promise<void> {
    try {
      await this.watcher!.poll();
    } catch (e) {
      this.violate('poll', `ReceiverWatcher.poll() threw: ${(e as Error)?.stack ?? String(e)}`);
    }
    this.lastPollHeight = await this.tip();
    this.stats.add('receiver polls');
  }

  private async pollSenders(): Promise<void> {
    for (const ch of this.chans) {
      try {
        await ch.senderWatcher.poll();
      } catch (e) {
        this.violate('poll', `SenderWatcher.poll() of #${ch.index} threw: ${(e as Error)?.stack ?? String(e)}`);
      }
    }
  }

  // ---- the rules

  /**
   * Before `n` new blocks (beyond the tip): the receiver polls if it would
   * otherwise miss more than RECEIVER_ONLINE_BLOCKS, and a fair block comes
   * first if the new ones would leave `fairEvery` heights without one.
   */
  private async beforeBlocks(n: number): Promise<void> {
    let tip = await this.tip();
    if (tip + n > this.lastFairHeight + this.sc.fairEvery - 1) {
      await this.fairBlock();
      tip = await this.tip();
    }
    if (tip + n - this.lastPollHeight > RECEIVER_ONLINE_BLOCKS) {
      this.log(`  (receiver online: poll at ${tip})`);
      this.stats.add('receiver polls forced');
      await this.pollReceiver();
    }
  }

  /** No faults, a receiver poll, and a normal block that no reorganisation replaces. */
  private async fairBlock(): Promise<void> {
    this.receiverFaults.clear();
    this.senderFaults.clear();
    await this.pollReceiver();
    await this.node.mine(1);
    this.lastFairHeight = this.floorHeight = await this.tip();
    this.stats.add('fair blocks');
    this.log(`  fair block ${this.lastFairHeight}`);
    await this.cheaterSweeps();
  }

  /**
   * The cheating sender is always online: as soon as a version it broadcast
   * has confirmed and its lock lets a sweep in, it broadcasts the sweep
   * (bcoin refuses one that is not final yet, or whose output is spent).
   */
  private async cheaterSweeps(rate: FeeRate = CHEAT_SWEEP_RATE, only?: Chan): Promise<void> {
    for (const ch of only ? [only] : this.chans) {
      for (const state of ch.broadcast) {
        const version = ch.versions[state]!;
        const got = await this.node.getTransaction(version.getId());
        if (got?.blockHeight === undefined) continue;
        const sweep = ch.c.sender.timeoutSweep(version.toBuffer(), ch.c.walletScript, rate);
        if (this.node.mempoolHas(sweep.getId())) continue;
        try {
          await this.node.broadcast(sweep.toBuffer());
          const revoked = ch.c.receiver.isRevoked(state);
          this.stats.add(revoked ? 'sweeps of a revoked version accepted' : 'sweeps of the latest version accepted');
          this.log(`  sender #${ch.index} sweep of state ${state}${revoked ? ' (revoked)' : ''} accepted: ${sweep.getId()}`);
        } catch (e) {
          if (!isChannelError(e, 'BROADCAST_REJECTED')) throw e;
        }
      }
    }
  }

  // ---- actions

  private chanOf(pick: number): Chan {
    return this.chans[pick % this.chans.length]!;
  }

  private async act(step: number, a: Action): Promise<void> {
    const tip = await this.tip();
    const tag = `#${step} @${tip}`;
    switch (a.kind) {
      case 'mine': {
        await this.beforeBlocks(a.n);
        if (a.how === 'normal') await this.node.mine(a.n);
        else if (a.how === 'empty') await this.node.mineEmpty(a.n);
        else await this.node.mineAboveFeeRate(a.n, a.rate);
        this.log(`${tag} mine ${a.n} ${a.how}${a.how === 'congested' ? ` above ${a.rate} sat/kw` : ''} -> ${await this.tip()}`);
        this.stats.add(`action mine ${a.how}`);
        await this.cheaterSweeps();
        return;
      }
      case 'reorg':
        return this.reorg(tag, a);
      case 'evict': {
        const candidates = await this.mempoolChannelTxs();
        if (candidates.length === 0) {
          this.log(`${tag} evict: nothing of a channel in the mempool`);
          return;
        }
        const victim = candidates[a.pick % candidates.length]!;
        this.node.evict(victim.txid);
        this.stats.add(`evicted ${victim.what}`);
        this.log(`${tag} evict ${victim.what} of #${victim.channel} ${victim.txid}`);
        return;
      }
      case 'cheat': {
        const ch = this.chanOf(a.channel);
        const latest = ch.versions.length - 1;
        const revoked = ch.versions.map((_, s) => s).filter((s) => ch.c.receiver.isRevoked(s));
        const state = a.which === 'latest' || revoked.length === 0 ? latest : revoked[a.pick % revoked.length]!;
        const version = ch.versions[state]!;
        const isRevoked = ch.c.receiver.isRevoked(state);
        try {
          await this.node.broadcast(version.toBuffer());
          ch.broadcast.add(state);
          this.stats.add(isRevoked ? 'revoked versions broadcast' : 'latest versions broadcast');
          this.log(`${tag} sender #${ch.index} broadcasts state ${state}${isRevoked ? ' (revoked)' : ' (latest)'}: ${version.getId()}`);
        } catch (e) {
          if (!isChannelError(e, 'BROADCAST_REJECTED')) throw e;
          this.log(`${tag} sender #${ch.index} broadcast of state ${state} refused: ${String(e.details?.reason)}`);
        }
        return;
      }
      case 'sweep': {
        const ch = this.chanOf(a.channel);
        this.log(`${tag} sender #${ch.index} sweeps at ${a.rate}`);
        await this.cheaterSweeps(a.rate, ch);
        return;
      }
      case 'pay': {
        const ch = this.chanOf(a.channel);
        if (ch.c.receiver.phase !== 'open' || ch.c.sender.phase !== 'open') return;
        try {
          await payOnce(ch.c, a.amount);
          ch.versions.push(ch.c.sender.latestTransaction());
          this.stats.add('payments during the run');
          this.log(`${tag} payment of ${a.amount} on #${ch.index}: receiver owed ${ch.c.receiver.amount} (state ${ch.versions.length - 1})`);
        } catch (e) {
          if (!isChannelError(e)) throw e;
          this.stats.add(`payment refused ${e.code}`);
          this.log(`${tag} payment on #${ch.index} refused: ${e.code}`);
        }
        return;
      }
      case 'close': {
        const ch = this.chanOf(a.channel);
        if (await this.node.getSpender(ch.c.sender.funding!)) return;
        try {
          const txid = this.watcher!.closeUnilaterally(ch.c.receiver);
          this.stats.add('unilateral closes asked for');
          this.log(`${tag} receiver #${ch.index} closes unilaterally: ${txid}`);
        } catch (e) {
          if (!isChannelError(e)) throw e;
          this.log(`${tag} receiver #${ch.index} cannot close: ${e.code}`);
        }
        return;
      }
      case 'faults': {
        (a.target === 'receiver' ? this.receiverFaults : this.senderFaults).plan(a.method, a.fault, a.skip, a.count);
        this.stats.add(`faults ${a.fault}`);
        this.log(`${tag} ${a.target} backend: ${a.method} calls ${a.skip + 1}..${a.skip + a.count} from now '${a.fault}'`);
        return;
      }
      case 'listener': {
        this.throwing.push(a.event);
        this.watcher!.on(a.event, thrower);
        this.stats.add('throwing listeners');
        this.log(`${tag} a listener of '${a.event}' that throws`);
        return;
      }
      case 'restart': {
        this.stats.add('restarts');
        this.log(`${tag} receiver watcher restarted`);
        this.watcher!.removeAllListeners();
        await this.startWatcher(this.opts.fault === 'restart-from-tip', a.withFundingTx);
        return;
      }
      case 'poll': {
        this.log(`${tag} poll ${a.who}`);
        if (a.who !== 'senders') await this.pollReceiver();
        if (a.who !== 'receiver') await this.pollSenders();
        return;
      }
    }
  }

  private async reorg(tag: string, a: Extract<Action, { kind: 'reorg' }>): Promise<void> {
    let tip = await this.tip();
    // The new branch is one block longer: within the fair-block rule like any mining.
    if (tip + 1 > this.lastFairHeight + this.sc.fairEvery - 1) {
      this.log(`${tag} reorg needs a fair block first`);
      await this.fairBlock();
      tip = await this.tip();
    }
    // Fair and funding blocks stay: blocks to replace are mined first, as far as the rules allow.
    const room = this.lastFairHeight + this.sc.fairEvery - 2 - tip;
    const more = Math.min(a.depth - (tip - this.floorHeight), room);
    if (more > 0) {
      await this.beforeBlocks(more);
      await this.node.mine(more);
      this.log(`${tag} mine ${more} normal to reorganise -> ${await this.tip()}`);
      tip = await this.tip();
    }
    const depth = Math.min(a.depth, tip - this.floorHeight);
    if (depth < 1) {
      this.stats.add('reorgs skipped (fair block on top)');
      this.log(`${tag} reorg skipped: the tip is a fair or funding block`);
      return;
    }
    await this.beforeBlocks(1);
    let drop: ChannelTx | undefined;
    if (a.mode === 'drop-spend' || a.mode === 'drop-watcher') {
      const all = [...(await this.blockChannelTxs(tip - depth + 1, tip)), ...(await this.mempoolChannelTxs())];
      // The receiver's versions and cooperative closes here are the watcher's (at the cutoff, or asked for).
      const watcherTxs = all.filter((t) => ['claim', 'receiver child', 'receiver version', 'close'].includes(t.what));
      const spends = all.filter((t) => t.level === 0);
      const candidates = a.mode === 'drop-watcher' && watcherTxs.length > 0 ? watcherTxs : spends;
      drop = candidates[a.pick % Math.max(1, candidates.length)];
    }
    await this.node.reorg(depth, { ...(drop ? { drop: [drop.txid] } : {}), ...(a.mode === 'empty' ? { empty: true } : {}) });
    this.reorged = true;
    this.stats.add(`reorgs ${drop ? `dropping ${drop.what}` : a.mode === 'empty' ? 'empty' : 'plain'}`);
    this.stats.add(`reorgs of depth ${depth}`);
    this.log(`${tag} reorg depth ${depth}${a.mode === 'empty' ? ' (empty branch)' : ''}${drop ? ` dropping ${drop.what} of #${drop.channel} ${drop.txid}` : ''} -> ${await this.tip()}`);
    await this.cheaterSweeps();
  }

  // ---- channel transactions, for evictions and drops (in a fixed order, so a path replays)

  private async classify(tx: Transaction): Promise<ChannelTx | undefined> {
    const txid = tx.getId();
    for (const input of tx.ins) {
      const prev = txidOfInput(input.hash);
      const ch = this.chans.find((c) => c.c.sender.funding!.txid === prev && c.c.sender.funding!.vout === input.index);
      if (ch) return { txid, channel: ch.index, level: 0, vout: 0, what: this.nameOfSpend(ch, tx) };
    }
    for (const input of tx.ins) {
      const parent = await this.node.getTransaction(txidOfInput(input.hash));
      if (!parent) continue;
      const ptx = Transaction.fromBuffer(parent.tx);
      const ch = this.chans.find((c) => ptx.ins.some((i) => txidOfInput(i.hash) === c.c.sender.funding!.txid && i.index === c.c.sender.funding!.vout));
      if (!ch) continue;
      const what = this.isWatcherTx(tx)
        ? (isP2wsh(ptx.outs[input.index]!.script) || tx.ins.length > 1 ? 'claim' : 'receiver child')
        : isP2wsh(ptx.outs[input.index]!.script) ? 'sender sweep' : 'sender child';
      return { txid, channel: ch.index, level: 1, vout: input.index, what };
    }
    return undefined;
  }

  private nameOfSpend(ch: Chan, tx: Transaction): string {
    const state = ch.c.receiver.stateOf(tx);
    if (state === undefined) return 'close';
    if (!tx.outs.some((o) => isP2wsh(o.script))) return 'receiver version';
    return ch.c.receiver.isRevoked(Number(state)) ? 'revoked version' : 'latest version';
  }

  private static order(a: ChannelTx, b: ChannelTx): number {
    return a.channel - b.channel || a.level - b.level || a.vout - b.vout || a.what.localeCompare(b.what);
  }

  private async mempoolChannelTxs(): Promise<ChannelTx[]> {
    const out: ChannelTx[] = [];
    for (const txid of await this.node.getMempoolTxids()) {
      const got = await this.node.getTransaction(txid);
      if (!got) continue;
      const c = await this.classify(Transaction.fromBuffer(got.tx));
      if (c) out.push(c);
    }
    return out.sort(WatcherRun.order);
  }

  private async blockChannelTxs(from: number, to: number): Promise<ChannelTx[]> {
    const out: ChannelTx[] = [];
    for (let h = from; h <= to; h++) {
      const block = Block.fromBuffer(await this.node.getBlock(h));
      for (const tx of (block.transactions ?? []).slice(1)) {
        const c = await this.classify(tx);
        if (c) out.push(c);
      }
    }
    return out.sort(WatcherRun.order);
  }

  // ---- settling

  /** No more faults: normal blocks, every party polling, until both parties' watchers resolved every channel. */
  private async settle(): Promise<boolean> {
    this.receiverFaults.clear();
    this.senderFaults.clear();
    this.log(`settle from ${await this.tip()}`);
    const limit = this.opts.settleBlocks ?? SETTLE_BLOCKS;
    for (let i = 0; i <= limit; i++) {
      if (i % 10 === 0) await this.closeIdleChannels();
      await this.pollReceiver();
      await this.pollSenders();
      await this.checkSweepReports();
      await this.cheaterSweeps();
      if (this.watcher!.records().every((r) => r.resolved) && this.chans.every((ch) => ch.senderWatcher.status.resolved)) {
        this.stats.add('settling blocks', i);
        this.log(`settled at ${await this.tip()} after ${i} blocks`);
        return true;
      }
      if (i < limit) {
        await this.node.mine(1);
        this.lastFairHeight = await this.tip();
      }
    }
    return false;
  }

  /**
   * A channel nobody closed is closed now: a CSV one by the receiver's
   * watcher or by the sender with its latest version, as planned; one whose
   * receiver is owed nothing (its watcher has nothing to close with, even at
   * a CLTV cutoff) by the sender.
   */
  private async closeIdleChannels(): Promise<void> {
    for (const ch of this.chans) {
      const owedNothing = ch.c.receiver.latestTransaction() === undefined;
      if ((ch.plan.variant !== 'CSV' && !owedNothing) || (await this.node.getSpender(ch.c.sender.funding!))) continue;
      if (ch.plan.settleBy === 'receiver' && !owedNothing) {
        this.log(`  settle: receiver #${ch.index} closes unilaterally: ${this.watcher!.closeUnilaterally(ch.c.receiver)}`);
        this.stats.add('settled by a receiver close');
        continue;
      }
      const state = ch.versions.length - 1;
      try {
        await this.node.broadcast(ch.versions[state]!.toBuffer());
        ch.broadcast.add(state);
        this.stats.add('settled by the sender\'s latest version');
        this.log(`  settle: sender #${ch.index} broadcasts its latest state ${state}`);
      } catch (e) {
        if (!isChannelError(e, 'BROADCAST_REJECTED')) throw e;
      }
    }
  }

  // ---- invariants on the final chain

  private async checkChain(): Promise<void> {
    for (const ch of this.chans) {
      const { c } = ch;
      const r = c.receiver;
      const label = `channel #${ch.index} (${ch.plan.variant})`;
      const spend = await this.node.getSpender(c.sender.funding!);
      if (spend?.blockHeight === undefined) this.violate('owed', `${label}: its funding output is not spent on the final chain`);
      const f = Transaction.fromBuffer(spend.tx);
      const state = r.stateOf(f);
      const revocableVout = f.outs.findIndex((o) => isP2wsh(o.script));
      const revoked = state !== undefined && revocableVout >= 0 && r.isRevoked(Number(state));
      const kind = state === undefined ? 'close' : revocableVout < 0 ? 'receiver version' : revoked ? 'revoked version' : 'latest version';
      this.stats.add(`final: ${kind}`);
      this.log(`final ${label}: ${kind}${state !== undefined ? ` state ${state}` : ''} at ${spend.blockHeight} ${spend.txid}`);

      // Invariant 1: a revoked version on the final chain has its revocable output spent by a claim paying only the destination.
      if (revoked) {
        const claim = await this.node.getSpender({ txid: spend.txid, vout: revocableVout });
        if (claim?.blockHeight === undefined || !this.isWatcherTx(Transaction.fromBuffer(claim.tx))) {
          this.violate('claim', `${label}: revoked state ${state} confirmed at ${spend.blockHeight}, its revocable output ${claim ? `went to ${claim.txid} at ${claim.blockHeight}, not a claim` : 'is unspent'}`);
        }
        this.stats.add('final: revoked versions claimed');
        if (Transaction.fromBuffer(claim.tx).ins.length === 1 && f.outs.length > 1) this.stats.add('final: claims of the revocable output alone');
      }

      // Invariant 2: a CLTV channel's funding output is spent below its expiry (or by a revoked version, claimed
      // above), when the receiver is owed something (owed nothing, its watcher has nothing to close with).
      if (c.expiry !== undefined && spend.blockHeight >= c.expiry && !revoked && r.amount > 0n) {
        this.violate('expiry', `${label}: funding spent by ${kind} at ${spend.blockHeight}, not below the expiry ${c.expiry}`);
      }

      // Invariant 3: the receiver ends with at least what it was owed, less what the watcher paid in fees.
      //   received = Σ over the outputs o of the funding spend F:
      //     o unspent (or spent by something not the watcher's): o.value if o pays the receiver's payout script;
      //     o spent by a watcher transaction W (claim, CPFP child: all outputs to the destination): W's outputs, once per W.
      //   watcherFees = Σ over those W: inputs − outputs (what the watcher chose to pay miners, the burn included).
      //   received + watcherFees >= owed, the receiver's last final amount: a version of the last state pays it
      //   exactly that, a claim takes every output of an older one (the sender's revocable balance included), and
      //   a revoked version left unclaimed, or a close of an older state, pays it less.
      let received = 0n;
      let watcherFees = 0n;
      const counted = new Set<string>();
      for (const [vout, o] of f.outs.entries()) {
        const child = await this.node.getSpender({ txid: spend.txid, vout });
        const childTx = child?.blockHeight !== undefined ? Transaction.fromBuffer(child.tx) : undefined;
        if (childTx && this.isWatcherTx(childTx)) {
          if (counted.has(child!.txid)) continue;
          counted.add(child!.txid);
          const out = childTx.outs.reduce((s, x) => s + x.value, 0n);
          let inputs = 0n;
          for (const input of childTx.ins) {
            const parent = await this.node.getTransaction(txidOfInput(input.hash));
            inputs += Transaction.fromBuffer(parent!.tx).outs[input.index]!.value;
          }
          received += out;
          watcherFees += inputs - out;
          this.stats.add(isP2wsh(o.script) || childTx.ins.length > 1 ? 'final: claims' : 'final: receiver children');
          continue;
        }
        if (sameBytes(o.script, r.context.receiverPayoutScript)) received += o.value;
      }
      const owed = r.amount;
      if (received + watcherFees < owed) {
        this.violate('owed', `${label}: the receiver was owed ${owed} and holds ${received} on the final chain (watcher fees ${watcherFees})`);
      }

      // Invariant 6: 'resolved' is final. Every one reported for this channel, by any watcher of the run (reorgs
      // here are shallower than finalDepth), names the funding spend of the final chain, its height, its kind and
      // the claim that took the revocable output.
      const outcome = { close: 'cooperative-close', 'receiver version': 'receiver-version', 'revoked version': 'revoked-sender-version', 'latest version': 'latest-sender-version' }[kind];
      const claim = revoked ? (await this.node.getSpender({ txid: spend.txid, vout: revocableVout }))!.txid : undefined;
      for (const e of this.resolvedReports.filter((x) => x.channelId === toHex(r.channelId))) {
        if (e.txid !== spend.txid || e.height !== spend.blockHeight || e.outcome !== outcome || e.claim !== claim) {
          this.violate('resolved', `${label}: the receiver's watcher reported ${describe(e)}; the final chain has ${outcome} ${spend.txid} at ${spend.blockHeight}${claim ? ` claimed by ${claim}` : ''}`);
        }
      }
      for (const e of this.senderResolved.filter((x) => x.index === ch.index)) {
        if (e.txid !== spend.txid) this.violate('resolved', `${label}: the sender's watcher reported resolved ${e.txid}; the final chain's funding spend is ${spend.txid}`);
      }
    }
  }
}

function thrower(): never {
  throw new Error('a listener that throws');
}

function describe(e: WatcherEvent | SenderWatcherEvent): string {
  return JSON.stringify(e, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

// ---- arbitraries

const channelPlanArb: fc.Arbitrary<ChannelPlan> = fc.record({
  variant: fc.constantFrom<VariantName>('CSV', 'CLTV'),
  capacity: fc.constantFrom(400_000n, 1_000_000n, 2_500_000n),
  // Sometimes none: the receiver is owed nothing and its watcher has nothing to close with at the cutoff.
  payments: fc.array(fc.bigInt({ min: 1_000n, max: 60_000n }), { minLength: 0, maxLength: 4 }),
  openAt: fc.oneof(fc.constant(0), fc.nat({ max: 30 })),
  settleBy: fc.constantFrom<'receiver' | 'sender'>('receiver', 'sender'),
});

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('mine' as const), n: fc.constantFrom<1 | 2>(1, 1, 2),
      how: fc.constantFrom<'normal' | 'empty' | 'congested'>('normal', 'normal', 'empty', 'congested', 'congested'),
      rate: fc.constantFrom<FeeRate>(2_000n, 8_000n, 40_000n),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 3 }),
      mode: fc.constantFrom<'plain' | 'empty' | 'drop-spend' | 'drop-watcher'>('plain', 'empty', 'drop-spend', 'drop-watcher', 'drop-watcher'), pick: fc.nat(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('evict' as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('cheat' as const), channel: fc.nat(), which: fc.constantFrom<'revoked' | 'latest'>('revoked', 'revoked', 'revoked', 'latest'), pick: fc.nat(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), channel: fc.nat(), rate: fc.constantFrom<FeeRate>(1_000n, 10_000n, 100_000n) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pay' as const), channel: fc.nat(), amount: fc.bigInt({ min: 1_000n, max: 30_000n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), channel: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('faults' as const), target: fc.constantFrom<'receiver' | 'sender'>('receiver', 'receiver', 'receiver', 'sender'),
      // The watchers never call getConfirmations; broadcast and the reads of every poll come more often.
      method: fc.constantFrom<BackendMethod>(...BACKEND_METHODS, 'broadcast', 'broadcast', 'getTip', 'getBlockHash', 'getSpender', 'getMempoolTxids', 'getTransaction'),
      fault: fc.constantFrom<Fault>('fail', 'hang', 'lost'),
      skip: fc.nat({ max: 3 }), count: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('listener' as const), event: fc.constantFrom(...WATCHER_EVENT_KINDS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), withFundingTx: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('poll' as const), who: fc.constantFrom<'receiver' | 'senders' | 'both'>('receiver', 'senders', 'both') }) },
);

/** 2 to 4 channels, the first opened before any action, and 10 to 35 actions. */
export function watcherScenarioArb(): fc.Arbitrary<Scenario> {
  return fc.record({
    channels: fc.array(channelPlanArb, { minLength: 2, maxLength: 4 }),
    actions: fc.array(actionArb, { minLength: 10, maxLength: 35 }),
    cooperativeCutoff: fc.boolean(),
    fairEvery: fc.constantFrom(...FAIR_EVERY_CHOICES),
  });
}
