/**
 * Corpus of funding evidence a receiver must refuse before it takes payments:
 * another transaction, an output that pays less, pays another script or does
 * not exist, too few confirmations, an unconfirmed transaction whose txid can
 * still change; the same through confirmFunding with a chain described as
 * data; a zero-conf receiver's budget; the funding parts of its policy.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  DEFAULT_FUNDING_DEPTH, MAX_FUNDING_DEPTH, PaymentSigner, Receiver, Sender, buildFundingTx, extractTransaction, finalizePsbt,
  signPsbtWithKey,
} from '../../../lib';
import { DELETE, Ref } from '../../support/bad-inputs-codec';
import { fundingParams, wallet, walletCoin, walletScript } from '../../support/channel';
import { CHAIN, other, policy, receiverSecrets, senderSecrets } from '../../support/parties';
import { PartySpec } from './format';
import { CAPACITY, CSV, FEE_RATE, MARGIN } from './scenario';

type Json = Record<string, unknown>;

/** Just the collector methods these cases use (the party collector's). */
interface Collect {
  bad(target: string, party: string | undefined, name: string, input: unknown[], expect: string): void;
  ok(target: string, name: string, input: unknown[], party?: string): void;
}

const snap = (r: Receiver): Json => JSON.parse(JSON.stringify(r.toJSON())) as Json;
export const ZERO_CONF_BUDGET = 2500n;

/** A receiver that signed state 0 on `outpoint` (the sender named it; nothing was checked yet). */
function fundedOn(outpoint: { txid: string; vout: number }, receiverPolicy: object = policy): { sender: Sender; receiver: Receiver } {
  const { sender, message: open } = Sender.open({ capacity: CAPACITY, variant: CSV, feeRate: FEE_RATE, margin: MARGIN, secrets: senderSecrets });
  const { receiver, message: acc } = Receiver.accept(open, receiverSecrets, receiverPolicy, CHAIN);
  sender.onAcceptChannel(acc);
  sender.onFundingSigned(receiver.onFundingCreated(sender.fundingCreated(outpoint)));
  return { sender, receiver };
}

/** The honest funding transaction of the corpus's channel, signed by the wallet: what a zero-conf receiver sees in the mempool. */
function signedFunding(): Transaction {
  const { sender, message: open } = Sender.open({ capacity: CAPACITY, variant: CSV, feeRate: FEE_RATE, margin: MARGIN, secrets: senderSecrets });
  sender.onAcceptChannel(Receiver.accept(open, receiverSecrets, policy, CHAIN).message);
  const { psbt } = sender.createFunding({ inputs: [walletCoin(CAPACITY + 50_000n)], changeScript: walletScript, feeRate: FEE_RATE });
  signPsbtWithKey(psbt, wallet.priv);
  return extractTransaction(finalizePsbt(psbt));
}

export interface FundingExtras {
  readonly baselines: Record<string, unknown>;
  readonly parties: Record<string, PartySpec>;
}

/** Funding transactions a cheating sender could name: capacity - 1 sat to the 2-of-2, or the capacity to a 2-of-2 with another key. */
const shortFunding = () => buildFundingTx({ ...fundingParams(CAPACITY - 1n, FEE_RATE), inputs: [walletCoin(CAPACITY + 50_000n)] });
const otherScriptFunding = () => buildFundingTx({ ...fundingParams(CAPACITY, FEE_RATE), inputs: [walletCoin(CAPACITY + 50_000n)], receiverFundingKey: other.pub });

export function fundingExtras(honest: Transaction): FundingExtras {
  const short = shortFunding();
  const otherScript = otherScriptFunding();
  const signed = signedFunding();
  const zc = fundedOn({ txid: signed.getId(), vout: 0 }, { ...policy, zeroConf: { budget: ZERO_CONF_BUDGET } });
  zc.receiver.markFundingConfirmed({ tx: signed.toBuffer(), confirmations: 0 });
  for (const inc of [1000n, 1000n]) zc.receiver.onRevoke(zc.sender.onAccept(zc.receiver.onOffer(zc.sender.pay(inc), CHAIN)));
  const receiver = (state: Json, call: string, input: unknown[]): PartySpec => ({ role: 'receiver', state, secrets: new Ref('receiverSecrets'), next: { call, input } });
  const onTx = (tx: Transaction, vout = 0) => snap(fundedOn({ txid: tx.getId(), vout }).receiver);
  return {
    baselines: {
      shortFundingTx: short.toBuffer(), otherScriptFundingTx: otherScript.toBuffer(), signedFundingTx: signed.toBuffer(),
      receiverZeroConfState: snap(zc.receiver),
    },
    parties: {
      receiverOnShortFunding: receiver(onTx(short), 'latestTransaction', []),
      receiverOnOtherScript: receiver(onTx(otherScript), 'latestTransaction', []),
      receiverOnMissingVout: receiver(onTx(honest, 2), 'latestTransaction', []),
      receiverOnChangeVout: receiver(onTx(honest, 1), 'latestTransaction', []),
      receiverZeroConf: receiver(snap(zc.receiver), 'onOffer', [new Ref('offer'), new Ref('chain')]),
    },
  };
}

