/**
 * Claims of an HTLC output of a confirmed payment version, each by one party
 * alone, so nothing is pre-signed and the claimant picks the fee when it
 * claims. Success (the receiver, with the preimage): from the sender's
 * version at once, from the receiver's version D blocks after it confirmed.
 * Timeout (the sender): from nLockTime E, and on the sender's version also
 * D blocks after it confirmed. The output is found by recomputing its
 * script, never by an index someone reports.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectBytes, expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual, sha256 } from '../../../core/hash';
import {
  FeeRate, PrivateKey, PublicKey, absoluteLockValue, asPrivateKey, asPublicKey, checkFeeRate, derivePublicKey, feeForWeight, relativeLockValue,
} from '../../../core/types';
import { ScriptTemplate } from '../../../script/templates';
import { assembleWitness, maxWitnessSize } from '../../../script/witness';
import { Htlc, checkHtlcs } from '../../../tx/htlcs';
import { checkDestinationScript, dustLimit, p2wshScript } from '../../../tx/outputs';
import { SIGHASH_ALL } from '../../../tx/sighash';
import { signSighash } from '../../../tx/signature';
import { RBF_SEQUENCE, TX_VERSION } from '../../../tx/spend';
import { segwitTxWeight } from '../../../tx/weights';
import { ChannelContext, ChannelParams, verifyChannelParams } from '../params';
import { HTLC_RECEIVER_TEMPLATE, HTLC_SENDER_TEMPLATE } from '../templates';
import { htlcWitnessScript } from './htlc-version';
import { PaymentVersion } from './payment';
import { parseChannelSpend } from './revocable-spend';

/** Which claim of an HTLC output. */
export type HtlcClaimKind = 'success' | 'timeout';

/** What fixes a claim of one HTLC output. */
export interface HtlcClaimParams {
  /** The channel's parameters (with its HTLC terms), checked on each call. */
  readonly channel: ChannelParams;
  /** Whose version confirmed. */
  readonly version: PaymentVersion;
  /** That version as seen on chain. */
  readonly versionTx: Uint8Array;
  /** K_i of the state, for the sender's version (its HTLC scripts hold it). */
  readonly updateKey?: PublicKey;
  /** The HTLC claimed. */
  readonly htlc: Htlc;
  /** Where the claim pays: a standard output script of the claimant's wallet. */
  readonly destinationScript: Uint8Array;
  /** The claim's fee rate, sat/kw, chosen now. */
  readonly feeRate: FeeRate;
}

/** The HTLC output a claim spends. */
export interface HtlcClaimOutput {
  /** Its index in the version. */
  readonly vout: number;
  /** Its value. */
  readonly value: bigint;
  /** Its witness script. */
  readonly witnessScript: Uint8Array;
  /** The template of that script. */
  readonly template: ScriptTemplate;
}

/** An unsigned HTLC claim and what signing it needs. */
export interface HtlcClaimPlan {
  /** The unsigned claim. */
  readonly tx: Transaction;
  /** Which claim. */
  readonly kind: HtlcClaimKind;
  /** The output it spends. */
  readonly output: HtlcClaimOutput;
  /** The fee it pays. */
  readonly fee: bigint;
}

/**
 * The weight of an HTLC claim: one input taking `kind`'s branch of the
 * version's HTLC template, one output.
 *
 * @param version - Whose version holds the HTLC output.
 * @param kind - Success or timeout.
 * @param destinationLength - The length of the claim's output script.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `version` or `kind` is not one of its values or `destinationLength` is not a non-negative integer.
 */
export function htlcClaimWeight(version: PaymentVersion, kind: HtlcClaimKind, destinationLength: number): number {
  if (version !== 'sender' && version !== 'receiver') fail('INVALID_ARGUMENT', 'version must be sender or receiver');
  if (kind !== 'success' && kind !== 'timeout') fail('INVALID_ARGUMENT', 'kind must be success or timeout');
  const t = version === 'sender' ? HTLC_SENDER_TEMPLATE : HTLC_RECEIVER_TEMPLATE;
  return segwitTxWeight([{ scriptSigLength: 0, witnessSize: maxWitnessSize(t, kind) }], [destinationLength]);
}

