/**
 * The report as text for a person about to sign or broadcast, and as JSON
 * (satoshis and other big numbers as decimal strings, bytes as hex, as in the
 * channel messages).
 */
import { ChannelError, fail } from '../errors';
import { LOCKTIME_THRESHOLD, Variant } from '../types';
import { ExplainedInput, ExplainedOutput, Explanation } from './explain';
import { ExplainedScript, TEMPLATE_VALUE_ROLES } from './scripts';
import { ExplainedSigner, InputSignatures } from './signatures';
import { StateReading } from './state';

/**
 * An explanation as indented JSON: bigints as decimal strings, bytes already hex.
 *
 * @param e - From {@link explainInput}, {@link explainPsbt} or {@link explainTransaction}.
 */
export function explanationToJson(e: Explanation): string {
  return JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

const PAD = 12;

function row(label: string, value: string, indent = '  '): string {
  return `${indent}${label.padEnd(PAD)}${value}`;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

const STATE_KINDS = new Set(['sender-version', 'receiver-version']);

function locktimeNote(e: Explanation): string {
  if (STATE_KINDS.has(e.kind)) return 'carries the obscured state number; as a time in 1987 it locks nothing';
  if (e.locktime === 0) return 'no lock';
  if (e.locktime < LOCKTIME_THRESHOLD) return `not valid before block ${e.locktime}`;
  return `not valid before ${new Date(e.locktime * 1000).toISOString()}`;
}

function sequenceNote(e: Explanation, n: number): string {
  if (STATE_KINDS.has(e.kind)) return 'carries the obscured state number';
  if (n === 0xffffffff) return 'final';
  if (n === 0xfffffffe) return 'no replacement (BIP 125)';
  if ((n & 0x80000000) !== 0) return 'replaceable (BIP 125)';
  const lock = (n & 0x00400000) !== 0 ? `${(n & 0xffff) * 512} seconds` : `${n & 0xffff} blocks`;
  return `relative lock of ${lock} after the spent output confirms (BIP 68); replaceable`;
}

function describeVariant(v: Variant): string {
  if (v.kind === 'csv') return `CSV: the sender's timeout branch opens ${v.delay.blocks} blocks after the sender's version confirms`;
  const e = v.expiry;
  return 'height' in e
    ? `CLTV: the sender's timeout branch opens at block height ${e.height}`
    : `CLTV: the sender's timeout branch opens at time ${e.time} (${new Date(e.time * 1000).toISOString()})`;
}

/** A headline (the state, or why it is unknown) and a line on how it was read. */
function describeState(s: StateReading): [string, string] {
  const carried = `from nLockTime ${hex32(s.locktime)} and nSequence ${hex32(s.sequence)}`;
  switch (s.basis) {
    case 'sender-funding-key':
      return [`${s.number}`, `${carried}, with the sender's funding key given`];
    case 'plausible-order': {
      const other = s.candidates.find((c) => c.state !== s.number)!.state;
      return [`${s.number}`, `${carried}; the funding keys' other order gives ${other}, not a plausible state (--sender-funding-key makes it exact)`];
    }
    case 'ambiguous':
      return [
        `unknown: ${s.candidates.map((c) => `${c.state} if ${c.senderFundingKey} is the sender's funding key`).join(', or ')}`,
        `${carried}; --sender-funding-key tells`,
      ];
    case 'keys-unknown':
      return [
        `unknown: obscured value ${s.obscured} (0x${s.obscured.toString(16)})`,
        `${carried}; the funding keys are not visible here (--sender-funding-key and --receiver-funding-key decode it)`,
      ];
  }
}

function scriptLines(title: string, s: ExplainedScript, indent: string): string[] {
  const lines = [`${indent}${title}${s.template ? ` (${s.template} template: ${s.templateMiniscript})` : ''}`];
  for (const [name, v] of Object.entries(s.values ?? {})) {
    const role = TEMPLATE_VALUE_ROLES[name];
    lines.push(row(name, `${v}${role ? `  ${role}` : ''}`, `${indent}  `));
  }
  lines.push(row('asm', s.asm, `${indent}  `));
  if (s.miniscript !== undefined) lines.push(row('miniscript', s.miniscript, `${indent}  `));
  return lines;
}

const SIGHASH_NAMES: Readonly<Record<number, string>> = {
  0x01: 'ALL', 0x02: 'NONE', 0x03: 'SINGLE', 0x81: 'ALL|ANYONECANPAY', 0x82: 'NONE|ANYONECANPAY', 0x83: 'SINGLE|ANYONECANPAY',
};

function sighashName(t: number): string {
  return `${SIGHASH_NAMES[t] ?? 'non-standard'} (0x${t.toString(16).padStart(2, '0')})`;
}

function signer(s: ExplainedSigner): string {
  const key = s.pubkey ?? (s.pubkeyHash ? `key with HASH160 ${s.pubkeyHash}` : 'key not known');
  const flags = [s.valid === false ? 'DOES NOT VERIFY' : '', s.sighashType !== undefined && s.sighashType !== 1 && s.sighashType !== 0 ? `sighash ${sighashName(s.sighashType)}` : '']
    .filter((f) => f !== '');
  return `${s.name} (${s.role}) ${key}${flags.length ? ` [${flags.join(', ')}]` : ''}`;
}

function signatureLines(sigs: InputSignatures, indent: string): string[] {
  if (sigs.note !== undefined) return [row('signatures', sigs.note, indent)];
  const lines: string[] = [];
  for (const s of sigs.present) lines.push(row(lines.length === 0 ? 'signatures' : '', `present  ${signer(s)}`, indent));
  for (const s of sigs.missing) lines.push(row(lines.length === 0 ? 'signatures' : '', `MISSING  ${signer(s)}`, indent));
  return lines;
}

function inputLines(e: Explanation, i: ExplainedInput): string[] {
  const ind = '      ';
  const lines = [`  #${i.index}  ${i.txid}:${i.vout}  ${i.spends}`];
  lines.push(row('value', i.value !== undefined ? `${i.value} sat` : 'unknown', ind));
  lines.push(row('nSequence', `${hex32(i.sequence)}  ${sequenceNote(e, i.sequence)}`, ind));
  if (i.prevoutScript) lines.push(row('spends', `${i.prevoutScript.type.toUpperCase()}  ${i.prevoutScript.asm}`, ind));
  if (i.witnessScript) lines.push(...scriptLines('witness script', i.witnessScript, ind));
  if (i.branch) lines.push(row('branch', `${i.branch.name}: ${i.branch.description}${i.branch.locks !== 'none' ? ` Locks: ${i.branch.locks}.` : ''}`, ind));
  if (i.sighashType !== undefined) lines.push(row('sighash', sighashName(i.sighashType), ind));
  lines.push(...signatureLines(i.signatures, ind));
  return lines;
}

function outputLines(o: ExplainedOutput): string[] {
  const ind = '      ';
  const lines = [`  #${o.index}  ${o.value} sat  ${o.role}${o.dust ? `  (DUST: below ${o.dustLimit} sat)` : ''}`];
  lines.push(row('script', `${o.script.type.toUpperCase()}  ${o.script.asm}`, ind));
  if (o.witnessScript) lines.push(...scriptLines('witness script', o.witnessScript, ind));
  return lines;
}

function amountLines(e: Explanation): string[] {
  const a = e.amounts;
  const lines = [row('inputs', a.inputs !== undefined ? `${a.inputs} sat` : 'unknown')];
  lines.push(row('outputs', `${a.outputs} sat`));
  let fee = a.fee !== undefined ? `${a.fee} sat` : 'unknown';
  if (a.feeRate) fee += ` (${a.feeRate.satPerVbyte} sat/vB, ${a.feeRate.satPerKw} sat/kw)`;
  if (a.note) fee += `: ${a.note.replace(/^fee unknown: /, '')}`;
  lines.push(row('fee', fee));
  if (a.weight !== undefined) {
    lines.push(row('weight', `${a.weight} (vsize ${a.vsize})${a.weightExact ? '' : ', at most: not every input is signed yet (signatures counted at 73 bytes)'}`));
  } else lines.push(row('weight', 'unknown: an input\'s script is not known'));
  return lines;
}

/**
 * The text of an explanation made by explainInput, explainPsbt or explainTransaction; anything else is INVALID_ARGUMENT.
 *
 * @param e - The explanation.
 * @returns A report for a person, one fact per line.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `e` is not an explanation.
 */
export function renderExplanation(e: Explanation): string {
  if (e === null || typeof e !== 'object' || !Array.isArray(e.inputs) || !Array.isArray(e.outputs)) fail('INVALID_ARGUMENT', 'not an explanation');
  try {
    return renderChecked(e);
  } catch (err) {
    if (err instanceof ChannelError) throw err;
    return fail('INVALID_ARGUMENT', `not an explanation: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function renderChecked(e: Explanation): string {
  const lines: string[] = [];
  const source = e.source === 'psbt' ? 'PSBT' : 'transaction';
  lines.push(`${e.kindLabel}${e.certain ? '' : ' (unconfirmed)'}  [${source}, ${e.inputs.length} input${e.inputs.length === 1 ? '' : 's'}, ${e.outputs.length} output${e.outputs.length === 1 ? '' : 's'}]`);
  lines.push(row('recognised', e.recognisedBy));
  lines.push(row('variant', e.variant ? describeVariant(e.variant) : e.variantNote ?? 'unknown'));
  if (e.state) {
    const [headline, how] = describeState(e.state);
    lines.push(row('state', `${headline}${e.stateNote ? `, ${e.stateNote}` : ''}`), row('', how));
  }
  else lines.push(row('state', e.stateNote ?? 'unknown'));
  lines.push(row('txid', e.txid));
  lines.push(row('version', String(e.version)));
  lines.push(row('nLockTime', `${e.locktime} (${hex32(e.locktime)})  ${locktimeNote(e)}`));
  lines.push('', 'inputs');
  for (const i of e.inputs) lines.push(...inputLines(e, i));
  lines.push('', 'outputs');
  for (const o of e.outputs) lines.push(...outputLines(o));
  lines.push('', 'amounts', ...amountLines(e));
  const missing = e.inputs.flatMap((i) => i.signatures.missing.map((s) => `${s.name} on input ${i.index}`));
  const unknown = e.inputs.filter((i) => i.signatures.note !== undefined && !i.final).map((i) => `input ${i.index}'s signers are not known`);
  const sigs = `${e.signatures.present} present, ${e.signatures.missing} missing${e.signatures.complete ? ' (complete)' : ''}`;
  lines.push('', `signatures  ${[sigs, ...missing, ...unknown].join('; ')}`);
  if (e.warnings.length === 0) lines.push('warnings    none');
  else {
    lines.push(`warnings    ${e.warnings.length}`);
    for (const w of e.warnings) lines.push(`  ${w.code}: ${w.message}`);
  }
  return lines.join('\n') + '\n';
}
