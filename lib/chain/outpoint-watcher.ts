/**
 * The one watcher under every construction. It finds spends of watched
 * outpoints, keeps where each stands (a block, by hash, or the mempool),
 * undoes what a reorg took away, and steps the duties a construction's
 * policy holds until their outcome is buried: it knows no construction.
 *
 * It reads the chain one of two ways. Following blocks (given a first
 * height), it reads each block once and the mempool once per poll, so its
 * cost follows the blocks' inputs, not the number of outpoints; a reorg is
 * undone block by block. Without a first height it asks the node for the
 * spender of each watched outpoint on every poll, which suits a watcher of
 * a few outpoints that may start after they were spent.
 *
 * Nothing it sees is final at first sight: a spend that leaves the mempool
 * unmined is reported gone, a disconnected block moves what it held back to
 * unconfirmed and reopens its subjects, and a failed call only means the
 * next poll tries again.
 */
import { Block, Transaction } from 'bitcoinjs-lib';
import { fail } from '../core/errors';
import { txidToHash } from '../core/hash';
import { ChainBackend, ChainTip } from './backend';
import { BlockFollower, BlockRef } from './block-follower';
import { Duty, Mined, Outpoint, ReplaceableDuty } from './duty';
import { DutyHost, stepFixed, stepReplaceable } from './duty-steps';
import { blockFromBackend, spenderOf, txFromBackend } from './parse';
import { outpointKey, spendsIn } from './spend-scan';
import { SpendRecord, Trigger, Watch, WatchPolicy, depthOf } from './watch-policy';

/** Where the engine reports what it does. */
export interface EngineEvents<S> {
  /** A block was read. */
  block?(ref: BlockRef): void;
  /** A block read before left the best chain. */
  reorg?(ref: BlockRef): void;
  /** A call failed; what depends on it is tried again on later polls. */
  error(e: unknown, subject?: S): void;
}

/** How the engine reads the chain. */
export interface OutpointWatcherOptions<S, T, N> {
  /** The node. */
  readonly backend: ChainBackend;
  /** The construction's policy. */
  readonly policy: WatchPolicy<S, T, N>;
  /** Where events go. */
  readonly events: EngineEvents<S>;
  /** An outcome this many blocks deep is final; asking the node, a spend this deep is only checked by its block's hash. */
  readonly finalDepth: number;
  /** Follow blocks from a height; absent: ask the node for each outpoint's spender on every poll. */
  readonly follow?: {
    /** First block to read. */
    readonly fromHeight: number;
    /** Blocks remembered for reorgs. */
    readonly remember: number;
    /** Read the mempool on every poll. */
    readonly checkMempool: boolean;
  };
}

interface Entry<S, T, N> extends Watch<N> {
  readonly subject: S;
  /** A policy's outpoint, whose spend the engine records; or one a duty spends. */
  readonly tag?: T;
  readonly duty?: { readonly d: ReplaceableDuty; readonly index: number };
  spend?: SpendRecord<N>;
}

interface Slot<S, T, N> {
  readonly watches: Entry<S, T, N>[];
  resolved: boolean;
}

/** The generic watcher a construction's policy drives; see the module's description. */
export class OutpointWatcher<S, T, N> {
  private readonly backend: ChainBackend;
  private readonly policy: WatchPolicy<S, T, N>;
  private readonly events: EngineEvents<S>;
  private readonly follower?: BlockFollower;
  private readonly checkMempool: boolean;
  private readonly entries = new Map<string, Entry<S, T, N>>();
  private readonly slots = new Map<S, Slot<S, T, N>>();
  private readonly triggers = new Set<Trigger & { readonly subject: S }>();
  /** Subjects with a spend or a duty that is not resolved yet. */
  private readonly active = new Set<S>();
  /** What was placed in each block, by subject: undone when the block is disconnected. */
  private readonly placed = new Map<string, Map<S, (() => void)[]>>();
  /** Mempool transactions already fetched, by txid. */
  private mempool = new Map<string, Transaction>();
  /** The last poll listed the mempool: only then does absence from it mean anything. */
  private mempoolListed = false;
  /** Asking the node: txids its answers showed unconfirmed this poll. */
  private readonly answeredUnconfirmed = new Set<string>();
  private lastTip?: ChainTip;
  /** An outcome this many blocks deep is final. */
  readonly finalDepth: number;

  constructor(opts: OutpointWatcherOptions<S, T, N>) {
    this.backend = opts.backend;
    this.finalDepth = opts.finalDepth;
    this.policy = opts.policy;
    this.events = opts.events;
    this.checkMempool = opts.follow?.checkMempool ?? false;
    if (opts.follow) this.follower = new BlockFollower(this.backend, opts.follow.fromHeight, opts.follow.remember);
  }

