/**
 * Which channel transaction a PSBT or transaction is, from what it shows and
 * nothing else (no channel state, unlike lib/chain/classify.ts, which asks the
 * receiver whether a state is revoked). A script a template produced, seen in
 * a PSBT or revealed by a witness, makes the kind certain; without one only
 * the funding transaction's and the payment versions' shapes are recognised,
 * and said to be unconfirmed.
 */
import { fail } from '../errors';
import { TemplateMatch, matchTemplate } from '../scripts/match';
import { FUNDING_TEMPLATE } from '../scripts/templates';
import { CLOSE_LOCKTIME, CLOSE_SEQUENCE } from '../tx/close';
import { FUNDING_SEQUENCE } from '../tx/funding';
import { bytesEqual } from '../tx/hash';
import { classifyScript, p2wshScript } from '../tx/outputs';
import { LOCKTIME_THRESHOLD } from '../types';
import { obscuredState } from './state';
import { InputView, TxView } from './view';

/** The channel transactions {@link explainInput} recognises. */
export type ChannelTxKind = 'funding' | 'sender-version' | 'receiver-version' | 'cooperative-close' | 'penalty' | 'timeout';

/** Each kind in words, for a person. */
export const KIND_LABELS: Readonly<Record<ChannelTxKind, string>> = {
  'funding': 'funding',
  'sender-version': 'sender\'s version',
  'receiver-version': 'receiver\'s version',
  'cooperative-close': 'cooperative close',
  'penalty': 'penalty claim',
  'timeout': 'timeout sweep',
};

export interface Classification {
  readonly kind: ChannelTxKind;
  /** False when only the shape was recognised, without seeing a channel script. */
  readonly certain: boolean;
  /** How it was recognised, for a person. */
  readonly basis: string;
  /** The input spending the funding or revocable output, and its template. */
  readonly channelInput?: { readonly index: number; readonly match: TemplateMatch; readonly branch: string };
  /** The funding output of a funding transaction. */
  readonly fundingOutput?: number;
}

const SEQUENCE_DISABLE = 0x80000000;
const SEQUENCE_TYPE_TIME = 0x00400000;

function templateOf(i: InputView): TemplateMatch | undefined {
  return i.witnessScript ? matchTemplate(i.witnessScript) : undefined;
}

function notChannel(why: string): never {
  return fail('NOT_A_CHANNEL_TX', why);
}

/** Whether this spend of a revocable output takes the timeout branch: from its witness if signed, else from its locks. */
function revocableBranch(view: TxView, i: InputView, m: TemplateMatch): string {
  const w = i.witness;
  if (w !== undefined && w.length === 3) return w[1]!.length === 0 ? 'timeout' : 'penalty';
  if (m.template.name === 'revocable-cltv') {
    const t = m.values.get('T') as number;
    const sameKind = (view.tx.locktime < LOCKTIME_THRESHOLD) === (t < LOCKTIME_THRESHOLD);
    return sameKind && view.tx.locktime >= t && i.sequence !== 0xffffffff ? 'timeout' : 'penalty';
  }
  const d = m.values.get('D') as number;
  const relative = view.tx.version >= 2 && (i.sequence & SEQUENCE_DISABLE) === 0 && (i.sequence & SEQUENCE_TYPE_TIME) === 0;
  return relative && (i.sequence & 0xffff) >= d ? 'timeout' : 'penalty';
}

function fundingSpend(view: TxView, index: number, match: TemplateMatch): Classification {
  if (view.inputs.length !== 1) notChannel('it spends a 2-of-2 together with other inputs; no channel transaction does');
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
  return notChannel('it spends a 2-of-2 but its nLockTime/nSequence are neither a state number nor a cooperative close\'s');
}

function revocableSpend(view: TxView, index: number, match: TemplateMatch): Classification {
  if (view.inputs.filter((i) => templateOf(i) !== undefined).length !== 1 || view.inputs.length > 2 || view.outputs.length !== 1) {
    notChannel('it spends a revocable output but has more inputs or outputs than a penalty claim or timeout sweep');
  }
  const branch = revocableBranch(view, view.inputs[index]!, match);
  if (branch === 'timeout' && view.inputs.length !== 1) notChannel('a timeout sweep has one input');
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

export function classifyView(view: TxView): Classification {
  for (const i of view.inputs) {
    const m = templateOf(i);
    if (m === undefined) continue;
    return m.template === FUNDING_TEMPLATE ? fundingSpend(view, i.index, m) : revocableSpend(view, i.index, m);
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
  return notChannel(unsigned
    ? 'no channel script or state number: an unsigned transaction shows no scripts, so give the PSBT or the signed transaction'
    : 'it spends no channel script, carries no state number and pays no funding output');
}
