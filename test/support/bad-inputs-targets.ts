/**
 * Every function the bad-input corpus calls, by the target name the corpus
 * files use. A target takes the decoded argument list of a case; party targets
 * also get the party (a Sender, a Receiver or a RevocationStore) the method is
 * called on. `exports` names what lib/index.ts exports that the target
 * exercises, for the coverage table.
 *
 * Chain targets (the watchers, the block follower, the funding-spend
 * classifier) take parties as arguments ({"$party": name} in the file: the
 * case's own party when it names it) and a backend described as data, served
 * by a stub in memory: no node is involved, only argument handling is tested.
 */
import { BIP32Interface } from 'bip32';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  AnchorChildKeys, AnchorChildParams, ChannelError, ChannelParams, CloseParams, CpfpParams, CpfpReachParams, FundingBackend, FundingParams, KeyOrigins, MessageType, PaymentSigner, PenaltyKeys, PenaltyParams, PrivateKey, PublicKey,
  Receiver, ReceiverPaymentParams, RevocationStore, Sender, SenderPaymentParams, ScriptTemplate, TimeoutParams,
  absoluteLockValue, addPartialSignature, buildAnchorChildTx, signAnchorChildTx, asPrivateKey, asPublicKey, assembleWitness, branchSigners, buildCooperativeCloseTx, buildCpfpTx, maxCpfpPackageFeeRate,
  buildFundingTx, buildPenaltyTx, buildReceiverPaymentTx, buildSenderPaymentTx, buildTimeoutTx, channelSeedPath, channelWitness,
  checkAmount, checkDestinationScript, checkFeeRate, checkPath, checkRelayFeeRate, checkState, checkTxid, checkVariant, checkVout, combinePsbts,
  compileFundingScript, compileRevocableScript, compileTemplate, confirmFunding, createClosePsbt, createFundingPsbt, createPenaltyPsbt,
  createReceiverPaymentPsbt, createSenderPaymentPsbt, createTimeoutPsbt, decodeMessage, decodeMessageOf, decodeStateNumber, decoders,
  deriveChannelId, deriveChannelSeed, derivePublicKey, deriveSecret, deriveUpdateKey, deriveUpdateSecret, encodeStateNumber,
  extractTransaction, finalizePsbt, keyOrigin, maxWitnessSize, parseChannelSpend, planFunding, planPenalty, planTimeout,
  relativeLockValue, signCpfpTx, signPenaltyTx, signPsbtInput, signPsbtWithKey, signPsbtWithMaster, signSighash, signTimeoutTx, templateValues,
  updateIndex, verifyChannelParams, verifyPsbtMatches, verifyPsbtTransaction, verifySighashSignature,
  BlockFollower, ChainBackend, DeadlineFeeParams, ReceiverWatcher, ReceiverWatcherOptions, SenderWatcher, SenderWatcherOptions, burnFeeRate,
  classifyFundingSpend, deadlineFeeRate, fail, maxPackageFeeRate,
} from '../../lib';
import { constructionCorpora } from '../kit/corpus/constructions';

/** chain: the watchers and what they are made of; a party, when the case names one, is also among its arguments. */
export type TargetKind = 'decoder' | 'builder' | 'psbt' | 'party' | 'state' | 'chain';

/** What a party target is called on; restored from the corpus file for every case. */
export type Party = Sender | Receiver | RevocationStore;

