/**
 * The ECC library is injected (useEcc) and every backend gives the same
 * bytes: @bitcoinerlab/secp256k1 (pure JS over noble-curves) and the native
 * secp256k1 addon agree with the default tiny-secp256k1 on signatures (RFC
 * 6979, low-S, revchan's DER), public keys and point and scalar checks over
 * many keys and messages, and a whole channel (open, 50 payments, a penalty,
 * a cooperative close, a funding PSBT) is byte for byte the same with each.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as tiny from 'tiny-secp256k1';
import * as bitcoinerlab from '@bitcoinerlab/secp256k1';
import {
  ChannelError, EccLib, asPrivateKey, asPublicKey, createFundingPsbt, currentEcc, derivePublicKey,
  encodeMessage, explainPsbt, extractTransaction, finalizePsbt, signPsbtWithKey, signSighash, useEcc, verifySighashSignature,
} from '../lib';
import { loadNativeEcc } from '../lib/node';
import { VARIANTS, fundingParams, wallet } from './support/channel';
import { CHAIN, destination, openChannel, wire } from './support/parties';

const sha = (s: string): Uint8Array => createHash('sha256').update(s).digest();
const hex = (b: Uint8Array | undefined | null): string => (b ? Buffer.from(b).toString('hex') : String(b));
const N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
const P = BigInt('0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f');
const be32 = (x: bigint): Uint8Array => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, '0'), 'hex'));
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return e instanceof ChannelError ? e.code : `untyped: ${(e as Error).message}`;
  }
  return 'none';
};
/** What a call answers, or that it threw: backends may word their errors differently, but not throw where another answers. */
const outcome = (f: () => unknown): string => {
  try {
    const r = f();
    return r instanceof Uint8Array ? hex(r) : String(r);
  } catch {
    return 'throws';
  }
};

/** The secp256k1 package ships in optionalDependencies: without it the native cases are skipped, with it they must pass. */
function nativeInstalled(): boolean {
  try {
    require.resolve('secp256k1/package.json');
    return true;
  } catch {
    return false;
  }
}

const BACKENDS: { name: string; lib: () => EccLib }[] = [
  { name: '@bitcoinerlab/secp256k1', lib: () => bitcoinerlab },
  ...(nativeInstalled() ? [{ name: 'native secp256k1', lib: () => loadNativeEcc() }] : []),
];

