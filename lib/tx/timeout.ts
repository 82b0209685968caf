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

export interface TimeoutParams {
  readonly channel: ChannelParams;
  /** The sender's version that confirmed. */
  readonly senderTx: Uint8Array;
  /** K_i of that version. */
  readonly updateKey: PublicKey;
  readonly destinationScript: Uint8Array;
  readonly feeRate: FeeRate;
}

export interface TimeoutPlan {
  readonly tx: Transaction;
  readonly revocable: RevocableOutput;
  readonly fee: bigint;
}

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

export function buildTimeoutTx(p: TimeoutParams): Transaction {
  expectObject(p, 'timeout params');
  return planTimeout(verifyChannelParams(p.channel), p).tx;
}

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
