/**
 * Hashlock templates through the PSBT path, on the embedded bcoin regtest
 * node (past height 1351, so blocks enforce CLTV): every branch of the
 * test-only hashlock and HTLC templates is signed, given its preimage as a
 * BIP 174 PSBT_IN_SHA256 record, finalized by the branch the transaction can
 * take, refused by the node while its locks are unmet, and then accepted and
 * mined. Around it: a wrong preimage is refused (by addPreimage, by the
 * finalizer when a record lies, and by the node's interpreter when a witness
 * is forced), a locked branch is not chosen, and two satisfiable branches
 * need the caller's choice.
 */
import { expect } from 'chai';
import { Psbt, Transaction } from 'bitcoinjs-lib';
import {
  ChannelError, PSBT_IN_SHA256, ScriptTemplate, TemplateArgs, addPreimage, channelWitness, compileTemplate, extractTransaction,
  finalizePsbt, inputPreimages, p2wpkhScript, p2wshScript, partialSignatures, serializeWitness, signPsbtInput, toHex,
} from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { testKey, TestKey } from './support/keys';
import { codeOf, rejectionOf } from './support/errors';
import { mineTo, readConfirmed } from './support/e2e';
import { verifyInputs } from './support/verify';
import { TEST_TEMPLATE_NAMES, TestTemplateName, registerTestTemplates, testPreimage, testTemplate } from './support/test-templates';

const VALUE = 50_000n;
const FEE = 1_000n;
const DEST = p2wpkhScript(testKey('hashlock destination').pub);
const SEQUENCE_FINAL = 0xffffffff;
const SEQUENCE_LOCKTIME = 0xfffffffe;

let counter = 0;

interface Output {
  readonly template: ScriptTemplate;
  readonly script: Uint8Array;
  readonly keys: Readonly<Record<string, TestKey>>;
  readonly preimage: Uint8Array;
  readonly hash: Uint8Array;
  /** The lock values: absolute (height) and relative (blocks), whichever the template has. */
  readonly absolute: number;
  readonly relative: number;
  readonly txid: string;
  readonly vout: number;
  readonly height: number;
}

/** A fresh output of template `name`, funded and confirmed; its absolute lock `ahead` blocks above the tip, its relative lock `delay` blocks. */
async function fundOutput(node: RegtestNode, name: TestTemplateName, ahead: number, delay: number): Promise<Output> {
  const template = testTemplate(name);
  const label = `hashlock ${name} ${++counter}`;
  const { preimage, hash } = testPreimage(label);
  const absolute = (await node.getTip()).height + ahead;
  const keys: Record<string, TestKey> = {};
  const args: Record<string, TemplateArgs[string]> = {};
  for (const [p, kind] of Object.entries(template.params)) {
    if (kind === 'pubkey') args[p] = (keys[p] = testKey(`${label} ${p}`)).pub;
    else if (kind === 'sha256') args[p] = hash;
    else if (kind === 'absolute_locktime') args[p] = { height: absolute };
    else args[p] = { blocks: delay };
  }
  const script = compileTemplate(template, args);
  const f = await node.fund(p2wshScript(script), VALUE);
  const height = (await node.getTip()).height;
  return { template, script, keys, preimage, hash, absolute, relative: delay, txid: f.txid, vout: f.vout, height };
}

interface SpendFields {
  readonly version?: number;
  readonly locktime?: number;
  readonly sequence?: number;
}

/** The fields that meet a branch's locks: nLockTime at the absolute lock, nSequence at the delay, else final. */
function fieldsFor(o: Output, branch: string): Required<SpendFields> {
  const { nLockTime, nSequence } = o.template.branches[branch]!.locks;
  return {
    version: 2,
    locktime: nLockTime !== undefined ? o.absolute : 0,
    sequence: nSequence !== undefined ? o.relative : nLockTime !== undefined ? SEQUENCE_LOCKTIME : SEQUENCE_FINAL,
  };
}

function spendPsbt(o: Output, f: Required<SpendFields>): Psbt {
  const psbt = new Psbt();
  psbt.setVersion(f.version);
  psbt.setLocktime(f.locktime);
  psbt.addInput({ hash: o.txid, index: o.vout, sequence: f.sequence, witnessUtxo: { script: p2wshScript(o.script), value: VALUE }, witnessScript: o.script });
  psbt.addOutput({ script: DEST, value: VALUE - FEE });
  return psbt;
}

