/**
 * The scriptPubKey a descriptor describes, computed without revchan's
 * compiler: miniscript goes through @bitcoinerlab/miniscript, keys are read
 * from the descriptor text. Covers the forms revchan writes: wpkh(KEY),
 * wsh(sortedmulti(k,KEY,...)) and wsh(MINISCRIPT) with KEY = [origin]hex or hex.
 */
import { createHash } from 'node:crypto';
import { compileMiniscript } from '@bitcoinerlab/miniscript';
import { script as bscript } from 'bitcoinjs-lib';

function sha256(b: Uint8Array): Buffer {
  return createHash('sha256').update(b).digest();
}

function hash160(b: Uint8Array): Buffer {
  return createHash('ripemd160').update(sha256(b)).digest();
}

export interface ParsedKey {
  readonly pubkey: string;
  readonly origin?: { readonly fingerprint: string; readonly path: string };
}

const KEY = /(?:\[([0-9a-f]{8})((?:\/\d+'?)*)\])?(0[23][0-9a-f]{64})/g;

/** Every key expression in a descriptor, in order. */
export function descriptorKeys(descriptor: string): ParsedKey[] {
  return [...descriptor.matchAll(KEY)].map((m) => ({
    pubkey: m[3]!,
    ...(m[1] !== undefined ? { origin: { fingerprint: m[1], path: `m${m[2]}` } } : {}),
  }));
}

/**
 * The witness script of a miniscript with bare hex keys, through @bitcoinerlab/miniscript, which must call it
 * sane or insane only for a branch without a signature (an anchor anyone may sweep after its delay).
 */
export function miniscriptWitnessScript(ms: string): Uint8Array {
  const r = compileMiniscript(ms);
  if (!r.issane && r.error !== 'sane: signature required in every branch.') throw new Error(`${ms} is not sane miniscript`);
  // The library prints keys and large numbers as <hex>, small numbers bare.
  const asm = r.asm.split(' ').map((t: string) => {
    if (t.startsWith('<') && t.endsWith('>')) return t.slice(1, -1);
    if (/^\d+$/.test(t)) return Number(t) === 0 ? 'OP_0' : `OP_${t}`;
    return t;
  }).join(' ');
  return bscript.fromASM(asm);
}

/** The witness script (for wsh) and scriptPubKey a descriptor describes; the checksum is not checked here. */
export function descriptorScripts(descriptor: string): { scriptPubKey: Uint8Array; witnessScript?: Uint8Array } {
  const body = descriptor.replace(/#[a-z0-9]{8}$/, '').replace(/\[[0-9a-f]{8}(?:\/\d+'?)*\]/g, '');
  let m = /^wpkh\((0[23][0-9a-f]{64})\)$/.exec(body);
  if (m) return { scriptPubKey: Uint8Array.from([0x00, 0x14, ...hash160(Buffer.from(m[1]!, 'hex'))]) };
  m = /^wsh\((.*)\)$/.exec(body);
  if (!m) throw new Error(`unsupported descriptor ${descriptor}`);
  let inner = m[1]!;
  // sortedmulti is a descriptor, not miniscript: multi over the keys in byte order (BIP 67).
  const sm = /^sortedmulti\((\d+),(.*)\)$/.exec(inner);
  if (sm) inner = `multi(${sm[1]},${sm[2]!.split(',').sort().join(',')})`;
  const witnessScript = miniscriptWitnessScript(inner);
  return { scriptPubKey: Uint8Array.from([0x00, 0x20, ...sha256(witnessScript)]), witnessScript };
}
