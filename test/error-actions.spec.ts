import { expect } from 'chai';
import {
  ChannelError, ERROR_ACTIONS, ErrorAction, ErrorCode, Receiver, Sender, decodeMessage, deriveUpdateSecret,
} from '../lib';
import { VARIANTS, walletCoin, walletScript } from './support/channel';
import { CHAIN, openChannel, pay, policy, receiverSecrets, senderSecrets, wire } from './support/parties';

const ACTIONS: readonly ErrorAction[] = ['ignore', 'retry', 'close'];
const CLTV = VARIANTS[0]!.variant; // expiry at height 1000, margin 10 in openChannel
const CSV = VARIANTS[2]!.variant;

/** Runs `fn`, expects a ChannelError with `code`, and returns the action it carries. */
function actionOf(fn: () => unknown, code: ErrorCode): ErrorAction {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    expect((e as ChannelError).code).to.equal(code);
    return (e as ChannelError).action;
  }
  throw new Error(`expected ${code}`);
}

describe('error actions: every refusal says what the caller should do', () => {
  it('every code has one of ignore, retry or close', () => {
    const codes = Object.keys(ERROR_ACTIONS) as ErrorCode[];
    expect(codes.length).to.be.greaterThan(40);
    for (const c of codes) expect(ACTIONS, c).to.include(ERROR_ACTIONS[c]);
    expect(new ChannelError('INVALID_AMOUNT', 'x').action).to.equal('ignore');
    expect(new ChannelError('CHANNEL_EXPIRED', 'x', undefined, { action: 'ignore' }).action).to.equal('ignore');
  });

  it('a malformed or unknown message: ignore', () => {
    expect(actionOf(() => decodeMessage({ type: 'offer', version: 1 }), 'MESSAGE_INVALID')).to.equal('ignore');
    expect(actionOf(() => decodeMessage({ type: 'nonsense', version: 1 }), 'MESSAGE_UNKNOWN_TYPE')).to.equal('ignore');
  });

  it('an offer with a bad signature: ignore, and the receiver is unchanged', () => {
    const c = openChannel(CSV);
    pay(c, 1000n);
    const offer = c.sender.pay(1000n);
    const before = JSON.stringify(c.receiver.toJSON());
    expect(actionOf(() => c.receiver.onOffer({ ...offer, sig: new Uint8Array(72).fill(1) }, CHAIN), 'INVALID_SIGNATURE')).to.equal('ignore');
    expect(JSON.stringify(c.receiver.toJSON())).to.equal(before);
    // Carrying on after the refusal works.
    expect(c.receiver.onRevoke(c.sender.onAccept(c.receiver.onOffer(offer, CHAIN))).amount).to.equal(2000n);
  });

  it('a second payment while one is in flight: retry once it is done', () => {
    const c = openChannel(CSV);
    c.sender.pay(1000n);
    expect(actionOf(() => c.sender.pay(1000n), 'PAYMENT_PENDING')).to.equal('retry');
  });

  it('a revoke whose secret does not open the revoked state: close (the sender still holds a spendable older state)', () => {
    const c = openChannel(CSV);
    pay(c, 1000n);
    const revoke = c.sender.onAccept(c.receiver.onOffer(c.sender.pay(1000n), CHAIN));
    const forged = { ...revoke, secret: deriveUpdateSecret(senderSecrets.updateSeed, 7n) };
    expect(actionOf(() => c.receiver.onRevoke(forged), 'REVOKED_SECRET_MISMATCH')).to.equal('close');
  });

  it('CHANNEL_EXPIRED: close for a payment past the cutoff of an open channel, ignore when it refuses a new channel', () => {
    const c = openChannel(CLTV);
    pay(c, 1000n);
    const offer = c.sender.pay(1000n);
    expect(actionOf(() => c.receiver.onOffer(offer, { height: 990, medianTimePast: 0 }), 'CHANNEL_EXPIRED')).to.equal('close');

    const { message: open } = Sender.open({ capacity: 1_000_000n, variant: CLTV, feeRate: 1000n, margin: 10, secrets: senderSecrets });
    expect(actionOf(() => Receiver.accept(wire(open), receiverSecrets, policy, { height: 995, medianTimePast: 0 }), 'CHANNEL_EXPIRED')).to.equal('ignore');
  });

  it('funding evidence: too shallow is retry, another transaction is close', () => {
    const { sender, message: open } = Sender.open({ capacity: 1_000_000n, variant: CSV, feeRate: 1000n, secrets: senderSecrets });
    const { receiver, message: acc } = Receiver.accept(wire(open), receiverSecrets, policy, CHAIN);
    sender.onAcceptChannel(wire(acc));
    const { plan, message: created } = sender.createFunding({ inputs: [walletCoin(1_050_000n)], changeScript: walletScript, feeRate: 1000n });
    sender.onFundingSigned(wire(receiver.onFundingCreated(wire(created))));
    expect(actionOf(() => receiver.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: 1 }), 'FUNDING_NOT_CONFIRMED')).to.equal('retry');
    const other = plan.tx.clone();
    other.outs[0]!.value -= 1n;
    expect(actionOf(() => receiver.markFundingConfirmed({ tx: other.toBuffer(), confirmations: 6 }), 'FUNDING_MISMATCH')).to.equal('close');
  });
});
