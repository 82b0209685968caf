/**
 * Which revocable channel transaction a PSBT or transaction is, from what it
 * shows and nothing else (no channel state, unlike the chain classifier,
 * which asks the receiver whether a state is revoked). A script of the
 * construction's templates, seen in a PSBT or revealed by a witness, makes
 * the kind certain; without one only the funding transaction's and the
 * payment versions' shapes are recognised, and said to be unconfirmed.
 * Anything else is not the construction's, and it says why.
 */
import { LOCKTIME_THRESHOLD } from '../../../core/types';
import { bytesEqual } from '../../../core/hash';
import { ChannelInput, NotMine } from '../../../inspect/inspector';
import { InputView, TxView } from '../../../inspect/view';
import { TemplateMatch, matchTemplate } from '../../../script/match';
import { FUNDING_TEMPLATE } from '../../../script/templates';
import { FUNDING_SEQUENCE } from '../../../tx/funding';
import { classifyScript, p2wshScript } from '../../../tx/outputs';
import { RevocableTxKind } from '../kinds';
import { REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE } from '../templates';
import { CLOSE_LOCKTIME, CLOSE_SEQUENCE } from '../tx/close';
import { obscuredState } from './state';

/** What the transaction is and how that was seen; inspect/describe.ts answers the rest from it. */
export interface Classification {
  /** Which transaction it is. */
  readonly kind: RevocableTxKind;
  /** False when only the shape was recognised, without seeing a channel script. */
  readonly certain: boolean;
  /** How it was recognised, for a person. */
  readonly basis: string;
  /** The input spending the funding or revocable output, and its template. */
  readonly channelInput?: ChannelInput;
  /** The funding output of a funding transaction. */
  readonly fundingOutput?: number;
}

const SEQUENCE_DISABLE = 0x80000000;
const SEQUENCE_TYPE_TIME = 0x00400000;

function templateOf(i: InputView): TemplateMatch | undefined {
  return i.witnessScript ? matchTemplate(i.witnessScript) : undefined;
}

function isRevocable(m: TemplateMatch): boolean {
  return m.template === REVOCABLE_CLTV_TEMPLATE || m.template === REVOCABLE_CSV_TEMPLATE;
}

/** Whether this spend of a revocable output takes the timeout branch: from its witness if signed, else from its locks. */
function revocableBranch(view: TxView, i: InputView, m: TemplateMatch): string {
  const w = i.witness;
  if (w !== undefined && w.length === 3) return w[1]!.length === 0 ? 'timeout' : 'penalty';
  if (m.template === REVOCABLE_CLTV_TEMPLATE) {
    const t = m.values.get('T') as number;
    const sameKind = (view.tx.locktime < LOCKTIME_THRESHOLD) === (t < LOCKTIME_THRESHOLD);
    return sameKind && view.tx.locktime >= t && i.sequence !== 0xffffffff ? 'timeout' : 'penalty';
  }
  const d = m.values.get('D') as number;
  const relative = view.tx.version >= 2 && (i.sequence & SEQUENCE_DISABLE) === 0 && (i.sequence & SEQUENCE_TYPE_TIME) === 0;
  return relative && (i.sequence & 0xffff) >= d ? 'timeout' : 'penalty';
}

function fundingSpend(view: TxView, index: number, match: TemplateMatch): Classification | NotMine {
  if (view.inputs.length !== 1) return { notMine: 'it spends a 2-of-2 together with other inputs; no channel transaction does' };
  const channelInput = { index, match, branch: 'multisig' };
  const seen = view.source === 'psbt' && view.inputs[index]!.witness === undefined
    ? 'the input\'s witness script (PSBT) is the funding 2-of-2'
    : 'its witness reveals the funding 2-of-2 script';
  const basis = `it spends a funding output: ${seen}`;
  if (obscuredState(view.tx) !== undefined) {
    const revocable = view.outputs.some((o) => classifyScript(o.script) === 'p2wsh');
    return { kind: revocable ? 'sender-version' : 'receiver-version', certain: true, basis: `${basis}; nLockTime/nSequence carry a state number`, channelInput };
  }
  if (view.tx.locktime === CLOSE_LOCKTIME && view.inputs[index]!.sequence === CLOSE_SEQUENCE) {
    return { kind: 'cooperative-close', certain: true, basis: `${basis}; nLockTime 0 and a final nSequence`, channelInput };
  }
  return { notMine: 'it spends a 2-of-2 but its nLockTime/nSequence are neither a state number nor a cooperative close\'s' };
}

