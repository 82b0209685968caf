/**
 * The duplex channel's transaction weights, at their largest (73-byte
 * signatures), from which every fee is computed. Each is counted with every
 * output it may have, so a fee never depends on whether a balance is 0 and
 * both parties compute the same.
 */
import { maxWitnessSize } from '../../../script/witness';
import { FUNDING_SPEND_INPUT, InputShape, segwitTxWeight } from '../../../tx/weights';
import { DUPLEX_SIMPLEX_TEMPLATE } from '../templates';

const P2WPKH_LEN = 22;
const P2WSH_LEN = 34;

const SIMPLEX_PAYMENT_INPUT: InputShape = { scriptSigLength: 0, witnessSize: maxWitnessSize(DUPLEX_SIMPLEX_TEMPLATE, 'payment') };
const SIMPLEX_REFUND_INPUT: InputShape = { scriptSigLength: 0, witnessSize: maxWitnessSize(DUPLEX_SIMPLEX_TEMPLATE, 'refund') };

/** The weights of a duplex channel's transactions. */
export interface DuplexWeights {
  /** The kickoff and each inner tree node: a 2-of-2 input, a 2-of-2 output. */
  readonly node: number;
  /** The leaf: a 2-of-2 input, the two simplex outputs. */
  readonly leaf: number;
  /** A simplex payment: the simplex input, the payee's and the payer's P2WPKH outputs. */
  readonly simplexPayment: number;
  /** A simplex refund: the simplex input, the payer's P2WPKH output. */
  readonly simplexRefund: number;
  /** The cooperative close: the setup's 2-of-2 input, both parties' P2WPKH outputs. */
  readonly close: number;
}

/**
 * The channel's transaction weights; they do not depend on the channel.
 *
 * @returns Each kind's weight in weight units.
 */
export function duplexWeights(): DuplexWeights {
  return {
    node: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WSH_LEN]),
    leaf: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WSH_LEN, P2WSH_LEN]),
    simplexPayment: segwitTxWeight([SIMPLEX_PAYMENT_INPUT], [P2WPKH_LEN, P2WPKH_LEN]),
    simplexRefund: segwitTxWeight([SIMPLEX_REFUND_INPUT], [P2WPKH_LEN]),
    close: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN, P2WPKH_LEN]),
  };
}
