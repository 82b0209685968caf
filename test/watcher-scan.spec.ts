/**
 * The watcher's per-block scan: spendsIn finds exactly the watched inputs of
 * a block, in block order, and stays lazy, so a revoked version and the claim
 * against it mined in the same block are both seen. The block is assembled
 * here and served by an in-memory backend that knows no spender, the one case
 * a node cannot set up (bcoin reports the claim as the spender before the
 * watcher ever broadcasts); the transactions themselves are the parties' own,
 * and the node-backed watcher tests prove them valid.
 */
import { expect } from 'chai';
import { Block, Transaction } from 'bitcoinjs-lib';
import {
  ChainBackend, ChainTip, ReceiverWatcher, SpendInfo, WatcherEvent, hashToTxid, outpointKey, spendsIn, txidToHash,
} from '../lib';
import { destination, openChannel, pay } from './support/parties';

const HEIGHT = 700;

class MemoryBlocks implements ChainBackend {
  readonly broadcasts: string[] = [];
  constructor(private readonly blocks: Map<number, Uint8Array>) {}
  async getTip(): Promise<ChainTip> {
    return { height: Math.max(...this.blocks.keys()), medianTimePast: 1_700_000_000, hash: '00'.repeat(32) };
  }
  async broadcast(tx: Uint8Array): Promise<string> {
    const id = Transaction.fromBuffer(tx).getId();
    this.broadcasts.push(id);
    return id;
  }
  async getTransaction(): Promise<undefined> { return undefined; }
  async getBlock(height: number): Promise<Uint8Array> { return this.blocks.get(height)!; }
  async getBlockHash(height: number): Promise<string | undefined> {
    const raw = this.blocks.get(height);
    return raw && Block.fromBuffer(raw).getId();
  }
  async getSpender(): Promise<SpendInfo | undefined> { return undefined; }
}

function spending(prevs: { hash: Uint8Array; vout: number }[], tag: number): Transaction {
  const tx = new Transaction();
  tx.version = 2;
  for (const p of prevs) tx.addInput(p.hash, p.vout);
  tx.addOutput(destination, BigInt(1000 + tag));
  return tx;
}

function blockOf(txs: Transaction[]): Uint8Array {
  const b = new Block();
  b.version = 0x20000000;
  b.prevHash = new Uint8Array(32);
  b.timestamp = 1_700_000_000;
  b.bits = 0x207fffff;
  b.nonce = 0;
  b.transactions = txs;
  b.merkleRoot = Block.calculateMerkleRoot(txs);
  return b.toBuffer();
}

describe('watcher scan', () => {
  const h = (n: number) => new Uint8Array(32).fill(n);

  it('outpointKey of a txid as shown equals that of the hash an input carries', () => {
    const tx = spending([{ hash: h(9), vout: 0 }], 0);
    const shown = hashToTxid(tx.getHash());
    const child = spending([{ hash: tx.getHash(), vout: 3 }], 1);
    expect(outpointKey(txidToHash(shown), 3)).to.equal(outpointKey(child.ins[0]!.hash, child.ins[0]!.index));
    expect(outpointKey(txidToHash(shown), 2)).to.not.equal(outpointKey(child.ins[0]!.hash, 3));
  });

  it('spendsIn yields exactly the watched inputs, in block order, whatever else the block holds', () => {
    const watched = new Map<string, string>([[outpointKey(h(1), 0), 'a'], [outpointKey(h(2), 1), 'b'], [outpointKey(h(3), 0), 'never spent']]);
    const txs = [
      spending([{ hash: h(7), vout: 0 }], 0),
      spending([{ hash: h(2), vout: 0 }, { hash: h(2), vout: 1 }], 1), // only vout 1 is watched
      spending([{ hash: h(8), vout: 5 }], 2),
      spending([{ hash: h(1), vout: 0 }], 3),
    ];
    const hits = [...spendsIn(txs, watched)].map((x) => [x.entry, txs.indexOf(x.tx)]);
    expect(hits).to.deep.equal([['b', 1], ['a', 3]]);
    expect([...spendsIn(txs, new Map())]).to.deep.equal([]);
  });

  it('spendsIn is lazy: an entry added while a hit is handled is found later in the same block', () => {
    const watched = new Map<string, string>([[outpointKey(h(1), 0), 'first']]);
    const txs = [spending([{ hash: h(1), vout: 0 }], 0), spending([{ hash: h(4), vout: 0 }], 1)];
    const seen: string[] = [];
    for (const { entry } of spendsIn(txs, watched)) {
      seen.push(entry);
      watched.set(outpointKey(h(4), 0), 'added');
    }
    expect(seen).to.deep.equal(['first', 'added']);
  });

  it('a revoked version and the claim against it in one block: spend and penalty confirmed, in that order, and nothing broadcast', async () => {
    const c = openChannel({ kind: 'csv', delay: { blocks: 144 } });
    pay(c, 10_000n);
    const revoked = c.sender.latestTransaction();
    pay(c, 10_000n);
    pay(c, 10_000n);
    // Signatures are deterministic: the claim the watcher will make is this one, so a miner can include it.
    const claim = c.receiver.penaltyTx(revoked.toBuffer(), destination, 2000n);
    const unrelated = spending([{ hash: h(5), vout: 0 }], 9);
    const backend = new MemoryBlocks(new Map([[HEIGHT, blockOf([unrelated, revoked, claim])]]));
    const w = new ReceiverWatcher({ backend, feeRate: 2000n, destinationScript: destination, fromHeight: HEIGHT, checkMempool: false });
    w.watch(c.receiver);
    const events: WatcherEvent[] = [];
    w.on('event', (e: WatcherEvent) => { if (e.kind !== 'block') events.push(e); });
    await w.poll();
    // The claim is read from the block before any duty runs: it is ours, and already mined.
    expect(events.map((e) => e.kind)).to.deep.equal(['spend', 'penalty-confirmed']);
    expect(events[0]).to.include({ classification: 'revoked-sender-version', index: 1, txid: revoked.getId(), height: HEIGHT });
    expect(events[1]).to.include({ txid: claim.getId(), height: HEIGHT });
    expect(backend.broadcasts).to.deep.equal([]);
    expect(w.records()[0]!.penalty).to.deep.equal({ txids: [claim.getId()], feeRate: '2000', confirmedHeight: HEIGHT });
  });
});
