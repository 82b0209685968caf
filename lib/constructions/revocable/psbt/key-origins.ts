/**
 * The revocable channel's key roles, for annotating its PSBTs. Read in this
 * fixed order, whatever order the caller wrote them in, so a PSBT's key
 * derivations come out the same for the same keys.
 */
import { KeyOrigin, KeyOrigins, originList } from '../../../psbt/key-origin';

/** Roles' key origins, as many as the caller knows; unknown roles are simply not annotated. */
export type ChannelKeyOrigins = {
  /** The origin of the sender's funding key. */
  readonly senderFunding?: KeyOrigin;
  /** The origin of the receiver's funding key. */
  readonly receiverFunding?: KeyOrigin;
  /** The origin of the sender's payout key. */
  readonly senderPayout?: KeyOrigin;
  /** The origin of the receiver's payout key. */
  readonly receiverPayout?: KeyOrigin;
  /** The origin of the receiver's revocation key. */
  readonly receiverRevocation?: KeyOrigin;
  /** The origin of the receiver's HTLC key R_h. */
  readonly receiverHtlc?: KeyOrigin;
};

// New roles go last: the order of the others' derivations in a PSBT stays as it was.
const ROLES = ['senderFunding', 'receiverFunding', 'senderPayout', 'receiverPayout', 'receiverRevocation', 'receiverHtlc'] as const;

/**
 * The channel's key origins as a list: a list as given, roles in the
 * channel's order (other fields ignored).
 *
 * @param o - By role, as a list, or undefined (none).
 * @throws {@link ChannelError} `INVALID_ARGUMENT` if `o` is neither an array nor an object, or a role holds no key origin.
 */
export function channelOriginList(o: ChannelKeyOrigins | KeyOrigins | undefined): KeyOrigin[] {
  if (o === undefined || o === null || typeof o !== 'object' || Array.isArray(o)) return originList(o as KeyOrigins | undefined);
  const byRole = o as Readonly<Record<string, KeyOrigin | undefined>>;
  const roles: Record<string, KeyOrigin | undefined> = {};
  for (const r of ROLES) roles[r] = byRole[r];
  return originList(roles);
}
