/**
 * What a construction's corpus (test/constructions/<name>/corpus.ts) builds
 * its files with: a case list over the construction's baselines, and the
 * message files every construction has, one per schema, each field missing,
 * retyped or non-canonical through the construction's strict decoder.
 */
import type { ErrorCode } from '../../../lib';
import { encodeMessage } from '../../../lib';
import type { MessageSchema } from '../../../lib/protocol/schema';
import { DELETE, JsonText, Ref } from '../../support/bad-inputs-codec';
import { CaseSpec, FileSpec, ValidSpec } from './format';
import { badSpellings, withMember } from './spellings';

/** One file's cases: refusals with their codes and valid calls, over the given baselines. */
export class Cases {
  readonly cases: CaseSpec[] = [];
  readonly valid: ValidSpec[] = [];
  constructor(private readonly baselines: Record<string, unknown>) {}
  bad(target: string, name: string, input: unknown[], expect: ErrorCode): void {
    if (this.cases.some((c) => c.target === target && c.name === name)) throw new Error(`${target}: two cases named ${name}`);
    this.cases.push({ name, target, input, expect });
  }
  ok(target: string, name: string, input: unknown[]): void {
    this.valid.push({ name, target, input });
  }
  file(file: string, description: string): FileSpec {
    return { file, description, baselines: this.baselines, valid: this.valid, cases: this.cases };
  }
}

/** A construction's message files: `<prefix>-messages-<type>.json`, the baseline of each type named by the type. */
export function messageFiles(o: {
  readonly schemas: readonly MessageSchema[];
  readonly messages: ReadonlyMap<string, Record<string, unknown>>;
  readonly baselines: Record<string, unknown>;
  /** The decoder's export name, the files' target. */
  readonly decoder: string;
  /** The files' name prefix: the construction's. */
  readonly prefix: string;
}): FileSpec[] {
  const files: FileSpec[] = [];
  const revocable = encodeMessage({ type: 'accept', channelId: new Uint8Array(32), index: 1, sig: new Uint8Array(71).fill(0x30) });
  for (const schema of o.schemas) {
    const type = schema.type;
    const good = o.messages.get(type);
    if (good === undefined) throw new Error(`no baseline of ${type}`);
    const c = new Cases(o.baselines);
    const t = o.decoder;
    c.ok(t, `the valid ${type}`, [new Ref(type)]);
    c.bad(t, 'type missing', [new Ref(type, { type: DELETE })], 'MESSAGE_UNKNOWN_TYPE');
    c.bad(t, 'version 2', [new Ref(type, { version: 2 })], 'MESSAGE_UNSUPPORTED_VERSION');
    c.bad(t, 'an extra field', [new Ref(type, { memo: 'hi' })], 'MESSAGE_INVALID');
    c.bad(t, 'a valid message of the revocable construction', [revocable], 'UNEXPECTED_MESSAGE');
    for (const [f, kind] of Object.entries(schema.fields)) {
      if (kind.kind !== 'optional') c.bad(t, `${f} missing`, [new Ref(type, { [f]: DELETE })], 'MESSAGE_INVALID');
      for (const [name, value, code] of badSpellings(kind, good[f])) {
        const v = withMember(good, f, value);
        c.bad(t, `${f}: ${name}`, [v instanceof JsonText ? v : new Ref(type, { [f]: value })], code);
      }
    }
    files.push(c.file(`${o.prefix}-messages-${type.replace(/_/g, '-')}.json`, `${type}: every field missing, retyped or non-canonical, through ${o.decoder}`));
  }
  return files;
}
