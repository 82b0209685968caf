/**
 * The duplex channel's transactions as PSBTs, for each party's wallet (a
 * hardware wallet among them) and for interop. The setup: each party signs
 * its own copy (its own inputs; the opt-in's last step), combinePsbts joins
 * them, or each sends the other its partial signatures. A funder's abort:
 * its wallet alone signs it. The tree and the simplex transactions: each
 * wraps the builder the parties use, so its unsigned transaction is
 * byte-equal to what they sign without PSBT, and the generic finalizer
 * completes it from the 2-of-2 or the simplex template.
 */
import type { Psbt } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { expectObject } from '../../../core/arguments';
import { KeyOrigins, originList } from '../../../psbt/key-origin';
import { psbtFromPlan } from '../../../psbt/from-plan';
import { FundingSpendParams, buildFundingSpendTx, planFundingSpend } from '../../../tx/funding-spend';
import { DuplexContext, expectDuplexContext } from '../params';
import { DuplexAbortParams, planDuplexAbort } from '../tx/abort';
import { DuplexSetupParams, planDuplexSetup } from '../tx/setup';

/**
 * The unsigned setup PSBT, both parties' coins in it, each input with its
 * prevout (and its previous transaction when given), the setup output with
 * its witness script.
 *
 * @param p - As {@link planDuplexSetup} takes it.
 * @param origins - Key origins (BIP 32) to annotate the wallets' inputs and change with.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `INVALID_KEY`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION` or `INSUFFICIENT_FUNDS` as {@link planDuplexSetup}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `origins` is malformed.
 *
 * @example
 * ```ts
 * const psbt = createDuplexSetupPsbt(setupParams, [keyOrigin(aMaster, "m/84'/1'/0'/0/3")]);
 * signPsbtWithMaster(psbt, aMaster); // a's inputs only
 * ```
 */
export function createDuplexSetupPsbt(p: DuplexSetupParams, origins?: KeyOrigins): Psbt {
  const list = originList(origins);
  return psbtFromPlan(planDuplexSetup(p), list);
}

/**
 * One funder's abort as a PSBT of its own coins, for its wallet to sign.
 *
 * @param p - As {@link planDuplexAbort} takes it.
 * @param origins - Key origins (BIP 32) of the funder's coins and destination.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_TIMELOCK`, `INVALID_SCRIPT`, `INVALID_FEE_RATE`, `INSUFFICIENT_FUNDS`, `INVALID_AMOUNT`, `INVALID_KEY`, `NON_SEGWIT_INPUT` or `INVALID_TRANSACTION` as {@link planDuplexAbort}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `origins` is malformed.
 *
 * @example
 * ```ts
 * const psbt = createDuplexAbortPsbt({ setup: setupParams, funder: 'a', deadline: tipHeight + 36 });
 * signPsbtWithMaster(psbt, aMaster);
 * const abort = extractTransaction(finalizePsbt(psbt)); // for DuplexSetupGuard
 * ```
 */
export function createDuplexAbortPsbt(p: DuplexAbortParams, origins?: KeyOrigins): Psbt {
  const list = originList(origins);
  return psbtFromPlan(planDuplexAbort(p), list);
}

/** What a duplex spend's PSBT is made from. */
export interface DuplexSpendPsbtParams {
  /** From {@link verifyDuplexParams}: gives the witness scripts of the tree's and the leaf's outputs. */
  readonly ctx: DuplexContext;
  /** A kickoff, tree node, leaf, simplex payment or refund, or close: from duplexKickoffSpend, duplexBranch, simplexPaymentSpend, simplexRefundSpend or duplexCloseSpend. */
  readonly spend: FundingSpendParams;
}

/**
 * A transaction of the channel as a PSBT of the output it spends, with that
 * output's witness script, the witness scripts of its 2-of-2, simplex and
 * anchor outputs, and the origins of the channel keys given.
 *
 * @param p - The channel and the spend.
 * @param origins - Key origins of the channel's keys, for bip32Derivation.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `ctx` not a checked context, the spend malformed, or `origins` not a list of key origins.
 * @throws {@link ChannelError} `INVALID_SCRIPT` or `INVALID_AMOUNT` if an output of the spend is malformed.
 *
 * @example
 * ```ts
 * const [leaf] = duplexBranch(ctx, 4, balances, 1);
 * const psbt = createDuplexSpendPsbt({ ctx, spend: leaf.spend }, origins);
 * signPsbtWithMaster(psbt, aMaster);
 * ```
 */
export function createDuplexSpendPsbt(p: DuplexSpendPsbtParams, origins?: KeyOrigins): Psbt {
  expectObject(p, 'spend PSBT params');
  const c = expectDuplexContext(p.ctx);
  if (p.spend === null || typeof p.spend !== 'object') fail('INVALID_ARGUMENT', 'spend must be a duplex transaction\'s fields');
  const tx = buildFundingSpendTx(p.spend);
  const list = originList(origins);
  const anchors = c.anchors !== undefined ? [c.anchors.aWitnessScript, c.anchors.bWitnessScript] : [];
  return psbtFromPlan(planFundingSpend(p.spend.funding, tx, { outputWitnessScripts: [c.funding.fundingScript, c.abScript, c.baScript, ...anchors] }), list);
}
