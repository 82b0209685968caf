/**
 * The buyer: it opens a revocable channel to the seller as its sender, funds
 * it from a wallet coin, pays for each chunk before asking for it, checks
 * every chunk against the hash the terms gave, and closes cooperatively at
 * the end. It runs in Node and in a browser alike: it uses only the package
 * entry, and the link, the store, the wallet and the chain are handed in.
 *
 * The money rules it keeps: every state change is saved before what it
 * produced is sent (performStep), so a restarted buyer never signs a second
 * offer for an index or forgets a secret it gave away; the wallet signs the
 * funding only once the seller has signed the buyer's refund, and only a
 * funding transaction whose txid is the one the channel was opened on is
 * broadcast; the buyer pays at most the price it agreed to, chunk by chunk.
 */
import {
  ChannelError, ChannelStore, ERROR_ACTIONS, ErrorCode, FeeRate, FundingInput, Message, MessageType, PAYMENT_WEIGHT, Sender,
  SenderSecrets, Step, Variant, bytesEqual, decodeMessageOf, encodeMessage, extractTransaction, fail, feeForWeight, finalizePsbt,
  handleSenderMessage, isChannelError, payStep, performStep, proposeCloseStep, sha256, toHex, Json, DUST_P2WSH,
} from '../../lib';
import { ChunkError, ChunkMessage, ChunkTerms, decodeChunkMessage, encodeChunkMessage, isChunkMessage } from './chunk-protocol';
import { Transport } from './transport';

/** The funding PSBT the wallet signs. */
export type FundingPsbt = ReturnType<Sender['createFunding']>['psbt'];

/** What the buyer's wallet provides. */
export interface BuyerWallet {
  /** A confirmed segwit coin worth more than the capacity plus the funding fee. */
  readonly coin: FundingInput;
  /** Where the funding's change goes. */
  readonly changeScript: Uint8Array;
  /**
   * Signs the wallet's input of the funding PSBT, which the buyer built from `coin`.
   * @param psbt - The funding PSBT.
   */
  signFunding(psbt: FundingPsbt): void | Promise<void>;
}

/** What a buyer needs. */
export interface BuyerOptions {
  /** The link to the seller. */
  readonly transport: Transport;
  /** Where the buyer's channel state is saved before anything it produced is sent. */
  readonly store: ChannelStore;
  /** The store key of this channel. */
  readonly storeKey: string;
  /** The sender's keys and update seed for this channel. */
  readonly secrets: SenderSecrets;
  /** The coin that funds the channel, and the wallet that signs it. */
  readonly wallet: BuyerWallet;
  /**
   * Hands a signed transaction (the funding, the close) to the network.
   * @param tx - The transaction.
   */
  broadcast(tx: Uint8Array): Promise<string>;
  /** Resolves when it is worth asking the seller again whether the funding is deep enough (a new block). */
  waitForFunding(): Promise<void>;
  /** The channel's capacity in satoshis: the most the buyer can spend on it. */
  readonly capacity: bigint;
  /** The most the buyer pays per chunk; dearer terms are refused before anything is signed. */
  readonly maxPrice: bigint;
  /** The sender's timeout; CSV 144 blocks if absent. */
  readonly variant?: Variant;
  /** The payment transactions' fee rate, sat/kw; 1000 if absent. */
  readonly feeRate?: FeeRate;
  /** The funding transaction's fee rate, sat/kw; 1000 if absent. */
  readonly fundingFeeRate?: FeeRate;
  /** The cooperative close's fee rate, sat/kw; 1000 if absent. */
  readonly closeFeeRate?: FeeRate;
  /** The file's sha256, when the buyer knows which file it wants: terms for another file are refused. */
  readonly fileHash?: Uint8Array;
  /** How many times a payment waits for the funding before the buyer gives up; 20 if absent. */
  readonly fundingAttempts?: number;
}

/** A file bought whole. */
export interface BoughtFile {
  /** The file's bytes, every chunk checked against its hash and the whole against the file's. */
  readonly bytes: Uint8Array;
  /** Chunks bought. */
  readonly chunks: number;
  /** Satoshis paid: the seller's total in the channel. */
  readonly paid: bigint;
  /** The funding transaction's txid. */
  readonly fundingTxid: string;
  /** The cooperative close, as broadcast. */
  readonly closeTx: Uint8Array;
  /** Its txid. */
  readonly closeTxid: string;
}

const DEFAULT_VARIANT: Variant = { kind: 'csv', delay: { blocks: 144 } };
const DEFAULT_FEE_RATE: FeeRate = 1000n;

