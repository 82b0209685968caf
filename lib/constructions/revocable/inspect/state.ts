/**
 * Reading the state number of a payment version. nLockTime and nSequence carry
 * it XORed with the obscuring factor SHA256(S_f || R_f), and the funding
 * script holds the two keys sorted, not in role order. So with both keys known
 * there are two candidates. Unless the caller names the sender's funding key,
 * the plausible one is taken: real states are counts of payments, far below
 * 2^32 (136 years at one payment a second), while the wrong order gives a
 * uniformly random 48-bit number, below 2^32 only once in 65,536 channels.
 */
import { Transaction } from 'bitcoinjs-lib';
import { fail } from '../../../core/errors';
import { bytesEqual, toHex } from '../../../core/hash';
import { PublicKey } from '../../../core/types';
import { StateReading } from '../../../inspect/state';
import { decodeObscuredIndex, deriveObscuringFactor } from '../tx/state-number';

/** States below 2^32 are plausible; the wrong key order gives one below it only once in 65,536 channels. */
export const PLAUSIBLE_STATE_LIMIT = 1n << 32n;

/** The obscured 48 bits, or undefined if nLockTime/nSequence do not have the state encoding's fixed top bytes. */
export function obscuredState(tx: Transaction): bigint | undefined {
  const input = tx.ins[0];
  if (tx.ins.length !== 1 || input === undefined) return undefined;
  return decodeObscuredIndex(tx.locktime, input.sequence, 0n);
}

export function readState(
  tx: Transaction,
  fundingKeys: readonly [Uint8Array, Uint8Array] | undefined,
  senderFundingKey?: Uint8Array,
): StateReading | undefined {
  const obscured = obscuredState(tx);
  if (obscured === undefined) return undefined;
  const base = { txid: tx.getId(), locktime: tx.locktime, sequence: tx.ins[0]!.sequence, obscured };
  if (fundingKeys === undefined) return { ...base, basis: 'keys-unknown', candidates: [] };
  const [a, b] = fundingKeys;
  const candidates = [[a, b], [b, a]].map(([s, r]) => ({
    senderFundingKey: toHex(s!),
    state: obscured ^ deriveObscuringFactor(s as PublicKey, r as PublicKey),
  }));
  if (senderFundingKey !== undefined) {
    const c = candidates.find((x) => x.senderFundingKey === toHex(senderFundingKey));
    if (c === undefined || !(bytesEqual(senderFundingKey, a) || bytesEqual(senderFundingKey, b))) {
      fail('INVALID_KEY', 'the sender funding key given is not one of the funding script\'s two keys');
    }
    return { ...base, number: c.state, basis: 'sender-funding-key', candidates };
  }
  const plausible = candidates.filter((c) => c.state < PLAUSIBLE_STATE_LIMIT);
  if (plausible.length === 1) return { ...base, number: plausible[0]!.state, basis: 'plausible-order', candidates };
  return { ...base, basis: 'ambiguous', candidates };
}
