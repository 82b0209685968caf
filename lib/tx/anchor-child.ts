/**
 * The child that pays for a stuck pre-signed transaction through its
 * party's anchor (anchor.ts): the anchor's 330 sat cannot pay a fee on their
 * own, so the child also spends P2WPKH coins of the party's wallet and
 * returns the change. The fee arithmetic is cpfp.ts's: miners take the
 * package at (parent fee + child fee) / (parent weight + child weight), and
 * the child's own rate never falls below CPFP_MIN_FEE_RATE so it relays by
 * itself. The parent's fee is the caller's to give, read from its channel
 * (which knows what the parent spends), never from whoever hands over the
 * parent: each construction wraps this with its own reading.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectArray, expectObject } from '../core/arguments';
import { fail } from '../core/errors';
import { bytesEqual, txidToHash } from '../core/hash';
import {
  FeeRate, PrivateKey, PublicKey, asPrivateKey, asPublicKey, checkAmount, checkFeeRate, checkTxid, checkVout, derivePublicKey, feeForWeight,
} from '../core/types';
import { ANCHOR_INPUT, compileAnchorScript } from './anchor';
import { CPFP_MIN_FEE_RATE } from './cpfp';
import { checkDestinationScript, dustLimit, p2wpkhScript, p2wshScript } from './outputs';
import { SIGHASH_ALL } from './sighash';
import { signSighash } from './signature';
import { RBF_SEQUENCE, TX_VERSION, p2wpkhScriptCode } from './spend';
import { P2WPKH_INPUT, segwitTxWeight } from './weights';

/** A P2WPKH coin of the party's wallet that helps pay the child's fee. */
export interface FeeCoin {
  /** Its outpoint's txid. */
  readonly txid: string;
  /** Its outpoint's index. */
  readonly vout: number;
  /** Its value in satoshis. */
  readonly value: bigint;
  /** The key of its wpkh() script. */
  readonly key: PublicKey;
}

/** What fixes a child through an anchor. */
export interface AnchorChildParams {
  /** The unconfirmed parent as broadcast. */
  readonly parent: Uint8Array;
  /** The parent's own fee, from the caller's channel. */
  readonly parentFee: bigint;
  /** The funding key of the anchor the child spends: the parent's output paying its anchor script. */
  readonly anchorKey: PublicKey;
  /** The wallet coins that pay the fee, at least one. */
  readonly feeCoins: readonly FeeCoin[];
  /** The rate, sat/kw, the parent and the child together must reach. */
  readonly packageFeeRate: FeeRate;
  /** Where the change goes: a standard output script. */
  readonly destinationScript: Uint8Array;
  /** The child's own rate is never below this (default CPFP_MIN_FEE_RATE). */
  readonly minFeeRate?: FeeRate;
}

/** The unsigned child with what its signer needs. */
interface ChildPlan {
  readonly tx: Transaction;
  readonly anchorScript: Uint8Array;
  readonly anchorValue: bigint;
  readonly fee: bigint;
  readonly parentWeight: number;
}

/**
 * The parent as a transaction, for a wrapper that reads its fee first.
 *
 * @param raw - The serialized parent.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `raw` is not bytes or does not parse.
 */
export function parseAnchorParent(raw: unknown): Transaction {
  if (!(raw instanceof Uint8Array)) fail('INVALID_TRANSACTION', 'parent must be the serialized transaction');
  try {
    return Transaction.fromBuffer(raw);
  } catch {
    return fail('INVALID_TRANSACTION', 'cannot parse the parent transaction');
  }
}

function checkCoins(coins: readonly FeeCoin[]): void {
  expectArray(coins, 'feeCoins');
  if (coins.length === 0) fail('INVALID_ARGUMENT', 'an anchor holds too little for a fee: at least one fee coin is needed');
  for (const c of coins) {
    expectObject(c, 'fee coin');
    checkTxid(c.txid, 'fee coin txid');
    checkVout(c.vout);
    checkAmount(c.value, 'fee coin value', 1n);
    asPublicKey(c.key, 'fee coin key');
  }
}

/**
 * The child's weight at its largest (73-byte signatures), from which its fee is computed.
 *
 * @param coins - How many fee coins it spends.
 * @param destinationLength - The length of its output script.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if an argument is not a non-negative integer.
 */
export function anchorChildWeight(coins: number, destinationLength: number): number {
  if (!Number.isSafeInteger(coins) || coins < 0 || coins > 1000) fail('INVALID_ARGUMENT', 'coins must be an integer in [0, 1000]');
  return segwitTxWeight([ANCHOR_INPUT, ...Array.from({ length: coins }, () => P2WPKH_INPUT)], [destinationLength]);
}

