/**
 * Every public builder refuses bad input with a typed ChannelError code, and
 * leaves its arguments exactly as they were, whether it fails or succeeds.
 *
 * The table is built from groups: each bad parameter set of one kind
 * (funding, channel, payment, close, penalty, timeout, signer) is run through
 * every public entry point that takes that kind of parameters, so the raw
 * builders, the PSBT creators and the PaymentSigner all answer the same way.
 */
import { expect } from 'chai';
import { Transaction, script as bscript } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import {
  ChannelError, ChannelParams, CloseParams, CLOSE_WEIGHT, ErrorCode, FundingInput, FundingParams, MAX_MONEY, MAX_STATE,
  PAYMENT_WEIGHT, PaymentSigner, PenaltyKeys, PenaltyParams, PrivateKey, PublicKey, ReceiverPaymentParams,
  SIGHASH_ALL, SenderPaymentParams, TimeoutParams, Variant,
  buildCooperativeCloseTx, buildFundingTx, buildPenaltyTx, buildReceiverPaymentTx, buildSenderPaymentTx, buildTimeoutTx,
  createClosePsbt, createFundingPsbt, createPenaltyPsbt, createReceiverPaymentPsbt, createSenderPaymentPsbt,
  createTimeoutPsbt, feeForWeight, fromHex, hash160, p2wpkhScript, p2wshScript, planFunding, planPenalty, planTimeout,
  signPenaltyTx, signTimeoutTx, toHex, verifyChannelParams,
} from '../lib';
import { keys, testKey } from './support/keys';
import { VARIANTS, channelParams, fundingParams, walletCoin, walletScript } from './support/channel';

// ---------------------------------------------------------------------------
// Snapshots: a deep, exact picture of an argument (bigints and bytes included).

function snapshot(value: unknown): string {
  return JSON.stringify(value, function replacer(this: unknown, _key: string, v: unknown) {
    if (typeof v === 'bigint') return `bigint:${v.toString()}`;
    if (v instanceof Uint8Array) return `bytes:${toHex(v)}`;
    // Buffer.toJSON runs before the replacer: map it back to hex as well.
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return `bytes:${toHex(Uint8Array.from((v as { data: number[] }).data))}`;
    }
    if (v === undefined) return 'undefined';
    if (typeof v === 'number' && !Number.isFinite(v)) return `number:${String(v)}`;
    return v;
  });
}

// ---------------------------------------------------------------------------
// Bad keys, signatures and scripts.

const validPub = testKey('bad key base').pub;
/** 33 bytes with a valid prefix whose x has no point on the curve (x < p). */
function offCurveKey(): Uint8Array {
  for (let x = 1; ; x++) {
    const k = new Uint8Array(33);
    k[0] = 2;
    k[32] = x;
    if (!ecc.isPoint(k)) return k;
  }
}
const BAD_KEYS: { name: string; key: Uint8Array }[] = [
  { name: 'uncompressed 65-byte key', key: ecc.pointCompress(validPub, false) },
  { name: '33 bytes off the curve', key: offCurveKey() },
  { name: '33 bytes with x >= p', key: Uint8Array.from([3, ...new Uint8Array(32).fill(0xff)]) },
  { name: '32-byte x-only key', key: validPub.subarray(1) },
  { name: 'prefix 0x04 on 33 bytes', key: Uint8Array.from([4, ...validPub.subarray(1)]) },
  { name: 'hex string instead of bytes', key: toHex(validPub) as unknown as Uint8Array },
];
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const BAD_PRIVATE_KEYS: { name: string; key: Uint8Array }[] = [
  { name: 'zero private key', key: new Uint8Array(32) },
  { name: 'private key = n', key: fromHex(N.toString(16)) },
  { name: '31-byte private key', key: new Uint8Array(31).fill(1) },
];

const p2pkhScript = (pub: Uint8Array) => Uint8Array.from([0x76, 0xa9, 0x14, ...hash160(pub), 0x88, 0xac]);
const p2shScript = (redeem: Uint8Array) => Uint8Array.from([0xa9, 0x14, ...hash160(redeem), 0x87]);
const BAD_DESTINATIONS: { name: string; script: Uint8Array }[] = [
  { name: 'OP_RETURN', script: Uint8Array.from([0x6a, 0x04, 1, 2, 3, 4]) },
  { name: 'empty script', script: new Uint8Array(0) },
  { name: 'bare OP_TRUE', script: Uint8Array.from([0x51]) },
  { name: 'bare multisig', script: Uint8Array.from([0x51, 0x21, ...validPub, 0x51, 0xae]) },
  { name: 'witness v0 program of 25 bytes', script: Uint8Array.from([0x00, 0x19, ...new Uint8Array(25)]) },
  { name: 'hex string', script: toHex(p2wpkhScript(validPub)) as unknown as Uint8Array },
];

function derToCompact(sig: Uint8Array): Uint8Array {
  return bscript.signature.decode(sig).signature;
}
/** The same signature with s replaced by n - s: valid ECDSA, refused by standard policy. */
function highS(sig: Uint8Array): Uint8Array {
  const c = derToCompact(sig);
  const s = BigInt('0x' + toHex(c.subarray(32)));
  const hs = fromHex((N - s).toString(16).padStart(64, '0'));
  return bscript.signature.encode(Uint8Array.from([...c.subarray(0, 32), ...hs]), SIGHASH_ALL);
}
/** BER, not DER: r padded with a superfluous zero byte (BIP 66 refuses it). */
function paddedR(sig: Uint8Array): Uint8Array {
  const rLen = sig[3]!;
  const body = [2, rLen + 1, 0, ...sig.subarray(4, 4 + rLen), ...sig.subarray(4 + rLen, sig.length - 1)];
  return Uint8Array.from([0x30, body.length, ...body, sig[sig.length - 1]!]);
}

// ---------------------------------------------------------------------------
// A good channel and good parameters of every kind; rows change one thing.

const variant: Variant = VARIANTS[0]!.variant;
const { channel, fundingTx } = channelParams(variant);
const ctx = verifyChannelParams(channel);
const K = (i: number) => keys.update(i);
const dest = p2wpkhScript(testKey('destination').pub);
const senderSigner = new PaymentSigner(ctx, 'sender', keys.senderFunding.priv);
const receiverSigner = new PaymentSigner(ctx, 'receiver', keys.receiverFunding.priv);

