/**
 * What every transaction revchan builds shares, whichever construction builds
 * it: the version, the nSequence of a replaceable spend, and the BIP 143
 * scriptCode of a P2WPKH coin.
 */
import { fail } from '../core/errors';
import { classifyScript } from './outputs';

/** The version of every channel transaction: 2, so that nSequence relative locks apply. */
export const TX_VERSION = 2;

/** RBF signalling, so a stuck claim can be replaced with a higher fee. */
export const RBF_SEQUENCE = 0xfffffffd;

/**
 * BIP 143 scriptCode of a P2WPKH output: the P2PKH script of its key hash.
 *
 * @param p2wpkh - The P2WPKH output script.
 * @throws {@link ChannelError} `INVALID_SCRIPT` if `p2wpkh` is not a P2WPKH script.
 */
export function p2wpkhScriptCode(p2wpkh: Uint8Array): Uint8Array {
  if (classifyScript(p2wpkh) !== 'p2wpkh') fail('INVALID_SCRIPT', 'p2wpkhScriptCode needs a P2WPKH output script');
  const code = new Uint8Array(25);
  code.set([0x76, 0xa9, 0x14], 0);
  code.set(p2wpkh.subarray(2, 22), 3);
  code.set([0x88, 0xac], 23);
  return code;
}
