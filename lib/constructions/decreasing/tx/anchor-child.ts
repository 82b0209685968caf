/**
 * The child that pays for a stuck decreasing-lock state (or kickoff) through
 * its party's anchor: the core's child (lib/tx/anchor-child.ts), the
 * parent's fee read from the channel, never taken from the caller: the
 * parent spends the funding output or the kickoff's, whose values it knows.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual, txidToHash } from '../../../core/hash';
import { FeeRate, PrivateKey } from '../../../core/types';
import {
  AnchorChildParams, AnchorPackageRate, FeeCoin, anchorPackageRate, buildAnchorChildTx, parseAnchorParent, signAnchorChildTx,
} from '../../../tx/anchor-child';
import { DecreasingContext, expectDecreasingContext } from '../params';
import { DecreasingRole } from './signer';

/** What fixes the child that pays for a state or the kickoff through an anchor. */
export interface DecreasingAnchorChildParams {
  /** From {@link verifyDecreasingParams}, a channel with anchors. */
  readonly ctx: DecreasingContext;
  /** The unconfirmed parent as broadcast: a state or the kickoff of this channel. */
  readonly parent: Uint8Array;
  /** Whose anchor the child spends. */
  readonly role: DecreasingRole;
  /** The wallet coins that pay the fee, at least one. */
  readonly feeCoins: readonly FeeCoin[];
  /** The rate, sat/kw, the parent and the child together must reach. */
  readonly packageFeeRate: FeeRate;
  /** Where the change goes: a standard output script. */
  readonly destinationScript: Uint8Array;
  /** The child's own rate is never below this (default CPFP_MIN_FEE_RATE). */
  readonly minFeeRate?: FeeRate;
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

/** The core child's parameters, the parent's fee from the channel. */
function coreParams(p: DecreasingAnchorChildParams): AnchorChildParams {
  expectObject(p, 'anchor child params');
  const ctx = expectDecreasingContext(p.ctx);
  if (ctx.anchors === undefined) fail('INVALID_ARGUMENT', 'the channel has no anchors');
  if (p.role !== 'a' && p.role !== 'b') fail('INVALID_ARGUMENT', 'role must be a or b');
  const parent = parseAnchorParent(p.parent);
  const parentFee = parentInputValue(ctx, parent) - parent.outs.reduce((s, o) => s + BigInt(o.value), 0n);
  if (parentFee < 0n) fail('INVALID_TRANSACTION', 'the parent pays out more than it spends');
  return {
    parent: p.parent, parentFee, anchorKey: p.role === 'a' ? ctx.params.aFundingKey : ctx.params.bFundingKey,
    feeCoins: p.feeCoins, packageFeeRate: p.packageFeeRate, destinationScript: p.destinationScript,
    ...(p.minFeeRate !== undefined ? { minFeeRate: p.minFeeRate } : {}),
  };
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
  return buildAnchorChildTx(coreParams(p));
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
  return signAnchorChildTx(coreParams(p), keys);
}

/**
 * The package rate a signed child reaches with its parent.
 *
 * @param p - As {@link buildDecreasingAnchorChildTx}, the child having been built from it.
 * @param child - The signed child.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link buildDecreasingAnchorChildTx}.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `child` is not the child `p` builds.
 */
export function decreasingPackageRate(p: DecreasingAnchorChildParams, child: Transaction): AnchorPackageRate {
  return anchorPackageRate(coreParams(p), child);
}
