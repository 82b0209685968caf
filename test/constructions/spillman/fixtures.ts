/**
 * The Spillman PSBT fixtures (fixtures/spillman/): one channel per form,
 * funded from the BIP39 test mnemonic's wallet, and for each its funding,
 * refund, latest payment and cooperative close as hardware-wallet PSBTs:
 * every input's witnessUtxo and nonWitnessUtxo, the witness script, the
 * bip32Derivation of every channel key, the descriptors of every script
 * spent and paid, each party's signatures and the final transaction.
 * `node dist/test/constructions/spillman/generate-fixtures.js` writes them;
 * test/spillman-psbt.spec.ts rebuilds each file from the parameters it
 * records and compares the text byte for byte.
 *
 * Keys are on the revocable fixtures' accounts (fixtures/psbt/README.md),
 * channel indices 10 (Form S) and 11 (Form C):
 *
 *   sender wallet coin (P2WPKH)   m/84'/1'/0'/0/0
 *   sender change                 m/84'/1'/0'/1/0
 *   sender funding key S_f        m/1017'/1'/0'/0/n
 *   sender payout key S_p         m/1017'/1'/0'/1/n
 *   receiver funding key R_f      m/1017'/1'/1'/0/n
 *   receiver payout key R_p       m/1017'/1'/1'/1/n
 */
import { createHash } from 'node:crypto';
import { Psbt, Transaction, address as baddress, networks } from 'bitcoinjs-lib';
import {
  KeyOrigin, PrivateKey, PublicKey, SpillmanContext, SpillmanForm, asPrivateKey, bytesEqual, combinePsbts, compileFundingScript,
  compileSpillmanCltvScript, createFundingPsbt, createScriptFundingPsbt, createSpillmanClosePsbt, createSpillmanPaymentPsbt,
  createSpillmanRefundPsbt, extractTransaction, finalizePsbt, fundingOutpoint, keyOrigin, p2wpkhDescriptor, p2wpkhScript, p2wshScript,
  signPsbtInput, spillmanDescriptors, toHex, verifySpillmanParams,
} from '../../../lib';
import { masterFromMnemonic } from '../../support/psbt-scenario';

export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

export type SpillmanFixtureTx = 'funding' | 'refund' | 'payment' | 'close';

/** What one fixture is built from; satoshis and fee rates (sat/kw) as decimal strings. */
export interface SpillmanFixtureParameters {
  readonly mnemonic: string;
  readonly form: SpillmanForm;
  readonly channelIndex: number;
  /** L, a block height. */
  readonly lockHeight: number;
  readonly capacity: string;
  readonly feeRate: string;
  readonly coinValue: string;
  readonly fundingFeeRate: string;
  /** Increments; payment i pays the receiver the sum of the first i. */
  readonly payments: readonly string[];
  readonly closeFeeRate: string;
  readonly transaction: SpillmanFixtureTx;
}

export interface SpillmanFixture {
  readonly name: string;
  readonly description: string;
  readonly parameters: SpillmanFixtureParameters;
  readonly keys: readonly { readonly name: string; readonly holder: string; readonly pubkey: string; readonly origin: { readonly fingerprint: string; readonly path: string } }[];
  readonly descriptors: { readonly funding: string; readonly senderPayout: string; readonly receiverPayout: string };
  readonly previousTransactions: readonly { readonly txid: string; readonly hex: string }[];
  readonly unsignedPsbt: string;
  readonly inputs: readonly {
    readonly outpoint: string;
    readonly value: string;
    readonly descriptor: string;
    readonly branch: string;
    readonly partialSignatures: readonly { readonly party: string; readonly key: string; readonly pubkey: string; readonly signature: string }[];
  }[];
  readonly outputs: readonly { readonly value: string; readonly address: string; readonly descriptor: string; readonly owner: string }[];
  readonly signedPsbt: string;
  readonly transaction: { readonly hex: string; readonly txid: string; readonly weight: number; readonly vsize: number; readonly fee: string };
}

interface FixtureKey {
  readonly name: string;
  readonly holder: string;
  readonly party: 'sender' | 'receiver';
  readonly pubkey: PublicKey;
  readonly priv: PrivateKey;
  readonly origin: KeyOrigin;
}

