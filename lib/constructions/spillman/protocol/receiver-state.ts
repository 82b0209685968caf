/**
 * The Spillman receiver's saved state: its JSON form and the checks a
 * restored one must pass. The latest payment is the receiver's money: its
 * saved signature must verify on the payment rebuilt from the terms, or the
 * close at L - margin would be refused by every node.
 */
import { FundingPolicy, checkFundingDepth } from '../../../protocol/funding-evidence';
import {
  Presence, checkPhaseParts, fieldError, outpointFromJson, outpointToJson, readBig, readHex, readInt, readObject, readOptional, stateError,
} from '../../../protocol/party';
import { Json, hex } from '../../../protocol/wire';
import { SpillmanSigner } from '../tx/signer';
import { Outpoint, SpillmanTerms, termsFromJson, termsToJson } from './terms';

/**
 * Where the receiver is: `accepted` (terms agreed), `funded` (the outpoint
 * known; in Form S the refund signed), `open` (the funding seen at the policy
 * depth, or within the zero-conf budget: payments taken), `closed`.
 */
export type SpillmanReceiverPhase = 'accepted' | 'funded' | 'open' | 'closed';

/** A payment the receiver holds: T3_index with the sender's signature. */
export interface HeldPayment {
  readonly index: number;
  readonly amount: bigint;
  readonly senderSig: Uint8Array;
}

export interface SpillmanReceiverState {
  readonly phase: SpillmanReceiverPhase;
  readonly terms: SpillmanTerms;
  readonly fundingPolicy: FundingPolicy;
  readonly fundingConfirmed: boolean;
  readonly funding?: Outpoint;
  readonly latest?: HeldPayment;
  /** The cooperative close, once both signed it. */
  readonly close?: { readonly amount: bigint; readonly feeRate: bigint; readonly tx: Uint8Array };
}

const FORMAT = 'revchan-spillman-receiver/1';
const PHASES: readonly SpillmanReceiverPhase[] = ['accepted', 'funded', 'open', 'closed'];
type Part = 'funding' | 'latest' | 'close';
const PARTS: Readonly<Record<SpillmanReceiverPhase, Readonly<Record<Part, Presence>>>> = {
  accepted: { funding: 'absent', latest: 'absent', close: 'absent' },
  funded: { funding: 'required', latest: 'absent', close: 'absent' },
  open: { funding: 'required', latest: 'either', close: 'absent' },
  closed: { funding: 'either', latest: 'either', close: 'either' },
};

export function receiverStateToJson(s: SpillmanReceiverState): Json {
  return {
    format: FORMAT,
    phase: s.phase,
    terms: termsToJson(s.terms),
    fundingPolicy: { depth: s.fundingPolicy.depth, zeroConfBudget: s.fundingPolicy.zeroConfBudget?.toString() ?? null },
    fundingConfirmed: s.fundingConfirmed,
    funding: outpointToJson(s.funding),
    latest: s.latest ? { index: s.latest.index, amount: s.latest.amount.toString(), senderSig: hex(s.latest.senderSig) } : null,
    close: s.close ? { amount: s.close.amount.toString(), feeRate: s.close.feeRate.toString(), tx: hex(s.close.tx) } : null,
  };
}

export function readReceiverState(json: unknown): SpillmanReceiverState {
  const o = readObject(json, 'state');
  if (o.format !== FORMAT) stateError('not a Spillman receiver state');
  if (!PHASES.includes(o.phase as SpillmanReceiverPhase)) stateError('phase');
  const terms = termsFromJson(o.terms);
  if (terms.receiverFundingKey === undefined) stateError('terms without the receiver\'s keys');
  const fp = readObject(o.fundingPolicy, 'fundingPolicy');
  let depth: number;
  try {
    depth = checkFundingDepth(fp.depth);
  } catch {
    return stateError('fundingPolicy.depth');
  }
  const fundingPolicy: FundingPolicy = fp.zeroConfBudget === null ? { depth } : { depth, zeroConfBudget: readBig(fp, 'zeroConfBudget') };
  if (typeof o.fundingConfirmed !== 'boolean') stateError('fundingConfirmed');
  const funding = outpointFromJson(o.funding);
  const s: SpillmanReceiverState = {
    phase: o.phase as SpillmanReceiverPhase,
    terms,
    fundingPolicy,
    fundingConfirmed: o.fundingConfirmed,
    ...(funding ? { funding } : {}),
    ...(o.latest !== null ? {
      latest: readOptional(o, 'latest', (l) => ({ index: readInt(l, 'index'), amount: readBig(l, 'amount'), senderSig: readHex(l, 'senderSig') }))!,
    } : {}),
    ...(o.close !== null ? {
      close: readOptional(o, 'close', (c) => ({ amount: readBig(c, 'amount'), feeRate: readBig(c, 'feeRate'), tx: readHex(c, 'tx') }))!,
    } : {}),
  };
  checkPhaseParts(s.phase, PARTS[s.phase], { funding: s.funding, latest: s.latest, close: s.close });
  if (s.fundingConfirmed && s.phase !== 'open' && s.phase !== 'closed') fieldError('fundingConfirmed', 'confirmed funding before the channel opened');
  return s;
}

/** What a funded receiver's state claims, re-derived: the sender's signature of the latest payment, the close's total. */
export function verifyReceiverState(s: SpillmanReceiverState, signer: SpillmanSigner): void {
  const l = s.latest;
  if (l) {
    let ok = false;
    try {
      ok = signer.verifyCounterparty(signer.paymentHash(l.index, l.amount), l.senderSig);
    } catch {
      ok = false;
    }
    if (!ok) fieldError('latest', `the sender's signature does not sign payment ${l.index} of ${l.amount}: the index, amount or signature is damaged`);
  }
  if (s.close && s.close.amount !== (l?.amount ?? 0n)) fieldError('close.amount', 'the close pays another total than the latest payment');
}
