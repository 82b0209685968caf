/**
 * Which signatures an input has and which it still needs: for a channel
 * script, the signers of the branch it takes (lib/script branchSigners);
 * for a wallet coin, its one key. A PSBT's partial signatures are checked
 * against the PSBT's own sighash; a final witness is read by position.
 */
import { Psbt } from 'bitcoinjs-lib';
import { ecc } from '../core/ecc';
import { TemplateMatch } from '../script/match';
import { bytesEqual, hash160, toHex } from '../core/hash';
import { classifyScript } from '../tx/outputs';
import { FUNDING_VALUE_ROLES, valueRole } from './scripts';
import { InputView } from './view';

/** A key that signs, or must sign, an input. */
export interface ExplainedSigner {
  /** Template key name (key_1, R_r, K_i, ...) or R_p / wallet key. */
  readonly name: string;
  /** What the key is, in words (the sender's funding key, ...). */
  readonly role: string;
  /** The key, hex, when it is known. */
  readonly pubkey?: string;
  /** HASH160 of the key, when only the P2WPKH program is known. */
  readonly pubkeyHash?: string;
  /** Sighash byte of a present signature. */
  readonly sighashType?: number;
  /** Whether a PSBT partial signature verifies against the PSBT's sighash (undefined when it cannot be checked). */
  readonly valid?: boolean;
}

/** The signatures an input has and those it still needs. */
export interface InputSignatures {
  /** Signers whose signature is there. */
  readonly present: readonly ExplainedSigner[];
  /** Signers whose signature the input still needs. */
  readonly missing: readonly ExplainedSigner[];
  /** Set when the signers cannot be known (the input's script is not visible). */
  readonly note?: string;
}

interface SignerSpec {
  readonly name: string;
  readonly role: string;
  readonly pubkey?: Uint8Array;
  readonly pubkeyHash?: Uint8Array;
  /** Where its signature sits in the final witness. */
  readonly position: number;
  readonly taproot?: boolean;
}

export interface FundingKeyRoles {
  readonly sender?: Uint8Array;
  readonly receiver?: Uint8Array;
}

function templateSigners(m: TemplateMatch, branch: string, roles: FundingKeyRoles): SignerSpec[] {
  const b = m.template.branches[branch]!;
  const specs: SignerSpec[] = [];
  b.witness.forEach((item, position) => {
    // Only `<sig X>` items are signers: `''`, constants and `<preimage H>` are not.
    const sig = /^<sig (\w+)>$/.exec(item);
    if (sig === null) return;
    const name = sig[1]!;
    const pubkey = m.values.get(name) as Uint8Array;
    let role = valueRole(m.template.name, name) ?? name;
    if (roles.sender && bytesEqual(roles.sender, pubkey)) role = FUNDING_VALUE_ROLES.S_f;
    else if (roles.receiver && bytesEqual(roles.receiver, pubkey)) role = FUNDING_VALUE_ROLES.R_f;
    specs.push({ name, role, pubkey, position });
  });
  return specs;
}

function keyHashed(i: InputView, h: Uint8Array): Uint8Array | undefined {
  const candidates = [...i.partialSigs.map((p) => p.pubkey), ...i.derivationKeys];
  if (i.witness?.length === 2) candidates.push(i.witness[1]!);
  return candidates.find((k) => bytesEqual(hash160(k), h));
}

/** The one signer of a single-key coin, or undefined when the input's script is not known. */
function singleKeySigner(i: InputView, name: string, role: string): SignerSpec | undefined {
  const s = i.prevout?.script;
  let program: Uint8Array | undefined;
  if (s !== undefined && classifyScript(s) === 'p2wpkh') program = s;
  else if (s !== undefined && classifyScript(s) === 'p2sh' && i.redeemScript && classifyScript(i.redeemScript) === 'p2wpkh') program = i.redeemScript;
  if (program !== undefined) {
    const h = program.subarray(2, 22);
    const pubkey = keyHashed(i, h);
    return { name, role, position: 0, ...(pubkey ? { pubkey } : { pubkeyHash: h }) };
  }
  if (s !== undefined && classifyScript(s) === 'p2tr') return { name, role: `${role} (taproot key path)`, pubkey: s.subarray(2), position: 0, taproot: true };
  // A signed transaction without its prevouts: a two-item witness ending in a key is a P2WPKH spend.
  if (s === undefined && i.witness?.length === 2 && i.witness[1]!.length === 33) return { name, role, pubkey: i.witness[1]!, position: 0 };
  if (s === undefined && i.witness?.length === 1) return { name, role: `${role} (taproot key path)`, position: 0, taproot: true };
  return undefined;
}

function verifyPartial(psbt: Psbt | undefined, index: number, pubkey: Uint8Array): boolean | undefined {
  if (psbt === undefined) return undefined;
  try {
    return psbt.validateSignaturesOfInput(index, (pub, hash, sig) => ecc().verify(hash, pub, sig), pubkey);
  } catch {
    return false;
  }
}

function presence(i: InputView, spec: SignerSpec, psbt: Psbt | undefined): { present: boolean; signer: ExplainedSigner } {
  const signer: ExplainedSigner = {
    name: spec.name,
    role: spec.role,
    ...(spec.pubkey ? { pubkey: toHex(spec.pubkey) } : {}),
    ...(spec.pubkeyHash ? { pubkeyHash: toHex(spec.pubkeyHash) } : {}),
  };
  if (i.witness !== undefined) {
    const sig = i.witness[spec.position];
    if (sig === undefined || sig.length === 0) return { present: false, signer };
    // A taproot key-path signature without a sighash byte is SIGHASH_DEFAULT.
    const sighashType = sig.length === 64 ? 0 : sig[sig.length - 1]!;
    return { present: true, signer: { ...signer, sighashType } };
  }
  if (spec.taproot && i.hasTapKeySig) return { present: true, signer };
  const partial = spec.pubkey ? i.partialSigs.find((p) => bytesEqual(p.pubkey, spec.pubkey!)) : undefined;
  if (partial === undefined) return { present: false, signer };
  const valid = verifyPartial(psbt, i.index, partial.pubkey);
  return {
    present: true,
    signer: { ...signer, sighashType: partial.signature[partial.signature.length - 1]!, ...(valid !== undefined ? { valid } : {}) },
  };
}

function collect(i: InputView, specs: readonly SignerSpec[], psbt: Psbt | undefined): InputSignatures {
  const present: ExplainedSigner[] = [];
  const missing: ExplainedSigner[] = [];
  for (const spec of specs) {
    const p = presence(i, spec, psbt);
    (p.present ? present : missing).push(p.signer);
  }
  return { present, missing };
}

export function channelInputSignatures(i: InputView, m: TemplateMatch, branch: string, roles: FundingKeyRoles, psbt: Psbt | undefined): InputSignatures {
  return collect(i, templateSigners(m, branch, roles), psbt);
}

export function singleKeySignatures(i: InputView, name: string, role: string, psbt: Psbt | undefined): InputSignatures {
  const spec = singleKeySigner(i, name, role);
  if (spec !== undefined) return collect(i, [spec], psbt);
  if (i.witness !== undefined || i.scriptSig !== undefined) {
    return { present: [], missing: [], note: i.witness ? `signed (a witness of ${i.witness.length} items); its signer is not known` : 'signed with a scriptSig and no witness' };
  }
  return { present: [], missing: [], note: 'unsigned; which key signs it is not known without the output it spends' };
}
