/**
 * Payments per second against the crypto floor. A real Sender and Receiver
 * run offer -> accept -> revoke with every check, messages in memory; the
 * floor is the cryptography a payment cannot do without, done with the same
 * libraries and nothing else. Floor and payment batches alternate within each
 * round, so machine noise lands on both, and the ratio is taken per round.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ecc from 'tiny-secp256k1';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelContext, FileChannelStore, Message, PrivateKey, SIGHASH_ALL, TxOut, decodeMessage, derivePublicKey, encodeMessage,
  encodeStateNumber, receiverPaymentOutputs, senderPaymentOutputs,
} from '../lib';
import { SecretSchedule } from '../lib/keys/shachain';
import { Case, alternate, median, wallNow } from './measure';
import { Channel, VARIANTS, openChannel, payOnce, receiverSecrets, senderSecrets } from './parties';
import { Row } from './report';

export interface ThroughputOptions {
  /** Alternating rounds; the median round counts. */
  readonly rounds: number;
  /** Payments (and floor units) per case per round. */
  readonly perRound: number;
  /** Operations per turn when the cases alternate. */
  readonly batch: number;
  /** Payments with the receiver's state saved to a file after each. */
  readonly fileStorePayments: number;
}

const INCREMENT = 100n;

/** What one payment cannot do without: 4 BIP 143 sighashes, 2 signatures, 2 verifications, 2 private-to-public derivations. */
class Floor {
  private readonly ctx: ChannelContext;
  private readonly senderKey: PrivateKey;
  private readonly receiverKey: PrivateKey;
  private readonly senderPub: Uint8Array;
  private readonly receiverPub: Uint8Array;
  private readonly receiverOuts: TxOut[];
  private readonly senderOuts: TxOut[];
  private readonly sequence: number;
  private readonly secrets: PrivateKey[];

  constructor(c: Channel) {
    this.ctx = c.sender.context;
    this.senderKey = senderSecrets.fundingKey;
    this.receiverKey = receiverSecrets.fundingKey;
    this.senderPub = derivePublicKey(this.senderKey);
    this.receiverPub = derivePublicKey(this.receiverKey);
    const schedule = new SecretSchedule(senderSecrets.updateSeed);
    this.secrets = Array.from({ length: 64 }, (_, i) => schedule.deriveUpdateSecret(BigInt(i)));
    // The outputs of a real payment, built once: the floor counts no output building.
    this.receiverOuts = receiverPaymentOutputs(this.ctx, 1_000_000n);
    this.senderOuts = senderPaymentOutputs(this.ctx, 1_000_000n, derivePublicKey(this.secrets[1]!));
    this.sequence = encodeStateNumber(1n, this.ctx.obscuringFactor).sequence;
  }

  /** One payment's worth, over state `i` so that every hash differs. */
  unit(i: number): void {
    const sighash = this.ctx.sighash;
    const lock = 0x20000000 | (i & 0xffffff);
    const sigR = ecc.sign(sighash.hash(this.sequence, lock, this.receiverOuts), this.senderKey);
    if (!ecc.verify(sighash.hash(this.sequence, lock, this.receiverOuts), this.senderPub, sigR, true)) throw new Error('floor: verify');
    const sigS = ecc.sign(sighash.hash(this.sequence, lock, this.senderOuts), this.receiverKey);
    if (!ecc.verify(sighash.hash(this.sequence, lock, this.senderOuts), this.receiverPub, sigS, true)) throw new Error('floor: verify');
    ecc.pointFromScalar(this.secrets[i & 63]!, true);
    ecc.pointFromScalar(this.secrets[(i + 1) & 63]!, true);
  }

  /** Sighash, sign, verify and derivation alone, alternating, for the table's breakdown. */
  partCases(): Case[] {
    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(this.ctx.fundingHash, this.ctx.params.fundingOutpoint.vout, this.sequence);
    for (const o of this.senderOuts) tx.addOutput(o.script, o.value);
    const script = this.ctx.fundingScript;
    const value = this.ctx.params.capacity;
    // Same bytes from both sighash paths, or comparing them means nothing.
    tx.locktime = 0x20000007;
    const a = Buffer.from(this.ctx.sighash.hash(this.sequence, 0x20000007, this.senderOuts)).toString('hex');
    const b = Buffer.from(tx.hashForWitnessV0(0, script, value, SIGHASH_ALL)).toString('hex');
    if (a !== b) throw new Error('cached sighash differs from bitcoinjs');
    const hash = this.ctx.sighash.hash(this.sequence, 0x20000000, this.senderOuts);
    const sig = ecc.sign(hash, this.senderKey);
    const msg = Uint8Array.from(hash);
    let i = 0;
    return [
      { name: 'sighash cached', run: (n) => { for (let k = 0; k < n; k++) this.ctx.sighash.hash(this.sequence, 0x20000000 | (i++ & 0xffffff), this.senderOuts); } },
      { name: 'sighash bitcoinjs', run: (n) => { for (let k = 0; k < n; k++) { tx.locktime = 0x20000000 | (i++ & 0xffffff); tx.hashForWitnessV0(0, script, value, SIGHASH_ALL); } } },
      { name: 'sign', run: (n) => { for (let k = 0; k < n; k++) { msg[0] = i++ & 0xff; ecc.sign(msg, this.senderKey); } } },
      { name: 'verify', run: (n) => { for (let k = 0; k < n; k++) ecc.verify(hash, this.senderPub, sig, true); } },
      { name: 'derive', run: (n) => { for (let k = 0; k < n; k++) ecc.pointFromScalar(this.secrets[i++ & 63]!, true); } },
    ];
  }
}

