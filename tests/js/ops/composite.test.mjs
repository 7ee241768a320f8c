// ops/composite.ts: TF.js APIs as plain functions over ops, and the
// data-dependent *Async functions. TF.js's own specs for them run in the
// conformance tier; these pin the semantics and that nothing leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const arr = (t) => t.arraySync();
/** Runs fn(own), where own(t) marks a tensor the test made; after disposing those and fn's results, nothing is left. */
const leakFree = async (fn) => {
  const before = tw.memory().numTensors;
  const made = [];
  const out = await fn((t) => (made.push(t), t));
  tw.dispose([out, made]);
  assert.equal(tw.memory().numTensors, before, 'tensors leaked');
};

test('meshgrid: xy and ij indexing', () => leakFree((own) => {
  const [X, Y] = tw.meshgrid([1, 2, 3], [4, 5]);
  assert.deepEqual(arr(X), [[1, 2, 3], [1, 2, 3]]);
  assert.deepEqual(arr(Y), [[4, 4, 4], [5, 5, 5]]);
  const [I, J] = tw.meshgrid([1, 2, 3], [4, 5], { indexing: 'ij' });
  assert.deepEqual(arr(I), [[1, 1], [2, 2], [3, 3]]);
  assert.deepEqual(arr(J), [[4, 5], [4, 5], [4, 5]]);
  assert.throws(() => tw.meshgrid([1], [2], { indexing: 'xx' }), /xx is not a valid third argument to meshgrid/);
  return [X, Y, I, J];
}));

test('movingAverage, with and without zero debiasing', () => leakFree((own) => {
  const plain = tw.movingAverage([1, 2], [3, 6], 0.75, null, false);
  assert.deepEqual(Array.from(plain.dataSync()), [1.5, 3]);
  // (x - v)(1 - decay) / (1 - decay^step) at step 1 is the whole step
  const debiased = tw.movingAverage([1, 2], [3, 6], 0.75, 1);
  assert.deepEqual(Array.from(debiased.dataSync()), [3, 6]);
  assert.throws(() => tw.movingAverage([1], [2], 0.5), /When using zeroDebias: true, step is required/);
  return [plain, debiased];
}));

test('ensureShape returns x when the shape fits, null matching any size', () => {
  const x = tw.zeros([2, 3]);
  assert.equal(tw.ensureShape(x, [null, 3]), x);
  assert.throws(() => tw.ensureShape(x, [3, 2]), /EnsureShape: Shape of tensor 2,3 is not compatible with expected shape 3,2/);
  x.dispose();
});

test('unsortedSegmentSum sums slices by id, drops ids out of range, and its gradient gathers dy', () => leakFree((own) => {
  const x = tw.tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
  const ids = tw.tensor([2, 0, 2, -1], [4], 'int32');
  const out = tw.unsortedSegmentSum(x, ids, 3);
  assert.deepEqual(arr(out), [[3, 4], [0, 0], [6, 8]]);
  const ints = own(x.toInt()).unsortedSegmentSum([1, 1, 0, 0], 2);
  assert.equal(ints.dtype, 'int32');
  assert.deepEqual(arr(ints), [[12, 14], [4, 6]]);
  const dx = tw.grad((v) => tw.unsortedSegmentSum(v, ids, 3).mul([[1], [10], [100]]).sum())(x);
  assert.deepEqual(arr(dx), [[100, 100], [1, 1], [100, 100], [0, 0]]);
  assert.throws(() => tw.unsortedSegmentSum(x, ids, 2.5), /numSegments must be of dtype int/);
  return [x, ids, out, ints, dx];
}));

test('bincount and denseBincount count (or sum weights) per value, in the weights dtype', () => leakFree((own) => {
  const x = tw.tensor([1, 1, 3, 7], [4], 'int32');
  const counts = tw.bincount(x, [], 5);
  assert.deepEqual(Array.from(counts.dataSync()), [0, 2, 0, 1, 0]);
  const summed = tw.bincount(x, [0.5, 1, 2, 4], 4);
  assert.deepEqual(Array.from(summed.dataSync()), [0, 1.5, 0, 2]);
  const rows = tw.denseBincount(own(tw.tensor([[0, 0, 2], [1, 1, 1]], [2, 3], 'int32')), own(tw.tensor([], [0], 'int32')), 3, true);
  assert.equal(rows.dtype, 'int32');
  assert.deepEqual(arr(rows), [[1, 0, 1], [0, 1, 0]]);
  assert.throws(() => tw.bincount(own(tw.tensor([1.5])), [], 2), /input dtype must be int32/);
  return [x, counts, summed, rows];
}));

