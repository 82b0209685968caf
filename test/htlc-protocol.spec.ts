/**
 * The HTLC protocol inside the revocable channel (CONSTRUCTIONS.md 4b-4d):
 * HTLC terms at open, add -> fulfill -> settle and add -> fail -> failHtlc
 * between two parties through the JSON wire, every refusal with its code
 * and both parties' saved states unchanged after it, offers the sender
 * would not make (signed with its real key) refused by the receiver from
 * its own state, resends, restores in the middle of a change, and the
 * saved formats: a plain channel's as before, an HTLC channel's table
 * checked on restore.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import {
  ChainView, ChannelError, ErrorCode, Htlc, HtlcRecord, MAX_HTLCS, Offer, OfferChange, PaymentSigner, Receiver, Sender, decodeMessage,
  deriveUpdateKey, encodeMessage, handleSenderMessage, htlcOf, htlcsAt, paymentFeeWithHtlcs, sha256, toHex,
} from '../lib';
import { CHAIN, openChannel, pay, policy, receiverSecrets, senderSecrets, wire } from './support/parties';
import { receiverHtlc } from './support/htlc';
import { keys } from './support/keys';
import {
  CLTV, CSV, E, HTLC_TERMS, HtlcChannel, addHtlc, complete, failAndRemove, fulfillAndSettle, htlcPolicy, htlcReceiverSecrets, openHtlcChannel,
  payment,
} from './support/htlc-parties';

type Json = Record<string, unknown>;
const CAPACITY = 1_000_000n;
const at = (height: number): ChainView => ({ height, medianTimePast: CHAIN.medianTimePast });
const saved = (p: Sender | Receiver): string => JSON.stringify(p.toJSON());
const copy = (j: unknown): Json => JSON.parse(JSON.stringify(j)) as Json;

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof ChannelError) return e.code;
    throw e;
  }
  return 'no error';
}

/** `run` is refused with `code`, and neither party's saved state changed. */
function refused(c: HtlcChannel, code: ErrorCode, run: () => unknown): void {
  const before = [saved(c.sender), saved(c.receiver)];
  expect(codeOf(run)).to.equal(code);
  expect([saved(c.sender), saved(c.receiver)]).to.deep.equal(before);
}

/**
 * An offer for the receiver's next state that the sender's code would not
 * make, signed with the sender's real funding key over the receiver's
 * version the attacker means: the receiver must refuse it from its own state.
 */
function forged(c: HtlcChannel, o: { amount: bigint; change?: OfferChange; htlcs?: readonly Htlc[]; sig?: Uint8Array }): Offer {
  const index = c.receiver.index + 1;
  const signer = new PaymentSigner(c.receiver.context, 'sender', senderSecrets.fundingKey);
  const htlcs = o.htlcs ?? c.receiver.htlcsAt(c.receiver.index).map(htlcOf);
  const sig = o.sig ?? signer.sign(htlcs.length === 0
    ? signer.receiverVersionHash(BigInt(index), o.amount)
    : signer.versionHash(BigInt(index), { version: 'receiver', amount: o.amount, htlcs }));
  return {
    type: 'offer', channelId: c.receiver.channelId, index, amount: o.amount, updateKey: deriveUpdateKey(senderSecrets.updateSeed, BigInt(index)), sig,
    ...(o.change ? { change: o.change } : {}),
  };
}

const JUNK_SIG = Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x01]);

