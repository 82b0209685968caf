/**
 * `revchan inspect` as a pure function: a PSBT or transaction in, a plain
 * report out (kind, variant, state number, amounts and fee, every script as
 * ASM and miniscript, signatures present and missing, warnings). Nothing is
 * signed, fetched or trusted: what cannot be known from the input alone is
 * reported as unknown, with the reason.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { describeLocks } from '../scripts/locks';
import { TemplateMatch, matchTemplate } from '../scripts/match';
import { FUNDING_TEMPLATE, ScriptTemplate } from '../scripts/templates';
import { bytesEqual } from '../tx/hash';
import { classifyScript, dustLimit, p2wshScript } from '../tx/outputs';
import { LOCKTIME_THRESHOLD, Variant, asPublicKey } from '../types';
import { ChannelTxKind, Classification, KIND_LABELS, classifyView } from './classify';
import { ExplainedAmounts, explainAmounts } from './amounts';
import { parseInspectInput } from './parse';
import { ExplainedScript, explainOutputScript, explainWitnessScript } from './scripts';
import { FundingKeyRoles, InputSignatures, channelInputSignatures, singleKeySignatures } from './signatures';
import { StateReading, readState } from './state';
import { InputView, TxView, viewPsbt, viewTransaction } from './view';
import { InspectWarning, inputWarnings } from './warnings';

export interface ExplainOptions {
  /** The sender's funding key S_f: tells the two sorted funding keys apart, so the state number is exact. */
  readonly senderFundingKey?: Uint8Array;
  /** With senderFundingKey: reads the state of a transaction that does not show the funding script. */
  readonly receiverFundingKey?: Uint8Array;
}

export interface ExplainedInput {
  readonly index: number;
  readonly txid: string;
  readonly vout: number;
  readonly sequence: number;
  /** What the spent output is, in this transaction's story. */
  readonly spends: string;
  readonly value?: bigint;
  readonly prevoutScript?: ExplainedScript;
  readonly witnessScript?: ExplainedScript;
  /** The template branch this input takes, for a channel script. */
  readonly branch?: { readonly name: string; readonly description: string; readonly locks: string };
  readonly final: boolean;
  readonly sighashType?: number;
  readonly signatures: InputSignatures;
}

export interface ExplainedOutput {
  readonly index: number;
  readonly value: bigint;
  readonly role: string;
  readonly script: ExplainedScript;
  readonly witnessScript?: ExplainedScript;
  readonly dustLimit: bigint;
  readonly dust: boolean;
}

export interface Explanation {
  readonly source: 'psbt' | 'transaction';
  readonly kind: ChannelTxKind;
  readonly kindLabel: string;
  /** False when only the transaction's shape was recognised, not a channel script. */
  readonly certain: boolean;
  readonly recognisedBy: string;
  readonly variant?: Variant;
  readonly variantNote?: string;
  readonly txid: string;
  readonly version: number;
  readonly locktime: number;
  readonly state?: StateReading;
  readonly stateNote?: string;
  readonly inputs: readonly ExplainedInput[];
  readonly outputs: readonly ExplainedOutput[];
  readonly amounts: ExplainedAmounts;
  readonly signatures: { readonly present: number; readonly missing: number; readonly complete: boolean };
  readonly warnings: readonly InspectWarning[];
}

interface Context {
  readonly view: TxView;
  readonly c: Classification;
  readonly opts: ExplainOptions;
  readonly warnings: InspectWarning[];
}

// ---------------------------------------------------------------------------
// Variant and state.

function variantOf(m: TemplateMatch): Variant {
  if (m.template.name === 'revocable-cltv') {
    const t = m.values.get('T') as number;
    return { kind: 'cltv', expiry: t < LOCKTIME_THRESHOLD ? { height: t } : { time: t } };
  }
  return { kind: 'csv', delay: { blocks: m.values.get('D') as number } };
}

/** The revocable script a sender's version PSBT carries on its P2WSH output. */
function revocableOutputMatch(view: TxView): TemplateMatch | undefined {
  for (const o of view.outputs) {
    if (o.witnessScript === undefined || !bytesEqual(o.script, p2wshScript(o.witnessScript))) continue;
    const m = matchTemplate(o.witnessScript);
    if (m !== undefined && m.template !== FUNDING_TEMPLATE) return m;
  }
  return undefined;
}

function variant(ctx: Context): { variant?: Variant; variantNote?: string } {
  const { c, view } = ctx;
  if (c.kind === 'penalty' || c.kind === 'timeout') return { variant: variantOf(c.channelInput!.match) };
  if (c.kind === 'sender-version') {
    const m = revocableOutputMatch(view);
    if (m !== undefined) return { variant: variantOf(m) };
    return { variantNote: 'not visible: the revocable output is only a script hash here (its PSBT carries the script)' };
  }
  if (c.kind === 'funding') return { variantNote: 'not part of a funding transaction: it is set in the revocable script of the sender\'s versions' };
  return { variantNote: 'not visible: only a sender\'s version, penalty claim or timeout sweep carries the revocable script' };
}

