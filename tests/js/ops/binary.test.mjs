import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './binary.grads.mjs';

goldenTests('binary');
gradientTests('binary', cases);

test("x.where(condition, b) is TF.js's where(condition, x, b)", () => {
  const x = tw.tensor([1, 2, 3]);
  assert.deepEqual(Array.from(x.where([true, false, true], [9, 9, 9]).dataSync()), [1, 9, 3]);
});
