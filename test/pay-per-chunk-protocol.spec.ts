/**
 * The pay-per-chunk example's own messages (examples/pay-per-chunk/
 * chunk-protocol.ts), table-driven from fixtures/pay-per-chunk/messages.json,
 * the file cut for sale, and the terms a buyer refuses before it signs
 * anything (over an in-memory link: what the seller sends is all it reads).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ChannelError, MemoryChannelStore, sha256, toHex } from '../lib';
import { ChunkBuyer, BuyerOptions } from '../examples/pay-per-chunk/buyer';
import { ChunkMessage, decodeChunkMessage, encodeChunkMessage, isChunkMessage } from '../examples/pay-per-chunk/chunk-protocol';
import { offerFile } from '../examples/pay-per-chunk/file-for-sale';
import { Transport } from '../examples/pay-per-chunk/transport';
import { testKey } from './support/keys';

interface Fixtures {
  valid: { description: string; json: Record<string, unknown> }[];
  invalid: { description: string; json: unknown; code: string; field?: string }[];
}
const FIXTURES = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'pay-per-chunk', 'messages.json'), 'utf8')) as Fixtures;

function thrown(f: () => unknown): ChannelError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return e as ChannelError;
  }
  throw new Error('expected a ChannelError');
}

async function rejected(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return e as ChannelError;
  }
  throw new Error('expected a ChannelError');
}

/** A link whose seller side is a script: the texts it will send, and what it was sent. */
function scriptedLink(fromSeller: string[]): Transport & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    send: (t) => { sent.push(t); },
    receive: async () => {
      const t = fromSeller.shift();
      if (t === undefined) throw new ChannelError('NOT_FOUND', 'closed');
      return t;
    },
    close: () => undefined,
  };
}

const FILE = offerFile({ name: 'song.ogg', bytes: Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) % 251), chunkSize: 1024, price: 500n });

function buyerOptions(transport: Transport, over: Partial<BuyerOptions> = {}): BuyerOptions {
  const k = (l: string) => testKey(`pay-per-chunk protocol ${l}`).priv;
  return {
    transport, store: new MemoryChannelStore(), storeKey: 'buyer',
    secrets: { fundingKey: k('funding'), payoutKey: k('payout'), updateSeed: sha256(new TextEncoder().encode('seed')) },
    wallet: { coin: { txid: '11'.repeat(32), vout: 0, value: 200_000n, script: new Uint8Array(22) }, changeScript: new Uint8Array(22), signFunding: () => undefined },
    broadcast: async () => { throw new Error('nothing may be broadcast here'); },
    waitForFunding: async () => undefined,
    capacity: 100_000n, maxPrice: 500n,
    ...over,
  };
}

const termsText = () => JSON.stringify(encodeChunkMessage(FILE.terms));

describe('pay-per-chunk example: chunk messages', () => {
  for (const v of FIXTURES.valid) {
    it(`decodes and encodes back: ${v.description}`, () => {
      const m = decodeChunkMessage(v.json);
      expect(isChunkMessage(v.json)).to.equal(true);
      expect(encodeChunkMessage(m)).to.deep.equal(v.json);
    });
  }

  for (const v of FIXTURES.invalid) {
    it(`refuses ${v.description}: ${v.code}`, () => {
      const e = thrown(() => decodeChunkMessage(v.json));
      expect(e.code).to.equal(v.code);
      if (v.field !== undefined) expect(e.details?.field).to.equal(v.field);
    });
  }

  it('revchan messages and other values are not chunk messages', () => {
    for (const j of [{ type: 'offer' }, { type: 'chunkrequest' }, null, 'chunk.request', [], {}]) expect(isChunkMessage(j)).to.equal(false);
  });

  it('will not encode what the other side would refuse', () => {
    expect(thrown(() => encodeChunkMessage({ type: 'chunk.request', index: -1 })).code).to.equal('MESSAGE_INVALID');
    expect(thrown(() => encodeChunkMessage({ type: 'chunk.nope' } as unknown as ChunkMessage)).code).to.equal('MESSAGE_UNKNOWN_TYPE');
    expect(thrown(() => encodeChunkMessage(null as unknown as ChunkMessage)).code).to.equal('MESSAGE_INVALID');
  });
});

