/**
 * The benchmark at tiny sizes, so that it cannot rot: every section runs with
 * the real parties, builders and watcher, and what is deterministic is checked
 * (weights equal the builders' figures, stored secrets stay within BOLT 3's
 * bound, the watcher finds exactly the spends in its block). Speeds are not.
 */
import { expect } from 'chai';
import { decreasingWeights, duplexWeights, spillmanWeights, CLOSE_WEIGHT, FUNDING_SPEND_INPUT, P2WPKH_INPUT, PAYMENT_WEIGHT, penaltyWeight, revocableTemplate, segwitTxWeight, timeoutWeight } from '../lib';
import { BenchOptions, BenchResult, runBench } from '../bench/main';
import { nativeBackend } from '../bench/backends';
import { VARIANTS } from '../bench/parties';
import { Row, formatTable } from '../bench/report';
import { POSTGRES_TARGET } from '../bench/hub';
import { NATIVE_SPEEDUP_TARGET } from '../bench/throughput';
import { BOLT3_COMMITMENT_NO_HTLC, BOLT5_PENALTY_TO_LOCAL, BOLT5_PENALTY_TO_LOCAL_AND_REMOTE } from '../bench/weights';

const TINY: BenchOptions = {
  throughput: { rounds: 2, perRound: 4, batch: 2, fileStorePayments: 3 },
  growth: { checkpoints: [40, 100], window: 20, scheduleSteps: 1000, scheduleWindow: 100 },
  hub: { channels: 20, rounds: 1 },
  watcher: { channels: [10, 100], blockTxs: 60, rounds: 1, processes: 4 },
};

