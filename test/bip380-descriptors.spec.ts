/**
 * Output descriptors (lib/psbt/descriptor.ts): the BIP 380 checksum against
 * the BIP's own test vectors and descriptors printed by Bitcoin Core, key
 * expressions with origins, and for every template the script the descriptor
 * describes, computed by @bitcoinerlab/miniscript, equal to revchan's.
 */
import { expect } from 'chai';
import { BIP32Factory } from 'bip32';
import * as ecc from 'tiny-secp256k1';
import {
  ErrorCode, KeyOrigin, channelDescriptors, PublicKey, REVOCABLE_CSV_TEMPLATE, addDescriptorChecksum, compileFundingScript,
  compileRevocableScript, descriptorChecksum, fundingDescriptor, hasValidDescriptorChecksum, keyExpression, keyOrigin,
  p2wpkhDescriptor, p2wpkhScript, p2wshScript, revocableDescriptor, templateDescriptor, toHex,
} from '../lib';
import { VARIANTS } from './support/channel';
import { FIXTURE_CHANNELS } from './support/psbt-fixture-params';
import { readFixtureFiles } from './support/psbt-fixture-files';
import { Scenario } from './support/psbt-scenario';
import { descriptorKeys, descriptorScripts } from './support/descriptor-script';
import { testKey } from './support/keys';
import { codeOf } from './support/errors';

const master = BIP32Factory(ecc).fromSeed(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));

