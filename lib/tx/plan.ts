/**
 * A transaction plan: an unsigned transaction with what a signer must know
 * of each output it spends and of the scripts it pays. Every construction's
 * builders can describe their transactions this way, and lib/psbt turns any
 * plan into a PSBT without knowing which construction made it.
 */
import type { Transaction } from 'bitcoinjs-lib';
import type { TxOut } from './outputs';

/** One input of a plan: the output it spends, and the scripts that unlock it. */
export interface PlannedInput {
  /** The output it spends (a PSBT's witnessUtxo). */
  readonly prevout: TxOut;
  /** The witness script of a P2WSH output. */
  readonly witnessScript?: Uint8Array;
  /** The redeem script of a P2SH-wrapped segwit coin. */
  readonly redeemScript?: Uint8Array;
  /** The whole transaction that made the output, serialized (a PSBT's nonWitnessUtxo). */
  readonly prevTx?: Uint8Array;
}

/** An unsigned transaction and what its inputs spend and its P2WSH outputs pay. */
export interface TxPlan {
  /** The unsigned transaction. */
  readonly tx: Transaction;
  /** One per input of `tx`, in order. */
  readonly inputs: readonly PlannedInput[];
  /** The witness scripts of its P2WSH outputs, as far as they are known, in any order. */
  readonly outputWitnessScripts: readonly Uint8Array[];
}
