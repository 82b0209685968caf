/**
 * `revchan inspect` as a pure function: a PSBT or transaction in, a plain
 * report out (kind, variant, state number, amounts and fee, every script as
 * ASM and miniscript, signatures present and missing, warnings). Nothing is
 * signed, fetched or trusted: what cannot be known from the input alone is
 * reported as unknown, with the reason.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { TemplateMatch, matchTemplate } from '../scripts/match';
import { FUNDING_TEMPLATE, ScriptTemplate } from '../scripts/templates';
import { maxWitnessSize } from '../scripts/witness';
import { bytesEqual } from '../tx/hash';
import { classifyScript, dustLimit, p2wshScript } from '../tx/outputs';
import { SIGHASH_ALL } from '../tx/sighash';
import {
  FUNDING_SPEND_INPUT, InputShape, P2SH_P2WPKH_INPUT, P2TR_KEYPATH_INPUT, P2WPKH_INPUT, segwitTxWeight,
} from '../tx/weights';
import { LOCKTIME_THRESHOLD, Variant, asPublicKey } from '../types';
import { ChannelTxKind, Classification, KIND_LABELS, classifyView } from './classify';
import { parseInspectInput } from './parse';
import { ExplainedScript, explainOutputScript, explainWitnessScript } from './scripts';
import { FundingKeyRoles, InputSignatures, channelInputSignatures, singleKeySignatures } from './signatures';
import { StateReading, readState } from './state';
import { InputView, TxView, viewPsbt, viewTransaction } from './view';

/** Above this a fee is flagged: no channel transaction needs 1,000 sat/vB. */
export const SANE_FEE_RATE_SAT_PER_VBYTE = 1000;
/** A fee above this share of what the inputs hold is flagged too (percent). */
export const SANE_FEE_PERCENT_OF_INPUTS = 5;

export interface ExplainOptions {
  /** The sender's funding key S_f: tells the two sorted funding keys apart, so the state number is exact. */
  readonly senderFundingKey?: Uint8Array;
  /** With senderFundingKey: reads the state of a transaction that does not show the funding script. */
  readonly receiverFundingKey?: Uint8Array;
}

export type InspectWarningCode =
  | 'NON_SEGWIT_INPUT'
  | 'MISSING_NON_WITNESS_UTXO'
  | 'UTXO_MISMATCH'
  | 'DUST_OUTPUT'
  | 'FEE_TOO_HIGH'
  | 'NEGATIVE_FEE'
  | 'SIGHASH_NOT_ALL'
  | 'INVALID_SIGNATURE';

