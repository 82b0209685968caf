/**
 * Corpus of malformed wire messages: for each message type, its valid JSON
 * from a real channel run with one field removed, added, retyped, truncated,
 * lengthened, or set to a non-canonical spelling; plus envelope-level cases
 * common to every type (wire.json).
 */
import { ErrorCode, MESSAGE_TYPES, MessageType, encodeMessage, toHex } from '../../../lib';
import { DELETE, JsonText, Nested, Ref } from '../../support/bad-inputs-codec';
import { CaseSpec, FileSpec } from './format';
import { P, be32, offCurveKey } from './values';
import { CLTV, CSV, runScenario } from './scenario';

type Kind =
  | { kind: 'hex32' }
  | { kind: 'key' }
  | { kind: 'sig' }
  | { kind: 'sats'; max?: bigint }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'variant' };

const MAX_INDEX = 2 ** 48 - 1;
const FEE_MAX = 100_000_000n;

/** The kind of every field of every message type, as the decoders check them. */
export const FIELD_KINDS: Record<MessageType, Record<string, Kind>> = {
  open_channel: {
    tempChannelId: { kind: 'hex32' }, capacity: { kind: 'sats' }, variant: { kind: 'variant' }, margin: { kind: 'int', min: 0, max: 0xffff },
    feeRate: { kind: 'sats', max: FEE_MAX }, senderFundingKey: { kind: 'key' }, senderPayoutKey: { kind: 'key' },
  },
  accept_channel: { tempChannelId: { kind: 'hex32' }, receiverFundingKey: { kind: 'key' }, receiverPayoutKey: { kind: 'key' }, receiverRevocationKey: { kind: 'key' } },
  funding_created: { tempChannelId: { kind: 'hex32' }, fundingTxid: { kind: 'hex32' }, fundingVout: { kind: 'int', min: 0, max: 0xffff }, updateKey: { kind: 'key' } },
  funding_signed: { channelId: { kind: 'hex32' }, sig: { kind: 'sig' } },
  offer: { channelId: { kind: 'hex32' }, index: { kind: 'int', min: 1, max: MAX_INDEX }, amount: { kind: 'sats' }, updateKey: { kind: 'key' }, sig: { kind: 'sig' } },
  accept: { channelId: { kind: 'hex32' }, index: { kind: 'int', min: 1, max: MAX_INDEX }, sig: { kind: 'sig' } },
  revoke: { channelId: { kind: 'hex32' }, index: { kind: 'int', min: 0, max: MAX_INDEX - 1 }, secret: { kind: 'hex32' } },
  close_offer: { channelId: { kind: 'hex32' }, amount: { kind: 'sats' }, feeRate: { kind: 'sats', max: FEE_MAX }, sig: { kind: 'sig' } },
  close_signed: { channelId: { kind: 'hex32' }, sig: { kind: 'sig' } },
};

type Mutation = readonly [name: string, value: unknown, code: ErrorCode];

const WRONG_TYPES = (code: ErrorCode, good: unknown): Mutation[] => [
  ['null', null, code],
  ['undefined (key present)', undefined, code],
  ['true', true, code],
  ['an empty object', {}, code],
  ['an array holding the valid value', [good], code],
];

function hex32Mutations(good: string): Mutation[] {
  const c: ErrorCode = 'MESSAGE_INVALID';
  return [
    ['empty string', '', c],
    ['truncated to 31 bytes', good.slice(0, 62), c],
    ['overlong: 33 bytes', good + '00', c],
    ['odd length: 63 hex digits', good.slice(0, 63), c],
    ['odd length: 65 hex digits', good + '0', c],
    ['uppercase hex', good.toUpperCase(), c],
    ['0x prefix, 64 characters', '0x' + good.slice(2), c],
    ['0x prefix, 66 characters', '0x' + good, c],
    ['a non-hex digit', good.slice(0, 63) + 'g', c],
    ['a leading space', ' ' + good.slice(1), c],
    ['a trailing newline', good.slice(0, 63) + '\n', c],
    ['a fullwidth digit (U+FF10)', '\uff10' + good.slice(1), c],
    ['an embedded NUL', good.slice(0, 31) + '\u0000' + good.slice(32), c],
    ['base64 of the bytes', Buffer.from(good, 'hex').toString('base64'), c],
    ['a number', 0, c],
    ['an array of 32 byte values', [...Buffer.from(good, 'hex')], c],
    ['bytes in memory instead of hex', Uint8Array.from(Buffer.from(good, 'hex')), c],
    ...WRONG_TYPES(c, good),
  ];
}

