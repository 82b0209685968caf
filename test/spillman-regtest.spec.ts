/**
 * The Spillman channel on the embedded bcoin regtest node, both forms, as
 * issue 15 and CONSTRUCTIONS.md 1d list: (1) a funding with a legacy input is
 * refused; (2) the refund is rejected `non-final` at tip L-1 and accepted at
 * tip L; (3) after 100 payments the receiver's close pays exactly the last
 * total; (4) the receiver closes at L - margin and the sender's refund is then
 * refused (its input spent); (5) Form C: the sender's CLTV branch is rejected
 * before L and confirms after, with no receiver signature ever given; (6)
 * every revealed witness script equals its template. The node starts past
 * height 1351, from which bcoin's regtest enforces CLTV in blocks.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, FUNDING_TEMPLATE, SPILLMAN_CLTV_TEMPLATE, SpillmanForm, SpillmanFundingCreated, SpillmanReceiver, SpillmanSender,
  TX_VERSION, buildFundingSpendTx, confirmFunding, compileFundingScript, compileSpillmanCltvScript, explainTransaction, fromHex, fundingSpendSighash, hash160,
  matchTemplate, p2wpkhScript, p2wshScript, setSpillmanWitness, signSighash, toHex,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { CAPACITY, FEE_RATE, MARGIN, OpenedSpillman, openSpillman, spillmanKeys, wire } from './constructions/spillman/kit';
import { broadcastAndConfirm, mineTo, rejectionOf } from './support/e2e';
import { codeOf } from './support/errors';

const BIP65_HEIGHT = 1351;
const LOCK_AHEAD = 40;

/** The witness script an input revealed, and the template it matches. */
function revealed(tx: Transaction): { script: Uint8Array; template: string | undefined } {
  const w = tx.ins[0]!.witness;
  const script = w[w.length - 1]!;
  return { script, template: matchTemplate(script)?.template.name };
}

/** The script the channel's funding output must reveal, compiled from the terms. */
function expectedScript(c: OpenedSpillman): Uint8Array {
  const p = c.sender.context.params;
  return c.form === 'S' ? compileFundingScript(p) : compileSpillmanCltvScript(p);
}

