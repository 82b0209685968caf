/**
 * End to end on the embedded bcoin regtest node: channels funded with real
 * coins, every closing path broadcast and confirmed, and the amounts read back
 * from the confirmed transactions. One node per describe block.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  CLOSE_WEIGHT, cltvCutoffReached, feeForWeight, p2wshScript, penaltyWeight, revocableScriptFor, timeoutWeight,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import {
  CLTV_MARGIN, CSV_DELAY, E2E_VARIANTS, FundedChannel, broadcastAndConfirm, chainView, mineTo, openFundedChannel, payMany,
  rejectionOf, sumIns, sumOuts, syncRejectionOf, valueTo, wire,
} from './support/e2e';

const CLOSE_FEE_RATE = 2000n;
const SWEEP_FEE_RATE = 1000n;
const PENALTY_FEE_RATE = 2000n;
const P2WPKH_LEN = 22;

function expiryOf(c: FundedChannel): number {
  if (c.variant.kind !== 'cltv' || !('height' in c.variant.expiry)) throw new Error('not a CLTV-by-height channel');
  return c.variant.expiry.height;
}

/** The fee a confirmed funding spend paid: the capacity minus its outputs. */
function feeFromFunding(c: FundedChannel, tx: Transaction): bigint {
  expect(tx.ins.length).to.equal(1);
  expect(Buffer.from(tx.ins[0]!.hash).reverse().toString('hex')).to.equal(c.sender.funding!.txid);
  expect(tx.ins[0]!.index).to.equal(c.sender.funding!.vout);
  return c.capacity - sumOuts(tx);
}

