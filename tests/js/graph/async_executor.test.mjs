// The executor's host-op path (js/src/graph/async_executor.ts) on the CPU
// backend: a graph whose shapes follow a host op runs with executeAsync,
// stretch by stretch, while predict and execute refuse it naming the node;
// and each one-node model of tests/py/converter/test_data_dependent.py,
// converted, against onnxruntime (make_host_op_models.py writes them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { assertClose, ioTensors, loadFixture, madeModels, readIO } from './helpers.mjs';

await tw.setBackend('cpu');

/** x [-1] float32 -> greater(x, 0) -> whereAsync -> reshape [-1] -> gather(x) -> relu: the positive values of x. */
function positives() {
  const node = (name, op, inputs, attrs = {}, outputs = [name]) => ({ name, op, inputs, outputs, attrs });
  const modelJSON = {
    format: 'tensorweb-graph', formatVersion: tw.io.FORMAT_VERSION, producer: 'test',
    topology: {
      inputs: [{ name: 'x', shape: [-1], dtype: 'float32' }],
      outputs: [{ name: 'y', shape: [-1], dtype: 'float32' }],
      nodes: [
        node('mask', 'greater', ['x', 'zero']),
        node('where', 'whereAsync', ['mask']),
        node('flat', 'reshape', ['where'], { shape: [-1] }),
        node('picked', 'gather', ['x', 'flat'], { axis: 0, batchDims: 0 }),
        node('y', 'relu', ['picked']),
      ],
    },
  };
  const weightSpecs = [{ name: 'zero', shape: [], dtype: 'float32' }];
  return tw.loadGraphModel(tw.io.fromMemory({ modelJSON, weightSpecs, weightData: new Float32Array([0]).buffer }));
}

test('executeAsync runs the stretches around a host op; nothing but the outputs stays allocated', async () => {
  const model = await positives();
  const x = tw.tensor([3, -1, 0, 2.5, -7, 4]);
  const before = tw.memory().numTensors;
  const y = await model.executeAsync(x);
  assert.deepEqual([...(await y.data())], [3, 2.5, 4]);
  assert.equal(tw.memory().numTensors, before + 1);
  const empty = await model.executeAsync(tw.tensor([-1, -2]));
  assert.deepEqual(empty.shape, [0]);
  tw.dispose([x, y, empty]);
  model.dispose();
});

test('predict and execute refuse a graph with a host op, naming the node and executeAsync', async () => {
  const model = await positives();
  const x = tw.tensor([1, -1]);
  assert.throws(() => model.predict(x), /graph node 'where' \(whereAsync\).*executeAsync/);
  assert.throws(() => model.execute(x, 'y'), /graph node 'where' \(whereAsync\).*executeAsync/);
  // the stretch before the host op still runs synchronously
  const mask = model.execute(x, 'mask');
  assert.deepEqual([...mask.dataSync()], [1, 0]);
  tw.dispose([x, mask]);
  model.dispose();
});

test('a host op run synchronously is refused, naming the async way', () => {
  const x = tw.tensor([true, false]);
  assert.throws(() => tw.engine().runOp('whereAsync', [x], {}), /whereAsync.*only asynchronously/);
  x.dispose();
});

// The one-node models of tests/py/converter/test_data_dependent.py, converted, against onnxruntime.
const { cases: CASES, load, io: readMadeIO } = madeModels(new URL('make_host_op_models.py', import.meta.url), 'tw-host-ops-');

test('there is a model per data-dependent case', () => assert.ok(CASES.length >= 12, CASES.join(', ')));

for (const name of CASES) {
  test(`${name}: the converted model runs with executeAsync and matches onnxruntime`, async () => {
    const model = await load(name);
    const io = readMadeIO(name);
    const inputs = Object.fromEntries(Object.entries(io.inputs).filter(([k]) => model.inputNodes.includes(k))
      .map(([k, v]) => [k, tw.tensor(v.values, v.shape, v.dtype)]));
    const names = Object.keys(io.outputs);
    const before = tw.memory().numTensors;
    const outputs = await model.executeAsync(inputs, names);
    const list = Array.isArray(outputs) ? outputs : [outputs];
    assert.equal(tw.memory().numTensors, before + list.length, 'only the outputs stay allocated');
    for (const [k, out] of list.entries()) {
      const expected = io.outputs[names[k]];
      assert.deepEqual(out.shape, expected.shape, `${name} ${names[k]}`);
      assertClose([...await out.data()], expected.values, { rtol: 1e-6, atol: 1e-6 }, `${name} ${names[k]}`);
    }
    tw.dispose([...Object.values(inputs), ...list]);
    model.dispose();
  });
}

test('the SSD-style detector exported from PyTorch with NMS in the graph matches onnxruntime', async () => {
  const model = await loadFixture('ssd_nms');
  const io = readIO('ssd_nms');
  const { image } = ioTensors(io.inputs);
  assert.throws(() => model.predict(image), /NonZero.*whereAsync.*executeAsync/);
  const outputs = await model.executeAsync(image);
  model.outputNodes.forEach((name, k) => {
    const expected = io.outputs[name];
    assert.deepEqual(outputs[k].shape, expected.shape, name);
    assertClose([...outputs[k].dataSync()], expected.values, io.tolerance, name);
  });
  tw.dispose([image, outputs]);
  model.dispose();
});
