/**
 * The pay-per-chunk example (examples/pay-per-chunk/) end to end on the
 * embedded regtest node: its WebSocket server in front of a ReceiverHub, and
 * its Node buyer funding from a wallet coin. A buyer that pays for every
 * chunk gets the file and closes cooperatively; one that broadcasts a
 * revoked version loses the channel to the hub's watcher; a request that no
 * final payment covers gets no bytes.
 */
import { expect } from 'chai';
import { Transaction } from 'bitcoinjs-lib';
import { ChannelError, MemoryChannelStore, Sender, decodeMessageOf, encodeMessage, payStep, toHex } from '../lib';
import WebSocket from 'ws';
import { ChunkBuyer } from '../examples/pay-per-chunk/buyer';
import { ChunkError, decodeChunkMessage, encodeChunkMessage } from '../examples/pay-per-chunk/chunk-protocol';
import { FileForSale } from '../examples/pay-per-chunk/file-for-sale';
import { connectBuyer } from '../examples/pay-per-chunk/node-client';
import { startChunkServer } from '../examples/pay-per-chunk/server';
import { Transport, socketTransport } from '../examples/pay-per-chunk/transport';
import { RegtestNode } from './kit/regtest-node';
import {
  CHUNKS, CHUNK_SIZE, FILE_BYTES, PRICE, Seller, buyerKeys, buyerOptions, checkCloseOnChain, sellerDatabase, startSeller, walletCoin,
} from './support/pay-per-chunk';

async function rejected(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return e as ChannelError;
  }
  throw new Error('expected a ChannelError');
}

async function rawLink(url: string): Promise<Transport> {
  const socket = new WebSocket(url);
  socket.on('error', () => undefined);
  return socketTransport(socket, 10_000);
}

/** Sends a chunk request and reads the answer. */
async function request(t: Transport, index: number): Promise<ReturnType<typeof decodeChunkMessage>> {
  t.send(JSON.stringify(encodeChunkMessage({ type: 'chunk.request', index })));
  return decodeChunkMessage(JSON.parse(await t.receive()));
}

