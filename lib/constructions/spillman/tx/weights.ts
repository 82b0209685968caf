/**
 * The Spillman construction's transaction weights, at their largest
 * (signatures at 73 bytes), from which its fees are computed. Both forms pay
 * two P2WPKH outputs in a payment or close and one in a refund; they differ
 * only in the funding input's witness.
 */
import { fail } from '../../../core/errors';
import { maxWitnessSize } from '../../../script/witness';
import { FUNDING_SPEND_INPUT, InputShape, segwitTxWeight } from '../../../tx/weights';
import { SPILLMAN_CLTV_TEMPLATE } from '../templates';

const P2WPKH_LEN = 22;

/** The weights of a form's transactions. */
export interface SpillmanWeights {
  /** A payment or the close: the funding input, two P2WPKH outputs. */
  readonly payment: number;
  /** The refund: the funding input on the refund path, one P2WPKH output. */
  readonly refund: number;
}

const FORM_C_PAYMENT_INPUT: InputShape = { scriptSigLength: 0, witnessSize: maxWitnessSize(SPILLMAN_CLTV_TEMPLATE, 'payment') };
const FORM_C_REFUND_INPUT: InputShape = { scriptSigLength: 0, witnessSize: maxWitnessSize(SPILLMAN_CLTV_TEMPLATE, 'refund') };

const WEIGHTS: Readonly<Record<'S' | 'C', SpillmanWeights>> = {
  S: {
    payment: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN, P2WPKH_LEN]),
    refund: segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN]),
  },
  C: {
    payment: segwitTxWeight([FORM_C_PAYMENT_INPUT], [P2WPKH_LEN, P2WPKH_LEN]),
    refund: segwitTxWeight([FORM_C_REFUND_INPUT], [P2WPKH_LEN]),
  },
};

/**
 * The weights of a form's payment (and close) and refund.
 *
 * @param form - `S` or `C`.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `form` is neither.
 */
export function spillmanWeights(form: 'S' | 'C'): SpillmanWeights {
  if (form !== 'S' && form !== 'C') fail('INVALID_ARGUMENT', 'form must be S or C');
  return WEIGHTS[form];
}
