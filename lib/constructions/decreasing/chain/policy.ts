/**
 * The decreasing-lock channel's watch policy over the generic engine
 * (lib/chain/outpoint-watcher.ts): the scheduler that broadcasts the party's
 * newest state the block its lock opens and keeps it in the mempool until a
 * spend of the output it spends is mined, even when an older state got there
 * first unconfirmed (a replacing mempool then takes the newest on its higher
 * fee). Locktime form: from tip >= L_k. Kickoff form: the party broadcasts
 * the kickoff when it is asked to close alone, keeps it in the mempool
 * until it is buried (broadcast again after an eviction or a reorg), and once
 * the kickoff is in a block at height h, the newest state from
 * tip >= h + (N-k)Δ - 1. With anchors and fee coins, a state that waits is
 * paid for by a child through the party's anchor, its package rate raised
 * against the deadline: the block before the next older state can enter one.
 * Each spend is recorded with the state its lock says, and whether it is
 * older than the party's newest. Internal: the watcher (watcher.ts) is the API.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ChainTip } from '../../../chain/backend';
import { Attempt, ChildPlan, Duty, DutyFees, FixedDuty } from '../../../chain/duty';
import { FeeRate, PrivateKey } from '../../../core/types';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { SpendRecord, Trigger, Watch, WatchPolicy, depthOf } from '../../../chain/watch-policy';
import { DecreasingParty } from '../protocol/party';
import { stateLock } from '../protocol/rules';
import { FeeCoin } from '../../../tx/anchor-child';
import { DecreasingSpendNote, classifyDecreasingSpend } from './classify';

/** What a decreasing-lock watcher reports. */
export type DecreasingWatchEvent =
  | {
    /** The funding output was spent. */
    kind: 'spend';
    /** The channel's id, hex. */
    channelId: string;
    /** The spender. */
    txid: string;
    /** What it is. */
    spendKind: DecreasingSpendNote['kind'];
    /** A state's index, from its lock. */
    index?: number;
    /** True for a state older than the party's newest. */
    stale?: boolean;
    /** Its block's height; absent in the mempool. */
    height?: number;
  }
  | {
    /** The kickoff was asked for (`duty: 'kickoff'`) or the newest state's lock opened (`'state'`): it is broadcast and kept in the mempool until mined. */
    kind: 'duty';
    /** The channel's id, hex. */
    channelId: string;
    /** What is broadcast. */
    duty: 'kickoff' | 'state';
    /** Its txid. */
    txid: string;
    /** The state's index. */
    index?: number;
  }
  | {
    /** A child through the party's anchor pays for a waiting state or kickoff. */
    kind: 'cpfp';
    /** The channel's id, hex. */
    channelId: string;
    /** The child. */
    txid: string;
    /** The transaction it pays for. */
    parent: string;
    /** The rate parent and child reach together, sat/kw. */
    packageFeeRate: FeeRate;
  }
  | {
    /** The spend of the funding output is buried: the channel is settled. */
    kind: 'resolved';
    /** The channel's id, hex. */
    channelId: string;
    /** The spender. */
    txid: string;
    /** What it is. */
    spendKind: DecreasingSpendNote['kind'];
    /** A state's index. */
    index?: number;
  }
  | {
    /** A call failed; the next poll tries again. */
    kind: 'error';
    /** The channel's id, hex, when the failure was one channel's. */
    channelId?: string;
    /** The ChannelError code, or UNKNOWN. */
    code: string;
    /** What went wrong. */
    message: string;
  };

/** What an outpoint is to a watched channel: the funding output, or the kickoff's (kickoff form). */
export type DecreasingTag = 'funding' | 'kickoff';

/** How a party pays for its waiting state or kickoff through its anchor. */
export interface DecreasingBump {
  /** Wallet coins (P2WPKH) the child spends beside the anchor. */
  readonly feeCoins: readonly FeeCoin[];
  /** Their private keys, in the same order. */
  readonly coinKeys: readonly PrivateKey[];
  /** Where the child's change goes. */
  readonly destinationScript: Uint8Array;
  /** The child's first package rate, sat/kw. */
  readonly feeRate: FeeRate;
  /** The most any child pays, sat/kw. */
  readonly maxFeeRate: FeeRate;
}

