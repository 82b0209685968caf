/**
 * The duplex channel's tree as pure builders: the kickoff, and for a state
 * its branch of d transactions, each spending its parent's 2-of-2 with the
 * nSequence of the state's digit at that level; the last, the leaf, pays the
 * two simplex channels. A node depends only on the digits down to its level,
 * so the states that share a prefix share its transactions: a reset re-signs
 * the branch from its first changed level down (firstChangedLevel).
 */
import { fail } from '../../../core/errors';
import { DUST_P2WPKH } from '../../../core/types';
import { expectObject } from '../../../core/arguments';
import { FundingOutputContext, FundingSpendParams, buildFundingSpendTx, verifyFundingOutputParams } from '../../../tx/funding-spend';
import { counterDigits } from '../../../tx/invalidation-counter';
import { anchorOutputs } from '../../../tx/anchor';
import { TxOut, p2wshScript } from '../../../tx/outputs';
import { DUPLEX_SEQUENCE, DuplexContext, DuplexLeafBalances, checkLeafBalance, expectDuplexContext } from '../params';

/** One transaction of a state's branch. */
export interface DuplexTreeTx {
  /** 0 to d - 1, counted as the invalidation counter counts them (0 under the kickoff); d - 1 is the leaf. */
  readonly level: number;
  /** The state's digit at this level: the nSequence is `(b - 1 - digit) * Δ`. */
  readonly digit: number;
  /** The 2-of-2 it spends: the kickoff's (level 0) or its parent node's. */
  readonly parent: FundingOutputContext;
  /** Its fields, for the sighash and the unsigned transaction. */
  readonly spend: FundingSpendParams;
  /** An inner node's 2-of-2 output, which the next level spends; none for the leaf. */
  readonly output?: FundingOutputContext;
}

/**
 * The kickoff's fields: the setup output to a 2-of-2 of the same keys (and the anchors), no lock.
 *
 * @param ctx - From {@link verifyDuplexParams}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context.
 */
export function duplexKickoffSpend(ctx: DuplexContext): FundingSpendParams {
  const c = expectDuplexContext(ctx);
  return {
    funding: c.funding, locktime: 0, sequence: DUPLEX_SEQUENCE,
    outputs: [{ script: c.funding.fundingScriptPubKey, value: c.kickoff.params.capacity }, ...anchorOutputs(c.anchors)],
  };
}

/**
 * Check how a leaf divides {@link DuplexContext.leafCapacity}.
 *
 * @param ctx - From {@link verifyDuplexParams}.
 * @param b - Each party's balance.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `b` not an object.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if a balance is not a non-negative bigint.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if they do not add up to the leaf's capacity.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if a balance is neither 0 nor enough for a simplex refund.
 */
export function checkLeafBalances(ctx: DuplexContext, b: DuplexLeafBalances): void {
  const c = expectDuplexContext(ctx);
  expectObject(b, 'leaf balances');
  if (typeof b.a !== 'bigint' || typeof b.b !== 'bigint' || b.a < 0n || b.b < 0n) fail('INVALID_AMOUNT', 'leaf balances must be non-negative bigints');
  if (b.a + b.b !== c.leafCapacity) {
    fail('AMOUNT_EXCEEDS_CAPACITY', `leaf balances must add up to ${c.leafCapacity}`, { sum: (b.a + b.b).toString() });
  }
  checkLeafBalance(c, b.a, 'a\'s leaf balance');
  checkLeafBalance(c, b.b, 'b\'s leaf balance');
}

/**
 * The leaf's outputs: a's simplex channel (a pays b) with a's balance, then
 * b's, each left out when 0; then the anchors, which stay even when a
 * balance is 0 (its party may still need to pay for the leaf).
 *
 * @param ctx - From {@link verifyDuplexParams}.
 * @param b - Each party's balance, as {@link checkLeafBalances} takes them.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY` or `AMOUNT_BELOW_DUST` if the balances are not a leaf's ({@link checkLeafBalances}).
 */
export function duplexLeafOutputs(ctx: DuplexContext, b: DuplexLeafBalances): TxOut[] {
  checkLeafBalances(ctx, b);
  const out: TxOut[] = [];
  if (b.a > 0n) out.push({ script: p2wshScript(ctx.abScript), value: b.a });
  if (b.b > 0n) out.push({ script: p2wshScript(ctx.baScript), value: b.b });
  return [...out, ...anchorOutputs(ctx.anchors)];
}

