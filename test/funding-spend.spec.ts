/**
 * The generic funding spend (lib/tx/funding-spend.ts) is all a construction
 * needs to spend a funding 2-of-2: here a Spillman refund channel (Form S of
 * CONSTRUCTIONS.md section 1) is built from it and the core funding pieces
 * alone, with no revocable name, and run on the embedded regtest node: the
 * refund T2 (nLockTime L) is refused non-final before L, a payment T3 pays the
 * server, and the refund is then refused as a double spend. The revocable
 * construction's payment versions and close are the same bytes through it,
 * and what a funding spend is refused for is tested with its codes.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  FundingOutputContext, TxOut, buildCooperativeCloseTx, buildFundingSpendTx, buildReceiverPaymentTx, compileFundingScript,
  fundingSpendSighash, p2wpkhScript, p2wshScript, planFundingSpend, setFundingSpendWitness, signSighash,
  spendsFundingOutputAlone, toHex, verifyChannelParams, verifyFundingOutputParams,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { TestKey, testKey } from './support/keys';
import { codeOf, rejectionOf } from './support/errors';
import { broadcastAndConfirm, mineTo } from './support/e2e';
import { verifyInputs } from './support/verify';
import { channelParams } from './support/channel';

const CAPACITY = 200_000n;
const FEE = 1_000n;
const SEQUENCE_LOCKTIME = 0xfffffffe;
const SEQUENCE_FINAL = 0xffffffff;

/** A Spillman channel's keys: the client funds and pays, the server is paid. */
interface SpillmanKeys {
  readonly clientFunding: TestKey;
  readonly serverFunding: TestKey;
  readonly clientPayout: Uint8Array;
  readonly serverPayout: Uint8Array;
}

function spillmanKeys(label: string): SpillmanKeys {
  return {
    clientFunding: testKey(`${label} client funding`),
    serverFunding: testKey(`${label} server funding`),
    clientPayout: p2wpkhScript(testKey(`${label} client payout`).pub),
    serverPayout: p2wpkhScript(testKey(`${label} server payout`).pub),
  };
}

/** A funding spend with both signatures, as a Spillman party completes it. */
function signedSpend(funding: FundingOutputContext, k: SpillmanKeys, locktime: number, sequence: number, outputs: readonly TxOut[]): Transaction {
  const spend = { funding, locktime, sequence, outputs };
  const hash = fundingSpendSighash(spend);
  const tx = buildFundingSpendTx(spend);
  setFundingSpendWitness(funding, tx, { senderSig: signSighash(hash, k.clientFunding.priv), receiverSig: signSighash(hash, k.serverFunding.priv) });
  return tx;
}

