/**
 * A deterministic channel with HTLC terms and HTLCs for tests: keys from
 * labels, preimages from labels, and both payment versions signed by both
 * funding keys, so specs, the fixture generator and the bench share one setup.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelParams, Htlc, PaymentSigner, PaymentVersionParams, PublicKey, Variant, verifyChannelParams,
} from '../../lib';
import { channelParams } from './channel';
import { keys, testKey } from './keys';
import { testPreimage } from './test-templates';

export const receiverHtlc = testKey('receiver htlc');
export const HTLC_DELAY = { blocks: 6 } as const;
export const MAX_DUST_EXPOSURE = 5_000n;

/** A channel with HTLC terms, its funding transaction unsigned (segwit: the txid is final). */
export function htlcChannel(variant: Variant, opts: { capacity?: bigint; feeRate?: bigint; delay?: number; maxDustExposure?: bigint } = {}): {
  channel: ChannelParams;
  fundingTx: Transaction;
} {
  const base = channelParams(variant, opts.capacity ?? 1_000_000n, opts.feeRate ?? 1000n);
  return {
    fundingTx: base.fundingTx,
    channel: {
      ...base.channel,
      htlc: { receiverHtlcKey: receiverHtlc.pub, delay: { blocks: opts.delay ?? HTLC_DELAY.blocks }, maxDustExposure: opts.maxDustExposure ?? MAX_DUST_EXPOSURE },
    },
  };
}

/** An HTLC whose preimage comes from `label`. */
export function testHtlc(label: string, amount: bigint, expiry: number): { htlc: Htlc; preimage: Uint8Array } {
  const { preimage, hash } = testPreimage(`htlc ${label}`);
  return { htlc: { amount, hash, expiry: { height: expiry } }, preimage };
}

/** A payment version signed by both funding keys, ready to broadcast. */
export function signedVersion(channel: ChannelParams, index: bigint, p: PaymentVersionParams): Transaction {
  const ctx = verifyChannelParams(channel);
  const sender = new PaymentSigner(ctx, 'sender', keys.senderFunding.priv);
  const receiver = new PaymentSigner(ctx, 'receiver', keys.receiverFunding.priv);
  return sender.completeVersion(index, p, receiver.sign(receiver.versionHash(index, p)));
}

/** The sender's version of state `index` with these HTLCs, signed. */
export function senderVersion(channel: ChannelParams, index: number, amount: bigint, htlcs: readonly Htlc[]): { tx: Transaction; updateKey: PublicKey } {
  const updateKey = keys.update(index).pub;
  return { tx: signedVersion(channel, BigInt(index), { version: 'sender', amount, updateKey, htlcs }), updateKey };
}

/** The receiver's version of state `index` with these HTLCs, signed. */
export function receiverVersion(channel: ChannelParams, index: number, amount: bigint, htlcs: readonly Htlc[]): Transaction {
  return signedVersion(channel, BigInt(index), { version: 'receiver', amount, htlcs });
}
