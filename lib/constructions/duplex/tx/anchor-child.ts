/**
 * The child that pays for a stuck duplex tree transaction (the kickoff, a
 * node, the leaf) through its party's anchor: the core's child
 * (lib/tx/anchor-child.ts), the parent's fee read from the channel, never
 * taken from the caller. A tree transaction's input value is not in the
 * transaction, but every one of them is this channel's builders' work: the
 * kickoff spends the setup output; a node pays the tree's 2-of-2 the value
 * of some level; the leaf pays the simplex channels the leaf's capacity. So
 * its shape says which it is, and the channel says its fee.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual, txidToHash } from '../../../core/hash';
import { FeeRate, PrivateKey } from '../../../core/types';
import {
  AnchorChildParams, AnchorPackageRate, FeeCoin, anchorPackageRate, buildAnchorChildTx, parseAnchorParent, signAnchorChildTx,
} from '../../../tx/anchor-child';
import { p2wshScript } from '../../../tx/outputs';
import { DuplexContext, expectDuplexContext } from '../params';
import { DuplexRole } from './signer';

/** What fixes the child that pays for a tree transaction through an anchor. */
export interface DuplexAnchorChildParams {
  /** From {@link verifyDuplexParams}, a channel with anchors. */
  readonly ctx: DuplexContext;
  /** The unconfirmed parent as broadcast: the kickoff, a node or a leaf of this channel. */
  readonly parent: Uint8Array;
  /** Whose anchor the child spends. */
  readonly role: DuplexRole;
  /** The wallet coins that pay the fee, at least one. */
  readonly feeCoins: readonly FeeCoin[];
  /** The rate, sat/kw, the parent and the child together must reach. */
  readonly packageFeeRate: FeeRate;
  /** Where the change goes: a standard output script. */
  readonly destinationScript: Uint8Array;
  /** The child's own rate is never below this (default CPFP_MIN_FEE_RATE). */
  readonly minFeeRate?: FeeRate;
}

/** The fee of a tree transaction of this channel, from its shape; anything else is refused. */
function treeFeeOf(ctx: DuplexContext, parent: Transaction): bigint {
  const anchors = ctx.anchors!;
  const outs = parent.outs;
  if (parent.ins.length !== 1 || outs.length < 3 || !bytesEqual(outs[outs.length - 2]!.script, anchors.aScript) || !bytesEqual(outs[outs.length - 1]!.script, anchors.bScript)) {
    fail('INVALID_TRANSACTION', 'not a tree transaction of this channel: one input, and a\'s and b\'s anchors last');
  }
  const i = parent.ins[0]!;
  const f = ctx.params.fundingOutpoint;
  const paid = outs.slice(0, -2);
  const step = ctx.nodeFee + ctx.anchorsValue;
  if (i.index === f.vout && bytesEqual(i.hash, txidToHash(f.txid))) {
    if (paid.length !== 1 || paid[0]!.value !== ctx.kickoff.params.capacity) fail('INVALID_TRANSACTION', 'it spends the setup output but is not the kickoff');
    return ctx.nodeFee;
  }
  if (paid.length === 1 && bytesEqual(paid[0]!.script, ctx.funding.fundingScriptPubKey)) {
    // A node under the kickoff pays the kickoff's value less one step, the next one step less again.
    const below = ctx.kickoff.params.capacity - paid[0]!.value;
    if (below <= 0n || below % step !== 0n || below / step >= BigInt(ctx.params.levels)) fail('INVALID_TRANSACTION', 'a 2-of-2 of no level of this channel\'s tree');
    return ctx.nodeFee;
  }
  const simplex = [p2wshScript(ctx.abScript), p2wshScript(ctx.baScript)];
  if (paid.length === 0 || paid.length > 2 || !paid.every((o) => simplex.some((s) => bytesEqual(s, o.script)))
    || paid.reduce((s, o) => s + o.value, 0n) !== ctx.leafCapacity) {
    fail('INVALID_TRANSACTION', 'neither the kickoff, a node nor a leaf of this channel');
  }
  return ctx.leafFee;
}

function coreParams(p: DuplexAnchorChildParams): AnchorChildParams {
  expectObject(p, 'anchor child params');
  const ctx = expectDuplexContext(p.ctx);
  if (ctx.anchors === undefined) fail('INVALID_ARGUMENT', 'the channel has no anchors');
  if (p.role !== 'a' && p.role !== 'b') fail('INVALID_ARGUMENT', 'role must be a or b');
  const parentFee = treeFeeOf(ctx, parseAnchorParent(p.parent));
  return {
    parent: p.parent, parentFee, anchorKey: p.role === 'a' ? ctx.params.aFundingKey : ctx.params.bFundingKey,
    feeCoins: p.feeCoins, packageFeeRate: p.packageFeeRate, destinationScript: p.destinationScript,
    ...(p.minFeeRate !== undefined ? { minFeeRate: p.minFeeRate } : {}),
  };
}

/**
 * The unsigned child: the party's anchor of a tree transaction and the fee coins, one change output, the fee lifting the pair to `packageFeeRate`.
 *
 * @param p - The channel, the parent, the role, the fee coins, the package rate and the destination.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context with anchors, `role` neither, or `feeCoins` empty or malformed.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `parent` is not bytes, does not parse, or is not the kickoff, a node or a leaf of this channel.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_KEY` if a fee coin's value or key is malformed.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `packageFeeRate` or `minFeeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the anchor and the coins leave less than a change output's dust limit.
 *
 * @example
 * ```ts
 * const child = buildDuplexAnchorChildTx({
 *   ctx, parent: stuckNode.toBuffer(), role: 'b', feeCoins: [{ txid, vout, value, key: walletPub }],
 *   packageFeeRate: 5000n, destinationScript,
 * });
 * ```
 */
export function buildDuplexAnchorChildTx(p: DuplexAnchorChildParams): Transaction {
  return buildAnchorChildTx(coreParams(p));
}

/** The keys that sign a child: the role's funding key for the anchor, each fee coin's key in order. */
export interface DuplexAnchorChildKeys {
  /** The role's private funding key. */
  readonly fundingKey: PrivateKey;
  /** The private key of each fee coin, in the order of `feeCoins`. */
  readonly coinKeys: readonly PrivateKey[];
}

/**
 * Builds the child and signs every input: the anchor's bump branch with the funding key, each coin with its key.
 *
 * @param p - As {@link buildDuplexAnchorChildTx}.
 * @param keys - The role's funding key and each fee coin's key.
 * @returns The signed child, to broadcast after the parent; its package rate is at least `packageFeeRate`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link buildDuplexAnchorChildTx}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `keys` is not an object or does not hold one key per coin.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is malformed or not the role's funding key or the coin's key.
 */
export function signDuplexAnchorChildTx(p: DuplexAnchorChildParams, keys: DuplexAnchorChildKeys): Transaction {
  return signAnchorChildTx(coreParams(p), keys);
}

/**
 * The package rate a signed child reaches with its parent.
 *
 * @param p - As {@link buildDuplexAnchorChildTx}, the child having been built from it.
 * @param child - The signed child.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TRANSACTION`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `FEE_EXCEEDS_OUTPUT` as {@link buildDuplexAnchorChildTx}.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `child` is not the child `p` builds.
 */
export function duplexPackageRate(p: DuplexAnchorChildParams, child: Transaction): AnchorPackageRate {
  return anchorPackageRate(coreParams(p), child);
}
