/**
 * The HTLC protocol's transactions on the embedded bcoin regtest node
 * (past height 1351, so blocks enforce CLTV): two parties open a channel
 * with HTLC terms on a real funding output and move HTLCs through the JSON
 * wire; the versions they signed carrying HTLCs are accepted by the node's
 * mempool and confirm, their HTLC outputs are the ones the parties' tables
 * describe (the claims, built from the table's records, find and spend
 * them), and a revoked sender's version carrying an HTLC is swept, HTLC
 * output included, by the receiver's penalty built from `htlcsAt` of the
 * revoked state.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE, Receiver, ReceiverPolicy, ReceiverSecrets, Sender, SenderSecrets, compileFundingScript,
  htlcOf, matchTemplate, p2wpkhScript, p2wshScript, sha256, signHtlcSuccessTx, signHtlcTimeoutTx, toHex,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { testKey } from './support/keys';
import { rejectionOf } from './support/errors';
import { broadcastAndConfirm, chainView, mineTo, wire } from './support/e2e';
import { testPreimage } from './support/test-templates';
import { createHash } from 'node:crypto';

const D = 6;
const FEE_RATE = 1000n;
const CAPACITY = 1_000_000n;
const POLICY: ReceiverPolicy = { minCsvDelay: 1, minMargin: 1, fundingDepth: 1, htlc: { minDelay: 1, minExpiryDelta: 20, claimMargin: 6 } };
const DEST = p2wpkhScript(testKey('htlc protocol regtest destination').pub);
let counter = 0;

interface Parties {
  sender: Sender;
  receiver: Receiver;
  senderSecrets: SenderSecrets;
  receiverSecrets: ReceiverSecrets;
  chain: () => Promise<ChainView>;
}

/** A channel with HTLC terms on a coin the node funds, opened through the wire and confirmed. */
async function openChannel(node: RegtestNode): Promise<Parties> {
  const label = `htlc protocol regtest ${++counter}`;
  const k = (what: string) => testKey(`${label} ${what}`).priv;
  const senderSecrets: SenderSecrets = {
    fundingKey: k('sender funding'), payoutKey: k('sender payout'), updateSeed: Uint8Array.from(createHash('sha256').update(`${label} seed`).digest()),
  };
  const receiverSecrets: ReceiverSecrets = { fundingKey: k('receiver funding'), payoutKey: k('receiver payout'), revocationKey: k('receiver revocation'), htlcKey: k('receiver htlc') };
  const chain = () => chainView(node);
  const { sender, message: open } = Sender.open({
    capacity: CAPACITY, variant: { kind: 'csv', delay: { blocks: 20 } }, feeRate: FEE_RATE, secrets: senderSecrets, htlc: { delay: D, maxDustExposure: 5_000n },
  });
  const { receiver, message: acc } = Receiver.accept(wire(open), receiverSecrets, POLICY, await chain());
  sender.onAcceptChannel(wire(acc));
  const fundingKeys = { senderFundingKey: open.senderFundingKey, receiverFundingKey: acc.receiverFundingKey };
  const f = await node.fund(p2wshScript(compileFundingScript(fundingKeys)), CAPACITY);
  const created = sender.fundingCreated({ txid: f.txid, vout: f.vout });
  sender.onFundingSigned(wire(receiver.onFundingCreated(wire(created))));
  receiver.markFundingConfirmed({ tx: f.tx, confirmations: await node.getConfirmations(f.txid) });
  expect(receiver.phase).to.equal('open');
  return { sender, receiver, senderSecrets, receiverSecrets, chain };
}

async function complete(c: Parties, offer: ReturnType<Sender['pay']>) {
  const accept = c.receiver.onOffer(wire(offer), await c.chain());
  return c.receiver.onRevoke(wire(c.sender.onAccept(wire(accept))));
}

function payment(label: string): { preimage: Uint8Array; hash: Uint8Array } {
  return testPreimage(`htlc protocol regtest ${label}`);
}

/** The HTLC template a claim reveals, and its H. */
function revealed(claim: Transaction): { template: string; hash: string } {
  const m = matchTemplate(claim.ins[0]!.witness.at(-1)!)!;
  return { template: m.template.name, hash: toHex(m.values.get('H') as Uint8Array) };
}