describe('HTLC protocol in the revocable channel', () => {
  describe('HTLC terms at open', () => {
    it('open_channel proposes D and the dust bound, accept_channel adds R_h; both parties build the channel with them', () => {
      const { sender, message: open } = Sender.open({ capacity: CAPACITY, variant: CSV, feeRate: 1000n, secrets: senderSecrets, htlc: HTLC_TERMS });
      expect(encodeMessage(open).htlc).to.deep.equal({ delay: 6, maxDustExposure: '5000' });
      const { receiver, message: acc } = Receiver.accept(wire(open), htlcReceiverSecrets, htlcPolicy, CHAIN);
      expect(toHex(acc.receiverHtlcKey!)).to.equal(toHex(receiverHtlc.pub));
      sender.onAcceptChannel(wire(acc));
      const c = openHtlcChannel();
      const expected = { receiverHtlcKey: receiverHtlc.pub, delay: { blocks: 6 }, maxDustExposure: 5_000n };
      expect(c.sender.context.params.htlc).to.deep.equal(expected);
      expect(c.receiver.context.params.htlc).to.deep.equal(expected);
      expect(c.sender.toJSON().format).to.equal('revchan-sender/2');
      expect(c.receiver.toJSON().format).to.equal('revchan-receiver/3');
    });

    it('a plain channel keeps its bytes: no HTLC member in its messages, its saved formats as before, and no HTLC carried', () => {
      const c = openChannel(CSV);
      const offer = c.sender.pay(1000n);
      expect(Object.keys(encodeMessage(offer))).to.deep.equal(['type', 'version', 'channelId', 'index', 'amount', 'updateKey', 'sig']);
      const { message: open } = Sender.open({ capacity: CAPACITY, variant: CSV, feeRate: 1000n, secrets: senderSecrets });
      expect(Object.keys(encodeMessage(open))).to.not.include('htlc');
      const { message: acc } = Receiver.accept(open, htlcReceiverSecrets, policy, CHAIN);
      // A receiver holding an HTLC key still opens a plain channel as a plain one.
      expect(Object.keys(encodeMessage(acc))).to.not.include('receiverHtlcKey');
      c.receiver.onRevoke(c.sender.onAccept(c.receiver.onOffer(offer, CHAIN)));
      expect(c.sender.toJSON().format).to.equal('revchan-sender/1');
      expect(c.receiver.toJSON().format).to.equal('revchan-receiver/2');
      expect(Object.keys(c.sender.toJSON())).to.not.include('htlcs');
      refused(c, 'HTLC_NOT_NEGOTIATED', () => c.sender.addHtlc({ amount: 1000n, hash: payment('plain').hash, expiry: E }, CHAIN));
      const add: OfferChange = { kind: 'addHtlc', id: 0, amount: 1000n, hash: payment('plain').hash, expiry: E };
      refused(c, 'HTLC_NOT_NEGOTIATED', () => c.receiver.onOffer(forged(c, { amount: 1000n, change: add, sig: JUNK_SIG }), CHAIN));
      refused(c, 'HTLC_NOT_NEGOTIATED', () => c.receiver.onOffer(forged(c, { amount: 1000n, change: { kind: 'failHtlc', id: 0 }, sig: JUNK_SIG }), CHAIN));
      // An explicit `pay` is a plain payment.
      const explicit = { ...c.sender.pay(500n), change: { kind: 'pay' as const } };
      expect(c.receiver.onRevoke(c.sender.onAccept(c.receiver.onOffer(wire(explicit), CHAIN))).amount).to.equal(1500n);
    });

    it('refuses terms it cannot take, with a typed code', () => {
      const { message: open } = Sender.open({ capacity: CAPACITY, variant: CSV, feeRate: 1000n, secrets: senderSecrets, htlc: HTLC_TERMS });
      const accept = (secrets = htlcReceiverSecrets, p = htlcPolicy, m = open) => codeOf(() => Receiver.accept(m, secrets, p, CHAIN));
      expect(accept(receiverSecrets)).to.equal('INVALID_KEY');
      expect(accept({ ...htlcReceiverSecrets, htlcKey: receiverSecrets.payoutKey })).to.equal('INVALID_KEY');
      expect(accept({ ...htlcReceiverSecrets, htlcKey: new Uint8Array(32) as never })).to.equal('INVALID_KEY');
      // D = 6 is below the default least D (12): a receiver that never said otherwise refuses it.
      expect(accept(htlcReceiverSecrets, policy)).to.equal('INVALID_TIMELOCK');
      expect(accept(htlcReceiverSecrets, { ...htlcPolicy, htlc: { minDelay: 7 } })).to.equal('INVALID_TIMELOCK');
      expect(accept(htlcReceiverSecrets, { ...htlcPolicy, htlc: { minDelay: 1, maxDelay: 5 } })).to.equal('INVALID_TIMELOCK');
      expect(accept(htlcReceiverSecrets, { ...htlcPolicy, htlc: { minDelay: 1, maxDustExposure: 4_999n } })).to.equal('INVALID_AMOUNT');
      expect(accept(htlcReceiverSecrets, { ...htlcPolicy, htlc: { minDelay: 1, claimMargin: -1 } })).to.equal('INVALID_ARGUMENT');
      expect(accept(htlcReceiverSecrets, htlcPolicy, { ...open, htlc: { delay: 0, maxDustExposure: 1n } })).to.equal('INVALID_TIMELOCK');
      expect(accept(htlcReceiverSecrets, htlcPolicy, { ...open, htlc: { delay: 6, maxDustExposure: -1n } })).to.equal('INVALID_AMOUNT');
      expect(accept()).to.equal('no error');

      const opening = (htlc: unknown) => codeOf(() => Sender.open({ capacity: CAPACITY, variant: CSV, feeRate: 1000n, secrets: senderSecrets, htlc: htlc as never }));
      expect(opening({ delay: 0, maxDustExposure: 1n })).to.equal('INVALID_TIMELOCK');
      expect(opening({ delay: 65536, maxDustExposure: 1n })).to.equal('INVALID_TIMELOCK');
      expect(opening({ delay: 6, maxDustExposure: 5000 })).to.equal('INVALID_AMOUNT');
      expect(opening(null)).to.equal('INVALID_ARGUMENT');
    });

    it('the sender refuses an accept_channel without R_h, with a reused one, or with one for a plain channel, and stays in `opening`', () => {
      const start = (htlc?: typeof HTLC_TERMS) => {
        const { sender, message: open } = Sender.open({ capacity: CAPACITY, variant: CSV, feeRate: 1000n, secrets: senderSecrets, ...(htlc ? { htlc } : {}) });
        const { message: acc } = Receiver.accept(open, htlcReceiverSecrets, htlcPolicy, CHAIN);
        return { sender, acc };
      };
      const { sender, acc } = start(HTLC_TERMS);
      const { receiverHtlcKey: _rh, ...without } = acc;
      for (const bad of [without, { ...acc, receiverHtlcKey: acc.receiverPayoutKey }, { ...acc, receiverHtlcKey: keys.senderPayout.pub }]) {
        const before = saved(sender);
        expect(codeOf(() => sender.onAcceptChannel(bad))).to.equal('INVALID_KEY');
        expect(saved(sender)).to.equal(before);
      }
      const plain = start();
      expect(codeOf(() => plain.sender.onAcceptChannel({ ...plain.acc, receiverHtlcKey: receiverHtlc.pub }))).to.equal('INVALID_KEY');
      expect(plain.sender.phase).to.equal('opening');
    });
  });

  describe('add -> fulfill -> settle', () => {
    it('locks the HTLC from the sender\'s balance, then pays it to the receiver\'s total', () => {
      const c = openHtlcChannel();
      pay(c, 10_000n);
      const p = payment('settle');
      const offer = c.sender.addHtlc({ amount: 50_000n, hash: p.hash, expiry: E }, CHAIN);
      expect(offer.amount).to.equal(10_000n);
      expect(offer.change).to.deep.equal({ kind: 'addHtlc', id: 0, amount: 50_000n, hash: p.hash, expiry: E });
      const accept = c.receiver.onOffer(wire(offer), CHAIN);
      // Accepted, not final: the receiver does not count it until the sender revokes the state before.
      expect(c.receiver.htlcs).to.deep.equal([]);
      expect(c.receiver.htlcsAt(2).map((r) => r.id)).to.deep.equal([0]);
      expect(codeOf(() => c.receiver.fulfill(0, p.preimage))).to.equal('PAYMENT_PENDING');
      const added = c.receiver.onRevoke(wire(c.sender.onAccept(wire(accept))));
      expect(added).to.deep.include({ index: 2, amount: 10_000n, increment: 0n });
      expect(added.htlc!.change).to.equal('addHtlc');
      expect(added.htlc!.record).to.deep.equal({ id: 0, amount: 50_000n, hash: p.hash, expiry: E, addedAt: 2 });
      for (const party of [c.sender, c.receiver]) expect(party.htlcs.map((r) => [r.id, r.amount])).to.deep.equal([[0, 50_000n]]);
      const fee = paymentFeeWithHtlcs(1000n, 1);
      expect(c.sender.balance()).to.equal(CAPACITY - 10_000n - 50_000n - fee);
      // Both versions carry the HTLC output; the sender's is revocable around K_2, the receiver's is not.
      const sv = c.sender.latestTransaction();
      const rv = c.receiver.latestTransaction()!;
      for (const tx of [sv, rv]) {
        expect(tx.outs.map((o) => o.value)).to.include(50_000n);
        expect(tx.outs.reduce((s, o) => s + o.value, 0n)).to.equal(CAPACITY - fee);
      }
      expect(toHex(sv.outs.find((o) => o.value === 50_000n)!.script)).to.not.equal(toHex(rv.outs.find((o) => o.value === 50_000n)!.script));

      const fulfill = c.receiver.fulfill(0, p.preimage);
      expect(fulfill).to.deep.include({ type: 'fulfill', id: 0 });
      expect(toHex(c.sender.onFulfill(wire(fulfill)))).to.equal(toHex(p.preimage));
      expect(toHex(c.sender.preimageFor(p.hash)!)).to.equal(toHex(p.preimage));
      expect(toHex(c.receiver.preimageFor(p.hash)!)).to.equal(toHex(p.preimage));
      const settle = c.sender.settleHtlc(0);
      expect(settle.amount).to.equal(60_000n);
      expect(settle.change).to.deep.equal({ kind: 'settleHtlc', id: 0, preimage: p.preimage });
      const settled = complete(c, settle);
      expect(settled).to.deep.include({ index: 3, amount: 60_000n, increment: 50_000n });
      expect(settled.htlc!.change).to.equal('settleHtlc');
      expect(settled.htlc!.record).to.deep.include({ removedAt: 3, outcome: 'fulfilled' });
      for (const party of [c.sender, c.receiver]) {
        expect(party.htlcs).to.deep.equal([]);
        // The history stays: state 2 still carries the HTLC, for a penalty or a watcher.
        expect(party.htlcsAt(2).map((r) => r.id)).to.deep.equal([0]);
        expect(party.htlcsAt(3)).to.deep.equal([]);
      }
      expect(c.sender.balance()).to.equal(CAPACITY - 60_000n - paymentFeeWithHtlcs(1000n, 0));
      expect(pay(c, 1_000n).amount).to.equal(61_000n);
      expect(c.sender.latestTransaction().outs).to.have.length(2);
    });

    it('a dust HTLC is trimmed in both versions: no output, its amount on the fee until it is settled', () => {
      const c = openHtlcChannel();
      pay(c, 10_000n);
      const p = payment('dust');
      addHtlc(c, 300n, p.hash);
      expect(c.sender.latestTransaction().outs).to.have.length(2);
      expect(c.receiver.latestTransaction()!.outs.reduce((s, o) => s + o.value, 0n)).to.equal(CAPACITY - 300n - paymentFeeWithHtlcs(1000n, 0));
      expect(fulfillAndSettle(c, 0, p.preimage).amount).to.equal(10_300n);
    });

    it('many HTLCs in flight at once, settled and failed out of order', () => {
      const c = openHtlcChannel();
      pay(c, 10_000n);
      const ps = [0, 1, 2, 3].map((i) => payment(`many ${i}`));
      ps.forEach((p, i) => addHtlc(c, 10_000n + BigInt(i), p.hash, E + i));
      expect(c.receiver.latestTransaction()!.outs).to.have.length(6);
      fulfillAndSettle(c, 2, ps[2]!.preimage);
      failAndRemove(c, 0);
      fulfillAndSettle(c, 3, ps[3]!.preimage);
      expect(c.receiver.htlcs.map((r) => r.id)).to.deep.equal([1]);
      expect(c.receiver.amount).to.equal(10_000n + 10_002n + 10_003n);
      expect(c.sender.amount).to.equal(c.receiver.amount);
      expect(c.sender.htlcTable.map((r) => r.outcome ?? 'live')).to.deep.equal(['failed', 'live', 'fulfilled', 'fulfilled']);
    });
  });

  describe('add -> fail -> failHtlc', () => {
    it('the receiver gives the HTLC up; the sender removes it at once and has its amount back', () => {
      const c = openHtlcChannel();
      pay(c, 10_000n);
      const p = payment('fail');
      addHtlc(c, 40_000n, p.hash);
      const balance = c.sender.balance();
      const fail = c.receiver.fail(0, 'downstream-failed');
      expect(fail).to.deep.include({ type: 'fail', id: 0, reason: 'downstream-failed' });
      expect(c.sender.onFail(wire(fail))).to.deep.include({ id: 0, outcome: 'failed' });
      // Without a chain view: the receiver's fail is the sender's leave.
      const offer = c.sender.failHtlc(0);
      expect(offer.amount).to.equal(10_000n);
      expect(offer.change).to.deep.equal({ kind: 'failHtlc', id: 0 });
      const done = complete(c, offer);
      expect(done).to.deep.include({ amount: 10_000n, increment: 0n });
      expect(done.htlc!.record).to.deep.include({ outcome: 'failed', removedAt: 3 });
      expect(c.sender.balance()).to.equal(balance + 40_000n + paymentFeeWithHtlcs(1000n, 1) - paymentFeeWithHtlcs(1000n, 0));
      // R3: E - D + M.
      expect(c.sender.htlcDeadAt(0)).to.equal(E - 6 + 6);
      expect(c.sender.htlcDeadAt(0, 12)).to.equal(E - 6 + 12);
      expect(codeOf(() => c.sender.htlcDeadAt(7))).to.equal('HTLC_UNKNOWN');
      expect(c.receiver.htlcClaimDeadline(0)).to.equal(E - 6 - 12);
    });

    it('without the receiver\'s fail, the sender removes an HTLC only from its expiry, and the receiver takes it only then', () => {
      const c = openHtlcChannel();
      addHtlc(c, 40_000n, payment('expiry').hash);
      refused(c, 'INVALID_ARGUMENT', () => c.sender.failHtlc(0));
      refused(c, 'HTLC_NOT_EXPIRED', () => c.sender.failHtlc(0, at(E - 1)));
      // The sender's code would not, but its key can: the receiver refuses from its own view of the chain.
      const early = forged(c, { amount: 0n, change: { kind: 'failHtlc', id: 0 }, htlcs: [] });
      refused(c, 'HTLC_NOT_EXPIRED', () => c.receiver.onOffer(early, at(E - 1)));
      refused(c, 'INVALID_ARGUMENT', () => c.receiver.onOffer(early));
      const offer = c.sender.failHtlc(0, at(E));
      expect(complete(c, offer, at(E)).htlc!.change).to.equal('failHtlc');
      expect(c.receiver.htlcs).to.deep.equal([]);
    });
  });

  describe('refusals: a typed code, and neither party changes', () => {
    let c: HtlcChannel;
    const p = payment('refusals');
    const q = payment('another');
    beforeEach(() => {
      c = openHtlcChannel();
      pay(c, 10_000n);
      addHtlc(c, 50_000n, p.hash);
    });
    const add = (o: Partial<Extract<OfferChange, { kind: 'addHtlc' }>> = {}): Extract<OfferChange, { kind: 'addHtlc' }> => ({
      kind: 'addHtlc', id: 1, amount: 20_000n, hash: q.hash, expiry: E, ...o,
    });
    /** The receiver's next version with its live HTLCs and this one. */
    const withNew = (h: Extract<OfferChange, { kind: 'addHtlc' }>) => [...c.receiver.htlcs.map(htlcOf), { amount: h.amount, hash: h.hash, expiry: { height: h.expiry } }];

    it('R1: an expiry too close to the tip (receiver: tip + 20; sender: above the tip)', () => {
      const h = add({ expiry: CHAIN.height + 19 });
      refused(c, 'HTLC_EXPIRY_TOO_SOON', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: h, htlcs: withNew(h) }), CHAIN));
      refused(c, 'HTLC_EXPIRY_TOO_SOON', () => c.sender.addHtlc({ amount: 1000n, hash: q.hash, expiry: CHAIN.height }, CHAIN));
      refused(c, 'INVALID_ARGUMENT', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: add(), htlcs: withNew(add()) })));
      const ok = add({ expiry: CHAIN.height + 20 });
      expect(codeOf(() => c.receiver.onOffer(forged(c, { amount: 10_000n, change: ok, htlcs: withNew(ok) }), CHAIN))).to.equal('no error');
    });

    it('a CLTV channel takes only HTLCs that resolve before its cutoff: E + D + G <= T - margin', () => {
      const k = openHtlcChannel(CLTV);
      const h = (expiry: number) => ({ kind: 'addHtlc' as const, id: 0, amount: 20_000n, hash: q.hash, expiry });
      // T = 1000, margin 10, D = 6, G = 12: E at most 972.
      const offer = (e: number) => forged(k, { amount: 0n, change: h(e), htlcs: [{ amount: 20_000n, hash: q.hash, expiry: { height: e } }] });
      refused(k, 'HTLC_EXPIRY_PAST_CHANNEL', () => k.receiver.onOffer(offer(973), CHAIN));
      // The sender's own bound leaves out G: E + D <= T - margin.
      refused(k, 'HTLC_EXPIRY_PAST_CHANNEL', () => k.sender.addHtlc({ amount: 1000n, hash: q.hash, expiry: 985 }, CHAIN));
      expect(codeOf(() => k.receiver.onOffer(offer(972), CHAIN))).to.equal('no error');
    });

    it('more HTLCs than a version carries (MAX_HTLCS), refused on both sides', function () {
      this.timeout(120_000);
      // Dust HTLCs have no output, so 483 of them cost little to sign.
      const k = openHtlcChannel(CSV, { terms: { delay: 6, maxDustExposure: 200_000n }, policy: { ...htlcPolicy, htlc: { ...htlcPolicy.htlc, maxDustExposure: 200_000n } } });
      for (let i = 0; i < MAX_HTLCS; i++) addHtlc(k, 1n, q.hash);
      expect(k.receiver.htlcs).to.have.length(MAX_HTLCS);
      refused(k, 'HTLC_TOO_MANY', () => k.sender.addHtlc({ amount: 1n, hash: q.hash, expiry: E }, CHAIN));
      const h = { kind: 'addHtlc' as const, id: MAX_HTLCS, amount: 1n, hash: q.hash, expiry: E };
      refused(k, 'HTLC_TOO_MANY', () => k.receiver.onOffer(forged(k, { amount: 0n, change: h, sig: JUNK_SIG }), CHAIN));
      // The saved table of 483 restores; one settled makes room for another.
      expect(Receiver.restore(copy(k.receiver.toJSON()), htlcReceiverSecrets).htlcs).to.have.length(MAX_HTLCS);
      failAndRemove(k, 0);
      addHtlc(k, 1n, q.hash);
    });

    it('dust HTLCs over the channel\'s bound', () => {
      // 5,000 sat of trimmed HTLCs at most: fifteen of 329 sat fit, a sixteenth does not.
      for (let i = 0; i < 15; i++) addHtlc(c, 329n, q.hash);
      refused(c, 'HTLC_DUST_EXPOSURE', () => c.sender.addHtlc({ amount: 329n, hash: q.hash, expiry: E }, CHAIN));
      const h = add({ id: 16, amount: 329n });
      refused(c, 'HTLC_DUST_EXPOSURE', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: h, sig: JUNK_SIG }), CHAIN));
      // An HTLC from the dust limit up is an output, not on the bound.
      addHtlc(c, 330n, q.hash);
    });

    it('an HTLC the sender\'s balance cannot carry with the fee of its output', () => {
      const fee = paymentFeeWithHtlcs(1000n, 2);
      const max = CAPACITY - 10_000n - 50_000n - fee;
      refused(c, 'AMOUNT_EXCEEDS_CAPACITY', () => c.sender.addHtlc({ amount: max + 1n, hash: q.hash, expiry: E }, CHAIN));
      const h = add({ amount: max + 1n });
      refused(c, 'AMOUNT_EXCEEDS_CAPACITY', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: h, sig: JUNK_SIG }), CHAIN));
      // A payment on top of the HTLC counts it too.
      refused(c, 'AMOUNT_EXCEEDS_CAPACITY', () => c.sender.pay(CAPACITY - 10_000n - 50_000n - paymentFeeWithHtlcs(1000n, 1) + 1n));
      refused(c, 'AMOUNT_EXCEEDS_CAPACITY', () => c.receiver.onOffer(forged(c, { amount: CAPACITY - 50_000n, sig: JUNK_SIG }), CHAIN));
      expect(codeOf(() => c.sender.addHtlc({ amount: max, hash: q.hash, expiry: E }, CHAIN))).to.equal('no error');
    });

    it('an id out of sequence, an unknown id, an HTLC already removed', () => {
      for (const id of [0, 2, -1, 1.5]) {
        const h = add({ id });
        refused(c, 'UPDATE_INDEX_MISMATCH', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: h, htlcs: withNew(h) }), CHAIN));
      }
      refused(c, 'HTLC_UNKNOWN', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: { kind: 'failHtlc', id: 1 }, sig: JUNK_SIG }), at(E)));
      refused(c, 'HTLC_UNKNOWN', () => c.receiver.onOffer(forged(c, { amount: 60_000n, change: { kind: 'settleHtlc', id: 7, preimage: p.preimage }, sig: JUNK_SIG }), CHAIN));
      refused(c, 'HTLC_UNKNOWN', () => c.sender.settleHtlc(1));
      refused(c, 'HTLC_UNKNOWN', () => c.sender.failHtlc(1, at(E)));
      refused(c, 'HTLC_UNKNOWN', () => c.receiver.fulfill(1, p.preimage));
      refused(c, 'HTLC_UNKNOWN', () => c.receiver.fail(1, 'other'));
      refused(c, 'HTLC_UNKNOWN', () => c.sender.onFulfill({ type: 'fulfill', channelId: c.sender.channelId, id: 1, preimage: p.preimage }));
      refused(c, 'HTLC_UNKNOWN', () => c.sender.onFail({ type: 'fail', channelId: c.sender.channelId, id: 1, reason: 'other' }));
      fulfillAndSettle(c, 0, p.preimage);
      // Settled: a second settle or a fail of it is unknown, whatever its preimage.
      refused(c, 'HTLC_UNKNOWN', () => c.receiver.onOffer(forged(c, { amount: 110_000n, change: { kind: 'settleHtlc', id: 0, preimage: p.preimage }, sig: JUNK_SIG }), CHAIN));
      refused(c, 'HTLC_UNKNOWN', () => c.sender.failHtlc(0, at(E)));
      refused(c, 'HTLC_UNKNOWN', () => c.receiver.fail(0, 'other'));
    });

    it('a preimage that does not open the HTLC', () => {
      const bad = [q.preimage, p.hash, new Uint8Array(32), p.preimage.subarray(1), Uint8Array.from([...p.preimage, 0])];
      for (const preimage of bad) {
        refused(c, 'HTLC_PREIMAGE_MISMATCH', () => c.receiver.onOffer(forged(c, { amount: 60_000n, change: { kind: 'settleHtlc', id: 0, preimage }, htlcs: [] }), CHAIN));
        refused(c, 'HTLC_PREIMAGE_MISMATCH', () => c.sender.onFulfill({ type: 'fulfill', channelId: c.sender.channelId, id: 0, preimage }));
        refused(c, 'HTLC_PREIMAGE_MISMATCH', () => c.receiver.fulfill(0, preimage));
      }
      // Without the receiver's preimage the sender has nothing to settle with.
      refused(c, 'UNEXPECTED_MESSAGE', () => c.sender.settleHtlc(0));
    });

    it('an amount that is not the one the change gives', () => {
      const h = add();
      refused(c, 'INVALID_AMOUNT', () => c.receiver.onOffer(forged(c, { amount: 10_001n, change: h, htlcs: withNew(h) }), CHAIN));
      refused(c, 'INVALID_AMOUNT', () => c.receiver.onOffer(forged(c, { amount: 60_001n, change: { kind: 'settleHtlc', id: 0, preimage: p.preimage }, htlcs: [] }), CHAIN));
      refused(c, 'INVALID_AMOUNT', () => c.receiver.onOffer(forged(c, { amount: 59_999n, change: { kind: 'settleHtlc', id: 0, preimage: p.preimage }, htlcs: [] }), CHAIN));
      c.sender.onFail(wire(c.receiver.fail(0, 'other')));
      // A fail that also moves the HTLC to the receiver's total.
      refused(c, 'INVALID_AMOUNT', () => c.receiver.onOffer(forged(c, { amount: 60_000n, change: { kind: 'failHtlc', id: 0 }, htlcs: [] }), CHAIN));
      refused(c, 'INVALID_AMOUNT', () => c.receiver.onOffer(forged(c, { amount: 9_999n, change: { kind: 'failHtlc', id: 0 }, htlcs: [] }), CHAIN));
    });

    it('a signature over another version than the receiver rebuilds from its state and the change', () => {
      const h = add();
      // The version without the new HTLC, the HTLC with another expiry, another amount or hash, or the sender's version.
      const others: Htlc[][] = [
        c.receiver.htlcs.map(htlcOf),
        [...c.receiver.htlcs.map(htlcOf), { amount: 20_000n, hash: q.hash, expiry: { height: E + 1 } }],
        [...c.receiver.htlcs.map(htlcOf), { amount: 20_001n, hash: q.hash, expiry: { height: E } }],
        [...c.receiver.htlcs.map(htlcOf), { amount: 20_000n, hash: p.hash, expiry: { height: E } }],
      ];
      for (const htlcs of others) refused(c, 'INVALID_SIGNATURE', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: h, htlcs }), CHAIN));
      // The sender's real settle offer with its signature, under a fail: the receiver's version differs by the HTLC's amount.
      c.sender.onFulfill(wire(c.receiver.fulfill(0, p.preimage)));
      const settle = c.sender.settleHtlc(0);
      refused(c, 'INVALID_SIGNATURE', () => c.receiver.onOffer({ ...settle, amount: 60_000n, change: { kind: 'settleHtlc', id: 0, preimage: p.preimage }, sig: forged(c, { amount: 10_000n, htlcs: [] }).sig }, CHAIN));
      expect(codeOf(() => c.receiver.onOffer(wire(settle), CHAIN))).to.equal('no error');
    });

    it('an HTLC change while an offer is in flight', () => {
      c.sender.pay(1000n);
      expect(codeOf(() => c.sender.addHtlc({ amount: 1000n, hash: q.hash, expiry: E }, CHAIN))).to.equal('PAYMENT_PENDING');
      expect(codeOf(() => c.sender.failHtlc(0, at(E)))).to.equal('PAYMENT_PENDING');
      const s = c.sender.toJSON();
      c.sender.onFulfill(wire(c.receiver.fulfill(0, p.preimage)));
      expect(codeOf(() => c.sender.settleHtlc(0))).to.equal('PAYMENT_PENDING');
      expect(encodeMessage(Sender.restore(s, senderSecrets).pendingOffer())).to.deep.equal(encodeMessage(c.sender.pendingOffer()));
    });

    it('a failHtlc the receiver never agreed to, before the expiry', () => {
      refused(c, 'HTLC_NOT_EXPIRED', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: { kind: 'failHtlc', id: 0 }, htlcs: [] }), at(E - 1)));
      // Not after it gave the preimage either.
      c.sender.onFulfill(wire(c.receiver.fulfill(0, p.preimage)));
      refused(c, 'HTLC_NOT_EXPIRED', () => c.receiver.onOffer(forged(c, { amount: 10_000n, change: { kind: 'failHtlc', id: 0 }, htlcs: [] }), at(E - 1)));
      refused(c, 'HTLC_NOT_EXPIRED', () => c.sender.failHtlc(0, at(E - 1)));
    });

    it('contradictions: a fail after the preimage, a fulfill after a fail', () => {
      const k = openHtlcChannel();
      addHtlc(k, 20_000n, q.hash);
      c.receiver.fulfill(0, p.preimage);
      refused(c, 'UNEXPECTED_MESSAGE', () => c.receiver.fail(0, 'other'));
      k.receiver.fail(0, 'other');
      refused(k, 'UNEXPECTED_MESSAGE', () => k.receiver.fulfill(0, q.preimage));
      // The sender, told the preimage, takes no fail for it.
      c.sender.onFulfill(wire(c.receiver.fulfill(0, p.preimage)));
      refused(c, 'UNEXPECTED_MESSAGE', () => c.sender.onFail({ type: 'fail', channelId: c.sender.channelId, id: 0, reason: 'other' }));
      refused(c, 'MESSAGE_INVALID', () => c.sender.onFail({ type: 'fail', channelId: c.sender.channelId, id: 0, reason: 'because' as never }));
      refused(c, 'INVALID_ARGUMENT', () => c.receiver.fail(0, 'because' as never));
      refused(c, 'WRONG_CHANNEL', () => c.sender.onFulfill({ type: 'fulfill', channelId: new Uint8Array(32), id: 0, preimage: p.preimage }));
    });

    it('a cooperative close with an HTLC in flight, proposed or answered by either party', () => {
      refused(c, 'PAYMENT_PENDING', () => c.sender.proposeClose(2000n));
      refused(c, 'PAYMENT_PENDING', () => c.receiver.proposeClose(2000n));
      // A close_offer signed by the sender's key over the last amount: the receiver does not sign it.
      const signer = new PaymentSigner(c.sender.context, 'sender', senderSecrets.fundingKey);
      const closeOffer = { type: 'close_offer' as const, channelId: c.sender.channelId, amount: 10_000n, feeRate: 2000n, sig: signer.sign(signer.closeHash(10_000n, 2000n)) };
      refused(c, 'PAYMENT_PENDING', () => c.receiver.onCloseOffer(closeOffer));
      const rsigner = new PaymentSigner(c.receiver.context, 'receiver', receiverSecrets.fundingKey);
      refused(c, 'PAYMENT_PENDING', () => c.sender.onCloseOffer({ ...closeOffer, sig: rsigner.sign(rsigner.closeHash(10_000n, 2000n)) }, 5000n));
      failAndRemove(c, 0);
      c.sender.onCloseSigned(wire(c.receiver.onCloseOffer(wire(c.sender.proposeClose(2000n))).message));
      expect(c.sender.phase).to.equal('closed');
    });
  });

  describe('resends and restarts', () => {
    it('an HTLC offer resent is answered again; another change for the same state is refused', () => {
      const c = openHtlcChannel();
      const p = payment('resend');
      const offer = c.sender.addHtlc({ amount: 30_000n, hash: p.hash, expiry: E }, CHAIN);
      expect(JSON.stringify(encodeMessage(c.sender.pendingOffer()))).to.equal(JSON.stringify(encodeMessage(offer)));
      const accept = c.receiver.onOffer(wire(offer), CHAIN);
      expect(encodeMessage(c.receiver.onOffer(wire(offer), CHAIN))).to.deep.equal(encodeMessage(accept));
      expect(encodeMessage(c.receiver.pendingAccept())).to.deep.equal(encodeMessage(accept));
      const other = { ...offer, change: { ...offer.change!, expiry: E + 1 } as OfferChange };
      refused(c, 'PAYMENT_PENDING', () => c.receiver.onOffer(other, CHAIN));
      refused(c, 'PAYMENT_PENDING', () => c.receiver.onOffer({ ...offer, change: undefined }, CHAIN));
      complete(c, offer);
      // The fulfill and the fail of the receiver, and the sender's reading of them, repeat harmlessly.
      const f1 = c.receiver.fulfill(0, p.preimage);
      const f2 = c.receiver.fulfill(0, p.preimage);
      expect(JSON.stringify(encodeMessage(f2))).to.equal(JSON.stringify(encodeMessage(f1)));
      c.sender.onFulfill(wire(f1));
      const s = saved(c.sender);
      c.sender.onFulfill(wire(f2));
      expect(saved(c.sender)).to.equal(s);
    });

    it('each party restored from its saved state in the middle of a change carries on', () => {
      const c = openHtlcChannel();
      pay(c, 5_000n);
      const p = payment('restore');
      const restart = () => {
        c.sender = Sender.restore(copy(c.sender.toJSON()), senderSecrets);
        c.receiver = Receiver.restore(copy(c.receiver.toJSON()), htlcReceiverSecrets);
      };
      const offer = c.sender.addHtlc({ amount: 30_000n, hash: p.hash, expiry: E }, CHAIN);
      restart();
      expect(encodeMessage(c.sender.pendingOffer())).to.deep.equal(encodeMessage(offer));
      const accept = c.receiver.onOffer(wire(offer), CHAIN);
      restart();
      expect(encodeMessage(c.receiver.pendingAccept())).to.deep.equal(encodeMessage(accept));
      const revoke = c.sender.onAccept(wire(accept));
      restart();
      expect(c.receiver.onRevoke(wire(revoke)).htlc!.change).to.equal('addHtlc');
      restart();
      c.sender.onFulfill(wire(c.receiver.fulfill(0, p.preimage)));
      restart();
      expect(c.sender.htlcs[0]!.preimage).to.deep.equal(p.preimage);
      const settle = c.sender.settleHtlc(0);
      restart();
      expect(encodeMessage(c.sender.pendingOffer())).to.deep.equal(encodeMessage(settle));
      complete(c, settle);
      restart();
      expect([c.sender.amount, c.receiver.amount]).to.deep.equal([35_000n, 35_000n]);
      expect(c.receiver.htlcsAt(2)[0]).to.deep.include({ id: 0, removedAt: 3, outcome: 'fulfilled' });
    });

    it('handleSenderMessage takes a fulfill (giving its preimage) and a fail', () => {
      const c = openHtlcChannel();
      const p = payment('steps');
      addHtlc(c, 30_000n, p.hash);
      addHtlc(c, 20_000n, payment('steps 2').hash);
      const step = handleSenderMessage(c.sender, decodeMessage(JSON.parse(JSON.stringify(encodeMessage(c.receiver.fulfill(0, p.preimage))))));
      expect(toHex(step.preimage!)).to.equal(toHex(p.preimage));
      expect(step.send).to.equal(undefined);
      expect(JSON.stringify(step.save)).to.equal(saved(c.sender));
      handleSenderMessage(c.sender, wire(c.receiver.fail(1, 'temporary')));
      expect(c.sender.htlcs[1]!.outcome).to.equal('failed');
    });
  });

  describe('saved state', () => {
    function live(): { c: HtlcChannel; p: ReturnType<typeof payment> } {
      const c = openHtlcChannel();
      pay(c, 5_000n);
      const p = payment('saved');
      addHtlc(c, 30_000n, p.hash);
      addHtlc(c, 20_000n, payment('saved 2').hash);
      fulfillAndSettle(c, 0, p.preimage);
      // An add in flight: accepted by the receiver, the sender waits for its revoke.
      c.sender.onAccept(c.receiver.onOffer(c.sender.addHtlc({ amount: 10_000n, hash: payment('saved 3').hash, expiry: E }, CHAIN), CHAIN));
      return { c, p };
    }

    it('both parties save the table and restore it exactly', () => {
      const { c } = live();
      for (const [party, restore] of [[c.sender, (j: Json) => Sender.restore(j, senderSecrets)], [c.receiver, (j: Json) => Receiver.restore(j, htlcReceiverSecrets)]] as const) {
        const j = copy(party.toJSON());
        expect((j.htlcs as Json[]).map((r) => r.id)).to.deep.equal([0, 1, 2]);
        expect(saved(restore(j))).to.equal(JSON.stringify(j));
      }
    });

    it('a damaged table is STATE_INVALID', () => {
      const { c } = live();
      const damage: [string, (r: Json[]) => unknown][] = [
        ['a live HTLC\'s amount', (r) => { r[1]!.amount = '20001'; }],
        ['a live HTLC\'s hash', (r) => { r[1]!.hash = toHex(sha256(new Uint8Array(1))); }],
        ['a live HTLC\'s expiry', (r) => { r[1]!.expiry = E + 1; }],
        ['a live HTLC removed', (r) => { r[1]!.removedAt = 5; r[1]!.outcome = 'failed'; }],
        ['a settled HTLC still live', (r) => { r[0]!.removedAt = null; r[0]!.outcome = null; }],
        ['a preimage that does not open its HTLC', (r) => { r[0]!.preimage = '00'.repeat(32); }],
        ['fulfilled without a preimage', (r) => { r[0]!.preimage = null; }],
        ['removed without an outcome', (r) => { r[0]!.outcome = null; }],
        ['ids out of order', (r) => { [r[0], r[1]] = [r[1]!, r[0]!]; }],
        ['an id skipped', (r) => { r[2]!.id = 3; }],
        ['added before the HTLC before it', (r) => { r[1]!.addedAt = 1; }],
        ['removed before it was added', (r) => { r[0]!.removedAt = 1; }],
        ['added after the last state', (r) => { r[2]!.addedAt = 9; }],
        ['two changes in one state', (r) => { r[1]!.addedAt = r[0]!.removedAt; }],
        ['an unknown outcome', (r) => { r[1]!.outcome = 'lost'; }],
        ['an extra member', (r) => { r[1]!.note = 1; }],
        ['a member missing', (r) => { delete r[1]!.preimage; }],
        ['an amount of 0', (r) => { r[0]!.amount = '0'; }],
        ['an expiry in time', (r) => { r[0]!.expiry = 500_000_000; }],
        ['a record that is not an object', (r) => { r[0] = 7 as never; }],
        ['the HTLC in flight gone', (r) => { r.pop(); }],
      ];
      for (const [role, party, restore] of [
        ['sender', c.sender, (j: Json) => Sender.restore(j, senderSecrets)], ['receiver', c.receiver, (j: Json) => Receiver.restore(j, htlcReceiverSecrets)],
      ] as const) {
        for (const [name, change] of damage) {
          const j = copy(party.toJSON());
          change(j.htlcs as Json[]);
          expect(codeOf(() => restore(j)), `${role}: ${name}`).to.equal('STATE_INVALID');
        }
        const formats: [string, (j: Json) => void][] = [
          ['htlcs missing', (j) => { delete j.htlcs; }], ['htlcs not an array', (j) => { j.htlcs = {}; }],
          ['HTLC terms in the format of before', (j) => { j.format = role === 'sender' ? 'revchan-sender/1' : 'revchan-receiver/2'; }],
          ['HTLC terms without R_h', (j) => { (j.terms as Json).receiverHtlcKey = null; }],
          ['HTLC terms with a delay of 0', (j) => { ((j.terms as Json).htlc as Json).delay = 0; }],
        ];
        for (const [name, change] of formats) {
          const j = copy(party.toJSON());
          change(j);
          expect(codeOf(() => restore(j)), `${role}: ${name}`).to.equal('STATE_INVALID');
        }
      }
      // The receiver's own HTLC key must be the channel's.
      expect(codeOf(() => Receiver.restore(copy(c.receiver.toJSON()), receiverSecrets))).to.equal('INVALID_KEY');
      expect(codeOf(() => Receiver.restore(copy(c.receiver.toJSON()), { ...htlcReceiverSecrets, htlcKey: keys.receiverPayout.priv }))).to.equal('INVALID_KEY');
    });

    it('states saved by the code of before HTLCs restore, resend the same offer and accept, save as they were and carry on', () => {
      const file = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'saved-state', 'before-htlcs.json'), 'utf8')) as Record<string, Json>;
      const s = Sender.restore(copy(file.sender), senderSecrets);
      const r = Receiver.restore(copy(file.receiver), receiverSecrets);
      expect(saved(s)).to.equal(JSON.stringify(file.sender));
      expect(saved(r)).to.equal(JSON.stringify(file.receiver));
      expect(encodeMessage(s.pendingOffer())).to.deep.equal(file.offer);
      expect(encodeMessage(r.pendingAccept())).to.deep.equal(file.accept);
      expect(r.onRevoke(wire(s.onAccept(decodeMessage(file.accept) as never))).amount).to.equal(1000n + 1001n + 1002n + 2500n);
      expect(pay({ sender: s, receiver: r }, 1_000n).index).to.equal(5);
      expect(codeOf(() => s.addHtlc({ amount: 1000n, hash: payment('old').hash, expiry: E }, CHAIN))).to.equal('HTLC_NOT_NEGOTIATED');
    });

    it('a plain channel\'s state in the format of before restores, carries on, and saves byte for byte as it was', () => {
      const c = openChannel(CSV);
      for (let i = 0; i < 3; i++) pay(c, 1_000n);
      const sj = copy(c.sender.toJSON());
      const rj = copy(c.receiver.toJSON());
      expect([sj.format, rj.format]).to.deep.equal(['revchan-sender/1', 'revchan-receiver/2']);
      expect(Object.keys(sj)).to.deep.equal(['format', 'phase', 'terms', 'funding', 'index', 'amount', 'receiverSig', 'pending', 'close']);
      const s = Sender.restore(sj, senderSecrets);
      const r = Receiver.restore(rj, receiverSecrets);
      expect(saved(s)).to.equal(JSON.stringify(sj));
      expect(saved(r)).to.equal(JSON.stringify(rj));
      expect(pay({ sender: s, receiver: r }, 1_000n).amount).to.equal(4_000n);
      expect(s.htlcTable).to.deep.equal([]);
      expect(htlcsAt([], 3)).to.deep.equal([]);
      // Those formats hold no HTLCs.
      expect(codeOf(() => Sender.restore({ ...sj, htlcs: [] }, senderSecrets))).to.equal('STATE_INVALID');
      expect(codeOf(() => Receiver.restore({ ...rj, htlcs: [] }, receiverSecrets))).to.equal('STATE_INVALID');
    });
  });

  it('the HTLC records handed out are copies', () => {
    const c = openHtlcChannel();
    const p = payment('copies');
    addHtlc(c, 30_000n, p.hash);
    const r: HtlcRecord = c.receiver.htlcs[0]!;
    r.hash.fill(0);
    (c.sender.htlcTable[0]!.hash as Uint8Array).fill(0);
    expect(toHex(c.receiver.htlcs[0]!.hash)).to.equal(toHex(p.hash));
    expect(toHex(c.sender.htlcs[0]!.hash)).to.equal(toHex(p.hash));
  });
});
