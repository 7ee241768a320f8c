// tw.losses' TF.js losses (weights and a Reduction): the reductions, the
// argument checks, and that nothing leaks. Their values are checked against
// TF.js's own specs in the conformance tier (ops/losses/*_test.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';

const values = (t) => Array.from(t.dataSync());
const close = (a, b) => a.every((v, i) => Math.abs(v - b[i]) < 1e-5);

test('computeWeightedLoss reduces as TF.js documents each Reduction', () => {
  const losses = [[1, 2, 3], [4, 5, 6]];
  const w = [[1, 0, 2]];
  const R = tw.Reduction;
  assert.ok(close(values(tw.losses.computeWeightedLoss(losses)), [21 / 6]));
  assert.ok(close(values(tw.losses.computeWeightedLoss(losses, w, R.NONE)), [1, 0, 6, 4, 0, 12]));
  assert.ok(close(values(tw.losses.computeWeightedLoss(losses, w, R.SUM)), [23]));
  // MEAN: sum(weighted) / sum(weights), over the 2 rows the weights broadcast across
  assert.ok(close(values(tw.losses.computeWeightedLoss(losses, w, R.MEAN)), [23 / 3 / 2]));
  // SUM_BY_NONZERO_WEIGHTS: 4 of the 6 broadcast weights are nonzero
  assert.ok(close(values(tw.losses.computeWeightedLoss(losses, w, R.SUM_BY_NONZERO_WEIGHTS)), [23 / 4]));
  assert.throws(() => tw.losses.computeWeightedLoss(losses, w, 7), /Unknown reduction: 7/);
});

test('the losses are TF.js\'s formulas, reduced by computeWeightedLoss, and leak nothing', () => {
  const before = tw.memory().numTensors;
  const mse = tw.losses.meanSquaredError([1, 2, 3], [2, 2, 5]);
  assert.deepEqual(mse.shape, []);
  assert.ok(close(values(mse), [5 / 3]));
  const hinge = tw.losses.hingeLoss([0, 1], [0.5, 0.25], null, tw.Reduction.NONE);
  assert.ok(close(values(hinge), [1.5, 0.75]));
  const cosine = tw.losses.cosineDistance([[1, 0], [0, 1]], [[1, 0], [1, 0]], 1, null, tw.Reduction.NONE);
  assert.deepEqual(cosine.shape, [2, 1]);
  assert.ok(close(values(cosine), [0, 1]));
  const softmax = tw.losses.softmaxCrossEntropy([[1, 0]], [[0, 0]]);
  assert.ok(close(values(softmax), [Math.LN2]));
  tw.dispose([mse, hinge, cosine, softmax]);
  assert.equal(tw.memory().numTensors, before);
});

test('argument errors use TF.js\'s wording', () => {
  assert.throws(() => tw.losses.absoluteDifference({}, [1]), /Argument 'labels' passed to 'absoluteDifference' must be a Tensor/);
  assert.throws(() => tw.losses.logLoss([1], [1], {}), /Argument 'weights' passed to 'logLoss' must be a Tensor/);
  assert.throws(() => tw.losses.sigmoidCrossEntropy([[1, 2]], [1, 2]), /Error in sigmoidCrossEntropy: {2}Shapes 1,2 and 2 must match/);
});