export interface InspectWarning {
  readonly code: InspectWarningCode;
  readonly message: string;
  readonly input?: number;
  readonly output?: number;
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

export interface ExplainedAmounts {
  /** Sum of the inputs' values, when every one is known (a PSBT's witnessUtxo / nonWitnessUtxo). */
  readonly inputs?: bigint;
  readonly outputs: bigint;
  readonly fee?: bigint;
  /** Exact when every input is signed; else the maximum, with signatures counted at 73 bytes. */
  readonly weight?: number;
  readonly weightExact: boolean;
  readonly vsize?: number;
  readonly feeRate?: { readonly satPerVbyte: number; readonly satPerKw: bigint };
  readonly note?: string;
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
  return { name, description: b.description, locks: b.locks };
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
// ExplainedAmounts, weight, fee.

function witnessSize(items: readonly Uint8Array[]): number {
  const v = (n: number) => (n < 0xfd ? 1 : n <= 0xffff ? 3 : 5);
  return items.reduce((s, it) => s + v(it.length) + it.length, v(items.length));
}

function inputShape(ctx: Context, i: InputView): InputShape | undefined {
  if (i.witness !== undefined || i.scriptSig !== undefined) {
    return { scriptSigLength: i.scriptSig?.length ?? 0, witnessSize: i.witness ? witnessSize(i.witness) : 1 };
  }
  const ch = ctx.c.channelInput;
  if (ch?.index === i.index) return { scriptSigLength: 0, witnessSize: maxWitnessSize(ch.match.template, ch.branch) };
  if (ctx.c.kind === 'sender-version' || ctx.c.kind === 'receiver-version') return FUNDING_SPEND_INPUT;
  const s = i.prevout?.script;
  if (s === undefined) return undefined;
  switch (classifyScript(s)) {
    case 'p2wpkh': return P2WPKH_INPUT;
    case 'p2tr': return P2TR_KEYPATH_INPUT;
    case 'p2sh': return i.redeemScript && classifyScript(i.redeemScript) === 'p2wpkh' ? P2SH_P2WPKH_INPUT : undefined;
    default: return undefined;
  }
}

function weightOf(ctx: Context): { weight?: number; exact: boolean } {
  const { view } = ctx;
  if (view.final) return { weight: view.tx.weight(), exact: true };
  const shapes = view.inputs.map((i) => inputShape(ctx, i));
  if (shapes.some((s) => s === undefined)) return { exact: false };
  return { weight: segwitTxWeight(shapes as InputShape[], view.outputs.map((o) => o.script.length)), exact: false };
}

function amounts(ctx: Context): ExplainedAmounts {
  const { view, warnings } = ctx;
  const outputs = view.outputs.reduce((s, o) => s + o.value, 0n);
  const { weight, exact } = weightOf(ctx);
  const vsize = weight === undefined ? undefined : Math.ceil(weight / 4);
  const sizes = { ...(weight !== undefined ? { weight, vsize } : {}), weightExact: exact };
  if (view.inputs.some((i) => i.prevout === undefined)) {
    const note = view.source === 'transaction'
      ? 'fee unknown: a transaction does not carry the values of the outputs it spends'
      : 'fee unknown: an input has neither witnessUtxo nor nonWitnessUtxo';
    return { outputs, ...sizes, note };
  }
  const inputs = view.inputs.reduce((s, i) => s + i.prevout!.value, 0n);
  const fee = inputs - outputs;
  if (fee < 0n) {
    warnings.push({ code: 'NEGATIVE_FEE', message: `outputs (${outputs} sat) exceed inputs (${inputs} sat): the transaction is invalid` });
    return { inputs, outputs, fee, ...sizes };
  }
  let feeRate: ExplainedAmounts['feeRate'];
  if (weight !== undefined && weight > 0) {
    feeRate = { satPerVbyte: Math.round(Number(fee) * 100 / vsize!) / 100, satPerKw: (fee * 1000n) / BigInt(weight) };
    if (Number(fee) / vsize! > SANE_FEE_RATE_SAT_PER_VBYTE) {
      warnings.push({ code: 'FEE_TOO_HIGH', message: `fee rate ${feeRate.satPerVbyte} sat/vB is above ${SANE_FEE_RATE_SAT_PER_VBYTE} sat/vB` });
    }
  }
  if (inputs > 0n && fee * 100n > inputs * BigInt(SANE_FEE_PERCENT_OF_INPUTS)) {
    warnings.push({ code: 'FEE_TOO_HIGH', message: `fee ${fee} sat is more than ${SANE_FEE_PERCENT_OF_INPUTS}% of the ${inputs} sat the inputs hold` });
  }
  return { inputs, outputs, fee, ...sizes, ...(feeRate ? { feeRate } : {}) };
}

// ---------------------------------------------------------------------------
// Warnings about inputs and signatures.

function isWitnessProgram(s: Uint8Array): boolean {
  return s.length >= 4 && s.length <= 42 && (s[0] === 0x00 || (s[0]! >= 0x51 && s[0]! <= 0x60)) && s[1] === s.length - 2;
}

function segwitProblem(i: InputView, source: TxView['source']): string | undefined {
  if (source === 'transaction') {
    if (i.witness === undefined && i.scriptSig !== undefined) return 'is signed with a scriptSig and no witness';
    return undefined;
  }
  if (!i.hasWitnessUtxo) return 'has no witnessUtxo';
  const s = i.prevout!.script;
  const type = classifyScript(s);
  if (type === 'p2sh') return i.redeemScript && isWitnessProgram(i.redeemScript) ? undefined : 'is P2SH without a segwit redeemScript';
  return isWitnessProgram(s) ? undefined : 'spends a non-witness output';
}

function inputWarnings(ctx: Context, inputs: readonly ExplainedInput[]): void {
  const { view, c, warnings } = ctx;
  for (const i of view.inputs) {
    if (i.parentProblem !== undefined) warnings.push({ code: 'UTXO_MISMATCH', input: i.index, message: `input ${i.index}: ${i.parentProblem}` });
    if (c.kind === 'funding') {
      const problem = segwitProblem(i, view.source);
      if (problem !== undefined) {
        warnings.push({ code: 'NON_SEGWIT_INPUT', input: i.index, message: `funding input ${i.index} ${problem}: the funding txid could change and the signed refund would be lost` });
      }
      // Taproot signatures commit to every input's amount; segwit v0 ones do not, so wallets want the parent.
      const taproot = i.prevout !== undefined && classifyScript(i.prevout.script) === 'p2tr';
      if (view.source === 'psbt' && !i.hasNonWitnessUtxo && !taproot) {
        warnings.push({ code: 'MISSING_NON_WITNESS_UTXO', input: i.index, message: `funding input ${i.index} has no nonWitnessUtxo: hardware wallets refuse to sign segwit v0 inputs without the previous transaction` });
      }
    }
    if (i.sighashType !== undefined && i.sighashType !== SIGHASH_ALL) {
      warnings.push({ code: 'SIGHASH_NOT_ALL', input: i.index, message: `input ${i.index} asks for sighash type 0x${i.sighashType.toString(16)}, not ALL: the signature would not commit to the whole transaction` });
    }
  }
  for (const input of inputs) {
    for (const s of input.signatures.present) {
      const who = `${s.name}${s.pubkey ? ` (${s.pubkey})` : ''}`;
      if (s.sighashType !== undefined && s.sighashType !== SIGHASH_ALL && s.sighashType !== 0) {
        warnings.push({ code: 'SIGHASH_NOT_ALL', input: input.index, message: `input ${input.index}: the signature of ${who} has sighash type 0x${s.sighashType.toString(16)}, not ALL` });
      }
      if (s.valid === false) {
        warnings.push({ code: 'INVALID_SIGNATURE', input: input.index, message: `input ${input.index}: the signature of ${who} does not verify for this transaction` });
      }
    }
  }
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
  const amt = amounts(ctx);
  inputWarnings(ctx, inputs);
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

