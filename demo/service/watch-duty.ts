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
 * process may have moved it on after this one last held it.
 */
import { deriveChannelId, toHex } from '../../lib';
import type { FundingOutpoint as OutPoint, ReceiverHub, WatchLeases } from '../../lib/node';

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
  /** Held outpoints whose channel the hub had not found in the store yet. */
  private readonly missing = new Map<string, OutPoint>();
  private renewing = false;

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
   * Renew the leases and point the hub at what this process holds now;
   * undefined if a renewal is already running.
   */
  async renew(): Promise<DutyReport | undefined> {
    if (this.renewing) return undefined;
    this.renewing = true;
    try {
      const ch = await this.leases.renew();
      for (const o of ch.removed) this.missing.delete(keyOf(o));
      const add = [...ch.added, ...this.missing.values()];
      const { missing } = await this.hub.watchOnly({ add, remove: ch.removed });
      const stillMissing = new Set(missing.map(keyOf));
      for (const o of add) {
        if (stillMissing.has(keyOf(o))) {
          this.missing.set(keyOf(o), o);
          continue;
        }
        this.missing.delete(keyOf(o));
        // Watched as stored now, not as a copy cached before another process moved the channel on.
        await this.hub.balance(toHex(deriveChannelId(o.txid, o.vout)));
      }
      return { added: ch.added.length, removed: ch.removed.length, held: ch.held, owners: ch.owners, watching: this.hub.watching };
    } finally {
      this.renewing = false;
    }
  }

  /** Leave the fleet: free every lease for the others. */
  async release(): Promise<void> {
    await this.leases.release();
  }
}
