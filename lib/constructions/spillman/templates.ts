/**
 * The Spillman construction's template: Form C's funding output, BIP 65's
 * payment channel, as data in scripts-templates/spillman/. Form S funds
 * through the core's 2-of-2 and has no template of its own.
 */
import spillmanCltvJson from '../../../scripts-templates/spillman/cltv.json';
import { fail } from '../../core/errors';
import { AbsoluteLock, PublicKey } from '../../core/types';
import { compileTemplate } from '../../script/compile';
import { defineTemplate } from '../../script/registry';
import type { ScriptTemplate } from '../../script/templates';

/** `and_v(v:pk(S_f),or_d(pk(R_f),after(L)))`: payments and the close by both, the refund by the sender alone from L. */
export const SPILLMAN_CLTV_TEMPLATE: ScriptTemplate = defineTemplate(spillmanCltvJson as ScriptTemplate);

/** The keys and lock of a Form C funding output. */
export interface SpillmanCltvKeys {
  /** The sender's (payer's) funding key S_f. */
  readonly senderFundingKey: PublicKey;
  /** The receiver's (payee's) funding key R_f. */
  readonly receiverFundingKey: PublicKey;
  /** L: from it the sender alone can take the deposit back. */
  readonly lockTime: AbsoluteLock;
}

/**
 * Form C's funding witness script.
 *
 * @param k - S_f, R_f and L.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `k` is not an object or a key or the lock is missing.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key, or the two are equal.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `lockTime` is malformed or out of range.
 */
export function compileSpillmanCltvScript(k: SpillmanCltvKeys): Uint8Array {
  if (k === null || typeof k !== 'object') fail('TEMPLATE_ARGUMENT', 'Form C keys must be an object');
  if (k.senderFundingKey instanceof Uint8Array && k.receiverFundingKey instanceof Uint8Array
    && k.senderFundingKey.length === k.receiverFundingKey.length && k.senderFundingKey.every((b, i) => b === k.receiverFundingKey[i])) {
    fail('INVALID_KEY', 'sender and receiver funding keys must differ');
  }
  return compileTemplate(SPILLMAN_CLTV_TEMPLATE, { S_f: k.senderFundingKey, R_f: k.receiverFundingKey, L: k.lockTime });
}
