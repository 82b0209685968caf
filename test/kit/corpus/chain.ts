/**
 * Corpus of bad arguments for the watchers and the chain-facing API: the
 * options of ReceiverWatcher and SenderWatcher, the receivers watch() and
 * closeUnilaterally() are given, the block follower, the funding-spend
 * classifier, the watchers' fee schedules (deadlineFeeRate, burnFeeRate,
 * maxPackageFeeRate) and the parties' childPaysForParent. Backends are
 * described as data and served by a stub in memory, and parties are passed
 * as {"$party": name} (see test/support/bad-inputs-targets.ts): no node is
 * involved, only argument handling is tested. The parties are those of the
 * party files, from the same channel run.
 */
import { Transaction } from 'bitcoinjs-lib';
import {
  CpfpParams, DeadlineFeeParams, ErrorCode, MAX_FEE_RATE, PaymentSigner, Sender, p2wpkhScript, p2wshScript, verifyChannelParams,
} from '../../../lib';
import { DELETE, PartyRef, Ref } from '../../support/bad-inputs-codec';
import { VARIANTS, channelParams, walletScript } from '../../support/channel';
import { keys, testKey } from '../../support/keys';
import { senderSecrets } from '../../support/parties';
import { FileSpec } from './format';
import { CPFP_BASELINES } from './cpfp';
import { PartyCollector, partyFixtures } from './parties';
import { BAD_DESTINATIONS, p2pkhScript, p2shScript, validPub } from './values';

type Changes = Record<string, unknown>;

const party = (name: string) => new PartyRef(name);
/** A backend described as data: an empty stub chain at height 500 (see backendOf in the targets module). */
const chain = (more: Changes = {}) => ({ chain: { height: 500, txs: {}, ...more } });
const dest = p2wpkhScript(testKey('watcher destination').pub);
const p2wshDest = p2wshScript(Uint8Array.of(0x51));
const p2trDest = Uint8Array.from([0x51, 0x20, ...validPub.subarray(1)]);
const otherDestinations: [string, Uint8Array][] = [
  ['a P2WSH destination', p2wshDest], ['a P2TR destination', p2trDest], ['a P2SH destination', p2shScript(p2wpkhScript(validPub))],
  ['a P2PKH destination', p2pkhScript(validPub)],
];
const REQUIRED_METHODS = ['getTip', 'broadcast', 'getTransaction', 'getBlock', 'getBlockHash', 'getSpender'];

/** Backends that are not a ChainBackend (each refused with INVALID_ARGUMENT), for `required` the methods the target needs. */
function badBackends(required: readonly string[]): [string, unknown][] {
  return [
    ['null', null], ['undefined', undefined], ['an empty object', {}], ['a URL', 'http://127.0.0.1:18443'], ['an array', []], ['a number', 8332],
    ...required.map((m): [string, unknown] => [`without ${m}()`, chain({ without: [m] })]),
    ...required.map((m): [string, unknown] => [`with ${m} a string`, chain({ notFunctions: [m] })]),
    ['with getMempoolTxids a string', chain({ notFunctions: ['getMempoolTxids'] })],
    ['with getConfirmations a string', chain({ notFunctions: ['getConfirmations'] })],
  ];
}

/** Values that are not a block count of at least `min` (each INVALID_ARGUMENT). */
function badCounts(min: 0 | 1): [string, unknown][] {
  return [
    ...(min === 1 ? [['0', 0] as [string, unknown]] : []), ['-1', -1], ['1.5', 1.5], ['a string', '2'], ['a bigint', 2n], ['NaN', NaN],
    ['Infinity', Infinity], ['2^53', 2 ** 53], ['null', null],
  ];
}

/** Values that are not a fee rate (each INVALID_FEE_RATE). */
const BAD_RATES: [string, unknown][] = [
  ['-1', -1n], ['1e8 + 1', MAX_FEE_RATE + 1n], ['a number', 1000], ['a string', '1000'], ['null', null],
];

