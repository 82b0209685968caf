/**
 * The anchor outputs of a decreasing-lock channel: one per party on every
 * state and on the kickoff, so either party can pay for a stuck one with a
 * child even when its own balance in it is dust or zero (the states' fees
 * are frozen by both signatures, and the newest state must confirm before
 * the next older one's lock opens).
 *
 * The shape is Lightning's anchor (BOLT 3, option_anchors):
 * `<K_f> CHECKSIG IFDUP NOTIF 16 CSV ENDIF`, with the party's funding key.
 * - Keyed, not anyone-can-spend at once, so a third party cannot spend the
 *   anchor first and pin the state with a large low-rate child.
 * - The funding key is revealed by the 2-of-2 the state spends, so once 16
 *   blocks pass anyone can rebuild the script and sweep the 330 sat, and no
 *   dust output stays in the UTXO set forever.
 * - P2WSH at its dust limit (330 sat at the 3 sat/vB dust rate), which every
 *   node relays. Pay-to-anchor (BIP 431's P2A, 240 sat, keyless) is lighter,
 *   but bcoin 1.0.2 and Bitcoin Core before 28.0 do not relay it as standard,
 *   and keyless anchors need package relay with TRUC to be safe from pinning.
 * The delay is the template's parameter `D`; the channel always writes 16.
 */
import anchorJson from '../../../../scripts-templates/decreasing/anchor.json';
import { PublicKey } from '../../../core/types';
import { compileTemplate } from '../../../script/compile';
import { defineTemplate } from '../../../script/registry';
import type { ScriptTemplate } from '../../../script/templates';

/** `or_d(pk(K_f),older(D))`: the party at once (bump), anyone after D blocks (sweep). */
export const DECREASING_ANCHOR_TEMPLATE: ScriptTemplate = defineTemplate(anchorJson as ScriptTemplate);

/** Each anchor's value: P2WSH's dust limit, the least an output of its size relays with. */
export const DECREASING_ANCHOR_VALUE = 330n;

/** Blocks after which anyone may sweep an anchor (Lightning's 16). */
export const DECREASING_ANCHOR_DELAY = 16;

/**
 * An anchor's witness script.
 *
 * @param fundingKey - The party's funding key (a's or b's).
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` or `INVALID_KEY` if `fundingKey` is not a valid public key.
 */
export function compileDecreasingAnchorScript(fundingKey: PublicKey): Uint8Array {
  return compileTemplate(DECREASING_ANCHOR_TEMPLATE, { K_f: fundingKey, D: { blocks: DECREASING_ANCHOR_DELAY } });
}
