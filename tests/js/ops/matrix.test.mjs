// tw.linalg against TF.js 4.22's tf.linalg on its CPU backend (the oracle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tw from '../../../js/dist/tensorweb.js';

await tf.setBackend('cpu');
tw.setBackend('cpu');

function values(n, seed) {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  });
}

function close(ours, theirs, message, tol = 1e-4) {
  assert.deepEqual(ours.shape, theirs.shape, `${message}: shape`);
  assert.equal(ours.dtype, theirs.dtype, `${message}: dtype`);
  const a = ours.dataSync();
  const b = theirs.dataSync();
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${message}: [${i}] ${a[i]} vs ${b[i]}`);
}

test('qr matches TF.js for tall, wide and square matrices, full or reduced', () => {
  const before = tw.memory().numTensors;
  tw.tidy(() => {
    for (const [m, n] of [[4, 3], [3, 5], [4, 4], [1, 3], [5, 1]]) {
      const v = values(m * n, m * 10 + n);
      for (const full of [false, true]) {
        const [q, r] = tw.linalg.qr(tw.tensor(v, [m, n]), full);
        const [tq, tr] = tf.linalg.qr(tf.tensor2d(v, [m, n]), full);
        close(q, tq, `q ${m}x${n} full ${full}`);
        close(r, tr, `r ${m}x${n} full ${full}`);
      }
    }
    // A batch: each matrix as TF.js factors it alone.
    const v = values(2 * 3 * 3 * 3, 7);
    const [q, r] = tw.linalg.qr(tw.tensor(v, [2, 3, 3, 3]));
    const [tq, tr] = tf.linalg.qr(tf.tensor(v, [2, 3, 3, 3]));
    close(q, tq, 'batched q');
    close(r, tr, 'batched r');
  });
  assert.equal(tw.memory().numTensors, before);
  assert.throws(() => tw.linalg.qr(tw.scalar(1)), /rank >= 2, but got rank 0/);
});

test('bandPart with number and int32 tensor widths, gramSchmidt of a matrix and of vectors, match TF.js', () => {
  const before = tw.memory().numTensors;
  tw.tidy(() => {
    const v = values(2 * 4 * 5, 3);
    for (const [lower, upper] of [[0, 0], [1, 2], [-1, 0], [0, -1], [4, 5], [-1, -1]]) {
      close(tw.linalg.bandPart(tw.tensor(v, [2, 4, 5]), lower, upper), tf.linalg.bandPart(tf.tensor(v, [2, 4, 5]), lower, upper), `bandPart ${lower} ${upper}`);
      close(tw.linalg.bandPart(tw.tensor(v, [2, 4, 5]), tw.scalar(lower, 'int32'), tw.scalar(upper, 'int32')),
        tf.linalg.bandPart(tf.tensor(v, [2, 4, 5]), tf.scalar(lower, 'int32'), tf.scalar(upper, 'int32')), `bandPart tensors ${lower} ${upper}`);
    }
    const w = values(3 * 4, 5);
    close(tw.linalg.gramSchmidt(tw.tensor(w, [3, 4])), tf.linalg.gramSchmidt(tf.tensor2d(w, [3, 4])), 'gramSchmidt matrix');
    const ours = tw.linalg.gramSchmidt([tw.tensor(w.slice(0, 4)), tw.tensor(w.slice(4, 8))]);
    const theirs = tf.linalg.gramSchmidt([tf.tensor1d(w.slice(0, 4)), tf.tensor1d(w.slice(4, 8))]);
    ours.forEach((o, i) => close(o, theirs[i], `gramSchmidt vector ${i}`));
  });
  assert.equal(tw.memory().numTensors, before);
  assert.throws(() => tw.linalg.bandPart(tw.tensor([1, 2]), 0, 0), /bandPart: Rank must be at least 2, got 1/);
  assert.throws(() => tw.linalg.bandPart(tw.zeros([2, 2]), 3, 0), /numLower \(3\) must not be greater than the number of rows \(2\)/);
  assert.throws(() => tw.linalg.gramSchmidt(tw.zeros([3, 2])), /Number of vectors \(3\) exceeds number of dimensions \(2\)/);
});

test('qr is differentiable through the ops it is made of (x = q r, so d sum(q r) / dx = 1)', () => {
  const v = values(12, 11);
  const g = tw.grad((x) => { const [q, r] = tw.linalg.qr(x); return tw.sum(tw.matMul(q, r)); })(tw.tensor(v, [4, 3]));
  for (const d of g.dataSync()) assert.ok(Math.abs(d - 1) < 1e-3, `gradient ${d}`);
});
