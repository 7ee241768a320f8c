// Training through control flow on the CPU backend (js/src/graph/control_flow.ts run under
// tw.variableGradsAsync): for PyTorch models holding If, Loop and Scan
// (tests/fixtures/onnx/make_control_flow_training.py), converted with their control flow kept, the
// gradients of sum(output * probe) with respect to every weight match PyTorch autograd's, through
// the branch taken and every iteration (an If in a Loop, scan outputs, a Scan run as a loop), and the
// weights PyTorch gives none get none; fit lowers the loss of a model with an If and a Loop; a
// weight that reaches the loss only through a condition or a trip count is named, as the warning
// or error says why it gets no gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { assertClose, madeModels } from './helpers.mjs';

await tw.setBackend('cpu');

const { cases: CASES, load, io } = madeModels(new URL('make_control_flow_training_models.py', import.meta.url), 'tw-cf-training-');
const tensors = (entries) => Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
const GRADIENT_CASES = ['if_then', 'if_else', 'loop_if', 'if_loop', 'loop_scan', 'scan'];

/** The loss PyTorch's gradients are of: sum(output * probe) over the outputs, from executeAsync. */
function lossOf(model, feeds, probes) {
  return async () => {
    const names = Object.keys(probes);
    const outputs = [await model.executeAsync(feeds, names)].flat();
    const loss = tw.tidy(() => outputs.map((y, k) => tw.sum(tw.mul(y, probes[names[k]]))).reduce((a, b) => tw.add(a, b)));
    tw.dispose(outputs);
    return loss;
  };
}

/** Runs `body` with console.warn collected; returns the warnings. */
async function warningsOf(body) {
  const warnings = [];
  const warn = console.warn;
  console.warn = (message) => warnings.push(message);
  try {
    await body();
  } finally {
    console.warn = warn;
  }
  return warnings;
}

test('the PyTorch models keep their If and Loop nodes, which predict refuses', async () => {
  assert.deepEqual([...CASES].sort(), [...GRADIENT_CASES, 'condition_only', 'trip_count_only'].sort());
  assert.deepEqual(io('loop_if').controlFlow, ['if', 'loop']);
  assert.deepEqual(io('if_loop').controlFlow, ['if', 'loop']);
  for (const name of CASES) assert.ok(io(name).controlFlow.length > 0, name);
  const model = await load('if_then');
  const x = tensors(io('if_then').inputs);
  assert.throws(() => model.predict(x), /it runs subgraphs .* only with executeAsync/);
  tw.dispose(Object.values(x));
  model.dispose();
});

for (const name of GRADIENT_CASES) {
  test(`${name}: gradients through control flow match PyTorch autograd's`, async (t) => {
    const model = await load(name);
    const run = io(name);
    const feeds = tensors(run.inputs);
    const probes = tensors(run.probes);
    const before = tw.memory().numTensors;
    const { value, grads } = await tw.variableGradsAsync(lossOf(model, feeds, probes), model.trainableWeights);
    const lines = [];
    for (const weight of model.weightNamesOf(model.trainableWeights)) {
      const got = grads[model.getWeight(weight).name];
      const want = run.grads[weight];
      if (!want) {
        assert.equal(got, undefined, `${name}: PyTorch gives '${weight}' no gradient`);
        continue;
      }
      assert.ok(got, `${name}: no gradient for '${weight}'`);
      assert.deepEqual(got.shape, want.shape, `${name} ${weight}`);
      const values = got.dataSync();
      assertClose(values, want.values, { rtol: 1e-4, atol: 1e-5 }, `${name} ${weight}`);
      lines.push(`${weight} ${Math.max(...want.values.map((v, i) => Math.abs(v - values[i]))).toExponential(1)}`);
    }
    assert.deepEqual(Object.keys(grads).length, Object.keys(run.grads).length, `${name}: ${Object.keys(grads)}`);
    t.diagnostic(`max |tensorweb - PyTorch|: ${lines.join(', ')}`);
    tw.dispose([value, Object.values(grads)]);
    assert.equal(tw.memory().numTensors, before, 'the tape and the run leave nothing behind');
    tw.dispose([Object.values(feeds), Object.values(probes)]);
    model.dispose();
  });
}

