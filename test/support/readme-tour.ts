/**
 * Running the README's API tour (test/readme-tour.ts) on the embedded regtest
 * node, and checking what it did on chain: shared by test/readme-example.spec.ts
 * (the tour on lib/) and test/package.spec.ts (the tour on the installed package).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { BIP32Factory } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import { Transaction } from 'bitcoinjs-lib';
import { BIP32Interface, CLOSE_WEIGHT, asPrivateKey, derivePublicKey, feeForWeight, p2wpkhScript } from '../../lib';
import type { RegtestNode } from '../kit/regtest-node';
import type { TourInputs, runReadmeTour } from '../readme-tour';

const ROOT = join(__dirname, '..', '..', '..');
const CAPACITY = 1_000_000n;
const CLOSE_FEE_RATE = 2_000n;
const SENDER_SEED = new TextEncoder().encode('revchan README tour: sender');
const RECEIVER_SEED = new TextEncoder().encode('revchan README tour: receiver');

/** The ts code blocks of the README's API tour section, in order. */
export function readmeTourBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /\n## API tour\n([\s\S]*?)\n##/.exec(readme)?.[1] ?? '';
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** test/readme-tour.ts as the README shows it: without its header comment, importing from 'revchan'. */
export function tourAsShown(): string {
  const tour = readFileSync(join(ROOT, 'test', 'readme-tour.ts'), 'utf8');
  expect(tour.startsWith('/**'), 'test/readme-tour.ts opens with its header comment').to.equal(true);
  return tour.slice(tour.indexOf('*/\n') + 3).replace("} from '../lib';", "} from 'revchan';");
}

/** The parties' payout scripts, from their masters as the tour derives them. */
export interface Payouts {
  readonly senderPayout: Uint8Array;
  readonly receiverPayout: Uint8Array;
}

const scriptAt = (master: BIP32Interface, path: string) => p2wpkhScript(derivePublicKey(asPrivateKey(master.derivePath(path).privateKey!)));

/**
 * What the test's "app" provides the tour: the node, two masters, a coin of
 * the sender's wallet (1.1 million sat, mined), and blocks mined on request.
 * The README shows these lines.
 */
export async function tourInputs(node: RegtestNode): Promise<TourInputs & Payouts> {
  const senderMaster = BIP32Factory(ecc).fromSeed(SENDER_SEED); // bip32 and tiny-secp256k1
  const receiverMaster = BIP32Factory(ecc).fromSeed(RECEIVER_SEED);
  const coinKey = asPrivateKey(senderMaster.derivePath("m/84'/1'/0'/0/0").privateKey!);
  const walletScript = p2wpkhScript(derivePublicKey(coinKey));
  const coin = await node.fund(walletScript, 1_100_000n); // mined: a confirmed coin of the sender's wallet
  const inputs: TourInputs = {
    backend: node, senderMaster, receiverMaster, coinKey,
    coin: { txid: coin.txid, vout: coin.vout, value: coin.value, script: walletScript, prevTx: coin.tx },
    waitForBlocks: async (n) => { await node.mine(n); },
  };
  return { ...inputs, senderPayout: scriptAt(senderMaster, "m/1017'/1'/0'/1/0"), receiverPayout: scriptAt(receiverMaster, "m/1017'/1'/1'/1/0") };
}

/** The outcome of one tour, checked on chain: the tests of the repository and of the installed package share it. */
export async function checkTourOutcome(node: RegtestNode, inputs: Payouts, r: Awaited<ReturnType<typeof runReadmeTour>>): Promise<void> {
  expect(r.paid).to.deep.equal([1_000n, 2_000n, 3_000n]);

  const funding = await node.getTransaction(r.fundingTxid);
  expect(funding?.blockHeight, 'the funding is mined').to.be.a('number');
  expect(await node.getConfirmations(r.fundingTxid)).to.be.at.least(3);
  expect(Transaction.fromBuffer(funding!.tx).outs[0]!.value).to.equal(CAPACITY);

  const close = await node.getTransaction(r.closeTxid);
  expect(close?.blockHeight, 'the close is mined').to.be.a('number');
  expect(await node.getConfirmations(r.closeTxid)).to.be.at.least(6);
  const closeTx = Transaction.fromBuffer(close!.tx);
  expect(Buffer.from(closeTx.ins[0]!.hash).reverse().toString('hex')).to.equal(r.fundingTxid);
  expect(closeTx.outs[0]!.value).to.equal(3_000n);
  expect(closeTx.outs[0]!.script).to.deep.equal(inputs.receiverPayout);
  // The sender gets the rest, less the close's fee at the rate it proposed.
  expect(closeTx.outs[1]!.value).to.equal(CAPACITY - 3_000n - feeForWeight(CLOSE_WEIGHT, CLOSE_FEE_RATE));
  expect(closeTx.outs[1]!.script).to.deep.equal(inputs.senderPayout);

  const kinds = (events: readonly { kind: string }[]) => events.map((e) => e.kind);
  expect(kinds(r.receiverEvents)).to.not.include('error');
  expect(kinds(r.senderEvents)).to.not.include('error');
  expect(r.receiverEvents.filter((e) => e.kind === 'spend')).to.have.length(1);
  const rResolved = r.receiverEvents.filter((e) => e.kind === 'resolved');
  expect(rResolved).to.have.length(1);
  expect(rResolved[0]).to.include({ outcome: 'cooperative-close', txid: r.closeTxid });
  const sResolved = r.senderEvents.filter((e) => e.kind === 'resolved');
  expect(sResolved).to.deep.equal([{ kind: 'resolved', txid: r.closeTxid, own: false }]);

  // Restored after three payments, the sender is the one it saved; each party's last save is its closed state.
  expect(r.restored).to.deep.equal(r.saved);
  expect((r.saved as { index: unknown }).index).to.equal(3);
  expect(await r.store.keys()).to.deep.equal(['receiver', 'sender']);
  expect((await r.store.load('sender') as { phase: unknown }).phase).to.equal('closed');
  expect((await r.store.load('receiver') as { phase: unknown }).phase).to.equal('closed');
}

