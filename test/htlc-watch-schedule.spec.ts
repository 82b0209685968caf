/**
 * The watchers' HTLC schedule, pure: which output of a published version is
 * which HTLC (by recomputed script and amount, each output once), whose
 * version a payment transaction is when the sender's balance is dust, the
 * windows of the receiver's success and the sender's timeout on either
 * version, R4's close height, and the preimage read back from a spend. The
 * duty underneath (lib/chain/duty.ts): with several contested outpoints it is
 * lost only once every one is taken, and a reorg gives a taken one back.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainTip, absoluteLockOpen, absoluteLockOpensAt, htlcCloseDue, htlcOutputsOf, onlyReceiverVersionScripts, paymentFeeWithHtlcs,
  paymentVersionOf, paymentVersionOutputs, p2wpkhScript, penaltyDeadline, revealedPreimage, revocableScriptFor, p2wshScript, signHtlcSuccessTx,
  signHtlcTimeoutTx, signPenaltyTx, successWindow, timeoutWindow, toHex, verifyChannelParams,
} from '../lib';
import { ReplaceableDuty } from '../lib/chain/duty';
import { VARIANTS } from './support/channel';
import { codeOf } from './support/errors';
import { keys, testKey } from './support/keys';
import { HTLC_DELAY, htlcChannel, receiverHtlc, receiverVersion, senderVersion, testHtlc } from './support/htlc';

const CSV = VARIANTS[2]!.variant;
const DEST = p2wpkhScript(testKey('htlc schedule destination').pub);
const { channel } = htlcChannel(CSV);
const ctx = verifyChannelParams(channel);
const D = HTLC_DELAY.blocks;

const A = testHtlc('schedule a', 50_000n, 2000);
const B = testHtlc('schedule b', 20_000n, 2100);
const DUST = testHtlc('schedule dust', 300n, 2000);
const withId = <T extends object>(h: T, id: number) => ({ ...h, id });
const tipAt = (height: number, medianTimePast = 1_700_000_000): ChainTip => ({ height, hash: '00'.repeat(32), medianTimePast });

describe('HTLC schedule: outputs of a published version', () => {
  it('finds each HTLC\'s output by its recomputed script and amount, once each; trimmed ones and the other version\'s scripts have none', () => {
    // Two HTLCs alike in hash, expiry and amount: two equal outputs, each matched once.
    const twin = withId(A.htlc, 2);
    const htlcs = [withId(A.htlc, 1), withId(B.htlc, 7), twin, withId(DUST.htlc, 9)];
    const sv = senderVersion(channel, 4, 100_000n, htlcs);
    const found = htlcOutputsOf(ctx, { version: 'sender', tx: sv.tx, updateKey: sv.updateKey }, htlcs);
    expect(found.map((o) => [o.htlc.id, o.vout, o.value])).to.deep.equal([[7, 2, 20_000n], [1, 3, 50_000n], [2, 4, 50_000n]]);
    for (const o of found) expect(toHex(sv.tx.outs[o.vout]!.script)).to.equal(toHex(p2wshScript(o.witnessScript)));

    const rv = receiverVersion(channel, 4, 100_000n, htlcs);
    expect(htlcOutputsOf(ctx, { version: 'receiver', tx: rv }, htlcs).map((o) => o.htlc.id)).to.deep.equal([7, 1, 2]);
    // The receiver's version read as the sender's (and the other way round), or with another state's key: nothing.
    expect(htlcOutputsOf(ctx, { version: 'sender', tx: rv, updateKey: sv.updateKey }, htlcs)).to.deep.equal([]);
    expect(htlcOutputsOf(ctx, { version: 'receiver', tx: sv.tx }, htlcs)).to.deep.equal([]);
    expect(htlcOutputsOf(ctx, { version: 'sender', tx: sv.tx, updateKey: keys.update(5).pub }, htlcs)).to.deep.equal([]);
    // An HTLC of another amount under the same hash and expiry is not that output.
    expect(htlcOutputsOf(ctx, { version: 'sender', tx: sv.tx, updateKey: sv.updateKey }, [{ ...A.htlc, amount: 49_999n, id: 3 }])).to.deep.equal([]);
  });

  it('refuses what is not a checked context, a transaction or a list of HTLCs', () => {
    const sv = senderVersion(channel, 4, 100_000n, [A.htlc]);
    expect(codeOf(() => htlcOutputsOf({} as never, { version: 'sender', tx: sv.tx, updateKey: sv.updateKey }, [A.htlc]))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => htlcOutputsOf(ctx, { version: 'sender', tx: sv.tx.toBuffer() as never, updateKey: sv.updateKey }, [A.htlc]))).to.equal('INVALID_TRANSACTION');
    expect(codeOf(() => htlcOutputsOf(ctx, { version: 'sender', tx: sv.tx }, [A.htlc]))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => htlcOutputsOf(ctx, { version: 'sender', tx: sv.tx, updateKey: sv.updateKey }, [{ ...A.htlc, expiry: { height: 0 } }]))).to.equal('INVALID_TIMELOCK');
    const { channel: plain } = htlcChannel(CSV);
    const noTerms = verifyChannelParams({ ...plain, htlc: undefined } as never);
    expect(codeOf(() => htlcOutputsOf(noTerms, { version: 'receiver', tx: sv.tx }, [A.htlc]))).to.equal('INVALID_ARGUMENT');
  });
});

describe('HTLC schedule: whose version', () => {
  // The sender's balance below the P2WSH dust limit: the sender's version has no revocable output.
  const htlcs = [A.htlc, B.htlc];
  const fee = paymentFeeWithHtlcs(channel.feeRate, 2);
  const amount = channel.capacity - 70_000n - fee - 200n;
  const sv = senderVersion(channel, 6, amount, htlcs);
  const rv = receiverVersion(channel, 6, amount, htlcs);

  it('a sender\'s version whose balance is dust pays no revocable script, and is told by its HTLC outputs\' scripts', () => {
    expect(paymentVersionOutputs(ctx, { version: 'sender', amount, updateKey: sv.updateKey, htlcs }).senderBalance).to.equal(200n);
    const revocable = p2wshScript(revocableScriptFor(ctx, sv.updateKey));
    expect(sv.tx.outs.some((o) => Buffer.from(o.script).equals(Buffer.from(revocable)))).to.equal(false);
    expect(paymentVersionOf(ctx, sv.tx, { updateKey: sv.updateKey, htlcs })).to.equal('sender');
    // Without the state's HTLCs only the revocable script could tell, and it is not there: what the classifier did before.
    expect(paymentVersionOf(ctx, sv.tx, { updateKey: sv.updateKey, htlcs: [] })).to.equal('receiver');
    expect(paymentVersionOf(ctx, rv, { updateKey: sv.updateKey, htlcs })).to.equal('receiver');
    const normal = senderVersion(channel, 6, 100_000n, htlcs);
    expect(paymentVersionOf(ctx, normal.tx, { updateKey: normal.updateKey, htlcs: [] })).to.equal('sender');
  });

  it('without K_i, a version paying no script hash but its state\'s receiver\'s-version HTLC outputs is the receiver\'s', () => {
    expect(onlyReceiverVersionScripts(ctx, rv, htlcs)).to.equal(true);
    expect(onlyReceiverVersionScripts(ctx, rv, [A.htlc])).to.equal(false);
    expect(onlyReceiverVersionScripts(ctx, sv.tx, htlcs)).to.equal(false);
    expect(onlyReceiverVersionScripts(ctx, receiverVersion(channel, 6, 100_000n, []), [])).to.equal(true);
    expect(codeOf(() => paymentVersionOf(ctx, sv.tx, { updateKey: sv.updateKey, htlcs: [{ ...A.htlc, amount: 0n }] }))).to.equal('INVALID_AMOUNT');
  });
});

describe('HTLC schedule: claim windows', () => {
  const E = 2000;
  const htlc = { ...A.htlc, expiry: { height: E } };
  const sv = senderVersion(channel, 3, 100_000n, [htlc]);
  const rv = receiverVersion(channel, 3, 100_000n, [htlc]);

  it('sender\'s version: the receiver\'s success at once, before max(E + 1, h + D); the sender\'s timeout from there', () => {
    // Confirmed at h = 1990: E + 1 = 2001 comes after h + D = 1996.
    const v = { version: 'sender' as const, tx: sv.tx, updateKey: sv.updateKey, confirmedHeight: 1990 };
    expect(successWindow(ctx, v, htlc, tipAt(1990))).to.deep.equal({ from: 1990, deadline: E + 1, due: true });
    // Confirmed at h = 1998: h + D = 2004 comes after E + 1.
    const late = { ...v, confirmedHeight: 1998 };
    expect(successWindow(ctx, late, htlc, tipAt(2003))).to.deep.equal({ from: 1998, deadline: 1998 + D, due: true });
    expect(penaltyDeadline(ctx, late, htlc, tipAt(2003))).to.equal(1998 + D);
    // Unconfirmed: due (a child in the mempool), the deadline counted from the next block.
    expect(successWindow(ctx, { ...v, confirmedHeight: undefined } as never, htlc, tipAt(1999))).to.deep.equal({ from: 2000, deadline: 2000 + D, due: true });

    expect(timeoutWindow(ctx, late, htlc, tipAt(E))).to.deep.equal({ from: 1998 + D, due: false });
    expect(timeoutWindow(ctx, late, htlc, tipAt(1998 + D - 2)).due).to.equal(false);
    expect(timeoutWindow(ctx, late, htlc, tipAt(1998 + D - 1)).due).to.equal(true);
    expect(timeoutWindow(ctx, v, htlc, tipAt(E - 1))).to.deep.equal({ from: E + 1, due: false });
    expect(timeoutWindow(ctx, v, htlc, tipAt(E)).due).to.equal(true);
    expect(timeoutWindow(ctx, { ...v, confirmedHeight: undefined } as never, htlc, tipAt(E + 50))).to.deep.equal({ due: false });
  });

  it('receiver\'s version: the receiver\'s success from h + D, before E + 1; the sender\'s timeout from E + 1', () => {
    const v = { version: 'receiver' as const, tx: rv, confirmedHeight: 1980 };
    expect(successWindow(ctx, v, htlc, tipAt(1980 + D - 2))).to.deep.equal({ from: 1980 + D, deadline: E + 1, due: false });
    expect(successWindow(ctx, v, htlc, tipAt(1980 + D - 1)).due).to.equal(true);
    expect(successWindow(ctx, { version: 'receiver', tx: rv }, htlc, tipAt(1980))).to.deep.equal({ deadline: E + 1, due: false });
    expect(timeoutWindow(ctx, v, htlc, tipAt(E - 1))).to.deep.equal({ from: E + 1, due: false });
    expect(timeoutWindow(ctx, v, htlc, tipAt(E))).to.deep.equal({ from: E + 1, due: true });
  });

  it('an expiry by time: open once the median time past passes it; its first block estimated early', () => {
    const t = 1_700_100_000;
    expect(absoluteLockOpen({ time: t }, tipAt(100, t))).to.equal(false);
    expect(absoluteLockOpen({ time: t }, tipAt(100, t + 1))).to.equal(true);
    expect(absoluteLockOpensAt({ time: t }, tipAt(100, t + 1))).to.equal(101);
    // 100 blocks of ten minutes away, counted an hour early.
    expect(absoluteLockOpensAt({ time: t }, tipAt(100, t - 60_000))).to.equal(100 + 100 - 6);
    expect(absoluteLockOpensAt({ time: t }, tipAt(100, t - 600))).to.equal(101);
    expect(absoluteLockOpensAt({ height: 500 }, tipAt(100))).to.equal(501);
  });

  it('R4: the receiver closes from E - D - G on', () => {
    const G = 12;
    expect(htlcCloseDue(ctx, htlc, G, tipAt(E - D - G - 1))).to.equal(false);
    expect(htlcCloseDue(ctx, htlc, G, tipAt(E - D - G))).to.equal(true);
    expect(codeOf(() => htlcCloseDue(ctx, htlc, -1, tipAt(E)))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => htlcCloseDue(ctx, htlc, G, { height: 'x' } as never))).to.equal('INVALID_ARGUMENT');
  });

  it('refuses a version, an HTLC or a tip it cannot read', () => {
    const v = { version: 'receiver' as const, tx: rv, confirmedHeight: 1980 };
    expect(codeOf(() => successWindow(ctx, { ...v, version: 'both' } as never, htlc, tipAt(1)))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => successWindow(ctx, { ...v, confirmedHeight: -1 }, htlc, tipAt(1)))).to.equal('INVALID_ARGUMENT');
    expect(codeOf(() => timeoutWindow(ctx, v, { ...htlc, expiry: { height: -5 } }, tipAt(1)))).to.equal('INVALID_TIMELOCK');
    expect(codeOf(() => timeoutWindow(ctx, v, htlc, null as never))).to.equal('INVALID_ARGUMENT');
  });
});

describe('HTLC schedule: preimages read from spends', () => {
  const sv = senderVersion(channel, 8, 100_000n, [A.htlc, B.htlc]);
  const outputs = htlcOutputsOf(ctx, { version: 'sender', tx: sv.tx, updateKey: sv.updateKey }, [A.htlc, B.htlc]);
  const a = { ...outputs.find((o) => o.htlc === A.htlc)!, versionHash: sv.tx.getHash() };
  const b = { ...outputs.find((o) => o.htlc === B.htlc)!, versionHash: sv.tx.getHash() };
  const base = { channel, version: 'sender' as const, versionTx: sv.tx.toBuffer(), updateKey: sv.updateKey, destinationScript: DEST, feeRate: 2000n };

  it('a success claim reveals P, which hashes to H; a timeout, a penalty or a spend of another output reveals nothing', () => {
    const success = signHtlcSuccessTx({ ...base, htlc: A.htlc }, { preimage: A.preimage, receiverHtlcKey: receiverHtlc.priv });
    expect(toHex(revealedPreimage(success, a)!)).to.equal(toHex(A.preimage));
    expect(revealedPreimage(success, b)).to.equal(undefined);
    const timeout = signHtlcTimeoutTx({ ...base, htlc: B.htlc }, keys.senderPayout.priv);
    expect(revealedPreimage(timeout, b)).to.equal(undefined);
    const penalty = signPenaltyTx(
      { channel, revokedTx: sv.tx.toBuffer(), updateKey: sv.updateKey, destinationScript: DEST, feeRate: 2000n, htlcs: [A.htlc, B.htlc] },
      { updateSecret: keys.update(8).priv, revocationKey: keys.receiverRevocation.priv, receiverPayoutKey: keys.receiverPayout.priv },
    );
    expect(revealedPreimage(penalty, a)).to.equal(undefined);
    expect(revealedPreimage(penalty, b)).to.equal(undefined);
  });

  it('a 32-byte item that does not hash to H is no preimage; malformed input is refused', () => {
    const success = signHtlcSuccessTx({ ...base, htlc: A.htlc }, { preimage: A.preimage, receiverHtlcKey: receiverHtlc.priv });
    const forged = Transaction.fromBuffer(success.toBuffer());
    const w = forged.ins[0]!.witness;
    forged.setWitness(0, [new Uint8Array(32).fill(7), ...w.slice(1)]);
    expect(revealedPreimage(forged, a)).to.equal(undefined);
    expect(codeOf(() => revealedPreimage(success.toBuffer() as never, a))).to.equal('INVALID_TRANSACTION');
    expect(codeOf(() => revealedPreimage(success, { ...a, versionHash: new Uint8Array(3) }))).to.equal('INVALID_ARGUMENT');
  });
});

describe('a duty with several contested outpoints', () => {
  const parent = senderVersion(channel, 9, 100_000n, [A.htlc, B.htlc]).tx;
  const txid = parent.getId();
  const spendOf = (vouts: number[], to: Uint8Array) => {
    const tx = new Transaction();
    for (const v of vouts) tx.addInput(parent.getHash(), v);
    tx.addOutput(to, 1000n);
    return tx;
  };
  const ours = (tx: Transaction) => tx.outs.every((o) => Buffer.from(o.script).equals(Buffer.from(DEST)));
  const other = p2wpkhScript(testKey('someone else').pub);
  const duty = () => new ReplaceableDuty({
    spends: [1, 2, 3].map((vout) => ({ outpoint: { txid, vout }, contested: true })).concat([{ outpoint: { txid, vout: 0 }, contested: false }]),
    rate: 1000n, isOurs: ours, build: () => new Uint8Array(), fees: () => ({ startRate: 1000n, maxRate: 1000n, bumpAfterBlocks: 1, urgentWithin: 0, burnWithin: 0, ceiling: 1000n }),
  });
  const at = (height: number) => ({ height, hash: height.toString(16).padStart(64, '0') });

  it('is lost only when every contested outpoint is taken; an attempt spending a taken one is not kept; a reorg gives it back', () => {
    const d = duty();
    const claim = spendOf([1, 2, 3], DEST);
    expect(d.saw(0, claim, undefined)).to.equal(undefined);
    expect(d.usableLive()?.txid).to.equal(claim.getId());
    // Someone else's unconfirmed spend changes nothing; confirmed, it takes that outpoint only.
    expect(d.saw(1, spendOf([2], other), undefined)).to.equal(undefined);
    expect(d.saw(1, spendOf([2], other), at(10))).to.equal('taken');
    expect(d.saw(1, spendOf([2], other), at(10))).to.equal(undefined);
    expect(d.settled).to.equal(false);
    expect(d.usableLive(), 'the claim spends a taken outpoint').to.equal(undefined);
    expect(d.spendsTaken(spendOf([1, 3], DEST))).to.equal(false);
    // The uncontested outpoint is never a loss.
    expect(d.saw(3, spendOf([0], other), at(10))).to.equal('other');
    expect(d.saw(0, spendOf([1], other), at(11))).to.equal('taken');
    expect(d.saw(2, spendOf([3], other), at(12))).to.equal('lost');
    expect(d.lost).to.deep.include({ height: 12 });
    expect(d.settled).to.equal(true);
    // The block holding one of them goes: that outpoint is to claim again, and the duty is not lost.
    d.untake(1, d.taken.get(1)!);
    expect(d.lost).to.equal(undefined);
    expect([...d.taken.keys()].sort()).to.deep.equal([0, 2]);
    expect(d.settled).to.equal(false);
  });

  it('with one contested outpoint, someone else\'s confirmed spend loses it at once, as before', () => {
    const d = new ReplaceableDuty({ ...duty().plan, spends: [{ outpoint: { txid, vout: 1 }, contested: true }] });
    expect(d.saw(0, spendOf([1], other), at(10))).to.equal('lost');
    expect(d.saw(0, spendOf([1], DEST), at(10))).to.equal('confirmed');
  });
});
