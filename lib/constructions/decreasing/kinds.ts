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
  // The duplex channel's kickoff and close have the very same shape: no field tells them apart.
  'decreasing-kickoff': 'a kickoff (decreasing-lock or duplex channel: the shape is the same)',
  'decreasing-close': 'a cooperative close (decreasing-lock or duplex channel: the shape is the same)',
};
