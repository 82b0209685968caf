/**
 * The decreasing-lock channel's inspect answers. Its transactions spend the
 * core's 2-of-2 and carry no script of their own, so inspect can only tell
 * them by shape; the state index needs the channel's L_0 and Δ, which no
 * transaction shows (decreasingIndexOfLockTime reads it with them).
 */
import { TxInspector } from '../../../inspect/inspector';
import { DECREASING_KIND_LABELS } from '../kinds';

/** The construction's inspector. */
export const DECREASING_INSPECTOR: TxInspector = {
  name: 'decreasing',
  kinds: DECREASING_KIND_LABELS,
  valueRoles: {},
  recognize() {
    return { notMine: 'a decreasing-lock channel\'s transactions are told apart only with its terms' };
  },
  describeVariant() {
    return 'not a decreasing-lock channel\'s lock';
  },
};
