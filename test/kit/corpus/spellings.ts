/**
 * For each field kind of a message schema, the bad spellings it must refuse
 * and the code each gets. The corpus generator writes them into
 * fixtures/bad-inputs/messages-*.json and the fuzz spec draws from them, both
 * by walking the registered schemas' field tables, so a new message (or a new
 * kind) gets its cases without a hand-written table.
 *
 * Composite kinds (objects, unions, one-key objects, arrays) are respelt
 * member by member: a member's own spellings nest under its name
 * (`delay.blocks: fractional`). A checked kind adds the cases of its rule, by
 * the rule's name, before the spellings of the kind it checks.
 */
import { ErrorCode, toHex } from '../../../lib';
import { FieldKind, FieldTable } from '../../../lib/protocol/fields';
import { JsonText } from '../../support/bad-inputs-codec';
import { P, be32, offCurveKey } from './values';

export type Mutation = readonly [name: string, value: unknown, code: ErrorCode];

type Json = Record<string, unknown>;

const WRONG_TYPES = (code: ErrorCode, good: unknown): Mutation[] => [
  ['null', null, code],
  ['undefined (key present)', undefined, code],
  ['true', true, code],
  ['an empty object', {}, code],
  ['an array holding the valid value', [good], code],
];

function bytesMutations(good: string, length: number): Mutation[] {
  const c: ErrorCode = 'MESSAGE_INVALID';
  const digits = 2 * length;
  return [
    ['empty string', '', c],
    [`truncated to ${length - 1} bytes`, good.slice(0, digits - 2), c],
    [`overlong: ${length + 1} bytes`, good + '00', c],
    [`odd length: ${digits - 1} hex digits`, good.slice(0, digits - 1), c],
    [`odd length: ${digits + 1} hex digits`, good + '0', c],
    ['uppercase hex', good.toUpperCase(), c],
    [`0x prefix, ${digits} characters`, '0x' + good.slice(2), c],
    [`0x prefix, ${digits + 2} characters`, '0x' + good, c],
    ['a non-hex digit', good.slice(0, digits - 1) + 'g', c],
    ['a leading space', ' ' + good.slice(1), c],
    ['a trailing newline', good.slice(0, digits - 1) + '\n', c],
    ['a fullwidth digit (U+FF10)', '\uff10' + good.slice(1), c],
    ['an embedded NUL', good.slice(0, length - 1) + '\u0000' + good.slice(length), c],
    ['base64 of the bytes', Buffer.from(good, 'hex').toString('base64'), c],
    ['a number', 0, c],
    [`an array of ${length} byte values`, [...Buffer.from(good, 'hex')], c],
    ['bytes in memory instead of hex', Uint8Array.from(Buffer.from(good, 'hex')), c],
    ...WRONG_TYPES(c, good),
  ];
}

