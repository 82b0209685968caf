/**
 * Bad arguments for the child-pays-for-parent builder and signer. The parent
 * is a signed sender's version of the test channel; the child spends the
 * receiver's output of it with the receiver's payout key, as a receiver whose
 * payment is stuck would.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  CpfpParams, CpfpReachParams, MAX_MONEY, PaymentSigner, cpfpMaxWeight, feeForWeight, p2wpkhScript, p2wshScript, verifyChannelParams,
} from '../../../lib';
import { DELETE, Ref } from '../../support/bad-inputs-codec';
import { VARIANTS, channelParams } from '../../support/channel';
import { keys, testKey } from '../../support/keys';
import { Collector } from './builders';
import { BAD_DESTINATIONS, BAD_KEYS, BAD_PRIVATE_KEYS, validPub } from './values';

const { channel } = channelParams(VARIANTS[0]!.variant);
const ctx = verifyChannelParams(channel);
const sender = new PaymentSigner(ctx, 'sender', keys.senderFunding.priv);
const receiver = new PaymentSigner(ctx, 'receiver', keys.receiverFunding.priv);
const updateKey = keys.update(5).pub;
const parent: Transaction = sender.completeSenderVersion(5n, 300_000n, updateKey, receiver.sign(sender.senderVersionHash(5n, 300_000n, updateKey)));
const receiverScript = p2wpkhScript(keys.receiverPayout.pub);
const vout = parent.outs.findIndex((o) => Buffer.from(o.script).equals(Buffer.from(receiverScript)));
const value = parent.outs[vout]!.value;
const dest = p2wpkhScript(testKey('cpfp destination').pub);

export const CPFP_BASELINES: Record<string, unknown> = {
  cpfp: {
    parent: parent.toBuffer(), vout, outputKey: keys.receiverPayout.pub, parentFee: ctx.paymentFee, packageFeeRate: 5000n, destinationScript: dest,
  } satisfies CpfpParams,
  cpfpKey: keys.receiverPayout.priv,
  cpfpReach: { parent: parent.toBuffer(), vout, parentFee: ctx.paymentFee, destinationScript: dest } satisfies CpfpReachParams,
};

/** parentFee that leaves the child's output at exactly `left` sat at `rate` (a rate high enough that the package part decides). */
function parentFeeLeaving(left: bigint, rate: bigint, destination = dest): bigint {
  return feeForWeight(parent.weight() + cpfpMaxWeight(destination.length), rate) - (value - left);
}
const p2wshDest = p2wshScript(Uint8Array.of(0x51));