function senderVersion(state: number, amount: bigint): Transaction {
  const hash = senderSigner.senderVersionHash(BigInt(state), amount, K(state).pub);
  return senderSigner.completeSenderVersion(BigInt(state), amount, K(state).pub, receiverSigner.sign(hash));
}
const revoked = senderVersion(3, 100_000n);
const latest = senderVersion(5, 300_000n);
const receiverVersion = receiverSigner.completeReceiverVersion(5n, 300_000n, senderSigner.sign(senderSigner.receiverVersionHash(5n, 300_000n)));

const goodSender = (): SenderPaymentParams => ({ channel, state: 7n, amount: 250_000n, updateKey: K(7).pub });
const goodReceiver = (): ReceiverPaymentParams => ({ channel, state: 7n, amount: 250_000n });
const goodClose = (): CloseParams => ({ channel, amount: 400_000n, feeRate: 2500n });
const goodPenalty = (): PenaltyParams => ({ channel, revokedTx: revoked.toBuffer(), updateKey: K(3).pub, destinationScript: dest, feeRate: 2000n });
const goodTimeout = (): TimeoutParams => ({ channel, senderTx: latest.toBuffer(), updateKey: K(5).pub, destinationScript: dest, feeRate: 1000n });
const penaltyKeys: PenaltyKeys = { updateSecret: K(3).priv, revocationKey: keys.receiverRevocation.priv, receiverPayoutKey: keys.receiverPayout.priv };
const anySig = receiverSigner.sign(new Uint8Array(32).fill(7));

/** A coin paying `script`, with a real previous transaction. */
function coin(script: Uint8Array, value: bigint, label: string, extra: Partial<FundingInput> = {}): FundingInput {
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(fromHex(toHex(hash160(new TextEncoder().encode(label))).padEnd(64, '0')), 0);
  prev.addOutput(script, value);
  return { txid: prev.getId(), vout: 0, value, script, prevTx: prev.toBuffer(), ...extra };
}
const fakeTxid = (n: number) => n.toString(16).padStart(64, '0');

// ---------------------------------------------------------------------------
// Entry points by the kind of parameters they take.

type Entry<P> = readonly [name: string, run: (p: P) => unknown];

const FUNDING_ENTRIES: Entry<FundingParams>[] = [
  ['buildFundingTx', (p) => buildFundingTx(p)],
  ['planFunding', (p) => planFunding(p)],
  ['createFundingPsbt', (p) => createFundingPsbt(p)],
];

/** Every entry point that takes channel parameters, given the channel; the other arguments are good. */
const CHANNEL_ENTRIES: Entry<ChannelParams>[] = [
  ['verifyChannelParams', (c) => verifyChannelParams(c)],
  ['buildSenderPaymentTx', (c) => buildSenderPaymentTx({ ...goodSender(), channel: c })],
  ['buildReceiverPaymentTx', (c) => buildReceiverPaymentTx({ ...goodReceiver(), channel: c })],
  ['buildCooperativeCloseTx', (c) => buildCooperativeCloseTx({ ...goodClose(), channel: c })],
  ['buildPenaltyTx', (c) => buildPenaltyTx({ ...goodPenalty(), channel: c })],
  ['signPenaltyTx', (c) => signPenaltyTx({ ...goodPenalty(), channel: c }, penaltyKeys)],
  ['buildTimeoutTx', (c) => buildTimeoutTx({ ...goodTimeout(), channel: c })],
  ['signTimeoutTx', (c) => signTimeoutTx({ ...goodTimeout(), channel: c }, keys.senderPayout.priv)],
  ['createSenderPaymentPsbt', (c) => createSenderPaymentPsbt({ ...goodSender(), channel: c })],
  ['createReceiverPaymentPsbt', (c) => createReceiverPaymentPsbt({ ...goodReceiver(), channel: c })],
  ['createClosePsbt', (c) => createClosePsbt({ ...goodClose(), channel: c })],
  ['createPenaltyPsbt', (c) => createPenaltyPsbt({ ...goodPenalty(), channel: c })],
  ['createTimeoutPsbt', (c) => createTimeoutPsbt({ ...goodTimeout(), channel: c })],
  ['new PaymentSigner (sender)', (c) => new PaymentSigner(c, 'sender', keys.senderFunding.priv)],
  ['new PaymentSigner (receiver)', (c) => new PaymentSigner(c, 'receiver', keys.receiverFunding.priv)],
];

const SENDER_ENTRIES: Entry<SenderPaymentParams>[] = [
  ['buildSenderPaymentTx', (p) => buildSenderPaymentTx(p)],
  ['createSenderPaymentPsbt', (p) => createSenderPaymentPsbt(p)],
  ['PaymentSigner.senderVersionHash', (p) => senderSigner.senderVersionHash(p.state, p.amount, p.updateKey)],
  ['PaymentSigner.completeSenderVersion', (p) => senderSigner.completeSenderVersion(p.state, p.amount, p.updateKey, anySig)],
];

const RECEIVER_ENTRIES: Entry<ReceiverPaymentParams>[] = [
  ['buildReceiverPaymentTx', (p) => buildReceiverPaymentTx(p)],
  ['createReceiverPaymentPsbt', (p) => createReceiverPaymentPsbt(p)],
  ['PaymentSigner.receiverVersionHash', (p) => receiverSigner.receiverVersionHash(p.state, p.amount)],
  ['PaymentSigner.completeReceiverVersion', (p) => receiverSigner.completeReceiverVersion(p.state, p.amount, anySig)],
];

/** Amount errors are the same in both versions. */
const PAYMENT_ENTRIES: Entry<SenderPaymentParams>[] = [...SENDER_ENTRIES, ...RECEIVER_ENTRIES as Entry<SenderPaymentParams>[]];

const CLOSE_ENTRIES: Entry<CloseParams>[] = [
  ['buildCooperativeCloseTx', (p) => buildCooperativeCloseTx(p)],
  ['createClosePsbt', (p) => createClosePsbt(p)],
  ['PaymentSigner.closeHash', (p) => senderSigner.closeHash(p.amount, p.feeRate)],
  ['PaymentSigner.completeClose', (p) => senderSigner.completeClose(p.amount, p.feeRate, anySig)],
];

