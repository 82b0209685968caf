/**
 * PSBTs for every transaction kind, for hardware wallets and interop. Each is
 * a wrapper around the same builder the hot path uses, so a PSBT's unsigned
 * transaction is byte-equal to what revchan signs without PSBT.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { expectArray, expectObject } from '../arguments';
import { fail } from '../errors';
import { ChannelContext, revocableScriptFor, verifyChannelParams } from '../tx/channel-params';
import { CloseParams, closeOutputs, closeTx } from '../tx/close';
import { FundingParams, planFunding } from '../tx/funding';
import { bytesEqual, sha256 } from '../tx/hash';
import { p2wpkhScript } from '../tx/outputs';
import {
  ReceiverPaymentParams, SenderPaymentParams, paymentTx, receiverPaymentOutputs, senderPaymentOutputs,
} from '../tx/payment';
import { PenaltyParams, planPenalty } from '../tx/penalty';
import { SIGHASH_ALL } from '../tx/sighash';
import { TimeoutParams, planTimeout } from '../tx/timeout';
import { checkState } from '../tx/state-number';
import { asPublicKey } from '../types';
import { KeyOrigin, KeyOrigins, originList } from './key-origin';

type Derivation = { masterFingerprint: Uint8Array; pubkey: Uint8Array; path: string };

function derivationsFor(keys: readonly Uint8Array[], origins: readonly KeyOrigin[]): Derivation[] | undefined {
  const out = origins
    .filter((o) => keys.some((k) => bytesEqual(k, o.pubkey)))
    .map((o) => ({ masterFingerprint: o.masterFingerprint, pubkey: o.pubkey, path: o.path }));
  return out.length > 0 ? out : undefined;
}

/** Keys a script mentions: pushes of 33 bytes. */
function scriptKeys(script: Uint8Array): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let i = 0; i < script.length;) {
    const op = script[i]!;
    if (op >= 1 && op <= 75) {
      if (op === 33) keys.push(script.subarray(i + 1, i + 34));
      i += 1 + op;
    } else i += 1;
  }
  return keys;
}

function addOutputs(psbt: Psbt, tx: Transaction, origins: readonly KeyOrigin[], witnessScripts: readonly Uint8Array[]): void {
  for (const o of tx.outs) {
    const ws = witnessScripts.find((w) => bytesEqual(o.script.subarray(2), sha256(w)) && o.script.length === 34);
    const keys = ws ? scriptKeys(ws) : origins.filter((k) => bytesEqual(p2wpkhScript(k.pubkey), o.script)).map((k) => k.pubkey);
    const bip32Derivation = derivationsFor(keys, origins);
    psbt.addOutput({
      script: o.script,
      value: o.value,
      ...(ws ? { witnessScript: ws } : {}),
      ...(bip32Derivation ? { bip32Derivation } : {}),
    });
  }
}

function newPsbt(tx: Transaction): Psbt {
  const psbt = new Psbt();
  psbt.setVersion(tx.version);
  psbt.setLocktime(tx.locktime);
  return psbt;
}

/** What {@link createFundingPsbt} adds to the PSBT beyond the transaction. */
export interface FundingPsbtOptions {
  /** Origins of the wallet keys spending each input and of the change key (for the wallet to recognise its change). */
  readonly origins?: readonly KeyOrigin[];
  /** Origins of the channel's keys, so a wallet recognises the funding output's keys as its own. */
  readonly channelOrigins?: KeyOrigins;
}

/** Options are optional, but an options argument that is given must be an object. */
function optionsOf<T>(opts: T): T {
  return expectObject(opts, 'options');
}

/**
 * The funding transaction as a PSBT for the sender's wallet to sign: witnessUtxo
 * (and nonWitnessUtxo where `prevTx` is given) on every input, the funding output's
 * witnessScript, and bip32Derivation of every key whose origin is given.
 *
 * @param p - As {@link planFunding}.
 * @param opts - Key origins of the wallet and of the channel.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, `opts.origins` is not an array, or `p` is refused as by {@link planFunding}.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_FEE_RATE`, `INVALID_SCRIPT`, `INVALID_KEY`, `NON_SEGWIT_INPUT`, `INVALID_TRANSACTION` or `INSUFFICIENT_FUNDS` as {@link planFunding}.
 *
 * @example
 * ```ts
 * const psbt = createFundingPsbt(fundingParams, { origins: [keyOrigin(wallet, "m/84'/0'/0'/0/3")] });
 * const signed = signPsbtWithMaster(psbt, wallet);
 * ```
 */