function plan(p: AnchorChildParams): ChildPlan {
  expectObject(p, 'anchor child params');
  const parent = parseAnchorParent(p.parent);
  checkAmount(p.parentFee, 'parentFee', 0n);
  const anchorScript = compileAnchorScript(asPublicKey(p.anchorKey, 'anchorKey'));
  checkCoins(p.feeCoins);
  checkFeeRate(p.packageFeeRate);
  const minFeeRate = p.minFeeRate ?? CPFP_MIN_FEE_RATE;
  checkFeeRate(minFeeRate);
  checkDestinationScript(p.destinationScript);

  const anchorOut = p2wshScript(anchorScript);
  const vout = parent.outs.findIndex((o) => bytesEqual(o.script, anchorOut));
  if (vout < 0) fail('INVALID_TRANSACTION', 'the parent has no anchor of this key');
  const childWeight = anchorChildWeight(p.feeCoins.length, p.destinationScript.length);
  const parentWeight = parent.weight();
  const forPackage = feeForWeight(parentWeight + childWeight, p.packageFeeRate) - p.parentFee;
  const forItself = feeForWeight(childWeight, minFeeRate);
  const fee = forPackage > forItself ? forPackage : forItself;
  const anchorValue = BigInt(parent.outs[vout]!.value);
  const total = anchorValue + p.feeCoins.reduce((s, c) => s + c.value, 0n);
  if (total - fee < dustLimit(p.destinationScript)) {
    fail('FEE_EXCEEDS_OUTPUT', 'the anchor and the fee coins do not cover the child\'s fee and a change output', { fee: fee.toString(), available: total.toString() });
  }

  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = 0;
  tx.addInput(parent.getHash(), vout, RBF_SEQUENCE);
  for (const c of p.feeCoins) tx.addInput(txidToHash(c.txid), c.vout, RBF_SEQUENCE);
  tx.addOutput(p.destinationScript, total - fee);
  return { tx, anchorScript, anchorValue, fee, parentWeight };
}

/**
 * The unsigned child: the anchor of `anchorKey` on the parent and the fee coins, one change output, the fee lifting the pair to `packageFeeRate`.
 *
 * @param p - The parent and its fee, the anchor's key, the fee coins, the package rate and the destination.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object or `feeCoins` is empty or malformed.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parent` is not bytes, does not parse, or has no anchor of `anchorKey`.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `parentFee` or a fee coin's value is not a valid amount.
 * @throws {@link ChannelError} `INVALID_KEY` if `anchorKey` or a fee coin's key is not a valid public key.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` or `minFeeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the anchor and the coins leave less than a change output's dust limit.
 *
 * @example
 * ```ts
 * const child = buildAnchorChildTx({
 *   parent: stuck.toBuffer(), parentFee: 1_500n, anchorKey: aFundingKey,
 *   feeCoins: [{ txid, vout, value, key: walletPub }], packageFeeRate: 5000n, destinationScript,
 * });
 * ```
 */
export function buildAnchorChildTx(p: AnchorChildParams): Transaction {
  return plan(p).tx;
}

/** The keys that sign a child: the anchor's funding key, each fee coin's key in order. */
export interface AnchorChildKeys {
  /** The private key of `anchorKey`. */
  readonly fundingKey: PrivateKey;
  /** The private key of each fee coin, in the order of `feeCoins`. */
  readonly coinKeys: readonly PrivateKey[];
}

/**
 * Builds the child and signs every input: the anchor's bump branch with the funding key, each coin with its key.
 *
 * @param p - As {@link buildAnchorChildTx}.
 * @param keys - The anchor's funding key and each fee coin's key.
 * @returns The signed child, to broadcast after the parent; its package rate is at least `packageFeeRate`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link buildAnchorChildTx}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `keys` is not an object or does not hold one key per coin.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is malformed or not the anchor's or the coin's key.
 */
export function signAnchorChildTx(p: AnchorChildParams, keys: AnchorChildKeys): Transaction {
  const { tx, anchorScript, anchorValue } = plan(p);
  expectObject(keys, 'child keys');
  expectArray(keys.coinKeys, 'coinKeys');
  if (keys.coinKeys.length !== p.feeCoins.length) fail('INVALID_ARGUMENT', 'one key per fee coin is needed', { coins: p.feeCoins.length });
  if (!bytesEqual(derivePublicKey(asPrivateKey(keys.fundingKey, 'fundingKey')), p.anchorKey)) fail('INVALID_KEY', 'fundingKey is not the anchor\'s key');
  tx.setWitness(0, [signSighash(tx.hashForWitnessV0(0, anchorScript, anchorValue, SIGHASH_ALL), keys.fundingKey), anchorScript]);
  p.feeCoins.forEach((c, i) => {
    const k = asPrivateKey(keys.coinKeys[i]!, 'coin key');
    if (!bytesEqual(derivePublicKey(k), c.key)) fail('INVALID_KEY', `coin key ${i} is not the key of fee coin ${i}`);
    tx.setWitness(i + 1, [signSighash(tx.hashForWitnessV0(i + 1, p2wpkhScriptCode(p2wpkhScript(c.key)), c.value, SIGHASH_ALL), k), c.key]);
  });
  return tx;
}

/** What a child's package pays, for a caller that reports it. */
export interface AnchorPackageRate {
  /** The parent's fee. */
  readonly parentFee: bigint;
  /** The child's fee. */
  readonly childFee: bigint;
  /** (parent fee + child fee) * 1000 / (parent weight + child weight), sat/kw, rounded down. */
  readonly rate: FeeRate;
}

/**
 * The package rate a signed child reaches with its parent.
 *
 * @param p - As {@link buildAnchorChildTx}, the child having been built from it.
 * @param child - The signed child.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link buildAnchorChildTx}.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `child` is not the child `p` builds.
 */
export function anchorPackageRate(p: AnchorChildParams, child: Transaction): AnchorPackageRate {
  const c = plan(p);
  if (!(child instanceof Transaction) || child.getId() !== c.tx.getId()) fail('INVALID_TRANSACTION', 'child is not the transaction these parameters build');
  return { parentFee: p.parentFee, childFee: c.fee, rate: ((p.parentFee + c.fee) * 1000n) / BigInt(c.parentWeight + child.weight()) };
}