/** A channel error for the seller's refusal: its code when it is one of ours, the seller's own code in `details.sellerCode`. */
function refused(e: ChunkError): ChannelError {
  const known = Object.prototype.hasOwnProperty.call(ERROR_ACTIONS, e.code);
  const code: ErrorCode = known ? e.code as ErrorCode : 'UNEXPECTED_MESSAGE';
  return new ChannelError(code, `the seller refused ${e.refused}: ${e.message}`, {
    refused: e.refused, sellerCode: e.code, ...(e.index !== undefined ? { index: e.index } : {}),
  });
}

/**
 * A buyer on one connection: {@link ChunkBuyer.connect} reads the seller's
 * terms, then {@link ChunkBuyer.buyFile} does the rest, or the steps one by
 * one: {@link ChunkBuyer.open}, {@link ChunkBuyer.buyChunk},
 * {@link ChunkBuyer.close}.
 */
export class ChunkBuyer {
  private sender: Sender | undefined;
  private fundingTxid: string | undefined;

  private constructor(private readonly o: BuyerOptions, readonly terms: ChunkTerms) {}

  /**
   * Reads the seller's terms and checks them against what the buyer agreed to.
   *
   * @param o - The link, store, keys, wallet, chain and limits.
   * @returns A buyer with the terms, no channel yet.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` (the promise rejects, as for every code here) if `o` is malformed.
   * @throws {@link ChannelError} `MESSAGE_INVALID` (or another decoding code) if the first message is not valid terms, or they are for another file than `o.fileHash`.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if the price is above `o.maxPrice`.
   * @throws {@link ChannelError} `AMOUNT_EXCEEDS_CAPACITY` if the whole file and the payment fee do not fit in `o.capacity`.
   * @throws {@link ChannelError} `NOT_FOUND` if the link closes or stays silent.
   */
  static async connect(o: BuyerOptions): Promise<ChunkBuyer> {
    if (o === null || typeof o !== 'object' || o.transport === null || typeof o.transport !== 'object') fail('INVALID_ARGUMENT', 'options must have a transport');
    for (const f of ['broadcast', 'waitForFunding'] as const) if (typeof o[f] !== 'function') fail('INVALID_ARGUMENT', `options.${f} must be a function`);
    if (o.wallet === null || typeof o.wallet !== 'object' || typeof o.wallet.signFunding !== 'function') fail('INVALID_ARGUMENT', 'options.wallet must have a coin and signFunding');
    if (o.store === null || typeof o.store !== 'object' || typeof o.store.save !== 'function') fail('INVALID_ARGUMENT', 'options.store must be a ChannelStore');
    if (typeof o.capacity !== 'bigint' || typeof o.maxPrice !== 'bigint' || o.maxPrice <= 0n) fail('INVALID_ARGUMENT', 'capacity and maxPrice must be bigints, maxPrice positive');
    const terms = await receive(o.transport, 'chunk.terms', 'connect');
    if (o.fileHash !== undefined && !bytesEqual(o.fileHash, terms.fileHash)) fail('MESSAGE_INVALID', 'the seller offers another file', { field: 'fileHash' });
    if (terms.price > o.maxPrice) fail('INVALID_AMOUNT', `the seller asks ${terms.price} sat per chunk, more than ${o.maxPrice}`, { price: terms.price.toString() });
    // The last payment leaves the sender an output above dust after the payment transaction's fee.
    const need = terms.price * BigInt(terms.chunkHashes.length) + feeForWeight(PAYMENT_WEIGHT, o.feeRate ?? DEFAULT_FEE_RATE) + DUST_P2WSH;
    if (need > o.capacity) fail('AMOUNT_EXCEEDS_CAPACITY', `the file costs ${need} sat with fees, the channel holds ${o.capacity}`, { need: need.toString() });
    return new ChunkBuyer(o, terms);
  }

  /** Chunks in the file. */
  get chunkCount(): number { return this.terms.chunkHashes.length; }

  /** The channel's id, hex, once funding_created is made (the seller's hub knows the channel by it). */
  get channelId(): string | undefined {
    return this.sender?.funding === undefined ? undefined : toHex(this.sender.channelId);
  }

  /** Satoshis paid so far, final on the buyer's side (0 before the channel opens). */
  get paid(): bigint { return this.sender?.amount ?? 0n; }

