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
  /** Transactions the node refused as a scenario meant it to, in order. */
  readonly refusals: Refusal[];
}

/** A transaction the node refused, and why: what a lock or a spent input is for. */
export interface Refusal {
  /** The channel's name. */
  readonly channel: string;
  /** What was sent, in the construction's words (S_5, S_4). */
  readonly what: string;
  /** Its kind, as inspect names it. */
  readonly kind: string;
  readonly txid: string;
  /** The tip when it was sent. */
  readonly height: number;
  /** The node's reason. */
  readonly reason: string;
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