test('math.confusionMatrix counts (label, prediction) pairs', () => leakFree((own) => {
  const m = tw.math.confusionMatrix(own(tw.tensor([0, 1, 2, 1], [4], 'int32')), own(tw.tensor([0, 2, 2, 1], [4], 'int32')), 3);
  assert.equal(m.dtype, 'int32');
  assert.deepEqual(arr(m), [[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
  assert.throws(() => tw.math.confusionMatrix([0, 1], [0], 2), /Mismatch in the number of examples: 2 vs. 1/);
  return [m];
}));

test('whereAsync gives the coordinates of the true elements', () => leakFree(async (own) => {
  const coords = await tw.whereAsync([[true, false], [false, true], [true, true]]);
  assert.equal(coords.dtype, 'int32');
  assert.deepEqual(arr(coords), [[0, 0], [1, 1], [2, 0], [2, 1]]);
  const none = await tw.whereAsync([false, false]);
  assert.deepEqual(none.shape, [0, 1]);
  await assert.rejects(tw.whereAsync(own(tw.zeros([2]))), /Argument 'condition' passed to 'whereAsync' must be bool tensor, but got float32 tensor/);
  return [coords, none];
}));

test('setdiff1dAsync keeps what y lacks, in x order, with indices', () => leakFree(async (own) => {
  const [values, indices] = await tw.setdiff1dAsync(own(tw.tensor([4, 1, 4, 9, 2], [5], 'int32')), own(tw.tensor([4, 2], [2], 'int32')));
  assert.deepEqual(Array.from(values.dataSync()), [1, 9]);
  assert.equal(values.dtype, 'int32');
  assert.deepEqual(Array.from(indices.dataSync()), [1, 3]);
  return [values, indices];
}));

test('inTopKAsync: the target among the k largest, the lower index first on ties', () => leakFree(async (own) => {
  const hits = await tw.inTopKAsync([[0.1, 0.5, 0.5], [0.9, 0.05, 0.05]], own(tw.tensor([2, 1], [2], 'int32')), 1);
  assert.equal(hits.dtype, 'bool');
  assert.deepEqual(Array.from(hits.dataSync()), [0, 0]);
  const top2 = await tw.inTopKAsync([[0.1, 0.5, 0.5], [0.9, 0.05, 0.05]], own(tw.tensor([2, 1], [2], 'int32')), 2);
  assert.deepEqual(Array.from(top2.dataSync()), [1, 1]);
  return [hits, top2];
}));

test('randomStandardNormal and randomUniformInt', () => {
  const n = tw.randomStandardNormal([2000], null, 7);
  const mean = n.mean().dataSync()[0];
  assert.ok(Math.abs(mean) < 0.1, `mean ${mean}`);
  assert.throws(() => tw.randomStandardNormal([2], 'bool'), /Unsupported data type bool/);
  const u = tw.randomUniformInt([1000], 3, 6, 1);
  assert.equal(u.dtype, 'int32');
  assert.deepEqual([...new Set(u.dataSync())].sort(), [3, 4, 5]);
  tw.dispose([n, u]);
});

test('multinomial draws int32 outcomes with the softmax (or given) probabilities, the same for a seed', () => leakFree((own) => {
  const draws = tw.multinomial([[0, Math.log(3)], [-100, 100]], 4000, 5);
  assert.equal(draws.dtype, 'int32');
  assert.deepEqual(draws.shape, [2, 4000]);
  const [first, second] = draws.arraySync();
  const share = first.filter((v) => v === 1).length / first.length;
  assert.ok(Math.abs(share - 0.75) < 0.03, `share of outcome 1: ${share}`);
  assert.ok(second.every((v) => v === 1));
  const probs = tw.multinomial([0.2, 0, 0.8], 2000, 'seed', true);
  assert.deepEqual(probs.shape, [2000]);
  assert.ok(!probs.dataSync().includes(1));
  const again = tw.multinomial([0.2, 0, 0.8], 2000, 'seed', true);
  assert.deepEqual(Array.from(again.dataSync()), Array.from(probs.dataSync()));
  assert.throws(() => tw.multinomial([1], 3), /you need at least 2 outcomes, but got 1/);
  assert.throws(() => tw.multinomial(own(tw.zeros([2, 2, 2])), 3), /Rank of probabilities must be 1 or 2, but is 3/);
  return [draws, probs, again];
}));

test('unique: distinct slices along an axis in order of first appearance, and each one\'s index', () => leakFree((own) => {
  const flat = tw.unique(own(tw.tensor([3, 1, 3, NaN, 1, NaN], [6])));
  assert.deepEqual(Array.from(flat.values.dataSync()), [3, 1, NaN]);
  assert.deepEqual(Array.from(flat.indices.dataSync()), [0, 1, 0, 2, 1, 2]);
  const x = own(tw.tensor([[1, 2, 1], [5, 6, 5]], [2, 3], 'int32'));
  const cols = x.unique(1);
  assert.equal(cols.values.dtype, 'int32');
  assert.deepEqual(cols.values.arraySync(), [[1, 2], [5, 6]]);
  assert.deepEqual(Array.from(cols.indices.dataSync()), [0, 1, 0]);
  assert.throws(() => tw.unique(own(tw.scalar(1))), /The input tensor must be at least 1D/);
  return [flat.values, flat.indices, cols.values, cols.indices];
}));

test('diag, euclideanNorm, searchSorted/lowerBound/upperBound, broadcastArgs', () => leakFree((own) => {
  const d = tw.diag([[1, 2]]);
  assert.deepEqual(d.shape, [1, 2, 1, 2]);
  assert.deepEqual(Array.from(d.dataSync()), [1, 0, 0, 2]);
  const flags = tw.diag([true, false]);
  assert.equal(flags.dtype, 'bool');
  assert.deepEqual(Array.from(flags.dataSync()), [1, 0, 0, 0]);
  const e = tw.euclideanNorm([[3, 4], [6, 8]], 1);
  assert.deepEqual(Array.from(e.dataSync()), [5, 10]);
  const seq = [[1, 3, 3, 7], [0, 0, 5, 9]];
  const left = tw.searchSorted(seq, [[3, 8, 0], [0, 5, 10]]);
  assert.equal(left.dtype, 'int32');
  assert.deepEqual(left.arraySync(), [[1, 4, 0], [0, 2, 4]]); // numpy.searchsorted per row
  const right = tw.upperBound(seq, [[3, 8, 0], [0, 5, 10]]);
  assert.deepEqual(right.arraySync(), [[3, 4, 0], [2, 3, 4]]);
  const lower = tw.lowerBound([1, 3, 3, 7], [3]);
  assert.deepEqual(lower.arraySync(), [[1]]);
  assert.throws(() => tw.searchSorted(seq, [[1]]), /Leading dimension of 'sortedSequence' and 'values' must match/);
  const shape = tw.broadcastArgs(own(tw.tensor([2, 1, 3], [3], 'int32')), [4, 1]);
  assert.deepEqual(Array.from(shape.dataSync()), [2, 4, 3]);
  assert.throws(() => tw.broadcastArgs([2, 3], [4]), /do not broadcast/);
  return [d, flags, e, left, right, lower, shape];
}));

test("basicLSTMCell and multiRNNCell match TF.js's on the same inputs, and leak nothing", async () => {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const values = (n, k) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + k));
  // batch 2, input 1, 2 units: kernel [1 + 2, 4 * 2]; the second cell's input is the first's h: kernel [2 + 2, 8]
  const args = [[[1.0], [1]], [values(24, 1), [3, 8]], [values(8, 2), [8]], [values(2, 3), [2, 1]], [values(4, 4), [2, 2]],
    [values(4, 5), [2, 2]], [values(32, 6), [4, 8]]];
  const [forgetBias, kernel, bias, data, c, h, kernel2] = args.map(([v, shape]) => [tw.tensor(v, shape), tf.tensor(v, shape)]);
  const twCell = (x, cc, hh) => tw.basicLSTMCell(forgetBias[0], kernel[0], bias[0], x, cc, hh);
  const tfCell = (x, cc, hh) => tf.basicLSTMCell(forgetBias[1], kernel[1], bias[1], x, cc, hh);
  const close = (a, b) => a.dataSync().forEach((v, i) => assert.ok(Math.abs(v - b.dataSync()[i]) < 1e-5, `[${i}] ${v} vs ${b.dataSync()[i]}`));
  await leakFree(() => {
    const ours = twCell(data[0], c[0], h[0]);
    tfCell(data[1], c[1], h[1]).forEach((t, k) => close(ours[k], t));
    // two cells of 2 units each: the second is fed the first's h
    const stacked = tw.multiRNNCell([twCell, (x, cc, hh) => tw.basicLSTMCell(0.5, kernel2[0], bias[0], x, cc, hh)],
      data[0], [c[0], c[0]], [h[0], h[0]]);
    const theirs = tf.multiRNNCell([tfCell, (x, cc, hh) => tf.basicLSTMCell(0.5, kernel2[1], bias[1], x, cc, hh)],
      data[1], [c[1], c[1]], [h[1], h[1]]);
    theirs.forEach((list, k) => list.forEach((t, i) => close(stacked[k][i], t)));
    return [ours, stacked];
  });
  assert.throws(() => tw.basicLSTMCell(1, kernel[0], bias[0], data[0], c[0], {}),
    /Argument 'h' passed to 'basicLSTMCell' must be a Tensor or TensorLike/);
  assert.throws(() => tw.multiRNNCell([twCell], data[0], [{}], [h[0]]), /Argument 'c\[0\]' passed to 'multiRNNCell' must be a Tensor/);
  tw.dispose([forgetBias[0], kernel[0], bias[0], data[0], c[0], h[0], kernel2[0]]);
});
