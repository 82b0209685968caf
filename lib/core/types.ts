/**
 * Shared value types. Keys and timelocks are branded so that a receiver key
 * passed where a sender key belongs, or a block height where a delay belongs,
 * fails to compile instead of producing a valid-looking but wrong script.
 */
import { ecc } from './ecc';
import { fail } from './errors';

declare const brand: unique symbol;
/**
 * `T` tagged with the name `B`, so that two kinds of bytes (or numbers) with
 * the same representation do not mix. Values get a brand only through the
 * checking functions, such as {@link asPublicKey}.
 */
export type Brand<T, B extends string> = T & {
  /** Exists only for the compiler: no value carries it at run time. */
  readonly [brand]: B;
};

/** A 33-byte compressed secp256k1 point, checked to be on the curve. */
export type PublicKey = Brand<Uint8Array, 'PublicKey'>;
/** A 32-byte scalar in [1, n-1]. */
export type PrivateKey = Brand<Uint8Array, 'PrivateKey'>;

/**
 * Check that `bytes` is a compressed public key and brand it as one.
 *
 * @param bytes - 33 bytes, prefix 0x02 or 0x03.
 * @param what - The name of the value in the error message.
 * @returns The same bytes, typed as {@link PublicKey}.
 * @throws {@link ChannelError} `INVALID_KEY` if `bytes` is not 33 bytes with a compressed prefix, or not a point on the curve.
 */
export function asPublicKey(bytes: Uint8Array, what = 'public key'): PublicKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) {
    fail('INVALID_KEY', `${what} must be a 33-byte compressed point`);
  }
  const lib = ecc();
  if (knownBy !== lib) {
    KNOWN_POINTS.clear();
    knownBy = lib;
  }
  const text = String.fromCharCode(...bytes);
  if (KNOWN_POINTS.has(text)) return bytes as PublicKey;
  if (!lib.isPoint(bytes)) fail('INVALID_KEY', `${what} is not on the curve`);
  if (KNOWN_POINTS.size >= KNOWN_POINTS_MAX) KNOWN_POINTS.clear();
  KNOWN_POINTS.add(text);
  return bytes as PublicKey;
}

/**
 * Points already found on the curve, by their bytes. Decompressing a point
 * costs about as much as verifying a signature, and the same few keys (a
 * channel's, a state's K_i) are checked again for every script compiled with
 * them: each live HTLC's, on every update. Keyed by content, so a caller that
 * changes its bytes afterwards is checked afresh; bounded, emptied when full
 * and when another ECC library is put in use (its answers are its own).
 */
const KNOWN_POINTS = new Set<string>();
const KNOWN_POINTS_MAX = 4096;
let knownBy: unknown;

/**
 * Check that `bytes` is a private key and brand it as one.
 *
 * @param bytes - 32 bytes, a scalar in [1, n-1].
 * @param what - The name of the value in the error message.
 * @returns The same bytes, typed as {@link PrivateKey}.
 * @throws {@link ChannelError} `INVALID_KEY` if `bytes` is not 32 bytes or not in [1, n-1].
 */
export function asPrivateKey(bytes: Uint8Array, what = 'private key'): PrivateKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32 || !ecc().isPrivate(bytes)) {
    fail('INVALID_KEY', `${what} must be a 32-byte scalar in [1, n-1]`);
  }
  return bytes as PrivateKey;
}

/**
 * secp256k1 private-to-public, compressed.
 *
 * @param priv - The private key.
 * @returns The 33-byte compressed public key.
 * @throws {@link ChannelError} `INVALID_KEY` if `priv` is not a valid private key.
 */
export function derivePublicKey(priv: PrivateKey): PublicKey {
  // The ECC library refuses a bad scalar too, but with its own error. The payment hot path, whose secrets are checked already, uses shachain's updateKeyOf.
  asPrivateKey(priv);
  const pub = ecc().pointFromScalar(priv, true);
  if (pub === null) fail('INVALID_KEY', 'private key has no public key');
  return pub as PublicKey;
}

/** Absolute lock for OP_CHECKLOCKTIMEVERIFY: a block height or a unix time, never mixed. */
export type AbsoluteLock =
  | {
    /** A block height, in [1, LOCKTIME_THRESHOLD - 1]. */
    readonly height: number;
  }
  | {
    /** A unix time in seconds, in [LOCKTIME_THRESHOLD, MAX_LOCK_TIME]. */
    readonly time: number;
  };
