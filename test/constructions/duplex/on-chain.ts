/**
 * A duplex channel on real coins of the embedded node, through the
 * protocol: both parties sign the kickoff and state 0's branch, only then
 * does each wallet sign its own setup coin on its own copy of the PSBT; the
 * combined setup is mined and both parties read it back.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import {
  DuplexMessage, DuplexParty, combinePsbts, createDuplexSetupPsbt, decodeDuplexMessage, encodeDuplexMessage, extractTransaction, finalizePsbt,
  p2wpkhScript, planDuplexSetup, signPsbtWithKey,
} from '../../../lib';
import type { RegtestNode } from '../../kit/regtest-node';
import { broadcastAndConfirm } from '../../support/e2e';
import { DEPOSIT, DuplexKeys, FEE_RATE, ParamOptions, duplexKeys, duplexPair } from './kit';

/** A message through its JSON form, as the wire carries it. */
export function wire<T extends DuplexMessage>(m: T): T {
  return decodeDuplexMessage(JSON.parse(JSON.stringify(encodeDuplexMessage(m)))) as T;
}

export interface DuplexOnChain {
  readonly keys: DuplexKeys;
  readonly a: DuplexParty;
  readonly b: DuplexParty;
  readonly setupTx: Transaction;
  readonly setupHeight: number;
}

export async function openDuplexOnChain(node: RegtestNode, label: string, o: Omit<ParamOptions, 'funding' | 'capacity' | 'aAmount'> = {}): Promise<DuplexOnChain> {
  const keys = duplexKeys(label);
  const aScript = p2wpkhScript(keys.aWallet.pub);
  const bScript = p2wpkhScript(keys.bWallet.pub);
  const aCoin = await node.fund(aScript, DEPOSIT + 50_000n);
  const bCoin = await node.fund(bScript, DEPOSIT + 50_000n);
  const params = {
    aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, feeRate: FEE_RATE,
    a: { inputs: [{ txid: aCoin.txid, vout: aCoin.vout, value: aCoin.value, script: aScript, prevTx: aCoin.tx }], amount: DEPOSIT, changeScript: aScript },
    b: { inputs: [{ txid: bCoin.txid, vout: bCoin.vout, value: bCoin.value, script: bScript, prevTx: bCoin.tx }], amount: DEPOSIT, changeScript: bScript },
  };
  const setup = planDuplexSetup(params);
  const { ctx } = duplexPair(keys, { ...o, funding: setup.fundingOutpoint, capacity: setup.capacity });
  const a = DuplexParty.open(ctx, 'a', keys.aFunding.priv);
  const b = DuplexParty.open(ctx, 'b', keys.bFunding.priv);
  b.onTreeSigned(wire(a.treeSigned()));
  a.onTreeSigned(wire(b.treeSigned()));
  const aPsbt = createDuplexSetupPsbt(params);
  const bPsbt = createDuplexSetupPsbt(params);
  expect(signPsbtWithKey(aPsbt, keys.aWallet.priv)).to.equal(1);
  expect(signPsbtWithKey(bPsbt, keys.bWallet.priv)).to.equal(1);
  const got = await broadcastAndConfirm(node, extractTransaction(finalizePsbt(combinePsbts(aPsbt, bPsbt))));
  a.markSetupConfirmed(got.tx);
  b.markSetupConfirmed(got.tx);
  return { keys, a, b, setupTx: got.tx, setupHeight: got.height };
}

/** `from` pays `to` through the wire. */
export function payDuplex(from: DuplexParty, to: DuplexParty, amount: bigint): void {
  from.onPayAck(wire(to.onPay(wire(from.pay(amount))).message));
}

/** A reset proposed by `from`, through its three messages. */
export function resetDuplex(from: DuplexParty, to: DuplexParty): void {
  to.onResetDone(wire(from.onResetAck(wire(to.onReset(wire(from.proposeReset()))))));
}
