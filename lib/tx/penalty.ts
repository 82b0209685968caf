/**
 * Penalty claim: the receiver spends the revocable output of a revoked sender's
 * version through the penalty branch (K_i revealed + R_r), and by default its
 * own output of that version too, to one destination. Only receiver-held keys
 * sign it, so the receiver alone can replace it with a higher fee.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectObject } from '../arguments';
import { fail } from '../errors';
import { assembleWitness } from '../scripts/witness';
import {
  FeeRate, PrivateKey, PublicKey, asPrivateKey, derivePublicKey, feeForWeight,
} from '../types';
import { ChannelContext, ChannelParams, TX_VERSION, verifyChannelParams } from './channel-params';
import { bytesEqual } from './hash';
import { dustLimit } from './outputs';
import { RBF_SEQUENCE, p2wpkhScriptCode, revocableSpendOf } from './revocable-spend';
import { SIGHASH_ALL } from './sighash';
import { signSighash } from './signature';
import { penaltyWeight } from './weights';

export interface PenaltyParams {
  readonly channel: ChannelParams;
  /** The revoked sender's version as seen on chain. */
  readonly revokedTx: Uint8Array;
  /** K_i of the revoked state (k_i * G from the revealed secret). */
  readonly updateKey: PublicKey;
  readonly destinationScript: Uint8Array;
  readonly feeRate: FeeRate;
  /** Also spend the receiver's own output of the revoked version (default true). */
  readonly sweepReceiverOutput?: boolean;
}

export interface PenaltyKeys {
  readonly updateSecret: PrivateKey;
  readonly revocationKey: PrivateKey;
  /** Needed only when the receiver's output is swept too. */
  readonly receiverPayoutKey?: PrivateKey;
}

interface PenaltyInput {
  readonly kind: 'revocable' | 'receiver';
  readonly value: bigint;
  /** BIP 143 scriptCode: the witness script, or the P2PKH form for P2WPKH. */
  readonly scriptCode: Uint8Array;
}

export interface PenaltyPlan {
  readonly tx: Transaction;
  readonly inputs: readonly PenaltyInput[];
  readonly fee: bigint;
}

export function planPenalty(ctx: ChannelContext, p: PenaltyParams): PenaltyPlan {
  expectObject(p, 'penalty params');
  const { tx: revoked, output: rev } = revocableSpendOf(ctx, p.revokedTx, p);

  const txHash = revoked.getHash();
  const tx = new Transaction();
  tx.version = TX_VERSION;
  tx.locktime = 0;
  tx.addInput(txHash, rev.vout, RBF_SEQUENCE);
  const inputs: PenaltyInput[] = [{ kind: 'revocable', value: rev.value, scriptCode: rev.witnessScript }];

  const sweep = p.sweepReceiverOutput ?? true;
  const ownVout = sweep ? revoked.outs.findIndex((o) => bytesEqual(o.script, ctx.receiverPayoutScript)) : -1;
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

export function buildPenaltyTx(p: PenaltyParams): Transaction {
  expectObject(p, 'penalty params');
  return planPenalty(verifyChannelParams(p.channel), p).tx;
}

/** Builds and fully signs the claim; each key is checked against the channel before use. */
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
    if (input.kind === 'revocable') {
      const sigs = { K_i: signSighash(hash, keys.updateSecret), R_r: signSighash(hash, keys.revocationKey) };
      tx.setWitness(i, assembleWitness(ctx.revocableTemplate, 'penalty', sigs, input.scriptCode));
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
