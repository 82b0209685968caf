/**
 * The duplex construction's bad-input corpus (test/kit/corpus/constructions.ts
 * picks it up): its targets, its files in fixtures/bad-inputs/duplex-*.json,
 * and why its other exports have no cases. Baselines come from a channel
 * opened, paid both ways and reset through its messages; each case changes
 * one thing of a baseline and must be refused with its code. Parties are
 * passed as their saved state and restored by the target, so a refused call
 * is seen to change nothing that would be saved.
 */
import {
  DUPLEX_MESSAGES, DuplexParams, DuplexParty, DuplexSigner, PrivateKey, buildDuplexAnchorChildTx, checkFundingInputs, checkLeafBalances, compileSimplexScript,
  createDuplexAbortPsbt, createDuplexSetupPsbt, decodeDuplexMessage, planDuplexAbort, encodeDuplexMessage, p2wpkhScript, planDuplexSetup, verifyDuplexParams,
} from '../../../lib';
import type { Target } from '../../support/bad-inputs-targets';
import { DELETE, Ref } from '../../support/bad-inputs-codec';
import { FileSpec } from '../../kit/corpus/format';
import { Cases, messageFiles } from '../../kit/corpus/construction-cases';
import { BAD_KEYS, BAD_PRIVATE_KEYS } from '../../kit/corpus/values';
import type { ConstructionCorpus } from '../../kit/corpus/constructions';
import { DEPOSIT, FEE_RATE, fakeCoin, openedParties } from './kit';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Args = any[];
type Json = Record<string, unknown>;

const T = (kind: Target['kind'], exports: readonly string[], run: (a: Args) => unknown): Target => ({ kind, exports, run });
const ctxOf = (p: unknown) => verifyDuplexParams(p as DuplexParams);
const restore = (a: Args) => DuplexParty.restore(a[0], a[1]);

