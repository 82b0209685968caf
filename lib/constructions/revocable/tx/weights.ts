/**
 * The revocable construction's transaction weights, at their largest
 * (lib/tx/weights.ts counts signatures at 73 bytes), from which its fees are
 * computed: both payment versions, the cooperative close, and the two spends
 * of the revocable output.
 */
import { expectCount } from '../../../core/arguments';
import { ScriptTemplate } from '../../../script/templates';
import { maxWitnessSize } from '../../../script/witness';
import { FUNDING_SPEND_INPUT, InputShape, P2WPKH_INPUT, segwitTxWeight } from '../../../tx/weights';

const P2WPKH_LEN = 22;
const P2WSH_LEN = 34;

/** Sender's version: receiver P2WPKH + revocable P2WSH. Both versions use this, so their amounts match. */
export const PAYMENT_WEIGHT = segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN, P2WSH_LEN]);
/** Cooperative close: two P2WPKH outputs. */
export const CLOSE_WEIGHT = segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN, P2WPKH_LEN]);

/**
 * The shape of a spend of a revocable output.
 *
 * @param t - The revocable template.
 * @param branch - Which branch spends it.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a valid template or has no such branch.
 */
export function revocableInput(t: ScriptTemplate, branch: 'penalty' | 'timeout'): InputShape {
  return { scriptSigLength: 0, witnessSize: maxWitnessSize(t, branch) };
}

/**
 * The weight of a penalty transaction.
 *
 * @param t - The revocable output's template.
 * @param sweepsReceiverOutput - Whether the claim also spends the receiver's own P2WPKH output.
 * @param destinationLength - The length of the claim's output script.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `destinationLength` is not a non-negative integer.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a valid template or has no penalty branch.
 */
export function penaltyWeight(t: ScriptTemplate, sweepsReceiverOutput: boolean, destinationLength: number): number {
  expectCount(destinationLength, 'destination length');
  const inputs = [revocableInput(t, 'penalty')];
  if (sweepsReceiverOutput) inputs.push(P2WPKH_INPUT);
  return segwitTxWeight(inputs, [destinationLength]);
}

/**
 * The weight of the sender's timeout claim.
 *
 * @param t - The revocable output's template.
 * @param destinationLength - The length of the claim's output script.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `destinationLength` is not a non-negative integer.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a valid template or has no timeout branch.
 */
export function timeoutWeight(t: ScriptTemplate, destinationLength: number): number {
  expectCount(destinationLength, 'destination length');
  return segwitTxWeight([revocableInput(t, 'timeout')], [destinationLength]);
}
