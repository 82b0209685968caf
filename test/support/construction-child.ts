/**
 * A process of its own for test/construction-registry.spec.ts: registering a
 * construction is for the life of the process, so the spec's registrations
 * happen here and leave the other specs' registries as the package makes
 * them. Prints one JSON object: what inspect, the message codec and the
 * finalizer made of the toy construction's transaction and message before
 * and after its one registerConstruction call, and the refusals.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Psbt } from 'bitcoinjs-lib';
import {
  Construction, ScriptTemplate, addPreimage, compileTemplate, constructionByName, decodeMessage, defineTemplate, encodeMessage,
  decodeMessageOf, explainInput, explainPsbt, explainTransaction, extractTransaction, finalizePsbt, p2wpkhScript, p2wshScript, registerConstruction,
  registeredConstructions, registeredTemplates, renderExplanation, signPsbtWithKey, toHex,
} from '../../lib';
import { TOY, TOY_VAULT_TEMPLATE } from '../constructions/toy';
import { testKey } from './keys';
import { testPreimage } from './test-templates';

const out: Record<string, unknown> = {};
const code = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

const claimant = testKey('toy claimant');
const { preimage, hash } = testPreimage('toy vault');
const script = compileTemplate(TOY_VAULT_TEMPLATE, { H: hash, K: claimant.pub });
const fundingTxid = new Uint8Array(32).fill(7);

function toyPsbt(): Psbt {
  const psbt = new Psbt();
  psbt.addInput({ hash: fundingTxid, index: 0, witnessUtxo: { script: p2wshScript(script), value: 100_000n }, witnessScript: script });
  psbt.addOutput({ script: p2wpkhScript(testKey('toy destination').pub), value: 99_000n });
  return psbt;
}

const message = { type: 'toy_claim', version: 1, vaultId: '11'.repeat(32), preimage: toHex(preimage) };
const penaltyFixture = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'fixtures', 'psbt', 'csv-penalty-2.json'), 'utf8'));

out.before = {
  constructions: registeredConstructions().map((c) => c.name),
  inspect: code(() => explainPsbt(toyPsbt())),
  decode: code(() => decodeMessage(message)),
  decodeOf: code(() => decodeMessageOf(message, 'toy_claim' as never)),
};

registerConstruction(TOY);

const e = explainPsbt(toyPsbt());
const decoded = decodeMessage(message) as unknown as { type: string; vaultId: Uint8Array; preimage: Uint8Array };
const signed = toyPsbt();
signPsbtWithKey(signed, claimant.priv);
addPreimage(signed, 0, preimage);
const tx = extractTransaction(finalizePsbt(signed));
const final = explainTransaction(tx);
out.after = {
  constructions: registeredConstructions().map((c) => c.name),
  found: constructionByName('toy') === TOY,
  templateRegistered: registeredTemplates().includes(TOY_VAULT_TEMPLATE),
  kind: e.kind,
  kindLabel: e.kindLabel,
  certain: e.certain,
  branch: e.inputs[0]!.branch?.name,
  missing: e.inputs[0]!.signatures.missing.map((s) => `${s.name}: ${s.role}`),
  outputRole: e.outputs[0]!.role,
  text: renderExplanation(e),
  decoded: { type: decoded.type, vaultId: toHex(decoded.vaultId), preimage: toHex(decoded.preimage) },
  reencoded: encodeMessage(decoded as never),
  decodeOf: code(() => decodeMessageOf(message, 'toy_claim' as never)),
  finalKind: final.kind,
  finalComplete: final.signatures.complete,
  revocableStill: explainInput(penaltyFixture.signedPsbt).kind,
};

// A second construction whose template could match the toy vault's scripts: refused, and nothing of it registered.
const clash: Construction = {
  ...TOY,
  name: 'toy-clash',
  templates: [defineTemplate({ ...(TOY_VAULT_TEMPLATE as ScriptTemplate), name: 'toy-vault-again' })],
  messages: [{ ...TOY.messages[0]!, type: 'toy_other' } as never],
  inspector: { ...TOY.inspector, name: 'toy-clash', kinds: { 'toy-other': 'other' } },
};
out.refusals = {
  again: code(() => registerConstruction(TOY)),
  clash: code(() => registerConstruction(clash)),
  clashMessage: code(() => decodeMessage({ ...message, type: 'toy_other' })),
  kindTaken: code(() => registerConstruction({ ...TOY, name: 'toy-kind', templates: [], messages: [], inspector: { ...TOY.inspector, name: 'toy-kind', kinds: { penalty: 'penalty' } } })),
  notAConstruction: code(() => registerConstruction(null as never)),
  constructions: registeredConstructions().map((c) => c.name),
};

process.stdout.write(JSON.stringify(out));