export function chainFiles(): FileSpec[] {
  const { csv, baselines: partyBaselines, parties } = partyFixtures();
  const { channel } = channelParams(VARIANTS[0]!.variant);
  const ctx = verifyChannelParams(channel);
  const cpfp = CPFP_BASELINES.cpfp as CpfpParams;
  const builderParent = Transaction.fromBuffer(Buffer.from(cpfp.parent as Uint8Array));
  // The builders' channel: a sender's version paying the receiver only 300 sat (below a P2WSH destination's dust).
  const sender = new PaymentSigner(ctx, 'sender', keys.senderFunding.priv);
  const receiver = new PaymentSigner(ctx, 'receiver', keys.receiverFunding.priv);
  const k6 = keys.update(6).pub;
  const smallParent = sender.completeSenderVersion(6n, 300n, k6, receiver.sign(sender.senderVersionHash(6n, 300n, k6)));

  const baselines: Record<string, unknown> = {
    ...partyBaselines,
    builderChannel: channel,
    builderParent: builderParent.toBuffer(),
    smallParent: smallParent.toBuffer(),
    // State 0: everything to the sender's revocable output, nothing to the receiver.
    senderVersion0: Sender.restore(csv.states.senderOpen0!, senderSecrets).latestTransaction().toBuffer(),
    receiverPayoutScript: ctx.receiverPayoutScript,
    senderPayoutScript: ctx.senderPayoutScript,
    watcherDestination: dest,
    stubChain: chain(),
    receiverWatcherOptions: { backend: new Ref('stubChain'), feeRate: 1000n, destinationScript: new Ref('watcherDestination'), fromHeight: 100 },
    senderWatcherOptions: { backend: new Ref('stubChain'), destinationScript: new Ref('watcherDestination'), feeRate: 1000n },
    deadline: {
      startRate: 1000n, maxRate: 32_000n, bumpAfterBlocks: 2, blocksWaited: 3, blocksLeft: 10, urgentWithin: 6, burnWithin: 2, burnRate: 50_000n,
    } satisfies DeadlineFeeParams,
    receiverCpfp: { parent: new Ref('senderVersion3'), packageFeeRate: 2000n, destinationScript: new Ref('watcherDestination') },
    senderCpfp: { parent: new Ref('closeTx'), packageFeeRate: 2000n, destinationScript: new Ref('watcherDestination') },
  };

  const col = new PartyCollector();
  const partyCol = new PartyCollector();
  const notA = (what: string): [string, unknown][] => [
    ['null', null], ['undefined', undefined], ['an empty object', {}], [`the string '${what}'`, what],
    [`a saved ${what} state`, new Ref(what === 'receiver' ? 'receiverState' : 'senderState')],
  ];

  // --- new ReceiverWatcher(options) ---------------------------------------------------------------
  {
    const T = 'ReceiverWatcher';
    const o = (changes: Changes) => [new Ref('receiverWatcherOptions', changes)];
    const bad = (name: string, changes: Changes, code: ErrorCode) => col.bad(T, undefined, name, o(changes), code);
    col.ok(T, 'a stub backend, a P2WPKH destination, the defaults', o({}));
    col.ok(T, 'a feeRate at the relay floor (253 sat/kw)', o({ feeRate: 253n }));
    col.ok(T, 'a feeRate of 1e8 sat/kw (the default ceiling stops at MAX_FEE_RATE)', o({ feeRate: MAX_FEE_RATE }));
    col.ok(T, 'a maxFeeRate equal to feeRate', o({ maxFeeRate: 1000n }));
    col.ok(T, 'a maxFeeRate of 1e8 sat/kw', o({ maxFeeRate: MAX_FEE_RATE }));
    col.ok(T, 'fromHeight 0', o({ fromHeight: 0 }));
    col.ok(T, 'every count at its least', o({ bumpAfterBlocks: 1, finalDepth: 1, cpfpAfterBlocks: 1, urgentWithin: 0, burnWithin: 0 }));
    col.ok(T, 'checkMempool false', o({ checkMempool: false }));
    col.ok(T, 'a backend without the optional getMempoolTxids', o({ backend: chain({ without: ['getMempoolTxids'] }) }));
    col.ok(T, 'a backend with getConfirmations', o({ backend: chain({ confirmations: 3 }) }));
    for (const [name, d] of otherDestinations) col.ok(T, name, o({ destinationScript: d }));

    for (const [name, v] of [['null', null], ['undefined', undefined], ['a string', 'options'], ['a number', 1000], ['an array', []]] as const) {
      col.bad(T, undefined, `options ${name}`, [v], 'INVALID_ARGUMENT');
    }
    col.bad(T, undefined, 'no options at all', [], 'INVALID_ARGUMENT');
    bad('backend missing', { backend: DELETE }, 'INVALID_ARGUMENT');
    for (const [name, b] of badBackends(REQUIRED_METHODS)) bad(`backend: ${name}`, { backend: b }, 'INVALID_ARGUMENT');
    bad('feeRate missing', { feeRate: DELETE }, 'INVALID_FEE_RATE');
    for (const [name, r] of BAD_RATES) bad(`feeRate ${name}`, { feeRate: r }, 'INVALID_FEE_RATE');
    bad('feeRate 0 (the schedule would never rise)', { feeRate: 0n }, 'FEE_RATE_REFUSED');
    bad('feeRate 252, below the relay floor', { feeRate: 252n }, 'FEE_RATE_REFUSED');
    for (const [name, r] of BAD_RATES) bad(`maxFeeRate ${name}`, { maxFeeRate: r }, 'INVALID_FEE_RATE');
    bad('maxFeeRate 999, below feeRate', { maxFeeRate: 999n }, 'INVALID_FEE_RATE');
    bad('maxFeeRate 0', { maxFeeRate: 0n }, 'INVALID_FEE_RATE');
    bad('destinationScript missing', { destinationScript: DELETE }, 'INVALID_SCRIPT');
    bad('destinationScript null', { destinationScript: null }, 'INVALID_SCRIPT');
    for (const d of BAD_DESTINATIONS) bad(`destinationScript: ${d.name}`, { destinationScript: d.script }, 'INVALID_SCRIPT');
    bad('fromHeight missing', { fromHeight: DELETE }, 'INVALID_ARGUMENT');
    for (const [name, v] of badCounts(0)) bad(`fromHeight ${name}`, { fromHeight: v }, 'INVALID_ARGUMENT');
    for (const field of ['bumpAfterBlocks', 'finalDepth', 'cpfpAfterBlocks']) {
      for (const [name, v] of badCounts(1)) bad(`${field} ${name}`, { [field]: v }, 'INVALID_ARGUMENT');
    }
    for (const field of ['urgentWithin', 'burnWithin']) {
      for (const [name, v] of badCounts(0)) bad(`${field} ${name}`, { [field]: v }, 'INVALID_ARGUMENT');
    }
    for (const [name, v] of [['the string \'false\'', 'false'], ['0', 0], ['null', null]] as const) bad(`checkMempool ${name}`, { checkMempool: v }, 'INVALID_ARGUMENT');
    for (const [name, v] of [['a string', 'close'], ['an object', {}], ['null', null]] as const) bad(`onCutoff ${name}`, { onCutoff: v }, 'INVALID_ARGUMENT');
  }

  // --- ReceiverWatcher.watch([watched before], receiver, opts) -------------------------------------
  {
    const T = 'ReceiverWatcher.watch';
    const fundingTx = csv.txs.fundingTx.toBuffer();
    col.ok(T, 'a funded receiver', [[], party('receiverFunded')], 'receiverFunded');
    col.ok(T, 'a funded receiver with its funding transaction', [[], party('receiverFunded'), { fundingTx }], 'receiverFunded');
    col.ok(T, 'an open receiver, empty options', [[], party('receiverOpen3'), {}], 'receiverOpen3');
    col.ok(T, 'a closed receiver', [[], party('receiverClosed')], 'receiverClosed');
    col.ok(T, 'a zero-conf receiver with its signed funding transaction', [[], party('receiverZeroConf'), { fundingTx: new Ref('signedFundingTx') }], 'receiverZeroConf');
    col.ok(T, 'a second channel on another outpoint', [[party('receiverOnShortFunding')], party('receiverFunded')], 'receiverFunded');
    for (const [name, v] of notA('receiver')) col.bad(T, undefined, `receiver: ${name}`, [[], v], 'INVALID_ARGUMENT');
    col.bad(T, 'senderOpen3', 'receiver: a Sender', [[], party('senderOpen3')], 'INVALID_ARGUMENT');
    col.bad(T, 'receiverAccepted', 'a receiver not funded yet (phase accepted)', [[], party('receiverAccepted')], 'UNEXPECTED_MESSAGE');
    col.bad(T, 'receiverOpen', 'another receiver of a channel already watched (the same funding outpoint)', [[party('receiverFunded')], party('receiverOpen')], 'CHANNEL_ALREADY_WATCHED');
    col.bad(T, 'receiverOpen', 'the same receiver twice', [[party('receiverOpen')], party('receiverOpen')], 'CHANNEL_ALREADY_WATCHED');
    const w = (p: string, opts: unknown) => [[], party(p), opts];
    for (const [name, v] of [['null', null], ['a string', 'fundingTx'], ['a number', 0], ['true', true]] as const) {
      col.bad(T, 'receiverFunded', `options ${name}`, w('receiverFunded', v), 'INVALID_ARGUMENT');
    }
    for (const [name, tx, code] of [
      ['bytes that do not parse', Uint8Array.from([1, 2, 3]), 'INVALID_TRANSACTION'], ['no bytes', new Uint8Array(0), 'INVALID_TRANSACTION'],
      ['the funding transaction with a trailing byte', Uint8Array.from([...fundingTx, 0]), 'INVALID_TRANSACTION'],
      ['the funding transaction truncated', fundingTx.subarray(0, 60), 'INVALID_TRANSACTION'],
      ['the funding transaction as hex', csv.txs.fundingTx.toHex(), 'INVALID_ARGUMENT'],
      ['the funding transaction as a Transaction object', csv.txs.fundingTx, 'INVALID_ARGUMENT'],
      ['null', null, 'INVALID_ARGUMENT'],
    ] as const) col.bad(T, 'receiverFunded', `fundingTx: ${name}`, w('receiverFunded', { fundingTx: tx }), code);
    const mismatch = (p: string, name: string, tx: unknown, field: string) => col.bad(T, p, name, w(p, { fundingTx: tx }), 'FUNDING_MISMATCH', { details: { field } });
    mismatch('receiverFunded', 'fundingTx: another transaction (a payment version)', new Ref('senderVersion1'), 'txid');
    mismatch('receiverFunded', 'fundingTx: a funding transaction paying the capacity - 1 sat (another txid)', new Ref('shortFundingTx'), 'txid');
    mismatch('receiverOnShortFunding', 'the named funding transaction pays the capacity - 1 sat', new Ref('shortFundingTx'), 'value');
    mismatch('receiverOnOtherScript', 'the named funding transaction pays the capacity to another 2-of-2', new Ref('otherScriptFundingTx'), 'script');
    mismatch('receiverOnMissingVout', 'the named output does not exist', new Ref('fundingTx'), 'vout');
    mismatch('receiverOnChangeVout', 'the named output is the change', new Ref('fundingTx'), 'value');
  }

  // --- ReceiverWatcher.closeUnilaterally([watched before], receiver) -------------------------------
  {
    const T = 'ReceiverWatcher.closeUnilaterally';
    col.ok(T, 'a watched receiver owed its latest state', [[party('receiverOpen3')], party('receiverOpen3')], 'receiverOpen3');
    col.ok(T, 'a watched receiver with a payment signed but not revoked (its best version)', [[party('receiverPending')], party('receiverPending')], 'receiverPending');
    col.ok(T, 'a watched receiver already closed', [[party('receiverClosed')], party('receiverClosed')], 'receiverClosed');
    for (const [name, v] of notA('receiver')) col.bad(T, undefined, `receiver: ${name}`, [[party('receiverOpen3')], v], 'INVALID_ARGUMENT');
    col.bad(T, 'senderOpen3', 'receiver: a Sender', [[party('receiverOpen3')], party('senderOpen3')], 'INVALID_ARGUMENT');
    col.bad(T, 'receiverOpen3', 'a receiver not watched (the watcher watches nothing)', [[], party('receiverOpen3')], 'NOT_FOUND');
    col.bad(T, 'receiverOpen3', 'another receiver of the same channel is watched (restored from an earlier state), not this one', [[party('receiverOpen')], party('receiverOpen3')], 'NOT_FOUND');
    col.bad(T, 'receiverOpen3', 'a receiver of another channel is watched', [[party('receiverOnShortFunding')], party('receiverOpen3')], 'NOT_FOUND');
    col.bad(T, 'receiverAccepted', 'a receiver not funded yet (never watched)', [[], party('receiverAccepted')], 'NOT_FOUND');
    col.bad(T, 'receiverFunded', 'a watched receiver owed nothing yet (state 0)', [[party('receiverFunded')], party('receiverFunded')], 'NOTHING_TO_CLAIM');
  }

  // --- new SenderWatcher(sender, options) ------------------------------------------------------------
  {
    const T = 'SenderWatcher';
    const S = 'senderOpen3';
    const o = (changes: Changes) => [party(S), new Ref('senderWatcherOptions', changes)];
    const bad = (name: string, changes: Changes, code: ErrorCode) => col.bad(T, S, name, o(changes), code);
    col.ok(T, 'an open sender, a stub backend, the defaults', o({}), S);
    col.ok(T, 'a sender not funded yet (its polls wait for the funding)', [party('senderOpening'), new Ref('senderWatcherOptions')], 'senderOpening');
    col.ok(T, 'a closed sender', [party('senderClosed'), new Ref('senderWatcherOptions')], 'senderClosed');
    col.ok(T, 'a feeRate at the relay floor', o({ feeRate: 253n }), S);
    col.ok(T, 'a feeRate of 1e8 sat/kw (the default ceiling stops at MAX_FEE_RATE)', o({ feeRate: MAX_FEE_RATE }), S);
    col.ok(T, 'a maxFeeRate equal to feeRate, every count at its least', o({ maxFeeRate: 1000n, bumpAfterBlocks: 1, finalDepth: 1, cpfpAfterBlocks: 1 }), S);
    col.ok(T, 'the wallet\'s destination', o({ destinationScript: walletScript }), S);
    for (const [name, d] of otherDestinations) col.ok(T, name, o({ destinationScript: d }), S);
    for (const [name, v] of notA('sender')) col.bad(T, undefined, `sender: ${name}`, [v, new Ref('senderWatcherOptions')], 'INVALID_ARGUMENT');
    col.bad(T, 'receiverOpen3', 'sender: a Receiver', [party('receiverOpen3'), new Ref('senderWatcherOptions')], 'INVALID_ARGUMENT');
    for (const [name, v] of [['null', null], ['undefined', undefined], ['a string', 'options'], ['a number', 1000], ['an array', []]] as const) {
      col.bad(T, S, `options ${name}`, [party(S), v], 'INVALID_ARGUMENT');
    }
    bad('backend missing', { backend: DELETE }, 'INVALID_ARGUMENT');
    for (const [name, b] of badBackends(REQUIRED_METHODS)) bad(`backend: ${name}`, { backend: b }, 'INVALID_ARGUMENT');
    bad('feeRate missing', { feeRate: DELETE }, 'INVALID_FEE_RATE');
    for (const [name, r] of BAD_RATES) bad(`feeRate ${name}`, { feeRate: r }, 'INVALID_FEE_RATE');
    bad('feeRate 0', { feeRate: 0n }, 'FEE_RATE_REFUSED');
    bad('feeRate 252, below the relay floor', { feeRate: 252n }, 'FEE_RATE_REFUSED');
    for (const [name, r] of BAD_RATES) bad(`maxFeeRate ${name}`, { maxFeeRate: r }, 'INVALID_FEE_RATE');
    bad('maxFeeRate 999, below feeRate', { maxFeeRate: 999n }, 'INVALID_FEE_RATE');
    bad('destinationScript missing', { destinationScript: DELETE }, 'INVALID_SCRIPT');
    for (const d of BAD_DESTINATIONS) bad(`destinationScript: ${d.name}`, { destinationScript: d.script }, 'INVALID_SCRIPT');
    for (const field of ['bumpAfterBlocks', 'finalDepth', 'cpfpAfterBlocks']) {
      for (const [name, v] of badCounts(1)) bad(`${field} ${name}`, { [field]: v }, 'INVALID_ARGUMENT');
    }
  }

  // --- new BlockFollower(backend, fromHeight, remember) ----------------------------------------------
  {
    const T = 'BlockFollower';
    col.ok(T, 'a stub backend from height 0, remembering the default', [new Ref('stubChain'), 0]);
    col.ok(T, 'from height 100, remembering 144 blocks', [new Ref('stubChain'), 100, 144]);
    col.ok(T, 'remembering one block', [new Ref('stubChain'), 0, 1]);
    col.ok(T, 'a backend that only reads blocks (no broadcast, no spenders, no transactions)', [chain({ without: ['broadcast', 'getSpender', 'getTransaction'] }), 0]);
    for (const [name, b] of badBackends(['getTip', 'getBlock', 'getBlockHash'])) col.bad(T, undefined, `backend: ${name}`, [b, 0], 'INVALID_ARGUMENT');
    col.bad(T, undefined, 'fromHeight missing', [new Ref('stubChain')], 'INVALID_ARGUMENT');
    for (const [name, v] of badCounts(0)) col.bad(T, undefined, `fromHeight ${name}`, [new Ref('stubChain'), v], 'INVALID_ARGUMENT');
    for (const [name, v] of badCounts(1)) col.bad(T, undefined, `remember ${name}`, [new Ref('stubChain'), 0, v], 'INVALID_ARGUMENT');
  }

  // --- classifyFundingSpend(receiver, tx) -----------------------------------------------------------
  {
    const T = 'classifyFundingSpend';
    const R = 'receiverOpen3';
    const txs = csv.txs;
    for (const [name, tx] of [['a revoked sender\'s version', txs.senderVersion1], ['the latest sender\'s version', txs.senderVersion3],
      ['a receiver\'s version', txs.receiverVersion2], ['the cooperative close', txs.closeTx]] as const) {
      col.ok(T, name, [party(R), tx], R);
    }
    col.ok(T, 'a spend of the funding output on a receiver funded only (nothing revoked yet)', [party('receiverFunded'), txs.senderVersion1], 'receiverFunded');
    for (const [name, v] of notA('receiver')) col.bad(T, undefined, `receiver: ${name}`, [v, txs.senderVersion1], 'INVALID_ARGUMENT');
    col.bad(T, 'senderOpen3', 'receiver: a Sender', [party('senderOpen3'), txs.senderVersion1], 'INVALID_ARGUMENT');
    for (const [name, v] of [['the raw bytes', txs.senderVersion1.toBuffer()], ['hex', txs.senderVersion1.toHex()], ['null', null], ['undefined', undefined],
      ['an empty object', {}]] as const) {
      col.bad(T, R, `tx: ${name}`, [party(R), v], 'INVALID_TRANSACTION');
    }
    col.bad(T, R, 'the funding transaction (spends a wallet coin, not the funding output)', [party(R), txs.fundingTx], 'INVALID_TRANSACTION');
    col.bad(T, R, 'a sender\'s version of another channel', [party(R), builderParent], 'INVALID_TRANSACTION');
    col.bad(T, 'receiverOnShortFunding', 'a version spending another outpoint than the one this receiver was named', [party('receiverOnShortFunding'), txs.senderVersion1], 'INVALID_TRANSACTION');
    col.bad(T, 'receiverAccepted', 'a receiver not funded yet', [party('receiverAccepted'), txs.senderVersion1], 'UNEXPECTED_MESSAGE');
  }

  // --- deadlineFeeRate(params) -------------------------------------------------------------------------
  {
    const T = 'deadlineFeeRate';
    const d = (changes: Changes) => [new Ref('deadline', changes)];
    col.ok(T, 'ten blocks left, three waited', d({}));
    col.ok(T, 'no deadline', d({ blocksLeft: DELETE }));
    col.ok(T, 'no burn rate (a child paying from our own money)', d({ burnRate: DELETE }));
    col.ok(T, 'the deadline passed (blocksLeft -3)', d({ blocksLeft: -3 }));
    col.ok(T, 'a ceiling below the start rate (the start rate is the ceiling)', d({ maxRate: 500n }));
    col.ok(T, 'every count at its least, zero rates', d({ startRate: 0n, maxRate: 0n, burnRate: 0n, bumpAfterBlocks: 1, blocksWaited: 0, urgentWithin: 0, burnWithin: 0, blocksLeft: 0 }));
    col.ok(T, 'blocksWaited 2^53 - 1 (the doublings stop)', d({ blocksWaited: Number.MAX_SAFE_INTEGER }));
    for (const [name, v] of [['null', null], ['undefined', undefined], ['a string', 'params'], ['a number', 1000]] as const) {
      col.bad(T, undefined, `params ${name}`, [v], 'INVALID_ARGUMENT');
    }
    for (const field of ['startRate', 'maxRate']) {
      col.bad(T, undefined, `${field} missing`, d({ [field]: DELETE }), 'INVALID_FEE_RATE');
      for (const [name, r] of BAD_RATES) col.bad(T, undefined, `${field} ${name}`, d({ [field]: r }), 'INVALID_FEE_RATE');
    }
    for (const [name, r] of BAD_RATES) col.bad(T, undefined, `burnRate ${name}`, d({ burnRate: r }), 'INVALID_FEE_RATE');
    for (const field of ['bumpAfterBlocks', 'blocksWaited', 'urgentWithin', 'burnWithin']) {
      col.bad(T, undefined, `${field} missing`, d({ [field]: DELETE }), 'INVALID_ARGUMENT');
      for (const [name, v] of badCounts(field === 'bumpAfterBlocks' ? 1 : 0)) col.bad(T, undefined, `${field} ${name}`, d({ [field]: v }), 'INVALID_ARGUMENT');
    }
    for (const [name, v] of [['1.5', 1.5], ['a string', '10'], ['a bigint', 10n], ['NaN', NaN], ['Infinity', Infinity], ['-2^53', -(2 ** 53)], ['null', null]] as const) {
      col.bad(T, undefined, `blocksLeft ${name}`, d({ blocksLeft: v }), 'INVALID_ARGUMENT');
    }
  }

  // --- burnFeeRate(value, keep, weight) ------------------------------------------------------------------
  {
    const T = 'burnFeeRate';
    col.ok(T, '100000 sat keeping 294 over 600 wu', [100_000n, 294n, 600]);
    col.ok(T, 'a value no more than what it keeps: 0', [294n, 294n, 600]);
    col.ok(T, 'nothing at all over 1 wu', [0n, 0n, 1]);
    col.ok(T, '21e6 BTC over 1 wu (stops at MAX_FEE_RATE)', [2_100_000_000_000_000n, 0n, 1]);
    for (const [i, what] of [[0, 'value'], [1, 'keep']] as const) {
      for (const [name, v] of [['-1', -1n], ['a number', 1000], ['a string', '1000'], ['null', null], ['undefined', undefined]] as const) {
        const args: unknown[] = [100_000n, 294n, 600];
        args[i] = v;
        col.bad(T, undefined, `${what} ${name}`, args, 'INVALID_AMOUNT');
      }
    }
    for (const [name, v] of [...badCounts(1), ['undefined', undefined]] as [string, unknown][]) col.bad(T, undefined, `weight ${name}`, [100_000n, 294n, v], 'INVALID_ARGUMENT');
    col.bad(T, undefined, 'no arguments', [], 'INVALID_AMOUNT');
  }

  // --- maxPackageFeeRate(channel, parent, script, destination) --------------------------------------------
  {
    const T = 'maxPackageFeeRate';
    const m = (parent: unknown, script: unknown = new Ref('receiverPayoutScript'), destination: unknown = new Ref('watcherDestination'), ch: unknown = new Ref('builderChannel')) => [ch, parent, script, destination];
    col.ok(T, 'the receiver\'s output of a sender\'s version', m(new Ref('builderParent')));
    col.ok(T, 'the parent as a Transaction', m(builderParent));
    col.ok(T, 'a P2WSH destination', m(new Ref('builderParent'), undefined, p2wshDest));
    col.ok(T, 'an output of 300 sat to a P2WSH destination, whose dust is 330: 0', m(new Ref('smallParent'), undefined, p2wshDest));
    for (const [name, p] of [['bytes that do not parse', Uint8Array.from([1, 2, 3])], ['no bytes', new Uint8Array(0)], ['hex', builderParent.toHex()],
      ['with a trailing byte', Uint8Array.from([...builderParent.toBuffer(), 0])], ['null', null], ['a version of another channel', new Ref('senderVersion3')],
      ['the funding transaction', channelParams(VARIANTS[0]!.variant).fundingTx.toBuffer()]] as const) {
      col.bad(T, undefined, `parent: ${name}`, m(p), 'INVALID_TRANSACTION');
    }
    col.bad(T, undefined, 'the sender\'s payout script (its version pays the sender through the revocable output only)', m(new Ref('builderParent'), new Ref('senderPayoutScript')), 'NOTHING_TO_CLAIM');
    col.bad(T, undefined, 'a script the parent does not pay', m(new Ref('builderParent'), p2wpkhScript(validPub)), 'NOTHING_TO_CLAIM');
    col.bad(T, undefined, 'script null', m(new Ref('builderParent'), null), 'INVALID_ARGUMENT');
    col.bad(T, undefined, 'script as hex', m(new Ref('builderParent'), Buffer.from(ctx.receiverPayoutScript).toString('hex')), 'INVALID_ARGUMENT');
    for (const dd of BAD_DESTINATIONS) col.bad(T, undefined, `destination: ${dd.name}`, m(new Ref('builderParent'), undefined, dd.script), 'INVALID_SCRIPT');
    col.bad(T, undefined, 'destination null', m(new Ref('builderParent'), undefined, null), 'INVALID_SCRIPT');
    col.bad(T, undefined, 'channel null', m(new Ref('builderParent'), undefined, undefined, null), 'INVALID_ARGUMENT');
  }

  // --- Receiver.childPaysForParent / Sender.childPaysForParent --------------------------------------------
  for (const [T, P, base, own, ownParent, nothingParent, nothing] of [
    ['Receiver.childPaysForParent', 'receiverOpen3', 'receiverCpfp', 'the latest sender\'s version', csv.txs.senderVersion3, 'senderVersion0',
      'the sender\'s version of state 0 (pays the receiver nothing)'],
    ['Sender.childPaysForParent', 'senderOpen3', 'senderCpfp', 'the cooperative close', csv.txs.closeTx, 'senderVersion3',
      'the sender\'s own version (pays it through the revocable output only)'],
  ] as const) {
    const p = (changes: Changes) => [new Ref(base, changes)];
    const bad = (name: string, changes: Changes, code: ErrorCode) => partyCol.bad(T, P, name, p(changes), code);
    partyCol.ok(T, own, p({}), P);
    partyCol.ok(T, 'the parent as a Transaction', p({ parent: ownParent }), P);
    partyCol.ok(T, 'a receiver\'s version', p({ parent: new Ref('receiverVersion2') }), P);
    partyCol.ok(T, 'a package rate the parent already pays (the child pays its own floor)', p({ packageFeeRate: 0n }), P);
    partyCol.ok(T, 'a P2WSH destination', p({ destinationScript: p2wshDest }), P);
    for (const [name, v] of [['null', null], ['undefined', undefined], ['a string', 'cpfp'], ['a number', 2000]] as const) partyCol.bad(T, P, `parameters ${name}`, [v], 'INVALID_ARGUMENT');
    bad('parent missing', { parent: DELETE }, 'INVALID_TRANSACTION');
    for (const [name, v] of [['bytes that do not parse', Uint8Array.from([1, 2, 3])], ['no bytes', new Uint8Array(0)], ['hex', csv.txs.closeTx.toHex()],
      ['the close with a trailing byte', Uint8Array.from([...csv.txs.closeTx.toBuffer(), 0])], ['null', null],
      ['the funding transaction (not a spend of it)', new Ref('fundingTx')], ['a version of another channel', new Ref('builderParent')]] as const) {
      bad(`parent: ${name}`, { parent: v }, 'INVALID_TRANSACTION');
    }
    bad(`a parent paying this party nothing: ${nothing}`, { parent: new Ref(nothingParent) }, 'NOTHING_TO_CLAIM');
    bad('destinationScript missing', { destinationScript: DELETE }, 'INVALID_SCRIPT');
    for (const dd of BAD_DESTINATIONS) bad(`destinationScript: ${dd.name}`, { destinationScript: dd.script }, 'INVALID_SCRIPT');
    bad('packageFeeRate missing', { packageFeeRate: DELETE }, 'INVALID_FEE_RATE');
    for (const [name, r] of BAD_RATES) bad(`packageFeeRate ${name}`, { packageFeeRate: r }, 'INVALID_FEE_RATE');
    bad('a package rate of 1e8 sat/kw, whose fee eats the output', { packageFeeRate: MAX_FEE_RATE }, 'FEE_EXCEEDS_OUTPUT');
    partyCol.bad(T, T.startsWith('Receiver') ? 'receiverAccepted' : 'senderAccepted', 'before funding', p({}), 'UNEXPECTED_MESSAGE');
  }
  partyCol.bad('Receiver.childPaysForParent', 'receiverOpen3', `a package rate of 3000 sat/kw: 2759 sat of fees for the 2500 sat output`, [new Ref('receiverCpfp', { packageFeeRate: 3000n })], 'FEE_EXCEEDS_OUTPUT');

  const describe = (t: string) => `${t}: bad arguments refused with a typed code, the arguments (and any party among them) left as they were`;
  return [
    ...col.files('chain', describe, baselines, parties),
    ...partyCol.files('parties', (t) => `${t}: bad parameters refused with a typed code; the party's saved state unchanged and its next valid call still taken`, baselines, parties),
  ];
}
