/**
 * The decreasing-lock construction's bad-input corpus (test/kit/corpus/constructions.ts
 * picks it up): its targets, its files in fixtures/bad-inputs/decreasing-*.json,
 * and why its other exports have no cases. Baselines come from a channel
 * opened and updated through its messages (./kit.ts); each case changes one
 * thing of a baseline and must be refused with its code. Parties are passed
 * as their saved state and restored by the target, so a refused call is seen
 * to change nothing that would be saved.
 */
import {
  DECREASING_MESSAGES, DecreasingParams, DecreasingParty, DecreasingSigner, PrivateKey, buildDecreasingAnchorChildTx, buildDecreasingCloseTx,
  compileAnchorScript, p2wpkhScript,
  buildDecreasingKickoffTx, buildDecreasingStateTx, createDecreasingClosePsbt, createDecreasingKickoffPsbt, createDecreasingStatePsbt, decodeDecreasingMessage, encodeDecreasingMessage, verifyDecreasingParams,
  verifyInvalidationCounter,
} from '../../../lib';
import type { Target } from '../../support/bad-inputs-targets';
import { DELETE, Ref } from '../../support/bad-inputs-codec';
import { FileSpec } from '../../kit/corpus/format';
import { Cases, messageFiles } from '../../kit/corpus/construction-cases';
import { BAD_KEYS, BAD_PRIVATE_KEYS } from '../../kit/corpus/values';
import type { ConstructionCorpus } from '../../kit/corpus/constructions';
import { CHAIN, decreasingKeys, openDecreasing, payDecreasing, syntheticFunding } from './kit';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Args = any[];
type Json = Record<string, unknown>;

const T = (kind: Target['kind'], exports: readonly string[], run: (a: Args) => unknown): Target => ({ kind, exports, run });
const ctxOf = (p: unknown) => verifyDecreasingParams(p as DecreasingParams);

