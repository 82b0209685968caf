/**
 * What a receiver must see before it takes payments on a funding output: the
 * funding transaction itself, with the agreed txid, paying exactly the
 * capacity to the channel's 2-of-2 at the agreed index, buried deep enough.
 * A sender that named an output paying less, paying another script, or never
 * confirming would otherwise be paid for with transactions that spend nothing
 * (CVE-2019-12998 in the Lightning implementations).
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { ChannelContext } from '../tx/channel-params';
import { bytesEqual } from '../tx/hash';
import { checkAmount } from '../types';

/** The raw funding transaction and how many blocks bury it (0: in the mempool), as the receiver's own node reports. */
export interface FundingEvidence {
  /** The serialized funding transaction. */
  readonly tx: Uint8Array;
  /** Blocks burying it; 0 in the mempool. */
  readonly confirmations: number;
}

/** What the receiver concluded from funding evidence it accepted. */
export interface FundingStatus {
  /** The confirmations the evidence showed. */
  readonly confirmations: number;
  /** The policy depth is reached: payments are no longer held to the zero-conf budget. */
  readonly deep: boolean;
}

/** How deep a receiver wants its funding, and what it risks before (zero-conf). */
export interface FundingPolicy {
  readonly depth: number;
  /** With it, the channel opens on shallower evidence (even the mempool), paying at most this much in total until deep. */
  readonly zeroConfBudget?: bigint;
}

/** The confirmations a receiver wants before taking payments, unless told otherwise. */
export const DEFAULT_FUNDING_DEPTH = 3;
/** Two weeks of blocks: a deeper requirement is a typo, not a policy. */
export const MAX_FUNDING_DEPTH = 2016;

export function checkFundingDepth(depth: unknown): number {
  if (!Number.isSafeInteger(depth) || (depth as number) < 1 || (depth as number) > MAX_FUNDING_DEPTH) {
    fail('INVALID_ARGUMENT', `fundingDepth must be an integer in [1, ${MAX_FUNDING_DEPTH}] blocks`);
  }
  return depth as number;
}

/** The funding part of a receiver's policy, with its default depth. */
export function fundingPolicyOf(p: { readonly fundingDepth?: number; readonly zeroConf?: { readonly budget: bigint } }): FundingPolicy {
  const depth = p.fundingDepth === undefined ? DEFAULT_FUNDING_DEPTH : checkFundingDepth(p.fundingDepth);
  if (p.zeroConf === undefined) return { depth };
  if (p.zeroConf === null || typeof p.zeroConf !== 'object') fail('INVALID_ARGUMENT', 'zeroConf must be {budget}');
  return { depth, zeroConfBudget: checkAmount(p.zeroConf.budget, 'zeroConf.budget') };
}

/**
 * Checks `e` against the channel and the policy; a refusal says which field
 * is wrong. A channel whose funding was once deep enough stays so
 * (`wasDeep`): shallower evidence later is a reorg, the watcher's concern.
 */
export function checkFundingEvidence(ctx: ChannelContext, e: FundingEvidence, policy: FundingPolicy, wasDeep = false): FundingStatus {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) fail('INVALID_ARGUMENT', 'funding evidence must be {tx, confirmations}');
  if (!(e.tx instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'evidence.tx must be the raw funding transaction');
  if (!Number.isSafeInteger(e.confirmations) || e.confirmations < 0) fail('INVALID_ARGUMENT', 'evidence.confirmations must be a non-negative integer');
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(e.tx);
  } catch {
    return fail('INVALID_TRANSACTION', 'evidence.tx does not parse');
  }
  const { txid, vout } = ctx.params.fundingOutpoint;
  if (tx.getId() !== txid) mismatch('txid', `evidence is transaction ${tx.getId()}, not the agreed funding ${txid}`);
  const out = tx.outs[vout];
  if (out === undefined) mismatch('vout', `the funding transaction has no output ${vout}`);
  if (out.value !== ctx.params.capacity) mismatch('value', `output ${vout} pays ${out.value} sat, not the capacity ${ctx.params.capacity}`);
  if (!bytesEqual(out.script, ctx.fundingScriptPubKey)) mismatch('script', `output ${vout} does not pay the channel's 2-of-2`);
  const confirmations = e.confirmations;
  if (wasDeep || confirmations >= policy.depth) return { confirmations, deep: true };
  if (policy.zeroConfBudget === undefined) {
    fail('FUNDING_NOT_CONFIRMED', `funding has ${confirmations} of the ${policy.depth} confirmations required`, { confirmations, depth: policy.depth });
  }
  // Unconfirmed, a txid can still change if an input has no witness, and every version we hold would spend nothing.
  if (tx.ins.some((i) => i.witness.length === 0)) fail('NON_SEGWIT_INPUT', 'an unconfirmed funding transaction must be signed, every input segwit');
  return { confirmations, deep: false };
}

function mismatch(field: string, message: string): never {
  return fail('FUNDING_MISMATCH', message, { field });
}
