/**
 * Corpus of malformed wire messages: for each of the revocable construction's
 * message schemas (another construction's are its own corpus's, as
 * ./constructions.ts says), the valid JSON of its first message in a real
 * channel run with one field
 * removed, added, retyped, truncated, lengthened, or set to a non-canonical
 * spelling (the kind's spellings, ./spellings.ts, from the schema's field
 * table); plus envelope-level cases common to every type (wire.json).
 */
import { ErrorCode, Message, REVOCABLE_MESSAGES, encodeMessage } from '../../../lib';
import type { MessageSchema } from '../../../lib/protocol/schema';
import { FieldKind } from '../../../lib/protocol/fields';
import { DELETE, JsonText, Nested, Ref } from '../../support/bad-inputs-codec';
import { CaseSpec, FileSpec } from './format';
import { CLTV, CSV, runScenario } from './scenario';
import { badSpellings, withMember as withField } from './spellings';

type Json = Record<string, unknown>;

/** The JSON text of `base` with one more member appended (a duplicate key, a __proto__ key). */
function withMember(base: Record<string, unknown>, member: string): JsonText {
  const text = JSON.stringify(base);
  return new JsonText(`${text.slice(0, -1)},${member}}`);
}

/** The union a field is (or checks), whose tag tells one baseline's value from another's. */
function unionOf(kind: FieldKind): { tag: string } | undefined {
  if (kind.kind === 'union') return kind;
  if (kind.kind === 'checked') return unionOf(kind.of);
  return undefined;
}

/** The first message of each type in the run, as JSON. */
function firstOfEach(messages: Readonly<Record<string, Message>>): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const msg of Object.values(messages)) if (!out.has(msg.type)) out.set(msg.type, encodeMessage(msg));
  return out;
}

/** The plain channel run's first message of each type, as JSON, and the schemas of the types it sends. */
export function plainMessages(): { wire: Map<string, Json>; cltv: Map<string, Json>; schemas: readonly MessageSchema[] } {
  const wire = firstOfEach(runScenario(CSV).messages);
  const cltv = firstOfEach(runScenario(CLTV).messages);
  // A plain channel sends no fulfill or fail: those, and the HTLC members of the others, are test/constructions/revocable-htlc/corpus.ts's.
  return { wire, cltv, schemas: REVOCABLE_MESSAGES.filter((s) => wire.has(s.type)) };
}

export function messageFiles(): FileSpec[] {
  const { wire, cltv, schemas } = plainMessages();
  const baselines: Record<string, unknown> = {};
  for (const s of schemas) {
    const good = wire.get(s.type);
    if (good === undefined) throw new Error(`the channel run sends no ${s.type}: the corpus has no baseline for it`);
    baselines[s.type] = good;
  }
  // A run of the other variant gives a second baseline of a type where a union field takes another case: `${type}_${case}`.
  const alternates: { name: string; type: string; field: string; label: string }[] = [];
  for (const s of schemas) {
    const other = cltv.get(s.type);
    if (other === undefined) continue;
    for (const [f, kind] of Object.entries(s.fields)) {
      const u = unionOf(kind);
      if (u === undefined) continue;
      const tag = (other[f] as Json)[u.tag];
      if (tag === ((baselines[s.type] as Json)[f] as Json)[u.tag]) continue;
      const name = `${s.type}_${String(tag)}`;
      baselines[name] = other;
      alternates.push({ name, type: s.type, field: f, label: `${String(tag).toUpperCase()} ${f}` });
    }
  }

  const files: FileSpec[] = schemas.map((schema) => schemaFile({ schema, baselines, peers: schemas, alternates }));
  files.push(wireFile(baselines));
  return files;
}

/** A second baseline of a type, `name`, whose union `field` takes another case than the type's own baseline. */
export interface Alternate {
  readonly name: string;
  readonly type: string;
  readonly field: string;
  readonly label: string;
}

/**
 * The file of one schema: its baseline (named by the type) with each field
 * missing, respelt and duplicated, its alternates' union fields respelt, and
 * a valid message of each peer type refused by its decoder.
 */
export function schemaFile(o: {
  readonly schema: MessageSchema;
  readonly baselines: Record<string, unknown>;
  readonly peers: readonly MessageSchema[];
  readonly alternates: readonly Alternate[];
}): FileSpec {
  const { schema, baselines, alternates } = o;
  const schemas = o.peers;
  {
    const type = schema.type;
    const good = baselines[type] as Json;
    const target = `decoders.${type}`;
    const cases: CaseSpec[] = [];
    const add = (name: string, input: unknown, expect: ErrorCode, t = target) => cases.push({ name, target: t, input: [input], expect });
    const fields = schema.fields;
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
    for (const [f, kind] of Object.entries(fields)) {
      if (kind.kind !== 'optional') add(`${f} missing`, new Ref(type, { [f]: DELETE }), 'MESSAGE_INVALID');
      const spellings = badSpellings(kind, good[f]);
      for (const [name, value, code] of spellings) {
        const v = withField(good, f, value);
        add(`${f}: ${name}`, v instanceof JsonText ? v : new Ref(type, { [f]: value }), code);
      }
      // The last of duplicate keys wins in JSON.parse: a bad duplicate after a good one is refused.
      const bad = spellings.find(([, v]) => typeof v === 'string' || typeof v === 'number');
      if (bad) add(`${f}: a duplicate key whose last value is bad (${bad[0]})`, withMember(good, `${JSON.stringify(f)}:${JSON.stringify(bad[1])}`), bad[2]);
    }
    for (const alt of alternates.filter((a) => a.type === type)) {
      for (const [name, value, code] of badSpellings(fields[alt.field]!, (baselines[alt.name] as Json)[alt.field])) {
        const v = withField(baselines[alt.name] as Json, alt.field, value);
        add(`${alt.label}: ${name}`, v instanceof JsonText ? v : new Ref(alt.name, { [alt.field]: value }), code);
      }
    }
    // A valid message of every other type: refused by this type's decoders, and as a retyped message by all.
    for (const { type: other, fields: otherFields } of schemas) {
      if (other === type) continue;
      add(`a valid ${other} message`, new Ref(other), 'UNEXPECTED_MESSAGE');
      cases.push({ name: `a valid ${other} message`, target: 'decodeMessageOf', input: [new Ref(other), type], expect: 'UNEXPECTED_MESSAGE' });
      const sameFields = JSON.stringify(Object.keys(otherFields).sort()) === JSON.stringify(Object.keys(fields).sort());
      if (!sameFields) add(`the fields of ${other} under type ${type}`, new Ref(other, { type }), 'MESSAGE_INVALID');
    }
    return {
      file: `messages-${type.replace(/_/g, '-')}.json`,
      description: `${type}: every field missing, retyped, truncated, lengthened or non-canonical; through decoders.${type}, decodeMessageOf and decodeMessage`,
      baselines,
      valid: [
        { name: `the valid ${type}`, target, input: [new Ref(type)] },
        { name: `the valid ${type}`, target: 'decodeMessageOf', input: [new Ref(type), type] },
        { name: `the valid ${type}`, target: 'decodeMessage', input: [new Ref(type)] },
        ...alternates.filter((a) => a.type === type).map((a) => ({ name: `the valid ${a.label.split(' ')[0]} ${type}`, target, input: [new Ref(a.name)] })),
      ],
      cases,
    };
  }
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
