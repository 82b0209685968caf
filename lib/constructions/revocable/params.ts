/**
 * The parameters both parties of a revocable channel agree on at open, and
 * the checked view of them that every builder of the construction works from. Scripts, fees and the sighash cache are
 * derived once here instead of on every payment.
 */
import { expectBytes } from '../../core/arguments';
import { fail } from '../../core/errors';
import { expectContext, registerContext } from './context';
import { compileRevocableScript, revocableTemplate } from './templates';
import { ScriptTemplate } from '../../script/templates';
import { FeeRate, PublicKey, RelativeLock, Variant, asPublicKey, checkAmount, checkFeeRate, checkVariant, feeForWeight, relativeLockValue } from '../../core/types';
import { bytesEqual } from '../../core/hash';
import { DUST_P2WSH } from '../../core/types';
import { p2wpkhScript } from '../../tx/outputs';
import { FundingSighash } from '../../tx/sighash';
import { FundingOutputContext, FundingOutputParams, verifyFundingOutputParams } from '../../tx/funding-spend';
import { deriveObscuringFactor } from './tx/state-number';
import { PAYMENT_WEIGHT } from './tx/weights';

/** Everything both parties agree on at open: the funding output (outpoint, capacity, funding keys), the payout and revocation keys, the timeout and the payment fee rate. */
export interface ChannelParams extends FundingOutputParams {
  /** The sender's key in the revocable output's timeout branch, and its close output. */
  readonly senderPayoutKey: PublicKey;
  /** The key of the receiver's P2WPKH output in every payment and the close. */
  readonly receiverPayoutKey: PublicKey;
  /** The receiver's key in the revocable output's penalty branch, with the update key K_i. */
  readonly receiverRevocationKey: PublicKey;
  /** The timeout that guards the sender's revocable output. */
  readonly variant: Variant;
  /** Fee rate of the payment transactions, sat per 1000 weight units. */
  readonly feeRate: FeeRate;
  /** What HTLC outputs need; a channel without it carries no HTLCs. */
  readonly htlc?: HtlcTerms;
}

/** The channel-wide terms of its HTLCs, agreed at open. */
export interface HtlcTerms {
  /** R_h: the receiver's key in every HTLC's success branch (BIP32, never revealed). */
  readonly receiverHtlcKey: PublicKey;
  /** D: how long after a version confirms the sender's timeout (sender's version) and the receiver's success (receiver's version) wait. */
  readonly delay: RelativeLock;
  /** The most that HTLCs too small to be outputs may add to a version's fee together. */
  readonly maxDustExposure: bigint;
}

/** The checked view of {@link ChannelParams} that every builder works from; made only by {@link verifyChannelParams}. */
export interface ChannelContext {
  /** The parameters it was made from. */
  readonly params: ChannelParams;
  /** The funding output's checked view, which every spend of it (payment versions, the close) is built from. */
  readonly funding: FundingOutputContext;
  /** The funding txid as the little-endian hash inside transactions (`funding.fundingHash`). */
  readonly fundingHash: Uint8Array;
  /** The funding 2-of-2 witness script (`funding.fundingScript`). */
  readonly fundingScript: Uint8Array;
  /** The funding output's P2WSH script (`funding.fundingScriptPubKey`). */
  readonly fundingScriptPubKey: Uint8Array;
  /** The receiver's P2WPKH output script. */
  readonly receiverPayoutScript: Uint8Array;
  /** The sender's P2WPKH output script (the close's). */
  readonly senderPayoutScript: Uint8Array;
  /** The revocable template of the channel's variant. */
  readonly revocableTemplate: ScriptTemplate;
  /** The revocable script around K_i, which is the only part that changes from state to state. */
  readonly revocableParts: {
    /** The script up to and including K_i's push opcode. */
    readonly before: Uint8Array;
    /** The script after K_i. */
    readonly after: Uint8Array;
  };
  /** The factor XORed into state numbers ({@link deriveObscuringFactor}). */
  readonly obscuringFactor: bigint;
  /** Fee of either payment version: the same for both so their amounts match. */
  readonly paymentFee: bigint;
  /** The BIP 143 pieces of the funding input, computed once (`funding.sighash`). */
  readonly sighash: FundingSighash;
}

