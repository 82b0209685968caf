/**
 * A decreasing-lock party's saved state: its JSON form and the reading back,
 * every part checked against the others. Signatures are checked by the party
 * on restore, against the transactions rebuilt from the terms. Internal to
 * the construction.
 */
import {
  Presence, checkPhaseParts, fieldError, outpointFromJson, readBig, readHex, readInt, readKey, readObject, stateError,
} from '../../../protocol/party';
import { Json, hex } from '../../../protocol/wire';
import { DecreasingParams } from '../params';
import { DecreasingBalances } from '../tx/states';
import { DecreasingRole, DecreasingState } from '../tx/signer';

/**
 * `opening`: state 0 signed by this party, the counterparty's signature
 * awaited; `funding` (opened by the handshake): state 0 signed by both, the
 * funding not yet seen deep enough on this party's own node; `open`: updates
 * flow; `closing`: a close offered or signed; `closed`: the close is complete.
 */
export type DecreasingPhase = 'opening' | 'funding' | 'open' | 'closing' | 'closed';

/** A channel opened by the handshake checks its funding on the chain: how deep, and what it saw once deep enough. */
export interface DecreasingFundingCheck {
  /** Confirmations wanted before updates are taken. */
  readonly depth: number;
  /** The confirmations seen when the funding was first deep enough. */
  readonly confirmations?: number;
}

export interface DecreasingSaved {
  readonly role: DecreasingRole;
  readonly phase: DecreasingPhase;
  readonly params: DecreasingParams;
  /** The latest state both signed (state 0 while opening). */
  readonly latest: DecreasingState;
  /** The counterparty's signature of `latest`. */
  readonly latestSig?: Uint8Array;
  /** Kickoff form: the counterparty's signature of the kickoff. */
  readonly kickoffSig?: Uint8Array;
  /** An update this party signed and sent, its acknowledgement awaited. */
  readonly pending?: DecreasingState;
  /** The close offered or agreed, and the counterparty's signature once known. */
  readonly close?: DecreasingBalances & { readonly proposer: DecreasingRole; readonly sig?: Uint8Array };
  /** Opened by the handshake: the funding check; absent when the terms were agreed out of band. */
  readonly fundingCheck?: DecreasingFundingCheck;
  /**
   * Received in an update that crossed this party's own and won: not final
   * until a state past `index` is signed, because the counterparty also
   * holds this party's signature of the dropped state at the same lock.
   */
  readonly held?: { readonly index: number; readonly amount: bigint };
}

const FORMAT = 'revchan-decreasing-party/2';
/** Before the handshake: read as a channel opened out of band. */
const FORMAT_1 = 'revchan-decreasing-party/1';
const PHASES: readonly DecreasingPhase[] = ['opening', 'funding', 'open', 'closing', 'closed'];
const PARTS: Readonly<Record<DecreasingPhase, Readonly<Record<string, Presence>>>> = {
  opening: { latestSig: 'absent', pending: 'absent', close: 'absent' },
  funding: { latestSig: 'required', pending: 'absent', close: 'absent', fundingCheck: 'required' },
  open: { latestSig: 'required', close: 'absent' },
  closing: { latestSig: 'required', pending: 'absent', close: 'required' },
  closed: { latestSig: 'required', pending: 'absent', close: 'required' },
};

function stateToJson(s: DecreasingState): Json {
  return { index: s.index, aBalance: s.aBalance.toString(), bBalance: s.bBalance.toString(), fee: s.fee.toString() };
}

function stateFromJson(j: unknown, f: string): DecreasingState {
  const o = readObject(j, f);
  return { index: readInt(o, 'index'), aBalance: readBig(o, 'aBalance'), bBalance: readBig(o, 'bBalance'), fee: readBig(o, 'fee') };
}

export function paramsToJson(p: DecreasingParams): Json {
  return {
    form: p.form,
    funding: { txid: p.fundingOutpoint.txid, vout: p.fundingOutpoint.vout },
    capacity: p.capacity.toString(),
    aFundingKey: hex(p.aFundingKey), bFundingKey: hex(p.bFundingKey), aPayoutKey: hex(p.aPayoutKey), bPayoutKey: hex(p.bPayoutKey),
    step: p.step,
    initialLock: p.initialLock ? { height: p.initialLock.height } : null,
    updates: p.updates ?? null,
    aBalance: p.aBalance.toString(),
    feeRate: p.feeRate.toString(),
    anchors: p.anchors ?? true,
  };
}

function paramsFromJson(j: unknown): DecreasingParams {
  const o = readObject(j, 'params');
  if (o.form !== 'locktime' && o.form !== 'kickoff') stateError('params.form');
  const funding = outpointFromJson(o.funding);
  if (funding === undefined) stateError('params.funding');
  if (o.anchors !== undefined && typeof o.anchors !== 'boolean') stateError('params.anchors');
  return {
    form: o.form,
    fundingOutpoint: funding,
    capacity: readBig(o, 'capacity'),
    aFundingKey: readKey(o, 'aFundingKey'), bFundingKey: readKey(o, 'bFundingKey'), aPayoutKey: readKey(o, 'aPayoutKey'), bPayoutKey: readKey(o, 'bPayoutKey'),
    step: readInt(o, 'step'),
    ...(o.initialLock !== null ? { initialLock: { height: readInt(readObject(o.initialLock, 'initialLock'), 'height') } } : {}),
    ...(o.updates !== null ? { updates: readInt(o, 'updates') } : {}),
    aBalance: readBig(o, 'aBalance'),
    feeRate: readBig(o, 'feeRate'),
    // Saved before anchors existed: the channel has none.
    anchors: o.anchors === true,
  };
}

