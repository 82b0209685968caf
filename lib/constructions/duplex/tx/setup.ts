/**
 * The duplex channel's setup: one transaction both parties fund, paying the
 * 2-of-2 the tree hangs from. It is built unsigned first: every input is
 * segwit, so its txid is fixed before anyone signs, and the kickoff, the
 * first branch and the leaf can all be signed against it. Only then does
 * each party sign its own inputs (the atomic opt-in): until the last
 * signature nothing is valid, and either party may back out by spending one
 * of its own coins elsewhere.
 *
 * Inputs are a's coins, then b's, in the order given; outputs the setup
 * 2-of-2, then a's change, then b's (each left out when dust). Each party
 * pays for its own inputs and change, and half of the rest (a the odd unit).
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { hashToTxid, txidToHash } from '../../../core/hash';
import { FeeRate, PublicKey, asPublicKey, checkAmount, checkFeeRate, feeForWeight } from '../../../core/types';
import { compileFundingScript } from '../../../script/compile';
import { FUNDING_SEQUENCE, FundingInput, checkFundingInputs } from '../../../tx/funding';
import { checkDestinationScript, dustLimit, p2wshScript } from '../../../tx/outputs';
import { TxPlan } from '../../../tx/plan';
import { TX_VERSION } from '../../../tx/spend';
import { segwitTxWeight } from '../../../tx/weights';

/** One party's part of the setup. */
export interface DuplexFunder {
  /** Its coins, at least one, each segwit (P2WPKH, P2SH-P2WPKH, P2TR key path) and each with its whole previous transaction (`prevTx`). */
  readonly inputs: readonly FundingInput[];
  /** What it deposits into the setup output, in satoshis. */
  readonly amount: bigint;
  /** Where its change goes; left out when it would be dust. */
  readonly changeScript: Uint8Array;
}

/** What fixes the setup transaction. */
export interface DuplexSetupParams {
  /** a's key in the 2-of-2. */
  readonly aFundingKey: PublicKey;
  /** b's key in the 2-of-2. */
  readonly bFundingKey: PublicKey;
  /** a's coins, deposit and change. */
  readonly a: DuplexFunder;
  /** b's, likewise. */
  readonly b: DuplexFunder;
  /** The setup's fee rate, sat/kw. */
  readonly feeRate: FeeRate;
}

/** The setup transaction and who signs what. */
export interface DuplexSetupPlan extends TxPlan {
  /** The setup output: the setup's txid and output 0. */
  readonly fundingOutpoint: {
    /** The setup's txid, fixed before it is signed. */
    readonly txid: string;
    /** 0. */
    readonly vout: number;
  };
  /** The setup output's value: both deposits. */
  readonly capacity: bigint;
  /** The indices of a's inputs: a signs these and no other. */
  readonly aInputs: readonly number[];
  /** The indices of b's inputs. */
  readonly bInputs: readonly number[];
  /** What a pays in fee (its dust change included). */
  readonly aFee: bigint;
  /** What b pays in fee. */
  readonly bFee: bigint;
}

interface FunderPart {
  readonly change: bigint;
  readonly fee: bigint;
}

function funderPart(f: DuplexFunder, who: string, sharedWeight: number, rate: FeeRate): FunderPart {
  expectObject(f, who);
  if (!Array.isArray(f.inputs) || f.inputs.length === 0) fail('INVALID_ARGUMENT', `${who} needs at least one input`);
  // A coin's type taken on its owner's word would let it pass a legacy coin as segwit, sign it with a scriptSig and change the
  // txid the tree was signed against: the whole previous transaction proves the script (checkFundingInputs compares them).
  f.inputs.forEach((i, n) => {
    if (i === null || typeof i !== 'object' || !(i.prevTx instanceof Uint8Array)) fail('INVALID_ARGUMENT', `${who}'s input ${n} needs its prevTx`, { field: `${who}.inputs.${n}.prevTx` });
  });
  const shapes = checkFundingInputs(f.inputs);
  checkAmount(f.amount, `${who}.amount`);
  checkDestinationScript(f.changeScript, `${who}.changeScript`);
  const total = f.inputs.reduce((s, i) => s + i.value, 0n);
  checkAmount(total, `${who}'s inputs`);
  const empty = segwitTxWeight([], []);
  const feeAlone = feeForWeight(segwitTxWeight(shapes, []) - empty + sharedWeight, rate);
  const feeWithChange = feeForWeight(segwitTxWeight(shapes, [f.changeScript.length]) - empty + sharedWeight, rate);
  if (total < f.amount + feeAlone) {
    fail('INSUFFICIENT_FUNDS', `${who}'s inputs do not cover its deposit plus its fee`, { total: total.toString(), needed: (f.amount + feeAlone).toString() });
  }
  let change = total - f.amount - feeWithChange;
  if (change < dustLimit(f.changeScript)) change = 0n;
  return { change, fee: total - f.amount - change };
}

