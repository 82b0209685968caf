/**
 * Penalty claim: the receiver spends the revocable output of a revoked sender's
 * version through the penalty branch (K_i revealed + R_r), every HTLC output of
 * it through theirs, and by default its own output of that version too, to one
 * destination. Only receiver-held keys
 * sign it, so the receiver alone can replace it with a higher fee.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectCount, expectObject } from '../../../core/arguments';
import { ScriptTemplate } from '../../../script/templates';
import { fail } from '../../../core/errors';
import { assembleWitness } from '../../../script/witness';
import {
  FeeRate, PrivateKey, PublicKey, asPrivateKey, derivePublicKey, feeForWeight,
} from '../../../core/types';
import { ChannelContext, ChannelParams, verifyChannelParams } from '../params';
import { TX_VERSION } from '../../../tx/spend';
import { bytesEqual } from '../../../core/hash';
import { dustLimit } from '../../../tx/outputs';
import { revocableSpendOf } from './revocable-spend';
import { RBF_SEQUENCE, p2wpkhScriptCode } from '../../../tx/spend';
import { SIGHASH_ALL } from '../../../tx/sighash';
import { signSighash } from '../../../tx/signature';
import { penaltyWeight, revocableInput } from './weights';
import { Htlc, checkHtlcs } from '../../../tx/htlcs';
import { InputShape, P2WPKH_INPUT, segwitTxWeight } from '../../../tx/weights';
import { maxWitnessSize } from '../../../script/witness';
import { checkDestinationScript, p2wshScript } from '../../../tx/outputs';
import { asPublicKey, checkFeeRate } from '../../../core/types';
import { toHex } from '../../../core/hash';
import { revocableScriptFor } from '../params';
import { parseChannelSpend } from './revocable-spend';
import { HTLC_SENDER_TEMPLATE } from '../templates';
import { htlcWitnessScript } from './htlc-version';

/** What fixes the penalty claim. */
export interface PenaltyParams {
  /** The channel's parameters, checked on each call. */
  readonly channel: ChannelParams;
  /** The revoked sender's version as seen on chain. */
  readonly revokedTx: Uint8Array;
  /** K_i of the revoked state (k_i * G from the revealed secret). */
  readonly updateKey: PublicKey;
  /** Where the claim pays: a standard output script of the receiver's wallet. */
  readonly destinationScript: Uint8Array;
  /** The claim's fee rate, sat/kw. */
  readonly feeRate: FeeRate;
  /** Also spend the receiver's own output of the revoked version (default true). */
  readonly sweepReceiverOutput?: boolean;
  /** The HTLCs pending in the revoked state: each one's output is swept too (through its penalty branch). */
  readonly htlcs?: readonly Htlc[];
  /** Outputs of the revoked version not to spend: someone else's confirmed spend took them. */
  readonly leaveOut?: readonly number[];
}

/** The receiver's private keys that sign the claim. */
export interface PenaltyKeys {
  /** k_i, the revoked state's secret, revealed by the sender's revoke. */
  readonly updateSecret: PrivateKey;
  /** The private key of the channel's `receiverRevocationKey`. */
  readonly revocationKey: PrivateKey;
  /** Needed only when the receiver's output is swept too. */
  readonly receiverPayoutKey?: PrivateKey;
}

/** One input of a penalty claim, with what signing it needs. */
export interface PenaltyInput {
  /** The revocable output or an HTLC output (penalty branch), or the receiver's own P2WPKH output. */
  readonly kind: 'revocable' | 'htlc' | 'receiver';
  /** The value of the output spent. */
  readonly value: bigint;
  /** BIP 143 scriptCode: the witness script, or the P2PKH form for P2WPKH. */
  readonly scriptCode: Uint8Array;
}

/** An unsigned penalty claim and what signing it needs. */
export interface PenaltyPlan {
  /** The unsigned claim. */
  readonly tx: Transaction;
  /** Its inputs, in order. */
  readonly inputs: readonly PenaltyInput[];
  /** The fee it pays, in satoshis. */
  readonly fee: bigint;
}

/**
 * The unsigned penalty claim with its inputs' scriptCodes and values.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param p - The revoked transaction, K_i, the destination, the fee rate and whether to sweep the receiver's own output.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context, `p` is not an object or `leaveOut` is not a list of output indexes.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `revokedTx` does not parse or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if `revokedTx` has no revocable output for `updateKey` (nor, with `htlcs`, an HTLC output) that is not left out.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if `htlcs` holds more than MAX_HTLCS.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an HTLC's amount is out of range.
 */
