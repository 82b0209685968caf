/**
 * The parameters both parties agree on at open, and the checked view of them
 * that every builder works from. Scripts, fees and the sighash cache are
 * derived once here instead of on every payment.
 */
import { expectBytes } from '../arguments';
import { fail } from '../errors';
import { expectContext, registerContext } from './context';
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
  /** The revocable script around K_i, which is the only part that changes from state to state. */
  readonly revocableParts: { readonly before: Uint8Array; readonly after: Uint8Array };
  readonly obscuringFactor: bigint;
  /** Fee of either payment version: the same for both so their amounts match. */
  readonly paymentFee: bigint;
  readonly sighash: FundingSighash;
}

export const TX_VERSION = 2;

/** Check every parameter once and derive what the builders need. */
export function verifyChannelParams(p: ChannelParams): ChannelContext {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) fail('INVALID_ARGUMENT', 'channel parameters must be an object');
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
  return registerContext({
    params: p,
    fundingHash,
    fundingScript,
    fundingScriptPubKey: p2wshScript(fundingScript),
    receiverPayoutScript: p2wpkhScript(p.receiverPayoutKey),
    senderPayoutScript: p2wpkhScript(p.senderPayoutKey),
    revocableTemplate: revocableTemplate(p.variant),
    revocableParts: revocableParts(p),
    obscuringFactor: deriveObscuringFactor(p.senderFundingKey, p.receiverFundingKey),
    paymentFee,
    sighash: new FundingSighash(TX_VERSION, fundingHash, p.fundingOutpoint.vout, fundingScript, p.capacity),
  });
}

/**
 * Split the channel's revocable script at K_i's push, found by its token
 * position in the template (every token compiles to one opcode or one short push).
 */
function revocableParts(p: ChannelParams): { before: Uint8Array; after: Uint8Array } {
  const script = compileRevocableScript({
    receiverRevocationKey: p.receiverRevocationKey, updateKey: p.receiverRevocationKey, senderPayoutKey: p.senderPayoutKey, variant: p.variant,
  });
  const tokens = revocableTemplate(p.variant).asm.split(' ');
  const slot = tokens.indexOf('<K_i>');
  let at = 0;
  for (let t = 0; t < slot; t++) {
    const op = script[at]!;
    at += op >= 1 && op <= 75 ? 1 + op : 1;
  }
  if (script[at] !== 33) fail('INVALID_SCRIPT', 'revocable template: K_i slot not found');
  return { before: script.subarray(0, at + 1), after: script.subarray(at + 34) };
}

/** The revocable script for K_i; `updateKey` must already be checked (the channel's own key, or checked at the message boundary). */
export function revocableScriptFor(ctx: ChannelContext, updateKey: PublicKey): Uint8Array {
  expectContext(ctx);
  expectBytes(updateKey, 'updateKey', 33);
  const { before, after } = ctx.revocableParts;
  const out = new Uint8Array(before.length + 33 + after.length);
  // before ends with the push opcode (0x21); the key follows.
  out.set(before, 0);
  out.set(updateKey, before.length);
  out.set(after, before.length + 33);
  return out;
}
