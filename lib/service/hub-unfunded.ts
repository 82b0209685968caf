/**
 * Channels that cost their sender nothing yet. An open_channel is free to
 * send, and so is a funding_created naming an outpoint that never existed;
 * each writes a record. A hub holds a bounded number of such channels and
 * gives each a time to get funded: past it the channel is refused funding
 * and deleted, unless its funding transaction turned out to be on the node.
 * A channel leaves the count once its funding is confirmed (its first
 * payment) or seen on the node.
 */
import { Receiver } from '../constructions/revocable/protocol/receiver';

/** The receiver is owed nothing and holds no funding the hub has seen: a channel that costs its sender nothing. */
export function costsNothing(r: Receiver): boolean {
  return r.phase === 'accepted' || (r.phase === 'funded' && !r.fundingConfirmed);
}

/** The unfunded channels one hub process knows of, by record key; see the module's description. */
export class UnfundedChannels {
  /** Record key to the time it was opened, ms since 1970. */
  private readonly opened = new Map<string, number>();
  /** Opens between the check of the bound and their save. */
  private reserved = 0;
  /** Channels whose funding transaction the node showed: real money, never counted again. */
  private readonly seen = new Set<string>();

  /**
   * @param max - The most unfunded channels at once.
   * @param ttlMs - How long one may stay unfunded.
   */
  constructor(readonly max: number, readonly ttlMs: number) {}

  /** How many are held, with the opens under way. */
  get size(): number {
    return this.opened.size + this.reserved;
  }

  /** Room for one more open: false when the bound is reached. Call {@link UnfundedChannels.settle} once its save is done or failed. */
  reserve(): boolean {
    if (this.size >= this.max) return false;
    this.reserved++;
    return true;
  }

  /** An open reserved for is saved (`key` given) or refused. */
  settle(key?: string, openedAt?: number): void {
    this.reserved--;
    if (key !== undefined && openedAt !== undefined) this.opened.set(key, openedAt);
  }

  /** Follow a channel as just loaded or saved: counted while it costs nothing. */
  follow(key: string, r: Receiver, openedAt: number): void {
    if (costsNothing(r) && !this.seen.has(key)) {
      if (!this.opened.has(key)) this.opened.set(key, openedAt);
      return;
    }
    this.opened.delete(key);
    if (!costsNothing(r)) this.seen.delete(key);
  }

  /** No longer counted: deleted (`funded` false), or its funding is on the node. */
  forget(key: string, funded = false): void {
    this.opened.delete(key);
    if (funded) this.seen.add(key);
  }

  /** When a counted channel was opened, as first counted. */
  openedAtOf(key: string): number | undefined {
    return this.opened.get(key);
  }

  /** Whether a channel opened at `openedAt` is past its time at `now`. */
  expired(openedAt: number, now: number): boolean {
    return now - openedAt > this.ttlMs;
  }

  /** Record keys past their time at `now`, oldest first. */
  due(now: number): string[] {
    return [...this.opened].filter(([, at]) => this.expired(at, now)).sort((a, b) => a[1] - b[1]).map(([k]) => k);
  }
}
