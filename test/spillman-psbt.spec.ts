/**
 * The Spillman PSBT fixtures (fixtures/spillman/, written by
 * test/constructions/spillman/generate-fixtures.ts): each file rebuilds byte
 * for byte from the parameters it records; its descriptors describe, through
 * @bitcoinerlab/miniscript and not revchan's compiler, the scripts its
 * transaction spends and pays; its unsigned PSBT carries what a hardware
 * wallet needs; revchan and @scure/btc-signer sign it to the same recorded
 * signatures, either finalizes, and a PSBT combined from one party's revchan
 * copy and the other's scure copy extracts to the recorded transaction,
 * which passes bcoin's interpreter; inspect names each transaction's kind.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  PrivateKey, asPrivateKey, combinePsbts, explainPsbt, explainTransaction, extractTransaction, finalizePsbt, hasValidDescriptorChecksum,
  signPsbtInput, toHex,
} from '../lib';
import { SPILLMAN_FIXTURE_CASES, SpillmanFixture, buildSpillmanCase, serializeSpillmanCase } from './constructions/spillman/fixtures';
import { SPILLMAN_FIXTURE_DIR } from './constructions/spillman/generate-fixtures';
import { descriptorScripts } from './support/descriptor-script';
import { masterFromMnemonic } from './support/psbt-scenario';
import { Scure, loadScure } from './support/scure';
import { verifyInputs } from './support/verify';

const files = readdirSync(SPILLMAN_FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => {
  const text = readFileSync(join(SPILLMAN_FIXTURE_DIR, file), 'utf8');
  return { file, text, fixture: JSON.parse(text) as SpillmanFixture };
});

function privateKeyOf(f: SpillmanFixture, name: string): PrivateKey {
  const k = f.keys.find((x) => x.name === name) ?? (name === 'S_coin0' ? { origin: { path: "m/84'/1'/0'/0/0", fingerprint: '73c5da0a' }, pubkey: '' } : undefined);
  if (k === undefined) throw new Error(`${f.name}: no key ${name}`);
  const master = masterFromMnemonic(f.parameters.mnemonic, '');
  expect(toHex(master.fingerprint)).to.equal(k.origin.fingerprint);
  return asPrivateKey(Uint8Array.from(master.derivePath(k.origin.path).privateKey!));
}

const KINDS: Readonly<Record<string, string>> = { refund: 'spillman-refund', payment: 'spillman-payment', close: 'spillman-close' };

describe('Spillman PSBT fixtures (fixtures/spillman/)', () => {
  let scure: Scure;
  before(async () => {
    scure = await loadScure();
  });

  it('hold exactly the generator\'s cases, refund and payment of both forms among them', () => {
    expect(files.map((f) => f.file)).to.deep.equal(SPILLMAN_FIXTURE_CASES.map((c) => `${c.name}.json`).sort());
    for (const t of ['form-s-refund.json', 'form-c-refund.json', 'form-s-payment.json', 'form-c-payment.json']) expect(files.map((f) => f.file)).to.include(t);
  });

  for (const { file, text, fixture } of files) {
    describe(file, () => {
      const prevouts = () => {
        const prev = Transaction.fromHex(fixture.previousTransactions[0]!.hex);
        const tx = Transaction.fromHex(fixture.transaction.hex);
        return tx.ins.map((i) => ({ script: prev.outs[i.index]!.script, value: prev.outs[i.index]!.value }));
      };
      const signers = fixture.inputs[0]!.partialSignatures;

      it('rebuilds byte for byte from the parameters it records', () => {
        expect(serializeSpillmanCase(buildSpillmanCase(fixture.name, fixture.parameters))).to.equal(text);
      });

      it('its descriptors carry checksums and describe the scripts spent and paid (through @bitcoinerlab/miniscript)', () => {
        const tx = Transaction.fromHex(fixture.transaction.hex);
        const spent = prevouts()[0]!;
        expect(hasValidDescriptorChecksum(fixture.inputs[0]!.descriptor)).to.equal(true);
        expect(toHex(descriptorScripts(fixture.inputs[0]!.descriptor).scriptPubKey)).to.equal(toHex(spent.script));
        fixture.outputs.forEach((o, i) => {
          expect(hasValidDescriptorChecksum(o.descriptor)).to.equal(true);
          expect(toHex(descriptorScripts(o.descriptor).scriptPubKey), `output ${i}`).to.equal(toHex(tx.outs[i]!.script));
        });
        for (const d of Object.values(fixture.descriptors)) expect(hasValidDescriptorChecksum(d)).to.equal(true);
      });

      it('its unsigned PSBT carries what a hardware wallet needs: witnessUtxo, nonWitnessUtxo, the witness script and the keys\' origins', () => {
        const psbt = Psbt.fromBase64(fixture.unsignedPsbt);
        const input = psbt.data.inputs[0]!;
        expect(input.witnessUtxo).to.not.equal(undefined);
        expect(input.nonWitnessUtxo).to.not.equal(undefined);
        expect(input.sighashType).to.equal(Transaction.SIGHASH_ALL);
        if (fixture.parameters.transaction !== 'funding') {
          expect(toHex(descriptorScripts(fixture.inputs[0]!.descriptor).witnessScript!)).to.equal(toHex(input.witnessScript!));
          const derived = (input.bip32Derivation ?? []).map((d) => toHex(d.pubkey)).sort();
          expect(derived).to.deep.equal(fixture.keys.filter((k) => k.name.endsWith('_f')).map((k) => k.pubkey).sort());
          // Every output is the channel's: its payout key's origin is on it.
          psbt.data.outputs.forEach((o) => expect(o.bip32Derivation, 'output derivation').to.have.length(1));
        }
      });

      it('revchan signing reproduces every recorded signature, and finalizing the transaction, which bcoin\'s interpreter accepts', () => {
        const copies = signers.map((s) => {
          const psbt = Psbt.fromBase64(fixture.unsignedPsbt);
          signPsbtInput(psbt, 0, privateKeyOf(fixture, s.key));
          expect(toHex(psbt.data.inputs[0]!.partialSig![0]!.signature)).to.equal(s.signature);
          return psbt;
        });
        const all = copies.length === 1 ? copies[0]! : combinePsbts(copies[0]!, copies[1]!);
        expect(all.toBase64()).to.equal(fixture.signedPsbt);
        expect(toHex(extractTransaction(finalizePsbt(all)).toBuffer())).to.equal(fixture.transaction.hex);
        verifyInputs(Transaction.fromHex(fixture.transaction.hex).toBuffer(), prevouts());
      });

      it('@scure/btc-signer parses it, signs to the same signatures, and one party\'s scure copy combines with the other\'s revchan copy', () => {
        const unsigned = () => scure.Transaction.fromPSBT(Buffer.from(fixture.unsignedPsbt, 'base64'));
        const tx0 = unsigned();
        expect(tx0.id).to.equal(fixture.transaction.txid);
        expect(tx0.fee.toString()).to.equal(fixture.transaction.fee);
        for (const s of signers) {
          const t = unsigned();
          expect(t.signIdx(privateKeyOf(fixture, s.key), 0, [scure.SigHash.ALL])).to.equal(true);
          const got = t.getInput(0).partialSig!.find(([pub]) => toHex(pub) === s.pubkey)!;
          expect(toHex(got[1])).to.equal(s.signature);
        }
        for (let i = 0; i < signers.length; i++) {
          const byScure = unsigned();
          byScure.signIdx(privateKeyOf(fixture, signers[i]!.key), 0, [scure.SigHash.ALL]);
          let psbt = Psbt.fromBuffer(Buffer.from(byScure.toPSBT()));
          for (const other of signers.filter((_, j) => j !== i)) {
            const byRevchan = Psbt.fromBase64(fixture.unsignedPsbt);
            signPsbtInput(byRevchan, 0, privateKeyOf(fixture, other.key));
            psbt = combinePsbts(byRevchan, psbt);
          }
          expect(toHex(extractTransaction(finalizePsbt(psbt)).toBuffer())).to.equal(fixture.transaction.hex);
        }
        const branch = fixture.inputs[0]!.branch;
        const all = unsigned();
        for (const s of signers) all.signIdx(privateKeyOf(fixture, s.key), 0, [scure.SigHash.ALL]);
        if (branch === 'multisig' || branch === 'p2wpkh') {
          all.finalize();
          expect(toHex(all.extract())).to.equal(fixture.transaction.hex);
        } else {
          // spillman-cltv is no script scure knows: revchan's finalizer completes scure's signatures.
          expect(() => all.finalizeIdx(0)).to.throw();
          expect(toHex(extractTransaction(finalizePsbt(Psbt.fromBuffer(Buffer.from(all.toPSBT())))).toBuffer())).to.equal(fixture.transaction.hex);
        }
      });

      it('inspect names its kind, from the unsigned PSBT and from the transaction', () => {
        const t = fixture.parameters.transaction;
        const fromPsbt = explainPsbt(Psbt.fromBase64(fixture.unsignedPsbt)).kind;
        const fromTx = explainTransaction(Transaction.fromHex(fixture.transaction.hex)).kind;
        if (t === 'funding') {
          // Form C's output script is its own; Form S funds the shared 2-of-2, which the revocable construction, asked first, claims.
          expect(fromPsbt).to.equal(fixture.parameters.form === 'C' ? 'spillman-funding' : 'funding');
        } else {
          expect(fromPsbt).to.equal(KINDS[t]);
          expect(fromTx).to.equal(KINDS[t]);
        }
      });
    });
  }
});
