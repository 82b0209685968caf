/**
 * The Spillman channel in the bench: payments per second of both forms
 * against their own crypto floor, and the weights of their transactions.
 * A Spillman payment cannot do with less than one signature (the sender's),
 * one verification (the receiver's) and two BIP 143 hashes (one each), so
 * that is its floor, done with the same library and the channel's cached
 * sighash over a real payment's outputs, built once. A payment is the real
 * parties' pay -> onPay -> onPayAck with every check, messages in memory.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainView, LOCKTIME_THRESHOLD, PrivateKey, SPILLMAN_SEQUENCE, SpillmanContext, SpillmanForm, SpillmanReceiver, SpillmanSender,
  TxOut, buildSpillmanPaymentTx, derivePublicKey, fundingOutpoint, p2wpkhScript, spillmanWeights,
} from '../lib';
import { WASM } from './backends';
import { Case, alternate, median } from './measure';
import { CHAIN, WALLET_EXTRA, benchKey } from './parties';
import { Row } from './report';

const INCREMENT = 100n;
const FORMS: readonly SpillmanForm[] = ['S', 'C'];

interface SpillmanChannel {
  readonly sender: SpillmanSender;
  readonly receiver: SpillmanReceiver;
  readonly fundingTx: Transaction;
  readonly chain: ChainView;
}

const keysOf = (form: SpillmanForm) => ({
  sender: { fundingKey: benchKey(`spillman ${form} sender funding`), payoutKey: benchKey(`spillman ${form} sender payout`) },
  receiver: { fundingKey: benchKey(`spillman ${form} receiver funding`), payoutKey: benchKey(`spillman ${form} receiver payout`) },
});

/** A funded channel of `form`, L far ahead; `n` makes the funding outpoint distinct. */
export function openSpillmanChannel(form: SpillmanForm, n: number, capacity = 10_000_000_000n): SpillmanChannel {
  const keys = keysOf(form);
  const lockTime = { height: CHAIN.height + 50_000 };
  const { sender, message: open } = SpillmanSender.open({ form, capacity, lockTime, feeRate: 1000n, secrets: keys.sender });
  const { receiver, message: accept } = SpillmanReceiver.accept(open, keys.receiver, { fundingDepth: 1 }, CHAIN);
  sender.onAccept(accept);
  const wallet = p2wpkhScript(derivePublicKey(benchKey('spillman wallet')));
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(new Uint8Array(32).fill(9), n);
  prev.addOutput(wallet, capacity + WALLET_EXTRA);
  const coin = { txid: prev.getId(), vout: 0, value: capacity + WALLET_EXTRA, script: wallet, prevTx: prev.toBuffer() };
  const { plan, message: created } = sender.createFunding({ inputs: [coin], changeScript: wallet, feeRate: 1000n });
  const refund = receiver.onFundingCreated(created);
  if (refund) sender.onRefundSigned(refund);
  // The bench signs no funding: a witness stand-in, so the receiver sees every input segwit (the txid does not change).
  const funding = plan.tx.clone();
  funding.setWitness(0, [new Uint8Array(72), new Uint8Array(33)]);
  receiver.markFundingConfirmed({ tx: funding.toBuffer(), confirmations: 1 });
  if (fundingOutpoint(plan.tx).txid !== sender.funding!.txid) throw new Error('funding outpoint mismatch');
  return { sender, receiver, fundingTx: funding, chain: CHAIN };
}

export function paySpillmanOnce(c: SpillmanChannel, increment: bigint): void {
  const { message } = c.receiver.onPay(c.sender.pay(increment, c.chain), c.chain);
  c.sender.onPayAck(message);
}

/** What one Spillman payment cannot do without: 2 BIP 143 hashes, 1 signature, 1 verification. */
class SpillmanFloor {
  private readonly ctx: SpillmanContext;
  private readonly key: PrivateKey;
  private readonly pub: Uint8Array;
  private readonly outs: TxOut[];

  constructor(c: SpillmanChannel, form: SpillmanForm) {
    this.ctx = c.sender.context;
    this.key = keysOf(form).sender.fundingKey;
    this.pub = derivePublicKey(this.key);
    this.outs = buildSpillmanPaymentTx({ ctx: this.ctx, index: 1, amount: 1_000_000n }).outs.map((o) => ({ script: o.script, value: o.value }));
  }

