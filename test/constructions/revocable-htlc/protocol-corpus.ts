/**
 * The bad-input corpus of the revocable channel's HTLC protocol: the
 * messages only a channel with HTLC terms sends (fulfill, fail) in their own
 * messages-<type>.json files, the HTLC members of open_channel,
 * accept_channel and offer respelt (messages-htlc-fields.json), and bad
 * calls and messages for the parties of a channel with HTLCs in every
 * step of an HTLC's life (htlc-parties-<target>.json): each refused with its
 * code, the party's saved state byte-equal after, and the party still
 * taking its next valid call. Offers the sender's code would not make are
 * signed with the sender's real funding key, so only the receiver's own
 * checks refuse them.
 */
import {
  ErrorCode, Htlc, MessageType, OfferChange, PaymentSigner, REVOCABLE_MESSAGES, Receiver, deriveUpdateKey, encodeMessage, htlcOf, htlcsAt,
  paymentFeeWithHtlcs,
} from '../../../lib';
import type { Target } from '../../support/bad-inputs-targets';
import { DELETE, JsonText, Ref } from '../../support/bad-inputs-codec';
import { FileSpec, PartySpec } from '../../kit/corpus/format';
import { PartyCollector, partyFixtures } from '../../kit/corpus/parties';
import { plainMessages, schemaFile } from '../../kit/corpus/messages';
import { badSpellings, withMember } from '../../kit/corpus/spellings';
import { CHAIN, receiverSecrets, senderSecrets } from '../../support/parties';
import { CLTV, htlcReceiverSecrets } from '../../support/htlc-parties';
import { keys } from '../../support/keys';
import { EXPIRY, P0, P1, P2, runHtlcScenario } from './scenario';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Args = any[];
type Json = Record<string, unknown>;

const method = (cls: 'Sender' | 'Receiver', name: string): [string, Target] => [`${cls}.${name}`, {
  kind: 'party', exports: [cls],
  run: (a: Args, party?: unknown) => {
    if (party === undefined) throw new Error(`${cls}.${name} needs a party`);
    return (party as Record<string, (...x: unknown[]) => unknown>)[name]!.apply(party, a);
  },
}];

export const PROTOCOL_TARGETS: [string, Target][] = [
  ...['addHtlc', 'settleHtlc', 'failHtlc', 'onFulfill', 'onFail', 'htlcsAt', 'htlcDeadAt'].map((m) => method('Sender', m)),
  ...['fulfill', 'fail', 'htlcsAt', 'htlcClaimDeadline'].map((m) => method('Receiver', m)),
  ['htlcsAt', { kind: 'builder', exports: ['htlcsAt'], run: (a: Args) => htlcsAt(a[0], a[1]) }],
  ['htlcOf', { kind: 'builder', exports: ['htlcOf'], run: (a: Args) => htlcOf(a[0]) }],
];

/** fulfill and fail, in the files every decoder has: each field missing, respelt; every other type's message refused. */
function htlcMessageFiles(s: ReturnType<typeof runHtlcScenario>): FileSpec[] {
  const { wire } = plainMessages();
  const baselines: Record<string, unknown> = Object.fromEntries(wire);
  baselines.fulfill = encodeMessage(s.messages.fulfill);
  baselines.fail = encodeMessage(s.messages.fail);
  return REVOCABLE_MESSAGES.filter((x) => !wire.has(x.type)).map((schema) => schemaFile({ schema, baselines, peers: REVOCABLE_MESSAGES, alternates: [] }));
}

/** The HTLC members of the messages a plain channel sends too, respelt. */
function htlcFieldsFile(s: ReturnType<typeof runHtlcScenario>): FileSpec {
  const m = s.messages;
  const baselines: Record<string, Json> = {
    open_channel_htlc: encodeMessage(m.open), accept_channel_htlc: encodeMessage(m.acceptChannel),
    offer_pay: encodeMessage({ ...m.offerPay, change: { kind: 'pay' } }), offer_addHtlc: encodeMessage(m.offerAdd),
    offer_settleHtlc: encodeMessage(m.offerSettle), offer_failHtlc: encodeMessage(m.offerFail),
  };
  const fields: [string, MessageType, string][] = [
    ['open_channel_htlc', 'open_channel', 'htlc'], ['accept_channel_htlc', 'accept_channel', 'receiverHtlcKey'],
    ['offer_pay', 'offer', 'change'], ['offer_addHtlc', 'offer', 'change'], ['offer_settleHtlc', 'offer', 'change'], ['offer_failHtlc', 'offer', 'change'],
  ];
  const cases: FileSpec['cases'][number][] = [];
  const valid: FileSpec['valid'][number][] = [];
  for (const [name, type, f] of fields) {
    const schema = REVOCABLE_MESSAGES.find((x) => x.type === type)!;
    const good = baselines[name]!;
    const target = `decoders.${type}`;
    valid.push({ name: `the valid ${name}`, target, input: [new Ref(name)] });
    for (const [spelling, value, code] of badSpellings(schema.fields[f]!, good[f])) {
      const v = withMember(good, f, value);
      cases.push({ name: `${name}: ${f}: ${spelling}`, target, input: [v instanceof JsonText ? v : new Ref(name, { [f]: value })], expect: code });
    }
  }
  return {
    file: 'messages-htlc-fields.json',
    description: 'The HTLC members of open_channel (htlc), accept_channel (receiverHtlcKey) and offer (change, each case): respelt, through the type\'s decoder, decodeMessageOf and decodeMessage',
    baselines, valid, cases,
  };
}

