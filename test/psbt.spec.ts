/**
 * PSBTs for every transaction kind, with BIP32 key origins: what they carry,
 * signing with a master node and with a raw per-update key, exchanging
 * signatures (base64, addPartialSignature, combinePsbts), checking a PSBT
 * against our own before signing, finalizing through each template branch,
 * and proof that the extracted transaction is byte-equal to the raw hot
 * path's (RFC 6979 signatures are deterministic) and valid for an
 * independent interpreter.
 *
 * Keys. Two BIP32 masters from fixed seeds, one per party. Long-lived keys
 * (BIP 84 account 0, testnet coin type; channel keys on a chain 1017 of
 * their own, next to the receive (0) and change (1) chains):
 *
 *   sender wallet coin (P2WPKH)        m/84'/1'/0'/0/0
 *   sender wallet coin (P2SH-P2WPKH)   m/49'/1'/0'/0/0
 *   sender change                      m/84'/1'/0'/1/0
 *   sender timeout destination         m/84'/1'/0'/0/1
 *   sender funding key S_f             m/84'/1'/0'/1017/0
 *   sender payout key S_p              m/84'/1'/0'/1017/1
 *   receiver funding key R_f           m/84'/1'/0'/1017/0
 *   receiver payout key R_p            m/84'/1'/0'/1017/1
 *   receiver revocation key R_r        m/84'/1'/0'/1017/2
 *   receiver penalty destination       m/84'/1'/0'/0/0
 *
 * Per-update keys K_i are not BIP32 keys: they come from the shachain seed of
 * channel 0 (deriveChannelSeed, hardened path m/1017'/0'/0') and carry no origin.
 */
import { expect } from 'chai';
import { BIP32Interface } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import { Psbt, Transaction, script as bscript } from 'bitcoinjs-lib';
import {
  ChannelKeyOrigins, ChannelParams, CloseParams, ErrorCode, FundingInput, FundingParams, KeyOrigin,
  PaymentSigner, PenaltyParams, PrivateKey, PublicKey, ReceiverPaymentParams, SIGHASH_ALL, SenderPaymentParams,
  TimeoutParams, addPartialSignature, asPrivateKey, buildCooperativeCloseTx, buildFundingTx, buildPenaltyTx,
  buildReceiverPaymentTx, buildSenderPaymentTx, buildTimeoutTx, channelWitness, combinePsbts, createClosePsbt,
  createFundingPsbt, createPenaltyPsbt, createReceiverPaymentPsbt, createSenderPaymentPsbt, createTimeoutPsbt,
  deriveChannelSeed, deriveUpdateKey, deriveUpdateSecret, extractTransaction, finalizePsbt, fundingOutpoint, hash160,
  keyOrigin, p2wpkhScript, partialSignatures, revocableScriptFor, signPenaltyTx, signPsbtInput, signPsbtWithKey,
  signPsbtWithMaster, signTimeoutTx, toHex, verifyChannelParams, verifyPsbtMatches, verifyPsbtTransaction,
} from '../lib';
import { VARIANTS } from './support/channel';
import { Prevout, verifyInputs } from './support/verify';
import { codeOf } from './support/errors';
import { PSBT_CHANNEL_ORIGINS, PSBT_ORIGINS, PSBT_PATHS, receiverMaster, senderMaster } from './support/psbt-keys';

const PATHS = PSBT_PATHS;

function privAt(master: BIP32Interface, path: string): PrivateKey {
  return asPrivateKey(Uint8Array.from(master.derivePath(path).privateKey!));
}

const origin = PSBT_ORIGINS;
const channelOrigins = PSBT_CHANNEL_ORIGINS;
const senderOnlyOrigins: ChannelKeyOrigins = { senderFunding: origin.senderFunding, senderPayout: origin.senderPayout };

const seed = deriveChannelSeed(senderMaster, 0);
const K = (i: number) => ({ priv: deriveUpdateSecret(seed, BigInt(i)), pub: deriveUpdateKey(seed, BigInt(i)) });

// ---------------------------------------------------------------------------
// Helpers.

/** `run` must fail with `code` and leave the PSBT byte-for-byte as it was. */
function refusesUnchanged(psbt: Psbt, run: () => unknown, code: ErrorCode): void {
  const before = psbt.toBase64();
  expect(codeOf(run)).to.equal(code);
  expect(psbt.toBase64()).to.equal(before);
}

function roundTrip(psbt: Psbt): Psbt {
  return Psbt.fromBase64(psbt.toBase64());
}

type Bip32Derivation = { masterFingerprint: Uint8Array; pubkey: Uint8Array; path: string };

function expectDerivations(list: Bip32Derivation[] | undefined, expected: readonly KeyOrigin[], what: string): void {
  const got = (list ?? []).map((d) => `${toHex(d.pubkey)} ${toHex(d.masterFingerprint)} ${d.path}`).sort();
  const want = expected.map((o) => `${toHex(o.pubkey)} ${toHex(o.masterFingerprint)} ${o.path}`).sort();
  expect(got, what).to.deep.equal(want);
}

function witnessItems(tx: Transaction, i: number): string[] {
  return tx.ins[i]!.witness.map(toHex);
}

/** A copy of an unsigned PSBT with one field changed, as a dishonest or buggy counterparty would send it. */
interface Tamper {
  readonly outputValue?: { index: number; value: bigint };
  readonly outputScript?: { index: number; script: Uint8Array };
  readonly utxoValue?: { index: number; value: bigint };
  readonly witnessScript?: { index: number; script: Uint8Array | undefined };
  readonly sighashType?: { index: number; type: number };
}

