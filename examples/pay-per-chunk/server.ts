/**
 * The seller: a WebSocket server that sells one file chunk by chunk. Each
 * connection carries one channel. revchan's messages go to the hub, which
 * loads the channel, applies the message, saves and answers; the server only
 * checks that the message is for this connection's channel and sends the
 * answer on. Chunk n leaves only once the hub has reported, after saving the
 * revoke, that the payments on the channel cover n + 1 chunks.
 *
 * Messages of one connection are handled one after the other, in the order
 * they came: a request that follows a revoke is answered only once the
 * revoke is saved.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ChannelError, Json, fail, isChannelError } from '../../lib';
import type { ReceiverHub } from '../../lib/node';
import { ChunkMessage, ChunkRefusal, decodeChunkMessage, encodeChunkMessage, isChunkMessage, refusal } from './chunk-protocol';
import { FileForSale } from './file-for-sale';

/** The one thing the server asks of the channel side: a ReceiverHub (revchan/node) has it. */
export type ChannelHub = Pick<ReceiverHub, 'handle'>;

/** A running seller. */
export interface ChunkServer {
  /** Its WebSocket address, `ws://host:port/`. */
  readonly url: string;
  /** Stops taking connections and closes the open ones. */
  close(): Promise<void>;
}

/** What one connection knows of its channel. */
interface Connection {
  readonly socket: WebSocket;
  /** The temporary id of the channel this connection opened. */
  tempChannelId?: string;
  /** Its id once funded. */
  channelId?: string;
  /** Satoshis final on it, as the hub last reported after saving. */
  final: bigint;
  /** Set when the hub refused a message with action close: the channel cannot safely go on, nothing more leaves. */
  stopped?: string;
  /** Messages are handled in order; each waits for the one before. */
  queue: Promise<void>;
  /** Messages received and not yet handled. */
  waiting: number;
  /** open_channel messages tried on this connection, refused ones too. */
  opens: number;
}

/** The largest message a buyer may send: revchan's and the chunk requests are all far below it. */
const MAX_PAYLOAD = 16 * 1024;
/** A buyer waits for each answer; one that keeps sending without reading is cut off rather than queued without end. */
const MAX_WAITING = 32;
/**
 * A connection opens one channel; a few refused tries are a buyer fixing its
 * terms, more are someone making the hub work for nothing (each try is a
 * database read, each success a record): the connection is refused and closed.
 */
const MAX_OPENS = 3;

/**
 * Starts a seller.
 *
 * @param o - The file for sale, the hub, the port (0, or absent: one the system picks) and the address to listen on.
 * @returns The running server.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects) if `o` is malformed or the address cannot be listened on.
 */