export function createFundingPsbt(p: FundingParams, opts: FundingPsbtOptions = {}): Psbt {
  optionsOf(opts);
  if (opts.origins !== undefined) expectArray(opts.origins, 'origins');
  const { tx, fundingScript } = planFunding(p);
  const origins = [...(opts.origins ?? []), ...originList(opts.channelOrigins)];
  const psbt = newPsbt(tx);
  p.inputs.forEach((inp, i) => {
    const keys = origins.filter((k) => {
      const spk = p2wpkhScript(k.pubkey);
      return bytesEqual(spk, inp.script) || (inp.redeemScript !== undefined && bytesEqual(spk, inp.redeemScript));
    }).map((k) => k.pubkey);
    const bip32Derivation = derivationsFor(keys, origins);
    psbt.addInput({
      hash: tx.ins[i]!.hash,
      index: inp.vout,
      sequence: tx.ins[i]!.sequence,
      witnessUtxo: { script: inp.script, value: inp.value },
      sighashType: SIGHASH_ALL,
      ...(inp.prevTx ? { nonWitnessUtxo: inp.prevTx } : {}),
      ...(inp.redeemScript ? { redeemScript: inp.redeemScript } : {}),
      ...(bip32Derivation ? { bip32Derivation } : {}),
    });
  });
  addOutputs(psbt, tx, origins, [fundingScript]);
  return psbt;
}

function fundingSpendPsbt(ctx: ChannelContext, tx: Transaction, origins: readonly KeyOrigin[], fundingTx: Uint8Array | undefined, witnessScripts: readonly Uint8Array[]): Psbt {
  const psbt = newPsbt(tx);
  if (fundingTx !== undefined) {
    let f: Transaction;
    try {
      f = Transaction.fromBuffer(fundingTx);
    } catch {
      return fail('INVALID_TRANSACTION', 'fundingTx does not parse');
    }
    if (!bytesEqual(f.getHash(), ctx.fundingHash)) fail('INVALID_TRANSACTION', 'fundingTx is not this channel\'s funding transaction');
  }
  const bip32Derivation = derivationsFor(scriptKeys(ctx.fundingScript), origins);
  psbt.addInput({
    hash: ctx.fundingHash,
    index: ctx.params.fundingOutpoint.vout,
    sequence: tx.ins[0]!.sequence,
    witnessUtxo: { script: ctx.fundingScriptPubKey, value: ctx.params.capacity },
    witnessScript: ctx.fundingScript,
    sighashType: SIGHASH_ALL,
    ...(fundingTx ? { nonWitnessUtxo: fundingTx } : {}),
    ...(bip32Derivation ? { bip32Derivation } : {}),
  });
  addOutputs(psbt, tx, origins, witnessScripts);
  return psbt;
}

/** What a PSBT of a funding spend carries beyond the transaction. */
export interface ChannelPsbtOptions {
  /** Origins of the channel's keys, as bip32Derivation of the inputs and outputs they appear in. */
  readonly origins?: KeyOrigins;
  /** The funding transaction, added as nonWitnessUtxo for wallets that insist on it. */
  readonly fundingTx?: Uint8Array;
}