const TARGETS: [string, Target][] = [
  ['decodeDecreasingMessage', T('decoder', ['decodeDecreasingMessage'], (a) => decodeDecreasingMessage(a[0]))],
  ['verifyDecreasingParams', T('builder', ['verifyDecreasingParams'], (a) => verifyDecreasingParams(a[0]))],
  ['verifyInvalidationCounter', T('builder', ['verifyInvalidationCounter'], (a) => verifyInvalidationCounter(a[0]))],
  ['buildDecreasingStateTx', T('builder', ['buildDecreasingStateTx'], (a) => buildDecreasingStateTx({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['createDecreasingStatePsbt', T('psbt', ['createDecreasingStatePsbt'], (a) => createDecreasingStatePsbt({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['createDecreasingClosePsbt', T('psbt', ['createDecreasingClosePsbt'], (a) => createDecreasingClosePsbt({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['createDecreasingKickoffPsbt', T('psbt', ['createDecreasingKickoffPsbt'], (a) => createDecreasingKickoffPsbt({ ctx: ctxOf(a[0]) }))],
  ['buildDecreasingCloseTx', T('builder', ['buildDecreasingCloseTx'], (a) => buildDecreasingCloseTx({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['buildDecreasingKickoffTx', T('builder', ['buildDecreasingKickoffTx'], (a) => buildDecreasingKickoffTx({ ctx: ctxOf(a[0]) }))],
  ['buildDecreasingAnchorChildTx', T('builder', ['buildDecreasingAnchorChildTx'], (a) => buildDecreasingAnchorChildTx({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['compileAnchorScript', T('builder', ['compileAnchorScript'], (a) => compileAnchorScript(a[0]))],
  ['DecreasingSigner', T('builder', ['DecreasingSigner'], (a) => new DecreasingSigner(ctxOf(a[0]), a[1], a[2] as PrivateKey))],
  ['DecreasingSigner.completeState', T('builder', ['DecreasingSigner'], (a) => new DecreasingSigner(ctxOf(a[0]), a[1], a[2] as PrivateKey).completeState(a[3], a[4]))],
  ['DecreasingParty.restore', T('state', ['DecreasingParty'], (a) => DecreasingParty.restore(a[0], a[1]))],
  ['DecreasingParty.onUpdate', T('state', ['DecreasingParty'], (a) => DecreasingParty.restore(a[0], a[1]).onUpdate(a[2], a[3]))],
  ['DecreasingParty.pay', T('state', ['DecreasingParty'], (a) => DecreasingParty.restore(a[0], a[1]).pay(a[2], a[3], a[4]))],
  ['DecreasingParty.onClose', T('state', ['DecreasingParty'], (a) => DecreasingParty.restore(a[0], a[1]).onClose(a[2]))],
  ['DecreasingParty.accept', T('state', ['DecreasingParty'], (a) => DecreasingParty.accept(a[0], a[1], a[2], a[3]))],
  ['DecreasingParty.onOpenAck', T('state', ['DecreasingParty'], (a) => DecreasingParty.restore(a[0], a[1]).onOpenAck(a[2]))],
  ['DecreasingParty.markFundingConfirmed', T('state', ['DecreasingParty'], (a) => DecreasingParty.restore(a[0], a[1]).markFundingConfirmed(a[2]))],
];

const CONSTANT = 'a constant';
const NOT_TARGETS: Readonly<Record<string, string>> = {
  DECREASING: CONSTANT, DECREASING_SEQUENCE: CONSTANT, DECREASING_CLOSE_LOCKTIME: CONSTANT, DECREASING_KIND_LABELS: CONSTANT,
  DECREASING_MESSAGES: CONSTANT, DECREASING_MESSAGE_TYPES: CONSTANT, INCREMENTAL_RELAY_FEE_RATE: CONSTANT, KICKOFF_LOCKTIME: CONSTANT,
  MAX_RELATIVE_LOCK_BLOCKS: CONSTANT, MAX_COUNTER_STATES: CONSTANT,
  classifyDecreasingSpend: 'takes a Transaction object, which the corpus cannot carry; its refusals are in test/decreasing.spec.ts',
  DecreasingWatcher: 'chain I/O: its scheduler and spend reports are tested on the regtest node in test/decreasing-regtest.spec.ts',
  signDecreasingAnchorChildTx: 'builds through the same checks as buildDecreasingAnchorChildTx, whose cases it shares; its key refusals are in test/decreasing-anchors.spec.ts',
  encodeDecreasingMessage: 'encodes a typed in-memory message the parties built; its output is what decodeDecreasingMessage checks',
};

// Baselines: a locktime-form channel updated once each way, and a kickoff-form one.
const channel = openDecreasing('locktime', { label: 'corpus', initialLock: CHAIN.height + 100 });
payDecreasing(channel.a, channel.b, 5000n);
payDecreasing(channel.b, channel.a, 1000n);
const kickoff = openDecreasing('kickoff', { label: 'corpus kickoff', updates: 4 });
const aState = channel.a.toJSON();
const bState = channel.b.toJSON();
const { keys } = channel;
const nextUpdate = DecreasingParty.restore(JSON.parse(JSON.stringify(aState)), keys.aFunding.priv).pay(2000n, CHAIN).message;
const closeOffer = DecreasingParty.restore(JSON.parse(JSON.stringify(aState)), keys.aFunding.priv).proposeClose(500n);

// The handshake: a locktime-form channel on a funding transaction made for it, a's open and b's acknowledgement.
const hKeys = decreasingKeys('corpus handshake');
const hFunding = syntheticFunding(hKeys, 'locktime', { initialLock: CHAIN.height + 100 });
const hCtx = verifyDecreasingParams(hFunding.params);
const proposed = DecreasingParty.propose(hCtx, hKeys.aFunding.priv);
const accepted = DecreasingParty.accept(proposed.message, hKeys.bFunding.priv, CHAIN, { payoutKey: hKeys.bPayout.pub });

const MESSAGES = (() => {
  const c = openDecreasing('kickoff', { label: 'corpus messages' });
  const out = new Map<string, Json>();
  const put = (m: { type: string }) => out.set(m.type, encodeDecreasingMessage(m as never));
  put(proposed.message);
  put(accepted.message);
  put(c.a.initialSigned());
  const { message } = c.a.pay(3000n, CHAIN);
  put(message);
  const ack = c.b.onUpdate(message, CHAIN).message;
  put(ack);
  c.a.onUpdateAck(ack);
  const offer = c.b.proposeClose(400n);
  put(offer);
  put(c.a.onClose(offer).message);
  return out;
})();

const BASELINES: Record<string, unknown> = {
  params: { ...channel.ctx.params },
  paramsK: { ...kickoff.ctx.params },
  aState, bState,
  aKey: keys.aFunding.priv, bKey: keys.bFunding.priv,
  chain: CHAIN,
  update: nextUpdate,
  close: closeOffer,
  counter: { levels: 2, values: 4, step: 144, lock: 'relative' },
  anchorChild: {
    parent: channel.a.latestStateTx().toBuffer(), role: 'a', packageFeeRate: 5000n, destinationScript: p2wpkhScript(keys.wallet.pub),
    feeCoins: [{ txid: 'ab'.repeat(32), vout: 1, value: 50_000n, key: keys.wallet.pub }],
  },
  open: proposed.message,
  openAck: accepted.message,
  aOpening: proposed.party.toJSON(),
  bFunding: accepted.party.toJSON(),
  hKeyA: hKeys.aFunding.priv, hKeyB: hKeys.bFunding.priv,
  policy: { payoutKey: hKeys.bPayout.pub },
  evidence: { tx: hFunding.tx.toBuffer(), confirmations: 3 },
};
for (const [type, json] of MESSAGES) BASELINES[type] = json;

function builderFile(): FileSpec {
  const c = new Cases(BASELINES);
  const params = channel.ctx.params;
  const P = (changes: Record<string, unknown>) => new Ref('params', changes);
  let t = 'verifyDecreasingParams';
  c.ok(t, 'locktime form', [new Ref('params')]);
  c.ok(t, 'kickoff form', [new Ref('paramsK')]);
  for (const [name, v] of [['null', null], ['an array', []], ['a string', 'locktime']] as const) c.bad(t, `not an object: ${name}`, [v], 'INVALID_ARGUMENT');
  for (const [name, form] of [['X', 'X'], ['missing', DELETE]] as const) c.bad(t, `form ${name}`, [P({ form })], 'INVALID_ARGUMENT');
  for (const role of ['aFundingKey', 'bFundingKey', 'aPayoutKey', 'bPayoutKey']) for (const k of BAD_KEYS) c.bad(t, `${role}: ${k.name}`, [P({ [role]: k.key })], 'INVALID_KEY');
  c.bad(t, 'equal funding keys', [P({ bFundingKey: params.aFundingKey })], 'INVALID_KEY');
  c.bad(t, 'equal payout keys', [P({ bPayoutKey: params.aPayoutKey })], 'INVALID_KEY');
  for (const [name, lock] of [['a time', { time: 1_700_000_000 }], ['height 500000000', { height: 500_000_000 }], ['below Δ', { height: 5 }], ['missing', DELETE], ['a number', 3000]] as const) {
    c.bad(t, `initialLock ${name}`, [P({ initialLock: lock })], 'INVALID_TIMELOCK');
  }
  for (const [name, step] of [['0', 0], ['1.5', 1.5], ['65536', 65536], ['a string', '10']] as const) c.bad(t, `step ${name}`, [P({ step })], 'INVALID_ARGUMENT');
  c.bad(t, 'kickoff form: N Δ past BIP 68', [new Ref('paramsK', { step: 1000, updates: 66 })], 'INVALID_TIMELOCK');
  c.bad(t, 'kickoff form: updates 0', [new Ref('paramsK', { updates: 0 })], 'INVALID_ARGUMENT');
  c.bad(t, 'locktime form with updates', [P({ updates: 5 })], 'INVALID_ARGUMENT');
  c.bad(t, 'feeRate below the relay floor', [P({ feeRate: 252n })], 'FEE_RATE_REFUSED');
  c.bad(t, 'feeRate a number', [P({ feeRate: 1000 })], 'INVALID_FEE_RATE');
  c.bad(t, 'aBalance the capacity', [P({ aBalance: params.capacity })], 'AMOUNT_EXCEEDS_CAPACITY');
  c.bad(t, 'aBalance dust', [P({ aBalance: 100n })], 'AMOUNT_BELOW_DUST');
  c.bad(t, 'aBalance negative', [P({ aBalance: -1n })], 'INVALID_AMOUNT');
  c.bad(t, 'capacity 0', [P({ capacity: 0n })], 'INVALID_AMOUNT');
  c.bad(t, 'fundingOutpoint missing', [P({ fundingOutpoint: DELETE })], 'INVALID_ARGUMENT');

  t = 'verifyInvalidationCounter';
  c.ok(t, 'two levels of four', [new Ref('counter')]);
  c.bad(t, 'not an object', [null], 'INVALID_ARGUMENT');
  c.bad(t, 'relative past BIP 68', [new Ref('counter', { step: 30_000 })], 'INVALID_TIMELOCK');
  c.bad(t, 'values 1', [new Ref('counter', { values: 1 })], 'INVALID_ARGUMENT');
  c.bad(t, 'lock time', [new Ref('counter', { lock: 'time' })], 'INVALID_ARGUMENT');
  c.bad(t, 'levels 33 of 2', [new Ref('counter', { levels: 33, values: 2 })], 'INVALID_ARGUMENT');

  const total = channel.ctx.stateCapacity;
  const ok = { index: 3, aBalance: 400_000n, bBalance: total - 402_000n, fee: 2000n };
  for (const t2 of ['buildDecreasingStateTx', 'createDecreasingStatePsbt']) {
  c.ok(t2, 'state 3', [new Ref('params'), ok]);
  for (const [name, p, code] of [
    ['index -1', { ...ok, index: -1 }, 'INVALID_ARGUMENT'], ['index past L_0 / Δ', { ...ok, index: 10_000 }, 'INVALID_ARGUMENT'],
    ['index a string', { ...ok, index: '3' }, 'INVALID_ARGUMENT'], ['aBalance negative', { ...ok, aBalance: -1n, bBalance: ok.bBalance + 400_001n }, 'INVALID_AMOUNT'],
    ['fee a number', { ...ok, fee: 2000 }, 'INVALID_AMOUNT'], ['one satoshi too many', { ...ok, fee: 2001n }, 'AMOUNT_EXCEEDS_CAPACITY'],
    ['aBalance dust', { ...ok, aBalance: 1n, bBalance: ok.bBalance + 399_999n }, 'AMOUNT_BELOW_DUST'],
    ['everything to the fee', { index: 3, aBalance: 0n, bBalance: 0n, fee: total }, 'FEE_EXCEEDS_OUTPUT'],
  ] as const) c.bad(t2, name, [new Ref('params'), p], code);
  }
  for (const t2 of ['buildDecreasingCloseTx', 'createDecreasingClosePsbt']) {
    c.ok(t2, 'a close', [new Ref('params'), { aBalance: 400_000n, bBalance: params.capacity - 400_500n, fee: 500n }]);
    c.bad(t2, 'not adding up', [new Ref('params'), { aBalance: 400_000n, bBalance: params.capacity - 400_000n, fee: 500n }], 'AMOUNT_EXCEEDS_CAPACITY');
  }
  for (const t2 of ['buildDecreasingKickoffTx', 'createDecreasingKickoffPsbt']) {
    c.ok(t2, 'the kickoff', [new Ref('paramsK')]);
    c.bad(t2, 'the locktime form has none', [new Ref('params')], 'INVALID_ARGUMENT');
  }

  t = 'DecreasingSigner';
  c.ok(t, 'a\'s', [new Ref('params'), 'a', keys.aFunding.priv]);
  c.bad(t, 'role sender', [new Ref('params'), 'sender', keys.aFunding.priv], 'INVALID_ARGUMENT');
  c.bad(t, 'the other role\'s key', [new Ref('params'), 'b', keys.aFunding.priv], 'INVALID_KEY');
  for (const k of BAD_PRIVATE_KEYS) c.bad(t, k.name, [new Ref('params'), 'a', k.key], 'INVALID_KEY');
  t = 'DecreasingSigner.completeState';
  const signer = new DecreasingSigner(channel.ctx, 'a', keys.aFunding.priv);
  const good = signer.sign(signer.stateHash(ok));
  c.ok(t, 'state 3 with a\'s signature', [new Ref('params'), 'b', keys.bFunding.priv, ok, good]);
  c.bad(t, 'the signature of another fee', [new Ref('params'), 'b', keys.bFunding.priv, { ...ok, fee: 1999n, bBalance: ok.bBalance + 1n }, good], 'INVALID_SIGNATURE');
  c.bad(t, 'the signature of another index', [new Ref('params'), 'b', keys.bFunding.priv, { ...ok, index: 4 }, good], 'INVALID_SIGNATURE');
  c.bad(t, 'b\'s own signature', [new Ref('params'), 'b', keys.bFunding.priv, ok, new DecreasingSigner(channel.ctx, 'b', keys.bFunding.priv).sign(signer.stateHash(ok))], 'INVALID_SIGNATURE');
  c.bad(t, 'a signature that is not bytes', [new Ref('params'), 'b', keys.bFunding.priv, ok, 'x'], 'INVALID_SIGNATURE');
  c.bad(t, 'state null', [new Ref('params'), 'b', keys.bFunding.priv, null, good], 'INVALID_ARGUMENT');
  t = 'buildDecreasingAnchorChildTx';
  const A = (changes: Record<string, unknown>) => new Ref('anchorChild', changes);
  const coin = { txid: 'ab'.repeat(32), vout: 1, value: 50_000n, key: keys.wallet.pub };
  c.ok(t, 'a\'s anchor and one coin', [new Ref('params'), A({})]);
  c.ok(t, 'b\'s anchor', [new Ref('params'), A({ role: 'b' })]);
  c.bad(t, 'params not an object', [new Ref('params'), null], 'INVALID_ARGUMENT');
  c.bad(t, 'role c', [new Ref('params'), A({ role: 'c' })], 'INVALID_ARGUMENT');
  c.bad(t, 'a channel without anchors', [P({ anchors: false }), A({})], 'INVALID_ARGUMENT');
  c.bad(t, 'anchors a string', [P({ anchors: 'yes' }), A({})], 'INVALID_ARGUMENT');
  c.bad(t, 'parent missing', [new Ref('params'), A({ parent: DELETE })], 'INVALID_TRANSACTION');
  c.bad(t, 'parent a hex string', [new Ref('params'), A({ parent: 'ab' })], 'INVALID_TRANSACTION');
  c.bad(t, 'parent of another channel', [new Ref('params'), A({ parent: kickoff.a.latestStateTx().toBuffer() })], 'INVALID_TRANSACTION');
  c.bad(t, 'no fee coin', [new Ref('params'), A({ feeCoins: [] })], 'INVALID_ARGUMENT');
  c.bad(t, 'feeCoins not a list', [new Ref('params'), A({ feeCoins: coin })], 'INVALID_ARGUMENT');
  c.bad(t, 'a coin of 0 sat', [new Ref('params'), A({ feeCoins: [{ ...coin, value: 0n }] })], 'INVALID_AMOUNT');
  c.bad(t, 'a coin value as a number', [new Ref('params'), A({ feeCoins: [{ ...coin, value: 50_000 }] })], 'INVALID_AMOUNT');
  c.bad(t, 'a coin txid too short', [new Ref('params'), A({ feeCoins: [{ ...coin, txid: 'ab' }] })], 'INVALID_ARGUMENT');
  for (const k of BAD_KEYS) c.bad(t, `coin key: ${k.name}`, [new Ref('params'), A({ feeCoins: [{ ...coin, key: k.key }] })], 'INVALID_KEY');
  c.bad(t, 'a coin too small for the fee', [new Ref('params'), A({ feeCoins: [{ ...coin, value: 500n }] })], 'FEE_EXCEEDS_OUTPUT');
  c.bad(t, 'package rate a number', [new Ref('params'), A({ packageFeeRate: 5000 })], 'INVALID_FEE_RATE');
  c.bad(t, 'an OP_RETURN destination', [new Ref('params'), A({ destinationScript: Uint8Array.of(0x6a, 1, 1) })], 'INVALID_SCRIPT');

  t = 'compileAnchorScript';
  c.ok(t, 'a\'s funding key', [keys.aFunding.pub]);
  for (const k of BAD_KEYS) c.bad(t, k.name, [k.key], 'INVALID_KEY');

  return c.file('decreasing-builders.json', 'the decreasing-lock construction\'s parameters, builders and signer, and the invalidation counter: bad arguments refused with a typed code');
}

function partyFile(): FileSpec {
  const c = new Cases(BASELINES);
  const B = [new Ref('bState'), new Ref('bKey')];
  const A = [new Ref('aState'), new Ref('aKey')];
  const u = (changes: Record<string, unknown>) => new Ref('update', changes);
  const m = nextUpdate;
  let t = 'DecreasingParty.onUpdate';
  c.ok(t, 'the next update', [...B, new Ref('update'), new Ref('chain')]);
  for (const [name, p, code] of [
    ['index skips one', u({ index: m.index + 1 }), 'UPDATE_INDEX_MISMATCH'], ['index repeats the last', u({ index: m.index - 1 }), 'UPDATE_INDEX_MISMATCH'],
    ['lock one block later', u({ lock: m.lock + 1 }), 'INVALID_TIMELOCK'],
    ['the fee not raised', u({ fee: m.fee - channel.ctx.minFeeStep, aBalance: m.aBalance + channel.ctx.minFeeStep }), 'UPDATE_NOT_MONOTONIC'],
    ['the payee paid less', u({ aBalance: m.aBalance + 3000n, bBalance: m.bBalance - 3000n }), 'UPDATE_NOT_MONOTONIC'],
    ['not adding up', u({ aBalance: m.aBalance + 1n }), 'AMOUNT_EXCEEDS_CAPACITY'],
    ['a negative balance', u({ aBalance: -1n }), 'INVALID_AMOUNT'],
    ['one satoshi more to b than signed', u({ aBalance: m.aBalance - 1n, bBalance: m.bBalance + 1n }), 'INVALID_SIGNATURE'],
    ['another channel', u({ channelId: new Uint8Array(32) }), 'WRONG_CHANNEL'], ['a signature of zeros', u({ sig: new Uint8Array(71) }), 'INVALID_SIGNATURE'],
    ['not an object', 'update', 'MESSAGE_INVALID'],
  ] as const) c.bad(t, name, [...B, p, new Ref('chain')], code);
  c.bad(t, 'its lock behind the tip', [...B, new Ref('update'), { height: m.lock + 1, medianTimePast: 0 }], 'CHANNEL_EXPIRED');
  c.bad(t, 'no chain tip', [...B, new Ref('update'), undefined], 'INVALID_ARGUMENT');

  t = 'DecreasingParty.pay';
  c.ok(t, 'a payment', [...A, 1000n, new Ref('chain')]);
  c.bad(t, 'amount 0', [...A, 0n, new Ref('chain')], 'INVALID_AMOUNT');
  c.bad(t, 'amount a number', [...A, 1000, new Ref('chain')], 'INVALID_AMOUNT');
  c.bad(t, 'amount the balance', [...A, channel.a.balance, new Ref('chain')], 'AMOUNT_EXCEEDS_CAPACITY');
  c.bad(t, 'the fee not raised', [...A, 1000n, new Ref('chain'), channel.a.latest.fee], 'UPDATE_NOT_MONOTONIC');
  c.bad(t, 'the lock behind the tip', [...A, 1000n, { height: CHAIN.height + 100, medianTimePast: 0 }], 'CHANNEL_EXPIRED');

  t = 'DecreasingParty.onClose';
  c.ok(t, 'a close that keeps b\'s balance', [...B, new Ref('close')]);
  c.bad(t, 'a close that takes from b', [...B, new Ref('close', { aBalance: closeOffer.aBalance + 1000n, bBalance: closeOffer.bBalance - 1000n })], 'UPDATE_NOT_MONOTONIC');
  c.bad(t, 'a signature of another fee', [...B, new Ref('close', { fee: closeOffer.fee + 1n, aBalance: closeOffer.aBalance - 1n })], 'INVALID_SIGNATURE');

  t = 'DecreasingParty.accept';
  const o = (changes: Record<string, unknown>) => new Ref('open', changes);
  const om = proposed.message;
  const H = [new Ref('hKeyB'), new Ref('chain'), new Ref('policy')];
  c.ok(t, 'the open', [new Ref('open'), ...H]);
  for (const [name, p, code] of [
    ['Δ 0', o({ step: 0 }), 'INVALID_TIMELOCK'], ['L_0 a time', o({ initialLock: { time: 1_800_000_000 } }), 'INVALID_TIMELOCK'],
    ['L_0 not an object', o({ initialLock: 5 }), 'INVALID_TIMELOCK'],
    ['balances not adding up', o({ bBalance: om.bBalance + 1n }), 'AMOUNT_EXCEEDS_CAPACITY'], ['another fee step', o({ feeStep: om.feeStep + 1n }), 'FEE_RATE_REFUSED'],
    ['equal funding keys', o({ aFundingKey: om.bFundingKey }), 'INVALID_KEY'], ['b\'s payout key not b\'s', o({ bPayoutKey: om.aPayoutKey }), 'INVALID_KEY'],
    ['another channel id', o({ channelId: new Uint8Array(32) }), 'WRONG_CHANNEL'], ['a signature of zeros', o({ sig: new Uint8Array(71) }), 'INVALID_SIGNATURE'],
    ['not an object', 'open', 'MESSAGE_INVALID'],
  ] as const) c.bad(t, name, [p, ...H], code);
  c.bad(t, 'L_0 behind tip + Δ', [new Ref('open'), new Ref('hKeyB'), { height: CHAIN.height + 95, medianTimePast: 0 }, new Ref('policy')], 'CHANNEL_EXPIRED');
  c.bad(t, 'L_0 behind the tip', [new Ref('open'), new Ref('hKeyB'), { height: CHAIN.height + 101, medianTimePast: 0 }, new Ref('policy')], 'INVALID_TIMELOCK');
  c.bad(t, 'a\'s key', [new Ref('open'), new Ref('hKeyA'), new Ref('chain'), new Ref('policy')], 'INVALID_KEY');
  c.bad(t, 'no chain tip', [new Ref('open'), new Ref('hKeyB'), undefined, new Ref('policy')], 'INVALID_ARGUMENT');

  t = 'DecreasingParty.onOpenAck';
  const AO = [new Ref('aOpening'), new Ref('hKeyA')];
  c.ok(t, 'b\'s acknowledgement', [...AO, new Ref('openAck')]);
  c.bad(t, 'of other terms', [...AO, new Ref('openAck', { termsHash: new Uint8Array(32) })], 'WRONG_CHANNEL');
  c.bad(t, 'another channel', [...AO, new Ref('openAck', { channelId: new Uint8Array(32) })], 'WRONG_CHANNEL');
  c.bad(t, 'a signature of zeros', [...AO, new Ref('openAck', { sig: new Uint8Array(71) })], 'INVALID_SIGNATURE');
  c.bad(t, 'replayed to b', [new Ref('bFunding'), new Ref('hKeyB'), new Ref('openAck')], 'UNEXPECTED_MESSAGE');

  t = 'DecreasingParty.markFundingConfirmed';
  const BF = [new Ref('bFunding'), new Ref('hKeyB')];
  c.ok(t, '3 confirmations', [...BF, new Ref('evidence')]);
  c.bad(t, '2 confirmations', [...BF, new Ref('evidence', { confirmations: 2 })], 'FUNDING_NOT_CONFIRMED');
  c.bad(t, 'another transaction', [...BF, new Ref('evidence', { tx: channel.a.latestStateTx().toBuffer() })], 'FUNDING_MISMATCH');
  c.bad(t, 'bytes that do not parse', [...BF, new Ref('evidence', { tx: new Uint8Array([1, 2, 3]) })], 'INVALID_TRANSACTION');
  c.bad(t, 'not evidence', [...BF, null], 'INVALID_ARGUMENT');
  c.bad(t, 'a channel opened out of band', [new Ref('bState'), new Ref('bKey'), new Ref('evidence')], 'UNEXPECTED_MESSAGE');

  t = 'DecreasingParty.restore';
  c.ok(t, 'b waiting for the funding', [new Ref('bFunding'), new Ref('hKeyB')]);
  c.bad(t, 'funding phase without the funding check', [new Ref('bFunding', { fundingCheck: null }), new Ref('hKeyB')], 'STATE_INVALID');
  c.bad(t, 'an amount held past the latest state', [new Ref('bState', { held: { index: 9, amount: '1000' } }), new Ref('bKey')], 'STATE_INVALID');
  c.bad(t, 'a held amount of 0', [new Ref('bState', { held: { index: 1, amount: '0' } }), new Ref('bKey')], 'STATE_INVALID');
  c.bad(t, 'format 1 in the funding phase', [new Ref('bFunding', { format: 'revchan-decreasing-party/1' }), new Ref('hKeyB')], 'STATE_INVALID');
  const s = (changes: Record<string, unknown>) => new Ref('bState', changes);
  const latest = (bState as { latest: Json }).latest;
  c.ok(t, 'the saved state', B);
  for (const [name, v] of [
    ['another format', s({ format: 'revchan-spillman-sender/1' })], ['an unknown phase', s({ phase: 'paying' })], ['role c', s({ role: 'c' })],
    ['the latest balance raised', s({ latest: { ...latest, bBalance: String(BigInt(latest.bBalance as string) + 1n) } })],
    ['the latest index raised', s({ latest: { ...latest, index: 3 } })], ['no signature of the latest', s({ latestSig: null })],
    ['a kickoff signature in the locktime form', s({ kickoffSig: '3006020101020101' })], ['a pending update that skips', s({ pending: { ...latest, index: 5 } })],
  ] as const) c.bad(t, name, [v, new Ref('bKey')], 'STATE_INVALID');
  c.bad(t, 'a\'s key for b\'s state', [new Ref('bState'), new Ref('aKey')], 'INVALID_KEY');
  return c.file('decreasing-parties.json', 'the decreasing-lock party: the handshake\'s refusals, refused messages and calls on saved state, each leaving it as it was; damaged saved state refused on restore');
}

/** What this folder adds to the bad-input corpus. */
export const CORPUS: ConstructionCorpus = {
  targets: new Map(TARGETS),
  notTargets: NOT_TARGETS,
  files: () => [...messageFiles({ schemas: DECREASING_MESSAGES, messages: MESSAGES, baselines: BASELINES, decoder: 'decodeDecreasingMessage', prefix: 'decreasing' }), builderFile(), partyFile()],
};