describe('Spillman channel on a regtest node', function () {
  this.timeout(120_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
    expect((await node.getTip()).height).to.be.above(BIP65_HEIGHT);
  });

  after(async () => {
    await node?.stop();
  });

  async function chain(): Promise<ChainView> {
    const tip = await node.getTip();
    return { height: tip.height, medianTimePast: tip.medianTimePast };
  }

  /** A channel funded by a real coin, the funding broadcast by the sender and confirmed, the receiver shown it by its node. */
  async function openOnChain(form: SpillmanForm, label: string): Promise<OpenedSpillman & { l: number }> {
    const keys = spillmanKeys(label);
    const walletScript = p2wpkhScript(keys.wallet.pub);
    const coin = await node.fund(walletScript, CAPACITY + 100_000n);
    const view = await chain();
    const l = view.height + LOCK_AHEAD;
    const c = openSpillman(form, { label, lockTime: { height: l }, chain: view, coin: { txid: coin.txid, vout: coin.vout, value: coin.value, script: walletScript, prevTx: coin.tx } });
    // The sender broadcasts its funding itself: in Form S only now, with the refund signed.
    await broadcastAndConfirm(node, c.fundingTx);
    // The receiver reads the funding from its own node.
    expect(await confirmFunding(c.receiver, node)).to.deep.equal({ confirmations: 1, deep: true });
    expect(c.receiver.phase).to.equal('open');
    return { ...c, l };
  }

  async function payMany(c: OpenedSpillman, count: number): Promise<bigint> {
    const view = await chain();
    let total = 0n;
    for (let i = 1; i <= count; i++) {
      const inc = BigInt(1000 + (i % 7));
      total += inc;
      const { message, paid } = c.receiver.onPay(wire(c.sender.pay(inc, view)), view);
      c.sender.onPayAck(wire(message));
      expect(paid).to.deep.equal({ index: i, amount: total, increment: inc });
    }
    return total;
  }

  for (const form of ['S', 'C'] as const) {
    describe(`Form ${form}`, () => {
      it('(1) a funding with a legacy input: the sender will not build it, and the receiver refuses it from its node', async () => {
        const keys = spillmanKeys(`legacy ${form}`);
        const p2pkh = Uint8Array.from([0x76, 0xa9, 0x14, ...hash160(keys.wallet.pub), 0x88, 0xac]);
        const coin = await node.fund(p2pkh, CAPACITY + 100_000n);
        const view = await chain();
        const { sender, message: open } = SpillmanSender.open({ form, capacity: CAPACITY, lockTime: { height: view.height + LOCK_AHEAD }, feeRate: FEE_RATE, secrets: keys.sender });
        const { receiver, message: accept } = SpillmanReceiver.accept(wire(open), keys.receiver, { margin: MARGIN, minWindow: 5, fundingDepth: 1 }, view);
        sender.onAccept(wire(accept));
        const legacyCoin = { txid: coin.txid, vout: coin.vout, value: coin.value, script: p2pkh, prevTx: coin.tx };
        expect(codeOf(() => sender.createFunding({ inputs: [legacyCoin], changeScript: p2wpkhScript(keys.wallet.pub), feeRate: FEE_RATE }))).to.equal('NON_SEGWIT_INPUT');
        expect(sender.phase).to.equal('accepted');

        // Built by hand: a P2PKH input signed in its scriptSig, paying the channel's funding output.
        const ctxScript = form === 'S'
          ? compileFundingScript({ senderFundingKey: open.senderFundingKey, receiverFundingKey: accept.receiverFundingKey })
          : compileSpillmanCltvScript({ senderFundingKey: open.senderFundingKey, receiverFundingKey: accept.receiverFundingKey, lockTime: open.lockTime });
        const tx = new Transaction();
        tx.version = TX_VERSION;
        tx.addInput(fromHex(coin.txid).reverse(), coin.vout, 0xfffffffe);
        tx.addOutput(p2wshScript(ctxScript), CAPACITY);
        const sig = signSighash(tx.hashForSignature(0, p2pkh, Transaction.SIGHASH_ALL), keys.wallet.priv);
        tx.setInputScript(0, Uint8Array.from([sig.length, ...sig, 33, ...keys.wallet.pub]));
        await broadcastAndConfirm(node, tx);
        const created: SpillmanFundingCreated = { type: 'spillman_funding_created', tempChannelId: open.tempChannelId, fundingTxid: fromHex(tx.getId()), fundingVout: 0 };
        receiver.onFundingCreated(wire(created));
        const got = await node.getTransaction(tx.getId());
        const before = JSON.stringify(receiver.toJSON());
        expect(codeOf(() => receiver.markFundingConfirmed({ tx: got!.tx, confirmations: 1 }))).to.equal('NON_SEGWIT_INPUT');
        expect(JSON.stringify(receiver.toJSON())).to.equal(before);
        expect(codeOf(() => receiver.onPay({ type: 'spillman_pay', channelId: receiver.channelId, index: 1, amount: 1000n, sig: new Uint8Array(71).fill(1) }, view))).to.equal('FUNDING_NOT_CONFIRMED');
      });

      it(`(2)${form === 'C' ? ' and (5)' : ''} the receiver vanished: the refund is rejected non-final at tip L-1 and confirms at tip L`, async () => {
        const c = await openOnChain(form, `vanished ${form}`);
        await payMany(c, 3);
        const refund = c.sender.refundTransaction();
        expect(refund.locktime).to.equal(c.l);
        await mineTo(node, c.l - 1);
        const early = await rejectionOf(node.broadcast(refund.toBuffer()));
        expect(early.code).to.equal('BROADCAST_REJECTED');
        expect(early.details?.reason).to.equal('non-final');
        if (form === 'C') {
          // (5) The script's own lock: a refund path signed with nLockTime L-1 is final at this tip, and the CLTV in the script refuses it.
          const ctx = c.sender.context;
          const spend = { funding: ctx.funding, locktime: c.l - 1, sequence: 0xfffffffe, outputs: [{ script: ctx.senderPayoutScript, value: CAPACITY - ctx.refundFee }] };
          const early2 = buildFundingSpendTx(spend);
          setSpillmanWitness(ctx, early2, 'refund', { senderSig: signSighash(fundingSpendSighash(spend), c.keys.sender.fundingKey) });
          const byScript = await rejectionOf(node.broadcast(early2.toBuffer()));
          expect(byScript.code).to.equal('BROADCAST_REJECTED');
          expect(byScript.details?.scriptError).to.equal('UNSATISFIED_LOCKTIME');
        }
        await mineTo(node, c.l);
        const confirmed = await broadcastAndConfirm(node, refund);
        expect(confirmed.fee).to.equal(c.sender.context.refundFee);
        expect(toHex(confirmed.tx.outs[0]!.script)).to.equal(toHex(c.sender.context.senderPayoutScript));
        expect(confirmed.tx.outs[0]!.value).to.equal(CAPACITY - c.sender.context.refundFee);
        // (6)
        const r = revealed(confirmed.tx);
        expect(toHex(r.script)).to.equal(toHex(expectedScript(c)));
        expect(r.template).to.equal(form === 'S' ? FUNDING_TEMPLATE.name : SPILLMAN_CLTV_TEMPLATE.name);
        expect(explainTransaction(confirmed.tx).kind).to.equal('spillman-refund');
        if (form === 'C') {
          // (5): the refund path's receiver place is empty, and the receiver never signed anything of this channel.
          const w = confirmed.tx.ins[0]!.witness;
          expect(w).to.have.length(3);
          expect(w[0]!.length).to.equal(0);
          expect(c.receiver.toJSON()).to.not.have.nested.property('refundSig');
        }
      });

      it('(3) 100 payments, then the receiver\'s close pays it exactly the last total and the sender the rest less the fee', async () => {
        const c = await openOnChain(form, `hundred ${form}`);
        const total = await payMany(c, 100);
        expect(c.receiver.amount).to.equal(total);
        const close = c.receiver.latestPaymentTransaction()!;
        const confirmed = await broadcastAndConfirm(node, close);
        const ctx = c.receiver.context;
        expect(confirmed.tx.outs.map((o) => o.value)).to.deep.equal([total, CAPACITY - total - ctx.paymentFee]);
        expect(toHex(confirmed.tx.outs[0]!.script)).to.equal(toHex(ctx.receiverPayoutScript));
        expect(confirmed.fee).to.equal(ctx.paymentFee);
        const r = revealed(confirmed.tx);
        expect(toHex(r.script)).to.equal(toHex(expectedScript(c)));
        const e = explainTransaction(confirmed.tx);
        expect(e.kind).to.equal('spillman-payment');
        expect(e.stateNote).to.contain('payment index 100');
      });

      it('(4) the receiver closes at L - margin, and the sender\'s refund is then refused: its input is spent', async () => {
        const c = await openOnChain(form, `cutoff ${form}`);
        const total = await payMany(c, 5);
        // The tip from which payments stop: the next block is within the margin of L.
        const cutoff = c.l - MARGIN - 1;
        await mineTo(node, cutoff - 1);
        expect(c.receiver.cutoffReached(await chain())).to.equal(false);
        await mineTo(node, cutoff);
        expect(c.receiver.cutoffReached(await chain())).to.equal(true);
        const now = await chain();
        // The sender asks the same rule and signs nothing; one signed a block earlier is refused by the receiver.
        expect(codeOf(() => c.sender.pay(1000n, now))).to.equal('CHANNEL_EXPIRED');
        expect(codeOf(() => c.receiver.onPay(wire(c.sender.pay(1000n, { height: cutoff - 1, medianTimePast: 0 })), now))).to.equal('CHANNEL_EXPIRED');
        const confirmed = await broadcastAndConfirm(node, c.receiver.latestPaymentTransaction()!);
        expect(confirmed.tx.outs[0]!.value).to.equal(total);
        await mineTo(node, c.l);
        const late = await rejectionOf(node.broadcast(c.sender.refundTransaction().toBuffer()));
        expect(late.code).to.equal('BROADCAST_REJECTED');
        expect(String(late.details?.reason)).to.not.equal('non-final');
        expect(await node.getSpender({ txid: c.fundingTx.getId(), vout: 0 })).to.have.property('txid', confirmed.tx.getId());
      });

      it('a cooperative close at a fresh fee rate confirms, and its witness script is the template\'s', async () => {
        const c = await openOnChain(form, `coop ${form}`);
        const total = await payMany(c, 2);
        const offer = c.sender.proposeClose(2000n);
        const { message, tx } = c.receiver.onCloseOffer(wire(offer), 5000n);
        expect(c.sender.onCloseSigned(wire(message)).toHex()).to.equal(tx.toHex());
        const confirmed = await broadcastAndConfirm(node, tx);
        expect(confirmed.tx.outs[0]!.value).to.equal(total);
        expect(toHex(revealed(confirmed.tx).script)).to.equal(toHex(expectedScript(c)));
        expect(explainTransaction(confirmed.tx).kind).to.equal('spillman-close');
      });
    });
  }
});
