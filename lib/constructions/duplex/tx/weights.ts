/**
 * The duplex channel's transaction weights, at their largest (73-byte
 * signatures), from which every fee is computed. Each is counted with every
 * output it may have, so a fee never depends on whether a balance is 0 and
 * both parties compute the same. With anchors, the kickoff, every node and
 * the leaf carry two more P2WSH outputs.
 */
import { fail } from '../../../core/errors';
import { maxWitnessSize } from '../../../script/witness';
import { ANCHOR_INPUT, ANCHOR_OUTPUT_SCRIPT_LENGTH } from '../../../tx/anchor';
import { FUNDING_SPEND_INPUT, InputShape, P2WPKH_INPUT, segwitTxWeight } from '../../../tx/weights';
import { DUPLEX_SIMPLEX_TEMPLATE } from '../templates';

const P2WPKH_LEN = 22;
const P2WSH_LEN = 34;

const SIMPLEX_PAYMENT_INPUT: InputShape = { scriptSigLength: 0, witnessSize: maxWitnessSize(DUPLEX_SIMPLEX_TEMPLATE, 'payment') };
const SIMPLEX_REFUND_INPUT: InputShape = { scriptSigLength: 0, witnessSize: maxWitnessSize(DUPLEX_SIMPLEX_TEMPLATE, 'refund') };

/** The weights of a duplex channel's transactions. */
export interface DuplexWeights {
  /** The kickoff and each inner tree node: a 2-of-2 input, a 2-of-2 output (and the two anchors). */
  readonly node: number;
  /** The leaf: a 2-of-2 input, the two simplex outputs (and the two anchors). */
  readonly leaf: number;
  /** A simplex payment: the simplex input, the payee's and the payer's P2WPKH outputs. */
  readonly simplexPayment: number;
  /** A simplex refund: the simplex input, the payer's P2WPKH output. */
  readonly simplexRefund: number;
  /** The cooperative close: the setup's 2-of-2 input, both parties' P2WPKH outputs, never an anchor (both agree its fee). */
  readonly close: number;
  /** A child through an anchor and one P2WPKH fee coin, paying one P2WPKH output. */
  readonly anchorChild: number;
}

/**
 * The channel's transaction weights; they depend only on whether it has anchors.
 *
 * @param anchors - Whether the tree's transactions carry anchor outputs (default true, as {@link verifyDuplexParams}).
 * @returns Each kind's weight in weight units.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `anchors` is given and not a boolean.
 */
export function duplexWeights(anchors = true): DuplexWeights {
  if (typeof anchors !== 'boolean') fail('INVALID_ARGUMENT', 'anchors must be a boolean');
  const extra = anchors ? [ANCHOR_OUTPUT_SCRIPT_LENGTH, ANCHOR_OUTPUT_SCRIPT_LENGTH] : [];
  return {
    node: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WSH_LEN, ...extra]),
    leaf: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WSH_LEN, P2WSH_LEN, ...extra]),
    simplexPayment: segwitTxWeight([SIMPLEX_PAYMENT_INPUT], [P2WPKH_LEN, P2WPKH_LEN]),
    simplexRefund: segwitTxWeight([SIMPLEX_REFUND_INPUT], [P2WPKH_LEN]),
    close: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN, P2WPKH_LEN]),
    anchorChild: segwitTxWeight([ANCHOR_INPUT, P2WPKH_INPUT], [P2WPKH_LEN]),
  };
}
