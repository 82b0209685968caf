/** A deterministic channel for tests: a wallet coin, its funding transaction, and the agreed parameters. */
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelParams, FundingInput, FundingParams, Variant, buildFundingTx, fundingOutpoint, p2wpkhScript,
} from '../../lib';
import { keys, testKey } from './keys';

export const wallet = testKey('sender wallet');
export const walletScript = p2wpkhScript(wallet.pub);

export const VARIANTS: readonly { name: string; variant: Variant }[] = [
  { name: 'CLTV height', variant: { kind: 'cltv', expiry: { height: 1000 } } },
  { name: 'CLTV time', variant: { kind: 'cltv', expiry: { time: 1_800_000_000 } } },
  { name: 'CSV', variant: { kind: 'csv', delay: { blocks: 144 } } },
];

/** A previous transaction paying `value` to the wallet, so the coin has a real txid and nonWitnessUtxo. */
export function walletCoin(value: bigint, label = 'coin'): FundingInput {
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(new Uint8Array(32).fill(label.length), 0);
  prev.addOutput(walletScript, value);
  return { txid: prev.getId(), vout: 0, value, script: walletScript, prevTx: prev.toBuffer() };
}

export function fundingParams(capacity = 1_000_000n, feeRate = 1000n): FundingParams {
  return {
    inputs: [walletCoin(capacity + 100_000n)],
    capacity,
    senderFundingKey: keys.senderFunding.pub,
    receiverFundingKey: keys.receiverFunding.pub,
    changeScript: walletScript,
    feeRate,
  };
}

export function channelParams(variant: Variant, capacity = 1_000_000n, feeRate = 1000n): { channel: ChannelParams; fundingTx: Transaction } {
  const fundingTx = buildFundingTx(fundingParams(capacity, feeRate));
  return {
    fundingTx,
    channel: {
      fundingOutpoint: fundingOutpoint(fundingTx),
      capacity,
      senderFundingKey: keys.senderFunding.pub,
      receiverFundingKey: keys.receiverFunding.pub,
      senderPayoutKey: keys.senderPayout.pub,
      receiverPayoutKey: keys.receiverPayout.pub,
      receiverRevocationKey: keys.receiverRevocation.pub,
      variant,
      feeRate,
    },
  };
}
