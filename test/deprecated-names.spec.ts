/**
 * The state counter is `index` in code; the old `state` names stay for one
 * release as deprecated aliases (CHANGELOG). Each old name answers exactly as
 * its new one, and payment params that give the index under both names
 * refuse to guess when the two disagree.
 */
import { expect } from 'chai';
import {
  MAX_INDEX, MAX_SECRET_INDEX, MAX_UPDATE_STATE, RevocationStore, buildReceiverPaymentTx, buildSenderPaymentTx, classifyFundingSpend,
  createReceiverPaymentPsbt, createSenderPaymentPsbt, deriveUpdateSecret, secretIndexOf, updateIndex,
} from '../lib';
import { keys } from './support/keys';
import { channelParams } from './support/channel';
import { codeOf } from './support/errors';
import { openChannel, pay } from './support/parties';

const SEED = new Uint8Array(32).fill(3);

describe('deprecated state names', () => {
  it('MAX_UPDATE_STATE and updateIndex are MAX_SECRET_INDEX and secretIndexOf: an update\'s index maps to the secret index 2^48-1-index', () => {
    expect(MAX_UPDATE_STATE).to.equal(MAX_SECRET_INDEX);
    expect(MAX_SECRET_INDEX).to.equal(MAX_INDEX);
    for (const i of [0n, 1n, 5n, MAX_INDEX]) expect(updateIndex(i)).to.equal(secretIndexOf(i));
    expect(secretIndexOf(5n)).to.equal(MAX_SECRET_INDEX - 5n);
    expect(codeOf(() => updateIndex(-1n))).to.equal(codeOf(() => secretIndexOf(-1n)));
  });

  it('RevocationStore: insertState, getState and coversStatesBelow answer as insertUpdateSecret, getUpdateSecret and coversIndicesBelow', () => {
    const byNew = new RevocationStore();
    const byOld = new RevocationStore();
    for (let i = 0n; i < 10n; i++) {
      byNew.insertUpdateSecret(i, deriveUpdateSecret(SEED, i));
      byOld.insertState(i, deriveUpdateSecret(SEED, i));
    }
    expect(byOld.toJSON()).to.deep.equal(byNew.toJSON());
    for (let i = 0n; i < 12n; i++) {
      expect(byOld.getState(i)).to.deep.equal(byNew.getUpdateSecret(i));
      expect(byOld.coversStatesBelow(i)).to.equal(byNew.coversIndicesBelow(i));
    }
    expect(byNew.coversIndicesBelow(10n)).to.equal(true);
    expect(codeOf(() => byOld.insertState(5n, deriveUpdateSecret(SEED, 5n)))).to.equal('SECRET_STORE_INCONSISTENT');
    expect(codeOf(() => byOld.getState(-1n))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
  });

  describe('payment params: `index`, or `state` as before', () => {
    const { channel } = channelParams({ kind: 'csv', delay: { blocks: 144 } });
    const updateKey = keys.update(7).pub;

    it('the same transaction and PSBT under either name, or both when they agree', () => {
      const sender = buildSenderPaymentTx({ channel, index: 7n, amount: 250_000n, updateKey }).toHex();
      expect(buildSenderPaymentTx({ channel, state: 7n, amount: 250_000n, updateKey }).toHex()).to.equal(sender);
      expect(buildSenderPaymentTx({ channel, index: 7n, state: 7n, amount: 250_000n, updateKey } as never).toHex()).to.equal(sender);
      const receiver = buildReceiverPaymentTx({ channel, index: 7n, amount: 250_000n }).toHex();
      expect(buildReceiverPaymentTx({ channel, state: 7n, amount: 250_000n }).toHex()).to.equal(receiver);
      expect(createSenderPaymentPsbt({ channel, state: 7n, amount: 250_000n, updateKey }).toBase64())
        .to.equal(createSenderPaymentPsbt({ channel, index: 7n, amount: 250_000n, updateKey }).toBase64());
      expect(createReceiverPaymentPsbt({ channel, state: 7n, amount: 250_000n }).toBase64())
        .to.equal(createReceiverPaymentPsbt({ channel, index: 7n, amount: 250_000n }).toBase64());
    });

    it('two that disagree, neither, or one out of range: INVALID_ARGUMENT', () => {
      const both = { channel, index: 7n, state: 8n, amount: 250_000n, updateKey } as never;
      for (const f of [buildSenderPaymentTx, buildReceiverPaymentTx, createSenderPaymentPsbt, createReceiverPaymentPsbt] as ((p: never) => unknown)[]) {
        expect(codeOf(() => f(both))).to.equal('INVALID_ARGUMENT');
        expect(codeOf(() => f({ channel, amount: 250_000n, updateKey } as never))).to.equal('INVALID_ARGUMENT');
        expect(codeOf(() => f({ channel, index: MAX_INDEX + 1n, amount: 250_000n, updateKey } as never))).to.equal('INVALID_ARGUMENT');
        expect(codeOf(() => f({ channel, state: -1n, amount: 250_000n, updateKey } as never))).to.equal('INVALID_ARGUMENT');
      }
    });
  });

  it('Receiver.stateOf is indexOf, and a classified spend carries its index under both names', () => {
    const c = openChannel({ kind: 'csv', delay: { blocks: 144 } });
    for (let i = 0; i < 3; i++) pay(c, 1_000n);
    const tx = c.receiver.latestTransaction()!;
    expect(c.receiver.stateOf(tx)).to.equal(c.receiver.indexOf(tx));
    expect(c.receiver.indexOf(tx)).to.equal(3n);
    const spend = classifyFundingSpend(c.receiver, tx);
    expect(spend).to.deep.equal({ classification: 'receiver-version', index: 3, state: 3 });
  });
});
