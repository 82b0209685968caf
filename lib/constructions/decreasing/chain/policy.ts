/**
 * The decreasing-lock channel's watch policy over the generic engine
 * (lib/chain/outpoint-watcher.ts): the scheduler that broadcasts the party's
 * newest state the block its lock opens and keeps it in the mempool until a
 * spend of the output it spends is mined, even when an older state got there
 * first unconfirmed (a replacing mempool then takes the newest on its higher
 * fee). Locktime form: from tip >= L_k. Kickoff form: once the kickoff (which
 * the party broadcasts when it chooses to close alone) is in a block at
 * height h, from tip >= h + (N-k)Δ - 1.
 * Each spend is recorded with the state its lock says, and whether it is
 * older than the party's newest. Internal: the watcher (watcher.ts) is the API.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ChainTip } from '../../../chain/backend';
import { Duty, FixedDuty } from '../../../chain/duty';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { SpendRecord, Trigger, Watch, WatchPolicy, depthOf } from '../../../chain/watch-policy';
import { DecreasingParty } from '../protocol/party';
import { stateLock } from '../protocol/rules';
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
    /** The newest state's lock opened: it is broadcast and kept in the mempool until a spend is mined. */
    kind: 'duty';
    /** The channel's id, hex. */
    channelId: string;
    /** The newest state. */
    txid: string;
    /** Its index. */
    index: number;
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

/** One watched channel. */
export interface DecreasingWatched {
  readonly channelId: string;
  readonly party: DecreasingParty;
  funding?: Watch<DecreasingSpendNote>;
  kickoff?: Watch<DecreasingSpendNote>;
  trigger?: Trigger;
  duty?: FixedDuty;
}

/** Whether the party's newest state may enter the block after `tip`: its nLockTime reached, or its relative lock counted from the kickoff's block. */
export function newestLockOpen(w: DecreasingWatched, tip: ChainTip): boolean {
  const lock = stateLock(w.party.ctx, w.party.latest.index);
  if (lock === undefined) return false;
  if (w.party.ctx.counter === undefined) return tip.height >= lock;
  const k = w.funding?.spend;
  return k !== undefined && k.note.kind === 'decreasing-kickoff' && k.height !== undefined && tip.height + 1 >= k.height + lock;
}

/** The watch whose spend ends the channel: the kickoff's output once the kickoff spent the funding, else the funding's. */
function finalWatch(w: DecreasingWatched): Watch<DecreasingSpendNote> | undefined {
  return w.funding?.spend?.note.kind === 'decreasing-kickoff' ? w.kickoff : w.funding;
}

type Emit = (e: DecreasingWatchEvent) => void;

/** The scheduler and the spend records of one party's channels. */
export class DecreasingPolicy implements WatchPolicy<DecreasingWatched, DecreasingTag, DecreasingSpendNote> {
  engine!: OutpointWatcher<DecreasingWatched, DecreasingTag, DecreasingSpendNote>;

  constructor(private readonly emit: Emit, private readonly finalDepth: number) {}

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
    const s = finalWatch(w)?.spend;
    const mined = s !== undefined && s.hash !== undefined;
    if (!mined && w.duty === undefined && newestLockOpen(w, tip) && (s === undefined || s.txid !== w.party.latestStateTx().getId())) {
      this.engine.cancel(w.trigger);
      // Held before its first broadcast: a failed call only means the next poll tries again.
      w.duty = this.engine.hold(w, new FixedDuty({ tx: w.party.latestStateTx(), rebroadcast: true }));
      this.emit({ kind: 'duty', channelId: w.channelId, txid: w.duty.txid, index: w.party.latest.index });
    }
    return w.duty !== undefined && !mined ? [w.duty] : [];
  }

  settle(w: DecreasingWatched, tip: ChainTip): void {
    const s = finalWatch(w)?.spend;
    if (!s || s.note.kind === 'decreasing-kickoff' || depthOf(s, tip) < this.finalDepth) return;
    this.engine.resolve(w);
    this.emit({ kind: 'resolved', channelId: w.channelId, txid: s.txid, spendKind: s.note.kind, ...(s.note.index !== undefined ? { index: s.note.index } : {}) });
  }
}
