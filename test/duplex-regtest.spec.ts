/**
 * The duplex channel's transactions on the embedded bcoin regtest node, as
 * issue 18 and CONSTRUCTIONS.md 3g list for d = 2, b = 3, Δ = 5, Dc = 10:
 * the dual-funded setup is signed last (every dependent transaction first),
 * is invalid with one party's signature missing, and either party can abort
 * by spending its own coin; a unilateral close from a middle state publishes
 * the kickoff, then at each level the newest node, which confirms while the
 * stale sibling is still `non-BIP68-final` and is refused after; the simplex
 * payees publish their latest payments, the refunds being refused before
 * Dc; the balances on chain are the off-chain ones less the fees; the
 * cooperative close spends the setup output at once.
 */
import { expect } from 'chai';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  DUPLEX_SIMPLEX_TEMPLATE, DuplexLeafBalances, compileSimplexScript, counterDigits, duplexBranch, duplexCloseSpend, extractTransaction,
  DuplexSetupParams, DuplexSetupPlan, createDuplexSetupPsbt, finalizePsbt, matchTemplate, p2wpkhScript, planDuplexSetup, signPsbtWithKey, simplexChannel, verifyDuplexParams,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { DEPOSIT, DuplexKeys, DuplexPair, FEE_RATE, duplexKeys, duplexPair, signedBranch, signedKickoff } from './constructions/duplex/kit';
import { broadcastAndConfirm, rejectionOf } from './support/e2e';

