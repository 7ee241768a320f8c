import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './reduction.grads.mjs';

goldenTests('reduction');
gradientTests('reduction', cases);

test("norm takes TF.js's orders only: a vector norm of another p is TF.js's error", () => {
  const x = tw.tensor([3, -4]);
  assert.throws(() => tw.norm(x, 3), /Error in norm: invalid ord value: 3 \(attribute ord of a vector norm\)/);
  assert.throws(() => tw.norm(tw.reshape(x, [1, 2]), 2, [0, 1]), /Error in norm: invalid ord value: 2 \(attribute ord of a matrix norm\)/);
  assert.equal(tw.norm(x, 2).dataSync()[0], 5);
  x.dispose();
});
