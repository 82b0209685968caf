/**
 * Corpus of bad arguments to the script compiler, the witness assembler, the
 * key and secret derivations, the state-number codec, the signature helpers
 * and the value checks every builder starts with.
 */
import { BIP32Factory } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import {
  FUNDING_TEMPLATE, MAX_MONEY, MIN_FEE_RATE, PaymentSigner, REVOCABLE_CLTV_TEMPLATE, REVOCABLE_CSV_TEMPLATE, compileFundingScript,
  deriveObscuringFactor, encodeStateNumber, p2wpkhScript, toHex, verifyChannelParams,
} from '../../../lib';
import { DELETE, Ref } from '../../support/bad-inputs-codec';
import { VARIANTS, channelParams } from '../../support/channel';
import { keys } from '../../support/keys';
import { Collector } from './builders';
import { BAD_DESTINATIONS, BAD_KEYS, BAD_PRIVATE_KEYS, N, be32, validPub } from './values';

const bip32 = BIP32Factory(ecc);
const master = bip32.fromSeed(Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'));

export const CHECK_BASELINES: Record<string, unknown> = {
  fundingTemplate: FUNDING_TEMPLATE,
  cltvTemplate: REVOCABLE_CLTV_TEMPLATE,
  csvTemplate: REVOCABLE_CSV_TEMPLATE,
  fundingArgs: { S_f: keys.senderFunding.pub, R_f: keys.receiverFunding.pub },
  cltvArgs: { R_r: keys.receiverRevocation.pub, K_i: keys.update(1).pub, S_p: keys.senderPayout.pub, T: { height: 1000 } },
  csvArgs: { R_r: keys.receiverRevocation.pub, K_i: keys.update(1).pub, S_p: keys.senderPayout.pub, D: { blocks: 144 } },
  fundingKeys: { senderFundingKey: keys.senderFunding.pub, receiverFundingKey: keys.receiverFunding.pub },
  revocableKeys: { receiverRevocationKey: keys.receiverRevocation.pub, updateKey: keys.update(1).pub, senderPayoutKey: keys.senderPayout.pub, variant: { kind: 'csv', delay: { blocks: 144 } } },
  seed: new Uint8Array(32).fill(0x11),
  master,
  hash: new Uint8Array(32).fill(7),
};

export function checkCases(col: Collector): void {
  // --- templates -------------------------------------------------------------------
  for (const t of ['compileTemplate', 'templateValues']) {
    const f = (a: Record<string, unknown>) => [new Ref('fundingTemplate'), new Ref('fundingArgs', a)];
    col.ok(t, 'funding', f({}));
    col.ok(t, 'revocable CLTV', [new Ref('cltvTemplate'), new Ref('cltvArgs')]);
    col.ok(t, 'revocable CSV', [new Ref('csvTemplate'), new Ref('csvArgs')]);
    col.bad(t, 'an unknown parameter', f({ X: validPub }), 'TEMPLATE_ARGUMENT');
    col.bad(t, 'a parameter missing', f({ R_f: DELETE }), 'TEMPLATE_ARGUMENT');
    col.bad(t, 'a parameter undefined', f({ R_f: undefined }), 'TEMPLATE_ARGUMENT');
    col.bad(t, 'a parameter named like an inherited property (constructor)', f({ constructor: validPub }), 'TEMPLATE_ARGUMENT');
    col.bad(t, 'a placeholder name (key_1) instead of a parameter', f({ key_1: validPub }), 'TEMPLATE_ARGUMENT');
    for (const k of BAD_KEYS) col.bad(t, `S_f: ${k.name}`, f({ S_f: k.key }), 'INVALID_KEY');
    col.bad(t, 'a CSV delay given to the CLTV template', [new Ref('cltvTemplate'), new Ref('cltvArgs', { T: DELETE, D: { blocks: 144 } })], 'TEMPLATE_ARGUMENT');
    for (const [name, v] of [['height 0', { height: 0 }], ['blocks instead of a height', { blocks: 144 }], ['a bare number', 1000], ['null', null], ['time 2^31', { time: 2 ** 31 }]] as const) {
      col.bad(t, `CLTV T: ${name}`, [new Ref('cltvTemplate'), new Ref('cltvArgs', { T: v })], 'INVALID_TIMELOCK');
    }
    for (const [name, v] of [['blocks 0', { blocks: 0 }], ['blocks 65536', { blocks: 65536 }], ['a height', { height: 144 }], ['a bare number', 144], ['blocks as a string', { blocks: '144' }]] as const) {
      col.bad(t, `CSV D: ${name}`, [new Ref('csvTemplate'), new Ref('csvArgs', { D: v })], 'INVALID_TIMELOCK');
    }
    col.bad(t, 'null arguments', [new Ref('fundingTemplate'), null], 'TEMPLATE_ARGUMENT');
    col.bad(t, 'arguments as a string', [new Ref('fundingTemplate'), 'S_f'], 'TEMPLATE_ARGUMENT');
  }
  col.bad('compileTemplate', 'a template whose maximum length is below its script', [new Ref('fundingTemplate', { maxLength: 70 }), new Ref('fundingArgs')], 'SCRIPT_TOO_LONG');
  col.bad('compileTemplate', 'a template with an unknown opcode', [new Ref('fundingTemplate', { asm: 'OP_2 <key_1> <key_2> OP_2 OP_CHECKMULTISIGGG' }), new Ref('fundingArgs')], 'INVALID_SCRIPT');
  col.bad('compileTemplate', 'a template with a placeholder no parameter fills', [new Ref('fundingTemplate', { asm: 'OP_2 <key_1> <key_3> OP_2 OP_CHECKMULTISIG' }), new Ref('fundingArgs')], 'TEMPLATE_ARGUMENT');

  const fk = (a: Record<string, unknown>) => [new Ref('fundingKeys', a)];
  col.ok('compileFundingScript', 'two different keys', fk({}));
  col.bad('compileFundingScript', 'equal keys', fk({ receiverFundingKey: keys.senderFunding.pub }), 'INVALID_KEY');
  col.bad('compileFundingScript', 'equal keys in other objects', fk({ receiverFundingKey: Uint8Array.from(keys.senderFunding.pub) }), 'INVALID_KEY');
  col.bad('compileFundingScript', 'receiverFundingKey missing', fk({ receiverFundingKey: DELETE }), 'TEMPLATE_ARGUMENT');
  for (const k of BAD_KEYS) col.bad('compileFundingScript', `senderFundingKey: ${k.name}`, fk({ senderFundingKey: k.key }), 'INVALID_KEY');
  col.bad('compileFundingScript', 'null keys', [null], 'TEMPLATE_ARGUMENT');

  const rk = (a: Record<string, unknown>) => [new Ref('revocableKeys', a)];
  for (const { name, variant } of VARIANTS) col.ok('compileRevocableScript', name, rk({ variant }));
  col.bad('compileRevocableScript', 'null keys', [null], 'TEMPLATE_ARGUMENT');
  for (const [name, v] of [
    ['a null variant', null], ['an unknown kind', { kind: 'htlc' }], ['a string', 'csv'], ['CSV delay 0', { kind: 'csv', delay: { blocks: 0 } }],
    ['CLTV height 0', { kind: 'cltv', expiry: { height: 0 } }],
  ] as const) col.bad('compileRevocableScript', `variant: ${name}`, rk({ variant: v }), 'INVALID_TIMELOCK');
  // The compiler sees the lock as a missing template argument.
  col.bad('compileRevocableScript', 'variant: CSV without a delay', rk({ variant: { kind: 'csv' } }), 'TEMPLATE_ARGUMENT');
  col.bad('compileRevocableScript', 'variant: CLTV with a delay instead of an expiry', rk({ variant: { kind: 'cltv', delay: { blocks: 1 } } }), 'TEMPLATE_ARGUMENT');
  for (const role of ['receiverRevocationKey', 'updateKey', 'senderPayoutKey'] as const) {
    for (const k of BAD_KEYS) col.bad('compileRevocableScript', `${role}: ${k.name}`, rk({ [role]: k.key }), 'INVALID_KEY');
  }

  // --- witnesses ---------------------------------------------------------------------
  const sig = new PaymentSigner(verifyChannelParams(channelParams(VARIANTS[2]!.variant).channel), 'sender', keys.senderFunding.priv).sign(new Uint8Array(32).fill(1));
  const script = compileFundingScript({ senderFundingKey: keys.senderFunding.pub, receiverFundingKey: keys.receiverFunding.pub });
  col.ok('assembleWitness', 'both signatures of the multisig branch', [new Ref('fundingTemplate'), 'multisig', { key_1: sig, key_2: sig }, script]);
  col.bad('assembleWitness', 'a branch of another template', [new Ref('fundingTemplate'), 'penalty', { key_1: sig, key_2: sig }, script], 'TEMPLATE_ARGUMENT');
  col.bad('assembleWitness', 'a signature missing', [new Ref('fundingTemplate'), 'multisig', { key_1: sig }, script], 'PSBT_INCOMPLETE');
  col.bad('assembleWitness', 'signatures under parameter names instead of script names', [new Ref('fundingTemplate'), 'multisig', { S_f: sig, R_f: sig }, script], 'PSBT_INCOMPLETE');
  col.bad('assembleWitness', 'a branch whose witness item is malformed', [new Ref('fundingTemplate', { branches: { multisig: { description: '', witness: ['<key_1>'], locks: {} } } }), 'multisig', { key_1: sig }, script], 'INVALID_SCRIPT');
  for (const t of ['assembleWitness', 'maxWitnessSize', 'branchSigners']) {
    const args = (branch: string) => (t === 'assembleWitness' ? [new Ref('csvTemplate'), branch, {}, script] : [new Ref('csvTemplate'), branch]);
    if (t !== 'assembleWitness') col.ok(t, 'the timeout branch', args('timeout'));
    col.bad(t, 'an unknown branch', args('refund'), 'TEMPLATE_ARGUMENT');
    col.bad(t, 'an empty branch name', args(''), 'TEMPLATE_ARGUMENT');
    col.bad(t, 'the branch name "__proto__"', args('__proto__'), 'TEMPLATE_ARGUMENT');
    col.bad(t, 'the branch name "constructor"', args('constructor'), 'TEMPLATE_ARGUMENT');
    col.bad(t, 'the branch name "hasOwnProperty"', args('hasOwnProperty'), 'TEMPLATE_ARGUMENT');
  }
  for (const d of BAD_DESTINATIONS) col.bad('checkDestinationScript', d.name, [d.script], 'INVALID_SCRIPT');
  col.bad('checkDestinationScript', 'null', [null], 'INVALID_SCRIPT');
  col.ok('checkDestinationScript', 'P2WPKH', [p2wpkhScript(validPub)]);

  // --- state numbers ----------------------------------------------------------------
  const factor = deriveObscuringFactor(keys.senderFunding.pub, keys.receiverFunding.pub);
  const enc = encodeStateNumber(7n, factor);
  for (const t of ['encodeStateNumber', 'checkState']) {
    const a = (s: unknown) => (t === 'checkState' ? [s] : [s, factor]);
    col.ok(t, 'state 7', a(7n));
    col.ok(t, 'state 2^48 - 1', a((1n << 48n) - 1n));
    for (const [name, s] of [['-1', -1n], ['2^48', 1n << 48n], ['2^64 + 7', (1n << 64n) + 7n], ['a number', 7], ['a decimal string', '7'], ['null', null]] as const) {
      col.bad(t, `state ${name}`, a(s), 'INVALID_ARGUMENT');
    }
  }
  for (const [name, f] of [['a number', 5], ['negative', -1n], ['2^48', 1n << 48n], ['null', null]] as const) {
    col.bad('encodeStateNumber', `obscuring factor ${name}`, [7n, f], 'INVALID_ARGUMENT');
  }
  col.ok('decodeStateNumber', 'a payment transaction\'s fields', [enc.locktime, enc.sequence, factor]);
  col.ok('decodeStateNumber', 'fields that are not a payment\'s (answers undefined)', [0, 0xffffffff, factor]);
  for (const [name, args] of [
    ['locktime above 2^32 - 1 (would alias a payment\'s)', [enc.locktime + 2 ** 32, enc.sequence, factor]],
    ['sequence above 2^32 - 1', [enc.locktime, enc.sequence + 2 ** 32, factor]],
    ['negative locktime', [-1, enc.sequence, factor]],
    ['fractional sequence', [enc.locktime, enc.sequence + 0.5, factor]],
    ['locktime NaN', [NaN, enc.sequence, factor]],
    ['locktime as a bigint', [BigInt(enc.locktime), enc.sequence, factor]],
    ['sequence as a string', [enc.locktime, String(enc.sequence), factor]],
    ['obscuring factor as a number', [enc.locktime, enc.sequence, Number(factor)]],
    ['obscuring factor negative', [enc.locktime, enc.sequence, -1n]],
    ['obscuring factor 2^48', [enc.locktime, enc.sequence, 1n << 48n]],
    ['obscuring factor undefined', [enc.locktime, enc.sequence, undefined]],
  ] as const) col.bad('decodeStateNumber', name, [...args], 'INVALID_ARGUMENT');

  // --- signatures --------------------------------------------------------------------
  const h = new Ref('hash');
  col.ok('signSighash', 'a 32-byte hash and a valid key', [h, keys.senderFunding.priv]);
  col.bad('signSighash', 'a 31-byte hash', [new Uint8Array(31), keys.senderFunding.priv], 'INVALID_ARGUMENT');
  col.bad('signSighash', 'a hash as a hex string', ['07'.repeat(32), keys.senderFunding.priv], 'INVALID_ARGUMENT');
  for (const k of BAD_PRIVATE_KEYS) col.bad('signSighash', `key: ${k.name}`, [h, k.key], 'INVALID_KEY');
  const good = new PaymentSigner(verifyChannelParams(channelParams(VARIANTS[2]!.variant).channel), 'sender', keys.senderFunding.priv).sign(new Uint8Array(32).fill(7));
  col.ok('verifySighashSignature', 'a valid signature', [h, keys.senderFunding.pub, good]);
  col.ok('verifySighashSignature', 'a DER signature with r = n (answers false)', [h, keys.senderFunding.pub, derSig(N, 5n)]);
  col.ok('verifySighashSignature', 'a DER signature with s = n (answers false)', [h, keys.senderFunding.pub, derSig(5n, N)]);
  col.ok('verifySighashSignature', 'a DER signature with r = 2^256 - 1 (answers false)', [h, keys.senderFunding.pub, derSig((1n << 256n) - 1n, 5n)]);
  col.ok('verifySighashSignature', 'a DER signature with r = 0 (answers false)', [h, keys.senderFunding.pub, derSig(0n, 5n)]);
  col.bad('verifySighashSignature', 'a 31-byte hash', [new Uint8Array(31), keys.senderFunding.pub, good], 'INVALID_ARGUMENT');
  // An uncompressed key is a valid point to verify against: only keys that are no point at all are refused.
  for (const k of BAD_KEYS.filter((b) => !b.name.startsWith('uncompressed'))) col.bad('verifySighashSignature', `key: ${k.name}`, [h, k.key, good], 'INVALID_KEY');

  // --- keys and secrets -----------------------------------------------------------------
  const paths: [string, unknown][] = [
    ['a non-numeric step', "m/84'/x"], ['an empty path', ''], ['a trailing slash', "m/84'/"], ['no leading m', "84'/0"],
    ['a number', 84], ['null', null], ['h for hardened', 'm/84h/0'], ['a negative step', 'm/-1'], ['a space', 'm/ 1'],
  ];
  col.ok('keyOrigin', 'a BIP 84 path', [new Ref('master'), "m/84'/1'/0'/0/0"]);
  col.ok('checkPath', 'a BIP 84 path', ["m/84'/1'/0'/0/0"]);
  for (const [name, p] of paths) {
    col.bad('keyOrigin', `path: ${name}`, [new Ref('master'), p], 'INVALID_ARGUMENT');
    col.bad('checkPath', `path: ${name}`, [p], 'INVALID_ARGUMENT');
  }
  col.bad('keyOrigin', 'a hardened step below a public-only node', [master.neutered(), "m/84'/0"], 'INVALID_KEY');
  col.bad('keyOrigin', 'a step of 2^32', [new Ref('master'), 'm/4294967296'], 'INVALID_KEY');
  col.bad('keyOrigin', 'no node', [null, 'm/0'], 'INVALID_KEY');
  col.bad('keyOrigin', 'a node given as its base58 string', [master.toBase58(), 'm/0'], 'INVALID_KEY');

  const seed = new Ref('seed');
  const badSeeds: [string, unknown][] = [['31 bytes', new Uint8Array(31)], ['33 bytes', new Uint8Array(33)], ['a hex string', '11'.repeat(32)], ['null', null]];
  const badIndices: [string, unknown][] = [['-1', -1n], ['2^48', 1n << 48n], ['a number', 5], ['null', null], ['a string', '5']];
  col.ok('deriveSecret', 'index 2^48 - 1', [seed, (1n << 48n) - 1n]);
  for (const t of ['deriveUpdateSecret', 'deriveUpdateKey']) col.ok(t, 'state 5', [seed, 5n]);
  col.ok('updateIndex', 'state 5', [5n]);
  for (const [name, s] of badSeeds) for (const t of ['deriveSecret', 'deriveUpdateSecret', 'deriveUpdateKey']) col.bad(t, `seed: ${name}`, [s, 5n], 'INVALID_ARGUMENT');
  for (const [name, i] of badIndices) {
    for (const t of ['deriveSecret', 'deriveUpdateSecret', 'deriveUpdateKey']) col.bad(t, `index: ${name}`, [seed, i], 'SECRET_INDEX_OUT_OF_RANGE');
    col.bad('updateIndex', `state: ${name}`, [i], 'SECRET_INDEX_OUT_OF_RANGE');
  }
  col.ok('deriveChannelSeed', 'channel 0', [new Ref('master'), 0]);
  col.ok('channelSeedPath', 'channel 0', [0]);
  col.bad('deriveChannelSeed', 'a public-only node', [master.neutered(), 0], 'INVALID_KEY');
  col.bad('deriveChannelSeed', 'no node', [null, 0], 'INVALID_KEY');
  col.bad('deriveChannelSeed', 'raw seed bytes instead of a node', [new Uint8Array(32), 0], 'INVALID_KEY');
  for (const [name, i] of [['-1', -1], ['2^31', 2 ** 31], ['1.5', 1.5], ['a string', '1'], ['NaN', NaN], ['a bigint', 1n]] as const) {
    col.bad('deriveChannelSeed', `channel index ${name}`, [new Ref('master'), i], 'INVALID_ARGUMENT');
    col.bad('channelSeedPath', `channel index ${name}`, [i], 'INVALID_ARGUMENT');
  }
  const txid = channelParams(VARIANTS[2]!.variant).channel.fundingOutpoint.txid;
  col.ok('deriveChannelId', 'a funding outpoint', [txid, 0]);
  for (const [name, t] of [['odd length', txid.slice(1)], ['31 bytes', txid.slice(2)], ['not hex', 'zz'.repeat(32)], ['uppercase', txid.toUpperCase()]] as const) {
    col.bad('deriveChannelId', `txid: ${name}`, [t, 0], 'INVALID_ARGUMENT');
  }
  col.bad('deriveChannelId', 'txid as bytes', [Buffer.from(txid, 'hex'), 0], 'INVALID_ARGUMENT');
  for (const [name, v] of [['-1', -1], ['2^32', 2 ** 32], ['0.5', 0.5], ['a string', '0']] as const) col.bad('deriveChannelId', `vout ${name}`, [txid, v], 'INVALID_ARGUMENT');

  // --- value checks ---------------------------------------------------------------------
  col.ok('asPublicKey', 'a compressed point', [validPub]);
  for (const k of BAD_KEYS) col.bad('asPublicKey', k.name, [k.key], 'INVALID_KEY');
  col.bad('asPublicKey', 'null', [null], 'INVALID_KEY');
  col.ok('asPrivateKey', 'n - 1', [be32(N - 1n)]);
  col.ok('derivePublicKey', 'a valid scalar', [keys.senderFunding.priv]);
  for (const k of [...BAD_PRIVATE_KEYS, { name: 'private key = 2^256 - 1', key: new Uint8Array(32).fill(0xff) }, { name: 'a hex string', key: toHex(keys.senderFunding.priv) }]) {
    col.bad('asPrivateKey', k.name, [k.key], 'INVALID_KEY');
    col.bad('derivePublicKey', k.name, [k.key], 'INVALID_KEY');
  }
  const locks: [string, unknown][] = [['null', null], ['a bare number', 1000], ['a string', '1000'], ['an empty object', {}]];
  col.ok('absoluteLockValue', 'height 1000', [{ height: 1000 }]);
  col.ok('absoluteLockValue', 'time 2^31 - 1', [{ time: 2 ** 31 - 1 }]);
  for (const [name, l] of [...locks, ['height 0', { height: 0 }], ['height 500000000', { height: 500_000_000 }], ['time 499999999', { time: 499_999_999 }],
    ['time 2^31', { time: 2 ** 31 }], ['height as a string', { height: '1000' }], ['height as a bigint', { height: 1000n }], ['blocks', { blocks: 144 }], ['height NaN', { height: NaN }]] as const) {
    col.bad('absoluteLockValue', name, [l], 'INVALID_TIMELOCK');
  }
  col.ok('relativeLockValue', '144 blocks', [{ blocks: 144 }]);
  for (const [name, l] of [...locks, ['0 blocks', { blocks: 0 }], ['65536 blocks', { blocks: 65536 }], ['blocks as a bigint', { blocks: 144n }], ['a height', { height: 144 }],
    ['blocks -1', { blocks: -1 }], ['blocks Infinity', { blocks: Infinity }]] as const) {
    col.bad('relativeLockValue', name, [l], 'INVALID_TIMELOCK');
  }
  for (const { name, variant } of VARIANTS) col.ok('checkVariant', name, [variant]);
  for (const [name, v] of [['null', null], ['a string', 'csv'], ['an unknown kind', { kind: 'x' }], ['CSV delay 0', { kind: 'csv', delay: { blocks: 0 } }],
    ['CLTV without expiry', { kind: 'cltv' }], ['kind in capitals', { kind: 'CSV', delay: { blocks: 144 } }]] as const) {
    col.bad('checkVariant', name, [v], 'INVALID_TIMELOCK');
  }
  col.ok('checkAmount', '1000 sat in [0, MAX_MONEY]', [1000n, 0n, MAX_MONEY]);
  for (const [name, v] of [['a number', 1000], ['-1', -1n], ['MAX_MONEY + 1', MAX_MONEY + 1n], ['a string', '1000'], ['null', null]] as const) {
    col.bad('checkAmount', name, [v, 0n, MAX_MONEY], 'INVALID_AMOUNT');
  }
  col.bad('checkAmount', 'below its minimum', [0n, 1n, MAX_MONEY], 'INVALID_AMOUNT');
  col.ok('checkFeeRate', '1000 sat/kw', [1000n]);
  for (const [name, v] of [['-1', -1n], ['1e8 + 1', 100_000_001n], ['a number', 1000], ['a string', '1000'], ['null', null]] as const) col.bad('checkFeeRate', name, [v], 'INVALID_FEE_RATE');
  col.ok('checkRelayFeeRate', 'the relay floor, 253 sat/kw', [MIN_FEE_RATE]);
  for (const [name, v] of [['-1', -1n], ['1e8 + 1', 100_000_001n], ['a number', 1000], ['a string', '1000'], ['null', null]] as const) col.bad('checkRelayFeeRate', name, [v], 'INVALID_FEE_RATE');
  for (const [name, v] of [['0', 0n], ['252, one below the floor', MIN_FEE_RATE - 1n], ['250 (1 sat/vB exactly)', 250n]] as const) col.bad('checkRelayFeeRate', name, [v], 'FEE_RATE_REFUSED');
  col.ok('checkTxid', 'a txid', [txid]);
  for (const [name, t] of [['uppercase', txid.toUpperCase()], ['63 characters', txid.slice(1)], ['65 characters', txid + '0'], ['bytes', Buffer.from(txid, 'hex')], ['null', null], ['0x prefix', '0x' + txid.slice(2)]] as const) {
    col.bad('checkTxid', name, [t], 'INVALID_ARGUMENT');
  }
  col.ok('checkVout', '0', [0]);
  col.ok('checkVout', '2^32 - 1', [2 ** 32 - 1]);
  for (const [name, v] of [['-1', -1], ['2^32', 2 ** 32], ['0.5', 0.5], ['a string', '0'], ['NaN', NaN], ['a bigint', 0n], ['null', null]] as const) col.bad('checkVout', name, [v], 'INVALID_ARGUMENT');
}

/** A DER signature of (r, s) with SIGHASH_ALL, whatever their range. */
function derSig(r: bigint, s: bigint): Uint8Array {
  const int = (n: bigint) => {
    let b = Array.from(be32(n));
    while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.slice(1);
    if (b[0]! & 0x80) b = [0, ...b];
    return [2, b.length, ...b];
  };
  const body = [...int(r), ...int(s)];
  return Uint8Array.from([0x30, body.length, ...body, 1]);
}
export { derSig };
