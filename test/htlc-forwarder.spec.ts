/**
 * The Forwarder joining A-B (B receives) and B-C (B sends), off-chain,
 * every message through the JSON wire: forwards only what A's revoke made
 * final, R2 and the fee (refusals fail upstream at once), the preimage
 * passed upstream from C's fulfill or a witness, failures passed upstream
 * only once the outgoing HTLC is dead (R3, a buried timeout), one offer
 * in flight on B-C with the rest queued, saved state through a restart
 * and damaged saved states refused, and A or C replaying, withholding
 * and reordering messages without B losing anything.
 */
import { expect } from 'chai';
import {
  ChainView, ChannelError, ErrorCode, Forwarder, Message, Sender, downstreamDead, forwardTerms, planForward, sha256, toHex,
} from '../lib';
import { CHAIN, wire } from './support/parties';
import { testPreimage } from './support/test-templates';
import { A_AB, B_AB, B_BC, TwoHop, openTwoHop } from './support/two-hop';
import { aAdds, pump } from './support/two-hop-pump';

type Json = Record<string, unknown>;
const at = (height: number): ChainView => ({ height, medianTimePast: CHAIN.medianTimePast });
const D = 6;
const G = 12;
const M = 6;
const FEE = 1_000n;
/** E_in = 600 at tip 500: E_out = 582, R2's latest, 82 blocks above the tip. */
const E_IN = 600;
const E_OUT = E_IN - D - G;
const DEAD_AT = E_OUT - D + M;
const SECRETS = { incoming: B_AB, outgoing: B_BC };

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof ChannelError) return e.code;
    throw e;
  }
  return 'no error';
}

const saved = (t: TwoHop): string => JSON.stringify([t.a.toJSON(), t.b.toJSON(), t.c.toJSON()]);

/** `run` is refused with `code` and no party changed. */
function refused(t: TwoHop, code: ErrorCode, run: () => unknown): void {
  const before = saved(t);
  expect(codeOf(run)).to.equal(code);
  expect(saved(t)).to.equal(before);
}

const kinds = (events: { kind: string }[]) => events.map((e) => e.kind);
const payment = (label: string) => testPreimage(`two-hop ${label}`);

