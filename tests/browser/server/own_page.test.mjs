// Your own page, as the README's first example has it: a folder with the README's index.html, a model converted
// by `tensorweb convert` into a models folder, both served by `tensorweb serve site --models models`, and the
// page's result checked against onnxruntime on the same input in headless Chromium. Then: the page reloads when
// its file changes, and a page of another origin may import the bundle and fetch the model only with --cors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helper.mjs';
import { launchBrowser, startServe } from '../demos/demo_server.mjs';

const PYTHON = join(ROOT, '.venv/bin/python');
const TENSORWEB = [PYTHON, '-m', 'tensorweb'];
const SOURCE = join(ROOT, 'tests/fixtures/onnx/torch_convnet.onnx');

/** The README's first html block: the page a user writes. */
function readmePage() {
  const [, page] = readFileSync(join(ROOT, 'README.md'), 'utf8').match(/```html\n([\s\S]*?)```/);
  return page;
}

/** The source model's first five outputs on ones, from onnxruntime (ones look the same in NCHW and NHWC). */
function expectedOutputs() {
  const script = 'import sys, numpy as np, onnxruntime as ort\n'
    + 's = ort.InferenceSession(sys.argv[1]); i = s.get_inputs()[0]\n'
    + 'shape = [d if isinstance(d, int) else 1 for d in i.shape]\n'
    + 'print(" ".join(str(v) for v in s.run(None, {i.name: np.ones(shape, np.float32)})[0].ravel()[:5]))';
  return execFileSync(PYTHON, ['-c', script, SOURCE], { encoding: 'utf8' }).trim().split(' ').map(Number);
}

const run = {};
before(async () => {
  run.folder = mkdtempSync(join(tmpdir(), 'tensorweb-own-page-'));
  const site = join(run.folder, 'site');
  mkdirSync(site);
  // The README's commands: convert into models/my_model, write site/index.html, serve both.
  execFileSync(PYTHON, ['-m', 'tensorweb', 'convert', SOURCE, join(run.folder, 'models', 'my_model')], { cwd: run.folder });
  writeFileSync(join(site, 'index.html'), readmePage());
  run.server = await startServe(TENSORWEB, ['site', '--models', 'models', '--state-dir', join(run.folder, 'state')],
    { cwd: run.folder });
  run.browser = await launchBrowser();
});
after(async () => {
  await run.browser?.close();
  await run.server?.stop();
  if (run.folder) rmSync(run.folder, { recursive: true, force: true });
});

/** A page that records console and page errors. */
async function openPage(url) {
  const page = await run.browser.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  return { page, errors };
}

test('own page: the README\'s page in its own folder, served with the converted model, shows the model\'s output', async () => {
  const { page, errors } = await openPage(`${run.server.url}/`);
  await page.waitForFunction(() => !document.getElementById('result').textContent.startsWith('running'), null, { timeout: 60_000 });
  const shown = await page.locator('#result').textContent();
  const [, backend, shape, values] = shown.match(/^(\w+): \[([\d,]+)\] (.*)$/) ?? [];
  assert.equal(backend, 'webgpu', shown);
  assert.equal(shape, '1,10', shown);
  const expected = expectedOutputs();
  const got = values.split(' ').map(Number);
  assert.equal(got.length, 5);
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-4 + 1e-3 * Math.abs(expected[i]), `output ${i}: ${v} vs ${expected[i]}`));
  assert.deepEqual(errors, []);

  // Live reload: a change to the page's file reloads it.
  const reloaded = page.waitForEvent('load', { timeout: 30_000 });
  writeFileSync(join(run.folder, 'site', 'index.html'), '<!doctype html><title>changed</title><p id="changed">changed</p>');
  await reloaded;
  await page.waitForSelector('#changed');
  assert.deepEqual(errors, []);
  await page.close();
});

test('own page: the gallery moves to /gallery/, listing the model, and its demos still run', async () => {
  const { page, errors } = await openPage(`${run.server.url}/gallery/`);
  assert.equal(await page.title(), 'tensorweb demos');
  assert.ok(await page.locator('a[href="/models/my_model/model.json"]').count() === 1, 'the converted model is listed');
  await page.locator('ul.demos a[href="/demos/digits/"]').click();
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

/** A page of `pageOrigin` that imports the bundle from `from` and loads the model there; its outcome. */
async function crossOriginLoad(pageUrl, from) {
  const page = await run.browser.newPage();
  await page.goto(pageUrl);
  const outcome = await page.evaluate(async (origin) => {
    try {
      const tw = await import(`${origin}/tensorweb.js`);
      const model = await tw.loadGraphModel(`${origin}/models/my_model/model.json`);
      return `loaded ${model.inputs[0].name}`;
    } catch (error) {
      return `refused: ${error.message}`;
    }
  }, from);
  await page.close();
  return outcome;
}

test('own page: a page of another origin loads the bundle and the model with --cors, and cannot without', async () => {
  // localhost and 127.0.0.1 are two origins: the page comes from one, the files from the other.
  const other = await startServe(TENSORWEB, ['--models', 'models', '--no-reload', '--state-dir', join(run.folder, 'state-2'),
    '--cors', run.server.url], { cwd: run.folder });
  try {
    const filesFrom = other.url.replace('127.0.0.1', 'localhost');
    assert.equal(await crossOriginLoad(`${run.server.url}/gallery/`, filesFrom), 'loaded image');
    const without = run.server.url.replace('127.0.0.1', 'localhost');
    assert.match(await crossOriginLoad(`${run.server.url}/gallery/`, without), /^refused: /);
  } finally {
    await other.stop();
  }
});
