/**
 * The parameters both parties of a duplex channel agree on (CONSTRUCTIONS.md
 * section 3, seed 000), and the checked view its builders trust.
 *
 * Both parties fund one setup output, a 2-of-2 of their funding keys. A
 * kickoff K (no lock) moves it to another 2-of-2; publishing K starts the
 * tree's clocks. Below K hang `levels` (d) transactions, each spending its
 * parent's 2-of-2 with nSequence `(values - 1 - v_j) * step` for the state's
 * digit v_j at level j (lib/tx/invalidation-counter.ts); the last, the leaf,
 * pays the two simplex channels: a -> b holding a's balance and b -> a
 * holding b's. Payments are simplex updates; a reset moves to the next
 * state, re-funding both simplex channels with the net balances under a
 * branch whose locks open first.
 *
 * Every tree transaction pays its fee at `feeRate` from the setup output,
 * half each (a pays the odd satoshi); a simplex payment's fee comes out of
 * its payer's side. Heights only.
 */
import { fail } from '../../core/errors';
import { bytesEqual } from '../../core/hash';
import { DUST_P2WPKH, FeeRate, PublicKey, asPublicKey, checkAmount, checkRelayFeeRate, feeForWeight } from '../../core/types';
import { contextKind } from '../../tx/context';
import { FundingLocation, FundingOutputContext, buildFundingSpendTx, verifyFundingOutputParams } from '../../tx/funding-spend';
import { InvalidationCounter, verifyInvalidationCounter } from '../../tx/invalidation-counter';
import { p2wpkhScript } from '../../tx/outputs';
import { compileSimplexScript } from './templates';
import { duplexWeights } from './tx/weights';

/** The kickoff's and the cooperative close's nSequence: final for nLockTime 0, no relative lock. */
export const DUPLEX_SEQUENCE = 0xfffffffe;

/** Everything both parties agree on. */
export interface DuplexParams extends FundingLocation {
  /** a's key in every 2-of-2 (setup, kickoff, tree nodes) and in the simplex scripts. */
  readonly aFundingKey: PublicKey;
  /** b's key, likewise. */
  readonly bFundingKey: PublicKey;
  /** The key of a's P2WPKH outputs (simplex payments and refunds, the close). */
  readonly aPayoutKey: PublicKey;
  /** The key of b's P2WPKH outputs. */
  readonly bPayoutKey: PublicKey;
  /** d: the tree's levels below the kickoff, the leaf being the last. */
  readonly levels: number;
  /** b: the lock values each level takes; b^d states (resets + 1). */
  readonly values: number;
  /** Δ in blocks between two lock values of a level. */
  readonly step: number;
  /** Dc in blocks: how long after the leaf confirms a simplex payee has to publish its latest payment. */
  readonly simplexDelay: number;
  /** a's deposit in the setup output; b's is the rest of `capacity`. */
  readonly aAmount: bigint;
  /** The fee rate of the tree's transactions and of simplex payments, sat/kw. */
  readonly feeRate: FeeRate;
}

/** How the leaf divides what reaches it: the balance each party pays from. */
export interface DuplexLeafBalances {
  /** a's balance: the a -> b simplex channel's value (0: no such output). */
  readonly a: bigint;
  /** b's balance: the b -> a simplex channel's value. */
  readonly b: bigint;
}

