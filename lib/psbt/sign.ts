/**
 * Signing PSBT inputs with a raw key (per-update keys, tests) or a BIP32 master
 * node (matched through bip32Derivation), adding a signature received from the
 * other party after checking it, and combining two parties' PSBTs.
 */
import type { BIP32Interface } from 'bip32';
import { Psbt } from 'bitcoinjs-lib';
import { ecc } from '../ecc';
import { fail } from '../errors';
import { bytesEqual, hash160 } from '../tx/hash';
import { PrivateKey, PublicKey, asPrivateKey, asPublicKey, derivePublicKey } from '../types';
import { decodeSignature } from '../tx/signature';
import { SIGHASH_ALL } from '../tx/sighash';
import { copyPsbt, expectPsbt } from './copy';

function signer(priv: PrivateKey) {
  const publicKey = derivePublicKey(priv);
  return { publicKey, sign: (hash: Uint8Array) => ecc().sign(hash, priv) };
}

function inputMentions(psbt: Psbt, index: number, pub: Uint8Array): boolean {
  const input = psbt.data.inputs[index]!;
  const ws = input.witnessScript;
  if (ws) {
    for (let i = 0; i + 34 <= ws.length; i++) if (ws[i] === 33 && bytesEqual(ws.subarray(i + 1, i + 34), pub)) return true;
    return false;
  }
  return (input.bip32Derivation ?? []).some((d) => bytesEqual(d.pubkey, pub))
    || (input.witnessUtxo !== undefined && input.witnessUtxo.script.length === 22 && isP2wpkhOf(input.witnessUtxo.script, pub))
    || (input.redeemScript !== undefined && isP2wpkhOf(input.redeemScript, pub));
}

function isP2wpkhOf(script: Uint8Array, pub: Uint8Array): boolean {
  return script.length === 22 && script[0] === 0 && script[1] === 20 && bytesEqual(script.subarray(2), hash160(pub));
}

function checkIndex(psbt: Psbt, index: number): void {
  expectPsbt(psbt);
  if (!Number.isInteger(index) || index < 0 || index >= psbt.inputCount) fail('INVALID_ARGUMENT', 'input index out of range');
}

/**
 * Sign one input with a raw private key; the key must appear in the input's script.
 *
 * @param psbt - The PSBT; the signature is added to it.
 * @param index - The input's index.
 * @param key - The private key.
 * @throws {@link ChannelError} `INVALID_KEY` if `key` is malformed or not used by the input.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt, or bitcoinjs cannot sign the input (a field it needs is missing).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not an input of `psbt`.
 */
export function signPsbtInput(psbt: Psbt, index: number, key: PrivateKey): void {
  asPrivateKey(key);
  checkIndex(psbt, index);
  if (!inputMentions(psbt, index, derivePublicKey(key))) fail('INVALID_KEY', `key is not used by input ${index}`);
  try {
    psbt.signInput(index, signer(key), [SIGHASH_ALL]);
  } catch (e) {
    fail('PSBT_INVALID', `cannot sign input ${index}: ${(e as Error).message}`);
  }
}

/**
 * Sign `inputs` (index and key) on a copy first and only then copy the new
 * signatures over, so that a failure on a later input leaves earlier ones unsigned.
 */
function signAll(psbt: Psbt, inputs: readonly { index: number; key: PrivateKey }[]): void {
  const trial = copyPsbt(psbt);
  for (const { index, key } of inputs) signPsbtInput(trial, index, key);
  for (const { index, key } of inputs) {
    const pub = derivePublicKey(key);
    const sig = (trial.data.inputs[index]!.partialSig ?? []).find((p) => bytesEqual(p.pubkey, pub))!;
    psbt.updateInput(index, { partialSig: [{ pubkey: sig.pubkey, signature: sig.signature }] });
  }
}

/**
 * Sign every input that uses `key`; returns how many were signed. All or nothing.
 *
 * @param psbt - The PSBT; signatures are added to it.
 * @param key - The private key, such as a per-update secret.
 * @returns How many inputs were signed (0 if none uses `key`).
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt, does not survive its own encoding, or an input cannot be signed.
 * @throws {@link ChannelError} `INVALID_KEY` if `key` is malformed.
 */
export function signPsbtWithKey(psbt: Psbt, key: PrivateKey): number {
  expectPsbt(psbt);
  asPrivateKey(key);
  const pub = derivePublicKey(key);
  const inputs: { index: number; key: PrivateKey }[] = [];
  for (let i = 0; i < psbt.inputCount; i++) if (inputMentions(psbt, i, pub)) inputs.push({ index: i, key });
  signAll(psbt, inputs);
  return inputs.length;
}

/**
 * Sign every input whose bip32Derivation names this master's fingerprint and a
 * path that derives the listed key. All or nothing.
 *
 * @param psbt - The PSBT; signatures are added to it.
 * @param master - A BIP32 master node with its private key.
 * @returns How many inputs were signed (0 if no bip32Derivation names this master).
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt, a listed path does not derive or does not derive the listed key, or an input cannot be signed.
 * @throws {@link ChannelError} `INVALID_KEY` if `master` is not a BIP32 node or has no private key.
 *
 * @example
 * ```ts
 * const psbt = createSenderPaymentPsbt(p, { origins: { senderFunding: keyOrigin(master, path) } });
 * signPsbtWithMaster(psbt, master); // 1
 * ```
 */
