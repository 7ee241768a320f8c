// test_util.ts: tw.test_util's checks pass and fail as TF.js's do, with its messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tw from '../../js/dist/tensorweb.js';

const u = tw.test_util;

test('expectArraysClose / Equal: tolerance of the backend, classes, shapes, lengths, NaN and strings', async () => {
  await tw.setBackend('cpu');
  assert.equal(u.testEpsilon(), 1e-3);
  u.expectArraysClose(new Float32Array([1, 2.0005]), [1, 2]);
  u.expectArraysClose([[1, NaN]], [[1, NaN]]);
  u.expectArraysClose(3, 3.0004);
  assert.throws(() => u.expectArraysClose([1, 2.01], [1, 2]), /Arrays differ: actual\[1\] = 2.01, expected\[1\] = 2/);
  u.expectArraysClose([1, 2.01], [1, 2], 0.1);
  assert.throws(() => u.expectArraysClose(new Int32Array([1]), new Float32Array([1])), /Arrays are of different type. Actual: Int32Array. Expected: Float32Array/);
  assert.throws(() => u.expectArraysClose([[1, 2]], [[1], [2]]), /Arrays have different shapes. Actual: \[1,2\]. Expected: \[2,1\]/);
  assert.throws(() => u.expectArraysClose(new Float32Array([1]), [1, 2]), /Arrays have different lengths actual: 1 vs expected: 2/);
  u.expectArraysEqual(new Int32Array([1, 2]), [1, 2]);
  assert.throws(() => u.expectArraysEqual([1, 2], [1, 2.0001]), /Arrays differ/);
  u.expectArraysEqual(['a', 'b'], ['a', 'b']);
  u.expectArraysEqual(['a'], 'a');
  assert.throws(() => u.expectArraysEqual(['a'], ['b']), /Arrays differ: actual\[0\] = a, expected\[0\] = b/);
});

test('expectNumbersClose, expectValuesInRange, expectPromiseToFail, expectArrayBuffersEqual, encodeStrings', async () => {
  u.expectNumbersClose(1, 1.0005);
  assert.throws(() => u.expectNumbersClose(1, 1.01), /Numbers differ: actual === 1, expected === 1.01/);
  u.expectValuesInRange([0, 0.5, 1], 0, 1);
  assert.throws(() => u.expectValuesInRange([0, 2], 0, 1), /Value out of range:2 low: 0, high: 1/);
  const outcome = (fn) => new Promise((resolve) => {
    const done = () => resolve('done');
    done.fail = () => resolve('failed');
    u.expectPromiseToFail(fn, done);
  });
  assert.equal(await outcome(() => Promise.reject(new Error('x'))), 'done');
  assert.equal(await outcome(() => Promise.resolve(1)), 'failed');
  u.expectArrayBuffersEqual(new Float32Array([1, 2]).buffer, new Float32Array([1, 2]).buffer);
  assert.throws(() => u.expectArrayBuffersEqual(new Float32Array([1, 3]).buffer, new Float32Array([1, 2]).buffer),
    /Expected ArrayBuffer value at 1 to be 2 but got 3 instead/);
  assert.deepEqual(u.encodeStrings(['a', ['bc']]), [new Uint8Array([97]), [new Uint8Array([98, 99])]]);
});
