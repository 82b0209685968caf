/**
 * The watcher engine on its own, under a small policy that belongs to no
 * channel construction: "sweep this coin to our wallet from height H, before
 * height D", and "tell me who spends that outpoint". On the embedded regtest
 * node it shows what every construction's policy relies on: a duty is
 * broadcast when it falls due, sent again after an eviction, raised by the
 * schedule and at once near its deadline, settled at depth and reopened by a
 * reorg; a claim of ours found on chain is adopted, someone else's spend
 * loses the duty; a watched outpoint's spend is followed from the mempool
 * into a block and out again; asking the node instead of reading blocks, a
 * buried spend is only checked by its block's hash.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { ChainBackend, ChainTip, ChannelError, FeeRate, PrivateKey, bytesEqual, p2wpkhScript, toHex } from '../lib';
import { Duty, ReplaceableDuty } from '../lib/chain/duty';
import { OutpointWatcher } from '../lib/chain/outpoint-watcher';
import { SpendRecord, Watch, WatchPolicy, depthOf, errorFields } from '../lib/chain/watch-policy';
import { RegtestNode } from './kit/regtest-node';
import { spendP2wpkh } from './support/adversarial';
import { testKey } from './support/keys';

const FINAL_DEPTH = 3;
const START_RATE: FeeRate = 1000n;
const MAX_RATE: FeeRate = 8000n;

/** One thing to watch: a coin of ours to sweep from `dueAt`, before `deadline`; or an outpoint whose spender we want to know. */
interface Job {
  readonly name: string;
  readonly coin?: { readonly tx: Transaction; readonly vout: number; readonly key: PrivateKey };
  readonly dueAt: number;
  readonly deadline: number;
  /** Never resolved: its spend stays watched after it is buried. */
  readonly keepOpen?: boolean;
  duty?: ReplaceableDuty;
  watched?: Watch<string>;
}

type Seen =
  | { kind: 'block'; height: number }
  | { kind: 'reorg'; height: number }
  | { kind: 'error'; job?: string; code: string; message: string; reason?: string }
  | { kind: 'broadcast'; job: string; txid: string; rate: FeeRate; replaces?: string }
  | { kind: 'confirmed'; job: string; txid: string; height: number }
  | { kind: 'lost'; job: string; txid: string; height: number }
  | { kind: 'spent'; job: string; txid: string; height?: number; note: string }
  | { kind: 'moved'; job: string; txid: string; height?: number; note: string }
  | { kind: 'vanished'; job: string; txid: string }
  | { kind: 'resolved'; job: string };

/** The toy construction's policy: everything a construction decides, nothing the engine does. */
class SweepPolicy implements WatchPolicy<Job, 'watched', string> {
  engine!: OutpointWatcher<Job, 'watched', string>;

  constructor(private readonly destination: Uint8Array, private readonly log: Seen[]) {}

  // What a hashlock watcher would read from the witness; here, the spender's public key.
  describe(_job: Job, _tag: 'watched', tx: Transaction): string {
    return toHex(tx.ins[0]!.witness[1] ?? new Uint8Array());
  }

  spent(job: Job, _tag: 'watched', s: SpendRecord<string>): void {
    this.log.push({ kind: 'spent', job: job.name, txid: s.txid, ...(s.height !== undefined ? { height: s.height } : {}), note: s.note });
  }

  moved(job: Job, _tag: 'watched', s: SpendRecord<string>): void {
    this.log.push({ kind: 'moved', job: job.name, txid: s.txid, ...(s.height !== undefined ? { height: s.height } : {}), note: s.note });
  }

  vanished(job: Job, _tag: 'watched', txid: string): void {
    this.log.push({ kind: 'vanished', job: job.name, txid });
  }

  work(job: Job, tip: ChainTip): readonly Duty[] {
    if (!job.coin || tip.height < job.dueAt) return [];
    job.duty ??= this.engine.hold(job, this.sweep(job, job.coin));
    return [job.duty];
  }

