/**
 * The forwarder's own records: which incoming HTLC became which outgoing
 * one, what the upstream was told, and the changes waiting for the
 * outgoing channel's offer slot; with their saved form, checked against
 * both channels' HTLC tables on restore.
 */
import { ERROR_ACTIONS, ErrorCode } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { fieldError, hexOrNull, readBig, readHex, readInt, readObject } from '../../../protocol/party';
import { Json } from '../../../protocol/wire';
import { ForwardTerms, forwardTerms } from './forward-rules';
import { HtlcRecord, opens } from './htlc-table';

/** One incoming HTLC the forwarder took, and what became of it. */
export interface ForwardLink {
  /** The incoming HTLC's id. */
  readonly in: number;
  /** The outgoing HTLC's id, once offered downstream. */
  readonly out?: number;
  /** Why it was not forwarded (it was failed upstream at once). */
  readonly refused?: ErrorCode;
  /** What the upstream was told: nothing yet, its preimage, or that it failed. */
  readonly upstream: 'open' | 'fulfilled' | 'failed';
  /** Its preimage, once learned (from the downstream's fulfill or a witness on chain). */
  readonly preimage?: Uint8Array;
  /** The height the downstream timeout claim confirmed at. */
  readonly timeoutConfirmedAt?: number;
}

/** A change waiting for the outgoing channel's one offer slot: forward incoming HTLC `in`, or settle or fail outgoing HTLC `out`. */
export type DownstreamOp = DownstreamAdd | DownstreamRemove;

/** Forward incoming HTLC `in`. */
export interface DownstreamAdd {
  /** The change. */
  readonly op: 'add';
  /** The incoming HTLC's id. */
  readonly in: number;
}

/** Settle or fail outgoing HTLC `out`. */
export interface DownstreamRemove {
  /** The change. */
  readonly op: 'settle' | 'fail';
  /** The outgoing HTLC's id. */
  readonly out: number;
}

const UPSTREAM = ['open', 'fulfilled', 'failed'] as const;
const OPS = ['add', 'settle', 'fail'] as const;
const LINK_FIELDS = ['in', 'out', 'refused', 'upstream', 'preimage', 'timeoutConfirmedAt'];

export function linksToJson(links: readonly ForwardLink[]): Json[] {
  return links.map((l) => ({
    in: l.in, out: l.out ?? null, refused: l.refused ?? null, upstream: l.upstream, preimage: hexOrNull(l.preimage),
    timeoutConfirmedAt: l.timeoutConfirmedAt ?? null,
  }));
}

export function queueToJson(queue: readonly DownstreamOp[]): Json[] {
  return queue.map((q) => ({ ...q }));
}

export function termsToJson(t: ForwardTerms): Json {
  return { fee: t.fee.toString(), claimMargin: t.claimMargin, deadMargin: t.deadMargin, minOutgoingDelta: t.minOutgoingDelta, buryDepth: t.buryDepth };
}

export function readTerms(v: unknown): ForwardTerms {
  const o = readObject(v, 'terms');
  try {
    return forwardTerms({
      fee: readBig(o, 'fee'), claimMargin: readInt(o, 'claimMargin'), deadMargin: readInt(o, 'deadMargin'),
      minOutgoingDelta: readInt(o, 'minOutgoingDelta'), buryDepth: readInt(o, 'buryDepth'),
    });
  } catch (e) {
    return fieldError('terms', e instanceof Error ? e.message : String(e));
  }
}

/** What the links are checked against: both channels' tables, the incoming D and the terms. */
export interface LinkContext {
  readonly incoming: readonly HtlcRecord[];
  readonly outgoing: readonly HtlcRecord[];
  readonly delayIn: number;
  readonly terms: ForwardTerms;
}

/**
 * Saved links, each checked on its own and against both tables: an
 * incoming id the incoming table has, at most one link each; an outgoing
 * id the outgoing table has, at most one link each, of the same hash, the
 * incoming amount less the fee, and an expiry R2 allows; a preimage that
 * opens the hash; a refused link never forwarded.
 */
