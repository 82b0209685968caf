/**
 * Bad arguments for the core's child through an anchor. The parent is a
 * made-up transaction carrying a party's anchor beside a payout (the builder
 * reads only its outputs and weight; each construction checks what the
 * parent spends before it calls this); the fee comes from one wallet coin.
 */
import { Transaction } from 'bitcoinjs-lib';
import { AnchorChildParams, compileAnchorScript, p2wpkhScript, p2wshScript } from '../../../lib';
import { DELETE, Ref } from '../../support/bad-inputs-codec';
import { testKey } from '../../support/keys';
import { Collector } from './builders';
import { BAD_DESTINATIONS, BAD_KEYS, BAD_PRIVATE_KEYS, validPub } from './values';

const funding = testKey('anchor child funding');
const wallet = testKey('anchor child wallet');
const parent = new Transaction();
parent.version = 2;
parent.addInput(Buffer.alloc(32, 7), 0, 0xfffffffe);
parent.addOutput(p2wpkhScript(testKey('anchor child payout').pub), 90_000n);
parent.addOutput(p2wshScript(compileAnchorScript(funding.pub)), 330n);
const coin = { txid: 'ab'.repeat(32), vout: 1, value: 50_000n, key: wallet.pub };

export const ANCHOR_CHILD_BASELINES: Record<string, unknown> = {
  anchorChild: {
    parent: parent.toBuffer(), parentFee: 700n, anchorKey: funding.pub, feeCoins: [coin], packageFeeRate: 5000n, destinationScript: p2wpkhScript(wallet.pub),
  } satisfies AnchorChildParams,
  anchorChildKeys: { fundingKey: funding.priv, coinKeys: [wallet.priv] },
};

export function anchorChildCases(col: Collector): void {
  const p = (changes: Record<string, unknown> = {}) => new Ref('anchorChild', changes);
  const k = (changes: Record<string, unknown> = {}) => new Ref('anchorChildKeys', changes);
  const both = (name: string, changes: Record<string, unknown>, code: Parameters<Collector['bad']>[3]) => {
    col.bad('buildAnchorChildTx', name, [p(changes)], code);
    col.bad('signAnchorChildTx', name, [p(changes), k()], code);
  };
  col.bad('buildAnchorChildTx', 'null parameters', [null], 'INVALID_ARGUMENT');
  col.bad('signAnchorChildTx', 'null parameters', [null, k()], 'INVALID_ARGUMENT');
  both('a parent that does not parse', { parent: Uint8Array.from([1, 2, 3]) }, 'INVALID_TRANSACTION');
  both('the parent as hex', { parent: parent.toHex() }, 'INVALID_TRANSACTION');
  both('no parent', { parent: DELETE }, 'INVALID_TRANSACTION');
  both('a key whose anchor the parent lacks', { anchorKey: validPub }, 'INVALID_TRANSACTION');
  for (const bad of BAD_KEYS) both(`anchorKey: ${bad.name}`, { anchorKey: bad.key }, 'INVALID_KEY');
  both('a negative parent fee', { parentFee: -1n }, 'INVALID_AMOUNT');
  both('a parent fee given as a number', { parentFee: 700 }, 'INVALID_AMOUNT');
  both('no fee coin', { feeCoins: [] }, 'INVALID_ARGUMENT');
  both('feeCoins not a list', { feeCoins: coin }, 'INVALID_ARGUMENT');
  both('a coin of 0 sat', { feeCoins: [{ ...coin, value: 0n }] }, 'INVALID_AMOUNT');
  both('a coin txid too short', { feeCoins: [{ ...coin, txid: 'ab' }] }, 'INVALID_ARGUMENT');
  for (const bad of BAD_KEYS) both(`coin key: ${bad.name}`, { feeCoins: [{ ...coin, key: bad.key }] }, 'INVALID_KEY');
  both('a package fee rate given as a number', { packageFeeRate: 5000 }, 'INVALID_FEE_RATE');
  both('a minimum fee rate given as a number', { minFeeRate: 253 }, 'INVALID_FEE_RATE');
  for (const d of BAD_DESTINATIONS) both(`destination: ${d.name}`, { destinationScript: d.script }, 'INVALID_SCRIPT');
  both('a coin too small for the fee', { feeCoins: [{ ...coin, value: 500n }] }, 'FEE_EXCEEDS_OUTPUT');
  col.bad('signAnchorChildTx', 'keys null', [p(), null], 'INVALID_ARGUMENT');
  col.bad('signAnchorChildTx', 'one coin key short', [p(), k({ coinKeys: [] })], 'INVALID_ARGUMENT');
  col.bad('signAnchorChildTx', 'the wallet\'s key for the anchor', [p(), k({ fundingKey: wallet.priv })], 'INVALID_KEY');
  col.bad('signAnchorChildTx', 'the anchor\'s key for the coin', [p(), k({ coinKeys: [funding.priv] })], 'INVALID_KEY');
  for (const bad of BAD_PRIVATE_KEYS) col.bad('signAnchorChildTx', `funding key: ${bad.name}`, [p(), k({ fundingKey: bad.key })], 'INVALID_KEY');
  for (const [t, extra] of [['buildAnchorChildTx', []], ['signAnchorChildTx', [k()]]] as const) {
    col.ok(t, 'the anchor and one coin', [p(), ...extra]);
    col.ok(t, 'a parent already paying the package rate (the child pays its own floor)', [p({ parentFee: 100_000n }), ...extra]);
  }
}