  /** Height of the last block read (following blocks). */
  get height(): number {
    return this.follower ? this.follower.height : (this.lastTip?.height ?? -1);
  }

  /** The tip of the last poll that read one. */
  get tip(): ChainTip | undefined {
    return this.lastTip;
  }

  // ---- what is watched

  /**
   * Watch an outpoint for `subject`: its spends are recorded and handed to the policy with `tag`.
   *
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if the outpoint is watched already.
   */
  watch(outpoint: Outpoint, subject: S, tag: T): Watch<N> {
    return this.add(outpoint, subject, { tag });
  }

  /** Stop watching an outpoint watched with {@link OutpointWatcher.watch}; the subject stays. */
  unwatch(w: Watch<N>): void {
    const key = outpointKey(txidToHash(w.outpoint.txid), w.outpoint.vout);
    const e = this.entries.get(key);
    if (e !== w) return;
    this.entries.delete(key);
    const slot = this.slots.get(e.subject);
    if (slot) slot.watches.splice(slot.watches.indexOf(e), 1);
  }

  /**
   * Describe a recorded spend again (its subject knows more now, say a secret
   * revealed after the spend was first seen) and hand it to the policy as if
   * it were new; nothing happens if there is no spend or the description is
   * the same. The record keeps its place in its block, so a reorg still
   * undoes it.
   */
  redescribe(w: Watch<N>, same: (a: N, b: N) => boolean): void {
    const e = this.entries.get(outpointKey(txidToHash(w.outpoint.txid), w.outpoint.vout));
    if (e !== w || e.spend === undefined) return;
    const note = this.policy.describe(e.subject, e.tag as T, e.spend.tx);
    if (same(note, e.spend.note)) return;
    (e.spend as { note: N }).note = note;
    const slot = this.slots.get(e.subject);
    if (slot) slot.resolved = false;
    this.active.add(e.subject);
    this.policy.spent(e.subject, e.tag as T, e.spend);
  }

  /**
   * Stop working `subject`: its watched outpoints and its record go. The
   * policy drops its duties (drop) and cancels its triggers (cancel) itself.
   */
  forget(subject: S): void {
    for (const e of [...(this.slots.get(subject)?.watches ?? [])]) this.unwatch(e);
    this.slots.delete(subject);
    this.active.delete(subject);
  }

  /** Hold a duty for `subject`: spends of its outpoints go to it from now on. */
  hold<D extends Duty>(subject: S, duty: D): D {
    if (duty instanceof ReplaceableDuty) {
      duty.plan.spends.forEach(({ outpoint }, index) => {
        const key = outpointKey(txidToHash(outpoint.txid), outpoint.vout);
        if (!this.entries.has(key)) this.add(outpoint, subject, { duty: { d: duty, index } });
      });
    }
    return duty;
  }

  /** A duty the policy no longer holds: its outpoints are no longer watched for it. */
  drop(duty: Duty | undefined): void {
    if (!(duty instanceof ReplaceableDuty)) return;
    for (const { outpoint } of duty.plan.spends) {
      const key = outpointKey(txidToHash(outpoint.txid), outpoint.vout);
      if (this.entries.get(key)?.duty?.d === duty) this.entries.delete(key);
    }
  }

  /** Work `subject` on every poll whose tip `due` accepts, until cancelled (asking the node, every subject is worked on every poll). */
  at(subject: S, due: (tip: ChainTip) => boolean): Trigger {
    this.slotOf(subject);
    const t = { subject, due };
    this.triggers.add(t);
    return t;
  }

  /** A trigger no longer needed. */
  cancel(t: Trigger | undefined): void {
    if (t) this.triggers.delete(t as Trigger & { readonly subject: S });
  }

  /** Work `subject` on the next polls. */
  activate(subject: S): void {
    this.active.add(subject);
  }

  /** Nothing to do for `subject` until something reopens it. */
  deactivate(subject: S): void {
    this.active.delete(subject);
  }

  /** The subject's outcome is buried: nothing more to do until a reorg reopens it. */
  resolve(subject: S): void {
    this.slotOf(subject).resolved = true;
    this.active.delete(subject);
  }

  /** Whether `subject` is resolved. */
  isResolved(subject: S): boolean {
    return this.slots.get(subject)?.resolved ?? false;
  }

  /** Whether `txid` is known to be in the mempool now: listed there, or the spender the node named this poll. */
  knownInMempool(txid: string): boolean {
    return (this.mempoolListed && this.mempool.has(txid)) || this.answeredUnconfirmed.has(txid);
  }

