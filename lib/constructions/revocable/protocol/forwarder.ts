/**
 * A forwarder joins an incoming channel, where it is the receiver, and an
 * outgoing one, where it is the sender (CONSTRUCTIONS.md 4c): each HTLC
 * made final on the incoming channel is offered on the outgoing one with
 * the same hash, the amount less a fee and an earlier expiry (R2); a
 * preimage learned downstream, from a fulfill or a witness on chain, is
 * passed upstream; an incoming HTLC is failed only once its outgoing one
 * can no longer be paid. It moves no bytes itself: each call takes one
 * message or chain event and returns what to send each way.
 */
import { ChannelError, ErrorCode, fail } from '../../../core/errors';
import { bytesEqual, fromHex } from '../../../core/hash';
import { ChainView, checkChainView, readObject, stateError } from '../../../protocol/party';
import { Json } from '../../../protocol/wire';
import { ForwardLink, DownstreamOp, linksToJson, queueToJson, readLinks, readQueue, readTerms, termsToJson } from './forward-links';
import { ForwardTerms, ForwardTermsInput, downstreamDead, forwardTerms, planForward } from './forward-rules';
import { changeAt, opens } from './htlc-table';
import { Accept, Fail, Fulfill, Offer, Revoke } from './messages';
import { Receiver, ReceiverSecrets } from './receiver';
import { Sender, SenderSecrets } from './sender';

export { ForwardLink, ForwardTerms, ForwardTermsInput };

/** The saved format's name and version. */
export const FORWARDER_FORMAT = 'revchan-forwarder/1';

/** What a forwarder is made with. */
export interface ForwarderOptions {
  /** The channel the forwarder receives HTLCs on. */
  readonly incoming: Receiver;
  /** The channel it forwards them on. */
  readonly outgoing: Sender;
  /** The fee and margins; `fee` is required, the rest default (G 12, M 6, the outgoing delta 40, 6 confirmations). */
  readonly terms: ForwardTermsInput;
}

/** The kind of a {@link ForwardEvent}. */
export type ForwardEventKind =
  | 'htlc-add' | 'htlc-forward' | 'htlc-refused' | 'htlc-fulfill' | 'htlc-settle' | 'htlc-fail-downstream' | 'htlc-removed' | 'htlc-fail';

/**
 * Something the forwarder did, for the caller's log and ledger:
 * `htlc-add` an incoming HTLC became final (its sender revoked the state
 * before it); `htlc-forward` it was offered downstream; `htlc-refused` it
 * was not forwarded and was failed upstream (`code` says which rule);
 * `htlc-fulfill` its preimage was learned and passed upstream (`sent`
 * false if the incoming channel no longer takes a fulfill);
 * `htlc-settle` a settle became final (`side` incoming pays the forwarder,
 * outgoing the next hop); `htlc-fail-downstream` the next hop gave an
 * outgoing HTLC up; `htlc-removed` an outgoing HTLC's removal became final;
 * `htlc-fail` an incoming HTLC was failed upstream.
 */
export interface ForwardEvent {
  /** What happened. */
  readonly kind: ForwardEventKind;
  /** The incoming HTLC's id, for every kind naming one. */
  readonly in?: number;
  /** The outgoing HTLC's id (`htlc-forward`, `htlc-fail-downstream`, `htlc-removed`). */
  readonly out?: number;
  /** The HTLC's id on `side` (`htlc-settle`). */
  readonly id?: number;
  /** Which channel (`htlc-settle`). */
  readonly side?: 'incoming' | 'outgoing';
  /** The amount: incoming for `htlc-add`, outgoing for `htlc-forward`. */
  readonly amount?: bigint;
  /** The expiry: E_in for `htlc-add`, E_out for `htlc-forward`. */
  readonly expiry?: number;
  /** The refusal's code (`htlc-refused`). */
  readonly code?: ErrorCode;
  /** Where the preimage came from (`htlc-fulfill`): the next hop's fulfill, a witness on chain, or already known. */
  readonly source?: 'downstream' | 'chain' | 'known';
  /** Whether the fulfill went upstream (`htlc-fulfill`). */
  readonly sent?: boolean;
}

