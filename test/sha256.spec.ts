/**
 * The package's SHA-256 (its own, for short messages) gives what Node's
 * OpenSSL and the FIPS 180-4 examples give, at every length around the block
 * and padding boundaries; FundingSighash, which resumes it from a midstate,
 * gives bitcoinjs's BIP 143 hash for scriptCodes of every length it accepts.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { FundingSighash, SIGHASH_ALL, hash160, sha256, sha256d, toHex } from '../lib';
import { sha256Into, sha256PartsInto } from '../lib/tx/sha256';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ossl = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Deterministic bytes of length `n`, different for each `label`. */
function bytes(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let block = createHash('sha256').update(label).digest();
  for (let i = 0; i < n; i++) {
    if (i % 32 === 0 && i > 0) block = createHash('sha256').update(block).digest();
    out[i] = block[i % 32]!;
  }
  return out;
}

describe('sha256', () => {
  it('gives the FIPS 180-4 example digests', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(hex(sha256(text('abc')))).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(new Uint8Array(0)))).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).to.equal('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(hex(sha256(new Uint8Array(1_000_000).fill(0x61)))).to.equal('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('equals OpenSSL at every length from 0 to 300 bytes and across larger block counts', () => {
    for (let n = 0; n <= 300; n++) {
      const b = bytes(`length ${n}`, n);
      expect(hex(sha256(b)), `length ${n}`).to.equal(ossl(b));
    }
    for (const n of [511, 512, 1000, 4096, 65_537]) {
      const b = bytes(`length ${n}`, n);
      expect(hex(sha256(b)), `length ${n}`).to.equal(ossl(b));
    }
  });

  it('reads a view at its own offset, leaves the input alone and hands out a fresh result', () => {
    const backing = bytes('backing', 200);
    const view = backing.subarray(37, 37 + 120);
    const before = hex(backing);
    const a = sha256(view);
    expect(hex(a)).to.equal(ossl(Uint8Array.from(view)));
    expect(hex(backing)).to.equal(before);
    const b = sha256(view);
    expect(b).to.not.equal(a);
    a.fill(0);
    expect(hex(b)).to.equal(ossl(Uint8Array.from(view)));
  });

  it('composes: sha256d is SHA-256 twice, hash160 is RIPEMD-160 of SHA-256', () => {
    for (const n of [0, 32, 33, 64, 100]) {
      const b = bytes(`compose ${n}`, n);
      expect(hex(sha256d(b))).to.equal(ossl(createHash('sha256').update(b).digest()));
      expect(hex(hash160(b))).to.equal(createHash('ripemd160').update(createHash('sha256').update(b).digest()).digest('hex'));
    }
  });

  it('hashes parts as their concatenation, at every split, into the place it is given', () => {
    for (const n of [0, 1, 55, 56, 64, 112, 130, 200]) {
      const b = bytes(`parts ${n}`, n);
      for (let i = 0; i <= n; i += 7) {
        for (let j = i; j <= n; j += 13) {
          const out = new Uint8Array(40).fill(0xee);
          sha256PartsInto([b.subarray(0, i), b.subarray(i, j), new Uint8Array(0), b.subarray(j)], out, 3);
          expect(hex(out.subarray(3, 35)), `${n} split at ${i}, ${j}`).to.equal(ossl(b));
          expect([...out.subarray(0, 3), ...out.subarray(35)].every((x) => x === 0xee)).to.equal(true);
        }
      }
    }
  });

  it('hashes a buffer into itself: a chain of hashes in one buffer', () => {
    const buf = bytes('chain', 32);
    let expected = Buffer.from(buf);
    for (let k = 0; k < 5; k++) {
      sha256Into(buf, 32, buf, 0);
      expected = createHash('sha256').update(expected).digest();
      expect(hex(buf)).to.equal(expected.toString('hex'));
    }
    const long = bytes('long', 100);
    const want = ossl(long.subarray(0, 90));
    sha256Into(long, 90, long, 10);
    expect(hex(long.subarray(10, 42))).to.equal(want);
  });

  it('refuses what is not bytes with INVALID_ARGUMENT', () => {
    for (const bad of [undefined, null, 'abc', [1, 2, 3], 42]) {
      expect(() => sha256(bad as unknown as Uint8Array)).to.throw().with.property('code', 'INVALID_ARGUMENT');
    }
  });
});

describe('FundingSighash, resumed from a midstate', () => {
  const outputSets = [
    [{ script: bytes('p2wpkh', 22), value: 1_000_000n }, { script: bytes('p2wsh', 34), value: 98_765_432n }],
    [{ script: bytes('alone', 34), value: 5_000n }],
    [{ script: bytes('big', 200), value: 2_100_000_000_000_000n }, { script: new Uint8Array(0), value: 0n }, { script: bytes('third', 25), value: 546n }],
  ];

  it('equals bitcoinjs hashForWitnessV0 for every scriptCode length, through sequence changes and back', () => {
    const prevHash = bytes('prev', 32);
    for (let len = 0; len <= 252; len++) {
      const script = bytes(`script ${len}`, len);
      const value = 1_000_000n + BigInt(len);
      const cached = new FundingSighash(2, prevHash, len % 3, script, value);
      const sequences = [0x80000000, 0x80000000, 0x80abcdef, 0x80000000, 0xffffffff];
      sequences.forEach((sequence, k) => {
        const outputs = outputSets[(len + k) % outputSets.length]!;
        const locktime = (0x20000000 | (len * 7919 + k)) >>> 0;
        const tx = new Transaction();
        tx.version = 2;
        tx.locktime = locktime;
        tx.addInput(prevHash, len % 3, sequence);
        for (const o of outputs) tx.addOutput(o.script, o.value);
        const expected = toHex(tx.hashForWitnessV0(0, script, value, SIGHASH_ALL));
        expect(toHex(cached.hash(sequence, locktime, outputs)), `scriptCode of ${len} bytes, sequence ${sequence}`).to.equal(expected);
      });
    }
  });
});