  private add(outpoint: Outpoint, subject: S, how: { tag?: T; duty?: Entry<S, T, N>['duty'] }): Entry<S, T, N> {
    const key = outpointKey(txidToHash(outpoint.txid), outpoint.vout);
    if (this.entries.has(key)) fail('CHANNEL_ALREADY_WATCHED', `outpoint ${outpoint.txid}:${outpoint.vout} is already watched`);
    const e: Entry<S, T, N> = { outpoint: { txid: outpoint.txid, vout: outpoint.vout }, subject, ...how };
    this.entries.set(key, e);
    if (how.duty === undefined) this.slotOf(subject).watches.push(e);
    else this.slotOf(subject);
    return e;
  }

  private slotOf(subject: S): Slot<S, T, N> {
    let slot = this.slots.get(subject);
    if (!slot) this.slots.set(subject, (slot = { watches: [], resolved: false }));
    return slot;
  }

  // ---- a poll

  /**
   * Read the chain, then work every subject that has something to do. A
   * failed read is reported and the poll goes on with what it knows.
   *
   * @throws whatever a trigger throws for the tip (a tip that cannot be read); every other failure is reported.
   */
  async poll(): Promise<void> {
    if (this.follower) await this.pollFollowing(this.follower);
    else await this.pollAsking();
  }

  private async pollFollowing(follower: BlockFollower): Promise<void> {
    try {
      this.lastTip = await follower.sync({
        disconnect: (ref) => this.disconnect(ref),
        connect: async (block, ref) => this.connect(block, ref),
      });
    } catch (e) {
      this.events.error(e);
    }
    this.mempoolListed = false;
    if (this.checkMempool) {
      try {
        await this.scanMempool();
      } catch (e) {
        this.events.error(e);
      }
    }
    const tip = this.lastTip;
    if (tip === undefined) return;
    await this.policy.beforeWork?.(tip);
    // Most subjects have nothing due: a trigger is one comparison, without an await.
    for (const t of this.triggers) if (t.due(tip)) this.active.add(t.subject);
    for (const s of [...this.active]) await this.workOn(s, tip);
  }

  private async pollAsking(): Promise<void> {
    let tip: ChainTip;
    try {
      tip = await this.backend.getTip();
    } catch (e) {
      this.events.error(e);
      return;
    }
    this.lastTip = tip;
    this.answeredUnconfirmed.clear();
    await this.policy.beforeWork?.(tip);
    for (const [s, slot] of [...this.slots]) {
      if (slot.resolved) continue;
      try {
        for (const e of [...slot.watches]) await this.askTracked(e, tip);
      } catch (e) {
        this.events.error(e, s);
        continue;
      }
      await this.workOn(s, tip);
    }
  }

  /** What a duty's step may do, for `subject`. */
  private host(subject: S): DutyHost {
    return {
      backend: this.backend, listed: this.mempoolListed,
      knownInMempool: (txid) => this.knownInMempool(txid), report: (e) => this.events.error(e, subject),
    };
  }

  private async workOn(s: S, tip: ChainTip): Promise<void> {
    if (this.isResolved(s)) {
      this.active.delete(s);
      return;
    }
    try {
      for (const d of await this.policy.work(s, tip)) {
        if (d instanceof ReplaceableDuty) {
          if (this.follower) {
            if (d.settled) continue;
            if (!d.checked) await this.askForDuty(s, d);
          } else await this.askForDuty(s, d);
          await stepReplaceable(this.host(s), d, tip);
        } else await stepFixed(this.host(s), d, tip);
      }
      this.policy.settle(s, tip);
    } catch (e) {
      this.events.error(e, s);
    }
  }

  // ---- reading blocks and the mempool: records where things stand, never acts

  private connect(block: Block, ref: BlockRef): void {
    for (const { tx, entry } of spendsIn(block.transactions ?? [], this.entries)) this.saw(entry, tx, ref);
    this.events.block?.(ref);
  }

  private disconnect(ref: BlockRef): void {
    this.events.reorg?.(ref);
    const touched = this.placed.get(ref.hash);
    if (!touched) return;
    this.placed.delete(ref.hash);
    for (const [s, undo] of touched) {
      for (const u of undo) u();
      const slot = this.slots.get(s);
      if (slot) slot.resolved = false;
      this.active.add(s);
      this.policy.disconnected?.(s, ref);
    }
  }

