/**
 * The seller of the service demo: the pay-per-chunk conversation
 * (examples/pay-per-chunk: revchan's messages to the hub, chunk n out once
 * the database holds payments covering it) on a server that is one of a
 * fleet. What it adds to the example's server is resuming: a buyer whose
 * server died presents its resume token to another one and goes on with
 * the same channel (resume-protocol.ts). Since any server may have taken
 * the channel's last payment, a chunk the connection's own answers do not
 * cover is checked against the database before it is refused.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ChannelError, Json, decodeMessageOf, fail, isChannelError, toHex } from '../../lib';
import type { FundingOutpoint, ReceiverHub } from '../../lib/node';
import { ChunkMessage, ChunkRefusal, decodeChunkMessage, encodeChunkMessage, isChunkMessage, refusal } from '../../examples/pay-per-chunk/chunk-protocol';
import type { FileForSale } from '../../examples/pay-per-chunk/file-for-sale';
import { ResumeMessage, decodeResumeMessage, encodeResumeMessage, isResumeMessage, resumeToken, tokenMatches } from './resume-protocol';

/** What the seller asks of the channel side. */
export type SellerHub = Pick<ReceiverHub, 'handle' | 'balance'>;

/** A running seller. */
export interface ServiceSeller {
  /** `ws://127.0.0.1:port/` */
  readonly url: string;
  /** Stops taking connections and closes the open ones. */
  close(): Promise<void>;
}

interface Connection {
  readonly socket: WebSocket;
  tempChannelId?: string;
  channelId?: string;
  /** Satoshis final on the channel, as last seen here (answers or the database). */
  final: bigint;
  queue: Promise<void>;
  waiting: number;
}

const MAX_PAYLOAD = 16 * 1024;
/** A buyer waits for its answers; one that keeps sending without reading is cut off. */
const MAX_WAITING = 32;

/**
 * Starts a seller on 127.0.0.1.
 *
 * @param o - The file, the hub, the fleet's resume key, the port, and what to do once a channel is funded here.
 * @returns The running seller.
 */
