// Tensor handles: creation from JS values, reading back, disposal, dtypes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

test('tensor infers shape and dtype from nested values', () => {
  const t = tw.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.dtype, 'float32');
  assert.equal(t.size, 6);
  assert.equal(t.rank, 2);
  assert.ok(t.dataSync() instanceof Float32Array);
  assert.deepEqual(t.arraySync(), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(tw.tensor([true, false]).dtype, 'bool');
  assert.equal(tw.tensor(new Int32Array([1, 2])).dtype, 'int32');
  assert.deepEqual(tw.tensor([1, 2, 3, 4], [2, 2], 'int32').arraySync(), [[1, 2], [3, 4]]);
  assert.deepEqual(tw.tensor(3.5, [2, 2]).arraySync(), [[3.5, 3.5], [3.5, 3.5]]);
});

test('tensor1d..tensor4d and scalar check their rank', () => {
  assert.deepEqual(tw.scalar(2).shape, []);
  assert.deepEqual(tw.tensor1d([1, 2]).shape, [2]);
  assert.deepEqual(tw.tensor2d([1, 2, 3, 4], [2, 2]).shape, [2, 2]);
  assert.deepEqual(tw.tensor3d([[[1]]]).shape, [1, 1, 1]);
  assert.deepEqual(tw.tensor4d([1, 2], [1, 1, 1, 2]).shape, [1, 1, 1, 2]);
  assert.throws(() => tw.tensor2d([1, 2]), /rank 1, expected 2/);
});

test('tensor rejects ragged values and wrong sizes', () => {
  assert.throws(() => tw.tensor([[1, 2], [3]]), /nested unevenly/);
  assert.throws(() => tw.tensor([1, 2, 3], [2, 2]), /needs 4 values, got 3/);
});

test('empty and rank-0 tensors read back', async () => {
  assert.deepEqual(tw.tensor([], [0, 3]).arraySync(), []);
  assert.deepEqual(tw.zeros([2, 0]).arraySync(), [[], []]);
  assert.equal(await tw.scalar(7).array(), 7);
  assert.deepEqual(Array.from(await tw.tensor([1, 2]).data()), [1, 2]);
});

test('float16 stores half precision and reads as float32', () => {
  const h = tw.tensor([0.1, 1000.3, 70000], [3], 'float16');
  assert.equal(h.dtype, 'float16');
  assert.ok(h.dataSync() instanceof Float32Array);
  assert.deepEqual(Array.from(h.dataSync()), [0.0999755859375, 1000.5, Infinity]);
  const y = tw.add(h, 1);
  assert.equal(y.dtype, 'float32');
  assert.ok(Math.abs(y.dataSync()[0] - 1.0999755859375) < 1e-7);
  assert.equal(tw.memory().backends.cpu !== undefined, true);
});

test('using a disposed tensor throws an error that says so', () => {
  const t = tw.tensor([1, 2]);
  t.dispose();
  assert.ok(t.isDisposed);
  assert.throws(() => t.dataSync(), /is disposed/);
  assert.throws(() => tw.add(t, 1), /tw\.add input a.*is disposed/);
  assert.throws(() => t.add(1), /is disposed/);
  t.dispose(); // twice is harmless
});

test('clone shares data but is its own handle', () => {
  const a = tw.tensor([1, 2, 3]);
  const before = tw.memory();
  const b = a.clone();
  assert.equal(tw.memory().numTensors, before.numTensors + 1);
  assert.equal(tw.memory().numBytes, before.numBytes, 'clone does not copy');
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  b.dispose();
  assert.equal(tw.memory().numBytes, before.numBytes - 12);
});

test('ops are tensor methods', () => {
  const x = tw.tensor([[1, -2], [3, -4]]);
  assert.deepEqual(x.abs().sum(1).arraySync(), [3, 7]);
  assert.deepEqual(x.add(1).mul(x).reshape([4]).arraySync(), [2, 2, 12, 12]);
  assert.deepEqual(x.greater(0).cast('int32').arraySync(), [[1, 0], [1, 0]]);
  assert.deepEqual(x.argMax(1).arraySync(), [0, 0]);
});

test('print and toString show the values', () => {
  assert.match(tw.tensor([1, 2]).toString(), /\[1,2\]/);
  assert.match(tw.tensor([1, 2]).toString(true), /shape: \[2\]/);
});

test('creation methods chain as in TF.js', () => {
  const x = tw.tensor([[1, 2]], undefined, 'int32');
  assert.deepEqual(x.zerosLike().arraySync(), [[0, 0]]);
  assert.equal(x.onesLike().dtype, 'int32');
  const v = x.variable(false, 'chained', 'float32');
  assert.ok(v instanceof tw.Variable);
  assert.equal(v.dtype, 'float32');
  assert.equal(v.trainable, false);
  v.dispose();
});

test('string tensors: inferred from strings, made from strings or their UTF-8 bytes, read back decoded', async () => {
  const t = tw.tensor([['a', 'bé'], ['', 'd']]);
  assert.equal(t.dtype, 'string');
  assert.deepEqual(t.shape, [2, 2]);
  assert.deepEqual(t.dataSync(), ['a', 'bé', '', 'd']);
  assert.deepEqual(await t.data(), ['a', 'bé', '', 'd']);
  assert.deepEqual(t.arraySync(), [['a', 'bé'], ['', 'd']]);
  assert.deepEqual((await t.bytes()).map((b) => [...b]), [[97], [98, 0xc3, 0xa9], [], [100]]);
  const encoder = new TextEncoder();
  const fromBytes = tw.tensor([encoder.encode('x'), encoder.encode('yz')], [2, 1], 'string');
  assert.deepEqual(fromBytes.dataSync(), ['x', 'yz']);
  assert.deepEqual(tw.scalar('s').arraySync(), 's');
  assert.deepEqual(tw.tensor('s', [3], 'string').dataSync(), ['s', 's', 's']);
  assert.equal(tw.getBackend(), 'cpu');
  assert.throws(() => tw.tensor(['a'], undefined, 'float32'), /string values make a 'string' tensor, not float32/);
  assert.throws(() => tw.tensor([1, 2], undefined, 'string'), /takes strings or their UTF-8 bytes, got number/);
  assert.throws(() => tw.tensor1d([['x']]), /rank 2, expected 1/);
  assert.throws(() => tw.buffer([2], 'string'), /string buffers are not supported/);
  tw.dispose([t, fromBytes]);
});

test('string tensors count their bytes in tw.memory() and free them on dispose', () => {
  const before = tw.memory();
  const t = tw.tensor(['ab', 'cde']);
  assert.equal(tw.memory().numBytes - before.numBytes, 5);
  assert.equal(tw.memory().numTensors - before.numTensors, 1);
  t.dispose();
  assert.equal(tw.memory().numBytes, before.numBytes);
});
