/**
 * A buyer of the service demo: the example's buyer (open, fund, pay per
 * chunk, close) made to outlive its server. When its connection dies it
 * connects to the next server of the fleet, presents its resume token, and
 * learns what the database kept of its last exchange; then it sends again
 * what was lost: the offer in flight (the hub answers a repeated offer with
 * the same accept), or the last revoke if the database has the offer
 * accepted but not revoked. A refusal that only says the channel moved on
 * elsewhere (a conflict, a dropped database connection, a revoke another
 * server saved first) is met the same way, on the same connection.
 *
 * The buyer's own rules are the example's: its state is saved before
 * anything it produced is sent, and the wallet signs the funding only once
 * the seller has signed the refund.
 */
import WebSocket from 'ws';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChannelError, ERROR_ACTIONS, ErrorCode, FundingInput, MemoryChannelStore, Message, MessageType, PrivateKey, Sender, SenderSecrets,
  bytesEqual, decodeMessageOf, encodeMessage, extractTransaction, fail, finalizePsbt, isChannelError, sha256, signPsbtWithKey, toHex,
} from '../../lib';
import { ChunkError, ChunkTerms, decodeChunkMessage, encodeChunkMessage, isChunkMessage } from '../../examples/pay-per-chunk/chunk-protocol';
import { Transport, socketTransport } from '../../examples/pay-per-chunk/transport';
import { ResumeState, ResumeToken, decodeResumeMessage, encodeResumeMessage, isResumeMessage } from './resume-protocol';

/** What a buyer is given. */
export interface ServiceBuyerOptions {
  /** Every server of the fleet. */
  readonly urls: readonly string[];
  /** The server it opens its channel on. */
  readonly first: number;
  readonly secrets: SenderSecrets;
  /** The wallet's key, which signs the funding's input. */
  readonly walletKey: PrivateKey;
  readonly coin: FundingInput;
  readonly changeScript: Uint8Array;
  readonly capacity: bigint;
  /** The most it pays per chunk. */
  readonly maxPrice: bigint;
  /** The file it wants: terms for another are refused. */
  readonly fileHash: Uint8Array;
  /** How long an answer may take before the connection counts as lost (default 15 s). */
  readonly timeoutMs?: number;
  /** Tries per step before giving up (default 60). */
  readonly maxAttempts?: number;
  /** Whether chunk n's offer and revoke also go to a second server at the same moment. */
  readonly twin?: (n: number) => boolean;
  /** The least time between the starts of two payments, ms (a buyer consuming at a rate); none if absent. */
  readonly paceMs?: number;
  /** Chunk n arrived and checked: its payment is acknowledged. */
  readonly onAck?: (latencyMs: number, bytes: number) => void;
}

interface Link {
  readonly t: Transport;
  readonly server: number;
}

const CSV_DELAY = { kind: 'csv', delay: { blocks: 144 } } as const;
const FEE_RATE = 1000n;
/** Refusals that only say the channel moved on elsewhere: learn where it is and go on. */
const MOVED_ON = new Set(['NOT_PAID', 'UNEXPECTED_MESSAGE', 'UPDATE_INDEX_MISMATCH', 'PAYMENT_PENDING']);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The seller's refusal as a ChannelError carrying the seller's code and action. */
function refusedBy(m: ChunkError): ChannelError {
  const known = Object.prototype.hasOwnProperty.call(ERROR_ACTIONS, m.code);
  return new ChannelError(known ? m.code as ErrorCode : 'UNEXPECTED_MESSAGE', `the seller refused ${m.refused}: ${m.message}`, {
    sellerCode: m.code, sellerAction: m.action, refused: m.refused,
  });
}

function isRefusal(e: unknown): e is ChannelError {
  return isChannelError(e) && typeof e.details?.sellerCode === 'string';
}

/** The connection closed, failed to open, or went silent (the transport's NOT_FOUND). */
function isLinkLoss(e: unknown): boolean {
  return isChannelError(e, 'NOT_FOUND') && !isRefusal(e);
}

function mayRetry(e: ChannelError): boolean {
  return e.details?.sellerAction === 'retry' || MOVED_ON.has(String(e.details?.sellerCode));
}

/** One buyer; see the module's description. */
export class ServiceBuyer {
  /** Chunks received and checked. */
  readonly chunks = new Set<number>();
  /** Connections lost and made again elsewhere. */
  reconnects = 0;
  /** Steps tried again after a refusal that said the channel moved on. */
  retries = 0;
  /** Messages delivered to two servers at once. */
  twins = 0;
  terms?: ChunkTerms;
  channelId?: string;
  private sender?: Sender;
  private token?: string;
  private link?: Link;
  private at: number;
  private resync = false;
  private stored?: ResumeState;
  private nonce = 0;
  private readonly store = new MemoryChannelStore();

  constructor(private readonly o: ServiceBuyerOptions) {
    this.at = o.first % o.urls.length;
  }

  /** Satoshis the buyer has paid: the last state it agreed to, whose predecessor it revoked. */
  get paid(): bigint {
    return this.sender?.amount ?? 0n;
  }

