/**
 * Corpus of bad builder arguments. Each bad parameter set of one kind
 * (funding, channel, payment, close, penalty, timeout, signer) is run through
 * every public entry point that takes that kind of parameters, so the raw
 * builders, the PSBT creators and the PaymentSigner all answer the same way.
 * One file per entry point: builders-<target>.json.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  CLOSE_WEIGHT, ErrorCode, FundingInput, MAX_MONEY, MAX_STATE, PAYMENT_WEIGHT, PaymentSigner, Variant, feeForWeight, fromHex, hash160,
  p2wpkhScript, p2wshScript, toHex, verifyChannelParams,
} from '../../../lib';
import { DELETE, Ref } from '../../support/bad-inputs-codec';
import { VARIANTS, channelParams, fundingParams, walletCoin, walletScript } from '../../support/channel';
import { keys, testKey } from '../../support/keys';
import { CaseSpec, FileSpec, ValidSpec } from './format';
import {
  BAD_DESTINATIONS, BAD_KEYS, BAD_PRIVATE_KEYS, derToCompact, highS, p2pkhScript, p2shScript, paddedR, validPub,
} from './values';

/** Collects cases and valid calls by target; each target becomes builders-<target>.json. */
export class Collector {
  readonly cases = new Map<string, CaseSpec[]>();
  readonly valid = new Map<string, ValidSpec[]>();

  bad(target: string, name: string, input: unknown[], expect: ErrorCode, pending?: string): void {
    if (!this.cases.has(target)) this.cases.set(target, []);
    const list = this.cases.get(target)!;
    if (list.some((c) => c.name === name)) throw new Error(`${target}: two cases named ${name}`);
    list.push({ name, target, input, expect, ...(pending ? { pending } : {}) });
  }

  ok(target: string, name: string, input: unknown[]): void {
    if (!this.valid.has(target)) this.valid.set(target, []);
    this.valid.get(target)!.push({ name, target, input });
  }

  files(prefix: string, describe: (target: string) => string, baselines: Record<string, unknown>): FileSpec[] {
    const targets = [...new Set([...this.cases.keys(), ...this.valid.keys()])];
    return targets.map((t) => {
      if (!this.valid.has(t)) throw new Error(`${t}: no valid call`);
      return {
        file: `${prefix}-${t.replace(/[^A-Za-z0-9.]+/g, '-').replace(/-+$/, '')}.json`,
        description: describe(t),
        baselines,
        valid: this.valid.get(t)!,
        cases: this.cases.get(t) ?? [],
      };
    });
  }
}

// ---------------------------------------------------------------------------
// A good channel and good parameters of every kind; cases change one thing.

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

/** A coin paying `script`, with a real previous transaction. */
function coin(script: Uint8Array, value: bigint, label: string, extra: Partial<FundingInput> = {}): FundingInput {
  const prev = new Transaction();
  prev.version = 2;
  prev.addInput(fromHex(toHex(hash160(new TextEncoder().encode(label))).padEnd(64, '0')), 0);
  prev.addOutput(script, value);
  return { txid: prev.getId(), vout: 0, value, script, prevTx: prev.toBuffer(), ...extra };
}
const fakeTxid = (n: number) => n.toString(16).padStart(64, '0');
const enough = 1_200_000n;
const nestedRedeem = p2wpkhScript(validPub);

export const BUILDER_BASELINES: Record<string, unknown> = {
  channel,
  fundingTx: fundingTx.toBuffer(),
  fundingParams: fundingParams(),
  walletCoin: walletCoin(enough),
  senderPayment: { channel: new Ref('channel'), state: 7n, amount: 250_000n, updateKey: K(7).pub },
  receiverPayment: { channel: new Ref('channel'), state: 7n, amount: 250_000n },
  close: { channel: new Ref('channel'), amount: 400_000n, feeRate: 2500n },
  penalty: { channel: new Ref('channel'), revokedTx: revoked.toBuffer(), updateKey: K(3).pub, destinationScript: dest, feeRate: 2000n },
  timeout: { channel: new Ref('channel'), senderTx: latest.toBuffer(), updateKey: K(5).pub, destinationScript: dest, feeRate: 1000n },
  penaltyKeys: { updateSecret: K(3).priv, revocationKey: keys.receiverRevocation.priv, receiverPayoutKey: keys.receiverPayout.priv },
  senderFundingKey: keys.senderFunding.priv,
  receiverFundingKey: keys.receiverFunding.priv,
  senderPayoutKey: keys.senderPayout.priv,
  anySig: receiverSigner.sign(new Uint8Array(32).fill(7)),
};

const ch = (changes: Record<string, unknown> = {}) => new Ref('channel', changes);
const signerArgs = (party: 'sender' | 'receiver', c: unknown = ch()) => [c, party, new Ref(party === 'sender' ? 'senderFundingKey' : 'receiverFundingKey')];

