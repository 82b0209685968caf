/**
 * Hash preimages in a PSBT, as BIP 174's PSBT_IN_SHA256 records: key type
 * 0x0b followed by the 32-byte hash, value the preimage. bip174 3.0.1 has no
 * field for them (and its addUnknownKeyValToInput refuses every key type below
 * its own count of known types, 0x0b included), but it parses, keeps,
 * combines and writes them as unknown key-values; this module reads and
 * writes them there. A record is only used after its value hashes to its key.
 */
import { sha256 } from '@noble/hashes/sha2';
import { Psbt } from 'bitcoinjs-lib';
import { expectBytes } from '../arguments';
import { fail } from '../errors';
import { matchTemplate } from '../scripts/match';
import { bytesEqual, toHex } from '../tx/hash';
import { expectPsbt } from './copy';

/** BIP 174 PSBT_IN_SHA256. */
export const PSBT_IN_SHA256 = 0x0b;

interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

function records(psbt: Psbt, index: number): KeyValue[] {
  return (psbt.data.inputs[index]?.unknownKeyVals ?? []).filter((kv) => kv.key[0] === PSBT_IN_SHA256);
}

/**
 * The input's PSBT_IN_SHA256 records, each checked: key 0x0b plus 32 bytes,
 * and sha256(value) equal to those 32 bytes.
 *
 * @param psbt - The PSBT.
 * @param index - The input's index (none for an index the PSBT lacks).
 * @returns The hash and preimage of each record.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt, or a record's key is not 0x0b and 32 bytes.
 * @throws {@link ChannelError} `PREIMAGE_MISMATCH` if a record does not hold the preimage of its hash.
 */
export function inputPreimages(psbt: Psbt, index: number): {
  /** The SHA-256 hash, the record's key after its type byte. */
  hash: Uint8Array;
  /** The record's value. */
  preimage: Uint8Array;
}[] {
  expectPsbt(psbt);
  return records(psbt, index).map((kv) => {
    if (kv.key.length !== 33) fail('PSBT_INVALID', `input ${index}: a PSBT_IN_SHA256 key must be 0x0b and a 32-byte hash`);
    const hash = kv.key.subarray(1);
    if (!bytesEqual(sha256(kv.value), hash)) fail('PREIMAGE_MISMATCH', `input ${index}: the PSBT_IN_SHA256 record for ${toHex(hash)} holds no preimage of it`, { index, hash: toHex(hash) });
    return { hash, preimage: kv.value };
  });
}

/** The hashes of the input's witness script's sha256 placeholders. */
function scriptHashes(psbt: Psbt, index: number): Uint8Array[] {
  const ws = psbt.data.inputs[index]!.witnessScript;
  const m = ws === undefined ? undefined : matchTemplate(ws);
  if (m === undefined) return [];
  return Object.entries(m.template.params).filter(([, kind]) => kind === 'sha256').map(([name]) => m.values.get(name) as Uint8Array);
}

/**
 * Adds a preimage to an input as a PSBT_IN_SHA256 record, for the finalizer
 * of a branch that reveals it. Adding the same preimage twice changes
 * nothing; a refusal leaves the PSBT as it was.
 *
 * @param psbt - The PSBT.
 * @param index - The input's index; its witness script must be a registered template with a sha256 parameter.
 * @param preimage - 32 bytes (the templates check SIZE 32).
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if the index is out of range or the preimage is not 32 bytes.
 * @throws {@link ChannelError} `PREIMAGE_MISMATCH` if its hash is not one the input's script asks for.
 *
 * @example
 * ```ts
 * addPreimage(claim, 0, preimage);
 * const tx = extractTransaction(finalizePsbt(claim));
 * ```
 */
export function addPreimage(psbt: Psbt, index: number, preimage: Uint8Array): void {
  expectPsbt(psbt);
  if (!Number.isInteger(index) || index < 0 || index >= psbt.inputCount) fail('INVALID_ARGUMENT', 'input index out of range');
  expectBytes(preimage, 'preimage', 32);
  const hash = sha256(preimage);
  if (!scriptHashes(psbt, index).some((h) => bytesEqual(h, hash))) {
    fail('PREIMAGE_MISMATCH', `input ${index}: its script asks for no preimage of ${toHex(hash)}`, { index, hash: toHex(hash) });
  }
  const key = Uint8Array.from([PSBT_IN_SHA256, ...hash]);
  const input = psbt.data.inputs[index]!;
  if ((input.unknownKeyVals ?? []).some((kv) => bytesEqual(kv.key, key))) return;
  input.unknownKeyVals = [...(input.unknownKeyVals ?? []), { key, value: Uint8Array.from(preimage) }];
}

/** BIP 174: a finalized input keeps only its UTXO, final scripts and unknown records; PSBT_IN_SHA256 is a known one. */
export function clearPreimages(psbt: Psbt, index: number): void {
  const input = psbt.data.inputs[index]!;
  if (input.unknownKeyVals === undefined) return;
  const rest = input.unknownKeyVals.filter((kv) => kv.key[0] !== PSBT_IN_SHA256);
  if (rest.length > 0) input.unknownKeyVals = rest;
  else delete input.unknownKeyVals;
}
