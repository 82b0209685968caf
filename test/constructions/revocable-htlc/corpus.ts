/**
 * The bad-input corpus of the revocable channel's HTLC pieces
 * (test/kit/corpus/constructions.ts picks it up): the claim builders, signers
 * and PSBT creators, the HTLC script compilers and checks, and preimage
 * extraction, in fixtures/bad-inputs/htlc-builders.json; the protocol's
 * messages and parties in ./protocol-corpus.ts. Baselines are a
 * channel with HTLC terms and both versions carrying one HTLC
 * (test/support/htlc.ts); each case changes one thing and must be refused
 * with its code, the arguments left as they were.
 */
import {
  ErrorCode, HtlcClaimParams, PrivateKey, buildHtlcSuccessTx, buildHtlcTimeoutTx, checkHtlcs, checkPreimage, compileHtlcReceiverScript,
  compileHtlcSenderScript, createHtlcSuccessPsbt, createHtlcTimeoutPsbt, extractPreimage, p2wpkhScript, planHtlcClaim, signHtlcSuccessTx,
  signHtlcTimeoutTx, verifyChannelParams,
} from '../../../lib';
import type { Target } from '../../support/bad-inputs-targets';
import { DELETE, Ref } from '../../support/bad-inputs-codec';
import { CaseSpec, FileSpec, ValidSpec } from '../../kit/corpus/format';
import { BAD_KEYS, BAD_PRIVATE_KEYS } from '../../kit/corpus/values';
import type { ConstructionCorpus } from '../../kit/corpus/constructions';
import { keys, testKey } from '../../support/keys';
import { HTLC_DELAY, htlcChannel, receiverHtlc, receiverVersion, senderVersion, testHtlc } from '../../support/htlc';
import { PROTOCOL_TARGETS, protocolFiles } from './protocol-corpus';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Args = any[];

const T = (kind: Target['kind'], exports: readonly string[], run: (a: Args) => unknown): Target => ({ kind, exports, run });

const TARGETS: [string, Target][] = [
  ['buildHtlcSuccessTx', T('builder', ['buildHtlcSuccessTx'], (a) => buildHtlcSuccessTx(a[0]))],
  ['buildHtlcTimeoutTx', T('builder', ['buildHtlcTimeoutTx'], (a) => buildHtlcTimeoutTx(a[0]))],
  ['planHtlcClaim', T('builder', ['planHtlcClaim'], (a) => planHtlcClaim(verifyChannelParams(a[0]), a[1], a[2]))],
  ['signHtlcSuccessTx', T('builder', ['signHtlcSuccessTx'], (a) => signHtlcSuccessTx(a[0], a[1]))],
  ['signHtlcTimeoutTx', T('builder', ['signHtlcTimeoutTx'], (a) => signHtlcTimeoutTx(a[0], a[1] as PrivateKey))],
  ['createHtlcSuccessPsbt', T('psbt', ['createHtlcSuccessPsbt'], (a) => createHtlcSuccessPsbt(a[0], a[1]))],
  ['createHtlcTimeoutPsbt', T('psbt', ['createHtlcTimeoutPsbt'], (a) => createHtlcTimeoutPsbt(a[0], a[1]))],
  ['compileHtlcSenderScript', T('builder', ['compileHtlcSenderScript'], (a) => compileHtlcSenderScript(a[0]))],
  ['compileHtlcReceiverScript', T('builder', ['compileHtlcReceiverScript'], (a) => compileHtlcReceiverScript(a[0]))],
  ['checkHtlcs', T('builder', ['checkHtlcs'], (a) => checkHtlcs(a[0]))],
  ['checkPreimage', T('builder', ['checkPreimage'], (a) => checkPreimage(a[0], a[1]))],
  ['extractPreimage', T('builder', ['extractPreimage'], (a) => extractPreimage(a[0], a[1]))],
];

