/**
 * A process that keeps both parties of one channel in a FileChannelStore and
 * pays in a loop, saving after every message, for test/crash-safety.spec.ts,
 * which kills it with SIGKILL and starts it again on the same directory.
 *
 *   node crash-child.js <dir> [--payments n] [--kill-at <point>:<n>]
 *
 * --payments n   stop after n payments and exit 0 (otherwise pay until killed).
 * --kill-at p:n  SIGKILL itself inside its n-th save, at point p:
 *                mid-write (half the temporary file written), before-sync,
 *                before-rename (temporary file complete and synced),
 *                after-rename (before the directory is synced).
 *                The store has no hook for this; the process wraps its own
 *                node:fs promises, which the store calls at each save.
 *
 * stdout, one line per event (lines are short, so each write is atomic):
 *   intent <key> <sha256 of the JSON about to be saved>
 *   saved <key> <sha256>          the save has returned: it is durable
 *   ready <recovery> <senderIndex> <receiverIndex>
 *   done <index> <amount>
 * <recovery> says what the restart had to do: opened, none, resent-offer,
 * resent-revoke, or accept-resent.
 */
import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import {
  Accept, Receiver, Revoke, Sender, Variant,
} from '../../lib';
import { FileChannelStore } from '../../lib/node';
import { CHAIN, openChannel, receiverSecrets, senderSecrets, wire } from './parties';

export const CRASH_VARIANT: Variant = { kind: 'csv', delay: { blocks: 144 } };
export const CRASH_CAPACITY = 10_000_000_000n;
export const CRASH_INCREMENT = 1000n;
export const KILL_POINTS = ['mid-write', 'before-sync', 'before-rename', 'after-rename'] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

/** Wraps fs.promises so that the n-th save (the n-th temporary file opened) dies at `point`. */
function armKill(point: KillPoint, n: number): void {
  const p = nodeFs.promises;
  const open = p.open.bind(p);
  const rename = p.rename.bind(p);
  let saves = 0;
  let armedRename = false;
  p.open = (async (file: nodeFs.PathLike, flags?: string | number, mode?: nodeFs.Mode) => {
    const fh = await open(file, flags, mode);
    if (typeof file !== 'string' || !file.endsWith('.tmp') || ++saves !== n) return fh;
    if (point === 'mid-write') {
      fh.writeFile = (async (data: string) => {
        await fh.write(data.slice(0, Math.floor(data.length / 2)));
        die();
      }) as typeof fh.writeFile;
    } else if (point === 'before-sync') {
      fh.sync = async () => die();
    } else {
      armedRename = true;
    }
    return fh;
  }) as typeof p.open;
  p.rename = async (from: nodeFs.PathLike, to: nodeFs.PathLike) => {
    if (!armedRename) return rename(from, to);
    if (point === 'before-rename') die();
    await rename(from, to);
    die();
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const out = (line: string) => process.stdout.write(`${line}\n`);

class Parties {
  constructor(readonly store: FileChannelStore, public sender: Sender, public receiver: Receiver) {}

  async save(key: 'sender' | 'receiver', state: unknown): Promise<void> {
    const h = sha256(JSON.stringify(state));
    out(`intent ${key} ${h}`);
    await this.store.save(key, state);
    out(`saved ${key} ${h}`);
  }

  /** offer -> accept -> revoke, each party saved after each message it handles. */
  async pay(): Promise<void> {
    const offer = this.sender.pay(CRASH_INCREMENT);
    await this.save('sender', this.sender.toJSON());
    const accept = this.receiver.onOffer(wire(offer), CHAIN);
    await this.save('receiver', this.receiver.toJSON());
    await this.finishFromAccept(accept);
  }

  async finishFromAccept(accept: Accept): Promise<void> {
    const revoke = this.sender.onAccept(wire(accept));
    await this.save('sender', this.sender.toJSON()); // before the revoke leaves
    await this.finishFromRevoke(revoke);
  }

  async finishFromRevoke(revoke: Revoke): Promise<void> {
    this.receiver.onRevoke(wire(revoke));
    await this.save('receiver', this.receiver.toJSON());
  }
}

/** Restore both parties and finish whatever payment the crash interrupted, through the protocol's resends. */
async function recover(store: FileChannelStore): Promise<{ parties: Parties; recovery: string }> {
  const sj = await store.load('sender');
  const rj = await store.load('receiver');
  if (sj === undefined || rj === undefined) {
    // Died before both initial saves: opening is deterministic, so opening again gives the same states.
    const c = openChannel(CRASH_VARIANT, CRASH_CAPACITY);
    if (sj !== undefined && JSON.stringify(sj) !== JSON.stringify(c.sender.toJSON())) throw new Error('saved sender differs from a fresh open');
    if (rj !== undefined && JSON.stringify(rj) !== JSON.stringify(c.receiver.toJSON())) throw new Error('saved receiver differs from a fresh open');
    const parties = new Parties(store, c.sender, c.receiver);
    await parties.save('sender', c.sender.toJSON());
    await parties.save('receiver', c.receiver.toJSON());
    return { parties, recovery: 'opened' };
  }
  const sender = Sender.restore(sj, senderSecrets);
  const receiver = Receiver.restore(rj, receiverSecrets);
  const parties = new Parties(store, sender, receiver);
  const senderPending = sender.pending !== undefined;
  const receiverPending = receiver.pendingAmount !== undefined;
  if (!senderPending && !receiverPending && sender.index === receiver.index) return { parties, recovery: 'none' };
  if (senderPending && !receiverPending && sender.index === receiver.index) {
    // The offer was saved by the sender only: send it again.
    const accept = receiver.onOffer(wire(sender.pendingOffer()), CHAIN);
    await parties.save('receiver', receiver.toJSON());
    await parties.finishFromAccept(accept);
    return { parties, recovery: 'resent-offer' };
  }
  if (senderPending && receiverPending && sender.index === receiver.index) {
    // The receiver saved its accept, which died with the process: the resent offer gets it again.
    await parties.finishFromAccept(receiver.onOffer(wire(sender.pendingOffer()), CHAIN));
    return { parties, recovery: 'accept-resent' };
  }
  if (!senderPending && receiverPending && sender.index === receiver.index + 1) {
    // The sender saved the new state; its revoke was lost.
    await parties.finishFromRevoke(sender.lastRevoke());
    return { parties, recovery: 'resent-revoke' };
  }
  throw new Error(`inconsistent saved states: sender ${sender.index}${senderPending ? '+pending' : ''}, receiver ${receiver.index}${receiverPending ? '+pending' : ''}`);
}

async function main(): Promise<void> {
  const [dir, ...rest] = process.argv.slice(2);
  if (!dir) throw new Error('usage: crash-child <dir> [--payments n] [--kill-at point:n]');
  let payments = Infinity;
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1] ?? ''];
    if (flag === '--payments') payments = Number(value);
    else if (flag === '--kill-at') {
      const [point, n] = value.split(':');
      if (!KILL_POINTS.includes(point as KillPoint)) throw new Error(`unknown kill point ${point}`);
      armKill(point as KillPoint, Number(n));
    } else throw new Error(`unknown flag ${flag}`);
  }
  const store = new FileChannelStore(dir);
  const { parties, recovery } = await recover(store);
  out(`ready ${recovery} ${parties.sender.index} ${parties.receiver.index}`);
  for (let i = 0; i < payments; i++) await parties.pay();
  out(`done ${parties.receiver.index} ${parties.receiver.amount}`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(2);
  });
}
