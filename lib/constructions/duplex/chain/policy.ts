/**
 * The duplex channel's level publisher over the generic engine
 * (lib/chain/outpoint-watcher.ts). Once the kickoff is out (the party
 * closing alone broadcasts it; a counterparty's kickoff starts the same
 * work), it publishes the newest branch level by level, each node the block
 * its relative lock opens after its parent's, and keeps each in the mempool
 * until mined; a stale sibling cannot enter the mempool before its longer
 * lock opens, so the newest gets there first while the party is online. At
 * the leaf it publishes the latest payment of each simplex channel it is
 * paid on at once, and its refund of each it pays on once Dc blocks have
 * passed with that output unspent. The party may hold other branches the
 * counterparty could publish (a reset not completed on its side, one it
 * signed and dropped): once the chain takes one of those at some level, the
 * publisher follows it, publishing what the party holds signed of it
 * below, and at its leaf takes the party's refund. With anchors and fee
 * coins, a tree transaction that waits unmined (also one the counterparty
 * broadcast that the party does not hold signed) is paid for by a child
 * through the party's anchor, its package rate raised against the
 * deadline: the block before the stale sibling's longer lock opens (a node
 * of digit 0, and the kickoff, have no sibling that opens later: no
 * deadline, the rate only doubles). A transaction another one took the
 * place of in a block is dropped with what spends it, its child's fee coin
 * given back once that block is buried. Internal: the watcher (watcher.ts)
 * is the API.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ChainTip } from '../../../chain/backend';
import { Attempt, ChildPlan, Duty, DutyFees, FixedDuty } from '../../../chain/duty';
import { hashToTxid } from '../../../core/hash';
import { FeeRate, PrivateKey } from '../../../core/types';
import { FeeCoin } from '../../../tx/anchor-child';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { SpendRecord, Watch, WatchPolicy, depthOf } from '../../../chain/watch-policy';
import { DuplexExit, firstBlockFor } from './exit';
import { DuplexLeafBalances } from '../params';
import { DuplexSigner } from '../tx/signer';
import { SimplexDirection } from '../tx/simplex';

/** What a duplex watcher reports. */
export type DuplexWatchEvent =
  | {
    /** A watched output was spent. */
    kind: 'spend';
    /** The channel's id: the setup outpoint. */
    channelId: string;
    /** Which output: `setup`, `level-j` (the output node j spends: the kickoff's for j = 0), `ab` or `ba`. */
    output: string;
    /** The spender. */
    txid: string;
    /** True when the spender is a transaction of a branch the party holds or signed (or its payment or refund), not a stale one. */
    ours: boolean;
    /** Its block's height; absent in the mempool. */
    height?: number;
  }
  | {
    /** A transaction of the exit was broadcast, and is kept in the mempool until mined. */
    kind: 'duty';
    /** The channel's id. */
    channelId: string;
    /** What it is. */
    what: 'kickoff' | 'node' | 'leaf' | 'payment' | 'refund';
    /** The transaction. */
    txid: string;
    /** A tree transaction's level. */
    level?: number;
  }
  | {
    /** A child through the party's anchor pays for a waiting tree transaction. */
    kind: 'cpfp';
    /** The channel's id. */
    channelId: string;
    /** The child. */
    txid: string;
    /** The tree transaction it pays for. */
    parent: string;
    /** The rate parent and child reach together, sat/kw. */
    packageFeeRate: FeeRate;
  }
  | {
    /** A stale sibling was mined at a level: the newest branch lost the race there. */
    kind: 'stale';
    /** The channel's id. */
    channelId: string;
    /** The level. */
    level: number;
    /** The stale transaction. */
    txid: string;
  }
  | {
    /**
     * The chain took another branch the party signed, not its newest (a
     * reset the counterparty never completed for it, or one it dropped):
     * the publisher follows it and takes the party's refund at its leaf.
     */
    kind: 'branch';
    /** The channel's id. */
    channelId: string;
    /** The first level where it parts from the newest branch. */
    level: number;
    /** Its tree state. */
    index: number;
    /** The transaction mined at that level. */
    txid: string;
  }
  | {
    /** Every simplex output of the leaf on chain is spent and buried: the channel is settled. */
    kind: 'resolved';
    /** The channel's id. */
    channelId: string;
  }
  | {
    /** A call failed; the next poll tries again. */
    kind: 'error';
    /** The channel's id, when the failure was one channel's. */
    channelId?: string;
    /** The ChannelError code, or UNKNOWN. */
    code: string;
    /** What went wrong. */
    message: string;
  };

