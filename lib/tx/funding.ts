/**
 * Funding transaction: the sender's wallet pays the capacity to the 2-of-2.
 * Every input must be segwit: a non-segwit input makes the txid malleable, and
 * state 0 (the sender's refund), signed before funding is broadcast, would
 * then spend a txid that may never confirm.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../arguments';
import { fail } from '../errors';
import { compileFundingScript } from '../scripts/compile';
import { FeeRate, PublicKey, checkAmount, checkFeeRate, checkTxid, checkVout, feeForWeight } from '../types';
import { bytesEqual, hash160, hashToTxid, txidToHash } from './hash';
import { checkDestinationScript, classifyScript, dustLimit, p2wshScript } from './outputs';
import { InputShape, P2SH_P2WPKH_INPUT, P2TR_KEYPATH_INPUT, P2WPKH_INPUT, segwitTxWeight } from './weights';

export const FUNDING_OUTPUT_INDEX = 0;
/** Final for locktime, not replaceable: replacing the funding tx would orphan the signed refund. */
export const FUNDING_SEQUENCE = 0xfffffffe;

export interface FundingInput {
  readonly txid: string;
  readonly vout: number;
  readonly value: bigint;
  /** scriptPubKey of the coin being spent. */
  readonly script: Uint8Array;
  /** For P2SH-wrapped P2WPKH: the 22-byte witness program. */
  readonly redeemScript?: Uint8Array;
  /** The whole previous transaction (PSBT nonWitnessUtxo, which hardware wallets want). */
  readonly prevTx?: Uint8Array;
}

export interface FundingParams {
  readonly inputs: readonly FundingInput[];
  readonly capacity: bigint;
  readonly senderFundingKey: PublicKey;
  readonly receiverFundingKey: PublicKey;
  /** Where change goes; left out when it would be dust. */
  readonly changeScript: Uint8Array;
  readonly feeRate: FeeRate;
}

function inputShape(i: FundingInput, n: number): InputShape {
  if (!(i.script instanceof Uint8Array)) fail('INVALID_SCRIPT', `input ${n}: script must be bytes`);
  const type = classifyScript(i.script);
  // A redeemScript becomes the input's scriptSig: on a native segwit input that makes it invalid.
  if (i.redeemScript !== undefined && type !== 'p2sh') fail('INVALID_SCRIPT', `input ${n}: redeemScript given for a non-P2SH input`);
  switch (type) {
    case 'p2wpkh': return P2WPKH_INPUT;
    case 'p2tr': return P2TR_KEYPATH_INPUT;
    case 'p2sh': {
      const r = i.redeemScript;
      if (!(r instanceof Uint8Array) || r.length !== 22 || r[0] !== 0x00 || r[1] !== 0x14) {
        fail('NON_SEGWIT_INPUT', `input ${n}: P2SH input must carry a P2WPKH redeemScript`);
      }
      if (!bytesEqual(hash160(r), i.script.subarray(2, 22))) fail('INVALID_SCRIPT', `input ${n}: redeemScript does not match the P2SH script`);
      return P2SH_P2WPKH_INPUT;
    }
    case 'p2wsh':
      // The witness size of an arbitrary script is unknown, so the fee could not be computed honestly.
      return fail('INVALID_ARGUMENT', `input ${n}: P2WSH inputs are not supported for funding`);
    default:
      return fail('NON_SEGWIT_INPUT', `input ${n}: not a segwit output`);
  }
}

function checkPrevTx(i: FundingInput, n: number): void {
  if (i.prevTx === undefined) return;
  let prev: Transaction;
  try {
    prev = Transaction.fromBuffer(i.prevTx);
  } catch {
    return fail('INVALID_TRANSACTION', `input ${n}: prevTx does not parse`);
  }
  const out = prev.outs[i.vout];
  if (prev.getId() !== i.txid || !out || out.value !== i.value || !bytesEqual(out.script, i.script)) {
    fail('INVALID_TRANSACTION', `input ${n}: prevTx does not match txid, value or script`);
  }
}

export interface FundingPlan {
  readonly tx: Transaction;
  readonly fee: bigint;
  readonly change: bigint;
  readonly fundingScript: Uint8Array;
}

export function planFunding(p: FundingParams): FundingPlan {
  expectObject(p, 'funding params');
  if (!Array.isArray(p.inputs) || p.inputs.length === 0) fail('INVALID_ARGUMENT', 'at least one input is needed');
  checkAmount(p.capacity, 'capacity', 1n);
  checkFeeRate(p.feeRate);
  checkDestinationScript(p.changeScript, 'changeScript');
  const fundingScript = compileFundingScript(p);
  const seen = new Set<string>();
  const shapes = p.inputs.map((i, n) => {
    expectObject(i, `input ${n}`);
    checkTxid(i.txid, `input ${n} txid`);
    checkVout(i.vout);
    checkAmount(i.value, `input ${n} value`, 1n);
    const key = `${i.txid}:${i.vout}`;
    if (seen.has(key)) fail('INVALID_ARGUMENT', `input ${n} is listed twice`);
    seen.add(key);
    const shape = inputShape(i, n);
    checkPrevTx(i, n);
    return shape;
  });
  const total = p.inputs.reduce((s, i) => s + i.value, 0n);
  checkAmount(total, 'sum of inputs');
  const feeWithChange = feeForWeight(segwitTxWeight(shapes, [34, p.changeScript.length]), p.feeRate);
  const feeAlone = feeForWeight(segwitTxWeight(shapes, [34]), p.feeRate);
  if (total < p.capacity + feeAlone) {
    fail('INSUFFICIENT_FUNDS', 'inputs do not cover capacity plus fee', { total: total.toString(), needed: (p.capacity + feeAlone).toString() });
  }
  let change = total - p.capacity - feeWithChange;
  if (change < dustLimit(p.changeScript)) change = 0n;

  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = 0;
  p.inputs.forEach((i) => {
    const scriptSig = i.redeemScript ? Uint8Array.from([i.redeemScript.length, ...i.redeemScript]) : undefined;
    tx.addInput(txidToHash(i.txid), i.vout, FUNDING_SEQUENCE, scriptSig);
  });
  tx.addOutput(p2wshScript(fundingScript), p.capacity);
  if (change > 0n) tx.addOutput(p.changeScript, change);
  return { tx, fee: total - p.capacity - change, change, fundingScript };
}

export function buildFundingTx(p: FundingParams): Transaction {
  return planFunding(p).tx;
}

export function fundingOutpoint(tx: Transaction): { txid: string; vout: number } {
  if (!(tx instanceof Transaction)) fail('INVALID_ARGUMENT', 'fundingOutpoint needs a Transaction');
  return { txid: hashToTxid(tx.getHash()), vout: FUNDING_OUTPUT_INDEX };
}
