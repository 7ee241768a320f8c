// Every optimizer's steps (with clipping and learning-rate schedules) against
// the numpy references in tests/fixtures/train/optimizers.json, plus the
// TF.js API around them: minimize (and minimizeAsync), applyGradients by name, frozen variables,
// slot state round trips, and no leaked tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';
import { replayOptimizer } from './replay.mjs';

const goldens = JSON.parse(readFileSync(new URL('../../fixtures/train/optimizers.json', import.meta.url)));

for (const golden of goldens.optimizers) {
  test(`${golden.name}: ${golden.expected.length} steps match numpy`, () => replayOptimizer(tw, golden));
}

for (const golden of goldens.schedules) {
  test(`schedule ${golden.schedule} ${JSON.stringify(golden.config)} matches Keras's formula`, () => {
    const schedule = tw.train[golden.schedule](golden.config);
    golden.steps.forEach((step, i) => {
      assert.ok(Math.abs(schedule.at(step) - golden.expected[i]) <= 1e-12, `step ${step}: ${schedule.at(step)} vs ${golden.expected[i]}`);
    });
  });
}

test('minimize fits a line with adam and returns the cost', () => {
  const xs = tw.tensor([0, 1, 2, 3]);
  const ys = tw.tensor([1, 3, 5, 7]);
  const a = tw.variable(tw.scalar(0), true, 'minimize_a');
  const b = tw.variable(tw.scalar(0), true, 'minimize_b');
  const optimizer = tw.train.adam(0.1);
  const loss = () => xs.mul(a).add(b).sub(ys).square().mean();
  let cost;
  for (let i = 0; i < 500; i++) {
    tw.dispose(cost);
    cost = optimizer.minimize(loss, true, [a, b]);
  }
  assert.ok(cost.dataSync()[0] < 1e-3, `cost ${cost.dataSync()[0]}`);
  assert.ok(Math.abs(a.dataSync()[0] - 2) < 0.05 && Math.abs(b.dataSync()[0] - 1) < 0.05);
  assert.equal(optimizer.minimize(loss), null);
  tw.dispose([xs, ys, a, b, cost]);
  optimizer.dispose();
});

test('minimizeAsync takes the steps minimize takes, over an async f', async () => {
  const xs = tw.tensor([0, 1, 2, 3]);
  const ys = tw.tensor([1, 3, 5, 7]);
  const pair = (suffix) => [tw.variable(tw.scalar(0.5), true, `async_a${suffix}`), tw.variable(tw.scalar(0), true, `async_b${suffix}`)];
  const [a, b] = pair('');
  const [a2, b2] = pair('_sync');
  const loss = (p, q) => tw.tidy(() => xs.mul(p).add(q).sub(ys).square().mean());
  const [optimizer, reference] = [tw.train.adam(0.1), tw.train.adam(0.1)];
  const before = tw.memory().numTensors;
  for (let i = 0; i < 20; i++) {
    const cost = await optimizer.minimizeAsync(async () => {
      await null;
      return loss(a, b);
    }, true, [a, b]);
    const expected = reference.minimize(() => loss(a2, b2), true, [a2, b2]);
    assert.deepEqual(cost.dataSync(), expected.dataSync(), `step ${i}`);
    tw.dispose([cost, expected]);
  }
  assert.deepEqual([a.dataSync()[0], b.dataSync()[0]], [a2.dataSync()[0], b2.dataSync()[0]]);
  assert.equal(await optimizer.minimizeAsync(async () => loss(a, b)), null);
  assert.equal(tw.memory().numTensors, before + 8, 'the two moments of each variable, nothing else');
  tw.dispose([xs, ys, a, b, a2, b2]);
  optimizer.dispose();
  reference.dispose();
});

test('applyGradients by name, frozen variables stay, unknown names are errors', () => {
  const w = tw.variable(tw.tensor([1, 2]), true, 'apply_w');
  const frozen = tw.variable(tw.tensor([5]), false, 'apply_frozen');
  const optimizer = tw.train.sgd(0.5);
  optimizer.applyGradients({ apply_w: tw.tensor([2, 2]), apply_frozen: tw.tensor([1]) });
  assert.deepEqual(Array.from(w.dataSync()), [0, 1]);
  assert.deepEqual(Array.from(frozen.dataSync()), [5]);
  assert.throws(() => optimizer.applyGradients({ nope: tw.tensor([1]) }), /no variable named 'nope'/);
  assert.throws(() => optimizer.applyGradients({ apply_w: tw.tensor([1, 2, 3]) }), /does not match variable 'apply_w'/);
  tw.dispose([w, frozen]);
});

test('optimizer weights round-trip: a restored adam continues exactly like the original', async () => {
  const run = (optimizer, v, steps) => {
    for (let i = 0; i < steps; i++) optimizer.applyGradients([{ name: v.name, tensor: tw.tensor([0.3 * i - 0.5, 1]) }]);
  };
  const v1 = tw.variable(tw.tensor([1, -1]), true, 'roundtrip_1');
  const first = tw.train.adam(0.05);
  run(first, v1, 3);
  const saved = first.getWeights().map(({ name, tensor }) => ({ name: name.replace('roundtrip_1', 'roundtrip_2'), tensor: tensor.clone() }));
  const v2 = tw.variable(v1.clone(), true, 'roundtrip_2');
  const second = tw.train.adam(0.05);
  await second.setWeights(saved);
  assert.equal(second.iterations, 3);
  run(first, v1, 2);
  run(second, v2, 2);
  assert.deepEqual(Array.from(v2.dataSync()), Array.from(v1.dataSync()));
});

test('bad arguments are named', () => {
  assert.throws(() => tw.train.sgd(-1), /learningRate must be a non-negative number/);
  assert.throws(() => tw.train.sgd(0.1, { clipNorm: 0 }), /clipNorm must be positive/);
  assert.throws(() => tw.train.piecewiseConstantDecay({ boundaries: [1], values: [1] }), /needs 2 values/);
  assert.throws(() => tw.train.exponentialDecay({ initialLearningRate: 1, decaySteps: 0, decayRate: 0.5 }), /decaySteps must be positive/);
});
