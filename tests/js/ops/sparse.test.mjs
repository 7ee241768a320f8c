// ops/sparse.ts: sparseToDense's goldens (both kernels come from
// tensorScatterUpdate), and tw.sparse's CPU-built functions: results, dtypes,
// TF.js's messages for bad values, and that nothing leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';

goldenTests('sparse');

const arr = (t) => t.arraySync();
/** Runs fn(); after disposing its results, the tensor count is back where it was. */
const leakFree = (fn) => {
  const before = tw.memory().numTensors;
  tw.dispose(fn());
  assert.equal(tw.memory().numTensors, before, 'tensors leaked');
};

test('sparseToDense: repeated indices keep the last value; its checks are TF.js\'s', () => leakFree(() => {
  const dense = tw.sparseToDense([[0], [2], [0]], [1, 2, 3], [4], 9);
  assert.deepEqual(arr(dense), [3, 9, 2, 9]);
  const floatIndex = tw.tensor([1.5]);
  assert.throws(() => tw.sparseToDense(floatIndex, [1], [3]), /Argument 'sparseIndices' passed to 'sparseToDense' must be int32 tensor, but got float32 tensor/);
  assert.throws(() => tw.sparseToDense([[0, 1]], [1], [3]), /outputShape has incorrect number of elements:, 1, should be: 2/);
  assert.throws(() => tw.sparseToDense([0, 1], [1, 2, 3], [3]), /sparseValues has incorrect shape 3, should be \[\] or \[2\]/);
  const [floatValue, intDefault] = [tw.tensor([1]), tw.scalar(0, 'int32')];
  assert.throws(() => tw.sparseToDense([0], floatValue, [3], intDefault), /Argument 'defaultValue' passed to 'sparseToDense' must be float32 tensor, but got int32 tensor/);
  return [dense, floatIndex, floatValue, intDefault];
}));

test('sparse.sparseFillEmptyRows: rows sorted, empty rows filled, the reverse map', () => leakFree(() => {
  const values = tw.tensor([5, 6, 7], [3], 'int32');
  const r = tw.sparse.sparseFillEmptyRows([[1, 2], [0, 3], [1, 0]], values, [3, 4], 9);
  assert.deepEqual(arr(r.outputIndices), [[0, 3], [1, 2], [1, 0], [2, 0]]);
  assert.deepEqual(arr(r.outputValues), [6, 5, 7, 9]);
  assert.equal(r.outputValues.dtype, 'int32');
  assert.deepEqual(Array.from(r.emptyRowIndicator.dataSync()), [0, 0, 1]);
  assert.equal(r.emptyRowIndicator.dtype, 'bool');
  assert.deepEqual(arr(r.reverseIndexMap), [1, 0, 2]);
  assert.throws(() => tw.sparse.sparseFillEmptyRows([[3, 0]], [1], [3, 4], 0), /^Error: indices\(0, 0\) is invalid: 3 >= 3$/);
  assert.throws(() => tw.sparse.sparseFillEmptyRows([1, 2], [1], [3, 4], 0), /Indices should be Tensor2D/);
  return [values, ...Object.values(r)];
}));

test('sparse.sparseReshape: indices through the flat position; -1 inferred', () => leakFree(() => {
  const r = tw.sparse.sparseReshape([[0, 1], [1, 2]], [2, 3], [3, -1]);
  assert.deepEqual(arr(r.outputIndices), [[0, 1], [2, 1]]);
  assert.deepEqual(arr(r.outputShape), [3, 2]);
  assert.throws(() => tw.sparse.sparseReshape([[0, 1]], [2, 3], [4, 2]), /tensor with 6 dense values, but the requested shape has 8/);
  assert.throws(() => tw.sparse.sparseReshape([[0, 1]], [2, 3], [-1, -1]), /only one output dimension may be -1, not both 0 and 1/);
  return Object.values(r);
}));

test('sparse.sparseSegmentSum and sparseSegmentMean: holes are zeros, int32 means truncate', () => leakFree(() => {
  const data = tw.tensor([[1, 2], [3, 4], [5, 7]], [3, 2], 'int32');
  const sum = tw.sparse.sparseSegmentSum(data, [2, 0, 1], [0, 2, 2]);
  assert.deepEqual(arr(sum), [[5, 7], [0, 0], [4, 6]]);
  const mean = tw.sparse.sparseSegmentMean(data, [0, 2], [1, 1]);
  assert.deepEqual(arr(mean), [[0, 0], [3, 4]]);
  assert.equal(mean.dtype, 'int32');
  const column = tw.tensor([1, 2, 4]);
  const floats = tw.sparse.sparseSegmentMean(column, [0, 1, 2], [0, 0, 0]);
  assert.ok(Math.abs(arr(floats)[0] - 7 / 3) < 1e-6);
  assert.throws(() => tw.sparse.sparseSegmentSum(data, [0, 3], [0, 1]), /^Error: Bad: indices\[1\] == 3 out of range \[0, 3\)$/);
  assert.throws(() => tw.sparse.sparseSegmentSum(data, [0, 1], [1, 0]), /^Error: segment ids are not increasing$/);
  return [data, sum, mean, column, floats];
}));