  unit(i: number): void {
    const sighash = this.ctx.funding.sighash;
    const lock = LOCKTIME_THRESHOLD + 1 + (i & 0xfffff);
    const sig = WASM.lib.sign(sighash.hash(SPILLMAN_SEQUENCE, lock, this.outs), this.key);
    if (!WASM.lib.verify(sighash.hash(SPILLMAN_SEQUENCE, lock, this.outs), this.pub, sig, true)) throw new Error('spillman floor: verify');
  }
}

/** Payments per second of both forms, each against the Spillman floor, alternating within each round. */
export function runSpillmanThroughput(o: { rounds: number; perRound: number; batch: number }): Row[] {
  const channels = FORMS.map((f, k) => openSpillmanChannel(f, 70 + k));
  // The first payment must be above dust; increments after it may be small.
  for (const c of channels) paySpillmanOnce(c, 1000n);
  const floor = new SpillmanFloor(channels[0]!, 'S');
  let unit = 0;
  const cases: Case[] = [
    { name: 'floor', run: (n) => { for (let i = 0; i < n; i++) floor.unit(unit++); } },
    ...FORMS.map((f, k): Case => ({ name: f, run: (n) => { for (let i = 0; i < n; i++) paySpillmanOnce(channels[k]!, INCREMENT); } })),
  ];
  for (const c of cases) c.run(Math.max(20, Math.min(300, o.perRound)));
  const t = alternate(cases, o.rounds, o.perRound, o.batch);
  const rate = (name: string) => 1000 / median(t.cpu.get(name)!);
  const ratio = (name: string) => median(t.cpu.get('floor')!.map((f, r) => f / t.cpu.get(name)![r]!));
  const sample = `median of ${o.rounds} rounds of ${o.perRound}, floor and both forms taking turns in batches of ${o.batch}; ratio = floor time / payment time within each round`;
  return [
    {
      section: 'throughput', name: 'Spillman crypto floor', value: rate('floor'), unit: 'payments/s',
      note: '1 sign + 1 verify + 2 sighashes',
      detail: `@bitcoinerlab/secp256k1 sign and verify (strict) on 32-byte inputs and 2 BIP 143 hashes from the channel's cached sighash over a real payment's outputs built once; ${sample}`,
    },
    ...FORMS.map((f): Row => ({
      section: 'throughput', name: `payments, Spillman Form ${f}, in memory`, value: rate(f), unit: 'payments/s', ratio: ratio(f), ratioOf: 'of its floor',
      note: 'pay -> onPay -> onPayAck', detail: `real SpillmanSender and SpillmanReceiver with every check, messages in memory; ${sample}`,
    })),
  ];
}

function weightRow(name: string, maxWeight: number, tx: Transaction): Row {
  const signed = tx.weight();
  if (signed > maxWeight) throw new Error(`${name}: signed weight ${signed} above the builders' maximum ${maxWeight}`);
  return {
    section: 'weights', name, value: maxWeight, unit: 'wu', note: `${Math.ceil(maxWeight / 4)} vB; signed ${signed} wu, ${tx.virtualSize()} vB`,
    data: { maxWeight, maxVsize: Math.ceil(maxWeight / 4), signedWeight: signed, signedVsize: tx.virtualSize() },
  };
}

/** The refund, a payment and the close of both forms, signed, against the weights their fees are charged on. */
export function runSpillmanWeights(): Row[] {
  const rows: Row[] = [];
  for (const [k, form] of FORMS.entries()) {
    const c = openSpillmanChannel(form, 75 + k, 1_000_000n);
    const w = spillmanWeights(form);
    rows.push(weightRow(`Spillman refund (Form ${form})`, w.refund, c.sender.refundTransaction()));
    paySpillmanOnce(c, 10_000n);
    rows.push(weightRow(`Spillman payment (Form ${form})`, w.payment, c.receiver.latestPaymentTransaction()!));
    const { tx } = c.receiver.onCloseOffer(c.sender.proposeClose(2000n), 5000n);
    rows.push(weightRow(`Spillman cooperative close (Form ${form})`, w.payment, tx));
  }
  return rows;
}
