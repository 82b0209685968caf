/**
 * Senders paying a ReceiverHub over a JSON wire, on the embedded regtest node:
 * wallet coins split out of one funded coin (one block for any number of
 * channels), channels opened and funded through the hub, payments driven
 * message by message so a test can deliver each one where it likes.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  FundingInput, Json, MemoryChannelStore, Message, ReceiverPolicy, Sender, SenderSecrets, Variant, decodeMessage, encodeMessage, extractTransaction, feeForWeight,
  finalizePsbt, handleSenderMessage, p2wpkhScript, signPsbtWithKey,
} from '../../lib';
import { HubReply, ReceiverHub, ReceiverHubOptions, seedKeySource } from '../../lib/node';
import type { RegtestNode } from '../kit/regtest-node';
import { TestKey, testKey } from './keys';

export const HUB_FEE_RATE = 1000n;
export const HUB_POLICY: ReceiverPolicy = { minCsvDelay: 1, minMargin: 1, fundingDepth: 1 };
export const HUB_VARIANT: Variant = { kind: 'csv', delay: { blocks: 10 } };
export const HUB_SEED = Uint8Array.from(createHash('sha256').update('revchan test hub seed').digest());

/** What a hub hands back, and how a test sends to one or more hubs. */
export type Deliver = (wire: Json) => Promise<HubReply>;

/** The JSON a socket would carry. */
export function toWire(m: Message): Json {
  return JSON.parse(JSON.stringify(encodeMessage(m))) as Json;
}

/** Deterministic key ids, so every run derives the same receiver keys. */
export function keyIds(label: string): () => string {
  let n = 0;
  return () => createHash('sha256').update(`${label} ${n++}`).digest('hex');
}

/** A hub on the node with the test policy, a P2WPKH penalty destination, and deterministic key ids. */
export async function startHub(node: RegtestNode, store: MemoryChannelStore, label: string, extra: Partial<ReceiverHubOptions> = {}): Promise<ReceiverHub> {
  return ReceiverHub.start({
    store, backend: node, keys: seedKeySource(HUB_SEED, keyIds(label)), policy: HUB_POLICY,
    watcher: { feeRate: 2000n, destinationScript: p2wpkhScript(testKey('hub penalty destination').pub) },
    ...extra,
  });
}

/**
 * `count` coins of `value` each for `wallet`: coins from the node, each split
 * by one transaction into at most 25 (small parents keep the funding PSBTs
 * small), all mined in one block.
 */
export async function walletCoins(node: RegtestNode, wallet: TestKey, count: number, value: bigint): Promise<FundingInput[]> {
  const script = p2wpkhScript(wallet.pub);
  const coins: FundingInput[] = [];
  for (let left = count; left > 0; left -= 25) {
    const n = Math.min(left, 25);
    const coin = await node.fund(script, value * BigInt(n) + feeForWeight(500 + 124 * n, HUB_FEE_RATE));
    const psbt = new Psbt();
    psbt.addInput({ hash: coin.txid, index: coin.vout, witnessUtxo: { script, value: coin.value } });
    for (let i = 0; i < n; i++) psbt.addOutput({ script, value });
    expect(signPsbtWithKey(psbt, wallet.priv)).to.equal(1);
    const split = extractTransaction(finalizePsbt(psbt));
    await node.broadcast(split.toBuffer());
    const prevTx = split.toBuffer();
    for (let vout = 0; vout < n; vout++) coins.push({ txid: split.getId(), vout, value, script, prevTx });
  }
  await node.mine(1);
  return coins;
}

/** A sender of the tests: its party, its funding, and the hub-side channel id. */
export interface HubSender {
  readonly sender: Sender;
  readonly secrets: SenderSecrets;
  readonly fundingTx: Transaction;
  readonly channelId: string;
}

export function senderSecretsFor(label: string): SenderSecrets {
  const k = (what: string) => testKey(`hub ${label} ${what}`);
  return {
    fundingKey: k('sender funding').priv,
    payoutKey: k('sender payout').priv,
    updateSeed: Uint8Array.from(createHash('sha256').update(`revchan hub ${label} update seed`).digest()),
  };
}

/** The first reply of `deliver` that a hub sent, decoded. */
function answer(r: HubReply): Message {
  expect(r.reply, 'the hub answered').to.not.equal(undefined);
  return decodeMessage(r.reply);
}

/**
 * Open a channel through `deliver` and fund it from `coin` (broadcast, not
 * mined: the caller mines once for all).
 */
export async function openThroughHub(
  node: RegtestNode, deliver: Deliver, wallet: TestKey, coin: FundingInput, label: string, capacity: bigint, terms: { variant: Variant; margin?: number } = { variant: HUB_VARIANT },
): Promise<HubSender> {
  const secrets = senderSecretsFor(label);
  const { sender, message: open } = Sender.open({ capacity, feeRate: HUB_FEE_RATE, secrets, ...terms });
  handleSenderMessage(sender, answer(await deliver(toWire(open))));
  const script = p2wpkhScript(wallet.pub);
  const { psbt, message: created } = sender.createFunding({ inputs: [coin], changeScript: script, feeRate: HUB_FEE_RATE });
  const signed = await deliver(toWire(created));
  handleSenderMessage(sender, answer(signed));
  expect(sender.phase).to.equal('open');
  expect(signPsbtWithKey(psbt, wallet.priv)).to.equal(1);
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  await node.broadcast(fundingTx.toBuffer());
  return { sender, secrets, fundingTx, channelId: signed.channelId };
}

/** One payment: offer, accept, revoke, each through `deliver`; returns the hub's answer to the revoke. */
export async function payThroughHub(s: HubSender, increment: bigint, deliver: Deliver): Promise<HubReply> {
  const offer = s.sender.pay(increment);
  const accepted = await deliver(toWire(offer));
  const revoke = handleSenderMessage(s.sender, answer(accepted)).send!;
  return deliver(toWire(revoke));
}
