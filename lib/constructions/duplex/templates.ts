/**
 * The duplex channel's one template of its own: the simplex channel at the
 * leaf, as data in scripts-templates/duplex/. The setup output, the kickoff
 * and every tree node are the core's 2-of-2.
 */
import simplexCsvJson from '../../../scripts-templates/duplex/simplex-csv.json';
import { fail } from '../../core/errors';
import { bytesEqual } from '../../core/hash';
import { PublicKey, RelativeLock } from '../../core/types';
import { compileTemplate } from '../../script/compile';
import { defineTemplate } from '../../script/registry';
import type { ScriptTemplate } from '../../script/templates';

/** `and_v(v:pk(P),or_d(pk(Q),older(Dc)))`: payments by payer P and payee Q together, the refund by P alone Dc blocks after the leaf. */
export const DUPLEX_SIMPLEX_TEMPLATE: ScriptTemplate = defineTemplate(simplexCsvJson as ScriptTemplate);

/** The keys and delay of one simplex channel's output. */
export interface SimplexKeys {
  /** The payer's key P. */
  readonly payerKey: PublicKey;
  /** The payee's key Q. */
  readonly payeeKey: PublicKey;
  /** Dc: from this many blocks after the leaf the payer alone may take the output back. */
  readonly delay: RelativeLock;
}

/**
 * A simplex channel's witness script.
 *
 * @param k - P, Q and Dc.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if `k` is not an object or a key or the delay is missing.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key, or the two are equal.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `delay` is not `{blocks}` in [1, 65535].
 */
export function compileSimplexScript(k: SimplexKeys): Uint8Array {
  if (k === null || typeof k !== 'object') fail('TEMPLATE_ARGUMENT', 'simplex keys must be an object');
  if (k.payerKey instanceof Uint8Array && k.payeeKey instanceof Uint8Array && bytesEqual(k.payerKey, k.payeeKey)) {
    fail('INVALID_KEY', 'payer and payee keys must differ');
  }
  return compileTemplate(DUPLEX_SIMPLEX_TEMPLATE, { P: k.payerKey, Q: k.payeeKey, Dc: k.delay });
}
