/**
 * Helpers for channels whose counterparty misbehaves, on the embedded regtest
 * node: a funded channel whose parties' secrets stay at hand (a test has to
 * spend what each party ends with), a CLTV expiry close enough that its cutoff
 * is a few blocks away, watchers whose events are collected, and a plain
 * P2WPKH spend to prove an output is its owner's.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  ChainBackend, ChannelError, FeeRate, FundingInput, PrivateKey, Receiver, ReceiverSecrets, ReceiverWatcher, ReceiverWatcherOptions, Sender, SenderSecrets,
  SenderWatcher, SenderWatcherEvent, WatcherEvent, confirmFunding, derivePublicKey, extractTransaction, feeForWeight, finalizePsbt, p2wpkhScript,
  P2WPKH_INPUT, segwitTxWeight, signPsbtWithKey,
} from '../../lib';
import type { RegtestNode } from '../kit/regtest-node';
import {
  CLTV_MARGIN, CSV_DELAY, E2E_FEE_RATE, E2E_POLICY, FundedChannel, VariantName, chainView, rejectionOf, wire,
} from './e2e';
import { flaky } from './flaky-backend';
import { testKey } from './keys';

/** Blocks from opening to the CLTV expiry: the cutoff (expiry - margin - 1) is a few blocks after funding. */
export const NEAR_EXPIRY_AHEAD = CLTV_MARGIN + 6;

export interface AdversarialChannel extends FundedChannel {
  readonly senderSecrets: SenderSecrets;
  readonly receiverSecrets: ReceiverSecrets;
  /** CLTV: the absolute expiry height T. */
  readonly expiry?: number;
}

let counter = 0;

/** HTLC terms for a channel opened here: D, the dust bound, and the receiver's G (R1 then wants E at least D + G + 1 above the tip). */
export interface AdversarialHtlcTerms {
  readonly delay: number;
  readonly maxDustExposure?: bigint;
  readonly claimMargin?: number;
  /** A CLTV channel: blocks from opening to its expiry T (default NEAR_EXPIRY_AHEAD, too near for any HTLC). */
  readonly expiryAhead?: number;
}

/** Opens and funds a channel as test/support/e2e.ts does, keeping both parties' secrets; with `htlc`, a channel that carries HTLCs. */
export async function openAdversarialChannel(node: RegtestNode, name: VariantName, capacity = 1_000_000n, htlc?: AdversarialHtlcTerms): Promise<AdversarialChannel> {
  const label = `adversarial ${name} ${++counter}`;
  const k = (what: string) => testKey(`${label} ${what}`);
  const senderSecrets: SenderSecrets = {
    fundingKey: k('sender funding').priv,
    payoutKey: k('sender payout').priv,
    updateSeed: Uint8Array.from(createHash('sha256').update(`revchan ${label} update seed`).digest()),
  };
  const receiverSecrets: ReceiverSecrets = {
    fundingKey: k('receiver funding').priv, payoutKey: k('receiver payout').priv, revocationKey: k('receiver revocation').priv,
    ...(htlc ? { htlcKey: k('receiver htlc').priv } : {}),
  };
  const wallet = k('sender wallet');
  const walletScript = p2wpkhScript(wallet.pub);
  const tip = await node.getTip();
  const expiry = name === 'CLTV' ? tip.height + (htlc?.expiryAhead ?? NEAR_EXPIRY_AHEAD) : undefined;
  const variant = expiry !== undefined ? { kind: 'cltv' as const, expiry: { height: expiry } } : { kind: 'csv' as const, delay: { blocks: CSV_DELAY } };

  const coin = await node.fund(walletScript, capacity + 100_000n);
  const input: FundingInput = { txid: coin.txid, vout: coin.vout, value: coin.value, script: walletScript, prevTx: coin.tx };
  const { sender, message: open } = Sender.open({
    capacity, variant, feeRate: E2E_FEE_RATE, secrets: senderSecrets, ...(expiry !== undefined ? { margin: CLTV_MARGIN } : {}),
    ...(htlc ? { htlc: { delay: htlc.delay, maxDustExposure: htlc.maxDustExposure ?? 5_000n } } : {}),
  });
  const policy = htlc ? { ...E2E_POLICY, htlc: { minDelay: 1, minExpiryDelta: 1, claimMargin: htlc.claimMargin ?? 12 } } : E2E_POLICY;
  const { receiver, message: acc } = Receiver.accept(wire(open), receiverSecrets, policy, await chainView(node));
  sender.onAcceptChannel(wire(acc));
  const { psbt, message: created } = sender.createFunding({ inputs: [input], changeScript: walletScript, feeRate: E2E_FEE_RATE });
  sender.onFundingSigned(wire(receiver.onFundingCreated(wire(created))));
  expect(signPsbtWithKey(psbt, wallet.priv)).to.equal(1);
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  await node.broadcast(fundingTx.toBuffer());
  await node.mine(1);
  const fundingHeight = (await node.getTransaction(fundingTx.getId()))!.blockHeight!;
  expect((await confirmFunding(receiver, node)).deep).to.equal(true);
  return {
    node, sender, receiver, variant, capacity, fundingTx, fundingHeight, wallet, walletScript,
    receiverDest: p2wpkhScript(k('receiver destination').pub), senderSecrets, receiverSecrets, ...(expiry !== undefined ? { expiry } : {}),
  };
}

