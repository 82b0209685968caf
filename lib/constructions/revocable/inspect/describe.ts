/**
 * The revocable construction's inspect description: a transaction it
 * recognised (recognize.ts) told in its own words, the variant and state
 * number read from the scripts and locks in view, what each input spends and
 * whose each output is. Registered as the construction's inspector.
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesEqual } from '../../../core/hash';
import { LOCKTIME_THRESHOLD, Variant } from '../../../core/types';
import { ExplainOptions, Recognition, TxInspector } from '../../../inspect/inspector';
import { InputSignatures, channelInputSignatures, singleKeySignatures } from '../../../inspect/signatures';
import { StateReading } from '../../../inspect/state';
import { InputView, OutputView, TxView } from '../../../inspect/view';
import { TemplateMatch, matchTemplate } from '../../../script/match';
import { FUNDING_TEMPLATE } from '../../../script/templates';
import { classifyScript, p2wshScript } from '../../../tx/outputs';
import { FUNDING_SPEND_INPUT } from '../../../tx/weights';
import { KIND_LABELS } from '../kinds';
import { HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE, REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE } from '../templates';
import { Classification, classifyView } from './recognize';
import { readState } from './state';

function variantOf(m: TemplateMatch): Variant {
  if (m.template === REVOCABLE_CLTV_TEMPLATE) {
    const t = m.values.get('T') as number;
    return { kind: 'cltv', expiry: t < LOCKTIME_THRESHOLD ? { height: t } : { time: t } };
  }
  return { kind: 'csv', delay: { blocks: m.values.get('D') as number } };
}

function outputMatch(o: OutputView): TemplateMatch | undefined {
  if (o.witnessScript === undefined || !bytesEqual(o.script, p2wshScript(o.witnessScript))) return undefined;
  return matchTemplate(o.witnessScript);
}

/** The revocable script a sender's version PSBT carries on its P2WSH output. */
function revocableOutputMatch(view: TxView): TemplateMatch | undefined {
  for (const o of view.outputs) {
    const m = outputMatch(o);
    if (m !== undefined && (m.template === REVOCABLE_CLTV_TEMPLATE || m.template === REVOCABLE_CSV_TEMPLATE)) return m;
  }
  return undefined;
}

function isHtlcTemplate(m: TemplateMatch | undefined): boolean {
  return m !== undefined && (m.template === HTLC_SENDER_TEMPLATE || m.template === HTLC_RECEIVER_TEMPLATE);
}

