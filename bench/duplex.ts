/**
 * The duplex channel in the bench: payments per second against their own
 * crypto floor, resets per second, the weights of its transactions, and the
 * exit each row of the design notes' d/b/Δ table costs. A payment is one
 * simplex update: the payer hashes and signs, the payee hashes and
 * verifies, so its floor is 1 signature, 1 verification and 2 BIP 143
 * hashes over a real payment's outputs from the channel's cached sighash. A
 * payment is the real parties' pay -> onPay -> onPayAck, alternating
 * direction; a reset is proposeReset -> onReset -> onResetAck -> onResetDone, re-signing
 * from the first changed level down.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelError, DUPLEX_SEQUENCE, DuplexSetupPlan, buildFundingSpendTx, p2wpkhScript, planDuplexSetup, DuplexContext, DuplexParty, DuplexSigner, PrivateKey, SimplexChannel, TxOut, derivePublicKey, duplexBranch,
  duplexCloseSpend, duplexKickoffSpend, duplexWeights, simplexChannel, simplexPaymentSpend, verifyDuplexParams,
} from '../lib';
import { WASM } from './backends';
import { Case, alternate, median } from './measure';
import { benchKey } from './parties';
import { Row } from './report';
import { fakeCoin } from '../test/constructions/duplex/kit';

const INCREMENT = 100n;

interface Pair {
  readonly a: DuplexParty;
  readonly b: DuplexParty;
  n: number;
}

/** The setup of made-up coins worth `capacity`, each deposit half. */
function setupOf(k: (what: string) => PrivateKey, capacity: bigint, n: number): DuplexSetupPlan {
  const script = (who: string) => p2wpkhScript(derivePublicKey(k(`${who} wallet`)));
  return planDuplexSetup({
    aFundingKey: derivePublicKey(k('a funding')), bFundingKey: derivePublicKey(k('b funding')), feeRate: 1000n,
    a: { inputs: [fakeCoin(n, script('a'), capacity / 2n + 20_000n)], amount: capacity / 2n, changeScript: script('a') },
    b: { inputs: [fakeCoin(n + 100, script('b'), capacity - capacity / 2n + 20_000n)], amount: capacity - capacity / 2n, changeScript: script('b') },
  });
}

function keys(label: string): { a: PrivateKey; b: PrivateKey; ctx: (o: { levels: number; values: number; step: number; capacity: bigint; n: number; anchors?: boolean }) => DuplexContext; setup: (capacity: bigint, n: number) => DuplexSetupPlan } {
  const k = (what: string) => benchKey(`duplex ${label} ${what}`);
  return {
    a: k('a funding'), b: k('b funding'),
    setup: (capacity, n) => setupOf(k, capacity, n),
    ctx: (o) => verifyDuplexParams({
      fundingOutpoint: setupOf(k, o.capacity, o.n).fundingOutpoint, capacity: o.capacity,
      aFundingKey: derivePublicKey(k('a funding')), bFundingKey: derivePublicKey(k('b funding')),
      aPayoutKey: derivePublicKey(k('a payout')), bPayoutKey: derivePublicKey(k('b payout')),
      levels: o.levels, values: o.values, step: o.step, simplexDelay: 144, aAmount: o.capacity / 2n, feeRate: 1000n,
      ...(o.anchors !== undefined ? { anchors: o.anchors } : {}),
    }),
  };
}

/** A channel through the opt-in on a made-up setup outpoint: 4,096 values on each of 2 levels, so no run exhausts its resets. */
function openPair(n: number, capacity: bigint): Pair {
  const k = keys(`pair ${n}`);
  const ctx = k.ctx({ levels: 2, values: 4096, step: 1, capacity, n });
  const a = DuplexParty.open(ctx, 'a', k.a);
  const b = DuplexParty.open(ctx, 'b', k.b);
  b.onTreeSigned(a.treeSigned());
  a.onTreeSigned(b.treeSigned());
  const setup = k.setup(capacity, n).tx;
  a.markSetupConfirmed(setup);
  b.markSetupConfirmed(setup);
  const p = { a, b, n: 0 };
  // What a simplex channel has paid is a payment output: the first must clear dust, the later ones add INCREMENT.
  payOnce(p, 1_000n);
  payOnce(p, 1_000n);
  return p;
}

function payOnce(p: Pair, amount: bigint): void {
  const [payer, payee] = p.n++ % 2 === 0 ? [p.a, p.b] : [p.b, p.a];
  payer.onPayAck(payee.onPay(payer.pay(amount)).message);
}

