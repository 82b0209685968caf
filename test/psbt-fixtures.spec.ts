/**
 * Regression over the committed PSBT fixtures (fixtures/psbt/, written by
 * `npm run fixtures`): every file is rebuilt from the parameters it records
 * and must match byte for byte; the builders reproduce every unsigned PSBT,
 * signing reproduces every partial signature (RFC 6979), finalizing
 * reproduces every transaction, and every transaction passes bcoin's script
 * interpreter against the previous transactions the fixtures themselves record.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIP32Factory } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import { Psbt, networks } from 'bitcoinjs-lib';
import {
  SIGHASH_ALL, combinePsbts, extractTransaction, finalizePsbt, hasValidDescriptorChecksum, signPsbtInput,
  signPsbtWithKey, signPsbtWithMaster, toHex,
} from '../lib';
import { descriptorKeys, descriptorScripts } from './support/descriptor-script';
import { buildCase, serializeCase } from './support/psbt-cases';
import { FIXTURE_CASES, canonicalParameters, readParameters } from './support/psbt-fixture-params';
import {
  FIXTURE_DIR, keyRecord, prevoutsOf, privateKeyOf, readFixtureFiles, transactionOf, unsignedPsbtOf,
} from './support/psbt-fixture-files';
import { masterFromMnemonic } from './support/psbt-scenario';
import { checkInputError, verifyInputs } from './support/verify';

const files = readFixtureFiles();
const bip32 = BIP32Factory(ecc);

type Derivation = { masterFingerprint: Uint8Array; pubkey: Uint8Array; path: string };

function derivationSet(list: Derivation[] | undefined): string[] {
  return (list ?? []).map((d) => `${toHex(d.pubkey)} ${toHex(d.masterFingerprint)} ${d.path}`).sort();
}

function originSet(descriptor: string): string[] {
  return descriptorKeys(descriptor).filter((k) => k.origin).map((k) => `${k.pubkey} ${k.origin!.fingerprint} ${k.origin!.path}`).sort();
}

/** The first top-level field whose JSON differs, to say where a drift is. */
function firstDifference(a: string, b: string): string {
  const x = JSON.parse(a) as Record<string, unknown>;
  const y = JSON.parse(b) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) return k;
  }
  return '(formatting)';
}

