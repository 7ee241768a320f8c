// The layers-model API around training: functional models with several
// inputs and outputs, callbacks and early stopping, validation, class
// weights, frozen layers, regularizers, constraints, initializers,
// fitDataset, summary, and model/layer bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const close = (a, b, tol = 1e-5) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

test('functional model with two inputs and two outputs: compile by output name, fit, predict, evaluate', async () => {
  tw.layers.setSeed(1);
  const a = tw.input({ shape: [3], name: 'a' });
  const b = tw.input({ shape: [2], name: 'b' });
  const joined = tw.layers.concatenate().apply([a, b]);
  const hidden = tw.layers.dense({ units: 8, activation: 'tanh', name: 'hidden' }).apply(joined);
  const regression = tw.layers.dense({ units: 1, name: 'value' }).apply(hidden);
  const classes = tw.layers.dense({ units: 3, activation: 'softmax', name: 'kind' }).apply(hidden);
  const model = tw.model({ inputs: [a, b], outputs: [regression, classes] });
  assert.deepEqual(model.inputNames, ['a', 'b']);
  assert.deepEqual(model.outputNames, ['value', 'kind']);
  assert.deepEqual(model.layers.map((l) => l.name), ['a', 'b', 'concatenate', 'hidden', 'value', 'kind']);
  model.compile({
    optimizer: tw.train.adam(0.05),
    loss: { value: 'meanSquaredError', kind: 'sparseCategoricalCrossentropy' },
    metrics: { kind: ['accuracy'] },
    lossWeights: { value: 0.5, kind: 1 },
  });
  const xa = tw.randomNormal([40, 3], 0, 1, 'float32', 2);
  const xb = tw.randomNormal([40, 2], 0, 1, 'float32', 3);
  const yValue = xa.sum(1, true);
  const yKind = tw.tensor(Array.from({ length: 40 }, (_, i) => i % 3), [40], 'int32');
  const history = await model.fit({ a: xa, b: xb }, { value: yValue, kind: yKind }, { epochs: 30, batchSize: 10 });
  assert.deepEqual(Object.keys(history.history).sort(), ['kind_accuracy', 'kind_loss', 'loss', 'value_loss'].sort());
  const { loss, value_loss: valueLoss, kind_loss: kindLoss } = history.history;
  assert.ok(loss[29] < loss[0] / 2, `loss ${loss[0]} -> ${loss[29]}`);
  // The total is the weighted sum of the outputs' losses (epoch means of batch values).
  assert.ok(close(loss[29], 0.5 * valueLoss[29] + kindLoss[29], 1e-4));
  const [predValue, predKind] = model.predict([xa, xb], { batchSize: 16 });
  assert.deepEqual(predValue.shape, [40, 1]);
  assert.deepEqual(predKind.shape, [40, 3]);
  const evaluated = model.evaluate([xa, xb], [yValue, yKind], { batchSize: 7 });
  assert.equal(evaluated.length, 4);
  assert.ok(close(evaluated[1].dataSync()[0], tw.losses.meanSquaredError(yValue, predValue).mean().dataSync()[0], 1e-4));
  model.dispose();
});