  /**
   * Opens and funds the channel: open_channel, funding_created, and the
   * funding broadcast once the seller has signed the buyer's refund.
   *
   * @returns The funding transaction's txid.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` (the promise rejects, as for every code here) if the channel is already open, or the seller answers out of turn.
   * @throws {@link ChannelError} any code of `Sender.open`, `createFunding`, `onAcceptChannel` or `onFundingSigned` for bad options or a bad answer; nothing is broadcast then.
   * @throws {@link ChannelError} `PSBT_MISMATCH` if the wallet's signed funding is not the transaction the channel was opened on.
   * @throws {@link ChannelError} the seller's code, or `UNEXPECTED_MESSAGE` with `details.sellerCode`, if the seller refuses.
   */
  async open(): Promise<string> {
    if (this.sender !== undefined) fail('UNEXPECTED_MESSAGE', 'the channel is already open');
    const o = this.o;
    const { sender, message: openChannel } = Sender.open({
      capacity: o.capacity, variant: o.variant ?? DEFAULT_VARIANT, feeRate: o.feeRate ?? DEFAULT_FEE_RATE, secrets: o.secrets,
    });
    this.sender = sender;
    await this.perform({ save: sender.toJSON(), send: openChannel });
    await this.perform(handleSenderMessage(sender, await this.expect('accept_channel', 'open_channel')));
    const { psbt, message: created } = sender.createFunding({
      inputs: [o.wallet.coin], changeScript: o.wallet.changeScript, feeRate: o.fundingFeeRate ?? DEFAULT_FEE_RATE,
    });
    await this.perform({ save: sender.toJSON(), send: created });
    await this.perform(handleSenderMessage(sender, await this.expect('funding_signed', 'funding_created')));
    // The refund is signed: only now may the funding exist.
    await o.wallet.signFunding(psbt);
    const tx = extractTransaction(finalizePsbt(psbt));
    if (tx.getId() !== sender.funding?.txid) fail('PSBT_MISMATCH', 'the wallet signed another transaction than the channel\'s funding');
    this.fundingTxid = await o.broadcast(tx.toBuffer());
    return this.fundingTxid;
  }

