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
  // the transaction's nLockTime, nSequence or version does not meet the branch's locks: build it with fields that do
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
  // an output the update would create is below its dust limit: pay more at once
  | 'AMOUNT_BELOW_DUST'
  | 'UPDATE_KEY_REUSED'
  | 'CHANNEL_CLOSED'
  | 'CHANNEL_EXPIRED'
  | 'PAYMENT_PENDING'
  | 'FUNDING_NOT_CONFIRMED'
  // the funding transaction the receiver was shown is not the agreed one (details.field: txid, vout, value or script)
  | 'FUNDING_MISMATCH'
  // the funding, once deep, left the chain and a confirmed transaction spent one of its inputs: the channel holds nothing
  | 'FUNDING_DOUBLE_SPENT'
  | 'CHANNEL_ALREADY_WATCHED'
  | 'FEE_RATE_REFUSED'
  | 'STATE_INVALID'
  // chain
  | 'BROADCAST_REJECTED'
  | 'CHAIN_BACKEND'
  | 'NOT_FOUND'
  // stores: another writer saved the key since it was loaded (details.key, details.expected, details.found)
  | 'STORE_CONFLICT'
  // the store could not be reached or failed the write; nothing was saved
  | 'STORE_UNAVAILABLE'
  // services: a bound the operator set is reached (channels not yet funded, messages on one connection); details.limit names it
  | 'LIMIT_REACHED'
  // HTLCs: more than a version may carry (details.limit), or trimmed dust HTLCs over the channel's bound (details.exposure, details.limit)
  | 'HTLC_TOO_MANY'
  | 'HTLC_DUST_EXPOSURE'
  // a preimage that does not hash to the HTLC's H
  | 'HTLC_PREIMAGE_MISMATCH'
  // an HTLC's expiry too close to the tip, or past what the channel can still enforce
  | 'HTLC_EXPIRY_TOO_SOON'
  | 'HTLC_EXPIRY_PAST_CHANNEL'
  // no HTLC with that id (or no output of it in the transaction)
  | 'HTLC_UNKNOWN'
  // the channel was opened without HTLC terms (open_channel's htlc, accept_channel's R_h): it carries no HTLCs
  | 'HTLC_NOT_NEGOTIATED'
  // an HTLC removed as failed before its expiry without the receiver's fail: wait for the expiry or the receiver's fail
  | 'HTLC_NOT_EXPIRED';

/**
 * What the caller should do after a refusal, whatever it was doing (LDK's
 * `ErrorAction` is the model):
 * - `ignore`: the call or message was refused and nothing changed; drop the
 *   message (or fix the call) and carry on with the channel as it was.
 * - `retry`: a condition that passes with time (confirmations, a payment in
 *   flight, the node); the same step may succeed later.
 * - `close`: the channel cannot safely go on (the counterparty broke the
 *   protocol, the funding is not the agreed one, the expiry is near, saved
 *   state is damaged); stop paying or delivering and close it on chain with
 *   the latest state you hold.
 */
export type ErrorAction = 'ignore' | 'retry' | 'close';

/**
 * Each code's usual action. A few codes mean something else where they are
 * raised (an expiry that refuses a new channel closes nothing); the throw
 * site then says so, and {@link ChannelError.action} carries its answer.
 */
