/**
 * Spends of a funding output, whichever construction makes them: a one-input
 * transaction of the funding output, the BIP 143 hash it is signed over, and
 * the plan a PSBT is made from, for a funding output of any witness script
 * (verifyFundingScriptParams); for the shared 2-of-2 (lib/tx/funding.ts,
 * verifyFundingOutputParams) also the witness with the signatures in the
 * script's sorted key order. A construction's payments, refunds and closes
 * differ only in their nLockTime, nSequence and outputs, which it decides;
 * everything here is fixed by the funding output alone.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectBytes, expectObject, expectUint32 } from '../core/arguments';
import { fail } from '../core/errors';
import { OutPoint, PublicKey, asPublicKey, checkAmount, checkTxid, checkVout } from '../core/types';
import { bytesEqual, txidToHash } from '../core/hash';
import { compileFundingScript, sortedFundingKeys } from '../script/compile';
import { FUNDING_TEMPLATE } from '../script/templates';
import { assembleWitness } from '../script/witness';
import { contextKind } from './context';
import { checkTxOuts } from './check-outputs';
import { TxOut, p2wshScript } from './outputs';
import { TxPlan } from './plan';
import { FundingSighash } from './sighash';
import { TX_VERSION } from './spend';

/** Where a funding output is and what it holds, whatever its script. */
export interface FundingLocation {
  /** The funding transaction's output. */
  readonly fundingOutpoint: OutPoint;
  /** The funding output's value in satoshis. */
  readonly capacity: bigint;
}

/** What fixes a funding output of any witness script: where it is, its value and its script. */
export interface FundingScriptParams extends FundingLocation {
  /** The funding output's witness script (P2WSH), at most 252 bytes. */
  readonly fundingScript: Uint8Array;
}

/**
 * The checked view of a funding output that its spends are built from, for
 * any witness script; made only by {@link verifyFundingScriptParams} or, for
 * the 2-of-2, {@link verifyFundingOutputParams}.
 */
export interface FundingScriptContext {
  /** Where the output is and its value. */
  readonly params: FundingLocation;
  /** The funding txid as the little-endian hash inside transactions. */
  readonly fundingHash: Uint8Array;
  /** The witness script. */
  readonly fundingScript: Uint8Array;
  /** The funding output's P2WSH script. */
  readonly fundingScriptPubKey: Uint8Array;
  /** The BIP 143 pieces of the funding input, computed once. */
  readonly sighash: FundingSighash;
}

const FUNDING_SCRIPT_CONTEXT = contextKind<FundingScriptContext>('funding output context', 'verifyFundingScriptParams or verifyFundingOutputParams');

function checkLocation(p: FundingLocation): void {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) fail('INVALID_ARGUMENT', 'funding output parameters must be an object');
  if (p.fundingOutpoint === null || typeof p.fundingOutpoint !== 'object') fail('INVALID_ARGUMENT', 'fundingOutpoint missing');
  checkTxid(p.fundingOutpoint.txid, 'fundingOutpoint.txid');
  checkVout(p.fundingOutpoint.vout);
  checkAmount(p.capacity, 'capacity', 1n);
}

function scriptContext(p: FundingLocation, fundingScript: Uint8Array): FundingScriptContext {
  const fundingHash = txidToHash(p.fundingOutpoint.txid);
  return {
    params: p,
    fundingHash,
    fundingScript,
    fundingScriptPubKey: p2wshScript(fundingScript),
    sighash: new FundingSighash(TX_VERSION, fundingHash, p.fundingOutpoint.vout, fundingScript, p.capacity),
  };
}

/**
 * Check a funding output of any witness script once (a construction whose
 * funding is not the shared 2-of-2) and derive what its spends need. The
 * witness of a spend is the construction's to assemble, from its template.
 *
 * @param p - The funding outpoint, its value and its witness script; other fields are ignored.
 * @returns A frozen context that {@link buildFundingSpendTx}, {@link fundingSpendSighash} and {@link planFundingSpend} accept without checking again.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, or the funding outpoint is missing or its txid or vout is malformed.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` is not in [1, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `fundingScript` is not bytes, or is empty or longer than 252 bytes.
 *
 * @example
 * ```ts
 * const funding = verifyFundingScriptParams({ fundingOutpoint: { txid, vout: 0 }, capacity: 1_000_000n, fundingScript: compileTemplate(t, args) });
 * const hash = fundingSpendSighash({ funding, locktime: 0, sequence: 0xfffffffe, outputs });
 * ```
 */
