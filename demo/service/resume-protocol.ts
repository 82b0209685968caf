/**
 * How a buyer picks its channel up again on another connection, to any
 * server of the fleet: the server that funded the channel hands the buyer a
 * resume token (an HMAC of the channel id under a key every server derives
 * from the fleet's seed, so none of them stores it), and a later connection
 * that presents channel id and token speaks for that channel. The answer is
 * the channel as the database holds it, which tells the buyer what of its
 * last exchange the fleet kept: an offer accepted, a revoke saved.
 *
 * The answer also serves as a barrier: a server answers a connection's
 * messages in order, so everything said on the connection before the hello
 * has arrived by the time its `resume.state` does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Json, fail, fromHex } from '../../lib';

/** Seller to buyer, right after funding_signed: the token that lets another connection speak for the channel. */
export interface ResumeToken {
  readonly type: 'resume.token';
  /** The channel's id, hex. */
  readonly channelId: string;
  /** HMAC-SHA256 of the channel id under the fleet's resume key, hex. */
  readonly token: string;
}

/** Buyer to seller: speak for this channel on this connection, and say how it is stored. */
export interface ResumeHello {
  readonly type: 'resume.hello';
  readonly channelId: string;
  readonly token: string;
  /** Echoed in the answer, so the buyer knows which hello it answers. */
  readonly nonce: number;
}

/** Seller to buyer: the channel as the database holds it now. */
export interface ResumeState {
  readonly type: 'resume.state';
  readonly nonce: number;
  readonly channelId: string;
  readonly phase: string;
  /** The current state's number: the last one whose predecessor is revoked. */
  readonly index: number;
  /** The final total, satoshis. */
  readonly amount: bigint;
  /** The total of an accepted offer awaiting its revoke. */
  readonly pendingAmount?: bigint;
}

export type ResumeMessage = ResumeToken | ResumeHello | ResumeState;

const HEX32 = /^[0-9a-f]{64}$/;
const SATS = /^(?:0|[1-9][0-9]{0,15})$/;
const PHASES = ['accepted', 'funded', 'open', 'closing', 'closed'];

/** The key every server of a fleet derives from the fleet's seed. */
export function resumeKeyOf(fleetSeed: Uint8Array): Uint8Array {
  return Uint8Array.from(createHmac('sha256', fleetSeed).update('revchan demo resume token key').digest());
}

/** The token of a channel. */
export function resumeToken(key: Uint8Array, channelId: string): string {
  return createHmac('sha256', key).update(fromHex(channelId)).digest('hex');
}

/** Whether `token` is the token of `channelId` (compared in constant time). */
export function tokenMatches(key: Uint8Array, channelId: string, token: string): boolean {
  return timingSafeEqual(fromHex(resumeToken(key, channelId)), fromHex(token));
}

/** Whether a parsed JSON value is meant as a resume message. */
export function isResumeMessage(json: unknown): boolean {
  return json !== null && typeof json === 'object' && typeof (json as Json).type === 'string' && ((json as Json).type as string).startsWith('resume.');
}

/** A resume message as wire JSON (amounts as decimal strings). */
export function encodeResumeMessage(m: ResumeMessage): Json {
  const json: Json = m.type === 'resume.state'
    ? {
      type: m.type, nonce: m.nonce, channelId: m.channelId, phase: m.phase, index: m.index, amount: m.amount.toString(),
      ...(m.pendingAmount !== undefined ? { pendingAmount: m.pendingAmount.toString() } : {}),
    }
    : { ...m };
  decodeResumeMessage(json);
  return json;
}

/** A resume message from parsed JSON, strictly: exactly its fields, each in its one spelling; MESSAGE_INVALID otherwise. */
export function decodeResumeMessage(json: unknown): ResumeMessage {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return bad('message', 'a JSON object');
  const o = json as Json;
  const expect = (required: string[], optional: string[] = []) => {
    for (const f of required) if (!(f in o)) bad(f, 'missing');
    for (const f of Object.keys(o)) if (f !== 'type' && !required.includes(f) && !optional.includes(f)) bad(f, 'unexpected');
  };
  const hex32 = (f: string) => (typeof o[f] === 'string' && HEX32.test(o[f] as string) ? (o[f] as string) : bad(f, '32 bytes of lowercase hex'));
  const count = (f: string) => (Number.isSafeInteger(o[f]) && (o[f] as number) >= 0 ? (o[f] as number) : bad(f, 'a non-negative integer'));
  const sats = (f: string) => (typeof o[f] === 'string' && SATS.test(o[f] as string) ? BigInt(o[f] as string) : bad(f, 'satoshis as a decimal string'));
  switch (o.type) {
    case 'resume.token':
      expect(['channelId', 'token']);
      return { type: 'resume.token', channelId: hex32('channelId'), token: hex32('token') };
    case 'resume.hello':
      expect(['channelId', 'token', 'nonce']);
      return { type: 'resume.hello', channelId: hex32('channelId'), token: hex32('token'), nonce: count('nonce') };
    case 'resume.state': {
      expect(['nonce', 'channelId', 'phase', 'index', 'amount'], ['pendingAmount']);
      if (!PHASES.includes(o.phase as string)) bad('phase', `one of ${PHASES.join(', ')}`);
      return {
        type: 'resume.state', nonce: count('nonce'), channelId: hex32('channelId'), phase: o.phase as string, index: count('index'), amount: sats('amount'),
        ...(o.pendingAmount !== undefined ? { pendingAmount: sats('pendingAmount') } : {}),
      };
    }
    default:
      return fail('MESSAGE_UNKNOWN_TYPE', 'not a resume message type', { type: String(o.type).slice(0, 40) });
  }
}

function bad(field: string, why: string): never {
  return fail('MESSAGE_INVALID', `${field}: ${why}`, { field });
}

