/**
 * Corpus of bad messages and calls for the two parties, from saved states of a
 * real channel run: wrong channel, wrong or replayed index, non-increasing or
 * oversized amount, invalid or reused update key, signatures that are high-S,
 * not DER, by the wrong key or over other bytes, secrets that do not match,
 * calls in the wrong phase. Each must leave the party's saved state
 * byte-equal, and the party must still take its next valid call. Also the
 * saved-state decoders (Sender.restore, Receiver.restore,
 * RevocationStore.fromJSON) and the revocation store's own methods.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  ErrorCode, MAX_MONEY, MIN_FEE_RATE, PaymentSigner, PrivateKey, Receiver, RevocationStore, Sender, derivePublicKey, deriveUpdateKey, deriveUpdateSecret, p2wpkhScript,
  updateIndex,
} from '../../../lib';
import { DELETE, PartyRef, Ref } from '../../support/bad-inputs-codec';
import { walletCoin, walletScript } from '../../support/channel';
import { CHAIN, other, policy, receiverSecrets, senderSecrets } from '../../support/parties';
import { CaseSpec, FileSpec, PartySpec, ValidSpec } from './format';
import { CAPACITY, CLTV, CSV, Scenario, runScenario } from './scenario';
import { BAD_KEYS, N, be32, malformedSignatures } from './values';
import { derSig } from './checks';
import { fundingCases, fundingExtras, fundingStateCases } from './funding';

type Json = Record<string, unknown>;

export class PartyCollector {
  readonly cases = new Map<string, CaseSpec[]>();
  readonly valid = new Map<string, ValidSpec[]>();
  readonly used = new Map<string, Set<string>>();

  /** `extra`: a pending reason, or the details the error must hold. */
  bad(target: string, party: string | undefined, name: string, input: unknown[], expect: ErrorCode, extra?: string | { details: Record<string, unknown> }): void {
    if (!this.cases.has(target)) this.cases.set(target, []);
    const list = this.cases.get(target)!;
    if (list.some((c) => c.name === name && c.party === party)) throw new Error(`${target}: two cases named ${name}`);
    const more = typeof extra === 'string' ? { pending: extra } : extra ?? {};
    list.push({ name, target, input, expect, ...(party ? { party } : {}), ...more });
    this.use(target, party, input);
  }

  ok(target: string, name: string, input: unknown[], party?: string): void {
    if (!this.valid.has(target)) this.valid.set(target, []);
    this.valid.get(target)!.push({ name, target, input, ...(party ? { party } : {}) });
    this.use(target, party, input);
  }

  /** The file of `target` holds the case's party and every party passed as an argument. */
  private use(target: string, party: string | undefined, input: unknown): void {
    if (!this.used.has(target)) this.used.set(target, new Set());
    const used = this.used.get(target)!;
    if (party) used.add(party);
    for (const p of partyRefsIn(input)) used.add(p);
  }

  files(prefix: string, describe: (t: string) => string, baselines: Record<string, unknown>, parties: Record<string, PartySpec>): FileSpec[] {
    const targets = [...new Set([...this.cases.keys(), ...this.valid.keys()])].sort();
    return targets.map((t) => {
      const used = [...(this.used.get(t) ?? [])].sort();
      return {
        file: `${prefix}-${t}.json`,
        description: describe(t),
        baselines,
        parties: Object.fromEntries(used.map((p) => [p, parties[p]!])),
        valid: this.valid.get(t) ?? [],
        cases: this.cases.get(t) ?? [],
      };
    });
  }
}

/** Names of the parties passed as arguments (PartyRef) in an input, at any depth. */
function partyRefsIn(v: unknown, out: string[] = []): string[] {
  if (v instanceof PartyRef) out.push(v.name);
  else if (Array.isArray(v)) for (const x of v) partyRefsIn(x, out);
  else if (v instanceof Ref) for (const x of Object.values(v.changes)) partyRefsIn(x, out);
  else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) partyRefsIn(x, out);
  return out;
}

const K = (i: number) => deriveUpdateKey(senderSecrets.updateSeed, BigInt(i));
const k = (i: number) => deriveUpdateSecret(senderSecrets.updateSeed, BigInt(i));

/** The channel runs, baselines and saved parties the party files (and the chain files) share. */
export interface PartyFixtures {
  readonly csv: Scenario;
  readonly cltv: Scenario;
  readonly baselines: Record<string, unknown>;
  readonly parties: Record<string, PartySpec>;
  readonly forged: ReturnType<typeof forgedReceiver>;
}

let fixtures: PartyFixtures | undefined;

export function partyFixtures(): PartyFixtures {
  fixtures ??= makeFixtures();
  return fixtures;
}

function makeFixtures(): PartyFixtures {
  const csv = runScenario(CSV);
  const cltv = runScenario(CLTV);
  const S = csv.states;
  const m = csv.messages;
  const dest = p2wpkhScript(other.pub);
  const forged = forgedReceiver();
  const funding = fundingExtras(csv.txs.fundingTx);
  const baselines: Record<string, unknown> = {
    ...funding.baselines,
    senderSecrets, receiverSecrets, chain: CHAIN, destination: dest,
    open: m.open, acceptChannel: m.acceptChannel, fundingCreated: m.fundingCreated, fundingSigned: m.fundingSigned,
    offer: m.offer, accept: m.accept, revoke: m.revoke, offer2: m.offer2, accept2: m.accept2, revoke1: m.revoke1,
    closeOffer: m.closeOffer, closeSigned: m.closeSigned, receiverCloseOffer: m.receiverCloseOffer, senderCloseSigned: m.senderCloseSigned,
    cltvOpen: cltv.messages.open, cltvOffer: cltv.messages.offer,
    fundingTx: csv.txs.fundingTx.toBuffer(), senderVersion1: csv.txs.senderVersion1.toBuffer(), senderVersion2: csv.txs.senderVersion2.toBuffer(),
    senderVersion3: csv.txs.senderVersion3.toBuffer(), receiverVersion2: csv.txs.receiverVersion2.toBuffer(), closeTx: csv.txs.closeTx.toBuffer(),
    senderState: S.senderOpen3, receiverState: S.receiverOpen3, store: (S.receiverOpen3 as Json).revocations,
    terms: (S.senderOpen3 as Json).terms, current: (S.receiverOpen3 as Json).current, store8: store8(),
  };
  const sender = (state: string, call: string, input: unknown[]): PartySpec => ({ role: 'sender', state: S[state], secrets: new Ref('senderSecrets'), next: { call, input } });
  const receiver = (state: Json, call: string, input: unknown[]): PartySpec => ({ role: 'receiver', state, secrets: new Ref('receiverSecrets'), next: { call, input } });
  const parties: Record<string, PartySpec> = {
    senderOpening: sender('senderOpening', 'onAcceptChannel', [new Ref('acceptChannel')]),
    senderAccepted: sender('senderAccepted', 'fundingCreated', [{ txid: csv.txs.fundingTx.getId(), vout: 0 }]),
    senderFundingCreated: sender('senderFundingCreated', 'onFundingSigned', [new Ref('fundingSigned')]),
    senderOpen0: sender('senderOpen0', 'pay', [1000n]),
    senderOpen: sender('senderOpen', 'pay', [500n]),
    senderPending: sender('senderPending', 'onAccept', [new Ref('accept')]),
    senderOpen3: sender('senderOpen3', 'onCloseOffer', [new Ref('receiverCloseOffer'), 5000n]),
    senderClosing: sender('senderClosing', 'onCloseSigned', [new Ref('closeSigned')]),
    senderClosed: sender('senderClosed', 'closeTransaction', []),
    receiverAccepted: receiver(S.receiverAccepted!, 'onFundingCreated', [new Ref('fundingCreated')]),
    receiverFunded: receiver(S.receiverFunded!, 'markFundingConfirmed', [{ tx: new Ref('fundingTx'), confirmations: 3 }]),
    receiverOpen: receiver(S.receiverOpen!, 'onOffer', [new Ref('offer'), new Ref('chain')]),
    receiverPending: receiver(S.receiverPending!, 'onRevoke', [new Ref('revoke')]),
    receiverOpen3: receiver(S.receiverOpen3!, 'onCloseOffer', [new Ref('closeOffer')]),
    receiverClosing: receiver(S.receiverClosing!, 'onCloseSigned', [new Ref('senderCloseSigned')]),
    receiverClosed: receiver(S.receiverClosed!, 'closeTransaction', []),
    receiverCltv: receiver(cltv.states.receiverOpen!, 'onOffer', [new Ref('cltvOffer'), new Ref('chain')]),
    receiverForged: receiver(forged.state, 'latestTransaction', []),
    ...funding.parties,
    store: { role: 'revocation-store', state: (S.receiverOpen3 as Json).revocations, secrets: null, next: { call: 'insertState', input: [3n, k(3)] } },
  };
  return { csv, cltv, baselines, parties, forged };
}

