/**
 * Signing and completing a Spillman channel's spends, for one party with its
 * funding key. The hashes are computed from the channel's own context and the
 * fields the party decided (never from bytes the counterparty sent); a
 * counterparty's signature is checked against the same hash before it is
 * used. The witness is the template's: Form S's 2-of-2 (both sign every
 * spend, the refund too), Form C's `payment` or `refund` branch.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { FeeRate, PrivateKey, PublicKey, asPrivateKey, derivePublicKey } from '../../../core/types';
import { bytesEqual } from '../../../core/hash';
import { assembleWitness } from '../../../script/witness';
import { FundingSpendParams, buildFundingSpendTx, fundingSpendSighash, setFundingSpendWitness } from '../../../tx/funding-spend';
import { signSighash, verifySighashSignature } from '../../../tx/signature';
import { RBF_SEQUENCE } from '../../../tx/spend';
import { SpillmanContext, expectSpillmanContext } from '../params';
import { SPILLMAN_CLTV_TEMPLATE } from '../templates';
import { spillmanCloseSpend, spillmanPaymentSpend, spillmanRefundSpend } from './spends';

/** The party a signer signs for. */
export type SpillmanRole = 'sender' | 'receiver';

/** Both parties' signatures of a spend; the receiver's is absent on Form C's refund path. */
export interface SpillmanSignatures {
  /** The sender's, with its sighash byte. */
  readonly senderSig: Uint8Array;
  /** The receiver's, with its sighash byte. */
  readonly receiverSig?: Uint8Array;
}

/**
 * Put the witness of a spend of a Spillman funding output into `tx`.
 *
 * @param ctx - From {@link verifySpillmanParams}.
 * @param tx - A one-input spend of the funding output; changed in place.
 * @param branch - `payment` (a payment or the close, both sign) or `refund`.
 * @param sigs - The signatures; Form S needs both on every branch, Form C's refund only the sender's.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context, `branch` is neither, or `sigs` is not an object of bytes.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction that spends the funding output alone.
 * @throws {@link ChannelError} `PSBT_INCOMPLETE` if a signature the branch needs is missing.
 */
export function setSpillmanWitness(ctx: SpillmanContext, tx: Transaction, branch: 'payment' | 'refund', sigs: SpillmanSignatures): void {
  expectSpillmanContext(ctx);
  if (branch !== 'payment' && branch !== 'refund') fail('INVALID_ARGUMENT', 'branch must be payment or refund');
  if (sigs === null || typeof sigs !== 'object') fail('INVALID_ARGUMENT', 'signatures must be {senderSig, receiverSig?}');
  if (ctx.multisig) {
    if (sigs.receiverSig === undefined) fail('PSBT_INCOMPLETE', 'Form S: every spend needs the receiver\'s signature');
    setFundingSpendWitness(ctx.multisig, tx, { senderSig: sigs.senderSig, receiverSig: sigs.receiverSig });
    return;
  }
  if (!(tx instanceof Transaction) || tx.ins.length !== 1 || tx.ins[0]!.index !== ctx.params.fundingOutpoint.vout
    || !bytesEqual(tx.ins[0]!.hash, ctx.funding.fundingHash)) {
    fail('INVALID_TRANSACTION', 'a one-input spend of the funding output is needed');
  }
  const byKey: Record<string, Uint8Array> = { S_f: sigs.senderSig };
  if (branch === 'payment') {
    if (sigs.receiverSig === undefined) fail('PSBT_INCOMPLETE', 'a payment needs the receiver\'s signature');
    byKey.R_f = sigs.receiverSig;
  }
  for (const [k, v] of Object.entries(byKey)) if (!(v instanceof Uint8Array)) fail('INVALID_ARGUMENT', `the signature of ${k} must be bytes`);
  tx.setWitness(0, assembleWitness(SPILLMAN_CLTV_TEMPLATE, branch, byKey, ctx.funding.fundingScript));
}