const { channel } = htlcChannel({ kind: 'csv', delay: { blocks: 144 } });
const x = testHtlc('corpus', 50_000n, 3000);
const other = testHtlc('corpus other', 40_000n, 3000);
const sv = senderVersion(channel, 2, 100_000n, [x.htlc]);
const rv = receiverVersion(channel, 2, 100_000n, [x.htlc]);
const dest = p2wpkhScript(testKey('htlc corpus destination').pub);
const fromReceiver: HtlcClaimParams = { channel, version: 'receiver', versionTx: rv.toBuffer(), htlc: x.htlc, destinationScript: dest, feeRate: 1000n };
const fromSender: HtlcClaimParams = { ...fromReceiver, version: 'sender', versionTx: sv.tx.toBuffer(), updateKey: sv.updateKey };
const successClaim = signHtlcSuccessTx(fromReceiver, { preimage: x.preimage, receiverHtlcKey: receiverHtlc.priv });
const receiverScript = compileHtlcReceiverScript({ receiverHtlcKey: receiverHtlc.pub, senderPayoutKey: keys.senderPayout.pub, hash: x.htlc.hash, expiry: x.htlc.expiry, delay: HTLC_DELAY });

const BASELINES: Record<string, unknown> = {
  fromReceiver, fromSender,
  successKeys: { preimage: x.preimage, receiverHtlcKey: receiverHtlc.priv },
  htlc: x.htlc,
  receiverScriptArgs: { receiverHtlcKey: receiverHtlc.pub, senderPayoutKey: keys.senderPayout.pub, hash: x.htlc.hash, expiry: x.htlc.expiry, delay: HTLC_DELAY },
  senderScriptArgs: {
    receiverHtlcKey: receiverHtlc.pub, senderPayoutKey: keys.senderPayout.pub, hash: x.htlc.hash, expiry: x.htlc.expiry, delay: HTLC_DELAY,
    receiverRevocationKey: keys.receiverRevocation.pub, updateKey: sv.updateKey,
  },
};

