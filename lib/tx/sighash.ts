/**
 * BIP 143 signature hash for a one-input spend of the funding output, with the
 * pieces that never change within a channel computed once: version, outpoint,
 * hashPrevouts, scriptCode and value. hashSequence changes only when the
 * upper 24 bits of the obscured state do (every 2^24 states), so it is cached too.
 * Only hashOutputs and nLockTime are new per payment, and they sit in the
 * preimage's last 40 bytes: the SHA-256 state after the blocks before them is
 * kept too, so a hash compresses two blocks of the preimage instead of four.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectBytes, expectUint32 } from '../arguments';
import { fail } from '../errors';
import { checkAmount } from '../types';
import { sha256d } from './hash';
import { Sha256Midstate, sha256dInto } from './sha256';
import { TxOut } from './outputs';
import { checkTxOuts } from './check-outputs';

/** The only sighash type channel signatures use: the signature covers every input and output. */
export const SIGHASH_ALL = Transaction.SIGHASH_ALL;

function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

/** Values are checked amounts (at most MAX_MONEY < 2^53), so a number holds them and no bigint is made per write. */
function writeU64(buf: Uint8Array, off: number, v: bigint): void {
  const n = Number(v);
  writeU32(buf, off, n % 0x100000000);
  writeU32(buf, off + 4, Math.floor(n / 0x100000000));
}

function outputsSize(outputs: readonly TxOut[]): number {
  let size = 0;
  for (const o of outputs) size += 9 + o.script.length;
  return size;
}

/** Checked outputs (checkTxOuts) into `buf` from 0; the caller has made room. */
function writeOutputs(outputs: readonly TxOut[], buf: Uint8Array): void {
  let off = 0;
  for (const o of outputs) {
    writeU64(buf, off, o.value);
    buf[off + 8] = o.script.length;
    buf.set(o.script, off + 9);
    off += 9 + o.script.length;
  }
}

/**
 * Serialized outputs, as in a transaction and in hashOutputs. Scripts here are always < 253 bytes.
 *
 * @param outputs - The outputs, in order.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `outputs` is not an array.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
 * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
 */
export function serializeOutputs(outputs: readonly TxOut[]): Uint8Array {
  checkTxOuts(outputs);
  const buf = new Uint8Array(outputsSize(outputs));
  writeOutputs(outputs, buf);
  return buf;
}

/**
 * The BIP 143 sighash of a one-input spend of the funding output, from a
 * preimage built once and patched per payment.
 *
 * @example
 * ```ts
 * const sighash = new FundingSighash(2, fundingHash, 0, fundingScript, capacity);
 * const h = sighash.hash(sequence, locktime, outputs);
 * ```
 */
export class FundingSighash {
  private readonly preimage: Uint8Array;
  private cachedSequence = -1;
  /** The preimage's whole blocks before hashOutputs, hashed; they change only with the sequence. */
  private midstate: Sha256Midstate | undefined;
  private readonly midstateLength: number;
  /** The serialized outputs of the latest hash, reused: grown when a call has more. */
  private outputsBuf = new Uint8Array(128);
  // Offsets into the preimage of the parts that vary.
  private readonly seqHashAt = 36;
  private readonly seqAt: number;
  private readonly outputsAt: number;
  private readonly locktimeAt: number;

  /**
   * `prevHash` is the little-endian funding txid; `scriptCode` the funding witness script.
   *
   * @param version - The transaction version.
   * @param prevHash - The funding txid, little-endian.
   * @param prevIndex - The funding output's index.
   * @param scriptCode - The funding witness script.
   * @param value - The funding output's value.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `version` or `prevIndex` is not a uint32, or `prevHash` not 32 bytes.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if `scriptCode` is not bytes of at most 252.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if `value` is not in [0, MAX_MONEY].
   */
  constructor(version: number, prevHash: Uint8Array, prevIndex: number, scriptCode: Uint8Array, value: bigint) {
    expectUint32(version, 'version');
    expectBytes(prevHash, 'prevHash', 32);
    expectUint32(prevIndex, 'prevIndex');
    if (!(scriptCode instanceof Uint8Array) || scriptCode.length > 252) fail('INVALID_SCRIPT', 'scriptCode must be bytes, at most 252');
    checkAmount(value, 'value');
    // scriptCode is < 253 bytes (the funding template's maximum is 71), so its length is one byte.
    const size = 4 + 32 + 32 + 36 + 1 + scriptCode.length + 8 + 4 + 32 + 4 + 4;
    const p = new Uint8Array(size);
    writeU32(p, 0, version);
    const outpoint = new Uint8Array(36);
    outpoint.set(prevHash, 0);
    writeU32(outpoint, 32, prevIndex);
    p.set(sha256d(outpoint), 4);
    let off = 68;
    p.set(outpoint, off); off += 36;
    p[off++] = scriptCode.length;
    p.set(scriptCode, off); off += scriptCode.length;
    writeU64(p, off, value); off += 8;
    this.seqAt = off; off += 4;
    this.outputsAt = off; off += 32;
    this.locktimeAt = off; off += 4;
    writeU32(p, off, SIGHASH_ALL);
    this.preimage = p;
    this.midstateLength = this.outputsAt - (this.outputsAt % 64);
  }

  /**
   * The sighash of the spend with these fields.
   *
   * @param sequence - The funding input's nSequence.
   * @param locktime - The transaction's nLockTime.
   * @param outputs - The spend's outputs, in order.
   * @returns 32 bytes, to sign.
   * @throws {@link ChannelError} `INVALID_ARGUMENT` if `sequence` or `locktime` is not a uint32, or `outputs` not an array.
   * @throws {@link ChannelError} `INVALID_SCRIPT` if an output's script is not bytes of at most 252.
   * @throws {@link ChannelError} `INVALID_AMOUNT` if an output's value is not in [0, MAX_MONEY].
   */
  hash(sequence: number, locktime: number, outputs: readonly TxOut[]): Uint8Array {
    expectUint32(sequence, 'sequence');
    expectUint32(locktime, 'locktime');
    const p = this.preimage;
    if (sequence !== this.cachedSequence) {
      const seq = new Uint8Array(4);
      writeU32(seq, 0, sequence);
      p.set(sha256d(seq), this.seqHashAt);
      writeU32(p, this.seqAt, sequence);
      this.midstate = new Sha256Midstate(p.subarray(0, this.midstateLength));
      this.cachedSequence = sequence;
    }
    checkTxOuts(outputs);
    const size = outputsSize(outputs);
    if (size > this.outputsBuf.length) this.outputsBuf = new Uint8Array(size);
    writeOutputs(outputs, this.outputsBuf);
    sha256dInto(this.outputsBuf, size, p, this.outputsAt);
    writeU32(p, this.locktimeAt, locktime);
    return this.midstate!.hash256d(p, this.midstateLength);
  }
}
