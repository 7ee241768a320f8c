// util.ts: tw.util gives what TF.js's tf.util gives, on varied inputs, with its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tw from '../../js/dist/tensorweb.js';

const u = tw.util;
const t = tf.util;

/** Both libraries' results for each argument list: equal values, or errors with equal messages. */
function same(name, ...argLists) {
  for (const args of argLists) {
    const run = (lib) => {
      try {
        return { value: lib[name](...structuredClone(args)) };
      } catch (error) {
        return { error: error.message };
      }
    };
    assert.deepStrictEqual(run(u), run(t), `${name}(${JSON.stringify(args)})`);
  }
}

test('tw.util has every function of tf.util this module promises', () => {
  const names = ['assert', 'assertShapesMatch', 'assertNonNull', 'assertNonNegativeIntegerDimensions', 'shuffle', 'shuffleCombo',
    'createShuffledIndices', 'clamp', 'nearestLargerEven', 'swap', 'sum', 'randUniform', 'distSquared', 'sizeFromShape',
    'isScalarShape', 'arraysEqual', 'arraysEqualWithNull', 'isInt', 'tanh', 'sizeToSquarishShape', 'rightPad', 'repeatedTry',
    'inferFromImplicitShape', 'parseAxisParam', 'squeezeShape', 'getTypedArrayFromDType', 'getArrayFromDType',
    'makeZerosTypedArray', 'makeOnesTypedArray', 'makeZerosNestedTypedArray', 'isTypedArray', 'flatten', 'isString',
    'isBoolean', 'isNumber', 'isFunction', 'isPromise', 'inferDtype', 'nearestDivisor', 'computeStrides', 'toNestedArray',
    'now', 'fetch', 'encodeString', 'decodeString', 'bytesPerElement', 'bytesFromStringArray', 'checkConversionForErrors',
    'hasEncodingLoss', 'isValidDtype', 'indexToLoc', 'locToIndex', 'toTypedArray', 'createScalarValue'];
  for (const name of names) {
    assert.equal(typeof t[name], 'function', `tf.util.${name}`);
    assert.equal(typeof u[name], 'function', `tw.util.${name}`);
  }
});

test('assert and the shape assertions throw TF.js\'s messages', () => {
  same('assert', [true, 'unused'], [false, 'plain message']);
  assert.throws(() => u.assert(false, () => 'lazy message'), { message: 'lazy message' });
  let called = false;
  u.assert(true, () => { called = true; return 'x'; });
  assert.equal(called, false, 'the message function runs only on failure');
  same('assertShapesMatch', [[2, 3], [2, 3]], [[2, 3], [3, 2]], [[1], [1, 1], 'Error in add:'], [[], []]);
  same('assertNonNull', [0], [[]], [null], [undefined]);
  same('assertNonNegativeIntegerDimensions', [[0, 3]], [[2, -1]], [[1.5]]);
});

test('number and array helpers', () => {
  same('clamp', [0, -3, 5], [0, 7, 5], [0, 2.5, 5], [-1, -1, -1]);
  same('nearestLargerEven', [0], [3], [4], [-3]);
  same('sum', [[]], [[1, 2, 3.5]], [[-1, 1e10, 1]]);
  same('distSquared', [[1, 2, 3], [4, 6, 3]], [[], []], [[true, false], [0, 1]]);
  same('sizeFromShape', [[]], [[2, 3, 4]], [[5, 0]]);
  same('isScalarShape', [[]], [[1]]);
  same('arraysEqual', [[1, 2], [1, 2]], [[1, 2], [1, 3]], [[1], [1, 1]], [null, [1]], [null, null], [[NaN], [NaN]]);
  same('arraysEqualWithNull', [[1, null], [1, 7]], [[null, 2], [3, 4]], [[1], null]);
  assert.equal(u.arraysEqual(new Float32Array([1, 2]), [1, 2]), t.arraysEqual(new Float32Array([1, 2]), [1, 2]));
  same('isInt', [3], [3.5], [-0], [NaN]);
  same('tanh', [0], [0.5], [-20], [Infinity]);
  same('sizeToSquarishShape', [1], [10], [16], [17]);
  same('nearestDivisor', [12, 5], [13, 2], [12, 12]);
  same('rightPad', ['ab', 5], ['abcdef', 3], ['', 2]);
  const a = [1, 2, 3];
  const b = [1, 2, 3];
  u.swap(a, 0, 2);
  t.swap(b, 0, 2);
  assert.deepEqual(a, b);
  for (let i = 0; i < 50; i++) {
    const x = u.randUniform(-2, 3);
    assert.ok(x >= -2 && x < 3, `randUniform(-2, 3) gave ${x}`);
  }
});

