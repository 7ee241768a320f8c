// Data-dependent shapes on webgpu: the SSD-style detector with its NMS in the
// graph (tests/fixtures/graph/ssd_nms) runs with executeAsync, its GPU
// stretches between the host ops (NonZero, NMS) reading back only what those
// need, and matches onnxruntime's boxes, scores and labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedWebGpuPage } from '../helper.mjs';
import { assertClose, readIO } from '../../js/graph/helpers.mjs';

const shared = sharedWebGpuPage();

test('webgpu: ssd_nms runs with executeAsync and matches onnxruntime; predict names the node to run asynchronously', async (t) => {
  const io = readIO('ssd_nms');
  const report = await shared.page.run(async (tw, { input }) => {
    const before = tw.memory().numTensors;
    const model = await tw.loadGraphModel('/tests/fixtures/graph/ssd_nms/model.json');
    const image = tw.tensor(input.values, input.shape, input.dtype);
    let refused = '';
    try {
      model.predict(image);
    } catch (error) {
      refused = error.message;
    }
    const outputs = await model.executeAsync(image);
    const results = await Promise.all(outputs.map(async (o) => ({ shape: o.shape, values: Array.from(await o.data()) })));
    tw.dispose([image, outputs]);
    model.dispose();
    return { backend: tw.getBackend(), refused, names: model.outputNodes, results, leftTensors: tw.memory().numTensors - before };
  }, { input: io.inputs.image });
  assert.equal(report.backend, 'webgpu');
  assert.match(report.refused, /whereAsync.*executeAsync/);
  const lines = [];
  report.names.forEach((name, k) => {
    const expected = io.outputs[name];
    assert.deepEqual(report.results[k].shape, expected.shape, name);
    assertClose(report.results[k].values, expected.values, io.tolerance, name);
    lines.push(`${name}: max |diff| ${Math.max(...report.results[k].values.map((v, i) => Math.abs(v - expected.values[i]))).toExponential(2)}`);
  });
  t.diagnostic(lines.join('; '));
  assert.equal(report.leftTensors, 0);
});
