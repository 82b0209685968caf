/**
 * Fuzzing the HTLC protocol through the shared harness (seed, run count, the
 * typed-or-ChannelError verdict): the saved states of a channel with HTLCs
 * in every step of an HTLC's life (the htlc-parties corpus files' parties)
 * mutated and restored; every call of a restored party, HTLC ones included,
 * answered with a value or a ChannelError; and the HTLC messages (offers
 * with each change, fulfill, fail) mutated as JSON, decoded, and handed to
 * the parties that take them: refused ones leave the party's saved state as
 * it was.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { Receiver, ReceiverSecrets, Sender, SenderSecrets, decodeMessage, encodeMessage } from '../lib';
import { Baselines, Tagged, decode } from './support/bad-inputs-codec';
import { RUNS, SEED, fuzz, typed } from './support/fuzz-harness';
import { canonicalJson, mutatedJson } from './support/fuzz-mutations';
import { CHAIN } from './support/parties';

const DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'bad-inputs');

interface Saved {
  readonly role: string;
  readonly state: unknown;
  readonly secrets: unknown;
}

/** The parties and baselines of the HTLC protocol's corpus files, by name. */
function corpus(): { parties: Record<string, Saved>; baselines: Record<string, unknown> } {
  const parties: Record<string, Saved> = {};
  const baselines: Record<string, unknown> = {};
  for (const f of readdirSync(DIR).filter((n) => n.startsWith('htlc-parties-')).sort()) {
    const j = JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as { baselines: Baselines; parties: Record<string, Tagged> };
    for (const [name, t] of Object.entries(j.parties)) if (!(name in parties)) parties[name] = decode(t, j.baselines) as Saved;
    for (const name of Object.keys(j.baselines)) if (!(name in baselines)) baselines[name] = decode(j.baselines[name]!, j.baselines);
  }
  return { parties, baselines };
}

describe(`HTLC protocol fuzz (seed ${SEED}, ${RUNS} inputs per target)`, () => {
  const { parties, baselines } = corpus();
  const of = (role: string) => Object.entries(parties).filter(([n, p]) => p.role === role && n.startsWith('htlc')).map(([, p]) => p);
  const senderSecrets = baselines.senderSecrets as SenderSecrets;
  const receiverSecrets = baselines.receiverSecrets as ReceiverSecrets;
  const senders = of('sender');
  const receivers = of('receiver');

  it('reads the saved parties of every step', () => {
    expect(senders.length).to.be.at.least(5);
    expect(receivers.length).to.be.at.least(5);
  });

  fuzz('Sender.restore of a channel with HTLCs', mutatedJson(senders.map((p) => p.state)), (x) => {
    const r = typed(() => Sender.restore(x, senderSecrets));
    if ('value' in r && isJson(x)) {
      const saved = JSON.stringify(r.value.toJSON());
      expect(JSON.stringify(Sender.restore(JSON.parse(saved), senderSecrets).toJSON())).to.equal(saved);
    }
  });

  fuzz('Receiver.restore of a channel with HTLCs', mutatedJson(receivers.map((p) => p.state)), (x) => {
    const r = typed(() => Receiver.restore(x, receiverSecrets));
    if ('value' in r && isJson(x)) {
      const saved = JSON.stringify(r.value.toJSON());
      expect(JSON.stringify(Receiver.restore(JSON.parse(saved), receiverSecrets).toJSON())).to.equal(saved);
    }
  });

  const b = baselines as Record<string, never>;
  const expired = baselines.expired as never;
  fuzz('a restored sender answers every call with a result or a ChannelError', mutatedJson(senders.map((p) => p.state)), (x) => {
    const r = typed(() => Sender.restore(x, senderSecrets));
    if (!('value' in r)) return;
    const s = r.value;
    for (const call of [
      () => s.addHtlc(b.newHtlc, CHAIN), () => s.settleHtlc(0), () => s.failHtlc(1, expired), () => s.failHtlc(1), () => s.onFulfill(b.fulfill), () => s.onFail(b.fail),
      () => s.onAccept(b.acceptAdd), () => s.pendingOffer(), () => s.htlcsAt(3), () => s.htlcs, () => s.htlcTable, () => s.htlcDeadAt(1), () => s.latestTransaction(),
      () => s.balance(), () => s.proposeClose(1000n), () => s.pay(500n),
    ] as (() => unknown)[]) typed(call);
  });

  fuzz('a restored receiver answers every call with a result or a ChannelError', mutatedJson(receivers.map((p) => p.state)), (x) => {
    const r = typed(() => Receiver.restore(x, receiverSecrets));
    if (!('value' in r)) return;
    const p = r.value;
    for (const call of [
      () => p.onOffer(b.offerSettle, CHAIN), () => p.onOffer(b.offerFail, expired), () => p.onOffer(b.offerAdd, CHAIN), () => p.onRevoke(b.revokeAdd),
      () => p.fulfill(0, (b.fulfill as { preimage: Uint8Array }).preimage), () => p.fail(1, 'other'), () => p.htlcsAt(2), () => p.htlcs, () => p.htlcClaimDeadline(0),
      () => p.latestTransaction(), () => p.proposeClose(1000n), () => p.pendingAccept(),
    ] as (() => unknown)[]) typed(call);
  });

  // The messages of an HTLC's life, as JSON, and the parties that take each.
  const wire = ['offerAdd', 'offerSettle', 'offerFail', 'fulfill', 'fail', 'acceptAdd', 'revokeAdd'].map((n) => encodeMessage(baselines[n] as never));
  const routes: Record<string, [string, (party: Sender | Receiver, m: never) => unknown][]> = {
    offer: [['htlcReceiverLive', (p, m) => (p as Receiver).onOffer(m, CHAIN)], ['htlcReceiverFailed', (p, m) => (p as Receiver).onOffer(m, expired)]],
    fulfill: [['htlcSenderLive', (p, m) => (p as Sender).onFulfill(m)]],
    fail: [['htlcSenderLive', (p, m) => (p as Sender).onFail(m)], ['htlcSenderFulfilled', (p, m) => (p as Sender).onFail(m)]],
    accept: [['htlcSenderPending', (p, m) => (p as Sender).onAccept(m)]],
    revoke: [['htlcReceiverPending', (p, m) => (p as Receiver).onRevoke(m)]],
  };
  const restore = (name: string): Sender | Receiver => {
    const s = parties[name]!;
    return s.role === 'sender' ? Sender.restore(s.state, senderSecrets) : Receiver.restore(s.state, receiverSecrets);
  };
  fuzz('HTLC messages mutated, decoded, then the party that takes them: a refusal changes nothing', mutatedJson(wire), (x) => {
    const d = typed(() => decodeMessage(x));
    if (!('value' in d)) return;
    for (const [name, call] of routes[d.value.type] ?? []) {
      const party = restore(name);
      const before = JSON.stringify(party.toJSON());
      const r = typed(() => call(party, d.value as never));
      if ('code' in r) expect(JSON.stringify(party.toJSON()), `${name} refused with ${r.code} but changed`).to.equal(before);
    }
  }, Math.max(1, Math.floor(RUNS / 2)));

  it('the HTLC offers, fulfill and fail decode to what they encode', () => {
    for (const j of wire) expect(canonicalJson(encodeMessage(decodeMessage(j)))).to.equal(canonicalJson(j));
  });
});

/** A saved state is JSON: values JSON has no form for are kept by restore and cannot be saved. */
function isJson(x: unknown): boolean {
  try {
    return canonicalJson(JSON.parse(JSON.stringify(x))) === canonicalJson(x);
  } catch {
    return false;
  }
}
