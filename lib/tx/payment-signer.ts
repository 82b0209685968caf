/**
 * The payment hot path, without PSBT: each party signs and verifies payment
 * versions as BIP 143 hashes over cached channel pieces, and serializes a
 * transaction only when it is about to be broadcast.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { PrivateKey, PublicKey, asPrivateKey, asPublicKey, derivePublicKey } from '../types';
import { ChannelContext, ChannelParams, verifyChannelParams } from './channel-params';
import { closeOutputs, closeSighash, closeTx } from './close';
import { isContext } from './context';
import { bytesEqual } from './hash';
import { TxOut } from './outputs';
import { paymentSighash, paymentTx, receiverPaymentOutputs, senderPaymentOutputs, setFundingWitness } from './payment';
import { signSighash, verifySighashSignature } from './signature';
import { FeeRate } from '../types';

export type Party = 'sender' | 'receiver';

export class PaymentSigner {
  readonly ctx: ChannelContext;
  readonly party: Party;
  private readonly key: PrivateKey;
  private readonly counterpartyKey: PublicKey;

  /** `fundingKey` is this party's funding private key; it must match the channel. */
  constructor(channel: ChannelParams | ChannelContext, party: Party, fundingKey: PrivateKey) {
    if (party !== 'sender' && party !== 'receiver') fail('INVALID_ARGUMENT', 'party must be sender or receiver');
    // A context verifyChannelParams made is used as it is; anything else is checked as parameters.
    this.ctx = isContext(channel) ? channel as ChannelContext : verifyChannelParams(channel as ChannelParams);
    this.party = party;
    asPrivateKey(fundingKey, 'fundingKey');
    const p = this.ctx.params;
    const own = party === 'sender' ? p.senderFundingKey : p.receiverFundingKey;
    if (!bytesEqual(derivePublicKey(fundingKey), own)) fail('INVALID_KEY', `funding key does not match the ${party}'s key in the channel`);
    this.key = fundingKey;
    this.counterpartyKey = party === 'sender' ? p.receiverFundingKey : p.senderFundingKey;
  }

  senderVersionHash(state: bigint, amount: bigint, updateKey: PublicKey): Uint8Array {
    asPublicKey(updateKey, 'updateKey');
    return this.trustedSenderVersionHash(state, amount, updateKey);
  }

  /**
   * As senderVersionHash, for an updateKey already known to be a valid point: the
   * sender's own K_i, or a key the receiver checked at its message boundary. The
   * point check costs about a fifth of a signature, so the hot path does it once.
   */
  trustedSenderVersionHash(state: bigint, amount: bigint, updateKey: PublicKey): Uint8Array {
    return paymentSighash(this.ctx, state, senderPaymentOutputs(this.ctx, amount, updateKey));
  }

  receiverVersionHash(state: bigint, amount: bigint): Uint8Array {
    return paymentSighash(this.ctx, state, receiverPaymentOutputs(this.ctx, amount));
  }

  closeHash(amount: bigint, feeRate: FeeRate): Uint8Array {
    return closeSighash(this.ctx, closeOutputs(this.ctx, amount, feeRate));
  }

  sign(hash: Uint8Array): Uint8Array {
    return signSighash(hash, this.key);
  }

  /** True if `sig` is the counterparty's valid signature over `hash`. */
  verifyCounterparty(hash: Uint8Array, sig: Uint8Array): boolean {
    return verifySighashSignature(hash, this.counterpartyKey, sig);
  }

  /** A broadcastable transaction from both signatures; `counterpartySig` must already be verified. */
  private complete(tx: Transaction, ownSig: Uint8Array, counterpartySig: Uint8Array): Transaction {
    const [s, r] = this.party === 'sender' ? [ownSig, counterpartySig] : [counterpartySig, ownSig];
    setFundingWitness(this.ctx, tx, s, r);
    return tx;
  }

  completeSenderVersion(state: bigint, amount: bigint, updateKey: PublicKey, counterpartySig: Uint8Array): Transaction {
    asPublicKey(updateKey, 'updateKey');
    return this.completeSigned(state, senderPaymentOutputs(this.ctx, amount, updateKey), counterpartySig);
  }

  completeReceiverVersion(state: bigint, amount: bigint, counterpartySig: Uint8Array): Transaction {
    return this.completeSigned(state, receiverPaymentOutputs(this.ctx, amount), counterpartySig);
  }

  completeClose(amount: bigint, feeRate: FeeRate, counterpartySig: Uint8Array): Transaction {
    const outs = closeOutputs(this.ctx, amount, feeRate);
    const hash = closeSighash(this.ctx, outs);
    if (!this.verifyCounterparty(hash, counterpartySig)) fail('INVALID_SIGNATURE', 'counterparty signature does not verify');
    return this.complete(closeTx(this.ctx, outs), this.sign(hash), counterpartySig);
  }

  private completeSigned(state: bigint, outs: TxOut[], counterpartySig: Uint8Array): Transaction {
    const hash = paymentSighash(this.ctx, state, outs);
    if (!this.verifyCounterparty(hash, counterpartySig)) fail('INVALID_SIGNATURE', 'counterparty signature does not verify');
    return this.complete(paymentTx(this.ctx, state, outs), this.sign(hash), counterpartySig);
  }
}
