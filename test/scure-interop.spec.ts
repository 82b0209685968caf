/**
 * Interoperability with an independent PSBT implementation,
 * @scure/btc-signer (noble secp256k1, RFC 6979): it parses every fixture
 * PSBT, signs the same inputs with the same keys and produces the same
 * signatures; revchan finalizes what it signed; and a PSBT revchan combines
 * from one party's revchan PSBT and the other's scure PSBT extracts to the
 * fixture's transaction.
 */
import { expect } from 'chai';
import { Psbt } from 'bitcoinjs-lib';
import {
  PublicKey, addPartialSignature, combinePsbts, extractTransaction, finalizePsbt, fromHex, signPsbtInput, toHex,
} from '../lib';
import { SignatureRecord } from './support/psbt-cases';
import { keyRecord, privateKeyOf, readFixtureFiles } from './support/psbt-fixture-files';
import { Scure, loadScure } from './support/scure';

const files = readFixtureFiles();

interface Signing extends SignatureRecord {
  readonly input: number;
}

describe('@scure/btc-signer interoperability over the PSBT fixtures', () => {
  let scure: Scure;
  before(async () => {
    scure = await loadScure();
  });

  it('revchan refuses a scure signature made over another transaction, leaving its PSBT unchanged', () => {
    const { fixture } = files.find((f) => f.file === 'csv-close.json')!;
    const s = fixture.inputs[0]!.partialSignatures.find((x) => x.party === 'receiver')!;
    const other = scure.Transaction.fromPSBT(Buffer.from(fixture.unsignedPsbt, 'base64'));
    other.updateOutput(0, { amount: other.getOutput(0).amount! - 1n });
    other.signIdx(privateKeyOf(fixture, keyRecord(fixture, s.key)), 0, [scure.SigHash.ALL]);
    const sig = other.getInput(0).partialSig!.find(([pub]) => toHex(pub) === s.pubkey)![1];
    expect(toHex(sig)).to.not.equal(s.signature);
    const psbt = Psbt.fromBase64(fixture.unsignedPsbt);
    const before = psbt.toBase64();
    expect(() => addPartialSignature(psbt, 0, fromHex(s.pubkey) as PublicKey, sig)).to.throw().with.property('code', 'INVALID_SIGNATURE');
    expect(psbt.toBase64()).to.equal(before);
    addPartialSignature(psbt, 0, fromHex(s.pubkey) as PublicKey, fromHex(s.signature));
  });

  for (const { file, fixture } of files) {
    describe(file, () => {
      const signings: Signing[] = fixture.inputs.flatMap((rec, input) => rec.partialSignatures.map((s) => ({ ...s, input })));
      const unsigned = () => scure.Transaction.fromPSBT(Buffer.from(fixture.unsignedPsbt, 'base64'));

      /** A scure PSBT of the fixture with the given signatures made by scure. */
      function scureSigned(which: readonly Signing[]): Uint8Array {
        const tx = unsigned();
        for (const s of which) {
          expect(tx.signIdx(privateKeyOf(fixture, keyRecord(fixture, s.key)), s.input, [scure.SigHash.ALL])).to.equal(true);
        }
        return tx.toPSBT();
      }

      function revchanSigned(which: readonly Signing[]): Psbt {
        const psbt = Psbt.fromBase64(fixture.unsignedPsbt);
        for (const s of which) signPsbtInput(psbt, s.input, privateKeyOf(fixture, keyRecord(fixture, s.key)));
        return psbt;
      }

      it('parses the unsigned PSBT: same transaction, prevout amounts and fee', () => {
        const tx = unsigned();
        expect(tx.id).to.equal(fixture.transaction.txid);
        expect(tx.inputsLength).to.equal(fixture.inputs.length);
        fixture.inputs.forEach((rec, i) => {
          const inp = tx.getInput(i);
          expect(`${toHex(inp.txid!)}:${inp.index}`).to.equal(rec.outpoint);
          expect(inp.witnessUtxo!.amount.toString()).to.equal(rec.value);
          expect(inp.sighashType).to.equal(scure.SigHash.ALL);
        });
        expect(tx.outputsLength).to.equal(fixture.outputs.length);
        fixture.outputs.forEach((rec, i) => {
          expect(tx.getOutput(i).amount!.toString()).to.equal(rec.value);
          expect(tx.getOutputAddress(i, { ...scure.TEST_NETWORK, bech32: 'bcrt' })).to.equal(rec.address);
        });
        expect(tx.fee.toString()).to.equal(fixture.transaction.fee);
      });

      it('signs the same inputs with the same keys and produces the same signatures', () => {
        const tx = scure.Transaction.fromPSBT(scureSigned(signings));
        for (const s of signings) {
          const got = (tx.getInput(s.input).partialSig ?? []).find(([pub]) => toHex(pub) === s.pubkey);
          expect(got, `${s.key} on input ${s.input}`).to.not.equal(undefined);
          expect(toHex(got![1]), `${s.key} on input ${s.input}`).to.equal(s.signature);
        }
      });

      it('revchan finalizes the PSBT scure signed, to the fixture\'s transaction', () => {
        const psbt = Psbt.fromBuffer(Buffer.from(scureSigned(signings)));
        expect(toHex(extractTransaction(finalizePsbt(psbt)).toBuffer())).to.equal(fixture.transaction.hex);
      });

      it('a PSBT combined from one side\'s revchan PSBT and the other\'s scure PSBT extracts to the fixture\'s transaction', () => {
        // Two parties: each side is one party. One party: its signatures alternate between the two tools.
        const parties = [...new Set(signings.map((s) => s.party))];
        const sideA = parties.length > 1 ? signings.filter((s) => s.party === parties[0]) : signings.filter((_, j) => j % 2 === 0);
        const sideB = signings.filter((s) => !sideA.includes(s));
        for (const [byRevchan, byScure] of [[sideA, sideB], [sideB, sideA]]) {
          const combined = combinePsbts(revchanSigned(byRevchan!), Psbt.fromBuffer(Buffer.from(scureSigned(byScure!))));
          expect(toHex(extractTransaction(finalizePsbt(combined)).toBuffer())).to.equal(fixture.transaction.hex);
        }
      });

      const standard = fixture.inputs.every((rec) => rec.branch === 'p2wpkh' || rec.branch === 'multisig');
      if (standard) {
        it('scure finalizes its own signatures on wpkh and multisig inputs to the same transaction', () => {
          const tx = scure.Transaction.fromPSBT(scureSigned(signings));
          tx.finalize();
          expect(toHex(tx.extract())).to.equal(fixture.transaction.hex);
        });
      } else {
        it('scure finalizes what it knows (P2WPKH), refuses the revocable script; revchan finalizes the rest to the same transaction', () => {
          const tx = scure.Transaction.fromPSBT(scureSigned(signings));
          fixture.inputs.forEach((rec, i) => {
            if (rec.branch === 'p2wpkh') tx.finalizeIdx(i);
            else expect(() => tx.finalizeIdx(i), `input ${i}`).to.throw(/Unknown inputs not allowed/);
          });
          const psbt = Psbt.fromBuffer(Buffer.from(tx.toPSBT()));
          expect(toHex(extractTransaction(finalizePsbt(psbt)).toBuffer())).to.equal(fixture.transaction.hex);
        });
      }
    });
  }
});
