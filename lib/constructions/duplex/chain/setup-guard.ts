/**
 * The opt-in's deadline on chain: a funder's guard over its own setup
 * coins, on the generic engine. Until the deadline it only records; once
 * the tip has reached the deadline with no coin spent by the setup, it
 * broadcasts the funder's abort (planDuplexAbort, signed by its wallet) and
 * keeps it in the mempool until mined. A coin the setup spends ends the
 * guard's work: the channel is open and the DuplexWatcher takes over.
 */
import { Transaction } from 'bitcoinjs-lib';
import { ChainBackend, ChainTip } from '../../../chain/backend';
import { Duty, FixedDuty } from '../../../chain/duty';
import { IsolatedEmitter } from '../../../chain/isolated-emitter';
import { OutpointWatcher } from '../../../chain/outpoint-watcher';
import { SpendRecord, Watch, WatchPolicy, depthOf, errorFields } from '../../../chain/watch-policy';
import { checkChainBackend, countOption } from '../../../chain/watcher-options';
import { fail } from '../../../core/errors';
import { hashToTxid } from '../../../core/hash';
import { checkTxid } from '../../../core/types';

/** What a setup guard reports. */
export type DuplexSetupGuardEvent =
  | {
    /** The deadline passed with the setup unconfirmed: the abort was broadcast, and is kept in the mempool until mined. */
    kind: 'abort';
    /** The setup's txid (the guard's id). */
    setupTxid: string;
    /** The abort's txid. */
    txid: string;
  }
  | {
    /** A guarded coin was spent. */
    kind: 'spend';
    /** The setup's txid. */
    setupTxid: string;
    /** What spent it: the setup, the abort, or another transaction of the funder's wallet. */
    by: 'setup' | 'abort' | 'other';
    /** The spender. */
    txid: string;
    /** Its block's height; absent in the mempool. */
    height?: number;
  }
  | {
    /** The outcome is buried: the setup (the channel is open) or not (the coins are free). */
    kind: 'resolved';
    /** The setup's txid. */
    setupTxid: string;
    /** `setup` if the setup confirmed, else `aborted`. */
    outcome: 'setup' | 'aborted';
  }
  | {
    /** A call failed; the next poll tries again. */
    kind: 'error';
    /** The setup's txid, when the failure was one guard's. */
    setupTxid?: string;
    /** The ChannelError code, or UNKNOWN. */
    code: string;
    /** What went wrong. */
    message: string;
  };

type By = 'setup' | 'abort' | 'other';

interface Guarded {
  readonly setupTxid: string;
  readonly abort: Transaction;
  readonly deadline: number;
  readonly watches: Watch<By>[];
  duty?: FixedDuty;
}

class SetupGuardPolicy implements WatchPolicy<Guarded, number, By> {
  engine!: OutpointWatcher<Guarded, number, By>;

  constructor(private readonly emit: (e: DuplexSetupGuardEvent) => void, private readonly finalDepth: number) {}

  describe(g: Guarded, _tag: number, tx: Transaction): By {
    const id = tx.getId();
    return id === g.setupTxid ? 'setup' : id === g.abort.getId() ? 'abort' : 'other';
  }

  spent(g: Guarded, _tag: number, s: SpendRecord<By>): void {
    this.emit({ kind: 'spend', setupTxid: g.setupTxid, by: s.note, txid: s.txid, ...(s.height !== undefined ? { height: s.height } : {}) });
  }

  work(g: Guarded, tip: ChainTip): readonly Duty[] {
    const spends = g.watches.map((w) => w.spend);
    if (spends.some((s) => s?.note === 'setup')) return [];
    // A coin spent elsewhere and mined already makes the setup invalid: nothing to broadcast.
    if (spends.some((s) => s !== undefined && s.note !== 'abort' && s.hash !== undefined)) return [];
    // The abort's nLockTime is the deadline: valid in the block after it, so it goes out once the tip is there.
    if (tip.height < g.deadline) return [];
    if (g.duty === undefined) {
      g.duty = this.engine.hold(g, new FixedDuty({ tx: g.abort, rebroadcast: true }));
      this.emit({ kind: 'abort', setupTxid: g.setupTxid, txid: g.duty.txid });
    }
    return spends.every((s) => s?.note === 'abort' && s.hash !== undefined) ? [] : [g.duty];
  }

  settle(g: Guarded, tip: ChainTip): void {
    const buried = g.watches.map((w) => w.spend).filter((s) => s !== undefined && depthOf(s, tip) >= this.finalDepth);
    if (buried.length === 0) return;
    this.engine.resolve(g);
    this.emit({ kind: 'resolved', setupTxid: g.setupTxid, outcome: buried.some((s) => s!.note === 'setup') ? 'setup' : 'aborted' });
  }
}