/** A watched output: the setup, the output a level's node spends, or a simplex channel. */
export type DuplexTag = 'setup' | `level-${number}` | SimplexDirection;

/** What a spend is to the party: its own transaction for that output, or not. */
export interface DuplexSpendNote {
  /** True when the spender is the party's own. */
  readonly ours: boolean;
}

/** How a party pays for its waiting tree transactions: a child through its anchor, one wallet coin each. */
export interface DuplexBump {
  /** P2WPKH wallet coins; each child spends its anchor and one of them. */
  readonly feeCoins: readonly FeeCoin[];
  /** Their private keys, in the same order. */
  readonly coinKeys: readonly PrivateKey[];
  /** Where the children's change goes. */
  readonly destinationScript: Uint8Array;
  /** A child's first package rate, sat/kw. */
  readonly feeRate: FeeRate;
  /** The most any child pays, sat/kw. */
  readonly maxFeeRate: FeeRate;
  /** Signs with the party's funding key, whose anchor the child spends. */
  readonly signer: DuplexSigner;
}

/** When a child is sent and how its rate rises. */
export interface DuplexSchedule {
  /** Blocks a broadcast tree transaction waits unmined before a child pays for it. */
  readonly cpfpAfterBlocks: number;
  /** The child's rate doubles every this many blocks. */
  readonly bumpAfterBlocks: number;
  /** With this many blocks left before the stale sibling can be mined, the child pays maxFeeRate at once. */
  readonly urgentWithin: number;
}

/** One watched channel. */
export interface DuplexWatched {
  readonly channelId: string;
  /** The party's exit as it stands: read on every poll, so resets are followed, also once the kickoff is out. */
  readonly exit: () => DuplexExit;
  /** Whether the party is closing alone (broadcasting the kickoff). */
  closing: boolean;
  /** Called once the kickoff is out (seen or being broadcast): the party stops taking updates. */
  readonly onKickoff?: () => void;
  readonly watches: Map<DuplexTag, Watch<DuplexSpendNote>>;
  readonly duties: Map<string, FixedDuty>;
  staleReported?: boolean;
  /** The other branches already reported taken (`branch` events), by txid. */
  readonly followed: Set<string>;
  readonly bump?: DuplexBump;
  /** The fee coin (its index) each tree transaction's child spends, by that transaction's txid: one coin per child, never shared, so no child double-spends another. */
  readonly coinFor: Map<string, number>;
  /** Transactions dropped as lost whose child had taken a coin: the coin stays theirs until what took their place is buried. */
  readonly parked: Map<string, Transaction>;
}

type Emit = (e: DuplexWatchEvent) => void;

/** A branch as the publisher sees it: the newest (no index), or another the counterparty may publish. */
interface Candidate {
  readonly index?: number;
  readonly branch: readonly Transaction[];
  readonly signed: readonly boolean[];
  readonly balances: DuplexLeafBalances;
  readonly payments: Readonly<Partial<Record<SimplexDirection, Transaction>>>;
  readonly refunds: Readonly<Partial<Record<SimplexDirection, Transaction>>>;
}

