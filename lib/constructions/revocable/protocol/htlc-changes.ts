/**
 * What an offer's HTLC change does to the table, checked the same way for
 * both parties: the sender builds its change through here before signing,
 * the receiver applies the sender's change through here before verifying.
 * A change is refused with a typed code and nothing is returned; the caller
 * replaces its state only with what comes back.
 */
import { fail } from '../../../core/errors';
import { LOCKTIME_THRESHOLD, checkAmount } from '../../../core/types';
import { ChainView } from '../../../protocol/party';
import { HTLC_FAIL_REASONS, HtlcOpenTerms, OfferChange } from './messages';
import { HtlcRecord, nextHtlcId, opens, withRecord } from './htlc-table';
import { htlcExpired } from './htlc-rules';

/** What a change is applied to: the state before it and the party's view of the chain. */
export interface ChangeBase {
  /** The party's table (the state before carries no change in flight). */
  readonly table: readonly HtlcRecord[];
  /** The index of the state before: the change makes `index + 1`. */
  readonly index: number;
  /** The receiver's total in the state before. */
  readonly amount: bigint;
  /** The channel's HTLC terms; without them no change but a payment is taken. */
  readonly terms?: HtlcOpenTerms;
  /** The tip: needed to add an HTLC, and to fail one the receiver has not failed. */
  readonly chain?: ChainView;
  /** The party's rule for a new HTLC's expiry (R1 and the CLTV bound). */
  readonly checkExpiry: (expiry: number, chain: ChainView | undefined) => void;
}

/** The table and the receiver's total of the state a change makes. */
export interface ChangedState {
  readonly table: readonly HtlcRecord[];
  readonly amount: bigint;
}

/**
 * An HTLC the state before carries, not on its way out.
 *
 * @throws {@link ChannelError} `HTLC_UNKNOWN` otherwise.
 */
export function liveRecord(table: readonly HtlcRecord[], index: number, id: unknown): HtlcRecord {
  const r = Number.isSafeInteger(id) ? table[id as number] : undefined;
  if (r === undefined || r.addedAt > index || r.removedAt !== undefined) fail('HTLC_UNKNOWN', `no HTLC ${String(id)} in flight`, { id });
  return r;
}

/**
 * Whether an HTLC may be removed unpaid: the receiver gave it up (its
 * `fail`, sent or received), or it has expired.
 *
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if the receiver has not failed it and `chain` is not a chain view.
 * @throws {@link ChannelError} `HTLC_NOT_EXPIRED` if neither.
 */
export function checkMayFail(r: HtlcRecord, chain: ChainView | undefined): void {
  if (r.outcome === 'failed') return;
  if (!htlcExpired(r.expiry, chain)) {
    fail('HTLC_NOT_EXPIRED', `HTLC ${r.id}: the receiver has not failed it and it expires at ${r.expiry}`, { id: r.id, expiry: r.expiry });
  }
}

/**
 * Apply an HTLC change (not a plain payment) to the state before.
 *
 * @throws {@link ChannelError} `MESSAGE_INVALID` if `change` is not a change object.
 * @throws {@link ChannelError} `HTLC_NOT_NEGOTIATED` if the channel has no HTLC terms.
 * @throws {@link ChannelError} `UPDATE_INDEX_MISMATCH` if an added HTLC's id is not the next one.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_ARGUMENT` or `INVALID_TIMELOCK` if an added HTLC's amount, hash or expiry is malformed.
 * @throws {@link ChannelError} `HTLC_EXPIRY_TOO_SOON`, `HTLC_EXPIRY_PAST_CHANNEL` or `INVALID_ARGUMENT` as `checkExpiry` refuses.
 * @throws {@link ChannelError} `HTLC_UNKNOWN` if a settled or failed HTLC is not in flight.
 * @throws {@link ChannelError} `HTLC_PREIMAGE_MISMATCH` if a settle's preimage does not open the HTLC.
 * @throws {@link ChannelError} `HTLC_NOT_EXPIRED` as {@link checkMayFail}.
 */
export function applyHtlcChange(b: ChangeBase, change: Exclude<OfferChange, { kind: 'pay' }>): ChangedState {
  if (change === null || typeof change !== 'object') fail('MESSAGE_INVALID', 'change must be an object');
  if (b.terms === undefined) fail('HTLC_NOT_NEGOTIATED', 'the channel was opened without HTLC terms: it carries no HTLCs');
  const index = b.index + 1;
  switch (change.kind) {
    case 'addHtlc': {
      const id = nextHtlcId(b.table);
      if (change.id !== id) fail('UPDATE_INDEX_MISMATCH', `HTLC id ${String(change.id)}, expected ${id}`, { field: 'change.id' });
      checkAmount(change.amount, 'HTLC amount', 1n);
      if (!(change.hash instanceof Uint8Array) || change.hash.length !== 32) fail('INVALID_ARGUMENT', 'an HTLC hash must be 32 bytes');
      const e = change.expiry;
      if (!Number.isSafeInteger(e) || e < 1 || e >= LOCKTIME_THRESHOLD) fail('INVALID_TIMELOCK', `an HTLC expiry must be a block height in [1, ${LOCKTIME_THRESHOLD - 1}]`);
      b.checkExpiry(e, b.chain);
      const r: HtlcRecord = { id, amount: change.amount, hash: Uint8Array.from(change.hash), expiry: e, addedAt: index };
      return { table: [...b.table, r], amount: b.amount };
    }
    case 'settleHtlc': {
      const r = liveRecord(b.table, b.index, change.id);
      if (!opens(change.preimage, r.hash)) fail('HTLC_PREIMAGE_MISMATCH', `the preimage does not open HTLC ${r.id}`, { id: r.id });
      return { table: withRecord(b.table, r.id, { removedAt: index, outcome: 'fulfilled', preimage: Uint8Array.from(change.preimage) }), amount: b.amount + r.amount };
    }
    case 'failHtlc': {
      const r = liveRecord(b.table, b.index, change.id);
      checkMayFail(r, b.chain);
      return { table: withRecord(b.table, r.id, { removedAt: index, outcome: 'failed' }), amount: b.amount };
    }
    default:
      return fail('MESSAGE_INVALID', `unknown change ${String((change as { kind?: unknown }).kind)}`, { field: 'change.kind' });
  }
}

/**
 * A fail's reason, one of HTLC_FAIL_REASONS (the decoder checks it on the wire; a message from memory may hold anything).
 *
 * @throws {@link ChannelError} `MESSAGE_INVALID` otherwise.
 */
export function checkFailReason(reason: unknown): void {
  if (!(HTLC_FAIL_REASONS as readonly unknown[]).includes(reason)) fail('MESSAGE_INVALID', `reason must be one of ${HTLC_FAIL_REASONS.join(', ')}`, { field: 'reason' });
}
