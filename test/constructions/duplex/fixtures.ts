/**
 * The duplex PSBT fixtures (fixtures/duplex/psbts.json): a channel on keys
 * of two wallets, a's the BIP39 test mnemonic without passphrase and b's the
 * same mnemonic with the passphrase TREZOR (BIP39's vectors), d = 2, b = 3,
 * Δ = 5, Dc = 10. The setup carries both funders' coins (each with its
 * previous transaction); each wallet signs its own copy and the two copies
 * combine. The kickoff, state 4's level-0 node and leaf (each with a's and
 * b's anchors last), a simplex payment
 * (a pays b 30,000), a simplex refund (b's channel, b alone after Dc) and the
 * cooperative close are signed by both masters (the refund by b's alone).
 * Every final transaction equals what DuplexSigner makes without PSBT.
 * `node dist/test/constructions/duplex/generate-fixtures.js` writes the
 * file; test/duplex-psbt.spec.ts rebuilds it and compares.
 */
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  DuplexSetupParams, DuplexSigner, FundingInput, FundingSpendParams, KeyOrigin, PublicKey, asPrivateKey, combinePsbts, createDuplexSetupPsbt,
  createDuplexSpendPsbt, duplexBranch, duplexCloseSpend, duplexKickoffSpend, extractTransaction, finalizePsbt, keyOrigin, p2wpkhScript,
  planDuplexSetup, signPsbtWithMaster, simplexChannel, simplexPaymentSpend, simplexRefundSpend, verifyDuplexParams,
} from '../../../lib';
import { masterFromMnemonic } from '../../support/psbt-scenario';

export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** a's wallet has no passphrase, b's the passphrase of BIP39's vectors. */
export const PASSPHRASES = { a: '', b: 'TREZOR' } as const;
export const PATHS = {
  aWallet: "m/84'/1'/0'/0/0", aFunding: "m/1017'/1'/0'/0/13", aPayout: "m/1017'/1'/0'/1/13",
  bWallet: "m/84'/1'/0'/0/0", bFunding: "m/1017'/1'/0'/0/13", bPayout: "m/1017'/1'/0'/1/13",
} as const;

/** What a case's transaction is: the kinds of the demo's --json. */
export type DuplexFixtureKind = 'duplex-setup' | 'duplex-kickoff' | 'duplex-node' | 'duplex-leaf' | 'duplex-simplex-payment' | 'duplex-simplex-refund' | 'duplex-close';

/** One transaction of the fixtures. */
export interface DuplexFixtureCase {
  readonly description: string;
  readonly kind: DuplexFixtureKind;
  /** Who signs: both, or one party (the refund). */
  readonly signers: readonly ('a' | 'b')[];
  /** The unsigned PSBT, base64. */
  readonly unsigned: string;
  /** Each signer's own copy, signed by its master alone, base64. */
  readonly signedBy: Readonly<Record<string, string>>;
  /** The copies combined, base64. */
  readonly combined: string;
  /** The final transaction, hex. */
  readonly final: string;
}

/** A previous transaction paying `value` to `script`, so the coin carries its nonWitnessUtxo. */
function coinOf(label: number, script: Uint8Array, value: bigint): FundingInput {
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(Buffer.alloc(32, label), 0, 0xfffffffd);
  prev.addOutput(script, value);
  return { txid: prev.getId(), vout: 0, value, script, prevTx: prev.toBuffer() };
}

