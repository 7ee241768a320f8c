// The gallery page of `tensorweb serve` (py/tensorweb/server/templates/gallery.html
// and static/gallery.js) in headless Chromium: every demo listed by its page's
// title and description, and the upload form converting a model with its
// progress and errors shown (gallery.js over uploads.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helper.mjs';
import { openDemo, screenshots, useDemoServer } from '../demos/demo_server.mjs';

const site = useDemoServer({ ownState: true });

/** Picks `file` in the gallery's form, submits it and resolves with the status line once the conversion ended. */
async function uploadThroughForm(page, file) {
  await page.setInputFiles('#upload input[type=file]', file);
  await page.locator('#upload button[type=submit]').click();
  // The form hides its progress bar when the conversion has ended, either way.
  await page.waitForFunction(() => document.getElementById('upload-progress').hidden, null, { timeout: 60_000 });
  return page.locator('#upload-status').evaluate((s) => ({ text: s.textContent, isError: s.className === 'error' }));
}

test('gallery: every demo folder is listed with its title and description; an upload is converted and joins the model table', async () => {
  const { page, errors } = await openDemo(site.browser, `${site.server.url}/`);
  const listed = await page.locator('ul.demos li').evaluateAll((items) => items.map((li) => ({
    href: li.querySelector('a').getAttribute('href'), title: li.querySelector('a').textContent, description: li.querySelector('.muted')?.textContent ?? '',
  })));
  const folders = readdirSync(join(ROOT, 'demos'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(ROOT, 'demos', d.name, 'index.html'))).map((d) => `/demos/${d.name}/`);
  assert.deepEqual(listed.map((d) => d.href).sort(), folders.sort());
  for (const demo of listed) assert.ok(demo.title && !demo.href.includes(demo.title) && demo.description.length > 20, JSON.stringify(demo));
  assert.ok(listed.length >= 6, `${listed.length} demos listed`);
  // A newcomer's first click needs no device: the demos that need a camera or microphone come last, saying so.
  const needs = await page.locator('ul.demos li').evaluateAll((items) => items.map((li) => li.querySelector('.needs')?.textContent ?? ''));
  assert.equal(needs[0], '', `the first demo listed needs nothing: ${JSON.stringify(listed[0])}`);
  assert.deepEqual([...new Set(needs.filter(Boolean))].sort(), ['needs a camera', 'needs a microphone']);
  assert.deepEqual(needs.slice(-2).map(Boolean), [true, true], 'they come last');

  const converted = await uploadThroughForm(page, join(ROOT, 'tests/fixtures/onnx/torch_convnet.onnx'));
  assert.deepEqual(converted, { text: 'torch_convnet.onnx: converted as torch_convnet', isError: false });
  // The server's `models` event makes the page redraw its table with the new model in it.
  await page.waitForSelector('#models a[href="/models/torch_convnet/model.json"]', { timeout: 20_000 });
  assert.match(await page.locator('#upload-log').textContent(), /torch_convnet/);
  await screenshots(page, 'gallery');
  assert.deepEqual(errors, [], 'no console or page error');
  await page.close();
});

test('gallery: a corrupt upload shows the converter\'s message in the form\'s status and adds no model', async () => {
  const { page, errors } = await openDemo(site.browser, `${site.server.url}/`);
  const before = await page.locator('#models tr.model').count();
  const failed = await uploadThroughForm(page, { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('not an onnx file') });
  assert.equal(failed.isError, true);
  assert.match(failed.text, /^broken\.onnx: .*not a valid ONNX protobuf/);
  assert.equal(await page.locator('#models tr.model').count(), before);
  assert.equal(existsSync(join(site.stateDir, 'models', 'broken')), false, 'nothing is left behind');
  assert.deepEqual(errors, [], 'no console or page error');
  await page.close();
});

test('gallery: the form\'s input shapes reach the converter; a name the model lacks is answered with its inputs', async () => {
  const { page, errors } = await openDemo(site.browser, `${site.server.url}/`);
  const encoder = join(ROOT, 'tests/fixtures/onnx/torch_encoder.onnx');
  await page.fill('#upload input[name=input_shapes]', 'token_ids:1,12');
  const refused = await uploadThroughForm(page, encoder);
  assert.equal(refused.isError, true);
  assert.match(refused.text, /names no model input: \['token_ids'\] \(the model's inputs: input_ids, attention_mask\)/);
  // batch and sequence free in the source; the user fixes the sequence
  await page.fill('#upload input[name=input_shapes]', 'input_ids:-1,12 attention_mask:-1,12');
  const converted = await uploadThroughForm(page, encoder);
  assert.deepEqual(converted, { text: 'torch_encoder.onnx: converted as torch_encoder', isError: false });
  const row = page.locator('#models tr.model', { has: page.locator('a[href="/models/torch_encoder/model.json"]') });
  await row.waitFor({ timeout: 20_000 });
  assert.match(await row.locator('td[data-label=inputs]').textContent(), /input_ids.*\[-1, ?12\]/);
  assert.deepEqual(errors, [], 'no console or page error');
  await page.close();
});