/** What one call gives the caller to do: messages to each side, in order, and what happened. */
export interface ForwardStep {
  /** To the incoming channel's sender. */
  readonly upstream: (Accept | Fulfill | Fail)[];
  /** To the outgoing channel's receiver. */
  readonly downstream: (Offer | Revoke)[];
  /** What happened. */
  readonly events: ForwardEvent[];
}

/**
 * The outgoing channel's sender watcher's events the forwarder takes, as
 * `SenderWatcher` emits them: `htlc-preimage` (with `preimage`) and
 * `htlc-timeout-confirmed` (with `height`).
 */
export interface ForwardChainEvent {
  /** `htlc-preimage` or `htlc-timeout-confirmed`. */
  readonly kind: 'htlc-preimage' | 'htlc-timeout-confirmed';
  /** The outgoing HTLC's id. */
  readonly id: number;
  /** P in hex (`htlc-preimage`). */
  readonly preimage?: string;
  /** The height the timeout claim confirmed at (`htlc-timeout-confirmed`). */
  readonly height?: number;
}

/** Messages to send again, each way. */
export interface ForwardResend {
  /** To the incoming channel's sender. */
  readonly upstream: (Accept | Fulfill | Fail)[];
  /** To the outgoing channel's receiver. */
  readonly downstream: (Offer | Revoke)[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Out = { upstream: ForwardStep['upstream']; downstream: ForwardStep['downstream']; events: ForwardEvent[] };

/** Joins an incoming and an outgoing revocable channel with HTLC terms. */
export class Forwarder {
  private links: ForwardLink[];
  private queue: DownstreamOp[];

  private constructor(
    private readonly inc: Receiver,
    private readonly out: Sender,
    private readonly terms: ForwardTerms,
    links: ForwardLink[],
    queue: DownstreamOp[],
  ) {
    this.links = links;
    this.queue = queue;
  }

  /**
   * Join two channels.
   *
   * @param o - The incoming receiver, the outgoing sender and the terms.
   * @returns The forwarder, with no HTLC linked yet.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if a party is not a Receiver or a Sender, or a term is out of range.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if the fee is not a non-negative bigint.
   * @throws {@link ChannelError} `HTLC_NOT_NEGOTIATED` if either channel was opened without HTLC terms.
   */
  static join(o: ForwarderOptions): Forwarder {
    if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', 'forwarder options must be an object');
    if (!(o.incoming instanceof Receiver) || !(o.outgoing instanceof Sender)) fail('INVALID_ARGUMENT', 'a forwarder joins a Receiver (incoming) and a Sender (outgoing)');
    const terms = forwardTerms(o.terms);
    for (const p of [o.incoming, o.outgoing]) {
      if (p.context.params.htlc === undefined) fail('HTLC_NOT_NEGOTIATED', 'both channels need HTLC terms to forward');
    }
    return new Forwarder(o.incoming, o.outgoing, terms, [], []);
  }

  /** The incoming channel's receiver (close and watch it through this; change HTLCs only through the forwarder). */
  get incoming(): Receiver { return this.inc; }
  /** The outgoing channel's sender (close and watch it through this; change HTLCs only through the forwarder). */
  get outgoing(): Sender { return this.out; }
  /** The links, incoming id to outgoing id and what became of each (copies). */
  get forwards(): ForwardLink[] { return this.links.map((l) => ({ ...l, ...(l.preimage ? { preimage: Uint8Array.from(l.preimage) } : {}) })); }
  /** Changes waiting for the outgoing channel's offer slot, oldest first. */
  get queued(): DownstreamOp[] { return this.queue.map((q) => ({ ...q })); }

  /**
   * A message from the incoming channel's sender: an offer (answered with
   * an accept) or a revoke (which may make an HTLC final and forward it).
   * An offer failing an HTLC whose preimage the forwarder holds, or whose
   * outgoing HTLC may still be paid, is refused.
   *
   * @param m - The offer or revoke.
   * @param chain - The tip.
   * @returns What to send each way and what happened.
   * @throws {@link ChannelError} any code {@link Receiver.onOffer} or {@link Receiver.onRevoke} throws; `MESSAGE_INVALID` for another message; `INVALID_ARGUMENT` if `chain` is not a chain view.
   * @throws {@link ChannelError} `HTLC_PREIMAGE_KNOWN` or `HTLC_DOWNSTREAM_LIVE` for an offer failing a forwarded HTLC that is not dead downstream.
   */
  onUpstream(m: Offer | Revoke, chain: ChainView): ForwardStep {
    checkChainView(chain, 'the forwarder');
    const o = newOut();
    if (m === null || typeof m !== 'object') fail('MESSAGE_INVALID', 'a message must be an object');
    if (m.type === 'offer') {
      if (m.change !== null && typeof m.change === 'object' && m.change.kind === 'failHtlc') this.checkUpstreamFail(m.change.id, chain);
      o.upstream.push(this.inc.onOffer(m, chain));
      return o;
    }
    if (m.type !== 'revoke') fail('MESSAGE_INVALID', `the forwarder takes an offer or a revoke from upstream, not ${String((m as { type?: unknown }).type)}`);
    const paid = this.inc.onRevoke(m);
    const h = paid.htlc;
    if (h?.change === 'addHtlc') {
      o.events.push({ kind: 'htlc-add', in: h.record.id, amount: h.record.amount, expiry: h.record.expiry });
      this.take(h.record.id, chain, o);
    } else if (h?.change === 'settleHtlc') {
      o.events.push({ kind: 'htlc-settle', side: 'incoming', id: h.record.id });
    }
    return o;
  }

  /**
   * A message from the outgoing channel's receiver: an accept (answered
   * with a revoke, then the next queued change), a fulfill (its preimage
   * passed upstream, a settle queued) or a fail (a removal queued; the
   * incoming HTLC is failed later, once the outgoing one is dead).
   *
   * @param m - The accept, fulfill or fail.
   * @param chain - The tip.
   * @returns What to send each way and what happened.
   * @throws {@link ChannelError} any code {@link Sender.onAccept}, {@link Sender.onFulfill} or {@link Sender.onFail} throws; `MESSAGE_INVALID` for another message; `INVALID_ARGUMENT` if `chain` is not a chain view.
   */
  onDownstream(m: Accept | Fulfill | Fail, chain: ChainView): ForwardStep {
    checkChainView(chain, 'the forwarder');
    const o = newOut();
    if (m === null || typeof m !== 'object') fail('MESSAGE_INVALID', 'a message must be an object');
    switch (m.type) {
      case 'accept': {
        o.downstream.push(this.out.onAccept(m));
        const change = changeAt(this.out.htlcTable, this.out.index);
        if (change?.kind === 'settleHtlc') o.events.push({ kind: 'htlc-settle', side: 'outgoing', id: change.id });
        if (change?.kind === 'failHtlc') o.events.push({ kind: 'htlc-removed', out: change.id });
        break;
      }
      case 'fulfill': {
        const p = this.out.onFulfill(m);
        const link = this.links.find((l) => l.out === m.id);
        this.queue = this.queue.filter((q) => !(q.op === 'fail' && q.out === m.id));
        const r = this.out.htlcTable[m.id]!;
        if (r.removedAt === undefined && !this.queue.some((q) => q.op === 'settle' && q.out === m.id)) this.queue.push({ op: 'settle', out: m.id });
        if (link !== undefined) this.learn(link, p, 'downstream', o);
        break;
      }
      case 'fail': {
        const r = this.out.onFail(m);
        o.events.push({ kind: 'htlc-fail-downstream', out: r.id });
        // The sender's table holds a removal in flight too (removedAt set): only an HTLC not on its way out is queued.
        if (r.removedAt === undefined && !this.queue.some((q) => q.op !== 'add' && q.out === r.id)) this.queue.push({ op: 'fail', out: r.id });
        break;
      }
      default:
        fail('MESSAGE_INVALID', `the forwarder takes an accept, a fulfill or a fail from downstream, not ${String((m as { type?: unknown }).type)}`);
    }
    this.release(chain, o);
    this.failDead(chain.height, o);
    return o;
  }

  /**
   * An event of the outgoing channel's sender watcher: a preimage read
   * from a witness (passed upstream) or a timeout claim confirmed (once
   * buried, the incoming HTLC is failed).
   *
   * @param e - The watcher's event.
   * @param chain - The tip.
   * @returns What to send each way and what happened.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `e` is not such an event or `chain` is not a chain view.
   * @throws {@link ChannelError} `HTLC_UNKNOWN` if no outgoing HTLC has `e.id`.
   * @throws {@link ChannelError} `HTLC_PREIMAGE_MISMATCH` if the preimage does not open it.
   */
  onChain(e: ForwardChainEvent, chain: ChainView): ForwardStep {
    checkChainView(chain, 'the forwarder');
    if (e === null || typeof e !== 'object' || !Number.isSafeInteger(e.id)) fail('INVALID_ARGUMENT', 'a chain event must be {kind, id, ...}');
    const r = this.out.htlcTable[e.id];
    if (r === undefined) fail('HTLC_UNKNOWN', `no outgoing HTLC ${e.id}`, { id: e.id });
    const link = this.links.find((l) => l.out === e.id);
    const o = newOut();
    if (e.kind === 'htlc-preimage') {
      const p = typeof e.preimage === 'string' && /^[0-9a-f]{64}$/.test(e.preimage) ? fromHex(e.preimage) : undefined;
      if (!opens(p, r.hash)) fail('HTLC_PREIMAGE_MISMATCH', `the preimage does not open outgoing HTLC ${e.id}`, { id: e.id });
      if (link !== undefined) this.learn(link, p!, 'chain', o);
    } else if (e.kind === 'htlc-timeout-confirmed') {
      const h = e.height;
      if (h === undefined || !Number.isSafeInteger(h) || h < 0) fail('INVALID_ARGUMENT', 'height must be a non-negative integer');
      if (link !== undefined) this.setLink(link.in, { timeoutConfirmedAt: h });
    } else {
      fail('INVALID_ARGUMENT', `the forwarder takes htlc-preimage and htlc-timeout-confirmed events, not ${String((e as { kind?: unknown }).kind)}`);
    }
    this.failDead(chain.height, o);
    return o;
  }

  /**
   * A new tip: fail upstream what has died downstream by now (R3), and
   * offer a queued change if the outgoing channel's slot is free.
   *
   * @param chain - The tip.
   * @returns What to send each way and what happened.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `chain` is not a chain view.
   */
  onHeight(chain: ChainView): ForwardStep {
    checkChainView(chain, 'the forwarder');
    const o = newOut();
    this.release(chain, o);
    this.failDead(chain.height, o);
    return o;
  }

  /**
   * What to send again after a reconnect or a restart: the accept awaiting
   * its revoke upstream, the fulfills and fails sent upstream for HTLCs
   * still in the incoming channel, the offer in flight downstream (or the
   * last revoke). Every message is one already sent: nothing is signed anew.
   *
   * @returns The messages each way.
   */
  resend(): ForwardResend {
    const upstream: (Accept | Fulfill | Fail)[] = [];
    const downstream: (Offer | Revoke)[] = [];
    if (this.inc.pendingAmount !== undefined) upstream.push(this.inc.pendingAccept());
    const live = new Set(this.inc.htlcs.map((r) => r.id));
    for (const l of this.links) {
      if (!live.has(l.in)) continue;
      const r = this.inc.htlcTable[l.in]!;
      if (l.upstream === 'fulfilled') upstream.push(this.inc.fulfill(l.in, r.preimage ?? l.preimage!));
      if (l.upstream === 'failed') upstream.push(this.inc.fail(l.in, 'downstream-failed'));
    }
    if (this.out.pending !== undefined) downstream.push(this.out.pendingOffer());
    else if (this.out.index > 0) downstream.push(this.out.lastRevoke());
    return { upstream, downstream };
  }

  /**
   * The saved state: both parties' and the links, in one object so one write keeps them consistent.
   *
   * @returns JSON-safe data for {@link Forwarder.restore}.
   */
  toJSON(): Json {
    return {
      format: FORWARDER_FORMAT, terms: termsToJson(this.terms), incoming: this.inc.toJSON(), outgoing: this.out.toJSON(),
      links: linksToJson(this.links), queue: queueToJson(this.queue),
    };
  }

  /**
   * A forwarder from its saved state, every link checked against both channels' HTLC tables.
   *
   * @param json - What {@link Forwarder.toJSON} gave.
   * @param secrets - The incoming receiver's and the outgoing sender's secrets.
   * @returns The forwarder.
   * @throws {@link ChannelError} `STATE_INVALID` if the state is damaged, of another format, or a link does not match the channels (`details.field` names it).
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secrets` is not {incoming, outgoing}, or another code {@link Receiver.restore} or {@link Sender.restore} throws for a party (`INVALID_KEY` for secrets that are not the party's).
   */
  static restore(json: unknown, secrets: { incoming: ReceiverSecrets; outgoing: SenderSecrets }): Forwarder {
    const o = readObject(json, 'forwarder');
    if (o.format !== FORWARDER_FORMAT) stateError(`format must be ${FORWARDER_FORMAT}`);
    const terms = readTerms(o.terms);
    if (secrets === null || typeof secrets !== 'object') fail('INVALID_ARGUMENT', 'secrets must be {incoming, outgoing}');
    const inc = Receiver.restore(o.incoming, secrets.incoming);
    const out = Sender.restore(o.outgoing, secrets.outgoing);
    const delayIn = inc.context.params.htlc?.delay.blocks;
    if (delayIn === undefined || out.context.params.htlc === undefined) stateError('both channels need HTLC terms');
    const links = readLinks(o.links, { incoming: inc.htlcTable, outgoing: out.htlcTable, delayIn, terms });
    const queue = readQueue(o.queue, links);
    for (const l of links) {
      if (l.out === undefined && l.refused === undefined && !queue.some((q) => q.op === 'add' && q.in === l.in)) {
        stateError(`link of incoming HTLC ${l.in} neither forwarded, refused nor queued`);
      }
    }
    return new Forwarder(inc, out, terms, links, queue);
  }

  // ---- the work

  /** An incoming HTLC just made final: fulfilled at once if its preimage is known, else queued for the outgoing channel. */
  private take(id: number, chain: ChainView, o: Out): void {
    const r = this.inc.htlcTable[id]!;
    this.links = [...this.links, { in: id, upstream: 'open' }];
    const known = this.knownPreimage(r.hash);
    if (known !== undefined) {
      this.learn(this.linkOf(id), known, 'known', o);
      return;
    }
    this.queue = [...this.queue, { op: 'add', in: id }];
    this.release(chain, o);
  }

  /** Offer queued changes while the outgoing channel has no offer in flight. */
  private release(chain: ChainView, o: Out): void {
    while (this.queue.length > 0 && this.out.pending === undefined && this.out.phase === 'open') {
      const [next, ...rest] = this.queue;
      this.queue = rest;
      const offer = this.offerFor(next!, chain, o);
      if (offer !== undefined) o.downstream.push(offer);
    }
  }

  private offerFor(q: DownstreamOp, chain: ChainView, o: Out): Offer | undefined {
    if (q.op === 'add') {
      const link = this.linkOf(q.in);
      const r = this.inc.htlcTable[q.in]!;
      const known = this.knownPreimage(r.hash);
      if (known !== undefined) {
        this.learn(link, known, 'known', o);
        return undefined;
      }
      try {
        const plan = planForward({ amount: r.amount, expiry: r.expiry, delayIn: this.inc.context.params.htlc!.delay.blocks, height: chain.height }, this.terms);
        const offer = this.out.addHtlc({ amount: plan.amount, hash: r.hash, expiry: plan.expiry }, chain);
        const out = (offer.change as { id: number }).id;
        this.setLink(q.in, { out });
        o.events.push({ kind: 'htlc-forward', in: q.in, out, amount: plan.amount, expiry: plan.expiry });
        return offer;
      } catch (e) {
        if (!(e instanceof ChannelError)) throw e;
        // Nothing was offered downstream, so nothing there can be paid: the incoming HTLC may be failed now.
        this.setLink(q.in, { refused: e.code });
        o.events.push({ kind: 'htlc-refused', in: q.in, code: e.code });
        this.failUpstream(this.linkOf(q.in), o);
        return undefined;
      }
    }
    const r = this.out.htlcTable[q.out]!;
    if (r.removedAt !== undefined) return undefined;
    try {
      return q.op === 'settle' ? this.out.settleHtlc(q.out) : this.out.failHtlc(q.out, chain);
    } catch (e) {
      // A change the channel no longer takes (the HTLC resolved on chain): dropped, the link decides upstream alone.
      if (!(e instanceof ChannelError)) throw e;
      return undefined;
    }
  }

  /** A preimage learned: kept in the link and passed upstream once. */
  private learn(link: ForwardLink, p: Uint8Array, source: 'downstream' | 'chain' | 'known', o: Out): void {
    this.setLink(link.in, { preimage: Uint8Array.from(p) });
    if (link.upstream !== 'open') return;
    let sent = false;
    try {
      o.upstream.push(this.inc.fulfill(link.in, p));
      sent = true;
    } catch (e) {
      // The incoming channel is closing or the HTLC left it: P goes into the incoming table too, where the receiver's watcher claims with it.
      if (!(e instanceof ChannelError)) throw e;
      this.inc.learnPreimage(p);
    }
    if (sent) this.setLink(link.in, { upstream: 'fulfilled' });
    o.events.push({ kind: 'htlc-fulfill', in: link.in, source, sent });
  }

  /** Fail upstream every forwarded HTLC now dead downstream. */
  private failDead(height: number, o: Out): void {
    for (const l of this.links) {
      if (l.upstream !== 'open' || l.out === undefined) continue;
      if (this.deadDownstream(l, height)) this.failUpstream(l, o);
    }
  }

  private deadDownstream(l: ForwardLink, height: number): boolean {
    const r = this.out.htlcTable[l.out!]!;
    return downstreamDead({
      failed: r.outcome === 'failed',
      removalFinal: r.removedAt !== undefined && r.removedAt <= this.out.index,
      deadAt: this.out.htlcDeadAt(r.id, this.terms.deadMargin),
      ...(l.timeoutConfirmedAt !== undefined ? { timeoutConfirmedAt: l.timeoutConfirmedAt } : {}),
      preimageKnown: this.knownPreimage(r.hash) !== undefined,
    }, height, this.terms.buryDepth);
  }

  private failUpstream(l: ForwardLink, o: Out): void {
    try {
      o.upstream.push(this.inc.fail(l.in, 'downstream-failed'));
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      return;
    }
    this.setLink(l.in, { upstream: 'failed' });
    o.events.push({ kind: 'htlc-fail', in: l.in });
  }

  /** An upstream offer failing incoming HTLC `id`: refused while the forwarder may still be owed it or owe it downstream. */
  private checkUpstreamFail(id: unknown, chain: ChainView): void {
    const link = this.links.find((l) => l.in === id);
    if (link === undefined) return;
    const r = this.inc.htlcTable[link.in]!;
    if (this.knownPreimage(r.hash) !== undefined) {
      fail('HTLC_PREIMAGE_KNOWN', `incoming HTLC ${link.in}: its preimage is known, settle it`, { id: link.in });
    }
    if (link.out !== undefined && link.upstream !== 'failed' && !this.deadDownstream(link, chain.height)) {
      fail('HTLC_DOWNSTREAM_LIVE', `incoming HTLC ${link.in}: outgoing HTLC ${link.out} may still be paid`, { id: link.in, out: link.out });
    }
  }

  /** P for a hash from any source: either channel's table or a link. */
  private knownPreimage(hash: Uint8Array): Uint8Array | undefined {
    const p = this.out.preimageFor(hash) ?? this.inc.preimageFor(hash);
    if (p !== undefined) return p;
    // Every link's preimage opens its incoming hash (checked when learned and on restore).
    const l = this.links.find((x) => x.preimage !== undefined && opens(x.preimage, hash));
    return l?.preimage;
  }

  private linkOf(id: number): ForwardLink {
    return this.links.find((l) => l.in === id)!;
  }

  private setLink(id: number, patch: Partial<Mutable<ForwardLink>>): void {
    this.links = this.links.map((l) => (l.in === id ? { ...l, ...patch } : l));
  }
}

function newOut(): Out {
  return { upstream: [], downstream: [], events: [] };
}
