/**
 * The payment hot path, without PSBT: each party signs and verifies payment
 * versions as BIP 143 hashes over cached channel pieces, and serializes a
 * transaction only when it is about to be broadcast.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { PrivateKey, PublicKey, asPrivateKey, asPublicKey, derivePublicKey } from '../../../core/types';
import { ChannelContext, ChannelParams, verifyChannelParams } from '../params';
import { closeOutputs, closeSighash, closeTx } from './close';
import { isContext } from '../context';
import { bytesEqual } from '../../../core/hash';
import { TxOut } from '../../../tx/outputs';
import { paymentSighash, paymentTx, receiverPaymentOutputs, senderPaymentOutputs } from './payment';
import { setFundingSpendWitness } from '../../../tx/funding-spend';
import { PaymentVersionParams, paymentVersionOutputs } from './htlc-version';
import { signSighash, verifySighashSignature } from '../../../tx/signature';
import { FeeRate } from '../../../core/types';

/** Which side of the channel a signer signs for. */
export type Party = 'sender' | 'receiver';

/**
 * One party's signer for the payment hot path: sighashes of payment versions
 * and the close from the channel's cached pieces, signatures with its funding
 * key, and the counterparty's signatures checked against its funding key.
 *
 * @example
 * ```ts
 * const signer = new PaymentSigner(params, 'receiver', receiverFundingKey);
 * const hash = signer.senderVersionHash(index, amount, updateKey);
 * const sig = signer.sign(hash); // the receiver's signature of the sender's version
 * const tx = signer.completeReceiverVersion(index, amount, senderSig); // broadcastable
 * ```
 */
export class PaymentSigner {
  /** The channel's checked context. */
  readonly ctx: ChannelContext;
  /** The party this signer signs for. */
  readonly party: Party;
  private readonly key: PrivateKey;
  private readonly counterpartyKey: PublicKey;

  /**
   * `fundingKey` is this party's funding private key; it must match the channel.
   *
   * @param channel - The channel's parameters, or a context from {@link verifyChannelParams} (used as it is).
   * @param party - Which side this signer signs for.
   * @param fundingKey - This party's funding private key.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `party` is neither sender nor receiver.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is parameters that {@link verifyChannelParams} refuses.
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is malformed or not this party's funding key.
   */
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

  /**
   * The sighash of the sender's version of a state.
   *
   * @param index - The state's index.
   * @param amount - Total paid to the receiver in that state.
   * @param updateKey - K_i of the state.
   * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not in [0, 2^48-1].
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
   */
  senderVersionHash(index: bigint, amount: bigint, updateKey: PublicKey): Uint8Array {
    asPublicKey(updateKey, 'updateKey');
    return this.trustedSenderVersionHash(index, amount, updateKey);
  }

  /**
   * As senderVersionHash, for an updateKey already known to be a valid point: the
   * sender's own K_i, or a key the receiver checked at its message boundary. The
   * point check costs about a fifth of a signature, so the hot path does it once.
   *
   * @param index - The state's index.
   * @param amount - Total paid to the receiver in that state.
   * @param updateKey - K_i of the state, already checked.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not in [0, 2^48-1] or `updateKey` is not 33 bytes.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
   */
  trustedSenderVersionHash(index: bigint, amount: bigint, updateKey: PublicKey): Uint8Array {
    return paymentSighash(this.ctx, index, senderPaymentOutputs(this.ctx, amount, updateKey));
  }

  /**
   * The sighash of the receiver's version of a state.
   *
   * @param index - The state's index.
   * @param amount - Total paid to the receiver in that state.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not in [0, 2^48-1].
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
   */
  receiverVersionHash(index: bigint, amount: bigint): Uint8Array {
    return paymentSighash(this.ctx, index, receiverPaymentOutputs(this.ctx, amount));
  }

  /**
   * The sighash of the cooperative close.
   *
   * @param amount - Final amount paid to the receiver.
   * @param feeRate - The close's fee rate, sat/kw.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
   */
  closeHash(amount: bigint, feeRate: FeeRate): Uint8Array {
    return closeSighash(this.ctx, closeOutputs(this.ctx, amount, feeRate));
  }

  /**
   * This party's signature of a sighash, with its funding key.
   *
   * @param hash - A 32-byte sighash from this signer.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
   */
  sign(hash: Uint8Array): Uint8Array {
    return signSighash(hash, this.key);
  }