/** The checked view of {@link DuplexParams}; made only by {@link verifyDuplexParams}. */
export interface DuplexContext {
  /** The parameters it was made from. */
  readonly params: DuplexParams;
  /** The setup's 2-of-2 output (a as its "sender"). */
  readonly funding: FundingOutputContext;
  /** The kickoff's 2-of-2 output, which the level-1 nodes spend. */
  readonly kickoff: FundingOutputContext;
  /** d levels of b values, relative locks of Δ. */
  readonly counter: InvalidationCounter;
  /** The kickoff's and each inner node's fee. */
  readonly nodeFee: bigint;
  /** The leaf's fee. */
  readonly leafFee: bigint;
  /** Every tree transaction's fee together: the kickoff, d - 1 inner nodes, the leaf. */
  readonly treeFee: bigint;
  /** a's half of {@link treeFee} (the larger, if odd). */
  readonly aTreeFee: bigint;
  /** What the leaf divides: the capacity less {@link treeFee}. */
  readonly leafCapacity: bigint;
  /** The fee a simplex payment or refund pays, out of its payer's side. */
  readonly simplexFee: bigint;
  /** State 0's leaf: each party's deposit less its half of the tree's fees. */
  readonly initialBalances: DuplexLeafBalances;
  /** The witness script of a's simplex channel (a pays b). */
  readonly abScript: Uint8Array;
  /** The witness script of b's simplex channel (b pays a). */
  readonly baScript: Uint8Array;
  /** a's P2WPKH output script. */
  readonly aPayoutScript: Uint8Array;
  /** b's P2WPKH output script. */
  readonly bPayoutScript: Uint8Array;
  /**
   * The longest unilateral exit in blocks, from the kickoff's broadcast to
   * the simplex payments' confirmation, one block per transaction:
   * d(b-1)Δ + d + 2. A refund waits Dc more after the leaf.
   */
  readonly worstExitBlocks: number;
  /** Transactions to publish for a unilateral exit: the kickoff, d nodes (the leaf last), one payment per simplex channel. */
  readonly exitTransactions: number;
}

const CONTEXT = contextKind<DuplexContext>('duplex channel context', 'verifyDuplexParams');

/** Refuse what is not a context from {@link verifyDuplexParams}. */
export const expectDuplexContext = CONTEXT.expect;

function checkInt(v: unknown, what: string, min: number, max: number, code: 'INVALID_ARGUMENT' | 'INVALID_TIMELOCK'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) fail(code, `${what} must be an integer in [${min}, ${max}]`, { field: what });
  return v;
}

/**
 * A leaf balance is a simplex channel its payer can refund alone: 0 (no
 * output), or enough for the refund's fee and a P2WPKH output above dust.
 */
export function checkLeafBalance(ctx: DuplexContext, v: bigint, what: string): void {
  if (v !== 0n && v < ctx.simplexFee + DUST_P2WPKH) {
    fail('AMOUNT_BELOW_DUST', `${what} of ${v} sat is neither 0 nor enough for a simplex refund (${ctx.simplexFee + DUST_P2WPKH})`, { field: what, amount: v.toString() });
  }
}

/**
 * Check every parameter once and derive what the builders need.
 *
 * @param p - The channel's parameters.
 * @returns A frozen context the builders and signers accept without checking again.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, the funding outpoint is malformed, `levels`, `values` or `step` is out of range, or b^d exceeds 2^32.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` or `aAmount` is not a valid amount.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key, the funding keys are equal, or the payout keys are.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if a level's longest lock (b-1)Δ or `simplexDelay` exceeds BIP 68's 65,535 blocks, or `simplexDelay` is below 1.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` or `FEE_RATE_REFUSED` if `feeRate` is malformed or below the relay floor.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if `aAmount` exceeds the capacity or the tree's fees exceed a party's deposit.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if a party's leaf balance in state 0 is neither 0 nor enough for a simplex refund.
 *
 * @example
 * ```ts
 * const ctx = verifyDuplexParams({
 *   fundingOutpoint: { txid: setupTxid, vout: 0 }, capacity: 2_000_000n,
 *   aFundingKey, bFundingKey, aPayoutKey, bPayoutKey,
 *   levels: 2, values: 13, step: 144, simplexDelay: 144, aAmount: 1_000_000n, feeRate: 1000n,
 * });
 * ctx.counter.states; // 169
 * ```
 */