function htlcCases(): FileSpec {
  const cases: CaseSpec[] = [];
  const valid: ValidSpec[] = [];
  const bad = (target: string, name: string, input: unknown[], expect: ErrorCode) => cases.push({ name, target, input, expect });
  const ok = (target: string, name: string, input: unknown[]) => valid.push({ name, target, input });

  for (const [target, base] of [['buildHtlcSuccessTx', 'fromReceiver'], ['buildHtlcTimeoutTx', 'fromSender'], ['createHtlcSuccessPsbt', 'fromSender'], ['createHtlcTimeoutPsbt', 'fromReceiver']] as const) {
    ok(target, 'good parameters', [new Ref(base)]);
    bad(target, 'not an object', [null], 'INVALID_ARGUMENT');
    bad(target, 'version: neither party', [new Ref(base, { version: 'both' })], 'INVALID_ARGUMENT');
    bad(target, 'versionTx: not a transaction', [new Ref(base, { versionTx: new Uint8Array([1, 2, 3]) })], 'INVALID_TRANSACTION');
    bad(target, 'versionTx: the other version', [new Ref(base, { versionTx: base === 'fromSender' ? rv.toBuffer() : sv.tx.toBuffer() })], 'NOTHING_TO_CLAIM');
    bad(target, 'htlc: another HTLC', [new Ref(base, { htlc: other.htlc })], 'NOTHING_TO_CLAIM');
    bad(target, 'htlc: a 31-byte hash', [new Ref(base, { htlc: { ...x.htlc, hash: x.htlc.hash.subarray(1) } })], 'INVALID_ARGUMENT');
    bad(target, 'htlc: amount 0', [new Ref(base, { htlc: { ...x.htlc, amount: 0n } })], 'INVALID_AMOUNT');
    bad(target, 'htlc: expiry height 0', [new Ref(base, { htlc: { ...x.htlc, expiry: { height: 0 } } })], 'INVALID_TIMELOCK');
    bad(target, 'htlc: missing', [new Ref(base, { htlc: DELETE })], 'INVALID_ARGUMENT');
    bad(target, 'destinationScript: empty', [new Ref(base, { destinationScript: new Uint8Array(0) })], 'INVALID_SCRIPT');
    bad(target, 'feeRate: negative', [new Ref(base, { feeRate: -1n })], 'INVALID_FEE_RATE');
    bad(target, 'feeRate: as high as the output', [new Ref(base, { feeRate: 90_000_000n })], 'FEE_EXCEEDS_OUTPUT');
    bad(target, 'channel: without HTLC terms', [new Ref(base, { channel: { ...channel, htlc: undefined } })], 'INVALID_ARGUMENT');
    bad(target, 'channel: R_h the revocation key', [new Ref(base, { channel: { ...channel, htlc: { ...channel.htlc!, receiverHtlcKey: keys.receiverRevocation.pub } } })], 'INVALID_KEY');
    if (base === 'fromSender') {
      bad(target, 'updateKey: missing', [new Ref(base, { updateKey: DELETE })], 'INVALID_ARGUMENT');
      bad(target, 'updateKey: another state\'s', [new Ref(base, { updateKey: keys.update(9).pub })], 'NOTHING_TO_CLAIM');
      for (const { name, key: k } of BAD_KEYS.slice(0, 3)) bad(target, `updateKey: ${name}`, [new Ref(base, { updateKey: k })], 'INVALID_KEY');
    }
  }
  ok('createHtlcSuccessPsbt', 'options: none', [new Ref('fromReceiver'), {}]);
  bad('createHtlcSuccessPsbt', 'options: not an object', [new Ref('fromReceiver'), 7], 'INVALID_ARGUMENT');

  ok('planHtlcClaim', 'success', [channel, 'success', new Ref('fromReceiver')]);
  bad('planHtlcClaim', 'kind: neither claim', [channel, 'penalty', new Ref('fromReceiver')], 'INVALID_ARGUMENT');

  ok('signHtlcSuccessTx', 'good keys', [new Ref('fromReceiver'), new Ref('successKeys')]);
  bad('signHtlcSuccessTx', 'keys: not an object', [new Ref('fromReceiver'), null], 'INVALID_ARGUMENT');
  bad('signHtlcSuccessTx', 'preimage: another HTLC\'s', [new Ref('fromReceiver'), new Ref('successKeys', { preimage: other.preimage })], 'HTLC_PREIMAGE_MISMATCH');
  bad('signHtlcSuccessTx', 'preimage: 33 bytes', [new Ref('fromReceiver'), new Ref('successKeys', { preimage: new Uint8Array([...x.preimage, 0]) })], 'HTLC_PREIMAGE_MISMATCH');
  bad('signHtlcSuccessTx', 'preimage: not bytes', [new Ref('fromReceiver'), new Ref('successKeys', { preimage: 'ab' })], 'INVALID_ARGUMENT');
  bad('signHtlcSuccessTx', 'receiverHtlcKey: the payout key', [new Ref('fromReceiver'), new Ref('successKeys', { receiverHtlcKey: keys.receiverPayout.priv })], 'INVALID_KEY');
  for (const { name, key: k } of BAD_PRIVATE_KEYS.slice(0, 3)) bad('signHtlcSuccessTx', `receiverHtlcKey: ${name}`, [new Ref('fromReceiver'), new Ref('successKeys', { receiverHtlcKey: k })], 'INVALID_KEY');

  ok('signHtlcTimeoutTx', 'the sender\'s payout key', [new Ref('fromSender'), keys.senderPayout.priv]);
  bad('signHtlcTimeoutTx', 'the receiver\'s payout key', [new Ref('fromSender'), keys.receiverPayout.priv], 'INVALID_KEY');
  bad('signHtlcTimeoutTx', 'params: not an object', [7, keys.senderPayout.priv], 'INVALID_ARGUMENT');

  for (const [target, base] of [['compileHtlcSenderScript', 'senderScriptArgs'], ['compileHtlcReceiverScript', 'receiverScriptArgs']] as const) {
    ok(target, 'good arguments', [new Ref(base)]);
    bad(target, 'not an object', [null], 'TEMPLATE_ARGUMENT');
    bad(target, 'hash: 31 bytes', [new Ref(base, { hash: x.htlc.hash.subarray(1) })], 'INVALID_ARGUMENT');
    bad(target, 'hash: missing', [new Ref(base, { hash: DELETE })], 'TEMPLATE_ARGUMENT');
    bad(target, 'expiry: a time of 1', [new Ref(base, { expiry: { time: 1 } })], 'INVALID_TIMELOCK');
    bad(target, 'delay: 65536 blocks', [new Ref(base, { delay: { blocks: 65536 } })], 'INVALID_TIMELOCK');
    for (const { name, key: k } of BAD_KEYS.slice(0, 3)) bad(target, `receiverHtlcKey: ${name}`, [new Ref(base, { receiverHtlcKey: k })], 'INVALID_KEY');
  }

  ok('checkHtlcs', 'one HTLC', [[new Ref('htlc')]]);
  ok('checkHtlcs', 'none', [[]]);
  bad('checkHtlcs', 'not an array', [new Ref('htlc')], 'INVALID_ARGUMENT');
  bad('checkHtlcs', 'an entry null', [[null]], 'INVALID_ARGUMENT');
  bad('checkHtlcs', 'amount: negative', [[new Ref('htlc', { amount: -1n })]], 'INVALID_AMOUNT');
  bad('checkHtlcs', 'amount: a number', [[new Ref('htlc', { amount: 5 })]], 'INVALID_AMOUNT');
  bad('checkHtlcs', 'hash: hex text', [[new Ref('htlc', { hash: '00'.repeat(32) })]], 'INVALID_ARGUMENT');
  bad('checkHtlcs', 'expiry: missing', [[new Ref('htlc', { expiry: DELETE })]], 'INVALID_TIMELOCK');
  bad('checkHtlcs', '484 HTLCs', [Array.from({ length: 484 }, () => new Ref('htlc'))], 'HTLC_TOO_MANY');

  ok('checkPreimage', 'the preimage', [x.preimage, x.htlc.hash]);
  bad('checkPreimage', 'another preimage', [other.preimage, x.htlc.hash], 'HTLC_PREIMAGE_MISMATCH');
  bad('checkPreimage', 'empty preimage', [new Uint8Array(0), x.htlc.hash], 'HTLC_PREIMAGE_MISMATCH');
  bad('checkPreimage', 'hash: 31 bytes', [x.preimage, x.htlc.hash.subarray(1)], 'INVALID_ARGUMENT');
  bad('checkPreimage', 'preimage: a string', ['00', x.htlc.hash], 'INVALID_ARGUMENT');

  ok('extractPreimage', 'a success claim', [successClaim.toBuffer(), receiverScript]);
  bad('extractPreimage', 'tx: not a transaction', [new Uint8Array([0]), receiverScript], 'INVALID_TRANSACTION');
  bad('extractPreimage', 'tx: hex text', [successClaim.toHex(), receiverScript], 'INVALID_ARGUMENT');
  bad('extractPreimage', 'script: no template\'s', [successClaim.toBuffer(), new Uint8Array([0x51])], 'INVALID_SCRIPT');
  bad('extractPreimage', 'script: missing', [successClaim.toBuffer()], 'INVALID_ARGUMENT');

  return {
    file: 'htlc-builders.json',
    description: 'The revocable channel\'s HTLC claims, scripts, checks and preimage extraction: bad arguments refused with a typed code, the arguments left as they were',
    baselines: BASELINES, valid, cases,
  };
}

export const CORPUS: ConstructionCorpus = {
  targets: new Map([...TARGETS, ...PROTOCOL_TARGETS]),
  files: () => [htlcCases(), ...protocolFiles()],
};
