// ops/ragged.ts: raggedGather, raggedRange and raggedTensorToTensor, built on
// the CPU from their inputs' values: results, dtypes, TF.js's messages for
// bad values, and that nothing leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const arr = (t) => t.arraySync();
const leakFree = (fn) => {
  const before = tw.memory().numTensors;
  tw.dispose(fn());
  assert.equal(tw.memory().numTensors, before, 'tensors leaked');
};

test('raggedGather: rows of a 2-level ragged tensor, picked by 2-D indices', () => leakFree(() => {
  // [[[1], [2, 3]], [], [[4, 5, 6]]] as splits [0, 2, 2, 3], [0, 1, 3, 6]
  const values = tw.tensor([1, 2, 3, 4, 5, 6], [6], 'int32');
  const r = tw.raggedGather([[0, 2, 2, 3], [0, 1, 3, 6]], values, [[2, 0]], 3);
  assert.deepEqual(r.outputNestedSplits.map(arr), [[0, 2], [0, 1, 3], [0, 3, 4, 6]]);
  assert.deepEqual(arr(r.outputDenseValues), [4, 5, 6, 1, 2, 3]);
  assert.equal(r.outputDenseValues.dtype, 'int32');
  assert.throws(() => tw.raggedGather([[0, 2, 2, 3]], values, [3], 1), /^Error: indices\[0\] = 3 is not in \[0, 3\)$/);
  assert.throws(() => tw.raggedGather([[0, 2, 2, 3]], values, [0], 2), /outputRaggedRank 2 must be .* = 1/);
  return [values, ...r.outputNestedSplits, r.outputDenseValues];
}));

test('raggedRange: broadcast scalars, float steps, empty rows', () => leakFree(() => {
  const [starts, deltas] = [tw.tensor([0, 1, 5]), tw.tensor([1.5, 1, 1])];
  const r = tw.raggedRange(starts, 3, deltas);
  assert.deepEqual(arr(r.rtNestedSplits), [0, 2, 4, 4]);
  assert.deepEqual(arr(r.rtDenseValues), [0, 1.5, 1, 2]);
  assert.equal(r.rtDenseValues.dtype, 'float32');
  assert.throws(() => tw.raggedRange([0, 1], [2, 3, 4], 1), /^Error: starts, limits, and deltas must have the same shape$/);
  return [starts, deltas, ...Object.values(r)];
}));

test('raggedTensorToTensor: natural shape, padding with a broadcast default, cutting', () => leakFree(() => {
  const values = tw.tensor([[1, 2], [3, 4], [5, 6]]);
  const natural = tw.raggedTensorToTensor(-1, values, [0, -1], [[0, 2, 2, 3]], ['ROW_SPLITS']);
  assert.deepEqual(natural.shape, [3, 2, 2]);
  assert.deepEqual(arr(natural), [[[1, 2], [3, 4]], [[0, -1], [0, -1]], [[5, 6], [0, -1]]]);
  const cut = tw.raggedTensorToTensor([2, 1, -1], values, 0, [3, [0, 0, 2]], ['FIRST_DIM_SIZE', 'VALUE_ROWIDS']);
  assert.deepEqual(arr(cut), [[[1, 2]], [[0, 0]]]);
  assert.throws(() => tw.raggedTensorToTensor([3, 3], values, 0, [[0, 2, 2, 3]], ['ROW_SPLITS']), /are incompatible: rt input.rank = 3, but shape.rank = 2/);
  assert.throws(() => tw.raggedTensorToTensor(-1, values, 0, [[0, 3]], ['ROW_LENGTHS']), /Unsupported partition type: ROW_LENGTHS/);
  return [values, natural, cut];
}));