function fundingKeysOf(m: TemplateMatch | undefined): [Uint8Array, Uint8Array] | undefined {
  if (m === undefined || m.template !== FUNDING_TEMPLATE) return undefined;
  return [m.values.get('key_1') as Uint8Array, m.values.get('key_2') as Uint8Array];
}

/** The funding keys from a signed spend of the funding output (its witness reveals the 2-of-2). */
function revealedFundingKeys(tx: Transaction): [Uint8Array, Uint8Array] | undefined {
  const w = tx.ins[0]?.witness;
  if (tx.ins.length !== 1 || w === undefined || w.length < 2) return undefined;
  return fundingKeysOf(matchTemplate(w[w.length - 1]!));
}

function optionKeys(opts: ExplainOptions): [Uint8Array, Uint8Array] | undefined {
  return opts.senderFundingKey && opts.receiverFundingKey ? [opts.senderFundingKey, opts.receiverFundingKey] : undefined;
}

function state(ctx: Context): { state?: StateReading; stateNote?: string } {
  const { c, view, opts } = ctx;
  if (c.kind === 'sender-version' || c.kind === 'receiver-version') {
    const keys = fundingKeysOf(c.channelInput?.match) ?? optionKeys(opts);
    const s = readState(view.tx, keys, opts.senderFundingKey)!;
    return { state: s };
  }
  if (c.kind === 'penalty' || c.kind === 'timeout') {
    const input = view.inputs[c.channelInput!.index]!;
    const parent = input.parentProblem === undefined ? input.parent : undefined;
    const spent = c.kind === 'penalty' ? 'the revoked sender\'s version' : 'the sender\'s version';
    if (parent === undefined) return { stateNote: `unknown: it is carried by ${spent} this spends, which is not included (a PSBT carries it as nonWitnessUtxo)` };
    const s = readState(parent, revealedFundingKeys(parent) ?? optionKeys(opts), opts.senderFundingKey);
    if (s === undefined) return { stateNote: 'unknown: the transaction this spends (nonWitnessUtxo) carries no state number' };
    return { state: s, stateNote: `of ${spent} this spends (${parent.getId()})` };
  }
  if (c.kind === 'cooperative-close') return { stateNote: 'none: a cooperative close carries no state number (nLockTime 0)' };
  return { stateNote: 'none: a funding transaction carries no state number' };
}

// ---------------------------------------------------------------------------
// Inputs.

function describeSpend(ctx: Context, i: InputView): string {
  const { c } = ctx;
  if (c.channelInput?.index === i.index) {
    if (c.channelInput.match.template === FUNDING_TEMPLATE) return 'funding output (2-of-2)';
    return c.kind === 'penalty' ? 'revocable output of the revoked sender\'s version' : 'revocable output of the sender\'s version';
  }
  switch (c.kind) {
    case 'funding': return 'wallet coin';
    case 'penalty': return 'receiver\'s output of the revoked sender\'s version';
    default: return 'funding output (2-of-2; script not visible)';
  }
}

function branchInfo(t: ScriptTemplate, name: string): ExplainedInput['branch'] {
  const b = t.branches[name]!;
  return { name, description: b.description, locks: describeLocks(b.locks) };
}

function fundingRoles(opts: ExplainOptions): FundingKeyRoles {
  return { ...(opts.senderFundingKey ? { sender: opts.senderFundingKey } : {}), ...(opts.receiverFundingKey ? { receiver: opts.receiverFundingKey } : {}) };
}

function inputSignatures(ctx: Context, i: InputView): InputSignatures {
  const { c, view, opts } = ctx;
  if (c.channelInput?.index === i.index) return channelInputSignatures(i, c.channelInput.match, c.channelInput.branch, fundingRoles(opts), view.psbt);
  if (c.kind === 'funding') return singleKeySignatures(i, 'wallet key', 'sender\'s wallet key', view.psbt);
  if (c.kind === 'penalty') return singleKeySignatures(i, 'R_p', 'receiver\'s payout key', view.psbt);
  if (i.witness !== undefined) return { present: [], missing: [], note: 'signed, but its script is not visible' };
  const where = view.source === 'psbt' ? 'the PSBT input has no witness script' : 'the transaction is unsigned';
  return { present: [], missing: [], note: `the 2-of-2's keys are not visible: ${where}` };
}

function describeInput(ctx: Context, i: InputView): ExplainedInput {
  const { c } = ctx;
  const channel = c.channelInput?.index === i.index ? c.channelInput : undefined;
  return {
    index: i.index,
    txid: i.txid,
    vout: i.vout,
    sequence: i.sequence,
    spends: describeSpend(ctx, i),
    final: i.witness !== undefined || i.scriptSig !== undefined,
    signatures: inputSignatures(ctx, i),
    ...(i.prevout ? { value: i.prevout.value, prevoutScript: explainOutputScript(i.prevout.script) } : {}),
    ...(i.witnessScript ? { witnessScript: explainWitnessScript(i.witnessScript) } : {}),
    ...(channel ? { branch: branchInfo(channel.match.template, channel.branch) } : {}),
    ...(i.sighashType !== undefined ? { sighashType: i.sighashType } : {}),
  };
}