describe('benchmark (tiny sizes)', function () {
  // The hub rows start a PostgreSQL server and PGlite, and the split forks four watcher processes.
  this.timeout(180_000);
  let result: BenchResult;
  const rows = (section: Row['section']) => result.rows.filter((r) => r.section === section);
  const named = (name: string) => {
    const r = result.rows.find((x) => x.name === name);
    expect(r, name).to.not.equal(undefined);
    return r!;
  };

  before(async () => {
    result = await runBench(TINY);
  });

  it('gives rows with a finite value and a unit in every section, and machine facts', () => {
    for (const s of ['throughput', 'growth', 'weights', 'hub', 'watcher'] as const) expect(rows(s), s).to.not.be.empty;
    for (const r of result.rows) {
      expect(Number.isFinite(r.value), r.name).to.equal(true);
      expect(r.unit, r.name).to.be.a('string').and.not.equal('');
      if (r.target !== undefined) expect(r.pass, r.name).to.be.a('boolean');
      if (r.ratio !== undefined) expect(r.ratio > 0, r.name).to.equal(true);
    }
    expect(result.machine.node).to.equal(process.version);
    expect(result.machine).to.include.keys('cpu', 'date', 'cores');
  });

  it('reports the floor, the payment rates as ratios to it, the wire and the file store', () => {
    expect(named('crypto floor').unit).to.equal('payments/s');
    for (const n of ['payments, csv, in memory', 'payments, cltv, in memory']) expect(named(n)).to.include({ ratioOf: 'of floor', target: '>= 0.80' });
    expect(named('payments, csv, JSON wire').ratioOf).to.equal('of floor');
    expect(named('payments, csv, receiver saved to file').ratioOf).to.equal('of in-memory');
  });

  it('gives each ECC backend its floor and payment rate as a ratio to it, and the native speed-up over WASM against its target', () => {
    const backends = ['@bitcoinerlab/secp256k1', ...('lib' in nativeBackend() ? ['native secp256k1'] : [])];
    for (const b of backends) {
      expect(named(`crypto floor, ${b}`).unit).to.equal('payments/s');
      expect(named(`payments, csv, in memory, ${b}`)).to.include({ ratioOf: 'of its floor', unit: 'payments/s' });
    }
    if (backends.length === 2) expect(named('payments, csv, in memory: native / WASM')).to.include({ unit: 'x', target: `>= ${NATIVE_SPEEDUP_TARGET.toFixed(2)}` });
  });

  it('weighs every kind in both variants at the builders\' maximum, each signed transaction within it', () => {
    expect([BOLT3_COMMITMENT_NO_HTLC, BOLT5_PENALTY_TO_LOCAL, BOLT5_PENALTY_TO_LOCAL_AND_REMOTE]).to.deep.equal([724, 538, 810]);
    expect(named('funding, 1 P2WPKH input, change (both)').value).to.equal(segwitTxWeight([P2WPKH_INPUT], [34, 22]));
    for (const { name, variant } of VARIANTS) {
      const t = revocableTemplate(variant);
      const expected: [string, number][] = [
        ['sender version, state 0 (refund)', PAYMENT_WEIGHT],
        ['sender version, state i', PAYMENT_WEIGHT],
        ['receiver version, state i', PAYMENT_WEIGHT],
        ['penalty, revocable output, to P2WSH', penaltyWeight(t, false, 34)],
        ['penalty, revocable + own output, to P2WSH', penaltyWeight(t, true, 34)],
        ['timeout sweep, to P2WSH', timeoutWeight(t, 34)],
        ['cooperative close', CLOSE_WEIGHT],
      ];
      for (const [kind, weight] of expected) {
        const r = named(`${kind} (${name})`);
        expect(r.value, r.name).to.equal(weight);
        // DER signatures are 71-73 bytes: a signed transaction is at most a few weight units under its shape's maximum.
        const shapeMax = r.data!.shapeMax as number;
        expect(shapeMax, r.name).to.be.at.most(weight);
        expect(r.data!.signedWeight as number, r.name).to.be.at.most(shapeMax).and.at.least(shapeMax - 12);
        expect(r.data!.maxVsize, r.name).to.equal(Math.ceil(weight / 4));
      }
      expect(named(`sender version, state i (${name})`).data!.bolt).to.equal(724);
      expect(named(`sender version, state 0 (refund) (${name})`).data!.shapeMax).to.equal(segwitTxWeight([FUNDING_SPEND_INPUT], [34]));
      expect(named(`receiver version, state i (${name})`).data!.shapeMax).to.equal(segwitTxWeight([FUNDING_SPEND_INPUT], [22, 22]));
    }
    expect(PAYMENT_WEIGHT).to.equal(BOLT3_COMMITMENT_NO_HTLC);
  });

  it('reports decreasing-lock updates against their own floor (2 sign, 2 verify, 2 sighashes), and its weights at the builders\' maximum', () => {
    expect(named('decreasing-lock crypto floor')).to.include({ unit: 'updates/s', note: '2 sign + 2 verify + 2 sighashes' });
    expect(named('updates, decreasing-lock (locktime form), in memory')).to.include({ unit: 'updates/s', ratioOf: 'of its floor' });
    const w = decreasingWeights();
    const bare = decreasingWeights(false);
    expect(named('decreasing-lock state (locktime form, 2 anchors)').value).to.equal(w.state);
    expect(named('decreasing-lock state (kickoff form, 2 anchors)').value).to.equal(w.state);
    expect(named('decreasing-lock kickoff (2 anchors)').value).to.equal(w.kickoff);
    expect(named('decreasing-lock state (locktime form, anchors: false)').value).to.equal(bare.state);
    expect(named('decreasing-lock kickoff (anchors: false)').value).to.equal(bare.kickoff);
    expect(named('decreasing-lock cooperative close').value).to.equal(w.close);
    expect(named('decreasing-lock anchor child (anchor + 1 P2WPKH coin -> P2WPKH)').value).to.equal(w.anchorChild);
  });

  it('reports duplex payments and resets, its weights with and without anchors at the builders\' maximum, and its exits with their children and cost', () => {
    expect(named('resets, duplex (d = 2, b = 4096), in memory')).to.include({ unit: 'resets/s' });
    const w = duplexWeights();
    const bare = duplexWeights(false);
    expect(named('duplex kickoff (2 anchors)').value).to.equal(w.node);
    expect(named('duplex tree node (2 anchors)').value).to.equal(w.node);
    expect(named('duplex leaf (2 anchors)').value).to.equal(w.leaf);
    expect(named('duplex leaf (anchors: false)').value).to.equal(bare.leaf);
    expect(named('duplex anchor child (1 fee coin)').value).to.equal(w.anchorChild);
    // d = 2 at 1,000 sat/kw: the kickoff and one node at 944 sat each, the leaf at 1,116, and 660 sat of anchors on each.
    expect(named('duplex exit, d = 2, b = 13, Δ = 144').data).to.include({ exitTransactions: 5, exitChildren: 3, treeCost: 944 * 2 + 1116 + 3 * 660 });
  });

  it('reports Spillman payments of both forms against their own floor (1 sign, 1 verify, 2 sighashes), and their weights at the builders\' maximum', () => {
    expect(named('Spillman crypto floor')).to.include({ unit: 'payments/s', note: '1 sign + 1 verify + 2 sighashes' });
    for (const form of ['S', 'C'] as const) {
      expect(named(`payments, Spillman Form ${form}, in memory`)).to.include({ unit: 'payments/s', ratioOf: 'of its floor' });
      const w = spillmanWeights(form);
      expect(named(`Spillman refund (Form ${form})`).value).to.equal(w.refund);
      expect(named(`Spillman payment (Form ${form})`).value).to.equal(w.payment);
      expect(named(`Spillman cooperative close (Form ${form})`).value).to.equal(w.payment);
    }
  });

  it('keeps the receiver\'s stored secrets within 49, 40 bytes each', () => {
    const storage = rows('growth').filter((r) => r.unit === 'bytes');
    expect(storage).to.have.length(3);
    for (const r of storage) {
      const secrets = r.data!.secrets as number;
      expect(secrets, r.name).to.be.within(1, 49);
      expect(r.value, r.name).to.equal(secrets * 40);
      expect(r.pass, r.name).to.equal(true);
    }
    // 100 payments revoke states 0..99, indices 2^48-1 down to 2^48-100: they have 0 to 6 trailing zeros, one bucket each.
    expect(named('after 10^2 payments: receiver\'s stored secrets').data!.secrets).to.equal(7);
  });

  it('times the growth windows taking turns, each as a ratio to the start window', () => {
    expect(named('payments 1..20: time per payment').unit).to.equal('us');
    for (const n of ['after 40 payments', 'after 10^2 payments']) expect(named(`${n}: time per payment`)).to.include({ ratioOf: 'of start', unit: 'us' });
    expect(named('key schedule + store, steps 901..10^3').ratioOf).to.equal('of start');
  });

  it('pays through the hub on every store, durable PostgreSQL against its target, with memory and database sizes per channel', () => {
    const paying = (label: string) => named(`20 channels paying at once: ${label}`);
    expect(paying('in memory (MemoryChannelStore)').unit).to.equal('payments/s');
    for (const label of ['PGlite (PostgresChannelStore)', 'PostgreSQL server (PostgresChannelStore)', 'files (FileChannelStore)']) {
      expect(paying(label)).to.include({ ratioOf: 'of in-memory', unit: 'payments/s' });
    }
    expect(paying('PostgreSQL server (PostgresChannelStore)').target).to.equal(`>= ${POSTGRES_TARGET.toFixed(2)}`);
    expect(named('memory per open channel in the hub').data!.receiverAloneBytes).to.be.a('number');
    const text = named('state per channel: JSON text').value;
    // A receiver's saved state is a couple of kilobytes; jsonb keeps about as much, the table more (an index, free space, the alias).
    expect(text).to.be.within(1000, 4000);
    expect(named('state per channel: jsonb').value).to.be.within(text * 0.8, text * 1.5);
    expect(named('state per channel: table + index').value).to.be.above(named('state per channel: jsonb').value);
  });

  it('times the watcher at each size, having checked that it found every spend in its blocks, and with the duty split over 4 processes', () => {
    expect(rows('watcher').map((r) => r.name)).to.deep.equal([
      '10^1 channels: scan of one block', '10^1 channels: whole poll of a block',
      '10^2 channels: scan of one block', '10^2 channels: whole poll of a block',
      'block parse alone (Block.fromBuffer)',
      '10^2 channels over 4 processes (WatchLeases): whole poll, per process',
      '10^2 channels over 4 processes (WatchLeases): taking a share',
      '10^2 channels over 4 processes (WatchLeases): lease renewal, nothing to move',
      '10^2 channels over 4 processes (WatchLeases): registering the outpoints',
    ]);
    // 96 synthetic outpoints and 4 real ones per block: 100 in all with one block, 25 for each process.
    expect(named('10^2 channels over 4 processes (WatchLeases): whole poll, per process').data!.held).to.equal('25 25 25 25');
  });

  it('prints one aligned table', () => {
    const lines = formatTable(result.rows).split('\n');
    expect(lines[0]).to.match(/^section\s+measure\s+value\s+unit\s+ratio\s+target\s+note$/);
    const sections = new Set(result.rows.map((r) => r.section)).size;
    expect(lines).to.have.length(2 + result.rows.length + sections - 1);
    const valueEnd = lines[1]!.split('  ').slice(0, 3).join('  ').length;
    for (const l of lines.slice(2).filter((x) => x !== '')) expect(l[valueEnd - 1], l).to.match(/[0-9]/);
  });
});