describe('pay-per-chunk example on a regtest node', function () {
  this.timeout(60_000);
  let node: RegtestNode;
  let seller: Seller;
  let database: Awaited<ReturnType<typeof sellerDatabase>> | undefined;

  before(async () => {
    [node, database] = await Promise.all([RegtestNode.start(), sellerDatabase()]);
    seller = await startSeller(node, database.store);
  });

  after(async () => {
    await seller?.stop();
    await database?.close();
    await node?.stop();
  });

  it(`a Node buyer pays for each of ${CHUNKS} chunks, gets the file, and the cooperative close pays both sides on chain`, async () => {
    const keys = buyerKeys('whole file');
    const buyer = await connectBuyer(seller.server.url, buyerOptions(node, keys, await walletCoin(node, keys)));
    const r = await buyer.buyFile();

    expect(r.chunks).to.equal(CHUNKS);
    expect(toHex(r.bytes)).to.equal(toHex(FILE_BYTES));
    const paid = PRICE * BigInt(CHUNKS);
    // Both sides: the buyer's final total and the hub's, as stored.
    expect(r.paid).to.equal(paid);
    const balance = await seller.hub.balance(buyer.channelId!);
    expect(balance.amount).to.equal(paid);
    expect(balance.pendingAmount).to.equal(undefined);
    const payments = seller.events.filter((e) => e.kind === 'payment' && e.channelId === buyer.channelId);
    expect(payments.map((e) => (e as { amount: bigint }).amount)).to.deep.equal(Array.from({ length: CHUNKS }, (_, i) => PRICE * BigInt(i + 1)));

    await checkCloseOnChain(node, { closeTxid: r.closeTxid, fundingTxid: r.fundingTxid, paid, buyerPayout: keys.payout });
    const closed = seller.events.filter((e) => e.kind === 'closed' && e.channelId === buyer.channelId);
    expect(closed).to.deep.include({ kind: 'closed', channelId: buyer.channelId, how: 'cooperative', txid: r.closeTxid });
  });

  it('a seller that sends another chunk than its hash names is paid for that chunk and no more: the buyer stops and closes at what it paid', async () => {
    // The same hub, behind a server whose file gives zeros for chunk 2.
    const tampered: FileForSale = { terms: seller.file.terms, chunk: (i) => (i === 2 ? new Uint8Array(CHUNK_SIZE) : seller.file.chunk(i)) };
    const cheat = await startChunkServer({ file: tampered, hub: seller.hub });
    try {
      const keys = buyerKeys('cheated');
      const buyer = await connectBuyer(cheat.url, buyerOptions(node, keys, await walletCoin(node, keys)));
      const e = await rejected(buyer.buyFile());
      expect(e.code).to.equal('MESSAGE_INVALID');
      expect(e.action).to.equal('close');
      expect(e.details).to.include({ field: 'data', index: 2 });
      // Chunk 2 was paid before it came (that is the protocol); nothing after it was.
      expect(buyer.paid).to.equal(3n * PRICE);
      expect((await seller.hub.balance(buyer.channelId!)).amount).to.equal(3n * PRICE);
      const closed = seller.events.find((x) => x.kind === 'closed' && x.channelId === buyer.channelId) as { how: string; txid: string } | undefined;
      expect(closed?.how).to.equal('cooperative');
      const r = (await seller.hub.balance(buyer.channelId!)).funding!;
      await checkCloseOnChain(node, { closeTxid: closed!.txid, fundingTxid: r.txid, paid: 3n * PRICE, buyerPayout: keys.payout });
    } finally {
      await cheat.close();
    }
  });

  it('a buyer that broadcasts a revoked version loses the channel: the hub\'s watcher claims it and reports the penalty confirmed', async () => {
    const keys = buyerKeys('cheater');
    const store = new MemoryChannelStore();
    const buyer = await connectBuyer(seller.server.url, buyerOptions(node, keys, await walletCoin(node, keys), store));
    await buyer.open();
    await buyer.buyChunk(0);
    // The cheater keeps a copy of its state after one payment...
    const old = await store.load('buyer');
    for (let i = 1; i < 4; i++) await buyer.buyChunk(i);
    // ...and broadcasts that version, revoked since.
    const revoked = Sender.restore(old, keys.secrets).latestTransaction();
    await node.broadcast(revoked.toBuffer());
    const id = buyer.channelId!;
    const penalties = () => seller.events.filter((e) => e.kind === 'penalty' && e.channelId === id) as Extract<typeof seller.events[number], { kind: 'penalty' }>[];
    for (let i = 0; i < 6 && !penalties().some((e) => e.stage === 'confirmed'); i++) {
      await node.mine(1);
      await seller.hub.poll();
    }
    const confirmed = penalties().find((e) => e.stage === 'confirmed');
    expect(confirmed, 'penalty confirmed').to.not.equal(undefined);
    expect(penalties().find((e) => e.stage === 'broadcast')?.txid).to.equal(confirmed!.txid);

    // On chain: the claim spends the revoked version's outputs and pays the seller's destination alone.
    const got = await node.getTransaction(confirmed!.txid);
    expect(got?.blockHeight).to.be.a('number');
    const claim = Transaction.fromBuffer(got!.tx);
    expect(claim.ins.every((i) => Buffer.from(i.hash).reverse().toString('hex') === revoked.getId())).to.equal(true);
    expect(claim.outs).to.have.length(1);
    expect(claim.outs[0]!.script).to.deep.equal(seller.destination);
    const revokedValue = revoked.outs.reduce((s, o) => s + o.value, 0n);
    expect(claim.outs[0]!.value > revokedValue - 5_000n).to.equal(true);
    expect(seller.events).to.deep.include({ kind: 'closed', channelId: id, how: 'revoked-sender-version', txid: revoked.getId() });

    // The channel takes no more payments: the next chunk is not sold.
    expect((await rejected(buyer.buyChunk(4))).code).to.equal('CHANNEL_CLOSED');
  });

  it('a chunk request that no final payment covers gets no bytes: no channel, unpaid, accepted but not revoked, beyond the paid ones', async () => {
    const keys = buyerKeys('unpaid');
    const store = new MemoryChannelStore();
    const link = await rawLink(seller.server.url);
    const buyer = await ChunkBuyer.connect({ ...buyerOptions(node, keys, await walletCoin(node, keys), store), transport: link });
    const refusedWith = async (index: number, code: string) => {
      const m = await request(link, index);
      expect(m.type, `chunk ${index}`).to.equal('chunk.error');
      expect((m as ChunkError).code).to.equal(code);
      expect((m as ChunkError).index).to.equal(index);
    };

    await refusedWith(0, 'NO_CHANNEL');
    await buyer.open();
    await node.mine(1);
    await refusedWith(0, 'NOT_PAID');

    // An offer the seller accepted is not a payment until the buyer revokes: still no bytes.
    const sender = Sender.restore(await store.load('buyer'), keys.secrets);
    const step = payStep(sender, PRICE);
    await store.save('buyer', step.save);
    link.send(JSON.stringify(encodeMessage(step.send!)));
    const accept = JSON.parse(await link.receive()) as { type: string };
    expect(accept.type).to.equal('accept');
    await refusedWith(0, 'NOT_PAID');
    expect((await seller.hub.balance(buyer.channelId!)).amount).to.equal(0n);

    // Another connection cannot spend this channel's payments.
    const other = await rawLink(seller.server.url);
    expect(decodeChunkMessage(JSON.parse(await other.receive())).type).to.equal('chunk.terms');
    const m = await request(other, 0);
    expect((m as ChunkError).code).to.equal('NO_CHANNEL');
    other.send(JSON.stringify({ type: 'revoke', version: 1, channelId: buyer.channelId, index: 0, secret: '11'.repeat(32) }));
    expect((decodeChunkMessage(JSON.parse(await other.receive())) as ChunkError).code).to.equal('WRONG_CHANNEL');
    other.close();

    // Once revoked, chunk 0 and only chunk 0 is sold.
    const revoke = sender.onAccept(decodeMessageOf(accept, 'accept'));
    await store.save('buyer', sender.toJSON());
    link.send(JSON.stringify(encodeMessage(revoke)));
    const chunk0 = await request(link, 0);
    expect(chunk0.type).to.equal('chunk.data');
    expect(toHex((chunk0 as { data: Uint8Array }).data)).to.equal(toHex(FILE_BYTES.subarray(0, CHUNK_SIZE)));
    await refusedWith(1, 'NOT_PAID');
    await refusedWith(CHUNKS, 'NO_SUCH_CHUNK');
    expect((await seller.hub.balance(buyer.channelId!)).amount).to.equal(PRICE);
    link.close();
  });

  it('a connection that keeps sending open_channel is refused (LIMIT_REACHED, close) before the hub sees the fourth, and closed', async () => {
    let handled = 0;
    const server = await startChunkServer({ file: seller.file, hub: { handle: (w) => { handled++; return seller.hub.handle(w); } } });
    try {
      const owner = await rawLink(server.url);
      await owner.receive();
      const { message } = Sender.open({ capacity: 100_000n, variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n, secrets: buyerKeys('opens').secrets });
      const open = JSON.stringify(encodeMessage(message));
      owner.send(open);
      expect(JSON.parse(await owner.receive()).type).to.equal('accept_channel');
      const flood = await rawLink(server.url);
      await flood.receive();
      const before = await seller.hub.channels();
      const codes: [string, string][] = [];
      // The same temporary id in another open (the exact same bytes would get the hub's saved answer again): the hub refuses
      // each, and each still cost it a look in the database.
      const twin = Sender.open({ capacity: 100_001n, variant: { kind: 'csv', delay: { blocks: 144 } }, feeRate: 1000n, secrets: buyerKeys('opens').secrets }).message;
      expect(toHex(twin.tempChannelId)).to.equal(toHex(message.tempChannelId));
      const reopen = JSON.stringify(encodeMessage(twin));
      for (let i = 0; i < 4; i++) {
        flood.send(reopen);
        const m = decodeChunkMessage(JSON.parse(await flood.receive())) as ChunkError;
        codes.push([m.code, m.action]);
      }
      expect(codes).to.deep.equal([
        ['UNEXPECTED_MESSAGE', 'ignore'], ['UNEXPECTED_MESSAGE', 'ignore'], ['UNEXPECTED_MESSAGE', 'ignore'], ['LIMIT_REACHED', 'close'],
      ]);
      expect(handled).to.equal(4);
      expect((await rejected(flood.receive())).code).to.equal('NOT_FOUND'); // closed by the server
      expect(await seller.hub.channels()).to.deep.equal(before);
      // Its own temporary id beside another channel's id passes the connection's check, and the strict decoder refuses it.
      const ownTemp = toHex(message.tempChannelId);
      const other = before.find((c) => c.tempChannelId !== ownTemp)?.channelId ?? '00'.repeat(32);
      owner.send(JSON.stringify({ type: 'revoke', version: 1, channelId: other, tempChannelId: ownTemp, index: 0, secret: '11'.repeat(32) }));
      expect((decodeChunkMessage(JSON.parse(await owner.receive())) as ChunkError).code).to.equal('MESSAGE_INVALID');
      expect(await seller.hub.channels()).to.deep.equal(before);
      owner.close();
    } finally {
      await server.close();
    }
  });

  it('garbage is refused with chunk.error, changes nothing, and the connection still serves', async () => {
    const socket = new WebSocket(seller.server.url);
    socket.on('error', () => undefined);
    const link = await socketTransport(socket, 10_000);
    expect(decodeChunkMessage(JSON.parse(await link.receive())).type).to.equal('chunk.terms');
    const refusedAs = async (send: () => void, refused: string, code: string) => {
      send();
      const m = decodeChunkMessage(JSON.parse(await link.receive())) as ChunkError;
      expect([m.type, m.refused, m.code]).to.deep.equal(['chunk.error', refused, code]);
    };
    const before = await seller.hub.channels();
    await refusedAs(() => link.send('{not json'), 'message', 'MESSAGE_INVALID');
    await refusedAs(() => socket.send(Buffer.from([1, 2, 3])), 'message', 'MESSAGE_INVALID');
    await refusedAs(() => link.send(JSON.stringify({ type: 'chunk.request', version: 1, index: -1 })), 'message', 'MESSAGE_INVALID');
    await refusedAs(() => link.send(JSON.stringify({ type: 'chunk.data', version: 1, index: 0, data: '00' })), 'chunk.data', 'UNEXPECTED_MESSAGE');
    await refusedAs(() => link.send(JSON.stringify({ type: 'offer', version: 1 })), 'offer', 'WRONG_CHANNEL');
    await refusedAs(() => link.send(JSON.stringify({ type: 'open_channel', version: 1 })), 'open_channel', 'MESSAGE_INVALID');
    await refusedAs(() => link.send('null'), 'message', 'MESSAGE_INVALID');
    expect(await seller.hub.channels()).to.deep.equal(before);
    // Still there: a request is answered as before.
    await refusedAs(() => link.send(JSON.stringify(encodeChunkMessage({ type: 'chunk.request', index: 0 }))), 'chunk.request', 'NO_CHANNEL');
    link.close();
  });
});