  /** Remember that `subject` has something in block `ref`, and how to undo it if the block goes. */
  private place(subject: S, ref: BlockRef, undo: () => void): void {
    if (!this.follower) return; // asking the node, every poll's answers replace the last
    let bySubject = this.placed.get(ref.hash);
    if (!bySubject) this.placed.set(ref.hash, (bySubject = new Map()));
    const list = bySubject.get(subject);
    if (list) list.push(undo);
    else bySubject.set(subject, [undo]);
  }

  private saw(e: Entry<S, T, N>, tx: Transaction, at: BlockRef | undefined): void {
    if (e.duty) this.sawForDuty(e.subject, e.duty.d, e.duty.index, tx, at, false);
    else this.sawTracked(e, tx, at);
  }

  private placeSpend(e: Entry<S, T, N>, spend: SpendRecord<N>, at: BlockRef): void {
    spend.height = at.height;
    spend.hash = at.hash;
    this.place(e.subject, at, () => {
      if (spend.hash !== at.hash) return;
      delete spend.height;
      delete spend.hash;
    });
  }

  private sawTracked(e: Entry<S, T, N>, tx: Transaction, at: BlockRef | undefined): void {
    const txid = tx.getId();
    const current = e.spend;
    if (current?.txid === txid) {
      if (at && current.hash !== at.hash) {
        this.placeSpend(e, current, at);
        this.policy.moved?.(e.subject, e.tag as T, current);
      }
      return;
    }
    // A different spend can replace one only while that one is unconfirmed (a conflict in the mempool, a reorg).
    if (current?.hash !== undefined && !at) return;
    this.record(e, tx, txid, at);
  }

  private record(e: Entry<S, T, N>, tx: Transaction, txid: string, at: BlockRef | undefined): void {
    const note = this.policy.describe(e.subject, e.tag as T, tx);
    const spend: SpendRecord<N> = { txid, tx, note };
    e.spend = spend;
    if (at) this.placeSpend(e, spend, at);
    const slot = this.slots.get(e.subject);
    if (slot) slot.resolved = false;
    this.active.add(e.subject);
    this.policy.spent(e.subject, e.tag as T, spend);
  }

  private sawForDuty(s: S, d: ReplaceableDuty, index: number, tx: Transaction, at: BlockRef | undefined, quiet: boolean): void {
    const change = d.saw(index, tx, at);
    if (change === 'other') d.plan.onOtherSpend?.(index, tx, at);
    else if (change === 'confirmed') {
      const m = d.confirmed!;
      this.place(s, at!, () => { if (d.confirmed?.hash === m.hash) delete d.confirmed; });
      if (!quiet) d.plan.onConfirmed?.(m);
    } else if (change === 'lost' || change === 'taken') {
      const m = d.taken.get(index)!;
      this.place(s, at!, () => d.untake(index, m));
      if (!quiet && change === 'lost') d.plan.onLost?.(m);
      if (!quiet && change === 'taken') d.plan.onTaken?.(index, m);
    }
  }

  private async scanMempool(): Promise<void> {
    const list = this.backend.getMempoolTxids?.bind(this.backend);
    if (list) {
      await this.scanMempoolOnce(list);
      this.mempoolListed = true;
      return;
    }
    // A backend that cannot list its mempool: ask for each outpoint whose spend is not known to be in a block.
    for (const [, slot] of this.slots) {
      if (slot.resolved) continue;
      for (const e of [...slot.watches]) {
        if (e.spend?.hash !== undefined) continue;
        const s = await this.backend.getSpender(e.outpoint);
        if (s === undefined) {
          if (e.spend) this.vanish(e);
          continue;
        }
        if (s.blockHeight === undefined) this.sawTracked(e, spenderOf(s, e.outpoint), undefined);
        // A confirmed spender the blocks have not shown yet: the next block read records it with its hash.
      }
    }
  }

  /**
   * One listing per poll, and a fetch only for transactions not seen before:
   * the cost follows the mempool's new transactions, not the number of
   * outpoints. Those still in the mempool are scanned again each poll, in
   * memory, since an outpoint may be watched or a duty held since.
   */
  private async scanMempoolOnce(list: () => Promise<string[]>): Promise<void> {
    const txids = await list();
    const live = new Map<string, Transaction>();
    for (const txid of txids) {
      let tx = this.mempool.get(txid);
      if (tx === undefined) {
        const got = await this.backend.getTransaction(txid);
        if (got === undefined || got.blockHeight !== undefined) continue; // mined or gone meanwhile: blocks will show it
        tx = txFromBackend(got.tx, 'mempool', txid);
      }
      live.set(txid, tx);
    }
    this.mempool = live;
    for (const { tx, entry } of spendsIn([...live.values()], this.entries)) this.saw(entry, tx, undefined);
    // An unconfirmed spend that is neither in a block nor in the mempool any more is gone, unless it was mined in a
    // block not read yet (after this poll's blocks, or in one whose read failed): the next block read records it.
    for (const s of [...this.active]) {
      for (const e of [...(this.slots.get(s)?.watches ?? [])]) {
        if (!e.spend || e.spend.hash !== undefined || live.has(e.spend.txid)) continue;
        const txid = e.spend.txid;
        const got = await this.backend.getTransaction(txid);
        if (got?.blockHeight !== undefined && got.blockHeight > this.height) continue;
        if (e.spend?.txid === txid && e.spend.hash === undefined) this.vanish(e);
      }
    }
  }