test('fit trains a model with an If on its input and a Loop with a computed trip count', async (t) => {
  const model = await load('if_loop');
  // batches of 2 rows: the If takes each branch, the loop runs 4, 2, 1 and 5 times
  const x = tw.tensor([[0.9, -0.4, 0.6], [0.3, 0.8, -0.5], [-0.9, 0.4, -0.6], [-0.3, 0.8, -0.5],
    [0.2, -0.1, -0.6], [-0.3, -0.7, -0.5], [0.5, 0.4, 0.6], [0.3, 0.8, -0.5]]);
  const y = tw.tensor([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2], [0.3, 0.3], [0.0, -0.5], [0.2, 0.1], [-0.3, 0.4], [0.1, -0.1]]);
  const optimizer = tw.train.adam(0.05);
  const counts = [];
  const history = await model.fit(x, y, {
    loss: 'meanSquaredError', optimizer, epochs: 30, batchSize: 2, shuffle: false,
    callbacks: { onBatchEnd: () => counts.push(tw.memory().numTensors) },
  });
  const losses = history.history.loss;
  t.diagnostic(`loss ${losses[0].toFixed(4)} -> ${losses.at(-1).toFixed(4)} in ${losses.length} epochs`);
  assert.ok(losses.at(-1) < losses[0] * 0.3, `loss ${losses[0]} -> ${losses.at(-1)}`);
  // the optimizer's slots appear in the first step; after that nothing accumulates
  counts.slice(1).forEach((c, i) => assert.equal(c, counts[1], `step ${i + 1}`));
  tw.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
});

test('a weight reaching the loss only through a condition or a trip count gets no gradient, named', async () => {
  for (const [name, weight, what] of [['condition_only', 'gate', /the condition of if node '[^']+'/],
    ['trip_count_only', 'k', /the trip count of loop node '[^']+'/]]) {
    const model = await load(name);
    const run = io(name);
    const feeds = tensors(run.inputs);
    const probes = tensors(run.probes);
    const f = lossOf(model, feeds, probes);
    const blocked = model.getWeight(weight);
    await assert.rejects(tw.variableGradsAsync(f, [blocked]), (error) => {
      assert.match(error.message, new RegExp(`no variable gets a gradient: '${blocked.name}' \\(only through ${what.source}\\); ` +
        'no gradient flows through a condition or a trip count \\(as in TensorFlow and PyTorch\\)'));
      return true;
    });
    // with the other weight, which PyTorch differentiates, it is left out with one warning
    let result;
    const warnings = await warningsOf(async () => {
      result = await tw.variableGradsAsync(f, model.trainableWeights);
      tw.dispose([result.value, Object.values((await tw.variableGradsAsync(f, model.trainableWeights)).grads)]);
    });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], new RegExp(`no gradient for '${blocked.name}' \\(only through ${what.source}\\)`));
    assert.deepEqual(Object.keys(result.grads), [model.getWeight('w').name]);
    assertClose(result.grads[model.getWeight('w').name].dataSync(), run.grads.w.values, { rtol: 1e-4, atol: 1e-5 }, name);
    tw.dispose([result.value, Object.values(result.grads), Object.values(feeds), Object.values(probes)]);
    model.dispose();
  }
});

test('a predict on the same weights while the tape is open leaves the gradient as it is', async () => {
  const model = await load('loop_if');
  const run = io('loop_if');
  const feeds = tensors(run.inputs);
  const probes = tensors(run.probes);
  const alone = await tw.variableGradsAsync(lossOf(model, feeds, probes), model.trainableWeights);
  const otherX = tw.neg(feeds.x);
  const before = tw.memory().numTensors;
  const [beside, other] = await Promise.all([tw.variableGradsAsync(lossOf(model, feeds, probes), model.trainableWeights),
    model.executeAsync({ x: otherX, n: feeds.n })]);
  for (const [key, g] of Object.entries(alone.grads)) assert.deepEqual(beside.grads[key].dataSync(), g.dataSync(), key);
  tw.dispose([beside.value, Object.values(beside.grads), other]);
  assert.equal(tw.memory().numTensors, before, 'the ops recorded beside are released with the tape');
  tw.dispose([otherX, alone.value, Object.values(alone.grads), Object.values(feeds), Object.values(probes)]);
  model.dispose();
});
