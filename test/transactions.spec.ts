/**
 * Every transaction kind, both variants, fully signed, proven by bcoin's
 * interpreter with standard flags; and the spends that must fail, failing for
 * their own reason.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  CLOSE_WEIGHT, PAYMENT_WEIGHT, PaymentSigner, PenaltyParams, SIGHASH_ALL, TimeoutParams, assembleWitness,
  buildCooperativeCloseTx, buildPenaltyTx, buildReceiverPaymentTx, buildSenderPaymentTx, buildTimeoutTx,
  compileRevocableScript, decodeStateNumber, feeForWeight, p2wpkhScript, p2wshScript, penaltyWeight,
  revocableTemplate, signPenaltyTx, signSighash, signTimeoutTx, timeoutWeight, toHex, verifyChannelParams,
  createFundingPsbt, signPsbtWithKey, finalizePsbt, extractTransaction,
} from '../lib';
import { keys, testKey } from './support/keys';
import { VARIANTS, channelParams, fundingParams, wallet, walletScript } from './support/channel';
import { Prevout, checkInputError, verifyInputs } from './support/verify';

const dest = p2wpkhScript(testKey('destination').pub);

function prevoutsOf(spent: Transaction, tx: Transaction): Prevout[] {
  return tx.ins.map((i) => ({ script: spent.outs[i.index]!.script, value: spent.outs[i.index]!.value }));
}

function highS(sig: Uint8Array): Uint8Array {
  // Re-encode the DER signature with s' = n - s: still valid ECDSA, but not standard.
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const rLen = sig[3]!;
  const r = sig.subarray(4, 4 + rLen);
  const sLen = sig[5 + rLen]!;
  const s = BigInt('0x' + toHex(sig.subarray(6 + rLen, 6 + rLen + sLen)));
  let hex = (n - s).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let sBytes = Buffer.from(hex, 'hex');
  if (sBytes[0]! & 0x80) sBytes = Buffer.concat([Buffer.from([0]), sBytes]);
  const body = Buffer.concat([Buffer.from([2, r.length]), r, Buffer.from([2, sBytes.length]), sBytes]);
  return Uint8Array.from(Buffer.concat([Buffer.from([0x30, body.length]), body, Buffer.from([sig[sig.length - 1]!])]));
}

describe('transactions, verified by an independent interpreter', () => {
  it('funding: built, signed through PSBT, finalized and verified; change back to the wallet', () => {
    const p = fundingParams();
    const psbt = createFundingPsbt(p);
    expect(signPsbtWithKey(psbt, wallet.priv)).to.equal(1);
    const tx = extractTransaction(finalizePsbt(psbt));
    verifyInputs(tx.toBuffer(), [{ script: walletScript, value: p.inputs[0]!.value }]);
    expect(tx.outs[0]!.value).to.equal(p.capacity);
    expect(toHex(tx.outs[1]!.script)).to.equal(toHex(walletScript));
    const fee = p.inputs[0]!.value - p.capacity - tx.outs[1]!.value;
    expect(Number(fee) * 1000 / tx.weight()).to.be.at.least(1000);
  });

  for (const { name, variant } of VARIANTS) {
    describe(name, () => {
      const { channel, fundingTx } = channelParams(variant);
      const ctx = verifyChannelParams(channel);
      const sender = new PaymentSigner(ctx, 'sender', keys.senderFunding.priv);
      const receiver = new PaymentSigner(ctx, 'receiver', keys.receiverFunding.priv);
      const fundingPrevout = [{ script: ctx.fundingScriptPubKey, value: channel.capacity }];
      const K = (i: number) => keys.update(i);

      function senderVersion(state: number, amount: bigint): Transaction {
        const hash = sender.senderVersionHash(BigInt(state), amount, K(state).pub);
        return sender.completeSenderVersion(BigInt(state), amount, K(state).pub, receiver.sign(hash));
      }

      it('state 0 (the sender\'s refund) has one revocable output and verifies', () => {
        const tx = senderVersion(0, 0n);
        verifyInputs(tx.toBuffer(), fundingPrevout);
        expect(tx.outs).to.have.length(1);
        expect(tx.outs[0]!.value).to.equal(channel.capacity - feeForWeight(PAYMENT_WEIGHT, channel.feeRate));
        expect(tx.weight()).to.be.at.most(PAYMENT_WEIGHT);
      });

      it('sender\'s and receiver\'s versions of state 7 verify, match the builders, and encode the state', () => {
        const s = senderVersion(7, 250_000n);
        const hash = receiver.receiverVersionHash(7n, 250_000n);
        const r = receiver.completeReceiverVersion(7n, 250_000n, sender.sign(hash));
        verifyInputs(s.toBuffer(), fundingPrevout);
        verifyInputs(r.toBuffer(), fundingPrevout);
        const unsignedS = buildSenderPaymentTx({ channel, index: 7n, amount: 250_000n, updateKey: K(7).pub });
        const unsignedR = buildReceiverPaymentTx({ channel, index: 7n, amount: 250_000n });
        expect(unsignedS.getId()).to.equal(s.getId());
        expect(unsignedR.getId()).to.equal(r.getId());
        for (const tx of [s, r]) {
          expect(decodeStateNumber(tx.locktime, tx.ins[0]!.sequence, ctx.obscuringFactor)).to.equal(7n);
          expect(tx.outs.map((o) => o.value)).to.deep.equal([250_000n, channel.capacity - 250_000n - ctx.paymentFee]);
        }
        expect(toHex(s.outs[1]!.script)).to.equal(toHex(p2wshScript(compileRevocableScript({
          receiverRevocationKey: channel.receiverRevocationKey, updateKey: K(7).pub, senderPayoutKey: channel.senderPayoutKey, variant,
        }))));
      });

      it('dust outputs are left out: a tiny payment and a payment of everything', () => {
        const tiny = senderVersion(1, 293n);
        expect(tiny.outs).to.have.length(1);
        verifyInputs(tiny.toBuffer(), fundingPrevout);
        const all = senderVersion(2, channel.capacity - ctx.paymentFee - 329n);
        expect(all.outs).to.have.length(1);
        verifyInputs(all.toBuffer(), fundingPrevout);
      });

      it('cooperative close verifies, with nLockTime 0 and the fee agreed at close', () => {
        const feeRate = 2500n;
        const tx = receiver.completeClose(400_000n, feeRate, sender.sign(sender.closeHash(400_000n, feeRate)));
        verifyInputs(tx.toBuffer(), fundingPrevout);
        expect(tx.locktime).to.equal(0);
        expect(tx.outs[1]!.value).to.equal(channel.capacity - 400_000n - feeForWeight(CLOSE_WEIGHT, feeRate));
        expect(buildCooperativeCloseTx({ channel, amount: 400_000n, feeRate }).getId()).to.equal(tx.getId());
        expect(decodeStateNumber(tx.locktime, tx.ins[0]!.sequence, ctx.obscuringFactor)).to.equal(undefined);
      });

      describe('penalty claim', () => {
        const revoked = senderVersion(3, 100_000n);
        const p: PenaltyParams = { channel, revokedTx: revoked.toBuffer(), updateKey: K(3).pub, destinationScript: dest, feeRate: 2000n };
        const penaltyKeys = { updateSecret: K(3).priv, revocationKey: keys.receiverRevocation.priv, receiverPayoutKey: keys.receiverPayout.priv };

        it('claims both outputs of a revoked sender\'s version and verifies', () => {
          const tx = signPenaltyTx(p, penaltyKeys);
          verifyInputs(tx.toBuffer(), prevoutsOf(revoked, tx));
          expect(tx.ins).to.have.length(2);
          const fee = feeForWeight(penaltyWeight(revocableTemplate(variant), true, dest.length), 2000n);
          expect(tx.outs[0]!.value).to.equal(channel.capacity - ctx.paymentFee - fee);
          expect(tx.weight()).to.be.at.most(penaltyWeight(revocableTemplate(variant), true, dest.length));
          expect(tx.ins.every((i) => i.sequence === 0xfffffffd)).to.equal(true);
          expect(buildPenaltyTx(p).getId()).to.equal(tx.getId());
        });

        it('can claim the revocable output alone', () => {
          const tx = signPenaltyTx({ ...p, sweepReceiverOutput: false }, penaltyKeys);
          expect(tx.ins).to.have.length(1);
          verifyInputs(tx.toBuffer(), prevoutsOf(revoked, tx));
        });

        it('fails with a wrong per-update key (NULLFAIL)', () => {
          const tx = buildPenaltyTx({ ...p, sweepReceiverOutput: false });
          const rev = revoked.outs[1]!;
          const script = compileRevocableScript({ receiverRevocationKey: channel.receiverRevocationKey, updateKey: K(3).pub, senderPayoutKey: channel.senderPayoutKey, variant });
          const hash = tx.hashForWitnessV0(0, script, rev.value, SIGHASH_ALL);
          tx.setWitness(0, assembleWitness(revocableTemplate(variant), 'penalty', { K_i: signSighash(hash, K(4).priv), R_r: signSighash(hash, keys.receiverRevocation.priv) }, script));
          expect(checkInputError(tx.toBuffer(), prevoutsOf(revoked, tx), 0)).to.equal('NULLFAIL');
        });

        it('fails when the sender signs the penalty branch alone', () => {
          const tx = buildPenaltyTx({ ...p, sweepReceiverOutput: false });
          const rev = revoked.outs[1]!;
          const script = compileRevocableScript({ receiverRevocationKey: channel.receiverRevocationKey, updateKey: K(3).pub, senderPayoutKey: channel.senderPayoutKey, variant });
          const hash = tx.hashForWitnessV0(0, script, rev.value, SIGHASH_ALL);
          // With K_i and its own payout key instead of R_r: R_r's CHECKSIG fails on a non-empty signature.
          tx.setWitness(0, [signSighash(hash, K(3).priv), signSighash(hash, keys.senderPayout.priv), script]);
          expect(checkInputError(tx.toBuffer(), prevoutsOf(revoked, tx), 0)).to.equal('NULLFAIL');
          // With K_i and an empty R_r signature: falls into the timeout branch, where K_i's signature fails for S_p.
          tx.setWitness(0, [signSighash(hash, K(3).priv), new Uint8Array(0), script]);
          expect(checkInputError(tx.toBuffer(), prevoutsOf(revoked, tx), 0)).to.equal('NULLFAIL');
        });

        it('fails with a high-S signature (LOW_S policy)', () => {
          const tx = signPenaltyTx({ ...p, sweepReceiverOutput: false }, penaltyKeys);
          const w = tx.ins[0]!.witness;
          tx.setWitness(0, [highS(w[0]!), w[1]!, w[2]!]);
          expect(checkInputError(tx.toBuffer(), prevoutsOf(revoked, tx), 0)).to.equal('SIG_HIGH_S');
        });
      });

      describe('timeout sweep', () => {
        const latest = senderVersion(5, 300_000n);
        const p: TimeoutParams = { channel, senderTx: latest.toBuffer(), updateKey: K(5).pub, destinationScript: dest, feeRate: 1000n };

        it('verifies once the lock is met, and pays the sender\'s output minus its fee', () => {
          const tx = signTimeoutTx(p, keys.senderPayout.priv);
          verifyInputs(tx.toBuffer(), prevoutsOf(latest, tx));
          const fee = feeForWeight(timeoutWeight(revocableTemplate(variant), dest.length), 1000n);
          expect(tx.outs[0]!.value).to.equal(latest.outs[1]!.value - fee);
          expect(tx.weight()).to.be.at.most(timeoutWeight(revocableTemplate(variant), dest.length));
          expect(buildTimeoutTx(p).getId()).to.equal(tx.getId());
        });

        it('fails with nLockTime or nSequence below the lock', () => {
          const tx = signTimeoutTx(p, keys.senderPayout.priv);
          const early = Transaction.fromBuffer(tx.toBuffer());
          if (variant.kind === 'cltv') early.locktime -= 1;
          else early.ins[0]!.sequence -= 1;
          // Re-sign so the only fault is the lock.
          const script = early.ins[0]!.witness[2]!;
          const hash = early.hashForWitnessV0(0, script, latest.outs[1]!.value, SIGHASH_ALL);
          early.setWitness(0, [signSighash(hash, keys.senderPayout.priv), new Uint8Array(0), script]);
          expect(checkInputError(early.toBuffer(), prevoutsOf(latest, early), 0)).to.equal('UNSATISFIED_LOCKTIME');
        });

        it('fails when signed by the receiver instead of the sender', () => {
          const tx = buildTimeoutTx(p);
          const script = compileRevocableScript({ receiverRevocationKey: channel.receiverRevocationKey, updateKey: K(5).pub, senderPayoutKey: channel.senderPayoutKey, variant });
          const hash = tx.hashForWitnessV0(0, script, latest.outs[1]!.value, SIGHASH_ALL);
          tx.setWitness(0, [signSighash(hash, keys.receiverRevocation.priv), new Uint8Array(0), script]);
          expect(checkInputError(tx.toBuffer(), prevoutsOf(latest, tx), 0)).to.equal('NULLFAIL');
        });
      });

      it('a payment version signed over other bytes fails (NULLFAIL)', () => {
        const good = senderVersion(9, 10_000n);
        const wrongHash = sender.senderVersionHash(9n, 10_001n, K(9).pub);
        const [first] = [good.ins[0]!.witness];
        const tx = Transaction.fromBuffer(good.toBuffer());
        const w: Uint8Array[] = first!.map((x) => Uint8Array.from(x));
        // Replace the receiver's signature (whichever slot it occupies) with one over other bytes.
        const slot = w.findIndex((x, i) => i > 0 && i < 3 && toHex(x) !== toHex(sender.sign(sender.senderVersionHash(9n, 10_000n, K(9).pub))));
        w[slot] = receiver.sign(wrongHash);
        tx.setWitness(0, w);
        expect(checkInputError(tx.toBuffer(), fundingPrevout, 0)).to.equal('NULLFAIL');
        void fundingTx;
      });
    });
  }
});