function keyMutations(good: string): Mutation[] {
  const c: ErrorCode = 'MESSAGE_INVALID';
  const k: ErrorCode = 'INVALID_KEY';
  const body = good.slice(2);
  return [
    ['32-byte x-only key', body, c],
    ['34 bytes', good + '01', c],
    ['65-byte uncompressed key', '04' + body + body, c],
    ['odd length', good.slice(0, 65), c],
    ['uppercase hex', good.toUpperCase(), c],
    ['empty string', '', c],
    ['a number', 2, c],
    ['prefix 0x04 on 33 bytes', '04' + body, k],
    ['prefix 0x00 on 33 bytes', '00' + body, k],
    ['prefix 0x05 on 33 bytes', '05' + body, k],
    ['x off the curve', toHex(offCurveKey()), k],
    ['x = p', '02' + toHex(be32(P)), k],
    ['x = 2^256 - 1', '03' + 'ff'.repeat(32), k],
    ['x = 0', '02' + '00'.repeat(32), k],
    ['33 zero bytes', '00'.repeat(33), k],
    ...WRONG_TYPES(c, good),
  ];
}

function sigMutations(good: string): Mutation[] {
  const c: ErrorCode = 'INVALID_SIGNATURE';
  return [
    ['empty string', '', c],
    ['8 bytes (below the 9-byte minimum)', good.slice(0, 16), c],
    ['74 bytes (above the 73-byte maximum)', good + '00'.repeat(74 - good.length / 2), c],
    ['odd length', good.slice(0, -1), c],
    ['uppercase hex', good.toUpperCase(), c],
    ['a non-hex digit', good.slice(0, -1) + 'x', c],
    ['0x prefix', '0x' + good, c],
    ['base64 of the bytes', Buffer.from(good, 'hex').toString('base64'), c],
    ['a number', 48, c],
    ['an array of byte values', [...Buffer.from(good, 'hex')], c],
    ['bytes in memory instead of hex', Uint8Array.from(Buffer.from(good, 'hex')), c],
    ...WRONG_TYPES(c, good),
  ];
}

function satsMutations(good: string, max: bigint): Mutation[] {
  const c: ErrorCode = 'MESSAGE_INVALID';
  return [
    ['a JSON number', Number(good), c],
    ['a bigint in memory', BigInt(good), c],
    ['negative', '-1', c],
    ['minus zero', '-0', c],
    ['a leading zero', '0' + good, c],
    ['a plus sign', '+' + good, c],
    ['exponent notation', '1e3', c],
    ['a decimal point', good + '.0', c],
    ['a leading space', ' ' + good, c],
    ['a trailing space', good + ' ', c],
    ['hexadecimal', '0x' + BigInt(good).toString(16), c],
    ['empty string', '', c],
    ['an n suffix', good + 'n', c],
    ['fullwidth digits', [...good].map((d) => String.fromCharCode(0xff10 + Number(d))).join(''), c],
    ['Arabic-Indic digits', [...good].map((d) => String.fromCharCode(0x0660 + Number(d))).join(''), c],
    ['one above the maximum', (max + 1n).toString(), c],
    ['17 digits', '1' + '0'.repeat(16), c],
    ['40 digits', '9'.repeat(40), c],
    ['2^64', (1n << 64n).toString(), c],
    ['1e21 as a JSON number', 1e21, c],
    ...WRONG_TYPES(c, good),
  ];
}

