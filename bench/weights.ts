/**
 * Weight and vsize of every transaction kind in both variants, made by the
 * real builders and signed: the maximum the fee is computed from (signatures
 * counted at 73 bytes) and the weight of the signed transaction, next to the
 * BOLT figures for the Lightning transactions that play the same part.
 */
import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import {
  CLOSE_WEIGHT, ChannelParams, FUNDING_SPEND_INPUT, Htlc, P2WPKH_INPUT, PAYMENT_WEIGHT, PaymentSigner, PaymentVersionParams, PrivateKey, SIGHASH_ALL,
  derivePublicKey, htlcClaimWeight, p2wpkhScriptCode, paymentWeightWithHtlcs, penaltyWeight, segwitTxWeight, signHtlcSuccessTx, signHtlcTimeoutTx,
  signPenaltyTx, signSighash, timeoutWeight,
} from '../lib';
import { VARIANTS, WALLET_EXTRA, benchKey, openChannel, payOnce, receiverSecrets, senderSecrets, walletKey, walletScript } from './parties';
import { Row } from './report';

/** A P2WSH destination, the largest standard output, as BOLT 5's penalty figures assume. */
const P2WSH_DESTINATION = Uint8Array.from([0x00, 0x20, ...new Uint8Array(32).fill(0x5a)]);
const FEE_RATE = 1000n;

/**
 * BOLT 3 Appendix A, "Expected Weight of the Commitment Transaction": 500 + 172 * num-htlc-outputs + 224,
 * so 724 with no HTLCs, counting the to_local (P2WSH) and to_remote (P2WPKH) outputs and 73-byte signatures.
 */
export const BOLT3_COMMITMENT_NO_HTLC = 724;
/**
 * BOLT 5 "Penalty Transactions Weight Calculation": to_local_penalty_input_weight 324 (164 + a 160-byte
 * witness), the rest of the transaction 4 * 53 with one P2WSH output, plus the 2-byte witness header.
 */
export const BOLT5_PENALTY_TO_LOCAL = 324 + 4 * 53 + 2;
/** The same, also sweeping the to_remote P2WPKH output: 108 + 164 = 272 more. */
export const BOLT5_PENALTY_TO_LOCAL_AND_REMOTE = BOLT5_PENALTY_TO_LOCAL + 272;

/** BOLT 3 Appendix A: a commitment's weight with n HTLC outputs (no anchors). */
export const bolt3Commitment = (n: number) => 500 + 172 * n + 224;
/** BOLT 3 Appendix A: the second-stage HTLC-timeout and HTLC-success transactions (no anchors). */
export const BOLT3_HTLC_TIMEOUT = 663;
export const BOLT3_HTLC_SUCCESS = 703;

const vsize = (weight: number) => Math.ceil(weight / 4);

interface RowOptions {
  /** The BOLT transaction playing the same part, and its weight. */
  readonly bolt?: { readonly weight: number; readonly what: string };
  /** Where it differs from the fee weight: the most this transaction's own shape can weigh. */
  readonly shapeMax?: number;
  readonly note?: string;
  readonly detail?: string;
}

/** `maxWeight` is the figure the builders charge the fee on (payment versions all pay for the largest one). */
function row(name: string, variant: string, maxWeight: number, tx: Transaction, o: RowOptions = {}): Row {
  const signed = tx.weight();
  const shapeMax = o.shapeMax ?? maxWeight;
  if (signed > shapeMax || shapeMax > maxWeight) throw new Error(`${name}: signed weight ${signed} above the builders' maximum ${shapeMax}`);
  const parts = [`${vsize(maxWeight)} vB; signed ${signed} wu, ${tx.virtualSize()} vB`];
  if (shapeMax !== maxWeight) parts.push(`shape max ${shapeMax}`);
  if (o.note) parts.push(o.note);
  return {
    section: 'weights', name: `${name} (${variant})`, value: maxWeight, unit: 'wu',
    ...(o.bolt ? { ratio: maxWeight / o.bolt.weight, ratioOf: `of ${o.bolt.what} ${o.bolt.weight}` } : {}),
    note: parts.join('; '),
    ...(o.detail ? { detail: o.detail } : {}),
    data: { maxWeight, maxVsize: vsize(maxWeight), shapeMax, signedWeight: signed, signedVsize: tx.virtualSize(), ...(o.bolt ? { bolt: o.bolt.weight } : {}) },
  };
}

