/**
 * Corpus of PSBTs a dishonest or buggy counterparty could send: for each
 * transaction kind, our own PSBT with one thing changed (an output amount or
 * script, an input amount, script or sequence, the locktime or version, the
 * witness script, the sighash type, an input or output added or removed).
 * Checking, signing, combining and finalizing must refuse them with a typed
 * code and leave every PSBT passed in unchanged.
 */
import { BIP32Factory, BIP32Interface } from 'bip32';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import {
  ChannelParams, ErrorCode, FundingInput, FundingParams, PaymentSigner, PrivateKey, PublicKey,
  asPrivateKey, buildCooperativeCloseTx, buildFundingTx, buildPenaltyTx, buildReceiverPaymentTx, buildSenderPaymentTx, buildTimeoutTx,
  createClosePsbt, createFundingPsbt, createPenaltyPsbt, createReceiverPaymentPsbt, createSenderPaymentPsbt, createTimeoutPsbt,
  deriveChannelSeed, deriveUpdateKey, deriveUpdateSecret, finalizePsbt, fundingOutpoint, keyOrigin, p2wpkhScript, partialSignatures,
  signPsbtInput, toHex, verifyChannelParams,
} from '../../../lib';
import { RawPsbt, Ref } from '../../support/bad-inputs-codec';
import { PSBT_CHANNEL_ORIGINS, PSBT_ORIGINS, PSBT_PATHS, receiverMaster, senderMaster } from '../../support/psbt-keys';
import { CaseSpec, FileSpec, ValidSpec } from './format';
import { highS, malformedSignatures, paddedR } from './values';

const bip32 = BIP32Factory(ecc);
const PATHS = PSBT_PATHS;
const privAt = (m: BIP32Interface, p: string): PrivateKey => asPrivateKey(Uint8Array.from(m.derivePath(p).privateKey!));
const o = PSBT_ORIGINS;
const channelOrigins = PSBT_CHANNEL_ORIGINS;
const seed = deriveChannelSeed(senderMaster, 0);
const K = (i: number) => ({ priv: deriveUpdateSecret(seed, BigInt(i)), pub: deriveUpdateKey(seed, BigInt(i)) });
const attacker = p2wpkhScript(keyOrigin(bip32.fromSeed(Buffer.alloc(32, 0x42)), 'm/0').pubkey);

// ---------------------------------------------------------------------------
// Tampering: a copy of a PSBT with fields changed, built field by field as a counterparty would.

interface Tamper {
  readonly outputValue?: { index: number; delta: bigint };
  readonly outputScript?: { index: number; script: Uint8Array };
  readonly dropOutput?: number;
  readonly addOutput?: { script: Uint8Array; value: bigint };
  readonly swapOutputs?: boolean;
  readonly sequence?: { index: number; sequence: number };
  readonly locktime?: number;
  readonly version?: number;
  readonly outpoint?: { index: number; vout: number };
  readonly addInput?: boolean;
  /** Input metadata: value undefined removes the field. */
  readonly input?: { index: number; fields: Record<string, unknown> };
  readonly output?: { index: number; fields: Record<string, unknown> };
}