/** Every entry point that takes channel parameters, given the channel; the other arguments are good. */
function channelEntries(c: unknown): [target: string, suffix: string, input: unknown[]][] {
  return [
    ['verifyChannelParams', '', [c]],
    ['buildSenderPaymentTx', '', [new Ref('senderPayment', { channel: c })]],
    ['buildReceiverPaymentTx', '', [new Ref('receiverPayment', { channel: c })]],
    ['buildCooperativeCloseTx', '', [new Ref('close', { channel: c })]],
    ['buildPenaltyTx', '', [new Ref('penalty', { channel: c })]],
    ['signPenaltyTx', '', [new Ref('penalty', { channel: c }), new Ref('penaltyKeys')]],
    ['buildTimeoutTx', '', [new Ref('timeout', { channel: c })]],
    ['signTimeoutTx', '', [new Ref('timeout', { channel: c }), new Ref('senderPayoutKey')]],
    ['createSenderPaymentPsbt', '', [new Ref('senderPayment', { channel: c })]],
    ['createReceiverPaymentPsbt', '', [new Ref('receiverPayment', { channel: c })]],
    ['createClosePsbt', '', [new Ref('close', { channel: c })]],
    ['createPenaltyPsbt', '', [new Ref('penalty', { channel: c })]],
    ['createTimeoutPsbt', '', [new Ref('timeout', { channel: c })]],
    ['PaymentSigner', ' (sender)', signerArgs('sender', c)],
    ['PaymentSigner', ' (receiver)', signerArgs('receiver', c)],
  ];
}

const good = { state: 7n, amount: 250_000n, updateKey: K(7).pub };

function paymentEntries(p: { state?: unknown; amount?: unknown; updateKey?: unknown }, withReceiver = true): [string, unknown[]][] {
  const s = 'state' in p ? p.state : good.state;
  const a = 'amount' in p ? p.amount : good.amount;
  const u = 'updateKey' in p ? p.updateKey : good.updateKey;
  const recv: Record<string, unknown> = {};
  if ('state' in p) recv.state = p.state;
  if ('amount' in p) recv.amount = p.amount;
  const out: [string, unknown[]][] = [
    ['buildSenderPaymentTx', [new Ref('senderPayment', p)]],
    ['createSenderPaymentPsbt', [new Ref('senderPayment', p)]],
    ['PaymentSigner.senderVersionHash', [...signerArgs('sender'), s, a, u]],
    ['PaymentSigner.completeSenderVersion', [...signerArgs('sender'), s, a, u, new Ref('anySig')]],
  ];
  if (withReceiver) {
    out.push(
      ['buildReceiverPaymentTx', [new Ref('receiverPayment', recv)]],
      ['createReceiverPaymentPsbt', [new Ref('receiverPayment', recv)]],
      ['PaymentSigner.receiverVersionHash', [...signerArgs('receiver'), s, a]],
      ['PaymentSigner.completeReceiverVersion', [...signerArgs('receiver'), s, a, new Ref('anySig')]],
    );
  }
  return out;
}

function closeEntries(p: { amount?: unknown; feeRate?: unknown }): [string, unknown[]][] {
  const a = 'amount' in p ? p.amount : 400_000n;
  const f = 'feeRate' in p ? p.feeRate : 2500n;
  return [
    ['buildCooperativeCloseTx', [new Ref('close', p)]],
    ['createClosePsbt', [new Ref('close', p)]],
    ['PaymentSigner.closeHash', [...signerArgs('sender'), a, f]],
    ['PaymentSigner.completeClose', [...signerArgs('sender'), a, f, new Ref('anySig')]],
  ];
}

const penaltyEntries = (p: Record<string, unknown>): [string, unknown[]][] => [
  ['buildPenaltyTx', [new Ref('penalty', p)]],
  ['planPenalty', [ch(), new Ref('penalty', p)]],
  ['signPenaltyTx', [new Ref('penalty', p), new Ref('penaltyKeys')]],
  ['createPenaltyPsbt', [new Ref('penalty', p)]],
];

const timeoutEntries = (p: Record<string, unknown>): [string, unknown[]][] => [
  ['buildTimeoutTx', [new Ref('timeout', p)]],
  ['planTimeout', [ch(), new Ref('timeout', p)]],
  ['signTimeoutTx', [new Ref('timeout', p), new Ref('senderPayoutKey')]],
  ['createTimeoutPsbt', [new Ref('timeout', p)]],
];

