/**
 * Restore re-derives what a saved state claims. From real saved states (five
 * payments made, a sixth in flight; and a completed cooperative close), one
 * field is damaged at a time: a signature, an index, an amount, the revealed
 * secrets, an update key, the close. Each is STATE_INVALID naming the field,
 * and the undamaged state restores and carries on paying. A raised index in
 * the sender's file matters most: lastRevoke would reveal the secret of the
 * latest state, and the receiver could punish it.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelError, PrivateKey, Receiver, RevocationStore, Sender, derivePublicKey, deriveUpdateKey, deriveUpdateSecret, toHex,
} from '../lib';
import { CHAIN, openChannel, pay, receiverSecrets, senderSecrets, wire } from './support/parties';

type Json = Record<string, unknown>;
const VARIANT = { kind: 'csv' as const, delay: { blocks: 144 } };
const PAYMENTS = 5;

const copy = (j: unknown): Json => JSON.parse(JSON.stringify(j)) as Json;
const K = (i: number) => toHex(deriveUpdateKey(senderSecrets.updateSeed, BigInt(i)));

/** Flip the last bit of a hex string's byte at `at` (from the end if negative). */
function flip(h: string, at = -10): string {
  const bytes = Buffer.from(h, 'hex');
  const i = at < 0 ? bytes.length + at : at;
  bytes[i] = bytes[i]! ^ 1;
  return bytes.toString('hex');
}

/** Five payments, then a sixth offered by the sender and accepted by the receiver: neither has seen the other's answer yet. */
function inFlight(): { sender: Json; receiver: Json; previousStore: unknown; offer: unknown; accept: unknown } {
  const c = openChannel(VARIANT);
  let previousStore: unknown;
  for (let i = 0; i < PAYMENTS; i++) {
    previousStore = c.receiver.revocationStore.toJSON();
    pay(c, 1_000n + BigInt(i));
  }
  const offer = c.sender.pay(2_000n);
  const sender = copy(c.sender.toJSON());
  const accept = c.receiver.onOffer(wire(offer), CHAIN);
  return { sender, receiver: copy(c.receiver.toJSON()), previousStore, offer, accept };
}

/** Both parties after the sender's cooperative close, signed by both. */
function closed(): { sender: Json; receiver: Json; otherRateClose: string; paymentVersion: string } {
  const c = openChannel(VARIANT);
  for (let i = 0; i < PAYMENTS; i++) pay(c, 1_000n);
  const paymentVersion = c.receiver.latestTransaction()!.toHex();
  const twin = { sender: Sender.restore(copy(c.sender.toJSON()), senderSecrets), receiver: Receiver.restore(copy(c.receiver.toJSON()), receiverSecrets) };
  c.sender.onCloseSigned(wire(c.receiver.onCloseOffer(wire(c.sender.proposeClose(2_000n))).message));
  const otherRateClose = twin.sender.onCloseSigned(wire(twin.receiver.onCloseOffer(wire(twin.sender.proposeClose(3_000n))).message)).toHex();
  return { sender: copy(c.sender.toJSON()), receiver: copy(c.receiver.toJSON()), otherRateClose, paymentVersion };
}

/** Restore refuses `state` with STATE_INVALID naming `field` (when the shape is fine and re-deriving finds the damage). */
function refused(restore: () => unknown, field?: string): void {
  let error: unknown;
  try {
    restore();
  } catch (e) {
    error = e;
  }
  expect(error, 'restore refuses').to.be.instanceOf(ChannelError);
  expect((error as ChannelError).code).to.equal('STATE_INVALID');
  if (field !== undefined) expect((error as ChannelError).details?.field).to.equal(field);
}

const restoreSender = (j: unknown) => () => Sender.restore(j, senderSecrets);
const restoreReceiver = (j: unknown) => () => Receiver.restore(j, receiverSecrets);

