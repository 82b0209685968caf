/**
 * The sender's saved state: its JSON form, and the checks a restored one must
 * pass. The index matters most: the sender reveals the secret of every state
 * below it (lastRevoke), so a raised index in a damaged file would hand the
 * receiver the key of the latest state, which it could then punish. The
 * receiver's signature pins it: it must verify on our version of exactly
 * that state, rebuilt with our own K_index (and the HTLCs the table gives it).
 */
import { PublicKey } from '../../../core/types';
import { PaymentSigner } from '../tx/payment-signer';
import { CloseRecord, checkSavedClose, closeToJson, readCloseRecord } from './close-flow';
import {
  PhaseParts, checkPhaseParts, checkSavedSignature, fieldError, hexOrNull, outpointFromJson, outpointToJson, readBig, readHexOrNull, readInt,
  readObject, readOptional, savedField, stateError,
} from '../../../protocol/party';
import { OpenTerms, termsFromJson, termsToJson } from './terms';
import { HtlcRecord, amountFollows, changeAt, htlcTableToJson, htlcsAt, readHtlcTable } from './htlc-table';
import { receiverVersionHash, senderVersionHash } from './htlc-rules';
import { Json } from '../../../protocol/wire';

/**
 * Where the sender is in the channel's life: `opening` (open_channel sent),
 * `accepted` (accept_channel received), `funding_created` (funding_created
 * sent), `open` (funding signed: payments flow), `closing` (the sender
 * proposed a close), `closed` (a close complete, or the channel settled on
 * chain).
 */
export type SenderPhase = 'opening' | 'accepted' | 'funding_created' | 'open' | 'closing' | 'closed';

export interface SenderState {
  readonly phase: SenderPhase;
  readonly terms: OpenTerms;
  readonly funding?: { txid: string; vout: number };
  /** Latest agreed state: its index, the receiver's total, and the receiver's signature on our version. */
  readonly index: number;
  readonly amount: bigint;
  readonly receiverSig?: Uint8Array;
  /** The offer in flight; its change is the table's at its index. */
  readonly pending?: { index: number; amount: bigint };
  readonly close?: CloseRecord;
  /** Every HTLC offered, with the states that carry it (empty in a channel without HTLC terms). */
  readonly htlcs: readonly HtlcRecord[];
}

/** A channel without HTLC terms saves as /1, byte for byte as before; one with them as /2, which adds the HTLC table. */
const FORMAT = 'revchan-sender/1';
const FORMAT_HTLC = 'revchan-sender/2';
const PHASES: readonly SenderPhase[] = ['opening', 'accepted', 'funding_created', 'open', 'closing', 'closed'];

type SenderPart = 'receiverKeys' | 'funding' | 'receiverSig' | 'pending' | 'close' | 'closeTx';

/** What a saved state of each phase holds (markClosed may end a channel in any phase, so a closed one may hold anything but a payment). */
const PHASE_PARTS: PhaseParts<SenderPhase, SenderPart> = {
  opening: { receiverKeys: 'absent', funding: 'absent', receiverSig: 'absent', pending: 'absent', close: 'absent', closeTx: 'absent' },
  accepted: { receiverKeys: 'required', funding: 'absent', receiverSig: 'absent', pending: 'absent', close: 'absent', closeTx: 'absent' },
  funding_created: { receiverKeys: 'required', funding: 'required', receiverSig: 'absent', pending: 'absent', close: 'absent', closeTx: 'absent' },
  open: { receiverKeys: 'required', funding: 'required', receiverSig: 'required', pending: 'either', close: 'absent', closeTx: 'absent' },
  closing: { receiverKeys: 'required', funding: 'required', receiverSig: 'required', pending: 'absent', close: 'required', closeTx: 'absent' },
  closed: { receiverKeys: 'either', funding: 'either', receiverSig: 'either', pending: 'absent', close: 'either', closeTx: 'either' },
};