describe('Forwarder (A -> B -> C, off-chain)', () => {
  it('forwards once A revokes, with the same hash, the fee kept and E_out = E_in - D - G; the preimage flows back and both channels settle', () => {
    const t = openTwoHop(CHAIN);
    const p = payment('happy');
    const offer = t.a.addHtlc({ amount: 51_000n, hash: p.hash, expiry: E_IN }, CHAIN);
    const s1 = t.b.onUpstream(wire(offer), CHAIN);
    // Accepted, not final: nothing goes downstream on an offer A could still abandon.
    expect(s1.upstream.map((m) => m.type)).to.deep.equal(['accept']);
    expect(s1.downstream).to.deep.equal([]);
    expect(t.b.forwards).to.deep.equal([]);
    const s2 = t.b.onUpstream(wire(t.a.onAccept(wire(s1.upstream[0] as never))), CHAIN);
    expect(kinds(s2.events)).to.deep.equal(['htlc-add', 'htlc-forward']);
    const fwd = s2.downstream[0]!;
    expect(fwd.type).to.equal('offer');
    const change = (fwd as { change?: { kind: string; amount: bigint; hash: Uint8Array; expiry: number } }).change!;
    expect(change.kind).to.equal('addHtlc');
    expect(change.amount).to.equal(50_000n);
    expect(change.expiry).to.equal(E_OUT);
    expect(toHex(change.hash)).to.equal(toHex(p.hash));
    const rest = pump(t, s2, CHAIN);
    expect(t.c.htlcs.map((r) => r.amount)).to.deep.equal([50_000n]);
    expect(rest.upstream).to.deep.equal([]);

    const done = pump(t, t.b.onDownstream(wire(t.c.fulfill(0, p.preimage)), CHAIN), CHAIN);
    expect(kinds(done.events)).to.include.members(['htlc-fulfill', 'htlc-settle']);
    expect(done.events.filter((e) => e.kind === 'htlc-settle').map((e) => (e as { side: string }).side).sort()).to.deep.equal(['incoming', 'outgoing']);
    expect(t.a.htlcs).to.deep.equal([]);
    expect(t.c.htlcs).to.deep.equal([]);
    expect(t.b.incoming.amount).to.equal(51_000n);
    expect(t.c.amount).to.equal(50_000n);
    expect(t.b.forwards).to.deep.include({ in: 0, out: 0, upstream: 'fulfilled', preimage: p.preimage });
    expect(toHex(sha256(t.b.forwards[0]!.preimage!))).to.equal(toHex(p.hash));
  });

  it('refuses a forward R2 or the fee does not allow and fails it upstream at once, with nothing offered downstream', () => {
    const t = openTwoHop(CHAIN);
    // E_in - D - G = 539 is less than 40 blocks above the tip of 500.
    const close = aAdds(t, { amount: 51_000n, hash: payment('soon').hash, expiry: 557 }, CHAIN);
    expect(close.events).to.deep.include({ kind: 'htlc-refused', in: 0, code: 'HTLC_EXPIRY_TOO_SOON' });
    expect(close.downstream).to.deep.equal([]);
    expect(t.a.htlcs).to.deep.equal([]);
    // The same HTLC one block later is forwarded.
    expect(kinds(aAdds(t, { amount: 51_000n, hash: payment('ok').hash, expiry: 558 }, CHAIN).events)).to.include('htlc-forward');
    const cheap = aAdds(t, { amount: FEE, hash: payment('cheap').hash, expiry: E_IN }, CHAIN);
    expect(cheap.events).to.deep.include({ kind: 'htlc-refused', in: 2, code: 'INVALID_AMOUNT' });
    expect(t.c.htlcs).to.have.length(1);
    // The rule alone, each side of its edge.
    const terms = forwardTerms({ fee: FEE });
    expect(planForward({ amount: 2_000n, expiry: 558, delayIn: D, height: 500 }, terms)).to.deep.equal({ amount: 1_000n, expiry: 540 });
    expect(codeOf(() => planForward({ amount: 2_000n, expiry: 557, delayIn: D, height: 500 }, terms))).to.equal('HTLC_EXPIRY_TOO_SOON');
    expect(codeOf(() => forwardTerms({ fee: FEE, claimMargin: 11 }))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => forwardTerms({ fee: -1n }))).to.equal('INVALID_AMOUNT');
  });

  it('a downstream fail reaches A only once B-C\'s removal is final and the tip reaches E_out - D + M', () => {
    const t = openTwoHop(CHAIN);
    aAdds(t, { amount: 51_000n, hash: payment('fail').hash, expiry: E_IN }, CHAIN);
    const failed = t.b.onDownstream(wire(t.c.fail(0, 'unknown-hash')), CHAIN);
    expect(kinds(failed.events)).to.deep.equal(['htlc-fail-downstream']);
    expect(failed.upstream).to.deep.equal([]);
    const failOffer = failed.downstream[0] as { change?: { kind: string } };
    expect(failOffer.change!.kind).to.equal('failHtlc');
    // C withholds its accept of the removal: even at R3's height A hears nothing.
    expect(t.b.onHeight(at(DEAD_AT + 10)).upstream).to.deep.equal([]);
    pump(t, failed, CHAIN);
    expect(t.c.htlcs).to.deep.equal([]);
    expect(t.b.onHeight(at(DEAD_AT - 1)).upstream).to.deep.equal([]);
    const dead = pump(t, t.b.onHeight(at(DEAD_AT)), at(DEAD_AT));
    expect(kinds(dead.events)).to.deep.equal(['htlc-fail']);
    expect(t.a.htlcs).to.deep.equal([]);
    expect(t.b.incoming.amount).to.equal(0n);
    // Once only.
    expect(t.b.onHeight(at(DEAD_AT + 1)).upstream).to.deep.equal([]);
  });

  it('never fails upstream an HTLC whose preimage it knows: C failing then fulfilling gets A settled', () => {
    const t = openTwoHop(CHAIN);
    const p = payment('fail then fulfill');
    aAdds(t, { amount: 51_000n, hash: p.hash, expiry: E_IN }, CHAIN);
    const failed = t.b.onDownstream(wire(t.c.fail(0, 'temporary')), CHAIN);
    // C answers the removal but then shows the preimage (a forged fulfill: C's own party would not send it after its fail).
    pump(t, failed, CHAIN);
    const late = t.b.onDownstream({ type: 'fulfill', channelId: t.c.channelId, id: 0, preimage: p.preimage }, CHAIN);
    expect(late.events).to.deep.include({ kind: 'htlc-fulfill', in: 0, source: 'downstream', sent: true });
    pump(t, late, CHAIN);
    expect(t.b.incoming.amount).to.equal(51_000n);
    expect(t.b.onHeight(at(DEAD_AT + 100)).upstream).to.deep.equal([]);
    expect(downstreamDead({ failed: true, removalFinal: true, deadAt: 10, preimageKnown: true, timeoutConfirmedAt: 1 }, 100, 1)).to.equal(false);
  });

  it('settles upstream with a preimage read from a witness on B-C, and refuses one that does not open the HTLC', () => {
    const t = openTwoHop(CHAIN);
    const p = payment('chain');
    aAdds(t, { amount: 51_000n, hash: p.hash, expiry: E_IN }, CHAIN);
    refused(t, 'HTLC_PREIMAGE_MISMATCH', () => t.b.onChain({ kind: 'htlc-preimage', id: 0, preimage: toHex(payment('other').preimage) }, CHAIN));
    refused(t, 'HTLC_PREIMAGE_MISMATCH', () => t.b.onChain({ kind: 'htlc-preimage', id: 0, preimage: 'zz' }, CHAIN));
    refused(t, 'HTLC_UNKNOWN', () => t.b.onChain({ kind: 'htlc-preimage', id: 7, preimage: toHex(p.preimage) }, CHAIN));
    const s = t.b.onChain({ kind: 'htlc-preimage', id: 0, preimage: toHex(p.preimage) }, CHAIN);
    expect(s.events).to.deep.equal([{ kind: 'htlc-fulfill', in: 0, source: 'chain', sent: true }]);
    expect(s.downstream).to.deep.equal([]);
    pump(t, s, CHAIN);
    expect(t.b.incoming.amount).to.equal(51_000n);
  });

  it('a preimage learned after A-B closed goes into the incoming table, where B\'s receiver watcher claims with it', () => {
    const t = openTwoHop(CHAIN);
    const p = payment('closed upstream');
    aAdds(t, { amount: 51_000n, hash: p.hash, expiry: E_IN }, CHAIN);
    // A publishes its version and B's watcher marks A-B closed; then C's claim on chain reveals P.
    t.b.incoming.markClosed();
    expect(t.b.incoming.preimageFor(p.hash)).to.equal(undefined);
    const s = t.b.onChain({ kind: 'htlc-preimage', id: 0, preimage: toHex(p.preimage) }, CHAIN);
    expect(s.events).to.deep.equal([{ kind: 'htlc-fulfill', in: 0, source: 'chain', sent: false }]);
    expect(s.upstream).to.deep.equal([]);
    expect(toHex(t.b.incoming.preimageFor(p.hash)!)).to.equal(toHex(p.preimage));
    expect(toHex(t.b.incoming.htlcTable[0]!.preimage!)).to.equal(toHex(p.preimage));
  });

  it('fails upstream once the downstream timeout is buried (6 confirmations), not before', () => {
    const t = openTwoHop(CHAIN);
    aAdds(t, { amount: 51_000n, hash: payment('timeout').hash, expiry: E_IN }, CHAIN);
    const h = E_OUT + D;
    expect(t.b.onChain({ kind: 'htlc-timeout-confirmed', id: 0, height: h }, at(h)).upstream).to.deep.equal([]);
    expect(t.b.onHeight(at(h + 4)).upstream).to.deep.equal([]);
    const s = t.b.onHeight(at(h + 5));
    expect(kinds(s.events)).to.deep.equal(['htlc-fail']);
    expect(s.upstream.map((m) => m.type)).to.deep.equal(['fail']);
  });

  it('keeps one offer in flight on B-C: a second HTLC waits for C\'s accept of the first', () => {
    const t = openTwoHop(CHAIN);
    const first = aAdds(t, { amount: 11_000n, hash: payment('q1').hash, expiry: E_IN }, CHAIN, { cSilent: true });
    expect(first.downstream.map((m) => m.type)).to.deep.equal(['offer']);
    const second = aAdds(t, { amount: 21_000n, hash: payment('q2').hash, expiry: E_IN }, CHAIN, { cSilent: true });
    expect(second.downstream).to.deep.equal([]);
    expect(t.b.queued).to.deep.equal([{ op: 'add', in: 1 }]);
    // C's accept of the first brings B's revoke and the second offer, in that order.
    const next = t.b.onDownstream(wire(t.c.onOffer(wire(first.downstream[0] as never), CHAIN)), CHAIN);
    expect(next.downstream.map((m) => m.type)).to.deep.equal(['revoke', 'offer']);
    expect(kinds(next.events)).to.deep.equal(['htlc-forward']);
    pump(t, next, CHAIN);
    expect(t.c.htlcs.map((r) => r.amount)).to.deep.equal([10_000n, 20_000n]);
    expect(t.b.queued).to.deep.equal([]);
  });

  describe('attackers', () => {
    it('A withholding its revoke gets nothing forwarded; A replaying an offer gets the same accept; a replayed revoke is refused with nothing changed', () => {
      const t = openTwoHop(CHAIN);
      const offer = t.a.addHtlc({ amount: 51_000n, hash: payment('withhold').hash, expiry: E_IN }, CHAIN);
      const s1 = t.b.onUpstream(wire(offer), CHAIN);
      expect(toHex((t.b.onUpstream(wire(offer), CHAIN).upstream[0] as { sig: Uint8Array }).sig)).to.equal(toHex((s1.upstream[0] as { sig: Uint8Array }).sig));
      expect(t.b.onHeight(at(510)).downstream).to.deep.equal([]);
      expect(t.c.htlcsAt(t.c.index + 1)).to.deep.equal([]);
      const revoke = t.a.onAccept(wire(s1.upstream[0] as never));
      pump(t, t.b.onUpstream(wire(revoke), CHAIN), CHAIN);
      refused(t, 'UNEXPECTED_MESSAGE', () => t.b.onUpstream(wire(revoke), CHAIN));
      expect(t.c.htlcs).to.have.length(1);
    });

    it('A failing a forwarded HTLC after its expiry is refused while B knows the preimage or C may still be paid', () => {
      const t = openTwoHop(CHAIN);
      const p = payment('expired');
      aAdds(t, { amount: 51_000n, hash: p.hash, expiry: E_IN }, CHAIN);
      const late = at(E_IN + 1);
      // A's offer made on a copy of A, so a refusal leaves A as it was too.
      const offer = Sender.restore(JSON.parse(JSON.stringify(t.a.toJSON())), A_AB).failHtlc(0, late);
      refused(t, 'HTLC_DOWNSTREAM_LIVE', () => t.b.onUpstream(wire(offer), late));
      t.b.onChain({ kind: 'htlc-preimage', id: 0, preimage: toHex(p.preimage) }, CHAIN);
      refused(t, 'HTLC_PREIMAGE_KNOWN', () => t.b.onUpstream(wire(offer), late));
    });

    it('C\'s wrong preimage, unknown id, replayed accept and a fail after its preimage change nothing', () => {
      const t = openTwoHop(CHAIN);
      const p = payment('c attacks');
      const added = aAdds(t, { amount: 51_000n, hash: p.hash, expiry: E_IN }, CHAIN, { cSilent: true });
      const accept = t.c.onOffer(wire(added.downstream[0] as never), CHAIN);
      const step = t.b.onDownstream(wire(accept), CHAIN);
      t.c.onRevoke(wire(step.downstream[0] as never));
      refused(t, 'UNEXPECTED_MESSAGE', () => t.b.onDownstream(wire(accept), CHAIN));
      const id = t.c.channelId;
      refused(t, 'HTLC_PREIMAGE_MISMATCH', () => t.b.onDownstream({ type: 'fulfill', channelId: id, id: 0, preimage: payment('wrong').preimage }, CHAIN));
      refused(t, 'HTLC_UNKNOWN', () => t.b.onDownstream({ type: 'fulfill', channelId: id, id: 3, preimage: p.preimage }, CHAIN));
      refused(t, 'WRONG_CHANNEL', () => t.b.onDownstream({ type: 'fulfill', channelId: t.a.channelId, id: 0, preimage: p.preimage }, CHAIN));
      refused(t, 'MESSAGE_INVALID', () => t.b.onDownstream({ type: 'revoke' } as never, CHAIN));
      refused(t, 'MESSAGE_INVALID', () => t.b.onUpstream({ type: 'fulfill' } as never, CHAIN));
      refused(t, 'INVALID_ARGUMENT', () => t.b.onHeight({ height: -1 } as never));
      pump(t, t.b.onDownstream(wire(t.c.fulfill(0, p.preimage)), CHAIN), CHAIN);
      refused(t, 'UNEXPECTED_MESSAGE', () => t.b.onDownstream({ type: 'fail', channelId: id, id: 0, reason: 'other' }, CHAIN));
      expect(t.b.incoming.amount).to.equal(51_000n);
    });

    it('an HTLC whose preimage B already holds is fulfilled upstream at once, not forwarded', () => {
      const t = openTwoHop(CHAIN);
      const p = payment('same hash');
      aAdds(t, { amount: 51_000n, hash: p.hash, expiry: E_IN }, CHAIN);
      pump(t, t.b.onDownstream(wire(t.c.fulfill(0, p.preimage)), CHAIN), CHAIN);
      const again = aAdds(t, { amount: 31_000n, hash: p.hash, expiry: E_IN }, CHAIN);
      expect(again.downstream).to.deep.equal([]);
      expect(again.events).to.deep.include({ kind: 'htlc-fulfill', in: 1, source: 'known', sent: true });
      expect(t.b.incoming.amount).to.equal(82_000n);
      expect(t.c.amount).to.equal(50_000n);
    });
  });

  describe('saved state', () => {
    it('survives a restart mid-forward: the links, the queue and the messages to send again', () => {
      const t = openTwoHop(CHAIN);
      const p = payment('restart');
      const first = aAdds(t, { amount: 11_000n, hash: p.hash, expiry: E_IN }, CHAIN, { cSilent: true });
      aAdds(t, { amount: 21_000n, hash: payment('restart 2').hash, expiry: E_IN }, CHAIN, { cSilent: true });
      const json = JSON.parse(JSON.stringify(t.b.toJSON())) as Json;
      expect(json.format).to.equal('revchan-forwarder/1');
      t.b = Forwarder.restore(json, SECRETS);
      expect(JSON.stringify(t.b.toJSON())).to.equal(JSON.stringify(json));
      expect(t.b.queued).to.deep.equal([{ op: 'add', in: 1 }]);
      const again = t.b.resend();
      expect(again.downstream.map((m) => toHex(wire(m as Message).type === 'offer' ? (m as { sig: Uint8Array }).sig : new Uint8Array())))
        .to.deep.equal([toHex((first.downstream[0] as { sig: Uint8Array }).sig)]);
      pump(t, { upstream: [], downstream: again.downstream, events: [] }, CHAIN);
      expect(t.c.htlcs).to.have.length(2);
      pump(t, t.b.onDownstream(wire(t.c.fulfill(0, p.preimage)), CHAIN), CHAIN);
      expect(t.b.incoming.amount).to.equal(11_000n);
    });

    it('refuses damaged saved states with STATE_INVALID naming the field', () => {
      const t = openTwoHop(CHAIN);
      aAdds(t, { amount: 11_000n, hash: payment('d1').hash, expiry: E_IN }, CHAIN);
      aAdds(t, { amount: 21_000n, hash: payment('d2').hash, expiry: E_IN }, CHAIN);
      const good = JSON.parse(JSON.stringify(t.b.toJSON())) as Json;
      const damaged = (f: (j: Json & { links: Json[]; queue: Json[]; terms: Json }) => void): { code: string; field?: unknown } => {
        const j = JSON.parse(JSON.stringify(good)) as Json & { links: Json[]; queue: Json[]; terms: Json };
        f(j);
        try {
          Forwarder.restore(j, SECRETS);
        } catch (e) {
          if (e instanceof ChannelError) return { code: e.code, field: (e.details as { field?: unknown } | undefined)?.field };
          throw e;
        }
        return { code: 'no error' };
      };
      expect(damaged(() => undefined).code).to.equal('no error');
      expect(damaged((j) => { j.format = 'revchan-forwarder/0'; }).code).to.equal('STATE_INVALID');
      expect(damaged((j) => { j.terms.fee = '2000'; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].out' });
      expect(damaged((j) => { j.terms.claimMargin = 3; })).to.deep.equal({ code: 'STATE_INVALID', field: 'terms' });
      expect(damaged((j) => { j.links[0]!.out = 1; j.links[1]!.out = 0; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].out' });
      expect(damaged((j) => { j.links[1]!.out = 0; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[1].out' });
      expect(damaged((j) => { j.links[0]!.out = 9; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].out' });
      expect(damaged((j) => { j.links[0]!.in = 5; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].in' });
      expect(damaged((j) => { j.links[0]!.preimage = '00'.repeat(32); })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].preimage' });
      expect(damaged((j) => { j.links[0]!.upstream = 'maybe'; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].upstream' });
      expect(damaged((j) => { j.links[0]!.upstream = 'fulfilled'; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].upstream' });
      expect(damaged((j) => { j.links[0]!.refused = 'NOPE'; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].refused' });
      expect(damaged((j) => { j.links[0]!.extra = 1; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links[0].extra' });
      expect(damaged((j) => { j.links[0]!.out = null; }).code).to.equal('STATE_INVALID');
      expect(damaged((j) => { j.queue = [{ op: 'settle', out: 4 }]; })).to.deep.equal({ code: 'STATE_INVALID', field: 'queue[0].out' });
      expect(damaged((j) => { j.queue = [{ op: 'add', in: 0 }]; })).to.deep.equal({ code: 'STATE_INVALID', field: 'queue[0]' });
      expect(damaged((j) => { j.queue = [{ op: 'wait', out: 0 }]; })).to.deep.equal({ code: 'STATE_INVALID', field: 'queue[0].op' });
      expect(damaged((j) => { j.links = {} as never; })).to.deep.equal({ code: 'STATE_INVALID', field: 'links' });
      expect(codeOf(() => Forwarder.restore(null, SECRETS))).to.equal('STATE_INVALID');
    });
  });
});
