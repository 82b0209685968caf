/**
 * A duplex party's saved state: its JSON form and the reading back, every
 * part checked against the others. Signatures are checked by the party on
 * restore, against the transactions rebuilt from the terms. Internal to the
 * construction.
 */
import {
  Presence, checkPhaseParts, fieldError, outpointFromJson, readBig, readHex, readInt, readKey, readObject, stateError,
} from '../../../protocol/party';
import { Json, hex } from '../../../protocol/wire';
import { DuplexLeafBalances, DuplexParams } from '../params';
import { DuplexCloseBalances } from '../tx/tree';
import { DuplexRole } from '../tx/signer';

/**
 * `opening`: the tree signed by this party, the counterparty's signatures
 * awaited; `funding`: the whole tree held, each party signs its own setup
 * inputs, the setup awaited on chain; `open`: payments and resets flow;
 * `closing`: a close offered or signed; `closed`: the close is complete;
 * `exiting`: the kickoff is out, the tree is what pays, nothing changes
 * off-chain any more.
 */
export type DuplexPhase = 'opening' | 'funding' | 'open' | 'closing' | 'closed' | 'exiting';

/** A tree state and its leaf's balances: what a reset proposes. */
export interface DuplexResetTerms {
  readonly index: number;
  readonly balances: DuplexLeafBalances;
}

export interface DuplexSaved {
  readonly role: DuplexRole;
  readonly phase: DuplexPhase;
  readonly params: DuplexParams;
  /** The tree state both signed (0 while opening). */
  readonly index: number;
  /** Its leaf's balances. */
  readonly balances: DuplexLeafBalances;
  /** The counterparty's signature of the kickoff. */
  readonly kickoffSig?: Uint8Array;
  /** The counterparty's signatures of the state's branch, level 0 first. */
  readonly branchSigs: readonly Uint8Array[];
  /** What this party has paid on its simplex channel in this state (counted when signed). */
  readonly paidOut: bigint;
  /** What it has been paid on the other, each with the payer's signature. */
  readonly paidIn: bigint;
  /** The payer's signature of `paidIn`. */
  readonly inSig?: Uint8Array;
  /** A reset this party proposed, its acknowledgement awaited. */
  readonly reset?: DuplexResetTerms;
  /**
   * The counterparty's reset this party acknowledged, its completion
   * awaited: this party signed every changed level, the proposer every level
   * below the first changed one (`sigs`), so the proposer may publish the
   * branch and this party can follow it below that first node.
   */
  readonly acked?: DuplexResetTerms & { readonly sigs: readonly Uint8Array[] };
  /**
   * Other states whose branch this party signed further than it holds it:
   * the counterparty may complete and publish them, and this party must know
   * their leaf to take its refund there. Its own proposal dropped for a's
   * when resets crossed and the two differ below the first changed level;
   * a proposal sent in format 1, when a reset carried every signature at
   * once. Kept until a newer state is complete for both.
   */
  readonly exposed: readonly DuplexResetTerms[];
  /** The close offered or agreed, and the counterparty's signature once known. */
  readonly close?: DuplexCloseBalances & { readonly proposer: DuplexRole; readonly sig?: Uint8Array };
  /**
   * A state whose resets crossed with different balances: each party signed
   * a leaf of it, the two with the same lock, so no payment is made on that
   * state's leaf; the next reset makes both stale.
   */
  readonly contested?: number;
}

const FORMAT = 'revchan-duplex-party/2';
/** A reset carried all of the proposer's signatures at once: its proposal may be complete on the other side. */
const FORMAT_1 = 'revchan-duplex-party/1';
const PHASES: readonly DuplexPhase[] = ['opening', 'funding', 'open', 'closing', 'closed', 'exiting'];
const PARTS: Readonly<Record<DuplexPhase, Readonly<Record<string, Presence>>>> = {
  opening: { kickoffSig: 'absent', reset: 'absent', acked: 'absent', close: 'absent', inSig: 'absent' },
  funding: { kickoffSig: 'required', reset: 'absent', acked: 'absent', close: 'absent', inSig: 'absent' },
  open: { kickoffSig: 'required', close: 'absent' },
  closing: { kickoffSig: 'required', reset: 'absent', acked: 'absent', close: 'required' },
  closed: { kickoffSig: 'required', reset: 'absent', acked: 'absent', close: 'required' },
  exiting: { kickoffSig: 'required', reset: 'either', acked: 'either', close: 'either' },
};

