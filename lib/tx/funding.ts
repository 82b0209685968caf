/**
 * Funding transaction: the sender's wallet pays the capacity to the 2-of-2.
 * Every input must be segwit: a non-segwit input makes the txid malleable, and
 * state 0 (the sender's refund), signed before funding is broadcast, would
 * then spend a txid that may never confirm.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../core/arguments';
import { fail } from '../core/errors';
import { compileFundingScript } from '../script/compile';
import { FeeRate, PublicKey, checkAmount, checkFeeRate, checkTxid, checkVout, feeForWeight } from '../core/types';
import { bytesEqual, hash160, hashToTxid, txidToHash } from '../core/hash';
import { checkDestinationScript, classifyScript, dustLimit, p2wshScript } from './outputs';
import { InputShape, P2SH_P2WPKH_INPUT, P2TR_KEYPATH_INPUT, P2WPKH_INPUT, segwitTxWeight } from './weights';

/** The funding output is always the funding transaction's first output; change, if any, follows. */
export const FUNDING_OUTPUT_INDEX = 0;
/** Final for locktime, not replaceable: replacing the funding tx would orphan the signed refund. */
export const FUNDING_SEQUENCE = 0xfffffffe;

/** A coin of the sender's wallet that the funding transaction spends. It must be segwit: P2WPKH, P2SH-P2WPKH or P2TR key path. */
export interface FundingInput {
  /** The coin's txid, display order. */
  readonly txid: string;
  /** The coin's output index. */
  readonly vout: number;
  /** The coin's value in satoshis. */
  readonly value: bigint;
  /** scriptPubKey of the coin being spent. */
  readonly script: Uint8Array;
  /** For P2SH-wrapped P2WPKH: the 22-byte witness program. */
  readonly redeemScript?: Uint8Array;
  /** The whole previous transaction (PSBT nonWitnessUtxo, which hardware wallets want). */
  readonly prevTx?: Uint8Array;
}

