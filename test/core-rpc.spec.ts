/**
 * CoreRpcBackend's transport: https with the certificate checked, Bitcoin
 * Core's cookie file (read again when a restarted node answers 401), and
 * JSON-RPC batches for the chain scan. The JSON-RPC itself is tested against
 * the embedded node in test/chain-backend.spec.ts.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChannelError } from '../lib';
import { CoreRpcBackend } from '../lib/node';

const TLS = path.resolve(__dirname, '..', '..', 'fixtures', 'tls');

interface Seen {
  authorization?: string;
  body: unknown;
}

/** A JSON-RPC server answering getblockcount with 42 to the password `password()` (any user), 401 otherwise. */
async function rpcServer(
  make: (handler: http.RequestListener) => http.Server,
  password: () => string,
): Promise<{ url: (scheme: string) => string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = make((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      seen.push({ authorization: req.headers.authorization, body });
      const [user, pass] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
      if (user === undefined || pass !== password()) {
        res.writeHead(401);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: 42, error: null, id: body.id }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (scheme) => `${scheme}://127.0.0.1:${port}/`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return e as ChannelError;
  }
  throw new Error('expected a ChannelError');
}

const basic = (user: string, pass: string): string => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

describe('CoreRpcBackend transport', function () {
  this.timeout(30_000);
  let dir: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-rpc-'));
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('speaks https, checking the certificate against the runtime\'s trust store', async () => {
    const tls = { key: readFileSync(path.join(TLS, 'key.pem')), cert: readFileSync(path.join(TLS, 'cert.pem')) };
    const server = await rpcServer((h) => https.createServer(tls, h), () => 'secret');
    try {
      // This process does not trust the test certificate: refused before anything is sent.
      const untrusted = new CoreRpcBackend({ url: server.url('https'), password: 'secret' });
      const err = await rejection(untrusted.call('getblockcount'));
      expect(err.code).to.equal('CHAIN_BACKEND');
      expect(server.seen).to.have.length(0);

      // A process that trusts it (NODE_EXTRA_CA_CERTS) gets the answer; credentials in the URL travel in the header.
      const url = server.url('https').replace('https://', 'https://alice:secret@');
      const script = `const { CoreRpcBackend } = require(${JSON.stringify(path.resolve(__dirname, '..', 'lib', 'node'))});
        new CoreRpcBackend({ url: process.argv[1] }).call('getblockcount').then((n) => console.log(JSON.stringify(n)), (e) => { console.error(e.code, e.message); process.exit(1); });`;
      const child = spawn(process.execPath, ['-e', script, url], { env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(TLS, 'cert.pem') } });
      let out = '';
      let errText = '';
      child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { errText += c.toString(); });
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code, errText).to.equal(0);
      expect(out.trim()).to.equal('42');
      expect(server.seen).to.have.length(1);
      expect(server.seen[0]!.authorization).to.equal(basic('alice', 'secret'));
      expect((server.seen[0]!.body as { method: string }).method).to.equal('getblockcount');
    } finally {
      await server.close();
    }
  });

  it('reads the cookie file at the first call and again when the node answers 401', async () => {
    let password = 'first';
    const server = await rpcServer((h) => http.createServer(h), () => password);
    const cookieFile = path.join(dir, '.cookie');
    try {
      await fs.writeFile(cookieFile, '__cookie__:first');
      const rpc = new CoreRpcBackend({ url: server.url('http'), cookieFile });
      expect(await rpc.call('getblockcount')).to.equal(42);
      expect(await rpc.call('getblockcount')).to.equal(42);
      expect(server.seen.map((s) => s.authorization)).to.deep.equal([basic('__cookie__', 'first'), basic('__cookie__', 'first')]);

      // The node restarts with a new cookie: one 401, the file read again, the call asked again.
      password = 'second';
      await fs.writeFile(cookieFile, '__cookie__:second\n');
      server.seen.length = 0;
      expect(await rpc.call('getblockcount')).to.equal(42);
      expect(server.seen.map((s) => s.authorization)).to.deep.equal([basic('__cookie__', 'first'), basic('__cookie__', 'second')]);

      // A 401 with the file unchanged is an authentication failure, asked once.
      password = 'third';
      server.seen.length = 0;
      const err = await rejection(rpc.call('getblockcount'));
      expect(err.code).to.equal('CHAIN_BACKEND');
      expect(err.details?.status).to.equal(401);
      expect(server.seen).to.have.length(1);
    } finally {
      await server.close();
    }
  });

  it('reports a missing or malformed cookie file as CHAIN_BACKEND and reads it again on the next call', async () => {
    const server = await rpcServer((h) => http.createServer(h), () => 'pw');
    const cookieFile = path.join(dir, 'later.cookie');
    try {
      const rpc = new CoreRpcBackend({ url: server.url('http'), cookieFile });
      let err = await rejection(rpc.call('getblockcount'));
      expect(err.code).to.equal('CHAIN_BACKEND');
      expect(err.details?.cookieFile).to.equal(cookieFile);
      await fs.writeFile(cookieFile, 'no colon here');
      err = await rejection(rpc.call('getblockcount'));
      expect(err.code).to.equal('CHAIN_BACKEND');
      await fs.writeFile(cookieFile, '__cookie__:pw');
      expect(await rpc.call('getblockcount')).to.equal(42);
      expect(server.seen).to.have.length(1);
    } finally {
      await server.close();
    }
  });

  it('refuses a cookie file together with credentials, and URLs that are not http(s)', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return (e as ChannelError).code;
      }
      return undefined;
    };
    expect(code(() => new CoreRpcBackend({ url: 'http://127.0.0.1:1', cookieFile: '/x', password: 'p' }))).to.equal('INVALID_ARGUMENT');
    expect(code(() => new CoreRpcBackend({ url: 'http://u:p@127.0.0.1:1', cookieFile: '/x' }))).to.equal('INVALID_ARGUMENT');
    expect(code(() => new CoreRpcBackend({ url: 'http://127.0.0.1:1', cookieFile: '' }))).to.equal('INVALID_ARGUMENT');
    expect(code(() => new CoreRpcBackend({ url: 'ws://127.0.0.1:1' }))).to.equal('INVALID_ARGUMENT');
    expect(code(() => new CoreRpcBackend({ url: 'https://127.0.0.1:1', cookieFile: '/x' }))).to.equal(undefined);
  });

  it('close() aborts the calls in flight; the backend stays usable', async () => {
    let hold = true;
    const held: http.ServerResponse[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (hold) held.push(res);
        else res.end(JSON.stringify({ result: 7, error: null, id: 1 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const rpc = new CoreRpcBackend({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      const pending = rejection(rpc.call('getblockcount'));
      while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
      rpc.close();
      expect((await pending).code).to.equal('CHAIN_BACKEND');
      hold = false;
      expect(await rpc.call('getblockcount')).to.equal(7);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
