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
  readonly reset?: { readonly index: number; readonly balances: DuplexLeafBalances };
  /** The close offered or agreed, and the counterparty's signature once known. */
  readonly close?: DuplexCloseBalances & { readonly proposer: DuplexRole; readonly sig?: Uint8Array };
  /**
   * A state whose resets crossed with different balances: each party signed
   * a leaf of it, the two with the same lock, so no payment is made on that
   * state's leaf; the next reset makes both stale.
   */
  readonly contested?: number;
}

const FORMAT = 'revchan-duplex-party/1';
const PHASES: readonly DuplexPhase[] = ['opening', 'funding', 'open', 'closing', 'closed', 'exiting'];
const PARTS: Readonly<Record<DuplexPhase, Readonly<Record<string, Presence>>>> = {
  opening: { kickoffSig: 'absent', reset: 'absent', close: 'absent', inSig: 'absent' },
  funding: { kickoffSig: 'required', reset: 'absent', close: 'absent', inSig: 'absent' },
  open: { kickoffSig: 'required', close: 'absent' },
  closing: { kickoffSig: 'required', reset: 'absent', close: 'required' },
  closed: { kickoffSig: 'required', reset: 'absent', close: 'required' },
  exiting: { kickoffSig: 'required', reset: 'either', close: 'either' },
};

function paramsToJson(p: DuplexParams): Json {
  return {
    funding: { txid: p.fundingOutpoint.txid, vout: p.fundingOutpoint.vout },
    capacity: p.capacity.toString(),
    aFundingKey: hex(p.aFundingKey), bFundingKey: hex(p.bFundingKey), aPayoutKey: hex(p.aPayoutKey), bPayoutKey: hex(p.bPayoutKey),
    levels: p.levels, values: p.values, step: p.step, simplexDelay: p.simplexDelay,
    aAmount: p.aAmount.toString(),
    feeRate: p.feeRate.toString(),
  };
}

function paramsFromJson(j: unknown): DuplexParams {
  const o = readObject(j, 'params');
  const funding = outpointFromJson(o.funding);
  if (funding === undefined) stateError('params.funding');
  return {
    fundingOutpoint: funding,
    capacity: readBig(o, 'capacity'),
    aFundingKey: readKey(o, 'aFundingKey'), bFundingKey: readKey(o, 'bFundingKey'), aPayoutKey: readKey(o, 'aPayoutKey'), bPayoutKey: readKey(o, 'bPayoutKey'),
    levels: readInt(o, 'levels'), values: readInt(o, 'values'), step: readInt(o, 'step'), simplexDelay: readInt(o, 'simplexDelay'),
    aAmount: readBig(o, 'aAmount'),
    feeRate: readBig(o, 'feeRate'),
  };
}

function balancesToJson(b: DuplexLeafBalances): Json {
  return { a: b.a.toString(), b: b.b.toString() };
}

function balancesFromJson(j: unknown, f: string): DuplexLeafBalances {
  const o = readObject(j, f);
  return { a: readBig(o, 'a'), b: readBig(o, 'b') };
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
    reset: s.reset ? { index: s.reset.index, balances: balancesToJson(s.reset.balances) } : null,
    close: s.close ? {
      a: s.close.a.toString(), b: s.close.b.toString(), fee: s.close.fee.toString(),
      proposer: s.close.proposer, sig: s.close.sig ? hex(s.close.sig) : null,
    } : null,
    contested: s.contested ?? null,
  };
}

export function readSaved(json: unknown): DuplexSaved {
  const o = readObject(json, 'state');
  if (o.format !== FORMAT) stateError('not a duplex party state');
  if (o.role !== 'a' && o.role !== 'b') stateError('role');
  if (!PHASES.includes(o.phase as DuplexPhase)) stateError('phase');
  const phase = o.phase as DuplexPhase;
  if (!Array.isArray(o.branchSigs)) stateError('branchSigs must be an array');
  const branchSigs = (o.branchSigs as unknown[]).map((_, i) => readHex(o.branchSigs as unknown as Json, String(i)));
  let close: DuplexSaved['close'];
  if (o.close !== null) {
    const c = readObject(o.close, 'close');
    if (c.proposer !== 'a' && c.proposer !== 'b') fieldError('close.proposer', 'must be a or b');
    close = { a: readBig(c, 'a'), b: readBig(c, 'b'), fee: readBig(c, 'fee'), proposer: c.proposer, ...(c.sig !== null ? { sig: readHex(c, 'sig') } : {}) };
  }
  let reset: DuplexSaved['reset'];
  if (o.reset !== null) {
    const r = readObject(o.reset, 'reset');
    reset = { index: readInt(r, 'index'), balances: balancesFromJson(r.balances, 'reset.balances') };
  }
  const s: DuplexSaved = {
    role: o.role,
    phase,
    params: paramsFromJson(o.params),
    index: readInt(o, 'index'),
    balances: balancesFromJson(o.balances, 'balances'),
    ...(o.kickoffSig !== null ? { kickoffSig: readHex(o, 'kickoffSig') } : {}),
    branchSigs,
    paidOut: readBig(o, 'paidOut'),
    paidIn: readBig(o, 'paidIn'),
    ...(o.inSig !== null ? { inSig: readHex(o, 'inSig') } : {}),
    ...(reset ? { reset } : {}),
    ...(close ? { close } : {}),
    ...(o.contested !== null ? { contested: readInt(o, 'contested') } : {}),
  };
  checkPhaseParts(phase, PARTS[phase], { kickoffSig: s.kickoffSig, reset: s.reset, close: s.close, inSig: s.inSig });
  if (phase === 'opening' && (s.index !== 0 || s.branchSigs.length !== 0)) fieldError('index', 'an opening channel is at state 0 with no signatures');
  if (s.reset !== undefined && s.reset.index !== s.index + 1) fieldError('reset.index', 'not the state after the latest');
  if ((s.paidIn === 0n) !== (s.inSig === undefined)) fieldError('inSig', 'a payment received without its signature, or a signature of nothing');
  if (s.close?.sig === undefined && phase === 'closed') fieldError('close.sig', 'closed without the counterparty\'s signature');
  return s;
}