function signFunding(tx: Transaction, value: bigint): Transaction {
  const hash = tx.hashForWitnessV0(0, p2wpkhScriptCode(walletScript), value, SIGHASH_ALL);
  tx.setWitness(0, [signSighash(hash, walletKey), derivePublicKey(walletKey)]);
  return tx;
}

export function runWeights(): Row[] {
  const rows: Row[] = [];
  for (const [k, { name, variant }] of VARIANTS.entries()) {
    const c = openChannel(variant, 60 + k);
    const ctx = c.sender.context;
    const t = ctx.revocableTemplate;
    if (k === 0) {
      const funding = signFunding(c.fundingTx.clone(), ctx.params.capacity + WALLET_EXTRA);
      rows.push(row('funding, 1 P2WPKH input, change', 'both', segwitTxWeight([P2WPKH_INPUT], [34, walletScript.length]), funding));
    }
    const refund = c.sender.latestTransaction();
    const refundShape = segwitTxWeight([FUNDING_SPEND_INPUT], [34]);
    rows.push(row('sender version, state 0 (refund)', name, PAYMENT_WEIGHT, refund, {
      shapeMax: refundShape, detail: `fee charged on ${PAYMENT_WEIGHT} wu, as for every version; with the revocable output alone this shape is at most ${refundShape} wu`,
    }));
    payOnce(c, 100_000n);
    const revoked = c.sender.latestTransaction();
    payOnce(c, 100_000n);
    payOnce(c, 100_000n);
    const latest = c.sender.latestTransaction();
    rows.push(row('sender version, state i', name, PAYMENT_WEIGHT, latest, {
      bolt: { weight: BOLT3_COMMITMENT_NO_HTLC, what: 'BOLT 3 commitment' },
      detail: 'BOLT 3 Appendix A: 500 + 172 * num-htlc-outputs + 224 weight, 724 with no HTLC, counting to_local (P2WSH) and to_remote (P2WPKH) and 73-byte signatures: the same shape',
    }));
    const receiverShape = segwitTxWeight([FUNDING_SPEND_INPUT], [22, 22]);
    rows.push(row('receiver version, state i', name, PAYMENT_WEIGHT, c.receiver.latestTransaction()!, {
      shapeMax: receiverShape, detail: `fee charged on ${PAYMENT_WEIGHT} wu, as for every version, so both versions carry the same amounts; with two P2WPKH outputs this shape is at most ${receiverShape} wu`,
    }));
    const secret = c.receiver.revocationStore.getState(1n)! as PrivateKey;
    const alone = signPenaltyTx(
      { channel: ctx.params, revokedTx: revoked.toBuffer(), updateKey: derivePublicKey(secret), destinationScript: P2WSH_DESTINATION, feeRate: FEE_RATE, sweepReceiverOutput: false },
      { updateSecret: secret, revocationKey: receiverSecrets.revocationKey },
    );
    rows.push(row('penalty, revocable output, to P2WSH', name, penaltyWeight(t, false, P2WSH_DESTINATION.length), alone, {
      bolt: { weight: BOLT5_PENALTY_TO_LOCAL, what: 'BOLT 5 to_local penalty' }, note: '2 signatures, BOLT 1',
      detail: 'BOLT 5: to_local_penalty_input_weight 324 (164 + a 160-byte witness with one signature and an 83-byte script) + 4 * 53 + 2 = 538 with one P2WSH output. Ours signs with K_i and R_r, and its script is longer',
    }));
    const both = c.receiver.penaltyTx(revoked.toBuffer(), P2WSH_DESTINATION, FEE_RATE);
    rows.push(row('penalty, revocable + own output, to P2WSH', name, penaltyWeight(t, true, P2WSH_DESTINATION.length), both, {
      bolt: { weight: BOLT5_PENALTY_TO_LOCAL_AND_REMOTE, what: 'BOLT 5 + to_remote' }, note: 'Receiver.penaltyTx',
      detail: 'BOLT 5: sweeping to_remote too adds a P2WPKH input, 108 + 164 = 272, so 810',
    }));
    rows.push(row('timeout sweep, to P2WSH', name, timeoutWeight(t, P2WSH_DESTINATION.length), c.sender.timeoutSweep(latest.toBuffer(), P2WSH_DESTINATION, FEE_RATE)));
    const { tx: close } = c.receiver.onCloseOffer(c.sender.proposeClose(FEE_RATE));
    rows.push(row('cooperative close', name, CLOSE_WEIGHT, close));
    if (variant.kind === 'csv') rows.push(...htlcRows(ctx.params, name));
  }
  return rows;
}