describe('funding spends of any construction', () => {
  describe('a Spillman refund channel from the generic pieces, on a regtest node', function () {
    this.timeout(60_000);
    let node: RegtestNode;

    before(async () => {
      node = await RegtestNode.start();
    });

    after(async () => {
      await node?.stop();
    });

    /** A funded Spillman channel and its refund T2, locked at 5 blocks above the tip. */
    async function openChannel(label: string): Promise<{ k: SpillmanKeys; funding: FundingOutputContext; refund: Transaction; lockHeight: number }> {
      const k = spillmanKeys(label);
      const fundingParams = { senderFundingKey: k.clientFunding.pub, receiverFundingKey: k.serverFunding.pub };
      const f = await node.fund(p2wshScript(compileFundingScript(fundingParams)), CAPACITY);
      const funding = verifyFundingOutputParams({ fundingOutpoint: { txid: f.txid, vout: f.vout }, capacity: CAPACITY, ...fundingParams });
      const lockHeight = (await node.getTip()).height + 5;
      const refund = signedSpend(funding, k, lockHeight, SEQUENCE_LOCKTIME, [{ script: k.clientPayout, value: CAPACITY - FEE }]);
      verifyInputs(refund.toBuffer(), [{ script: funding.fundingScriptPubKey, value: CAPACITY }]);
      return { k, funding, refund, lockHeight };
    }

    // In 'spillman a' the server's key sorts first, in 'spillman b' the client's: both witness orders reach the node.
    for (const label of ['spillman a', 'spillman b']) {
      it(`${label}: the refund is refused before L, a payment pays the server, and the refund then spends nothing`, async () => {
        const { k, funding, refund, lockHeight } = await openChannel(label);
        await mineTo(node, lockHeight - 1);
        const early = await rejectionOf(node.broadcast(refund.toBuffer()));
        expect(early.code).to.equal('BROADCAST_REJECTED');
        expect(early.details?.reason).to.equal('non-final');

        const paid = 30_000n;
        const payment = signedSpend(funding, k, 0, SEQUENCE_FINAL, [
          { script: k.serverPayout, value: paid }, { script: k.clientPayout, value: CAPACITY - paid - FEE },
        ]);
        verifyInputs(payment.toBuffer(), [{ script: funding.fundingScriptPubKey, value: CAPACITY }]);
        const confirmed = await broadcastAndConfirm(node, payment);
        expect(confirmed.fee).to.equal(FEE);
        expect(confirmed.tx.outs[0]!.value).to.equal(paid);

        await mineTo(node, lockHeight + 1);
        expect(await rejectionOf(node.broadcast(refund.toBuffer()))).to.have.property('code', 'BROADCAST_REJECTED');
      });
    }

    it('the server vanished: at L the refund returns the deposit less its fee to the client', async () => {
      const { k, refund, lockHeight } = await openChannel('spillman vanished');
      await mineTo(node, lockHeight);
      const confirmed = await broadcastAndConfirm(node, refund);
      expect(confirmed.fee).to.equal(FEE);
      expect(toHex(confirmed.tx.outs[0]!.script)).to.equal(toHex(k.clientPayout));
    });
  });

  describe('the revocable construction spends its funding output through it', () => {
    const params = channelParams({ kind: 'csv', delay: { blocks: 144 } }).channel;
    const ctx = verifyChannelParams(params);

    it('its funding output context is the generic one, with the same cached pieces', () => {
      expect(ctx.funding.fundingScript).to.equal(ctx.fundingScript);
      expect(ctx.funding.sighash).to.equal(ctx.sighash);
      expect(toHex(ctx.funding.fundingScriptPubKey)).to.equal(toHex(p2wshScript(compileFundingScript(params))));
    });

    it('a receiver\'s version and the close are the same bytes built generically', () => {
      for (const tx of [buildReceiverPaymentTx({ channel: params, index: 7n, amount: 50_000n }), buildCooperativeCloseTx({ channel: params, amount: 50_000n, feeRate: 2000n })]) {
        const outputs = tx.outs.map((o) => ({ script: o.script, value: o.value }));
        const again = buildFundingSpendTx({ funding: ctx.funding, locktime: tx.locktime, sequence: tx.ins[0]!.sequence, outputs });
        expect(again.toHex()).to.equal(tx.toHex());
      }
    });
  });

  describe('refusals', () => {
    const k = spillmanKeys('refusals');
    const fundingParams = {
      fundingOutpoint: { txid: '11'.repeat(32), vout: 1 }, capacity: CAPACITY,
      senderFundingKey: k.clientFunding.pub, receiverFundingKey: k.serverFunding.pub,
    };
    const funding = verifyFundingOutputParams(fundingParams);
    const outputs = [{ script: k.clientPayout, value: CAPACITY - FEE }];
    const sigs = { senderSig: Uint8Array.of(0x30, 1), receiverSig: Uint8Array.of(0x30, 2) };

    it('the witness puts the signatures in the script\'s key order, whichever party\'s key sorts first', () => {
      for (const [a, b] of [[k.clientFunding, k.serverFunding], [k.serverFunding, k.clientFunding]] as const) {
        const f = verifyFundingOutputParams({ ...fundingParams, senderFundingKey: a.pub, receiverFundingKey: b.pub });
        const tx = buildFundingSpendTx({ funding: f, locktime: 0, sequence: SEQUENCE_FINAL, outputs });
        setFundingSpendWitness(f, tx, sigs);
        const firstKey = toHex(f.fundingScript.subarray(2, 35));
        const expected = firstKey === toHex(a.pub) ? [sigs.senderSig, sigs.receiverSig] : [sigs.receiverSig, sigs.senderSig];
        expect(tx.ins[0]!.witness.slice(1, 3).map(toHex)).to.deep.equal(expected.map(toHex));
      }
    });

    it('equal funding keys, a bad outpoint or capacity: typed codes', () => {
      expect(codeOf(() => verifyFundingOutputParams({ ...fundingParams, receiverFundingKey: k.clientFunding.pub }))).to.equal('INVALID_KEY');
      expect(codeOf(() => verifyFundingOutputParams({ ...fundingParams, fundingOutpoint: { txid: 'zz', vout: 0 } }))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => verifyFundingOutputParams({ ...fundingParams, capacity: 0n }))).to.equal('INVALID_AMOUNT');
      expect(codeOf(() => verifyFundingOutputParams(null as never))).to.equal('INVALID_ARGUMENT');
    });

    it('a context not made by verifyFundingOutputParams, or a channel context, is refused', () => {
      const forged = { ...funding };
      expect(codeOf(() => buildFundingSpendTx({ funding: forged, locktime: 0, sequence: 0, outputs }))).to.equal('INVALID_ARGUMENT');
      const channel = verifyChannelParams(channelParams({ kind: 'csv', delay: { blocks: 144 } }).channel);
      expect(codeOf(() => fundingSpendSighash({ funding: channel as never, locktime: 0, sequence: 0, outputs }))).to.equal('INVALID_ARGUMENT');
    });

    it('a witness or a plan for a transaction that does not spend the funding output alone is refused, and the transaction is untouched', () => {
      const other = buildFundingSpendTx({ funding: verifyFundingOutputParams({ ...fundingParams, fundingOutpoint: { txid: '22'.repeat(32), vout: 1 } }), locktime: 0, sequence: 0, outputs });
      const twoInputs = buildFundingSpendTx({ funding, locktime: 0, sequence: 0, outputs });
      twoInputs.addInput(new Uint8Array(32), 0);
      for (const tx of [other, twoInputs]) {
        const before = tx.toHex();
        expect(spendsFundingOutputAlone(funding, tx)).to.equal(false);
        expect(codeOf(() => setFundingSpendWitness(funding, tx, sigs))).to.equal('INVALID_TRANSACTION');
        expect(codeOf(() => planFundingSpend(funding, tx))).to.equal('INVALID_TRANSACTION');
        expect(tx.toHex()).to.equal(before);
      }
    });

    it('a plan carries the funding output and script, and refuses a funding transaction that is not the funding output\'s', () => {
      const tx = buildFundingSpendTx({ funding, locktime: 0, sequence: SEQUENCE_FINAL, outputs });
      const plan = planFundingSpend(funding, tx);
      expect(plan.inputs).to.have.length(1);
      expect(toHex(plan.inputs[0]!.prevout.script)).to.equal(toHex(funding.fundingScriptPubKey));
      expect(plan.inputs[0]!.prevout.value).to.equal(CAPACITY);
      expect(toHex(plan.inputs[0]!.witnessScript!)).to.equal(toHex(funding.fundingScript));
      expect(codeOf(() => planFundingSpend(funding, tx, { fundingTx: Uint8Array.of(1, 2, 3) }))).to.equal('INVALID_TRANSACTION');
      expect(codeOf(() => planFundingSpend(funding, tx, { fundingTx: tx.toBuffer() }))).to.equal('INVALID_TRANSACTION');
      expect(codeOf(() => setFundingSpendWitness(funding, tx, { senderSig: 'ab' as never, receiverSig: sigs.receiverSig }))).to.equal('INVALID_ARGUMENT');
    });
  });
});

