/**
 * Honest A and C around B's forwarder: every message B returns is
 * delivered through the wire and answered as an honest party would (A
 * revokes after an accept, settles after a fulfill, removes after a fail;
 * C accepts offers and takes revokes) until nothing is left to send.
 */
import { ChainView, ForwardEvent, ForwardStep, Message } from '../../lib';
import { wire } from './parties';
import { TwoHop } from './two-hop';

/** What the pump saw: B's events, and what C's revokes made final. */
export interface Pumped {
  events: ForwardEvent[];
  upstream: Message[];
  downstream: Message[];
}

export function pump(t: TwoHop, first: ForwardStep, chain: ChainView, opts: { aSilent?: boolean; cSilent?: boolean } = {}): Pumped {
  const seen: Pumped = { events: [], upstream: [], downstream: [] };
  const steps: ForwardStep[] = [first];
  while (steps.length > 0) {
    const s = steps.shift()!;
    seen.events.push(...s.events);
    for (const m of s.upstream) {
      seen.upstream.push(m);
      if (opts.aSilent) continue;
      const w = wire(m as Message);
      if (w.type === 'accept') steps.push(t.b.onUpstream(wire(t.a.onAccept(w)), chain));
      if (w.type === 'fulfill') {
        t.a.onFulfill(w);
        steps.push(upstreamOffer(t, () => t.a.settleHtlc(w.id), chain));
      }
      if (w.type === 'fail') {
        t.a.onFail(w);
        steps.push(upstreamOffer(t, () => t.a.failHtlc(w.id), chain));
      }
    }
    for (const m of s.downstream) {
      seen.downstream.push(m);
      if (opts.cSilent) continue;
      const w = wire(m as Message);
      if (w.type === 'offer') steps.push(t.b.onDownstream(wire(t.c.onOffer(w, chain)), chain));
      if (w.type === 'revoke') t.c.onRevoke(w);
    }
  }
  return seen;
}

/** A's next offer through B (A has one offer slot: a refused one is A's to retry). */
function upstreamOffer(t: TwoHop, make: () => ReturnType<TwoHop['a']['pay']>, chain: ChainView): ForwardStep {
  return t.b.onUpstream(wire(make()), chain);
}

/** A adds an HTLC and B sees the whole offer -> accept -> revoke. */
export function aAdds(t: TwoHop, h: { amount: bigint; hash: Uint8Array; expiry: number }, chain: ChainView, opts: { cSilent?: boolean } = {}): Pumped {
  return pump(t, t.b.onUpstream(wire(t.a.addHtlc(h, chain)), chain), chain, opts);
}
