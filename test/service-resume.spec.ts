/**
 * Resuming a channel on another connection (demo/service): the seller of
 * the service demo in front of a ReceiverHub on the embedded regtest node.
 * A buyer whose server went away carries on with the same channel on a new
 * connection; a connection that cannot show a channel's resume token gets
 * nothing of it: no state, no chunk, no say in its messages. The resume
 * messages decode strictly.
 */
import { expect } from 'chai';
import WebSocket from 'ws';
import { MemoryChannelStore, derivePublicKey, p2wpkhScript } from '../lib';
import { ReceiverHub, seedKeySource } from '../lib/node';
import { decodeChunkMessage, encodeChunkMessage } from '../examples/pay-per-chunk/chunk-protocol';
import { Transport, socketTransport } from '../examples/pay-per-chunk/transport';
import { ServiceBuyer } from '../demo/service/buyer';
import { fileOf } from '../demo/service/config';
import { decodeResumeMessage, resumeKeyOf, resumeToken } from '../demo/service/resume-protocol';
import { ServiceSeller, startServiceSeller } from '../demo/service/seller';
import { buyerSecrets, bytesOf, keyOf, splitCoins } from '../demo/service/wallet';
import { RegtestNode } from './kit/regtest-node';
import { thrownCode } from './support/errors';

const SEED = 'service resume spec';
const FILE = fileOf({ seed: SEED, chunks: 6, chunkSize: 100, price: '1000' });
const FLEET_SEED = bytesOf(SEED, 'fleet');
const KEY = resumeKeyOf(FLEET_SEED);
const CHANNEL = 'ab'.repeat(32);

async function rawLink(url: string): Promise<Transport> {
  const socket = new WebSocket(url);
  socket.on('error', () => undefined);
  const t = await socketTransport(socket, 10_000);
  expect(decodeChunkMessage(JSON.parse(await t.receive())).type).to.equal('chunk.terms');
  return t;
}

async function ask(t: Transport, m: unknown): Promise<Record<string, unknown>> {
  t.send(JSON.stringify(m));
  return JSON.parse(await t.receive()) as Record<string, unknown>;
}

const request = (index: number) => encodeChunkMessage({ type: 'chunk.request', index });