export const ERROR_ACTIONS: Readonly<Record<ErrorCode, ErrorAction>> = {
  INVALID_ARGUMENT: 'ignore',
  INVALID_KEY: 'ignore',
  INVALID_AMOUNT: 'ignore',
  INVALID_TIMELOCK: 'ignore',
  INVALID_FEE_RATE: 'ignore',
  INVALID_SCRIPT: 'ignore',
  INVALID_SIGNATURE: 'ignore',
  INVALID_TRANSACTION: 'ignore',
  NON_SEGWIT_INPUT: 'ignore',
  FEE_EXCEEDS_OUTPUT: 'ignore',
  INSUFFICIENT_FUNDS: 'ignore',
  SCRIPT_TOO_LONG: 'ignore',
  TEMPLATE_ARGUMENT: 'ignore',
  TEMPLATE_DUPLICATE: 'ignore',
  TEMPLATE_AMBIGUOUS: 'ignore',
  PREIMAGE_MISMATCH: 'ignore',
  NOTHING_TO_CLAIM: 'ignore',
  INVALID_ECC_LIB: 'ignore',
  NOT_A_CHANNEL_TX: 'ignore',
  PSBT_MISMATCH: 'ignore',
  PSBT_INVALID: 'ignore',
  // More signatures may arrive: finalize again once they have.
  PSBT_INCOMPLETE: 'retry',
  // The locks are the transaction's own fields: waiting changes nothing, a transaction built with them does.
  LOCK_NOT_MET: 'ignore',
  // Name the branch (finalizePsbt options.branches) and finalize again.
  BRANCH_AMBIGUOUS: 'ignore',
  SECRET_INDEX_OUT_OF_RANGE: 'ignore',
  // A revoke whose secret does not open the revoked state: the sender keeps
  // a spendable old state, so nothing more may be delivered on this channel.
  REVOKED_SECRET_MISMATCH: 'close',
  SECRET_STORE_INCONSISTENT: 'close',
  MESSAGE_INVALID: 'ignore',
  MESSAGE_UNKNOWN_TYPE: 'ignore',
  MESSAGE_UNSUPPORTED_VERSION: 'ignore',
  WRONG_CHANNEL: 'ignore',
  UNEXPECTED_MESSAGE: 'ignore',
  UPDATE_INDEX_MISMATCH: 'ignore',
  UPDATE_NOT_MONOTONIC: 'ignore',
  AMOUNT_EXCEEDS_CAPACITY: 'ignore',
  AMOUNT_BELOW_DUST: 'ignore',
  UPDATE_KEY_REUSED: 'ignore',
  CHANNEL_CLOSED: 'ignore',
  // Past the payment cutoff of a CLTV channel: close before the sender's refund unlocks.
  CHANNEL_EXPIRED: 'close',
  PAYMENT_PENDING: 'retry',
  FUNDING_NOT_CONFIRMED: 'retry',
  FUNDING_MISMATCH: 'close',
  FUNDING_DOUBLE_SPENT: 'close',
  CHANNEL_ALREADY_WATCHED: 'ignore',
  FEE_RATE_REFUSED: 'ignore',
  STATE_INVALID: 'close',
  BROADCAST_REJECTED: 'retry',
  CHAIN_BACKEND: 'retry',
  NOT_FOUND: 'retry',
  // Load the stored state again and apply the message to it.
  STORE_CONFLICT: 'retry',
  STORE_UNAVAILABLE: 'retry',
  // Later, once what holds the bound has gone (unfunded channels expire): nothing was done.
  LIMIT_REACHED: 'retry',
  // Refused with nothing changed: offer fewer or larger HTLCs, or settle some first.
  HTLC_TOO_MANY: 'ignore',
  HTLC_DUST_EXPOSURE: 'ignore',
  // The preimage is not the one the HTLC pays for: keep waiting for the right one (or the expiry).
  HTLC_PREIMAGE_MISMATCH: 'ignore',
  HTLC_EXPIRY_TOO_SOON: 'ignore',
  HTLC_EXPIRY_PAST_CHANNEL: 'ignore',
  HTLC_UNKNOWN: 'ignore',
  // Open a channel with HTLC terms to carry HTLCs; this one still takes plain payments.
  HTLC_NOT_NEGOTIATED: 'ignore',
  // Passes with time: from the expiry the sender may fail the HTLC alone.
  HTLC_NOT_EXPIRED: 'retry',
};

/** Options of a {@link ChannelError} beyond its code and message. */
export interface ChannelErrorOptions {
  /** Overrides the code's usual action where the code means something else. */
  readonly action?: ErrorAction;
}

/**
 * The one error revchan throws. Branch on {@link ChannelError.code} (stable),
 * act on {@link ChannelError.action}; the message is for people and may change.
 *
 * @example
 * ```ts
 * try {
 *   receiver.onOffer(offer);
 * } catch (e) {
 *   if (!isChannelError(e)) throw e;
 *   if (e.action === 'close') await closeChannel();
 *   else if (e.code === 'FUNDING_NOT_CONFIRMED') await later();
 * }
 * ```
 */
export class ChannelError extends Error {
  /** What went wrong, from a fixed list. */
  readonly code: ErrorCode;
  /** Facts about it (the field, the value, the node's reason), when there are any. */
  readonly details?: Record<string, unknown>;
  /** What the caller should do now: see {@link ErrorAction}. */
  readonly action: ErrorAction;

  /**
   * @param code - What went wrong.
   * @param message - It in words; `code: ` is put before it.
   * @param details - Facts for a program to read.
   * @param options - An action other than the code's usual one.
   */
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ChannelErrorOptions) {
    super(`${code}: ${message}`);
    this.name = 'ChannelError';
    this.code = code;
    if (details !== undefined) this.details = details;
    this.action = options?.action ?? ERROR_ACTIONS[code] ?? 'ignore';
  }
}

/**
 * Throw a {@link ChannelError} with the given code; it never returns.
 *
 * @param code - What went wrong.
 * @param message - It in words.
 * @param details - Facts for a program to read.
 * @param options - An action other than the code's usual one.
 */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ChannelErrorOptions): never {
  throw new ChannelError(code, message, details, options);
}

/**
 * Whether `e` is a {@link ChannelError}, of `code` if one is given.
 *
 * @param e - Anything caught.
 * @param code - The code to look for; any code if absent.
 */
export function isChannelError(e: unknown, code?: ErrorCode): e is ChannelError {
  return e instanceof ChannelError && (code === undefined || e.code === code);
}
