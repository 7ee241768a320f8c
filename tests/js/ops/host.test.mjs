// The host ops' goldens (tests/fixtures/ops/host.json, numpy's) on the CPU
// backend, and their errors for hostile inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';

tw.setBackend('cpu');

goldenTests('host');

test('hostile inputs get errors naming the input', async () => {
  const boxes = tw.tensor([[0, 0, 1, 1], [0, 0, 1, 0.9]]);
  const scores = tw.tensor([0.9, 0.8]);
  await assert.rejects(tw.image.nonMaxSuppressionV5Async(boxes, scores, 2 ** 30, 0.5, 0, 0, true), /nonMaxSuppression: input maxOutputSize 1073741824 is padded to/);
  await assert.rejects(tw.image.nonMaxSuppressionV5Async(boxes, scores, 2, 1.5), /iouThreshold must be in \[0, 1\], got 1.5/);
  await assert.rejects(tw.image.nonMaxSuppressionV5Async(boxes, scores, -1), /maxOutputSize must be a count/);
  await assert.rejects(tw.topkAsync(scores, 3), /topkAsync: input k is 3, which must be in \[0, 2\]/);
  await assert.rejects(tw.image.nonMaxSuppressionPerClassAsync(boxes, scores, 2), /input boxes must be \[batch, numBoxes, 4\]/);
  // a huge count without padding selects what there is
  const { selectedIndices, validOutputs } = await tw.image.nonMaxSuppressionV5Async(boxes, scores, 2 ** 30, 0.5);
  assert.deepEqual([...selectedIndices.dataSync()], [0]);
  assert.equal(validOutputs.dataSync()[0], 1);
  tw.dispose([boxes, scores, selectedIndices, validOutputs]);
});
