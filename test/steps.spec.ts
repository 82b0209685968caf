import { expect } from 'chai';
import {
  ChannelError, Json, Message, Receiver, Sender, Step, handleReceiverMessage, handleSenderMessage, payStep, performStep,
  proposeCloseStep,
} from '../lib';
import { VARIANTS, walletCoin, walletScript } from './support/channel';
import { CHAIN, openChannel, policy, receiverSecrets, senderSecrets, wire } from './support/parties';

const CSV = VARIANTS[2]!.variant;

/** A store and a transport that log in one list, so order is visible. */
function recorder() {
  const log: string[] = [];
  const saved: Json[] = [];
  const sent: Message[] = [];
  return {
    log, saved, sent,
    io: {
      save: async (s: Json) => { await Promise.resolve(); log.push('save'); saved.push(JSON.parse(JSON.stringify(s))); },
      send: (m: Message) => { log.push(`send ${m.type}`); sent.push(m); },
    },
  };
}

describe('steps: a transition returns what to save and what to send, and performStep does them in that order', () => {
  it('drives a channel from open to cooperative close; every answer leaves only after the state that produced it is saved', async () => {
    const s = recorder();
    const r = recorder();
    const { sender, message: open } = Sender.open({ capacity: 1_000_000n, variant: CSV, feeRate: 1000n, secrets: senderSecrets });
    const { receiver, message: acc } = Receiver.accept(wire(open), receiverSecrets, policy, CHAIN);
    await performStep(handleSenderMessage(sender, wire(acc)), s.io);
    const { plan, message: created } = sender.createFunding({ inputs: [walletCoin(1_050_000n)], changeScript: walletScript, feeRate: 1000n });
    await performStep(handleReceiverMessage(receiver, wire(created)), r.io);
    await performStep(handleSenderMessage(sender, wire(r.sent.at(-1)!)), s.io);
    receiver.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: 3 });

    let total = 0n;
    for (let i = 1; i <= 3; i++) {
      const pay = payStep(sender, 500n);
      await performStep(pay, s.io);
      // A sender restored from what was saved before the offer left holds that same offer.
      expect(Sender.restore(s.saved.at(-1), senderSecrets).pendingOffer()).to.deep.equal(pay.send);
      await performStep(handleReceiverMessage(receiver, wire(s.sent.at(-1)!), { chain: CHAIN }), r.io);
      const revokeStep = handleSenderMessage(sender, wire(r.sent.at(-1)!));
      expect(revokeStep.send?.type).to.equal('revoke');
      await performStep(revokeStep, s.io);
      // The sender's saved state already counts the revoke it is about to send.
      expect(Sender.restore(s.saved.at(-1), senderSecrets).lastRevoke()).to.deep.equal(revokeStep.send);
      const final = handleReceiverMessage(receiver, wire(s.sent.at(-1)!));
      total += 500n;
      expect(final.paid?.amount).to.equal(total);
      expect(final.send).to.equal(undefined);
      await performStep(final, r.io);
      expect(Receiver.restore(r.saved.at(-1), receiverSecrets).amount).to.equal(total);
    }

    const close = proposeCloseStep(sender, 2000n);
    await performStep(close, s.io);
    const answer = handleReceiverMessage(receiver, wire(close.send!));
    await performStep(answer, r.io);
    const done = handleSenderMessage(sender, wire(answer.send!));
    await performStep(done, s.io);
    expect(done.closeTx!.getId()).to.equal(answer.closeTx!.getId());

    // Every send is preceded by its own save.
    for (const log of [s.log, r.log]) {
      log.forEach((e, i) => { if (e.startsWith('send')) expect(log[i - 1], log.join(',')).to.equal('save'); });
    }
    expect(s.log.filter((e) => e.startsWith('send'))).to.deep.equal(['send offer', 'send revoke', 'send offer', 'send revoke', 'send offer', 'send revoke', 'send close_offer']);
    expect(r.log.filter((e) => e.startsWith('send'))).to.deep.equal(['send funding_signed', 'send accept', 'send accept', 'send accept', 'send close_signed']);
  });

  it('a failed save sends nothing and passes the error on', async () => {
    const c = openChannel(CSV);
    const step = payStep(c.sender, 100n);
    const sent: Message[] = [];
    const err = await performStep(step, { save: () => { throw new Error('disk full'); }, send: (m) => { sent.push(m); } }).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.equal('disk full');
    expect(sent).to.deep.equal([]);
  });

  it('a message a party does not handle is refused with UNEXPECTED_MESSAGE (ignore) and changes nothing', () => {
    const c = openChannel(CSV);
    const offer = c.sender.pay(100n);
    const accept = c.receiver.onOffer(offer, CHAIN);
    const before = [JSON.stringify(c.sender.toJSON()), JSON.stringify(c.receiver.toJSON())];
    for (const run of [() => handleReceiverMessage(c.receiver, accept), () => handleSenderMessage(c.sender, offer), () => handleReceiverMessage(c.receiver, null as never)]) {
      let e: unknown;
      try { run(); } catch (x) { e = x; }
      expect(e).to.be.instanceOf(ChannelError);
      expect((e as ChannelError).action).to.equal('ignore');
      expect(['UNEXPECTED_MESSAGE', 'MESSAGE_INVALID']).to.include((e as ChannelError).code);
    }
    expect([JSON.stringify(c.sender.toJSON()), JSON.stringify(c.receiver.toJSON())]).to.deep.equal(before);
  });

  it('the sender answers a close_offer only with a fee bound; a refusal leaves it unchanged', () => {
    const c = openChannel(CSV);
    const offer = c.receiver.proposeClose(2000n);
    const before = JSON.stringify(c.sender.toJSON());
    expect(() => handleSenderMessage(c.sender, offer)).to.throw(ChannelError).with.property('code', 'INVALID_ARGUMENT');
    expect(() => handleSenderMessage(c.sender, offer, { maxCloseFeeRate: 1000n })).to.throw(ChannelError).with.property('code', 'FEE_RATE_REFUSED');
    expect(JSON.stringify(c.sender.toJSON())).to.equal(before);
    const step: Step<Json, Message> = handleSenderMessage(c.sender, offer, { maxCloseFeeRate: 5000n });
    expect(step.send?.type).to.equal('close_signed');
  });
  describe('a peer attacking through the handlers gets a typed refusal, no step and no change', () => {
    function refusal(run: () => unknown): ChannelError {
      try { run(); } catch (e) { expect(e).to.be.instanceOf(ChannelError); return e as ChannelError; }
      throw new Error('expected a refusal');
    }
    function settled() {
      const c = openChannel(CSV);
      const offer = c.sender.pay(1000n);
      const accept = c.receiver.onOffer(offer, CHAIN);
      const revoke = c.sender.onAccept(accept);
      c.receiver.onRevoke(revoke);
      return { c, offer, accept, revoke };
    }
    const snapshot = (c: ReturnType<typeof openChannel>) => [JSON.stringify(c.sender.toJSON()), JSON.stringify(c.receiver.toJSON())];

    it('a replayed accept does not make the sender reveal another secret', () => {
      const { c, accept } = settled();
      const before = snapshot(c);
      const e = refusal(() => handleSenderMessage(c.sender, wire(accept)));
      expect(e.action).to.equal('ignore');
      expect(snapshot(c)).to.deep.equal(before);
    });

    it('a replayed offer or revoke after the payment is final changes nothing and reports no payment', () => {
      const { c, offer, revoke } = settled();
      const before = snapshot(c);
      expect(refusal(() => handleReceiverMessage(c.receiver, wire(offer), { chain: CHAIN })).action).to.equal('ignore');
      expect(refusal(() => handleReceiverMessage(c.receiver, wire(revoke))).action).to.equal('ignore');
      expect(snapshot(c)).to.deep.equal(before);
      expect(c.receiver.amount).to.equal(1000n);
    });

    it('a revoke for another channel or with a forged secret is refused; the forged one says close and pays nothing', () => {
      const c = openChannel(CSV);
      const accept = c.receiver.onOffer(c.sender.pay(1000n), CHAIN);
      const revoke = c.sender.onAccept(accept);
      const before = snapshot(c);
      expect(refusal(() => handleReceiverMessage(c.receiver, { ...revoke, channelId: new Uint8Array(32).fill(9) })).code).to.equal('WRONG_CHANNEL');
      const forged = refusal(() => handleReceiverMessage(c.receiver, { ...revoke, secret: new Uint8Array(32).fill(7) }));
      expect([forged.code, forged.action]).to.deep.equal(['REVOKED_SECRET_MISMATCH', 'close']);
      expect(snapshot(c)).to.deep.equal(before);
      expect(c.receiver.amount).to.equal(0n);
    });
  });
});
