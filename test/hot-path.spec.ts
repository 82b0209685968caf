/**
 * The payment hot path's own shortcuts give exactly what the general code
 * gives: the secret schedule equals BOLT 3 generate_from_seed in any order of
 * indices, the DER encoder equals bitcoinjs's, the sender's output script is
 * the P2WSH of the revocable script, and a party's cached channel id and the
 * secrets it keeps are handed out and taken in as copies.
 */
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as ecc from 'tiny-secp256k1';
import { script as bscript } from 'bitcoinjs-lib';
import {
  ChannelError, MAX_UPDATE_STATE, decodeSignature, deriveSecret, deriveUpdateKey, deriveUpdateSecret, encodeSignature, p2wshScript,
  revocableScriptFor, senderPaymentOutputs, signSighash, verifyChannelParams, verifySighashSignature,
} from '../lib';
import { SecretSchedule } from '../lib/keys/shachain';
import { keys } from './support/keys';
import { openChannel, senderSecrets } from './support/parties';
import { VARIANTS, channelParams } from './support/channel';

const vectors: { generation: { name: string; seed: string; I: string; output: string }[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/bolt3/per-commitment-secrets.json'), 'utf8'),
);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const seed = createHash('sha256').update('hot path seed').digest();

/** Deterministic 48-bit numbers. */
function* numbers(label: string, count: number): Generator<number> {
  for (let i = 0; i < count; i++) {
    const h = createHash('sha256').update(`${label} ${i}`).digest();
    yield h.readUIntBE(0, 6);
  }
}

describe('payment hot path', () => {
  describe('SecretSchedule', () => {
    it('gives the BOLT 3 generation vectors, one schedule per seed, in sequence', () => {
      const bySeed = new Map<string, SecretSchedule>();
      for (const v of vectors.generation) {
        const s = bySeed.get(v.seed) ?? new SecretSchedule(Uint8Array.from(Buffer.from(v.seed, 'hex')));
        bySeed.set(v.seed, s);
        expect(hex(s.deriveSecret(BigInt(v.I))), v.name).to.equal(v.output);
      }
    });

    it('equals deriveSecret for consecutive states, repeats, jumps back and random indices', () => {
      const s = new SecretSchedule(seed);
      const states = [0, 1, 2, 3, 2, 3, 4, 1023, 1024, 1025, 1024, 70_000, 5, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40];
      for (const n of states) expect(hex(s.deriveUpdateSecret(BigInt(n))), `state ${n}`).to.equal(hex(deriveUpdateSecret(seed, BigInt(n))));
      for (const i of numbers('index', 200)) expect(hex(s.deriveSecret(BigInt(i))), `index ${i}`).to.equal(hex(deriveSecret(seed, BigInt(i))));
      expect(hex(s.deriveSecret(MAX_UPDATE_STATE))).to.equal(hex(deriveSecret(seed, MAX_UPDATE_STATE)));
      expect(hex(s.deriveSecret(0n))).to.equal(hex(seed));
    });

    it('follows the sender\'s order: 5,000 consecutive states, with a step back to the previous one', () => {
      const s = new SecretSchedule(seed);
      for (let n = 0; n < 5000; n++) {
        const got = s.deriveUpdateSecret(BigInt(n));
        if (n % 97 === 0) expect(hex(got)).to.equal(hex(deriveUpdateSecret(seed, BigInt(n))));
        if (n > 0 && n % 500 === 0) expect(hex(s.deriveUpdateSecret(BigInt(n - 1)))).to.equal(hex(deriveUpdateSecret(seed, BigInt(n - 1))));
      }
    });

    it('hands out copies: neither the caller\'s seed nor a returned secret can change later results', () => {
      const mine = Uint8Array.from(seed);
      const s = new SecretSchedule(mine);
      mine.fill(0);
      const a = s.deriveSecret(12345n);
      a.fill(0);
      expect(hex(s.deriveSecret(12345n))).to.equal(hex(deriveSecret(seed, 12345n)));
      expect(hex(s.deriveSecret(0n))).to.equal(hex(seed));
    });

    it('refuses a bad seed or index with the same codes as deriveSecret', () => {
      const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as ChannelError).code; } return 'none'; };
      expect(code(() => new SecretSchedule(new Uint8Array(31)))).to.equal('INVALID_ARGUMENT');
      const s = new SecretSchedule(seed);
      expect(code(() => s.deriveSecret(MAX_UPDATE_STATE + 1n))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
      expect(code(() => s.deriveSecret(-1n))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
      expect(code(() => s.deriveUpdateSecret(MAX_UPDATE_STATE + 1n))).to.equal('SECRET_INDEX_OUT_OF_RANGE');
    });
  });

  describe('encodeSignature', () => {
    it('equals bitcoinjs\'s strict DER encoding, including short and high-bit r and s', () => {
      const compacts: Uint8Array[] = [];
      for (const i of numbers('sig', 400)) compacts.push(ecc.sign(createHash('sha256').update(`msg ${i}`).digest(), keys.senderFunding.priv));
      // Edge shapes: leading zero bytes, a top bit set right after them, the smallest values.
      const edge = (r: number[], s: number[]) => {
        const c = new Uint8Array(64);
        c.set(r, 32 - r.length);
        c.set(s, 64 - s.length);
        return c;
      };
      compacts.push(edge([1], [1]), edge([0x80], [0x7f]), edge([0x80, 0, 0], [0xff, 0xff]), edge(new Array(32).fill(0xff), [0x01, 0x00]));
      for (const c of compacts) {
        for (const hashType of [0x01, 0x81]) {
          expect(hex(encodeSignature(c, hashType))).to.equal(hex(bscript.signature.encode(c, hashType)));
        }
        // r = 2^256 - 1 is no scalar (above the group order): it encodes, but decoding refuses it.
        if (c.subarray(0, 32).every((x) => x === 0xff)) expect(decodeSignature(encodeSignature(c))).to.equal(undefined);
        else expect(hex(decodeSignature(encodeSignature(c))!)).to.equal(hex(c));
      }
    });

    it('decodes as bitcoinjs does: every byte of real signatures changed, lengths changed, edge integers', () => {
      // The decoder it replaced: bitcoinjs's strict DER, then SIGHASH_ALL and r, s in [1, n-1].
      const N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
      const reference = (sig: Uint8Array): string => {
        if (sig.length < 9 || sig.length > 73) return 'undefined';
        try {
          const d = bscript.signature.decode(sig);
          const r = BigInt(`0x${hex(d.signature.subarray(0, 32))}`);
          const s = BigInt(`0x${hex(d.signature.subarray(32))}`);
          if (d.hashType !== 1 || r === 0n || s === 0n || r >= N || s >= N) return 'undefined';
          return hex(d.signature);
        } catch {
          return 'undefined';
        }
      };
      const inputs: Uint8Array[] = [];
      for (let i = 0; i < 20; i++) {
        const sig = signSighash(createHash('sha256').update(`decode ${i}`).digest(), keys.senderFunding.priv);
        for (let at = 0; at < sig.length; at++) {
          for (const v of [0x00, 0x01, 0x02, 0x20, 0x21, 0x30, 0x7f, 0x80, 0xff, sig[at]! ^ 1]) {
            const m = Uint8Array.from(sig);
            m[at] = v;
            inputs.push(m);
          }
          inputs.push(Uint8Array.from([...sig.subarray(0, at), ...sig.subarray(at + 1)]), Uint8Array.from([...sig.subarray(0, at), 0, ...sig.subarray(at)]));
        }
      }
      const der = (r: number[], s: number[], hashType = 1) => Uint8Array.from([0x30, 4 + r.length + s.length, 2, r.length, ...r, 2, s.length, ...s, hashType]);
      const big = (first: number, len: number) => [first, ...new Array<number>(len - 1).fill(0x11)];
      for (const [r, s] of [
        [[0], [1]], [[1], [0]], [[0, 0x80], [1]], [[0, 0x7f], [1]], [big(0x7f, 32), big(0x11, 32)], [[0, ...big(0x80, 32)], big(0x11, 32)],
        [[0, 0, ...big(0x80, 31)], [1]], [big(0x11, 33), [1]], [[0, ...big(0x80, 33)], [1]], [[0, ...new Array<number>(32).fill(0xff)], [1]],
      ] as number[][][]) {
        inputs.push(der(r!, s!), der(s!, r!), der(r!, s!, 0x81), der(r!, s!, 2));
      }
      let decoded = 0;
      for (const input of inputs) {
        const got = decodeSignature(input);
        if (got !== undefined) decoded++;
        expect(got === undefined ? 'undefined' : hex(got), hex(input)).to.equal(reference(input));
      }
      expect(decoded).to.be.greaterThan(1000);
    });

    it('signs what verifies, and a flipped byte does not', () => {
      const hash = createHash('sha256').update('one').digest();
      const sig = signSighash(hash, keys.receiverFunding.priv);
      expect(verifySighashSignature(hash, keys.receiverFunding.pub, sig)).to.equal(true);
      const bad = Uint8Array.from(sig);
      bad[10] ^= 1;
      expect(verifySighashSignature(hash, keys.receiverFunding.pub, bad)).to.equal(false);
    });
  });

  describe('sender output script', () => {
    it('is the P2WSH of revocableScriptFor, for every variant and many update keys', () => {
      for (const { name, variant } of VARIANTS) {
        const ctx = verifyChannelParams(channelParams(variant).channel);
        for (const i of numbers(`K ${name}`, 40)) {
          const updateKey = deriveUpdateKey(seed, BigInt(i));
          const outs = senderPaymentOutputs(ctx, 200_000n, updateKey);
          expect(hex(outs[outs.length - 1]!.script), `${name} K_${i}`).to.equal(hex(p2wshScript(revocableScriptFor(ctx, updateKey))));
        }
      }
    });
  });

  describe('secrets across the revoke', () => {
    it('the sender hands out a copy of k_i, and the receiver keeps its own', () => {
      const c = openChannel({ kind: 'csv', delay: { blocks: 144 } });
      for (let i = 0; i < 3; i++) {
        const offer = c.sender.pay(1000n);
        const revoke = c.sender.onAccept(c.receiver.onOffer(offer));
        const secret = hex(revoke.secret);
        expect(secret).to.equal(hex(deriveUpdateSecret(senderSecrets.updateSeed, BigInt(i))));
        c.receiver.onRevoke(revoke);
        revoke.secret.fill(0);
        expect(hex(c.sender.lastRevoke().secret)).to.equal(secret);
        expect(hex(c.receiver.revocationStore.getState(BigInt(revoke.index))!)).to.equal(secret);
      }
      const offer = c.sender.pay(1000n);
      const revoke = c.sender.onAccept(c.receiver.onOffer(offer));
      expect(hex(revoke.secret)).to.equal(hex(deriveUpdateSecret(senderSecrets.updateSeed, 3n)));
      expect(() => c.receiver.onRevoke({ ...revoke, secret: Uint8Array.from(revoke.secret).fill(7) })).to.throw(ChannelError).with.property('code', 'REVOKED_SECRET_MISMATCH');
      c.receiver.onRevoke(revoke);
      expect(c.receiver.isRevoked(3)).to.equal(true);
    });
  });

  describe('cached channel id', () => {
    it('is handed out as a copy: changing one does not change the party\'s id', () => {
      const c = openChannel({ kind: 'csv', delay: { blocks: 144 } });
      for (const party of [c.sender, c.receiver]) {
        const id = party.channelId;
        const before = hex(id);
        id.fill(0);
        expect(hex(party.channelId)).to.equal(before);
      }
      const offer = c.sender.pay(1000n);
      offer.channelId.fill(1);
      expect(hex(c.sender.channelId)).to.not.equal(hex(offer.channelId));
      expect(() => c.receiver.onOffer(offer)).to.throw(ChannelError).with.property('code', 'WRONG_CHANNEL');
    });
  });
});
