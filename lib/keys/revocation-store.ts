/**
 * Receiver-side storage of revealed per-update secrets (BOLT #3 "Efficient
 * Per-commitment Secret Storage"). Because secrets arrive in decreasing secret
 * index order, bucket B only ever needs the latest secret whose secret index
 * has B trailing zeros: every older secret is derivable from one of them, so
 * at most 49 entries are kept however many updates the channel sees.
 * `insert`, `get` and the saved entries speak of secret indices (BOLT 3's);
 * the update methods of an update's index, the state counter (shachain.ts).
 */
import { fail } from '../core/errors';
import { fromHex, toHex } from '../core/hash';
import { checkSecretIndex, deriveFromBase, MAX_SECRET_INDEX, SECRET_INDEX_BITS, trailingZeros, secretIndexOf } from './shachain';

const BUCKETS = SECRET_INDEX_BITS + 1;
const ENTRY_BYTES = 32 + 8;
const JSON_VERSION = 1;

/** A {@link RevocationStore} as plain JSON, for saving. */
export interface RevocationStoreJSON {
  /** The format's version, 1. */
  version: 1;
  /** Ordered by bucket (trailing zeros of the index), lowest first. */
  entries: {
    /** The secret's index, a decimal string. */
    index: string;
    /** The secret, 64 lowercase hex characters. */
    secret: string;
  }[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) fail('INVALID_ARGUMENT', 'secret must be 32 bytes');
}

/** `index` with its low `bits` bits cleared: the only index a bucket-`bits` entry can hold and still derive `index`. */
function subtreeBase(index: number, bits: number): number {
  return index - (index % 2 ** bits);
}

function invalid(msg: string, details?: Record<string, unknown>): never {
  return fail('STATE_INVALID', `revocation store: ${msg}`, details);
}

/**
 * The receiver's store of the sender's revealed per-update secrets: at most 49
 * entries however many, from which the secret of any revoked state can be derived.
 *
 * @example
 * ```ts
 * const store = new RevocationStore();
 * store.insertUpdateSecret(0n, k_0); // in the order the revokes arrive
 * store.insertUpdateSecret(1n, k_1);
 * store.getUpdateSecret(0n); // k_0, derived from what is kept
 * const saved = JSON.stringify(store.toJSON());
 * const again = RevocationStore.fromJSON(JSON.parse(saved));
 * ```
 */
export class RevocationStore {
  // Indices are kept as numbers: all fit in 48 bits, and bigint arithmetic would dominate the insert cost.
  private readonly indices: (number | undefined)[] = new Array<number | undefined>(BUCKETS).fill(undefined);
  private readonly secrets: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(BUCKETS).fill(undefined);
  private count = 0;
  private lowest: number | undefined = undefined;

  /**
   * BOLT 3 insert_secret. Everything is checked before anything is written, so
   * a rejected secret leaves the store exactly as it was.
   *
   * @param index - The secret index (BOLT 3's, 2^48-1 minus the update index): one below the last inserted (any, for the first).
   * @param secret - The 32-byte secret.
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secret` is not 32 bytes.
   * @throws {@link ChannelError} `SECRET_STORE_INCONSISTENT` if `index` is not the next one down, or `secret` does not derive a stored secret it covers.
   */
  insert(index: bigint, secret: Uint8Array): void {
    const i = checkSecretIndex(index);
    checkSecret(secret);
    if (this.lowest !== undefined && i !== this.lowest - 1) {
      fail('SECRET_STORE_INCONSISTENT', `expected the secret for index ${this.lowest - 1}, got ${i}`, {
        expected: (this.lowest - 1).toString(),
        index: i.toString(),
      });
    }
    const bucket = trailingZeros(i);
    this.checkLowerBuckets(bucket, i, secret);
    if (this.secrets[bucket] === undefined) this.count++;
    this.indices[bucket] = i;
    this.secrets[bucket] = new Uint8Array(secret);
    this.lowest = i;
  }

  /** The new secret must reproduce every stored secret it covers, or the sender lied about one of them. */
  private checkLowerBuckets(bucket: number, index: number, secret: Uint8Array): void {
    for (let b = 0; b < bucket; b++) {
      const known = this.secrets[b];
      if (known === undefined) continue;
      const knownIndex = this.indices[b]!;
      if (!sameBytes(deriveFromBase(secret, bucket, knownIndex), known)) {
        fail('SECRET_STORE_INCONSISTENT', `secret for index ${index} does not derive the stored secret for index ${knownIndex}`, {
          index: index.toString(),
          storedIndex: knownIndex.toString(),
        });
      }
    }
  }

