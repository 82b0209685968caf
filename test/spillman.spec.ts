/**
 * The Spillman construction (CONSTRUCTIONS.md section 1) without a chain:
 * its builders and their fields, both forms' witnesses through bcoin's
 * interpreter, its messages on the wire, the receiver's refusals (each
 * leaving it unchanged), the receiver signing only what it rebuilt, the
 * close, the steps, and saved state with its restore checks.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  DUST_P2WPKH, LOCKTIME_THRESHOLD, MAX_SPILLMAN_INDEX, SPILLMAN_CLOSE_LOCKTIME, SPILLMAN_SEQUENCE, SpillmanReceiver, SpillmanSender,
  SpillmanSigner, buildSpillmanCloseTx, buildSpillmanPaymentTx, buildSpillmanRefundTx, decodeSpillmanMessage, encodeSpillmanMessage,
  handleSpillmanReceiverMessage, handleSpillmanSenderMessage, p2wpkhScript, performStep, spillmanIndexOf, spillmanPayStep, derivePublicKey,
  spillmanWeights, toHex, verifySpillmanParams, SpillmanContext, compileSpillmanCltvScript, compileFundingScript, p2wshScript, decodeMessage,
} from '../lib';
import { CAPACITY, CHAIN, FEE_RATE, MARGIN, OpenedSpillman, fakeCoin, openConfirmed, openSpillman, paySpillman, spillmanKeys, wire } from './constructions/spillman/kit';
import { codeOf } from './support/errors';
import { verifyInputs } from './support/verify';
import { testKey } from './support/keys';

const FORMS = ['S', 'C'] as const;

function prevout(ctx: SpillmanContext): { script: Uint8Array; value: bigint }[] {
  return [{ script: ctx.funding.fundingScriptPubKey, value: ctx.params.capacity }];
}

/** The receiver's saved state before and after `run`, which must fail with `code`. */
function refusedUnchanged(c: OpenedSpillman, run: () => unknown, code: string): void {
  const before = JSON.stringify(c.receiver.toJSON());
  expect(codeOf(run)).to.equal(code);
  expect(JSON.stringify(c.receiver.toJSON())).to.equal(before);
}