/**
 * One party's signer: the hashes of the channel's spends, its signatures,
 * the check of the counterparty's, and the completed transactions.
 *
 * @example
 * ```ts
 * const sender = new SpillmanSigner(ctx, 'sender', senderFundingKey);
 * const sig = sender.sign(sender.paymentHash(1, 10_000n));
 * const receiver = new SpillmanSigner(ctx, 'receiver', receiverFundingKey);
 * const t3 = receiver.completePayment(1, 10_000n, sig); // checks sig first
 * ```
 */
export class SpillmanSigner {
  /** The channel. */
  readonly ctx: SpillmanContext;
  /** Whose key signs. */
  readonly role: SpillmanRole;
  private readonly key: PrivateKey;
  private readonly counterpartyKey: PublicKey;

  /**
   * @param ctx - From {@link verifySpillmanParams}.
   * @param role - `sender` or `receiver`.
   * @param fundingKey - The role's private funding key.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `role` is neither.
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is not a valid private key or not the role's funding key.
   */
  constructor(ctx: SpillmanContext, role: SpillmanRole, fundingKey: PrivateKey) {
    expectSpillmanContext(ctx);
    if (role !== 'sender' && role !== 'receiver') fail('INVALID_ARGUMENT', 'role must be sender or receiver');
    const own = role === 'sender' ? ctx.params.senderFundingKey : ctx.params.receiverFundingKey;
    if (!bytesEqual(derivePublicKey(asPrivateKey(fundingKey, 'fundingKey')), own)) fail('INVALID_KEY', `fundingKey is not the ${role}'s funding key`);
    this.ctx = ctx;
    this.role = role;
    this.key = fundingKey;
    this.counterpartyKey = role === 'sender' ? ctx.params.receiverFundingKey : ctx.params.senderFundingKey;
  }

  /**
   * The refund's sighash. The refund is fixed by the channel alone, so this never throws for a signer the constructor made.
   */
  refundHash(): Uint8Array {
    return fundingSpendSighash(spillmanRefundSpend({ ctx: this.ctx }));
  }

  /**
   * Payment T3_i's sighash.
   *
   * @param index - i.
   * @param amount - a_i, the receiver's total.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_BELOW_DUST`, `AMOUNT_EXCEEDS_CAPACITY` as {@link buildSpillmanPaymentTx}.
   */
  paymentHash(index: number, amount: bigint): Uint8Array {
    return fundingSpendSighash(spillmanPaymentSpend({ ctx: this.ctx, index, amount }));
  }

  /**
   * The close's sighash.
   *
   * @param amount - The receiver's final total.
   * @param feeRate - The close's fee rate, sat/kw.
   * @throws {@link ChannelError} `INVALID_FEE_RATE`, `INVALID_AMOUNT`, `AMOUNT_BELOW_DUST`, `AMOUNT_EXCEEDS_CAPACITY`, `FEE_EXCEEDS_OUTPUT` as {@link buildSpillmanCloseTx}.
   */
  closeHash(amount: bigint, feeRate: FeeRate): Uint8Array {
    return fundingSpendSighash(spillmanCloseSpend({ ctx: this.ctx, amount, feeRate }));
  }

  /**
   * This party's signature of a hash from this signer.
   *
   * @param hash - A sighash.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
   */
  sign(hash: Uint8Array): Uint8Array {
    return signSighash(hash, this.key);
  }

  /**
   * Whether `sig` is the counterparty's signature of `hash`: strict DER, SIGHASH_ALL, low-S.
   *
   * @param hash - A sighash from this signer.
   * @param sig - The counterparty's signature.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
   */
  verifyCounterparty(hash: Uint8Array, sig: Uint8Array): boolean {
    return verifySighashSignature(hash, this.counterpartyKey, sig);
  }