/** A chain as data for confirmFunding's corpus target (see test/support/bad-inputs-targets.ts). */
function chain(height: number, txs: Record<string, { tx: unknown; blockHeight?: number }>, more: Json = {}): Json {
  return { chain: { height, txs, ...more } };
}

export function fundingCases(col: Collect, honest: Transaction, asSender: PaymentSigner): void {
  const ev = (tx: unknown, confirmations: unknown = DEFAULT_FUNDING_DEPTH) => [{ tx, confirmations }];
  const M = 'Receiver.markFundingConfirmed';
  const F = 'receiverFunded';
  for (const [name, e] of [['null', null], ['undefined', undefined], ['an array', []], ['the transaction alone', new Ref('fundingTx')], ['a string', 'confirmed']] as const) {
    col.bad(M, F, `evidence: ${name}`, [e], 'INVALID_ARGUMENT');
  }
  col.bad(M, F, 'no evidence at all', [], 'INVALID_ARGUMENT');
  col.bad(M, F, 'tx missing', [{ confirmations: 3 }], 'INVALID_ARGUMENT');
  col.bad(M, F, 'tx as a hex string', ev(honest.toHex()), 'INVALID_ARGUMENT');
  col.bad(M, F, 'tx as a Transaction object', ev(honest), 'INVALID_ARGUMENT');
  for (const [name, c] of [['missing', DELETE], ['-1', -1], ['1.5', 1.5], ['a string', '3'], ['a bigint', 3n], ['NaN', NaN], ['Infinity', Infinity], ['null', null]] as const) {
    col.bad(M, F, `confirmations ${name}`, [c === DELETE ? { tx: new Ref('fundingTx') } : { tx: new Ref('fundingTx'), confirmations: c }], 'INVALID_ARGUMENT');
  }
  col.bad(M, F, 'tx bytes that do not parse', ev(Uint8Array.from([1, 2, 3])), 'INVALID_TRANSACTION');
  col.bad(M, F, 'tx with a trailing byte', ev(Uint8Array.from([...honest.toBuffer(), 0])), 'INVALID_TRANSACTION');
  col.bad(M, F, 'tx truncated', ev(honest.toBuffer().subarray(0, 60)), 'INVALID_TRANSACTION');
  col.bad(M, F, 'no bytes', ev(new Uint8Array(0)), 'INVALID_TRANSACTION');
  col.bad(M, F, 'another transaction (a payment version)', ev(new Ref('senderVersion1')), 'FUNDING_MISMATCH');
  col.bad(M, F, 'a funding transaction paying the capacity - 1 sat (another txid)', ev(new Ref('shortFundingTx')), 'FUNDING_MISMATCH');
  col.bad(M, F, 'a funding transaction to another 2-of-2 (another txid)', ev(new Ref('otherScriptFundingTx')), 'FUNDING_MISMATCH');
  for (const c of [0, 1, DEFAULT_FUNDING_DEPTH - 1]) col.bad(M, F, `${c} confirmations of the default ${DEFAULT_FUNDING_DEPTH}`, ev(new Ref('fundingTx'), c), 'FUNDING_NOT_CONFIRMED');
  col.bad(M, F, 'the signed transaction in the mempool, without zero-conf', ev(new Ref('signedFundingTx'), 0), 'FUNDING_NOT_CONFIRMED');
  // The sender named an outpoint that is not what was agreed: the transaction is the one named, the output is wrong.
  col.bad(M, 'receiverOnShortFunding', 'the named transaction pays the capacity - 1 sat', ev(new Ref('shortFundingTx')), 'FUNDING_MISMATCH');
  col.bad(M, 'receiverOnShortFunding', 'the named transaction pays the capacity - 1 sat, 100 blocks deep', ev(new Ref('shortFundingTx'), 100), 'FUNDING_MISMATCH');
  col.bad(M, 'receiverOnOtherScript', 'the named transaction pays the capacity to another 2-of-2', ev(new Ref('otherScriptFundingTx')), 'FUNDING_MISMATCH');
  col.bad(M, 'receiverOnMissingVout', 'the named output does not exist', ev(new Ref('fundingTx')), 'FUNDING_MISMATCH');
  col.bad(M, 'receiverOnChangeVout', 'the named output is the change', ev(new Ref('fundingTx')), 'FUNDING_MISMATCH');
  col.bad(M, 'receiverAccepted', 'before funding_created', ev(new Ref('fundingTx')), 'UNEXPECTED_MESSAGE');
  col.bad(M, 'receiverClosed', 'after close', ev(new Ref('fundingTx')), 'CHANNEL_CLOSED');
  col.bad(M, 'receiverClosing', 'while closing', ev(new Ref('fundingTx')), 'CHANNEL_CLOSED');
  col.bad(M, 'receiverOpen', 'evidence of another transaction on an open channel', ev(new Ref('senderVersion1')), 'FUNDING_MISMATCH');
  // Zero-conf: opened from the mempool with a budget.
  const Z = 'receiverZeroConf';
  col.bad(M, Z, 'an unconfirmed funding transaction without witnesses (its txid can still change)', ev(new Ref('fundingTx'), 1), 'NON_SEGWIT_INPUT');
  col.bad(M, Z, 'another transaction', ev(new Ref('senderVersion1'), 5), 'FUNDING_MISMATCH');
  col.bad(M, Z, 'confirmations -1', ev(new Ref('signedFundingTx'), -1), 'INVALID_ARGUMENT');
  const offer = (amount: bigint) => new Ref('offer', { amount, sig: asSender.sign(asSender.receiverVersionHash(3n, amount)) });
  col.bad('Receiver.onOffer', Z, `a total of ${ZERO_CONF_BUDGET + 1n}, one above the zero-conf budget, signed`, [offer(ZERO_CONF_BUDGET + 1n), new Ref('chain')], 'FUNDING_NOT_CONFIRMED');
  col.bad('Receiver.onOffer', Z, 'a total of 500000, far above the zero-conf budget, signed', [offer(500_000n), new Ref('chain')], 'FUNDING_NOT_CONFIRMED');

  // confirmFunding: the same through a backend.
  const C = 'confirmFunding';
  const txid = honest.getId();
  const at = (blockHeight?: number) => ({ tx: new Ref('fundingTx'), ...(blockHeight !== undefined ? { blockHeight } : {}) });
  for (const [name, b] of [['null', null], ['undefined', undefined], ['an empty object', {}], ['a string', 'http://127.0.0.1:18443'],
    ['a backend without getTip', { getTransaction: null }], ['an array', []]] as const) {
    col.bad(C, F, `backend ${name}`, [b], 'INVALID_ARGUMENT');
  }
  col.bad(C, F, 'a node that does not know the funding transaction', [chain(500, {})], 'FUNDING_NOT_CONFIRMED');
  col.bad(C, F, 'the funding transaction only in the mempool', [chain(500, { [txid]: at() })], 'FUNDING_NOT_CONFIRMED');
  col.bad(C, F, 'the funding transaction one block deep', [chain(500, { [txid]: at(500) })], 'FUNDING_NOT_CONFIRMED');
  col.bad(C, F, 'one block deep by getConfirmations', [chain(500, { [txid]: at(498) }, { confirmations: 1 })], 'FUNDING_NOT_CONFIRMED');
  col.bad(C, F, 'getConfirmations does not know it', [chain(500, { [txid]: at(498) }, { confirmations: 'NOT_FOUND' })], 'FUNDING_NOT_CONFIRMED');
  col.bad(C, F, 'the node answers with hex instead of bytes', [chain(500, { [txid]: { tx: honest.toHex(), blockHeight: 498 } })], 'CHAIN_BACKEND');
  col.bad(C, F, 'a block height above the tip', [chain(500, { [txid]: at(501) })], 'CHAIN_BACKEND');
  col.bad(C, F, 'getConfirmations answers -1', [chain(500, { [txid]: at(498) }, { confirmations: -1 })], 'CHAIN_BACKEND');
  col.bad(C, F, 'getConfirmations answers a string', [chain(500, { [txid]: at(498) }, { confirmations: '3' })], 'CHAIN_BACKEND');
  col.bad(C, F, 'getTransaction throws a TypeError', [chain(500, {}, { throws: 'getTransaction' })], 'CHAIN_BACKEND');
  col.bad(C, F, 'getTip throws a TypeError', [chain(500, { [txid]: at(498) }, { throws: 'getTip' })], 'CHAIN_BACKEND');
  col.bad(C, 'receiverOnShortFunding', 'the named transaction pays the capacity - 1 sat', [chain(500, { [shortFunding().getId()]: { tx: new Ref('shortFundingTx'), blockHeight: 490 } })], 'FUNDING_MISMATCH');
  col.bad(C, 'receiverAccepted', 'before funding_created', [chain(500, { [txid]: at(498) })], 'UNEXPECTED_MESSAGE');
  col.ok(C, 'three blocks deep, read from the tip', [chain(500, { [txid]: at(498) })], F);
  col.ok(C, 'three blocks deep by getConfirmations', [chain(500, { [txid]: at(498) }, { confirmations: 3 })], F);
  col.ok(C, 'zero-conf, then deep: the budget is lifted', [chain(500, { [txid]: { tx: new Ref('signedFundingTx'), blockHeight: 490 } })], Z);

  // The funding parts of the receiver's policy.
  const R = 'Receiver.accept';
  const a = (pol: unknown) => [new Ref('open'), new Ref('receiverSecrets'), pol, new Ref('chain')];
  col.ok(R, 'a zero-conf policy', a({ ...policy, zeroConf: { budget: 10_000n } }));
  col.ok(R, `a funding depth of ${MAX_FUNDING_DEPTH}`, a({ ...policy, fundingDepth: MAX_FUNDING_DEPTH }));
  for (const [name, p] of [['null', null], ['a string', 'strict'], ['a number', 3]] as const) col.bad(R, undefined, `policy ${name}`, a(p), 'INVALID_ARGUMENT');
  for (const [name, d] of [['0', 0], ['-1', -1], ['1.5', 1.5], ['a string', '3'], ['NaN', NaN], [`${MAX_FUNDING_DEPTH + 1}`, MAX_FUNDING_DEPTH + 1], ['a bigint', 3n], ['null', null]] as const) {
    col.bad(R, undefined, `fundingDepth ${name}`, a({ ...policy, fundingDepth: d }), 'INVALID_ARGUMENT');
  }
  for (const [name, z, code] of [['null', null, 'INVALID_ARGUMENT'], ['a bigint', 10_000n, 'INVALID_ARGUMENT'], ['without a budget', {}, 'INVALID_AMOUNT'],
    ['with a budget as a number', { budget: 10_000 }, 'INVALID_AMOUNT'], ['with a budget of -1', { budget: -1n }, 'INVALID_AMOUNT'],
    ['with a budget above 21e6 BTC', { budget: 21_000_000n * 100_000_000n + 1n }, 'INVALID_AMOUNT']] as const) {
    col.bad(R, undefined, `zeroConf ${name}`, a({ ...policy, zeroConf: z }), code);
  }
}