test('callbacks see every epoch and batch; early stopping stops and restores the best weights', async () => {
  tw.layers.setSeed(11);
  const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [2], units: 1 })] });
  model.compile({ optimizer: tw.train.sgd(0.1), loss: 'mse' });
  const x = tw.tensor([[0, 1], [1, 0], [1, 1], [2, 1]]);
  const y = tw.tensor([[1], [2], [3], [5]]);
  const events = [];
  const recorder = {
    onTrainBegin: () => events.push('trainBegin'),
    onEpochBegin: (epoch) => events.push(`epochBegin ${epoch}`),
    onBatchEnd: async (batch, logs) => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      events.push(`batchEnd ${batch} size ${logs.size} loss ${typeof logs.loss}`);
    },
    onEpochEnd: (epoch, logs) => events.push(`epochEnd ${epoch} ${Object.keys(logs).join(',')}`),
    onTrainEnd: () => events.push('trainEnd'),
  };
  await model.fit(x, y, { epochs: 2, batchSize: 3, callbacks: recorder, validationData: [x, y], shuffle: false });
  assert.deepEqual(events, ['trainBegin', 'epochBegin 0', 'batchEnd 0 size 3 loss number', 'batchEnd 1 size 1 loss number',
    'epochEnd 0 loss,val_loss', 'epochBegin 1', 'batchEnd 0 size 3 loss number', 'batchEnd 1 size 1 loss number',
    'epochEnd 1 loss,val_loss', 'trainEnd']);

  // A learning rate too large to converge: the loss stops improving, training stops `patience` epochs after the best one.
  model.compile({ optimizer: tw.train.sgd(0.9), loss: 'mse' });
  const stopper = tw.callbacks.earlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
  const weightsAfter = [];
  const watch = { onEpochEnd: () => weightsAfter.push(model.getWeights().map((w) => Array.from(w.dataSync()))) };
  const history = await model.fit(x, y, { epochs: 50, batchSize: 4, callbacks: [watch, stopper] });
  const losses = history.history.loss;
  const best = losses.indexOf(Math.min(...losses));
  assert.equal(losses.length, best + 3, `stopped after ${losses.length} epochs: ${losses}`);
  assert.equal(stopper.stoppedEpoch, best + 2);
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), weightsAfter[best]);
});

test('validationSplit holds out the last samples; classWeight scales each sample loss', async () => {
  const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [1], units: 2, activation: 'softmax', kernelInitializer: 'zeros' })] });
  model.compile({ optimizer: tw.train.sgd(0), loss: 'categoricalCrossentropy' });
  const x = tw.tensor([[1], [2], [3], [4]]);
  const y = tw.tensor([[1, 0], [1, 0], [0, 1], [0, 1]]);
  const history = await model.fit(x, y, { epochs: 1, validationSplit: 0.25, classWeight: { 0: 3, 1: 0.5 } });
  // Zero weights: every prediction is [0.5, 0.5], each sample loss is ln 2.
  const ln2 = Math.log(2);
  assert.ok(close(history.history.loss[0], ln2 * (3 + 3 + 0.5) / 3, 1e-5), `loss ${history.history.loss[0]}`);
  assert.ok(close(history.history.val_loss[0], ln2 * 0.5, 1e-5), `val_loss ${history.history.val_loss[0]}`);
});

test('frozen layers keep their weights; layer.trainable and getLayer', async () => {
  const model = tw.sequential({
    layers: [tw.layers.dense({ inputShape: [3], units: 4, name: 'frozen' }), tw.layers.dense({ units: 1, name: 'head' })],
  });
  assert.equal(model.getLayer('head'), model.getLayer(1));
  assert.throws(() => model.getLayer('nope'), /has no layer "nope"/);
  model.getLayer('frozen').trainable = false;
  assert.equal(model.trainableWeights.length, 2);
  assert.equal(model.nonTrainableWeights.length, 2);
  const frozenBefore = model.getLayer('frozen').getWeights().map((w) => Array.from(w.dataSync()));
  const headBefore = model.getLayer('head').getWeights().map((w) => Array.from(w.dataSync()));
  model.compile({ optimizer: 'adam', loss: 'mse' });
  await model.fit(tw.randomNormal([16, 3]), tw.randomNormal([16, 1]), { epochs: 2 });
  assert.deepEqual(model.getLayer('frozen').getWeights().map((w) => Array.from(w.dataSync())), frozenBefore);
  assert.notDeepEqual(model.getLayer('head').getWeights().map((w) => Array.from(w.dataSync())), headBefore);
  model.getLayer('frozen').trainable = true;
  assert.equal(model.trainableWeights.length, 4);
});

test('getWeights/setWeights round-trip and check shapes', () => {
  const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [2], units: 3 })] });
  const values = [tw.tensor([[1, 2, 3], [4, 5, 6]]), tw.tensor([7, 8, 9])];
  model.setWeights(values);
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), [[1, 2, 3, 4, 5, 6], [7, 8, 9]]);
  assert.deepEqual(Array.from(model.predict(tw.tensor([[1, 1]])).dataSync()), [12, 15, 18]);
  assert.throws(() => model.setWeights([values[1], values[0]]), /is \[2,3\], the new value is \[3\]/);
  assert.throws(() => model.setWeights([values[0]]), /got 1 tensors for 2 weights/);
});