/** When a child is sent and how its rate rises. */
export interface DecreasingSchedule {
  /** Blocks a broadcast state or kickoff waits unmined before a child pays for it. */
  readonly cpfpAfterBlocks: number;
  /** The child's rate doubles every this many blocks. */
  readonly bumpAfterBlocks: number;
  /** With this many blocks left before the next older state can be mined, the child pays maxFeeRate at once. */
  readonly urgentWithin: number;
}

/** One watched channel. */
export interface DecreasingWatched {
  readonly channelId: string;
  readonly party: DecreasingParty;
  readonly bump?: DecreasingBump;
  funding?: Watch<DecreasingSpendNote>;
  kickoff?: Watch<DecreasingSpendNote>;
  trigger?: Trigger;
  duty?: FixedDuty;
  /** The kickoff, kept in the mempool from the close's request until it is buried. */
  kickoffDuty?: FixedDuty;
  /** A unilateral close was asked for. */
  closing?: boolean;
}

/** The first block state `index` may enter: L_k + 1, or the kickoff's height plus its relative lock; undefined before the kickoff is mined. */
function firstBlockOf(w: DecreasingWatched, index: number): number | undefined {
  const lock = stateLock(w.party.ctx, index);
  if (lock === undefined) return undefined;
  if (w.party.ctx.counter === undefined) return lock + 1;
  const k = w.funding?.spend;
  return k !== undefined && k.note.kind === 'decreasing-kickoff' && k.height !== undefined ? k.height + lock : undefined;
}

/** Whether the party's newest state may enter the block after `tip`: its nLockTime reached, or its relative lock counted from the kickoff's block. */
export function newestLockOpen(w: DecreasingWatched, tip: ChainTip): boolean {
  const first = firstBlockOf(w, w.party.latest.index);
  return first !== undefined && tip.height + 1 >= first;
}

/** Blocks after `tip` in which the newest state can still be mined before the next older one can: undefined for state 0, which has none. */
function blocksBeforeOlder(w: DecreasingWatched, tip: ChainTip): number | undefined {
  const k = w.party.latest.index;
  if (k === 0) return undefined;
  const older = firstBlockOf(w, k - 1);
  return older === undefined ? undefined : older - 1 - tip.height;
}

/** The watch whose spend ends the channel: the kickoff's output once the kickoff spent the funding, else the funding's. */
function finalWatch(w: DecreasingWatched): Watch<DecreasingSpendNote> | undefined {
  return w.funding?.spend?.note.kind === 'decreasing-kickoff' ? w.kickoff : w.funding;
}

type Emit = (e: DecreasingWatchEvent) => void;

/** The scheduler and the spend records of one party's channels. */
export class DecreasingPolicy implements WatchPolicy<DecreasingWatched, DecreasingTag, DecreasingSpendNote> {
  engine!: OutpointWatcher<DecreasingWatched, DecreasingTag, DecreasingSpendNote>;

  constructor(private readonly emit: Emit, private readonly finalDepth: number, private readonly schedule: DecreasingSchedule) {}

  describe(w: DecreasingWatched, _tag: DecreasingTag, tx: Transaction): DecreasingSpendNote {
    return classifyDecreasingSpend(w.party.ctx, tx);
  }

  spent(w: DecreasingWatched, _tag: DecreasingTag, s: SpendRecord<DecreasingSpendNote>): void {
    const stale = s.note.index !== undefined ? s.note.index < w.party.latest.index : undefined;
    this.emit({
      kind: 'spend', channelId: w.channelId, txid: s.txid, spendKind: s.note.kind,
      ...(s.note.index !== undefined ? { index: s.note.index, stale } : {}), ...(s.height !== undefined ? { height: s.height } : {}),
    });
  }