for (const name of E2E_VARIANTS) {
  describe(`end to end on a bcoin regtest node: ${name}`, function () {
    let node: RegtestNode;

    before(async () => {
      node = await RegtestNode.start();
    });

    after(async () => {
      await node?.stop();
    });

    it('funds with a real coin, makes 200 payments and closes cooperatively; the close pays what was agreed', async () => {
      const c = await openFundedChannel(node, name);
      expect(c.fundingTx.ins.length).to.equal(1);
      const total = await payMany(c, 200);
      expect(c.sender.index).to.equal(200);

      const closeOffer = c.sender.proposeClose(CLOSE_FEE_RATE);
      const { message: closeSigned, tx: rClose } = c.receiver.onCloseOffer(wire(closeOffer));
      const sClose = c.sender.onCloseSigned(wire(closeSigned));
      expect(sClose.toHex()).to.equal(rClose.toHex());
      expect(c.sender.phase).to.equal('closed');
      expect(c.receiver.phase).to.equal('closed');

      const { tx, fee } = await broadcastAndConfirm(node, sClose);
      expect(tx.locktime).to.equal(0);
      const closeFee = feeForWeight(CLOSE_WEIGHT, CLOSE_FEE_RATE);
      expect(feeFromFunding(c, tx)).to.equal(closeFee);
      expect(fee).to.equal(closeFee);
      // The agreed rate is a floor: the real weight is at most the maximum the fee was computed from.
      expect(closeFee * 1000n >= BigInt(tx.weight()) * CLOSE_FEE_RATE).to.equal(true);
      expect(tx.outs.length).to.equal(2);
      expect(valueTo(tx, c.receiver.context.receiverPayoutScript)).to.equal(total);
      expect(valueTo(tx, c.sender.context.senderPayoutScript)).to.equal(c.capacity - total - closeFee);
    });

    it("the receiver's unilateral close confirms and pays it the final amount", async () => {
      const c = await openFundedChannel(node, name);
      const total = await payMany(c, 25);
      const rtx = c.receiver.latestTransaction()!;
      expect(rtx).to.not.equal(undefined);

      const { tx } = await broadcastAndConfirm(node, rtx);
      const paymentFee = c.receiver.context.paymentFee;
      expect(feeFromFunding(c, tx)).to.equal(paymentFee);
      expect(valueTo(tx, c.receiver.context.receiverPayoutScript)).to.equal(total);
      expect(valueTo(tx, c.receiver.context.senderPayoutScript)).to.equal(c.capacity - total - paymentFee);

      // The funding output is gone: the sender's version can no longer be mined.
      const err = await rejectionOf(node.broadcast(c.sender.latestTransaction().toBuffer()));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      expect(err.details?.reason).to.equal('bad-txns-inputs-missingorspent');
    });

    it("the sender's unilateral close: the timeout sweep is refused before the lock and confirms at it", async () => {
      const c = await openFundedChannel(node, name);
      const total = await payMany(c, 30);
      const senderTx = c.sender.latestTransaction();
      const { tx, height: blockHeight } = await broadcastAndConfirm(node, senderTx);
      const ctx = c.sender.context;
      expect(feeFromFunding(c, tx)).to.equal(ctx.paymentFee);
      expect(valueTo(tx, ctx.receiverPayoutScript)).to.equal(total);
      const revocable = p2wshScript(revocableScriptFor(ctx, c.sender.updateKey(c.sender.index)));
      const senderValue = valueTo(tx, revocable);
      expect(senderValue).to.equal(c.capacity - total - ctx.paymentFee);

      const sweep = c.sender.timeoutSweep(tx.toBuffer(), c.walletScript, SWEEP_FEE_RATE);
      const reason = c.variant.kind === 'cltv' ? 'non-final' : 'non-BIP68-final';
      const refused = async () => {
        const err = await rejectionOf(node.broadcast(sweep.toBuffer()));
        expect(err.code).to.equal('BROADCAST_REJECTED');
        expect(err.details?.reason).to.equal(reason);
        expect(node.mempoolHas(sweep.getId())).to.equal(false);
      };
      await refused();

      if (c.variant.kind === 'cltv') {
        const expiry = expiryOf(c);
        expect(sweep.locktime).to.equal(expiry);
        // Final only once the tip reaches T (the next block's height is then above T).
        await mineTo(node, expiry - 1);
        await refused();
        await node.mine(1);
        expect((await node.getTip()).height).to.equal(expiry);
      } else {
        expect(sweep.ins[0]!.sequence).to.equal(CSV_DELAY);
        // Final once the sender's version has D confirmations.
        await mineTo(node, blockHeight + CSV_DELAY - 2);
        expect(await node.getConfirmations(tx.getId())).to.equal(CSV_DELAY - 1);
        await refused();
        await node.mine(1);
        expect(await node.getConfirmations(tx.getId())).to.equal(CSV_DELAY);
      }

      const swept = await broadcastAndConfirm(node, sweep);
      const sweepFee = feeForWeight(timeoutWeight(ctx.revocableTemplate, P2WPKH_LEN), SWEEP_FEE_RATE);
      expect(swept.tx.ins.length).to.equal(1);
      expect(await sumIns(node, swept.tx)).to.equal(senderValue);
      expect(swept.tx.outs.length).to.equal(1);
      expect(valueTo(swept.tx, c.walletScript)).to.equal(senderValue - sweepFee);
    });

    for (const which of ['state 0', 'a middle state', 'the last-but-one state'] as const) {
      it(`the sender broadcasts a revoked state (${which}); the receiver's penalty takes everything`, async () => {
        const c = await openFundedChannel(node, name);
        const PAYMENTS = 20;
        const history: Transaction[] = [c.sender.latestTransaction()];
        await payMany(c, PAYMENTS, (senderTx, index) => {
          expect(index).to.equal(history.length);
          history.push(senderTx);
        });
        expect(history.length).to.equal(PAYMENTS + 1);
        const state = which === 'state 0' ? 0 : which === 'a middle state' ? PAYMENTS / 2 : PAYMENTS - 1;
        const oldTx = history[state]!;
        expect(c.receiver.indexOf(oldTx)).to.equal(BigInt(state));
        expect(c.receiver.isRevoked(state)).to.equal(true);

        const revoked = await broadcastAndConfirm(node, oldTx);
        const paymentFee = feeFromFunding(c, revoked.tx);
        expect(paymentFee).to.equal(c.receiver.context.paymentFee);

        const penalty = c.receiver.penaltyTx(oldTx.toBuffer(), c.receiverDest, PENALTY_FEE_RATE);
        const claimed = await broadcastAndConfirm(node, penalty);
        // Every output of the revoked version is spent by the claim.
        const spent = claimed.tx.ins.map((i) => `${Buffer.from(i.hash).reverse().toString('hex')}:${i.index}`).sort();
        expect(spent).to.deep.equal(revoked.tx.outs.map((_, v) => `${revoked.tx.getId()}:${v}`).sort());
        const hasReceiverOutput = state > 0;
        expect(revoked.tx.outs.length).to.equal(hasReceiverOutput ? 2 : 1);

        const penaltyFee = claimed.fee;
        expect(await sumIns(node, claimed.tx)).to.equal(sumOuts(revoked.tx));
        expect(penaltyFee).to.equal(feeForWeight(penaltyWeight(c.receiver.context.revocableTemplate, hasReceiverOutput, P2WPKH_LEN), PENALTY_FEE_RATE));
        expect(penaltyFee * 1000n >= BigInt(claimed.tx.weight()) * PENALTY_FEE_RATE).to.equal(true);
        expect(claimed.tx.outs.length).to.equal(1);
        expect(valueTo(claimed.tx, c.receiverDest)).to.equal(c.capacity - (paymentFee + penaltyFee));
      });
    }

    if (name === 'CLTV') {
      it('at the CLTV cutoff the receiver refuses offers and its close confirms before the expiry', async () => {
        const c = await openFundedChannel(node, name);
        const expiry = expiryOf(c);
        const total = await payMany(c, 10);
        let view = await chainView(node);
        while (!cltvCutoffReached(c.variant, CLTV_MARGIN, view)) {
          await node.mine(1);
          view = await chainView(node);
        }
        // The cutoff: the next block would be `margin` blocks before expiry.
        expect(view.height).to.equal(expiry - CLTV_MARGIN - 1);

        const offer = c.sender.pay(5000n);
        const err = syncRejectionOf(() => c.receiver.onOffer(wire(offer), view));
        expect(err.code).to.equal('CHANNEL_EXPIRED');
        expect(c.receiver.amount).to.equal(total);
        expect(c.receiver.pendingAmount).to.equal(undefined);

        const rtx = c.receiver.latestTransaction()!;
        const { tx, height: blockHeight } = await broadcastAndConfirm(node, rtx);
        expect(blockHeight).to.be.below(expiry);
        expect(valueTo(tx, c.receiver.context.receiverPayoutScript)).to.equal(total);
      });
    } else {
      it('a CSV channel has no cutoff: payments are still taken after many blocks', async () => {
        const c = await openFundedChannel(node, name);
        await payMany(c, 5);
        await node.mine(100);
        const view = await chainView(node);
        expect(cltvCutoffReached(c.variant, 0, view)).to.equal(false);
        const total = await payMany(c, 5);
        const { tx } = await broadcastAndConfirm(node, c.receiver.latestTransaction()!);
        expect(valueTo(tx, c.receiver.context.receiverPayoutScript)).to.equal(total);
      });
    }
  });
}
