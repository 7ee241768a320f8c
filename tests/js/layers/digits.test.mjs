// Training on scikit-learn's 8x8 digits (tests/fixtures/digits) on the CPU
// backend, seeded (recipes in digits_models.mjs, shared with the webgpu
// browser test): an MLP and a CNN must reach the stated accuracy on the 360
// held-out digits within the stated epochs; the trained MLP survives save ->
// load with identical predictions and keeps training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { digits } from './digits.mjs';
import { RECIPES, trainDigits } from './digits_models.mjs';

let trainedMlp;
let mlpData;

test(`MLP 64-32-10 (adam 0.01, batch 32, seed 42) reaches >= ${RECIPES.mlp.threshold} held-out accuracy in ${RECIPES.mlp.epochs} epochs`, async (t) => {
  mlpData = digits(tw);
  const { model, history, accuracy } = await trainDigits(tw, 'mlp', mlpData);
  const { loss } = history.history;
  assert.equal(loss.length, RECIPES.mlp.epochs);
  assert.ok(loss[loss.length - 1] < loss[0], `loss went ${loss}`);
  t.diagnostic(`MLP held-out accuracy after ${RECIPES.mlp.epochs} epochs: ${accuracy.toFixed(4)}`);
  assert.ok(accuracy >= RECIPES.mlp.threshold, `accuracy ${accuracy}`);
  trainedMlp = model;
});

test('the same seed trains the same MLP (bit-identical weights)', async () => {
  const train = async () => {
    tw.layers.setSeed(7);
    const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [64], units: 8, activation: 'relu' }), tw.layers.dense({ units: 10, activation: 'softmax' })] });
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await model.fit(mlpData.xTrain, mlpData.yTrain, { epochs: 1, batchSize: 128 });
    const values = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    return values;
  };
  assert.deepEqual(await train(), await train());
});

test('save -> load gives identical predictions, and the loaded model keeps training', async () => {
  let saved;
  await trainedMlp.save(tw.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { location: 'memory', modelJSONBytes: 0, weightDataBytes: artifacts.weightData.byteLength };
  }));
  assert.equal(saved.modelJSON.format, 'tensorweb-layers');
  assert.deepEqual(saved.weightSpecs.map((s) => s.name), trainedMlp.weights.map((w) => w.name));
  const loaded = await tw.loadLayersModel(tw.io.fromMemory(saved));
  const before = trainedMlp.predict(mlpData.xTest);
  const after = loaded.predict(mlpData.xTest);
  assert.deepEqual(Array.from(after.dataSync()), Array.from(before.dataSync()));
  // The training config came along: the loaded model is compiled with the same loss, metrics and optimizer.
  assert.equal(loaded.optimizer.className, 'Adam');
  const history = await loaded.fit(mlpData.xTrain, mlpData.yTrain, { epochs: 1, batchSize: 32 });
  assert.ok(history.history.loss[0] < 0.5, `loss after loading ${history.history.loss[0]}`);
  tw.dispose([before, after]);
  loaded.dispose();
});

test(`CNN conv8-pool-dense (adam 0.01, batch 32, seed 42) reaches >= ${RECIPES.cnn.threshold} held-out accuracy in ${RECIPES.cnn.epochs} epochs`, async (t) => {
  const data = digits(tw, { image: true });
  const { model, accuracy } = await trainDigits(tw, 'cnn', data);
  t.diagnostic(`CNN held-out accuracy after ${RECIPES.cnn.epochs} epochs: ${accuracy.toFixed(4)}`);
  assert.ok(accuracy >= RECIPES.cnn.threshold, `accuracy ${accuracy}`);
  model.dispose();
  tw.dispose(data);
});
