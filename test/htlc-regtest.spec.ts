/**
 * HTLC outputs of the revocable channel on the embedded bcoin regtest node
 * (past height 1351, so blocks enforce CLTV): the receiver's success claim on
 * the receiver's version is refused `non-BIP68-final` until D blocks have
 * passed and confirms after; on the sender's version it confirms at once; the
 * sender's timeout is refused `non-final` before E and `non-BIP68-final`
 * before D, and confirms after both; a revoked sender's version carrying an
 * HTLC is swept with its balance in one penalty transaction, after which the
 * sender's timeout is refused; on a stale receiver's version the sender's
 * timeout wins once E has passed while the receiver still waits for D. Every revealed script is its template's and
 * every revealed preimage hashes to H.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelParams, HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE, Htlc, compileFundingScript, extractPreimage, matchTemplate, p2wpkhScript,
  p2wshScript, sha256, signHtlcSuccessTx, signHtlcTimeoutTx, signPenaltyTx, toHex,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { keys, testKey } from './support/keys';
import { rejectionOf } from './support/errors';
import { broadcastAndConfirm, mineTo } from './support/e2e';
import { receiverHtlc, receiverVersion, senderVersion, testHtlc } from './support/htlc';

const D = 5;
const FEE_RATE = 1000n;
const DEST = p2wpkhScript(testKey('htlc regtest destination').pub);
let counter = 0;

async function fundChannel(node: RegtestNode): Promise<ChannelParams> {
  const capacity = 1_000_000n;
  const script = p2wshScript(compileFundingScript({ senderFundingKey: keys.senderFunding.pub, receiverFundingKey: keys.receiverFunding.pub }));
  const f = await node.fund(script, capacity);
  return {
    fundingOutpoint: { txid: f.txid, vout: f.vout }, capacity,
    senderFundingKey: keys.senderFunding.pub, receiverFundingKey: keys.receiverFunding.pub,
    senderPayoutKey: keys.senderPayout.pub, receiverPayoutKey: keys.receiverPayout.pub, receiverRevocationKey: keys.receiverRevocation.pub,
    variant: { kind: 'csv', delay: { blocks: 20 } }, feeRate: FEE_RATE,
    htlc: { receiverHtlcKey: receiverHtlc.pub, delay: { blocks: D }, maxDustExposure: 5_000n },
  };
}

function htlcAt(amount: bigint, expiry: number): { htlc: Htlc; preimage: Uint8Array } {
  return testHtlc(`regtest ${++counter}`, amount, expiry);
}

/** The claim's revealed script is the expected template's, with this HTLC's hash; a revealed preimage hashes to it. */
function expectRevealed(claim: Transaction, template: typeof HTLC_SENDER_TEMPLATE, htlc: Htlc, preimage?: Uint8Array): void {
  const ws = claim.ins[0]!.witness.at(-1)!;
  const m = matchTemplate(ws)!;
  expect(m.template).to.equal(template);
  expect(toHex(m.values.get('H') as Uint8Array)).to.equal(toHex(htlc.hash));
  const revealed = extractPreimage(claim, ws);
  if (preimage === undefined) {
    expect(revealed).to.equal(undefined);
    return;
  }
  expect(toHex(revealed!.preimage)).to.equal(toHex(preimage));
  expect(toHex(sha256(revealed!.preimage))).to.equal(toHex(htlc.hash));
}