export interface Target {
  readonly kind: TargetKind;
  /** Exports of lib/index.ts this target exercises. */
  readonly exports: readonly string[];
  readonly run: (args: unknown[], party?: Party) => unknown;
  /** Changes its arguments when it succeeds (signing, finalizing): only refused calls must leave them alone. */
  readonly mutates?: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Args = any[];

const T = (kind: TargetKind, exports: readonly string[], run: (a: Args, party?: Party) => unknown, mutates = false): Target => ({ kind, exports, run, ...(mutates ? { mutates } : {}) });
const builder = (name: string, run: (a: Args) => unknown): [string, Target] => [name, T('builder', [name], run)];

const ctxOf = (c: unknown) => verifyChannelParams(c as ChannelParams);
const signerOf = (a: Args) => new PaymentSigner(ctxOf(a[0]), a[1], a[2] as PrivateKey);

const decoderTargets: [string, Target][] = [
  ['decodeMessage', T('decoder', ['decodeMessage'], (a) => decodeMessage(a[0]))],
  ['decodeMessageOf', T('decoder', ['decodeMessageOf'], (a) => decodeMessageOf(a[0], a[1] as MessageType))],
  ...Object.keys(decoders).map((t): [string, Target] => [
    `decoders.${t}`, T('decoder', ['decoders'], (a) => decoders[t as MessageType](a[0])),
  ]),
  ['decodeStateNumber', T('decoder', ['decodeObscuredIndex', 'decodeStateNumber'], (a) => decodeStateNumber(a[0], a[1], a[2]))],
  ['parseChannelSpend', T('decoder', ['parseChannelSpend'], (a) => parseChannelSpend(ctxOf(a[0]), a[1]))],
];

const builderTargets: [string, Target][] = [
  builder('buildFundingTx', (a) => buildFundingTx(a[0] as FundingParams)),
  builder('planFunding', (a) => planFunding(a[0] as FundingParams)),
  builder('createFundingPsbt', (a) => createFundingPsbt(a[0] as FundingParams, a[1])),
  builder('verifyChannelParams', (a) => verifyChannelParams(a[0] as ChannelParams)),
  builder('buildSenderPaymentTx', (a) => buildSenderPaymentTx(a[0] as SenderPaymentParams)),
  builder('buildReceiverPaymentTx', (a) => buildReceiverPaymentTx(a[0] as ReceiverPaymentParams)),
  builder('buildCooperativeCloseTx', (a) => buildCooperativeCloseTx(a[0] as CloseParams)),
  builder('buildPenaltyTx', (a) => buildPenaltyTx(a[0] as PenaltyParams)),
  builder('buildTimeoutTx', (a) => buildTimeoutTx(a[0] as TimeoutParams)),
  builder('planPenalty', (a) => planPenalty(ctxOf(a[0]), a[1] as PenaltyParams)),
  builder('planTimeout', (a) => planTimeout(ctxOf(a[0]), a[1] as TimeoutParams)),
  builder('signPenaltyTx', (a) => signPenaltyTx(a[0] as PenaltyParams, a[1] as PenaltyKeys)),
  builder('signTimeoutTx', (a) => signTimeoutTx(a[0] as TimeoutParams, a[1] as PrivateKey)),
  builder('buildCpfpTx', (a) => buildCpfpTx(a[0] as CpfpParams)),
  builder('signCpfpTx', (a) => signCpfpTx(a[0] as CpfpParams, a[1] as PrivateKey)),
  builder('maxCpfpPackageFeeRate', (a) => maxCpfpPackageFeeRate(a[0] as CpfpReachParams)),
  builder('buildAnchorChildTx', (a) => buildAnchorChildTx(a[0] as AnchorChildParams)),
  builder('signAnchorChildTx', (a) => signAnchorChildTx(a[0] as AnchorChildParams, a[1] as AnchorChildKeys)),
  builder('createSenderPaymentPsbt', (a) => createSenderPaymentPsbt(a[0] as SenderPaymentParams, a[1])),
  builder('createReceiverPaymentPsbt', (a) => createReceiverPaymentPsbt(a[0] as ReceiverPaymentParams, a[1])),
  builder('createClosePsbt', (a) => createClosePsbt(a[0] as CloseParams, a[1])),
  builder('createPenaltyPsbt', (a) => createPenaltyPsbt(a[0] as PenaltyParams, a[1] as { origins?: KeyOrigins })),
  builder('createTimeoutPsbt', (a) => createTimeoutPsbt(a[0] as TimeoutParams, a[1] as { origins?: KeyOrigins })),
  ['PaymentSigner', T('builder', ['PaymentSigner'], (a) => new PaymentSigner(a[0] as ChannelParams, a[1], a[2] as PrivateKey))],
  ['PaymentSigner(ChannelContext)', T('builder', ['PaymentSigner'], (a) => new PaymentSigner(ctxOf(a[0]), a[1], a[2] as PrivateKey))],
  ['PaymentSigner.senderVersionHash', T('builder', ['PaymentSigner'], (a) => signerOf(a).senderVersionHash(a[3], a[4], a[5] as PublicKey))],
  ['PaymentSigner.receiverVersionHash', T('builder', ['PaymentSigner'], (a) => signerOf(a).receiverVersionHash(a[3], a[4]))],
  ['PaymentSigner.closeHash', T('builder', ['PaymentSigner'], (a) => signerOf(a).closeHash(a[3], a[4]))],
  ['PaymentSigner.completeSenderVersion', T('builder', ['PaymentSigner'], (a) => signerOf(a).completeSenderVersion(a[3], a[4], a[5] as PublicKey, a[6]))],
  ['PaymentSigner.completeReceiverVersion', T('builder', ['PaymentSigner'], (a) => signerOf(a).completeReceiverVersion(a[3], a[4], a[5]))],
  ['PaymentSigner.completeClose', T('builder', ['PaymentSigner'], (a) => signerOf(a).completeClose(a[3], a[4], a[5]))],
  ['PaymentSigner.sign', T('builder', ['PaymentSigner'], (a) => signerOf(a).sign(a[3]))],
  ['PaymentSigner.verifyCounterparty', T('builder', ['PaymentSigner'], (a) => signerOf(a).verifyCounterparty(a[3], a[4]))],
  // Scripts.
  builder('compileTemplate', (a) => compileTemplate(a[0] as ScriptTemplate, a[1])),
  builder('templateValues', (a) => templateValues(a[0] as ScriptTemplate, a[1])),
  builder('compileFundingScript', (a) => compileFundingScript(a[0])),
  builder('compileRevocableScript', (a) => compileRevocableScript(a[0])),
  builder('assembleWitness', (a) => assembleWitness(a[0] as ScriptTemplate, a[1], a[2], a[3])),
  builder('maxWitnessSize', (a) => maxWitnessSize(a[0] as ScriptTemplate, a[1])),
  builder('branchSigners', (a) => branchSigners(a[0] as ScriptTemplate, a[1])),
  builder('checkDestinationScript', (a) => checkDestinationScript(a[0], a[1])),
  // State numbers and signatures.
  ['encodeStateNumber', T('builder', ['encodeObscuredIndex', 'encodeStateNumber'], (a) => encodeStateNumber(a[0], a[1]))],
  ['checkState', T('builder', ['checkIndex', 'checkState'], (a) => checkState(a[0]))],
  builder('signSighash', (a) => signSighash(a[0], a[1] as PrivateKey)),
  builder('verifySighashSignature', (a) => verifySighashSignature(a[0], a[1] as PublicKey, a[2])),
  // Keys.
  builder('keyOrigin', (a) => keyOrigin(a[0] as BIP32Interface, a[1])),
  builder('checkPath', (a) => checkPath(a[0])),
  builder('deriveSecret', (a) => deriveSecret(a[0], a[1])),
  builder('deriveUpdateSecret', (a) => deriveUpdateSecret(a[0], a[1])),
  builder('deriveUpdateKey', (a) => deriveUpdateKey(a[0], a[1])),
  ['updateIndex', T('builder', ['secretIndexOf', 'updateIndex'], (a) => updateIndex(a[0]))],
  builder('deriveChannelSeed', (a) => deriveChannelSeed(a[0] as BIP32Interface, a[1])),
  builder('channelSeedPath', (a) => channelSeedPath(a[0])),
  builder('deriveChannelId', (a) => deriveChannelId(a[0], a[1])),
  // Value checks.
  builder('asPublicKey', (a) => asPublicKey(a[0], a[1])),
  builder('asPrivateKey', (a) => asPrivateKey(a[0], a[1])),
  builder('derivePublicKey', (a) => derivePublicKey(a[0] as PrivateKey)),
  builder('absoluteLockValue', (a) => absoluteLockValue(a[0])),
  builder('relativeLockValue', (a) => relativeLockValue(a[0])),
  builder('checkVariant', (a) => checkVariant(a[0])),
  builder('checkAmount', (a) => checkAmount(a[0], 'amount', a[1], a[2])),
  builder('checkFeeRate', (a) => checkFeeRate(a[0])),
  builder('checkRelayFeeRate', (a) => checkRelayFeeRate(a[0])),
  builder('checkTxid', (a) => checkTxid(a[0])),
  builder('checkVout', (a) => checkVout(a[0])),
  // Fee schedules of the watchers.
  builder('deadlineFeeRate', (a) => deadlineFeeRate(a[0] as DeadlineFeeParams)),
  builder('burnFeeRate', (a) => burnFeeRate(a[0], a[1], a[2])),
  builder('maxPackageFeeRate', (a) => maxPackageFeeRate(ctxOf(a[0]), a[1], a[2], a[3])),
];

const psbt = (name: string, run: (a: Args) => unknown, mutates = false): [string, Target] => [name, { ...T('psbt', [name], run), mutates }];
const psbtTargets: [string, Target][] = [
  psbt('verifyPsbtMatches', (a) => verifyPsbtMatches(a[0] as Psbt, a[1] as Psbt)),
  psbt('verifyPsbtTransaction', (a) => verifyPsbtTransaction(a[0] as Psbt, a[1] as Transaction)),
  psbt('combinePsbts', (a) => combinePsbts(a[0] as Psbt, a[1] as Psbt)),
  psbt('addPartialSignature', (a) => addPartialSignature(a[0] as Psbt, a[1], a[2] as PublicKey, a[3]), true),
  psbt('signPsbtInput', (a) => signPsbtInput(a[0] as Psbt, a[1], a[2] as PrivateKey), true),
  psbt('signPsbtWithKey', (a) => signPsbtWithKey(a[0] as Psbt, a[1] as PrivateKey), true),
  psbt('signPsbtWithMaster', (a) => signPsbtWithMaster(a[0] as Psbt, a[1] as BIP32Interface), true),
  psbt('finalizePsbt', (a) => finalizePsbt(a[0] as Psbt), true),
  psbt('extractTransaction', (a) => extractTransaction(a[0] as Psbt)),
  psbt('channelWitness', (a) => channelWitness(a[0] as Psbt, a[1])),
];

/** Methods called on a restored party; the method name is the part after the dot. */
const method = (cls: 'Sender' | 'Receiver' | 'RevocationStore', name: string): [string, Target] => [
  `${cls}.${name}`,
  T('party', [cls], (a, party) => {
    if (party === undefined) throw new Error(`${cls}.${name} needs a party`);
    const f = (party as unknown as Record<string, (...x: unknown[]) => unknown>)[name];
    if (typeof f !== 'function') throw new Error(`${cls} has no method ${name}`);
    return f.apply(party, a);
  }),
];

const SENDER_METHODS = [
  'onAcceptChannel', 'createFunding', 'fundingCreated', 'onFundingSigned', 'pay', 'pendingOffer', 'onAccept', 'lastRevoke',
  'proposeClose', 'onCloseSigned', 'onCloseOffer', 'latestTransaction', 'timeoutSweep', 'childPaysForParent',
];
const RECEIVER_METHODS = [
  'onFundingCreated', 'markFundingConfirmed', 'onOffer', 'onRevoke', 'proposeClose', 'onCloseSigned', 'onCloseOffer', 'penaltyTx', 'isRevoked',
  'childPaysForParent',
];
const STORE_METHODS = ['insert', 'insertState', 'get', 'getState', 'coversStatesBelow'];

const partyTargets: [string, Target][] = [
  ['Sender.open', T('builder', ['Sender'], (a) => Sender.open(a[0]))],
  ['Receiver.accept', T('builder', ['Receiver'], (a) => Receiver.accept(a[0], a[1], a[2], a[3]))],
  ...SENDER_METHODS.map((m) => method('Sender', m)),
  ...RECEIVER_METHODS.map((m) => method('Receiver', m)),
  ...STORE_METHODS.map((m) => method('RevocationStore', m)),
  ['confirmFunding', T('party', ['confirmFunding'], (a, party) => confirmFunding(party as Receiver, backendOf(a[0]) as FundingBackend))],
  ['Sender.restore', T('state', ['Sender'], (a) => Sender.restore(a[0], a[1]))],
  ['Receiver.restore', T('state', ['Receiver'], (a) => Receiver.restore(a[0], a[1]))],
  ['RevocationStore.fromJSON', T('state', ['RevocationStore'], (a) => RevocationStore.fromJSON(a[0]))],
];

/** Options of a watcher as a corpus file writes them: the backend described as data (see backendOf). */
function withBackend(o: unknown): unknown {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || !('backend' in o)) return o;
  return { ...o, backend: backendOf((o as { backend: unknown }).backend) };
}