// ---------------------------------------------------------------------------
// Outputs.

function outputRole(ctx: Context, index: number, script: Uint8Array): string {
  const { c, view } = ctx;
  const type = classifyScript(script);
  switch (c.kind) {
    case 'funding':
      if (index === c.fundingOutput) return c.certain ? 'funding output (2-of-2)' : 'funding output, if this is a funding transaction (P2WSH; script not visible)';
      return 'change';
    case 'sender-version':
      return type === 'p2wsh' ? 'sender\'s revocable output' : 'receiver\'s output';
    case 'receiver-version':
    case 'cooperative-close':
      if (view.outputs.length === 2) return index === 0 ? 'receiver\'s output' : 'sender\'s output';
      return 'receiver\'s or sender\'s output (the other was dust and left out)';
    case 'penalty':
      return 'receiver\'s destination';
    case 'timeout':
      return 'sender\'s destination';
  }
}

function explainOutputs(ctx: Context): ExplainedOutput[] {
  return ctx.view.outputs.map((o) => {
    const limit = dustLimit(o.script);
    const dust = o.value < limit;
    if (dust) ctx.warnings.push({ code: 'DUST_OUTPUT', output: o.index, message: `output ${o.index} pays ${o.value} sat, below the ${limit} sat dust limit of its type: nodes will not relay it` });
    return {
      index: o.index,
      value: o.value,
      role: outputRole(ctx, o.index, o.script),
      script: explainOutputScript(o.script),
      dustLimit: limit,
      dust,
      ...(o.witnessScript ? { witnessScript: explainWitnessScript(o.witnessScript) } : {}),
    };
  });
}

// ---------------------------------------------------------------------------

function checkOptions(opts: ExplainOptions): void {
  if (opts === null || typeof opts !== 'object') fail('INVALID_ARGUMENT', 'options must be an object');
  if (opts.senderFundingKey !== undefined) asPublicKey(opts.senderFundingKey, 'senderFundingKey');
  if (opts.receiverFundingKey !== undefined) {
    asPublicKey(opts.receiverFundingKey, 'receiverFundingKey');
    if (opts.senderFundingKey === undefined) fail('INVALID_ARGUMENT', 'receiverFundingKey is only used together with senderFundingKey');
    if (bytesEqual(opts.senderFundingKey, opts.receiverFundingKey)) fail('INVALID_KEY', 'sender and receiver funding keys must differ');
  }
}

function explainView(view: TxView, opts: ExplainOptions): Explanation {
  checkOptions(opts);
  const c = classifyView(view);
  const ctx: Context = { view, c, opts, warnings: [] };
  const inputs = view.inputs.map((i) => describeInput(ctx, i));
  const outputs = explainOutputs(ctx);
  const amt = explainAmounts(view, c, ctx.warnings);
  ctx.warnings.push(...inputWarnings(view, c, inputs));
  const present = inputs.reduce((n, i) => n + i.signatures.present.length, 0);
  const missing = inputs.reduce((n, i) => n + i.signatures.missing.length, 0);
  // A final input whose signer is not known counts as signed; an empty signature slot in a witness does not.
  const unknownSigners = inputs.some((i) => i.signatures.note !== undefined && !i.final);
  return {
    source: view.source,
    kind: c.kind,
    kindLabel: KIND_LABELS[c.kind],
    certain: c.certain,
    recognisedBy: c.basis,
    ...variant(ctx),
    txid: view.tx.getId(),
    version: view.tx.version,
    locktime: view.tx.locktime,
    ...state(ctx),
    inputs,
    outputs,
    amounts: amt,
    signatures: { present, missing, complete: missing === 0 && !unknownSigners },
    warnings: ctx.warnings,
  };
}

export function explainPsbt(psbt: Psbt, opts: ExplainOptions = {}): Explanation {
  if (!(psbt instanceof Psbt)) fail('INVALID_ARGUMENT', 'expected a Psbt');
  return explainView(viewPsbt(psbt), opts);
}

export function explainTransaction(tx: Transaction, opts: ExplainOptions = {}): Explanation {
  if (!(tx instanceof Transaction)) fail('INVALID_ARGUMENT', 'expected a Transaction');
  return explainView(viewTransaction(tx), opts);
}

/** What `revchan inspect` does: parse base64/hex/binary, then explain the PSBT or transaction. */
export function explainInput(data: string | Uint8Array, opts: ExplainOptions = {}): Explanation {
  const parsed = parseInspectInput(data);
  return parsed.kind === 'psbt' ? explainPsbt(parsed.psbt, opts) : explainTransaction(parsed.tx, opts);
}

