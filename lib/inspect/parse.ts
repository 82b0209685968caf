/**
 * What a person pastes or saves: a PSBT in base64, hex or binary, or a raw
 * transaction in hex or binary. Whitespace (line-wrapped base64, a trailing
 * newline) is ignored. Anything else is refused with a code saying which of
 * the two it failed to be.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { fromBase64, fromHex } from 'uint8array-tools';
import { fail } from '../errors';

/** A parsed PSBT or transaction, as {@link parseInspectInput} gives it. */
export type InspectInput =
  | {
    /** A PSBT. */
    readonly kind: 'psbt';
    /** The parsed PSBT. */
    readonly psbt: Psbt;
  }
  | {
    /** A transaction. */
    readonly kind: 'transaction';
    /** The parsed transaction. */
    readonly tx: Transaction;
  };

const PSBT_MAGIC = [0x70, 0x73, 0x62, 0x74, 0xff];

function hasPsbtMagic(b: Uint8Array): boolean {
  return b.length >= PSBT_MAGIC.length && PSBT_MAGIC.every((m, i) => b[i] === m);
}

function parsePsbt(bytes: Uint8Array, form: string): InspectInput {
  try {
    return { kind: 'psbt', psbt: Psbt.fromBuffer(Uint8Array.from(bytes)) };
  } catch (e) {
    return fail('PSBT_INVALID', `${form} PSBT does not parse: ${(e as Error).message}`);
  }
}

function parseTransaction(bytes: Uint8Array, form: string): InspectInput {
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(bytes);
  } catch (e) {
    return fail('INVALID_TRANSACTION', `${form} is not a transaction: ${(e as Error).message}`);
  }
  if (tx.ins.length === 0 || tx.outs.length === 0) fail('INVALID_TRANSACTION', `${form} is not a transaction: it has no inputs or no outputs`);
  return { kind: 'transaction', tx };
}

/** Printable ASCII and whitespace only: a text file, not a binary one. */
function isText(b: Uint8Array): boolean {
  return b.every((c) => (c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d);
}

function parseText(text: string): InspectInput {
  const s = text.replace(/\s+/g, '');
  if (s === '') fail('INVALID_ARGUMENT', 'input is empty: expected a PSBT (base64 or hex) or a transaction (hex)');
  if (/^[0-9a-fA-F]+$/.test(s)) {
    if (s.length % 2 !== 0) fail('INVALID_TRANSACTION', `hex input has an odd number of digits (${s.length})`);
    const bytes = fromHex(s);
    return hasPsbtMagic(bytes) ? parsePsbt(bytes, 'hex') : parseTransaction(bytes, 'hex input');
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0) {
    const bytes = fromBase64(s);
    if (!hasPsbtMagic(bytes)) fail('PSBT_INVALID', 'base64 input is not a PSBT (it does not start with the PSBT magic "psbt\\xff")');
    return parsePsbt(bytes, 'base64');
  }
  // A fixture file holds several: say which fields to take rather than guess one.
  if (s.startsWith('{')) return fail('INVALID_ARGUMENT', 'input is JSON: pass one PSBT or transaction (from a fixtures/psbt file: unsignedPsbt, signedPsbt or transaction.hex)');
  return fail('INVALID_ARGUMENT', 'input is neither hex nor base64: expected a PSBT (base64 or hex) or a transaction (hex)');
}

/**
 * A PSBT or a transaction from text (base64 or hex) or bytes (a binary PSBT or raw transaction, or text).
 *
 * @param data - What a person pasted or a file held.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `data` is not a string or bytes, is empty, is JSON, or is neither hex nor base64.
 * @throws {@link ChannelError} `PSBT_INVALID` if it has the PSBT magic but does not parse, or is base64 without the PSBT magic.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if it is hex with an odd number of digits, or bytes that are not a transaction with inputs and outputs.
 *
 * @example
 * ```ts
 * const input = parseInspectInput(readFileSync('claim.psbt'));
 * console.log(renderExplanation(explainInput(input)));
 * ```
 */
export function parseInspectInput(data: string | Uint8Array): InspectInput {
  if (typeof data === 'string') return parseText(data);
  if (!(data instanceof Uint8Array)) fail('INVALID_ARGUMENT', 'input must be a string or bytes');
  if (hasPsbtMagic(data)) return parsePsbt(data, 'binary');
  if (data.length > 0 && !isText(data)) return parseTransaction(data, 'binary input');
  // Text bytes are ASCII (isText), one character each.
  let text = '';
  for (const c of data) text += String.fromCharCode(c);
  return parseText(text);
}
