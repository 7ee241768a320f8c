// The layers and training stack on the webgpu backend in headless Chromium:
// every optimizer golden and every layer golden (the numpy references the
// cpu tests replay), the digits MLP and CNN reaching their stated accuracy,
// and save -> load with identical predictions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BrowserSession } from '../helper.mjs';
import { RECIPES } from '../../js/layers/digits_models.mjs';

const fixture = (path) => JSON.parse(readFileSync(new URL(`../../fixtures/train/${path}`, import.meta.url)));
const optimizers = fixture('optimizers.json').optimizers;
const layerCases = fixture('layers.json').cases;

let session;
let page;
before(async () => {
  session = await BrowserSession.start();
  page = await session.newPage();
  const backend = await page.run(async (tw) => {
    if (!(await tw.setBackend('webgpu'))) throw new Error('the webgpu backend did not initialise');
    return tw.getBackend();
  });
  assert.equal(backend, 'webgpu');
});
after(() => session?.close());

for (const golden of optimizers) {
  test(`webgpu: optimizer ${golden.name} matches numpy`, () =>
    page.run(async (tw, g) => (await import('/tests/js/train/replay.mjs')).replayOptimizer(tw, g), golden));
}

for (const c of layerCases) {
  test(`webgpu: layer ${c.name} output and gradients match numpy`, () =>
    page.run(async (tw, cs) => (await import('/tests/js/train/replay.mjs')).replayLayer(tw, cs), c));
}

for (const kind of ['mlp', 'cnn']) {
  const { threshold, epochs } = RECIPES[kind];
  test(`webgpu: digits ${kind} reaches >= ${threshold} held-out accuracy in ${epochs} epochs, and save -> load predicts the same`, async (t) => {
    const result = await page.run(async (tw, which) => {
      const recipes = await import('/tests/js/layers/digits_models.mjs');
      const meta = await (await fetch('/tests/fixtures/digits/digits.json')).json();
      const bytes = new Uint8Array(await (await fetch('/tests/fixtures/digits/digits.bin')).arrayBuffer());
      const data = recipes.digitsTensors(tw, bytes, meta, { image: recipes.RECIPES[which].image });
      const { model, accuracy, seconds } = await recipes.trainDigits(tw, which, data);
      const onGpu = model.weights.every((w) => tw.engine().backendOf(w.variable) === 'webgpu');
      let saved;
      await model.save(tw.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { location: 'memory', modelJSONBytes: 0, weightDataBytes: artifacts.weightData.byteLength };
      }));
      const loaded = await tw.loadLayersModel(tw.io.fromMemory(saved));
      const a = await model.predict(data.xTest).data();
      const b = await loaded.predict(data.xTest).data();
      const identical = a.length === b.length && a.every((v, i) => v === b[i]);
      model.dispose();
      loaded.dispose();
      tw.dispose(data);
      return { accuracy, seconds, onGpu, identical };
    }, kind);
    t.diagnostic(`webgpu ${kind}: held-out accuracy ${result.accuracy.toFixed(4)} after ${epochs} epochs (${result.seconds.toFixed(1)} s)`);
    assert.ok(result.onGpu, 'the weights live on the GPU');
    assert.ok(result.accuracy >= threshold, `accuracy ${result.accuracy}`);
    assert.ok(result.identical, 'the loaded model predicts exactly what the saved one did');
  });
}

test('webgpu: a tw.data pipeline (zip, shuffle, batch, prefetch) feeds fitDataset; nothing leaks', async () => {
  const result = await page.run(async (tw) => {
    tw.layers.setSeed(5);
    const points = Array.from({ length: 96 }, (_, i) => [Math.cos(i), Math.sin(i)]);
    const dataset = tw.data.zip({ xs: tw.data.array(points), ys: tw.data.array(points.map(([c, s]) => [c - 2 * s])) })
      .shuffle(96, 2).batch(32).prefetch(1);
    const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [2], units: 1 })] });
    model.compile({ optimizer: tw.train.adam(0.1), loss: 'mse' });
    await model.fitDataset(dataset, { epochs: 1 });
    const before = tw.memory().numTensors;
    const history = await model.fitDataset(dataset, { epochs: 20 });
    const leaked = tw.memory().numTensors - before;
    const onGpu = tw.engine().backendOf(model.getWeights()[0]);
    model.dispose();
    return { first: history.history.loss[0], last: history.history.loss[19], leaked, onGpu };
  });
  assert.equal(result.onGpu, 'webgpu');
  assert.ok(result.last < result.first / 10 && result.last < 0.05, `loss ${result.first} -> ${result.last}`);
  assert.equal(result.leaked, 0);
});

test('webgpu: fit with classWeight, validationSplit, batch callbacks and early stopping reads nothing synchronously', async () => {
  const result = await page.run(async (tw) => {
    tw.layers.setSeed(6);
    const x = tw.randomNormal([64, 4], 0, 1, 'float32', 1);
    const y = tw.oneHot(tw.tensor(Array.from({ length: 64 }, (_, i) => i % 3), [64], 'int32'), 3).cast('float32');
    const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tw.layers.dropout({ rate: 0.2 }),
      tw.layers.batchNormalization(), tw.layers.dense({ units: 3, activation: 'softmax' })] });
    model.compile({ optimizer: tw.train.rmsprop(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'precision'] });
    let batches = 0;
    const syncBefore = tw.engine().findBackend('webgpu').stats.syncReadbacks;
    const history = await model.fit(x, y, {
      epochs: 6, batchSize: 16, validationSplit: 0.25, classWeight: { 0: 1, 1: 2, 2: 0.5 },
      callbacks: [{ onBatchEnd: (_b, logs) => { if (typeof logs.loss === 'number') batches++; } },
        tw.callbacks.earlyStopping({ monitor: 'val_loss', patience: 10, restoreBestWeights: true })],
    });
    await model.optimizer.setWeights(model.optimizer.getWeights());
    return { keys: Object.keys(history.history).sort(), epochs: history.epoch.length, batches,
      syncReadbacks: tw.engine().findBackend('webgpu').stats.syncReadbacks - syncBefore };
  });
  assert.deepEqual(result.keys, ['accuracy', 'loss', 'precision', 'val_accuracy', 'val_loss', 'val_precision']);
  assert.equal(result.epochs, 6);
  assert.equal(result.batches, 6 * 3);
  assert.equal(result.syncReadbacks, 0, 'fit read a tensor synchronously');
});