  /**
   * BOLT 3 derive_old_secret: undefined when no stored entry covers `index`.
   *
   * @param index - The secret index (BOLT 3's, 2^48-1 minus the update index).
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
   */
  get(index: bigint): Uint8Array | undefined {
    const i = checkSecretIndex(index);
    for (let b = 0; b < BUCKETS; b++) {
      const known = this.secrets[b];
      if (known === undefined) continue;
      if (subtreeBase(i, b) === this.indices[b]) return deriveFromBase(known, b, i);
    }
    return undefined;
  }

  /** The most recently inserted secret index (BOLT 3's). */
  lowestIndex(): bigint | undefined {
    return this.lowest === undefined ? undefined : BigInt(this.lowest);
  }

  /** The number of entries kept, at most 49. */
  size(): number {
    return this.count;
  }

  /** Secret plus an 8-byte index per entry, the footprint BOLT 3 bounds. */
  storedBytes(): number {
    return this.count * ENTRY_BYTES;
  }

  /**
   * True if the store holds the secret of every update index below `index`
   * and of none from `index` up: what a receiver whose current index is
   * `index` has been revealed. A store fromJSON accepted is what inserts from
   * some secret index down to its lowest left, so its secrets cover every
   * secret index from the lowest up to any they cover: the lowest and
   * update 0 settle it.
   *
   * @param index - The receiver's current update index (the state counter).
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48].
   */
  coversIndicesBelow(index: bigint): boolean {
    if (typeof index !== 'bigint' || index < 0n || index > MAX_SECRET_INDEX + 1n) fail('SECRET_INDEX_OUT_OF_RANGE', 'update index must be a bigint in [0, 2^48]');
    if (index === 0n) return this.count === 0;
    return this.lowest === Number(secretIndexOf(index - 1n)) && this.get(secretIndexOf(0n)) !== undefined;
  }

  /**
   * The old name of {@link RevocationStore.coversIndicesBelow}.
   *
   * @deprecated Use {@link RevocationStore.coversIndicesBelow}.
   * @param index - The receiver's current update index (the state counter).
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48].
   */
  coversStatesBelow(index: bigint): boolean {
    return this.coversIndicesBelow(index);
  }

  /**
   * Insert the secret of a revoked update: {@link RevocationStore.insert} at its secret index.
   *
   * @param index - The revoked update's index (the state counter): one above the last inserted (any, for the first).
   * @param secret - k_index, 32 bytes.
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secret` is not 32 bytes.
   * @throws {@link ChannelError} `SECRET_STORE_INCONSISTENT` if `index` is not the next one up, or `secret` does not derive a stored secret.
   */
  insertUpdateSecret(index: bigint, secret: Uint8Array): void {
    this.insert(secretIndexOf(index), secret);
  }

  /**
   * The old name of {@link RevocationStore.insertUpdateSecret}.
   *
   * @deprecated Use {@link RevocationStore.insertUpdateSecret}.
   * @param index - The revoked update's index (the state counter): one above the last inserted (any, for the first).
   * @param secret - k_index, 32 bytes.
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `secret` is not 32 bytes.
   * @throws {@link ChannelError} `SECRET_STORE_INCONSISTENT` if `index` is not the next one up, or `secret` does not derive a stored secret.
   */
  insertState(index: bigint, secret: Uint8Array): void {
    this.insertUpdateSecret(index, secret);
  }

  /**
   * The secret of a revoked update, or undefined if the store does not cover it.
   *
   * @param index - The update's index (the state counter).
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
   */
  getUpdateSecret(index: bigint): Uint8Array | undefined {
    return this.get(secretIndexOf(index));
  }

  /**
   * The old name of {@link RevocationStore.getUpdateSecret}.
   *
   * @deprecated Use {@link RevocationStore.getUpdateSecret}.
   * @param index - The update's index (the state counter).
   * @throws {@link ChannelError} `SECRET_INDEX_OUT_OF_RANGE` if `index` is not a bigint in [0, 2^48-1].
   */
  getState(index: bigint): Uint8Array | undefined {
    return this.getUpdateSecret(index);
  }

  /** The store as plain JSON; {@link RevocationStore.fromJSON} reads it back. */
  toJSON(): RevocationStoreJSON {
    const entries: RevocationStoreJSON['entries'] = [];
    for (let b = 0; b < BUCKETS; b++) {
      const secret = this.secrets[b];
      if (secret !== undefined) entries.push({ index: this.indices[b]!.toString(), secret: toHex(secret) });
    }
    return { version: JSON_VERSION, entries };
  }

