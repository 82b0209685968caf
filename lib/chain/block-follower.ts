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

/** A block by height and hash. */
export interface BlockRef {
  /** Its height. */
  readonly height: number;
  /** Its hash, display order. */
  readonly hash: string;
}

/** What a {@link BlockFollower} hands blocks to. */
export interface BlockHandler {
  /**
   * A block the follower handed out before is no longer on the best chain; newest first.
   *
   * @param ref - The block's height and hash.
   */
  disconnect(ref: BlockRef): void;
  /**
   * A new block on the best chain, oldest first; the follower waits for it.
   *
   * @param block - The parsed block.
   * @param ref - Its height and hash.
   */
  connect(block: Block, ref: BlockRef): Promise<void>;
}

/** More blocks than this in one reorg are beyond what a watcher can undo: it reports them and rescans. */
export const DEFAULT_REMEMBERED_BLOCKS = 144;

/** Passes over a chain that moved under one sync before it gives up (CHAIN_BACKEND); the next sync starts again. */
export const MAX_SYNC_PASSES = 8;

/**
 * Follows the node's best chain block by block, undoing a reorg before it
 * goes on: the base of the watchers, usable on its own.
 *
 * @example
 * ```ts
 * const follower = new BlockFollower(backend, startHeight);
 * await follower.sync({
 *   connect: async (block, ref) => { console.log('block', ref.height, block.transactions?.length); },
 *   disconnect: (ref) => { console.log('reorged out', ref.height); },
 * });
 * ```
 */
export class BlockFollower {
  private readonly seen: BlockRef[] = [];
  private next: number;

  /**
   * @param backend - The node; it needs getTip, getBlock and getBlockHash.
   * @param fromHeight - The first block to hand out.
   * @param remember - How many recent blocks to remember for reorgs ({@link DEFAULT_REMEMBERED_BLOCKS}).
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `backend` lacks a method, `fromHeight` is not a non-negative integer or `remember` not a positive one.
   */
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
   *
   * @param handler - What to hand blocks to; an error it throws ends the sync and is thrown on.
   * @returns The tip synced to.
   * @throws {@link ChannelError} `CHAIN_BACKEND` (the promise rejects) if a block does not parse, or the backend's blocks and hashes still disagree after {@link MAX_SYNC_PASSES} passes; the backend's own errors reject as they are.
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