/** Every message crosses JSON, as between two processes. */
function wire<T extends Message>(m: T): T {
  return decodeMessage(JSON.parse(JSON.stringify(encodeMessage(m)))) as T;
}

function payOnceWire(c: Channel): void {
  const offer = c.sender.pay(INCREMENT);
  const accept = c.receiver.onOffer(wire(offer), c.chain);
  const revoke = c.sender.onAccept(wire(accept));
  c.receiver.onRevoke(wire(revoke));
}

/** Payments per second with the receiver's state written (temp file, fsync, rename, fsync of the directory) after each. */
async function fileStoreRate(payments: number): Promise<{ rate: number; bytes: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'revchan-bench-'));
  try {
    const c = openChannel(VARIANTS[0]!.variant, 90);
    const store = new FileChannelStore(dir);
    for (let i = 0; i < 5; i++) {
      payOnce(c, INCREMENT);
      await store.save('receiver', c.receiver.toJSON());
    }
    // Wall time here: what the disk makes us wait for is the point.
    const t = wallNow();
    for (let i = 0; i < payments; i++) {
      payOnce(c, INCREMENT);
      await store.save('receiver', c.receiver.toJSON());
    }
    const ms = wallNow() - t;
    const bytes = fs.statSync(path.join(dir, 'receiver.json')).size;
    return { rate: (payments * 1000) / ms, bytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function runThroughput(o: ThroughputOptions): Promise<Row[]> {
  const csv = openChannel(VARIANTS[0]!.variant, 80);
  const cltv = openChannel(VARIANTS[1]!.variant, 81);
  const wired = openChannel(VARIANTS[0]!.variant, 82);
  const floor = new Floor(csv);
  let unit = 0;
  const cases: Case[] = [
    { name: 'floor', run: (n) => { for (let i = 0; i < n; i++) floor.unit(unit++); } },
    { name: 'csv', run: (n) => { for (let i = 0; i < n; i++) payOnce(csv, INCREMENT); } },
    { name: 'cltv', run: (n) => { for (let i = 0; i < n; i++) payOnce(cltv, INCREMENT); } },
    { name: 'wire', run: (n) => { for (let i = 0; i < n; i++) payOnceWire(wired); } },
  ];
  // Warm-up: let the JIT settle on every path before anything is timed.
  for (const c of cases) c.run(Math.max(20, o.perRound >> 1));

  const msPerOp = alternate(cases, o.rounds, o.perRound, o.batch);
  const ratios = (name: string) => msPerOp.get('floor')!.map((f, r) => f / msPerOp.get(name)![r]!);
  const rate = (name: string) => 1000 / median(msPerOp.get(name)!);
  const ratio = (name: string) => median(ratios(name));
  const partCases = floor.partCases();
  for (const c of partCases) c.run(20);
  const partTimes = alternate(partCases, o.rounds, Math.max(o.batch, o.perRound >> 1), o.batch);
  const us = (name: string) => median(partTimes.get(name)!) * 1000;
  const file = await fileStoreRate(o.fileStorePayments);
  const floorRate = rate('floor');
  const sample = `median of ${o.rounds} rounds of ${o.perRound}, cases alternating in batches of ${o.batch}`;

  return [
    {
      section: 'throughput', name: 'crypto floor', value: floorRate, unit: 'payments/s',
      note: `2 sign + 2 verify + 2 derive + 4 sighash, tiny-secp256k1 + cached BIP143; ${sample}`,
    },
    {
      section: 'throughput', name: 'payments, csv, in memory', value: rate('csv'), unit: 'payments/s', ratio: ratio('csv'), ratioOf: 'of floor',
      target: '>= 0.80', pass: ratio('csv') >= 0.8, note: 'real Sender + Receiver, every check, offer -> accept -> revoke',
    },
    {
      section: 'throughput', name: 'payments, cltv, in memory', value: rate('cltv'), unit: 'payments/s', ratio: ratio('cltv'), ratioOf: 'of floor',
      target: '>= 0.80', pass: ratio('cltv') >= 0.8, note: 'as above, with the chain tip checked against the cutoff',
    },
    {
      section: 'throughput', name: 'payments, csv, JSON wire', value: rate('wire'), unit: 'payments/s', ratio: ratio('wire'), ratioOf: 'of floor',
      note: 'every message through encodeMessage/JSON/decodeMessage',
    },
    {
      section: 'throughput', name: 'payments, csv, receiver saved to file', value: file.rate, unit: 'payments/s', ratio: file.rate / rate('csv'), ratioOf: 'of in-memory',
      note: `wall time; FileChannelStore after each payment (write, fsync, rename, fsync dir; ${file.bytes} bytes) in the temp dir; ${o.fileStorePayments} payments`,
    },
    { section: 'throughput', name: 'floor part: ECDSA sign', value: us('sign'), unit: 'us', note: 'tiny-secp256k1 sign (RFC 6979), 32-byte hash' },
    { section: 'throughput', name: 'floor part: ECDSA verify', value: us('verify'), unit: 'us', note: 'tiny-secp256k1 verify, strict low-S' },
    { section: 'throughput', name: 'floor part: key derivation', value: us('derive'), unit: 'us', note: 'tiny-secp256k1 pointFromScalar, compressed' },
    {
      section: 'throughput', name: 'floor part: sighash, cached', value: us('sighash cached'), unit: 'us',
      ratio: us('sighash bitcoinjs') / us('sighash cached'), ratioOf: 'x faster',
      note: `FundingSighash (hashPrevouts, hashSequence, scriptCode kept per channel); bitcoinjs hashForWitnessV0 ${us('sighash bitcoinjs').toFixed(1)} us, same bytes; the floor uses the cheaper`,
    },
  ];
}


