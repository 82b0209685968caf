/**
 * Every failure revchan reports is a ChannelError with a stable `code`.
 * Callers and tests branch on the code; messages are for people and may change.
 */
export type ErrorCode =
  // argument validation at a public boundary
  | 'INVALID_ARGUMENT'
  | 'INVALID_KEY'
  | 'INVALID_AMOUNT'
  | 'INVALID_TIMELOCK'
  | 'INVALID_FEE_RATE'
  | 'INVALID_SCRIPT'
  | 'INVALID_SIGNATURE'
  | 'INVALID_TRANSACTION'
  | 'NON_SEGWIT_INPUT'
  | 'FEE_EXCEEDS_OUTPUT'
  | 'INSUFFICIENT_FUNDS'
  | 'SCRIPT_TOO_LONG'
  | 'TEMPLATE_ARGUMENT'
  // the template registry: a name taken, or a template that could match a registered one's scripts (details.conflictsWith)
  | 'TEMPLATE_DUPLICATE'
  | 'TEMPLATE_AMBIGUOUS'
  // a preimage that does not hash to the value its script or PSBT record names
  | 'PREIMAGE_MISMATCH'
  | 'NOTHING_TO_CLAIM'
  // useEcc was given a library without EccLib's functions or with other answers
  | 'INVALID_ECC_LIB'
  // a PSBT or transaction that parses but is none of the channel's transactions
  | 'NOT_A_CHANNEL_TX'
  // PSBT handling
  | 'PSBT_MISMATCH'
  | 'PSBT_INVALID'
  | 'PSBT_INCOMPLETE'
  // the transaction's nLockTime, nSequence or version does not meet the branch's locks: wait, or build it with them
  | 'LOCK_NOT_MET'
  // several branches are satisfiable: the caller names one (finalizePsbt options.branches)
  | 'BRANCH_AMBIGUOUS'
  // per-update secrets
  | 'SECRET_INDEX_OUT_OF_RANGE'
  | 'REVOKED_SECRET_MISMATCH'
  | 'SECRET_STORE_INCONSISTENT'
  // channel protocol
  | 'MESSAGE_INVALID'
  | 'MESSAGE_UNKNOWN_TYPE'
  | 'MESSAGE_UNSUPPORTED_VERSION'
  | 'WRONG_CHANNEL'
  | 'UNEXPECTED_MESSAGE'
  | 'UPDATE_INDEX_MISMATCH'
  | 'UPDATE_NOT_MONOTONIC'
  | 'AMOUNT_EXCEEDS_CAPACITY'
  | 'UPDATE_KEY_REUSED'
  | 'CHANNEL_CLOSED'
  | 'CHANNEL_EXPIRED'
  | 'PAYMENT_PENDING'
  | 'FUNDING_NOT_CONFIRMED'
  // the funding transaction the receiver was shown is not the agreed one (details.field: txid, vout, value or script)
  | 'FUNDING_MISMATCH'
  | 'CHANNEL_ALREADY_WATCHED'
  | 'FEE_RATE_REFUSED'
  | 'STATE_INVALID'
  // chain
  | 'BROADCAST_REJECTED'
  | 'CHAIN_BACKEND'
  | 'NOT_FOUND';

export class ChannelError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(`${code}: ${message}`);
    this.name = 'ChannelError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new ChannelError(code, message, details);
}

export function isChannelError(e: unknown, code?: ErrorCode): e is ChannelError {
  return e instanceof ChannelError && (code === undefined || e.code === code);
}
