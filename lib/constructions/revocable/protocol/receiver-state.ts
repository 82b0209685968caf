/**
 * The receiver's saved state: its JSON form, and the checks a restored one
 * must pass. A file can be damaged or edited, so restore takes nothing on
 * faith that it can re-derive: every signature it holds must verify on the
 * transaction rebuilt from the state, and the revealed secrets must be those
 * of exactly the states below the current one.
 */
import { RevocationStore } from '../../../keys/revocation-store';
import { derivePublicKey } from '../../../core/types';
import { bytesEqual, fromHex } from '../../../core/hash';
import { PaymentSigner } from '../tx/payment-signer';
import { MAX_MONEY, PrivateKey, PublicKey } from '../../../core/types';
import { CloseRecord, checkSavedClose, closeToJson, readCloseRecord } from './close-flow';
import { FundingPolicy, MAX_FUNDING_DEPTH } from '../../../protocol/funding-evidence';
import {
  PhaseParts, checkPhaseParts, checkSavedSignature, fieldError, hexOrNull, outpointFromJson, outpointToJson, readBig, readHexOrNull, readInt, readKey,
  readObject, readOptional, stateError,
} from '../../../protocol/party';
import { OpenTerms, termsFromJson, termsToJson } from './terms';
import { HtlcRecord, amountFollows, changeAt, htlcTableToJson, htlcsAt, lockedTotal, readHtlcTable } from './htlc-table';
import { receiverVersionHash } from './htlc-rules';
import { Json, hex } from '../../../protocol/wire';

/**
 * Where the receiver is in the channel's life: `accepted` (accept_channel
 * sent), `funded` (funding_signed sent, funding not yet confirmed), `open`
 * (payments flow), `closing` (the receiver proposed a close), `closed` (a
 * close complete, or the channel settled on chain).
 */
export type ReceiverPhase = 'accepted' | 'funded' | 'open' | 'closing' | 'closed';

export interface SignedState {
  readonly index: number;
  readonly amount: bigint;
  readonly updateKey: PublicKey;
  /** Sender's signature on the receiver's version (absent for state 0, which pays the receiver nothing). */
  readonly senderSig?: Uint8Array;
}

export interface ReceiverState {
  readonly phase: ReceiverPhase;
  readonly terms: OpenTerms;
  readonly funding?: { txid: string; vout: number };
  readonly fundingPolicy: FundingPolicy;
  /** The funding transaction was seen at the policy depth: payments are no longer held to the zero-conf budget. */
  readonly fundingConfirmed: boolean;
  /** The latest state whose predecessor is revoked: its amount is final. */
  readonly current?: SignedState;
  /** Offered and accepted, awaiting the revoke of `current`. */
  readonly pending?: SignedState;
  readonly close?: CloseRecord;
  /** Every HTLC the sender offered, with the states that carry it (empty in a channel without HTLC terms). */
  readonly htlcs: readonly HtlcRecord[];
  /** The receiver's margins for new HTLCs, fixed at accept; present exactly with HTLC terms. */
  readonly htlcPolicy?: HtlcMargins;
  /**
   * A closed channel with HTLC terms: the accepted offer it let go of at the
   * close. The sender holds our signature of its version of that state, whose
   * HTLC outputs name its update key: without the key we could not claim them.
   */
  readonly released?: { readonly index: number; readonly updateKey: PublicKey };
}

/** What the receiver holds new HTLCs' expiries to: R1's delta and G. */
export interface HtlcMargins {
  readonly minExpiryDelta: number;
  readonly claimMargin: number;
}

/**
 * 2: the funding policy (depth, zero-conf budget) is saved; a /1 state never checked its funding.
 * 3: a channel with HTLC terms, with the HTLC table and margins; one without them still saves as /2, byte for byte.
 */
const FORMAT = 'revchan-receiver/2';
const FORMAT_HTLC = 'revchan-receiver/3';
const PHASES: readonly ReceiverPhase[] = ['accepted', 'funded', 'open', 'closing', 'closed'];

type ReceiverPart = 'funding' | 'confirmed' | 'current' | 'pending' | 'close' | 'closeTx';

/** What a saved state of each phase holds (markClosed may end a channel in any phase, so a closed one may hold anything but a payment in flight). */
const PHASE_PARTS: PhaseParts<ReceiverPhase, ReceiverPart> = {
  accepted: { funding: 'absent', confirmed: 'absent', current: 'absent', pending: 'absent', close: 'absent', closeTx: 'absent' },
  funded: { funding: 'required', confirmed: 'absent', current: 'required', pending: 'absent', close: 'absent', closeTx: 'absent' },
  open: { funding: 'required', confirmed: 'either', current: 'required', pending: 'either', close: 'absent', closeTx: 'absent' },
  closing: { funding: 'required', confirmed: 'either', current: 'required', pending: 'absent', close: 'required', closeTx: 'absent' },
  closed: { funding: 'either', confirmed: 'either', current: 'either', pending: 'absent', close: 'either', closeTx: 'either' },
};