function tamper(src: Psbt, t: Tamper): Psbt {
  const p = new Psbt();
  p.setVersion(t.version ?? src.version);
  p.setLocktime(t.locktime ?? src.locktime);
  src.txInputs.forEach((ti, i) => {
    const d: Record<string, unknown> = { ...src.data.inputs[i]! };
    if (t.input?.index === i) {
      for (const [k, v] of Object.entries(t.input.fields)) {
        if (v === undefined) delete d[k];
        else d[k] = v;
      }
    }
    const index = t.outpoint?.index === i ? t.outpoint.vout : ti.index;
    if (t.outpoint?.index === i) delete d.nonWitnessUtxo;
    const sequence = t.sequence?.index === i ? t.sequence.sequence : ti.sequence;
    p.addInput({ hash: ti.hash, index, sequence, ...d } as never);
  });
  if (t.addInput) {
    p.addInput({ hash: new Uint8Array(32).fill(0x77), index: 0, witnessUtxo: { script: attacker, value: 5000n } });
  }
  const outs = src.txOutputs.map((to, i) => ({ ...src.data.outputs[i]!, script: to.script, value: to.value }));
  if (t.swapOutputs) outs.reverse();
  outs.forEach((out, i) => {
    if (t.dropOutput === i) return;
    let { value, script } = out;
    if (t.outputValue?.index === i) value += t.outputValue.delta;
    if (t.outputScript?.index === i) script = t.outputScript.script;
    const extra: Record<string, unknown> = {};
    if (t.output?.index === i) Object.assign(extra, t.output.fields);
    const { script: _s, value: _v, ...meta } = out;
    p.addOutput({ ...meta, ...extra, script, value } as never);
  });
  if (t.addOutput) p.addOutput(t.addOutput);
  return p;
}

// ---------------------------------------------------------------------------
// The kinds.

interface Kind {
  readonly name: string;
  readonly file: string;
  readonly ours: Psbt;
  /** The same PSBT with nonWitnessUtxo, when the kind can carry it. */
  readonly oursWithPrevTx?: Psbt;
  readonly expectedTx: Transaction;
  /** Our key for this PSBT's first input, and the counterparty's key and valid signature for it. */
  readonly ownKey: PrivateKey;
  readonly counterparty?: { pub: PublicKey; sig: Uint8Array };
  /** A PSBT of another transaction of the same channel. */
  readonly other: Psbt;
  /** Inputs spending a witness script (P2WSH). */
  readonly scriptInputs: number[];
}

function coin(value: bigint, tag: number): FundingInput {
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(new Uint8Array(32).fill(tag), 0);
  const script = p2wpkhScript(o.senderWallet.pubkey);
  prev.addOutput(script, value);
  return { txid: prev.getId(), vout: 0, value, script, prevTx: prev.toBuffer() };
}

