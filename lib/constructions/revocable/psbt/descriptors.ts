/**
 * Output descriptors (BIP 380) of the revocable construction's scripts: the
 * revocable output of a state, and every script of one channel with the key
 * origins a party knows, from the templates' own `descriptor` field through
 * the generic lib/psbt/descriptor.ts.
 */
import { expectObject } from '../../../core/arguments';
import { fail } from '../../../core/errors';
import { bytesEqual } from '../../../core/hash';
import { PublicKey, Variant, checkVariant } from '../../../core/types';
import { DescriptorKey, fundingDescriptor, p2wpkhDescriptor, templateDescriptor } from '../../../psbt/descriptor';
import { KeyOrigin } from '../../../psbt/key-origin';
import { ChannelKeyOrigins } from './key-origins';
import { ChannelParams, verifyChannelParams } from '../params';
import { revocableTemplate } from '../templates';

/** The keys and timeout of one state's revocable output. */
export interface RevocableDescriptorKeys {
  /** The receiver's revocation key R_r. */
  readonly receiverRevocationKey: DescriptorKey;
  /** K_i: bare, it has no BIP32 origin. */
  readonly updateKey: DescriptorKey;
  /** The sender's payout key S_p. */
  readonly senderPayoutKey: DescriptorKey;
  /** The channel's timeout. */
  readonly variant: Variant;
}

/**
 * The sender's revocable output of one state: `wsh(andor(pk(R_r),pk(K_i),and_v(v:pk(S_p),after(T)|older(D))))`.
 *
 * @param k - The revocation key, K_i, the sender's payout key and the variant.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `k` is not an object, or an origin's fingerprint or path is malformed.
 * @throws {@link ChannelError} `INVALID_TIMELOCK` if `variant` is malformed or its lock out of range.
 * @throws {@link ChannelError} `INVALID_KEY` if a key is not a valid public key.
 * @throws {@link ChannelError} `TEMPLATE_ARGUMENT` if a key is missing.
 */
export function revocableDescriptor(k: RevocableDescriptorKeys): string {
  expectObject(k, 'revocable keys');
  const v = checkVariant(k.variant);
  const keys = { R_r: k.receiverRevocationKey, K_i: k.updateKey, S_p: k.senderPayoutKey };
  return v.kind === 'cltv'
    ? templateDescriptor(revocableTemplate(v), { ...keys, T: v.expiry })
    : templateDescriptor(revocableTemplate(v), { ...keys, D: v.delay });
}

/** Descriptors of every script of one channel; `revocable` for the K_i of a state. */
export interface ChannelDescriptors {
  /** `wsh(sortedmulti(2,...))` of the funding output. */
  readonly funding: string;
  /** `wpkh(...)` of the receiver's payout key. */
  readonly receiverPayout: string;
  /** `wpkh(...)` of the sender's payout key (the close's output). */
  readonly senderPayout: string;
  /**
   * The revocable output of the state whose update key is K_i.
   *
   * @param updateKey - K_i.
   * @throws {@link ChannelError} `INVALID_KEY` if `updateKey` is not a valid public key.
   */
  revocable(updateKey: PublicKey): string;
}

/**
 * The channel's descriptors, each key with its origin where `origins` gives
 * one (a party usually knows only its own). An origin must be of the key the
 * channel uses in that role.
 *
 * @param p - The channel's parameters.
 * @param origins - Origins of the keys this party knows, by role.
 * @throws {@link ChannelError} `INVALID_ARGUMENT`, `INVALID_AMOUNT`, `INVALID_KEY`, `INVALID_TIMELOCK`, `INVALID_FEE_RATE` or `FEE_EXCEEDS_OUTPUT` if `p` is refused by {@link verifyChannelParams}.
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `origins` is not an object, or an origin's fingerprint or path is malformed.
 * @throws {@link ChannelError} `INVALID_KEY` if an origin is of another key than the channel's in that role.
 *
 * @example
 * ```ts
 * const d = channelDescriptors(params, { receiverPayout: keyOrigin(master, "m/84'/0'/0'/0/7") });
 * d.receiverPayout; // "wpkh([d34db33f/84'/0'/0'/0/7]02...)#checksum"
 * d.revocable(updateKey);
 * ```
 */
export function channelDescriptors(p: ChannelParams, origins: ChannelKeyOrigins = {}): ChannelDescriptors {
  const ctx = verifyChannelParams(p);
  expectObject(origins, 'origins');
  const withOrigin = (key: PublicKey, origin: KeyOrigin | undefined, role: string): DescriptorKey => {
    if (origin === undefined) return key;
    if (!(origin.pubkey instanceof Uint8Array) || !bytesEqual(origin.pubkey, key)) fail('INVALID_KEY', `origin given for ${role} is of another key`);
    return origin;
  };
  const R_r = withOrigin(p.receiverRevocationKey, origins.receiverRevocation, 'receiverRevocation');
  const S_p = withOrigin(p.senderPayoutKey, origins.senderPayout, 'senderPayout');
  return {
    funding: fundingDescriptor({
      senderFundingKey: withOrigin(p.senderFundingKey, origins.senderFunding, 'senderFunding'),
      receiverFundingKey: withOrigin(p.receiverFundingKey, origins.receiverFunding, 'receiverFunding'),
    }),
    receiverPayout: p2wpkhDescriptor(withOrigin(p.receiverPayoutKey, origins.receiverPayout, 'receiverPayout')),
    senderPayout: p2wpkhDescriptor(S_p),
    revocable: (updateKey) => revocableDescriptor({ receiverRevocationKey: R_r, updateKey, senderPayoutKey: S_p, variant: ctx.params.variant }),
  };
}
