/**
 * A server process's share of the watch duty: the funding outpoints it
 * leases (WatchLeases) are the ones its hub watches (hub.watchOnly).
 *
 * An outpoint is registered before the funding_created that names it goes
 * to the hub, so no channel is ever funded that nobody is bound to watch; a
 * registration whose funding the hub then refuses is an outpoint with no
 * channel, which costs a row. A lease may thus name a channel not saved
 * yet (its funding_created still on its way): such an outpoint is offered
 * to the hub again at every renewal until its channel is there. A channel
 * taken over from another process is reloaded from the store, since that
 * process may have moved it on after this one last held it. The heartbeat
 * never waits for that loading: a process busy taking over many channels
 * would otherwise let its own leases lapse and hand them straight back.
 */
import { deriveChannelId, toHex } from '../../lib';
import type { FundingOutpoint as OutPoint, LeaseChanges, ReceiverHub, WatchLeases } from '../../lib/node';

/** What a renewal changed, for the parent's report. */
export interface DutyReport {
  readonly added: number;
  readonly removed: number;
  readonly held: number;
  readonly owners: number;
  readonly watching: number;
}

const keyOf = (o: OutPoint) => `${o.txid}:${o.vout}`;

/** See the module's description. */
export class WatchDuty {
  /** Held outpoints not yet watched as stored now: their channel not saved yet, or the last try failed. */
  private readonly pending = new Map<string, OutPoint>();
  private heartbeat?: Promise<unknown>;
  /** The hub is pointed at each renewal's changes in order, apart from the heartbeats. */
  private applied: Promise<unknown> = Promise.resolve();

  constructor(private readonly leases: WatchLeases, private readonly hub: Pick<ReceiverHub, 'watchOnly' | 'balance' | 'watching'>) {}

  /** Bind the fleet to watch a funding outpoint; call before the funding_created naming it is handled. */
  register(o: OutPoint): Promise<number> {
    return this.leases.register([o]);
  }

  /** Stop watching a closed channel's funding, whoever holds it. */
  unregister(o: OutPoint): Promise<number> {
    return this.leases.unregister([o]);
  }

  /**
   * Renew the leases (the heartbeat), then point the hub at what this
   * process holds now. Resolves after the heartbeat, with the pointing still
   * under way: loading many channels taken over must not delay the next
   * heartbeat past the TTL. Undefined if a heartbeat is already running.
   */
  async renew(): Promise<{ applied: Promise<DutyReport> } | undefined> {
    if (this.heartbeat) return undefined;
    const beat = this.leases.renew();
    this.heartbeat = beat;
    let ch: LeaseChanges;
    try {
      ch = await beat;
    } finally {
      this.heartbeat = undefined;
    }
    const applied = this.applied.then(() => this.apply(ch));
    this.applied = applied.catch(() => undefined);
    return { applied };
  }

  private async apply(ch: LeaseChanges): Promise<DutyReport> {
    for (const o of ch.added) this.pending.set(keyOf(o), o);
    for (const o of ch.removed) this.pending.delete(keyOf(o));
    const { missing } = await this.hub.watchOnly({ add: [...this.pending.values()], remove: ch.removed });
    const notSaved = new Set(missing.map(keyOf));
    for (const [k, o] of this.pending) {
      if (notSaved.has(k)) continue;
      // Watched as stored now, not as a copy cached before another process moved the channel on.
      await this.hub.balance(toHex(deriveChannelId(o.txid, o.vout)));
      this.pending.delete(k);
    }
    return { added: ch.added.length, removed: ch.removed.length, held: ch.held, owners: ch.owners, watching: this.hub.watching };
  }

  /** Leave the fleet: free every lease for the others. */
  async release(): Promise<void> {
    await this.leases.release();
  }
}
