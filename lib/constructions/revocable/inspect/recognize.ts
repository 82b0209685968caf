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
import { HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE, REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE } from '../templates';
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

function isHtlc(m: TemplateMatch): boolean {
  return m.template === HTLC_SENDER_TEMPLATE || m.template === HTLC_RECEIVER_TEMPLATE;
}

/** Whether the transaction's nLockTime reaches the absolute lock `name` of a match, of the same kind, with a non-final nSequence. */
function meetsAbsolute(view: TxView, i: InputView, m: TemplateMatch, name: string): boolean {
  const t = m.values.get(name) as number;
  return (view.tx.locktime < LOCKTIME_THRESHOLD) === (t < LOCKTIME_THRESHOLD) && view.tx.locktime >= t && i.sequence !== 0xffffffff;
}

/**
 * The branch a spend of an HTLC output takes: from its witness when signed
 * (each branch has its own item count), else from its locks and the
 * PSBT's preimage record; without either, a revoked version's HTLC is spent
 * only alongside other outputs (the penalty).
 */
function htlcBranch(view: TxView, i: InputView, m: TemplateMatch): string {
  const sender = m.template === HTLC_SENDER_TEMPLATE;
  const w = i.witness;
  if (w !== undefined) {
    if (sender) return w.length === 3 ? 'penalty' : w.length === 5 ? 'success' : 'timeout';
    return w.length === 4 ? 'success' : 'timeout';
  }
  if (meetsAbsolute(view, i, m, 'E')) return 'timeout';
  if (!sender) return 'success';
  const hasPreimage = (view.psbt?.data.inputs[i.index]?.unknownKeyVals ?? []).some((kv) => kv.key[0] === 0x0b);
  return hasPreimage || view.inputs.length === 1 ? 'success' : 'penalty';
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
    return { kind: versionKind(view), certain: true, basis: `${basis}; nLockTime/nSequence carry a state number`, channelInput };
  }
  if (view.tx.locktime === CLOSE_LOCKTIME && view.inputs[index]!.sequence === CLOSE_SEQUENCE) {
    return { kind: 'cooperative-close', certain: true, basis: `${basis}; nLockTime 0 and a final nSequence`, channelInput };
  }
  return { notMine: 'it spends a 2-of-2 but its nLockTime/nSequence are neither a state number nor a cooperative close\'s' };
}

/**
 * Which version a payment transaction is. Both may carry HTLC outputs
 * (P2WSH), so a P2WSH output alone says nothing: a script in view decides
 * (the revocable or a sender's-version HTLC template: the sender's), else the
 * balances' shape (the receiver's version pays both balances to P2WPKH).
 */
function versionKind(view: TxView): 'sender-version' | 'receiver-version' {
  const p2wsh = view.outputs.filter((o) => classifyScript(o.script) === 'p2wsh');
  if (p2wsh.length === 0) return 'receiver-version';
  const seen = p2wsh.map((o) => (o.witnessScript !== undefined && bytesEqual(o.script, p2wshScript(o.witnessScript)) ? matchTemplate(o.witnessScript)?.template : undefined));
  if (seen.some((t) => t === REVOCABLE_CLTV_TEMPLATE || t === REVOCABLE_CSV_TEMPLATE || t === HTLC_SENDER_TEMPLATE)) return 'sender-version';
  if (seen.every((t) => t === HTLC_RECEIVER_TEMPLATE)) return 'receiver-version';
  return view.outputs.filter((o) => classifyScript(o.script) === 'p2wpkh').length >= 2 ? 'receiver-version' : 'sender-version';
}

function htlcSpend(view: TxView, index: number, match: TemplateMatch): Classification | NotMine {
  const branch = htlcBranch(view, view.inputs[index]!, match);
  if (branch === 'penalty') {
    const rev = view.inputs.find((i) => templateOf(i) !== undefined && isRevocable(templateOf(i)!));
    if (rev !== undefined) return revocableSpend(view, rev.index, templateOf(rev)!);
    return penaltyOf(view, index, match);
  }
  if (view.inputs.length !== 1 || view.outputs.length !== 1) return { notMine: 'it spends an HTLC output but an HTLC claim has one input and one output' };
  const signed = view.inputs[index]!.witness !== undefined;
  const version = match.template === HTLC_SENDER_TEMPLATE ? 'the sender\'s version' : 'the receiver\'s version';
  return {
    kind: branch === 'success' ? 'htlc-success' : 'htlc-timeout',
    certain: true,
    basis: `it spends an HTLC output of ${version} (${match.template.name}); ${signed ? 'its witness takes' : 'its locks and records point to'} the ${branch} branch`,
    channelInput: { index, match, branch },
  };
}

/** A penalty claim: every channel input takes its penalty branch (revocable and sender's-version HTLC outputs), beside at most the receiver's own output. */
function penaltyOf(view: TxView, index: number, match: TemplateMatch): Classification | NotMine {
  const channelInputs = view.inputs.filter((i) => templateOf(i) !== undefined);
  const others = view.inputs.length - channelInputs.length;
  const allPenalty = channelInputs.every((i) => {
    const m = templateOf(i)!;
    if (isRevocable(m)) return revocableBranch(view, i, m) === 'penalty';
    return m.template === HTLC_SENDER_TEMPLATE && htlcBranch(view, i, m) === 'penalty';
  });
  if (!allPenalty || others > 1 || view.outputs.length !== 1) {
    return { notMine: 'it spends revocable or HTLC outputs but is not a penalty claim (one output, every such input by its penalty branch)' };
  }
  const htlcs = channelInputs.filter((i) => templateOf(i)!.template === HTLC_SENDER_TEMPLATE).length;
  return {
    kind: 'penalty',
    certain: true,
    basis: `it spends outputs of a revoked sender's version by their penalty branches (${match.template.name}${htlcs ? `, ${htlcs} HTLC output${htlcs > 1 ? 's' : ''}` : ''})`,
    channelInput: { index, match, branch: 'penalty' },
  };
}

function revocableSpend(view: TxView, index: number, match: TemplateMatch): Classification | NotMine {
  const htlcInputs = view.inputs.filter((i) => templateOf(i) !== undefined && isHtlc(templateOf(i)!));
  if (htlcInputs.length > 0) return penaltyOf(view, index, match);
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
    if (isHtlc(m)) return htlcSpend(view, i.index, m);
    return { notMine: `it spends a ${m.template.name} script, which is not a revocable channel's` };
  }
  const funding = view.outputs.find((o) => o.witnessScript !== undefined && bytesEqual(o.script, p2wshScript(o.witnessScript))
    && matchTemplate(o.witnessScript)?.template === FUNDING_TEMPLATE);
  if (funding !== undefined) {
    return { kind: 'funding', certain: true, basis: `output ${funding.index}'s witness script (PSBT) is the funding 2-of-2`, fundingOutput: funding.index };
  }
  if (obscuredState(view.tx) !== undefined) {
    return {
      kind: versionKind(view),
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