function resetOnce(p: Pair): void {
  const [from, to] = p.n++ % 2 === 0 ? [p.a, p.b] : [p.b, p.a];
  to.onResetDone(from.onResetAck(to.onReset(from.proposeReset())));
}

/** What one payment cannot do without: 2 BIP 143 hashes, 1 signature, 1 verification. */
class PaymentFloor {
  private readonly key: PrivateKey;
  private readonly pub: Uint8Array;
  private readonly ch: SimplexChannel;
  private readonly outs: TxOut[];

  constructor(ctx: DuplexContext, key: PrivateKey) {
    this.key = key;
    this.pub = derivePublicKey(key);
    const leaf = duplexBranch(ctx, 0, ctx.initialBalances).at(-1)!;
    this.ch = simplexChannel(ctx, buildFundingSpendTx(leaf.spend).getId(), ctx.initialBalances, 'ab')!;
    this.outs = simplexPaymentSpend(ctx, this.ch, 100_000n).outputs.map((o) => ({ script: o.script, value: o.value }));
  }

  unit(i: number): void {
    const sighash = this.ch.output.sighash;
    // A new amount each time, as each payment's outputs differ.
    const outs = [{ script: this.outs[0]!.script, value: this.outs[0]!.value + BigInt(i & 0xffff) }, ...this.outs.slice(1)];
    const sig = WASM.lib.sign(sighash.hash(DUPLEX_SEQUENCE, 0, outs), this.key);
    if (!WASM.lib.verify(sighash.hash(DUPLEX_SEQUENCE, 0, outs), this.pub, sig, true)) throw new Error('duplex floor: verify');
  }
}

