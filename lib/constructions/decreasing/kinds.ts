/**
 * The decreasing-lock channel's one vocabulary of transaction kinds: inspect
 * reports them and the watch policy names what it sees in them. Named for
 * the construction, so no other construction's kind is taken.
 */

/** The transactions of a decreasing-lock channel. */
export type DecreasingTxKind = 'decreasing-state' | 'decreasing-kickoff' | 'decreasing-close';

/** Each kind in words, for a person. */
export const DECREASING_KIND_LABELS: Readonly<Record<DecreasingTxKind, string>> = {
  'decreasing-state': 'decreasing-lock channel state',
  'decreasing-kickoff': 'decreasing-lock channel kickoff',
  'decreasing-close': 'decreasing-lock channel cooperative close',
};
