/**
 * The decreasing-lock channel's transaction weights, from which every fee is
 * computed. Every state is counted with both balance outputs, so the fee does
 * not depend on whether a balance is 0, and both parties compute the same.
 * With anchors, each state and the kickoff carry two more P2WSH outputs.
 */
import { fail } from '../../../core/errors';
import { ANCHOR_INPUT } from '../../../tx/anchor';
import { FUNDING_SPEND_INPUT, P2WPKH_INPUT, segwitTxWeight } from '../../../tx/weights';

const P2WPKH_SCRIPT = 22;
const P2WSH_SCRIPT = 34;

/** The channel's maximum weights. */
export interface DecreasingWeights {
  /** A state: the 2-of-2 input, a's and b's P2WPKH outputs (and the two anchors). */
  readonly state: number;
  /** The kickoff: the funding 2-of-2 input, the kickoff's 2-of-2 output (and the two anchors). */
  readonly kickoff: number;
  /** The cooperative close: the 2-of-2 input, a's and b's P2WPKH outputs, never an anchor (both parties agree its fee). */
  readonly close: number;
  /** A child through an anchor and one P2WPKH fee coin, paying one P2WPKH output. */
  readonly anchorChild: number;
}

/**
 * The channel's transaction weights; they depend only on whether it has anchors.
 *
 * @param anchors - Whether states and the kickoff carry anchor outputs (default true, as {@link verifyDecreasingParams}).
 * @returns The weights in weight units.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `anchors` is given and not a boolean.
 */
export function decreasingWeights(anchors = true): DecreasingWeights {
  if (typeof anchors !== 'boolean') fail('INVALID_ARGUMENT', 'anchors must be a boolean');
  const extra = anchors ? [P2WSH_SCRIPT, P2WSH_SCRIPT] : [];
  return {
    state: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_SCRIPT, P2WPKH_SCRIPT, ...extra]),
    kickoff: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WSH_SCRIPT, ...extra]),
    close: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_SCRIPT, P2WPKH_SCRIPT]),
    anchorChild: segwitTxWeight([ANCHOR_INPUT, P2WPKH_INPUT], [P2WPKH_SCRIPT]),
  };
}