function intMutations(good: number, min: number, max: number): Mutation[] {
  const c: ErrorCode = 'MESSAGE_INVALID';
  const out: Mutation[] = [
    ['a decimal string', String(good), c],
    ['a bigint in memory', BigInt(good), c],
    ['fractional', good + 0.5, c],
    ['one below the minimum', min - 1, c],
    ['one above the maximum', max + 1, c],
    ['2^53 (not a safe integer)', 2 ** 53, c],
    ['-2^53', -(2 ** 53), c],
    ['1e400 in the JSON text (Infinity)', new JsonText('1e400'), c],
    ['NaN in memory', NaN, c],
    ['-Infinity in memory', -Infinity, c],
    ['an object with valueOf', { valueOf: good }, c],
    ...WRONG_TYPES(c, good),
  ];
  if (min >= 1) out.push(['minus zero', -0, c]);
  return out;
}

function variantMutations(good: Record<string, unknown>): Mutation[] {
  const m = 'MESSAGE_INVALID';
  const t = 'INVALID_TIMELOCK';
  const csv = good.kind === 'csv';
  const common: Mutation[] = [
    ['a string', csv ? 'csv' : 'cltv', m],
    ['kind missing', csv ? { delay: good.delay } : { expiry: good.expiry }, m],
    ['kind in capitals', { ...good, kind: csv ? 'CSV' : 'CLTV' }, m],
    ['an unknown kind', { ...good, kind: 'htlc' }, m],
    ['kind as a number', { ...good, kind: 1 }, m],
    ['an extra field', { ...good, margin: 10 }, m],
    ...WRONG_TYPES(m, good),
  ];
  if (csv) {
    return [
      ...common,
      ['delay missing', { kind: 'csv' }, m],
      ['an expiry instead of a delay', { kind: 'csv', expiry: { height: 1000 } }, m],
      ['delay as a bare number', { kind: 'csv', delay: 144 }, m],
      ['delay null', { kind: 'csv', delay: null }, m],
      ['delay with an extra field', { kind: 'csv', delay: { blocks: 144, seconds: 0 } }, m],
      ['delay in seconds', { kind: 'csv', delay: { seconds: 86400 } }, m],
      ['delay as a height', { kind: 'csv', delay: { height: 144 } }, m],
      ['blocks as a string', { kind: 'csv', delay: { blocks: '144' } }, m],
      ['blocks fractional', { kind: 'csv', delay: { blocks: 144.5 } }, m],
      ['blocks negative', { kind: 'csv', delay: { blocks: -1 } }, m],
      ['blocks 2^32', { kind: 'csv', delay: { blocks: 2 ** 32 } }, m],
      ['blocks 0', { kind: 'csv', delay: { blocks: 0 } }, t],
      ['blocks 65536', { kind: 'csv', delay: { blocks: 65536 } }, t],
      ['blocks with the BIP 68 time flag', { kind: 'csv', delay: { blocks: 0x400000 | 144 } }, t],
      ['blocks with the BIP 68 disable flag', { kind: 'csv', delay: { blocks: 0x80000000 + 144 } }, t],
      ['blocks 2^32 - 1', { kind: 'csv', delay: { blocks: 0xffffffff } }, t],
    ];
  }
  return [
    ...common,
    ['expiry missing', { kind: 'cltv' }, m],
    ['a delay instead of an expiry', { kind: 'cltv', delay: { blocks: 144 } }, m],
    ['expiry as a bare number', { kind: 'cltv', expiry: 1000 }, m],
    ['expiry null', { kind: 'cltv', expiry: null }, m],
    ['expiry empty', { kind: 'cltv', expiry: {} }, m],
    ['expiry with both height and time', { kind: 'cltv', expiry: { height: 1000, time: 1_800_000_000 } }, m],
    ['expiry in blocks', { kind: 'cltv', expiry: { blocks: 144 } }, m],
    ['height as a string', { kind: 'cltv', expiry: { height: '1000' } }, m],
    ['height fractional', { kind: 'cltv', expiry: { height: 1000.5 } }, m],
    ['height negative', { kind: 'cltv', expiry: { height: -1 } }, m],
    ['height 2^32', { kind: 'cltv', expiry: { height: 2 ** 32 } }, m],
    ['time 2^32', { kind: 'cltv', expiry: { time: 2 ** 32 } }, m],
    ['height 0', { kind: 'cltv', expiry: { height: 0 } }, t],
    ['height at the time threshold (500000000)', { kind: 'cltv', expiry: { height: 500_000_000 } }, t],
    ['time just below the threshold', { kind: 'cltv', expiry: { time: 499_999_999 } }, t],
    ['time 2^31 (beyond miniscript after())', { kind: 'cltv', expiry: { time: 2 ** 31 } }, t],
    ['time 2^32 - 1', { kind: 'cltv', expiry: { time: 0xffffffff } }, t],
    ['time 0', { kind: 'cltv', expiry: { time: 0 } }, t],
  ];
}

