/**
 * A sender that lies about its funding (the CVE-2019-12998 class), on the
 * embedded bcoin regtest node: a funding transaction paying the capacity - 1
 * sat, paying the capacity to another 2-of-2 or to a single key, a named
 * outpoint that does not exist, a transaction only in the mempool or one
 * block deep. The receiver reads the funding from the node itself
 * (confirmFunding) under the default policy (3 blocks) and takes no payment;
 * its state is unchanged by every refusal. The honest funding opens after 3
 * blocks; zero-conf with a budget takes payments up to the budget and no
 * further until deep. Each ends with the receiver's exposure (what it counts
 * as paid less what it can take on chain) at 0, or within the budget.
 */
import { expect } from 'chai';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  ReceiverWatcher, WatcherEvent,
  DEFAULT_FUNDING_DEPTH, FundingInput, PrivateKey, PublicKey, Receiver, ReceiverSecrets, ReceiverPolicy, Sender, confirmFunding, createFundingPsbt, extractTransaction, finalizePsbt,
  fundingOutpoint, p2wpkhScript, signPsbtWithKey,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { E2E_FEE_RATE, chainView, readConfirmed, rejectionOf, syncRejectionOf, valueTo, wire } from './support/e2e';
import { testKey } from './support/keys';

const CAPACITY = 1_000_000n;
const POLICY: ReceiverPolicy = { minCsvDelay: 1 };
const BUDGET = 5_000n;

let counter = 0;

interface Party {
  readonly sender: Sender;
  readonly receiver: Receiver;
  readonly coin: FundingInput;
  readonly walletKey: PrivateKey;
  readonly walletScript: Uint8Array;
  readonly receiverPayout: Uint8Array;
  readonly fundingKeys: { readonly senderFundingKey: PublicKey; readonly receiverFundingKey: PublicKey };
  readonly receiverSecrets: ReceiverSecrets;
}

/** Two parties agreed on a CSV channel; the sender's wallet holds one confirmed coin. */
async function agree(node: RegtestNode, policy: ReceiverPolicy = POLICY): Promise<Party> {
  const k = (what: string) => testKey(`funding-check ${++counter} ${what}`);
  const wallet = k('wallet');
  const walletScript = p2wpkhScript(wallet.pub);
  const receiverPayout = k('receiver payout');
  const { sender, message: open } = Sender.open({
    capacity: CAPACITY, variant: { kind: 'csv', delay: { blocks: 10 } }, feeRate: E2E_FEE_RATE,
    secrets: { fundingKey: k('sender funding').priv, payoutKey: k('sender payout').priv, updateSeed: k('seed').priv },
  });
  const receiverSecrets = { fundingKey: k('receiver funding').priv, payoutKey: receiverPayout.priv, revocationKey: k('receiver revocation').priv };
  const { receiver, message: acc } = Receiver.accept(wire(open), receiverSecrets, policy, await chainView(node));
  sender.onAcceptChannel(wire(acc));
  const c = await node.fund(walletScript, CAPACITY + 100_000n);
  const coin: FundingInput = { txid: c.txid, vout: c.vout, value: c.value, script: walletScript, prevTx: c.tx };
  const fundingKeys = { senderFundingKey: open.senderFundingKey, receiverFundingKey: acc.receiverFundingKey };
  return { sender, receiver, coin, walletKey: wallet.priv, walletScript, receiverPayout: p2wpkhScript(receiverPayout.pub), fundingKeys, receiverSecrets };
}

/** The wallet signs a funding transaction of the sender's making, to the 2-of-2 of `receiverFundingKey` (the agreed one unless given). */
function fundingTo(p: Party, capacity: bigint, receiverFundingKey = p.fundingKeys.receiverFundingKey): Transaction {
  const psbt = createFundingPsbt({
    inputs: [p.coin], capacity, senderFundingKey: p.fundingKeys.senderFundingKey, receiverFundingKey, changeScript: p.walletScript, feeRate: E2E_FEE_RATE,
  });
  expect(signPsbtWithKey(psbt, p.walletKey)).to.equal(1);
  return extractTransaction(finalizePsbt(psbt));
}

