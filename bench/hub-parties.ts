/**
 * Senders paying a ReceiverHub over a JSON wire, all in this process: real
 * Sender parties on one side, the hub on the other, every message through
 * JSON text as a socket carries it. The hub's node is a stub that serves each
 * funding transaction as confirmed: no chain is read for payments, and the
 * hub asks its node only once per channel (the first offer).
 */
import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import {
  ChainBackend, ChainTip, Json, Message, MessageType, MemoryChannelStore, Receiver, ReceiverSecrets, Sender, SenderSecrets, VersionedChannelStore, decodeMessageOf,
  encodeMessage,
} from '../lib';
import { ReceiverHub, seedKeySource } from '../lib/node';
import { CHAIN, VARIANTS, WALLET_EXTRA, benchKey, walletScript } from './parties';

const HUB_SEED = createHash('sha256').update('revchan bench hub seed').digest();
/** The hubs' keys, for restoring a stored receiver outside a hub (key ids come from the records). */
const HUB_KEYS = seedKeySource(HUB_SEED);
export const HUB_CAPACITY = 100_000_000n;
const FEE_RATE = 1000n;
/** Below the tip by this much, a funding is deeper than any policy's default depth. */
const FUNDING_DEPTH = 6;

/**
 * The hub's node, for the benchmark: every funding transaction a sender made
 * is known and confirmed at depth 6; broadcasts are taken; blocks are never
 * asked for (the hub's watcher is not polled here).
 */
export class ConfirmedFundings implements ChainBackend {
  private readonly fundings = new Map<string, Uint8Array>();

  add(tx: Transaction): void {
    this.fundings.set(tx.getId(), tx.toBuffer());
  }

  async getTip(): Promise<ChainTip> {
    return { height: CHAIN.height, medianTimePast: CHAIN.medianTimePast, hash: '00'.repeat(32) };
  }

  async broadcast(tx: Uint8Array): Promise<string> {
    return Transaction.fromBuffer(tx).getId();
  }

  async getTransaction(txid: string): Promise<{ tx: Uint8Array; blockHeight: number } | undefined> {
    const tx = this.fundings.get(txid);
    return tx === undefined ? undefined : { tx, blockHeight: CHAIN.height - FUNDING_DEPTH + 1 };
  }

  async getBlock(height: number): Promise<Uint8Array> {
    throw new Error(`no block ${height} in the bench's stub`);
  }

  async getBlockHash(): Promise<string | undefined> {
    return undefined;
  }

  async getSpender(): Promise<undefined> {
    return undefined;
  }
}

/** A hub over `store`; every hub of the benchmark derives the same receiver keys, so a store's copy serves any of them. */
export function startHub(store: VersionedChannelStore, backend: ChainBackend): Promise<ReceiverHub> {
  let n = 0;
  return ReceiverHub.start({
    store, backend, resume: false,
    keys: seedKeySource(HUB_SEED, () => createHash('sha256').update(`bench hub key ${n++}`).digest('hex')),
    watcher: { feeRate: 2000n, destinationScript: walletScript, fromHeight: CHAIN.height + 1 },
  });
}

/** Sender `i`'s secrets: deterministic, so another process can restore the senders from their saved states alone. */
export function senderSecretsOf(i: number): SenderSecrets {
  return {
    fundingKey: benchKey(`hub sender ${i} funding`),
    payoutKey: benchKey(`hub sender ${i} payout`),
    updateSeed: createHash('sha256').update(`revchan bench hub sender ${i} update seed`).digest(),
  };
}

/** What a socket carries: the message's JSON text. */
function wire(m: Message): string {
  return JSON.stringify(encodeMessage(m));
}

/** The hub's answer as the sender reads it from its socket. */
function answer<T extends MessageType>(reply: Json | undefined, type: T): Extract<Message, { type: T }> {
  if (reply === undefined) throw new Error(`the hub sent no ${type}`);
  return decodeMessageOf(JSON.parse(JSON.stringify(reply)), type);
}

/** A sender of the benchmark, and how to restore it for another hub. */
export interface HubSender {
  readonly sender: Sender;
  readonly secrets: SenderSecrets;
}

/** One payment: offer, accept, revoke, each through the wire; throws unless the hub made it final. */
export async function payThroughHub(hub: ReceiverHub, s: HubSender, increment: bigint): Promise<void> {
  const accepted = await hub.handle(wire(s.sender.pay(increment)));
  const revoke = s.sender.onAccept(answer(accepted.reply, 'accept'));
  const done = await hub.handle(wire(revoke));
  if (done.paid?.increment !== increment) throw new Error('the hub did not make the payment final');
}

/** Channels opened and funded through a hub, one payment each (the hub checked its funding), as a store's contents and the senders (sender i's secrets are senderSecretsOf(i)). */
export interface HubChannelSet {
  readonly records: ReadonlyMap<string, unknown>;
  readonly senders: readonly unknown[];
  readonly backend: ConfirmedFundings;
}

/** Open `n` channels through a hub over a memory store, `chunk` at a time, each paying once. */
export async function openHubChannels(n: number, chunk = 500): Promise<HubChannelSet> {
  const backend = new ConfirmedFundings();
  const store = new MemoryChannelStore();
  const hub = await startHub(store, backend);
  const senders: HubSender[] = [];
  for (let from = 0; from < n; from += chunk) {
    const batch = await Promise.all(Array.from({ length: Math.min(chunk, n - from) }, async (_, k) => {
      const i = from + k;
      const secrets = senderSecretsOf(i);
      const { sender, message: open } = Sender.open({ capacity: HUB_CAPACITY, variant: VARIANTS[0]!.variant, feeRate: FEE_RATE, secrets });
      sender.onAcceptChannel(answer((await hub.handle(wire(open))).reply, 'accept_channel'));
      // A wallet coin of its own for each channel, so every funding outpoint differs.
      const prev = new Transaction();
      prev.version = 2;
      prev.addInput(createHash('sha256').update(`bench hub coin ${i}`).digest(), 0);
      prev.addOutput(walletScript, HUB_CAPACITY + WALLET_EXTRA);
      const coin = { txid: prev.getId(), vout: 0, value: HUB_CAPACITY + WALLET_EXTRA, script: walletScript, prevTx: prev.toBuffer() };
      const { plan, message: created } = sender.createFunding({ inputs: [coin], changeScript: walletScript, feeRate: FEE_RATE });
      backend.add(plan.tx);
      sender.onFundingSigned(answer((await hub.handle(wire(created))).reply, 'funding_signed'));
      const s = { sender, secrets };
      await payThroughHub(hub, s, 1000n);
      return s;
    }));
    senders.push(...batch);
  }
  const records = new Map<string, unknown>();
  for (const key of await store.keys()) records.set(key, (await store.load(key))!);
  return { records, senders: senders.map((s) => s.sender.toJSON()), backend };
}

/** The Receiver a hub record holds, restored with its keys. */
export function receiverOfRecord(record: unknown): Receiver {
  const r = record as { keyId: string; receiver: unknown };
  return Receiver.restore(r.receiver, HUB_KEYS.secretsOf(r.keyId) as ReceiverSecrets);
}

/** The senders again, as they were when the set was made: each store's hub gets its own. */
export function restoreSenders(saved: readonly unknown[]): HubSender[] {
  return saved.map((json, i) => {
    const secrets = senderSecretsOf(i);
    return { sender: Sender.restore(json, secrets), secrets };
  });
}
