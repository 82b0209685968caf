/**
 * fixtures/htlc/*.json: the HTLC fixtures rebuild byte for byte from the same
 * code (`npm run fixtures` writes them), every claim's final transaction runs
 * through bcoin's interpreter, and the PSBTs read back through
 * @scure/btc-signer: the same unsigned transaction and, for the success
 * claim, the preimage record under PSBT_IN_SHA256.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { explainInput, fromHex, sha256, toHex } from '../lib';
import { HTLC_FIXTURE_DIR, buildHtlcFixtures, serializeHtlcFixture } from './support/htlc-fixtures';
import { verifyInputs } from './support/verify';
import { loadScure } from './support/scure';

describe('fixtures/htlc/*.json', () => {
  const built = buildHtlcFixtures();
  const files = fs.readdirSync(HTLC_FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort();
  // README.md beside them describes them.

  it('one file per case, nothing else', () => {
    expect(files.map((f) => f.slice(0, -5))).to.deep.equal(Object.keys(built).sort());
    expect(files).to.include.members(['sender-version-1-htlc.json', 'receiver-version-3-htlcs.json', 'htlc-success-receiver-version.json', 'penalty-3-htlcs.json']);
  });

  for (const f of files) {
    const name = f.slice(0, -5);
    it(`${f}: rebuilds byte for byte`, () => {
      expect(fs.readFileSync(path.join(HTLC_FIXTURE_DIR, f), 'utf8')).to.equal(serializeHtlcFixture(built[name]!));
    });
  }

  it('the versions: 1 and 3 HTLCs, the trimmed one absent, outputs ordered by amount then script after the balances', () => {
    const three = JSON.parse(fs.readFileSync(path.join(HTLC_FIXTURE_DIR, 'sender-version-3-htlcs.json'), 'utf8'));
    expect(three.trimmed).to.deep.equal([2]);
    expect(three.outputs.map((o: { value: string }) => o.value).slice(2)).to.deep.equal(['25000', '40000']);
    const one = JSON.parse(fs.readFileSync(path.join(HTLC_FIXTURE_DIR, 'receiver-version-1-htlc.json'), 'utf8'));
    expect(one.outputs).to.have.length(3);
    expect(one.outputs[2].template).to.equal('htlc-offered-receiver');
  });

  it('every claim\'s transaction passes bcoin\'s interpreter against the version it spends', () => {
    const versions = new Map<string, Transaction>();
    for (const v of ['sender-version-1-htlc', 'receiver-version-1-htlc', 'sender-version-3-htlcs']) {
      const tx = Transaction.fromHex(JSON.parse(fs.readFileSync(path.join(HTLC_FIXTURE_DIR, `${v}.json`), 'utf8')).transaction.hex);
      versions.set(tx.getId(), tx);
    }
    for (const c of ['htlc-success-sender-version', 'htlc-success-receiver-version', 'htlc-timeout-sender-version', 'htlc-timeout-receiver-version', 'penalty-3-htlcs']) {
      const fx = JSON.parse(fs.readFileSync(path.join(HTLC_FIXTURE_DIR, `${c}.json`), 'utf8'));
      const tx = Transaction.fromHex(fx.transaction.hex);
      const prevouts = tx.ins.map((i) => versions.get(Buffer.from(i.hash).reverse().toString('hex'))!.outs[i.index]!);
      verifyInputs(tx.toBuffer(), prevouts.map((o) => ({ script: o.script, value: o.value })));
    }
  });

  it('@scure/btc-signer reads the success claim\'s PSBT: the same unsigned transaction and the preimage under its hash', async () => {
    const scure = await loadScure();
    const fx = JSON.parse(fs.readFileSync(path.join(HTLC_FIXTURE_DIR, 'htlc-success-receiver-version.json'), 'utf8'));
    const signed = scure.Transaction.fromPSBT(Buffer.from(fx.signedPsbt, 'base64'), { allowUnknownInputs: true });
    const ours = Psbt.fromBase64(fx.signedPsbt);
    expect(signed.id).to.equal(Transaction.fromBuffer(ours.data.globalMap.unsignedTx.toBuffer()).getId());
    expect(signed.id).to.equal(fx.transaction.txid);
    const input = signed.getInput(0);
    const records = (input.sha256 ?? []) as [Uint8Array, Uint8Array][];
    expect(records).to.have.length(1);
    const [hash, preimage] = records[0]!;
    expect(toHex(preimage)).to.equal(fx.preimage);
    expect(toHex(sha256(fromHex(fx.preimage)))).to.equal(toHex(hash));
  });
});

describe('inspect explains the HTLC fixtures', () => {
  const KINDS: Readonly<Record<string, string>> = {
    'sender-version-1-htlc': 'sender-version', 'receiver-version-1-htlc': 'receiver-version',
    'sender-version-3-htlcs': 'sender-version', 'receiver-version-3-htlcs': 'receiver-version',
    'htlc-success-sender-version': 'htlc-success', 'htlc-success-receiver-version': 'htlc-success',
    'htlc-timeout-sender-version': 'htlc-timeout', 'htlc-timeout-receiver-version': 'htlc-timeout',
    'penalty-3-htlcs': 'penalty',
  };
  for (const [name, kind] of Object.entries(KINDS)) {
    it(`${name}: ${kind}`, () => {
      const fx = JSON.parse(fs.readFileSync(path.join(HTLC_FIXTURE_DIR, `${name}.json`), 'utf8'));
      const views = fx.unsignedPsbt ? [fx.unsignedPsbt, fx.signedPsbt, fx.transaction.hex] : [fx.transaction.hex];
      for (const v of views) {
        const e = explainInput(v);
        expect(e.kind, v.slice(0, 12)).to.equal(kind);
        expect(e.certain).to.equal(true);
      }
      if (fx.signedPsbt) {
        const signed = explainInput(fx.signedPsbt);
        expect(signed.signatures.complete).to.equal(true);
        expect(signed.amounts.fee).to.equal(BigInt(fx.transaction.fee));
        expect(signed.warnings).to.deep.equal([]);
      }
      if (kind === 'receiver-version') {
        const e = explainInput(fx.transaction.hex);
        expect(e.outputs.map((o) => o.role).slice(2).every((r) => r.startsWith('HTLC output'))).to.equal(true);
      }
    });
  }
});