describe('Spillman refund channel', () => {
  for (const form of FORMS) {
    describe(`Form ${form}`, () => {
      describe('builders', () => {
        const c = openConfirmed(form, { label: `builders ${form}` });
        const ctx = c.sender.context;

        it('the funding output is the form\'s script: the core 2-of-2 (S) or spillman-cltv (C)', () => {
          const p = ctx.params;
          const script = form === 'S' ? compileFundingScript(p) : compileSpillmanCltvScript(p);
          expect(toHex(ctx.funding.fundingScriptPubKey)).to.equal(toHex(p2wshScript(script)));
          expect(toHex(c.fundingTx.outs[0]!.script)).to.equal(toHex(ctx.funding.fundingScriptPubKey));
          expect(c.fundingTx.outs[0]!.value).to.equal(CAPACITY);
        });

        it('refund T2: nLockTime L, a non-final nSequence, the deposit less its fee to the sender', () => {
          const tx = buildSpillmanRefundTx({ ctx });
          expect(tx.version).to.equal(2);
          expect(tx.locktime).to.equal((c.lockTime as { height: number }).height);
          expect(tx.ins[0]!.sequence).to.equal(SPILLMAN_SEQUENCE);
          expect(tx.outs).to.have.length(1);
          expect(toHex(tx.outs[0]!.script)).to.equal(toHex(ctx.senderPayoutScript));
          expect(tx.outs[0]!.value).to.equal(CAPACITY - ctx.refundFee);
        });

        it('a refund whose nSequence is final (which voids nLockTime) is refused', () => {
          expect(codeOf(() => buildSpillmanRefundTx({ ctx, sequence: 0xffffffff }))).to.equal('INVALID_TIMELOCK');
          expect(codeOf(() => buildSpillmanRefundTx({ ctx, sequence: -1 }))).to.equal('INVALID_ARGUMENT');
          expect(buildSpillmanRefundTx({ ctx, sequence: 0 }).ins[0]!.sequence).to.equal(0);
        });

        it('payment T3_i: nLockTime LOCKTIME_THRESHOLD + i, the receiver\'s total first, the rest less the fee to the sender', () => {
          const tx = buildSpillmanPaymentTx({ ctx, index: 7, amount: 70_000n });
          expect(tx.locktime).to.equal(LOCKTIME_THRESHOLD + 7);
          expect(spillmanIndexOf(tx.locktime)).to.equal(7);
          expect(tx.ins[0]!.sequence).to.equal(SPILLMAN_SEQUENCE);
          expect(tx.outs.map((o) => o.value)).to.deep.equal([70_000n, CAPACITY - 70_000n - ctx.paymentFee]);
          expect(toHex(tx.outs[0]!.script)).to.equal(toHex(ctx.receiverPayoutScript));
          // A dust change goes to the fee.
          const almostAll = buildSpillmanPaymentTx({ ctx, index: 8, amount: ctx.maxAmount - 100n });
          expect(almostAll.outs).to.have.length(1);
          expect(buildSpillmanPaymentTx({ ctx, index: 9, amount: ctx.maxAmount }).outs.map((o) => o.value)).to.deep.equal([ctx.maxAmount]);
        });

        it('payment refusals: index, dust, beyond the deposit, not a bigint', () => {
          const table: [string, () => unknown, string][] = [
            ['index 0', () => buildSpillmanPaymentTx({ ctx, index: 0, amount: 1000n }), 'INVALID_ARGUMENT'],
            ['index beyond the nLockTime range', () => buildSpillmanPaymentTx({ ctx, index: MAX_SPILLMAN_INDEX + 1, amount: 1000n }), 'INVALID_ARGUMENT'],
            ['below dust', () => buildSpillmanPaymentTx({ ctx, index: 1, amount: DUST_P2WPKH - 1n }), 'AMOUNT_BELOW_DUST'],
            ['one above the most', () => buildSpillmanPaymentTx({ ctx, index: 1, amount: ctx.maxAmount + 1n }), 'AMOUNT_EXCEEDS_CAPACITY'],
            ['a number', () => buildSpillmanPaymentTx({ ctx, index: 1, amount: 1000 as never }), 'INVALID_AMOUNT'],
            ['a forged context', () => buildSpillmanPaymentTx({ ctx: { ...ctx }, index: 1, amount: 1000n }), 'INVALID_ARGUMENT'],
          ];
          for (const [what, run, code] of table) expect(codeOf(run), what).to.equal(code);
          expect(buildSpillmanPaymentTx({ ctx, index: 1, amount: DUST_P2WPKH }).outs[0]!.value).to.equal(DUST_P2WPKH);
        });

        it('close: its own nLockTime, the fee at the close\'s rate, no receiver output when nothing was paid', () => {
          const tx = buildSpillmanCloseTx({ ctx, amount: 5000n, feeRate: 2000n });
          expect(tx.locktime).to.equal(SPILLMAN_CLOSE_LOCKTIME);
          const fee = CAPACITY - tx.outs.reduce((s, o) => s + o.value, 0n);
          expect(fee).to.equal(BigInt(Math.ceil(spillmanWeights(form).payment * 2000 / 1000)));
          expect(buildSpillmanCloseTx({ ctx, amount: 0n, feeRate: 2000n }).outs).to.have.length(1);
          expect(codeOf(() => buildSpillmanCloseTx({ ctx, amount: 100n, feeRate: 2000n }))).to.equal('AMOUNT_BELOW_DUST');
        });

        it('every spend, completed, passes bcoin\'s interpreter with the standard flags (refund in Form C signed by the sender alone)', () => {
          const sender = new SpillmanSigner(ctx, 'sender', c.keys.sender.fundingKey);
          const receiver = new SpillmanSigner(ctx, 'receiver', c.keys.receiver.fundingKey);
          const refund = sender.completeRefund(form === 'S' ? receiver.sign(receiver.refundHash()) : undefined);
          const payment = receiver.completePayment(3, 30_000n, sender.sign(sender.paymentHash(3, 30_000n)));
          const close = sender.completeClose(30_000n, 3000n, receiver.sign(receiver.closeHash(30_000n, 3000n)));
          for (const tx of [refund, payment, close]) verifyInputs(tx.toBuffer(), prevout(ctx));
          if (form === 'C') {
            expect(refund.ins[0]!.witness.length).to.equal(3);
            expect(refund.ins[0]!.witness[0]!.length).to.equal(0);
          }
          // Weights at most what fees were computed for.
          expect(refund.weight()).to.be.at.most(spillmanWeights(form).refund);
          expect(payment.weight()).to.be.at.most(spillmanWeights(form).payment);
        });

        it('a counterparty signature over anything else is refused', () => {
          const sender = new SpillmanSigner(ctx, 'sender', c.keys.sender.fundingKey);
          const receiver = new SpillmanSigner(ctx, 'receiver', c.keys.receiver.fundingKey);
          expect(codeOf(() => receiver.completePayment(3, 30_001n, sender.sign(sender.paymentHash(3, 30_000n))))).to.equal('INVALID_SIGNATURE');
          expect(codeOf(() => receiver.completePayment(4, 30_000n, sender.sign(sender.paymentHash(3, 30_000n))))).to.equal('INVALID_SIGNATURE');
          if (form === 'S') expect(codeOf(() => sender.completeRefund(sender.sign(sender.refundHash())))).to.equal('INVALID_SIGNATURE');
          expect(codeOf(() => new SpillmanSigner(ctx, 'sender', c.keys.receiver.fundingKey))).to.equal('INVALID_KEY');
          expect(codeOf(() => receiver.completeRefund())).to.equal('INVALID_ARGUMENT');
        });
      });

      describe('messages', () => {
        it('every message of a channel\'s life crosses the wire unchanged, and the generic decoder knows them', () => {
          const c = openConfirmed(form, { label: `wire ${form}` });
          const pay = c.sender.pay(1000n, CHAIN);
          const json = JSON.parse(JSON.stringify(encodeSpillmanMessage(pay))) as Record<string, unknown>;
          expect(json).to.include({ type: 'spillman_pay', version: 1, index: 1, amount: '1000' });
          expect(wire(pay)).to.deep.equal(pay);
          expect(decodeMessage(json)).to.deep.equal(pay);
          expect(codeOf(() => decodeSpillmanMessage({ ...json, amount: 1000 }))).to.equal('MESSAGE_INVALID');
          expect(codeOf(() => decodeSpillmanMessage({ ...json, index: 0 }))).to.equal('MESSAGE_INVALID');
          expect(codeOf(() => decodeSpillmanMessage({ ...json, extra: 1 }))).to.equal('MESSAGE_INVALID');
          expect(codeOf(() => decodeSpillmanMessage({ type: 'revoke', version: 1, channelId: '00'.repeat(32), index: 0, secret: '11'.repeat(32) }))).to.equal('UNEXPECTED_MESSAGE');
          const open = SpillmanSender.open({ form, capacity: CAPACITY, lockTime: { height: 5000 }, feeRate: FEE_RATE, secrets: spillmanKeys('wire open').sender }).message;
          const openJson = JSON.parse(JSON.stringify(encodeSpillmanMessage(open))) as Record<string, unknown>;
          expect(openJson.lockTime).to.deep.equal({ height: 5000 });
          expect(codeOf(() => decodeSpillmanMessage({ ...openJson, lockTime: { height: 0 } }))).to.equal('INVALID_TIMELOCK');
          expect(codeOf(() => decodeSpillmanMessage({ ...openJson, form: 'X' }))).to.equal('MESSAGE_INVALID');
        });
      });

      describe('the receiver\'s refusals leave it unchanged', () => {
        it('L too soon: fewer than minWindow blocks of payments before L - margin', () => {
          const keys = spillmanKeys(`too soon ${form}`);
          const open = (height: number) => SpillmanSender.open({ form, capacity: CAPACITY, lockTime: { height }, feeRate: FEE_RATE, secrets: keys.sender }).message;
          const policy = { margin: MARGIN, minWindow: 20 };
          // The cutoff is reached once tip + 1 >= L - margin - minWindow.
          expect(codeOf(() => SpillmanReceiver.accept(open(CHAIN.height + 1 + MARGIN + 20), keys.receiver, policy, CHAIN))).to.equal('INVALID_TIMELOCK');
          expect(codeOf(() => SpillmanReceiver.accept(open(CHAIN.height), keys.receiver, policy, CHAIN))).to.equal('INVALID_TIMELOCK');
          expect(SpillmanReceiver.accept(open(CHAIN.height + 2 + MARGIN + 20), keys.receiver, policy, CHAIN).receiver.phase).to.equal('accepted');
          expect(codeOf(() => SpillmanReceiver.accept(open(CHAIN.height + 500), keys.receiver, policy))).to.equal('INVALID_ARGUMENT');
          expect(codeOf(() => SpillmanReceiver.accept(open(CHAIN.height + 500), keys.receiver, { margin: 0 }, CHAIN))).to.equal('INVALID_ARGUMENT');
        });

        it('payments: not the next index, not strictly more, below dust, beyond the deposit, a bad signature, another channel', () => {
          const c = openConfirmed(form, { label: `refusals ${form}` });
          paySpillman(c, 5000n);
          const ctx = c.sender.context;
          const sign = (index: number, amount: bigint) => new SpillmanSigner(ctx, 'sender', c.keys.sender.fundingKey).sign(new SpillmanSigner(ctx, 'sender', c.keys.sender.fundingKey).paymentHash(index, amount));
          const pay = (index: number, amount: bigint, sig = sign(index, amount)) => ({ type: 'spillman_pay' as const, channelId: c.receiver.channelId, index, amount, sig });
          refusedUnchanged(c, () => c.receiver.onPay(pay(3, 7000n), CHAIN), 'UPDATE_INDEX_MISMATCH');
          refusedUnchanged(c, () => c.receiver.onPay(pay(1, 7000n), CHAIN), 'UPDATE_INDEX_MISMATCH');
          refusedUnchanged(c, () => c.receiver.onPay(pay(2, 5000n), CHAIN), 'UPDATE_NOT_MONOTONIC');
          refusedUnchanged(c, () => c.receiver.onPay(pay(2, 4000n), CHAIN), 'UPDATE_NOT_MONOTONIC');
          refusedUnchanged(c, () => c.receiver.onPay(pay(2, ctx.maxAmount + 1n, sign(2, ctx.maxAmount)), CHAIN), 'AMOUNT_EXCEEDS_CAPACITY');
          refusedUnchanged(c, () => c.receiver.onPay(pay(2, 7000n, sign(2, 7001n)), CHAIN), 'INVALID_SIGNATURE');
          refusedUnchanged(c, () => c.receiver.onPay({ ...pay(2, 7000n), channelId: new Uint8Array(32) }, CHAIN), 'WRONG_CHANNEL');
          refusedUnchanged(c, () => c.receiver.onPay(pay(2, 7000n), undefined as never), 'INVALID_ARGUMENT');
          // The same payment again (its ack was lost) is acknowledged again, paying nothing more.
          const again = c.receiver.onPay(pay(1, 5000n), CHAIN);
          expect(again.paid.increment).to.equal(0n);
          expect(c.receiver.onPay(pay(2, 7000n), CHAIN).paid.increment).to.equal(2000n);

          const d = openConfirmed(form, { label: `dust ${form}` });
          const dsign = new SpillmanSigner(d.sender.context, 'sender', d.keys.sender.fundingKey);
          refusedUnchanged(d, () => d.receiver.onPay({ type: 'spillman_pay', channelId: d.receiver.channelId, index: 1, amount: 293n, sig: dsign.sign(dsign.paymentHash(1, 294n)) }, CHAIN), 'AMOUNT_BELOW_DUST');
          expect(codeOf(() => d.sender.pay(293n, CHAIN))).to.equal('AMOUNT_BELOW_DUST');
        });

        it('after L - margin: CHANNEL_EXPIRED, whose action is to close', () => {
          const c = openConfirmed(form, { label: `cutoff ${form}` });
          paySpillman(c, 5000n);
          const l = (c.lockTime as { height: number }).height;
          const late = { height: l - MARGIN - 1, medianTimePast: CHAIN.medianTimePast };
          // The sender asks the receiver's rule first: at the cutoff it signs nothing and its state stays.
          const before = JSON.stringify(c.sender.toJSON());
          expect(codeOf(() => c.sender.pay(1000n, late))).to.equal('CHANNEL_EXPIRED');
          try {
            c.sender.pay(1000n, late);
          } catch (e) {
            expect((e as { action: string }).action).to.equal('close');
          }
          expect(JSON.stringify(c.sender.toJSON())).to.equal(before);
          expect(codeOf(() => c.sender.pay(1000n, { height: -1 } as never))).to.equal('INVALID_ARGUMENT');
          const p = c.sender.pay(1000n, { height: l - MARGIN - 2, medianTimePast: 0 });
          refusedUnchanged(c, () => c.receiver.onPay(p, late), 'CHANNEL_EXPIRED');
          try {
            c.receiver.onPay(p, late);
          } catch (e) {
            expect((e as { action: string }).action).to.equal('close');
          }
          expect(c.receiver.cutoffReached(late)).to.equal(true);
          expect(c.receiver.cutoffReached({ height: l - MARGIN - 2, medianTimePast: 0 })).to.equal(false);
          expect(c.receiver.onPay(p, { height: l - MARGIN - 2, medianTimePast: 0 }).paid.amount).to.equal(6000n);
        });

        it('funding: a payment before it is seen, a funding with a legacy input, another transaction', () => {
          const c = openSpillman(form, { label: `funding ${form}` });
          refusedUnchanged(c, () => c.receiver.onPay(c.sender.pay(1000n, CHAIN), CHAIN), 'FUNDING_NOT_CONFIRMED');
          // The same transaction with its witness stripped: as a legacy input shows.
          const legacy = Transaction.fromBuffer(c.fundingTx.toBuffer());
          legacy.ins[0]!.witness = [];
          legacy.ins[0]!.script = Uint8Array.of(0x01, 0x01);
          const fake = Transaction.fromBuffer(c.fundingTx.toBuffer());
          fake.outs[0]!.value -= 1n;
          refusedUnchanged(c, () => c.receiver.markFundingConfirmed({ tx: legacy.toBuffer(), confirmations: 6 }), 'FUNDING_MISMATCH');
          refusedUnchanged(c, () => c.receiver.markFundingConfirmed({ tx: fake.toBuffer(), confirmations: 6 }), 'FUNDING_MISMATCH');
          refusedUnchanged(c, () => c.receiver.markFundingConfirmed({ tx: c.fundingTx.toBuffer(), confirmations: 0 }), 'FUNDING_NOT_CONFIRMED');
          expect(c.receiver.markFundingConfirmed({ tx: c.fundingTx.toBuffer(), confirmations: 1 }).deep).to.equal(true);
        });

        it('a funding whose txid holds but an input has no witness is refused as non-segwit', () => {
          // A P2SH coin spent as if it were wrapped segwit: the txid ignores the witness, so strip it and the txid holds.
          const c = openSpillman(form, { label: `nonsegwit ${form}` });
          const stripped = Transaction.fromBuffer(c.fundingTx.toBuffer());
          stripped.ins[0]!.witness = [];
          expect(stripped.getId()).to.equal(c.fundingTx.getId());
          refusedUnchanged(c, () => c.receiver.markFundingConfirmed({ tx: stripped.toBuffer(), confirmations: 6 }), 'NON_SEGWIT_INPUT');
        });
      });

      describe('the receiver signs only what it built', () => {
        it('the refund signature signs the refund of the agreed terms, and nothing the sender could alter', () => {
          const c = openSpillman(form, { label: `own build ${form}` });
          const refund = c.sender.refundTransaction();
          verifyInputs(refund.toBuffer(), prevout(c.sender.context));
          expect(refund.locktime).to.equal((c.lockTime as { height: number }).height);
          expect(refund.ins[0]!.sequence).to.not.equal(0xffffffff);
          if (form === 'S') {
            // The same signature on a refund with a final nSequence (no lock) does not verify.
            const unlocked = Transaction.fromBuffer(refund.toBuffer());
            unlocked.ins[0]!.sequence = 0xffffffff;
            expect(() => verifyInputs(unlocked.toBuffer(), prevout(c.sender.context))).to.throw(/fails script verification/);
          }
        });

        it('a close offer must pay the latest total at a rate within the receiver\'s bound', () => {
          const c = openConfirmed(form, { label: `close ${form}` });
          paySpillman(c, 12_000n);
          const offer = c.sender.proposeClose(2000n);
          refusedUnchanged(c, () => c.receiver.onCloseOffer({ ...offer, amount: 11_000n }, 5000n), 'UPDATE_NOT_MONOTONIC');
          refusedUnchanged(c, () => c.receiver.onCloseOffer(offer, 1000n), 'FEE_RATE_REFUSED');
          refusedUnchanged(c, () => c.receiver.onCloseOffer({ ...offer, feeRate: 2001n }, 5000n), 'INVALID_SIGNATURE');
          const { message, tx } = c.receiver.onCloseOffer(wire(offer), 5000n);
          const mine = c.sender.onCloseSigned(wire(message));
          expect(mine.toHex()).to.equal(tx.toHex());
          verifyInputs(tx.toBuffer(), prevout(c.sender.context));
          expect(tx.outs[0]!.value).to.equal(12_000n);
          expect(c.sender.phase).to.equal('closed');
          expect(c.receiver.phase).to.equal('closed');
          expect(codeOf(() => c.sender.pay(1000n, CHAIN))).to.equal('CHANNEL_CLOSED');
        });
      });

      describe('the sender', () => {
        it('pays only once the last payment is acknowledged, and resends the same one', () => {
          const c = openConfirmed(form, { label: `pending ${form}` });
          const p = c.sender.pay(1000n, CHAIN);
          expect(codeOf(() => c.sender.pay(1000n, CHAIN))).to.equal('PAYMENT_PENDING');
          expect(c.sender.pendingPay()).to.deep.equal(p);
          const { message } = c.receiver.onPay(wire(p), CHAIN);
          expect(codeOf(() => c.sender.onPayAck({ ...message, index: 2 }))).to.equal('UPDATE_INDEX_MISMATCH');
          c.sender.onPayAck(wire(message));
          expect(codeOf(() => c.sender.pendingPay())).to.equal('UNEXPECTED_MESSAGE');
        });

        it('refuses a refund signature that does not sign its refund (Form S), and funds nothing before it', () => {
          if (form === 'C') return;
          const keys = spillmanKeys('forged refund');
          const { sender, message: open } = SpillmanSender.open({ form, capacity: CAPACITY, lockTime: { height: CHAIN.height + 100 }, feeRate: FEE_RATE, secrets: keys.sender });
          const { receiver, message: accept } = SpillmanReceiver.accept(open, keys.receiver, { margin: MARGIN, minWindow: 5 }, CHAIN);
          sender.onAccept(accept);
          const { message } = sender.createFunding({ inputs: [fakeCoin(keys.wallet)], changeScript: p2wpkhScript(keys.wallet.pub), feeRate: FEE_RATE });
          const signed = receiver.onFundingCreated(message)!;
          expect(codeOf(() => sender.refundTransaction())).to.equal('UNEXPECTED_MESSAGE');
          expect(codeOf(() => sender.onRefundSigned({ ...signed, sig: new Uint8Array(72).fill(2) }))).to.equal('INVALID_SIGNATURE');
          expect(sender.phase).to.equal('funding_created');
          expect(codeOf(() => sender.pay(1000n, CHAIN))).to.equal('UNEXPECTED_MESSAGE');
          sender.onRefundSigned(signed);
          expect(sender.phase).to.equal('open');
        });
      });

      describe('steps and saved state', () => {
        it('a payment as steps: saved before it is sent, and both parties restore to the same channel', async () => {
          const c = openConfirmed(form, { label: `steps ${form}` });
          const log: string[] = [];
          let senderSaved: unknown;
          let receiverSaved: unknown;
          const step = spillmanPayStep(c.sender, 2500n, CHAIN);
          await performStep(step, { save: (s) => { log.push('sender save'); senderSaved = JSON.parse(JSON.stringify(s)); }, send: () => { log.push('sender send'); } });
          const r = handleSpillmanReceiverMessage(c.receiver, wire(step.send!), { chain: CHAIN });
          expect(r.paid?.increment).to.equal(2500n);
          await performStep(r, { save: (s) => { log.push('receiver save'); receiverSaved = JSON.parse(JSON.stringify(s)); }, send: () => { log.push('receiver send'); } });
          handleSpillmanSenderMessage(c.sender, wire(r.send as never));
          expect(log).to.deep.equal(['sender save', 'sender send', 'receiver save', 'receiver send']);
          const sender = SpillmanSender.restore(senderSaved, c.keys.sender);
          const receiver = SpillmanReceiver.restore(receiverSaved, c.keys.receiver);
          expect(sender.amount).to.equal(2500n);
          expect(receiver.amount).to.equal(2500n);
          expect(receiver.latestPaymentTransaction()!.toHex()).to.equal(c.receiver.latestPaymentTransaction()!.toHex());
          expect(sender.refundTransaction().toHex()).to.equal(c.sender.refundTransaction().toHex());
          expect(codeOf(() => handleSpillmanReceiverMessage(c.receiver, wire(sender.pendingPay())))).to.equal('INVALID_ARGUMENT');
        });

        it('damaged saved state is STATE_INVALID naming the field; another channel\'s keys are INVALID_KEY', () => {
          const c = openConfirmed(form, { label: `damage ${form}` });
          paySpillman(c, 4000n);
          const r = c.receiver.toJSON() as Record<string, Record<string, unknown>>;
          const s = c.sender.toJSON() as Record<string, unknown>;
          const field = (run: () => unknown): unknown => {
            try {
              run();
            } catch (e) {
              return (e as { code: string; details?: { field?: string } }).code + ':' + String((e as { details?: { field?: string } }).details?.field);
            }
            return 'no error';
          };
          expect(field(() => SpillmanReceiver.restore({ ...r, latest: { ...r.latest, amount: '4001' } }, c.keys.receiver))).to.equal('STATE_INVALID:latest');
          expect(field(() => SpillmanReceiver.restore({ ...r, latest: { ...r.latest, index: 2 } }, c.keys.receiver))).to.equal('STATE_INVALID:latest');
          expect(codeOf(() => SpillmanReceiver.restore({ ...r, format: 'x' }, c.keys.receiver))).to.equal('STATE_INVALID');
          expect(codeOf(() => SpillmanReceiver.restore({ ...r, phase: 'funded' }, c.keys.receiver))).to.equal('STATE_INVALID');
          expect(codeOf(() => SpillmanReceiver.restore(r, spillmanKeys('other').receiver))).to.equal('INVALID_KEY');
          expect(codeOf(() => SpillmanSender.restore(s, spillmanKeys('other').sender))).to.equal('INVALID_KEY');
          expect(codeOf(() => SpillmanSender.restore({ ...s, acked: 2 }, c.keys.sender))).to.equal('STATE_INVALID');
          expect(codeOf(() => SpillmanSender.restore({ ...s, amount: '0' }, c.keys.sender))).to.equal('STATE_INVALID');
          if (form === 'S') {
            const other = openSpillman('S', { label: 'damage other' }).sender.toJSON() as Record<string, unknown>;
            expect(field(() => SpillmanSender.restore({ ...s, refundSig: other.refundSig }, c.keys.sender))).to.equal('STATE_INVALID:refundSig');
            expect(codeOf(() => SpillmanSender.restore({ ...s, refundSig: null }, c.keys.sender))).to.equal('STATE_INVALID');
          } else {
            expect(codeOf(() => SpillmanSender.restore({ ...s, refundSig: '30' }, c.keys.sender))).to.equal('STATE_INVALID');
          }
          for (const json of [null, [], {}, 'x']) {
            expect(codeOf(() => SpillmanSender.restore(json, c.keys.sender))).to.equal('STATE_INVALID');
            expect(codeOf(() => SpillmanReceiver.restore(json, c.keys.receiver))).to.equal('STATE_INVALID');
          }
          // Unchanged by all of it.
          expect(SpillmanReceiver.restore(JSON.parse(JSON.stringify(r)), c.keys.receiver).amount).to.equal(4000n);
        });
      });
    });
  }

  it('the parameters: forms, keys, locks and fees are checked once', () => {
    const k = spillmanKeys('params');
    const p = {
      form: 'S' as const, fundingOutpoint: { txid: '22'.repeat(32), vout: 0 }, capacity: CAPACITY,
      senderFundingKey: derivePublicKey(k.sender.fundingKey), receiverFundingKey: derivePublicKey(k.receiver.fundingKey),
      senderPayoutKey: derivePublicKey(k.sender.payoutKey), receiverPayoutKey: derivePublicKey(k.receiver.payoutKey),
      lockTime: { height: 3000 }, feeRate: FEE_RATE,
    };
    expect(verifySpillmanParams(p).params.form).to.equal('S');
    const table: [string, unknown, string][] = [
      ['form X', { ...p, form: 'X' }, 'INVALID_ARGUMENT'],
      ['equal funding keys', { ...p, receiverFundingKey: p.senderFundingKey }, 'INVALID_KEY'],
      ['equal payout keys', { ...p, receiverPayoutKey: p.senderPayoutKey }, 'INVALID_KEY'],
      ['lock 0', { ...p, lockTime: { height: 0 } }, 'INVALID_TIMELOCK'],
      ['a fee rate beyond the deposit', { ...p, capacity: 500n }, 'FEE_EXCEEDS_OUTPUT'],
      ['no outpoint', { ...p, fundingOutpoint: null }, 'INVALID_ARGUMENT'],
    ];
    for (const [what, v, code] of table) expect(codeOf(() => verifySpillmanParams(v as never)), what).to.equal(code);
    expect(codeOf(() => compileSpillmanCltvScript({ senderFundingKey: p.senderFundingKey, receiverFundingKey: p.senderFundingKey, lockTime: { height: 5 } }))).to.equal('INVALID_KEY');
    expect(testKey('x').pub).to.have.length(33);
  });
});
