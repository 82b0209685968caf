/**
 * A PSBT fixture (fixtures/psbt/<name>.json) built from its parameters: the
 * unsigned PSBT, each party's partial signatures, the signed PSBT, the final
 * transaction, and descriptors with key origins for every script it spends
 * and pays. `npm run fixtures` writes these; test/psbt-fixtures.spec.ts
 * rebuilds each from the parameters recorded in the committed file and
 * compares the text byte for byte.
 */
import { Transaction, address as baddress, networks } from 'bitcoinjs-lib';
import {
  DescriptorKey, bytesEqual, compileFundingScript, compileRevocableScript, fundingDescriptor, p2wpkhDescriptor,
  p2wpkhScript, p2wshScript, revocableDescriptor, toHex,
} from '../../lib';
import { CaseParameters, TransactionSelector, canonicalParameters } from './psbt-fixture-params';
import { Party, Scenario, ScenarioKey } from './psbt-scenario';

export interface KeyRecord {
  readonly name: string;
  readonly holder: string;
  readonly pubkey: string;
  /** BIP32 origin; absent for per-update keys, which are not BIP32 keys. */
  readonly origin?: { readonly fingerprint: string; readonly path: string };
  /** For K_i: how its secret is derived. */
  readonly derivation?: string;
  /** For a revoked state's K_i: the secret k_i the sender revealed, which the receiver signs the penalty branch with. */
  readonly secret?: string;
}

export interface SignatureRecord {
  readonly party: Party;
  readonly key: string;
  readonly pubkey: string;
  readonly signature: string;
}

export interface InputRecord {
  readonly outpoint: string;
  readonly value: string;
  readonly descriptor: string;
  readonly branch: string;
  readonly partialSignatures: readonly SignatureRecord[];
}

export interface OutputRecord {
  readonly value: string;
  readonly address: string;
  readonly descriptor: string;
  readonly owner: string;
}

export interface FixtureCase {
  readonly name: string;
  readonly description: string;
  readonly parameters: CaseParameters;
  readonly keys: readonly KeyRecord[];
  readonly updateSeed?: { readonly path: string; readonly seed: string; readonly note: string };
  readonly previousTransactions: readonly { readonly txid: string; readonly hex: string }[];
  readonly unsignedPsbt: string;
  readonly inputs: readonly InputRecord[];
  readonly outputs: readonly OutputRecord[];
  readonly signedPsbt: string;
  readonly transaction: {
    readonly hex: string;
    readonly txid: string;
    readonly weight: number;
    readonly vsize: number;
    readonly fee: string;
  };
}

/** A script the scenario can produce, with its descriptor and who it belongs to. */
interface KnownScript {
  readonly scriptPubKey: Uint8Array;
  readonly descriptor: string;
  readonly owner: string;
  readonly keys: readonly ScenarioKey[];
}

function dkey(k: ScenarioKey): DescriptorKey {
  return k.origin ?? k.pubkey;
}

function knownScripts(s: Scenario): KnownScript[] {
  const k = s.keys;
  const wpkh = (key: ScenarioKey, owner: string): KnownScript => ({
    scriptPubKey: p2wpkhScript(key.pubkey), descriptor: p2wpkhDescriptor(dkey(key)), owner, keys: [key],
  });
  const out: KnownScript[] = [
    ...k.coins.map((c) => wpkh(c, 'sender wallet')),
    wpkh(k.senderChange, 'sender wallet (change)'),
    wpkh(k.senderTimeoutDestination, 'sender wallet'),
    wpkh(k.S_p, 'sender'),
    wpkh(k.R_p, 'receiver'),
    wpkh(k.receiverPenaltyDestination, 'receiver wallet'),
    {
      scriptPubKey: p2wshScript(compileFundingScript({ senderFundingKey: k.S_f.pubkey, receiverFundingKey: k.R_f.pubkey })),
      descriptor: fundingDescriptor({ senderFundingKey: dkey(k.S_f), receiverFundingKey: dkey(k.R_f) }),
      owner: 'sender and receiver (2-of-2)',
      keys: [k.S_f, k.R_f],
    },
  ];
  for (let i = 0; i <= s.latestState; i++) {
    const K = s.updateKey(i);
    const variant = s.params.variant;
    out.push({
      scriptPubKey: p2wshScript(compileRevocableScript({
        receiverRevocationKey: k.R_r.pubkey, updateKey: K.pubkey, senderPayoutKey: k.S_p.pubkey, variant,
      })),
      descriptor: revocableDescriptor({ receiverRevocationKey: dkey(k.R_r), updateKey: K.pubkey, senderPayoutKey: dkey(k.S_p), variant }),
      owner: `sender after the ${variant.kind === 'cltv' ? 'CLTV expiry' : 'CSV delay'}; receiver with R_r and k_${i} once it is revealed (penalty)`,
      keys: [k.R_r, K, k.S_p],
    });
  }
  return out;
}

function lookup(known: readonly KnownScript[], script: Uint8Array): KnownScript {
  const m = known.find((x) => bytesEqual(x.scriptPubKey, script));
  if (m === undefined) throw new Error(`fixture script ${toHex(script)} is none of the scenario's`);
  return m;
}

