/**
 * A decreasing-lock channel on a real coin of the embedded node: both sign
 * state 0 (and the kickoff) before a signs and broadcasts the funding.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  DecreasingForm, DecreasingParty, FUNDING_OUTPUT_INDEX, createFundingPsbt, extractTransaction, finalizePsbt, p2wpkhScript, planFunding,
  signPsbtWithKey, verifyDecreasingParams,
} from '../../../lib';
import type { RegtestNode } from '../../kit/regtest-node';
import { broadcastAndConfirm } from '../../support/e2e';
import { CAPACITY, ChannelOptions, FEE_RATE, OpenedDecreasing, decreasingKeys, paramsFor, wire } from './kit';

export async function openDecreasingOnChain(
  node: RegtestNode, form: DecreasingForm, label: string, o: ChannelOptions & { anchors?: boolean } = {},
): Promise<OpenedDecreasing & { fundingTx: Transaction }> {
  const keys = decreasingKeys(label);
  const walletScript = p2wpkhScript(keys.wallet.pub);
  const capacity = o.capacity ?? CAPACITY;
  const coin = await node.fund(walletScript, capacity + 100_000n);
  const funding = {
    inputs: [{ txid: coin.txid, vout: coin.vout, value: coin.value, script: walletScript, prevTx: coin.tx }],
    capacity, senderFundingKey: keys.aFunding.pub, receiverFundingKey: keys.bFunding.pub, changeScript: walletScript, feeRate: FEE_RATE,
  };
  const unsignedId = planFunding(funding).tx.getId();
  const psbt = createFundingPsbt(funding);
  const params = paramsFor(form, keys, { ...o, funding: { txid: unsignedId, vout: FUNDING_OUTPUT_INDEX } });
  const ctx = verifyDecreasingParams(o.anchors === undefined ? params : { ...params, anchors: o.anchors });
  const a = DecreasingParty.open(ctx, 'a', keys.aFunding.priv);
  const b = DecreasingParty.open(ctx, 'b', keys.bFunding.priv);
  b.onInitialSigned(wire(a.initialSigned()));
  a.onInitialSigned(wire(b.initialSigned()));
  expect(signPsbtWithKey(psbt, keys.wallet.priv)).to.equal(1);
  const fundingTx = extractTransaction(finalizePsbt(psbt));
  expect(fundingTx.getId()).to.equal(unsignedId);
  await broadcastAndConfirm(node, fundingTx);
  return { keys, ctx, a, b, fundingTx };
}
