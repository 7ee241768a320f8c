// complex64 against TF.js 4.22's own (its CPU backend, the oracle): tw.complex,
// real and imag, the ops whose records take complex64 (arithmetic with
// broadcasting and upcasting, abs, layout ops), reading the values back, and
// disposal and memory; ops without a complex rule refuse it by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tw from '../../../js/dist/tensorweb.js';

await tf.setBackend('cpu');
tw.setBackend('cpu');

/**
 * The same call on both libraries, with tensors made from [shape, real, imag, broadcast?] (imag null: a float32
 * tensor). TF.js's CPU backend miscomputes complex operands broadcast from a smaller size or upcast from float32
 * (NaNs), so TF.js gets such an operand broadcast to `broadcast` and made complex beforehand; tensorweb does both
 * itself.
 */
function both(fn, ...specs) {
  const make = (lib) => specs.map(([shape, re, im, broadcast]) => {
    const part = (values) => (lib === tf && broadcast ? tf.broadcastTo(tf.tensor(values, shape), broadcast) : lib.tensor(values, shape));
    if (im !== null) return lib.complex(part(re), part(im));
    return lib === tf ? tf.complex(part(re), tf.zerosLike(part(re))) : part(re);
  });
  const ours = tw.tidy(() => {
    const y = fn(tw, ...make(tw));
    return { dtype: y.dtype, shape: y.shape, values: Array.from(y.dataSync()) };
  });
  const theirs = tf.tidy(() => {
    const y = fn(tf, ...make(tf));
    return { dtype: y.dtype, shape: y.shape, values: Array.from(y.dataSync()) };
  });
  assert.equal(ours.dtype, theirs.dtype, 'dtype');
  assert.deepEqual(ours.shape, theirs.shape, 'shape');
  ours.values.forEach((v, i) => assert.ok(Math.abs(v - theirs.values[i]) <= 1e-5 * (1 + Math.abs(theirs.values[i])),
    `[${i}] ${v} vs TF.js ${theirs.values[i]}`));
}

const a = [[2, 3], [1, -2, 3.5, 0, -1, 4], [0.5, 1, -3, 2, 0, -0.25]];
const row = [[3], [2, -1, 0.5], [1, 1, -2], [2, 3]];
const scalar = [[], [1.5], [-2], [2, 3]];
const real = [[2, 3], [1, 2, 3, 4, 5, 6], null];

for (const name of ['add', 'sub', 'mul']) {
  test(`${name} of complex64 broadcasts and upcasts as TF.js does`, () => {
    both((lib, x, y) => lib[name](x, y), a, row);
    both((lib, x, y) => lib[name](x, y), scalar, a);
    both((lib, x, y) => lib[name](x, y), a, real);
  });
}

test('an int32 operand is upcast to complex64', () => {
  const z = tw.complex([4, -1], [7, 2]);
  const expected = { add: [7, 7, 2, 2], sub: [1, 7, -4, 2], mul: [12, 21, -3, 6] };
  for (const [name, values] of Object.entries(expected)) {
    const y = tw[name](z, tw.scalar(3, 'int32'));
    assert.equal(y.dtype, 'complex64');
    assert.deepEqual(Array.from(y.dataSync()), values, name);
    y.dispose();
  }
  z.dispose();
});

test('abs of complex64 is its magnitude, float32, without underflow', () => {
  both((lib, x) => lib.abs(x), a);
  both((lib, x) => lib.abs(x), [[3], [1e-30, 0, 3e30], [1e-30, 0, 4e30]]);
});

test('layout ops keep complex pairs together', () => {
  both((lib, x) => lib.transpose(x), a);
  both((lib, x) => lib.transpose(x, [1, 0], true), a);
  both((lib, x, y) => lib.concat([x, y], -1), a, [[2, 1], [7, 8], [9, 10]]);
  both((lib, x) => lib.stack([x, x], 1), a);
  both((lib, x) => lib.reshape(x, [3, 2]), a);
  both((lib, x) => lib.expandDims(x, 1), a);
  both((lib, x) => lib.onesLike(x), a);
  both((lib, x) => lib.zerosLike(x), a);
  both((lib, x) => lib.cast(x, 'float32'), a);
  both((lib, x) => lib.real(x), a);
  both((lib, x) => lib.imag(x), a);
});

test('slice and reverse of complex64 (which the TF.js CPU backend lacks) keep the pairs', () => {
  const z = tw.complex([[1, 2, 3], [4, 5, 6]], [[-1, -2, -3], [-4, -5, -6]]);
  const part = tw.slice(z, [0, 1], [-1, 2]);
  assert.equal(part.dtype, 'complex64');
  assert.deepEqual(part.shape, [2, 2]);
  assert.deepEqual(Array.from(part.dataSync()), [2, -2, 3, -3, 5, -5, 6, -6]);
  const reversed = tw.reverse(z, -1);
  assert.deepEqual(Array.from(reversed.dataSync()), [3, -3, 2, -2, 1, -1, 6, -6, 5, -5, 4, -4]);
  tw.dispose([z, part, reversed]);
});

test('data, array and clone give the interleaved pairs; tw.tensor refuses complex64 as TF.js does', async () => {
  const z = tw.complex([[1, 2], [3, 4]], [[5, 6], [7, 8]]);
  assert.equal(z.dtype, 'complex64');
  assert.deepEqual(z.shape, [2, 2]);
  assert.deepEqual(Array.from(await z.data()), [1, 5, 2, 6, 3, 7, 4, 8]);
  assert.deepEqual(await z.array(), [[[1, 5], [2, 6]], [[3, 7], [4, 8]]]);
  const c = tw.clone(z);
  assert.deepEqual(Array.from(c.dataSync()), [1, 5, 2, 6, 3, 7, 4, 8]);
  tw.dispose([z, c]);
  assert.throws(() => tw.tensor([1, 2], [1], 'complex64'), /Cannot construct a complex64 tensor directly/);
  assert.throws(() => tw.buffer([2], 'complex64'), /no complex64 buffers/);
});

test('memory counts a complex64 element as 8 bytes; disposing frees the pairs', () => {
  const before = tw.memory();
  const z = tw.complex([1, 2, 3], [4, 5, 6]);
  const after = tw.memory();
  assert.equal(after.numTensors, before.numTensors + 1);
  assert.equal(after.numBytes, before.numBytes + 3 * 8);
  assert.equal(after.backends.cpu.numBytes, before.backends.cpu.numBytes + 3 * 8);
  z.dispose();
  assert.deepEqual(tw.memory(), before);
});

test('mismatched parts and ops without a complex rule are refused, naming the input', () => {
  assert.throws(() => tw.complex([3, 30], [4, 40, 50]), /real and imag shapes, 2 and 3, must match in call to tf.complex\(\)/);
  const z = tw.complex([1, 2], [3, 4]);
  assert.throws(() => tw.sum(z), /tw.sum: input x is complex64, which this op does not take/);
  assert.throws(() => tw.matMul(tw.reshape(z, [1, 2]), tw.reshape(z, [2, 1])), /input a is complex64/);
  assert.throws(() => tw.fill([2], 1, 'complex64'), /tw.fill: makes no complex64 tensors/);
  z.dispose();
});

test('zeros and ones of complex64 have zero imaginary parts', () => {
  const [zs, os] = [tw.zeros([2], 'complex64'), tw.ones([2], 'complex64')];
  assert.deepEqual(Array.from(zs.dataSync()), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(os.dataSync()), [1, 0, 1, 0]);
  tw.dispose([zs, os]);
});