/** The wallet pays `value` to `script` with its coin, change back to itself. */
function payTo(p: Party, script: Uint8Array, value: bigint): Transaction {
  const psbt = new Psbt();
  psbt.addInput({ hash: p.coin.txid, index: p.coin.vout, witnessUtxo: { script: p.coin.script, value: p.coin.value } });
  psbt.addOutput({ script, value });
  psbt.addOutput({ script: p.walletScript, value: p.coin.value - value - 1_000n });
  expect(signPsbtWithKey(psbt, p.walletKey)).to.equal(1);
  return extractTransaction(finalizePsbt(psbt));
}

/** The sender names `outpoint` as its funding; the receiver signs the refund on it, as the protocol has it do before any broadcast. */
function name(p: Party, outpoint: { txid: string; vout: number }): void {
  p.sender.onFundingSigned(wire(p.receiver.onFundingCreated(wire(p.sender.fundingCreated(outpoint)))));
}

/** The honest funding, named and signed for, but not broadcast. */
async function honest(node: RegtestNode, policy: ReceiverPolicy = POLICY): Promise<{ p: Party; fundingTx: Transaction }> {
  const p = await agree(node, policy);
  const { psbt, message } = p.sender.createFunding({ inputs: [p.coin], changeScript: p.walletScript, feeRate: E2E_FEE_RATE });
  p.sender.onFundingSigned(wire(p.receiver.onFundingCreated(wire(message))));
  expect(signPsbtWithKey(psbt, p.walletKey)).to.equal(1);
  return { p, fundingTx: extractTransaction(finalizePsbt(psbt)) };
}

/** One payment of `increment`, offer -> accept -> revoke. */
async function pay(node: RegtestNode, p: Party, increment: bigint): Promise<void> {
  const offer = p.sender.pay(increment);
  p.receiver.onRevoke(wire(p.sender.onAccept(wire(p.receiver.onOffer(wire(offer), await chainView(node))))));
}

/** confirmFunding refuses with `code`, and the receiver's saved state is byte-equal afterwards. */
async function refusedUnchanged(node: RegtestNode, p: Party, code: string, field?: string): Promise<void> {
  const before = JSON.stringify(p.receiver.toJSON());
  const e = await rejectionOf(confirmFunding(p.receiver, node));
  expect(e.code).to.equal(code);
  if (field !== undefined) expect(e.details?.field).to.equal(field);
  expect(JSON.stringify(p.receiver.toJSON())).to.equal(before);
}

/** An offer is refused before the funding is accepted, and changes nothing on the receiver. */
async function offerRefused(node: RegtestNode, p: Party): Promise<void> {
  const offer = p.sender.pendingOffer();
  const before = JSON.stringify(p.receiver.toJSON());
  expect(syncRejectionOf(() => p.receiver.onOffer(wire(offer), { height: 0, medianTimePast: 0 })).code).to.equal('FUNDING_NOT_CONFIRMED');
  expect(JSON.stringify(p.receiver.toJSON())).to.equal(before);
  expect(p.receiver.amount).to.equal(0n);
  expect(p.receiver.pendingAmount).to.equal(undefined);
}

/**
 * What the receiver counts as paid but cannot take on chain: its final
 * amount less what its best transaction pays it once confirmed (nothing if
 * the node refuses it). Ends the channel.
 */
async function exposure(node: RegtestNode, p: Party): Promise<bigint> {
  const paid = p.receiver.amount;
  const tx = p.receiver.latestTransaction();
  if (tx === undefined) return paid;
  try {
    await node.broadcast(tx.toBuffer());
  } catch (e) {
    expect((e as { code?: string }).code).to.equal('BROADCAST_REJECTED');
    return paid;
  }
  await node.mine(1);
  return paid - valueTo((await readConfirmed(node, tx.getId())).tx, p.receiverPayout);
}