  /**
   * The signed refund: the sender's own signature, with the receiver's in Form S.
   *
   * @param receiverSig - Form S: the receiver's signature of the refund; Form C: none.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if this is the receiver's signer (the refund is the sender's to complete).
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if Form S's `receiverSig` is missing or does not sign the refund.
   */
  completeRefund(receiverSig?: Uint8Array): Transaction {
    if (this.role !== 'sender') fail('INVALID_ARGUMENT', 'the refund is the sender\'s to complete');
    const spend = spillmanRefundSpend({ ctx: this.ctx });
    const hash = fundingSpendSighash(spend);
    if (this.ctx.multisig && (receiverSig === undefined || !this.verifyCounterparty(hash, receiverSig))) {
      fail('INVALID_SIGNATURE', 'the receiver\'s signature does not sign the refund');
    }
    return this.complete(spend, 'refund', this.sign(hash), this.ctx.multisig ? receiverSig : undefined);
  }

  /**
   * Form C: the refund at `feeRate`, signed by the sender alone, with an
   * nSequence that signals replacement (BIP 125), so that a node that
   * replaces takes it over a lower-fee refund. Still non-final: L holds.
   *
   * @param feeRate - The refund's fee rate, sat/kw.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if this is the receiver's signer, or the channel is Form S (its refund is pre-signed at one fee).
   * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
   * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
   */
  completeRefundAt(feeRate: FeeRate): Transaction {
    if (this.role !== 'sender') fail('INVALID_ARGUMENT', 'the refund is the sender\'s to complete');
    if (this.ctx.multisig) fail('INVALID_ARGUMENT', 'a Form S refund is pre-signed by the receiver at the channel\'s fee rate');
    const spend = spillmanRefundSpend({ ctx: this.ctx, feeRate, sequence: RBF_SEQUENCE });
    return this.complete(spend, 'refund', this.sign(fundingSpendSighash(spend)), undefined);
  }

  /**
   * Payment T3_i with both signatures, the counterparty's checked first.
   *
   * @param index - i.
   * @param amount - a_i.
   * @param counterpartySig - The other party's signature of T3_i.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_BELOW_DUST`, `AMOUNT_EXCEEDS_CAPACITY` as {@link buildSpillmanPaymentTx}.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not sign T3_i.
   */
  completePayment(index: number, amount: bigint, counterpartySig: Uint8Array): Transaction {
    return this.completeBoth(spillmanPaymentSpend({ ctx: this.ctx, index, amount }), counterpartySig);
  }

  /**
   * The close with both signatures, the counterparty's checked first.
   *
   * @param amount - The receiver's final total.
   * @param feeRate - The close's fee rate.
   * @param counterpartySig - The other party's signature of the close.
   * @throws {@link ChannelError} `INVALID_FEE_RATE`, `INVALID_AMOUNT`, `AMOUNT_BELOW_DUST`, `AMOUNT_EXCEEDS_CAPACITY`, `FEE_EXCEEDS_OUTPUT` as {@link buildSpillmanCloseTx}.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not sign the close.
   */
  completeClose(amount: bigint, feeRate: FeeRate, counterpartySig: Uint8Array): Transaction {
    return this.completeBoth(spillmanCloseSpend({ ctx: this.ctx, amount, feeRate }), counterpartySig);
  }

  private completeBoth(spend: FundingSpendParams, counterpartySig: Uint8Array): Transaction {
    const hash = fundingSpendSighash(spend);
    if (!this.verifyCounterparty(hash, counterpartySig)) fail('INVALID_SIGNATURE', `the ${this.role === 'sender' ? 'receiver' : 'sender'}'s signature does not sign this transaction`);
    const own = this.sign(hash);
    return this.role === 'sender' ? this.complete(spend, 'payment', own, counterpartySig) : this.complete(spend, 'payment', counterpartySig, own);
  }

  private complete(spend: FundingSpendParams, branch: 'payment' | 'refund', senderSig: Uint8Array, receiverSig: Uint8Array | undefined): Transaction {
    const tx = buildFundingSpendTx(spend);
    setSpillmanWitness(this.ctx, tx, branch, receiverSig === undefined ? { senderSig } : { senderSig, receiverSig });
    return tx;
  }
}
