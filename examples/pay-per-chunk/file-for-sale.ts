/**
 * The seller's side of the file: cut into chunks, each with its hash, and
 * the terms that announce them. Pure: the server reads the file and hands
 * its bytes in.
 */
import { fail, sha256 } from '../../lib';
import { ChunkTerms, MAX_CHUNKS, MAX_CHUNK_SIZE } from './chunk-protocol';

/** A file offered chunk by chunk at a price per chunk. */
export interface FileForSale {
  /** The terms every connection is sent first. */
  readonly terms: ChunkTerms;
  /**
   * Chunk `index`'s bytes.
   * @param index - The chunk, from 0; the caller has checked it is one of the file's.
   */
  chunk(index: number): Uint8Array;
}

/**
 * Cuts a file into chunks and hashes them.
 *
 * @param p - The file's name and bytes, the chunk size and the price per chunk.
 * @returns The file, ready to sell.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `p` is malformed, the file is empty, or it has more than {@link MAX_CHUNKS} chunks.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `price` is not a positive bigint.
 */
export function offerFile(p: {
  /** The file's name, for people. */
  readonly name: string;
  /** Its bytes. */
  readonly bytes: Uint8Array;
  /** Bytes per chunk, at most {@link MAX_CHUNK_SIZE}. */
  readonly chunkSize: number;
  /** Satoshis per chunk. */
  readonly price: bigint;
}): FileForSale {
  if (p === null || typeof p !== 'object' || typeof p.name !== 'string' || !(p.bytes instanceof Uint8Array) || p.bytes.length === 0) {
    fail('INVALID_ARGUMENT', 'offerFile needs a name and a non-empty Uint8Array');
  }
  if (!Number.isSafeInteger(p.chunkSize) || p.chunkSize < 1 || p.chunkSize > MAX_CHUNK_SIZE) fail('INVALID_ARGUMENT', `chunkSize must be in [1, ${MAX_CHUNK_SIZE}]`);
  if (typeof p.price !== 'bigint' || p.price <= 0n) fail('INVALID_AMOUNT', 'price must be a positive bigint');
  const count = Math.ceil(p.bytes.length / p.chunkSize);
  if (count > MAX_CHUNKS) fail('INVALID_ARGUMENT', `at most ${MAX_CHUNKS} chunks`);
  // A copy: the seller sells what it hashed, whatever the caller does with its buffer afterwards.
  const bytes = Uint8Array.from(p.bytes);
  const chunks = Array.from({ length: count }, (_, i) => bytes.subarray(i * p.chunkSize, (i + 1) * p.chunkSize));
  return {
    terms: {
      type: 'chunk.terms', name: p.name.slice(0, 200), size: bytes.length, chunkSize: p.chunkSize, price: p.price,
      chunkHashes: chunks.map((c) => sha256(c)), fileHash: sha256(bytes),
    },
    chunk: (index) => Uint8Array.from(chunks[index]!),
  };
}