/** An HTLC output's role, with its expiry when its script is in view. */
function htlcRole(o: OutputView): string {
  const m = outputMatch(o);
  if (!isHtlcTemplate(m)) return 'HTLC output offered by the sender (script not visible)';
  const e = m!.values.get('E') as number;
  return `HTLC output offered by the sender (expiry ${e < LOCKTIME_THRESHOLD ? `height ${e}` : `time ${e}`})`;
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

/** The report's answers for one recognised transaction. */
function describe(view: TxView, c: Classification, opts: ExplainOptions): Recognition {
  const variant = (): { variant?: Variant; variantNote?: string } => {
    if (c.kind === 'penalty' || c.kind === 'timeout') {
      const m = c.channelInput!.match;
      if (isHtlcTemplate(m)) return { variantNote: 'not visible: this input spends an HTLC output, whose script does not carry the channel\'s timeout' };
      return { variant: variantOf(m) };
    }
    if (c.kind === 'htlc-success' || c.kind === 'htlc-timeout') return { variantNote: 'not visible: an HTLC claim spends an HTLC output, whose script does not carry the channel\'s timeout' };
    if (c.kind === 'sender-version') {
      const m = revocableOutputMatch(view);
      if (m !== undefined) return { variant: variantOf(m) };
      return { variantNote: 'not visible: the revocable output is only a script hash here (its PSBT carries the script)' };
    }
    if (c.kind === 'funding') return { variantNote: 'not part of a funding transaction: it is set in the revocable script of the sender\'s versions' };
    return { variantNote: 'not visible: only a sender\'s version, penalty claim or timeout sweep carries the revocable script' };
  };

  const state = (): { state?: StateReading; stateNote?: string } => {
    if (c.kind === 'sender-version' || c.kind === 'receiver-version') {
      const keys = fundingKeysOf(c.channelInput?.match) ?? optionKeys(opts);
      return { state: readState(view.tx, keys, opts.senderFundingKey)! };
    }
    if (c.kind === 'penalty' || c.kind === 'timeout' || c.kind === 'htlc-success' || c.kind === 'htlc-timeout') {
      const input = view.inputs[c.channelInput!.index]!;
      const parent = input.parentProblem === undefined ? input.parent : undefined;
      const spent = c.kind === 'penalty' ? 'the revoked sender\'s version'
        : c.kind === 'timeout' || c.channelInput!.match.template === HTLC_SENDER_TEMPLATE ? 'the sender\'s version' : 'the receiver\'s version';
      if (parent === undefined) return { stateNote: `unknown: it is carried by ${spent} this spends, which is not included (a PSBT carries it as nonWitnessUtxo)` };
      const s = readState(parent, revealedFundingKeys(parent) ?? optionKeys(opts), opts.senderFundingKey);
      if (s === undefined) return { stateNote: 'unknown: the transaction this spends (nonWitnessUtxo) carries no state number' };
      return { state: s, stateNote: `of ${spent} this spends (${parent.getId()})` };
    }
    if (c.kind === 'cooperative-close') return { stateNote: 'none: a cooperative close carries no state number (nLockTime 0)' };
    return { stateNote: 'none: a funding transaction carries no state number' };
  };

  const spends = (i: InputView): string => {
    const m = i.witnessScript ? matchTemplate(i.witnessScript) : undefined;
    if (c.channelInput?.index === i.index || m !== undefined) {
      const t = (c.channelInput?.index === i.index ? c.channelInput.match : m!).template;
      if (t === FUNDING_TEMPLATE) return 'funding output (2-of-2)';
      if (t === HTLC_SENDER_TEMPLATE) return c.kind === 'penalty' ? 'HTLC output of the revoked sender\'s version' : 'HTLC output of the sender\'s version';
      if (t === HTLC_RECEIVER_TEMPLATE) return 'HTLC output of the receiver\'s version';
      return c.kind === 'penalty' ? 'revocable output of the revoked sender\'s version' : 'revocable output of the sender\'s version';
    }
    switch (c.kind) {
      case 'funding': return 'wallet coin';
      case 'penalty': return 'receiver\'s output of the revoked sender\'s version';
      default: return 'funding output (2-of-2; script not visible)';
    }
  };

  const signatures = (i: InputView): InputSignatures => {
    if (c.kind === 'funding') return singleKeySignatures(i, 'wallet key', 'sender\'s wallet key', view.psbt);
    if (c.kind === 'penalty') {
      // The penalty's other channel inputs (HTLC outputs of the revoked version) take their penalty branch too.
      const m = i.witnessScript ? matchTemplate(i.witnessScript) : undefined;
      if (m !== undefined) return channelInputSignatures(i, m, 'penalty', {}, view.psbt);
      return singleKeySignatures(i, 'R_p', 'receiver\'s payout key', view.psbt);
    }
    if (i.witness !== undefined) return { present: [], missing: [], note: 'signed, but its script is not visible' };
    const where = view.source === 'psbt' ? 'the PSBT input has no witness script' : 'the transaction is unsigned';
    return { present: [], missing: [], note: `the 2-of-2's keys are not visible: ${where}` };
  };

  const outputRole = (o: OutputView): string => {
    switch (c.kind) {
      case 'funding':
        if (o.index === c.fundingOutput) return c.certain ? 'funding output (2-of-2)' : 'funding output, if this is a funding transaction (P2WSH; script not visible)';
        return 'change';
      case 'sender-version': {
        if (classifyScript(o.script) !== 'p2wsh') return 'receiver\'s output';
        if (isHtlcTemplate(outputMatch(o))) return htlcRole(o);
        const p2wsh = view.outputs.filter((x) => classifyScript(x.script) === 'p2wsh').length;
        return outputMatch(o) !== undefined || p2wsh === 1 ? 'sender\'s revocable output' : 'sender\'s revocable output or an HTLC output (script not visible)';
      }
      case 'receiver-version': {
        if (classifyScript(o.script) === 'p2wsh') return htlcRole(o);
        const balances = view.outputs.filter((x) => classifyScript(x.script) !== 'p2wsh');
        if (balances.length === 2) return o.index === balances[0]!.index ? 'receiver\'s output' : 'sender\'s output';
        return 'receiver\'s or sender\'s output (the other was dust and left out)';
      }
      case 'cooperative-close':
        if (view.outputs.length === 2) return o.index === 0 ? 'receiver\'s output' : 'sender\'s output';
        return 'receiver\'s or sender\'s output (the other was dust and left out)';
      case 'penalty':
        return 'receiver\'s destination';
      case 'timeout':
      case 'htlc-timeout':
        return 'sender\'s destination';
      case 'htlc-success':
        return 'receiver\'s destination';
    }
  };

  // A payment version whose 2-of-2 is not visible still spends one, as the state number says.
  const paymentVersion = c.kind === 'sender-version' || c.kind === 'receiver-version';
  return {
    kind: c.kind,
    certain: c.certain,
    basis: c.basis,
    ...(c.channelInput ? { channelInput: c.channelInput } : {}),
    fundsChannel: c.kind === 'funding',
    variant,
    state,
    spends,
    signatures,
    outputRole,
    assumedInput: () => (paymentVersion ? FUNDING_SPEND_INPUT : undefined),
  };
}

function describeVariant(v: Variant): string {
  if (v.kind === 'csv') return `CSV: the sender's timeout branch opens ${v.delay.blocks} blocks after the sender's version confirms`;
  const e = v.expiry;
  return 'height' in e
    ? `CLTV: the sender's timeout branch opens at block height ${e.height}`
    : `CLTV: the sender's timeout branch opens at time ${e.time} (${new Date(e.time * 1000).toISOString()})`;
}

const REVOCABLE_ROLES = {
  R_r: 'receiver\'s revocation key',
  K_i: 'sender\'s per-update key of the state',
  S_p: 'sender\'s payout key',
};

const HTLC_ROLES = {
  R_h: 'receiver\'s HTLC key',
  H: 'payment hash (SHA-256 of the preimage)',
  E: 'HTLC expiry (CLTV)',
  D: 'HTLC claim delay in blocks (CSV)',
};

/** The revocable construction's inspector: its kinds, its templates' roles, its recognizer and describer. */
export const REVOCABLE_INSPECTOR: TxInspector = {
  name: 'revocable',
  kinds: KIND_LABELS,
  valueRoles: {
    [REVOCABLE_CLTV_TEMPLATE.name]: { ...REVOCABLE_ROLES, T: 'channel expiry (CLTV)' },
    [REVOCABLE_CSV_TEMPLATE.name]: { ...REVOCABLE_ROLES, D: 'sender\'s delay in blocks (CSV)' },
    [HTLC_SENDER_TEMPLATE.name]: { ...REVOCABLE_ROLES, ...HTLC_ROLES },
    [HTLC_RECEIVER_TEMPLATE.name]: { S_p: REVOCABLE_ROLES.S_p, ...HTLC_ROLES },
  },
  recognize(view, opts) {
    const c = classifyView(view);
    return 'notMine' in c ? c : describe(view, c, opts);
  },
  describeVariant,
};
