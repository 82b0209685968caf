/**
 * Anchor outputs: one per party on a pre-signed transaction that spends a
 * 2-of-2 and whose fee both signatures freeze (a decreasing-lock state or
 * kickoff, a duplex kickoff, tree node or leaf), so either party can pay for
 * it with a child even when its own balance in it is dust or zero.
 *
 * The shape is Lightning's anchor (BOLT 3, option_anchors):
 * `<K_f> CHECKSIG IFDUP NOTIF 16 CSV ENDIF`, with the party's funding key.
 * - Keyed, not anyone-can-spend at once, so a third party cannot spend the
 *   anchor first and pin the transaction with a large low-rate child.
 * - The funding key is revealed by the 2-of-2 the transaction spends, so
 *   once 16 blocks pass anyone can rebuild the script and sweep the 330
 *   sat, and no dust output stays in the UTXO set forever.
 * - P2WSH at its dust limit (330 sat at the 3 sat/vB dust rate), which every
 *   node relays. Pay-to-anchor (BIP 431's P2A, 240 sat, keyless) is lighter,
 *   but bcoin 1.0.2 and Bitcoin Core before 28.0 do not relay it as standard,
 *   and keyless anchors need package relay with TRUC to be safe from pinning.
 * The delay is the template's parameter `D`; revchan always writes 16.
 */
import { PublicKey } from '../core/types';
import { compileTemplate } from '../script/compile';
import { ANCHOR_TEMPLATE } from '../script/templates';
import { maxWitnessSize } from '../script/witness';
import { TxOut, p2wshScript } from './outputs';
import { InputShape } from './weights';

/** Each anchor's value: P2WSH's dust limit, the least an output of its size relays with. */
export const ANCHOR_VALUE = 330n;

/** Blocks after which anyone may sweep an anchor (Lightning's 16). */
export const ANCHOR_DELAY = 16;

/** An anchor's spend by its party: the signature and the witness script. */
export const ANCHOR_INPUT: InputShape = { scriptSigLength: 0, witnessSize: maxWitnessSize(ANCHOR_TEMPLATE, 'bump') };

/** The length of an anchor's output script (P2WSH). */
export const ANCHOR_OUTPUT_SCRIPT_LENGTH = 34;

/**
 * An anchor's witness script.
 *
 * @param fundingKey - The party's funding key.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` or `INVALID_KEY` if `fundingKey` is not a valid public key.
 */
export function compileAnchorScript(fundingKey: PublicKey): Uint8Array {
  return compileTemplate(ANCHOR_TEMPLATE, { K_f: fundingKey, D: { blocks: ANCHOR_DELAY } });
}

/** The two anchors of a channel whose funding keys are a's and b's. */
export interface AnchorPair {
  /** Each anchor's value. */
  readonly value: bigint;
  /** a's anchor's witness script (a's funding key). */
  readonly aWitnessScript: Uint8Array;
  /** b's anchor's witness script. */
  readonly bWitnessScript: Uint8Array;
  /** a's anchor's P2WSH output script. */
  readonly aScript: Uint8Array;
  /** b's anchor's P2WSH output script. */
  readonly bScript: Uint8Array;
}

/**
 * Both parties' anchors.
 *
 * @param aFundingKey - a's funding key.
 * @param bFundingKey - b's funding key.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` or `INVALID_KEY` if a key is not a valid public key.
 */
export function anchorPair(aFundingKey: PublicKey, bFundingKey: PublicKey): AnchorPair {
  const aWitnessScript = compileAnchorScript(aFundingKey);
  const bWitnessScript = compileAnchorScript(bFundingKey);
  return { value: ANCHOR_VALUE, aWitnessScript, bWitnessScript, aScript: p2wshScript(aWitnessScript), bScript: p2wshScript(bWitnessScript) };
}

/**
 * a's then b's anchor output, which go after the outputs they anchor; none without anchors.
 *
 * @param anchors - The pair, or undefined for a transaction without anchors.
 * @returns The outputs.
 */
export function anchorOutputs(anchors: AnchorPair | undefined): TxOut[] {
  return anchors ? [{ script: anchors.aScript, value: anchors.value }, { script: anchors.bScript, value: anchors.value }] : [];
}
