/**
 * The Spillman sender's saved state: its JSON form and the checks a restored
 * one must pass. What matters most is the refund: in Form S the receiver's
 * signature on it must verify on the refund rebuilt from the terms, or the
 * sender would learn only at L that it cannot get its deposit back.
 */
import { FeeRate } from '../../../core/types';
import {
  Presence, checkPhaseParts, fieldError, outpointFromJson, outpointToJson, readBig, readHex, readInt, readObject, readOptional, savedField, stateError,
} from '../../../protocol/party';
import { Json, hex } from '../../../protocol/wire';
import { SpillmanSigner } from '../tx/signer';
import { Outpoint, SpillmanTerms, termsFromJson, termsToJson } from './terms';

/**
 * Where the sender is: `opening` (spillman_open sent), `accepted` (the
 * receiver's terms known), `funding_created` (Form S: the outpoint sent, the
 * refund's signature awaited; the funding must not be signed yet), `open`
 * (payments flow), `closing` (a close offered), `closed`.
 */
export type SpillmanSenderPhase = 'opening' | 'accepted' | 'funding_created' | 'open' | 'closing' | 'closed';

export interface SpillmanSenderState {
  readonly phase: SpillmanSenderPhase;
  readonly terms: SpillmanTerms;
  readonly funding?: Outpoint;
  /** Form S: the receiver's signature of the refund, checked. */
  readonly refundSig?: Uint8Array;
  /** The last payment signed: its index and the receiver's total (0 and 0 before any). */
  readonly index: number;
  readonly amount: bigint;
  /** The last payment the receiver acknowledged. */
  readonly acked: number;
  readonly close?: { readonly amount: bigint; readonly feeRate: FeeRate; readonly tx?: Uint8Array };
}

const FORMAT = 'revchan-spillman-sender/1';
const PHASES: readonly SpillmanSenderPhase[] = ['opening', 'accepted', 'funding_created', 'open', 'closing', 'closed'];
type Part = 'receiverKeys' | 'funding' | 'close' | 'closeTx';
const PARTS: Readonly<Record<SpillmanSenderPhase, Readonly<Record<Part, Presence>>>> = {
  opening: { receiverKeys: 'absent', funding: 'absent', close: 'absent', closeTx: 'absent' },
  accepted: { receiverKeys: 'required', funding: 'absent', close: 'absent', closeTx: 'absent' },
  funding_created: { receiverKeys: 'required', funding: 'required', close: 'absent', closeTx: 'absent' },
  open: { receiverKeys: 'required', funding: 'required', close: 'absent', closeTx: 'absent' },
  closing: { receiverKeys: 'required', funding: 'required', close: 'required', closeTx: 'absent' },
  closed: { receiverKeys: 'either', funding: 'either', close: 'either', closeTx: 'either' },
};

export function senderStateToJson(s: SpillmanSenderState): Json {
  return {
    format: FORMAT,
    phase: s.phase,
    terms: termsToJson(s.terms),
    funding: outpointToJson(s.funding),
    refundSig: s.refundSig ? hex(s.refundSig) : null,
    index: s.index,
    amount: s.amount.toString(),
    acked: s.acked,
    close: s.close ? { amount: s.close.amount.toString(), feeRate: s.close.feeRate.toString(), tx: s.close.tx ? hex(s.close.tx) : null } : null,
  };
}

/** The state as written, its parts checked against each other; signatures are checked by {@link verifySenderState}. */
export function readSenderState(json: unknown): SpillmanSenderState {
  const o = readObject(json, 'state');
  if (o.format !== FORMAT) stateError('not a Spillman sender state');
  if (!PHASES.includes(o.phase as SpillmanSenderPhase)) stateError('phase');
  const terms = termsFromJson(o.terms);
  const funding = outpointFromJson(o.funding);
  const s: SpillmanSenderState = {
    phase: o.phase as SpillmanSenderPhase,
    terms,
    ...(funding ? { funding } : {}),
    ...(o.refundSig !== null ? { refundSig: readHex(o, 'refundSig') } : {}),
    index: readInt(o, 'index'),
    amount: readBig(o, 'amount'),
    acked: readInt(o, 'acked'),
    ...(o.close !== null ? {
      close: readOptional(o, 'close', (c) => ({
        amount: readBig(c, 'amount'), feeRate: readBig(c, 'feeRate'), ...(c.tx !== null ? { tx: readHex(c, 'tx') } : {}),
      }))!,
    } : {}),
  };
  checkPhaseParts(s.phase, PARTS[s.phase], { receiverKeys: s.terms.receiverFundingKey, funding: s.funding, close: s.close, closeTx: s.close?.tx });
  if ((s.index === 0) !== (s.amount === 0n)) fieldError('amount', 'a total without a payment, or a payment without a total');
  if (s.acked > s.index) fieldError('acked', 'an acknowledged payment not yet signed');
  if (s.index > 0 && s.funding === undefined) fieldError('index', 'payments without a funding outpoint');
  if (terms.form === 'C' && s.refundSig !== undefined) fieldError('refundSig', 'Form C has no pre-signed refund');
  if (terms.form === 'S' && s.refundSig === undefined && (s.phase === 'open' || s.phase === 'closing' || s.index > 0)) {
    fieldError('refundSig', 'Form S past funding without the receiver\'s refund signature');
  }
  return s;
}

/** What a funded sender's state claims, re-derived from the terms: the refund signature, the payment's and the close's amounts. */
export function verifySenderState(s: SpillmanSenderState, signer: SpillmanSigner): void {
  if (s.refundSig !== undefined && !signer.verifyCounterparty(signer.refundHash(), s.refundSig)) {
    fieldError('refundSig', 'does not sign the refund of these terms');
  }
  if (s.index > 0) savedField('amount', () => signer.paymentHash(s.index, s.amount));
  const c = s.close;
  if (c) {
    if (c.amount !== s.amount) fieldError('close.amount', 'the close pays another total than the last payment');
    savedField('close', () => signer.closeHash(c.amount, c.feeRate));
  }
}
