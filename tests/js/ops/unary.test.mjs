import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './unary.grads.mjs';

goldenTests('unary');
gradientTests('unary', cases);

test("TF.js's dtype methods: asType, toFloat, toInt, toBool", () => {
  const x = tw.tensor([0, 1.5, -2.5]);
  assert.equal(x.asType('int32').dtype, 'int32');
  assert.deepEqual(Array.from(x.toInt().dataSync()), [0, 1, -2]);
  assert.deepEqual(Array.from(x.toBool().dataSync()), [0, 1, 1]);
  assert.equal(tw.tensor([1], [1], 'int32').toFloat().dtype, 'float32');
});
