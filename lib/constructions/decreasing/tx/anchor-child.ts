/**
 * The child that pays for a stuck state (or kickoff) through its party's
 * anchor: the anchor's 330 sat cannot pay a fee on their own, so the child
 * also spends P2WPKH coins of the party's wallet and returns the change.
 * The fee arithmetic is lib/tx/cpfp.ts's: miners take the package at
 * (parent fee + child fee) / (parent weight + child weight), and the child's
 * own rate never falls below CPFP_MIN_FEE_RATE so it relays by itself. The
 * parent's fee is read from the channel, never taken from the caller: the
 * parent spends the funding output or the kickoff's, whose values it knows.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectArray, expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual, txidToHash } from '../../../core/hash';
import {
  FeeRate, PrivateKey, PublicKey, asPrivateKey, asPublicKey, checkAmount, checkFeeRate, checkTxid, checkVout, derivePublicKey, feeForWeight,
} from '../../../core/types';
import { CPFP_MIN_FEE_RATE } from '../../../tx/cpfp';
import { checkDestinationScript, dustLimit, p2wpkhScript } from '../../../tx/outputs';
import { SIGHASH_ALL } from '../../../tx/sighash';
import { signSighash } from '../../../tx/signature';
import { RBF_SEQUENCE, TX_VERSION, p2wpkhScriptCode } from '../../../tx/spend';
import { P2WPKH_INPUT, segwitTxWeight } from '../../../tx/weights';
import { DecreasingContext, expectDecreasingContext } from '../params';
import { DecreasingRole } from './signer';
import { DECREASING_ANCHOR_INPUT } from './weights';

/** A P2WPKH coin of the party's wallet that helps pay the child's fee. */
export interface DecreasingFeeCoin {
  /** Its outpoint's txid. */
  readonly txid: string;
  /** Its outpoint's index. */
  readonly vout: number;
  /** Its value in satoshis. */
  readonly value: bigint;
  /** The key of its wpkh() script. */
  readonly key: PublicKey;
}

/** What fixes the child that pays for a state or the kickoff through an anchor. */
export interface DecreasingAnchorChildParams {
  /** From {@link verifyDecreasingParams}, a channel with anchors. */
  readonly ctx: DecreasingContext;
  /** The unconfirmed parent as broadcast: a state or the kickoff of this channel. */
  readonly parent: Uint8Array;
  /** Whose anchor the child spends. */
  readonly role: DecreasingRole;
  /** The wallet coins that pay the fee, at least one. */
  readonly feeCoins: readonly DecreasingFeeCoin[];
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
  readonly coins: readonly DecreasingFeeCoin[];
  readonly fee: bigint;
  readonly parentFee: bigint;
  readonly parentWeight: number;
}

function parseParent(raw: unknown): Transaction {
  if (!(raw instanceof Uint8Array)) fail('INVALID_TRANSACTION', 'parent must be the serialized transaction');
  try {
    return Transaction.fromBuffer(raw);
  } catch {
    return fail('INVALID_TRANSACTION', 'cannot parse the parent transaction');
  }
}

/** The value the parent spends: the funding's (a locktime-form state, the kickoff) or the kickoff's output (a kickoff-form state). */
function parentInputValue(ctx: DecreasingContext, parent: Transaction): bigint {
  if (parent.ins.length !== 1) fail('INVALID_TRANSACTION', 'a channel transaction has one input');
  const i = parent.ins[0]!;
  const spends = (o: { txid: string; vout: number }) => i.index === o.vout && bytesEqual(i.hash, txidToHash(o.txid));
  if (spends(ctx.params.fundingOutpoint)) return ctx.params.capacity;
  if (ctx.kickoff !== undefined && spends(ctx.kickoff.params.fundingOutpoint)) return ctx.stateInput;
  return fail('INVALID_TRANSACTION', 'the parent spends neither the funding output nor the kickoff\'s');
}

