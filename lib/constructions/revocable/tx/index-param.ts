/**
 * The index of payment params, under its name or its deprecated one: until
 * the old spelling `state` goes, a caller may give either, never two that
 * disagree. Internal, not part of the construction's API.
 */
import { fail } from '../../../core/errors';
import { checkIndex } from './state-number';

/** The checked index of `p`, whose own `index` or `state` (the old name) holds it. */
export function paymentIndex(p: { readonly index?: unknown; readonly state?: unknown }): bigint {
  const { index, state } = p;
  if (index !== undefined && state !== undefined && index !== state) fail('INVALID_ARGUMENT', 'index and its old name state disagree');
  return checkIndex((index ?? state) as bigint);
}