/** Relative lock for OP_CHECKSEQUENCEVERIFY, in blocks (BIP 68 height-based). */
export type RelativeLock = {
  /** The delay in blocks, in [1, 65535]. */
  readonly blocks: number;
};

/** nLockTime values below this are block heights, values from it on unix times (Bitcoin's consensus rule). */
export const LOCKTIME_THRESHOLD = 500_000_000;
/** The largest absolute lock time revchan accepts, 2^31-1. */
export const MAX_LOCK_TIME = 0x7fffffff;

/**
 * The nLockTime value of an absolute lock, checked.
 *
 * @param lock - `{height}` or `{time}`.
 * @returns The number to put in nLockTime and the CLTV script.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `lock` is neither shape, or its value is out of its range.
 */
export function absoluteLockValue(lock: AbsoluteLock): number {
  if (lock === null || typeof lock !== 'object') fail('INVALID_TIMELOCK', 'absolute lock must be {height} or {time}');
  if ('height' in lock) {
    const h = lock.height;
    if (!Number.isSafeInteger(h) || h < 1 || h >= LOCKTIME_THRESHOLD) {
      fail('INVALID_TIMELOCK', `CLTV height must be in [1, ${LOCKTIME_THRESHOLD - 1}]`);
    }
    return h;
  }
  if ('time' in lock) {
    const t = lock.time;
    // Miniscript's after() stops at 2^31-1; beyond it a wallet could not register the policy.
    if (!Number.isSafeInteger(t) || t < LOCKTIME_THRESHOLD || t > MAX_LOCK_TIME) {
      fail('INVALID_TIMELOCK', `CLTV time must be in [${LOCKTIME_THRESHOLD}, 2^31-1]`);
    }
    return t;
  }
  return fail('INVALID_TIMELOCK', 'absolute lock must be {height} or {time}');
}

/**
 * The nSequence value of a relative lock, checked.
 *
 * @param lock - `{blocks}`.
 * @returns The number of blocks, for nSequence and the CSV script.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `lock` is not `{blocks}` with blocks in [1, 65535].
 */
export function relativeLockValue(lock: RelativeLock): number {
  if (lock === null || typeof lock !== 'object') fail('INVALID_TIMELOCK', 'CSV delay must be {blocks}');
  const d = (lock as { blocks?: unknown }).blocks;
  // BIP 68 height locks use the low 16 bits with the type flag clear.
  if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1 || d > 0xffff) {
    fail('INVALID_TIMELOCK', 'CSV delay must be {blocks} in [1, 65535]');
  }
  return d;
}

/** Which timeout guards the sender's revocable output. */
export type Variant =
  | {
    /** The sender's output unlocks at a fixed height or time, the same for every payment. */
    readonly kind: 'cltv';
    /** When the sender may take the channel back alone. */
    readonly expiry: AbsoluteLock;
  }
  | {
    /** The sender's output unlocks a delay after the payment transaction confirms. */
    readonly kind: 'csv';
    /** How long after confirmation the sender may take its output. */
    readonly delay: RelativeLock;
  };

/** `'cltv'` or `'csv'`. */
export type VariantKind = Variant['kind'];

/**
 * Check a variant's shape and its timelock.
 *
 * @param v - The variant.
 * @returns `v`, unchanged.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `v` is not a variant or its lock is out of range.
 */
export function checkVariant(v: Variant): Variant {
  if (v === null || typeof v !== 'object') fail('INVALID_TIMELOCK', 'variant must be an object');
  if (v.kind === 'cltv') absoluteLockValue(v.expiry);
  else if (v.kind === 'csv') relativeLockValue(v.delay);
  else fail('INVALID_TIMELOCK', 'variant kind must be cltv or csv');
  return v;
}

/** An outpoint with the txid in the usual display (big-endian hex) order. */
export interface OutPoint {
  /** The transaction id, 64 lowercase hex characters. */
  readonly txid: string;
  /** The output's index in that transaction. */
  readonly vout: number;
}

/** 21 million bitcoin in satoshis: no amount is larger. */
export const MAX_MONEY = 21_000_000n * 100_000_000n;
/** Dust limits used by Bitcoin Core's default relay policy at 3 sat/vB discard rate. */
export const DUST_P2WPKH = 294n;
/** The dust limit of a P2WSH output, by the same policy. */
export const DUST_P2WSH = 330n;