export interface Watched<E> {
  readonly events: E[];
  poll(): Promise<void>;
  of<K extends string>(kind: K): Extract<E, { kind: K }>[];
}

function collected<E extends { kind: string }>(w: { poll(): Promise<void>; on(ev: 'event', f: (e: E) => void): unknown }): Watched<E> {
  const events: E[] = [];
  w.on('event', (e) => { if (e.kind !== 'block') events.push(e); });
  return {
    events,
    poll: () => w.poll(),
    of: <K extends string>(kind: K) => events.filter((e) => e.kind === kind) as Extract<E, { kind: K }>[],
  };
}

export async function receiverWatcher(c: AdversarialChannel, feeRate: FeeRate, extra: Partial<ReceiverWatcherOptions> = {}): Promise<Watched<WatcherEvent>> {
  const w = new ReceiverWatcher({ backend: c.node, feeRate, destinationScript: c.receiverDest, fromHeight: c.fundingHeight, ...extra });
  w.watch(c.receiver);
  const watched = collected<WatcherEvent>(w);
  await watched.poll();
  return watched;
}

export function senderWatcher(c: AdversarialChannel, feeRate: FeeRate): Watched<SenderWatcherEvent> {
  return collected<SenderWatcherEvent>(new SenderWatcher(c.sender, { backend: c.node, destinationScript: c.walletScript, feeRate }));
}

/** The node refuses `tx` for `reason` and does not keep it. */
export async function expectRefused(node: RegtestNode, tx: Transaction, reason: string): Promise<void> {
  const err = await rejectionOf(node.broadcast(tx.toBuffer()));
  expect(err.code).to.equal('BROADCAST_REJECTED');
  expect(err.details?.reason, `refusal of ${tx.getId()}`).to.equal(reason);
  expect(node.mempoolHas(tx.getId())).to.equal(false);
}

/** Index of the one output of `tx` paying `script`. */
export function outputTo(tx: Transaction, script: Uint8Array): number {
  const vouts = tx.outs.map((o, i) => (Buffer.from(o.script).equals(Buffer.from(script)) ? i : -1)).filter((i) => i >= 0);
  expect(vouts, 'outputs paying the script').to.have.length(1);
  return vouts[0]!;
}

/** A one-input P2WPKH to P2WPKH transaction at its largest signature. */
export const P2WPKH_SPEND_WEIGHT = segwitTxWeight([P2WPKH_INPUT], [22]);

/** Spends a P2WPKH output of `parent` with `key` alone to `destination`, through a PSBT. */
export function spendP2wpkh(parent: Transaction, vout: number, key: PrivateKey, destination: Uint8Array, feeRate: FeeRate): Transaction {
  const out = parent.outs[vout]!;
  expect(Buffer.from(out.script).equals(Buffer.from(p2wpkhScript(derivePublicKey(key)))), 'output pays the key').to.equal(true);
  const psbt = new Psbt();
  psbt.addInput({ hash: parent.getId(), index: vout, witnessUtxo: { script: out.script, value: out.value } });
  psbt.addOutput({ script: destination, value: out.value - feeForWeight(P2WPKH_SPEND_WEIGHT, feeRate) });
  expect(signPsbtWithKey(psbt, key)).to.equal(1);
  return extractTransaction(finalizePsbt(psbt));
}

/** The node, except that its next `n` broadcasts fail as a dropped connection would. */
export function flakyBroadcasts(node: RegtestNode, n: number): ChainBackend {
  return flaky(node, { broadcast: (call) => call <= n });
}

/**
 * Everything the confirmed chain pays the receiver from the channel's funding
 * spend: its own output while unspent, and what each confirmed child of the
 * spend's outputs (a claim, a CPFP child) pays its destination, a child of
 * two outputs counted once.
 */
export async function receiverHolds(c: AdversarialChannel): Promise<bigint> {
  const node = c.node;
  const spend = await node.getSpender(c.sender.funding!);
  expect(spend?.blockHeight, 'funding spend confirmed').to.be.a('number');
  const tx = Transaction.fromBuffer(spend!.tx);
  let total = 0n;
  const children = new Set<string>();
  for (const [vout, out] of tx.outs.entries()) {
    const child = await node.getSpender({ txid: spend!.txid, vout });
    const own = Buffer.from(out.script).equals(Buffer.from(c.receiver.context.receiverPayoutScript));
    if (child?.blockHeight === undefined) {
      if (own) total += out.value;
      continue;
    }
    if (children.has(child.txid)) continue;
    children.add(child.txid);
    for (const o of Transaction.fromBuffer(child.tx).outs) if (Buffer.from(o.script).equals(Buffer.from(c.receiverDest))) total += o.value;
  }
  return total;
}