function paramsToJson(p: DuplexParams): Json {
  return {
    funding: { txid: p.fundingOutpoint.txid, vout: p.fundingOutpoint.vout },
    capacity: p.capacity.toString(),
    aFundingKey: hex(p.aFundingKey), bFundingKey: hex(p.bFundingKey), aPayoutKey: hex(p.aPayoutKey), bPayoutKey: hex(p.bPayoutKey),
    levels: p.levels, values: p.values, step: p.step, simplexDelay: p.simplexDelay,
    aAmount: p.aAmount.toString(),
    feeRate: p.feeRate.toString(),
    anchors: p.anchors ?? true,
  };
}

function paramsFromJson(j: unknown, v1: boolean): DuplexParams {
  const o = readObject(j, 'params');
  // Format 1 was saved before the tree had anchors: its channel has none.
  if (v1 ? o.anchors !== undefined : typeof o.anchors !== 'boolean') stateError('params.anchors');
  const funding = outpointFromJson(o.funding);
  if (funding === undefined) stateError('params.funding');
  return {
    fundingOutpoint: funding,
    capacity: readBig(o, 'capacity'),
    aFundingKey: readKey(o, 'aFundingKey'), bFundingKey: readKey(o, 'bFundingKey'), aPayoutKey: readKey(o, 'aPayoutKey'), bPayoutKey: readKey(o, 'bPayoutKey'),
    levels: readInt(o, 'levels'), values: readInt(o, 'values'), step: readInt(o, 'step'), simplexDelay: readInt(o, 'simplexDelay'),
    aAmount: readBig(o, 'aAmount'),
    feeRate: readBig(o, 'feeRate'),
    anchors: !v1 && o.anchors === true,
  };
}

function balancesToJson(b: DuplexLeafBalances): Json {
  return { a: b.a.toString(), b: b.b.toString() };
}

function balancesFromJson(j: unknown, f: string): DuplexLeafBalances {
  const o = readObject(j, f);
  return { a: readBig(o, 'a'), b: readBig(o, 'b') };
}

function termsToJson(t: DuplexResetTerms): Json {
  return { index: t.index, balances: balancesToJson(t.balances) };
}

function termsFromJson(j: unknown, f: string): DuplexResetTerms {
  const o = readObject(j, f);
  return { index: readInt(o, 'index'), balances: balancesFromJson(o.balances, `${f}.balances`) };
}

function hexList(v: unknown, f: string): Uint8Array[] {
  if (!Array.isArray(v)) stateError(`${f} must be an array`);
  return (v as unknown[]).map((_, i) => readHex(v as unknown as Json, String(i)));
}

export function savedToJson(s: DuplexSaved): Json {
  return {
    format: FORMAT,
    role: s.role,
    phase: s.phase,
    params: paramsToJson(s.params),
    index: s.index,
    balances: balancesToJson(s.balances),
    kickoffSig: s.kickoffSig ? hex(s.kickoffSig) : null,
    branchSigs: s.branchSigs.map(hex),
    paidOut: s.paidOut.toString(),
    paidIn: s.paidIn.toString(),
    inSig: s.inSig ? hex(s.inSig) : null,
    reset: s.reset ? termsToJson(s.reset) : null,
    acked: s.acked ? { ...(termsToJson(s.acked) as Record<string, Json>), sigs: s.acked.sigs.map(hex) } : null,
    exposed: s.exposed.map(termsToJson),
    close: s.close ? {
      a: s.close.a.toString(), b: s.close.b.toString(), fee: s.close.fee.toString(),
      proposer: s.close.proposer, sig: s.close.sig ? hex(s.close.sig) : null,
    } : null,
    contested: s.contested ?? null,
  };
}