describe('PSBT fixtures (fixtures/psbt/)', () => {
  it('hold exactly the generator\'s cases, each recording the parameters the generator gives it', () => {
    expect(files.map((f) => f.file)).to.deep.equal(FIXTURE_CASES.map((c) => `${c.name}.json`).sort());
    for (const c of FIXTURE_CASES) {
      const f = files.find((x) => x.file === `${c.name}.json`)!;
      expect(f.fixture.name).to.equal(c.name);
      expect(f.fixture.parameters, c.name).to.deep.equal(canonicalParameters(c.parameters));
    }
  });

  it('the chain of spends is closed: each previous transaction is the coins transaction or another fixture\'s final transaction', () => {
    const finals = new Map(files.map((f) => [f.fixture.transaction.txid, f.fixture.transaction.hex]));
    for (const { fixture } of files) {
      for (const p of fixture.previousTransactions) {
        if (fixture.parameters.transaction.kind === 'funding') {
          expect(finals.has(p.txid), `${fixture.name}: coins tx`).to.equal(false);
        } else {
          expect(finals.get(p.txid), `${fixture.name} spends ${p.txid}`).to.equal(p.hex);
        }
      }
    }
  });

  it('a rebuild with any recorded parameter changed differs, and unknown or missing parameters are refused', () => {
    const { fixture, text } = files.find((f) => f.file === 'csv-close.json')!;
    const p = readParameters(fixture.parameters);
    for (const changed of [{ ...p, closeFeeRate: '2001' }, { ...p, passphrase: 'x' }, { ...p, paths: { ...p.paths, receiverPayout: "m/1017'/1'/1'/1/9" } }]) {
      expect(serializeCase(buildCase(fixture.name, changed))).to.not.equal(text);
    }
    expect(() => readParameters({ ...fixture.parameters, extra: 1 })).to.throw(/exactly/);
    const { closeFeeRate: _, ...missing } = fixture.parameters;
    expect(() => readParameters(missing)).to.throw(/exactly/);
    expect(() => readParameters({ ...fixture.parameters, capacity: 1000000 })).to.throw(/capacity must be a string/);
    expect(() => readParameters({ ...fixture.parameters, capacity: '1e6' })).to.throw(/decimal string/);
  });

  it('every BIP32 key is a non-hardened child of an account xpub the README lists, as a registered xpub policy needs', () => {
    const readme = readFileSync(join(FIXTURE_DIR, 'README.md'), 'utf8');
    const accounts = [...readme.matchAll(/\| `(m(?:\/\d+')+)` \| `(tpub\w+)` \|/g)].map((m) => ({ path: m[1]!, xpub: m[2]! }));
    expect(accounts).to.have.length(4);
    const master = masterFromMnemonic(FIXTURE_CASES[0]!.parameters.mnemonic, '');
    for (const a of accounts) expect(master.derivePath(a.path).neutered().toBase58(), a.path).to.equal(a.xpub);
    let checked = 0;
    for (const { fixture } of files) {
      for (const k of fixture.keys.filter((x) => x.origin)) {
        const a = accounts.find((x) => k.origin!.path.startsWith(`${x.path}/`));
        expect(a, `${fixture.name} ${k.name} ${k.origin!.path}`).to.not.equal(undefined);
        const rest = k.origin!.path.slice(a!.path.length + 1);
        expect(rest, k.origin!.path).to.match(/^\d+(\/\d+)*$/);
        expect(toHex(bip32.fromBase58(a!.xpub, networks.testnet).derivePath(rest).publicKey)).to.equal(k.pubkey);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(100);
  });

  it('the interpreter check can fail: one changed signature byte is refused', () => {
    const { fixture } = files.find((f) => f.file === 'csv-penalty-2.json')!;
    const tx = transactionOf(fixture);
    const sig = Uint8Array.from(tx.ins[0]!.witness[1]!);
    sig[10] ^= 1;
    tx.ins[0]!.witness[1] = sig;
    expect(checkInputError(tx.toBuffer(), prevoutsOf(fixture), 0)).to.be.a('string');
    expect(checkInputError(tx.toBuffer(), prevoutsOf(fixture), 1)).to.equal(undefined);
  });

  for (const { file, text, fixture } of files) {
    describe(file, () => {
      it('rebuilds byte for byte from the parameters it records', () => {
        const rebuilt = serializeCase(buildCase(fixture.name, readParameters(fixture.parameters)));
        if (rebuilt !== text) expect.fail(`${file} drifted (first difference in "${firstDifference(rebuilt, text)}"): run npm run fixtures if the change is intended`);
      });

      it('its unsigned PSBT carries what a hardware wallet needs to sign and to recognise its outputs', () => {
        const psbt = unsignedPsbtOf(fixture);
        const prevouts = prevoutsOf(fixture);
        const prevHex = new Map(fixture.previousTransactions.map((p) => [p.txid, p.hex]));
        expect(psbt.inputCount).to.equal(fixture.inputs.length);
        fixture.inputs.forEach((rec, i) => {
          const d = psbt.data.inputs[i]!;
          const scripts = descriptorScripts(rec.descriptor);
          expect(toHex(d.witnessUtxo!.script), `input ${i} witnessUtxo`).to.equal(toHex(prevouts[i]!.script));
          expect(d.witnessUtxo!.value).to.equal(prevouts[i]!.value);
          expect(toHex(scripts.scriptPubKey), `input ${i} descriptor`).to.equal(toHex(prevouts[i]!.script));
          expect(toHex(d.nonWitnessUtxo!), `input ${i} nonWitnessUtxo`).to.equal(prevHex.get(rec.outpoint.split(':')[0]!));
          expect(d.sighashType).to.equal(SIGHASH_ALL);
          if (scripts.witnessScript) expect(toHex(d.witnessScript!)).to.equal(toHex(scripts.witnessScript));
          else expect(d.witnessScript).to.equal(undefined);
          // Every BIP32 key that signs the input is annotated; per-update keys never are.
          const derivations = derivationSet(d.bip32Derivation);
          const origins = originSet(rec.descriptor);
          expect(derivations.every((x) => origins.includes(x)), `input ${i} derivations within the descriptor`).to.equal(true);
          for (const s of rec.partialSignatures) {
            const k = keyRecord(fixture, s.key);
            if (k.origin) expect(derivations, `input ${i} ${s.key}`).to.include(`${k.pubkey} ${k.origin.fingerprint} ${k.origin.path}`);
            else expect(derivations.some((x) => x.startsWith(k.pubkey)), `${s.key} has no derivation`).to.equal(false);
          }
        });
        expect(psbt.txOutputs).to.have.length(fixture.outputs.length);
        fixture.outputs.forEach((rec, i) => {
          const d = psbt.data.outputs[i]!;
          const scripts = descriptorScripts(rec.descriptor);
          expect(toHex(psbt.txOutputs[i]!.script), `output ${i} descriptor`).to.equal(toHex(scripts.scriptPubKey));
          expect(psbt.txOutputs[i]!.value.toString()).to.equal(rec.value);
          expect(derivationSet(d.bip32Derivation), `output ${i} derivations`).to.deep.equal(originSet(rec.descriptor));
          if (scripts.witnessScript) expect(toHex(d.witnessScript!)).to.equal(toHex(scripts.witnessScript));
          else expect(d.witnessScript).to.equal(undefined);
        });
        for (const rec of [...fixture.inputs, ...fixture.outputs]) expect(hasValidDescriptorChecksum(rec.descriptor), rec.descriptor).to.equal(true);
      });

      it('signing its unsigned PSBT reproduces every partial signature and the signed PSBT', () => {
        const parties = new Map<string, Psbt>();
        fixture.inputs.forEach((rec, i) => {
          for (const s of rec.partialSignatures) {
            let psbt = parties.get(s.party);
            if (psbt === undefined) parties.set(s.party, psbt = unsignedPsbtOf(fixture));
            signPsbtInput(psbt, i, privateKeyOf(fixture, keyRecord(fixture, s.key)));
            const got = psbt.data.inputs[i]!.partialSig!.find((p) => toHex(p.pubkey) === s.pubkey);
            expect(got, `${s.key} on input ${i}`).to.not.equal(undefined);
            expect(toHex(got!.signature), `${s.key} on input ${i}`).to.equal(s.signature);
          }
        });
        const [first, ...rest] = [...parties.values()];
        const signed = rest.reduce((a, b) => combinePsbts(a, b), first!);
        expect(signed.toBase64()).to.equal(fixture.signedPsbt);
      });

      it('finalizing its signed PSBT reproduces the transaction, txid, weight and fee; the interpreter accepts it', () => {
        const tx = extractTransaction(finalizePsbt(Psbt.fromBase64(fixture.signedPsbt)));
        expect(toHex(tx.toBuffer())).to.equal(fixture.transaction.hex);
        expect(tx.getId()).to.equal(fixture.transaction.txid);
        expect(tx.weight()).to.equal(fixture.transaction.weight);
        expect(tx.virtualSize()).to.equal(fixture.transaction.vsize);
        const prevouts = prevoutsOf(fixture);
        const fee = prevouts.reduce((a, p) => a + p.value, 0n) - tx.outs.reduce((a, o) => a + o.value, 0n);
        expect(fee.toString()).to.equal(fixture.transaction.fee);
        verifyInputs(tx.toBuffer(), prevouts);
      });

      it('a BIP32 signer holding the mnemonic signs every annotated key; only K_i needs a raw-key signer', () => {
        const psbt = unsignedPsbtOf(fixture);
        const all = fixture.inputs.flatMap((rec, i) => rec.partialSignatures.map((s) => ({ ...s, input: i })));
        const bip32 = all.filter((s) => keyRecord(fixture, s.key).origin !== undefined);
        const raw = all.filter((s) => keyRecord(fixture, s.key).origin === undefined);
        expect(signPsbtWithMaster(psbt, masterFromMnemonic(fixture.parameters.mnemonic, fixture.parameters.passphrase))).to.equal(bip32.length);
        const got = psbt.data.inputs.flatMap((d, i) => (d.partialSig ?? []).map((p) => `${i} ${toHex(p.pubkey)} ${toHex(p.signature)}`)).sort();
        expect(got).to.deep.equal(bip32.map((s) => `${s.input} ${s.pubkey} ${s.signature}`).sort());
        if (raw.length > 0) expect(() => finalizePsbt(psbt)).to.throw().with.property('code', 'PSBT_INCOMPLETE');
        for (const s of raw) expect(signPsbtWithKey(psbt, privateKeyOf(fixture, keyRecord(fixture, s.key)))).to.equal(1);
        expect(toHex(extractTransaction(finalizePsbt(psbt)).toBuffer())).to.equal(fixture.transaction.hex);
      });
    });
  }
});