function mutationsFor(k: Kind, good: unknown): Mutation[] {
  switch (k.kind) {
    case 'hex32': return hex32Mutations(good as string);
    case 'key': return keyMutations(good as string);
    case 'sig': return sigMutations(good as string);
    case 'sats': return satsMutations(good as string, k.max ?? 21_000_000n * 100_000_000n);
    case 'int': return intMutations(good as number, k.min, k.max);
    case 'variant': return variantMutations(good as Record<string, unknown>);
  }
}

/** The JSON text of `base` with one more member appended (a duplicate key, a __proto__ key). */
function withMember(base: Record<string, unknown>, member: string): JsonText {
  const text = JSON.stringify(base);
  return new JsonText(`${text.slice(0, -1)},${member}}`);
}

export function messageFiles(): FileSpec[] {
  const csv = runScenario(CSV);
  const cltvOpen = encodeMessage(runScenario(CLTV).messages.open) as Record<string, unknown>;
  const m = csv.messages;
  const wire: Record<MessageType, Record<string, unknown>> = {
    open_channel: encodeMessage(m.open), accept_channel: encodeMessage(m.acceptChannel), funding_created: encodeMessage(m.fundingCreated),
    funding_signed: encodeMessage(m.fundingSigned), offer: encodeMessage(m.offer), accept: encodeMessage(m.accept),
    revoke: encodeMessage(m.revoke), close_offer: encodeMessage(m.closeOffer), close_signed: encodeMessage(m.closeSigned),
  };
  const baselines: Record<string, unknown> = { ...wire, open_channel_cltv: cltvOpen };

  const files: FileSpec[] = [];
  for (const type of MESSAGE_TYPES) {
    const good = wire[type];
    const target = `decoders.${type}`;
    const cases: CaseSpec[] = [];
    const add = (name: string, input: unknown, expect: ErrorCode, t = target) => cases.push({ name, target: t, input: [input], expect });
    const fields = FIELD_KINDS[type];
    for (const f of Object.keys(good)) {
      if (f === 'type' || f === 'version') continue;
      if (!(f in fields)) throw new Error(`${type}.${f}: no field kind`);
    }
    add('type missing', new Ref(type, { type: DELETE }), 'MESSAGE_UNKNOWN_TYPE');
    add('version missing', new Ref(type, { version: DELETE }), 'MESSAGE_UNSUPPORTED_VERSION');
    for (const [name, v] of [['0', 0], ['2', 2], ['"1" (a string)', '1'], ['1.5', 1.5], ['-1', -1], ['null', null], ['true', true], ['a bigint in memory', 1n], ['[1]', [1]]] as const) {
      add(`version ${name}`, new Ref(type, { version: v }), 'MESSAGE_UNSUPPORTED_VERSION');
    }
    add('an extra field', new Ref(type, { memo: 'hi' }), 'MESSAGE_INVALID');
    add('an extra field set to null', new Ref(type, { extra: null }), 'MESSAGE_INVALID');
    add('an extra "__proto__" field in the JSON text', withMember(good, '"__proto__":{"type":"open_channel"}'), 'MESSAGE_INVALID');
    add('an extra field named like one of another type', new Ref(type, { [type === 'offer' ? 'secret' : 'updateKeyX']: '00' }), 'MESSAGE_INVALID');
    for (const f of Object.keys(fields)) {
      add(`${f} missing`, new Ref(type, { [f]: DELETE }), 'MESSAGE_INVALID');
      for (const [name, value, code] of mutationsFor(fields[f]!, good[f])) {
        if (value instanceof JsonText) {
          add(`${f}: ${name}`, new JsonText(JSON.stringify({ ...good, [f]: '@' }).replace('"@"', value.text)), code);
        } else {
          add(`${f}: ${name}`, new Ref(type, { [f]: value }), code);
        }
      }
      // The last of duplicate keys wins in JSON.parse: a bad duplicate after a good one is refused.
      const bad = mutationsFor(fields[f]!, good[f]).find(([, v]) => typeof v === 'string' || typeof v === 'number')!;
      add(`${f}: a duplicate key whose last value is bad (${bad[0]})`, withMember(good, `${JSON.stringify(f)}:${JSON.stringify(bad[1])}`), bad[2]);
    }
    if (type === 'open_channel') {
      for (const [name, value, code] of variantMutations(cltvOpen.variant as Record<string, unknown>)) {
        add(`CLTV variant: ${name}`, new Ref('open_channel_cltv', { variant: value }), code);
      }
    }
    // A valid message of every other type: refused by this type's decoders, and as a retyped message by all.
    for (const other of MESSAGE_TYPES) {
      if (other === type) continue;
      add(`a valid ${other} message`, new Ref(other), 'UNEXPECTED_MESSAGE');
      cases.push({ name: `a valid ${other} message`, target: 'decodeMessageOf', input: [new Ref(other), type], expect: 'UNEXPECTED_MESSAGE' });
      const sameFields = JSON.stringify(Object.keys(FIELD_KINDS[other]).sort()) === JSON.stringify(Object.keys(fields).sort());
      if (!sameFields) add(`the fields of ${other} under type ${type}`, new Ref(other, { type }), 'MESSAGE_INVALID');
    }
    files.push({
      file: `messages-${type.replace(/_/g, '-')}.json`,
      description: `${type}: every field missing, retyped, truncated, lengthened or non-canonical; through decoders.${type}, decodeMessageOf and decodeMessage`,
      baselines,
      valid: [
        { name: `the valid ${type}`, target, input: [new Ref(type)] },
        { name: `the valid ${type}`, target: 'decodeMessageOf', input: [new Ref(type), type] },
        { name: `the valid ${type}`, target: 'decodeMessage', input: [new Ref(type)] },
        ...(type === 'open_channel' ? [{ name: 'the valid CLTV open_channel', target, input: [new Ref('open_channel_cltv')] }] : []),
      ],
      cases,
    });
  }
  files.push(wireFile(baselines));
  return files;
}