export function transactionBuilderCases(col: Collector): void {
  const each = (entries: [string, unknown[]][], name: string, code: ErrorCode) => {
    for (const [t, input] of entries) col.bad(t, name, input, code);
  };

  // --- funding ---------------------------------------------------------------
  const FUNDING = ['buildFundingTx', 'planFunding', 'createFundingPsbt'];
  const fund = (name: string, changes: Record<string, unknown>, code: ErrorCode) => {
    for (const t of FUNDING) col.bad(t, name, [new Ref('fundingParams', changes)], code);
  };
  const wc = (changes: Record<string, unknown> = {}) => new Ref('walletCoin', changes);
  const p2pkhCoin = coin(p2pkhScript(validPub), enough, 'p2pkh');
  const p2wshCoin = coin(p2wshScript(Uint8Array.from([0x51])), enough, 'p2wsh');
  fund('a P2PKH input', { inputs: [p2pkhCoin] }, 'NON_SEGWIT_INPUT');
  fund('a P2PKH input after a good one', { inputs: [wc(), p2pkhCoin] }, 'NON_SEGWIT_INPUT');
  fund('a bare P2SH input without redeemScript', { inputs: [coin(p2shScript(nestedRedeem), enough, 'p2sh')] }, 'NON_SEGWIT_INPUT');
  {
    const redeem = Uint8Array.from([0x51]);
    fund('a P2SH input whose redeemScript is not P2WPKH', { inputs: [coin(p2shScript(redeem), enough, 'p2sh-bare', { redeemScript: redeem })] }, 'NON_SEGWIT_INPUT');
  }
  fund('a P2SH input with another script\'s redeemScript', {
    inputs: [coin(p2shScript(nestedRedeem), enough, 'p2sh-other', { redeemScript: p2wpkhScript(testKey('other').pub) })],
  }, 'INVALID_SCRIPT');
  fund('a non-standard input script', { inputs: [coin(Uint8Array.from([0x51]), enough, 'op-true')] }, 'NON_SEGWIT_INPUT');
  fund('a P2WSH input', { inputs: [p2wshCoin] }, 'INVALID_ARGUMENT');
  fund('a native P2WPKH input carrying a redeemScript (would get a scriptSig)', { inputs: [wc({ redeemScript: p2wpkhScript(validPub) })] }, 'INVALID_SCRIPT');
  fund('an input without a script', { inputs: [wc({ script: undefined, prevTx: undefined })] }, 'INVALID_SCRIPT');
  fund('prevTx with another value', { inputs: [wc({ value: enough + 1n })] }, 'INVALID_TRANSACTION');
  fund('prevTx with another script', { inputs: [wc({ script: p2wpkhScript(validPub) })] }, 'INVALID_TRANSACTION');
  fund('prevTx of another transaction', { inputs: [wc({ prevTx: walletCoin(enough, 'other coin').prevTx })] }, 'INVALID_TRANSACTION');
  fund('prevTx without the output at vout', { inputs: [wc({ vout: 1 })] }, 'INVALID_TRANSACTION');
  fund('prevTx that does not parse', { inputs: [wc({ prevTx: Uint8Array.from([1, 2, 3]) })] }, 'INVALID_TRANSACTION');
  fund('inputs that do not cover capacity + fee', { inputs: [walletCoin(1_000_100n)] }, 'INSUFFICIENT_FUNDS');
  fund('inputs that cover exactly the capacity', { inputs: [walletCoin(1_000_000n)] }, 'INSUFFICIENT_FUNDS');
  fund('the same input twice', { inputs: [wc(), wc()] }, 'INVALID_ARGUMENT');
  fund('no inputs', { inputs: [] }, 'INVALID_ARGUMENT');
  fund('inputs not an array', { inputs: wc() }, 'INVALID_ARGUMENT');
  fund('an uppercase input txid', { inputs: [wc({ txid: walletCoin(enough).txid.toUpperCase(), prevTx: undefined })] }, 'INVALID_ARGUMENT');
  fund('a negative vout', { inputs: [wc({ vout: -1, prevTx: undefined })] }, 'INVALID_ARGUMENT');
  fund('a fractional vout', { inputs: [wc({ vout: 0.5, prevTx: undefined })] }, 'INVALID_ARGUMENT');
  fund('a zero capacity', { capacity: 0n }, 'INVALID_AMOUNT');
  fund('a negative capacity', { capacity: -1n }, 'INVALID_AMOUNT');
  fund('a capacity above 21e6 BTC', { capacity: MAX_MONEY + 1n }, 'INVALID_AMOUNT');
  fund('a capacity given as a number', { capacity: 1_000_000 }, 'INVALID_AMOUNT');
  fund('an input value given as a number', { inputs: [wc({ value: 1_200_000 })] }, 'INVALID_AMOUNT');
  fund('a zero input value', { inputs: [wc({ value: 0n, prevTx: undefined })] }, 'INVALID_AMOUNT');
  fund('an input value above 21e6 BTC', { inputs: [wc({ value: MAX_MONEY + 1n, prevTx: undefined })] }, 'INVALID_AMOUNT');
  fund('inputs whose sum overflows 21e6 BTC', {
    inputs: [
      { txid: fakeTxid(1), vout: 0, value: MAX_MONEY, script: walletScript },
      { txid: fakeTxid(2), vout: 0, value: MAX_MONEY, script: walletScript },
    ],
  }, 'INVALID_AMOUNT');
  fund('a negative fee rate', { feeRate: -1n }, 'INVALID_FEE_RATE');
  fund('a fee rate above 1e8 sat/kw', { feeRate: 100_000_001n }, 'INVALID_FEE_RATE');
  fund('a fee rate given as a number', { feeRate: 1000 }, 'INVALID_FEE_RATE');
  fund('equal sender and receiver funding keys', { receiverFundingKey: keys.senderFunding.pub }, 'INVALID_KEY');
  for (const d of BAD_DESTINATIONS) fund(`change script: ${d.name}`, { changeScript: d.script }, 'INVALID_SCRIPT');
  for (const role of ['senderFundingKey', 'receiverFundingKey'] as const) {
    for (const k of BAD_KEYS) fund(`${role}: ${k.name}`, { [role]: k.key }, 'INVALID_KEY');
  }
  for (const t of FUNDING) {
    col.ok(t, 'a P2WPKH wallet coin', [new Ref('fundingParams')]);
    col.ok(t, 'a P2SH-P2WPKH coin', [new Ref('fundingParams', { inputs: [coin(p2shScript(nestedRedeem), enough, 'nested', { redeemScript: nestedRedeem })] })]);
    col.ok(t, 'a P2TR key-path coin', [new Ref('fundingParams', { inputs: [coin(Uint8Array.from([0x51, 0x20, ...new Uint8Array(32).fill(9)]), enough, 'p2tr')] })]);
  }

  // --- channel parameters (every channel entry point) -------------------------
  const paymentFee = feeForWeight(PAYMENT_WEIGHT, channel.feeRate);
  const op = channel.fundingOutpoint;
  const badChannels: [string, Record<string, unknown>, ErrorCode][] = [
    ['a negative capacity', { capacity: -1n }, 'INVALID_AMOUNT'],
    ['a zero capacity', { capacity: 0n }, 'INVALID_AMOUNT'],
    ['a capacity above 21e6 BTC', { capacity: MAX_MONEY + 1n }, 'INVALID_AMOUNT'],
    ['a capacity given as a number', { capacity: 1_000_000 }, 'INVALID_AMOUNT'],
    ['a capacity one below fee + 330', { capacity: paymentFee + 329n }, 'FEE_EXCEEDS_OUTPUT'],
    ['a capacity below the payment fee', { capacity: 1n, feeRate: 100_000n }, 'FEE_EXCEEDS_OUTPUT'],
    ['a negative fee rate', { feeRate: -1n }, 'INVALID_FEE_RATE'],
    ['a fee rate above 1e8', { feeRate: 100_000_001n }, 'INVALID_FEE_RATE'],
    ['a fee rate given as a number', { feeRate: 1000 }, 'INVALID_FEE_RATE'],
    ['no funding outpoint', { fundingOutpoint: undefined }, 'INVALID_ARGUMENT'],
    ['a null funding outpoint', { fundingOutpoint: null }, 'INVALID_ARGUMENT'],
    ['an uppercase funding txid', { fundingOutpoint: { ...op, txid: op.txid.toUpperCase() } }, 'INVALID_ARGUMENT'],
    ['a 31-byte funding txid', { fundingOutpoint: { ...op, txid: op.txid.slice(2) } }, 'INVALID_ARGUMENT'],
    ['a negative funding vout', { fundingOutpoint: { ...op, vout: -1 } }, 'INVALID_ARGUMENT'],
    ['a funding vout above 2^32-1', { fundingOutpoint: { ...op, vout: 2 ** 32 } }, 'INVALID_ARGUMENT'],
    ['equal funding keys', { receiverFundingKey: channel.senderFundingKey }, 'INVALID_KEY'],
    ['revocation key equal to the sender payout key', { receiverRevocationKey: channel.senderPayoutKey }, 'INVALID_KEY'],
    ['a CLTV variant with a CSV delay', { variant: { kind: 'cltv', expiry: { blocks: 144 } } }, 'INVALID_TIMELOCK'],
    ['a CLTV variant with a delay instead of an expiry', { variant: { kind: 'cltv', delay: { blocks: 144 } } }, 'INVALID_TIMELOCK'],
    ['a CLTV variant with a bare number', { variant: { kind: 'cltv', expiry: 1000 } }, 'INVALID_TIMELOCK'],
    ['a CLTV variant with a null expiry', { variant: { kind: 'cltv', expiry: null } }, 'INVALID_TIMELOCK'],
    ['a CSV variant with a height', { variant: { kind: 'csv', delay: { height: 1000 } } }, 'INVALID_TIMELOCK'],
    ['a CSV variant with an expiry instead of a delay', { variant: { kind: 'csv', expiry: { height: 1000 } } }, 'INVALID_TIMELOCK'],
    ['a CSV variant with a null delay', { variant: { kind: 'csv', delay: null } }, 'INVALID_TIMELOCK'],
    ['CLTV height 0', { variant: { kind: 'cltv', expiry: { height: 0 } } }, 'INVALID_TIMELOCK'],
    ['CLTV height at the time threshold', { variant: { kind: 'cltv', expiry: { height: 500_000_000 } } }, 'INVALID_TIMELOCK'],
    ['CLTV fractional height', { variant: { kind: 'cltv', expiry: { height: 1000.5 } } }, 'INVALID_TIMELOCK'],
    ['CLTV time below the threshold', { variant: { kind: 'cltv', expiry: { time: 499_999_999 } } }, 'INVALID_TIMELOCK'],
    ['CLTV time above 2^31-1', { variant: { kind: 'cltv', expiry: { time: 2 ** 31 } } }, 'INVALID_TIMELOCK'],
    ['CSV delay 0', { variant: { kind: 'csv', delay: { blocks: 0 } } }, 'INVALID_TIMELOCK'],
    ['CSV delay above 0xffff', { variant: { kind: 'csv', delay: { blocks: 0x10000 } } }, 'INVALID_TIMELOCK'],
    ['CSV delay with the BIP 68 time flag', { variant: { kind: 'csv', delay: { blocks: 0x400000 | 144 } } }, 'INVALID_TIMELOCK'],
    ['CSV delay as a bigint', { variant: { kind: 'csv', delay: { blocks: 144n } } }, 'INVALID_TIMELOCK'],
    ['an unknown variant kind', { variant: { kind: 'htlc' } }, 'INVALID_TIMELOCK'],
    ['a null variant', { variant: null }, 'INVALID_TIMELOCK'],
  ];
  for (const role of ['senderFundingKey', 'receiverFundingKey', 'senderPayoutKey', 'receiverPayoutKey', 'receiverRevocationKey'] as const) {
    for (const k of BAD_KEYS) badChannels.push([`${role}: ${k.name}`, { [role]: k.key }, 'INVALID_KEY']);
  }
  for (const [name, changes, code] of badChannels) {
    for (const [t, suffix, input] of channelEntries(ch(changes))) col.bad(t, `channel with ${name}${suffix}`, input, code);
  }
  for (const [t, suffix, input] of channelEntries(null)) col.bad(t, `null channel parameters${suffix}`, input, 'INVALID_ARGUMENT');

  // --- payments --------------------------------------------------------------
  const maxAmount = channel.capacity - paymentFee;
  each(paymentEntries({ amount: -1n }), 'a negative amount', 'INVALID_AMOUNT');
  each(paymentEntries({ amount: channel.capacity + 1n }), 'an amount above the capacity', 'INVALID_AMOUNT');
  each(paymentEntries({ amount: 1000 }), 'an amount given as a number', 'INVALID_AMOUNT');
  each(paymentEntries({ amount: maxAmount + 1n }), 'amount + fee one above the capacity', 'FEE_EXCEEDS_OUTPUT');
  each(paymentEntries({ amount: channel.capacity }), 'amount = capacity (no room for the fee)', 'FEE_EXCEEDS_OUTPUT');
  each(paymentEntries({ state: -1n }), 'a negative state', 'INVALID_ARGUMENT');
  each(paymentEntries({ state: MAX_STATE + 1n }), 'state 2^48', 'INVALID_ARGUMENT');
  each(paymentEntries({ state: MAX_STATE + 8n }), 'state 2^48 + 7 (would alias state 7)', 'INVALID_ARGUMENT');
  each(paymentEntries({ state: 7 }), 'a state given as a number', 'INVALID_ARGUMENT');
  for (const k of BAD_KEYS) each(paymentEntries({ updateKey: k.key }, false), `updateKey: ${k.name}`, 'INVALID_KEY');
  {
    // A channel just above the minimum capacity: amount 200 < 294 and the sender's 200 < 294 (< 330), a transaction without outputs.
    const tiny = ch({ capacity: paymentFee + 400n });
    const p = { channel: tiny, state: 1n, amount: 200n, updateKey: K(1).pub };
    const name = 'an amount that leaves every output below dust';
    col.bad('buildSenderPaymentTx', name, [new Ref('senderPayment', p)], 'FEE_EXCEEDS_OUTPUT');
    col.bad('buildReceiverPaymentTx', name, [new Ref('receiverPayment', { channel: tiny, state: 1n, amount: 200n })], 'FEE_EXCEEDS_OUTPUT');
    col.bad('createSenderPaymentPsbt', name, [new Ref('senderPayment', p)], 'FEE_EXCEEDS_OUTPUT');
    col.bad('createReceiverPaymentPsbt', name, [new Ref('receiverPayment', { channel: tiny, state: 1n, amount: 200n })], 'FEE_EXCEEDS_OUTPUT');
    col.bad('PaymentSigner.senderVersionHash', name, [...signerArgs('sender', tiny), 1n, 200n, K(1).pub], 'FEE_EXCEEDS_OUTPUT');
    col.bad('PaymentSigner.receiverVersionHash', name, [...signerArgs('receiver', tiny), 1n, 200n], 'FEE_EXCEEDS_OUTPUT');
  }

  // --- cooperative close -------------------------------------------------------
  each(closeEntries({ amount: -1n }), 'a negative amount', 'INVALID_AMOUNT');
  each(closeEntries({ amount: channel.capacity + 1n }), 'an amount above the capacity', 'INVALID_AMOUNT');
  each(closeEntries({ amount: 1000 }), 'an amount given as a number', 'INVALID_AMOUNT');
  each(closeEntries({ feeRate: -1n }), 'a negative fee rate', 'INVALID_FEE_RATE');
  each(closeEntries({ feeRate: 2500 }), 'a fee rate given as a number', 'INVALID_FEE_RATE');
  each(closeEntries({ amount: channel.capacity - 100n }), 'a fee above the sender balance', 'FEE_EXCEEDS_OUTPUT');
  each(closeEntries({ amount: channel.capacity }), 'amount = capacity with a nonzero fee', 'FEE_EXCEEDS_OUTPUT');
  each(closeEntries({ amount: 0n, feeRate: ((channel.capacity - 100n) * 1000n) / BigInt(CLOSE_WEIGHT) }), 'a fee that leaves every output below dust', 'FEE_EXCEEDS_OUTPUT');

  // --- penalty -------------------------------------------------------------------
  each(penaltyEntries({ feeRate: 100_000_000n }), 'a fee that eats the output', 'FEE_EXCEEDS_OUTPUT');
  each(penaltyEntries({ sweepReceiverOutput: false, feeRate: 10_000_000n }), 'a fee that eats the revocable output alone', 'FEE_EXCEEDS_OUTPUT');
  each(penaltyEntries({ feeRate: -1n }), 'a negative fee rate', 'INVALID_FEE_RATE');
  each(penaltyEntries({ revokedTx: fundingTx.toBuffer() }), 'the funding tx (does not spend the funding output)', 'INVALID_TRANSACTION');
  {
    const t = Transaction.fromBuffer(revoked.toBuffer());
    t.ins[0]!.index = 1;
    each(penaltyEntries({ revokedTx: t.toBuffer() }), 'a tx spending another outpoint', 'INVALID_TRANSACTION');
  }
  each(penaltyEntries({ revokedTx: Uint8Array.from([1, 2, 3]) }), 'bytes that do not parse', 'INVALID_TRANSACTION');
  each(penaltyEntries({ revokedTx: Uint8Array.from([...revoked.toBuffer(), 0]) }), 'a tx with trailing bytes', 'INVALID_TRANSACTION');
  each(penaltyEntries({ updateKey: K(4).pub }), 'an update key whose output is not in the tx', 'NOTHING_TO_CLAIM');
  each(penaltyEntries({ revokedTx: receiverVersion.toBuffer(), updateKey: K(5).pub }), 'a receiver\'s version (no revocable output)', 'NOTHING_TO_CLAIM');
  for (const d of BAD_DESTINATIONS) each(penaltyEntries({ destinationScript: d.script }), `destination: ${d.name}`, 'INVALID_SCRIPT');
  for (const k of BAD_KEYS) each(penaltyEntries({ updateKey: k.key }), `updateKey: ${k.name}`, 'INVALID_KEY');

  const penaltyKeyRows: [string, Record<string, unknown>, ErrorCode][] = [
    ['a secret not matching updateKey', { updateSecret: K(4).priv }, 'REVOKED_SECRET_MISMATCH'],
    ['the revocation key as the secret', { updateSecret: keys.receiverRevocation.priv }, 'REVOKED_SECRET_MISMATCH'],
    ['a revocation key not of the channel', { revocationKey: keys.receiverPayout.priv }, 'INVALID_KEY'],
    ['a receiver payout key not of the channel', { receiverPayoutKey: keys.receiverRevocation.priv }, 'INVALID_KEY'],
    ['no receiver payout key while sweeping the receiver output', { receiverPayoutKey: DELETE }, 'INVALID_KEY'],
  ];
  for (const k of BAD_PRIVATE_KEYS) {
    for (const role of ['updateSecret', 'revocationKey', 'receiverPayoutKey'] as const) penaltyKeyRows.push([`${role}: ${k.name}`, { [role]: k.key }, 'INVALID_KEY']);
  }
  for (const [name, changes, code] of penaltyKeyRows) col.bad('signPenaltyTx', `keys: ${name}`, [new Ref('penalty'), new Ref('penaltyKeys', changes)], code);

  col.ok('parseChannelSpend', 'a sender\'s version', [ch(), revoked.toBuffer()]);
  col.ok('parseChannelSpend', 'a receiver\'s version', [ch(), receiverVersion.toBuffer()]);
  {
    const twoInputs = Transaction.fromBuffer(revoked.toBuffer());
    twoInputs.addInput(new Uint8Array(32).fill(3), 0);
    const another = Transaction.fromBuffer(revoked.toBuffer());
    another.ins[0]!.hash = new Uint8Array(32).fill(4);
    for (const [name, raw] of [
      ['bytes that do not parse', Uint8Array.from([1, 2, 3])], ['no bytes', new Uint8Array(0)], ['the funding tx', fundingTx.toBuffer()],
      ['trailing bytes', Uint8Array.from([...revoked.toBuffer(), 0])], ['truncated by one byte', revoked.toBuffer().subarray(0, -1)],
      ['a second input', twoInputs.toBuffer()], ['an input spending another txid', another.toBuffer()], ['hex instead of bytes', revoked.toHex()],
      ['null', null],
    ] as const) col.bad('parseChannelSpend', name, [ch(), raw], 'INVALID_TRANSACTION');
  }

  // --- timeout ---------------------------------------------------------------------
  each(timeoutEntries({ feeRate: 100_000_000n }), 'a fee that eats the output', 'FEE_EXCEEDS_OUTPUT');
  each(timeoutEntries({ feeRate: -1n }), 'a negative fee rate', 'INVALID_FEE_RATE');
  each(timeoutEntries({ senderTx: fundingTx.toBuffer() }), 'the funding tx (does not spend the funding output)', 'INVALID_TRANSACTION');
  each(timeoutEntries({ senderTx: new Uint8Array(0) }), 'bytes that do not parse', 'INVALID_TRANSACTION');
  each(timeoutEntries({ updateKey: K(3).pub }), 'an update key whose output is not in the tx', 'NOTHING_TO_CLAIM');
  for (const d of BAD_DESTINATIONS) each(timeoutEntries({ destinationScript: d.script }), `destination: ${d.name}`, 'INVALID_SCRIPT');
  for (const k of BAD_KEYS) each(timeoutEntries({ updateKey: k.key }), `updateKey: ${k.name}`, 'INVALID_KEY');
  for (const [name, key] of [
    ['the receiver\'s payout key', keys.receiverPayout.priv],
    ['the sender\'s funding key', keys.senderFunding.priv],
    ['the update secret', K(5).priv],
    ...BAD_PRIVATE_KEYS.map((k) => [k.name, k.key] as const),
  ] as const) {
    col.bad('signTimeoutTx', `signed with ${name}`, [new Ref('timeout'), key], 'INVALID_KEY');
  }

  // --- PSBT creators' own options ---------------------------------------------------
  for (const [t, base] of [['createSenderPaymentPsbt', 'senderPayment'], ['createReceiverPaymentPsbt', 'receiverPayment'], ['createClosePsbt', 'close']] as const) {
    col.bad(t, 'a fundingTx that is not the channel\'s', [new Ref(base), { fundingTx: revoked.toBuffer() }], 'INVALID_TRANSACTION');
    col.bad(t, 'a fundingTx that does not parse', [new Ref(base), { fundingTx: Uint8Array.from([1, 2, 3]) }], 'INVALID_TRANSACTION');
  }

  // --- PaymentSigner -------------------------------------------------------------------
  for (const [name, party, key] of [
    ['the receiver\'s funding key as the sender', 'sender', keys.receiverFunding.priv],
    ['the sender\'s funding key as the receiver', 'receiver', keys.senderFunding.priv],
    ['the sender\'s payout key as the sender', 'sender', keys.senderPayout.priv],
    ...BAD_PRIVATE_KEYS.map((k) => [k.name, 'sender', k.key] as const),
  ] as const) {
    col.bad('PaymentSigner', name, [ch(), party, key], 'INVALID_KEY');
    col.bad('PaymentSigner(ChannelContext)', name, [ch(), party, key], 'INVALID_KEY');
  }
  col.bad('PaymentSigner', 'an unknown party', [ch(), 'watcher', new Ref('receiverFundingKey')], 'INVALID_ARGUMENT');
  col.bad('PaymentSigner(ChannelContext)', 'an unknown party', [ch(), 'watcher', new Ref('receiverFundingKey')], 'INVALID_ARGUMENT');
  {
    const state = 9n;
    const amount = 10_000n;
    const upd = K(9).pub;
    const goodSig = receiverSigner.sign(senderSigner.senderVersionHash(state, amount, upd));
    const sigRows: [string, unknown][] = [
      ['a signature over other bytes (another amount)', receiverSigner.sign(senderSigner.senderVersionHash(state, amount + 1n, upd))],
      ['a signature over another state', receiverSigner.sign(senderSigner.senderVersionHash(state + 1n, amount, upd))],
      ['a signature over the receiver\'s version', receiverSigner.sign(senderSigner.receiverVersionHash(state, amount))],
      ['the sender\'s own signature', senderSigner.sign(senderSigner.senderVersionHash(state, amount, upd))],
      ['a high-S signature', highS(goodSig)],
      ['a non-DER signature (padded r)', paddedR(goodSig)],
      ['a non-DER signature (wrong length byte)', Uint8Array.from([goodSig[0]!, goodSig[1]! + 1, ...goodSig.subarray(2)])],
      ['a compact 64-byte signature with a sighash byte', Uint8Array.from([...derToCompact(goodSig), 1])],
      ['a SIGHASH_NONE signature', Uint8Array.from([...goodSig.subarray(0, -1), 2])],
      ['a SIGHASH_ALL|ANYONECANPAY signature', Uint8Array.from([...goodSig.subarray(0, -1), 0x81])],
      ['an empty signature', new Uint8Array(0)],
      ['a hex string', toHex(goodSig)],
    ];
    for (const [name, sig] of sigRows) col.bad('PaymentSigner.completeSenderVersion', name, [...signerArgs('sender'), state, amount, upd, sig], 'INVALID_SIGNATURE');
    col.ok('PaymentSigner.completeSenderVersion', 'the receiver\'s signature', [...signerArgs('sender'), state, amount, upd, goodSig]);
    const recvGood = senderSigner.sign(receiverSigner.receiverVersionHash(state, amount));
    for (const [name, sig] of [
      ['a signature over other bytes', senderSigner.sign(receiverSigner.receiverVersionHash(state, amount + 1n))],
      ['a high-S signature', highS(recvGood)],
      ['a non-DER signature', paddedR(recvGood)],
    ] as const) col.bad('PaymentSigner.completeReceiverVersion', name, [...signerArgs('receiver'), state, amount, sig], 'INVALID_SIGNATURE');
    col.ok('PaymentSigner.completeReceiverVersion', 'the sender\'s signature', [...signerArgs('receiver'), state, amount, recvGood]);
    const closeGood = senderSigner.sign(receiverSigner.closeHash(400_000n, 2500n));
    for (const [name, sig] of [
      ['a signature over other bytes', senderSigner.sign(receiverSigner.closeHash(400_000n, 2501n))],
      ['a high-S signature', highS(closeGood)],
      ['a non-DER signature', paddedR(closeGood)],
    ] as const) col.bad('PaymentSigner.completeClose', `receiver: ${name}`, [...signerArgs('receiver'), 400_000n, 2500n, sig], 'INVALID_SIGNATURE');
    const closeBySender = receiverSigner.sign(senderSigner.closeHash(400_000n, 2500n));
    col.ok('PaymentSigner.completeClose', 'the receiver\'s signature, as the sender', [...signerArgs('sender'), 400_000n, 2500n, closeBySender]);
    col.ok('PaymentSigner.completeClose', 'the sender\'s signature, as the receiver', [...signerArgs('receiver'), 400_000n, 2500n, closeGood]);
    col.bad('PaymentSigner.sign', 'a 31-byte hash', [...signerArgs('sender'), new Uint8Array(31)], 'INVALID_ARGUMENT');
    col.bad('PaymentSigner.sign', 'a 33-byte hash', [...signerArgs('sender'), new Uint8Array(33)], 'INVALID_ARGUMENT');
    col.bad('PaymentSigner.sign', 'a hex string', [...signerArgs('sender'), '07'.repeat(32)], 'INVALID_ARGUMENT');
    col.ok('PaymentSigner.sign', 'a 32-byte hash', [...signerArgs('sender'), new Uint8Array(32).fill(7)]);
    col.bad('PaymentSigner.verifyCounterparty', 'a 31-byte hash', [...signerArgs('sender'), new Uint8Array(31), goodSig], 'INVALID_ARGUMENT');
    col.bad('PaymentSigner.verifyCounterparty', 'a hash as a hex string', [...signerArgs('sender'), '07'.repeat(32), goodSig], 'INVALID_ARGUMENT');
    col.ok('PaymentSigner.verifyCounterparty', 'the receiver\'s signature', [...signerArgs('sender'), senderSigner.senderVersionHash(state, amount, upd), goodSig]);
  }

  // --- valid calls: the good parameters, in every variant ----------------------------
  col.ok('PaymentSigner', 'the sender\'s funding key', signerArgs('sender'));
  col.ok('PaymentSigner', 'the receiver\'s funding key', signerArgs('receiver'));
  col.ok('PaymentSigner(ChannelContext)', 'the sender\'s funding key', signerArgs('sender'));
  col.ok('PaymentSigner.senderVersionHash', 'good parameters', [...signerArgs('sender'), 7n, 250_000n, K(7).pub]);
  col.ok('PaymentSigner.receiverVersionHash', 'good parameters', [...signerArgs('receiver'), 7n, 250_000n]);
  col.ok('PaymentSigner.closeHash', 'good parameters', [...signerArgs('sender'), 400_000n, 2500n]);
  col.ok('planPenalty', 'good parameters', [ch(), new Ref('penalty')]);
  col.ok('planTimeout', 'good parameters', [ch(), new Ref('timeout')]);
  for (const { name: vname, variant: v } of VARIANTS) {
    const c = v === variant ? ch() : ch({ variant: v });
    const cctx = verifyChannelParams({ ...channel, variant: v });
    const s = new PaymentSigner(cctx, 'sender', keys.senderFunding.priv);
    const r = new PaymentSigner(cctx, 'receiver', keys.receiverFunding.priv);
    const rev = s.completeSenderVersion(3n, 100_000n, K(3).pub, r.sign(s.senderVersionHash(3n, 100_000n, K(3).pub))).toBuffer();
    const pp = new Ref('penalty', { channel: c, revokedTx: rev });
    const tp = new Ref('timeout', { channel: c, senderTx: rev, updateKey: K(3).pub, feeRate: 2000n });
    col.ok('verifyChannelParams', vname, [c]);
    col.ok('buildSenderPaymentTx', vname, [new Ref('senderPayment', { channel: c })]);
    col.ok('createSenderPaymentPsbt', `${vname}, with the funding tx`, [new Ref('senderPayment', { channel: c }), { fundingTx: new Ref('fundingTx') }]);
    col.ok('buildReceiverPaymentTx', vname, [new Ref('receiverPayment', { channel: c })]);
    col.ok('createReceiverPaymentPsbt', vname, [new Ref('receiverPayment', { channel: c })]);
    col.ok('buildCooperativeCloseTx', vname, [new Ref('close', { channel: c })]);
    col.ok('createClosePsbt', vname, [new Ref('close', { channel: c })]);
    col.ok('buildPenaltyTx', vname, [pp]);
    col.ok('signPenaltyTx', vname, [pp, new Ref('penaltyKeys')]);
    col.ok('createPenaltyPsbt', vname, [pp]);
    col.ok('buildTimeoutTx', vname, [tp]);
    col.ok('signTimeoutTx', vname, [tp, new Ref('senderPayoutKey')]);
    col.ok('createTimeoutPsbt', vname, [tp]);
  }
}

