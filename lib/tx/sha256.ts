/**
 * SHA-256 (FIPS 180-4) for the short messages of the payment path. A payment
 * hashes about twenty messages of 32 to 230 bytes (four BIP 143 sighashes,
 * two P2WSH scripts, shachain steps); at these sizes a general-purpose hasher
 * spends more on its per-call objects (hasher, views, padding buffer, a
 * BigInt length) than on the compression itself. This one compresses from the
 * caller's bytes into module-level scratch state and allocates only the 32-byte
 * result. It also resumes from a saved midstate, so a preimage whose first
 * blocks never change (the BIP 143 one) hashes only its last blocks.
 *
 * Synchronous and not re-entrant by design: the scratch arrays are shared, and
 * nothing here yields. Checked against @noble/hashes on every length up to a few
 * blocks and against the FIPS 180-4 examples (test/sha256.spec.ts).
 */

/** First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** First 32 bits of the fractional parts of the square roots of the first 8 primes. */
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const W = new Int32Array(64);
const STATE = new Int32Array(8);
/** The last one or two blocks: the message's tail, the 0x80 byte, zeros and the bit length. */
const TAIL = new Uint8Array(128);

/** One 64-byte block of `b` at `o` into `s`; each round extends the message schedule as it goes. */
function compress(s: Int32Array, b: Uint8Array, o: number): void {
  let a = s[0]!, b1 = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!;
  for (let t = 0; t < 64; t++) {
    let w: number;
    if (t < 16) {
      w = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
      o += 4;
    } else {
      const x = W[t - 15]!;
      const y = W[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
    }
    W[t] = w;
    const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + sigma1 + ((e & f) ^ (~e & g)) + K[t]! + w) | 0;
    const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (sigma0 + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b1;
    b1 = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + b1) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
  s[5] = (s[5]! + f) | 0;
  s[6] = (s[6]! + g) | 0;
  s[7] = (s[7]! + h) | 0;
}

/**
 * Hash `data[from, to)` into STATE, which holds the state after `before`
 * bytes (a multiple of 64) that came earlier; then pad for a message of
 * `before + to - from` bytes and write the digest to `out` at `at`.
 */
function finish(data: Uint8Array, from: number, to: number, before: number, out: Uint8Array, at: number): void {
  const n = to - from;
  const full = from + n - (n % 64);
  for (let o = from; o < full; o += 64) compress(STATE, data, o);
  const rest = to - full;
  const end = rest + 9 > 64 ? 128 : 64;
  TAIL.fill(0, 0, end);
  for (let i = 0; i < rest; i++) TAIL[i] = data[full + i]!;
  TAIL[rest] = 0x80;
  // The length in bits, big-endian in the last 8 bytes; messages here stay far below 2^53 bits.
  const bits = (before + n) * 8;
  const high = Math.floor(bits / 0x100000000);
  TAIL[end - 8] = high >>> 24;
  TAIL[end - 7] = high >>> 16;
  TAIL[end - 6] = high >>> 8;
  TAIL[end - 5] = high;
  TAIL[end - 4] = bits >>> 24;
  TAIL[end - 3] = bits >>> 16;
  TAIL[end - 2] = bits >>> 8;
  TAIL[end - 1] = bits;
  compress(STATE, TAIL, 0);
  if (end === 128) compress(STATE, TAIL, 64);
  for (let i = 0; i < 8; i++) {
    const v = STATE[i]!;
    out[at + 4 * i] = v >>> 24;
    out[at + 4 * i + 1] = v >>> 16;
    out[at + 4 * i + 2] = v >>> 8;
    out[at + 4 * i + 3] = v;
  }
}

/** The first of two hashes, where a double hash needs it and nobody else sees it. */
const INNER = new Uint8Array(32);

/** SHA-256 of `data`. The caller has checked that it is a Uint8Array. */
export function sha256Bytes(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  STATE.set(IV);
  finish(data, 0, data.length, 0, out, 0);
  return out;
}

/**
 * SHA-256 of `data[0, length)` written to `out` at `at`. The input is read in
 * full before the digest is written, so `out` may be `data` itself: a chain
 * of hashes can run in one buffer.
 */
export function sha256Into(data: Uint8Array, length: number, out: Uint8Array, at: number): void {
  STATE.set(IV);
  finish(data, 0, length, 0, out, at);
}

const BLOCK = new Uint8Array(64);

/** SHA-256 of the concatenation of `parts`, written to `out` at `at`, without joining them. */
export function sha256PartsInto(parts: readonly Uint8Array[], out: Uint8Array, at: number): void {
  STATE.set(IV);
  let fill = 0;
  let total = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      BLOCK[fill++] = part[i]!;
      if (fill === 64) {
        compress(STATE, BLOCK, 0);
        fill = 0;
      }
    }
    total += part.length;
  }
  finish(BLOCK, 0, fill, total - fill, out, at);
}

/** SHA-256 of SHA-256 of `data[0, length)`, written to `out` at `at`: no allocation, for a hash that goes straight into a preimage. */
export function sha256dInto(data: Uint8Array, length: number, out: Uint8Array, at: number): void {
  STATE.set(IV);
  finish(data, 0, length, 0, INNER, 0);
  STATE.set(IV);
  finish(INNER, 0, 32, 0, out, at);
}

/**
 * The state after hashing `prefix`, whose length is a multiple of 64: the
 * blocks of a message that stay the same from one hash to the next.
 */
export class Sha256Midstate {
  private readonly state = new Int32Array(8);
  readonly length: number;

  constructor(prefix: Uint8Array) {
    if (prefix.length % 64 !== 0) throw new RangeError('a SHA-256 midstate needs whole 64-byte blocks');
    STATE.set(IV);
    for (let o = 0; o < prefix.length; o += 64) compress(STATE, prefix, o);
    this.state.set(STATE);
    this.length = prefix.length;
  }

  /** SHA-256 of SHA-256 of the prefix followed by `message[from, message.length)`. */
  hash256d(message: Uint8Array, from: number): Uint8Array {
    STATE.set(this.state);
    finish(message, from, message.length, this.length, INNER, 0);
    const out = new Uint8Array(32);
    STATE.set(IV);
    finish(INNER, 0, 32, 0, out, 0);
    return out;
  }
}
