/**
 * Where a hub's per-channel receiver keys come from. Each channel gets its
 * own keys, found again by a key id saved with the channel. The default
 * derives them from one hub seed and an id the hub draws itself: an id the
 * sender picks (the temporary channel id) would let a sender that reuses one
 * open a second channel on the same keys.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import { ecc } from '../core/ecc';
import { fail } from '../core/errors';
import { PrivateKey } from '../core/types';
import type { ReceiverSecrets } from '../constructions/revocable/protocol/receiver';
import type { OpenChannel } from '../constructions/revocable/protocol/messages';

/** A key id: what a store key may hold, so it can name keys in any store or file. */
const KEY_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** The tag of the hash that turns the seed, a key id and a role into a key. */
export const HUB_KEY_TAG = 'revchan/hub-receiver-key';

/** New keys for a channel: the id they are saved under, and the keys. */
export interface HubChannelKeys {
  /** Saved with the channel; {@link HubKeySource.secretsOf} gives the keys again from it. 1-128 characters of [A-Za-z0-9_-]. */
  readonly keyId: string;
  /** The channel's receiver keys. */
  readonly secrets: ReceiverSecrets;
}

/**
 * Where a {@link ReceiverHub} gets each channel's receiver keys. Implement it
 * to keep keys elsewhere (a signing service, a BIP32 wallet with its own
 * counter); {@link seedKeySource} derives them from one seed.
 */
export interface HubKeySource {
  /**
   * Keys for a new channel, never handed out before.
   *
   * @param open - The sender's open_channel, for a source that decides by its terms.
   */
  newKeys(open: OpenChannel): HubChannelKeys | Promise<HubChannelKeys>;
  /**
   * The keys of a channel, from the id {@link HubKeySource.newKeys} gave.
   *
   * @param keyId - The channel's key id.
   */
  secretsOf(keyId: string): ReceiverSecrets | Promise<ReceiverSecrets>;
}

/** A key id as saved; INVALID_ARGUMENT otherwise. */
export function checkKeyId(keyId: unknown): string {
  if (typeof keyId !== 'string' || !KEY_ID.test(keyId)) fail('INVALID_ARGUMENT', 'key id must be 1-128 characters of [A-Za-z0-9_-]');
  return keyId;
}

function taggedHash(tag: string, parts: readonly Uint8Array[]): Uint8Array {
  const tagHash = sha256(utf8ToBytes(tag));
  const h = sha256.create().update(tagHash).update(tagHash);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The key of `role`: the first tagged hash, over a counter, that is a valid secp256k1 scalar (the first one, but for odds of 2^-128). */
function deriveKey(seed: Uint8Array, keyId: string, role: string): PrivateKey {
  for (let i = 0; ; i++) {
    const k = taggedHash(HUB_KEY_TAG, [seed, utf8ToBytes(`${keyId}/${role}/${i}`)]);
    if (ecc().isPrivate(k)) return k as PrivateKey;
  }
}

/**
 * Receiver keys derived from one hub seed: each channel's are tagged hashes
 * of the seed, a key id the hub draws (32 random bytes, hex) and the key's
 * role. The seed is the one secret to keep; the key ids are saved with the
 * channels, and no key follows from them without the seed.
 *
 * @param seed - At least 32 bytes of secret randomness, the same in every process serving the same channels.
 * @param nextKeyId - Draws a new key id (default: 32 random bytes as hex); ids must never repeat.
 * @returns The key source.
 * @throws {@link revchan!ChannelError} `INVALID_KEY` if `seed` is not at least 32 bytes.
 * @throws {@link revchan!ChannelError} `INVALID_ARGUMENT` if `nextKeyId` is given and is not a function.
 *
 * @example
 * ```ts
 * const hub = await ReceiverHub.start({ store, backend, keys: seedKeySource(hubSeed), watcher: { feeRate: 2000n, destinationScript } });
 * ```
 */
export function seedKeySource(seed: Uint8Array, nextKeyId?: () => string): HubKeySource {
  if (!(seed instanceof Uint8Array) || seed.length < 32) fail('INVALID_KEY', 'the hub seed must be at least 32 bytes');
  if (nextKeyId !== undefined && typeof nextKeyId !== 'function') fail('INVALID_ARGUMENT', 'nextKeyId must be a function');
  const own = Uint8Array.from(seed);
  const draw = nextKeyId ?? (() => randomBytes(32).toString('hex'));
  const secretsOf = (keyId: string): ReceiverSecrets => {
    checkKeyId(keyId);
    // A new role is a new tag input: the keys of the roles before it are what they were.
    return {
      fundingKey: deriveKey(own, keyId, 'funding'), payoutKey: deriveKey(own, keyId, 'payout'), revocationKey: deriveKey(own, keyId, 'revocation'),
      htlcKey: deriveKey(own, keyId, 'htlc'),
    };
  };
  return {
    newKeys: () => {
      const keyId = checkKeyId(draw());
      return { keyId, secrets: secretsOf(keyId) };
    },
    secretsOf,
  };
}