const PENALTY_ENTRIES: Entry<PenaltyParams>[] = [
  ['buildPenaltyTx', (p) => buildPenaltyTx(p)],
  ['planPenalty', (p) => planPenalty(ctx, p)],
  ['signPenaltyTx', (p) => signPenaltyTx(p, penaltyKeys)],
  ['createPenaltyPsbt', (p) => createPenaltyPsbt(p)],
];

const TIMEOUT_ENTRIES: Entry<TimeoutParams>[] = [
  ['buildTimeoutTx', (p) => buildTimeoutTx(p)],
  ['planTimeout', (p) => planTimeout(ctx, p)],
  ['signTimeoutTx', (p) => signTimeoutTx(p, keys.senderPayout.priv)],
  ['createTimeoutPsbt', (p) => createTimeoutPsbt(p)],
];

// ---------------------------------------------------------------------------
// The table.

interface Row {
  readonly description: string;
  /** Everything the call receives, compared before and after. */
  readonly args: unknown;
  readonly run: () => unknown;
  readonly code: ErrorCode;
}

const bad: Row[] = [];

function each<P>(entries: readonly Entry<P>[], description: string, args: () => P, code: ErrorCode): void {
  for (const [name, run] of entries) {
    const a = args();
    bad.push({ description: `${name}: ${description}`, args: a, run: () => run(a), code });
  }
}

function one(description: string, args: unknown, run: () => unknown, code: ErrorCode): void {
  bad.push({ description, args, run, code });
}

// --- funding ---------------------------------------------------------------

const fp = (over: Partial<FundingParams> = {}): FundingParams => ({ ...fundingParams(), ...over });
const enough = 1_200_000n;
const p2pkhCoin = coin(p2pkhScript(validPub), enough, 'p2pkh');
const nestedRedeem = p2wpkhScript(validPub);
const p2wshCoin = coin(p2wshScript(Uint8Array.from([0x51])), enough, 'p2wsh');

each(FUNDING_ENTRIES, 'a P2PKH input', () => fp({ inputs: [p2pkhCoin] }), 'NON_SEGWIT_INPUT');
each(FUNDING_ENTRIES, 'a P2PKH input after a good one', () => fp({ inputs: [walletCoin(enough), p2pkhCoin] }), 'NON_SEGWIT_INPUT');
each(FUNDING_ENTRIES, 'a bare P2SH input without redeemScript', () => fp({ inputs: [coin(p2shScript(nestedRedeem), enough, 'p2sh')] }), 'NON_SEGWIT_INPUT');
each(FUNDING_ENTRIES, 'a P2SH input whose redeemScript is not P2WPKH', () => {
  const redeem = Uint8Array.from([0x51]);
  return fp({ inputs: [coin(p2shScript(redeem), enough, 'p2sh-bare', { redeemScript: redeem })] });
}, 'NON_SEGWIT_INPUT');
each(FUNDING_ENTRIES, 'a P2SH input with another script\'s redeemScript', () => fp({
  inputs: [coin(p2shScript(nestedRedeem), enough, 'p2sh-other', { redeemScript: p2wpkhScript(testKey('other').pub) })],
}), 'INVALID_SCRIPT');
each(FUNDING_ENTRIES, 'a non-standard input script', () => fp({ inputs: [coin(Uint8Array.from([0x51]), enough, 'op-true')] }), 'NON_SEGWIT_INPUT');
each(FUNDING_ENTRIES, 'a P2WSH input', () => fp({ inputs: [p2wshCoin] }), 'INVALID_ARGUMENT');
each(FUNDING_ENTRIES, 'a native P2WPKH input carrying a redeemScript (would get a scriptSig)', () => fp({
  inputs: [{ ...walletCoin(enough), redeemScript: p2wpkhScript(validPub) }],
}), 'INVALID_SCRIPT');
each(FUNDING_ENTRIES, 'an input without a script', () => fp({
  inputs: [{ ...walletCoin(enough), script: undefined as unknown as Uint8Array, prevTx: undefined }],
}), 'INVALID_SCRIPT');
each(FUNDING_ENTRIES, 'prevTx with another value', () => fp({ inputs: [{ ...walletCoin(enough), value: enough + 1n }] }), 'INVALID_TRANSACTION');
each(FUNDING_ENTRIES, 'prevTx with another script', () => fp({ inputs: [{ ...walletCoin(enough), script: p2wpkhScript(validPub) }] }), 'INVALID_TRANSACTION');
each(FUNDING_ENTRIES, 'prevTx of another transaction', () => fp({ inputs: [{ ...walletCoin(enough), prevTx: walletCoin(enough, 'other coin').prevTx }] }), 'INVALID_TRANSACTION');
each(FUNDING_ENTRIES, 'prevTx without the output at vout', () => fp({ inputs: [{ ...walletCoin(enough), vout: 1 }] }), 'INVALID_TRANSACTION');
each(FUNDING_ENTRIES, 'prevTx that does not parse', () => fp({ inputs: [{ ...walletCoin(enough), prevTx: Uint8Array.from([1, 2, 3]) }] }), 'INVALID_TRANSACTION');
each(FUNDING_ENTRIES, 'inputs that do not cover capacity + fee', () => fp({ inputs: [walletCoin(1_000_100n)] }), 'INSUFFICIENT_FUNDS');
each(FUNDING_ENTRIES, 'inputs that cover exactly the capacity', () => fp({ inputs: [walletCoin(1_000_000n)] }), 'INSUFFICIENT_FUNDS');
each(FUNDING_ENTRIES, 'the same input twice', () => fp({ inputs: [walletCoin(enough), walletCoin(enough)] }), 'INVALID_ARGUMENT');
each(FUNDING_ENTRIES, 'no inputs', () => fp({ inputs: [] }), 'INVALID_ARGUMENT');
each(FUNDING_ENTRIES, 'inputs not an array', () => fp({ inputs: walletCoin(enough) as unknown as FundingInput[] }), 'INVALID_ARGUMENT');
each(FUNDING_ENTRIES, 'an uppercase input txid', () => fp({ inputs: [{ ...walletCoin(enough), txid: walletCoin(enough).txid.toUpperCase(), prevTx: undefined }] }), 'INVALID_ARGUMENT');
each(FUNDING_ENTRIES, 'a negative vout', () => fp({ inputs: [{ ...walletCoin(enough), vout: -1, prevTx: undefined }] }), 'INVALID_ARGUMENT');
each(FUNDING_ENTRIES, 'a fractional vout', () => fp({ inputs: [{ ...walletCoin(enough), vout: 0.5, prevTx: undefined }] }), 'INVALID_ARGUMENT');
each(FUNDING_ENTRIES, 'a zero capacity', () => fp({ capacity: 0n }), 'INVALID_AMOUNT');
each(FUNDING_ENTRIES, 'a negative capacity', () => fp({ capacity: -1n }), 'INVALID_AMOUNT');
each(FUNDING_ENTRIES, 'a capacity above 21e6 BTC', () => fp({ capacity: MAX_MONEY + 1n }), 'INVALID_AMOUNT');
each(FUNDING_ENTRIES, 'a capacity given as a number', () => fp({ capacity: 1_000_000 as unknown as bigint }), 'INVALID_AMOUNT');
each(FUNDING_ENTRIES, 'an input value given as a number', () => fp({ inputs: [{ ...walletCoin(enough), value: 1_200_000 as unknown as bigint }] }), 'INVALID_AMOUNT');
each(FUNDING_ENTRIES, 'a zero input value', () => fp({ inputs: [{ ...walletCoin(enough), value: 0n, prevTx: undefined }] }), 'INVALID_AMOUNT');
each(FUNDING_ENTRIES, 'an input value above 21e6 BTC', () => fp({ inputs: [{ ...walletCoin(enough), value: MAX_MONEY + 1n, prevTx: undefined }] }), 'INVALID_AMOUNT');
each(FUNDING_ENTRIES, 'inputs whose sum overflows 21e6 BTC', () => fp({
  inputs: [
    { txid: fakeTxid(1), vout: 0, value: MAX_MONEY, script: walletScript },
    { txid: fakeTxid(2), vout: 0, value: MAX_MONEY, script: walletScript },
  ],
}), 'INVALID_AMOUNT');
each(FUNDING_ENTRIES, 'a negative fee rate', () => fp({ feeRate: -1n }), 'INVALID_FEE_RATE');
each(FUNDING_ENTRIES, 'a fee rate above 1e8 sat/kw', () => fp({ feeRate: 100_000_001n }), 'INVALID_FEE_RATE');
each(FUNDING_ENTRIES, 'a fee rate given as a number', () => fp({ feeRate: 1000 as unknown as bigint }), 'INVALID_FEE_RATE');
each(FUNDING_ENTRIES, 'equal sender and receiver funding keys', () => fp({ receiverFundingKey: keys.senderFunding.pub }), 'INVALID_KEY');
for (const d of BAD_DESTINATIONS) {
  each(FUNDING_ENTRIES, `change script: ${d.name}`, () => fp({ changeScript: d.script }), 'INVALID_SCRIPT');
}
for (const role of ['senderFundingKey', 'receiverFundingKey'] as const) {
  for (const k of BAD_KEYS) each(FUNDING_ENTRIES, `${role}: ${k.name}`, () => fp({ [role]: k.key as PublicKey }), 'INVALID_KEY');
}