function partyFiles(s: ReturnType<typeof runHtlcScenario>): FileSpec[] {
  const cltv = runHtlcScenario(CLTV);
  const plain = partyFixtures();
  const S = s.states;
  const m = s.messages;
  const live = Receiver.restore(S.receiverLive, htlcReceiverSecrets);
  const ctx = live.context;
  const asSender = new PaymentSigner(ctx, 'sender', senderSecrets.fundingKey);
  const cltvLive = Receiver.restore(cltv.states.receiverLive, htlcReceiverSecrets);
  const cltvSender = new PaymentSigner(cltvLive.context, 'sender', senderSecrets.fundingKey);
  const liveHtlcs: Htlc[] = live.htlcsAt(3).map(htlcOf);
  const K4 = deriveUpdateKey(senderSecrets.updateSeed, 4n);
  /** A signed offer for state 4 of the receiver at `receiverLive` (HTLCs 0 and 1 live, total 10,000). */
  const offer4 = (amount: bigint, change: unknown, htlcs: readonly Htlc[], signer = asSender, channelId = live.channelId) => ({
    type: 'offer', channelId, index: 4, amount, updateKey: K4, change,
    sig: signer.sign(htlcs.length === 0 ? signer.receiverVersionHash(4n, amount) : signer.versionHash(4n, { version: 'receiver', amount, htlcs })),
  });
  const newHtlc = (amount: bigint, expiry: number, hash = P2.hash): Htlc => ({ amount, hash, expiry: { height: expiry } });
  const add = (o: Partial<Extract<OfferChange, { kind: 'addHtlc' }>> = {}) => ({ kind: 'addHtlc', id: 2, amount: 10_000n, hash: P2.hash, expiry: EXPIRY, ...o });
  const at = (height: number) => ({ height, medianTimePast: CHAIN.medianTimePast });

  const baselines: Record<string, unknown> = {
    senderSecrets, receiverSecrets: htlcReceiverSecrets, plainReceiverSecrets: receiverSecrets, chain: CHAIN, expired: at(EXPIRY),
    open: m.open, acceptChannel: m.acceptChannel, offerAdd: m.offerAdd, acceptAdd: m.acceptAdd, revokeAdd: m.revokeAdd, fulfill: m.fulfill,
    offerSettle: m.offerSettle, fail: m.fail, offerFail: m.offerFail, newHtlc: { amount: 10_000n, hash: P2.hash, expiry: EXPIRY },
    senderState: S.senderDone, receiverState: S.receiverDone, plainOffer: plain.csv.messages.offer,
    table: live.htlcTable, policy: { minCsvDelay: 1, minMargin: 1, htlc: { minDelay: 1, minExpiryDelta: 20, claimMargin: 12 } },
    openOptions: { capacity: 1_000_000n, variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n, secrets: senderSecrets, htlc: { delay: 6, maxDustExposure: 5_000n } },
  };
  const sender = (state: Json, call: string, input: unknown[]): PartySpec => ({ role: 'sender', state, secrets: new Ref('senderSecrets'), next: { call, input } });
  const receiver = (state: Json, call: string, input: unknown[], secrets = 'receiverSecrets'): PartySpec => ({ role: 'receiver', state, secrets: new Ref(secrets), next: { call, input } });
  const parties: Record<string, PartySpec> = {
    htlcSenderOpening: sender(S.senderOpening!, 'onAcceptChannel', [new Ref('acceptChannel')]),
    htlcSenderLive: sender(S.senderLive!, 'addHtlc', [new Ref('newHtlc'), new Ref('chain')]),
    htlcSenderPending: sender(S.senderAddPending!, 'onAccept', [new Ref('acceptAdd')]),
    htlcSenderFulfilled: sender(S.senderFulfilled!, 'settleHtlc', [0]),
    htlcSenderFailed: sender(S.senderFailed!, 'failHtlc', [1]),
    htlcSenderCltv: sender(cltv.states.senderLive!, 'addHtlc', [new Ref('newHtlc'), new Ref('chain')]),
    htlcReceiverLive: receiver(S.receiverLive!, 'onOffer', [new Ref('offerSettle'), new Ref('chain')]),
    htlcReceiverPending: receiver(S.receiverAddPending!, 'onRevoke', [new Ref('revokeAdd')]),
    htlcReceiverFulfilled: receiver(S.receiverFulfilled!, 'fulfill', [0, P0.preimage]),
    htlcReceiverFailed: receiver(S.receiverFailed!, 'onOffer', [new Ref('offerFail'), new Ref('chain')]),
    htlcReceiverCltv: receiver(cltv.states.receiverLive!, 'fulfill', [0, P0.preimage]),
    plainSender: sender(plain.csv.states.senderOpen!, 'pay', [500n]),
    plainReceiver: receiver(plain.csv.states.receiverOpen!, 'onOffer', [new Ref('plainOffer'), new Ref('chain')], 'plainReceiverSecrets'),
  };

  const col = new PartyCollector();
  const bad = (target: string, party: string | undefined, name: string, input: unknown[], code: ErrorCode) => col.bad(target, party, name, input, code);

  // --- the receiver: offers with HTLC changes -----------------------------------------------
  {
    const T = 'Receiver.onOffer';
    const R = 'htlcReceiverLive';
    const withNew = (h: Htlc) => [...liveHtlcs, h];
    const o = (amount: bigint, change: unknown, htlcs: readonly Htlc[], chain: unknown = new Ref('chain')) => [offer4(amount, change, htlcs), chain];
    bad(T, R, 'add: expiry 19 blocks above the tip (R1 wants 20)', o(10_000n, add({ expiry: 519 }), withNew(newHtlc(10_000n, 519))), 'HTLC_EXPIRY_TOO_SOON');
    bad(T, R, 'add: expiry at the tip', o(10_000n, add({ expiry: 500 }), withNew(newHtlc(10_000n, 500))), 'HTLC_EXPIRY_TOO_SOON');
    bad(T, R, 'add: no chain view', [offer4(10_000n, add(), withNew(newHtlc(10_000n, EXPIRY)))], 'INVALID_ARGUMENT');
    for (const [name, id] of [['3 (skips one)', 3], ['1 (taken)', 1], ['0 (taken)', 0], ['-1', -1], ['2.5', 2.5], ['"2"', '2']] as const) {
      bad(T, R, `add: id ${name}`, o(10_000n, add({ id: id as number }), withNew(newHtlc(10_000n, EXPIRY))), 'UPDATE_INDEX_MISMATCH');
    }
    for (const [name, amount] of [['0', 0n], ['-1', -1n], ['a number', 10_000], ['above MAX_MONEY', 2_100_000_000_000_001n]] as const) {
      bad(T, R, `add: amount ${name}`, o(10_000n, add({ amount: amount as bigint }), liveHtlcs), 'INVALID_AMOUNT');
    }
    bad(T, R, 'add: a 31-byte hash', o(10_000n, add({ hash: P2.hash.subarray(1) }), liveHtlcs), 'INVALID_ARGUMENT');
    bad(T, R, 'add: a hash as hex text', o(10_000n, add({ hash: Buffer.from(P2.hash).toString('hex') as never }), liveHtlcs), 'INVALID_ARGUMENT');
    for (const [name, e] of [['0', 0], ['a time (500000000)', 500_000_000], ['fractional', 600.5], ['a string', '600']] as const) {
      bad(T, R, `add: expiry ${name}`, o(10_000n, add({ expiry: e as number }), liveHtlcs), 'INVALID_TIMELOCK');
    }
    const most = 1_000_000n - 10_000n - 70_000n - paymentFeeWithHtlcs(1000n, 3);
    // No version carries it, so nothing can sign one: the refusal comes before the signature is read.
    const tooMuch = { ...offer4(10_000n, add({ amount: most }), withNew(newHtlc(most, EXPIRY))), change: add({ amount: most + 1n }) };
    bad(T, R, 'add: one satoshi more than the sender\'s balance carries with the fee', [tooMuch, new Ref('chain')], 'AMOUNT_EXCEEDS_CAPACITY');
    bad(T, R, 'add: the offer\'s amount raised as well', o(10_001n, add(), withNew(newHtlc(10_000n, EXPIRY))), 'INVALID_AMOUNT');
    bad(T, R, 'add: the offer\'s amount lowered', o(9_999n, add(), withNew(newHtlc(10_000n, EXPIRY))), 'INVALID_AMOUNT');
    bad(T, R, 'add: signed over the version without the HTLC', o(10_000n, add(), liveHtlcs), 'INVALID_SIGNATURE');
    bad(T, R, 'add: signed over the HTLC with another expiry', o(10_000n, add(), withNew(newHtlc(10_000n, EXPIRY + 1))), 'INVALID_SIGNATURE');
    bad(T, R, 'add: signed over the HTLC with another hash', o(10_000n, add(), withNew(newHtlc(10_000n, EXPIRY, P1.hash))), 'INVALID_SIGNATURE');
    bad(T, R, 'add: signed over a plain payment', o(10_000n, add(), []), 'INVALID_SIGNATURE');
    const left = [liveHtlcs[1]!];
    bad(T, R, 'settle: HTLC 2 (none)', o(60_000n, { kind: 'settleHtlc', id: 2, preimage: P0.preimage }, left), 'HTLC_UNKNOWN');
    bad(T, R, 'settle: id -1', o(60_000n, { kind: 'settleHtlc', id: -1, preimage: P0.preimage }, left), 'HTLC_UNKNOWN');
    for (const [name, preimage] of [['HTLC 1\'s', P1.preimage], ['the hash itself', P0.hash], ['32 zero bytes', new Uint8Array(32)], ['31 bytes', P0.preimage.subarray(1)],
      ['33 bytes', Uint8Array.from([...P0.preimage, 0])], ['hex text', Buffer.from(P0.preimage).toString('hex')], ['missing', undefined]] as const) {
      bad(T, R, `settle: preimage ${name}`, o(60_000n, { kind: 'settleHtlc', id: 0, preimage }, left), 'HTLC_PREIMAGE_MISMATCH');
    }
    bad(T, R, 'settle: the amount without the HTLC\'s', o(10_000n, { kind: 'settleHtlc', id: 0, preimage: P0.preimage }, left), 'INVALID_AMOUNT');
    bad(T, R, 'settle: one satoshi more', o(60_001n, { kind: 'settleHtlc', id: 0, preimage: P0.preimage }, left), 'INVALID_AMOUNT');
    bad(T, R, 'settle: signed over the version still carrying it', o(60_000n, { kind: 'settleHtlc', id: 0, preimage: P0.preimage }, liveHtlcs), 'INVALID_SIGNATURE');
    const unfailed = [liveHtlcs[0]!];
    bad(T, R, 'fail: an HTLC the receiver did not fail, before its expiry', o(10_000n, { kind: 'failHtlc', id: 1 }, unfailed), 'HTLC_NOT_EXPIRED');
    bad(T, R, 'fail: at one block before the expiry', o(10_000n, { kind: 'failHtlc', id: 1 }, unfailed, at(EXPIRY - 1)), 'HTLC_NOT_EXPIRED');
    bad(T, R, 'fail: without a chain view', [offer4(10_000n, { kind: 'failHtlc', id: 1 }, unfailed)], 'INVALID_ARGUMENT');
    bad(T, R, 'fail: HTLC 2 (none)', o(10_000n, { kind: 'failHtlc', id: 2 }, liveHtlcs, new Ref('expired')), 'HTLC_UNKNOWN');
    bad(T, R, 'fail: expired, but the HTLC\'s amount to the receiver', o(30_000n, { kind: 'failHtlc', id: 1 }, unfailed, new Ref('expired')), 'INVALID_AMOUNT');
    for (const [name, change] of [['null', null], ['a string', 'addHtlc'], ['an unknown kind', { kind: 'refund', id: 0 }], ['no kind', { id: 0 }]] as const) {
      bad(T, R, `change: ${name}`, o(10_000n, change, liveHtlcs), 'MESSAGE_INVALID');
    }
    bad(T, 'htlcReceiverPending', 'the accepted add again with another expiry', [new Ref('offerAdd', { change: { ...m.offerAdd.change!, expiry: EXPIRY + 1 } }), new Ref('chain')], 'PAYMENT_PENDING');
    bad(T, 'htlcReceiverPending', 'the accepted add again without its change', [new Ref('offerAdd', { change: DELETE }), new Ref('chain')], 'PAYMENT_PENDING');
    bad(T, 'htlcReceiverPending', 'the accepted add again as a settle', [new Ref('offerAdd', { change: { kind: 'settleHtlc', id: 0, preimage: P0.preimage } }), new Ref('chain')], 'PAYMENT_PENDING');
    bad(T, 'plainReceiver', 'an add in a channel without HTLC terms', [new Ref('plainOffer', { amount: 2_000n, change: add({ id: 0 }) }), new Ref('chain')], 'HTLC_NOT_NEGOTIATED');
    bad(T, 'plainReceiver', 'a settle in a channel without HTLC terms', [new Ref('plainOffer', { change: { kind: 'settleHtlc', id: 0, preimage: P0.preimage } }), new Ref('chain')], 'HTLC_NOT_NEGOTIATED');
    const cltvOffer = (e: number) => [offer4(10_000n, add({ expiry: e }), [...cltvLive.htlcsAt(3).map(htlcOf), newHtlc(10_000n, e)], cltvSender, cltvLive.channelId), new Ref('chain')];
    bad(T, 'htlcReceiverCltv', 'add: E + D + G one block past the cutoff (T 1000, margin 10, D 6, G 12)', cltvOffer(973), 'HTLC_EXPIRY_PAST_CHANNEL');
    bad(T, 'htlcReceiverCltv', 'add: E past the channel\'s expiry', cltvOffer(1001), 'HTLC_EXPIRY_PAST_CHANNEL');
  }

  // --- the receiver: fulfill, fail, views --------------------------------------------------
  {
    bad('Receiver.fulfill', 'htlcReceiverLive', 'HTLC 2 (none)', [2, P2.preimage], 'HTLC_UNKNOWN');
    bad('Receiver.fulfill', 'htlcReceiverLive', 'id as a string', ['0', P0.preimage], 'HTLC_UNKNOWN');
    bad('Receiver.fulfill', 'htlcReceiverLive', 'another HTLC\'s preimage', [0, P1.preimage], 'HTLC_PREIMAGE_MISMATCH');
    bad('Receiver.fulfill', 'htlcReceiverLive', 'a preimage of 31 bytes', [0, P0.preimage.subarray(1)], 'HTLC_PREIMAGE_MISMATCH');
    bad('Receiver.fulfill', 'htlcReceiverLive', 'a preimage as hex text', [0, Buffer.from(P0.preimage).toString('hex')], 'HTLC_PREIMAGE_MISMATCH');
    bad('Receiver.fulfill', 'htlcReceiverPending', 'an HTLC whose add awaits the sender\'s revoke', [0, P0.preimage], 'PAYMENT_PENDING');
    bad('Receiver.fulfill', 'htlcReceiverFailed', 'an HTLC the receiver failed', [1, P1.preimage], 'UNEXPECTED_MESSAGE');
    bad('Receiver.fulfill', 'htlcReceiverFailed', 'an HTLC settled', [0, P0.preimage], 'HTLC_UNKNOWN');
    bad('Receiver.fulfill', 'plainReceiver', 'in a channel without HTLCs', [0, P0.preimage], 'HTLC_UNKNOWN');
    bad('Receiver.fail', 'htlcReceiverLive', 'HTLC 2 (none)', [2, 'other'], 'HTLC_UNKNOWN');
    bad('Receiver.fail', 'htlcReceiverLive', 'an unknown reason', [1, 'because'], 'INVALID_ARGUMENT');
    bad('Receiver.fail', 'htlcReceiverLive', 'a reason of 10000 characters', [1, 'x'.repeat(10_000)], 'INVALID_ARGUMENT');
    bad('Receiver.fail', 'htlcReceiverLive', 'no reason', [1], 'INVALID_ARGUMENT');
    bad('Receiver.fail', 'htlcReceiverFulfilled', 'an HTLC whose preimage the receiver gave', [0, 'other'], 'UNEXPECTED_MESSAGE');
    bad('Receiver.fail', 'htlcReceiverPending', 'an HTLC whose add awaits the sender\'s revoke', [0, 'other'], 'PAYMENT_PENDING');
    bad('Receiver.htlcsAt', 'htlcReceiverLive', 'index -1', [-1], 'INVALID_ARGUMENT');
    bad('Receiver.htlcsAt', 'htlcReceiverLive', 'index as a string', ['3'], 'INVALID_ARGUMENT');
    bad('Receiver.htlcClaimDeadline', 'htlcReceiverLive', 'HTLC 2 (none)', [2], 'HTLC_UNKNOWN');
    bad('Receiver.proposeClose', 'htlcReceiverLive', 'with HTLCs in flight', [2000n], 'PAYMENT_PENDING');
  }

  // --- the sender -------------------------------------------------------------------------------
  {
    const T = 'Sender.addHtlc';
    const S1 = 'htlcSenderLive';
    const h = (changes: Record<string, unknown>, chain: unknown = new Ref('chain')) => [new Ref('newHtlc', changes), chain];
    bad(T, S1, 'expiry at the tip', h({ expiry: 500 }), 'HTLC_EXPIRY_TOO_SOON');
    bad(T, S1, 'expiry below the tip', h({ expiry: 1 }), 'HTLC_EXPIRY_TOO_SOON');
    bad(T, S1, 'no chain view', [new Ref('newHtlc')], 'INVALID_ARGUMENT');
    bad(T, S1, 'a chain view without a height', h({}, { medianTimePast: 0 }), 'INVALID_ARGUMENT');
    bad(T, S1, 'amount 0', h({ amount: 0n }), 'INVALID_AMOUNT');
    bad(T, S1, 'amount as a number', h({ amount: 10_000 }), 'INVALID_AMOUNT');
    bad(T, S1, 'amount missing', h({ amount: DELETE }), 'INVALID_AMOUNT');
    bad(T, S1, 'amount one above what the sender\'s balance carries', h({ amount: 1_000_000n - 10_000n - 70_000n - paymentFeeWithHtlcs(1000n, 3) + 1n }), 'AMOUNT_EXCEEDS_CAPACITY');
    bad(T, S1, 'a 33-byte hash', h({ hash: Uint8Array.from([...P2.hash, 0]) }), 'INVALID_ARGUMENT');
    bad(T, S1, 'hash missing', h({ hash: DELETE }), 'INVALID_ARGUMENT');
    bad(T, S1, 'expiry 0', h({ expiry: 0 }), 'INVALID_TIMELOCK');
    bad(T, S1, 'expiry {height}', h({ expiry: { height: 600 } }), 'INVALID_TIMELOCK');
    bad(T, S1, 'expiry a time', h({ expiry: 1_700_000_000 }), 'INVALID_TIMELOCK');
    bad(T, S1, 'the HTLC null', [null, new Ref('chain')], 'MESSAGE_INVALID');
    bad(T, 'htlcSenderPending', 'while an offer is in flight', h({}), 'PAYMENT_PENDING');
    bad(T, 'htlcSenderCltv', 'E + D past the cutoff (T 1000, margin 10, D 6)', h({ expiry: 985 }), 'HTLC_EXPIRY_PAST_CHANNEL');
    bad(T, 'plainSender', 'in a channel without HTLC terms', h({}), 'HTLC_NOT_NEGOTIATED');
    bad(T, 'htlcSenderOpening', 'before the channel is open', h({}), 'UNEXPECTED_MESSAGE');

    bad('Sender.settleHtlc', S1, 'without the receiver\'s preimage', [0], 'UNEXPECTED_MESSAGE');
    bad('Sender.settleHtlc', S1, 'HTLC 2 (none)', [2], 'HTLC_UNKNOWN');
    bad('Sender.settleHtlc', S1, 'id as a string', ['0'], 'HTLC_UNKNOWN');
    bad('Sender.settleHtlc', 'htlcSenderPending', 'while an offer is in flight', [0], 'PAYMENT_PENDING');
    bad('Sender.settleHtlc', 'htlcSenderFailed', 'HTLC 0 again, settled', [0], 'HTLC_UNKNOWN');
    bad('Sender.failHtlc', S1, 'before the expiry and without the receiver\'s fail', [1, new Ref('chain')], 'HTLC_NOT_EXPIRED');
    bad('Sender.failHtlc', S1, 'one block before the expiry', [1, at(EXPIRY - 1)], 'HTLC_NOT_EXPIRED');
    bad('Sender.failHtlc', S1, 'without a chain view', [1], 'INVALID_ARGUMENT');
    bad('Sender.failHtlc', S1, 'HTLC 2 (none)', [2, new Ref('expired')], 'HTLC_UNKNOWN');
    bad('Sender.failHtlc', 'htlcSenderFailed', 'HTLC 0, settled', [0, new Ref('expired')], 'HTLC_UNKNOWN');

    const F = 'Sender.onFulfill';
    const ful = (changes: Record<string, unknown>) => [new Ref('fulfill', changes)];
    bad(F, S1, 'another HTLC\'s preimage', ful({ preimage: P1.preimage }), 'HTLC_PREIMAGE_MISMATCH');
    bad(F, S1, '32 zero bytes', ful({ preimage: new Uint8Array(32) }), 'HTLC_PREIMAGE_MISMATCH');
    bad(F, S1, 'a preimage as hex text', ful({ preimage: Buffer.from(P0.preimage).toString('hex') }), 'HTLC_PREIMAGE_MISMATCH');
    bad(F, S1, 'HTLC 2 (none)', ful({ id: 2 }), 'HTLC_UNKNOWN');
    bad(F, S1, 'id -1', ful({ id: -1 }), 'HTLC_UNKNOWN');
    bad(F, S1, 'another channel\'s', ful({ channelId: new Uint8Array(32).fill(0xab) }), 'WRONG_CHANNEL');
    bad(F, S1, 'channel id missing', ful({ channelId: DELETE }), 'WRONG_CHANNEL');
    bad(F, S1, 'not an object', [null], 'MESSAGE_INVALID');
    bad(F, 'htlcSenderOpening', 'before funding', [new Ref('fulfill')], 'UNEXPECTED_MESSAGE');
    const O = 'Sender.onFail';
    const fl = (changes: Record<string, unknown>) => [new Ref('fail', changes)];
    bad(O, 'htlcSenderFulfilled', 'a fail of an HTLC whose preimage the receiver gave', fl({ id: 0 }), 'UNEXPECTED_MESSAGE');
    bad(O, S1, 'HTLC 2 (none)', fl({ id: 2 }), 'HTLC_UNKNOWN');
    bad(O, S1, 'an unknown reason', fl({ reason: 'because' }), 'MESSAGE_INVALID');
    bad(O, S1, 'reason missing', fl({ reason: DELETE }), 'MESSAGE_INVALID');
    bad(O, S1, 'another channel\'s', fl({ channelId: new Uint8Array(32).fill(0xab) }), 'WRONG_CHANNEL');
    bad(O, S1, 'not an object', ['fail'], 'MESSAGE_INVALID');
    bad('Sender.htlcsAt', S1, 'index -1', [-1], 'INVALID_ARGUMENT');
    bad('Sender.htlcsAt', S1, 'index 1.5', [1.5], 'INVALID_ARGUMENT');
    bad('Sender.htlcDeadAt', S1, 'HTLC 2 (none)', [2], 'HTLC_UNKNOWN');
    bad('Sender.htlcDeadAt', S1, 'a negative margin', [0, -1], 'INVALID_ARGUMENT');
    bad('Sender.proposeClose', S1, 'with HTLCs in flight', [2000n], 'PAYMENT_PENDING');

    const A = 'Sender.onAcceptChannel';
    const ac = (changes: Record<string, unknown>) => [new Ref('acceptChannel', changes)];
    bad(A, 'htlcSenderOpening', 'R_h missing, though HTLC terms were proposed', ac({ receiverHtlcKey: DELETE }), 'INVALID_KEY');
    bad(A, 'htlcSenderOpening', 'R_h the receiver\'s payout key', ac({ receiverHtlcKey: m.acceptChannel.receiverPayoutKey }), 'INVALID_KEY');
    bad(A, 'htlcSenderOpening', 'R_h the sender\'s funding key', ac({ receiverHtlcKey: m.open.senderFundingKey }), 'INVALID_KEY');
    bad(A, 'htlcSenderOpening', 'R_h off the curve', ac({ receiverHtlcKey: Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]) }), 'INVALID_KEY');
    bad(A, 'htlcSenderOpening', 'R_h as hex text', ac({ receiverHtlcKey: Buffer.from(m.acceptChannel.receiverHtlcKey!).toString('hex') }), 'INVALID_KEY');
  }

  // --- opening and saved states -----------------------------------------------------------------
  {
    const T = 'Receiver.accept';
    const acc = (m2: unknown, secrets: unknown = new Ref('receiverSecrets'), p: unknown = new Ref('policy')) => [m2, secrets, p, new Ref('chain')];
    col.ok(T, 'an open_channel with HTLC terms', acc(new Ref('open')));
    bad(T, undefined, 'HTLC terms, and no HTLC key among the secrets', acc(new Ref('open'), new Ref('plainReceiverSecrets')), 'INVALID_KEY');
    bad(T, undefined, 'an HTLC key that is the payout key', acc(new Ref('open'), new Ref('receiverSecrets', { htlcKey: keys.receiverPayout.priv })), 'INVALID_KEY');
    bad(T, undefined, 'D below the policy\'s least', acc(new Ref('open'), new Ref('receiverSecrets'), { htlc: { minDelay: 7 } }), 'INVALID_TIMELOCK');
    bad(T, undefined, 'D below the default least (12)', acc(new Ref('open'), new Ref('receiverSecrets'), { minCsvDelay: 1 }), 'INVALID_TIMELOCK');
    bad(T, undefined, 'D above the policy\'s most', acc(new Ref('open'), new Ref('receiverSecrets'), { minCsvDelay: 1, htlc: { minDelay: 1, maxDelay: 5 } }), 'INVALID_TIMELOCK');
    bad(T, undefined, 'a dust bound above the policy\'s', acc(new Ref('open'), new Ref('receiverSecrets'), { minCsvDelay: 1, htlc: { minDelay: 1, maxDustExposure: 1n } }), 'INVALID_AMOUNT');
    bad(T, undefined, 'D of 0', acc(new Ref('open', { htlc: { delay: 0, maxDustExposure: 5_000n } })), 'INVALID_TIMELOCK');
    bad(T, undefined, 'a dust bound as a number', acc(new Ref('open', { htlc: { delay: 6, maxDustExposure: 5000 } })), 'INVALID_AMOUNT');
    bad(T, undefined, 'HTLC terms null', acc(new Ref('open', { htlc: null })), 'INVALID_ARGUMENT');
    bad(T, undefined, 'a policy.htlc margin of -1', acc(new Ref('open'), new Ref('receiverSecrets'), { minCsvDelay: 1, htlc: { minDelay: 1, claimMargin: -1 } }), 'INVALID_ARGUMENT');

    const O = 'Sender.open';
    col.ok(O, 'HTLC terms', [new Ref('openOptions')]);
    bad(O, undefined, 'HTLC delay 0', [new Ref('openOptions', { htlc: { delay: 0, maxDustExposure: 1n } })], 'INVALID_TIMELOCK');
    bad(O, undefined, 'HTLC delay 65536', [new Ref('openOptions', { htlc: { delay: 65_536, maxDustExposure: 1n } })], 'INVALID_TIMELOCK');
    bad(O, undefined, 'a negative dust bound', [new Ref('openOptions', { htlc: { delay: 6, maxDustExposure: -1n } })], 'INVALID_AMOUNT');
    bad(O, undefined, 'HTLC terms as a number', [new Ref('openOptions', { htlc: 6 })], 'INVALID_ARGUMENT');

    const sj = S.senderDone!;
    const rj = S.receiverDone!;
    const table = (j: Json, change: (t: Json[]) => void): Json => {
      const c = JSON.parse(JSON.stringify(j)) as Json;
      change(c.htlcs as Json[]);
      return c;
    };
    col.ok('Sender.restore', 'a saved state with HTLCs', [new Ref('senderState'), new Ref('senderSecrets')]);
    col.ok('Receiver.restore', 'a saved state with HTLCs', [new Ref('receiverState'), new Ref('receiverSecrets')]);
    const damaged: [string, (t: Json[]) => void][] = [
      ['a settled HTLC\'s preimage that does not open it', (t) => { t[0]!.preimage = '00'.repeat(32); }],
      ['a settled HTLC without its preimage', (t) => { t[0]!.preimage = null; }],
      ['a removed HTLC without its outcome', (t) => { t[1]!.outcome = null; }],
      ['ids out of order', (t) => { t.reverse(); }],
      ['removed before it was added', (t) => { t[1]!.removedAt = 2; }],
      ['added after the last state', (t) => { t[1]!.addedAt = 9; }],
      ['two changes in state 4', (t) => { t[1]!.removedAt = 4; }],
      ['an amount as a number', (t) => { t[0]!.amount = 50_000; }],
      ['a hash of 31 bytes', (t) => { t[0]!.hash = (t[0]!.hash as string).slice(2); }],
      ['an unknown outcome', (t) => { t[0]!.outcome = 'paid'; }],
      ['an extra member', (t) => { t[0]!.memo = 'x'; }],
      ['a record as a string', (t) => { t[0] = 'htlc' as never; }],
    ];
    for (const [name, change] of damaged) {
      bad('Sender.restore', undefined, `htlcs: ${name}`, [table(sj, change), new Ref('senderSecrets')], 'STATE_INVALID');
      bad('Receiver.restore', undefined, `htlcs: ${name}`, [table(rj, change), new Ref('receiverSecrets')], 'STATE_INVALID');
    }
    const live = (j: Json, change: (t: Json[]) => void) => table(j, change);
    bad('Sender.restore', undefined, 'a live HTLC\'s amount raised (the receiver\'s signature is on the other)', [live(S.senderLive!, (t) => { t[1]!.amount = '20001'; }), new Ref('senderSecrets')], 'STATE_INVALID');
    bad('Receiver.restore', undefined, 'a live HTLC\'s expiry moved (the sender\'s signature is on the other)', [live(S.receiverLive!, (t) => { t[1]!.expiry = EXPIRY + 1; }), new Ref('receiverSecrets')], 'STATE_INVALID');
    bad('Sender.restore', undefined, 'the HTLC table missing', [new Ref('senderState', { htlcs: DELETE }), new Ref('senderSecrets')], 'STATE_INVALID');
    bad('Sender.restore', undefined, 'HTLC terms saved in the format of before', [new Ref('senderState', { format: 'revchan-sender/1' }), new Ref('senderSecrets')], 'STATE_INVALID');
    bad('Receiver.restore', undefined, 'the HTLC margins missing', [new Ref('receiverState', { htlcPolicy: null }), new Ref('receiverSecrets')], 'STATE_INVALID');
    bad('Receiver.restore', undefined, 'HTLC terms saved in the format of before', [new Ref('receiverState', { format: 'revchan-receiver/2' }), new Ref('receiverSecrets')], 'STATE_INVALID');
    bad('Receiver.restore', undefined, 'secrets without the HTLC key', [new Ref('receiverState'), new Ref('plainReceiverSecrets')], 'INVALID_KEY');
    bad('Receiver.restore', undefined, 'another HTLC key', [new Ref('receiverState'), new Ref('receiverSecrets', { htlcKey: keys.receiverPayout.priv })], 'INVALID_KEY');

    col.ok('htlcsAt', 'a table, state 3', [new Ref('table'), 3]);
    bad('htlcsAt', undefined, 'not an array', [{}, 3], 'INVALID_ARGUMENT');
    bad('htlcsAt', undefined, 'a record that is null', [[null], 3], 'INVALID_ARGUMENT');
    bad('htlcsAt', undefined, 'index -1', [new Ref('table'), -1], 'INVALID_ARGUMENT');
    bad('htlcsAt', undefined, 'index as a string', [new Ref('table'), '3'], 'INVALID_ARGUMENT');
    col.ok('htlcOf', 'a record', [{ id: 0, amount: 50_000n, hash: P0.hash, expiry: EXPIRY, addedAt: 2 }]);
    bad('htlcOf', undefined, 'null', [null], 'INVALID_ARGUMENT');
    bad('htlcOf', undefined, 'a hash as hex text', [{ id: 0, amount: 50_000n, hash: Buffer.from(P0.hash).toString('hex'), expiry: EXPIRY, addedAt: 2 }], 'INVALID_ARGUMENT');
  }
  return col.files('htlc-parties', (t) => `${t} in a channel with HTLCs: bad calls and messages refused with a typed code, the party unchanged and still taking its next call`, baselines, parties);
}

/** Every file of the HTLC protocol's corpus. */
export function protocolFiles(): FileSpec[] {
  const s = runHtlcScenario();
  return [...htlcMessageFiles(s), htlcFieldsFile(s), ...partyFiles(s)];
}
