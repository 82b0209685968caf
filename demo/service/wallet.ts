/**
 * The buyers' coins and keys. Every key is a hash of the run's seed and a
 * label, so a seeded run draws the same keys every time. The coins come
 * from one miner payment split into one output per buyer, a few hundred per
 * transaction, all mined in one block: two blocks fund any number of buyers.
 */
import { createHash } from 'node:crypto';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  FundingInput, PrivateKey, SenderSecrets, asPrivateKey, derivePublicKey, extractTransaction, feeForWeight, finalizePsbt, p2wpkhScript, signPsbtWithKey,
} from '../../lib';
import type { RegtestNode } from '../../test/kit/regtest-node';

/** Outputs per split transaction: far below the standard weight limit. */
const SPLIT_OUTPUTS = 400;
const SPLIT_FEE_RATE = 1000n;

/** A key drawn from the run's seed and a label. */
export function keyOf(seed: string, label: string): PrivateKey {
  return asPrivateKey(createHash('sha256').update(`revchan service demo/${seed}/${label}`).digest());
}

/** 32 bytes drawn from the run's seed and a label. */
export function bytesOf(seed: string, label: string): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(`revchan service demo bytes/${seed}/${label}`).digest());
}

/** Buyer `i`'s channel keys. */
export function buyerSecrets(seed: string, i: number): SenderSecrets {
  return { fundingKey: keyOf(seed, `buyer ${i} funding`), payoutKey: keyOf(seed, `buyer ${i} payout`), updateSeed: bytesOf(seed, `buyer ${i} update seed`) };
}

/** A wallet of one key, its coins, and what it put on chain to make them. */
export interface SplitWallet {
  readonly key: PrivateKey;
  readonly script: Uint8Array;
  readonly coins: FundingInput[];
  /** The miner's payment and the splits, in the order they reached the chain. */
  readonly transactions: { kind: string; tx: Transaction }[];
}

/**
 * `count` coins of `value` each for the wallet key, confirmed: the node pays
 * the wallet one coin (mined at once), the wallet splits it (broadcast, then
 * one block).
 *
 * @param node - The regtest node, whose miner pays.
 * @param key - The wallet's key.
 * @param count - How many coins.
 * @param value - Satoshis each.
 */
export async function splitCoins(node: RegtestNode, key: PrivateKey, count: number, value: bigint): Promise<SplitWallet> {
  const script = p2wpkhScript(derivePublicKey(key));
  const coins: FundingInput[] = [];
  const transactions: SplitWallet['transactions'] = [];
  const parts = Math.ceil(count / SPLIT_OUTPUTS);
  const perPart = (n: number) => value * BigInt(n) + feeForWeight(500 + 124 * n, SPLIT_FEE_RATE);
  let total = 0n;
  for (let left = count; left > 0; left -= SPLIT_OUTPUTS) total += perPart(Math.min(left, SPLIT_OUTPUTS));
  const source = await node.fund(script, total + feeForWeight(500 + 124 * parts, SPLIT_FEE_RATE));
  transactions.push({ kind: 'wallet', tx: Transaction.fromBuffer(source.tx) });

  // The source coin splits into `parts` coins first when there are many buyers, each of which splits again.
  let inputs: FundingInput[] = [{ txid: source.txid, vout: source.vout, value: source.value, script, prevTx: source.tx }];
  if (parts > 1) {
    const amounts = Array.from({ length: parts }, (_, p) => perPart(Math.min(SPLIT_OUTPUTS, count - p * SPLIT_OUTPUTS)));
    const tx = await split(node, key, inputs[0]!, amounts);
    transactions.push({ kind: 'wallet-split', tx });
    inputs = amounts.map((v, vout) => ({ txid: tx.getId(), vout, value: v, script, prevTx: tx.toBuffer() }));
  }
  for (const [p, input] of inputs.entries()) {
    const n = Math.min(SPLIT_OUTPUTS, count - p * SPLIT_OUTPUTS);
    const tx = await split(node, key, input, Array.from({ length: n }, () => value));
    transactions.push({ kind: 'wallet-split', tx });
    for (let vout = 0; vout < n; vout++) coins.push({ txid: tx.getId(), vout, value, script, prevTx: tx.toBuffer() });
  }
  await node.mine(1);
  return { key, script, coins, transactions };
}

/** Spend `input` to the wallet's own script in `amounts`; the rest is the fee. Broadcast, not mined. */
async function split(node: RegtestNode, key: PrivateKey, input: FundingInput, amounts: readonly bigint[]): Promise<Transaction> {
  const psbt = new Psbt();
  psbt.addInput({ hash: input.txid, index: input.vout, witnessUtxo: { script: input.script, value: input.value } });
  for (const value of amounts) psbt.addOutput({ script: input.script, value });
  signPsbtWithKey(psbt, key);
  const tx = extractTransaction(finalizePsbt(psbt));
  await node.broadcast(tx.toBuffer());
  return tx;
}
