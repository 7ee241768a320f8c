// The npm package as `npm pack` makes it: only the ESM bundle (every WGSL file inlined), its source map and
// declarations, the README, the licence and package.json; importable as 'tensorweb' by a bundler (esbuild bundles an
// app whose node_modules holds the unpacked tarball) and by a <script type=module> through an import map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../helper.mjs';
import { launchBrowser, startServe } from '../demos/demo_server.mjs';

const filesUnder = (folder) => readdirSync(folder).flatMap((name) => {
  const path = join(folder, name);
  return statSync(path).isDirectory() ? filesUnder(path) : [path];
});

const run = {};
before(() => {
  run.folder = mkdtempSync(join(tmpdir(), 'tensorweb-npm-'));
  // The bundle is built already (the tiers build first); --ignore-scripts skips prepack's rebuild.
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', run.folder],
    { cwd: ROOT, encoding: 'utf8' }));
  run.packed = packed;
  run.app = join(run.folder, 'app');
  run.installed = join(run.app, 'node_modules', 'tensorweb');
  mkdirSync(run.installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(run.folder, packed.filename), '-C', run.installed, '--strip-components=1']);
});
after(() => rmSync(run.folder, { recursive: true, force: true }));

test('npm: the tarball holds the bundle, its declarations, README, LICENSE and package.json, and nothing else', () => {
  const paths = run.packed.files.map((f) => f.path).sort();
  const declarations = paths.filter((p) => p.startsWith('js/dist/types/'));
  assert.ok(declarations.length > 10 && declarations.every((p) => p.endsWith('.d.ts')), declarations.join(' '));
  assert.deepEqual(paths.filter((p) => !declarations.includes(p)),
    ['LICENSE', 'README.md', 'js/dist/tensorweb.d.ts', 'js/dist/tensorweb.js', 'js/dist/tensorweb.js.map', 'package.json']);
  const manifest = JSON.parse(readFileSync(join(run.installed, 'package.json'), 'utf8'));
  assert.equal(manifest.private, undefined, 'publishable');
  assert.equal(manifest.license, 'Apache-2.0');
  assert.match(readFileSync(join(run.installed, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
  assert.equal(manifest.exports['.'].import, './js/dist/tensorweb.js');
  assert.equal(manifest.exports['.'].types, './js/dist/tensorweb.d.ts');
});

test('npm: every WGSL file of shaders/ is inlined in the bundle, which imports nothing', () => {
  const bundle = readFileSync(join(run.installed, 'js/dist/tensorweb.js'), 'utf8');
  const shaders = filesUnder(join(ROOT, 'shaders')).filter((f) => f.endsWith('.wgsl'));
  assert.ok(shaders.length > 20);
  for (const file of shaders) {
    const key = relative(join(ROOT, 'shaders'), file).split('\\').join('/');
    assert.ok(bundle.includes(`${JSON.stringify(key)}: ${JSON.stringify(readFileSync(file, 'utf8'))}`), `${key} is inlined`);
  }
  assert.doesNotMatch(bundle, /^\s*import\s/m, 'one self-contained module');
});

test('npm: a bundler resolves import * as tw from \'tensorweb\' out of node_modules, and the app runs', async () => {
  writeFileSync(join(run.app, 'main.mjs'), "import * as tw from 'tensorweb';\n"
    + "await tw.ready();\n"
    + "const y = tw.matMul(tw.tensor([[1, 2], [3, 4]]), tw.tensor([[1], [1]]));\n"
    + "console.log(tw.getBackend(), tw.version, Array.from(await y.data()).join(','));\n");
  const result = await build({ entryPoints: [join(run.app, 'main.mjs')], absWorkingDir: run.app, bundle: true, format: 'esm',
    platform: 'neutral', outfile: join(run.app, 'out', 'app.mjs'), logLevel: 'silent' });
  assert.deepEqual(result.errors, []);
  const printed = execFileSync(process.execPath, [join(run.app, 'out', 'app.mjs')], { encoding: 'utf8' }).trim();
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(printed, `cpu ${version} 3,7`);
});

test('npm: a <script type=module> imports \'tensorweb\' through an import map and runs on WebGPU', async () => {
  writeFileSync(join(run.app, 'index.html'), '<!doctype html>\n'
    + '<script type="importmap">{"imports": {"tensorweb": "/node_modules/tensorweb/js/dist/tensorweb.js"}}</script>\n'
    + '<script type="module">\n'
    + "  import * as tw from 'tensorweb';\n"
    + '  await tw.ready();\n'
    + '  const y = tw.matMul(tw.tensor([[1, 2], [3, 4]]), tw.tensor([[1], [1]]));\n'
    + "  document.title = `${tw.getBackend()} ${Array.from(await y.data()).join(',')}`;\n"
    + '</script>\n');
  // Any static server does; `tensorweb serve` serves the app's folder, its node_modules included.
  const server = await startServe([join(ROOT, '.venv/bin/python'), '-m', 'tensorweb'],
    [run.app, '--no-reload', '--state-dir', join(run.folder, 'state')]);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
    const requested = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.title !== '', null, { timeout: 30_000 });
    assert.equal(await page.title(), 'webgpu 3,7');
    assert.ok(requested.includes('/node_modules/tensorweb/js/dist/tensorweb.js'), requested.join(' '));
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.stop();
  }
});
