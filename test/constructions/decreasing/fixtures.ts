/**
 * The decreasing-lock PSBT fixtures (fixtures/decreasing/psbts.json): a
 * channel of each form on keys of the BIP39 test mnemonic, and for each its
 * state after two updates (and the kickoff, kickoff form) and the
 * cooperative close as PSBTs carrying every channel key's bip32Derivation,
 * signed by a's and b's hardware-wallet paths (signPsbtWithMaster), and the
 * final transaction. `node dist/test/constructions/decreasing/generate-fixtures.js`
 * writes the file; test/decreasing-psbt.spec.ts rebuilds it and compares.
 *
 * Keys (channel index 12 on the revocable fixtures' accounts, fixtures/psbt/README.md):
 *   a funding m/1017'/1'/0'/0/12, a payout m/1017'/1'/0'/1/12,
 *   b funding m/1017'/1'/1'/0/12, b payout m/1017'/1'/1'/1/12.
 */
import { Psbt } from 'bitcoinjs-lib';
import {
  DecreasingForm, DecreasingParty, KeyOrigin, PublicKey, asPrivateKey, createDecreasingClosePsbt, createDecreasingKickoffPsbt,
  createDecreasingStatePsbt, extractTransaction, finalizePsbt, keyOrigin, signPsbtWithMaster, verifyDecreasingParams,
} from '../../../lib';
import { masterFromMnemonic } from '../../support/psbt-scenario';

export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const PATHS = { aFunding: "m/1017'/1'/0'/0/12", aPayout: "m/1017'/1'/0'/1/12", bFunding: "m/1017'/1'/1'/0/12", bPayout: "m/1017'/1'/1'/1/12" } as const;

/** One transaction of the fixtures. */
export interface DecreasingFixtureCase {
  readonly description: string;
  readonly form: DecreasingForm;
  readonly tx: 'state' | 'kickoff' | 'close';
  /** The unsigned PSBT, base64. */
  readonly unsigned: string;
  /** The PSBT signed by both parties' masters, base64. */
  readonly signed: string;
  /** The final transaction, hex. */
  readonly final: string;
}

/** Every case, built from the mnemonic and the fixed terms. */
export function buildDecreasingFixtures(): DecreasingFixtureCase[] {
  const master = masterFromMnemonic(TEST_MNEMONIC, '');
  const origin = (p: string): KeyOrigin => keyOrigin(master, p);
  const pub = (p: string) => origin(p).pubkey as PublicKey;
  const priv = (p: string) => asPrivateKey(Uint8Array.from(master.derivePath(p).privateKey!));
  const origins = Object.values(PATHS).map(origin);
  const out: DecreasingFixtureCase[] = [];
  for (const form of ['locktime', 'kickoff'] as const) {
    const ctx = verifyDecreasingParams({
      form, fundingOutpoint: { txid: 'f0'.repeat(31) + (form === 'locktime' ? '01' : '02'), vout: 0 }, capacity: 1_000_000n,
      aFundingKey: pub(PATHS.aFunding), bFundingKey: pub(PATHS.bFunding), aPayoutKey: pub(PATHS.aPayout), bPayoutKey: pub(PATHS.bPayout),
      step: 144, ...(form === 'locktime' ? { initialLock: { height: 900_000 } } : { updates: 30 }), aBalance: 600_000n, feeRate: 1000n,
    });
    const a = DecreasingParty.open(ctx, 'a', priv(PATHS.aFunding));
    const b = DecreasingParty.open(ctx, 'b', priv(PATHS.bFunding));
    b.onInitialSigned(a.initialSigned());
    a.onInitialSigned(b.initialSigned());
    const chain = { height: 800_000, medianTimePast: 0 };
    a.onUpdateAck(b.onUpdate(a.pay(50_000n, chain).message, chain).message);
    b.onUpdateAck(a.onUpdate(b.pay(20_000n, chain).message, chain).message);
    const add = (tx: DecreasingFixtureCase['tx'], description: string, psbt: Psbt, expected: string) => {
      const unsigned = psbt.toBase64();
      if (signPsbtWithMaster(psbt, master) !== 2) throw new Error(`${description}: both funding keys should sign`);
      const signed = psbt.toBase64();
      const final = extractTransaction(finalizePsbt(psbt)).toHex();
      if (final !== expected) throw new Error(`${description}: the PSBT does not finalize to the parties' transaction`);
      out.push({ description, form, tx, unsigned, signed, final });
    };
    add('state', `${form} form: state 2 (a paid 50,000, b paid 20,000)`, createDecreasingStatePsbt({ ctx, ...a.latest }, origins), a.latestStateTx().toHex());
    if (form === 'kickoff') add('kickoff', 'kickoff form: the kickoff', createDecreasingKickoffPsbt({ ctx }, origins), a.kickoffTx().toHex());
    const offer = a.proposeClose(500n);
    const closeTx = b.onClose(offer).tx.toHex();
    add('close', `${form} form: cooperative close at a fee of 500 sat`, createDecreasingClosePsbt({ ctx, aBalance: offer.aBalance, bBalance: offer.bBalance, fee: offer.fee }, origins), closeTx);
  }
  return out;
}

/** The file's text: stable, so a rebuild compares byte for byte. */
export function serializeDecreasingFixtures(cases: DecreasingFixtureCase[]): string {
  return `${JSON.stringify({ mnemonic: TEST_MNEMONIC, paths: PATHS, cases }, null, 2)}\n`;
}
