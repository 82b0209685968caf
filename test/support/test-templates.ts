/**
 * The hashlock templates the tests loop over: the test-only hashlock
 * (fixtures/templates/), registered once per process, and the revocable
 * construction's two HTLC templates (scripts-templates/revocable/), which the
 * package registers; and arguments for any template's parameters, so one loop
 * can check every registered template whatever construction brought it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { ScriptTemplate, TemplateArgs, registerTemplate, templateByName } from '../../lib';
import { testKey } from './keys';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FILES: Readonly<Record<string, string>> = {
  'test-hashlock': path.join(ROOT, 'fixtures', 'templates', 'test-hashlock.json'),
  'htlc-offered-receiver': path.join(ROOT, 'scripts-templates', 'revocable', 'htlc-offered-receiver.json'),
  'htlc-offered-sender': path.join(ROOT, 'scripts-templates', 'revocable', 'htlc-offered-sender.json'),
};

export const TEST_TEMPLATE_NAMES = ['test-hashlock', 'htlc-offered-receiver', 'htlc-offered-sender'] as const;
export type TestTemplateName = (typeof TEST_TEMPLATE_NAMES)[number];

/** A test template as data, a fresh object each time. */
export function testTemplateData(name: TestTemplateName): ScriptTemplate {
  return JSON.parse(readFileSync(FILES[name]!, 'utf8')) as ScriptTemplate;
}

/** The registered test template, registering it on first use. */
export function testTemplate(name: TestTemplateName): ScriptTemplate {
  return templateByName(name) ?? registerTemplate(testTemplateData(name));
}

export function registerTestTemplates(): void {
  for (const n of TEST_TEMPLATE_NAMES) testTemplate(n);
}

/** A 32-byte preimage from a label, and its SHA-256. */
export function testPreimage(label: string): { preimage: Uint8Array; hash: Uint8Array } {
  const preimage = Uint8Array.from(createHash('sha256').update(`revchan test preimage ${label}`).digest());
  return { preimage, hash: Uint8Array.from(createHash('sha256').update(preimage).digest()) };
}

export interface SampleLocks {
  readonly absolute: { height: number } | { time: number };
  readonly relative: { blocks: number };
}

/** Deterministic arguments for every parameter of a template: keys and hashes from `label`, locks as given. */
export function sampleArgs(t: ScriptTemplate, label: string, locks: SampleLocks): TemplateArgs {
  const args: Record<string, TemplateArgs[string]> = {};
  for (const [name, kind] of Object.entries(t.params)) {
    switch (kind) {
      case 'pubkey': args[name] = testKey(`${label} ${t.name} ${name}`).pub; break;
      case 'sha256': args[name] = testPreimage(`${label} ${t.name} ${name}`).hash; break;
      case 'absolute_locktime': args[name] = locks.absolute; break;
      case 'relative_locktime': args[name] = locks.relative; break;
    }
  }
  return args;
}