describe('funding is checked, not trusted: a lying sender on the embedded regtest node', function () {
  this.timeout(60_000);
  let node: RegtestNode;
  before(async () => { node = await RegtestNode.start(); });
  after(async () => { await node?.stop(); });

  /** The sender names a transaction it broadcast and buried under `DEFAULT_FUNDING_DEPTH` blocks; the receiver must refuse it. */
  async function buried(p: Party, tx: Transaction, vout = 0): Promise<void> {
    name(p, { txid: tx.getId(), vout });
    await node.broadcast(tx.toBuffer());
    await node.mine(DEFAULT_FUNDING_DEPTH);
    expect(await node.getConfirmations(tx.getId())).to.equal(DEFAULT_FUNDING_DEPTH);
    p.sender.pay(1_000n);
  }

  it('a funding transaction paying the capacity - 1 sat: FUNDING_MISMATCH (value), no payment, and the signed refund spends nothing', async () => {
    const p = await agree(node);
    const tx = fundingTo(p, CAPACITY - 1n);
    expect(tx.outs[0]!.value).to.equal(CAPACITY - 1n);
    await buried(p, tx);
    await refusedUnchanged(node, p, 'FUNDING_MISMATCH', 'value');
    await offerRefused(node, p);
    // What the receiver would have been paid with: versions signed over the capacity, which the chain refuses.
    const refund = p.sender.latestTransaction();
    const err = await rejectionOf(node.broadcast(refund.toBuffer()));
    expect(err.code).to.equal('BROADCAST_REJECTED');
    expect(await exposure(node, p)).to.equal(0n);
  });

  it('the capacity to a 2-of-2 with another receiver key: FUNDING_MISMATCH (script), no payment', async () => {
    const p = await agree(node);
    await buried(p, fundingTo(p, CAPACITY, testKey('funding-check not the receiver').pub));
    await refusedUnchanged(node, p, 'FUNDING_MISMATCH', 'script');
    await offerRefused(node, p);
    expect(await exposure(node, p)).to.equal(0n);
  });

  it('the capacity to the sender\'s own single key: FUNDING_MISMATCH (script), no payment', async () => {
    const p = await agree(node);
    await buried(p, payTo(p, p.walletScript, CAPACITY));
    await refusedUnchanged(node, p, 'FUNDING_MISMATCH', 'script');
    await offerRefused(node, p);
    expect(await exposure(node, p)).to.equal(0n);
  });

  it('a txid no one has seen: FUNDING_NOT_CONFIRMED, no payment', async () => {
    const p = await agree(node);
    name(p, { txid: 'ab'.repeat(32), vout: 0 });
    await node.mine(DEFAULT_FUNDING_DEPTH);
    p.sender.pay(1_000n);
    await refusedUnchanged(node, p, 'FUNDING_NOT_CONFIRMED');
    await offerRefused(node, p);
    expect(await exposure(node, p)).to.equal(0n);
  });

  it('an output index the funding transaction does not have: FUNDING_MISMATCH (vout); the change output: FUNDING_MISMATCH (value)', async () => {
    for (const [vout, field] of [[2, 'vout'], [1, 'value']] as const) {
      const p = await agree(node);
      const tx = fundingTo(p, CAPACITY);
      expect(tx.outs).to.have.length(2);
      await buried(p, tx, vout);
      await refusedUnchanged(node, p, 'FUNDING_MISMATCH', field);
      await offerRefused(node, p);
      expect(await exposure(node, p)).to.equal(0n);
    }
  });

  it('the honest funding in the mempool, then 1 and 2 blocks deep: FUNDING_NOT_CONFIRMED; at 3 it opens, and the receiver ends with what it was paid', async () => {
    const { p, fundingTx } = await honest(node);
    await node.broadcast(fundingTx.toBuffer());
    p.sender.pay(1_000n);
    for (let depth = 0; depth < DEFAULT_FUNDING_DEPTH; depth++) {
      expect(await node.getConfirmations(fundingTx.getId())).to.equal(depth);
      const e = await rejectionOf(confirmFunding(p.receiver, node));
      expect(e.code).to.equal('FUNDING_NOT_CONFIRMED');
      expect(e.details).to.deep.equal({ confirmations: depth, depth: DEFAULT_FUNDING_DEPTH });
      expect(p.receiver.phase).to.equal('funded');
      await offerRefused(node, p);
      await node.mine(1);
    }
    expect(await confirmFunding(p.receiver, node)).to.deep.equal({ confirmations: 3, deep: true });
    expect(p.receiver.phase).to.equal('open');
    // Asked again (a caller polling each block), it answers the same and changes nothing.
    const opened = JSON.stringify(p.receiver.toJSON());
    expect(await confirmFunding(p.receiver, node)).to.deep.equal({ confirmations: 3, deep: true });
    // Once deep, shallower evidence (a reorg) does not close the channel again; another transaction is still refused.
    expect(p.receiver.markFundingConfirmed({ tx: fundingTx.toBuffer(), confirmations: 1 })).to.deep.equal({ confirmations: 1, deep: true });
    expect(syncRejectionOf(() => p.receiver.markFundingConfirmed({ tx: p.coin.prevTx!, confirmations: 9 })).code).to.equal('FUNDING_MISMATCH');
    expect(JSON.stringify(p.receiver.toJSON())).to.equal(opened);
    // The offer refused while the funding was shallow goes through now.
    p.receiver.onRevoke(wire(p.sender.onAccept(wire(p.receiver.onOffer(wire(p.sender.pendingOffer()), await chainView(node))))));
    for (let i = 0; i < 3; i++) await pay(node, p, 10_000n);
    expect(p.receiver.amount).to.equal(31_000n);
    expect(await exposure(node, p)).to.equal(0n);
  });

  it('zero-conf with a budget: opens from the mempool, pays up to the budget, refuses beyond until deep, then pays on; exposure 0', async () => {
    const { p, fundingTx } = await honest(node, { ...POLICY, zeroConf: { budget: BUDGET } });
    await node.broadcast(fundingTx.toBuffer());
    expect(await confirmFunding(p.receiver, node)).to.deep.equal({ confirmations: 0, deep: false });
    expect(p.receiver.phase).to.equal('open');
    expect(p.receiver.zeroConfBudget).to.equal(BUDGET);
    await pay(node, p, 2_000n);
    await pay(node, p, 3_000n);
    expect(p.receiver.amount).to.equal(BUDGET);
    // One satoshi beyond the budget: refused, nothing changes.
    const over = p.sender.pay(1n);
    const before = JSON.stringify(p.receiver.toJSON());
    const e = syncRejectionOf(() => p.receiver.onOffer(wire(over), { height: 0, medianTimePast: 0 }));
    expect(e.code).to.equal('FUNDING_NOT_CONFIRMED');
    expect(e.details?.budget).to.equal(BUDGET.toString());
    expect(JSON.stringify(p.receiver.toJSON())).to.equal(before);
    // Restored from its saved state, the receiver keeps the limit.
    const restored = Receiver.restore(JSON.parse(before), p.receiverSecrets);
    expect(restored.zeroConfBudget).to.equal(BUDGET);
    expect(syncRejectionOf(() => restored.onOffer(wire(over), { height: 0, medianTimePast: 0 })).code).to.equal('FUNDING_NOT_CONFIRMED');
    await node.mine(1);
    expect(await confirmFunding(p.receiver, node)).to.deep.equal({ confirmations: 1, deep: false });
    expect(syncRejectionOf(() => p.receiver.onOffer(wire(over), { height: 0, medianTimePast: 0 })).code).to.equal('FUNDING_NOT_CONFIRMED');
    await node.mine(DEFAULT_FUNDING_DEPTH - 1);
    expect(await confirmFunding(p.receiver, node)).to.deep.equal({ confirmations: 3, deep: true });
    expect(p.receiver.zeroConfBudget).to.equal(undefined);
    p.receiver.onRevoke(wire(p.sender.onAccept(wire(p.receiver.onOffer(wire(over), await chainView(node))))));
    await pay(node, p, 50_000n);
    expect(p.receiver.amount).to.equal(BUDGET + 1n + 50_000n);
    expect(await exposure(node, p)).to.equal(0n);
  });

  it('zero-conf: a watcher takes the channel while its funding is unconfirmed and punishes a revoked version mined with it', async () => {
    const { p, fundingTx } = await honest(node, { ...POLICY, zeroConf: { budget: BUDGET } });
    await node.broadcast(fundingTx.toBuffer());
    await confirmFunding(p.receiver, node);
    const revoked = p.sender.latestTransaction();
    await pay(node, p, 2_000n);
    await pay(node, p, 3_000n);
    expect(p.receiver.fundingConfirmed).to.equal(false);
    const dest = p.receiverPayout;
    const w = new ReceiverWatcher({ backend: node, feeRate: E2E_FEE_RATE, destinationScript: dest, fromHeight: (await node.getTip()).height });
    w.watch(p.receiver, { fundingTx: fundingTx.toBuffer() });
    const events: WatcherEvent[] = [];
    w.on('event', (e: WatcherEvent) => events.push(e));
    // The sender broadcasts its refund (state 0, revoked) right behind the funding.
    await node.broadcast(revoked.toBuffer());
    await w.poll();
    await node.mine(1);
    await w.poll();
    const claim = events.find((e) => e.kind === 'penalty-confirmed') as Extract<WatcherEvent, { kind: 'penalty-confirmed' }>;
    expect(claim, 'the claim confirmed').to.not.equal(undefined);
    expect(valueTo((await readConfirmed(node, claim.txid)).tx, dest) > CAPACITY - 10_000n).to.equal(true);
  });

  it('zero-conf, and the sender double-spends its funding input: the receiver loses what it took, never more than the budget', async () => {
    const { p, fundingTx } = await honest(node, { ...POLICY, zeroConf: { budget: BUDGET } });
    await node.broadcast(fundingTx.toBuffer());
    expect((await confirmFunding(p.receiver, node)).deep).to.equal(false);
    await pay(node, p, 4_000n);
    const over = p.sender.pay(2_000n);
    expect(syncRejectionOf(() => p.receiver.onOffer(wire(over), { height: 0, medianTimePast: 0 })).code).to.equal('FUNDING_NOT_CONFIRMED');
    // The funding falls out of the mempool and the wallet spends the same coin back to itself.
    expect(node.evict(fundingTx.getId())).to.equal(true);
    const theft = payTo(p, p.walletScript, CAPACITY);
    await node.broadcast(theft.toBuffer());
    await node.mine(DEFAULT_FUNDING_DEPTH);
    await refusedUnchanged(node, p, 'FUNDING_NOT_CONFIRMED');
    const lost = await exposure(node, p);
    expect(lost).to.equal(4_000n);
    expect(lost <= BUDGET).to.equal(true);
  });

  it('zero-conf refuses mempool evidence whose inputs carry no witness: the txid could still change', async () => {
    const { p, fundingTx } = await honest(node, { ...POLICY, zeroConf: { budget: BUDGET } });
    const unsigned = Transaction.fromBuffer(fundingTx.toBuffer());
    unsigned.setWitness(0, []);
    expect(unsigned.getId()).to.equal(fundingOutpoint(fundingTx).txid);
    const before = JSON.stringify(p.receiver.toJSON());
    expect(syncRejectionOf(() => p.receiver.markFundingConfirmed({ tx: unsigned.toBuffer(), confirmations: 0 })).code).to.equal('NON_SEGWIT_INPUT');
    expect(JSON.stringify(p.receiver.toJSON())).to.equal(before);
    expect(p.receiver.markFundingConfirmed({ tx: fundingTx.toBuffer(), confirmations: 0 })).to.deep.equal({ confirmations: 0, deep: false });
  });
});