export function verifyFundingScriptParams(p: FundingScriptParams): FundingScriptContext {
  checkLocation(p);
  const s = p.fundingScript;
  if (!(s instanceof Uint8Array) || s.length === 0 || s.length > 252) fail('INVALID_SCRIPT', 'fundingScript must be 1 to 252 bytes');
  const location: FundingLocation = { fundingOutpoint: { txid: p.fundingOutpoint.txid, vout: p.fundingOutpoint.vout }, capacity: p.capacity };
  return FUNDING_SCRIPT_CONTEXT.register(scriptContext(location, Uint8Array.from(s)));
}

/** What fixes a funding 2-of-2 output: where it is, its value and its two keys. */
export interface FundingOutputParams {
  /** The funding transaction's 2-of-2 output. */
  readonly fundingOutpoint: OutPoint;
  /** The funding output's value in satoshis. */
  readonly capacity: bigint;
  /** The key in the 2-of-2 of the party who funds the channel (the sender, the payer). */
  readonly senderFundingKey: PublicKey;
  /** The key in the 2-of-2 of the party who is paid (the receiver). */
  readonly receiverFundingKey: PublicKey;
}

/** The checked view of {@link FundingOutputParams} that funding spends are built from; made only by {@link verifyFundingOutputParams}. */
export interface FundingOutputContext extends FundingScriptContext {
  /** The parameters it was made from. */
  readonly params: FundingOutputParams;
  /** True if the sender's key comes first in the script's sorted order, so its signature comes first in the witness. */
  readonly senderKeyFirst: boolean;
}

const FUNDING_OUTPUT_CONTEXT = contextKind<FundingOutputContext>('funding output context', 'verifyFundingOutputParams');

/**
 * Check a funding output's parameters once and derive what its spends need.
 *
 * @param p - The funding outpoint, its value and the two funding keys; other fields are ignored, so a construction's own parameters can be passed as they are.
 * @returns A frozen context that the funding-spend functions accept without checking again.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, or the funding outpoint is missing or its txid or vout is malformed.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` is not in [1, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_KEY` if a funding key is not a valid public key, or the two are equal.
 *
 * @example
 * ```ts
 * const funding = verifyFundingOutputParams({ fundingOutpoint: { txid, vout: 0 }, capacity: 1_000_000n, senderFundingKey, receiverFundingKey });
 * const refund = buildFundingSpendTx({ funding, locktime: 800_000, sequence: 0xfffffffe, outputs: [{ script: senderScript, value: 999_000n }] });
 * ```
 */
export function verifyFundingOutputParams(p: FundingOutputParams): FundingOutputContext {
  checkLocation(p);
  asPublicKey(p.senderFundingKey, 'senderFundingKey');
  asPublicKey(p.receiverFundingKey, 'receiverFundingKey');
  const fundingScript = compileFundingScript(p);
  // One object in both kinds: every spend function takes it, and the 2-of-2 witness only it.
  const ctx = FUNDING_OUTPUT_CONTEXT.register({
    ...scriptContext(p, fundingScript),
    params: p,
    senderKeyFirst: bytesEqual(sortedFundingKeys(p)[0], p.senderFundingKey),
  });
  return FUNDING_SCRIPT_CONTEXT.register(ctx) as FundingOutputContext;
}

/** What fixes one spend of a funding output: the output, the transaction's locks and its outputs. */
export interface FundingSpendParams {
  /** The funding output, from {@link verifyFundingOutputParams} or {@link verifyFundingScriptParams}. */
  readonly funding: FundingScriptContext;
  /** The transaction's nLockTime. */
  readonly locktime: number;
  /** The funding input's nSequence (below 0xffffffff for `locktime` to apply). */
  readonly sequence: number;
  /** The outputs, in order. */
  readonly outputs: readonly TxOut[];
}

function checkSpend(p: FundingSpendParams): void {
  expectObject(p, 'funding spend params');
  FUNDING_SCRIPT_CONTEXT.expect(p.funding);
  expectUint32(p.locktime, 'locktime');
  expectUint32(p.sequence, 'sequence');
  checkTxOuts(p.outputs);
}

/**
 * The unsigned one-input spend of the funding output.
 *
 * @param p - The funding output, nLockTime, nSequence and outputs.
 * @returns A version-2 transaction, unsigned.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `funding` is not a checked context, `locktime`/`sequence` is not a uint32 or `outputs` is not an array.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
 */
export function buildFundingSpendTx(p: FundingSpendParams): Transaction {
  checkSpend(p);
  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = p.locktime;
  tx.addInput(p.funding.fundingHash, p.funding.params.fundingOutpoint.vout, p.sequence);
  for (const o of p.outputs) tx.addOutput(o.script, o.value);
  return tx;
}

/**
 * The BIP 143 hash both parties sign for a spend of the funding output, from the output's cached pieces.
 *
 * @param p - The funding output, nLockTime, nSequence and outputs.
 * @returns The 32-byte sighash of the funding input.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, `funding` is not a checked context, `locktime`/`sequence` is not a uint32 or `outputs` is not an array.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
 */
