/**
 * What a {@link ReceiverHub} is made with, answers and reports.
 */
import type { FeeRate } from '../core/types';
import type { ChainBackend } from '../chain/backend';
import type { VersionedChannelStore } from '../protocol/versioned-store';
import type { Json } from '../protocol/wire';
import type { PaymentReceived, ReceiverPhase, ReceiverPolicy } from '../constructions/revocable/protocol/receiver';
import type { ReceiverWatcherOptions } from '../constructions/revocable/chain/receiver-watcher';
import type { SpendClassification } from '../constructions/revocable/chain/classify';
import type { HubKeySource } from './hub-keys';
import type { FundingLost } from './hub-funding';

/** A funding outpoint. */
export interface FundingOutpoint {
  /** The funding txid. */
  readonly txid: string;
  /** The funding output's index. */
  readonly vout: number;
}

/** How a {@link ReceiverHub} keeps, checks and watches its channels. */
export interface ReceiverHubOptions {
  /** Where channels are kept; processes serving the same channels share it (compare-and-set saves). */
  readonly store: VersionedChannelStore;
  /** The hub's own node: funding is checked here, closes and penalty claims broadcast here. */
  readonly backend: ChainBackend;
  /** Each channel's receiver keys (see {@link seedKeySource}). */
  readonly keys: HubKeySource;
  /** What the hub agrees to at open: capacity and fee bounds, timeouts, funding depth, zero-conf (opt-in). */
  readonly policy?: ReceiverPolicy;
  /** The watcher's claims: fee rates, destination and schedule; `fromHeight` defaults to the tip at start. */
  readonly watcher: Omit<ReceiverWatcherOptions, 'backend' | 'fromHeight' | 'onCutoff'> & {
    /** First block height to read (default: the tip when the hub starts). */
    readonly fromHeight?: number;
  };
  /** Watch every funded channel (default true); false: only the outpoints given to {@link ReceiverHub.watchOnly}. */
  readonly watchAll?: boolean;
  /** Load every channel in the store at start, to watch it (default true). */
  readonly resume?: boolean;
  /** How many times a message is applied again after a conflicting save before STORE_CONFLICT is passed on (default 5). */
  readonly maxAttempts?: number;
  /** The chain tip used for CLTV cutoffs is read again once older than this, ms (default 1000). */
  readonly tipMaxAgeMs?: number;
  /**
   * The most channels, per hub process, that cost their senders nothing yet:
   * opened and not funded, or funded on a transaction the node has not shown
   * (default 10,000). An open_channel beyond it is refused with LIMIT_REACHED.
   */
  readonly maxUnfunded?: number;
  /**
   * How long such a channel has to get funded, ms (default 30 minutes, at
   * least 1000): past it a funding_created is refused and {@link ReceiverHub.poll}
   * deletes the channel (with a store that has deleteVersioned), unless the
   * node shows its funding transaction.
   */
  readonly unfundedTtlMs?: number;
}

/** What {@link ReceiverHub.handle} answers, once the state that produced it is saved. */
export interface HubReply {
  /** The channel's id, hex: the temporary id until funding_created is handled. */
  readonly channelId: string;
  /** The answer to send, as wire JSON; absent when there is none (a revoke, a close_signed). */
  readonly reply?: Json;
  /** The payment a revoke made final. */
  readonly paid?: PaymentReceived;
  /** The txid of the cooperative close this message completed (saved, then broadcast). */
  readonly closeTxid?: string;
  /**
   * A resend of the message last saved on its channel (its answer was lost),
   * answered from the answer stored with it, by whichever process: nothing
   * was applied again and no event sent again (`paid` is the payment the
   * first delivery made final).
   */
  readonly again?: true;
}

/** A channel as the store holds it. */
export interface ChannelBalance {
  /** The channel's id, hex (the temporary id before funding). */
  readonly channelId: string;
  /** The id the sender opened it with, hex. */
  readonly tempChannelId: string;
  /** Where it is in its life. */
  readonly phase: ReceiverPhase;
  /** The receiver's final total, satoshis: what revoked states guarantee. */
  readonly amount: bigint;
  /** The current state's number. */
  readonly index: number;
  /** The total of an accepted offer awaiting its revoke, if any: not final. */
  readonly pendingAmount?: bigint;
  /** The capacity, once funded. */
  readonly capacity?: bigint;
  /** The funding outpoint, once funded. */
  readonly funding?: FundingOutpoint;
  /** The funding was seen at the policy depth. */
  readonly fundingConfirmed: boolean;
  /** Since then a reorg took the funding out of the chain (offers wait until it is deep again), or it was double-spent (the channel failed). */
  readonly fundingLost?: FundingLost;
}

/**
 * What a {@link ReceiverHub} reports, on `'event'` and on the event's own
 * `kind` (except `'error'`, which travels on `'event'` only). Each is
 * emitted by the process whose save made it so, once that save is durable.
 */
export type HubEvent =
  | {
    /** A revoke made a payment final. */
    kind: 'payment';
    /** The channel's id, hex. */
    channelId: string;
    /** The state the payment made current. */
    index: number;
    /** The receiver's final total, satoshis. */
    amount: bigint;
    /** What this payment added, satoshis. */
    increment: bigint;
  }
  | {
    /** The channel stopped taking payments: a cooperative close was signed, or a spend of its funding was seen. */
    kind: 'closed';
    /** The channel's id, hex. */
    channelId: string;
    /** A close both signed, what the watcher saw spend the funding, or the CLTV cutoff. */
    how: 'cooperative' | 'cutoff' | SpendClassification;
    /** The closing transaction's txid, when there is one. */
    txid?: string;
  }
  | {
    /** The watcher claimed a revoked version the sender broadcast. */
    kind: 'penalty';
    /** The channel's id, hex. */
    channelId: string;
    /** The claim was broadcast (first or at a higher rate), or is in a block. */
    stage: 'broadcast' | 'confirmed';
    /** The claim's txid. */
    txid: string;
    /** Its fee rate, sat/kw, when broadcast. */
    feeRate?: FeeRate;
    /** Its block's height, when confirmed. */
    height?: number;
  }
  | {
    /**
     * The funding of a channel that takes payments moved: a reorg took it out
     * of the chain or left it shallower than the policy depth (`reorged`: offers
     * are refused with FUNDING_NOT_CONFIRMED), it is deep again (`deep`: offers
     * are taken again), or a confirmed transaction spent one of its inputs
     * (`double-spent`: the channel failed, offers are refused with FUNDING_DOUBLE_SPENT).
     */
    kind: 'funding';
    /** The channel's id, hex. */
    channelId: string;
    /** Where the funding stands now. */
    state: FundingLost | 'deep';
    /** The funding txid. */
    txid: string;
    /** The txid of the transaction that double-spent it. */
    spentBy?: string;
  }
  | {
    /** Work the hub does on its own failed (a broadcast, the watcher, saving a close); it is tried again where it can be. */
    kind: 'error';
    /** The channel concerned, if any. */
    channelId?: string;
    /** The ChannelError's code, or `'UNKNOWN'`. */
    code: string;
    /** The error's message. */
    message: string;
  };