function parametersFor(form: SpillmanForm, transaction: SpillmanFixtureTx): SpillmanFixtureParameters {
  return {
    mnemonic: TEST_MNEMONIC,
    form,
    channelIndex: form === 'S' ? 10 : 11,
    lockHeight: 5000,
    capacity: '1000000',
    feeRate: '1000',
    coinValue: '1100000',
    fundingFeeRate: '1000',
    payments: ['100000', '150000', '150000'],
    closeFeeRate: '2000',
    transaction,
  };
}

export const SPILLMAN_FIXTURE_CASES: readonly { readonly name: string; readonly parameters: SpillmanFixtureParameters }[] = (['S', 'C'] as const)
  .flatMap((form) => (['funding', 'refund', 'payment', 'close'] as const).map((t) => ({ name: `form-${form.toLowerCase()}-${t}`, parameters: parametersFor(form, t) })));

/** The keys, transactions and PSBTs of one fixture channel. */
class SpillmanScenario {
  readonly keys: Readonly<Record<'coin' | 'change' | 'S_f' | 'S_p' | 'R_f' | 'R_p', FixtureKey>>;
  readonly coinsTx: Transaction;

  constructor(readonly p: SpillmanFixtureParameters) {
    const master = masterFromMnemonic(p.mnemonic, '');
    const n = p.channelIndex;
    const k = (name: string, holder: string, party: 'sender' | 'receiver', path: string): FixtureKey => {
      const origin = keyOrigin(master, path);
      return { name, holder, party, pubkey: origin.pubkey, priv: asPrivateKey(Uint8Array.from(master.derivePath(path).privateKey!)), origin };
    };
    this.keys = {
      coin: k('S_coin0', 'sender wallet', 'sender', "m/84'/1'/0'/0/0"),
      change: k('S_change', 'sender wallet', 'sender', "m/84'/1'/0'/1/0"),
      S_f: k('S_f', 'sender', 'sender', `m/1017'/1'/0'/0/${n}`),
      S_p: k('S_p', 'sender', 'sender', `m/1017'/1'/0'/1/${n}`),
      R_f: k('R_f', 'receiver', 'receiver', `m/1017'/1'/1'/0/${n}`),
      R_p: k('R_p', 'receiver', 'receiver', `m/1017'/1'/1'/1/${n}`),
    };
    // A made-up transaction paying the wallet's coin: its input spends an outpoint that exists nowhere.
    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(createHash('sha256').update(`revchan spillman fixtures: coin of channel ${n}`).digest(), 0, 0xffffffff);
    tx.addOutput(p2wpkhScript(this.keys.coin.pubkey), BigInt(p.coinValue));
    this.coinsTx = tx;
  }

  fundingScript(): Uint8Array {
    const keys = { senderFundingKey: this.keys.S_f.pubkey, receiverFundingKey: this.keys.R_f.pubkey };
    return this.p.form === 'S' ? compileFundingScript(keys) : compileSpillmanCltvScript({ ...keys, lockTime: { height: this.p.lockHeight } });
  }

  fundingPsbt(): Psbt {
    const k = this.keys;
    const common = {
      inputs: [{ txid: this.coinsTx.getId(), vout: 0, value: BigInt(this.p.coinValue), script: this.coinsTx.outs[0]!.script, prevTx: this.coinsTx.toBuffer() }],
      capacity: BigInt(this.p.capacity), changeScript: p2wpkhScript(k.change.pubkey), feeRate: BigInt(this.p.fundingFeeRate),
    };
    const opts = { origins: [k.coin.origin, k.change.origin], channelOrigins: [k.S_f.origin, k.R_f.origin] };
    return this.p.form === 'S'
      ? createFundingPsbt({ ...common, senderFundingKey: k.S_f.pubkey, receiverFundingKey: k.R_f.pubkey }, opts)
      : createScriptFundingPsbt({ ...common, fundingScript: this.fundingScript() }, opts);
  }

  fundingTx(): Transaction {
    const psbt = this.fundingPsbt();
    signPsbtInput(psbt, 0, this.keys.coin.priv);
    return extractTransaction(finalizePsbt(psbt));
  }