export function cpfpCases(col: Collector): void {
  const p = (changes: Record<string, unknown> = {}) => new Ref('cpfp', changes);
  const both = (name: string, changes: Record<string, unknown>, code: Parameters<Collector['bad']>[3]) => {
    col.bad('buildCpfpTx', name, [p(changes)], code);
    col.bad('signCpfpTx', name, [p(changes), new Ref('cpfpKey')], code);
  };
  const other = parent.outs.findIndex((_o, i) => i !== vout);

  col.bad('buildCpfpTx', 'null parameters', [null], 'INVALID_ARGUMENT');
  col.bad('signCpfpTx', 'null parameters', [null, new Ref('cpfpKey')], 'INVALID_ARGUMENT');
  both('a parent that does not parse', { parent: Uint8Array.from([1, 2, 3]) }, 'INVALID_TRANSACTION');
  both('an empty parent', { parent: new Uint8Array(0) }, 'INVALID_TRANSACTION');
  both('a parent with a trailing byte', { parent: Uint8Array.from([...parent.toBuffer(), 0]) }, 'INVALID_TRANSACTION');
  both('a parent truncated by one byte', { parent: parent.toBuffer().subarray(0, -1) }, 'INVALID_TRANSACTION');
  both('the parent as hex', { parent: parent.toHex() }, 'INVALID_TRANSACTION');
  both('no parent', { parent: DELETE }, 'INVALID_TRANSACTION');
  both('a negative vout', { vout: -1 }, 'INVALID_ARGUMENT');
  both('a fractional vout', { vout: 0.5 }, 'INVALID_ARGUMENT');
  both('a vout above 2^32-1', { vout: 2 ** 32 }, 'INVALID_ARGUMENT');
  both('a vout past the parent\'s outputs', { vout: parent.outs.length }, 'INVALID_ARGUMENT');
  both('the revocable P2WSH output', { vout: other }, 'INVALID_SCRIPT');
  both('another key than the output pays', { outputKey: validPub }, 'INVALID_SCRIPT');
  for (const k of BAD_KEYS) both(`outputKey: ${k.name}`, { outputKey: k.key }, 'INVALID_KEY');
  both('a zero parent fee', { parentFee: 0n }, 'INVALID_AMOUNT');
  both('a negative parent fee', { parentFee: -1n }, 'INVALID_AMOUNT');
  both('a parent fee above 21e6 BTC', { parentFee: MAX_MONEY + 1n }, 'INVALID_AMOUNT');
  both('a parent fee given as a number', { parentFee: 1000 }, 'INVALID_AMOUNT');
  both('a negative package fee rate', { packageFeeRate: -1n }, 'INVALID_FEE_RATE');
  both('a package fee rate above 1e8 sat/kw', { packageFeeRate: 100_000_001n }, 'INVALID_FEE_RATE');
  both('a package fee rate given as a number', { packageFeeRate: 5000 }, 'INVALID_FEE_RATE');
  both('a negative minimum fee rate', { minFeeRate: -1n }, 'INVALID_FEE_RATE');
  both('a minimum fee rate given as a number', { minFeeRate: 253 }, 'INVALID_FEE_RATE');
  for (const d of BAD_DESTINATIONS) both(`destination: ${d.name}`, { destinationScript: d.script }, 'INVALID_SCRIPT');
  both('a package rate whose fee eats the output', { packageFeeRate: 100_000_000n }, 'FEE_EXCEEDS_OUTPUT');
  both('a minimum rate whose fee eats the output', { minFeeRate: 100_000_000n }, 'FEE_EXCEEDS_OUTPUT');
  both('a fee leaving 293 sat, below P2WPKH dust', { packageFeeRate: 400_000n, parentFee: parentFeeLeaving(293n, 400_000n) }, 'FEE_EXCEEDS_OUTPUT');
  both('a fee leaving 329 sat to a P2WSH, below its dust', {
    packageFeeRate: 400_000n, parentFee: parentFeeLeaving(329n, 400_000n, p2wshDest), destinationScript: p2wshDest,
  }, 'FEE_EXCEEDS_OUTPUT');
  for (const [name, key] of [
    ['the receiver\'s revocation key', keys.receiverRevocation.priv],
    ['the sender\'s payout key', keys.senderPayout.priv],
    ...BAD_PRIVATE_KEYS.map((k) => [k.name, k.key] as const),
  ] as const) {
    col.bad('signCpfpTx', `signed with ${name}`, [p(), key], 'INVALID_KEY');
  }

  for (const [t, extra] of [['buildCpfpTx', []], ['signCpfpTx', [new Ref('cpfpKey')]]] as const) {
    col.ok(t, 'the receiver\'s output of a sender\'s version', [p(), ...extra]);
    col.ok(t, 'a parent already paying the package rate (the child pays its own floor)', [p({ parentFee: 100_000n }), ...extra]);
    col.ok(t, 'a minimum rate of its own', [p({ minFeeRate: 1000n }), ...extra]);
    col.ok(t, 'a P2WSH destination', [p({ destinationScript: p2wshDest }), ...extra]);
    col.ok(t, 'a fee leaving exactly 294 sat', [p({ packageFeeRate: 400_000n, parentFee: parentFeeLeaving(294n, 400_000n) }), ...extra]);
    col.ok(t, 'a fee leaving exactly 330 sat to a P2WSH', [p({ packageFeeRate: 400_000n, parentFee: parentFeeLeaving(330n, 400_000n, p2wshDest), destinationScript: p2wshDest }), ...extra]);
  }

  const reach = (changes: Record<string, unknown> = {}) => new Ref('cpfpReach', changes);
  const t = 'maxCpfpPackageFeeRate';
  col.ok(t, 'the receiver\'s output of a sender\'s version', [reach()]);
  col.ok(t, 'a parent that paid no fee', [reach({ parentFee: 0n })]);
  col.ok(t, 'a P2WSH destination', [reach({ destinationScript: p2wshDest })]);
  col.bad(t, 'null parameters', [null], 'INVALID_ARGUMENT');
  col.bad(t, 'a parent that does not parse', [reach({ parent: Uint8Array.from([1, 2, 3]) })], 'INVALID_TRANSACTION');
  col.bad(t, 'the parent as hex', [reach({ parent: parent.toHex() })], 'INVALID_TRANSACTION');
  col.bad(t, 'a negative vout', [reach({ vout: -1 })], 'INVALID_ARGUMENT');
  col.bad(t, 'a vout past the parent\'s outputs', [reach({ vout: parent.outs.length })], 'INVALID_ARGUMENT');
  col.bad(t, 'a negative parent fee', [reach({ parentFee: -1n })], 'INVALID_AMOUNT');
  col.bad(t, 'a parent fee given as a number', [reach({ parentFee: 1000 })], 'INVALID_AMOUNT');
  for (const d of BAD_DESTINATIONS) col.bad(t, `destination: ${d.name}`, [reach({ destinationScript: d.script })], 'INVALID_SCRIPT');
}
