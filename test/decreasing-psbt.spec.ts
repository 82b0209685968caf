/**
 * The decreasing-lock PSBT fixtures (fixtures/decreasing/psbts.json, written by
 * test/constructions/decreasing/generate-fixtures.ts): the file rebuilds byte
 * for byte; each unsigned PSBT carries the 2-of-2 witness script and every
 * channel key's origin; signed by the mnemonic's master it finalizes to the
 * recorded transaction, which passes bcoin's interpreter; inspect names it.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { explainTransaction, extractTransaction, finalizePsbt, signPsbtWithMaster } from '../lib';
import { DecreasingFixtureCase, TEST_MNEMONIC, buildDecreasingFixtures, serializeDecreasingFixtures } from './constructions/decreasing/fixtures';
import { DECREASING_PSBT_FIXTURE } from './constructions/decreasing/generate-fixtures';
import { masterFromMnemonic } from './support/psbt-scenario';
import { verifyInputs } from './support/verify';

const text = readFileSync(DECREASING_PSBT_FIXTURE, 'utf8');
const file = JSON.parse(text) as { cases: DecreasingFixtureCase[] };

describe('decreasing-lock PSBT fixtures', () => {
  it('the committed file is what the code builds', () => {
    expect(serializeDecreasingFixtures(buildDecreasingFixtures())).to.equal(text);
  });

  for (const c of file.cases) {
    it(c.description, () => {
      const psbt = Psbt.fromBase64(c.unsigned);
      const input = psbt.data.inputs[0]!;
      expect(input.witnessScript, 'witness script').to.not.equal(undefined);
      expect(input.bip32Derivation?.length, 'both funding keys\' origins').to.equal(2);
      expect(signPsbtWithMaster(psbt, masterFromMnemonic(TEST_MNEMONIC, ''))).to.equal(2);
      expect(psbt.toBase64()).to.equal(c.signed);
      const tx = extractTransaction(finalizePsbt(psbt));
      expect(tx.toHex()).to.equal(c.final);
      const utxo = input.witnessUtxo!;
      verifyInputs(tx.toBuffer(), [{ script: utxo.script, value: BigInt(utxo.value) }]);
      expect(explainTransaction(Transaction.fromHex(c.final)).kind).to.equal(`decreasing-${c.tx}`);
    });
  }
});