/**
 * Check an amount of satoshis.
 *
 * @param v - The amount.
 * @param what - The name of the value in the error message.
 * @param min - The smallest allowed value (0 by default).
 * @param max - The largest allowed value ({@link MAX_MONEY} by default).
 * @returns `v`, unchanged.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if `v` is not a bigint or is outside [min, max].
 */
export function checkAmount(v: bigint, what: string, min = 0n, max = MAX_MONEY): bigint {
  if (typeof v !== 'bigint') fail('INVALID_AMOUNT', `${what} must be a bigint`);
  if (v < min || v > max) fail('INVALID_AMOUNT', `${what} must be in [${min}, ${max}]`, { value: v.toString() });
  return v;
}

/**
 * Fee rates are in satoshis per 1000 weight units, as in BOLT 3
 * (1 sat/vB = 250 sat/kw). Integer arithmetic keeps both parties' fees equal.
 */
export type FeeRate = bigint;

/** The largest fee rate any function takes: 1e8 sat/kw, a whole bitcoin for a 1000-weight transaction. */
export const MAX_FEE_RATE: FeeRate = 100_000_000n;

/**
 * The lowest fee rate of a transaction that must relay: Bitcoin Core relays
 * nothing below 1 sat/vB, which is 250 sat/kw, and counts a transaction's
 * size in whole vbytes, so 253 leaves room for that rounding (LDK's floor).
 */
export const MIN_FEE_RATE: FeeRate = 253n;

/**
 * Check a fee rate's type and range.
 *
 * @param r - The fee rate in sat/kw.
 * @returns `r`, unchanged.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `r` is not a bigint in [0, {@link MAX_FEE_RATE}].
 */
export function checkFeeRate(r: FeeRate): FeeRate {
  if (typeof r !== 'bigint' || r < 0n || r > MAX_FEE_RATE) fail('INVALID_FEE_RATE', 'fee rate must be a bigint sat/kw in [0, 1e8]');
  return r;
}

/**
 * A fee rate for a transaction both parties rely on relaying (the channel's
 * payment versions, a cooperative close): malformed is INVALID_FEE_RATE,
 * below MIN_FEE_RATE is FEE_RATE_REFUSED. The one place that decides it.
 *
 * @param r - The fee rate in sat/kw.
 * @param what - The name of the value in the error message.
 * @returns `r`, unchanged.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `r` is not a bigint in [0, {@link MAX_FEE_RATE}].
 * @throws {@link ChannelError} `FEE_RATE_REFUSED` if `r` is below {@link MIN_FEE_RATE}.
 */
export function checkRelayFeeRate(r: FeeRate, what = 'fee rate'): FeeRate {
  checkFeeRate(r);
  if (r < MIN_FEE_RATE) fail('FEE_RATE_REFUSED', `${what} ${r} sat/kw is below the relay floor of ${MIN_FEE_RATE} sat/kw`, { feeRate: r.toString(), min: MIN_FEE_RATE.toString() });
  return r;
}

/**
 * fee = ceil(weight * rate / 1000): never below the rate the caller asked for.
 *
 * @param weight - The transaction's weight in weight units.
 * @param rate - The fee rate in sat/kw.
 * @returns The fee in satoshis.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `weight` is not a non-negative integer.
 * @throws {@link ChannelError} `INVALID_FEE_RATE` if `rate` is not a valid fee rate.
 */
export function feeForWeight(weight: number, rate: FeeRate): bigint {
  if (!Number.isSafeInteger(weight) || weight < 0) fail('INVALID_ARGUMENT', 'weight must be a non-negative integer');
  checkFeeRate(rate);
  return (BigInt(weight) * rate + 999n) / 1000n;
}

/**
 * Check a txid's form.
 *
 * @param txid - The txid in display order.
 * @param what - The name of the value in the error message.
 * @returns `txid`, unchanged.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `txid` is not 64 lowercase hex characters.
 */
export function checkTxid(txid: string, what = 'txid'): string {
  if (typeof txid !== 'string' || !/^[0-9a-f]{64}$/.test(txid)) fail('INVALID_ARGUMENT', `${what} must be 64 lowercase hex characters`);
  return txid;
}

/**
 * Check an output index.
 *
 * @param vout - The index.
 * @returns `vout`, unchanged.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `vout` is not an integer in [0, 2^32-1].
 */
export function checkVout(vout: number): number {
  if (!Number.isSafeInteger(vout) || vout < 0 || vout > 0xffffffff) fail('INVALID_ARGUMENT', 'vout out of range');
  return vout;
}