describe('HTLC claims on a regtest node', function () {
  this.timeout(120_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  it('the receiver\'s success on the receiver\'s version: non-BIP68-final before D, confirmed after', async () => {
    const channel = await fundChannel(node);
    const tip = (await node.getTip()).height;
    const x = htlcAt(60_000n, tip + 100);
    const version = await broadcastAndConfirm(node, receiverVersion(channel, 3, 200_000n, [x.htlc]));
    const claim = signHtlcSuccessTx(
      { channel, version: 'receiver', versionTx: version.tx.toBuffer(), htlc: x.htlc, destinationScript: DEST, feeRate: FEE_RATE },
      { preimage: x.preimage, receiverHtlcKey: receiverHtlc.priv },
    );
    for (const height of [version.height, version.height + D - 2]) {
      await mineTo(node, height);
      const e = await rejectionOf(node.broadcast(claim.toBuffer()));
      expect([e.code, e.details!.reason]).to.deep.equal(['BROADCAST_REJECTED', 'non-BIP68-final']);
    }
    await mineTo(node, version.height + D - 1);
    const done = await broadcastAndConfirm(node, claim);
    expect(done.height).to.equal(version.height + D);
    expectRevealed(done.tx, HTLC_RECEIVER_TEMPLATE, x.htlc, x.preimage);
  });

  it('on the sender\'s version: the receiver\'s success at once; the sender\'s timeout non-final before E, non-BIP68-final before D, then confirmed', async () => {
    const channel = await fundChannel(node);
    const tip = (await node.getTip()).height;
    const success = htlcAt(40_000n, tip + 100);
    // E two blocks above the version's confirmation, D = 5: E passes first, then D.
    const timeout = htlcAt(30_000n, tip + 3);
    const sv = senderVersion(channel, 4, 100_000n, [success.htlc, timeout.htlc]);
    const version = await broadcastAndConfirm(node, sv.tx);
    expect(version.height).to.equal(tip + 1);

    const claim = signHtlcSuccessTx(
      { channel, version: 'sender', versionTx: sv.tx.toBuffer(), updateKey: sv.updateKey, htlc: success.htlc, destinationScript: DEST, feeRate: FEE_RATE },
      { preimage: success.preimage, receiverHtlcKey: receiverHtlc.priv },
    );
    const claimed = await broadcastAndConfirm(node, claim);
    expectRevealed(claimed.tx, HTLC_SENDER_TEMPLATE, success.htlc, success.preimage);

    const sweep = signHtlcTimeoutTx(
      { channel, version: 'sender', versionTx: sv.tx.toBuffer(), updateKey: sv.updateKey, htlc: timeout.htlc, destinationScript: DEST, feeRate: FEE_RATE },
      keys.senderPayout.priv,
    );
    expect(sweep.locktime).to.equal(tip + 3);
    const early = await rejectionOf(node.broadcast(sweep.toBuffer()));
    expect([early.code, early.details!.reason]).to.deep.equal(['BROADCAST_REJECTED', 'non-final']);
    await mineTo(node, tip + 3);
    const beforeD = await rejectionOf(node.broadcast(sweep.toBuffer()));
    expect([beforeD.code, beforeD.details!.reason]).to.deep.equal(['BROADCAST_REJECTED', 'non-BIP68-final']);
    await mineTo(node, version.height + D - 1);
    const swept = await broadcastAndConfirm(node, sweep);
    expectRevealed(swept.tx, HTLC_SENDER_TEMPLATE, timeout.htlc);
  });

  it('a stale receiver\'s version published after E - D: the sender\'s timeout confirms from E while the receiver\'s success is still non-BIP68-final', async () => {
    const channel = await fundChannel(node);
    const tip = (await node.getTip()).height;
    const h = htlcAt(45_000n, tip + 3);
    const version = await broadcastAndConfirm(node, receiverVersion(channel, 2, 50_000n, [h.htlc]));
    const base = { channel, version: 'receiver' as const, versionTx: version.tx.toBuffer(), htlc: h.htlc, destinationScript: DEST, feeRate: FEE_RATE };
    const sweep = signHtlcTimeoutTx(base, keys.senderPayout.priv);
    const claim = signHtlcSuccessTx(base, { preimage: h.preimage, receiverHtlcKey: receiverHtlc.priv });
    const early = await rejectionOf(node.broadcast(sweep.toBuffer()));
    expect(early.details!.reason).to.equal('non-final');
    await mineTo(node, tip + 3);
    const locked = await rejectionOf(node.broadcast(claim.toBuffer()));
    expect(locked.details!.reason).to.equal('non-BIP68-final');
    const swept = await broadcastAndConfirm(node, sweep);
    expect(swept.height).to.be.below(version.height + D);
    expectRevealed(swept.tx, HTLC_RECEIVER_TEMPLATE, h.htlc);
  });

  it('a revoked sender\'s version with an HTLC: one penalty sweeps the balance, the HTLC and the receiver\'s output; the sender\'s timeout is then refused', async () => {
    const channel = await fundChannel(node);
    const tip = (await node.getTip()).height;
    const h = htlcAt(50_000n, tip + 2);
    const sv = senderVersion(channel, 7, 150_000n, [h.htlc]);
    const version = await broadcastAndConfirm(node, sv.tx);
    expect(sv.tx.outs).to.have.length(3);

    const penalty = signPenaltyTx(
      { channel, revokedTx: sv.tx.toBuffer(), updateKey: sv.updateKey, destinationScript: DEST, feeRate: 2000n, htlcs: [h.htlc] },
      { updateSecret: keys.update(7).priv, revocationKey: keys.receiverRevocation.priv, receiverPayoutKey: keys.receiverPayout.priv },
    );
    expect(penalty.ins).to.have.length(3);
    const swept = await broadcastAndConfirm(node, penalty);
    expect(swept.tx.outs).to.have.length(1);
    expect(swept.tx.outs[0]!.value + swept.fee).to.equal(sv.tx.outs.reduce((a, o) => a + o.value, 0n));
    const scripts = swept.tx.ins.map((i) => i.witness.at(-1)!);
    expect(scripts.map((s) => matchTemplate(s)?.template.name ?? 'p2wpkh')).to.deep.equal(['p2wpkh', 'revocable-csv', 'htlc-offered-sender']);

    // Past E and D the sender's timeout would be valid, but its output is gone.
    await mineTo(node, version.height + D);
    const sweep = signHtlcTimeoutTx(
      { channel, version: 'sender', versionTx: sv.tx.toBuffer(), updateKey: sv.updateKey, htlc: h.htlc, destinationScript: DEST, feeRate: FEE_RATE },
      keys.senderPayout.priv,
    );
    const refused = await rejectionOf(node.broadcast(sweep.toBuffer()));
    expect(refused.code).to.equal('BROADCAST_REJECTED');
    expect(String(refused.details!.reason)).to.match(/missingorspent|inputs-spent/);
  });
});
