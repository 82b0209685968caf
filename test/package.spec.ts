/**
 * The package as a user gets it: `npm pack` (whose prepack builds), then
 * `npm install <tarball>` into a fresh project outside the repository, which
 * gets the runtime dependencies and nothing else, and there: require and
 * import, a strict TypeScript compile against the published declarations,
 * the README's API tour (test/readme-tour.ts), and the command. The tour is
 * compiled in the fresh project and loaded from there into this process, so
 * its 'revchan' is the installed package, and run against the embedded
 * regtest node.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import * as lib from '../lib';
import { explainInput, renderExplanation } from '../lib';
import { RegtestNode } from './kit/regtest-node';
import { checkTourOutcome, tourInputs } from './support/readme-tour';

const ROOT = path.join(__dirname, '..', '..');
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
};
const TSC = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
const FIXTURE = path.join(ROOT, 'fixtures', 'psbt', 'csv-penalty-2.json');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const inside = (p: string, dir: string) => {
  const rel = path.relative(dir, path.resolve(p));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * The environment a user's shell would have: without what `npm test` adds for
 * this package (its name, its directory as the local prefix, its
 * node_modules/.bin on PATH), which would point the consumer's npm back here.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|config_local_prefix$)/i.test(k) || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '').split(path.delimiter).filter((p) => p !== '' && !inside(p, ROOT)).join(path.delimiter);
  return env;
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function mustRun(cmd: string, args: readonly string[], cwd: string): Promise<Run> {
  const r = await run(cmd, args, cwd);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The consumer's compiler settings: `tsc --init`'s strict ones, without skipLibCheck and with no ambient types. */
const TSCONFIG = {
  compilerOptions: {
    module: 'nodenext',
    target: 'es2022',
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
  },
  files: ['tour.ts', 'entry.mts'],
};
/** The same file under the older resolution that reads package.json's top-level "types" and ignores "exports". */
const TSCONFIG_NODE10 = {
  compilerOptions: { module: 'commonjs', moduleResolution: 'node10', target: 'es2022', types: [], strict: true, skipLibCheck: false, noEmit: true },
  files: ['tour.ts'],
};

/** Typed use of the import condition: named imports, a namespace import, a class as a type. */
const ENTRY_MTS = `import { ChannelError, Sender, explainInput } from 'revchan';
import * as revchan from 'revchan';
export const isChannelError = (e: unknown): e is ChannelError => e instanceof ChannelError;
export const open: typeof revchan.Sender.open = Sender.open;
export const explain: typeof explainInput = revchan.explainInput;
`;

/** Runs in the consumer: the exports of require('revchan') and import('revchan'), and what each resolves to. */
const EXPORTS_MJS = `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const cjs = require('revchan');
const esm = await import('revchan');
const names = (o) => Object.keys(o).filter((k) => k !== '__esModule' && k !== 'default').sort();
let deep = 'loaded';
try { require('revchan/dist/lib/index.js'); } catch (e) { deep = e.code; }
console.log(JSON.stringify({
  cjs: names(cjs),
  esm: names(esm),
  notIdentical: names(cjs).filter((k) => esm[k] !== cjs[k]),
  requireResolves: require.resolve('revchan'),
  importResolves: import.meta.resolve('revchan'),
  version: require('revchan/package.json').version,
  deep,
}));
`;

