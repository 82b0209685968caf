/**
 * The test-only hashlock templates (fixtures/templates/), registered once per
 * process, and arguments for any template's parameters, so one loop can
 * check every registered template whatever construction brought it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { ScriptTemplate, TemplateArgs, registerTemplate, templateByName } from '../../lib';
import { testKey } from './keys';

const DIR = path.resolve(__dirname, '..', '..', '..', 'fixtures', 'templates');

export const TEST_TEMPLATE_NAMES = ['test-hashlock', 'test-htlc-receiver', 'test-htlc-sender'] as const;
export type TestTemplateName = (typeof TEST_TEMPLATE_NAMES)[number];

/** A test template as data, a fresh object each time. */
export function testTemplateData(name: TestTemplateName): ScriptTemplate {
  return JSON.parse(readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as ScriptTemplate;
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