export function planPenalty(ctx: ChannelContext, p: PenaltyParams): PenaltyPlan {
  expectObject(p, 'penalty params');
  const htlcs = p.htlcs === undefined ? [] : checkHtlcs(p.htlcs);
  const leaveOut = leftOut(p.leaveOut);
  if (htlcs.length > 0) return planPenaltyWithHtlcs(ctx, p, htlcs, leaveOut);
  const { tx: revoked, output: rev } = revocableSpendOf(ctx, p.revokedTx, p);
  if (leaveOut.has(rev.vout)) fail('NOTHING_TO_CLAIM', 'the revocable output is left out: nothing else to claim');

  const txHash = revoked.getHash();
  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = 0;
  tx.addInput(txHash, rev.vout, RBF_SEQUENCE);
  const inputs: PenaltyInput[] = [{ kind: 'revocable', value: rev.value, scriptCode: rev.witnessScript }];

  const sweep = p.sweepReceiverOutput ?? true;
  const ownVout = sweep ? revoked.outs.findIndex((o, vout) => !leaveOut.has(vout) && bytesEqual(o.script, ctx.receiverPayoutScript)) : -1;
  if (ownVout >= 0) {
    tx.addInput(txHash, ownVout, RBF_SEQUENCE);
    inputs.push({ kind: 'receiver', value: revoked.outs[ownVout]!.value, scriptCode: p2wpkhScriptCode(ctx.receiverPayoutScript) });
  }
  const fee = feeForWeight(penaltyWeight(ctx.revocableTemplate, ownVout >= 0, p.destinationScript.length), p.feeRate);
  const total = inputs.reduce((s, i) => s + i.value, 0n);
  if (total - fee < dustLimit(p.destinationScript)) fail('FEE_EXCEEDS_OUTPUT', 'penalty fee leaves a dust output', { fee: fee.toString() });
  tx.addOutput(p.destinationScript, total - fee);
  return { tx, inputs, fee };
}

/**
 * The penalty of a revoked version that carried HTLCs: the revocable output
 * (if the sender's balance was not dust), every HTLC output (each found by
 * its recomputed script) and the receiver's own output, in output order, in one claim.
 */
function planPenaltyWithHtlcs(ctx: ChannelContext, p: PenaltyParams, htlcs: readonly Htlc[], leaveOut: ReadonlySet<number>): PenaltyPlan {
  asPublicKey(p.updateKey, 'updateKey');
  checkDestinationScript(p.destinationScript);
  checkFeeRate(p.feeRate);
  const revoked = parseChannelSpend(ctx, p.revokedTx);
  const revocable = revocableScriptFor(ctx, p.updateKey);
  const revocableSpk = p2wshScript(revocable);
  const htlcScripts = new Map<string, Uint8Array>();
  for (const h of htlcs) {
    const ws = htlcWitnessScript(ctx, 'sender', h, p.updateKey);
    htlcScripts.set(toHex(p2wshScript(ws)), ws);
  }
  const sweep = p.sweepReceiverOutput ?? true;
  const txHash = revoked.getHash();
  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = 0;
  const inputs: PenaltyInput[] = [];
  const shapes: InputShape[] = [];
  revoked.outs.forEach((o, vout) => {
    let input: PenaltyInput | undefined;
    if (leaveOut.has(vout)) return;
    if (bytesEqual(o.script, revocableSpk)) {
      input = { kind: 'revocable', value: o.value, scriptCode: revocable };
      shapes.push(revocableInput(ctx.revocableTemplate, 'penalty'));
    } else if (htlcScripts.has(toHex(o.script))) {
      input = { kind: 'htlc', value: o.value, scriptCode: htlcScripts.get(toHex(o.script))! };
      shapes.push({ scriptSigLength: 0, witnessSize: maxWitnessSize(HTLC_SENDER_TEMPLATE, 'penalty') });
    } else if (sweep && bytesEqual(o.script, ctx.receiverPayoutScript)) {
      input = { kind: 'receiver', value: o.value, scriptCode: p2wpkhScriptCode(ctx.receiverPayoutScript) };
      shapes.push(P2WPKH_INPUT);
    }
    if (input === undefined) return;
    tx.addInput(txHash, vout, RBF_SEQUENCE);
    inputs.push(input);
  });
  if (!inputs.some((i) => i.kind !== 'receiver')) fail('NOTHING_TO_CLAIM', 'no revocable or HTLC output for this update key');
  const fee = feeForWeight(segwitTxWeight(shapes, [p.destinationScript.length]), p.feeRate);
  const total = inputs.reduce((s, i) => s + i.value, 0n);
  if (total - fee < dustLimit(p.destinationScript)) fail('FEE_EXCEEDS_OUTPUT', 'penalty fee leaves a dust output', { fee: fee.toString() });
  tx.addOutput(p.destinationScript, total - fee);
  return { tx, inputs, fee };
}

function leftOut(vouts: readonly number[] | undefined): ReadonlySet<number> {
  if (vouts === undefined) return new Set();
  if (!Array.isArray(vouts) || !vouts.every((v) => Number.isSafeInteger(v) && v >= 0)) fail('INVALID_ARGUMENT', 'leaveOut must be an array of output indexes');
  return new Set(vouts);
}

/**
 * The weight of a penalty claim of a revoked version that carried HTLCs, by
 * the outputs it takes (each input at its largest witness).
 *
 * @param t - The revocable output's template.
 * @param takes - Whether it takes the revocable output, how many HTLC outputs, and whether the receiver's own output.
 * @param destinationLength - The length of the claim's output script.
 * @returns The weight.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `takes` is malformed or `destinationLength` is not a non-negative integer.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `t` is not a valid template or has no penalty branch.
 */
