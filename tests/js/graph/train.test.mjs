// Fine-tuning converted graphs on the CPU backend: fit lowers the loss with
// tw.memory() flat across steps; tw.variableGrads over trainableWeights matches
// finite differences; setTrainable freezes; a cut serves as a frozen backbone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { ioTensors, loadFixture, readFixtureFile, readIO } from './helpers.mjs';

await tw.setBackend('cpu');

test('fit on a converted ResNet lowers the loss, and memory stays flat across steps', async () => {
  const model = await loadFixture('resnet');
  const x = tw.randomNormal([8, 3, 32, 32], 0, 1, 'float32', 1);
  const y = tw.oneHot(tw.tensor([0, 1, 2, 3, 4, 5, 6, 7], [8], 'int32'), 10);
  const optimizer = tw.train.adam(0.01);
  const counts = [];
  const history = await model.fit(x, y, {
    loss: 'categoricalCrossentropy', optimizer, epochs: 6, batchSize: 4, shuffle: false,
    callbacks: { onBatchEnd: () => counts.push([tw.memory().numTensors, tw.memory().numBytes]) },
  });
  const losses = history.history.loss;
  assert.equal(losses.length, 6);
  assert.ok(losses[5] < losses[0] * 0.75, `loss ${losses}`);
  // The optimizer's slots appear in the first step; after that nothing accumulates.
  counts.slice(1).forEach((c, i) => assert.deepEqual(c, counts[1], `step ${i + 1}: ${c} vs ${counts[1]}`));
  tw.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
});

test('tw.variableGrads reaches every trainable weight of a BERT encoder and matches finite differences', async () => {
  const model = await loadFixture('bert');
  const io = readIO('bert');
  const inputs = ioTensors(io.inputs);
  const probes = model.outputs.map((o, k) => tw.randomNormal([2, ...o.shape.slice(1)], 0, 1, 'float32', 10 + k));
  const objective = () => tw.tidy(() => {
    const outputs = model.predict([inputs.input_ids, inputs.attention_mask]);
    return outputs.map((out, k) => tw.sum(tw.mul(out, probes[k]))).reduce((a, b) => tw.add(a, b));
  });
  const { value, grads } = tw.variableGrads(objective, model.trainableWeights);
  const reached = model.trainableWeights.filter((w) => grads[w.name] && tw.max(tw.abs(grads[w.name])).dataSync()[0] > 0);
  // A constant the converter lists (Expand's zeros) gets a gradient too; every weight is reached.
  assert.equal(reached.length, model.trainableWeights.length);
  for (const weight of model.trainableWeights) {
    const g = grads[weight.name].dataSync();
    let index = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[index])) index = i;
    const original = weight.dataSync();
    const eps = 1e-2;
    const at = (delta) => {
      const moved = original.slice();
      moved[index] += delta;
      weight.assign(tw.tensor(moved, weight.shape));
      const f = objective();
      const result = f.dataSync()[0];
      f.dispose();
      return result;
    };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    weight.assign(tw.tensor(original, weight.shape));
    assert.ok(Math.abs(numeric - g[index]) <= 2e-2 * Math.abs(g[index]) + 2e-2, `${weight.name}[${index}]: ${g[index]} vs ${numeric}`);
  }
  tw.dispose([value, grads, inputs, probes]);
  model.dispose();
});

test('setTrainable freezes by name, glob or RegExp, and fit leaves frozen weights alone', async () => {
  const model = await loadFixture('resnet');
  const document = JSON.parse(readFixtureFile('resnet/model.json'));
  const names = document.weightsManifest[0].weights.map((w) => w.name);
  assert.deepEqual(model.trainableWeights, document.trainable.map((name) => model.getWeight(name)));
  assert.equal(model.setTrainable('*', false).length, names.length);
  assert.equal(model.trainableWeights.length, 0);
  const matMulWeights = document.topology.nodes.filter((n) => n.op === 'fusedMatMul').flatMap((n) => n.inputs.slice(1));
  const firstConv = document.topology.nodes.find((n) => n.op === 'fusedConv2d').inputs[1];
  model.setTrainable(matMulWeights, true);
  model.setTrainable(new RegExp(`^${firstConv}$`), true);
  const expected = [...matMulWeights, firstConv].map((name) => model.getWeight(name));
  assert.deepEqual(new Set(model.trainableWeights), new Set(expected));
  assert.throws(() => model.setTrainable('no_such_weight', true), /no weight matches no_such_weight/);
  const before = model.weights.map((w) => w.dataSync().slice());
  const x = tw.randomNormal([4, 3, 32, 32], 0, 1, 'float32', 3);
  const y = tw.oneHot(tw.tensor([1, 2, 3, 4], [4], 'int32'), 10);
  await model.fit(x, y, { loss: 'meanSquaredError', optimizer: tw.train.sgd(0.5), epochs: 1, batchSize: 4 });
  model.weights.forEach((w, i) => {
    const changed = w.dataSync().some((v, j) => v !== before[i][j]);
    assert.equal(changed, w.trainable, `${names[i]} trainable=${w.trainable} changed=${changed}`);
  });
  tw.dispose([x, y]);
  model.dispose();
});

