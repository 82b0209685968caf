/**
 * The decreasing-lock channel's inspect answers. Its transactions spend the
 * core's 2-of-2 and carry no script of their own, so a spend is claimed only
 * with that 2-of-2 in view (a PSBT field or a revealed witness) and by its
 * fields: the kickoff pays a 2-of-2 of the very script it spends; a state has
 * a height nLockTime and a non-final nSequence (locktime form) or nLockTime 0
 * and a BIP 68 block lock (kickoff form); the close has nLockTime 0 and
 * nSequence 0xfffffffe (the revocable construction, asked first, claims
 * those with its state numbers and its close's final nSequence; Spillman's
 * Form S its one-output refunds). The duplex channel's kickoff and close
 * have the same shapes (its kickoff with the same anchors), so those two are
 * named for both and never certain.
 * The index needs the channel's L_0 and Δ,
 * which no transaction shows (decreasingIndexOfLockTime reads it with them).
 */
import { LOCKTIME_THRESHOLD, Variant } from '../../../core/types';
import { bytesEqual } from '../../../core/hash';
import { ChannelInput, NotMine, Recognition, TxInspector } from '../../../inspect/inspector';
import { TxView } from '../../../inspect/view';
import { matchTemplate } from '../../../script/match';
import { FUNDING_TEMPLATE } from '../../../script/templates';
import { p2wshScript } from '../../../tx/outputs';
import { DECREASING_KIND_LABELS, DecreasingTxKind } from '../kinds';
import { DECREASING_SEQUENCE } from '../params';
import { anchorsAtEnd } from '../../../inspect/anchors';

const P2WPKH_LENGTH = 22;
/** BIP 68: bit 31 disables the relative lock, bit 22 makes it time; neither is a state's. */
const SEQUENCE_FLAGS = 0x80400000 | 0xff0000;

interface Seen {
  readonly kind: DecreasingTxKind;
  /** How many outputs at the end are anchors: 0 or 2. */
  readonly anchors: number;
  readonly basis: string;
  readonly channelInput: ChannelInput;
}

function classify(view: TxView): Seen | NotMine {
  if (view.inputs.length !== 1) return { notMine: 'a decreasing-lock channel\'s transactions have one input' };
  const i = view.inputs[0]!;
  const match = i.witnessScript ? matchTemplate(i.witnessScript) : undefined;
  if (match?.template !== FUNDING_TEMPLATE) return { notMine: 'no 2-of-2 in view: a decreasing-lock transaction is told only by the 2-of-2 it spends' };
  const channelInput: ChannelInput = { index: i.index, match, branch: 'multisig' };
  const tx = view.tx;
  const anchors = anchorsAtEnd(view, match.values);
  if (anchors === undefined) return { notMine: 'its P2WSH outputs are not the anchors of the 2-of-2\'s keys' };
  const outs = view.outputs.slice(0, view.outputs.length - anchors);
  const withAnchors = anchors > 0 ? ', and an anchor of each key' : '';
  if (outs.length === 1 && bytesEqual(outs[0]!.script, p2wshScript(i.witnessScript!)) && tx.locktime === 0 && i.sequence === DECREASING_SEQUENCE) {
    return {
      kind: 'decreasing-kickoff', anchors, channelInput,
      basis: `it spends a 2-of-2 into a 2-of-2 of the same script, with no lock${withAnchors}: a kickoff, of a decreasing-lock or a duplex channel (the two have the same shape)`,
    };
  }
  if (anchors > 0 && tx.locktime === 0 && i.sequence === DECREASING_SEQUENCE) return { notMine: 'a cooperative close has no anchors' };
  if (outs.length === 0 || outs.length > 2 || outs.some((o) => o.script.length !== P2WPKH_LENGTH || o.script[0] !== 0 || o.script[1] !== 20)) {
    return { notMine: 'a decreasing-lock state or close pays one or two P2WPKH outputs' };
  }
  if (i.sequence === DECREASING_SEQUENCE && tx.locktime > 0 && tx.locktime < LOCKTIME_THRESHOLD) {
    return { kind: 'decreasing-state', anchors, channelInput, basis: `it spends a 2-of-2 with nLockTime height ${tx.locktime} and a non-final nSequence${withAnchors}: a locktime-form state` };
  }
  if (i.sequence === DECREASING_SEQUENCE && tx.locktime === 0) {
    return { kind: 'decreasing-close', anchors, channelInput, basis: 'it spends a 2-of-2 with nLockTime 0 and nSequence 0xfffffffe: a cooperative close, of a decreasing-lock or a duplex channel (the two have the same shape)' };
  }
  if (tx.locktime === 0 && tx.version >= 2 && (i.sequence & SEQUENCE_FLAGS) === 0) {
    return { kind: 'decreasing-state', anchors, channelInput, basis: `it spends a 2-of-2 with a relative lock of ${i.sequence} blocks${withAnchors}: a kickoff-form state` };
  }
  return { notMine: 'it spends a 2-of-2 with locks no decreasing-lock transaction has' };
}

function describe(view: TxView, c: Seen): Recognition {
  const lockNote = c.kind === 'decreasing-state'
    ? view.tx.locktime > 0
      ? `nLockTime ${view.tx.locktime} = L_0 - kΔ: k needs the channel's L_0 and Δ`
      : `nSequence ${view.inputs[0]!.sequence} = (N - k)Δ blocks after the kickoff: k needs the channel's N and Δ`
    : c.kind === 'decreasing-close' ? 'none: the close has no lock' : 'none: the kickoff starts the states\' relative locks';
  return {
    kind: c.kind,
    // A duplex channel's kickoff and close are these shapes too, anchors and all: only the state is this construction's alone.
    certain: c.kind === 'decreasing-state',
    basis: c.basis,
    channelInput: c.channelInput,
    fundsChannel: false,
    variant: () => ({ variantNote: 'a decreasing-lock channel\'s locks are its transactions\' own fields, not a script\'s' }),
    state: () => ({ stateNote: lockNote }),
    spends: () => (c.kind === 'decreasing-state' && view.tx.locktime === 0 ? 'kickoff output (2-of-2)' : 'funding output (2-of-2)'),
    signatures: () => ({ present: [], missing: [], note: 'not a channel input' }),
    outputRole: (o) => (o.index >= view.outputs.length - c.anchors ? 'anchor (its party\'s child pays for this transaction through it; anyone sweeps it after 16 blocks)'
      : c.kind === 'decreasing-kickoff' ? 'kickoff output (2-of-2 the states spend)' : 'a\'s or b\'s balance'),
    assumedInput: () => undefined,
  };
}

function describeVariant(_v: Variant): string {
  return 'not a decreasing-lock channel\'s lock: its locks are nLockTime and nSequence';
}

/** The decreasing-lock construction's inspector: its kinds, its recognizer and describer. */
export const DECREASING_INSPECTOR: TxInspector = {
  name: 'decreasing',
  kinds: DECREASING_KIND_LABELS,
  valueRoles: {},
  recognize(view) {
    const c = classify(view);
    return 'notMine' in c ? c : describe(view, c);
  },
  describeVariant,
};