export function receiverStateToJson(s: ReceiverState, store: RevocationStore): Json {
  const signed = (x: SignedState | undefined) => (x ? { index: x.index, amount: x.amount.toString(), updateKey: hex(x.updateKey), senderSig: hexOrNull(x.senderSig) } : null);
  return {
    format: s.terms.htlc ? FORMAT_HTLC : FORMAT,
    phase: s.phase,
    terms: termsToJson(s.terms),
    funding: outpointToJson(s.funding),
    fundingDepth: s.fundingPolicy.depth,
    zeroConfBudget: s.fundingPolicy.zeroConfBudget?.toString() ?? null,
    fundingConfirmed: s.fundingConfirmed,
    current: signed(s.current),
    pending: signed(s.pending),
    close: closeToJson(s.close),
    ...(s.terms.htlc ? {
      htlcPolicy: s.htlcPolicy ? { minExpiryDelta: s.htlcPolicy.minExpiryDelta, claimMargin: s.htlcPolicy.claimMargin } : null,
      htlcs: htlcTableToJson(s.htlcs),
      ...(s.released ? { released: { index: s.released.index, updateKey: hex(s.released.updateKey) } } : {}),
    } : {}),
    revocations: store.toJSON(),
  };
}

/** The state as written, with its parts checked against each other; nothing is re-derived yet (see verifyReceiverState). */
export function readReceiverState(json: unknown): { state: ReceiverState; store: RevocationStore } {
  const o = readObject(json, 'state');
  if (o.format !== FORMAT && o.format !== FORMAT_HTLC) stateError('not a receiver state');
  if (!PHASES.includes(o.phase as ReceiverPhase)) stateError('phase');
  if (typeof o.fundingConfirmed !== 'boolean') stateError('fundingConfirmed');
  const signed = (x: Json): SignedState => ({
    index: readInt(x, 'index'), amount: readBig(x, 'amount'), updateKey: readKey(x, 'updateKey'),
    ...readHexOrNull(x, 'senderSig'),
  });
  const terms = termsFromJson(o.terms);
  if ((o.format === FORMAT_HTLC) !== (terms.htlc !== undefined)) stateError(`format ${String(o.format)} with${terms.htlc ? '' : 'out'} HTLC terms`);
  if (o.format === FORMAT && ('htlcs' in o || 'htlcPolicy' in o)) stateError('HTLCs in a state without HTLC terms');
  const funding = outpointFromJson(o.funding);
  const current = readOptional(o, 'current', signed);
  const pending = readOptional(o, 'pending', signed);
  const { close } = readCloseRecord(o);
  const depth = readInt(o, 'fundingDepth');
  if (depth < 1 || depth > MAX_FUNDING_DEPTH) stateError('fundingDepth');
  const budget = o.zeroConfBudget === null ? undefined : readBig(o, 'zeroConfBudget');
  if (budget !== undefined && budget > MAX_MONEY) stateError('zeroConfBudget');
  const fundingPolicy: FundingPolicy = budget === undefined ? { depth } : { depth, zeroConfBudget: budget };
  const phase = o.phase as ReceiverPhase;
  // A closed receiver may have let an accepted offer go: the sender signed that state, so the table keeps it.
  const lastIndex = pending?.index ?? (current ? current.index + (phase === 'closed' ? 1 : 0) : 0);
  const htlcs = o.format === FORMAT_HTLC ? readHtlcTable(o.htlcs, lastIndex) : [];
  const htlcPolicy = o.format === FORMAT_HTLC ? readMargins(o.htlcPolicy) : undefined;
  if (o.format === FORMAT && 'released' in o) stateError('a released offer in a state without HTLC terms');
  const released = readOptional(o, 'released', (x: Json) => ({ index: readInt(x, 'index'), updateKey: readKey(x, 'updateKey') }));
  if (released && (phase !== 'closed' || !current || released.index !== current.index + 1)) fieldError('released', 'not the state after the current one of a closed channel');
  const s: ReceiverState = {
    phase, terms, fundingPolicy, fundingConfirmed: o.fundingConfirmed, htlcs,
    ...(funding ? { funding } : {}), ...(current ? { current } : {}), ...(pending ? { pending } : {}), ...(close ? { close } : {}),
    ...(htlcPolicy ? { htlcPolicy } : {}), ...(released ? { released } : {}),
  };
  // The receiver's keys are in its terms from the start (Receiver.accept).
  if (!terms.receiverFundingKey) stateError('terms: a receiver state without the receiver\'s keys');
  checkPhaseParts(s.phase, PHASE_PARTS[s.phase], {
    funding: s.funding, confirmed: s.fundingConfirmed || undefined, current: s.current, pending: s.pending, close: s.close, closeTx: s.close?.tx,
  });
  // A signed state needs the outpoint its transactions spend; a close, the state it closes.
  if (current && !funding) fieldError('current', 'a signed state without a funding outpoint');
  if (close && !current) fieldError('close', 'a close without the state it closes');
  // A payment in flight is always the state after the current one, paying what its change says.
  if (current && pending && (pending.index !== current.index + 1 || !amountFollows(current.amount, pending.amount, changeAt(htlcs, pending.index), htlcs))) {
    stateError('pending: not the state after the current one');
  }
  if (close && current && htlcsAt(htlcs, current.index).length > 0) fieldError('close', 'a close with HTLCs in flight');
  // Open on shallow evidence only with a budget, and never past it.
  if (!s.fundingConfirmed && (s.phase === 'open' || s.phase === 'closing')) {
    if (budget === undefined) stateError(`phase ${s.phase} with the funding not confirmed and no zero-conf budget`);
    const top = (pending ?? current)!;
    if (top.amount + lockedTotal(htlcsAt(htlcs, top.index)) > budget) stateError('an amount above the zero-conf budget while the funding is not confirmed');
  }
  return { state: s, store: RevocationStore.fromJSON(o.revocations) };
}

