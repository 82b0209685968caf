/**
 * The revocable construction's templates: the sender's output in the sender's
 * version of a state, CLTV and CSV variants, and the HTLC the sender offered in
 * either version, as data in scripts-templates/revocable/. They are defined here and registered with the
 * construction (lib/constructions/index.ts), not by the script core.
 */
import revocableCltvJson from '../../../scripts-templates/revocable/cltv.json';
import revocableCsvJson from '../../../scripts-templates/revocable/csv.json';
import htlcSenderJson from '../../../scripts-templates/revocable/htlc-offered-sender.json';
import htlcReceiverJson from '../../../scripts-templates/revocable/htlc-offered-receiver.json';
import { fail } from '../../core/errors';
import { AbsoluteLock, PublicKey, RelativeLock, Variant, checkVariant } from '../../core/types';
import { compileTemplate } from '../../script/compile';
import { defineTemplate } from '../../script/registry';
import type { ScriptTemplate } from '../../script/templates';

/** `andor(pk(R_r),pk(K_i),and_v(v:pk(S_p),after(T)))`: penalty with K_i at any time, timeout by the sender from T. */
export const REVOCABLE_CLTV_TEMPLATE: ScriptTemplate = defineTemplate(revocableCltvJson as ScriptTemplate);
/** `andor(pk(R_r),pk(K_i),and_v(v:pk(S_p),older(D)))`: penalty with K_i at any time, timeout by the sender D blocks after confirmation. */
export const REVOCABLE_CSV_TEMPLATE: ScriptTemplate = defineTemplate(revocableCsvJson as ScriptTemplate);
/**
 * `andor(pk(R_r),pk(K_i),or_i(and_v(v:pk(R_h),sha256(H)),and_v(v:pk(S_p),and_v(v:after(E),older(D)))))`:
 * an HTLC in the sender's version, revocable with K_i like the sender's balance,
 * claimed by the receiver with the preimage at once, or by the sender from E and D.
 */
export const HTLC_SENDER_TEMPLATE: ScriptTemplate = defineTemplate(htlcSenderJson as ScriptTemplate);
/**
 * `or_i(and_v(v:pk(R_h),and_v(v:sha256(H),older(D))),and_v(v:pk(S_p),after(E)))`:
 * an HTLC in the receiver's version, claimed by the receiver with the preimage D
 * blocks after confirmation, or by the sender from E.
 */
export const HTLC_RECEIVER_TEMPLATE: ScriptTemplate = defineTemplate(htlcReceiverJson as ScriptTemplate);

/** The keys and timeout of one state's revocable output. */
export interface RevocableKeys {
  /** The receiver's revocation key R_r. */
  readonly receiverRevocationKey: PublicKey;
  /** K_i, the state's update key. */
  readonly updateKey: PublicKey;
  /** The sender's payout key S_p. */
  readonly senderPayoutKey: PublicKey;
  /** The channel's timeout. */
  readonly variant: Variant;
}

/**
 * The revocable template of a variant.
 *
 * @param variant - The channel's timeout.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `variant` is malformed or its lock out of range.
 */
export function revocableTemplate(variant: Variant): ScriptTemplate {
  checkVariant(variant);
  return variant.kind === 'cltv' ? REVOCABLE_CLTV_TEMPLATE : REVOCABLE_CSV_TEMPLATE;
}

/**
 * A state's revocable witness script.
 *
 * @param k - R_r, K_i, S_p and the variant.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `k` is not an object or a key is missing.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the variant is malformed or its lock out of range.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 */
export function compileRevocableScript(k: RevocableKeys): Uint8Array {
  if (k === null || typeof k !== 'object') fail('TEMPLATE_ARGUMENT', 'revocable keys must be an object');
  const v = k.variant;
  if (v === null || typeof v !== 'object' || (v.kind !== 'cltv' && v.kind !== 'csv')) {
    fail('INVALID_TIMELOCK', 'variant kind must be cltv or csv');
  }
  const base = { R_r: k.receiverRevocationKey, K_i: k.updateKey, S_p: k.senderPayoutKey };
  return v.kind === 'cltv'
    ? compileTemplate(REVOCABLE_CLTV_TEMPLATE, { ...base, T: v.expiry })
    : compileTemplate(REVOCABLE_CSV_TEMPLATE, { ...base, D: v.delay });
}

/** The scripts of one HTLC: what both its outputs are compiled from. */
export interface HtlcScriptArgs {
  /** The receiver's HTLC key R_h. */
  readonly receiverHtlcKey: PublicKey;
  /** The sender's payout key S_p. */
  readonly senderPayoutKey: PublicKey;
  /** H, the SHA-256 of the preimage. */
  readonly hash: Uint8Array;
  /** E, the HTLC's expiry. */
  readonly expiry: AbsoluteLock;
  /** D, the channel's HTLC claim delay. */
  readonly delay: RelativeLock;
}

/**
 * The witness script of an HTLC output in the sender's version of a state.
 *
 * @param k - R_h, S_p, H, E, D, and the state's R_r and K_i.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `k` is not an object or a value is missing.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `expiry` or `delay` is out of range.
 */
export function compileHtlcSenderScript(k: HtlcScriptArgs & {
  /** The receiver's revocation key R_r. */
  readonly receiverRevocationKey: PublicKey;
  /** K_i, the state's update key. */
  readonly updateKey: PublicKey;
}): Uint8Array {
  if (k === null || typeof k !== 'object') fail('TEMPLATE_ARGUMENT', 'HTLC script arguments must be an object');
  return compileTemplate(HTLC_SENDER_TEMPLATE, {
    R_r: k.receiverRevocationKey, K_i: k.updateKey, R_h: k.receiverHtlcKey, S_p: k.senderPayoutKey, H: k.hash, E: k.expiry, D: k.delay,
  });
}

/**
 * The witness script of an HTLC output in the receiver's version of a state.
 *
 * @param k - R_h, S_p, H, E and D.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `k` is not an object or a value is missing.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `hash` is not 32 bytes.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `expiry` or `delay` is out of range.
 */
export function compileHtlcReceiverScript(k: HtlcScriptArgs): Uint8Array {
  if (k === null || typeof k !== 'object') fail('TEMPLATE_ARGUMENT', 'HTLC script arguments must be an object');
  return compileTemplate(HTLC_RECEIVER_TEMPLATE, { R_h: k.receiverHtlcKey, S_p: k.senderPayoutKey, H: k.hash, E: k.expiry, D: k.delay });
}