/**
 * A state's branch: its d transactions below the kickoff, from `fromLevel`
 * down to the leaf (the levels above are the previous state's when a reset
 * starts below them: firstChangedLevel gives `fromLevel`).
 *
 * @param ctx - From {@link verifyDuplexParams}.
 * @param index - The state, 0 to b^d - 1.
 * @param balances - The leaf's balances in this state.
 * @param fromLevel - The first level to return, 0 (the default) for the whole branch.
 * @returns The transactions from `fromLevel` to d - 1, parents first.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context, `index` is not a state's, or `fromLevel` is not in [0, d - 1].
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY` or `AMOUNT_BELOW_DUST` if the balances are not a leaf's ({@link checkLeafBalances}).
 *
 * @example
 * ```ts
 * const branch = duplexBranch(ctx, 4, { a: 600_000n, b: 398_000n });
 * branch.map((t) => t.spend.sequence); // [(b-1-1)Δ, (b-1-1)Δ] for d = 2, b = 3: digits [1, 1]
 * ```
 */
export function duplexBranch(ctx: DuplexContext, index: number, balances: DuplexLeafBalances, fromLevel = 0): DuplexTreeTx[] {
  const c = expectDuplexContext(ctx);
  const digits = counterDigits(c.counter, index);
  const d = c.params.levels;
  if (!Number.isSafeInteger(fromLevel) || fromLevel < 0 || fromLevel >= d) fail('INVALID_ARGUMENT', `fromLevel must be in [0, ${d - 1}]`, { fromLevel });
  const leafOutputs = duplexLeafOutputs(c, balances);
  const out: DuplexTreeTx[] = [];
  let parent = c.kickoff;
  for (let level = 0; level < d; level++) {
    const digit = digits[level]!;
    const sequence = (c.params.values - 1 - digit) * c.params.step;
    if (level === d - 1) {
      const spend = { funding: parent, locktime: 0, sequence, outputs: leafOutputs };
      if (level >= fromLevel) out.push({ level, digit, parent, spend });
      break;
    }
    const value = parent.params.capacity - c.nodeFee - c.anchorsValue;
    const spend: FundingSpendParams = { funding: parent, locktime: 0, sequence, outputs: [{ script: parent.fundingScriptPubKey, value }, ...anchorOutputs(c.anchors)] };
    const output = verifyFundingOutputParams({
      fundingOutpoint: { txid: buildFundingSpendTx(spend).getId(), vout: 0 }, capacity: value,
      senderFundingKey: c.params.aFundingKey, receiverFundingKey: c.params.bFundingKey,
    });
    if (level >= fromLevel) out.push({ level, digit, parent, spend, output });
    parent = output;
  }
  return out;
}

/** How the cooperative close divides the setup output. */
export interface DuplexCloseBalances {
  /** a's output in satoshis: 0 (none) or at least the P2WPKH dust limit. */
  readonly a: bigint;
  /** b's output, likewise. */
  readonly b: bigint;
  /** The fee: the capacity less both outputs. */
  readonly fee: bigint;
}

/**
 * The cooperative close's fields: the setup output straight to both
 * parties, no lock, no tree.
 *
 * @param ctx - From {@link verifyDuplexParams}.
 * @param b - Each party's output and the fee.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `b` not an object.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an amount is not a non-negative bigint.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if they do not add up to the capacity.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if an output is neither 0 nor at least the dust limit.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if both outputs are 0.
 */
export function duplexCloseSpend(ctx: DuplexContext, b: DuplexCloseBalances): FundingSpendParams {
  const c = expectDuplexContext(ctx);
  expectObject(b, 'close balances');
  if (typeof b.a !== 'bigint' || typeof b.b !== 'bigint' || typeof b.fee !== 'bigint' || b.a < 0n || b.b < 0n || b.fee < 0n) {
    fail('INVALID_AMOUNT', 'close amounts must be non-negative bigints');
  }
  if (b.a + b.b + b.fee !== c.params.capacity) fail('AMOUNT_EXCEEDS_CAPACITY', `the close must add up to ${c.params.capacity}`);
  for (const [v, who] of [[b.a, 'a'], [b.b, 'b']] as const) {
    if (v !== 0n && v < DUST_P2WPKH) fail('AMOUNT_BELOW_DUST', `${who}'s close output of ${v} sat is below the dust limit`, { field: who });
  }
  if (b.a === 0n && b.b === 0n) fail('FEE_EXCEEDS_OUTPUT', 'every output would be empty');
  const outputs: TxOut[] = [];
  if (b.a > 0n) outputs.push({ script: c.aPayoutScript, value: b.a });
  if (b.b > 0n) outputs.push({ script: c.bPayoutScript, value: b.b });
  return { funding: c.funding, locktime: 0, sequence: DUPLEX_SEQUENCE, outputs };
}