test('a ResNet cut at its pooled features is a frozen backbone under a new head', async () => {
  const model = await loadFixture('resnet');
  const nodes = JSON.parse(readFixtureFile('resnet/model.json')).topology.nodes;
  const classifier = nodes.find((n) => n.op === 'fusedMatMul');
  const flattened = nodes.find((n) => n.outputs.includes(classifier.inputs[0]));
  const backbone = model.asFeatureExtractor(flattened.name);
  assert.deepEqual(backbone.outputs, [{ name: flattened.outputs[0], shape: [-1, 16], dtype: 'float32' }]);
  assert.equal(backbone.trainableWeights.length, 0);
  assert.ok(backbone.weights.length < model.weights.length);
  const x = tw.randomNormal([6, 3, 32, 32], 0, 1, 'float32', 4);
  // Targets a linear head on these features can reach.
  const targets = tw.tidy(() => tw.add(tw.matMul(backbone.predict(x), tw.randomNormal([16, 2], 0, 1, 'float32', 6)), 3));
  const kernel = tw.variable(tw.randomNormal([16, 2], 0, 0.1, 'float32', 5), true, 'head_kernel');
  const bias = tw.variable(tw.zeros([2]), true, 'head_bias');
  const backboneBefore = backbone.weights.map((w) => w.dataSync().slice());
  const optimizer = tw.train.adam(0.1);
  const losses = [];
  let memoryAfterFirst = null;
  for (let step = 0; step < 30; step++) {
    const cost = optimizer.minimize(() => {
      const features = backbone.predict(x);
      return tw.losses.meanSquaredError(targets, tw.add(tw.matMul(features, kernel), bias)).mean();
    }, true, [kernel, bias]);
    losses.push(cost.dataSync()[0]);
    cost.dispose();
    if (step === 0) memoryAfterFirst = tw.memory().numTensors;
    else assert.equal(tw.memory().numTensors, memoryAfterFirst, `step ${step}`);
  }
  assert.ok(losses.at(-1) < losses[0] * 0.1, `loss ${losses}`);
  backbone.weights.forEach((w, i) => assert.deepEqual(w.dataSync(), backboneBefore[i], `${w.name} moved`));
  // The cut saves as a model of its own.
  let saved;
  await backbone.save(tw.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { location: 'memory', modelJSONBytes: 0, weightDataBytes: 0 };
  }));
  const reloaded = await tw.loadGraphModel(tw.io.fromMemory(saved));
  const [a, b] = [backbone.predict(x), reloaded.predict(x)];
  assert.deepEqual(b.dataSync(), a.dataSync());
  backbone.dispose();
  assert.ok(!model.weights[0].isDisposed, 'disposing the cut leaves the model its weights');
  tw.dispose([x, targets, kernel, bias, a, b]);
  reloaded.dispose();
  model.dispose();
});

test('fit shuffles in an order tw.layers.setSeed makes reproducible', async () => {
  const lossesAfterSeed = async (seed) => {
    const model = await loadFixture('resnet');
    const x = tw.randomNormal([8, 3, 32, 32], 0, 1, 'float32', 1);
    const y = tw.oneHot(tw.tensor([0, 1, 2, 3, 4, 5, 6, 7], [8], 'int32'), 10);
    const optimizer = tw.train.sgd(0.05);
    tw.layers.setSeed(seed);
    const history = await model.fit(x, y, { loss: 'categoricalCrossentropy', optimizer, epochs: 2, batchSize: 3 });
    tw.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    return history.history.loss;
  };
  const first = await lossesAfterSeed(7);
  assert.deepEqual(await lossesAfterSeed(7), first);
  assert.notDeepEqual(await lossesAfterSeed(8), first, 'another seed gives another order');
});
