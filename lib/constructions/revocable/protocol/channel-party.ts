/**
 * What the sender and the receiver both show of their channel, read from
 * their saved state's terms and funding outpoint: the outpoint, the timeout,
 * the CLTV margin, the channel id and the checked channel context, with the
 * party's signer over that context and the phase and channel checks every
 * handler starts with. The id, context and signer are derived once
 * (derived.ts), so the payment path computes none of them again.
 */
import { fail } from '../../../core/errors';
import { bytesEqual, toHex } from '../../../core/hash';
import { HtlcRecord, copyRecord, htlcsAt } from './htlc-table';
import { PrivateKey, Variant } from '../../../core/types';
import { ChannelContext } from '../params';
import { Party, PaymentSigner } from '../tx/payment-signer';
import { DerivedChannel } from './derived';
import { OpenTerms } from './terms';

/**
 * The accessors the sender and the receiver share.
 * @internal
 */
export abstract class ChannelParty {
  /** The channel id, context and signer, derived once per funding outpoint. */
  protected readonly derived: DerivedChannel;

  protected constructor(party: Party, fundingKey: PrivateKey) {
    this.derived = new DerivedChannel(party, fundingKey);
  }

  /** Where the party is in the channel's life. */
  abstract get phase(): string;

  /** The saved state's terms, funding outpoint and HTLC table. */
  protected abstract get saved(): { readonly terms: OpenTerms; readonly funding?: { txid: string; vout: number }; readonly htlcs: readonly HtlcRecord[] };

  /** The funding outpoint, once funding_created is made or received. */
  get funding(): {
    /** The funding txid. */
    txid: string;
    /** The funding output's index. */
    vout: number;
  } | undefined { return this.saved.funding; }
  /** The channel's timeout. */
  get variant(): Variant { return this.saved.terms.variant; }
  /** CLTV: blocks before expiry at which the receiver stops taking payments. */
  get margin(): number { return this.saved.terms.margin; }
  /** The channel id: temporary before funding, BOLT 2's after (a copy). */
  get channelId(): Uint8Array {
    return Uint8Array.from(this.id);
  }

  /** The channel id, computed once per funding outpoint; callers get copies of it. */
  protected get id(): Uint8Array {
    return this.derived.channelId(this.saved.terms, this.saved.funding);
  }

  /**
   * The checked channel parameters (after funding_created).
   *
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the channel is not funded yet.
   */
  get context(): ChannelContext {
    return this.derived.context(this.saved.terms, this.saved.funding);
  }

  /** The party's signer over the channel context. */
  protected get signer(): PaymentSigner {
    return this.derived.signer(this.saved.terms, this.saved.funding);
  }

  /**
   * The HTLCs state `index` carries, revoked states' too: what its versions'
   * HTLC outputs are built from (a penalty sweeps them all, a watcher claims them).
   *
   * @param index - A state's index.
   * @returns Their records, in id order (copies).
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not a non-negative integer.
   */
  htlcsAt(index: number): HtlcRecord[] {
    if (!Number.isSafeInteger(index) || index < 0) fail('INVALID_ARGUMENT', 'index must be a non-negative integer');
    return htlcsAt(this.saved.htlcs, index).map(copyRecord);
  }

  /** Every HTLC the sender offered, removed ones too, in id order (copies). */
  get htlcTable(): HtlcRecord[] {
    return this.saved.htlcs.map(copyRecord);
  }

  /**
   * The preimage of a hash, if the party has it for one of the channel's HTLCs.
   *
   * @param hash - H, 32 bytes.
   * @returns P (a copy), or undefined.
   */
  preimageFor(hash: Uint8Array): Uint8Array | undefined {
    if (!(hash instanceof Uint8Array)) return undefined;
    const r = this.saved.htlcs.find((x) => x.preimage !== undefined && bytesEqual(x.hash, hash));
    return r?.preimage ? Uint8Array.from(r.preimage) : undefined;
  }

  /** A message or call of phase `phase` only: a closing or closed channel says so, any other phase is unexpected. */
  protected expectPhase(phase: this['phase'], what: string): void {
    if (this.phase === phase) return;
    if (this.phase === 'closed' || this.phase === 'closing') fail('CHANNEL_CLOSED', `${what}: channel is ${this.phase}`);
    fail('UNEXPECTED_MESSAGE', `${what} in phase ${this.phase}`);
  }

  /** A message for this channel only. */
  protected expectChannel(id: Uint8Array): void {
    // An in-memory message may hold anything here; bytesEqual and toHex need bytes.
    if (!(id instanceof Uint8Array)) fail('WRONG_CHANNEL', 'channel id is not bytes');
    if (!bytesEqual(id, this.id)) fail('WRONG_CHANNEL', `message for channel ${toHex(id)}`);
  }
}
