/**
 * The opt-in's deadline on the embedded regtest node: a signs its setup
 * input, b never does; a's abort (its own coin back to itself, RBF-signalling,
 * nLockTime the deadline, from its wallet's PSBT) is refused before the
 * deadline, and a's DuplexSetupGuard broadcasts it once the deadline passes
 * with the setup unconfirmed; the abort confirms and the setup, even signed
 * by both, is refused. A setup that confirms in time ends the guard without
 * an abort. The builder's failures are typed.
 */
import { expect } from 'chai';
import {
  DUPLEX_ABORT_SEQUENCE, DuplexSetupGuard, DuplexSetupGuardEvent, DuplexSetupParams, createDuplexAbortPsbt, createDuplexSetupPsbt, extractTransaction,
  finalizePsbt, p2wpkhScript, planDuplexAbort, planDuplexSetup, signPsbtWithKey,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { DEPOSIT, DuplexKeys, FEE_RATE, duplexKeys } from './constructions/duplex/kit';
import { broadcastAndConfirm, rejectionOf } from './support/e2e';
import { thrownCode } from './support/errors';

describe('duplex setup deadline: the abort and its guard', function () {
  this.timeout(120_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  async function setupOf(label: string): Promise<{ keys: DuplexKeys; params: DuplexSetupParams }> {
    const keys = duplexKeys(label);
    const aScript = p2wpkhScript(keys.aWallet.pub);
    const bScript = p2wpkhScript(keys.bWallet.pub);
    const aCoin = await node.fund(aScript, DEPOSIT + 50_000n);
    const bCoin = await node.fund(bScript, DEPOSIT + 50_000n);
    return {
      keys,
      params: {
        aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, feeRate: FEE_RATE,
        a: { inputs: [{ txid: aCoin.txid, vout: aCoin.vout, value: aCoin.value, script: aScript, prevTx: aCoin.tx }], amount: DEPOSIT, changeScript: aScript },
        b: { inputs: [{ txid: bCoin.txid, vout: bCoin.vout, value: bCoin.value, script: bScript, prevTx: bCoin.tx }], amount: DEPOSIT, changeScript: bScript },
      },
    };
  }

  function collect(guard: DuplexSetupGuard): DuplexSetupGuardEvent[] {
    const events: DuplexSetupGuardEvent[] = [];
    guard.on('event', (e) => events.push(e));
    return events;
  }

  it('the counterparty never signs: the deadline passes, the guard broadcasts the abort, it confirms, the setup is refused', async () => {
    const { keys, params } = await setupOf('deadline');
    const setup = planDuplexSetup(params);
    const tip = (await node.getTip()).height;
    const deadline = tip + 3;
    const plan = planDuplexAbort({ setup: params, funder: 'a', deadline });
    expect(plan.setupTxid).to.equal(setup.fundingOutpoint.txid);
    expect(plan.tx.locktime).to.equal(deadline);
    expect(plan.tx.ins.map((i) => i.sequence)).to.deep.equal([DUPLEX_ABORT_SEQUENCE]);
    expect(plan.tx.outs[0]!.script).to.deep.equal(params.a.changeScript);

    // a signed its setup input and sent it; b holds it and never signs its own.
    const psbt = createDuplexAbortPsbt({ setup: params, funder: 'a', deadline });
    expect(signPsbtWithKey(psbt, keys.bWallet.priv)).to.equal(0);
    expect(signPsbtWithKey(psbt, keys.aWallet.priv)).to.equal(1);
    const abort = extractTransaction(finalizePsbt(psbt));
    expect(abort.getId()).to.equal(plan.tx.getId());

    const early = await rejectionOf(node.broadcast(abort.toBuffer()));
    expect(early.code).to.equal('BROADCAST_REJECTED');

    const guard = new DuplexSetupGuard({ backend: node, fromHeight: tip, finalDepth: 2 });
    const events = collect(guard);
    expect(guard.guard(setup.fundingOutpoint.txid, abort)).to.equal(setup.fundingOutpoint.txid);
    expect(thrownCode(() => guard.guard(setup.fundingOutpoint.txid, abort))).to.equal('CHANNEL_ALREADY_WATCHED');
    await guard.poll();
    await node.mine(1);
    await guard.poll();
    expect(events.filter((e) => e.kind === 'abort')).to.have.length(0);
    expect(node.mempoolHas(abort.getId())).to.equal(false);

    await node.mine(deadline - (await node.getTip()).height);
    await guard.poll();
    expect(events.filter((e) => e.kind === 'abort')).to.deep.equal([{ kind: 'abort', setupTxid: setup.fundingOutpoint.txid, txid: abort.getId() }]);
    expect(node.mempoolHas(abort.getId())).to.equal(true);
    await node.mine(2);
    await guard.poll();
    expect(events.find((e) => e.kind === 'spend')).to.include({ by: 'abort', txid: abort.getId() });
    expect(events.find((e) => e.kind === 'resolved')).to.deep.equal({ kind: 'resolved', setupTxid: setup.fundingOutpoint.txid, outcome: 'aborted' });
    expect(events.filter((e) => e.kind === 'error')).to.deep.equal([]);

    // b signs at last: too late, a's coin is gone.
    const late = createDuplexSetupPsbt(params);
    signPsbtWithKey(late, keys.aWallet.priv);
    signPsbtWithKey(late, keys.bWallet.priv);
    const refused = await rejectionOf(node.broadcast(extractTransaction(finalizePsbt(late)).toBuffer()));
    expect(String(refused.details?.reason)).to.match(/inputs-(spent|missingorspent)/);
  });

  it('the setup confirms before the deadline: the guard records it and never broadcasts the abort', async () => {
    const { keys, params } = await setupOf('in time');
    const setup = planDuplexSetup(params);
    const tip = (await node.getTip()).height;
    const psbt = createDuplexAbortPsbt({ setup: params, funder: 'b', deadline: tip + 2 });
    signPsbtWithKey(psbt, keys.bWallet.priv);
    const abort = extractTransaction(finalizePsbt(psbt));
    const guard = new DuplexSetupGuard({ backend: node, fromHeight: tip, finalDepth: 2 });
    const events = collect(guard);
    guard.guard(setup.fundingOutpoint.txid, abort);
    const full = createDuplexSetupPsbt(params);
    signPsbtWithKey(full, keys.aWallet.priv);
    signPsbtWithKey(full, keys.bWallet.priv);
    await broadcastAndConfirm(node, extractTransaction(finalizePsbt(full)));
    await node.mine(3);
    await guard.poll();
    expect(events.filter((e) => e.kind === 'abort')).to.deep.equal([]);
    expect(events.find((e) => e.kind === 'spend')).to.include({ by: 'setup', txid: setup.fundingOutpoint.txid });
    expect(events.find((e) => e.kind === 'resolved')).to.include({ outcome: 'setup' });
    expect(node.mempoolHas(abort.getId())).to.equal(false);
  });

  it('refuses a bad abort or guard with typed errors', async () => {
    const { keys, params } = await setupOf('bad');
    expect(thrownCode(() => planDuplexAbort({ setup: params, funder: 'c' as 'a', deadline: 10 }))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => planDuplexAbort({ setup: params, funder: 'a', deadline: 0 }))).to.equal('INVALID_TIMELOCK');
    expect(thrownCode(() => planDuplexAbort({ setup: params, funder: 'a', deadline: 500_000_000 }))).to.equal('INVALID_TIMELOCK');
    expect(thrownCode(() => planDuplexAbort({ setup: params, funder: 'a', deadline: 10, destination: Uint8Array.of(1) }))).to.equal('INVALID_SCRIPT');
    expect(thrownCode(() => planDuplexAbort({ setup: params, funder: 'a', deadline: 10, feeRate: -1n }))).to.equal('INVALID_FEE_RATE');
    const guard = new DuplexSetupGuard({ backend: node, fromHeight: 0 });
    const unsigned = planDuplexAbort({ setup: params, funder: 'a', deadline: 10 }).tx;
    expect(thrownCode(() => guard.guard('zz', unsigned))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => guard.guard('00'.repeat(32), unsigned))).to.equal('INVALID_ARGUMENT');
    const psbt = createDuplexAbortPsbt({ setup: params, funder: 'a', deadline: 10 });
    signPsbtWithKey(psbt, keys.aWallet.priv);
    const signed = extractTransaction(finalizePsbt(psbt));
    const noLock = signed.clone();
    noLock.locktime = 0;
    expect(thrownCode(() => guard.guard('00'.repeat(32), noLock))).to.equal('INVALID_ARGUMENT');
  });
});
