/**
 * Signing and completing a duplex channel's transactions, for one party with
 * its funding key (the key of every 2-of-2 and of the simplex scripts).
 * Everything signed is built from the channel's own context and state by the
 * builders here, never from bytes the counterparty sent; a counterparty's
 * signature is checked against the same hash before it is used.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { PrivateKey, PublicKey, asPrivateKey, derivePublicKey } from '../../../core/types';
import { assembleWitness } from '../../../script/witness';
import { FundingOutputContext, FundingOutputParams, FundingSpendParams, buildFundingSpendTx, fundingSpendSighash, setFundingSpendWitness } from '../../../tx/funding-spend';
import { signSighash, verifySighashSignature } from '../../../tx/signature';
import { DuplexContext, expectDuplexContext } from '../params';
import { DUPLEX_SIMPLEX_TEMPLATE } from '../templates';
import { SimplexChannel, simplexPaymentSpend, simplexRefundSpend } from './simplex';
import type { DuplexAnchorChildParams } from './anchor-child';
import { signDuplexAnchorChildTx } from './anchor-child';

/** A party of the channel: both fund it and both pay. */
export type DuplexRole = 'a' | 'b';

/**
 * One party's signer.
 *
 * @example
 * ```ts
 * const a = new DuplexSigner(ctx, 'a', aFundingKey);
 * const [leaf] = duplexBranch(ctx, 0, ctx.initialBalances, ctx.params.levels - 1);
 * const sig = a.sign(a.hash(leaf.spend));
 * const tx = new DuplexSigner(ctx, 'b', bFundingKey).completeTwoOfTwo(leaf.spend, sig); // checks sig first
 * ```
 */
export class DuplexSigner {
  /** The channel. */
  readonly ctx: DuplexContext;
  /** Whose key signs. */
  readonly role: DuplexRole;
  private readonly key: PrivateKey;
  private readonly counterpartyKey: PublicKey;

  /**
   * @param ctx - From {@link verifyDuplexParams}.
   * @param role - `a` or `b`.
   * @param fundingKey - The role's private funding key.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `role` is neither.
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is not a valid private key or not the role's funding key.
   */
  constructor(ctx: DuplexContext, role: DuplexRole, fundingKey: PrivateKey) {
    expectDuplexContext(ctx);
    if (role !== 'a' && role !== 'b') fail('INVALID_ARGUMENT', 'role must be a or b');
    const own = role === 'a' ? ctx.params.aFundingKey : ctx.params.bFundingKey;
    if (!bytesEqual(derivePublicKey(asPrivateKey(fundingKey, 'fundingKey')), own)) fail('INVALID_KEY', `fundingKey is not ${role}'s funding key`);
    this.ctx = ctx;
    this.role = role;
    this.key = fundingKey;
    this.counterpartyKey = role === 'a' ? ctx.params.bFundingKey : ctx.params.aFundingKey;
  }

  /**
   * The sighash of a spend the channel's builders made.
   *
   * @param spend - From duplexKickoffSpend, duplexBranch, duplexCloseSpend, simplexPaymentSpend or simplexRefundSpend.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_SCRIPT`, `INVALID_AMOUNT` as fundingSpendSighash.
   */
  hash(spend: FundingSpendParams): Uint8Array {
    return fundingSpendSighash(spend);
  }

  /**
   * This party's signature of a hash.
   *
   * @param hash - A sighash from {@link DuplexSigner.hash}.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
   */
  sign(hash: Uint8Array): Uint8Array {
    return signSighash(hash, this.key);
  }

  /**
   * Whether `sig` is the counterparty's signature of `hash`: strict DER, SIGHASH_ALL, low-S.
   *
   * @param hash - A sighash from {@link DuplexSigner.hash}.
   * @param sig - The counterparty's signature.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
   */
  verifyCounterparty(hash: Uint8Array, sig: Uint8Array): boolean {
    return sig instanceof Uint8Array && verifySighashSignature(hash, this.counterpartyKey, sig);
  }

