/**
 * What the watchers read of a party's HTLC table: the HTLCs each state's
 * versions carry, the live ones, and the preimages known, as the transaction
 * layer takes them. A party without HTLC terms has no table, and its channel
 * costs the watchers nothing more.
 */
import { Htlc } from '../../../tx/htlcs';
import { HtlcRecord, htlcOf } from '../protocol/htlc-table';

/** One HTLC of a party's table, as the watchers read it. */
export interface HtlcEntry extends Htlc {
  /** The channel's id of the HTLC. */
  readonly id: number;
}

/** A party's HTLC table, read-only. */
export interface HtlcBook {
  /**
   * The HTLCs the versions of state `index` carry (revoked states too).
   *
   * @param index - The state.
   */
  htlcsAt(index: number): readonly HtlcEntry[];
  /** The HTLCs of the current state. */
  readonly htlcs: readonly HtlcEntry[];
  /**
   * The preimage of `hash`, once known.
   *
   * @param hash - H.
   */
  preimageFor(hash: Uint8Array): Uint8Array | undefined;
}

/** What a party (a Sender or a Receiver) shows of its HTLC table. */
interface HtlcTableOwner {
  readonly context: { readonly params: { readonly htlc?: unknown } };
  htlcsAt(index: number): readonly HtlcRecord[];
  readonly htlcs: readonly HtlcRecord[];
  preimageFor(hash: Uint8Array): Uint8Array | undefined;
}

const entryOf = (r: HtlcRecord): HtlcEntry => ({ ...htlcOf(r), id: r.id });

/**
 * The party's HTLC table, when its channel has HTLC terms.
 *
 * @param party - A sender or receiver.
 */
export function htlcBookOf(party: HtlcTableOwner): HtlcBook | undefined {
  if (party.context.params.htlc === undefined) return undefined;
  return {
    htlcsAt: (index) => party.htlcsAt(index).map(entryOf),
    get htlcs() { return party.htlcs.map(entryOf); },
    preimageFor: (hash) => party.preimageFor(hash),
  };
}
