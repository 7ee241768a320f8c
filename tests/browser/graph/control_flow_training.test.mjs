// Training through control flow on webgpu: for PyTorch models holding If, Loop and Scan
// (tests/fixtures/onnx/make_control_flow_training.py, converted by
// tests/js/graph/make_control_flow_training_models.py), tw.variableGradsAsync over executeAsync
// gives PyTorch autograd's gradients of sum(output * probe) with respect to every weight (the If's
// two branches, an If in a Loop, scan outputs), each condition and trip count read back from the
// GPU; fit lowers the loss of a model with an If and a Loop; nothing is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose, madeModels } from '../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();
const { artifacts, io } = madeModels(new URL('../../js/graph/make_control_flow_training_models.py', import.meta.url),
  'tw-cf-training-webgpu-');

test('webgpu: gradients through If branches, an If in a Loop and scan outputs match PyTorch autograd\'s', async (t) => {
  const cases = Object.fromEntries(['if_then', 'if_else', 'loop_if', 'loop_scan'].map((n) => [n, { ...artifacts(n), io: io(n) }]));
  const report = await shared.page.run(async (tw, { cases }) => {
    const tensors = (entries) => Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
    const before = tw.memory().numTensors;
    const results = {};
    for (const [name, { modelJSON, weightSpecs, bytes, io }] of Object.entries(cases)) {
      const model = await tw.loadGraphModel(tw.io.fromMemory({ modelJSON, weightSpecs, weightData: new Uint8Array(bytes).buffer }));
      const feeds = tensors(io.inputs);
      const probes = tensors(io.probes);
      const names = Object.keys(io.probes);
      const { value, grads } = await tw.variableGradsAsync(async () => {
        const outputs = [await model.executeAsync(feeds, names)].flat();
        const loss = tw.tidy(() => outputs.map((y, k) => tw.sum(tw.mul(y, probes[names[k]]))).reduce((a, b) => tw.add(a, b)));
        tw.dispose(outputs);
        return loss;
      }, model.trainableWeights);
      results[name] = {};
      for (const weight of model.weightNamesOf(model.trainableWeights)) {
        const g = grads[model.getWeight(weight).name];
        results[name][weight] = g ? { shape: g.shape, values: Array.from(await g.data()) } : null;
      }
      tw.dispose([value, Object.values(grads), Object.values(feeds), Object.values(probes)]);
      model.dispose();
    }
    return { backend: tw.getBackend(), results, leftTensors: tw.memory().numTensors - before };
  }, { cases });
  assert.equal(report.backend, 'webgpu');
  const lines = [];
  for (const [name, byWeight] of Object.entries(report.results)) {
    const expected = cases[name].io.grads;
    for (const [weight, got] of Object.entries(byWeight)) {
      if (!expected[weight]) {
        assert.equal(got, null, `${name}: PyTorch gives '${weight}' no gradient`);
        continue;
      }
      assert.deepEqual(got.shape, expected[weight].shape, `${name} ${weight}`);
      assertClose(got.values, expected[weight].values, { rtol: 1e-4, atol: 1e-5 }, `${name} ${weight}`);
      lines.push(`${name} ${weight}: ${Math.max(...got.values.map((v, i) => Math.abs(v - expected[weight].values[i]))).toExponential(1)}`);
    }
    assert.equal(Object.values(byWeight).filter(Boolean).length, Object.keys(expected).length, name);
  }
  t.diagnostic(`max |tensorweb - PyTorch|: ${lines.join('; ')}`);
  assert.equal(report.leftTensors, 0);
});

test('webgpu: fit lowers the loss of a model with an If on its input and a Loop with a computed trip count', async (t) => {
  const report = await shared.page.run(async (tw, { modelJSON, weightSpecs, bytes }) => {
    const model = await tw.loadGraphModel(tw.io.fromMemory({ modelJSON, weightSpecs, weightData: new Uint8Array(bytes).buffer }));
    // batches of 2 rows: the If takes each branch, the loop runs 4, 2, 1 and 5 times
    const x = tw.tensor([[0.9, -0.4, 0.6], [0.3, 0.8, -0.5], [-0.9, 0.4, -0.6], [-0.3, 0.8, -0.5],
      [0.2, -0.1, -0.6], [-0.3, -0.7, -0.5], [0.5, 0.4, 0.6], [0.3, 0.8, -0.5]]);
    const y = tw.tensor([[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2], [0.3, 0.3], [0.0, -0.5], [0.2, 0.1], [-0.3, 0.4], [0.1, -0.1]]);
    const optimizer = tw.train.adam(0.05);
    const before = tw.memory().numTensors;
    const history = await model.fit(x, y, { loss: 'meanSquaredError', optimizer, epochs: 10, batchSize: 2, shuffle: false });
    const grown = tw.memory().numTensors - before; // the optimizer's slots
    tw.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
    return { losses: history.history.loss, grown };
  }, artifacts('if_loop'));
  const { losses, grown } = report;
  t.diagnostic(`loss by epoch: ${losses.map((l) => l.toFixed(4)).join(', ')}`);
  assert.ok(losses.at(-1) < losses[0] * 0.6, `loss ${losses}`);
  assert.equal(grown, 2 * 5, 'two adam moments for each of the five weights, nothing else');
});
