/**
 * Whether any payment was lost or counted twice, decided by comparing what
 * each buyer saw with what the database holds, never by counters the
 * servers kept: a buyer's chunk n arrived only once the fleet answered that
 * payment n was final, so the stored final amount must cover every chunk the
 * buyer received (else a payment was lost), and may not exceed what the
 * buyer agreed to pay (else one was counted twice). Each stored channel's
 * close must be on chain and pay the seller the stored amount.
 */
import { Client } from 'pg';
import { Transaction } from 'bitcoinjs-lib';
import { deriveChannelId, toHex } from '../../lib';
import type { ServiceBuyer } from './buyer';

/** A channel as its record in the database holds it. */
export interface StoredChannel {
  readonly phase: string;
  /** The final amount. */
  readonly amount: bigint;
  /** The current state's number: one per payment made final. */
  readonly index: number;
  /** The cooperative close both signed, hex. */
  readonly closeTx?: string;
}

/** What the comparison found. */
export interface Audit {
  /** Payments the buyers made: the states they agreed to and revoked the one before. */
  readonly paymentsMade: number;
  /** Payments the buyers saw acknowledged: chunks received. */
  readonly paymentsAcknowledged: number;
  /** Payments final in the database. */
  readonly paymentsFinal: number;
  /** Acknowledged, and not final in the database. */
  readonly paymentsLost: number;
  /** Final in the database beyond what the buyers paid. */
  readonly paymentsDoubleCounted: number;
  /** Channels whose stored close is confirmed on the node. */
  readonly closesOnChain: number;
  /** Of those, closes that pay the seller exactly the stored final amount and are the close the buyer signed. */
  readonly closesMatchingDatabase: number;
  /** Anything else out of place, in words. */
  readonly problems: readonly string[];
}

/**
 * Every channel record of the hubs' table, by channel id.
 *
 * @param databaseUrl - The PostgreSQL server.
 */
export async function readStoredChannels(databaseUrl: string): Promise<Map<string, StoredChannel>> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    // The hub's record layout (lib/service/hub-records.ts): rt-<temporary id> holds {keyId, receiver}.
    const { rows } = await db.query<{ r: Record<string, any> }>(`SELECT state->'receiver' AS r FROM revchan_channels WHERE key LIKE 'rt-%'`);
    const out = new Map<string, StoredChannel>();
    for (const { r } of rows) {
      if (r.funding === null) continue;
      const id = toHex(deriveChannelId(r.funding.txid, r.funding.vout));
      out.set(id, {
        phase: r.phase, amount: BigInt(r.current?.amount ?? '0'), index: Number(r.current?.index ?? 0),
        ...(typeof r.close?.tx === 'string' ? { closeTx: r.close.tx } : {}),
      });
    }
    return out;
  } finally {
    await db.end();
  }
}

/**
 * Compare the buyers with the database and the chain.
 *
 * @param p - The buyers and their closes, the stored channels, the price, and the node's view of a txid.
 */
export async function audit(p: {
  readonly buyers: readonly ServiceBuyer[];
  /** Each buyer's signed close, by channel id. */
  readonly closes: ReadonlyMap<string, Transaction>;
  readonly stored: ReadonlyMap<string, StoredChannel>;
  readonly price: bigint;
  readonly confirmations: (txid: string) => Promise<number>;
}): Promise<Audit> {
  let made = 0;
  let acknowledged = 0;
  let final = 0;
  let lost = 0;
  let doubled = 0;
  let onChain = 0;
  let matching = 0;
  const problems: string[] = [];
  for (const b of p.buyers) {
    const id = b.channelId ?? '(unopened)';
    const paid = Number(b.paid / p.price);
    const acked = b.chunks.size;
    made += paid;
    acknowledged += acked;
    const row = id ? p.stored.get(id) : undefined;
    if (row === undefined) {
      problems.push(`channel ${id}: not in the database`);
      lost += acked;
      continue;
    }
    if (row.amount % p.price !== 0n) problems.push(`channel ${id}: stored amount ${row.amount} is not a whole number of chunks`);
    const count = Number(row.amount / p.price);
    final += count;
    lost += Math.max(0, acked - count);
    doubled += Math.max(0, count - paid);
    if (row.index !== count) problems.push(`channel ${id}: state ${row.index} after ${count} payments`);
    if (row.phase !== 'closed' || row.closeTx === undefined) {
      problems.push(`channel ${id}: stored as ${row.phase}, ${row.closeTx === undefined ? 'no' : 'a'} close`);
      continue;
    }
    const close = Transaction.fromHex(row.closeTx);
    const confirmations = await p.confirmations(close.getId()).catch(() => 0);
    if (confirmations < 1) {
      problems.push(`channel ${id}: close ${close.getId()} not confirmed`);
      continue;
    }
    onChain++;
    const paysStored = row.amount === 0n || close.outs.some((o) => o.value === row.amount);
    if (paysStored && p.closes.get(id)?.getId() === close.getId()) matching++;
    else problems.push(`channel ${id}: the close on chain is not the buyer's, or does not pay the stored ${row.amount}`);
  }
  return {
    paymentsMade: made, paymentsAcknowledged: acknowledged, paymentsFinal: final, paymentsLost: lost, paymentsDoubleCounted: doubled,
    closesOnChain: onChain, closesMatchingDatabase: matching, problems,
  };
}