function describeCase(s: Scenario, sel: TransactionSelector): string {
  const v = s.params.variant;
  const variant = v.kind === 'csv'
    ? `CSV channel (delay ${v.delay.blocks} blocks)`
    : `CLTV channel (expiry ${'height' in v.expiry ? `height ${v.expiry.height}` : `time ${v.expiry.time}`})`;
  const n = s.latestState;
  switch (sel.kind) {
    case 'funding':
      return `${variant}: funding transaction, ${s.params.coins.length} wallet coins to the 2-of-2 with change back to the wallet; the sender's wallet signs every input.`;
    case 'sender-version':
      return `${variant}: the sender's version of state ${sel.state}${sel.state === 0 ? ' (the sender\'s refund)' : ''}`
        + `${sel.state < n ? `, revoked by payment ${sel.state + 1}` : ', the latest'}: 2-of-2 spend signed by both funding keys.`;
    case 'receiver-version':
      return `${variant}: the receiver's version of state ${sel.state}: 2-of-2 spend signed by both funding keys.`;
    case 'close':
      return `${variant}: cooperative close after ${n} payments: 2-of-2 spend signed by both funding keys.`;
    case 'penalty':
      return `${variant}: penalty claim on the revoked sender's version of state ${sel.state}: the receiver signs the penalty branch `
        + `with R_r and the revealed k_${sel.state}, and sweeps its own output of that version with R_p.`;
    case 'timeout':
      return `${variant}: timeout sweep of the sender's version of state ${sel.state}: the sender alone signs the timeout branch with S_p.`;
  }
}

function keyRecord(s: Scenario, k: ScenarioKey): KeyRecord {
  if (k.origin) {
    return { name: k.name, holder: k.holder, pubkey: toHex(k.pubkey), origin: { fingerprint: toHex(k.origin.masterFingerprint), path: k.origin.path } };
  }
  return {
    name: k.name,
    holder: k.holder,
    pubkey: toHex(k.pubkey),
    derivation: `not BIP32: k_${k.state} = shachain secret of index 2^48-1-${k.state} from the update seed`,
    ...(k.state! < s.latestState ? { secret: toHex(k.priv) } : {}),
  };
}

function weightOf(tx: Transaction): { weight: number; vsize: number } {
  return { weight: tx.weight(), vsize: tx.virtualSize() };
}

export function buildCase(name: string, parameters: CaseParameters): FixtureCase {
  const params = canonicalParameters(parameters);
  const s = new Scenario(params);
  const sel = params.transaction;
  const { plan, signed, tx } = s.sign(sel);
  const known = knownScripts(s);
  const spentById = new Map(plan.spent.map((t) => [t.getId(), t]));

  const used = new Set<string>();
  let inputTotal = 0n;
  const inputs = tx.ins.map((input, i): InputRecord => {
    const prevTxid = Buffer.from(input.hash).reverse().toString('hex');
    const prev = spentById.get(prevTxid);
    if (prev === undefined) throw new Error(`input ${i} spends a transaction the fixture does not record`);
    const out = prev.outs[input.index]!;
    inputTotal += out.value;
    const script = lookup(known, out.script);
    script.keys.forEach((k) => used.add(k.name));
    const partialSignatures = plan.steps.filter((st) => st.input === i).map((st): SignatureRecord => {
      const ps = signed.data.inputs[i]!.partialSig!.find((p) => bytesEqual(p.pubkey, st.key.pubkey))!;
      return { party: st.party, key: st.key.name, pubkey: toHex(ps.pubkey), signature: toHex(ps.signature) };
    });
    return { outpoint: `${prevTxid}:${input.index}`, value: out.value.toString(), descriptor: script.descriptor, branch: plan.branches[i]!, partialSignatures };
  });
  const outputs = tx.outs.map((o): OutputRecord => {
    const script = lookup(known, o.script);
    script.keys.forEach((k) => used.add(k.name));
    return { value: o.value.toString(), address: baddress.fromOutputScript(o.script, networks.regtest), descriptor: script.descriptor, owner: script.owner };
  });
  const outputTotal = tx.outs.reduce((a, o) => a + o.value, 0n);
  const keys = s.allKeys().filter((k) => used.has(k.name));

  return {
    name,
    description: describeCase(s, sel),
    parameters: params,
    keys: keys.map((k) => keyRecord(s, k)),
    ...(keys.some((k) => k.state !== undefined) ? {
      updateSeed: {
        path: `m/1017'/0'/${params.channelIndex}'`,
        seed: toHex(s.updateSeed),
        note: 'deriveChannelSeed: tagged hash of the private key at this hardened path; k_i is its shachain secret of index 2^48-1-i',
      },
    } : {}),
    previousTransactions: plan.spent.map((t) => ({ txid: t.getId(), hex: toHex(t.toBuffer()) })),
    unsignedPsbt: plan.unsigned.toBase64(),
    inputs,
    outputs,
    signedPsbt: signed.toBase64(),
    transaction: { hex: toHex(tx.toBuffer()), txid: tx.getId(), ...weightOf(tx), fee: (inputTotal - outputTotal).toString() },
  };
}

/** The file text: two-space JSON and a final newline. */
export function serializeCase(c: FixtureCase): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}
