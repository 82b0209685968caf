/**
 * Shared value types. Keys and timelocks are branded so that a receiver key
 * passed where a sender key belongs, or a block height where a delay belongs,
 * fails to compile instead of producing a valid-looking but wrong script.
 */
import { ecc } from './ecc';
import { fail } from './errors';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A 33-byte compressed secp256k1 point, checked to be on the curve. */
export type PublicKey = Brand<Uint8Array, 'PublicKey'>;
/** A 32-byte scalar in [1, n-1]. */
export type PrivateKey = Brand<Uint8Array, 'PrivateKey'>;

export function asPublicKey(bytes: Uint8Array, what = 'public key'): PublicKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) {
    fail('INVALID_KEY', `${what} must be a 33-byte compressed point`);
  }
  if (!ecc().isPoint(bytes)) fail('INVALID_KEY', `${what} is not on the curve`);
  return bytes as PublicKey;
}

export function asPrivateKey(bytes: Uint8Array, what = 'private key'): PrivateKey {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32 || !ecc().isPrivate(bytes)) {
    fail('INVALID_KEY', `${what} must be a 32-byte scalar in [1, n-1]`);
  }
  return bytes as PrivateKey;
}

/** secp256k1 private-to-public, compressed. */
export function derivePublicKey(priv: PrivateKey): PublicKey {
  // The ECC library refuses a bad scalar too, but with its own error. The payment hot path, whose secrets are checked already, uses shachain's updateKeyOf.
  asPrivateKey(priv);
  const pub = ecc().pointFromScalar(priv, true);
  if (pub === null) fail('INVALID_KEY', 'private key has no public key');
  return pub as PublicKey;
}

/** Absolute lock for OP_CHECKLOCKTIMEVERIFY: a block height or a unix time, never mixed. */
export type AbsoluteLock = { readonly height: number } | { readonly time: number };
/** Relative lock for OP_CHECKSEQUENCEVERIFY, in blocks (BIP 68 height-based). */
export type RelativeLock = { readonly blocks: number };

export const LOCKTIME_THRESHOLD = 500_000_000;
export const MAX_LOCK_TIME = 0x7fffffff;

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
  | { readonly kind: 'cltv'; readonly expiry: AbsoluteLock }
  | { readonly kind: 'csv'; readonly delay: RelativeLock };

export type VariantKind = Variant['kind'];

export function checkVariant(v: Variant): Variant {
  if (v === null || typeof v !== 'object') fail('INVALID_TIMELOCK', 'variant must be an object');
  if (v.kind === 'cltv') absoluteLockValue(v.expiry);
  else if (v.kind === 'csv') relativeLockValue(v.delay);
  else fail('INVALID_TIMELOCK', 'variant kind must be cltv or csv');
  return v;
}

/** An outpoint with the txid in the usual display (big-endian hex) order. */
export interface OutPoint {
  readonly txid: string;
  readonly vout: number;
}

export const MAX_MONEY = 21_000_000n * 100_000_000n;
/** Dust limits used by Bitcoin Core's default relay policy at 3 sat/vB discard rate. */
export const DUST_P2WPKH = 294n;
export const DUST_P2WSH = 330n;

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

export function checkFeeRate(r: FeeRate): FeeRate {
  if (typeof r !== 'bigint' || r < 0n || r > MAX_FEE_RATE) fail('INVALID_FEE_RATE', 'fee rate must be a bigint sat/kw in [0, 1e8]');
  return r;
}

/**
 * A fee rate for a transaction both parties rely on relaying (the channel's
 * payment versions, a cooperative close): malformed is INVALID_FEE_RATE,
 * below MIN_FEE_RATE is FEE_RATE_REFUSED. The one place that decides it.
 */
export function checkRelayFeeRate(r: FeeRate, what = 'fee rate'): FeeRate {
  checkFeeRate(r);
  if (r < MIN_FEE_RATE) fail('FEE_RATE_REFUSED', `${what} ${r} sat/kw is below the relay floor of ${MIN_FEE_RATE} sat/kw`, { feeRate: r.toString(), min: MIN_FEE_RATE.toString() });
  return r;
}

/** fee = ceil(weight * rate / 1000): never below the rate the caller asked for. */
export function feeForWeight(weight: number, rate: FeeRate): bigint {
  if (!Number.isSafeInteger(weight) || weight < 0) fail('INVALID_ARGUMENT', 'weight must be a non-negative integer');
  checkFeeRate(rate);
  return (BigInt(weight) * rate + 999n) / 1000n;
}

export function checkTxid(txid: string, what = 'txid'): string {
  if (typeof txid !== 'string' || !/^[0-9a-f]{64}$/.test(txid)) fail('INVALID_ARGUMENT', `${what} must be 64 lowercase hex characters`);
  return txid;
}

export function checkVout(vout: number): number {
  if (!Number.isSafeInteger(vout) || vout < 0 || vout > 0xffffffff) fail('INVALID_ARGUMENT', 'vout out of range');
  return vout;
}
