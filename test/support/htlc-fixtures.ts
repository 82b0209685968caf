/**
 * The HTLC fixtures (fixtures/htlc/<name>.json): both payment versions with
 * one and with three HTLCs (one of them trimmed), and PSBTs of every claim:
 * the receiver's success from either version (the preimage as a
 * PSBT_IN_SHA256 record), the sender's timeout from either version, and the
 * penalty that sweeps a revoked version with its HTLCs. Keys and preimages
 * come from labels (test/support/keys.ts); `npm run fixtures` writes the
 * files and test/htlc-fixtures.spec.ts rebuilds them and compares the text.
 */
import * as path from 'node:path';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  ChannelParams, Htlc, addPreimage, createHtlcSuccessPsbt, createHtlcTimeoutPsbt, createPenaltyPsbt, extractTransaction, finalizePsbt,
  matchTemplate, p2wpkhScript, paymentVersionOutputs, signPsbtInput, toHex, verifyChannelParams,
} from '../../lib';
import { keys, testKey } from './keys';
import { htlcChannel, receiverHtlc, receiverVersion, senderVersion, testHtlc } from './htlc';

export const HTLC_FIXTURE_DIR = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'htlc');

const CSV = { kind: 'csv', delay: { blocks: 144 } } as const;
const DEST = p2wpkhScript(testKey('htlc fixture destination').pub);
const ONE = [testHtlc('fixture one', 70_000n, 5000)];
const THREE = [testHtlc('fixture two', 40_000n, 5010), testHtlc('fixture three', 25_000n, 5020), testHtlc('fixture trimmed', 300n, 5030)];

interface TxRecord {
  readonly hex: string;
  readonly txid: string;
  readonly weight: number;
  readonly fee: string;
}

function txRecord(tx: Transaction, inputTotal: bigint): TxRecord {
  return { hex: toHex(tx.toBuffer()), txid: tx.getId(), weight: tx.weight(), fee: (inputTotal - tx.outs.reduce((a, o) => a + o.value, 0n)).toString() };
}

function htlcRecord(h: Htlc): Record<string, unknown> {
  return { amount: h.amount.toString(), hash: toHex(h.hash), expiry: h.expiry };
}

function versionCase(channel: ChannelParams, version: 'sender' | 'receiver', htlcs: readonly { htlc: Htlc }[]): Record<string, unknown> {
  const list = htlcs.map((h) => h.htlc);
  const index = 4;
  const amount = 150_000n;
  const updateKey = keys.update(index).pub;
  const tx = version === 'sender' ? senderVersion(channel, index, amount, list).tx : receiverVersion(channel, index, amount, list);
  const v = paymentVersionOutputs(verifyChannelParams(channel), { version, amount, ...(version === 'sender' ? { updateKey } : {}), htlcs: list });
  return {
    description: `The ${version}'s version of state ${index} with ${list.length} HTLC${list.length > 1 ? 's' : ''} offered by the sender`
      + `${v.trimmed.length ? ` (${v.trimmed.length} below 330 sat, trimmed to the fee)` : ''}; signed by both funding keys.`,
    parameters: { index, amount: amount.toString(), ...(version === 'sender' ? { updateKey: toHex(updateKey) } : {}), htlcs: list.map(htlcRecord) },
    outputs: tx.outs.map((o, vout) => {
      const h = v.htlcOutputs.find((x) => x.vout === vout);
      return { value: o.value.toString(), script: toHex(o.script), ...(h ? { htlc: h.htlc, template: matchTemplate(h.witnessScript)!.template.name, witnessScript: toHex(h.witnessScript) } : {}) };
    }),
    trimmed: v.trimmed,
    transaction: txRecord(tx, channel.capacity),
  };
}

function claimCase(description: string, psbt: Psbt, sign: (p: Psbt) => void, branches: Readonly<Record<number, string>>, spent: Transaction): Record<string, unknown> {
  const unsigned = psbt.toBase64();
  sign(psbt);
  const signed = psbt.toBase64();
  const tx = extractTransaction(finalizePsbt(psbt, { branches }));
  const inputTotal = tx.ins.reduce((a, i) => a + spent.outs[i.index]!.value, 0n);
  return { description, branches, unsignedPsbt: unsigned, signedPsbt: signed, transaction: txRecord(tx, inputTotal) };
}