function pubkeyMutations(good: string): Mutation[] {
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

function signatureMutations(good: string, minLength: number, maxLength: number): Mutation[] {
  const c: ErrorCode = 'INVALID_SIGNATURE';
  return [
    ['empty string', '', c],
    [`${minLength - 1} bytes (below the ${minLength}-byte minimum)`, good.slice(0, 2 * (minLength - 1)), c],
    [`${maxLength + 1} bytes (above the ${maxLength}-byte maximum)`, good + '00'.repeat(maxLength + 1 - good.length / 2), c],
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

function literalMutations(good: string, values: readonly string[]): Mutation[] {
  const c: ErrorCode = 'MESSAGE_INVALID';
  const out: Mutation[] = [
    ['an unknown value', `${good}x`, c],
    ['empty string', '', c],
    ['a trailing space', `${good} `, c],
    ['a number', 0, c],
    ...WRONG_TYPES(c, good),
  ];
  if (good.toUpperCase() !== good && !values.includes(good.toUpperCase())) out.unshift(['in capitals', good.toUpperCase(), c]);
  return out;
}

const SLOT = '\u0000slot\u0000';

/** `parent` with member `k` set to `v`; a JSON-text value makes the whole a JSON text. */
export function withMember(parent: Json, k: string, v: unknown): unknown {
  if (!(v instanceof JsonText)) return { ...parent, [k]: v };
  return new JsonText(JSON.stringify({ ...parent, [k]: SLOT }).replace(JSON.stringify(SLOT), v.text));
}

function nested(prefix: string, parent: Json, k: string, list: readonly Mutation[]): Mutation[] {
  return list.map(([name, v, code]) => [`${prefix}${name}`, withMember(parent, k, v), code]);
}

function tableMutations(table: FieldTable, good: Json): Mutation[] {
  const out: Mutation[] = [];
  for (const [k, kind] of Object.entries(table)) {
    if (kind.kind !== 'optional') out.push([`${k} missing`, Object.fromEntries(Object.entries(good).filter(([n]) => n !== k)), 'MESSAGE_INVALID']);
    out.push(...nested(`${k}: `, good, k, badSpellings(kind, good[k])));
  }
  return out;
}

function sameNames(a: FieldTable, b: FieldTable): boolean {
  return JSON.stringify(Object.keys(a).sort()) === JSON.stringify(Object.keys(b).sort());
}

/**
 * The cases of a checked kind's rule, by the rule's name: values whose every
 * member is well spelt but which the rule refuses, with the structural cases
 * written for this kind before the schema declared it.
 */
export const RULE_CASES: Readonly<Record<string, (good: Json) => Mutation[]>> = {
  'timelock variant': variantMutations,
};

/**
 * The bad spellings of one field, from its valid value.
 * @param kind - the field's kind, from a schema's field table
 * @param good - the field's value in a valid message (its JSON form)
 */
export function badSpellings(kind: FieldKind, good: unknown): Mutation[] {
  const m: ErrorCode = 'MESSAGE_INVALID';
  switch (kind.kind) {
    case 'bytes': return bytesMutations(good as string, kind.length);
    case 'pubkey': return pubkeyMutations(good as string);
    case 'signature': return signatureMutations(good as string, kind.minLength, kind.maxLength);
    case 'sats': return satsMutations(good as string, kind.max);
    case 'int': return intMutations(good as number, kind.min, kind.max);
    case 'literal': return literalMutations(good as string, kind.values);
    case 'optional': return good === undefined ? [] : badSpellings(kind.of, good);
    case 'object': {
      const g = good as Json;
      const out: Mutation[] = WRONG_TYPES(m, g).filter(([n]) => n !== 'an empty object' || Object.values(kind.fields).some((f) => f.kind !== 'optional'));
      out.push(['an extra field', { ...g, extra: 0 }, m]);
      return [...out, ...tableMutations(kind.fields, g)];
    }
    case 'union': {
      const g = good as Json;
      const which = g[kind.tag] as string;
      const table = kind.cases[which]!;
      const out: Mutation[] = [
        ...WRONG_TYPES(m, g),
        ['a string', which, m],
        [`${kind.tag} missing`, Object.fromEntries(Object.entries(g).filter(([n]) => n !== kind.tag)), m],
        [`${kind.tag} in capitals`, { ...g, [kind.tag]: which.toUpperCase() }, m],
        [`an unknown ${kind.tag}`, { ...g, [kind.tag]: `${which}x` }, m],
        [`${kind.tag} as a number`, { ...g, [kind.tag]: 1 }, m],
        ['an extra field', { ...g, extra: 0 }, m],
      ];
      for (const [other, t] of Object.entries(kind.cases)) {
        if (other !== which && !sameNames(t, table)) out.push([`${kind.tag} ${other} with the members of ${which}`, { ...g, [kind.tag]: other }, m]);
      }
      return [...out, ...tableMutations(table, g)];
    }
    case 'oneKey': {
      const g = good as Json;
      const [k] = Object.keys(g) as [string];
      const out: Mutation[] = [...WRONG_TYPES(m, g), ['an unknown member', { unknown: g[k] }, m]];
      for (const other of Object.keys(kind.options)) if (other !== k) out.push([`both ${k} and ${other}`, { ...g, [other]: g[k] }, m]);
      return [...out, ...nested(`${k}: `, g, k, badSpellings(kind.options[k]!, g[k]))];
    }
    case 'array': {
      const g = good as unknown[];
      const out: Mutation[] = [['null', null, m], ['undefined (key present)', undefined, m], ['true', true, m], ['an object', {}, m], ['a string', 'x', m]];
      if (g.length > 0) {
        out.push([`${kind.maxLength + 1} elements`, Array.from({ length: kind.maxLength + 1 }, () => g[0]), m]);
        for (const [name, v, code] of badSpellings(kind.of, g[0])) {
          // An element in JSON text has no member to hold it: its text is spliced into the array's.
          const list = v instanceof JsonText ? new JsonText(`[${v.text}${g.slice(1).map((x) => `,${JSON.stringify(x)}`).join('')}]`) : [v, ...g.slice(1)];
          out.push([`[0]: ${name}`, list, code]);
        }
      }
      return out;
    }
    case 'checked': {
      const own = (RULE_CASES[kind.name] ?? ((): Mutation[] => []))(good as Json);
      const names = new Set(own.map(([n]) => n));
      return [...own, ...badSpellings(kind.of, good).filter(([n]) => !names.has(n))];
    }
  }
}

/** The channel's timelock variant: its rule (a lock the scripts can carry) and the misspellings found by hand. */
function variantMutations(good: Json): Mutation[] {
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
