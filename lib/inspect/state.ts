/**
 * The state number a transaction carries, as the report gives it: obscured
 * in nLockTime/nSequence by a factor of the two funding keys (BOLT 3's
 * scheme), and read as far as the keys in view allow. The funding script
 * holds the keys sorted, not in role order, so with both keys known there
 * are two candidates; a construction that numbers its states this way reads
 * them (the revocable construction's inspect/state.ts) and inspect renders
 * the reading.
 */

/** How a {@link StateReading}'s number was settled. */
export type StateBasis =
  /** The caller named the sender's funding key: exact. */
  | 'sender-funding-key'
  /** One key order gives a plausible state, the other does not. */
  | 'plausible-order'
  /** Both or neither key order gives a plausible state. */
  | 'ambiguous'
  /** The funding keys are not visible: only the obscured value is known. */
  | 'keys-unknown';

/** The state number a payment version carries, read as far as the keys in view allow. */
export interface StateReading {
  /** The transaction whose nLockTime/nSequence carry the state (this one, or the sender's version a claim spends). */
  readonly txid: string;
  /** Its nLockTime. */
  readonly locktime: number;
  /** Its input's nSequence. */
  readonly sequence: number;
  /** state XOR obscuring factor: the 48 bits the transaction carries. */
  readonly obscured: bigint;
  /** The state number, when `basis` settles it. */
  readonly number?: bigint;
  /** How the number was settled, or why it was not. */
  readonly basis: StateBasis;
  /** The state for each choice of sender's funding key. */
  readonly candidates: readonly {
    /** The key taken as the sender's, hex. */
    readonly senderFundingKey: string;
    /** The state that choice gives. */
    readonly state: bigint;
  }[];
}
