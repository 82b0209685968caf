/**
 * Whether each watched channel's funding is still deep on the hub's node.
 * A channel takes payments once its funding was seen at the policy depth;
 * a reorg can take that block away, and a funding out of the chain can be
 * double-spent, leaving the receiver's signed states spending nothing. So
 * the hub follows it: after a reorg that disconnects a block at or below
 * the funding's height, the funding is looked up again; a funding no longer
 * deep stops the channel's offers until it is deep again (looked up after
 * every poll meanwhile), and one whose input another confirmed transaction
 * spent ends the channel.
 *
 * Only fundings in the last blocks the watcher remembers are kept with
 * their height and inputs: a reorg deeper than that is beyond what the
 * watcher undoes. A funding the node cannot show when first looked up (a
 * node without a transaction index) is left as it is: no evidence either way.
 */
import { Transaction } from 'bitcoinjs-lib';
import { hashToTxid } from '../core/hash';
import { ChainBackend } from '../chain/backend';
import { DEFAULT_REMEMBERED_BLOCKS } from '../chain/block-follower';

/** Why a channel whose funding was deep takes no offers: out of the chain (or shallow) again, or double-spent (the channel failed). */
export type FundingLost = 'reorged' | 'double-spent';

/** What {@link FundingFollow} concluded of a channel's funding. */
export type FundingState = FundingLost | 'deep';

/** One funding followed. */
export interface Followed {
  /** The channel's id, hex. */
  readonly id: string;
  /** The funding txid. */
  readonly txid: string;
  /** The channel's policy depth. */
  readonly depth: number;
  /** Its block's height when last looked up. */
  height?: number;
  /** What the funding spends: a confirmed spend of one by another transaction is a double-spend. */
  inputs?: { txid: string; vout: number }[];
  /** Looked up at least once with an answer. */
  located: boolean;
  /** What the stored channel says. */
  lost?: FundingLost;
}

/** Follows the fundings of one hub's watched channels; see the module's description. */
export class FundingFollow {
  private readonly entries = new Map<string, Followed>();
  /** Keys to look up after the next poll. */
  private readonly due = new Set<string>();
  /** Keys whose funding is recent (or not deep): a reorg from their height looks them up again. */
  private readonly recent = new Set<string>();
  /** Lowest height a reorg disconnected since the last check. */
  private reorgFrom?: number;

  /**
   * @param backend - The hub's node.
   * @param change - Saves a conclusion on the channel and reports it; throws if it could not be saved (tried again after the next poll).
   * @param window - Blocks a funding stays recent.
   */
  constructor(
    private readonly backend: ChainBackend,
    private readonly change: (f: Followed, state: FundingState, spentBy?: string) => Promise<void>,
    private readonly window = DEFAULT_REMEMBERED_BLOCKS,
  ) {}

  /**
   * A watched channel as stored: followed once its funding was deep, with
   * what the store says of it now. A double-spent one is done with.
   */
  follow(key: string, c: { id: string; txid: string; depth: number; deep: boolean; closed: boolean; lost?: FundingLost }): void {
    let f = this.entries.get(key);
    if (c.closed || c.lost === 'double-spent' || (!c.deep && c.lost === undefined)) {
      if (f) this.forget(key);
      return;
    }
    if (!f) {
      f = { id: c.id, txid: c.txid, depth: c.depth, located: false };
      this.entries.set(key, f);
      this.recent.add(key);
      this.due.add(key);
    }
    f.lost = c.lost;
    if (c.lost === 'reorged') this.due.add(key);
  }

  /** Stop following a channel (no longer watched here). */
  forget(key: string): void {
    this.entries.delete(key);
    this.due.delete(key);
    this.recent.delete(key);
  }

  /**
   * A block the watcher read before left the best chain.
   *
   * @param height - Its height.
   */
  disconnected(height: number): void {
    this.reorgFrom = Math.min(this.reorgFrom ?? height, height);
  }

  /** How many fundings are followed (deep once, not double-spent). */
  get size(): number {
    return this.entries.size;
  }

  /** Look up what is due after a poll; a failed look-up or save is reported and tried again after the next one. */
  async check(report: (e: unknown, channelId?: string) => void): Promise<void> {
    const from = this.reorgFrom;
    this.reorgFrom = undefined;
    if (from !== undefined) {
      for (const k of this.recent) {
        const h = this.entries.get(k)?.height;
        if (h === undefined || h >= from) this.due.add(k);
      }
    }
    if (this.due.size === 0) return;
    let tipHeight: number;
    try {
      tipHeight = (await this.backend.getTip()).height;
    } catch (e) {
      report(e);
      return;
    }
    for (const k of [...this.due]) {
      const f = this.entries.get(k);
      this.due.delete(k);
      if (!f) continue;
      try {
        await this.checkOne(k, f, tipHeight);
      } catch (e) {
        this.due.add(k);
        report(e, f.id);
      }
    }
  }

  private async checkOne(key: string, f: Followed, tipHeight: number): Promise<void> {
    const got = await this.backend.getTransaction(f.txid);
    let state: FundingState;
    let spentBy: string | undefined;
    if (got !== undefined) {
      f.located = true;
      f.inputs ??= inputsOf(got.tx);
      f.height = got.blockHeight;
      state = got.blockHeight !== undefined && tipHeight - got.blockHeight + 1 >= f.depth ? 'deep' : 'reorged';
    } else if (!f.located && f.lost === undefined) {
      // Never shown by this node: no evidence the funding moved (a node without a transaction index shows only its mempool).
      this.recent.delete(key);
      return;
    } else {
      spentBy = await this.conflictOf(f);
      state = spentBy !== undefined ? 'double-spent' : 'reorged';
    }
    if (state === 'deep' && f.height !== undefined && tipHeight - f.height + 1 > this.window) this.recent.delete(key);
    if (state !== 'deep') this.recent.add(key);
    // Out of the chain: looked up after every poll until deep again.
    if (state === 'reorged') this.due.add(key);
    if (state === (f.lost ?? 'deep')) return;
    // Saved before it counts: a save that fails leaves it due.
    await this.change(f, state, spentBy);
    if (state === 'double-spent') this.forget(key);
    else f.lost = state === 'deep' ? undefined : state;
  }

  /** The txid of a confirmed transaction that spends an input of the funding, if any. */
  private async conflictOf(f: Followed): Promise<string | undefined> {
    for (const input of f.inputs ?? []) {
      const s = await this.backend.getSpender(input);
      if (s !== undefined && s.txid !== f.txid && s.blockHeight !== undefined) return s.txid;
    }
    return undefined;
  }
}

function inputsOf(raw: Uint8Array): { txid: string; vout: number }[] | undefined {
  try {
    return Transaction.fromBuffer(raw).ins.map((i) => ({ txid: hashToTxid(i.hash), vout: i.index }));
  } catch {
    return undefined;
  }
}
