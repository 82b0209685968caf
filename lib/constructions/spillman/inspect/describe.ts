/**
 * The Spillman construction's inspect answers: which of its transactions a
 * PSBT or transaction is, from what it shows (no channel state), and the
 * report's answers for it. A `spillman-cltv` script in view (a PSBT field, a
 * revealed witness, a funding PSBT's output) makes the kind certain; a spend
 * of the 2-of-2 is this construction's when its nLockTime and nSequence are
 * (the revocable construction, asked first, claims those carrying its state
 * numbers or its close's); with no script in view only a payment's or
 * close's nLockTime, a time in 1985 no wallet writes, is recognised, and said
 * to be uncertain. Refunds are never claimed by shape alone: nLockTime plus
 * a non-final nSequence is every anti-fee-sniping wallet's shape.
 */
import { AbsoluteLock, LOCKTIME_THRESHOLD, Variant } from '../../../core/types';
import { bytesEqual } from '../../../core/hash';
import { ChannelInput, NotMine, Recognition, TxInspector } from '../../../inspect/inspector';
import { InputSignatures, singleKeySignatures } from '../../../inspect/signatures';
import { InputView, OutputView, TxView } from '../../../inspect/view';
import { TemplateMatch, matchTemplate } from '../../../script/match';
import { FUNDING_TEMPLATE } from '../../../script/templates';
import { p2wshScript } from '../../../tx/outputs';
import { SPILLMAN_KIND_LABELS, SpillmanTxKind } from '../kinds';
import { SPILLMAN_CLOSE_LOCKTIME, SPILLMAN_SEQUENCE, spillmanIndexOf } from '../params';
import { SPILLMAN_CLTV_TEMPLATE } from '../templates';

const SEQUENCE_FINAL = 0xffffffff;

interface Seen {
  readonly kind: SpillmanTxKind;
  readonly certain: boolean;
  readonly basis: string;
  readonly form?: 'S' | 'C';
  readonly channelInput?: ChannelInput;
  readonly fundingOutput?: number;
  /** L, when a Form C script shows it. */
  readonly lockTime?: AbsoluteLock;
}

function lockOf(v: number): AbsoluteLock {
  return v < LOCKTIME_THRESHOLD ? { height: v } : { time: v };
}

/** The kind a funding spend's nLockTime and nSequence say, or undefined when they are no Spillman spend's. */
function kindByLocks(tx: TxView['tx'], sequence: number): SpillmanTxKind | undefined {
  if (sequence !== SPILLMAN_SEQUENCE) return undefined;
  if (spillmanIndexOf(tx.locktime) !== undefined) return 'spillman-payment';
  if (tx.locktime === SPILLMAN_CLOSE_LOCKTIME) return 'spillman-close';
  return tx.locktime !== 0 && tx.outs.length === 1 ? 'spillman-refund' : undefined;
}

function formCSpend(view: TxView, i: InputView, match: TemplateMatch): Seen | NotMine {
  const l = match.values.get('L') as number;
  const w = i.witness;
  const signed = w !== undefined && w.length === 3;
  // Signed: the receiver's place is empty on the refund path. Unsigned: the refund path needs nLockTime >= L of L's kind.
  const sameKind = (view.tx.locktime < LOCKTIME_THRESHOLD) === (l < LOCKTIME_THRESHOLD);
  const byLocks = kindByLocks(view.tx, i.sequence);
  const refund = signed ? w[0]!.length === 0 : byLocks !== 'spillman-payment' && byLocks !== 'spillman-close' && sameKind && view.tx.locktime >= l && i.sequence !== SEQUENCE_FINAL;
  const seen = signed ? 'its witness reveals the spillman-cltv script' : 'the input\'s witness script (PSBT) is spillman-cltv';
  if (refund) {
    return {
      kind: 'spillman-refund', certain: true, form: 'C', lockTime: lockOf(l),
      basis: `it spends a Spillman Form C funding output: ${seen}; ${signed ? 'the witness takes the refund branch' : 'its locks satisfy the refund branch'}`,
      channelInput: { index: i.index, match, branch: 'refund' },
    };
  }
  const kind = byLocks;
  if (kind === undefined || kind === 'spillman-refund') return { notMine: 'it spends a spillman-cltv output with nLockTime/nSequence no Spillman payment or close has' };
  return {
    kind, certain: true, form: 'C', lockTime: lockOf(l),
    basis: `it spends a Spillman Form C funding output: ${seen}; nLockTime ${view.tx.locktime} is a ${kind === 'spillman-payment' ? 'payment\'s' : 'close\'s'}`,
    channelInput: { index: i.index, match, branch: 'payment' },
  };
}

function formSSpend(view: TxView, i: InputView, match: TemplateMatch): Seen | NotMine {
  const kind = kindByLocks(view.tx, i.sequence);
  if (kind === undefined) return { notMine: 'it spends a 2-of-2 but its nLockTime/nSequence are no Spillman spend\'s' };
  const what = kind === 'spillman-payment' ? 'a payment\'s nLockTime' : kind === 'spillman-close' ? 'the close\'s nLockTime' : 'a refund\'s lock (nLockTime L, a non-final nSequence, one output)';
  return {
    kind, certain: true, form: 'S',
    basis: `it spends a funding 2-of-2 (Spillman Form S) with ${what}`,
    channelInput: { index: i.index, match, branch: 'multisig' },
  };
}

