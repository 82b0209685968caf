/**
 * Signing and completing a decreasing-lock channel's transactions, for one
 * party with its funding key. Hashes are computed from the channel's own
 * context and the fields the party decided, never from bytes the
 * counterparty sent; a counterparty's signature is checked against the same
 * hash before it is used. Every spend is a 2-of-2's (the funding's or the
 * kickoff's), so the witness is the core's sorted one.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { PrivateKey, PublicKey, asPrivateKey, derivePublicKey } from '../../../core/types';
import { FundingOutputContext, FundingSpendParams, buildFundingSpendTx, fundingSpendSighash, setFundingSpendWitness } from '../../../tx/funding-spend';
import { signSighash, verifySighashSignature } from '../../../tx/signature';
import { DecreasingContext, expectDecreasingContext } from '../params';
import { DecreasingAnchorChildParams, signDecreasingAnchorChildTx } from './anchor-child';
import { DecreasingBalances, decreasingCloseSpend, decreasingKickoffSpend, decreasingStateSpend } from './states';

/** A party of the channel: `a` funds it, `b` does not; both pay and are paid. */
export type DecreasingRole = 'a' | 'b';

/** A state: its index and how it divides the funds. */
export interface DecreasingState extends DecreasingBalances {
  /** k. */
  readonly index: number;
}

/**
 * One party's signer: the hashes of the channel's transactions, its
 * signatures, the check of the counterparty's, and the completed transactions.
 *
 * @example
 * ```ts
 * const a = new DecreasingSigner(ctx, 'a', aFundingKey);
 * const sig = a.sign(a.stateHash(state));
 * const s = new DecreasingSigner(ctx, 'b', bFundingKey).completeState(state, sig); // checks sig first
 * ```
 */
export class DecreasingSigner {
  /** The channel. */
  readonly ctx: DecreasingContext;
  /** Whose key signs. */
  readonly role: DecreasingRole;
  private readonly key: PrivateKey;
  private readonly counterpartyKey: PublicKey;

  /**
   * @param ctx - From {@link verifyDecreasingParams}.
   * @param role - `a` or `b`.
   * @param fundingKey - The role's private funding key.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `role` is neither.
   * @throws {@link ChannelError} `INVALID_KEY` if `fundingKey` is not a valid private key or not the role's funding key.
   */
  constructor(ctx: DecreasingContext, role: DecreasingRole, fundingKey: PrivateKey) {
    expectDecreasingContext(ctx);
    if (role !== 'a' && role !== 'b') fail('INVALID_ARGUMENT', 'role must be a or b');
    const own = role === 'a' ? ctx.params.aFundingKey : ctx.params.bFundingKey;
    if (!bytesEqual(derivePublicKey(asPrivateKey(fundingKey, 'fundingKey')), own)) fail('INVALID_KEY', `fundingKey is not ${role}'s funding key`);
    this.ctx = ctx;
    this.role = role;
    this.key = fundingKey;
    this.counterpartyKey = role === 'a' ? ctx.params.bFundingKey : ctx.params.aFundingKey;
  }

  /**
   * S_k's sighash.
   *
   * @param s - The state.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link decreasingStateSpend}.
   */
  stateHash(s: DecreasingState): Uint8Array {
    return fundingSpendSighash(this.stateSpend(s));
  }

  /**
   * The close's sighash.
   *
   * @param b - The close's balances and fee.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link decreasingCloseSpend}.
   */
  closeHash(b: DecreasingBalances): Uint8Array {
    return fundingSpendSighash(this.closeSpend(b));
  }

  /**
   * The kickoff's sighash.
   *
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if the channel is of the locktime form.
   */
  kickoffHash(): Uint8Array {
    return fundingSpendSighash(decreasingKickoffSpend({ ctx: this.ctx }));
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
    return sig instanceof Uint8Array && verifySighashSignature(hash, this.counterpartyKey, sig);
  }

  /**
   * S_k with both signatures, the counterparty's checked first.
   *
   * @param s - The state.
   * @param counterpartySig - The other party's signature of S_k.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link DecreasingSigner.stateHash}.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not sign S_k.
   */
  completeState(s: DecreasingState, counterpartySig: Uint8Array): Transaction {
    return this.completeBoth(this.stateSpend(s), this.ctx.kickoff ?? this.ctx.funding, counterpartySig);
  }

  /**
   * The close with both signatures, the counterparty's checked first.
   *
   * @param b - The close's balances and fee.
   * @param counterpartySig - The other party's signature of the close.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link DecreasingSigner.closeHash}.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not sign the close.
   */
  completeClose(b: DecreasingBalances, counterpartySig: Uint8Array): Transaction {
    return this.completeBoth(this.closeSpend(b), this.ctx.funding, counterpartySig);
  }

  /**
   * The kickoff with both signatures, the counterparty's checked first.
   *
   * @param counterpartySig - The other party's signature of the kickoff.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if the channel is of the locktime form.
   * @throws {@link ChannelError} `INVALID_SIGNATURE` if `counterpartySig` does not sign the kickoff.
   */
  completeKickoff(counterpartySig: Uint8Array): Transaction {
    return this.completeBoth(decreasingKickoffSpend({ ctx: this.ctx }), this.ctx.funding, counterpartySig);
  }

  /**
   * The child that pays for a state or the kickoff through this party's
   * anchor, signed with this party's funding key and the fee coins' keys.
   *
   * @param p - As {@link buildDecreasingAnchorChildTx}, less the channel and the role: this signer's.
   * @param coinKeys - The private key of each fee coin, in order.
   * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link signDecreasingAnchorChildTx}.
   */
  signAnchorChild(p: Omit<DecreasingAnchorChildParams, 'ctx' | 'role'>, coinKeys: readonly PrivateKey[]): Transaction {
    if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'anchor child params must be an object');
    return signDecreasingAnchorChildTx({ ...p, ctx: this.ctx, role: this.role }, { fundingKey: this.key, coinKeys });
  }

  private stateSpend(s: DecreasingState): FundingSpendParams {
    if (s === null || typeof s !== 'object') fail('INVALID_ARGUMENT', 'state must be {index, aBalance, bBalance, fee}');
    return decreasingStateSpend({ ctx: this.ctx, index: s.index, aBalance: s.aBalance, bBalance: s.bBalance, fee: s.fee });
  }

  private closeSpend(b: DecreasingBalances): FundingSpendParams {
    if (b === null || typeof b !== 'object') fail('INVALID_ARGUMENT', 'close must be {aBalance, bBalance, fee}');
    return decreasingCloseSpend({ ctx: this.ctx, aBalance: b.aBalance, bBalance: b.bBalance, fee: b.fee });
  }

  private completeBoth(spend: FundingSpendParams, input: FundingOutputContext, counterpartySig: Uint8Array): Transaction {
    const hash = fundingSpendSighash(spend);
    if (!this.verifyCounterparty(hash, counterpartySig)) fail('INVALID_SIGNATURE', `${this.role === 'a' ? 'b' : 'a'}'s signature does not sign this transaction`);
    const own = this.sign(hash);
    const tx = buildFundingSpendTx(spend);
    setFundingSpendWitness(input, tx, this.role === 'a' ? { senderSig: own, receiverSig: counterpartySig } : { senderSig: counterpartySig, receiverSig: own });
    return tx;
  }
}