  private vanish(e: Entry<S, T, N>): void {
    const txid = e.spend!.txid;
    delete e.spend;
    this.policy.vanished?.(e.subject, e.tag as T, txid);
  }

  // ---- asking the node

  /** The spender of `outpoint` and where it stands: a confirmed one by the hash of its block now. */
  private async locate(outpoint: Outpoint): Promise<{ tx: Transaction; txid: string; at?: BlockRef } | undefined> {
    const s = await this.backend.getSpender(outpoint);
    if (!s) return undefined;
    const tx = spenderOf(s, outpoint); // the node's answer must spend what we asked about
    const found: { tx: Transaction; txid: string; at?: BlockRef } = { tx, txid: s.txid };
    if (s.blockHeight !== undefined) {
      const hash = await this.backend.getBlockHash(s.blockHeight);
      if (hash !== undefined) found.at = { height: s.blockHeight, hash };
    }
    if (!found.at) this.answeredUnconfirmed.add(s.txid);
    return found;
  }

  /** Asking the node: where the spend of a watched outpoint stands now, asked again until it is buried. */
  private async askTracked(e: Entry<S, T, N>, tip: ChainTip): Promise<void> {
    const current = e.spend;
    if (current?.height !== undefined && depthOf(current, tip) >= this.finalDepth && (await this.backend.getBlockHash(current.height)) === current.hash) return;
    const found = await this.locate(e.outpoint);
    if (!found) {
      if (current) this.vanish(e);
      return;
    }
    if (current?.txid !== found.txid) {
      this.record(e, found.tx, found.txid, found.at);
      return;
    }
    if (current.height === found.at?.height && current.hash === found.at?.hash) return;
    if (found.at) Object.assign(current, { height: found.at.height, hash: found.at.hash });
    else {
      delete current.height;
      delete current.hash;
    }
    this.policy.moved?.(e.subject, e.tag as T, current);
  }

  /**
   * Is an outpoint of the duty spent already? Following blocks, asked once
   * before the first attempt (a claim of ours from before a restart, read
   * from a later height); a confirmed spender counts only if the block now at
   * its height holds it, since no reorg would ever undo a wrong one. Asking
   * the node, asked on every step, each answer replacing the last.
   */
  private async askForDuty(s: S, d: ReplaceableDuty): Promise<void> {
    if (!this.follower) {
      const before = { confirmed: d.confirmed, lost: d.lost };
      delete d.confirmed;
      delete d.lost;
      d.taken.clear();
      for (const [index, { outpoint }] of d.plan.spends.entries()) {
        const found = await this.locate(outpoint);
        if (found) this.sawForDuty(s, d, index, found.tx, found.at, true);
      }
      const same = (a?: Mined, b?: Mined) => a?.txid === b?.txid && a?.hash === b?.hash;
      if (d.confirmed && !same(d.confirmed, before.confirmed)) d.plan.onConfirmed?.(d.confirmed);
      if (d.lost && !same(d.lost, before.lost)) d.plan.onLost?.(d.lost);
      return;
    }
    for (const [index, { outpoint }] of d.plan.spends.entries()) {
      const s2 = await this.backend.getSpender(outpoint);
      if (!s2) continue;
      const tx = spenderOf(s2, outpoint);
      if (s2.blockHeight === undefined) {
        this.sawForDuty(s, d, index, tx, undefined, false);
        continue;
      }
      const hash = await this.backend.getBlockHash(s2.blockHeight);
      if (hash === undefined) continue;
      const block = blockFromBackend(await this.backend.getBlock(s2.blockHeight), s2.blockHeight);
      if (block.getId() !== hash || !(block.transactions ?? []).some((t) => t.getId() === s2.txid)) continue;
      this.sawForDuty(s, d, index, tx, { height: s2.blockHeight, hash }, false);
    }
    d.checked = true;
  }
}
