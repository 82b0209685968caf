/**
 * The Spillman construction's bad-input corpus (test/kit/corpus/constructions.ts
 * picks it up): its targets, its files in fixtures/bad-inputs/spillman-*.json,
 * and why its other exports have no cases. Baselines come from a channel
 * opened and paid through every message (./kit.ts); each case changes one
 * thing of a baseline and must be refused with its code, the arguments left
 * as they were. Parties are passed as their saved state and restored by the
 * target, so a refused call is seen to change nothing that would be saved.
 */
import {
  SPILLMAN_MESSAGES, SpillmanParams, SpillmanReceiver, SpillmanSender, SpillmanSigner, buildSpillmanCloseTx, buildSpillmanPaymentTx,
  buildSpillmanRefundTx, compileSpillmanCltvScript, createScriptFundingPsbt, createSpillmanClosePsbt, createSpillmanPaymentPsbt,
  createSpillmanRefundPsbt, decodeSpillmanMessage, derivePublicKey, encodeMessage, encodeSpillmanMessage, p2wpkhScript, planScriptFunding,
  spillmanDescriptors, verifyFundingScriptParams, verifySpillmanParams, PrivateKey,
} from '../../../lib';
import type { Target } from '../../support/bad-inputs-targets';
import { DELETE, JsonText, Ref } from '../../support/bad-inputs-codec';
import { FileSpec } from '../../kit/corpus/format';
import { Cases } from '../../kit/corpus/construction-cases';
import { badSpellings, withMember } from '../../kit/corpus/spellings';
import { BAD_KEYS, BAD_PRIVATE_KEYS } from '../../kit/corpus/values';
import type { ConstructionCorpus } from '../../kit/corpus/constructions';
import { CHAIN, MARGIN, POLICY, fakeCoin, openConfirmed, paySpillman, spillmanKeys } from './kit';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Args = any[];
type Json = Record<string, unknown>;

const T = (kind: Target['kind'], exports: readonly string[], run: (a: Args) => unknown): Target => ({ kind, exports, run });
const ctxOf = (p: unknown) => verifySpillmanParams(p as SpillmanParams);