/** The watcher of the ReceiverWatcher method targets: an empty stub chain, a P2WPKH destination. */
const STUB_CHAIN = { chain: { height: 500, txs: {} } };
const STUB_DESTINATION = Uint8Array.from([0x00, 0x14, ...new Uint8Array(20).fill(0x11)]);

/**
 * ReceiverWatcher method targets: the first input lists the receivers the
 * watcher watches before the call (the corpus cannot name a watcher itself),
 * the rest are the method's arguments.
 */
function watcherMethod(name: 'watch' | 'closeUnilaterally'): (a: Args) => unknown {
  return (a) => {
    const [watching, ...args] = a;
    if (!Array.isArray(watching)) throw new Error(`ReceiverWatcher.${name}: the first input must list the receivers watched before the call`);
    const w = new ReceiverWatcher({ backend: backendOf(STUB_CHAIN) as ChainBackend, feeRate: 1000n, destinationScript: STUB_DESTINATION, fromHeight: 0 });
    for (const r of watching) w.watch(r as Receiver);
    return (w[name] as (...x: unknown[]) => unknown).apply(w, args);
  };
}

const chainTargets: [string, Target][] = [
  ['ReceiverWatcher', T('chain', ['ReceiverWatcher'], (a) => new ReceiverWatcher(withBackend(a[0]) as ReceiverWatcherOptions))],
  ['ReceiverWatcher.watch', T('chain', ['ReceiverWatcher'], watcherMethod('watch'))],
  // Marks the receiver closed when it succeeds.
  ['ReceiverWatcher.closeUnilaterally', T('chain', ['ReceiverWatcher'], watcherMethod('closeUnilaterally'), true)],
  ['SenderWatcher', T('chain', ['SenderWatcher'], (a) => new SenderWatcher(a[0] as Sender, withBackend(a[1]) as SenderWatcherOptions))],
  ['BlockFollower', T('chain', ['BlockFollower'], (a) => new BlockFollower(backendOf(a[0]) as ChainBackend, a[1], a[2]))],
  ['classifyFundingSpend', T('chain', ['classifyFundingSpend'], (a) => classifyFundingSpend(a[0] as Receiver, a[1] as Transaction))],
];

