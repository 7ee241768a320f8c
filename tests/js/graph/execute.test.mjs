// The executor on the CPU backend: result forms, intermediates by node name,
// free dimensions, and intermediates released at their last use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { assertClose, ioTensors, loadFixture, readFixtureFile, readIO } from './helpers.mjs';

await tw.setBackend('cpu');

test('inputs and outputs describe the signature; predict returns a tensor, an array or a map', async () => {
  const bert = await loadFixture('bert');
  assert.deepEqual(bert.inputs, [
    { name: 'input_ids', shape: [-1, 8], dtype: 'int32' }, { name: 'attention_mask', shape: [-1, 8], dtype: 'int32' }]);
  assert.deepEqual(bert.outputs.map((o) => [o.shape, o.dtype]), [[[-1, 8, 32], 'float32'], [[-1, 32], 'float32']]);
  const io = readIO('bert');
  const x = ioTensors(io.inputs);
  const asMap = bert.predict(x);
  const asArray = bert.predict([x.input_ids, x.attention_mask]);
  assert.deepEqual(Object.keys(asMap), bert.outputNodes);
  assert.ok(Array.isArray(asArray) && asArray.length === 2);
  bert.outputNodes.forEach((name, k) => assert.deepEqual(asArray[k].dataSync(), asMap[name].dataSync()));
  const resnet = await loadFixture('resnet');
  const image = tw.zeros([1, 3, 32, 32]);
  const single = resnet.predict(image);
  assert.ok(single instanceof tw.Tensor);
  assert.deepEqual(single.shape, [1, 10]);
  tw.dispose([x, asMap, asArray, image, single]);
  bert.dispose();
  resnet.dispose();
});

test('execute returns intermediates by node name, value name or node:k', async () => {
  const model = await loadFixture('resnet');
  const nodes = JSON.parse(readFixtureFile('resnet/model.json')).topology.nodes;
  const softmax = nodes.find((n) => n.op === 'softmax');
  const logitsNode = nodes.find((n) => n.outputs.includes(softmax.inputs[0]));
  const io = readIO('resnet');
  const { image } = ioTensors(io.inputs);
  const [logits, probabilities] = model.execute({ image }, [logitsNode.name, softmax.name]);
  assert.deepEqual(logits.shape, [2, 10]);
  const expected = tw.softmax(logits);
  assertClose(probabilities.dataSync(), Array.from(expected.dataSync()), { rtol: 1e-6, atol: 1e-7 }, 'softmax of logits');
  const byValue = model.execute({ image }, softmax.outputs[0]);
  const byIndex = model.execute({ image }, `${softmax.name}:0`);
  assert.deepEqual(byValue.dataSync(), probabilities.dataSync());
  assert.deepEqual(byIndex.dataSync(), probabilities.dataSync());
  // A graph input or a weight asked for by name comes back as a tensor of the caller's own.
  const weightName = logitsNode.inputs[1];
  const weight = model.execute({ image }, weightName);
  weight.dispose();
  assert.ok(!model.getWeight(weightName).isDisposed);
  tw.dispose([image, logits, probabilities, expected, byValue, byIndex]);
  model.dispose();
});

test('free dimensions take any size, each giving what the full batch gives', async () => {
  const model = await loadFixture('squeezenet');
  const io = readIO('squeezenet');
  const { image } = ioTensors(io.inputs);
  const all = model.predict(image);
  for (const batch of [1, 2, 3]) {
    const part = tw.slice(image, [0, 0, 0, 0], [batch, -1, -1, -1]);
    const out = model.predict(part);
    assert.deepEqual(out.shape, [batch, 10]);
    const head = tw.slice(all, [0, 0], [batch, -1]);
    assertClose(out.dataSync(), Array.from(head.dataSync()), { rtol: 1e-5, atol: 1e-6 }, `batch ${batch}`);
    tw.dispose([part, out, head]);
  }
  tw.dispose([image, all]);
  model.dispose();
});

test('intermediates are released at their last use: the peak stays below the sum of all values', async () => {
  const model = await loadFixture('mobilenet');
  const nodes = JSON.parse(readFixtureFile('mobilenet/model.json')).topology.nodes;
  const image = tw.randomNormal([1, 3, 32, 32]);
  const everything = model.execute({ image }, nodes.map((n) => n.outputs[0]));
  const allBytes = everything.reduce((sum, t) => sum + t.size * 4, 0);
  tw.dispose(everything);
  const before = tw.memory().numBytes;
  const { peakBytes, newTensors, result } = await tw.profile(() => model.predict(image));
  assert.equal(newTensors, 1);
  assert.ok(peakBytes - before < allBytes / 2, `peak ${peakBytes - before} bytes of ${allBytes}`);
  tw.dispose([image, result]);
  model.dispose();
});

test('a second copy of a model gets its own variables', async () => {
  const a = await loadFixture('resnet');
  const b = await loadFixture('resnet');
  const names = new Set(a.weights.map((w) => w.name));
  assert.ok(b.weights.every((w) => !names.has(w.name)));
  a.dispose();
  const x = tw.zeros([1, 3, 32, 32]);
  const y = b.predict(x);
  assert.deepEqual(y.shape, [1, 10]);
  tw.dispose([x, y]);
  b.dispose();
});

/** A hand-written graph: x [-1, 4] -> split in three along axis 1 -> (part0 * w) + part2; part1 is never read. */
function splitGraph() {
  const w = Float32Array.of(2, 3);
  return {
    modelJSON: {
      format: 'tensorweb-graph', formatVersion: 1, trainable: ['w'],
      topology: {
        inputs: [{ name: 'x', shape: [-1, 4], dtype: 'float32' }],
        outputs: [{ name: 'sum', shape: [-1, 2], dtype: 'float32' }],
        nodes: [
          { name: 'parts', op: 'split', inputs: ['x'], outputs: ['part0', 'part1', 'part2'], attrs: { numOrSizeSplits: [2, 1, 1], axis: 1 } },
          { name: 'scaled', op: 'mul', inputs: ['part0', 'w'], outputs: ['scaled'], attrs: {} },
          { name: 'sum', op: 'add', inputs: ['scaled', 'part2'], outputs: ['sum'], attrs: {} },
        ],
      },
    },
    weightSpecs: [{ name: 'w', shape: [2], dtype: 'float32' }],
    weightData: w.buffer,
  };
}

test('multi-output nodes: node:k picks an output, and an output nothing reads is released at once', async () => {
  const model = await tw.loadGraphModel(tw.io.fromMemory(splitGraph()));
  const x = tw.tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
  const [second, third] = model.execute(x, ['parts:1', 'parts:2']);
  assert.deepEqual(second.arraySync(), [[3], [7]]);
  assert.deepEqual(third.arraySync(), [[4], [8]]);
  const sum = model.predict(x);
  assert.deepEqual(sum.arraySync(), [[1 * 2 + 4, 2 * 3 + 4], [5 * 2 + 8, 6 * 3 + 8]]);
  const before = tw.memory().numTensors;
  const { newTensors, result } = await tw.profile(() => model.predict(x));
  assert.equal(newTensors, 1);
  assert.equal(tw.memory().numTensors, before + 1);
  assert.throws(() => model.execute(x, 'parts:3'), /no node or value named 'parts:3'/);
  tw.dispose([x, second, third, sum, result]);
  model.dispose();
});
