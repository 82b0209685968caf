/**
 * What the service demo's processes share: how a server process is told
 * where everything is, what it reports back over IPC, and the file for sale
 * (made from a seed, so every server sells the same bytes and the buyers
 * can pin its hash).
 */
import { createHash } from 'node:crypto';
import { offerFile, FileForSale } from '../../examples/pay-per-chunk/file-for-sale';

/** The file for sale, as its seed and shape. */
export interface FileSpec {
  readonly seed: string;
  readonly chunks: number;
  readonly chunkSize: number;
  /** Satoshis per chunk, decimal. */
  readonly price: string;
}

/** A server process's settings, passed as its one argument (JSON). */
export interface ServerConfig {
  /** Its name in the fleet (`server-0`); the lease owner id adds its pid. */
  readonly name: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly rpcUrl: string;
  readonly rpcKey: string;
  /** The fleet's seed, hex: every server derives the same channel keys and resume tokens from it. */
  readonly fleetSeed: string;
  /** Where penalty claims pay, hex script. */
  readonly destinationScript: string;
  readonly leaseTtlMs: number;
  readonly pollMs: number;
  readonly file: FileSpec;
}

/** What a server process tells its parent. */
export type ServerReport =
  | { readonly type: 'ready'; readonly url: string; readonly owner: string }
  | { readonly type: 'broadcast'; readonly txid: string; readonly hex: string }
  | { readonly type: 'leases'; readonly added: number; readonly removed: number; readonly held: number; readonly owners: number; readonly watching: number }
  | { readonly type: 'payment' }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

/** What the parent tells a server process. */
export type ServerCommand = { readonly type: 'stop' };

/** The file for sale: `chunks` chunks of pseudo-random bytes drawn from the seed. */
export function fileOf(spec: FileSpec): FileForSale {
  const bytes = new Uint8Array(spec.chunks * spec.chunkSize);
  for (let at = 0, i = 0; at < bytes.length; at += 32, i++) {
    const block = createHash('sha256').update(`${spec.seed}/${i}`).digest();
    bytes.set(block.subarray(0, Math.min(32, bytes.length - at)), at);
  }
  return offerFile({ name: `service-demo-${spec.seed}.bin`, bytes, chunkSize: spec.chunkSize, price: BigInt(spec.price) });
}