export function partyFiles(): FileSpec[] {
  const { csv, cltv, baselines, parties, forged } = partyFixtures();
  const S = csv.states;
  const m = csv.messages;
  const ctx = Receiver.restore(S.receiverOpen!, receiverSecrets).context;
  const asSender = new PaymentSigner(ctx, 'sender', senderSecrets.fundingKey);
  const asReceiver = new PaymentSigner(ctx, 'receiver', receiverSecrets.fundingKey);
  const dest = p2wpkhScript(other.pub);
  const channelId = m.offer.channelId;
  const otherId = new Uint8Array(32).fill(0xab);

  const col = new PartyCollector();
  const sigCases = (target: string, party: string, base: string, good: Uint8Array, args: (msg: Ref) => unknown[]) => {
    for (const s of malformedSignatures(good)) col.bad(target, party, `sig: ${s.name}`, args(new Ref(base, { sig: s.sig })), 'INVALID_SIGNATURE');
    col.bad(target, party, 'sig: a DER signature with r = n', args(new Ref(base, { sig: derSig(N, 5n) })), 'INVALID_SIGNATURE');
    col.bad(target, party, 'sig: a DER signature with s = n', args(new Ref(base, { sig: derSig(5n, N) })), 'INVALID_SIGNATURE');
    col.bad(target, party, 'sig: r and s of 2^256 - 1', args(new Ref(base, { sig: derSig((1n << 256n) - 1n, (1n << 256n) - 1n) })), 'INVALID_SIGNATURE');
  };
  const channelCases = (target: string, party: string, base: string, args: (msg: Ref) => unknown[], field = 'channelId') => {
    col.bad(target, party, `${field}: another channel's`, args(new Ref(base, { [field]: otherId })), 'WRONG_CHANNEL');
    col.bad(target, party, `${field}: 31 bytes`, args(new Ref(base, { [field]: (field === 'channelId' ? channelId : m.open.tempChannelId).subarray(0, 31) })), 'WRONG_CHANNEL');
    col.bad(target, party, `${field}: all zero`, args(new Ref(base, { [field]: new Uint8Array(32) })), 'WRONG_CHANNEL');
    if (field === 'channelId') col.bad(target, party, 'channelId: the temporary id', args(new Ref(base, { channelId: m.open.tempChannelId })), 'WRONG_CHANNEL');
    // In memory, skipping the decoder.
    col.bad(target, party, `${field} missing`, args(new Ref(base, { [field]: DELETE })), 'WRONG_CHANNEL');
    const own = field === 'channelId' ? channelId : m.open.tempChannelId;
    col.bad(target, party, `${field} as a hex string`, args(new Ref(base, { [field]: Buffer.from(own).toString('hex') })), 'WRONG_CHANNEL');
    // From plain JavaScript: no message object at all.
    for (const [name, v] of [['null', null], ['a string', 'offer'], ['an array', []]] as const) {
      col.bad(target, party, `the message is ${name}`, args(v as unknown as Ref), 'MESSAGE_INVALID');
    }
  };

  // --- receiver: offers ------------------------------------------------------------
  {
    const T = 'Receiver.onOffer';
    const a = (msg: unknown, chain: unknown = new Ref('chain')) => [msg, chain];
    const offer = (changes: Record<string, unknown>) => new Ref('offer', changes);
    const signed = (index: number, amount: bigint, updateKey: Uint8Array = K(3)) => offer({
      index, amount, updateKey, sig: asSender.sign(asSender.receiverVersionHash(BigInt(index), amount)),
    });
    const maxAmount = CAPACITY - ctx.paymentFee;
    channelCases(T, 'receiverOpen', 'offer', (x) => a(x));
    col.bad(T, 'receiverOpen', 'a replay of the offer of state 2', a(new Ref('offer2')), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverOpen', 'index 2 (the current state), signed', a(signed(2, 2500n)), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverOpen', 'index 4 (skips a state), signed', a(signed(4, 2500n)), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverOpen', 'index 0', a(offer({ index: 0 })), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverOpen', 'index 2^48 - 1', a(offer({ index: 2 ** 48 - 1 })), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverOpen', 'index as a string', a(offer({ index: '3' })), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverOpen', 'index 3.5', a(offer({ index: 3.5 })), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverOpen', 'amount equal to the current one, signed', a(signed(3, 2000n)), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen', 'amount one below the current one, signed', a(signed(3, 1999n)), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen', 'amount 0, signed', a(signed(3, 0n)), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen', 'amount negative', a(offer({ amount: -2500n })), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen', 'amount as a number', a(offer({ amount: 2500 })), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen', 'amount as a decimal string', a(offer({ amount: '2500' })), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen', 'amount one above what the sender has after fees', a(offer({ amount: maxAmount + 1n })), 'AMOUNT_EXCEEDS_CAPACITY');
    col.bad(T, 'receiverOpen', 'amount equal to the capacity', a(offer({ amount: CAPACITY })), 'AMOUNT_EXCEEDS_CAPACITY');
    col.bad(T, 'receiverOpen', 'amount 21e6 BTC', a(offer({ amount: MAX_MONEY })), 'AMOUNT_EXCEEDS_CAPACITY');
    col.bad(T, 'receiverOpen', 'amount 2^64', a(offer({ amount: 1n << 64n })), 'AMOUNT_EXCEEDS_CAPACITY');
    for (const b of BAD_KEYS) col.bad(T, 'receiverOpen', `updateKey: ${b.name}`, a(offer({ updateKey: b.key })), 'INVALID_KEY');
    col.bad(T, 'receiverOpen', 'updateKey: 33 zero bytes', a(offer({ updateKey: new Uint8Array(33) })), 'INVALID_KEY');
    col.bad(T, 'receiverOpen', 'updateKey reused: K_2, the current state\'s', a(signed(3, 2500n, K(2))), 'UPDATE_KEY_REUSED');
    col.bad(T, 'receiverOpen', 'a valid signature over another amount', a(offer({ amount: 2501n })), 'INVALID_SIGNATURE');
    col.bad(T, 'receiverOpen', 'a signature over the sender\'s version instead of ours', a(offer({ sig: asSender.sign(asSender.senderVersionHash(3n, 2500n, K(3))) })), 'INVALID_SIGNATURE');
    col.bad(T, 'receiverOpen', 'a signature by the receiver\'s own key', a(offer({ sig: asReceiver.sign(asReceiver.receiverVersionHash(3n, 2500n)) })), 'INVALID_SIGNATURE');
    col.bad(T, 'receiverOpen', 'a signature for state 4', a(offer({ sig: asSender.sign(asSender.receiverVersionHash(4n, 2500n)) })), 'INVALID_SIGNATURE');
    col.bad(T, 'receiverOpen', 'the signature of the offer of state 2', a(offer({ sig: m.offer2.sig })), 'INVALID_SIGNATURE');
    sigCases(T, 'receiverOpen', 'offer', m.offer.sig, (x) => a(x));
    col.bad(T, 'receiverFunded', 'an offer before the funding is confirmed', a(new Ref('offer')), 'FUNDING_NOT_CONFIRMED');
    col.bad(T, 'receiverPending', 'the accepted offer again with another update key', a(offer({ updateKey: K(5) })), 'PAYMENT_PENDING');
    col.bad(T, 'receiverPending', 'the next offer while one awaits its revoke', a(signed(4, 3000n, K(4))), 'PAYMENT_PENDING');
    col.bad(T, 'receiverClosed', 'an offer after close', a(new Ref('offer')), 'CHANNEL_CLOSED');
    col.bad(T, 'receiverClosing', 'an offer while closing', a(new Ref('offer')), 'CHANNEL_CLOSED');
    col.bad(T, 'receiverAccepted', 'an offer before funding', a(new Ref('offer')), 'UNEXPECTED_MESSAGE');
    col.bad(T, 'receiverCltv', 'a CLTV payment at the cutoff (height + 1 = T - margin)', a(new Ref('cltvOffer'), { height: 989, medianTimePast: 0 }), 'CHANNEL_EXPIRED');
    col.bad(T, 'receiverCltv', 'a CLTV payment past the expiry', a(new Ref('cltvOffer'), { height: 1000, medianTimePast: 0 }), 'CHANNEL_EXPIRED');
    col.bad(T, 'receiverCltv', 'a CLTV payment without the chain tip', [new Ref('cltvOffer')], 'INVALID_ARGUMENT');
    col.bad(T, 'receiverCltv', 'a CLTV payment with a null chain view', [new Ref('cltvOffer'), null], 'INVALID_ARGUMENT');
    col.bad(T, 'receiverCltv', 'a CLTV payment with a chain view without a height', a(new Ref('cltvOffer'), { medianTimePast: 0 }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverCltv', 'a CLTV payment with height NaN', a(new Ref('cltvOffer'), { height: NaN, medianTimePast: 0 }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverCltv', 'a CLTV payment with a chain view without a median time past', a(new Ref('cltvOffer'), { height: 500 }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverCltv', 'a CLTV payment with height -1', a(new Ref('cltvOffer'), { height: -1, medianTimePast: 0 }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverCltv', 'a CLTV payment with height as a string', a(new Ref('cltvOffer'), { height: '500', medianTimePast: 0 }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverCltv', 'a CLTV payment with the height as the chain view', a(new Ref('cltvOffer'), 500), 'INVALID_ARGUMENT');
  }

  // --- receiver: revokes ---------------------------------------------------------------
  {
    const T = 'Receiver.onRevoke';
    const revoke = (changes: Record<string, unknown>) => [new Ref('revoke', changes)];
    channelCases(T, 'receiverPending', 'revoke', (x) => [x]);
    col.bad(T, 'receiverPending', 'a replay of the revoke of state 1', [new Ref('revoke1')], 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverPending', 'index 3 (the pending state)', revoke({ index: 3, secret: k(3) }), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverPending', 'index as a string', revoke({ index: '2' }), 'UPDATE_INDEX_MISMATCH');
    col.bad(T, 'receiverPending', 'secret of state 3', revoke({ secret: k(3) }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret of state 1', revoke({ secret: k(1) }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret with one bit flipped', revoke({ secret: Uint8Array.from(k(2), (b, i) => (i === 31 ? b ^ 1 : b)) }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret: the receiver\'s revocation key', revoke({ secret: receiverSecrets.revocationKey }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret: zero', revoke({ secret: new Uint8Array(32) }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret: n', revoke({ secret: be32(N) }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret: 31 bytes', revoke({ secret: k(2).subarray(0, 31) }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret: 33 bytes', revoke({ secret: Uint8Array.from([...k(2), 0]) }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret as a hex string', revoke({ secret: Buffer.from(k(2)).toString('hex') }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverPending', 'secret: K_2 itself (the public key)', revoke({ secret: K(2) }), 'REVOKED_SECRET_MISMATCH');
    col.bad(T, 'receiverOpen', 'a revoke without an accepted offer (replay of the last one)', [new Ref('revoke1', { index: 2, secret: k(2) })], 'UNEXPECTED_MESSAGE');
    col.bad(T, 'receiverClosed', 'a revoke after close', [new Ref('revoke')], 'CHANNEL_CLOSED');
    col.bad(T, 'receiverForged', 'a secret that matches K_3 but not the secrets stored before', [{ type: 'revoke', channelId, index: 3, secret: k(3) }], 'SECRET_STORE_INCONSISTENT');
  }

  // --- receiver: opening ---------------------------------------------------------------
  {
    const T = 'Receiver.onFundingCreated';
    const fc = (changes: Record<string, unknown>) => [new Ref('fundingCreated', changes)];
    channelCases(T, 'receiverAccepted', 'fundingCreated', (x) => [x], 'tempChannelId');
    col.bad(T, 'receiverAccepted', 'fundingVout -1', fc({ fundingVout: -1 }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverAccepted', 'fundingVout 2^32', fc({ fundingVout: 2 ** 32 }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverAccepted', 'fundingVout 0.5', fc({ fundingVout: 0.5 }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverAccepted', 'fundingTxid of 31 bytes', fc({ fundingTxid: m.fundingCreated.fundingTxid.subarray(0, 31) }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverAccepted', 'fundingTxid of 33 bytes', fc({ fundingTxid: Uint8Array.from([...m.fundingCreated.fundingTxid, 0]) }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverAccepted', 'fundingTxid as a hex string', fc({ fundingTxid: Buffer.from(m.fundingCreated.fundingTxid).toString('hex') }), 'INVALID_ARGUMENT');
    col.bad(T, 'receiverAccepted', 'fundingTxid missing', fc({ fundingTxid: DELETE }), 'INVALID_ARGUMENT');
    for (const b of BAD_KEYS) col.bad(T, 'receiverAccepted', `updateKey: ${b.name}`, fc({ updateKey: b.key }), 'INVALID_KEY');
    col.bad(T, 'receiverFunded', 'a second funding_created', [new Ref('fundingCreated')], 'UNEXPECTED_MESSAGE');
    col.bad(T, 'receiverOpen', 'funding_created on an open channel', [new Ref('fundingCreated')], 'UNEXPECTED_MESSAGE');
    fundingCases(col, csv.txs.fundingTx, asSender);
  }

  // --- receiver: closing ----------------------------------------------------------------
  {
    const T = 'Receiver.onCloseOffer';
    const co = (changes: Record<string, unknown>) => [new Ref('closeOffer', changes)];
    channelCases(T, 'receiverOpen3', 'closeOffer', (x) => [x]);
    col.bad(T, 'receiverOpen3', 'an amount below the final one', co({ amount: 2499n }), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen3', 'an amount above the final one', co({ amount: 2501n }), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen3', 'an amount as a number', co({ amount: 2500 }), 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverOpen3', 'a fee rate other than the signed one', co({ feeRate: 2001n }), 'INVALID_SIGNATURE');
    col.bad(T, 'receiverOpen3', 'a negative fee rate', co({ feeRate: -1n }), 'INVALID_FEE_RATE');
    col.bad(T, 'receiverOpen3', 'a fee rate as a number', co({ feeRate: 2000 }), 'INVALID_FEE_RATE');
    col.bad(T, 'receiverOpen3', 'a fee rate that eats the sender\'s output', co({ feeRate: 100_000_000n }), 'FEE_EXCEEDS_OUTPUT');
    for (const f of [MIN_FEE_RATE - 1n, 0n]) {
      col.bad(T, 'receiverOpen3', `a fee rate of ${f} sat/kw, below the relay floor, signed`, co({ feeRate: f, sig: asSender.sign(asSender.closeHash(2500n, f)) }), 'FEE_RATE_REFUSED');
    }
    col.bad(T, 'receiverOpen3', 'the receiver\'s own signature', co({ sig: m.receiverCloseOffer.sig }), 'INVALID_SIGNATURE');
    sigCases(T, 'receiverOpen3', 'closeOffer', m.closeOffer.sig, (x) => [x]);
    col.bad(T, 'receiverPending', 'a close offer while a payment awaits its revoke', [new Ref('closeOffer')], 'PAYMENT_PENDING');
    col.bad(T, 'receiverClosing', 'a close offer of another amount while closing', [new Ref('closeOffer', { amount: 1n })], 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverClosed', 'a close offer of another amount after close', [new Ref('closeOffer', { amount: 1n })], 'UPDATE_NOT_MONOTONIC');
    col.bad(T, 'receiverClosed', 'the closed offer again with a signature at another rate', [new Ref('closeOffer', { feeRate: 2100n })], 'INVALID_SIGNATURE');

    const U = 'Receiver.onCloseSigned';
    channelCases(U, 'receiverClosing', 'senderCloseSigned', (x) => [x]);
    col.bad(U, 'receiverClosing', 'the signature of a close at another fee rate', [new Ref('senderCloseSigned', { sig: m.closeOffer.sig })], 'INVALID_SIGNATURE');
    col.bad(U, 'receiverClosing', 'the receiver\'s own signature', [new Ref('senderCloseSigned', { sig: m.receiverCloseOffer.sig })], 'INVALID_SIGNATURE');
    sigCases(U, 'receiverClosing', 'senderCloseSigned', m.senderCloseSigned.sig, (x) => [x]);
    col.bad(U, 'receiverOpen3', 'close_signed without a close offer', [new Ref('senderCloseSigned')], 'UNEXPECTED_MESSAGE');
    col.bad(U, 'receiverClosed', 'close_signed after close', [new Ref('senderCloseSigned')], 'CHANNEL_CLOSED');

    const V = 'Receiver.proposeClose';
    for (const [name, f, code] of [['-1', -1n, 'INVALID_FEE_RATE'], ['1e8 + 1', 100_000_001n, 'INVALID_FEE_RATE'], ['a number', 1500, 'INVALID_FEE_RATE'],
      ['a string', '1500', 'INVALID_FEE_RATE'], ['1e8 (eats the sender\'s output)', 100_000_000n, 'FEE_EXCEEDS_OUTPUT'],
      ['252 (below the relay floor)', MIN_FEE_RATE - 1n, 'FEE_RATE_REFUSED'], ['0', 0n, 'FEE_RATE_REFUSED']] as const) {
      col.bad(V, 'receiverOpen3', `fee rate ${name}`, [f], code);
    }
    col.bad(V, 'receiverPending', 'while a payment awaits its revoke', [1500n], 'PAYMENT_PENDING');
    col.bad(V, 'receiverClosed', 'after close', [1500n], 'CHANNEL_CLOSED');
  }

  // --- receiver: views ------------------------------------------------------------------
  {
    const T = 'Receiver.isRevoked';
    for (const [name, i] of [['1.5', 1.5], ['NaN', NaN], ['a string', '1'], ['a bigint', 1n], ['2^53', 2 ** 53], ['null', null]] as const) {
      col.bad(T, 'receiverOpen3', `state ${name}`, [i], 'INVALID_ARGUMENT');
    }
    col.bad(T, 'receiverOpen3', 'state -1', [-1], 'SECRET_INDEX_OUT_OF_RANGE');
    col.bad(T, 'receiverOpen3', 'state 2^48', [2 ** 48], 'SECRET_INDEX_OUT_OF_RANGE');
  }

  // --- receiver: penalty ------------------------------------------------------------------
  {
    const T = 'Receiver.penaltyTx';
    const a = (raw: unknown, d: unknown = new Ref('destination'), fee: unknown = 1000n) => [raw, d, fee];
    const moved = Transaction.fromBuffer(csv.txs.senderVersion1.toBuffer());
    moved.ins[0]!.index = 1;
    for (const [name, raw, code] of [
      ['bytes that do not parse', Uint8Array.from([1, 2, 3]), 'INVALID_TRANSACTION'],
      ['no bytes', new Uint8Array(0), 'INVALID_TRANSACTION'],
      ['a revoked version with a trailing byte', Uint8Array.from([...csv.txs.senderVersion1.toBuffer(), 0]), 'INVALID_TRANSACTION'],
      ['a revoked version truncated', csv.txs.senderVersion1.toBuffer().subarray(0, 100), 'INVALID_TRANSACTION'],
      ['a revoked version as hex', csv.txs.senderVersion1.toHex(), 'INVALID_TRANSACTION'],
      ['a revoked version spending another output', moved.toBuffer(), 'INVALID_TRANSACTION'],
      ['the latest sender\'s version (not revoked)', new Ref('senderVersion3'), 'NOTHING_TO_CLAIM'],
      ['the funding transaction', new Ref('fundingTx'), 'NOTHING_TO_CLAIM'],
      ['the cooperative close', new Ref('closeTx'), 'NOTHING_TO_CLAIM'],
      ['a revoked receiver\'s version (no revocable output)', new Ref('receiverVersion2'), 'NOTHING_TO_CLAIM'],
    ] as const) col.bad(T, 'receiverOpen3', name, a(raw), code);
    col.bad(T, 'receiverOpen3', 'a destination that is OP_RETURN', a(new Ref('senderVersion1'), Uint8Array.from([0x6a, 0])), 'INVALID_SCRIPT');
    col.bad(T, 'receiverOpen3', 'a destination as hex', a(new Ref('senderVersion1'), Buffer.from(dest).toString('hex')), 'INVALID_SCRIPT');
    col.bad(T, 'receiverOpen3', 'a negative fee rate', a(new Ref('senderVersion1'), new Ref('destination'), -1n), 'INVALID_FEE_RATE');
    col.bad(T, 'receiverOpen3', 'a fee rate that eats the claim', a(new Ref('senderVersion1'), new Ref('destination'), 100_000_000n), 'FEE_EXCEEDS_OUTPUT');
    col.bad(T, 'receiverAccepted', 'before funding', a(new Ref('senderVersion1')), 'UNEXPECTED_MESSAGE');
  }

  // --- sender: opening ---------------------------------------------------------------------
  {
    const T = 'Sender.onAcceptChannel';
    const ac = (changes: Record<string, unknown>) => [new Ref('acceptChannel', changes)];
    channelCases(T, 'senderOpening', 'acceptChannel', (x) => [x], 'tempChannelId');
    const open = m.open;
    col.bad(T, 'senderOpening', 'the receiver\'s funding key is the sender\'s', ac({ receiverFundingKey: open.senderFundingKey }), 'INVALID_KEY');
    col.bad(T, 'senderOpening', 'the receiver\'s payout key is the sender\'s funding key', ac({ receiverPayoutKey: open.senderFundingKey }), 'INVALID_KEY');
    col.bad(T, 'senderOpening', 'the receiver\'s payout key is the sender\'s payout key', ac({ receiverPayoutKey: open.senderPayoutKey }), 'INVALID_KEY');
    col.bad(T, 'senderOpening', 'the revocation key is the sender\'s payout key', ac({ receiverRevocationKey: open.senderPayoutKey }), 'INVALID_KEY');
    // In memory, skipping the decoder, which checks these points too.
    col.bad(T, 'senderOpening', 'a receiver funding key off the curve', ac({ receiverFundingKey: Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]) }), 'INVALID_KEY');
    col.bad(T, 'senderOpening', 'a receiver payout key off the curve', ac({ receiverPayoutKey: Uint8Array.from([3, ...new Uint8Array(32).fill(0xff)]) }), 'INVALID_KEY');
    col.bad(T, 'senderOpening', 'a revocation key as a hex string', ac({ receiverRevocationKey: Buffer.from(m.acceptChannel.receiverRevocationKey).toString('hex') }), 'INVALID_KEY');
    col.bad(T, 'senderOpening', 'a revocation key missing', ac({ receiverRevocationKey: DELETE }), 'INVALID_KEY');
    col.bad(T, 'senderAccepted', 'a second accept_channel', [new Ref('acceptChannel')], 'UNEXPECTED_MESSAGE');

    const F = 'Sender.onFundingSigned';
    channelCases(F, 'senderFundingCreated', 'fundingSigned', (x) => [x]);
    col.bad(F, 'senderFundingCreated', 'a signature over state 1', [new Ref('fundingSigned', { sig: asReceiver.sign(asReceiver.senderVersionHash(1n, 0n, K(1))) })], 'INVALID_SIGNATURE');
    col.bad(F, 'senderFundingCreated', 'the sender\'s own signature', [new Ref('fundingSigned', { sig: asSender.sign(asSender.senderVersionHash(0n, 0n, K(0))) })], 'INVALID_SIGNATURE');
    sigCases(F, 'senderFundingCreated', 'fundingSigned', m.fundingSigned.sig, (x) => [x]);
    col.bad(F, 'senderOpen', 'funding_signed on an open channel', [new Ref('fundingSigned')], 'UNEXPECTED_MESSAGE');

    const C = 'Sender.createFunding';
    const f = { inputs: [walletCoin(CAPACITY + 50_000n)], changeScript: walletScript, feeRate: 1000n };
    col.bad(C, 'senderAccepted', 'inputs short of capacity + fee', [{ ...f, inputs: [walletCoin(CAPACITY)] }], 'INSUFFICIENT_FUNDS');
    col.bad(C, 'senderAccepted', 'no inputs', [{ ...f, inputs: [] }], 'INVALID_ARGUMENT');
    col.bad(C, 'senderAccepted', 'a change script that is OP_RETURN', [{ ...f, changeScript: Uint8Array.from([0x6a]) }], 'INVALID_SCRIPT');
    col.bad(C, 'senderAccepted', 'a negative fee rate', [{ ...f, feeRate: -1n }], 'INVALID_FEE_RATE');
    col.bad(C, 'senderAccepted', 'a P2WSH input', [{ ...f, inputs: [{ ...walletCoin(CAPACITY + 50_000n), script: new Uint8Array([0, 32, ...new Uint8Array(32)]), prevTx: undefined }] }], 'INVALID_ARGUMENT');
    col.bad(C, 'senderOpening', 'before accept_channel', [f], 'UNEXPECTED_MESSAGE');
    col.bad(C, 'senderFundingCreated', 'a second time', [f], 'UNEXPECTED_MESSAGE');

    const D = 'Sender.fundingCreated';
    const txid = csv.txs.fundingTx.getId();
    for (const [name, op] of [['an uppercase txid', { txid: txid.toUpperCase(), vout: 0 }], ['a 63-character txid', { txid: txid.slice(1), vout: 0 }],
      ['vout -1', { txid, vout: -1 }], ['vout 2^32', { txid, vout: 2 ** 32 }], ['vout as a string', { txid, vout: '0' }], ['no outpoint', null]] as const) {
      col.bad(D, 'senderAccepted', name, [op], 'INVALID_ARGUMENT');
    }
    col.bad(D, 'senderOpening', 'before accept_channel', [{ txid, vout: 0 }], 'UNEXPECTED_MESSAGE');
  }

  // --- sender: payments -----------------------------------------------------------------------
  {
    const T = 'Sender.pay';
    for (const [name, inc, code] of [['0', 0n, 'INVALID_AMOUNT'], ['-1', -1n, 'INVALID_AMOUNT'], ['a number', 500, 'INVALID_AMOUNT'], ['a string', '500', 'INVALID_AMOUNT'],
      ['the capacity', CAPACITY, 'AMOUNT_EXCEEDS_CAPACITY'], ['one above what is left after fees', CAPACITY - 2000n - ctx.paymentFee + 1n, 'AMOUNT_EXCEEDS_CAPACITY'],
      ['2^64', 1n << 64n, 'AMOUNT_EXCEEDS_CAPACITY']] as const) {
      col.bad(T, 'senderOpen', `increment ${name}`, [inc], code);
    }
    col.bad(T, 'senderPending', 'while a payment is in flight', [500n], 'PAYMENT_PENDING');
    col.bad(T, 'senderClosing', 'while closing', [500n], 'CHANNEL_CLOSED');
    col.bad(T, 'senderClosed', 'after close', [500n], 'CHANNEL_CLOSED');
    col.bad(T, 'senderFundingCreated', 'before funding_signed', [500n], 'UNEXPECTED_MESSAGE');
    col.bad('Sender.pendingOffer', 'senderOpen', 'no payment in flight', [], 'UNEXPECTED_MESSAGE');
    col.bad('Sender.lastRevoke', 'senderOpen0', 'nothing revoked yet', [], 'UNEXPECTED_MESSAGE');
    col.bad('Sender.latestTransaction', 'senderOpening', 'no signed state yet', [], 'UNEXPECTED_MESSAGE');

    const A = 'Sender.onAccept';
    const acc = (changes: Record<string, unknown>) => [new Ref('accept', changes)];
    channelCases(A, 'senderPending', 'accept', (x) => [x]);
    col.bad(A, 'senderPending', 'a replay of the accept of state 2', [new Ref('accept2')], 'UPDATE_INDEX_MISMATCH');
    col.bad(A, 'senderPending', 'index 4', acc({ index: 4 }), 'UPDATE_INDEX_MISMATCH');
    col.bad(A, 'senderPending', 'index as a string', acc({ index: '3' }), 'UPDATE_INDEX_MISMATCH');
    col.bad(A, 'senderPending', 'the signature of the accept of state 2', acc({ sig: m.accept2.sig }), 'INVALID_SIGNATURE');
    col.bad(A, 'senderPending', 'a signature over the receiver\'s version', acc({ sig: asReceiver.sign(asReceiver.receiverVersionHash(3n, 2500n)) }), 'INVALID_SIGNATURE');
    col.bad(A, 'senderPending', 'a signature over another amount', acc({ sig: asReceiver.sign(asReceiver.senderVersionHash(3n, 2501n, K(3))) }), 'INVALID_SIGNATURE');
    col.bad(A, 'senderPending', 'a signature with another update key', acc({ sig: asReceiver.sign(asReceiver.senderVersionHash(3n, 2500n, K(4))) }), 'INVALID_SIGNATURE');
    col.bad(A, 'senderPending', 'the sender\'s own offer signature', acc({ sig: m.offer.sig }), 'INVALID_SIGNATURE');
    sigCases(A, 'senderPending', 'accept', m.accept.sig, (x) => [x]);
    col.bad(A, 'senderOpen', 'an accept without an offer in flight', [new Ref('accept')], 'UNEXPECTED_MESSAGE');
    col.bad(A, 'senderClosed', 'an accept after close', [new Ref('accept')], 'CHANNEL_CLOSED');
  }

  // --- sender: closing and the timeout sweep -------------------------------------------------------
  {
    const T = 'Sender.proposeClose';
    for (const [name, f, code] of [['-1', -1n, 'INVALID_FEE_RATE'], ['1e8 + 1', 100_000_001n, 'INVALID_FEE_RATE'], ['a number', 2000, 'INVALID_FEE_RATE'],
      ['1e8 (eats the sender\'s output)', 100_000_000n, 'FEE_EXCEEDS_OUTPUT'], ['252 (below the relay floor)', MIN_FEE_RATE - 1n, 'FEE_RATE_REFUSED'],
      ['0', 0n, 'FEE_RATE_REFUSED']] as const) {
      col.bad(T, 'senderOpen3', `fee rate ${name}`, [f], code);
    }
    col.bad(T, 'senderPending', 'while a payment is in flight', [2000n], 'PAYMENT_PENDING');
    col.bad(T, 'senderClosed', 'after close', [2000n], 'CHANNEL_CLOSED');

    const U = 'Sender.onCloseSigned';
    channelCases(U, 'senderClosing', 'closeSigned', (x) => [x]);
    col.bad(U, 'senderClosing', 'the signature of a close at another fee rate', [new Ref('closeSigned', { sig: m.senderCloseSigned.sig })], 'INVALID_SIGNATURE');
    col.bad(U, 'senderClosing', 'the sender\'s own signature', [new Ref('closeSigned', { sig: m.closeOffer.sig })], 'INVALID_SIGNATURE');
    sigCases(U, 'senderClosing', 'closeSigned', m.closeSigned.sig, (x) => [x]);
    col.bad(U, 'senderOpen3', 'close_signed without a close offer', [new Ref('closeSigned')], 'UNEXPECTED_MESSAGE');
    col.bad(U, 'senderClosed', 'close_signed after close', [new Ref('closeSigned')], 'CHANNEL_CLOSED');

    const V = 'Sender.onCloseOffer';
    const co = (changes: Record<string, unknown>, max: unknown = 5000n) => [new Ref('receiverCloseOffer', changes), max];
    channelCases(V, 'senderOpen3', 'receiverCloseOffer', (x) => [x, 5000n]);
    col.bad(V, 'senderOpen3', 'a fee rate above our bound', co({}, 1000n), 'FEE_RATE_REFUSED');
    for (const [name, max] of [['missing', undefined], ['null', null], ['a number', 5000], ['a string', '5000'], ['-1', -1n], ['1e8 + 1', 100_000_001n]] as const) {
      col.bad(V, 'senderOpen3', `our bound ${name}`, name === 'missing' ? [new Ref('receiverCloseOffer')] : co({}, max), 'INVALID_FEE_RATE');
    }
    for (const f of [MIN_FEE_RATE - 1n, 0n]) {
      col.bad(V, 'senderOpen3', `a fee rate of ${f} sat/kw, below the relay floor, signed`, co({ feeRate: f, sig: asReceiver.sign(asReceiver.closeHash(2500n, f)) }), 'FEE_RATE_REFUSED');
    }
    col.bad(V, 'senderOpen3', 'an amount below the agreed one', co({ amount: 2499n }), 'UPDATE_NOT_MONOTONIC');
    col.bad(V, 'senderOpen3', 'an amount above the agreed one', co({ amount: 2501n }), 'UPDATE_NOT_MONOTONIC');
    col.bad(V, 'senderOpen3', 'a fee rate other than the signed one', co({ feeRate: 1501n }), 'INVALID_SIGNATURE');
    col.bad(V, 'senderOpen3', 'the sender\'s own signature', co({ sig: m.closeOffer.sig }), 'INVALID_SIGNATURE');
    sigCases(V, 'senderOpen3', 'receiverCloseOffer', m.receiverCloseOffer.sig, (x) => [x, 5000n]);
    col.bad(V, 'senderClosing', 'while closing', co({}), 'CHANNEL_CLOSED');

    const W = 'Sender.timeoutSweep';
    const a = (raw: unknown, d: unknown = walletScript, fee: unknown = 1000n) => [raw, d, fee];
    const moved = Transaction.fromBuffer(csv.txs.senderVersion3.toBuffer());
    moved.ins[0]!.index = 1;
    for (const [name, raw, code] of [
      ['bytes that do not parse', Uint8Array.from([1, 2, 3]), 'INVALID_TRANSACTION'],
      ['no bytes', new Uint8Array(0), 'INVALID_TRANSACTION'],
      ['the latest version as hex', csv.txs.senderVersion3.toHex(), 'INVALID_TRANSACTION'],
      ['the latest version with a trailing byte', Uint8Array.from([...csv.txs.senderVersion3.toBuffer(), 0]), 'INVALID_TRANSACTION'],
      ['the latest version spending another output', moved.toBuffer(), 'INVALID_TRANSACTION'],
      ['the funding transaction', new Ref('fundingTx'), 'INVALID_TRANSACTION'],
      ['the cooperative close', new Ref('closeTx'), 'INVALID_TRANSACTION'],
      ['a receiver\'s version (no revocable output)', new Ref('receiverVersion2'), 'NOTHING_TO_CLAIM'],
    ] as const) col.bad(W, 'senderOpen3', name, a(raw), code);
    col.bad(W, 'senderOpen3', 'a destination that is OP_RETURN', a(new Ref('senderVersion3'), Uint8Array.from([0x6a, 0])), 'INVALID_SCRIPT');
    col.bad(W, 'senderOpen3', 'a negative fee rate', a(new Ref('senderVersion3'), walletScript, -1n), 'INVALID_FEE_RATE');
    col.bad(W, 'senderOpen3', 'a fee rate that eats the output', a(new Ref('senderVersion3'), walletScript, 100_000_000n), 'FEE_EXCEEDS_OUTPUT');
    col.bad(W, 'senderAccepted', 'before funding', a(new Ref('senderVersion3')), 'UNEXPECTED_MESSAGE');
  }

  // --- opening a channel: Sender.open and Receiver.accept ---------------------------------------------
  {
    const opts = { capacity: CAPACITY, variant: CSV, feeRate: 1000n, margin: 10, secrets: new Ref('senderSecrets') };
    col.ok('Sender.open', 'a CSV channel', [opts]);
    col.ok('Sender.open', 'a CLTV channel without a margin (the default)', [{ ...opts, variant: CLTV, margin: undefined }]);
    col.ok('Sender.open', 'a channel at the relay floor', [{ ...opts, feeRate: MIN_FEE_RATE }]);
    for (const [name, changes, code] of [
      ['capacity 0', { capacity: 0n }, 'INVALID_AMOUNT'], ['capacity -1', { capacity: -1n }, 'INVALID_AMOUNT'], ['capacity as a number', { capacity: 1_000_000 }, 'INVALID_AMOUNT'],
      ['capacity above 21e6 BTC', { capacity: MAX_MONEY + 1n }, 'INVALID_AMOUNT'],
      ['variant null', { variant: null }, 'INVALID_TIMELOCK'], ['CSV delay 0', { variant: { kind: 'csv', delay: { blocks: 0 } } }, 'INVALID_TIMELOCK'],
      ['CLTV height 0', { variant: { kind: 'cltv', expiry: { height: 0 } } }, 'INVALID_TIMELOCK'], ['an unknown variant', { variant: { kind: 'htlc' } }, 'INVALID_TIMELOCK'],
      ['fee rate -1', { feeRate: -1n }, 'INVALID_FEE_RATE'], ['fee rate as a number', { feeRate: 1000 }, 'INVALID_FEE_RATE'], ['fee rate 1e8 + 1', { feeRate: 100_000_001n }, 'INVALID_FEE_RATE'],
      ['fee rate 252, below the relay floor', { feeRate: MIN_FEE_RATE - 1n }, 'FEE_RATE_REFUSED'], ['fee rate 0', { feeRate: 0n }, 'FEE_RATE_REFUSED'],
      ['margin -1', { margin: -1 }, 'INVALID_ARGUMENT'], ['margin 65536', { margin: 65536 }, 'INVALID_ARGUMENT'], ['margin 1.5', { margin: 1.5 }, 'INVALID_ARGUMENT'],
      ['margin as a string', { margin: '10' }, 'INVALID_ARGUMENT'],
      ['a zero funding key', { secrets: new Ref('senderSecrets', { fundingKey: new Uint8Array(32) }) }, 'INVALID_KEY'],
      ['a payout key = n', { secrets: new Ref('senderSecrets', { payoutKey: be32(N) }) }, 'INVALID_KEY'],
      ['an update seed of 31 bytes', { secrets: new Ref('senderSecrets', { updateSeed: new Uint8Array(31) }) }, 'INVALID_ARGUMENT'],
    ] as const) col.bad('Sender.open', undefined, name, [{ ...opts, ...changes }], code);

    const R = 'Receiver.accept';
    const a = (open: unknown, pol: unknown = policy, chain: unknown = new Ref('chain'), secrets: unknown = new Ref('receiverSecrets')) => [open, secrets, pol, chain];
    col.ok(R, 'a CSV channel', a(new Ref('open')));
    col.ok(R, 'a CLTV channel', a(new Ref('cltvOpen')));
    col.bad(R, undefined, 'the message is null', a(null), 'MESSAGE_INVALID');
    col.bad(R, undefined, 'capacity below the policy minimum', a(new Ref('open'), { ...policy, minCapacity: CAPACITY + 1n }), 'INVALID_AMOUNT');
    col.bad(R, undefined, 'capacity above the policy maximum', a(new Ref('open'), { ...policy, maxCapacity: CAPACITY - 1n }), 'INVALID_AMOUNT');
    col.bad(R, undefined, 'fee rate below the policy minimum', a(new Ref('open'), { ...policy, minFeeRate: 1001n }), 'FEE_RATE_REFUSED');
    col.bad(R, undefined, 'fee rate above the policy maximum', a(new Ref('open'), { ...policy, maxFeeRate: 999n }), 'FEE_RATE_REFUSED');
    col.bad(R, undefined, 'a capacity that does not cover the payment fee', a(new Ref('open', { capacity: 1000n })), 'FEE_EXCEEDS_OUTPUT');
    col.bad(R, undefined, 'a CSV delay of 143 under the default policy', a(new Ref('open', { variant: { kind: 'csv', delay: { blocks: 143 } } }), {}), 'INVALID_TIMELOCK');
    col.bad(R, undefined, 'a CLTV margin of 143 under the default policy', a(new Ref('cltvOpen', { margin: 143 }), {}), 'INVALID_TIMELOCK');
    col.bad(R, undefined, 'a CLTV channel without the chain tip', [new Ref('cltvOpen'), new Ref('receiverSecrets'), policy], 'INVALID_ARGUMENT');
    col.bad(R, undefined, 'a CLTV channel whose cutoff has passed', a(new Ref('cltvOpen'), policy, { height: 989, medianTimePast: 0 }), 'CHANNEL_EXPIRED');
    col.bad(R, undefined, 'the sender funding key is the receiver\'s', a(new Ref('open', { senderFundingKey: forged.receiverFundingKey })), 'INVALID_KEY');
    col.bad(R, undefined, 'the sender payout key is the receiver\'s revocation key', a(new Ref('open', { senderPayoutKey: forged.receiverRevocationKey })), 'INVALID_KEY');
    col.bad(R, undefined, 'a zero receiver funding key', a(new Ref('open'), policy, new Ref('chain'), new Ref('receiverSecrets', { fundingKey: new Uint8Array(32) })), 'INVALID_KEY');
    col.bad(R, undefined, 'a revocation key = n', a(new Ref('open'), policy, new Ref('chain'), new Ref('receiverSecrets', { revocationKey: be32(N) })), 'INVALID_KEY');
    col.bad(R, undefined, 'a CLTV channel with a null chain view', a(new Ref('cltvOpen'), policy, null), 'INVALID_ARGUMENT');
    col.bad(R, undefined, 'a CLTV channel with a chain view without a height', a(new Ref('cltvOpen'), policy, { medianTimePast: 0 }), 'INVALID_ARGUMENT');
    // In memory, skipping the decoder, which checks these fields too.
    col.bad(R, undefined, 'an unknown variant kind in memory', a(new Ref('open', { variant: { kind: 'htlc' } })), 'INVALID_TIMELOCK');
    col.bad(R, undefined, 'a sender funding key off the curve in memory', a(new Ref('open', { senderFundingKey: Uint8Array.from([2, ...new Uint8Array(32).fill(0xff)]) })), 'INVALID_KEY');
    col.bad(R, undefined, 'a sender payout key as a hex string in memory', a(new Ref('open', { senderPayoutKey: Buffer.from(m.open.senderPayoutKey).toString('hex') })), 'INVALID_KEY');
    col.bad(R, undefined, 'a temporary id of 31 bytes in memory', a(new Ref('open', { tempChannelId: m.open.tempChannelId.subarray(0, 31) })), 'INVALID_ARGUMENT');
    col.bad(R, undefined, 'a capacity as a number in memory', a(new Ref('open', { capacity: 1_000_000 })), 'INVALID_AMOUNT');
    col.bad(R, undefined, 'a fee rate as a number in memory', a(new Ref('open', { feeRate: 1000 })), 'INVALID_FEE_RATE');
    col.bad(R, undefined, 'a fee rate of 252, below the relay floor', a(new Ref('open', { feeRate: MIN_FEE_RATE - 1n })), 'FEE_RATE_REFUSED');
    col.bad(R, undefined, 'a fee rate of 0', a(new Ref('open', { feeRate: 0n })), 'FEE_RATE_REFUSED');
    col.bad(R, undefined, 'a fee rate of 0 under a policy that allows it', a(new Ref('open', { feeRate: 0n }), { ...policy, minFeeRate: 0n }), 'FEE_RATE_REFUSED');
    col.bad(R, undefined, 'a margin of 1.5 in memory', a(new Ref('open', { margin: 1.5 })), 'INVALID_ARGUMENT');
    col.bad(R, undefined, 'a margin of 65536 in memory', a(new Ref('open', { margin: 65536 })), 'INVALID_ARGUMENT');
  }

  // --- the revocation store ------------------------------------------------------------------------
  {
    const idx3 = updateIndex(3n);
    col.bad('RevocationStore.insertState', 'store', 'state 4 before state 3', [4n, k(4)], 'SECRET_STORE_INCONSISTENT');
    col.bad('RevocationStore.insertState', 'store', 'state 2 again', [2n, k(2)], 'SECRET_STORE_INCONSISTENT');
    col.bad('RevocationStore.insertState', 'store', 'state 3 with a secret that does not derive the stored ones', [3n, deriveUpdateSecret(new Uint8Array(32).fill(9), 3n)], 'SECRET_STORE_INCONSISTENT');
    col.bad('RevocationStore.insertState', 'store', 'state 3 with 31 bytes', [3n, k(3).subarray(0, 31)], 'INVALID_ARGUMENT');
    col.bad('RevocationStore.insertState', 'store', 'state -1', [-1n, k(3)], 'SECRET_INDEX_OUT_OF_RANGE');
    col.bad('RevocationStore.insertState', 'store', 'state as a number', [3, k(3)], 'SECRET_INDEX_OUT_OF_RANGE');
    col.bad('RevocationStore.insertState', 'store', 'state 2^48', [1n << 48n, k(3)], 'SECRET_INDEX_OUT_OF_RANGE');
    col.bad('RevocationStore.insert', 'store', 'index of state 3 with another seed\'s secret', [idx3, deriveUpdateSecret(new Uint8Array(32).fill(9), 3n)], 'SECRET_STORE_INCONSISTENT');
    col.bad('RevocationStore.insert', 'store', 'the index after the next one', [idx3 - 1n, k(4)], 'SECRET_STORE_INCONSISTENT');
    col.bad('RevocationStore.insert', 'store', 'index 2^48', [1n << 48n, k(3)], 'SECRET_INDEX_OUT_OF_RANGE');
    col.bad('RevocationStore.insert', 'store', 'a secret as a hex string', [idx3, Buffer.from(k(3)).toString('hex')], 'INVALID_ARGUMENT');
    col.bad('RevocationStore.insert', 'store', 'no secret', [idx3, undefined], 'INVALID_ARGUMENT');
    for (const [name, i] of [['-1', -1n], ['2^48', 1n << 48n], ['a number', 5], ['null', null]] as const) {
      col.bad('RevocationStore.get', 'store', `index ${name}`, [i], 'SECRET_INDEX_OUT_OF_RANGE');
      col.bad('RevocationStore.getState', 'store', `state ${name}`, [i], 'SECRET_INDEX_OUT_OF_RANGE');
    }
    for (const [name, i] of [['-1', -1n], ['2^48 + 1', (1n << 48n) + 1n], ['a number', 3], ['null', null], ['a string', '3']] as const) {
      col.bad('RevocationStore.coversStatesBelow', 'store', `state ${name}`, [i], 'SECRET_INDEX_OUT_OF_RANGE');
    }
  }

  return [
    ...col.files('parties', (t) => `${t}: bad messages and calls refused with a typed code; the party's saved state unchanged and its next valid call still taken`, baselines, parties),
    ...stateFiles(baselines, S),
  ];
}

function store8(): unknown {
  const s = new RevocationStore();
  for (let i = 0n; i <= 7n; i++) s.insertState(i, k(Number(i)));
  return s.toJSON();
}

/** A receiver whose sender gave K_2 from another seed: its revoke of state 3 cannot be stored consistently. */
function forgedReceiver(): { state: Json; receiverFundingKey: Uint8Array; receiverRevocationKey: Uint8Array } {
  const { sender, message: open } = Sender.open({ capacity: CAPACITY, variant: CSV, feeRate: 1000n, margin: 10, secrets: senderSecrets });
  const { receiver: r, message: acc } = Receiver.accept(open, receiverSecrets, policy, CHAIN);
  sender.onAcceptChannel(acc);
  const { plan, message: created } = sender.createFunding({ inputs: [walletCoin(CAPACITY + 50_000n)], changeScript: walletScript, feeRate: 1000n });
  sender.onFundingSigned(r.onFundingCreated(created));
  r.markFundingConfirmed({ tx: plan.tx.toBuffer(), confirmations: 3 });
  r.onRevoke(sender.onAccept(r.onOffer(sender.pay(1000n), CHAIN)));
  const signer = new PaymentSigner(r.context, 'sender', senderSecrets.fundingKey);
  const forgedSecret = deriveUpdateSecret(new Uint8Array(32).fill(9), 2n);
  const offer = (index: number, amount: bigint, secret: Uint8Array) => ({
    type: 'offer' as const, channelId: r.channelId, index, amount, updateKey: derivePublicKey(secret as PrivateKey),
    sig: signer.sign(signer.receiverVersionHash(BigInt(index), amount)),
  });
  const revoke = (index: number, secret: Uint8Array) => ({ type: 'revoke' as const, channelId: r.channelId, index, secret });
  r.onOffer(offer(2, 2000n, forgedSecret), CHAIN);
  r.onRevoke(revoke(1, k(1)));
  r.onOffer(offer(3, 3000n, k(3)), CHAIN);
  r.onRevoke(revoke(2, forgedSecret));
  r.onOffer(offer(4, 4000n, k(4)), CHAIN);
  const json = JSON.parse(JSON.stringify(r.toJSON())) as Json;
  const terms = json.terms as Json;
  return { state: json, receiverFundingKey: Buffer.from(terms.receiverFundingKey as string, 'hex'), receiverRevocationKey: Buffer.from(terms.receiverRevocationKey as string, 'hex') };
}

// ---------------------------------------------------------------------------
// Saved-state decoders.

function stateFiles(baselines: Record<string, unknown>, S: Readonly<Record<string, Json>>): FileSpec[] {
  const out: FileSpec[] = [];
  const sender = (name: string, state: unknown, expect: ErrorCode, a?: unknown, b?: string): CaseSpec => {
    const [secrets, pending] = typeof a === 'string' ? [new Ref('senderSecrets'), a] : [a ?? new Ref('senderSecrets'), b];
    return { name, target: 'Sender.restore', input: [state, secrets], expect, ...(pending ? { pending } : {}) };
  };
  const receiver = (name: string, state: unknown, expect: ErrorCode, a?: unknown, b?: string): CaseSpec => {
    const [secrets, pending] = typeof a === 'string' ? [new Ref('receiverSecrets'), a] : [a ?? new Ref('receiverSecrets'), b];
    return { name, target: 'Receiver.restore', input: [state, secrets], expect, ...(pending ? { pending } : {}) };
  };
  const s = (changes: Record<string, unknown>) => new Ref('senderState', changes);
  const r = (changes: Record<string, unknown>) => new Ref('receiverState', changes);
  const sState = baselines.senderState as Json;
  const rState = baselines.receiverState as Json;
  const terms = sState.terms as Json;
  const t = (changes: Record<string, unknown>) => new Ref('terms', changes);
  const cur = (changes: Record<string, unknown>) => new Ref('current', changes);
  const I = 'STATE_INVALID';
  const noReceiverKeys = { receiverFundingKey: null, receiverPayoutKey: null, receiverRevocationKey: null };
  const close = (tx: string | null = null) => ({ amount: '2500', feeRate: '2000', tx });
  const closeTx = Buffer.from(baselines.closeTx as Uint8Array).toString('hex');
  const validKeyHex = Buffer.from(K(4)).toString('hex');

  // Damage common to both parties' files.
  const common = (mk: (name: string, state: unknown, expect: ErrorCode) => CaseSpec, ref: (c: Record<string, unknown>) => Ref, own: Json): CaseSpec[] => [
    mk('not an object: null', null, I), mk('not an object: an array', [own], I), mk('not an object: the JSON text', JSON.stringify(own), I),
    mk('format missing', ref({ format: DELETE }), I), mk('format of the other party', ref({ format: own.format === sState.format ? rState.format : sState.format }), I),
    mk('format of a later version', ref({ format: String(own.format).replace(/\/(\d+)$/, (_, v: string) => `/${Number(v) + 1}`) }), I),
    mk('format of an earlier version', ref({ format: String(own.format).replace(/\/(\d+)$/, (_, v: string) => `/${Number(v) - 1}`) }), I),
    mk('an unknown phase', ref({ phase: 'paying' }), I), mk('phase missing', ref({ phase: DELETE }), I), mk('phase as a number', ref({ phase: 3 }), I),
    mk('terms missing', ref({ terms: DELETE }), I), mk('terms null', ref({ terms: null }), I),
    mk('terms: capacity as a number', ref({ terms: t({ capacity: 1_000_000 }) }), I), mk('terms: capacity negative', ref({ terms: t({ capacity: '-1' }) }), I),
    mk('terms: capacity with a leading zero', ref({ terms: t({ capacity: '01000000' }) }), I), mk('terms: fee rate as hex', ref({ terms: t({ feeRate: '0x3e8' }) }), I),
    mk('terms: margin -1', ref({ terms: t({ margin: -1 }) }), I), mk('terms: margin 1.5', ref({ terms: t({ margin: 1.5 }) }), I),
    mk('terms: variant missing', ref({ terms: t({ variant: DELETE }) }), I), mk('terms: CSV delay 0', ref({ terms: t({ variant: { kind: 'csv', delay: { blocks: 0 } } }) }), I),
    mk('terms: an unknown variant', ref({ terms: t({ variant: { kind: 'htlc' } }) }), I),
    mk('terms: a variant with an extra field', ref({ terms: t({ variant: { kind: 'csv', delay: { blocks: 144 }, expiry: { height: 1000 } } }) }), I),
    mk('terms: a CSV delay with an extra field', ref({ terms: t({ variant: { kind: 'csv', delay: { blocks: 144, seconds: 1 } } }) }), I),
    mk('terms: a CLTV expiry with both a height and a time', ref({ terms: t({ variant: { kind: 'cltv', expiry: { height: 1000, time: 1_800_000_000 } } }) }), I),
    mk('terms: one of the receiver\'s keys null', ref({ terms: t({ receiverPayoutKey: null }) }), I),
    mk('terms: temporary id of 31 bytes', ref({ terms: t({ tempChannelId: String(terms.tempChannelId).slice(2) }) }), I),
    mk('terms: temporary id in uppercase', ref({ terms: t({ tempChannelId: String(terms.tempChannelId).toUpperCase() }) }), I),
    mk('terms: sender funding key off the curve', ref({ terms: t({ senderFundingKey: '02' + 'ff'.repeat(32) }) }), I),
    mk('terms: sender payout key of 32 bytes', ref({ terms: t({ senderPayoutKey: String(terms.senderPayoutKey).slice(2) }) }), I),
    mk('terms: receiver revocation key as a number', ref({ terms: t({ receiverRevocationKey: 2 }) }), I),
    mk('funding: txid of 63 characters', ref({ funding: { txid: String((own.funding as Json).txid).slice(1), vout: 0 } }), I),
    mk('funding: txid in uppercase', ref({ funding: { txid: String((own.funding as Json).txid).toUpperCase(), vout: 0 } }), I),
    mk('funding: vout -1', ref({ funding: { txid: (own.funding as Json).txid, vout: -1 } }), I),
    mk('funding: vout as a string', ref({ funding: { txid: (own.funding as Json).txid, vout: '0' } }), I),
    mk('funding: not an object', ref({ funding: 'txid:0' }), I),
    mk('close: amount as a number', ref({ close: { amount: 2500, feeRate: '2000', tx: null } }), I),
    mk('close: tx of odd length', ref({ close: { amount: '2500', feeRate: '2000', tx: 'abc' } }), I),
  ];

  const sCases: CaseSpec[] = [
    ...common(sender, s, sState),
    sender('index -1', s({ index: -1 }), I), sender('index 2.5', s({ index: 2.5 }), I), sender('index as a string', s({ index: '3' }), I), sender('index 2^53', s({ index: 2 ** 53 }), I),
    sender('amount as a number', s({ amount: 2500 }), I), sender('amount negative', s({ amount: '-2500' }), I), sender('amount with a plus sign', s({ amount: '+2500' }), I),
    sender('receiverSig missing', s({ receiverSig: DELETE }), I), sender('receiverSig not hex', s({ receiverSig: 'zz' }), I),
    sender('receiverSig of odd length', s({ receiverSig: String(sState.receiverSig).slice(1) }), I),
    sender('pending: index as a string', s({ pending: { index: '4', amount: '3000' } }), I), sender('pending: amount as a number', s({ pending: { index: 4, amount: 3000 } }), I),
    sender('pending: not an object', s({ pending: 4 }), I),
    // A phase and the parts it holds must agree.
    sender('phase closing without a close', s({ phase: 'closing', close: null }), I),
    sender('phase open without a funding outpoint', s({ funding: null }), I),
    sender('phase open without the receiver\'s signature', s({ receiverSig: null }), I),
    sender('phase open with a close', s({ close: close() }), I),
    sender('phase opening with the receiver\'s keys', s({ phase: 'opening', funding: null, receiverSig: null }), I),
    sender('phase accepted without the receiver\'s keys', s({ phase: 'accepted', funding: null, receiverSig: null, terms: t(noReceiverKeys) }), I),
    sender('phase accepted with a funding outpoint', s({ phase: 'accepted', receiverSig: null }), I),
    sender('phase funding_created with the receiver\'s signature', s({ phase: 'funding_created' }), I),
    sender('phase closing with a payment in flight', s({ phase: 'closing', close: close(), pending: { index: 4, amount: '3000' } }), I),
    sender('phase closing with a complete close', s({ phase: 'closing', close: close(closeTx) }), I),
    sender('phase closed with a payment in flight', s({ phase: 'closed', pending: { index: 4, amount: '3000' } }), I),
    sender('pending: a state that skips one', s({ pending: { index: 5, amount: '3000' } }), I),
    sender('pending: an amount not above the current one', s({ pending: { index: 4, amount: '2500' } }), I),
    // Re-derived on restore: the receiver's signature pins the index, the amount and the close.
    sender('index raised by one: the receiver\'s signature is on state 3', s({ index: 4 }), I),
    sender('index lowered by one', s({ index: 2 }), I),
    sender('amount raised by one', s({ amount: '2501' }), I),
    sender('the receiver\'s signature on state 2', s({ receiverSig: (S.senderOpen as Json).receiverSig }), I),
    sender('a payment in flight the channel cannot carry', s({ pending: { index: 4, amount: '999999' } }), I),
    sender('phase closed with an agreed state but without the receiver\'s signature', s({ phase: 'closed', receiverSig: null }), I),
    sender('phase closed with a close of another amount', s({ phase: 'closed', close: { amount: '2000', feeRate: '2000', tx: closeTx } }), I),
    sender('phase closed with a close whose record names another fee rate', s({ phase: 'closed', close: { amount: '2500', feeRate: '2100', tx: closeTx } }), I),
    sender('phase closed with a payment version as the close', s({ phase: 'closed', close: { amount: '2500', feeRate: '2000', tx: Buffer.from(baselines.senderVersion3 as Uint8Array).toString('hex') } }), I),
    sender('the payout key of another channel', s({}), 'INVALID_KEY', new Ref('senderSecrets', { payoutKey: receiverSecrets.payoutKey })),
    sender('the secrets of another channel', s({}), 'INVALID_KEY', new Ref('senderSecrets', { fundingKey: receiverSecrets.fundingKey })),
    sender('a zero funding key', s({}), 'INVALID_KEY', new Ref('senderSecrets', { fundingKey: new Uint8Array(32) })),
    sender('an update seed of 31 bytes', s({}), 'INVALID_ARGUMENT', new Ref('senderSecrets', { updateSeed: new Uint8Array(31) })),
  ];
  const rCases: CaseSpec[] = [
    ...common(receiver, r, rState),
    receiver('fundingConfirmed as a string', r({ fundingConfirmed: 'true' }), I), receiver('fundingConfirmed missing', r({ fundingConfirmed: DELETE }), I),
    receiver('current: index -1', r({ current: cur({ index: -1 }) }), I), receiver('current: amount negative', r({ current: cur({ amount: '-1' }) }), I),
    receiver('current: update key off the curve', r({ current: cur({ updateKey: '03' + 'ff'.repeat(32) }) }), I),
    receiver('current: update key missing', r({ current: cur({ updateKey: DELETE }) }), I),
    receiver('current: senderSig missing', r({ current: cur({ senderSig: DELETE }) }), I),
    receiver('current: not an object', r({ current: 3 }), I),
    receiver('revocations missing', r({ revocations: DELETE }), I), receiver('revocations of a later version', r({ revocations: { version: 2, entries: [] } }), I),
    receiver('terms: a receiver state without the receiver\'s keys', r({ terms: t(noReceiverKeys) }), I),
    // A phase and the parts it holds must agree.
    receiver('phase open without a current state', r({ current: null }), I),
    receiver('phase closing without a close', r({ phase: 'closing', close: null }), I),
    receiver('phase open without a funding outpoint', r({ funding: null }), I),
    receiver('phase open with the funding not confirmed', r({ fundingConfirmed: false }), I),
    receiver('phase open with a close', r({ close: close() }), I),
    receiver('phase accepted with a funding outpoint', r({ phase: 'accepted', current: null, fundingConfirmed: false }), I),
    receiver('phase funded with the funding confirmed', r({ phase: 'funded' }), I),
    receiver('phase funded with a payment in flight', r({ phase: 'funded', fundingConfirmed: false, pending: cur({ index: 4, amount: '3000' }) }), I),
    receiver('phase closing with a payment in flight', r({ phase: 'closing', close: close(), pending: cur({ index: 4, amount: '3000' }) }), I),
    receiver('phase closing with a complete close', r({ phase: 'closing', close: close(closeTx) }), I),
    receiver('phase closed with a payment in flight', r({ phase: 'closed', pending: cur({ index: 4, amount: '3000' }) }), I),
    receiver('pending: a state that skips one', r({ pending: cur({ index: 5, amount: '3000' }) }), I),
    receiver('pending: an amount not above the current one', r({ pending: cur({ index: 4, amount: '2500' }) }), I),
    // Re-derived on restore: the sender's signatures, the revealed secrets, the update keys and the close.
    receiver('current: the sender\'s signature on state 2', r({ current: cur({ senderSig: ((S.receiverOpen as Json).current as Json).senderSig }) }), I),
    receiver('current: index raised by one', r({ current: cur({ index: 4 }) }), I),
    receiver('current: amount raised by one', r({ current: cur({ amount: '2501' }) }), I),
    receiver('current: the update key of state 2, already revoked', r({ current: cur({ updateKey: ((S.receiverOpen as Json).current as Json).updateKey }) }), I),
    receiver('revocations: the store of state 2 (the revoke of state 2 lost)', r({ revocations: (S.receiverOpen as Json).revocations }), I),
    receiver('revocations: empty', r({ revocations: { version: 1, entries: [] } }), I),
    receiver('pending: the next state without the sender\'s signature', r({ pending: cur({ index: 4, amount: '3000', senderSig: null, updateKey: validKeyHex }) }), I),
    receiver('phase closed with a close of another amount', r({ phase: 'closed', close: { amount: '2000', feeRate: '2000', tx: closeTx } }), I),
    receiver('phase closed with a payment version as the close', r({ phase: 'closed', close: { amount: '2500', feeRate: '2000', tx: Buffer.from(baselines.receiverVersion2 as Uint8Array).toString('hex') } }), I),
    receiver('the payout key of another channel', r({}), 'INVALID_KEY', new Ref('receiverSecrets', { payoutKey: senderSecrets.payoutKey })),
    receiver('the revocation key of another channel', r({}), 'INVALID_KEY', new Ref('receiverSecrets', { revocationKey: senderSecrets.fundingKey })),
    receiver('the secrets of another channel', r({}), 'INVALID_KEY', new Ref('receiverSecrets', { fundingKey: senderSecrets.fundingKey })),
    receiver('a zero revocation key', r({}), 'INVALID_KEY', new Ref('receiverSecrets', { revocationKey: new Uint8Array(32) })),
    ...fundingStateCases(receiver),
  ];
  out.push({
    file: 'state-Sender.restore.json', description: 'Sender.restore: damaged saved states refused with a typed code', baselines,
    valid: [{ name: 'a saved open state', target: 'Sender.restore', input: [new Ref('senderState'), new Ref('senderSecrets')] }], cases: sCases,
  });
  out.push({
    file: 'state-Receiver.restore.json', description: 'Receiver.restore: damaged saved states refused with a typed code', baselines,
    valid: [{ name: 'a saved open state', target: 'Receiver.restore', input: [new Ref('receiverState'), new Ref('receiverSecrets')] }], cases: rCases,
  });

  // States 0 to 7 revoked: the entry of state 7 (bucket 3) must derive the three below it.
  const store = baselines.store8 as { version: number; entries: { index: string; secret: string }[] };
  const st = (name: string, v: unknown): CaseSpec => ({ name, target: 'RevocationStore.fromJSON', input: [v], expect: 'STATE_INVALID' });
  const e = store.entries;
  const flipped = e.map((x, i) => (i === e.length - 1 ? { ...x, secret: (x.secret[0] === '0' ? '1' : '0') + x.secret.slice(1) } : x));
  const stCases: CaseSpec[] = [
    st('null', null), st('an array', [store]), st('a string', JSON.stringify(store)),
    st('version missing', { entries: e }), st('version 2', { ...store, version: 2 }), st('version "1"', { ...store, version: '1' }),
    st('an extra key', { ...store, lowest: e[0]!.index }), st('entries missing', { version: 1 }), st('entries not an array', { version: 1, entries: {} }),
    st('50 entries', { version: 1, entries: Array.from({ length: 50 }, () => e[0]) }),
    st('an entry with an extra key', { version: 1, entries: [{ ...e[0]!, state: 2 }] }), st('an entry that is null', { version: 1, entries: [null] }),
    st('an index with a leading zero', { version: 1, entries: [{ ...e[0]!, index: '0' + e[0]!.index }] }),
    st('an index as a number', { version: 1, entries: [{ ...e[0]!, index: Number(e[0]!.index) }] }),
    st('an index of 2^48', { version: 1, entries: [{ ...e[0]!, index: String(2 ** 48) }] }), st('an index -1', { version: 1, entries: [{ ...e[0]!, index: '-1' }] }),
    st('a secret in uppercase', { version: 1, entries: [{ ...e[0]!, secret: e[0]!.secret.toUpperCase() }] }),
    st('a secret of 31 bytes', { version: 1, entries: [{ ...e[0]!, secret: e[0]!.secret.slice(2) }] }),
    st('entries out of bucket order', { version: 1, entries: [...e].reverse() }),
    st('the same entry twice', { version: 1, entries: [e[0]!, e[0]!] }),
    st('the stored secrets do not derive one another', { version: 1, entries: flipped }),
    st('an entry whose index is not the one its bucket must hold', { version: 1, entries: e.map((x, i) => (i === 1 ? { ...x, index: (BigInt(x.index) - 4n).toString() } : x)) }),
    st('a bucket missing', { version: 1, entries: e.filter((_, i) => i !== 1) }),
  ];
  out.push({
    file: 'state-RevocationStore.fromJSON.json', description: 'RevocationStore.fromJSON: damaged stores refused with STATE_INVALID', baselines,
    valid: [
      { name: 'a saved store of states 0 to 2', target: 'RevocationStore.fromJSON', input: [new Ref('store')] },
      { name: 'a saved store of states 0 to 7', target: 'RevocationStore.fromJSON', input: [new Ref('store8')] },
      { name: 'an empty store', target: 'RevocationStore.fromJSON', input: [{ version: 1, entries: [] }] },
    ],
    cases: stCases,
  });
  return out;
}