/** The kit's targets, and each construction test folder's (test/kit/corpus/constructions.ts). */
export const TARGETS: ReadonlyMap<string, Target> = new Map([
  ...decoderTargets, ...builderTargets, ...psbtTargets, ...partyTargets, ...chainTargets,
  ...constructionCorpora().flatMap((c) => [...(c.targets ?? [])]),
]);

interface ChainData {
  readonly height: number;
  readonly txs: Readonly<Record<string, unknown>>;
  /** With it, the backend has getConfirmations answering this ('NOT_FOUND': throws that ChannelError). */
  readonly confirmations?: unknown;
  /** A method that throws a TypeError, as a buggy backend would. */
  readonly throws?: string;
  /** Methods the backend lacks: it is not a ChainBackend. */
  readonly without?: readonly string[];
  /** Methods the backend has as a string instead of a function. */
  readonly notFunctions?: readonly string[];
}

/**
 * A backend described as data in a corpus file, {chain: ChainData}: a stub in
 * memory holding `txs` (by txid) at a tip of `height`, with no blocks, no
 * spenders and an empty mempool; it takes any transaction that parses.
 * Anything else is passed as it is.
 */
function backendOf(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || !('chain' in v)) return v;
  const c = (v as { chain: ChainData }).chain;
  const broken = (m: string) => {
    if (c.throws === m) throw new TypeError(`${m} is broken`);
  };
  const stub: Record<string, unknown> = {
    getTip: async () => (broken('getTip'), { height: c.height, medianTimePast: 0, hash: '00'.repeat(32) }),
    getTransaction: async (txid: string) => (broken('getTransaction'), c.txs[txid]),
    ...(c.confirmations === undefined ? {} : {
      getConfirmations: async () => {
        if (c.confirmations === 'NOT_FOUND') throw new ChannelError('NOT_FOUND', 'unknown transaction');
        return c.confirmations;
      },
    }),
    broadcast: async (raw: Uint8Array) => (broken('broadcast'), Transaction.fromBuffer(raw).getId()),
    getBlock: async (height: number) => (broken('getBlock'), fail('NOT_FOUND', `no block at height ${height}`)),
    getBlockHash: async () => (broken('getBlockHash'), undefined),
    getSpender: async () => (broken('getSpender'), undefined),
    getMempoolTxids: async () => (broken('getMempoolTxids'), []),
  };
  for (const m of c.without ?? []) delete stub[m];
  for (const m of c.notFunctions ?? []) stub[m] = `${m} is not a function`;
  return stub;
}

/** Restore the party a case is run against. */
export function restoreParty(role: string, state: unknown, secrets: unknown): Party {
  switch (role) {
    case 'sender': return Sender.restore(state, secrets as never);
    case 'receiver': return Receiver.restore(state, secrets as never);
    case 'revocation-store': return RevocationStore.fromJSON(state);
    default: throw new Error(`unknown party role ${role}`);
  }
}

export function partyState(p: Party): string {
  return JSON.stringify(p.toJSON());
}
