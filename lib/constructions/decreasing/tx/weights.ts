/**
 * The decreasing-lock channel's transaction weights, from which every fee is
 * computed. Every state is counted with both outputs, so the fee does not
 * depend on whether a balance is 0, and both parties compute the same.
 */
import { FUNDING_SPEND_INPUT, segwitTxWeight } from '../../../tx/weights';

const P2WPKH_SCRIPT = 22;
const P2WSH_SCRIPT = 34;

/** The channel's maximum weights. */
export interface DecreasingWeights {
  /** A state (or the close): the 2-of-2 input, a's and b's P2WPKH outputs. */
  readonly state: number;
  /** The kickoff: the funding 2-of-2 input, the kickoff's 2-of-2 output. */
  readonly kickoff: number;
}

/**
 * The channel's transaction weights; they do not depend on the channel.
 *
 * @returns The state's and the kickoff's weights in weight units.
 */
export function decreasingWeights(): DecreasingWeights {
  return {
    state: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_SCRIPT, P2WPKH_SCRIPT]),
    kickoff: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WSH_SCRIPT]),
  };
}
