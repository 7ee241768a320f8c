// Training on scikit-learn's 8x8 digits (tests/fixtures/digits) on the CPU
// backend, seeded: an MLP and a CNN must reach the stated accuracy on the 360
// held-out digits within the stated epochs; the trained MLP survives save ->
// load with identical predictions and keeps training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { digits } from './digits.mjs';

async function testAccuracy(model, d) {
  const [, accuracy] = model.evaluate(d.xTest, d.yTest);
  const value = (await accuracy.data())[0];
  tw.dispose(accuracy);
  return value;
}

let trainedMlp;
let mlpData;

test('MLP 64-32-10 (adam 0.01, batch 32, seed 42) reaches >= 0.87 held-out accuracy in 4 epochs', async (t) => {
  mlpData = digits(tw);
  tw.layers.setSeed(42);
  const model = tw.sequential({
    layers: [tw.layers.dense({ inputShape: [64], units: 32, activation: 'relu' }), tw.layers.dense({ units: 10, activation: 'softmax' })],
  });
  model.compile({ optimizer: tw.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(mlpData.xTrain, mlpData.yTrain, { epochs: 4, batchSize: 32 });
  assert.deepEqual(history.epoch, [0, 1, 2, 3]);
  assert.ok(history.history.loss[3] < history.history.loss[0], `loss went ${history.history.loss}`);
  const accuracy = await testAccuracy(model, mlpData);
  t.diagnostic(`MLP held-out accuracy after 4 epochs: ${accuracy.toFixed(4)}`);
  assert.ok(accuracy >= 0.87, `accuracy ${accuracy}`);
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
  const accuracy = await testAccuracy(loaded, mlpData);
  const history = await loaded.fit(mlpData.xTrain, mlpData.yTrain, { epochs: 1, batchSize: 32 });
  assert.ok(history.history.loss[0] < 0.5, `loss after loading ${history.history.loss[0]}`);
  assert.ok(accuracy >= 0.87);
  tw.dispose([before, after]);
  loaded.dispose();
});

test('CNN conv8-pool-dense (adam 0.01, batch 32, seed 42) reaches >= 0.83 held-out accuracy in 2 epochs', async (t) => {
  const d = digits(tw, { image: true });
  tw.layers.setSeed(42);
  const model = tw.sequential({
    layers: [
      tw.layers.conv2d({ inputShape: [8, 8, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tw.layers.maxPooling2d({ poolSize: 2 }),
      tw.layers.flatten(),
      tw.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tw.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(d.xTrain, d.yTrain, { epochs: 2, batchSize: 32 });
  const accuracy = await testAccuracy(model, d);
  t.diagnostic(`CNN held-out accuracy after 2 epochs: ${accuracy.toFixed(4)}`);
  assert.ok(accuracy >= 0.83, `accuracy ${accuracy}`);
  model.dispose();
  tw.dispose(d);
});
