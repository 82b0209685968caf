/**
 * The duplex channel's inspect answers. A simplex channel's spend is told by
 * its `duplex-simplex-csv` script in view (a PSBT field or a revealed
 * witness); a tree transaction spends the core's 2-of-2 with a BIP 68 block
 * lock and nLockTime 0, into the same 2-of-2 (an inner node) or into one or
 * two P2WSH outputs (the leaf: certain when their scripts are in view and
 * are simplex channels), followed by an anchor of each key of that 2-of-2
 * (in a channel with anchors). The kickoff and the cooperative close have
 * the shapes of the decreasing-lock channel's, which is asked first and
 * claims them; the setup is a funding transaction like any other.
 */
import { Variant } from '../../../core/types';
import { bytesEqual } from '../../../core/hash';
import { anchorsAtEnd } from '../../../inspect/anchors';
import { ChannelInput, NotMine, Recognition, TxInspector } from '../../../inspect/inspector';
import { TxView } from '../../../inspect/view';
import { matchTemplate } from '../../../script/match';
import { FUNDING_TEMPLATE } from '../../../script/templates';
import { p2wshScript } from '../../../tx/outputs';
import { DUPLEX_KIND_LABELS, DuplexTxKind } from '../kinds';
import { DUPLEX_SEQUENCE } from '../params';
import { DUPLEX_SIMPLEX_TEMPLATE } from '../templates';

/** BIP 68: bit 31 disables the relative lock, bit 22 makes it time; neither is a tree node's. */
const SEQUENCE_FLAGS = 0x80400000 | 0xff0000;
const P2WSH_LENGTH = 34;

interface Seen {
  readonly kind: DuplexTxKind;
  readonly certain: boolean;
  readonly basis: string;
  readonly channelInput: ChannelInput;
  /** How many outputs at the end are anchors: 0 or 2. */
  readonly anchors: number;
}

function isBlockLock(sequence: number): boolean {
  return (sequence & SEQUENCE_FLAGS) === 0;
}

function classify(view: TxView): Seen | NotMine {
  if (view.inputs.length !== 1) return { notMine: 'a duplex channel\'s tree and simplex transactions have one input' };
  const i = view.inputs[0]!;
  const match = i.witnessScript ? matchTemplate(i.witnessScript) : undefined;
  if (match?.template === DUPLEX_SIMPLEX_TEMPLATE) {
    const w = i.witness;
    const refund = w !== undefined && w.length === 3 ? w[0]!.length === 0 : i.sequence !== DUPLEX_SEQUENCE;
    return refund
      ? { kind: 'duplex-simplex-refund', certain: true, anchors: 0, channelInput: { index: i.index, match, branch: 'refund' }, basis: 'it spends a simplex channel\'s duplex-simplex-csv script by its payer alone (the refund branch)' }
      : { kind: 'duplex-simplex-payment', certain: true, anchors: 0, channelInput: { index: i.index, match, branch: 'payment' }, basis: 'it spends a simplex channel\'s duplex-simplex-csv script by payer and payee' };
  }
  if (match?.template !== FUNDING_TEMPLATE) return { notMine: 'it spends neither a simplex channel nor a 2-of-2 in view' };
  const channelInput: ChannelInput = { index: i.index, match, branch: 'multisig' };
  if (view.tx.locktime !== 0 || view.tx.version < 2 || !isBlockLock(i.sequence)) return { notMine: 'a duplex tree node has nLockTime 0 and a BIP 68 block lock' };
  const anchors = anchorsAtEnd(view, match.values);
  if (anchors === undefined) return { notMine: 'its last outputs pose as anchors but are not those of the 2-of-2\'s keys' };
  const withAnchors = anchors > 0 ? ', and an anchor of each key' : '';
  const outs = view.outputs.slice(0, view.outputs.length - anchors);
  if (outs.length === 1 && bytesEqual(outs[0]!.script, p2wshScript(i.witnessScript!))) {
    return { kind: 'duplex-node', certain: true, anchors, channelInput, basis: `it spends a 2-of-2 into the same 2-of-2 with a relative lock of ${i.sequence} blocks${withAnchors}: a tree node` };
  }
  if (outs.length === 0 || outs.length > 2 || outs.some((o) => o.script.length !== P2WSH_LENGTH || o.script[0] !== 0 || o.script[1] !== 32)) {
    return { notMine: 'a duplex leaf pays one or two P2WSH simplex channels' };
  }
  const shown = outs.every((o) => o.witnessScript !== undefined && bytesEqual(o.script, p2wshScript(o.witnessScript))
    && matchTemplate(o.witnessScript)?.template === DUPLEX_SIMPLEX_TEMPLATE);
  return {
    kind: 'duplex-leaf', certain: shown, anchors, channelInput,
    basis: shown
      ? `it spends a 2-of-2 with a relative lock into simplex channels (their scripts are in view)${withAnchors}`
      : `it spends a 2-of-2 with a relative lock of ${i.sequence} blocks into P2WSH outputs whose scripts are not in view${withAnchors}`,
  };
}

function describe(view: TxView, c: Seen): Recognition {
  const sequence = view.inputs[0]!.sequence;
  const lockNote = c.kind === 'duplex-node' || c.kind === 'duplex-leaf'
    ? `nSequence ${sequence} = (b - 1 - v)Δ blocks after its parent: the digit v needs the channel's b and Δ`
    : c.kind === 'duplex-simplex-refund' ? `nSequence ${sequence}: Dc blocks after the leaf` : 'none: a simplex payment has no lock';
  return {
    kind: c.kind,
    certain: c.certain,
    basis: c.basis,
    channelInput: c.channelInput,
    fundsChannel: c.kind === 'duplex-leaf',
    variant: () => ({ variantNote: 'a duplex channel\'s tree locks are its transactions\' nSequence; a simplex refund\'s is its script\'s Dc' }),
    state: () => ({ stateNote: lockNote }),
    spends: () => (c.kind === 'duplex-simplex-payment' || c.kind === 'duplex-simplex-refund' ? 'a simplex channel at the leaf' : 'the kickoff\'s or a tree node\'s 2-of-2'),
    signatures: () => ({ present: [], missing: [], note: 'not a channel input' }),
    outputRole: (o) => (o.index >= view.outputs.length - c.anchors ? 'anchor (its party\'s child pays for this transaction through it; anyone sweeps it after 16 blocks)'
      : c.kind === 'duplex-node' ? 'the next level\'s 2-of-2' : c.kind === 'duplex-leaf' ? 'a simplex channel (a pays b, then b pays a)' : 'a party\'s payout'),
    assumedInput: () => undefined,
  };
}

function describeVariant(_v: Variant): string {
  return 'not a duplex channel\'s lock: its tree locks are nSequence values';
}

/** The duplex construction's inspector. */
export const DUPLEX_INSPECTOR: TxInspector = {
  name: 'duplex',
  kinds: DUPLEX_KIND_LABELS,
  valueRoles: { 'duplex-simplex-csv': { P: 'payer\'s key', Q: 'payee\'s key', Dc: 'blocks the payee has after the leaf to publish its latest payment' } },
  recognize(view) {
    const c = classify(view);
    return 'notMine' in c ? c : describe(view, c);
  },
  describeVariant,
};
