/**
 * A funder's way out of the opt-in: the last party to sign the setup holds
 * a free option (it may keep the other's signature and publish the setup
 * whenever the price suits it). Each funder bounds that option with a
 * deadline: its abort spends its own setup coins back to itself, nLockTime
 * the deadline, so the abort is valid from the deadline on, and once it
 * confirms the setup can never be. It signals replacement, so a funder may
 * raise its fee, and is built from the funder's own coins only: its wallet
 * signs it as it signs any PSBT.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { hashToTxid, txidToHash } from '../../../core/hash';
import { FeeRate, checkAmount, checkFeeRate, feeForWeight } from '../../../core/types';
import { checkFundingInputs } from '../../../tx/funding';
import { checkDestinationScript, dustLimit } from '../../../tx/outputs';
import { TxPlan } from '../../../tx/plan';
import { TX_VERSION } from '../../../tx/spend';
import { segwitTxWeight } from '../../../tx/weights';
import { DuplexSetupParams, planDuplexSetup } from './setup';

/** Replace-by-fee signalling (BIP 125), and below final so nLockTime applies. */
export const DUPLEX_ABORT_SEQUENCE = 0xfffffffd;

/** The largest height an nLockTime reads as a height. */
const MAX_HEIGHT = 499_999_999;

/** What fixes one funder's abort. */
export interface DuplexAbortParams {
  /** The setup it aborts, as {@link planDuplexSetup} takes it. */
  readonly setup: DuplexSetupParams;
  /** Whose coins: `a` or `b`. */
  readonly funder: 'a' | 'b';
  /** The setup deadline, a block height: the abort is valid in the block after it (its nLockTime). */
  readonly deadline: number;
  /** Where the coins go; by default the funder's change script. */
  readonly destination?: Uint8Array;
  /** The abort's fee rate, sat/kw; by default the setup's. */
  readonly feeRate?: FeeRate;
}

/** The unsigned abort and what it undoes. */
export interface DuplexAbortPlan extends TxPlan {
  /** The setup's txid: once the abort confirms, that transaction can never be valid. */
  readonly setupTxid: string;
  /** The deadline (the abort's nLockTime). */
  readonly deadline: number;
  /** Its fee in satoshis. */
  readonly fee: bigint;
}

/**
 * One funder's abort: all its setup coins to one output of its own, RBF-signalling, nLockTime the deadline.
 *
 * @param p - The setup, the funder, the deadline, and optionally the destination and fee rate.
 * @returns The plan, for {@link createDuplexAbortPsbt} (the funder's wallet signs it).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `funder` is neither `a` nor `b`, or the setup is malformed (as {@link planDuplexSetup}).
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `deadline` is not a block height in [1, 499,999,999].
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destination` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INSUFFICIENT_FUNDS` if the coins do not cover the fee and a non-dust output.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_KEY`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION` as {@link planDuplexSetup}.
 *
 * @example
 * ```ts
 * const abort = planDuplexAbort({ setup: setupParams, funder: 'a', deadline: tipHeight + 36 });
 * const psbt = createDuplexAbortPsbt({ setup: setupParams, funder: 'a', deadline: tipHeight + 36 });
 * ```
 */
export function planDuplexAbort(p: DuplexAbortParams): DuplexAbortPlan {
  expectObject(p, 'abort params');
  if (p.funder !== 'a' && p.funder !== 'b') fail('INVALID_ARGUMENT', 'funder must be a or b');
  if (typeof p.deadline !== 'number' || !Number.isInteger(p.deadline) || p.deadline < 1 || p.deadline > MAX_HEIGHT) {
    fail('INVALID_TIMELOCK', `deadline must be a block height in [1, ${MAX_HEIGHT}]`, { field: 'deadline' });
  }
  const setup = planDuplexSetup(p.setup);
  const f = p.setup[p.funder];
  const destination = p.destination ?? f.changeScript;
  checkDestinationScript(destination, 'destination');
  const feeRate = p.feeRate ?? p.setup.feeRate;
  checkFeeRate(feeRate);
  const shapes = checkFundingInputs(f.inputs);
  const total = f.inputs.reduce((s, i) => s + i.value, 0n);
  checkAmount(total, 'the funder\'s inputs');
  const fee = feeForWeight(segwitTxWeight(shapes, [destination.length]), feeRate);
  const value = total - fee;
  if (value < dustLimit(destination)) {
    fail('INSUFFICIENT_FUNDS', 'the funder\'s coins do not cover the abort\'s fee and a non-dust output', { total: total.toString(), fee: fee.toString() });
  }
  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = p.deadline;
  for (const c of f.inputs) {
    const scriptSig = c.redeemScript ? Uint8Array.from([c.redeemScript.length, ...c.redeemScript]) : undefined;
    tx.addInput(txidToHash(c.txid), c.vout, DUPLEX_ABORT_SEQUENCE, scriptSig);
  }
  tx.addOutput(destination, value);
  return {
    tx,
    inputs: f.inputs.map((c) => ({
      prevout: { script: c.script, value: c.value },
      ...(c.redeemScript ? { redeemScript: c.redeemScript } : {}),
      ...(c.prevTx ? { prevTx: c.prevTx } : {}),
    })),
    outputWitnessScripts: [],
    setupTxid: hashToTxid(setup.tx.getHash()),
    deadline: p.deadline,
    fee,
  };
}
