/**
 * `npm run demo:service [-- --clients N] [--chunks N] [--seed S] [--json]`:
 * a pay-per-chunk service on two server processes sharing one PostgreSQL
 * server, N buyers spread over them. Midway one server is killed with
 * SIGKILL and started again; its buyers carry on on the other one. At the
 * end every channel closes cooperatively, and what the buyers saw is
 * compared with the database and the chain. Exits non-zero if a payment was
 * lost or counted twice, or a channel did not close on chain.
 *
 * `--hold` keeps the node (its RPC at `node.rpcUrl`, password `--rpc-key`)
 * running after the summary until stdin closes, for a caller that checks
 * the chain itself.
 */
import { randomBytes } from 'node:crypto';
import { renderServiceJson, renderServiceText, runHeld } from './report';
import { FaultControl, runService } from './session';

interface Args {
  clients: number;
  chunks: number;
  seed: string;
  json: boolean;
  hold: boolean;
  rpcKey?: string;
}

const USAGE = 'usage: npm run demo:service [-- --clients N] [--chunks N] [--seed S] [--json] [--hold --rpc-key K]';

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { clients: 200, chunks: 20, seed: randomBytes(8).toString('hex'), json: false, hold: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const count = (min: number, max: number): number => {
      const v = value();
      const n = Number(v);
      if (!/^[0-9]+$/.test(v) || n < min || n > max) throw new Error(`${flag} must be an integer in [${min}, ${max}]`);
      return n;
    };
    switch (flag) {
      case '--clients': a.clients = count(1, 5000); break;
      case '--chunks': a.chunks = count(2, 1000); break;
      case '--seed': a.seed = value(); break;
      case '--json': a.json = true; break;
      case '--hold': a.hold = true; break;
      case '--rpc-key': a.rpcKey = value(); break;
      default: throw new Error(`unknown argument ${flag}`);
    }
  }
  return a;
}

/** The demo's one fault: server 1 killed when half the payments are acknowledged, and started again. */
async function killOneMidway(ctl: FaultControl): Promise<void> {
  await ctl.untilAcked(Math.floor(ctl.total / 2));
  if (ctl.acked() >= ctl.total) return;
  await ctl.fleet.kill(1);
  ctl.note('SIGKILL', 'server-1');
  const t = performance.now();
  await ctl.fleet.restart(1);
  ctl.note('restart', `server-1 (${((performance.now() - t) / 1000).toFixed(1)} s)`);
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const say = (line: string) => { if (!args.json) process.stdout.write(`${line}\n`); };
  say(`revchan service demo: ${args.clients} clients x ${args.chunks} chunks on 2 server processes, seed ${args.seed}`);
  try {
    await runService({
      clients: args.clients, chunks: args.chunks, chunkSize: 1024, price: 1000n, servers: 2, seed: args.seed, leaseTtlMs: 5000,
      ...(args.rpcKey !== undefined ? { rpcKey: args.rpcKey } : {}),
      progress: true, log: say, faults: killOneMidway,
      hold: async (r) => {
        process.stdout.write(`${args.json ? renderServiceJson(r) : `\n${renderServiceText(r)}`}\n`);
        if (!runHeld(r)) process.exitCode = 1;
        if (args.hold) {
          process.stdin.resume();
          await new Promise<void>((resolve) => { process.stdin.once('end', resolve); process.stdin.once('close', resolve); });
        }
      },
    });
  } catch (e) {
    const err = e as Error & { details?: unknown };
    process.stderr.write(`\nservice demo failed: ${err.stack ?? err.message}\n`);
    if (err.details !== undefined) process.stderr.write(`details: ${JSON.stringify(err.details)}\n`);
    process.exitCode = 1;
  }
}

void main();