/** Saved-state damage to the funding fields of a receiver. */
export function fundingStateCases<T>(receiver: (name: string, state: unknown, expect: 'STATE_INVALID') => T): T[] {
  const r = (changes: Record<string, unknown>) => new Ref('receiverState', changes);
  const z = (changes: Record<string, unknown>) => new Ref('receiverZeroConfState', changes);
  const I = 'STATE_INVALID' as const;
  return [
    receiver('fundingDepth missing', r({ fundingDepth: DELETE }), I), receiver('fundingDepth 0', r({ fundingDepth: 0 }), I),
    receiver('fundingDepth as a string', r({ fundingDepth: '3' }), I), receiver('fundingDepth 1.5', r({ fundingDepth: 1.5 }), I),
    receiver(`fundingDepth ${MAX_FUNDING_DEPTH + 1}`, r({ fundingDepth: MAX_FUNDING_DEPTH + 1 }), I),
    receiver('zeroConfBudget missing', r({ zeroConfBudget: DELETE }), I), receiver('zeroConfBudget as a number', r({ zeroConfBudget: 2500 }), I),
    receiver('zeroConfBudget negative', r({ zeroConfBudget: '-1' }), I), receiver('zeroConfBudget above 21e6 BTC', r({ zeroConfBudget: '2100000000000001' }), I),
    receiver('zero-conf: open on shallow funding without a budget', z({ zeroConfBudget: null }), I),
    receiver('zero-conf: a budget below the amount received', z({ zeroConfBudget: '1999' }), I),
  ];
}