test('shuffle, shuffleCombo and createShuffledIndices permute (Math.random cannot match TF.js)', () => {
  const sorted = Array.from({ length: 40 }, (_, i) => i);
  const array = sorted.slice();
  u.shuffle(array);
  assert.deepEqual(array.slice().sort((p, q) => p - q), sorted);
  assert.notDeepEqual(array, sorted, 'a 40-element shuffle left the order unchanged');
  const typed = Float32Array.from(sorted);
  u.shuffle(typed);
  assert.deepEqual(Array.from(typed).sort((p, q) => p - q), sorted);

  const keys = sorted.slice();
  const labels = sorted.map((i) => `label${i}`);
  u.shuffleCombo(keys, labels);
  assert.deepEqual(keys.slice().sort((p, q) => p - q), sorted);
  keys.forEach((key, i) => assert.equal(labels[i], `label${key}`, 'shuffleCombo separated a pair'));
  same('shuffleCombo', [[1, 2], [1, 2, 3]]);

  const indices = u.createShuffledIndices(25);
  assert.ok(indices instanceof Uint32Array);
  assert.deepEqual(Array.from(indices).sort((p, q) => p - q), sorted.slice(0, 25));
  assert.equal(u.createShuffledIndices(0).length, 0);
});

test('shape helpers: implicit sizes, axes, squeeze, strides, locations', () => {
  same('inferFromImplicitShape', [[2, -1], 6], [[-1], 0], [[2, 3], 6], [[2, 3], 7], [[2, 3], 0], [[-1, -1], 4],
    [[2, -2], 4], [[0, -1], 4], [[4, -1], 6]);
  same('parseAxisParam', [null, [2, 3, 4]], [1, [2, 3]], [-1, [2, 3]], [[2, 0, -3], [2, 3, 4]], [[0, 0], [2, 2]], [3, [2, 3]],
    [-4, [2, 3, 4]], [[0.5], [2, 3]], [0, []]);
  same('squeezeShape', [[1, 2, 1, 3]], [[1, 2, 1, 3], [2]], [[1, 2, 1, 3], []], [[1, 2, 1, 3], [-2, 0]], [[1, 2, 1], [1]],
    [[1, 1, 1], [0, 2]], [[2, 3]], [[]]);
  const big = Array.from({ length: 12 }, (_, i) => (i === 2 || i === 10 ? 1 : 2));
  same('squeezeShape', [big, [10, 2]]);
  same('computeStrides', [[]], [[5]], [[2, 3]], [[2, 3, 4, 5]], [[3, 0, 2]]);
  for (const shape of [[5], [2, 3], [2, 3, 4], [3, 1, 2, 2]]) {
    const strides = u.computeStrides(shape);
    for (let index = 0; index < u.sizeFromShape(shape); index++) {
      const loc = u.indexToLoc(index, shape.length, strides);
      assert.deepEqual(loc, t.indexToLoc(index, shape.length, strides));
      assert.equal(u.locToIndex(loc, shape.length, strides), index);
      assert.equal(t.locToIndex(loc, shape.length, strides), index);
    }
  }
  same('indexToLoc', [0, 0, []]);
  same('locToIndex', [[], 0, []]);
});

test('typed arrays by dtype, nested arrays, flatten', () => {
  for (const dtype of ['float32', 'int32', 'bool', 'complex64', 'string', 'int64', undefined, null]) {
    same('makeZerosTypedArray', [4, dtype], [0, dtype]);
    same('makeOnesTypedArray', [3, dtype]);
    same('getArrayFromDType', [dtype, 3]);
    same('getTypedArrayFromDType', [dtype, 2]);
    same('makeZerosNestedTypedArray', [[2, 3], dtype], [[], dtype]);
  }
  assert.deepEqual(u.makeOnesTypedArray(2, 'float16'), new Uint16Array([0x3c00, 0x3c00]), 'float16 ones are 1.0 in half bits');
  const values = Float32Array.from({ length: 24 }, (_, i) => i - 3.5);
  same('toNestedArray', [[], values], [[24], values], [[2, 3, 4], values], [[4, 6], values], [[2, 0, 3], values],
    [[5, 5], values], [[3, 4], values, true], [[2, 6], values, true], [[3, 3], new Int32Array(9)]);
  same('flatten', [[[1, 2], [3, 4], [5, [6, [7]]]]], [5], [[]], [['a', ['b', true]]], [[new Float32Array([1, 2]), [3]]],
    [[new Int32Array([1, 2]), [3]], [], true], [[[1], [2]], [0]], [{ 0: 1, 2: [3, 4], x: 9 }]);
  for (const dtype of ['float32', 'int32', 'bool', 'complex64', 'string', 'int64']) {
    same('toTypedArray', [[[1.7, -2.5], [0.4, NaN]], dtype], [[true, false, 3], dtype], [new Uint8Array([0, 2]), dtype],
      [new Float32Array([0.3, -1.6]), dtype], [[], dtype]);
    same('createScalarValue', [2.6, dtype], [true, dtype]);
  }
  same('createScalarValue', ['héllo', 'string']);
  const own = new Int32Array([1, 2]);
  assert.equal(u.toTypedArray(own, 'int32'), own, 'an array already of the dtype\'s type is not copied');
  const typed = new Uint8Array([1]);
  assert.equal(u.flatten([typed], [], true)[0], typed, 'skipTypedArray keeps the typed array itself');
});

