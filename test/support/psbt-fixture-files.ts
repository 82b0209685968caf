/** Reading the committed PSBT fixtures (fixtures/psbt/*.json) and the keys they name. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import { PrivateKey, asPrivateKey, deriveUpdateSecret, fromHex, toHex } from '../../lib';
import { FixtureCase, KeyRecord } from './psbt-cases';
import { masterFromMnemonic } from './psbt-scenario';
import { Prevout } from './verify';

/** The repository's fixtures/psbt, seen from the compiled dist/test/support. */
export const FIXTURE_DIR = join(__dirname, '..', '..', '..', 'fixtures', 'psbt');

export interface FixtureFile {
  readonly file: string;
  readonly text: string;
  readonly fixture: FixtureCase;
}

export function readFixtureFiles(): FixtureFile[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => {
    const text = readFileSync(join(FIXTURE_DIR, file), 'utf8');
    return { file, text, fixture: JSON.parse(text) as FixtureCase };
  });
}

export function unsignedPsbtOf(f: FixtureCase): Psbt {
  return Psbt.fromBase64(f.unsignedPsbt);
}

export function transactionOf(f: FixtureCase): Transaction {
  return Transaction.fromHex(f.transaction.hex);
}

/** Prevouts of the final transaction, from the previous transactions the fixture records (not rebuilt). */
export function prevoutsOf(f: FixtureCase): Prevout[] {
  const prev = new Map(f.previousTransactions.map((p) => [p.txid, Transaction.fromHex(p.hex)]));
  return transactionOf(f).ins.map((i) => {
    const t = prev.get(toHex(Uint8Array.from(i.hash).reverse()));
    if (t === undefined) throw new Error(`${f.name}: an input spends a transaction the fixture does not record`);
    const o = t.outs[i.index]!;
    return { script: o.script, value: o.value };
  });
}

export function keyRecord(f: FixtureCase, name: string): KeyRecord {
  const k = f.keys.find((x) => x.name === name);
  if (k === undefined) throw new Error(`${f.name}: no key ${name}`);
  return k;
}

/**
 * The private key behind a key record, from what the fixture itself says:
 * BIP32 keys from the mnemonic and the origin path, per-update keys from the
 * recorded update seed. Checked against the recorded public key.
 */
export function privateKeyOf(f: FixtureCase, k: KeyRecord): PrivateKey {
  let priv: PrivateKey;
  if (k.origin) {
    const master = masterFromMnemonic(f.parameters.mnemonic, f.parameters.passphrase);
    if (toHex(master.fingerprint) !== k.origin.fingerprint) throw new Error(`${f.name}: ${k.name} fingerprint is not the mnemonic's`);
    priv = asPrivateKey(Uint8Array.from(master.derivePath(k.origin.path).privateKey!));
  } else {
    const state = /^K_(\d+)$/.exec(k.name);
    if (!state || !f.updateSeed) throw new Error(`${f.name}: ${k.name} has neither an origin nor an update seed`);
    priv = deriveUpdateSecret(fromHex(f.updateSeed.seed), BigInt(state[1]!));
    if (k.secret !== undefined && k.secret !== toHex(priv)) throw new Error(`${f.name}: ${k.name} secret is not the seed's`);
  }
  return priv;
}
