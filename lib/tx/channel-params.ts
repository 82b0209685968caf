/**
 * The parameters both parties agree on at open, and the checked view of them
 * that every builder works from. Scripts, fees and the sighash cache are
 * derived once here instead of on every payment.
 */
import { fail } from '../errors';
import { compileFundingScript, compileRevocableScript, revocableTemplate } from '../scripts/compile';
import { ScriptTemplate } from '../scripts/templates';
import {
  FeeRate, OutPoint, PublicKey, Variant,
  asPublicKey, checkAmount, checkFeeRate, checkTxid, checkVariant, checkVout, feeForWeight,
} from '../types';
import { bytesEqual, txidToHash } from './hash';
import { DUST_P2WSH } from '../types';
import { p2wpkhScript, p2wshScript } from './outputs';
import { FundingSighash } from './sighash';
import { deriveObscuringFactor } from './state-number';
import { PAYMENT_WEIGHT } from './weights';

export interface ChannelParams {
  readonly fundingOutpoint: OutPoint;
  readonly capacity: bigint;
  readonly senderFundingKey: PublicKey;
  readonly receiverFundingKey: PublicKey;
  readonly senderPayoutKey: PublicKey;
  readonly receiverPayoutKey: PublicKey;
  readonly receiverRevocationKey: PublicKey;
  readonly variant: Variant;
  /** Fee rate of the payment transactions, sat per 1000 weight units. */
  readonly feeRate: FeeRate;
}

export interface ChannelContext {
  readonly params: ChannelParams;
  readonly fundingHash: Uint8Array;
  readonly fundingScript: Uint8Array;
  readonly fundingScriptPubKey: Uint8Array;
  readonly receiverPayoutScript: Uint8Array;
  readonly senderPayoutScript: Uint8Array;
  readonly revocableTemplate: ScriptTemplate;
  readonly obscuringFactor: bigint;
  /** Fee of either payment version: the same for both so their amounts match. */
  readonly paymentFee: bigint;
  readonly sighash: FundingSighash;
}

export const TX_VERSION = 2;

/** Check every parameter once and derive what the builders need. */
export function verifyChannelParams(p: ChannelParams): ChannelContext {
  if (p === null || typeof p !== 'object') fail('INVALID_ARGUMENT', 'channel parameters must be an object');
  if (p.fundingOutpoint === null || typeof p.fundingOutpoint !== 'object') fail('INVALID_ARGUMENT', 'fundingOutpoint missing');
  checkTxid(p.fundingOutpoint.txid, 'fundingOutpoint.txid');
  checkVout(p.fundingOutpoint.vout);
  checkAmount(p.capacity, 'capacity', 1n);
  asPublicKey(p.senderFundingKey, 'senderFundingKey');
  asPublicKey(p.receiverFundingKey, 'receiverFundingKey');
  asPublicKey(p.senderPayoutKey, 'senderPayoutKey');
  asPublicKey(p.receiverPayoutKey, 'receiverPayoutKey');
  asPublicKey(p.receiverRevocationKey, 'receiverRevocationKey');
  if (bytesEqual(p.receiverRevocationKey, p.senderPayoutKey)) fail('INVALID_KEY', 'revocation and sender payout keys must differ');
  checkVariant(p.variant);
  checkFeeRate(p.feeRate);

  const fundingScript = compileFundingScript(p);
  const paymentFee = feeForWeight(PAYMENT_WEIGHT, p.feeRate);
  // State 0 must leave the sender a refund output worth having.
  if (p.capacity < paymentFee + DUST_P2WSH) {
    fail('FEE_EXCEEDS_OUTPUT', 'capacity does not cover the payment fee plus a non-dust refund', {
      capacity: p.capacity.toString(), fee: paymentFee.toString(),
    });
  }
  const fundingHash = txidToHash(p.fundingOutpoint.txid);
  return {
    params: p,
    fundingHash,
    fundingScript,
    fundingScriptPubKey: p2wshScript(fundingScript),
    receiverPayoutScript: p2wpkhScript(p.receiverPayoutKey),
    senderPayoutScript: p2wpkhScript(p.senderPayoutKey),
    revocableTemplate: revocableTemplate(p.variant),
    obscuringFactor: deriveObscuringFactor(p.senderFundingKey, p.receiverFundingKey),
    paymentFee,
    sighash: new FundingSighash(TX_VERSION, fundingHash, p.fundingOutpoint.vout, fundingScript, p.capacity),
  };
}

export function revocableScriptFor(ctx: ChannelContext, updateKey: PublicKey): Uint8Array {
  const p = ctx.params;
  return compileRevocableScript({
    receiverRevocationKey: p.receiverRevocationKey,
    updateKey,
    senderPayoutKey: p.senderPayoutKey,
    variant: p.variant,
  });
}