export function fundingSpendSighash(p: FundingSpendParams): Uint8Array {
  checkSpend(p);
  return p.funding.sighash.hash(p.sequence, p.locktime, p.outputs);
}

/** Both parties' signatures of a funding spend, each with its sighash byte. */
export interface FundingSignatures {
  /** The signature with the sender's funding key. */
  readonly senderSig: Uint8Array;
  /** The signature with the receiver's funding key. */
  readonly receiverSig: Uint8Array;
}

/**
 * True if `tx` spends the funding output and nothing else.
 *
 * @param funding - From {@link verifyFundingOutputParams} or {@link verifyFundingScriptParams}.
 * @param tx - Any transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `funding` is not a checked context.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction.
 */
export function spendsFundingOutputAlone(funding: FundingScriptContext, tx: Transaction): boolean {
  FUNDING_SCRIPT_CONTEXT.expect(funding);
  if (!(tx instanceof Transaction)) fail('INVALID_TRANSACTION', 'a Transaction is needed');
  const input = tx.ins[0];
  return tx.ins.length === 1 && input !== undefined
    && input.index === funding.params.fundingOutpoint.vout && bytesEqual(input.hash, funding.fundingHash);
}

/**
 * Fills in the 2-of-2 witness of a funding spend: the signatures go in the script's sorted key order.
 * The signatures are not checked here: the caller has verified the counterparty's.
 *
 * @param funding - From {@link verifyFundingOutputParams}.
 * @param tx - A one-input spend of the funding output; changed in place.
 * @param sigs - Both parties' signatures.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `funding` is not a checked context, `sigs` is not an object or a signature is not bytes.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` is not a Transaction that spends the funding output alone.
 */
export function setFundingSpendWitness(funding: FundingOutputContext, tx: Transaction, sigs: FundingSignatures): void {
  FUNDING_OUTPUT_CONTEXT.expect(funding);
  if (!spendsFundingOutputAlone(funding, tx)) fail('INVALID_TRANSACTION', 'a one-input spend of the funding output is needed');
  expectObject(sigs, 'signatures');
  expectBytes(sigs.senderSig, 'senderSig');
  expectBytes(sigs.receiverSig, 'receiverSig');
  const [first, second] = funding.senderKeyFirst ? [sigs.senderSig, sigs.receiverSig] : [sigs.receiverSig, sigs.senderSig];
  tx.setWitness(0, assembleWitness(FUNDING_TEMPLATE, 'multisig', { key_1: first, key_2: second }, funding.fundingScript));
}

/** What a funding spend's plan carries beyond the transaction. */
export interface FundingSpendPlanOptions {
  /** The funding transaction, serialized, for a PSBT's nonWitnessUtxo; it must be the funding output's. */
  readonly fundingTx?: Uint8Array;
  /** The witness scripts of the spend's P2WSH outputs, for the PSBT's outputs. */
  readonly outputWitnessScripts?: readonly Uint8Array[];
}

/**
 * A funding spend as a transaction plan (lib/tx/plan.ts), for psbtFromPlan.
 *
 * @param funding - From {@link verifyFundingOutputParams} or {@link verifyFundingScriptParams}.
 * @param tx - A one-input spend of the funding output.
 * @param opts - The funding transaction and the outputs' witness scripts, where known.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `funding` is not a checked context, `opts` is not an object or `outputWitnessScripts` is not an array of bytes.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `tx` does not spend the funding output alone, or `fundingTx` does not parse or is not the funding transaction.
 */
export function planFundingSpend(funding: FundingScriptContext, tx: Transaction, opts: FundingSpendPlanOptions = {}): TxPlan {
  if (!spendsFundingOutputAlone(funding, tx)) fail('INVALID_TRANSACTION', 'a one-input spend of the funding output is needed');
  expectObject(opts, 'options');
  const { fundingTx, outputWitnessScripts = [] } = opts;
  if (!Array.isArray(outputWitnessScripts)) fail('INVALID_ARGUMENT', 'outputWitnessScripts must be an array');
  outputWitnessScripts.forEach((s, i) => expectBytes(s, `outputWitnessScripts[${i}]`));
  if (fundingTx !== undefined) {
    let f: Transaction;
    try {
      f = Transaction.fromBuffer(fundingTx);
    } catch {
      return fail('INVALID_TRANSACTION', 'fundingTx does not parse');
    }
    if (!bytesEqual(f.getHash(), funding.fundingHash)) fail('INVALID_TRANSACTION', 'fundingTx is not this channel\'s funding transaction');
  }
  const input = {
    prevout: { script: funding.fundingScriptPubKey, value: funding.params.capacity },
    witnessScript: funding.fundingScript,
    ...(fundingTx ? { prevTx: fundingTx } : {}),
  };
  return { tx, inputs: [input], outputWitnessScripts };
}