test('regularizers add their penalty to the loss; constraints hold after every step', async () => {
  const layer = tw.layers.dense({ inputShape: [2], units: 2, useBias: false, kernelRegularizer: tw.regularizers.l2({ l2: 0.1 }) });
  const model = tw.sequential({ layers: [layer] });
  model.setWeights([tw.tensor([[1, 2], [3, 4]])]);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = tw.tensor([[0, 0]]);
  const y = tw.tensor([[0, 0]]);
  assert.ok(close(model.evaluate(x, y).dataSync()[0], 0.1 * 30));

  const constrained = tw.sequential({ layers: [tw.layers.dense({
    inputShape: [3], units: 4, kernelConstraint: tw.constraints.nonNeg(), biasConstraint: tw.constraints.maxNorm({ maxValue: 0.5, axis: 0 }),
  })] });
  constrained.compile({ optimizer: tw.train.sgd(1), loss: 'mse' });
  await constrained.fit(tw.randomNormal([8, 3], 0, 1, 'float32', 1), tw.randomNormal([8, 4], 0, 5, 'float32', 2), { epochs: 3 });
  const [kernel, bias] = constrained.getWeights();
  assert.ok(kernel.dataSync().every((v) => v >= 0));
  assert.ok(tw.norm(bias).dataSync()[0] <= 0.5 + 1e-5);
});

test('initializers: limits and spreads as Keras defines them; orthogonal is orthogonal; seeds repeat', () => {
  const stats = (t) => {
    const v = t.dataSync();
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, std: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), max: Math.max(...v.map(Math.abs)) };
  };
  const I = tw.layers.initializers;
  const glorot = stats(I.glorotUniform({ seed: 1 }).apply([200, 100]));
  assert.ok(glorot.max <= Math.sqrt(6 / 300) && glorot.max > 0.95 * Math.sqrt(6 / 300));
  assert.ok(close(stats(I.heNormal({ seed: 2 }).apply([400, 100])).std, Math.sqrt(2 / 400), 0.03));
  assert.ok(close(stats(I.lecunNormal({ seed: 3 }).apply([3, 3, 20, 50])).std, Math.sqrt(1 / 180), 0.03));
  assert.ok(close(stats(I.glorotNormal({ seed: 4 }).apply([300, 200])).std, Math.sqrt(2 / 500), 0.03));
  assert.ok(close(stats(I.heUniform({ seed: 5 }).apply([300, 50])).max, Math.sqrt(6 / 300), 0.02));
  assert.ok(close(stats(I.randomNormal({ mean: 1, stddev: 2, seed: 6 }).apply([100, 100])).std, 2, 0.03));
  assert.deepEqual(Array.from(I.constant({ value: 3 }).apply([2]).dataSync()), [3, 3]);
  assert.deepEqual(Array.from(I.ones().apply([2]).dataSync()), [1, 1]);
  assert.deepEqual(Array.from(I.zeros().apply([2]).dataSync()), [0, 0]);
  const q = I.orthogonal({ seed: 7 }).apply([6, 4]);
  const gram = tw.matMul(q, q, true, false).arraySync();
  gram.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-5, `QᵀQ[${i}][${j}] = ${v}`)));
  assert.deepEqual(Array.from(I.glorotUniform({ seed: 9 }).apply([3, 3]).dataSync()), Array.from(I.glorotUniform({ seed: 9 }).apply([3, 3]).dataSync()));
});