  /**
   * Pays for chunk `index` unless the payments made already cover it, then
   * asks for it and checks it against its hash. Chunks are bought in order.
   *
   * @param index - The chunk, from 0: the next one, or one already paid for.
   * @returns The chunk's bytes.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` (the promise rejects, as for every code here) if the channel is not open.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `index` is not a chunk of the file or skips one not paid for.
   * @throws {@link ChannelError} `FUNDING_NOT_CONFIRMED` if the seller still refuses the payment for that after `fundingAttempts` waits.
   * @throws {@link ChannelError} any code of `Sender.pay` or `onAccept` for a payment the channel cannot make or a bad accept.
   * @throws {@link ChannelError} `MESSAGE_INVALID` (action `close`) if the chunk is not the one its hash names: stop buying and close.
   * @throws {@link ChannelError} the seller's code, or `UNEXPECTED_MESSAGE` with `details.sellerCode`, if the seller refuses.
   */
  async buyChunk(index: number): Promise<Uint8Array> {
    const sender = this.openSender();
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.chunkCount) fail('INVALID_ARGUMENT', `index must be a chunk of the file, 0 to ${this.chunkCount - 1}`);
    const price = this.terms.price;
    const cover = price * BigInt(index + 1);
    if (sender.amount < cover) {
      if (sender.amount + price !== cover) fail('INVALID_ARGUMENT', `chunk ${index} is not the next one to pay for`);
      await this.pay(price);
    }
    this.sendChunk({ type: 'chunk.request', index });
    const got = await receive(this.o.transport, 'chunk.data', 'chunk.request');
    const expected = Math.min(this.terms.chunkSize, this.terms.size - index * this.terms.chunkSize);
    if (got.index !== index || got.data.length !== expected || !bytesEqual(sha256(got.data), this.terms.chunkHashes[index]!)) {
      fail('MESSAGE_INVALID', `chunk ${index} is not the chunk its hash names`, { field: 'data', index }, { action: 'close' });
    }
    return got.data;
  }

  /**
   * Closes the channel cooperatively at the amount paid and broadcasts the close.
   *
   * @returns The close transaction and its txid.
   * @throws {@link ChannelError} `UNEXPECTED_MESSAGE` (the promise rejects, as for every code here) if the channel is not open.
   * @throws {@link ChannelError} any code of `proposeClose` or `onCloseSigned` (a payment in flight, a bad signature).
   * @throws {@link ChannelError} the seller's code, or `UNEXPECTED_MESSAGE` with `details.sellerCode`, if the seller refuses.
   */
  async close(): Promise<{
    /** The close transaction. */
    tx: Uint8Array;
    /** Its txid. */
    txid: string;
  }> {
    const sender = this.openSender();
    await this.perform(proposeCloseStep(sender, this.o.closeFeeRate ?? DEFAULT_FEE_RATE));
    const step = handleSenderMessage(sender, await this.expect('close_signed', 'close_offer'));
    await this.perform(step);
    const tx = step.closeTx!.toBuffer();
    return { tx, txid: await this.o.broadcast(tx) };
  }

  /**
   * The whole purchase: open, pay for and take every chunk, check the file, close.
   * A chunk that fails its check stops the buying; the channel is then closed
   * cooperatively at what was paid, and the error passed on.
   *
   * @returns The file and what was paid.
   * @throws {@link ChannelError} as {@link ChunkBuyer.open}, {@link ChunkBuyer.buyChunk} and {@link ChunkBuyer.close} (the promise rejects).
   * @throws {@link ChannelError} `MESSAGE_INVALID` (action `close`) if the chunks together are not the file the terms name.
   */
  async buyFile(): Promise<BoughtFile> {
    const fundingTxid = await this.open();
    const bytes = new Uint8Array(this.terms.size);
    try {
      for (let i = 0; i < this.chunkCount; i++) bytes.set(await this.buyChunk(i), i * this.terms.chunkSize);
      if (!bytesEqual(sha256(bytes), this.terms.fileHash)) fail('MESSAGE_INVALID', 'the chunks are not the file the terms name', { field: 'fileHash' }, { action: 'close' });
    } catch (e) {
      if (isChannelError(e) && e.action === 'close') await this.close().catch(() => undefined);
      throw e;
    }
    const close = await this.close();
    return { bytes, chunks: this.chunkCount, paid: this.paid, fundingTxid, closeTx: close.tx, closeTxid: close.txid };
  }

  private openSender(): Sender {
    if (this.sender === undefined || this.sender.phase !== 'open') fail('UNEXPECTED_MESSAGE', 'the channel is not open');
    return this.sender;
  }

  /** One payment: the offer leaves once saved; a seller that has not seen the funding deep enough yet is asked again after a block. */
  private async pay(price: bigint): Promise<void> {
    const sender = this.openSender();
    await this.perform(payStep(sender, price));
    const attempts = this.o.fundingAttempts ?? 20;
    for (let attempt = 1; ; attempt++) {
      try {
        const accept = await this.expect('accept', 'offer');
        // Saves the new state, then sends the revoke: the old state is given away only once the new one is kept.
        await this.perform(handleSenderMessage(sender, accept));
        return;
      } catch (e) {
        if (!isChannelError(e, 'FUNDING_NOT_CONFIRMED') || attempt >= attempts) throw e;
      }
      await this.o.waitForFunding();
      // The same offer again (it is saved): a second one for the index would be a second signature on it.
      this.sendChannel(sender.pendingOffer());
    }
  }

  private perform(step: Step<Json, Message>): Promise<void> {
    return performStep(step, {
      save: (s) => this.o.store.save(this.o.storeKey, s),
      send: (m) => this.sendChannel(m),
    });
  }

  private sendChannel(m: Message): void {
    this.o.transport.send(JSON.stringify(encodeMessage(m)));
  }

  private sendChunk(m: ChunkMessage): void {
    this.o.transport.send(JSON.stringify(encodeChunkMessage(m)));
  }

  /** The seller's answer of one revchan type; a refusal becomes a ChannelError. */
  private async expect<T extends MessageType>(type: T, answering: string): Promise<Extract<Message, { type: T }>> {
    const json = parse(await this.o.transport.receive());
    if (isChunkMessage(json)) {
      const m = decodeChunkMessage(json);
      if (m.type === 'chunk.error') throw refused(m);
      fail('UNEXPECTED_MESSAGE', `${m.type} in answer to ${answering}`, { type: m.type });
    }
    return decodeMessageOf(json, type);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail('MESSAGE_INVALID', 'the seller sent text that is not JSON');
  }
}

/** The seller's next message, which must be a chunk message of `type`; a refusal becomes a ChannelError. */
async function receive<T extends ChunkMessage['type']>(t: Transport, type: T, answering: string): Promise<Extract<ChunkMessage, { type: T }>> {
  const json = parse(await t.receive());
  if (!isChunkMessage(json)) fail('UNEXPECTED_MESSAGE', `a channel message in answer to ${answering}`, { type: String((json as Json | null)?.type) });
  const m = decodeChunkMessage(json);
  if (m.type === 'chunk.error' && type !== 'chunk.error') throw refused(m);
  if (m.type !== type) fail('UNEXPECTED_MESSAGE', `${m.type} in answer to ${answering}`, { type: m.type });
  return m as Extract<ChunkMessage, { type: T }>;
}