describe('HTLC protocol on a regtest node', function () {
  this.timeout(180_000);
  let node: RegtestNode;

  before(async () => {
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  it('the sender\'s version the parties signed with two HTLCs confirms; the receiver claims one with the preimage it fulfilled, the sender times out the other', async () => {
    const c = await openChannel(node);
    const tip = (await c.chain()).height;
    await complete(c, c.sender.pay(20_000n));
    const won = payment('sender version won');
    const lost = payment('sender version lost');
    await complete(c, c.sender.addHtlc({ amount: 60_000n, hash: won.hash, expiry: tip + 40 }, await c.chain()));
    await complete(c, c.sender.addHtlc({ amount: 45_000n, hash: lost.hash, expiry: tip + 25 }, await c.chain()));
    // The receiver gives the preimage; the sender does not settle and closes alone with its latest version.
    expect(toHex(c.sender.onFulfill(wire(c.receiver.fulfill(0, won.preimage))))).to.equal(toHex(won.preimage));
    const version = await broadcastAndConfirm(node, c.sender.latestTransaction());
    expect(version.tx.outs).to.have.length(4);
    const [x, y] = c.receiver.htlcsAt(3);
    expect([x!.id, y!.id]).to.deep.equal([0, 1]);

    // K_3 is the sender's; the receiver knows it from the offer of state 3.
    const params = c.receiver.context.params;
    const updateKey = c.receiver.updateKeyAt(3)!;
    const success = signHtlcSuccessTx(
      { channel: params, version: 'sender', versionTx: version.tx.toBuffer(), updateKey, htlc: htlcOf(x!), destinationScript: DEST, feeRate: FEE_RATE },
      { preimage: c.receiver.preimageFor(won.hash)!, receiverHtlcKey: c.receiverSecrets.htlcKey! },
    );
    const claimed = await broadcastAndConfirm(node, success);
    expect(revealed(claimed.tx)).to.deep.equal({ template: HTLC_SENDER_TEMPLATE.name, hash: toHex(won.hash) });

    const timeout = signHtlcTimeoutTx(
      { channel: c.sender.context.params, version: 'sender', versionTx: version.tx.toBuffer(), updateKey: c.sender.updateKey(3), htlc: htlcOf(c.sender.htlcsAt(3)[1]!), destinationScript: DEST, feeRate: FEE_RATE },
      c.senderSecrets.payoutKey,
    );
    expect((await rejectionOf(node.broadcast(timeout.toBuffer()))).details!.reason).to.equal('non-final');
    await mineTo(node, Math.max(y!.expiry, version.height + D - 1));
    const swept = await broadcastAndConfirm(node, timeout);
    expect(revealed(swept.tx)).to.deep.equal({ template: HTLC_SENDER_TEMPLATE.name, hash: toHex(lost.hash) });
  });

  it('the receiver\'s version the parties signed with an HTLC confirms; its success claim waits D blocks', async () => {
    const c = await openChannel(node);
    const tip = (await c.chain()).height;
    const p = payment('receiver version');
    await complete(c, c.sender.pay(30_000n));
    await complete(c, c.sender.addHtlc({ amount: 70_000n, hash: p.hash, expiry: tip + 60 }, await c.chain()));
    // Another HTLC on its way in: the receiver holds the sender's signature on the state carrying both.
    c.sender.onAccept(wire(c.receiver.onOffer(wire(c.sender.addHtlc({ amount: 5_000n, hash: payment('second').hash, expiry: tip + 60 }, await c.chain())), await c.chain())));
    c.receiver.fulfill(0, p.preimage);
    const version = await broadcastAndConfirm(node, c.receiver.latestTransaction()!);
    expect(version.tx.outs).to.have.length(4);
    expect(version.tx.outs.reduce((s, o) => s + o.value, 0n) + version.fee).to.equal(CAPACITY);
    const claim = signHtlcSuccessTx(
      { channel: c.receiver.context.params, version: 'receiver', versionTx: version.tx.toBuffer(), htlc: htlcOf(c.receiver.htlcsAt(3)[0]!), destinationScript: DEST, feeRate: FEE_RATE },
      { preimage: p.preimage, receiverHtlcKey: c.receiverSecrets.htlcKey! },
    );
    expect((await rejectionOf(node.broadcast(claim.toBuffer()))).details!.reason).to.equal('non-BIP68-final');
    await mineTo(node, version.height + D - 1);
    const claimed = await broadcastAndConfirm(node, claim);
    expect(revealed(claimed.tx)).to.deep.equal({ template: HTLC_RECEIVER_TEMPLATE.name, hash: toHex(p.hash) });
    expect(toHex(sha256(c.receiver.preimageFor(p.hash)!))).to.equal(toHex(p.hash));
  });

  it('a revoked sender\'s version carrying an HTLC: the receiver\'s penalty from htlcsAt(revoked index) sweeps the balance, the HTLC and its own output', async () => {
    const c = await openChannel(node);
    const tip = (await c.chain()).height;
    const p = payment('revoked');
    await complete(c, c.sender.pay(25_000n));
    await complete(c, c.sender.addHtlc({ amount: 80_000n, hash: p.hash, expiry: tip + 30 }, await c.chain()));
    const revoked = c.sender.latestTransaction();
    // The HTLC is settled and the state of it revoked; the sender broadcasts it all the same.
    c.sender.onFulfill(wire(c.receiver.fulfill(0, p.preimage)));
    await complete(c, c.sender.settleHtlc(0));
    await complete(c, c.sender.pay(1_000n));
    expect(c.receiver.isRevoked(2)).to.equal(true);
    expect(c.receiver.htlcs).to.deep.equal([]);
    expect(c.receiver.htlcsAt(2).map((r) => [r.id, r.amount])).to.deep.equal([[0, 80_000n]]);
    const version = await broadcastAndConfirm(node, revoked);
    expect(version.tx.outs).to.have.length(3);

    const penalty = c.receiver.penaltyTx(revoked.toBuffer(), DEST, 2000n);
    expect(penalty.ins).to.have.length(3);
    const swept = await broadcastAndConfirm(node, penalty);
    expect(swept.tx.outs[0]!.value + swept.fee).to.equal(revoked.outs.reduce((s, o) => s + o.value, 0n));
    const scripts = swept.tx.ins.map((i) => matchTemplate(i.witness.at(-1)!)?.template.name ?? 'p2wpkh').sort();
    expect(scripts).to.deep.equal(['htlc-offered-sender', 'p2wpkh', 'revocable-csv']);

    // Past E and D the sender's timeout would be valid, but its output is gone.
    await mineTo(node, Math.max(tip + 30, version.height + D));
    const timeout = signHtlcTimeoutTx(
      { channel: c.sender.context.params, version: 'sender', versionTx: revoked.toBuffer(), updateKey: c.sender.updateKey(2), htlc: htlcOf(c.sender.htlcsAt(2)[0]!), destinationScript: DEST, feeRate: FEE_RATE },
      c.senderSecrets.payoutKey,
    );
    expect(String((await rejectionOf(node.broadcast(timeout.toBuffer()))).details!.reason)).to.match(/missingorspent|inputs-spent/);
  });
});
