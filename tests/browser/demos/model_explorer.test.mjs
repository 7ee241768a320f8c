// demos/model-explorer against the real dev server: fixture models go in
// through the page's file input, the server converts them (into a temporary
// state folder, not the checkout's .tensorweb), and the page must show the
// converted model.json's op or layer counts, run the model and time its ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helper.mjs';
import { openDemo, screenshots, useDemoServer } from './demo_server.mjs';

const FIXTURES = join(ROOT, 'tests/fixtures');

const site = useDemoServer({ ownState: true });

/** The page in a phone-sized tab; `withoutWebGpu` takes navigator.gpu away before the page's scripts run. */
async function openExplorer({ withoutWebGpu = false } = {}) {
  let opener = site.browser;
  if (withoutWebGpu) {
    opener = await site.browser.newContext({ viewport: { width: 412, height: 915 } });
    await opener.addInitScript(() => { delete Navigator.prototype.gpu; });
  }
  const demo = await openDemo(opener, `${site.server.url}/demos/model-explorer/`);
  assert.match(await demo.page.title(), /Model explorer/);
  await demo.page.waitForFunction(() => document.body.dataset.ready === 'true' || !document.getElementById('error').hidden, null, { timeout: 40_000 });
  await demo.assertNoErrors();
  return demo;
}

/** Picks `files` in the page's file input (or a folder in its folder input); resolves with the conversion's outcome as the page shows it. */
async function convertInPage(page, files, input = '#file') {
  await page.setInputFiles(input, files);
  return conversionOutcome(page);
}

/** Waits for the conversion the page started to end; its outcome as the page shows it. */
async function conversionOutcome(page) {
  await page.waitForFunction(() => /^Converted /.test(document.getElementById('convert-status').textContent)
    || !document.getElementById('convert-error').hidden || !document.getElementById('error').hidden, null, { timeout: 60_000 });
  return page.evaluate(() => ({
    status: document.getElementById('convert-status').textContent,
    error: document.getElementById('convert-error').hidden ? '' : document.getElementById('convert-error').textContent,
  }));
}

/** The converted model.json in the server's state folder. */
const convertedModel = (name) => JSON.parse(readFileSync(join(site.stateDir, 'models', name, 'model.json'), 'utf8'));

/** Counts by op (graph) or layer class (layers model, inputs left out), as [name, count] sorted by name. */
function expectedCounts(modelJSON) {
  const names = modelJSON.format === 'tensorweb-graph'
    ? modelJSON.topology.nodes.map((node) => node.op)
    : modelJSON.modelTopology.config.layers.map((layer) => layer.class_name).filter((name) => name !== 'InputLayer');
  const counts = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b));
}

async function shownCounts(page) {
  const rows = await page.locator('#op-counts tr:not(:first-child)').evaluateAll((trs) => trs.map((tr) => [tr.cells[0].textContent, Number(tr.cells[1].textContent)]));
  return rows.sort(([a], [b]) => a.localeCompare(b));
}

/** Converts `files` through the page into the model `name`, checks the counts the page shows against its model.json, and returns that. */
async function convertAndCheckCounts(page, files, name, input = '#file') {
  const outcome = await convertInPage(page, files, input);
  assert.equal(outcome.error, '');
  assert.match(outcome.status, new RegExp(`into the model '${name}'\\.$`));
  assert.equal(await page.locator('#model-picker').inputValue(), name, 'the new model is picked');
  const modelJSON = convertedModel(name);
  assert.deepEqual(await shownCounts(page), expectedCounts(modelJSON));
  return modelJSON;
}

/** Clicks Run; resolves with the output rows and the profile rows the page shows. */
async function runInPage(page) {
  await page.click('#run');
  await page.waitForFunction(() => !document.getElementById('run-results').hidden || !document.getElementById('run-error').hidden
    || !document.getElementById('error').hidden, null, { timeout: 60_000 });
  const runError = await page.locator('#run-error').evaluate((box) => (box.hidden ? '' : box.textContent));
  assert.equal(runError, '', 'the run failed in the page');
  const table = (id) => page.locator(`#${id}`).evaluate((t) => {
    const [head, ...rows] = [...t.rows].map((row) => [...row.cells].map((cell) => cell.textContent));
    return rows.map((row) => Object.fromEntries(head.map((h, i) => [h, row[i]])));
  });
  return { outputs: await table('run-outputs'), profile: await table('profile'), note: await page.locator('#profile-note').textContent() };
}

