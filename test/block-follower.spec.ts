/**
 * BlockFollower over an in-memory chain whose blocks really link by hash:
 * it hands out each block once, undoes replaced blocks newest first back to
 * the fork, notices a chain that moved between two calls, and a failed call
 * leaves it where it was.
 */
import { expect } from 'chai';
import { Block, Transaction } from 'bitcoinjs-lib';
import { BlockFollower, BlockRef, ChainBackend, ChainTip, SpendInfo, txidToHash } from '../lib';
import { thrownCode } from './support/errors';

class MemoryChain implements ChainBackend {
  blocks: Block[] = [];
  /** Called before each getBlock: lets a test move the chain between two calls. */
  beforeGetBlock?: (height: number) => void;
  failNext = 0;

  constructor(length: number, private tag = 0) {
    for (let h = 0; h < length; h++) this.blocks.push(this.make(h === 0 ? undefined : this.blocks[h - 1]!));
  }

  make(parent: Block | undefined): Block {
    const b = new Block();
    b.version = 0x20000000;
    b.prevHash = parent ? parent.getHash() : new Uint8Array(32);
    b.timestamp = 1_700_000_000 + this.blocks.length;
    b.bits = 0x207fffff;
    b.nonce = ++this.tag; // distinct hashes for sibling blocks
    const coinbase = new Transaction();
    coinbase.addInput(new Uint8Array(32), 0xffffffff, 0xffffffff, Uint8Array.from([1, this.tag & 0xff]));
    coinbase.addOutput(Uint8Array.from([0x51]), 0n);
    b.transactions = [coinbase];
    b.merkleRoot = Block.calculateMerkleRoot(b.transactions);
    return b;
  }

  /** Replaces the last `depth` blocks by `length` new ones. */
  reorg(depth: number, length: number): void {
    this.blocks.length -= depth;
    for (let i = 0; i < length; i++) this.blocks.push(this.make(this.blocks[this.blocks.length - 1]));
  }

  extend(n: number): void {
    this.reorg(0, n);
  }

  private check(): void {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('down'), { code: 'CHAIN_BACKEND' });
    }
  }

  async getTip(): Promise<ChainTip> {
    this.check();
    const h = this.blocks.length - 1;
    return { height: h, medianTimePast: 0, hash: this.blocks[h]!.getId() };
  }
  async getBlock(height: number): Promise<Uint8Array> {
    this.beforeGetBlock?.(height);
    this.check();
    return this.blocks[height]!.toBuffer();
  }
  async getBlockHash(height: number): Promise<string | undefined> {
    this.check();
    return this.blocks[height]?.getId();
  }
  async broadcast(): Promise<string> { throw new Error('unused'); }
  async getTransaction(): Promise<undefined> { return undefined; }
  async getSpender(): Promise<SpendInfo | undefined> { return undefined; }
}

function recorder(): { log: string[]; handler: { disconnect(r: BlockRef): void; connect(b: Block, r: BlockRef): Promise<void> } } {
  const log: string[] = [];
  return {
    log,
    handler: {
      disconnect: (r) => { log.push(`-${r.height}`); },
      connect: async (b, r) => {
        expect(b.getId()).to.equal(r.hash);
        log.push(`+${r.height}`);
      },
    },
  };
}

describe('BlockFollower', () => {
  it('hands out every block from fromHeight once, in order', async () => {
    const chain = new MemoryChain(10);
    const f = new BlockFollower(chain, 7);
    const { log, handler } = recorder();
    const tip = await f.sync(handler);
    expect(tip.height).to.equal(9);
    await f.sync(handler);
    chain.extend(2);
    await f.sync(handler);
    expect(log).to.deep.equal(['+7', '+8', '+9', '+10', '+11']);
    expect(f.height).to.equal(11);
    expect(f.last).to.deep.equal({ height: 11, hash: chain.blocks[11]!.getId() });
  });

  it('undoes replaced blocks newest first back to the fork, then reads the new branch', async () => {
    const chain = new MemoryChain(10);
    const f = new BlockFollower(chain, 5);
    const { log, handler } = recorder();
    await f.sync(handler);
    chain.reorg(2, 3);
    await f.sync(handler);
    expect(log).to.deep.equal(['+5', '+6', '+7', '+8', '+9', '-9', '-8', '+8', '+9', '+10']);
  });

  it('a replaced tip at the same height, and a chain that got shorter, are reorgs too', async () => {
    const chain = new MemoryChain(10);
    const f = new BlockFollower(chain, 8);
    const { log, handler } = recorder();
    await f.sync(handler);
    chain.reorg(1, 1);
    await f.sync(handler);
    chain.reorg(2, 1);
    await f.sync(handler);
    expect(log).to.deep.equal(['+8', '+9', '-9', '+9', '-9', '-8', '+8']);
  });

  it('a chain that moves between two calls is noticed by the parent hash, and the fork found again', async () => {
    const chain = new MemoryChain(10);
    const f = new BlockFollower(chain, 8);
    const { log, handler } = recorder();
    await f.sync(handler);
    chain.extend(2);
    let moved = false;
    chain.beforeGetBlock = (h) => {
      if (h === 11 && !moved) {
        moved = true;
        chain.reorg(2, 3); // block 10, already handed out, is replaced before 11 is read
      }
    };
    await f.sync(handler);
    expect(log).to.deep.equal(['+8', '+9', '+10', '-10', '+10', '+11', '+12']);
    expect(f.last!.hash).to.equal(chain.blocks[12]!.getId());
  });

  it('a reorg deeper than it remembers rescans a window below', async () => {
    const chain = new MemoryChain(20);
    const f = new BlockFollower(chain, 10, 3);
    const { log, handler } = recorder();
    await f.sync(handler);
    chain.reorg(8, 8);
    await f.sync(handler);
    // Remembered 17..19, all replaced: it reads again from 17 - 3 = 14.
    expect(log.slice(10)).to.deep.equal(['-19', '-18', '-17', '+14', '+15', '+16', '+17', '+18', '+19']);
  });

  it('a failed call leaves it at a consistent block, from which the next sync goes on', async () => {
    const chain = new MemoryChain(10);
    const f = new BlockFollower(chain, 5);
    const { log, handler } = recorder();
    chain.failNext = 1; // getTip
    expect(await f.sync(handler).then(() => 'ok', () => 'failed')).to.equal('failed');
    chain.beforeGetBlock = (h) => {
      if (h === 7 && !log.includes('+7')) chain.failNext = 1;
    };
    expect(await f.sync(handler).then(() => 'ok', () => 'failed')).to.equal('failed');
    expect(f.height).to.equal(6);
    chain.beforeGetBlock = undefined;
    await f.sync(handler);
    expect(log).to.deep.equal(['+5', '+6', '+7', '+8', '+9']);
  });

  it('refuses bad arguments with typed errors', () => {
    const chain = new MemoryChain(2);
    expect(thrownCode(() => new BlockFollower(chain, -1))).to.equal('INVALID_ARGUMENT');
    expect(thrownCode(() => new BlockFollower(chain, 0, 0))).to.equal('INVALID_ARGUMENT');
    void txidToHash;
  });
});
