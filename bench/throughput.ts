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
  ChannelContext, Message, PrivateKey, SIGHASH_ALL, TxOut, decodeMessage, derivePublicKey, encodeMessage,
  encodeStateNumber, receiverPaymentOutputs, senderPaymentOutputs,
} from '../lib';
import { FileChannelStore } from '../lib/node';
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
  for (const c of cases) c.run(Math.max(20, Math.min(300, o.perRound)));

  const times = alternate(cases, o.rounds, o.perRound, o.batch);
  const cpu = times.cpu;
  const ratio = (name: string) => median(cpu.get('floor')!.map((f, r) => f / cpu.get(name)![r]!));
  const rate = (name: string) => 1000 / median(cpu.get(name)!);
  const wallRate = (name: string) => Math.round(1000 / median(times.wall.get(name)!));
  const wall = times.wall;
  const wallRatio = (name: string) => Number(median(wall.get('floor')!.map((f, r) => f / wall.get(name)![r]!)).toFixed(3));
  const partCases = floor.partCases();
  // bitcoinjs's sighash needs thousands of calls before the JIT has it at full speed.
  for (const c of partCases) c.run(c.name.startsWith('sighash') ? 5000 : 50);
  const parts = alternate(partCases, o.rounds, Math.max(o.batch, o.perRound >> 1), o.batch).cpu;
  const us = (name: string) => median(parts.get(name)!) * 1000;
  const file = await fileStoreRate(o.fileStorePayments);
  const sample = `median of ${o.rounds} rounds of ${o.perRound}, the four cases taking turns in batches of ${o.batch}; ratio = floor time / payment time within each round, median over rounds`;
  const payment = (name: string, label: string, note: string, detail: string, target: boolean): Row => ({
    section: 'throughput', name: label, value: rate(name), unit: 'payments/s', ratio: ratio(name), ratioOf: 'of floor',
    ...(target ? { target: '>= 0.80', pass: ratio(name) >= 0.8 } : {}), note, detail: `${detail}; ${sample}`,
    data: { wallPerSecond: wallRate(name), wallRatio: wallRatio(name) },
  });

  return [
    {
      section: 'throughput', name: 'crypto floor', value: rate('floor'), unit: 'payments/s', note: '2 sign, 2 verify, 2 derive, 4 sighash',
      detail: `tiny-secp256k1 sign, verify (strict) and pointFromScalar on 32-byte inputs, and 4 BIP 143 hashes from the channel's cached FundingSighash over a real payment's outputs built once; no DER, no outputs built, no checks; ${sample}`,
      data: { wallPerSecond: wallRate('floor') },
    },
    payment('csv', 'payments, csv, in memory', 'real Sender + Receiver, every check',
      'Sender.pay -> Receiver.onOffer -> Sender.onAccept -> Receiver.onRevoke, message objects passed in memory, 100 sat each', true),
    payment('cltv', 'payments, cltv, in memory', 'the same in a CLTV channel',
      'as the csv row; onOffer also checks the chain tip against the CLTV cutoff', true),
    payment('wire', 'payments, csv, JSON wire', 'every message through JSON',
      'as the csv row, each message through encodeMessage, JSON.stringify, JSON.parse and decodeMessage', false),
    {
      section: 'throughput', name: 'payments, csv, receiver saved to file', value: file.rate, unit: 'payments/s', ratio: file.rate / rate('csv'), ratioOf: 'of in-memory',
      note: 'wall time, state fsync\'d after each',
      detail: `${o.fileStorePayments} payments; after each, FileChannelStore.save of Receiver.toJSON() (${file.bytes} bytes): write a temp file, fsync, rename, fsync the directory, in the OS temp dir. Wall time: the disk is the cost`,
    },
    { section: 'throughput', name: 'floor part: ECDSA sign', value: us('sign'), unit: 'us', note: 'tiny-secp256k1, RFC 6979' },
    { section: 'throughput', name: 'floor part: ECDSA verify', value: us('verify'), unit: 'us', note: 'tiny-secp256k1, strict (low-S)' },
    { section: 'throughput', name: 'floor part: key derivation', value: us('derive'), unit: 'us', note: 'tiny-secp256k1 pointFromScalar' },
    {
      section: 'throughput', name: 'floor part: BIP 143 sighash, cached', value: us('sighash cached'), unit: 'us',
      ratio: us('sighash bitcoinjs') / us('sighash cached'), ratioOf: 'x faster',
      note: `bitcoinjs hashForWitnessV0: ${us('sighash bitcoinjs').toFixed(1)} us`,
      detail: 'FundingSighash keeps hashPrevouts, the outpoint, scriptCode and value per channel, and hashSequence until the state\'s upper 24 bits change; it gives the same bytes as bitcoinjs Transaction.hashForWitnessV0 (checked here), so the floor uses the cheaper of the two',
      data: { bitcoinjsUs: Number(us('sighash bitcoinjs').toFixed(2)) },
    },
  ];
}


