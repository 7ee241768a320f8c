// tw.spectral against TF.js 4.22's own (its CPU backend, the oracle) on random
// inputs of lengths that are and are not powers of two, the complex and
// spectral goldens (tests/fixtures/ops/spectral.json, numpy's FFT), and the
// transforms' gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tw from '../../../js/dist/tensorweb.js';
import { goldenTests } from '../helpers/golden.mjs';
import { gradientTests } from '../helpers/gradcheck.mjs';
import { cases } from './spectral.grads.mjs';

await tf.setBackend('cpu');
tw.setBackend('cpu');

goldenTests('spectral');
gradientTests('spectral', cases);

function values(shape, seed) {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 3);
}

function assertClose(actual, expected, tol, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}: [${i}] ${actual[i]} vs TF.js ${expected[i]}`);
  }
}

for (const shape of [[7], [3, 8], [2, 2, 9], [1]]) {
  test(`fft, ifft, rfft and irfft of [${shape}] give TF.js's values`, () => {
    const [re, im] = [values(shape, 1), values(shape, 2)];
    const before = tw.memory().numTensors;
    for (const name of ['fft', 'ifft']) {
      const ours = tw.tidy(() => tw.spectral[name](tw.complex(tw.tensor(re, shape), tw.tensor(im, shape))).dataSync());
      const theirs = tf.tidy(() => tf.spectral[name](tf.complex(tf.tensor(re, shape), tf.tensor(im, shape))).dataSync());
      assertClose(ours, theirs, 1e-4, name);
    }
    for (const fftLength of [undefined, shape[shape.length - 1] + 3, Math.max(1, shape[shape.length - 1] - 2)]) {
      const ours = tw.tidy(() => tw.spectral.rfft(tw.tensor(re, shape), fftLength));
      const theirs = tf.tidy(() => tf.spectral.rfft(tf.tensor(re, shape), fftLength));
      assert.deepEqual(ours.shape, theirs.shape, `rfft ${fftLength} shape`);
      assertClose(ours.dataSync(), theirs.dataSync(), 1e-4, `rfft ${fftLength}`);
      ours.dispose();
      theirs.dispose();
    }
    const ours = tw.tidy(() => tw.spectral.irfft(tw.complex(tw.tensor(re, shape), tw.tensor(im, shape))).dataSync());
    const theirs = tf.tidy(() => tf.spectral.irfft(tf.complex(tf.tensor(re, shape), tf.tensor(im, shape))).dataSync());
    assertClose(ours, theirs, 1e-4, 'irfft');
    assert.equal(tw.memory().numTensors, before, 'tensors left allocated');
  });
}

test('the transforms are methods and top-level functions too', () => {
  const z = tw.complex([1, 2, 3], [0, -1, 4]);
  const roundTrip = tw.tidy(() => z.fft().ifft().dataSync());
  assert.deepEqual(Array.from(roundTrip, (v) => Math.round(v * 1e5) / 1e5 + 0), [1, 0, 2, -1, 3, 4]);
  const [top, spectral] = [tw.fft(z), tw.spectral.fft(z)];
  assert.deepEqual(top.dataSync(), spectral.dataSync());
  tw.dispose([z, top, spectral]);
});

test('bad input is refused with TF.js messages', () => {
  assert.throws(() => tw.spectral.fft(tw.tensor([1, 2])), /The dtype for tf.spectral.fft\(\) must be complex64 but got float32/);
  assert.throws(() => tw.spectral.irfft(tw.tensor([1, 2])), /The dtype for tf.spectral.irfft\(\) must be complex64 but got float32/);
  assert.throws(() => tw.spectral.rfft(tw.complex([1], [2])), /must be real/);
  assert.throws(() => tw.spectral.rfft(tw.tensor([1, 2]), 0), /fftLength 0 must be a positive integer/);
});