describe('pay-per-chunk example: the file for sale', () => {
  it('is cut into chunks of chunkSize, the last one shorter, each with its hash, and the whole hashed', () => {
    expect(FILE.terms.chunkHashes).to.have.length(10);
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) % 251);
    for (let i = 0; i < 10; i++) {
      const c = FILE.chunk(i);
      expect(c.length).to.equal(i < 9 ? 1024 : 10_000 - 9 * 1024);
      expect(toHex(sha256(c))).to.equal(toHex(FILE.terms.chunkHashes[i]!));
      expect(c).to.deep.equal(bytes.subarray(i * 1024, (i + 1) * 1024));
    }
    expect(toHex(FILE.terms.fileHash)).to.equal(toHex(sha256(bytes)));
    expect(decodeChunkMessage(encodeChunkMessage(FILE.terms))).to.deep.equal(FILE.terms);
  });

  it('refuses an empty file, a chunk size out of range and a price that is not a positive bigint', () => {
    const p = { name: 'x', bytes: new Uint8Array(10), chunkSize: 4, price: 1n };
    expect(thrown(() => offerFile({ ...p, bytes: new Uint8Array(0) })).code).to.equal('INVALID_ARGUMENT');
    expect(thrown(() => offerFile({ ...p, chunkSize: 0 })).code).to.equal('INVALID_ARGUMENT');
    expect(thrown(() => offerFile({ ...p, chunkSize: 256 * 1024 + 1 })).code).to.equal('INVALID_ARGUMENT');
    expect(thrown(() => offerFile({ ...p, bytes: new Uint8Array(4097), chunkSize: 1 })).code).to.equal('INVALID_ARGUMENT');
    expect(thrown(() => offerFile({ ...p, price: 0n })).code).to.equal('INVALID_AMOUNT');
    expect(thrown(() => offerFile({ ...p, price: 1 as unknown as bigint })).code).to.equal('INVALID_AMOUNT');
    expect(thrown(() => offerFile(null as never)).code).to.equal('INVALID_ARGUMENT');
  });
});

describe('pay-per-chunk example: the buyer reads the terms before it signs anything', () => {
  it('takes terms within its limits, and has sent nothing', async () => {
    const link = scriptedLink([termsText()]);
    const buyer = await ChunkBuyer.connect(buyerOptions(link));
    expect(buyer.chunkCount).to.equal(10);
    expect(buyer.paid).to.equal(0n);
    expect(link.sent).to.deep.equal([]);
  });

  it('refuses a price above its maximum (INVALID_AMOUNT)', async () => {
    const e = await rejected(ChunkBuyer.connect(buyerOptions(scriptedLink([termsText()]), { maxPrice: 499n })));
    expect(e.code).to.equal('INVALID_AMOUNT');
  });

  it('refuses a file it cannot pay for whole in its channel (AMOUNT_EXCEEDS_CAPACITY)', async () => {
    const e = await rejected(ChunkBuyer.connect(buyerOptions(scriptedLink([termsText()]), { capacity: 5_000n })));
    expect(e.code).to.equal('AMOUNT_EXCEEDS_CAPACITY');
  });

  it('refuses terms for another file than the one it pinned (MESSAGE_INVALID, field fileHash)', async () => {
    const e = await rejected(ChunkBuyer.connect(buyerOptions(scriptedLink([termsText()]), { fileHash: new Uint8Array(32) })));
    expect(e.code).to.equal('MESSAGE_INVALID');
    expect(e.details?.field).to.equal('fileHash');
  });

  it('refuses text that is not JSON, a revchan message, or a chunk message other than terms', async () => {
    const first = ['{', JSON.stringify({ type: 'accept_channel', version: 1 }), JSON.stringify({ type: 'chunk.request', version: 1, index: 0 })];
    const codes = [];
    for (const t of first) codes.push((await rejected(ChunkBuyer.connect(buyerOptions(scriptedLink([t]))))).code);
    expect(codes).to.deep.equal(['MESSAGE_INVALID', 'UNEXPECTED_MESSAGE', 'UNEXPECTED_MESSAGE']);
  });

  it('a refusal from the seller becomes a ChannelError with the seller\'s code', async () => {
    const err = JSON.stringify({ type: 'chunk.error', version: 1, refused: 'connect', code: 'STORE_UNAVAILABLE', action: 'retry', message: 'down' });
    const e = await rejected(ChunkBuyer.connect(buyerOptions(scriptedLink([err]))));
    expect(e.code).to.equal('STORE_UNAVAILABLE');
    expect(e.details).to.include({ refused: 'connect', sellerCode: 'STORE_UNAVAILABLE' });
    const own = JSON.stringify({ type: 'chunk.error', version: 1, refused: 'connect', code: 'CLOSED_FOR_LUNCH', action: 'retry', message: '' });
    const e2 = await rejected(ChunkBuyer.connect(buyerOptions(scriptedLink([own]))));
    expect(e2.code).to.equal('UNEXPECTED_MESSAGE');
    expect(e2.details?.sellerCode).to.equal('CLOSED_FOR_LUNCH');
  });

  it('buys nothing before the channel is open, and refuses malformed options', async () => {
    const buyer = await ChunkBuyer.connect(buyerOptions(scriptedLink([termsText()])));
    expect((await rejected(buyer.buyChunk(0))).code).to.equal('UNEXPECTED_MESSAGE');
    expect((await rejected(buyer.close())).code).to.equal('UNEXPECTED_MESSAGE');
    for (const bad of [null, {}, { ...buyerOptions(scriptedLink([])), broadcast: 1 }, { ...buyerOptions(scriptedLink([])), maxPrice: 0n }]) {
      expect((await rejected(ChunkBuyer.connect(bad as never))).code).to.equal('INVALID_ARGUMENT');
    }
  });
});