  private sweep(job: Job, coin: NonNullable<Job['coin']>): ReplaceableDuty {
    return new ReplaceableDuty({
      spends: [{ outpoint: { txid: coin.tx.getId(), vout: coin.vout }, contested: true }],
      rate: START_RATE,
      isOurs: (tx) => tx.outs.length > 0 && tx.outs.every((o) => bytesEqual(o.script, this.destination)),
      build: (rate) => spendP2wpkh(coin.tx, coin.vout, coin.key, this.destination, rate).toBuffer(),
      fees: (tip) => ({
        startRate: START_RATE, maxRate: MAX_RATE, bumpAfterBlocks: 2, blocksLeft: job.deadline - (tip.height + 1), urgentWithin: 2, burnWithin: 0, ceiling: MAX_RATE,
      }),
      onBroadcast: (a, replaces) => this.log.push({ kind: 'broadcast', job: job.name, txid: a.txid, rate: a.rate, ...(replaces !== undefined ? { replaces } : {}) }),
      onConfirmed: (m) => this.log.push({ kind: 'confirmed', job: job.name, txid: m.txid, height: m.height }),
      onLost: (m) => this.log.push({ kind: 'lost', job: job.name, txid: m.txid, height: m.height }),
    });
  }

  settle(job: Job, tip: ChainTip): void {
    const end = job.duty?.confirmed ?? job.duty?.lost ?? job.watched?.spend;
    if (job.keepOpen || !end || depthOf(end, tip) < FINAL_DEPTH) return;
    this.engine.resolve(job);
    this.log.push({ kind: 'resolved', job: job.name });
  }
}

function engineOver(backend: ChainBackend, destination: Uint8Array, follow: { fromHeight: number } | undefined): { engine: OutpointWatcher<Job, 'watched', string>; log: Seen[] } {
  const log: Seen[] = [];
  const policy = new SweepPolicy(destination, log);
  const engine = new OutpointWatcher<Job, 'watched', string>({
    backend, policy, finalDepth: FINAL_DEPTH,
    ...(follow ? { follow: { fromHeight: follow.fromHeight, remember: 144, checkMempool: true } } : {}),
    events: {
      block: (ref) => log.push({ kind: 'block', height: ref.height }),
      reorg: (ref) => log.push({ kind: 'reorg', height: ref.height }),
      error: (e, job) => log.push({ kind: 'error', ...(job ? { job: job.name } : {}), ...errorFields(e) }),
    },
  });
  policy.engine = engine;
  return { engine, log };
}

const only = <K extends Seen['kind']>(log: Seen[], kind: K) => log.filter((e): e is Extract<Seen, { kind: K }> => e.kind === kind);

