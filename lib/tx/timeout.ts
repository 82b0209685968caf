/**
 * Timeout sweep: the sender spends the revocable output of its latest version
 * through the timeout branch. CLTV: nLockTime = T and a non-final sequence.
 * CSV: version 2 and nSequence = D (BIP 68), so the node refuses it until D
 * blocks after the payment transaction confirmed.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../arguments';
import { fail } from '../errors';
import { assembleWitness } from '../scripts/witness';
import {
  FeeRate, PrivateKey, PublicKey, absoluteLockValue, asPrivateKey, derivePublicKey,
  feeForWeight, relativeLockValue,
} from '../types';
import { ChannelContext, ChannelParams, TX_VERSION, verifyChannelParams } from './channel-params';
import { bytesEqual } from './hash';
import { dustLimit } from './outputs';
import { RBF_SEQUENCE, RevocableOutput, revocableSpendOf } from './revocable-spend';
import { SIGHASH_ALL } from './sighash';
import { signSighash } from './signature';
import { timeoutWeight } from './weights';

/** What fixes the sender's timeout sweep. */
export interface TimeoutParams {
  /** The channel's parameters, checked on each call. */
  readonly channel: ChannelParams;
  /** The sender's version that confirmed. */
  readonly senderTx: Uint8Array;
  /** K_i of that version. */
  readonly updateKey: PublicKey;
  /** Where the sweep pays: a standard output script of the sender's wallet. */
  readonly destinationScript: Uint8Array;
  /** The sweep's fee rate, sat/kw. */
  readonly feeRate: FeeRate;
}

/** An unsigned timeout sweep and what signing it needs. */
export interface TimeoutPlan {
  /** The unsigned sweep. */
  readonly tx: Transaction;
  /** The revocable output it spends. */
  readonly revocable: RevocableOutput;
  /** The fee it pays, in satoshis. */
  readonly fee: bigint;
}

/**
 * The unsigned timeout sweep with the output it spends.
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param p - The confirmed sender's version, its K_i, the destination and the fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `p` is not an object.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `senderTx` does not parse or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if `senderTx` has no revocable output for `updateKey`.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
 */
export function planTimeout(ctx: ChannelContext, p: TimeoutParams): TimeoutPlan {
  expectObject(p, 'timeout params');
  const { tx: senderTx, output: rev } = revocableSpendOf(ctx, p.senderTx, p);

  const tx = new Transaction();
  tx.version = TX_VERSION;
  const v = ctx.params.variant;
  if (v.kind === 'cltv') {
    tx.locktime = absoluteLockValue(v.expiry);
    tx.addInput(senderTx.getHash(), rev.vout, RBF_SEQUENCE);
  } else {
    tx.locktime = 0;
    tx.addInput(senderTx.getHash(), rev.vout, relativeLockValue(v.delay));
  }
  const fee = feeForWeight(timeoutWeight(ctx.revocableTemplate, p.destinationScript.length), p.feeRate);
  if (rev.value - fee < dustLimit(p.destinationScript)) fail('FEE_EXCEEDS_OUTPUT', 'timeout fee leaves a dust output', { fee: fee.toString() });
  tx.addOutput(p.destinationScript, rev.value - fee);
  return { tx, revocable: rev, fee };
}

/**
 * The unsigned timeout sweep of the sender's revocable output: nLockTime T (CLTV) or nSequence D (CSV).
 *
 * @param p - The channel, the confirmed sender's version, its K_i, the destination and the fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `senderTx` does not parse or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if `senderTx` has no revocable output for `updateKey`.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
 */
export function buildTimeoutTx(p: TimeoutParams): Transaction {
  expectObject(p, 'timeout params');
  return planTimeout(verifyChannelParams(p.channel), p).tx;
}

/**
 * The timeout sweep, signed with the sender's payout key.
 *
 * @param p - The channel, the confirmed sender's version, its K_i, the destination and the fee rate.
 * @param senderPayoutKey - The private key of the channel's `senderPayoutKey`.
 * @returns The signed sweep; the node accepts it once the timeout has passed.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key, or `senderPayoutKey` is malformed or not the channel's.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `senderTx` does not parse or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if `senderTx` has no revocable output for `updateKey`.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
 *
 * @example
 * ```ts
 * const sweep = signTimeoutTx(
 *   { channel: params, senderTx, updateKey: deriveUpdateKey(seed, state), destinationScript, feeRate: 1000n },
 *   senderPayoutKey,
 * );
 * ```
 */
export function signTimeoutTx(p: TimeoutParams, senderPayoutKey: PrivateKey): Transaction {
  expectObject(p, 'timeout params');
  const ctx = verifyChannelParams(p.channel);
  const { tx, revocable } = planTimeout(ctx, p);
  asPrivateKey(senderPayoutKey, 'senderPayoutKey');
  if (!bytesEqual(derivePublicKey(senderPayoutKey), ctx.params.senderPayoutKey)) fail('INVALID_KEY', 'sender payout key does not match the channel');
  const hash = tx.hashForWitnessV0(0, revocable.witnessScript, revocable.value, SIGHASH_ALL);
  tx.setWitness(0, assembleWitness(ctx.revocableTemplate, 'timeout', { S_p: signSighash(hash, senderPayoutKey) }, revocable.witnessScript));
  return tx;
}