  /**
   * Opens and funds the channel on its first server: the funding comes back
   * signed, for the caller to broadcast with the others'.
   */
  async open(): Promise<Transaction> {
    const o = this.o;
    const link = await this.connect(this.at);
    this.link = link;
    const { sender, message } = Sender.open({ capacity: o.capacity, variant: CSV_DELAY, feeRate: FEE_RATE, secrets: o.secrets });
    this.sender = sender;
    await this.saveAndSend(link, message);
    sender.onAcceptChannel(await this.expect(link, 'accept_channel'));
    await this.save();
    const { psbt, message: created } = sender.createFunding({ inputs: [o.coin], changeScript: o.changeScript, feeRate: FEE_RATE });
    await this.saveAndSend(link, created);
    sender.onFundingSigned(await this.expect(link, 'funding_signed'));
    await this.save();
    const token = decodeResumeMessage(await this.read(link)) as ResumeToken;
    if (token.type !== 'resume.token' || token.channelId !== toHex(sender.channelId)) fail('UNEXPECTED_MESSAGE', 'the seller sent no resume token for this channel');
    this.token = token.token;
    this.channelId = token.channelId;
    // The refund is signed: only now may the funding exist.
    signPsbtWithKey(psbt, o.walletKey);
    const tx = extractTransaction(finalizePsbt(psbt));
    if (tx.getId() !== sender.funding?.txid) fail('PSBT_MISMATCH', 'the wallet signed another transaction than the channel\'s funding');
    return tx;
  }

