/**
 * BIP 143 signature hash for a one-input spend of the funding output, with the
 * pieces that never change within a channel computed once: version, outpoint,
 * hashPrevouts, scriptCode and value. hashSequence changes only when the
 * upper 24 bits of the obscured state do (every 2^24 states), so it is cached too.
 * Only hashOutputs and nLockTime are new per payment.
 */
import { Transaction } from 'bitcoinjs-lib';
import { expectBytes, expectUint32 } from '../core/arguments';
import { fail } from '../core/errors';
import { checkAmount } from '../core/types';
import { sha256d } from '../core/hash';
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

function writeU64(buf: Uint8Array, off: number, v: bigint): void {
  writeU32(buf, off, Number(v & 0xffffffffn));
  writeU32(buf, off + 4, Number(v >> 32n));
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
  let size = 0;
  for (const o of outputs) size += 9 + o.script.length;
  const buf = new Uint8Array(size);
  let off = 0;
  for (const o of outputs) {
    writeU64(buf, off, o.value);
    buf[off + 8] = o.script.length;
    buf.set(o.script, off + 9);
    off += 9 + o.script.length;
  }
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
      this.cachedSequence = sequence;
    }
    p.set(sha256d(serializeOutputs(outputs)), this.outputsAt);
    writeU32(p, this.locktimeAt, locktime);
    return sha256d(p);
  }
}
