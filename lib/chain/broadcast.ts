/**
 * Broadcasting a transaction whose fee the watcher chooses: a node that
 * refuses it for its fee gets it again at once, rebuilt at double the rate,
 * up to a ceiling; waiting for the next poll at a rate the node has already
 * refused would only lose blocks before a deadline.
 */
import { isChannelError } from '../core/errors';
import { FeeRate } from '../core/types';
import { ChainBackend } from './backend';
import { isFeeRejection } from './fee-reject';

export interface RaisedBroadcast {
  readonly txid: string;
  readonly raw: Uint8Array;
  readonly rate: FeeRate;
}

export interface RaiseOptions {
  /** No attempt pays more than this rate. */
  readonly ceiling: FeeRate;
  /**
   * A dropped connection (CHAIN_BACKEND) is reported here and tried once
   * more at once; without it, it fails the call like any other refusal.
   */
  readonly onTransient?: (e: unknown) => void;
}

/** Broadcast `build(rate)`; rejects with the last refusal when no rate up to the ceiling is taken. */
export async function broadcastRaising(
  backend: Pick<ChainBackend, 'broadcast'>, build: (rate: FeeRate) => Uint8Array, rate: FeeRate, opts: RaiseOptions,
): Promise<RaisedBroadcast> {
  let retried = false;
  for (;;) {
    const raw = build(rate);
    try {
      return { txid: await backend.broadcast(raw), raw, rate };
    } catch (e) {
      if (isFeeRejection(e) && rate < opts.ceiling) {
        rate = rate * 2n > opts.ceiling ? opts.ceiling : rate * 2n;
        continue;
      }
      if (opts.onTransient && !retried && isChannelError(e, 'CHAIN_BACKEND')) {
        retried = true;
        opts.onTransient(e);
        continue;
      }
      throw e;
    }
  }
}
