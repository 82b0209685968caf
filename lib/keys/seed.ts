/**
 * Per-channel shachain seeds, derived from the sender's BIP32 wallet.
 *
 * The secrets generated from this seed are handed to the counterparty one by
 * one as updates are revoked, and the last one (index 0) is the seed itself.
 * So the seed must be worthless to anyone holding them: it must not be, or
 * lead to, a private key on any path that also has a non-hardened step under
 * a public key we export. A non-hardened child private key together with its
 * parent's xpub gives away the parent private key (k_parent = k_child - I_L),
 * and with it every sibling. Hence only hardened steps, and the seed is a
 * tagged hash of the child key rather than the key itself, so even the
 * channel-level key never leaves this module in usable form.
 */
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import type { BIP32Interface } from 'bip32';
import { fail } from '../errors';

/** BIP32 purpose index reserved for revchan update seeds. */
export const UPDATE_SEED_PURPOSE = 1017;
/** Derivation path of a channel's seed key, followed by `channelIndex'`. Every step is hardened. */
export const UPDATE_SEED_PATH = "m/1017'/0'";
/** The tag of the hash that turns the seed key into the shachain seed. */
export const UPDATE_SEED_TAG = 'revchan/update-seed';
/** Largest BIP32 child number below the hardened offset. */
export const MAX_CHANNEL_INDEX = 0x7fffffff;

/**
 * The full path of channel `channelIndex`'s seed key.
 *
 * @param channelIndex - The channel's number in the wallet, in [0, 2^31-1].
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `channelIndex` is not an integer in [0, 2^31-1].
 */
export function channelSeedPath(channelIndex: number): string {
  checkChannelIndex(channelIndex);
  return `${UPDATE_SEED_PATH}/${channelIndex}'`;
}

function checkChannelIndex(channelIndex: number): void {
  if (typeof channelIndex !== 'number' || !Number.isInteger(channelIndex) || channelIndex < 0 || channelIndex > MAX_CHANNEL_INDEX) {
    fail('INVALID_ARGUMENT', `channel index must be an integer in [0, ${MAX_CHANNEL_INDEX}]`);
  }
}

/** BIP340-style tagged hash, so the seed cannot collide with any other use of the same key. */
function taggedHash(tag: string, msg: Uint8Array): Uint8Array {
  const tagHash = sha256(utf8ToBytes(tag));
  return sha256.create().update(tagHash).update(tagHash).update(msg).digest();
}

/**
 * The 32-byte shachain seed of channel `channelIndex`, from the wallet's
 * master node: taggedHash("revchan/update-seed", k) for the private key k at
 * m/1017'/0'/channelIndex'.
 *
 * @param root - The wallet's master node, with its private key.
 * @param channelIndex - The channel's number in the wallet, in [0, 2^31-1]; one per channel.
 * @throws {@link ChannelError} `INVALID_KEY` if `root` is not a BIP32 node, has no private key, or the derived node has none.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `channelIndex` is not an integer in [0, 2^31-1].
 *
 * @example
 * ```ts
 * const seed = deriveChannelSeed(BIP32Factory(ecc).fromSeed(walletSeed), 7);
 * const K_1 = deriveUpdateKey(seed, 1n);
 * ```
 */
export function deriveChannelSeed(root: BIP32Interface, channelIndex: number): Uint8Array {
  if (root === null || typeof root !== 'object' || typeof root.isNeutered !== 'function') {
    fail('INVALID_KEY', 'root must be a BIP32 node');
  }
  if (root.isNeutered()) fail('INVALID_KEY', 'root is neutered: the seed needs a private key');
  checkChannelIndex(channelIndex);
  const child = root.deriveHardened(UPDATE_SEED_PURPOSE).deriveHardened(0).deriveHardened(channelIndex);
  const key = child.privateKey;
  if (key === undefined) fail('INVALID_KEY', 'derived node has no private key');
  return taggedHash(UPDATE_SEED_TAG, key);
}
