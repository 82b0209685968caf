/**
 * The duplex channel's one vocabulary of transaction kinds: inspect reports
 * them and the watch policy names what it sees in them. Named for the
 * construction, so no other construction's kind is taken.
 */

/** The transactions of a duplex channel. */
export type DuplexTxKind =
  | 'duplex-setup' | 'duplex-kickoff' | 'duplex-node' | 'duplex-leaf'
  | 'duplex-simplex-payment' | 'duplex-simplex-refund' | 'duplex-close';

/** Each kind in words, for a person. */
export const DUPLEX_KIND_LABELS: Readonly<Record<DuplexTxKind, string>> = {
  'duplex-setup': 'duplex channel setup (dual-funded)',
  'duplex-kickoff': 'duplex channel kickoff',
  'duplex-node': 'duplex channel tree node',
  'duplex-leaf': 'duplex channel leaf (funds both simplex channels)',
  'duplex-simplex-payment': 'duplex channel simplex payment',
  'duplex-simplex-refund': 'duplex channel simplex refund',
  'duplex-close': 'duplex channel cooperative close',
};