export async function startServiceSeller(o: {
  readonly file: FileForSale;
  readonly hub: SellerHub;
  readonly resumeKey: Uint8Array;
  /** 0 or absent: one the system picks. */
  readonly port?: number;
  /**
   * Called with the funding outpoint of a funding_created before the hub
   * takes it (the server binds the fleet to watch it); if it fails, the
   * message is refused and changes nothing.
   */
  readonly beforeFunding?: (outpoint: FundingOutpoint) => Promise<unknown>;
}): Promise<ServiceSeller> {
  const httpServer = http.createServer((_, res) => { res.writeHead(426); res.end(); });
  const wss = new WebSocketServer({ server: httpServer, maxPayload: MAX_PAYLOAD });
  wss.on('connection', (socket) => {
    const c: Connection = { socket, final: 0n, queue: Promise.resolve(), waiting: 0 };
    socket.on('error', () => undefined);
    socket.on('message', (data, isBinary) => {
      if (++c.waiting > MAX_WAITING) {
        socket.terminate();
        return;
      }
      const text = isBinary ? '' : data.toString();
      c.queue = c.queue.then(() => onText(o, c, text)).catch(() => socket.close()).finally(() => { c.waiting--; });
    });
    sendChunk(c, o.file.terms);
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/`,
    close: async () => {
      for (const s of wss.clients) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

type Options = Parameters<typeof startServiceSeller>[0];

async function onText(o: Options, c: Connection, text: string): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    sendChunk(c, refusal('message', new ChannelError('MESSAGE_INVALID', 'not JSON text')));
    return;
  }
  const type = String((json as Json | null)?.type ?? 'message').slice(0, 40);
  try {
    if (isResumeMessage(json)) await onResume(o, c, decodeResumeMessage(json));
    else if (isChunkMessage(json)) await onChunk(o, c, decodeChunkMessage(json));
    else await onChannelMessage(o, c, json as Json, type);
  } catch (e) {
    if (!isChannelError(e)) throw e;
    sendChunk(c, refusal(type, e));
  }
}

async function onChannelMessage(o: Options, c: Connection, m: Json, type: string): Promise<void> {
  checkChannelOf(c, m);
  if (type === 'funding_created' && o.beforeFunding) {
    const f = decodeMessageOf(m, 'funding_created');
    await o.beforeFunding({ txid: toHex(f.fundingTxid), vout: f.fundingVout });
  }
  const answer = await o.hub.handle(m);
  if (type === 'open_channel') c.tempChannelId = answer.channelId;
  if (answer.paid !== undefined && answer.paid.amount > c.final) c.final = answer.paid.amount;
  if (answer.reply !== undefined) send(c, answer.reply);
  if (type === 'funding_created') {
    c.channelId = answer.channelId;
    send(c, encodeResumeMessage({ type: 'resume.token', channelId: answer.channelId, token: resumeToken(o.resumeKey, answer.channelId) }));
  }
}

/** A connection speaks for one channel: the one it opened, or the one it resumed with a valid token. */
function checkChannelOf(c: Connection, m: Json): void {
  if (m === null || typeof m !== 'object') fail('MESSAGE_INVALID', 'a message must be a JSON object');
  if (m.type === 'open_channel') {
    if (c.tempChannelId !== undefined || c.channelId !== undefined) fail('UNEXPECTED_MESSAGE', 'this connection has its channel');
    return;
  }
  const own = 'tempChannelId' in m ? c.tempChannelId : c.channelId;
  const theirs = 'tempChannelId' in m ? m.tempChannelId : m.channelId;
  if (own === undefined || theirs !== own) fail('WRONG_CHANNEL', 'a message for another channel than this connection\'s');
}

async function onResume(o: Options, c: Connection, m: ResumeMessage): Promise<void> {
  if (m.type !== 'resume.hello') fail('UNEXPECTED_MESSAGE', `a seller takes only resume.hello, not ${m.type}`);
  if (!tokenMatches(o.resumeKey, m.channelId, m.token)) fail('WRONG_CHANNEL', 'the token is not this channel\'s');
  if (c.channelId !== undefined && c.channelId !== m.channelId) fail('WRONG_CHANNEL', 'this connection speaks for another channel');
  const b = await o.hub.balance(m.channelId);
  c.channelId = m.channelId;
  if (b.amount > c.final) c.final = b.amount;
  send(c, encodeResumeMessage({
    type: 'resume.state', nonce: m.nonce, channelId: m.channelId, phase: b.phase, index: b.index, amount: b.amount,
    ...(b.pendingAmount !== undefined ? { pendingAmount: b.pendingAmount } : {}),
  }));
}

async function onChunk(o: Options, c: Connection, m: ChunkMessage): Promise<void> {
  if (m.type !== 'chunk.request') fail('UNEXPECTED_MESSAGE', 'a seller takes only chunk requests');
  const refuse = (code: ChunkRefusal, message: string) => sendChunk(c, refusal(m.type, { code, message, action: 'ignore' }, m.index));
  const terms = o.file.terms;
  if (c.channelId === undefined) return refuse('NO_CHANNEL', 'open and fund a channel first, or resume one');
  if (m.index >= terms.chunkHashes.length) return refuse('NO_SUCH_CHUNK', `the file has ${terms.chunkHashes.length} chunks`);
  const need = terms.price * BigInt(m.index + 1);
  // Another server may have saved the revoke (a buyer that moved, a message delivered twice): the database decides.
  if (c.final < need) c.final = (await o.hub.balance(c.channelId)).amount;
  if (c.final < need) return refuse('NOT_PAID', `chunk ${m.index} is not paid for`);
  sendChunk(c, { type: 'chunk.data', index: m.index, data: o.file.chunk(m.index) });
}

function sendChunk(c: Connection, m: ChunkMessage): void {
  send(c, encodeChunkMessage(m));
}

function send(c: Connection, json: Json): void {
  if (c.socket.readyState === c.socket.OPEN) c.socket.send(JSON.stringify(json));
}
