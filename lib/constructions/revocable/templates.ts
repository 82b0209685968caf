/**
 * The revocable construction's templates: the sender's output in the sender's
 * version of a state, CLTV and CSV variants, as data in
 * scripts-templates/revocable/. They are defined here and registered with the
 * construction (lib/constructions/index.ts), not by the script core.
 */
import revocableCltvJson from '../../../scripts-templates/revocable/cltv.json';
import revocableCsvJson from '../../../scripts-templates/revocable/csv.json';
import { fail } from '../../core/errors';
import { PublicKey, Variant, checkVariant } from '../../core/types';
import { compileTemplate } from '../../script/compile';
import { defineTemplate } from '../../script/registry';
import type { ScriptTemplate } from '../../script/templates';

/** `andor(pk(R_r),pk(K_i),and_v(v:pk(S_p),after(T)))`: penalty with K_i at any time, timeout by the sender from T. */
export const REVOCABLE_CLTV_TEMPLATE: ScriptTemplate = defineTemplate(revocableCltvJson as ScriptTemplate);
/** `andor(pk(R_r),pk(K_i),and_v(v:pk(S_p),older(D)))`: penalty with K_i at any time, timeout by the sender D blocks after confirmation. */
export const REVOCABLE_CSV_TEMPLATE: ScriptTemplate = defineTemplate(revocableCsvJson as ScriptTemplate);

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