test('dropout: training zeroes about `rate` of the inputs and scales the rest; inference is the identity', () => {
  const layer = tw.layers.dropout({ rate: 0.3 });
  const x = tw.ones([100, 100]);
  const y = layer.apply(x, { training: true }).dataSync();
  const dropped = y.filter((v) => v === 0).length / y.length;
  assert.ok(Math.abs(dropped - 0.3) < 0.02, `dropped ${dropped}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
  assert.notDeepEqual(Array.from(layer.apply(x, { training: true }).dataSync()), Array.from(y), 'a fresh mask per call');
  assert.deepEqual(Array.from(layer.apply(x).dataSync()), Array.from(x.dataSync()));
  const spatial = tw.layers.spatialDropout1d({ rate: 0.5 }).apply(tw.ones([2, 50, 4]), { training: true }).arraySync();
  // Whole channels drop: within a sample and channel every step agrees.
  spatial.forEach((steps) => steps.forEach((row) => row.forEach((v, c) => assert.equal(v, steps[0][c]))));
});

test('fitDataset and evaluateDataset over a tw.data pipeline', async () => {
  tw.layers.setSeed(3);
  const xs = Array.from({ length: 64 }, (_, i) => [Math.cos(i), Math.sin(i)]);
  const dataset = tw.data.zip({ xs: tw.data.array(xs), ys: tw.data.array(xs.map(([c, s]) => [2 * c - s])) }).shuffle(64, 1).batch(16);
  const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [2], units: 1 })] });
  model.compile({ optimizer: tw.train.adam(0.1), loss: 'mse' });
  await model.fitDataset(dataset, { epochs: 1 }); // creates the optimizer's slots
  const before = tw.memory().numTensors;
  const epochs = [];
  const history = await model.fitDataset(dataset, { epochs: 25, callbacks: { onEpochEnd: (e) => epochs.push(e) } });
  assert.equal(epochs.length, 25);
  assert.ok(history.history.loss[24] < 0.01, `loss ${history.history.loss[24]}`);
  const loss = await model.evaluateDataset(dataset);
  assert.ok(loss.dataSync()[0] < 0.01);
  loss.dispose();
  assert.equal(tw.memory().numTensors, before, 'fitDataset leaked tensors');
  // batchesPerEpoch continues one iterator across epochs and stops when it runs dry.
  const short = await model.fitDataset(dataset, { epochs: 10, batchesPerEpoch: 3 });
  assert.equal(short.epoch.length, 2);
});

test('summary lists layers, output shapes and parameter counts', () => {
  const model = tw.sequential({ name: 'mlp', layers: [
    tw.layers.dense({ inputShape: [4], units: 3, name: 'd1' }),
    tw.layers.batchNormalization({ name: 'bn' }),
    tw.layers.dense({ units: 2, name: 'd2' }),
  ] });
  const lines = [];
  model.summary(80, undefined, (line) => lines.push(line));
  const text = lines.join('\n');
  assert.match(text, /Model: "mlp"/);
  assert.match(text, /d1 \(Dense\)\s+\[null,3\]\s+15/);
  assert.match(text, /bn \(BatchNormalization\)\s+\[null,3\]\s+12/);
  assert.match(text, /Total params: 35\nTrainable params: 29\nNon-trainable params: 6/);
});

test('sequential without an input shape builds on first use; bad graphs are named errors', async () => {
  const model = tw.sequential();
  model.add(tw.layers.dense({ units: 2 }));
  model.add(tw.layers.dense({ units: 1 }));
  assert.deepEqual(model.predict(tw.ones([3, 5])).shape, [3, 1]);
  assert.deepEqual(model.layers[0].getWeights()[0].shape, [5, 2]);
  assert.throws(() => model.predict(tw.ones([3, 4])), /expects shape \[null,5\], got \[3,4\]/);
  // Trained before it was ever called: the first batch already updates the weights it builds.
  const fresh = tw.sequential({ layers: [tw.layers.dense({ units: 1 })] });
  fresh.compile({ optimizer: tw.train.sgd(0.1), loss: 'mse' });
  await fresh.fit(tw.ones([2, 3]), tw.ones([2, 1]).mul(5), { epochs: 1, batchSize: 2 });
  assert.notDeepEqual(Array.from(fresh.getWeights()[1].dataSync()), [0], 'the bias moved in the first step');
  const a = tw.input({ shape: [2] });
  const b = tw.input({ shape: [2] });
  const out = tw.layers.add().apply([a, b]);
  assert.throws(() => tw.model({ inputs: a, outputs: out }), /disconnected/);
  await assert.rejects(model.fit(tw.ones([1, 5]), tw.ones([1, 1])), /must be compiled first/);
});

test('a model is a layer: nested in another model, its weights train and its config round-trips', async () => {
  const inner = tw.sequential({ layers: [tw.layers.dense({ inputShape: [3], units: 4, activation: 'relu' })] });
  const x = tw.input({ shape: [3] });
  const outer = tw.model({ inputs: x, outputs: tw.layers.dense({ units: 1 }).apply(inner.apply(x)) });
  assert.equal(outer.weights.length, 4);
  const config = outer.getConfig();
  const rebuilt = tw.layers.LayersModel.fromConfig(JSON.parse(JSON.stringify(config)));
  rebuilt.setWeights(outer.getWeights());
  const input = tw.randomNormal([5, 3]);
  assert.deepEqual(Array.from(rebuilt.predict(input).dataSync()), Array.from(outer.predict(input).dataSync()));
});

test('predict frees each intermediate result after its last reader (peak memory of a deep model)', async () => {
  const layers = [tw.layers.dense({ inputShape: [128], units: 128 })];
  for (let i = 0; i < 8; i++) layers.push(tw.layers.dense({ units: 128 }), tw.layers.dropout({ rate: 0.1 }));
  const model = tw.sequential({ layers });
  const x = tw.ones([256, 128]);
  const activationBytes = 256 * 128 * 4;
  const before = tw.memory().numBytes;
  const { peakBytes, result } = await tw.profile(() => model.predict(x));
  // The weights and x are live before; at most three activations at once (input, output, and one in flight).
  assert.ok(peakBytes - before <= 3 * activationBytes, `peak ${peakBytes - before} bytes over the live ones`);
  assert.deepEqual(result.shape, [256, 128]);
  tw.dispose([x, result]);
  model.dispose();
});

test('a frozen batch normalization layer keeps its statistics and normalizes with them while the model trains', async () => {
  const bn = tw.layers.batchNormalization({ name: 'frozen_bn' });
  const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [3], units: 2 }), bn] });
  bn.trainable = false;
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  const statistics = () => bn.getWeights().map((w) => Array.from(w.dataSync()));
  const before = statistics();
  await model.fit(tw.randomNormal([16, 3], 3, 2, 'float32', 1), tw.randomNormal([16, 2]), { epochs: 2, batchSize: 8 });
  assert.deepEqual(statistics(), before);
  bn.trainable = true;
  await model.fit(tw.randomNormal([16, 3], 3, 2, 'float32', 1), tw.randomNormal([16, 2]), { epochs: 1, batchSize: 8 });
  assert.notDeepEqual(statistics()[2], before[2], 'moving mean moves once the layer trains');
});

test('fit lets the event loop run between batches (pages stay responsive)', async () => {
  const model = tw.sequential({ layers: [tw.layers.dense({ inputShape: [32], units: 64, activation: 'relu' }), tw.layers.dense({ units: 1 })] });
  model.compile({ optimizer: 'adam', loss: 'mse' });
  const x = tw.randomNormal([2048, 32]);
  const y = tw.randomNormal([2048, 1]);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const started = performance.now();
  await model.fit(x, y, { epochs: 1, batchSize: 8 });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  assert.ok(ticks >= Math.floor(seconds / 0.05) / 2, `${ticks} timer ticks during ${seconds.toFixed(2)} s of fit`);
  tw.dispose([x, y]);
  model.dispose();
});

test('Keras options tensorweb does not implement are refused by name, not ignored', () => {
  assert.throws(() => tw.layers.conv2d({ filters: 4, kernelSize: 3, groups: 2 }), /grouped convolution \(groups 2\) is not supported/);
  assert.throws(() => tw.layers.lstm({ units: 2, stateful: true }), /stateful recurrent layers are not supported/);
  assert.throws(() => tw.layers.gru({ units: 2, recurrentDropout: 0.1 }), /dropout and recurrentDropout are not supported/);
  assert.throws(() => tw.layers.embedding({ inputDim: 3, outputDim: 2, maskZero: true }), /maskZero \(masking\) is not supported/);
  assert.throws(() => tw.layers.conv2d({ filters: 4, kernelSize: 3, dataFormat: 'channelsFirst' }), /dataFormat 'channelsLast'/);
});
