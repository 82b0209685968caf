/**
 * `revchan inspect` as a pure function: a PSBT or transaction in, a plain
 * report out (kind, variant, state number, amounts and fee, every script as
 * ASM and miniscript, signatures present and missing, warnings). Nothing is
 * signed, fetched or trusted: what cannot be known from the input alone is
 * reported as unknown, with the reason. Which transaction it is, and every
 * answer that depends on that, comes from the registered construction that
 * recognises it (inspector.ts); this module knows no kind.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fail } from '../core/errors';
import { bytesEqual } from '../core/hash';
import { Variant, asPublicKey } from '../core/types';
import { describeLocks } from '../script/locks';
import { ScriptTemplate } from '../script/templates';
import { dustLimit } from '../tx/outputs';
import { ExplainedAmounts, explainAmounts } from './amounts';
import { ExplainOptions, Recognition, recognize } from './inspector';
import { parseInspectInput } from './parse';
import { ExplainedScript, explainOutputScript, explainWitnessScript } from './scripts';
import { FundingKeyRoles, InputSignatures, channelInputSignatures } from './signatures';
import { StateReading } from './state';
import { InputView, TxView, viewPsbt, viewTransaction } from './view';
import { InspectWarning, inputWarnings } from './warnings';

export { ExplainOptions } from './inspector';

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
  /** Which channel transaction it is: a kind of the construction that recognised it (the revocable construction's are {@link ChannelTxKind}). */
  readonly kind: string;
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
  readonly c: Recognition;
  readonly opts: ExplainOptions;
  readonly warnings: InspectWarning[];
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
  return c.signatures(i);
}

function describeInput(ctx: Context, i: InputView): ExplainedInput {
  const { c } = ctx;
  const channel = c.channelInput?.index === i.index ? c.channelInput : undefined;
  return {
    index: i.index,
    txid: i.txid,
    vout: i.vout,
    sequence: i.sequence,
    spends: c.spends(i),
    final: i.witness !== undefined || i.scriptSig !== undefined,
    signatures: inputSignatures(ctx, i),
    ...(i.prevout ? { value: i.prevout.value, prevoutScript: explainOutputScript(i.prevout.script) } : {}),
    ...(i.witnessScript ? { witnessScript: explainWitnessScript(i.witnessScript) } : {}),
    ...(channel ? { branch: branchInfo(channel.match.template, channel.branch) } : {}),
    ...(i.sighashType !== undefined ? { sighashType: i.sighashType } : {}),
  };
}

function explainOutputs(ctx: Context): ExplainedOutput[] {
  return ctx.view.outputs.map((o) => {
    const limit = dustLimit(o.script);
    const dust = o.value < limit;
    if (dust) ctx.warnings.push({ code: 'DUST_OUTPUT', output: o.index, message: `output ${o.index} pays ${o.value} sat, below the ${limit} sat dust limit of its type: nodes will not relay it` });
    return {
      index: o.index,
      value: o.value,
      role: ctx.c.outputRole(o),
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
  const { inspector, recognition: c } = recognize(view, opts);
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
    kindLabel: inspector.kinds[c.kind] ?? c.kind,
    certain: c.certain,
    recognisedBy: c.basis,
    ...c.variant(),
    txid: view.tx.getId(),
    version: view.tx.version,
    locktime: view.tx.locktime,
    ...c.state(),
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

