/**
 * The duplex channel's parameters and builders without a chain: the numbers
 * of CONSTRUCTIONS.md 3b, every refusal with its code, the tree's branches
 * sharing their prefixes (a reset re-signs from the first changed level
 * down), the leaf and simplex outputs, the setup's fee split, the signer's
 * checks, and what inspect says of each transaction.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  DUPLEX_SEQUENCE, DuplexSigner, duplexBranch, duplexCloseSpend, duplexKickoffSpend, duplexLeafOutputs, duplexWeights,
  explainTransaction, firstChangedLevel, p2wpkhScript, p2wshScript, planDuplexSetup, simplexChannel, simplexPaymentSpend,
  simplexRefundSpend, verifyDuplexParams,
} from '../lib';
import { DEPOSIT, FEE_RATE, duplexKeys, duplexPair, duplexParamsFor, fakeCoin, signedBranch, signedKickoff } from './constructions/duplex/kit';
import { thrownCode } from './support/errors';

const keys = duplexKeys('unit');

describe('duplex channel: parameters, tree and simplex builders', () => {
  it('counts states, the worst exit and the transactions to publish as the design notes table does', () => {
    const rows: [number, number, number, number, number][] = [
      // d, b, Δ, states, worst exit blocks (d(b-1)Δ + d + 2)
      [2, 3, 5, 9, 2 * 2 * 5 + 4],
      [1, 31, 144, 31, 30 * 144 + 3],
      [2, 13, 144, 169, 2 * 12 * 144 + 4],
      [3, 4, 144, 64, 3 * 3 * 144 + 5],
      [11, 2, 144, 2048, 11 * 144 + 13],
    ];
    for (const [levels, values, step, states, exit] of rows) {
      const ctx = verifyDuplexParams(duplexParamsFor(keys, { levels, values, step }));
      expect([ctx.counter.states, ctx.worstExitBlocks, ctx.exitTransactions]).to.deep.equal([states, exit, levels + 3]);
    }
  });

  it('refuses bad parameters with typed errors', () => {
    const bad = (o: Parameters<typeof duplexParamsFor>[1], extra: Record<string, unknown> = {}) => thrownCode(() => verifyDuplexParams({ ...duplexParamsFor(keys, o), ...extra } as never));
    expect(bad({ levels: 0 })).to.equal('INVALID_ARGUMENT');
    expect(bad({ values: 1 })).to.equal('INVALID_ARGUMENT');
    expect(bad({ step: 0 })).to.equal('INVALID_ARGUMENT');
    // BIP 68: a level's longest lock (b-1)Δ must fit 16 bits.
    expect(bad({ values: 3, step: 40_000 })).to.equal('INVALID_TIMELOCK');
    expect(bad({ simplexDelay: 0 })).to.equal('INVALID_TIMELOCK');
    expect(bad({ simplexDelay: 70_000 })).to.equal('INVALID_TIMELOCK');
    // b^d beyond 2^32 states: 13^11 (the seed's trillion) does not fit the counter's uint32 index.
    expect(bad({ levels: 11, values: 13, step: 144 })).to.equal('INVALID_ARGUMENT');
    expect(bad({ aAmount: 3n * DEPOSIT })).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(bad({ aAmount: 500n })).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(bad({ aAmount: 2n * DEPOSIT - 1n })).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(bad({}, { bPayoutKey: keys.aPayout.pub })).to.equal('INVALID_KEY');
    expect(bad({}, { bFundingKey: keys.aFunding.pub })).to.equal('INVALID_KEY');
    expect(bad({}, { feeRate: 1n })).to.be.oneOf(['INVALID_FEE_RATE', 'FEE_RATE_REFUSED']);
    expect(thrownCode(() => verifyDuplexParams(null as never))).to.equal('INVALID_ARGUMENT');
    // A deposit left with less than a refund's fee and dust after its half of the tree's fees.
    const { treeCost, simplexFee } = verifyDuplexParams(duplexParamsFor(keys));
    const tiny = (treeCost + 1n) / 2n + simplexFee + 100n;
    expect(bad({ aAmount: tiny })).to.equal('AMOUNT_BELOW_DUST');
  });

  it('splits the tree\'s fees and anchors in halves and fixes the kickoff by the setup output alone', () => {
    const { ctx } = duplexPair(keys);
    const w = duplexWeights();
    expect(ctx.treeFee).to.equal(ctx.nodeFee * 2n + ctx.leafFee);
    // Each of the d + 1 tree transactions holds 660 sat in its two anchors.
    expect(ctx.anchorsValue).to.equal(660n);
    expect(ctx.treeCost).to.equal(ctx.treeFee + 3n * 660n);
    expect(ctx.aTreeCost).to.equal((ctx.treeCost + 1n) / 2n);
    expect(ctx.initialBalances.a).to.equal(DEPOSIT - ctx.aTreeCost);
    expect(ctx.nodeFee).to.equal(BigInt(Math.ceil(w.node * 1000 / 1000)));
    expect(ctx.initialBalances.a + ctx.initialBalances.b).to.equal(ctx.leafCapacity);
    expect(ctx.initialBalances.a - ctx.initialBalances.b).to.be.oneOf([0n, -1n, 1n].map((x) => x));
    const k = duplexKickoffSpend(ctx);
    expect([k.locktime, k.sequence]).to.deep.equal([0, DUPLEX_SEQUENCE]);
    expect(k.outputs[0]!.script).to.deep.equal(ctx.funding.fundingScriptPubKey);
    expect(k.outputs.slice(1)).to.deep.equal([{ script: ctx.anchors!.aScript, value: 330n }, { script: ctx.anchors!.bScript, value: 330n }]);
    expect(ctx.kickoff.params.fundingOutpoint.txid).to.equal(new DuplexSigner(ctx, 'a', keys.aFunding.priv) && (() => {
      const tx = new Transaction();
      tx.version = 2;
      tx.addInput(ctx.funding.fundingHash, 0, DUPLEX_SEQUENCE);
      for (const o of k.outputs) tx.addOutput(o.script, o.value);
      return tx.getId();
    })());
    expect(k.outputs[0]!.value).to.equal(ctx.params.capacity - ctx.nodeFee - 660n);
  });

  it('builds a state\'s branch from its digits; states sharing a prefix share its nodes', () => {
    const { ctx } = duplexPair(keys);
    const bal = ctx.initialBalances;
    const seq = (i: number) => duplexBranch(ctx, i, bal).map((t) => t.spend.sequence);
    expect([0, 1, 2, 3, 4, 8].map(seq)).to.deep.equal([[10, 10], [10, 5], [10, 0], [5, 10], [5, 5], [0, 0]]);
    const b3 = duplexBranch(ctx, 3, bal);
    const b5 = duplexBranch(ctx, 5, bal);
    expect(b3[0]!.output!.params.fundingOutpoint).to.deep.equal(b5[0]!.output!.params.fundingOutpoint);
    expect(b3[1]!.parent).to.equal(b3[0]!.output);
    expect(b3[0]!.parent).to.equal(ctx.kickoff);
    // A reset 4 -> 5 changes only the leaf; 5 -> 6 the whole branch.
    expect(firstChangedLevel(ctx.counter, 4, 5)).to.equal(1);
    expect(duplexBranch(ctx, 5, bal, firstChangedLevel(ctx.counter, 4, 5)).map((t) => t.level)).to.deep.equal([1]);
    expect(firstChangedLevel(ctx.counter, 5, 6)).to.equal(0);
    // Every node pays its parent's value less one node's fee and its anchors; the leaf divides what is left, after its own two anchors.
    expect(b3.map((t) => t.level)).to.deep.equal([0, 1]);
    expect(b3[0]!.spend.outputs[0]!.value).to.equal(ctx.kickoff.params.capacity - ctx.nodeFee - 660n);
    expect(b3[1]!.spend.outputs.reduce((s, o) => s + o.value, 0n)).to.equal(ctx.leafCapacity + 660n);
    for (const t of b3) expect(t.spend.outputs.slice(-2).map((o) => o.script)).to.deep.equal([ctx.anchors!.aScript, ctx.anchors!.bScript]);
    expect(thrownCode(() => duplexBranch(ctx, 9, bal))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => duplexBranch(ctx, 0, bal, 2))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => duplexBranch(ctx, 0, bal, -1))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => duplexBranch({} as never, 0, bal))).to.equal('INVALID_ARGUMENT');
  });

  it('pays the leaf to a\'s simplex channel, then b\'s, leaving out an empty one; refuses a division that does not add up', () => {
    const { ctx } = duplexPair(keys);
    const all = ctx.leafCapacity;
    const anchors = [ctx.anchors!.aScript, ctx.anchors!.bScript];
    expect(duplexLeafOutputs(ctx, ctx.initialBalances).map((o) => o.script)).to.deep.equal([p2wshScript(ctx.abScript), p2wshScript(ctx.baScript), ...anchors]);
    // An empty channel is left out; both anchors stay (a, with nothing at the leaf, may still pay for it).
    expect(duplexLeafOutputs(ctx, { a: 0n, b: all }).map((o) => o.script)).to.deep.equal([p2wshScript(ctx.baScript), ...anchors]);
    const ba = simplexChannel(ctx, 'ab'.repeat(32), { a: 0n, b: all }, 'ba')!;
    expect(ba.output.params.fundingOutpoint.vout).to.equal(0);
    expect(simplexChannel(ctx, 'ab'.repeat(32), { a: 0n, b: all }, 'ab')).to.equal(undefined);
    expect(simplexChannel(ctx, 'ab'.repeat(32), ctx.initialBalances, 'ba')!.output.params.fundingOutpoint.vout).to.equal(1);
    expect(thrownCode(() => duplexLeafOutputs(ctx, { a: 1n, b: all }))).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(thrownCode(() => duplexLeafOutputs(ctx, { a: -1n, b: all + 1n }))).to.equal('INVALID_AMOUNT');
    expect(thrownCode(() => duplexLeafOutputs(ctx, { a: 100n, b: all - 100n }))).to.equal('AMOUNT_BELOW_DUST');
    expect(thrownCode(() => simplexChannel(ctx, 'ab'.repeat(32), ctx.initialBalances, 'xy' as never))).to.equal('INVALID_ARGUMENT');
  });

  it('simplex payments: the payee\'s total, the payer\'s rest less the fee (dust rest to the fee); the refund waits Dc', () => {
    const p = duplexPair(keys);
    const { ctx } = p;
    const ab = simplexChannel(ctx, 'ab'.repeat(32), ctx.initialBalances, 'ab')!;
    const pay = simplexPaymentSpend(ctx, ab, 10_000n);
    expect(pay.outputs).to.deep.equal([
      { script: p2wpkhScript(keys.bPayout.pub), value: 10_000n },
      { script: p2wpkhScript(keys.aPayout.pub), value: ctx.initialBalances.a - 10_000n - ctx.simplexFee },
    ]);
    const nearly = ctx.initialBalances.a - ctx.simplexFee - 100n;
    expect(simplexPaymentSpend(ctx, ab, nearly).outputs).to.have.length(1);
    expect(thrownCode(() => simplexPaymentSpend(ctx, ab, ctx.initialBalances.a))).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(thrownCode(() => simplexPaymentSpend(ctx, ab, 10n))).to.equal('AMOUNT_BELOW_DUST');
    const refund = simplexRefundSpend(ctx, ab);
    expect([refund.sequence, refund.outputs[0]!.value]).to.deep.equal([10, ctx.initialBalances.a - ctx.simplexFee]);

    // Only the payer signs a payment and a refund, only the payee completes one, and only with the payer's signature of that very payment.
    expect(thrownCode(() => p.b.signSimplexPayment(ab, 10_000n))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => p.a.completeSimplexPayment(ab, 10_000n, new Uint8Array(71)))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => p.b.simplexRefund(ab))).to.equal('INVALID_ARGUMENT');
    const sig = p.a.signSimplexPayment(ab, 10_000n);
    expect(thrownCode(() => p.b.completeSimplexPayment(ab, 20_000n, sig))).to.equal('INVALID_SIGNATURE');
    const tx = p.b.completeSimplexPayment(ab, 10_000n, sig);
    expect(tx.ins[0]!.witness).to.have.length(3);
  });

  it('the signer completes a 2-of-2 only with the counterparty\'s signature of it, and only of this channel', () => {
    const p = duplexPair(keys);
    const [node] = duplexBranch(p.ctx, 1, p.ctx.initialBalances);
    const sig = p.a.sign(p.a.hash(node!.spend));
    const [other] = duplexBranch(p.ctx, 3, p.ctx.initialBalances);
    expect(thrownCode(() => p.b.completeTwoOfTwo(other!.spend, sig))).to.equal('INVALID_SIGNATURE');
    expect(p.b.completeTwoOfTwo(node!.spend, sig).ins[0]!.witness).to.have.length(4);
    const stranger = duplexPair(duplexKeys('stranger'));
    const [theirs] = duplexBranch(stranger.ctx, 0, stranger.ctx.initialBalances);
    expect(thrownCode(() => p.b.completeTwoOfTwo(theirs!.spend, sig))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => new DuplexSigner(p.ctx, 'a', keys.bFunding.priv))).to.equal('INVALID_KEY');
    expect(thrownCode(() => new DuplexSigner(p.ctx, 'c' as never, keys.aFunding.priv))).to.equal('INVALID_ARGUMENT');
  });

  it('cooperative close divides the capacity; refuses dust and a division that does not add up', () => {
    const { ctx } = duplexPair(keys);
    const c = duplexCloseSpend(ctx, { a: 600_000n, b: 399_000n, fee: 1_000n });
    expect(c.outputs.map((o) => o.value)).to.deep.equal([600_000n, 399_000n]);
    expect(thrownCode(() => duplexCloseSpend(ctx, { a: 600_000n, b: 399_000n, fee: 999n }))).to.equal('AMOUNT_EXCEEDS_CAPACITY');
    expect(thrownCode(() => duplexCloseSpend(ctx, { a: 100n, b: 998_900n, fee: 1_000n }))).to.equal('AMOUNT_BELOW_DUST');
    expect(thrownCode(() => duplexCloseSpend(ctx, { a: 0n, b: 0n, fee: 1_000_000n }))).to.equal('FEE_EXCEEDS_OUTPUT');
  });

  it('the setup: a\'s coins then b\'s, each paying its own inputs and change and half the rest; refusals', () => {
    const aScript = p2wpkhScript(keys.aWallet.pub);
    const bScript = p2wpkhScript(keys.bWallet.pub);
    const coin = fakeCoin;
    const params = {
      aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, feeRate: FEE_RATE,
      a: { inputs: [coin(1, aScript, 300_000n), coin(2, aScript, 300_000n)], amount: DEPOSIT, changeScript: aScript },
      b: { inputs: [coin(3, bScript, 600_000n)], amount: DEPOSIT, changeScript: bScript },
    };
    const s = planDuplexSetup(params);
    expect([s.aInputs, s.bInputs]).to.deep.equal([[0, 1], [2]]);
    expect(s.capacity).to.equal(2n * DEPOSIT);
    expect(s.tx.outs.map((o) => o.value)).to.deep.equal([2n * DEPOSIT, 600_000n - DEPOSIT - s.aFee, 600_000n - DEPOSIT - s.bFee]);
    // a has one more input than b, so pays more; together they pay at least the whole transaction's fee.
    expect(s.aFee > s.bFee).to.equal(true);
    const vsize = s.tx.virtualSize() + (3 * 108 + 3) / 4;
    expect(Number(s.aFee + s.bFee)).to.be.at.least(Math.floor(vsize));
    expect(s.fundingOutpoint).to.deep.equal({ txid: s.tx.getId(), vout: 0 });
    expect(thrownCode(() => planDuplexSetup({ ...params, b: { ...params.b, inputs: [params.a.inputs[0]!] } }))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => planDuplexSetup({ ...params, b: { ...params.b, amount: 700_000n } }))).to.equal('INSUFFICIENT_FUNDS');
    expect(thrownCode(() => planDuplexSetup({ ...params, a: { ...params.a, inputs: [] } }))).to.equal('INVALID_ARGUMENT');
    const legacy = Uint8Array.from([0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac]);
    expect(thrownCode(() => planDuplexSetup({ ...params, a: { ...params.a, inputs: [coin(4, legacy, 600_000n)] } }))).to.equal('NON_SEGWIT_INPUT');
    // A legacy coin passed off as P2WPKH: its previous transaction shows the real script (a scriptSig could change the txid).
    const disguised = { ...coin(5, legacy, 600_000n), script: aScript };
    expect(thrownCode(() => planDuplexSetup({ ...params, a: { ...params.a, inputs: [disguised] } }))).to.equal('INVALID_TRANSACTION');
    const { prevTx: _p, ...bare } = params.b.inputs[0]!;
    expect(thrownCode(() => planDuplexSetup({ ...params, b: { ...params.b, inputs: [bare] } }))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => planDuplexSetup({ ...params, a: { ...params.a, amount: 0n }, b: { ...params.b, amount: 0n } }))).to.equal('INVALID_AMOUNT');
    expect(thrownCode(() => planDuplexSetup(undefined as never))).to.equal('INVALID_ARGUMENT');
  });

  it('inspect names the tree node, the leaf and the simplex payment and refund', () => {
    const p = duplexPair(keys);
    const [node, leaf] = signedBranch(p, 4, p.ctx.initialBalances);
    expect(explainTransaction(node!).kind).to.equal('duplex-node');
    expect(explainTransaction(leaf!).kind).to.equal('duplex-leaf');
    const ab = simplexChannel(p.ctx, leaf!.getId(), p.ctx.initialBalances, 'ab')!;
    const pay = p.b.completeSimplexPayment(ab, 10_000n, p.a.signSimplexPayment(ab, 10_000n));
    expect(explainTransaction(pay).kind).to.equal('duplex-simplex-payment');
    expect(explainTransaction(p.a.simplexRefund(ab)).kind).to.equal('duplex-simplex-refund');
  });

  it('inspect names the kickoff and the close honestly: the decreasing-lock inspector claims their shape, for both constructions, never certain', () => {
    const p = duplexPair(keys);
    for (const tx of [signedKickoff(p), p.b.completeTwoOfTwo(duplexCloseSpend(p.ctx, { a: 500_000n, b: 499_000n, fee: 1_000n }), p.a.sign(p.a.hash(duplexCloseSpend(p.ctx, { a: 500_000n, b: 499_000n, fee: 1_000n }))))]) {
      const e = explainTransaction(tx);
      expect(e.kind).to.match(/^decreasing-(kickoff|close)$/);
      expect(e.kindLabel).to.include('decreasing-lock or duplex');
      expect(e.recognisedBy).to.include('duplex');
      expect(e.certain).to.equal(false);
    }
    // The decreasing-lock state stays certain: no duplex transaction pays P2WPKH outputs under a lock.
    const [node] = signedBranch(p, 4, p.ctx.initialBalances);
    expect(explainTransaction(node!).certain).to.equal(true);
  });
});