/** A PSBT with the signatures (and the preimage, if `withPreimage`) of the named keys. */
function signedPsbt(o: Output, f: Required<SpendFields>, signers: readonly string[], withPreimage: boolean): Psbt {
  const psbt = spendPsbt(o, f);
  for (const s of signers) signPsbtInput(psbt, 0, o.keys[s]!.priv);
  if (withPreimage) addPreimage(psbt, 0, o.preimage);
  return psbt;
}

function branchSignersOf(o: Output, branch: string): string[] {
  return o.template.branches[branch]!.witness.flatMap((w) => (w.startsWith('<sig ') ? [w.slice(5, -1)] : []));
}

function needsPreimage(o: Output, branch: string): boolean {
  return o.template.branches[branch]!.witness.some((w) => w.startsWith('<preimage '));
}

function witnessOf(tx: Transaction): string[] {
  return tx.ins[0]!.witness.map((w) => toHex(w));
}

/** The height from which the node takes the spend: the later of its locks. */
function matureAt(o: Output, branch: string): { height: number; reason: string } | undefined {
  const { nLockTime, nSequence } = o.template.branches[branch]!.locks;
  const at: { height: number; reason: string }[] = [];
  // Final once nLockTime is below the next block's height; a relative lock once the output has `relative` confirmations in the next block.
  if (nLockTime !== undefined) at.push({ height: o.absolute, reason: 'non-final' });
  if (nSequence !== undefined) at.push({ height: o.height + o.relative - 1, reason: 'non-BIP68-final' });
  return at.sort((a, b) => b.height - a.height)[0];
}

