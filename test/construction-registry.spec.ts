/**
 * A construction is one folder and one registration: the toy construction of
 * test/constructions/toy (a template, a message and an inspector, nothing
 * outside its folder) is registered with registerConstruction, and inspect,
 * decodeMessage, encodeMessage and the PSBT finalizer pick it up; the
 * revocable construction's answers do not change; a construction that clashes
 * is refused whole. The registration happens in a child process
 * (support/construction-child.ts), so the other specs see only the
 * package's own constructions.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect } from 'chai';
import { registeredConstructions } from '../lib';

const CHILD = path.join(__dirname, 'support', 'construction-child.js');

interface ChildReport {
  before: { constructions: string[]; inspect: string; decode: string; decodeOf: string };
  after: {
    constructions: string[]; found: boolean; templateRegistered: boolean; kind: string; kindLabel: string; certain: boolean;
    branch: string; missing: string[]; outputRole: string; text: string;
    decoded: { type: string; vaultId: string; preimage: string }; reencoded: Record<string, unknown>; decodeOf: string;
    finalKind: string; finalComplete: boolean; revocableStill: string;
  };
  refusals: { again: string; clash: string; clashMessage: string; kindTaken: string; notAConstruction: string; constructions: string[] };
}

describe('the construction registry', () => {
  let report: ChildReport;

  before(() => {
    const r = spawnSync(process.execPath, ['--enable-source-maps', CHILD], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    report = JSON.parse(r.stdout) as ChildReport;
  });

  it('the package registers the constructions it ships, in the order of their lines: revocable, spillman, decreasing, then duplex', () => {
    expect(registeredConstructions().map((c) => c.name)).to.deep.equal(['revocable', 'spillman', 'decreasing', 'duplex']);
    expect(report.before.constructions).to.deep.equal(['revocable', 'spillman', 'decreasing', 'duplex']);
  });

  it('before its registration, the toy construction\'s transaction and message are nobody\'s', () => {
    expect(report.before.inspect).to.equal('NOT_A_CHANNEL_TX');
    expect(report.before.decode).to.equal('MESSAGE_UNKNOWN_TYPE');
    expect(report.before.decodeOf).to.equal('INVALID_ARGUMENT');
  });

  it('once registered, inspect asks its inspector: kind, label, branch, signers and roles are the construction\'s', () => {
    const a = report.after;
    expect(a.constructions).to.deep.equal(['revocable', 'spillman', 'decreasing', 'duplex', 'toy']);
    expect(a.found).to.equal(true);
    expect(a.templateRegistered).to.equal(true);
    expect([a.kind, a.kindLabel, a.certain, a.branch, a.outputRole]).to.deep.equal(['toy-claim', 'toy vault claim', true, 'claim', 'claimant']);
    expect(a.missing).to.deep.equal(['K: claimant\'s key']);
    expect(a.text).to.match(/^toy vault claim {2}\[PSBT, 1 input, 1 output\]\n/);
    expect(a.text).to.contain('toy-vault template: and_v(v:sha256(H),pk(K))');
    expect(a.text).to.match(/H {11}[0-9a-f]{64} {2}hash whose preimage opens the vault/);
    expect(a.text).to.contain('variant     none: a toy vault has no timeout');
  });

  it('decodeMessage, decodeMessageOf and encodeMessage dispatch on its message', () => {
    expect(report.after.decodeOf).to.equal('ok');
    expect(report.after.decoded).to.deep.equal({ type: 'toy_claim', vaultId: '11'.repeat(32), preimage: report.after.decoded.preimage });
    expect(report.after.decoded.preimage).to.match(/^[0-9a-f]{64}$/);
    expect(report.after.reencoded).to.deep.equal({ type: 'toy_claim', version: 1, vaultId: '11'.repeat(32), preimage: report.after.decoded.preimage });
  });

  it('the finalizer spends its template through its branch, and inspect reads the signed transaction', () => {
    expect(report.after.finalKind).to.equal('toy-claim');
    expect(report.after.finalComplete).to.equal(true);
  });

  it('the revocable construction still answers for its own transactions', () => {
    expect(report.after.revocableStill).to.equal('penalty');
  });

  it('refuses a second registration, a template that could match another\'s scripts, a kind another has, and a non-construction, registering none of it', () => {
    const r = report.refusals;
    expect(r.again).to.equal('INVALID_ARGUMENT');
    expect(r.clash).to.equal('TEMPLATE_AMBIGUOUS');
    expect(r.clashMessage).to.equal('MESSAGE_UNKNOWN_TYPE');
    expect(r.kindTaken).to.equal('INVALID_ARGUMENT');
    expect(r.notAConstruction).to.equal('INVALID_ARGUMENT');
    expect(r.constructions).to.deep.equal(['revocable', 'spillman', 'decreasing', 'duplex', 'toy']);
  });
});