  /**
   * True if `sig` is the counterparty's valid signature over `hash`.
   *
   * @param hash - A 32-byte sighash.
   * @param sig - The signature with its sighash byte.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
   */
  verifyCounterparty(hash: Uint8Array, sig: Uint8Array): boolean {
    return verifySighashSignature(hash, this.counterpartyKey, sig);
  }

  /** A broadcastable transaction from both signatures; `counterpartySig` must already be verified. */
  private complete(tx: Transaction, ownSig: Uint8Array, counterpartySig: Uint8Array): Transaction {
    const [senderSig, receiverSig] = this.party === 'sender' ? [ownSig, counterpartySig] : [counterpartySig, ownSig];
    setFundingSpendWitness(this.ctx.funding, tx, { senderSig, receiverSig });
    return tx;
  }

  /**
   * The sender's version of a state, with both signatures in its witness.
   *
   * @param index - The state's index.
   * @param amount - Total paid to the receiver in that state.
   * @param updateKey - K_i of the state.
   * @param counterpartySig - The other party's signature of this version.
   * @returns The broadcastable transaction.
   * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not in [0, 2^48-1].
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not verify.
   */
  completeSenderVersion(index: bigint, amount: bigint, updateKey: PublicKey, counterpartySig: Uint8Array): Transaction {
    asPublicKey(updateKey, 'updateKey');
    return this.completeSigned(index, senderPaymentOutputs(this.ctx, amount, updateKey), counterpartySig);
  }

  /**
   * The receiver's version of a state, with both signatures in its witness.
   *
   * @param index - The state's index.
   * @param amount - Total paid to the receiver in that state.
   * @param counterpartySig - The other party's signature of this version.
   * @returns The broadcastable transaction.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not in [0, 2^48-1].
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not verify.
   */
  completeReceiverVersion(index: bigint, amount: bigint, counterpartySig: Uint8Array): Transaction {
    return this.completeSigned(index, receiverPaymentOutputs(this.ctx, amount), counterpartySig);
  }

  /**
   * The cooperative close, with both signatures in its witness.
   *
   * @param amount - Final amount paid to the receiver.
   * @param feeRate - The close's fee rate, sat/kw.
   * @param counterpartySig - The other party's signature of the close.
   * @returns The broadcastable transaction.
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not verify.
   */
  completeClose(amount: bigint, feeRate: FeeRate, counterpartySig: Uint8Array): Transaction {
    const outs = closeOutputs(this.ctx, amount, feeRate);
    const hash = closeSighash(this.ctx, outs);
    if (!this.verifyCounterparty(hash, counterpartySig)) fail('INVALID_SIGNATURE', 'counterparty signature does not verify');
    return this.complete(closeTx(this.ctx, outs), this.sign(hash), counterpartySig);
  }

  /**
   * The sighash of either version of a state that carries HTLCs (or none).
   *
   * @param index - The state's index.
   * @param p - The version, the amount, K_i for the sender's version, and the pending HTLCs.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not in [0, 2^48-1], or as {@link paymentVersionOutputs}.
   * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `HTLC_TOO_MANY`, `HTLC_DUST_EXPOSURE` or `FEE_EXCEEDS_OUTPUT` as {@link paymentVersionOutputs}.
   */
  versionHash(index: bigint, p: PaymentVersionParams): Uint8Array {
    return paymentSighash(this.ctx, index, paymentVersionOutputs(this.ctx, p).outputs as TxOut[]);
  }

  /**
   * Either version of a state that carries HTLCs, with both signatures in its witness.
   *
   * @param index - The state's index.
   * @param p - The version, the amount, K_i for the sender's version, and the pending HTLCs.
   * @param counterpartySig - The other party's signature of this version.
   * @returns The broadcastable transaction.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not in [0, 2^48-1], or as {@link paymentVersionOutputs}.
   * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `HTLC_TOO_MANY`, `HTLC_DUST_EXPOSURE` or `FEE_EXCEEDS_OUTPUT` as {@link paymentVersionOutputs}.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not verify.
   */
  completeVersion(index: bigint, p: PaymentVersionParams, counterpartySig: Uint8Array): Transaction {
    return this.completeSigned(index, paymentVersionOutputs(this.ctx, p).outputs as TxOut[], counterpartySig);
  }

  private completeSigned(index: bigint, outs: TxOut[], counterpartySig: Uint8Array): Transaction {
    const hash = paymentSighash(this.ctx, index, outs);
    if (!this.verifyCounterparty(hash, counterpartySig)) fail('INVALID_SIGNATURE', 'counterparty signature does not verify');
    return this.complete(paymentTx(this.ctx, index, outs), this.sign(hash), counterpartySig);
  }
}