describe('the watcher engine under a policy of its own (embedded regtest node)', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  beforeEach(async () => { node = await RegtestNode.start(); });
  afterEach(async () => { await node?.stop(); });

  let n = 0;
  async function coinOf(label: string): Promise<NonNullable<Job['coin']>> {
    const key = testKey(`outpoint-watcher spec ${label} ${++n}`);
    const funded = await node.fund(p2wpkhScript(key.pub), 100_000n);
    return { tx: Transaction.fromBuffer(funded.tx), vout: funded.vout, key: key.priv };
  }
  const wallet = p2wpkhScript(testKey('outpoint-watcher spec wallet').pub);

  it('a duty due at a height is broadcast then, sent again after an eviction, raised by the schedule and at the deadline, settled at depth and reopened by a reorg', async () => {
    const coin = await coinOf('sweep');
    const h0 = (await node.getTip()).height;
    const job: Job = { name: 'sweep', coin, dueAt: h0 + 2, deadline: h0 + 9 };
    const { engine, log } = engineOver(node, wallet, { fromHeight: h0 });
    engine.at(job, (tip) => tip.height >= job.dueAt);
    await engine.poll();
    expect(only(log, 'broadcast'), 'nothing before it is due').to.deep.equal([]);

    await node.mine(2);
    await engine.poll();
    const [first] = only(log, 'broadcast');
    expect(first).to.deep.include({ job: 'sweep', rate: START_RATE });
    expect(node.mempoolHas(first!.txid)).to.equal(true);

    // Evicted: the same bytes again, not a new attempt.
    expect(node.evict(first!.txid)).to.equal(true);
    await engine.poll();
    expect(node.mempoolHas(first!.txid), 'sent again').to.equal(true);
    expect(only(log, 'broadcast')).to.have.length(1);

    // Two blocks without it: the schedule doubles the rate. bcoin replaces nothing, so the bump is refused and the live one stays.
    await node.mineEmpty(2);
    await engine.poll();
    expect(only(log, 'error')).to.deep.equal([{ kind: 'error', job: 'sweep', code: 'BROADCAST_REJECTED', reason: 'bad-txns-inputs-spent', message: only(log, 'error')[0]!.message }]);
    expect(node.mempoolHas(first!.txid), 'the live attempt kept').to.equal(true);
    node.evict(first!.txid);
    await engine.poll();
    const second = only(log, 'broadcast')[1]!;
    expect(second).to.deep.include({ rate: 2n * START_RATE, replaces: first!.txid });
    expect(node.mempoolHas(second.txid)).to.equal(true);

    // One more block: nothing more is asked of it.
    await node.mineEmpty(1);
    await engine.poll();
    expect(only(log, 'broadcast')).to.have.length(2);

    // Two blocks before the deadline: the ceiling at once, not the next doubling.
    await node.mineEmpty(1);
    node.evict(second.txid);
    await engine.poll();
    const third = only(log, 'broadcast')[2]!;
    expect(third).to.deep.include({ rate: MAX_RATE, replaces: second.txid });

    await node.mine(1);
    await engine.poll();
    const minedAt = (await node.getTip()).height;
    expect(only(log, 'confirmed')).to.deep.equal([{ kind: 'confirmed', job: 'sweep', txid: third.txid, height: minedAt }]);
    await node.mine(1);
    await engine.poll();
    expect(only(log, 'resolved'), 'not at depth 2').to.deep.equal([]);
    await node.mine(1);
    await engine.poll();
    expect(only(log, 'resolved')).to.deep.equal([{ kind: 'resolved', job: 'sweep' }]);
    expect(engine.isResolved(job)).to.equal(true);

    // The three blocks are replaced by a branch without the sweep: reopened, the same sweep sent again, settled again.
    await node.reorg(3, { drop: [third.txid] });
    await engine.poll();
    expect(only(log, 'reorg').map((e) => e.height)).to.deep.equal([minedAt + 2, minedAt + 1, minedAt]);
    expect(engine.isResolved(job)).to.equal(false);
    expect(node.mempoolHas(third.txid), 'sent again after the reorg').to.equal(true);
    expect(only(log, 'broadcast')).to.have.length(3);
    for (let i = 0; i < FINAL_DEPTH; i++) {
      await node.mine(1);
      await engine.poll();
    }
    expect(only(log, 'confirmed').map((e) => e.txid)).to.deep.equal([third.txid, third.txid]);
    expect(only(log, 'resolved')).to.have.length(2);
    expect((await node.getSpender({ txid: coin.tx.getId(), vout: coin.vout }))?.txid).to.equal(third.txid);
  });

  it('a claim of ours already on chain is adopted without a broadcast; someone else\'s confirmed spend loses the duty', async () => {
    const ours = await coinOf('ours');
    const theirs = await coinOf('theirs');
    const before = spendP2wpkh(ours.tx, ours.vout, ours.key, wallet, START_RATE);
    const taken = spendP2wpkh(theirs.tx, theirs.vout, theirs.key, p2wpkhScript(testKey('outpoint-watcher spec someone else').pub), START_RATE);
    await node.broadcast(before.toBuffer());
    await node.broadcast(taken.toBuffer());
    await node.mine(1);
    const minedAt = (await node.getTip()).height;
    await node.mine(1);
    // A restarted watcher that reads only later blocks: it asks the node before its first attempt.
    const { engine, log } = engineOver(node, wallet, { fromHeight: minedAt + 2 });
    const a: Job = { name: 'ours', coin: ours, dueAt: 0, deadline: minedAt + 50 };
    const b: Job = { name: 'theirs', coin: theirs, dueAt: 0, deadline: minedAt + 50 };
    for (const j of [a, b]) engine.at(j, () => true);
    await engine.poll();
    expect(log.filter((e) => e.kind !== 'block')).to.deep.equal([
      { kind: 'confirmed', job: 'ours', txid: before.getId(), height: minedAt },
      { kind: 'lost', job: 'theirs', txid: taken.getId(), height: minedAt },
    ]);
    expect(a.duty!.attempts.map((x) => x.txid)).to.deep.equal([before.getId()]);
    await node.mine(1);
    await engine.poll();
    expect(only(log, 'resolved').map((e) => e.job)).to.deep.equal(['ours', 'theirs']);
    expect(only(log, 'broadcast')).to.deep.equal([]);
  });

  it('a watched outpoint: its spend is recorded from the mempool, moved into a block, unconfirmed by a reorg and reported gone when it leaves', async () => {
    const coin = await coinOf('watched');
    const spender = spendP2wpkh(coin.tx, coin.vout, coin.key, p2wpkhScript(testKey('outpoint-watcher spec spender').pub), START_RATE);
    const h0 = (await node.getTip()).height;
    const { engine, log } = engineOver(node, wallet, { fromHeight: h0 });
    const job: Job = { name: 'watched', dueAt: Number.POSITIVE_INFINITY, deadline: 0 };
    job.watched = engine.watch({ txid: coin.tx.getId(), vout: coin.vout }, job, 'watched');
    expect(() => engine.watch({ txid: coin.tx.getId(), vout: coin.vout }, job, 'watched')).to.throw().with.property('code', 'CHANNEL_ALREADY_WATCHED');
    await engine.poll();
    await node.broadcast(spender.toBuffer());
    await engine.poll();
    const note = toHex(spender.ins[0]!.witness[1]!);
    expect(log.filter((e) => e.kind !== 'block')).to.deep.equal([{ kind: 'spent', job: 'watched', txid: spender.getId(), note }]);
    await node.mine(1);
    await engine.poll();
    expect(job.watched.spend).to.include({ txid: spender.getId(), height: h0 + 1 });
    expect(only(log, 'moved')).to.deep.equal([{ kind: 'moved', job: 'watched', txid: spender.getId(), height: h0 + 1, note }]);
    await node.reorg(1, { drop: [spender.getId()] });
    await engine.poll();
    expect(log.filter((e) => e.kind === 'reorg' || e.kind === 'vanished')).to.deep.equal([
      { kind: 'reorg', height: h0 + 1 }, { kind: 'vanished', job: 'watched', txid: spender.getId() },
    ]);
    expect(job.watched.spend).to.equal(undefined);
  });

  it('asking the node instead of reading blocks: asked every poll until buried, then only its block\'s hash is checked; a failed call is reported and asked again; a buried block replaced is asked again', async () => {
    const coin = await coinOf('asked');
    const spender = spendP2wpkh(coin.tx, coin.vout, coin.key, p2wpkhScript(testKey('outpoint-watcher spec asked spender').pub), START_RATE);
    const calls = { getSpender: 0, getBlockHash: 0, getBlock: 0 };
    let failNext = false;
    const counted: ChainBackend = {
      getTip: () => node.getTip(), broadcast: (raw) => node.broadcast(raw), getTransaction: (t) => node.getTransaction(t),
      getBlock: (h) => { calls.getBlock++; return node.getBlock(h); },
      getBlockHash: (h) => { calls.getBlockHash++; return node.getBlockHash(h); },
      getSpender: async (o) => {
        calls.getSpender++;
        if (failNext) {
          failNext = false;
          throw new ChannelError('CHAIN_BACKEND', 'timeout');
        }
        return node.getSpender(o);
      },
    };
    const { engine, log } = engineOver(counted, wallet, undefined);
    const job: Job = { name: 'asked', dueAt: Number.POSITIVE_INFINITY, deadline: 0, keepOpen: true };
    job.watched = engine.watch({ txid: coin.tx.getId(), vout: coin.vout }, job, 'watched');
    await node.broadcast(spender.toBuffer());
    await engine.poll();
    expect(only(log, 'spent')).to.deep.equal([{ kind: 'spent', job: 'asked', txid: spender.getId(), note: toHex(spender.ins[0]!.witness[1]!) }]);
    failNext = true;
    await engine.poll();
    expect(only(log, 'error').map((e) => [e.job, e.code])).to.deep.equal([['asked', 'CHAIN_BACKEND']]);
    await node.mine(1);
    await engine.poll();
    expect(only(log, 'moved')).to.deep.equal([{ kind: 'moved', job: 'asked', txid: spender.getId(), height: (await node.getTip()).height, note: toHex(spender.ins[0]!.witness[1]!) }]);
    await node.mine(FINAL_DEPTH - 1);
    const before = { ...calls };
    await engine.poll();
    expect(calls.getSpender - before.getSpender, 'buried: not asked again').to.equal(0);
    expect(calls.getBlockHash - before.getBlockHash, 'its block checked by hash').to.equal(1);
    expect(calls.getBlock, 'no block read').to.equal(0);
    // The buried block replaced: asked again, and the spend follows the new branch.
    await node.reorg(FINAL_DEPTH, { drop: [spender.getId()] });
    await engine.poll();
    expect(only(log, 'vanished')).to.deep.equal([{ kind: 'vanished', job: 'asked', txid: spender.getId() }]);
    expect(job.watched.spend).to.equal(undefined);
  });
});