/**
 * The sender's version of a state as a PSBT of the funding input.
 *
 * @param p - As {@link buildSenderPaymentTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createSenderPaymentPsbt(p: SenderPaymentParams, opts: ChannelPsbtOptions = {}): Psbt {
  expectObject(p, 'payment params');
  optionsOf(opts);
  const ctx = verifyChannelParams(p.channel);
  checkState(p.state);
  asPublicKey(p.updateKey, 'updateKey');
  const tx = paymentTx(ctx, p.state, senderPaymentOutputs(ctx, p.amount, p.updateKey));
  return fundingSpendPsbt(ctx, tx, originList(opts.origins), opts.fundingTx, [revocableScriptFor(ctx, p.updateKey)]);
}

/**
 * The receiver's version of a state as a PSBT of the funding input.
 *
 * @param p - As {@link buildReceiverPaymentTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `amount` plus the payment fee exceeds the capacity, or every output would be dust.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createReceiverPaymentPsbt(p: ReceiverPaymentParams, opts: ChannelPsbtOptions = {}): Psbt {
  expectObject(p, 'payment params');
  optionsOf(opts);
  const ctx = verifyChannelParams(p.channel);
  checkState(p.state);
  const tx = paymentTx(ctx, p.state, receiverPaymentOutputs(ctx, p.amount));
  return fundingSpendPsbt(ctx, tx, originList(opts.origins), opts.fundingTx, []);
}

/**
 * The cooperative close as a PSBT of the funding input.
 *
 * @param p - As {@link buildCooperativeCloseTx}.
 * @param opts - Key origins, and the funding transaction for wallets that want it.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `amount` is not in [0, capacity].
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee exceeds the sender's balance, or every output would be dust.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `opts.fundingTx` does not parse or is not the channel's funding transaction.
 */
export function createClosePsbt(p: CloseParams, opts: ChannelPsbtOptions = {}): Psbt {
  expectObject(p, 'close params');
  optionsOf(opts);
  const ctx = verifyChannelParams(p.channel);
  const tx = closeTx(ctx, closeOutputs(ctx, p.amount, p.feeRate));
  return fundingSpendPsbt(ctx, tx, originList(opts.origins), opts.fundingTx, []);
}

function revocableSpendPsbt(tx: Transaction, spent: Uint8Array, scripts: readonly (Uint8Array | undefined)[], origins: readonly KeyOrigin[]): Psbt {
  const psbt = newPsbt(tx);
  const prev = Transaction.fromBuffer(spent);
  tx.ins.forEach((input, i) => {
    const out = prev.outs[input.index]!;
    const ws = scripts[i];
    const keys = ws ? scriptKeys(ws) : origins.filter((k) => bytesEqual(p2wpkhScript(k.pubkey), out.script)).map((k) => k.pubkey);
    const bip32Derivation = derivationsFor(keys, origins);
    psbt.addInput({
      hash: input.hash,
      index: input.index,
      sequence: input.sequence,
      witnessUtxo: { script: out.script, value: out.value },
      nonWitnessUtxo: spent,
      sighashType: SIGHASH_ALL,
      ...(ws ? { witnessScript: ws } : {}),
      ...(bip32Derivation ? { bip32Derivation } : {}),
    });
  });
  addOutputs(psbt, tx, origins, []);
  return psbt;
}

/**
 * The penalty claim as a PSBT, with the revoked transaction as each input's nonWitnessUtxo.
 *
 * @param p - As {@link buildPenaltyTx}.
 * @param opts - Key origins.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_SCRIPT`, `INVALID_FEE_RATE`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM` or `FEE_EXCEEDS_OUTPUT` as {@link planPenalty}.
 */
export function createPenaltyPsbt(p: PenaltyParams, opts: {
  /** Origins of the channel's and the wallet's keys. */
  origins?: KeyOrigins;
} = {}): Psbt {
  expectObject(p, 'penalty params');
  optionsOf(opts);
  const plan = planPenalty(verifyChannelParams(p.channel), p);
  const scripts = plan.inputs.map((i) => (i.kind === 'revocable' ? i.scriptCode : undefined));
  return revocableSpendPsbt(plan.tx, p.revokedTx, scripts, originList(opts.origins));
}

/**
 * The timeout sweep as a PSBT, with the sender's version as its input's nonWitnessUtxo.
 *
 * @param p - As {@link buildTimeoutTx}.
 * @param opts - Key origins.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `opts` is not an object, or `opts.origins` is neither an array nor an object by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_SCRIPT`, `INVALID_FEE_RATE`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM` or `FEE_EXCEEDS_OUTPUT` as {@link planTimeout}.
 */
export function createTimeoutPsbt(p: TimeoutParams, opts: {
  /** Origins of the channel's and the wallet's keys. */
  origins?: KeyOrigins;
} = {}): Psbt {
  expectObject(p, 'timeout params');
  optionsOf(opts);
  const plan = planTimeout(verifyChannelParams(p.channel), p);
  return revocableSpendPsbt(plan.tx, p.senderTx, [plan.revocable.witnessScript], originList(opts.origins));
}