describe('ECC library injection', () => {
  afterEach(() => useEcc(tiny));

  it('uses tiny-secp256k1 until told otherwise', () => {
    expect(currentEcc().sign).to.equal(tiny.sign);
  });

  it('takes any library with EccLib\'s functions and answers, and every call goes through it', () => {
    const calls: string[] = [];
    const counting = Object.fromEntries(['isPoint', 'isPrivate', 'pointFromScalar', 'sign', 'verify'].map((name) => [name, (...a: unknown[]) => {
      calls.push(name);
      return (tiny as unknown as Record<string, (...x: unknown[]) => unknown>)[name]!(...a);
    }])) as unknown as EccLib;
    useEcc(counting);
    expect(currentEcc()).to.equal(counting);
    calls.length = 0;
    const priv = asPrivateKey(sha('a key'));
    const pub = derivePublicKey(priv);
    asPublicKey(pub);
    const sig = signSighash(sha('a message'), priv);
    expect(verifySighashSignature(sha('a message'), pub, sig)).to.equal(true);
    expect(calls).to.deep.equal(['isPrivate', 'isPrivate', 'pointFromScalar', 'isPoint', 'sign', 'verify']);
  });

  it('a point found on the curve is not decompressed again; bytes changed in place, or another library, are checked afresh', () => {
    const calls: string[] = [];
    const counting = Object.fromEntries(['isPoint', 'isPrivate', 'pointFromScalar', 'sign', 'verify'].map((name) => [name, (...a: unknown[]) => {
      calls.push(name);
      return (tiny as unknown as Record<string, (...x: unknown[]) => unknown>)[name]!(...a);
    }])) as unknown as EccLib;
    const pub = Uint8Array.from(derivePublicKey(asPrivateKey(sha('a cached key'))));
    useEcc(counting);
    calls.length = 0;
    asPublicKey(pub);
    asPublicKey(Uint8Array.from(pub));
    expect(calls).to.deep.equal(['isPoint']);
    // x = 5 has no point on secp256k1: the same array, changed after it was accepted, is refused.
    const changed = pub;
    changed.set(be32(5n), 1);
    expect(codeOf(() => asPublicKey(changed))).to.equal('INVALID_KEY');
    expect(calls).to.deep.equal(['isPoint', 'isPoint']);
    const again = Uint8Array.from(derivePublicKey(asPrivateKey(sha('a cached key'))));
    calls.length = 0;
    asPublicKey(again);
    expect(calls).to.deep.equal([]);
    useEcc({ ...counting });
    calls.length = 0;
    asPublicKey(again);
    expect(calls).to.deep.equal(['isPoint']);
  });

  it('refuses what is not a library, naming the missing functions, and keeps the one in use', () => {
    useEcc(bitcoinerlab);
    for (const bad of [null, undefined, 0, '', [], {}]) expect(codeOf(() => useEcc(bad as never))).to.equal('INVALID_ECC_LIB');
    const { verify: _verify, ...noVerify } = tiny;
    try {
      useEcc(noVerify as never);
      expect.fail('accepted a library without verify');
    } catch (e) {
      expect((e as ChannelError).code).to.equal('INVALID_ECC_LIB');
      expect((e as ChannelError).details).to.deep.equal({ missing: ['verify'] });
    }
    expect(currentEcc()).to.equal(bitcoinerlab);
  });

  it('refuses a library whose answers differ: high-S, extra entropy, lax verification, a wrong public key, or one that throws', () => {
    const high = (sig: Uint8Array) => {
      const s = BigInt(`0x${hex(sig.subarray(32))}`);
      return Uint8Array.from([...sig.subarray(0, 32), ...be32(N - s)]);
    };
    const cases: [string, Partial<EccLib>, string][] = [
      ['no low-S normalisation', { sign: (h, d) => { const s = tiny.sign(h, d); return s[32]! < 0x80 ? high(s) : s; } }, 'sign gives the RFC 6979 low-S signature'],
      ['extra entropy in the nonce', { sign: (h, d) => tiny.sign(h, d, sha('entropy')) }, 'sign gives the RFC 6979 low-S signature'],
      ['verify is never strict', { verify: (h, q, s) => tiny.verify(h, q, s, false) }, 'verify refuses its high-S twin, strict'],
      ['uncompressed public keys', { pointFromScalar: (d) => tiny.pointFromScalar(d, false) }, 'pointFromScalar gives the compressed point'],
      ['isPoint says yes to anything', { isPoint: () => true }, 'isPoint refuses a point off the curve'],
      ['isPrivate throws', { isPrivate: () => { throw new TypeError('no'); } }, 'isPrivate accepts a key'],
    ];
    for (const [what, patch, check] of cases) {
      let error: ChannelError | undefined;
      try {
        useEcc({ ...tiny, ...patch } as EccLib);
      } catch (e) {
        error = e as ChannelError;
      }
      expect(error, what).to.be.instanceOf(ChannelError);
      expect(error!.code, what).to.equal('INVALID_ECC_LIB');
      expect(error!.details, what).to.deep.equal({ check });
      expect(currentEcc().sign, what).to.equal(tiny.sign);
    }
  });

  if (nativeInstalled()) {
    it('loads the native addon (its prebuilt binary, not the pure-JS fallback), one object per process', () => {
      const native = loadNativeEcc();
      expect(loadNativeEcc()).to.equal(native);
      expect(() => require('secp256k1/bindings')).to.not.throw();
      useEcc(native);
      expect(currentEcc()).to.equal(native);
    });
  }
});