export function htlcPenaltyWeight(t: ScriptTemplate, takes: {
  /** The revocable output (absent when the sender's balance was dust, or someone else took it). */
  readonly revocable: boolean;
  /** How many HTLC outputs. */
  readonly htlcOutputs: number;
  /** The receiver's own P2WPKH output. */
  readonly receiverOutput: boolean;
}, destinationLength: number): number {
  expectObject(takes, 'penalty inputs');
  expectCount(takes.htlcOutputs, 'HTLC output count');
  expectCount(destinationLength, 'destination length');
  const shapes: InputShape[] = [];
  if (takes.revocable) shapes.push(revocableInput(t, 'penalty'));
  for (let i = 0; i < takes.htlcOutputs; i++) shapes.push({ scriptSigLength: 0, witnessSize: maxWitnessSize(HTLC_SENDER_TEMPLATE, 'penalty') });
  if (takes.receiverOutput) shapes.push(P2WPKH_INPUT);
  return segwitTxWeight(shapes, [destinationLength]);
}

/**
 * The unsigned penalty claim of a revoked sender's version.
 *
 * @param p - The channel, the revoked transaction, K_i, the destination, the fee rate and whether to sweep the receiver's own output.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object or `leaveOut` is not a list of output indexes.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `revokedTx` does not parse or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if `revokedTx` has no revocable output for `updateKey` (nor, with `htlcs`, an HTLC output) that is not left out.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if `htlcs` holds more than MAX_HTLCS.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an HTLC's amount is out of range.
 */
export function buildPenaltyTx(p: PenaltyParams): Transaction {
  expectObject(p, 'penalty params');
  return planPenalty(verifyChannelParams(p.channel), p).tx;
}

/**
 * Builds and fully signs the claim; each key is checked against the channel before use.
 *
 * @param p - The channel, the revoked transaction, K_i, the destination, the fee rate and whether to sweep the receiver's own output.
 * @param keys - k_i, the revocation key, and the receiver's payout key when its output is swept.
 * @returns The signed claim, ready to broadcast.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` or `keys` is not an object, or `leaveOut` is not a list of output indexes.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key, a private key is malformed, the revocation key or the receiver's payout key does not match the channel, or the payout key is missing when the receiver's output is swept.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `revokedTx` does not parse or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if `revokedTx` has no revocable output for `updateKey` (nor, with `htlcs`, an HTLC output) that is not left out.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
 * @throws {@link ChannelError} `HTLC_TOO_MANY` if `htlcs` holds more than MAX_HTLCS.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if an HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an HTLC's amount is out of range.
 * @throws {@link ChannelError} `REVOKED_SECRET_MISMATCH` if `updateSecret` is not the secret of `updateKey`.
 *
 * @example
 * ```ts
 * const claim = signPenaltyTx(
 *   { channel: params, revokedTx, updateKey: derivePublicKey(secret), destinationScript, feeRate: 2000n },
 *   { updateSecret: secret, revocationKey, receiverPayoutKey },
 * );
 * ```
 */
export function signPenaltyTx(p: PenaltyParams, keys: PenaltyKeys): Transaction {
  expectObject(p, 'penalty params');
  expectObject(keys, 'penalty keys');
  const ctx = verifyChannelParams(p.channel);
  const plan = planPenalty(ctx, p);
  asPrivateKey(keys.updateSecret, 'updateSecret');
  asPrivateKey(keys.revocationKey, 'revocationKey');
  if (!bytesEqual(derivePublicKey(keys.updateSecret), p.updateKey)) fail('REVOKED_SECRET_MISMATCH', 'update secret does not match updateKey', undefined, { action: 'ignore' }); // the caller's argument, not the counterparty's revoke
  if (!bytesEqual(derivePublicKey(keys.revocationKey), ctx.params.receiverRevocationKey)) fail('INVALID_KEY', 'revocation key does not match the channel');
  const { tx } = plan;
  plan.inputs.forEach((input, i) => {
    const hash = tx.hashForWitnessV0(i, input.scriptCode, input.value, SIGHASH_ALL);
    if (input.kind !== 'receiver') {
      const sigs = { K_i: signSighash(hash, keys.updateSecret), R_r: signSighash(hash, keys.revocationKey) };
      const template = input.kind === 'revocable' ? ctx.revocableTemplate : HTLC_SENDER_TEMPLATE;
      tx.setWitness(i, assembleWitness(template, 'penalty', sigs, input.scriptCode));
    } else {
      const k = keys.receiverPayoutKey;
      if (k === undefined) fail('INVALID_KEY', 'receiverPayoutKey needed to sweep the receiver output');
      asPrivateKey(k, 'receiverPayoutKey');
      const pub = derivePublicKey(k);
      if (!bytesEqual(pub, ctx.params.receiverPayoutKey)) fail('INVALID_KEY', 'receiver payout key does not match the channel');
      tx.setWitness(i, [signSighash(hash, k), pub]);
    }
  });
  return tx;
}