export function senderStateToJson(s: SenderState): Json {
  return {
    format: s.terms.htlc ? FORMAT_HTLC : FORMAT,
    phase: s.phase,
    terms: termsToJson(s.terms),
    funding: outpointToJson(s.funding),
    index: s.index,
    amount: s.amount.toString(),
    receiverSig: hexOrNull(s.receiverSig),
    pending: s.pending ? { index: s.pending.index, amount: s.pending.amount.toString() } : null,
    close: closeToJson(s.close),
    ...(s.terms.htlc ? { htlcs: htlcTableToJson(s.htlcs) } : {}),
  };
}

/** The state as written, with its parts checked against each other; nothing is re-derived yet (see verifySenderState). */
export function readSenderState(json: unknown): SenderState {
  const o = readObject(json, 'state');
  if (o.format !== FORMAT && o.format !== FORMAT_HTLC) stateError('not a sender state');
  if (!PHASES.includes(o.phase as SenderPhase)) stateError('phase');
  const terms = termsFromJson(o.terms);
  if ((o.format === FORMAT_HTLC) !== (terms.htlc !== undefined)) stateError(`format ${String(o.format)} with${terms.htlc ? '' : 'out'} HTLC terms`);
  const funding = outpointFromJson(o.funding);
  const s0: Omit<SenderState, 'htlcs'> = {
    phase: o.phase as SenderPhase,
    terms,
    ...(funding ? { funding } : {}),
    index: readInt(o, 'index'),
    amount: readBig(o, 'amount'),
    ...readHexOrNull(o, 'receiverSig'),
    ...(o.pending !== null ? { pending: readOptional(o, 'pending', (p) => ({ index: readInt(p, 'index'), amount: readBig(p, 'amount') }))! } : {}),
    ...readCloseRecord(o),
  };
  // A closed sender may have let an offer go: the receiver may hold its version, so the table keeps that state.
  const lastIndex = s0.pending?.index ?? (s0.phase === 'closed' ? s0.index + 1 : s0.index);
  if (o.format === FORMAT && 'htlcs' in o) stateError('htlcs in a state without HTLC terms');
  const s: SenderState = { ...s0, htlcs: o.format === FORMAT_HTLC ? readHtlcTable(o.htlcs, lastIndex) : [] };
  checkPhaseParts(s.phase, PHASE_PARTS[s.phase], {
    receiverKeys: s.terms.receiverFundingKey, funding: s.funding, receiverSig: s.receiverSig,
    pending: s.pending, close: s.close, closeTx: s.close?.tx,
  });
  if (s.pending && (s.pending.index !== s.index + 1 || !amountFollows(s.amount, s.pending.amount, changeAt(s.htlcs, s.pending.index), s.htlcs))) {
    stateError('pending: not the state after the current one');
  }
  if (s.close && htlcsAt(s.htlcs, s.index).length > 0) fieldError('close', 'a close with HTLCs in flight');
  // Only the receiver's signature on state 0 moves the sender past it: without one, nothing was agreed or revealed.
  if (s.receiverSig === undefined && (s.index !== 0 || s.amount !== 0n || s.close !== undefined)) {
    fieldError('index', 'an agreed state or a close without the receiver\'s signature');
  }
  if (s.receiverSig !== undefined && s.funding === undefined) fieldError('receiverSig', 'a signature without a funding outpoint');
  return s;
}

/**
 * What a funded sender's state claims, re-derived: the receiver's signature
 * on our version of state `index` (with K_index from our seed), a payment in
 * flight the channel can carry, and the close.
 */
export function verifySenderState(s: SenderState, signer: PaymentSigner, updateKey: (index: number) => PublicKey): void {
  if (s.receiverSig === undefined) return;
  checkSavedSignature({
    hashField: 'amount', hash: () => senderVersionHash(signer, s.index, s.amount, updateKey(s.index), htlcsAt(s.htlcs, s.index)),
    sigField: 'receiverSig', sig: s.receiverSig, verify: (h, sig) => signer.verifyCounterparty(h, sig),
    what: `our version of state ${s.index} paying ${s.amount}: the index, the amount or the signature is damaged`,
  });
  const p = s.pending;
  if (p) savedField('pending.amount', () => receiverVersionHash(signer, p.index, p.amount, htlcsAt(s.htlcs, p.index)));
  if (s.close) checkSavedClose(signer, s.close, s.amount);
}