export function signPsbtWithMaster(psbt: Psbt, master: BIP32Interface): number {
  expectPsbt(psbt);
  if (master === null || typeof master !== 'object' || typeof master.isNeutered !== 'function') fail('INVALID_KEY', 'master must be a BIP32 node');
  if (master.isNeutered()) fail('INVALID_KEY', 'master node has no private key');
  const inputs: { index: number; key: PrivateKey }[] = [];
  psbt.data.inputs.forEach((input, i) => {
    for (const d of input.bip32Derivation ?? []) {
      if (!bytesEqual(d.masterFingerprint, master.fingerprint)) continue;
      let child: BIP32Interface;
      try {
        // bip32 refuses the bare root path "m", which names the master's own key.
        child = d.path === 'm' ? master : master.derivePath(d.path);
      } catch (e) {
        return fail('PSBT_INVALID', `input ${i}: cannot derive bip32Derivation path ${d.path}: ${(e as Error).message}`);
      }
      if (!bytesEqual(child.publicKey, d.pubkey) || child.privateKey === undefined) {
        fail('PSBT_INVALID', `input ${i}: bip32Derivation path ${d.path} does not derive the listed key`);
      }
      inputs.push({ index: i, key: child.privateKey as PrivateKey });
    }
  });
  signAll(psbt, inputs);
  return inputs.length;
}

/**
 * Add the other party's signature to an input after checking it against this PSBT's own sighash.
 *
 * @param psbt - The PSBT; the signature is added to it.
 * @param index - The input's index.
 * @param pubkey - The signer's public key, which the input must use.
 * @param signature - The DER signature with its SIGHASH_ALL byte.
 * @throws {@link ChannelError} `INVALID_KEY` if `pubkey` is not a valid public key or not used by the input.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt, does not survive its own encoding, or the input takes no partial signature.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not an input of `psbt`.
 * @throws {@link ChannelError} `INVALID_SIGNATURE` if `signature` is not strict DER with SIGHASH_ALL, does not verify, or the input already has another signature by this key.
 */
export function addPartialSignature(psbt: Psbt, index: number, pubkey: PublicKey, signature: Uint8Array): void {
  asPublicKey(pubkey);
  checkIndex(psbt, index);
  if (decodeSignature(signature) === undefined) fail('INVALID_SIGNATURE', 'not a strict-DER SIGHASH_ALL signature');
  if (!inputMentions(psbt, index, pubkey)) fail('INVALID_KEY', `key is not used by input ${index}`);
  // bip174 refuses a second signature by the same key: the same one again is a no-op, another one an error.
  const existing = (psbt.data.inputs[index]!.partialSig ?? []).find((p) => bytesEqual(p.pubkey, pubkey));
  if (existing !== undefined) {
    if (bytesEqual(existing.signature, signature)) return;
    fail('INVALID_SIGNATURE', `input ${index} already has another signature by this key`);
  }
  const trial = copyPsbt(psbt);
  try {
    trial.updateInput(index, { partialSig: [{ pubkey, signature }] });
  } catch (e) {
    // bitcoinjs refuses a partial signature on an input that carries taproot fields.
    fail('PSBT_INVALID', `input ${index} takes no partial signature: ${(e as Error).message}`);
  }
  let ok = false;
  try {
    ok = trial.validateSignaturesOfInput(index, (pub, hash, sig) => ecc().verify(hash, pub, sig, true), pubkey);
  } catch {
    ok = false;
  }
  if (!ok) fail('INVALID_SIGNATURE', `signature does not verify for input ${index}`);
  psbt.updateInput(index, { partialSig: [{ pubkey, signature }] });
}

/**
 * Partial signatures of one input.
 *
 * @param psbt - The PSBT.
 * @param index - The input's index.
 * @returns The signatures with their keys; empty for an index that is no input.
 * @throws {@link ChannelError} `PSBT_INVALID` if `psbt` is not a bitcoinjs Psbt.
 */
export function partialSignatures(psbt: Psbt, index: number): {
  /** The signer's public key. */
  pubkey: Uint8Array;
  /** Its signature, with the sighash byte. */
  signature: Uint8Array;
}[] {
  expectPsbt(psbt);
  if (!Number.isInteger(index)) return [];
  return (psbt.data.inputs[index]?.partialSig ?? []).map((p) => ({ pubkey: p.pubkey, signature: p.signature }));
}

/**
 * Merge the other party's PSBT of the same transaction into `base` (checked to be the same transaction).
 *
 * @param base - One party's PSBT; not changed.
 * @param other - The other party's PSBT; not changed.
 * @returns A new PSBT with both parties' fields.
 * @throws {@link ChannelError} `PSBT_INVALID` if either is not a bitcoinjs Psbt, or bip174 cannot combine them.
 * @throws {@link ChannelError} `PSBT_MISMATCH` if they are PSBTs of different transactions.
 */
export function combinePsbts(base: Psbt, other: Psbt): Psbt {
  expectPsbt(base, 'base');
  expectPsbt(other, 'other');
  const a = base.data.globalMap.unsignedTx.toBuffer();
  const b = other.data.globalMap.unsignedTx.toBuffer();
  if (!bytesEqual(a, b)) fail('PSBT_MISMATCH', 'PSBTs are of different transactions');
  try {
    return base.clone().combine(other.clone());
  } catch (e) {
    return fail('PSBT_INVALID', `cannot combine: ${(e as Error).message}`);
  }
}