describe('BIP 380 output descriptors', () => {
  describe('checksum', () => {
    // BIP 380, "Test Vectors" (checksum and character set).
    const BIP380_VALID = ['raw(deadbeef)#89f8spxm'];
    const BIP380_INVALID = [
      'raw(deadbeef)', // no checksum
      'raw(deadbeef)#', // missing checksum
      'raw(deadbeef)#89f8spxmx', // too long checksum
      'raw(deadbeef)#89f8spx', // too short checksum
      'raw(deedbeef)#89f8spxm', // error in payload
      'raw(deedbeef)##9f8spxm', // error in checksum
      'raw(Ü)#00000000', // invalid characters in payload
    ];
    // Printed by Bitcoin Core: `decodescript` of a P2PK script and the `getdescriptorinfo` help example.
    const CORE = [
      'pk(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)#gn28ywm7',
      'wpkh([d34db33f/84\'/0\'/0\']0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)#n9g43y4k',
    ];

    it('accepts the BIP 380 valid vector and Bitcoin Core\'s descriptors, and computes their checksums', () => {
      for (const d of [...BIP380_VALID, ...CORE]) {
        expect(hasValidDescriptorChecksum(d), d).to.equal(true);
        expect(addDescriptorChecksum(d.slice(0, -9)), d).to.equal(d);
      }
    });

    it('refuses the BIP 380 invalid vectors, never throwing', () => {
      for (const d of BIP380_INVALID) expect(hasValidDescriptorChecksum(d), d).to.equal(false);
      expect(hasValidDescriptorChecksum(42 as unknown as string)).to.equal(false);
    });

    it('detects every single-character change of a descriptor revchan writes', () => {
      const d = fundingDescriptor({ senderFundingKey: keyOrigin(master, "m/1017'/1'/0'/0/0"), receiverFundingKey: testKey('r').pub });
      const body = d.slice(0, -9);
      for (let i = 0; i < body.length; i++) {
        const c = body[i] === 'a' ? 'b' : 'a';
        expect(hasValidDescriptorChecksum(`${body.slice(0, i)}${c}${body.slice(i + 1)}${d.slice(-9)}`), `position ${i}`).to.equal(false);
      }
    });

    it('a character outside the BIP 380 set is INVALID_ARGUMENT', () => {
      expect(codeOf(() => descriptorChecksum('raw(Ü)'))).to.equal('INVALID_ARGUMENT');
      expect(codeOf(() => descriptorChecksum('wpkh(\n)'))).to.equal('INVALID_ARGUMENT');
    });
  });

  describe('key expressions', () => {
    const origin = keyOrigin(master, "m/84'/1'/0'/0/5");

    it('write the origin as [fingerprint/path] before the hex key, and a bare key as hex', () => {
      expect(keyExpression(origin)).to.equal(`[${toHex(master.fingerprint)}/84'/1'/0'/0/5]${toHex(origin.pubkey)}`);
      const root: KeyOrigin = { pubkey: master.publicKey as PublicKey, masterFingerprint: master.fingerprint, path: 'm' };
      expect(keyExpression(root)).to.equal(`[${toHex(master.fingerprint)}]${toHex(master.publicKey)}`);
      expect(keyExpression(origin.pubkey)).to.equal(toHex(origin.pubkey));
      expect(descriptorKeys(p2wpkhDescriptor(origin))).to.deep.equal([
        { pubkey: toHex(origin.pubkey), origin: { fingerprint: toHex(master.fingerprint), path: "m/84'/1'/0'/0/5" } },
      ]);
    });

    it('refuse a bad key, fingerprint or path', () => {
      const bad: [string, unknown, ErrorCode][] = [
        ['uncompressed key', ecc.pointCompress(origin.pubkey, false), 'INVALID_KEY'],
        ['not a point', Uint8Array.from([2, ...new Uint8Array(32)]), 'INVALID_KEY'],
        ['origin with a bad key', { ...origin, pubkey: new Uint8Array(33) }, 'INVALID_KEY'],
        ['3-byte fingerprint', { ...origin, masterFingerprint: new Uint8Array(3) }, 'INVALID_ARGUMENT'],
        ['path without m', { ...origin, path: "84'/1'" }, 'INVALID_ARGUMENT'],
        ['path with h', { ...origin, path: 'm/84h/1h' }, 'INVALID_ARGUMENT'],
      ];
      for (const [what, k, code] of bad) expect(codeOf(() => keyExpression(k as KeyOrigin)), what).to.equal(code);
    });
  });

  describe('channel scripts', () => {
    const S_f = keyOrigin(master, "m/1017'/1'/0'/0/0");
    const R_f = keyOrigin(master, "m/1017'/1'/1'/0/0");
    const S_p = keyOrigin(master, "m/1017'/1'/0'/1/0");
    const R_r = keyOrigin(master, "m/1017'/1'/1'/2/0");
    const K = testKey('update 7').pub;

    it('fundingDescriptor describes the funding script whichever key sorts first', () => {
      for (const [a, b] of [[S_f, R_f], [R_f, S_f]] as const) {
        const d = fundingDescriptor({ senderFundingKey: a, receiverFundingKey: b });
        expect(d).to.match(/^wsh\(sortedmulti\(2,\[/);
        const script = compileFundingScript({ senderFundingKey: a.pubkey, receiverFundingKey: b.pubkey });
        expect(toHex(descriptorScripts(d).witnessScript!)).to.equal(toHex(script));
        expect(toHex(descriptorScripts(d).scriptPubKey)).to.equal(toHex(p2wshScript(script)));
      }
    });

    it('revocableDescriptor describes the revocable script of every variant, K_i bare', () => {
      for (const { name, variant } of VARIANTS) {
        const d = revocableDescriptor({ receiverRevocationKey: R_r, updateKey: K, senderPayoutKey: S_p, variant });
        expect(hasValidDescriptorChecksum(d), name).to.equal(true);
        expect(d, name).to.contain(`pk(${toHex(K)})`);
        const lock = variant.kind === 'cltv' ? `after(${'height' in variant.expiry ? variant.expiry.height : variant.expiry.time})` : `older(${variant.delay.blocks})`;
        expect(d, name).to.contain(lock);
        const script = compileRevocableScript({ receiverRevocationKey: R_r.pubkey, updateKey: K, senderPayoutKey: S_p.pubkey, variant });
        expect(toHex(descriptorScripts(d).witnessScript!), name).to.equal(toHex(script));
        expect(descriptorKeys(d).map((k) => k.origin?.path ?? 'bare'), name).to.deep.equal([R_r.path, 'bare', S_p.path]);
      }
    });

    it('p2wpkhDescriptor describes the P2WPKH script', () => {
      expect(toHex(descriptorScripts(p2wpkhDescriptor(S_p)).scriptPubKey)).to.equal(toHex(p2wpkhScript(S_p.pubkey)));
      expect(toHex(descriptorScripts(p2wpkhDescriptor(K as PublicKey)).scriptPubKey)).to.equal(toHex(p2wpkhScript(K)));
    });

    it('channelDescriptors gives the fixtures\' descriptors from the channel parameters and the origins a party knows', () => {
      const scenario = new Scenario(FIXTURE_CHANNELS[0]!.parameters);
      const k = scenario.keys;
      const channel = scenario.channel();
      const d = channelDescriptors(channel, {
        senderFunding: k.S_f.origin!, receiverFunding: k.R_f.origin!, senderPayout: k.S_p.origin!,
        receiverPayout: k.R_p.origin!, receiverRevocation: k.R_r.origin!,
      });
      const fixture = (name: string) => readFixtureFiles().find((f) => f.fixture.name === `csv-${name}`)!.fixture;
      expect(d.funding).to.equal(fixture('funding').outputs[0]!.descriptor);
      expect(d.receiverPayout).to.equal(fixture('receiver-version-3').outputs[0]!.descriptor);
      expect(d.senderPayout).to.equal(fixture('receiver-version-3').outputs[1]!.descriptor);
      expect(d.revocable(scenario.updateKey(3).pubkey)).to.equal(fixture('sender-version-3').outputs[1]!.descriptor);
      expect(d.revocable(scenario.updateKey(2).pubkey)).to.equal(fixture('penalty-2').inputs[0]!.descriptor);

      // A receiver that knows only its own origins.
      const own = channelDescriptors(channel, { receiverRevocation: k.R_r.origin! });
      expect(descriptorKeys(own.revocable(scenario.updateKey(3).pubkey)).map((x) => x.origin?.path ?? 'bare')).to.deep.equal([k.R_r.origin!.path, 'bare', 'bare']);
      expect(channelDescriptors(channel).funding).to.not.contain('[');
      expect(codeOf(() => channelDescriptors(channel, { senderPayout: k.R_p.origin! }))).to.equal('INVALID_KEY');
      expect(codeOf(() => channelDescriptors(channel).revocable(new Uint8Array(33) as PublicKey))).to.equal('INVALID_KEY');
      expect(codeOf(() => channelDescriptors({ ...channel, capacity: 0n }))).to.equal('INVALID_AMOUNT');
    });

    it('refuses unknown, missing and ill-typed template arguments', () => {
      const keys = { R_r, K_i: K, S_p };
      expect(templateDescriptor(REVOCABLE_CSV_TEMPLATE, { ...keys, D: { blocks: 144 } })).to.contain('older(144)');
      expect(codeOf(() => templateDescriptor(REVOCABLE_CSV_TEMPLATE, { ...keys, D: { blocks: 144 }, T: { height: 5 } }))).to.equal('TEMPLATE_ARGUMENT');
      expect(codeOf(() => templateDescriptor(REVOCABLE_CSV_TEMPLATE, keys))).to.equal('TEMPLATE_ARGUMENT');
      expect(codeOf(() => templateDescriptor(REVOCABLE_CSV_TEMPLATE, { ...keys, D: { blocks: 0 } }))).to.equal('INVALID_TIMELOCK');
      expect(codeOf(() => revocableDescriptor({
        receiverRevocationKey: R_r, updateKey: K, senderPayoutKey: S_p, variant: { kind: 'cltv', expiry: { time: 2 ** 31 } },
      }))).to.equal('INVALID_TIMELOCK');
      expect(codeOf(() => fundingDescriptor({ senderFundingKey: S_f, receiverFundingKey: new Uint8Array(33) as PublicKey }))).to.equal('INVALID_KEY');
    });
  });
});