/** How a setup guard reads the chain. */
export interface DuplexSetupGuardOptions {
  /** The funder's own node. */
  readonly backend: ChainBackend;
  /** The first block to read: at most the height at which the funder signed its setup inputs. */
  readonly fromHeight: number;
  /** A spend this many blocks deep settles the guard (default 6). */
  readonly finalDepth?: number;
}

/**
 * One funder's guard of its setup coins: the abort goes out once the deadline passes with the setup unconfirmed.
 *
 * @example
 * ```ts
 * const guard = new DuplexSetupGuard({ backend, fromHeight: tipHeight });
 * guard.guard(setup.fundingOutpoint.txid, abortTx); // abortTx: createDuplexAbortPsbt, signed by the wallet
 * guard.on('abort', (e) => log('the counterparty never completed the setup', e.txid));
 * setInterval(() => void guard.poll(), 30_000);
 * ```
 */
export class DuplexSetupGuard extends IsolatedEmitter<DuplexSetupGuardEvent> {
  private readonly engine: OutpointWatcher<Guarded, number, By>;
  private readonly guards = new Map<string, Guarded>();

  /**
   * @param opts - The backend, the first height to read and the final depth.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, the backend lacks a method, or a height or depth is not a count.
   */
  constructor(opts: DuplexSetupGuardOptions) {
    super();
    if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
    checkChainBackend(opts.backend);
    const finalDepth = countOption(opts.finalDepth, 6, 'finalDepth');
    const fromHeight = countOption(opts.fromHeight, 0, 'fromHeight', 0);
    const emit = (e: DuplexSetupGuardEvent): void => {
      this.emit('event', e);
      if (e.kind !== 'error') this.emit(e.kind, e);
    };
    const policy = new SetupGuardPolicy(emit, finalDepth);
    this.engine = new OutpointWatcher({
      backend: opts.backend, policy, finalDepth,
      follow: { fromHeight, remember: 144, checkMempool: true },
      events: { error: (e, g) => emit({ kind: 'error', ...(g !== undefined ? { setupTxid: g.setupTxid } : {}), ...errorFields(e) }) },
    });
    policy.engine = this.engine;
  }

  /**
   * Guard a setup: watch the abort's inputs (the funder's setup coins) and broadcast the abort from its deadline on unless the setup spends them.
   *
   * @param setupTxid - The setup's txid (DuplexSetupPlan.fundingOutpoint.txid).
   * @param abort - The funder's signed abort (planDuplexAbort): its nLockTime is the deadline.
   * @returns `setupTxid`, the guard's id.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `setupTxid` is not a txid, `abort` is not a signed transaction with inputs and a height nLockTime, or it spends the setup.
   * @throws {@link ChannelError} `CHANNEL_ALREADY_WATCHED` if the setup or one of the coins is guarded already.
   */
  guard(setupTxid: string, abort: Transaction): string {
    checkTxid(setupTxid, 'setupTxid');
    if (!(abort instanceof Transaction) || abort.ins.length === 0) fail('INVALID_ARGUMENT', 'abort must be a transaction spending the funder\'s setup coins');
    if (abort.locktime < 1 || abort.locktime >= 500_000_000) fail('INVALID_ARGUMENT', 'the abort\'s nLockTime must be the deadline, a block height');
    if (abort.ins.some((i) => i.witness.length === 0 && i.script.length === 0)) fail('INVALID_ARGUMENT', 'the abort must be signed');
    if (abort.ins.some((i) => hashToTxid(i.hash) === setupTxid)) fail('INVALID_ARGUMENT', 'the abort must spend the funder\'s coins, not the setup');
    if (this.guards.has(setupTxid)) fail('CHANNEL_ALREADY_WATCHED', `setup ${setupTxid} is guarded already`);
    const g: Guarded = { setupTxid, abort, deadline: abort.locktime, watches: [] };
    try {
      abort.ins.forEach((i, n) => g.watches.push(this.engine.watch({ txid: hashToTxid(i.hash), vout: i.index }, g, n)));
    } catch (e) {
      this.engine.forget(g);
      throw e;
    }
    this.engine.at(g, () => true);
    this.guards.set(setupTxid, g);
    return setupTxid;
  }

  /**
   * Read new blocks and the mempool, record spends, and broadcast the abort when it is due.
   * It does not reject: a failed call is an `'error'` event, and the next poll tries again.
   */
  async poll(): Promise<void> {
    await this.engine.poll();
  }
}