function kinds(): Kind[] {
  const capacity = 1_000_000n;
  // Two coins of the same wallet key, so one key signs two inputs.
  const withPrev: FundingParams = {
    inputs: [coin(600_000n, 1), coin(500_000n, 2)], capacity,
    senderFundingKey: o.senderFunding.pubkey, receiverFundingKey: o.receiverFunding.pubkey, changeScript: p2wpkhScript(o.senderChange.pubkey), feeRate: 1000n,
  };
  const bare: FundingParams = { ...withPrev, inputs: withPrev.inputs.map(({ prevTx: _p, ...i }) => i) };
  const fundingOpts = { origins: [o.senderWallet, o.senderChange], channelOrigins };
  const fundingTx = buildFundingTx(bare);
  const channel: ChannelParams = {
    fundingOutpoint: fundingOutpoint(fundingTx), capacity, senderFundingKey: o.senderFunding.pubkey, receiverFundingKey: o.receiverFunding.pubkey,
    senderPayoutKey: o.senderPayout.pubkey, receiverPayoutKey: o.receiverPayout.pubkey, receiverRevocationKey: o.receiverRevocation.pubkey,
    variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n,
  };
  const ctx = verifyChannelParams(channel);
  const sender = new PaymentSigner(ctx, 'sender', privAt(senderMaster, PATHS.senderFunding));
  const receiver = new PaymentSigner(ctx, 'receiver', privAt(receiverMaster, PATHS.receiverFunding));
  const senderVersion = (state: number, amount: bigint) => sender.completeSenderVersion(BigInt(state), amount, K(state).pub, receiver.sign(sender.senderVersionHash(BigInt(state), amount, K(state).pub)));
  const revoked = senderVersion(3, 100_000n);
  const latest = senderVersion(5, 300_000n);
  const dest = p2wpkhScript(o.receiverDestination.pubkey);
  const opts = { origins: channelOrigins };
  const full = { origins: channelOrigins, fundingTx: fundingTx.toBuffer() };

  /** The counterparty's signature for input `index` of `psbt`, made by signing a copy. */
  const sigOf = (psbt: Psbt, key: PrivateKey, pub: PublicKey, index = 0) => {
    const c = psbt.clone();
    signPsbtInput(c, index, key);
    return { pub, sig: partialSignatures(c, index).find((s) => toHex(s.pubkey) === toHex(pub))!.signature };
  };

  const sp = { channel, state: 7n, amount: 250_000n, updateKey: K(7).pub };
  const rp = { channel, state: 7n, amount: 250_000n };
  const cp = { channel, amount: 400_000n, feeRate: 2500n };
  const pp = { channel, revokedTx: revoked.toBuffer(), updateKey: K(3).pub, destinationScript: dest, feeRate: 2000n };
  const tp = { channel, senderTx: latest.toBuffer(), updateKey: K(5).pub, destinationScript: p2wpkhScript(o.senderWallet.pubkey), feeRate: 1000n };
  const rf = privAt(receiverMaster, PATHS.receiverFunding);
  const sf = privAt(senderMaster, PATHS.senderFunding);

  const fundingPsbt = createFundingPsbt(bare, fundingOpts);
  const twoOfTwo = (name: string, file: string, ours: Psbt, withPrevTx: Psbt, expectedTx: Transaction, other: Psbt): Kind => ({
    name, file, ours, oursWithPrevTx: withPrevTx, expectedTx, ownKey: sf, counterparty: sigOf(ours, rf, o.receiverFunding.pubkey), other, scriptInputs: [0],
  });
  const senderPsbt = createSenderPaymentPsbt(sp, opts);
  return [
    {
      name: 'funding', file: 'psbt-funding.json', ours: fundingPsbt, oursWithPrevTx: createFundingPsbt(withPrev, fundingOpts), expectedTx: buildFundingTx(bare),
      ownKey: privAt(senderMaster, PATHS.senderWallet), other: createFundingPsbt({ ...bare, capacity: capacity - 1n }, fundingOpts), scriptInputs: [],
    },
    twoOfTwo('sender\'s version', 'psbt-sender-payment.json', senderPsbt, createSenderPaymentPsbt(sp, full), buildSenderPaymentTx(sp), createReceiverPaymentPsbt(rp, opts)),
    twoOfTwo('receiver\'s version', 'psbt-receiver-payment.json', createReceiverPaymentPsbt(rp, opts), createReceiverPaymentPsbt(rp, full), buildReceiverPaymentTx(rp), senderPsbt),
    twoOfTwo('cooperative close', 'psbt-close.json', createClosePsbt(cp, opts), createClosePsbt(cp, full), buildCooperativeCloseTx(cp), createClosePsbt({ ...cp, feeRate: 3000n }, opts)),
    (() => {
      const ours = createPenaltyPsbt(pp, { origins: channelOrigins });
      return {
        name: 'penalty', file: 'psbt-penalty.json', ours, expectedTx: buildPenaltyTx(pp), ownKey: K(3).priv,
        counterparty: sigOf(ours, privAt(receiverMaster, PATHS.receiverRevocation), o.receiverRevocation.pubkey),
        other: createPenaltyPsbt({ ...pp, sweepReceiverOutput: false }, { origins: channelOrigins }), scriptInputs: [0],
      };
    })(),
    {
      name: 'timeout', file: 'psbt-timeout.json', ours: createTimeoutPsbt(tp, { origins: channelOrigins }), expectedTx: buildTimeoutTx(tp),
      ownKey: privAt(senderMaster, PATHS.senderPayout), other: createTimeoutPsbt({ ...tp, feeRate: 1500n }, { origins: channelOrigins }), scriptInputs: [0],
    },
  ];
}

// ---------------------------------------------------------------------------