/**
 * Check every parameter once and derive what the builders need.
 *
 * @param p - The channel's parameters.
 * @returns A frozen context that the builders and signers accept without checking again.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, or the funding outpoint's txid or vout is malformed.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `capacity` is not in [1, MAX_MONEY].
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key, the funding keys are equal, or the revocation key equals the sender's payout key.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `variant` is malformed or its lock is out of range.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if `capacity` does not cover the payment fee plus a non-dust refund.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `htlc` is given and is not an object.
 * @throws {@link ChannelError} `INVALID_KEY` if `htlc.receiverHtlcKey` is not a valid public key or is another of the channel's keys.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `htlc.delay` is not `{blocks}` in [1, 65535].
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `htlc.maxDustExposure` is not an amount.
 *
 * @example
 * ```ts
 * const ctx = verifyChannelParams({
 *   fundingOutpoint: { txid, vout: 0 }, capacity: 1_000_000n,
 *   senderFundingKey, receiverFundingKey, senderPayoutKey, receiverPayoutKey, receiverRevocationKey,
 *   variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n,
 * });
 * const tx = buildSenderPaymentTx({ ctx, state: 1n, amount: 10_000n, updateKey });
 * ```
 */
export function verifyChannelParams(p: ChannelParams): ChannelContext {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) fail('INVALID_ARGUMENT', 'channel parameters must be an object');
  const funding = verifyFundingOutputParams(p);
  asPublicKey(p.senderPayoutKey, 'senderPayoutKey');
  asPublicKey(p.receiverPayoutKey, 'receiverPayoutKey');
  asPublicKey(p.receiverRevocationKey, 'receiverRevocationKey');
  if (bytesEqual(p.receiverRevocationKey, p.senderPayoutKey)) fail('INVALID_KEY', 'revocation and sender payout keys must differ');
  checkVariant(p.variant);
  checkFeeRate(p.feeRate);
  if (p.htlc !== undefined) checkHtlcTerms(p);

  const paymentFee = feeForWeight(PAYMENT_WEIGHT, p.feeRate);
  // State 0 must leave the sender a refund output worth having.
  if (p.capacity < paymentFee + DUST_P2WSH) {
    fail('FEE_EXCEEDS_OUTPUT', 'capacity does not cover the payment fee plus a non-dust refund', {
      capacity: p.capacity.toString(), fee: paymentFee.toString(),
    });
  }
  return registerContext({
    params: p,
    funding,
    fundingHash: funding.fundingHash,
    fundingScript: funding.fundingScript,
    fundingScriptPubKey: funding.fundingScriptPubKey,
    receiverPayoutScript: p2wpkhScript(p.receiverPayoutKey),
    senderPayoutScript: p2wpkhScript(p.senderPayoutKey),
    revocableTemplate: revocableTemplate(p.variant),
    revocableParts: revocableParts(p),
    obscuringFactor: deriveObscuringFactor(p.senderFundingKey, p.receiverFundingKey),
    paymentFee,
    sighash: funding.sighash,
  });
}

function checkHtlcTerms(p: ChannelParams): void {
  const h = p.htlc!;
  if (h === null || typeof h !== 'object' || Array.isArray(h)) fail('INVALID_ARGUMENT', 'htlc terms must be {receiverHtlcKey, delay, maxDustExposure}');
  asPublicKey(h.receiverHtlcKey, 'receiverHtlcKey');
  // R_h signs alone where R_r signs with K_i: one key for both would let a revealed K_i open nothing new, but keeping them apart keeps each key to one job.
  for (const k of [p.receiverRevocationKey, p.receiverPayoutKey, p.receiverFundingKey, p.senderPayoutKey, p.senderFundingKey]) {
    if (bytesEqual(k, h.receiverHtlcKey)) fail('INVALID_KEY', 'the receiver\'s HTLC key must differ from the channel\'s other keys');
  }
  relativeLockValue(h.delay);
  checkAmount(h.maxDustExposure, 'maxDustExposure');
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

/**
 * The revocable script for K_i; `updateKey` must already be checked (the channel's own key, or checked at the message boundary).
 *
 * @param ctx - From {@link verifyChannelParams}.
 * @param updateKey - K_i, the state's update key.
 * @returns The witness script of the state's revocable output.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `updateKey` is not 33 bytes.
 */
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