test('type predicates and dtype inference', () => {
  const things = [0, -1.5, NaN, 'a', '', true, false, null, undefined, [], [1], ['s'], [true], [[2]], new Float32Array(2),
    new Int32Array(1), new Uint8Array(1), new Uint8ClampedArray(1), new Uint16Array(1), new Float64Array(1), {}];
  for (const value of things) {
    for (const name of ['isString', 'isBoolean', 'isNumber', 'isTypedArray', 'inferDtype']) {
      assert.deepEqual(u[name](value), t[name](value), `${name}(${String(value)})`);
    }
    // TF.js's isPromise returns the falsy value itself (0, ''); tensorweb's a boolean.
    assert.equal(u.isPromise(value), Boolean(t.isPromise(value)), `isPromise(${String(value)})`);
  }
  assert.equal(u.isString(new String('boxed')), t.isString(new String('boxed')));
  for (const f of [() => 1, function named() {}, async () => {}, Math.max, class A {}, 3, 'f', null, {}]) {
    assert.equal(u.isFunction(f), t.isFunction(f), `isFunction(${String(f)})`);
  }
  assert.equal(u.isPromise(Promise.resolve(1)), true);
});

test('dtype facts: validity, encoding loss, bytes, conversion checks', () => {
  const dtypes = ['float32', 'int32', 'bool', 'complex64', 'string'];
  for (const dtype of [...dtypes, 'int64', 'uint8']) {
    same('isValidDtype', [dtype]);
    same('bytesPerElement', [dtype]);
  }
  assert.equal(u.isValidDtype('float16'), true, 'tensorweb\'s storage dtype is valid');
  assert.equal(u.bytesPerElement('float16'), 2);
  for (const from of dtypes) for (const to of dtypes) same('hasEncodingLoss', [from, to]);
  same('bytesFromStringArray', [null], [[]], [[new Uint8Array(3), new Uint8Array(0), new Uint8Array(5)]]);
  same('checkConversionForErrors', [[1, 2, 3], 'float32'], [[1, NaN], 'float32'], [new Float32Array([Infinity]), 'int32'],
    [[-Infinity], 'bool']);
});

test('encodeString / decodeString, now, fetch', async () => {
  for (const text of ['', 'hello', 'naïve 日本語 🙂']) {
    assert.deepEqual(u.encodeString(text), t.encodeString(text));
    assert.equal(u.decodeString(t.encodeString(text)), text);
    assert.equal(u.decodeString(u.encodeString(text, 'utf8'), 'UTF-8'), text);
  }
  const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
  assert.equal(u.decodeString(latin1, 'latin1'), t.decodeString(latin1, 'latin1'));
  assert.throws(() => u.encodeString('x', 'latin1'), /only supports utf-8, but got latin1/);
  assert.throws(() => t.encodeString('x', 'latin1'), /only supports utf-8, but got latin1/);

  const before = u.now();
  assert.equal(typeof before, 'number');
  assert.ok(u.now() >= before);

  const original = globalThis.fetch;
  const calls = [];
  globalThis.fetch = async (path, init) => { calls.push([path, init]); return new Response('body'); };
  try {
    const response = await u.fetch('https://example.test/model.json', { method: 'GET' });
    assert.equal(await response.text(), 'body');
    assert.deepEqual(calls, [['https://example.test/model.json', { method: 'GET' }]]);
  } finally {
    globalThis.fetch = original;
  }
});

test('repeatedTry resolves once the check passes and rejects after maxCounter tries, as TF.js', async () => {
  const schedule = (fn) => queueMicrotask(fn);
  for (const lib of [u, t]) {
    let tries = 0;
    const delays = [];
    await lib.repeatedTry(() => ++tries === 3, (n) => { delays.push(n); return 0; }, undefined, schedule);
    assert.equal(tries, 3);
    assert.deepEqual(delays, [1, 2]);
    let failures = 0;
    await assert.rejects(lib.repeatedTry(() => { failures++; return false; }, () => 0, 4, schedule).then(() => {}, (reason) => {
      assert.equal(reason, undefined);
      throw new Error('rejected');
    }));
    assert.equal(failures, 4);
  }
  let timed = 0;
  await u.repeatedTry(() => ++timed === 2);
  assert.equal(timed, 2, 'without scheduleFn the next try waits on setTimeout');
});
