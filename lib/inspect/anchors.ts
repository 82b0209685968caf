/**
 * Anchor outputs (lib/tx/anchor.ts) as inspect sees them: the last two
 * outputs of a transaction spending a 2-of-2, one per key of that 2-of-2.
 * A construction's inspector asks this before it reads the outputs the
 * anchors follow; an output posing as an anchor of another key is caught
 * here, so a lookalike is never taken for one.
 */
import { bytesEqual } from '../core/hash';
import { PublicKey } from '../core/types';
import { ANCHOR_OUTPUT_SCRIPT_LENGTH, ANCHOR_VALUE, compileAnchorScript } from '../tx/anchor';
import { p2wshScript } from '../tx/outputs';
import { TxView } from './view';

/**
 * How many outputs at the end are the anchors of the 2-of-2's two keys: 0
 * or 2 (in the keys' sorted order or not); undefined when two outputs of an
 * anchor's value and shape end the transaction and are not both of them.
 *
 * @param view - The transaction.
 * @param values - The 2-of-2's matched template values (its two keys).
 */
export function anchorsAtEnd(view: TxView, values: ReadonlyMap<string, Uint8Array | number>): 0 | 2 | undefined {
  const keys = [...values.values()].filter((v): v is Uint8Array => v instanceof Uint8Array);
  const outs = view.outputs;
  if (keys.length !== 2 || outs.length < 3) return 0;
  const last = outs.slice(-2);
  if (!last.every((o) => o.value === ANCHOR_VALUE && o.script.length === ANCHOR_OUTPUT_SCRIPT_LENGTH && o.script[0] === 0)) return 0;
  const scripts = keys.map((k) => p2wshScript(compileAnchorScript(k as PublicKey)));
  const found = last.map((o) => scripts.findIndex((s) => bytesEqual(s, o.script)));
  return found.includes(-1) || found[0] === found[1] ? undefined : 2;
}
