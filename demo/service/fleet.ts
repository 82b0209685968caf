/**
 * The service demo's server processes, seen from the parent: each is a
 * child process (server-process.ts) on a port fixed at the start, so buyers
 * find a restarted server where the killed one was. Killing is SIGKILL: the
 * process gets no chance to finish anything, as when a machine dies.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { ServerConfig, ServerReport } from './config';

/** What the fleet tells its owner as it happens. */
export interface FleetEvents {
  /** A server reported a failure of its own (a dropped database connection, a failed poll). */
  readonly onError?: (server: number, code: string, message: string) => void;
}

interface Member {
  readonly config: ServerConfig;
  child?: ChildProcess;
  exited?: Promise<void>;
  /** Processes started for this slot so far. */
  starts: number;
  lastLeases?: Extract<ServerReport, { type: 'leases' }>;
  /** Outpoints this slot's processes took, over the run and since the last restart. */
  leasesTaken: number;
  leasesTakenAfterRestart: number;
}

/** A free port on 127.0.0.1, for a server to listen on for the whole run. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const SERVER_SCRIPT = path.join(__dirname, 'server-process.js');
const START_TIMEOUT_MS = 30_000;

/** The running servers. */
export class ServerFleet {
  /** Every transaction a server broadcast, by txid (hex). */
  readonly broadcasts = new Map<string, string>();
  /** Payments made final, as the servers' hubs reported them (a killed server may not have reported its last). */
  paymentEvents = 0;
  private readonly members: Member[];

  private constructor(configs: readonly ServerConfig[], private readonly events: FleetEvents) {
    this.members = configs.map((config) => ({ config, starts: 0, leasesTaken: 0, leasesTakenAfterRestart: 0 }));
  }

  /**
   * Starts one process per config and waits until each listens.
   *
   * @param configs - One per server, ports fixed.
   * @param events - Callbacks for the servers' reports.
   */
  static async start(configs: readonly ServerConfig[], events: FleetEvents = {}): Promise<ServerFleet> {
    const fleet = new ServerFleet(configs, events);
    try {
      await Promise.all(fleet.members.map((_, i) => fleet.launch(i)));
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  /** The servers' WebSocket addresses, fixed for the run. */
  get urls(): string[] {
    return this.members.map((m) => `ws://127.0.0.1:${m.config.port}/`);
  }

  get size(): number {
    return this.members.length;
  }

  /** Each server's last lease report, and the outpoints it took over the run and since it was last restarted. */
  leases(): { server: string; held: number; watching: number; starts: number; taken: number; takenAfterRestart: number }[] {
    return this.members.map((m) => ({
      server: m.config.name, held: m.lastLeases?.held ?? 0, watching: m.lastLeases?.watching ?? 0, starts: m.starts,
      taken: m.leasesTaken, takenAfterRestart: m.leasesTakenAfterRestart,
    }));
  }

  /** SIGKILL server `i` and wait until it is gone. */
  async kill(i: number): Promise<void> {
    const m = this.members[i]!;
    if (!m.child) return;
    m.child.kill('SIGKILL');
    await m.exited;
  }

  /** Start server `i` again on its port. */
  async restart(i: number): Promise<void> {
    await this.kill(i);
    this.members[i]!.leasesTakenAfterRestart = 0;
    await this.launch(i);
  }

  /** Ask every server to release its leases and exit; kill whatever does not within a few seconds. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map(async (m) => {
      const child = m.child;
      if (!child) return;
      if (child.connected) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await m.exited;
      clearTimeout(timer);
    }));
  }

  private launch(i: number): Promise<void> {
    const m = this.members[i]!;
    m.starts++;
    const child = fork(SERVER_SCRIPT, [JSON.stringify(m.config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    m.child = child;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    m.exited = new Promise<void>((resolve) => child.once('exit', () => {
      if (m.child === child) m.child = undefined;
      resolve();
    }));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${m.config.name} did not start within ${START_TIMEOUT_MS} ms\n${stderr}`)), START_TIMEOUT_MS);
      void m.exited!.then(() => {
        clearTimeout(timer);
        reject(new Error(`${m.config.name} exited while starting\n${stderr}`));
      });
      child.on('message', (r: ServerReport) => {
        switch (r.type) {
          case 'ready':
            clearTimeout(timer);
            resolve();
            return;
          case 'broadcast':
            this.broadcasts.set(r.txid, r.hex);
            return;
          case 'payment':
            this.paymentEvents++;
            return;
          case 'leases':
            m.lastLeases = r;
            m.leasesTaken += r.added;
            if (m.starts > 1) m.leasesTakenAfterRestart += r.added;
            return;
          case 'error':
            this.events.onError?.(i, r.code, r.message);
            return;
          default:
        }
      });
    });
  }
}
