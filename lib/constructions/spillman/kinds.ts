/**
 * The Spillman construction's one vocabulary of transaction kinds: inspect
 * reports them and the watch policies name what they see in them. Named for
 * the construction, so no other construction's kind is taken.
 */

/** The transactions of a Spillman channel. */
export type SpillmanTxKind = 'spillman-funding' | 'spillman-refund' | 'spillman-payment' | 'spillman-close';

/** Each kind in words, for a person. */
export const SPILLMAN_KIND_LABELS: Readonly<Record<SpillmanTxKind, string>> = {
  'spillman-funding': 'Spillman funding',
  'spillman-refund': 'Spillman refund',
  'spillman-payment': 'Spillman payment',
  'spillman-close': 'Spillman cooperative close',
};