  ctx(): SpillmanContext {
    const k = this.keys;
    return verifySpillmanParams({
      form: this.p.form, fundingOutpoint: fundingOutpoint(this.fundingTx()), capacity: BigInt(this.p.capacity),
      senderFundingKey: k.S_f.pubkey, receiverFundingKey: k.R_f.pubkey, senderPayoutKey: k.S_p.pubkey, receiverPayoutKey: k.R_p.pubkey,
      lockTime: { height: this.p.lockHeight }, feeRate: BigInt(this.p.feeRate),
    });
  }

  amount(): bigint {
    return this.p.payments.reduce((s, x) => s + BigInt(x), 0n);
  }

  /** The unsigned PSBT, who signs input 0 (or the wallet input), the spent transaction and the branch. */
  plan(): { unsigned: Psbt; signers: FixtureKey[]; spent: Transaction; branch: string } {
    const k = this.keys;
    if (this.p.transaction === 'funding') return { unsigned: this.fundingPsbt(), signers: [k.coin], spent: this.coinsTx, branch: 'p2wpkh' };
    const ctx = this.ctx();
    const opts = { origins: { senderFunding: k.S_f.origin, receiverFunding: k.R_f.origin, senderPayout: k.S_p.origin, receiverPayout: k.R_p.origin }, fundingTx: this.fundingTx().toBuffer() };
    const both = [k.S_f, k.R_f];
    const spent = this.fundingTx();
    const twoParty = this.p.form === 'S' ? 'multisig' : 'payment';
    switch (this.p.transaction) {
      case 'refund':
        // Form S: the receiver signs first, the sender's wallet after; Form C: the sender's wallet alone.
        return { unsigned: createSpillmanRefundPsbt({ ctx }, opts), signers: this.p.form === 'S' ? both : [k.S_f], spent, branch: this.p.form === 'S' ? 'multisig' : 'refund' };
      case 'payment':
        return { unsigned: createSpillmanPaymentPsbt({ ctx, index: this.p.payments.length, amount: this.amount() }, opts), signers: both, spent, branch: twoParty };
      default:
        return { unsigned: createSpillmanClosePsbt({ ctx, amount: this.amount(), feeRate: BigInt(this.p.closeFeeRate) }, opts), signers: both, spent, branch: twoParty };
    }
  }
}

function describeCase(p: SpillmanFixtureParameters): string {
  const form = p.form === 'S'
    ? `Spillman Form S (funding 2-of-2, refund signed by the receiver first; L = height ${p.lockHeight})`
    : `Spillman Form C (funding and_v(v:pk(S_f),or_d(pk(R_f),after(${p.lockHeight}))))`;
  const n = p.payments.length;
  switch (p.transaction) {
    case 'funding': return `${form}: funding transaction from one wallet coin, change back to the wallet; the sender's wallet signs.`;
    case 'refund': return p.form === 'S'
      ? `${form}: the refund, nLockTime ${p.lockHeight} and a non-final nSequence: 2-of-2 spend, the receiver's signature given before the funding was signed.`
      : `${form}: the refund by the sender's funding key alone on the after(L) branch, nLockTime ${p.lockHeight}; the receiver never signs.`;
    case 'payment': return `${form}: payment ${n} (nLockTime 500000000 + ${n}), the receiver's total first: signed by both funding keys; the receiver broadcasts it to close.`;
    case 'close': return `${form}: cooperative close after ${n} payments at ${p.closeFeeRate} sat/kw, signed by both funding keys.`;
  }
}

