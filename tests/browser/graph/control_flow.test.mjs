// Control flow on webgpu: a runtime If, a Loop whose body holds an If reading
// values two scopes out, and a Scan run as a loop (the models of
// tests/py/converter/control_flow_models.py, converted by
// tests/js/graph/make_control_flow_models.py) match onnxruntime through
// executeAsync, each condition and trip count read back from the GPU, and
// leave no tensor behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose, madeModels } from '../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();
const { artifacts, io } = madeModels(new URL('../../js/graph/make_control_flow_models.py', import.meta.url), 'tw-control-flow-webgpu-');

test('webgpu: If, a Loop holding an If, and a Scan loop match onnxruntime through executeAsync', async (t) => {
  const cases = Object.fromEntries(['if_runtime_then', 'if_runtime_else', 'loop_with_if', 'scan_loop'].map((n) => [n, { ...artifacts(n), io: io(n) }]));
  const report = await shared.page.run(async (tw, { cases }) => {
    const before = tw.memory().numTensors;
    const results = {};
    for (const [name, { modelJSON, weightSpecs, bytes, io }] of Object.entries(cases)) {
      const model = await tw.loadGraphModel(tw.io.fromMemory({ modelJSON, weightSpecs, weightData: new Uint8Array(bytes).buffer }));
      const feeds = Object.fromEntries(Object.entries(io.inputs).map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
      const names = Object.keys(io.outputs);
      const outputs = [await model.executeAsync(feeds, names)].flat();
      results[name] = await Promise.all(outputs.map(async (y) => ({ shape: y.shape, values: Array.from(await y.data()) })));
      tw.dispose([...Object.values(feeds), ...outputs]);
      model.dispose();
    }
    return { backend: tw.getBackend(), results, leftTensors: tw.memory().numTensors - before };
  }, { cases });
  assert.equal(report.backend, 'webgpu');
  const lines = [];
  for (const [name, outputs] of Object.entries(report.results)) {
    const expected = Object.values(cases[name].io.outputs);
    outputs.forEach((y, k) => {
      assert.deepEqual(y.shape, expected[k].shape, name);
      assertClose(y.values, expected[k].values, { rtol: 1e-5, atol: 1e-5 }, name);
      lines.push(`${name}[${k}]: max |diff| ${Math.max(...y.values.map((v, i) => Math.abs(v - expected[k].values[i]))).toExponential(2)}`);
    });
  }
  t.diagnostic(lines.join('; '));
  assert.equal(report.leftTensors, 0);
});