/** Every case, built from the mnemonic and the fixed terms. */
export function buildDuplexFixtures(): DuplexFixtureCase[] {
  const masters = { a: masterFromMnemonic(TEST_MNEMONIC, PASSPHRASES.a), b: masterFromMnemonic(TEST_MNEMONIC, PASSPHRASES.b) };
  const origin = (who: 'a' | 'b', p: string): KeyOrigin => keyOrigin(masters[who], p);
  const pub = (who: 'a' | 'b', p: string) => origin(who, p).pubkey as PublicKey;
  const priv = (who: 'a' | 'b', p: string) => asPrivateKey(Uint8Array.from(masters[who].derivePath(p).privateKey!));
  const origins = [
    origin('a', PATHS.aWallet), origin('a', PATHS.aFunding), origin('a', PATHS.aPayout),
    origin('b', PATHS.bWallet), origin('b', PATHS.bFunding), origin('b', PATHS.bPayout),
  ];
  const aWallet = p2wpkhScript(pub('a', PATHS.aWallet));
  const bWallet = p2wpkhScript(pub('b', PATHS.bWallet));
  const setupParams: DuplexSetupParams = {
    aFundingKey: pub('a', PATHS.aFunding), bFundingKey: pub('b', PATHS.bFunding), feeRate: 1000n,
    a: { inputs: [coinOf(0xa0, aWallet, 650_000n)], amount: 600_000n, changeScript: aWallet },
    b: { inputs: [coinOf(0xb0, bWallet, 450_000n)], amount: 400_000n, changeScript: bWallet },
  };
  const setup = planDuplexSetup(setupParams);
  const ctx = verifyDuplexParams({
    fundingOutpoint: setup.fundingOutpoint, capacity: setup.capacity,
    aFundingKey: setupParams.aFundingKey, bFundingKey: setupParams.bFundingKey, aPayoutKey: pub('a', PATHS.aPayout), bPayoutKey: pub('b', PATHS.bPayout),
    levels: 2, values: 3, step: 5, simplexDelay: 10, aAmount: 600_000n, feeRate: 1000n,
  });
  const signer = { a: new DuplexSigner(ctx, 'a', priv('a', PATHS.aFunding)), b: new DuplexSigner(ctx, 'b', priv('b', PATHS.bFunding)) };
  const out: DuplexFixtureCase[] = [];
  const add = (kind: DuplexFixtureKind, description: string, make: () => Psbt, expected: string | undefined, signers: readonly ('a' | 'b')[]) => {
    const unsigned = make().toBase64();
    const signedBy: Record<string, string> = {};
    const copies = signers.map((who) => {
      const copy = make();
      if (signPsbtWithMaster(copy, masters[who]) !== 1) throw new Error(`${description}: ${who}'s wallet should sign one input`);
      signedBy[who] = copy.toBase64();
      return copy;
    });
    const combined = copies.slice(1).reduce((acc, c) => combinePsbts(acc, c), copies[0]!);
    const combinedText = combined.toBase64();
    const final = extractTransaction(finalizePsbt(combined)).toHex();
    if (expected !== undefined && final !== expected) throw new Error(`${description}: the PSBT does not finalize to the parties' transaction`);
    out.push({ description, kind, signers, unsigned, signedBy, combined: combinedText, final });
  };
  const both = ['a', 'b'] as const;
  const twoOfTwo = (spend: FundingSpendParams) => signer.b.completeTwoOfTwo(spend, signer.a.sign(signer.a.hash(spend))).toHex();
  const spendPsbt = (spend: FundingSpendParams) => () => createDuplexSpendPsbt({ ctx, spend }, origins);

  add('duplex-setup', 'setup: a deposits 600,000 and b 400,000, each wallet signs its own coin on its own copy', () => createDuplexSetupPsbt(setupParams, origins), undefined, both);
  const kickoff = duplexKickoffSpend(ctx);
  add('duplex-kickoff', 'kickoff: the setup output to the tree\'s 2-of-2 and a\'s and b\'s anchors, no lock', spendPsbt(kickoff), twoOfTwo(kickoff), both);
  // State 4 of 9 is digits (1, 1): each level waits (b - 1 - 1) * Δ = 5 blocks.
  const balances = { a: ctx.initialBalances.a - 40_000n, b: ctx.initialBalances.b + 40_000n };
  const [node, leaf] = duplexBranch(ctx, 4, balances);
  add('duplex-node', 'state 4, level 0: the node under the kickoff, nSequence 5, with both anchors', spendPsbt(node!.spend), twoOfTwo(node!.spend), both);
  add('duplex-leaf', 'state 4, level 1: the leaf funding both simplex channels, nSequence 5, with both anchors', spendPsbt(leaf!.spend), twoOfTwo(leaf!.spend), both);
  const leafTxid = Transaction.fromHex(twoOfTwo(leaf!.spend)).getId();
  const ab = simplexChannel(ctx, leafTxid, balances, 'ab')!;
  const payment = simplexPaymentSpend(ctx, ab, 30_000n);
  add('duplex-simplex-payment', 'simplex payment on a -> b: a has paid 30,000 since the leaf', spendPsbt(payment),
    signer.b.completeSimplexPayment(ab, 30_000n, signer.a.signSimplexPayment(ab, 30_000n)).toHex(), both);
  const ba = simplexChannel(ctx, leafTxid, balances, 'ba')!;
  add('duplex-simplex-refund', 'simplex refund of b -> a: b alone, Dc = 10 blocks after the leaf', spendPsbt(simplexRefundSpend(ctx, ba)), signer.b.simplexRefund(ba).toHex(), ['b']);
  const close = duplexCloseSpend(ctx, { a: 560_000n, b: 439_000n, fee: setup.capacity - 999_000n });
  add('duplex-close', 'cooperative close from the setup output', spendPsbt(close), twoOfTwo(close), both);
  return out;
}

/** The file's text: stable, so a rebuild compares byte for byte. */
export function serializeDuplexFixtures(cases: DuplexFixtureCase[]): string {
  return `${JSON.stringify({ mnemonic: TEST_MNEMONIC, passphrases: PASSPHRASES, paths: PATHS, cases }, null, 2)}\n`;
}
