/**
 * HTLCs in the revocable construction's transactions: both payment versions
 * with any number of HTLC outputs (order, trimming, the cap, the dust bound,
 * the fee from the weight), the success and timeout claims and their locks,
 * the penalty that sweeps every output of a revoked version, preimages read
 * back from witnesses, and the chain classifier telling the versions apart by
 * the revocable script rather than by any P2WSH output. Every signed claim
 * runs through bcoin's interpreter.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  HTLC_OUTPUT_WEIGHT, HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE, Htlc, MAX_HTLCS, PAYMENT_WEIGHT, RBF_SEQUENCE, addPreimage, buildHtlcSuccessTx,
  buildHtlcTimeoutTx, buildPenaltyTx, buildReceiverPaymentTx, buildSenderPaymentTx, classifyFundingSpend, compileHtlcReceiverScript,
  compileHtlcSenderScript, createHtlcSuccessPsbt, createHtlcTimeoutPsbt, createPenaltyPsbt, extractPreimage, extractTransaction, feeForWeight,
  finalizePsbt, htlcClaimWeight, matchTemplate, maxWitnessSize, p2wpkhScript, p2wshScript, paymentFeeWithHtlcs, paymentTx, paymentVersionOutputs,
  paymentWeightWithHtlcs, revocableScriptFor, P2WPKH_INPUT, revocableInput, segwitTxWeight, signHtlcSuccessTx, signHtlcTimeoutTx, signPenaltyTx, signPsbtInput, toHex, verifyChannelParams,
} from '../lib';
import { VARIANTS, channelParams } from './support/channel';
import { keys, testKey } from './support/keys';
import { codeOf } from './support/errors';
import { verifyInputs } from './support/verify';
import { HTLC_DELAY, MAX_DUST_EXPOSURE, htlcChannel, receiverHtlc, receiverVersion, senderVersion, testHtlc } from './support/htlc';
import { openChannel, pay } from './support/parties';

const CSV = VARIANTS[2]!.variant;
const DEST = p2wpkhScript(testKey('htlc destination').pub);
const { channel } = htlcChannel(CSV);
const ctx = verifyChannelParams(channel);

const A = testHtlc('a', 50_000n, 2000);
const B = testHtlc('b', 20_000n, 2100);
const C = testHtlc('c', 50_000n, 2200);

function claimParams(version: 'sender' | 'receiver', tx: Transaction, htlc: Htlc, updateKey?: Uint8Array) {
  return { channel, version, versionTx: tx.toBuffer(), ...(updateKey ? { updateKey: updateKey as never } : {}), htlc, destinationScript: DEST, feeRate: 2000n } as const;
}

describe('HTLC payment versions', () => {
  it('without HTLCs (absent or empty) both versions keep their bytes', () => {
    const base = { channel, index: 3n, amount: 100_000n };
    const updateKey = keys.update(3).pub;
    const { channel: plain } = channelParams(CSV);
    expect(toHex(buildSenderPaymentTx({ ...base, updateKey, htlcs: [] }).toBuffer())).to.equal(toHex(buildSenderPaymentTx({ ...base, channel: plain, updateKey }).toBuffer()));
    expect(toHex(buildReceiverPaymentTx({ ...base, htlcs: [] }).toBuffer())).to.equal(toHex(buildReceiverPaymentTx({ ...base, channel: plain }).toBuffer()));
  });

  it('HTLC outputs follow the balances, ordered by amount then script; the scripts are the templates\'', () => {
    const htlcs = [A.htlc, B.htlc, C.htlc];
    const updateKey = keys.update(4).pub;
    for (const version of ['sender', 'receiver'] as const) {
      const v = paymentVersionOutputs(ctx, { version, amount: 100_000n, updateKey, htlcs });
      expect(v.outputs).to.have.length(5);
      expect(v.htlcOutputs.map((o) => o.vout)).to.deep.equal([2, 3, 4]);
      const values = v.htlcOutputs.map((o) => o.value);
      expect(values).to.deep.equal([20_000n, 50_000n, 50_000n]);
      const [x, y] = [v.htlcOutputs[1]!.script, v.htlcOutputs[2]!.script];
      expect(Buffer.compare(Buffer.from(x), Buffer.from(y))).to.be.below(0);
      for (const o of v.htlcOutputs) {
        const m = matchTemplate(o.witnessScript)!;
        expect(m.template).to.equal(version === 'sender' ? HTLC_SENDER_TEMPLATE : HTLC_RECEIVER_TEMPLATE);
        expect(toHex(m.values.get('H') as Uint8Array)).to.equal(toHex(htlcs[o.htlc]!.hash));
        expect(m.values.get('D')).to.equal(HTLC_DELAY.blocks);
        expect(toHex(o.script)).to.equal(toHex(p2wshScript(o.witnessScript)));
      }
      expect(v.senderBalance).to.equal(channel.capacity - 100_000n - 120_000n - v.fee);
      // The order does not depend on the order given.
      const again = paymentVersionOutputs(ctx, { version, amount: 100_000n, updateKey, htlcs: [C.htlc, B.htlc, A.htlc] });
      expect(again.outputs.map((o) => toHex(o.script))).to.deep.equal(v.outputs.map((o) => toHex(o.script)));
    }
    const s = buildSenderPaymentTx({ channel, index: 4n, amount: 100_000n, updateKey, htlcs });
    expect(toHex(s.outs[1]!.script)).to.equal(toHex(p2wshScript(revocableScriptFor(ctx, updateKey))));
  });

  it('the fee comes from the weight: each HTLC output adds 172 weight units; both versions pay the same', () => {
    expect(paymentWeightWithHtlcs(0)).to.equal(PAYMENT_WEIGHT);
    expect(HTLC_OUTPUT_WEIGHT).to.equal(172);
    for (const n of [1, 3, 10, 100, 250]) expect(paymentWeightWithHtlcs(n) - paymentWeightWithHtlcs(n - 1)).to.equal(172);
    // 253 outputs need a three-byte count.
    expect(paymentWeightWithHtlcs(251) - paymentWeightWithHtlcs(250)).to.equal(172 + 8);
    const htlcs = [A.htlc, B.htlc, C.htlc];
    const s = paymentVersionOutputs(ctx, { version: 'sender', amount: 100_000n, updateKey: keys.update(1).pub, htlcs });
    const r = paymentVersionOutputs(ctx, { version: 'receiver', amount: 100_000n, htlcs });
    expect(s.fee).to.equal(r.fee);
    expect(s.fee).to.equal(feeForWeight(PAYMENT_WEIGHT + 3 * 172, channel.feeRate));
    expect(s.senderBalance).to.equal(r.senderBalance);
    // The signed transaction weighs no more than the fee assumes.
    const signed = senderVersion(channel, 1, 100_000n, htlcs).tx;
    expect(signed.weight()).to.be.at.most(paymentWeightWithHtlcs(3));
    expect(signed.weight()).to.be.at.least(paymentWeightWithHtlcs(3) - 4);
  });

  it('HTLCs below 330 sat are trimmed to the fee in both versions; the bound on their total is enforced', () => {
    const dust = testHtlc('dust', 329n, 2000).htlc;
    const edge = testHtlc('edge', 330n, 2000).htlc;
    for (const version of ['sender', 'receiver'] as const) {
      const v = paymentVersionOutputs(ctx, { version, amount: 100_000n, updateKey: keys.update(1).pub, htlcs: [dust, edge, A.htlc] });
      expect(v.trimmed).to.deep.equal([0]);
      expect(v.htlcOutputs.map((o) => o.value)).to.deep.equal([330n, 50_000n]);
      expect(v.fee).to.equal(paymentFeeWithHtlcs(channel.feeRate, 2));
      // The trimmed amount leaves the sender's balance and pays no one: it is fee.
      expect(v.senderBalance).to.equal(channel.capacity - 100_000n - 329n - 330n - 50_000n - v.fee);
      const outs = v.outputs.reduce((a, o) => a + o.value, 0n);
      expect(channel.capacity - outs).to.equal(v.fee + 329n);
    }
    const many = Array.from({ length: 16 }, (_, i) => testHtlc(`dust ${i}`, 320n, 2000).htlc);
    expect(16n * 320n > MAX_DUST_EXPOSURE).to.equal(true);
    expect(codeOf(() => buildReceiverPaymentTx({ channel, index: 1n, amount: 0n, htlcs: many }))).to.equal('HTLC_DUST_EXPOSURE');
    expect(codeOf(() => buildReceiverPaymentTx({ channel, index: 1n, amount: 0n, htlcs: many.slice(0, 15) }))).to.equal('no error');
  });

  it('at most 483 HTLCs: 483 build (under the standard weight), 484 are HTLC_TOO_MANY', function () {
    this.timeout(20_000);
    const { channel: big } = htlcChannel(CSV, { capacity: 100_000_000n });
    const htlcs = Array.from({ length: MAX_HTLCS }, (_, i) => testHtlc(`many ${i}`, 1000n, 2000 + i).htlc);
    const tx = buildSenderPaymentTx({ channel: big, index: 1n, amount: 0n, updateKey: keys.update(1).pub, htlcs });
    expect(tx.outs).to.have.length(MAX_HTLCS + 1);
    expect(paymentWeightWithHtlcs(MAX_HTLCS)).to.be.below(400_000);
    expect(codeOf(() => buildSenderPaymentTx({ channel: big, index: 1n, amount: 0n, updateKey: keys.update(1).pub, htlcs: [...htlcs, A.htlc] }))).to.equal('HTLC_TOO_MANY');
  });

  it('refuses HTLCs the channel cannot carry or that are malformed', () => {
    const { channel: plain } = channelParams(CSV);
    expect(codeOf(() => buildReceiverPaymentTx({ channel: plain, index: 1n, amount: 0n, htlcs: [A.htlc] }))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => buildReceiverPaymentTx({ channel, index: 1n, amount: 0n, htlcs: [{ ...A.htlc, hash: new Uint8Array(31) }] }))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => buildReceiverPaymentTx({ channel, index: 1n, amount: 0n, htlcs: [{ ...A.htlc, amount: 0n }] }))).to.equal('INVALID_AMOUNT');
    expect(codeOf(() => buildReceiverPaymentTx({ channel, index: 1n, amount: 0n, htlcs: [{ ...A.htlc, expiry: { height: 0 } }] }))).to.equal('INVALID_TIMELOCK');
    expect(codeOf(() => buildReceiverPaymentTx({ channel, index: 1n, amount: 900_000n, htlcs: [{ ...A.htlc, amount: 99_999n }] }))).to.equal('FEE_EXCEEDS_OUTPUT');
    expect(codeOf(() => verifyChannelParams({ ...channel, htlc: { ...channel.htlc!, receiverHtlcKey: keys.receiverRevocation.pub } }))).to.equal('INVALID_KEY');
    expect(codeOf(() => verifyChannelParams({ ...channel, htlc: { ...channel.htlc!, delay: { blocks: 0 } } }))).to.equal('INVALID_TIMELOCK');
    expect(codeOf(() => verifyChannelParams({ ...channel, htlc: { ...channel.htlc!, maxDustExposure: -1n } }))).to.equal('INVALID_AMOUNT');
  });
});

describe('HTLC claims', () => {
  const htlcs = [A.htlc, B.htlc];
  const sv = senderVersion(channel, 5, 100_000n, htlcs);
  const rv = receiverVersion(channel, 5, 100_000n, htlcs);
  const prevouts = (tx: Transaction, spent: Transaction) => tx.ins.map((i) => ({ script: spent.outs[i.index]!.script, value: spent.outs[i.index]!.value }));

  it('success from the receiver\'s version: nSequence D, nLockTime 0; the interpreter accepts it and its witness reveals P', () => {
    const claim = signHtlcSuccessTx(claimParams('receiver', rv, A.htlc), { preimage: A.preimage, receiverHtlcKey: receiverHtlc.priv });
    expect([claim.version, claim.locktime, claim.ins[0]!.sequence]).to.deep.equal([2, 0, HTLC_DELAY.blocks]);
    verifyInputs(claim.toBuffer(), prevouts(claim, rv));
    const ws = compileHtlcReceiverScript({ receiverHtlcKey: receiverHtlc.pub, senderPayoutKey: keys.senderPayout.pub, hash: A.htlc.hash, expiry: A.htlc.expiry, delay: HTLC_DELAY });
    expect(toHex(claim.ins[0]!.witness.at(-1)!)).to.equal(toHex(ws));
    expect(toHex(extractPreimage(claim, ws)!.preimage)).to.equal(toHex(A.preimage));
    expect(claim.weight()).to.be.at.most(htlcClaimWeight('receiver', 'success', DEST.length));
    expect(claim.ins[0]!.witness.reduce((n, w) => n + 1 + w.length, 1)).to.be.at.most(maxWitnessSize(HTLC_RECEIVER_TEMPLATE, 'success'));
  });

  it('success from the sender\'s version: at once (no lock), with the preimage', () => {
    const claim = signHtlcSuccessTx(claimParams('sender', sv.tx, B.htlc, sv.updateKey), { preimage: B.preimage, receiverHtlcKey: receiverHtlc.priv });
    expect([claim.locktime, claim.ins[0]!.sequence]).to.deep.equal([0, RBF_SEQUENCE]);
    verifyInputs(claim.toBuffer(), prevouts(claim, sv.tx));
    const ws = compileHtlcSenderScript({
      receiverRevocationKey: keys.receiverRevocation.pub, updateKey: sv.updateKey, receiverHtlcKey: receiverHtlc.pub,
      senderPayoutKey: keys.senderPayout.pub, hash: B.htlc.hash, expiry: B.htlc.expiry, delay: HTLC_DELAY,
    });
    expect(extractPreimage(claim.toBuffer(), ws)?.preimage).to.deep.equal(B.preimage);
    expect(claim.weight()).to.be.at.most(htlcClaimWeight('sender', 'success', DEST.length));
  });

  it('timeout: nLockTime E (and nSequence D on the sender\'s version); reveals no preimage', () => {
    const fromSender = signHtlcTimeoutTx(claimParams('sender', sv.tx, A.htlc, sv.updateKey), keys.senderPayout.priv);
    expect([fromSender.locktime, fromSender.ins[0]!.sequence]).to.deep.equal([2000, HTLC_DELAY.blocks]);
    verifyInputs(fromSender.toBuffer(), prevouts(fromSender, sv.tx));
    const fromReceiver = signHtlcTimeoutTx(claimParams('receiver', rv, A.htlc), keys.senderPayout.priv);
    expect([fromReceiver.locktime, fromReceiver.ins[0]!.sequence]).to.deep.equal([2000, RBF_SEQUENCE]);
    verifyInputs(fromReceiver.toBuffer(), prevouts(fromReceiver, rv));
    const ws = fromReceiver.ins[0]!.witness.at(-1)!;
    expect(extractPreimage(fromReceiver, ws)).to.equal(undefined);
    expect(fromSender.weight()).to.be.at.most(htlcClaimWeight('sender', 'timeout', DEST.length));
  });

  it('the fee is chosen at claim time, from the branch\'s witness weight', () => {
    const low = buildHtlcSuccessTx(claimParams('receiver', rv, A.htlc));
    const high = buildHtlcSuccessTx({ ...claimParams('receiver', rv, A.htlc), feeRate: 10_000n });
    expect(50_000n - low.outs[0]!.value).to.equal(feeForWeight(htlcClaimWeight('receiver', 'success', DEST.length), 2000n));
    expect(50_000n - high.outs[0]!.value).to.equal(feeForWeight(htlcClaimWeight('receiver', 'success', DEST.length), 10_000n));
  });

  it('refuses a wrong preimage, another channel\'s key, an HTLC the version does not carry, a missing K_i', () => {
    const p = claimParams('receiver', rv, A.htlc);
    expect(codeOf(() => signHtlcSuccessTx(p, { preimage: B.preimage, receiverHtlcKey: receiverHtlc.priv }))).to.equal('HTLC_PREIMAGE_MISMATCH');
    expect(codeOf(() => signHtlcSuccessTx(p, { preimage: A.preimage.subarray(1), receiverHtlcKey: receiverHtlc.priv }))).to.equal('HTLC_PREIMAGE_MISMATCH');
    expect(codeOf(() => signHtlcSuccessTx(p, { preimage: A.preimage, receiverHtlcKey: keys.receiverPayout.priv }))).to.equal('INVALID_KEY');
    expect(codeOf(() => signHtlcTimeoutTx(p, keys.receiverPayout.priv))).to.equal('INVALID_KEY');
    expect(codeOf(() => buildHtlcSuccessTx(claimParams('receiver', rv, C.htlc)))).to.equal('NOTHING_TO_CLAIM');
    expect(codeOf(() => buildHtlcSuccessTx(claimParams('receiver', sv.tx, A.htlc)))).to.equal('NOTHING_TO_CLAIM');
    expect(codeOf(() => buildHtlcTimeoutTx(claimParams('sender', sv.tx, A.htlc)))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => buildHtlcTimeoutTx({ ...claimParams('sender', sv.tx, A.htlc, sv.updateKey), feeRate: 50_000_000n }))).to.equal('FEE_EXCEEDS_OUTPUT');
  });

  it('PSBTs: the preimage as PSBT_IN_SHA256, finalized by the branch named, equal the directly signed claims', () => {
    const s = createHtlcSuccessPsbt(claimParams('sender', sv.tx, A.htlc, sv.updateKey));
    signPsbtInput(s, 0, receiverHtlc.priv);
    addPreimage(s, 0, A.preimage);
    const direct = signHtlcSuccessTx(claimParams('sender', sv.tx, A.htlc, sv.updateKey), { preimage: A.preimage, receiverHtlcKey: receiverHtlc.priv });
    expect(toHex(extractTransaction(finalizePsbt(s, { branches: { 0: 'success' } })).toBuffer())).to.equal(toHex(direct.toBuffer()));
    expect(codeOf(() => addPreimage(createHtlcSuccessPsbt(claimParams('sender', sv.tx, A.htlc, sv.updateKey)), 0, B.preimage))).to.equal('PREIMAGE_MISMATCH');

    const t = createHtlcTimeoutPsbt(claimParams('sender', sv.tx, A.htlc, sv.updateKey));
    signPsbtInput(t, 0, keys.senderPayout.priv);
    const timeout = signHtlcTimeoutTx(claimParams('sender', sv.tx, A.htlc, sv.updateKey), keys.senderPayout.priv);
    expect(toHex(extractTransaction(finalizePsbt(t, { branches: { 0: 'timeout' } })).toBuffer())).to.equal(toHex(timeout.toBuffer()));
  });
});

describe('the penalty sweeps every output of a revoked version', () => {
  const htlcs = [A.htlc, B.htlc, C.htlc, testHtlc('trimmed', 200n, 2000).htlc];
  const sv = senderVersion(channel, 6, 100_000n, htlcs);
  const p = { channel, revokedTx: sv.tx.toBuffer(), updateKey: sv.updateKey, destinationScript: DEST, feeRate: 2000n, htlcs };
  const keysOf = { updateSecret: keys.update(6).priv, revocationKey: keys.receiverRevocation.priv, receiverPayoutKey: keys.receiverPayout.priv };

  it('one transaction: the receiver\'s output, the revocable output and the three HTLC outputs; the interpreter accepts it', () => {
    const claim = signPenaltyTx(p, keysOf);
    expect(claim.ins).to.have.length(5);
    expect(claim.outs).to.have.length(1);
    const total = sv.tx.outs.reduce((a, o) => a + o.value, 0n);
    expect(claim.ins.map((i) => i.index)).to.deep.equal([0, 1, 2, 3, 4]);
    verifyInputs(claim.toBuffer(), claim.ins.map((i) => ({ script: sv.tx.outs[i.index]!.script, value: sv.tx.outs[i.index]!.value })));
    const shapes = [P2WPKH_INPUT, revocableInput(ctx.revocableTemplate, 'penalty'), ...[1, 2, 3].map(() => ({ scriptSigLength: 0, witnessSize: maxWitnessSize(HTLC_SENDER_TEMPLATE, 'penalty') }))];
    const weight = segwitTxWeight(shapes, [DEST.length]);
    expect(total - claim.outs[0]!.value).to.equal(feeForWeight(weight, 2000n));
    expect(claim.weight()).to.be.at.most(weight);
    // Without the HTLC list, only the balance outputs are swept (as before).
    expect(buildPenaltyTx({ ...p, htlcs: undefined }).ins).to.have.length(2);
  });

  it('as a PSBT, every revocable and HTLC input carries its witness script', () => {
    const psbt = createPenaltyPsbt(p);
    const scripts = psbt.data.inputs.map((i) => (i.witnessScript ? matchTemplate(i.witnessScript)!.template.name : 'p2wpkh'));
    expect(scripts).to.deep.equal(['p2wpkh', 'revocable-csv', 'htlc-offered-sender', 'htlc-offered-sender', 'htlc-offered-sender']);
  });
});

describe('preimage extraction and the chain classifier', () => {
  it('extractPreimage: refuses a script without a hashlock, ignores other inputs', () => {
    const sv = senderVersion(channel, 7, 100_000n, [A.htlc]);
    const revocable = revocableScriptFor(ctx, sv.updateKey);
    expect(codeOf(() => extractPreimage(sv.tx, revocable))).to.equal('INVALID_SCRIPT');
    expect(codeOf(() => extractPreimage(new Uint8Array([1, 2]), revocable))).to.equal('INVALID_TRANSACTION');
    const other = compileHtlcReceiverScript({ receiverHtlcKey: receiverHtlc.pub, senderPayoutKey: keys.senderPayout.pub, hash: B.htlc.hash, expiry: B.htlc.expiry, delay: HTLC_DELAY });
    const claim = signHtlcSuccessTx(claimParams('sender', sv.tx, A.htlc, sv.updateKey), { preimage: A.preimage, receiverHtlcKey: receiverHtlc.priv });
    expect(extractPreimage(claim, other)).to.equal(undefined);
  });

  it('a receiver\'s version with a P2WSH (HTLC) output is the receiver\'s version; a sender\'s version is told by its revocable script', () => {
    const c = openChannel(CSV);
    pay(c, 10_000n);
    const rctx = c.receiver.context;
    // The receiver's version of the current state with one more P2WSH output, as an HTLC would add.
    const outs = [{ script: rctx.receiverPayoutScript, value: 10_000n }, { script: rctx.senderPayoutScript, value: 900_000n }, { script: p2wshScript(new Uint8Array([0x51])), value: 5_000n }];
    const withHtlc = paymentTx(rctx, 1n, outs);
    expect(classifyFundingSpend(c.receiver, withHtlc).classification).to.equal('receiver-version');
    const senderOuts = [{ script: rctx.receiverPayoutScript, value: 10_000n }, { script: p2wshScript(revocableScriptFor(rctx, c.receiver.updateKeyAt(1)!)), value: 900_000n }];
    expect(classifyFundingSpend(c.receiver, paymentTx(rctx, 1n, senderOuts)).classification).to.equal('latest-sender-version');
    const revokedOuts = [{ script: rctx.receiverPayoutScript, value: 0n }, { script: p2wshScript(revocableScriptFor(rctx, c.receiver.updateKeyAt(0)!)), value: 900_000n }];
    expect(classifyFundingSpend(c.receiver, paymentTx(rctx, 0n, revokedOuts)).classification).to.equal('revoked-sender-version');
    // A state the receiver never signed is no version of the channel.
    expect(classifyFundingSpend(c.receiver, paymentTx(rctx, 9n, senderOuts)).classification).to.equal('unknown');
  });
});