/**
 * The unsigned setup transaction, its output, and each party's inputs and fee.
 *
 * @param p - Both funding keys, each party's coins, deposit and change, and the fee rate.
 * @returns The plan (for {@link createDuplexSetupPsbt} and psbtFromPlan) with the setup output.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or a funder is not an object, a funder has no input, or a coin is malformed, lacks its prevTx, is P2WSH or listed twice (also across the parties).
 * @throws {@link ChannelError} `INVALID_AMOUNT` if a deposit or an input's value is not a valid amount, or both deposits are 0.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if a change script is not a standard destination or a coin's script is malformed.
 * @throws {@link ChannelError} `INVALID_KEY` if a funding key is not a valid public key or the two are equal.
 * @throws {@link ChannelError} `NON_SEGWIT_INPUT` if a coin is not segwit: a signature would change the txid the tree was signed against.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if a coin's `prevTx` does not match it.
 * @throws {@link ChannelError} `INSUFFICIENT_FUNDS` if a party's coins do not cover its deposit plus its fee.
 *
 * @example
 * ```ts
 * const setup = planDuplexSetup({ aFundingKey, bFundingKey, feeRate: 1000n,
 *   a: { inputs: aCoins, amount: 1_000_000n, changeScript: aChange },
 *   b: { inputs: bCoins, amount: 1_000_000n, changeScript: bChange } });
 * setup.fundingOutpoint; // the tree is signed against this before anyone signs setup.tx
 * ```
 */
export function planDuplexSetup(p: DuplexSetupParams): DuplexSetupPlan {
  expectObject(p, 'setup params');
  checkFeeRate(p.feeRate);
  asPublicKey(p.aFundingKey, 'aFundingKey');
  asPublicKey(p.bFundingKey, 'bFundingKey');
  const fundingScript = compileFundingScript({ senderFundingKey: p.aFundingKey, receiverFundingKey: p.bFundingKey });
  const fundingScriptPubKey = p2wshScript(fundingScript);
  const shared = segwitTxWeight([], [fundingScriptPubKey.length]);
  const aShared = Math.ceil(shared / 2);
  const a = funderPart(p.a, 'a', aShared, p.feeRate);
  const seen = new Set(p.a.inputs.map((i) => `${i.txid}:${i.vout}`));
  expectObject(p.b, 'b');
  if (Array.isArray(p.b.inputs)) {
    p.b.inputs.forEach((i, n) => {
      if (i !== null && typeof i === 'object' && seen.has(`${i.txid}:${i.vout}`)) fail('INVALID_ARGUMENT', `b's input ${n} is also a's`);
    });
  }
  const b = funderPart(p.b, 'b', shared - aShared, p.feeRate);
  const capacity = p.a.amount + p.b.amount;
  if (capacity === 0n) fail('INVALID_AMOUNT', 'both deposits are 0');
  checkAmount(capacity, 'capacity', 1n);

  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = 0;
  const coins = [...p.a.inputs, ...p.b.inputs];
  for (const c of coins) {
    const scriptSig = c.redeemScript ? Uint8Array.from([c.redeemScript.length, ...c.redeemScript]) : undefined;
    tx.addInput(txidToHash(c.txid), c.vout, FUNDING_SEQUENCE, scriptSig);
  }
  tx.addOutput(fundingScriptPubKey, capacity);
  if (a.change > 0n) tx.addOutput(p.a.changeScript, a.change);
  if (b.change > 0n) tx.addOutput(p.b.changeScript, b.change);
  const na = p.a.inputs.length;
  return {
    tx,
    inputs: coins.map((c) => ({
      prevout: { script: c.script, value: c.value },
      ...(c.redeemScript ? { redeemScript: c.redeemScript } : {}),
      ...(c.prevTx ? { prevTx: c.prevTx } : {}),
    })),
    outputWitnessScripts: [fundingScript],
    fundingOutpoint: { txid: hashToTxid(tx.getHash()), vout: 0 },
    capacity,
    aInputs: coins.slice(0, na).map((_, i) => i),
    bInputs: coins.slice(na).map((_, i) => na + i),
    aFee: a.fee,
    bFee: b.fee,
  };
}