function tamper(src: Psbt, t: Tamper): Psbt {
  const p = new Psbt();
  p.setVersion(src.version);
  p.setLocktime(src.locktime);
  src.txInputs.forEach((ti, i) => {
    const d = { ...src.data.inputs[i]! };
    if (t.utxoValue?.index === i) d.witnessUtxo = { ...d.witnessUtxo!, value: t.utxoValue.value };
    if (t.witnessScript?.index === i) {
      if (t.witnessScript.script === undefined) delete d.witnessScript;
      else d.witnessScript = t.witnessScript.script;
    }
    if (t.sighashType?.index === i) d.sighashType = t.sighashType.type;
    // nonWitnessUtxo is left out so the forged fields do not collide with it; the checks do not rely on it.
    delete d.nonWitnessUtxo;
    p.addInput({ hash: ti.hash, index: ti.index, sequence: ti.sequence, ...d });
  });
  src.txOutputs.forEach((to, i) => {
    const value = t.outputValue?.index === i ? t.outputValue.value : to.value;
    const script = t.outputScript?.index === i ? t.outputScript.script : to.script;
    p.addOutput({ ...src.data.outputs[i]!, script, value });
  });
  return p;
}

function prevoutsOf(spent: Transaction, tx: Transaction): Prevout[] {
  return tx.ins.map((i) => ({ script: spent.outs[i.index]!.script, value: spent.outs[i.index]!.value }));
}

function highS(sig: Uint8Array): Uint8Array {
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const c = bscript.signature.decode(sig).signature;
  const s = BigInt('0x' + toHex(c.subarray(32)));
  const hs = Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex');
  return bscript.signature.encode(Uint8Array.from([...c.subarray(0, 32), ...hs]), SIGHASH_ALL);
}

function paddedR(sig: Uint8Array): Uint8Array {
  const rLen = sig[3]!;
  const body = [2, rLen + 1, 0, ...sig.subarray(4, 4 + rLen), ...sig.subarray(4 + rLen, sig.length - 1)];
  return Uint8Array.from([0x30, body.length, ...body, sig[sig.length - 1]!]);
}

// ---------------------------------------------------------------------------
// The funding transaction, from the sender's BIP32 wallet.

const walletScript = p2wpkhScript(origin.senderWallet.pubkey);
const nestedRedeem = p2wpkhScript(origin.senderNestedWallet.pubkey);
const nestedScript = Uint8Array.from([0xa9, 0x14, ...hash160(nestedRedeem), 0x87]);
const changeScript = p2wpkhScript(origin.senderChange.pubkey);

function walletCoin(script: Uint8Array, value: bigint, tag: number, redeemScript?: Uint8Array): FundingInput {
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(new Uint8Array(32).fill(tag), 0);
  prev.addOutput(script, value);
  return { txid: prev.getId(), vout: 0, value, script, prevTx: prev.toBuffer(), ...(redeemScript ? { redeemScript } : {}) };
}

const capacity = 1_000_000n;
const fundingP: FundingParams = {
  inputs: [walletCoin(walletScript, 700_000n, 1), walletCoin(nestedScript, 400_000n, 2, nestedRedeem)],
  capacity,
  senderFundingKey: origin.senderFunding.pubkey,
  receiverFundingKey: origin.receiverFunding.pubkey,
  changeScript,
  feeRate: 1000n,
};
const fundingOpts = { origins: [origin.senderWallet, origin.senderNestedWallet, origin.senderChange], channelOrigins };
const fundingPrevouts: Prevout[] = fundingP.inputs.map((i) => ({ script: i.script, value: i.value }));

function signedFunding(): Transaction {
  const psbt = createFundingPsbt(fundingP, fundingOpts);
  expect(signPsbtWithMaster(psbt, senderMaster)).to.equal(2);
  return extractTransaction(finalizePsbt(roundTrip(psbt)));
}
const fundingTx = signedFunding();

function channelFor(variant: ChannelParams['variant']): ChannelParams {
  return {
    fundingOutpoint: fundingOutpoint(fundingTx),
    capacity,
    senderFundingKey: origin.senderFunding.pubkey,
    receiverFundingKey: origin.receiverFunding.pubkey,
    senderPayoutKey: origin.senderPayout.pubkey,
    receiverPayoutKey: origin.receiverPayout.pubkey,
    receiverRevocationKey: origin.receiverRevocation.pubkey,
    variant,
    feeRate: 1000n,
  };
}

