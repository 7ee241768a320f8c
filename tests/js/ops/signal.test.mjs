// tw.signal against TF.js 4.22's own (its CPU backend, the oracle): frame with
// and without padding, the windows and stft, plus a batched frame (the last
// axis, which TF.js does not take) and the errors TF.js leaves out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tw from '../../../js/dist/tensorweb.js';

await tf.setBackend('cpu');
tw.setBackend('cpu');

function assertSame(ours, theirs, what, tol = 1e-5) {
  assert.deepEqual(ours.shape, theirs.shape, `${what}: shape`);
  const [x, y] = [ours.dataSync(), theirs.dataSync()];
  y.forEach((v, i) => assert.ok(Math.abs(x[i] - v) <= tol * (1 + Math.abs(v)), `${what}: [${i}] ${x[i]} vs TF.js ${v}`));
}

const signal = Array.from({ length: 23 }, (_, i) => Math.sin(i * 0.7) * 2 + i / 10);

test('frame gives TF.js frames, padded or not', () => {
  for (const [length, step, padEnd, padValue] of [[5, 2, false, 0], [4, 3, true, 0], [6, 4, true, -1], [30, 1, false, 0], [1, 1, false, 0]]) {
    const ours = tw.signal.frame(signal, length, step, padEnd, padValue);
    const theirs = tf.signal.frame(tf.tensor1d(signal), length, step, padEnd, padValue);
    assertSame(ours, theirs, `frame ${length} ${step} ${padEnd}`);
    tw.dispose(ours);
    theirs.dispose();
  }
});

test('frame takes frames along the last axis of a batch', () => {
  const batch = tw.tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]);
  const frames = tw.signal.frame(batch, 3, 2, true, 0);
  assert.deepEqual(frames.shape, [2, 3, 3]);
  assert.deepEqual(Array.from(frames.dataSync()), [1, 2, 3, 3, 4, 5, 5, 0, 0, 6, 7, 8, 8, 9, 10, 10, 0, 0]);
  tw.dispose([batch, frames]);
});

test('hann and hamming windows match TF.js', () => {
  for (const length of [1, 2, 5, 16, 31]) {
    for (const name of ['hannWindow', 'hammingWindow']) {
      if (length === 1) {
        const w = tw.signal[name](1);
        assert.deepEqual(Array.from(w.dataSync()), [1]);
        w.dispose();
        continue;
      }
      const [ours, theirs] = [tw.signal[name](length), tf.signal[name](length)];
      assertSame(ours, theirs, `${name} ${length}`);
      tw.dispose(ours);
      theirs.dispose();
    }
  }
});

test('stft matches TF.js with the default and given windows and lengths', () => {
  const before = tw.memory().numTensors;
  for (const [length, step, fftLength, window] of [[8, 4], [5, 2, 8], [7, 3, 7, 'hammingWindow'], [6, 6, 4]]) {
    const ours = tw.signal.stft(signal, length, step, fftLength, window && tw.signal[window]);
    const theirs = tf.signal.stft(tf.tensor1d(signal), length, step, fftLength, window && tf.signal[window]);
    assertSame(ours, theirs, `stft ${length} ${step} ${fftLength}`, 1e-4);
    tw.dispose(ours);
    theirs.dispose();
  }
  assert.equal(tw.memory().numTensors, before, 'tensors left allocated');
});

test('bad frame arguments are refused with what is wrong', () => {
  assert.throws(() => tw.signal.frame([1, 2, 3], 0, 1), /frameLength 0 must be a positive integer/);
  assert.throws(() => tw.signal.frame([1, 2, 3], 2, 0), /frameStep 0 never moves on/);
  assert.throws(() => tw.signal.frame(5, 2, 1), /signal is a scalar/);
  assert.throws(() => tw.signal.hannWindow(0), /windowLength 0 must be a positive integer/);
});