const TARGETS: [string, Target][] = [
  ['decodeSpillmanMessage', T('decoder', ['decodeSpillmanMessage'], (a) => decodeSpillmanMessage(a[0]))],
  ['verifySpillmanParams', T('builder', ['verifySpillmanParams'], (a) => verifySpillmanParams(a[0]))],
  ['compileSpillmanCltvScript', T('builder', ['compileSpillmanCltvScript'], (a) => compileSpillmanCltvScript(a[0]))],
  ['buildSpillmanRefundTx', T('builder', ['buildSpillmanRefundTx'], (a) => buildSpillmanRefundTx({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['buildSpillmanPaymentTx', T('builder', ['buildSpillmanPaymentTx'], (a) => buildSpillmanPaymentTx({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['buildSpillmanCloseTx', T('builder', ['buildSpillmanCloseTx'], (a) => buildSpillmanCloseTx({ ...a[1], ctx: ctxOf(a[0]) }))],
  ['createSpillmanRefundPsbt', T('psbt', ['createSpillmanRefundPsbt'], (a) => createSpillmanRefundPsbt({ ...a[1], ctx: ctxOf(a[0]) }, a[2]))],
  ['createSpillmanPaymentPsbt', T('psbt', ['createSpillmanPaymentPsbt'], (a) => createSpillmanPaymentPsbt({ ...a[1], ctx: ctxOf(a[0]) }, a[2]))],
  ['createSpillmanClosePsbt', T('psbt', ['createSpillmanClosePsbt'], (a) => createSpillmanClosePsbt({ ...a[1], ctx: ctxOf(a[0]) }, a[2]))],
  ['spillmanDescriptors', T('builder', ['spillmanDescriptors'], (a) => spillmanDescriptors(ctxOf(a[0]), a[1]))],
  ['SpillmanSigner', T('builder', ['SpillmanSigner'], (a) => new SpillmanSigner(ctxOf(a[0]), a[1], a[2] as PrivateKey))],
  ['SpillmanSigner.paymentHash', T('builder', ['SpillmanSigner'], (a) => new SpillmanSigner(ctxOf(a[0]), a[1], a[2] as PrivateKey).paymentHash(a[3], a[4]))],
  ['SpillmanSigner.completePayment', T('builder', ['SpillmanSigner'], (a) => new SpillmanSigner(ctxOf(a[0]), a[1], a[2] as PrivateKey).completePayment(a[3], a[4], a[5]))],
  ['verifyFundingScriptParams', T('builder', ['verifyFundingScriptParams'], (a) => verifyFundingScriptParams(a[0]))],
  ['planScriptFunding', T('builder', ['planScriptFunding'], (a) => planScriptFunding(a[0]))],
  ['createScriptFundingPsbt', T('psbt', ['createScriptFundingPsbt'], (a) => createScriptFundingPsbt(a[0], a[1]))],
  ['SpillmanSender.open', T('state', ['SpillmanSender'], (a) => SpillmanSender.open(a[0]))],
  ['SpillmanSender.restore', T('state', ['SpillmanSender'], (a) => SpillmanSender.restore(a[0], a[1]))],
  ['SpillmanSender.pay', T('state', ['SpillmanSender'], (a) => SpillmanSender.restore(a[0], a[1]).pay(a[2], a[3]))],
  ['SpillmanSender.onPayAck', T('state', ['SpillmanSender'], (a) => SpillmanSender.restore(a[0], a[1]).onPayAck(a[2]))],
  ['SpillmanReceiver.accept', T('state', ['SpillmanReceiver'], (a) => SpillmanReceiver.accept(a[0], a[1], a[2], a[3]))],
  ['SpillmanReceiver.restore', T('state', ['SpillmanReceiver'], (a) => SpillmanReceiver.restore(a[0], a[1]))],
  ['SpillmanReceiver.onPay', T('state', ['SpillmanReceiver'], (a) => SpillmanReceiver.restore(a[0], a[1]).onPay(a[2], a[3]))],
  ['SpillmanReceiver.onCloseOffer', T('state', ['SpillmanReceiver'], (a) => SpillmanReceiver.restore(a[0], a[1]).onCloseOffer(a[2], a[3]))],
  ['SpillmanReceiver.markFundingConfirmed', T('state', ['SpillmanReceiver'], (a) => SpillmanReceiver.restore(a[0], a[1]).markFundingConfirmed(a[2]))],
];

const CONSTANT = 'a constant';
const NOT_TARGETS: Readonly<Record<string, string>> = {
  SPILLMAN: CONSTANT, SPILLMAN_CLTV_TEMPLATE: CONSTANT, SPILLMAN_CLOSE_LOCKTIME: CONSTANT, SPILLMAN_SEQUENCE: CONSTANT, MAX_SPILLMAN_INDEX: CONSTANT,
  SPILLMAN_KIND_LABELS: CONSTANT, SPILLMAN_MESSAGES: CONSTANT, SPILLMAN_MESSAGE_TYPES: CONSTANT,
  encodeSpillmanMessage: 'encodes a typed in-memory message the parties built; its output is what decodeSpillmanMessage checks',
  SpillmanReceiverWatcher: 'chain I/O: its argument refusals and duties are tested on the regtest node in test/spillman-watch.spec.ts',
  SpillmanSenderWatcher: 'chain I/O: its argument refusals and duties are tested on the regtest node in test/spillman-watch.spec.ts',
};

// ---------------------------------------------------------------------------
// Baselines: a Form S channel (and Form C's parameters), opened and paid once.

const channel = openConfirmed('S', { label: 'corpus' });
paySpillman(channel, 5000n);
const channelC = openConfirmed('C', { label: 'corpus C' });
const senderStateJson = channel.sender.toJSON();
const receiverStateJson = channel.receiver.toJSON();
// Signed on a restored copy: the channel's own sender stays acknowledged, as its saved state is.
const nextPay = SpillmanSender.restore(JSON.parse(JSON.stringify(senderStateJson)), channel.keys.sender).pay(1000n, CHAIN);
const keysS = channel.keys;

function spillmanMessages(): Map<string, Json> {
  const keys = spillmanKeys('corpus messages');
  const out = new Map<string, Json>();
  const put = (m: { type: string }) => { if (!out.has(m.type)) out.set(m.type, encodeSpillmanMessage(m as never)); };
  const { sender, message: open } = SpillmanSender.open({ form: 'S', capacity: 1_000_000n, lockTime: { height: CHAIN.height + 100 }, feeRate: 1000n, secrets: keys.sender });
  put(open);
  const { receiver, message: accept } = SpillmanReceiver.accept(open, keys.receiver, POLICY, CHAIN);
  put(accept);
  sender.onAccept(accept);
  const { psbt: _p, message: created } = sender.createFunding({ inputs: [fakeCoin(keys.wallet)], changeScript: p2wpkhScript(keys.wallet.pub), feeRate: 1000n });
  put(created);
  const refund = receiver.onFundingCreated(created)!;
  put(refund);
  return out;
}

const MESSAGES = (() => {
  const out = spillmanMessages();
  const c = openConfirmed('S', { label: 'corpus messages pay' });
  const pay = c.sender.pay(2000n, CHAIN);
  out.set('spillman_pay', encodeSpillmanMessage(pay));
  const { message: ack } = c.receiver.onPay(pay, CHAIN);
  out.set('spillman_pay_ack', encodeSpillmanMessage(ack));
  c.sender.onPayAck(ack);
  const offer = c.sender.proposeClose(2000n);
  out.set('spillman_close_offer', encodeSpillmanMessage(offer));
  out.set('spillman_close_signed', encodeSpillmanMessage(c.receiver.onCloseOffer(offer, 5000n).message));
  return out;
})();

const params = channel.sender.context.params;
const paramsC = channelC.sender.context.params;
const BASELINES: Record<string, unknown> = {
  params: { ...params },
  paramsC: { ...paramsC },
  senderSecrets: keysS.sender,
  receiverSecrets: keysS.receiver,
  senderState: senderStateJson,
  receiverState: receiverStateJson,
  chain: CHAIN,
  policy: POLICY,
  pay: nextPay,
  open: SpillmanSender.open({ form: 'C', capacity: 1_000_000n, lockTime: { height: CHAIN.height + 100 }, feeRate: 1000n, secrets: spillmanKeys('corpus open').sender }).message,
  openOptions: { form: 'S', capacity: 1_000_000n, lockTime: { height: 3000 }, feeRate: 1000n, secrets: spillmanKeys('corpus open options').sender },
  scriptFunding: {
    inputs: [fakeCoin(keysS.wallet)], capacity: 1_000_000n, fundingScript: channelC.sender.context.funding.fundingScript,
    changeScript: p2wpkhScript(keysS.wallet.pub), feeRate: 1000n,
  },
  fundingScriptParams: { fundingOutpoint: { txid: '11'.repeat(32), vout: 0 }, capacity: 1_000_000n, fundingScript: channelC.sender.context.funding.fundingScript },
};
for (const [type, json] of MESSAGES) BASELINES[type] = json;

function messageFiles(): FileSpec[] {
  const files: FileSpec[] = [];
  const revocable = encodeMessage({ type: 'accept', channelId: new Uint8Array(32), index: 1, sig: new Uint8Array(71).fill(0x30) });
  for (const schema of SPILLMAN_MESSAGES) {
    const type = schema.type;
    const good = MESSAGES.get(type);
    if (good === undefined) throw new Error(`no baseline of ${type}`);
    const c = new Cases(BASELINES);
    const t = 'decodeSpillmanMessage';
    c.ok(t, `the valid ${type}`, [new Ref(type)]);
    c.bad(t, 'type missing', [new Ref(type, { type: DELETE })], 'MESSAGE_UNKNOWN_TYPE');
    c.bad(t, 'version missing', [new Ref(type, { version: DELETE })], 'MESSAGE_UNSUPPORTED_VERSION');
    c.bad(t, 'version 2', [new Ref(type, { version: 2 })], 'MESSAGE_UNSUPPORTED_VERSION');
    c.bad(t, 'an extra field', [new Ref(type, { memo: 'hi' })], 'MESSAGE_INVALID');
    c.bad(t, 'a valid message of the revocable construction', [revocable], 'UNEXPECTED_MESSAGE');
    for (const [f, kind] of Object.entries(schema.fields)) {
      c.bad(t, `${f} missing`, [new Ref(type, { [f]: DELETE })], 'MESSAGE_INVALID');
      for (const [name, value, code] of badSpellings(kind, good[f])) {
        const v = withMember(good, f, value);
        c.bad(t, `${f}: ${name}`, [v instanceof JsonText ? v : new Ref(type, { [f]: value })], code);
      }
    }
    if (type === 'spillman_open') {
      // The refund lock's own rule: well spelt, but no lock a CLTV script can carry.
      for (const [name, lock] of [['height 0', { height: 0 }], ['height 500000000 (a time)', { height: 500_000_000 }], ['time 499999999 (a height)', { time: 499_999_999 }], ['time 2^31', { time: 2 ** 31 }]] as const) {
        c.bad(t, `lockTime: ${name}`, [new Ref(type, { lockTime: lock })], 'INVALID_TIMELOCK');
      }
    }
    files.push(c.file(`spillman-messages-${type.replace(/_/g, '-')}.json`, `${type}: every field missing, retyped or non-canonical, through decodeSpillmanMessage`));
  }
  return files;
}

function builderFile(): FileSpec {
  const c = new Cases(BASELINES);
  const P = (changes: Record<string, unknown>) => new Ref('params', changes);
  let t = 'verifySpillmanParams';
  c.ok(t, 'Form S', [new Ref('params')]);
  c.ok(t, 'Form C', [new Ref('paramsC')]);
  for (const [name, v] of [['null', null], ['an array', []], ['a string', 'S']] as const) c.bad(t, `not an object: ${name}`, [v], 'INVALID_ARGUMENT');
  for (const [name, form] of [['X', 'X'], ['lowercase s', 's'], ['missing', DELETE], ['a number', 1]] as const) c.bad(t, `form ${name}`, [P({ form })], 'INVALID_ARGUMENT');
  for (const role of ['senderFundingKey', 'receiverFundingKey', 'senderPayoutKey', 'receiverPayoutKey']) {
    for (const k of BAD_KEYS) c.bad(t, `${role}: ${k.name}`, [P({ [role]: k.key })], 'INVALID_KEY');
  }
  c.bad(t, 'equal funding keys', [P({ receiverFundingKey: params.senderFundingKey })], 'INVALID_KEY');
  c.bad(t, 'equal payout keys', [P({ receiverPayoutKey: params.senderPayoutKey })], 'INVALID_KEY');
  for (const [name, lock] of [['height 0', { height: 0 }], ['height 500000000', { height: 500_000_000 }], ['time 1', { time: 1 }], ['a bare number', 5000], ['missing', DELETE], ['height 1.5', { height: 1.5 }]] as const) {
    c.bad(t, `lockTime ${name}`, [P({ lockTime: lock })], 'INVALID_TIMELOCK');
  }
  for (const [name, rate, code] of [['1e8 + 1', 100_000_001n, 'INVALID_FEE_RATE'], ['a number', 1000, 'INVALID_FEE_RATE'], ['negative', -1n, 'INVALID_FEE_RATE']] as const) c.bad(t, `feeRate ${name}`, [P({ feeRate: rate })], code);
  for (const [name, cap, code] of [['0', 0n, 'INVALID_AMOUNT'], ['a number', 1_000_000, 'INVALID_AMOUNT'], ['21e6 BTC + 1', 21_000_000n * 100_000_000n + 1n, 'INVALID_AMOUNT'], ['below the fees plus dust', 500n, 'FEE_EXCEEDS_OUTPUT']] as const) {
    c.bad(t, `capacity ${name}`, [P({ capacity: cap })], code);
  }
  c.bad(t, 'fundingOutpoint missing', [P({ fundingOutpoint: DELETE })], 'INVALID_ARGUMENT');
  c.bad(t, 'fundingOutpoint txid uppercase', [P({ fundingOutpoint: { txid: params.fundingOutpoint.txid.toUpperCase(), vout: 0 } })], 'INVALID_ARGUMENT');
  c.bad(t, 'fundingOutpoint vout -1', [P({ fundingOutpoint: { txid: params.fundingOutpoint.txid, vout: -1 } })], 'INVALID_ARGUMENT');

  t = 'compileSpillmanCltvScript';
  const cltvKeys = { senderFundingKey: params.senderFundingKey, receiverFundingKey: params.receiverFundingKey, lockTime: { height: 3000 } };
  c.ok(t, 'valid keys and lock', [cltvKeys]);
  c.bad(t, 'not an object', [null], 'TEMPLATE_ARGUMENT');
  c.bad(t, 'equal keys', [{ ...cltvKeys, receiverFundingKey: params.senderFundingKey }], 'INVALID_KEY');
  c.bad(t, 'lock missing', [{ senderFundingKey: params.senderFundingKey, receiverFundingKey: params.receiverFundingKey }], 'TEMPLATE_ARGUMENT');
  c.bad(t, 'lock 0', [{ ...cltvKeys, lockTime: { height: 0 } }], 'INVALID_TIMELOCK');
  for (const k of BAD_KEYS) c.bad(t, `senderFundingKey: ${k.name}`, [{ ...cltvKeys, senderFundingKey: k.key }], 'INVALID_KEY');

  const maxAmount = channel.sender.context.maxAmount;
  t = 'buildSpillmanRefundTx';
  c.ok(t, 'the refund', [new Ref('params'), {}]);
  c.bad(t, 'a final nSequence', [new Ref('params'), { sequence: 0xffffffff }], 'INVALID_TIMELOCK');
  c.bad(t, 'nSequence -1', [new Ref('params'), { sequence: -1 }], 'INVALID_ARGUMENT');
  c.bad(t, 'nSequence 2^32', [new Ref('params'), { sequence: 2 ** 32 }], 'INVALID_ARGUMENT');
  c.bad(t, 'nSequence a string', [new Ref('params'), { sequence: '0' }], 'INVALID_ARGUMENT');
  for (const t2 of ['buildSpillmanPaymentTx', 'createSpillmanPaymentPsbt']) {
    c.ok(t2, 'payment 1', [new Ref('params'), { index: 1, amount: 5000n }]);
    for (const [name, p, code] of [
      ['index 0', { index: 0, amount: 5000n }, 'INVALID_ARGUMENT'], ['index 2^24', { index: 2 ** 24, amount: 5000n }, 'INVALID_ARGUMENT'],
      ['index 1.5', { index: 1.5, amount: 5000n }, 'INVALID_ARGUMENT'], ['index missing', { amount: 5000n }, 'INVALID_ARGUMENT'],
      ['amount below dust', { index: 1, amount: 293n }, 'AMOUNT_BELOW_DUST'], ['amount 0', { index: 1, amount: 0n }, 'AMOUNT_BELOW_DUST'],
      ['amount negative', { index: 1, amount: -1n }, 'INVALID_AMOUNT'], ['amount a number', { index: 1, amount: 5000 }, 'INVALID_AMOUNT'],
      ['amount one above the most', { index: 1, amount: maxAmount + 1n }, 'AMOUNT_EXCEEDS_CAPACITY'],
      ['amount the capacity', { index: 1, amount: params.capacity }, 'AMOUNT_EXCEEDS_CAPACITY'],
    ] as const) c.bad(t2, name, [new Ref('params'), p], code);
  }
  for (const t2 of ['buildSpillmanCloseTx', 'createSpillmanClosePsbt']) {
    c.ok(t2, 'the close', [new Ref('params'), { amount: 5000n, feeRate: 2000n }]);
    for (const [name, p, code] of [
      ['feeRate 1e8 + 1', { amount: 5000n, feeRate: 100_000_001n }, 'INVALID_FEE_RATE'], ['feeRate a number', { amount: 5000n, feeRate: 2000 }, 'INVALID_FEE_RATE'],
      ['amount below dust', { amount: 100n, feeRate: 2000n }, 'AMOUNT_BELOW_DUST'], ['amount beyond the capacity', { amount: params.capacity, feeRate: 2000n }, 'AMOUNT_EXCEEDS_CAPACITY'],
      ['a fee beyond everything', { amount: 0n, feeRate: 100_000_000n }, 'AMOUNT_EXCEEDS_CAPACITY'],
    ] as const) c.bad(t2, name, [new Ref('params'), p], code);
  }
  t = 'createSpillmanRefundPsbt';
  c.ok(t, 'the refund with origins and the funding transaction', [new Ref('params'), {}, { fundingTx: channel.fundingTx.toBuffer() }]);
  c.bad(t, 'options not an object', [new Ref('params'), {}, 'x'], 'INVALID_ARGUMENT');
  c.bad(t, 'fundingTx of another channel', [new Ref('params'), {}, { fundingTx: channelC.fundingTx.toBuffer() }], 'INVALID_TRANSACTION');
  c.bad(t, 'fundingTx that does not parse', [new Ref('params'), {}, { fundingTx: Uint8Array.of(1, 2, 3) }], 'INVALID_TRANSACTION');
  c.bad(t, 'origins: a role holding no origin', [new Ref('params'), {}, { origins: { senderFunding: 'x' } }], 'INVALID_ARGUMENT');

  t = 'spillmanDescriptors';
  c.ok(t, 'no origins', [new Ref('params'), {}]);
  c.bad(t, 'origins not an object', [new Ref('params'), 'x'], 'INVALID_ARGUMENT');
  c.bad(t, 'an origin of another key', [new Ref('params'), { senderFunding: { pubkey: params.receiverFundingKey, masterFingerprint: new Uint8Array(4), path: 'm/0' } }], 'INVALID_KEY');

  t = 'SpillmanSigner';
  c.ok(t, 'the sender\'s', [new Ref('params'), 'sender', keysS.sender.fundingKey]);
  c.ok(t, 'the receiver\'s', [new Ref('params'), 'receiver', keysS.receiver.fundingKey]);
  c.bad(t, 'role payer', [new Ref('params'), 'payer', keysS.sender.fundingKey], 'INVALID_ARGUMENT');
  c.bad(t, 'the other role\'s key', [new Ref('params'), 'receiver', keysS.sender.fundingKey], 'INVALID_KEY');
  c.bad(t, 'a payout key', [new Ref('params'), 'sender', keysS.sender.payoutKey], 'INVALID_KEY');
  for (const k of BAD_PRIVATE_KEYS) c.bad(t, k.name, [new Ref('params'), 'sender', k.key], 'INVALID_KEY');
  t = 'SpillmanSigner.paymentHash';
  c.ok(t, 'payment 1', [new Ref('params'), 'sender', keysS.sender.fundingKey, 1, 5000n]);
  c.bad(t, 'index a bigint', [new Ref('params'), 'sender', keysS.sender.fundingKey, 1n, 5000n], 'INVALID_ARGUMENT');
  c.bad(t, 'amount below dust', [new Ref('params'), 'sender', keysS.sender.fundingKey, 1, 10n], 'AMOUNT_BELOW_DUST');
  t = 'SpillmanSigner.completePayment';
  const sig = new SpillmanSigner(channel.sender.context, 'sender', keysS.sender.fundingKey);
  const good = sig.sign(sig.paymentHash(1, 5000n));
  c.ok(t, 'payment 1 with the sender\'s signature', [new Ref('params'), 'receiver', keysS.receiver.fundingKey, 1, 5000n, good]);
  c.bad(t, 'the signature of another amount', [new Ref('params'), 'receiver', keysS.receiver.fundingKey, 1, 5001n, good], 'INVALID_SIGNATURE');
  c.bad(t, 'the signature of another index', [new Ref('params'), 'receiver', keysS.receiver.fundingKey, 2, 5000n, good], 'INVALID_SIGNATURE');
  c.bad(t, 'the receiver\'s own signature', [new Ref('params'), 'receiver', keysS.receiver.fundingKey, 1, 5000n, new SpillmanSigner(channel.sender.context, 'receiver', keysS.receiver.fundingKey).sign(sig.paymentHash(1, 5000n))], 'INVALID_SIGNATURE');
  c.bad(t, 'a signature that is not bytes', [new Ref('params'), 'receiver', keysS.receiver.fundingKey, 1, 5000n, 'x'], 'INVALID_SIGNATURE');

  t = 'verifyFundingScriptParams';
  const F = (changes: Record<string, unknown>) => new Ref('fundingScriptParams', changes);
  c.ok(t, 'a spillman-cltv funding output', [F({})]);
  c.bad(t, 'not an object', [null], 'INVALID_ARGUMENT');
  c.bad(t, 'fundingScript empty', [F({ fundingScript: new Uint8Array(0) })], 'INVALID_SCRIPT');
  c.bad(t, 'fundingScript 253 bytes', [F({ fundingScript: new Uint8Array(253) })], 'INVALID_SCRIPT');
  c.bad(t, 'fundingScript hex', [F({ fundingScript: 'ab' })], 'INVALID_SCRIPT');
  c.bad(t, 'capacity 0', [F({ capacity: 0n })], 'INVALID_AMOUNT');
  c.bad(t, 'fundingOutpoint missing', [F({ fundingOutpoint: DELETE })], 'INVALID_ARGUMENT');
  for (const t2 of ['planScriptFunding', 'createScriptFundingPsbt']) {
    const S = (changes: Record<string, unknown>) => new Ref('scriptFunding', changes);
    c.ok(t2, 'a coin to a spillman-cltv output', [S({})]);
    c.bad(t2, 'fundingScript empty', [S({ fundingScript: new Uint8Array(0) })], 'INVALID_SCRIPT');
    c.bad(t2, 'fundingScript 3601 bytes', [S({ fundingScript: new Uint8Array(3601) })], 'INVALID_SCRIPT');
    c.bad(t2, 'no inputs', [S({ inputs: [] })], 'INVALID_ARGUMENT');
    c.bad(t2, 'a legacy input', [S({ inputs: [{ ...fakeCoin(keysS.wallet), script: Uint8Array.from([0x76, 0xa9, 0x14, ...new Uint8Array(20), 0x88, 0xac]) }] })], 'NON_SEGWIT_INPUT');
    c.bad(t2, 'capacity above the inputs', [S({ capacity: 2_000_000n })], 'INSUFFICIENT_FUNDS');
  }
  return c.file('spillman-builders.json', 'the Spillman construction\'s parameters, builders, PSBT creators, signer and descriptors, and the core\'s script-funding pieces: bad arguments refused with a typed code');
}

function partyFile(): FileSpec {
  const c = new Cases(BASELINES);
  const R = [new Ref('receiverState'), new Ref('receiverSecrets')];
  const S = [new Ref('senderState'), new Ref('senderSecrets')];
  let t = 'SpillmanReceiver.onPay';
  c.ok(t, 'the next payment', [...R, new Ref('pay'), new Ref('chain')]);
  const pay = (changes: Record<string, unknown>) => new Ref('pay', changes);
  for (const [name, p, code] of [
    ['index skips one', pay({ index: 3 }), 'UPDATE_INDEX_MISMATCH'], ['index repeats the last', pay({ index: 1 }), 'UPDATE_INDEX_MISMATCH'],
    ['amount the last total', pay({ amount: 5000n }), 'UPDATE_NOT_MONOTONIC'], ['amount below the last total', pay({ amount: 4999n }), 'UPDATE_NOT_MONOTONIC'],
    ['amount beyond the deposit', pay({ amount: channel.receiver.context.maxAmount + 1n }), 'AMOUNT_EXCEEDS_CAPACITY'],
    ['amount one more than signed', pay({ amount: 6001n }), 'INVALID_SIGNATURE'], ['another channel', pay({ channelId: new Uint8Array(32) }), 'WRONG_CHANNEL'],
    ['a signature of zeros', pay({ sig: new Uint8Array(71) }), 'INVALID_SIGNATURE'], ['not an object', 'pay', 'MESSAGE_INVALID'],
  ] as const) c.bad(t, name, [...R, p, new Ref('chain')], code);
  c.bad(t, 'at the cutoff L - margin', [...R, new Ref('pay'), { height: (params.lockTime as { height: number }).height - MARGIN - 1, medianTimePast: 0 }], 'CHANNEL_EXPIRED');
  c.bad(t, 'no chain tip', [...R, new Ref('pay'), undefined], 'INVALID_ARGUMENT');
  c.bad(t, 'a chain tip without a height', [...R, new Ref('pay'), { medianTimePast: 0 }], 'INVALID_ARGUMENT');

  t = 'SpillmanReceiver.onCloseOffer';
  const closeSigner = new SpillmanSigner(channel.sender.context, 'sender', keysS.sender.fundingKey);
  const close = { type: 'spillman_close_offer', channelId: channel.receiver.channelId, amount: 5000n, feeRate: 2000n, sig: closeSigner.sign(closeSigner.closeHash(5000n, 2000n)) };
  c.ok(t, 'a close of the last total', [...R, close, 5000n]);
  c.bad(t, 'a close of another total', [...R, { ...close, amount: 6000n }, 5000n], 'UPDATE_NOT_MONOTONIC');
  c.bad(t, 'a rate above the bound', [...R, close, 1999n], 'FEE_RATE_REFUSED');
  c.bad(t, 'a signature of another rate', [...R, { ...close, feeRate: 2001n }, 5000n], 'INVALID_SIGNATURE');
  c.bad(t, 'no bound', [...R, close, undefined], 'INVALID_FEE_RATE');

  t = 'SpillmanReceiver.markFundingConfirmed';
  c.ok(t, 'the funding again', [...R, { tx: channel.fundingTx.toBuffer(), confirmations: 1 }]);
  c.bad(t, 'another channel\'s funding', [...R, { tx: channelC.fundingTx.toBuffer(), confirmations: 6 }], 'FUNDING_MISMATCH');
  c.bad(t, 'bytes that do not parse', [...R, { tx: Uint8Array.of(1, 2), confirmations: 6 }], 'INVALID_TRANSACTION');
  c.bad(t, 'confirmations -1', [...R, { tx: channel.fundingTx.toBuffer(), confirmations: -1 }], 'INVALID_ARGUMENT');
  c.bad(t, 'not an object', [...R, null], 'INVALID_ARGUMENT');

  t = 'SpillmanReceiver.accept';
  const A = [new Ref('open'), new Ref('receiverSecrets'), new Ref('policy'), new Ref('chain')];
  c.ok(t, 'a Form C open', A);
  c.bad(t, 'L within margin and window of the tip', [new Ref('open', { lockTime: { height: CHAIN.height + 10 } }), ...A.slice(1)], 'INVALID_TIMELOCK');
  c.bad(t, 'L in the past', [new Ref('open', { lockTime: { height: 1 } }), ...A.slice(1)], 'INVALID_TIMELOCK');
  c.bad(t, 'no chain tip', [...A.slice(0, 3), undefined], 'INVALID_ARGUMENT');
  c.bad(t, 'margin 0', [A[0], A[1], { margin: 0 }, A[3]], 'INVALID_ARGUMENT');
  c.bad(t, 'form X', [new Ref('open', { form: 'X' }), ...A.slice(1)], 'INVALID_ARGUMENT');
  c.bad(t, 'capacity below policy', [A[0], A[1], { ...POLICY, minCapacity: 2_000_000n }, A[3]], 'INVALID_AMOUNT');
  c.bad(t, 'fee rate above policy', [A[0], A[1], { ...POLICY, maxFeeRate: 500n }, A[3]], 'FEE_RATE_REFUSED');
  c.bad(t, 'fee rate below the relay floor', [new Ref('open', { feeRate: 100n }), ...A.slice(1)], 'FEE_RATE_REFUSED');
  c.bad(t, 'the sender uses our funding key', [new Ref('open', { senderPayoutKey: derivePublicKey(keysS.receiver.fundingKey) }), ...A.slice(1)], 'INVALID_KEY');
  c.bad(t, 'a deposit below the fees', [new Ref('open', { capacity: 600n }), ...A.slice(1)], 'FEE_EXCEEDS_OUTPUT');

  t = 'SpillmanSender.open';
  c.ok(t, 'Form S', [new Ref('openOptions')]);
  c.bad(t, 'form X', [new Ref('openOptions', { form: 'X' })], 'INVALID_ARGUMENT');
  c.bad(t, 'lock 0', [new Ref('openOptions', { lockTime: { height: 0 } })], 'INVALID_TIMELOCK');
  c.bad(t, 'fee rate below the relay floor', [new Ref('openOptions', { feeRate: 252n })], 'FEE_RATE_REFUSED');
  c.bad(t, 'tempChannelId 31 bytes', [new Ref('openOptions', { tempChannelId: new Uint8Array(31) })], 'INVALID_ARGUMENT');
  c.bad(t, 'secrets missing', [new Ref('openOptions', { secrets: DELETE })], 'INVALID_ARGUMENT');

  t = 'SpillmanSender.pay';
  c.ok(t, 'a payment after the last was acknowledged', [...S, 1000n, new Ref('chain')]);
  c.bad(t, 'increment 0', [...S, 0n, new Ref('chain')], 'INVALID_AMOUNT');
  c.bad(t, 'increment a number', [...S, 1000, new Ref('chain')], 'INVALID_AMOUNT');
  c.bad(t, 'increment beyond the deposit', [...S, params.capacity, new Ref('chain')], 'AMOUNT_EXCEEDS_CAPACITY');
  c.bad(t, 'at the cutoff L - margin', [...S, 1000n, { height: (params.lockTime as { height: number }).height - MARGIN - 1, medianTimePast: 0 }], 'CHANNEL_EXPIRED');
  c.bad(t, 'a chain tip without a height', [...S, 1000n, { medianTimePast: 0 }], 'INVALID_ARGUMENT');
  t = 'SpillmanSender.onPayAck';
  c.ok(t, 'the ack of the last payment', [...S, { type: 'spillman_pay_ack', channelId: channel.sender.channelId, index: 1 }]);
  c.bad(t, 'an ack of another payment', [...S, { type: 'spillman_pay_ack', channelId: channel.sender.channelId, index: 2 }], 'UPDATE_INDEX_MISMATCH');
  c.bad(t, 'an ack for another channel', [...S, { type: 'spillman_pay_ack', channelId: new Uint8Array(32), index: 1 }], 'WRONG_CHANNEL');

  t = 'SpillmanSender.restore';
  const s = (changes: Record<string, unknown>) => new Ref('senderState', changes);
  c.ok(t, 'the saved state', S);
  for (const [name, v, code] of [
    ['format of a receiver', s({ format: 'revchan-spillman-receiver/1' }), 'STATE_INVALID'], ['an unknown phase', s({ phase: 'paying' }), 'STATE_INVALID'],
    ['acked above the index', s({ acked: 2 }), 'STATE_INVALID'], ['a total without a payment', s({ index: 0 }), 'STATE_INVALID'],
    ['no refund signature', s({ refundSig: null }), 'STATE_INVALID'], ['the refund signature of another channel', s({ refundSig: (channelC.sender.toJSON().refundSig ?? '3006020101020101') as string }), 'STATE_INVALID'],
    ['an amount beyond the deposit', s({ amount: '999999999' }), 'STATE_INVALID'],
  ] as const) c.bad(t, name, [v, new Ref('senderSecrets')], code);
  c.bad(t, 'another channel\'s secrets', [new Ref('senderState'), spillmanKeys('corpus other').sender], 'INVALID_KEY');
  c.bad(t, 'secrets missing', [new Ref('senderState'), undefined], 'INVALID_ARGUMENT');

  t = 'SpillmanReceiver.restore';
  const r = (changes: Record<string, unknown>) => new Ref('receiverState', changes);
  const latest = (receiverStateJson as { latest: Json }).latest;
  c.ok(t, 'the saved state', R);
  for (const [name, v] of [
    ['a phase before funding with a payment', r({ phase: 'accepted' })], ['the latest total raised', r({ latest: { ...latest, amount: '5001' } })],
    ['the latest index raised', r({ latest: { ...latest, index: 2 } })], ['a funding depth of 0', r({ fundingPolicy: { depth: 0, zeroConfBudget: null } })],
    ['fundingConfirmed a string', r({ fundingConfirmed: 'yes' })], ['no format', r({ format: DELETE })],
  ] as const) c.bad(t, name, [v, new Ref('receiverSecrets')], 'STATE_INVALID');
  c.bad(t, 'another channel\'s secrets', [new Ref('receiverState'), spillmanKeys('corpus other').receiver], 'INVALID_KEY');
  return c.file('spillman-parties.json', 'the Spillman parties: refused messages and calls on saved state, each leaving it as it was; damaged saved state refused on restore');
}

/** What this folder adds to the bad-input corpus. */
export const CORPUS: ConstructionCorpus = {
  targets: new Map(TARGETS),
  notTargets: NOT_TARGETS,
  files: () => [...messageFiles(), builderFile(), partyFile()],
};
