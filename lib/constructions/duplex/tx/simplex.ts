/**
 * The simplex channels at a duplex channel's leaf, as pure builders. Each is
 * a one-way channel (Spillman's, with a relative refund): its payer signs
 * payments of a growing amount to the payee, who holds the latest and
 * completes it to close; from Dc blocks after the leaf the payer alone takes
 * the output back, so no refund is signed in advance and the payee must
 * publish its latest payment before then.
 */
import { fail } from '../../../core/errors';
import { checkTxid } from '../../../core/types';
import { DUST_P2WPKH } from '../../../core/types';
import { FundingScriptContext, FundingSpendParams, verifyFundingScriptParams } from '../../../tx/funding-spend';
import { TxOut } from '../../../tx/outputs';
import { DUPLEX_SEQUENCE, DuplexContext, DuplexLeafBalances, expectDuplexContext } from '../params';
import { checkLeafBalances } from './tree';

/** `ab`: a pays b, out of a's leaf balance; `ba`: b pays a. */
export type SimplexDirection = 'ab' | 'ba';

/** One simplex channel: where it is and who pays whom. */
export interface SimplexChannel {
  /** Which of the two. */
  readonly direction: SimplexDirection;
  /** Its output at the leaf, as a funding output of its witness script. */
  readonly output: FundingScriptContext;
  /** The payer's P2WPKH script (its change, its refund). */
  readonly payerScript: Uint8Array;
  /** The payee's P2WPKH script. */
  readonly payeeScript: Uint8Array;
}

/**
 * A simplex channel at a leaf.
 *
 * @param ctx - From {@link verifyDuplexParams}.
 * @param leafTxid - The leaf's txid.
 * @param balances - The leaf's balances, which fix the outputs' order.
 * @param direction - `ab` or `ba`.
 * @returns The channel, or undefined when its payer's balance is 0 (no such output).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context, `leafTxid` is malformed or `direction` is neither.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `AMOUNT_EXCEEDS_CAPACITY` or `AMOUNT_BELOW_DUST` if the balances are not a leaf's (checkLeafBalances).
 */
export function simplexChannel(ctx: DuplexContext, leafTxid: string, balances: DuplexLeafBalances, direction: SimplexDirection): SimplexChannel | undefined {
  const c = expectDuplexContext(ctx);
  checkTxid(leafTxid, 'leafTxid');
  if (direction !== 'ab' && direction !== 'ba') fail('INVALID_ARGUMENT', 'direction must be ab or ba');
  checkLeafBalances(c, balances);
  const value = direction === 'ab' ? balances.a : balances.b;
  if (value === 0n) return undefined;
  const vout = direction === 'ab' || balances.a === 0n ? 0 : 1;
  const output = verifyFundingScriptParams({
    fundingOutpoint: { txid: leafTxid, vout }, capacity: value, fundingScript: direction === 'ab' ? c.abScript : c.baScript,
  });
  const [payerScript, payeeScript] = direction === 'ab' ? [c.aPayoutScript, c.bPayoutScript] : [c.bPayoutScript, c.aPayoutScript];
  return { direction, output, payerScript, payeeScript };
}

/**
 * A simplex payment's fields: `paid` to the payee, the rest less the fee to
 * the payer (left to the fee when below dust), no lock.
 *
 * @param ctx - From {@link verifyDuplexParams}.
 * @param ch - From {@link simplexChannel}.
 * @param paid - Everything the payer has paid on this channel so far, in satoshis.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `ch` not a channel.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `paid` is not a bigint.
 * @throws {@link ChannelError} `AMOUNT_BELOW_DUST` if `paid` is below the P2WPKH dust limit.
 * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if `paid` plus the fee exceeds the channel's value.
 */
export function simplexPaymentSpend(ctx: DuplexContext, ch: SimplexChannel, paid: bigint): FundingSpendParams {
  const c = expectDuplexContext(ctx);
  if (ch === null || typeof ch !== 'object' || ch.output === undefined) fail('INVALID_ARGUMENT', 'a simplex channel is needed');
  if (typeof paid !== 'bigint') fail('INVALID_AMOUNT', 'paid must be a bigint');
  if (paid < DUST_P2WPKH) fail('AMOUNT_BELOW_DUST', `a payment of ${paid} sat is below the dust limit ${DUST_P2WPKH}`, { amount: paid.toString() });
  const rest = ch.output.params.capacity - paid - c.simplexFee;
  if (rest < 0n) fail('AMOUNT_EXCEEDS_CAPACITY', `paid plus the fee exceeds the channel's ${ch.output.params.capacity} sat`, { paid: paid.toString() });
  const outputs: TxOut[] = [{ script: ch.payeeScript, value: paid }];
  if (rest >= DUST_P2WPKH) outputs.push({ script: ch.payerScript, value: rest });
  return { funding: ch.output, locktime: 0, sequence: DUPLEX_SEQUENCE, outputs };
}

/**
 * A simplex refund's fields: everything less the fee back to the payer,
 * nSequence Dc (valid Dc blocks after the leaf confirms).
 *
 * @param ctx - From {@link verifyDuplexParams}.
 * @param ch - From {@link simplexChannel}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or `ch` not a channel.
 */
export function simplexRefundSpend(ctx: DuplexContext, ch: SimplexChannel): FundingSpendParams {
  const c = expectDuplexContext(ctx);
  if (ch === null || typeof ch !== 'object' || ch.output === undefined) fail('INVALID_ARGUMENT', 'a simplex channel is needed');
  return {
    funding: ch.output, locktime: 0, sequence: c.params.simplexDelay,
    outputs: [{ script: ch.payerScript, value: ch.output.params.capacity - c.simplexFee }],
  };
}
