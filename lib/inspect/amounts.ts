/**
 * Amounts, weight and fee. Input values come only from a PSBT (witnessUtxo,
 * or the output nonWitnessUtxo shows): a transaction does not carry them, so
 * its fee is unknown. Until every input is signed the weight is the maximum,
 * from the same input shapes the builders compute their fees with.
 */
import { maxWitnessSize } from '../scripts/witness';
import { classifyScript } from '../tx/outputs';
import {
  FUNDING_SPEND_INPUT, InputShape, P2SH_P2WPKH_INPUT, P2TR_KEYPATH_INPUT, P2WPKH_INPUT, segwitTxWeight,
} from '../tx/weights';
import { Classification } from './classify';
import { InputView, TxView } from './view';
import { InspectWarning } from './warnings';

/** Above this a fee is flagged: no channel transaction needs 1,000 sat/vB. */
export const SANE_FEE_RATE_SAT_PER_VBYTE = 1000;
/** A fee above this share of what the inputs hold is flagged too (percent). */
export const SANE_FEE_PERCENT_OF_INPUTS = 5;

/** A transaction's values, weight and fee, as far as what it shows allows. */
export interface ExplainedAmounts {
  /** Sum of the inputs' values, when every one is known (a PSBT's witnessUtxo / nonWitnessUtxo). */
  readonly inputs?: bigint;
  /** Sum of the outputs' values. */
  readonly outputs: bigint;
  /** Inputs less outputs, when the inputs are known. */
  readonly fee?: bigint;
  /** Exact when every input is signed; else the maximum, with signatures counted at 73 bytes. */
  readonly weight?: number;
  /** Whether `weight` is exact (every input signed). */
  readonly weightExact: boolean;
  /** ceil(weight / 4). */
  readonly vsize?: number;
  /** The fee rate, when fee and weight are known. */
  readonly feeRate?: {
    /** Sat/vB, to two decimals. */
    readonly satPerVbyte: number;
    /** Sat/kw, rounded down. */
    readonly satPerKw: bigint;
  };
  /** Why the fee is unknown, when it is. */
  readonly note?: string;
}

function witnessSize(items: readonly Uint8Array[]): number {
  const v = (n: number) => (n < 0xfd ? 1 : n <= 0xffff ? 3 : 5);
  return items.reduce((s, it) => s + v(it.length) + it.length, v(items.length));
}

function inputShape(c: Classification, i: InputView): InputShape | undefined {
  if (i.witness !== undefined || i.scriptSig !== undefined) {
    return { scriptSigLength: i.scriptSig?.length ?? 0, witnessSize: i.witness ? witnessSize(i.witness) : 1 };
  }
  const ch = c.channelInput;
  if (ch?.index === i.index) return { scriptSigLength: 0, witnessSize: maxWitnessSize(ch.match.template, ch.branch) };
  // A payment version whose 2-of-2 is not visible still spends one, as the state number says.
  if (c.kind === 'sender-version' || c.kind === 'receiver-version') return FUNDING_SPEND_INPUT;
  const s = i.prevout?.script;
  if (s === undefined) return undefined;
  switch (classifyScript(s)) {
    case 'p2wpkh': return P2WPKH_INPUT;
    case 'p2tr': return P2TR_KEYPATH_INPUT;
    case 'p2sh': return i.redeemScript && classifyScript(i.redeemScript) === 'p2wpkh' ? P2SH_P2WPKH_INPUT : undefined;
    default: return undefined;
  }
}

function weightOf(view: TxView, c: Classification): { weight?: number; exact: boolean } {
  if (view.final) return { weight: view.tx.weight(), exact: true };
  const shapes = view.inputs.map((i) => inputShape(c, i));
  if (shapes.some((s) => s === undefined)) return { exact: false };
  return { weight: segwitTxWeight(shapes as InputShape[], view.outputs.map((o) => o.script.length)), exact: false };
}

/** Values, fee and weight; fee warnings are added to `warnings`. */
export function explainAmounts(view: TxView, c: Classification, warnings: InspectWarning[]): ExplainedAmounts {
  const outputs = view.outputs.reduce((s, o) => s + o.value, 0n);
  const { weight, exact } = weightOf(view, c);
  const vsize = weight === undefined ? undefined : Math.ceil(weight / 4);
  const sizes = { ...(weight !== undefined ? { weight, vsize } : {}), weightExact: exact };
  if (view.inputs.some((i) => i.prevout === undefined)) {
    const note = view.source === 'transaction'
      ? 'fee unknown: a transaction does not carry the values of the outputs it spends'
      : 'fee unknown: an input has neither witnessUtxo nor nonWitnessUtxo';
    return { outputs, ...sizes, note };
  }
  const inputs = view.inputs.reduce((s, i) => s + i.prevout!.value, 0n);
  const fee = inputs - outputs;
  if (fee < 0n) {
    warnings.push({ code: 'NEGATIVE_FEE', message: `outputs (${outputs} sat) exceed inputs (${inputs} sat): the transaction is invalid` });
    return { inputs, outputs, fee, ...sizes };
  }
  let feeRate: ExplainedAmounts['feeRate'];
  if (weight !== undefined && weight > 0) {
    feeRate = { satPerVbyte: Math.round(Number(fee) * 100 / vsize!) / 100, satPerKw: (fee * 1000n) / BigInt(weight) };
    if (Number(fee) / vsize! > SANE_FEE_RATE_SAT_PER_VBYTE) {
      warnings.push({ code: 'FEE_TOO_HIGH', message: `fee rate ${feeRate.satPerVbyte} sat/vB is above ${SANE_FEE_RATE_SAT_PER_VBYTE} sat/vB` });
    }
  }
  if (inputs > 0n && fee * 100n > inputs * BigInt(SANE_FEE_PERCENT_OF_INPUTS)) {
    warnings.push({ code: 'FEE_TOO_HIGH', message: `fee ${fee} sat is more than ${SANE_FEE_PERCENT_OF_INPUTS}% of the ${inputs} sat the inputs hold` });
  }
  return { inputs, outputs, fee, ...sizes, ...(feeRate ? { feeRate } : {}) };
}
