/// <reference path="../../types/bcoin.d.ts" />
/**
 * Block contents for the regtest node when its miner's own choice (the whole
 * mempool, on the tip) is not what a test needs: only the packages that pay a
 * given rate, or the transactions a competing branch mined on an older block
 * would hold. Each works on a bcoin BlockTemplate emptied by emptyTemplate()
 * and leaves the mining and the consensus checks to bcoin.
 */
import bcoin from 'bcoin';

/** Empties a template the miner filled from the mempool, to the state Miner#createBlock starts from. */
export function emptyTemplate(attempt: any, miner: any): void {
  attempt.items.length = 0;
  attempt.fees = 0;
  attempt.weight = miner.options.reservedWeight;
  attempt.sigops = miner.options.reservedSigops;
}

interface Candidate {
  readonly hash: string;
  readonly entry: any;
  readonly fee: bigint;
  readonly weight: number;
  /** In-mempool parents (internal-order hex hashes). */
  readonly parents: readonly string[];
}

/**
 * Fills `attempt` from the mempool as a miner facing congestion does (Bitcoin
 * Core's ancestor-package selection): the transaction whose package, itself
 * with its unconfirmed ancestors not yet in the block, pays the highest rate
 * goes first, with those ancestors; packages below `satPerKw` stay out. So a
 * child paying for its parent brings the parent in, and a parent never waits
 * behind its child. bcoin's own assembler sorts by single-transaction rate
 * and would take a cheap parent with anything.
 */
export function fillAboveFeeRate(attempt: any, mempool: any, satPerKw: bigint, maxWeight: number, maxSigops: number): void {
  const all = new Map<string, Candidate>();
  for (const [hash, entry] of mempool.map as Map<string, any>) {
    const parents = new Set<string>();
    for (const input of entry.tx.inputs) if (mempool.hasEntry(input.prevout.hash)) parents.add(input.prevout.hash);
    all.set(hash, { hash, entry, fee: BigInt(entry.fee), weight: entry.tx.getWeight(), parents: [...parents] });
  }
  const included = new Set<string>();
  const skipped = new Set<string>();

  const packageOf = (hash: string): Candidate[] => {
    const seen = new Set<string>();
    const order: Candidate[] = [];
    // Depth-first, parents before children, so the list is already in block order.
    const visit = (h: string): void => {
      if (seen.has(h) || included.has(h)) return;
      seen.add(h);
      const c = all.get(h)!;
      for (const p of c.parents) visit(p);
      order.push(c);
    };
    visit(hash);
    return order;
  };

  for (;;) {
    let best: { pkg: Candidate[]; fee: bigint; weight: bigint } | undefined;
    for (const c of all.values()) {
      if (included.has(c.hash) || skipped.has(c.hash)) continue;
      const pkg = packageOf(c.hash);
      const fee = pkg.reduce((s, x) => s + x.fee, 0n);
      const weight = BigInt(pkg.reduce((s, x) => s + x.weight, 0));
      if (fee * 1000n < satPerKw * weight) continue;
      if (best === undefined || fee * best.weight > best.fee * weight) best = { pkg, fee, weight };
    }
    if (best === undefined) return;
    const items = best.pkg.map((c) => bcoin.mining.BlockTemplate.BlockEntry.fromEntry(c.entry, attempt));
    const weight = attempt.weight + Number(best.weight);
    const sigops = attempt.sigops + items.reduce((s: number, i: any) => s + i.sigops, 0);
    const final = best.pkg.every((c) => c.entry.tx.isFinal(attempt.height, attempt.locktime));
    const top = best.pkg[best.pkg.length - 1]!.hash;
    if (!final || weight > maxWeight || sigops > maxSigops) {
      skipped.add(top);
      continue;
    }
    attempt.weight = weight;
    attempt.sigops = sigops;
    for (const item of items) {
      attempt.fees += item.fee;
      attempt.items.push(item);
    }
    for (const c of best.pkg) included.add(c.hash);
  }
}

/**
 * The coins of the block `fork` as a bcoin ChainDB answers readCoin: the
 * current UTXO set, minus what the blocks after `fork` created, plus what they
 * spent (from their undo data). Serves a competing branch mined on `fork`
 * while the active chain is still the longer one.
 */
export async function coinsAtFork(chain: any, fork: any, replaced: readonly any[]): Promise<{ readCoin(prevout: any): Promise<any> }> {
  const spent = new Map<string, any>();
  for (const block of replaced) {
    const view = await chain.getBlockView(block);
    for (const [hash, coins] of view.map as Map<string, any>) {
      for (const [index, coin] of coins.outputs as Map<number, any>) {
        if (coin.height <= fork.height) spent.set(`${hash}:${index}`, coin);
      }
    }
  }
  return {
    async readCoin(prevout: any): Promise<any> {
      const undone = spent.get(`${prevout.hash}:${prevout.index}`);
      if (undone) return undone;
      const coin = await chain.db.readCoin(prevout);
      return coin && coin.height >= 0 && coin.height <= fork.height ? coin : null;
    },
  };
}

/**
 * Adds to `attempt`, a template on `prev`, the transactions of `pending` that
 * are valid there, in the order they become so, and removes them from
 * `pending`: what a miner holding all of them in its mempool would put in
 * this block. `view` holds the coins of the branch so far (from `forkCoins`
 * and from earlier blocks of the branch) and gets this block's. The checks are
 * those Chain#verifyInputs applies when the branch is connected, so the
 * branch cannot fail halfway through bcoin's reorganisation.
 */
export async function fillFromFork(
  chain: any, prev: any, attempt: any, view: any, forkCoins: { readCoin(prevout: any): Promise<any> }, pending: any[],
): Promise<void> {
  const height = prev.height + 1;
  const state = await chain.getDeployments(attempt.time, prev);
  const fits = async (tx: any): Promise<boolean> => {
    for (const { prevout } of tx.inputs) {
      let coin = view.getEntry(prevout);
      if (!coin) {
        coin = await forkCoins.readCoin(prevout);
        if (coin) view.addEntry(prevout, coin);
      }
      if (!coin || coin.spent) return false;
    }
    if (!await chain.verifyFinal(prev, tx, state.lockFlags)) return false;
    if (!await chain.verifyLocks(prev, tx, view, state.lockFlags)) return false;
    const [fee] = tx.checkInputs(view, height);
    if (fee === -1) return false;
    return tx.verify(view, state.flags);
  };
  for (let progress = true; progress;) {
    progress = false;
    for (let i = 0; i < pending.length;) {
      const tx = pending[i];
      if (await fits(tx) && attempt.addTX(tx, view)) {
        for (const { prevout } of tx.inputs) view.spendEntry(prevout);
        view.addTX(tx, height);
        pending.splice(i, 1);
        progress = true;
      } else {
        i++;
      }
    }
  }
}