describe('saved state is verified on restore', () => {
  describe('the sender', () => {
    const s = inFlight();
    const j = s.sender;

    it('the undamaged state restores, reveals k of the state before its current one, and carries on paying', () => {
      const sender = Sender.restore(copy(j), senderSecrets);
      expect(sender.index).to.equal(PAYMENTS);
      const revoke = sender.lastRevoke();
      expect(revoke.index).to.equal(PAYMENTS - 1);
      expect(revoke.secret).to.deep.equal(deriveUpdateSecret(senderSecrets.updateSeed, BigInt(PAYMENTS - 1)));
      const receiver = Receiver.restore(copy(s.receiver), receiverSecrets);
      receiver.onRevoke(wire(sender.onAccept(wire(s.accept as never))));
      pay({ sender, receiver }, 3_000n);
      expect(receiver.amount).to.equal(sender.amount);
      expect(sender.index).to.equal(PAYMENTS + 2);
    });

    it('the index raised by one (with the payment in flight): the receiver\'s signature does not sign that state, so k of the latest state never leaves', () => {
      refused(restoreSender({ ...copy(j), index: PAYMENTS + 1, pending: { ...(j.pending as Json), index: PAYMENTS + 2 } }), 'receiverSig');
    });

    it('the index raised by one alone: the payment in flight no longer follows it', () => {
      refused(restoreSender({ ...copy(j), index: PAYMENTS + 1 }));
    });

    it('the index lowered by one: STATE_INVALID', () => {
      refused(restoreSender({ ...copy(j), index: PAYMENTS - 1, pending: { ...(j.pending as Json), index: PAYMENTS } }), 'receiverSig');
    });

    it('the receiver\'s signature with one bit flipped', () => {
      refused(restoreSender({ ...copy(j), receiverSig: flip(j.receiverSig as string) }), 'receiverSig');
    });

    it('the amount changed: the signature is over another amount', () => {
      const amount = BigInt(j.amount as string) + 1n;
      refused(restoreSender({ ...copy(j), amount: amount.toString() }), 'receiverSig');
    });

    it('a payment in flight the channel cannot carry', () => {
      refused(restoreSender({ ...copy(j), pending: { index: PAYMENTS + 1, amount: '1000000' } }), 'pending.amount');
    });

    it('an agreed state without the receiver\'s signature (a closed phase, which may lack it)', () => {
      refused(restoreSender({ ...copy(j), phase: 'closed', pending: null, receiverSig: null }), 'index');
    });
  });

  describe('the receiver', () => {
    const s = inFlight();
    const j = s.receiver;
    const current = j.current as Json;
    const pending = j.pending as Json;

    it('the undamaged state restores and carries on paying', () => {
      const receiver = Receiver.restore(copy(j), receiverSecrets);
      const sender = Sender.restore(copy(s.sender), senderSecrets);
      receiver.onRevoke(wire(sender.onAccept(wire(s.accept as never))));
      pay({ sender, receiver }, 3_000n);
      expect(receiver.amount).to.equal(sender.amount);
      expect(receiver.isRevoked(PAYMENTS)).to.equal(true);
    });

    it('the sender\'s signature on the current state with one bit flipped', () => {
      refused(restoreReceiver({ ...copy(j), current: { ...current, senderSig: flip(current.senderSig as string) } }), 'current.senderSig');
    });

    it('the sender\'s signature on the accepted offer with one bit flipped', () => {
      refused(restoreReceiver({ ...copy(j), pending: { ...pending, senderSig: flip(pending.senderSig as string) } }), 'pending.senderSig');
    });

    it('the accepted offer without the sender\'s signature', () => {
      refused(restoreReceiver({ ...copy(j), pending: { ...pending, senderSig: null } }), 'pending.senderSig');
    });

    it('the current amount raised: the signature is over another amount', () => {
      refused(restoreReceiver({ ...copy(j), current: { ...current, amount: (BigInt(current.amount as string) + 1n).toString() } }), 'current.senderSig');
    });

    it('the current index raised by one (with the offer in flight)', () => {
      refused(restoreReceiver({ ...copy(j), current: { ...current, index: PAYMENTS + 1 }, pending: { ...pending, index: PAYMENTS + 2 } }), 'current.senderSig');
    });

    it('the revealed secrets of one state fewer (a consistent store, but the latest revoke is lost)', () => {
      refused(restoreReceiver({ ...copy(j), revocations: s.previousStore }), 'revocations');
    });

    it('the revealed secrets with the current state\'s secret too', () => {
      const store = RevocationStore.fromJSON(j.revocations);
      store.insertUpdateSecret(BigInt(PAYMENTS), deriveUpdateSecret(senderSecrets.updateSeed, BigInt(PAYMENTS)));
      refused(restoreReceiver({ ...copy(j), revocations: store.toJSON() }), 'revocations');
    });

    it('no revealed secrets at all', () => {
      refused(restoreReceiver({ ...copy(j), revocations: { version: 1, entries: [] } }), 'revocations');
    });

    it('a current update key whose secret is already revealed (the previous state\'s)', () => {
      refused(restoreReceiver({ ...copy(j), current: { ...current, updateKey: K(PAYMENTS - 1) } }), 'current.updateKey');
    });

    it('a current update key whose secret a stored entry holds', () => {
      const entries = (j.revocations as { entries: { secret: string }[] }).entries;
      const held = toHex(derivePublicKey(Buffer.from(entries[entries.length - 1]!.secret, 'hex') as unknown as PrivateKey));
      expect(held).to.not.equal(K(PAYMENTS - 1));
      refused(restoreReceiver({ ...copy(j), current: { ...current, updateKey: held } }), 'current.updateKey');
    });

    it('the accepted offer with the current state\'s update key', () => {
      refused(restoreReceiver({ ...copy(j), pending: { ...pending, updateKey: current.updateKey } }), 'pending.updateKey');
    });
  });

  describe('a completed cooperative close', () => {
    const c = closed();

    for (const [role, restore] of [['sender', restoreSender], ['receiver', restoreReceiver]] as const) {
      const j = c[role];
      const close = j.close as Json;
      describe(`the ${role}`, () => {
        it('the undamaged state restores with its close', () => {
          const p = restore(copy(j))();
          expect(p.closeTransaction()!.toHex()).to.equal(close.tx);
        });

        it('the close of another amount', () => {
          refused(restore({ ...copy(j), close: { ...close, amount: '1' } }), 'close.amount');
        });

        it('a close signature with one bit flipped', () => {
          const tx = Transaction.fromHex(close.tx as string);
          tx.ins[0]!.witness[1] = Buffer.from(flip(toHex(tx.ins[0]!.witness[1]!), -5), 'hex');
          refused(restore({ ...copy(j), close: { ...close, tx: tx.toHex() } }), 'close.tx');
        });

        it('a close signed by both at another fee rate than the record\'s', () => {
          refused(restore({ ...copy(j), close: { ...close, tx: c.otherRateClose } }), 'close.tx');
        });

        it('a payment version in place of the close', () => {
          refused(restore({ ...copy(j), close: { ...close, tx: c.paymentVersion } }), 'close.tx');
        });

        it('a close with only one signature', () => {
          const tx = Transaction.fromHex(close.tx as string);
          tx.ins[0]!.witness[2] = new Uint8Array(0);
          refused(restore({ ...copy(j), close: { ...close, tx: tx.toHex() } }), 'close.tx');
        });

        it('a fee rate the close cannot carry', () => {
          refused(restore({ ...copy(j), close: { ...close, feeRate: '100000000' } }), 'close.feeRate');
        });
      });
    }
  });
});