/**
 * What a funded receiver's state claims, re-derived: the sender's signatures
 * on our versions of the current and pending states, the close, and the
 * revealed secrets (those of states 0 to current - 1, none from current up).
 */
export function verifyReceiverState(s: ReceiverState, store: RevocationStore, signer: PaymentSigner): void {
  const current = s.current;
  if (current === undefined) {
    if (store.size() !== 0) fieldError('revocations', 'secrets without a signed state');
    return;
  }
  verifySigned(signer, current, 'current', htlcsAt(s.htlcs, current.index));
  if (s.pending) {
    if (s.pending.senderSig === undefined) fieldError('pending.senderSig', 'an accepted offer without the sender\'s signature');
    verifySigned(signer, s.pending, 'pending', htlcsAt(s.htlcs, s.pending.index));
  }
  if (!store.coversIndicesBelow(BigInt(current.index))) fieldError('revocations', `not the secrets of exactly the states below ${current.index}`);
  // A key whose secret we hold is a state already revoked: the current or pending state cannot have it.
  const live = [current.updateKey, ...(s.pending ? [s.pending.updateKey] : [])];
  const held = store.toJSON().entries.map((e) => derivePublicKey(fromHex(e.secret) as PrivateKey));
  if (current.index > 0) held.push(derivePublicKey(store.getUpdateSecret(BigInt(current.index - 1))! as PrivateKey));
  if (live.some((k) => held.some((h) => bytesEqual(h, k)))) fieldError('current.updateKey', 'the key of a revoked state');
  if (s.pending && bytesEqual(s.pending.updateKey, current.updateKey)) fieldError('pending.updateKey', 'the current state\'s key');
  if (s.close) checkSavedClose(signer, s.close, current.amount);
}

function verifySigned(signer: PaymentSigner, st: SignedState, field: string, htlcs: readonly HtlcRecord[]): void {
  // State 0 is the sender's refund: it pays us nothing, and we hold nothing of it.
  if (st.index === 0) {
    if (st.amount !== 0n || st.senderSig !== undefined) fieldError(field, 'state 0 pays the receiver nothing and carries no signature');
    return;
  }
  const sig = st.senderSig;
  if (sig === undefined) fieldError(`${field}.senderSig`, 'a paying state without the sender\'s signature');
  checkSavedSignature({
    hashField: `${field}.amount`, hash: () => receiverVersionHash(signer, st.index, st.amount, htlcs),
    sigField: `${field}.senderSig`, sig, verify: (h, s) => signer.verifyCounterparty(h, s),
    what: `our version of state ${st.index} paying ${st.amount}`,
  });
}

function readMargins(v: unknown): HtlcMargins {
  const o = readObject(v, 'htlcPolicy');
  if (Object.keys(o).length !== 2) stateError('htlcPolicy: exactly minExpiryDelta and claimMargin');
  const m = { minExpiryDelta: readInt(o, 'minExpiryDelta'), claimMargin: readInt(o, 'claimMargin') };
  if (m.minExpiryDelta < 1 || m.minExpiryDelta > 0xffff || m.claimMargin > 0xffff) stateError('htlcPolicy: out of range');
  return m;
}