for (const backend of BACKENDS) {
  describe(`ECC backend ${backend.name} agrees with tiny-secp256k1`, function () {
    this.timeout(120_000);
    const lib = backend.lib();
    afterEach(() => useEcc(tiny));

    it('is accepted by useEcc', () => {
      useEcc(lib);
      expect(currentEcc()).to.equal(lib);
    });

    it('signs the same 64 bytes and revchan the same DER, and both verify alike, over 400 keys and messages', () => {
      for (let i = 0; i < 400; i++) {
        const d = sha(`key ${i}`);
        const h = sha(`message ${i}`);
        const q = tiny.pointFromScalar(d, true)!;
        const sig = tiny.sign(h, d);
        expect(hex(lib.sign(h, d)), `sign ${i}`).to.equal(hex(sig));
        expect(hex(lib.pointFromScalar(d, true)), `pointFromScalar ${i}`).to.equal(hex(q));
        expect(hex(lib.pointFromScalar(d, false)), `uncompressed ${i}`).to.equal(hex(tiny.pointFromScalar(d, false)));
        const s = BigInt(`0x${hex(sig.subarray(32))}`);
        const highS = Uint8Array.from([...sig.subarray(0, 32), ...be32(N - s)]);
        const other = sha(`other message ${i}`);
        const flipped = Uint8Array.from(sig);
        flipped[i % 64] ^= 1 << (i % 8);
        for (const [what, args, strict] of [
          ['own', [h, q, sig], true], ['own', [h, q, sig], false], ['high-S', [h, q, highS], true], ['high-S', [h, q, highS], false],
          ['other message', [other, q, sig], true], ['a flipped bit', [h, q, flipped], true],
        ] as [string, [Uint8Array, Uint8Array, Uint8Array], boolean][]) {
          expect(outcome(() => lib.verify(...args, strict)), `verify ${what} ${i} strict=${strict}`).to.equal(outcome(() => tiny.verify(...args, strict)));
        }
      }
      // revchan's own functions, through useEcc.
      const byTiny = Array.from({ length: 50 }, (_, i) => {
        const priv = asPrivateKey(sha(`revchan key ${i}`));
        return [hex(derivePublicKey(priv)), hex(signSighash(sha(`sighash ${i}`), priv))];
      });
      useEcc(lib);
      for (const [i, [pub, sig]] of byTiny.entries()) {
        const priv = asPrivateKey(sha(`revchan key ${i}`));
        expect(hex(derivePublicKey(priv))).to.equal(pub);
        expect(hex(signSighash(sha(`sighash ${i}`), priv))).to.equal(sig);
        expect(verifySighashSignature(sha(`sighash ${i}`), asPublicKey(Buffer.from(pub, 'hex')), Buffer.from(sig, 'hex'))).to.equal(true);
      }
    });

    it('answers isPrivate alike at the edges of [1, n-1] and on random scalars', () => {
      const edges = [0n, 1n, 2n, N - 2n, N - 1n, N, N + 1n, (1n << 256n) - 1n, 1n << 255n, N >> 1n];
      const scalars = [...edges.map(be32), ...Array.from({ length: 200 }, (_, i) => sha(`scalar ${i}`)), new Uint8Array(31).fill(1), new Uint8Array(33).fill(1)];
      for (const d of scalars) {
        expect(lib.isPrivate(d), hex(d)).to.equal(tiny.isPrivate(d));
        expect(outcome(() => lib.pointFromScalar(d, true)), hex(d)).to.equal(outcome(() => tiny.pointFromScalar(d, true)));
      }
    });

    it('answers isPoint alike on every 33-byte shape revchan checks: real points, each prefix byte, random x, x >= p', () => {
      const points: Uint8Array[] = [];
      for (let i = 0; i < 150; i++) {
        const q = tiny.pointFromScalar(sha(`point ${i}`), true)!;
        points.push(q);
        for (const prefix of [0, 1, 2, 3, 4, 5, 6, 7]) points.push(Uint8Array.from([prefix, ...q.subarray(1)]));
        // A random x is the x of a point about half the time.
        points.push(Uint8Array.from([2 + (i & 1), ...sha(`x ${i}`)]));
      }
      for (const x of [0n, 1n, P - 1n, P, P + 1n, (1n << 256n) - 1n]) for (const prefix of [2, 3]) points.push(Uint8Array.from([prefix, ...be32(x)]));
      let valid = 0;
      for (const p of points) {
        const want = tiny.isPoint(p);
        if (want) valid++;
        expect(lib.isPoint(p), hex(p)).to.equal(want);
      }
      expect(valid).to.be.within(450, 650);
    });

    it('answers isPoint alike on 65-byte points, except that @bitcoinerlab refuses the hybrid 0x06/0x07 encoding (revchan never passes 65 bytes)', () => {
      for (let i = 0; i < 50; i++) {
        const u = tiny.pointFromScalar(sha(`point ${i}`), false)!;
        const hybrid = Uint8Array.from([u[64]! & 1 ? 7 : 6, ...u.subarray(1)]);
        const offCurve = Uint8Array.from(u);
        offCurve[64] ^= 1;
        for (const p of [u, offCurve, Uint8Array.from([5, ...u.subarray(1)])]) expect(lib.isPoint(p), hex(p)).to.equal(tiny.isPoint(p));
        expect(tiny.isPoint(hybrid)).to.equal(true);
        expect(lib.isPoint(hybrid), hex(hybrid)).to.equal(backend.name !== '@bitcoinerlab/secp256k1');
      }
    });

    it('gives a whole channel byte for byte: open, 50 payments, a penalty, a cooperative close, a signed funding PSBT', () => {
      const transcript = () => {
        const out: string[] = [];
        const json = (m: Parameters<typeof encodeMessage>[0]) => out.push(JSON.stringify(encodeMessage(m)));
        const c = openChannel(VARIANTS[2]!.variant);
        out.push(c.fundingTx.toHex(), JSON.stringify(c.sender.toJSON()), JSON.stringify(c.receiver.toJSON()));
        const revoked: string[] = [];
        for (let i = 1; i <= 50; i++) {
          const offer = c.sender.pay(BigInt(100 * i));
          json(offer);
          const accept = c.receiver.onOffer(wire(offer), CHAIN);
          json(accept);
          revoked.push(c.sender.latestTransaction().toHex());
          const revoke = c.sender.onAccept(wire(accept));
          json(revoke);
          c.receiver.onRevoke(wire(revoke));
        }
        out.push(...revoked, c.sender.latestTransaction().toHex(), c.receiver.latestTransaction()!.toHex());
        out.push(JSON.stringify(c.sender.toJSON()), JSON.stringify(c.receiver.toJSON()));
        const penalty = c.receiver.penaltyTx(Buffer.from(revoked[20]!, 'hex'), destination, 1000n);
        out.push(penalty.toHex(), c.receiver.penaltyTx(Buffer.from(revoked[20]!, 'hex'), destination, 1000n, { sweepReceiverOutput: true }).toHex());
        const closeOffer = c.receiver.proposeClose(1500n);
        json(closeOffer);
        const { message, tx } = c.sender.onCloseOffer(wire(closeOffer), 5000n);
        json(message);
        out.push(tx.toHex(), c.receiver.onCloseSigned(wire(message)).toHex());
        const psbt = createFundingPsbt(fundingParams());
        signPsbtWithKey(psbt, wallet.priv);
        out.push(psbt.toHex(), JSON.stringify(explainPsbt(psbt).inputs.map((i) => i.signatures), (_, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? hex(v) : v)));
        out.push(extractTransaction(finalizePsbt(psbt)).toHex());
        return out;
      };
      const expected = transcript();
      useEcc(lib);
      const got = transcript();
      expect(got.length).to.equal(expected.length);
      for (let i = 0; i < got.length; i++) expect(got[i], `item ${i}`).to.equal(expected[i]);
    });
  });
}