/** Payments per second against their floor, and resets per second, alternating within each round. */
export function runDuplexThroughput(o: { rounds: number; perRound: number; batch: number }): Row[] {
  const pair = openPair(80, 10_000_000_000n);
  const resets = openPair(81, 10_000_000_000n);
  const floor = new PaymentFloor(pair.a.ctx, keys('pair 80').a);
  let unit = 0;
  const cases: Case[] = [
    { name: 'floor', run: (n) => { for (let i = 0; i < n; i++) floor.unit(unit++); } },
    { name: 'payment', run: (n) => { for (let i = 0; i < n; i++) payOnce(pair, INCREMENT); } },
  ];
  for (const c of cases) c.run(Math.max(20, Math.min(300, o.perRound)));
  const t = alternate(cases, o.rounds, o.perRound, o.batch);
  const rate = (name: string) => 1000 / median(t.cpu.get(name)!);
  const ratio = median(t.cpu.get('floor')!.map((f, r) => f / t.cpu.get('payment')![r]!));
  // Resets: fewer per round, each re-signing one or two transactions both ways.
  const perRound = Math.max(10, Math.round(o.perRound / 5));
  const r = alternate([{ name: 'reset', run: (n) => { for (let i = 0; i < n; i++) resetOnce(resets); } }], o.rounds, perRound, o.batch);
  const sample = `median of ${o.rounds} rounds of ${o.perRound}, floor and payments taking turns in batches of ${o.batch}; ratio = floor time / payment time within each round`;
  return [
    {
      section: 'throughput', name: 'duplex payment crypto floor', value: rate('floor'), unit: 'payments/s', note: '1 sign + 1 verify + 2 sighashes',
      detail: `@bitcoinerlab/secp256k1 sign and verify (strict) and 2 BIP 143 hashes from a simplex channel's cached sighash over a payment's outputs; ${sample}`,
    },
    {
      section: 'throughput', name: 'payments, duplex (simplex updates), in memory', value: rate('payment'), unit: 'payments/s', ratio, ratioOf: 'of its floor',
      note: 'pay -> onPay -> onPayAck, alternating direction', detail: `real DuplexParty pair (d = 2, b = 4096) with every check, messages in memory; ${sample}`,
    },
    {
      section: 'throughput', name: 'resets, duplex (d = 2, b = 4096), in memory', value: 1000 / median(r.cpu.get('reset')!), unit: 'resets/s',
      note: 'proposeReset -> onReset -> onResetAck -> onResetDone, re-signing from the first changed level',
      detail: `median of ${o.rounds} rounds of ${perRound}; most resets change the leaf's level only (one transaction signed and verified each way), every 4,096th both`,
    },
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

/** Each kind of transaction, signed by both, against the weight its fee is charged on: the tree with its anchors (the default) and without, and the child through an anchor. */
export function runDuplexWeights(): Row[] {
  const k = keys('weights');
  const rows: Row[] = [];
  for (const anchors of [true, false]) {
    const w = duplexWeights(anchors);
    const ctx = k.ctx({ levels: 2, values: 3, step: 5, capacity: 1_000_000n, n: 82, anchors });
    const a = new DuplexSigner(ctx, 'a', k.a);
    const b = new DuplexSigner(ctx, 'b', k.b);
    const both = (spend: ReturnType<typeof duplexKickoffSpend>) => b.completeTwoOfTwo(spend, a.sign(a.hash(spend)));
    const [node, leaf] = duplexBranch(ctx, 4, ctx.initialBalances).map((t) => both(t.spend));
    const tag = anchors ? '2 anchors' : 'anchors: false';
    rows.push(
      weightRow(`duplex kickoff (${tag})`, w.node, both(duplexKickoffSpend(ctx))),
      weightRow(`duplex tree node (${tag})`, w.node, node!),
      weightRow(`duplex leaf (${tag})`, w.leaf, leaf!),
    );
    if (!anchors) continue;
    const ab = simplexChannel(ctx, leaf!.getId(), ctx.initialBalances, 'ab')!;
    const wallet = benchKey('duplex anchor child wallet');
    const coin = { txid: 'ab'.repeat(32), vout: 0, value: 50_000n, key: derivePublicKey(wallet) };
    const child = a.signAnchorChild({ parent: node!.toBuffer(), feeCoins: [coin], packageFeeRate: 5000n, destinationScript: p2wpkhScript(coin.key) }, [wallet]);
    rows.push(
      weightRow('duplex simplex payment', w.simplexPayment, b.completeSimplexPayment(ab, 10_000n, a.signSimplexPayment(ab, 10_000n))),
      weightRow('duplex simplex refund', w.simplexRefund, a.simplexRefund(ab)),
      weightRow('duplex cooperative close', w.close, both(duplexCloseSpend(ctx, { a: 500_000n, b: 499_000n, fee: 1_000n }))),
      weightRow('duplex anchor child (1 fee coin)', w.anchorChild, child),
    );
  }
  return rows;
}

/**
 * The design notes' table (CONSTRUCTIONS.md 3b): for each d, b, Δ the
 * states, the worst unilateral exit, the transactions to publish (and the
 * children through anchors at most), and what the tree costs the setup
 * output at 1,000 sat/kw (fees and anchors), as verifyDuplexParams reports
 * them.
 */
export const DUPLEX_EXIT_TABLE: readonly { d: number; b: number; step: number }[] = [
  { d: 1, b: 31, step: 144 }, { d: 2, b: 13, step: 144 }, { d: 3, b: 4, step: 144 }, { d: 11, b: 2, step: 144 },
  { d: 11, b: 13, step: 144 }, { d: 11, b: 13, step: 6 }, { d: 6, b: 100, step: 1 }, { d: 40, b: 2, step: 144 },
];

export function runDuplexExits(): Row[] {
  const k = keys('exits');
  return DUPLEX_EXIT_TABLE.map(({ d, b, step }, i): Row => {
    const name = `duplex exit, d = ${d}, b = ${b}, Δ = ${step}`;
    const states = b ** d;
    try {
      const ctx = k.ctx({ levels: d, values: b, step, capacity: 10_000_000n, n: 90 + i });
      const days = ctx.worstExitBlocks / 144;
      return {
        section: 'exits', name, value: ctx.worstExitBlocks, unit: 'blocks',
        note: `${states.toLocaleString('en-US')} states; ${days.toFixed(1)} days; ${ctx.exitTransactions} txs to publish (+ up to ${ctx.exitChildren} children); tree ${ctx.treeCost} sat`,
        data: {
          levels: d, values: b, step, states, worstExitBlocks: ctx.worstExitBlocks, worstExitDays: Number(days.toFixed(2)), exitTransactions: ctx.exitTransactions,
          exitChildren: ctx.exitChildren, treeFee: Number(ctx.treeFee), treeCost: Number(ctx.treeCost),
        },
      };
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      return {
        section: 'exits', name, value: states, unit: 'states',
        note: `refused (${e.code}): b^d = ${states.toExponential(2)} exceeds the counter's 2^32 or a limit of the levels`,
        data: { levels: d, values: b, step, states, refused: e.code },
      };
    }
  });
}