/** The newest branch first: where both could be published, it is. */
function candidates(e: DuplexExit): Candidate[] {
  return [
    { branch: e.branch, signed: e.branch.map(() => true), balances: e.balances, payments: e.payments, refunds: e.refunds },
    ...(e.others ?? []).map((o) => ({ index: o.index, branch: o.branch, signed: o.signed, balances: o.balances, payments: {}, refunds: o.refunds })),
  ];
}

/** The txids a spend of `tag` is the party's own in: the kickoff, any branch's transaction at that level, any payment or refund. */
function ownSpenders(e: DuplexExit, tag: DuplexTag): Set<string> {
  if (tag === 'setup') return new Set([e.kickoff.getId()]);
  const all = candidates(e);
  if (tag === 'ab' || tag === 'ba') return new Set(all.flatMap((c) => [c.payments[tag], c.refunds[tag]]).filter((t) => t !== undefined).map((t) => t!.getId()));
  const j = Number(tag.slice('level-'.length));
  return new Set(all.map((c) => c.branch[j]!.getId()));
}

/** The leaf on chain, if it is one of the party's branches' and in a block. */
function leafOnChain(w: DuplexWatched, all: readonly Candidate[]): { c: Candidate; height: number } | undefined {
  const d = all[0]!.branch.length;
  const s = w.watches.get(`level-${d - 1}`)?.spend;
  if (s === undefined || s.hash === undefined) return undefined;
  const c = all.find((x) => x.branch[d - 1]!.getId() === s.txid);
  return c !== undefined ? { c, height: s.height! } : undefined;
}

/** The level publisher and the spend records of one party's channels. */
export class DuplexPolicy implements WatchPolicy<DuplexWatched, DuplexTag, DuplexSpendNote> {
  engine!: OutpointWatcher<DuplexWatched, DuplexTag, DuplexSpendNote>;

  constructor(private readonly emit: Emit, private readonly finalDepth: number, private readonly schedule: DuplexSchedule) {}

  describe(w: DuplexWatched, tag: DuplexTag, tx: Transaction): DuplexSpendNote {
    return { ours: ownSpenders(w.exit(), tag).has(tx.getId()) };
  }

  spent(w: DuplexWatched, tag: DuplexTag, s: SpendRecord<DuplexSpendNote>): void {
    this.emit({ kind: 'spend', channelId: w.channelId, output: tag, txid: s.txid, ours: s.note.ours, ...(s.height !== undefined ? { height: s.height } : {}) });
  }

  /**
   * Watch `tag`'s outpoint. A reset after the kickoff is out (it may cross
   * it) changes the branch from some level down: a level whose parent
   * changed is watched at the new parent from then on, as long as nothing
   * spent the old one (a spent one is what the chain holds, and stays).
   */
  private ensure(w: DuplexWatched, tag: DuplexTag, outpoint: { txid: string; vout: number }): Watch<DuplexSpendNote> {
    let watch = w.watches.get(tag);
    if (watch !== undefined && watch.spend === undefined && (watch.outpoint.txid !== outpoint.txid || watch.outpoint.vout !== outpoint.vout)) {
      this.engine.unwatch(watch);
      watch = undefined;
    }
    if (watch === undefined) {
      watch = this.engine.watch(outpoint, w, tag);
      w.watches.set(tag, watch);
    }
    return watch;
  }

  /**
   * Keep `tx` in the mempool until mined; a tree transaction (`parentHeight`
   * given for a node or the leaf, undefined for the kickoff) gets a child
   * through the party's anchor once it has waited.
   */
  private hold(w: DuplexWatched, tx: Transaction, what: Extract<DuplexWatchEvent, { kind: 'duty' }>['what'], level?: number, parentHeight?: number): void {
    const txid = tx.getId();
    if (w.duties.has(txid)) return;
    const tree = what === 'kickoff' || what === 'node' || what === 'leaf';
    const child = tree ? this.childOf(w, tx, parentHeight) : undefined;
    w.duties.set(txid, this.engine.hold(w, new FixedDuty({ tx, rebroadcast: true, ...(child !== undefined ? { child } : {}) })));
    this.emit({ kind: 'duty', channelId: w.channelId, what, txid, ...(level !== undefined ? { level } : {}) });
  }

