/**
 * What a party derives from its terms and funding outpoint, kept so that the
 * payment path computes none of it again: the channel id, the checked channel
 * context, and the party's signer over that context.
 */
import { ChannelContext } from '../params';
import { Party, PaymentSigner } from '../tx/payment-signer';
import { PrivateKey } from '../../../core/types';
import { OpenTerms, channelContextFor, channelIdFor } from './terms';

type Outpoint = { txid: string; vout: number };

export class DerivedChannel {
  private idOf?: { funding: Outpoint | undefined; id: Uint8Array };
  private ctx?: ChannelContext;
  private signerOf?: PaymentSigner;

  constructor(private readonly party: Party, private readonly fundingKey: PrivateKey) {}

  /** The temporary id before funding, BOLT 2's after: recomputed only when the outpoint changes. */
  channelId(terms: OpenTerms, funding: Outpoint | undefined): Uint8Array {
    if (this.idOf === undefined || this.idOf.funding !== funding) this.idOf = { funding, id: channelIdFor(terms, funding) };
    return this.idOf.id;
  }

  context(terms: OpenTerms, funding: Outpoint | undefined): ChannelContext {
    this.ctx ??= channelContextFor(terms, funding);
    return this.ctx;
  }

  signer(terms: OpenTerms, funding: Outpoint | undefined): PaymentSigner {
    this.signerOf ??= new PaymentSigner(this.context(terms, funding), this.party, this.fundingKey);
    return this.signerOf;
  }

  /** The funding outpoint was just checked into `ctx` (and a signer made over it, if given). */
  funded(ctx: ChannelContext, signer?: PaymentSigner): void {
    this.ctx = ctx;
    this.signerOf = signer;
  }
}