describe('duplex channel on a regtest node (d = 2, b = 3, Δ = 5, Dc = 10)', function () {
  this.timeout(120_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  interface Setup {
    readonly keys: DuplexKeys;
    readonly pair: DuplexPair;
    readonly params: DuplexSetupParams;
    readonly setup: DuplexSetupPlan;
    readonly aCoin: { txid: string; vout: number; value: bigint; tx: Uint8Array };
  }

  /** Both parties' coins and the unsigned setup; the channel's context is fixed by its txid before anyone signs it. */
  async function plan(label: string): Promise<Setup> {
    const keys = duplexKeys(label);
    const aScript = p2wpkhScript(keys.aWallet.pub);
    const bScript = p2wpkhScript(keys.bWallet.pub);
    const aCoin = await node.fund(aScript, DEPOSIT + 50_000n);
    const bCoin = await node.fund(bScript, DEPOSIT + 50_000n);
    const params: DuplexSetupParams = {
      aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, feeRate: FEE_RATE,
      a: { inputs: [{ txid: aCoin.txid, vout: aCoin.vout, value: aCoin.value, script: aScript, prevTx: aCoin.tx }], amount: DEPOSIT, changeScript: aScript },
      b: { inputs: [{ txid: bCoin.txid, vout: bCoin.vout, value: bCoin.value, script: bScript, prevTx: bCoin.tx }], amount: DEPOSIT, changeScript: bScript },
    };
    const setup = planDuplexSetup(params);
    const pair = duplexPair(keys, { funding: setup.fundingOutpoint, capacity: setup.capacity });
    return { keys, pair, params, setup, aCoin };
  }

  /** Each party signs its own setup input on its own copy; the last signature makes it valid. */
  function signSetup(s: Setup, who: 'a' | 'b' | 'both'): Transaction {
    const psbt = createDuplexSetupPsbt(s.params);
    if (who !== 'b') expect(signPsbtWithKey(psbt, s.keys.aWallet.priv)).to.equal(1);
    if (who !== 'a') expect(signPsbtWithKey(psbt, s.keys.bWallet.priv)).to.equal(1);
    if (who === 'both') return extractTransaction(finalizePsbt(psbt));
    // Finalize what is there: the unsigned input gets an empty witness, as a node would see a half-signed setup.
    const tx = s.setup.tx.clone();
    const signed = who === 'a' ? s.setup.aInputs : s.setup.bInputs;
    for (const i of signed) {
      const sig = psbt.data.inputs[i]!.partialSig![0]!;
      tx.setWitness(i, [sig.signature, sig.pubkey]);
    }
    return tx;
  }

  it('setup: every dependent transaction signed first, invalid with one signature missing, valid with both; the abort path', async () => {
    const s = await plan('setup');
    // The opt-in's order: the kickoff and state 0's branch are complete before either setup input is signed.
    const kickoff = signedKickoff(s.pair);
    const branch0 = signedBranch(s.pair, 0, s.pair.ctx.initialBalances);
    expect(kickoff.ins[0]!.hash).to.deep.equal(s.setup.tx.getHash());
    expect(branch0).to.have.length(2);

    const half = signSetup(s, 'a');
    expect(half.getId()).to.equal(s.setup.fundingOutpoint.txid);
    const refused = await rejectionOf(node.broadcast(half.toBuffer()));
    expect(refused.code).to.equal('BROADCAST_REJECTED');
    // bcoin names every witness failure non-mandatory (its mandatory flags are P2SH only); the input is b's, left unsigned.
    expect(refused.details).to.include({ reason: 'non-mandatory-script-verify-flag', inputIndex: s.setup.bInputs[0] });

    const full = signSetup(s, 'both');
    expect(full.getId()).to.equal(s.setup.fundingOutpoint.txid);
    await broadcastAndConfirm(node, full);
    // The signed-first kickoff is valid the moment the setup is.
    await broadcastAndConfirm(node, kickoff);

    // Abort: b never signs, and a takes its coin back by spending it elsewhere; the setup can then never be valid.
    const t = await plan('abort');
    const aScript = p2wpkhScript(t.keys.aWallet.pub);
    const abort = new Psbt();
    abort.addInput({ hash: t.aCoin.txid, index: t.aCoin.vout, sequence: 0xfffffffd, witnessUtxo: { script: aScript, value: t.aCoin.value } });
    abort.addOutput({ script: aScript, value: t.aCoin.value - 500n });
    expect(signPsbtWithKey(abort, t.keys.aWallet.priv)).to.equal(1);
    await broadcastAndConfirm(node, extractTransaction(finalizePsbt(abort)));
    const late = signSetup(t, 'both');
    const lateRefusal = await rejectionOf(node.broadcast(late.toBuffer()));
    expect(String(lateRefusal.details?.reason)).to.match(/inputs-(spent|missingorspent)/);
  });

  it('unilateral close from state 4 of 9: the newest node confirms at each level while the stale one is non-BIP68-final, then the simplex payments; refunds refused before Dc', async () => {
    const s = await plan('unilateral');
    const { ctx } = s.pair;
    expect(ctx.counter.states).to.equal(9);
    // Off-chain: states 0..4; in each, payments both ways, then a reset re-funds the leaf with the net balances.
    let balances: DuplexLeafBalances = ctx.initialBalances;
    const branches = new Map<number, Transaction[]>();
    branches.set(0, signedBranch(s.pair, 0, balances));
    for (let n = 1; n <= 4; n++) {
      const paidAB = 20_000n;
      const paidBA = 5_000n;
      balances = { a: balances.a - paidAB + paidBA, b: balances.b - paidBA + paidAB };
      branches.set(n, signedBranch(s.pair, n, balances));
    }
    expect(counterDigits(ctx.counter, 4)).to.deep.equal([1, 1]);
    expect(counterDigits(ctx.counter, 3)).to.deep.equal([1, 0]);
    // In state 4 the simplex channels carry payments too.
    const kickoff = signedKickoff(s.pair);
    await broadcastAndConfirm(node, signSetup(s, 'both'));

    const newest = branches.get(4)!;
    const staleLevel1 = branches.get(1)![0]!; // digit 0 at level 1: lock 2Δ = 10
    const staleLevel2 = branches.get(3)![1]!; // state 3's leaf [1, 0] under the same level-1 node: lock 10
    expect(branches.get(3)![0]!.getId()).to.equal(newest[0]!.getId());
    expect(newest.map((t) => t.ins[0]!.sequence)).to.deep.equal([5, 5]);
    expect([staleLevel1.ins[0]!.sequence, staleLevel2.ins[0]!.sequence]).to.deep.equal([10, 10]);

    await broadcastAndConfirm(node, kickoff);
    // Level 1: after 4 more blocks neither is final; after 5 the newest is, the stale one still is not.
    await node.mine(3);
    expect((await rejectionOf(node.broadcast(newest[0]!.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    await node.mine(1);
    expect((await rejectionOf(node.broadcast(staleLevel1.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    await broadcastAndConfirm(node, newest[0]!);
    await node.mine(5);
    expect(String((await rejectionOf(node.broadcast(staleLevel1.toBuffer()))).details?.reason)).to.match(/inputs-(spent|missingorspent)/);

    // Level 2 (the leaf): the same race under the newest level-1 node, whose clock started when it confirmed 5 blocks ago.
    expect((await rejectionOf(node.broadcast(staleLevel2.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    const leaf = await broadcastAndConfirm(node, newest[1]!);
    expect(String((await rejectionOf(node.broadcast(staleLevel2.toBuffer()))).details?.reason)).to.match(/inputs-(spent|missingorspent)/);

    // The simplex channels of state 4: a has paid b 30,000 on a -> b, b has paid a 7,000 on b -> a.
    const leafId = leaf.tx.getId();
    const ab = simplexChannel(ctx, leafId, balances, 'ab')!;
    const ba = simplexChannel(ctx, leafId, balances, 'ba')!;
    const refundAB = s.pair.a.simplexRefund(ab);
    expect((await rejectionOf(node.broadcast(refundAB.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    const payAB = s.pair.b.completeSimplexPayment(ab, 30_000n, s.pair.a.signSimplexPayment(ab, 30_000n));
    const payBA = s.pair.a.completeSimplexPayment(ba, 7_000n, s.pair.b.signSimplexPayment(ba, 7_000n));
    const gotAB = await broadcastAndConfirm(node, payAB);
    const gotBA = await broadcastAndConfirm(node, payBA);
    // Every revealed script is the template's, compiled from the channel's keys.
    for (const tx of [payAB, payBA]) {
      const script = tx.ins[0]!.witness[tx.ins[0]!.witness.length - 1]!;
      expect(matchTemplate(script)?.template).to.equal(DUPLEX_SIMPLEX_TEMPLATE);
    }
    expect(payAB.ins[0]!.witness.at(-1)).to.deep.equal(compileSimplexScript({ payerKey: s.keys.aFunding.pub, payeeKey: s.keys.bFunding.pub, delay: { blocks: 10 } }));

    // Each party ends with its off-chain balance less the simplex fees it paid (a payer's change below dust would be fee too).
    const value = (tx: Transaction, key: Uint8Array) => tx.outs.filter((o) => Buffer.from(o.script).equals(Buffer.from(p2wpkhScript(key as never)))).reduce((x, o) => x + o.value, 0n);
    const aGot = value(gotAB.tx, s.keys.aPayout.pub) + value(gotBA.tx, s.keys.aPayout.pub);
    const bGot = value(gotAB.tx, s.keys.bPayout.pub) + value(gotBA.tx, s.keys.bPayout.pub);
    expect(aGot).to.equal(balances.a - 30_000n + 7_000n - ctx.simplexFee);
    expect(bGot).to.equal(balances.b - 7_000n + 30_000n - ctx.simplexFee);
    expect(aGot + bGot + 2n * ctx.simplexFee + ctx.treeCost).to.equal(s.setup.capacity);
  });

  it('cooperative close: the setup output straight to both, no tree published', async () => {
    const s = await plan('close');
    signedKickoff(s.pair);
    signedBranch(s.pair, 0, s.pair.ctx.initialBalances);
    await broadcastAndConfirm(node, signSetup(s, 'both'));
    const fee = 700n;
    const spend = duplexCloseSpend(s.pair.ctx, { a: 480_000n, b: s.setup.capacity - 480_000n - fee, fee });
    const close = s.pair.a.completeTwoOfTwo(spend, s.pair.b.sign(s.pair.b.hash(spend)));
    const got = await broadcastAndConfirm(node, close);
    expect(got.fee).to.equal(fee);
    expect(close.ins[0]!.hash).to.deep.equal(s.setup.tx.getHash());
  });

  it('a refund after Dc when the payee never publishes', async () => {
    const s = await plan('refund');
    const { ctx } = s.pair;
    const kickoff = signedKickoff(s.pair);
    const branch = signedBranch(s.pair, 0, ctx.initialBalances);
    await broadcastAndConfirm(node, signSetup(s, 'both'));
    await broadcastAndConfirm(node, kickoff);
    await node.mine(9);
    await broadcastAndConfirm(node, branch[0]!);
    await node.mine(9);
    const leaf = await broadcastAndConfirm(node, branch[1]!);
    const ba = simplexChannel(ctx, leaf.tx.getId(), ctx.initialBalances, 'ba')!;
    const refund = s.pair.b.simplexRefund(ba);
    await node.mine(8);
    expect((await rejectionOf(node.broadcast(refund.toBuffer()))).details).to.include({ reason: 'non-BIP68-final' });
    await node.mine(1);
    const got = await broadcastAndConfirm(node, refund);
    expect(got.tx.outs[0]!.value).to.equal(ctx.initialBalances.b - ctx.simplexFee);
    expect(duplexBranch(ctx, 0, ctx.initialBalances).map((t) => t.level)).to.deep.equal([0, 1]);
    expect(verifyDuplexParams).to.be.a('function');
  });
});