  /** Buys chunks 0 to count - 1, each paid before it is asked for. */
  async buy(count: number): Promise<void> {
    for (let n = 0; n < count; n++) {
      const next = performance.now() + (this.o.paceMs ?? 0);
      await this.buyChunk(n);
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }

  /** Pays for chunk n (the next one), and takes it once the fleet has the payment final. */
  async buyChunk(n: number): Promise<void> {
    const sender = this.openSender();
    const terms = this.terms!;
    const started = performance.now();
    if (sender.amount < terms.price * BigInt(n + 1) && sender.pending === undefined) {
      sender.pay(terms.price);
      await this.save();
    }
    const twin = this.o.twin?.(n) ? await this.openTwin() : undefined;
    let data: Uint8Array;
    try {
      data = await this.withServer(async (link, stored) => {
        if (sender.pending !== undefined) {
          this.send(link, sender.pendingOffer(), twin);
          const revoke = sender.onAccept(await this.expect(link, 'accept'));
          await this.saveAndSend(link, revoke, twin);
        } else if (stored !== undefined && stored.index < sender.index) {
          // The database has the offer accepted, not the revoke: it was lost with the server.
          this.send(link, sender.lastRevoke());
        }
        link.t.send(JSON.stringify(encodeChunkMessage({ type: 'chunk.request', index: n })));
        return this.expectChunk(link, n);
      });
    } finally {
      if (twin) await this.closeTwin(twin);
    }
    const expected = Math.min(terms.chunkSize, terms.size - n * terms.chunkSize);
    if (data.length !== expected || !bytesEqual(sha256(data), terms.chunkHashes[n]!)) {
      fail('MESSAGE_INVALID', `chunk ${n} is not the chunk its hash names`, { field: 'data', index: n }, { action: 'close' });
    }
    this.chunks.add(n);
    this.o.onAck?.(performance.now() - started, data.length);
  }

  /** Closes cooperatively at the amount paid; the signed close comes back for the caller to broadcast. */
  async close(feeRate: bigint): Promise<Transaction> {
    const sender = this.sender;
    if (sender === undefined) return fail('UNEXPECTED_MESSAGE', 'the channel is not open');
    const tx = await this.withServer(async (link) => {
      if (sender.phase === 'closed') return sender.closeTransaction()!;
      // Proposed again after a lost answer: the same amount at the same rate, so the same signature.
      await this.saveAndSend(link, sender.proposeClose(feeRate));
      const closeTx = sender.onCloseSigned(await this.expect(link, 'close_signed'));
      await this.save();
      return closeTx;
    });
    this.link?.t.close();
    this.link = undefined;
    return tx;
  }

  private openSender(): Sender {
    if (this.sender === undefined || this.sender.phase !== 'open') fail('UNEXPECTED_MESSAGE', 'the channel is not open');
    return this.sender;
  }

  /**
   * Runs `step` on a connection that knows the channel, again after a lost
   * connection (on the next server) or a refusal that says the channel moved
   * on (after asking where it is); `stored` is what the database held when
   * the step began on a connection just resumed.
   */
  private async withServer<T>(step: (link: Link, stored?: ResumeState) => Promise<T>): Promise<T> {
    const max = this.o.maxAttempts ?? 60;
    for (let attempt = 1; ; attempt++) {
      try {
        const link = await this.ready();
        const stored = this.stored;
        this.stored = undefined;
        return await step(link, stored);
      } catch (e) {
        if (attempt >= max) throw e;
        if (isLinkLoss(e)) {
          this.link?.t.close();
          this.link = undefined;
          this.at = (this.at + 1) % this.o.urls.length;
          this.reconnects++;
        } else if (isRefusal(e) && mayRetry(e)) {
          this.resync = true;
          this.retries++;
        } else {
          throw e;
        }
        await sleep(Math.min(20 * attempt, 500));
      }
    }
  }

  /** A connection to the current server that has resumed the channel (and read what is stored) if it needed to. */
  private async ready(): Promise<Link> {
    if (this.link === undefined) {
      this.link = await this.connect(this.at);
      this.resync = true;
    }
    if (this.resync) {
      this.stored = await this.hello(this.link);
      this.resync = false;
    }
    return this.link;
  }

  private async connect(server: number): Promise<Link> {
    const socket = new WebSocket(this.o.urls[server]!);
    // An 'error' is always followed by 'close', which the transport reports.
    socket.on('error', () => undefined);
    const t = await socketTransport(socket, this.o.timeoutMs ?? 15_000);
    const link = { t, server };
    try {
      const terms = decodeChunkMessage(await this.read(link));
      if (terms.type !== 'chunk.terms') fail('UNEXPECTED_MESSAGE', `${terms.type} instead of the terms`);
      if (!bytesEqual(terms.fileHash, this.o.fileHash)) fail('MESSAGE_INVALID', 'the seller offers another file', { field: 'fileHash' });
      if (terms.price > this.o.maxPrice) fail('INVALID_AMOUNT', `the seller asks ${terms.price} sat per chunk`);
      if (this.terms !== undefined && terms.price !== this.terms.price) fail('INVALID_AMOUNT', 'the fleet changed its price');
      this.terms ??= terms;
    } catch (e) {
      t.close();
      throw e;
    }
    return link;
  }

  /** Resume the channel on `link`; everything said on it before has been answered once this returns. */
  private async hello(link: Link): Promise<ResumeState> {
    const nonce = ++this.nonce;
    link.t.send(JSON.stringify(encodeResumeMessage({ type: 'resume.hello', channelId: this.channelId!, token: this.token!, nonce })));
    for (;;) {
      const json = await this.read(link);
      if (isResumeMessage(json)) {
        const m = decodeResumeMessage(json);
        if (m.type === 'resume.state' && m.nonce === nonce) {
          if (m.channelId !== this.channelId) fail('WRONG_CHANNEL', 'the seller resumed another channel');
          return m;
        }
      } else if (isChunkMessage(json)) {
        const m = decodeChunkMessage(json);
        if (m.type === 'chunk.error' && m.refused === 'resume.hello') throw refusedBy(m);
      }
      // Answers to what was said before the hello: the step starts again from what is stored.
    }
  }

  /** A second connection, to another server, for delivering this payment's messages twice at once. */
  private async openTwin(): Promise<Link | undefined> {
    if (this.o.urls.length < 2) return undefined;
    try {
      const link = await this.connect((this.at + 1) % this.o.urls.length);
      await this.hello(link);
      this.twins++;
      return link;
    } catch {
      return undefined;
    }
  }

  private async closeTwin(twin: Link): Promise<void> {
    // Wait until the twin's server has handled what it was sent, whatever it answered.
    await this.hello(twin).catch(() => undefined);
    twin.t.close();
  }

  private async read(link: Link): Promise<unknown> {
    const text = await link.t.receive();
    try {
      return JSON.parse(text);
    } catch {
      return fail('MESSAGE_INVALID', 'the seller sent text that is not JSON');
    }
  }

  /** The next message on `link`, which must be revchan's `type`; a refusal becomes a ChannelError with the seller's code. */
  private async expect<T extends MessageType>(link: Link, type: T): Promise<Extract<Message, { type: T }>> {
    const json = await this.read(link);
    if (isChunkMessage(json)) {
      const m = decodeChunkMessage(json);
      if (m.type === 'chunk.error') throw refusedBy(m);
      fail('UNEXPECTED_MESSAGE', `${m.type} instead of ${type}`);
    }
    return decodeMessageOf(json, type);
  }

  private async expectChunk(link: Link, n: number): Promise<Uint8Array> {
    const m = decodeChunkMessage(await this.read(link));
    if (m.type === 'chunk.error') throw refusedBy(m);
    if (m.type !== 'chunk.data' || m.index !== n) fail('UNEXPECTED_MESSAGE', `${m.type} instead of chunk ${n}`);
    return m.data;
  }

  private save(): Promise<void> {
    return this.store.save('channel', this.sender!.toJSON());
  }

  private async saveAndSend(link: Link, m: Message, twin?: Link): Promise<void> {
    await this.save();
    this.send(link, m, twin);
  }

  /** Send on `link`, and on the twin at the same moment (a twin that is gone changes nothing). */
  private send(link: Link, m: Message, twin?: Link): void {
    const text = JSON.stringify(encodeMessage(m));
    link.t.send(text);
    try {
      twin?.t.send(text);
    } catch {
      // The twin's server died: the message went to one server, which is the normal case.
    }
  }
}
