import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelError, PaymentSigner, Receiver, Sender, decodeMessage, encodeMessage, deriveUpdateSecret, derivePublicKey, PrivateKey, PublicKey, Offer, Variant,
} from '../lib';
import { VARIANTS } from './support/channel';
import { CHAIN, destination, openChannel, pay, receiverSecrets, senderSecrets, wire } from './support/parties';
import { verifyInputs } from './support/verify';
import { valueTo } from './support/e2e';

function verifyFundingSpend(tx: Transaction, c: { sender: Sender }) {
  verifyInputs(tx.toBuffer(), [{ script: c.sender.context.fundingScriptPubKey, value: c.sender.context.params.capacity }]);
}

describe('channel protocol', () => {
  for (const { name, variant } of VARIANTS) {
    describe(name, () => {
      it('opens, makes 300 payments surviving a restart after every message, and closes cooperatively', () => {
        let { sender, receiver } = openChannel(variant);
        const restart = () => {
          sender = Sender.restore(JSON.parse(JSON.stringify(sender.toJSON())), senderSecrets);
          receiver = Receiver.restore(JSON.parse(JSON.stringify(receiver.toJSON())), receiverSecrets);
        };
        let total = 0n;
        for (let i = 1; i <= 300; i++) {
          const inc = BigInt(100 + (i % 7));
          const offer = sender.pay(inc);
          restart();
          const accept = receiver.onOffer(wire(offer), CHAIN);
          expect(receiver.amount).to.equal(total); // not final before the revoke
          restart();
          const revoke = sender.onAccept(wire(accept));
          restart();
          const got = receiver.onRevoke(wire(revoke));
          restart();
          total += inc;
          expect(got).to.deep.equal({ index: i, amount: total, increment: inc });
          expect(sender.amount).to.equal(total);
          expect(receiver.amount).to.equal(total);
        }
        // Each party's broadcastable transaction is valid and pays what was agreed.
        const s = sender.latestTransaction();
        const r = receiver.latestTransaction()!;
        verifyFundingSpend(s, { sender });
        verifyFundingSpend(r, { sender });
        expect(r.outs[0]!.value).to.equal(total);
        expect(receiver.revocationStore.size()).to.be.at.most(49);

        const closeOffer = sender.proposeClose(2000n);
        restart();
        const { message: closeSigned, tx: rClose } = receiver.onCloseOffer(wire(closeOffer));
        restart();
        const sClose = sender.onCloseSigned(wire(closeSigned));
        expect(sClose.toHex()).to.equal(rClose.toHex());
        verifyFundingSpend(sClose, { sender });
        expect(sClose.outs[0]!.value).to.equal(total);
        expect(sender.phase).to.equal('closed');
        expect(receiver.phase).to.equal('closed');
        expect(() => sender.pay(1n)).to.throw(ChannelError).with.property('code', 'CHANNEL_CLOSED');
      });

      it('each party holds a valid broadcastable transaction at every step, and the receiver can close', () => {
        const c = openChannel(variant);
        expect(c.receiver.latestTransaction()).to.equal(undefined); // owed nothing yet
        verifyFundingSpend(c.sender.latestTransaction(), c); // state 0: the refund
        const offer = c.sender.pay(5000n);
        const accept = c.receiver.onOffer(wire(offer), CHAIN);
        // Between accept and revoke the receiver already holds the sender-signed version of the new state.
        const pendingTx = c.receiver.latestTransaction()!;
        verifyFundingSpend(pendingTx, c);
        expect(pendingTx.outs[0]!.value).to.equal(5000n);
        expect(c.receiver.amount).to.equal(0n);
        const revoke = c.sender.onAccept(wire(accept));
        verifyFundingSpend(c.sender.latestTransaction(), c);
        c.receiver.onRevoke(wire(revoke));
        expect(c.receiver.amount).to.equal(5000n);
        const closeOffer = c.receiver.proposeClose(1500n);
        const { message, tx } = c.sender.onCloseOffer(wire(closeOffer), 5000n);
        expect(c.receiver.onCloseSigned(wire(message)).toHex()).to.equal(tx.toHex());
        verifyFundingSpend(tx, c);
      });

      it('claims a revoked sender version from the broadcast transaction alone', () => {
        const c = openChannel(variant);
        const old: Transaction[] = [c.sender.latestTransaction()];
        for (let i = 0; i < 5; i++) {
          pay(c, 10_000n);
          old.push(c.sender.latestTransaction());
        }
        for (const [i, tx] of old.entries()) {
          if (i === 5) {
            expect(() => c.receiver.penaltyTx(tx.toBuffer(), destination, 1000n)).to.throw(ChannelError).with.property('code', 'NOTHING_TO_CLAIM');
            continue;
          }
          const claim = c.receiver.penaltyTx(tx.toBuffer(), destination, 1000n);
          verifyInputs(claim.toBuffer(), claim.ins.map((inp) => ({ script: tx.outs[inp.index]!.script, value: tx.outs[inp.index]!.value })));
          const claimed = claim.outs[0]!.value;
          expect(claimed > c.sender.context.params.capacity - c.sender.context.paymentFee - 2000n).to.equal(true);
        }
        // And the sender can sweep its latest version through the timeout branch.
        const sweep = c.sender.timeoutSweep(old[5]!.toBuffer(), destination, 1000n);
        const out = old[5]!.outs[1]!;
        verifyInputs(sweep.toBuffer(), [{ script: out.script, value: out.value }]);
      });
    });
  }

  describe('rejections leave the party exactly as it was', () => {
    const variant = VARIANTS[0]!.variant; // CLTV by height: the cutoff applies
    type Case = { description: string; code: string; run: (c: ReturnType<typeof openChannel>) => unknown };

    function checkUnchanged(run: Case['run'], code: string, setup?: (c: ReturnType<typeof openChannel>) => void) {
      const c = openChannel(variant);
      pay(c, 1000n);
      pay(c, 1000n);
      setup?.(c);
      const before = [JSON.stringify(c.sender.toJSON()), JSON.stringify(c.receiver.toJSON())];
      expect(() => run(c)).to.throw(ChannelError).with.property('code', code);
      expect([JSON.stringify(c.sender.toJSON()), JSON.stringify(c.receiver.toJSON())]).to.deep.equal(before);
    }

    const tamper = (o: Offer, patch: Partial<Offer>): Offer => ({ ...o, ...patch });
    const offerCases: Case[] = [
      { description: 'stale index', code: 'UPDATE_INDEX_MISMATCH', run: (c) => { const o = c.sender.pendingOffer(); return c.receiver.onOffer(tamper(o, { index: 2 }), CHAIN); } },
      { description: 'skipped index', code: 'UPDATE_INDEX_MISMATCH', run: (c) => c.receiver.onOffer(tamper(c.sender.pendingOffer(), { index: 5 }), CHAIN) },
      { description: 'amount not increasing', code: 'UPDATE_NOT_MONOTONIC', run: (c) => c.receiver.onOffer(tamper(c.sender.pendingOffer(), { amount: 2000n }), CHAIN) },
      { description: 'amount beyond what the sender has after fees', code: 'AMOUNT_EXCEEDS_CAPACITY', run: (c) => c.receiver.onOffer(tamper(c.sender.pendingOffer(), { amount: 1_000_000n - c.receiver.context.paymentFee + 1n }), CHAIN) },
      { description: 'bad signature (not DER)', code: 'INVALID_SIGNATURE', run: (c) => c.receiver.onOffer(tamper(c.sender.pendingOffer(), { sig: new Uint8Array(72).fill(1) }), CHAIN) },
      { description: 'a valid signature over other bytes', code: 'INVALID_SIGNATURE', run: (c) => { const o = c.sender.pendingOffer(); return c.receiver.onOffer(tamper(o, { amount: o.amount + 1n }), CHAIN); } },
      { description: 'update key reused', code: 'UPDATE_KEY_REUSED', run: (c) => c.receiver.onOffer(tamper(c.sender.pendingOffer(), { updateKey: derivePublicKey(deriveUpdateSecret(senderSecrets.updateSeed, 2n)) }), CHAIN) },
      { description: 'update key invalid', code: 'INVALID_KEY', run: (c) => c.receiver.onOffer(tamper(c.sender.pendingOffer(), { updateKey: Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]) as never }), CHAIN) },
      { description: 'payment after the CLTV cutoff', code: 'CHANNEL_EXPIRED', run: (c) => c.receiver.onOffer(c.sender.pendingOffer(), { height: 990, medianTimePast: 0 }) },
      { description: 'a message for another channel', code: 'WRONG_CHANNEL', run: (c) => c.receiver.onOffer(tamper(c.sender.pendingOffer(), { channelId: new Uint8Array(32) }), CHAIN) },
    ];
    for (const k of offerCases) {
      it(`offer: ${k.description} -> ${k.code}`, () => checkUnchanged(k.run, k.code, (c) => { c.sender.pay(1000n); }));
    }

    it('offer: another one for the accepted state -> PAYMENT_PENDING; the same one again gets the same accept', () => {
      let accept: ReturnType<Receiver['onOffer']> | undefined;
      const setup = (c: ReturnType<typeof openChannel>) => { accept = c.receiver.onOffer(c.sender.pay(1000n), CHAIN); };
      const other = (c: ReturnType<typeof openChannel>) => ({ ...c.sender.pendingOffer(), amount: c.sender.pendingOffer().amount + 1n });
      checkUnchanged((c) => c.receiver.onOffer(other(c), CHAIN), 'PAYMENT_PENDING', setup);
      checkUnchanged((c) => c.receiver.onOffer({ ...c.sender.pendingOffer(), updateKey: c.sender.pendingOffer().updateKey.map((b, i) => (i === 0 ? b ^ 1 : b)) as PublicKey }, CHAIN), 'PAYMENT_PENDING', setup);
      checkUnchanged((c) => c.receiver.onOffer({ ...c.sender.pendingOffer(), sig: accept!.sig }, CHAIN), 'INVALID_SIGNATURE', setup);
      const c = openChannel(variant);
      setup(c);
      const before = JSON.stringify(c.receiver.toJSON());
      expect(c.receiver.onOffer(c.sender.pendingOffer(), CHAIN)).to.deep.equal(accept);
      expect(c.receiver.pendingAccept()).to.deep.equal(accept);
      expect(JSON.stringify(c.receiver.toJSON())).to.equal(before);
    });

    it('accept: bad signature, wrong index, none expected', () => {
      let accept: ReturnType<Receiver['onOffer']> | undefined;
      const setup = (c: ReturnType<typeof openChannel>) => { accept = c.receiver.onOffer(c.sender.pay(1000n), CHAIN); };
      checkUnchanged((c) => c.sender.onAccept({ ...accept!, sig: c.sender.pendingOffer().sig }), 'INVALID_SIGNATURE', setup);
      checkUnchanged((c) => c.sender.onAccept({ ...accept!, index: 4 }), 'UPDATE_INDEX_MISMATCH', setup);
      checkUnchanged((c) => c.sender.onAccept({ ...accept!, channelId: new Uint8Array(32).fill(7) }), 'WRONG_CHANNEL', setup);
      checkUnchanged((c) => c.sender.onAccept({ type: 'accept', channelId: c.sender.channelId, index: 3, sig: new Uint8Array(70) }), 'UNEXPECTED_MESSAGE');
    });

    it('the sender never reveals k_i before it holds a valid accept', () => {
      const c = openChannel(variant);
      const offer = c.sender.pay(1000n);
      const secret0 = deriveUpdateSecret(senderSecrets.updateSeed, 0n);
      const seen = JSON.stringify(encodeMessage(offer)) + JSON.stringify(c.sender.toJSON());
      expect(seen).not.to.contain(Buffer.from(secret0).toString('hex'));
      expect(() => c.sender.lastRevoke()).to.throw(ChannelError).with.property('code', 'UNEXPECTED_MESSAGE');
      const accept = c.receiver.onOffer(offer, CHAIN);
      expect(() => c.sender.onAccept({ ...accept, sig: offer.sig })).to.throw(ChannelError);
      const revoke = c.sender.onAccept(accept);
      expect(Buffer.from(revoke.secret).toString('hex')).to.equal(Buffer.from(secret0).toString('hex'));
    });

    it('revoke: stale, repeated, mismatching, inconsistent, none expected', () => {
      let revoke: ReturnType<Sender['onAccept']> | undefined;
      const setup = (c: ReturnType<typeof openChannel>) => { revoke = c.sender.onAccept(c.receiver.onOffer(c.sender.pay(1000n), CHAIN)); };
      checkUnchanged((c) => c.receiver.onRevoke({ ...revoke!, index: 1 }), 'UPDATE_INDEX_MISMATCH', setup);
      checkUnchanged((c) => c.receiver.onRevoke({ ...revoke!, secret: deriveUpdateSecret(senderSecrets.updateSeed, 3n) }), 'REVOKED_SECRET_MISMATCH', setup);
      checkUnchanged((c) => c.receiver.onRevoke({ ...revoke!, secret: new Uint8Array(32) }), 'REVOKED_SECRET_MISMATCH', setup);
      checkUnchanged((c) => c.receiver.onRevoke(c.sender.lastRevoke()), 'UNEXPECTED_MESSAGE');
    });

    it('revoke: a secret that matches K_i but not the secrets stored before -> SECRET_STORE_INCONSISTENT', () => {
      // A sender whose state-2 key comes from another seed: each secret matches its own K_i, but they do not
      // chain, and BOLT 3's store notices when state 3 is revoked. Messages are forged with the sender's funding key.
      const c = openChannel(variant);
      pay(c, 1000n);
      const r = c.receiver;
      const signer = new PaymentSigner(r.context, 'sender', senderSecrets.fundingKey);
      const honest = (i: number) => deriveUpdateSecret(senderSecrets.updateSeed, BigInt(i));
      const forged = deriveUpdateSecret(new Uint8Array(32).fill(9), 2n);
      const offer = (index: number, amount: bigint, secret: Uint8Array): Offer => ({
        type: 'offer', channelId: r.channelId, index, amount, updateKey: derivePublicKey(secret as PrivateKey),
        sig: signer.sign(signer.receiverVersionHash(BigInt(index), amount)),
      });
      const revoke = (index: number, secret: Uint8Array) => ({ type: 'revoke' as const, channelId: r.channelId, index, secret });
      r.onOffer(offer(2, 2000n, forged), CHAIN);
      r.onRevoke(revoke(1, honest(1)));
      r.onOffer(offer(3, 3000n, honest(3)), CHAIN);
      r.onRevoke(revoke(2, forged)); // matches K_2 as offered; nothing to check it against yet
      r.onOffer(offer(4, 4000n, honest(4)), CHAIN);
      const before = JSON.stringify(r.toJSON());
      expect(() => r.onRevoke(revoke(3, honest(3)))).to.throw(ChannelError).with.property('code', 'SECRET_STORE_INCONSISTENT');
      expect(JSON.stringify(r.toJSON())).to.equal(before);
      expect(r.amount).to.equal(3000n);
    });

    it('anything after close -> CHANNEL_CLOSED', () => {
      const d = openChannel(variant);
      pay(d, 1000n);
      const staleOffer = d.sender.pendingOffer.bind(d.sender);
      const { message } = d.receiver.onCloseOffer(d.sender.proposeClose(1000n));
      d.sender.onCloseSigned(message);
      const offer: Offer = { type: 'offer', channelId: d.receiver.channelId, index: 2, amount: 2000n, updateKey: derivePublicKey(deriveUpdateSecret(senderSecrets.updateSeed, 2n)), sig: new Uint8Array(71) };
      const runs = [() => d.sender.pay(1n), () => d.receiver.onOffer(offer, CHAIN), () => d.sender.proposeClose(1000n), () => d.receiver.proposeClose(1000n),
        () => d.receiver.onRevoke({ type: 'revoke', channelId: d.receiver.channelId, index: 1, secret: deriveUpdateSecret(senderSecrets.updateSeed, 1n) })];
      for (const run of runs) {
        const before = [JSON.stringify(d.sender.toJSON()), JSON.stringify(d.receiver.toJSON())];
        expect(run).to.throw(ChannelError).with.property('code', 'CHANNEL_CLOSED');
        expect([JSON.stringify(d.sender.toJSON()), JSON.stringify(d.receiver.toJSON())]).to.deep.equal(before);
      }
      expect(staleOffer).to.throw(ChannelError);
    });

    it('payments are refused before funding confirms', () => {
      const { sender, message } = Sender.open({ capacity: 100_000n, variant, feeRate: 1000n, margin: 10, secrets: senderSecrets });
      const { receiver, message: acc } = Receiver.accept(message, receiverSecrets, { minMargin: 1 }, CHAIN);
      sender.onAcceptChannel(acc);
      sender.onFundingSigned(receiver.onFundingCreated(sender.fundingCreated({ txid: 'ab'.repeat(32), vout: 0 })));
      const offer = sender.pay(1000n);
      expect(() => receiver.onOffer(offer, CHAIN)).to.throw(ChannelError).with.property('code', 'FUNDING_NOT_CONFIRMED');
    });

    it('a variant object with more fields than its own: each party keeps, sends and saves only the variant\'s fields, and restores', () => {
      const loose = { kind: 'cltv', expiry: { height: 1000, note: 'x' }, delay: { blocks: 5 } } as unknown as Variant;
      const clean = { kind: 'cltv', expiry: { height: 1000 } };
      const { sender, message } = Sender.open({ capacity: 100_000n, variant: loose, feeRate: 1000n, margin: 10, secrets: senderSecrets });
      expect(message.variant).to.deep.equal(clean);
      expect(wire(message).variant).to.deep.equal(clean);
      const { receiver } = Receiver.accept({ ...message, variant: loose }, receiverSecrets, { minMargin: 1 }, CHAIN);
      for (const json of [sender.toJSON(), receiver.toJSON()]) expect((json.terms as Record<string, unknown>).variant).to.deep.equal(clean);
      expect(Sender.restore(JSON.parse(JSON.stringify(sender.toJSON())), senderSecrets).variant).to.deep.equal(clean);
      expect(Receiver.restore(JSON.parse(JSON.stringify(receiver.toJSON())), receiverSecrets).variant).to.deep.equal(clean);
    });
  });

  describe('cooperative close over a lossy link', () => {
    const variant = VARIANTS[2]!.variant;
    const code = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        expect(e).to.be.instanceOf(ChannelError);
        return (e as ChannelError).code;
      }
      return expect.fail('expected a ChannelError') as never;
    };
    const closeOf = (p: { closeTransaction(): Transaction | undefined }) => p.closeTransaction()?.toHex();

    it('proposals that cross: the sender\'s wins, both end with the same close', () => {
      const c = openChannel(variant);
      pay(c, 5000n);
      const fromSender = c.sender.proposeClose(1000n);
      const fromReceiver = c.receiver.proposeClose(2000n);
      const before = JSON.stringify(c.sender.toJSON());
      expect(code(() => c.sender.onCloseOffer(wire(fromReceiver), 5000n))).to.equal('CHANNEL_CLOSED');
      expect(JSON.stringify(c.sender.toJSON())).to.equal(before);
      const { message, tx } = c.receiver.onCloseOffer(wire(fromSender));
      expect(c.sender.onCloseSigned(wire(message)).toHex()).to.equal(tx.toHex());
      expect(c.sender.phase).to.equal('closed');
      expect(c.receiver.phase).to.equal('closed');
      expect(closeOf(c.sender)).to.equal(closeOf(c.receiver));
      verifyFundingSpend(tx, c);
    });

    it('a lost close_signed: the proposer asks again and gets the same answer, or a close at another rate', () => {
      const c = openChannel(variant);
      pay(c, 5000n);
      const offer = c.receiver.proposeClose(1000n);
      const first = c.sender.onCloseOffer(wire(offer), 5000n); // its close_signed is lost
      const saved = JSON.stringify(c.sender.toJSON());
      const again = c.sender.onCloseOffer(wire(c.receiver.proposeClose(1000n)), 5000n);
      expect(again.message).to.deep.equal(first.message);
      expect(again.tx.toHex()).to.equal(first.tx.toHex());
      expect(JSON.stringify(c.sender.toJSON())).to.equal(saved);
      // Asked at another rate, the sender signs a new close of the same amount and keeps that one.
      const higher = c.sender.onCloseOffer(wire(c.receiver.proposeClose(1500n)), 5000n);
      expect(c.receiver.onCloseSigned(wire(higher.message)).toHex()).to.equal(higher.tx.toHex());
      expect(closeOf(c.sender)).to.equal(closeOf(c.receiver));
      verifyFundingSpend(higher.tx, c);
      expect(code(() => c.receiver.proposeClose(1000n))).to.equal('CHANNEL_CLOSED');
    });

    it('a proposal refused for its rate can be made again lower, and the sender closes though its refused offer is in flight', () => {
      const c = openChannel(variant);
      pay(c, 5000n);
      expect(code(() => c.sender.onCloseOffer(wire(c.receiver.proposeClose(9000n)), 5000n))).to.equal('FEE_RATE_REFUSED');
      expect(c.receiver.phase).to.equal('closing');
      // No more payments once the receiver has signed a close: that close would turn stale.
      expect(code(() => c.receiver.onOffer(wire(c.sender.pay(1000n)), CHAIN))).to.equal('CHANNEL_CLOSED');
      // The refused offer stays in flight at the sender, which still signs a close of the last agreed amount and drops the offer.
      const offer = c.receiver.proposeClose(2000n);
      expect(c.sender.pendingOffer().index).to.equal(2);
      const { message, tx } = c.sender.onCloseOffer(wire(offer), 5000n);
      expect(c.sender.pending).to.equal(undefined);
      expect(code(() => c.sender.pendingOffer())).to.equal('UNEXPECTED_MESSAGE');
      expect(c.receiver.onCloseSigned(wire(message)).toHex()).to.equal(tx.toHex());
      expect(valueTo(tx, c.receiver.context.receiverPayoutScript)).to.equal(5000n);
      verifyFundingSpend(tx, c);
    });

    it('the signer of a close answers only offers of the amount it closed at, with a valid signature', () => {
      const c = openChannel(variant);
      pay(c, 5000n);
      const offer = c.receiver.proposeClose(1000n);
      c.sender.onCloseOffer(wire(offer), 5000n);
      const saved = JSON.stringify(c.sender.toJSON());
      expect(code(() => c.sender.onCloseOffer(wire({ ...offer, amount: 6000n }), 5000n))).to.equal('UPDATE_NOT_MONOTONIC');
      expect(code(() => c.sender.onCloseOffer(wire({ ...offer, feeRate: 1100n }), 5000n))).to.equal('INVALID_SIGNATURE');
      expect(JSON.stringify(c.sender.toJSON())).to.equal(saved);
    });
  });

  describe('message decoding', () => {
    const c = openChannel(VARIANTS[2]!.variant);
    const offer = encodeMessage(c.sender.pay(1000n));
    const cases: { description: string; json: unknown; code: string }[] = [
      { description: 'unknown type', json: { ...offer, type: 'pay' }, code: 'MESSAGE_UNKNOWN_TYPE' },
      { description: 'unknown version', json: { ...offer, version: 2 }, code: 'MESSAGE_UNSUPPORTED_VERSION' },
      { description: 'missing field', json: { ...offer, sig: undefined }, code: 'MESSAGE_INVALID' },
      { description: 'extra field', json: { ...offer, memo: 'hi' }, code: 'MESSAGE_INVALID' },
      { description: 'uppercase hex', json: { ...offer, channelId: String(offer.channelId).toUpperCase() }, code: 'MESSAGE_INVALID' },
      { description: 'odd-length hex', json: { ...offer, channelId: String(offer.channelId).slice(1) }, code: 'MESSAGE_INVALID' },
      { description: 'non-hex', json: { ...offer, channelId: 'zz'.repeat(32) }, code: 'MESSAGE_INVALID' },
      { description: 'amount as a number', json: { ...offer, amount: 1000 }, code: 'MESSAGE_INVALID' },
      { description: 'negative amount', json: { ...offer, amount: '-1' }, code: 'MESSAGE_INVALID' },
      { description: 'amount with a leading zero', json: { ...offer, amount: '01000' }, code: 'MESSAGE_INVALID' },
      { description: 'amount above 21e6 BTC', json: { ...offer, amount: '2100000000000001' }, code: 'MESSAGE_INVALID' },
      { description: 'index 0', json: { ...offer, index: 0 }, code: 'MESSAGE_INVALID' },
      { description: 'fractional index', json: { ...offer, index: 1.5 }, code: 'MESSAGE_INVALID' },
      { description: 'index above 2^48', json: { ...offer, index: 2 ** 48 }, code: 'MESSAGE_INVALID' },
      { description: 'invalid point', json: { ...offer, updateKey: '02' + 'ff'.repeat(32) }, code: 'INVALID_KEY' },
      { description: 'uncompressed key length', json: { ...offer, updateKey: '04' + 'ab'.repeat(64) }, code: 'MESSAGE_INVALID' },
      { description: 'signature too short', json: { ...offer, sig: '3006' }, code: 'INVALID_SIGNATURE' },
      { description: 'not an object', json: [offer], code: 'MESSAGE_INVALID' },
      { description: 'null', json: null, code: 'MESSAGE_INVALID' },
    ];
    for (const k of cases) {
      it(`${k.description} -> ${k.code}`, () => {
        const json = JSON.parse(JSON.stringify(k.json));
        expect(() => decodeMessage(json)).to.throw(ChannelError).with.property('code', k.code);
      });
    }
    it('every message type round-trips through JSON', () => {
      const d = openChannel(VARIANTS[0]!.variant);
      const msgs = [d.sender.pay(10n)];
      const acc = d.receiver.onOffer(msgs[0]!, CHAIN);
      const rev = d.sender.onAccept(acc);
      for (const m of [msgs[0]!, acc, rev]) expect(decodeMessage(JSON.parse(JSON.stringify(encodeMessage(m))))).to.deep.equal(m);
    });
  });
});