describe('resuming a channel on another connection (service demo)', function () {
  this.timeout(120_000);
  let node: RegtestNode;
  let hub: ReceiverHub;
  let seller: ServiceSeller;
  let port: number;
  const buyers: ServiceBuyer[] = [];

  before(async () => {
    node = await RegtestNode.start();
    hub = await ReceiverHub.start({
      store: new MemoryChannelStore(), backend: node, keys: seedKeySource(FLEET_SEED), policy: { fundingDepth: 1 },
      watcher: { feeRate: 1000n, destinationScript: p2wpkhScript(derivePublicKey(keyOf(SEED, 'destination'))) },
    });
    seller = await startServiceSeller({ file: FILE, hub, resumeKey: KEY });
    port = Number(new URL(seller.url).port);
    const wallet = await splitCoins(node, keyOf(SEED, 'wallet'), 2, 60_000n);
    for (const [i, coin] of wallet.coins.entries()) {
      const b = new ServiceBuyer({
        urls: [seller.url], first: 0, secrets: buyerSecrets(SEED, i), walletKey: wallet.key, coin, changeScript: wallet.script,
        capacity: 50_000n, maxPrice: 1000n, fileHash: FILE.terms.fileHash, timeoutMs: 10_000,
      });
      await node.broadcast((await b.open()).toBuffer());
      buyers.push(b);
    }
    await node.mine(1);
    for (const b of buyers) await b.buy(2);
  });

  after(async () => {
    await seller?.close();
    await node?.stop();
  });

  it('a buyer whose connection died goes on with its channel on a new one', async () => {
    const [a] = buyers as [ServiceBuyer];
    // Every connection ends; a seller comes back on the same port, over the same hub.
    await seller.close();
    seller = await startServiceSeller({ file: FILE, hub, resumeKey: KEY, port });
    await a.buyChunk(2);
    expect(a.reconnects).to.equal(1);
    expect([...a.chunks].sort()).to.deep.equal([0, 1, 2]);
    expect((await hub.balance(a.channelId!)).amount).to.equal(3000n);
  });

  it('a connection without the channel\'s token learns nothing of it and gets none of its chunks', async () => {
    const [a, b] = buyers as [ServiceBuyer, ServiceBuyer];
    const t = await rawLink(seller.url);
    try {
      // B's token is not A's.
      const wrong = await ask(t, { type: 'resume.hello', channelId: a.channelId, token: resumeToken(KEY, b.channelId!), nonce: 1 });
      expect(wrong).to.include({ type: 'chunk.error', refused: 'resume.hello', code: 'WRONG_CHANNEL' });
      // A token of another fleet's key.
      const foreign = await ask(t, { type: 'resume.hello', channelId: a.channelId, token: resumeToken(resumeKeyOf(bytesOf('other', 'fleet')), a.channelId!), nonce: 2 });
      expect(foreign).to.include({ code: 'WRONG_CHANNEL' });
      const garbled = await ask(t, { type: 'resume.hello', channelId: a.channelId, token: 'zz', nonce: 3 });
      expect(garbled).to.include({ code: 'MESSAGE_INVALID' });
      expect(await ask(t, request(0))).to.include({ type: 'chunk.error', code: 'NO_CHANNEL' });
      // A revchan message for A's channel on a connection that speaks for none.
      expect(await ask(t, { type: 'revoke', version: 1, channelId: a.channelId })).to.include({ code: 'WRONG_CHANNEL' });
    } finally {
      t.close();
    }
  });

  it('a resumed connection gets the stored state and what is paid, and speaks for that channel only', async () => {
    const [a, b] = buyers as [ServiceBuyer, ServiceBuyer];
    const t = await rawLink(seller.url);
    try {
      const state = decodeResumeMessage(await ask(t, { type: 'resume.hello', channelId: b.channelId, token: resumeToken(KEY, b.channelId!), nonce: 7 }));
      expect(state).to.deep.equal({ type: 'resume.state', nonce: 7, channelId: b.channelId, phase: 'open', index: 2, amount: 2000n });
      expect(await ask(t, request(1))).to.include({ type: 'chunk.data', index: 1 });
      expect(await ask(t, request(2))).to.include({ type: 'chunk.error', code: 'NOT_PAID' });
      // Once B's, never A's: neither by resuming nor by a message.
      const other = await ask(t, { type: 'resume.hello', channelId: a.channelId, token: resumeToken(KEY, a.channelId!), nonce: 8 });
      expect(other).to.include({ code: 'WRONG_CHANNEL' });
      expect(await ask(t, { type: 'revoke', version: 1, channelId: a.channelId })).to.include({ code: 'WRONG_CHANNEL' });
      expect(await ask(t, { type: 'open_channel' })).to.include({ code: 'UNEXPECTED_MESSAGE' });
    } finally {
      t.close();
    }
    // Nothing of that changed either channel.
    expect((await hub.balance(a.channelId!)).amount).to.equal(3000n);
    expect((await hub.balance(b.channelId!)).amount).to.equal(2000n);
  });

  it('decodes resume messages strictly', () => {
    const hello = { type: 'resume.hello', channelId: CHANNEL, token: CHANNEL, nonce: 1 };
    const state = { type: 'resume.state', nonce: 1, channelId: CHANNEL, phase: 'open', index: 3, amount: '3000' };
    expect(decodeResumeMessage(hello)).to.deep.equal(hello);
    expect(decodeResumeMessage({ ...state, pendingAmount: '4000' })).to.deep.equal({ ...state, amount: 3000n, pendingAmount: 4000n });
    const bad: [unknown, string][] = [
      [null, 'MESSAGE_INVALID'],
      [[hello], 'MESSAGE_INVALID'],
      [{ ...hello, type: 'resume.other' }, 'MESSAGE_UNKNOWN_TYPE'],
      [{ ...hello, extra: 1 }, 'MESSAGE_INVALID'],
      [{ ...hello, channelId: CHANNEL.toUpperCase() }, 'MESSAGE_INVALID'],
      [{ ...hello, nonce: -1 }, 'MESSAGE_INVALID'],
      [{ ...hello, nonce: 1.5 }, 'MESSAGE_INVALID'],
      [{ type: 'resume.hello', channelId: CHANNEL, nonce: 1 }, 'MESSAGE_INVALID'],
      [{ ...state, amount: 3000 }, 'MESSAGE_INVALID'],
      [{ ...state, amount: '03000' }, 'MESSAGE_INVALID'],
      [{ ...state, phase: 'gone' }, 'MESSAGE_INVALID'],
      [{ ...state, pendingAmount: null }, 'MESSAGE_INVALID'],
    ];
    for (const [json, code] of bad) expect(thrownCode(() => decodeResumeMessage(json)), JSON.stringify(json)).to.equal(code);
  });
});