  /**
   * The child through the party's anchor, when it has anchors and fee coins.
   * The deadline of a node at a level: the block before the next older
   * sibling's lock opens, Δ after its own, counted from the parent's block.
   */
  private childOf(w: DuplexWatched, parent: Transaction, parentHeight: number | undefined): ChildPlan | undefined {
    const bump = w.bump;
    const ctx = bump?.signer.ctx;
    if (bump === undefined || ctx?.anchors === undefined) return undefined;
    const txid = parent.getId();
    const { step, values } = ctx.params;
    const sequence = parent.ins[0]!.sequence;
    const staleOpens = parentHeight !== undefined && sequence + step <= (values - 1) * step ? parentHeight + sequence + step : undefined;
    const { bumpAfterBlocks, urgentWithin } = this.schedule;
    return {
      afterBlocks: this.schedule.cpfpAfterBlocks,
      fees: (tip): DutyFees | undefined => {
        if (this.coinOf(w, txid) === undefined) return undefined;
        return {
          startRate: bump.feeRate, maxRate: bump.maxFeeRate, bumpAfterBlocks, ...(staleOpens !== undefined ? { blocksLeft: staleOpens - 1 - tip.height } : {}),
          urgentWithin, burnWithin: 0, ceiling: bump.maxFeeRate,
        };
      },
      build: (rate) => {
        const n = this.coinOf(w, txid)!;
        return bump.signer.signAnchorChild({
          parent: parent.toBuffer(), feeCoins: [bump.feeCoins[n]!], packageFeeRate: rate, destinationScript: bump.destinationScript,
        }, [bump.coinKeys[n]!]).toBuffer();
      },
      onBroadcast: (a: Attempt) => this.emit({ kind: 'cpfp', channelId: w.channelId, txid: a.txid, parent: txid, packageFeeRate: a.rate }),
    };
  }

  /** The coin this transaction's child spends: taken when it is first needed, the first no other child holds. */
  private coinOf(w: DuplexWatched, txid: string): number | undefined {
    const held = w.coinFor.get(txid);
    if (held !== undefined) return held;
    const taken = new Set(w.coinFor.values());
    const free = w.bump!.feeCoins.findIndex((_, n) => !taken.has(n));
    if (free < 0) return undefined;
    w.coinFor.set(txid, free);
    return free;
  }