describe('PSBTs with BIP32 key origins', () => {
  it('keyOrigin records the master fingerprint, the path and the derived key', () => {
    expect(toHex(origin.senderFunding.masterFingerprint)).to.equal(toHex(senderMaster.fingerprint));
    expect(toHex(origin.receiverFunding.masterFingerprint)).to.equal(toHex(receiverMaster.fingerprint));
    expect(toHex(origin.senderFunding.masterFingerprint)).to.not.equal(toHex(origin.receiverFunding.masterFingerprint));
    expect(origin.receiverRevocation.path).to.equal(PATHS.receiverRevocation);
    expect(toHex(origin.receiverRevocation.pubkey)).to.equal(toHex(receiverMaster.derivePath(PATHS.receiverRevocation).publicKey));
    expect(codeOf(() => keyOrigin(senderMaster, "m/84'/x"))).to.equal('INVALID_ARGUMENT');
    // A hardened step cannot be derived below a public-only node.
    expect(codeOf(() => keyOrigin(senderMaster.neutered(), PATHS.senderFunding))).to.equal('INVALID_KEY');
    expect(toHex(keyOrigin(senderMaster.neutered(), 'm/1017/0').pubkey)).to.equal(toHex(senderMaster.derivePath('m/1017/0').publicKey));
  });

  describe('funding', () => {
    it('carries witnessUtxo, nonWitnessUtxo, redeemScript, bip32Derivation and SIGHASH_ALL; annotates the funding and change outputs', () => {
      const psbt = createFundingPsbt(fundingP, fundingOpts);
      expect(psbt.inputCount).to.equal(2);
      fundingP.inputs.forEach((inp, i) => {
        const d = psbt.data.inputs[i]!;
        expect(toHex(d.witnessUtxo!.script)).to.equal(toHex(inp.script));
        expect(d.witnessUtxo!.value).to.equal(inp.value);
        expect(toHex(d.nonWitnessUtxo!)).to.equal(toHex(inp.prevTx!));
        expect(d.sighashType).to.equal(SIGHASH_ALL);
        expect(d.witnessScript).to.equal(undefined);
      });
      expect(psbt.data.inputs[0]!.redeemScript).to.equal(undefined);
      expect(toHex(psbt.data.inputs[1]!.redeemScript!)).to.equal(toHex(nestedRedeem));
      expectDerivations(psbt.data.inputs[0]!.bip32Derivation, [origin.senderWallet], 'P2WPKH input');
      expectDerivations(psbt.data.inputs[1]!.bip32Derivation, [origin.senderNestedWallet], 'P2SH-P2WPKH input');

      const plan = buildFundingTx(fundingP);
      expect(psbt.txOutputs).to.have.length(2);
      expect(toHex(psbt.data.outputs[0]!.witnessScript!)).to.equal(toHex(verifyChannelParams(channelFor(VARIANTS[0]!.variant)).fundingScript));
      expectDerivations(psbt.data.outputs[0]!.bip32Derivation, [origin.senderFunding, origin.receiverFunding], 'funding output');
      expect(psbt.txOutputs[0]!.value).to.equal(capacity);
      expect(toHex(psbt.txOutputs[1]!.script)).to.equal(toHex(changeScript));
      expect(psbt.txOutputs[1]!.value).to.equal(plan.outs[1]!.value);
      expectDerivations(psbt.data.outputs[1]!.bip32Derivation, [origin.senderChange], 'change output');
      expect(psbt.data.outputs[1]!.witnessScript).to.equal(undefined);
      verifyPsbtTransaction(psbt, plan);
    });

    it('without origins there is no bip32Derivation anywhere', () => {
      const psbt = createFundingPsbt(fundingP);
      for (const d of psbt.data.inputs) expect(d.bip32Derivation).to.equal(undefined);
      for (const d of psbt.data.outputs) expect(d.bip32Derivation).to.equal(undefined);
    });

    it('signed with the master, through base64, equals signing with the raw keys, and verifies', () => {
      const byMaster = createFundingPsbt(fundingP, fundingOpts);
      expect(signPsbtWithMaster(byMaster, receiverMaster)).to.equal(0);
      expect(signPsbtWithMaster(byMaster, senderMaster)).to.equal(2);
      const a = extractTransaction(finalizePsbt(roundTrip(byMaster)));

      const byKey = createFundingPsbt(fundingP);
      expect(signPsbtWithKey(byKey, privAt(senderMaster, PATHS.senderWallet))).to.equal(1);
      expect(signPsbtWithKey(byKey, privAt(senderMaster, PATHS.senderNestedWallet))).to.equal(1);
      const b = extractTransaction(finalizePsbt(byKey));

      expect(toHex(a.toBuffer())).to.equal(toHex(b.toBuffer()));
      expect(toHex(a.toBuffer())).to.equal(toHex(fundingTx.toBuffer()));
      expect(a.getId()).to.equal(buildFundingTx(fundingP).getId());
      verifyInputs(a.toBuffer(), fundingPrevouts);
    });

    it('combines two half-signed PSBTs; refuses another transaction, and finalizing without all signatures', () => {
      const one = createFundingPsbt(fundingP, fundingOpts);
      const two = createFundingPsbt(fundingP, fundingOpts);
      signPsbtInput(one, 0, privAt(senderMaster, PATHS.senderWallet));
      signPsbtInput(two, 1, privAt(senderMaster, PATHS.senderNestedWallet));
      refusesUnchanged(one, () => finalizePsbt(one.clone()), 'PSBT_INCOMPLETE');
      expect(codeOf(() => extractTransaction(one.clone()))).to.equal('PSBT_INCOMPLETE');
      const both = combinePsbts(roundTrip(one), roundTrip(two));
      expect(toHex(extractTransaction(finalizePsbt(both)).toBuffer())).to.equal(toHex(fundingTx.toBuffer()));
      const other = createFundingPsbt({ ...fundingP, capacity: capacity - 1n }, fundingOpts);
      refusesUnchanged(one, () => combinePsbts(one, other), 'PSBT_MISMATCH');
    });

    it('finalizePsbt keeps inputs a wallet already finalized, and is all or nothing', () => {
      const psbt = createFundingPsbt(fundingP, fundingOpts);
      signPsbtInput(psbt, 0, privAt(senderMaster, PATHS.senderWallet));
      psbt.finalizeInput(0); // as a wallet that finalizes what it signs would return it
      refusesUnchanged(psbt, () => finalizePsbt(psbt), 'PSBT_INCOMPLETE');
      signPsbtInput(psbt, 1, privAt(senderMaster, PATHS.senderNestedWallet));
      const tx = extractTransaction(finalizePsbt(roundTrip(psbt)));
      expect(toHex(tx.toBuffer())).to.equal(toHex(fundingTx.toBuffer()));
      // Finalizing a final PSBT again is harmless.
      const final = finalizePsbt(roundTrip(psbt));
      const again = final.toBase64();
      finalizePsbt(final);
      expect(final.toBase64()).to.equal(again);
    });

    it('verifyPsbtTransaction / verifyPsbtMatches refuse tampered outputs, input amounts and scripts', () => {
      const ours = createFundingPsbt(fundingP, fundingOpts);
      const plan = buildFundingTx(fundingP);
      const same = tamper(ours, {});
      verifyPsbtTransaction(same, plan);
      verifyPsbtMatches(same, ours);
      const cases: [string, Tamper][] = [
        ['change amount', { outputValue: { index: 1, value: plan.outs[1]!.value + 1n } }],
        ['funding amount', { outputValue: { index: 0, value: capacity - 1n } }],
        ['change script', { outputScript: { index: 1, script: p2wpkhScript(origin.receiverDestination.pubkey) } }],
      ];
      for (const [what, t] of cases) {
        expect(codeOf(() => verifyPsbtTransaction(tamper(ours, t), plan)), what).to.equal('PSBT_MISMATCH');
        expect(codeOf(() => verifyPsbtMatches(tamper(ours, t), ours)), what).to.equal('PSBT_MISMATCH');
      }
      expect(codeOf(() => verifyPsbtMatches(tamper(ours, { utxoValue: { index: 0, value: 7_000_000n } }), ours))).to.equal('PSBT_MISMATCH');
      expect(codeOf(() => verifyPsbtMatches(tamper(ours, { witnessScript: { index: 1, script: Uint8Array.from([0x51]) } }), ours))).to.equal('PSBT_MISMATCH');
      expect(codeOf(() => verifyPsbtMatches(tamper(ours, { sighashType: { index: 0, type: Transaction.SIGHASH_NONE } }), ours))).to.equal('PSBT_MISMATCH');
    });
  });

  for (const { name, variant } of VARIANTS) {
    describe(name, () => {
      const channel = channelFor(variant);
      const ctx = verifyChannelParams(channel);
      const sender = new PaymentSigner(ctx, 'sender', privAt(senderMaster, PATHS.senderFunding));
      const receiver = new PaymentSigner(ctx, 'receiver', privAt(receiverMaster, PATHS.receiverFunding));
      const fundingPrevout: Prevout[] = [{ script: ctx.fundingScriptPubKey, value: capacity }];
      const fundingBytes = fundingTx.toBuffer();

      function senderVersion(state: number, amount: bigint): Transaction {
        const hash = sender.senderVersionHash(BigInt(state), amount, K(state).pub);
        return sender.completeSenderVersion(BigInt(state), amount, K(state).pub, receiver.sign(hash));
      }

      // --- the three spends of the funding output (2-of-2) ------------------------

      interface TwoOfTwo {
        readonly name: string;
        create(opts?: { origins?: ChannelKeyOrigins; fundingTx?: Uint8Array }, change?: boolean): Psbt;
        build(): Transaction;
        /** What PaymentSigner produces. */
        hot(): Transaction;
        /** Output annotations: origins and witness script per output. */
        outputs: { origins: KeyOrigin[]; witnessScript?: Uint8Array }[];
      }

      const sp: SenderPaymentParams = { channel, index: 7n, amount: 250_000n, updateKey: K(7).pub };
      const rp: ReceiverPaymentParams = { channel, index: 7n, amount: 250_000n };
      const cp: CloseParams = { channel, amount: 400_000n, feeRate: 2500n };
      const kinds: TwoOfTwo[] = [
        {
          name: 'sender\'s version',
          create: (o, change) => createSenderPaymentPsbt(change ? { ...sp, amount: sp.amount + 1n } : sp, o),
          build: () => buildSenderPaymentTx(sp),
          hot: () => senderVersion(7, 250_000n),
          outputs: [
            { origins: [origin.receiverPayout] },
            // K_7 has no origin: only R_r and S_p are annotated in the revocable script.
            { origins: [origin.receiverRevocation, origin.senderPayout], witnessScript: revocableScriptFor(ctx, K(7).pub) },
          ],
        },
        {
          name: 'receiver\'s version',
          create: (o, change) => createReceiverPaymentPsbt(change ? { ...rp, index: rp.index + 1n } : rp, o),
          build: () => buildReceiverPaymentTx(rp),
          hot: () => receiver.completeReceiverVersion(7n, 250_000n, sender.sign(receiver.receiverVersionHash(7n, 250_000n))),
          outputs: [{ origins: [origin.receiverPayout] }, { origins: [origin.senderPayout] }],
        },
        {
          name: 'cooperative close',
          create: (o, change) => createClosePsbt(change ? { ...cp, feeRate: cp.feeRate + 1000n } : cp, o),
          build: () => buildCooperativeCloseTx(cp),
          hot: () => receiver.completeClose(400_000n, 2500n, sender.sign(sender.closeHash(400_000n, 2500n))),
          outputs: [{ origins: [origin.receiverPayout] }, { origins: [origin.senderPayout] }],
        },
      ];

      for (const kind of kinds) {
        describe(kind.name, () => {
          const full = { origins: channelOrigins, fundingTx: fundingBytes };

          it('carries witnessUtxo, witnessScript, nonWitnessUtxo, both funding keys\' origins, SIGHASH_ALL and output annotations', () => {
            const psbt = kind.create(full);
            verifyPsbtTransaction(psbt, kind.build());
            expect(psbt.inputCount).to.equal(1);
            const input = psbt.data.inputs[0]!;
            expect(toHex(input.witnessUtxo!.script)).to.equal(toHex(ctx.fundingScriptPubKey));
            expect(input.witnessUtxo!.value).to.equal(capacity);
            expect(toHex(input.witnessScript!)).to.equal(toHex(ctx.fundingScript));
            expect(toHex(input.nonWitnessUtxo!)).to.equal(toHex(fundingBytes));
            expect(input.sighashType).to.equal(SIGHASH_ALL);
            expectDerivations(input.bip32Derivation, [origin.senderFunding, origin.receiverFunding], 'funding input');
            expect(psbt.txOutputs).to.have.length(kind.outputs.length);
            kind.outputs.forEach((o, i) => {
              expectDerivations(psbt.data.outputs[i]!.bip32Derivation, o.origins, `output ${i}`);
              if (o.witnessScript) expect(toHex(psbt.data.outputs[i]!.witnessScript!)).to.equal(toHex(o.witnessScript));
              else expect(psbt.data.outputs[i]!.witnessScript).to.equal(undefined);
            });
          });

          it('carries only the origins it is given, and no nonWitnessUtxo without fundingTx', () => {
            const psbt = kind.create({ origins: senderOnlyOrigins });
            const input = psbt.data.inputs[0]!;
            expect(input.nonWitnessUtxo).to.equal(undefined);
            expectDerivations(input.bip32Derivation, [origin.senderFunding], 'funding input');
            expect(psbt.data.outputs[0]!.bip32Derivation).to.equal(undefined);
            const bare = kind.create();
            expect(bare.data.inputs[0]!.bip32Derivation).to.equal(undefined);
            expect(toHex(bare.data.inputs[0]!.witnessScript!)).to.equal(toHex(ctx.fundingScript));
          });

          it('each master signs its own key; through base64 and addPartialSignature the result equals the hot path and verifies', () => {
            const senderPsbt = kind.create(full);
            const receiverPsbt = kind.create(full);
            expect(signPsbtWithMaster(senderPsbt, senderMaster)).to.equal(1);
            expect(signPsbtWithMaster(receiverPsbt, receiverMaster)).to.equal(1);
            const [receiverSig] = partialSignatures(receiverPsbt, 0);
            expect(toHex(receiverSig!.pubkey)).to.equal(toHex(origin.receiverFunding.pubkey));
            expect(receiverSig!.signature[receiverSig!.signature.length - 1]).to.equal(SIGHASH_ALL);

            const atSender = roundTrip(senderPsbt);
            addPartialSignature(atSender, 0, origin.receiverFunding.pubkey, receiverSig!.signature);
            expect(partialSignatures(atSender, 0)).to.have.length(2);
            expect(channelWitness(atSender, 0)!.branch).to.equal('multisig');
            const tx = extractTransaction(finalizePsbt(atSender));
            expect(witnessItems(tx, 0)).to.have.length(4);
            expect(toHex(tx.toBuffer())).to.equal(toHex(kind.hot().toBuffer()));
            expect(tx.getId()).to.equal(kind.build().getId());
            verifyInputs(tx.toBuffer(), fundingPrevout);
          });

          it('signing with the raw funding keys gives the same signatures as the masters', () => {
            const byKey = kind.create();
            expect(signPsbtWithKey(byKey, privAt(senderMaster, PATHS.senderFunding))).to.equal(1);
            expect(signPsbtWithKey(byKey, privAt(receiverMaster, PATHS.receiverFunding))).to.equal(1);
            expect(signPsbtWithKey(byKey, privAt(receiverMaster, PATHS.receiverPayout))).to.equal(0);
            expect(toHex(extractTransaction(finalizePsbt(byKey)).toBuffer())).to.equal(toHex(kind.hot().toBuffer()));
          });

          it('addPartialSignature refuses bad signatures and foreign keys, leaving the PSBT unchanged', () => {
            const psbt = roundTrip((() => {
              const p = kind.create(full);
              signPsbtWithMaster(p, senderMaster);
              return p;
            })());
            const receiverPsbt = kind.create(full);
            signPsbtWithMaster(receiverPsbt, receiverMaster);
            const good = partialSignatures(receiverPsbt, 0)[0]!.signature;
            const otherPsbt = kind.create(full, true);
            signPsbtWithMaster(otherPsbt, receiverMaster);
            const overOther = partialSignatures(otherPsbt, 0)[0]!.signature;
            const senderSig = partialSignatures(psbt, 0)[0]!.signature;
            const R_f = origin.receiverFunding.pubkey;

            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, R_f, overOther), 'INVALID_SIGNATURE');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, R_f, senderSig), 'INVALID_SIGNATURE');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, R_f, highS(good)), 'INVALID_SIGNATURE');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, R_f, paddedR(good)), 'INVALID_SIGNATURE');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, R_f, Uint8Array.from([...good.subarray(0, -1), 0x81])), 'INVALID_SIGNATURE');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, origin.receiverPayout.pubkey, good), 'INVALID_KEY');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, origin.receiverRevocation.pubkey, good), 'INVALID_KEY');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, ecc.pointCompress(R_f, false) as PublicKey, good), 'INVALID_KEY');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 1, R_f, good), 'INVALID_ARGUMENT');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0.5, R_f, good), 'INVALID_ARGUMENT');
            refusesUnchanged(psbt, () => addPartialSignature(psbt, -1, R_f, good), 'INVALID_ARGUMENT');
            // And the good one still goes in afterwards; adding it again changes nothing, another one by the same key is refused.
            addPartialSignature(psbt, 0, R_f, good);
            const withBoth = psbt.toBase64();
            addPartialSignature(psbt, 0, R_f, good);
            expect(psbt.toBase64()).to.equal(withBoth);
            refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, R_f, overOther), 'INVALID_SIGNATURE');
            expect(toHex(extractTransaction(finalizePsbt(psbt)).toBuffer())).to.equal(toHex(kind.hot().toBuffer()));
          });

          it('signing with a key the input does not use is INVALID_KEY, leaving the PSBT unchanged', () => {
            const psbt = kind.create(full);
            refusesUnchanged(psbt, () => signPsbtInput(psbt, 0, privAt(receiverMaster, PATHS.receiverPayout)), 'INVALID_KEY');
            refusesUnchanged(psbt, () => signPsbtInput(psbt, 0, K(7).priv), 'INVALID_KEY');
          });

          it('combinePsbts merges the parties\' separately signed PSBTs; refuses a PSBT of another transaction', () => {
            const a = kind.create(full);
            const b = kind.create({ origins: senderOnlyOrigins });
            signPsbtWithMaster(a, receiverMaster);
            signPsbtWithKey(b, privAt(senderMaster, PATHS.senderFunding));
            const both = combinePsbts(roundTrip(a), roundTrip(b));
            expect(partialSignatures(a, 0)).to.have.length(1);
            expect(partialSignatures(both, 0)).to.have.length(2);
            expect(toHex(extractTransaction(finalizePsbt(both)).toBuffer())).to.equal(toHex(kind.hot().toBuffer()));

            const other = kind.create(full, true);
            signPsbtWithMaster(other, senderMaster);
            refusesUnchanged(a, () => combinePsbts(a, other), 'PSBT_MISMATCH');
            for (const k of kinds.filter((x) => x !== kind)) {
              expect(codeOf(() => combinePsbts(a, k.create(full))), k.name).to.equal('PSBT_MISMATCH');
            }
          });

          it('verifyPsbtTransaction / verifyPsbtMatches accept our own and refuse tampered amounts and scripts', () => {
            const ours = kind.create(full);
            const theirs = roundTrip(kind.create({ origins: senderOnlyOrigins, fundingTx: fundingBytes }));
            verifyPsbtTransaction(theirs, kind.build());
            verifyPsbtMatches(theirs, ours);
            verifyPsbtMatches(tamper(ours, {}), ours);
            const last = kind.outputs.length - 1;
            const tx = kind.build();
            const outputTampers: [string, Tamper][] = [
              ['output amount', { outputValue: { index: 0, value: tx.outs[0]!.value + 1n } }],
              ['last output amount', { outputValue: { index: last, value: tx.outs[last]!.value - 1n } }],
              ['output script', { outputScript: { index: 0, script: p2wpkhScript(origin.senderDestination.pubkey) } }],
              ['last output script', { outputScript: { index: last, script: p2wpkhScript(origin.senderDestination.pubkey) } }],
            ];
            for (const [what, t] of outputTampers) {
              expect(codeOf(() => verifyPsbtTransaction(tamper(ours, t), tx)), what).to.equal('PSBT_MISMATCH');
              expect(codeOf(() => verifyPsbtMatches(tamper(ours, t), ours)), what).to.equal('PSBT_MISMATCH');
            }
            const inputTampers: [string, Tamper][] = [
              ['witnessUtxo amount', { utxoValue: { index: 0, value: capacity + 1n } }],
              ['witnessScript', { witnessScript: { index: 0, script: revocableScriptFor(ctx, K(1).pub) } }],
              ['missing witnessScript', { witnessScript: { index: 0, script: undefined } }],
              ['sighash type', { sighashType: { index: 0, type: Transaction.SIGHASH_NONE } }],
            ];
            for (const [what, t] of inputTampers) {
              expect(codeOf(() => verifyPsbtMatches(tamper(ours, t), ours)), what).to.equal('PSBT_MISMATCH');
            }
          });

          it('finalizePsbt with one signature missing is PSBT_INCOMPLETE; extractTransaction before finalizing too', () => {
            for (const [who, master] of [['sender', senderMaster], ['receiver', receiverMaster]] as const) {
              const psbt = kind.create(full);
              signPsbtWithMaster(psbt, master);
              refusesUnchanged(psbt, () => finalizePsbt(psbt), 'PSBT_INCOMPLETE');
              expect(codeOf(() => extractTransaction(psbt)), who).to.equal('PSBT_INCOMPLETE');
            }
            const unsigned = kind.create(full);
            refusesUnchanged(unsigned, () => finalizePsbt(unsigned), 'PSBT_INCOMPLETE');
          });
        });
      }

      // --- penalty claim ------------------------------------------------------------

      describe('penalty claim', () => {
        const revoked = senderVersion(3, 100_000n);
        const revokedBytes = revoked.toBuffer();
        const destination = p2wpkhScript(origin.receiverDestination.pubkey);
        const pp: PenaltyParams = { channel, revokedTx: revokedBytes, updateKey: K(3).pub, destinationScript: destination, feeRate: 2000n };
        const receiverOrigins = [origin.receiverFunding, origin.receiverPayout, origin.receiverRevocation, origin.senderPayout, origin.receiverDestination];
        const hot = () => signPenaltyTx(pp, {
          updateSecret: K(3).priv,
          revocationKey: privAt(receiverMaster, PATHS.receiverRevocation),
          receiverPayoutKey: privAt(receiverMaster, PATHS.receiverPayout),
        });

        it('carries both inputs\' utxos, the revocable witnessScript, origins, SIGHASH_ALL and the destination\'s origin', () => {
          const psbt = createPenaltyPsbt(pp, { origins: receiverOrigins });
          verifyPsbtTransaction(psbt, buildPenaltyTx(pp));
          expect(psbt.inputCount).to.equal(2);
          const [rev, own] = psbt.data.inputs as [typeof psbt.data.inputs[0], typeof psbt.data.inputs[0]];
          const revVout = psbt.txInputs[0]!.index;
          const ownVout = psbt.txInputs[1]!.index;
          expect(toHex(rev.witnessUtxo!.script)).to.equal(toHex(revoked.outs[revVout]!.script));
          expect(rev.witnessUtxo!.value).to.equal(revoked.outs[revVout]!.value);
          expect(toHex(rev.witnessScript!)).to.equal(toHex(revocableScriptFor(ctx, K(3).pub)));
          expect(toHex(rev.nonWitnessUtxo!)).to.equal(toHex(revokedBytes));
          expect(rev.sighashType).to.equal(SIGHASH_ALL);
          expectDerivations(rev.bip32Derivation, [origin.receiverRevocation, origin.senderPayout], 'revocable input');
          expect(toHex(own.witnessUtxo!.script)).to.equal(toHex(p2wpkhScript(origin.receiverPayout.pubkey)));
          expect(own.witnessUtxo!.value).to.equal(revoked.outs[ownVout]!.value);
          expect(own.witnessScript).to.equal(undefined);
          expect(toHex(own.nonWitnessUtxo!)).to.equal(toHex(revokedBytes));
          expect(own.sighashType).to.equal(SIGHASH_ALL);
          expectDerivations(own.bip32Derivation, [origin.receiverPayout], 'receiver output input');
          expectDerivations(psbt.data.outputs[0]!.bip32Derivation, [origin.receiverDestination], 'destination');
        });

        it('signed by the receiver\'s master and the revealed per-update key, finalized through the penalty branch, equals signPenaltyTx and verifies', () => {
          const psbt = createPenaltyPsbt(pp, { origins: receiverOrigins });
          expect(signPsbtWithMaster(psbt, receiverMaster)).to.equal(2);
          const moved = roundTrip(psbt);
          expect(signPsbtWithKey(moved, K(3).priv)).to.equal(1);
          expect(channelWitness(moved, 0)!.branch).to.equal('penalty');
          expect(channelWitness(moved, 1)).to.equal(undefined);
          const tx = extractTransaction(finalizePsbt(roundTrip(moved)));
          expect(witnessItems(tx, 0)).to.have.length(3);
          expect(witnessItems(tx, 1)).to.have.length(2);
          expect(toHex(tx.toBuffer())).to.equal(toHex(hot().toBuffer()));
          verifyInputs(tx.toBuffer(), prevoutsOf(revoked, tx));
        });

        it('the K_i signature can come from elsewhere through addPartialSignature; a wrong one is refused', () => {
          const psbt = createPenaltyPsbt(pp, { origins: receiverOrigins });
          signPsbtWithMaster(psbt, receiverMaster);
          const elsewhere = createPenaltyPsbt(pp);
          signPsbtInput(elsewhere, 0, K(3).priv);
          const kSig = partialSignatures(elsewhere, 0)[0]!;
          expect(toHex(kSig.pubkey)).to.equal(toHex(K(3).pub));
          const wrong = createPenaltyPsbt({ ...pp, feeRate: 3000n });
          signPsbtInput(wrong, 0, K(3).priv);
          refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, K(3).pub, partialSignatures(wrong, 0)[0]!.signature), 'INVALID_SIGNATURE');
          refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, K(4).pub, kSig.signature), 'INVALID_KEY');
          refusesUnchanged(psbt, () => addPartialSignature(psbt, 1, K(3).pub, kSig.signature), 'INVALID_KEY');
          addPartialSignature(psbt, 0, K(3).pub, kSig.signature);
          expect(toHex(extractTransaction(finalizePsbt(psbt)).toBuffer())).to.equal(toHex(hot().toBuffer()));
        });

        it('claiming the revocable output alone', () => {
          const alone = { ...pp, sweepReceiverOutput: false };
          const psbt = createPenaltyPsbt(alone, { origins: receiverOrigins });
          expect(psbt.inputCount).to.equal(1);
          expect(signPsbtWithMaster(psbt, receiverMaster)).to.equal(1);
          expect(signPsbtWithKey(psbt, K(3).priv)).to.equal(1);
          const tx = extractTransaction(finalizePsbt(psbt));
          expect(toHex(tx.toBuffer())).to.equal(toHex(signPenaltyTx(alone, {
            updateSecret: K(3).priv, revocationKey: privAt(receiverMaster, PATHS.receiverRevocation),
          }).toBuffer()));
          verifyInputs(tx.toBuffer(), prevoutsOf(revoked, tx));
        });

        it('PSBT_INCOMPLETE without the K_i signature, without R_r\'s, or without the receiver output\'s', () => {
          const noK = createPenaltyPsbt(pp, { origins: receiverOrigins });
          signPsbtWithMaster(noK, receiverMaster);
          refusesUnchanged(noK, () => finalizePsbt(noK), 'PSBT_INCOMPLETE');

          const onlyK = createPenaltyPsbt(pp, { origins: receiverOrigins });
          signPsbtWithKey(onlyK, K(3).priv);
          signPsbtInput(onlyK, 1, privAt(receiverMaster, PATHS.receiverPayout));
          expect(codeOf(() => channelWitness(onlyK, 0))).to.equal('PSBT_INCOMPLETE');
          refusesUnchanged(onlyK, () => finalizePsbt(onlyK), 'PSBT_INCOMPLETE');

          // Input 0 is complete, input 1 is not: all or nothing, so input 0 keeps its signatures.
          const noOwn = createPenaltyPsbt(pp, { origins: receiverOrigins });
          signPsbtWithKey(noOwn, K(3).priv);
          signPsbtInput(noOwn, 0, privAt(receiverMaster, PATHS.receiverRevocation));
          refusesUnchanged(noOwn, () => finalizePsbt(noOwn), 'PSBT_INCOMPLETE');
          expect(codeOf(() => extractTransaction(noOwn))).to.equal('PSBT_INCOMPLETE');
          expect(partialSignatures(noOwn, 0)).to.have.length(2);
          signPsbtInput(noOwn, 1, privAt(receiverMaster, PATHS.receiverPayout));
          expect(toHex(extractTransaction(finalizePsbt(noOwn)).toBuffer())).to.equal(toHex(hot().toBuffer()));
        });

        it('combinePsbts of the master-signed and the K_i-signed PSBTs', () => {
          const a = createPenaltyPsbt(pp, { origins: receiverOrigins });
          const b = createPenaltyPsbt(pp);
          signPsbtWithMaster(a, receiverMaster);
          signPsbtWithKey(b, K(3).priv);
          const both = combinePsbts(roundTrip(a), roundTrip(b));
          expect(toHex(extractTransaction(finalizePsbt(both)).toBuffer())).to.equal(toHex(hot().toBuffer()));
          refusesUnchanged(a, () => combinePsbts(a, createPenaltyPsbt({ ...pp, sweepReceiverOutput: false })), 'PSBT_MISMATCH');
        });

        it('verifyPsbtTransaction / verifyPsbtMatches refuse tampered outputs, input amounts and witness scripts', () => {
          const ours = createPenaltyPsbt(pp, { origins: receiverOrigins });
          const tx = buildPenaltyTx(pp);
          verifyPsbtMatches(roundTrip(createPenaltyPsbt(pp)), ours);
          verifyPsbtMatches(tamper(ours, {}), ours);
          for (const [what, t] of [
            ['output amount', { outputValue: { index: 0, value: tx.outs[0]!.value - 1n } }],
            ['output script', { outputScript: { index: 0, script: p2wpkhScript(origin.senderDestination.pubkey) } }],
          ] as [string, Tamper][]) {
            expect(codeOf(() => verifyPsbtTransaction(tamper(ours, t), tx)), what).to.equal('PSBT_MISMATCH');
            expect(codeOf(() => verifyPsbtMatches(tamper(ours, t), ours)), what).to.equal('PSBT_MISMATCH');
          }
          for (const [what, t] of [
            ['revocable amount', { utxoValue: { index: 0, value: 1n } }],
            ['receiver output amount', { utxoValue: { index: 1, value: 1n } }],
            ['revocable witnessScript', { witnessScript: { index: 0, script: revocableScriptFor(ctx, K(4).pub) } }],
            ['witnessScript added to the P2WPKH input', { witnessScript: { index: 1, script: ctx.fundingScript } }],
          ] as [string, Tamper][]) {
            expect(codeOf(() => verifyPsbtMatches(tamper(ours, t), ours)), what).to.equal('PSBT_MISMATCH');
          }
        });
      });

      // --- timeout sweep --------------------------------------------------------------

      describe('timeout sweep', () => {
        const latest = senderVersion(5, 300_000n);
        const latestBytes = latest.toBuffer();
        const destination = p2wpkhScript(origin.senderDestination.pubkey);
        const tp: TimeoutParams = { channel, senderTx: latestBytes, updateKey: K(5).pub, destinationScript: destination, feeRate: 1000n };
        const senderOrigins = [origin.senderFunding, origin.senderPayout, origin.receiverRevocation, origin.senderDestination];
        const hot = () => signTimeoutTx(tp, privAt(senderMaster, PATHS.senderPayout));

        it('carries the revocable utxo, witnessScript, origins, SIGHASH_ALL, the lock, and the destination\'s origin', () => {
          const psbt = createTimeoutPsbt(tp, { origins: senderOrigins });
          verifyPsbtTransaction(psbt, buildTimeoutTx(tp));
          expect(psbt.inputCount).to.equal(1);
          const input = psbt.data.inputs[0]!;
          const vout = psbt.txInputs[0]!.index;
          expect(toHex(input.witnessUtxo!.script)).to.equal(toHex(latest.outs[vout]!.script));
          expect(input.witnessUtxo!.value).to.equal(latest.outs[vout]!.value);
          expect(toHex(input.witnessScript!)).to.equal(toHex(revocableScriptFor(ctx, K(5).pub)));
          expect(toHex(input.nonWitnessUtxo!)).to.equal(toHex(latestBytes));
          expect(input.sighashType).to.equal(SIGHASH_ALL);
          expectDerivations(input.bip32Derivation, [origin.receiverRevocation, origin.senderPayout], 'revocable input');
          expectDerivations(psbt.data.outputs[0]!.bip32Derivation, [origin.senderDestination], 'destination');
          if (variant.kind === 'cltv') {
            expect(psbt.locktime).to.equal('height' in variant.expiry ? variant.expiry.height : variant.expiry.time);
            expect(psbt.txInputs[0]!.sequence).to.equal(0xfffffffd);
          } else {
            expect(psbt.version).to.equal(2);
            expect(psbt.txInputs[0]!.sequence).to.equal(variant.delay.blocks);
          }
        });

        it('signed by the sender\'s master, finalized through the timeout branch, equals signTimeoutTx and verifies', () => {
          const psbt = createTimeoutPsbt(tp, { origins: senderOrigins });
          expect(signPsbtWithMaster(psbt, receiverMaster)).to.equal(1); // R_r is listed too; the receiver could sign it, uselessly
          const fresh = createTimeoutPsbt(tp, { origins: senderOrigins });
          expect(signPsbtWithMaster(fresh, senderMaster)).to.equal(1);
          const moved = roundTrip(fresh);
          expect(channelWitness(moved, 0)!.branch).to.equal('timeout');
          const tx = extractTransaction(finalizePsbt(moved));
          expect(witnessItems(tx, 0)).to.have.length(3);
          expect(witnessItems(tx, 0)[1]).to.equal('');
          expect(toHex(tx.toBuffer())).to.equal(toHex(hot().toBuffer()));
          verifyInputs(tx.toBuffer(), prevoutsOf(latest, tx));
        });

        it('PSBT_INCOMPLETE unsigned, or signed only by K_i or R_r', () => {
          const unsigned = createTimeoutPsbt(tp, { origins: senderOrigins });
          refusesUnchanged(unsigned, () => finalizePsbt(unsigned), 'PSBT_INCOMPLETE');
          const byK = createTimeoutPsbt(tp);
          expect(signPsbtWithKey(byK, K(5).priv)).to.equal(1);
          refusesUnchanged(byK, () => finalizePsbt(byK), 'PSBT_INCOMPLETE');
          const byR = createTimeoutPsbt(tp, { origins: senderOrigins });
          signPsbtWithMaster(byR, receiverMaster);
          refusesUnchanged(byR, () => finalizePsbt(byR), 'PSBT_INCOMPLETE');
        });

        it('addPartialSignature and combinePsbts, and their refusals', () => {
          const signed = createTimeoutPsbt(tp);
          signPsbtWithKey(signed, privAt(senderMaster, PATHS.senderPayout));
          const sig = partialSignatures(signed, 0)[0]!.signature;
          const psbt = roundTrip(createTimeoutPsbt(tp, { origins: senderOrigins }));
          refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, origin.receiverRevocation.pubkey, sig), 'INVALID_SIGNATURE');
          refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, origin.receiverPayout.pubkey, sig), 'INVALID_KEY');
          refusesUnchanged(psbt, () => addPartialSignature(psbt, 0, origin.senderPayout.pubkey, highS(sig)), 'INVALID_SIGNATURE');
          addPartialSignature(psbt, 0, origin.senderPayout.pubkey, sig);
          expect(toHex(extractTransaction(finalizePsbt(psbt)).toBuffer())).to.equal(toHex(hot().toBuffer()));

          const combined = combinePsbts(createTimeoutPsbt(tp, { origins: senderOrigins }), signed);
          expect(toHex(extractTransaction(finalizePsbt(combined)).toBuffer())).to.equal(toHex(hot().toBuffer()));
          refusesUnchanged(signed, () => combinePsbts(signed, createTimeoutPsbt({ ...tp, feeRate: 1500n })), 'PSBT_MISMATCH');
        });

        it('verifyPsbtTransaction / verifyPsbtMatches refuse tampered outputs, input amount and witness script', () => {
          const ours = createTimeoutPsbt(tp, { origins: senderOrigins });
          const tx = buildTimeoutTx(tp);
          verifyPsbtMatches(roundTrip(createTimeoutPsbt(tp)), ours);
          for (const [what, t] of [
            ['output amount', { outputValue: { index: 0, value: tx.outs[0]!.value + 1n } }],
            ['output script', { outputScript: { index: 0, script: p2wpkhScript(origin.receiverDestination.pubkey) } }],
          ] as [string, Tamper][]) {
            expect(codeOf(() => verifyPsbtTransaction(tamper(ours, t), tx)), what).to.equal('PSBT_MISMATCH');
            expect(codeOf(() => verifyPsbtMatches(tamper(ours, t), ours)), what).to.equal('PSBT_MISMATCH');
          }
          for (const [what, t] of [
            ['revocable amount', { utxoValue: { index: 0, value: tx.outs[0]!.value } }],
            ['witnessScript', { witnessScript: { index: 0, script: revocableScriptFor(ctx, K(4).pub) } }],
          ] as [string, Tamper][]) {
            expect(codeOf(() => verifyPsbtMatches(tamper(ours, t), ours)), what).to.equal('PSBT_MISMATCH');
          }
        });
      });
    });
  }
});