export function readSaved(json: unknown): DuplexSaved {
  const o = readObject(json, 'state');
  if (o.format !== FORMAT && o.format !== FORMAT_1) stateError('not a duplex party state');
  const v1 = o.format === FORMAT_1;
  if (o.role !== 'a' && o.role !== 'b') stateError('role');
  if (!PHASES.includes(o.phase as DuplexPhase)) stateError('phase');
  const phase = o.phase as DuplexPhase;
  const branchSigs = hexList(o.branchSigs, 'branchSigs');
  let close: DuplexSaved['close'];
  if (o.close !== null) {
    const c = readObject(o.close, 'close');
    if (c.proposer !== 'a' && c.proposer !== 'b') fieldError('close.proposer', 'must be a or b');
    close = { a: readBig(c, 'a'), b: readBig(c, 'b'), fee: readBig(c, 'fee'), proposer: c.proposer, ...(c.sig !== null ? { sig: readHex(c, 'sig') } : {}) };
  }
  const reset = o.reset !== null ? termsFromJson(o.reset, 'reset') : undefined;
  let acked: DuplexSaved['acked'];
  if (!v1 && o.acked !== null) {
    const r = readObject(o.acked, 'acked');
    acked = { ...termsFromJson(r, 'acked'), sigs: hexList(r.sigs, 'acked.sigs') };
  }
  let exposed: DuplexResetTerms[];
  if (v1) {
    // Format 1's reset carried every signature of its proposer: the counterparty may hold that branch whole.
    exposed = reset !== undefined ? [reset] : [];
  } else {
    if (!Array.isArray(o.exposed)) stateError('exposed must be an array');
    exposed = (o.exposed as unknown[]).map((e, i) => termsFromJson(e, `exposed.${i}`));
  }
  const s: DuplexSaved = {
    role: o.role,
    phase,
    params: paramsFromJson(o.params, v1),
    index: readInt(o, 'index'),
    balances: balancesFromJson(o.balances, 'balances'),
    ...(o.kickoffSig !== null ? { kickoffSig: readHex(o, 'kickoffSig') } : {}),
    branchSigs,
    paidOut: readBig(o, 'paidOut'),
    paidIn: readBig(o, 'paidIn'),
    ...(o.inSig !== null ? { inSig: readHex(o, 'inSig') } : {}),
    ...(reset ? { reset } : {}),
    ...(acked ? { acked } : {}),
    exposed,
    ...(close ? { close } : {}),
    ...(o.contested !== null ? { contested: readInt(o, 'contested') } : {}),
  };
  checkPhaseParts(phase, PARTS[phase], { kickoffSig: s.kickoffSig, reset: s.reset, acked: s.acked, close: s.close, inSig: s.inSig });
  if (phase === 'opening' && (s.index !== 0 || s.branchSigs.length !== 0)) fieldError('index', 'an opening channel is at state 0 with no signatures');
  if (s.reset !== undefined && s.reset.index !== s.index + 1) fieldError('reset.index', 'not the state after the latest');
  if (s.acked !== undefined && s.acked.index !== s.index + 1) fieldError('acked.index', 'not the state after the latest');
  if (s.acked !== undefined && s.reset !== undefined) fieldError('acked', 'a reset both proposed and acknowledged');
  s.exposed.forEach((e, i) => {
    if (e.index < s.index || e.index > s.index + 1) fieldError(`exposed.${i}.index`, 'neither the latest state nor the next');
  });
  if ((s.paidIn === 0n) !== (s.inSig === undefined)) fieldError('inSig', 'a payment received without its signature, or a signature of nothing');
  if (s.close?.sig === undefined && phase === 'closed') fieldError('close.sig', 'closed without the counterparty\'s signature');
  return s;
}