/**
 * The HTLC output of a payment version, found by recomputing its script.
 *
 * @param ctx - From {@link verifyChannelParams}, with HTLC terms.
 * @param p - The version, its transaction, K_i for the sender's version, and the HTLC.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `ctx` is not a checked context or has no HTLC terms, `p` is not an object, the HTLC is malformed, or K_i is missing for the sender's version.
 * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if the HTLC's amount is out of range.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if the HTLC's expiry is not a valid absolute lock.
 * @throws {@link ChannelError} `INVALID_TRANSACTION` if `versionTx` does not parse or does not spend the funding output alone.
 * @throws {@link ChannelError} `NOTHING_TO_CLAIM` if the version has no output for this HTLC (trimmed, or another state's).
 */
export function findHtlcOutput(ctx: ChannelContext, p: Omit<HtlcClaimParams, 'channel' | 'destinationScript' | 'feeRate'>): {
  /** The parsed version. */
  tx: Transaction;
  /** Its output of this HTLC. */
  output: HtlcClaimOutput;
} {
  expectObject(p, 'htlc claim params');
  if (p.version !== 'sender' && p.version !== 'receiver') fail('INVALID_ARGUMENT', 'version must be sender or receiver');
  checkHtlcs([p.htlc]);
  let updateKey: PublicKey | undefined;
  if (p.version === 'sender') {
    if (p.updateKey === undefined) fail('INVALID_ARGUMENT', 'a claim on the sender\'s version needs its update key');
    updateKey = asPublicKey(p.updateKey, 'updateKey');
  }
  const witnessScript = htlcWitnessScript(ctx, p.version, p.htlc, updateKey);
  const tx = parseChannelSpend(ctx, expectBytes(p.versionTx, 'versionTx'));
  const spk = p2wshScript(witnessScript);
  const vout = tx.outs.findIndex((o) => bytesEqual(o.script, spk));
  if (vout < 0) fail('NOTHING_TO_CLAIM', `the ${p.version}'s version has no output for this HTLC`);
  const template = p.version === 'sender' ? HTLC_SENDER_TEMPLATE : HTLC_RECEIVER_TEMPLATE;
  return { tx, output: { vout, value: tx.outs[vout]!.value, witnessScript, template } };
}

/**
 * The unsigned claim of an HTLC output with what signing it needs.
 *
 * @param ctx - From {@link verifyChannelParams}, with HTLC terms.
 * @param kind - Success (receiver) or timeout (sender).
 * @param p - The version, its transaction, K_i for the sender's version, the HTLC, the destination and the fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `kind` is neither claim, or as {@link findHtlcOutput}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_TRANSACTION` or `NOTHING_TO_CLAIM` as {@link findHtlcOutput}.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `destinationScript` is not a standard destination.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `feeRate` is not a valid fee rate.
 * @throws {@link ChannelError} `FEE_EXCEEDS_OUTPUT` if the fee leaves a dust output.
 */
