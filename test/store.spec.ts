import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChannelError, MemoryChannelStore, Receiver, Sender } from '../lib';
import { FileChannelStore } from '../lib/node';
import { VARIANTS } from './support/channel';
import { openChannel, pay, receiverSecrets, senderSecrets, CHAIN, wire } from './support/parties';

describe('channel stores', () => {
  let dir: string;
  beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-store-')); });
  afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('file store: saves, loads, lists, overwrites atomically and leaves no temporary files', async () => {
    const store = new FileChannelStore(dir);
    expect(await store.load('a')).to.equal(undefined);
    await store.save('a', { n: 1 });
    await store.save('a', { n: 2 });
    await store.save('b', { n: 3 });
    expect(await store.load('a')).to.deep.equal({ n: 2 });
    expect(await store.keys()).to.deep.equal(['a', 'b']);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('refuses keys that could escape the directory, and damaged files', async () => {
    const store = new FileChannelStore(dir);
    for (const k of ['../x', 'a/b', '', 'x'.repeat(129)]) {
      let err: unknown;
      try { await store.save(k, {}); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(ChannelError).with.property('code', 'INVALID_ARGUMENT');
    }
    await fs.writeFile(path.join(dir, 'bad.json'), '{"trunc');
    let err: unknown;
    try { await store.load('bad'); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(ChannelError).with.property('code', 'STATE_INVALID');
  });

  for (const Store of [FileChannelStore, MemoryChannelStore]) {
    it(`${Store.name}: parties saved after every message carry on from what was stored`, async () => {
      const store = Store === FileChannelStore ? new FileChannelStore(dir) : new MemoryChannelStore();
      let { sender, receiver } = openChannel(VARIANTS[2]!.variant);
      for (let i = 0; i < 20; i++) {
        const offer = sender.pay(500n);
        await store.save('s', sender.toJSON());
        receiver = Receiver.restore(await store.load('r') ?? receiver.toJSON(), receiverSecrets);
        const accept = receiver.onOffer(wire(offer), CHAIN);
        await store.save('r', receiver.toJSON());
        sender = Sender.restore(await store.load('s'), senderSecrets);
        const revoke = sender.onAccept(wire(accept));
        await store.save('s', sender.toJSON()); // before the revoke leaves
        receiver = Receiver.restore(await store.load('r'), receiverSecrets);
        receiver.onRevoke(wire(revoke));
        await store.save('r', receiver.toJSON());
      }
      expect(Receiver.restore(await store.load('r'), receiverSecrets).amount).to.equal(10_000n);
      expect(Sender.restore(await store.load('s'), senderSecrets).amount).to.equal(10_000n);
    });
  }

  it('restore refuses damaged state and foreign secrets', () => {
    const c = openChannel(VARIANTS[0]!.variant);
    pay(c, 100n);
    const j = JSON.parse(JSON.stringify(c.receiver.toJSON()));
    expect(() => Receiver.restore({ ...j, phase: 'weird' }, receiverSecrets)).to.throw(ChannelError).with.property('code', 'STATE_INVALID');
    expect(() => Receiver.restore({ ...j, format: 'x' }, receiverSecrets)).to.throw(ChannelError).with.property('code', 'STATE_INVALID');
    expect(() => Sender.restore(c.sender.toJSON(), { ...senderSecrets, fundingKey: receiverSecrets.fundingKey })).to.throw(ChannelError).with.property('code', 'INVALID_KEY');
    // Saved state carries no private key and no seed.
    const text = JSON.stringify(c.sender.toJSON()) + JSON.stringify(c.receiver.toJSON());
    for (const secret of [senderSecrets.fundingKey, senderSecrets.payoutKey, senderSecrets.updateSeed, receiverSecrets.fundingKey, receiverSecrets.revocationKey]) {
      expect(text).not.to.contain(Buffer.from(secret).toString('hex'));
    }
  });
});
