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
 * and (by default) carries an anchor of each party, 330 sat each, through
 * which either party's child can raise its fee: the fee rate chosen at setup
 * need not hold for the channel's whole life, and the newest node at a
 * level can still be mined before its stale sibling's lock opens when
 * blocks fill. Fees and anchors are paid half each (a pays the odd
 * satoshi); a simplex payment's fee comes out of its payer's side. Heights
 * only.
 */
import { fail } from '../../core/errors';
import { bytesEqual } from '../../core/hash';
import { DUST_P2WPKH, FeeRate, PublicKey, asPublicKey, checkAmount, checkRelayFeeRate, feeForWeight } from '../../core/types';
import { contextKind } from '../../tx/context';
import { AnchorPair, anchorOutputs, anchorPair } from '../../tx/anchor';
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
  /**
   * Whether the kickoff, every tree node and the leaf carry an anchor output
   * per party (default true). Without them a tree transaction's fee is frozen
   * at `feeRate` by both signatures and nothing can raise it.
   */
  readonly anchors?: boolean;
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
  /** Both anchors, when the channel has them. */
  readonly anchors?: AnchorPair;
  /** The kickoff's and each inner node's fee. */
  readonly nodeFee: bigint;
  /** The leaf's fee. */
  readonly leafFee: bigint;
  /** What each tree transaction holds in its two anchors: 660 sat, or 0 without anchors. */
  readonly anchorsValue: bigint;
  /** Every tree transaction's fee together: the kickoff, d - 1 inner nodes, the leaf. */
  readonly treeFee: bigint;
  /** What the tree costs the setup output: {@link treeFee} and the d + 1 transactions' anchors. */
  readonly treeCost: bigint;
  /** a's half of {@link treeCost} (the larger, if odd); b's is the rest. */
  readonly aTreeCost: bigint;
  /** What the leaf divides: the capacity less {@link treeCost}. */
  readonly leafCapacity: bigint;
  /** The fee a simplex payment or refund pays, out of its payer's side. */
  readonly simplexFee: bigint;
  /** State 0's leaf: each party's deposit less its half of the tree's fees and anchors. */
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
   * the simplex payments' confirmation, each transaction mined in the block
   * its lock opens (a tree transaction paid for by its child in that same
   * block when blocks are full): d(b-1)Δ + d + 2. A refund waits Dc more
   * after the leaf.
   */
  readonly worstExitBlocks: number;
  /** Transactions to publish for a unilateral exit: the kickoff, d nodes (the leaf last), one payment per simplex channel. */
  readonly exitTransactions: number;
  /** At most one child through an anchor per tree transaction: d + 1 more to publish when every one is stuck, 0 without anchors. */
  readonly exitChildren: number;
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
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, the funding outpoint is malformed, `levels`, `values` or `step` is out of range, b^d exceeds 2^32, or `anchors` is given and not a boolean.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` or `aAmount` is not a valid amount.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key, the funding keys are equal, or the payout keys are.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if a level's longest lock (b-1)Δ or `simplexDelay` exceeds BIP 68's 65,535 blocks, or `simplexDelay` is below 1.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` or `FEE_RATE_REFUSED` if `feeRate` is malformed or below the relay floor.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if `aAmount` exceeds the capacity or a party's half of the tree's fees and anchors exceeds its deposit.
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
  if (p.anchors !== undefined && typeof p.anchors !== 'boolean') fail('INVALID_ARGUMENT', 'anchors must be a boolean', { field: 'anchors' });
  const withAnchors = p.anchors ?? true;
  if (p.fundingOutpoint === null || typeof p.fundingOutpoint !== 'object') fail('INVALID_ARGUMENT', 'fundingOutpoint missing');
  const params: DuplexParams = {
    fundingOutpoint: { txid: p.fundingOutpoint.txid, vout: p.fundingOutpoint.vout },
    capacity: p.capacity,
    aFundingKey: p.aFundingKey, bFundingKey: p.bFundingKey, aPayoutKey: p.aPayoutKey, bPayoutKey: p.bPayoutKey,
    levels, values, step, simplexDelay,
    aAmount: p.aAmount,
    feeRate: p.feeRate,
    anchors: withAnchors,
  };
  const funding = verifyFundingOutputParams({ ...params, senderFundingKey: p.aFundingKey, receiverFundingKey: p.bFundingKey });
  if (p.aAmount > p.capacity) fail('AMOUNT_EXCEEDS_CAPACITY', 'aAmount exceeds the capacity', { aAmount: p.aAmount.toString() });
  const bAmount = p.capacity - p.aAmount;

  const w = duplexWeights(withAnchors);
  const anchors = withAnchors ? anchorPair(p.aFundingKey, p.bFundingKey) : undefined;
  const anchorsValue = anchors ? 2n * anchors.value : 0n;
  const nodeFee = feeForWeight(w.node, p.feeRate);
  const leafFee = feeForWeight(w.leaf, p.feeRate);
  const treeFee = nodeFee * BigInt(levels) + leafFee;
  const treeCost = treeFee + anchorsValue * BigInt(levels + 1);
  const aTreeCost = (treeCost + 1n) / 2n;
  const aLeaf = p.aAmount - aTreeCost;
  const bLeaf = bAmount - (treeCost - aTreeCost);
  if (aLeaf < 0n || bLeaf < 0n) fail('AMOUNT_EXCEEDS_CAPACITY', `a deposit does not cover its half of the tree's fees and anchors (${aTreeCost})`, { treeCost: treeCost.toString() });
  const kickoffValue = p.capacity - nodeFee - anchorsValue;
  const kickoffTxid = buildFundingSpendTx({
    funding, locktime: 0, sequence: DUPLEX_SEQUENCE, outputs: [{ script: funding.fundingScriptPubKey, value: kickoffValue }, ...anchorOutputs(anchors)],
  }).getId();
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
    ...(anchors ? { anchors } : {}),
    nodeFee,
    leafFee,
    anchorsValue,
    treeFee,
    treeCost,
    aTreeCost,
    leafCapacity: p.capacity - treeCost,
    simplexFee: feeForWeight(w.simplexPayment, p.feeRate),
    initialBalances: { a: aLeaf, b: bLeaf },
    abScript: compileSimplexScript({ payerKey: p.aFundingKey, payeeKey: p.bFundingKey, delay }),
    baScript: compileSimplexScript({ payerKey: p.bFundingKey, payeeKey: p.aFundingKey, delay }),
    aPayoutScript: p2wpkhScript(p.aPayoutKey),
    bPayoutScript: p2wpkhScript(p.bPayoutKey),
    worstExitBlocks: levels * (values - 1) * step + levels + 2,
    exitTransactions: levels + 3,
    exitChildren: anchors ? levels + 1 : 0,
  };
  checkLeafBalance(ctx, aLeaf, 'a\'s leaf balance');
  checkLeafBalance(ctx, bLeaf, 'b\'s leaf balance');
  return CONTEXT.register(ctx);
}
