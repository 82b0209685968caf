/**
 * What the watchers read of a party's HTLC table: the HTLCs each state's
 * versions carry, the live ones, and the preimages known. A party without
 * HTLC terms has no table, and its channel costs the watchers nothing more.
 */
import { Htlc } from '../../../tx/htlcs';

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
  /** The HTLCs not settled or failed off chain yet. */
  readonly htlcs: readonly HtlcEntry[];
  /**
   * The preimage of `hash`, once known.
   *
   * @param hash - H.
   */
  preimageFor(hash: Uint8Array): Uint8Array | undefined;
}

/**
 * The party's HTLC table, when its channel has HTLC terms and it keeps one.
 *
 * @param party - A sender or receiver.
 */
export function htlcBookOf(party: { readonly context: { readonly params: { readonly htlc?: unknown } } }): HtlcBook | undefined {
  if (party.context.params.htlc === undefined) return undefined;
  const p = party as Partial<HtlcBook>;
  return typeof p.htlcsAt === 'function' && typeof p.preimageFor === 'function' ? (party as unknown as HtlcBook) : undefined;
}