  work(w: DuplexWatched, tip: ChainTip): readonly Duty[] {
    const e = w.exit();
    const setup = w.watches.get('setup')!;
    const kickoffId = e.kickoff.getId();
    const kicked = setup.spend !== undefined && setup.spend.txid === kickoffId;
    if (setup.spend !== undefined && !kicked) return []; // the cooperative close (or a spend we cannot read): nothing of the tree to do
    if (!kicked && !w.closing) return [];
    // From the kickoff on the tree is what pays: the party takes no payment or reset any more.
    w.onKickoff?.();
    if (!kicked || setup.spend!.hash === undefined) this.hold(w, e.kickoff, 'kickoff');
    const all = candidates(e);
    // A reset replaced part of the branch (or a payment the latest one): what the exit no longer holds is not broadcast again.
    const current = new Set([
      e.kickoff,
      ...all.flatMap((c) => [...c.branch.filter((_, j) => c.signed[j]), ...Object.values(c.payments), ...Object.values(c.refunds)]),
    ].map((t) => t!.getId()));
    // A branch transaction the party holds unsigned is kept from the spend that revealed it.
    for (const watch of w.watches.values()) if (watch.spend !== undefined) current.add(watch.spend.txid);
    for (const [txid, duty] of w.duties) {
      if (current.has(txid)) continue;
      this.drop(w, txid, duty);
    }
    const lost = this.lost(w, e, tip);
    for (const txid of lost.keys()) this.drop(w, txid, w.duties.get(txid), true);
    let parent: { txid: string; height?: number } = { txid: kickoffId, ...(setup.spend?.hash !== undefined ? { height: setup.spend.height! } : {}) };
    let live = all;
    const d = e.branch.length;
    for (let j = 0; j < d; j++) {
      const watch = this.ensure(w, `level-${j}`, { txid: parent.txid, vout: 0 });
      const s = watch.spend;
      // Compared with the branches as they are now, not as they were when the spend was first seen: a reset may have changed them.
      const on = s === undefined ? [] : live.filter((c) => c.branch[j]!.getId() === s.txid);
      if (s !== undefined && on.length === 0 && s.hash !== undefined) {
        if (!w.staleReported) {
          w.staleReported = true;
          this.emit({ kind: 'stale', channelId: w.channelId, level: j, txid: s.txid });
        }
        break;
      }
      if (s !== undefined && on.length > 0) {
        if (s.hash === undefined) {
          // In the mempool: kept there, and paid for through the party's anchor once it waits. One only the
          // counterparty holds signed is kept from its own bytes (its txid is the branch's, and the node took its
          // witness): left at a low fee it would hold the exit up until evicted, and on a node that replaces, the
          // counterparty could swap it for the older sibling once that one's lock opens.
          const mine = on.find((c) => c.signed[j]);
          this.hold(w, mine !== undefined ? mine.branch[j]! : s.tx, j === d - 1 ? 'leaf' : 'node', j, parent.height);
          break;
        }
        // Reported where the chain parts from the newest branch, once.
        if (live[0] === all[0] && on[0] !== all[0] && !w.followed.has(s.txid)) {
          w.followed.add(s.txid);
          this.emit({ kind: 'branch', channelId: w.channelId, level: j, index: on[0]!.index!, txid: s.txid });
        }
        live = on;
        parent = { txid: s.txid, height: s.height! };
        continue;
      }
      if (parent.height === undefined) break;
      // The newest branch where it still fits the chain, else a branch the chain took whose next level the party holds signed.
      const pick = live.find((c) => c.signed[j]);
      if (pick === undefined) break;
      const node = pick.branch[j]!;
      if (tip.height + 1 < firstBlockFor(parent.height, node.ins[0]!.sequence)) break;
      this.hold(w, node, j === d - 1 ? 'leaf' : 'node', j, parent.height);
      break;
    }
    const leaf = leafOnChain(w, all);
    if (leaf !== undefined) {
      const { c } = leaf;
      const leafId = c.branch[d - 1]!.getId();
      let vout = 0;
      for (const dir of ['ab', 'ba'] as const) {
        const value = dir === 'ab' ? c.balances.a : c.balances.b;
        if (value === 0n) continue;
        const watch = this.ensure(w, dir, { txid: leafId, vout: vout++ });
        const payment = c.payments[dir];
        const refund = c.refunds[dir];
        // Settled by whichever spend was mined: one of ours that it replaced is lost (above).
        if (watch.spend?.hash !== undefined) continue;
        if (payment !== undefined) this.hold(w, payment, 'payment');
        else if (refund !== undefined && tip.height + 1 >= firstBlockFor(leaf.height, refund.ins[0]!.sequence)) this.hold(w, refund, 'refund');
      }
    }
    // A lost transaction's child could still be mined with it should a reorganisation undo what took its place, so
    // its coin goes back only once that is buried; held again meanwhile, the transaction's child keeps its own coin.
    for (const [txid] of w.parked) {
      const depth = lost.get(txid);
      if (w.duties.has(txid)) w.parked.delete(txid);
      else if (depth !== undefined && depth >= this.finalDepth) {
        w.parked.delete(txid);
        w.coinFor.delete(txid);
      }
    }
    return [...w.duties.values()].filter((duty) => !this.minedSpend(w, duty.txid));
  }