export function savedToJson(s: DecreasingSaved): Json {
  return {
    format: FORMAT,
    role: s.role,
    phase: s.phase,
    params: paramsToJson(s.params),
    latest: stateToJson(s.latest),
    latestSig: s.latestSig ? hex(s.latestSig) : null,
    kickoffSig: s.kickoffSig ? hex(s.kickoffSig) : null,
    pending: s.pending ? stateToJson(s.pending) : null,
    close: s.close ? {
      aBalance: s.close.aBalance.toString(), bBalance: s.close.bBalance.toString(), fee: s.close.fee.toString(),
      proposer: s.close.proposer, sig: s.close.sig ? hex(s.close.sig) : null,
    } : null,
    fundingCheck: s.fundingCheck ? { depth: s.fundingCheck.depth, confirmations: s.fundingCheck.confirmations ?? null } : null,
    held: s.held ? { index: s.held.index, amount: s.held.amount.toString() } : null,
  };
}

function fundingCheckFromJson(j: unknown): DecreasingFundingCheck {
  const o = readObject(j, 'fundingCheck');
  const depth = readInt(o, 'depth');
  if (depth < 1) fieldError('fundingCheck.depth', 'must be at least 1');
  return { depth, ...(o.confirmations !== null ? { confirmations: readInt(o, 'confirmations') } : {}) };
}

export function readSaved(json: unknown): DecreasingSaved {
  const o = readObject(json, 'state');
  if (o.format !== FORMAT && o.format !== FORMAT_1) stateError('not a decreasing-lock party state');
  // Format 1 has no fundingCheck: its channels were opened out of band.
  const fundingCheck = o.format === FORMAT && o.fundingCheck !== null ? fundingCheckFromJson(o.fundingCheck) : undefined;
  let held: DecreasingSaved['held'];
  if (o.format === FORMAT && o.held !== null) {
    const h = readObject(o.held, 'held');
    held = { index: readInt(h, 'index'), amount: readBig(h, 'amount') };
    if (held.amount <= 0n) fieldError('held.amount', 'must be positive');
  }
  if (o.role !== 'a' && o.role !== 'b') stateError('role');
  if (!PHASES.includes(o.phase as DecreasingPhase)) stateError('phase');
  const role = o.role;
  const phase = o.phase as DecreasingPhase;
  let close: DecreasingSaved['close'];
  if (o.close !== null) {
    const c = readObject(o.close, 'close');
    if (c.proposer !== 'a' && c.proposer !== 'b') fieldError('close.proposer', 'must be a or b');
    close = {
      aBalance: readBig(c, 'aBalance'), bBalance: readBig(c, 'bBalance'), fee: readBig(c, 'fee'), proposer: c.proposer,
      ...(c.sig !== null ? { sig: readHex(c, 'sig') } : {}),
    };
  }
  const s: DecreasingSaved = {
    role,
    phase,
    params: paramsFromJson(o.params),
    latest: stateFromJson(o.latest, 'latest'),
    ...(o.latestSig !== null ? { latestSig: readHex(o, 'latestSig') } : {}),
    ...(o.kickoffSig !== null ? { kickoffSig: readHex(o, 'kickoffSig') } : {}),
    ...(o.pending !== null ? { pending: stateFromJson(o.pending, 'pending') } : {}),
    ...(close ? { close } : {}),
    ...(fundingCheck ? { fundingCheck } : {}),
    ...(held ? { held } : {}),
  };
  checkPhaseParts(phase, PARTS[phase], { latestSig: s.latestSig, pending: s.pending, close: s.close, fundingCheck: s.fundingCheck });
  if (fundingCheck !== undefined && fundingCheck.confirmations === undefined && phase !== 'opening' && phase !== 'funding') {
    fieldError('fundingCheck.confirmations', 'past funding without the funding seen deep enough');
  }
  if (held !== undefined && (held.index > s.latest.index || held.index < 1)) fieldError('held.index', 'not a signed state');
  if (fundingCheck?.confirmations !== undefined && (phase === 'opening' || phase === 'funding')) fieldError('fundingCheck.confirmations', 'the funding seen deep enough, but the channel not open');
  if (s.pending !== undefined && s.pending.index !== s.latest.index + 1) fieldError('pending.index', 'not the state after the latest');
  if (phase === 'opening' && s.latest.index !== 0) fieldError('latest.index', 'an opening channel is at state 0');
  if (s.params.form === 'kickoff' && phase !== 'opening' && s.kickoffSig === undefined) fieldError('kickoffSig', 'an open kickoff-form channel without the kickoff\'s signature');
  if (s.params.form === 'locktime' && s.kickoffSig !== undefined) fieldError('kickoffSig', 'the locktime form has no kickoff');
  if (s.close?.sig === undefined && phase === 'closed') fieldError('close.sig', 'closed without the counterparty\'s signature');
  return s;
}