export function planHtlcClaim(ctx: ChannelContext, kind: HtlcClaimKind, p: HtlcClaimParams): HtlcClaimPlan {
  expectObject(p, 'htlc claim params');
  if (kind !== 'success' && kind !== 'timeout') fail('INVALID_ARGUMENT', 'kind must be success or timeout');
  checkDestinationScript(p.destinationScript);
  checkFeeRate(p.feeRate);
  const { tx: version, output } = findHtlcOutput(ctx, p);
  const delay = relativeLockValue(ctx.params.htlc!.delay);

  const tx = new Transaction();
  tx.version = TX_VERSION;
  let sequence = RBF_SEQUENCE;
  tx.locktime = 0;
  if (kind === 'timeout') {
    tx.locktime = absoluteLockValue(p.htlc.expiry);
    if (p.version === 'sender') sequence = delay;
  } else if (p.version === 'receiver') {
    sequence = delay;
  }
  tx.addInput(version.getHash(), output.vout, sequence);
  const fee = feeForWeight(htlcClaimWeight(p.version, kind, p.destinationScript.length), p.feeRate);
  if (output.value - fee < dustLimit(p.destinationScript)) fail('FEE_EXCEEDS_OUTPUT', 'the claim\'s fee leaves a dust output', { fee: fee.toString() });
  tx.addOutput(p.destinationScript, output.value - fee);
  return { tx, kind, output, fee };
}

/**
 * The unsigned success claim of an HTLC output (the receiver, with the
 * preimage): from the sender's version at once, from the receiver's version
 * with nSequence D.
 *
 * @param p - The channel, the version and its transaction, K_i for the sender's version, the HTLC, the destination and the fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, the channel has no HTLC terms, the HTLC is malformed, or K_i is missing for the sender's version.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM`, `INVALID_SCRIPT`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` as {@link planHtlcClaim}.
 *
 * @example
 * ```ts
 * const claim = buildHtlcSuccessTx({ channel, version: 'receiver', versionTx, htlc, destinationScript, feeRate: 2000n });
 * ```
 */
export function buildHtlcSuccessTx(p: HtlcClaimParams): Transaction {
  expectObject(p, 'htlc claim params');
  return planHtlcClaim(verifyChannelParams(p.channel), 'success', p).tx;
}

/**
 * The unsigned timeout claim of an HTLC output (the sender): nLockTime E,
 * and on the sender's version nSequence D.
 *
 * @param p - The channel, the version and its transaction, K_i for the sender's version, the HTLC, the destination and the fee rate.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is not an object, the channel has no HTLC terms, the HTLC is malformed, or K_i is missing for the sender's version.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `channel` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_KEY`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM`, `INVALID_SCRIPT`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` as {@link planHtlcClaim}.
 *
 * @example
 * ```ts
 * const claim = buildHtlcTimeoutTx({ channel, version: 'sender', versionTx, updateKey, htlc, destinationScript, feeRate: 2000n });
 * ```
 */
export function buildHtlcTimeoutTx(p: HtlcClaimParams): Transaction {
  expectObject(p, 'htlc claim params');
  return planHtlcClaim(verifyChannelParams(p.channel), 'timeout', p).tx;
}

/**
 * The success claim, signed with the receiver's HTLC key, the preimage in its witness.
 *
 * @param p - As {@link buildHtlcSuccessTx}.
 * @param keys - The preimage P of the HTLC's hash and the private key of the channel's `receiverHtlcKey`.
 * @returns The signed claim; the node takes it at once from the sender's version, D blocks after confirmation from the receiver's.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `keys` is not an object or `preimage` not bytes, or as {@link buildHtlcSuccessTx}.
 * @throws {@link ChannelError} `HTLC_PREIMAGE_MISMATCH` if `preimage` is not 32 bytes whose SHA-256 is the HTLC's hash.
 * @throws {@link ChannelError} `INVALID_KEY` if `receiverHtlcKey` is malformed or not the channel's, or as {@link buildHtlcSuccessTx}.
 * @throws {@link ChannelError} `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE`, `FEE_EXCEEDS_OUTPUT`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM` or `INVALID_SCRIPT` as {@link buildHtlcSuccessTx}.
 *
 * @example
 * ```ts
 * const claim = signHtlcSuccessTx({ channel, version: 'sender', versionTx, updateKey, htlc, destinationScript, feeRate }, { preimage, receiverHtlcKey });
 * ```
 */