describe('hashlock templates through PSBTs, on a regtest node', function () {
  this.timeout(60_000);
  let node: RegtestNode;

  before(async () => {
    registerTestTemplates();
    node = await RegtestNode.start();
  });

  after(async () => {
    await node?.stop();
  });

  for (const name of TEST_TEMPLATE_NAMES) {
    describe(name, () => {
      for (const branch of Object.keys(testTemplate(name).branches)) {
        it(`the ${branch} branch: chosen as the only satisfiable one, refused by the node until its locks are met, then mined`, async () => {
          const o = await fundOutput(node, name, 6, 9);
          const f = fieldsFor(o, branch);
          const psbt = signedPsbt(o, f, branchSignersOf(o, branch), needsPreimage(o, branch));
          const moved = Psbt.fromBase64(psbt.toBase64());
          expect(channelWitness(moved, 0)!.branch).to.equal(branch);
          const tx = extractTransaction(finalizePsbt(moved));
          verifyInputs(tx.toBuffer(), [{ script: p2wshScript(o.script), value: VALUE }]);
          expect(witnessOf(tx)).to.have.length(o.template.branches[branch]!.witness.length + 1);
          if (needsPreimage(o, branch)) expect(witnessOf(tx)).to.include(toHex(o.preimage));
          const mature = matureAt(o, branch);
          if (mature !== undefined) {
            await mineTo(node, mature.height - 1);
            const err = await rejectionOf(node.broadcast(tx.toBuffer()));
            expect(err.code).to.equal('BROADCAST_REJECTED');
            expect(err.details?.reason).to.equal(mature.reason);
            await node.mine(1);
          }
          expect(await node.broadcast(tx.toBuffer())).to.equal(tx.getId());
          await node.mine(1);
          const confirmed = await readConfirmed(node, tx.getId());
          expect(confirmed.fee).to.equal(FEE);
        });
      }
    });
  }

  describe('test-hashlock: which branch, and which preimage', () => {
    it('with every signature and the preimage but nLockTime below T, the timeout branch is locked and success is taken', async () => {
      const o = await fundOutput(node, 'test-hashlock', 6, 1);
      // nLockTime at the tip: final for the node, below T for the timeout branch.
      expect(o.height).to.be.below(o.absolute);
      const psbt = signedPsbt(o, { version: 2, locktime: o.height, sequence: SEQUENCE_LOCKTIME }, ['A', 'B'], true);
      expect(channelWitness(psbt, 0)!.branch).to.equal('success');
      const tx = extractTransaction(finalizePsbt(psbt));
      expect(witnessOf(tx)[0]).to.equal(toHex(o.preimage));
      expect(await node.broadcast(tx.toBuffer())).to.equal(tx.getId());
    });

    it('a final nSequence turns nLockTime off: the timeout branch is locked even at T', async () => {
      const o = await fundOutput(node, 'test-hashlock', 0, 1);
      const psbt = signedPsbt(o, { version: 2, locktime: o.absolute, sequence: SEQUENCE_FINAL }, ['B'], false);
      expect(codeOf(() => finalizePsbt(psbt))).to.equal('LOCK_NOT_MET');
      expect(partialSignatures(psbt, 0)).to.have.length(1);
    });

    it('two satisfiable branches: BRANCH_AMBIGUOUS and nothing finalized, until the caller names one; each named one is mined', async () => {
      for (const choice of ['timeout', 'success']) {
        const o = await fundOutput(node, 'test-hashlock', 0, 1);
        const psbt = signedPsbt(o, { version: 2, locktime: o.absolute, sequence: SEQUENCE_LOCKTIME }, ['A', 'B'], true);
        const before = psbt.toBase64();
        const err = (() => { try { finalizePsbt(psbt); } catch (e) { return e as ChannelError; } return undefined; })();
        expect(err?.code).to.equal('BRANCH_AMBIGUOUS');
        expect(err?.details).to.deep.equal({ index: 0, branches: ['success', 'timeout'] });
        expect(psbt.toBase64()).to.equal(before);
        expect(codeOf(() => channelWitness(psbt, 0))).to.equal('BRANCH_AMBIGUOUS');
        expect(channelWitness(psbt, 0, choice)!.branch).to.equal(choice);
        const tx = extractTransaction(finalizePsbt(psbt, { branches: { 0: choice } }));
        expect(witnessOf(tx).includes(toHex(o.preimage))).to.equal(choice === 'success');
        expect(await node.broadcast(tx.toBuffer())).to.equal(tx.getId());
        await node.mine(1);
      }
    });

    it('a named branch must be satisfiable and exist; options must name template inputs', async () => {
      const o = await fundOutput(node, 'test-hashlock', 6, 1);
      const psbt = signedPsbt(o, { version: 2, locktime: o.absolute - 1, sequence: SEQUENCE_LOCKTIME }, ['B'], false);
      const before = psbt.toBase64();
      expect(codeOf(() => finalizePsbt(psbt))).to.equal('LOCK_NOT_MET');
      expect(codeOf(() => finalizePsbt(psbt, { branches: { 0: 'timeout' } }))).to.equal('LOCK_NOT_MET');
      expect(codeOf(() => finalizePsbt(psbt, { branches: { 0: 'success' } }))).to.equal('PSBT_INCOMPLETE');
      expect(codeOf(() => finalizePsbt(psbt, { branches: { 0: 'refund' } }))).to.equal('TEMPLATE_ARGUMENT');
      expect(codeOf(() => finalizePsbt(psbt, { branches: { 1: 'timeout' } }))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => finalizePsbt(psbt, { branches: { 0: 7 as never } }))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => finalizePsbt(psbt, { branches: 'timeout' as never }))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => finalizePsbt(psbt, null as never))).to.equal('INVALID_ARGUMENT');
      expect(psbt.toBase64()).to.equal(before);
    });

    it('no signature of any branch: PSBT_INCOMPLETE, as before', async () => {
      const o = await fundOutput(node, 'test-hashlock', 6, 1);
      const psbt = spendPsbt(o, { version: 2, locktime: 0, sequence: SEQUENCE_FINAL });
      addPreimage(psbt, 0, o.preimage);
      expect(codeOf(() => finalizePsbt(psbt))).to.equal('PSBT_INCOMPLETE');
    });

    it('the preimage travels as a PSBT_IN_SHA256 record (0x0b, the hash, the preimage), survives encoding and combining, and is cleared by finalizing', async () => {
      const o = await fundOutput(node, 'test-hashlock', 6, 1);
      const signed = signedPsbt(o, fieldsFor(o, 'success'), ['A'], false);
      const withPreimage = spendPsbt(o, fieldsFor(o, 'success'));
      addPreimage(withPreimage, 0, o.preimage);
      addPreimage(withPreimage, 0, o.preimage); // the same record again changes nothing
      // key length 33, key 0x0b || hash, value length 32, value: as BIP 174 writes a key-value pair.
      expect(toHex(withPreimage.toBuffer())).to.contain(`21${toHex(Uint8Array.from([PSBT_IN_SHA256]))}${toHex(o.hash)}20${toHex(o.preimage)}`);
      const combined = Psbt.fromBase64(signed.toBase64()).combine(Psbt.fromBase64(withPreimage.toBase64()));
      expect(inputPreimages(combined, 0).map((p) => toHex(p.hash))).to.deep.equal([toHex(o.hash)]);
      finalizePsbt(combined);
      expect(combined.data.inputs[0]!.unknownKeyVals ?? []).to.deep.equal([]);
      expect(inputPreimages(combined, 0)).to.deep.equal([]);
      const tx = extractTransaction(combined);
      expect(await node.broadcast(tx.toBuffer())).to.equal(tx.getId());
    });

    it('a wrong preimage is refused by addPreimage, by the finalizer when a record lies, and by the node when the witness is forced', async () => {
      const o = await fundOutput(node, 'test-hashlock', 6, 1);
      const psbt = signedPsbt(o, fieldsFor(o, 'success'), ['A'], false);
      const wrong = testPreimage('not the one').preimage;
      const before = psbt.toBase64();
      expect(codeOf(() => addPreimage(psbt, 0, wrong))).to.equal('PREIMAGE_MISMATCH');
      expect(codeOf(() => addPreimage(psbt, 0, Uint8Array.from([...o.preimage, 0])))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => addPreimage(psbt, 1, o.preimage))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => addPreimage({} as Psbt, 0, o.preimage))).to.equal('PSBT_INVALID');
      expect(codeOf(() => inputPreimages({} as Psbt, 0))).to.equal('PSBT_INVALID');
      expect(psbt.toBase64()).to.equal(before);

      // Another tool's PSBT whose record under H holds something else.
      const lying = Psbt.fromBase64(psbt.toBase64());
      lying.data.inputs[0]!.unknownKeyVals = [{ key: Uint8Array.from([PSBT_IN_SHA256, ...o.hash]), value: wrong }];
      const lyingBefore = lying.toBase64();
      expect(codeOf(() => finalizePsbt(lying))).to.equal('PREIMAGE_MISMATCH');
      expect(lying.toBase64()).to.equal(lyingBefore);

      // The script itself refuses it: a witness built by hand with the wrong preimage.
      const forcedPsbt = Psbt.fromBase64(before);
      const sigA = partialSignatures(forcedPsbt, 0)[0]!.signature;
      forcedPsbt.finalizeInput(0, () => ({ finalScriptSig: undefined, finalScriptWitness: serializeWitness([wrong, sigA, o.script]) }));
      const forced = forcedPsbt.extractTransaction();
      const err = await rejectionOf(node.broadcast(forced.toBuffer()));
      expect(err.code).to.equal('BROADCAST_REJECTED');
      expect(String(err.details?.reason)).to.match(/script-verify-flag/);

      addPreimage(psbt, 0, o.preimage);
      const tx = extractTransaction(finalizePsbt(psbt));
      expect(await node.broadcast(tx.toBuffer())).to.equal(tx.getId());
    });
  });

  describe('htlc-offered-receiver: the success branch needs its delay', () => {
    it('with nSequence final the success branch is locked (LOCK_NOT_MET); at the delay it is taken', async () => {
      const o = await fundOutput(node, 'htlc-offered-receiver', 20, 3);
      const locked = signedPsbt(o, { version: 2, locktime: 0, sequence: SEQUENCE_FINAL }, ['R_h'], true);
      expect(codeOf(() => finalizePsbt(locked))).to.equal('LOCK_NOT_MET');
      const v1 = signedPsbt(o, { version: 1, locktime: 0, sequence: 3 }, ['R_h'], true);
      expect(codeOf(() => finalizePsbt(v1))).to.equal('LOCK_NOT_MET');
      const ok = signedPsbt(o, { version: 2, locktime: 0, sequence: 3 }, ['R_h'], true);
      expect(channelWitness(ok, 0)!.branch).to.equal('success');
      expect(witnessOf(extractTransaction(finalizePsbt(ok)))[2]).to.equal('01');
    });
  });
});
