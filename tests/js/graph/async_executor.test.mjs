// The executor's host-op path (js/src/graph/async_executor.ts) on the CPU
// backend: a graph whose shapes follow a host op runs with executeAsync,
// stretch by stretch, while predict and execute refuse it naming the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

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