function revocableSpend(view: TxView, index: number, match: TemplateMatch): Classification | NotMine {
  if (view.inputs.filter((i) => templateOf(i) !== undefined).length !== 1 || view.inputs.length > 2 || view.outputs.length !== 1) {
    return { notMine: 'it spends a revocable output but has more inputs or outputs than a penalty claim or timeout sweep' };
  }
  const branch = revocableBranch(view, view.inputs[index]!, match);
  if (branch === 'timeout' && view.inputs.length !== 1) return { notMine: 'a timeout sweep has one input' };
  const signed = view.inputs[index]!.witness !== undefined;
  const how = signed ? 'its witness takes the ' + branch + ' branch' : branch === 'timeout' ? 'its locks satisfy the timeout branch' : 'its locks do not satisfy the timeout branch';
  return {
    kind: branch === 'timeout' ? 'timeout' : 'penalty',
    certain: true,
    basis: `it spends a revocable output (${match.template.name}); ${how}`,
    channelInput: { index, match, branch },
  };
}

/** revchan's funding builder: version 2, nLockTime 0, final-for-locktime sequences, P2WSH first, change optional. */
function hasFundingShape(view: TxView): boolean {
  const { tx } = view;
  return tx.version === 2 && tx.locktime === 0 && tx.outs.length <= 2
    && tx.ins.every((i) => i.sequence === FUNDING_SEQUENCE) && classifyScript(tx.outs[0]!.script) === 'p2wsh';
}

/**
 * The revocable channel transaction a view shows, or why it is none.
 *
 * @param view - The PSBT or transaction.
 */
export function classifyView(view: TxView): Classification | NotMine {
  for (const i of view.inputs) {
    const m = templateOf(i);
    if (m === undefined) continue;
    if (m.template === FUNDING_TEMPLATE) return fundingSpend(view, i.index, m);
    if (isRevocable(m)) return revocableSpend(view, i.index, m);
    return { notMine: `it spends a ${m.template.name} script, which is not a revocable channel's` };
  }
  const funding = view.outputs.find((o) => o.witnessScript !== undefined && bytesEqual(o.script, p2wshScript(o.witnessScript))
    && matchTemplate(o.witnessScript)?.template === FUNDING_TEMPLATE);
  if (funding !== undefined) {
    return { kind: 'funding', certain: true, basis: `output ${funding.index}'s witness script (PSBT) is the funding 2-of-2`, fundingOutput: funding.index };
  }
  if (obscuredState(view.tx) !== undefined) {
    const revocable = view.outputs.some((o) => classifyScript(o.script) === 'p2wsh');
    return {
      kind: revocable ? 'sender-version' : 'receiver-version',
      certain: false,
      basis: 'nLockTime/nSequence carry a state number, but the input\'s script is not visible (no witness, no PSBT witness script)',
    };
  }
  if (hasFundingShape(view)) {
    return {
      kind: 'funding',
      certain: false,
      basis: 'output 0 is P2WSH and the transaction has revchan\'s funding shape; without the witness script it cannot be told to be a 2-of-2',
      fundingOutput: 0,
    };
  }
  const unsigned = view.source === 'transaction' && !view.inputs.some((i) => i.witness !== undefined || i.scriptSig !== undefined);
  return {
    notMine: unsigned
      ? 'no channel script or state number: an unsigned transaction shows no scripts, so give the PSBT or the signed transaction'
      : 'it spends no channel script, carries no state number and pays no funding output',
  };
}