export function signHtlcSuccessTx(p: HtlcClaimParams, keys: {
  /** P, with SHA256(P) the HTLC's hash. */
  readonly preimage: Uint8Array;
  /** The private key of the channel's R_h. */
  readonly receiverHtlcKey: PrivateKey;
}): Transaction {
  expectObject(p, 'htlc claim params');
  expectObject(keys, 'htlc success keys');
  const ctx = verifyChannelParams(p.channel);
  const plan = planHtlcClaim(ctx, 'success', p);
  checkPreimage(keys.preimage, p.htlc.hash);
  asPrivateKey(keys.receiverHtlcKey, 'receiverHtlcKey');
  if (!bytesEqual(derivePublicKey(keys.receiverHtlcKey), ctx.params.htlc!.receiverHtlcKey)) fail('INVALID_KEY', 'the HTLC key does not match the channel\'s');
  const { tx, output } = plan;
  const hash = tx.hashForWitnessV0(0, output.witnessScript, output.value, SIGHASH_ALL);
  tx.setWitness(0, assembleWitness(output.template, 'success', { R_h: signSighash(hash, keys.receiverHtlcKey) }, output.witnessScript, { H: keys.preimage }));
  return tx;
}

/**
 * The timeout claim, signed with the sender's payout key.
 *
 * @param p - As {@link buildHtlcTimeoutTx}.
 * @param senderPayoutKey - The private key of the channel's `senderPayoutKey`.
 * @returns The signed claim; the node takes it from E (and, on the sender's version, D blocks after confirmation).
 * @throws {@link ChannelError} `INVALID_KEY` if `senderPayoutKey` is malformed or not the channel's, or as {@link buildHtlcTimeoutTx}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE`, `FEE_EXCEEDS_OUTPUT`, `INVALID_TRANSACTION`, `NOTHING_TO_CLAIM` or `INVALID_SCRIPT` as {@link buildHtlcTimeoutTx}.
 *
 * @example
 * ```ts
 * const claim = signHtlcTimeoutTx({ channel, version: 'sender', versionTx, updateKey, htlc, destinationScript, feeRate }, senderPayoutKey);
 * ```
 */
export function signHtlcTimeoutTx(p: HtlcClaimParams, senderPayoutKey: PrivateKey): Transaction {
  expectObject(p, 'htlc claim params');
  const ctx = verifyChannelParams(p.channel);
  const { tx, output } = planHtlcClaim(ctx, 'timeout', p);
  asPrivateKey(senderPayoutKey, 'senderPayoutKey');
  if (!bytesEqual(derivePublicKey(senderPayoutKey), ctx.params.senderPayoutKey)) fail('INVALID_KEY', 'sender payout key does not match the channel');
  const hash = tx.hashForWitnessV0(0, output.witnessScript, output.value, SIGHASH_ALL);
  tx.setWitness(0, assembleWitness(output.template, 'timeout', { S_p: signSighash(hash, senderPayoutKey) }, output.witnessScript));
  return tx;
}

/**
 * Check a preimage against an HTLC's hash: 32 bytes (the script checks SIZE 32) hashing to it.
 *
 * @param preimage - P.
 * @param hash - H.
 * @returns `preimage`, unchanged.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `preimage` is not bytes or `hash` not 32 bytes.
 * @throws {@link ChannelError} `HTLC_PREIMAGE_MISMATCH` if `preimage` is not 32 bytes or its SHA-256 is not `hash`.
 */
export function checkPreimage(preimage: Uint8Array, hash: Uint8Array): Uint8Array {
  expectBytes(preimage, 'preimage');
  expectBytes(hash, 'hash', 32);
  if (preimage.length !== 32) fail('HTLC_PREIMAGE_MISMATCH', `a preimage is 32 bytes, not ${preimage.length}`);
  if (!bytesEqual(sha256(preimage), hash)) fail('HTLC_PREIMAGE_MISMATCH', 'the preimage does not hash to the HTLC\'s hash');
  return preimage;
}
