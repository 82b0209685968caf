/**
 * The receiver's side of "is the channel funded?", answered from its own
 * node: fetch the funding transaction and its depth, and hand both to the
 * receiver's markFundingConfirmed, which checks them against the channel.
 * Any construction's receiver that names its funding outpoint and takes
 * such evidence fits. Call it after each block until `deep`; nothing the
 * sender says is needed.
 */
import { ChannelError, fail, isChannelError } from '../core/errors';
import { FundingEvidence, FundingStatus } from '../protocol/funding-evidence';
import type { ChainBackend } from './backend';

/** A receiver confirmFunding serves: any construction's that names its funding outpoint and checks evidence of it. */
export interface FundingConfirmable {
  /** The funding outpoint, once known. */
  readonly funding: {
    /** The funding txid. */
    readonly txid: string;
    /** The funding output's index. */
    readonly vout: number;
  } | undefined;
  /**
   * Check the evidence against the channel and open it.
   *
   * @param evidence - The raw funding transaction and its confirmations, from the receiver's own node.
   */
  markFundingConfirmed(evidence: FundingEvidence): FundingStatus;
}

/** What confirmFunding asks of a backend; any ChainBackend has it. */
export type FundingBackend = Pick<ChainBackend, 'getTransaction' | 'getTip'> & Partial<Pick<ChainBackend, 'getConfirmations'>>;

/**
 * Ask the receiver's own node for the funding transaction and its depth, and
 * hand both to the receiver's markFundingConfirmed ({@link Receiver.markFundingConfirmed}, {@link SpillmanReceiver.markFundingConfirmed}).
 *
 * @param receiver - A receiver whose funding outpoint is known (a revocable one in phase `funded` or `open`).
 * @param backend - The receiver's node.
 * @returns What the receiver's markFundingConfirmed concluded.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects, as for every code here) if `receiver` has no markFundingConfirmed or `backend` lacks getTransaction or getTip.
 * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` if the receiver has no funding outpoint yet, or is in another phase than `funded` or `open`.
 * @throws {@link ChannelError} `CHANNEL_CLOSED` if the channel is closing or closed.
 * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if the node does not know the funding transaction, or it is not deep enough and zero-conf is off.
 * @throws {@link ChannelError} `CHAIN_BACKEND` if the backend fails or answers nonsense (a ChannelError it throws is passed on as it is).
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if the node's transaction does not parse.
 * @throws {@link ChannelError} `FUNDING_MISMATCH` if it is not the agreed funding (`details.field` says how).
 * @throws {@link ChannelError} `NON_SEGWIT_INPUT` if zero-conf evidence is unconfirmed with an input that has no witness (a Spillman receiver: if any input has none).
 *
 * @example
 * ```ts
 * // after each block, until deep:
 * const { confirmations, deep } = await confirmFunding(receiver, backend);
 * ```
 */
export async function confirmFunding(receiver: FundingConfirmable, backend: FundingBackend): Promise<FundingStatus> {
  if (receiver === null || typeof receiver !== 'object' || typeof receiver.markFundingConfirmed !== 'function') {
    fail('INVALID_ARGUMENT', 'confirmFunding needs a receiver with markFundingConfirmed');
  }
  if (backend === null || typeof backend !== 'object' || typeof backend.getTransaction !== 'function' || typeof backend.getTip !== 'function') {
    fail('INVALID_ARGUMENT', 'backend must have getTransaction and getTip');
  }
  const funding = receiver.funding;
  if (funding === undefined) fail('UNEXPECTED_MESSAGE', 'no funding outpoint yet: funding_created comes first');
  const found = await ask(() => backend.getTransaction(funding.txid));
  // Never broadcast, dropped from the mempool, or (Core without -txindex) confirmed and out of the node's sight: in each case nothing to pay on yet.
  if (found === undefined) fail('FUNDING_NOT_CONFIRMED', `the node does not know the funding transaction ${funding.txid}`, { txid: funding.txid, seen: false });
  if (found === null || typeof found !== 'object' || !(found.tx instanceof Uint8Array)) fail('CHAIN_BACKEND', 'getTransaction answered without the raw transaction');
  const confirmations = await depthOf(backend, funding.txid, found.blockHeight);
  return receiver.markFundingConfirmed({ tx: found.tx, confirmations });
}

async function depthOf(backend: FundingBackend, txid: string, blockHeight: number | undefined): Promise<number> {
  let depth: unknown;
  if (typeof backend.getConfirmations === 'function') {
    const getConfirmations = backend.getConfirmations.bind(backend);
    depth = await ask(() => getConfirmations(txid)).catch((e: unknown) => {
      // Gone between the two calls (evicted, reorged out): as unknown as before.
      if (isChannelError(e, 'NOT_FOUND')) fail('FUNDING_NOT_CONFIRMED', `the node no longer knows the funding transaction ${txid}`, { txid, seen: false });
      throw e;
    });
  } else if (blockHeight === undefined) {
    depth = 0;
  } else {
    const tip = await ask(() => backend.getTip());
    if (tip === null || typeof tip !== 'object' || !Number.isSafeInteger(blockHeight) || !Number.isSafeInteger(tip.height) || blockHeight > tip.height) {
      fail('CHAIN_BACKEND', 'the funding block height and the tip disagree');
    }
    depth = tip.height - blockHeight + 1;
  }
  if (!Number.isSafeInteger(depth) || (depth as number) < 0) fail('CHAIN_BACKEND', 'the backend gave no confirmation count');
  return depth as number;
}

/** A backend is the caller's code: whatever it throws that is not a ChannelError becomes CHAIN_BACKEND. */
async function ask<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ChannelError) throw e;
    return fail('CHAIN_BACKEND', `backend failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
