// TensorBuffer (tw.buffer, x.buffer(), x.bufferSync()) as TF.js defines it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

test('a buffer is set and read by coordinates, row-major, and becomes a tensor', () => {
  const b = tw.buffer([2, 3], 'int32');
  assert.deepEqual(b.strides, [3]);
  b.set(7, 1, 2);
  b.set(5, 0, 1);
  assert.equal(b.get(1, 2), 7);
  assert.equal(b.locToIndex([1, 2]), 5);
  assert.deepEqual(b.indexToLoc(5), [1, 2]);
  const t = b.toTensor();
  assert.equal(t.dtype, 'int32');
  assert.deepEqual(t.arraySync(), [[0, 5, 0], [0, 0, 7]]);
  b.set(9, 0, 0); // the tensor holds a copy
  assert.equal(t.dataSync()[0], 0);
  assert.throws(() => b.set(1, 0), /number of provided coordinates \(1\) must match the rank \(2\)/);
  assert.throws(() => b.get(2, 0), /Requested out of range element at 2,0/);
  assert.throws(() => tw.buffer([2, 2], 'float32', [1, 2, 3]), /Length of values '3' does not match the size inferred by the shape '4'/);
  t.dispose();
});

test('x.buffer() and x.bufferSync() copy the values; float16 and bool round-trip', async () => {
  const x = tw.tensor([[1, 2], [3, 4]]);
  const sync = x.bufferSync();
  const async_ = await x.buffer();
  assert.equal(sync.get(1, 0), 3);
  assert.deepEqual(Array.from(async_.values), [1, 2, 3, 4]);
  sync.set(10, 0, 0);
  assert.equal(x.dataSync()[0], 1);
  const half = tw.cast(tw.tensor([0.5, -2]), 'float16');
  const back = half.bufferSync().toTensor();
  assert.equal(back.dtype, 'float16');
  assert.deepEqual(Array.from(back.dataSync()), [0.5, -2]);
  const flags = tw.buffer([3], 'bool');
  flags.set(true, 1);
  assert.deepEqual(Array.from(flags.toTensor().dataSync()), [0, 1, 0]);
  tw.dispose([x, half, back]);
});