  /**
   * A spend of a 2-of-2 (the kickoff, a tree node, the leaf, the close) with
   * both signatures, the counterparty's checked first.
   *
   * @param spend - From duplexKickoffSpend, duplexBranch or duplexCloseSpend.
   * @param counterpartySig - The other party's signature.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `spend` does not spend a 2-of-2 of this channel's keys.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not sign it.
   */
  completeTwoOfTwo(spend: FundingSpendParams, counterpartySig: Uint8Array): Transaction {
    if (spend === null || typeof spend !== 'object') fail('INVALID_ARGUMENT', 'spend must be an object');
    // setFundingSpendWitness refuses what verifyFundingOutputParams did not make; the keys must be this channel's too.
    const input = spend.funding as FundingOutputContext;
    const keys = input?.params as Partial<FundingOutputParams> | undefined;
    if (!(keys?.senderFundingKey instanceof Uint8Array) || !(keys.receiverFundingKey instanceof Uint8Array)
      || !bytesEqual(keys.senderFundingKey, this.ctx.params.aFundingKey) || !bytesEqual(keys.receiverFundingKey, this.ctx.params.bFundingKey)) {
      fail('INVALID_ARGUMENT', 'the spend is not of this channel\'s 2-of-2');
    }
    const hash = fundingSpendSighash(spend);
    if (!this.verifyCounterparty(hash, counterpartySig)) fail('INVALID_SIGNATURE', `${this.role === 'a' ? 'b' : 'a'}'s signature does not sign this transaction`);
    const own = this.sign(hash);
    const tx = buildFundingSpendTx(spend);
    setFundingSpendWitness(input, tx, this.role === 'a' ? { senderSig: own, receiverSig: counterpartySig } : { senderSig: counterpartySig, receiverSig: own });
    return tx;
  }

  /**
   * The payer's signature of a simplex payment: `paid` in all to the payee.
   *
   * @param ch - A simplex channel this party pays on.
   * @param paid - The payee's total so far.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if this party is not `ch`'s payer.
   * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_BELOW_DUST` or `AMOUNT_EXCEEDS_CAPACITY` if `paid` is not a payment this channel can make (simplexPaymentSpend).
   */
  signSimplexPayment(ch: SimplexChannel, paid: bigint): Uint8Array {
    this.expectPayer(ch, true);
    return this.sign(fundingSpendSighash(simplexPaymentSpend(this.ctx, ch, paid)));
  }

  /**
   * A simplex payment completed by its payee, the payer's signature checked first.
   *
   * @param ch - A simplex channel this party is paid on.
   * @param paid - The payee's total.
   * @param payerSig - The payer's signature of that payment.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if this party is not `ch`'s payee.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `payerSig` does not sign the payment.
   * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_BELOW_DUST` or `AMOUNT_EXCEEDS_CAPACITY` if `paid` is not a payment this channel can make (simplexPaymentSpend).
   */
  completeSimplexPayment(ch: SimplexChannel, paid: bigint, payerSig: Uint8Array): Transaction {
    this.expectPayer(ch, false);
    const spend = simplexPaymentSpend(this.ctx, ch, paid);
    const hash = fundingSpendSighash(spend);
    if (!this.verifyCounterparty(hash, payerSig)) fail('INVALID_SIGNATURE', 'the payer\'s signature does not sign this payment');
    const tx = buildFundingSpendTx(spend);
    tx.setWitness(0, assembleWitness(DUPLEX_SIMPLEX_TEMPLATE, 'payment', { P: payerSig, Q: this.sign(hash) }, ch.output.fundingScript));
    return tx;
  }

  /**
   * The payer's refund of a simplex channel, signed: valid Dc blocks after the leaf confirms.
   *
   * @param ch - A simplex channel this party pays on.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if this party is not `ch`'s payer.
   */
  simplexRefund(ch: SimplexChannel): Transaction {
    this.expectPayer(ch, true);
    const spend = simplexRefundSpend(this.ctx, ch);
    const tx = buildFundingSpendTx(spend);
    tx.setWitness(0, assembleWitness(DUPLEX_SIMPLEX_TEMPLATE, 'refund', { P: this.sign(fundingSpendSighash(spend)) }, ch.output.fundingScript));
    return tx;
  }

  /**
   * A child that pays for a stuck tree transaction through this party's
   * anchor, signed with this party's funding key and the fee coins' keys.
   *
   * @param p - As {@link buildDuplexAnchorChildTx}, less the channel and the role: this signer's.
   * @param coinKeys - The private key of each fee coin, in order.
   * @returns The signed child.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link signDuplexAnchorChildTx}.
   */
  signAnchorChild(p: Omit<DuplexAnchorChildParams, 'ctx' | 'role'>, coinKeys: readonly PrivateKey[]): Transaction {
    if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'anchor child params must be an object');
    return signDuplexAnchorChildTx({ ...p, ctx: this.ctx, role: this.role }, { fundingKey: this.key, coinKeys });
  }

  private expectPayer(ch: SimplexChannel, payer: boolean): void {
    if (ch === null || typeof ch !== 'object' || (ch.direction !== 'ab' && ch.direction !== 'ba')) fail('INVALID_ARGUMENT', 'a simplex channel is needed');
    const pays = ch.direction === (this.role === 'a' ? 'ab' : 'ba');
    if (pays !== payer) fail('INVALID_ARGUMENT', `${this.role} is not this simplex channel's ${payer ? 'payer' : 'payee'}`);
  }
}