describe(`the package as installed from npm pack`, function () {
  this.timeout(300_000);

  let tmp = '';
  let project = '';
  let installed = '';
  let tarball = '';
  let tarballBytes = 0;
  let files: string[] = [];
  let compile: Run;
  let compileNode10: Run;
  let exportsRun: Run;
  let version: Run;
  let inspect: Run;
  let inspectJson: Run;
  const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { signedPsbt: string };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'revchan-package-'));
    expect(inside(tmp, ROOT), 'the temporary project is outside the repository').to.equal(false);
    const packDir = path.join(tmp, 'pack');
    fs.mkdirSync(packDir);
    const pack = await mustRun('npm', ['pack', '--json', '--pack-destination', packDir], ROOT);
    const packed = JSON.parse(pack.stdout) as { filename: string }[];
    tarball = path.join(packDir, packed[0]!.filename);
    tarballBytes = fs.statSync(tarball).size;
    files = (await mustRun('tar', ['-tzf', tarball], tmp)).stdout.split('\n').filter((l) => l !== '' && !l.endsWith('/'))
      .map((l) => l.replace(/^package\//, '')).sort();

    project = path.join(tmp, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'revchan-user', version: '1.0.0', private: true }, null, 2)}\n`);
    await mustRun('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], project);
    installed = path.join(project, 'node_modules', PKG.name);

    const tour = fs.readFileSync(path.join(ROOT, 'test', 'readme-tour.ts'), 'utf8');
    expect(tour.split("from '../lib';").length, 'test/readme-tour.ts imports from ../lib once').to.equal(2);
    fs.writeFileSync(path.join(project, 'tour.ts'), tour.replace("from '../lib';", "from 'revchan';"));
    fs.writeFileSync(path.join(project, 'entry.mts'), ENTRY_MTS);
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    fs.writeFileSync(path.join(project, 'tsconfig.node10.json'), JSON.stringify(TSCONFIG_NODE10, null, 2));
    fs.writeFileSync(path.join(project, 'exports.mjs'), EXPORTS_MJS);
    fs.writeFileSync(path.join(project, 'penalty.psbt'), `${fixture.signedPsbt}\n`);

    const compiled = run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    [compileNode10, exportsRun, version, inspect, inspectJson] = await Promise.all([
      run(process.execPath, [TSC, '-p', 'tsconfig.node10.json'], project),
      run(process.execPath, ['exports.mjs'], project),
      run('npx', ['revchan', '--version'], project),
      run('npx', ['revchan', 'inspect', 'penalty.psbt'], project),
      run('npx', ['revchan', 'inspect', '--json', 'penalty.psbt'], project),
    ]);
    compile = await compiled;
  });

  after(() => {
    if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the tarball holds the build, the ES module entry, the sources its maps name and the notices, and no test, fixture, bench, tools or demo file', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/lib/index.js', 'dist/lib/index.d.ts',
      'esm/index.mjs', 'esm/index.d.mts', 'dist/bin/revchan.js', 'dist/scripts-templates/core/funding.json',
      'dist/scripts-templates/revocable/cltv.json', 'dist/scripts-templates/revocable/csv.json']) {
      expect(files, f).to.include(f);
    }
    const stray = files.filter((f) => /^(dist\/)?(test|fixtures|bench|tools|demo|types|node_modules)\//.test(f) || /\.spec\./.test(f) || /\.tgz$/.test(f));
    expect(stray).to.deep.equal([]);
    expect(files.every((f) => /^(dist\/(lib|bin|scripts-templates)|esm|lib|bin)\/|^[^/]+$/.test(f)), files.join(', ')).to.equal(true);
    // Stray files are caught above; this bounds growth. Four constructions, HTLCs, the hub and the sources the maps name come to about 1.03 MB.
    expect(tarballBytes).to.be.below(1_300_000);
  });

  it('every source map in the tarball names sources that are in it, and every script points at a map that is', () => {
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).to.be.above(50);
    const missing: string[] = [];
    for (const m of maps) {
      const map = JSON.parse(fs.readFileSync(path.join(installed, m), 'utf8')) as { sources: string[]; sourceRoot?: string };
      for (const s of map.sources) {
        const source = path.posix.normalize(path.posix.join(path.posix.dirname(m), map.sourceRoot ?? '', s));
        if (!files.includes(source)) missing.push(`${m} -> ${source}`);
      }
    }
    for (const js of files.filter((f) => f.endsWith('.js'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(fs.readFileSync(path.join(installed, js), 'utf8'))?.[1];
      if (url !== undefined && !files.includes(path.posix.join(path.posix.dirname(js), url))) missing.push(`${js} -> ${url}`);
    }
    expect(missing).to.deep.equal([]);
  });

  it('the package needs only its dependencies: every module its code and declarations name is its own, a Node built-in or a runtime dependency', () => {
    // An optional dependency (the native secp256k1) is named only by the Node-side module that loads it on request.
    const deps = [...Object.keys(PKG.dependencies), ...Object.keys(PKG.optionalDependencies ?? {})];
    const wrong: string[] = [];
    for (const f of files.filter((x) => /\.(js|mjs|d\.ts|d\.mts)$/.test(x))) {
      // Block comments hold the reference's examples, which import what a user would (another ECC library, say).
      const text = fs.readFileSync(path.join(installed, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      const names = [...text.matchAll(/(?:require\(|from |import\()\s*["']([^"']+)["']/g)].map((m) => m[1]!);
      for (const n of names) {
        // The package's own name appears in the reference's examples (`import { Sender } from 'revchan'`).
        if (n.startsWith('.') || n === PKG.name || n.startsWith(`${PKG.name}/`)) continue;
        const pkg = n.startsWith('@') ? n.split('/').slice(0, 2).join('/') : n.split('/')[0]!;
        const builtin = /\.m?js$/.test(f) && (n.startsWith('node:') || builtinModules.includes(n));
        if (!builtin && !deps.includes(pkg)) wrong.push(`${f}: ${n}`);
      }
    }
    expect(wrong, 'declarations may not name node: modules (they would need @types/node)').to.deep.equal([]);
    for (const dev of Object.keys(PKG.devDependencies)) {
      expect(fs.existsSync(path.join(project, 'node_modules', dev)), `devDependency ${dev} installed`).to.equal(false);
    }
  });

  it("require('revchan') and import('revchan') give the same exports, the entry's, from the installed package", () => {
    expect(exportsRun.code, exportsRun.stderr).to.equal(0);
    const r = JSON.parse(exportsRun.stdout) as {
      cjs: string[]; esm: string[]; notIdentical: string[]; requireResolves: string; importResolves: string; version: string; deep: string;
    };
    const ours = Object.keys(lib).filter((k) => k !== '__esModule' && k !== 'default').sort();
    expect(r.cjs).to.deep.equal(ours);
    expect(r.esm).to.deep.equal(ours);
    expect(r.notIdentical).to.deep.equal([]);
    expect(r.requireResolves).to.equal(path.join(fs.realpathSync(installed), 'dist', 'lib', 'index.js'));
    expect(r.importResolves).to.match(/\/node_modules\/revchan\/esm\/index\.mjs$/);
    expect(r.version).to.equal(PKG.version);
    expect(r.deep, 'a path the exports map does not name').to.equal('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('the README tour and a typed ES module import compile strictly against the published declarations (no skipLibCheck, no @types)', () => {
    expect(compile.code, `${compile.stdout}${compile.stderr}`).to.equal(0);
    expect(compileNode10.code, `${compileNode10.stdout}${compileNode10.stderr}`).to.equal(0);
  });

  it('the README tour, compiled in the fresh project, runs on the installed package against a regtest node', async () => {
    expect(compile.code, `${compile.stdout}${compile.stderr}`).to.equal(0);
    const entry = path.join(fs.realpathSync(installed), 'dist', 'lib', 'index.js');
    expect(createRequire(path.join(project, 'tour.js')).resolve('revchan'), "the tour's 'revchan'").to.equal(entry);
    const tour = require(path.join(project, 'tour.js')) as typeof import('./readme-tour');
    const installedLib = require(entry) as typeof lib;
    const node = await RegtestNode.start();
    try {
      const inputs = await tourInputs(node);
      const r = await tour.runReadmeTour(inputs);
      await checkTourOutcome(node, inputs, r);
      // What it made is the installed package's, not the repository's.
      expect(r.store).to.be.instanceOf(installedLib.MemoryChannelStore);
      expect(r.store).to.not.be.instanceOf(lib.MemoryChannelStore);
    } finally {
      await node.stop();
    }
  });

  it('npx revchan --version prints the package version', () => {
    expect(version.code, version.stderr).to.equal(0);
    expect(version.stdout).to.equal(`${PKG.version}\n`);
  });

  it('npx revchan inspect explains a fixture PSBT as the library does', () => {
    expect(inspect.code, inspect.stderr).to.equal(0);
    expect(inspect.stdout).to.equal(renderExplanation(explainInput(fixture.signedPsbt)));
    expect(inspect.stdout).to.match(/penalty/);
    expect(inspectJson.code, inspectJson.stderr).to.equal(0);
    expect(JSON.parse(inspectJson.stdout).kind).to.equal('penalty');
  });
});