  /**
   * Rebuilds a store from toJSON() output. Only canonical data is accepted, and
   * the entries must be exactly what some run of valid inserts leaves behind,
   * with secrets that derive one another, so a corrupted or edited file cannot
   * make get() hand out a wrong secret later.
   *
   * @param json - What {@link RevocationStore.toJSON} gave, parsed.
   * @throws {@link ChannelError} `STATE_INVALID` if `json` is not canonical, or its entries are not what valid inserts leave or do not derive one another.
   */
  static fromJSON(json: unknown): RevocationStore {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return invalid('must be an object');
    const obj = json as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    if (keys.length !== 2 || keys[0] !== 'entries' || keys[1] !== 'version') return invalid('must have exactly the keys version and entries');
    if (obj.version !== JSON_VERSION) return invalid('unsupported version');
    if (!Array.isArray(obj.entries)) return invalid('entries must be an array');
    if (obj.entries.length > BUCKETS) return invalid(`at most ${BUCKETS} entries`);

    const store = new RevocationStore();
    let previousBucket = -1;
    for (const raw of obj.entries as unknown[]) {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return invalid('entry must be an object');
      const entry = raw as Record<string, unknown>;
      const entryKeys = Object.keys(entry).sort();
      if (entryKeys.length !== 2 || entryKeys[0] !== 'index' || entryKeys[1] !== 'secret') return invalid('entry must have exactly the keys index and secret');
      const { index, secret } = entry;
      if (typeof index !== 'string' || !/^(0|[1-9][0-9]{0,14})$/.test(index)) return invalid('entry index must be a canonical decimal string');
      const indexBig = BigInt(index);
      if (indexBig > MAX_SECRET_INDEX) return invalid('entry index out of range');
      if (typeof secret !== 'string' || !/^[0-9a-f]{64}$/.test(secret)) return invalid('entry secret must be 64 lowercase hex characters');
      const i = Number(indexBig);
      const bucket = trailingZeros(i);
      if (bucket <= previousBucket) return invalid('entries must be in increasing bucket order, one per bucket');
      previousBucket = bucket;
      store.indices[bucket] = i;
      store.secrets[bucket] = fromHex(secret);
      store.count++;
      if (store.lowest === undefined || i < store.lowest) store.lowest = i;
    }
    store.checkReachable();
    store.checkConsistent();
    return store;
  }

  /**
   * Inserting every index from some F down to L leaves, in bucket b, the
   * smallest index >= L with b trailing zeros, and fills exactly the buckets
   * whose such index is <= F. Anything else did not come from insert().
   */
  private checkReachable(): void {
    if (this.lowest === undefined) return;
    const lowest = this.lowest;
    let highest = lowest;
    for (let b = 0; b < BUCKETS; b++) {
      const idx = this.indices[b];
      if (idx !== undefined && idx > highest) highest = idx;
    }
    for (let b = 0; b < BUCKETS; b++) {
      const expected = smallestWithTrailingZeros(lowest, b);
      const idx = this.indices[b];
      if (idx !== undefined && idx !== expected) return invalid(`entry ${idx} cannot be in bucket ${b} when the lowest index is ${lowest}`);
      if (idx === undefined && expected !== undefined && expected <= highest) return invalid(`bucket ${b} is missing index ${expected}`);
    }
  }

  /** Every entry that lies in another entry's subtree must be derivable from it, as insert() would have checked. */
  private checkConsistent(): void {
    for (let top = 1; top < BUCKETS; top++) {
      const secret = this.secrets[top];
      if (secret === undefined) continue;
      const base = this.indices[top]!;
      for (let b = 0; b < top; b++) {
        const known = this.secrets[b];
        if (known === undefined) continue;
        const idx = this.indices[b]!;
        if (subtreeBase(idx, top) !== base) continue;
        if (!sameBytes(deriveFromBase(secret, top, idx), known)) {
          invalid(`stored secret for index ${base} does not derive the stored secret for index ${idx}`, {
            index: base.toString(),
            storedIndex: idx.toString(),
          });
        }
      }
    }
  }
}

/** Smallest index >= `from` with exactly `bits` trailing zeros, or undefined if none is a valid index. */
function smallestWithTrailingZeros(from: number, bits: number): number | undefined {
  if (bits === SECRET_INDEX_BITS) return from === 0 ? 0 : undefined;
  const step = 2 ** (bits + 1);
  const offset = 2 ** bits;
  // Candidates are k * 2^(bits+1) + 2^bits.
  let candidate = from - (from % step) + offset;
  if (candidate < from) candidate += step;
  return candidate <= 2 ** SECRET_INDEX_BITS - 1 ? candidate : undefined;
}