const TARGETS: [string, Target][] = [
  ['decodeDuplexMessage', T('decoder', ['decodeDuplexMessage'], (a) => decodeDuplexMessage(a[0]))],
  ['verifyDuplexParams', T('builder', ['verifyDuplexParams'], (a) => verifyDuplexParams(a[0]))],
  ['planDuplexSetup', T('builder', ['planDuplexSetup', 'checkFundingInputs'], (a) => planDuplexSetup(a[0]))],
  ['createDuplexSetupPsbt', T('psbt', ['createDuplexSetupPsbt'], (a) => createDuplexSetupPsbt(a[0]))],
  ['checkFundingInputs', T('builder', ['checkFundingInputs'], (a) => checkFundingInputs(a[0]))],
  ['compileSimplexScript', T('builder', ['compileSimplexScript'], (a) => compileSimplexScript(a[0]))],
  ['checkLeafBalances', T('builder', ['checkLeafBalances'], (a) => checkLeafBalances(ctxOf(a[0]), a[1]))],
  ['DuplexSigner', T('builder', ['DuplexSigner'], (a) => new DuplexSigner(ctxOf(a[0]), a[1], a[2] as PrivateKey))],
  ['DuplexParty.restore', T('state', ['DuplexParty'], (a) => restore(a))],
  ['DuplexParty.pay', T('state', ['DuplexParty'], (a) => restore(a).pay(a[2]))],
  ['DuplexParty.onPay', T('state', ['DuplexParty'], (a) => restore(a).onPay(a[2]))],
  ['DuplexParty.onReset', T('state', ['DuplexParty'], (a) => restore(a).onReset(a[2]))],
  ['DuplexParty.onResetDone', T('state', ['DuplexParty'], (a) => restore(a).onResetDone(a[2]))],
  ['DuplexParty.onClose', T('state', ['DuplexParty'], (a) => restore(a).onClose(a[2]))],
  ['planDuplexAbort', T('builder', ['planDuplexAbort'], (a) => planDuplexAbort(a[0]))],
  ['buildDuplexAnchorChildTx', T('builder', ['buildDuplexAnchorChildTx'], (a) => buildDuplexAnchorChildTx({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['createDuplexAbortPsbt', T('psbt', ['createDuplexAbortPsbt'], (a) => createDuplexAbortPsbt(a[0]))],
];

const CONSTANT = 'a constant';
const NOT_TARGETS: Readonly<Record<string, string>> = {
  DUPLEX: CONSTANT, DUPLEX_SEQUENCE: CONSTANT, DUPLEX_KIND_LABELS: CONSTANT, DUPLEX_MESSAGES: CONSTANT, DUPLEX_MESSAGE_TYPES: CONSTANT,
  DUPLEX_SIMPLEX_TEMPLATE: CONSTANT,
  duplexWeights: 'takes no argument',
  duplexBranch: 'takes a checked context, which the corpus cannot carry; its refusals are in test/duplex.spec.ts',
  duplexKickoffSpend: 'takes a checked context; its refusals are in test/duplex.spec.ts',
  duplexLeafOutputs: 'takes a checked context; checkLeafBalances, which it calls first, has the cases',
  duplexCloseSpend: 'takes a checked context; its refusals are in test/duplex.spec.ts and DuplexParty.onClose\'s cases',
  simplexChannel: 'takes a checked context; its refusals are in test/duplex.spec.ts',
  simplexPaymentSpend: 'takes a simplex channel object; its refusals are in test/duplex.spec.ts and DuplexParty.onPay\'s cases',
  simplexRefundSpend: 'takes a simplex channel object; its refusals are in test/duplex.spec.ts',
  checkDuplexExit: 'takes Transaction objects, which the corpus cannot carry; its refusals are in test/duplex-watch.spec.ts',
  DuplexWatcher: 'chain I/O: its level publisher is tested on the regtest node in test/duplex-watch.spec.ts',
  DuplexSetupGuard: 'chain I/O and Transaction objects: its deadline duty and refusals are tested on the regtest node in test/duplex-abort.spec.ts',
  createDuplexSpendPsbt: 'takes a checked context and a spend built from it; its PSBTs are the fixtures of test/duplex-psbt.spec.ts',
  DUPLEX_ABORT_SEQUENCE: CONSTANT,
  encodeDuplexMessage: 'encodes a typed in-memory message the parties built; its output is what decodeDuplexMessage checks',
  signDuplexAnchorChildTx: 'builds through the same checks as buildDuplexAnchorChildTx, whose cases it shares; its key refusals are in test/duplex-anchors.spec.ts',
  duplexPackageRate: 'builds through the same checks as buildDuplexAnchorChildTx, whose cases it shares',
};

// Baselines: a channel paid both ways, reset twice (to state 2, whose next reset re-creates the level-0 node, so a's
// proposal carries its signature of the leaf below it), and paid again; its parties' saved states.
const { keys, a, b, setup: setupTx } = openedParties('corpus');
const pair = { ctx: a.ctx };
a.onPayAck(b.onPay(a.pay(20_000n)).message);
b.onPayAck(a.onPay(b.pay(4_000n)).message);
b.onResetDone(a.onResetAck(b.onReset(a.proposeReset())));
a.onResetDone(b.onResetAck(a.onReset(b.proposeReset())));
a.onPayAck(b.onPay(a.pay(3_000n)).message);
const aState = a.toJSON();
const bState = b.toJSON();
const again = () => DuplexParty.restore(JSON.parse(JSON.stringify(aState)), keys.aFunding.priv);
const nextPay = again().pay(2_000n);
const nextReset = again().proposeReset();
const closeOffer = again().proposeClose(600n);
// b having acknowledged that reset, a's completion awaited.
const acking = DuplexParty.restore(JSON.parse(JSON.stringify(bState)), keys.bFunding.priv);
const proposing = again();
const nextDone = proposing.onResetAck(acking.onReset(proposing.proposeReset()));
const bAcked = acking.toJSON();

const MESSAGES = (() => {
  const x = DuplexParty.open(pair.ctx, 'a', keys.aFunding.priv);
  const y = DuplexParty.open(pair.ctx, 'b', keys.bFunding.priv);
  const out = new Map<string, Json>();
  const put = <M extends { type: string }>(m: M): M => {
    out.set(m.type, encodeDuplexMessage(m as never));
    return m;
  };
  y.onTreeSigned(put(x.treeSigned()));
  x.onTreeSigned(y.treeSigned());
  x.markSetupConfirmed(setupTx);
  y.markSetupConfirmed(setupTx);
  x.onPayAck(put(y.onPay(put(x.pay(5_000n))).message));
  y.onResetDone(put(x.onResetAck(put(y.onReset(put(x.proposeReset()))))));
  put(x.onClose(put(y.proposeClose(500n))).message);
  return out;
})();

const aScript = p2wpkhScript(keys.aWallet.pub);
const bScript = p2wpkhScript(keys.bWallet.pub);
const coin = fakeCoin;
const SETUP = {
  aFundingKey: keys.aFunding.pub, bFundingKey: keys.bFunding.pub, feeRate: FEE_RATE,
  a: { inputs: [coin(1, aScript, DEPOSIT + 20_000n)], amount: DEPOSIT, changeScript: aScript },
  b: { inputs: [coin(2, bScript, DEPOSIT + 20_000n)], amount: DEPOSIT, changeScript: bScript },
};

const BASELINES: Record<string, unknown> = {
  params: { ...pair.ctx.params },
  setup: SETUP,
  aState, bState, bAcked,
  aKey: keys.aFunding.priv, bKey: keys.bFunding.priv,
  pay: nextPay, reset: nextReset, done: nextDone, close: closeOffer,
  simplex: { payerKey: keys.aFunding.pub, payeeKey: keys.bFunding.pub, delay: { blocks: 10 } },
  leaf: { ...pair.ctx.initialBalances },
};
for (const [type, json] of MESSAGES) BASELINES[type] = json;
const FEE_COIN = { txid: 'ab'.repeat(32), vout: 1, value: 50_000n, key: keys.aWallet.pub };
BASELINES.anchorChild = { parent: a.exit().branch[0]!.toBuffer(), role: 'a', feeCoins: [FEE_COIN], packageFeeRate: 5000n, destinationScript: p2wpkhScript(keys.aWallet.pub) };

function builderFile(): FileSpec {
  const c = new Cases(BASELINES);
  const params = pair.ctx.params;
  const P = (changes: Record<string, unknown>) => new Ref('params', changes);
  let t = 'verifyDuplexParams';
  c.ok(t, 'd = 2, b = 3', [new Ref('params')]);
  for (const [name, v] of [['null', null], ['an array', []], ['a string', 'duplex']] as const) c.bad(t, `not an object: ${name}`, [v], 'INVALID_ARGUMENT');
  for (const role of ['aFundingKey', 'bFundingKey', 'aPayoutKey', 'bPayoutKey']) for (const k of BAD_KEYS) c.bad(t, `${role}: ${k.name}`, [P({ [role]: k.key })], 'INVALID_KEY');
  c.bad(t, 'equal funding keys', [P({ bFundingKey: params.aFundingKey })], 'INVALID_KEY');
  c.bad(t, 'equal payout keys', [P({ bPayoutKey: params.aPayoutKey })], 'INVALID_KEY');
  for (const [f, v] of [['levels', 0], ['levels', 33], ['values', 1], ['step', 0], ['step', '5'], ['levels', 1.5]] as const) c.bad(t, `${f} ${String(v)}`, [P({ [f]: v })], 'INVALID_ARGUMENT');
  c.bad(t, 'b^d past 2^32', [P({ levels: 11, values: 13 })], 'INVALID_ARGUMENT');
  c.bad(t, '(b - 1) Δ past BIP 68', [P({ step: 40_000 })], 'INVALID_TIMELOCK');
  for (const v of [0, 65_536, '10']) c.bad(t, `simplexDelay ${String(v)}`, [P({ simplexDelay: v })], 'INVALID_TIMELOCK');
  c.bad(t, 'feeRate below the relay floor', [P({ feeRate: 252n })], 'FEE_RATE_REFUSED');
  c.bad(t, 'feeRate a number', [P({ feeRate: 1000 })], 'INVALID_FEE_RATE');
  c.bad(t, 'aAmount past the capacity', [P({ aAmount: params.capacity + 1n })], 'AMOUNT_EXCEEDS_CAPACITY');
  c.bad(t, 'aAmount below its half of the tree\'s fees', [P({ aAmount: 100n })], 'AMOUNT_EXCEEDS_CAPACITY');
  c.bad(t, 'aAmount leaving dust at the leaf', [P({ aAmount: (pair.ctx.treeCost + 1n) / 2n + 100n })], 'AMOUNT_BELOW_DUST');
  c.bad(t, 'aAmount negative', [P({ aAmount: -1n })], 'INVALID_AMOUNT');
  c.bad(t, 'capacity 0', [P({ capacity: 0n })], 'INVALID_AMOUNT');
  c.bad(t, 'fundingOutpoint missing', [P({ fundingOutpoint: DELETE })], 'INVALID_ARGUMENT');

  const S = (changes: Record<string, unknown>) => new Ref('setup', changes);
  for (const t2 of ['planDuplexSetup', 'createDuplexSetupPsbt']) {
    c.ok(t2, 'both funders', [new Ref('setup')]);
    c.bad(t2, 'not an object', [null], 'INVALID_ARGUMENT');
    c.bad(t2, 'b spends a\'s coin', [S({ b: { ...SETUP.b, inputs: SETUP.a.inputs } })], 'INVALID_ARGUMENT');
    c.bad(t2, 'a without coins', [S({ a: { ...SETUP.a, inputs: [] } })], 'INVALID_ARGUMENT');
    c.bad(t2, 'b short of its deposit', [S({ b: { ...SETUP.b, amount: DEPOSIT + 20_000n } })], 'INSUFFICIENT_FUNDS');
    c.bad(t2, 'a legacy coin', [S({ a: { ...SETUP.a, inputs: [coin(3, Uint8Array.from([0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac]), DEPOSIT + 20_000n)] } })], 'NON_SEGWIT_INPUT');
    const { prevTx: _proof, ...bare } = SETUP.b.inputs[0]!;
    c.bad(t2, 'a coin without its prevTx', [S({ b: { ...SETUP.b, inputs: [bare] } })], 'INVALID_ARGUMENT');
    c.bad(t2, 'equal funding keys', [S({ bFundingKey: SETUP.aFundingKey })], 'INVALID_KEY');
    c.bad(t2, 'a deposit negative', [S({ a: { ...SETUP.a, amount: -1n } })], 'INVALID_AMOUNT');
    c.bad(t2, 'feeRate a number', [S({ feeRate: 1000 })], 'INVALID_FEE_RATE');
  }
  t = 'checkFundingInputs';
  c.ok(t, 'one coin', [SETUP.a.inputs]);
  c.bad(t, 'not an array', [{}], 'INVALID_ARGUMENT');
  c.bad(t, 'a coin twice', [[...SETUP.a.inputs, ...SETUP.a.inputs]], 'INVALID_ARGUMENT');
  c.bad(t, 'a coin of 0', [[{ ...SETUP.a.inputs[0]!, value: 0n }]], 'INVALID_AMOUNT');

  t = 'compileSimplexScript';
  c.ok(t, 'a pays b', [new Ref('simplex')]);
  c.bad(t, 'equal keys', [new Ref('simplex', { payeeKey: keys.aFunding.pub })], 'INVALID_KEY');
  c.bad(t, 'delay 0', [new Ref('simplex', { delay: { blocks: 0 } })], 'INVALID_TIMELOCK');
  c.bad(t, 'a time delay', [new Ref('simplex', { delay: { seconds: 600 } })], 'INVALID_TIMELOCK');
  c.bad(t, 'not an object', [null], 'TEMPLATE_ARGUMENT');

  t = 'checkLeafBalances';
  c.ok(t, 'state 0\'s', [new Ref('params'), new Ref('leaf')]);
  c.bad(t, 'one satoshi too many', [new Ref('params'), new Ref('leaf', { a: pair.ctx.initialBalances.a + 1n })], 'AMOUNT_EXCEEDS_CAPACITY');
  c.bad(t, 'dust for a', [new Ref('params'), { a: 100n, b: pair.ctx.leafCapacity - 100n }], 'AMOUNT_BELOW_DUST');
  c.bad(t, 'negative for a', [new Ref('params'), { a: -1n, b: pair.ctx.leafCapacity + 1n }], 'INVALID_AMOUNT');
  c.bad(t, 'not an object', [new Ref('params'), 'leaf'], 'INVALID_ARGUMENT');

  t = 'DuplexSigner';
  c.ok(t, 'a\'s', [new Ref('params'), 'a', keys.aFunding.priv]);
  c.bad(t, 'role c', [new Ref('params'), 'c', keys.aFunding.priv], 'INVALID_ARGUMENT');
  c.bad(t, 'the other role\'s key', [new Ref('params'), 'b', keys.aFunding.priv], 'INVALID_KEY');
  for (const k of BAD_PRIVATE_KEYS) c.bad(t, k.name, [new Ref('params'), 'a', k.key], 'INVALID_KEY');
  return c.file('duplex-builders.json', 'the duplex construction\'s parameters, setup, simplex script, leaf and signer: bad arguments refused with a typed code');
}

function partyFile(): FileSpec {
  const c = new Cases(BASELINES);
  const A = [new Ref('aState'), new Ref('aKey')];
  const B = [new Ref('bState'), new Ref('bKey')];
  let t = 'DuplexParty.pay';
  c.ok(t, 'a payment', [...A, 1_000n]);
  c.bad(t, 'amount 0', [...A, 0n], 'INVALID_AMOUNT');
  c.bad(t, 'amount a number', [...A, 1000], 'INVALID_AMOUNT');
  c.bad(t, 'amount the whole channel', [...A, pair.ctx.leafCapacity], 'AMOUNT_EXCEEDS_CAPACITY');

  t = 'DuplexParty.onPay';
  const p = (changes: Record<string, unknown>) => new Ref('pay', changes);
  c.ok(t, 'the next payment', [...B, new Ref('pay')]);
  for (const [name, m, code] of [
    ['one satoshi more than signed', p({ paid: nextPay.paid + 1n }), 'INVALID_SIGNATURE'],
    ['the last total again', p({ paid: nextPay.paid - 2_000n }), 'UPDATE_NOT_MONOTONIC'],
    ['another state', p({ index: nextPay.index + 1 }), 'UPDATE_INDEX_MISMATCH'],
    ['another channel', p({ channelId: new Uint8Array(32) }), 'WRONG_CHANNEL'],
    ['a signature of zeros', p({ sig: new Uint8Array(71) }), 'INVALID_SIGNATURE'],
    ['past the channel', p({ paid: pair.ctx.leafCapacity }), 'AMOUNT_EXCEEDS_CAPACITY'],
    ['not an object', 'pay', 'MESSAGE_INVALID'],
  ] as const) c.bad(t, name, [...B, m], code);

  t = 'DuplexParty.onReset';
  const r = (changes: Record<string, unknown>) => new Ref('reset', changes);
  c.ok(t, 'the next reset', [...B, new Ref('reset')]);
  for (const [name, m, code] of [
    ['taking 1,000 from b', r({ a: nextReset.a + 1_000n, b: nextReset.b - 1_000n }), 'INVALID_AMOUNT'],
    ['giving b 1,000 more than signed', r({ a: nextReset.a - 1_000n, b: nextReset.b + 1_000n }), 'INVALID_SIGNATURE'],
    ['not adding up', r({ a: nextReset.a + 1n }), 'AMOUNT_EXCEEDS_CAPACITY'],
    ['a state skipped', r({ index: nextReset.index + 1 }), 'UPDATE_INDEX_MISMATCH'],
    ['no signatures', r({ sigs: [] }), 'INVALID_SIGNATURE'],
    ['another channel', r({ channelId: new Uint8Array(32) }), 'WRONG_CHANNEL'],
  ] as const) c.bad(t, name, [...B, m], code);

  t = 'DuplexParty.onResetDone';
  const d = (changes: Record<string, unknown>) => new Ref('done', changes);
  const BA = [new Ref('bAcked'), new Ref('bKey')];
  c.ok(t, 'the completion of the reset b acknowledged', [...BA, new Ref('done')]);
  for (const [name, m, code] of [
    ['a signature of the leaf instead', d({ sig: nextReset.sigs[0] }), 'INVALID_SIGNATURE'],
    ['a signature of zeros', d({ sig: new Uint8Array(71) }), 'INVALID_SIGNATURE'],
    ['another state', d({ index: nextDone.index + 1 }), 'UPDATE_INDEX_MISMATCH'],
    ['another channel', d({ channelId: new Uint8Array(32) }), 'WRONG_CHANNEL'],
    ['not an object', 'done', 'MESSAGE_INVALID'],
  ] as const) c.bad(t, name, [...BA, m], code);
  c.bad(t, 'no reset acknowledged', [...B, new Ref('done')], 'UNEXPECTED_MESSAGE');

  t = 'DuplexParty.onClose';
  c.ok(t, 'a close that keeps b\'s due', [...B, new Ref('close')]);
  c.bad(t, 'a close that takes from b', [...B, new Ref('close', { a: closeOffer.a + 1_000n, b: closeOffer.b - 1_000n })], 'INVALID_AMOUNT');
  c.bad(t, 'a signature of another fee', [...B, new Ref('close', { fee: closeOffer.fee + 1n, a: closeOffer.a - 1n })], 'INVALID_SIGNATURE');

  t = 'DuplexParty.restore';
  const s = (changes: Record<string, unknown>) => new Ref('bState', changes);
  const saved = bState as Json;
  const bal = saved.balances as Json;
  c.ok(t, 'the saved state', B);
  for (const [name, v] of [
    ['another format', s({ format: 'revchan-decreasing-party/1' })], ['an unknown phase', s({ phase: 'paying' })], ['role c', s({ role: 'c' })],
    ['b\'s leaf balance raised', s({ balances: { ...bal, b: String(BigInt(bal.b as string) + 1n) } })],
    ['the state index raised', s({ index: (saved.index as number) + 1 })], ['no kickoff signature', s({ kickoffSig: null })],
    ['a payment received without its signature', s({ inSig: null })], ['the branch signatures swapped', s({ branchSigs: [...(saved.branchSigs as string[])].reverse() })],
    ['the received total raised', s({ paidIn: String(BigInt(saved.paidIn as string) + 1n) })],
  ] as const) c.bad(t, name, [v, new Ref('bKey')], 'STATE_INVALID');
  const acked = (bAcked as Json).acked as Json;
  for (const [name, v] of [
    ['an acknowledged reset without the proposer\'s signature', new Ref('bAcked', { acked: { ...acked, sigs: [] } })],
    ['an acknowledged reset two states on', new Ref('bAcked', { acked: { ...acked, index: (acked.index as number) + 1 } })],
    ['an exposed branch of a state long past', new Ref('bAcked', { exposed: [{ index: 0, balances: bal }] })],
    ['no list of exposed branches', s({ exposed: null })],
  ] as const) c.bad(t, name, [v, new Ref('bKey')], 'STATE_INVALID');
  c.bad(t, 'a\'s key for b\'s state', [new Ref('bState'), new Ref('aKey')], 'INVALID_KEY');
  return c.file('duplex-parties.json', 'the duplex party: refused messages and calls on saved state, each leaving it as it was; damaged saved state refused on restore');
}

/** A funder's abort: its own file, so the files before it stay as they were. */
function abortFile(): FileSpec {
  const c = new Cases(BASELINES);
  const A = (changes: Record<string, unknown>) => new Ref('abort', changes);
  for (const t of ['planDuplexAbort', 'createDuplexAbortPsbt']) {
    c.ok(t, 'a\'s abort', [new Ref('abort')]);
    c.ok(t, 'b\'s abort to another script at its own rate', [A({ funder: 'b', destination: aScript, feeRate: 2000n })]);
    c.bad(t, 'not an object', [null], 'INVALID_ARGUMENT');
    c.bad(t, 'funder c', [A({ funder: 'c' })], 'INVALID_ARGUMENT');
    c.bad(t, 'no setup', [A({ setup: DELETE })], 'INVALID_ARGUMENT');
    c.bad(t, 'a setup whose funders share a coin', [A({ setup: { ...SETUP, b: { ...SETUP.b, inputs: SETUP.a.inputs } } })], 'INVALID_ARGUMENT');
    for (const d of [0, -1, 1.5, 500_000_000, '800000']) c.bad(t, `deadline ${String(d)}`, [A({ deadline: d })], 'INVALID_TIMELOCK');
    c.bad(t, 'a bare-script destination', [A({ destination: Uint8Array.of(0x51) })], 'INVALID_SCRIPT');
    c.bad(t, 'feeRate a number', [A({ feeRate: 1000 })], 'INVALID_FEE_RATE');
    c.bad(t, 'a fee rate eating the coin', [A({ feeRate: 10_000_000n })], 'INSUFFICIENT_FUNDS');
  }
  return { ...c.file('duplex-abort.json', 'a duplex funder\'s abort of the setup (its own coins back, nLockTime the deadline): bad arguments refused with a typed code'), baselines: { abort: { setup: SETUP, funder: 'a', deadline: 800_000 } } };
}

/** The child through an anchor: its own file, so the files before it stay as they were. */
function anchorChildFile(): FileSpec {
  const c = new Cases(BASELINES);
  const t = 'buildDuplexAnchorChildTx';
  const A = (changes: Record<string, unknown>) => new Ref('anchorChild', changes);
  const P = (changes: Record<string, unknown>) => new Ref('params', changes);
  const e = a.exit();
  c.ok(t, 'a\'s anchor of the level-0 node and one coin', [new Ref('params'), A({})]);
  c.ok(t, 'b\'s anchor of the leaf', [new Ref('params'), A({ role: 'b', parent: e.branch[1]!.toBuffer() })]);
  c.ok(t, 'a\'s anchor of the kickoff', [new Ref('params'), A({ parent: e.kickoff.toBuffer() })]);
  c.bad(t, 'params not an object', [new Ref('params'), null], 'INVALID_ARGUMENT');
  c.bad(t, 'role c', [new Ref('params'), A({ role: 'c' })], 'INVALID_ARGUMENT');
  c.bad(t, 'a channel without anchors', [P({ anchors: false }), A({})], 'INVALID_ARGUMENT');
  c.bad(t, 'anchors a string', [P({ anchors: 'yes' }), A({})], 'INVALID_ARGUMENT');
  c.bad(t, 'parent missing', [new Ref('params'), A({ parent: DELETE })], 'INVALID_TRANSACTION');
  c.bad(t, 'parent a hex string', [new Ref('params'), A({ parent: 'ab' })], 'INVALID_TRANSACTION');
  c.bad(t, 'parent the setup', [new Ref('params'), A({ parent: setupTx.toBuffer() })], 'INVALID_TRANSACTION');
  c.bad(t, 'no fee coin', [new Ref('params'), A({ feeCoins: [] })], 'INVALID_ARGUMENT');
  c.bad(t, 'a coin of 0 sat', [new Ref('params'), A({ feeCoins: [{ ...FEE_COIN, value: 0n }] })], 'INVALID_AMOUNT');
  for (const k of BAD_KEYS) c.bad(t, `coin key: ${k.name}`, [new Ref('params'), A({ feeCoins: [{ ...FEE_COIN, key: k.key }] })], 'INVALID_KEY');
  c.bad(t, 'a coin too small for the fee', [new Ref('params'), A({ feeCoins: [{ ...FEE_COIN, value: 500n }] })], 'FEE_EXCEEDS_OUTPUT');
  c.bad(t, 'package rate a number', [new Ref('params'), A({ packageFeeRate: 5000 })], 'INVALID_FEE_RATE');
  c.bad(t, 'an OP_RETURN destination', [new Ref('params'), A({ destinationScript: Uint8Array.of(0x6a, 1, 1) })], 'INVALID_SCRIPT');
  return c.file('duplex-anchor-child.json', 'the child through a duplex tree transaction\'s anchor: bad arguments refused with a typed code');
}

/** What this folder adds to the bad-input corpus. */
export const CORPUS: ConstructionCorpus = {
  targets: new Map(TARGETS),
  notTargets: NOT_TARGETS,
  files: () => [...messageFiles({ schemas: DUPLEX_MESSAGES, messages: MESSAGES, baselines: BASELINES, decoder: 'decodeDuplexMessage', prefix: 'duplex' }), builderFile(), partyFile(), abortFile(), anchorChildFile()],
};