test('model explorer: an ONNX upload is converted, its op counts are model.json\'s, and a run times every op on the GPU', async () => {
  const { page, assertNoErrors } = await openExplorer();
  await convertAndCheckCounts(page, join(FIXTURES, 'onnx/torch_convnet.onnx'), 'torch_convnet');
  const inputs = await page.locator('#inputs tr:not(:first-child)').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(inputs, [['image', 'float32', '[?, 3, 32, 32]']]);

  const { outputs, profile, note } = await runInPage(page);
  assert.equal(outputs.length, 1);
  assert.equal(outputs[0].output, 'probabilities');
  assert.equal(outputs[0].shape, 'float32[1, 10]', 'the free batch dimension ran at its default size 1');
  assert.ok(Math.abs(Number(outputs[0].mean) - 0.1) < 1e-3, `ten softmax probabilities average 0.1, shown ${outputs[0].mean}`);
  // SwiftShader has timestamp queries: every dispatched op has a GPU time.
  assert.match(note, /timestamp queries/);
  const timed = profile.filter((row) => row.dispatches !== '0');
  assert.ok(timed.length >= 5, `ops with GPU work: ${JSON.stringify(profile)}`);
  for (const row of timed) assert.ok(Number(row['GPU ms']) >= 0, `op ${row.op} has a time: ${JSON.stringify(row)}`);
  assert.ok(timed.reduce((sum, row) => sum + Number(row['GPU ms']), 0) > 0, 'the kernels took some GPU time');
  assert.ok(profile.some((row) => row.op === 'fusedConv2d'), 'the convolutions are in the profile');
  await screenshots(page, 'model-explorer');
  await assertNoErrors();
  await page.close();
});

test('model explorer: without WebGPU the page runs on the CPU backend and says why the profile has no per-op times', async () => {
  const { page, assertNoErrors } = await openExplorer({ withoutWebGpu: true });
  assert.match(await page.locator('#backend').textContent(), /no WebGPU.*CPU backend/);
  const outcome = await convertInPage(page, join(FIXTURES, 'onnx/torch_convnet.onnx'));
  assert.equal(outcome.error, '');
  const { outputs, profile, note } = await runInPage(page);
  assert.ok(Math.abs(Number(outputs[0].mean) - 0.1) < 1e-3, `ten softmax probabilities average 0.1, shown ${outputs[0].mean}`);
  assert.match(note, /The cpu backend has no GPU kernels to time, so there are no per-op times/);
  assert.ok(!Object.keys(profile[0]).includes('GPU ms'), 'no time column without times');
  const convolutions = profile.find((row) => row.op === 'fusedConv2d');
  assert.equal(Number(convolutions?.calls), expectedCounts(convertedModel(await page.locator('#model-picker').inputValue()))
    .find(([op]) => op === 'fusedConv2d')[1], 'each convolution node ran once');
  assert.equal(convolutions.dispatches, '0');
  await assertNoErrors();
  await page.context().close();
});

test('model explorer: a TF.js model picked as model.json with its weights goes up as a zip, and joins the picker of a page open beside it; model.json alone names the missing shard', async () => {
  const other = await openExplorer();
  const { page, assertNoErrors } = await openExplorer();
  const folder = join(FIXTURES, 'tf/cnn_tfjs_graph');
  const alone = await convertInPage(page, join(folder, 'model.json'));
  assert.match(alone.error, /model\.json needs its weight file group1-shard1of1\.bin/);

  await convertAndCheckCounts(page, [join(folder, 'model.json'), join(folder, 'group1-shard1of1.bin')], 'model');
  assert.match(await page.locator('#convert-status').textContent(), /^Converted model\.zip /);
  const { profile } = await runInPage(page);
  assert.ok(profile.length > 0);
  await assertNoErrors();
  await page.close();
  // The server's models event reached the page open beside it.
  await other.page.waitForFunction(() => [...document.getElementById('model-picker').options].some((o) => o.value === 'model'), null, { timeout: 10_000 });
  await other.assertNoErrors();
  await other.page.close();
});