export function readLinks(v: unknown, c: LinkContext): ForwardLink[] {
  if (!Array.isArray(v)) fieldError('links', 'must be an array');
  const seenIn = new Set<number>();
  const seenOut = new Set<number>();
  return v.map((x: unknown, i) => {
    const at = `links[${i}]`;
    const o = readObject(x, at);
    for (const k of Object.keys(o)) if (!LINK_FIELDS.includes(k)) fieldError(`${at}.${k}`, 'unexpected field');
    for (const k of LINK_FIELDS) if (!(k in o)) fieldError(`${at}.${k}`, 'missing');
    const num = (f: string) => { try { return readInt(o, f); } catch { return fieldError(`${at}.${f}`, 'not a non-negative integer'); } };
    const id = num('in');
    const inRec = c.incoming[id];
    if (inRec === undefined) fieldError(`${at}.in`, 'no such incoming HTLC');
    if (seenIn.has(id)) fieldError(`${at}.in`, 'a second link for one incoming HTLC');
    seenIn.add(id);
    if (!UPSTREAM.includes(o.upstream as never)) fieldError(`${at}.upstream`, 'not one of open, fulfilled, failed');
    const link: { -readonly [K in keyof ForwardLink]: ForwardLink[K] } = { in: id, upstream: o.upstream as ForwardLink['upstream'] };
    if (o.refused !== null) {
      if (typeof o.refused !== 'string' || !(o.refused in ERROR_ACTIONS)) fieldError(`${at}.refused`, 'not an error code');
      if (o.out !== null) fieldError(`${at}.refused`, 'a refused HTLC that was forwarded');
      link.refused = o.refused as ErrorCode;
    }
    if (o.out !== null) {
      const out = num('out');
      const r = c.outgoing[out];
      if (r === undefined) fieldError(`${at}.out`, 'no such outgoing HTLC');
      if (seenOut.has(out)) fieldError(`${at}.out`, 'a second link for one outgoing HTLC');
      seenOut.add(out);
      if (!bytesEqual(r.hash, inRec.hash)) fieldError(`${at}.out`, 'the outgoing HTLC has another hash');
      if (r.amount !== inRec.amount - c.terms.fee) fieldError(`${at}.out`, 'the outgoing amount is not the incoming one less the fee');
      if (inRec.expiry < r.expiry + c.delayIn + c.terms.claimMargin) fieldError(`${at}.out`, 'the outgoing expiry breaks E_in >= E_out + D_in + G');
      link.out = out;
    }
    if (o.preimage !== null) {
      let p: Uint8Array;
      try { p = readHex(o, 'preimage', 32); } catch { return fieldError(`${at}.preimage`, 'not 32 bytes of hex'); }
      if (!opens(p, inRec.hash)) fieldError(`${at}.preimage`, 'does not hash to the HTLC\'s hash');
      link.preimage = p;
    }
    if (o.timeoutConfirmedAt !== null) {
      if (link.out === undefined) fieldError(`${at}.timeoutConfirmedAt`, 'a timeout of an HTLC never forwarded');
      link.timeoutConfirmedAt = num('timeoutConfirmedAt');
    }
    if (link.upstream === 'fulfilled' && link.preimage === undefined && inRec.preimage === undefined) fieldError(`${at}.upstream`, 'fulfilled without a preimage');
    return link;
  });
}

/** Saved queue entries, each naming a link that can still take it. */
export function readQueue(v: unknown, links: readonly ForwardLink[]): DownstreamOp[] {
  if (!Array.isArray(v)) fieldError('queue', 'must be an array');
  const seen = new Set<string>();
  return v.map((x: unknown, i) => {
    const at = `queue[${i}]`;
    const o = readObject(x, at);
    if (!OPS.includes(o.op as never)) fieldError(`${at}.op`, 'not one of add, settle, fail');
    const key = o.op === 'add' ? 'in' : 'out';
    for (const k of Object.keys(o)) if (k !== 'op' && k !== key) fieldError(`${at}.${k}`, 'unexpected field');
    let id: number;
    try { id = readInt(o, key); } catch { return fieldError(`${at}.${key}`, 'not a non-negative integer'); }
    const link = links.find((l) => (key === 'in' ? l.in : l.out) === id);
    if (link === undefined) fieldError(`${at}.${key}`, 'no link has this HTLC');
    if (o.op === 'add' && (link.out !== undefined || link.refused !== undefined)) fieldError(at, 'an add of an HTLC already forwarded or refused');
    if (seen.has(`${key}${id}`)) fieldError(at, 'a second change queued for one HTLC');
    seen.add(`${key}${id}`);
    return (o.op === 'add' ? { op: 'add', in: id } : { op: o.op, out: id }) as DownstreamOp;
  });
}