export function psbtFiles(): FileSpec[] {
  return kinds().map((k) => {
    const baselines: Record<string, unknown> = {
      ours: k.ours, expectedTx: k.expectedTx, other: k.other, ownKey: k.ownKey, senderMaster, receiverMaster,
      ...(k.oursWithPrevTx ? { oursWithPrevTx: k.oursWithPrevTx } : {}),
      ...(k.counterparty ? { counterpartyPub: k.counterparty.pub, counterpartySig: k.counterparty.sig } : {}),
    };
    const cases: CaseSpec[] = [];
    const valid: ValidSpec[] = [];
    const bad = (target: string, name: string, input: unknown[], expect: ErrorCode) => cases.push({ name, target, input, expect });
    const ok = (target: string, name: string, input: unknown[]) => valid.push({ name, target, input });
    const ours = new Ref('ours');
    /** A tampered PSBT, written once among the baselines and referred to by every case that uses it. */
    const theirs = (name: string, p: Psbt): Ref => {
      baselines[`theirs: ${name}`] = p;
      return new Ref(`theirs: ${name}`);
    };

    ok('verifyPsbtMatches', 'our own PSBT', [ours, ours]);
    ok('verifyPsbtMatches', 'our own PSBT, rebuilt field by field', [tamper(k.ours, {}), ours]);
    ok('verifyPsbtTransaction', 'our own PSBT', [ours, new Ref('expectedTx')]);
    ok('combinePsbts', 'our own PSBT twice', [ours, ours]);
    ok('signPsbtInput', 'our key on input 0', [ours, 0, new Ref('ownKey')]);
    ok('signPsbtWithKey', 'our key', [ours, new Ref('ownKey')]);
    if (k.counterparty) ok('addPartialSignature', 'the counterparty\'s signature', [ours, 0, new Ref('counterpartyPub'), new Ref('counterpartySig')]);
    ok('signPsbtWithMaster', 'the sender\'s master', [ours, new Ref('senderMaster')]);

    // Changes to the unsigned transaction: every check refuses them, and a signature made for ours does not fit.
    const n = k.ours.txOutputs.length;
    const txTampers: [string, Tamper][] = [];
    for (let i = 0; i < n; i++) {
      txTampers.push([`output ${i} amount + 1`, { outputValue: { index: i, delta: 1n } }]);
      txTampers.push([`output ${i} amount - 1`, { outputValue: { index: i, delta: -1n } }]);
      txTampers.push([`output ${i} script paid to someone else`, { outputScript: { index: i, script: attacker } }]);
    }
    if (n > 1) txTampers.push(['the last output removed', { dropOutput: n - 1 }], ['the outputs swapped', { swapOutputs: true }]);
    txTampers.push(
      ['an output added', { addOutput: { script: attacker, value: 1000n } }],
      ['input 0 sequence changed', { sequence: { index: 0, sequence: ((k.ours.txInputs[0]!.sequence ?? 0xffffffff) ^ 1) >>> 0 } }],
      ['the locktime changed', { locktime: k.ours.locktime ^ 1 }],
      ['the version changed', { version: 1 }],
      ['input 0 spending another output index', { outpoint: { index: 0, vout: k.ours.txInputs[0]!.index + 1 } }],
      ['an input added', { addInput: true }],
    );
    for (const [name, t] of txTampers) {
      const p = theirs(name, tamper(k.ours, t));
      bad('verifyPsbtMatches', name, [p, ours], 'PSBT_MISMATCH');
      bad('verifyPsbtTransaction', name, [p, new Ref('expectedTx')], 'PSBT_MISMATCH');
      bad('combinePsbts', `ours with theirs: ${name}`, [ours, p], 'PSBT_MISMATCH');
      bad('combinePsbts', `theirs with ours: ${name}`, [p, ours], 'PSBT_MISMATCH');
      if (k.counterparty && !t.addInput) {
        bad('addPartialSignature', `a signature for ours, on theirs: ${name}`, [p, 0, new Ref('counterpartyPub'), new Ref('counterpartySig')], 'INVALID_SIGNATURE');
      }
    }
    bad('verifyPsbtMatches', 'a PSBT of another transaction of the channel', [new Ref('other'), ours], 'PSBT_MISMATCH');
    bad('verifyPsbtTransaction', 'a PSBT of another transaction of the channel', [new Ref('other'), new Ref('expectedTx')], 'PSBT_MISMATCH');
    bad('combinePsbts', 'a PSBT of another transaction of the channel', [ours, new Ref('other')], 'PSBT_MISMATCH');

    // Changes to what the inputs say they spend: verifyPsbtMatches refuses them; signing refuses what does not add up.
    const first = k.ours.data.inputs[0]!;
    const wu = first.witnessUtxo!;
    const metaTampers: [string, Record<string, unknown>, { sign?: ErrorCode; addSig?: ErrorCode }][] = [
      ['input 0 amount + 1', { witnessUtxo: { script: wu.script, value: wu.value + 1n } }, { addSig: 'INVALID_SIGNATURE' }],
      ['input 0 amount 21e6 BTC', { witnessUtxo: { script: wu.script, value: 2_100_000_000_000_000n } }, { addSig: 'INVALID_SIGNATURE' }],
      ['input 0 script paid to someone else', { witnessUtxo: { script: attacker, value: wu.value } }, k.scriptInputs.includes(0) ? { sign: 'PSBT_INVALID', addSig: 'INVALID_SIGNATURE' } : { sign: 'PSBT_INVALID' }],
      // With nonWitnessUtxo the spent output is known without witnessUtxo, and signing works.
      ['input 0 without witnessUtxo', { witnessUtxo: undefined }, first.nonWitnessUtxo ? {} : { sign: 'PSBT_INVALID', addSig: 'INVALID_SIGNATURE' }],
      ['input 0 sighash type NONE', { sighashType: Transaction.SIGHASH_NONE }, { sign: 'PSBT_INVALID' }],
      ['input 0 sighash type ALL|ANYONECANPAY', { sighashType: Transaction.SIGHASH_ALL | Transaction.SIGHASH_ANYONECANPAY }, { sign: 'PSBT_INVALID' }],
    ];
    if (k.scriptInputs.includes(0)) {
      // The last opcode changed: the script still names both keys, but no longer hashes to the spent output.
      const bent = Uint8Array.from(first.witnessScript!);
      bent[bent.length - 1] ^= 0x01;
      metaTampers.push(
        ['input 0 witness script replaced by OP_TRUE', { witnessScript: Uint8Array.from([0x51]) }, { sign: 'INVALID_KEY', addSig: 'INVALID_KEY' }],
        ['input 0 witness script with one byte changed', { witnessScript: bent }, { sign: 'PSBT_INVALID', addSig: 'INVALID_SIGNATURE' }],
        ['input 0 without witness script', { witnessScript: undefined }, {}],
      );
    } else {
      metaTampers.push(['input 0 given a witness script', { witnessScript: Uint8Array.from([0x51]) }, { sign: 'INVALID_KEY', addSig: 'INVALID_KEY' }]);
    }
    for (const [name, fields, codes] of metaTampers) {
      const p = theirs(name, tamper(k.ours, { input: { index: 0, fields } }));
      bad('verifyPsbtMatches', name, [p, ours], 'PSBT_MISMATCH');
      if (codes.sign) {
        bad('signPsbtInput', name, [p, 0, new Ref('ownKey')], codes.sign);
        // A key no input mentions signs nothing (0 inputs): only a refusal of a mentioned input is an error here.
        if (codes.sign !== 'INVALID_KEY') bad('signPsbtWithKey', name, [p, new Ref('ownKey')], codes.sign);
      }
      if (codes.addSig && k.counterparty) bad('addPartialSignature', `a signature for ours, on theirs: ${name}`, [p, 0, new Ref('counterpartyPub'), new Ref('counterpartySig')], codes.addSig);
    }
    if (k.oursWithPrevTx) {
      // nonWitnessUtxo of another transaction: the input's txid no longer matches what it claims to spend.
      const withPrev = k.oursWithPrevTx;
      const last = withPrev.inputCount - 1;
      const name = `input ${last} nonWitnessUtxo of another transaction`;
      const wrongPrev = theirs(name, tamper(withPrev, { input: { index: last, fields: { nonWitnessUtxo: k.expectedTx.toBuffer() } } }));
      bad('signPsbtInput', name, [wrongPrev, last, new Ref('ownKey')], 'PSBT_INVALID');
      bad('signPsbtWithKey', `${name} (after ${last} good input${last === 1 ? '' : 's'}: all or nothing)`, [wrongPrev, new Ref('ownKey')], 'PSBT_INVALID');
      bad('verifyPsbtMatches', name, [wrongPrev, new Ref('oursWithPrevTx')], 'PSBT_MISMATCH');
      ok('verifyPsbtMatches', 'our own PSBT with nonWitnessUtxo', [new Ref('oursWithPrevTx'), new Ref('oursWithPrevTx')]);
    }
    // A bip32Derivation whose path does not derive its key, on the last input, after good ones: nothing may be signed.
    const lastIn = k.ours.inputCount - 1;
    const derivs = k.ours.data.inputs[lastIn]!.bip32Derivation ?? [];
    const mine = derivs.find((d) => toHex(d.masterFingerprint) === toHex(senderMaster.fingerprint));
    if (mine) {
      const wrongPath = derivs.map((d) => (d === mine ? { ...d, path: "m/84'/1'/0'/0/9" } : d));
      bad('signPsbtWithMaster', `input ${lastIn}: a derivation path that does not derive its key`, [tamper(k.ours, { input: { index: lastIn, fields: { bip32Derivation: wrongPath } } }), new Ref('senderMaster')], 'PSBT_INVALID');
      const rootPath = derivs.map((d) => (d === mine ? { ...d, path: 'm' } : d));
      bad('signPsbtWithMaster', `input ${lastIn}: the root path m (derives the master's own key, not the listed one)`, [tamper(k.ours, { input: { index: lastIn, fields: { bip32Derivation: rootPath } } }), new Ref('senderMaster')], 'PSBT_INVALID');
    }
    bad('signPsbtWithMaster', 'a public-only master', [ours, senderMaster.neutered()], 'INVALID_KEY');

    // Signing and adding signatures: indices, keys and signatures of the wrong form.
    for (const [name, i] of [['index -1', -1], ['index = input count', k.ours.inputCount], ['index 0.5', 0.5], ['index as a string', '0']] as const) {
      bad('signPsbtInput', name, [ours, i, new Ref('ownKey')], 'INVALID_ARGUMENT');
      if (k.counterparty) bad('addPartialSignature', name, [ours, i, new Ref('counterpartyPub'), new Ref('counterpartySig')], 'INVALID_ARGUMENT');
    }
    bad('signPsbtInput', 'a key the input does not use', [ours, 0, privAt(receiverMaster, PATHS.receiverPayout)], 'INVALID_KEY');
    bad('signPsbtInput', 'a zero key', [ours, 0, new Uint8Array(32)], 'INVALID_KEY');
    bad('signPsbtWithKey', 'a zero key', [ours, new Uint8Array(32)], 'INVALID_KEY');
    if (k.counterparty) {
      const { sig } = k.counterparty;
      for (const m of malformedSignatures(sig)) bad('addPartialSignature', m.name, [ours, 0, new Ref('counterpartyPub'), m.sig], 'INVALID_SIGNATURE');
      bad('addPartialSignature', 'our own signature under the counterparty\'s key', [ours, 0, new Ref('counterpartyPub'), sigOfOwn(k)], 'INVALID_SIGNATURE');
      bad('addPartialSignature', 'a key the input does not use', [ours, 0, o.senderWallet.pubkey, sig], 'INVALID_KEY');
      bad('addPartialSignature', 'the key uncompressed', [ours, 0, ecc.pointCompress(k.counterparty.pub, false), sig], 'INVALID_KEY');
      bad('addPartialSignature', 'a key off the curve', [ours, 0, Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]), sig], 'INVALID_KEY');
      // A PSBT that already holds this key's signature: another one by the same key is refused.
      const signed = withPartialSig(k, k.counterparty);
      bad('addPartialSignature', 'a second, different signature by the same key', [signed, 0, new Ref('counterpartyPub'), highS(sig)], 'INVALID_SIGNATURE');
      bad('addPartialSignature', 'a second signature by the same key, padded', [signed, 0, new Ref('counterpartyPub'), paddedR(sig)], 'INVALID_SIGNATURE');
    }

    // An unknown key whose length is a non-minimal varint 0: bip174 parses it as an empty key and writes it back as
    // the byte 0, which ends the map, so the PSBT cannot be copied. Whatever copies it must refuse it.
    {
      const raw = k.ours.toBuffer();
      baselines['theirs: an empty key of non-minimal length'] = new RawPsbt(Uint8Array.from([...raw.subarray(0, 5), 0xfd, 0x00, 0x00, 0x01, 0x00, ...raw.subarray(5)]));
      const evil = new Ref('theirs: an empty key of non-minimal length');
      const name = 'a global key of non-minimal length 0 (parses, but does not survive its own encoding)';
      bad('finalizePsbt', name, [evil], 'PSBT_INVALID');
      bad('signPsbtWithKey', name, [evil, new Ref('ownKey')], 'PSBT_INVALID');
      bad('combinePsbts', name, [evil, ours], 'PSBT_INVALID');
      if (k.counterparty) bad('addPartialSignature', name, [evil, 0, new Ref('counterpartyPub'), new Ref('counterpartySig')], 'PSBT_INVALID');
      if (mine) bad('signPsbtWithMaster', name, [evil, new Ref('senderMaster')], 'PSBT_INVALID');
    }

    // Finalizing and extracting without every signature: nothing is finalized, not even the inputs that could be.
    bad('finalizePsbt', 'no signatures', [ours], 'PSBT_INCOMPLETE');
    bad('extractTransaction', 'no signatures', [ours], 'PSBT_INCOMPLETE');
    {
      const one = k.ours.clone();
      signPsbtInput(one, 0, k.ownKey);
      if (one.inputCount > 1 || k.counterparty) {
        bad('finalizePsbt', 'only our signature on input 0', [one], 'PSBT_INCOMPLETE');
        bad('extractTransaction', 'only our signature on input 0', [one], 'PSBT_INCOMPLETE');
        if (k.scriptInputs.includes(0)) bad('channelWitness', 'only our signature', [one, 0], 'PSBT_INCOMPLETE');
      }
      const full = k.ours.clone();
      signPsbtInput(full, 0, k.ownKey);
      if (k.counterparty) full.updateInput(0, { partialSig: [{ pubkey: k.counterparty.pub, signature: k.counterparty.sig }] });
      for (let i = 1; i < full.inputCount; i++) signPsbtInput(full, i, k.name === 'penalty' ? privAt(receiverMaster, PATHS.receiverPayout) : k.ownKey);
      ok('finalizePsbt', 'every signature', [full]);
      ok('extractTransaction', 'every input finalized', [finalizePsbt(full.clone())]);
      if (k.scriptInputs.includes(0)) ok('channelWitness', 'every signature', [full, 0]);
    }
    return {
      file: k.file,
      description: `${k.name} PSBT: tampered outputs, amounts, scripts, sequence, locktime and signatures refused with a typed code; every PSBT passed in left unchanged`,
      baselines,
      valid,
      cases,
    };
  });
}

function sigOfOwn(k: Kind): Uint8Array {
  const c = k.ours.clone();
  signPsbtInput(c, 0, k.ownKey);
  return c.data.inputs[0]!.partialSig![0]!.signature;
}

function withPartialSig(k: Kind, s: { pub: PublicKey; sig: Uint8Array }): Psbt {
  const c = k.ours.clone();
  c.updateInput(0, { partialSig: [{ pubkey: s.pub, signature: s.sig }] });
  return c;
}