function classify(view: TxView): Seen | NotMine {
  for (const i of view.inputs) {
    const m = i.witnessScript ? matchTemplate(i.witnessScript) : undefined;
    if (m === undefined) continue;
    if (m.template !== SPILLMAN_CLTV_TEMPLATE && m.template !== FUNDING_TEMPLATE) return { notMine: `it spends a ${m.template.name} script, which is not a Spillman channel's` };
    if (view.inputs.length !== 1) return { notMine: 'a Spillman spend has one input' };
    return m.template === SPILLMAN_CLTV_TEMPLATE ? formCSpend(view, i, m) : formSSpend(view, i, m);
  }
  const funding = view.outputs.find((o) => o.witnessScript !== undefined && bytesEqual(o.script, p2wshScript(o.witnessScript))
    && matchTemplate(o.witnessScript)?.template === SPILLMAN_CLTV_TEMPLATE);
  if (funding !== undefined) {
    const m = matchTemplate(funding.witnessScript!)!;
    return {
      kind: 'spillman-funding', certain: true, form: 'C', fundingOutput: funding.index, lockTime: lockOf(m.values.get('L') as number),
      basis: `output ${funding.index}'s witness script (PSBT) is spillman-cltv`,
    };
  }
  const only = view.inputs.length === 1 ? view.inputs[0]! : undefined;
  const kind = only ? kindByLocks(view.tx, only.sequence) : undefined;
  if (kind === 'spillman-payment' || kind === 'spillman-close') {
    return {
      kind, certain: false,
      basis: `one input, nLockTime ${view.tx.locktime} (${kind === 'spillman-payment' ? 'a Spillman payment index' : 'the Spillman close\'s'}) and nSequence 0xfffffffe; the funding script is not visible`,
    };
  }
  return { notMine: 'it spends no Spillman script and carries no Spillman payment\'s or close\'s nLockTime' };
}

function describe(view: TxView, c: Seen): Recognition {
  const variant = (): { variant?: Variant; variantNote?: string } => {
    if (c.lockTime) return { variant: { kind: 'cltv', expiry: c.lockTime } };
    if (c.kind === 'spillman-refund') return { variant: { kind: 'cltv', expiry: lockOf(view.tx.locktime) } };
    return { variantNote: 'not visible: L is in a Form C script or a refund\'s nLockTime' };
  };
  const state = (): { stateNote: string } => {
    const index = spillmanIndexOf(view.tx.locktime);
    if (c.kind === 'spillman-payment' && index !== undefined) return { stateNote: `payment index ${index} (nLockTime ${LOCKTIME_THRESHOLD} + ${index})` };
    if (c.kind === 'spillman-close') return { stateNote: 'none: a Spillman close carries no payment index' };
    if (c.kind === 'spillman-refund') return { stateNote: 'none: the refund returns the deposit from L' };
    return { stateNote: 'none: a funding transaction carries no payment index' };
  };
  const spends = (i: InputView): string => {
    if (c.kind === 'spillman-funding') return 'wallet coin';
    if (c.form === 'C') return 'funding output (spillman-cltv)';
    if (c.form === 'S') return 'funding output (2-of-2)';
    return 'funding output (script not visible)';
  };
  const signatures = (i: InputView): InputSignatures => {
    if (c.kind === 'spillman-funding') return singleKeySignatures(i, 'wallet key', 'sender\'s wallet key', view.psbt);
    if (i.witness !== undefined) return { present: [], missing: [], note: 'signed, but its script is not visible' };
    return { present: [], missing: [], note: 'the funding script is not visible, so neither are its keys' };
  };
  const outputRole = (o: OutputView): string => {
    switch (c.kind) {
      case 'spillman-funding': return o.index === c.fundingOutput ? 'funding output (spillman-cltv)' : 'change';
      case 'spillman-refund': return 'sender\'s refund';
      default:
        if (view.outputs.length === 2) return o.index === 0 ? 'receiver\'s output (paid so far)' : 'sender\'s output (the rest)';
        return 'receiver\'s or sender\'s output (the other was dust and left out)';
    }
  };
  return {
    kind: c.kind,
    certain: c.certain,
    basis: c.basis,
    ...(c.channelInput ? { channelInput: c.channelInput } : {}),
    fundsChannel: c.kind === 'spillman-funding',
    variant,
    state,
    spends,
    signatures,
    outputRole,
    assumedInput: () => undefined,
  };
}

function describeVariant(v: Variant): string {
  if (v.kind !== 'cltv') return 'not a Spillman channel\'s lock';
  const e = v.expiry;
  return 'height' in e
    ? `refund lock L: the sender can take the deposit back from block height ${e.height}`
    : `refund lock L: the sender can take the deposit back from time ${e.time} (${new Date(e.time * 1000).toISOString()})`;
}

/** The Spillman construction's inspector: its kinds, its template's roles, its recognizer and describer. */
export const SPILLMAN_INSPECTOR: TxInspector = {
  name: 'spillman',
  kinds: SPILLMAN_KIND_LABELS,
  valueRoles: {
    [SPILLMAN_CLTV_TEMPLATE.name]: { S_f: 'sender\'s (payer\'s) funding key', R_f: 'receiver\'s (payee\'s) funding key', L: 'refund lock L (CLTV)' },
  },
  recognize(view) {
    const c = classify(view);
    return 'notMine' in c ? c : describe(view, c);
  },
  describeVariant,
};