function preimageOf(label: string): { preimage: Uint8Array; hash: Uint8Array } {
  const preimage = createHash('sha256').update(`revchan bench preimage ${label}`).digest();
  return { preimage: Uint8Array.from(preimage), hash: Uint8Array.from(createHash('sha256').update(preimage).digest()) };
}

/** Payment versions with 1, 10 and 100 HTLC outputs next to BOLT 3's commitment, and both HTLC claims next to BOLT 3's second-stage transactions. */
function htlcRows(params: ChannelParams, name: string): Row[] {
  const htlcKey = benchKey('receiver htlc');
  const channel: ChannelParams = { ...params, htlc: { receiverHtlcKey: derivePublicKey(htlcKey), delay: { blocks: 144 }, maxDustExposure: 5_000n } };
  const sender = new PaymentSigner(channel, 'sender', senderSecrets.fundingKey);
  const receiver = new PaymentSigner(channel, 'receiver', receiverSecrets.fundingKey);
  const updateKey = derivePublicKey(benchKey('htlc update key'));
  const rows: Row[] = [];
  let claimed: { tx: Transaction; htlc: Htlc; preimage: Uint8Array } | undefined;
  for (const n of [1, 10, 100]) {
    const made = Array.from({ length: n }, (_, i) => ({ ...preimageOf(`${n}/${i}`), amount: 10_000n + BigInt(i) }));
    const htlcs: Htlc[] = made.map((m, i) => ({ amount: m.amount, hash: m.hash, expiry: { height: 900_000 + i } }));
    const p: PaymentVersionParams = { version: 'sender', amount: 1_000_000n, updateKey, htlcs };
    const tx = sender.completeVersion(5n, p, receiver.sign(receiver.versionHash(5n, p)));
    rows.push(row(`sender version, ${n} HTLC${n > 1 ? 's' : ''}`, name, paymentWeightWithHtlcs(n), tx, {
      bolt: { weight: bolt3Commitment(n), what: 'BOLT 3 commitment' },
      detail: `BOLT 3 Appendix A: 500 + 172 * ${n} + 224 = ${bolt3Commitment(n)}; each HTLC output adds 172 wu here as there`,
    }));
    if (n === 1) {
      const rp: PaymentVersionParams = { version: 'receiver', amount: 1_000_000n, htlcs };
      claimed = { tx: sender.completeVersion(5n, rp, receiver.sign(receiver.versionHash(5n, rp))), htlc: htlcs[0]!, preimage: made[0]!.preimage };
    }
  }
  const { tx: rv, htlc, preimage } = claimed!;
  const base = { channel, versionTx: rv.toBuffer(), htlc, destinationScript: P2WSH_DESTINATION, feeRate: FEE_RATE };
  const success = signHtlcSuccessTx({ ...base, version: 'receiver' }, { preimage, receiverHtlcKey: htlcKey });
  rows.push(row('HTLC success claim (receiver\'s version), to P2WSH', name, htlcClaimWeight('receiver', 'success', P2WSH_DESTINATION.length), success, {
    bolt: { weight: BOLT3_HTLC_SUCCESS, what: 'BOLT 3 HTLC-success' },
    detail: 'one signature and the preimage, no second stage: BOLT 3\'s HTLC-success (703) is pre-signed by both and still pays to a delayed output',
  }));
  const timeout = signHtlcTimeoutTx({ ...base, version: 'receiver' }, senderSecrets.payoutKey);
  rows.push(row('HTLC timeout claim (receiver\'s version), to P2WSH', name, htlcClaimWeight('receiver', 'timeout', P2WSH_DESTINATION.length), timeout, {
    bolt: { weight: BOLT3_HTLC_TIMEOUT, what: 'BOLT 3 HTLC-timeout' },
  }));
  return rows;
}
