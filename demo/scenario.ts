/** What the two channel scenarios share: the node, the ledger, the watcher, and the log. */
import type { RegtestNode } from '../test/kit/regtest-node';
import type { ReceiverWatcher, WatcherEvent } from '../lib';
import { Ledger } from './ledger';
import { StreamResult } from './payments';

export interface DemoContext {
  readonly node: RegtestNode;
  readonly ledger: Ledger;
  readonly watcher: ReceiverWatcher;
  /** Every watcher event but 'block', in order. */
  readonly events: WatcherEvent[];
  /** A line of narration (stdout in table mode, nothing in --json mode). */
  readonly say: (line: string) => void;
  /** Progress bars allowed (table mode; they still need a terminal on stderr). */
  readonly progress: boolean;
}

export interface Balances {
  readonly receiver: bigint;
  readonly sender: bigint;
}

export interface ChannelSummary {
  readonly name: string;
  readonly variant: string;
  readonly capacity: bigint;
  readonly feeRate: bigint;
  readonly fundingTxid: string;
  readonly payments: StreamResult;
  readonly wire: { readonly messages: number; readonly bytes: number };
  /** The latest agreed off-chain state. */
  readonly agreed: Balances & { readonly index: number };
  /** What each party holds on chain once the channel is settled, and what the settlement cost in fees. */
  readonly settled: Balances & { readonly by: string; readonly fees: bigint };
}