export function buildSpillmanCase(name: string, p: SpillmanFixtureParameters): SpillmanFixture {
  const s = new SpillmanScenario(p);
  const k = s.keys;
  const { unsigned, signers, spent, branch } = s.plan();
  // Each party signs its own copy after a base64 round trip, as across devices; the copies are combined.
  const copies = signers.map((key) => {
    const copy = Psbt.fromBase64(unsigned.toBase64());
    signPsbtInput(copy, 0, key.priv);
    return copy;
  });
  const signed = copies.length === 1 ? copies[0]! : combinePsbts(copies[0]!, copies[1]!);
  const tx = extractTransaction(finalizePsbt(Psbt.fromBase64(signed.toBase64())));
  const descriptors = spillmanDescriptorsOf(s);
  const scripts = [
    { spk: p2wpkhScript(k.coin.pubkey), descriptor: p2wpkhDescriptor(k.coin.origin), owner: 'sender wallet' },
    { spk: p2wpkhScript(k.change.pubkey), descriptor: p2wpkhDescriptor(k.change.origin), owner: 'sender wallet (change)' },
    { spk: p2wpkhScript(k.S_p.pubkey), descriptor: descriptors.senderPayout, owner: p.transaction === 'refund' ? 'sender (refund)' : 'sender (the rest)' },
    { spk: p2wpkhScript(k.R_p.pubkey), descriptor: descriptors.receiverPayout, owner: 'receiver (paid so far)' },
    { spk: p2wshScript(s.fundingScript()), descriptor: descriptors.funding, owner: p.form === 'S' ? 'sender and receiver (2-of-2)' : 'sender and receiver; the sender alone from L' },
  ];
  const lookup = (spk: Uint8Array) => {
    const m = scripts.find((x) => bytesEqual(x.spk, spk));
    if (m === undefined) throw new Error(`fixture script ${toHex(spk)} is none of the channel's`);
    return m;
  };
  const input = tx.ins[0]!;
  const prev = spent.outs[input.index]!;
  const outputTotal = tx.outs.reduce((a, o) => a + o.value, 0n);
  const partial = signed.data.inputs[0]!.partialSig ?? [];
  const keyList = [k.coin, k.change, k.S_f, k.S_p, k.R_f, k.R_p];
  const usedKeys = p.transaction === 'funding' ? [k.coin, k.change, k.S_f, k.R_f] : [k.S_f, k.R_f, k.S_p, k.R_p];
  return {
    name,
    description: describeCase(p),
    parameters: p,
    keys: keyList.filter((x) => usedKeys.includes(x)).map((x) => ({ name: x.name, holder: x.holder, pubkey: toHex(x.pubkey), origin: { fingerprint: toHex(x.origin.masterFingerprint), path: x.origin.path } })),
    descriptors,
    previousTransactions: [{ txid: spent.getId(), hex: toHex(spent.toBuffer()) }],
    unsignedPsbt: unsigned.toBase64(),
    inputs: [{
      outpoint: `${spent.getId()}:${input.index}`,
      value: prev.value.toString(),
      descriptor: lookup(prev.script).descriptor,
      branch,
      partialSignatures: signers.map((key) => {
        const ps = partial.find((x) => bytesEqual(x.pubkey, key.pubkey))!;
        return { party: key.party, key: key.name, pubkey: toHex(ps.pubkey), signature: toHex(ps.signature) };
      }),
    }],
    outputs: tx.outs.map((o) => ({ value: o.value.toString(), address: baddress.fromOutputScript(o.script, networks.regtest), descriptor: lookup(o.script).descriptor, owner: lookup(o.script).owner })),
    signedPsbt: signed.toBase64(),
    transaction: { hex: toHex(tx.toBuffer()), txid: tx.getId(), weight: tx.weight(), vsize: tx.virtualSize(), fee: (prev.value - outputTotal).toString() },
  };
}

function spillmanDescriptorsOf(s: SpillmanScenario): { funding: string; senderPayout: string; receiverPayout: string } {
  const k = s.keys;
  // The descriptors need only the keys, not the outpoint: a context on a placeholder outpoint for the funding fixture.
  const ctx = verifySpillmanParams({
    form: s.p.form, fundingOutpoint: { txid: '00'.repeat(32), vout: 0 }, capacity: BigInt(s.p.capacity),
    senderFundingKey: k.S_f.pubkey, receiverFundingKey: k.R_f.pubkey, senderPayoutKey: k.S_p.pubkey, receiverPayoutKey: k.R_p.pubkey,
    lockTime: { height: s.p.lockHeight }, feeRate: BigInt(s.p.feeRate),
  });
  const d = spillmanDescriptors(ctx, { senderFunding: k.S_f.origin, receiverFunding: k.R_f.origin, senderPayout: k.S_p.origin, receiverPayout: k.R_p.origin });
  return { funding: d.funding, senderPayout: d.senderPayout, receiverPayout: d.receiverPayout };
}

/** The file text: two-space JSON and a final newline. */
export function serializeSpillmanCase(c: SpillmanFixture): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}
