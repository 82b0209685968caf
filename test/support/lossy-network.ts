/**
 * A network between the two parties that loses, repeats, reorders, corrupts
 * and replays messages. Messages travel as the bytes of their JSON wire form
 * (encodeMessage, then JSON.stringify), so a corruption is of real bytes and
 * every delivery goes through the strict decoder.
 */
import { Message, encodeMessage } from '../../lib';

export type Direction = 'toReceiver' | 'toSender';

export interface Packet {
  /** What arrives. */
  readonly bytes: Uint8Array;
  /** What was sent; differs from `bytes` when the network corrupted it. */
  readonly sent: Uint8Array;
}

export function encodePacket(m: Message): Uint8Array {
  return Uint8Array.from(Buffer.from(JSON.stringify(encodeMessage(m)), 'utf8'));
}

export function isTampered(p: Packet): boolean {
  return !Buffer.from(p.bytes).equals(Buffer.from(p.sent));
}

export class LossyNetwork {
  private readonly queues: Record<Direction, Packet[]> = { toReceiver: [], toSender: [] };
  /** Everything ever sent, in order, corrupted or not: the replay source. */
  private readonly logs: Record<Direction, Uint8Array[]> = { toReceiver: [], toSender: [] };

  /** Packets held back: they rejoin the queue behind the next packet sent the same way, which so overtakes them. */
  private readonly held: Record<Direction, Packet[]> = { toReceiver: [], toSender: [] };
  /** How many packets were overtaken by a later one. */
  overtaken = 0;

  send(dir: Direction, m: Message): Uint8Array {
    const bytes = encodePacket(m);
    this.queues[dir].push({ bytes, sent: bytes });
    this.logs[dir].push(bytes);
    this.overtaken += this.held[dir].length;
    this.release(dir);
    return bytes;
  }

  /** Hold back the packet at `pick`; false if the queue is empty. */
  holdBack(dir: Direction, pick: number): boolean {
    const p = this.take(dir, pick);
    if (p) this.held[dir].push(p);
    return p !== undefined;
  }

  /** Let held packets go on (at the end of the queue). */
  release(dir: Direction): void {
    this.queues[dir].push(...this.held[dir].splice(0));
  }

  size(dir: Direction): number {
    return this.queues[dir].length;
  }

  /** Removes and returns the packet at `pick` (modulo the queue length); 0 is in order. */
  take(dir: Direction, pick: number): Packet | undefined {
    const q = this.queues[dir];
    if (q.length === 0) return undefined;
    return q.splice(pick % q.length, 1)[0];
  }

  /** The packet at `pick`, left in the queue so that it arrives again later. */
  peek(dir: Direction, pick: number): Packet | undefined {
    const q = this.queues[dir];
    return q.length === 0 ? undefined : q[pick % q.length];
  }

  /** A message sent earlier, `back` messages before the latest (modulo the log length). */
  replay(dir: Direction, back: number): Packet | undefined {
    const log = this.logs[dir];
    if (log.length === 0) return undefined;
    const bytes = log[log.length - 1 - (back % log.length)]!;
    return { bytes, sent: bytes };
  }

  sent(dir: Direction): readonly Uint8Array[] {
    return this.logs[dir];
  }
}

/** Flip one bit of the encoded message. */
export function flipBit(bytes: Uint8Array, position: number, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const i = position % out.length;
  out[i] = out[i]! ^ (1 << (bit % 8));
  return out;
}

const TYPES = ['open_channel', 'accept_channel', 'funding_created', 'funding_signed', 'offer', 'accept', 'revoke', 'close_offer', 'close_signed'];

/** The same field taken from another message, if one has it. */
function donorValue(field: string, donors: readonly Uint8Array[], salt: number): unknown {
  const candidates: unknown[] = [];
  for (const d of donors) {
    const o = JSON.parse(Buffer.from(d).toString('utf8')) as Record<string, unknown>;
    if (field in o) candidates.push(o[field]);
  }
  return candidates.length === 0 ? undefined : candidates[salt % candidates.length];
}

function mutateValue(v: unknown, how: number, salt: number): unknown {
  if (typeof v === 'number') return [v + 1, v - 1, 0, 2 ** 53, v + 0.5, String(v)][how % 6];
  if (typeof v !== 'string') return null;
  if (/^(0|[1-9][0-9]*)$/.test(v) && !/^[0-9a-f]{64,}$/.test(v)) {
    const n = BigInt(v);
    return [(n + 1n).toString(), n > 0n ? (n - 1n).toString() : '-1', '0', `0${v}`, Number(n), (n * 2n).toString()][how % 6];
  }
  if (TYPES.includes(v)) return TYPES[(TYPES.indexOf(v) + 1 + salt) % TYPES.length];
  if (/^[0-9a-f]*$/.test(v) && v.length > 0) {
    const i = salt % v.length;
    const nibble = (parseInt(v[i]!, 16) ^ (1 + (salt % 15))).toString(16);
    return [
      v.slice(0, i) + nibble + v.slice(i + 1), // one hex digit changed
      v.toUpperCase(),
      v.slice(0, -2),
      `${v}00`,
      v.slice(2) + v.slice(0, 2), // bytes rotated
      'zz' + v.slice(2),
    ][how % 6];
  }
  return `${v}x`;
}

/**
 * Change one field of the encoded message: delete it, add an unknown one,
 * replace it with the same field of another message (a valid signature over
 * other bytes, an old index, another secret), or alter its value.
 */
export function mutateField(bytes: Uint8Array, field: number, how: number, salt: number, donors: readonly Uint8Array[]): Uint8Array {
  const o = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  const keys = Object.keys(o);
  const k = keys[field % keys.length]!;
  switch (how % 4) {
    case 0:
      delete o[k];
      break;
    case 1:
      o[salt % 2 === 0 ? 'memo' : k.toUpperCase()] = o[k];
      break;
    case 2: {
      const d = donorValue(k, donors, salt);
      o[k] = d === undefined || JSON.stringify(d) === JSON.stringify(o[k]) ? mutateValue(o[k], salt, salt) : d;
      break;
    }
    default:
      o[k] = mutateValue(o[k], Math.floor(how / 4), salt);
  }
  return Uint8Array.from(Buffer.from(JSON.stringify(o), 'utf8'));
}
