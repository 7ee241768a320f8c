// The Python wheel on its own: built from this checkout (after `npm run build`), installed into a fresh virtual
// environment with no checkout and no Node.js in sight (its dependencies taken from the test venv, so no network),
// `tensorweb serve` from an empty folder serves the gallery and the demos from the package's own data: the gallery
// lists every demo, the digits demo trains, a demo whose model is missing names the command that makes it, and an
// upload is converted by the installed converter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helper.mjs';
import { launchBrowser, startServe } from '../demos/demo_server.mjs';

const PYTHON = join(ROOT, '.venv/bin/python');
const purelib = (python) => execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
  { encoding: 'utf8' }).trim();

const run = {};
before(async () => {
  run.folder = mkdtempSync(join(tmpdir(), 'tensorweb-wheel-'));
  const wheels = join(run.folder, 'wheels');
  execFileSync(PYTHON, ['-m', 'pip', 'wheel', '--quiet', '--no-deps', '--no-build-isolation', '--no-index', '-w', wheels, ROOT],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const [wheel] = readdirSync(wheels);
  run.wheel = join(wheels, wheel);
  const venv = join(run.folder, 'venv');
  execFileSync(PYTHON, ['-m', 'venv', '--without-pip', venv]);
  // The dependencies (numpy, onnx, starlette...) come from the test venv, after the fresh venv's own packages.
  writeFileSync(join(purelib(join(venv, 'bin/python')), 'test-venv-dependencies.pth'), `${purelib(PYTHON)}\n`);
  execFileSync(PYTHON, ['-m', 'pip', '--python', join(venv, 'bin/python'), 'install', '--quiet', '--no-deps', '--no-index',
    run.wheel], { stdio: ['ignore', 'ignore', 'inherit'] });
  run.work = join(run.folder, 'work');
  mkdirSync(run.work);
  const env = { ...process.env };
  delete env.TENSORWEB_ROOT;
  run.server = await startServe([join(venv, 'bin/tensorweb')], [], { cwd: run.work, env });
  run.browser = await launchBrowser();
});
after(async () => {
  await run.browser?.close();
  await run.server?.stop();
  if (run.folder) rmSync(run.folder, { recursive: true, force: true });
});

test('wheel: it holds the bundle (WGSL inlined) and the demos, and no tests', () => {
  const names = execFileSync(PYTHON, ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))',
    run.wheel], { encoding: 'utf8' }).trim().split('\n');
  for (const name of ['tensorweb/web/dist/tensorweb.js', 'tensorweb/web/dist/tensorweb.d.ts', 'tensorweb/web/dist/types/index.d.ts',
    'tensorweb/web/demos/common.js', 'tensorweb/web/demos/digits/index.html', 'tensorweb/server/templates/gallery.html',
    'tensorweb/converter/model.schema.json']) {
    assert.ok(names.includes(name), `${name} is in the wheel`);
  }
  const demos = readdirSync(join(ROOT, 'demos'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const demo of demos) assert.ok(names.includes(`tensorweb/web/demos/${demo}/index.html`), demo);
  assert.deepEqual(names.filter((n) => /(^|\/)tests?\/|\.wgsl$|\/js\/src\//.test(n)), [], 'no tests, no sources beside the bundle');
});

test('wheel: `tensorweb serve` outside any checkout serves the packaged bundle, the gallery and its demos', async () => {
  const bundle = await fetch(`${run.server.url}/tensorweb.js`);
  assert.equal(await bundle.text(), readFileSync(join(ROOT, 'js/dist/tensorweb.js'), 'utf8'));
  assert.equal((await fetch(`${run.server.url}/shaders/matmul/matmul.wgsl`)).status, 404, 'the WGSL sources stay in the checkout');
  assert.ok(existsSync(join(run.work, '.tensorweb', 'models')), 'uploads go to .tensorweb/ in the current folder');

  const page = await run.browser.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${run.server.url}/`);
  const listed = await page.locator('ul.demos a').evaluateAll((links) => links.map((a) => a.getAttribute('href')).sort());
  const folders = readdirSync(join(ROOT, 'demos'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'demos', d.name, 'index.html'))).map((d) => `/demos/${d.name}/`).sort();
  assert.deepEqual(listed, folders);

  await page.locator('ul.demos a[href="/demos/digits/"]').click();
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  await page.fill('#epochs', '1');
  await page.click('#train');
  await page.waitForFunction(() => document.body.dataset.trained === 'true' || !document.getElementById('error').hidden, null,
    { timeout: 60_000 });
  assert.equal(await page.locator('#error').isHidden(), true, await page.locator('#error').textContent());
  assert.ok(Number(await page.locator('#accuracy').getAttribute('data-value')) > 0.5, 'one epoch trains the CNN');
  assert.deepEqual(errors, []);
  await page.close();
});

test('wheel: a demo whose model is missing names the command that makes it', async () => {
  const page = await run.browser.newPage();
  await page.goto(`${run.server.url}/demos/image-classifier/`);
  await page.waitForFunction(() => !document.getElementById('error').hidden, null, { timeout: 30_000 });
  assert.match(await page.locator('#error').textContent(), /--models \.tensorweb\/examples \(tensorweb examples makes them\)/);
  await page.close();
});

test('wheel: an upload is converted by the installed converter', async () => {
  const source = readFileSync(join(ROOT, 'tests/fixtures/onnx/torch_convnet.onnx'));
  const accepted = await fetch(`${run.server.url}/api/uploads?filename=torch_convnet.onnx`, { method: 'POST', body: source });
  assert.equal(accepted.status, 202);
  const { status } = await accepted.json();
  let job;
  for (const started = Date.now(); Date.now() - started < 60_000; await new Promise((r) => setTimeout(r, 250))) {
    job = await (await fetch(`${run.server.url}${status}`)).json();
    if (job.state === 'done' || job.state === 'failed') break;
  }
  assert.equal(job.state, 'done', JSON.stringify(job));
  const model = await (await fetch(`${run.server.url}/models/torch_convnet/model.json`)).json();
  assert.equal(model.format, 'tensorweb-graph');
  assert.match(run.server.output(), /upload torch_convnet\.onnx \([\d.,]+ (MiB|bytes)\): converted as \/models\/torch_convnet\/ in [\d.]+ s/);
});
