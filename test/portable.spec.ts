/**
 * The package entry (lib/index.ts) runs in a browser: bundled by esbuild for
 * platform=browser with no Node polyfills it needs no Node built-in (esbuild
 * refuses to bundle one for the browser) and no Node global; the bundle runs
 * a channel in a context that has only a browser's globals; and its published
 * declarations compile without @types/node (with a browser's lib: bitcoinjs-lib's
 * valibot types name Blob and File). Node-only code belongs in
 * lib/node.ts (revchan/node).
 */
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import * as ts from 'typescript';
import type { PageRun } from './support/browser-page';
import { ROOT, bundleForBrowser } from './support/bundle';

/** Node globals used as values (not properties, not methods of the same name, not words in a message). */
const NODE_GLOBALS = [
  /(?<![\w$.])Buffer\s*[.([]/g, /\bnew\s+Buffer\b/g, /(?<![\w$.])process\s*[.[]/g, /(?<![\w$.])global\s*[.[]/g,
  /(?<![\w$.])require\s*[.(]/g, /(?<![\w$.])__(dirname|filename)\b/g, /(?<![\w$.])setImmediate\s*\(/g,
];

function nodeGlobalUses(text: string): string[] {
  return NODE_GLOBALS.flatMap((re) => [...text.matchAll(re)].map((m) => text.slice(Math.max(0, m.index! - 40), m.index! + 40)));
}

/** TextEncoder/TextDecoder made inside the context, so their bytes are the context's own Uint8Array (as in a browser). */
const TEXT_CODEC = `
globalThis.TextEncoder = class TextEncoder {
  encode(s = '') { return Uint8Array.from(unescape(encodeURIComponent(s)), (c) => c.charCodeAt(0)); }
};
globalThis.TextDecoder = class TextDecoder {
  decode(b = new Uint8Array()) { let s = ''; for (const c of b) s += String.fromCharCode(c); return decodeURIComponent(escape(s)); }
};`;

describe('the package entry is portable', function () {
  this.timeout(120_000);

  it('bundles for the browser with no Node built-in, polyfill or global', async () => {
    const b = await bundleForBrowser('lib/index.ts', { format: 'esm' });
    expect(b.errors, 'esbuild (platform=browser) errors').to.deep.equal([]);
    expect(b.inputs.filter((i) => i.startsWith('node:') || /(^|\/)node_modules\/(buffer|process|events|crypto-browserify|path-browserify)\//.test(i)), 'Node modules or polyfills').to.deep.equal([]);
    expect(b.inputs.some((i) => i.includes('node_modules/tiny-secp256k1/')), 'tiny-secp256k1 replaced by its pure-JS twin').to.equal(false);
    expect(nodeGlobalUses(b.text), 'Node globals in the bundle').to.deep.equal([]);
    expect(b.text).to.not.match(/\b__require\b/, 'a require() esbuild could not resolve');
    expect(b.text).to.not.match(/(?<![\w$.])Buffer(?![\w$])(?! too small)/, 'Buffer named anywhere but in bitcoinjs\'s "Buffer too small" message');
    console.log(`      package entry for the browser: ${b.text.length} bytes minified, ${gzipSync(b.text).length} gzipped`);
  });

  it('without the ECC alias, nothing but tiny-secp256k1\'s WASM module stands in esbuild\'s way', async () => {
    const wasmExternal = await bundleForBrowser('lib/index.ts', { format: 'esm', alias: {}, external: ['*.wasm'] });
    expect(wasmExternal.errors).to.deep.equal([]);
    expect(nodeGlobalUses(wasmExternal.text)).to.deep.equal([]);
    if (!wasmExternal.inputs.some((i) => i.includes('node_modules/tiny-secp256k1/'))) return; // the entry no longer imports it
    const plain = await bundleForBrowser('lib/index.ts', { format: 'esm', alias: {} });
    expect(plain.errors).to.have.length.greaterThan(0);
    for (const e of plain.errors) expect(e).to.match(/No loader is configured for "\.wasm" files: node_modules\/tiny-secp256k1\/lib\/secp256k1\.wasm$/);
  });

  it('runs a channel where only a browser\'s globals exist (no Buffer, process, require, global)', async () => {
    const b = await bundleForBrowser('test/support/browser-page.ts', { format: 'iife' });
    expect(b.errors).to.deep.equal([]);
    // A browser's globals the page could use; everything else (Buffer, process, require, ...) is absent.
    const context = vm.createContext({ console, crypto: globalThis.crypto, performance, URL, atob, btoa, setTimeout, clearTimeout, queueMicrotask });
    vm.runInContext(TEXT_CODEC, context);
    for (const g of ['Buffer', 'process', 'require', 'global', 'setImmediate', 'module', 'exports']) {
      expect(vm.runInContext(`typeof ${g}`, context), g).to.equal('undefined');
    }
    let run: string;
    try {
      vm.runInContext(b.text, context, { filename: 'browser-page.js' });
      run = vm.runInContext('JSON.stringify(revchanPage.runChannel(10))', context) as string;
    } catch (e) {
      // Not the minified line, which the default report would print.
      throw new Error(`the page failed without Node's globals: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
    const r = JSON.parse(run) as PageRun;
    expect(r.receiverAmount).to.equal('1000');
    expect(r.senderAmount).to.equal('1000');
    expect(r.closeHex).to.match(/^[0-9a-f]+$/);
  });

  it('publishes declarations that compile without @types/node (types: [], a browser\'s lib: es2022 and dom)', async () => {
    const index = path.join(ROOT, 'dist', 'lib', 'index.d.ts');
    await fs.access(index);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'revchan-types-'));
    try {
      const consumer = path.join(dir, 'consumer.ts');
      await fs.writeFile(consumer, [
        "import * as revchan from 'revchan';",
        "import type { ChannelStore, Message, ReceiverWatcher, SenderWatcher, WatcherEvent } from 'revchan';",
        'export type Everything = typeof revchan;',
        'export function listen(w: ReceiverWatcher, s: SenderWatcher, store: ChannelStore): void {',
        '  w.on(\'event\', (e: WatcherEvent) => { void store.save(\'k\', e.kind); });',
        '  s.onEvent(() => undefined);',
        '}',
        'export const message = (m: Message): unknown => revchan.encodeMessage(m);',
        '',
      ].join('\n'));
      const usesBuffer = path.join(dir, 'uses-buffer.ts');
      await fs.writeFile(usesBuffer, "import 'revchan';\nexport const b = Buffer.from('00', 'hex');\n");
      const compile = (file: string) => {
        const program = ts.createProgram([file], {
          strict: true, noEmit: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, skipLibCheck: false,
          baseUrl: dir, paths: { revchan: [index] },
        });
        // Our declarations and the consumer, checked in full; the libraries' own declarations are only read (checking them all takes a minute).
        const checked = program.getSourceFiles().filter((f) => f.fileName === file || f.fileName.startsWith(path.join(ROOT, 'dist', 'lib')));
        const found = [
          ...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
          ...checked.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
        ];
        const diagnostics = found.map((d) => {
          const where = d.file ? `${path.relative(ROOT, d.file.fileName)}: ` : '';
          return where + ts.flattenDiagnosticMessageText(d.messageText, ' ');
        });
        return { diagnostics, files: program.getSourceFiles().map((f) => f.fileName) };
      };

      const ok = compile(consumer);
      expect(ok.diagnostics, 'the declarations reachable from the entry compile without @types/node').to.deep.equal([]);
      expect(ok.files.filter((f) => f.includes('@types/node')), '@types/node loaded').to.deep.equal([]);
      const own = ok.files.filter((f) => f.startsWith(path.join(ROOT, 'dist', 'lib')));
      expect(own.length, 'declarations read from dist/lib').to.be.greaterThan(30);
      for (const f of own) {
        const text = await fs.readFile(f, 'utf8');
        expect(text, f).to.not.match(/\bBuffer\b|\bNodeJS\.|reference types="node"|from 'node:/);
      }
      // The check has teeth: without @types/node, Buffer is unknown.
      expect(compile(usesBuffer).diagnostics.join('\n')).to.match(/Cannot find name 'Buffer'/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
