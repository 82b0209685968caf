import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BIP32Factory } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import { deriveSecret, deriveUpdateKey, deriveUpdateSecret, MAX_SECRET_INDEX, secretIndexOf } from '../lib/keys/shachain';
import { RevocationStore } from '../lib/keys/revocation-store';
import { channelSeedPath, deriveChannelSeed, UPDATE_SEED_PATH, UPDATE_SEED_TAG } from '../lib/keys/seed';
import { createHash } from 'node:crypto';
import { thrownCode } from './support/errors';

interface Vectors {
  generation: { name: string; seed: string; I: string; output: string }[];
  storage: {
    name: string;
    expect: 'success' | 'failure';
    inserts: { index: string; secret: string; output: 'OK' | 'ERROR' }[];
    failsAtInsert: number | null;
  }[];
}

const vectors: Vectors = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/bolt3/per-commitment-secrets.json'), 'utf8'),
);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

const codeOf = thrownCode;

describe('BOLT 3 per-commitment secrets', () => {
  describe('generate_from_seed vectors', () => {
    for (const v of vectors.generation) {
      it(v.name, () => {
        expect(hex(deriveSecret(bytes(v.seed), BigInt(v.I)))).to.equal(v.output);
      });
    }
  });

  describe('deriveSecret', () => {
    it('does not mutate the seed and returns a fresh array', () => {
      const seed = bytes('ff'.repeat(32));
      const copy = new Uint8Array(seed);
      const out = deriveSecret(seed, 0xaaaaaaaaaaan);
      expect(seed).to.deep.equal(copy);
      const zero = deriveSecret(seed, 0n);
      expect(hex(zero)).to.equal(hex(seed));
      zero[0] = 0;
      expect(seed).to.deep.equal(copy);
      expect(out).to.be.instanceOf(Uint8Array);
    });

    it('refuses indices outside [0, 2^48-1]', () => {
      const seed = new Uint8Array(32);
      expect(codeOf(() => deriveSecret(seed, -1n))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
      expect(codeOf(() => deriveSecret(seed, 1n << 48n))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
      expect(codeOf(() => deriveSecret(seed, 5 as unknown as bigint))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
      expect(() => deriveSecret(seed, MAX_SECRET_INDEX)).not.to.throw();
    });

    it('refuses a seed that is not 32 bytes', () => {
      expect(codeOf(() => deriveSecret(new Uint8Array(31), 1n))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => deriveSecret(new Uint8Array(33), 1n))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => deriveSecret('00'.repeat(32) as unknown as Uint8Array, 1n))).to.equal('INVALID_ARGUMENT');
    });
  });

  describe('storage vectors', () => {
    for (const v of vectors.storage) {
      it(v.name, () => {
        const store = new RevocationStore();
        for (let k = 0; k < v.inserts.length; k++) {
          const ins = v.inserts[k]!;
          const index = BigInt(ins.index);
          const secret = bytes(ins.secret);
          if (k === v.failsAtInsert) {
            expect(ins.output).to.equal('ERROR');
            const before = JSON.stringify(store.toJSON());
            expect(codeOf(() => store.insert(index, secret))).to.equal('SECRET_STORE_INCONSISTENT');
            expect(JSON.stringify(store.toJSON())).to.equal(before);
            expect(store.lowestIndex()).to.equal(BigInt(v.inserts[k - 1]!.index));
            return;
          }
          expect(ins.output).to.equal('OK');
          store.insert(index, secret);
          expect(store.lowestIndex()).to.equal(index);
        }
        expect(v.expect).to.equal('success');
        expect(v.failsAtInsert).to.equal(null);
        for (const ins of v.inserts) expect(hex(store.get(BigInt(ins.index))!)).to.equal(ins.secret);
      });
    }
  });

  describe('update secrets and keys', () => {
    const seed = bytes('0101010101010101010101010101010101010101010101010101010101010101');

    it('state i uses index 2^48-1-i', () => {
      expect(MAX_SECRET_INDEX).to.equal(281474976710655n);
      expect(secretIndexOf(0n)).to.equal(MAX_SECRET_INDEX);
      expect(secretIndexOf(1n)).to.equal(MAX_SECRET_INDEX - 1n);
      expect(secretIndexOf(MAX_SECRET_INDEX)).to.equal(0n);
      expect(codeOf(() => secretIndexOf(-1n))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
      expect(codeOf(() => secretIndexOf(MAX_SECRET_INDEX + 1n))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
    });

    it('update secret is the shachain secret at the update index, and a valid key', () => {
      for (const state of [0n, 1n, 2n, 1000n, MAX_SECRET_INDEX - 1n]) {
        const secret = deriveUpdateSecret(seed, state);
        expect(hex(secret)).to.equal(hex(deriveSecret(seed, secretIndexOf(state))));
        expect(ecc.isPrivate(secret)).to.equal(true);
        expect(hex(deriveUpdateKey(seed, state))).to.equal(hex(ecc.pointFromScalar(secret, true)!));
      }
    });

    it('a later state secret lets the receiver recover every earlier one', () => {
      const store = new RevocationStore();
      for (let s = 0n; s < 20n; s++) store.insertUpdateSecret(s, deriveUpdateSecret(seed, s));
      for (let s = 0n; s < 20n; s++) expect(hex(store.getUpdateSecret(s)!)).to.equal(hex(deriveUpdateSecret(seed, s)));
      expect(store.getUpdateSecret(20n)).to.equal(undefined);
    });

    it('refuses a secret that is not a valid private key', () => {
      // Index 0 returns the seed unchanged, so a zero or >= n seed reaches the scalar check.
      expect(codeOf(() => deriveUpdateSecret(new Uint8Array(32), MAX_SECRET_INDEX))).to.equal('INVALID_KEY');
      expect(codeOf(() => deriveUpdateKey(bytes('ff'.repeat(32)), MAX_SECRET_INDEX))).to.equal('INVALID_KEY');
    });
  });

  describe('deriveChannelSeed', () => {
    const bip32 = BIP32Factory(ecc);
    const root = bip32.fromSeed(bytes('000102030405060708090a0b0c0d0e0f'));

    const expectedSeed = (keyNode: { privateKey?: Uint8Array }): string => {
      const tag = createHash('sha256').update(UPDATE_SEED_TAG).digest();
      return createHash('sha256').update(tag).update(tag).update(keyNode.privateKey!).digest('hex');
    };

    it('is deterministic and 32 bytes', () => {
      const a = deriveChannelSeed(root, 7);
      const b = deriveChannelSeed(bip32.fromBase58(root.toBase58()), 7);
      expect(a).to.have.length(32);
      expect(hex(a)).to.equal(hex(b));
    });

    it("uses the hardened path m/1017'/0'/i' only", () => {
      expect(UPDATE_SEED_PATH).to.equal("m/1017'/0'");
      expect(channelSeedPath(7)).to.equal("m/1017'/0'/7'");
      expect(hex(deriveChannelSeed(root, 7))).to.equal(expectedSeed(root.derivePath("m/1017'/0'/7'")));
      for (const unhardened of ["m/1017'/0'/7", "m/1017'/0/7'", "m/1017/0'/7'"]) {
        expect(hex(deriveChannelSeed(root, 7))).not.to.equal(expectedSeed(root.derivePath(unhardened)));
      }
    });

    it('is not the hardened child key itself', () => {
      expect(hex(deriveChannelSeed(root, 7))).not.to.equal(hex(root.derivePath("m/1017'/0'/7'").privateKey!));
    });

    it('differs per channel index', () => {
      const seen = new Set<string>();
      for (const i of [0, 1, 2, 3, 1000, 0x7fffffff]) seen.add(hex(deriveChannelSeed(root, i)));
      expect(seen.size).to.equal(6);
    });

    it('refuses a neutered node', () => {
      expect(codeOf(() => deriveChannelSeed(root.neutered(), 0))).to.equal('INVALID_KEY');
      expect(codeOf(() => deriveChannelSeed(bip32.fromBase58(root.neutered().toBase58()), 0))).to.equal('INVALID_KEY');
    });

    it('refuses channel indices outside [0, 2^31-1]', () => {
      for (const bad of [-1, 0x80000000, 1.5, Number.NaN, Infinity, '1' as unknown as number]) {
        expect(codeOf(() => deriveChannelSeed(root, bad))).to.equal('INVALID_ARGUMENT');
        expect(codeOf(() => channelSeedPath(bad))).to.equal('INVALID_ARGUMENT');
      }
    });
  });
});