  /**
   * The transactions that can no longer confirm, each with the depth of the
   * block that made it so: an input taken by another transaction in a block
   * (a stale sibling mined while the newest waited, or a branch the
   * counterparty got in first, as a miner that replaces lets it), or a
   * parent that is itself lost. Every transaction the party knows counts
   * (its branches, payments and refunds, what it holds and the spends it
   * saw), so a leaf held below a node the chain took and then gave back for
   * another is found too. Kept, a lost duty would be broadcast and refused
   * on every poll. Should a reorganisation undo that block, the walk holds
   * again what is then to publish.
   */
  private lost(w: DuplexWatched, e: DuplexExit, tip: ChainTip): Map<string, number> {
    const taken = new Map<string, { txid: string; depth: number }>();
    const known = new Map<string, Transaction>();
    for (const watch of w.watches.values()) {
      const s = watch.spend;
      if (s === undefined) continue;
      known.set(s.txid, s.tx);
      if (s.hash !== undefined) taken.set(`${watch.outpoint.txid}:${watch.outpoint.vout}`, { txid: s.txid, depth: depthOf(s, tip) });
    }
    if (taken.size === 0) return new Map();
    for (const c of candidates(e)) for (const t of [...c.branch, ...Object.values(c.payments), ...Object.values(c.refunds)]) known.set(t!.getId(), t!);
    for (const [txid, duty] of w.duties) known.set(txid, duty.plan.tx);
    for (const [txid, tx] of w.parked) known.set(txid, tx);
    const lost = new Map<string, number>();
    for (let grew = true; grew;) {
      grew = false;
      for (const [txid, tx] of known) {
        if (lost.has(txid)) continue;
        let depth: number | undefined;
        for (const i of tx.ins) {
          const prev = hashToTxid(i.hash);
          const by = taken.get(`${prev}:${i.index}`);
          const d = by !== undefined && by.txid !== txid ? by.depth : lost.get(prev);
          if (d !== undefined) depth = Math.max(depth ?? 0, d);
        }
        if (depth !== undefined) {
          lost.set(txid, depth);
          grew = true;
        }
      }
    }
    return lost;
  }

  private drop(w: DuplexWatched, txid: string, duty: FixedDuty | undefined, lost = false): void {
    if (duty === undefined) return;
    this.engine.drop(duty);
    w.duties.delete(txid);
    // A coin no child of this transaction spent goes back to the others; a lost one's child's coin is parked.
    if (duty.child === undefined) w.coinFor.delete(txid);
    else if (lost) w.parked.set(txid, duty.plan.tx);
  }

  /** Whether a duty's transaction is a mined spend of a watched output. */
  private minedSpend(w: DuplexWatched, txid: string): boolean {
    for (const watch of w.watches.values()) if (watch.spend?.txid === txid && watch.spend.hash !== undefined) return true;
    return false;
  }

  settle(w: DuplexWatched, tip: ChainTip): void {
    const leaf = leafOnChain(w, candidates(w.exit()));
    const dirs = leaf === undefined ? [] : (['ab', 'ba'] as const).filter((dir) => (dir === 'ab' ? leaf.c.balances.a : leaf.c.balances.b) > 0n);
    const setup = w.watches.get('setup')?.spend;
    const closedTogether = setup !== undefined && !setup.note.ours && depthOf(setup, tip) >= this.finalDepth;
    const allBuried = dirs.length > 0 && dirs.every((dir) => {
      const s = w.watches.get(dir)?.spend;
      return s !== undefined && depthOf(s, tip) >= this.finalDepth;
    });
    if (!closedTogether && !allBuried) return;
    this.engine.resolve(w);
    this.emit({ kind: 'resolved', channelId: w.channelId });
  }
}
