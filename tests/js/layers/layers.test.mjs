// Every layer's output and gradients (with respect to its inputs and its
// weights) against the numpy references in tests/fixtures/train/layers.json,
// and the symbolic output shape against the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tw from '../../../js/dist/tensorweb.js';

const { cases } = JSON.parse(readFileSync(new URL('../../fixtures/train/layers.json', import.meta.url)));

function assertClose(actual, expected, what, rtol = 1e-3, atol = 1e-4) {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = 0;
  actual.forEach((v, i) => {
    const excess = Math.abs(v - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worst)) worst = Number.isNaN(excess) ? Infinity : excess;
    assert.ok(Math.abs(v - expected[i]) <= atol + rtol * Math.abs(expected[i]), `${what}[${i}]: ${v} vs ${expected[i]}`);
  });
}

for (const c of cases) {
  test(`${c.name}: output and gradients match numpy`, () => {
    const before = tw.memory().numTensors;
    const layer = tw.layers[c.factory](c.config);
    const inputs = c.inputs.map((i) => tw.tensor(i.values, i.shape, i.dtype));
    const asArg = (list) => (list.length > 1 ? list : list[0]);
    const callArgs = { training: c.training, ...c.call };
    tw.dispose(layer.apply(asArg(inputs), callArgs));
    assert.equal(layer.weights.length, c.weights.length, 'weight count');
    const weights = c.weights.map((w) => tw.tensor(w.values, w.shape));
    layer.setWeights(weights);
    const output = layer.apply(asArg(inputs), callArgs);
    assert.deepEqual(output.shape, c.output.shape, 'output shape');
    assertClose(output.dataSync(), c.output.values, 'output');

    // The symbolic shape agrees with the real one (batch left unknown).
    const symbolic = layer.computeOutputShape(c.inputs.length > 1 ? c.inputs.map((i) => [null, ...i.shape.slice(1)]) : [null, ...c.inputs[0].shape.slice(1)]);
    assert.deepEqual(symbolic, [null, ...c.output.shape.slice(1)], 'computeOutputShape');

    const r = tw.tensor(c.r, c.output.shape);
    const objective = (...xs) => tw.sum(tw.mul(layer.apply(asArg(xs), callArgs), r));
    const differentiable = c.inputs.map((i, k) => (i.dtype === 'int32' ? -1 : k)).filter((k) => k >= 0);
    if (differentiable.length > 0) {
      const grads = tw.grads((...xs) => objective(...inputs.map((t, k) => (differentiable.includes(k) ? xs[differentiable.indexOf(k)] : t))))(
        differentiable.map((k) => inputs[k]));
      differentiable.forEach((k, j) => assertClose(grads[j].dataSync(), c.inputGrads[k], `d/d input ${k}`));
      tw.dispose(grads);
    }
    const variables = layer.weights.map((w) => w.variable);
    const { value, grads } = tw.variableGrads(() => objective(...inputs), variables.filter((v) => v.trainable));
    layer.weights.forEach((w, k) => {
      if (w.variable.trainable) assertClose(grads[w.variable.name].dataSync(), c.weightGrads[k], `d/d ${w.name}`);
    });
    tw.dispose([value, Object.values(grads), output, inputs, weights, r]);
    layer.dispose();
    assert.equal(tw.memory().numTensors, before, 'tensors leaked');
  });
}
