/**
 * The duplex PSBT fixtures (fixtures/duplex/psbts.json, written by
 * test/constructions/duplex/generate-fixtures.ts): the file rebuilds byte for
 * byte; the setup carries both funders' coins with their previous
 * transactions, each wallet signs exactly its own coin on its own copy and the
 * copies combine; every other PSBT carries its input's witness script and the
 * channel keys' origins; each finalizes to the recorded transaction, which
 * passes bcoin's interpreter. @scure/btc-signer parses every PSBT to the same
 * unsigned transaction, and signs and finalizes the setup to the same bytes.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { combinePsbts, explainPsbt, explainTransaction, extractTransaction, finalizePsbt, signPsbtWithMaster } from '../lib';
import { DuplexFixtureCase, PASSPHRASES, PATHS, TEST_MNEMONIC, buildDuplexFixtures, serializeDuplexFixtures } from './constructions/duplex/fixtures';
import { DUPLEX_PSBT_FIXTURE } from './constructions/duplex/generate-fixtures';
import { masterFromMnemonic } from './support/psbt-scenario';
import { Scure, loadScure } from './support/scure';
import { verifyInputs } from './support/verify';

const text = readFileSync(DUPLEX_PSBT_FIXTURE, 'utf8');
const file = JSON.parse(text) as { cases: DuplexFixtureCase[] };
const masters = { a: masterFromMnemonic(TEST_MNEMONIC, PASSPHRASES.a), b: masterFromMnemonic(TEST_MNEMONIC, PASSPHRASES.b) };

function prevoutsOf(psbt: Psbt): { script: Uint8Array; value: bigint }[] {
  return psbt.data.inputs.map((i) => ({ script: i.witnessUtxo!.script, value: BigInt(i.witnessUtxo!.value) }));
}

describe('duplex PSBT fixtures', () => {
  let scure: Scure;
  before(async () => {
    scure = await loadScure();
  });

  it('the committed file is what the code builds, one case of each kind', () => {
    expect(serializeDuplexFixtures(buildDuplexFixtures())).to.equal(text);
    expect(file.cases.map((c) => c.kind)).to.deep.equal([
      'duplex-setup', 'duplex-kickoff', 'duplex-node', 'duplex-leaf', 'duplex-simplex-payment', 'duplex-simplex-refund', 'duplex-close',
    ]);
  });

  for (const c of file.cases) {
    it(`${c.kind}: ${c.description}`, () => {
      const unsigned = Psbt.fromBase64(c.unsigned);
      if (c.kind === 'duplex-setup') {
        expect(unsigned.inputCount).to.equal(2);
        unsigned.data.inputs.forEach((i, n) => {
          expect(i.nonWitnessUtxo, `input ${n}'s previous transaction`).to.not.equal(undefined);
          expect(i.bip32Derivation?.map((d) => d.path)).to.deep.equal([n === 0 ? PATHS.aWallet : PATHS.bWallet]);
        });
        expect(unsigned.data.outputs[0]!.witnessScript, 'the setup output\'s 2-of-2').to.not.equal(undefined);
      } else {
        const input = unsigned.data.inputs[0]!;
        expect(input.witnessScript, 'witness script').to.not.equal(undefined);
        expect(input.bip32Derivation?.length, 'both channel keys\' origins').to.equal(2);
      }
      const copies = c.signers.map((who) => {
        const copy = Psbt.fromBase64(c.unsigned);
        expect(signPsbtWithMaster(copy, masters[who]), `${who} signs its own input only`).to.equal(1);
        expect(copy.toBase64()).to.equal(c.signedBy[who]);
        return copy;
      });
      const combined = copies.slice(1).reduce((acc, x) => combinePsbts(acc, x), copies[0]!);
      expect(combined.toBase64()).to.equal(c.combined);
      const tx = extractTransaction(finalizePsbt(combined));
      expect(tx.toHex()).to.equal(c.final);
      verifyInputs(tx.toBuffer(), prevoutsOf(unsigned));
      if (c.kind !== 'duplex-setup') {
        // The kickoff and the close have the decreasing-lock channel's shapes, and are named for both.
        const named = c.kind === 'duplex-kickoff' ? 'decreasing-kickoff' : c.kind === 'duplex-close' ? 'decreasing-close' : c.kind;
        expect(explainPsbt(Psbt.fromBase64(c.unsigned)).kind).to.equal(named);
        expect(explainTransaction(tx).kind).to.equal(named);
      }
    });
  }

  it('the setup with one wallet\'s signature only does not finalize', () => {
    const setup = file.cases.find((c) => c.kind === 'duplex-setup')!;
    expect(() => finalizePsbt(Psbt.fromBase64(setup.signedBy.a!))).to.throw().with.property('code', 'PSBT_INCOMPLETE');
  });

  it('@scure/btc-signer parses every PSBT to the same unsigned transaction, and signs and finalizes the setup to the same bytes', () => {
    for (const c of file.cases) {
      const t = scure.Transaction.fromPSBT(Buffer.from(c.unsigned, 'base64'));
      const final = Transaction.fromHex(c.final);
      expect(t.id, c.kind).to.equal(final.getId());
      expect(t.inputsLength, c.kind).to.equal(final.ins.length);
      expect(t.outputsLength, c.kind).to.equal(final.outs.length);
    }
    const setup = file.cases.find((c) => c.kind === 'duplex-setup')!;
    const t = scure.Transaction.fromPSBT(Buffer.from(setup.unsigned, 'base64'));
    expect(t.signIdx(masters.a.derivePath(PATHS.aWallet).privateKey!, 0, [scure.SigHash.ALL])).to.equal(true);
    expect(t.signIdx(masters.b.derivePath(PATHS.bWallet).privateKey!, 1, [scure.SigHash.ALL])).to.equal(true);
    t.finalize();
    expect(Buffer.from(t.extract()).toString('hex')).to.equal(setup.final);
  });
});
