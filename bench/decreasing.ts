/**
 * The decreasing-lock channel in the bench: updates per second against their
 * own crypto floor, and the weights of its transactions. An update cannot do
 * with less than two signatures (the payer's, then the payee's), two
 * verifications (each of the other's) and two BIP 143 hashes (one each), so
 * that is its floor, done with the same library and the channel's cached
 * sighash over a real state's outputs, built once. An update is the real
 * parties' pay -> onUpdate -> onUpdateAck with every check, messages in
 * memory, alternating direction.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  DECREASING_SEQUENCE, DecreasingContext, DecreasingParty, PrivateKey, TxOut, buildDecreasingStateTx, decreasingWeights, derivePublicKey,
  p2wpkhScript, verifyDecreasingParams,
} from '../lib';
import { WASM } from './backends';
import { Case, alternate, median } from './measure';
import { CHAIN, benchKey } from './parties';
import { Row } from './report';

const INCREMENT = 100n;

interface Pair {
  readonly a: DecreasingParty;
  readonly b: DecreasingParty;
  n: number;
}

/** A channel of either form on a made-up funding outpoint: locks far enough ahead (Δ = 1) for any run's updates. */
function openPair(form: 'locktime' | 'kickoff', n: number, capacity: bigint, anchors = true): Pair {
  const k = (what: string) => benchKey(`decreasing ${form} ${what}`);
  const ctx = verifyDecreasingParams({
    form, fundingOutpoint: { txid: n.toString(16).padStart(64, '0'), vout: 0 }, capacity,
    aFundingKey: derivePublicKey(k('a funding')), bFundingKey: derivePublicKey(k('b funding')),
    aPayoutKey: derivePublicKey(k('a payout')), bPayoutKey: derivePublicKey(k('b payout')),
    step: 1, ...(form === 'locktime' ? { initialLock: { height: 400_000_000 } } : { updates: 0xffff }),
    aBalance: capacity / 2n, feeRate: 1000n, anchors,
  });
  const a = DecreasingParty.open(ctx, 'a', k('a funding'));
  const b = DecreasingParty.open(ctx, 'b', k('b funding'));
  b.onInitialSigned(a.initialSigned());
  a.onInitialSigned(b.initialSigned());
  return { a, b, n: 0 };
}

function updateOnce(p: Pair, amount: bigint): void {
  const [payer, payee] = p.n++ % 2 === 0 ? [p.a, p.b] : [p.b, p.a];
  const { message } = payer.pay(amount, CHAIN);
  payer.onUpdateAck(payee.onUpdate(message, CHAIN).message);
}

/** What one update cannot do without: 2 BIP 143 hashes, 2 signatures, 2 verifications. */
class DecreasingFloor {
  private readonly ctx: DecreasingContext;
  private readonly key: PrivateKey;
  private readonly pub: Uint8Array;
  private readonly outs: TxOut[];

  constructor(ctx: DecreasingContext) {
    this.ctx = ctx;
    this.key = benchKey('decreasing locktime a funding');
    this.pub = derivePublicKey(this.key);
    this.outs = buildDecreasingStateTx({ ctx, index: 1, aBalance: 1_000_000n, bBalance: ctx.stateCapacity - 1_002_000n, fee: 2000n }).outs
      .map((o) => ({ script: o.script, value: o.value }));
  }

  unit(i: number): void {
    const sighash = this.ctx.funding.sighash;
    const lock = 400_000_000 - 1 - (i & 0xfffff);
    for (let side = 0; side < 2; side++) {
      const h = sighash.hash(DECREASING_SEQUENCE, lock, this.outs);
      const sig = WASM.lib.sign(h, this.key);
      if (!WASM.lib.verify(h, this.pub, sig, true)) throw new Error('decreasing floor: verify');
    }
  }
}

/** Updates per second of the locktime form, against its floor, alternating within each round. */
export function runDecreasingThroughput(o: { rounds: number; perRound: number; batch: number }): Row[] {
  const pair = openPair('locktime', 90, 10_000_000_000n);
  const floor = new DecreasingFloor(pair.a.ctx);
  let unit = 0;
  const cases: Case[] = [
    { name: 'floor', run: (n) => { for (let i = 0; i < n; i++) floor.unit(unit++); } },
    { name: 'update', run: (n) => { for (let i = 0; i < n; i++) updateOnce(pair, INCREMENT); } },
  ];
  for (const c of cases) c.run(Math.max(20, Math.min(300, o.perRound)));
  const t = alternate(cases, o.rounds, o.perRound, o.batch);
  const rate = (name: string) => 1000 / median(t.cpu.get(name)!);
  const ratio = median(t.cpu.get('floor')!.map((f, r) => f / t.cpu.get('update')![r]!));
  const sample = `median of ${o.rounds} rounds of ${o.perRound}, floor and updates taking turns in batches of ${o.batch}; ratio = floor time / update time within each round`;
  return [
    {
      section: 'throughput', name: 'decreasing-lock crypto floor', value: rate('floor'), unit: 'updates/s', note: '2 sign + 2 verify + 2 sighashes',
      detail: `@bitcoinerlab/secp256k1 sign and verify (strict) on 32-byte inputs and 2 BIP 143 hashes from the channel's cached sighash over a real state's outputs built once; ${sample}`,
    },
    {
      section: 'throughput', name: 'updates, decreasing-lock (locktime form), in memory', value: rate('update'), unit: 'updates/s', ratio, ratioOf: 'of its floor',
      note: 'pay -> onUpdate -> onUpdateAck, alternating direction', detail: `real DecreasingParty pair with every check, messages in memory; ${sample}`,
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

/** A state of each form, the kickoff and the close, signed, against the weights their fees are charged on; with anchors (the default) and without; and the child through an anchor. */
export function runDecreasingWeights(): Row[] {
  const w = decreasingWeights();
  const bare = decreasingWeights(false);
  const l = openPair('locktime', 91, 1_000_000n);
  const k = openPair('kickoff', 92, 1_000_000n);
  const lb = openPair('locktime', 93, 1_000_000n, false);
  const kb = openPair('kickoff', 94, 1_000_000n, false);
  for (const p of [l, k, lb, kb]) updateOnce(p, 10_000n);
  const close = l.b.onClose(l.a.proposeClose(500n)).tx;
  const wallet = benchKey('decreasing anchor child wallet');
  const walletPub = derivePublicKey(wallet);
  const child = l.a.signer.signAnchorChild({
    parent: l.a.latestStateTx().toBuffer(), feeCoins: [{ txid: 'cd'.repeat(32), vout: 0, value: 100_000n, key: walletPub }],
    packageFeeRate: 5000n, destinationScript: p2wpkhScript(walletPub),
  }, [wallet]);
  return [
    weightRow('decreasing-lock state (locktime form, 2 anchors)', w.state, l.a.latestStateTx()),
    weightRow('decreasing-lock state (kickoff form, 2 anchors)', w.state, k.a.latestStateTx()),
    weightRow('decreasing-lock kickoff (2 anchors)', w.kickoff, k.a.kickoffTx()),
    weightRow('decreasing-lock state (locktime form, anchors: false)', bare.state, lb.a.latestStateTx()),
    weightRow('decreasing-lock state (kickoff form, anchors: false)', bare.state, kb.a.latestStateTx()),
    weightRow('decreasing-lock kickoff (anchors: false)', bare.kickoff, kb.a.kickoffTx()),
    weightRow('decreasing-lock cooperative close', w.close, close),
    weightRow('decreasing-lock anchor child (anchor + 1 P2WPKH coin -> P2WPKH)', w.anchorChild, child),
  ];
}
