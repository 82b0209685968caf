/**
 * The decreasing-lock channel's transactions as PSBTs, for hardware wallets
 * and interop. Each wraps the builder the parties use, described as a plan
 * for the generic PSBT maker, so its unsigned transaction is byte-equal to
 * what the parties sign without PSBT; the generic finalizer completes each
 * from the core's 2-of-2 (the funding's, or the kickoff's for a kickoff-form
 * state), with the transaction's own nLockTime and nSequence as its locks.
 */
import { Psbt } from 'bitcoinjs-lib';
import { psbtFromPlan } from '../../../psbt/from-plan';
import { KeyOrigins, originList } from '../../../psbt/key-origin';
import { buildFundingSpendTx, planFundingSpend } from '../../../tx/funding-spend';
import { expectDecreasingContext } from '../params';
import {
  DecreasingCloseParams, DecreasingKickoffParams, DecreasingStateParams, decreasingCloseSpend, decreasingKickoffSpend, decreasingStateSpend,
} from '../tx/states';

/**
 * State S_k as a PSBT of the 2-of-2 it spends.
 *
 * @param p - As {@link buildDecreasingStateTx}.
 * @param origins - Key origins of the channel's keys, for bip32Derivation.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link buildDecreasingStateTx}; `INVALID_ARGUMENT` too if `origins` is not a list of key origins.
 *
 * @example
 * ```ts
 * const psbt = createDecreasingStatePsbt({ ctx, index: 3, aBalance, bBalance, fee });
 * signPsbtWithKey(psbt, aFundingKey);
 * ```
 */
export function createDecreasingStatePsbt(p: DecreasingStateParams, origins?: KeyOrigins): Psbt {
  const spend = decreasingStateSpend(p);
  return psbtFromPlan(planFundingSpend(spend.funding, buildFundingSpendTx(spend)), originList(origins));
}

/**
 * The kickoff as a PSBT of the funding input.
 *
 * @param p - As {@link buildDecreasingKickoffTx}.
 * @param origins - Key origins of the channel's keys, for bip32Derivation.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` as {@link buildDecreasingKickoffTx}, or if `origins` is not a list of key origins.
 */
export function createDecreasingKickoffPsbt(p: DecreasingKickoffParams, origins?: KeyOrigins): Psbt {
  const spend = decreasingKickoffSpend(p);
  return psbtFromPlan(planFundingSpend(expectDecreasingContext(p.ctx).funding, buildFundingSpendTx(spend)), originList(origins));
}

/**
 * The cooperative close as a PSBT of the funding input.
 *
 * @param p - As {@link buildDecreasingCloseTx}.
 * @param origins - Key origins of the channel's keys, for bip32Derivation.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY`, `AMOUNT_BELOW_DUST`, `FEE_EXCEEDS_OUTPUT` as {@link buildDecreasingCloseTx}; `INVALID_ARGUMENT` too if `origins` is not a list of key origins.
 */
export function createDecreasingClosePsbt(p: DecreasingCloseParams, origins?: KeyOrigins): Psbt {
  const spend = decreasingCloseSpend(p);
  return psbtFromPlan(planFundingSpend(spend.funding, buildFundingSpendTx(spend)), originList(origins));
}