test('model explorer: a SavedModel folder picked in the folder input is zipped in the page and converted', async () => {
  const { page, assertNoErrors } = await openExplorer();
  await convertAndCheckCounts(page, join(FIXTURES, 'tf/two_branch_saved_model'), 'two_branch_saved_model', '#folder');
  assert.match(await page.locator('#convert-status').textContent(), /^Converted two_branch_saved_model\.zip /);
  const { outputs } = await runInPage(page);
  assert.ok(Math.abs(Number(outputs[0].mean) - 1 / 5) < 1e-3, `five softmax probabilities average 0.2: ${JSON.stringify(outputs)}`);
  await assertNoErrors();
  await page.close();
});

test('model explorer: a model the converter cannot keep free gets its input sizes from the page\'s options', async () => {
  const { page, assertNoErrors } = await openExplorer();
  // its positions are tiled over the batch by a count read from a shape: Tile repetitions the shape program does not compute
  const encoder = join(FIXTURES, 'onnx/torch_tiled_positions.onnx');
  const refused = await convertInPage(page, encoder);
  assert.match(refused.error, /torch_tiled_positions\.onnx could not be converted: .*--input-shape/);
  assert.match(refused.error, /Set the sizes under "Conversion options"/);
  assert.ok(await page.locator('#input-shapes').isVisible(), 'the options are opened');

  await page.fill('#input-shapes', 'input_ids:1,8');
  const modelJSON = await convertAndCheckCounts(page, encoder, 'torch_tiled_positions');
  const inputs = await page.locator('#inputs tr:not(:first-child)').evaluateAll((trs) => trs.map((tr) => tr.cells[2].textContent));
  assert.deepEqual(inputs, ['[1, 8]', '[1, 8]'], 'both inputs share the fixed sequence length');
  const table = modelJSON.topology.nodes.find((node) => node.op === 'gather' && node.inputs[1] === 'input_ids').inputs[0];
  const rows = modelJSON.weightsManifest.flatMap((group) => group.weights).find((weight) => weight.name === table).shape[0];
  assert.equal(await page.locator('fieldset[data-input="input_ids"] input[data-id-limit]').inputValue(), String(rows), 'token ids stay inside the embedding table');
  const { outputs } = await runInPage(page);
  assert.ok(outputs.length > 0);
  await assertNoErrors();
  await page.close();
});

test('model explorer: a .keras upload shows its layers and runs with token ids inside the Embedding\'s range', async () => {
  const { page, assertNoErrors } = await openExplorer();
  const modelJSON = await convertAndCheckCounts(page, join(FIXTURES, 'tf/tiny_text.keras'), 'tiny_text');
  assert.equal(modelJSON.format, 'tensorweb-layers');
  assert.equal(await page.locator('#op-counts-title').textContent(), 'Layers');
  const embedding = modelJSON.modelTopology.config.layers.find((layer) => layer.class_name === 'Embedding');
  assert.equal(await page.locator('fieldset[data-input="tokens"] input[data-id-limit]').inputValue(), String(embedding.config.inputDim));

  const { outputs, profile } = await runInPage(page);
  assert.equal(outputs[0].shape, 'float32[1, 3]');
  assert.ok(profile.some((row) => row.op === 'gather'), `the embedding lookup ran: ${JSON.stringify(profile)}`);
  await assertNoErrors();
  await page.close();
});

test('model explorer: a corrupt file dropped on the page shows the converter\'s message and leaves no model behind', async () => {
  const { page, assertNoErrors } = await openExplorer();
  // Dropped on the drop zone this time, as a desktop visitor would.
  await page.evaluate(() => {
    const dropped = new DataTransfer();
    dropped.items.add(new File(['this is not an onnx file'], 'broken.onnx'));
    document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
  });
  const outcome = await conversionOutcome(page);
  assert.match(outcome.error, /broken\.onnx could not be converted: .*not a valid ONNX protobuf/);
  const served = await page.evaluate(async () => (await (await fetch('/api/models')).json()).map((m) => m.name));
  assert.ok(!served.includes('broken'), `served models: ${served}`);
  await assertNoErrors();
  await page.close();
});