export function verifyDuplexParams(p: DuplexParams): DuplexContext {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) fail('INVALID_ARGUMENT', 'duplex channel parameters must be an object');
  for (const k of ['aFundingKey', 'bFundingKey', 'aPayoutKey', 'bPayoutKey'] as const) asPublicKey(p[k], k);
  if (bytesEqual(p.aPayoutKey, p.bPayoutKey)) fail('INVALID_KEY', 'a\'s and b\'s payout keys must differ');
  const levels = checkInt(p.levels, 'levels', 1, 32, 'INVALID_ARGUMENT');
  const values = checkInt(p.values, 'values', 2, 0xffff, 'INVALID_ARGUMENT');
  const step = checkInt(p.step, 'step', 1, 0xffff, 'INVALID_ARGUMENT');
  const simplexDelay = checkInt(p.simplexDelay, 'simplexDelay', 1, 0xffff, 'INVALID_TIMELOCK');
  const counter = verifyInvalidationCounter({ levels, values, step, lock: 'relative' });
  checkRelayFeeRate(p.feeRate);
  checkAmount(p.aAmount, 'aAmount');
  if (p.fundingOutpoint === null || typeof p.fundingOutpoint !== 'object') fail('INVALID_ARGUMENT', 'fundingOutpoint missing');
  const params: DuplexParams = {
    fundingOutpoint: { txid: p.fundingOutpoint.txid, vout: p.fundingOutpoint.vout },
    capacity: p.capacity,
    aFundingKey: p.aFundingKey, bFundingKey: p.bFundingKey, aPayoutKey: p.aPayoutKey, bPayoutKey: p.bPayoutKey,
    levels, values, step, simplexDelay,
    aAmount: p.aAmount,
    feeRate: p.feeRate,
  };
  const funding = verifyFundingOutputParams({ ...params, senderFundingKey: p.aFundingKey, receiverFundingKey: p.bFundingKey });
  if (p.aAmount > p.capacity) fail('AMOUNT_EXCEEDS_CAPACITY', 'aAmount exceeds the capacity', { aAmount: p.aAmount.toString() });
  const bAmount = p.capacity - p.aAmount;

  const w = duplexWeights();
  const nodeFee = feeForWeight(w.node, p.feeRate);
  const leafFee = feeForWeight(w.leaf, p.feeRate);
  const treeFee = nodeFee * BigInt(levels) + leafFee;
  const aTreeFee = (treeFee + 1n) / 2n;
  const aLeaf = p.aAmount - aTreeFee;
  const bLeaf = bAmount - (treeFee - aTreeFee);
  if (aLeaf < 0n || bLeaf < 0n) fail('AMOUNT_EXCEEDS_CAPACITY', `a deposit does not cover its half of the tree's fees (${aTreeFee})`, { treeFee: treeFee.toString() });
  const kickoffValue = p.capacity - nodeFee;
  const kickoffTxid = buildFundingSpendTx({ funding, locktime: 0, sequence: DUPLEX_SEQUENCE, outputs: [{ script: funding.fundingScriptPubKey, value: kickoffValue }] }).getId();
  const kickoff = verifyFundingOutputParams({
    fundingOutpoint: { txid: kickoffTxid, vout: 0 }, capacity: kickoffValue,
    senderFundingKey: p.aFundingKey, receiverFundingKey: p.bFundingKey,
  });
  const delay = { blocks: simplexDelay };
  const ctx: DuplexContext = {
    params,
    funding,
    kickoff,
    counter,
    nodeFee,
    leafFee,
    treeFee,
    aTreeFee,
    leafCapacity: p.capacity - treeFee,
    simplexFee: feeForWeight(w.simplexPayment, p.feeRate),
    initialBalances: { a: aLeaf, b: bLeaf },
    abScript: compileSimplexScript({ payerKey: p.aFundingKey, payeeKey: p.bFundingKey, delay }),
    baScript: compileSimplexScript({ payerKey: p.bFundingKey, payeeKey: p.aFundingKey, delay }),
    aPayoutScript: p2wpkhScript(p.aPayoutKey),
    bPayoutScript: p2wpkhScript(p.bPayoutKey),
    worstExitBlocks: levels * (values - 1) * step + levels + 2,
    exitTransactions: levels + 3,
  };
  checkLeafBalance(ctx, aLeaf, 'a\'s leaf balance');
  checkLeafBalance(ctx, bLeaf, 'b\'s leaf balance');
  return CONTEXT.register(ctx);
}
