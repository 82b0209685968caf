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

/** What the caller knows beyond the input, to make the report exact. */
export interface ExplainOptions {
  /** The sender's funding key S_f: tells the two sorted funding keys apart, so the state number is exact. */
  readonly senderFundingKey?: Uint8Array;
  /** With senderFundingKey: reads the state of a transaction that does not show the funding script. */
  readonly receiverFundingKey?: Uint8Array;
}

/** One input, as a person checks it. */
export interface ExplainedInput {
  /** Its index. */
  readonly index: number;
  /** The txid of the output it spends. */
  readonly txid: string;
  /** That output's index. */
  readonly vout: number;
  /** Its nSequence. */
  readonly sequence: number;
  /** What the spent output is, in this transaction's story. */
  readonly spends: string;
  /** The spent output's value, when the input shows it (a PSBT's witnessUtxo or nonWitnessUtxo). */
  readonly value?: bigint;
  /** The spent output's script, when shown. */
  readonly prevoutScript?: ExplainedScript;
  /** The witness script, when shown (a PSBT's field, or a final witness). */
  readonly witnessScript?: ExplainedScript;
  /** The template branch this input takes, for a channel script. */
  readonly branch?: {
    /** The branch's name in the template. */
    readonly name: string;
    /** What taking it means. */
    readonly description: string;
    /** The timelocks it needs, in words. */
    readonly locks: string;
  };
  /** Whether the input is finalized (a final witness or scriptSig). */
  readonly final: boolean;
  /** The sighash type a PSBT input asks for, if it says. */
  readonly sighashType?: number;
  /** Its signatures, present and missing. */
  readonly signatures: InputSignatures;
}

/** One output, as a person checks it. */
export interface ExplainedOutput {
  /** Its index. */
  readonly index: number;
  /** Its value in satoshis. */
  readonly value: bigint;
  /** Whose it is, in this transaction's story. */
  readonly role: string;
  /** Its output script. */
  readonly script: ExplainedScript;
  /** Its witness script, when a PSBT carries it. */
  readonly witnessScript?: ExplainedScript;
  /** The dust limit of its script type. */
  readonly dustLimit: bigint;
  /** Whether its value is below that limit. */
  readonly dust: boolean;
}

/** The whole report on one PSBT or transaction. */
export interface Explanation {
  /** What was explained. */
  readonly source: 'psbt' | 'transaction';
  /** Which channel transaction it is. */
  readonly kind: ChannelTxKind;
  /** The kind in words. */
  readonly kindLabel: string;
  /** False when only the transaction's shape was recognised, not a channel script. */
  readonly certain: boolean;
  /** How it was recognised, in words. */
  readonly recognisedBy: string;
  /** The channel's timeout, when a revocable script is in view. */
  readonly variant?: Variant;
  /** Why the variant is not known, when it is not. */
  readonly variantNote?: string;
  /** The txid. */
  readonly txid: string;
  /** The transaction's version. */
  readonly version: number;
  /** Its nLockTime. */
  readonly locktime: number;
  /** The state number, for a payment version (or the version a claim spends). */
  readonly state?: StateReading;
  /** Why there is no state reading, when there is none. */
  readonly stateNote?: string;
  /** Every input. */
  readonly inputs: readonly ExplainedInput[];
  /** Every output. */
  readonly outputs: readonly ExplainedOutput[];
  /** Values, weight and fee. */
  readonly amounts: ExplainedAmounts;
  /** The signatures counted over all inputs. */
  readonly signatures: {
    /** Signatures present. */
    readonly present: number;
    /** Signatures still needed. */
    readonly missing: number;
    /** Nothing is missing: ready to finalize or broadcast. */
    readonly complete: boolean;
  };
  /** What a person should know before signing or broadcasting. */
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

/**
 * Explain a PSBT: its kind, scripts, amounts, signatures present and missing, and warnings.
 *
 * @param psbt - The PSBT, parsed.
 * @param opts - Funding keys the caller knows, to read the state number exactly.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `psbt` is not a Psbt.
 * @throws {@link ChannelError} `PSBT_INVALID` if an input's final witness does not decode or its witnessScript does not hash to the output it spends.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, or `receiverFundingKey` is given without `senderFundingKey`.
 * @throws {@link ChannelError} `INVALID_KEY` if a key in `opts` is not a valid public key, or the two are equal.
 * @throws {@link ChannelError} `NOT_A_CHANNEL_TX` if it is none of the channel's transactions.
 */
export function explainPsbt(psbt: Psbt, opts: ExplainOptions = {}): Explanation {
  if (!(psbt instanceof Psbt)) fail('INVALID_ARGUMENT', 'expected a Psbt');
  return explainView(viewPsbt(psbt), opts);
}

/**
 * Explain a transaction: its kind, scripts, amounts (as far as a transaction shows them), signatures and warnings.
 *
 * @param tx - The transaction, parsed.
 * @param opts - Funding keys the caller knows, to read the state number exactly.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `tx` is not a Transaction.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, or `receiverFundingKey` is given without `senderFundingKey`.
 * @throws {@link ChannelError} `INVALID_KEY` if a key in `opts` is not a valid public key, or the two are equal.
 * @throws {@link ChannelError} `NOT_A_CHANNEL_TX` if it is none of the channel's transactions.
 */
export function explainTransaction(tx: Transaction, opts: ExplainOptions = {}): Explanation {
  if (!(tx instanceof Transaction)) fail('INVALID_ARGUMENT', 'expected a Transaction');
  return explainView(viewTransaction(tx), opts);
}

/**
 * What `revchan inspect` does: parse base64/hex/binary, then explain the PSBT or transaction.
 *
 * @param data - A PSBT (base64, hex or binary) or a transaction (hex or binary).
 * @param opts - Funding keys the caller knows, to read the state number exactly.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `PSBT_INVALID` or `INVALID_TRANSACTION` if `data` does not parse ({@link parseInspectInput}).
 * @throws {@link ChannelError} `PSBT_INVALID` if a PSBT input's final witness does not decode or its witnessScript does not match.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `opts` is not an object, or `receiverFundingKey` is given without `senderFundingKey`.
 * @throws {@link ChannelError} `INVALID_KEY` if a key in `opts` is not a valid public key, or the two are equal.
 * @throws {@link ChannelError} `NOT_A_CHANNEL_TX` if it is none of the channel's transactions.
 *
 * @example
 * ```ts
 * const e = explainInput(psbtBase64, { senderFundingKey });
 * if (e.kind !== 'sender-version' || e.warnings.length > 0) throw new Error('not signing this');
 * console.log(renderExplanation(e));
 * ```
 */
export function explainInput(data: string | Uint8Array, opts: ExplainOptions = {}): Explanation {
  const parsed = parseInspectInput(data);
  return parsed.kind === 'psbt' ? explainPsbt(parsed.psbt, opts) : explainTransaction(parsed.tx, opts);
}