export async function startChunkServer(o: {
  /** The file and its terms. */
  readonly file: FileForSale;
  /** The channel side. */
  readonly hub: ChannelHub;
  /** The port; 0 or absent for one the system picks. */
  readonly port?: number;
  /** The address to listen on; 127.0.0.1 if absent (put TLS in front before opening it wider: wss://). */
  readonly host?: string;
}): Promise<ChunkServer> {
  if (o === null || typeof o !== 'object' || o.file === null || typeof o.file !== 'object' || o.hub === null || typeof o.hub?.handle !== 'function') {
    fail('INVALID_ARGUMENT', 'startChunkServer needs a file and a hub');
  }
  const port = o.port ?? 0;
  if (!Number.isSafeInteger(port) || port < 0 || port > 0xffff) fail('INVALID_ARGUMENT', 'port must be in [0, 65535]');
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string') fail('INVALID_ARGUMENT', 'host must be a string');
  const httpServer = http.createServer((_, res) => { res.writeHead(426); res.end(); });
  const wss = new WebSocketServer({ server: httpServer, maxPayload: MAX_PAYLOAD });
  wss.on('connection', (socket) => {
    const c: Connection = { socket, final: 0n, queue: Promise.resolve(), waiting: 0, opens: 0 };
    socket.on('error', () => undefined);
    socket.on('message', (data, isBinary) => {
      if (++c.waiting > MAX_WAITING) {
        socket.terminate();
        return;
      }
      const text = isBinary ? undefined : data.toString();
      c.queue = c.queue
        .then(() => onText(o.file, o.hub, c, text))
        // Not a refusal (those are answered) but a failure of the server's own: the connection ends.
        .catch(() => socket.close())
        .finally(() => { c.waiting--; });
    });
    sendChunk(c, o.file.terms);
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, resolve);
  }).catch((e: unknown) => fail('INVALID_ARGUMENT', `cannot listen on ${host}:${port}: ${e instanceof Error ? e.message : String(e)}`));
  const address = httpServer.address() as AddressInfo;
  return {
    url: `ws://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`,
    close: async () => {
      for (const s of wss.clients) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

async function onText(file: FileForSale, hub: ChannelHub, c: Connection, text: string | undefined): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(text ?? '');
  } catch {
    sendChunk(c, refusal('message', new ChannelError('MESSAGE_INVALID', 'not JSON text')));
    return;
  }
  if (isChunkMessage(json)) {
    onChunkMessage(file, c, json);
    return;
  }
  const type = String((json as Json | null)?.type ?? 'message').slice(0, 40);
  try {
    checkChannelOf(c, json as Json);
    const answer = await hub.handle(json);
    if (type === 'open_channel') c.tempChannelId = answer.channelId;
    if (type === 'funding_created') c.channelId = answer.channelId;
    // The hub answers only once the revoke is saved: from here on the chunks it pays for may leave.
    if (answer.paid !== undefined && answer.paid.amount > c.final) c.final = answer.paid.amount;
    if (answer.reply !== undefined) send(c, answer.reply);
  } catch (e) {
    if (!isChannelError(e)) throw e;
    if (e.action === 'close') c.stopped = e.code;
    sendChunk(c, refusal(type, e));
    if (isChannelError(e, 'LIMIT_REACHED') && e.details?.limit === 'opensPerConnection') c.socket.close();
  }
}

/** A connection speaks for one channel: the one it opened. */
function checkChannelOf(c: Connection, m: Json): void {
  if (m === null || typeof m !== 'object') fail('MESSAGE_INVALID', 'a message must be a JSON object');
  if (m.type === 'open_channel') {
    if (c.tempChannelId !== undefined) fail('UNEXPECTED_MESSAGE', 'this connection has opened its channel');
    if (++c.opens > MAX_OPENS) {
      fail('LIMIT_REACHED', 'too many open_channel tries on this connection', { limit: 'opensPerConnection', max: MAX_OPENS }, { action: 'close' });
    }
    return;
  }
  const own = 'tempChannelId' in m ? c.tempChannelId : c.channelId;
  const theirs = 'tempChannelId' in m ? m.tempChannelId : m.channelId;
  if (own === undefined || theirs !== own) fail('WRONG_CHANNEL', 'a message for another channel than this connection\'s');
}

function onChunkMessage(file: FileForSale, c: Connection, json: unknown): void {
  let m: ChunkMessage;
  try {
    m = decodeChunkMessage(json);
  } catch (e) {
    if (!isChannelError(e)) throw e;
    sendChunk(c, refusal('message', e));
    return;
  }
  if (m.type !== 'chunk.request') {
    sendChunk(c, refusal(m.type, new ChannelError('UNEXPECTED_MESSAGE', 'a seller takes only chunk requests')));
    return;
  }
  const refuse = (code: ChunkRefusal, message: string) => sendChunk(c, refusal(m.type, { code, message, action: 'ignore' }, m.index));
  if (c.channelId === undefined) return refuse('NO_CHANNEL', 'open and fund a channel first');
  if (c.stopped !== undefined) return refuse('NO_CHANNEL', `the channel was refused (${c.stopped}) and is being closed`);
  if (m.index >= file.terms.chunkHashes.length) return refuse('NO_SUCH_CHUNK', `the file has ${file.terms.chunkHashes.length} chunks`);
  // Chunk n is paid for once the final total covers chunks 0..n.
  if (c.final < file.terms.price * BigInt(m.index + 1)) return refuse('NOT_PAID', `chunk ${m.index} is not paid for`);
  sendChunk(c, { type: 'chunk.data', index: m.index, data: file.chunk(m.index) });
}

function sendChunk(c: Connection, m: ChunkMessage): void {
  send(c, encodeChunkMessage(m));
}

function send(c: Connection, json: Json): void {
  if (c.socket.readyState === c.socket.OPEN) c.socket.send(JSON.stringify(json));
}
