// tw.losses and tw.metrics against the numpy references in
// tests/fixtures/train/losses.json, and the gradients of the losses that
// training relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';

const goldens = JSON.parse(readFileSync(new URL('../../fixtures/train/losses.json', import.meta.url)));

function assertClose(actual, expected, what, rtol = 1e-4, atol = 1e-5) {
  const flat = [expected].flat(Infinity);
  assert.equal(actual.length, flat.length, `${what}: length`);
  actual.forEach((v, i) => assert.ok(Math.abs(v - flat[i]) <= atol + rtol * Math.abs(flat[i]), `${what}[${i}]: ${v} vs ${flat[i]}`));
}

for (const golden of goldens.losses) {
  test(`loss ${golden.name} matches numpy`, () => {
    const yTrue = tw.tensor(golden.yTrue, undefined, golden.yTrueDtype);
    const yPred = tw.tensor(golden.yPred);
    const args = golden.options === null ? [] : [golden.options];
    // tw.losses.meanSquaredError is TF.js's weighted, reduced loss; Keras's per-sample one is tw.metrics'
    const fn = golden.fn === 'meanSquaredError' ? tw.metrics.meanSquaredError : tw.losses[golden.fn];
    const loss = fn(yTrue, yPred, ...args);
    assert.deepEqual(loss.shape, yPred.shape.slice(0, -1));
    assertClose(loss.dataSync(), golden.expected, golden.name);
    tw.dispose([yTrue, yPred, loss]);
  });
}

for (const golden of goldens.metrics) {
  test(`metric ${golden.name} matches numpy`, () => {
    const yTrue = tw.tensor(golden.yTrue, undefined, golden.yTrueDtype);
    const yPred = tw.tensor(golden.yPred);
    const value = tw.metrics[golden.fn](yTrue, yPred);
    assertClose(value.dataSync(), golden.expected, golden.name);
    tw.dispose([yTrue, yPred, value]);
  });
}

test('crossentropy from logits has the gradient softmax(x) - y', () => {
  const logits = tw.tensor([[1, 2, 0.5], [-1, 0, 3]]);
  const labels = tw.tensor([[0, 1, 0], [1, 0, 0]]);
  const g = tw.grad((x) => tw.losses.categoricalCrossentropy(labels, x, { fromLogits: true }).sum())(logits);
  const e = logits.arraySync().map((row) => {
    const m = Math.max(...row);
    const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
    return row.map((v) => Math.exp(v - m) / s);
  });
  const expected = e.map((row, i) => row.map((p, j) => p - labels.arraySync()[i][j]));
  assertClose(g.dataSync(), expected, 'gradient');
});

test('binary crossentropy from logits: gradient sigmoid(x) - y, finite at huge logits', () => {
  const x = tw.tensor([[-80, 0, 80]]);
  const y = tw.tensor([[1, 1, 0]]);
  const g = tw.grad((v) => tw.losses.binaryCrossentropy(y, v, { fromLogits: true }).sum())(x);
  assertClose(g.dataSync(), [[-1 / 3, -0.5 / 3, 1 / 3]], 'gradient');
});

test("getMetric resolves 'accuracy' the way Keras does", () => {
  const { getMetric } = tw.metrics;
  assert.equal(getMetric('accuracy', 'binaryCrossentropy', 3), getMetric('binaryAccuracy', 'mse', 3));
  assert.equal(getMetric('acc', 'sparseCategoricalCrossentropy', 10), tw.metrics.sparseCategoricalAccuracy);
  assert.equal(getMetric('accuracy', 'categoricalCrossentropy', 10), tw.metrics.categoricalAccuracy);
  assert.equal(getMetric('accuracy', 'mse', 1), getMetric('binaryAccuracy', 'mse', 1));
  assert.throws(() => getMetric('nope', 'mse', 1), /unknown metric 'nope'/);
  assert.throws(() => tw.losses.getLoss('nope'), /unknown loss 'nope'/);
});
