/**
 * Follows the best chain by block hash, not by height. It remembers the
 * hashes of the last blocks it handed out; when the node's chain no longer
 * holds one of them (a reorg), it disconnects blocks back to the fork point,
 * newest first, and then connects the new branch. A block whose parent is
 * not the last block connected (the chain moved between two calls) sends it
 * back to look for the fork again, so a block is never handed out on top of
 * a block the node has dropped.
 */
import { Block } from 'bitcoinjs-lib';
import { fail } from '../errors';
import { hashToTxid } from '../tx/hash';
import { ChainBackend, ChainTip } from './backend';
import { checkChainBackend } from './watcher-options';
import { blockFromBackend } from './parse';

export interface BlockRef {
  readonly height: number;
  readonly hash: string;
}

export interface BlockHandler {
  /** A block the follower handed out before is no longer on the best chain; newest first. */
  disconnect(ref: BlockRef): void;
  connect(block: Block, ref: BlockRef): Promise<void>;
}

/** More blocks than this in one reorg are beyond what a watcher can undo: it reports them and rescans. */
export const DEFAULT_REMEMBERED_BLOCKS = 144;

/** Passes over a chain that moved under one sync before it gives up (CHAIN_BACKEND); the next sync starts again. */
export const MAX_SYNC_PASSES = 8;

export class BlockFollower {
  private readonly seen: BlockRef[] = [];
  private next: number;

  constructor(private readonly backend: ChainBackend, private readonly fromHeight: number, private readonly remember = DEFAULT_REMEMBERED_BLOCKS) {
    checkChainBackend(backend, ['getTip', 'getBlock', 'getBlockHash']);
    if (!Number.isSafeInteger(fromHeight) || fromHeight < 0) fail('INVALID_ARGUMENT', 'fromHeight must be a non-negative integer');
    if (!Number.isSafeInteger(remember) || remember < 1) fail('INVALID_ARGUMENT', 'remembered blocks must be a positive integer');
    this.next = fromHeight;
  }

  /** Height of the last block handed out (fromHeight - 1 before the first). */
  get height(): number {
    return this.next - 1;
  }

  /** The last block handed out, if any. */
  get last(): BlockRef | undefined {
    return this.seen[this.seen.length - 1];
  }

  /**
   * Brings the handler to the node's tip: disconnects what the node no
   * longer has, connects what is new. A failed call leaves the follower at a
   * consistent block, from which the next sync goes on.
   */
  async sync(handler: BlockHandler): Promise<ChainTip> {
    let tip = await this.backend.getTip();
    for (let pass = 1; ; pass++) {
      tip = await this.findFork(handler, tip);
      if (await this.connectUpTo(handler, tip.height)) return tip;
      // A chain that really moves settles within a pass or two; one whose hashes and blocks never agree (two nodes
      // behind one endpoint, a stale cache) would be asked forever, and the caller's duties with it.
      if (pass >= MAX_SYNC_PASSES) {
        fail('CHAIN_BACKEND', `block ${this.next} does not link to block ${this.next - 1} read before, after ${pass} passes: the backend's blocks and hashes disagree`, { height: this.next });
      }
      tip = await this.backend.getTip();
    }
  }

  private async findFork(handler: BlockHandler, tip: ChainTip): Promise<ChainTip> {
    let deepest: number | undefined;
    while (this.seen.length > 0) {
      const top = this.seen[this.seen.length - 1]!;
      if (top.height <= tip.height && (await this.backend.getBlockHash(top.height)) === top.hash) break;
      this.seen.pop();
      this.next = top.height;
      deepest = top.height;
      handler.disconnect(top);
    }
    // Every remembered block was replaced: the fork is older than our memory. Start over one window lower (never below fromHeight).
    if (this.seen.length === 0 && deepest !== undefined && deepest > this.fromHeight) this.next = Math.max(this.fromHeight, deepest - this.remember);
    return tip;
  }

  /** False when the chain moved under us (a block's parent is not our last block): look for the fork again. */
  private async connectUpTo(handler: BlockHandler, height: number): Promise<boolean> {
    while (this.next <= height) {
      const h = this.next;
      const block = blockFromBackend(await this.backend.getBlock(h), h);
      const ref: BlockRef = { height: h, hash: block.getId() };
      const parent = this.last;
      if (parent !== undefined && hashToTxid(block.prevHash!) !== parent.hash) return false;
      await handler.connect(block, ref);
      this.seen.push(ref);
      if (this.seen.length > this.remember) this.seen.shift();
      this.next = h + 1;
    }
    return true;
  }
}
