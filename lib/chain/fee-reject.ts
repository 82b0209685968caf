/**
 * Whether a node refused a transaction because it pays too little, so that a
 * watcher bumps the fee (or adds a child) instead of treating the refusal as
 * final. Reads `details.reason` of a BROADCAST_REJECTED, as both backends fill
 * it: bcoin's reason string, or Bitcoin Core's RPC message, which is
 * `reason[, debug]` since 0.20 and `code: reason` before.
 *
 * Bitcoin Core (src/validation.cpp):
 *   'min relay fee not met'   below -minrelaytxfee
 *   'mempool min fee not met' below the rolling floor of a full mempool
 *   'mempool full'            accepted, then trimmed away at once
 *   'insufficient fee'        a replacement paying too little (BIP 125 rules
 *                             3, 4, 6; ' (including sibling eviction)' for TRUC)
 *   'replacement-failed'      a replacement that does not improve the
 *                             feerate diagram (cluster mempool)
 *   'insufficient priority'   below the relay fee, before 0.15
 *   'package RBF failed: ...' the fee parts of a package replacement
 * bcoin 1.0.2 (mempool/mempool.js, all with reject code 'insufficientfee'):
 *   'insufficient priority'   below its minRelay, for a transaction whose
 *                             coins are too young to relay free
 *   'rate limited free transaction', 'mempool full'
 */
import { isChannelError } from '../errors';

const FEE_REASONS: ReadonlySet<string> = new Set([
  'min relay fee not met',
  'mempool min fee not met',
  'mempool full',
  'insufficient fee',
  'insufficient fee (including sibling eviction)',
  'replacement-failed',
  'insufficient priority',
  'rate limited free transaction',
  'package RBF failed: insufficient anti-DoS fees',
  'package RBF failed: package feerate is less than or equal to parent feerate',
  'package RBF failed: insufficient feerate: does not improve feerate diagram',
]);

/** The reason without Core's debug part (after ', ') or its old numeric prefix ('66: '). */
function bareReason(reason: string): string {
  const unnumbered = reason.replace(/^\d+: /, '');
  const comma = unnumbered.indexOf(', ');
  return (comma < 0 ? unnumbered : unnumbered.slice(0, comma)).trim();
}

/**
 * Whether `e` is a node's refusal of a transaction for its fee, which a higher fee (or a child) can overcome.
 *
 * @param e - Anything caught from a broadcast.
 * @returns True for a `BROADCAST_REJECTED` whose `details.reason` is a fee reason of Bitcoin Core or bcoin.
 */
export function isFeeRejection(e: unknown): boolean {
  if (!isChannelError(e, 'BROADCAST_REJECTED')) return false;
  const reason = e.details?.reason;
  return typeof reason === 'string' && FEE_REASONS.has(bareReason(reason));
}