/** What fixes the funding transaction. */
export interface FundingParams {
  /** The coins to spend, at least one; each once. */
  readonly inputs: readonly FundingInput[];
  /** The funding output's value in satoshis. */
  readonly capacity: bigint;
  /** The sender's key in the 2-of-2. */
  readonly senderFundingKey: PublicKey;
  /** The receiver's key in the 2-of-2. */
  readonly receiverFundingKey: PublicKey;
  /** Where change goes; left out when it would be dust. */
  readonly changeScript: Uint8Array;
  /** The funding transaction's fee rate, sat/kw. */
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

/**
 * Check a wallet's coins for a funding transaction and give each input's
 * shape, from which its weight and so the fee is computed.
 *
 * @param inputs - The coins, each once.
 * @returns One shape per coin, in order.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `inputs` is not an array, an input is not an object, is listed twice, has a malformed txid or vout, or is P2WSH (its witness size is unknown).
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an input's value is not in [1, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an input's script is not bytes, or a redeemScript is given for a non-P2SH input or does not match it.
 * @throws {@link ChannelError} `NON_SEGWIT_INPUT` if an input is not segwit (the txid must not change when it is signed).
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if an input's `prevTx` does not parse or does not match its txid, value or script.
 */
export function checkFundingInputs(inputs: readonly FundingInput[]): InputShape[] {
  if (!Array.isArray(inputs)) fail('INVALID_ARGUMENT', 'inputs must be an array');
  const seen = new Set<string>();
  return inputs.map((i, n) => {
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
}

/** What fixes a funding transaction to a funding output of any witness script (a construction whose funding is not the shared 2-of-2). */
export interface ScriptFundingParams {
  /** The coins to spend, at least one; each once. */
  readonly inputs: readonly FundingInput[];
  /** The funding output's value in satoshis. */
  readonly capacity: bigint;
  /** The funding output's witness script: the output pays its P2WSH. */
  readonly fundingScript: Uint8Array;
  /** Where change goes; left out when it would be dust. */
  readonly changeScript: Uint8Array;
  /** The funding transaction's fee rate, sat/kw. */
  readonly feeRate: FeeRate;
}

/** The funding transaction and how its value splits. */
export interface FundingPlan {
  /** The unsigned funding transaction. */
  readonly tx: Transaction;
  /** The fee it pays, in satoshis (dust change included). */
  readonly fee: bigint;
  /** The change output's value, 0 when there is none. */
  readonly change: bigint;
  /** The witness script of the funding output (the 2-of-2 for {@link planFunding}). */
  readonly fundingScript: Uint8Array;
}

/**
 * The funding transaction, its fee and its change.
 *
 * @param p - The coins, capacity, funding keys, change script and fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or an input is not an object, there is no input, an input is listed twice, an input's txid or vout is malformed, or an input is P2WSH (its witness size is unknown).
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity`, an input's value or the inputs' sum is not a valid amount.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `changeScript` is not a standard destination, an input's script is not bytes, or a redeemScript is given for a non-P2SH input or does not match it.
 * @throws {@link ChannelError} `INVALID_KEY` if a funding key is not a valid public key or the two are equal.
 * @throws {@link ChannelError} `NON_SEGWIT_INPUT` if an input is not segwit (a P2SH input must carry a P2WPKH redeemScript).
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if an input's `prevTx` does not parse or does not match its txid, value or script.
 * @throws {@link ChannelError} `INSUFFICIENT_FUNDS` if the inputs do not cover the capacity plus the fee.
 */
export function planFunding(p: FundingParams): FundingPlan {
  expectObject(p, 'funding params');
  return planFundingTo(p, () => compileFundingScript(p));
}

/**
 * The funding transaction to a funding output of any witness script, its fee
 * and its change: as {@link planFunding}, every input segwit, the funding
 * output first.
 *
 * @param p - The coins, capacity, the funding output's witness script, change script and fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or an input is not an object, there is no input, an input is listed twice, an input's txid or vout is malformed, or an input is P2WSH (its witness size is unknown).
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity`, an input's value or the inputs' sum is not a valid amount.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `fundingScript` is not 1 to 3600 bytes, `changeScript` is not a standard destination, an input's script is not bytes, or a redeemScript is given for a non-P2SH input or does not match it.
 * @throws {@link ChannelError} `NON_SEGWIT_INPUT` if an input is not segwit (a P2SH input must carry a P2WPKH redeemScript).
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if an input's `prevTx` does not parse or does not match its txid, value or script.
 * @throws {@link ChannelError} `INSUFFICIENT_FUNDS` if the inputs do not cover the capacity plus the fee.
 *
 * @example
 * ```ts
 * const { tx, fee } = planScriptFunding({ inputs, capacity: 1_000_000n, fundingScript, changeScript, feeRate: 1000n });
 * ```
 */
export function planScriptFunding(p: ScriptFundingParams): FundingPlan {
  expectObject(p, 'funding params');
  return planFundingTo(p, () => {
    const s = p.fundingScript;
    // 3600 bytes: the standardness limit of a P2WSH witness script.
    if (!(s instanceof Uint8Array) || s.length === 0 || s.length > 3600) fail('INVALID_SCRIPT', 'fundingScript must be 1 to 3600 bytes');
    return Uint8Array.from(s);
  });
}

function planFundingTo(p: Omit<ScriptFundingParams, 'fundingScript'>, script: () => Uint8Array): FundingPlan {
  if (!Array.isArray(p.inputs) || p.inputs.length === 0) fail('INVALID_ARGUMENT', 'at least one input is needed');
  checkAmount(p.capacity, 'capacity', 1n);
  checkFeeRate(p.feeRate);
  checkDestinationScript(p.changeScript, 'changeScript');
  const fundingScript = script();
  const shapes = checkFundingInputs(p.inputs);
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

/**
 * The unsigned funding transaction: {@link planFunding}'s `tx`.
 *
 * @param p - The coins, capacity, funding keys, change script and fee rate.
 * @throws {@link ChannelError} the codes of {@link planFunding}: `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `INVALID_KEY`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION`, `INSUFFICIENT_FUNDS`.
 *
 * @example
 * ```ts
 * const tx = buildFundingTx({
 *   inputs: [{ txid, vout: 1, value: 2_000_000n, script: p2wpkhScript(walletKey) }],
 *   capacity: 1_000_000n, senderFundingKey, receiverFundingKey,
 *   changeScript: p2wpkhScript(walletKey), feeRate: 1000n,
 * });
 * ```
 */
export function buildFundingTx(p: FundingParams): Transaction {
  return planFunding(p).tx;
}

/**
 * The funding output of a funding transaction.
 *
 * @param tx - The funding transaction (signed or not: its inputs are segwit, so the txid is the same).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `tx` is not a Transaction.
 */
export function fundingOutpoint(tx: Transaction): {
  /** The funding transaction's txid. */
  txid: string;
  /** {@link FUNDING_OUTPUT_INDEX}. */
  vout: number;
} {
  if (!(tx instanceof Transaction)) fail('INVALID_ARGUMENT', 'fundingOutpoint needs a Transaction');
  return { txid: hashToTxid(tx.getHash()), vout: FUNDING_OUTPUT_INDEX };
}
