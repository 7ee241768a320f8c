// Warm start (js/src/graph/warm_start.ts): loadGraphModel compiles the
// pipelines a predict at the input shapes needs while the weights download,
// found by a dry run of the executor, so the first predict compiles none;
// model.warmup(shapes) does the same for shapes given later. Each test opens
// fresh pages: a page's backend starts with no pipeline compiled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrowserSession } from '../helper.mjs';
import { assertOutputsMatch, readIO } from '../../js/graph/helpers.mjs';

let session;
before(async () => {
  session = await BrowserSession.start();
});
after(() => session?.close());

/**
 * In a new page: loads fixture `name` with `options` (under tw.profile), then
 * predicts on its recorded inputs, counting the pipelines compiled by each.
 */
async function loadAndPredict(name, options = {}) {
  const page = await session.newPage();
  try {
    return await page.run(async (tw, { name, options, inputs }) => {
      // Without the pipelines the backend compiles ahead of any model (backends/webgpu/prewarm.test.mjs), so
      // that the load's own plan is what is counted.
      tw.env().set('WEBGPU_PREWARM', false);
      if (!(await tw.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
      const stats = tw.engine().findBackend('webgpu').stats;
      const progress = [];
      const before = { pipelines: stats.pipelines, dispatches: stats.dispatches, tensors: tw.memory().numTensors };
      const { result: model, kernelNames } = await tw.profile(() => tw.loadGraphModel(`/tests/fixtures/graph/${name}/model.json`,
        { ...options, onProgress: (fraction, detail) => progress.push({ fraction, ...detail }) }));
      const compiledAtLoad = stats.pipelines - before.pipelines;
      const loadDispatches = stats.dispatches - before.dispatches;
      const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
      const atPredict = stats.pipelines;
      const output = model.predict(feeds);
      const compiledAtPredict = stats.pipelines - atPredict;
      const outputs = output instanceof tw.Tensor ? [output] : Object.values(output);
      const values = await Promise.all(outputs.map(async (t) => Array.from(await t.data())));
      tw.dispose([feeds, outputs]);
      model.dispose();
      return {
        compiledAtLoad, compiledAtPredict, loadDispatches, kernelNames, progress, values,
        leftTensors: tw.memory().numTensors - before.tensors,
      };
    }, { name, options, inputs: readIO(name).inputs });
  } finally {
    await page.close();
  }
}

test('a fixed-shape model compiles its pipelines while loading, and its first predict compiles none', async () => {
  const warm = await loadAndPredict('mobilenet');
  assert.ok(warm.compiledAtLoad > 0, 'pipelines compiled during the load');
  assert.equal(warm.compiledAtPredict, 0, 'the first predict found every pipeline compiled');
  assert.equal(warm.loadDispatches, 0, 'the dry run dispatched nothing');
  assert.deepEqual(warm.kernelNames, [], 'tw.profile does not count the dry run as kernels run');
  assert.equal(warm.leftTensors, 0, 'the placeholders are gone');
  assertOutputsMatch('mobilenet', warm.values);
  // Progress: the pipelines' count is known, each compile reported, and the fraction rises to 1.
  const last = warm.progress.at(-1);
  assert.deepEqual(last, { fraction: 1, weights: 1, pipelinesCompiled: warm.compiledAtLoad, pipelinesTotal: warm.compiledAtLoad });
  assert.ok(warm.progress.filter((p) => p.pipelinesTotal > 0).length >= warm.compiledAtLoad);
  warm.progress.forEach((p, i) => assert.ok(p.fraction >= (warm.progress[i - 1]?.fraction ?? 0), JSON.stringify(warm.progress)));

  // The dry run found exactly the pipelines a predict compiles when nothing is compiled ahead.
  const cold = await loadAndPredict('mobilenet', { warmup: false });
  assert.equal(cold.compiledAtLoad, 0);
  assert.equal(cold.compiledAtPredict, warm.compiledAtLoad);
  assert.ok(cold.progress.every((p) => p.pipelinesTotal === 0 && p.fraction === p.weights));
  assertOutputsMatch('mobilenet', cold.values);
});

test('quantised weights: their dequantisation is planned with the predict, given the input shapes', async () => {
  const warm = await loadAndPredict('resnet_uint8', { inputShapes: [[1, 3, 32, 32]] });
  const planned = warm.progress.at(-1).pipelinesTotal;
  assert.ok(planned > 0);
  assert.equal(warm.compiledAtLoad, planned, 'decoding the weights (cast, mul, add) compiled nothing unplanned');
  assert.equal(warm.compiledAtPredict, 0);
  assertOutputsMatch('resnet_uint8', warm.values);
  // Without input shapes for its free batch dimension nothing is compiled ahead.
  const cold = await loadAndPredict('resnet_uint8');
  assert.equal(cold.progress.at(-1).pipelinesTotal, 0);
  assert.ok(cold.compiledAtPredict > 0);
});

test('model.warmup(shapes) compiles ahead for shapes given after the load; wrong shapes are named', async () => {
  const page = await session.newPage();
  try {
    const report = await page.run(async (tw, inputs) => {
      tw.env().set('WEBGPU_PREWARM', false);
      await tw.setBackend('webgpu');
      const stats = tw.engine().findBackend('webgpu').stats;
      const url = '/tests/fixtures/graph/bert_float16/model.json';
      const errors = [];
      await tw.loadGraphModel(url, { inputShapes: { input_ids: [1, 9], attention_mask: [1, 8] } }).catch((e) => errors.push(e.message));
      await tw.loadGraphModel(url, { inputShapes: { token_ids: [1, 8] } }).catch((e) => errors.push(e.message));
      const model = await tw.loadGraphModel(url);
      await model.warmup().catch((e) => errors.push(e.message));
      const before = stats.pipelines;
      await model.warmup({ input_ids: [1, 8], attention_mask: [1, 8] });
      const compiledByWarmup = stats.pipelines - before;
      const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
      const atPredict = stats.pipelines;
      const output = model.predict(feeds);
      const compiledAtPredict = stats.pipelines - atPredict;
      const outputs = output instanceof tw.Tensor ? [output] : Object.values(output);
      const values = await Promise.all(outputs.map(async (t) => Array.from(await t.data())));
      tw.dispose([feeds, outputs]);
      model.dispose();
      return { errors, compiledByWarmup, compiledAtPredict, values, tensors: tw.memory().numTensors };
    }, readIO('bert_float16').inputs);
    assert.match(report.errors[0], /inputShapes: input 'input_ids' has shape \[-1,8\] \(-1: any size\), so \[1,9\] does not fit it/);
    assert.match(report.errors[1], /inputShapes: the model has no input named 'token_ids' \(inputs: input_ids, attention_mask\)/);
    assert.match(report.errors[2], /warmup: the inputs have free dimensions \(\[\[-1,8\], \[-1,8\]\]\); pass the shapes to prepare for/);
    assert.equal(report.errors.length, 3);
    assert.ok(report.compiledByWarmup > 0);
    assert.equal(report.compiledAtPredict, 0);
    assertOutputsMatch('bert_float16', report.values);
    assert.equal(report.tensors, 0, 'the failed loads left no tensor behind');
  } finally {
    await page.close();
  }
});
