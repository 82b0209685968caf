/**
 * The decreasing-lock channel's watch policy over the generic engine
 * (lib/chain/outpoint-watcher.ts), locktime form: the scheduler that
 * broadcasts the party's newest state the block its lock opens (tip >= L_k:
 * it may enter the next block) and keeps it in the mempool until a spend of
 * the funding output is mined, even when an older state got there first
 * unconfirmed (a replacing mempool then takes the newest on its higher fee).
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

/** One watched channel. */
export interface DecreasingWatched {
  readonly channelId: string;
  readonly party: DecreasingParty;
  funding?: Watch<DecreasingSpendNote>;
  trigger?: Trigger;
  duty?: FixedDuty;
}

/** Whether the party's newest state may enter the block after `tip`. */
export function newestLockOpen(party: DecreasingParty, tip: ChainTip): boolean {
  const lock = stateLock(party.ctx, party.latest.index);
  return lock !== undefined && tip.height >= lock;
}

type Emit = (e: DecreasingWatchEvent) => void;

/** The scheduler and the spend records of one party's channels. */
export class DecreasingPolicy implements WatchPolicy<DecreasingWatched, 'funding', DecreasingSpendNote> {
  engine!: OutpointWatcher<DecreasingWatched, 'funding', DecreasingSpendNote>;

  constructor(private readonly emit: Emit, private readonly finalDepth: number) {}

  describe(w: DecreasingWatched, _tag: 'funding', tx: Transaction): DecreasingSpendNote {
    return classifyDecreasingSpend(w.party.ctx, tx);
  }

  spent(w: DecreasingWatched, _tag: 'funding', s: SpendRecord<DecreasingSpendNote>): void {
    const stale = s.note.index !== undefined ? s.note.index < w.party.latest.index : undefined;
    this.emit({
      kind: 'spend', channelId: w.channelId, txid: s.txid, spendKind: s.note.kind,
      ...(s.note.index !== undefined ? { index: s.note.index, stale } : {}), ...(s.height !== undefined ? { height: s.height } : {}),
    });
  }

  work(w: DecreasingWatched, tip: ChainTip): readonly Duty[] {
    const s = w.funding?.spend;
    const mined = s !== undefined && s.hash !== undefined;
    if (!mined && w.duty === undefined && newestLockOpen(w.party, tip) && (s === undefined || s.txid !== w.party.latestStateTx().getId())) {
      this.engine.cancel(w.trigger);
      // Held before its first broadcast: a failed call only means the next poll tries again.
      w.duty = this.engine.hold(w, new FixedDuty({ tx: w.party.latestStateTx(), rebroadcast: true }));
      this.emit({ kind: 'duty', channelId: w.channelId, txid: w.duty.txid, index: w.party.latest.index });
    }
    return w.duty !== undefined && !mined ? [w.duty] : [];
  }

  settle(w: DecreasingWatched, tip: ChainTip): void {
    const s = w.funding?.spend;
    if (!s || depthOf(s, tip) < this.finalDepth) return;
    this.engine.resolve(w);
    this.emit({ kind: 'resolved', channelId: w.channelId, txid: s.txid, spendKind: s.note.kind, ...(s.note.index !== undefined ? { index: s.note.index } : {}) });
  }
}
