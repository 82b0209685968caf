/**
 * Maximum weights, from which every fee is computed. Signatures are counted at
 * 73 bytes (the DER maximum plus the sighash byte), so both parties, whatever
 * signatures they end up with, compute the same fee and so the same bytes.
 */
import { expectArray, expectCount, expectObject } from '../arguments';
import { FUNDING_TEMPLATE, ScriptTemplate } from '../scripts/templates';
import { maxWitnessSize } from '../scripts/witness';

/** What an input adds to a transaction's weight beyond its outpoint and nSequence. */
export interface InputShape {
  /** The scriptSig's length in bytes: 0 for a native segwit input. */
  readonly scriptSigLength: number;
  /** Serialized witness including its item count; 1 for an input without witness. */
  readonly witnessSize: number;
}

function varintSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

/**
 * The serialized size of an output in bytes.
 *
 * @param scriptLength - The output script's length in bytes.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `scriptLength` is not a non-negative integer.
 */
export function outputSize(scriptLength: number): number {
  expectCount(scriptLength, 'script length');
  return 8 + varintSize(scriptLength) + scriptLength;
}

/**
 * The weight of a segwit transaction with these inputs and outputs.
 *
 * @param inputs - The inputs' shapes.
 * @param outputScriptLengths - The length of each output's script.
 * @returns The weight in weight units.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if an argument is not an array or a shape's length is not a non-negative integer.
 */
export function segwitTxWeight(inputs: readonly InputShape[], outputScriptLengths: readonly number[]): number {
  expectArray(inputs, 'inputs');
  expectArray(outputScriptLengths, 'output script lengths');
  for (const i of inputs) {
    expectObject(i, 'input shape');
    expectCount(i.scriptSigLength, 'scriptSigLength');
    expectCount(i.witnessSize, 'witnessSize');
  }
  let base = 4 + varintSize(inputs.length) + varintSize(outputScriptLengths.length) + 4;
  let witness = 2; // marker and flag
  for (const i of inputs) {
    base += 32 + 4 + varintSize(i.scriptSigLength) + i.scriptSigLength + 4;
    witness += i.witnessSize;
  }
  for (const len of outputScriptLengths) base += outputSize(len);
  return base * 4 + witness;
}

const P2WPKH_LEN = 22;
const P2WSH_LEN = 34;

/** The funding output's 2-of-2 spend: two signatures at their largest. */
export const FUNDING_SPEND_INPUT: InputShape = { scriptSigLength: 0, witnessSize: maxWitnessSize(FUNDING_TEMPLATE, 'multisig') };
/** P2WPKH spend: count, 73-byte signature, 33-byte key. */
export const P2WPKH_INPUT: InputShape = { scriptSigLength: 0, witnessSize: 1 + 74 + 34 };
/** P2WPKH nested in P2SH: the 23-byte scriptSig pushing the witness program, the P2WPKH witness. */
export const P2SH_P2WPKH_INPUT: InputShape = { scriptSigLength: 23, witnessSize: 1 + 74 + 34 };
/** Taproot key path: count, 65-byte signature (64 plus a sighash byte at most). */
export const P2TR_KEYPATH_INPUT: InputShape = { scriptSigLength: 0, witnessSize: 1 + 66 };

/** Sender's version: receiver P2WPKH + revocable P2WSH. Both versions use this, so their amounts match. */
export const PAYMENT_WEIGHT = segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN, P2WSH_LEN]);
/** Cooperative close: two P2WPKH outputs. */
export const CLOSE_WEIGHT = segwitTxWeight([FUNDING_SPEND_INPUT], [P2WPKH_LEN, P2WPKH_LEN]);

/**
 * The shape of a spend of a revocable output.
 *
 * @param t - The revocable template.
 * @param branch - Which branch spends it.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a valid template or has no such branch.
 */
export function revocableInput(t: ScriptTemplate, branch: 'penalty' | 'timeout'): InputShape {
  return { scriptSigLength: 0, witnessSize: maxWitnessSize(t, branch) };
}

/**
 * The weight of a penalty transaction.
 *
 * @param t - The revocable output's template.
 * @param sweepsReceiverOutput - Whether the claim also spends the receiver's own P2WPKH output.
 * @param destinationLength - The length of the claim's output script.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `destinationLength` is not a non-negative integer.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a valid template or has no penalty branch.
 */
export function penaltyWeight(t: ScriptTemplate, sweepsReceiverOutput: boolean, destinationLength: number): number {
  expectCount(destinationLength, 'destination length');
  const inputs = [revocableInput(t, 'penalty')];
  if (sweepsReceiverOutput) inputs.push(P2WPKH_INPUT);
  return segwitTxWeight(inputs, [destinationLength]);
}

/**
 * The weight of the sender's timeout claim.
 *
 * @param t - The revocable output's template.
 * @param destinationLength - The length of the claim's output script.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `destinationLength` is not a non-negative integer.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a valid template or has no timeout branch.
 */
export function timeoutWeight(t: ScriptTemplate, destinationLength: number): number {
  expectCount(destinationLength, 'destination length');
  return segwitTxWeight([revocableInput(t, 'timeout')], [destinationLength]);
}