/** Envelope-level cases, the same for every type: not an object, no or unknown type, unsupported version. */
function wireFile(baselines: Record<string, unknown>): FileSpec {
  const cases: CaseSpec[] = [];
  const add = (name: string, input: unknown, expect: ErrorCode) => cases.push({ name, target: 'decodeMessage', input: [input], expect });
  const offer = baselines.offer as Record<string, unknown>;
  for (const [name, v] of [
    ['null', null], ['undefined', undefined], ['true', true], ['0', 0], ['NaN', NaN], ['a bigint', 1n], ['a string', 'offer'],
    ['the JSON text of a valid offer, not parsed', JSON.stringify(offer)], ['an empty array', []], ['an array holding a valid offer', [new Ref('offer')]],
  ] as const) add(`not an object: ${name}`, v, 'MESSAGE_INVALID');
  add('bytes in memory (an object without a type)', Uint8Array.from([0x7b, 0x7d]), 'MESSAGE_UNKNOWN_TYPE');
  add('an empty object', {}, 'MESSAGE_UNKNOWN_TYPE');
  add('only a version', { version: 1 }, 'MESSAGE_UNKNOWN_TYPE');
  for (const t of ['', 'Offer', 'OFFER', 'offer ', ' offer', 'open-channel', 'openChannel', 'pay', 'offer\u0000', 'оffer (Cyrillic o)', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(4096)]) {
    add(`type ${JSON.stringify(t.length > 40 ? `${t.slice(0, 8)}... (${t.length} characters)` : t)}`, new Ref('offer', { type: t === 'оffer (Cyrillic o)' ? '\u043effer' : t }), 'MESSAGE_UNKNOWN_TYPE');
  }
  for (const [name, v] of [
    ['a number', 4], ['null', null], ['true', true], ['an array', ['offer']], ['an object', { type: 'offer' }], ['a bigint in memory', 4n],
    ['undefined (key present)', undefined], ['100000 nested arrays in memory', new Nested(100_000, 'offer')],
  ] as const) add(`type as ${name}`, new Ref('offer', { type: v }), 'MESSAGE_UNKNOWN_TYPE');
  add('version as 100000 nested arrays in memory', new Ref('offer', { version: new Nested(100_000, 1) }), 'MESSAGE_UNSUPPORTED_VERSION');
  add('version 2 and a missing field: the version is checked first', new Ref('offer', { version: 2, sig: DELETE }), 'MESSAGE_UNSUPPORTED_VERSION');
  add('unknown type and a missing field: the type is checked first', new Ref('offer', { type: 'pay', version: 2 }), 'MESSAGE_UNKNOWN_TYPE');
  add('a "__proto__" member holding a whole offer (JSON text)', new JsonText(`{"__proto__":${JSON.stringify(offer)}}`), 'MESSAGE_UNKNOWN_TYPE');
  add('type given twice, the last one unknown (JSON text)', withMember(offer, '"type":"pay"'), 'MESSAGE_UNKNOWN_TYPE');
  add('version given twice, the last one 2 (JSON text)', withMember(offer, '"version":2'), 'MESSAGE_UNSUPPORTED_VERSION');
  add('a field holding 10000 nested arrays (JSON text)', new JsonText(`{"type":"offer","version":1,"channelId":${'['.repeat(10000)}${']'.repeat(10000)}}`), 'MESSAGE_INVALID');
  const untyped = Object.fromEntries(Object.entries(offer).filter(([k]) => k !== 'type'));
  add('a key with a BOM in front of "type"', withMember(untyped, '"\ufefftype":"offer"'), 'MESSAGE_UNKNOWN_TYPE');
  for (const [name, t] of [['an unknown type', 'pay'], ['null', null], ['a number', 1], ['an object', {}], ['a type in capitals', 'OFFER']] as const) {
    cases.push({ name: `decodeMessageOf expecting ${name}`, target: 'decodeMessageOf', input: [new Ref('offer'), t], expect: 'INVALID_ARGUMENT' });
  }
  return {
    file: 'wire.json',
    description: 'The envelope every message shares: decodeMessage refuses what is not an object, has no known type, or another version',
    baselines,
    valid: [
      { name: 'a valid offer', target: 'decodeMessage', input: [new Ref('offer')] },
      { name: 'a valid offer, expected', target: 'decodeMessageOf', input: [new Ref('offer'), 'offer'] },
    ],
    cases,
  };
}