// --- channel parameters (every channel entry point) -------------------------

const cp = (over: Record<string, unknown>): ChannelParams => ({ ...channel, ...over } as ChannelParams);
const paymentFee = feeForWeight(PAYMENT_WEIGHT, channel.feeRate);

const badChannels: { name: string; channel: () => ChannelParams; code: ErrorCode }[] = [
  { name: 'a negative capacity', channel: () => cp({ capacity: -1n }), code: 'INVALID_AMOUNT' },
  { name: 'a zero capacity', channel: () => cp({ capacity: 0n }), code: 'INVALID_AMOUNT' },
  { name: 'a capacity above 21e6 BTC', channel: () => cp({ capacity: MAX_MONEY + 1n }), code: 'INVALID_AMOUNT' },
  { name: 'a capacity given as a number', channel: () => cp({ capacity: 1_000_000 }), code: 'INVALID_AMOUNT' },
  { name: 'a capacity one below fee + 330', channel: () => cp({ capacity: paymentFee + 329n }), code: 'FEE_EXCEEDS_OUTPUT' },
  { name: 'a capacity below the payment fee', channel: () => cp({ capacity: 1n, feeRate: 100_000n }), code: 'FEE_EXCEEDS_OUTPUT' },
  { name: 'a negative fee rate', channel: () => cp({ feeRate: -1n }), code: 'INVALID_FEE_RATE' },
  { name: 'a fee rate above 1e8', channel: () => cp({ feeRate: 100_000_001n }), code: 'INVALID_FEE_RATE' },
  { name: 'a fee rate given as a number', channel: () => cp({ feeRate: 1000 }), code: 'INVALID_FEE_RATE' },
  { name: 'no funding outpoint', channel: () => cp({ fundingOutpoint: undefined }), code: 'INVALID_ARGUMENT' },
  { name: 'a null funding outpoint', channel: () => cp({ fundingOutpoint: null }), code: 'INVALID_ARGUMENT' },
  { name: 'an uppercase funding txid', channel: () => cp({ fundingOutpoint: { ...channel.fundingOutpoint, txid: channel.fundingOutpoint.txid.toUpperCase() } }), code: 'INVALID_ARGUMENT' },
  { name: 'a 31-byte funding txid', channel: () => cp({ fundingOutpoint: { ...channel.fundingOutpoint, txid: channel.fundingOutpoint.txid.slice(2) } }), code: 'INVALID_ARGUMENT' },
  { name: 'a negative funding vout', channel: () => cp({ fundingOutpoint: { ...channel.fundingOutpoint, vout: -1 } }), code: 'INVALID_ARGUMENT' },
  { name: 'a funding vout above 2^32-1', channel: () => cp({ fundingOutpoint: { ...channel.fundingOutpoint, vout: 2 ** 32 } }), code: 'INVALID_ARGUMENT' },
  { name: 'equal funding keys', channel: () => cp({ receiverFundingKey: channel.senderFundingKey }), code: 'INVALID_KEY' },
  { name: 'revocation key equal to the sender payout key', channel: () => cp({ receiverRevocationKey: channel.senderPayoutKey }), code: 'INVALID_KEY' },
  // Timelocks of the wrong kind or out of range.
  { name: 'a CLTV variant with a CSV delay', channel: () => cp({ variant: { kind: 'cltv', expiry: { blocks: 144 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'a CLTV variant with a delay instead of an expiry', channel: () => cp({ variant: { kind: 'cltv', delay: { blocks: 144 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'a CLTV variant with a bare number', channel: () => cp({ variant: { kind: 'cltv', expiry: 1000 } }), code: 'INVALID_TIMELOCK' },
  { name: 'a CLTV variant with a null expiry', channel: () => cp({ variant: { kind: 'cltv', expiry: null } }), code: 'INVALID_TIMELOCK' },
  { name: 'a CSV variant with a height', channel: () => cp({ variant: { kind: 'csv', delay: { height: 1000 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'a CSV variant with an expiry instead of a delay', channel: () => cp({ variant: { kind: 'csv', expiry: { height: 1000 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'a CSV variant with a null delay', channel: () => cp({ variant: { kind: 'csv', delay: null } }), code: 'INVALID_TIMELOCK' },
  { name: 'CLTV height 0', channel: () => cp({ variant: { kind: 'cltv', expiry: { height: 0 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'CLTV height at the time threshold', channel: () => cp({ variant: { kind: 'cltv', expiry: { height: 500_000_000 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'CLTV fractional height', channel: () => cp({ variant: { kind: 'cltv', expiry: { height: 1000.5 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'CLTV time below the threshold', channel: () => cp({ variant: { kind: 'cltv', expiry: { time: 499_999_999 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'CLTV time above 2^31-1', channel: () => cp({ variant: { kind: 'cltv', expiry: { time: 2 ** 31 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'CSV delay 0', channel: () => cp({ variant: { kind: 'csv', delay: { blocks: 0 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'CSV delay above 0xffff', channel: () => cp({ variant: { kind: 'csv', delay: { blocks: 0x10000 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'CSV delay with the BIP 68 time flag', channel: () => cp({ variant: { kind: 'csv', delay: { blocks: 0x400000 | 144 } } }), code: 'INVALID_TIMELOCK' },
  { name: 'CSV delay as a bigint', channel: () => cp({ variant: { kind: 'csv', delay: { blocks: 144n } } }), code: 'INVALID_TIMELOCK' },
  { name: 'an unknown variant kind', channel: () => cp({ variant: { kind: 'htlc' } }), code: 'INVALID_TIMELOCK' },
  { name: 'a null variant', channel: () => cp({ variant: null }), code: 'INVALID_TIMELOCK' },
];
for (const role of ['senderFundingKey', 'receiverFundingKey', 'senderPayoutKey', 'receiverPayoutKey', 'receiverRevocationKey'] as const) {
  for (const k of BAD_KEYS) badChannels.push({ name: `${role}: ${k.name}`, channel: () => cp({ [role]: k.key }), code: 'INVALID_KEY' });
}
for (const b of badChannels) each(CHANNEL_ENTRIES, `channel with ${b.name}`, b.channel, b.code);
each(CHANNEL_ENTRIES, 'null channel parameters', () => null as unknown as ChannelParams, 'INVALID_ARGUMENT');

// --- payments --------------------------------------------------------------

const maxAmount = channel.capacity - paymentFee;
each(PAYMENT_ENTRIES, 'a negative amount', () => ({ ...goodSender(), amount: -1n }), 'INVALID_AMOUNT');
each(PAYMENT_ENTRIES, 'an amount above the capacity', () => ({ ...goodSender(), amount: channel.capacity + 1n }), 'INVALID_AMOUNT');
each(PAYMENT_ENTRIES, 'an amount given as a number', () => ({ ...goodSender(), amount: 1000 as unknown as bigint }), 'INVALID_AMOUNT');
each(PAYMENT_ENTRIES, 'amount + fee one above the capacity', () => ({ ...goodSender(), amount: maxAmount + 1n }), 'FEE_EXCEEDS_OUTPUT');
each(PAYMENT_ENTRIES, 'amount = capacity (no room for the fee)', () => ({ ...goodSender(), amount: channel.capacity }), 'FEE_EXCEEDS_OUTPUT');
each(PAYMENT_ENTRIES, 'a negative state', () => ({ ...goodSender(), state: -1n }), 'INVALID_ARGUMENT');
each(PAYMENT_ENTRIES, 'state 2^48', () => ({ ...goodSender(), state: MAX_STATE + 1n }), 'INVALID_ARGUMENT');
each(PAYMENT_ENTRIES, 'state 2^48 + 7 (would alias state 7)', () => ({ ...goodSender(), state: MAX_STATE + 8n }), 'INVALID_ARGUMENT');
each(PAYMENT_ENTRIES, 'a state given as a number', () => ({ ...goodSender(), state: 7 as unknown as bigint }), 'INVALID_ARGUMENT');
for (const k of BAD_KEYS) each(SENDER_ENTRIES, `updateKey: ${k.name}`, () => ({ ...goodSender(), updateKey: k.key as PublicKey }), 'INVALID_KEY');

// A channel just above the minimum capacity: some amounts leave every output below dust.
{
  const tiny = cp({ capacity: paymentFee + 400n });
  const tinyCtx = verifyChannelParams(tiny);
  const tinySender = new PaymentSigner(tinyCtx, 'sender', keys.senderFunding.priv);
  const tinyReceiver = new PaymentSigner(tinyCtx, 'receiver', keys.receiverFunding.priv);
  const tinyEntries: Entry<SenderPaymentParams>[] = [
    ['buildSenderPaymentTx', (p) => buildSenderPaymentTx(p)],
    ['buildReceiverPaymentTx', (p) => buildReceiverPaymentTx(p)],
    ['createSenderPaymentPsbt', (p) => createSenderPaymentPsbt(p)],
    ['createReceiverPaymentPsbt', (p) => createReceiverPaymentPsbt(p)],
    ['PaymentSigner.senderVersionHash', (p) => tinySender.senderVersionHash(p.state, p.amount, p.updateKey)],
    ['PaymentSigner.receiverVersionHash', (p) => tinyReceiver.receiverVersionHash(p.state, p.amount)],
  ];
  // amount 200 < 294 and the sender's 200 < 294 (< 330): a transaction without outputs.
  each(tinyEntries, 'an amount that leaves every output below dust', () => ({ channel: tiny, state: 1n, amount: 200n, updateKey: K(1).pub }), 'FEE_EXCEEDS_OUTPUT');
}

// --- cooperative close -------------------------------------------------------

each(CLOSE_ENTRIES, 'a negative amount', () => ({ ...goodClose(), amount: -1n }), 'INVALID_AMOUNT');
each(CLOSE_ENTRIES, 'an amount above the capacity', () => ({ ...goodClose(), amount: channel.capacity + 1n }), 'INVALID_AMOUNT');
each(CLOSE_ENTRIES, 'an amount given as a number', () => ({ ...goodClose(), amount: 1000 as unknown as bigint }), 'INVALID_AMOUNT');
each(CLOSE_ENTRIES, 'a negative fee rate', () => ({ ...goodClose(), feeRate: -1n }), 'INVALID_FEE_RATE');
each(CLOSE_ENTRIES, 'a fee rate given as a number', () => ({ ...goodClose(), feeRate: 2500 as unknown as bigint }), 'INVALID_FEE_RATE');
each(CLOSE_ENTRIES, 'a fee above the sender balance', () => ({ ...goodClose(), amount: channel.capacity - 100n }), 'FEE_EXCEEDS_OUTPUT');
each(CLOSE_ENTRIES, 'amount = capacity with a nonzero fee', () => ({ ...goodClose(), amount: channel.capacity }), 'FEE_EXCEEDS_OUTPUT');
each(CLOSE_ENTRIES, 'a fee that leaves every output below dust', () => ({
  ...goodClose(), amount: 0n, feeRate: ((channel.capacity - 100n) * 1000n) / BigInt(CLOSE_WEIGHT),
}), 'FEE_EXCEEDS_OUTPUT');

// --- penalty -------------------------------------------------------------------

each(PENALTY_ENTRIES, 'a fee that eats the output', () => ({ ...goodPenalty(), feeRate: 100_000_000n }), 'FEE_EXCEEDS_OUTPUT');
each(PENALTY_ENTRIES, 'a fee that eats the revocable output alone', () => ({ ...goodPenalty(), sweepReceiverOutput: false, feeRate: 10_000_000n }), 'FEE_EXCEEDS_OUTPUT');
each(PENALTY_ENTRIES, 'a negative fee rate', () => ({ ...goodPenalty(), feeRate: -1n }), 'INVALID_FEE_RATE');
each(PENALTY_ENTRIES, 'the funding tx (does not spend the funding output)', () => ({ ...goodPenalty(), revokedTx: fundingTx.toBuffer() }), 'INVALID_TRANSACTION');
each(PENALTY_ENTRIES, 'a tx spending another outpoint', () => {
  const t = Transaction.fromBuffer(revoked.toBuffer());
  t.ins[0]!.index = 1;
  return { ...goodPenalty(), revokedTx: t.toBuffer() };
}, 'INVALID_TRANSACTION');
each(PENALTY_ENTRIES, 'bytes that do not parse', () => ({ ...goodPenalty(), revokedTx: Uint8Array.from([1, 2, 3]) }), 'INVALID_TRANSACTION');
each(PENALTY_ENTRIES, 'a tx with trailing bytes', () => ({ ...goodPenalty(), revokedTx: Uint8Array.from([...revoked.toBuffer(), 0]) }), 'INVALID_TRANSACTION');
each(PENALTY_ENTRIES, 'an update key whose output is not in the tx', () => ({ ...goodPenalty(), updateKey: K(4).pub }), 'NOTHING_TO_CLAIM');
each(PENALTY_ENTRIES, 'a receiver\'s version (no revocable output)', () => ({ ...goodPenalty(), revokedTx: receiverVersion.toBuffer(), updateKey: K(5).pub }), 'NOTHING_TO_CLAIM');
for (const d of BAD_DESTINATIONS) each(PENALTY_ENTRIES, `destination: ${d.name}`, () => ({ ...goodPenalty(), destinationScript: d.script }), 'INVALID_SCRIPT');
for (const k of BAD_KEYS) each(PENALTY_ENTRIES, `updateKey: ${k.name}`, () => ({ ...goodPenalty(), updateKey: k.key as PublicKey }), 'INVALID_KEY');

const penaltyKeyRows: { name: string; keys: PenaltyKeys; code: ErrorCode }[] = [
  { name: 'a secret not matching updateKey', keys: { ...penaltyKeys, updateSecret: K(4).priv }, code: 'REVOKED_SECRET_MISMATCH' },
  { name: 'the revocation key as the secret', keys: { ...penaltyKeys, updateSecret: keys.receiverRevocation.priv }, code: 'REVOKED_SECRET_MISMATCH' },
  { name: 'a revocation key not of the channel', keys: { ...penaltyKeys, revocationKey: keys.receiverPayout.priv }, code: 'INVALID_KEY' },
  { name: 'a receiver payout key not of the channel', keys: { ...penaltyKeys, receiverPayoutKey: keys.receiverRevocation.priv }, code: 'INVALID_KEY' },
  { name: 'no receiver payout key while sweeping the receiver output', keys: { updateSecret: K(3).priv, revocationKey: keys.receiverRevocation.priv }, code: 'INVALID_KEY' },
];
for (const k of BAD_PRIVATE_KEYS) {
  for (const role of ['updateSecret', 'revocationKey', 'receiverPayoutKey'] as const) {
    penaltyKeyRows.push({ name: `${role}: ${k.name}`, keys: { ...penaltyKeys, [role]: k.key as PrivateKey }, code: 'INVALID_KEY' });
  }
}
for (const r of penaltyKeyRows) {
  const args = { params: goodPenalty(), keys: r.keys };
  one(`signPenaltyTx: ${r.name}`, args, () => signPenaltyTx(args.params, args.keys), r.code);
}

// --- timeout ---------------------------------------------------------------------

each(TIMEOUT_ENTRIES, 'a fee that eats the output', () => ({ ...goodTimeout(), feeRate: 100_000_000n }), 'FEE_EXCEEDS_OUTPUT');
each(TIMEOUT_ENTRIES, 'a negative fee rate', () => ({ ...goodTimeout(), feeRate: -1n }), 'INVALID_FEE_RATE');
each(TIMEOUT_ENTRIES, 'the funding tx (does not spend the funding output)', () => ({ ...goodTimeout(), senderTx: fundingTx.toBuffer() }), 'INVALID_TRANSACTION');
each(TIMEOUT_ENTRIES, 'bytes that do not parse', () => ({ ...goodTimeout(), senderTx: new Uint8Array(0) }), 'INVALID_TRANSACTION');
each(TIMEOUT_ENTRIES, 'an update key whose output is not in the tx', () => ({ ...goodTimeout(), updateKey: K(3).pub }), 'NOTHING_TO_CLAIM');
for (const d of BAD_DESTINATIONS) each(TIMEOUT_ENTRIES, `destination: ${d.name}`, () => ({ ...goodTimeout(), destinationScript: d.script }), 'INVALID_SCRIPT');
for (const k of BAD_KEYS) each(TIMEOUT_ENTRIES, `updateKey: ${k.name}`, () => ({ ...goodTimeout(), updateKey: k.key as PublicKey }), 'INVALID_KEY');
for (const [name, key] of [
  ['the receiver\'s payout key', keys.receiverPayout.priv],
  ['the sender\'s funding key', keys.senderFunding.priv],
  ['the update secret', K(5).priv],
  ...BAD_PRIVATE_KEYS.map((k) => [k.name, k.key as PrivateKey] as const),
] as const) {
  const args = { params: goodTimeout(), key };
  one(`signTimeoutTx: signed with ${name}`, args, () => signTimeoutTx(args.params, args.key), 'INVALID_KEY');
}

// --- PSBT creators' own options ---------------------------------------------------

for (const [name, create] of [
  ['createSenderPaymentPsbt', (o: { fundingTx: Uint8Array }) => createSenderPaymentPsbt(goodSender(), o)],
  ['createReceiverPaymentPsbt', (o: { fundingTx: Uint8Array }) => createReceiverPaymentPsbt(goodReceiver(), o)],
  ['createClosePsbt', (o: { fundingTx: Uint8Array }) => createClosePsbt(goodClose(), o)],
] as const) {
  const other = { fundingTx: revoked.toBuffer() };
  one(`${name}: a fundingTx that is not the channel's`, other, () => create(other), 'INVALID_TRANSACTION');
  const garbage = { fundingTx: Uint8Array.from([1, 2, 3]) };
  one(`${name}: a fundingTx that does not parse`, garbage, () => create(garbage), 'INVALID_TRANSACTION');
}

// --- PaymentSigner -------------------------------------------------------------------

for (const [name, party, key] of [
  ['the receiver\'s funding key as the sender', 'sender', keys.receiverFunding.priv],
  ['the sender\'s funding key as the receiver', 'receiver', keys.senderFunding.priv],
  ['the sender\'s payout key as the sender', 'sender', keys.senderPayout.priv],
  ...BAD_PRIVATE_KEYS.map((k) => [k.name, 'sender', k.key as PrivateKey] as const),
] as const) {
  one(`new PaymentSigner: ${name}`, { channel, key }, () => new PaymentSigner(channel, party, key), 'INVALID_KEY');
  one(`new PaymentSigner (checked context): ${name}`, { key }, () => new PaymentSigner(ctx, party, key), 'INVALID_KEY');
}
one('new PaymentSigner: an unknown party', { channel }, () => new PaymentSigner(channel, 'watcher' as 'sender', keys.receiverFunding.priv), 'INVALID_ARGUMENT');

{
  const state = 9n;
  const amount = 10_000n;
  const upd = K(9).pub;
  const good = receiverSigner.sign(senderSigner.senderVersionHash(state, amount, upd));
  const sigRows: { name: string; sig: Uint8Array }[] = [
    { name: 'a signature over other bytes (another amount)', sig: receiverSigner.sign(senderSigner.senderVersionHash(state, amount + 1n, upd)) },
    { name: 'a signature over another state', sig: receiverSigner.sign(senderSigner.senderVersionHash(state + 1n, amount, upd)) },
    { name: 'a signature over the receiver\'s version', sig: receiverSigner.sign(senderSigner.receiverVersionHash(state, amount)) },
    { name: 'the sender\'s own signature', sig: senderSigner.sign(senderSigner.senderVersionHash(state, amount, upd)) },
    { name: 'a high-S signature', sig: highS(good) },
    { name: 'a non-DER signature (padded r)', sig: paddedR(good) },
    { name: 'a non-DER signature (wrong length byte)', sig: Uint8Array.from([good[0]!, good[1]! + 1, ...good.subarray(2)]) },
    { name: 'a compact 64-byte signature with a sighash byte', sig: Uint8Array.from([...derToCompact(good), SIGHASH_ALL]) },
    { name: 'a SIGHASH_NONE signature', sig: Uint8Array.from([...good.subarray(0, -1), 2]) },
    { name: 'a SIGHASH_ALL|ANYONECANPAY signature', sig: Uint8Array.from([...good.subarray(0, -1), 0x81]) },
    { name: 'an empty signature', sig: new Uint8Array(0) },
    { name: 'a hex string', sig: toHex(good) as unknown as Uint8Array },
  ];
  for (const r of sigRows) {
    const args = { state, amount, upd, sig: r.sig };
    one(`completeSenderVersion: ${r.name}`, args, () => senderSigner.completeSenderVersion(args.state, args.amount, args.upd, args.sig), 'INVALID_SIGNATURE');
  }
  const recvGood = senderSigner.sign(receiverSigner.receiverVersionHash(state, amount));
  for (const [name, sig] of [
    ['a signature over other bytes', senderSigner.sign(receiverSigner.receiverVersionHash(state, amount + 1n))],
    ['a high-S signature', highS(recvGood)],
    ['a non-DER signature', paddedR(recvGood)],
  ] as const) {
    const args = { state, amount, sig };
    one(`completeReceiverVersion: ${name}`, args, () => receiverSigner.completeReceiverVersion(args.state, args.amount, args.sig), 'INVALID_SIGNATURE');
  }
  const closeGood = senderSigner.sign(receiverSigner.closeHash(400_000n, 2500n));
  for (const [name, sig] of [
    ['a signature over other bytes', senderSigner.sign(receiverSigner.closeHash(400_000n, 2501n))],
    ['a high-S signature', highS(closeGood)],
    ['a non-DER signature', paddedR(closeGood)],
  ] as const) {
    const args = { amount: 400_000n, feeRate: 2500n, sig };
    one(`completeClose: ${name}`, args, () => receiverSigner.completeClose(args.amount, args.feeRate, args.sig), 'INVALID_SIGNATURE');
  }
  one('PaymentSigner.sign: a 31-byte hash', { h: new Uint8Array(31) }, () => senderSigner.sign(new Uint8Array(31)), 'INVALID_ARGUMENT');
}

// ---------------------------------------------------------------------------

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('builders refuse bad input with a typed code and leave their arguments alone', () => {
  it('the good parameters the rows start from are accepted', () => {
    for (const [, run] of FUNDING_ENTRIES) run(fp());
    for (const [, run] of CHANNEL_ENTRIES) run(channel);
    // complete* get a signature over other bytes: with good parameters they get as far as checking it.
    const goodOrBadSignature = (name: string, run: () => unknown) => {
      const e = thrown(run);
      if (name.startsWith('PaymentSigner.complete')) expect(e).to.be.instanceOf(ChannelError).with.property('code', 'INVALID_SIGNATURE');
      else expect(e, name).to.equal(undefined);
    };
    for (const [name, run] of SENDER_ENTRIES) goodOrBadSignature(name, () => run(goodSender()));
    for (const [name, run] of RECEIVER_ENTRIES) goodOrBadSignature(name, () => run(goodReceiver()));
    for (const [name, run] of CLOSE_ENTRIES) goodOrBadSignature(name, () => run(goodClose()));
    for (const [, run] of PENALTY_ENTRIES) run(goodPenalty());
    for (const [, run] of TIMEOUT_ENTRIES) run(goodTimeout());
    // P2SH-P2WPKH and P2TR inputs are fine.
    buildFundingTx(fp({ inputs: [coin(p2shScript(nestedRedeem), enough, 'nested', { redeemScript: nestedRedeem })] }));
    buildFundingTx(fp({ inputs: [coin(Uint8Array.from([0x51, 0x20, ...new Uint8Array(32).fill(9)]), enough, 'p2tr')] }));
  });

  for (const row of bad) {
    it(`${row.description} -> ${row.code}`, () => {
      const before = snapshot(row.args);
      const e = thrown(row.run);
      expect(e, 'threw').to.not.equal(undefined);
      if (!(e instanceof ChannelError)) throw new Error(`expected ChannelError ${row.code}, got ${String(e)}`);
      expect(e.code).to.equal(row.code);
      expect(snapshot(row.args), 'arguments unchanged').to.equal(before);
    });
  }

  describe('successful builds do not mutate their arguments either', () => {
    const ok: { name: string; args: unknown; run: () => unknown }[] = [];
    for (const { name: vname, variant: v } of VARIANTS) {
      const c = channelParams(v).channel;
      const cctx = verifyChannelParams(c);
      const s = new PaymentSigner(cctx, 'sender', keys.senderFunding.priv);
      const r = new PaymentSigner(cctx, 'receiver', keys.receiverFunding.priv);
      const rev = s.completeSenderVersion(3n, 100_000n, K(3).pub, r.sign(s.senderVersionHash(3n, 100_000n, K(3).pub)));
      const sp: SenderPaymentParams = { channel: c, state: 7n, amount: 250_000n, updateKey: K(7).pub };
      const rp: ReceiverPaymentParams = { channel: c, state: 7n, amount: 250_000n };
      const cl: CloseParams = { channel: c, amount: 400_000n, feeRate: 2500n };
      const pp: PenaltyParams = { channel: c, revokedTx: rev.toBuffer(), updateKey: K(3).pub, destinationScript: dest, feeRate: 2000n };
      const tp: TimeoutParams = { channel: c, senderTx: rev.toBuffer(), updateKey: K(3).pub, destinationScript: dest, feeRate: 2000n };
      const pk = { ...penaltyKeys };
      const fpar = fp();
      const nested = fp({ inputs: [coin(p2shScript(nestedRedeem), enough, 'nested', { redeemScript: nestedRedeem })] });
      ok.push(
        { name: `${vname} buildFundingTx`, args: fpar, run: () => buildFundingTx(fpar) },
        { name: `${vname} createFundingPsbt (P2SH-P2WPKH)`, args: nested, run: () => createFundingPsbt(nested) },
        { name: `${vname} verifyChannelParams`, args: c, run: () => verifyChannelParams(c) },
        { name: `${vname} buildSenderPaymentTx`, args: sp, run: () => buildSenderPaymentTx(sp) },
        { name: `${vname} createSenderPaymentPsbt`, args: sp, run: () => createSenderPaymentPsbt(sp, { fundingTx: fundingTx.toBuffer() }) },
        { name: `${vname} buildReceiverPaymentTx`, args: rp, run: () => buildReceiverPaymentTx(rp) },
        { name: `${vname} createReceiverPaymentPsbt`, args: rp, run: () => createReceiverPaymentPsbt(rp) },
        { name: `${vname} buildCooperativeCloseTx`, args: cl, run: () => buildCooperativeCloseTx(cl) },
        { name: `${vname} createClosePsbt`, args: cl, run: () => createClosePsbt(cl) },
        { name: `${vname} signPenaltyTx`, args: [pp, pk], run: () => signPenaltyTx(pp, pk) },
        { name: `${vname} createPenaltyPsbt`, args: pp, run: () => createPenaltyPsbt(pp) },
        { name: `${vname} signTimeoutTx`, args: tp, run: () => signTimeoutTx(tp, keys.senderPayout.priv) },
        { name: `${vname} createTimeoutPsbt`, args: tp, run: () => createTimeoutPsbt(tp) },
      );
    }
    for (const o of ok) {
      it(o.name, () => {
        const before = snapshot(o.args);
        o.run();
        expect(snapshot(o.args)).to.equal(before);
      });
    }
  });
});