function checkCoins(coins: readonly DecreasingFeeCoin[]): void {
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
export function decreasingAnchorChildWeight(coins: number, destinationLength: number): number {
  if (!Number.isSafeInteger(coins) || coins < 0 || coins > 1000) fail('INVALID_ARGUMENT', 'coins must be an integer in [0, 1000]');
  return segwitTxWeight([DECREASING_ANCHOR_INPUT, ...Array.from({ length: coins }, () => P2WPKH_INPUT)], [destinationLength]);
}

function plan(p: DecreasingAnchorChildParams): ChildPlan {
  expectObject(p, 'anchor child params');
  const ctx = expectDecreasingContext(p.ctx);
  if (ctx.anchors === undefined) fail('INVALID_ARGUMENT', 'the channel has no anchors');
  if (p.role !== 'a' && p.role !== 'b') fail('INVALID_ARGUMENT', 'role must be a or b');
  const parent = parseParent(p.parent);
  const inputValue = parentInputValue(ctx, parent);
  checkCoins(p.feeCoins);
  checkFeeRate(p.packageFeeRate);
  const minFeeRate = p.minFeeRate ?? CPFP_MIN_FEE_RATE;
  checkFeeRate(minFeeRate);
  checkDestinationScript(p.destinationScript);

  const anchorScript = p.role === 'a' ? ctx.anchors.aWitnessScript : ctx.anchors.bWitnessScript;
  const anchorOut = p.role === 'a' ? ctx.anchors.aScript : ctx.anchors.bScript;
  const vout = parent.outs.findIndex((o) => bytesEqual(o.script, anchorOut));
  if (vout < 0) fail('INVALID_TRANSACTION', `the parent has no anchor of ${p.role}`);
  const outTotal = parent.outs.reduce((s, o) => s + BigInt(o.value), 0n);
  const parentFee = inputValue - outTotal;
  if (parentFee < 0n) fail('INVALID_TRANSACTION', 'the parent pays out more than it spends');

  const childWeight = decreasingAnchorChildWeight(p.feeCoins.length, p.destinationScript.length);
  const parentWeight = parent.weight();
  const forPackage = feeForWeight(parentWeight + childWeight, p.packageFeeRate) - parentFee;
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
  return { tx, anchorScript, anchorValue, coins: p.feeCoins, fee, parentFee, parentWeight };
}

/**
 * The unsigned child: the party's anchor of the parent and the fee coins, one change output, the fee lifting the pair to `packageFeeRate`.
 *
 * @param p - The channel, the parent, the role, the fee coins, the package rate and the destination.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context with anchors, `role` neither, or `feeCoins` empty or malformed.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parent` is not bytes, does not parse, is not a one-input spend of the funding or kickoff output, or has no anchor of `role`.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_KEY` if a fee coin's value or key is malformed.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` or `minFeeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the anchor and the coins leave less than a change output's dust limit.
 *
 * @example
 * ```ts
 * const child = buildDecreasingAnchorChildTx({
 *   ctx, parent: stuck.toBuffer(), role: 'b', feeCoins: [{ txid, vout, value, key: walletPub }],
 *   packageFeeRate: 5000n, destinationScript,
 * });
 * ```
 */
export function buildDecreasingAnchorChildTx(p: DecreasingAnchorChildParams): Transaction {
  return plan(p).tx;
}

/** The keys that sign a child: the role's funding key for the anchor, each fee coin's key in order. */
export interface DecreasingAnchorChildKeys {
  /** The role's private funding key. */
  readonly fundingKey: PrivateKey;
  /** The private key of each fee coin, in the order of `feeCoins`. */
  readonly coinKeys: readonly PrivateKey[];
}

/**
 * Builds the child and signs every input: the anchor's bump branch with the funding key, each coin with its key.
 *
 * @param p - As {@link buildDecreasingAnchorChildTx}.
 * @param keys - The role's funding key and each fee coin's key.
 * @returns The signed child, to broadcast after the parent; its package rate is at least `packageFeeRate`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link buildDecreasingAnchorChildTx}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `keys` is not an object or does not hold one key per coin.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is malformed or not the role's funding key or the coin's key.
 */
export function signDecreasingAnchorChildTx(p: DecreasingAnchorChildParams, keys: DecreasingAnchorChildKeys): Transaction {
  const { tx, anchorScript, anchorValue, coins } = plan(p);
  expectObject(keys, 'child keys');
  expectArray(keys.coinKeys, 'coinKeys');
  if (keys.coinKeys.length !== coins.length) fail('INVALID_ARGUMENT', 'one key per fee coin is needed', { coins: coins.length });
  const own = p.role === 'a' ? p.ctx.params.aFundingKey : p.ctx.params.bFundingKey;
  if (!bytesEqual(derivePublicKey(asPrivateKey(keys.fundingKey, 'fundingKey')), own)) fail('INVALID_KEY', `fundingKey is not ${p.role}'s funding key`);
  tx.setWitness(0, [signSighash(tx.hashForWitnessV0(0, anchorScript, anchorValue, SIGHASH_ALL), keys.fundingKey), anchorScript]);
  coins.forEach((c, i) => {
    const k = asPrivateKey(keys.coinKeys[i]!, 'coin key');
    if (!bytesEqual(derivePublicKey(k), c.key)) fail('INVALID_KEY', `coin key ${i} is not the key of fee coin ${i}`);
    tx.setWitness(i + 1, [signSighash(tx.hashForWitnessV0(i + 1, p2wpkhScriptCode(p2wpkhScript(c.key)), c.value, SIGHASH_ALL), k), c.key]);
  });
  return tx;
}

/** What a child's package pays, for a caller that reports it. */
export interface DecreasingPackageRate {
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
 * @param p - As {@link buildDecreasingAnchorChildTx}, the child having been built from it.
 * @param child - The signed child.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link buildDecreasingAnchorChildTx}.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `child` is not the child `p` builds.
 */
export function decreasingPackageRate(p: DecreasingAnchorChildParams, child: Transaction): DecreasingPackageRate {
  const c = plan(p);
  if (!(child instanceof Transaction) || child.getId() !== c.tx.getId()) fail('INVALID_TRANSACTION', 'child is not the transaction these parameters build');
  return { parentFee: c.parentFee, childFee: c.fee, rate: ((c.parentFee + c.fee) * 1000n) / BigInt(c.parentWeight + child.weight()) };
}