/** Every HTLC fixture by file name (without .json). */
export function buildHtlcFixtures(): Record<string, Record<string, unknown>> {
  const { channel } = htlcChannel(CSV);
  const common = {
    channel: {
      fundingOutpoint: channel.fundingOutpoint, capacity: channel.capacity.toString(), feeRate: channel.feeRate.toString(), variant: channel.variant,
      htlc: { receiverHtlcKey: toHex(channel.htlc!.receiverHtlcKey), delay: channel.htlc!.delay, maxDustExposure: channel.htlc!.maxDustExposure.toString() },
    },
  };
  const out: Record<string, Record<string, unknown>> = {};
  out['sender-version-1-htlc'] = { ...common, ...versionCase(channel, 'sender', ONE) };
  out['receiver-version-1-htlc'] = { ...common, ...versionCase(channel, 'receiver', ONE) };
  out['sender-version-3-htlcs'] = { ...common, ...versionCase(channel, 'sender', THREE) };
  out['receiver-version-3-htlcs'] = { ...common, ...versionCase(channel, 'receiver', THREE) };

  const [x] = ONE;
  const sv = senderVersion(channel, 4, 150_000n, [x!.htlc]);
  const rv = receiverVersion(channel, 4, 150_000n, [x!.htlc]);
  const base = { channel, htlc: x!.htlc, destinationScript: DEST, feeRate: 2000n };
  const fromSender = { ...base, version: 'sender' as const, versionTx: sv.tx.toBuffer(), updateKey: sv.updateKey };
  const fromReceiver = { ...base, version: 'receiver' as const, versionTx: rv.toBuffer() };
  const success = (p: Psbt) => {
    signPsbtInput(p, 0, receiverHtlc.priv);
    addPreimage(p, 0, x!.preimage);
  };
  const timeout = (p: Psbt) => signPsbtInput(p, 0, keys.senderPayout.priv);
  out['htlc-success-sender-version'] = { ...common, preimage: toHex(x!.preimage), ...claimCase('The receiver\'s success claim on the sender\'s version: R_h and the preimage (PSBT_IN_SHA256), at once.', createHtlcSuccessPsbt(fromSender), success, { 0: 'success' }, sv.tx) };
  out['htlc-success-receiver-version'] = { ...common, preimage: toHex(x!.preimage), ...claimCase('The receiver\'s success claim on the receiver\'s version: R_h and the preimage (PSBT_IN_SHA256), nSequence D.', createHtlcSuccessPsbt(fromReceiver), success, { 0: 'success' }, rv) };
  out['htlc-timeout-sender-version'] = { ...common, ...claimCase('The sender\'s timeout claim on the sender\'s version: S_p alone, nLockTime E and nSequence D.', createHtlcTimeoutPsbt(fromSender), timeout, { 0: 'timeout' }, sv.tx) };
  out['htlc-timeout-receiver-version'] = { ...common, ...claimCase('The sender\'s timeout claim on the receiver\'s version: S_p alone, nLockTime E.', createHtlcTimeoutPsbt(fromReceiver), timeout, { 0: 'timeout' }, rv) };

  const revoked = senderVersion(channel, 4, 150_000n, THREE.map((h) => h.htlc));
  const penalty = createPenaltyPsbt({ channel, revokedTx: revoked.tx.toBuffer(), updateKey: revoked.updateKey, destinationScript: DEST, feeRate: 2000n, htlcs: THREE.map((h) => h.htlc) });
  const signPenalty = (p: Psbt) => {
    p.data.inputs.forEach((input, i) => {
      if (input.witnessScript === undefined) signPsbtInput(p, i, keys.receiverPayout.priv);
      else {
        signPsbtInput(p, i, keys.update(4).priv);
        signPsbtInput(p, i, keys.receiverRevocation.priv);
      }
    });
  };
  const branches = Object.fromEntries(penalty.data.inputs.flatMap((input, i) => (input.witnessScript ? [[i, 'penalty']] : [])));
  out['penalty-3-htlcs'] = {
    ...common,
    ...claimCase('The penalty on the revoked sender\'s version of state 4 with three HTLCs (one trimmed): the receiver\'s output, the revocable output and both HTLC outputs in one transaction.', penalty, signPenalty, branches, revoked.tx),
  };
  return out;
}

/** The file text: two-space JSON and a final newline. */
export function serializeHtlcFixture(c: Record<string, unknown>): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}