  work(w: DecreasingWatched, tip: ChainTip): readonly Duty[] {
    const duties: Duty[] = [];
    const kickoff = this.kickoffWork(w, tip);
    if (kickoff !== undefined) duties.push(kickoff);
    const s = finalWatch(w)?.spend;
    const mined = s !== undefined && s.hash !== undefined;
    const open = newestLockOpen(w, tip);
    if (!mined && w.duty === undefined && open && (s === undefined || s.txid !== w.party.latestStateTx().getId())) {
      this.engine.cancel(w.trigger);
      const tx = w.party.latestStateTx();
      // Held before its first broadcast: a failed call only means the next poll tries again.
      w.duty = this.engine.hold(w, new FixedDuty({ tx, rebroadcast: true, ...this.childOf(w, tx, (t) => blocksBeforeOlder(w, t)) }));
      this.emit({ kind: 'duty', channelId: w.channelId, duty: 'state', txid: w.duty.txid, index: w.party.latest.index });
    }
    // Kickoff form: a kickoff reorged out takes the state's lock with it; the state waits for the kickoff again.
    if (w.duty !== undefined && !mined && open) duties.push(w.duty);
    return duties;
  }

  /**
   * Ask for the unilateral close: in the kickoff form the kickoff is
   * broadcast on the next poll (unless a kickoff is already seen); the
   * locktime form's states need nothing but their locks.
   */
  close(w: DecreasingWatched): void {
    w.closing = true;
    this.engine.activate(w);
  }

  /** The kickoff's duty, from the request to close until the kickoff is buried. */
  private kickoffWork(w: DecreasingWatched, tip: ChainTip): FixedDuty | undefined {
    if (w.party.ctx.counter === undefined) return undefined;
    const spend = w.funding?.spend;
    const isKickoff = spend?.note.kind === 'decreasing-kickoff';
    if (isKickoff && depthOf(spend, tip) >= this.finalDepth) return undefined;
    // The funding spent otherwise (a close): no kickoff to send.
    if (spend !== undefined && !isKickoff) return undefined;
    if (w.kickoffDuty === undefined) {
      if (!w.closing) return undefined;
      const tx = w.party.kickoffTx();
      // No child: the fee coins are kept for the state, whose deadline is real; the kickoff's anchors serve a child built by hand.
      w.kickoffDuty = this.engine.hold(w, new FixedDuty({ tx, rebroadcast: true }));
      this.emit({ kind: 'duty', channelId: w.channelId, duty: 'kickoff', txid: w.kickoffDuty.txid });
    }
    // In a block: nothing to broadcast while it stays there, but a reorg may take it out until it is buried.
    return spend?.hash !== undefined ? undefined : w.kickoffDuty;
  }

  /** The child through the party's anchor, when it has anchors and fee coins to spend. */
  private childOf(w: DecreasingWatched, parent: Transaction, blocksLeft: (tip: ChainTip) => number | undefined): { child?: ChildPlan } {
    const bump = w.bump;
    const party = w.party;
    if (bump === undefined || party.ctx.anchors === undefined) return {};
    const { bumpAfterBlocks, urgentWithin } = this.schedule;
    const params = (rate: FeeRate) => ({ parent: parent.toBuffer(), feeCoins: bump.feeCoins, packageFeeRate: rate, destinationScript: bump.destinationScript });
    return {
      child: {
        afterBlocks: this.schedule.cpfpAfterBlocks,
        fees: (tip): DutyFees => {
          const left = blocksLeft(tip);
          return {
            startRate: bump.feeRate, maxRate: bump.maxFeeRate, bumpAfterBlocks, ...(left !== undefined ? { blocksLeft: left } : {}),
            urgentWithin, burnWithin: 0, ceiling: bump.maxFeeRate,
          };
        },
        build: (rate) => party.signer.signAnchorChild(params(rate), bump.coinKeys).toBuffer(),
        onBroadcast: (a: Attempt) => this.emit({ kind: 'cpfp', channelId: w.channelId, txid: a.txid, parent: parent.getId(), packageFeeRate: a.rate }),
      },
    };
  }

  settle(w: DecreasingWatched, tip: ChainTip): void {
    const s = finalWatch(w)?.spend;
    if (!s || s.note.kind === 'decreasing-kickoff' || depthOf(s, tip) < this.finalDepth) return;
    this.engine.resolve(w);
    this.emit({ kind: 'resolved', channelId: w.channelId, txid: s.txid, spendKind: s.note.kind, ...(s.note.index !== undefined ? { index: s.note.index } : {}) });
  }
}
